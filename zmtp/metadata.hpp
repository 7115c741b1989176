// SPDX-License-Identifier: MIT
#pragma once

/** @file
    Connection metadata: the properties carried by READY.

    @see RFC 37/ZMTP "Connection Metadata"
*/

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace zmtp {

/** One metadata property. Values are arbitrary bytes held in a string. */
struct property {
    std::string name;
    std::string value;
};

/** An ordered property list with case-insensitive names.

    Unknown properties are kept, in wire order, and readable through get().
*/
class metadata {
public:
    /** Sets `name` to `value`, replacing an existing property of that name
        (compared case-insensitively), else appending. */
    void set(std::string_view name, std::string_view value);

    /// The value of `name` (case-insensitive), if present.
    std::optional<std::string_view> get(std::string_view name) const noexcept;

    const std::vector<property>& properties() const noexcept { return props_; }
    bool empty() const noexcept { return props_.empty(); }

    /// Number of bytes encode_to() appends.
    std::size_t encoded_size() const noexcept;

    /// Appends the wire form: per property, name-len(1) name value-len(4, BE) value.
    void encode_to(std::vector<std::byte>& out) const;

    /** Parses a property list occupying all of `in`.
        On error returns an empty list and sets `ec` to error::malformed_metadata. */
    static metadata parse(std::span<const std::byte> in, std::error_code& ec);

private:
    std::vector<property> props_;
};

/// ASCII case-insensitive comparison, as RFC 37 asks for property names.
bool iequals(std::string_view a, std::string_view b) noexcept;

} // namespace zmtp

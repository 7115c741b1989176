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

/** One metadata property, viewing the bytes of the `metadata` it came from. */
struct property {
    std::string_view name;
    std::string_view value;
};

/** An ordered property list with case-insensitive names.

    Unknown properties are kept, in wire order, and readable through get().
    The list is stored in its wire form and nothing else, so the READY a
    peer sent costs its own size for the connection's lifetime (a READY of
    many tiny properties would otherwise cost many times its size).
*/
class metadata {
public:
    /** Sets `name` to `value`, replacing an existing property of that name
        (compared case-insensitively), else appending. `name` is 1..255
        bytes; longer names are truncated. */
    void set(std::string_view name, std::string_view value);

    /// The value of `name` (case-insensitive), if present.
    std::optional<std::string_view> get(std::string_view name) const noexcept;

    /// Calls fn(property) for each property, in order.
    template <class Fn>
    void for_each(Fn&& fn) const
    {
        for (std::size_t at = 0; at < wire_.size();)
            fn(read_at(at));
    }

    /// The properties, in order (views into this object).
    std::vector<property> properties() const;
    bool empty() const noexcept { return wire_.empty(); }

    /// Number of bytes encode_to() appends.
    std::size_t encoded_size() const noexcept { return wire_.size(); }

    /// Appends the wire form: per property, name-len(1) name value-len(4, BE) value.
    void encode_to(std::vector<std::byte>& out) const;

    /** Parses a property list occupying all of `in`.
        On error returns an empty list and sets `ec` to error::malformed_metadata. */
    static metadata parse(std::span<const std::byte> in, std::error_code& ec);

private:
    /// The property starting at `at` (a valid offset); advances `at` past it.
    property read_at(std::size_t& at) const noexcept;

    std::string wire_; // validated wire form
};

/// ASCII case-insensitive comparison, as RFC 37 asks for property names.
bool iequals(std::string_view a, std::string_view b) noexcept;

} // namespace zmtp

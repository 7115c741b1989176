// SPDX-License-Identifier: MIT
#pragma once

/** @file
    Endpoint strings: `tcp://host:port`, `ipc://path` and `inproc://name`.

    Parsing is pure (no resolution, no I/O) so it can be unit-tested and
    fuzzed; names are resolved by the connector at every (re)connect.
*/

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace zmtp::transport {

/** Errors in endpoint strings and transport operations. */
enum class transport_error {
    malformed_endpoint = 1, ///< not `tcp://host:port`, `ipc://path` or `inproc://name`
    unsupported_transport,  ///< a scheme other than tcp, ipc or inproc
    invalid_port,           ///< port not a number in 0..65535, `*` or `0`
    unknown_endpoint,       ///< unbind/disconnect of an endpoint not bound/connected
    address_in_use,         ///< an inproc name already bound in this context
};

const std::error_category& transport_category() noexcept;

inline std::error_code make_error_code(transport_error e) noexcept
{
    return {static_cast<int>(e), transport_category()};
}

/** A parsed endpoint. */
struct endpoint {
    enum class kind { tcp, ipc, inproc };
    kind transport = kind::tcp;
    /// tcp: host name or address without brackets; "*" means every interface.
    std::string host;
    /// tcp: port; 0 means "any free port" (written `*` or `0`).
    std::uint16_t port = 0;
    /// ipc: filesystem path (a leading '@' means Linux's abstract namespace);
    /// inproc: the name, scoped to the context.
    std::string path;

    bool is_wildcard_host() const noexcept { return host == "*"; }

    /// The canonical string: `tcp://host:port` (IPv6 in brackets), `ipc://path` or `inproc://name`.
    std::string to_string() const;

    /** Parses an endpoint string. Accepts `tcp://127.0.0.1:5555`,
        `tcp://[::1]:5555`, `tcp://localhost:5555`, a `*` host (every interface),
        a `*` or `0` port (any free port),
        `ipc:///tmp/x.sock`, `ipc://@abstract`, `inproc://name` (any
        non-empty name). */
    static std::optional<endpoint> parse(std::string_view s, std::error_code& ec);
};

} // namespace zmtp::transport

template <>
struct std::is_error_code_enum<zmtp::transport::transport_error> : std::true_type {};

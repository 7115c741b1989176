// SPDX-License-Identifier: MIT
#include "transport/endpoint.hpp"

#include <sys/un.h>

#include <charconv>

namespace zmtp::transport {
namespace {

class category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "zmtp.transport"; }
    std::string message(int ev) const override
    {
        switch (static_cast<transport_error>(ev)) {
        case transport_error::malformed_endpoint: return "malformed endpoint";
        case transport_error::unsupported_transport:
            return "unsupported transport (tcp, ipc and inproc are)";
        case transport_error::invalid_port: return "invalid port";
        case transport_error::unknown_endpoint: return "endpoint not bound or connected";
        case transport_error::address_in_use: return "inproc name already bound";
        }
        return "unknown transport error";
    }
};

} // namespace

const std::error_category& transport_category() noexcept
{
    static const category_impl instance;
    return instance;
}

std::string endpoint::to_string() const
{
    if (transport == kind::ipc)
        return "ipc://" + path;
    if (transport == kind::inproc)
        return "inproc://" + path;
    const bool v6 = host.find(':') != std::string::npos;
    return "tcp://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<endpoint> endpoint::parse(std::string_view s, std::error_code& ec)
{
    const auto sep = s.find("://");
    if (sep == std::string_view::npos) {
        ec = transport_error::malformed_endpoint;
        return std::nullopt;
    }
    const auto scheme = s.substr(0, sep);
    const auto rest = s.substr(sep + 3);
    endpoint ep;
    if (scheme == "ipc" || scheme == "inproc") {
        // An inproc name is any non-empty string; an ipc path must also
        // be one the kernel takes.
        const bool ipc = scheme == "ipc";
        if (rest.empty() || (ipc && (rest == "@" || rest.find('\0') != std::string_view::npos))) {
            ec = transport_error::malformed_endpoint;
            return std::nullopt;
        }
        // sockaddr_un holds 108 bytes, the terminating zero included (an
        // abstract name has none, but its leading '@' counts instead).
        if (ipc && rest.size() >= sizeof(sockaddr_un::sun_path)) {
            ec = std::make_error_code(std::errc::filename_too_long);
            return std::nullopt;
        }
        ep.transport = ipc ? kind::ipc : kind::inproc;
        ep.path = std::string(rest);
        ec.clear();
        return ep;
    }
    if (scheme != "tcp") {
        ec = transport_error::unsupported_transport;
        return std::nullopt;
    }
    std::string_view host, port;
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
            ec = transport_error::malformed_endpoint;
            return std::nullopt;
        }
        host = rest.substr(1, close - 1);
        port = rest.substr(close + 2);
    } else {
        const auto colon = rest.rfind(':');
        if (colon == std::string_view::npos) {
            ec = transport_error::malformed_endpoint;
            return std::nullopt;
        }
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
        // An unbracketed IPv6 address is ambiguous; insist on brackets.
        if (host.find(':') != std::string_view::npos) {
            ec = transport_error::malformed_endpoint;
            return std::nullopt;
        }
    }
    if (host.empty()) {
        ec = transport_error::malformed_endpoint;
        return std::nullopt;
    }
    ep.host = std::string(host);
    if (port == "*") {
        ep.port = 0;
    } else {
        unsigned value = 0;
        const auto [p, err] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (port.empty() || err != std::errc() || p != port.data() + port.size() || value > 65535) {
            ec = transport_error::invalid_port;
            return std::nullopt;
        }
        ep.port = static_cast<std::uint16_t>(value);
    }
    ec.clear();
    return ep;
}

} // namespace zmtp::transport

// SPDX-License-Identifier: MIT
#include "zmtp/socket_type.hpp"

#include <array>

namespace zmtp {
namespace {

constexpr std::array<std::string_view, 12> names = {
    "PAIR", "PUB", "SUB", "REQ", "REP", "DEALER", "ROUTER", "PULL", "PUSH", "XPUB", "XSUB", "STREAM",
};

} // namespace

std::string_view to_string(socket_type t) noexcept
{
    return names[static_cast<std::size_t>(t)];
}

std::optional<socket_type> parse_socket_type(std::string_view name) noexcept
{
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == name)
            return static_cast<socket_type>(i);
    return std::nullopt;
}

bool is_compatible(socket_type local, socket_type peer) noexcept
{
    using t = socket_type;
    // RFC 37: "the peer SHALL ... [check] that the peer's socket type is
    // valid for the connection" -- the table below is RFC 37's.
    switch (local) {
    case t::pair: return peer == t::pair;
    case t::pub:
    case t::xpub: return peer == t::sub || peer == t::xsub;
    case t::sub:
    case t::xsub: return peer == t::pub || peer == t::xpub;
    case t::req: return peer == t::rep || peer == t::router;
    case t::rep: return peer == t::req || peer == t::dealer;
    case t::dealer: return peer == t::rep || peer == t::dealer || peer == t::router;
    case t::router: return peer == t::req || peer == t::dealer || peer == t::router;
    case t::pull: return peer == t::push;
    case t::push: return peer == t::pull;
    case t::stream: return false; // raw bytes: no ZMTP peer is one
    }
    return false;
}

bool sends_identity(socket_type t) noexcept
{
    return t == socket_type::req || t == socket_type::dealer || t == socket_type::router;
}

} // namespace zmtp

// SPDX-License-Identifier: MIT
#include "zmtp/handshake.hpp"

#include "zmtp/error.hpp"

namespace zmtp {
namespace {

std::variant<null_mechanism, plain_mechanism, curve_client, curve_server>
make_mechanism(socket_type type, const std::string& id, const metadata& extra,
               const security_options& sec, curve_codec* codec)
{
    using V = std::variant<null_mechanism, plain_mechanism, curve_client, curve_server>;
    switch (sec.mech) {
    case mechanism::plain:
        return V(std::in_place_type<plain_mechanism>, type, id, extra, sec);
    case mechanism::curve:
        if (sec.as_server)
            return V(std::in_place_type<curve_server>, type, id, extra, sec, *codec);
        return V(std::in_place_type<curve_client>, type, id, extra, sec, *codec);
    default:
        return V(std::in_place_type<null_mechanism>, type, id, extra,
                 sec.as_server && sec.authenticate_null);
    }
}

} // namespace

handshake::handshake(socket_type type, const std::string& routing_id, const metadata& extra,
                     const security_options& sec)
    : kind_(sec.mech == mechanism::gssapi ? mechanism::null : sec.mech),
      server_(sec.as_server),
      codec_(sec.mech == mechanism::curve ? std::make_unique<curve_codec>() : nullptr),
      mech_(make_mechanism(type, routing_id, extra, sec, codec_.get()))
{
}

handshake::status handshake::start(std::vector<std::byte>& out, std::error_code& ec)
{
    return std::visit(
        [&](auto& m) -> status {
            using M = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<M, null_mechanism>) {
                return m.start(out);
            } else {
                m.start(out, ec);
                return ec ? status::failed : status::in_progress;
            }
        },
        mech_);
}

handshake::status handshake::on_command(const command_view& cmd, peer_info& peer,
                                        std::vector<std::byte>& out, std::error_code& ec)
{
    return std::visit([&](auto& m) { return m.on_command(cmd, peer, out, ec); }, mech_);
}

const auth_request& handshake::request() const noexcept
{
    static const auth_request none;
    return std::visit(
        [](const auto& m) -> const auth_request& {
            using M = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<M, curve_client>)
                return none;
            else
                return m.request();
        },
        mech_);
}

handshake::status handshake::on_auth(const auth_reply& reply, peer_info& peer,
                                     std::vector<std::byte>& out, std::error_code& ec)
{
    return std::visit(
        [&](auto& m) -> status {
            using M = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<M, curve_client>) {
                ec = error::unexpected_command;
                return status::failed;
            } else {
                return m.on_auth(reply, peer, out, ec);
            }
        },
        mech_);
}

const std::string& handshake::error_reason() const noexcept
{
    return std::visit([](const auto& m) -> const std::string& { return m.error_reason(); }, mech_);
}

} // namespace zmtp

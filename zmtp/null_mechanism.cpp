// SPDX-License-Identifier: MIT
#include "zmtp/null_mechanism.hpp"

#include "zmtp/error.hpp"
#include "zmtp/handshake_metadata.hpp"

namespace zmtp {

metadata null_mechanism::local_metadata() const
{
    return make_local_metadata(type_, routing_id_, extra_);
}

null_mechanism::status null_mechanism::start(std::vector<std::byte>& out)
{
    if (authenticate_) {
        request_.mech = mechanism::null;
        auth_pending_ = true;
        return status::auth;
    }
    encode_ready(local_metadata(), out);
    return status::in_progress;
}

null_mechanism::status null_mechanism::on_auth(const auth_reply& reply, peer_info& peer,
                                               std::vector<std::byte>& out, std::error_code& ec)
{
    if (!auth_pending_) {
        ec = error::unexpected_command;
        return status::failed;
    }
    auth_pending_ = false;
    if (!apply_auth_reply(reply, peer, out, ec))
        return status::failed;
    encode_ready(local_metadata(), out);
    return peer_ready_ ? status::ready : status::in_progress;
}

null_mechanism::status null_mechanism::on_command(const command_view& cmd, peer_info& peer,
                                                  std::vector<std::byte>& out,
                                                  std::error_code& ec)
{
    if (cmd.name == command_name::error)
        return peer_refused(cmd.data, reason_, ec);
    if (cmd.name != command_name::ready) {
        ec = error::unexpected_command;
        return status::failed;
    }
    if (peer_ready_) {
        ec = error::unexpected_command;
        return status::failed;
    }
    if (!accept_peer_metadata(cmd.data, type_, peer, out, ec))
        return status::failed;
    ec.clear();
    peer_ready_ = true;
    // Authenticating: the peer is ready, we are not until the answer comes.
    return auth_pending_ ? status::in_progress : status::ready;
}

} // namespace zmtp

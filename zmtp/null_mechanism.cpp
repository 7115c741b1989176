// SPDX-License-Identifier: MIT
#include "zmtp/null_mechanism.hpp"

#include "zmtp/error.hpp"

namespace zmtp {

metadata null_mechanism::local_metadata() const
{
    // Property order as libzmq: Socket-Type, then Identity (REQ, DEALER and
    // ROUTER only, even when empty), then application properties.
    metadata md;
    md.set("Socket-Type", to_string(type_));
    if (sends_identity(type_))
        md.set("Identity", routing_id_);
    extra_.for_each([&](const property& p) {
        // set() would replace them: the handshake's own properties must
        // describe this socket, whatever the application passed.
        if (iequals(p.name, "Socket-Type") || iequals(p.name, "Identity"))
            return;
        md.set(p.name, p.value);
    });
    return md;
}

void null_mechanism::start(std::vector<std::byte>& out) const
{
    encode_ready(local_metadata(), out);
}

null_mechanism::status null_mechanism::on_command(const command_view& cmd, peer_info& peer,
                                                  std::vector<std::byte>& out,
                                                  std::error_code& ec)
{
    if (cmd.name == command_name::error) {
        if (auto reason = parse_error_reason(cmd.data, ec))
            reason_ = std::string(*reason);
        else
            return status::failed; // malformed_command
        ec = error::peer_error;
        return status::failed;
    }
    if (cmd.name != command_name::ready) {
        ec = error::unexpected_command;
        return status::failed;
    }
    peer.properties = metadata::parse(cmd.data, ec);
    if (ec)
        return status::failed;
    // RFC 37: "The Socket-Type property ... SHALL be present" in READY.
    const auto type_name = peer.properties.get("Socket-Type");
    if (!type_name) {
        ec = error::missing_socket_type;
        return status::failed;
    }
    const auto type = parse_socket_type(*type_name);
    // RFC 37: a peer that receives an invalid socket type SHOULD "return an
    // ERROR command, and then disconnect".
    if (!type || !is_compatible(type_, *type)) {
        encode_error("Invalid socket type", out);
        ec = error::incompatible_socket_type;
        return status::failed;
    }
    peer.type = *type;
    if (auto id = peer.properties.get("Identity"))
        peer.identity = std::string(*id);
    ec.clear();
    return status::ready;
}

} // namespace zmtp

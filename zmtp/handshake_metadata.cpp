// SPDX-License-Identifier: MIT
#include "zmtp/handshake_metadata.hpp"

#include "zmtp/command.hpp"
#include "zmtp/error.hpp"

namespace zmtp {

metadata make_local_metadata(socket_type type, std::string_view routing_id, const metadata& extra)
{
    metadata md;
    md.set("Socket-Type", to_string(type));
    if (sends_identity(type))
        md.set("Identity", routing_id);
    extra.for_each([&](const property& p) {
        // set() would replace them: the handshake's own properties must
        // describe this socket, whatever the application passed.
        if (iequals(p.name, "Socket-Type") || iequals(p.name, "Identity"))
            return;
        md.set(p.name, p.value);
    });
    return md;
}

bool accept_peer_metadata(std::span<const std::byte> data, socket_type ours, peer_info& peer,
                          std::vector<std::byte>& out, std::error_code& ec)
{
    peer.properties = metadata::parse(data, ec);
    if (ec)
        return false;
    // RFC 37: "The Socket-Type property ... SHALL be present" in READY.
    const auto type_name = peer.properties.get("Socket-Type");
    if (!type_name) {
        ec = error::missing_socket_type;
        return false;
    }
    const auto type = parse_socket_type(*type_name);
    // RFC 37: a peer that receives an invalid socket type SHOULD "return an
    // ERROR command, and then disconnect".
    if (!type || !is_compatible(ours, *type)) {
        encode_error("Invalid socket type", out);
        ec = error::incompatible_socket_type;
        return false;
    }
    peer.type = *type;
    if (auto id = peer.properties.get("Identity"))
        peer.identity = std::string(*id);
    ec.clear();
    return true;
}

bool apply_auth_reply(const auth_reply& reply, peer_info& peer, std::vector<std::byte>& out,
                      std::error_code& ec)
{
    if (reply.status_code != 200) {
        // libzmq's reason text is the ZAP status code; 300 (temporary)
        // closes without an ERROR.
        if (reply.status_code != 300)
            encode_error(std::to_string(reply.status_code), out);
        ec = error::auth_refused;
        return false;
    }
    peer.user_id = reply.user_id;
    peer.auth_properties = reply.properties;
    return true;
}

handshake_status peer_refused(std::span<const std::byte> data, std::string& reason,
                              std::error_code& ec)
{
    auto text = parse_error_reason(data, ec);
    if (!text)
        return handshake_status::failed; // malformed_command
    reason = std::string(*text);
    ec = zap_status_of(reason) ? error::auth_failed_by_peer : error::peer_error;
    return handshake_status::failed;
}

int zap_status_of(std::string_view reason) noexcept
{
    if (reason.size() != 3 || (reason[0] != '3' && reason[0] != '4' && reason[0] != '5'))
        return 0;
    if (reason[1] < '0' || reason[1] > '9' || reason[2] < '0' || reason[2] > '9')
        return 0;
    return (reason[0] - '0') * 100 + (reason[1] - '0') * 10 + (reason[2] - '0');
}

} // namespace zmtp

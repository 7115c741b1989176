// SPDX-License-Identifier: MIT
#include "zmtp/plain_mechanism.hpp"

#include "zmtp/error.hpp"

namespace zmtp {
namespace {

constexpr std::string_view hello = "HELLO";
constexpr std::string_view welcome = "WELCOME";
constexpr std::string_view initiate = "INITIATE";

void wipe_string(std::string& s) noexcept
{
    wipe({reinterpret_cast<std::byte*>(s.data()), s.size()});
}

} // namespace

plain_mechanism::plain_mechanism(socket_type type, std::string routing_id, metadata extra,
                                 const security_options& sec)
    : type_(type),
      routing_id_(std::move(routing_id)),
      extra_(std::move(extra)),
      server_(sec.as_server),
      username_(sec.plain_username),
      password_(sec.plain_password),
      state_(state::hello)
{
}

plain_mechanism::~plain_mechanism()
{
    wipe_string(password_);
    for (auto& c : request_.credentials)
        wipe_string(c);
}

void plain_mechanism::start(std::vector<std::byte>& out, std::error_code& ec)
{
    if (server_)
        return;
    // RFC 24: "username = *255OCTET", "password = *255OCTET" (one length octet each).
    if (username_.size() > 255 || password_.size() > 255) {
        ec = error::missing_credentials;
        state_ = state::failed;
        return;
    }
    std::vector<std::byte> data;
    data.reserve(2 + username_.size() + password_.size());
    data.push_back(static_cast<std::byte>(username_.size()));
    const auto u = as_bytes(username_);
    data.insert(data.end(), u.begin(), u.end());
    data.push_back(static_cast<std::byte>(password_.size()));
    const auto p = as_bytes(password_);
    data.insert(data.end(), p.begin(), p.end());
    encode_command(hello, data, out);
    wipe(data);
    state_ = state::welcome;
}

plain_mechanism::status plain_mechanism::peer_error(const command_view& cmd, std::error_code& ec)
{
    state_ = state::failed;
    return peer_refused(cmd.data, reason_, ec);
}

plain_mechanism::status plain_mechanism::on_command(const command_view& cmd, peer_info& peer,
                                                    std::vector<std::byte>& out,
                                                    std::error_code& ec)
{
    if (cmd.name == command_name::error && !server_ &&
        (state_ == state::welcome || state_ == state::ready))
        return peer_error(cmd, ec);

    if (server_ && state_ == state::hello && cmd.name == hello) {
        // HELLO = username-len username password-len password, nothing after
        // (libzmq refuses trailing bytes too).
        const auto d = cmd.data;
        if (d.empty() || d.size() < 1u + std::to_integer<std::size_t>(d[0]) + 1u) {
            ec = error::malformed_command;
            return status::failed;
        }
        const std::size_t ulen = std::to_integer<std::size_t>(d[0]);
        const std::size_t plen = std::to_integer<std::size_t>(d[1 + ulen]);
        if (d.size() != 2 + ulen + plen) {
            ec = error::malformed_command;
            return status::failed;
        }
        request_.mech = mechanism::plain;
        request_.credentials.assign(
            {std::string(reinterpret_cast<const char*>(d.data() + 1), ulen),
             std::string(reinterpret_cast<const char*>(d.data() + 2 + ulen), plen)});
        state_ = state::auth;
        return status::auth;
    }
    if (server_ && state_ == state::initiate && cmd.name == initiate) {
        if (!accept_peer_metadata(cmd.data, type_, peer, out, ec))
            return status::failed;
        encode_ready(make_local_metadata(type_, routing_id_, extra_), out);
        state_ = state::ready;
        return status::ready;
    }
    if (!server_ && state_ == state::welcome && cmd.name == welcome) {
        // libzmq: WELCOME carries nothing.
        if (!cmd.data.empty()) {
            ec = error::malformed_command;
            return status::failed;
        }
        metadata md = make_local_metadata(type_, routing_id_, extra_);
        std::vector<std::byte> data;
        md.encode_to(data);
        encode_command(initiate, data, out);
        state_ = state::ready; // waiting for READY
        return status::in_progress;
    }
    if (!server_ && state_ == state::ready && cmd.name == command_name::ready) {
        if (!accept_peer_metadata(cmd.data, type_, peer, out, ec))
            return status::failed;
        return status::ready;
    }
    ec = error::unexpected_command;
    state_ = state::failed;
    return status::failed;
}

plain_mechanism::status plain_mechanism::on_auth(const auth_reply& reply, peer_info& peer,
                                                 std::vector<std::byte>& out, std::error_code& ec)
{
    if (state_ != state::auth) {
        ec = error::unexpected_command;
        return status::failed;
    }
    for (auto& c : request_.credentials)
        wipe_string(c);
    if (!apply_auth_reply(reply, peer, out, ec)) {
        state_ = state::failed;
        return status::failed;
    }
    encode_command(welcome, {}, out);
    state_ = state::initiate;
    return status::in_progress;
}

} // namespace zmtp

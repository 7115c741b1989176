// SPDX-License-Identifier: MIT
#include "zmtp/curve_server.hpp"

#include "zmtp/detail/endian.hpp"
#include "zmtp/detail/sodium.hpp"
#include "zmtp/error.hpp"

#include <cstring>

namespace zmtp {
namespace {

using detail::uc;

constexpr std::string_view hello_name = "HELLO";
constexpr std::string_view welcome_name = "WELCOME";
constexpr std::string_view initiate_name = "INITIATE";

// HELLO data: version (2) + padding (72) + C' (32) + short nonce (8) + box (80).
constexpr std::size_t hello_size = 2 + 72 + 32 + 8 + 80;
// INITIATE data: cookie (96) + short nonce (8) + box (16 + C 32 + vouch 96 + metadata).
constexpr std::size_t initiate_min = 96 + 8 + 16 + 32 + 96;

} // namespace

curve_server::curve_server(socket_type type, std::string routing_id, metadata extra,
                           const security_options& sec, curve_codec& codec)
    : type_(type),
      routing_id_(std::move(routing_id)),
      extra_(std::move(extra)),
      codec_(codec),
      permanent_(sec.curve)
{
}

curve_server::~curve_server()
{
    sodium_memzero(cookie_key_, sizeof cookie_key_);
}

void curve_server::start(std::vector<std::byte>&, std::error_code& ec)
{
    // A server without its secret key cannot open any HELLO: say so.
    if (constant_time_equal(permanent_.secret_key, curve_key{}))
        ec = error::missing_credentials;
}

curve_server::status curve_server::on_command(const command_view& cmd, peer_info& peer,
                                              std::vector<std::byte>& out, std::error_code& ec)
{
    if (state_ == state::hello && cmd.name == hello_name)
        return on_hello(cmd, out, ec);
    if (state_ == state::initiate && cmd.name == initiate_name)
        return on_initiate(cmd, peer, out, ec);
    ec = error::unexpected_command;
    state_ = state::failed;
    return status::failed;
}

curve_server::status curve_server::on_hello(const command_view& cmd, std::vector<std::byte>& out,
                                            std::error_code& ec)
{
    state_ = state::failed;
    const auto d = cmd.data;
    if (d.size() != hello_size) {
        ec = error::malformed_command;
        return status::failed;
    }
    // RFC 26: the version "SHALL be 1.0" (libzmq checks both octets).
    if (d[0] != std::byte{1} || d[1] != std::byte{0}) {
        ec = error::malformed_command;
        return status::failed;
    }
    std::memcpy(client_transient_.data(), d.data() + 74, 32);
    if (!codec_.accept_peer_nonce(detail::get_u64_be(d.data() + 106))) {
        ec = error::bad_nonce;
        return status::failed;
    }
    unsigned char nonce[24];
    make_nonce(nonce, "CurveZMQHELLO---", d.subspan(106, 8));
    unsigned char zeros[64];
    if (crypto_box_open_easy(zeros, uc(d.data() + 114), 80, nonce, uc(client_transient_.data()),
                             uc(permanent_.secret_key.data())) != 0) {
        ec = error::bad_box;
        return status::failed;
    }

    transient_ = generate_curve_keypair();
    randombytes_buf(cookie_key_, sizeof cookie_key_);

    // cookie = long nonce (16) + SecretBox[C' + s'](cookie key)
    std::byte cookie_plain[64];
    std::memcpy(cookie_plain, client_transient_.data(), 32);
    std::memcpy(cookie_plain + 32, transient_.secret_key.data(), 32);
    std::byte welcome_plain[32 + 96];
    std::memcpy(welcome_plain, transient_.public_key.data(), 32);
    std::byte* cookie = welcome_plain + 32;
    randombytes_buf(cookie, 16);
    make_nonce(nonce, "COOKIE--", {cookie, 16});
    crypto_secretbox_easy(uc(cookie + 16), uc(cookie_plain), sizeof cookie_plain, nonce, cookie_key_);
    wipe(cookie_plain);

    // WELCOME data: long nonce (16) + Box[S' + cookie](S->C')
    std::byte data[16 + 16 + sizeof welcome_plain];
    randombytes_buf(data, 16);
    make_nonce(nonce, "WELCOME-", {data, 16});
    if (crypto_box_easy(uc(data + 16), uc(welcome_plain), sizeof welcome_plain, nonce,
                        uc(client_transient_.data()), uc(permanent_.secret_key.data())) != 0) {
        ec = error::bad_box;
        return status::failed;
    }
    wipe(welcome_plain);
    encode_command(welcome_name, data, out);
    state_ = state::initiate;
    return status::in_progress;
}

curve_server::status curve_server::on_initiate(const command_view& cmd, peer_info& peer,
                                               std::vector<std::byte>& out, std::error_code& ec)
{
    state_ = state::failed;
    const auto d = cmd.data;
    if (d.size() < initiate_min) {
        ec = error::malformed_command;
        return status::failed;
    }
    // The cookie must be ours, and name this connection's C' and s'.
    unsigned char nonce[24];
    make_nonce(nonce, "COOKIE--", d.first(16));
    std::byte cookie_plain[64];
    if (crypto_secretbox_open_easy(uc(cookie_plain), uc(d.data() + 16), 80, nonce, cookie_key_) != 0 ||
        !constant_time_equal({cookie_plain, 32}, client_transient_) ||
        !constant_time_equal({cookie_plain + 32, 32}, transient_.secret_key)) {
        wipe(cookie_plain);
        ec = error::bad_cookie;
        return status::failed;
    }
    wipe(cookie_plain);
    sodium_memzero(cookie_key_, sizeof cookie_key_);

    if (!codec_.accept_peer_nonce(detail::get_u64_be(d.data() + 96))) {
        ec = error::bad_nonce;
        return status::failed;
    }
    if (!codec_.init(client_transient_, transient_.secret_key, true)) {
        ec = error::bad_box;
        return status::failed;
    }
    make_nonce(nonce, "CurveZMQINITIATE", d.subspan(96, 8));
    const std::size_t box_size = d.size() - 104;
    std::vector<std::byte> plain(box_size - 16);
    if (crypto_box_open_easy_afternm(uc(plain.data()), uc(d.data() + 104), box_size, nonce,
                                     codec_.shared_key()) != 0) {
        ec = error::bad_box;
        return status::failed;
    }
    // plain: C (32) + vouch nonce (16) + vouch box (80) + metadata
    curve_key client_key;
    std::memcpy(client_key.data(), plain.data(), 32);
    make_nonce(nonce, "VOUCH---", {plain.data() + 32, 16});
    std::byte vouch[64];
    if (crypto_box_open_easy(uc(vouch), uc(plain.data() + 48), 80, nonce, uc(client_key.data()),
                             uc(transient_.secret_key.data())) != 0) {
        ec = error::bad_box;
        return status::failed;
    }
    // The vouch must name this connection's C' and this server's S.
    if (!constant_time_equal({vouch, 32}, client_transient_) ||
        !constant_time_equal({vouch + 32, 32}, permanent_.public_key)) {
        ec = error::bad_vouch;
        return status::failed;
    }
    if (!accept_peer_metadata(std::span(plain).subspan(128), type_, peer, out, ec))
        return status::failed;
    peer.curve_public_key.assign(reinterpret_cast<const char*>(client_key.data()), 32);
    request_.mech = mechanism::curve;
    request_.credentials.assign({peer.curve_public_key});
    state_ = state::auth;
    return status::auth;
}

curve_server::status curve_server::on_auth(const auth_reply& reply, peer_info& peer,
                                           std::vector<std::byte>& out, std::error_code& ec)
{
    if (state_ != state::auth) {
        ec = error::unexpected_command;
        return status::failed;
    }
    transient_ = curve_keypair{}; // the shared key is all that is needed now
    if (!apply_auth_reply(reply, peer, out, ec)) {
        state_ = state::failed;
        return status::failed;
    }
    // READY data: short nonce (8) + Box[metadata](S'->C')
    std::vector<std::byte> md;
    make_local_metadata(type_, routing_id_, extra_).encode_to(md);
    std::vector<std::byte> data(8 + 16 + md.size());
    detail::put_u64_be(data.data(), codec_.next_nonce());
    unsigned char nonce[24];
    make_nonce(nonce, "CurveZMQREADY---", {data.data(), 8});
    crypto_box_easy_afternm(uc(data.data() + 8), uc(md.data()), md.size(), nonce, codec_.shared_key());
    encode_command(command_name::ready, data, out);
    state_ = state::ready;
    return status::ready;
}

} // namespace zmtp

// SPDX-License-Identifier: MIT
#include "zmtp/curve_client.hpp"

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

} // namespace

curve_client::curve_client(socket_type type, std::string routing_id, metadata extra,
                           const security_options& sec, curve_codec& codec)
    : type_(type),
      routing_id_(std::move(routing_id)),
      extra_(std::move(extra)),
      codec_(codec),
      permanent_(sec.curve),
      server_key_(sec.curve_server_key)
{
}

curve_client::~curve_client() = default; // the key pairs wipe themselves

void curve_client::start(std::vector<std::byte>& out, std::error_code& ec)
{
    transient_ = generate_curve_keypair();
    // HELLO data: version 1.0, 72 octets of anti-amplification padding, C',
    // short nonce, Box[64 zeros](C'->S).
    std::byte data[2 + 72 + 32 + 8 + 16 + 64]{};
    data[0] = std::byte{1};
    data[1] = std::byte{0};
    std::memcpy(data + 74, transient_.public_key.data(), 32);
    const std::uint64_t n = codec_.next_nonce();
    detail::put_u64_be(data + 106, n);
    unsigned char nonce[24];
    make_nonce(nonce, "CurveZMQHELLO---", {data + 106, 8});
    const unsigned char zeros[64]{};
    // Fails only for a server key that is no Curve25519 key (a low-order point).
    if (crypto_box_easy(uc(data + 114), zeros, sizeof zeros, nonce, uc(server_key_.data()),
                        uc(transient_.secret_key.data())) != 0) {
        ec = error::missing_credentials;
        state_ = state::failed;
        return;
    }
    encode_command(hello_name, data, out);
}

curve_client::status curve_client::on_command(const command_view& cmd, peer_info& peer,
                                              std::vector<std::byte>& out, std::error_code& ec)
{
    if (cmd.name == command_name::error && state_ != state::failed) {
        state_ = state::failed;
        return peer_refused(cmd.data, reason_, ec);
    }
    if (state_ == state::welcome && cmd.name == welcome_name)
        return on_welcome(cmd, out, ec);
    if (state_ == state::ready && cmd.name == command_name::ready)
        return on_ready(cmd, peer, out, ec);
    ec = error::unexpected_command;
    state_ = state::failed;
    return status::failed;
}

curve_client::status curve_client::on_welcome(const command_view& cmd, std::vector<std::byte>& out,
                                              std::error_code& ec)
{
    state_ = state::failed;
    // WELCOME data: long nonce (16) + Box[S' + cookie](S->C') (16 + 32 + 96).
    if (cmd.data.size() != 16 + 144) {
        ec = error::malformed_command;
        return status::failed;
    }
    unsigned char nonce[24];
    make_nonce(nonce, "WELCOME-", cmd.data.first(16));
    std::byte plain[128];
    if (crypto_box_open_easy(uc(plain), uc(cmd.data.data() + 16), 144, nonce,
                             uc(server_key_.data()), uc(transient_.secret_key.data())) != 0) {
        ec = error::bad_box;
        return status::failed;
    }
    curve_key server_transient;
    std::memcpy(server_transient.data(), plain, 32);
    if (!codec_.init(server_transient, transient_.secret_key, false)) {
        ec = error::bad_box;
        return status::failed;
    }

    // vouch = long nonce (16) + Box[C' + S](C->S')
    std::byte vouch_plain[64];
    std::memcpy(vouch_plain, transient_.public_key.data(), 32);
    std::memcpy(vouch_plain + 32, server_key_.data(), 32);
    std::byte vouch[16 + 16 + 64];
    randombytes_buf(vouch, 16);
    make_nonce(nonce, "VOUCH---", {vouch, 16});
    if (crypto_box_easy(uc(vouch + 16), uc(vouch_plain), sizeof vouch_plain, nonce,
                        uc(server_transient.data()), uc(permanent_.secret_key.data())) != 0) {
        ec = error::bad_box; // the server's transient key is a low-order point
        return status::failed;
    }

    // INITIATE data: cookie (96) + short nonce (8) + Box[C + vouch + metadata](C'->S')
    std::vector<std::byte> box_plain(32 + sizeof vouch);
    std::memcpy(box_plain.data(), permanent_.public_key.data(), 32);
    std::memcpy(box_plain.data() + 32, vouch, sizeof vouch);
    make_local_metadata(type_, routing_id_, extra_).encode_to(box_plain);

    std::vector<std::byte> data(96 + 8 + 16 + box_plain.size());
    std::memcpy(data.data(), plain + 32, 96);
    const std::uint64_t n = codec_.next_nonce();
    detail::put_u64_be(data.data() + 96, n);
    make_nonce(nonce, "CurveZMQINITIATE", {data.data() + 96, 8});
    crypto_box_easy_afternm(uc(data.data() + 104), uc(box_plain.data()), box_plain.size(), nonce,
                            codec_.shared_key());
    encode_command(initiate_name, data, out);
    wipe(plain);
    state_ = state::ready;
    return status::in_progress;
}

curve_client::status curve_client::on_ready(const command_view& cmd, peer_info& peer,
                                            std::vector<std::byte>& out, std::error_code& ec)
{
    state_ = state::failed;
    // READY data: short nonce (8) + Box[metadata](S'->C')
    if (cmd.data.size() < 8 + 16) {
        ec = error::malformed_command;
        return status::failed;
    }
    if (!codec_.accept_peer_nonce(detail::get_u64_be(cmd.data.data()))) {
        ec = error::bad_nonce;
        return status::failed;
    }
    unsigned char nonce[24];
    make_nonce(nonce, "CurveZMQREADY---", cmd.data.first(8));
    // One spare octet: an empty box must still open into a real buffer.
    std::vector<std::byte> md(cmd.data.size() - 8 - 16 + 1);
    if (crypto_box_open_easy_afternm(uc(md.data()), uc(cmd.data.data() + 8), cmd.data.size() - 8,
                                     nonce, codec_.shared_key()) != 0) {
        ec = error::bad_box;
        return status::failed;
    }
    if (!accept_peer_metadata(std::span(md).first(md.size() - 1), type_, peer, out, ec))
        return status::failed;
    // Nothing of the handshake is needed any more.
    transient_ = curve_keypair{};
    return status::ready;
}

} // namespace zmtp

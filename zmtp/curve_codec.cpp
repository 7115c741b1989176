// SPDX-License-Identifier: MIT
#include "zmtp/curve_codec.hpp"

#include "zmtp/detail/endian.hpp"
#include "zmtp/detail/sodium.hpp"
#include "zmtp/error.hpp"
#include "zmtp/frame_header.hpp"

#include <cstring>
#include <string_view>

namespace zmtp {
namespace {

constexpr std::string_view message_name = "\x07MESSAGE";
constexpr std::string_view client_prefix = "CurveZMQMESSAGEC";
constexpr std::string_view server_prefix = "CurveZMQMESSAGES";

} // namespace

void make_nonce(unsigned char (&nonce)[24], std::string_view prefix,
                std::span<const std::byte> rest) noexcept
{
    std::memcpy(nonce, prefix.data(), prefix.size());
    std::memcpy(nonce + prefix.size(), rest.data(), 24 - prefix.size());
}

curve_codec::~curve_codec()
{
    sodium_memzero(key_, sizeof key_);
}

bool curve_codec::init(const curve_key& peer_public, const curve_key& our_secret,
                       bool as_server) noexcept
{
    detail::sodium_ready();
    as_server_ = as_server;
    return crypto_box_beforenm(key_, detail::uc(peer_public.data()), detail::uc(our_secret.data())) == 0;
}

bool curve_codec::accept_peer_nonce(std::uint64_t n) noexcept
{
    // RFC 26: the short nonce "SHALL be strictly greater than" the previous.
    if (n <= peer_)
        return false;
    peer_ = n;
    return true;
}

std::size_t curve_codec::frame_size(std::size_t n) noexcept
{
    const std::size_t body = n + overhead;
    return (body <= 255 ? 2 : 9) + body;
}

void curve_codec::seal(std::uint8_t flags, std::span<const std::byte> body, std::byte* dst) noexcept
{
    const std::size_t size = body.size() + overhead;
    // A plain frame (flags 0), as libzmq sends MESSAGE; RFC 26 calls it a
    // command, and libzmq reads either.
    std::byte* p = dst + encode_frame_header(dst, size, false, false);
    std::memcpy(p, message_name.data(), message_name.size());
    p += message_name.size();
    const std::uint64_t n = next_nonce();
    detail::put_u64_be(p, n);
    unsigned char nonce[24];
    make_nonce(nonce, as_server_ ? server_prefix : client_prefix, {p, 8});
    p += 8;
    // The plaintext goes where the ciphertext will be (after the MAC), then
    // is encrypted in place.
    p[16] = static_cast<std::byte>(flags);
    if (!body.empty())
        std::memcpy(p + 17, body.data(), body.size());
    crypto_box_easy_afternm(detail::uc(p), detail::uc(p + 16), body.size() + 1, nonce, key_);
}

bool curve_codec::open(std::span<std::byte> cmd, std::uint8_t& flags, std::span<std::byte>& body,
                       std::error_code& ec) noexcept
{
    if (cmd.size() < overhead) {
        ec = error::malformed_command;
        return false;
    }
    const std::uint64_t n = detail::get_u64_be(cmd.data() + 8);
    if (!accept_peer_nonce(n)) {
        ec = error::bad_nonce;
        return false;
    }
    unsigned char nonce[24];
    make_nonce(nonce, as_server_ ? client_prefix : server_prefix, cmd.subspan(8, 8));
    std::byte* box = cmd.data() + 16;
    const std::size_t box_size = cmd.size() - 16;
    if (crypto_box_open_easy_afternm(detail::uc(box + 16), detail::uc(box), box_size, nonce, key_) != 0) {
        ec = error::bad_box;
        return false;
    }
    flags = std::to_integer<std::uint8_t>(box[16]);
    body = {box + 17, box_size - 17};
    return true;
}

} // namespace zmtp

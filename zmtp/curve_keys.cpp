// SPDX-License-Identifier: MIT
#include "zmtp/curve_keys.hpp"

#include "zmtp/detail/sodium.hpp"
#include "zmtp/z85.hpp"

#include <cstring>

namespace zmtp {

curve_keypair::~curve_keypair()
{
    wipe(secret_key);
}

curve_keypair generate_curve_keypair()
{
    detail::sodium_ready();
    curve_keypair kp;
    crypto_box_keypair(detail::uc(kp.public_key.data()), detail::uc(kp.secret_key.data()));
    return kp;
}

curve_key curve_public_from_secret(const curve_key& secret)
{
    detail::sodium_ready();
    curve_key pub{};
    crypto_scalarmult_base(detail::uc(pub.data()), detail::uc(secret.data()));
    return pub;
}

std::optional<curve_key> parse_curve_key(std::string_view text)
{
    curve_key key{};
    if (text.size() == key.size()) {
        std::memcpy(key.data(), text.data(), key.size());
        return key;
    }
    if (text.size() != 40)
        return std::nullopt;
    auto bytes = z85_decode(text);
    if (!bytes)
        return std::nullopt;
    std::memcpy(key.data(), bytes->data(), key.size());
    wipe(*bytes);
    return key;
}

std::string curve_key_to_z85(const curve_key& key)
{
    return *z85_encode(key);
}

void wipe(std::span<std::byte> bytes) noexcept
{
    if (!bytes.empty())
        sodium_memzero(bytes.data(), bytes.size());
}

bool constant_time_equal(std::span<const std::byte> a, std::span<const std::byte> b) noexcept
{
    return a.size() == b.size() && (a.empty() || sodium_memcmp(a.data(), b.data(), a.size()) == 0);
}

} // namespace zmtp

// SPDX-License-Identifier: MIT
#pragma once

/** @file
    CURVE keys: 32-byte Curve25519 keys, their Z85 text form, generation and
    the public key of a secret one (libsodium does the arithmetic).
*/

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace zmtp {

/// A Curve25519 key, public or secret.
using curve_key = std::array<std::byte, 32>;

/** A key pair. The secret half is wiped when the pair is destroyed. */
struct curve_keypair {
    curve_key public_key{};
    curve_key secret_key{};

    curve_keypair() = default;
    curve_keypair(const curve_keypair&) = default;
    curve_keypair& operator=(const curve_keypair&) = default;
    ~curve_keypair();
};

/** A fresh random key pair. */
curve_keypair generate_curve_keypair();

/** The public key that belongs to `secret`. */
curve_key curve_public_from_secret(const curve_key& secret);

/** A key given as 32 raw bytes or as 40 Z85 characters (what libzmq's
    ZMQ_CURVE_*KEY options accept); nullopt for anything else. */
std::optional<curve_key> parse_curve_key(std::string_view text_or_binary);

/** The 40-character Z85 form of `key`. */
std::string curve_key_to_z85(const curve_key& key);

/// Overwrites `bytes` in a way the compiler cannot elide.
void wipe(std::span<std::byte> bytes) noexcept;
/// Constant-time equality of two byte ranges of the same size.
bool constant_time_equal(std::span<const std::byte> a, std::span<const std::byte> b) noexcept;

} // namespace zmtp

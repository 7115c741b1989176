// SPDX-License-Identifier: MIT
#pragma once

/** @file
    Z85 (ZeroMQ RFC 32): 4 bytes as 5 printable characters, the text form
    of CURVE keys (40 characters for a 32-byte key).
*/

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace zmtp {

/** Encodes `data`; nullopt when its size is not a multiple of 4 (RFC 32
    leaves other sizes to the application). */
std::optional<std::string> z85_encode(std::span<const std::byte> data);

/** Decodes `text`; nullopt when its length is not a multiple of 5, a
    character is not in the alphabet, or a group overflows 32 bits. */
std::optional<std::vector<std::byte>> z85_decode(std::string_view text);

} // namespace zmtp

// SPDX-License-Identifier: MIT
#pragma once

/** @file
    The frame header: a flags octet and a 1- or 8-octet size.

    @see RFC 37/ZMTP "Framing"
*/

#include "zmtp/detail/endian.hpp"

#include <cstddef>
#include <cstdint>

namespace zmtp {

/** Bits of the frame flags octet. */
namespace frame_flags {
inline constexpr std::uint8_t more = 0x01;
inline constexpr std::uint8_t long_size = 0x02;
inline constexpr std::uint8_t command = 0x04;
/// Bits 3..7: "reserved for future use and MUST be zero" (RFC 37).
inline constexpr std::uint8_t reserved = 0xF8;
} // namespace frame_flags

/// The longest header: flags + 8-octet size.
inline constexpr std::size_t max_frame_header_size = 9;

/** Writes a frame header for a body of `size` bytes into `out` (which must
    have room for max_frame_header_size bytes) and returns its length.
    The short form is used up to 255 bytes, as libzmq does. */
inline std::size_t encode_frame_header(std::byte* out, std::uint64_t size, bool more,
                                       bool command) noexcept
{
    std::uint8_t flags = (more ? frame_flags::more : 0) | (command ? frame_flags::command : 0);
    if (size <= 255) {
        out[0] = std::byte(flags);
        out[1] = std::byte(size);
        return 2;
    }
    out[0] = std::byte(flags | frame_flags::long_size);
    detail::put_u64_be(out + 1, size);
    return 9;
}

} // namespace zmtp

// SPDX-License-Identifier: MIT
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace zmtp::detail {

inline void put_u16_be(std::byte* p, std::uint16_t v) noexcept
{
    p[0] = std::byte(v >> 8);
    p[1] = std::byte(v);
}

inline void put_u32_be(std::byte* p, std::uint32_t v) noexcept
{
    for (int i = 3; i >= 0; --i, v >>= 8)
        p[i] = std::byte(v & 0xff);
}

inline void put_u64_be(std::byte* p, std::uint64_t v) noexcept
{
    if constexpr (std::endian::native == std::endian::little)
        v = __builtin_bswap64(v);
    std::memcpy(p, &v, sizeof v);
}

inline std::uint16_t get_u16_be(const std::byte* p) noexcept
{
    return static_cast<std::uint16_t>((std::to_integer<unsigned>(p[0]) << 8) |
                                      std::to_integer<unsigned>(p[1]));
}

inline std::uint32_t get_u32_be(const std::byte* p) noexcept
{
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
        v = (v << 8) | std::to_integer<std::uint32_t>(p[i]);
    return v;
}

inline std::uint64_t get_u64_be(const std::byte* p) noexcept
{
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    if constexpr (std::endian::native == std::endian::little)
        v = __builtin_bswap64(v);
    return v;
}

} // namespace zmtp::detail

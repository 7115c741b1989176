// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>

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
    for (int i = 7; i >= 0; --i, v >>= 8)
        p[i] = std::byte(v & 0xff);
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
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
        v = (v << 8) | std::to_integer<std::uint64_t>(p[i]);
    return v;
}

} // namespace zmtp::detail

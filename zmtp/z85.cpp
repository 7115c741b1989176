// SPDX-License-Identifier: MIT
#include "zmtp/z85.hpp"

#include <array>
#include <cstdint>

namespace zmtp {
namespace {

constexpr std::string_view alphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

// Character -> digit, 0xFF for characters outside the alphabet.
constexpr std::array<std::uint8_t, 256> make_digits()
{
    std::array<std::uint8_t, 256> d{};
    for (auto& v : d)
        v = 0xFF;
    for (std::size_t i = 0; i < alphabet.size(); ++i)
        d[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
    return d;
}
constexpr auto digits = make_digits();

} // namespace

std::optional<std::string> z85_encode(std::span<const std::byte> data)
{
    if (data.size() % 4 != 0)
        return std::nullopt;
    std::string out(data.size() / 4 * 5, '\0');
    std::size_t o = 0;
    for (std::size_t i = 0; i < data.size(); i += 4) {
        std::uint32_t v = 0;
        for (std::size_t k = 0; k < 4; ++k)
            v = v << 8 | std::to_integer<std::uint32_t>(data[i + k]);
        for (std::size_t k = 5; k-- > 0;) {
            out[o + k] = alphabet[v % 85];
            v /= 85;
        }
        o += 5;
    }
    return out;
}

std::optional<std::vector<std::byte>> z85_decode(std::string_view text)
{
    if (text.size() % 5 != 0)
        return std::nullopt;
    std::vector<std::byte> out(text.size() / 5 * 4);
    std::size_t o = 0;
    for (std::size_t i = 0; i < text.size(); i += 5) {
        std::uint64_t v = 0;
        for (std::size_t k = 0; k < 5; ++k) {
            const auto d = digits[static_cast<unsigned char>(text[i + k])];
            if (d == 0xFF)
                return std::nullopt;
            v = v * 85 + d;
        }
        if (v > 0xFFFFFFFFu) // "%%%%%" and the like: not 4 bytes
            return std::nullopt;
        for (std::size_t k = 4; k-- > 0;) {
            out[o + k] = static_cast<std::byte>(v & 0xFF);
            v >>= 8;
        }
        o += 4;
    }
    return out;
}

} // namespace zmtp

// SPDX-License-Identifier: MIT
#include "zmtp/greeting.hpp"

#include "zmtp/error.hpp"

#include <algorithm>
#include <cstring>

namespace zmtp {
namespace {

constexpr std::array<std::string_view, 4> mechanism_names = {"NULL", "PLAIN", "CURVE", "GSSAPI"};

} // namespace

std::string_view to_string(mechanism m) noexcept
{
    return mechanism_names[static_cast<std::size_t>(m)];
}

std::optional<mechanism> parse_mechanism(std::span<const std::byte, 20> field) noexcept
{
    for (std::size_t i = 0; i < mechanism_names.size(); ++i) {
        const auto name = mechanism_names[i];
        // RFC 37: mechanism = 20mechanism-char, "padded with zeros"
        if (std::memcmp(field.data(), name.data(), name.size()) == 0 &&
            std::all_of(field.begin() + static_cast<std::ptrdiff_t>(name.size()), field.end(),
                        [](std::byte b) { return b == std::byte{0}; }))
            return static_cast<mechanism>(i);
    }
    return std::nullopt;
}

greeting greeting::make(mechanism m, bool as_server) noexcept
{
    greeting g;
    const auto name = to_string(m);
    std::memcpy(g.mechanism_field.data(), name.data(), name.size());
    g.as_server = as_server;
    return g;
}

void encode_greeting(const greeting& g, std::span<std::byte, greeting_size> out) noexcept
{
    std::fill(out.begin(), out.end(), std::byte{0});
    out[0] = std::byte{0xFF};
    out[9] = std::byte{0x7F};
    out[10] = std::byte(g.version_major);
    out[11] = std::byte(g.version_minor);
    std::memcpy(out.data() + 12, g.mechanism_field.data(), g.mechanism_field.size());
    out[32] = std::byte(g.as_server ? 1 : 0);
}

std::size_t greeting_decoder::feed(std::span<const std::byte> in, std::error_code& ec) noexcept
{
    if (ec_) {
        ec = ec_;
        return 0;
    }
    const std::size_t n = std::min(in.size(), greeting_size - have_);
    const std::size_t start = have_;
    if (n != 0) // an empty span's data() may be null, which memcpy must not see
        std::memcpy(buf_.data() + have_, in.data(), n);
    have_ += n;
    // Validate each significant octet as soon as it has arrived.
    for (std::size_t i = start; i < have_; ++i) {
        const auto b = std::to_integer<unsigned>(buf_[i]);
        if ((i == 0 && b != 0xFF) || (i == 9 && (b & 1) == 0)) {
            ec_ = error::bad_signature;
            break;
        }
        // We speak 3.x only: 1.0 and 2.0 peers are refused, never downgraded.
        if (i == 10 && b < 3) {
            ec_ = error::unsupported_version;
            break;
        }
    }
    ec = ec_;
    return n;
}

greeting greeting_decoder::value() const noexcept
{
    greeting g;
    g.version_major = std::to_integer<std::uint8_t>(buf_[10]);
    g.version_minor = std::to_integer<std::uint8_t>(buf_[11]);
    std::memcpy(g.mechanism_field.data(), buf_.data() + 12, g.mechanism_field.size());
    g.as_server = buf_[32] != std::byte{0};
    return g;
}

} // namespace zmtp

// SPDX-License-Identifier: MIT
#include "zmtp/metadata.hpp"

#include "zmtp/detail/endian.hpp"
#include "zmtp/error.hpp"

#include <cstring>

namespace zmtp {

bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i]))
            return false;
    }
    return true;
}

property metadata::read_at(std::size_t& at) const noexcept
{
    const auto* p = reinterpret_cast<const unsigned char*>(wire_.data()) + at;
    const std::size_t name_len = p[0];
    const std::size_t value_len = detail::get_u32_be(reinterpret_cast<const std::byte*>(p + 1 + name_len));
    property out{std::string_view(wire_).substr(at + 1, name_len),
                 std::string_view(wire_).substr(at + 1 + name_len + 4, value_len)};
    at += 1 + name_len + 4 + value_len;
    return out;
}

void metadata::set(std::string_view name, std::string_view value)
{
    name = name.substr(0, 255);
    std::string out;
    out.reserve(wire_.size() + 5 + name.size() + value.size());
    bool replaced = false;
    auto append = [&out](std::string_view n, std::string_view v) {
        out.push_back(static_cast<char>(n.size()));
        out.append(n);
        std::byte len[4];
        detail::put_u32_be(len, static_cast<std::uint32_t>(v.size()));
        out.append(reinterpret_cast<const char*>(len), 4);
        out.append(v);
    };
    for_each([&](const property& p) {
        if (!replaced && iequals(p.name, name)) {
            append(p.name, value); // the first spelling and position stay
            replaced = true;
        } else {
            append(p.name, p.value);
        }
    });
    if (!replaced)
        append(name, value);
    wire_ = std::move(out);
}

std::optional<std::string_view> metadata::get(std::string_view name) const noexcept
{
    for (std::size_t at = 0; at < wire_.size();) {
        const property p = read_at(at);
        if (iequals(p.name, name))
            return p.value;
    }
    return std::nullopt;
}

std::vector<property> metadata::properties() const
{
    std::vector<property> out;
    for_each([&](const property& p) { out.push_back(p); });
    return out;
}

void metadata::encode_to(std::vector<std::byte>& out) const
{
    const auto* b = reinterpret_cast<const std::byte*>(wire_.data());
    out.insert(out.end(), b, b + wire_.size());
}

metadata metadata::parse(std::span<const std::byte> in, std::error_code& ec)
{
    std::size_t i = 0;
    while (i < in.size()) {
        const std::size_t name_len = std::to_integer<std::size_t>(in[i]);
        ++i;
        // RFC 37: name = short-size 1*255name-char; value = 4OCTET *OCTET
        if (name_len == 0 || name_len > in.size() - i || in.size() - i - name_len < 4) {
            ec = error::malformed_metadata;
            return {};
        }
        i += name_len;
        const std::size_t value_len = detail::get_u32_be(in.data() + i);
        i += 4;
        if (value_len > in.size() - i) {
            ec = error::malformed_metadata;
            return {};
        }
        i += value_len;
    }
    metadata md;
    md.wire_.assign(reinterpret_cast<const char*>(in.data()), in.size());
    ec.clear();
    return md;
}

} // namespace zmtp

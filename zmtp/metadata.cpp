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

void metadata::set(std::string_view name, std::string_view value)
{
    for (auto& p : props_) {
        if (iequals(p.name, name)) {
            p.value.assign(value);
            return;
        }
    }
    props_.push_back({std::string(name), std::string(value)});
}

std::optional<std::string_view> metadata::get(std::string_view name) const noexcept
{
    for (const auto& p : props_)
        if (iequals(p.name, name))
            return std::string_view(p.value);
    return std::nullopt;
}

std::size_t metadata::encoded_size() const noexcept
{
    std::size_t n = 0;
    for (const auto& p : props_)
        n += 1 + p.name.size() + 4 + p.value.size();
    return n;
}

void metadata::encode_to(std::vector<std::byte>& out) const
{
    for (const auto& p : props_) {
        const auto at = out.size();
        out.resize(at + 1 + p.name.size() + 4 + p.value.size());
        std::byte* w = out.data() + at;
        *w++ = std::byte(p.name.size());
        std::memcpy(w, p.name.data(), p.name.size());
        w += p.name.size();
        detail::put_u32_be(w, static_cast<std::uint32_t>(p.value.size()));
        w += 4;
        if (!p.value.empty())
            std::memcpy(w, p.value.data(), p.value.size());
    }
}

metadata metadata::parse(std::span<const std::byte> in, std::error_code& ec)
{
    metadata md;
    std::size_t i = 0;
    while (i < in.size()) {
        const std::size_t name_len = std::to_integer<std::size_t>(in[i]);
        ++i;
        // RFC 37: name = short-size 1*255name-char; value = 4OCTET *OCTET
        if (name_len == 0 || name_len > in.size() - i || in.size() - i - name_len < 4) {
            ec = error::malformed_metadata;
            return {};
        }
        std::string name(reinterpret_cast<const char*>(in.data() + i), name_len);
        i += name_len;
        const std::size_t value_len = detail::get_u32_be(in.data() + i);
        i += 4;
        if (value_len > in.size() - i) {
            ec = error::malformed_metadata;
            return {};
        }
        md.props_.push_back(
            {std::move(name), std::string(reinterpret_cast<const char*>(in.data() + i), value_len)});
        i += value_len;
    }
    ec.clear();
    return md;
}

} // namespace zmtp

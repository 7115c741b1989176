// SPDX-License-Identifier: MIT
#include "frames.hpp"

namespace zmtpcat {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

int hex_value(char c) noexcept
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void append_hex_escape(std::string& out, unsigned char b)
{
    out += "\\x";
    out += hex_digits[b >> 4];
    out += hex_digits[b & 0xf];
}

/** Length of the well-formed UTF-8 sequence of two or more bytes at `s[i]`
    (Unicode table 3-7), or 0. C1 controls (U+0080..U+009F) count as not
    printable, so they are escaped like the C0 ones. */
std::size_t utf8_sequence(std::string_view s, std::size_t i) noexcept
{
    const auto at = [&](std::size_t k) -> unsigned {
        return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0x100;
    };
    const auto in = [](unsigned b, unsigned lo, unsigned hi) { return b >= lo && b <= hi; };
    const unsigned b0 = at(0);
    if (in(b0, 0xc2, 0xdf))
        return in(at(1), 0x80, 0xbf) && !(b0 == 0xc2 && at(1) <= 0x9f) ? 2 : 0;
    unsigned lo = 0x80, hi = 0xbf;
    std::size_t n = 0;
    if (in(b0, 0xe0, 0xef)) {
        n = 3;
        if (b0 == 0xe0)
            lo = 0xa0;
        else if (b0 == 0xed)
            hi = 0x9f; // no surrogates
    } else if (in(b0, 0xf0, 0xf4)) {
        n = 4;
        if (b0 == 0xf0)
            lo = 0x90;
        else if (b0 == 0xf4)
            hi = 0x8f; // nothing above U+10FFFF
    } else {
        return 0;
    }
    if (!in(at(1), lo, hi))
        return 0;
    for (std::size_t k = 2; k < n; ++k)
        if (!in(at(k), 0x80, 0xbf))
            return 0;
    return n;
}

/** Length of the escape sequence starting at the backslash `s[i]`, and the
    byte it stands for. A backslash that starts no escape has length 1 and
    stands for itself. */
std::size_t escape_at(std::string_view s, std::size_t i, char& byte) noexcept
{
    byte = '\\';
    if (i + 1 >= s.size())
        return 1;
    switch (s[i + 1]) {
    case '\\': byte = '\\'; return 2;
    case 'n': byte = '\n'; return 2;
    case 'r': byte = '\r'; return 2;
    case 't': byte = '\t'; return 2;
    case 'x':
        if (i + 3 < s.size() && hex_value(s[i + 2]) >= 0 && hex_value(s[i + 3]) >= 0) {
            byte = static_cast<char>(hex_value(s[i + 2]) * 16 + hex_value(s[i + 3]));
            return 4;
        }
        return 1;
    default: return 1;
    }
}

} // namespace

std::string escape(std::string_view bytes, std::string_view sep)
{
    const int sep0 = sep.empty() ? -1 : static_cast<unsigned char>(sep.front());
    std::string out;
    out.reserve(bytes.size());
    for (std::size_t i = 0; i < bytes.size();) {
        const auto b = static_cast<unsigned char>(bytes[i]);
        if (b == sep0) {
            append_hex_escape(out, b);
            ++i;
        } else if (b == '\\') {
            out += "\\\\";
            ++i;
        } else if (b == '\n') {
            out += "\\n";
            ++i;
        } else if (b == '\r') {
            out += "\\r";
            ++i;
        } else if (b == '\t') {
            out += "\\t";
            ++i;
        } else if (b >= 0x20 && b < 0x7f) {
            out += static_cast<char>(b);
            ++i;
        } else if (const std::size_t n = utf8_sequence(bytes, i); n != 0) {
            out.append(bytes.substr(i, n));
            i += n;
        } else {
            append_hex_escape(out, b);
            ++i;
        }
    }
    return out;
}

std::string unescape(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] != '\\') {
            out += text[i++];
            continue;
        }
        char byte = 0;
        i += escape_at(text, i, byte);
        out += byte;
    }
    return out;
}

std::string format_routing_id(std::string_view id, std::string_view sep)
{
    if (!id.empty() && id.front() == '\0') {
        std::string out = "0x";
        for (const char c : id) {
            const auto b = static_cast<unsigned char>(c);
            out += hex_digits[b >> 4];
            out += hex_digits[b & 0xf];
        }
        return out;
    }
    std::string out = escape(id, sep);
    // A printable id that starts with "0x" must not read back as hex.
    if (out.starts_with("0x"))
        out.replace(0, 1, "\\x30");
    return out;
}

std::string parse_routing_id(std::string_view text)
{
    if (text.size() >= 4 && text.size() % 2 == 0 && text.starts_with("0x")) {
        std::string out;
        bool ok = true;
        for (std::size_t i = 2; i < text.size() && ok; i += 2) {
            const int hi = hex_value(text[i]);
            const int lo = hex_value(text[i + 1]);
            ok = hi >= 0 && lo >= 0;
            out += static_cast<char>(hi * 16 + lo);
        }
        if (ok)
            return out;
    }
    return unescape(text);
}

std::vector<std::string_view> split_line(std::string_view line, std::string_view sep)
{
    std::vector<std::string_view> parts;
    if (sep.empty()) {
        parts.push_back(line);
        return parts;
    }
    std::size_t start = 0;
    for (std::size_t i = 0; i < line.size();) {
        if (line[i] == '\\') {
            char ignored = 0;
            i += escape_at(line, i, ignored);
        } else if (line.compare(i, sep.size(), sep) == 0) {
            parts.push_back(line.substr(start, i - start));
            i += sep.size();
            start = i;
        } else {
            ++i;
        }
    }
    parts.push_back(line.substr(start));
    return parts;
}

std::string format_message(const zmtp::message& m, std::string_view sep, bool routing_id_first)
{
    std::string line;
    for (std::size_t i = 0; i < m.size(); ++i) {
        if (i != 0)
            line += sep;
        line += i == 0 && routing_id_first ? format_routing_id(m[i].view(), sep)
                                           : escape(m[i].view(), sep);
    }
    return line;
}

zmtp::message parse_message(std::string_view line, std::string_view split_sep,
                            bool routing_id_first)
{
    zmtp::message m;
    const auto parts = split_line(line, split_sep);
    for (std::size_t i = 0; i < parts.size(); ++i)
        m.push_back(i == 0 && routing_id_first ? parse_routing_id(parts[i]) : unescape(parts[i]));
    return m;
}

} // namespace zmtpcat

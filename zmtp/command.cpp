// SPDX-License-Identifier: MIT
#include "zmtp/command.hpp"

#include "zmtp/detail/endian.hpp"
#include "zmtp/error.hpp"
#include "zmtp/frame_header.hpp"

#include <algorithm>
#include <cstring>

namespace zmtp {

std::optional<command_view> parse_command(std::span<const std::byte> body, std::error_code& ec)
{
    if (body.empty()) {
        ec = error::malformed_command;
        return std::nullopt;
    }
    const std::size_t name_len = std::to_integer<std::size_t>(body[0]);
    if (name_len == 0 || name_len > body.size() - 1) {
        ec = error::malformed_command;
        return std::nullopt;
    }
    ec.clear();
    return command_view{{reinterpret_cast<const char*>(body.data() + 1), name_len},
                        body.subspan(1 + name_len)};
}

std::optional<ping_view> parse_ping(std::span<const std::byte> data, std::error_code& ec)
{
    // RFC 37: ping = command-size %d4 "PING" ping-ttl ping-context; ping-ttl = 2OCTET
    if (data.size() < 2) {
        ec = error::malformed_command;
        return std::nullopt;
    }
    ec.clear();
    return ping_view{detail::get_u16_be(data.data()), data.subspan(2)};
}

std::optional<std::string_view> parse_error_reason(std::span<const std::byte> data,
                                                   std::error_code& ec)
{
    if (data.empty() || std::to_integer<std::size_t>(data[0]) > data.size() - 1) {
        ec = error::malformed_command;
        return std::nullopt;
    }
    ec.clear();
    return std::string_view(reinterpret_cast<const char*>(data.data() + 1),
                            std::to_integer<std::size_t>(data[0]));
}

namespace {

// Appends a command header and name, leaving room for `data_size` bytes that
// the caller writes at the returned pointer.
std::byte* begin_command(std::string_view name, std::size_t data_size, std::vector<std::byte>& out)
{
    const std::size_t body = 1 + name.size() + data_size;
    std::byte header[max_frame_header_size];
    const std::size_t hlen = encode_frame_header(header, body, false, true);
    const std::size_t at = out.size();
    out.resize(at + hlen + body);
    std::byte* w = out.data() + at;
    std::memcpy(w, header, hlen);
    w += hlen;
    *w++ = std::byte(name.size());
    std::memcpy(w, name.data(), name.size());
    return w + name.size();
}

} // namespace

void encode_command(std::string_view name, std::span<const std::byte> data,
                    std::vector<std::byte>& out)
{
    std::byte* w = begin_command(name, data.size(), out);
    if (!data.empty())
        std::memcpy(w, data.data(), data.size());
}

void encode_ready(const metadata& properties, std::vector<std::byte>& out)
{
    std::vector<std::byte> data;
    data.reserve(properties.encoded_size());
    properties.encode_to(data);
    encode_command(command_name::ready, data, out);
}

void encode_error(std::string_view reason, std::vector<std::byte>& out)
{
    reason = reason.substr(0, 255);
    std::byte* w = begin_command(command_name::error, 1 + reason.size(), out);
    *w++ = std::byte(reason.size());
    std::memcpy(w, reason.data(), reason.size());
}

void encode_ping(std::uint16_t ttl_ds, std::span<const std::byte> context,
                 std::vector<std::byte>& out)
{
    context = context.first(std::min(context.size(), max_ping_context));
    std::byte* w = begin_command(command_name::ping, 2 + context.size(), out);
    detail::put_u16_be(w, ttl_ds);
    if (!context.empty())
        std::memcpy(w + 2, context.data(), context.size());
}

void encode_pong(std::span<const std::byte> context, std::vector<std::byte>& out)
{
    encode_command(command_name::pong, context.first(std::min(context.size(), max_ping_context)),
                   out);
}

void encode_subscribe(std::span<const std::byte> topic, std::vector<std::byte>& out)
{
    encode_command(command_name::subscribe, topic, out);
}

void encode_cancel(std::span<const std::byte> topic, std::vector<std::byte>& out)
{
    encode_command(command_name::cancel, topic, out);
}

} // namespace zmtp

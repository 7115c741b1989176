// Helpers shared by the scriptable interop peers (zpeer, and rpeer in
// ../robustness): line output, number and frame-spec parsing, error names
// and libzmq-named socket options. Test code only, header-only.
#pragma once

#include "zmtp/socket_error.hpp"
#include <zmtp.hpp>
#include "zmtp/error.hpp"
#include "zmtp/message.hpp"

#include <asio/error.hpp>

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace zmtp_interop {

namespace zp = zmtp;
using std::chrono::milliseconds;

//----------------------------------------------------------------------------
// Output: whole lines, flushed, from any thread.

inline std::mutex out_mutex;


inline void emit_line(const std::string& line)
{
    std::lock_guard<std::mutex> lock(out_mutex);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

[[noreturn]] inline void die(const std::string& why)
{
    emit_line("fatal " + why);
    std::exit(2);
}

inline std::optional<std::size_t> to_size(std::string_view s)
{
    std::size_t v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size())
        return std::nullopt;
    return v;
}

inline std::optional<long long> to_int(std::string_view s)
{
    long long v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size())
        return std::nullopt;
    return v;
}

inline std::optional<std::string> from_hex(std::string_view h)
{
    if (h.size() % 2 != 0)
        return std::nullopt;
    std::string out;
    for (std::size_t i = 0; i < h.size(); i += 2) {
        unsigned v = 0;
        auto r = std::from_chars(h.data() + i, h.data() + i + 2, v, 16);
        if (r.ec != std::errc() || r.ptr != h.data() + i + 2)
            return std::nullopt;
        out += static_cast<char>(v);
    }
    return out;
}

/// Parses a frame spec: "-" (empty), "size:N" (N bytes, byte i = i % 251),
/// "hex:HEX", "str:TEXT" or plain TEXT; nullopt if malformed.
inline std::optional<zmtp::frame> parse_frame(std::string_view spec)
{
    if (spec == "-")
        return zmtp::frame();
    if (spec.starts_with("size:")) {
        const auto n = to_size(spec.substr(5));
        if (!n)
            return std::nullopt;
        zmtp::frame f(*n);
        for (std::size_t i = 0; i < *n; ++i)
            f.data()[i] = std::byte(i % 251);
        return f;
    }
    if (spec.starts_with("hex:")) {
        auto b = from_hex(spec.substr(4));
        if (!b)
            return std::nullopt;
        return zmtp::frame(std::string_view(*b));
    }
    if (spec.starts_with("str:"))
        return zmtp::frame(spec.substr(4));
    return zmtp::frame(spec);
}

inline std::optional<std::string> parse_bytes(std::string_view spec)
{
    auto f = parse_frame(spec);
    if (!f)
        return std::nullopt;
    return f->to_string();
}

//----------------------------------------------------------------------------
// Error names

inline std::string error_name(const std::error_code& ec)
{
    if (!ec)
        return "-";
    if (ec.category() == zp::socket_category()) {
        switch (static_cast<zp::socket_error>(ec.value())) {
        case zp::socket_error::would_block: return "would_block";
        case zp::socket_error::timed_out: return "timed_out";
        case zp::socket_error::closed: return "closed";
        case zp::socket_error::not_supported: return "not_supported";
        case zp::socket_error::bad_state: return "bad_state";
        case zp::socket_error::request_lost: return "request_lost";
        case zp::socket_error::retries_exhausted: return "retries_exhausted";
        case zp::socket_error::host_unreachable: return "host_unreachable";
        case zp::socket_error::invalid_argument: return "invalid_argument";
        case zp::socket_error::would_deadlock: return "would_deadlock";
        case zp::socket_error::subscription_limit: return "subscription_limit";
        case zp::socket_error::not_a_socket: return "not_a_socket";
        }
    }
    if (ec.category() == zmtp::error_category()) {
        switch (static_cast<zmtp::error>(ec.value())) {
        case zmtp::error::heartbeat_timeout: return "heartbeat_timeout";
        case zmtp::error::handshake_timeout: return "handshake_timeout";
        case zmtp::error::unexpected_eof: return "unexpected_eof";
        case zmtp::error::incompatible_socket_type: return "incompatible_socket_type";
        case zmtp::error::peer_error: return "peer_error";
        default: break;
        }
    }
    if (ec == asio::error::eof)
        return "eof";
    // Anything else: category, value and message, without spaces.
    std::string s = std::string(ec.category().name()) + ":" + std::to_string(ec.value()) + ":" +
                    ec.message();
    for (char& c : s)
        if (std::isspace(static_cast<unsigned char>(c)))
            c = '_';
    return s;
}

//----------------------------------------------------------------------------
// Options

inline bool to_bool(std::string_view v)
{
    return v == "1" || v == "true" || v == "on" || v == "yes";
}

template <class T>
struct named_option {
    std::string_view name;
    T zp::socket_options::*member;
};

inline constexpr named_option<bool> bool_options[] = {
    {"req_relaxed", &zp::socket_options::req_relaxed},
    {"req_correlate", &zp::socket_options::req_correlate},
    {"req_fail_on_disconnect", &zp::socket_options::req_fail_on_disconnect},
    {"router_mandatory", &zp::socket_options::router_mandatory},
    {"router_handover", &zp::socket_options::router_handover},
    {"xpub_verbose", &zp::socket_options::xpub_verbose},
    {"xpub_verboser", &zp::socket_options::xpub_verboser},
    {"xpub_nodrop", &zp::socket_options::xpub_nodrop},
    {"plain_server", &zp::socket_options::plain_server},
    {"curve_server", &zp::socket_options::curve_server},
};

inline constexpr named_option<milliseconds> time_options[] = {
    {"linger", &zp::socket_options::linger},
    {"sndtimeo", &zp::socket_options::sndtimeo},
    {"rcvtimeo", &zp::socket_options::rcvtimeo},
    {"reconnect_ivl", &zp::socket_options::reconnect_ivl},
    {"reconnect_ivl_max", &zp::socket_options::reconnect_ivl_max},
    {"handshake_ivl", &zp::socket_options::handshake_ivl},
    {"heartbeat_ivl", &zp::socket_options::heartbeat_ivl},
    {"heartbeat_timeout", &zp::socket_options::heartbeat_timeout},
    {"heartbeat_ttl", &zp::socket_options::heartbeat_ttl},
    {"req_timeout", &zp::socket_options::req_timeout},
};

inline constexpr named_option<std::size_t> size_options[] = {
    {"sndhwm", &zp::socket_options::sndhwm},
    {"rcvhwm", &zp::socket_options::rcvhwm},
    {"sndhwm_bytes", &zp::socket_options::sndhwm_bytes},
    {"rcvhwm_bytes", &zp::socket_options::rcvhwm_bytes},
    {"max_subscription_bytes", &zp::socket_options::max_subscription_bytes},
};

inline constexpr named_option<int> int_options[] = {
    {"req_retries", &zp::socket_options::req_retries},
    {"backlog", &zp::socket_options::backlog},
};

/// Applies a "NAME=VALUE" command-line option; false if malformed or unknown.
inline bool apply_option(zp::socket_options& o, std::string_view kv);

/// Applies option `name` = `value` (libzmq's names, lower case); false if unknown or malformed.
inline bool apply_option(zp::socket_options& o, std::string_view name, std::string_view value)
{
    if (name == "routing_id") {
        auto b = parse_bytes(value);
        if (!b)
            return false;
        o.routing_id = *b;
        return true;
    }
    // CURVE keys in Z85 (40 characters).
    if (name == "curve_secretkey" || name == "curve_serverkey" || name == "curve_publickey") {
        auto key = zmtp::parse_curve_key(value);
        if (!key || value.size() != 40)
            return false;
        (name == "curve_secretkey"   ? o.curve_secretkey
         : name == "curve_serverkey" ? o.curve_serverkey
                                     : o.curve_publickey) = *key;
        return true;
    }
    for (const auto& opt : bool_options)
        if (opt.name == name) {
            o.*opt.member = to_bool(value);
            return true;
        }
    const auto n = to_int(value);
    if (!n)
        return false;
    if (name == "max_msg_size") {
        o.limits.max_message_size = o.limits.max_frame_size = static_cast<std::size_t>(*n);
        return true;
    }
    if (name == "hwm") {
        o.sndhwm = o.rcvhwm = static_cast<std::size_t>(*n);
        return true;
    }
    for (const auto& opt : time_options)
        if (opt.name == name) {
            o.*opt.member = milliseconds(*n);
            return true;
        }
    for (const auto& opt : size_options)
        if (opt.name == name) {
            o.*opt.member = static_cast<std::size_t>(*n);
            return true;
        }
    for (const auto& opt : int_options)
        if (opt.name == name) {
            o.*opt.member = static_cast<int>(*n);
            return true;
        }
    return false;
}

inline bool apply_option(zp::socket_options& o, std::string_view kv)
{
    const auto eq = kv.find('=');
    return eq != std::string_view::npos && apply_option(o, kv.substr(0, eq), kv.substr(eq + 1));
}

} // namespace zmtp_interop

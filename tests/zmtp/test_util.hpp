// SPDX-License-Identifier: MIT
#pragma once

// Shared helpers for the core unit tests: byte builders, event transcripts,
// a "grind" that replays an input split at every offset, and a
// connection_pair that wires two connections together in memory.

#include "zmtp/command.hpp"
#include "zmtp/connection.hpp"
#include "zmtp/error.hpp"
#include "zmtp/frame_decoder.hpp"
#include "zmtp/frame_header.hpp"
#include "zmtp/greeting.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace zmtp::test {

using bytes = std::vector<std::byte>;

//----------------------------------------------------------------------------
// Building byte vectors: cat(0x04, 0x1a, "READY", zeros(3), other_bytes)

struct zeros {
    std::size_t n;
};
struct repeat {
    std::size_t n;
    char c;
};

inline void append(bytes& out, int v) { out.push_back(std::byte(static_cast<unsigned char>(v))); }
inline void append(bytes& out, std::string_view s)
{
    for (char c : s)
        out.push_back(std::byte(static_cast<unsigned char>(c)));
}
inline void append(bytes& out, const char* s) { append(out, std::string_view(s)); }
inline void append(bytes& out, const std::string& s) { append(out, std::string_view(s)); }
inline void append(bytes& out, std::span<const std::byte> b) { out.insert(out.end(), b.begin(), b.end()); }
inline void append(bytes& out, const bytes& b) { out.insert(out.end(), b.begin(), b.end()); }
inline void append(bytes& out, zeros z) { out.insert(out.end(), z.n, std::byte{0}); }
inline void append(bytes& out, repeat r)
{
    out.insert(out.end(), r.n, std::byte(static_cast<unsigned char>(r.c)));
}

template <class... Parts>
bytes cat(const Parts&... parts)
{
    bytes out;
    (append(out, parts), ...);
    return out;
}

inline std::span<const std::byte> span_of(std::string_view s) { return as_bytes(s); }

/// A deterministic, position-dependent pattern, so misplaced bytes show up.
inline bytes pattern(std::size_t n, unsigned seed = 1)
{
    bytes out(n);
    std::uint32_t x = seed * 2654435761u + 12345u;
    for (std::size_t i = 0; i < n; ++i) {
        x = x * 1664525u + 1013904223u;
        out[i] = std::byte(static_cast<unsigned char>(x >> 24));
    }
    return out;
}

inline std::string hex(std::span<const std::byte> b)
{
    std::string s;
    char buf[4];
    for (std::size_t i = 0; i < b.size(); ++i) {
        std::snprintf(buf, sizeof buf, "%02x", std::to_integer<unsigned>(b[i]));
        if (i)
            s += ' ';
        s += buf;
    }
    return s;
}

inline std::string to_string(std::span<const std::byte> b)
{
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

/// Short printable form of a body; long bodies become "<size bytes #hash>".
inline std::string printable(std::span<const std::byte> b)
{
    char buf[64];
    if (b.size() > 48) {
        std::uint64_t h = 1469598103934665603ull; // FNV-1a
        for (auto x : b)
            h = (h ^ std::to_integer<std::uint64_t>(x)) * 1099511628211ull;
        std::snprintf(buf, sizeof buf, "<%zu bytes #%016llx>", b.size(),
                      static_cast<unsigned long long>(h));
        return buf;
    }
    std::string s;
    for (auto x : b) {
        const unsigned c = std::to_integer<unsigned>(x);
        if (c >= 0x20 && c < 0x7f && c != '\\' && c != '|') {
            s += static_cast<char>(c);
        } else {
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            s += buf;
        }
    }
    return s;
}

//----------------------------------------------------------------------------
// Names for errors and events, so transcripts read well in failure output.

inline std::string error_name(std::error_code ec)
{
    if (!ec)
        return "ok";
    if (ec.category() != error_category())
        return ec.category().name() + std::string(":") + ec.message();
    switch (static_cast<error>(ec.value())) {
    case error::bad_signature: return "bad_signature";
    case error::unsupported_version: return "unsupported_version";
    case error::unknown_mechanism: return "unknown_mechanism";
    case error::mechanism_mismatch: return "mechanism_mismatch";
    case error::reserved_flags: return "reserved_flags";
    case error::more_on_command: return "more_on_command";
    case error::frame_too_large: return "frame_too_large";
    case error::message_too_large: return "message_too_large";
    case error::too_many_frames: return "too_many_frames";
    case error::command_too_large: return "command_too_large";
    case error::malformed_command: return "malformed_command";
    case error::malformed_metadata: return "malformed_metadata";
    case error::unexpected_command: return "unexpected_command";
    case error::data_before_ready: return "data_before_ready";
    case error::missing_socket_type: return "missing_socket_type";
    case error::incompatible_socket_type: return "incompatible_socket_type";
    case error::peer_error: return "peer_error";
    case error::unexpected_eof: return "unexpected_eof";
    case error::handshake_timeout: return "handshake_timeout";
    case error::heartbeat_timeout: return "heartbeat_timeout";
    case error::not_ready: return "not_ready";
    case error::output_backlog: return "output_backlog";
    case error::auth_refused: return "auth_refused";
    case error::auth_failed_by_peer: return "auth_failed_by_peer";
    case error::bad_box: return "bad_box";
    case error::bad_nonce: return "bad_nonce";
    case error::bad_cookie: return "bad_cookie";
    case error::bad_vouch: return "bad_vouch";
    case error::unencrypted_frame: return "unencrypted_frame";
    case error::missing_credentials: return "missing_credentials";
    }
    return "error#" + std::to_string(ec.value());
}

inline std::string err(error e) { return "error:" + error_name(e); }

inline std::string describe(const message& m)
{
    std::string s = "msg:";
    for (std::size_t i = 0; i < m.size(); ++i) {
        if (i)
            s += '|';
        s += printable(m[i].bytes());
    }
    return s;
}

inline std::string describe(const event& ev)
{
    struct visitor {
        std::string operator()(const events::need_more&) const { return "need_more"; }
        std::string operator()(const events::handshake_complete&) const { return "handshake"; }
        std::string operator()(const events::message_received& e) const { return describe(e.msg); }
        std::string operator()(const events::subscribe& e) const
        {
            return "sub:" + printable(e.topic.bytes());
        }
        std::string operator()(const events::cancel& e) const
        {
            return "cancel:" + printable(e.topic.bytes());
        }
        std::string operator()(const events::ping& e) const
        {
            return "ping:" + std::to_string(e.ttl_ds);
        }
        std::string operator()(const events::pong&) const { return "pong"; }
        std::string operator()(const events::closed&) const { return "closed"; }
        std::string operator()(const events::auth_requested&) const { return "auth"; }
    };
    return std::visit(visitor{}, ev);
}

//----------------------------------------------------------------------------
// Driving a connection

/** What a connection reported: one string per event (see describe()), the
    received messages themselves, and the error that stopped it. */
struct sink {
    std::vector<std::string> log;
    std::vector<message> messages;
    std::error_code ec;
};

/** Calls next_event() until need_more, closed or an error (each recorded once). */
inline void drain(connection& c, sink& s)
{
    if (s.ec)
        return;
    for (int guard = 0; guard < 1'000'000; ++guard) {
        std::error_code ec;
        event ev = c.next_event(ec);
        if (ec) {
            s.ec = ec;
            s.log.push_back("error:" + error_name(ec));
            return;
        }
        if (std::holds_alternative<events::need_more>(ev))
            return;
        s.log.push_back(describe(ev));
        if (auto* m = std::get_if<events::message_received>(&ev))
            s.messages.push_back(std::move(m->msg));
        if (std::holds_alternative<events::closed>(ev))
            return;
    }
    FAIL("next_event() never returned need_more");
}

/** Writes `in` through prepare()/commit(), draining events after every
    commit, as a transport would. Stops early when the connection no longer
    accepts input (failed or closed). Returns the number of bytes accepted. */
inline std::size_t feed(connection& c, std::span<const std::byte> in, sink& s)
{
    std::size_t done = 0;
    while (done < in.size() && !s.ec) {
        const auto buf = c.prepare();
        if (buf.empty())
            break;
        const std::size_t n = std::min(buf.size(), in.size() - done);
        std::memcpy(buf.data(), in.data() + done, n);
        c.commit(n);
        done += n;
        drain(c, s);
    }
    return done;
}

inline void feed_eof(connection& c, sink& s)
{
    c.commit_eof();
    drain(c, s);
}

/// Copies the connection's pending control output and marks it written.
inline bytes take_pending(connection& c)
{
    const auto out = c.pending_output();
    bytes copy(out.begin(), out.end());
    c.consume_output(copy.size());
    return copy;
}

/// Concatenates a write batch's gather list.
inline bytes flatten(write_batch& batch)
{
    bytes out;
    for (const auto& b : batch.buffers())
        out.insert(out.end(), b.begin(), b.end());
    return out;
}

inline connection_options options_for(socket_type t, std::string routing_id = {})
{
    connection_options o;
    o.type = t;
    o.routing_id = std::move(routing_id);
    return o;
}

using connection_factory = std::function<std::unique_ptr<connection>()>;

inline connection_factory make_connection(connection_options o)
{
    return [o] { return std::make_unique<connection>(o); };
}
inline connection_factory make_connection(socket_type t)
{
    return make_connection(options_for(t));
}

//----------------------------------------------------------------------------
// Raw peer input (built with the encoders; golden bytes live in vectors.hpp)

inline bytes greeting_bytes(int major = 3, int minor = 1, std::string_view mech = "NULL",
                            int as_server = 0)
{
    bytes g = cat(0xff, zeros{8}, 0x7f, major, minor, mech, zeros{20 - mech.size()}, as_server,
                  zeros{31});
    return g;
}

inline bytes ready_bytes(const metadata& md)
{
    bytes out;
    encode_ready(md, out);
    return out;
}

/// A READY as libzmq sends it for `t` (Identity for REQ/DEALER/ROUTER).
inline bytes ready_for(socket_type t, std::string_view identity = {})
{
    metadata md;
    md.set("Socket-Type", to_string(t));
    if (sends_identity(t))
        md.set("Identity", identity);
    return ready_bytes(md);
}

inline bytes data_frame(std::span<const std::byte> body, bool more = false)
{
    std::byte h[max_frame_header_size];
    const auto n = encode_frame_header(h, body.size(), more, false);
    bytes out(h, h + n);
    append(out, body);
    return out;
}
inline bytes data_frame(std::string_view body, bool more = false)
{
    return data_frame(as_bytes(body), more);
}

inline bytes command(std::string_view name, std::span<const std::byte> data = {})
{
    bytes out;
    encode_command(name, data, out);
    return out;
}
inline bytes command(std::string_view name, std::string_view data)
{
    return command(name, as_bytes(data));
}

//----------------------------------------------------------------------------
// Grinding: the same input, split differently, must give the same transcript.

struct transcript {
    std::vector<std::string> events;
    std::string output; ///< hex of everything the connection queued
    friend bool operator==(const transcript&, const transcript&) = default;
};

/** Feeds `input` to a fresh connection in pieces ending at `cuts`
    (ascending offsets), then EOF if asked. */
inline transcript run(const connection_factory& make, std::span<const std::byte> input,
                      const std::vector<std::size_t>& cuts, bool eof = false)
{
    auto c = make();
    sink s;
    std::size_t at = 0;
    for (std::size_t cut : cuts) {
        if (cut > at && cut < input.size()) {
            feed(*c, input.subspan(at, cut - at), s);
            at = cut;
        }
    }
    feed(*c, input.subspan(at), s);
    if (eof && !s.ec)
        feed_eof(*c, s);
    drain(*c, s); // a no-op unless something is left
    return {s.log, hex(c->pending_output())};
}

/** Runs `input` whole, byte by byte and split at every offset, checks that
    every run gives the transcript of the whole run, and returns it. */
inline transcript grind(const connection_factory& make, std::span<const std::byte> input,
                        bool eof = false)
{
    const transcript whole = run(make, input, {}, eof);
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < input.size(); ++i)
        every.push_back(i);
    {
        INFO("fed byte by byte");
        const transcript t = run(make, input, every, eof);
        CHECK(t.events == whole.events);
        CHECK(t.output == whole.output);
    }
    for (std::size_t k = 1; k < input.size(); ++k) {
        const transcript t = run(make, input, {k}, eof);
        if (t != whole) { // report only the failures, keeping assertion counts sane
            INFO("split at offset " << k);
            CHECK(t.events == whole.events);
            CHECK(t.output == whole.output);
        }
    }
    return whole;
}

//----------------------------------------------------------------------------
// Driving a bare frame_decoder

/** Decodes `input` split at `cuts`. With `shared` set, each piece is copied
    into its own block passed as the owner, so large bodies reference it. */
inline std::vector<std::string> decode_all(frame_decoder& d, std::span<const std::byte> input,
                                           const std::vector<std::size_t>& cuts,
                                           bool shared = false)
{
    std::vector<std::string> log;
    bool failed = false; // errors are sticky: report the first one only
    auto piece = [&](std::span<const std::byte> p) {
        if (failed)
            return;
        detail::block* owner = nullptr;
        if (shared && !p.empty()) {
            owner = detail::allocate_block(p.size());
            std::memcpy(owner->data(), p.data(), p.size());
            p = {owner->data(), p.size()};
        }
        std::size_t off = 0;
        while (true) {
            std::size_t used = 0;
            const auto st = d.decode(p.subspan(off), owner, used);
            off += used;
            if (st == frame_decoder::status::need_more)
                break;
            if (st == frame_decoder::status::failed) {
                log.push_back("error:" + error_name(d.error()));
                failed = true;
                break;
            }
            if (st == frame_decoder::status::message)
                log.push_back(describe(d.take_message()));
            else
                log.push_back("cmd:" + printable(d.command_body()));
        }
        if (owner)
            detail::release(owner);
    };
    std::size_t at = 0;
    for (std::size_t cut : cuts) {
        if (cut > at && cut < input.size()) {
            piece(input.subspan(at, cut - at));
            at = cut;
        }
    }
    piece(input.subspan(at));
    return log;
}

/** As grind(), for a frame_decoder built with `l`: whole, byte by byte,
    split everywhere, with and without a shared owner block. */
inline std::vector<std::string> grind_decoder(std::span<const std::byte> input, const limits& l = {},
                                              bool commands_only = false)
{
    auto fresh = [&] {
        frame_decoder d(l);
        d.set_commands_only(commands_only);
        return d;
    };
    auto d0 = fresh();
    const auto whole = decode_all(d0, input, {});
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < input.size(); ++i)
        every.push_back(i);
    for (bool shared : {false, true}) {
        INFO("shared owner: " << shared);
        auto d1 = fresh();
        CHECK(decode_all(d1, input, every, shared) == whole);
        for (std::size_t k = 0; k <= input.size(); ++k) {
            auto d2 = fresh();
            const auto got = decode_all(d2, input, {k}, shared);
            if (got != whole) {
                INFO("split at offset " << k);
                CHECK(got == whole);
            }
        }
    }
    return whole;
}

//----------------------------------------------------------------------------
// Two connections wired together in memory

class connection_pair {
public:
    connection_pair(connection_options a_opts, connection_options b_opts)
        : a(std::move(a_opts)), b(std::move(b_opts))
    {
    }
    connection_pair(socket_type ta, socket_type tb) : connection_pair(options_for(ta), options_for(tb)) {}

    /** Moves control output both ways until neither side has any left.
        Output of a side whose peer no longer accepts input is discarded. */
    void pump()
    {
        for (int guard = 0; guard < 1000; ++guard) {
            const bool moved_ab = transfer(a, b, b_sink);
            const bool moved_ba = transfer(b, a, a_sink);
            if (!moved_ab && !moved_ba)
                return;
        }
        FAIL("connection_pair::pump() did not settle");
    }

    /// Encodes `m` on `from` and delivers the batch to the other side.
    std::error_code send(connection& from, message m)
    {
        write_batch batch;
        if (auto ec = from.encode(std::move(m), batch))
            return ec;
        const bytes wire = flatten(batch);
        connection& to = &from == &a ? b : a;
        feed(to, wire, &from == &a ? b_sink : a_sink);
        return {};
    }

    connection a;
    connection b;
    sink a_sink; ///< what `a` reported
    sink b_sink; ///< what `b` reported

private:
    static bool transfer(connection& from, connection& to, sink& to_sink)
    {
        const bytes out = take_pending(from);
        if (out.empty())
            return false;
        feed(to, out, to_sink);
        return true;
    }
};

} // namespace zmtp::test

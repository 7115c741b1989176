// SPDX-License-Identifier: MIT
#pragma once

/** @file
    The CURVE harness behind fuzz_curve_server and fuzz_curve_client: the
    connection under test (T) runs a real handshake against a genuine peer
    (P) of the other role, and the fuzzer corrupts what P sends to T.

    Input layout:

        byte 0     bit 0  T's authenticator refuses (status 400)
                   bit 1  after the handshake, feed `rest` to T raw (garbage
                          behind a valid handshake) instead of as messages
                   bit 2  P is a ZMTP 3.0 peer (only its greeting says so)
                   bits 3-7 socket-type pair (index into a table)
        byte 1     number of edits, 0..15 (b % 16)
        edits      3 bytes each: offset (u16, BE) into the byte stream P
                   sends T, XOR value (0 means "drop that byte")
        bytes      split seed (u16) for the segments T receives
        rest       payload: P sends it as messages (a byte < 0x20 ends a
                   frame, 0x00 ends a message) -- or raw, see bit 1

    libsodium's random source is replaced by a deterministic one, reset for
    every input, so a crash replays exactly.

    Invariants: T never reports a message P did not send. Boxes are
    authenticated: whatever was corrupted, a delivered message is exactly
    the next one P encoded, in order. A handshake T completes was with P's
    keys. Everything else (errors of every kind) is fine.
*/

#include "fuzz_support.hpp"

#include "zmtp/connection.hpp"
#include "zmtp/curve_keys.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <vector>

namespace zmtp::fuzz {

// A deterministic randombytes implementation (libsodium's plug-in interface).
inline std::uint64_t& rng_state()
{
    static std::uint64_t s = 1;
    return s;
}
inline std::uint32_t rng_u32()
{
    auto& s = rng_state();
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return static_cast<std::uint32_t>((s * 0x2545F4914F6CDD1Dull) >> 32);
}
inline void rng_buf(void* buf, size_t n)
{
    auto* p = static_cast<unsigned char*>(buf);
    for (size_t i = 0; i < n; ++i)
        p[i] = static_cast<unsigned char>(rng_u32());
}
inline const char* rng_name() { return "zmtp-fuzz"; }
inline std::uint32_t rng_uniform(std::uint32_t upper) { return upper ? rng_u32() % upper : 0; }
inline void rng_stir() {}
inline randombytes_implementation fuzz_rng = {rng_name, rng_u32, rng_stir, rng_uniform, rng_buf, nullptr};

inline void install_fuzz_rng()
{
    static const bool once = [] {
        randombytes_set_implementation(&fuzz_rng);
        return sodium_init() >= 0;
    }();
    (void)once;
    rng_state() = 0x9E3779B97F4A7C15ull;
}

struct type_pair {
    socket_type t, p;
};
inline constexpr type_pair type_pairs[] = {
    {socket_type::pull, socket_type::push},   {socket_type::push, socket_type::pull},
    {socket_type::rep, socket_type::req},     {socket_type::req, socket_type::rep},
    {socket_type::router, socket_type::dealer}, {socket_type::dealer, socket_type::router},
    {socket_type::pair, socket_type::pair},   {socket_type::sub, socket_type::pub},
    {socket_type::xpub, socket_type::sub},
};

inline int run_curve_case(const std::uint8_t* data, std::size_t size, bool test_server)
{
    install_fuzz_rng();
    control_reader in({data, size});
    const std::uint8_t ctl = in.byte();
    const bool refuse = ctl & 1;
    const bool raw_tail = ctl & 2;
    const bool v30 = ctl & 4;
    const auto& types = type_pairs[(ctl >> 3) % std::size(type_pairs)];
    std::map<std::size_t, std::uint8_t> edits; // offset -> xor (0 = drop)
    for (int n = in.byte() % 16; n > 0; --n) {
        const std::size_t off = in.u16();
        edits[off] = in.byte();
    }
    splitter split(in.u16());
    const auto payload = in.rest();

    const curve_keypair server = generate_curve_keypair();
    const curve_keypair client = generate_curve_keypair();
    const auto options = [&](socket_type type, bool as_server) {
        connection_options o;
        o.type = type;
        o.security.mech = mechanism::curve;
        o.security.as_server = as_server;
        o.security.curve = as_server ? server : client;
        o.security.curve_server_key = server.public_key;
        o.limits.max_frame_size = 1 << 16;
        o.limits.max_message_size = 1 << 16;
        return o;
    };
    connection t(options(types.t, test_server));
    connection p(options(types.p, !test_server));

    // P -> T: edited at stream offsets, cut into segments.
    std::size_t stream_at = 0;
    std::vector<message> sent, got;
    bool t_failed = false, t_ready = false, p_ready = false;
    const auto to_t = [&](std::span<const std::byte> bytes) {
        std::vector<std::byte> edited;
        edited.reserve(bytes.size());
        for (std::size_t i = 0; i < bytes.size(); ++i, ++stream_at) {
            auto e = edits.find(stream_at);
            if (e == edits.end())
                edited.push_back(bytes[i]);
            else if (e->second != 0)
                edited.push_back(bytes[i] ^ std::byte{e->second});
        }
        if (v30 && stream_at == bytes.size() && edited.size() > 11)
            edited[11] = std::byte{0}; // P's greeting says ZMTP 3.0
        std::size_t at = 0;
        while (at < edited.size() && !t_failed) {
            const std::size_t n = split.next(edited.size() - at);
            std::size_t fed = 0;
            while (fed < n && !t_failed) {
                auto buf = t.prepare();
                if (buf.empty()) {
                    t_failed = true;
                    break;
                }
                const std::size_t k = std::min(buf.size(), n - fed);
                std::memcpy(buf.data(), edited.data() + at + fed, k);
                t.commit(k);
                fed += k;
                for (;;) {
                    std::error_code ec;
                    event ev = t.next_event(ec);
                    if (ec) {
                        t_failed = true;
                        break;
                    }
                    if (std::holds_alternative<events::need_more>(ev))
                        break;
                    if (std::holds_alternative<events::auth_requested>(ev)) {
                        ZMTP_FUZZ_CHECK(test_server);
                        // The credential is P's key: its boxes opened.
                        ZMTP_FUZZ_CHECK(t.auth_request().credentials.at(0) ==
                                        std::string(reinterpret_cast<const char*>(client.public_key.data()), 32));
                        auth_reply r;
                        r.status_code = refuse ? 400 : 200;
                        if (t.authenticate(r))
                            t_failed = true;
                    } else if (std::holds_alternative<events::handshake_complete>(ev)) {
                        t_ready = true;
                    } else if (auto* m = std::get_if<events::message_received>(&ev)) {
                        got.push_back(std::move(m->msg));
                        // Authenticated boxes: exactly what P sent, in order.
                        ZMTP_FUZZ_CHECK(got.size() <= sent.size());
                        ZMTP_FUZZ_CHECK(got.back() == sent[got.size() - 1]);
                    }
                }
            }
            at += n;
        }
    };
    // T -> P: faithful. P is genuine and answers its own auth at once.
    const auto to_p = [&](std::span<const std::byte> bytes) {
        std::size_t at = 0;
        while (at < bytes.size()) {
            auto buf = p.prepare();
            if (buf.empty())
                return;
            const std::size_t k = std::min(buf.size(), bytes.size() - at);
            std::memcpy(buf.data(), bytes.data() + at, k);
            p.commit(k);
            at += k;
            for (;;) {
                std::error_code ec;
                event ev = p.next_event(ec);
                if (ec)
                    return;
                if (std::holds_alternative<events::need_more>(ev))
                    break;
                if (std::holds_alternative<events::auth_requested>(ev))
                    (void)p.authenticate(auth_reply{});
                else if (std::holds_alternative<events::handshake_complete>(ev))
                    p_ready = true;
            }
        }
    };
    const auto take = [](connection& c) {
        write_batch b;
        c.take_output(b);
        std::vector<std::byte> out;
        for (const auto& s : b.buffers())
            out.insert(out.end(), s.begin(), s.end());
        return out;
    };

    for (int round = 0; round < 16 && !t_failed; ++round) {
        const auto a = take(p);
        const auto b = take(t);
        if (a.empty() && b.empty())
            break;
        to_t(a);
        to_p(b);
    }
    if (t_ready && !test_server)
        ZMTP_FUZZ_CHECK(t.peer().type == types.p);
    if (!t_ready || !p_ready || t_failed)
        return 0;

    if (raw_tail) {
        to_t({reinterpret_cast<const std::byte*>(payload.data()), payload.size()});
        return 0;
    }
    // P sends the payload as messages, then pings.
    message m;
    std::vector<std::byte> part;
    write_batch batch;
    for (std::size_t i = 0; i <= payload.size(); ++i) {
        const bool end = i == payload.size();
        const std::uint8_t c = end ? 0 : payload[i];
        if (!end && c >= 0x20) {
            part.push_back(std::byte{c});
            continue;
        }
        m.push_back(frame(std::span<const std::byte>(part)));
        part.clear();
        if (c == 0 && sent.size() < 64) {
            sent.push_back(m);
            ZMTP_FUZZ_CHECK(!p.encode(std::move(m), batch));
            m = message();
        }
    }
    (void)p.send_ping(10);
    p.take_output(batch);
    std::vector<std::byte> wire;
    for (const auto& s : batch.buffers())
        wire.insert(wire.end(), s.begin(), s.end());
    to_t(wire);
    if (edits.empty() || std::all_of(edits.begin(), edits.end(),
                                      [&](const auto& e) { return e.first >= stream_at; }))
        ZMTP_FUZZ_CHECK(got.size() == sent.size() || t_failed);
    return 0;
}

} // namespace zmtp::fuzz

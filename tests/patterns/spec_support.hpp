// SPDX-License-Identifier: MIT
#pragma once

// Helpers for the socket-level spec tests (our sockets on both ends).

#include "support.hpp"

#include "zmtp/context.hpp"
#include "zmtp/socket.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace zmtp_test {

using zmtp::context;
using zmtp::dealer_socket;
using zmtp::pair_socket;
using zmtp::pub_socket;
using zmtp::pull_socket;
using zmtp::push_socket;
using zmtp::rep_socket;
using zmtp::req_socket;
using zmtp::router_socket;
using zmtp::sub_socket;
using zmtp::xpub_socket;
using zmtp::xsub_socket;

/// A fresh inproc:// name (names are per context, but tests share none).
inline std::string fresh_inproc(std::string_view name)
{
    static std::atomic<unsigned> next{0};
    return "inproc://" + std::string(name) + "-" + std::to_string(next++);
}

/// An endpoint to bind for `transport` ("tcp", "ipc" or "inproc"): an
/// ephemeral tcp port on the loopback, a socket file under `dir`, or a name.
inline std::string bind_endpoint(const std::string& transport, const temp_dir& dir,
                                 std::string_view name)
{
    if (transport == "inproc")
        return fresh_inproc(name);
    return transport == "ipc" ? dir.ipc(name) : std::string("tcp://127.0.0.1:0");
}

/** An endpoint nobody listens on yet. For tcp a free ephemeral port is found
    by binding and unbinding; for ipc a fresh path under `dir`. */
inline std::string unused_endpoint(context& ctx, const std::string& transport,
                                   const temp_dir& dir, std::string_view name)
{
    if (transport == "ipc")
        return dir.ipc(name);
    if (transport == "inproc")
        return fresh_inproc(name);
    pull_socket probe(ctx);
    const auto ep = probe.bind("tcp://127.0.0.1:0");
    probe.unbind(ep);
    probe.close();
    return ep;
}

/// Receives one single-frame message as a string; "" plus ec on failure.
inline std::string recv_string(zmtp::socket& s, std::error_code& ec)
{
    auto m = s.recv(ec);
    if (ec)
        return {};
    if (m.size() != 1) {
        ec = make_error_code(socket_error::invalid_argument);
        return {};
    }
    return m[0].to_string();
}

/// A frame of `n` bytes of a recognisable pattern.
inline zmtp::frame pattern_frame(std::size_t n, unsigned seed)
{
    zmtp::frame f(n);
    auto* p = f.data();
    for (std::size_t i = 0; i < n; ++i)
        p[i] = static_cast<std::byte>((i * 131u + seed) & 0xffu);
    return f;
}

inline bool is_pattern(const zmtp::frame& f, std::size_t n, unsigned seed)
{
    if (f.size() != n)
        return false;
    const auto* p = f.data();
    for (std::size_t i = 0; i < n; ++i)
        if (p[i] != static_cast<std::byte>((i * 131u + seed) & 0xffu))
            return false;
    return true;
}

/// Frame 0 is a decimal sequence number, frame 1 an optional payload.
inline zmtp::message numbered(std::size_t seq, std::size_t payload = 0)
{
    zmtp::message m(std::string_view(std::to_string(seq)));
    if (payload != 0)
        m.push_back(pattern_frame(payload, static_cast<unsigned>(seq)));
    return m;
}

inline long seq_of(const zmtp::message& m)
{
    if (m.empty())
        return -1;
    try {
        return std::stol(m[0].to_string());
    } catch (...) {
        return -1;
    }
}

/** Makes sure `sub`'s subscriptions have reached `pub`: subscribes `sub`
    to the sync topic and publishes sync messages until one arrives. Later
    receives skip sync messages with recv_data(). */
inline bool settle_pubsub(zmtp::socket& pub, sub_socket& sub)
{
    static constexpr std::string_view sync_topic = "\xff" "sync";
    sub.subscribe(sync_topic);
    const auto deadline = steady::now() + generous;
    while (steady::now() < deadline) {
        zmtp::message probe(sync_topic);
        std::error_code ec;
        pub.send(std::move(probe), ec);
        if (auto m = recv_within(sub, 20ms))
            if (!m->empty() && (*m)[0].view() == sync_topic)
                return true;
    }
    return false;
}

inline bool is_sync(const zmtp::message& m)
{
    return !m.empty() && m[0].view().substr(0, 5) == "\xff" "sync";
}

/// Receives the next message that is not a sync probe, within `timeout`.
inline std::optional<zmtp::message> recv_data(zmtp::socket& s,
                                              std::chrono::milliseconds timeout = generous)
{
    const auto deadline = steady::now() + timeout;
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
        if (left.count() <= 0)
            return std::nullopt;
        auto m = recv_within(s, left);
        if (!m)
            return std::nullopt;
        if (!is_sync(*m))
            return m;
    }
}

} // namespace zmtp_test

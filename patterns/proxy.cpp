// SPDX-License-Identifier: MIT
#include "zmtp/proxy.hpp"

#include "zmtp/poll.hpp"
#include "zmtp/socket_error.hpp"

#include <array>
#include <cstring>
#include <optional>

namespace zmtp {
namespace {

/// Moves one message `from` -> `to`; false with `ec` on failure, false
/// without when there was none after all.
bool forward(socket& from, socket& to, socket* capture, proxy_statistics::side& in,
             proxy_statistics::side& out, std::error_code& ec)
{
    auto got = from.try_recv(ec);
    if (!got) {
        if (ec == socket_error::would_block)
            ec.clear();
        return false;
    }
    message m = std::move(*got);
    const std::size_t bytes = m.bytes();
    ++in.messages_in;
    in.bytes_in += bytes;
    if (capture != nullptr) {
        // As libzmq's: the capture socket gets every message, waiting for
        // room like any send on it (its sndtimeo bounds that; a PUB never
        // waits). A copy it times out on is missed, not fatal.
        capture->send(message(m), ec); // frames are shared, not copied
        if (ec == socket_error::would_block || ec == socket_error::timed_out)
            ec.clear();
        if (ec)
            return false;
    }
    to.send(std::move(m), ec); // `to` said it could take it: this does not wait
    if (ec)
        return false;
    ++out.messages_out;
    out.bytes_out += bytes;
    return true;
}

void reply_statistics(socket& control, const proxy_statistics& s, std::error_code& ec)
{
    const std::array<std::uint64_t, 8> v{s.frontend.messages_in, s.frontend.bytes_in,
                                         s.frontend.messages_out, s.frontend.bytes_out,
                                         s.backend.messages_in, s.backend.bytes_in,
                                         s.backend.messages_out, s.backend.bytes_out};
    message m;
    for (const auto x : v)
        m.push_back(frame(&x, sizeof x));
    control.send(std::move(m), ec);
}

/** Reads and obeys every command waiting on `control` (if any); sets
    `moved` when there was one. Returns what the proxy returns when it must
    end: nothing for TERMINATE's success, or the error. */
std::optional<std::error_code> serve_control(socket* control, const proxy_statistics& stats,
                                             bool& paused, bool& moved)
{
    if (control == nullptr)
        return std::nullopt;
    std::error_code ec;
    while (auto got = control->try_recv(ec)) {
        const message cmd = std::move(*got);
        moved = true;
        const auto word = cmd.empty() ? std::string_view() : cmd.front().view();
        if (word == "PAUSE") {
            paused = true;
        } else if (word == "RESUME") {
            paused = false;
        } else if (word == "TERMINATE") {
            return std::error_code();
        } else if (word == "STATISTICS") {
            reply_statistics(*control, stats, ec);
            if (ec)
                return ec;
        }
    }
    if (ec != socket_error::would_block)
        return ec;
    return std::nullopt;
}

/// frontend == backend (libzmq's single-socket QUEUE: a REP or ROUTER that
/// answers each request with itself): every message read goes back out.
std::error_code proxy_one(socket& s, socket* capture, socket* control)
{
    proxy_statistics stats;
    bool paused = false;
    std::error_code ec;
    constexpr int batch = 256;
    for (;;) {
        bool moved = false;
        for (int i = 0; i < batch && !paused && (s.events() & poll_in); ++i) {
            if (!forward(s, s, capture, stats.frontend, stats.frontend, ec)) {
                if (ec)
                    return ec;
                break;
            }
            moved = true;
        }
        if (const auto end = serve_control(control, stats, paused, moved))
            return *end;
        if (moved)
            continue;
        if (s.events() & poll_err)
            return socket_error::closed;
        std::array<poll_item, 2> items{{
            {&s, -1, paused ? 0u : unsigned(poll_in), 0},
            {control, -1, control != nullptr ? unsigned(poll_in) : 0u, 0},
        }};
        poll(std::span(items.data(), control != nullptr ? 2 : 1), std::chrono::milliseconds(-1), ec);
        if (ec)
            return ec;
    }
}

} // namespace

std::error_code proxy(socket& frontend, socket& backend, socket* capture, socket* control)
{
    proxy_statistics stats;
    bool paused = false;
    std::error_code ec;
    // Messages moved per direction before the other gets its turn and the
    // control socket is looked at.
    constexpr int batch = 256;
    if (!frontend || !backend)
        return socket_error::not_a_socket;
    if (&frontend == &backend)
        return proxy_one(frontend, capture, control);
    for (;;) {
        unsigned fe = frontend.events();
        unsigned be = backend.events();
        bool moved = false;
        if (!paused) {
            for (int i = 0; i < batch && (fe & poll_in) && (be & poll_out); ++i) {
                if (!forward(frontend, backend, capture, stats.frontend, stats.backend, ec)) {
                    if (ec)
                        return ec;
                    break;
                }
                moved = true;
                fe = frontend.events();
                be = backend.events();
            }
            for (int i = 0; i < batch && (be & poll_in) && (fe & poll_out); ++i) {
                if (!forward(backend, frontend, capture, stats.backend, stats.frontend, ec)) {
                    if (ec)
                        return ec;
                    break;
                }
                moved = true;
                fe = frontend.events();
                be = backend.events();
            }
        }
        if (const auto end = serve_control(control, stats, paused, moved))
            return *end;
        if (moved)
            continue;
        // Nothing to do: wait for what would let something move -- a
        // message on a side that has none, or room on a side that holds
        // one back (never poll_out alone on a side that is always
        // writable: that would spin). A closed socket ends the proxy.
        if ((fe | be) & poll_err)
            return socket_error::closed;
        const bool fe_in = fe & poll_in, be_in = be & poll_in;
        const bool fe_out = fe & poll_out, be_out = be & poll_out;
        const auto wants = [paused](bool in, bool other_in, bool out) {
            if (paused)
                return 0u;
            return (in ? 0u : unsigned(poll_in)) | (other_in && !out ? unsigned(poll_out) : 0u);
        };
        std::array<poll_item, 3> items{{
            {&frontend, -1, wants(fe_in, be_in, fe_out), 0},
            {&backend, -1, wants(be_in, fe_in, be_out), 0},
            {control, -1, control != nullptr ? unsigned(poll_in) : 0u, 0},
        }};
        poll(std::span(items.data(), control != nullptr ? 3 : 2), std::chrono::milliseconds(-1), ec);
        if (ec)
            return ec;
    }
}

} // namespace zmtp

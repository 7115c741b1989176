// SPDX-License-Identifier: MIT
#include "zmtp/proxy.hpp"

#include "zmtp/poll.hpp"
#include "zmtp/socket_error.hpp"

#include <array>
#include <cstring>

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
        message copy = m; // frames are shared, not copied
        std::error_code ignored; // a capture that cannot take it now misses it
        capture->try_send(copy, ignored);
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
        if (control != nullptr) {
            while (auto got = control->try_recv(ec)) {
                const message cmd = std::move(*got);
                moved = true;
                const auto word = cmd.empty() ? std::string_view() : cmd.front().view();
                if (word == "PAUSE") {
                    paused = true;
                } else if (word == "RESUME") {
                    paused = false;
                } else if (word == "TERMINATE") {
                    return {};
                } else if (word == "STATISTICS") {
                    reply_statistics(*control, stats, ec);
                    if (ec)
                        return ec;
                }
            }
            if (ec != socket_error::would_block)
                return ec;
            ec.clear();
        }
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

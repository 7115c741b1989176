// SPDX-License-Identifier: MIT

/** @file
    core_demo: two zmtp::connection objects, a PUSH and a PULL, talking
    through plain byte buffers -- no sockets, no threads, no Asio. It shows
    the whole sans-IO contract in one page: queue output, move bytes,
    prepare()/commit() them on the other side, drain next_event().

    The bytes moved here are exactly what would cross a TCP connection; a
    transport differs only in where the bytes come from.
*/

#include "zmtp/connection.hpp"
#include "zmtp/error.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

// Everything `from` wants to write: control output and encoded messages.
std::vector<std::byte> take_bytes(zmtp::connection& from, zmtp::write_batch& batch)
{
    from.take_output(batch);
    std::vector<std::byte> out;
    for (const auto& b : batch.buffers())
        out.insert(out.end(), b.begin(), b.end());
    batch.clear();
    return out;
}

// Feeds `bytes` to `to` as a transport would, in reads of at most 7 bytes
// to show that framing does not care where the stream is cut, and collects
// the messages they complete.
bool deliver(const std::vector<std::byte>& bytes, zmtp::connection& to, const char* name,
             std::vector<zmtp::message>& inbox)
{
    for (std::size_t pos = 0; pos < bytes.size();) {
        const std::span<std::byte> window = to.prepare();
        const std::size_t n = std::min({window.size(), bytes.size() - pos, std::size_t{7}});
        std::memcpy(window.data(), bytes.data() + pos, n);
        to.commit(n);
        pos += n;
        while (true) {
            std::error_code ec;
            zmtp::event ev = to.next_event(ec);
            if (ec) {
                std::printf("%s: connection failed: %s\n", name, ec.message().c_str());
                return false;
            }
            if (std::holds_alternative<zmtp::events::need_more>(ev))
                break;
            if (std::holds_alternative<zmtp::events::handshake_complete>(ev))
                std::printf("%s: handshake complete, peer is %s (ZMTP %u.%u)\n", name,
                            std::string(zmtp::to_string(to.peer().type)).c_str(),
                            to.peer().version_major, to.peer().version_minor);
            else if (auto* m = std::get_if<zmtp::events::message_received>(&ev))
                inbox.push_back(std::move(m->msg));
        }
    }
    return true;
}

} // namespace

int main()
{
    zmtp::connection push(zmtp::connection_options{zmtp::socket_type::push, {}, {}, {}, {}});
    zmtp::connection pull(zmtp::connection_options{zmtp::socket_type::pull, {}, {}, {}, {}});
    zmtp::write_batch batch;
    std::vector<zmtp::message> push_inbox, pull_inbox;

    // Greetings, then READYs, cross until both sides are ready.
    for (int round = 0; round < 4 && !(push.is_ready() && pull.is_ready()); ++round) {
        const auto to_pull = take_bytes(push, batch);
        const auto to_push = take_bytes(pull, batch);
        std::printf("round %d: PUSH -> PULL %zu bytes, PULL -> PUSH %zu bytes\n", round,
                    to_pull.size(), to_push.size());
        if (!deliver(to_pull, pull, "pull", pull_inbox) ||
            !deliver(to_push, push, "push", push_inbox))
            return 1;
    }
    if (!push.is_ready() || !pull.is_ready()) {
        std::printf("handshake did not complete\n");
        return 1;
    }

    // Data: encode() appends header + body to a write batch (large bodies
    // are referenced, not copied), ready for one vectored write.
    std::vector<zmtp::message> tasks;
    for (int i = 0; i < 3; ++i)
        tasks.emplace_back("task-" + std::to_string(i));
    tasks.push_back(zmtp::message{"multi", "part", "message"});
    for (auto& m : tasks) {
        if (const std::error_code ec = push.encode(std::move(m), batch)) {
            std::printf("encode failed: %s\n", ec.message().c_str());
            return 1;
        }
    }
    std::printf("PUSH encoded %zu messages: %zu bytes in %zu gather buffers\n",
                batch.message_count(), batch.size_bytes(), batch.buffer_count());
    std::vector<std::byte> wire;
    for (const auto& b : batch.buffers())
        wire.insert(wire.end(), b.begin(), b.end());
    batch.clear();
    if (!deliver(wire, pull, "pull", pull_inbox))
        return 1;

    for (const auto& m : pull_inbox) {
        std::string line;
        for (const auto& f : m)
            line += (line.empty() ? "" : " | ") + f.to_string();
        std::printf("PULL received: %s\n", line.c_str());
    }
    return pull_inbox.size() == 4 ? 0 : 1;
}

// SPDX-License-Identifier: MIT
//
// A user's program, built against the library as a separate project by
// tests/install. It only uses what an installed copy provides: the public
// headers, and zmtp::zmtp to link. It passes a message through a PUSH and a
// PULL socket (one include: <zmtp.hpp>), handshakes two sans-IO connections
// in memory and passes one message, then prints the library version.

#include <zmtp.hpp>

#include "zmtp/connection.hpp"
#include "zmtp/write_batch.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

namespace {

int failures = 0;

void check(bool ok, const char* what)
{
    if (!ok) {
        std::fprintf(stderr, "FAILED: %s\n", what);
        ++failures;
    }
}

// Copies everything `from` has to write into `to`, and returns the events
// `to` reports, stopping at need_more or an error.
std::vector<zmtp::event> pump(zmtp::connection& from, zmtp::connection& to, std::error_code& ec)
{
    for (auto out = from.pending_output(); !out.empty(); out = from.pending_output()) {
        auto in = to.prepare();
        std::size_t n = std::min(in.size(), out.size());
        std::memcpy(in.data(), out.data(), n);
        to.commit(n);
        from.consume_output(n);
    }
    std::vector<zmtp::event> events;
    for (;;) {
        auto ev = to.next_event(ec);
        if (ec || std::holds_alternative<zmtp::events::need_more>(ev)) {
            return events;
        }
        events.push_back(std::move(ev));
    }
}

} // namespace

int main()
{
    std::string version(zmtp::version());
    check(!version.empty(), "zmtp::version() is not empty");

    // The socket API, as a user writes it.
    {
        zmtp::context ctx;
        zmtp::pull_socket pull(ctx);
        const std::string ep = pull.bind("tcp://127.0.0.1:0");
        zmtp::push_socket push(ctx);
        push.connect(ep);
        push.send({"hello", "socket"});
        const zmtp::message m = pull.recv();
        check(m.size() == 2 && m.at(0).view() == "hello" && m.at(1).view() == "socket",
              "a message through PUSH and PULL");
    }

    zmtp::connection_options push_opts;
    push_opts.type = zmtp::socket_type::push;
    zmtp::connection_options pull_opts;
    pull_opts.type = zmtp::socket_type::pull;
    zmtp::connection push(push_opts);
    zmtp::connection pull(pull_opts);

    // RFC 37: the greeting is 64 octets, starting with 0xFF and ending the
    // signature with 0x7F.
    auto greeting = push.pending_output();
    check(greeting.size() >= 64, "greeting queued at construction");
    check(greeting.size() >= 10 && greeting[0] == std::byte{0xFF} && greeting[9] == std::byte{0x7F},
          "greeting signature");

    // Greetings, then READYs, back and forth until both are ready.
    std::error_code ec;
    for (int round = 0; round < 4 && !(push.is_ready() && pull.is_ready()) && !ec; ++round) {
        pump(push, pull, ec);
        if (!ec) {
            pump(pull, push, ec);
        }
    }
    check(!ec, "handshake without error");
    check(push.is_ready() && pull.is_ready(), "both sides ready");
    check(pull.peer().type == zmtp::socket_type::push, "PULL sees a PUSH peer");

    // One two-part message, PUSH -> PULL, through a write batch.
    zmtp::write_batch batch;
    push.take_output(batch);
    check(!push.encode(zmtp::message{"hello", "world"}, batch), "encode a message");
    std::string wire;
    for (auto b : batch.buffers()) {
        wire.append(reinterpret_cast<const char*>(b.data()), b.size());
    }
    std::size_t pos = 0;
    std::vector<zmtp::message> received;
    while (pos < wire.size() && !ec) {
        auto in = pull.prepare();
        std::size_t n = std::min(in.size(), wire.size() - pos);
        std::memcpy(in.data(), wire.data() + pos, n);
        pull.commit(n);
        pos += n;
        for (;;) {
            auto ev = pull.next_event(ec);
            if (ec || std::holds_alternative<zmtp::events::need_more>(ev)) {
                break;
            }
            if (auto* m = std::get_if<zmtp::events::message_received>(&ev)) {
                received.push_back(std::move(m->msg));
            }
        }
    }
    check(!ec, "decode without error");
    check(received.size() == 1, "one message received");
    if (received.size() == 1) {
        check(received[0].size() == 2 && received[0][0].view() == "hello" &&
                  received[0][1].view() == "world",
              "message content");
    }

    if (failures != 0) {
        return 1;
    }
    std::printf("zmtp %s: consumer OK\n", version.c_str());
    return 0;
}

// SPDX-License-Identifier: MIT
// What a hostile peer can make the core hold: every buffer a peer fills has
// a bound that does not depend on how long it keeps going. Each case sends
// the attack and checks the bound (interop/robustness/README.md lists them).
#include "alloc_tracker.hpp"
#include "test_util.hpp"
#include "vectors.hpp"

#include <catch2/catch.hpp>

using namespace zmtp;
using namespace zmtp::test;
using t = socket_type;
using log_t = std::vector<std::string>;

namespace {

std::unique_ptr<connection> ready(sink& s, t self = t::pull, const bytes& ready_cmd = vectors::ready_push,
                                  limits l = {})
{
    auto o = options_for(self);
    o.limits = l;
    auto c = std::make_unique<connection>(o);
    feed(*c, cat(vectors::libzmq_greeting, ready_cmd), s);
    REQUIRE(s.log == log_t{"handshake"});
    take_pending(*c); // our greeting and READY
    return c;
}

bytes ping(std::uint16_t ttl, std::string_view context)
{
    bytes data = cat(static_cast<int>(ttl >> 8), static_cast<int>(ttl & 0xff), context);
    return command("PING", data);
}

bool inside(const frame& f, std::span<const std::byte> buf)
{
    return f.data() >= buf.data() && f.data() < buf.data() + buf.size();
}

} // namespace

TEST_CASE("a peer that sends PINGs and never reads holds at most one PONG", "[zmtp][hostile]")
{
    sink s;
    auto c = ready(s);
    bytes flood;
    for (int i = 0; i < 2000; ++i)
        append(flood, ping(0, "ctx" + std::to_string(i)));
    for (int round = 0; round < 50; ++round)
        feed(*c, flood, s); // 100 000 PINGs, the output never written
    CHECK(s.log.size() == 1 + 100000);
    // One PONG, echoing the newest context (libzmq keeps one pending PONG too).
    CHECK(hex(c->pending_output()) == hex(command("PONG", "ctx1999")));
}

TEST_CASE("a PONG the transport started writing stays; the next one replaces only its successor",
          "[zmtp][hostile]")
{
    sink s;
    auto c = ready(s);
    feed(*c, ping(0, "AAAA"), s);
    c->consume_output(3); // three bytes of the first PONG are on the wire
    feed(*c, ping(0, "BBBB"), s);
    feed(*c, ping(0, "CCCC"), s);
    const bytes first = command("PONG", "AAAA");
    CHECK(hex(c->pending_output()) ==
          hex(cat(std::span(first).subspan(3), command("PONG", "CCCC"))));
    // Subscriptions queued between them keep their order and bytes.
    sink ps;
    auto pub = ready(ps, t::pub, vectors::ready_sub);
    feed(*pub, ping(0, "1"), ps);
    REQUIRE_FALSE(pub->send_subscribe(as_bytes("topic"))); // a PUB never does; the core allows it
    feed(*pub, ping(0, "2"), ps);
    CHECK(hex(pub->pending_output()) ==
          hex(cat(command("SUBSCRIBE", "topic"), command("PONG", "2"))));
}

TEST_CASE("our PINGs do not pile up while the peer does not read", "[zmtp][hostile]")
{
    sink s;
    auto c = ready(s);
    for (int i = 0; i < 1000; ++i)
        REQUIRE_FALSE(c->send_ping(7));
    CHECK(hex(c->pending_output()) == hex(ping(7, "")));
    feed(*c, ping(0, "x"), s); // a PONG after it, and still one PING
    REQUIRE_FALSE(c->send_ping(8));
    CHECK(hex(c->pending_output()) == hex(cat(command("PONG", "x"), ping(8, ""))));
}

TEST_CASE("subscriptions a peer does not read are bounded by max_control_output", "[zmtp][hostile]")
{
    limits l;
    l.max_control_output = 4096;
    sink s;
    auto c = ready(s, t::sub, vectors::ready_pub, l);
    const std::string topic(100, 't');
    int queued = 0;
    std::error_code ec;
    while (!(ec = c->send_subscribe(as_bytes(topic))))
        ++queued;
    CHECK(ec == error::output_backlog);
    CHECK(queued > 30);
    CHECK(c->pending_output().size() <= l.max_control_output);
    // The connection has failed, for good.
    CHECK(c->error() == error::output_backlog);
    CHECK(c->send_cancel(as_bytes(topic)) == error::not_ready);
    CHECK(c->prepare().empty()); // nothing more is read
    std::error_code next;
    c->next_event(next);
    CHECK(next == error::output_backlog);
}

TEST_CASE("a message says which receive chunk it keeps alive", "[zmtp][hostile]")
{
    // A 65-byte body followed, in the same chunk, by bytes the decoder
    // consumes (an unknown command: ignored). The body references the
    // chunk, so a queued copy of the message keeps all of it alive: what
    // the queues count (patterns/pipe.hpp) is first_block()'s capacity.
    sink s;
    auto c = ready(s);
    const auto buf = c->prepare();
    const bytes wire = cat(data_frame(pattern(65, 3)), command("X-NOISE", pattern(1800, 4)),
                           data_frame(pattern(64, 5)));
    REQUIRE(buf.size() >= wire.size());
    std::memcpy(buf.data(), wire.data(), wire.size());
    c->commit(wire.size());
    drain(*c, s);
    REQUIRE(s.messages.size() == 2);
    CHECK(inside(s.messages[0][0], buf)); // zero-copy
    REQUIRE(s.messages[0].first_block() != nullptr);
    CHECK(s.messages[0].first_block()->capacity == 4096);
    CHECK(s.messages[1].first_block() == nullptr); // inline: keeps nothing alive
    message multi{"inline", std::string(100, 'x')};
    CHECK(multi.first_block() != nullptr);
}

TEST_CASE("a frame declaring 255 MiB and trickling its body costs what arrived", "[zmtp][hostile]")
{
    constexpr std::uint64_t declared = 255u << 20;
    sink s;
    auto c = ready(s);
    const bytes header = cat(0x02, 0, 0, 0, 0, static_cast<int>((declared >> 24) & 0xff),
                             static_cast<int>((declared >> 16) & 0xff), 0, 0);
    {
        alloc_tracker tracker;
        feed(*c, cat(header, pattern(10, 1)), s);
        CHECK(tracker.largest() <= frame_decoder::initial_body_reserve + 64);
        CHECK(tracker.total() <= frame_decoder::initial_body_reserve + 4096);
    }
    // As it arrives the storage doubles: 5 MiB in, at most 8 MiB reserved.
    std::size_t arrived = 10;
    {
        alloc_tracker tracker;
        const bytes piece = pattern(64 * 1024, 2);
        while (arrived < (5u << 20)) {
            feed(*c, piece, s);
            arrived += piece.size();
        }
        CHECK(tracker.largest() <= (8u << 20) + 64);
    }
    CHECK(s.log == log_t{"handshake"});
}

TEST_CASE("a body that grows while it arrives is delivered intact", "[zmtp][hostile]")
{
    // Larger than the initial reservation: it moves twice while it is read,
    // through direct reads and through the chunk.
    const std::size_t size = frame_decoder::initial_body_reserve * 3 + 12345;
    const bytes body = pattern(size, 77);
    const bytes wire = cat(data_frame(span_of("head"), true), data_frame(body), data_frame("tail"));
    sink s;
    auto c = ready(s);
    std::size_t fed = 0;
    const std::size_t sizes[] = {1, 70'000, 3, 1'048'576, 9'999, 400'000};
    for (int i = 0; fed < wire.size(); ++i) {
        const auto buf = c->prepare();
        REQUIRE_FALSE(buf.empty());
        const std::size_t n = std::min({buf.size(), wire.size() - fed, sizes[i % 6]});
        std::memcpy(buf.data(), wire.data() + fed, n);
        c->commit(n);
        fed += n;
        drain(*c, s);
    }
    REQUIRE(s.messages.size() == 2);
    REQUIRE(s.messages[0].size() == 2);
    CHECK(s.messages[0][0] == std::string_view("head"));
    REQUIRE(s.messages[0][1].size() == size);
    CHECK(std::memcmp(s.messages[0][1].data(), body.data(), size) == 0);
    CHECK(s.messages[1] == message{"tail"});
}

TEST_CASE("READY metadata is kept at its wire size", "[zmtp][hostile]")
{
    // 10 000 one-letter properties with empty values: 60 000 bytes of READY.
    metadata md;
    md.set("Socket-Type", "PUSH");
    bytes body;
    md.encode_to(body);
    for (int i = 0; i < 10000; ++i)
        append(body, cat(1, static_cast<int>('a' + i % 26), 0, 0, 0, 0));
    sink s;
    connection c(options_for(t::pull));
    const bytes wire = cat(vectors::libzmq_greeting, command("READY", body));
    {
        alloc_tracker tracker; // the chunk, the command's body, the metadata: each about its size
        feed(c, wire, s);
        CHECK(tracker.largest() <= 2 * body.size());
        CHECK(tracker.total() <= 5 * body.size());
    }
    REQUIRE(s.log == log_t{"handshake"});
    CHECK(c.peer().properties.encoded_size() == body.size());
    CHECK(c.peer().properties.get("Socket-Type") == "PUSH");
    CHECK(c.peer().properties.properties().size() == 10001);
}

// SPDX-License-Identifier: MIT
// The engine over a scripted stream (test_stream.hpp): input in chosen
// pieces, short writes, EAGAIN, a reset in the middle of a frame, failures
// during the handshake, and every operation failing in turn. The peer is
// the sans-IO core itself, so every byte the engine writes is parsed again.

#include "test_stream.hpp"

#include "transport/basic_engine.hpp"
#include "zmtp/connection.hpp"
#include "zmtp/error.hpp"

#include <asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <deque>
#include <memory>
#include <string>
#include <vector>

using zmtp_test::stream_script;
using zmtp_test::test_stream;
using engine_type = zmtp::transport::basic_engine<test_stream>;

namespace {

using bytes = std::vector<std::byte>;

zmtp::connection_options options_for(zmtp::socket_type t)
{
    zmtp::connection_options o;
    o.type = t;
    return o;
}

/// What the engine tells its owner, and the messages the owner gives it.
struct recording_owner final : zmtp::transport::engine_owner {
    std::vector<std::string> log;
    std::vector<zmtp::message> received;
    std::deque<zmtp::message> outbox;
    std::error_code closed_reason;
    int closed = 0;
    int ready = 0;

    void on_engine_ready(zmtp::transport::engine&) override
    {
        ++ready;
        log.push_back("ready");
    }
    bool on_engine_message(zmtp::transport::engine&, zmtp::message&& m) override
    {
        received.push_back(std::move(m));
        return true;
    }
    bool on_engine_subscription(zmtp::transport::engine&, bool, zmtp::frame) override { return true; }
    void on_engine_batch_end(zmtp::transport::engine&) override {}
    void pull_outbound(zmtp::transport::engine&, zmtp::connection& conn, zmtp::write_batch& batch,
                       std::size_t max_bytes) override
    {
        while (!outbox.empty() && batch.size_bytes() < max_bytes) {
            conn.encode(std::move(outbox.front()), batch);
            outbox.pop_front();
        }
    }
    std::size_t take_outbound(zmtp::transport::engine&, std::vector<zmtp::message>& out,
                              std::size_t max_messages) override
    {
        std::size_t n = 0;
        for (; n < max_messages && !outbox.empty(); ++n) {
            out.push_back(std::move(outbox.front()));
            outbox.pop_front();
        }
        return n;
    }
    void on_engine_drained(zmtp::transport::engine&) override {}
    void on_engine_closed(zmtp::transport::engine&, std::error_code reason) override
    {
        ++closed;
        closed_reason = reason;
        log.push_back("closed");
    }
};

/// The remote end: the sans-IO core, fed with what the engine wrote.
struct remote_peer {
    explicit remote_peer(zmtp::socket_type t) : conn(options_for(t)) {}
    zmtp::connection conn;
    std::vector<zmtp::message> received;
    std::error_code ec;

    void input(std::span<const std::byte> in)
    {
        while (!in.empty() && !ec) {
            const auto buf = conn.prepare();
            if (buf.empty())
                return;
            const std::size_t n = std::min(buf.size(), in.size());
            std::memcpy(buf.data(), in.data(), n);
            conn.commit(n);
            in = in.subspan(n);
            for (;;) {
                const zmtp::event ev = conn.next_event(ec);
                if (ec || std::holds_alternative<zmtp::events::need_more>(ev))
                    break;
                if (auto* m = std::get_if<zmtp::events::message_received>(&ev))
                    received.push_back(std::move(m->msg));
            }
        }
    }
    bytes output()
    {
        zmtp::write_batch batch;
        conn.take_output(batch);
        bytes out;
        for (const auto& s : batch.buffers())
            out.insert(out.end(), s.begin(), s.end());
        return out;
    }
    bytes encode(zmtp::message m)
    {
        zmtp::write_batch batch;
        REQUIRE_FALSE(conn.encode(std::move(m), batch));
        bytes out;
        for (const auto& s : batch.buffers())
            out.insert(out.end(), s.begin(), s.end());
        return out;
    }
};

/// An engine over a scripted stream, its owner and its peer, on one io_context.
struct rig {
    asio::io_context ioc;
    std::shared_ptr<stream_script> script = std::make_shared<stream_script>(ioc.get_executor());
    recording_owner owner;
    remote_peer peer;
    std::shared_ptr<engine_type> engine;
    std::size_t piece = 1 << 20; // size of the pieces the peer's bytes arrive in

    explicit rig(zmtp::socket_type peer_type = zmtp::socket_type::dealer,
                 zmtp::transport::engine_options o = default_options())
        : peer(peer_type)
    {
        engine = std::make_shared<engine_type>(test_stream(script), o, owner, "test://peer");
        engine->start();
    }
    ~rig()
    {
        engine->detach();
        settle();
    }

    static zmtp::transport::engine_options default_options()
    {
        zmtp::transport::engine_options o;
        o.connection = options_for(zmtp::socket_type::dealer);
        o.handshake_ivl = std::chrono::milliseconds(0);
        return o;
    }

    /// Runs every handler that is ready (no I/O here, only posts).
    void settle()
    {
        ioc.restart();
        while (ioc.poll() != 0) {
        }
    }

    /// Moves bytes both ways until nothing moves any more.
    void exchange()
    {
        for (int round = 0; round < 100000; ++round) {
            settle();
            const bytes to_peer = script->take_written();
            peer.input(to_peer);
            const bytes to_engine = peer.output();
            if (!to_engine.empty())
                script->feed_in_pieces(to_engine, piece);
            settle();
            if (to_peer.empty() && to_engine.empty() && script->take_written().empty())
                return;
        }
        FAIL("the exchange did not settle");
    }

    /// Both sides past the handshake.
    void handshake()
    {
        exchange();
        REQUIRE(owner.ready == 1);
        REQUIRE(peer.conn.is_ready());
    }
};

zmtp::message numbered(int i, std::size_t size)
{
    std::string body = std::to_string(i);
    body.resize(std::max(size, body.size()), static_cast<char>('a' + i % 26));
    const std::string head = "m" + std::to_string(i);
    return zmtp::message{std::string_view(head), std::string_view(body)};
}

} // namespace

TEST_CASE("engine: handshake and messages over reads of one byte each", "[engine]")
{
    rig r;
    r.piece = 1;
    r.handshake();
    bytes wire;
    for (int i = 0; i < 20; ++i) {
        const bytes b = r.peer.encode(numbered(i, 10 + i * 37));
        wire.insert(wire.end(), b.begin(), b.end());
    }
    r.script->feed_in_pieces(wire, 1);
    r.settle();
    REQUIRE(r.owner.received.size() == 20);
    for (int i = 0; i < 20; ++i)
        CHECK(r.owner.received[static_cast<std::size_t>(i)] == numbered(i, 10 + i * 37));
    CHECK(r.owner.closed == 0);
}

TEST_CASE("engine: short writes deliver every byte in order", "[engine]")
{
    for (std::size_t max_write : {std::size_t{1}, std::size_t{7}, std::size_t{1000}}) {
        INFO("max_write " << max_write);
        rig r;
        r.script->set_max_write(max_write);
        r.handshake();
        for (int i = 0; i < 50; ++i)
            r.owner.outbox.push_back(numbered(i, static_cast<std::size_t>(i * 211) % 3000));
        r.engine->notify_outbound();
        r.exchange();
        REQUIRE(r.peer.received.size() == 50);
        for (int i = 0; i < 50; ++i)
            CHECK(r.peer.received[static_cast<std::size_t>(i)] ==
                  numbered(i, static_cast<std::size_t>(i * 211) % 3000));
        CHECK(r.script->write_calls() > 1);
    }
}

TEST_CASE("engine: EAGAIN makes the engine wait for writability, then go on", "[engine]")
{
    rig r;
    r.handshake();
    r.script->set_writable(false);
    for (int i = 0; i < 10; ++i)
        r.owner.outbox.push_back(numbered(i, 500));
    r.engine->notify_outbound();
    r.exchange();
    CHECK(r.peer.received.empty());
    CHECK(r.script->would_blocks() == 1); // tried once, then waited: no spinning
    CHECK(r.engine->is_busy_writing());
    // Input is still read while the write waits.
    r.script->feed(r.peer.encode(zmtp::message{"inbound"}));
    r.settle();
    REQUIRE(r.owner.received.size() == 1);
    r.script->set_writable(true);
    r.exchange();
    REQUIRE(r.peer.received.size() == 10);
    CHECK(r.peer.received.back() == numbered(9, 500));
    CHECK_FALSE(r.engine->is_busy_writing());
}

TEST_CASE("engine: a peer that keeps sending is read a few times per turn, not to the end",
          "[engine]")
{
    rig r;
    r.handshake();
    for (int i = 0; i < 40; ++i)
        r.script->feed(r.peer.encode(numbered(i, 10)));
    // One handler: the wait for readability completes and the engine reads
    // its share of the 40 pieces (one read each), then yields the turn.
    r.ioc.restart();
    REQUIRE(r.ioc.run_one() == 1);
    CHECK(r.owner.received.size() > 0);
    CHECK(r.owner.received.size() < 40);
    r.settle();
    REQUIRE(r.owner.received.size() == 40);
    CHECK(r.owner.received.back() == numbered(39, 10));
    // Input after the reads ran dry (EAGAIN) is still read: the wait was
    // armed before them.
    r.script->feed(r.peer.encode(numbered(40, 10)));
    r.settle();
    REQUIRE(r.owner.received.size() == 41);
}

TEST_CASE("engine: a large body is read when all of it is there (receive low-water mark)",
          "[engine]")
{
    rig r;
    r.handshake();
    const std::size_t size = 300 * 1024;
    const bytes whole = r.peer.encode(zmtp::message{std::string(size, 'z')});
    const std::size_t first = 64 * 1024;
    r.script->feed(bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(first)));
    r.settle();
    CHECK(r.owner.received.empty());
    // Waiting for the rest of the body, all at once.
    const std::size_t header = whole.size() - size;
    CHECK(r.script->low_water == size - (first - header));
    r.script->feed(bytes(whole.begin() + static_cast<std::ptrdiff_t>(first), whole.end()));
    r.settle();
    REQUIRE(r.owner.received.size() == 1);
    CHECK(r.owner.received[0][0].size() == size);
    CHECK(r.script->low_water == 1); // small messages wake at once again
    r.script->feed(r.peer.encode(zmtp::message{"small"}));
    r.settle();
    CHECK(r.owner.received.size() == 2);
}

TEST_CASE("engine: a reset in the middle of a frame closes once, delivering nothing partial",
          "[engine]")
{
    rig r;
    r.handshake();
    const bytes whole = r.peer.encode(zmtp::message{"head", std::string(3000, 'x')});
    r.script->feed(bytes(whole.begin(), whole.begin() + 1500));
    r.script->end_input(asio::error::connection_reset);
    r.settle();
    CHECK(r.owner.received.empty());
    CHECK(r.owner.closed == 1);
    CHECK(r.owner.closed_reason == asio::error::connection_reset);
    CHECK(r.script->closed());
    // Nothing more reaches the owner, whatever happens to the engine now.
    r.engine->notify_outbound();
    r.engine->resume_reading();
    r.settle();
    CHECK(r.owner.closed == 1);
}

TEST_CASE("engine: the peer closing inside a frame is unexpected_eof", "[engine]")
{
    rig r;
    r.handshake();
    const bytes whole = r.peer.encode(zmtp::message{std::string(100, 'y')});
    r.script->feed(bytes(whole.begin(), whole.begin() + 50));
    r.script->end_input();
    r.settle();
    CHECK(r.owner.received.empty());
    CHECK(r.owner.closed == 1);
    CHECK(r.owner.closed_reason == zmtp::error::unexpected_eof);
}

TEST_CASE("engine: failures during the handshake close without ready", "[engine]")
{
    SECTION("the peer's greeting stops half-way")
    {
        rig r;
        r.settle();
        const bytes greeting = r.peer.output();
        r.script->feed(bytes(greeting.begin(), greeting.begin() + 30));
        r.script->end_input();
        r.settle();
        CHECK(r.owner.ready == 0);
        CHECK(r.owner.closed == 1);
        CHECK(r.owner.closed_reason == zmtp::error::unexpected_eof);
    }
    SECTION("writing our greeting fails")
    {
        asio::io_context ioc;
        auto script = std::make_shared<stream_script>(ioc.get_executor());
        script->fail_after(1, asio::error::broken_pipe); // the first write
        recording_owner owner;
        auto e = std::make_shared<engine_type>(test_stream(script), rig::default_options(), owner, "t");
        e->start();
        ioc.poll();
        CHECK(owner.ready == 0);
        CHECK(owner.closed == 1);
        CHECK(owner.closed_reason == asio::error::broken_pipe);
        e->detach();
    }
    SECTION("an incompatible peer")
    {
        rig r(zmtp::socket_type::pub);
        r.exchange();
        CHECK(r.owner.ready == 0);
        CHECK(r.owner.closed == 1);
        CHECK(r.owner.closed_reason == zmtp::error::incompatible_socket_type);
    }
}

TEST_CASE("engine: each operation failing in turn ends in one close and no partial message",
          "[engine]")
{
    // As Beast's doFailLoop: fail the 1st operation, then the 2nd, ...
    // until the whole scenario (handshake, 20 messages each way) succeeds.
    bool completed = false;
    for (int n = 1; n < 200 && !completed; ++n) {
        INFO("failing operation " << n);
        rig r;
        r.piece = 97;
        r.script->set_max_write(333);
        r.script->fail_after(n);
        r.exchange();
        for (int i = 0; i < 20; ++i) {
            r.owner.outbox.push_back(numbered(i, 250));
            if (r.peer.conn.is_ready()) // a failed handshake leaves nothing to say
                r.script->feed(r.peer.encode(numbered(100 + i, 300)));
        }
        r.engine->notify_outbound();
        r.exchange();
        CHECK(r.owner.closed <= 1);
        if (r.owner.closed == 1)
            CHECK(r.owner.closed_reason == asio::error::connection_reset);
        // Whatever arrived, arrived whole and in order.
        for (std::size_t i = 0; i < r.owner.received.size(); ++i)
            CHECK(r.owner.received[i] == numbered(100 + static_cast<int>(i), 300));
        for (std::size_t i = 0; i < r.peer.received.size(); ++i)
            CHECK(r.peer.received[i] == numbered(static_cast<int>(i), 250));
        completed = r.owner.closed == 0 && r.owner.received.size() == 20 && r.peer.received.size() == 20;
    }
    CHECK(completed);
}

TEST_CASE("engine: a PING flood while writes are blocked leaves one PONG", "[engine][hostile]")
{
    rig r;
    r.handshake();
    r.script->set_writable(false);
    bytes pings;
    for (int i = 0; i < 5000; ++i) {
        // PING: ttl 0, context "c<i>"
        const std::string ctx = "c" + std::to_string(i);
        bytes body = {std::byte{4}, std::byte{'P'}, std::byte{'I'}, std::byte{'N'}, std::byte{'G'},
                      std::byte{0}, std::byte{0}};
        for (char ch : ctx)
            body.push_back(static_cast<std::byte>(ch));
        pings.push_back(std::byte{4});
        pings.push_back(static_cast<std::byte>(body.size()));
        pings.insert(pings.end(), body.begin(), body.end());
    }
    r.script->feed_in_pieces(pings, 4096);
    r.settle();
    r.script->set_writable(true);
    r.settle();
    const bytes out = r.script->take_written();
    // The first PONG (written before the block, or waiting) and the newest.
    CHECK(out.size() <= 2 * (2 + 5 + 5));
    CHECK(r.owner.closed == 0);
}

// SPDX-License-Identifier: MIT
// The inproc engine pair alone, on one io_context, with owners that record
// what they are told: order, pausing, credit (the receiver's RCVHWM bounds
// what is in flight until its application takes messages), closing in
// either order, and an engine dropped without a close.

#include "transport/inproc_engine.hpp"
#include "zmtp/error.hpp"

#include <asio/error.hpp>

#include <asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <deque>
#include <string>
#include <vector>

using zmtp::transport::engine;
using zmtp::transport::inproc_engine;
using zmtp::transport::inproc_side;

namespace {

struct owner final : zmtp::transport::engine_owner {
    std::deque<zmtp::message> outbox;
    std::vector<std::string> received;   // messages and "+topic"/"-topic"
    std::size_t accept_until = SIZE_MAX; // returns false once this many are received
    int ready = 0;
    int closed = 0;
    std::error_code reason;

    void on_engine_ready(engine&) override { ++ready; }
    bool on_engine_message(engine&, zmtp::message&& m) override
    {
        received.push_back(m.front().to_string());
        return received.size() < accept_until;
    }
    bool on_engine_subscription(engine&, bool subscribe, zmtp::frame topic) override
    {
        received.push_back((subscribe ? "+" : "-") + topic.to_string());
        return received.size() < accept_until;
    }
    void on_engine_batch_end(engine&) override {}
    void pull_outbound(engine&, zmtp::connection&, zmtp::write_batch&, std::size_t) override
    {
        FAIL("an inproc engine never encodes");
    }
    std::size_t take_outbound(engine&, std::vector<zmtp::message>& out, std::size_t max) override
    {
        std::size_t n = 0;
        for (; n < max && !outbox.empty(); ++n) {
            out.push_back(std::move(outbox.front()));
            outbox.pop_front();
        }
        return n;
    }
    void on_engine_drained(engine&) override {}
    void on_engine_closed(engine&, std::error_code ec) override
    {
        ++closed;
        reason = ec;
    }
    void queue(int from, int to)
    {
        for (int i = from; i < to; ++i)
            outbox.emplace_back(std::to_string(i));
    }
};

struct fixture {
    asio::io_context io;
    owner a_owner, b_owner;
    std::shared_ptr<inproc_engine> a, b;

    explicit fixture(std::size_t a_rcvhwm = 1000, std::size_t b_rcvhwm = 1000)
    {
        inproc_side sa{io.get_executor(), nullptr, zmtp::socket_type::dealer, "A", {}, a_rcvhwm};
        inproc_side sb{io.get_executor(), nullptr, zmtp::socket_type::router, "B", {}, b_rcvhwm};
        auto pair = inproc_engine::make_pair(sa, sb, "test");
        a = pair[0];
        b = pair[1];
        a->attach(a_owner);
        b->attach(b_owner);
        a->start();
        b->start();
        io.poll();
    }
    void run() { io.restart(), io.poll(); }
};

std::vector<std::string> numbers(int from, int to)
{
    std::vector<std::string> v;
    for (int i = from; i < to; ++i)
        v.push_back(std::to_string(i));
    return v;
}

} // namespace

TEST_CASE("inproc engine: each side knows the other as a handshake would tell it", "[inproc]")
{
    fixture f;
    CHECK(f.a_owner.ready == 1);
    CHECK(f.b_owner.ready == 1);
    CHECK(f.a->peer().type == zmtp::socket_type::router);
    CHECK(f.b->peer().type == zmtp::socket_type::dealer);
    CHECK(f.b->peer().identity == "A"); // DEALER sends its routing id
    CHECK(f.b->peer().properties.get("Socket-Type") == "DEALER");
    CHECK(f.a->remote() == "inproc://test");
}

TEST_CASE("inproc engine: messages arrive in order; a full owner pauses the rest", "[inproc]")
{
    fixture f;
    f.b_owner.accept_until = 3;
    f.a_owner.queue(0, 10);
    f.a->notify_outbound();
    f.run();
    CHECK(f.b_owner.received == numbers(0, 3)); // paused after the third
    f.b_owner.accept_until = SIZE_MAX;
    f.b->resume_reading();
    f.run();
    CHECK(f.b_owner.received == numbers(0, 10));
    CHECK(f.a->messages_out == 10);
    CHECK(f.b->messages_in == 10);
}

TEST_CASE("inproc engine: the receiver's RCVHWM bounds what is in flight", "[inproc][hwm]")
{
    fixture f(1000, 4); // B grants 4
    REQUIRE(f.b->counts_consumption());
    f.a_owner.queue(0, 10);
    f.a->notify_outbound();
    f.run();
    CHECK(f.b_owner.received.size() == 4);
    CHECK(f.a_owner.outbox.size() == 6); // the rest waits at the sender
    // B's application takes two: their credit goes back, and two more move.
    f.b->consumed(false);
    f.b->consumed(false);
    f.run();
    CHECK(f.b_owner.received.size() == 6);
    for (int i = 0; i < 6; ++i)
        f.b->consumed(i == 5);
    f.run();
    CHECK(f.b_owner.received == numbers(0, 10));
    CHECK(f.a_owner.outbox.empty());
}

TEST_CASE("inproc engine: subscriptions go ahead of the messages of their batch", "[inproc]")
{
    fixture f;
    f.a_owner.queue(0, 2);
    const std::string topic = "weather";
    f.a->send_subscription(true, std::as_bytes(std::span(topic.data(), topic.size())));
    f.a->send_subscription(false, std::as_bytes(std::span(topic.data(), topic.size())));
    f.run();
    CHECK(f.b_owner.received == std::vector<std::string>{"+weather", "-weather", "0", "1"});
}

TEST_CASE("inproc engine: a side that closes is heard after all it sent", "[inproc]")
{
    fixture f(1000, 4);
    f.a_owner.queue(0, 3);
    f.b_owner.accept_until = 1; // paused: the close still delivers the rest
    f.a->notify_outbound();
    CHECK(f.a->is_busy_writing()); // a lingering socket waits for this
    f.run();
    CHECK_FALSE(f.a->is_busy_writing());
    f.a->close();
    f.run();
    CHECK(f.b_owner.received == numbers(0, 3));
    CHECK(f.b_owner.closed == 1);
    CHECK(f.b_owner.reason == asio::error::eof);
    CHECK(f.a_owner.closed == 0); // it asked: no callback
    f.b->resume_reading();
    f.b->notify_outbound();
    f.run();
    CHECK(f.b_owner.closed == 1);
}

TEST_CASE("inproc engine: an engine dropped without a close tells the other side", "[inproc]")
{
    fixture f;
    f.a->detach();
    f.a.reset();
    f.run();
    CHECK(f.b_owner.closed == 1);

    fixture g;
    g.b.reset(); // the fixture held the only reference; no close at all
    g.run();
    CHECK(g.a_owner.closed == 1);
    CHECK(g.a_owner.reason == asio::error::eof);
}

TEST_CASE("inproc engine: a closing sender moves everything past the credit", "[inproc]")
{
    fixture f(1000, 2);
    f.a_owner.queue(0, 8);
    f.a->notify_outbound();
    f.run();
    CHECK(f.b_owner.received.size() == 2);
    f.a->release_output(); // its socket closes and lingers
    f.run();
    CHECK(f.b_owner.received == numbers(0, 8));
}

TEST_CASE("inproc engine: abort reports its reason to its own owner and closes the other", "[inproc]")
{
    fixture f;
    f.a->abort(zmtp::error::incompatible_socket_type);
    f.run();
    CHECK(f.a_owner.closed == 1);
    CHECK(f.a_owner.reason == zmtp::error::incompatible_socket_type);
    CHECK(f.b_owner.closed == 1);
    CHECK(f.b_owner.reason == asio::error::eof);
}

// SPDX-License-Identifier: MIT
// zmtp::heartbeat with a fake clock: every time is a number of milliseconds
// after a fixed start, passed in by the test.
#include "zmtp/error.hpp"
#include "zmtp/heartbeat.hpp"

#include <catch2/catch.hpp>

using namespace zmtp;
using namespace std::chrono_literals;
using hb = heartbeat;

namespace {

const hb::time_point t0{std::chrono::hours(1)};
hb::time_point at(std::chrono::milliseconds ms) { return t0 + ms; }
constexpr auto never = hb::time_point::max();

hb::options opts(std::chrono::milliseconds handshake, std::chrono::milliseconds ivl = 0ms,
                 std::chrono::milliseconds timeout = -1ms, std::chrono::milliseconds ttl = 0ms)
{
    hb::options o;
    o.handshake_ivl = handshake;
    o.ivl = ivl;
    o.timeout = timeout;
    o.ttl = ttl;
    return o;
}

} // namespace

TEST_CASE("the handshake must complete within handshake_ivl", "[zmtp][heartbeat]")
{
    hb h(opts(500ms), t0);
    CHECK(h.deadline() == at(500ms));
    CHECK(h.on_timer(at(499ms)) == hb::action::none); // an early timer does nothing
    h.input(at(300ms)); // traffic does not extend the handshake
    CHECK(h.deadline() == at(500ms));
    CHECK(h.on_timer(at(500ms)) == hb::action::fail);
    CHECK(h.error() == error::handshake_timeout);
}

TEST_CASE("no handshake deadline with handshake_ivl 0, and none once ready", "[zmtp][heartbeat]")
{
    hb none(opts(0ms), t0);
    CHECK(none.deadline() == never);
    hb h(opts(500ms), t0);
    h.handshake_done(at(100ms));
    CHECK(h.deadline() == never); // no heartbeats configured
    CHECK(h.on_timer(at(10'000ms)) == hb::action::none);
}

TEST_CASE("a PING every ivl after the handshake, announcing the TTL", "[zmtp][heartbeat]")
{
    hb h(opts(0ms, 1000ms, 5000ms, 3000ms), t0);
    h.handshake_done(at(200ms));
    CHECK(h.deadline() == at(1200ms));
    CHECK(h.on_timer(at(1200ms)) == hb::action::send_ping);
    CHECK(h.ttl_ds() == 30);
    // Traffic keeps coming: a PING each interval, never a timeout.
    for (int i = 2; i < 10; ++i) {
        h.input(at(std::chrono::milliseconds(200 + 1000 * i - 10)));
        CHECK(h.deadline() == at(std::chrono::milliseconds(200 + 1000 * i)));
        CHECK(h.on_timer(at(std::chrono::milliseconds(200 + 1000 * i))) == hb::action::send_ping);
    }
}

TEST_CASE("silence after our PING for heartbeat_timeout drops the connection", "[zmtp][heartbeat]")
{
    hb h(opts(0ms, 1000ms, 2500ms), t0);
    h.handshake_done(t0);
    REQUIRE(h.on_timer(at(1000ms)) == hb::action::send_ping); // timeout armed: 3500
    REQUIRE(h.on_timer(at(2000ms)) == hb::action::send_ping); // still armed from the first
    REQUIRE(h.on_timer(at(3000ms)) == hb::action::send_ping);
    CHECK(h.deadline() == at(3500ms));
    CHECK(h.on_timer(at(3500ms)) == hb::action::fail);
    CHECK(h.error() == error::heartbeat_timeout);
}

TEST_CASE("any input after our PING disarms its timeout", "[zmtp][heartbeat]")
{
    hb h(opts(0ms, 1000ms, 1500ms), t0);
    h.handshake_done(t0);
    REQUIRE(h.on_timer(at(1000ms)) == hb::action::send_ping); // timeout at 2500
    h.input(at(1001ms)); // a PONG, or any traffic
    REQUIRE(h.on_timer(at(2000ms)) == hb::action::send_ping); // re-armed: 3500
    CHECK(h.on_timer(at(2500ms)) == hb::action::none);
    CHECK(h.deadline() == at(3000ms));
    REQUIRE(h.on_timer(at(3000ms)) == hb::action::send_ping);
    CHECK(h.on_timer(at(3500ms)) == hb::action::fail);
}

TEST_CASE("heartbeat_timeout defaults to the interval", "[zmtp][heartbeat]")
{
    hb h(opts(0ms, 400ms), t0);
    h.handshake_done(t0);
    REQUIRE(h.on_timer(at(400ms)) == hb::action::send_ping);
    CHECK(h.deadline() == at(800ms));
    CHECK(h.on_timer(at(800ms)) == hb::action::fail);
}

TEST_CASE("the peer's TTL drops a peer silent for that long", "[zmtp][heartbeat]")
{
    hb h(opts(0ms), t0); // no heartbeats of our own
    h.handshake_done(t0);
    h.input(at(100ms));
    h.peer_ping(20); // 2 s
    CHECK(h.deadline() == at(2100ms));
    h.input(at(2000ms));
    CHECK(h.deadline() == at(4000ms));
    CHECK(h.on_timer(at(3999ms)) == hb::action::none);
    CHECK(h.on_timer(at(4000ms)) == hb::action::fail);
    CHECK(h.error() == error::heartbeat_timeout);
}

TEST_CASE("a TTL above 655 ds is computed in 32 bits", "[zmtp][heartbeat]")
{
    // libzmq#4226: 700 ds in 16-bit milliseconds wraps to 4.46 s.
    hb h(opts(0ms), t0);
    h.handshake_done(t0);
    h.peer_ping(700);
    CHECK(h.deadline() == at(70'000ms));
    h.peer_ping(0); // a later PING without TTL: no deadline any more
    CHECK(h.deadline() == never);
}

TEST_CASE("the TTL we announce is capped at 655 ds", "[zmtp][heartbeat]")
{
    CHECK(hb(opts(0ms, 100ms, -1ms, 100'000ms), t0).ttl_ds() == 655);
    CHECK(hb(opts(0ms, 100ms, -1ms, 65'500ms), t0).ttl_ds() == 655);
    CHECK(hb(opts(0ms, 100ms, -1ms, 12'345ms), t0).ttl_ds() == 123);
    CHECK(hb(opts(0ms, 100ms, -1ms, -5ms), t0).ttl_ds() == 0);
}

TEST_CASE("heartbeats start only after the handshake", "[zmtp][heartbeat]")
{
    hb h(opts(10'000ms, 100ms), t0);
    CHECK(h.deadline() == at(10'000ms));
    CHECK(h.on_timer(at(5000ms)) == hb::action::none); // no PING before READY
    h.peer_ping(3);                                     // not a deadline until ready
    CHECK(h.deadline() == at(10'000ms));
    h.input(at(6000ms)); // the READY that completes the handshake
    h.handshake_done(at(6000ms));
    CHECK(h.deadline() == at(6000ms + 100ms));
    CHECK(h.on_timer(at(6100ms)) == hb::action::send_ping);
    CHECK(h.deadline() == at(6000ms + 200ms)); // the next PING; the TTL (300 ms) is later
}

// SPDX-License-Identifier: MIT
// zmtp::proxy(): a REQ/ROUTER/DEALER/REP broker through it (envelopes
// forwarded whole, both directions), the capture socket, and the control
// commands (PAUSE, RESUME, STATISTICS, TERMINATE); a closed side ends it.

#include "spec_support.hpp"

#include "zmtp/proxy.hpp"

#include <cstring>
#include <future>
#include <thread>

using namespace zmtp_test;
using namespace std::chrono_literals;

namespace {

std::array<std::uint64_t, 8> statistics(pair_socket& control)
{
    control.send("STATISTICS");
    const auto m = control.recv();
    REQUIRE(m.size() == 8);
    std::array<std::uint64_t, 8> v{};
    for (std::size_t i = 0; i < 8; ++i) {
        REQUIRE(m[i].size() == sizeof(std::uint64_t));
        std::memcpy(&v[i], m[i].data(), sizeof(std::uint64_t));
    }
    return v;
}

} // namespace

TEST_CASE("proxy: a broker between REQ clients and REP workers, with capture and control",
          "[proxy]")
{
    context ctx;
    router_socket frontend(ctx, test_options());
    dealer_socket backend(ctx, test_options());
    pull_socket capture_reader(ctx, test_options());
    push_socket capture(ctx, test_options());
    pair_socket control_end(ctx, test_options());
    pair_socket control(ctx, test_options());
    const auto fe = frontend.bind(fresh_inproc("clients"));
    const auto be = backend.bind(fresh_inproc("workers"));
    capture.bind("inproc://capture-" + fe.substr(9));
    capture_reader.connect("inproc://capture-" + fe.substr(9));
    control.bind("inproc://control-" + fe.substr(9));
    control_end.connect("inproc://control-" + fe.substr(9));

    auto done = std::async(std::launch::async,
                           [&] { return zmtp::proxy(frontend, backend, &capture, &control); });

    req_socket client(ctx, test_options());
    client.connect(fe);
    rep_socket worker(ctx, test_options());
    worker.connect(be);
    for (int i = 0; i < 10; ++i) {
        client.send("question " + std::to_string(i));
        CHECK(worker.recv().front().to_string() == "question " + std::to_string(i));
        worker.send("answer " + std::to_string(i));
        CHECK(client.recv().front().to_string() == "answer " + std::to_string(i));
    }
    // Every message forwarded was captured, whole: [routing id, "", body].
    for (int i = 0; i < 20; ++i) {
        const auto copy = capture_reader.recv();
        CHECK(copy.size() == 3);
    }

    auto s = statistics(control_end);
    CHECK(s[0] == 10); // frontend messages in
    CHECK(s[2] == 10); // frontend messages out (the answers)
    CHECK(s[4] == 10); // backend messages in
    CHECK(s[6] == 10); // backend messages out
    CHECK(s[1] == s[6 + 1]); // bytes in at the frontend went out at the backend
    CHECK(s[5] == s[3]);

    // Paused (the STATISTICS answer says the PAUSE before it was taken):
    // nothing moves, whether or not the request has reached the proxy yet.
    control_end.send("PAUSE");
    statistics(control_end);
    client.send("held");
    s = statistics(control_end);
    CHECK(s[0] == 10);
    CHECK_FALSE(worker.try_recv());
    control_end.send("RESUME");
    CHECK(worker.recv().front().to_string() == "held");

    control_end.send("NONSENSE"); // ignored
    control_end.send("TERMINATE");
    REQUIRE(done.wait_for(generous) == std::future_status::ready);
    CHECK_FALSE(done.get());
}

TEST_CASE("proxy: forwards a pipeline, and ends when a side closes", "[proxy]")
{
    context ctx;
    pull_socket frontend(ctx, test_options());
    push_socket backend(ctx, test_options());
    const auto fe = frontend.bind(fresh_inproc("in"));
    const auto be = backend.bind(fresh_inproc("out"));
    auto done = std::async(std::launch::async, [&] { return zmtp::proxy(frontend, backend); });
    push_socket producer(ctx, test_options());
    producer.connect(fe);
    pull_socket consumer(ctx, test_options());
    consumer.connect(be);
    for (int i = 0; i < 3000; ++i) // beyond the high-water marks on both sides
        producer.send(numbered(static_cast<std::size_t>(i)));
    for (int i = 0; i < 3000; ++i)
        REQUIRE(seq_of(consumer.recv()) == i);
    frontend.close();
    REQUIRE(done.wait_for(generous) == std::future_status::ready);
    CHECK(done.get() == zmtp::socket_error::closed);
}

TEST_CASE("proxy: a moved-from socket is refused", "[proxy]")
{
    context ctx;
    pull_socket a(ctx, test_options());
    push_socket b(ctx, test_options());
    pull_socket moved_to(std::move(a));
    CHECK(zmtp::proxy(a, b) == zmtp::socket_error::not_a_socket);
}

TEST_CASE("proxy: one socket as both sides answers each request with itself", "[proxy]")
{
    context ctx;
    rep_socket echo(ctx, test_options());
    pair_socket control_end(ctx, test_options());
    pair_socket control(ctx, test_options());
    const auto ep = echo.bind(fresh_inproc("echo"));
    control.bind("inproc://control-" + ep.substr(9));
    control_end.connect("inproc://control-" + ep.substr(9));
    auto done = std::async(std::launch::async,
                           [&] { return zmtp::proxy(echo, echo, nullptr, &control); });
    req_socket client(ctx, test_options());
    client.connect(ep);
    for (int i = 0; i < 5; ++i) {
        client.send("ping " + std::to_string(i));
        CHECK(client.recv().front().to_string() == "ping " + std::to_string(i));
    }
    const auto s = statistics(control_end);
    CHECK(s[0] == 5);
    CHECK(s[2] == 5);
    control_end.send("TERMINATE");
    REQUIRE(done.wait_for(generous) == std::future_status::ready);
    CHECK_FALSE(done.get());
}

TEST_CASE("proxy: the capture socket gets every message, waiting for its peer as libzmq's",
          "[proxy]")
{
    context ctx;
    pull_socket frontend(ctx, test_options());
    push_socket backend(ctx, test_options());
    push_socket capture(ctx, test_options());
    const auto fe = frontend.bind(fresh_inproc("in"));
    const auto be = backend.bind(fresh_inproc("out"));
    const auto ce = capture.bind(fresh_inproc("capture"));
    auto done = std::async(std::launch::async,
                           [&] { return zmtp::proxy(frontend, backend, &capture); });
    push_socket producer(ctx, test_options());
    producer.connect(fe);
    pull_socket consumer(ctx, test_options());
    consumer.connect(be);
    for (int i = 0; i < 20; ++i)
        producer.send(numbered(static_cast<std::size_t>(i)));
    // The capture's reader comes late: no copy is lost meanwhile.
    pull_socket capture_reader(ctx, test_options());
    capture_reader.connect(ce);
    for (int i = 0; i < 20; ++i) {
        REQUIRE(seq_of(consumer.recv()) == i);
        REQUIRE(seq_of(capture_reader.recv()) == i);
    }
    frontend.close();
    REQUIRE(done.wait_for(generous) == std::future_status::ready);
    CHECK(done.get() == zmtp::socket_error::closed);
}

// SPDX-License-Identifier: MIT
// libzmq's queueing options: conflate, immediate, probe_router,
// xpub_welcome_msg (and the TCP ones only as far as a connection still
// works with them set: their effect is the kernel's).

#include "spec_support.hpp"

#include <asio/error.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace zmtp_test;
using namespace std::chrono_literals;

TEST_CASE("conflate: a receiver keeps only the latest message", "[options][conflate]")
{
    const std::string transport = GENERATE(as<std::string>{}, "tcp", "inproc");
    INFO(transport);
    temp_dir dir;
    context ctx;
    auto opts = test_options();
    opts.conflate = true;
    pull_socket pull(ctx, opts);
    const auto ep = pull.bind(bind_endpoint(transport, dir, "conflate.sock"));
    {
        push_socket push(ctx, test_options());
        push.connect(ep);
        for (int i = 0; i < 1000; ++i)
            push.send(numbered(static_cast<std::size_t>(i)));
        push.close(); // lingers until everything is out
    }
    // Whatever arrived before we looked was replaced by what came after.
    long last = -1;
    int got = 0;
    while (last != 999) {
        const long seq = seq_of(pull.recv());
        CHECK(seq > last);
        last = seq;
        ++got;
    }
    CHECK(got < 1000);
    CHECK_FALSE(pull.try_recv());
}

TEST_CASE("conflate: a sender's queue holds only the latest and never blocks", "[options][conflate]")
{
    context ctx;
    auto opts = test_options();
    opts.conflate = true;
    opts.sndtimeo = 0ms;
    push_socket push(ctx, opts);
    const auto ep = fresh_inproc("conflate-send");
    push.connect(ep); // nobody there: everything waits in the queue
    for (int i = 0; i < 5000; ++i) // far past sndhwm: never would_block
        push.send(numbered(static_cast<std::size_t>(i)));
    pull_socket pull(ctx, test_options());
    pull.bind(ep);
    CHECK(seq_of(pull.recv()) == 4999);
    CHECK_FALSE(pull.try_recv());
}

TEST_CASE("immediate: messages go only to connections that are up", "[options][immediate]")
{
    context ctx;
    auto opts = test_options();
    opts.immediate = true;
    opts.sndtimeo = 200ms;
    push_socket push(ctx, opts);
    // Nobody there: no queue, so a send times out instead of queueing.
    const auto nobody = fresh_inproc("nobody");
    push.connect(nobody);
    std::error_code ec;
    push.send("lost?", ec);
    CHECK(ec == zmtp::socket_error::timed_out);

    // One live peer beside the absent one: it gets every message (without
    // immediate, round-robin would queue half of them for the absent one).
    pull_socket pull(ctx, test_options());
    const auto ep = pull.bind(fresh_inproc("somebody"));
    auto log = event_log::attach(push);
    push.connect(ep);
    REQUIRE(log->wait_count(kind::handshake_succeeded, 1));
    push.set(&zmtp::socket_options::sndtimeo, zmtp::milliseconds(-1));
    for (int i = 0; i < 10; ++i)
        push.send(numbered(static_cast<std::size_t>(i)));
    for (int i = 0; i < 10; ++i)
        CHECK(seq_of(pull.recv()) == i);
}

TEST_CASE("probe_router: a new peer gets an empty message first", "[options][router]")
{
    const std::string transport = GENERATE(as<std::string>{}, "tcp", "inproc");
    INFO(transport);
    temp_dir dir;
    context ctx;
    router_socket router(ctx, test_options());
    const auto ep = router.bind(bind_endpoint(transport, dir, "probe.sock"));
    auto opts = test_options();
    opts.probe_router = true;
    opts.routing_id = "prober";
    dealer_socket dealer(ctx, opts);
    dealer.connect(ep);
    dealer.send("queued before the handshake"); // the probe still goes first
    auto m = router.recv();
    REQUIRE(m.size() == 2);
    CHECK(m[0].to_string() == "prober");
    CHECK(m[1].size() == 0);
    m = router.recv();
    CHECK(m[1].to_string() == "queued before the handshake");

    // A probing ROUTER: the connecting DEALER hears from it first.
    auto ropts = test_options();
    ropts.probe_router = true;
    router_socket probing(ctx, ropts);
    const auto ep2 = probing.bind(bind_endpoint(transport, dir, "probe2.sock"));
    dealer_socket plain(ctx, test_options());
    plain.connect(ep2);
    const auto probe = plain.recv();
    REQUIRE(probe.size() == 1);
    CHECK(probe[0].size() == 0);
}

TEST_CASE("xpub_welcome_msg: every new subscriber is greeted", "[options][pubsub]")
{
    context ctx;
    auto opts = test_options();
    opts.xpub_welcome_msg = "WELCOME";
    xpub_socket xpub(ctx, opts);
    const auto ep = xpub.bind("tcp://127.0.0.1:0");
    for (int i = 0; i < 2; ++i) {
        sub_socket sub(ctx, test_options());
        sub.subscribe("WELCOME"); // a SUB filters it like any message
        sub.connect(ep);
        CHECK(sub.recv().front().to_string() == "WELCOME");
    }
}

TEST_CASE("TCP options: buffers, TOS and user timeout set, the connection still works",
          "[options]")
{
    context ctx;
    auto opts = test_options();
    opts.sndbuf = 256 * 1024;
    opts.rcvbuf = 256 * 1024;
    opts.tos = 0x10;
    opts.tcp_maxrt = 5000ms;
    pull_socket pull(ctx, opts);
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    push_socket push(ctx, opts);
    push.connect(ep);
    push.send("through");
    CHECK(pull.recv().front().to_string() == "through");
}

TEST_CASE("invert_matching: subscribers get what does not match", "[options][pubsub]")
{
    context ctx;
    auto opts = test_options();
    opts.invert_matching = true;
    pub_socket pub(ctx, opts);
    const auto ep = pub.bind(fresh_inproc("invert"));
    sub_socket sub(ctx, opts);
    sub.subscribe("weather.");
    sub.connect(ep);
    REQUIRE(pub.wait_for_subscriber("weather.", generous));
    pub.send("weather.paris 12");
    pub.send("sport.final 2-1");
    CHECK(sub.recv().front().to_string() == "sport.final 2-1");
    CHECK_FALSE(sub.try_recv());
}

TEST_CASE("connect_timeout: a connect that hangs is given up and retried", "[options]")
{
    // A listener that never accepts, its backlog full: Linux drops further
    // SYNs, so a connect to it hangs until a timeout ends it.
    const int l = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(l >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(l, 0) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    std::vector<int> fillers;
    for (int i = 0; i < 4; ++i) { // more than the queue holds
        const int c = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        ::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a);
        fillers.push_back(c);
    }
    context ctx;
    auto opts = test_options();
    opts.connect_timeout = 100ms;
    opts.reconnect_ivl = 50ms;
    opts.reconnect_ivl_max = 50ms;
    push_socket push(ctx, opts);
    auto log = event_log::attach(push);
    push.connect("tcp://127.0.0.1:" + std::to_string(ntohs(a.sin_port)));
    const auto e = log->wait_nth(kind::connect_retried, 1);
    REQUIRE(e);
    INFO(log->describe());
    CHECK(e->reason == asio::error::timed_out);
    push.close();
    for (const int c : fillers)
        ::close(c);
    ::close(l);
}

TEST_CASE("connect_routing_id: a ROUTER names the peer it connects to", "[options][router]")
{
    const std::string transport = GENERATE(as<std::string>{}, "tcp", "inproc");
    INFO(transport);
    temp_dir dir;
    context ctx;
    auto server_opts = test_options();
    server_opts.routing_id = "server"; // announced, but the client names it itself
    router_socket server(ctx, server_opts);
    const auto ep = server.bind(bind_endpoint(transport, dir, "named.sock"));
    auto opts = test_options();
    opts.routing_id = "client";
    opts.connect_routing_id = "my-server";
    router_socket client(ctx, opts);
    client.connect(ep);
    CHECK(client.options().connect_routing_id.empty()); // consumed by that connect()
    client.send({"my-server", "hello"}); // routable at once, before the handshake
    auto m = server.recv();
    REQUIRE(m.size() == 2);
    CHECK(m[0].to_string() == "client");
    CHECK(m[1].to_string() == "hello");
    server.send({"client", "hi"});
    m = client.recv();
    REQUIRE(m.size() == 2);
    CHECK(m[0].to_string() == "my-server");
    CHECK(m[1].to_string() == "hi");

    // Ids starting with a zero byte are the generated ones: refused.
    auto bad = client.options();
    bad.connect_routing_id = std::string("\0x", 2);
    std::error_code ec;
    try {
        client.set_options(bad);
    } catch (const std::system_error& e) {
        ec = e.code();
    }
    CHECK(ec == zmtp::socket_error::invalid_argument);
}

TEST_CASE("use_fd: bind adopts a socket already listening", "[options]")
{
    const int l = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(l >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(l, 16) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    const std::string ep = "tcp://127.0.0.1:" + std::to_string(ntohs(a.sin_port));

    context ctx;
    auto opts = test_options();
    opts.use_fd = l;
    pull_socket pull(ctx, opts);
    CHECK(pull.bind("tcp://127.0.0.1:0") == ep); // the descriptor's own address
    push_socket push(ctx, test_options());
    push.connect(ep);
    push.send("via an adopted descriptor");
    CHECK(pull.recv().front().to_string() == "via an adopted descriptor");

    // Not a listening socket (or not of the endpoint's kind): refused.
    const int plain = ::socket(AF_INET, SOCK_STREAM, 0);
    auto bad = test_options();
    bad.use_fd = plain;
    pull_socket refused(ctx, bad);
    std::error_code ec;
    refused.bind("tcp://127.0.0.1:0", ec);
    CHECK(ec);
    bad.use_fd = l;
    pull_socket wrong_kind(ctx, bad);
    wrong_kind.bind("ipc:///tmp/zmtp-use-fd-test.sock", ec);
    CHECK(ec == std::errc::address_family_not_supported);
    ::close(plain);
}

TEST_CASE("xpub_manual: the application applies subscriptions itself", "[options][pubsub]")
{
    context ctx;
    auto opts = test_options();
    opts.xpub_manual = true;
    xpub_socket xpub(ctx, opts);
    const auto ep = xpub.bind(fresh_inproc("manual"));
    xsub_socket xsub(ctx, test_options());
    xsub.connect(ep);
    xsub.send(zmtp::message(std::string_view("\x01" "A", 2)));
    // Received, but not applied: the application maps A to B.
    const auto req = xpub.recv();
    CHECK(req.front().to_string() == std::string("\x01" "A", 2));
    xpub.subscribe("B");
    REQUIRE(xpub.wait_for_subscriber("B", generous));
    CHECK_FALSE(xpub.wait_for_subscriber("A", 0ms));
    xpub.send("A-not-for-you");
    xpub.send("B-for-you");
    CHECK(xsub.recv().front().to_string() == "B-for-you");
    // A cancel is received too, and applied only when the application says.
    xsub.send(zmtp::message(std::string_view("\x00" "A", 2)));
    CHECK(xpub.recv().front().to_string() == std::string("\x00" "A", 2));
    xpub.unsubscribe("B");
    xpub.send("B-again"); // nobody subscribed to B any more
    xpub.send(zmtp::message(std::string_view("marker")));
    xpub.subscribe("marker"); // still the same peer: its message was the last
    xpub.send("marker-now");
    CHECK(xsub.recv().front().to_string() == "marker-now");
}

TEST_CASE("bindtodevice: connections and listeners stay on the named interface", "[options][bindtodevice]")
{
    context ctx;
    auto o = test_options();
    o.bindtodevice = "lo";
    pull_socket pull(ctx, o);
    std::error_code ec;
    const auto ep = pull.bind("tcp://127.0.0.1:0", ec);
    if (ec == std::errc::operation_not_permitted) {
        WARN("SO_BINDTODEVICE needs CAP_NET_RAW here: only the refusal is checked");
        return;
    }
    REQUIRE_FALSE(ec);
    push_socket push(ctx, o);
    push.connect(ep);
    push.send("on lo");
    CHECK(pull.recv().front() == "on lo");

    // An interface that does not exist: bind fails with the system's error,
    // and a connect is retried, reporting it.
    auto bad = test_options();
    bad.bindtodevice = "nosuchdev0";
    pull_socket nowhere(ctx, bad);
    nowhere.bind("tcp://127.0.0.1:0", ec);
    CHECK(ec == std::errc::no_such_device);
    push_socket lost(ctx, bad);
    auto log = event_log::attach(lost);
    lost.connect(ep);
    const auto retried = log->wait_nth(kind::connect_retried);
    REQUIRE(retried);
    CHECK(retried->reason == std::errc::no_such_device);

    bad.bindtodevice = std::string(16, 'x'); // longer than IFNAMSIZ allows
    CHECK(bad.validate() == zmtp::socket_error::invalid_argument);
}

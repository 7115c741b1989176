// SPDX-License-Identifier: MIT
// Connectors and listeners through the socket API: connect before bind,
// reconnecting, reconnect_ivl = -1, ipc (paths, abstract names, stale
// files), unbind and disconnect.

#include "support.hpp"

#include "zmtp/context.hpp"
#include "zmtp/socket.hpp"
#include "transport/endpoint.hpp"

#include <asio/error.hpp>

#include <sys/stat.h>

using namespace zmtp_test;
using zmtp::context;
using zmtp::pull_socket;
using zmtp::push_socket;
using zmtp::transport::transport_error;

namespace {

/** An endpoint nobody listens on yet, of the given transport. For tcp a
    free ephemeral port is found by binding and unbinding a socket. */
std::string unused_endpoint(context& ctx, const std::string& transport, const temp_dir& dir,
                            std::string_view name)
{
    if (transport == "ipc")
        return dir.ipc(name);
    pull_socket probe(ctx);
    const auto ep = probe.bind("tcp://127.0.0.1:0");
    probe.unbind(ep);
    probe.close();
    return ep;
}

std::string bind_endpoint(const std::string& transport, const temp_dir& dir, std::string_view name)
{
    return transport == "ipc" ? dir.ipc(name) : std::string("tcp://127.0.0.1:0");
}

} // namespace

TEST_CASE("connector: connect before bind delivers once the listener appears", "[connector]")
{
    // RFC 37: "All sockets SHALL establish connections opportunistically, that
    // is: they connect to an endpoint asynchronously, and if the connection is
    // broken, SHOULD reconnect after a suitable delay."
    const std::string transport = GENERATE(as<std::string>{}, "tcp", "ipc");
    INFO(transport);
    temp_dir dir;
    context ctx;
    const auto ep = unused_endpoint(ctx, transport, dir, "late.sock");

    auto opts = test_options();
    opts.reconnect_ivl = 20ms;
    opts.reconnect_ivl_max = 200ms;
    push_socket push(ctx, opts);
    auto push_log = event_log::attach(push);
    push.connect(ep);
    // The connection attempt fails (nobody listens) and is retried.
    REQUIRE(push_log->wait_count(kind::connect_retried, 1));
    push.send(zmtp::message("early"));

    pull_socket pull(ctx, test_options());
    CHECK(pull.bind(ep) == ep);
    std::error_code ec;
    CHECK(recv_parts(pull, ec) == std::vector<std::string>{"early"});
    CHECK_FALSE(ec);
    CHECK(push_log->count(kind::connected) >= 1);
}

TEST_CASE("connector: reconnects after the server goes away and comes back on the same endpoint",
          "[connector]")
{
    const std::string transport = GENERATE(as<std::string>{}, "tcp", "ipc");
    INFO(transport);
    temp_dir dir;
    context ctx;
    auto opts = test_options();
    opts.reconnect_ivl = 20ms;
    opts.reconnect_ivl_max = 200ms;
    push_socket push(ctx, opts);
    auto push_log = event_log::attach(push);

    std::string ep;
    {
        pull_socket pull1(ctx, test_options());
        ep = pull1.bind(bind_endpoint(transport, dir, "restart.sock"));
        push.connect(ep);
        push.send(zmtp::message("one"));
        std::error_code ec;
        CHECK(recv_parts(pull1, ec) == std::vector<std::string>{"one"});
        REQUIRE(push_log->wait_count(kind::handshake_succeeded, 1));
        pull1.close();
    }
    REQUIRE(push_log->wait_count(kind::disconnected, 1));

    pull_socket pull2(ctx, test_options());
    REQUIRE(pull2.bind(ep) == ep);
    INFO(push_log->describe());
    REQUIRE(push_log->wait_count(kind::handshake_succeeded, 2));
    push.send(zmtp::message("two"));
    std::error_code ec;
    CHECK(recv_parts(pull2, ec) == std::vector<std::string>{"two"});
}

TEST_CASE("connector: reconnect_ivl -1 never reconnects", "[connector]")
{
    // libzmq: ZMQ_RECONNECT_IVL = -1 disables reconnection. "Never" is checked
    // over a window of several reconnect intervals of a normal socket: a check
    // of absence, which can only pass wrongly, never fail wrongly.
    temp_dir dir;
    context ctx;
    auto opts = test_options();
    opts.reconnect_ivl = std::chrono::milliseconds(-1);

    SECTION("after a lost connection")
    {
        push_socket push(ctx, opts);
        auto push_log = event_log::attach(push);
        std::string ep;
        {
            pull_socket pull1(ctx, test_options());
            ep = pull1.bind("tcp://127.0.0.1:0");
            push.connect(ep);
            push.send(zmtp::message("one"));
            std::error_code ec;
            CHECK(recv_parts(pull1, ec) == std::vector<std::string>{"one"});
            pull1.close();
        }
        REQUIRE(push_log->wait_count(kind::disconnected, 1));

        pull_socket pull2(ctx, test_options());
        auto pull2_log = event_log::attach(pull2);
        REQUIRE(pull2.bind(ep) == ep);
        CHECK_FALSE(pull2_log->wait_count(kind::accepted, 1, 1500ms));
        CHECK(push_log->count(kind::connected) == 1);
    }
    SECTION("after a refused first attempt")
    {
        const auto ep = unused_endpoint(ctx, "tcp", dir, "");
        push_socket push(ctx, opts);
        auto push_log = event_log::attach(push);
        push.connect(ep);
        // The refused attempt ends the endpoint: closed, not connect_retried.
        REQUIRE(push_log->wait_count(kind::closed, 1));

        pull_socket pull(ctx, test_options());
        auto pull_log = event_log::attach(pull);
        REQUIRE(pull.bind(ep) == ep);
        CHECK_FALSE(pull_log->wait_count(kind::accepted, 1, 1500ms));
        CHECK(push_log->count(kind::connected) == 0);
    }
}

// connect_retried means "another attempt follows": with reconnect_ivl = -1
// none does (libzmq emits no CONNECT_RETRIED either).
TEST_CASE("connector: with reconnect_ivl -1 no connect_retried event is reported",
          "[connector]")
{
    context ctx;
    temp_dir dir;
    const auto ep = unused_endpoint(ctx, "tcp", dir, "");
    auto opts = test_options();
    opts.reconnect_ivl = std::chrono::milliseconds(-1);
    push_socket push(ctx, opts);
    auto push_log = event_log::attach(push);
    push.connect(ep);
    // The refused attempt fails within milliseconds; give it a generous
    // window (an absence check).
    CHECK_FALSE(push_log->wait_count(kind::connect_retried, 1, 1000ms));
    INFO(push_log->describe());
}

TEST_CASE("ipc: bind and connect over a filesystem path", "[ipc]")
{
    temp_dir dir;
    REQUIRE_FALSE(dir.path().empty());
    context ctx;
    pull_socket pull(ctx, test_options());
    auto pull_log = event_log::attach(pull);
    const auto ep = dir.ipc("a.sock");
    CHECK(pull.bind(ep) == ep);
    CHECK(std::filesystem::exists(dir.path() + "/a.sock"));
    push_socket push(ctx, test_options());
    push.connect(ep);
    push.send(make_message({"over", "ipc"}));
    std::error_code ec;
    CHECK(recv_parts(pull, ec) == std::vector<std::string>{"over", "ipc"});
    const auto accepted = pull_log->wait_nth(kind::accepted);
    REQUIRE(accepted);
    CHECK(accepted->endpoint == ep);

    // libzmq removes the socket file when the endpoint closes; so do we.
    pull.unbind(ep);
    CHECK(poll_until([&] { return !std::filesystem::exists(dir.path() + "/a.sock"); }));
}

TEST_CASE("ipc: bind and connect over a Linux abstract name", "[ipc]")
{
    context ctx;
    pull_socket pull(ctx, test_options());
    const auto ep = abstract_ipc("abs");
    CHECK(pull.bind(ep) == ep);
    push_socket push(ctx, test_options());
    push.connect(ep);
    push.send(zmtp::message("abstract"));
    std::error_code ec;
    CHECK(recv_parts(pull, ec) == std::vector<std::string>{"abstract"});
}

TEST_CASE("ipc: a stale socket file is replaced on bind", "[ipc]")
{
    temp_dir dir;
    const std::string path = dir.path() + "/stale.sock";
    {
        // A socket file left behind by a process that died without unlinking.
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        REQUIRE(fd >= 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        ::close(fd);
    }
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    REQUIRE(S_ISSOCK(st.st_mode));

    context ctx;
    pull_socket pull(ctx, test_options());
    std::error_code ec;
    const auto ep = pull.bind("ipc://" + path, ec);
    REQUIRE_FALSE(ec);
    CHECK(ep == "ipc://" + path);
    push_socket push(ctx, test_options());
    push.connect(ep);
    push.send(zmtp::message("fresh"));
    CHECK(recv_parts(pull, ec) == std::vector<std::string>{"fresh"});
}

TEST_CASE("listener: binding an endpoint in use fails with bind_failed", "[listener]")
{
    context ctx;
    pull_socket a(ctx, test_options());
    const auto ep = a.bind("tcp://127.0.0.1:0");
    pull_socket b(ctx, test_options());
    auto b_log = event_log::attach(b);
    std::error_code ec;
    b.bind(ep, ec);
    // Asio's system category does not map to std::errc: compare with Asio's enum.
    CHECK(ec == asio::error::address_in_use);
    const auto ev = b_log->wait_nth(kind::bind_failed);
    REQUIRE(ev);
    CHECK(ev->reason == ec);
    CHECK_THROWS_AS(b.bind(ep), std::system_error);
}

TEST_CASE("listener: a wildcard host binds every interface", "[listener]")
{
    context ctx;
    pull_socket pull(ctx, test_options());
    const auto ep = pull.bind("tcp://*:0");
    const auto port = port_of(ep);
    CHECK(port != 0);
    // Reachable through the IPv4 loopback whatever the family chosen.
    raw_conn c = raw_conn::connect_tcp(port);
    CHECK(c.valid());
    CHECK(c.read_n(64) == greeting());
}

TEST_CASE("listener: unbind closes the listener and the connections it accepted", "[listener]")
{
    context ctx;
    pull_socket pull(ctx, test_options());
    auto pull_log = event_log::attach(pull);
    const auto ep = pull.bind("tcp://127.0.0.1:0");

    auto opts = test_options();
    opts.reconnect_ivl = 20ms;
    opts.reconnect_ivl_max = 100ms;
    push_socket push(ctx, opts);
    auto push_log = event_log::attach(push);
    push.connect(ep);
    push.send(zmtp::message("before"));
    std::error_code ec;
    CHECK(recv_parts(pull, ec) == std::vector<std::string>{"before"});

    SECTION("a wildcard endpoint string is not the bound endpoint")
    {
        // libzmq: unbinding "tcp://127.0.0.1:*" gives ENOENT; the bound
        // endpoint (last_endpoint) must be used.
        pull.unbind("tcp://127.0.0.1:0", ec);
        CHECK(ec == transport_error::unknown_endpoint);
        CHECK_THROWS_AS(pull.unbind("tcp://127.0.0.1:1"), std::system_error);
    }
    SECTION("unbind by the bound endpoint")
    {
        pull.unbind(ep, ec);
        REQUIRE_FALSE(ec);
        const auto closed = pull_log->wait_nth(kind::closed);
        REQUIRE(closed);
        CHECK(closed->endpoint == ep);
        // The accepted connection goes with the listener...
        INFO(push_log->describe());
        REQUIRE(push_log->wait_count(kind::disconnected, 1));
        // ...and nobody listens on the port any more.
        raw_conn c = raw_conn::connect_tcp(port_of(ep));
        CHECK_FALSE(c.valid());
        REQUIRE(push_log->wait_count(kind::connect_retried, 2));
        CHECK(pull_log->count(kind::accepted) == 1);
        // Unbinding twice is an error.
        pull.unbind(ep, ec);
        CHECK(ec == transport_error::unknown_endpoint);
    }
}

TEST_CASE("connector: disconnect stops reconnecting", "[connector]")
{
    context ctx;
    pull_socket pull(ctx, test_options());
    auto pull_log = event_log::attach(pull);
    const auto ep = pull.bind("tcp://127.0.0.1:0");

    auto opts = test_options();
    opts.reconnect_ivl = 20ms;
    opts.reconnect_ivl_max = 20ms;
    push_socket push(ctx, opts);
    push.connect(ep);
    push.send(zmtp::message("x"));
    std::error_code ec;
    CHECK(recv_parts(pull, ec) == std::vector<std::string>{"x"});
    REQUIRE(pull_log->wait_count(kind::accepted, 1));

    push.disconnect(ep, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(pull_log->wait_count(kind::disconnected, 1));
    // A window of many reconnect intervals: no new connection (absence check).
    CHECK_FALSE(pull_log->wait_count(kind::accepted, 2, 1000ms));

    // The pipe went with the endpoint: nothing to send to.
    zmtp::message m("after");
    CHECK_FALSE(push.try_send(m));
    // Disconnecting an unknown endpoint is an error.
    push.disconnect(ep, ec);
    CHECK(ec == transport_error::unknown_endpoint);
}

TEST_CASE("connector: connect to an unresolvable or malformed endpoint", "[connector]")
{
    context ctx;
    push_socket push(ctx, test_options());
    std::error_code ec;
    push.connect("tcp://127.0.0.1", ec);
    CHECK(ec == transport_error::malformed_endpoint);
    push.connect("udp://127.0.0.1:1", ec);
    CHECK(ec == transport_error::unsupported_transport);
    CHECK_THROWS_AS(push.connect("nonsense"), std::system_error);

    // A name that does not resolve is accepted (resolution happens at every
    // attempt) and reported through connect_retried.
    auto push_log = event_log::attach(push);
    push.connect("tcp://no-such-host.invalid:5555", ec);
    CHECK_FALSE(ec);
    const auto ev = push_log->wait_nth(kind::connect_retried);
    REQUIRE(ev);
    CHECK(ev->reason);
    CHECK(ev->endpoint == "tcp://no-such-host.invalid:5555");
}

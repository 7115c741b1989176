// SPDX-License-Identifier: MIT
// STREAM against plain TCP peers (asio sockets in the test, no ZeroMQ):
// connect and disconnect notices, raw bytes both ways, closing a peer with
// [id, empty], an unknown id, a peer that never reads, stream_notify off,
// and the transports it refuses.

#include "spec_support.hpp"

#include "transport/endpoint.hpp"

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

#include <thread>

using namespace zmtp_test;
using namespace std::chrono_literals;
using asio::ip::tcp;
using zmtp::stream_socket;

namespace {

tcp::endpoint endpoint_of(const std::string& ep)
{
    const auto colon = ep.rfind(':');
    return {asio::ip::make_address("127.0.0.1"),
            static_cast<unsigned short>(std::stoi(ep.substr(colon + 1)))};
}

/// Receives from `s` until `want` bytes of data from `id` arrived (reads may split).
std::string recv_bytes(stream_socket& s, const std::string& id, std::size_t want)
{
    std::string got;
    while (got.size() < want) {
        const auto m = s.recv();
        REQUIRE(m.size() == 2);
        CHECK(m[0].to_string() == id);
        REQUIRE(m[1].size() != 0); // not a disconnect notice
        got += m[1].to_string();
    }
    return got;
}

} // namespace

TEST_CASE("STREAM: a plain TCP client is announced, talked to and closed", "[stream]")
{
    context ctx;
    stream_socket server(ctx, test_options());
    const auto ep = server.bind("tcp://127.0.0.1:0");
    asio::io_context io;
    tcp::socket client(io);
    client.connect(endpoint_of(ep));

    auto hello = server.recv(); // [id, ""]: a new connection
    REQUIRE(hello.size() == 2);
    const std::string id = hello[0].to_string();
    CHECK(hello[1].size() == 0);

    const std::string request = "GET / HTTP/1.0\r\n\r\n";
    asio::write(client, asio::buffer(request));
    CHECK(recv_bytes(server, id, request.size()) == request);

    const std::string reply = "HTTP/1.0 200 OK\r\n\r\nhello";
    server.send({id, reply});
    std::string got(reply.size(), '\0');
    asio::read(client, asio::buffer(got));
    CHECK(got == reply);

    server.send({id, ""}); // closes that connection
    char c;
    std::error_code ec;
    client.read_some(asio::buffer(&c, 1), ec);
    CHECK(ec == asio::error::eof);
    auto bye = server.recv(); // and its end is announced
    REQUIRE(bye.size() == 2);
    CHECK(bye[0].to_string() == id);
    CHECK(bye[1].size() == 0);

    // No such peer now.
    server.send({id, "late"}, ec);
    CHECK(ec == zmtp::socket_error::host_unreachable);
    // Anything but [id, data] is refused.
    server.send({"just one frame"}, ec);
    CHECK(ec == zmtp::socket_error::invalid_argument);
}

TEST_CASE("STREAM: connecting to a plain TCP server; the server's close is announced",
          "[stream]")
{
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    context ctx;
    stream_socket s(ctx, test_options());
    s.connect("tcp://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()));
    tcp::socket peer = acceptor.accept();
    auto hello = s.recv();
    REQUIRE(hello.size() == 2);
    const std::string id = hello[0].to_string();
    s.send({id, "ping"});
    std::string got(4, '\0');
    asio::read(peer, asio::buffer(got));
    CHECK(got == "ping");
    asio::write(peer, asio::buffer(std::string("pong")));
    CHECK(recv_bytes(s, id, 4) == "pong");
    peer.close();
    auto bye = s.recv();
    REQUIRE(bye.size() == 2);
    CHECK(bye[0].to_string() == id);
    CHECK(bye[1].size() == 0);
}

TEST_CASE("STREAM: a peer that never reads holds at most SNDHWM messages", "[stream]")
{
    context ctx;
    auto opts = test_options();
    opts.sndhwm = 4;
    opts.sndtimeo = 300ms;
    opts.stream_notify = false;
    stream_socket server(ctx, opts);
    const auto ep = server.bind("tcp://127.0.0.1:0");
    asio::io_context io;
    tcp::socket client(io);
    client.connect(endpoint_of(ep));
    // No notice with stream_notify off: the id comes with the first data.
    asio::write(client, asio::buffer(std::string("x")));
    const auto first = server.recv();
    REQUIRE(first.size() == 2);
    CHECK(first[1].to_string() == "x");
    const std::string id = first[0].to_string();
    // 1 MiB per message: the kernel's buffers fill, then the queue, then
    // sends wait (and time out) instead of growing memory.
    const std::string big(1 << 20, 'b');
    int sent = 0;
    for (;; ++sent) {
        std::error_code ec;
        server.send({id, big}, ec);
        if (ec) {
            CHECK(ec == zmtp::socket_error::timed_out);
            break;
        }
        REQUIRE(sent < 200); // a bound exists
    }
    CHECK(sent >= 4);
}

TEST_CASE("STREAM: inproc is refused (raw bytes need a byte stream)", "[stream]")
{
    context ctx;
    stream_socket s(ctx, test_options());
    std::error_code ec;
    s.bind(fresh_inproc("stream"), ec);
    CHECK(ec == zmtp::transport::transport_error::unsupported_transport);
    s.connect(fresh_inproc("stream"), ec);
    CHECK(ec == zmtp::transport::transport_error::unsupported_transport);
}

TEST_CASE("STREAM: a peer that sends and is never read is held back by TCP", "[stream]")
{
    context ctx;
    auto opts = test_options();
    opts.rcvhwm = 4;
    opts.stream_notify = false;
    stream_socket server(ctx, opts);
    const auto ep = server.bind("tcp://127.0.0.1:0");
    asio::io_context io;
    tcp::socket client(io);
    client.connect(endpoint_of(ep));
    client.non_blocking(true);
    // The server reads 4 x 64 KiB and stops: the kernel's buffers fill and
    // the client's writes would block, long before it has sent 256 MiB.
    const std::string chunk(1 << 20, 'c');
    std::size_t sent = 0;
    const auto deadline = std::chrono::steady_clock::now() + generous;
    for (;;) {
        std::error_code ec;
        const auto n = client.write_some(asio::buffer(chunk), ec);
        sent += n;
        if (ec == asio::error::would_block) {
            // Blocked now; stays blocked once the server has read its fill.
            if (std::chrono::steady_clock::now() > deadline)
                break;
            std::this_thread::sleep_for(50ms); // pacing, not a synchronisation
            const auto probe = client.write_some(asio::buffer(chunk, 1), ec);
            sent += probe;
            if (probe == 0 && ec == asio::error::would_block)
                break;
            continue;
        }
        REQUIRE_FALSE(ec);
        REQUIRE(sent < (std::size_t{256} << 20));
    }
    CHECK(sent < (std::size_t{256} << 20));
    // And everything still arrives once read.
    std::size_t got = 0;
    while (got < sent) {
        const auto m = server.recv();
        got += m[1].size();
    }
    CHECK(got == sent);
}

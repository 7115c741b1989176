// SPDX-License-Identifier: MIT
// remote_lat_async <connect-to> <message-size> <roundtrip-count>: remote_lat
// (REQ) as a coroutine on the socket's executor, co_awaiting every send and
// receive. Prints the one-way latency as libzmq's perf/remote_lat.
#include "bench_async.hpp"

namespace {

asio::awaitable<void> ping(zmtp::req_socket& s, std::size_t size,
                           unsigned long long roundtrips)
{
    // As libzmq's tool, the reply goes out again as the next request.
    zmtp::message m{zmtp::frame(size)};
    const auto start = bench::clock::now();
    for (unsigned long long i = 0; i < roundtrips; ++i) {
        auto [sent] = co_await s.async_send(std::move(m), bench::as_tuple(bench::use_awaitable));
        if (sent)
            bench::fail(sent.message().c_str());
        auto [ec, reply] = co_await s.async_recv(bench::as_tuple(bench::use_awaitable));
        if (ec)
            bench::fail(ec.message().c_str());
        m = std::move(reply);
        if (m.size() != 1 || m[0].size() != size)
            bench::fail("message of incorrect size received");
    }
    bench::print_latency(size, roundtrips, bench::elapsed_us(start));
}

} // namespace

int main(int argc, char** argv)
{
    const char* usage = "usage: remote_lat_async <connect-to> <message-size> <roundtrip-count>";
    if (argc != 4)
        bench::fail(usage);
    const std::size_t size = bench::parse_count(argv[2], usage);
    const auto roundtrips = bench::parse_count(argv[3], usage);

    zmtp::context ctx;
    zmtp::req_socket s(ctx);
    s.connect(argv[1]);
    bench::run_on(s, ping(s, size, roundtrips));
    return 0;
}

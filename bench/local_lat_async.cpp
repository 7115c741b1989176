// SPDX-License-Identifier: MIT
// local_lat_async <bind-to> <message-size> <roundtrip-count>: local_lat (REP)
// as a coroutine on the socket's executor, co_awaiting every receive and send.
#include "bench_async.hpp"

namespace {

asio::awaitable<void> echo(zmtp::rep_socket& s, std::size_t size,
                           unsigned long long roundtrips)
{
    for (unsigned long long i = 0; i < roundtrips; ++i) {
        auto [ec, m] = co_await s.async_recv(bench::as_tuple(bench::use_awaitable));
        if (ec)
            bench::fail(ec.message().c_str());
        if (m.size() != 1 || m[0].size() != size)
            bench::fail("message of incorrect size received");
        auto [sent] = co_await s.async_send(std::move(m), bench::as_tuple(bench::use_awaitable));
        if (sent)
            bench::fail(sent.message().c_str());
    }
}

} // namespace

int main(int argc, char** argv)
{
    const char* usage = "usage: local_lat_async <bind-to> <message-size> <roundtrip-count>";
    if (argc != 4)
        bench::fail(usage);
    const std::size_t size = bench::parse_count(argv[2], usage);
    const auto roundtrips = bench::parse_count(argv[3], usage);

    zmtp::context ctx;
    zmtp::socket_options opts;
    opts.linger = std::chrono::milliseconds(-1);
    zmtp::rep_socket s(ctx, opts);
    s.bind(argv[1]);
    bench::run_on(s, echo(s, size, roundtrips));
    s.close();
    return 0;
}

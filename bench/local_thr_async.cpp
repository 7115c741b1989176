// SPDX-License-Identifier: MIT
// local_thr_async <bind-to> <message-size> <message-count> [try|await]:
// local_thr on the asynchronous API (see bench_async.hpp for the modes).
#include "bench_async.hpp"

namespace {

asio::awaitable<void> receive(zmtp::pull_socket& s, std::size_t size,
                              unsigned long long count, bool await_only)
{
    bench::clock::time_point start;
    zmtp::message m;
    for (unsigned long long i = 0; i < count; ++i) {
        if (await_only || !s.try_recv(m)) {
            auto [ec, msg] = co_await s.async_recv(bench::as_tuple(bench::use_awaitable));
            if (ec)
                bench::fail(ec.message().c_str());
            m = std::move(msg);
        }
        if (m.size() != 1 || m[0].size() != size)
            bench::fail("message of incorrect size received");
        if (i == 0)
            start = bench::clock::now();
    }
    if (count)
        bench::print_throughput(size, count, bench::elapsed_us(start));
}

} // namespace

int main(int argc, char** argv)
{
    const char* usage = "usage: local_thr_async <bind-to> <message-size> <message-count> [try|await]";
    if (argc != 4 && argc != 5)
        bench::fail(usage);
    const std::size_t size = bench::parse_count(argv[2], usage);
    const auto count = bench::parse_count(argv[3], usage);
    const bool await_only = bench::await_mode(argc, argv, usage);

    zmtp::context ctx;
    zmtp::pull_socket s(ctx);
    s.bind(argv[1]);
    bench::run_on(s, receive(s, size, count, await_only));
    return 0;
}

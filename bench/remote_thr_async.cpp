// SPDX-License-Identifier: MIT
// remote_thr_async <connect-to> <message-size> <message-count> [try|await]:
// remote_thr on the asynchronous API (see bench_async.hpp for the modes).
#include "bench_async.hpp"

namespace {

asio::awaitable<void> transmit(zmtp::push_socket& s, std::size_t size,
                               unsigned long long count, bool await_only)
{
    for (unsigned long long i = 0; i < count; ++i) {
        zmtp::message m{zmtp::frame(size)};
        if (!await_only && s.try_send(m))
            continue;
        auto [ec] = co_await s.async_send(std::move(m), bench::as_tuple(bench::use_awaitable));
        if (ec)
            bench::fail(ec.message().c_str());
    }
}

} // namespace

int main(int argc, char** argv)
{
    const char* usage = "usage: remote_thr_async <connect-to> <message-size> <message-count> [try|await]";
    if (argc != 4 && argc != 5)
        bench::fail(usage);
    const std::size_t size = bench::parse_count(argv[2], usage);
    const auto count = bench::parse_count(argv[3], usage);
    const bool await_only = bench::await_mode(argc, argv, usage);

    zmtp::context ctx;
    zmtp::socket_options opts;
    opts.linger = std::chrono::milliseconds(-1);
    zmtp::push_socket s(ctx, opts);
    s.connect(argv[1]);
    bench::run_on(s, transmit(s, size, count, await_only));
    s.close(); // from main, not the socket's thread: waits until all is delivered
    return 0;
}

// SPDX-License-Identifier: MIT
// pub_fanout_async <bind-to> <message-size> <message-count> <subscribers> [nodrop|drop]
//
// pub_fanout (see there for the method) with the publishing loop as a
// coroutine on the socket's executor: try_send, falling back to
// `co_await async_send` when it returns false (nodrop: a subscriber is full).
#include "bench_async.hpp"

namespace {

asio::awaitable<void> publish(zmtp::xpub_socket& pub, std::size_t size,
                              unsigned long long count, unsigned long long subscribers)
{
    auto [waited] = co_await pub.async_wait_for_peers(subscribers, bench::as_tuple(bench::use_awaitable));
    if (waited)
        bench::fail(waited.message().c_str());
    for (unsigned long long n = 0; n < subscribers;) {
        auto [ec, m] = co_await pub.async_recv(bench::as_tuple(bench::use_awaitable));
        if (ec)
            bench::fail(ec.message().c_str());
        if (m.size() == 1 && m[0].size() == 1 && m[0].data()[0] == std::byte{1})
            ++n;
    }

    const auto start = bench::clock::now();
    for (unsigned long long i = 0; i < count; ++i) {
        zmtp::message m{zmtp::frame(size)};
        if (pub.try_send(m))
            continue;
        auto [ec] = co_await pub.async_send(std::move(m), bench::as_tuple(bench::use_awaitable));
        if (ec)
            bench::fail(ec.message().c_str());
    }
    const double elapsed = bench::elapsed_us(start);
    std::printf("subscribers: %llu\n", subscribers);
    std::printf("publish rate: %d [msg/s]\n",
                static_cast<int>(elapsed > 0 ? static_cast<double>(count) / elapsed * 1e6 : 0));
    std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv)
{
    const char* usage =
        "usage: pub_fanout_async <bind-to> <message-size> <message-count> <subscribers> [nodrop|drop]";
    if (argc != 5 && argc != 6)
        bench::fail(usage);
    const std::size_t size = bench::parse_count(argv[2], usage);
    const auto count = bench::parse_count(argv[3], usage);
    const auto subscribers = bench::parse_count(argv[4], usage);
    bool nodrop = true;
    if (argc == 6) {
        if (std::strcmp(argv[5], "drop") == 0)
            nodrop = false;
        else if (std::strcmp(argv[5], "nodrop") != 0)
            bench::fail(usage);
    }
    bench::raise_fd_limit(subscribers + 64);

    zmtp::context ctx;
    zmtp::socket_options opts;
    opts.xpub_verbose = true;
    opts.xpub_nodrop = nodrop;
    opts.linger = std::chrono::milliseconds(-1);
    zmtp::xpub_socket pub(ctx, opts);
    pub.bind(argv[1]);
    bench::run_on(pub, publish(pub, size, count, subscribers));
    pub.close();
    return 0;
}

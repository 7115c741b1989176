// SPDX-License-Identifier: MIT
// inproc_thr <message-size> <message-count> [blocking|async]: throughput
// over inproc://, after libzmq's perf/inproc_thr -- two threads of one
// process, a PULL bound and a PUSH connected, the stopwatch started at the
// first message received. "blocking": the PUSH sends from a thread of its
// own and the PULL receives on the main thread, both with the blocking API.
// "async": both loops are coroutines on their sockets' executors (try_*
// first, co_await when that would block), as in bench_async.hpp.
#include "bench_async.hpp"

#include <thread>

namespace {

void check(const zmtp::message& m, std::size_t size)
{
    if (m.size() != 1 || m[0].size() != size)
        bench::fail("message of incorrect size received");
}

asio::awaitable<void> transmit(zmtp::push_socket& s, std::size_t size, unsigned long long count)
{
    for (unsigned long long i = 0; i < count; ++i) {
        zmtp::message m{zmtp::frame(size)};
        if (s.try_send(m))
            continue;
        auto [ec] = co_await s.async_send(std::move(m), bench::as_tuple(bench::use_awaitable));
        if (ec)
            bench::fail(ec.message().c_str());
    }
}

asio::awaitable<void> receive(zmtp::pull_socket& s, std::size_t size, unsigned long long count)
{
    bench::clock::time_point start;
    zmtp::message m;
    for (unsigned long long i = 0; i < count; ++i) {
        if (!s.try_recv(m)) {
            auto [ec, msg] = co_await s.async_recv(bench::as_tuple(bench::use_awaitable));
            if (ec)
                bench::fail(ec.message().c_str());
            m = std::move(msg);
        }
        check(m, size);
        if (i == 0)
            start = bench::clock::now();
    }
    if (count)
        bench::print_throughput(size, count, bench::elapsed_us(start));
}

} // namespace

int main(int argc, char** argv)
{
    const char* usage = "usage: inproc_thr <message-size> <message-count> [blocking|async]";
    const bool async = bench::async_mode(argc, argv, usage);
    const std::size_t size = bench::parse_count(argv[1], usage);
    const auto count = bench::parse_count(argv[2], usage);

    zmtp::context ctx;
    zmtp::pull_socket pull(ctx);
    pull.bind("inproc://thr_test");
    zmtp::socket_options opts;
    opts.linger = std::chrono::milliseconds(-1);
    zmtp::push_socket push(ctx, opts);
    push.connect("inproc://thr_test");

    if (async) {
        std::promise<void> sent;
        asio::co_spawn(push.get_executor(), transmit(push, size, count),
                       [&sent](std::exception_ptr) { sent.set_value(); });
        bench::run_on(pull, receive(pull, size, count));
        sent.get_future().wait();
        return 0;
    }
    std::thread sender([&] {
        for (unsigned long long i = 0; i < count; ++i)
            push.send(zmtp::message{zmtp::frame(size)});
    });
    if (count != 0) {
        check(pull.recv(), size);
        const auto start = bench::clock::now();
        for (unsigned long long i = 1; i < count; ++i)
            check(pull.recv(), size);
        bench::print_throughput(size, count, bench::elapsed_us(start));
    }
    sender.join();
    return 0;
}

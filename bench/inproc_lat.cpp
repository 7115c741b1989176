// SPDX-License-Identifier: MIT
// inproc_lat <message-size> <roundtrip-count> [blocking|async]: latency
// over inproc://, after libzmq's perf/inproc_lat -- a REQ bound on the main
// thread, a REP connected that echoes; one-way latency = elapsed / (2 x
// roundtrips). "blocking": the REP echoes on a thread of its own, both
// with the blocking API. "async": both loops are coroutines on their
// sockets' executors.
#include "bench_async.hpp"

#include <thread>

namespace {

void check(const zmtp::message& m, std::size_t size)
{
    if (m.size() != 1 || m[0].size() != size)
        bench::fail("message of incorrect size received");
}

asio::awaitable<void> echo(zmtp::rep_socket& s, std::size_t size, unsigned long long count)
{
    for (unsigned long long i = 0; i < count; ++i) {
        auto [ec, m] = co_await s.async_recv(bench::as_tuple(bench::use_awaitable));
        if (ec)
            bench::fail(ec.message().c_str());
        check(m, size);
        auto [ec2] = co_await s.async_send(std::move(m), bench::as_tuple(bench::use_awaitable));
        if (ec2)
            bench::fail(ec2.message().c_str());
    }
}

asio::awaitable<void> ask(zmtp::req_socket& s, std::size_t size, unsigned long long count)
{
    const auto start = bench::clock::now();
    for (unsigned long long i = 0; i < count; ++i) {
        auto [ec] = co_await s.async_send(zmtp::message{zmtp::frame(size)},
                                          bench::as_tuple(bench::use_awaitable));
        if (ec)
            bench::fail(ec.message().c_str());
        auto [ec2, m] = co_await s.async_recv(bench::as_tuple(bench::use_awaitable));
        if (ec2)
            bench::fail(ec2.message().c_str());
        check(m, size);
    }
    bench::print_latency(size, count, bench::elapsed_us(start));
}

} // namespace

int main(int argc, char** argv)
{
    const char* usage = "usage: inproc_lat <message-size> <roundtrip-count> [blocking|async]";
    const bool async = bench::async_mode(argc, argv, usage);
    const std::size_t size = bench::parse_count(argv[1], usage);
    const auto count = bench::parse_count(argv[2], usage);

    zmtp::context ctx;
    zmtp::req_socket req(ctx);
    req.bind("inproc://lat_test");
    zmtp::rep_socket rep(ctx);
    rep.connect("inproc://lat_test");

    if (async) {
        std::promise<void> echoed;
        asio::co_spawn(rep.get_executor(), echo(rep, size, count),
                       [&echoed](std::exception_ptr) { echoed.set_value(); });
        bench::run_on(req, ask(req, size, count));
        echoed.get_future().wait();
        return 0;
    }
    std::thread echoer([&] {
        for (unsigned long long i = 0; i < count; ++i) {
            auto m = rep.recv();
            check(m, size);
            rep.send(std::move(m));
        }
    });
    const auto start = bench::clock::now();
    for (unsigned long long i = 0; i < count; ++i) {
        req.send(zmtp::message{zmtp::frame(size)});
        check(req.recv(), size);
    }
    bench::print_latency(size, count, bench::elapsed_us(start));
    echoer.join();
    return 0;
}

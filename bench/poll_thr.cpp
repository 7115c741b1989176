// SPDX-License-Identifier: MIT
// poll_thr <idle-sockets> <message-count>: the cost of polling per message.
// A PULL (busy) and <idle-sockets> PULLs that never receive anything are
// polled together by the main thread, which takes one message per poll()
// (as a zmq_poll loop does: poll, recv, poll ...); a PUSH on another thread
// sends <message-count> 16-byte messages to the busy one over inproc://.
// Prints libzmq's local_thr lines, and the CPU time per message.
#include "bench_common.hpp"
#include <zmtp.hpp>

#include <sys/resource.h>

#include <memory>
#include <thread>
#include <vector>

int main(int argc, char** argv)
{
    const char* usage = "usage: poll_thr <idle-sockets> <message-count>";
    if (argc != 3)
        bench::fail(usage);
    const auto idle = bench::parse_count(argv[1], usage);
    const auto count = bench::parse_count(argv[2], usage);

    zmtp::context ctx;
    std::vector<std::unique_ptr<zmtp::pull_socket>> sockets;
    std::vector<zmtp::poll_item> items;
    for (unsigned long long i = 0; i <= idle; ++i) {
        sockets.push_back(std::make_unique<zmtp::pull_socket>(ctx));
        sockets.back()->bind("inproc://poll-" + std::to_string(i));
    }
    for (auto& s : sockets)
        items.push_back({s.get(), -1, zmtp::poll_in});
    zmtp::socket_options opts;
    opts.linger = std::chrono::milliseconds(-1);
    zmtp::push_socket push(ctx, opts);
    push.connect("inproc://poll-" + std::to_string(idle)); // the last one is busy
    std::thread sender([&] {
        for (unsigned long long i = 0; i < count; ++i)
            push.send(zmtp::message{zmtp::frame(16)});
    });
    rusage before{};
    getrusage(RUSAGE_THREAD, &before);
    bench::clock::time_point start;
    zmtp::message m;
    for (unsigned long long got = 0; got < count;) {
        zmtp::poll(items);
        if ((items.back().revents & zmtp::poll_in) && sockets.back()->try_recv(m)) {
            if (got++ == 0)
                start = bench::clock::now();
        }
    }
    const double elapsed = bench::elapsed_us(start);
    rusage after{};
    getrusage(RUSAGE_THREAD, &after);
    sender.join();
    bench::print_throughput(16, count, elapsed);
    const auto us = [](const timeval& t) { return t.tv_sec * 1e6 + t.tv_usec; };
    const double cpu = us(after.ru_utime) - us(before.ru_utime) + us(after.ru_stime) - us(before.ru_stime);
    std::printf("polling thread CPU: %.3f [us/msg]\n", count ? cpu / static_cast<double>(count) : 0.0);
    return 0;
}

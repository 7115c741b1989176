// SPDX-License-Identifier: MIT
// local_thr <bind-to> <message-size> <message-count>: PULL side of the
// throughput test, with the output format of libzmq's perf/local_thr.
#include "patterns/socket.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv)
{
    if (argc != 4) {
        std::fprintf(stderr, "usage: local_thr <bind-to> <message-size> <message-count>\n");
        return 1;
    }
    const std::size_t size = std::strtoull(argv[2], nullptr, 10);
    const long count = std::atol(argv[3]);
    zmtp::patterns::context ctx;
    zmtp::patterns::pull_socket s(ctx);
    s.bind(argv[1]);

    auto check = [&](const zmtp::message& m) {
        if (m.size() != 1 || m[0].size() != size) {
            std::fprintf(stderr, "message of incorrect size received\n");
            std::exit(1);
        }
    };
    check(s.recv());
    const auto start = std::chrono::steady_clock::now();
    for (long i = 1; i < count; ++i)
        check(s.recv());
    const auto elapsed = std::chrono::duration<double, std::micro>(
                             std::chrono::steady_clock::now() - start)
                             .count();
    const double throughput = count / elapsed * 1e6;
    const double megabits = throughput * static_cast<double>(size) * 8 / 1e6;
    std::printf("message size: %zu [B]\n", size);
    std::printf("message count: %ld\n", count);
    std::printf("mean throughput: %d [msg/s]\n", static_cast<int>(throughput));
    std::printf("mean throughput: %.3f [Mb/s]\n", megabits);
    return 0;
}

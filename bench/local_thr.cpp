// SPDX-License-Identifier: MIT
// local_thr <bind-to> <message-size> <message-count>: the PULL side of the
// throughput test on the blocking API, with the output of libzmq's
// perf/local_thr (the stopwatch starts at the first message, as there).
#include "bench_common.hpp"
#include <zmtp.hpp>

int main(int argc, char** argv)
{
    const char* usage = "usage: local_thr <bind-to> <message-size> <message-count> [--curve]";
    const bool curve = bench::take_curve_flag(argc, argv);
    if (argc != 4)
        bench::fail(usage);
    const std::size_t size = bench::parse_count(argv[2], usage);
    const auto count = bench::parse_count(argv[3], usage);

    zmtp::context ctx;
    zmtp::socket_options opts;
    if (curve) {
        opts.curve_server = true;
        opts.curve_secretkey = zmtp::parse_curve_key(bench::curve_server_secret);
    }
    zmtp::pull_socket s(ctx, opts);
    s.bind(argv[1]);

    auto check = [size](const zmtp::message& m) {
        if (m.size() != 1 || m[0].size() != size)
            bench::fail("message of incorrect size received");
    };
    if (count == 0)
        return 0;
    check(s.recv());
    const auto start = bench::clock::now();
    for (unsigned long long i = 1; i < count; ++i)
        check(s.recv());
    bench::print_throughput(size, count, bench::elapsed_us(start));
    return 0;
}

// SPDX-License-Identifier: MIT
// local_lat <bind-to> <message-size> <roundtrip-count>: the REP side of the
// latency test on the blocking API: echoes every request, as libzmq's
// perf/local_lat.
#include "bench_common.hpp"
#include <zmtp.hpp>

int main(int argc, char** argv)
{
    const char* usage = "usage: local_lat <bind-to> <message-size> <roundtrip-count> [--curve]";
    const bool curve = bench::take_curve_flag(argc, argv);
    if (argc != 4)
        bench::fail(usage);
    const std::size_t size = bench::parse_count(argv[2], usage);
    const auto roundtrips = bench::parse_count(argv[3], usage);

    zmtp::context ctx;
    zmtp::socket_options opts;
    opts.linger = std::chrono::milliseconds(-1); // the last reply must go out
    if (curve) {
        opts.curve_server = true;
        opts.curve_secretkey = zmtp::parse_curve_key(bench::curve_server_secret);
    }
    zmtp::rep_socket s(ctx, opts);
    s.bind(argv[1]);
    for (unsigned long long i = 0; i < roundtrips; ++i) {
        zmtp::message m = s.recv();
        if (m.size() != 1 || m[0].size() != size)
            bench::fail("message of incorrect size received");
        s.send(std::move(m));
    }
    s.close();
    return 0;
}

// SPDX-License-Identifier: MIT
// remote_thr <connect-to> <message-size> <message-count>: the PUSH side of
// the throughput test on the blocking API, as libzmq's perf/remote_thr
// (bodies left uninitialised, linger forever so everything is delivered).
#include "bench_common.hpp"
#include <zmtp.hpp>

int main(int argc, char** argv)
{
    const char* usage = "usage: remote_thr <connect-to> <message-size> <message-count> [--curve]";
    const bool curve = bench::take_curve_flag(argc, argv);
    if (argc != 4)
        bench::fail(usage);
    const std::size_t size = bench::parse_count(argv[2], usage);
    const auto count = bench::parse_count(argv[3], usage);

    zmtp::context ctx;
    zmtp::socket_options opts;
    opts.linger = std::chrono::milliseconds(-1);
    if (curve) {
        opts.curve_serverkey = zmtp::parse_curve_key(bench::curve_server_public);
        opts.curve_publickey = zmtp::parse_curve_key(bench::curve_client_public);
        opts.curve_secretkey = zmtp::parse_curve_key(bench::curve_client_secret);
    }
    zmtp::push_socket s(ctx, opts);
    s.connect(argv[1]);
    for (unsigned long long i = 0; i < count; ++i)
        s.send(zmtp::message(zmtp::frame(size)));
    s.close();
    return 0;
}

// SPDX-License-Identifier: MIT
// remote_lat <connect-to> <message-size> <roundtrip-count>: the REQ side of
// the latency test on the blocking API. Prints the one-way latency,
// elapsed / (2 * roundtrips), as libzmq's perf/remote_lat.
#include "bench_common.hpp"
#include <zmtp.hpp>

int main(int argc, char** argv)
{
    const char* usage = "usage: remote_lat <connect-to> <message-size> <roundtrip-count> [--curve]";
    const bool curve = bench::take_curve_flag(argc, argv);
    if (argc != 4)
        bench::fail(usage);
    const std::size_t size = bench::parse_count(argv[2], usage);
    const auto roundtrips = bench::parse_count(argv[3], usage);

    zmtp::context ctx;
    zmtp::socket_options opts;
    if (curve) {
        opts.curve_serverkey = zmtp::parse_curve_key(bench::curve_server_public);
        opts.curve_publickey = zmtp::parse_curve_key(bench::curve_client_public);
        opts.curve_secretkey = zmtp::parse_curve_key(bench::curve_client_secret);
    }
    zmtp::req_socket s(ctx, opts);
    s.connect(argv[1]);
    // As libzmq's tool, the reply goes out again as the next request.
    zmtp::message m{zmtp::frame(size)};
    const auto start = bench::clock::now();
    for (unsigned long long i = 0; i < roundtrips; ++i) {
        s.send(std::move(m));
        m = s.recv();
        if (m.size() != 1 || m[0].size() != size)
            bench::fail("message of incorrect size received");
    }
    bench::print_latency(size, roundtrips, bench::elapsed_us(start));
    return 0;
}

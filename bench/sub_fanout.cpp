// SPDX-License-Identifier: MIT
// sub_fanout <connect-to> <message-size> <message-count> [silence-ms]
//
// One subscriber of the fan-out test: subscribes to everything, receives
// `message-count` messages and prints local_thr's lines (stopwatch from
// the first message to the last). With silence-ms (for the publisher's
// "drop" mode) it also stops once no message came for that long after the
// first one, and reports what it got.
#include "bench_common.hpp"
#include <zmtp.hpp>

int main(int argc, char** argv)
{
    const char* usage = "usage: sub_fanout <connect-to> <message-size> <message-count> [silence-ms]";
    if (argc != 4 && argc != 5)
        bench::fail(usage);
    const std::size_t size = bench::parse_count(argv[2], usage);
    const auto count = bench::parse_count(argv[3], usage);
    const auto silence = argc == 5 ? bench::parse_count(argv[4], usage) : 0;

    zmtp::context ctx;
    zmtp::sub_socket s(ctx);
    s.subscribe("");
    s.connect(argv[1]);

    unsigned long long received = 0;
    bench::clock::time_point start, last;
    while (received < count) {
        std::error_code ec;
        const zmtp::message m = s.recv(ec);
        if (ec)
            break; // silence after the first message (drop mode)
        if (m.size() != 1 || m[0].size() != size)
            bench::fail("message of incorrect size received");
        last = bench::clock::now();
        if (received++ == 0) {
            start = last;
            if (silence) {
                auto o = s.options();
                o.rcvtimeo = std::chrono::milliseconds(silence);
                s.set_options(o);
            }
        }
    }
    bench::print_throughput(size, received,
                            std::chrono::duration<double, std::micro>(last - start).count());
    return 0;
}

// SPDX-License-Identifier: MIT
// remote_thr <connect-to> <message-size> <message-count>: PUSH side of the
// throughput test, as libzmq's perf/remote_thr.
#include "patterns/socket.hpp"

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv)
{
    if (argc != 4) {
        std::fprintf(stderr, "usage: remote_thr <connect-to> <message-size> <message-count>\n");
        return 1;
    }
    const std::size_t size = std::strtoull(argv[2], nullptr, 10);
    const long count = std::atol(argv[3]);
    zmtp::patterns::context ctx;
    zmtp::patterns::socket_options opts;
    opts.linger = std::chrono::milliseconds(-1); // deliver everything, as libzmq's tool does
    zmtp::patterns::push_socket s(ctx, opts);
    s.connect(argv[1]);
    for (long i = 0; i < count; ++i)
        s.send(zmtp::message(zmtp::frame(size)));
    s.close();
    return 0;
}

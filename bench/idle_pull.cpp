// SPDX-License-Identifier: MIT
// idle_pull <bind-to> <connections>
//
// The measured side of the idle-connection memory test: one PULL socket
// binds, idle_peers opens `connections` connections to it and sends one
// message on each; once all those messages are in (every connection is up
// and handshaken), this prints the process's resident set size before and
// after, and the difference per connection.
#include "bench_common.hpp"
#include <zmtp.hpp>

int main(int argc, char** argv)
{
    const char* usage = "usage: idle_pull <bind-to> <connections>";
    if (argc != 3)
        bench::fail(usage);
    const auto n = bench::parse_count(argv[2], usage);
    if (bench::raise_fd_limit(n + 256) < n + 32)
        bench::fail("idle_pull: RLIMIT_NOFILE hard limit too low for that many connections");

    zmtp::context ctx;
    zmtp::socket_options opts;
    opts.backlog = 1024;
    zmtp::pull_socket s(ctx, opts);
    s.bind(argv[1]);
    const long before = bench::rss_kib();
    for (unsigned long long i = 0; i < n; ++i)
        s.recv();
    const long after = bench::rss_kib();
    std::printf("connections: %llu\n", n);
    std::printf("rss before: %ld [KiB]\n", before);
    std::printf("rss after: %ld [KiB]\n", after);
    std::printf("rss per connection: %.0f [B]\n",
                n ? static_cast<double>(after - before) * 1024 / static_cast<double>(n) : 0.0);
    std::fflush(stdout);
    return 0;
}

/* SPDX-License-Identifier: MIT */
/* Baseline: libzmq_idle_pull <bind-to> <connections>, the measured side of
   the idle-connection memory test on libzmq's C API (as ../idle_pull.cpp):
   RSS before and after `connections` peers (../idle_peers.cpp) have each
   connected and delivered one message. */
#include "common.h"

int main(int argc, char** argv)
{
    const char* usage = "usage: libzmq_idle_pull <bind-to> <connections>";
    if (argc != 3) {
        fprintf(stderr, "%s\n", usage);
        return 1;
    }
    unsigned long long n = parse_count(argv[2], usage);
    if (raise_fd_limit(n + 256) < n + 32) {
        fprintf(stderr, "libzmq_idle_pull: RLIMIT_NOFILE hard limit too low for that many connections\n");
        return 1;
    }
    void* ctx = zmq_ctx_new();
    void* s = zmq_socket(ctx, ZMQ_PULL);
    int backlog = 1024;
    zmq_setsockopt(s, ZMQ_BACKLOG, &backlog, sizeof backlog);
    if (zmq_bind(s, argv[1]) != 0)
        die("zmq_bind");
    long before = rss_kib();
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (unsigned long long i = 0; i < n; ++i)
        if (zmq_msg_recv(&msg, s, 0) < 0)
            die("zmq_msg_recv");
    long after = rss_kib();
    printf("connections: %llu\n", n);
    printf("rss before: %ld [KiB]\n", before);
    printf("rss after: %ld [KiB]\n", after);
    printf("rss per connection: %.0f [B]\n", n ? (double)(after - before) * 1024 / (double)n : 0.0);
    fflush(stdout);
    zmq_msg_close(&msg);
    /* Exit without zmq_ctx_term: closing 10 000 pipes is not what we measure. */
    return 0;
}

/* SPDX-License-Identifier: MIT */
/* Baseline: libzmq_local_thr <bind-to> <message-size> <message-count>, the
   PULL side of the throughput test on libzmq's C API, written here after
   libzmq's perf/local_thr (same method, same output). */
#include "common.h"

int main(int argc, char** argv)
{
    const char* usage = "usage: libzmq_local_thr <bind-to> <message-size> <message-count> [--curve]";
    int curve = take_curve_flag(&argc, argv);
    if (argc != 4) {
        fprintf(stderr, "%s\n", usage);
        return 1;
    }
    size_t size = parse_count(argv[2], usage);
    unsigned long long count = parse_count(argv[3], usage);
    void* ctx = zmq_ctx_new();
    void* s = zmq_socket(ctx, ZMQ_PULL);
    if (curve)
        apply_curve(s, 1);
    if (zmq_bind(s, argv[1]) != 0)
        die("zmq_bind");
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    double start = 0;
    for (unsigned long long i = 0; i < count; ++i) {
        if (zmq_msg_recv(&msg, s, 0) < 0)
            die("zmq_msg_recv");
        if (zmq_msg_size(&msg) != size) {
            fprintf(stderr, "message of incorrect size received\n");
            return 1;
        }
        if (i == 0)
            start = now_us();
    }
    if (count)
        print_throughput(size, count, now_us() - start);
    zmq_msg_close(&msg);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}

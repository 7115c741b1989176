/* SPDX-License-Identifier: MIT */
/* Baseline: libzmq_remote_thr <connect-to> <message-size> <message-count>,
   the PUSH side of the throughput test on libzmq's C API, after libzmq's
   perf/remote_thr (uninitialised bodies, linger forever). */
#include "common.h"

int main(int argc, char** argv)
{
    const char* usage = "usage: libzmq_remote_thr <connect-to> <message-size> <message-count> [--curve]";
    int curve = take_curve_flag(&argc, argv);
    if (argc != 4) {
        fprintf(stderr, "%s\n", usage);
        return 1;
    }
    size_t size = parse_count(argv[2], usage);
    unsigned long long count = parse_count(argv[3], usage);
    void* ctx = zmq_ctx_new();
    void* s = zmq_socket(ctx, ZMQ_PUSH);
    if (curve)
        apply_curve(s, 0);
    int linger = -1;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(s, argv[1]) != 0)
        die("zmq_connect");
    for (unsigned long long i = 0; i < count; ++i) {
        zmq_msg_t msg;
        if (zmq_msg_init_size(&msg, size) != 0)
            die("zmq_msg_init_size");
        if (zmq_msg_send(&msg, s, 0) < 0)
            die("zmq_msg_send");
    }
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}

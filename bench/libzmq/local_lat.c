/* SPDX-License-Identifier: MIT */
/* Baseline: libzmq_local_lat <bind-to> <message-size> <roundtrip-count>, the
   REP side of the latency test on libzmq's C API, after libzmq's
   perf/local_lat (without its final 1 s sleep: linger -1 flushes the last
   reply at zmq_ctx_term). */
#include "common.h"

int main(int argc, char** argv)
{
    const char* usage = "usage: libzmq_local_lat <bind-to> <message-size> <roundtrip-count> [--curve]";
    int curve = take_curve_flag(&argc, argv);
    if (argc != 4) {
        fprintf(stderr, "%s\n", usage);
        return 1;
    }
    size_t size = parse_count(argv[2], usage);
    unsigned long long roundtrips = parse_count(argv[3], usage);
    void* ctx = zmq_ctx_new();
    void* s = zmq_socket(ctx, ZMQ_REP);
    if (curve)
        apply_curve(s, 1);
    if (zmq_bind(s, argv[1]) != 0)
        die("zmq_bind");
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (unsigned long long i = 0; i < roundtrips; ++i) {
        if (zmq_msg_recv(&msg, s, 0) < 0)
            die("zmq_msg_recv");
        if (zmq_msg_size(&msg) != size) {
            fprintf(stderr, "message of incorrect size received\n");
            return 1;
        }
        if (zmq_msg_send(&msg, s, 0) < 0)
            die("zmq_msg_send");
    }
    zmq_msg_close(&msg);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}

/* SPDX-License-Identifier: MIT */
/* Baseline: libzmq_remote_lat <connect-to> <message-size> <roundtrip-count>,
   the REQ side of the latency test on libzmq's C API, after libzmq's
   perf/remote_lat: one-way latency = elapsed / (2 * roundtrips). */
#include "common.h"

int main(int argc, char** argv)
{
    const char* usage = "usage: libzmq_remote_lat <connect-to> <message-size> <roundtrip-count> [--curve]";
    int curve = take_curve_flag(&argc, argv);
    if (argc != 4) {
        fprintf(stderr, "%s\n", usage);
        return 1;
    }
    size_t size = parse_count(argv[2], usage);
    unsigned long long roundtrips = parse_count(argv[3], usage);
    void* ctx = zmq_ctx_new();
    void* s = zmq_socket(ctx, ZMQ_REQ);
    if (curve)
        apply_curve(s, 0);
    if (zmq_connect(s, argv[1]) != 0)
        die("zmq_connect");
    zmq_msg_t msg;
    if (zmq_msg_init_size(&msg, size) != 0)
        die("zmq_msg_init_size");
    double start = now_us();
    for (unsigned long long i = 0; i < roundtrips; ++i) {
        if (zmq_msg_send(&msg, s, 0) < 0)
            die("zmq_msg_send");
        if (zmq_msg_recv(&msg, s, 0) < 0)
            die("zmq_msg_recv");
        if (zmq_msg_size(&msg) != size) {
            fprintf(stderr, "message of incorrect size received\n");
            return 1;
        }
    }
    print_latency(size, roundtrips, now_us() - start);
    zmq_msg_close(&msg);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}

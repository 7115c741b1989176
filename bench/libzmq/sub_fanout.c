/* SPDX-License-Identifier: MIT */
/* Baseline: libzmq_sub_fanout <connect-to> <message-size> <message-count> [silence-ms]
   One subscriber of the fan-out test on libzmq's C API (as ../sub_fanout.cpp). */
#include "common.h"

int main(int argc, char** argv)
{
    const char* usage = "usage: libzmq_sub_fanout <connect-to> <message-size> <message-count> [silence-ms]";
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "%s\n", usage);
        return 1;
    }
    size_t size = parse_count(argv[2], usage);
    unsigned long long count = parse_count(argv[3], usage);
    int silence = argc == 5 ? (int)parse_count(argv[4], usage) : 0;

    void* ctx = zmq_ctx_new();
    void* s = zmq_socket(ctx, ZMQ_SUB);
    zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
    if (zmq_connect(s, argv[1]) != 0)
        die("zmq_connect");

    zmq_msg_t msg;
    zmq_msg_init(&msg);
    unsigned long long received = 0;
    double start = 0, last = 0;
    while (received < count) {
        if (zmq_msg_recv(&msg, s, 0) < 0)
            break; /* silence after the first message (drop mode) */
        if (zmq_msg_size(&msg) != size) {
            fprintf(stderr, "message of incorrect size received\n");
            return 1;
        }
        last = now_us();
        if (received++ == 0) {
            start = last;
            if (silence)
                zmq_setsockopt(s, ZMQ_RCVTIMEO, &silence, sizeof silence);
        }
    }
    print_throughput(size, received, last - start);
    zmq_msg_close(&msg);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}

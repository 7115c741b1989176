// SPDX-License-Identifier: MIT
// Baseline: the PULL side of the throughput test on libzmq's C API,
// written here with the same output as libzmq's perf/local_thr.
#include <zmq.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char** argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: libzmq_local_thr <bind-to> <message-size> <message-count>\n");
        return 1;
    }
    size_t size = strtoull(argv[2], NULL, 10);
    long count = atol(argv[3]);
    void* ctx = zmq_init(1);
    void* s = zmq_socket(ctx, ZMQ_PULL);
    if (zmq_bind(s, argv[1]) != 0) {
        perror("zmq_bind");
        return 1;
    }
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    double start = 0;
    for (long i = 0; i < count; ++i) {
        if (zmq_recvmsg(s, &msg, 0) < 0) {
            perror("zmq_recvmsg");
            return 1;
        }
        if (zmq_msg_size(&msg) != size) {
            fprintf(stderr, "message of incorrect size received\n");
            return 1;
        }
        if (i == 0)
            start = now_us();
    }
    double elapsed = now_us() - start;
    double throughput = count / elapsed * 1e6;
    printf("message size: %zu [B]\n", size);
    printf("message count: %ld\n", count);
    printf("mean throughput: %d [msg/s]\n", (int)throughput);
    printf("mean throughput: %.3f [Mb/s]\n", throughput * size * 8 / 1e6);
    zmq_msg_close(&msg);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}

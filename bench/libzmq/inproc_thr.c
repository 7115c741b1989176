/* SPDX-License-Identifier: MIT */
/* Baseline: libzmq_inproc_thr <message-size> <message-count>, throughput
   over inproc:// on libzmq's C API, written here after libzmq's
   perf/inproc_thr (a PULL bound on the main thread, a PUSH sending from a
   second thread; the stopwatch starts at the first message received). */
#include "common.h"

#include <pthread.h>

static size_t size;
static unsigned long long count;
static void* ctx;

static void* sender(void* arg)
{
    (void)arg;
    void* s = zmq_socket(ctx, ZMQ_PUSH);
    if (zmq_connect(s, "inproc://thr_test") != 0)
        die("zmq_connect");
    for (unsigned long long i = 0; i < count; ++i) {
        zmq_msg_t msg;
        if (zmq_msg_init_size(&msg, size) != 0)
            die("zmq_msg_init_size");
        if (zmq_msg_send(&msg, s, 0) < 0)
            die("zmq_msg_send");
    }
    zmq_close(s);
    return NULL;
}

int main(int argc, char** argv)
{
    const char* usage = "usage: libzmq_inproc_thr <message-size> <message-count>";
    if (argc != 3) {
        fprintf(stderr, "%s\n", usage);
        return 1;
    }
    size = parse_count(argv[1], usage);
    count = parse_count(argv[2], usage);
    ctx = zmq_ctx_new();
    void* s = zmq_socket(ctx, ZMQ_PULL);
    if (zmq_bind(s, "inproc://thr_test") != 0)
        die("zmq_bind");
    pthread_t t;
    if (pthread_create(&t, NULL, sender, NULL) != 0)
        die("pthread_create");
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
    pthread_join(t, NULL);
    zmq_msg_close(&msg);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}

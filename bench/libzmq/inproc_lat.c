/* SPDX-License-Identifier: MIT */
/* Baseline: libzmq_inproc_lat <message-size> <roundtrip-count>, latency
   over inproc:// on libzmq's C API, written here after libzmq's
   perf/inproc_lat (a REQ bound on the main thread, a REP echoing on a
   second; one-way latency = elapsed / (2 x roundtrips)). */
#include "common.h"

#include <pthread.h>

static size_t size;
static unsigned long long count;
static void* ctx;

static void* echoer(void* arg)
{
    (void)arg;
    void* s = zmq_socket(ctx, ZMQ_REP);
    if (zmq_connect(s, "inproc://lat_test") != 0)
        die("zmq_connect");
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (unsigned long long i = 0; i < count; ++i) {
        if (zmq_msg_recv(&msg, s, 0) < 0)
            die("zmq_msg_recv");
        if (zmq_msg_send(&msg, s, 0) < 0)
            die("zmq_msg_send");
    }
    zmq_msg_close(&msg);
    zmq_close(s);
    return NULL;
}

int main(int argc, char** argv)
{
    const char* usage = "usage: libzmq_inproc_lat <message-size> <roundtrip-count>";
    if (argc != 3) {
        fprintf(stderr, "%s\n", usage);
        return 1;
    }
    size = parse_count(argv[1], usage);
    count = parse_count(argv[2], usage);
    ctx = zmq_ctx_new();
    void* s = zmq_socket(ctx, ZMQ_REQ);
    if (zmq_bind(s, "inproc://lat_test") != 0)
        die("zmq_bind");
    pthread_t t;
    if (pthread_create(&t, NULL, echoer, NULL) != 0)
        die("pthread_create");
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    double start = now_us();
    for (unsigned long long i = 0; i < count; ++i) {
        zmq_msg_t out;
        if (zmq_msg_init_size(&out, size) != 0)
            die("zmq_msg_init_size");
        if (zmq_msg_send(&out, s, 0) < 0)
            die("zmq_msg_send");
        if (zmq_msg_recv(&msg, s, 0) < 0)
            die("zmq_msg_recv");
        if (zmq_msg_size(&msg) != size) {
            fprintf(stderr, "message of incorrect size received\n");
            return 1;
        }
    }
    print_latency(size, count, now_us() - start);
    pthread_join(t, NULL);
    zmq_msg_close(&msg);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}

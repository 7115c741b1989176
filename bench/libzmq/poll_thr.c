/* SPDX-License-Identifier: MIT */
/* Baseline: libzmq_poll_thr <idle-sockets> <message-count>, the same test as
   bench/poll_thr.cpp on libzmq's C API: zmq_poll over a busy PULL and
   <idle-sockets> idle ones, one message taken per zmq_poll, a PUSH sending
   16-byte messages from a second thread over inproc://. */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include "common.h"

#include <pthread.h>
#include <sys/resource.h>

static unsigned long long count;
static unsigned long long idle;
static void* ctx;

static void* sender(void* arg)
{
    (void)arg;
    void* s = zmq_socket(ctx, ZMQ_PUSH);
    char ep[64];
    snprintf(ep, sizeof ep, "inproc://poll-%llu", idle);
    if (zmq_connect(s, ep) != 0)
        die("zmq_connect");
    for (unsigned long long i = 0; i < count; ++i) {
        zmq_msg_t msg;
        if (zmq_msg_init_size(&msg, 16) != 0)
            die("zmq_msg_init_size");
        if (zmq_msg_send(&msg, s, 0) < 0)
            die("zmq_msg_send");
    }
    zmq_close(s);
    return NULL;
}

static double us_of(struct timeval t)
{
    return (double)t.tv_sec * 1e6 + (double)t.tv_usec;
}

int main(int argc, char** argv)
{
    const char* usage = "usage: libzmq_poll_thr <idle-sockets> <message-count>";
    if (argc != 3) {
        fprintf(stderr, "%s\n", usage);
        return 1;
    }
    idle = parse_count(argv[1], usage);
    count = parse_count(argv[2], usage);
    ctx = zmq_ctx_new();
    void** sockets = calloc(idle + 1, sizeof(void*));
    zmq_pollitem_t* items = calloc(idle + 1, sizeof(zmq_pollitem_t));
    for (unsigned long long i = 0; i <= idle; ++i) {
        char ep[64];
        snprintf(ep, sizeof ep, "inproc://poll-%llu", i);
        sockets[i] = zmq_socket(ctx, ZMQ_PULL);
        if (zmq_bind(sockets[i], ep) != 0)
            die("zmq_bind");
        items[i].socket = sockets[i];
        items[i].events = ZMQ_POLLIN;
    }
    pthread_t t;
    if (pthread_create(&t, NULL, sender, NULL) != 0)
        die("pthread_create");
    struct rusage before, after;
    getrusage(RUSAGE_THREAD, &before);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    double start = 0;
    for (unsigned long long got = 0; got < count;) {
        if (zmq_poll(items, (int)(idle + 1), -1) < 0)
            die("zmq_poll");
        if ((items[idle].revents & ZMQ_POLLIN) && zmq_msg_recv(&msg, sockets[idle], ZMQ_DONTWAIT) >= 0) {
            if (got++ == 0)
                start = now_us();
        }
    }
    double elapsed = now_us() - start;
    getrusage(RUSAGE_THREAD, &after);
    pthread_join(t, NULL);
    print_throughput(16, count, elapsed);
    double cpu = us_of(after.ru_utime) - us_of(before.ru_utime) + us_of(after.ru_stime) - us_of(before.ru_stime);
    printf("polling thread CPU: %.3f [us/msg]\n", count ? cpu / (double)count : 0.0);
    zmq_msg_close(&msg);
    for (unsigned long long i = 0; i <= idle; ++i)
        zmq_close(sockets[i]);
    zmq_ctx_term(ctx);
    free(sockets);
    free(items);
    return 0;
}

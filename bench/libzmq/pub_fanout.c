/* SPDX-License-Identifier: MIT */
/* Baseline: libzmq_pub_fanout <bind-to> <message-size> <message-count> <subscribers> [nodrop|drop]
   The publisher of the fan-out test on libzmq's C API, the same method as
   ../pub_fanout.cpp: an XPUB with ZMQ_XPUB_VERBOSE that starts once it has
   received one subscription per subscriber; ZMQ_XPUB_NODROP in "nodrop"
   mode (the default), plain PUB dropping in "drop" mode. */
#include "common.h"

int main(int argc, char** argv)
{
    const char* usage =
        "usage: libzmq_pub_fanout <bind-to> <message-size> <message-count> <subscribers> [nodrop|drop]";
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "%s\n", usage);
        return 1;
    }
    size_t size = parse_count(argv[2], usage);
    unsigned long long count = parse_count(argv[3], usage);
    unsigned long long subscribers = parse_count(argv[4], usage);
    int nodrop = 1;
    if (argc == 6) {
        if (strcmp(argv[5], "drop") == 0)
            nodrop = 0;
        else if (strcmp(argv[5], "nodrop") != 0) {
            fprintf(stderr, "%s\n", usage);
            return 1;
        }
    }
    raise_fd_limit(subscribers + 64);

    void* ctx = zmq_ctx_new();
    void* pub = zmq_socket(ctx, ZMQ_XPUB);
    int one = 1, linger = -1;
    zmq_setsockopt(pub, ZMQ_XPUB_VERBOSE, &one, sizeof one);
    zmq_setsockopt(pub, ZMQ_XPUB_NODROP, &nodrop, sizeof nodrop);
    zmq_setsockopt(pub, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind(pub, argv[1]) != 0)
        die("zmq_bind");

    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (unsigned long long n = 0; n < subscribers;) {
        if (zmq_msg_recv(&msg, pub, 0) < 0)
            die("zmq_msg_recv");
        if (zmq_msg_size(&msg) == 1 && ((const unsigned char*)zmq_msg_data(&msg))[0] == 1)
            ++n;
    }
    zmq_msg_close(&msg);

    double start = now_us();
    for (unsigned long long i = 0; i < count; ++i) {
        zmq_msg_t m;
        if (zmq_msg_init_size(&m, size) != 0)
            die("zmq_msg_init_size");
        if (zmq_msg_send(&m, pub, 0) < 0)
            die("zmq_msg_send");
    }
    double elapsed = now_us() - start;
    printf("subscribers: %llu\n", subscribers);
    printf("publish rate: %d [msg/s]\n", (int)(elapsed > 0 ? (double)count / elapsed * 1e6 : 0));
    fflush(stdout);
    zmq_close(pub);
    zmq_ctx_term(ctx);
    return 0;
}

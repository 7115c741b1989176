// SPDX-License-Identifier: MIT
// Baseline: the PUSH side of the throughput test on libzmq's C API.
#include <zmq.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: libzmq_remote_thr <connect-to> <message-size> <message-count>\n");
        return 1;
    }
    size_t size = strtoull(argv[2], NULL, 10);
    long count = atol(argv[3]);
    void* ctx = zmq_init(1);
    void* s = zmq_socket(ctx, ZMQ_PUSH);
    int linger = -1;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(s, argv[1]) != 0) {
        perror("zmq_connect");
        return 1;
    }
    for (long i = 0; i < count; ++i) {
        zmq_msg_t msg;
        zmq_msg_init_size(&msg, size);
        if (zmq_sendmsg(s, &msg, 0) < 0) {
            perror("zmq_sendmsg");
            return 1;
        }
    }
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}

/* SPDX-License-Identifier: MIT */
/* The C API from C: every call checked, the error paths included (a NULL
   or closed socket, a closed message, a wrong option size), PUSH/PULL and
   REQ/REP over tcp and inproc, multipart, zero-copy with a free function,
   ZMQ_FD/ZMQ_EVENTS, zmq_poll over a socket and a pipe, the monitor, Z85
   and CURVE keys, and CURVE between two sockets. Exits non-zero with the
   failing line on the first broken expectation. */
#include <zmq.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: failed: %s (errno %d: %s)\n", __FILE__, __LINE__, #cond, \
                    zmq_errno(), zmq_strerror(zmq_errno()));                               \
            exit(1);                                                                       \
        }                                                                                  \
    } while (0)

static int freed = 0;
static void free_fn(void* data, void* hint)
{
    (void)hint;
    free(data);
    freed = 1;
}

static void endpoint_of(void* s, char* buf, size_t n)
{
    size_t len = n;
    CHECK(zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, buf, &len) == 0);
}

static void push_pull(void* ctx, const char* bind_to)
{
    char ep[256];
    void* pull = zmq_socket(ctx, ZMQ_PULL);
    void* push = zmq_socket(ctx, ZMQ_PUSH);
    CHECK(pull && push);
    CHECK(zmq_bind(pull, bind_to) == 0);
    endpoint_of(pull, ep, sizeof ep);
    CHECK(zmq_connect(push, ep) == 0);

    CHECK(zmq_send(push, "one", 3, ZMQ_SNDMORE) == 3);
    CHECK(zmq_send(push, "two", 3, 0) == 3);
    char buf[16];
    CHECK(zmq_recv(pull, buf, sizeof buf, 0) == 3 && memcmp(buf, "one", 3) == 0);
    int more = 0;
    size_t len = sizeof more;
    CHECK(zmq_getsockopt(pull, ZMQ_RCVMORE, &more, &len) == 0 && more == 1);
    zmq_msg_t m;
    CHECK(zmq_msg_init(&m) == 0);
    CHECK(zmq_msg_recv(&m, pull, 0) == 3);
    CHECK(zmq_msg_more(&m) == 0 && memcmp(zmq_msg_data(&m), "two", 3) == 0);
    CHECK(zmq_msg_close(&m) == 0);

    /* Zero copy: the buffer is the application's until the free function runs. */
    size_t big = 100000;
    char* data = malloc(big);
    memset(data, 'z', big);
    CHECK(zmq_msg_init_data(&m, data, big, free_fn, NULL) == 0);
    CHECK(zmq_msg_send(&m, push, 0) == (int)big);
    CHECK(zmq_msg_init(&m) == 0);
    CHECK(zmq_msg_recv(&m, pull, 0) == (int)big);
    CHECK(((char*)zmq_msg_data(&m))[big - 1] == 'z');
    zmq_msg_t copy;
    CHECK(zmq_msg_init(&copy) == 0);
    CHECK(zmq_msg_copy(&copy, &m) == 0);
    CHECK(zmq_msg_size(&copy) == big);
    CHECK(zmq_msg_close(&m) == 0 && zmq_msg_close(&copy) == 0);

    /* A small lent buffer too is used in place until written (libzmq keeps
       it; pyzmq's MessageTracker relies on that): connected before the
       peer binds, the message waits, and the buffer with it. */
    {
        void* early = zmq_socket(ctx, ZMQ_PUSH);
        void* late = zmq_socket(ctx, ZMQ_PULL);
        CHECK(zmq_connect(early, "inproc://lent-small") == 0);
        char* small = malloc(9);
        memcpy(small, "something", 9);
        freed = 0;
        CHECK(zmq_msg_init_data(&m, small, 9, free_fn, NULL) == 0);
        CHECK(zmq_msg_send(&m, early, ZMQ_DONTWAIT) == 9);
        CHECK(freed == 0); /* not copied and released at once */
        CHECK(zmq_bind(late, "inproc://lent-small") == 0);
        CHECK(zmq_recv(late, buf, sizeof buf, 0) == 9 && memcmp(buf, "something", 9) == 0);
        CHECK(freed == 1); /* delivered: given back */
        CHECK(zmq_close(early) == 0 && zmq_close(late) == 0);
    }

    /* Would block, and the message stays the caller's. */
    CHECK(zmq_recv(pull, buf, sizeof buf, ZMQ_DONTWAIT) == -1 && zmq_errno() == EAGAIN);

    CHECK(zmq_close(push) == 0 && zmq_close(pull) == 0);
}

/* zmq_close in one thread while zmq_ctx_term runs in another (a device
   thread closing its sockets as the application terminates the context). */
struct close_race {
    void* sockets[4];
};

static void close_all(void* arg)
{
    struct close_race* r = arg;
    for (int i = 0; i < 4; ++i)
        zmq_close(r->sockets[i]);
}

static void close_races_term(void)
{
    for (int round = 0; round < 200; ++round) {
        void* ctx = zmq_ctx_new();
        CHECK(ctx);
        struct close_race r;
        for (int i = 0; i < 4; ++i) {
            r.sockets[i] = zmq_socket(ctx, i % 2 ? ZMQ_PUSH : ZMQ_PULL);
            CHECK(r.sockets[i]);
        }
        CHECK(zmq_bind(r.sockets[0], "inproc://race") == 0);
        CHECK(zmq_connect(r.sockets[1], "inproc://race") == 0);
        void* t = zmq_threadstart(close_all, &r);
        CHECK(zmq_ctx_term(ctx) == 0); /* returns once the thread closed them all */
        zmq_threadclose(t);
    }
}

#ifdef ZMTP_TEST_SANITIZED
static const int under_sanitizer = 1;
#else
static const int under_sanitizer = 0;
#endif

static long rss_kib(void)
{
    FILE* f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = atol(line + 6);
    if (f)
        fclose(f);
    return kib;
}

/* A program that opens and closes sockets for ever (a lazy-pirate client
   makes a new REQ per retry): zmq_close lingers in the background and
   frees what the socket held, and the inproc name it bound is free again
   when zmq_close returns (libzmq frees it later, in its reaper). Each
   closed socket once kept a thread and ~14 KiB until zmq_ctx_term. */
static void close_frees(void* ctx)
{
    long before = 0;
    for (int i = 0; i < 6000; ++i) {
        if (i == 1000)
            before = rss_kib(); /* after the allocator has warmed up */
        void* s = zmq_socket(ctx, ZMQ_PULL);
        CHECK(s);
        CHECK(zmq_bind(s, "inproc://again-and-again") == 0);
        CHECK(zmq_close(s) == 0);
    }
    long grown = rss_kib() - before;
    /* 5000 sockets kept would be ~70 MiB; a generous bound. Not under the
       sanitizers, which hold freed memory back (ASan's quarantine). */
    if (!under_sanitizer && grown > 16 * 1024) {
        fprintf(stderr, "RSS grew by %ld KiB over 5000 closed sockets\n", grown);
        exit(1);
    }
}

int main(void)
{
    int major, minor, patch;
    zmq_version(&major, &minor, &patch);
    CHECK(major == 4 && minor == 3);
    CHECK(zmq_has("curve") == 1 && zmq_has("pgm") == 0);

    void* ctx = zmq_ctx_new();
    CHECK(ctx);
    CHECK(zmq_ctx_get(ctx, ZMQ_IO_THREADS) == 1);
    CHECK(zmq_ctx_set(ctx, ZMQ_IO_THREADS, 2) == 0);

    /* Misuse: errors, never a crash. */
    CHECK(zmq_socket(ctx, 99) == NULL && zmq_errno() == EINVAL);
    CHECK(zmq_send(NULL, "x", 1, 0) == -1 && zmq_errno() == ENOTSOCK);
    CHECK(zmq_socket(NULL, ZMQ_PUSH) == NULL && zmq_errno() == EFAULT);
    zmq_msg_t dead;
    CHECK(zmq_msg_init(&dead) == 0 && zmq_msg_close(&dead) == 0);
    CHECK(zmq_msg_close(&dead) == -1 && zmq_errno() == EFAULT);
    void* s = zmq_socket(ctx, ZMQ_PUB);
    int v = 1;
    CHECK(zmq_setsockopt(s, ZMQ_LINGER, &v, 2) == -1 && zmq_errno() == EINVAL);
    CHECK(zmq_setsockopt(s, 9999, &v, sizeof v) == -1 && zmq_errno() == EINVAL);
    CHECK(zmq_bind(s, "bogus://x") == -1 && zmq_errno() == EPROTONOSUPPORT);
    CHECK(zmq_bind(s, "ipc:///no/such/dir/x") == -1 && zmq_errno() == ENOENT);
    CHECK(zmq_recv(s, &v, sizeof v, 0) == -1 && zmq_errno() == ENOTSUP);
    {
        /* A NULL value with a length is refused, not taken for "" (which
           would subscribe to everything). */
        void* sub = zmq_socket(ctx, ZMQ_SUB);
        CHECK(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, NULL, 5) == -1 && zmq_errno() == EINVAL);
        CHECK(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, NULL, 0) == 0); /* "" : everything, as asked */
        CHECK(zmq_close(sub) == 0);
    }
    /* The last mechanism option set wins, as in libzmq. */
    {
        int mech = -1;
        size_t mlen = sizeof mech;
        char key[41];
        char unused[41];
        CHECK(zmq_curve_keypair(key, unused) == 0);
        CHECK(zmq_setsockopt(s, ZMQ_PLAIN_USERNAME, "user", 4) == 0);
        CHECK(zmq_getsockopt(s, ZMQ_MECHANISM, &mech, &mlen) == 0 && mech == ZMQ_PLAIN);
        CHECK(zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, key, 40) == 0);
        CHECK(zmq_getsockopt(s, ZMQ_MECHANISM, &mech, &mlen) == 0 && mech == ZMQ_CURVE);
        CHECK(zmq_setsockopt(s, ZMQ_PLAIN_SERVER, &v, sizeof v) == 0);
        CHECK(zmq_getsockopt(s, ZMQ_MECHANISM, &mech, &mlen) == 0 && mech == ZMQ_PLAIN);
        char name[16];
        size_t nlen = sizeof name;
        CHECK(zmq_getsockopt(s, ZMQ_PLAIN_USERNAME, name, &nlen) == 0 && nlen == 1);
    }
    CHECK(zmq_close(s) == 0);
    CHECK(zmq_close(s) == -1 && zmq_errno() == ENOTSOCK);

    push_pull(ctx, "tcp://127.0.0.1:*");
    push_pull(ctx, "inproc://capi-test");
    close_frees(ctx);

    /* REQ/REP in lockstep; a second send is EFSM. */
    void* rep = zmq_socket(ctx, ZMQ_REP);
    void* req = zmq_socket(ctx, ZMQ_REQ);
    CHECK(zmq_bind(rep, "inproc://reqrep") == 0 && zmq_connect(req, "inproc://reqrep") == 0);
    CHECK(zmq_send(req, "q", 1, 0) == 1);
    CHECK(zmq_send(req, "q", 1, 0) == -1 && zmq_errno() == EFSM);
    char buf[8];
    CHECK(zmq_recv(rep, buf, sizeof buf, 0) == 1);
    CHECK(zmq_send(rep, "a", 1, 0) == 1);
    CHECK(zmq_recv(req, buf, sizeof buf, 0) == 1 && buf[0] == 'a');

    /* zmq_poll over a socket and a pipe; ZMQ_EVENTS. */
    int fds[2];
    CHECK(pipe(fds) == 0);
    zmq_pollitem_t items[2] = {{rep, 0, ZMQ_POLLIN, 0}, {NULL, fds[0], ZMQ_POLLIN, 0}};
    CHECK(zmq_poll(items, 2, 0) == 0);
    CHECK(write(fds[1], "x", 1) == 1);
    CHECK(zmq_send(req, "again", 5, 0) == 5);
    int n = 0;
    for (int i = 0; i < 100 && n < 2; ++i)
        n = zmq_poll(items, 2, 100);
    CHECK(n == 2 && (items[0].revents & ZMQ_POLLIN) && (items[1].revents & ZMQ_POLLIN));
    int events = 0;
    size_t len = sizeof events;
    CHECK(zmq_getsockopt(rep, ZMQ_EVENTS, &events, &len) == 0 && (events & ZMQ_POLLIN));
    int fd = -1;
    len = sizeof fd;
    CHECK(zmq_getsockopt(rep, ZMQ_FD, &fd, &len) == 0 && fd >= 0);
    close(fds[0]);
    close(fds[1]);
    CHECK(zmq_close(req) == 0 && zmq_close(rep) == 0);

    /* The monitor: LISTENING, ACCEPTED, HANDSHAKE_SUCCEEDED in libzmq's two frames. */
    void* server = zmq_socket(ctx, ZMQ_PULL);
    CHECK(zmq_socket_monitor(server, "inproc://mon", ZMQ_EVENT_ALL) == 0);
    void* mon = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(zmq_connect(mon, "inproc://mon") == 0);
    CHECK(zmq_bind(server, "tcp://127.0.0.1:*") == 0);
    char ep[64];
    endpoint_of(server, ep, sizeof ep);
    void* client = zmq_socket(ctx, ZMQ_PUSH);
    CHECK(zmq_connect(client, ep) == 0);
    int seen = 0;
    while (!(seen & ZMQ_EVENT_HANDSHAKE_SUCCEEDED)) {
        zmq_msg_t ev;
        zmq_msg_init(&ev);
        CHECK(zmq_msg_recv(&ev, mon, 0) == 6 && zmq_msg_more(&ev));
        unsigned short id;
        memcpy(&id, zmq_msg_data(&ev), 2);
        seen |= id;
        CHECK(zmq_msg_recv(&ev, mon, 0) >= 0 && !zmq_msg_more(&ev));
        zmq_msg_close(&ev);
    }
    CHECK(seen & ZMQ_EVENT_LISTENING);
    CHECK(zmq_close(client) == 0 && zmq_close(server) == 0 && zmq_close(mon) == 0);

    /* Z85 and CURVE. */
    char pub[41], sec[41], pub2[41];
    CHECK(zmq_curve_keypair(pub, sec) == 0);
    CHECK(zmq_curve_public(pub2, sec) == 0 && strcmp(pub, pub2) == 0);
    uint8_t raw[32];
    CHECK(zmq_z85_decode(raw, pub) != NULL);
    char again[41];
    CHECK(zmq_z85_encode(again, raw, 32) != NULL && strcmp(again, pub) == 0);

    void* cs = zmq_socket(ctx, ZMQ_PULL);
    int one = 1;
    CHECK(zmq_setsockopt(cs, ZMQ_CURVE_SERVER, &one, sizeof one) == 0);
    CHECK(zmq_setsockopt(cs, ZMQ_CURVE_SECRETKEY, sec, 40) == 0);
    CHECK(zmq_bind(cs, "tcp://127.0.0.1:*") == 0);
    endpoint_of(cs, ep, sizeof ep);
    void* cc = zmq_socket(ctx, ZMQ_PUSH);
    char cpub[41], csec[41];
    CHECK(zmq_curve_keypair(cpub, csec) == 0);
    CHECK(zmq_setsockopt(cc, ZMQ_CURVE_SERVERKEY, pub, 40) == 0);
    CHECK(zmq_setsockopt(cc, ZMQ_CURVE_PUBLICKEY, cpub, 40) == 0);
    CHECK(zmq_setsockopt(cc, ZMQ_CURVE_SECRETKEY, csec, 40) == 0);
    int mech = 0;
    len = sizeof mech;
    CHECK(zmq_getsockopt(cc, ZMQ_MECHANISM, &mech, &len) == 0 && mech == ZMQ_CURVE);
    CHECK(zmq_connect(cc, ep) == 0);
    CHECK(zmq_send(cc, "secret", 6, 0) == 6);
    zmq_msg_t m;
    zmq_msg_init(&m);
    CHECK(zmq_msg_recv(&m, cs, 0) == 6);
    const char* uid = zmq_msg_gets(&m, "User-Id");
    CHECK(uid != NULL); /* no ZAP handler: empty, but present */
    CHECK(strcmp(zmq_msg_gets(&m, "Socket-Type"), "PUSH") == 0);
    zmq_msg_close(&m);
    CHECK(zmq_close(cc) == 0 && zmq_close(cs) == 0);

    CHECK(zmq_ctx_term(ctx) == 0);
    close_races_term();
    puts("capi_test: ok");
    return 0;
}

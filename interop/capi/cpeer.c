/* SPDX-License-Identifier: MIT */
/* cpeer: a C program written against zmq.h, linked with our libzmq.so.5,
   that plays one role against a pyzmq (libzmq 4.3.4) peer or another
   cpeer; interop/capi/test_capi_peers.py drives it. Every line it prints
   is a fact the test checks; a broken expectation exits 1 with the line.

     cpeer ROLE ARGS...   (see usage() below)
*/
#include <zmq.h>
#include <zmq_utils.h>

#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(cond)                                                                         \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "cpeer %s:%d: failed: %s (errno %d: %s)\n", __FILE__, __LINE__, \
                    #cond, zmq_errno(), zmq_strerror(zmq_errno()));                         \
            exit(1);                                                                        \
        }                                                                                   \
    } while (0)

static void say(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char* fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static int type_of(const char* name)
{
    static const struct {
        const char* name;
        int type;
    } types[] = {{"pair", ZMQ_PAIR},     {"pub", ZMQ_PUB},       {"sub", ZMQ_SUB},
                 {"req", ZMQ_REQ},       {"rep", ZMQ_REP},       {"dealer", ZMQ_DEALER},
                 {"router", ZMQ_ROUTER}, {"pull", ZMQ_PULL},     {"push", ZMQ_PUSH},
                 {"xpub", ZMQ_XPUB},     {"xsub", ZMQ_XSUB},     {"stream", ZMQ_STREAM}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; ++i)
        if (strcmp(types[i].name, name) == 0)
            return types[i].type;
    fprintf(stderr, "cpeer: unknown socket type %s\n", name);
    exit(2);
}

/* bind or connect, as `how` says; prints the endpoint bound ("bound EP"). */
static void attach(void* s, const char* how, const char* ep)
{
    if (strcmp(how, "bind") == 0) {
        CHECK(zmq_bind(s, ep) == 0);
        char last[256];
        size_t len = sizeof last;
        CHECK(zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, last, &len) == 0);
        say("bound %s", last);
    } else {
        CHECK(zmq_connect(s, ep) == 0);
    }
}

/* Which libzmq.so this process really runs on. */
static void print_library(void)
{
    FILE* f = fopen("/proc/self/maps", "r");
    char line[1024];
    while (f && fgets(line, sizeof line, f)) {
        char* p = strstr(line, "libzmq.so");
        if (p) {
            char* path = strchr(line, '/');
            path[strcspn(path, "\n")] = 0;
            say("library %s", path);
            break;
        }
    }
    if (f)
        fclose(f);
}

/* One received message as "msg: part|part|...", frames as text. */
static int recv_and_print(void* s, const char* prefix)
{
    char line[8192];
    size_t used = 0;
    int frames = 0;
    for (;;) {
        zmq_msg_t m;
        CHECK(zmq_msg_init(&m) == 0);
        int n = zmq_msg_recv(&m, s, 0);
        if (n < 0) {
            zmq_msg_close(&m);
            return -1;
        }
        CHECK((size_t)n == zmq_msg_size(&m));
        if (frames++ && used < sizeof line - 1)
            line[used++] = '|';
        size_t take = (size_t)n < sizeof line - 1 - used ? (size_t)n : sizeof line - 1 - used;
        memcpy(line + used, zmq_msg_data(&m), take);
        used += take;
        int more = zmq_msg_more(&m);
        CHECK(more == zmq_msg_get(&m, ZMQ_MORE));
        int rcvmore = 0;
        size_t len = sizeof rcvmore;
        CHECK(zmq_getsockopt(s, ZMQ_RCVMORE, &rcvmore, &len) == 0 && rcvmore == more);
        CHECK(zmq_msg_close(&m) == 0);
        if (!more)
            break;
    }
    line[used] = 0;
    say("%s%s", prefix, line);
    return frames;
}

static void free_counting(void* data, void* hint)
{
    free(data);
    zmq_atomic_counter_inc(hint);
}

/* send TYPE bind|connect EP N: N messages; every third of three frames
   (zmq_send + ZMQ_SNDMORE), every third zero-copy (zmq_msg_init_data),
   the rest zmq_send_const. Then close and term: linger delivers them. */
static int role_send(int argc, char** argv)
{
    CHECK(argc >= 6);
    void* ctx = zmq_ctx_new();
    CHECK(ctx);
    void* s = zmq_socket(ctx, type_of(argv[2]));
    CHECK(s);
    attach(s, argv[3], argv[4]);
    if (type_of(argv[2]) == ZMQ_XPUB) {
        /* An XPUB reads its subscribers' subscriptions: publish after the first. */
        uint8_t sub[256];
        int n = zmq_recv(s, sub, sizeof sub, 0);
        CHECK(n >= 1);
        say("subscribed: %02x%.*s", sub[0], n - 1, (const char*)sub + 1);
    }
    const int n = atoi(argv[5]);
    void* freed = zmq_atomic_counter_new();
    int zero_copy = 0;
    for (int i = 0; i < n; ++i) {
        char body[64];
        int len = snprintf(body, sizeof body, "msg-%d", i);
        if (i % 3 == 0) {
            CHECK(zmq_send(s, "head", 4, ZMQ_SNDMORE) == 4);
            CHECK(zmq_send(s, "", 0, ZMQ_SNDMORE) == 0);
            CHECK(zmq_send(s, body, (size_t)len, 0) == len);
        } else if (i % 3 == 1) {
            char* copy = malloc((size_t)len);
            memcpy(copy, body, (size_t)len);
            zmq_msg_t m;
            CHECK(zmq_msg_init_data(&m, copy, (size_t)len, free_counting, freed) == 0);
            CHECK(zmq_msg_send(&m, s, 0) == len);
            CHECK(zmq_msg_size(&m) == 0); /* sent: the message is empty again */
            CHECK(zmq_msg_close(&m) == 0);
            ++zero_copy;
        } else {
            static const char constant[] = "constant";
            CHECK(zmq_send_const(s, constant, 8, ZMQ_SNDMORE) == 8);
            CHECK(zmq_send(s, body, (size_t)len, 0) == len);
        }
    }
    CHECK(zmq_close(s) == 0);
    CHECK(zmq_ctx_term(ctx) == 0); /* waits for the linger: every message written */
    /* Every lent buffer went back through its free function. */
    CHECK(zmq_atomic_counter_value(freed) == zero_copy);
    zmq_atomic_counter_destroy(&freed);
    CHECK(freed == NULL);
    say("sent %d", n);
    return 0;
}

/* recv TYPE bind|connect EP N [PREFIX]: prints N messages (SUB: subscribed to PREFIX). */
static int role_recv(int argc, char** argv)
{
    CHECK(argc >= 6);
    void* ctx = zmq_ctx_new();
    void* s = zmq_socket(ctx, type_of(argv[2]));
    CHECK(s);
    if (argc > 6)
        CHECK(zmq_setsockopt(s, ZMQ_SUBSCRIBE, argv[6], strlen(argv[6])) == 0);
    attach(s, argv[3], argv[4]);
    say("ready");
    const int n = atoi(argv[5]);
    for (int i = 0; i < n; ++i)
        CHECK(recv_and_print(s, "msg: ") > 0);
    CHECK(zmq_close(s) == 0);
    CHECK(zmq_ctx_term(ctx) == 0);
    return 0;
}

/* rep bind|connect EP N: answers N requests with "re:" + the request,
   copying each frame into the reply with zmq_msg_copy. */
static int role_rep(int argc, char** argv)
{
    CHECK(argc >= 5);
    void* ctx = zmq_ctx_new();
    void* s = zmq_socket(ctx, ZMQ_REP);
    attach(s, argv[2], argv[3]);
    say("ready");
    /* REP must receive first. */
    CHECK(zmq_send(s, "x", 1, ZMQ_DONTWAIT) == -1 && zmq_errno() == EFSM);
    const int n = atoi(argv[4]);
    for (int i = 0; i < n; ++i) {
        zmq_msg_t req, reply;
        CHECK(zmq_msg_init(&req) == 0);
        int len = zmq_msg_recv(&req, s, 0);
        CHECK(len >= 0 && !zmq_msg_more(&req));
        CHECK(zmq_msg_init_size(&reply, (size_t)len + 3) == 0);
        memcpy(zmq_msg_data(&reply), "re:", 3);
        memcpy((char*)zmq_msg_data(&reply) + 3, zmq_msg_data(&req), (size_t)len);
        zmq_msg_t moved;
        CHECK(zmq_msg_init(&moved) == 0);
        CHECK(zmq_msg_move(&moved, &reply) == 0 && zmq_msg_size(&reply) == 0);
        CHECK(zmq_msg_send(&moved, s, 0) == len + 3);
        CHECK(zmq_msg_close(&req) == 0 && zmq_msg_close(&moved) == 0 && zmq_msg_close(&reply) == 0);
    }
    CHECK(zmq_close(s) == 0);
    CHECK(zmq_ctx_term(ctx) == 0);
    say("answered %d", n);
    return 0;
}

/* req bind|connect EP N: N requests in lockstep; a second send before the
   reply is EFSM; prints each reply. */
static int role_req(int argc, char** argv)
{
    CHECK(argc >= 5);
    void* ctx = zmq_ctx_new();
    void* s = zmq_socket(ctx, ZMQ_REQ);
    attach(s, argv[2], argv[3]);
    const int n = atoi(argv[4]);
    for (int i = 0; i < n; ++i) {
        char body[32];
        int len = snprintf(body, sizeof body, "q-%d", i);
        CHECK(zmq_send(s, body, (size_t)len, 0) == len);
        CHECK(zmq_send(s, body, (size_t)len, 0) == -1 && zmq_errno() == EFSM);
        char reply[64];
        int got = zmq_recv(s, reply, sizeof reply - 1, 0);
        CHECK(got >= 0);
        reply[got < (int)sizeof reply - 1 ? got : (int)sizeof reply - 1] = 0;
        say("reply: %s", reply);
    }
    CHECK(zmq_close(s) == 0);
    CHECK(zmq_ctx_term(ctx) == 0);
    return 0;
}

/* router EP N: answers N requests [id, "", body] from DEALER/REQ peers by
   their routing id (with zmq_sendmsg / zmq_recvmsg, the deprecated forms);
   with ZMQ_ROUTER_MANDATORY an unknown id is EHOSTUNREACH. */
static int role_router(int argc, char** argv)
{
    CHECK(argc >= 4);
    void* ctx = zmq_ctx_new();
    void* s = zmq_socket(ctx, ZMQ_ROUTER);
    int one = 1;
    CHECK(zmq_setsockopt(s, ZMQ_ROUTER_MANDATORY, &one, sizeof one) == 0);
    attach(s, "bind", argv[2]);
    say("ready");
    /* Our messages are atomic: the unknown id is reported by the send that
       completes the message (libzmq reports it at the id frame). */
    CHECK(zmq_send(s, "nobody", 6, ZMQ_SNDMORE) == 6);
    CHECK(zmq_send(s, "lost", 4, 0) == -1 && zmq_errno() == EHOSTUNREACH);
    const int n = atoi(argv[3]);
    for (int i = 0; i < n; ++i) {
        char id[256], empty[8], body[256];
        zmq_msg_t idm;
        CHECK(zmq_msg_init(&idm) == 0);
        int idn = zmq_recvmsg(s, &idm, 0);
        CHECK(idn > 0 && idn < (int)sizeof id && zmq_msg_more(&idm));
        memcpy(id, zmq_msg_data(&idm), (size_t)idn);
        /* The id frame goes back as it came: sent with zmq_sendmsg. */
        zmq_msg_t reply_id;
        CHECK(zmq_msg_init(&reply_id) == 0 && zmq_msg_move(&reply_id, &idm) == 0);
        int en = zmq_recv(s, empty, sizeof empty, 0);
        CHECK(en == 0);
        int bn = zmq_recv(s, body, sizeof body - 1, 0);
        CHECK(bn >= 0);
        body[bn] = 0;
        say("from %.*s: %s", idn, id, body);
        CHECK(zmq_sendmsg(s, &reply_id, ZMQ_SNDMORE) == idn);
        CHECK(zmq_msg_close(&reply_id) == 0 && zmq_msg_close(&idm) == 0);
        CHECK(zmq_send(s, "", 0, ZMQ_SNDMORE) == 0);
        CHECK(zmq_send(s, "ok", 2, 0) == 2);
    }
    CHECK(zmq_close(s) == 0);
    CHECK(zmq_ctx_term(ctx) == 0);
    return 0;
}

/* stream EP: a STREAM socket bound at EP for a plain TCP client: prints the
   connect notification (an empty frame), then answers "hello" with
   "world" and closes that connection (an empty frame to its id). */
static int role_stream(int argc, char** argv)
{
    CHECK(argc >= 3);
    void* ctx = zmq_ctx_new();
    void* s = zmq_socket(ctx, ZMQ_STREAM);
    attach(s, "bind", argv[2]);
    say("ready");
    char id[256], data[256];
    int idn = zmq_recv(s, id, sizeof id, 0);
    CHECK(idn > 0);
    CHECK(zmq_recv(s, data, sizeof data, 0) == 0); /* connected: an empty frame */
    say("connected");
    CHECK(zmq_recv(s, id, sizeof id, 0) == idn);
    int n = zmq_recv(s, data, sizeof data - 1, 0);
    CHECK(n > 0);
    data[n] = 0;
    say("received %s", data);
    CHECK(zmq_send(s, id, (size_t)idn, ZMQ_SNDMORE) == idn);
    CHECK(zmq_send(s, "world", 5, 0) == 5);
    CHECK(zmq_send(s, id, (size_t)idn, ZMQ_SNDMORE) == idn);
    CHECK(zmq_send(s, "", 0, 0) == 0); /* closes the connection */
    CHECK(zmq_close(s) == 0);
    CHECK(zmq_ctx_term(ctx) == 0);
    return 0;
}

static const char* event_name(int e)
{
    switch (e) {
    case ZMQ_EVENT_CONNECTED: return "CONNECTED";
    case ZMQ_EVENT_CONNECT_DELAYED: return "CONNECT_DELAYED";
    case ZMQ_EVENT_CONNECT_RETRIED: return "CONNECT_RETRIED";
    case ZMQ_EVENT_LISTENING: return "LISTENING";
    case ZMQ_EVENT_BIND_FAILED: return "BIND_FAILED";
    case ZMQ_EVENT_ACCEPTED: return "ACCEPTED";
    case ZMQ_EVENT_ACCEPT_FAILED: return "ACCEPT_FAILED";
    case ZMQ_EVENT_CLOSED: return "CLOSED";
    case ZMQ_EVENT_CLOSE_FAILED: return "CLOSE_FAILED";
    case ZMQ_EVENT_DISCONNECTED: return "DISCONNECTED";
    case ZMQ_EVENT_MONITOR_STOPPED: return "MONITOR_STOPPED";
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: return "HANDSHAKE_FAILED_NO_DETAIL";
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: return "HANDSHAKE_SUCCEEDED";
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: return "HANDSHAKE_FAILED_PROTOCOL";
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: return "HANDSHAKE_FAILED_AUTH";
    default: return "?";
    }
}

/* One monitor event in libzmq's two frames: [16-bit event, 32-bit value], [endpoint]. */
static int read_event(void* mon, uint32_t* value, char* ep, size_t epn)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, mon, 0) == -1)
        return -1;
    CHECK(zmq_msg_size(&m) == 6 && zmq_msg_more(&m));
    const uint8_t* d = zmq_msg_data(&m);
    uint16_t event;
    memcpy(&event, d, 2);
    memcpy(value, d + 2, 4);
    zmq_msg_close(&m);
    zmq_msg_init(&m);
    CHECK(zmq_msg_recv(&m, mon, 0) >= 0 && !zmq_msg_more(&m));
    size_t n = zmq_msg_size(&m) < epn - 1 ? zmq_msg_size(&m) : epn - 1;
    memcpy(ep, zmq_msg_data(&m), n);
    ep[n] = 0;
    zmq_msg_close(&m);
    return event;
}

/* Prints "event NAME VALUE ENDPOINT" for each event up to the one named `until`. */
static void print_events_until(void* mon, const char* until)
{
    for (;;) {
        uint32_t value;
        char ep[256];
        int e = read_event(mon, &value, ep, sizeof ep);
        CHECK(e > 0);
        say("event %s %u %s", event_name(e), value, ep);
        if (strcmp(event_name(e), until) == 0)
            break;
    }
}

/* monitor bind|connect EP UNTIL: a PULL (bind) or PUSH (connect) with every
   event monitored; prints "event NAME VALUE ENDPOINT" until the event
   UNTIL, then closes the socket and prints the events of its close up to
   MONITOR_STOPPED. */
static int role_monitor(int argc, char** argv)
{
    CHECK(argc >= 5);
    void* ctx = zmq_ctx_new();
    const int binding = strcmp(argv[2], "bind") == 0;
    void* s = zmq_socket(ctx, binding ? ZMQ_PULL : ZMQ_PUSH);
    int ivl = 100;
    CHECK(zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl) == 0);
    /* A monitor endpoint must be inproc. */
    CHECK(zmq_socket_monitor(s, "tcp://127.0.0.1:1", ZMQ_EVENT_ALL) == -1 && zmq_errno() == EPROTONOSUPPORT);
    CHECK(zmq_socket_monitor(s, "inproc://monitor", ZMQ_EVENT_ALL) == 0);
    void* mon = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(zmq_connect(mon, "inproc://monitor") == 0);
    attach(s, argv[2], argv[3]);
    say("ready");
    print_events_until(mon, argv[4]);
    CHECK(zmq_close(s) == 0);
    print_events_until(mon, "MONITOR_STOPPED");
    CHECK(zmq_close(mon) == 0);
    CHECK(zmq_ctx_term(ctx) == 0);
    return 0;
}

/* poll EP: a PULL bound at EP and this process's stdin in one zmq_poll;
   prints "stdin LINE" and "msg: ..." as they come; "quit" on stdin ends it. */
static int role_poll(int argc, char** argv)
{
    CHECK(argc >= 3);
    void* ctx = zmq_ctx_new();
    void* s = zmq_socket(ctx, ZMQ_PULL);
    attach(s, "bind", argv[2]);
    /* Nothing yet: a zero timeout returns at once with nothing ready. */
    zmq_pollitem_t items[2] = {{s, 0, ZMQ_POLLIN, 0}, {NULL, 0, ZMQ_POLLIN, 0}};
    CHECK(zmq_poll(items, 1, 0) == 0 && items[0].revents == 0);
    say("ready");
    for (;;) {
        int n = zmq_poll(items, 2, -1);
        CHECK(n >= 1);
        if (items[0].revents & ZMQ_POLLIN)
            CHECK(recv_and_print(s, "msg: ") > 0);
        if (items[1].revents & ZMQ_POLLIN) {
            char line[256];
            ssize_t got = read(0, line, sizeof line - 1);
            CHECK(got > 0);
            line[got] = 0;
            line[strcspn(line, "\n")] = 0;
            say("stdin %s", line);
            if (strcmp(line, "quit") == 0)
                break;
        }
    }
    CHECK(zmq_close(s) == 0);
    CHECK(zmq_ctx_term(ctx) == 0);
    return 0;
}

/* fd EP N: a PULL bound at EP, waited on through ZMQ_FD with poll(2) and
   libzmq's edge-triggered contract (after a wake, read ZMQ_EVENTS and drain
   while it says POLLIN); counts N messages. */
static int role_fd(int argc, char** argv)
{
    CHECK(argc >= 4);
    void* ctx = zmq_ctx_new();
    void* s = zmq_socket(ctx, ZMQ_PULL);
    attach(s, "bind", argv[2]);
    int fd = -1;
    size_t len = sizeof fd;
    CHECK(zmq_getsockopt(s, ZMQ_FD, &fd, &len) == 0 && fd >= 0);
    say("ready");
    const int n = atoi(argv[3]);
    int got = 0, wakes = 0;
    while (got < n) {
        int events = 0;
        len = sizeof events;
        CHECK(zmq_getsockopt(s, ZMQ_EVENTS, &events, &len) == 0);
        if (events & ZMQ_POLLIN) {
            char buf[64];
            while (zmq_recv(s, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
                ++got;
            CHECK(zmq_errno() == EAGAIN);
            continue;
        }
        struct pollfd p = {fd, POLLIN, 0};
        CHECK(poll(&p, 1, -1) == 1);
        ++wakes;
    }
    say("received %d", got);
    CHECK(zmq_close(s) == 0);
    CHECK(zmq_ctx_term(ctx) == 0);
    return 0;
}

/* proxy FRONT BACK CAPTURE CONTROL: ROUTER at FRONT, DEALER at BACK, a
   PUSH capture at CAPTURE and a PAIR control at CONTROL, all bound, through
   zmq_proxy_steerable until TERMINATE; prints its result. */
static int role_proxy(int argc, char** argv)
{
    CHECK(argc >= 6);
    void* ctx = zmq_ctx_new();
    void* front = zmq_socket(ctx, ZMQ_ROUTER);
    void* back = zmq_socket(ctx, ZMQ_DEALER);
    void* capture = zmq_socket(ctx, ZMQ_PUSH);
    void* control = zmq_socket(ctx, ZMQ_PAIR);
    attach(front, "bind", argv[2]);
    attach(back, "bind", argv[3]);
    attach(capture, "bind", argv[4]);
    attach(control, "bind", argv[5]);
    say("ready");
    int rc = zmq_proxy_steerable(front, back, capture, control);
    say("proxy returned %d", rc);
    CHECK(rc == 0);
    zmq_close(front);
    zmq_close(back);
    zmq_close(capture);
    zmq_close(control);
    CHECK(zmq_ctx_term(ctx) == 0);
    return 0;
}

static void shutdown_on_quit(void* ctx)
{
    char line[64];
    while (fgets(line, sizeof line, stdin))
        if (strncmp(line, "quit", 4) == 0)
            break;
    CHECK(zmq_ctx_shutdown(ctx) == 0);
}

/* device IN OUT [proxy]: zmq_device(ZMQ_STREAMER) (or zmq_proxy) from a PULL bound at IN to a
   PUSH bound at OUT; "quit" on stdin shuts the context down, and the
   device returns -1 with ETERM, as libzmq's. */
static int role_device(int argc, char** argv)
{
    CHECK(argc >= 4);
    void* ctx = zmq_ctx_new();
    void* in = zmq_socket(ctx, ZMQ_PULL);
    void* out = zmq_socket(ctx, ZMQ_PUSH);
    int zero = 0;
    CHECK(zmq_setsockopt(out, ZMQ_LINGER, &zero, sizeof zero) == 0);
    attach(in, "bind", argv[2]);
    attach(out, "bind", argv[3]);
    void* t = zmq_threadstart(shutdown_on_quit, ctx);
    say("ready");
    /* zmq_device and zmq_proxy are the same loop: both are run here. */
    int rc = argc > 4 && strcmp(argv[4], "proxy") == 0 ? zmq_proxy(in, out, NULL)
                                                        : zmq_device(ZMQ_STREAMER, in, out);
    CHECK(rc == -1 && zmq_errno() == ETERM);
    say("device ended: ETERM");
    zmq_threadclose(t);
    /* After shutdown: new sockets are refused, the old ones close. */
    CHECK(zmq_socket(ctx, ZMQ_PUSH) == NULL && zmq_errno() == ETERM);
    CHECK(zmq_close(in) == 0 && zmq_close(out) == 0);
    CHECK(zmq_ctx_term(ctx) == 0);
    return 0;
}

/* A ZAP handler on inproc://zeromq.zap.01, as libzmq applications serve it:
   accepts the one CURVE client key it was given (user id "client"). */
struct zap_args {
    void* ctx;
    void* handler;
    char allowed[41];
};

static void zap_serve(void* arg)
{
    struct zap_args* z = arg;
    for (;;) {
        char frames[8][256];
        int sizes[8], count = 0;
        for (;;) {
            int n = zmq_recv(z->handler, frames[count], sizeof frames[count], 0);
            if (n < 0) {
                /* The context is terminating (ETERM): the socket is closed by
                   the thread that uses it, as libzmq requires. */
                CHECK(zmq_errno() == ETERM);
                zmq_close(z->handler);
                return;
            }
            sizes[count++] = n;
            int more = 0;
            size_t len = sizeof more;
            zmq_getsockopt(z->handler, ZMQ_RCVMORE, &more, &len);
            if (!more || count == 8)
                break;
        }
        /* version, request id, domain, address, identity, mechanism, key */
        CHECK(count == 7 && sizes[0] == 3 && memcmp(frames[0], "1.0", 3) == 0);
        CHECK(sizes[5] == 5 && memcmp(frames[5], "CURVE", 5) == 0 && sizes[6] == 32);
        char key[41];
        CHECK(zmq_z85_encode(key, (const uint8_t*)frames[6], 32) == key);
        const int ok = strcmp(key, z->allowed) == 0;
        say("zap %s %s", key, ok ? "200" : "400");
        zmq_send(z->handler, "1.0", 3, ZMQ_SNDMORE);
        zmq_send(z->handler, frames[1], (size_t)sizes[1], ZMQ_SNDMORE);
        zmq_send(z->handler, ok ? "200" : "400", 3, ZMQ_SNDMORE);
        zmq_send(z->handler, ok ? "OK" : "no", 2, ZMQ_SNDMORE);
        zmq_send(z->handler, ok ? "client" : "", ok ? 6 : 0, ZMQ_SNDMORE);
        zmq_send(z->handler, "", 0, 0);
    }
}

/* curve-server EP CLIENT_PUBLIC: a CURVE server PULL (a fresh key pair,
   printed as "server-key KEY") with a ZAP handler that admits only
   CLIENT_PUBLIC; prints the first message with its User-Id and Socket-Type. */
static int role_curve_server(int argc, char** argv)
{
    CHECK(argc >= 4 && strlen(argv[3]) == 40);
    CHECK(zmq_has("curve"));
    void* ctx = zmq_ctx_new();
    struct zap_args z;
    z.ctx = ctx;
    snprintf(z.allowed, sizeof z.allowed, "%s", argv[3]);
    z.handler = zmq_socket(ctx, ZMQ_REP);
    CHECK(zmq_bind(z.handler, "inproc://zeromq.zap.01") == 0);
    void* t = zmq_threadstart(zap_serve, &z);

    char pub[41], sec[41], derived[41];
    CHECK(zmq_curve_keypair(pub, sec) == 0);
    CHECK(zmq_curve_public(derived, sec) == 0 && strcmp(derived, pub) == 0);
    void* s = zmq_socket(ctx, ZMQ_PULL);
    int one = 1;
    CHECK(zmq_setsockopt(s, ZMQ_CURVE_SERVER, &one, sizeof one) == 0);
    CHECK(zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sec, 40) == 0);
    CHECK(zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, "test", 4) == 0);
    attach(s, "bind", argv[2]);
    say("server-key %s", pub);
    zmq_msg_t m;
    CHECK(zmq_msg_init(&m) == 0);
    int n = zmq_msg_recv(&m, s, 0);
    CHECK(n >= 0);
    say("msg: %.*s user-id=%s socket-type=%s", n, (const char*)zmq_msg_data(&m),
        zmq_msg_gets(&m, "User-Id"), zmq_msg_gets(&m, "Socket-Type"));
    CHECK(zmq_msg_gets(&m, "No-Such-Property") == NULL && zmq_errno() == EINVAL);
    zmq_msg_close(&m);
    CHECK(zmq_close(s) == 0);
    CHECK(zmq_ctx_term(ctx) == 0); /* the handler's recv fails: its thread closes it and ends */
    zmq_threadclose(t);
    return 0;
}

static void shut_down(void* ctx)
{
    zmq_sleep(0);
    CHECK(zmq_ctx_shutdown(ctx) == 0);
}

/* errors HELD_PORT: error paths against a live system: the port a pyzmq
   peer holds (EADDRINUSE), and the ones no peer is needed for. */
static int role_errors(int argc, char** argv)
{
    CHECK(argc >= 3);
    void* ctx = zmq_ctx_new();
    void* s = zmq_socket(ctx, ZMQ_PULL);
    char ep[64];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%s", argv[2]);
    CHECK(zmq_bind(s, ep) == -1 && zmq_errno() == EADDRINUSE);
    CHECK(zmq_bind(s, "tcp://no.such.host.invalid:5555") == -1 && zmq_errno() == ENODEV);
    CHECK(zmq_connect(s, "tcp://127.0.0.1") == -1 && zmq_errno() == EINVAL);
    CHECK(zmq_connect(s, "nope://x") == -1 && zmq_errno() == EPROTONOSUPPORT);
    CHECK(zmq_unbind(s, "tcp://127.0.0.1:1") == -1 && zmq_errno() == ENOENT);
    CHECK(zmq_disconnect(s, "tcp://127.0.0.1:1") == -1 && zmq_errno() == ENOENT);
    CHECK(zmq_bind(s, NULL) == -1 && zmq_errno() == EINVAL);
    CHECK(zmq_send(s, "x", 1, 0) == -1 && zmq_errno() == ENOTSUP); /* PULL cannot send */
    char buf[8];
    CHECK(zmq_recv(s, buf, sizeof buf, ZMQ_DONTWAIT) == -1 && zmq_errno() == EAGAIN);
    int timeout = 50;
    CHECK(zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout) == 0);
    CHECK(zmq_recv(s, buf, sizeof buf, 0) == -1 && zmq_errno() == EAGAIN);
    int v = -5;
    CHECK(zmq_setsockopt(s, ZMQ_SNDHWM, &v, sizeof v) == -1 && zmq_errno() == EINVAL);
    size_t small = 1;
    CHECK(zmq_getsockopt(s, ZMQ_SNDHWM, &v, &small) == -1 && zmq_errno() == EINVAL);
    CHECK(zmq_setsockopt(s, ZMQ_SUBSCRIBE, "a", 1) == -1 && zmq_errno() == EINVAL);
    zmq_msg_t m;
    CHECK(zmq_msg_init_size(&m, 10) == 0 && zmq_msg_close(&m) == 0);
    CHECK(zmq_msg_send(&m, s, 0) == -1 && zmq_errno() == EFAULT);
    CHECK(zmq_msg_size(NULL) == 0);
    CHECK(zmq_msg_set(NULL, ZMQ_MORE, 1) == -1);
    CHECK(zmq_ctx_set(ctx, ZMQ_IO_THREADS, -1) == -1 && zmq_errno() == EINVAL);
    CHECK(zmq_ctx_get(NULL, ZMQ_IO_THREADS) == -1 && zmq_errno() == EFAULT);
    CHECK(strlen(zmq_strerror(EFSM)) > 0 && strlen(zmq_strerror(ETERM)) > 0);
    CHECK(zmq_close(s) == 0);
    CHECK(zmq_close(s) == -1 && zmq_errno() == ENOTSOCK);
    CHECK(zmq_setsockopt(s, ZMQ_LINGER, &v, sizeof v) == -1 && zmq_errno() == ENOTSOCK);

    /* A recv blocked in another thread fails with ETERM once term starts. */
    void* blocked = zmq_socket(ctx, ZMQ_PULL);
    CHECK(zmq_bind(blocked, "inproc://blocked") == 0);
    void* t = zmq_threadstart(shut_down, ctx);
    CHECK(zmq_recv(blocked, buf, sizeof buf, 0) == -1 && zmq_errno() == ETERM);
    zmq_threadclose(t);
    CHECK(zmq_close(blocked) == 0);
    CHECK(zmq_ctx_term(ctx) == 0);
    CHECK(zmq_ctx_term(NULL) == -1 && zmq_errno() == EFAULT);
    say("errors ok");
    return 0;
}

/* misc: the calls that need no peer, once each: version and capabilities,
   the deprecated context forms, context options, message properties,
   Z85, atomic counters, the stopwatch and sleep. */
static int role_misc(void)
{
    int major, minor, patch;
    zmq_version(&major, &minor, &patch);
    say("version %d.%d.%d", major, minor, patch);
    say("has curve=%d ipc=%d pgm=%d", zmq_has("curve"), zmq_has("ipc"), zmq_has("pgm"));

    void* old = zmq_init(1);
    CHECK(old);
    CHECK(zmq_term(old) == 0);
    old = zmq_ctx_new();
    CHECK(zmq_ctx_destroy(old) == 0);

    void* ctx = zmq_ctx_new();
    CHECK(zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, 2) == 0 && zmq_ctx_get(ctx, ZMQ_MAX_SOCKETS) == 2);
    CHECK(zmq_ctx_get(ctx, ZMQ_SOCKET_LIMIT) > 2);
    CHECK(zmq_ctx_set(ctx, ZMQ_BLOCKY, 0) == 0 && zmq_ctx_get(ctx, ZMQ_BLOCKY) == 0);
    void* a = zmq_socket(ctx, ZMQ_PAIR);
    void* b = zmq_socket(ctx, ZMQ_PAIR);
    CHECK(a && b);
    CHECK(zmq_socket(ctx, ZMQ_PAIR) == NULL && zmq_errno() == EMFILE);
    int linger = -2;
    size_t len = sizeof linger;
    CHECK(zmq_getsockopt(a, ZMQ_LINGER, &linger, &len) == 0 && linger == 0); /* not blocky */
    int type = 0;
    len = sizeof type;
    CHECK(zmq_getsockopt(a, ZMQ_TYPE, &type, &len) == 0 && type == ZMQ_PAIR);
    CHECK(zmq_bind(a, "inproc://misc") == 0 && zmq_connect(b, "inproc://misc") == 0);

    zmq_msg_t m, copy;
    CHECK(zmq_msg_init_size(&m, 100) == 0);
    memset(zmq_msg_data(&m), 'x', 100);
    CHECK(zmq_msg_init(&copy) == 0 && zmq_msg_copy(&copy, &m) == 0);
    CHECK(zmq_msg_get(&m, ZMQ_SHARED) == 1); /* the copy shares the body */
    CHECK(zmq_msg_set(&m, ZMQ_MORE, 1) == -1 && zmq_errno() == EINVAL); /* libzmq: no settable property */
    CHECK(zmq_msg_send(&m, a, ZMQ_SNDMORE) == 100);
    CHECK(zmq_msg_send(&copy, a, 0) == 100);
    CHECK(zmq_msg_close(&m) == 0 && zmq_msg_close(&copy) == 0);
    char buf[200];
    CHECK(zmq_recv(b, buf, 10, 0) == 100); /* truncated, the size still told */
    CHECK(zmq_recv(b, buf, sizeof buf, 0) == 100 && buf[99] == 'x');
    CHECK(zmq_close(a) == 0 && zmq_close(b) == 0);
    CHECK(zmq_ctx_term(ctx) == 0);

    uint8_t bin[32], back[32];
    for (int i = 0; i < 32; ++i)
        bin[i] = (uint8_t)(i * 7);
    char text[41];
    CHECK(zmq_z85_encode(text, bin, 32) == text && strlen(text) == 40);
    CHECK(zmq_z85_decode(back, text) == back && memcmp(bin, back, 32) == 0);
    CHECK(zmq_z85_encode(text, bin, 31) == NULL); /* not a multiple of 4 */

    void* counter = zmq_atomic_counter_new();
    zmq_atomic_counter_set(counter, 5);
    CHECK(zmq_atomic_counter_inc(counter) == 5); /* the value before */
    CHECK(zmq_atomic_counter_dec(counter) == 1); /* 1: still above zero */
    CHECK(zmq_atomic_counter_value(counter) == 5);
    zmq_atomic_counter_destroy(&counter);

    void* watch = zmq_stopwatch_start();
    zmq_sleep(0);
    unsigned long mid = zmq_stopwatch_intermediate(watch);
    unsigned long total = zmq_stopwatch_stop(watch);
    CHECK(total >= mid);
    say("misc ok");
    return 0;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: cpeer info | misc | errors HELD_PORT\n"
            "       cpeer send TYPE bind|connect EP N | recv TYPE bind|connect EP N [PREFIX]\n"
            "       cpeer rep bind|connect EP N | req bind|connect EP N | router EP N | stream EP\n"
            "       cpeer monitor bind|connect EP UNTIL_EVENT | poll EP | fd EP N\n"
            "       cpeer proxy FRONT BACK CAPTURE CONTROL | device IN OUT [proxy]\n"
            "       cpeer curve-server EP CLIENT_PUBLIC\n");
    return 2;
}

int main(int argc, char** argv)
{
    if (argc < 2)
        return usage();
    const char* role = argv[1];
    if (strcmp(role, "info") == 0) {
        print_library();
        return 0;
    }
    if (strcmp(role, "misc") == 0)
        return role_misc();
    if (strcmp(role, "errors") == 0)
        return role_errors(argc, argv);
    if (strcmp(role, "send") == 0)
        return role_send(argc, argv);
    if (strcmp(role, "recv") == 0)
        return role_recv(argc, argv);
    if (strcmp(role, "rep") == 0)
        return role_rep(argc, argv);
    if (strcmp(role, "req") == 0)
        return role_req(argc, argv);
    if (strcmp(role, "router") == 0)
        return role_router(argc, argv);
    if (strcmp(role, "stream") == 0)
        return role_stream(argc, argv);
    if (strcmp(role, "monitor") == 0)
        return role_monitor(argc, argv);
    if (strcmp(role, "poll") == 0)
        return role_poll(argc, argv);
    if (strcmp(role, "fd") == 0)
        return role_fd(argc, argv);
    if (strcmp(role, "proxy") == 0)
        return role_proxy(argc, argv);
    if (strcmp(role, "device") == 0)
        return role_device(argc, argv);
    if (strcmp(role, "curve-server") == 0)
        return role_curve_server(argc, argv);
    return usage();
}

# SPDX-License-Identifier: MIT
"""The C API from C, against pyzmq: cpeer (interop/capi/cpeer.c, a C program
on zmq.h linked with our libzmq.so.5) in each role against a pyzmq peer
running on the system's libzmq 4.3.4, and against another cpeer.

    test_capi_peers.py --list
    test_capi_peers.py CPEER SOURCE_DIR CASE

Each case checks first that cpeer runs on our library and pyzmq on the
system's. Waits are on events (a line cpeer prints, a message, a socket
event) with a generous timeout; nothing sleeps to synchronise.
"""
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import traceback

import zmq
import zmq.utils.monitor

CPEER = None
SOURCE = None
WAIT_S = 30.0
WAIT_MS = int(WAIT_S * 1000)


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tcp():
    return "tcp://127.0.0.1:%d" % free_port()


class Peer:
    """cpeer in a child process; its stdout read line by line on a thread."""

    def __init__(self, *args):
        self.args = [str(a) for a in args]
        self.proc = subprocess.Popen([CPEER, *self.args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def line(self):
        try:
            l = self.lines.get(timeout=WAIT_S)
        except queue.Empty:
            raise Failure("cpeer %s: no line in %.0f s (so far: %s)" % (self.args, WAIT_S, self.seen))
        if l is None:
            raise Failure("cpeer %s ended: %s (so far: %s)" % (self.args, self.stderr(), self.seen))
        self.seen.append(l)
        return l

    def expect(self, pattern):
        """The next line that matches `pattern` (lines before it are kept in seen)."""
        while True:
            l = self.line()
            m = re.match(pattern, l)
            if m:
                return m

    def write(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def stderr(self):
        try:
            self.proc.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        return self.proc.stderr.read().strip()

    def finish(self):
        """Waits for a clean exit; returns the lines not yet read."""
        try:
            rc = self.proc.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise Failure("cpeer %s did not exit (so far: %s)" % (self.args, self.seen))
        rest = []
        while True:
            l = self.lines.get(timeout=WAIT_S)
            if l is None:
                break
            rest.append(l)
        err = self.proc.stderr.read().strip()
        check(rc == 0, "cpeer %s exited %d: %s" % (self.args, rc, err))
        return rest

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def run(*args):
    p = Peer(*args)
    return p.finish()


def pysock(ctx, kind, **opts):
    s = ctx.socket(kind)
    s.linger = 0
    s.rcvtimeo = WAIT_MS
    s.sndtimeo = WAIT_MS
    for k, v in opts.items():
        s.setsockopt(getattr(zmq, k.upper()), v)
    return s


def expected_message(i):
    """What cpeer's send role sends as message i (frames)."""
    body = b"msg-%d" % i
    return [[b"head", b"", body], [body], [b"constant", body]][i % 3]


#----------------------------------------------------------------------------
# Cases

def case_libraries(ctx):
    """cpeer runs on our library, pyzmq on the system's libzmq."""
    lib = run("info")
    check(lib and "/capi/libzmq.so" in lib[0], "cpeer's library: %s" % lib)
    pylib = [l.split()[-1] for l in open("/proc/self/maps") if "libzmq.so" in l]
    check(pylib and "/capi/" not in pylib[0], "pyzmq's library: %s" % pylib)


def case_push_to_pyzmq(ctx):
    """C PUSH (multipart, zero-copy, send_const) -> pyzmq PULL, over tcp and ipc."""
    for ep in (tcp(), "ipc://%s/cpeer-%d" % (os.environ.get("TMPDIR", "/tmp"), os.getpid())):
        pull = pysock(ctx, zmq.PULL)
        pull.bind(ep)
        p = Peer("send", "push", "connect", ep, 300)
        for i in range(300):
            check(pull.recv_multipart() == expected_message(i), "message %d" % i)
        rest = p.finish()
        check(rest == ["sent 300"], "sender: %s" % rest)
        pull.close()


def started(*args):
    """cpeer with a binding role: (peer, the endpoint it bound) once it is ready."""
    p = Peer(*args)
    ep = p.expect(r"bound (\S+)").group(1)
    p.expect("ready")
    return p, ep


def case_pull_from_pyzmq(ctx):
    """pyzmq PUSH -> C PULL (zmq_msg_recv frame by frame, ZMQ_RCVMORE, zmq_msg_more)."""
    p, ep = started("recv", "pull", "bind", "tcp://127.0.0.1:*", 50)
    push = pysock(ctx, zmq.PUSH)
    push.connect(ep)
    for i in range(50):
        push.send_multipart([b"a%d" % i, b"", b"x" * (i * 100)])
    for i in range(50):
        check(p.line() == "msg: a%d||%s" % (i, "x" * (i * 100))[:8191 + 5], "message %d" % i)
    p.finish()


def case_pubsub(ctx):
    """pyzmq PUB -> C SUB with a prefix filter; C PUB -> pyzmq SUB."""
    pub = pysock(ctx, zmq.PUB)
    port = pub.bind_to_random_port("tcp://127.0.0.1")
    p = Peer("recv", "sub", "connect", "tcp://127.0.0.1:%d" % port, 3, "weather.")
    p.expect("ready")
    # The subscription reaches the publisher some time after connecting:
    # publish until the subscriber has printed three weather lines.
    got = []
    i = 0
    while len(got) < 3:
        pub.send(b"sports.%d" % i)
        pub.send(b"weather.%d" % i)
        i += 1
        try:
            got.append(p.lines.get(timeout=0.05))
        except queue.Empty:
            pass
        check(i < 100000, "the subscriber never got weather")
    for l in got:
        check(l is not None and l.startswith("msg: weather."), "filtered: %s" % got)
    p.finish()
    # C XPUB -> pyzmq SUB: the XPUB waits for the subscription (it reads
    # it as a message), then publishes; every message arrives.
    sub = pysock(ctx, zmq.SUB)
    sub.subscribe(b"")
    port = sub.bind_to_random_port("tcp://127.0.0.1")
    p = Peer("send", "xpub", "connect", "tcp://127.0.0.1:%d" % port, 30)
    for i in range(30):
        check(sub.recv_multipart() == expected_message(i), "published %d" % i)
    rest = p.finish()
    check(rest == ["subscribed: 01", "sent 30"], "publisher: %s" % rest)


def case_reqrep(ctx):
    """pyzmq REQ -> C REP (EFSM before the first recv, msg_move); C REQ -> pyzmq REP (EFSM on a second send)."""
    p, ep = started("rep", "bind", "tcp://127.0.0.1:*", 20)
    req = pysock(ctx, zmq.REQ)
    req.connect(ep)
    for i in range(20):
        req.send(b"hello %d" % i)
        check(req.recv() == b"re:hello %d" % i, "reply %d" % i)
    p.finish()
    rep = pysock(ctx, zmq.REP)
    port = rep.bind_to_random_port("tcp://127.0.0.1")
    p = Peer("req", "connect", "tcp://127.0.0.1:%d" % port, 10)
    for i in range(10):
        check(rep.recv() == b"q-%d" % i, "request %d" % i)
        rep.send(b"answer %d" % i)
        check(p.line() == "reply: answer %d" % i, "C got reply %d" % i)
    p.finish()


def case_router(ctx):
    """pyzmq DEALERs with routing ids -> C ROUTER (ROUTER_MANDATORY: EHOSTUNREACH for an unknown id)."""
    p, ep = started("router", "tcp://127.0.0.1:*", 6)
    dealers = []
    for name in (b"alice", b"bob", b"carol"):
        d = pysock(ctx, zmq.DEALER, routing_id=name)
        d.connect(ep)
        dealers.append((name, d))
    for name, d in dealers:
        for k in range(2):
            d.send_multipart([b"", b"%s-%d" % (name, k)])
    for name, d in dealers:
        for k in range(2):
            check(d.recv_multipart() == [b"", b"ok"], "%s's answer" % name)
    lines = p.finish() + p.seen
    for name, _ in dealers:
        for k in range(2):
            check("from %s: %s-%d" % (name.decode(), name.decode(), k) in lines, "routed %s" % lines)


def case_stream(ctx):
    """C STREAM socket and a plain TCP client: connect notification, data both ways, close by an empty frame."""
    p, ep = started("stream", "tcp://127.0.0.1:*")
    host, port = ep[len("tcp://"):].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=WAIT_S) as c:
        p.expect("connected")
        c.sendall(b"hello")
        check(p.line() == "received hello", "stream data: %s" % p.seen)
        got = b""
        while True:
            chunk = c.recv(100)
            if not chunk:
                break  # the C side closed the connection
            got += chunk
        check(got == b"world", "answer: %r" % got)
    p.finish()


def case_c_to_c(ctx):
    """cpeer against cpeer: PUSH -> PULL over tcp and ipc, REQ -> REP."""
    for ep in ("tcp://127.0.0.1:*", "ipc://%s/cpeer-c2c-%d" % (os.environ.get("TMPDIR", "/tmp"), os.getpid())):
        r, bound = started("recv", "pull", "bind", ep, 90)
        s = Peer("send", "push", "connect", bound, 90)
        for i in range(90):
            check(r.line() == "msg: " + "|".join(f.decode() for f in expected_message(i)), "c2c %d" % i)
        check(s.finish() == ["sent 90"], "sender")
        r.finish()
    rep, bound = started("rep", "bind", "tcp://127.0.0.1:*", 5)
    req = Peer("req", "connect", bound, 5)
    lines = req.finish()
    check(lines == ["reply: re:q-%d" % i for i in range(5)], "c2c replies: %s" % lines)
    rep.finish()


def case_monitor_bind(ctx):
    """zmq_socket_monitor on a binding PULL: LISTENING, ACCEPTED, HANDSHAKE_SUCCEEDED, DISCONNECTED, then CLOSED, MONITOR_STOPPED."""
    p, ep = started("monitor", "bind", "tcp://127.0.0.1:*", "DISCONNECTED")
    push = pysock(ctx, zmq.PUSH)
    push.connect(ep)
    mon = push.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED)
    check(zmq.utils.monitor.recv_monitor_message(mon)["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED,
          "pyzmq saw the handshake")
    mon.close()
    push.close()
    lines = p.seen + p.finish()
    events = [l.split() for l in lines if l.startswith("event ")]
    names = [e[1] for e in events]
    want = ["LISTENING", "ACCEPTED", "HANDSHAKE_SUCCEEDED", "DISCONNECTED", "CLOSED", "MONITOR_STOPPED"]
    check(names == want, "events %s" % lines)
    # As libzmq: the events of the accepted connection name the listener's endpoint.
    for e in events[:-1]:
        check(e[3] == ep, "endpoint of %s" % e)


def case_monitor_connect(ctx):
    """On a connecting PUSH: CONNECT_DELAYED / CONNECT_RETRIED while nothing listens, then CONNECTED and HANDSHAKE_SUCCEEDED."""
    port = free_port()
    ep = "tcp://127.0.0.1:%d" % port
    p = Peer("monitor", "connect", ep, "HANDSHAKE_SUCCEEDED")
    p.expect("ready")
    p.expect(r"event CONNECT_RETRIED \d+ " + re.escape(ep))
    pull = pysock(ctx, zmq.PULL)
    pull.bind(ep)
    rest = p.finish()
    events = [l.split()[1] for l in p.seen + rest if l.startswith("event ")]
    i = events.index("CONNECTED")
    check(events[i + 1] == "HANDSHAKE_SUCCEEDED", "events %s" % events)
    check(events[-1] == "MONITOR_STOPPED", "events %s" % events)
    pull.close()


def case_poll_with_fd(ctx):
    """zmq_poll over a C PULL and the process's stdin (a pipe): each wakes it."""
    p, ep = started("poll", "tcp://127.0.0.1:*")
    push = pysock(ctx, zmq.PUSH)
    push.connect(ep)
    for i in range(5):
        push.send(b"m%d" % i)
        check(p.line() == "msg: m%d" % i, "socket wake %d" % i)
        p.write("line %d" % i)
        check(p.line() == "stdin line %d" % i, "fd wake %d" % i)
    p.write("quit")
    p.finish()
    push.close()


def case_zmq_fd(ctx):
    """ZMQ_FD + ZMQ_EVENTS with poll(2), edge-triggered as libzmq's: 2000 messages, none missed."""
    p, ep = started("fd", "tcp://127.0.0.1:*", 2000)
    push = pysock(ctx, zmq.PUSH)
    push.connect(ep)
    for i in range(2000):
        push.send(b"%d" % i)
    rest = p.finish()
    check(rest == ["received 2000"], "reader: %s" % rest)
    push.close()


def case_proxy(ctx):
    """zmq_proxy_steerable in C between pyzmq REQ clients and REP workers: capture, PAUSE/RESUME, STATISTICS, TERMINATE."""
    eps = [tcp() for _ in range(4)]
    p = Peer("proxy", *eps)
    p.expect("ready")
    front, back, cap, ctl = eps
    client = pysock(ctx, zmq.REQ)
    client.connect(front)
    worker = pysock(ctx, zmq.REP)
    worker.connect(back)
    capture = pysock(ctx, zmq.PULL)
    capture.connect(cap)
    control = pysock(ctx, zmq.PAIR)
    control.connect(ctl)
    for i in range(10):
        client.send(b"question %d" % i)
        check(worker.recv() == b"question %d" % i, "forwarded %d" % i)
        worker.send(b"answer %d" % i)
        check(client.recv() == b"answer %d" % i, "answered %d" % i)
    for i in range(20):
        m = capture.recv_multipart()
        check(len(m) == 3 and m[1] == b"", "captured %s" % m)
    control.send(b"STATISTICS")
    stats = [int.from_bytes(f, sys.byteorder) for f in control.recv_multipart()]
    check(len(stats) == 8 and stats[0] == 10 and stats[2] == 10 and stats[4] == 10 and stats[6] == 10,
          "statistics %s" % stats)
    control.send(b"PAUSE")
    control.send(b"STATISTICS")
    control.recv_multipart()  # the PAUSE has been taken
    client.send(b"held")
    check(worker.poll(200) == 0, "nothing passes while paused")
    control.send(b"RESUME")
    check(worker.recv() == b"held", "resumed")
    control.send(b"TERMINATE")
    rest = p.finish()
    check("proxy returned 0" in p.seen + rest, "proxy's result: %s" % (p.seen + rest))


def case_device(ctx):
    """zmq_device(ZMQ_STREAMER), then zmq_proxy, in C between pyzmq PUSH and PULL; zmq_ctx_shutdown ends each with ETERM."""
    for how in ("device", "proxy"):
        streamer(ctx, how)


def streamer(ctx, how):
    p = Peer("device", "tcp://127.0.0.1:*", "tcp://127.0.0.1:*", *(["proxy"] if how == "proxy" else []))
    ep_in = p.expect(r"bound (\S+)").group(1)
    ep_out = p.expect(r"bound (\S+)").group(1)
    p.expect("ready")
    push = pysock(ctx, zmq.PUSH)
    push.connect(ep_in)
    pull = pysock(ctx, zmq.PULL)
    pull.connect(ep_out)
    for i in range(100):
        push.send_multipart([b"k", b"%d" % i])
    for i in range(100):
        check(pull.recv_multipart() == [b"k", b"%d" % i], "streamed %d" % i)
    p.write("quit")
    p.expect("device ended: ETERM")
    p.finish()


def case_curve_zap(ctx):
    """A C CURVE server with its ZAP handler in C: pyzmq's CURVE client with the admitted key gets through (User-Id from ZAP), another key is refused (400)."""
    good_pub, good_sec = zmq.curve_keypair()
    bad_pub, bad_sec = zmq.curve_keypair()
    p = Peer("curve-server", "tcp://127.0.0.1:*", good_pub.decode())
    ep = p.expect(r"bound (\S+)").group(1)
    server_key = p.expect(r"server-key (\S{40})").group(1).encode()
    # The refused one first: its handshake fails with the ZAP status.
    bad = pysock(ctx, zmq.PUSH, curve_serverkey=server_key, curve_publickey=bad_pub,
                 curve_secretkey=bad_sec)
    mon = bad.get_monitor_socket(zmq.EVENT_HANDSHAKE_FAILED_AUTH)
    bad.connect(ep)
    ev = zmq.utils.monitor.recv_monitor_message(mon)
    check(ev["event"] == zmq.EVENT_HANDSHAKE_FAILED_AUTH and ev["value"] == 400, "refused: %s" % ev)
    mon.close()
    bad.close()
    good = pysock(ctx, zmq.PUSH, curve_serverkey=server_key, curve_publickey=good_pub,
                  curve_secretkey=good_sec)
    good.connect(ep)
    good.send(b"over curve")
    m = p.expect(r"msg: (.*)")
    check(m.group(1) == "over curve user-id=client socket-type=PUSH", "message: %s" % m.group(0))
    rest = p.finish()
    zap = [l for l in p.seen + rest if l.startswith("zap ")]
    check("zap %s 400" % bad_pub.decode() in zap and "zap %s 200" % good_pub.decode() in zap, "zap %s" % zap)
    good.close()


def case_errors(ctx):
    """Error paths from C: EADDRINUSE on a port pyzmq holds, bad endpoints, EAGAIN, EFSM, ENOTSOCK, EFAULT, ETERM in a blocked recv."""
    holder = pysock(ctx, zmq.PULL)
    port = holder.bind_to_random_port("tcp://127.0.0.1")
    check(run("errors", port) == ["errors ok"], "errors")
    holder.close()


def case_misc(ctx):
    """Version, zmq_has, the deprecated context calls, context options, message calls, Z85, counters, stopwatch."""
    lines = run("misc")
    check(lines[0] == "version 4.3.4", "version: %s" % lines)
    check(lines[1] == "has curve=1 ipc=1 pgm=0", "has: %s" % lines)
    check(lines[-1] == "misc ok", "misc: %s" % lines)


def case_every_function_tested(ctx):
    """Every function declared in zmq.h and zmq_utils.h is called by a C test (capi_test.c or cpeer.c)."""
    headers = [os.path.join(SOURCE, "capi", "include", h) for h in ("zmq.h", "zmq_utils.h")]
    declared = set()
    for h in headers:
        declared |= set(re.findall(r"\b(zmq_[a-z0-9_]+)\s*\(", open(h).read()))
    tests = [os.path.join(SOURCE, "capi", "tests", "capi_test.c"), os.path.join(SOURCE, "interop", "capi", "cpeer.c")]
    called = set()
    for t in tests:
        called |= set(re.findall(r"\b(zmq_[a-z0-9_]+)\s*\(", open(t).read()))
    missing = sorted(declared - called)
    check(not missing, "declared in zmq.h but called by no C test: %s" % missing)


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def main(argv):
    global CPEER, SOURCE
    if len(argv) == 2 and argv[1] == "--list":
        for name in CASES:
            print(name, "parallel")
        return 0
    if len(argv) != 4 or argv[3] not in CASES:
        sys.stderr.write("usage: %s --list | CPEER SOURCE_DIR CASE\ncases: %s\n" % (argv[0], " ".join(CASES)))
        return 2
    CPEER, SOURCE = argv[1], argv[2]
    ctx = zmq.Context()
    try:
        CASES[argv[3]](ctx)
    except Failure as e:
        print("FAIL %s: %s" % (argv[3], e))
        return 1
    except Exception:
        traceback.print_exc()
        return 1
    finally:
        ctx.destroy(linger=0)
    print("ok %s" % argv[3])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The seed demo: the seed scenario's programs, written on this library,
against real libzmq peers (through pyzmq), and pyzmq programs against ours.

    scripts/demo          (or: /usr/bin/python3 examples/seed_demo.py --build-dir build)

Each scenario starts the example programs from examples/ (built in the build
directory) and pyzmq peers on ports chosen at run time, and prints one line
saying what happened. To add a scenario, write a function taking a `demo` and
returning a sentence (or raising DemoFailure), and decorate it with
@scenario("title"). Exit status: 0 when every scenario succeeded, 1 when one
failed, 2 on a setup problem.
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import threading
import time

TIMEOUT_S = 60
SCENARIOS = []


class DemoFailure(Exception):
    pass


class DemoSkipped(Exception):
    pass


def scenario(title):
    def register(fn):
        SCENARIOS.append((title, fn))
        return fn
    return register


class Program:
    """One of our example programs, run in the background."""

    def __init__(self, path, args):
        self.proc = subprocess.Popen([path] + [str(a) for a in args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.lines = []

    def read_line(self, pattern, timeout=TIMEOUT_S):
        """Reads stdout until a line matches `pattern`; returns the match."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise DemoFailure("%s ended early: %s" % (self.proc.args[0], self.stderr()))
            self.lines.append(line.rstrip("\n"))
            m = re.search(pattern, line)
            if m:
                return m
        raise DemoFailure("no line matching %r within %d s" % (pattern, timeout))

    def finish(self, timeout=TIMEOUT_S):
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise DemoFailure("%s did not finish within %d s" % (self.proc.args[0], timeout))
        self.lines += out.splitlines()
        if self.proc.returncode != 0:
            raise DemoFailure("%s exited with %d: %s" % (self.proc.args[0], self.proc.returncode,
                                                           self.stderr()))
        return self.lines

    def stderr(self):
        try:
            return self.proc.stderr.read().strip()[-300:]
        except Exception:
            return ""

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Demo:
    def __init__(self, build_dir, zmq):
        self.build_dir = build_dir
        self.zmq = zmq
        self.ctx = zmq.Context()

    def run(self, example, *args, optional=False):
        path = os.path.join(self.build_dir, "examples", example)
        if not os.access(path, os.X_OK):
            if optional:
                raise DemoSkipped("%s was not built (this compiler has no Asio co_await)" % example)
            raise DemoFailure("%s is missing: build it first" % path)
        return Program(path, args)

    def socket(self, kind, **opts):
        s = self.ctx.socket(kind)
        s.setsockopt(self.zmq.LINGER, 0)
        s.setsockopt(self.zmq.RCVTIMEO, TIMEOUT_S * 1000)
        s.setsockopt(self.zmq.SNDTIMEO, TIMEOUT_S * 1000)
        for k, v in opts.items():
            s.setsockopt(getattr(self.zmq, k), v)
        return s


# --- PUSH/PULL -----------------------------------------------------------------

@scenario("PUSH/PULL: our task_pusher -> 3 pyzmq workers")
def pusher_to_pyzmq_workers(demo, tasks=1000):
    zmq = demo.zmq
    pusher = demo.run("task_pusher", "tcp://127.0.0.1:0", tasks)
    workers = []
    try:
        endpoint = pusher.read_line(r"bound to (\S+)").group(1)
        # The pusher is up first and blocks; the workers arrive afterwards.
        workers = [demo.socket(zmq.PULL) for _ in range(3)]
        for w in workers:
            w.connect(endpoint)
        counts = [0, 0, 0]
        seen = set()
        poller = zmq.Poller()
        for w in workers:
            poller.register(w, zmq.POLLIN)
        ended = False
        deadline = time.monotonic() + TIMEOUT_S
        # END can overtake another worker's last task (each worker's queue is
        # ordered, the three are not): read until both are in.
        while not (ended and len(seen) == tasks) and time.monotonic() < deadline:
            for sock, _ in poller.poll(1000):
                msg = sock.recv().decode()
                if msg == "END":
                    ended = True
                    continue
                seen.add(msg)
                counts[workers.index(sock)] += 1
        pusher.finish()
    finally:
        pusher.kill()
        for w in workers:
            w.close()
    if len(seen) != tasks or sum(counts) != tasks:
        raise DemoFailure("%d distinct tasks of %d arrived" % (len(seen), tasks))
    return "%d tasks, sent before any worker existed, shared out as %s" % (
        tasks, " / ".join(map(str, counts)))


def watch_handshakes(demo, sock):
    """Starts watching a pyzmq socket's handshakes (before peers arrive)."""
    mon = sock.get_monitor_socket(demo.zmq.EVENT_HANDSHAKE_SUCCEEDED)
    mon.setsockopt(demo.zmq.RCVTIMEO, TIMEOUT_S * 1000)
    return mon


def wait_handshakes(demo, sock, mon, n):
    """Waits until `n` peers completed their handshake with a pyzmq socket."""
    from zmq.utils.monitor import recv_monitor_message
    zmq = demo.zmq
    try:
        for _ in range(n):
            recv_monitor_message(mon)
    except zmq.Again:
        raise DemoFailure("fewer than %d peers connected within %d s" % (n, TIMEOUT_S))
    finally:
        sock.disable_monitor()
        mon.close()


@scenario("PUSH/PULL: pyzmq ventilator -> 2 of our task_workers")
def pyzmq_pusher_to_workers(demo, tasks=1000):
    zmq = demo.zmq
    push = demo.socket(zmq.PUSH)
    port = push.bind_to_random_port("tcp://127.0.0.1")
    mon = watch_handshakes(demo, push)
    workers = [demo.run("task_worker", "tcp://127.0.0.1:%d" % port, "w%d" % i) for i in range(2)]
    try:
        # Both workers first, so that each gets one of the two END tasks.
        wait_handshakes(demo, push, mon, 2)
        for i in range(tasks):
            push.send(b"task %d" % i)
        push.send(b"END")
        push.send(b"END")
        done = [w.finish() for w in workers]
    finally:
        for w in workers:
            w.kill()
        push.close()
    counts = [sum(1 for line in lines if ": task " in line) for lines in done]
    if sum(counts) != tasks:
        raise DemoFailure("the workers did %s tasks, not %d" % (counts, tasks))
    return "%d tasks done, %s per worker" % (tasks, " / ".join(map(str, counts)))


# --- PUB/SUB ---------------------------------------------------------------------

@scenario("PUB/SUB: our weather_publisher -> pyzmq SUB (prefixes '1' and '2')")
def publisher_to_pyzmq_sub(demo, updates=500):
    zmq = demo.zmq
    pub = demo.run("weather_publisher", "tcp://127.0.0.1:0")
    sub = demo.socket(zmq.SUB)
    try:
        endpoint = pub.read_line(r"bound to (\S+)").group(1)
        sub.setsockopt(zmq.SUBSCRIBE, b"1")
        sub.setsockopt(zmq.SUBSCRIBE, b"2")
        sub.connect(endpoint)
        got = [sub.recv().decode() for _ in range(updates)]
    finally:
        pub.kill()
        sub.close()
    wrong = [u for u in got if u[0] not in "12"]
    if wrong:
        raise DemoFailure("unfiltered updates arrived, e.g. %r" % wrong[0])
    return "%d updates, every one for a zipcode starting with 1 or 2 (filtered at the publisher)" % updates


@scenario("PUB/SUB: pyzmq publisher -> our weather_subscriber (prefix '10001 ')")
def pyzmq_pub_to_subscriber(demo, updates=50):
    zmq = demo.zmq
    pub = demo.socket(zmq.PUB)
    port = pub.bind_to_random_port("tcp://127.0.0.1")
    sub = demo.run("weather_subscriber", "tcp://127.0.0.1:%d" % port, updates, "10001 ")
    stop = threading.Event()

    def publish():
        i = 0
        while not stop.is_set():
            pub.send(b"%05d 99 50" % (i % 100000))      # other zipcodes: filtered out
            pub.send(b"10001 %d 40" % (60 + i % 10))   # ours: average 64
            i += 1
            time.sleep(0.001)

    t = threading.Thread(target=publish)
    t.start()
    try:
        lines = sub.finish()
    finally:
        stop.set()
        t.join()
        sub.kill()
        pub.close()
    avg = [l for l in lines if l.startswith("average temperature")]
    if not avg:
        raise DemoFailure("no average printed: %r" % lines[-3:])
    return "subscribed, filtered and averaged %d updates: %s" % (updates, avg[0])


@scenario("PUB/SUB: pyzmq publishers -> our forwarder (XSUB/XPUB) -> pyzmq subscribers")
def forwarder_between_pyzmq(demo, per_sub=100):
    zmq = demo.zmq
    fwd = demo.run("forwarder", "tcp://127.0.0.1:0", "tcp://127.0.0.1:0")
    pubs, subs = [], []
    try:
        front = fwd.read_line(r"publishers: (\S+)").group(1)
        back = fwd.read_line(r"subscribers: (\S+)").group(1)
        for topic in (b"A", b"B"):
            sub = demo.socket(zmq.SUB, RCVTIMEO=TIMEOUT_S * 1000)
            sub.setsockopt(zmq.SUBSCRIBE, topic)
            sub.connect(back)
            subs.append((topic, sub))
        # Both subscriptions have crossed the forwarder (it prints each one).
        for _ in range(2):
            fwd.read_line(r"^subscribe ")
        pubs = [demo.socket(zmq.PUB) for _ in range(2)]
        for pub in pubs:
            pub.connect(front)
        stop = threading.Event()

        def publish(pub, name):
            i = 0
            while not stop.is_set():
                for topic in (b"A", b"B", b"C"):   # C: nobody subscribed, filtered out
                    pub.send(b"%s %s %d" % (topic, name, i))
                i += 1
                time.sleep(0.002)

        threads = [threading.Thread(target=publish, args=(p, b"p%d" % n)) for n, p in enumerate(pubs)]
        for t in threads:
            t.start()
        try:
            got = {topic: [sub.recv() for _ in range(per_sub)] for topic, sub in subs}
        finally:
            stop.set()
            for t in threads:
                t.join()
    finally:
        for pub in pubs:
            pub.close()
        for _, sub in subs:
            sub.close()
        if fwd.proc.poll() is None:
            fwd.proc.send_signal(signal.SIGTERM)
    fwd.finish()
    for topic, msgs in got.items():
        wrong = [m for m in msgs if not m.startswith(topic + b" ")]
        if wrong:
            raise DemoFailure("subscriber %r got %r" % (topic, wrong[0]))
    senders = {m.split()[1] for msgs in got.values() for m in msgs}
    return ("%d messages per subscriber, each only its prefix, from %d publishers; "
            "the forwarder exited cleanly on SIGTERM" % (per_sub, len(senders)))


# --- REQ/REP ---------------------------------------------------------------------

def pyzmq_rep_server(demo, port, stop, answered):
    zmq = demo.zmq
    rep = demo.socket(zmq.REP, RCVTIMEO=200)
    rep.bind("tcp://127.0.0.1:%d" % port)
    while not stop.is_set():
        try:
            rep.recv()
        except zmq.Again:
            continue
        rep.send(b"World")
        answered.append(1)
    rep.close()


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@scenario("REQ/REP: our hello_client -> pyzmq REP")
def client_to_pyzmq_rep(demo, requests=5):
    port = free_port()
    stop, answered = threading.Event(), []
    t = threading.Thread(target=pyzmq_rep_server, args=(demo, port, stop, answered))
    t.start()
    client = demo.run("hello_client", "tcp://127.0.0.1:%d" % port, requests)
    try:
        lines = client.finish()
    finally:
        stop.set()
        t.join()
        client.kill()
    replies = [l for l in lines if l.startswith("client received World")]
    if len(replies) != requests:
        raise DemoFailure("%d replies of %d" % (len(replies), requests))
    return "%d Hello/World round trips in lockstep" % requests


@scenario("REQ/REP: pyzmq REQ -> our hello_server")
def pyzmq_req_to_server(demo, requests=5):
    zmq = demo.zmq
    server = demo.run("hello_server", "tcp://127.0.0.1:0", requests)
    req = demo.socket(zmq.REQ)
    try:
        endpoint = server.read_line(r"bound to (\S+)").group(1)
        req.connect(endpoint)
        for i in range(requests):
            req.send(b"Hello %d" % i)
            if req.recv() != b"World":
                raise DemoFailure("wrong reply")
        server.finish()
    finally:
        server.kill()
        req.close()
    return "%d requests answered" % requests


@scenario("REQ/REP: the server dies holding a request and restarts")
def server_restart(demo, requests=3):
    zmq = demo.zmq
    port = free_port()
    endpoint = "tcp://127.0.0.1:%d" % port
    # A pyzmq server that takes the first request and dies without answering.
    dying = subprocess.Popen(["/usr/bin/python3", "-c", (
        "import zmq,os;c=zmq.Context();s=c.socket(zmq.REP);s.bind(%r);"
        "print(s.recv().decode(),flush=True);os._exit(1)") % endpoint],
        stdout=subprocess.PIPE, text=True)
    client = demo.run("hello_client", endpoint, requests)
    stop, answered = threading.Event(), []
    t = None
    try:
        taken = dying.stdout.readline().strip()
        dying.wait(TIMEOUT_S)
        died = time.monotonic()
        # A new server on the same endpoint: the client resends by itself.
        t = threading.Thread(target=pyzmq_rep_server, args=(demo, port, stop, answered))
        t.start()
        lines = client.finish()
        recovered = time.monotonic() - died
    finally:
        stop.set()
        if t:
            t.join()
        client.kill()
        if dying.poll() is None:
            dying.kill()
    replies = [l for l in lines if l.startswith("client received World")]
    if len(replies) != requests:
        raise DemoFailure("the client got %d replies of %d: %r" % (len(replies), requests, lines))
    return ("the server died holding %r; the client resent it to the restarted server and "
            "finished its %d requests (%.1f s after the crash, no application code)"
            % (taken, requests, recovered))


# --- asynchronous API ---------------------------------------------------------------

@scenario("async: pyzmq DEALER -> our coro_echo (a coroutine ROUTER)")
def dealer_to_coro_echo(demo, messages=100):
    zmq = demo.zmq
    echo = demo.run("coro_echo", "tcp://127.0.0.1:0", messages, optional=True)
    dealer = demo.socket(zmq.DEALER)
    try:
        endpoint = echo.read_line(r"bound to (\S+)").group(1)
        dealer.connect(endpoint)
        for i in range(messages):
            dealer.send_multipart([b"part-a %d" % i, b"part-b"])
        back = [dealer.recv_multipart() for _ in range(messages)]
        echo.finish()
    finally:
        echo.kill()
        dealer.close()
    if back != [[b"part-a %d" % i, b"part-b"] for i in range(messages)]:
        raise DemoFailure("the echoes differ")
    return "%d two-part messages echoed by co_await on the socket's executor" % messages


@scenario("async: our multi_socket waits on a pyzmq PUSH and a pyzmq PUB at once")
def multi_socket(demo, tasks=20):
    zmq = demo.zmq
    if not os.access(os.path.join(demo.build_dir, "examples", "multi_socket"), os.X_OK):
        raise DemoSkipped("multi_socket was not built (this compiler has no Asio co_await)")
    push = demo.socket(zmq.PUSH)
    pub = demo.socket(zmq.PUB)
    tport = push.bind_to_random_port("tcp://127.0.0.1")
    cport = pub.bind_to_random_port("tcp://127.0.0.1")
    worker = demo.run("multi_socket", "tcp://127.0.0.1:%d" % tport, "tcp://127.0.0.1:%d" % cport)
    try:
        for i in range(tasks):
            push.send(b"job %d" % i)
        worker.read_line(r"task: job %d$" % (tasks - 1))
        # The control channel is a PUB: repeat until the subscriber is attached.
        deadline = time.monotonic() + TIMEOUT_S
        while worker.proc.poll() is None and time.monotonic() < deadline:
            pub.send(b"KILL")
            time.sleep(0.05)
        lines = worker.finish()
    finally:
        worker.kill()
        push.close()
        pub.close()
    done = [l for l in lines if l.startswith("stopped after")]
    return "took %d tasks from one socket, stopped on KILL from the other (%s)" % (
        tasks, done[0] if done else "?")


# --- driver ------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description="The seed scenario against pyzmq peers")
    ap.add_argument("--build-dir", default="build", help="CMake build directory (default: build)")
    args = ap.parse_args()
    try:
        import zmq
    except ImportError:
        print("seed_demo: this Python (%s) cannot import zmq; run it with /usr/bin/python3 "
              "(Debian's python3-zmq)" % sys.executable, file=sys.stderr)
        return 2
    if not os.path.isdir(os.path.join(args.build_dir, "examples")):
        print("seed_demo: no examples in %s (build first: scripts/demo does)" % args.build_dir,
              file=sys.stderr)
        return 2

    demo = Demo(args.build_dir, zmq)
    print("The seed scenario: this library's example programs against libzmq %s "
          "(pyzmq %s), and pyzmq programs against ours\n" % (zmq.zmq_version(), zmq.pyzmq_version()))
    failures = 0
    for title, fn in SCENARIOS:
        start = time.monotonic()
        try:
            print("  [ok]   %s\n         %s  [%.1f s]" % (title, fn(demo), time.monotonic() - start))
        except DemoSkipped as e:
            print("  [skip] %s\n         %s" % (title, e))
        except DemoFailure as e:
            failures += 1
            print("  [FAIL] %s\n         %s" % (title, e))
        sys.stdout.flush()
    demo.ctx.term()
    if failures:
        print("\nseed_demo: %d of %d scenarios failed" % (failures, len(SCENARIOS)), file=sys.stderr)
        return 1
    print("\nno scenario failed")
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())

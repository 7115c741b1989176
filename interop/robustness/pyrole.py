#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""pyrole: rpeer's twin on pyzmq (libzmq 4.3.4): the same roles, command
line and output (see the top of rpeer.cpp).

    pyrole.py ROLE [--bind EP]... [--connect EP]... [--opt NAME=VALUE]...
                   [--id NAME] [--rate N] [--size N] [--stat-ms N] [--log]

Differences: events come from a libzmq socket monitor (kinds renamed to
ours: handshake-succeeded, disconnected, ...; reason "-"); REQ with
--opt req_timeout=MS is the classic lazy-pirate client of the ZeroMQ guide
(poll for the reply; on timeout close the socket, open a new one and send
the same request again, up to req_retries times).
"""
import sys
import threading
import time

import zmq
from zmq.utils.monitor import recv_monitor_message

out_lock = threading.Lock()


def emit(line):
    with out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


EVENT_NAMES = {
    zmq.EVENT_CONNECTED: "connected",
    zmq.EVENT_CONNECT_RETRIED: "connect-retried",
    zmq.EVENT_LISTENING: "listening",
    zmq.EVENT_ACCEPTED: "accepted",
    zmq.EVENT_CLOSED: "closed",
    zmq.EVENT_DISCONNECTED: "disconnected",
    getattr(zmq, "EVENT_HANDSHAKE_SUCCEEDED", 0x1000): "handshake-succeeded",
    getattr(zmq, "EVENT_HANDSHAKE_FAILED_PROTOCOL", 0x2000): "handshake-failed",
}
OPTS = {
    "sndhwm": zmq.SNDHWM, "rcvhwm": zmq.RCVHWM, "linger": zmq.LINGER,
    "reconnect_ivl": zmq.RECONNECT_IVL, "reconnect_ivl_max": zmq.RECONNECT_IVL_MAX,
    "handshake_ivl": zmq.HANDSHAKE_IVL, "heartbeat_ivl": zmq.HEARTBEAT_IVL,
    "heartbeat_timeout": zmq.HEARTBEAT_TIMEOUT, "heartbeat_ttl": zmq.HEARTBEAT_TTL,
}
ROLES = {"push": zmq.PUSH, "pub": zmq.PUB, "req": zmq.REQ, "pull": zmq.PULL, "sub": zmq.SUB,
         "rep": zmq.REP}


class Tracker:
    def __init__(self):
        self.count = self.dup = self.gap = 0
        self.first = self.last = -1

    def see(self, seq):
        self.count += 1
        if self.first < 0:
            self.first = seq
        if seq <= self.last:
            self.dup += 1
            return
        if self.last >= 0 and seq > self.last + 1:
            self.gap += seq - self.last - 1
        self.last = seq


class Role:
    def __init__(self, argv):
        if len(argv) < 2 or argv[1] not in ROLES:
            emit("fatal usage: pyrole.py push|pub|req|pull|sub|rep ...")
            sys.exit(2)
        self.role = argv[1]
        self.eps = []
        self.opts = {}
        self.req_timeout = 0
        self.req_retries = 3
        self.id = "p"
        self.rate = 100
        self.size = 0
        self.stat_ms = 1000
        self.log = False
        i = 2
        while i < len(argv):
            a = argv[i]
            v = argv[i + 1] if i + 1 < len(argv) else None
            i += 2
            if a == "--bind":
                self.eps.append((True, v))
            elif a == "--connect":
                self.eps.append((False, v))
            elif a == "--id":
                self.id = v
            elif a == "--rate":
                self.rate = int(v)
            elif a == "--size":
                self.size = int(v)
            elif a == "--stat-ms":
                self.stat_ms = max(10, int(v))
            elif a == "--log":
                self.log = True
                i -= 1
            elif a == "--opt":
                name, _, val = v.partition("=")
                if name == "req_timeout":
                    self.req_timeout = int(val)
                elif name == "req_retries":
                    self.req_retries = int(val)
                elif name == "req_correlate":
                    pass  # the lazy-pirate client below checks the reply itself
                elif name in OPTS:
                    self.opts[OPTS[name]] = int(val)
                else:
                    emit("fatal bad option " + v)
                    sys.exit(2)
            else:
                emit("fatal unknown argument %s" % a)
                sys.exit(2)
        self.ctx = zmq.Context()
        self.stop = threading.Event()
        self.next = 0
        self.received = 0
        self.exhausted = 0
        self.badreply = 0
        self.malformed = 0
        self.senders = {}
        self.lock = threading.Lock()

    # Sockets ---------------------------------------------------------------

    def make_socket(self):
        s = self.ctx.socket(ROLES[self.role])
        s.setsockopt(zmq.LINGER, 5000)
        for k, v in self.opts.items():
            s.setsockopt(k, v)
        if self.role == "sub":
            s.setsockopt(zmq.SUBSCRIBE, b"")
        mon = s.get_monitor_socket()
        threading.Thread(target=self.monitor, args=(mon,), daemon=True).start()
        return s

    def attach(self, s, announce):
        for is_bind, ep in self.eps:
            if is_bind:
                s.bind(ep)
                if announce:
                    emit("bound " + s.getsockopt(zmq.LAST_ENDPOINT).decode())
            else:
                s.connect(ep)

    def monitor(self, mon):
        try:
            self.monitor_events(mon)
        finally:
            mon.close(0)  # or Context.term() would wait for it

    def monitor_events(self, mon):
        while True:
            try:
                ev = recv_monitor_message(mon)
            except zmq.ZMQError:
                return
            kind = EVENT_NAMES.get(ev["event"])
            if ev["event"] == zmq.EVENT_MONITOR_STOPPED:
                return
            if kind:
                ep = ev.get("endpoint", b"-")
                if isinstance(ep, bytes):
                    ep = ep.decode(errors="replace")
                emit("event %s %s - seq=%d" % (kind, ep or "-", self.next))

    def body(self, seq):
        b = ("%s:%d" % (self.id, seq)).encode()
        return b.ljust(self.size, b".")

    def pace(self, tick):
        if self.rate <= 0:
            return tick
        tick += 1.0 / self.rate
        now = time.monotonic()
        if tick < now - 1.0:
            tick = now
        if tick > now:
            time.sleep(tick - now)  # pacing, not synchronisation
        return tick

    # Loops -----------------------------------------------------------------

    def send_loop(self, s):
        tick = time.monotonic()
        while not self.stop.is_set():
            if not s.poll(200, zmq.POLLOUT) and self.role != "pub":
                continue
            s.send(self.body(self.next))
            self.next += 1
            tick = self.pace(tick)

    def req_loop(self):
        s = self.make_socket()
        self.attach(s, True)
        emit("ready")
        tick = time.monotonic()
        while not self.stop.is_set():
            seq = self.next
            q = self.body(seq)
            s.send(q)
            retries = self.req_retries
            timeout = self.req_timeout if self.req_timeout > 0 else 200
            while True:
                if s.poll(timeout):
                    r = s.recv_multipart()
                    if r != [q]:
                        self.badreply += 1
                        emit("badreply %d %r" % (seq, r[:1]))
                        continue  # a REQ never passes a stale reply; be safe
                    if self.log:
                        emit("a %d" % seq)
                    self.next = seq + 1
                    break
                if self.stop.is_set():
                    s.close(0)
                    return
                if self.req_timeout <= 0:
                    continue  # plain REQ: wait on
                # Lazy pirate: a new socket and the same request again.
                s.close(0)
                s = self.make_socket()
                self.attach(s, False)
                if retries == 0:
                    self.exhausted += 1
                    emit("exhausted %d" % seq)
                    retries = self.req_retries
                else:
                    retries -= 1
                s.send(q)
            tick = self.pace(tick)
        s.close()

    def recv_loop(self, s, echo):
        while not self.stop.is_set():
            if not s.poll(200):
                continue
            m = s.recv_multipart()
            self.received += 1
            ok = False
            if len(m) == 1:
                ident, _, rest = m[0].partition(b":")
                digits = b""
                for ch in rest:
                    if 48 <= ch <= 57:
                        digits += bytes([ch])
                    else:
                        break
                if digits:
                    ok = True
                    ident = ident.decode(errors="replace")
                    seq = int(digits)
                    with self.lock:
                        self.senders.setdefault(ident, Tracker()).see(seq)
                    if self.log:
                        emit("r %s %d" % (ident, seq))
            if not ok:
                self.malformed += 1
            if echo:
                s.send_multipart(m)

    def stat_loop(self):
        while not self.stop.wait(self.stat_ms / 1000):
            with self.lock:
                dup = sum(t.dup for t in self.senders.values())
                gap = sum(t.gap for t in self.senders.values())
                n = len(self.senders)
            emit("stat next=%d recv=%d dup=%d gap=%d senders=%d exhausted=%d badreply=%d "
                 "malformed=%d" % (self.next, self.received, dup, gap, n, self.exhausted,
                                   self.badreply, self.malformed))

    def input_loop(self):
        for line in sys.stdin:
            if line.strip() == "stop":
                break
        self.stop.set()

    def run(self):
        threading.Thread(target=self.input_loop, daemon=True).start()
        threading.Thread(target=self.stat_loop, daemon=True).start()
        if self.role == "req":
            self.req_loop()
        else:
            s = self.make_socket()
            self.attach(s, True)
            emit("ready")
            if self.role in ("push", "pub"):
                self.send_loop(s)
            else:
                self.recv_loop(s, self.role == "rep")
            s.close()
        self.ctx.term()
        with self.lock:
            for ident, t in sorted(self.senders.items()):
                emit("final %s count=%d first=%d last=%d dup=%d gap=%d" %
                     (ident, t.count, t.first, t.last, t.dup, t.gap))
        if self.role == "req":
            emit("answered %d" % self.next)
        elif self.role in ("push", "pub"):
            emit("sent %d" % self.next)
        emit("done")
        return 0


if __name__ == "__main__":
    sys.exit(Role(sys.argv).run())

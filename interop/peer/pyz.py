#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""pyz: zpeer's twin on pyzmq/libzmq 4.3.4 -- the same command line and the
same line protocol (see zpeer.cpp), so a test can swap the two sides.

    pyz.py TYPE [--bind EP]... [--connect EP]... [--opt NAME=VALUE]...
                [--sub TOPIC]... [-v]

Differences from zpeer: events come from a libzmq socket monitor (kinds
mapped to zpeer's names, REASON is libzmq's event value); wait-peers counts
handshakes minus disconnections seen by that monitor; wait-sub, the
req_fail_on_disconnect/req_timeout/req_retries options and proxy mode do not
exist. The default linger is 2 s (as ours), not libzmq's infinity.
"""
import os
import sys
import threading
import time
import zlib

import zmq

out_lock = threading.Lock()


def emit(line):
    with out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def die(why):
    emit("fatal " + why)
    sys.exit(2)


def payload(n):
    block = bytes(range(251))
    return (block * (n // 251 + 1))[:n]


def parse_frame(spec):
    if spec == "-":
        return b""
    if spec.startswith("size:"):
        return payload(int(spec[5:]))
    if spec.startswith("hex:"):
        return bytes.fromhex(spec[4:])
    if spec.startswith("str:"):
        return spec[4:].encode()
    return spec.encode()


def render_frame(f):
    if not f:
        return "-"
    if len(f) <= 64:
        return f.hex()
    return "#%d:%08x" % (len(f), zlib.crc32(f) & 0xFFFFFFFF)


def render(frames):
    return ",".join(render_frame(bytes(f)) for f in frames)


INT_OPTS = {
    "sndhwm": [zmq.SNDHWM], "rcvhwm": [zmq.RCVHWM], "hwm": [zmq.SNDHWM, zmq.RCVHWM],
    "linger": [zmq.LINGER], "sndtimeo": [zmq.SNDTIMEO], "rcvtimeo": [zmq.RCVTIMEO],
    "reconnect_ivl": [zmq.RECONNECT_IVL], "reconnect_ivl_max": [zmq.RECONNECT_IVL_MAX],
    "handshake_ivl": [zmq.HANDSHAKE_IVL], "heartbeat_ivl": [zmq.HEARTBEAT_IVL],
    "heartbeat_timeout": [zmq.HEARTBEAT_TIMEOUT], "heartbeat_ttl": [zmq.HEARTBEAT_TTL],
    "backlog": [zmq.BACKLOG], "req_relaxed": [zmq.REQ_RELAXED],
    "req_correlate": [zmq.REQ_CORRELATE], "router_mandatory": [zmq.ROUTER_MANDATORY],
    "router_handover": [zmq.ROUTER_HANDOVER], "xpub_verbose": [zmq.XPUB_VERBOSE],
    "xpub_verboser": [zmq.XPUB_VERBOSER], "xpub_nodrop": [zmq.XPUB_NODROP],
}


def apply_option(sock, name, value):
    if name == "routing_id":
        sock.setsockopt(zmq.ROUTING_ID, parse_frame(value))
        return True
    if name not in INT_OPTS:
        return False
    if value in ("true", "on", "yes", "false", "off", "no"):
        v = 1 if value in ("true", "on", "yes") else 0
    else:
        v = int(value)
    for o in INT_OPTS[name]:
        sock.setsockopt(o, v)
    return True


EVENT_NAMES = {
    zmq.EVENT_CONNECTED: "connected",
    zmq.EVENT_CONNECT_DELAYED: "connect-delayed",
    zmq.EVENT_CONNECT_RETRIED: "connect-retried",
    zmq.EVENT_LISTENING: "listening",
    zmq.EVENT_BIND_FAILED: "bind-failed",
    zmq.EVENT_ACCEPTED: "accepted",
    zmq.EVENT_ACCEPT_FAILED: "accept-failed",
    zmq.EVENT_CLOSED: "closed",
    zmq.EVENT_CLOSE_FAILED: "close-failed",
    zmq.EVENT_DISCONNECTED: "disconnected",
    zmq.EVENT_MONITOR_STOPPED: "monitor-stopped",
    zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL: "handshake-failed",
    zmq.EVENT_HANDSHAKE_SUCCEEDED: "handshake-succeeded",
    zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL: "handshake-failed",
    zmq.EVENT_HANDSHAKE_FAILED_AUTH: "handshake-failed",
}

ERRNO_NAMES = {
    zmq.EFSM: "bad_state", zmq.ENOTSUP: "not_supported", zmq.EHOSTUNREACH: "host_unreachable",
    zmq.ETERM: "closed", zmq.EINVAL: "invalid_argument",
}


def err_name(e, timeout):
    if isinstance(e, zmq.Again):
        return "would_block" if timeout == 0 else "timed_out"
    return ERRNO_NAMES.get(e.errno, "errno:%d" % e.errno)


class Monitor(threading.Thread):
    """Prints the socket's events (-v) and counts connected peers."""

    def __init__(self, sock, verbose):
        super().__init__(daemon=True)
        self.pair = sock.get_monitor_socket()
        self.verbose = verbose
        self.peers = 0
        self.cond = threading.Condition()

    def run(self):
        from zmq.utils.monitor import recv_monitor_message
        while True:
            try:
                ev = recv_monitor_message(self.pair)
            except zmq.ZMQError:
                return
            kind = EVENT_NAMES.get(ev["event"], "event-%d" % ev["event"])
            with self.cond:
                if ev["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED:
                    self.peers += 1
                elif ev["event"] == zmq.EVENT_DISCONNECTED:
                    self.peers = max(0, self.peers - 1)
                self.cond.notify_all()
            if self.verbose:
                ep = ev["endpoint"].decode(errors="replace") or "-"
                emit("event %s %s %d" % (kind, ep, ev["value"]))
            if ev["event"] == zmq.EVENT_MONITOR_STOPPED:
                self.pair.close(0)
                return

    def wait_peers(self, n, timeout_ms):
        deadline = None if timeout_ms < 0 else time.monotonic() + timeout_ms / 1000
        with self.cond:
            while self.peers < n:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self.cond.wait(left)
        return True


class Peer:
    def __init__(self, ctx, type_name, verbose):
        self.sock = ctx.socket(getattr(zmq, type_name.upper()))
        self.sock.setsockopt(zmq.LINGER, 2000)
        self.monitor = Monitor(self.sock, verbose)
        self.monitor.start()
        self.rcvtimeo = -1

    def recv(self, timeout):
        if timeout != self.rcvtimeo:
            self.sock.setsockopt(zmq.RCVTIMEO, timeout)
            self.rcvtimeo = timeout
        return self.sock.recv_multipart()

    def run(self, line):
        w = line.split()
        if not w:
            return True
        c = w[0]
        s = self.sock
        tmo = lambda i, d=-1: int(w[i]) if len(w) > i else d
        try:
            if c == "quit":
                return False
            elif c == "send":
                s.send_multipart([parse_frame(x) for x in w[1:]])
                emit("ok")
            elif c == "sendm":
                count, prefix, pace = int(w[1]), (w[2] if len(w) > 2 else "m"), tmo(3, 0)
                size = tmo(4, 0)
                for i in range(count):
                    try:
                        s.send((b"%s%d" % (prefix.encode(), i)).ljust(size, b"."))
                    except zmq.ZMQError as e:
                        emit("err %s %d" % (err_name(e, s.getsockopt(zmq.SNDTIMEO)), i))
                        return True
                    if pace > 0:
                        time.sleep(pace / 1000)
                emit("ok %d" % count)
            elif c == "recv":
                t = tmo(1)
                try:
                    emit("msg " + render(self.recv(t)))
                except zmq.ZMQError as e:
                    emit("err " + err_name(e, t))
            elif c in ("recvm", "drain"):
                if c == "recvm":
                    count, t = int(w[1]), tmo(2)
                else:
                    count, t = None, tmo(1, 500)
                got = []
                stream = len(w) > 2 and w[2] == "-s"
                while count is None or len(got) < count:
                    try:
                        got.append(render(self.recv(t)))
                    except zmq.ZMQError:
                        break
                    if stream and c == "drain":
                        emit("event recv " + got[-1])
                emit(" ".join(["msgs", str(len(got))] + got))
            elif c == "echo":
                count, t = int(w[1]) if len(w) > 1 else 1, tmo(2)
                for i in range(count):
                    try:
                        s.send_multipart(self.recv(t))
                    except zmq.ZMQError as e:
                        emit("err %s %d" % (err_name(e, t), i))
                        return True
                emit("ok %d" % count)
            elif c in ("sub", "unsub"):
                s.setsockopt(zmq.SUBSCRIBE if c == "sub" else zmq.UNSUBSCRIBE, parse_frame(w[1]))
                emit("ok")
            elif c == "wait-peers":
                emit("ok" if self.monitor.wait_peers(int(w[1]), tmo(2)) else "err timed_out")
            elif c == "peers":
                emit("ok %d" % self.monitor.peers)
            elif c == "set":
                emit("ok" if apply_option(s, w[1], w[2]) else "err invalid_argument")
            elif c == "bind":
                s.bind(w[1])
                emit("ok " + s.getsockopt(zmq.LAST_ENDPOINT).decode())
            elif c == "connect":
                s.connect(w[1])
                emit("ok")
            elif c == "disconnect":
                s.disconnect(w[1])
                emit("ok")
            elif c == "unbind":
                s.unbind(w[1])
                emit("ok")
            elif c == "poll":
                flag = zmq.POLLIN if w[2] == "in" else zmq.POLLOUT
                emit("ok " + (w[2] if s.poll(int(w[1]), flag) & flag else "none"))
            elif c == "sleep":
                time.sleep(int(w[1]) / 1000)
                emit("ok")
            elif c == "close":
                s.close()
                emit("ok")
            else:
                emit("err bad_command " + c)
        except zmq.ZMQError as e:
            emit("err " + err_name(e, -1))
        return True


def main():
    if len(sys.argv) < 2:
        die("usage: pyz.py TYPE [--bind EP] [--connect EP] [--opt N=V] [--sub T] [-v]")
    args = sys.argv[2:]
    binds, opts, subs, verbose = [], [], [], False
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-v":
            verbose = True
        elif a in ("--bind", "--connect", "--opt", "--sub") and i + 1 < len(args):
            i += 1
            {"--bind": binds, "--connect": binds, "--opt": opts, "--sub": subs}[a].append(
                (a, args[i]))
        else:
            die("unknown argument " + a)
        i += 1
    ctx = zmq.Context()
    peer = Peer(ctx, sys.argv[1], verbose)
    for _, kv in opts:
        name, _, value = kv.partition("=")
        if not apply_option(peer.sock, name, value):
            die("bad option " + kv)
    for _, t in subs:
        peer.sock.setsockopt(zmq.SUBSCRIBE, parse_frame(t))
    for a, ep in binds:
        if a == "--bind":
            peer.sock.bind(ep)
            emit("bound " + peer.sock.getsockopt(zmq.LAST_ENDPOINT).decode())
        else:
            peer.sock.connect(ep)
    emit("ready")
    for line in sys.stdin:
        if not peer.run(line):
            break
    # Queued messages get the linger to go out (zmq_ctx_term waits for it);
    # a monitor that fails to stop must not hang the exit.
    linger = peer.sock.getsockopt(zmq.LINGER) if not peer.sock.closed else 2000
    if not peer.sock.closed:
        peer.sock.disable_monitor()
        peer.sock.close()
    peer.monitor.join(2)
    term = threading.Thread(target=ctx.term, daemon=True)
    term.start()
    term.join(max(linger, 0) / 1000 + 3)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Malformed input against every socket type that listens.

    test_malformed.py --list | ZPEER RPEER CASE

robust.malformed.<type>: zpeer binds a socket of that type; a long-lived
healthy pyzmq peer is connected to it. Then raw TCP clients attack it, one
attack per connection (see ATTACKS). After each attack:

  - the bad connection is closed with a handshake-failed or disconnected
    event for exactly that connection (matched by the client's port), whose
    reason is the zmtp::error the attack must provoke;
  - the listening process's RSS has not grown by more than a few MiB
    (/proc/PID/status, sampled before and after);
  - the healthy peer still makes a round trip through the socket.

At the end a freshly connected pyzmq peer makes a round trip too (accepting
still works), and zpeer must exit cleanly (a sanitizer report at exit, a
leak say, fails the case).

robust.corpus.replay: every committed fuzz seed (tests/fuzz/seeds) and, when
present, libzmq's *null*_seed_corpus files (/work/shared/reference/
fuzz-corpora, or $ZMTP_FUZZ_CORPORA) are replayed, one per connection,
against a bound socket of the type the seed was written for; each
connection must end with exactly one handshake-failed/disconnected event,
and a healthy peer must still work after every seed.
"""
import glob
import os
import struct
import sys
import threading
import time

import robustlib as rl
from robustlib import Failure, check, check_eq, MiB, KiB
import peerlib as pl
from peerlib import OURS, Peer, case, render
import zmq

REPO = os.path.normpath(os.path.join(rl.HERE, "..", ".."))

# Per bound type: the socket type our raw attackers announce in READY (a
# compatible one) and the healthy pyzmq peer's type.
TYPES = {
    "pull": ("PUSH", zmq.PUSH),
    "push": ("PULL", zmq.PULL),
    "pub": ("SUB", zmq.SUB),
    "xpub": ("SUB", zmq.SUB),
    "sub": ("PUB", zmq.PUB),
    "xsub": ("PUB", zmq.PUB),
    "req": ("REP", zmq.REP),
    "rep": ("REQ", zmq.REQ),
    "dealer": ("DEALER", zmq.DEALER),
    "router": ("DEALER", zmq.DEALER),
    "pair": ("PAIR", zmq.PAIR),
}
# Types that send to a peer on their own: the stalled-reader attack floods them.
SENDERS = ("push", "pub", "xpub", "dealer", "router", "pair")

# Growth of the listener's RSS allowed per attack and over a whole case
# (rl.mem_limit() under sanitizers). An attack that made us allocate
# what it declares (256 MiB, 2^62 bytes, 100 000 frames, a 1 MiB PING) or
# queue without bound would exceed them by far.
PER_ATTACK_LIMIT = 4 * MiB
TOTAL_LIMIT = 12 * MiB
# The stalled reader: FLOOD_COUNT messages of FLOOD_SIZE bytes (64 MiB)
# offered to a socket with sndhwm=SNDHWM. What may stay queued for the
# stalled peer is SNDHWM * FLOOD_SIZE (400 KiB) plus one write batch
# (512 KiB); the rest goes to the healthy peer or is dropped (PUB).
FLOOD_SIZE = 4096
FLOOD_COUNT = 16384
SNDHWM = 100
FLOOD_LIMIT = 8 * MiB

HEALTHY_ID = b"healthy"


#----------------------------------------------------------------------------
# The healthy peer

class Healthy:
    """A pyzmq peer of the right type connected to zpeer's socket, and its
    round trip."""

    def __init__(self, z, type_, fresh_name="healthy"):
        self.z = z
        self.type = type_
        self.n = 0
        self.name = fresh_name
        _, ztype = TYPES[type_]
        opts = {}
        if ztype == zmq.DEALER:
            opts["routing_id"] = HEALTHY_ID
        self.s = rl.zsock(ztype, **opts)
        if ztype == zmq.SUB:
            self.s.setsockopt(zmq.SUBSCRIBE, b"")
        self.s.connect(z.ep)
        self.lock = threading.Lock()
        self.join()

    def join(self):
        z, t = self.z, self.type
        if t in ("pub", "xpub"):
            # The subscription has reached the publisher: nothing is lost after.
            z.ok("wait-sub - %d" % int(rl.WAIT_S * 1000))
        elif t in ("sub", "xsub"):
            if t == "xsub":
                z.ok("wait-peers 1 %d" % int(rl.WAIT_S * 1000))
                z.send(b"\x01")  # XSUB: subscribe to everything, upstream
            pl.probe(lambda: self.s.send(b"probe"),
                     lambda: z.recv_result(200) == ("msg", render([b"probe"])),
                     "%s: healthy PUB joined" % t)
        else:
            z.ok("wait-peers 1 %d" % int(rl.WAIT_S * 1000))

    def round_trip(self, what):
        """One message each way (or one way, for the one-way types)."""
        self.n += 1
        q = b"%s-%d" % (self.name.encode(), self.n)
        a = q + b"-back"
        z, s, t = self.z, self.s, self.type
        w = "%s: healthy round trip after %s" % (t, what)
        with self.lock:
            if t == "pull":
                s.send(q)
                self.z_recv(render([q]), w)
            elif t in ("push", "pub", "xpub"):
                # Not z.send(): after a flood the send may wait for room
                # that only our draining makes.
                z.write("send " + pl.spec(q))
                check_eq(self.recv_skipping(w), [q], w)
                check_eq(z.response(what="send"), "ok", w)
            elif t in ("sub", "xsub"):
                s.send(q)
                self.z_recv(render([q]), w)
            elif t == "req":
                z.send(q)
                check_eq(rl.zrecv(s, what=w), [q], w)
                s.send(a)
                self.z_recv(render([a]), w)
            elif t == "rep":
                # Echo until our request is the one answered: requests that
                # replayed peers left in the queue come first.
                s.send(q)
                for _ in range(1000):
                    check_eq(z.cmd("echo 1 %d" % int(rl.WAIT_S * 1000)), "ok 1", w)
                    if s.poll(0) or s.poll(100):
                        break
                check_eq(rl.zrecv(s, what=w), [q], w)
            elif t == "router":
                s.send(q)
                self.z_recv(render([HEALTHY_ID, q]), w)
                z.send(HEALTHY_ID, a)
                check_eq(rl.zrecv(s, what=w), [a], w)
            else:  # dealer, pair
                z.write("send " + pl.spec(q))
                check_eq(self.recv_skipping(w), [q], w)
                check_eq(z.response(what="send"), "ok", w)
                s.send(a)
                self.z_recv(render([a]), w)

    def z_recv(self, want, w):
        """zpeer's next message that is `want` (a rendering), skipping what
        replayed or attacking peers delivered before they were closed."""
        skipped = []
        for _ in range(1000):
            got = self.z.recv()
            if got == want:
                return
            skipped.append(got)
        raise Failure("%s: never got %s; got %s" % (w, want, pl.short(skipped)))

    def recv_skipping(self, w):
        """Receives, skipping what a flood left on the way (healthy PULL/SUB)."""
        while True:
            m = rl.zrecv(self.s, what=w)
            if not m[0].startswith(b"flood"):
                return m

    def drain_flood(self, stop):
        """In a thread: read (and count) what a flood sends us until stop is set."""
        n = 0
        with self.lock:
            while not stop.is_set():
                if self.s.poll(50):
                    while True:
                        try:
                            self.s.recv(zmq.NOBLOCK)
                            n += 1
                        except zmq.Again:
                            break
        return n

    def close(self):
        self.s.close(0)


#----------------------------------------------------------------------------
# Attacks: (name, bytes to send, expected event kind, expected reasons)

def ready_cmd(peer_type, identity=None):
    return pl.ready(peer_type.encode(), identity)


def handshake(peer_type, identity=None):
    return pl.greeting() + ready_cmd(peer_type, identity)


def attacks(peer_type):
    hs = handshake(peer_type)
    g = pl.greeting()
    protocol = {n for n in rl.ZMTP_ERRORS if n}
    out = []
    for seed in (1, 2, 3):
        junk = rl.seeded_random(seed, 4096)
        junk = b"\x13" + junk[1:]  # anything but the 0xFF a signature starts with
        out.append(("random-bytes-%d" % seed, junk, "handshake-failed", {"bad_signature"}))
    out.append(("random-after-greeting", g + rl.seeded_random(7, 4096), "handshake-failed",
                protocol))
    out.append(("http-request",
                b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: robust\r\n"
                b"Accept: */*\r\n\r\n", "handshake-failed", {"bad_signature"}))
    # The first 30 bytes of a valid greeting, then EOF.
    out.append(("truncated-greeting-eof", g[:30], "handshake-failed", {"unexpected_eof"},
                "eof"))
    # A 3.x-shaped greeting announcing version 1.0 / 2.0, the first bytes a
    # real ZMTP/2.0 peer sends (revision 1, socket type PUSH, identity), and
    # a ZMTP/1.0 peer's first bytes (an identity frame: no signature).
    out.append(("version-1.0", g[:10] + b"\x01\x00" + g[12:], "handshake-failed",
                {"unsupported_version"}))
    out.append(("version-2.0", g[:10] + b"\x02\x00" + g[12:], "handshake-failed",
                {"unsupported_version"}))
    out.append(("zmtp-2.0-peer", b"\xff" + b"\x00" * 7 + b"\x01\x7f" + b"\x01\x08\x00\x00",
                "handshake-failed", {"unsupported_version"}))
    out.append(("zmtp-1.0-peer", b"\x01\x00\x05\x00hello", "handshake-failed",
                {"bad_signature"}))
    out.append(("unknown-mechanism", pl.greeting(mechanism=b"FOO"), "handshake-failed",
                {"unknown_mechanism"}))
    out.append(("plain-mechanism", pl.greeting(mechanism=b"PLAIN"), "handshake-failed",
                {"mechanism_mismatch"}))
    out.append(("data-before-ready", g + pl.frame(b"hello"), "handshake-failed",
                {"data_before_ready"}))
    # Property value length 1000 where 4 bytes follow.
    bad_prop = b"\x0bSocket-Type" + struct.pack(">I", 1000) + peer_type.encode()
    out.append(("ready-property-past-body", g + pl.command(b"READY", bad_prop),
                "handshake-failed", {"malformed_metadata"}))
    # Command name length 32 where 5 bytes follow.
    out.append(("command-name-past-body", g + pl.frame(b"\x20READY", command=True),
                "handshake-failed", {"malformed_command"}))
    out.append(("ready-without-socket-type",
                g + pl.command(b"READY", pl.prop(b"Identity", b"x")),
                "handshake-failed", {"missing_socket_type"}))
    # After a complete handshake: sizes and counts past the limits.
    out.append(("frame-2^62", hs + rl.long_header(1 << 62) + b"x" * (1 << 20), "disconnected",
                {"frame_too_large"}))
    out.append(("frame-above-max", hs + rl.long_header((256 << 20) + 1) + b"x" * (1 << 20),
                "disconnected", {"frame_too_large"}))
    out.append(("100000-one-byte-frames", hs + b"\x01\x01x" * 99999 + b"\x00\x01x",
                "disconnected", {"too_many_frames"}))
    out.append(("ping-1MiB-context", hs + pl.command(b"PING", b"\x00\x0a" + b"c" * (1 << 20)),
                "disconnected", {"command_too_large"}))
    return out


def attack_once(z, name, data, kind, reasons, how="close"):
    """Connects, sends `data`, then (how="eof") closes its writing side;
    waits for the connection's closing event, checks it, and closes."""
    mark = z.mark()
    s = rl.raw_socket(z.ep)
    lport = s.getsockname()[1]
    try:
        rl.send_quietly(s, data)
        if how == "eof":
            s.shutdown(rl.socket.SHUT_WR)
        got_kind, got_reason = rl.wait_closed(z, lport, mark)
    finally:
        s.close()
    check(got_kind == kind and got_reason in reasons,
          "%s: expected %s %s, got %s %s" % (name, kind, "|".join(sorted(reasons)),
                                              got_kind, got_reason))
    return got_reason


def stalled_reader(z, t, h):
    """A peer that completes the handshake (and subscribes, for PUB/XPUB)
    and then never reads nor writes while we send to it. Heartbeats
    (enabled for this connection only) must drop it with heartbeat_timeout;
    the memory queued for it stays within the high-water mark."""
    peer_type, _ = TYPES[t]
    z.set("heartbeat_ivl", 200)
    z.set("heartbeat_timeout", 1000)
    mark = z.mark()
    data = handshake(peer_type, b"stall" if t == "router" else None)
    if t in ("pub", "xpub"):
        data += pl.command(b"SUBSCRIBE", b"")
    s = rl.raw_socket(z.ep)
    # A small receive buffer: the kernel holds little on our side.
    s.setsockopt(rl.socket.SOL_SOCKET, rl.socket.SO_RCVBUF, 64 * KiB)
    lport = s.getsockname()[1]
    try:
        s.sendall(data)
        z.wait_event("handshake-succeeded", since=mark, pred=rl.is_our_conn(lport))
        z.set("heartbeat_ivl", 0)
        z.set("heartbeat_timeout", -1)
        if t in SENDERS:
            before = rl.settle_rss(z.proc.pid, "before the flood")
            stop = threading.Event()
            result = {}
            drainer = None
            if h is not None:
                drainer = threading.Thread(
                    target=lambda: result.update(n=h.drain_flood(stop)), daemon=True)
                drainer.start()
            try:
                if t == "router":
                    # Addressed to the stalled peer: pipelined sends.
                    n = FLOOD_COUNT // 2
                    for i in range(n):
                        z.write("send str:stall size:%d" % FLOOD_SIZE)
                    answers = [z.response(what="flood send") for _ in range(n)]
                    check(all(a == "ok" for a in answers),
                          "router flood: %s" % sorted(set(answers)))
                else:
                    if t == "pair":
                        z.set("sndtimeo", 3000)  # PAIR blocks at the HWM
                    r = z.cmd("sendm %d flood 0 %d" % (FLOOD_COUNT, FLOOD_SIZE),
                              timeout=rl.WAIT_S * 6)
                    if t == "pair":
                        z.set("sndtimeo", -1)
                        check(r.startswith("err timed_out ") or r.startswith("ok"),
                              "pair flood: %r" % r)
                    else:
                        check_eq(r, "ok %d" % FLOOD_COUNT, "%s flood" % t)
                grown = rl.check_rss_growth(z.proc.pid, before, FLOOD_LIMIT,
                                            "%s: flooding a stalled reader" % t)
                offered = (FLOOD_COUNT // 2 if t == "router" else FLOOD_COUNT) * FLOOD_SIZE
                print("  %s: RSS %s -> %s while %s offered to a stalled reader" %
                      (t, rl.mib(before), rl.mib(grown), rl.mib(offered)))
            finally:
                stop.set()
                if drainer is not None:
                    drainer.join(rl.WAIT_S)
        got_kind, got_reason = rl.wait_closed(z, lport, mark)
    finally:
        s.close()
    check(got_kind == "disconnected" and got_reason == "heartbeat_timeout",
          "stalled reader: expected disconnected heartbeat_timeout, got %s %s" %
          (got_kind, got_reason))


def silent_connection(z):
    """Connects and sends nothing: handshake_timeout (handshake_ivl 300 ms)."""
    z.set("handshake_ivl", 300)
    try:
        mark = z.mark()
        s = rl.raw_socket(z.ep)
        lport = s.getsockname()[1]
        t0 = time.monotonic()
        try:
            got = rl.wait_closed(z, lport, mark)
        finally:
            s.close()
        check_eq(got, ("handshake-failed", "handshake_timeout"), "silent connection")
        print("  silent connection dropped after %.2f s" % (time.monotonic() - t0))
    finally:
        z.set("handshake_ivl", 30000)


def malformed(t):
    peer_type, _ = TYPES[t]
    z = Peer(OURS, t, bind=["tcp://127.0.0.1:0"], opts=["sndhwm=%d" % SNDHWM],
             subs=["-"] if t == "sub" else [], name="zpeer-" + t)
    pid = z.proc.pid
    # PAIR takes one peer at a time: its healthy peer connects for each
    # check and leaves before the next attack.
    keep = t != "pair"
    h = Healthy(z, t) if keep else None

    def check_healthy(what):
        nonlocal h
        if keep:
            h.round_trip(what)
            return
        fresh = Healthy(z, t, "fresh")
        fresh.round_trip(what)
        fresh.close()
        pl.wait_until(lambda: z.cmd("peers") == "ok 0", "%s: the healthy PAIR peer gone" % t)

    # Warm up (allocator arenas, first receive chunks), then the baseline.
    for _ in range(3):
        check_healthy("warm-up")
    attack_once(z, "warm-up", b"warm-up", "handshake-failed", {"bad_signature"})
    check_healthy("warm-up attack")
    baseline = rl.settle_rss(pid, "baseline")
    print("%s: baseline RSS %s, %d fds" % (t, rl.mib(baseline), rl.fds(pid)))

    for a in attacks(peer_type):
        name, data, kind, reasons = a[:4]
        how = a[4] if len(a) > 4 else "close"
        before = rl.rss(pid)
        reason = attack_once(z, name, data, kind, reasons, how)
        check_healthy(name)
        after = rl.check_rss_growth(pid, before, PER_ATTACK_LIMIT, "%s: %s" % (t, name))
        print("  %-28s %s %-22s RSS %+d KiB" % (name, kind, reason, (after - before) // 1024))

    silent_connection(z)
    check_healthy("a silent connection")

    end = rl.check_rss_growth(pid, baseline, TOTAL_LIMIT, "%s: over all attacks" % t)
    print("%s: RSS %s -> %s over all attacks" % (t, rl.mib(baseline), rl.mib(end)))
    # A fresh peer can still connect and talk.
    if keep:
        h.close()
        pl.wait_until(lambda: z.cmd("peers") == "ok 0", "%s: the healthy peer gone" % t)
        fresh = Healthy(z, t, "fresh")
        fresh.round_trip("all attacks (fresh peer)")
        fresh.close()
    z.quit()


for _t in TYPES:
    case("robust.malformed.%s" % _t)(lambda t=_t: malformed(t))


def stalled(t):
    """The stalled reader (see stalled_reader()), then a healthy round trip
    on the long-lived peer and on a fresh one."""
    z = Peer(OURS, t, bind=["tcp://127.0.0.1:0"], opts=["sndhwm=%d" % SNDHWM],
             subs=["-"] if t == "sub" else [], name="zpeer-" + t)
    keep = t != "pair"
    h = Healthy(z, t) if keep else None
    if keep:
        h.round_trip("start")
    baseline = rl.settle_rss(z.proc.pid, "baseline")
    stalled_reader(z, t, h)
    if keep:
        h.round_trip("a stalled reader")
        h.close()
    pl.wait_until(lambda: z.cmd("peers") == "ok 0", "%s: all peers gone" % t)
    fresh = Healthy(z, t, "fresh")
    fresh.round_trip("a stalled reader (fresh peer)")
    fresh.close()
    rl.check_rss_growth(z.proc.pid, baseline, TOTAL_LIMIT, "%s: after the stalled reader" % t)
    z.quit()


# A regression test: in dca9dc5 a peer that disconnected with messages still
# queued to it took that many units of send credit with it
# (socket_core::session_terminated dropped the queue before the pattern
# subtracted the pipe's free slots), so after a peer with a full queue left,
# PUSH, DEALER and PAIR could no longer send to anybody. The per-pipe credit
# bookkeeping (dealer_pattern::resync_credit) fixed it.
for _t in TYPES:
    case("robust.stalled-reader.%s" % _t)(lambda t=_t: stalled(t))


#----------------------------------------------------------------------------
# Fuzz corpora replayed against bound sockets

# Socket types in zmtp::socket_type order (the fuzz harness takes b0 % 11).
HARNESS_TYPES = ["pair", "pub", "sub", "req", "rep", "dealer", "router", "pull", "push", "xpub",
                 "xsub"]


def shared_corpora():
    """libzmq's NULL-mechanism seed corpora, when this machine has them."""
    cands = [os.environ.get("ZMTP_FUZZ_CORPORA", ""),
             "/work/shared/reference/fuzz-corpora",
             os.path.join(REPO, "..", "shared", "reference", "fuzz-corpora")]
    for d in cands:
        if d and os.path.isdir(d):
            return sorted(glob.glob(os.path.join(d, "*null*_seed_corpus")))
    return []


def replay_inputs():
    """(label, bound type, bytes) for every input."""
    out = []
    seeds = os.path.join(REPO, "tests", "fuzz", "seeds")
    for path in sorted(glob.glob(os.path.join(seeds, "fuzz_connection", "*"))):
        b = open(path, "rb").read()
        if len(b) < 4:
            continue
        t = HARNESS_TYPES[b[0] % 11]
        stream = b[4:]
        if b[1] & 1:  # the harness puts a valid greeting + READY in front
            stream = pl.greeting(minor=0 if b[1] & 2 else 1) + ready_cmd(TYPES[t][0]) + stream
        out.append(("seeds/fuzz_connection/" + os.path.basename(path), t, stream))
    for path in sorted(glob.glob(os.path.join(seeds, "fuzz_frame_decoder", "*"))):
        # Frame streams (behind 7 control bytes): fed to a PULL after a handshake.
        b = open(path, "rb").read()[7:]
        out.append(("seeds/fuzz_frame_decoder/" + os.path.basename(path), "pull",
                    handshake("PUSH") + b))
    for d in shared_corpora():
        # libzmq's fuzzers fed these to a bound PUB (bind) and a SUB (connect).
        t = "pub" if "bind" in os.path.basename(d) else "sub"
        for path in sorted(glob.glob(os.path.join(d, "*"))):
            out.append((os.path.basename(d) + "/" + os.path.basename(path)[:12], t,
                        open(path, "rb").read()))
    return out


def corpus_replay():
    inputs = replay_inputs()
    check(len(inputs) > 50, "too few replay inputs: %d" % len(inputs))
    print("%d inputs (%d from libzmq's corpora)" %
          (len(inputs), sum(1 for i in inputs if not i[0].startswith("seeds/"))))
    servers = {}
    for label, t, data in inputs:
        if t not in servers:
            z = Peer(OURS, t, bind=["tcp://127.0.0.1:0"], subs=["-"] if t == "sub" else [],
                     name="zpeer-" + t)
            if t == "pair":
                servers[t] = (z, None, rl.rss(z.proc.pid))
            else:
                h = Healthy(z, t)
                h.round_trip("start")
                servers[t] = (z, h, rl.settle_rss(z.proc.pid, "baseline"))
        z, h, _ = servers[t]
        mark = z.mark()
        s = rl.raw_socket(z.ep)
        lport = s.getsockname()[1]
        try:
            rl.send_quietly(s, data)
            try:
                s.shutdown(rl.socket.SHUT_WR)
            except OSError:
                pass
            kind, reason = rl.wait_closed(z, lport, mark)
        finally:
            s.close()
        if h is not None:
            h.round_trip(label)
        else:
            # PAIR: a fresh healthy peer (the socket takes one at a time).
            pl.wait_until(lambda: z.cmd("peers") == "ok 0", "pair: replayed peer gone")
            fresh = Healthy(z, t, "fresh")
            fresh.round_trip(label)
            fresh.close()
            pl.wait_until(lambda: z.cmd("peers") == "ok 0", "pair: healthy peer gone")
        print("  %-58s %-6s %s %s" % (label, t, kind, reason))
    for t, (z, h, base) in servers.items():
        rl.check_rss_growth(z.proc.pid, base, TOTAL_LIMIT, "%s: after the replay" % t)
        if h is not None:
            h.close()
        z.quit()


case("robust.corpus.replay")(corpus_replay)


if __name__ == "__main__":
    sys.exit(rl.main(sys.argv))

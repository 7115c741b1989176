#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""PUB/SUB against libzmq 4.3.4 (issue "PUB/SUB").

    test_pubsub.py --list | ZPEER CASE

Peers are our zpeer and pyz.py (pyzmq) in child processes, pyzmq sockets in
this process where many are needed, and raw ZMTP peers written here with
plain sockets. Subscriptions are synchronised by probes: the publisher sends
a probe on a topic subscribed last until the subscriber receives one (see
peerlib.probe) -- the arrival proves the subscriptions reached the publisher.
"""
import sys
import threading
import time

import zmq

from peerlib import (OURS, PYZMQ, WAIT_S, Failure, Peer, RawListener, Relay, case, check,
                     check_eq, command, endpoint, frame, free_port, main, probe, raw_connect,
                     render, spec)

DIRS = {"ours-to-pyzmq": (OURS, PYZMQ), "pyzmq-to-ours": (PYZMQ, OURS)}
PROBE = render([b"sync"])


def r(*frames):
    return render(list(frames))


def start_pubsub(pub_impl, sub_impl, binder, transport="tcp", pub_opts=(), sub_opts=(),
                 subs=()):
    ep = endpoint(transport)
    if binder == "pub":
        pub = Peer(pub_impl, "pub", bind=[ep], opts=pub_opts)
        sub = Peer(sub_impl, "sub", connect=[pub.ep], opts=sub_opts, subs=subs)
    else:
        sub = Peer(sub_impl, "sub", bind=[ep], opts=sub_opts, subs=subs)
        pub = Peer(pub_impl, "pub", connect=[sub.ep], opts=pub_opts)
    return pub, sub


def sync(pub, subs, probe_frame="sync"):
    """Probes until every SUB (subscribed to the probe topic) has received one."""
    pending = list(subs)
    want = r(probe_frame.encode())

    def received():
        for s in list(pending):
            kind, m = s.recv_result(100)
            if kind == "msg" and m == want:  # not a leftover of an earlier probe
                pending.remove(s)
        return not pending

    probe(lambda: pub.ok("send " + spec(probe_frame)), received,
          "PUB %s to %d SUB(s)" % (pub.name, len(subs)))


def collect_until(sub, marker, skip=(PROBE,)):
    """Messages up to and including `marker` (a rendering), leftover probes skipped."""
    got = []
    while True:
        m = sub.recv()
        if m in skip:
            continue
        got.append(m)
        if m == marker:
            return got


#----------------------------------------------------------------------------
# Prefix filtering, overlapping subscriptions, unsubscribe, first frame only

def filtering(pub_impl, sub_impl):
    for binder in ("pub", "sub"):
        pub, sub = start_pubsub(pub_impl, sub_impl, binder)
        # Subscribe on the live connection, so they go out in this order
        # and the probe topic, last, proves the others arrived.
        sub.ok("wait-peers 1")
        for t in ("A", "AB", "weather.", "B", "B", "sync"):
            sub.ok("sub " + t)
        sync(pub, [sub])
        for m in ("Apple", "ABC", "Banana", "weather.paris", "weathe", "-", "a"):
            pub.ok("send " + m)
        pub.ok("send B-topic Apayload")   # first frame decides: "B" matches
        pub.ok("send C-topic Apayload")   # nothing matches the first frame
        pub.ok("send AB-topic x")
        pub.ok("send weather.end")
        check_eq(collect_until(sub, r(b"weather.end")),
                 [r(b"Apple"), r(b"ABC"), r(b"Banana"), r(b"weather.paris"),
                  r(b"B-topic", b"Apayload"), r(b"AB-topic", b"x"), r(b"weather.end")],
                 "%s binds: delivered (each once)" % binder)
        # Unsubscribe: A goes, AB stays; B was subscribed twice, needs two.
        sub.ok("unsub A")
        sub.ok("unsub B")
        sub.ok("unsub sync")
        sub.ok("sub sync2")
        sync(pub, [sub], "sync2")
        for m in ("Apple", "ABC", "Banana", "weather.end2"):
            pub.ok("send " + m)
        check_eq(collect_until(sub, r(b"weather.end2"), skip=(PROBE, r(b"sync2"))),
                 [r(b"ABC"), r(b"Banana"), r(b"weather.end2")],
                 "%s binds: after unsubscribing A and one of two B" % binder)
        sub.ok("unsub B")
        sub.ok("unsub sync2")
        sub.ok("sub sync3")
        sync(pub, [sub], "sync3")
        for m in ("Banana", "ABC", "weather.end3"):
            pub.ok("send " + m)
        check_eq(collect_until(sub, r(b"weather.end3"), skip=(r(b"sync2"), r(b"sync3"))),
                 [r(b"ABC"), r(b"weather.end3")],
                 "%s binds: after the second unsubscribe from B" % binder)
        pub.quit()
        sub.quit()


for _d, (_p, _s) in DIRS.items():
    case("pubsub.filter.%s" % _d)(lambda p=_p, s=_s: filtering(p, s))


#----------------------------------------------------------------------------
# Subscription wire format towards ZMTP 3.0 and 3.1 peers

def wire_form(minor, subscribe, topic):
    if minor >= 1:
        name = b"SUBSCRIBE" if subscribe else b"CANCEL"
        return command(name, topic)
    return frame(bytes([1 if subscribe else 0]) + topic)


def sub_wire(minor):
    """Our SUB in front of a raw PUB that announces ZMTP 3.<minor>."""
    for sub_binds in (False, True):
        if sub_binds:
            sub = Peer(OURS, "sub", bind=[endpoint("tcp")], subs=["B"])
            raw = raw_connect(sub.ep)
        else:
            ls = RawListener()
            sub = Peer(OURS, "sub", connect=[ls.ep], subs=["B"])
            raw = ls.accept()
        raw.handshake(b"PUB", minor=minor)
        what = "3.%d peer, SUB %s" % (minor, "binds" if sub_binds else "connects")
        # Subscribed before the connection: sent right after the handshake.
        check_eq(raw.read_raw_frame().hex(" "), wire_form(minor, True, b"B").hex(" "),
                 what + ": subscription made before connecting")
        sub.ok("sub A")
        check_eq(raw.read_raw_frame().hex(" "), wire_form(minor, True, b"A").hex(" "),
                 what + ": subscribe A")
        sub.ok("unsub A")
        check_eq(raw.read_raw_frame().hex(" "), wire_form(minor, False, b"A").hex(" "),
                 what + ": cancel A")
        sub.ok("sub -")
        check_eq(raw.read_raw_frame().hex(" "), wire_form(minor, True, b"").hex(" "),
                 what + ": subscribe to everything")
        raw.sendall(frame(b"ALOL"))
        check_eq(sub.recv(), r(b"ALOL"), what + ": data from the raw PUB")
        sub.quit()
        raw.close()


def sub_wire_offline(minor):
    """Subscriptions changed while the SUB has no connection are sent as
    their net result once it connects: A, not the B that came and went."""
    ls_port = free_port()
    ep = "tcp://127.0.0.1:%d" % ls_port
    sub = Peer(OURS, "sub", connect=[ep])
    for c in ("sub A", "sub B", "unsub B", "sub D", "sub D", "unsub D"):
        sub.ok(c)
    ls = RawListener(ls_port)
    raw = ls.accept()
    raw.handshake(b"PUB", minor=minor)
    got = [raw.read_raw_frame().hex(" "), raw.read_raw_frame().hex(" ")]
    check_eq(sorted(got), sorted([wire_form(minor, True, b"A").hex(" "),
                                  wire_form(minor, True, b"D").hex(" ")]),
             "3.%d: subscriptions sent on connecting" % minor)
    sub.ok("sub C")  # the next frame is C's: nothing else was sent in between
    check_eq(raw.read_raw_frame().hex(" "), wire_form(minor, True, b"C").hex(" "),
             "3.%d: a later subscription" % minor)
    sub.quit()
    raw.close()
    ls.close()


def pub_wire(minor):
    """Our PUB accepts both subscription forms from raw SUBs of either version."""
    pub = Peer(OURS, "pub", bind=[endpoint("tcp")])
    for legacy in (False, True):
        if minor == 0 and not legacy:
            continue  # 3.0 has only the data-frame form
        raw = raw_connect(pub.ep)
        raw.handshake(b"SUB", minor=minor)
        what = "3.%d raw SUB, %s form" % (minor, "legacy" if legacy else "command")
        # Topics of their own: the previous connection's may linger a moment.
        a, z = (b"A", b"Z") if legacy else (b"a", b"z")

        def subscribe(on, topic):
            if legacy:
                raw.sendall(frame(bytes([1 if on else 0]) + topic))
            else:
                raw.sendall(command(b"SUBSCRIBE" if on else b"CANCEL", topic))

        subscribe(True, a)
        pub.ok("wait-sub %s 20000" % spec(a))
        for m in (a + b"LOL", b"BOO", a + b"X"):
            pub.ok("send " + spec(m))
        check_eq(raw.read_message(), [a + b"LOL"], what + ": first match")
        check_eq(raw.read_message(), [a + b"X"], what + ": second match (BOO filtered)")
        subscribe(False, a)
        subscribe(True, z)
        pub.ok("wait-sub %s 20000" % spec(z))  # the cancel, sent before, is processed too
        pub.ok("send " + spec(a + b"LOL2"))
        pub.ok("send " + spec(z + b"1"))
        check_eq(raw.read_message(), [z + b"1"], what + ": after the cancel")
        raw.close()
    pub.quit()


for _minor in (0, 1):
    case("pubsub.wire.sub-to-raw-3.%d" % _minor)(lambda m=_minor: sub_wire(m))
    case("pubsub.wire.pub-from-raw-3.%d" % _minor)(lambda m=_minor: pub_wire(m))
    case("pubsub.wire.sub-offline-3.%d" % _minor)(lambda m=_minor: sub_wire_offline(m))


#----------------------------------------------------------------------------
# Fan-out to 20 SUBs

NSUBS = 20


def local_sync(send_probe, socks, what):
    """probe() for pyzmq sockets in this process."""
    pending = list(socks)

    def received():
        deadline = time.monotonic() + 0.2
        while pending and time.monotonic() < deadline:
            for s in list(pending):
                if s.poll(10):
                    s.recv_multipart()
                    pending.remove(s)
        return not pending

    probe(send_probe, received, what)


def local_recv_data(s, count, skip=b"sync"):
    got = []
    s.setsockopt(zmq.RCVTIMEO, int(WAIT_S * 1000))
    while len(got) < count:
        try:
            m = s.recv_multipart()
        except zmq.Again:
            break
        if m != [skip]:
            got.append(render(m))
    return got


def fanout_ours_pub():
    ctx = zmq.Context()
    try:
        for pub_binds in (True, False):
            subs = [ctx.socket(zmq.SUB) for _ in range(NSUBS)]
            for s in subs:
                s.setsockopt(zmq.SUBSCRIBE, b"")
                s.setsockopt(zmq.LINGER, 0)
            if pub_binds:
                pub = Peer(OURS, "pub", bind=[endpoint("tcp")])
                for s in subs:
                    s.connect(pub.ep)
            else:
                eps = []
                for s in subs:
                    s.bind("tcp://127.0.0.1:0")
                    eps.append(s.getsockopt(zmq.LAST_ENDPOINT).decode())
                pub = Peer(OURS, "pub", connect=eps)
            pub.ok("wait-peers %d" % NSUBS)
            local_sync(lambda: pub.ok("send sync"), subs, "our PUB to %d pyzmq SUBs" % NSUBS)
            pub.ok("sendm 100 d")
            want = [r(b"d%d" % i) for i in range(100)]
            for k, s in enumerate(subs):
                check_eq(local_recv_data(s, 100), want, "pyzmq SUB %d (PUB %s)" %
                         (k, "binds" if pub_binds else "connects"))
                s.close()
            pub.quit()
    finally:
        ctx.destroy(0)


def fanout_pyzmq_pub():
    ctx = zmq.Context()
    try:
        for pub_binds in (True, False):
            pub = ctx.socket(zmq.PUB)
            pub.setsockopt(zmq.LINGER, 0)
            if pub_binds:
                pub.bind("tcp://127.0.0.1:0")
                ep = pub.getsockopt(zmq.LAST_ENDPOINT).decode()
                subs = [Peer(OURS, "sub", connect=[ep], subs=["-"], verbose=False,
                             name="sub%d" % k) for k in range(NSUBS)]
            else:
                subs = [Peer(OURS, "sub", bind=[endpoint("tcp")], subs=["-"], verbose=False,
                             name="sub%d" % k) for k in range(NSUBS)]
                for s in subs:
                    pub.connect(s.ep)
            sync(_LocalPub(pub), subs)
            for i in range(100):
                pub.send(b"d%d" % i)
            want = [r(b"d%d" % i) for i in range(100)]
            for s in subs:
                got = collect_until(s, want[-1])
                check_eq(got, want, "%s (PUB %s)" % (s.name, "binds" if pub_binds else "connects"))
                s.quit()
            pub.close()
    finally:
        ctx.destroy(0)


class _LocalPub:
    """A pyzmq PUB in this process, with the one Peer method sync() uses."""
    name = "pyzmq-pub"

    def __init__(self, s):
        self.s = s

    def ok(self, line):
        check(line.startswith("send "), line)
        self.s.send_multipart([bytes.fromhex(f[4:]) if f.startswith("hex:") else f.encode()
                               for f in line.split()[1:]])


case("pubsub.fanout.ours-to-pyzmq")(fanout_ours_pub)
case("pubsub.fanout.pyzmq-to-ours")(fanout_pyzmq_pub)


#----------------------------------------------------------------------------
# A SUB that stops reading loses only its own messages

FLOOD = 20000
PAD = 1024


def padded(prefix, i):
    return (b"%s%d" % (prefix, i)).ljust(PAD, b".")


class _Reader(threading.Thread):
    """Reads a pyzmq socket in the background until stopped."""

    def __init__(self, s):
        super().__init__(daemon=True)
        self.s = s
        self.got = []
        self.small = set()
        self.cond = threading.Condition()
        self.stop = False

    def run(self):
        while not self.stop:
            if self.s.poll(50):
                m = self.s.recv_multipart()
                with self.cond:
                    self.got.append(m)
                    if len(m) == 1 and len(m[0]) < 64:
                        self.small.add(m[0])  # markers, found in O(1)
                    self.cond.notify_all()

    def wait_for(self, body, timeout):
        """True once a short message `body` has been read (waits up to timeout)."""
        with self.cond:
            return self.cond.wait_for(lambda: body in self.small, timeout)


def check_stalled_subset(got, what):
    """The stalled SUB's messages: an in-order subset, with drops."""
    idx = [int(m[1:].rstrip(b".")) for m in got if m.startswith(b"p")]
    check(idx == sorted(idx) and len(idx) == len(set(idx)), what + ": out of order")
    check(len(idx) < FLOOD, what + ": nothing was dropped (%d of %d)" % (len(idx), FLOOD))


def slow_sub_ours_pub():
    ctx = zmq.Context()
    try:
        pub = Peer(OURS, "pub", bind=[endpoint("tcp")], opts=["sndhwm=100"])
        fast, stalled = ctx.socket(zmq.SUB), ctx.socket(zmq.SUB)
        for s in (fast, stalled):
            s.setsockopt(zmq.RCVHWM, 100)
            s.setsockopt(zmq.SUBSCRIBE, b"")
            s.setsockopt(zmq.LINGER, 0)
            s.connect(pub.ep)
        pub.ok("wait-peers 2")
        local_sync(lambda: pub.ok("send sync"), [fast, stalled], "our PUB to 2 SUBs")
        reader = _Reader(fast)
        reader.start()
        t0 = time.monotonic()
        pub.ok("sendm %d p 0 %d" % (FLOOD, PAD))  # the stalled SUB must not block this
        print("flood of %d x %d B published in %.2f s" % (FLOOD, PAD, time.monotonic() - t0))
        # The fast SUB has caught up once a fresh probe arrives.
        probe(lambda: pub.ok("send mark"), lambda: reader.wait_for(b"mark", 0.2),
              "fast SUB catching up")
        pub.ok("sendm 200 q 5 %d" % PAD)
        pub.ok("send end")
        check(reader.wait_for(b"end", WAIT_S), "fast SUB: no end marker")
        reader.stop = True
        reader.join()
        qs = [m[0] for m in reader.got if m[0].startswith(b"q")]
        check_eq(qs, [padded(b"q", i) for i in range(200)], "fast SUB: paced messages")
        stalled.setsockopt(zmq.RCVTIMEO, 1000)
        got = []
        while True:
            try:
                got.append(stalled.recv())
            except zmq.Again:
                break
        check_stalled_subset(got, "stalled pyzmq SUB")
        print("stalled SUB got %d of %d flood messages" % (sum(1 for m in got if m[:1] == b"p"),
                                                          FLOOD))
        pub.quit()
    finally:
        ctx.destroy(0)


def slow_sub_pyzmq_pub():
    ctx = zmq.Context()
    try:
        pub = ctx.socket(zmq.PUB)
        pub.setsockopt(zmq.SNDHWM, 100)
        pub.setsockopt(zmq.LINGER, 0)
        pub.bind("tcp://127.0.0.1:0")
        ep = pub.getsockopt(zmq.LAST_ENDPOINT).decode()
        fast = Peer(OURS, "sub", connect=[ep], subs=["-"], opts=["rcvhwm=100"], name="fast")
        stalled = Peer(OURS, "sub", connect=[ep], subs=["-"], opts=["rcvhwm=100"],
                       name="stalled")
        sync(_LocalPub(pub), [fast, stalled])
        fast.write("drain 3000 -s")  # reads (and reports) until 3 s pass without a message
        t0 = time.monotonic()
        for i in range(FLOOD):
            pub.send(padded(b"p", i))
        print("flood published in %.2f s" % (time.monotonic() - t0))
        # The fast SUB has caught up once a fresh probe arrives.
        mark = fast.mark()

        def caught_up():
            try:
                fast.wait_event("recv", since=mark, pred=lambda m, _: m == r(b"mark"),
                                timeout=0.2)
                return True
            except Failure:
                return False

        probe(lambda: pub.send(b"mark"), caught_up, "fast SUB catching up")
        for i in range(200):
            pub.send(padded(b"q", i))
            time.sleep(0.005)  # pacing
        pub.send(b"end")
        got = fast.response(timeout=WAIT_S * 3, what="drain").split(" ")[2:]
        want_q = [render([padded(b"q", i)]) for i in range(200)]
        q_set = set(want_q)
        check_eq([m for m in got if m in q_set], want_q, "fast SUB: paced messages")
        check(got[-1] == r(b"end"), "fast SUB: end marker last")
        flood = {render([padded(b"p", i)]): padded(b"p", i) for i in range(FLOOD)}
        stalled_got = stalled.drain(1000)
        check_stalled_subset([flood[m] for m in stalled_got if m in flood], "stalled SUB")
        print("stalled SUB got %d of %d flood messages" % (
            sum(1 for m in stalled_got if m in flood), FLOOD))
        fast.quit()
        stalled.quit()
    finally:
        ctx.destroy(0)


case("pubsub.slow-sub.ours-to-pyzmq")(slow_sub_ours_pub)
case("pubsub.slow-sub.pyzmq-to-ours")(slow_sub_pyzmq_pub)


#----------------------------------------------------------------------------
# Publisher restarted on the same endpoint: automatic resubscription

def restart(pub_impl, sub_impl):
    for binder in ("pub", "sub"):
        pub, sub = start_pubsub(pub_impl, sub_impl, binder, subs=["A"])
        sync(pub, [sub], "A-before")
        ep = pub.ep if binder == "pub" else sub.ep
        pub.kill()
        if binder == "pub":
            pub = Peer(pub_impl, "pub", bind=[ep], name="restarted-pub")
        else:
            pub = Peer(pub_impl, "pub", connect=[ep], name="restarted-pub")
        # No new subscribe call: only the SUB's automatic resubscription can
        # make these arrive.
        got = []

        def received():
            kind, m = sub.recv_result(200)
            if kind == "msg":
                got.append(m)
            return r(b"A-after") in got

        probe(lambda: pub.ok("send A-after"), received, "%s binds: restarted PUB" % binder)
        check(all(m in (r(b"A-before"), r(b"A-after")) for m in got), "unexpected: %s" % got)
        pub.quit()
        sub.quit()


for _d, (_p, _s) in DIRS.items():
    case("pubsub.pub-restart.%s" % _d)(lambda p=_p, s=_s: restart(p, s))


#----------------------------------------------------------------------------
# A silent link (black-holing relay) detected by the SUB's heartbeats

def silent_link(pub_impl, sub_impl):
    pub = Peer(pub_impl, "pub", bind=[endpoint("tcp")])
    relay = Relay(int(pub.ep.rsplit(":", 1)[1]))
    sub = Peer(sub_impl, "sub", connect=["tcp://127.0.0.1:%d" % relay.port], subs=["-"],
               opts=["heartbeat_ivl=200", "heartbeat_timeout=1000"])
    try:
        sync(pub, [sub])
        mark = sub.mark()
        check_eq(relay.freeze(), 1, "relay connections when freezing")
        if sub_impl == OURS:
            sub.wait_event("disconnected", since=mark,
                           pred=lambda ep, reason: reason == "heartbeat_timeout")
        else:
            sub.wait_event("disconnected", since=mark)
        # The SUB reconnects through the relay (new connections are
        # forwarded) and subscribes again on its own.
        sync(pub, [sub], "sync-after")
        check(relay.connections() >= 2, "no new relay connection")
        pub.quit()
        sub.quit()
    finally:
        relay.close()


for _d, (_p, _s) in DIRS.items():
    case("pubsub.silent-link.%s" % _d, serial=True)(lambda p=_p, s=_s: silent_link(p, s))


#----------------------------------------------------------------------------
# XPUB/XSUB forwarder (zpeer proxy) between pyzmq publishers and subscribers

def proxy(sub_impl):
    ctx = zmq.Context()
    try:
        prx = Peer(OURS, "proxy", bind=[endpoint("tcp")], bind2=[endpoint("tcp")])
        front, back = prx.bound[0], prx.bound2[0]
        pub1 = ctx.socket(zmq.XPUB)  # an XPUB, to see the subscriptions arrive
        pub2 = ctx.socket(zmq.PUB)
        for p in (pub1, pub2):
            p.setsockopt(zmq.LINGER, 0)
            p.connect(front)
        sub_a = Peer(sub_impl, "sub", connect=[back], subs=["A", "sync"], name="sub-A")
        sub_b = Peer(sub_impl, "sub", connect=[back], subs=["B", "sync"], name="sub-B")
        # Subscriptions flow upstream: the proxy forwards them and pub1 sees them.
        pub1.setsockopt(zmq.RCVTIMEO, int(WAIT_S * 1000))
        seen = set()
        while not {b"\x01A", b"\x01B", b"\x01sync"} <= seen:
            try:
                seen.add(pub1.recv())
            except zmq.Again:
                raise Failure("upstream subscriptions at the publisher: %s" % seen)
        for t in (b"A", b"B"):
            prx.wait_event("upstream", pred=lambda ep, _r, t=t: ep == render([b"\x01" + t]))
        for k, p in ((1, pub1), (2, pub2)):
            sync(_LocalPub(p), [sub_a, sub_b], "sync%d" % k)
        for k, p in ((1, pub1), (2, pub2)):
            for t in (b"A", b"B", b"C"):
                p.send(b"%s%d" % (t, k))
            p.send(b"A-end%d" % k)
            p.send(b"B-end%d" % k)
        probes = (r(b"sync1"), r(b"sync2"))
        for sub, t in ((sub_a, b"A"), (sub_b, b"B")):
            # Each publisher's order is kept; between publishers it is not defined.
            ends = {r(t + b"-end1"), r(t + b"-end2")}
            got = []
            while not ends <= set(got):
                m = sub.recv()
                if m not in probes:
                    got.append(m)
            want = {1: [r(t + b"1"), r(t + b"-end1")], 2: [r(t + b"2"), r(t + b"-end2")]}
            for k in (1, 2):
                check_eq([m for m in got if m in want[k]], want[k],
                         "%s: from publisher %d" % (sub.name, k))
            check_eq(sorted(got), sorted(want[1] + want[2]), "%s: everything" % sub.name)
        # The last subscriber of A leaves: the cancel flows upstream too.
        sub_a.quit()
        while True:
            try:
                m = pub1.recv()
            except zmq.Again:
                raise Failure("no \\x00A at the publisher after sub-A left")
            if m == b"\x00A":
                break
        sub_b.quit()
        prx.quit()
    finally:
        ctx.destroy(0)


case("pubsub.proxy.pyzmq-subs")(lambda: proxy(PYZMQ))
case("pubsub.proxy.our-subs")(lambda: proxy(OURS))


if __name__ == "__main__":
    sys.exit(main(sys.argv))

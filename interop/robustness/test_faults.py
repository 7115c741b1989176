#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Faults: peers killed, frozen and restarted; connection churn; many
peers; a slow consumer.

    test_faults.py --list | ZPEER RPEER CASE

robust.kill-mid-multipart.<type>  a raw peer (a child process) sends a whole
    message and then the first frames of another (and, second round, half a
    frame body), and is SIGKILLed. Our socket (PULL, SUB, ROUTER) must
    deliver the whole message, nothing of the partial one, and later whole
    messages from a healthy peer.
robust.frozen-peer.<type>  a ROUTER / PUB with heartbeats and nine peers;
    one (a pyzmq child process) is SIGSTOPped: exactly that one is dropped
    (heartbeat_timeout), the others keep working throughout; after SIGCONT
    it comes back. (One frozen peer alone: interop.peer.heartbeat.*. A relay
    that goes silent, detected by heartbeats and recovered by reconnecting:
    interop.peer.pubsub.silent-link.*; not repeated here.)
robust.restart.pushpull.<client>-push.<server>-pull,
robust.restart.reqrep.<client>-req.<server>-rep  the server is killed and
    restarted three times under traffic. PUSH/PULL: every message sent after
    a reconnect (the client's handshake-succeeded event) arrives at the new
    server, in order, and no message arrives twice. REQ/REP (lazy pirate):
    every request is answered, in order, exactly once at the client; the
    servers see each request at least once, and again only as a resend (the
    sequence they see never goes back).
robust.churn.accept / robust.churn.connect  1000 connect/disconnect cycles
    against our bound socket / by our socket: after a warm-up round of the
    same size, our process has as many descriptors as before, its RSS has
    not grown, and it exits cleanly (LeakSanitizer runs at exit in the ASan
    build).
robust.many-peers  500 simultaneous peers (raw and pyzmq DEALERs) on one
    ROUTER, twice: every peer gets its reply; descriptors return to the
    baseline; the second round does not grow RSS.
robust.slow-consumer.<receiver>  64 KiB messages to a PULL that never reads,
    sndhwm = rcvhwm = 10: the sender blocks after a bounded number of
    messages, its RSS plateaus within the documented bound (README.md), and
    once the PULL reads, every message arrives.
"""
import os
import sys
import time

import robustlib as rl
from robustlib import check, check_eq, MiB, KiB
import peerlib as pl
from peerlib import OURS, PYZMQ, Peer, case, render
import zmq

MS = int(rl.WAIT_S * 1000)


#----------------------------------------------------------------------------
# A raw peer killed in the middle of a multipart message

def raw_partial_child(ep, peer_type, identity, variant):
    """Runs in a child process (this script with --raw-partial): handshake,
    one whole message, then a partial one; prints its local port and "sent",
    then waits to be killed."""
    s = rl.raw_socket(ep)
    s.sendall(pl.greeting() + pl.ready(peer_type.encode(), identity or None))
    if variant == "half-body":
        # Read what our socket sends (greeting, READY; SUBSCRIBE to a PUB),
        # so that the kill ends the connection with a FIN, not a reset.
        p = pl.RawPeer(s)
        p.read_exact(64)
        p.read_frame()
        if peer_type == "PUB":
            p.read_frame()
    data = pl.message(b"whole-1")
    if variant == "frames":
        # Two frames with MORE set, and nothing after them.
        data += pl.frame(b"part-1", more=True) + pl.frame(b"part-2", more=True)
    else:
        # A frame with MORE, then half of a 1000-byte frame's body.
        data += pl.frame(b"part-1", more=True) + rl.long_header(1000) + b"p" * 500
    s.sendall(data)
    sys.stdout.write("port %d\nsent\n" % s.getsockname()[1])
    sys.stdout.flush()
    while True:
        time.sleep(60)  # until SIGKILL


KILL_TYPES = {
    # our type: (raw peer type, healthy pyzmq type)
    "pull": ("PUSH", zmq.PUSH),
    "sub": ("PUB", zmq.PUB),
    "router": ("DEALER", zmq.DEALER),
}


def kill_mid_multipart(t):
    raw_type, htype = KILL_TYPES[t]
    z = Peer(OURS, t, bind=["tcp://127.0.0.1:0"], subs=["-"] if t == "sub" else [])
    h = rl.zsock(htype, **({"routing_id": b"healthy"} if htype == zmq.DEALER else {}))
    h.connect(z.ep)
    prefix = [b"healthy"] if t == "router" else []
    if t == "sub":
        pl.probe(lambda: h.send(b"probe"),
                 lambda: z.recv_result(200) == ("msg", render([b"probe"])), "healthy PUB joined")
    else:
        z.ok("wait-peers 1 %d" % MS)
    n = [0]

    def healthy_round(what):
        """Whole messages from the healthy peer arrive, and nothing else."""
        sent = []
        for _ in range(3):
            n[0] += 1
            m = b"after-%d" % n[0]
            h.send(m)
            sent.append(render(prefix + [m]))
        got = []
        while len(got) < len(sent):
            r = z.recv()
            if r == render([b"probe"]):
                continue  # a late probe of the join
            got.append(r)
        check_eq(got, sent, what)

    healthy_round("before")
    for variant in ("frames", "half-body"):
        mark = z.mark()
        child = rl.Proc([pl.PYTHON, "-B", os.path.abspath(__file__), "--raw-partial", z.ep,
                         raw_type, "killed" if t == "router" else "", variant],
                        "raw-" + variant)
        _, line = child.wait_prefix("port ")
        lport = int(line.split()[1])
        child.wait_prefix("sent")
        kid = [b"killed"] if t == "router" else []
        check_eq(z.recv(), render(kid + [b"whole-1"]), variant + ": the whole message")
        child.kill()
        kind, reason = rl.wait_closed(z, lport, mark)
        check_eq(kind, "disconnected", variant + ": closing event")
        if variant == "half-body":
            # A FIN inside a frame (a reset, in the other variant).
            check_eq(reason, "unexpected_eof", variant + ": reason")
        print("%s: killed peer (%s): %s %s" % (t, variant, kind, reason))
        healthy_round(variant + ": after the kill")
        # Nothing else is queued: no part of the partial message.
        left = z.drain(300)
        check_eq(left, [], variant + ": left over after the kill")
    h.close(0)
    z.quit()


for _t in KILL_TYPES:
    case("robust.kill-mid-multipart.%s" % _t)(lambda t=_t: kill_mid_multipart(t))


#----------------------------------------------------------------------------
# One frozen peer among many

HB = ["heartbeat_ivl=200", "heartbeat_timeout=1000"]
N_HEALTHY = 8


def frozen_among_many(t):
    z = Peer(OURS, t, bind=["tcp://127.0.0.1:0"], opts=HB)
    healthy = []
    for i in range(N_HEALTHY):
        if t == "router":
            s = rl.zsock(zmq.DEALER, routing_id=b"d%d" % i)
        else:
            s = rl.zsock(zmq.SUB)
            s.setsockopt(zmq.SUBSCRIBE, b"")
        s.connect(z.ep)
        healthy.append(s)
    z.ok("wait-peers %d %d" % (N_HEALTHY, MS))
    mark = z.mark()
    if t == "router":
        frozen = Peer(PYZMQ, "dealer", connect=[z.ep], opts=["routing_id=frozen"], name="frozen")
    else:
        # rcvhwm=0: libzmq 4.3.4 asserts (!_io_error, stream_engine_base.cpp:331)
        # when a connection it stopped reading at the HWM turns out to be
        # closed -- which is what a thawed SUB finds after our drop.
        frozen = Peer(PYZMQ, "sub", connect=[z.ep], subs=["-"], opts=["rcvhwm=0"],
                      name="frozen")
    i = z.wait_event("handshake-succeeded", since=mark)
    frozen_ep = z.event(i)[1]
    z.ok("wait-peers %d %d" % (N_HEALTHY + 1, MS))
    seq = [0]

    def all_round(include_frozen, what):
        """ROUTER: each peer sends, ROUTER replies to each. PUB: one
        message to everybody (joins are probed first)."""
        seq[0] += 1
        q = b"m%d" % seq[0]
        if t == "router":
            for k, s in enumerate(healthy):
                s.send(q)
            if include_frozen:
                frozen.send(q)
            want = {render([b"d%d" % k, q]) for k in range(N_HEALTHY)}
            if include_frozen:
                want.add(render([b"frozen", q]))
            got = set(z.recvm(len(want)))
            check_eq(got, want, what + ": requests at the ROUTER")
            for k in range(N_HEALTHY):
                z.send(b"d%d" % k, q + b"-re")
            if include_frozen:
                z.send(b"frozen", q + b"-re")
            for k, s in enumerate(healthy):
                check_eq(rl.zrecv(s, what=what), [q + b"-re"], what + ": reply to d%d" % k)
            if include_frozen:
                check_eq(frozen.recv(), render([q + b"-re"]), what + ": reply to frozen")
        else:
            z.send(q)
            for k, s in enumerate(healthy):
                check_eq(rl.zrecv(s, what=what), [q], what + ": SUB %d" % k)
            if include_frozen:
                check_eq(frozen.recv(), render([q]), what + ": frozen SUB")

    if t == "pub":
        # Every SUB's subscription must have reached the PUB: probe until
        # each has received one, then drain the extra probes.
        got = set()
        deadline = time.monotonic() + rl.WAIT_S
        while len(got) < N_HEALTHY + 1:
            check(time.monotonic() < deadline, "PUB: joins incomplete")
            z.send(b"probe")
            time.sleep(0.05)  # probe pacing, not synchronisation
            for k, s in enumerate(healthy):
                while s.poll(0):
                    s.recv()
                    got.add(k)
            while frozen.recv_result(0)[0] == "msg":
                got.add("frozen")
        z.send(b"last-probe")
        for s in healthy:
            while rl.zrecv(s)[0] != b"last-probe":
                pass
        while frozen.recv() != render([b"last-probe"]):
            pass

    all_round(True, "before the freeze")
    mark = z.mark()
    frozen.sigstop()
    t0 = time.monotonic()
    rounds = 0
    # The others keep working while the frozen one is being detected.
    while True:
        all_round(False, "while frozen")
        rounds += 1
        with z.cond:
            gone = [e for e in z.events[mark:] if e[0] == "disconnected"]
        if gone or time.monotonic() - t0 > rl.WAIT_S:
            break
    i = z.wait_event("disconnected", since=mark)
    check_eq(z.event(i), ("disconnected", frozen_ep, "heartbeat_timeout"), "the drop")
    print("%s: the frozen peer was dropped after %.1f s (%d rounds meanwhile)" %
          (t, time.monotonic() - t0, rounds))
    all_round(False, "after the drop")
    with z.cond:
        others = [e for e in z.events[mark:] if e[0] in ("disconnected", "handshake-failed")]
    check_eq(others, [("disconnected", frozen_ep, "heartbeat_timeout")],
             "connection events since the freeze")
    check_eq(z.cmd("peers"), "ok %d" % N_HEALTHY, "peers after the drop")
    # Thawed, it reconnects (and resubscribes) by itself.
    frozen.sigcont()
    if t == "pub":
        # The thawed SUB first reads what reached its kernel buffer before
        # the drop: libzmq sees our close only once its queue has room.
        pl.wait_until(lambda: not frozen.drain(100) and
                      z.cmd("peers") == "ok %d" % (N_HEALTHY + 1), "thawed SUB back")
    z.ok("wait-peers %d %d" % (N_HEALTHY + 1, MS))
    if t == "pub":
        pl.probe(lambda: z.send(b"probe2"),
                 lambda: frozen.recv_result(200) == ("msg", render([b"probe2"])),
                 "thawed SUB resubscribed")
        for s in healthy:
            while rl.zrecv(s) != [b"probe2"] or s.poll(100):
                pass
        while frozen.recv_result(200)[0] == "msg":
            pass
    all_round(True, "after the thaw")
    for s in healthy:
        s.close(0)
    frozen.quit()
    z.quit()


case("robust.frozen-peer.router", serial=True)(lambda: frozen_among_many("router"))
case("robust.frozen-peer.pub", serial=True)(lambda: frozen_among_many("pub"))


#----------------------------------------------------------------------------
# Servers restarted under traffic

RESTARTS = 3


def role(impl, args, name):
    return rl.rpeer(args, name) if impl == OURS else rl.pyrole(args, name)


def stat_value(line, key):
    for f in line.split():
        if f.startswith(key + "="):
            return int(f.split("=", 1)[1])
    return None


def logged(proc, prefix):
    """The integers of the "<prefix> ... N" lines (last field) of proc, in order."""
    with proc.cond:
        return [int(l.split()[-1]) for l in proc.lines if l.startswith(prefix)]


def wait_count(proc, prefix, n, what, timeout=rl.WAIT_S * 2):
    pl.wait_until(lambda: len(logged(proc, prefix)) >= n, what, timeout=timeout)


def restart_pushpull(client_impl, server_impl):
    ep = "tcp://127.0.0.1:%d" % pl.free_port()
    srv_args = ["pull", "--bind", ep, "--log"]
    server = role(server_impl, srv_args, "server-0")
    server.wait_prefix("ready")
    client = role(client_impl, ["push", "--connect", ep, "--id", "c", "--rate", "400",
                                 "--opt", "reconnect_ivl=50", "--opt", "reconnect_ivl_max=400"],
                  "client")
    servers = [server]
    starts = []  # S_k: the client's next seq at its k-th handshake
    mark = 0
    for k in range(RESTARTS + 1):
        _, line = client.wait_line(lambda l: l.startswith("event handshake-succeeded"),
                                   since=mark, what="handshake with server %d" % k)
        mark = client.mark()
        starts.append(int(line.rsplit("seq=", 1)[1]))
        # Traffic flows to this server for a while.
        wait_count(server, "r ", 100, "server %d receiving" % k)
        if k == RESTARTS:
            break
        server.kill()
        server = role(server_impl, srv_args, "server-%d" % (k + 1))
        servers.append(server)
    lines = client.stop()
    sent = int([l for l in lines if l.startswith("sent ")][-1].split()[1])
    # The last server gets everything the client sent after its reconnect.
    wait_count(server, "r ", 1, "final server")
    pl.wait_until(lambda: logged(server, "r ")[-1] >= sent - 1,
                  "the final server receiving up to %d" % (sent - 1), timeout=rl.WAIT_S * 2)
    server.stop()
    seen = set()
    lost = 0
    for k, srv in enumerate(servers):
        got = logged(srv, "r ")
        check(got, "server %d received nothing" % k)
        check(all(a < b for a, b in zip(got, got[1:])),
              "server %d: out of order or repeated: %s" % (k, pl.short(got)))
        dup = seen.intersection(got)
        check(not dup, "server %d: received again: %s" % (k, sorted(dup)[:20]))
        seen.update(got)
        # Everything from the reconnect to the last message it got arrived.
        want = set(range(starts[k], got[-1] + 1))
        missing = sorted(want - set(got))
        check(not missing, "server %d: lost after the reconnect (seq >= %d): %s" %
              (k, starts[k], missing[:20]))
        print("server %d: %d messages, seq %d..%d, reconnect at seq %d" %
              (k, len(got), got[0], got[-1], starts[k]))
    lost = sent - len(seen)
    print("sent %d, received %d, lost %d (queued to a killed server)" % (sent, len(seen), lost))
    check(seen.issubset(range(sent)), "received numbers never sent")


def restart_reqrep(client_impl, server_impl):
    ep = "tcp://127.0.0.1:%d" % pl.free_port()
    srv_args = ["rep", "--bind", ep, "--log"]
    server = role(server_impl, srv_args, "server-0")
    server.wait_prefix("ready")
    client = role(client_impl, ["req", "--connect", ep, "--id", "c", "--rate", "200", "--log",
                                "--opt", "req_timeout=500", "--opt", "req_retries=100",
                                "--opt", "reconnect_ivl=50", "--opt", "reconnect_ivl_max=400"],
                  "client")
    servers = [server]
    answered = 0
    for k in range(RESTARTS + 1):
        # Requests are answered by this server for a while.
        wait_count(server, "r ", 30, "server %d serving" % k)
        answered = len(logged(client, "a "))
        wait_count(client, "a ", answered + 10, "answers from server %d" % k)
        if k == RESTARTS:
            break
        server.kill()
        server = role(server_impl, srv_args, "server-%d" % (k + 1))
        servers.append(server)
    lines = client.stop()
    server.stop()
    answers = logged(client, "a ")
    check_eq(answers, list(range(len(answers))), "replies at the client (each once, in order)")
    check(not [l for l in lines if l.startswith("badreply")], "the client got a wrong reply")
    exhausted = [l for l in lines if l.startswith("exhausted")]
    requests = []
    for k, srv in enumerate(servers):
        got = logged(srv, "r ")
        check(got, "server %d served nothing" % k)
        requests += got
    # Lazy pirate: a request is only ever resent while it is the current one,
    # so the servers, in order, see a sequence that never goes back.
    check(all(a <= b for a, b in zip(requests, requests[1:])),
          "servers saw a request after a later one: %s" % pl.short(requests))
    check(set(range(len(answers))).issubset(requests), "an answered request no server saw")
    dups = len(requests) - len(set(requests))
    print("%d requests answered; servers saw %d requests, %d of them resends; "
          "%d exhausted retry rounds" % (len(answers), len(requests), dups, len(exhausted)))


for _c, _s in ((OURS, PYZMQ), (PYZMQ, OURS), (OURS, OURS)):
    case("robust.restart.pushpull.%s-push.%s-pull" % (_c, _s), serial=True)(
        lambda c=_c, s=_s: restart_pushpull(c, s))
    case("robust.restart.reqrep.%s-req.%s-rep" % (_c, _s), serial=True)(
        lambda c=_c, s=_s: restart_reqrep(c, s))


#----------------------------------------------------------------------------
# Connection churn and many peers

CYCLES = 1000


def raw_cycle(ep, i, peer_type=b"PUSH", identity=None, msg=True):
    """One complete connection: handshake (both ways), a message, close."""
    r = rl.raw_socket(ep)
    p = pl.RawPeer(r)
    data = pl.greeting() + pl.ready(peer_type, identity)
    if msg:
        data += pl.message(b"c-%d" % i)
    p.sendall(data)
    p.read_exact(64)
    flags, body = p.read_frame()
    check(flags & 4 and body.startswith(b"\x05READY"), "cycle %d: no READY" % i)
    p.close()


def settle_fds(pid, want, what):
    pl.wait_until(lambda: rl.fds(pid) <= want, "%s: descriptors back to %d (have %d)" %
                  (what, want, rl.fds(pid)))


def churn_accept():
    z = Peer(OURS, "pull", bind=["tcp://127.0.0.1:0"])
    pid = z.proc.pid
    h = rl.zsock(zmq.PUSH)  # a long-lived peer: its messages keep flowing
    h.connect(z.ep)
    z.ok("wait-peers 1 %d" % MS)
    # Warm-up: one round as large as the measured one. The PULL holds each
    # departed peer's message until it is read (after the round), and the
    # allocator keeps that high-water mark; the measured round must reuse
    # it, not grow (a 50-cycle warm-up let the first round's high water
    # count as growth, 1.6-2.1 MiB, flaky against the 2 MiB limit).
    for i in range(CYCLES):
        raw_cycle(z.ep, i)
    check_eq(len(z.recvm(CYCLES)), CYCLES, "warm-up messages")
    pl.wait_until(lambda: z.cmd("peers") == "ok 1", "warm-up peers gone")
    base_fds = rl.fds(pid)
    base_rss = rl.settle_rss(pid, "baseline")
    t0 = time.monotonic()
    for i in range(CYCLES):
        if i % 10 == 9:
            # Every tenth: a pyzmq PUSH that connects, sends and closes.
            s = rl.zsock(zmq.PUSH, linger=5000)
            s.connect(z.ep)
            s.send(b"c-%d" % i)
            s.close()
        else:
            raw_cycle(z.ep, i)
        if i % 100 == 99:
            h.send(b"h-%d" % i)
    got = z.recvm(CYCLES + CYCLES // 100)
    want = [render([b"c-%d" % i]) for i in range(CYCLES)]
    want += [render([b"h-%d" % i]) for i in range(99, CYCLES, 100)]
    check_eq(sorted(got), sorted(want), "messages of the churn")
    pl.wait_until(lambda: z.cmd("peers") == "ok 1", "churned peers gone")
    settle_fds(pid, base_fds, "after %d cycles" % CYCLES)
    after = rl.check_rss_growth(pid, base_rss, 2 * MiB, "%d accept cycles" % CYCLES)
    print("%d cycles in %.1f s; fds %d -> %d; RSS %s -> %s" %
          (CYCLES, time.monotonic() - t0, base_fds, rl.fds(pid), rl.mib(base_rss),
           rl.mib(after)))
    h.send(b"last")
    check_eq(z.recv(), render([b"last"]), "the long-lived peer")
    h.close(0)
    z.quit()  # exit code 0: LeakSanitizer found nothing in the ASan build


def churn_connect():
    srv = rl.zsock(zmq.PULL)
    port = srv.bind_to_random_port("tcp://127.0.0.1")
    ep = "tcp://127.0.0.1:%d" % port
    z = Peer(OURS, "push", opts=["linger=0"])
    pid = z.proc.pid

    def cycle(i):
        mark = z.mark()
        z.ok("connect " + ep)
        z.wait_event("handshake-succeeded", since=mark)
        z.ok("disconnect " + ep)

    for i in range(50):
        cycle(i)
    pl.wait_until(lambda: z.cmd("peers") == "ok 0", "warm-up connections gone")
    base_fds = rl.fds(pid)
    base_rss = rl.settle_rss(pid, "baseline")
    t0 = time.monotonic()
    for i in range(CYCLES):
        cycle(i)
    pl.wait_until(lambda: z.cmd("peers") == "ok 0", "connections gone")
    settle_fds(pid, base_fds, "after %d cycles" % CYCLES)
    after = rl.check_rss_growth(pid, base_rss, 2 * MiB, "%d connect cycles" % CYCLES)
    print("%d cycles in %.1f s; fds %d -> %d; RSS %s -> %s" %
          (CYCLES, time.monotonic() - t0, base_fds, rl.fds(pid), rl.mib(base_rss),
           rl.mib(after)))
    # Still works.
    z.ok("connect " + ep)
    z.send(b"last")
    check_eq(rl.zrecv(srv), [b"last"], "after the churn")
    srv.close(0)
    z.quit()


case("robust.churn.accept", serial=True)(churn_accept)
case("robust.churn.connect", serial=True)(churn_connect)


N_PEERS = 500
N_PYZMQ = 100  # of them pyzmq DEALERs, the rest raw


def many_peers():
    limit = rl.raise_nofile(4096)
    check(limit >= N_PEERS * 2 + 100, "RLIMIT_NOFILE %d is too low (ulimit -Hn)" % limit)
    z = Peer(OURS, "router", bind=["tcp://127.0.0.1:0"], opts=["backlog=1024"])
    pid = z.proc.pid
    base_fds = rl.fds(pid)
    rss_rounds = []
    for rnd in range(2):
        raws, pys = [], []
        t0 = time.monotonic()
        for i in range(N_PEERS - N_PYZMQ):
            p = pl.RawPeer(rl.raw_socket(z.ep))
            p.sendall(pl.greeting() + pl.ready(b"DEALER", b"r%03d" % i) + pl.message(b"hi"))
            raws.append(p)
        for i in range(N_PYZMQ):
            s = rl.zsock(zmq.DEALER, routing_id=b"p%03d" % i)
            s.connect(z.ep)
            s.send(b"hi")
            pys.append(s)
        ids = [b"r%03d" % i for i in range(len(raws))] + [b"p%03d" % i for i in range(len(pys))]
        got = z.recvm(N_PEERS)
        check_eq(sorted(got), sorted(render([i, b"hi"]) for i in ids), "round %d: hellos" % rnd)
        check_eq(z.cmd("peers"), "ok %d" % N_PEERS, "round %d: peers" % rnd)
        check(rl.fds(pid) >= base_fds + N_PEERS, "round %d: %d fds for %d peers" %
              (rnd, rl.fds(pid), N_PEERS))
        # Replies, pipelined.
        for i in ids:
            z.write("send %s %s" % (pl.spec(i), pl.spec(b"re-" + i)))
        for i in ids:
            check_eq(z.response(what="reply"), "ok", "round %d: reply to %s" % (rnd, i))
        for i, p in zip(ids, raws):
            p.read_exact(64)
            p.read_frame()  # READY
            check_eq(p.read_message(), [b"re-" + i], "round %d: raw %s" % (rnd, i))
        for i, s in zip(ids[len(raws):], pys):
            check_eq(rl.zrecv(s), [b"re-" + i], "round %d: pyzmq %s" % (rnd, i))
        rss_full = rl.rss(pid)
        print("round %d: %d peers up and served in %.1f s; %d fds; RSS %s" %
              (rnd, N_PEERS, time.monotonic() - t0, rl.fds(pid), rl.mib(rss_full)))
        for p in raws:
            p.close()
        for s in pys:
            s.close(0)
        pl.wait_until(lambda: z.cmd("peers") == "ok 0", "round %d: peers gone" % rnd)
        settle_fds(pid, base_fds, "round %d" % rnd)
        rss_rounds.append(rl.settle_rss(pid, "after round %d" % rnd))
        print("round %d: all gone; fds %d; RSS %s" % (rnd, rl.fds(pid), rl.mib(rss_rounds[-1])))
    # Memory of the first round is reused by the second, not added to.
    rl.check_rss_growth(pid, rss_rounds[0], 2 * MiB, "second round of %d peers" % N_PEERS)
    z.quit()


case("robust.many-peers", serial=True)(many_peers)


#----------------------------------------------------------------------------
# A slow consumer

MSG = 64 * KiB
HWM = 10
MAX_BATCH = 512 * KiB   # transport/engine.hpp: engine_options::max_batch_bytes
MAX_CHUNK = 64 * KiB    # zmtp/connection.cpp: max_chunk (receive chunk)


def kernel_queues(port):
    """(bytes queued in the kernel for sending, bytes received but unread)
    over the TCP sockets of a loopback connection with `port` at one end
    (/proc/net/tcp: tx_queue and rx_queue)."""
    tx = rx = 0
    hexport = ":%04X" % port
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[1].endswith(hexport) or fields[2].endswith(hexport):
                t, r = fields[4].split(":")
                tx += int(t, 16)
                rx += int(r, 16)
    return tx, rx


def slow_consumer(receiver):
    sender = Peer(OURS, "push", bind=["tcp://127.0.0.1:0"],
                  opts=["sndhwm=%d" % HWM, "sndtimeo=2000"], name="sender")
    spid = sender.proc.pid
    port = rl.port_of(sender.ep)
    if receiver == OURS:
        recv = Peer(OURS, "pull", connect=[sender.ep], opts=["rcvhwm=%d" % HWM], name="receiver")
        rpid = recv.proc.pid
    else:
        recv = rl.zsock(zmq.PULL, rcvhwm=HWM)
        recv.connect(sender.ep)
        rpid = None
    sender.ok("wait-peers 1 %d" % MS)
    # One message first: both sides have their buffers warmed up.
    sender.send(b"warm-up")
    if receiver == OURS:
        check_eq(recv.recv(), render([b"warm-up"]), "warm-up")
    else:
        check_eq(rl.zrecv(recv), [b"warm-up"], "warm-up")
    s0 = rl.settle_rss(spid, "sender baseline")
    r0 = rl.settle_rss(rpid, "receiver baseline") if rpid else None

    # Fill everything: the send blocks (sndtimeo) once the HWMs and the
    # kernel buffers are full.
    r = sender.cmd("sendm 100000 m 0 %d" % MSG, timeout=rl.WAIT_S * 3)
    check(r.startswith("err timed_out "), "sendm to a consumer that never reads: %r" % r)
    accepted = int(r.split()[-1])
    s1 = rl.rss(spid)
    tx, rx = kernel_queues(port)
    samples = [s1]
    # The plateau: more attempts add nothing.
    sender.set("sndtimeo", 300)
    for _ in range(5):
        r = sender.cmd("sendm 100 x 0 %d" % MSG, timeout=rl.WAIT_S * 3)
        check(r.startswith("err timed_out "), "sendm at the plateau: %r" % r)
        accepted += int(r.split()[-1])
        samples.append(rl.rss(spid))
    s_max = max(samples)
    r1 = rl.rss(rpid) if rpid else None

    queued_sender = HWM * MSG + MAX_BATCH
    # Our receiver: the pipe (rcvhwm) and the hand-off queue to the reader
    # (min(rcvhwm, 256) messages), both counted against rcvhwm.
    queued_receiver = 2 * HWM * MSG + 2 * MAX_CHUNK
    bound = (3 if receiver == OURS else 2) * HWM * MSG + tx + rx + MAX_BATCH + 2 * MAX_CHUNK + MSG
    print("accepted %d messages of %d KiB = %s before blocking" %
          (accepted, MSG // KiB, rl.mib(accepted * MSG)))
    print("kernel queues: %s sending + %s receiving" % (rl.mib(tx), rl.mib(rx)))
    print("in flight bound: (sndhwm + rcvhwm [x 2 for ours]) x 64 KiB + kernel + batch + chunks + 1 msg = %s" %
          rl.mib(bound))
    print("sender RSS %s -> %s (max of %d samples %s); receiver %s" %
          (rl.mib(s0), rl.mib(s1), len(samples), rl.mib(s_max),
           "RSS %s -> %s" % (rl.mib(r0), rl.mib(r1)) if rpid else "pyzmq"))
    # The sender: bounded by its HWM and one write batch, and flat.
    slack = 2 * MiB
    rl.check_rss_growth(spid, s0, queued_sender + MSG + slack, "sender at the plateau")
    check(s_max - s1 <= rl.mem_limit(slack),
          "sender RSS kept growing at the plateau: %s -> %s" % (rl.mib(s1), rl.mib(s_max)))
    # End to end: what the sender could hand over before blocking.
    check(accepted * MSG <= bound,
          "accepted %s, more than the bound %s" % (rl.mib(accepted * MSG), rl.mib(bound)))
    if rpid:
        rl.check_rss_growth(rpid, r0, queued_receiver + MSG + slack, "receiver at the plateau")

    # The consumer reads at last: everything arrives, in order.
    if receiver == OURS:
        got = recv.recvm(accepted)
        check_eq(len(got), accepted, "messages delivered")
        recv.quit()
    else:
        n = 0
        while n < accepted:
            m = rl.zrecv(recv, what="message %d of %d" % (n, accepted))
            check(len(m[0]) == MSG, "message size")
            n += 1
        recv.close(0)
    sender.quit()


# Bug: our receiving socket holds up to 256 messages more than rcvhwm, of
# any size: socket_core's recv_queue_ (recv_queue_capacity = 256 messages)
# is refilled from the pipes once the application has called recv(), and
# it does not count against rcvhwm. With 64 KiB messages: +16 MiB.
case("robust.slow-consumer.ours-pull", serial=True)(
    lambda: slow_consumer(OURS))
case("robust.slow-consumer.pyzmq-pull", serial=True)(lambda: slow_consumer(PYZMQ))


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--raw-partial":
        raw_partial_child(sys.argv[2], sys.argv[3], sys.argv[4].encode(), sys.argv[5])
    sys.exit(rl.main(sys.argv))

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""REQ/REP, DEALER/ROUTER against libzmq 4.3.4 (issue "REQ/REP").

    test_reqrep.py --list | ZPEER CASE

Our zpeer against pyz.py (pyzmq) in child processes -- so either side can
be killed and restarted -- plus pyzmq sockets in this process for the
many-clients cases and a raw ZMTP server for malformed replies.
"""
import sys
import time

import zmq

from peerlib import (OURS, PYZMQ, WAIT_S, Peer, RawListener, case, check, check_eq, endpoint,
                     main, message, render)

DIRS = {"ours-req": (OURS, PYZMQ), "pyzmq-req": (PYZMQ, OURS)}


def r(*frames):
    return render(list(frames))


def start(req_impl, rep_impl, binder, first="binder", req_opts=(), rep_opts=(),
          req_type="req", rep_type="rep"):
    """Starts a client and a server; `binder` ("req"/"rep") binds, `first`
    ("binder"/"connector") is started first (a connector started first dials
    a fixed port nobody listens on yet)."""
    ep = endpoint("tcp", fixed=(first == "connector"))
    mk_req = lambda **kw: Peer(req_impl, req_type, opts=req_opts, name="client", **kw)
    mk_rep = lambda **kw: Peer(rep_impl, rep_type, opts=rep_opts, name="server", **kw)
    if first == "binder":
        if binder == "req":
            req = mk_req(bind=[ep])
            rep = mk_rep(connect=[req.ep])
        else:
            rep = mk_rep(bind=[ep])
            req = mk_req(connect=[rep.ep])
    else:
        if binder == "req":
            rep = mk_rep(connect=[ep])
            req = mk_req(bind=[ep])
        else:
            req = mk_req(connect=[ep])
            rep = mk_rep(bind=[ep])
    return req, rep


def round_trip(req, rep, q, a, what=""):
    req.send(q)
    check_eq(rep.recv(), r(q), what + ": request at the REP")
    rep.send(a)
    check_eq(req.recv(), r(a), what + ": reply at the REQ")


def wait_reconnected(req, since):
    req.wait_event("handshake-succeeded", since=since)


def restart_rep(req, rep, rep_binds, rep_opts=()):
    """Kills the REP and starts a new one on the same endpoint."""
    ep = rep.ep if rep_binds else req.ep
    mark = req.mark()
    rep.kill()
    if rep_binds:
        rep = Peer(rep.impl, "rep", bind=[ep], opts=rep_opts, name="restarted")
    else:
        rep = Peer(rep.impl, "rep", connect=[ep], opts=rep_opts, name="restarted")
    wait_reconnected(req, mark)
    return rep


#----------------------------------------------------------------------------
# Hello/World lockstep, either side first, either side binding

def lockstep(req_impl, rep_impl):
    for binder in ("req", "rep"):
        for first in ("binder", "connector"):
            what = "%s binds, %s first" % (binder, first)
            req, rep = start(req_impl, rep_impl, binder, first)
            for i in range(5):
                round_trip(req, rep, b"Hello-%d" % i, b"World-%d" % i, what)
            # The strict state machine, as libzmq's EFSM.
            check_eq(req.cmd("recv 100"), "err bad_state", what + ": REQ recv before send")
            check_eq(rep.cmd("send x"), "err bad_state", what + ": REP send before recv")
            req.send(b"again")
            check_eq(req.cmd("send twice"), "err bad_state", what + ": REQ second send")
            check_eq(rep.recv(), r(b"again"), what)
            check_eq(rep.cmd("recv 100"), "err bad_state", what + ": REP second recv")
            rep.send(b"done")
            check_eq(req.recv(), r(b"done"), what)
            req.quit()
            rep.quit()


for _d, (_q, _p) in DIRS.items():
    case("reqrep.lockstep.%s" % _d)(lambda q=_q, p=_p: lockstep(q, p))


#----------------------------------------------------------------------------
# Heartbeats on a REQ/REP link: PING/PONG between a request and its reply
# must not upset either side (libzmq 4.2.3 broke this: libzmq#3060)

def heartbeats(req_impl, rep_impl):
    # A side whose PINGs went unanswered would drop the link within 800 ms;
    # each reply takes 1.5 s.
    hb = ["heartbeat_ivl=100", "heartbeat_timeout=800"]
    for binder in ("req", "rep"):
        what = "%s binds" % binder
        req, rep = start(req_impl, rep_impl, binder, req_opts=hb, rep_opts=hb)
        for i in range(2):
            req.send(b"q%d" % i)
            check_eq(rep.recv(), r(b"q%d" % i), what)
            rep.ok("sleep 1500")  # pacing: PINGs and PONGs cross before the reply
            rep.send(b"a%d" % i)
            check_eq(req.recv(), r(b"a%d" % i), what + ": reply after heartbeats")
        for p in (req, rep):
            check(all(e[0] != "disconnected" for e in p.events),
                  "%s: %s disconnected: %s" % (what, p.name, p.events))
        req.quit()
        rep.quit()


for _d, (_q, _p) in DIRS.items():
    case("reqrep.heartbeats.%s" % _d)(lambda q=_q, p=_p: heartbeats(q, p))


#----------------------------------------------------------------------------
# Clients come and go; one dies waiting for its reply

def client_restart(req_impl, rep_impl):
    rep = Peer(rep_impl, "rep", bind=[endpoint("tcp")], name="server")
    for k in range(2):
        req = Peer(req_impl, "req", connect=[rep.ep], name="client%d" % k)
        round_trip(req, rep, b"q%d" % k, b"a%d" % k, "client %d" % k)
        req.quit()
    doomed = Peer(req_impl, "req", connect=[rep.ep], name="doomed")
    doomed.send(b"q-doomed")
    check_eq(rep.recv(), r(b"q-doomed"), "doomed client's request")
    doomed.kill()
    rep.send(b"a-doomed")  # to a dead client: dropped, and the REP goes on
    req = Peer(req_impl, "req", connect=[rep.ep], name="client-last")
    round_trip(req, rep, b"q-last", b"a-last", "client after the dead one")
    req.quit()
    rep.quit()


for _d, (_q, _p) in DIRS.items():
    case("reqrep.client-restart.%s" % _d)(lambda q=_q, p=_p: client_restart(q, p))


#----------------------------------------------------------------------------
# A REP killed holding a request, and restarted

def rep_restart_strict(req_impl, rep_impl):
    for binder in ("rep", "req"):
        what = "%s binds" % binder
        req, rep = start(req_impl, rep_impl, binder)
        round_trip(req, rep, b"q0", b"a0", what)
        req.send(b"q1")
        check_eq(rep.recv(), r(b"q1"), what)
        rep = restart_rep(req, rep, binder == "rep")
        # The request died with the REP; a strict REQ waits in vain ...
        check_eq(req.cmd("recv 500"), "err timed_out", what + ": recv after the REP restart")
        # ... and may not send again (libzmq: EFSM).
        check_eq(req.cmd("send q2"), "err bad_state", what + ": send after the timeout")
        req.quit()
        rep.quit()


def rep_restart_relaxed(req_impl, rep_impl):
    opts = ["req_relaxed=1", "req_correlate=1"]
    for binder in ("rep", "req"):
        what = "%s binds" % binder
        req, rep = start(req_impl, rep_impl, binder, req_opts=opts)
        round_trip(req, rep, b"q0", b"a0", what)
        req.send(b"q1")
        check_eq(rep.recv(), r(b"q1"), what)
        rep = restart_rep(req, rep, binder == "rep")
        check_eq(req.cmd("recv 500"), "err timed_out", what + ": recv after the REP restart")
        # Relaxed: send again, and the new REP answers.
        round_trip(req, rep, b"q2", b"a2", what + ": after the restart")
        # A late reply to a superseded request is discarded (correlation).
        req.send(b"q3")
        check_eq(rep.recv(), r(b"q3"), what)
        req.send(b"q4")  # supersedes q3, whose reply is now late
        rep.send(b"a3-late")
        check_eq(rep.recv(), r(b"q4"), what)
        rep.send(b"a4")
        check_eq(req.recv(), r(b"a4"), what + ": only the reply to the last request")
        req.quit()
        rep.quit()


for _d, (_q, _p) in DIRS.items():
    case("reqrep.rep-restart.strict.%s" % _d)(lambda q=_q, p=_p: rep_restart_strict(q, p))
    case("reqrep.rep-restart.relaxed.%s" % _d)(lambda q=_q, p=_p: rep_restart_relaxed(q, p))


#----------------------------------------------------------------------------
# Our REQ recovery options (ours only; the REP is libzmq)

def lazy_pirate():
    opts = ["req_timeout=300", "req_retries=10"]
    for binder in ("rep", "req"):
        what = "%s binds" % binder
        req, rep = start(OURS, PYZMQ, binder, req_opts=opts)
        round_trip(req, rep, b"q0", b"a0", what)
        req.send(b"q1")
        check_eq(rep.recv(), r(b"q1"), what)
        rep = restart_rep(req, rep, binder == "rep")
        # No application code: the REQ resends on its own, the new REP answers.
        # The REP serves until idle for 1 s: a request already handed to the
        # dead REP may reach the new one once more (at-least-once delivery).
        rep.write("echo 100 1000")
        check_eq(req.recv(), r(b"q1"), what + ": reply to the resent request")
        served = rep.response(what="echo")
        check(served.startswith("err timed_out "), what + ": REP serving: %r" % served)
        print("%s: the restarted REP served %s copies" % (what, served.split()[-1]))
        round_trip(req, rep, b"q2", b"a2", what + ": afterwards")
        rep.kill()
        if binder == "req":
            req.quit()  # a bound REQ without peers cannot send at all (as libzmq's)
            continue
        # Connected, the request waits in the queue; nobody answers: the retries run out.
        req.set("req_timeout", 200)
        req.set("req_retries", 2)
        req.send(b"q3")
        check_eq(req.cmd("recv %d" % int(WAIT_S * 1000)), "err retries_exhausted",
                 what + ": recv with no REP")
        req.quit()



def lazy_pirate_slow_restart():
    """The REP is down for several req_timeouts before it comes back."""
    req, rep = start(OURS, PYZMQ, "rep", req_opts=["req_timeout=300", "req_retries=10"])
    req.send(b"q1")
    check_eq(rep.recv(), r(b"q1"), "first attempt")
    ep = rep.ep
    rep.kill()
    time.sleep(1.2)  # the outage itself (four timeouts long), not a synchronisation
    rep = Peer(PYZMQ, "rep", bind=[ep], name="restarted")
    # A plain server: it answers whatever request it receives first. One
    # request went out; one answer must do.
    rep.write("echo 1 %d" % int(WAIT_S * 1000))
    check_eq(req.cmd("recv %d" % int(WAIT_S * 1000)), "msg " + r(b"q1"),
             "reply after the slow restart")
    check_eq(rep.response(what="echo"), "ok 1", "restarted REP")
    req.quit()
    rep.quit()


def fail_on_disconnect():
    for binder in ("rep", "req"):
        what = "%s binds" % binder
        req, rep = start(OURS, PYZMQ, binder, req_opts=["req_fail_on_disconnect=1"])
        round_trip(req, rep, b"q0", b"a0", what)
        req.send(b"q1")
        check_eq(rep.recv(), r(b"q1"), what)
        ep = rep.ep if binder == "rep" else req.ep
        rep.kill()
        t0 = time.monotonic()
        check_eq(req.cmd("recv %d" % int(WAIT_S * 1000)), "err request_lost",
                 what + ": recv when the REP died")
        elapsed = time.monotonic() - t0
        check(elapsed < 5, what + ": request_lost took %.1f s" % elapsed)
        rep = Peer(PYZMQ, "rep", bind=[ep] if binder == "rep" else [],
                   connect=[ep] if binder == "req" else [], name="restarted")
        round_trip(req, rep, b"q2", b"a2", what + ": after the restart")
        req.quit()
        rep.quit()


case("reqrep.lazy-pirate.ours-req")(lazy_pirate)
case("reqrep.lazy-pirate.slow-restart.ours-req")(lazy_pirate_slow_restart)
case("reqrep.fail-on-disconnect.ours-req")(fail_on_disconnect)


#----------------------------------------------------------------------------
# Envelopes, byte-exact

def router_dealer(router_impl, dealer_impl):
    for binder in ("router", "dealer"):
        what = "%s binds" % binder
        dealer, router = start(dealer_impl, router_impl, "rep" if binder == "router" else "req",
                               req_type="dealer", rep_type="router", req_opts=["routing_id=D1"])
        dealer.send(b"a", b"b")
        check_eq(router.recv(), r(b"D1", b"a", b"b"), what + ": DEALER -> ROUTER")
        router.send(b"D1", b"x", b"", b"y")
        check_eq(dealer.recv(), r(b"x", b"", b"y"), what + ": ROUTER -> DEALER")
        dealer.quit()
        router.quit()
    # An anonymous DEALER gets a generated id: 5 bytes, 00 first.
    router = Peer(router_impl, "router", bind=[endpoint("tcp")])
    dealer = Peer(dealer_impl, "dealer", connect=[router.ep])
    dealer.send(b"anon")
    frames = router.recv().split(",")
    check(len(frames) == 2 and len(frames[0]) == 10 and frames[0].startswith("00"),
          "generated routing id: %s" % frames)
    check_eq(frames[1], r(b"anon"), "anonymous DEALER's message")
    router.send(bytes.fromhex(frames[0]), b"back")
    check_eq(dealer.recv(), r(b"back"), "reply to the anonymous DEALER")
    dealer.quit()
    router.quit()


def router_req(router_impl, req_impl):
    for binder in ("router", "req"):
        for correlate in (False, True):
            what = "%s binds%s" % (binder, ", correlate" if correlate else "")
            opts = ["routing_id=R1"] + (["req_correlate=1"] if correlate else [])
            req, router = start(req_impl, router_impl, "rep" if binder == "router" else "req",
                                rep_type="router", req_opts=opts)
            req.send(b"ABC", b"DEF")
            frames = router.recv().split(",")
            if correlate:
                # [id, request-id (4 bytes, opaque), "", ABC, DEF]
                check(len(frames) == 5 and len(frames[1]) == 8, what + ": %s" % frames)
                req_id = bytes.fromhex(frames[1])
                check_eq(frames[:1] + frames[2:], [r(b"R1"), "-", r(b"ABC"), r(b"DEF")], what)
                router.send(b"R1", req_id, b"", b"GHI")
            else:
                check_eq(frames, [r(b"R1"), "-", r(b"ABC"), r(b"DEF")], what + ": at ROUTER")
                router.send(b"R1", b"", b"GHI")
            check_eq(req.recv(), r(b"GHI"), what + ": reply at the REQ")
            req.quit()
            router.quit()


def dealer_rep(dealer_impl, rep_impl):
    for binder in ("dealer", "rep"):
        what = "%s binds" % binder
        dealer, rep = start(dealer_impl, rep_impl, "req" if binder == "dealer" else "rep",
                            req_type="dealer")
        dealer.send(b"X", b"Y", b"", b"A")
        check_eq(rep.recv(), r(b"A"), what + ": the REP application sees the body only")
        rep.send(b"B")
        check_eq(dealer.recv(), r(b"X", b"Y", b"", b"B"), what + ": envelope restored")
        # A request without a delimiter is dropped by the REP; the next is served.
        dealer.send(b"no-delimiter")
        dealer.send(b"", b"C")
        check_eq(rep.recv(), r(b"C"), what + ": after a request without a delimiter")
        rep.send(b"D")
        check_eq(dealer.recv(), r(b"", b"D"), what)
        dealer.quit()
        rep.quit()


case("reqrep.envelope.router-dealer.ours-router")(lambda: router_dealer(OURS, PYZMQ))
case("reqrep.envelope.router-dealer.pyzmq-router")(lambda: router_dealer(PYZMQ, OURS))
case("reqrep.envelope.router-req.ours-router")(lambda: router_req(OURS, PYZMQ))
case("reqrep.envelope.router-req.pyzmq-router")(lambda: router_req(PYZMQ, OURS))
case("reqrep.envelope.dealer-rep.ours-dealer")(lambda: dealer_rep(OURS, PYZMQ))
case("reqrep.envelope.dealer-rep.pyzmq-dealer")(lambda: dealer_rep(PYZMQ, OURS))


#----------------------------------------------------------------------------
# Five concurrent clients, each gets its own reply

N = 5


def concurrent_our_rep():
    ctx = zmq.Context()
    try:
        for rep_binds in (True, False):
            reqs = [ctx.socket(zmq.REQ) for _ in range(N)]
            for s in reqs:
                s.setsockopt(zmq.LINGER, 0)
                s.setsockopt(zmq.RCVTIMEO, int(WAIT_S * 1000))
            if rep_binds:
                rep = Peer(OURS, "rep", bind=[endpoint("tcp")])
                for s in reqs:
                    s.connect(rep.ep)
            else:
                eps = []
                for s in reqs:
                    s.bind("tcp://127.0.0.1:0")
                    eps.append(s.getsockopt(zmq.LAST_ENDPOINT).decode())
                rep = Peer(OURS, "rep", connect=eps)
            rep.write("echo %d %d" % (3 * N, int(WAIT_S * 1000)))
            for rnd in range(3):
                for k, s in enumerate(reqs):
                    s.send(b"client-%d-%d" % (k, rnd))
                for k, s in enumerate(reqs):
                    check_eq(s.recv_multipart(), [b"client-%d-%d" % (k, rnd)],
                             "pyzmq REQ %d, round %d" % (k, rnd))
            check_eq(rep.response(what="echo"), "ok %d" % (3 * N), "our REP")
            for s in reqs:
                s.close()
            rep.quit()
    finally:
        ctx.destroy(0)


def concurrent_our_reqs():
    ctx = zmq.Context()
    try:
        for rep_binds in (True, False):
            rep = ctx.socket(zmq.REP)
            rep.setsockopt(zmq.LINGER, 0)
            rep.setsockopt(zmq.RCVTIMEO, int(WAIT_S * 1000))
            if rep_binds:
                rep.bind("tcp://127.0.0.1:0")
                ep = rep.getsockopt(zmq.LAST_ENDPOINT).decode()
                reqs = [Peer(OURS, "req", connect=[ep], name="req%d" % k) for k in range(N)]
            else:
                reqs = [Peer(OURS, "req", bind=[endpoint("tcp")], name="req%d" % k)
                        for k in range(N)]
                for q in reqs:
                    rep.connect(q.ep)
            for rnd in range(3):
                for k, q in enumerate(reqs):
                    q.send(b"client-%d-%d" % (k, rnd))
                for _ in range(N):
                    rep.send(b"re:" + rep.recv())
                for k, q in enumerate(reqs):
                    check_eq(q.recv(), r(b"re:client-%d-%d" % (k, rnd)),
                             "our REQ %d, round %d" % (k, rnd))
            for q in reqs:
                q.quit()
            rep.close()
    finally:
        ctx.destroy(0)


case("reqrep.concurrent.pyzmq-reqs-ours-rep")(concurrent_our_rep)
case("reqrep.concurrent.ours-reqs-pyzmq-rep")(concurrent_our_reqs)


#----------------------------------------------------------------------------
# Malformed replies from a raw ROUTER-like server

def bad_replies(correlate):
    ls = RawListener()
    req = Peer(OURS, "req", connect=[ls.ep], opts=["req_correlate=1"] if correlate else [])
    raw = ls.accept()
    raw.handshake(b"ROUTER")
    for rnd in range(2):
        req.send(b"q%d" % rnd)
        frames = raw.read_message()
        if correlate:
            check(len(frames) == 3 and len(frames[0]) == 4 and frames[1:] == [b"", b"q%d" % rnd],
                  "request on the wire: %s" % frames)
            env = [frames[0], b""]
            wrong = bytes([frames[0][0] ^ 0xFF]) + frames[0][1:]
            raw.sendall(message(wrong, b"", b"wrong-id"))  # not this request's id
        else:
            check_eq(frames, [b"", b"q%d" % rnd], "request on the wire")
            env = [b""]
        raw.sendall(message(b"no-delimiter"))
        raw.sendall(message(b"x", b"not-empty-delimiter"))
        raw.sendall(message(*(env + [b"good%d" % rnd])))
        check_eq(req.recv(), r(b"good%d" % rnd), "round %d: the valid reply only" % rnd)
    # Same connection throughout: the bad replies were dropped, not fatal.
    req.quit()
    raw.close()
    ls.close()


case("reqrep.bad-reply.plain")(lambda: bad_replies(False))
case("reqrep.bad-reply.correlate")(lambda: bad_replies(True))


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""PUSH/PULL against libzmq 4.3.4 (issue "engine").

    test_pushpull.py --list | ZPEER CASE

Each case runs our zpeer against pyz.py (pyzmq) in child processes, in the
direction its name gives ("ours-to-pyzmq": our PUSH, their PULL), with each
side binding in turn, over tcp or ipc as named.
"""
import sys

from peerlib import (OURS, PYZMQ, Failure, Peer, case, check, check_eq, endpoint, main,
                     payload, render)

DIRS = {"ours-to-pyzmq": (OURS, PYZMQ), "pyzmq-to-ours": (PYZMQ, OURS)}


def start_pair(push_impl, pull_impl, binder, transport, push_opts=(), pull_opts=()):
    """Starts the binding side first, then the other connecting to it."""
    ep = endpoint(transport)
    if binder == "push":
        push = Peer(push_impl, "push", bind=[ep], opts=push_opts)
        pull = Peer(pull_impl, "pull", connect=[push.ep], opts=pull_opts)
    else:
        pull = Peer(pull_impl, "pull", bind=[ep], opts=pull_opts)
        push = Peer(push_impl, "push", connect=[pull.ep], opts=push_opts)
    return push, pull


def rendered(prefix, n, start=0):
    return [render([b"%s%d" % (prefix, i)]) for i in range(start, start + n)]


#----------------------------------------------------------------------------
# 1000 messages, complete and in order

def order(src, dst, transport):
    for binder in ("push", "pull"):
        push, pull = start_pair(src, dst, binder, transport)
        pull.write("recvm 1000 20000")
        push.ok("sendm 1000 m")
        got = pull.response(what="recvm 1000")
        check(got.startswith("msgs "), "recvm answered %r" % got[:200])
        check_eq(got.split(" ")[2:], rendered(b"m", 1000),
                 "%s binds, %s: messages received" % (binder, transport))
        push.quit()
        pull.quit()


for _d, (_s, _r) in DIRS.items():
    for _t in ("tcp", "ipc"):
        case("pushpull.order.%s.%s" % (_d, _t))(lambda s=_s, r=_r, t=_t: order(s, r, t))


#----------------------------------------------------------------------------
# Sizes and multipart

SIZES = [0, 1, 255, 256, 64 << 10, 16 << 20]
MULTI = [b"multi", b"", payload(300), payload(70000), b"end"]


def sizes(src, dst, transport):
    want = [render([payload(n)]) for n in SIZES] + [render(MULTI), render([b"", b""])]
    for binder in ("push", "pull"):
        push, pull = start_pair(src, dst, binder, transport)
        pull.write("recvm %d 30000" % len(want))
        for n in SIZES:
            push.ok("send size:%d" % n, timeout=60)
        push.ok("send str:multi - size:300 size:70000 str:end")
        push.ok("send - -")
        got = pull.response(timeout=90, what="recvm")
        check_eq(got.split(" ")[2:], want, "%s binds, %s: sizes 0..16 MiB, multipart" %
                 (binder, transport))
        push.quit()
        pull.quit()


for _d, (_s, _r) in DIRS.items():
    for _t in ("tcp", "ipc"):
        case("pushpull.sizes.%s.%s" % (_d, _t))(lambda s=_s, r=_r, t=_t: sizes(s, r, t))


#----------------------------------------------------------------------------
# Round-robin over three PULLs: 1,4 / 2,5 / 3,6 in connection order

def roundrobin(src, dst):
    for binder in ("push", "pulls"):
        pulls = []
        if binder == "push":
            push = Peer(src, "push", bind=[endpoint("tcp")])
            for k in range(3):
                pulls.append(Peer(dst, "pull", connect=[push.ep], name="pull%d" % k))
                push.ok("wait-peers %d 20000" % (k + 1))
        else:
            for k in range(3):
                pulls.append(Peer(dst, "pull", bind=[endpoint("tcp")], name="pull%d" % k))
            push = Peer(src, "push", connect=[p.ep for p in pulls])
            push.ok("wait-peers 3 20000")
        push.ok("sendm 6 r")
        for k, p in enumerate(pulls):
            check_eq(p.recvm(2), [render([b"r%d" % k]), render([b"r%d" % (k + 3)])],
                     "%s bind(s): PULL %d's messages" % (binder, k))
        for p in pulls + [push]:
            p.quit()


for _d, (_s, _r) in DIRS.items():
    case("pushpull.roundrobin.%s" % _d)(lambda s=_s, r=_r: roundrobin(s, r))


#----------------------------------------------------------------------------
# A PULL killed mid-stream

def killed(src, dst):
    push = Peer(src, "push", bind=[endpoint("tcp")])
    pulls = []
    for k in range(3):
        pulls.append(Peer(dst, "pull", connect=[push.ep], name="pull%d" % k))
        push.ok("wait-peers %d 20000" % (k + 1))
    # a: everything flows, round-robin.
    push.ok("sendm 99 a")
    for k, p in enumerate(pulls):
        check_eq(p.recvm(33), [render([b"a%d" % i]) for i in range(k, 99, 3)],
                 "PULL %d's first messages" % k)
    # b: a paced stream; the victim dies once it has read some of it.
    victim = pulls[1]
    mark = push.mark()
    push.write("sendm 300 b 2")
    victim_got = victim.recvm(10)
    check_eq(victim_got, [render([b"b%d" % i]) for i in range(1, 30, 3)], "victim's b messages")
    victim.kill()
    push.wait_event("disconnected", since=mark)
    r = push.response(what="sendm 300 b")
    check_eq(r, "ok 300", "paced send")
    # c: after the disconnection was seen, everything reaches the survivors.
    push.ok("sendm 100 c")
    survivors = [pulls[0], pulls[2]]
    got = []
    for p in survivors:
        got += p.drain(1000)
    got += victim_got
    check_eq(len(got), len(set(got)), "no message delivered twice")
    have = set(got)
    missing_c = [i for i in range(100) if render([b"c%d" % i]) not in have]
    check_eq(missing_c, [], "c messages (sent after the disconnection) missing")
    missing_b = [i for i in range(300) if render([b"b%d" % i]) not in have]
    check([i for i in missing_b if i % 3 != 1] == [],
          "only messages queued for the victim may be lost; missing: %s" % missing_b)
    for p in survivors + [push]:
        p.quit()


for _d, (_s, _r) in DIRS.items():
    case("pushpull.pull-killed.%s" % _d)(lambda s=_s, r=_r: killed(s, r))


def killed_connecting(src, dst, transport):
    """The PUSH connects to three bound PULLs. A connecting PUSH keeps the
    dead PULL's queue (libzmq does too): what it queues there meanwhile
    reaches the PULL restarted on the same endpoint. Nothing arrives twice."""
    pulls = [Peer(dst, "pull", bind=[endpoint(transport)], name="pull%d" % k) for k in range(3)]
    push = Peer(src, "push", connect=[p.ep for p in pulls])
    push.ok("wait-peers 3 20000")
    push.ok("sendm 99 a")
    for k, p in enumerate(pulls):
        check_eq(p.recvm(33), [render([b"a%d" % i]) for i in range(k, 99, 3)],
                 "PULL %d's first messages" % k)
    victim = pulls[1]
    ep = victim.ep
    mark = push.mark()
    push.write("sendm 300 b 2")
    victim_got = victim.recvm(10)
    victim.kill()
    push.wait_event("disconnected", since=mark)
    check_eq(push.response(what="sendm 300 b"), "ok 300", "paced send")
    push.ok("sendm 99 c")
    reborn = Peer(dst, "pull", bind=[ep], name="restarted-pull1")
    push.ok("wait-peers 3 20000")  # reconnected: the queue flows to the new PULL
    got = list(victim_got)
    for p in (pulls[0], pulls[2], reborn):
        got += p.drain(1000)
    check_eq(len(got), len(set(got)), "no message delivered twice")
    have = set(got)
    missing_c = [i for i in range(99) if render([b"c%d" % i]) not in have]
    check_eq(missing_c, [], "c messages (queued after the disconnection) missing")
    missing_b = [i for i in range(300) if render([b"b%d" % i]) not in have]
    check([i for i in missing_b if i % 3 != 1] == [],
          "only messages in flight to the victim may be lost; missing: %s" % missing_b)
    for p in (pulls[0], pulls[2], reborn, push):
        p.quit()


for _d, (_s, _r) in DIRS.items():
    for _t in ("tcp", "ipc"):  # ipc: the killed PULL leaves its socket file behind
        case("pushpull.pull-killed-reconnect.%s.%s" % (_d, _t))(
            lambda s=_s, r=_r, t=_t: killed_connecting(s, r, t))


#----------------------------------------------------------------------------
# A PUSH without a PULL blocks (binding) or queues (connecting)

def blocks(src, dst, transport):
    push = Peer(src, "push", bind=[endpoint(transport)])
    push.set("sndtimeo", 300)
    check_eq(push.cmd("send x"), "err timed_out", "send with sndtimeo and no PULL")
    push.set("sndtimeo", -1)
    push.write("send y")
    # Not a synchronisation: the send must still be blocked after a while.
    try:
        r = push.response(timeout=0.5)
        raise Failure("blocking send with no PULL returned %r" % r)
    except Failure as e:
        if "no answer" not in str(e):
            raise
    pull = Peer(dst, "pull", connect=[push.ep])
    check_eq(push.response(what="blocked send"), "ok", "blocked send once a PULL connected")
    push.ok("sendm 5 z")
    check_eq(pull.recvm(6), [render([b"y"])] + rendered(b"z", 5), "messages after the block")
    push.quit()
    pull.quit()

    # Connecting first: the messages wait in the queue for the PULL.
    ep = endpoint(transport, fixed=True)
    push = Peer(src, "push", connect=[ep])
    push.set("sndtimeo", 5000)
    push.ok("sendm 10 q")
    pull = Peer(dst, "pull", bind=[ep])
    check_eq(pull.recvm(10), rendered(b"q", 10), "messages queued before the PULL bound")
    push.quit()
    pull.quit()


for _d, (_s, _r) in DIRS.items():
    for _t in ("tcp", "ipc"):
        case("pushpull.blocks.%s.%s" % (_d, _t))(lambda s=_s, r=_r, t=_t: blocks(s, r, t))


#----------------------------------------------------------------------------
# Polling: the receiver's poll wakes when a message comes; the sender's
# poll for "out" waits for a peer (zmtp::poll on our side, pyzmq's poll on
# theirs)

def polled(src, dst, transport):
    push, pull = start_pair(src, dst, "pull", transport)
    check_eq(pull.cmd("poll 100 in"), "ok none", "poll before anything was sent")
    pull.write("poll 20000 in")
    push.ok("sendm 3 p")
    check_eq(pull.response(what="poll in"), "ok in", "poll once messages were sent")
    check_eq(pull.recvm(3), rendered(b"p", 3), "messages after the poll")
    push.quit()
    pull.quit()

    # A bound PUSH with no peer may not send; it may once a PULL connects.
    push = Peer(src, "push", bind=[endpoint(transport)])
    check_eq(push.cmd("poll 100 out"), "ok none", "poll out with no PULL")
    push.write("poll 20000 out")
    pull = Peer(dst, "pull", connect=[push.ep])
    check_eq(push.response(what="poll out"), "ok out", "poll out once a PULL connected")
    push.ok("send z")
    check_eq(pull.recvm(1), [render([b"z"])], "message after poll out")
    push.quit()
    pull.quit()


for _d, (_s, _r) in DIRS.items():
    case("pushpull.poll.%s.tcp" % _d)(lambda s=_s, r=_r: polled(s, r, "tcp"))


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Heartbeats against libzmq 4.3.4 (issue "engine"): a frozen peer (SIGSTOP)
is detected by the side that sends PINGs, and traffic resumes after SIGCONT
and after a restart.

    test_heartbeat.py --list | ZPEER CASE

Timing-sensitive: registered RUN_SERIAL. The bounds are loose (detection
within 10 s of a 1 s heartbeat timeout); the waits are on events.
"""
import sys
import time

from peerlib import (OURS, PYZMQ, Peer, Relay, case, check, check_eq, endpoint, main, probe,
                     render)

HB = ["heartbeat_ivl=200", "heartbeat_timeout=1000"]
DETECT_LIMIT_S = 10.0


def resume(push, pull, tag):
    """Probes from push until one reaches pull (reconnection may still be under way)."""
    n = [0]

    def send():
        push.ok("send %s-%d" % (tag, n[0]))
        n[0] += 1

    def received():
        kind, r = pull.recv_result(200)
        return kind == "msg" and r.startswith((tag + "-").encode().hex())

    probe(send, received, "traffic after " + tag)


def frozen_peer(detector_impl, frozen_impl, detector_binds, det_opts=HB, frz_opts=(),
                ttl_ds=None):
    """The detector (a PULL, with heartbeats by default) and a PUSH that gets
    frozen. With ttl_ds, the detector relies on the TTL of the frozen side's
    PINGs: those pass through a relay that waits for one (and checks its TTL
    field) before the freeze."""
    ep = endpoint("tcp")
    relay = None
    if ttl_ds is not None:
        det = Peer(detector_impl, "pull", bind=[ep], opts=det_opts, name="detector")
        relay = Relay(int(det.ep.rsplit(":", 1)[1]))
        frz = Peer(frozen_impl, "push", connect=["tcp://127.0.0.1:%d" % relay.port],
                   opts=frz_opts, name="frozen")
    elif detector_binds:
        det = Peer(detector_impl, "pull", bind=[ep], opts=det_opts, name="detector")
        frz = Peer(frozen_impl, "push", connect=[det.ep], opts=frz_opts, name="frozen")
    else:
        frz = Peer(frozen_impl, "push", bind=[ep], opts=frz_opts, name="frozen")
        det = Peer(detector_impl, "pull", connect=[frz.ep], opts=det_opts, name="detector")
    frz.ok("send h0")
    check(det.recv() == render([b"h0"]), "first message")

    if relay is not None:
        check_eq(relay.wait_ping("up"), ttl_ds, "TTL field of the frozen side's PING")

    # Frozen: the detector's PINGs go unanswered (or the frozen side's stop).
    mark = det.mark()
    frz.sigstop()
    t0 = time.monotonic()
    if detector_impl == OURS:
        i = det.wait_event("disconnected", since=mark,
                           pred=lambda ep, reason: reason == "heartbeat_timeout")
    else:
        i = det.wait_event("disconnected", since=mark)
    elapsed = time.monotonic() - t0
    check(elapsed < DETECT_LIMIT_S, "detected after %.1f s (%s)" % (elapsed, det.event(i)))
    print("%s detected the frozen peer after %.1f s: %s" % (det.name, elapsed, det.event(i)))

    # Thawed: the link comes back (reconnect) and traffic resumes.
    frz.sigcont()
    resume(frz, det, "thawed")

    # Restarted: a new frozen-side process on the same endpoint.
    frz.kill()
    if relay is not None:
        frz = Peer(frozen_impl, "push", connect=["tcp://127.0.0.1:%d" % relay.port],
                   opts=frz_opts, name="restarted")
    elif detector_binds:
        frz = Peer(frozen_impl, "push", connect=[det.ep], opts=frz_opts, name="restarted")
    else:
        frz = Peer(frozen_impl, "push", bind=[frz.ep], opts=frz_opts, name="restarted")
    resume(frz, det, "restarted")
    frz.quit()
    det.quit()
    if relay is not None:
        relay.close()


for _bind in (True, False):
    _side = "detector-binds" if _bind else "detector-connects"
    case("heartbeat.ours-detects-pyzmq.%s" % _side, serial=True)(
        lambda b=_bind: frozen_peer(OURS, PYZMQ, b))
    case("heartbeat.pyzmq-detects-ours.%s" % _side, serial=True)(
        lambda b=_bind: frozen_peer(PYZMQ, OURS, b))
    case("heartbeat.ours-detects-ours.%s" % _side, serial=True)(
        lambda b=_bind: frozen_peer(OURS, OURS, b))


# The TTL a peer announces in its PINGs: the other side, without heartbeats
# of its own, drops the peer once it has been silent that long.
TTL = ["heartbeat_ivl=200", "heartbeat_ttl=1000"]
case("heartbeat.ttl.ours-honours-pyzmq", serial=True)(
    lambda: frozen_peer(OURS, PYZMQ, True, det_opts=(), frz_opts=TTL, ttl_ds=10))
case("heartbeat.ttl.pyzmq-honours-ours", serial=True)(
    lambda: frozen_peer(PYZMQ, OURS, True, det_opts=(), frz_opts=TTL, ttl_ds=10))


if __name__ == "__main__":
    sys.exit(main(sys.argv))

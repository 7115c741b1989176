# SPDX-License-Identifier: MIT
"""zmtpcat's command line: help, usage errors (exit 2), runtime failures
(exit 1), timeouts (exit 3), signals (exit 0), the listening line, -v event
lines, --count for each kind of type, --interval and --linger."""
import fcntl
import re
import signal
import socket
import struct
import termios
import time

import zmq

import zc
from zc import Zmtpcat, run_zmtpcat, zbind, zrecv, zsock, nothing_more, free_port, WAIT

EVENT_RX = re.compile(r"^event: [a-z]+(-[a-z]+)*( \S+( .+)?)?$")

ALL_FLAGS = ["--bind", "--connect", "--frames", "--count", "--subscribe", "--reply",
             "--interval", "--sndhwm", "--rcvhwm", "--linger", "--sndtimeo", "--rcvtimeo",
             "--reconnect-ivl", "--reconnect-ivl-max", "--heartbeat-ivl", "--heartbeat-timeout",
             "--heartbeat-ttl", "--handshake-ivl", "--routing-id", "--req-relaxed",
             "--req-correlate", "--req-timeout", "--req-retries", "--req-fail-on-disconnect",
             "--max-msg-size", "--verbose", "--help"]
TYPES = ["push", "pull", "pub", "sub", "req", "rep", "dealer", "router", "xpub", "xsub", "pair"]


def test_help_documents_everything():
    rc, out, err = run_zmtpcat("--help")
    assert rc == 0 and not err, (rc, err)
    text = "\n".join(out)
    assert zc.USAGE_RX.match(out[0]), out[0]
    for flag in ALL_FLAGS + TYPES:
        assert flag in text, "--help does not mention %s" % flag
    for status in ("0 ", "1 ", "2 ", "3 "):
        assert "\n  " + status in text, "--help does not document exit status %s" % status
    rc2, out2, _ = run_zmtpcat("pull", "-h")
    assert rc2 == 0 and out2 == out
    rc, out, _ = run_zmtpcat("--version")
    assert rc == 0 and re.match(r"^zmtpcat \d+\.\d+\.\d+$", out[0]), out


def test_usage_errors_exit_2():
    ep = "tcp://127.0.0.1:1"
    cases = [
        [],
        ["push"],                                    # no endpoint
        ["--bind", ep],                              # no type
        ["tcp", "--bind", ep],                       # unknown type
        ["push", "pull", "--bind", ep],              # two types
        ["push", "--bind"],                          # missing value
        ["push", "--bind", ep, "--bogus"],           # unknown option
        ["push", "--bind", ep, "--count", "x"],
        ["push", "--bind", ep, "--count", "0"],
        ["push", "--bind", ep, "--sndhwm", "-5"],
        ["push", "--bind", ep, "--rcvhwm", "1k"],
        ["push", "--bind", ep, "--linger", "-2"],
        ["push", "--bind", ep, "--sndtimeo", ""],
        ["push", "--bind", ep, "--rcvtimeo", "1.5"],
        ["push", "--bind", ep, "--reconnect-ivl", "x"],
        ["push", "--bind", ep, "--reconnect-ivl-max", "-1"],
        ["push", "--bind", ep, "--heartbeat-ivl", "-1"],
        ["push", "--bind", ep, "--heartbeat-timeout", "-7"],
        ["push", "--bind", ep, "--heartbeat-ttl", "70000"],
        ["push", "--bind", ep, "--handshake-ivl", "z"],
        ["push", "--bind", ep, "--max-msg-size", "0"],
        ["push", "--bind", ep, "--interval", "-1"],
        ["push", "--bind", ep, "--subscribe", "a"],  # sub/xsub only
        ["req", "--bind", ep, "--reply", "a"],       # rep only
        ["dealer", "--bind", ep, "--req-relaxed"],   # req only
        ["dealer", "--bind", ep, "--req-correlate"],
        ["dealer", "--bind", ep, "--req-timeout", "100"],
        ["dealer", "--bind", ep, "--req-fail-on-disconnect"],
        ["req", "--bind", ep, "--req-retries", "2"],  # needs --req-timeout
        ["req", "--bind", ep, "--req-timeout", "0"],
        ["req", "--bind", ep, "--req-relaxed=yes"],
        ["push", "--bind", ep, "--routing-id", "me"],  # req/dealer/router only
        ["dealer", "--bind", ep, "--routing-id", ""],
        ["dealer", "--bind", ep, "--routing-id", "0x00ab"],
        ["dealer", "--bind", ep, "--routing-id", "x" * 256],
        ["pull", "--bind", ep, "--interval", "10"],   # types that send stdin only
        ["push", "--bind", ep, "--frames", ""],
        ["push", "--bind", ep, "--frames", "\\"],
    ]
    for args in cases:
        rc, out, err = run_zmtpcat(*args)
        assert rc == 2, "zmtpcat %s: exit %d, expected 2; stderr %r" % (args, rc, err)
        assert not out, (args, out)
        assert err and err[0].startswith("zmtpcat: "), (args, err)
        assert any(zc.USAGE_RX.match(l) for l in err), (args, err)


def test_runtime_failures_exit_1_with_one_line():
    busy, busy_ep = zbind(zmq.PULL)
    try:
        cases = [
            (["push", "--bind", "foo"], r"^zmtpcat: bind foo: malformed endpoint$"),
            (["push", "--connect", "tcp://127.0.0.1"], r"^zmtpcat: connect tcp://127\.0\.0\.1: .*endpoint"),
            (["push", "--connect", "tcp://127.0.0.1:99999"], r"^zmtpcat: connect .*: invalid port$"),
            (["push", "--bind", "udp://127.0.0.1:1"], r"^zmtpcat: bind udp://.*: unsupported transport"),
            (["push", "--bind", busy_ep], r"^zmtpcat: bind %s: .*[Aa]ddress already in use$" % re.escape(busy_ep)),
            (["pull", "--bind", "tcp://no-such-host.invalid:0"],
             r"^zmtpcat: bind tcp://no-such-host\.invalid:0: .*[Hh]ost not found"),
        ]
        for args, rx in cases:
            rc, out, err = run_zmtpcat(*args)
            assert rc == 1, (args, rc, err)
            assert len(err) == 1 and re.search(rx, err[0]), (args, err)
        # A connect's name is resolved in the background: zmtpcat gives up on
        # a name that does not exist instead of retrying it forever.
        for extra in ([], ["--reconnect-ivl", "-1"]):
            with Zmtpcat("pull", "--connect", "tcp://no-such-host.invalid:5555", *extra) as z:
                z.expect_exit(1)
                assert len(z.err_lines) == 1 and re.match(
                    r"^zmtpcat: connect tcp://no-such-host\.invalid:5555: .*[Hh]ost not found",
                    z.err_lines[0]), z.err_lines
    finally:
        busy.close()


def test_listening_line_without_verbose():
    with Zmtpcat("pull", "--bind", "tcp://127.0.0.1:0", "--bind", "tcp://127.0.0.1:*") as z:
        first = z.endpoint()
        second = z.err_wait(r"^event: listening (tcp://127\.0\.0\.1:\d+)$").group(1)
        assert first != second and not first.endswith(":0")
        push = zsock(zmq.PUSH)
        push.connect(second)
        push.send(b"via the second endpoint")
        z.expect_out("via the second endpoint")
        push.close()
        z.signal(signal.SIGTERM)
        z.expect_exit(0)
        # Without -v only the ephemeral ports are reported, nothing else.
        assert len(z.err_lines) == 2, z.err_lines
    port = free_port()
    with Zmtpcat("pull", "--bind", "tcp://127.0.0.1:%d" % port) as z:
        push = zsock(zmq.PUSH)
        push.connect("tcp://127.0.0.1:%d" % port)
        push.send(b"x")
        z.expect_out("x")
        push.close()
        z.signal(signal.SIGINT)
        z.expect_exit(0)
        assert z.err_lines == [], z.err_lines


def test_verbose_event_lines():
    # Listening side: listening, accepted, handshake-succeeded, disconnected, closed.
    with Zmtpcat("pull", "-v", "--bind", "tcp://127.0.0.1:0") as z:
        ep = z.endpoint()
        push = zsock(zmq.PUSH)
        push.connect(ep)
        push.send(b"hi")
        z.expect_out("hi")
        z.err_wait(r"^event: accepted tcp://127\.0\.0\.1:\d+$")
        z.err_wait(r"^event: handshake-succeeded tcp://127\.0\.0\.1:\d+$")
        push.close()
        z.err_wait(r"^event: disconnected tcp://127\.0\.0\.1:\d+ \S.*$")
        # A peer that is not ZMTP at all.
        raw = socket.create_connection(("127.0.0.1", int(ep.rsplit(":", 1)[1])))
        raw.sendall(b"GET / HTTP/1.0\r\n\r\n" + b"x" * 64)
        z.err_wait(r"^event: handshake-failed tcp://127\.0\.0\.1:\d+ \S.*$")
        raw.close()
        z.signal(signal.SIGTERM)
        z.expect_exit(0)
        z.err_wait(r"^event: closed %s$" % re.escape(ep))
        z.err_wait(r"^event: closed$")
        for line in z.err_lines:
            assert EVENT_RX.match(line), line
    # Connecting side: connect-retried with a reason, connected, disconnected.
    port = free_port()
    ep = "tcp://127.0.0.1:%d" % port
    with Zmtpcat("push", "--verbose", "--connect", ep, "--reconnect-ivl", "50",
                 "--reconnect-ivl-max", "50") as z:
        z.err_wait(r"^event: connect-retried %s \S.*$" % re.escape(ep))
        pull = zsock(zmq.PULL)
        pull.bind(ep)
        z.err_wait(r"^event: connected %s$" % re.escape(ep))
        z.err_wait(r"^event: handshake-succeeded %s$" % re.escape(ep))
        pull.close()
        z.err_wait(r"^event: disconnected %s \S.*$" % re.escape(ep))
        z.close_stdin()
        z.expect_exit(0)
        for line in z.err_lines:
            assert EVENT_RX.match(line), line


def test_signals_exit_0():
    # Blocked in a receive (main thread), in stdin (sender), in a request,
    # and with a receiver thread: SIGINT and SIGTERM close cleanly.
    peer, peer_ep = zbind(zmq.ROUTER)
    try:
        setups = [
            ("pull", ["--bind", "tcp://127.0.0.1:0"]),
            ("sub", ["--bind", "tcp://127.0.0.1:0"]),
            ("rep", ["--bind", "tcp://127.0.0.1:0"]),
            ("push", ["--bind", "tcp://127.0.0.1:0"]),
            ("dealer", ["--connect", peer_ep]),
            ("router", ["--bind", "tcp://127.0.0.1:0"]),
            ("pair", ["--bind", "tcp://127.0.0.1:0"]),
            ("xsub", ["--bind", "tcp://127.0.0.1:0"]),
            ("xpub", ["--bind", "tcp://127.0.0.1:0"]),
        ]
        for sig in (signal.SIGINT, signal.SIGTERM):
            for kind, args in setups:
                with Zmtpcat(kind, "-v", *args) as z:
                    z.err_wait(r"^event: (listening|handshake-succeeded) ")
                    z.signal(sig)
                    z.expect_exit(0)
                    z.err_wait(r"^event: closed$")
        # A REQ waiting for a reply that never comes.
        with Zmtpcat("req", "--connect", peer_ep) as z:
            z.send("anyone?")
            zrecv(peer)
            z.signal(signal.SIGINT)
            z.expect_exit(0)
    finally:
        peer.close()


def stdin_consumed(z):
    """True once zmtpcat has read everything written to its stdin (FIONREAD
    on the pipe works from the write end too)."""
    buf = bytearray(4)
    fcntl.ioctl(z.proc.stdin.fileno(), termios.FIONREAD, buf)
    return struct.unpack("i", buf)[0] == 0


def test_signal_keeps_linger():
    # A message queued for a peer that is not there yet gets --linger to go
    # out after a signal: here the peer comes, late, and receives it.
    port = free_port()
    ep = "tcp://127.0.0.1:%d" % port
    with Zmtpcat("push", "-v", "--connect", ep, "--linger", "-1", "--reconnect-ivl", "50",
                 "--reconnect-ivl-max", "50") as z:
        z.err_wait(r"^event: connect-retried ")
        z.send("queued")
        zc.until(lambda: stdin_consumed(z), what="zmtpcat reading its stdin")
        # Reading and queueing are one step apart; a reconnect attempt later
        # the line is certainly queued.
        z.err_wait(r"^event: connect-retried ")
        z.signal(signal.SIGTERM)
        pull = zsock(zmq.PULL)
        pull.bind(ep)
        assert zrecv(pull) == [b"queued"]
        z.expect_exit(0)
        pull.close()
    # And a bounded linger ends the wait for a peer that never comes.
    ep = "tcp://127.0.0.1:%d" % free_port()
    with Zmtpcat("push", "-v", "--connect", ep, "--linger", "800") as z:
        z.err_wait(r"^event: connect-retried ")
        z.send("queued")
        zc.until(lambda: stdin_consumed(z), what="zmtpcat reading its stdin")
        z.err_wait(r"^event: connect-retried ")
        t0 = time.monotonic()
        z.signal(signal.SIGTERM)
        z.expect_exit(0)
        assert time.monotonic() - t0 >= 0.5, "exited before the linger"


def test_count_each_kind():
    # Receiving types: N messages received.
    with Zmtpcat("pull", "--bind", "tcp://127.0.0.1:0", "--count", "2") as z:
        push = zsock(zmq.PUSH)
        push.connect(z.endpoint())
        for i in range(5):
            push.send(b"m%d" % i)
        z.expect_exit(0)
        assert z.out_lines == ["m0", "m1"], z.out_lines
        push.close()
    # Sending types: N sent, even with more input waiting and stdin open.
    pull, ep = zbind(zmq.PULL)
    with Zmtpcat("push", "--connect", ep, "--count", "2") as z:
        z.send("a", "b", "c")
        z.expect_exit(0)
        assert zrecv(pull) == [b"a"] and zrecv(pull) == [b"b"]
        assert nothing_more(pull)
    pull.close()
    router, ep = zbind(zmq.ROUTER)
    with Zmtpcat("dealer", "--connect", ep, "--count", "1") as z:
        z.send("one", "two")
        z.expect_exit(0)
        assert zrecv(router)[1:] == [b"one"]
        assert nothing_more(router)
    # REQ: N round trips.
    rep, ep = zbind(zmq.REP)
    with Zmtpcat("req", "--connect", ep, "--count", "2") as z:
        z.send("q1", "q2", "q3")
        for _ in range(2):
            rep.send(zrecv(rep)[0].upper())
        z.expect_exit(0)
        assert z.out_lines == ["Q1", "Q2"], z.out_lines
        assert nothing_more(rep)
    rep.close()
    # REP: N round trips (the last reply still goes out).
    with Zmtpcat("rep", "--bind", "tcp://127.0.0.1:0", "--count", "2", "--reply", "ok") as z:
        req = zsock(zmq.REQ)
        req.connect(z.endpoint())
        for i in range(2):
            req.send(b"r%d" % i)
            assert zrecv(req) == [b"ok"]
        z.expect_exit(0)
        assert z.out_lines == ["r0", "r1"]
        req.close()
    # ROUTER: N messages received.
    with Zmtpcat("router", "--bind", "tcp://127.0.0.1:0", "--count", "1") as z:
        d = zsock(zmq.DEALER)
        d.connect(z.endpoint())
        d.send(b"only")
        z.expect_exit(0)
        assert re.match(r"^0x00[0-9a-f]{8}\|only$", z.out_lines[0]), z.out_lines
        d.close()
    router.close()


def test_option_value_forms():
    # --name VALUE and --name=VALUE; TYPE may come after the options.
    with Zmtpcat("--bind=tcp://127.0.0.1:0", "--count=1", "--frames=+", "PULL") as z:
        push = zsock(zmq.PUSH)
        push.connect(z.endpoint())
        push.send_multipart([b"a", b"b"])
        z.expect_exit(0)
        assert z.out_lines == ["a+b"], z.out_lines
        push.close()


def test_end_of_input_exits_0():
    pull, ep = zbind(zmq.PULL)
    rc, out, err = run_zmtpcat("push", "--connect", ep, input=b"x\ny\nlast-without-newline")
    assert rc == 0 and not out and not err, (rc, out, err)
    assert [zrecv(pull) for _ in range(3)] == [[b"x"], [b"y"], [b"last-without-newline"]]
    pull.close()
    # REQ with no input: nothing to do.
    rc, out, err = run_zmtpcat("req", "--connect", ep, input=b"")
    assert rc == 0 and not out and not err


def test_interval():
    pull, ep = zbind(zmq.PULL)
    with Zmtpcat("push", "--connect", ep, "--interval", "300") as z:
        z.send("1", "2", "3")
        times = []
        for _ in range(3):
            zrecv(pull)
            times.append(time.monotonic())
        z.close_stdin()
        z.expect_exit(0)
    # Lower bounds only: a busy machine may be slower, never faster.
    assert times[1] - times[0] >= 0.25 and times[2] - times[1] >= 0.25, times
    pull.close()


def test_rcvtimeo_exit_3():
    for kind in ("pull", "sub", "rep", "xpub"):
        t0 = time.monotonic()
        rc, out, err = run_zmtpcat(kind, "--bind", "tcp://127.0.0.1:0", "--rcvtimeo", "200")
        assert rc == 3, (kind, rc, err)
        assert err[-1] == "zmtpcat: receive: operation timed out (--rcvtimeo 200 ms)", err
        assert time.monotonic() - t0 >= 0.19
    # A REQ whose reply does not come.
    rep, ep = zbind(zmq.REP)
    rc, out, err = run_zmtpcat("req", "--connect", ep, "--rcvtimeo", "200", input=b"hello?\n")
    assert rc == 3 and "timed out" in err[-1], (rc, err)
    assert zrecv(rep) == [b"hello?"]
    rep.close()
    # A pair's receiving side times out while stdin is still open.
    with Zmtpcat("pair", "--bind", "tcp://127.0.0.1:0", "--rcvtimeo", "200") as z:
        z.expect_exit(3)


def test_sndtimeo_exit_3():
    # A bound PUSH with no peer has nowhere to queue: the send blocks.
    t0 = time.monotonic()
    rc, out, err = run_zmtpcat("push", "--bind", "tcp://127.0.0.1:0", "--sndtimeo", "200",
                               input=b"nobody\n")
    assert rc == 3, (rc, err)
    assert err[-1] == "zmtpcat: send: operation timed out (--sndtimeo 200 ms)", err
    assert time.monotonic() - t0 >= 0.19
    rc, out, err = run_zmtpcat("dealer", "--bind", "tcp://127.0.0.1:0", "--sndtimeo", "100",
                               input=b"nobody\n")
    assert rc == 3, (rc, err)


def test_linger():
    # --linger 0: queued messages are dropped, zmtpcat exits at once.
    ep = "tcp://127.0.0.1:%d" % free_port()
    rc, out, err = run_zmtpcat("push", "--connect", ep, "--linger", "0", input=b"a\nb\n",
                               timeout=WAIT)
    assert rc == 0, (rc, err)
    # --linger 500: waits that long for a peer that never comes.
    t0 = time.monotonic()
    rc, out, err = run_zmtpcat("push", "--connect", ep, "--linger", "500", input=b"a\n")
    assert rc == 0 and time.monotonic() - t0 >= 0.45, (rc, time.monotonic() - t0)
    # --linger -1: the messages wait for the peer, however late it comes.
    port = free_port()
    ep = "tcp://127.0.0.1:%d" % port
    with Zmtpcat("push", "-v", "--connect", ep, "--linger", "-1", "--reconnect-ivl", "50",
                 "--reconnect-ivl-max", "50") as z:
        z.send("late-1", "late-2")
        z.close_stdin()
        z.err_wait(r"^event: connect-retried ")
        assert z.running()
        pull = zsock(zmq.PULL)
        pull.bind(ep)
        assert zrecv(pull) == [b"late-1"] and zrecv(pull) == [b"late-2"]
        z.expect_exit(0)
        pull.close()


if __name__ == "__main__":
    zc.main([
        test_help_documents_everything,
        test_usage_errors_exit_2,
        test_runtime_failures_exit_1_with_one_line,
        test_listening_line_without_verbose,
        test_verbose_event_lines,
        test_signals_exit_0,
        test_signal_keeps_linger,
        test_count_each_kind,
        test_option_value_forms,
        test_end_of_input_exits_0,
        test_interval,
        test_rcvtimeo_exit_3,
        test_sndtimeo_exit_3,
        test_linger,
    ])

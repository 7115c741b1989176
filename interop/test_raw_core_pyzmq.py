#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The sans-IO core against libzmq 4.3.4 (through pyzmq), over real TCP.

    /usr/bin/python3 interop/test_raw_core_pyzmq.py path/to/raw_core_peer

(a) pyzmq PULL binds an ephemeral port; our raw PUSH connects and sends
    1000 small messages, messages of 0, 255, 256, 64 KiB and 16 MiB bytes and
    a multipart message; pyzmq must receive all of them intact and in order.
(b) our raw PULL listens on an ephemeral port; a pyzmq PUSH connects and
    sends the same set; ours must print all of them intact and in order.

Every wait is on an event (a message, a line of output, the process exit),
each with a generous timeout; nothing sleeps. Exits 1 with a message naming
the case and the first difference on failure.
"""
import os
import selectors
import subprocess
import sys
import zlib

import zmq

TIMEOUT_S = 120  # per wait; generous for sanitizer builds on a busy machine
COUNT = 1000
SIZES = [0, 255, 256, 64 << 10, 16 << 20]


class Failure(Exception):
    pass


def payload(n):
    """What raw_core_peer sends for a size: 0, 1, ..., 250 repeated."""
    block = bytes(range(251))
    return (block * (n // 251 + 1))[:n]


def expected_messages():
    msgs = [[b"msg-%d" % i] for i in range(COUNT)]
    msgs += [[payload(s)] for s in SIZES]
    msgs.append([b"multi", b"", payload(300), b"end"])
    return msgs


def render_frame(f):
    """raw_core_peer's rendering of a frame (see its file comment)."""
    if 1 <= len(f) <= 64 and all(0x20 <= c <= 0x7E and c not in b"|<\\" for c in f):
        return f.decode("ascii")
    return "<%d:%08x>" % (len(f), zlib.crc32(f) & 0xFFFFFFFF)


def render(msg):
    return " | ".join(render_frame(f) for f in msg)


def describe(msg):
    return "[" + ", ".join("%d bytes" % len(f) if len(f) > 32 else repr(f) for f in msg) + "]"


def finish(proc, what):
    """Waits for the helper to exit and returns its stdout; fails on a non-zero exit."""
    try:
        out, err = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise Failure("%s: raw_core_peer did not exit within %d s; stderr: %s"
                      % (what, TIMEOUT_S, err.decode(errors="replace").strip()))
    if proc.returncode != 0:
        raise Failure("%s: raw_core_peer exited with %d; stderr: %s"
                      % (what, proc.returncode, err.decode(errors="replace").strip()))
    return out.decode()


def read_line(proc, what):
    """The next line of the helper's stdout, waiting at most TIMEOUT_S."""
    # Byte by byte from the descriptor: a buffered readline() could swallow
    # later output that communicate(), which reads the descriptor, would miss.
    line = b""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    try:
        while not line.endswith(b"\n"):
            if not sel.select(timeout=TIMEOUT_S):
                raise Failure("%s: no output from raw_core_peer within %d s" % (what, TIMEOUT_S))
            c = os.read(proc.stdout.fileno(), 1)
            if not c:
                break
            line += c
    finally:
        sel.close()
    if not line.endswith(b"\n"):
        proc.wait(timeout=TIMEOUT_S)
        raise Failure("%s: raw_core_peer exited (%s) before printing its port; stderr: %s"
                      % (what, proc.returncode, proc.stderr.read().decode(errors="replace")))
    return line.decode().strip()


def case_our_push_to_pyzmq_pull(peer, ctx):
    what = "our PUSH -> pyzmq PULL"
    pull = ctx.socket(zmq.PULL)
    pull.setsockopt(zmq.LINGER, 0)
    pull.setsockopt(zmq.RCVTIMEO, TIMEOUT_S * 1000)
    port = pull.bind_to_random_port("tcp://127.0.0.1")
    proc = subprocess.Popen(
        [peer, "push", "--connect", str(port), "--count", str(COUNT),
         "--sizes", ",".join(map(str, SIZES)), "--timeout", str(TIMEOUT_S)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for i, want in enumerate(expected_messages()):
            try:
                got = pull.recv_multipart()
            except zmq.Again:
                proc.kill()
                _, err = proc.communicate()
                raise Failure("%s: message %d did not arrive within %d s; raw_core_peer: %s"
                              % (what, i, TIMEOUT_S, err.decode(errors="replace").strip()))
            if got != want:
                proc.kill()
                raise Failure("%s: message %d differs: got %s, want %s"
                              % (what, i, describe(got), describe(want)))
        finish(proc, what)
        # The helper exits only after libzmq closed the connection, which it
        # does after decoding everything we sent: an extra message would be
        # queued by now.
        if pull.poll(0):
            raise Failure("%s: unexpected extra message %s" % (what, describe(pull.recv_multipart())))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        pull.close()
    return "%d messages (incl. %s-byte and multipart) intact and in order" % (
        len(expected_messages()), "/".join(map(str, SIZES)))


def case_pyzmq_push_to_our_pull(peer, ctx):
    what = "pyzmq PUSH -> our PULL"
    msgs = expected_messages()
    proc = subprocess.Popen(
        [peer, "pull", "--listen", "--count", str(len(msgs)), "--timeout", str(TIMEOUT_S)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    push = ctx.socket(zmq.PUSH)
    push.setsockopt(zmq.LINGER, 0)
    push.setsockopt(zmq.SNDTIMEO, TIMEOUT_S * 1000)
    try:
        port = int(read_line(proc, what))
        push.connect("tcp://127.0.0.1:%d" % port)
        for i, m in enumerate(msgs):
            try:
                push.send_multipart(m)
            except zmq.Again:
                raise Failure("%s: could not send message %d within %d s" % (what, i, TIMEOUT_S))
        lines = finish(proc, what).splitlines()
        want = [render(m) for m in msgs]
        for i, (g, w) in enumerate(zip(lines, want)):
            if g != w:
                raise Failure("%s: message %d differs: got %r, want %r" % (what, i, g, w))
        if len(lines) != len(want):
            raise Failure("%s: got %d messages, want %d" % (what, len(lines), len(want)))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        push.close()
    return "%d messages intact and in order" % len(msgs)


def main():
    if len(sys.argv) != 2 or not os.access(sys.argv[1], os.X_OK):
        print("usage: %s path/to/raw_core_peer" % sys.argv[0], file=sys.stderr)
        return 2
    peer = sys.argv[1]
    print("pyzmq %s, libzmq %s" % (zmq.pyzmq_version(), zmq.zmq_version()))
    ctx = zmq.Context()
    failed = 0
    for case in (case_our_push_to_pyzmq_pull, case_pyzmq_push_to_our_pull):
        try:
            print("ok   %s: %s" % (case.__name__, case(peer, ctx)))
        except Failure as e:
            print("FAIL %s: %s" % (case.__name__, e))
            failed += 1
    ctx.term()
    if failed:
        print("%d case(s) failed" % failed, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

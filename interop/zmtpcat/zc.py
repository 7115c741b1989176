# SPDX-License-Identifier: MIT
"""Helpers for the zmtpcat tests: run zmtpcat, read its output line by line
with timeouts, talk to it with pyzmq peers, and a tiny test runner.

Usage of a test script: /usr/bin/python3 test_x.py PATH/TO/zmtpcat [TEST-NAME...]
Waits are for lines or events, with generous timeouts; never fixed sleeps.
"""
import os
import queue
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback

import zmq

ZMTPCAT = None
WAIT = 15.0  # seconds: generous, for a busy 2-core machine with sanitizers


class Xfail(Exception):
    """The test found a known missing feature of the library."""


class Zmtpcat:
    """A running zmtpcat with line queues for stdout and stderr."""

    def __init__(self, *args, stdin=True, env=None):
        self.args = [str(a) for a in args]
        self.proc = subprocess.Popen(
            [ZMTPCAT, *self.args],
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.out_q, self.err_q = queue.Queue(), queue.Queue()
        self.out_lines, self.err_lines = [], []
        self._readers = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self.out_q, self.out_lines),
                             daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self.err_q, self.err_lines),
                             daemon=True)]
        for t in self._readers:
            t.start()
        self._endpoint = None

    @staticmethod
    def _pump(f, q, keep):
        for raw in iter(f.readline, b""):
            line = raw.rstrip(b"\n").decode("utf-8", "surrogateescape")
            keep.append(line)
            q.put(line)
        q.put(None)  # EOF

    def describe(self):
        return "zmtpcat %s\n  stdout: %r\n  stderr: %r" % (
            " ".join(self.args), self.out_lines, self.err_lines)

    # -- input
    def send(self, *lines):
        """Writes lines (str or bytes) to stdin, each followed by '\\n'."""
        for line in lines:
            data = line if isinstance(line, bytes) else line.encode()
            self.proc.stdin.write(data + b"\n")
        self.proc.stdin.flush()

    def close_stdin(self):
        self.proc.stdin.close()

    # -- output
    def _next(self, q, what, timeout):
        try:
            line = q.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no %s line within %ss\n%s" % (what, timeout, self.describe()))
        if line is None:
            q.put(None)
            raise AssertionError("%s ended\n%s" % (what, self.describe()))
        return line

    def out(self, timeout=WAIT):
        """The next stdout line."""
        return self._next(self.out_q, "stdout", timeout)

    def expect_out(self, *expected, timeout=WAIT):
        for e in expected:
            got = self.out(timeout)
            assert got == e, "stdout: expected %r, got %r\n%s" % (e, got, self.describe())

    def err_wait(self, pattern, timeout=WAIT):
        """Skips stderr lines until one matches `pattern` (re.search); returns the match."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no stderr line matching %r within %ss\n%s" % (
                    pattern, timeout, self.describe()))
            line = self._next(self.err_q, "stderr", left)
            m = rx.search(line)
            if m:
                return m

    def endpoint(self):
        """The endpoint from the first 'event: listening' line."""
        if self._endpoint is None:
            self._endpoint = self.err_wait(r"^event: listening (tcp://127\.0\.0\.1:\d+)$").group(1)
        return self._endpoint

    def handshake(self):
        return self.err_wait(r"^event: handshake-succeeded ")

    # -- ending
    def wait(self, timeout=WAIT):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("zmtpcat still running after %ss\n%s" % (timeout, self.describe()))
        for t in self._readers:
            t.join(5)
        return rc

    def expect_exit(self, status, timeout=WAIT):
        rc = self.wait(timeout)
        assert rc == status, "exit status %r, expected %r\n%s" % (rc, status, self.describe())

    def running(self):
        return self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                if f:
                    f.close()
            except Exception:
                pass


def run_zmtpcat(*args, input=b"", timeout=WAIT):
    """Runs zmtpcat to completion: (status, stdout lines, stderr lines)."""
    p = subprocess.run([ZMTPCAT, *[str(a) for a in args]], input=input, capture_output=True,
                       timeout=timeout)
    return (p.returncode, p.stdout.decode("utf-8", "surrogateescape").splitlines(),
            p.stderr.decode("utf-8", "surrogateescape").splitlines())


# ---------------------------------------------------------------- pyzmq side

CTX = zmq.Context.instance()


def zsock(kind, **opts):
    s = CTX.socket(kind)
    s.setsockopt(zmq.LINGER, 0)
    for k, v in opts.items():
        s.setsockopt(getattr(zmq, k.upper()), v)
    return s


def zbind(kind, **opts):
    """A pyzmq socket bound to a free port: (socket, endpoint)."""
    s = zsock(kind, **opts)
    port = s.bind_to_random_port("tcp://127.0.0.1")
    return s, "tcp://127.0.0.1:%d" % port


def zrecv(s, timeout=WAIT):
    """A multipart message, or AssertionError after `timeout`."""
    if not s.poll(int(timeout * 1000)):
        raise AssertionError("pyzmq %s: nothing within %ss" % (s.type, timeout))
    return s.recv_multipart()


def nothing_more(s, within=0.3):
    """True if nothing arrives within `within` s (used only where more would be a bug)."""
    return not s.poll(int(within * 1000))


def free_port():
    """A port nobody listens on right now (for connect-before-bind tests)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def until(cond, timeout=WAIT, step=0.02, what="condition"):
    """Polls `cond` until true (for state we cannot wait on otherwise)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("%s not met within %ss" % (what, timeout))


# ---------------------------------------------------------------- raw ZMTP

def raw_greeting():
    return b"\xff" + b"\x00" * 8 + b"\x7f" + bytes([3, 1]) + b"NULL".ljust(20, b"\x00") + b"\x00" * 32


def raw_command(name, data=b""):
    body = bytes([len(name)]) + name + data
    return bytes([0x04, len(body)]) + body


def raw_ready(socket_type):
    prop = bytes([11]) + b"Socket-Type" + struct.pack(">I", len(socket_type)) + socket_type
    return raw_command(b"READY", prop)


def raw_recv_exact(s, n, timeout=WAIT):
    s.settimeout(timeout)
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            raise EOFError("peer closed after %d bytes" % len(out))
        out += chunk
    return out


def raw_read_frame(s, timeout=WAIT):
    flags = raw_recv_exact(s, 1, timeout)[0]
    size = struct.unpack(">Q", raw_recv_exact(s, 8, timeout))[0] if flags & 2 \
        else raw_recv_exact(s, 1, timeout)[0]
    return flags, raw_recv_exact(s, size, timeout) if size else b""


# ---------------------------------------------------------------- runner

USAGE_RX = re.compile(r"^usage: zmtpcat TYPE")


def main(tests):
    """Runs the test functions named on the command line (default: all)."""
    global ZMTPCAT
    if len(sys.argv) < 2 or not os.access(sys.argv[1], os.X_OK):
        print("usage: %s PATH/TO/zmtpcat [TEST...]" % sys.argv[0])
        sys.exit(2)
    ZMTPCAT = sys.argv[1]
    wanted = sys.argv[2:]
    failed, xfailed, passed = [], [], 0
    t_all = time.monotonic()
    for fn in tests:
        if wanted and fn.__name__ not in wanted:
            continue
        t0 = time.monotonic()
        try:
            fn()
            passed += 1
            print("PASS  %-45s %5.2fs" % (fn.__name__, time.monotonic() - t0), flush=True)
        except Xfail as e:
            xfailed.append(fn.__name__)
            print("XFAIL %-45s %5.2fs  (expected to fail: %s)" % (
                fn.__name__, time.monotonic() - t0, e), flush=True)
        except Exception:
            failed.append(fn.__name__)
            print("FAIL  %-45s %5.2fs" % (fn.__name__, time.monotonic() - t0), flush=True)
            traceback.print_exc()
            sys.stdout.flush()
    print("%d passed, %d expected failures, %d failed in %.1fs" % (
        passed, len(xfailed), len(failed), time.monotonic() - t_all))
    if failed:
        print("FAILED: " + " ".join(failed))
    sys.exit(1 if failed else 0)

# SPDX-License-Identifier: MIT
"""Shared helpers of the robustness battery (interop/robustness/).

Builds on ../peer/peerlib.py (peers in child processes, event waits, the
relay, raw ZMTP helpers, the case runner) and adds what the robustness cases
need: /proc sampling (RSS, open descriptors), the mapping from zpeer's
rendering of a zmtp::error to its name, memory thresholds that take the
sanitizer build into account, RLIMIT_NOFILE, pyzmq sockets in this process,
and the command line (the cases need rpeer as well as zpeer).
"""
import os
import random
import resource
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "peer"))

import peerlib  # noqa: E402
from peerlib import Failure, check, check_eq, WAIT_S  # noqa: E402,F401

import zmq  # noqa: E402

RPEER = None  # set by main()
PYROLE = os.path.join(HERE, "pyrole.py")

# zmtp::error in declaration order (zmtp/error.hpp): zpeer prints the ones
# it does not name itself as "zmtp:<value>:<message>".
ZMTP_ERRORS = [
    None, "bad_signature", "unsupported_version", "unknown_mechanism", "mechanism_mismatch",
    "reserved_flags", "more_on_command", "frame_too_large", "message_too_large",
    "too_many_frames", "command_too_large", "malformed_command", "malformed_metadata",
    "unexpected_command", "data_before_ready", "missing_socket_type",
    "incompatible_socket_type", "peer_error", "unexpected_eof", "handshake_timeout",
    "heartbeat_timeout", "not_ready", "output_backlog", "auth_refused", "auth_failed_by_peer",
    "bad_box", "bad_nonce", "bad_cookie", "bad_vouch", "unencrypted_frame", "missing_credentials",
]


def reason_name(r):
    """zpeer's reason field as a zmtp::error name where it is one
    ("zmtp:7:frame_exceeds..." -> "frame_too_large"); otherwise unchanged
    ("eof", "system:104:Connection_reset_by_peer", ...)."""
    if r.startswith("zmtp:"):
        try:
            v = int(r.split(":")[1])
            if 0 < v < len(ZMTP_ERRORS):
                return ZMTP_ERRORS[v]
        except ValueError:
            pass
    return r


#----------------------------------------------------------------------------
# Sanitizers and memory

SANITIZE = os.environ.get("ZMTP_ROBUST_SANITIZE", "")
ASAN = "address" in SANITIZE
TSAN = "thread" in SANITIZE

if ASAN:
    # ASan keeps freed memory in a quarantine (256 MiB by default) before
    # reusing it, so RSS would grow with the bytes a process has ever freed
    # and say nothing about what it holds. A small quarantine keeps RSS
    # meaningful and still catches use-after-free of recent allocations.
    # Leak detection stays as the caller set it (scripts/test: detect_leaks=1).
    _asan = os.environ.get("ASAN_OPTIONS", "")
    if "quarantine_size_mb" not in _asan:
        _asan = (_asan + ":" if _asan else "") + "quarantine_size_mb=1"
    os.environ["ASAN_OPTIONS"] = _asan

MiB = 1 << 20
KiB = 1 << 10
# Sanitizer builds need more memory per allocation (redzones, shadow) and
# their allocators keep freed memory around (quarantine, per-thread caches,
# never returned to the system): the thresholds below are multiplied by
# MEM_SCALE and get MEM_EXTRA on top. There, LeakSanitizer (at each
# process's clean exit) is the leak check; RSS only catches gross growth.
MEM_SCALE = 3 if (ASAN or TSAN) else 1
MEM_EXTRA = 8 * MiB if (ASAN or TSAN) else 0


def mem_limit(limit):
    """A memory threshold in bytes, adjusted for sanitizer builds."""
    return limit * MEM_SCALE + MEM_EXTRA


def rss(pid):
    """Resident set size of process pid, in bytes."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise Failure("no VmRSS for pid %d" % pid)


def fds(pid):
    """Number of open file descriptors of process pid."""
    return len(os.listdir("/proc/%d/fd" % pid))


def mib(n):
    return "%.1f MiB" % (n / MiB)


def settle_rss(pid, what, polls=10, poll_s=0.05):
    """RSS after the process has been idle for a moment: the minimum of a
    few samples (a sample can catch a transient buffer)."""
    samples = []
    for _ in range(polls):
        samples.append(rss(pid))
        time.sleep(poll_s)  # sampling period, not a synchronisation
    return min(samples)


def check_rss_growth(pid, before, limit, what):
    """Fails if the RSS of pid grew by more than mem_limit(limit) bytes
    since `before`. Waits a little for memory that is being
    freed (a closing connection) before failing."""
    limit = mem_limit(limit)
    deadline = time.monotonic() + 5.0
    while True:
        now = rss(pid)
        if now - before <= limit:
            return now
        if time.monotonic() > deadline:
            raise Failure("%s: RSS grew from %s to %s (limit +%s)" %
                          (what, mib(before), mib(now), mib(limit)))
        time.sleep(0.1)  # polling the RSS, not a synchronisation


#----------------------------------------------------------------------------
# Descriptors

def raise_nofile(want):
    """Raises this process's RLIMIT_NOFILE soft limit (inherited by the
    children) to `want`, or to the hard limit if that is lower; returns the
    new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


#----------------------------------------------------------------------------
# Raw clients against a bound socket

def port_of(ep):
    return int(ep.rsplit(":", 1)[1])


def raw_socket(ep, timeout=WAIT_S):
    host, port = ep[len("tcp://"):].rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def send_quietly(s, data):
    """Sends data; the server may close the connection half-way (that is
    what most of the attacks are for): returns the number of bytes sent."""
    sent = 0
    view = memoryview(data)
    try:
        while sent < len(data):
            n = s.send(view[sent:sent + 65536])
            if n <= 0:
                break
            sent += n
    except OSError:
        pass
    return sent


def is_our_conn(lport):
    """Predicate for Peer.wait_event: the event is about the connection
    whose client side has local port lport."""
    suffix = ":%d" % lport
    return lambda ep, reason: ep.endswith(suffix)


def wait_closed(peer, lport, since, timeout=WAIT_S):
    """Waits for the handshake-failed or disconnected event of the
    connection from local port lport; returns (kind, reason name)."""
    deadline = time.monotonic() + timeout
    pred = is_our_conn(lport)
    with peer.cond:
        i = since
        while True:
            while i < len(peer.events):
                k, ep, reason = peer.events[i]
                if k in ("handshake-failed", "disconnected") and pred(ep, reason):
                    return k, reason_name(reason)
                i += 1
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure("%s: no handshake-failed/disconnected event for the connection "
                              "from port %d within %.0f s; events since: %s" %
                              (peer.name, lport, timeout, peerlib.short(peer.events[since:])))
            peer.cond.wait(left)


def seeded_random(seed, n):
    r = random.Random(seed)
    return bytes(r.getrandbits(8) for _ in range(n))


def long_header(size, more=False, command=False):
    return bytes([2 | (1 if more else 0) | (4 if command else 0)]) + struct.pack(">Q", size)


#----------------------------------------------------------------------------
# pyzmq in this process

_ctx = None


def zctx():
    global _ctx
    if _ctx is None:
        _ctx = zmq.Context()
        _ctx.setsockopt(zmq.MAX_SOCKETS, 4096)
    return _ctx


def zsock(type_, linger=0, **opts):
    s = zctx().socket(type_)
    s.setsockopt(zmq.LINGER, linger)
    for k, v in opts.items():
        s.setsockopt(getattr(zmq, k.upper()), v)
    return s


def zrecv(s, timeout=WAIT_S, what="a message"):
    if not s.poll(int(timeout * 1000)):
        raise Failure("pyzmq %s: no %s within %.0f s" % (s.type, what, timeout))
    return s.recv_multipart()


def zterm():
    global _ctx
    if _ctx is not None:
        _ctx.destroy(linger=0)
        _ctx = None


#----------------------------------------------------------------------------
# Processes of our own (rpeer, pyrole.py): line-oriented children

class Proc:
    """A child that prints lines; the lines are collected by a thread and
    can be waited for. Used for rpeer and pyrole.py, whose protocol is
    documented in rpeer.cpp."""

    def __init__(self, argv, name):
        import subprocess
        import threading
        self.name = name
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        peerlib._all_peers.append(self)  # killed by peerlib.cleanup()
        self.cond = threading.Condition()
        self.lines = []
        self.eof = False
        self.stopped = False
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    @property
    def pid(self):
        return self.proc.pid

    def mark(self):
        with self.cond:
            return len(self.lines)

    def wait_line(self, pred, since=0, timeout=WAIT_S, what="a line"):
        """Index and text of the first line at or after `since` with pred(line)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            i = since
            while True:
                while i < len(self.lines):
                    if pred(self.lines[i]):
                        return i, self.lines[i]
                    i += 1
                if self.eof:
                    raise Failure("%s: exited (code %s) while waiting for %s; last lines: %s" %
                                  (self.name, self.proc.poll(), what,
                                   peerlib.short(self.lines[-10:])))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Failure("%s: no %s within %.0f s; last lines: %s" %
                                  (self.name, what, timeout, peerlib.short(self.lines[-10:])))
                self.cond.wait(left)

    def wait_prefix(self, prefix, since=0, timeout=WAIT_S):
        return self.wait_line(lambda l: l.startswith(prefix), since, timeout, repr(prefix))

    def write(self, line):
        try:
            self.proc.stdin.write((line + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            raise Failure("%s: cannot write %r: %s" % (self.name, line, e))

    def sigstop(self):
        import signal
        self.proc.send_signal(signal.SIGSTOP)
        self.stopped = True

    def sigcont(self):
        import signal
        self.proc.send_signal(signal.SIGCONT)
        self.stopped = False

    def kill(self):
        if self.stopped:
            self.sigcont()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def stop(self, timeout=WAIT_S * 3):
        """Asks the child to finish ("stop"), waits for it to exit, and
        returns its lines. A non-zero exit code (a sanitizer report at exit,
        say) fails."""
        import subprocess
        if self.stopped:
            self.sigcont()
        try:
            self.write("stop")
            self.proc.stdin.close()
        except (Failure, OSError):
            pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise Failure("%s: did not exit within %.0f s of stop" % (self.name, timeout))
        with self.cond:
            self.cond.wait_for(lambda: self.eof, WAIT_S)
        if self.proc.returncode != 0:
            raise Failure("%s: exited with code %d (see its stderr)" %
                          (self.name, self.proc.returncode))
        return list(self.lines)


def rpeer(args, name):
    return Proc([RPEER] + list(args), name)


def pyrole(args, name):
    return Proc([peerlib.PYTHON, "-B", PYROLE] + list(args), name)


#----------------------------------------------------------------------------
# Command line

def main(argv):
    """script --list | script ZPEER RPEER CASE"""
    global RPEER
    if len(argv) == 2 and argv[1] == "--list":
        return peerlib.main(argv)
    if len(argv) != 4:
        sys.stderr.write("usage: %s --list | ZPEER RPEER CASE\n" % argv[0])
        return 2
    RPEER = argv[2]
    try:
        return peerlib.main([argv[0], argv[1], argv[3]])
    finally:
        zterm()

# SPDX-License-Identifier: MIT
"""Shared harness of the interop battery: peers in child processes (our
zpeer or its pyzmq twin pyz.py, one line protocol for both), a TCP relay
that can go silent, raw ZMTP helpers, and the case runner.

Every wait is on an event -- a line of output, a socket event, a message --
with a generous timeout (WAIT_S); nothing sleeps to synchronise.
"""
import os
import queue
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"
PYZ = os.path.join(HERE, "pyz.py")
ZPEER = None  # set by main()
WAIT_S = 20.0  # per wait; generous for a busy 2-core machine

OURS = "ours"
PYZMQ = "pyzmq"


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def check_eq(got, want, what):
    if got != want:
        raise Failure("%s:\n  want %s\n  got  %s" % (what, short(want), short(got)))


def short(x, n=600):
    s = repr(x)
    return s if len(s) <= n else s[:n] + "... (%d chars)" % len(s)


#----------------------------------------------------------------------------
# Frames as the peers print them

def payload(n):
    """What "size:N" generates: byte i = i % 251."""
    block = bytes(range(251))
    return (block * (n // 251 + 1))[:n]


def render_frame(f):
    if isinstance(f, str):
        f = f.encode()
    if not f:
        return "-"
    if len(f) <= 64:
        return f.hex()
    return "#%d:%08x" % (len(f), zlib.crc32(f) & 0xFFFFFFFF)


def render(frames):
    """The rendering of a message (a list of frames, bytes or str)."""
    return ",".join(render_frame(f) for f in frames)


def spec(f):
    """A frame as a command-line frame spec."""
    if isinstance(f, str):
        f = f.encode()
    return "hex:" + f.hex() if f else "-"


#----------------------------------------------------------------------------
# Endpoints

_tmpdir = None


def tmpdir():
    global _tmpdir
    if _tmpdir is None:
        _tmpdir = tempfile.mkdtemp(prefix="zpeer-")
    return _tmpdir


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


_ipc_seq = [0]


def endpoint(transport, fixed=False):
    """A fresh endpoint to bind: tcp with an ephemeral port (or a free fixed
    port, for a peer that connects before anyone binds), or an ipc path."""
    if transport == "tcp":
        return "tcp://127.0.0.1:%d" % (free_port() if fixed else 0)
    _ipc_seq[0] += 1
    return "ipc://%s/ep%d.sock" % (tmpdir(), _ipc_seq[0])


#----------------------------------------------------------------------------
# Peers

_all_peers = []


class Peer:
    """A zpeer (impl OURS) or pyz.py (impl PYZMQ) child process."""

    def __init__(self, impl, type_, bind=(), connect=(), opts=(), subs=(), verbose=True,
                 bind2=(), connect2=(), name=None):
        self.impl = impl
        self.type = type_
        self.name = name or "%s-%s" % (impl, type_)
        argv = [ZPEER] if impl == OURS else [PYTHON, PYZ]
        argv.append(type_)
        for ep in bind:
            argv += ["--bind", ep]
        for ep in connect:
            argv += ["--connect", ep]
        for ep in bind2:
            argv += ["--bind2", ep]
        for ep in connect2:
            argv += ["--connect2", ep]
        for kv in opts:
            argv += ["--opt", kv]
        for t in subs:
            argv += ["--sub", t]
        if verbose:
            argv.append("-v")
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        _all_peers.append(self)
        self.responses = queue.Queue()
        self.cond = threading.Condition()
        self.events = []  # (kind, endpoint, reason) in arrival order
        self.lines = []
        self.bound = []
        self.bound2 = []
        self.ready = False
        self.fatal = None
        self.eof = False
        self.stopped = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        with self.cond:
            if not self.cond.wait_for(lambda: self.ready or self.eof, WAIT_S):
                raise Failure("%s: not ready within %.0f s" % (self.name, WAIT_S))
        if not self.ready:
            raise Failure("%s: exited at start: %s" % (self.name, self.fatal))

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            with self.cond:
                self.lines.append(line)
                if line.startswith("event "):
                    parts = line.split(" ", 3)
                    while len(parts) < 4:
                        parts.append("-")
                    self.events.append(tuple(parts[1:4]))
                elif line.startswith("bound "):
                    self.bound.append(line[6:])
                elif line.startswith("bound2 "):
                    self.bound2.append(line[7:])
                elif line == "ready":
                    self.ready = True
                elif line.startswith("fatal "):
                    self.fatal = line
                else:
                    self.responses.put(line)
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()
        self.responses.put(None)

    @property
    def ep(self):
        return self.bound[0]

    # Commands ---------------------------------------------------------------

    def write(self, line):
        """Sends a command without waiting for its answer (see response())."""
        try:
            self.proc.stdin.write((line + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            raise Failure("%s: cannot write %r: %s" % (self.name, line, e))

    def response(self, timeout=WAIT_S, what=""):
        try:
            r = self.responses.get(timeout=timeout)
        except queue.Empty:
            raise Failure("%s: no answer to %s within %.0f s" % (self.name, what or "a command",
                                                                  timeout))
        if r is None:
            self.responses.put(None)
            raise Failure("%s: exited (code %s) before answering %s" %
                          (self.name, self.proc.poll(), what or "a command"))
        return r

    def poll_response(self):
        """The next answer if one has arrived, else None."""
        try:
            r = self.responses.get_nowait()
        except queue.Empty:
            return None
        if r is None:
            self.responses.put(None)
            raise Failure("%s: exited" % self.name)
        return r

    def cmd(self, line, timeout=WAIT_S):
        self.write(line)
        return self.response(timeout, repr(line))

    def ok(self, line, timeout=WAIT_S):
        r = self.cmd(line, timeout)
        if not r.startswith("ok"):
            raise Failure("%s: %r answered %r" % (self.name, line, r))
        return r[3:]

    def send(self, *frames, timeout=WAIT_S):
        self.ok("send " + " ".join(spec(f) for f in frames), timeout)

    def recv(self, timeout_ms=int(WAIT_S * 1000)):
        """The rendering of the next message; fails on an error answer."""
        r = self.cmd("recv %d" % timeout_ms, timeout_ms / 1000 + WAIT_S)
        if not r.startswith("msg "):
            raise Failure("%s: recv answered %r" % (self.name, r))
        return r[4:]

    def recv_result(self, timeout_ms):
        """("msg", R) or ("err", NAME)."""
        r = self.cmd("recv %d" % timeout_ms, timeout_ms / 1000 + WAIT_S)
        kind, _, rest = r.partition(" ")
        return kind, rest.split(" ")[0] if kind == "err" else rest

    def recvm(self, count, timeout_ms=int(WAIT_S * 1000)):
        r = self.cmd("recvm %d %d" % (count, timeout_ms),
                     timeout_ms / 1000 * (1 + count / 100) + WAIT_S)
        return parse_msgs(r, self.name)

    def drain(self, idle_ms=500, timeout=WAIT_S * 3):
        return parse_msgs(self.cmd("drain %d" % idle_ms, timeout), self.name)

    def set(self, name, value):
        self.ok("set %s %s" % (name, value))

    # Events -----------------------------------------------------------------

    def mark(self):
        """A position in the event list: wait_event(since=mark) sees only later ones."""
        with self.cond:
            return len(self.events)

    def wait_event(self, kind, since=0, pred=None, timeout=WAIT_S):
        """Index of the first event of `kind` at or after `since` (and
        satisfying pred(endpoint, reason))."""
        deadline = time.monotonic() + timeout
        with self.cond:
            i = since
            while True:
                while i < len(self.events):
                    k, ep, reason = self.events[i]
                    if k == kind and (pred is None or pred(ep, reason)):
                        return i
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Failure("%s: no %s event within %.0f s; events since: %s" %
                                  (self.name, kind, timeout, short(self.events[since:])))
                self.cond.wait(left)

    def event(self, i):
        with self.cond:
            return self.events[i]

    # Process control --------------------------------------------------------

    def sigstop(self):
        self.proc.send_signal(signal.SIGSTOP)
        self.stopped = True

    def sigcont(self):
        self.proc.send_signal(signal.SIGCONT)
        self.stopped = False

    def kill(self):
        if self.stopped:
            self.sigcont()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def quit(self, timeout=WAIT_S):
        if self.proc.poll() is None:
            if self.stopped:
                self.sigcont()
            try:
                self.write("quit")
                self.proc.stdin.close()
            except (Failure, OSError):
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise Failure("%s: did not exit within %.0f s of quit" % (self.name, timeout))
            # A sanitizer's report at exit (leaks, say) shows as the exit code.
            if self.proc.returncode != 0:
                raise Failure("%s: exited with code %d after quit (see its stderr)" %
                              (self.name, self.proc.returncode))
        return self.proc.returncode


def parse_msgs(r, who):
    if not r.startswith("msgs "):
        raise Failure("%s: expected msgs, got %r" % (who, r))
    parts = r.split(" ")
    n = int(parts[1])
    got = parts[2:]
    check(len(got) == n, "%s: malformed msgs line" % who)
    return got


def cleanup():
    for p in _all_peers:
        try:
            p.kill()
        except Exception:
            pass
    if _tmpdir is not None:
        shutil.rmtree(_tmpdir, ignore_errors=True)


#----------------------------------------------------------------------------
# Waiting helpers

def wait_until(fn, what, timeout=WAIT_S, poll_s=0.02):
    """Polls fn() (which must be cheap and side-effect free, or a probe) until
    it returns a true value; fails after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > deadline:
            raise Failure("timed out waiting for " + what)
        time.sleep(poll_s)


def probe(send, received, what, timeout=WAIT_S):
    """PUB/SUB join synchronisation: send() one probe message, then
    received() waits briefly and says whether a probe arrived; repeat until
    it does. The wait is on the message itself (the proof that the
    subscription reached the publisher), the repetition only covers probes
    published before it did."""
    deadline = time.monotonic() + timeout
    while True:
        send()
        if received():
            return
        if time.monotonic() > deadline:
            raise Failure("no probe got through: " + what)


#----------------------------------------------------------------------------
# A TCP relay that can go silent

class Sniffer:
    """Parses the ZMTP streams passing one way through the relay and notes
    the PING commands (one parser per connection)."""

    def __init__(self):
        self.cond = threading.Condition()
        self.pings = []  # TTL fields, in arrival order
        self.streams = {}

    def feed(self, conn, data):
        buf = self.streams.get(conn, {"buf": b"", "greeted": False})
        self.streams[conn] = buf
        buf["buf"] += data
        b = buf["buf"]
        if not buf["greeted"]:
            if len(b) < 64:
                return
            b = b[64:]
            buf["greeted"] = True
        while len(b) >= 2:
            flags = b[0]
            if flags & 2:
                if len(b) < 9:
                    break
                size, head = struct.unpack(">Q", b[1:9])[0], 9
            else:
                size, head = b[1], 2
            if len(b) < head + size:
                break
            body = b[head:head + size]
            b = b[head + size:]
            if flags & 4 and body[:5] == b"\x04PING" and len(body) >= 7:
                with self.cond:
                    self.pings.append(struct.unpack(">H", body[5:7])[0])
                    self.cond.notify_all()
        buf["buf"] = b

    def wait_ping(self, timeout):
        with self.cond:
            if not self.cond.wait_for(lambda: self.pings, timeout):
                raise Failure("relay: no PING passed within %.0f s" % timeout)
            return self.pings[-1]


class Relay:
    """Forwards each accepted connection to `target` (host, port). freeze()
    stops forwarding on the connections open at that moment without
    closing them (a black hole); connections accepted later are forwarded."""

    def __init__(self, target_port):
        self.target = ("127.0.0.1", target_port)
        self.sniffers = {"up": Sniffer(), "down": Sniffer()}  # client->target, back
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(16)
        self.port = self.ls.getsockname()[1]
        self.lock = threading.Lock()
        self.conns = []  # [client, upstream, frozen-flag-list]
        self.accepted = 0
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.ls.accept()
            except OSError:
                return
            try:
                u = socket.create_connection(self.target)
            except OSError:
                c.close()
                continue
            state = {"frozen": False}
            with self.lock:
                self.conns.append((c, u, state))
                self.accepted += 1
            for a, b, d in ((c, u, "up"), (u, c, "down")):
                threading.Thread(target=self._pump, args=(a, b, state, self.sniffers[d]),
                                 daemon=True).start()

    def _pump(self, src, dst, state, sniffer):
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if state["frozen"]:
                if not data:
                    return  # keep dst open: a black hole never closes anything
                continue  # swallow
            if not data:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            try:
                dst.sendall(data)
            except OSError:
                return
            sniffer.feed(src, data)

    def wait_ping(self, direction, timeout=WAIT_S):
        """Waits until a PING has passed in `direction` ("up": from the
        connecting client towards the target; "down": back); returns its TTL
        field (deciseconds)."""
        return self.sniffers[direction].wait_ping(timeout)

    def freeze(self):
        with self.lock:
            for _, _, st in self.conns:
                st["frozen"] = True
            return len(self.conns)

    def connections(self):
        with self.lock:
            return self.accepted

    def close(self):
        self.ls.close()
        with self.lock:
            for c, u, _ in self.conns:
                for s in (c, u):
                    try:
                        s.close()
                    except OSError:
                        pass


#----------------------------------------------------------------------------
# Raw ZMTP (our own helpers: a peer written with plain sockets)

def greeting(minor=1, mechanism=b"NULL", as_server=0):
    return (b"\xff" + b"\x00" * 8 + b"\x7f" + bytes([3, minor]) + mechanism.ljust(20, b"\x00") +
            bytes([as_server]) + b"\x00" * 31)


def frame(body, more=False, command=False):
    flags = (1 if more else 0) | (4 if command else 0)
    if len(body) > 255:
        return bytes([flags | 2]) + struct.pack(">Q", len(body)) + body
    return bytes([flags, len(body)]) + body


def message(*frames):
    return b"".join(frame(f, more=i + 1 < len(frames)) for i, f in enumerate(frames))


def command(name, data=b""):
    return frame(bytes([len(name)]) + name + data, command=True)


def prop(name, value):
    return bytes([len(name)]) + name + struct.pack(">I", len(value)) + value


def ready(socket_type, identity=None):
    body = prop(b"Socket-Type", socket_type)
    if identity is not None:
        body += prop(b"Identity", identity)
    return command(b"READY", body)


class RawPeer:
    """One raw ZMTP connection (after accept() or connect())."""

    def __init__(self, sock):
        self.s = sock
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def sendall(self, b):
        self.s.sendall(b)

    def read_exact(self, n, timeout=WAIT_S):
        deadline = time.monotonic() + timeout
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure("raw peer: timed out reading %d bytes (have %s)" %
                              (n, self.buf.hex(" ")))
            self.s.settimeout(left)
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise Failure("raw peer: EOF after %s" % self.buf.hex(" "))
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_frame(self, timeout=WAIT_S):
        """(flags, body) of the next frame."""
        flags = self.read_exact(1, timeout)[0]
        if flags & 2:
            size = struct.unpack(">Q", self.read_exact(8, timeout))[0]
        else:
            size = self.read_exact(1, timeout)[0]
        return flags, self.read_exact(size, timeout) if size else b""

    def read_raw_frame(self, timeout=WAIT_S):
        """The next frame's exact bytes (header included)."""
        head = self.read_exact(1, timeout)
        if head[0] & 2:
            sz = self.read_exact(8, timeout)
            size = struct.unpack(">Q", sz)[0]
        else:
            sz = self.read_exact(1, timeout)
            size = sz[0]
        return head + sz + (self.read_exact(size, timeout) if size else b"")

    def read_message(self, timeout=WAIT_S, skip_commands=True):
        """The frames of the next data message (commands such as PING skipped)."""
        frames = []
        while True:
            flags, body = self.read_frame(timeout)
            if flags & 4:
                if skip_commands:
                    continue
                return [("command", body)]
            frames.append(body)
            if not flags & 1:
                return frames

    def handshake(self, socket_type, minor=1, identity=None):
        """Full greeting, READY; returns the peer's greeting and READY body."""
        self.sendall(greeting(minor))
        g = self.read_exact(64)
        check(g[0] == 0xFF and g[9] & 1, "raw peer: bad greeting %s" % g.hex(" "))
        self.sendall(ready(socket_type, identity))
        flags, body = self.read_frame()
        check(flags & 4 and body.startswith(b"\x05READY"),
              "raw peer: expected READY, got %02x %s" % (flags, body.hex(" ")))
        return g, body

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


class RawListener:
    def __init__(self, port=0):
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", port))
        self.ls.listen(8)
        self.port = self.ls.getsockname()[1]
        self.ep = "tcp://127.0.0.1:%d" % self.port

    def accept(self, timeout=WAIT_S):
        self.ls.settimeout(timeout)
        try:
            c, _ = self.ls.accept()
        except socket.timeout:
            raise Failure("raw listener: no connection within %.0f s" % timeout)
        c.settimeout(None)
        return RawPeer(c)

    def close(self):
        self.ls.close()


def raw_connect(ep):
    host, port = ep[len("tcp://"):].rsplit(":", 1)
    return RawPeer(socket.create_connection((host, int(port)), timeout=WAIT_S))


#----------------------------------------------------------------------------
# Case registry and runner

CASES = {}


def case(name, serial=False, xfail=None):
    """Registers a test case. serial: timing-sensitive (ctest RUN_SERIAL).
    xfail: a known, reported library bug -- a failure prints XFAIL and
    passes; a pass prints XPASS and fails, so the marker gets removed."""
    def deco(fn):
        CASES[name] = (fn, serial, xfail)
        return fn
    return deco


def main(argv):
    """test_x.py --list | test_x.py ZPEER CASE"""
    global ZPEER
    if len(argv) == 2 and argv[1] == "--list":
        for name, (_, serial, _) in CASES.items():
            print("%s %s" % (name, "serial" if serial else "parallel"))
        return 0
    if len(argv) != 3 or argv[2] not in CASES:
        sys.stderr.write("usage: %s --list | ZPEER CASE\ncases: %s\n" %
                         (argv[0], " ".join(CASES)))
        return 2
    ZPEER = argv[1]
    name = argv[2]
    fn, _, xfail = CASES[name]
    start = time.monotonic()
    try:
        fn()
    except Failure as e:
        if xfail:
            print("XFAIL: %s (%s)\n  observed: %s" % (name, xfail, e))
            return 0
        print("FAIL: %s: %s" % (name, e))
        traceback.print_exc()
        return 1
    except Exception:
        print("ERROR: %s" % name)
        traceback.print_exc()
        return 1
    finally:
        cleanup()
    if xfail:
        print("XPASS: %s passed but is marked as an expected failure (%s); remove the marker"
              % (name, xfail))
        return 1
    print("PASS: %s (%.1f s)" % (name, time.monotonic() - start))
    return 0

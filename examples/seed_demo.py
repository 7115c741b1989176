#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The seed demo: our ZMTP code talking to real libzmq peers (through pyzmq).

    cmake -S . -B build -G Ninja && ninja -C build
    /usr/bin/python3 examples/seed_demo.py --build-dir build

Today it runs interop/raw_core_peer -- the sans-IO core (zmtp::connection)
over a plain TCP socket -- against pyzmq peers, in both directions, for the
PUSH/PULL pattern, and prints what happened. PUB/SUB and REQ/REP join when
the engine (transport/ + patterns/) lands.

To add a scenario, write a function taking a `demo` and returning a short
sentence (or raising DemoFailure), and decorate it with @scenario("title").
Exits 0 when every scenario succeeds, 1 otherwise, 2 on a setup problem.
"""
import argparse
import os
import subprocess
import sys
import time

TIMEOUT_S = 60
SCENARIOS = []


class DemoFailure(Exception):
    pass


def scenario(title):
    def register(fn):
        SCENARIOS.append((title, fn))
        return fn
    return register


class Demo:
    """What a scenario needs: the helper binary, pyzmq and a context."""

    def __init__(self, build_dir, zmq):
        self.build_dir = build_dir
        self.zmq = zmq
        self.ctx = zmq.Context()

    def binary(self, relpath):
        path = os.path.join(self.build_dir, relpath)
        if not os.access(path, os.X_OK):
            raise DemoFailure("%s is missing: build it first (ninja -C %s)" % (path, self.build_dir))
        return path

    def start(self, args):
        return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def finish(self, proc):
        """Waits for a helper; returns its stdout lines or raises with its stderr."""
        try:
            out, err = proc.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            raise DemoFailure("helper did not finish within %d s" % TIMEOUT_S)
        if proc.returncode != 0:
            raise DemoFailure("helper failed (exit %d): %s"
                              % (proc.returncode, err.decode(errors="replace").strip()))
        return out.decode().splitlines()


def tasks(n):
    return [b"msg-%d" % i for i in range(n)]


# --- scenarios: PUSH/PULL ----------------------------------------------------

@scenario("our PUSH -> pyzmq PULL")
def our_push_to_pyzmq_pull(demo, n=1000):
    zmq = demo.zmq
    peer = demo.binary("interop/raw_core_peer")
    pull = demo.ctx.socket(zmq.PULL)
    pull.setsockopt(zmq.LINGER, 0)
    pull.setsockopt(zmq.RCVTIMEO, TIMEOUT_S * 1000)
    port = pull.bind_to_random_port("tcp://127.0.0.1")
    start = time.monotonic()
    proc = demo.start([peer, "push", "--connect", str(port), "--count", str(n),
                       "--sizes", str(1 << 20), "--timeout", str(TIMEOUT_S)])
    try:
        got = []
        for _ in range(n + 2):  # the tasks, a 1 MiB message, a multipart one
            try:
                got.append(pull.recv_multipart())
            except zmq.Again:
                proc.kill()
                raise DemoFailure("only %d of %d messages arrived" % (len(got), n + 2))
        demo.finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        pull.close()
    elapsed = time.monotonic() - start
    if [m[0] for m in got[:n]] != tasks(n) or any(len(m) != 1 for m in got[:n]):
        raise DemoFailure("the tasks arrived altered or out of order")
    if len(got[n]) != 1 or len(got[n][0]) != 1 << 20:
        raise DemoFailure("the 1 MiB message arrived as %s" % [len(f) for f in got[n]])
    if [len(f) for f in got[n + 1]] != [5, 0, 300, 3]:
        raise DemoFailure("the multipart message arrived as %s" % [len(f) for f in got[n + 1]])
    return ("%d tasks delivered in order, then a 1 MiB message and a 4-part message (%.2f s)"
            % (n, elapsed))


@scenario("pyzmq PUSH -> our PULL")
def pyzmq_push_to_our_pull(demo, n=1000):
    zmq = demo.zmq
    peer = demo.binary("interop/raw_core_peer")
    start = time.monotonic()
    proc = demo.start([peer, "pull", "--listen", "--count", str(n), "--timeout", str(TIMEOUT_S)])
    push = demo.ctx.socket(zmq.PUSH)
    push.setsockopt(zmq.LINGER, 0)
    push.setsockopt(zmq.SNDTIMEO, TIMEOUT_S * 1000)
    try:
        port_line = proc.stdout.readline()  # the helper prints its port first
        if not port_line.strip().isdigit():
            raise DemoFailure("the helper did not report a port: %r" % port_line)
        push.connect("tcp://127.0.0.1:%d" % int(port_line))
        for t in tasks(n):
            push.send(t)
        # The rest of stdout: one line per message. Read it from the same
        # buffered file object that gave us the port line.
        out = proc.stdout.read().decode().splitlines()
        demo.finish(proc)
    except zmq.Again:
        raise DemoFailure("pyzmq could not hand over the tasks within %d s" % TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        push.close()
    elapsed = time.monotonic() - start
    if out != [t.decode() for t in tasks(n)]:
        missing = n - len(out)
        raise DemoFailure("received %d lines, %s" % (
            len(out), "%d missing" % missing if missing else "altered or out of order"))
    return "%d tasks delivered in order (%.2f s)" % (n, elapsed)


# --- driver --------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description="ZMTP seed demo against pyzmq peers")
    ap.add_argument("--build-dir", default="build", help="CMake build directory (default: build)")
    args = ap.parse_args()
    try:
        import zmq
    except ImportError:
        print("seed_demo: this Python (%s) cannot import zmq; run it with /usr/bin/python3 "
              "(Debian's python3-zmq)" % sys.executable, file=sys.stderr)
        return 2
    if not os.path.isdir(args.build_dir):
        print("seed_demo: no build directory %s (cmake -S . -B %s -G Ninja && ninja -C %s)"
              % (args.build_dir, args.build_dir, args.build_dir), file=sys.stderr)
        return 2

    demo = Demo(args.build_dir, zmq)
    print("ZMTP seed demo: our sans-IO core (zmtp::connection over plain TCP) against "
          "libzmq %s via pyzmq %s\n" % (zmq.zmq_version(), zmq.pyzmq_version()))
    failures = 0
    for title, fn in SCENARIOS:
        try:
            print("  [ok]   %s: %s" % (title, fn(demo)))
        except DemoFailure as e:
            failures += 1
            print("  [FAIL] %s: %s" % (title, e))
        sys.stdout.flush()
    demo.ctx.term()
    print("\nPUB/SUB and REQ/REP join this demo when the engine (transport/ + patterns/) lands;"
          "\nuntil then it shows the protocol core alone, handshake and framing included.")
    if failures:
        print("\nseed_demo: %d of %d scenarios failed" % (failures, len(SCENARIOS)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

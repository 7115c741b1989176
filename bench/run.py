#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Builds the benchmark tools and runs the benchmark matrix: ours (blocking
and async API) beside libzmq 4.3.4, the cross pairs (ours <-> libzmq) and a
raw-TCP ceiling, for throughput and latency at several message sizes; PUB
fan-out to 1/8/64 subscriber processes; and the memory of one socket with
10 000 idle peers.

    /usr/bin/python3 bench/run.py                 # the full matrix (~10-15 min)
    /usr/bin/python3 bench/run.py --quick         # smoke-sized, ~1-2 min
    /usr/bin/python3 bench/run.py --build-dir build-rel --reps 7 --only thr,lat

Writes <out>/results.csv (every run), summary.csv (median / min / max per
cell), results.md (tables, ratios, targets met or missed), results.png
(chart; needs gnuplot, skipped with a note otherwise) and machine.md.
Default <out>: bench/results (bench/results-quick for --quick).

Method (after libzmq's perf/): every run is two (or 1+N) fresh processes on
127.0.0.1, on a port chosen at run time; the binding side is started first
and the connecting side only once the port is listening. The sides are
interleaved (A B C ... A B C ...) with the order rotated every repetition,
so slow drifts of a busy machine hit all sides alike. Reported: the median
over repetitions, the spread (min-max), ours/libzmq ratios, CPU time
(user+sys of each process, from wait4) per message, and peak RSS.

Standard library only; run it with /usr/bin/python3 (or any Python >= 3.9).
"""

import argparse
import csv
import datetime
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

KIB = 1024
MIB = 1024 * 1024
SIZES = [16, 64, KIB, 64 * KIB, MIB]
# Messages per throughput run and roundtrips per latency run: ~1-3 s each on
# a 2-core VM for the slowest side that matters (libzmq).
THR_COUNT = {16: 2_000_000, 64: 2_000_000, KIB: 500_000, 64 * KIB: 50_000, MIB: 3_000}
LAT_COUNT = {16: 10_000, 64: 10_000, KIB: 10_000, 64 * KIB: 10_000, MIB: 1_000}
# Raw TCP moves bytes in bulk, far faster at small sizes: give it at least this many bytes.
RAW_MIN_BYTES = 1 << 30
FANOUT_SUBS = [1, 8, 64]
FANOUT_SIZE = 64
# Messages every subscriber receives: an upper bound; the count actually used
# is calibrated per side so that a run takes about FANOUT_SECONDS.
FANOUT_MAX_COUNT = {1: 2_000_000, 8: 400_000, 64: 50_000}
FANOUT_SECONDS = 1.5
IDLE_CONNECTIONS = 10_000

# side -> (local tool, remote tool). "local" binds (PULL / REP), "remote"
# connects (PUSH / REQ), as in libzmq's perf/. a->b names who sends (or
# requests) -> who receives (or replies). "tool:arg" appends arg (after
# the three usual ones). ours-async: the async tools' default loop, try_send /
# try_recv with co_await async_send / async_recv only when they return false;
# ours-await: co_await on every message.
THR_SIDES = {
    "ours": ("local_thr", "remote_thr"),
    "ours-async": ("local_thr_async", "remote_thr_async"),
    "ours-await": ("local_thr_async:await", "remote_thr_async:await"),
    "libzmq": ("libzmq_local_thr", "libzmq_remote_thr"),
    "ours->libzmq": ("libzmq_local_thr", "remote_thr"),
    "libzmq->ours": ("local_thr", "libzmq_remote_thr"),
    "raw-tcp": ("raw_tcp_local_thr", "raw_tcp_remote_thr"),
}
LAT_SIDES = {
    "ours": ("local_lat", "remote_lat"),
    "ours-async": ("local_lat_async", "remote_lat_async"),
    "libzmq": ("libzmq_local_lat", "libzmq_remote_lat"),
    "ours->libzmq": ("libzmq_local_lat", "remote_lat"),
    "libzmq->ours": ("local_lat", "libzmq_remote_lat"),
    "raw-tcp": ("raw_tcp_local_lat", "raw_tcp_remote_lat"),
}
FANOUT_SIDES = {
    "ours": ("pub_fanout", "sub_fanout"),
    "ours-async": ("pub_fanout_async", "sub_fanout"),
    "libzmq": ("libzmq_pub_fanout", "libzmq_sub_fanout"),
}
MEM_SIDES = {
    "ours": ("idle_pull", "idle_peers"),
    "libzmq": ("libzmq_idle_pull", "idle_peers"),
}
# CURVE: the thr and lat tools with --curve (fixed bench keys; the binding
# side is the server), ours beside libzmq's CURVE and across.
CURVE_THR_SIDES = {
    "ours": ("local_thr:--curve", "remote_thr:--curve"),
    "libzmq": ("libzmq_local_thr:--curve", "libzmq_remote_thr:--curve"),
    "ours->libzmq": ("libzmq_local_thr:--curve", "remote_thr:--curve"),
    "libzmq->ours": ("local_thr:--curve", "libzmq_remote_thr:--curve"),
}
CURVE_LAT_SIDES = {
    "ours": ("local_lat:--curve", "remote_lat:--curve"),
    "libzmq": ("libzmq_local_lat:--curve", "libzmq_remote_lat:--curve"),
    "ours->libzmq": ("libzmq_local_lat:--curve", "remote_lat:--curve"),
    "libzmq->ours": ("local_lat:--curve", "libzmq_remote_lat:--curve"),
}
CURVE_SIZES = (64, KIB, 64 * KIB)
# poll: one zmq_poll-style loop over a busy PULL and N idle ones (inproc).
POLL_SIDES = {"ours": ("poll_thr",), "libzmq": ("libzmq_poll_thr",)}
POLL_IDLE = 100
POLL_COUNT = 200_000
# inproc: one process, two threads (libzmq's perf/inproc_thr, inproc_lat):
# side -> (throughput tool, latency tool).
INPROC_SIDES = {
    "ours": ("inproc_thr:blocking", "inproc_lat:blocking"),
    "ours-async": ("inproc_thr:async", "inproc_lat:async"),
    "libzmq": ("libzmq_inproc_thr", "libzmq_inproc_lat"),
}
# libzmq's own perf tools (built from a libzmq 4.3.4 source tree given with
# --libzmq-perf, against the system libzmq; never part of this repository),
# one binary on two libraries: "libzmq" loads the system's libzmq.so.5,
# "ours" loads ours through LD_LIBRARY_PATH (the C API, capi/); "ours-c++":
# our own C++ blocking tools, the fast path the C API is held to.
# Tests: pthr, plat (tcp), pithr, pilat (inproc).
PERF_TOOLS = ("local_thr", "remote_thr", "local_lat", "remote_lat", "inproc_thr", "inproc_lat")
PERF_THR_SIDES = {
    "libzmq": ("perf_local_thr", "perf_remote_thr"),
    "ours": ("perf_local_thr@capi", "perf_remote_thr@capi"),
    "ours-c++": ("local_thr", "remote_thr"),
}
PERF_LAT_SIDES = {
    "libzmq": ("perf_local_lat", "perf_remote_lat"),
    "ours": ("perf_local_lat@capi", "perf_remote_lat@capi"),
    "ours-c++": ("local_lat", "remote_lat"),
}
PERF_INPROC_SIDES = {
    "libzmq": ("perf_inproc_thr", "perf_inproc_lat"),
    "ours": ("perf_inproc_thr@capi", "perf_inproc_lat@capi"),
    "ours-c++": ("inproc_thr:blocking", "inproc_lat:blocking"),
}
PERF_SIZES = (16, KIB, 64 * KIB)
SIZED_TESTS = ("thr", "lat", "ithr", "ilat", "cthr", "clat", "pthr", "plat", "pithr", "pilat")


# ---------------------------------------------------------------------------
# Small helpers

def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    """Output of a command, '' if it fails (for the machine description)."""
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30, **kw).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def human(v, unit=""):
    if v is None:
        return "–"
    for div, suffix in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if abs(v) >= div:
            return f"{v / div:.3g}{suffix}{unit}".rstrip()
    return f"{v:.3g}{' ' + unit if unit else ''}"


def size_name(size):
    if size >= MIB and size % MIB == 0:
        return f"{size // MIB} MiB"
    if size >= KIB and size % KIB == 0:
        return f"{size // KIB} KiB"
    return f"{size} B"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    """True if something LISTENs on `port` (read from /proc: no connection is made,
    so the tool under test never sees a probe)."""
    hexport = f":{port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    if len(parts) > 3 and parts[1].endswith(hexport) and parts[3] == "0A":
                        return True
        except OSError:
            pass
    return False


def fd_hard_limit():
    try:
        import resource
        return resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    except (ImportError, OSError, ValueError):
        return 0


# ---------------------------------------------------------------------------
# Processes

# CPUs every tool process is confined to (--cpus); None = no affinity set.
CPU_SET = None


def parse_cpus(text):
    cpus = set()
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return cpus


class Proc:
    """One tool process: output to temporary files (no pipe can fill up),
    exit status and rusage from wait4 (CPU time and peak RSS of that process
    alone, all its threads included)."""

    def __init__(self, cmd):
        self.cmd = cmd
        self.out = tempfile.TemporaryFile()
        self.err = tempfile.TemporaryFile()
        env = dict(os.environ, BENCH_PEAK_RSS="1")
        pin = (lambda: os.sched_setaffinity(0, CPU_SET)) if CPU_SET else None
        self.popen = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.out,
                                      stderr=self.err, env=env, preexec_fn=pin)
        self.status = None
        self.rusage = None

    def poll(self):
        if self.status is not None:
            return True
        pid, status, ru = os.wait4(self.popen.pid, os.WNOHANG)
        if pid == 0:
            return False
        self.status = os.waitstatus_to_exitcode(status)
        self.rusage = ru
        self.popen.returncode = self.status  # we reaped it: keep Popen quiet
        return True

    def kill(self):
        if not self.poll():
            try:
                os.kill(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            while not self.poll():
                time.sleep(0.005)

    def stdout(self):
        self.out.seek(0)
        return self.out.read().decode(errors="replace")

    def stderr(self):
        self.err.seek(0)
        return self.err.read().decode(errors="replace")

    @property
    def cpu(self):
        return self.rusage.ru_utime + self.rusage.ru_stime if self.rusage else None

    @property
    def maxrss_kib(self):
        """Peak RSS as the tool itself reported it (VmHWM at exit). Not
        ru_maxrss: Linux keeps the forking Python's high-water mark in it."""
        m = re.search(r"peak rss: (\d+) \[KiB\]", self.stderr())
        return int(m.group(1)) if m else None

    def describe(self):
        tail = [l for l in self.stderr().strip().splitlines() if not l.startswith("peak rss:")][-3:]
        return f"{' '.join(os.path.basename(c) if i == 0 else c for i, c in enumerate(self.cmd))}" \
               f" -> exit {self.status}" + (f": {' | '.join(tail)}" if tail else "")


class RunError(Exception):
    pass


def run_group(local_cmd, remote_cmds, timeout):
    """Starts the binding process, waits until its port listens, starts the
    connecting ones, waits for all (killing everything at the timeout).
    Returns (local Proc, [remote Procs]); raises RunError on any failure."""
    port_re = next((m for m in (re.search(r"^tcp://.*:(\d+)$", a) for a in local_cmd) if m), None)
    port = int(port_re.group(1)) if port_re else None
    procs = [Proc(local_cmd)]
    deadline = time.monotonic() + timeout
    try:
        while port is not None and not listening(port):
            if procs[0].poll():
                raise RunError(f"did not start: {procs[0].describe()}")
            if time.monotonic() > deadline:
                raise RunError(f"never listened on port {port}")
            time.sleep(0.002)
        for cmd in remote_cmds:
            procs.append(Proc(cmd))
        while True:
            done = [p.poll() for p in procs]
            if all(done):
                break
            failed = [p for p, d in zip(procs, done) if d and p.status != 0]
            if failed:
                raise RunError(failed[0].describe())
            if time.monotonic() > deadline:
                raise RunError(f"timed out after {timeout:.0f} s: "
                               + ", ".join(os.path.basename(p.cmd[0]) for p, d in zip(procs, done) if not d))
            time.sleep(0.01)
        failed = [p for p in procs if p.status != 0]
        if failed:
            raise RunError(failed[0].describe())
        return procs[0], procs[1:]
    finally:
        for p in procs:
            p.kill()


def grab(pattern, text, cast=float):
    m = re.search(pattern, text)
    if not m:
        raise RunError(f"output without /{pattern}/: {text.strip()[:200]!r}")
    return cast(m.group(1))


# ---------------------------------------------------------------------------
# One run of each kind. Each returns a dict of the CSV's columns.

def endpoint():
    return f"tcp://127.0.0.1:{free_port()}"


def tool_cmd(tools, spec, *args):
    """A tool's command: tools[name] is its path, or a list (a prefix such as
    `env LD_LIBRARY_PATH=...` that execs it, so wait4 still sees the tool)."""
    name, _, extra = spec.partition(":")
    base = tools[name]
    return [*(base if isinstance(base, list) else [base]), *map(str, args)] + ([extra] if extra else [])


def run_thr(tools, side, size, count, timeout, table=THR_SIDES):
    local, remote = table[side]
    if side == "raw-tcp":
        count = max(count, RAW_MIN_BYTES // size)
    ep = endpoint()
    lp, (rp,) = run_group(tool_cmd(tools, local, ep, size, count),
                          [tool_cmd(tools, remote, ep, size, count)], timeout)
    out = lp.stdout()
    if grab(r"message count: (\d+)", out, int) != count:
        raise RunError(f"wrong message count in {out!r}")
    return dict(count=count, value=grab(r"mean throughput: (\d+) \[msg/s\]", out),
                unit="msg/s", mbps=grab(r"mean throughput: ([\d.]+) \[Mb/s\]", out),
                recv_cpu_s=lp.cpu, send_cpu_s=rp.cpu,
                recv_rss_kib=lp.maxrss_kib, send_rss_kib=rp.maxrss_kib)


def run_lat(tools, side, size, count, timeout, table=LAT_SIDES):
    local, remote = table[side]
    ep = endpoint()
    lp, (rp,) = run_group(tool_cmd(tools, local, ep, size, count),
                          [tool_cmd(tools, remote, ep, size, count)], timeout)
    out = rp.stdout()
    if grab(r"roundtrip count: (\d+)", out, int) != count:
        raise RunError(f"wrong roundtrip count in {out!r}")
    # "recv" = the replying side (REP, local), "send" = the requesting side (REQ, remote).
    return dict(count=count, value=grab(r"average latency: ([\d.]+) \[us\]", out), unit="us",
                recv_cpu_s=lp.cpu, send_cpu_s=rp.cpu,
                recv_rss_kib=lp.maxrss_kib, send_rss_kib=rp.maxrss_kib)


def run_inproc(tools, test, side, size, count, timeout, table=INPROC_SIDES):
    """ithr / ilat: one process; its CPU is counted as the receiving side's."""
    spec = table[side][0 if test in ("ithr", "pithr") else 1]
    lp, _ = run_group(tool_cmd(tools, spec, size, count), [], timeout)
    out = lp.stdout()
    if test in ("ithr", "pithr"):
        if grab(r"message count: (\d+)", out, int) != count:
            raise RunError(f"wrong message count in {out!r}")
        value, unit = grab(r"mean throughput: (\d+) \[msg/s\]", out), "msg/s"
        mbps = grab(r"mean throughput: ([\d.]+) \[Mb/s\]", out)
    else:
        if grab(r"roundtrip count: (\d+)", out, int) != count:
            raise RunError(f"wrong roundtrip count in {out!r}")
        value, unit, mbps = grab(r"average latency: ([\d.]+) \[us\]", out), "us", None
    return dict(count=count, value=value, unit=unit, mbps=mbps, recv_cpu_s=lp.cpu, send_cpu_s=0.0,
                recv_rss_kib=lp.maxrss_kib, send_rss_kib=0)


def run_poll(tools, side, idle, count, timeout):
    lp, _ = run_group([tools[POLL_SIDES[side][0]], str(idle), str(count)], [], timeout)
    out = lp.stdout()
    return dict(count=count, value=grab(r"mean throughput: (\d+) \[msg/s\]", out), unit="msg/s",
                recv_cpu_s=grab(r"polling thread CPU: ([\d.]+)", out) * count / 1e6, send_cpu_s=0.0,
                recv_rss_kib=lp.maxrss_kib, send_rss_kib=0)


def run_fanout(tools, side, subs, size, count, mode, timeout):
    pub, sub = FANOUT_SIDES[side]
    ep = endpoint()
    silence = ["1000"] if mode == "drop" else []
    pp, sps = run_group([tools[pub], ep, str(size), str(count), str(subs), mode],
                        [[tools[sub], ep, str(size), str(count)] + silence for _ in range(subs)],
                        timeout)
    rates, received = [], []
    for sp in sps:
        out = sp.stdout()
        rates.append(grab(r"mean throughput: (\d+) \[msg/s\]", out))
        received.append(grab(r"message count: (\d+)", out, int))
    if mode == "nodrop" and min(received) != count:
        raise RunError(f"a subscriber received {min(received)} of {count} messages")
    sub_cpu = sum(sp.cpu for sp in sps)
    return dict(count=count, value=statistics.median(rates), unit="msg/s per subscriber",
                min_sub=min(rates), max_sub=max(rates),
                publish_rate=grab(r"publish rate: (\d+) \[msg/s\]", pp.stdout()),
                delivered=sum(received) / (subs * count),
                send_cpu_s=pp.cpu, recv_cpu_s=sub_cpu / subs,
                send_rss_kib=pp.maxrss_kib, recv_rss_kib=max((sp.maxrss_kib for sp in sps if sp.maxrss_kib is not None),
                                                         default=None))


def run_mem(tools, side, conns, timeout):
    pull, peers = MEM_SIDES[side]
    ep = endpoint()
    lp, (pp,) = run_group([tools[pull], ep, str(conns)], [[tools[peers], ep, str(conns)]], timeout)
    out = lp.stdout()
    return dict(count=conns, value=grab(r"rss per connection: (-?\d+) \[B\]", out),
                unit="B/connection", rss_before_kib=grab(r"rss before: (\d+)", out, int),
                rss_after_kib=grab(r"rss after: (\d+)", out, int),
                recv_cpu_s=lp.cpu, recv_rss_kib=lp.maxrss_kib)


# ---------------------------------------------------------------------------
# Build

def cache_value(build_dir, key):
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return None


def build(build_dir, no_build):
    if no_build:
        return
    if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
        gen = ["-G", "Ninja"] if shutil.which("ninja") else []
        log(f"== configuring {build_dir} (Release, ZMTP_BUILD_BENCH=ON)")
        subprocess.run(["cmake", "-S", REPO, "-B", build_dir, *gen, "-DCMAKE_BUILD_TYPE=Release",
                        "-DZMTP_BUILD_BENCH=ON", "-DZMTP_BUILD_TESTS=OFF",
                        "-DZMTP_BUILD_INTEROP=OFF", "-DZMTP_BUILD_EXAMPLES=OFF"],
                       check=True, stdout=subprocess.DEVNULL)
    else:
        if cache_value(build_dir, "ZMTP_BUILD_BENCH") not in ("ON", "TRUE", "1"):
            sys.exit(f"{build_dir} was not configured with -DZMTP_BUILD_BENCH=ON")
        bt = cache_value(build_dir, "CMAKE_BUILD_TYPE")
        if bt != "Release":
            log(f"warning: {build_dir} is a {bt or 'no-type'} build, not Release: numbers are not comparable")
    log(f"== building the benchmark tools in {build_dir}")
    # zmtp_capi: the libzmq.so.5 that libzmq's perf tools run on (--libzmq-perf).
    subprocess.run(["cmake", "--build", build_dir, "--target", *all_tools(), "zmtp_capi"], check=True,
                   stdout=subprocess.DEVNULL)


def all_tools():
    names = set()
    for table in (THR_SIDES, LAT_SIDES, FANOUT_SIDES, MEM_SIDES, INPROC_SIDES, POLL_SIDES):
        for pair in table.values():
            names.update(spec.partition(":")[0] for spec in pair)
    return sorted(names)


def find_tools(build_dir):
    tools = {}
    for name in all_tools():
        path = os.path.join(build_dir, "bench", name)
        if os.access(path, os.X_OK):
            tools[name] = path
    return tools


def build_libzmq_perf(src, build_dir, tools, notes):
    """Compiles libzmq's perf tools from the libzmq 4.3.4 source tree `src`
    (its perf/*.cpp include ../include/zmq.h: libzmq's own header) against
    the system libzmq, into <build>/libzmq-perf, and registers them as
    perf_<tool> (system libzmq) and perf_<tool>@capi (ours, via
    LD_LIBRARY_PATH). Only their main() is theirs; nothing is copied here."""
    out = os.path.join(build_dir, "libzmq-perf")
    os.makedirs(out, exist_ok=True)
    # The inproc tools include libzmq's generated platform.hpp, used only
    # for Windows macros: an empty one stands in for it.
    open(os.path.join(out, "platform.hpp"), "w").close()
    cxx = os.environ.get("CXX", "c++")
    for t in PERF_TOOLS:
        source = os.path.join(src, "perf", t + ".cpp")
        exe = os.path.join(out, t)
        if not os.path.exists(source):
            sys.exit(f"--libzmq-perf {src}: no perf/{t}.cpp (give a libzmq 4.3.4 source tree)")
        if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(source):
            log(f"== building libzmq's perf/{t} against the system libzmq")
            subprocess.run([cxx, "-O2", "-I", out, "-o", exe, source, "-lzmq", "-lpthread"], check=True)
        tools["perf_" + t] = exe
    capi = os.path.join(build_dir, "capi")
    if not os.path.exists(os.path.join(capi, "libzmq.so.5")):
        sys.exit(f"{capi}/libzmq.so.5 is not built (ZMTP_BUILD_CAPI=ON)")
    env = ["/usr/bin/env", f"LD_LIBRARY_PATH={capi}"]
    for t in PERF_TOOLS:
        tools[f"perf_{t}@capi"] = env + [tools["perf_" + t]]
    # Which libzmq.so.5 each side really loads, from the loader itself.
    for label, prefix in (("libzmq", []), ("ours", env)):
        r = subprocess.run(prefix + ["/usr/bin/ldd", tools["perf_local_thr"]], capture_output=True, text=True)
        lib = next((l.split("=>")[1].split()[0] for l in r.stdout.splitlines() if "libzmq.so.5" in l), "?")
        if label == "ours" and not os.path.realpath(lib).startswith(os.path.realpath(capi)):
            sys.exit(f"the perf tools do not load our library through LD_LIBRARY_PATH: {lib}")
        notes.append(f"libzmq's perf tools, side {label}: load {os.path.realpath(lib)}")


def add_baseline(tools, base_dir):
    """Registers another build's tools as base_<name> and adds the sides
    base, base-async, base-await mirroring ours, ours-async, ours-await."""
    for name in all_tools():
        if name.startswith(("libzmq_", "raw_tcp_")):
            continue
        path = os.path.join(base_dir, "bench", name)
        if os.access(path, os.X_OK):
            tools["base_" + name] = path
    for table in (THR_SIDES, LAT_SIDES, FANOUT_SIDES, INPROC_SIDES):
        for side in [s for s in table if s.startswith("ours") and "->" not in s]:
            table[side.replace("ours", "base", 1)] = tuple("base_" + spec for spec in table[side])


# ---------------------------------------------------------------------------
# Machine description

def machine_lines(build_dir):
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    cxx = cache_value(build_dir, "CMAKE_CXX_COMPILER") or "c++"
    cc = cache_value(build_dir, "CMAKE_C_COMPILER") or "cc"
    bt = cache_value(build_dir, "CMAKE_BUILD_TYPE") or "?"
    flags = cache_value(build_dir, f"CMAKE_CXX_FLAGS_{bt.upper()}") or ""
    cflags = cache_value(build_dir, f"CMAKE_C_FLAGS_{bt.upper()}") or ""
    meminfo = sh(["sh", "-c", "grep MemTotal /proc/meminfo"]).split(":")[-1].strip()
    zmq_runtime = sh([sys.executable, "-c",
                      "import ctypes,ctypes.util;l=ctypes.CDLL(ctypes.util.find_library('zmq'));"
                      "a,b,c=ctypes.c_int(),ctypes.c_int(),ctypes.c_int();"
                      "l.zmq_version(ctypes.byref(a),ctypes.byref(b),ctypes.byref(c));"
                      "print(f'{a.value}.{b.value}.{c.value}')"])
    return [
        f"- CPU: {cpu or platform.processor()} ({os.cpu_count()} logical CPUs"
        + (f"; `nproc`: {sh(['nproc'])}" if shutil.which("nproc") else "") + ")",
        f"- Memory: {meminfo}",
        f"- Kernel: {platform.system()} {platform.release()} ({platform.machine()})",
        f"- OS: {sh(['sh', '-c', '. /etc/os-release && echo $PRETTY_NAME'])}",
        f"- C++ compiler: {sh([cxx, '--version']).splitlines()[0] if sh([cxx, '--version']) else cxx}"
        f" (`{cxx}`), C compiler for the libzmq tools: `{cc}`",
        f"- Build: {bt}, CXX flags `{flags}`, C flags `{cflags}` (+ -Wall ... for ours)",
        f"- libzmq: {sh(['pkg-config', '--modversion', 'libzmq']) or '?'} (pkg-config), "
        f"{zmq_runtime or '?'} (loaded at run time)",
        f"- Asio: {asio_version()}",
        f"- Python: {platform.python_version()} ({sys.executable}); gnuplot: "
        f"{sh(['gnuplot', '--version']) or 'not installed'}",
        f"- RLIMIT_NOFILE hard limit (`ulimit -Hn`): {fd_hard_limit()}",
        f"- Source: git {sh(['git', '-C', REPO, 'rev-parse', '--short', 'HEAD']) or '?'}"
        + (" (work tree has local changes)" if sh(['git', '-C', REPO, 'status', '--porcelain']) else ""),
    ]


def asio_version():
    for inc in ("/usr/include/asio/version.hpp", "/usr/local/include/asio/version.hpp"):
        try:
            with open(inc) as f:
                m = re.search(r"#\s*define\s+ASIO_VERSION\s+(\d+)", f.read())
            if m:
                v = int(m.group(1))
                return f"{v // 100000}.{v // 100 % 1000}.{v % 100}"
        except OSError:
            pass
    return "?"


def load_line():
    try:
        with open("/proc/loadavg") as f:
            a, b, c = f.read().split()[:3]
        return f"{a}, {b}, {c}"
    except OSError:
        return "?"


# ---------------------------------------------------------------------------
# Statistics and reports

def summarise(rows):
    """(test, size_or_n, side) -> {median, min, max, n, cpu/rss medians}."""
    cells = {}
    for r in rows:
        if r.get("error"):
            continue
        cells.setdefault((r["test"], r["param"], r["side"]), []).append(r)
    out = {}
    for key, rs in cells.items():
        vals = [r["value"] for r in rs]

        def med(field):
            xs = [r[field] for r in rs if r.get(field) is not None]
            return statistics.median(xs) if xs else None

        s = dict(median=statistics.median(vals), min=min(vals), max=max(vals), n=len(vals),
                 count=rs[0]["count"])
        for field in ("mbps", "recv_cpu_s", "send_cpu_s", "recv_rss_kib", "send_rss_kib",
                      "publish_rate", "delivered", "rss_before_kib", "rss_after_kib"):
            s[field] = med(field)
        out[key] = s
    return out


def ratio(summary, test, param, side, base="libzmq"):
    a, b = summary.get((test, param, side)), summary.get((test, param, base))
    if not a or not b or not b["median"]:
        return None
    return a["median"] / b["median"]


def cpu_per(s, field, per):
    """µs of CPU per message (or roundtrip)."""
    v = s.get(field)
    return None if v is None or not per else v / per * 1e6


def fmt_spread(s, unit_fn):
    return f"{unit_fn(s['median'])} ({unit_fn(s['min'])}–{unit_fn(s['max'])})"


def targets(summary, sizes, fan_subs):
    """[(target, measured, verdict)] for the issue's targets."""
    res = []

    def add(name, value, ok, text):
        if value is None:
            res.append((name, "not measured", "–"))
        else:
            res.append((name, text, "met" if ok else "**missed**"))

    for size in (16, 64):
        if size in sizes:
            r = ratio(summary, "thr", size, "ours")
            add(f"throughput {size} B, blocking ≥ 1.5× libzmq", r, r is not None and r >= 1.5,
                f"{r:.2f}×" if r else "")
            r = ratio(summary, "thr", size, "ours-async")
            add(f"throughput {size} B, async ≥ 2.5× libzmq", r, r is not None and r >= 2.5,
                f"{r:.2f}×" if r else "")
    if 16 in sizes:
        r = ratio(summary, "thr", 16, "ours-await")
        add("throughput 16 B, a coroutine awaiting every message ≥ 1× libzmq", r,
            r is not None and r >= 1.0, f"{r:.2f}×" if r else "")
    if KIB in sizes:
        r = ratio(summary, "thr", KIB, "ours")
        add("throughput 1 KiB, blocking ≥ 2× libzmq", r, r is not None and r >= 2.0,
            f"{r:.2f}×" if r else "")
    for size in (64 * KIB, MIB):
        if size in sizes:
            for side, label in (("ours", "blocking"), ("ours-async", "async")):
                r = ratio(summary, "thr", size, side, base="raw-tcp")
                add(f"throughput {size_name(size)}, {label} ≥ 85 % of raw TCP", r,
                    r is not None and r >= 0.85, f"{r * 100:.0f} %" if r else "")
    for size in sizes:
        r = ratio(summary, "lat", size, "ours")
        bound = 1.0 if size >= MIB else 0.8
        add(f"latency {size_name(size)}, blocking ≤ {bound:.1f}× libzmq", r,
            r is not None and r <= bound, f"{r:.2f}×" if r else "")
    for size in sizes:
        if size >= MIB:
            continue
        r = ratio(summary, "lat", size, "ours-async", base="raw-tcp")
        add(f"latency {size_name(size)}, async ≤ 1.2× raw TCP ping-pong", r,
            r is not None and r <= 1.2, f"{r:.2f}×" if r else "")
    # CPU per message, both processes (user + sys), against libzmq's.
    for test in ("thr", "lat"):
        for size in sizes:
            base = summary.get((test, size, "libzmq"))
            for side, label in (("ours", "blocking"), ("ours-async", "async")):
                ours = summary.get((test, size, side))
                if not ours or not base or ours.get("recv_cpu_s") is None or base.get("recv_cpu_s") is None:
                    continue
                a = (ours["recv_cpu_s"] + ours["send_cpu_s"]) / ours["count"]
                b = (base["recv_cpu_s"] + base["send_cpu_s"]) / base["count"]
                what = "message" if test == "thr" else "roundtrip"
                add(f"CPU per {what}, {'throughput' if test == 'thr' else 'latency'} "
                    f"{size_name(size)}, {label} ≤ libzmq", a, a <= b,
                    f"{a * 1e6:.3f} vs {b * 1e6:.3f} µs")
    for size in (16, KIB):
        for side, label in (("ours", "blocking"), ("ours-async", "async")):
            r = ratio(summary, "ithr", size, side)
            if r is not None:
                add(f"inproc throughput {size_name(size)}, {label} ≥ 1.5× libzmq", r, r >= 1.5,
                    f"{r:.2f}×")
            r = ratio(summary, "ilat", size, side)
            if r is not None:
                add(f"inproc latency {size_name(size)}, {label} ≤ 0.8× libzmq", r, r <= 0.8,
                    f"{r:.2f}×")
    for size in CURVE_SIZES:
        r = ratio(summary, "cthr", size, "ours")
        if r is not None:
            add(f"CURVE throughput {size_name(size)}, blocking ≥ 1.2× libzmq's CURVE", r, r >= 1.2,
                f"{r:.2f}×")
    # libzmq's perf tools on ours: the fast-path issue's targets, same binary.
    for size, bound in ((16, 1.5), (KIB, 2.0)):
        r = ratio(summary, "pthr", size, "ours")
        if r is not None:
            add(f"libzmq's local_thr/remote_thr {size_name(size)} on ours ≥ {bound}× on libzmq", r,
                r >= bound, f"{r:.2f}×")
        c = ratio(summary, "pthr", size, "ours", base="ours-c++")
        if c is not None:
            add(f"libzmq's local_thr/remote_thr {size_name(size)} on ours ≥ 0.9× our C++ blocking tools",
                c, c >= 0.9, f"{c:.2f}×")
    for size in PERF_SIZES:
        r = ratio(summary, "plat", size, "ours")
        if r is not None:
            add(f"libzmq's local_lat/remote_lat {size_name(size)} on ours ≤ 0.8× on libzmq", r,
                r <= 0.8, f"{r:.2f}×")
    for key in [k for k in summary if k[0] == "poll" and k[2] == "ours"]:
        a, b = summary.get(key), summary.get(("poll", key[1], "libzmq"))
        if a and b:
            ca, cb = a["recv_cpu_s"] / a["count"] * 1e6, b["recv_cpu_s"] / b["count"] * 1e6
            add(f"poll over {key[1]} idle sockets + 1 busy: CPU per message ≤ libzmq's zmq_poll", ca,
                ca <= cb, f"{ca:.2f} vs {cb:.2f} µs")
    top = max(fan_subs) if fan_subs else None
    if top:
        for side, label in (("ours", "blocking"), ("ours-async", "async")):
            r = ratio(summary, "fanout", top, side)
            add(f"fan-out to {top} subscribers, {label} publisher ≥ 1.5× libzmq", r,
                r is not None and r >= 1.5, f"{r:.2f}×" if r else "")
    mem = [k for k in summary if k[0] == "mem"]
    if mem:
        n = mem[0][1]
        a, b = summary.get(("mem", n, "ours")), summary.get(("mem", n, "libzmq"))
        if a and b:
            add(f"memory per idle connection ({n} peers) ≤ libzmq", a["median"],
                a["median"] <= b["median"],
                f"{a['median'] / 1024:.1f} KiB vs {b['median'] / 1024:.1f} KiB")
    return res


def write_csv(path, rows):
    fields = ["test", "param", "side", "rep", "count", "value", "unit", "mbps",
              "recv_cpu_s", "send_cpu_s", "recv_rss_kib", "send_rss_kib", "min_sub", "max_sub",
              "publish_rate", "delivered", "rss_before_kib", "rss_after_kib", "error"]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(r)


def write_summary_csv(path, summary):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["test", "param", "side", "n", "median", "min", "max", "ratio_vs_libzmq",
                    "ratio_vs_raw_tcp", "mbps", "recv_cpu_us_per_msg", "send_cpu_us_per_msg",
                    "recv_peak_rss_kib", "send_peak_rss_kib"])
        for (test, param, side), s in sorted(summary.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
            per = s["count"]
            r1 = ratio(summary, test, param, side)
            r2 = ratio(summary, test, param, side, base="raw-tcp")
            w.writerow([test, param, side, s["n"], s["median"], s["min"], s["max"],
                        f"{r1:.4f}" if r1 else "", f"{r2:.4f}" if r2 else "", s["mbps"] or "",
                        f"{cpu_per(s, 'recv_cpu_s', per):.4f}" if s["recv_cpu_s"] is not None else "",
                        f"{cpu_per(s, 'send_cpu_s', per):.4f}" if s["send_cpu_s"] is not None else "",
                        s["recv_rss_kib"] or "", s["send_rss_kib"] or ""])


def kib_to_mib(v):
    return "–" if v is None else f"{v / 1024:.1f}"


def write_markdown(path, args, summary, rows, tgts, sizes, fan_subs, notes, load_start, load_end,
                   chart_note):
    L = []
    L.append("# Benchmark results")
    L.append("")
    L.append(f"Run {datetime.datetime.now().isoformat(timespec='seconds')}, "
             f"{args.reps} repetition(s) per cell{', **--quick** (small counts)' if args.quick else ''}; "
             f"machine: see machine.md. Load average (1/5/15 min) at start: {load_start}; at end: {load_end}.")
    L.append("")
    L.append("Every cell: median over repetitions, (min–max) spread. Sides were interleaved "
             "(A B C … A B C …, order rotated each repetition). `a->b`: a sends (PUSH / REQ), b receives "
             "(PULL / REP). Ratios are of medians. CPU = user+sys of each process (all its threads) from "
             "wait4, per message (throughput, fan-out) or per roundtrip (latency), whole process lifetime "
             "(start-up and connect included). RSS = peak resident set (VmHWM, reported by each tool at "
             "exit).")
    L.append("")
    L.append(f"CPU affinity: {'every process on CPUs ' + args.cpus if args.cpus else 'none (the scheduler places processes and threads)'}.")
    L.append("")
    for n in notes:
        L.append(f"> {n}")
        L.append("")
    if tgts:
        L.append("## Targets")
        L.append("")
        L.append("| Target | Measured | Verdict |")
        L.append("|---|---|---|")
        for name, text, verdict in tgts:
            L.append(f"| {name} | {text} | {verdict} |")
        L.append("")

    def side_order(test):
        table = {"thr": THR_SIDES, "lat": LAT_SIDES, "fanout": FANOUT_SIDES, "mem": MEM_SIDES,
                 "ithr": INPROC_SIDES, "ilat": INPROC_SIDES, "poll": POLL_SIDES,
                 "cthr": CURVE_THR_SIDES, "clat": CURVE_LAT_SIDES,
                 "pthr": PERF_THR_SIDES, "plat": PERF_LAT_SIDES, "pithr": PERF_INPROC_SIDES,
                 "pilat": PERF_INPROC_SIDES}[test]
        return list(table)

    if any(k[0] == "thr" for k in summary):
        L.append("## Throughput (PUSH → PULL, msg/s)")
        L.append("")
        L.append("| Size | Side | msg/s | Mb/s | × libzmq | % raw TCP | CPU µs/msg recv | CPU µs/msg send | peak RSS MiB recv / send | runs |")
        L.append("|---|---|---|---|---|---|---|---|---|---|")
        for size in sizes:
            for side in side_order("thr"):
                s = summary.get(("thr", size, side))
                if not s:
                    continue
                r1 = ratio(summary, "thr", size, side)
                r2 = ratio(summary, "thr", size, side, base="raw-tcp")
                L.append(f"| {size_name(size)} | {side} | {fmt_spread(s, human)} | {s['mbps']:.0f} | "
                         f"{f'{r1:.2f}' if r1 else '–'} | {f'{r2 * 100:.1f}' if r2 else '–'} | "
                         f"{cpu_per(s, 'recv_cpu_s', s['count']):.3f} | {cpu_per(s, 'send_cpu_s', s['count']):.3f} | "
                         f"{kib_to_mib(s['recv_rss_kib'])} / {kib_to_mib(s['send_rss_kib'])} | {s['n']} |")
        L.append("")
        L.append("ours: the blocking API (send / recv). ours-async: a coroutine on the socket's executor "
                 "that uses try_send / try_recv and falls back to `co_await async_send / async_recv` only "
                 "when they return false (the async targets are judged on this one). ours-await: the same "
                 "coroutines awaiting every single message. raw-tcp: bulk transfer of the same bytes "
                 "(≥ 1 GiB per run) in 1 MiB writes: no framing, no message boundaries — the ceiling; "
                 "its CPU per message is over its larger count.")
        L.append("")
    if any(k[0] == "lat" for k in summary):
        L.append("## Latency (REQ ↔ REP, one-way µs = elapsed / (2 × roundtrips))")
        L.append("")
        L.append("| Size | Side | one-way µs | × libzmq | × raw TCP | CPU µs/roundtrip REP | CPU µs/roundtrip REQ | peak RSS MiB REP / REQ | runs |")
        L.append("|---|---|---|---|---|---|---|---|---|")
        for size in sizes:
            for side in side_order("lat"):
                s = summary.get(("lat", size, side))
                if not s:
                    continue
                r1 = ratio(summary, "lat", size, side)
                r2 = ratio(summary, "lat", size, side, base="raw-tcp")
                L.append(f"| {size_name(size)} | {side} | {fmt_spread(s, lambda v: f'{v:.1f}')} | "
                         f"{f'{r1:.2f}' if r1 else '–'} | {f'{r2:.2f}' if r2 else '–'} | "
                         f"{cpu_per(s, 'recv_cpu_s', s['count']):.2f} | {cpu_per(s, 'send_cpu_s', s['count']):.2f} | "
                         f"{kib_to_mib(s['recv_rss_kib'])} / {kib_to_mib(s['send_rss_kib'])} | {s['n']} |")
        L.append("")
        L.append("raw-tcp: a `size`-byte ping-pong on one TCP_NODELAY socket pair.")
        L.append("")
    if any(k[0] in ("cthr", "clat") for k in summary):
        L.append("## CURVE (the thr and lat tools with --curve: PUSH → PULL and REQ ↔ REP, encrypted)")
        L.append("")
        L.append("| Size | Side | throughput msg/s | × libzmq | CPU µs/msg recv / send | one-way latency µs | × libzmq | runs |")
        L.append("|---|---|---|---|---|---|---|---|")
        for size in CURVE_SIZES:
            for side in side_order("cthr"):
                t, l = summary.get(("cthr", size, side)), summary.get(("clat", size, side))
                if not t and not l:
                    continue
                rt, rl = ratio(summary, "cthr", size, side), ratio(summary, "clat", size, side)
                thr = fmt_spread(t, human) if t else "–"
                cpu = (f"{cpu_per(t, 'recv_cpu_s', t['count']):.3f} / {cpu_per(t, 'send_cpu_s', t['count']):.3f}"
                       if t else "–")
                lat = fmt_spread(l, lambda v: f"{v:.1f}") if l else "–"
                runs = max(t["n"] if t else 0, l["n"] if l else 0)
                L.append(f"| {size_name(size)} | {side} | {thr} | {f'{rt:.2f}' if rt else '–'} | {cpu} | "
                         f"{lat} | {f'{rl:.2f}' if rl else '–'} | {runs} |")
        L.append("")
        L.append("Both sides authenticate with fixed bench keys (no ZAP handler: libzmq's CURVE server "
                 "then accepts any client key, and so does ours). `a->b`: a sends, b receives.")
        L.append("")
    if any(k[0] in ("pthr", "plat", "pithr", "pilat") for k in summary):
        L.append("## libzmq's own perf tools, one binary on two libraries")
        L.append("")
        L.append("| Test | Size | Side | value | × libzmq | CPU µs/msg (or roundtrip) recv / send | runs |")
        L.append("|---|---|---|---|---|---|---|")
        names = {"pthr": "tcp throughput msg/s", "plat": "tcp one-way latency µs",
                 "pithr": "inproc throughput msg/s", "pilat": "inproc one-way latency µs"}
        for test in ("pthr", "plat", "pithr", "pilat"):
            for size in PERF_SIZES:
                for side in side_order(test):
                    t = summary.get((test, size, side))
                    if not t:
                        continue
                    r = ratio(summary, test, size, side)
                    val = fmt_spread(t, human) if test.endswith("thr") else fmt_spread(t, lambda v: f"{v:.2f}")
                    cpu = f"{cpu_per(t, 'recv_cpu_s', t['count']):.3f} / {cpu_per(t, 'send_cpu_s', t['count']):.3f}"
                    L.append(f"| {names[test]} | {size_name(size)} | {side} | {val} | "
                             f"{f'{r:.2f}' if r else '–'} | {cpu} | {t['n']} |")
        L.append("")
        L.append("libzmq: libzmq 4.3.4's perf/local_thr, remote_thr, local_lat, remote_lat, inproc_thr "
                 "and inproc_lat, built from its source against the system libzmq. ours: the same "
                 "binaries with LD_LIBRARY_PATH at our libzmq.so.5 (the C API). ours-c++: our C++ "
                 "tools with the blocking API, the fast path the C API should match. The perf tools "
                 "use zmq_sendmsg / zmq_recvmsg with a zmq_msg_t per message. inproc: one process, its "
                 "CPU counted as recv.")
        L.append("")
    if any(k[0] in ("ithr", "ilat") for k in summary):
        L.append("## inproc (one process, two threads: libzmq's perf/inproc_thr and inproc_lat method)")
        L.append("")
        L.append("| Size | Side | throughput msg/s | × libzmq | CPU µs/msg | one-way latency µs | × libzmq | CPU µs/roundtrip | runs |")
        L.append("|---|---|---|---|---|---|---|---|---|")
        for size in sizes:
            for side in side_order("ithr"):
                t, l = summary.get(("ithr", size, side)), summary.get(("ilat", size, side))
                if not t and not l:
                    continue
                rt, rl = ratio(summary, "ithr", size, side), ratio(summary, "ilat", size, side)
                thr = fmt_spread(t, human) if t else "–"
                thr_cpu = f"{cpu_per(t, 'recv_cpu_s', t['count']):.3f}" if t else "–"
                lat = fmt_spread(l, lambda v: f"{v:.2f}") if l else "–"
                lat_cpu = f"{cpu_per(l, 'recv_cpu_s', l['count']):.2f}" if l else "–"
                runs = max(t["n"] if t else 0, l["n"] if l else 0)
                L.append(f"| {size_name(size)} | {side} | {thr} | {f'{rt:.2f}' if rt else '–'} | {thr_cpu} | "
                         f"{lat} | {f'{rl:.2f}' if rl else '–'} | {lat_cpu} | {runs} |")
        L.append("")
        L.append("ours: PUSH sending from a thread of its own, PULL receiving on the main thread (REQ and REP "
                 "likewise), blocking API. ours-async: both loops coroutines on their sockets' executors. "
                 "CPU: the whole process (both threads and the I/O thread).")
        L.append("")
    if any(k[0] == "poll" for k in summary):
        L.append("## Polling (one poll per message over a busy PULL and idle ones, inproc)")
        L.append("")
        L.append("| Idle sockets | Side | msg/s | × libzmq | polling thread CPU µs/msg | runs |")
        L.append("|---|---|---|---|---|---|")
        for key in sorted(k for k in summary if k[0] == "poll"):
            s_ = summary[key]
            r = ratio(summary, "poll", key[1], key[2])
            L.append(f"| {key[1]} | {key[2]} | {fmt_spread(s_, human)} | {f'{r:.2f}' if r else '–'} | "
                     f"{cpu_per(s_, 'recv_cpu_s', s_['count']):.2f} | {s_['n']} |")
        L.append("")
    if any(k[0] == "fanout" for k in summary):
        L.append(f"## PUB fan-out ({size_name(args.fanout_size)} messages, {args.fanout_mode} mode, msg/s received per subscriber)")
        L.append("")
        L.append("| Subscribers | Side | msg/s per subscriber | × libzmq | publish msg/s | delivered | messages | pub CPU µs/msg | sub CPU µs/msg | peak RSS MiB pub / sub | runs |")
        L.append("|---|---|---|---|---|---|---|---|---|---|---|")
        for n in fan_subs:
            for side in side_order("fanout"):
                s = summary.get(("fanout", n, side))
                if not s:
                    continue
                r1 = ratio(summary, "fanout", n, side)
                L.append(f"| {n} | {side} | {fmt_spread(s, human)} | {f'{r1:.2f}' if r1 else '–'} | "
                         f"{human(s['publish_rate'])} | {s['delivered'] * 100:.0f} % | {s['count']} | "
                         f"{cpu_per(s, 'send_cpu_s', s['count']):.3f} | {cpu_per(s, 'recv_cpu_s', s['count']):.3f} | "
                         f"{kib_to_mib(s['send_rss_kib'])} / {kib_to_mib(s['recv_rss_kib'])} | {s['n']} |")
        L.append("")
        L.append("One publisher process, N subscriber processes (ours: sub_fanout; libzmq: libzmq_sub_fanout). "
                 "The publisher is an XPUB (PUB's data path) with xpub_verbose, so it starts only after one "
                 "subscription per subscriber has arrived; in nodrop mode xpub_nodrop paces it by the slowest "
                 "subscriber and every subscriber gets every message. Per-run value: the median over "
                 "subscribers of each one's msg/s (first to last message). `ours` publishes with the blocking "
                 "send(), `ours-async` from a coroutine (try_send, co_await async_send when full). "
                 "Message counts are calibrated per side (a short run first) so a run takes about "
                 f"{FANOUT_SECONDS} s; 'messages' is the count per subscriber.")
        L.append("")
    if any(k[0] == "mem" for k in summary):
        L.append("## Memory: one PULL socket with idle connected peers")
        L.append("")
        L.append("| Peers | Side | RSS per connection | RSS before → after (KiB) | peak RSS MiB | runs |")
        L.append("|---|---|---|---|---|---|")
        for (test, n, side), s in sorted(summary.items()):
            if test != "mem":
                continue
            L.append(f"| {n} | {side} | {fmt_spread(s, lambda v: f'{v / 1024:.1f} KiB')} | "
                     f"{s['rss_before_kib']:.0f} → {s['rss_after_kib']:.0f} | {kib_to_mib(s['recv_rss_kib'])} | {s['n']} |")
        L.append("")
        L.append("The peers are one separate process (idle_peers: raw sockets, a ZMTP 3.0 NULL handshake as PUSH, "
                 "one 1-byte message each, then silence), the same for both sides. The PULL process reads VmRSS "
                 "after binding and again once it has received one message from every peer; the difference over "
                 "the number of peers is the cost of an idle connection (kernel socket buffers are not in RSS).")
        L.append("")
    errors = [r for r in rows if r.get("error")]
    if errors:
        L.append("## Failed runs")
        L.append("")
        for r in errors:
            L.append(f"- {r['test']} {r['param']} {r['side']} rep {r['rep']}: {r['error']}")
        L.append("")
    L.append("## Files")
    L.append("")
    L.append("results.csv: every run; summary.csv: the cells above; machine.md: the machine; "
             + (f"results.png: the chart." if not chart_note else chart_note))
    L.append("")
    with open(path, "w") as f:
        f.write("\n".join(L))


# One look per side in every panel of the chart.
SIDE_STYLE = {
    "ours": "lw 2 pt 7 lc rgb '#1f4e9c'",
    "ours-async": "lw 2 pt 5 lc rgb '#2a9d3a'",
    "ours-await": "lw 1 pt 4 dt 2 lc rgb '#8fd18f'",
    "libzmq": "lw 2 pt 9 lc rgb '#c0392b'",
    "ours->libzmq": "lw 1 pt 2 dt 3 lc rgb '#e67e22'",
    "libzmq->ours": "lw 1 pt 3 dt 3 lc rgb '#8e44ad'",
    "raw-tcp": "lw 1 pt 1 dt 4 lc rgb '#555555'",
}


def write_chart(out_dir, summary, sizes, fan_subs):
    """results.png with gnuplot; returns a note if it could not be made."""
    gnuplot = shutil.which("gnuplot")
    png = os.path.join(out_dir, "results.png")
    if os.path.exists(png):
        os.remove(png)  # never leave an earlier run's chart beside these numbers
    if not gnuplot:
        return "results.png: not made (gnuplot is not installed; `apt-get install gnuplot-nox`)."
    tmp = tempfile.mkdtemp(prefix="zmtp-bench-plot-")
    try:
        def dat(test, sides, params, field="median", scale=1.0):
            name = os.path.join(tmp, f"{test}.dat")
            with open(name, "w") as f:
                f.write("param " + " ".join(s.replace("->", "_to_") for s in sides) + "\n")
                for p in params:
                    vals = []
                    for side in sides:
                        s = summary.get((test, p, side))
                        v = s.get(field) if s else None
                        vals.append("NaN" if v is None else f"{v * scale:g}")
                    f.write(f"{p} " + " ".join(vals) + "\n")
            return name

        thr_sides = [s for s in THR_SIDES if any(("thr", p, s) in summary for p in sizes)]
        lat_sides = [s for s in LAT_SIDES if any(("lat", p, s) in summary for p in sizes)]
        fan_sides = [s for s in FANOUT_SIDES if any(("fanout", p, s) in summary for p in fan_subs)]
        panels = []
        if thr_sides:
            f = dat("thr", thr_sides, sizes, "mbps")
            panels.append((f, thr_sides, "Throughput (Mb/s, log)", "message size", sizes, True))
        if lat_sides:
            f = dat("lat", lat_sides, sizes)
            panels.append((f, lat_sides, "One-way latency (µs, log)", "message size", sizes, True))
        if fan_sides:
            f = dat("fanout", fan_sides, fan_subs)
            panels.append((f, fan_sides, f"Fan-out: msg/s per subscriber (log)", "subscribers", fan_subs, False))
        if not panels:
            return "results.png: not made (nothing to plot)."
        script = [f"set terminal pngcairo size {560 * len(panels)},480 font ',9'",
                  f"set output '{png}'",
                  f"set multiplot layout 1,{len(panels)}",
                  "set key top left Left reverse font ',8' spacing 0.9 opaque",
                  "set grid", "set datafile missing 'NaN'"]
        for f, sides, title, xlabel, ticks, sized in panels:
            script.append(f"set title '{title}'")
            script.append(f"set xlabel '{xlabel}'")
            script.append("set logscale xy")
            labels = ", ".join(f"'{size_name(t) if sized else t}' {t}" for t in ticks)
            script.append(f"set xtics ({labels})")
            script.append(f"set xrange [{min(ticks) / 1.5}:{max(ticks) * 1.5}]")
            plots = [f"'{f}' using 1:{i + 2} with linespoints {SIDE_STYLE.get(side, '')} title '{side}'"
                     for i, side in enumerate(sides)]
            script.append("plot " + ", ".join(plots))
        script.append("unset multiplot")
        r = subprocess.run([gnuplot], input="\n".join(script), text=True, capture_output=True)
        if r.returncode != 0:
            return f"results.png: gnuplot failed: {r.stderr.strip()[:300]}"
        return ""
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------
# The matrix

class Progress:
    def __init__(self, total):
        self.total = total
        self.done = 0
        self.start = time.monotonic()
        self.tty = sys.stderr.isatty()

    def show(self, what, result):
        self.done += 1
        el = time.monotonic() - self.start
        eta = el / self.done * (self.total - self.done)
        line = f"[{self.done:>4}/{self.total}] {what:<44} {result:<24} eta {eta / 60:4.1f} min"
        if self.tty:
            sys.stderr.write("\r" + line[:150].ljust(150))
            if self.done == self.total:
                sys.stderr.write("\n")
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def note(self, text):
        if self.tty:
            sys.stderr.write("\n")
        log(text)


def attempt(fn, retries=1):
    """A run, retried once: a port taken between choosing and binding, say."""
    for i in range(retries + 1):
        try:
            return fn(), None
        except RunError as e:
            err = str(e)
    return None, err


def calibrate_fanout(tools, side, subs, args):
    cap = args.fanout_count.get(subs, FANOUT_MAX_COUNT.get(subs, 50_000))
    probe = max(200, cap // 100)
    r, err = attempt(lambda: run_fanout(tools, side, subs, args.fanout_size, probe,
                                        args.fanout_mode, args.timeout))
    if err or not r or not r["value"]:
        return cap, err
    want = int(r["value"] * FANOUT_SECONDS)
    return max(probe, min(cap, want)), None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build-bench"),
                    help="build directory (configured here as Release with -DZMTP_BUILD_BENCH=ON if it "
                         "has no CMakeCache.txt; default: build-bench)")
    ap.add_argument("--no-build", action="store_true", help="use the tools already built")
    ap.add_argument("--baseline", metavar="DIR",
                    help="a second build directory (another commit's, built with ZMTP_BUILD_BENCH=ON) "
                         "whose tools run as sides base, base-async, base-await beside ours: a "
                         "before/after comparison in one interleaved run")
    ap.add_argument("--out", help="output directory (default bench/results, or bench/results-quick)")
    ap.add_argument("--reps", type=int, help="repetitions per cell (default 5; 1 with --quick)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke-sized: 1 repetition, 1/20 of the counts, fan-out to 1 and 8, 1000 idle peers")
    ap.add_argument("--smoke", action="store_true",
                    help="just prove our four perf tools (blocking and async) pair up; no files (ctest)")
    ap.add_argument("--only", default="thr,lat,curve,inproc,poll,fanout,mem,perf",
                    help="comma list of thr, lat, curve, inproc, poll, fanout, mem, perf (default: "
                         "all; perf needs --libzmq-perf)")
    ap.add_argument("--libzmq-perf", metavar="SRC",
                    help="a libzmq 4.3.4 source tree (git clone -b v4.3.4 "
                         "https://github.com/zeromq/libzmq): its perf/ tools are built against the "
                         "system libzmq and run on both libraries (sides libzmq and ours), beside our "
                         "C++ tools (ours-c++)")
    ap.add_argument("--sizes", help="comma list of message sizes in bytes (default 16,64,1024,65536,1048576)")
    ap.add_argument("--sides", help="comma list of sides to run (default: all of ours, ours-async, "
                    "ours-await (throughput only), libzmq, ours->libzmq, libzmq->ours, raw-tcp)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every message count by this")
    ap.add_argument("--fanout-subs", help="comma list of subscriber counts (default 1,8,64)")
    ap.add_argument("--fanout-size", type=int, default=FANOUT_SIZE)
    ap.add_argument("--fanout-mode", choices=["nodrop", "drop"], default="nodrop",
                    help="nodrop: lossless, publisher paced by the slowest subscriber (default); "
                         "drop: PUB's dropping at the high-water mark")
    ap.add_argument("--idle-peers", type=int, help=f"idle connections (default {IDLE_CONNECTIONS}, "
                    "scaled down to fit RLIMIT_NOFILE's hard limit)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per run before it is killed")
    ap.add_argument("--cpus", help="confine every tool process to these CPUs (e.g. 0 or 0-1): on a VM, "
                    "latency measured across two idle vCPUs is mostly the hypervisor's wake-up time")
    args = ap.parse_args()

    global CPU_SET
    if args.cpus:
        CPU_SET = parse_cpus(args.cpus)
    build_dir = os.path.abspath(args.build_dir)
    build(build_dir, args.no_build)
    tools = find_tools(build_dir)
    if args.baseline:
        add_baseline(tools, os.path.abspath(args.baseline))

    if args.smoke:
        return smoke(tools, args)

    reps = args.reps or (1 if args.quick else 5)
    args.reps = reps
    scale = args.scale / (20 if args.quick else 1)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else SIZES
    only = set(args.only.split(","))
    fan_subs = [int(s) for s in args.fanout_subs.split(",")] if args.fanout_subs else \
        ([1, 8] if args.quick else FANOUT_SUBS)
    args.fanout_count = {n: max(100, int(FANOUT_MAX_COUNT.get(n, 50_000) * scale)) for n in fan_subs}
    wanted_sides = set(args.sides.split(",")) if args.sides else None
    out_dir = os.path.abspath(args.out or os.path.join(HERE, "results-quick" if args.quick else "results"))
    os.makedirs(out_dir, exist_ok=True)
    notes = []
    if args.libzmq_perf:
        build_libzmq_perf(os.path.abspath(args.libzmq_perf), build_dir, tools, notes)
    elif "perf" in only and args.only != ap.get_default("only"):
        sys.exit("--only perf needs --libzmq-perf SRC (a libzmq 4.3.4 source tree)")

    def sides_of(table):
        res = []
        for side, pair in table.items():
            if wanted_sides and side not in wanted_sides:
                continue
            missing = [t.partition(":")[0] for t in pair if t.partition(":")[0] not in tools]
            if missing:
                msg = f"side {side} skipped: {', '.join(missing)} not built (libzmq3-dev missing?)"
                if msg not in notes:
                    notes.append(msg)
                continue
            res.append(side)
        return res

    def count_of(table, size):
        # A size not in the table takes the count of the nearest one that is.
        known = min(table, key=lambda k: abs(k - size) / max(k, size))
        return max(10, int(table[known] * scale))

    hard = fd_hard_limit()
    idle = args.idle_peers or (1000 if args.quick else IDLE_CONNECTIONS)
    if hard and hard != -1 and idle + 300 > hard:
        scaled = max(100, hard - 300)
        notes.append(f"idle peers scaled down from {idle} to {scaled}: RLIMIT_NOFILE hard limit is {hard}")
        idle = scaled

    # The plan: per size, per repetition, every side once, order rotated each repetition.
    plan = []

    def interleave(test, params, sides, make):
        for p in params:
            for rep in range(reps):
                k = rep % len(sides) if sides else 0
                for side in sides[k:] + sides[:k]:
                    plan.append((test, p, side, rep, make))

    if "thr" in only:
        s = sides_of(THR_SIDES)
        interleave("thr", sizes, s, lambda side, p: run_thr(tools, side, p, count_of(THR_COUNT, p),
                                                            args.timeout))
    if "lat" in only:
        s = sides_of(LAT_SIDES)
        interleave("lat", sizes, s, lambda side, p: run_lat(tools, side, p, count_of(LAT_COUNT, p),
                                                            args.timeout))
    if "curve" in only:
        s = sides_of(CURVE_THR_SIDES)
        interleave("cthr", list(CURVE_SIZES), s, lambda side, p: run_thr(
            tools, side, p, count_of(THR_COUNT, p) // 4, args.timeout, CURVE_THR_SIDES))
        s = sides_of(CURVE_LAT_SIDES)
        interleave("clat", list(CURVE_SIZES), s, lambda side, p: run_lat(
            tools, side, p, count_of(LAT_COUNT, p), args.timeout, CURVE_LAT_SIDES))
    if "inproc" in only:
        s = sides_of(INPROC_SIDES)
        inproc_sizes = [z for z in sizes if z <= 64 * KIB]
        interleave("ithr", inproc_sizes, s, lambda side, p: run_inproc(
            tools, "ithr", side, p, count_of(THR_COUNT, p), args.timeout))
        interleave("ilat", inproc_sizes, s, lambda side, p: run_inproc(
            tools, "ilat", side, p, 10 * count_of(LAT_COUNT, p), args.timeout))
    if "poll" in only:
        s = sides_of(POLL_SIDES)
        interleave("poll", [POLL_IDLE], s, lambda side, p: run_poll(
            tools, side, p, max(1000, int(POLL_COUNT * scale)), args.timeout))
    if "perf" in only and args.libzmq_perf:
        perf_sizes = [z for z in sizes if z in PERF_SIZES] or list(PERF_SIZES)
        s = sides_of(PERF_THR_SIDES)
        interleave("pthr", perf_sizes, s, lambda side, p: run_thr(
            tools, side, p, count_of(THR_COUNT, p), args.timeout, PERF_THR_SIDES))
        s = sides_of(PERF_LAT_SIDES)
        interleave("plat", perf_sizes, s, lambda side, p: run_lat(
            tools, side, p, count_of(LAT_COUNT, p), args.timeout, PERF_LAT_SIDES))
        s = sides_of(PERF_INPROC_SIDES)
        interleave("pithr", perf_sizes, s, lambda side, p: run_inproc(
            tools, "pithr", side, p, count_of(THR_COUNT, p), args.timeout, PERF_INPROC_SIDES))
        interleave("pilat", perf_sizes, s, lambda side, p: run_inproc(
            tools, "pilat", side, p, 10 * count_of(LAT_COUNT, p), args.timeout, PERF_INPROC_SIDES))
    fan_counts = {}
    if "fanout" in only:
        s = sides_of(FANOUT_SIDES)
        interleave("fanout", fan_subs, s,
                   lambda side, p: run_fanout(tools, side, p, args.fanout_size, fan_counts[(side, p)],
                                              args.fanout_mode, args.timeout))
    if "mem" in only:
        s = sides_of(MEM_SIDES)
        interleave("mem", [idle], s, lambda side, p: run_mem(tools, side, p, args.timeout))

    load_start = load_line()
    uptime_start = sh(["uptime"])
    machine = machine_lines(build_dir)
    log(f"== {len(plan)} runs, {reps} repetition(s); load average {load_start}; results in {out_dir}")
    if os.cpu_count() and load_start != "?" and float(load_start.split(",")[0]) > 0.5 * os.cpu_count():
        log("   (the machine is busy: expect noisy numbers)")

    rows = []
    progress = Progress(len(plan))
    for test, p, side, rep, make in plan:
        if test == "fanout" and (side, p) not in fan_counts:
            fan_counts[(side, p)], err = (args.fanout_count[p], None) if args.quick else \
                calibrate_fanout(tools, side, p, args)
            if err:
                progress.note(f"   calibration of fan-out {side} x{p} failed ({err}); using {fan_counts[(side, p)]}")
        what = f"{test} {size_name(p) if test in SIZED_TESTS else p} {side} rep {rep + 1}/{reps}"
        r, err = attempt(lambda: make(side, p))
        row = dict(test=test, param=p, side=side, rep=rep + 1)
        if err:
            row.update(error=err, value=None)
            progress.show(what, "FAILED")
            progress.note(f"   {what}: {err}")
        else:
            row.update(r)
            unit = {"thr": "msg/s", "lat": "us", "fanout": "msg/s/sub", "mem": "B/conn",
                    "ithr": "msg/s", "ilat": "us", "poll": "msg/s", "cthr": "msg/s", "clat": "us",
                    "pthr": "msg/s", "plat": "us", "pithr": "msg/s", "pilat": "us"}[test]
            value = f"{r['value']:.2f}" if test in ("lat", "ilat", "clat", "plat", "pilat") else human(r["value"])
            progress.show(what, f"{value} {unit}")
        rows.append(row)

    load_end = load_line()
    uptime_end = sh(["uptime"])
    summary = summarise(rows)
    tgts = targets(summary, sizes, fan_subs if "fanout" in only else [])
    write_csv(os.path.join(out_dir, "results.csv"), rows)
    write_summary_csv(os.path.join(out_dir, "summary.csv"), summary)
    chart_note = write_chart(out_dir, summary, sizes, fan_subs)
    busy = ""
    try:
        if float(load_start.split(",")[0]) > 0.5 * (os.cpu_count() or 1):
            busy = " — **the machine was busy** (load above half the CPU count): treat the numbers as rough"
    except ValueError:
        pass
    with open(os.path.join(out_dir, "machine.md"), "w") as f:
        f.write("# Machine\n\n" + "\n".join(machine) + "\n")
        f.write(f"\n## Load\n\n- `uptime` at the start: {uptime_start}\n- `uptime` at the end: {uptime_end}\n"
                f"- {os.cpu_count()} CPUs; a load average above that means runnable work was waiting{busy}\n"
                f"- CPU affinity of the tools: {args.cpus or 'none'}\n")
    write_markdown(os.path.join(out_dir, "results.md"), args, summary, rows, tgts, sizes, fan_subs,
                   notes, load_start, load_end, chart_note)
    if chart_note:
        log(chart_note)
    failed = sum(1 for r in rows if r.get("error"))
    log(f"== done: {len(rows) - failed} runs ok, {failed} failed; see {out_dir}/results.md")
    return 1 if failed else 0


def smoke(tools, args):
    """Our four perf tools, blocking and async (and the cross pairs when the
    libzmq baseline is built), for a tiny count: do they pair and print?"""
    cases = [("thr", "ours"), ("thr", "ours-async"), ("lat", "ours"), ("lat", "ours-async")]
    if all(t in tools for t in ("libzmq_local_thr", "libzmq_remote_thr")):
        cases += [("thr", "ours->libzmq"), ("thr", "libzmq->ours")]
    passed = failed = 0
    for test, side in cases:
        table = THR_SIDES if test == "thr" else LAT_SIDES
        missing = [t.partition(":")[0] for t in table[side] if t.partition(":")[0] not in tools]
        if missing and side == "ours-async":
            # Not built where Asio has no co_await (clang 14): bench/CMakeLists.txt says so.
            print(f"skip {test} {side}: not built: {', '.join(missing)}")
            continue
        if missing:
            print(f"FAIL {test} {side}: not built: {', '.join(missing)}")
            failed += 1
            continue
        for size in (16, 70_000):  # an inline frame and a large one
            fn = (lambda: run_thr(tools, side, size, 2000, 30)) if test == "thr" else \
                 (lambda: run_lat(tools, side, size, 100, 30))
            r, err = attempt(fn)
            if err:
                print(f"FAIL {test} {side} {size} B: {err}")
                failed += 1
            else:
                print(f"ok   {test} {side} {size} B: {r['value']:g} {r['unit']}")
                passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

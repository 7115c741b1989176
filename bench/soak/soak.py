#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Soak run: mixed PUSH/PULL, PUB/SUB and REQ/REP traffic between our
programs and pyzmq programs for a long time (default 600 s), with peers
killed (SIGKILL) and restarted at random, while the RSS and descriptors of
our long-lived processes are sampled every second.

    bench/soak/soak.py --build BUILD_DIR [--duration S] [--out DIR] [--seed N]
                       [--rate N] [--python /usr/bin/python3]

BUILD_DIR is a build of this repository with the interop programs
(ZMTP_BUILD_INTEROP=ON, the default): BUILD_DIR/interop/robustness/rpeer.
The pyzmq side is interop/robustness/pyrole.py, run with /usr/bin/python3
(python3-zmq). Writes to --out (default bench/soak/results/):

    rss.csv       t_s, process, rss_kib, fds          (every second)
    events.csv    t_s, event, peer, detail            (kills, restarts)
    flows.csv     one line per flow: messages, losses, violations
    rss.png       RSS over time (gnuplot or matplotlib, if installed)
    summary.md    the verdict: losses against the documented semantics

The topology (L = long-lived, ours; R = killed and restarted at random):

    flow pushpull-in   R pyzmq PUSH "pp" + R our PUSH "op"  -> L our PULL (binds)
    flow pushpull-out  L our PUSH (connects)                -> R pyzmq PULL (binds)
    flow pubsub-out    L our PUB (binds) -> R pyzmq SUB x2 + R our SUB
    flow pubsub-in     R pyzmq PUB (binds)                  -> L our SUB (connects)
    flow reqrep-out    L our REQ (lazy pirate, connects)    -> R pyzmq REP (binds)
    flow reqrep-in     R pyzmq REQ (lazy pirate) + R our REQ -> L our REP (binds)

What counts as loss beyond the documented semantics:
  - PUSH/PULL: a receiver sees a sender's numbers out of order, twice, or
    with a hole while that sender's connection stayed up; our PUSH loses
    more than what was queued to the killed PULL (messages never arrive at
    any incarnation, beyond those in flight at a kill: reported, and a hole
    inside one incarnation's range is a violation).
  - PUB/SUB: a duplicate or reordering; a hole while connected and below
    the HWM (the rates here are far below what fills an HWM).
  - REQ/REP (lazy pirate): a wrong reply; a request never answered (our
    REQ's number stops advancing for good); duplicates at the REP are
    allowed (resends).
"""
import argparse
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
PYROLE = os.path.join(REPO, "interop", "robustness", "pyrole.py")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Proc:
    """A child printing lines (rpeer or pyrole.py); keeps stats and finals."""

    def __init__(self, name, argv, log_path):
        self.name = name
        self.argv = argv
        self.log = open(log_path, "a")
        self.log.write("# %s\n" % " ".join(argv))
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log)
        self.lock = threading.Lock()
        self.last_stat = {}
        self.finals = {}
        self.counts = {}  # line prefix -> count
        self.recv_log = []  # (id, seq) for --log receivers
        self.answers = []
        self.ready = threading.Event()
        self.done = threading.Event()
        self.start = time.monotonic()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            with self.lock:
                head = line.split(" ", 1)[0]
                self.counts[head] = self.counts.get(head, 0) + 1
                if head == "stat":
                    self.last_stat = dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
                elif head == "final":
                    f = line.split()
                    self.finals[f[1]] = dict(x.split("=", 1) for x in f[2:])
                elif head == "r":
                    _, ident, seq = line.split()
                    self.recv_log.append((ident, int(seq)))
                elif head == "a":
                    self.answers.append(int(line.split()[1]))
                elif head in ("event", "exhausted", "badreply", "fatal"):
                    self.log.write(line + "\n")
                elif head == "ready":
                    self.ready.set()
                elif head in ("sent", "answered"):
                    self.finals["_" + head] = int(line.split()[1])
        self.done.set()

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def kill(self):
        if self.alive():
            self.proc.kill()
        self.proc.wait()
        self.done.wait(10)

    def stop(self, timeout=30):
        if self.alive():
            try:
                self.proc.stdin.write(b"stop\n")
                self.proc.stdin.flush()
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return "did not exit within %d s of stop" % timeout
        self.done.wait(10)
        return None if self.proc.returncode == 0 else "exit code %s" % self.proc.returncode


def read_rss(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def count_fds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


class Soak:
    def __init__(self, args):
        self.args = args
        self.rpeer = os.path.join(os.path.abspath(args.build), "interop", "robustness", "rpeer")
        if not os.access(self.rpeer, os.X_OK):
            sys.exit("soak: %s not found (build with ZMTP_BUILD_INTEROP=ON: ninja -C %s rpeer)"
                     % (self.rpeer, args.build))
        if not os.path.exists(PYROLE):
            sys.exit("soak: %s not found" % PYROLE)
        self.out = os.path.abspath(args.out)
        os.makedirs(self.out, exist_ok=True)
        self.logdir = os.path.join(self.out, "logs")
        shutil.rmtree(self.logdir, ignore_errors=True)
        os.makedirs(self.logdir)
        self.rng = random.Random(args.seed)
        self.t0 = time.monotonic()
        self.events = []
        self.ep = {k: "tcp://127.0.0.1:%d" % free_port() for k in
                   ("pull_in", "push_out", "pub_out", "sub_in", "req_out", "rep_in")}
        self.gen = {}
        self.long = {}
        self.restartable = {}  # name -> Proc (current incarnation)
        self.history = {}  # name -> [Proc, ...] all incarnations
        self.down_until = {}  # name -> time it comes back

    def t(self):
        return time.monotonic() - self.t0

    def note(self, event, peer, detail=""):
        self.events.append((round(self.t(), 2), event, peer, detail))

    # Programs ---------------------------------------------------------------

    def ours(self, name, role, *extra):
        argv = [self.rpeer, role] + list(extra)
        return Proc(name, argv, os.path.join(self.logdir, name + ".log"))

    def pyz(self, name, role, *extra):
        argv = [self.args.python, "-B", PYROLE, role] + list(extra)
        return Proc(name, argv, os.path.join(self.logdir, name + ".log"))

    def start_long_lived(self):
        rate = str(self.args.rate)
        fast = ["--opt", "reconnect_ivl=100", "--opt", "reconnect_ivl_max=1000"]
        e = self.ep
        self.long = {
            "L-pull": self.ours("L-pull", "pull", "--bind", e["pull_in"]),
            "L-push": self.ours("L-push", "push", "--connect", e["push_out"], "--id", "Lpush",
                                "--rate", rate, "--size", "512", *fast),
            "L-pub": self.ours("L-pub", "pub", "--bind", e["pub_out"], "--id", "Lpub",
                               "--rate", rate, "--size", "128"),
            "L-sub": self.ours("L-sub", "sub", "--connect", e["sub_in"], *fast),
            "L-req": self.ours("L-req", "req", "--connect", e["req_out"], "--id", "Lreq",
                               "--rate", rate, "--opt", "req_timeout=1000",
                               "--opt", "req_retries=5", *fast),
            "L-rep": self.ours("L-rep", "rep", "--bind", e["rep_in"]),
        }
        for p in self.long.values():
            if not p.ready.wait(30):
                sys.exit("soak: %s did not start" % p.name)

    def spawn(self, name):
        """Starts (again) the restartable peer `name`."""
        g = self.gen.get(name, 0)
        self.gen[name] = g + 1
        ident = "%s%d" % (name.replace("-", ""), g)
        rate = str(self.args.rate)
        e = self.ep
        fast = ["--opt", "reconnect_ivl=100", "--opt", "reconnect_ivl_max=1000"]
        if name == "R-pypush":
            p = self.pyz(name, "push", "--connect", e["pull_in"], "--id", ident, "--rate", rate,
                         "--size", "256", *fast)
        elif name == "R-ourpush":
            p = self.ours(name, "push", "--connect", e["pull_in"], "--id", ident, "--rate", rate,
                          "--size", "1024", *fast)
        elif name == "R-pypull":
            p = self.pyz(name, "pull", "--bind", e["push_out"], "--log")
        elif name in ("R-pysub1", "R-pysub2"):
            p = self.pyz(name, "sub", "--connect", e["pub_out"], *fast)
        elif name == "R-oursub":
            p = self.ours(name, "sub", "--connect", e["pub_out"], *fast)
        elif name == "R-pypub":
            p = self.pyz(name, "pub", "--bind", e["sub_in"], "--id", ident, "--rate", rate,
                         "--size", "200")
        elif name == "R-pyrep":
            p = self.pyz(name, "rep", "--bind", e["req_out"])
        elif name == "R-pyreq":
            p = self.pyz(name, "req", "--connect", e["rep_in"], "--id", ident, "--rate", rate,
                         "--opt", "req_timeout=1000", "--opt", "req_retries=5", *fast)
        elif name == "R-ourreq":
            p = self.ours(name, "req", "--connect", e["rep_in"], "--id", ident, "--rate", rate,
                          "--opt", "req_timeout=1000", "--opt", "req_retries=5", *fast)
        else:
            raise ValueError(name)
        p.ident = ident
        self.restartable[name] = p
        self.history.setdefault(name, []).append(p)
        self.note("start", name, ident)
        return p

    # The run ----------------------------------------------------------------

    def run(self):
        names = ["R-pypush", "R-ourpush", "R-pypull", "R-pysub1", "R-pysub2", "R-oursub",
                 "R-pypub", "R-pyrep", "R-pyreq", "R-ourreq"]
        # Servers of the long-lived clients first, so they start talking at once.
        for n in names:
            self.spawn(n)
        self.start_long_lived()
        rss_rows = []
        next_kill = self.t() + self.rng.uniform(2, 6)
        next_sample = self.t()
        end = self.args.duration
        req_progress = []  # (t, L-req next)
        print("soak: %d s, seed %d, output %s" % (end, self.args.seed, self.out), flush=True)
        last_print = 0
        while self.t() < end:
            now = self.t()
            if now >= next_sample:
                for name, p in self.long.items():
                    rss_rows.append((round(now, 2), name, read_rss(p.pid), count_fds(p.pid)))
                    if not p.alive():
                        self.note("died", name, "exit code %s" % p.proc.returncode)
                with self.long["L-req"].lock:
                    req_progress.append((now, int(self.long["L-req"].last_stat.get("next", 0))))
                next_sample += 1.0
            # Bring back the peers whose downtime is over.
            for name, until in list(self.down_until.items()):
                if now >= until:
                    del self.down_until[name]
                    self.spawn(name)
            if now >= next_kill:
                up = [n for n in names if n not in self.down_until]
                victim = self.rng.choice(up)
                p = self.restartable[victim]
                p.kill()
                down = self.rng.uniform(0.2, 3.0)
                self.down_until[victim] = now + down
                self.note("kill", victim, "%s, down %.1f s" % (p.ident, down))
                next_kill = now + self.rng.uniform(2, 8)
            if now - last_print >= 30:
                last_print = now
                rs = ", ".join("%s %d MiB" % (n, (read_rss(p.pid) or 0) // 1024)
                               for n, p in self.long.items())
                print("soak: %4.0f s  %s" % (now, rs), flush=True)
            time.sleep(0.05)  # the scheduler's tick, not a synchronisation
        # Bring everybody back up, then stop the traffic and collect.
        for name in list(self.down_until):
            del self.down_until[name]
            self.spawn(name)
        time.sleep(2.0)  # let the restarted peers join (the end of the run is not measured)
        self.finish(rss_rows, req_progress)

    def finish(self, rss_rows, req_progress):
        problems = []
        # Senders first (they flush to the receivers), then the receivers.
        order = ["R-pypush", "R-ourpush", "L-push", "L-pub", "R-pypub", "L-req", "R-pyreq",
                 "R-ourreq"]
        for n in order:
            p = self.long.get(n) or self.restartable.get(n)
            err = p.stop()
            if err:
                problems.append("%s: %s" % (n, err))
        for n in ["L-pull", "L-sub", "L-rep", "R-pypull", "R-pysub1", "R-pysub2", "R-oursub",
                  "R-pyrep"]:
            p = self.long.get(n) or self.restartable.get(n)
            err = p.stop()
            if err:
                problems.append("%s: %s" % (n, err))
        flows = self.judge(problems, req_progress)
        self.write(rss_rows, flows, problems)

    # Verdicts ---------------------------------------------------------------

    def judge(self, problems, req_progress):
        flows = []
        L = self.long

        # pushpull-in: every sender incarnation, as seen by L-pull.
        fin = L["L-pull"].finals
        sent_in = rec_in = 0
        for name in ("R-pypush", "R-ourpush"):
            for p in self.history[name]:
                f = fin.get(p.ident)
                got = int(f["count"]) if f else 0
                sent = p.finals.get("_sent")
                if sent is None:
                    # Killed: its last report (up to a second old), or what
                    # arrived, whichever is more.
                    sent = max(int(p.last_stat.get("next", 0)), int(f["last"]) + 1 if f else 0)
                sent_in += sent
                rec_in += got
                if f and (int(f["dup"]) or int(f["gap"])):
                    problems.append("pushpull-in: %s: dup=%s gap=%s at L-pull" %
                                    (p.ident, f["dup"], f["gap"]))
                if f and int(f["first"]) != 0:
                    problems.append("pushpull-in: %s: first message seen is %s, not 0" %
                                    (p.ident, f["first"]))
        flows.append(("pushpull-in (pyzmq+our PUSH -> our PULL)", sent_in, rec_in,
                      "lost = messages queued in a PUSH when it was killed"))

        # pushpull-out: L-push's numbers over the PULL incarnations.
        sent = L["L-push"].finals.get("_sent", 0)
        seen = set()
        holes = 0
        for p in self.history["R-pypull"]:
            got = [s for i, s in p.recv_log if i == "Lpush"]
            if any(a >= b for a, b in zip(got, got[1:])):
                problems.append("pushpull-out: %s got numbers out of order or twice" % p.ident)
            again = seen.intersection(got)
            if again:
                problems.append("pushpull-out: %d numbers arrived twice (e.g. %s)" %
                                (len(again), sorted(again)[:5]))
            seen.update(got)
            if got:
                holes += (got[-1] - got[0] + 1) - len(set(got))
        if holes:
            problems.append("pushpull-out: %d numbers missing inside one PULL's range" % holes)
        flows.append(("pushpull-out (our PUSH -> pyzmq PULL)", sent, len(seen),
                      "lost = in flight to a killed PULL"))

        # pubsub-out: each SUB incarnation sees L-pub's numbers without dup/hole.
        pub_sent = L["L-pub"].finals.get("_sent", 0)
        total = dups = gaps = 0
        for name in ("R-pysub1", "R-pysub2", "R-oursub"):
            for p in self.history[name]:
                f = p.finals.get("Lpub")
                st = p.last_stat
                if f:
                    total += int(f["count"])
                    dups += int(f["dup"])
                    gaps += int(f["gap"])
                else:
                    total += int(st.get("recv", 0))
                    dups += int(st.get("dup", 0))
                    gaps += int(st.get("gap", 0))
        if dups:
            problems.append("pubsub-out: %d duplicates/reorderings at the SUBs" % dups)
        if gaps:
            problems.append("pubsub-out: %d messages missing while a SUB was connected" % gaps)
        flows.append(("pubsub-out (our PUB -> pyzmq SUB x2 + our SUB)", pub_sent, total,
                      "received summed over SUB incarnations; drops only while disconnected"))

        # pubsub-in: L-sub sees each PUB incarnation without dup/hole.
        fin = L["L-sub"].finals
        s_sent = s_got = 0
        for p in self.history["R-pypub"]:
            f = fin.get(p.ident)
            sent = p.finals.get("_sent")
            if sent is None:  # killed: as above
                sent = max(int(p.last_stat.get("next", 0)), int(f["last"]) + 1 if f else 0)
            s_sent += sent
            if f:
                s_got += int(f["count"])
                if int(f["dup"]) or int(f["gap"]):
                    problems.append("pubsub-in: %s: dup=%s gap=%s at L-sub" %
                                    (p.ident, f["dup"], f["gap"]))
        flows.append(("pubsub-in (pyzmq PUB -> our SUB)", s_sent, s_got,
                      "lost = before the SUB joined a new PUB, or queued in a killed PUB"))

        # reqrep-out: L-req always advances, every reply right.
        r = L["L-req"]
        answered = r.finals.get("_answered", int(r.last_stat.get("next", 0)))
        if r.counts.get("badreply"):
            problems.append("reqrep-out: %d wrong replies at L-req" % r.counts["badreply"])
        stall = longest_stall(req_progress)
        if stall > 30:
            problems.append("reqrep-out: L-req made no progress for %.0f s" % stall)
        flows.append(("reqrep-out (our REQ lazy pirate -> pyzmq REP)", answered, answered,
                      "every request answered; %d retry rounds exhausted; longest stall %.1f s"
                      % (r.counts.get("exhausted", 0), stall)))

        # reqrep-in: clients' replies right; L-rep served each client.
        fin = L["L-rep"].finals
        req_total = rep_dups = 0
        for name in ("R-pyreq", "R-ourreq"):
            for p in self.history[name]:
                if p.counts.get("badreply"):
                    problems.append("reqrep-in: %s got %d wrong replies" %
                                    (p.ident, p.counts["badreply"]))
                req_total += p.finals.get("_answered") or int(p.last_stat.get("next", 0))
                f = fin.get(p.ident)
                if f:
                    rep_dups += int(f["dup"])
        flows.append(("reqrep-in (pyzmq + our REQ lazy pirate -> our REP)", req_total, req_total,
                      "answered; %d resends seen at the REP (allowed)" % rep_dups))
        return flows

    # Output -----------------------------------------------------------------

    def write(self, rss_rows, flows, problems):
        with open(os.path.join(self.out, "rss.csv"), "w") as f:
            f.write("t_s,process,rss_kib,fds\n")
            for row in rss_rows:
                f.write("%s,%s,%s,%s\n" % row)
        with open(os.path.join(self.out, "events.csv"), "w") as f:
            f.write("t_s,event,peer,detail\n")
            for e in self.events:
                f.write("%s,%s,%s,\"%s\"\n" % e)
        with open(os.path.join(self.out, "flows.csv"), "w") as f:
            f.write("flow,sent_or_answered,received,note\n")
            for fl in flows:
                f.write("\"%s\",%d,%d,\"%s\"\n" % fl)
        png = plot(self.out, rss_rows, list(self.long))
        kills = [e for e in self.events if e[1] == "kill"]
        lines = ["# Soak run", "",
                 "- duration: %d s, seed %d, rate %d msg/s per sender, started %s" %
                 (self.args.duration, self.args.seed, self.args.rate,
                  time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() - self.t()))),
                 "- build: `%s`" % os.path.abspath(self.args.build),
                 "- peers killed (SIGKILL) and restarted: %d times (%s)" %
                 (len(kills), ", ".join("%s %d" % (n, sum(1 for k in kills if k[2] == n))
                                        for n in sorted(self.history))),
                 "", "## Verdict", ""]
        if problems:
            lines.append("**%d problem(s) beyond the documented semantics:**" % len(problems))
            lines += ["- " + p for p in problems]
        else:
            lines.append("No loss beyond the documented semantics; every process exited "
                         "cleanly at the end.")
        lines += ["", "## Flows", "",
                  "| flow | sent / answered | received | note |", "|---|---:|---:|---|"]
        for name, a, b, note in flows:
            lines.append("| %s | %d | %d | %s |" % (name, a, b, note))
        lines += ["", "## Memory of the long-lived processes (ours)", "",
                  "| process | RSS at 10 s | RSS at end | max | last-half slope | fds start/end |",
                  "|---|---:|---:|---:|---:|---|"]
        for name in self.long:
            rows = [r for r in rss_rows if r[1] == name and r[2] is not None]
            if not rows:
                continue
            first = next((r for r in rows if r[0] >= 10), rows[0])
            half = [r for r in rows if r[0] >= rows[-1][0] / 2]
            slope = fit_slope([(r[0], r[2]) for r in half]) * 60  # KiB per minute
            lines.append("| %s | %.1f MiB | %.1f MiB | %.1f MiB | %+.1f KiB/min | %s/%s |" %
                         (name, first[2] / 1024, rows[-1][2] / 1024, max(r[2] for r in rows) / 1024,
                          slope, first[3], rows[-1][3]))
        lines += ["", "RSS plot: %s" % (("`%s`" % os.path.basename(png)) if png else
                                         "not drawn (neither gnuplot nor matplotlib is installed); "
                                         "see rss.csv"),
                  "", "Files: rss.csv (every second), events.csv (kills/restarts), flows.csv, "
                  "logs/ (each process's events and stderr)."]
        with open(os.path.join(self.out, "summary.md"), "w") as f:
            f.write("\n".join(lines) + "\n")
        print("\n".join(lines))
        return 1 if problems else 0


def longest_stall(progress):
    """Longest time (s) the counter did not move."""
    worst = 0.0
    last_t, last_v = None, None
    for t, v in progress:
        if last_v is None or v != last_v:
            last_t, last_v = t, v
        else:
            worst = max(worst, t - last_t)
    return worst


def fit_slope(points):
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    den = sum((p[0] - mx) ** 2 for p in points)
    return sum((p[0] - mx) * (p[1] - my) for p in points) / den if den else 0.0


def plot(out, rss_rows, names):
    """rss.png with gnuplot or matplotlib; returns its path, or None."""
    png = os.path.join(out, "rss.png")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(10, 5))
        for n in names:
            rows = [r for r in rss_rows if r[1] == n and r[2] is not None]
            ax.plot([r[0] for r in rows], [r[2] / 1024 for r in rows], label=n)
        ax.set_xlabel("time (s)")
        ax.set_ylabel("RSS (MiB)")
        ax.set_title("soak: RSS of the long-lived processes")
        ax.legend()
        fig.savefig(png, dpi=100)
        return png
    except ImportError:
        pass
    if shutil.which("gnuplot"):
        datfiles = []
        for n in names:
            path = os.path.join(out, "logs", "rss-%s.dat" % n)
            with open(path, "w") as f:
                for r in rss_rows:
                    if r[1] == n and r[2] is not None:
                        f.write("%s %.3f\n" % (r[0], r[2] / 1024))
            datfiles.append((n, path))
        script = ["set terminal pngcairo size 1000,500" if gnuplot_has("pngcairo")
                  else "set terminal png size 1000,500",
                  "set output '%s'" % png, "set xlabel 'time (s)'", "set ylabel 'RSS (MiB)'",
                  "set title 'soak: RSS of the long-lived processes'", "set key outside",
                  "set yrange [0:*]",
                  "plot " + ", ".join("'%s' using 1:2 with lines title '%s'" % (p, n)
                                      for n, p in datfiles)]
        r = subprocess.run(["gnuplot"], input="\n".join(script).encode(),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode == 0 and os.path.exists(png):
            return png
        sys.stderr.write("soak: gnuplot failed: %s\n" % r.stderr.decode(errors="replace"))
    return None


def gnuplot_has(term):
    r = subprocess.run(["gnuplot", "-e", "set terminal"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    return term in r.stdout.decode(errors="replace")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", required=True, help="build directory (with interop programs)")
    ap.add_argument("--duration", type=int, default=600, help="seconds (default 600)")
    ap.add_argument("--out", default=os.path.join(HERE, "results"), help="output directory")
    ap.add_argument("--seed", type=int, default=1, help="random seed of the kill schedule")
    ap.add_argument("--rate", type=int, default=200, help="messages per second per sender")
    ap.add_argument("--python", default="/usr/bin/python3", help="python with pyzmq")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    soak = Soak(args)
    try:
        soak.run()
    finally:
        for plist in soak.history.values():
            for p in plist:
                if p.alive():
                    p.proc.kill()
        for p in soak.long.values():
            if p.alive():
                p.proc.kill()
    summary = open(os.path.join(soak.out, "summary.md")).read()
    return 1 if "problem(s)" in summary else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make bench-bpfstats: the run time of each of evtrace's BPF programs.

Starts evload's eventfd ping-pong on one CPU (the bench-overhead workload),
attaches `evtrace attach -v -p PID` to it, enables kernel.bpf_stats_enabled
and reads each program's run_cnt and run_time_ns (bpftool prog show) twice,
SPAN seconds apart, in the steady state: ns per run is the delta between
the two readings. bpf_stats' own clock reads are in every figure alike: the
floor (EVTRACE_HOOKS_ONLY=1, every program returning at once) shows them.

    bpf_stats.py [NAME=EVTRACE ...]

With several evtrace binaries (NAME=PATH, e.g. before=/tmp/old/evtrace
after=build/evtrace), they run interleaved in rounds (ROUNDS of each) and
the table has the median ns/run of each program per binary, side by side;
the pseudo-name floor runs the first binary with EVTRACE_HOOKS_ONLY=1.
Last lines: ns/round trip, the programs' time above the floor's (per run)
per round trip of the ping-pong (its threads' voluntary context switches
/ 2), other users' syscalls included; and the round trips per second.
A benchmark: prints figures, exits non-zero only when it cannot measure.

Environment: BUILD [build], EVTRACE, EVLOAD, BPFSTATS_SPAN [3] s,
BPFSTATS_ROUNDS [3], BPFSTATS_ARGS extra evtrace options (e.g.
--no-dispatch), BPFSTATS_LOAD [eventfd --pattern pingpong --cpu same]
evload's arguments.
"""
import json, os, re, signal, statistics, subprocess, sys, time

build = os.environ.get("BUILD", "build")
evtrace = os.environ.get("EVTRACE", os.path.join(build, "evtrace"))
evload = os.environ.get("EVLOAD", os.path.join(build, "evload"))
span = float(os.environ.get("BPFSTATS_SPAN", "3"))
rounds = int(os.environ.get("BPFSTATS_ROUNDS", "3"))
extra = os.environ.get("BPFSTATS_ARGS", "").split()
load = os.environ.get("BPFSTATS_LOAD", "eventfd --pattern pingpong --cpu same").split()
sysctl = "/proc/sys/kernel/bpf_stats_enabled"


def die(msg):
    sys.exit("bench-bpfstats: " + msg)


def progs(ids):
    out = {}
    for i in ids:
        p = subprocess.run(["bpftool", "-j", "prog", "show", "id", str(i)], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
        if p.returncode:
            die("bpftool prog show id %s failed" % i)
        o = json.loads(p.stdout)
        out[i] = (o.get("name", "?"), o.get("run_cnt", 0), o.get("run_time_ns", 0))
    return out


def switches(pid):
    """Voluntary context switches of all threads of pid: one per event of
    the ping-pong (each side sleeps in epoll_wait for each event)."""
    n = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            for line in open("/proc/%d/task/%s/status" % (pid, tid)):
                if line.startswith("voluntary_ctxt_switches:"):
                    n += int(line.split()[1])
        except OSError:
            pass
    return n


def measure(evtrace, env):
    """One run: {program: (runs per s, ns per run)}."""
    old = open(sysctl).read().strip()
    dur = int(span * 2 + 8)
    ld = subprocess.Popen([evload, *load, "--duration", str(dur + 4), "--json"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tr = None
    try:
        time.sleep(0.5)
        tr = subprocess.Popen([evtrace, "attach", "-v", "-p", str(ld.pid), "-d", str(dur), *extra],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        ids = None
        t0 = time.monotonic()
        for raw in tr.stdout:
            m = re.search(r"BPF program ids: ([\d ]+)", raw.decode(errors="replace"))
            if m:
                ids = m.group(1).split()
                break
            if time.monotonic() - t0 > 30:
                break
        if not ids:
            die("no 'BPF program ids:' line from evtrace attach -v")
        open(sysctl, "w").write("1")
        time.sleep(1.5)
        a = progs(ids)
        v0 = switches(ld.pid)
        w0 = time.monotonic()
        time.sleep(span)
        b = progs(ids)
        wall = time.monotonic() - w0
        rtts = (switches(ld.pid) - v0) / 2
    finally:
        open(sysctl, "w").write(old)
        for p in (tr, ld):
            if p and p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in (tr, ld):
            if p:
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
    out = {"": (rtts / wall, 0)}
    for i in ids:
        n, c0, t0 = a[i]
        _, c1, t1 = b[i]
        if c1 > c0:
            out[n] = ((c1 - c0) / wall, (t1 - t0) / (c1 - c0))
    return out


def main():
    if os.geteuid():
        die("needs root (BPF programs, kernel.bpf_stats_enabled)")
    bins = []
    for a in sys.argv[1:]:
        name, _, path = a.partition("=")
        if not path:
            die("usage: bpf_stats.py [NAME=EVTRACE ...]")
        bins.append((name, path))
    bins = bins or [("evtrace", evtrace)]
    bins.append(("floor", bins[-1][1]))  # the floor of the last build named
    for _, f in bins + [("evload", evload)]:
        if not os.access(f, os.X_OK):
            die("missing " + f)
    res = {name: [] for name, _ in bins}
    for r in range(rounds):
        for k in range(len(bins)):
            name, path = bins[(k + r) % len(bins)]
            env = dict(os.environ)
            if name == "floor":
                env["EVTRACE_HOOKS_ONLY"] = "1"
            res[name].append(measure(path, env))
    print("evtrace attach %s on evload %s: ns/run (runs/s), median of %d rounds of %.0f s" %
          (" ".join(extra) or "(defaults)", " ".join(load), rounds, span))
    progs = []
    for name, _ in bins:
        for m in res[name]:
            progs += [p for p in m if p not in progs]
    print("%-16s" % "program" + "".join("%18s" % name for name, _ in bins))
    for p in progs:
        if not p:
            continue
        row = "%-16s" % p
        for name, _ in bins:
            v = [m[p] for m in res[name] if p in m]
            row += "%18s" % ("%.0f (%.0fk)" % (statistics.median(x[1] for x in v),
                                               statistics.median(x[0] for x in v) / 1000)
                             if v else "-")
        print(row)
    # the programs' time above the floor's per run, per round trip of the
    # ping-pong (its voluntary switches / 2): what evtrace adds to each
    fl = {p: statistics.median(m[p][1] for m in res["floor"] if p in m) for p in progs
          if p and any(p in m for m in res["floor"])}
    row = "%-16s" % "ns/round trip"
    for name, _ in bins:
        v = []
        for m in res[name]:
            rate = m[""][0]
            if rate:
                v.append(sum(m[p][0] * (m[p][1] - fl.get(p, 0)) for p in m if p) / rate)
        row += "%18s" % ("%.0f" % statistics.median(v) if v else "-")
    print(row)
    print("%-16s" % "round trips/s" + "".join("%18s" % ("%.0fk" % (statistics.median(
        m[""][0] for m in res[name]) / 1000)) for name, _ in bins))


main()

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make bench-cpu: the CPU time evtrace adds to each event of the ping-pong.

evload's eventfd ping-pong on one CPU (the bench-overhead workload), run
untraced, under the floor (EVTRACE_HOOKS_ONLY=1: evtrace's programs on the
same hooks, each returning at once) and under each evtrace binary given,
interleaved in rounds (the order rotated by one each round). The figure is
evload's own CPU time per event (both threads, getrusage: the BPF programs
run in their context), which other users of a loaded machine disturb far
less than a round-trip time. Prints per condition the median CPU per event,
its excess over the floor of the same round, its ratio to the first binary
of the same round, and the median round-trip p50 ratio to the untraced run.

    cpu_per_event.py [NAME=EVTRACE ...]   (default: evtrace=$BUILD/evtrace)

Environment: BUILD [build], EVLOAD, CPU_ROUNDS [15], CPU_COUNT [20000].
A benchmark: prints figures, exits non-zero only when it cannot measure.
"""
import json, os, signal, statistics as st, subprocess, sys, tempfile

build = os.environ.get("BUILD", "build")
evload = os.environ.get("EVLOAD", os.path.join(build, "evload"))
rounds = int(os.environ.get("CPU_ROUNDS", "15"))
count = os.environ.get("CPU_COUNT", "20000")


def die(msg):
    sys.exit("bench-cpu: " + msg)


def objects(text):
    dec, out, i = json.JSONDecoder(), [], 0
    while True:
        i = text.find("{", i)
        if i < 0:
            return out
        try:
            o, i = dec.raw_decode(text, i)
            out.append(o)
        except ValueError:
            i += 1


def run(evtrace, env, report):
    cmd = [evload, "eventfd", "--pattern", "pingpong", "--cpu", "same", "--count", count, "--json"]
    if evtrace:
        cmd = [evtrace, "run", "--json", report, "--"] + cmd
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       env={**os.environ, **env})
    objs = [o for o in objects(p.stdout.decode(errors="replace")) if "cpu_ns_per_event" in o]
    if p.returncode or not objs:
        die("%s failed (exit %d)" % (" ".join(cmd), p.returncode))
    o = objs[-1]
    c, d = o["cpu_ns_per_event"], o["latency_by_direction_ns"]
    return c["sender"] + c["receiver"], d["forward"]["p50"] + d["reply"]["p50"]


def main():
    if os.geteuid():
        die("needs root (evtrace loads BPF programs)")
    bins = []
    for a in sys.argv[1:]:
        name, _, path = a.partition("=")
        if not path:
            die("usage: cpu_per_event.py [NAME=EVTRACE ...]")
        bins.append((name, path, {}))
    bins = bins or [("evtrace", os.path.join(build, "evtrace"), {})]
    conds = [("untraced", None, {}), ("floor", bins[0][1], {"EVTRACE_HOOKS_ONLY": "1"})] + bins
    for _, f, _ in conds[1:]:
        if not os.access(f, os.X_OK):
            die("missing " + f)
    if not os.access(evload, os.X_OK):
        die("missing " + evload)
    cpu = {c[0]: [] for c in conds}
    rtt = {c[0]: [] for c in conds}
    # kernel.bpf_stats_enabled=1 (left on) times every program run, the
    # floor's too: off while measuring, as found afterwards
    sysctl = "/proc/sys/kernel/bpf_stats_enabled"
    try:
        old = open(sysctl).read().strip()
    except OSError:
        old = "0"
    # SIGTERM too goes through the finally below
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        if old != "0":
            try:
                open(sysctl, "w").write("0")
            except OSError as e:
                old = "0"
                die("kernel.bpf_stats_enabled is on and cannot be turned off (%s): every traced "
                    "figure would be too high" % e)
            print("bench-cpu: kernel.bpf_stats_enabled was on: off while measuring", file=sys.stderr)
        with tempfile.TemporaryDirectory() as tmp:
            for r in range(rounds):
                for k in range(len(conds)):
                    name, tr, env = conds[(k + r) % len(conds)]
                    c, t = run(tr, env, os.path.join(tmp, "report.json"))
                    cpu[name].append(c)
                    rtt[name].append(t)
    finally:
        if old != "0":
            try:
                open(sysctl, "w").write(old)
            except OSError as e:
                print("bench-cpu: could not set kernel.bpf_stats_enabled back to %s: %s" % (old, e),
                      file=sys.stderr)
    first = bins[0][0]
    print("evload eventfd --pattern pingpong --cpu same --count %s: %d rounds, medians" % (count, rounds))
    print("%-10s %14s %14s %10s %14s" % ("condition", "cpu/event", "over floor", "cpu/" + first,
                                         "RTT/untraced"))
    for name, _, _ in conds:
        over = [a - f for a, f in zip(cpu[name], cpu["floor"])]
        rel = [a / b for a, b in zip(cpu[name], cpu[first])]
        rr = [a / b for a, b in zip(rtt[name], rtt["untraced"])]
        print("%-10s %11.0f ns %11.0f ns %10.3f %14.2f" % (name, st.median(cpu[name]), st.median(over),
                                                         st.median(rel), st.median(rr)))


main()

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""evload's tests: every kind, pattern and mode with small counts.

Asserts behaviour, counts and bounds, never absolute timings:
  - sent = received + coalesced + lost for every run, and exact counts where
    the mechanism queues (every ping-pong, RT signals, eventfd semaphore,
    pipe, one-shot timers);
  - the JSON (one object, nothing else on stdout) carries the fields;
  - the daemon accounts for every job through a SIGTERM sent mid-run;
  - bad input: one line on stderr, exit 2;
  - a receiver killed or stopped mid-run makes the sender exit non-zero
    within a bounded time.

usage: evload_test.py [--evload PATH] [-j JOBS] [-k SUBSTRING]
"""
import argparse
import atexit
import concurrent.futures as cf
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

EVLOAD = "build/evload"
FAILS = []
COUNT = 0

HIST_KEYS = ("min", "p50", "p90", "p99", "p999", "max", "mean")
SETTINGS_KEYS = ("pinning", "policy", "threads", "processes", "sender_pid",
                 "sender_tid", "receiver_pid", "receiver_tid", "kernel",
                 "virtualised")
TOP_KEYS = ("mechanism", "pattern", "settings", "sent", "received",
            "coalesced", "lost", "latency_ns", "throughput_eps",
            "cpu_ns_per_event")


class Failure(Exception):
    pass


class Skip(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def run(args, timeout=60, env=None, prefix=()):
    t0 = time.monotonic()
    p = subprocess.run(list(prefix) + [EVLOAD] + args, capture_output=True,
                       text=True, timeout=timeout, env=env)
    return p, time.monotonic() - t0


def run_json(args, timeout=60):
    p, _ = run(args + ["--json"], timeout)
    check(p.returncode == 0, f"exit {p.returncode}: {p.stderr.strip()}")
    try:
        j = json.loads(p.stdout)
    except ValueError as e:
        raise Failure(f"stdout is not one JSON object ({e}): {p.stdout[:200]!r}")
    check(isinstance(j, dict), "JSON is not an object")
    return j


def check_common(j, kind, pattern):
    for k in TOP_KEYS:
        check(k in j, f"JSON lacks {k}")
    check(j["mechanism"] == kind, f"mechanism {j['mechanism']} != {kind}")
    check(j["pattern"] == pattern, f"pattern {j['pattern']} != {pattern}")
    for k in SETTINGS_KEYS:
        check(k in j["settings"], f"settings lacks {k}")
    lat = j["latency_ns"]
    for k in HIST_KEYS + ("count",):
        check(k in lat, f"latency_ns lacks {k}")
    if lat["count"]:
        chain = [lat[k] for k in ("min", "p50", "p90", "p99", "p999", "max")]
        check(chain == sorted(chain), f"percentiles not ordered: {chain}")
        check(lat["min"] <= lat["mean"] <= lat["max"], "mean outside [min, max]")
    check(lat["count"] == j["received"],
          f"latency samples {lat['count']} != received {j['received']}")
    s, r, c, l = j["sent"], j["received"], j["coalesced"], j["lost"]
    check(s == r + c + l, f"sent {s} != received {r} + coalesced {c} + lost {l}")
    check(j["error"] is None, f"error: {j['error']}")
    for k in ("sender", "receiver"):
        check(k in j["cpu_ns_per_event"], f"cpu_ns_per_event lacks {k}")


def check_sides(j, processes):
    st = j["settings"]
    check(st["processes"] == processes and st["threads"] == (not processes),
          "threads/processes setting wrong")
    for k in ("sender_pid", "sender_tid", "receiver_pid", "receiver_tid"):
        check(isinstance(st[k], int) and st[k] > 0, f"settings.{k} = {st[k]}")
    if processes:
        check(st["sender_pid"] != st["receiver_pid"], "processes share a pid")
    else:
        check(st["sender_pid"] == st["receiver_pid"], "threads in two pids")
        check(st["sender_tid"] != st["receiver_tid"], "sender and receiver share a tid")
    for k in ("sender", "receiver"):
        v = j["cpu_ns_per_event"][k]
        check(isinstance(v, (int, float)) and v > 0, f"cpu_ns_per_event.{k} = {v}")


# ---- the traffic matrix ------------------------------------------------------

def t_traffic(kind, pattern, mode, extra=(), exact=True, count=None):
    """exact: the mechanism queues, so received == sent, nothing coalesced."""
    n = count or (300 if pattern == "pingpong" else 2000)
    j = run_json([kind, "--pattern", pattern, "--" + mode, "--count", str(n)] + list(extra))
    check_common(j, kind, pattern)
    check_sides(j, mode == "processes")
    check(j["unmatched"] == 0, f"unmatched {j['unmatched']}")
    check(j["lost"] == 0, f"lost {j['lost']}")
    if pattern == "pingpong":
        check(j["round_trips"] == n, f"round_trips {j['round_trips']} != {n}")
        check(j["sent"] == 2 * n, f"sent {j['sent']} != 2 x {n}")
        check(j["received"] == 2 * n and j["coalesced"] == 0,
              f"ping-pong received {j['received']} coalesced {j['coalesced']}")
        d = j["latency_by_direction_ns"]
        check(d["forward"]["count"] == n and d["reply"]["count"] == n,
              "per-direction counts")
    else:
        check(j["sent"] == n, f"sent {j['sent']} != {n}")
        if exact:
            check(j["received"] == n and j["coalesced"] == 0,
                  f"queued mechanism: received {j['received']} coalesced {j['coalesced']}")
        else:
            check(j["received"] >= 1, "nothing received")
        if pattern == "flood":
            check(j["throughput_eps"] > 0, "throughput_eps")
    return j


def traffic_tests():
    tests = []
    for kind in ("signal", "sigwait", "signalfd", "eventfd", "pipe"):
        merges = kind in ("signal", "sigwait", "signalfd", "eventfd")
        for mode in ("threads", "processes"):
            tests.append((f"{kind} pingpong {mode}", t_traffic, (kind, "pingpong", mode)))
            tests.append((f"{kind} flood {mode}", t_traffic,
                          (kind, "flood", mode, (), not merges)))
            tests.append((f"{kind} oneway {mode}", t_traffic, (kind, "oneway", mode, (), True, 300)))
    # queued variants: exact counts in flood
    for kind in ("signal", "sigwait", "signalfd"):
        for send in ("kill", "tgkill", "sigqueue", "pidfd"):
            for mode in ("threads", "processes"):
                tests.append((f"{kind} RT flood {send} {mode}", t_traffic,
                              (kind, "flood", mode, ("--signal", "SIGRTMIN+1", "--send", send))))
            tests.append((f"{kind} pingpong {send} SIGUSR2", t_traffic,
                          (kind, "pingpong", "threads", ("--signal", "SIGUSR2", "--send", send))))
            tests.append((f"{kind} flood {send} standard", t_traffic,
                          (kind, "flood", "processes", ("--send", send), False)))
    tests.append(("signal pingpong RTMAX", t_traffic,
                  ("signal", "pingpong", "processes", ("--signal", "SIGRTMAX"))))
    for mode in ("threads", "processes"):
        tests.append((f"eventfd semaphore flood {mode}", t_traffic,
                       ("eventfd", "flood", mode, ("--semaphore",))))
        tests.append((f"eventfd semaphore pingpong {mode}", t_traffic,
                       ("eventfd", "pingpong", mode, ("--semaphore",))))
    tests.append(("eventfd pingpong fifo threads", t_fifo, ()))
    tests.append(("pipe flood small window", t_traffic,
                  ("pipe", "flood", "processes", ("--window", "8"))))
    tests.append(("sigwait pingpong with interval", t_traffic,
                  ("sigwait", "pingpong", "threads", ("--interval", "100us"), True, 50)))
    if os.cpu_count() and len(os.sched_getaffinity(0)) >= 2:
        for kind in ("eventfd", "signal", "pipe"):
            tests.append((f"{kind} pingpong cross", t_cross, (kind,)))
    tests.append(("eventfd flood duration", t_duration, ("eventfd",)))
    tests.append(("signalfd pingpong duration", t_duration, ("signalfd", "pingpong")))
    return tests


def t_fifo():
    p, _ = run(["eventfd", "--policy", "fifo:10", "--count", "1"])
    if p.returncode == 2 and "refused" in p.stderr:
        raise Skip("SCHED_FIFO refused here: " + p.stderr.strip())
    t_traffic("eventfd", "pingpong", "threads", ("--policy", "fifo:10"))


def t_cross(kind):
    j = t_traffic(kind, "pingpong", "threads", ("--cpu", "cross"))
    st = j["settings"]
    check(st["pinning"] == "cross", "pinning")
    check(st["sender_cpu"] != st["receiver_cpu"], "cross pinning on one CPU")


def t_duration(kind, pattern="flood"):
    j = run_json([kind, "--pattern", pattern, "--duration", "0.3"])
    check_common(j, kind, pattern)
    check(j["sent"] > 0, "nothing sent in 0.3 s")
    check(j["lost"] == 0, f"lost {j['lost']}")
    if pattern == "pingpong":
        check(j["received"] == j["sent"] == 2 * j["round_trips"], "duration ping-pong counts")


# ---- timerfd -------------------------------------------------------------------

def t_timerfd(args, count, exact):
    j = run_json(["timerfd", "--count", str(count)] + args)
    check_common(j, "timerfd", j["pattern"])
    check(j["sent"] == j["expirations"] >= count,
          f"expirations {j['expirations']} sent {j['sent']} for --count {count}")
    check(j["coalesced"] == j["overruns"], "overruns are the coalesced")
    check(j["lost"] == 0, "a timer loses nothing")
    check(j["received"] >= 1, "no callback")
    if exact:
        check(j["received"] == count and j["coalesced"] == 0,
              f"one-shot: {j['received']} callbacks, {j['coalesced']} overruns")
    check(j["cpu_ns_per_event"]["sender"] is None, "a timer has no sender")
    return j


def timerfd_tests():
    return [
        ("timerfd periodic", t_timerfd, (["--interval", "1ms"], 100, False)),
        ("timerfd pingpong maps to periodic", t_timerfd, (["--pattern", "pingpong", "--interval", "500us"], 100, False)),
        ("timerfd flood overruns counted", t_timerfd, (["--pattern", "flood"], 2000, False)),
        ("timerfd oneshot", t_timerfd, (["--oneshot", "--interval", "200us"], 100, True)),
        ("timerfd oneshot absolute boottime", t_timerfd,
         (["--oneshot", "--absolute", "--clock", "boottime", "--interval", "300us"], 50, True)),
        ("timerfd absolute realtime", t_timerfd,
         (["--absolute", "--clock", "realtime", "--interval", "1ms"], 50, False)),
    ]


# ---- daemon ----------------------------------------------------------------------

def daemon_json(out):
    j = json.loads(out)
    check_common(j, "daemon", j["pattern"])
    jobs = j["jobs"]
    check(jobs["submitted"] == jobs["completed"],
          f"submitted {jobs['submitted']} != completed {jobs['completed']}")
    check(jobs["unaccounted"] == 0, "unaccounted jobs")
    if jobs["requested"] is not None:
        check(jobs["requested"] == jobs["completed"] + jobs["not_submitted"],
              f"requested {jobs['requested']} != completed + not_submitted")
    check(j["sent"] == jobs["completed"], "one notify post per job")
    check(j["lost"] == 0, "lost notify posts")
    check(jobs["latency_ns"]["count"] == jobs["completed"], "job latency samples")
    return j


def t_daemon_plain():
    p, _ = run(["daemon", "--jobs", "3000", "--workers", "3", "--json"])
    check(p.returncode == 0, f"exit {p.returncode}: {p.stderr}")
    j = daemon_json(p.stdout)
    check(j["shutdown"] == "done", f"shutdown {j['shutdown']}")
    check(j["pattern"] == "service", f"pattern {j['pattern']}")
    check(j["jobs"]["completed"] == 3000, "not every job ran")


def start_daemon(args):
    p = subprocess.Popen([EVLOAD, "daemon", "--json", "--delay", "0.1"] + args,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stderr.readline()
    check("jobs start in" in line, f"no start-up line: {line!r}")
    time.sleep(0.3)      # mid-run: jobs are flowing
    return p


def t_daemon_signal(sig, name):
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as conf:
        conf.write("# evload daemon settings\njob_time = 20us\ntick = 50ms\n")
        conf.flush()
        p = start_daemon(["--jobs", "100000000", "--workers", "2", "--config", conf.name])
        p.send_signal(signal.SIGHUP)
        time.sleep(0.1)
        p.send_signal(signal.SIGUSR1)
        time.sleep(0.1)
        p.send_signal(sig)
        try:
            out, err = p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            raise Failure(f"daemon did not stop within 20 s of {name}")
    check(p.returncode == 0, f"exit {p.returncode}: {err}")
    j = daemon_json(out)
    check(j["shutdown"] == name, f"shutdown {j['shutdown']} != {name}")
    jobs = j["jobs"]
    check(0 < jobs["completed"] < jobs["requested"], "the shutdown was not mid-run")
    check(j["reloads"] == 1 and j["reload_errors"] == 0, "SIGHUP did not reload")
    check(j["settings"]["job_time_ns"] == 20000 and j["settings"]["tick_ns"] == 50000000,
          f"reloaded settings not applied: {j['settings']['job_time_ns']} {j['settings']['tick_ns']}")
    check(j["stats_dumps"] == 1 and "evload daemon: submitted" in err, "SIGUSR1 dump")
    src = j["sources"]
    check(src["signalfd"]["SIGHUP"] == 1 and src["handler"]["SIGUSR1"] == 1, "signal counts")
    check(src["timer"]["ticks"] >= 1, "no tick")


def t_daemon_bad_reload():
    """A settings file gone bad keeps the settings it had: one line on
    stderr, a reload error counted, and SIGTERM still ends the run."""
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as conf:
        conf.write("job_time = 20us\ntick = 50ms\n")
        conf.flush()
        p = start_daemon(["--jobs", "100000000", "--workers", "2", "--config", conf.name])
        with open(conf.name, "w") as f:
            f.write("tick = 20ms\njob_time = -1\n")
        p.send_signal(signal.SIGHUP)
        time.sleep(0.2)
        p.send_signal(signal.SIGTERM)
        try:
            out, err = p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            raise Failure("daemon did not stop within 20 s of SIGTERM after a bad reload")
    check(p.returncode == 0, f"exit {p.returncode}: {err}")
    j = daemon_json(out)
    check(j["reloads"] == 0 and j["reload_errors"] == 1,
          f"reloads {j['reloads']}, reload errors {j['reload_errors']}")
    check(j["settings"]["job_time_ns"] == 20000 and j["settings"]["tick_ns"] == 50000000,
          f"settings changed: {j['settings']['job_time_ns']} {j['settings']['tick_ns']}")
    lines = [l for l in err.splitlines() if "SIGHUP" in l]
    check(len(lines) == 1 and "line 2" in lines[0] and "job_time" in lines[0],
          f"no one-line reason for the refused reload: {err!r}")


def daemon_tests():
    return [
        ("daemon runs every job", t_daemon_plain, ()),
        ("daemon SIGHUP with a bad --config keeps its settings", t_daemon_bad_reload, ()),
        ("daemon SIGTERM mid-run drains and accounts", t_daemon_signal, (signal.SIGTERM, "SIGTERM")),
        ("daemon SIGINT mid-run drains and accounts", t_daemon_signal, (signal.SIGINT, "SIGINT")),
    ]


# ---- bad input -----------------------------------------------------------------

def t_bad(args, prefix=(), want=None):
    p, _ = run(args, timeout=20, prefix=prefix)
    lines = p.stderr.strip("\n").split("\n") if p.stderr.strip() else []
    check(p.returncode == 2, f"exit {p.returncode} (want 2); stderr {p.stderr!r}")
    check(len(lines) == 1, f"want one line on stderr, got {len(lines)}: {p.stderr!r}")
    check(lines[0].startswith("evload: "), f"line {lines[0]!r}")
    check(p.stdout == "", f"stdout not empty: {p.stdout[:100]!r}")
    if want:
        check(re.search(want, lines[0], re.I), f"{lines[0]!r} does not say {want!r}")


def bad_tests():
    cases = [
        (["eventfd", "--bogus"], (), "unrecognized option"),
        (["eventfd", "--count", "0"], (), "positive"),
        (["eventfd", "--count"], (), "needs a value"),
        (["eventfd", "--json=yes"], (), "takes no value"),
        (["daemon", "--pattern", "flood"], (), "does not apply"),
        (["eventfd", "--count", "-5"], (), "positive"),
        (["eventfd", "--count", "12x"], (), "positive"),
        (["eventfd", "--duration", "0"], (), "duration"),
        (["nosuchkind"], (), "unknown KIND"),
        ([], (), "missing KIND"),
        (["eventfd", "pipe"], (), "one KIND"),
        (["signal", "--signal", "SIGKILL"], (), "KILL"),
        (["sigwait", "--signal", "SIGSTOP"], (), "STOP"),
        (["signal", "--signal", "99"], (), "out of range"),
        (["signalfd", "--signal", "SIGRTMAX+1"], (), "out of range"),
        (["signal", "--signal", "0"], (), "out of range"),
        (["signal", "--signal", "33"], (), "out of range"),
        (["signal", "--signal", "SIGFOO"], (), "unknown signal"),
        (["signal", "--send", "write"], (), "send"),
        (["eventfd", "--pattern", "burst"], (), "pattern"),
        (["eventfd", "--cpu", "numa"], (), "cpu"),
        (["eventfd", "--policy", "rr"], (), "policy"),
        (["eventfd", "--policy", "fifo:0"], (), "positive"),
        (["eventfd", "--policy", "fifo:100"], (), "range"),
        (["eventfd", "--signal", "SIGUSR1"], (), "does not apply"),
        (["signal", "--semaphore"], (), "does not apply"),
        (["timerfd", "--processes"], (), "processes"),
        (["eventfd", "--count", "5", "--duration", "1"], (), "exclude"),
        (["eventfd", "--window", "10"], (), "flood"),
        (["timerfd", "--interval", "0"], (), "interval"),
        (["eventfd", "--cpu", "cross"], ("taskset", "-c", "0"), "two CPUs"),
        (["eventfd", "--policy", "fifo:50"],
         ("prlimit", "--rtprio=0", "setpriv", "--bounding-set=-sys_nice", "--inh-caps=-sys_nice"),
         "SCHED_FIFO"),
        # numbers past what the setting holds: refused, never wrapped
        (["daemon", "--workers", "4294967296"], (), r"range 1\.\.64"),
        (["daemon", "--workers", "65"], (), r"range 1\.\.64"),
        (["daemon", "--jobs", "18446744073709551616"], (), "range"),
        (["daemon", "--jobs", "18446744073709551615"], (), "range"),
        (["pipe", "--pattern", "flood", "--window", "4294967296"], (), "range"),
        (["eventfd", "--count", "18446744073709551615"], (), "range"),
        (["eventfd", "--count", "99999999999999999999999"], (), "range"),
        (["signal", "--signal", "SIGRTMIN+4294967296"], (), "unknown signal"),
        (["eventfd", "--policy", "fifo:4294967297"], (), "range"),
        (["daemon", "--job-time", "2s"], (), "job-time"),
        (["daemon", "--tick", "10us"], (), "tick"),
        (["eventfd", "--delay", "7200"], (), "delay"),
        (["eventfd", "--timeout", "1e30"], (), "timeout"),
    ]
    # the daemon's settings file: a regular text file, small, every line
    # understood, every value in range; the line that is not is named
    d = tempfile.mkdtemp(prefix="evload_test.")
    atexit.register(shutil.rmtree, d, True)
    files = {
        "neg.conf": "job_time = -1\n",
        "huge.conf": "# settings\n\njob_time = 1e30 s\n",
        "tick.conf": "tick = 0\n",
        "unknown.conf": "tick = 50ms\nspeed = 1\n",
        "noeq.conf": "tick 50ms\n",
        "big.conf": "#" * 70000 + "\n",
        "nul.conf": "job_time = 1\0\n",
        "ctl.conf": "job_time = 5\x1b[2J\n",
    }
    for name, text in files.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    os.mkfifo(os.path.join(d, "fifo.conf"))
    for name, want in (("neg.conf", "line 1.*job_time"), ("huge.conf", "line 3.*job_time"),
                       ("tick.conf", "line 1.*tick"), ("unknown.conf", "line 2.*speed"),
                       ("noeq.conf", "line 1"), ("big.conf", "larger"), ("nul.conf", "NUL"),
                       ("ctl.conf", "line 1.*control"), ("fifo.conf", "not a regular file")):
        cases.append((["daemon", "--jobs", "10", "--config", os.path.join(d, name)], (), want))
    for path, want in (("/dev/zero", "not a regular file"), (d, "not a regular file"),
                       (os.path.join(d, "none.conf"), "no such file")):
        cases.append((["daemon", "--jobs", "10", "--config", path], (), want))
    return [(f"bad input: {' '.join(a).replace(d, 'DIR') or '(none)'}{' under ' + pre[0] if pre else ''}",
             t_bad, (a, pre, w)) for a, pre, w in cases]


def t_help():
    p, _ = run(["--help"])
    check(p.returncode == 0 and "KIND" in p.stdout and "--pattern" in p.stdout, "help")


def t_human():
    p, _ = run(["pipe", "--count", "100"])
    check(p.returncode == 0, f"exit {p.returncode}")
    check(re.search(r"sent 200\s+received 200\s+coalesced 0\s+lost 0", p.stdout),
          f"summary: {p.stdout[:200]!r}")


# ---- a receiver that dies or stalls mid-run -------------------------------------

def t_receiver_dies(kind, pattern, sig, extra=()):
    """Start a long run with --delay, read the receiver's pid from the
    start-up line, kill or stop it mid-run: the sender must exit non-zero
    with a line naming the receiver, within a bounded time."""
    args = [EVLOAD, kind, "--processes", "--pattern", pattern, "--count", "1000000000",
            "--delay", "0.1", "--timeout", "1", "--json"] + list(extra)
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stderr.readline()
    m = re.search(r"receiver pid (\d+)", line)
    check(m, f"no start-up line: {line!r}")
    child = int(m.group(1))
    time.sleep(0.3)
    os.kill(child, sig)
    t0 = time.monotonic()
    try:
        out, err = p.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        p.kill()
        os.kill(child, signal.SIGKILL)
        raise Failure("the sender hung after the receiver died")
    took = time.monotonic() - t0
    check(p.returncode == 1, f"exit {p.returncode} (want 1)")
    check(took < 10, f"took {took:.1f} s to notice")
    last = err.strip().split("\n")[-1]
    check("receiver" in last, f"stderr {err!r}")
    # the cause, not just any failure: death is seen at once (waitpid), a
    # stopped receiver through the no-progress timeout
    cause = "killed by signal 9" if sig == signal.SIGKILL else "for 1.0 s"
    check(cause in last, f"{last!r} does not say {cause!r}")
    if sig == signal.SIGKILL:
        check(took < 1.0, f"took {took:.1f} s to notice a death")
    j = json.loads(out)
    check(j["error"] and "receiver" in j["error"], f"JSON error {j['error']!r}")
    check(j["sent"] == j["received"] + j["coalesced"] + j["lost"], "accounting on failure")
    try:
        os.kill(child, 0)
        os.kill(child, signal.SIGCONT)
        time.sleep(0.5)
        os.kill(child, 0)
        raise Failure(f"the receiver {child} was left behind")
    except ProcessLookupError:
        pass


def death_tests():
    return [
        ("receiver SIGKILLed: eventfd pingpong", t_receiver_dies, ("eventfd", "pingpong", signal.SIGKILL)),
        ("receiver SIGKILLed: pipe flood", t_receiver_dies, ("pipe", "flood", signal.SIGKILL)),
        ("receiver SIGKILLed: sigwait pingpong", t_receiver_dies, ("sigwait", "pingpong", signal.SIGKILL)),
        ("receiver SIGKILLed: signal flood RT", t_receiver_dies,
         ("signal", "flood", signal.SIGKILL, ("--signal", "SIGRTMIN"))),
        ("receiver SIGKILLed: signalfd oneway", t_receiver_dies, ("signalfd", "oneway", signal.SIGKILL)),
        ("receiver SIGSTOPped: eventfd pingpong times out", t_receiver_dies,
         ("eventfd", "pingpong", signal.SIGSTOP)),
        ("receiver SIGSTOPped: eventfd flood times out", t_receiver_dies,
         ("eventfd", "flood", signal.SIGSTOP)),
    ]


def t_delay_stdout():
    p, _ = run(["eventfd", "--count", "10", "--delay", "0.05", "--json"])
    check(p.returncode == 0, f"exit {p.returncode}")
    check("sender pid" in p.stderr and "receiver pid" in p.stderr, "pids on stderr")
    json.loads(p.stdout)


def main():
    global EVLOAD
    ap = argparse.ArgumentParser()
    ap.add_argument("--evload", default=EVLOAD)
    ap.add_argument("-j", "--jobs", type=int, default=3)
    ap.add_argument("-k", action="append", default=[],
                    help="run the tests whose name contains one of these")
    ap.add_argument("-x", action="append", default=[],
                    help="leave out the tests whose name contains one of these")
    a = ap.parse_args()
    EVLOAD = a.evload
    tests = (traffic_tests() + timerfd_tests() + daemon_tests() + bad_tests() +
             death_tests() + [("help", t_help, ()), ("human summary", t_human, ()),
                              ("--delay keeps stdout JSON only", t_delay_stdout, ())])
    tests = [t for t in tests if (not a.k or any(k in t[0] for k in a.k)) and
             not any(x in t[0] for x in a.x)]
    t0 = time.monotonic()

    def one(t):
        name, fn, args = t
        try:
            fn(*args)
            return name, None
        except Skip as e:
            return name, "skip: " + str(e)
        except Failure as e:
            return name, str(e)
        except Exception as e:      # a crash of the test is a failure too
            return name, f"{type(e).__name__}: {e}"

    with cf.ThreadPoolExecutor(a.jobs) as ex:
        for name, err in ex.map(one, tests):
            if err is None:
                print("ok   " + name, flush=True)
            elif err.startswith("skip: "):
                print("skip " + name + ": " + err[6:], flush=True)
            else:
                print("FAIL " + name + ": " + err, flush=True)
                FAILS.append(name)
    print(f"evload tests: {len(tests) - len(FAILS)}/{len(tests)} passed in "
          f"{time.monotonic() - t0:.1f} s ({EVLOAD})")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())

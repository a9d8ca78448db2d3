#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The JSON schemas (docs/schema/) accept what evtrace writes and reject what
it must never write.

Starting from known-good documents (the report fixture, a bench --quick run
saved in tests/output/bench_fixture.json, event records), every mutation
below must be rejected by tests/output/validate_json.py, and the optional
fields evtrace may add (start time, hostname, intervals, processes, other
counts, per-signal counts, untraced wakeups) must be accepted in their
documented shapes and rejected in others. Exit 0 when every case behaves,
1 with one line per case that does not.
"""
import copy
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
VALIDATE = os.path.join(HERE, "validate_json.py")
REPORT = os.path.join(ROOT, "tests", "cli", "cli_report_fixture.json")
BENCH = os.path.join(HERE, "bench_fixture.json")

EVENT = {"ts": 3984404280215, "kind": "eventfd", "pid": 15262, "tid": 15262, "send": 20871,
         "wake": 3866, "return": 4607, "dispatch": 0, "total": 29344, "timer_late": 0,
         "wake_type": "same_cpu", "coalesced": 0, "start": 3984404250871, "comm": "evload"}
SEND = {"type": "send", "ts": 3984404252871, "start": 3984404250871, "pid": 15262, "tid": 15263,
        "call": "write", "comm": "evload"}

failures = []
cases = 0
tmp = tempfile.mkdtemp(prefix="schema_test.")


sys.path.insert(0, HERE)
import validate_json  # noqa: E402

validators = {}


def run_validator(kind, text, name):
    """As validate_json.py's command line would answer, in this process."""
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    if kind not in validators:
        validators[kind] = validate_json.validator(kind)
    problems = validate_json.check_file(validators[kind], kind, path)
    os.unlink(path)
    return (1 if problems else 0), "\n".join(problems)


def cli_cases():
    """The command line itself: exit codes and its lines."""
    global cases
    path = os.path.join(tmp, "cli.json")
    with open(path, "w") as f:
        json.dump(json.load(open(REPORT)), f)
    for args, want, what in (([ "report", REPORT, path], 0, "two valid reports"),
                             (["events", path], 1, "a report given as events"),
                             (["bench", REPORT], 1, "a report given as bench results"),
                             (["report", os.path.join(tmp, "missing.json")], 1, "a missing file"),
                             (["reports", REPORT], 2, "an unknown kind"),
                             (["report"], 2, "no file")):
        cases += 1
        p = subprocess.run([sys.executable, VALIDATE] + args, capture_output=True, text=True)
        if p.returncode != want or bool(p.stderr.strip()) != (want != 0) or p.stdout:
            failures.append("validate_json.py %s (%s): exit %d, want %d; stderr %r" %
                            (" ".join(args), what, p.returncode, want, p.stderr[:200]))
    os.unlink(path)


def expect(kind, want_valid, what, doc=None, text=None):
    """doc: a Python object (events: a list of records, one per line), or
    text: the file's exact contents."""
    global cases
    cases += 1
    if text is None:
        if kind == "events":
            text = "".join(json.dumps(r) + "\n" for r in doc)
        else:
            text = json.dumps(doc, indent=1)
    rc, err = run_validator(kind, text, "case%d.json" % cases)
    if want_valid and rc != 0:
        failures.append("%s: %s: rejected, should be valid:\n    %s" %
                        (kind, what, err.strip().replace("\n", "\n    ")))
    elif not want_valid and rc != 1:
        failures.append("%s: %s: exit %d, should be rejected (1)" % (kind, what, rc))
    elif not want_valid and not err.strip():
        failures.append("%s: %s: rejected without saying why" % (kind, what))


def mutated(base, fn):
    d = copy.deepcopy(base)
    fn(d)
    return d


def setp(path, value):
    def fn(d):
        o = d
        for k in path[:-1]:
            o = o[k]
        o[path[-1]] = value
    return fn


def delp(path):
    def fn(d):
        o = d
        for k in path[:-1]:
            o = o[k]
        del o[path[-1]]
    return fn


def report_cases():
    base = json.load(open(REPORT))
    mech = next(iter(base["mechanisms"]))
    m = ["mechanisms", mech]
    expect("report", True, "the fixture", base)

    bad = [
        ("a negative ns", setp(m + ["stages", "total", "p50"], -1)),
        ("a fractional ns", setp(m + ["stages", "wake", "max"], 1.5)),
        ("ns as a string", setp(m + ["sender_cost", "min"], "100")),
        ("a negative count", setp(m + ["events"], -3)),
        ("a missing wakes", delp(m + ["wakes"])),
        ("a missing stage", delp(m + ["stages", "dispatch"])),
        ("a missing mean", delp(m + ["stages", "total", "mean"])),
        ("an unknown stage", setp(m + ["stages", "sleep"], base["mechanisms"][mech]["stages"]["total"])),
        ("an unknown mechanism", setp(["mechanisms", "futex"], base["mechanisms"][mech])),
        ("an unknown top-level key", setp(["extra"], 1)),
        ("an unknown settings key", setp(["settings", "colour"], "blue")),
        ("format 2", setp(["format"], 2)),
        ("no settings", delp(["settings"])),
        ("no ringbuf", delp(["ringbuf"])),
        ("mode 'daemon'", setp(["settings", "mode"], "daemon")),
        ("usdt as a string", setp(["settings", "usdt"], "yes")),
        ("a negative duration", setp(["settings", "duration_s"], -1.0)),
        ("a bucket triple", setp(m + ["total_buckets"], [[1024, 2, 3]])),
        ("a bucket with a negative count", setp(m + ["total_buckets"], [[1024, -2]])),
        ("start_time without a date", setp(["settings", "start_time"], "07:47:39")),
        ("start_time in local time", setp(["settings", "start_time"], "2026-12-03T08:47:39+01:00")),
        ("start_time with a space", setp(["settings", "start_time"], "2026-12-03 07:47:39Z")),
        ("start_time as a number", setp(["settings", "start_time"], 1764748059)),
        ("hostname as a number", setp(["settings", "hostname"], 7)),
        ("untraced_wakeups negative", setp(["untraced_wakeups"], -1)),
        ("untraced_wakeups fractional", setp(["untraced_wakeups"], 0.5)),
        ("other with a fractional count", setp(m + ["other"], {"retries": 1.5})),
        ("other with a string", setp(m + ["other"], {"retries": "3"})),
        ("by_signal not a list", setp(m + ["by_signal"], {"10": {}})),
        ("by_signal without signo", setp(m + ["by_signal"], [{"name": "SIGUSR1", "events": 3}])),
        ("by_signal with signo 0", setp(m + ["by_signal"], [{"signo": 0, "name": "?", "events": 3}])),
        ("by_signal with an unknown counter", setp(m + ["by_signal"],
                                                   [{"signo": 10, "name": "SIGUSR1", "flavour": 3}])),
        ("an interval without start_time", setp(["intervals"], [
            {"duration_s": 1.0, "mechanisms": base["mechanisms"]}])),
        ("an interval with a bad mechanism", setp(["intervals"], [
            {"start_time": "2026-12-03T07:47:39Z", "duration_s": 1.0,
             "mechanisms": {"eventfd": {"events": 1}}}])),
        ("a process with pid as a string", setp(["processes"], [
            {"pid": "42", "comm": "evload", "mechanisms": base["mechanisms"]}])),
        ("a process without comm", setp(["processes"], [
            {"pid": 42, "mechanisms": base["mechanisms"]}])),
    ]
    for what, fn in bad:
        expect("report", False, what, mutated(base, fn))

    sig = {"signo": 10, "name": "SIGUSR1", "events": 5, "lost": 0, "unmatched": 0,
           "coalesced": 1, "sends": 6}
    full = mutated(base, lambda d: (
        d["settings"].update(start_time="2026-12-03T07:47:39Z", hostname="host1"),
        d.update(intervals=[{"start_time": "2026-12-03T07:47:39.250Z", "duration_s": 0.25,
                             "mechanisms": d["mechanisms"]},
                            {"start_time": "2026-12-03T07:47:39.5+00:00", "duration_s": 0.25,
                             "mechanisms": {}}],
                 processes=[{"pid": 42, "comm": "evload", "mechanisms": d["mechanisms"]}],
                 untraced_wakeups=17),
        d["mechanisms"][mech].update(other={"forwarded": 3, "internal": 0}, by_signal=[sig])))
    expect("report", True, "every optional field in its documented shape", full)

    # text-level: what json.load alone would let through
    text = json.dumps(base)
    expect("report", False, "NaN for a mean", text=text.replace('"mean": ', '"mean": NaN, "x": ', 1))
    expect("report", False, "a duplicate key", text=text.replace('"format": 1', '"format": 1, "format": 1', 1))
    expect("report", False, "an empty file", text="")
    expect("report", False, "a cut file", text=text[:len(text) // 2])


def events_cases():
    timer = dict(EVENT, kind="timerfd", send=52000, wake=0, timer_late=51000, wake_type="none",
                 coalesced=2)
    expect("events", True, "two records", [EVENT, timer])
    expect("events", True, "events and sends", [SEND, EVENT, dict(SEND, call="tgkill", comm="")])
    expect("events", True, "an empty file", text="")
    bad = [
        ("an unknown kind", dict(EVENT, kind="futex")),
        ("a negative total", dict(EVENT, total=-1)),
        ("a fractional stage", dict(EVENT, wake=1.5)),
        ("wake_type 'maybe'", dict(EVENT, wake_type="maybe")),
        ("an extra key", dict(EVENT, colour="blue")),
        ("a pid beyond pid_max", dict(EVENT, pid=1 << 23)),
        ("a missing ts", {k: v for k, v in EVENT.items() if k != "ts"}),
        ("a missing start", {k: v for k, v in EVENT.items() if k != "start"}),
        ("a comm of 16 bytes", dict(EVENT, comm="a" * 16)),
        ("a send of an unknown call", dict(SEND, call="sendmsg")),
        ("a send without pid", {k: v for k, v in SEND.items() if k != "pid"}),
        ("a send with an event's stage", dict(SEND, total=5)),
        ("type 'recv'", dict(SEND, type="recv")),
    ]
    for what, rec in bad:
        expect("events", False, what + " (second line)", [EVENT, rec])
    line = json.dumps(EVENT) + "\n"
    expect("events", False, "a line that is not JSON", text=line + "{\"ts\": 1,\n")
    expect("events", False, "the last record cut short", text=line + line[:-1])
    expect("events", False, "a JSON array for a record", text=line + "[1, 2]\n")


def bench_cases():
    base = json.load(open(BENCH))
    expect("bench", True, "a bench --quick run", base)
    cl = ["claims", 0]
    cell = ["rows", 0, "scenarios", next(iter(base["rows"][0]["scenarios"]))]
    bad = [
        ("verdict 'maybe'", setp(cl + ["verdict"], "maybe")),
        ("a claim without verdict", delp(cl + ["verdict"])),
        ("a claim of an unknown mechanism", setp(cl + ["mechanism"], "futex")),
        ("an estimate with a median but no interval", setp(cl + ["estimate"], {"n": 3, "median": 1.0})),
        ("an estimate's coverage above 1", setp(cell + ["kernel_total_p50_ns", "coverage"], 1.5)),
        ("no rows", setp(["rows"], [])),
        ("a row of an unknown scenario", setp(["rows", 0, "scenarios", "sideways"],
                                              base["rows"][0]["scenarios"][cell[3]])),
        ("crosscheck status 'fine'", setp(["crosscheck", 0, "status"], "fine")),
        ("crosscheck_ok as a string", setp(["crosscheck_ok"], "true")),
        ("0 trials", setp(["settings", "trials"], 0)),
        ("policy 'rr'", setp(["settings", "policy"], "rr")),
        ("a trial's negative sent", setp(cell + ["trials", 0, "evload", "sent"], -1)),
        ("a trial's latency with a fractional p50",
         setp(cell + ["trials", 0, "evload", "latency_ns", "p50"], 10.5)),
        ("tool 'bench'", setp(["tool"], "bench")),
        ("an unknown top-level key", setp(["extra"], 1)),
    ]
    for what, fn in bad:
        expect("bench", False, what, mutated(base, fn))
    expect("bench", True, "a claim with a further key",
           mutated(base, setp(cl + ["note"], "kept for later readers")))


def main():
    cli_cases()
    report_cases()
    events_cases()
    bench_cases()
    os.rmdir(tmp)
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    if failures:
        print("schema_test: %d of %d cases failed" % (len(failures), cases), file=sys.stderr)
        return 1
    print("schema_test: %d cases passed" % cases)
    return 0


if __name__ == "__main__":
    sys.exit(main())

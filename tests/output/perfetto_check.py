#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks a timeline written by `evtrace ... --perfetto` against the records
it was drawn from.

usage: perfetto_check.py TRACE.json EVENTS.jsonl [--min-flows N]

The trace must be the Trace Event Format's JSON object form, and:
  - every event has a known phase with the fields that phase needs;
    timestamps are microseconds with at most three decimals (exact ns);
  - per track (pid, tid): timestamps never go back in file order, and the
    slices nest strictly (none ends inside another it began inside);
  - every flow start ("s") has exactly one end ("f", bp "e") of the same id,
    the start lies inside a sending syscall's slice that began at the
    event's start, the end inside a slice of that event;
  - every process and thread with a slice is named (metadata events);
  - every event record has its "<kind> event" slice on its receiver's
    thread (or one of the thread's extra tracks, otherData.extra_tracks:
    [track tid, thread tid], all above pid_max) over exactly its
    total, holding one slice per measured stage with exactly the record's
    duration, in order (a queued event: "queued" for total - dispatch);
    every send record has its syscall's slice over exactly its duration;
  - otherData counts what was drawn (events, sends, flows, overlapping).
Exit 0 when all hold, 1 with one line per problem (at most 30).
"""
import bisect
import collections
import json
import sys
from decimal import Decimal

STAGES = ("send", "wake", "return", "dispatch")
problems = []


def bad(msg):
    problems.append(msg)


def ns(v, what):
    """A Trace Event timestamp (us) as integer ns, exactly."""
    if isinstance(v, bool) or not isinstance(v, (int, Decimal)):
        bad("%s: not a number: %r" % (what, v))
        return None
    n = Decimal(v) * 1000
    if n != n.to_integral_value() or n < 0:
        bad("%s: %s us is not a whole number of ns" % (what, v))
        return None
    return int(n)


def main(argv):
    min_flows = 0
    if "--min-flows" in argv:
        i = argv.index("--min-flows")
        min_flows = int(argv[i + 1])
        del argv[i:i + 2]
    trace_path, events_path = argv
    with open(trace_path) as f:
        doc = json.load(f, parse_float=Decimal)
    evs, sends = [], []
    with open(events_path) as f:
        for line in f:
            r = json.loads(line)
            (sends if r.get("type") == "send" else evs).append(r)

    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        bad("not the JSON object form (no traceEvents list)")
        return
    # extra tracks (events overlapping others on their thread): track -> thread
    extra = {vt: tid for vt, tid in doc.get("otherData", {}).get("extra_tracks", [])}
    tid_of = lambda vt: extra.get(vt, vt)
    tracks = collections.defaultdict(list)       # (pid, tid) -> [(ts, dur, e)]
    last_ts = {}
    pnames, tnames = {}, {}
    flows = collections.defaultdict(list)
    for i, e in enumerate(doc["traceEvents"]):
        where = "traceEvents[%d]" % i
        ph = e.get("ph")
        if ph not in ("X", "M", "s", "f"):
            bad("%s: unexpected phase %r" % (where, ph))
            continue
        pid, tid = e.get("pid"), e.get("tid")
        if not isinstance(pid, int) or not isinstance(tid, int) or pid < 0 or tid < 0 or tid >= 1 << 32:
            bad("%s: pid/tid missing or not a uint32" % where)
            continue
        if not isinstance(e.get("name"), str) or not e["name"]:
            bad("%s: no name" % where)
        if ph == "M":
            name = e.get("args", {}).get("name")
            if not isinstance(name, str) or not name.strip():
                bad("%s: metadata without a name" % where)
            elif e["name"] == "process_name":
                pnames[pid] = name
            elif e["name"] == "thread_name":
                tnames[(pid, tid)] = name
            else:
                bad("%s: unknown metadata %r" % (where, e["name"]))
            continue
        ts = ns(e.get("ts"), where + ".ts")
        if ts is None:
            continue
        key = (pid, tid)
        if key in last_ts and ts < last_ts[key]:
            bad("%s: ts %d ns goes back on track %s (after %d)" % (where, ts, key, last_ts[key]))
        last_ts[key] = ts
        if ph == "X":
            dur = ns(e.get("dur"), where + ".dur")
            if dur is None:
                continue
            if not isinstance(e.get("cat"), str):
                bad("%s: no category" % where)
            tracks[key].append((ts, dur, e))
        else:
            if not isinstance(e.get("id"), int):
                bad("%s: flow without an id" % where)
                continue
            if ph == "f" and e.get("bp") != "e":
                bad("%s: flow end not bound to its enclosing slice (bp)" % where)
            flows[e["id"]].append((ph, ts, key, e))

    # nesting, and the innermost slice at a time on a track
    for key, sl in tracks.items():
        stack = []
        for ts, dur, e in sl:
            while stack and stack[-1][0] + stack[-1][1] <= ts:
                stack.pop()
            if stack and ts + dur > stack[-1][0] + stack[-1][1]:
                p = stack[-1][2]
                bad("track %s: %r [%d, %d) overlaps %r [%d, %d) without nesting" % (
                    key, e["name"], ts, ts + dur, p["name"], stack[-1][0], stack[-1][0] + stack[-1][1]))
            stack.append((ts, dur, e))
        if key[0] not in pnames:
            bad("process %d has slices but no process_name" % key[0])
        if key not in tnames:
            bad("thread %s has slices but no thread_name" % (key,))

    # each track's slice starts (ts is monotonic per track, checked above):
    # a record or a flow looks at the slices near its time, not the whole
    # track (a system-wide trace has tens of thousands per thread)
    starts = {key: [ts for ts, _, _ in sl] for key, sl in tracks.items()}

    def innermost(key, ts):
        # well nested: the innermost slice holding ts is among those that
        # start latest before ts (the shortest of them)
        sl, best = tracks.get(key, ()), None
        i = bisect.bisect_left(starts.get(key, []), ts) - 1
        while i >= 0:
            s_ts, s_dur, e = sl[i]
            if best is not None and s_ts != best[0]:
                break
            if ts < s_ts + s_dur and (best is None or s_dur < best[1]):
                best = (s_ts, s_dur, e)
            i -= 1
        return best

    # the records, slice by slice
    by_start = collections.defaultdict(list)
    for key, sl in tracks.items():
        for ts, dur, e in sl:
            by_start[(key[0], tid_of(key[1]), ts, e["name"])].append((ts, dur, e, key))
    def stages_of(ts, dur, e, key):
        # the stage slices drawn inside one event slice, in order; and
        # whether each starts where the one before ended
        got, at, gaps = [], ts, []
        sl = tracks[key]
        for j in range(bisect.bisect_left(starts[key], ts), len(sl)):
            c_ts, c_dur, c = sl[j]
            if c_ts >= ts + dur:
                break
            if c is e or c_ts < ts or c_ts + c_dur > ts + dur or c.get("cat") != "stage":
                continue
            got.append((c["name"], c_dur))
            if c_ts != at:
                gaps.append((c["name"], c_ts, at))
            at = c_ts + c_dur
        return got, gaps

    drawn = missing = 0
    used = set()
    for r in evs:
        start, total = r["start"], r["total"]
        cands = by_start.get((r["pid"], r["tid"], start, r["kind"] + " event"), [])
        match = [c for c in cands if c[1] == total and c[2].get("args", {}).get("total_ns") == total
                 and id(c[2]) not in used]
        if not match:
            missing += 1
            continue
        drawn += 1
        want = []
        woken = r["send"] or r["wake"] or r["return"]
        if not woken and total > r["dispatch"]:
            want.append(("queued", total - r["dispatch"]))
        want += [(s, r[s]) for s in STAGES if r[s]]
        if sum(d for _, d in want) > total:
            want = []
        # records alike in start and total (a read taking two units of
        # one write: one woken, one queued, ending together) are told
        # apart by their stages: each takes a slice of its own
        pick = None
        for c in match:
            got, gaps = stages_of(*c)
            if got == want and not gaps:
                pick = (c, got, gaps)
                break
        if pick is None:
            pick = (match[0],) + stages_of(*match[0])
        (ts, dur, e, key), got, gaps = pick
        used.add(id(e))
        for name, c_ts, at in gaps:
            bad("record at %d: stage %s starts at %d, not where the one before ended (%d)" % (
                start, name, c_ts, at))
        if got != want:
            bad("record %s at %d: stages %s, want %s" % (r["kind"], start, got, want))
    send_slices = {}
    for key, sl in tracks.items():
        for ts, dur, e in sl:
            if e.get("cat") == "send":
                send_slices.setdefault((key[0], tid_of(key[1]), ts), []).append((dur, e))
    for s in sends:
        got = send_slices.get((s["pid"], s["tid"], s["start"]), [])
        if not any(d == s["ts"] - s["start"] and e["name"] == s["call"] for d, e in got):
            bad("send record %s %s/%s at %d: no slice over its %d ns" % (
                s["call"], s["pid"], s["tid"], s["start"], s["ts"] - s["start"]))

    # flows: matched, bound to a sending syscall and to a slice of the event it began
    nflows = 0
    for fid, ends in flows.items():
        phs = sorted(p for p, _, _, _ in ends)
        if phs != ["f", "s"]:
            bad("flow %d: phases %s, want one s and one f" % (fid, phs))
            continue
        (_, f_ts, f_key, f_e), = [x for x in ends if x[0] == "f"]
        (_, s_ts, s_key, s_e), = [x for x in ends if x[0] == "s"]
        if (f_e.get("cat"), f_e["name"]) != (s_e.get("cat"), s_e["name"]):
            bad("flow %d: start and end differ in name or category" % fid)
        src, dst = innermost(s_key, s_ts), innermost(f_key, f_ts)
        if not src or src[2].get("cat") != "send":
            bad("flow %d: starts outside a sending syscall's slice" % fid)
            continue
        if not dst or dst[2].get("cat") not in ("stage", "event"):
            bad("flow %d: ends outside an event's slice" % fid)
            continue
        sl, st = tracks[f_key], starts[f_key]
        ev = [sl[j] for j in range(bisect.bisect_left(st, src[0]), bisect.bisect_right(st, src[0]))
              if sl[j][2].get("cat") == "event" and sl[j][0] <= dst[0] and
              dst[0] + dst[1] <= sl[j][0] + sl[j][1]]
        if not ev:
            bad("flow %d: from a syscall that began at %d to an event that did not" % (fid, src[0]))
        nflows += 1
    if nflows < min_flows:
        bad("%d flows, want at least %d" % (nflows, min_flows))

    od = doc.get("otherData", {})
    left = od.get("left_out", 0)
    overl = sum(1 for key, sl in tracks.items() if key[1] in extra
                for _, _, e in sl if e.get("cat") == "event")
    for vt in extra:
        if vt < 1 << 22:
            bad("extra track %d: not above every real tid" % vt)
    for k, want in (("events", len(evs)), ("sends", len(sends)), ("flows", nflows),
                    ("overlapping", overl)):
        if od.get(k) != want:
            bad("otherData.%s = %r, want %d" % (k, od.get(k), want))
    if drawn + left != len(evs) or missing != left:
        bad("%d of %d records drawn, %d without their slice, otherData.left_out %s" % (
            drawn, len(evs), missing, left))
    return drawn, len(sends), nflows, overl


if __name__ == "__main__":
    res = main(sys.argv[1:])
    for p in problems[:30]:
        print("perfetto_check:", p, file=sys.stderr)
    if len(problems) > 30:
        print("perfetto_check: ... %d more" % (len(problems) - 30), file=sys.stderr)
    if problems:
        sys.exit(1)
    print("perfetto_check: %d events, %d sends, %d flows, %d on overlapping tracks: ok" % res)

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compares one evtrace report with evload's own account of the same run.

usage: cli_e2e_check.py KIND EVTRACE_JSON EVLOAD_OUTPUT [--max-gap-ns N]
       [--allow-unmatched]            (--max-gap-ns -1: no gap check)

EVLOAD_OUTPUT is what `evload ... --json` printed (its JSON object first;
whatever follows, such as evtrace's text report, is ignored).

Checks, printing every failure:
  - evtrace's events and coalesced equal evload's received and coalesced;
  - sends seen equal evload's sent (the sending syscalls), but for timerfd;
    and never fewer than the events (timerfd: a read needs a fire before it);
  - nothing lost, nothing unmatched, no ring buffer drop;
  - stage counts consistent with the events (bpf/evtrace.h defines them):
      total = events; wake = same_cpu + cross_cpu;
      same_cpu + cross_cpu + none = events; send = return;
      same_cpu + cross_cpu <= send <= events; sender_cost = sends;
      dispatch = 0 or the number of events;
  - kernel total p50 <= evload's p50, and within --max-gap-ns of it.

Exit status: 0 all hold; 1 a check failed; 2 only the gap check failed (a
busy machine can delay the receiver between the kernel and its callback:
the caller may run the case again).
"""
import json
import sys


def load_first_json(path):
    text = open(path).read()
    start = text.find("{")
    if start < 0:
        raise ValueError("no JSON object in %s" % path)
    obj, _ = json.JSONDecoder().raw_decode(text[start:])
    return obj


def main():
    args = sys.argv[1:]
    gap = 5000
    allow_unmatched = False
    if "--max-gap-ns" in args:
        i = args.index("--max-gap-ns")
        gap = int(args[i + 1])
        del args[i:i + 2]
    if "--allow-unmatched" in args:
        args.remove("--allow-unmatched")
        allow_unmatched = True
    kind, trace_path, load_path = args
    rep = json.load(open(trace_path))
    ev = load_first_json(load_path)
    bad = []

    def check(cond, what):
        if not cond:
            bad.append(what)

    m = rep["mechanisms"].get(kind)
    if m is None:
        print("%s: evtrace saw no %s event at all (evload received %s)" %
              (kind, kind, ev.get("received")))
        return 1
    st = m["stages"]
    w = m["wakes"]
    events = m["events"]
    woken = w["same_cpu"] + w["cross_cpu"]

    check(events == ev["received"],
          "events %d != evload received %d" % (events, ev["received"]))
    check(m["coalesced"] == ev["coalesced"],
          "coalesced %d != evload coalesced %d" % (m["coalesced"], ev["coalesced"]))
    if kind != "timerfd" and "sends" in m:
        check(m["sends"] == ev["sent"], "sends %d != evload sent %d" % (m["sends"], ev["sent"]))
    if "sends" in m:
        # every event consumed needs a send (timerfd: a fire) seen before it
        check(m["sends"] >= events, "sends %d < events %d" % (m["sends"], events))
    check(m["lost"] == 0, "lost %d" % m["lost"])
    if not allow_unmatched:
        check(m["unmatched"] == 0, "unmatched %d" % m["unmatched"])
    check(ev.get("lost", 0) == 0, "evload itself lost %d" % ev.get("lost", 0))
    check(rep.get("ringbuf", {}).get("dropped", 0) == 0,
          "ring buffer dropped %d" % rep.get("ringbuf", {}).get("dropped", 0))

    check(st["total"]["count"] == events,
          "total count %d != events %d" % (st["total"]["count"], events))
    check(st["wake"]["count"] == woken,
          "wake count %d != same_cpu + cross_cpu %d" % (st["wake"]["count"], woken))
    check(woken + w["none"] == events,
          "wakes same %d + cross %d + none %d != events %d" %
          (w["same_cpu"], w["cross_cpu"], w["none"], events))
    check(st["send"]["count"] == st["return"]["count"],
          "send count %d != return count %d" % (st["send"]["count"], st["return"]["count"]))
    check(woken <= st["send"]["count"] <= events,
          "send count %d not within [woken %d, events %d]" % (st["send"]["count"], woken, events))
    if "sends" in m:
        check(m["sender_cost"]["count"] == m["sends"],
              "sender_cost count %d != sends %d" % (m["sender_cost"]["count"], m["sends"]))
    check(st["dispatch"]["count"] in (0, events),
          "dispatch count %d is neither 0 nor events %d" % (st["dispatch"]["count"], events))

    k50 = st["total"]["p50"]
    u50 = ev["latency_ns"]["p50"]
    check(k50 <= u50, "kernel total p50 %d ns > evload p50 %d ns (impossible)" % (k50, u50))
    hard = len(bad)
    if gap >= 0:
        check(u50 - k50 <= gap, "evload p50 %d ns is %d ns above kernel total p50 %d ns (> %d)" %
              (u50, u50 - k50, k50, gap))

    summary = ("%s: events %d (evload %d), coalesced %d (%d), sends %s (sent %d), "
               "unmatched %d, total p50 %d ns vs evload p50 %d ns, wakes %d/%d/%d, dispatch %d" %
               (kind, events, ev["received"], m["coalesced"], ev["coalesced"], m.get("sends"),
                ev["sent"], m["unmatched"], k50, u50, w["same_cpu"], w["cross_cpu"], w["none"],
                st["dispatch"]["count"]))
    if bad:
        print("FAIL " + summary)
        for b in bad:
            print("    " + b)
        return 1 if hard else 2
    print("ok   " + summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compares what a loop program says it did with evtrace's report of it.

usage: loops_check.py PROGRAM_OUTPUT REPORT.json

PROGRAM_OUTPUT holds the program's JSON line (tests/loops/loops_common.h):
{"program", "did", "expect": {KIND: {FIELD: N | [MIN, MAX] | "events"}}, "usdt"?}.
FIELD is a counter of the report's mechanism KIND or a sum of them ("a+b"),
and its value a number, a [MIN, MAX] bound or another FIELD it must equal;
"dispatch": "events": every event of KIND reached libevm's dispatch probe.
Every mechanism of the report must close its accounting (sends + carried =
the ways they left). Prints one line per case, exits 1 on any mismatch.
"""
import json
import sys


def value(m, field):
    return sum(m.get(f, 0) for f in field.split("+"))


def main(out_path, rep_path):
    with open(out_path) as f:
        lines = [l for l in f if l.startswith("{")]
    if not lines:
        print("FAIL %s: the program printed no JSON line" % out_path)
        return 1
    prog = json.loads(lines[-1])
    with open(rep_path) as f:
        rep = json.load(f)
    name, mechs, bad = prog["program"], rep["mechanisms"], []
    seen = []
    for kind, fields in prog["expect"].items():
        m = mechs.get(kind)
        if m is None:
            bad.append("%s: evtrace saw no %s at all" % (kind, kind))
            continue
        for field, want in fields.items():
            if field == "dispatch":
                got, ok = m["stages"]["dispatch"]["count"], None
                ok = got == m["events"]
                want = "events %d" % m["events"]
            elif isinstance(want, str):
                # equal to another field of the same report
                got, other = value(m, field), value(m, want)
                ok, want = got == other, "%s %d" % (want, other)
            else:
                got = value(m, field)
                ok = want[0] <= got <= want[1] if isinstance(want, list) else got == want
            seen.append("%s %s %d (program: %s)" % (kind, field, got, want))
            if not ok:
                bad.append("%s %s: evtrace %d, the program says %s" % (kind, field, got, want))
    for kind, m in mechs.items():
        a = m.get("accounting")
        if not a or not a["closes"]:
            bad.append("%s: accounting %s" % (kind, "missing" if not a else
                                               "open, gap %d" % a["gap"]))
    if prog.get("usdt") and not rep["settings"]["usdt"]:
        bad.append("usdt: libevm's probes were not attached (dispatch not measured)")
    mode = rep["settings"]["attach_mode"]
    if bad:
        print("FAIL %s (%s): %s" % (name, mode, "; ".join(bad)))
        print("    did %s; evtrace: %s" % (json.dumps(prog["did"]), "; ".join(seen)))
        return 1
    print("ok %s (%s): %s" % (name, mode, "; ".join(seen)))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))

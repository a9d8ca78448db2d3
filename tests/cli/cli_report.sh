#!/bin/bash
# evtrace report FILE: a saved report renders again as text, with the numbers
# of the file; stdin works; a file with summaries only says it has no bars;
# kinds with only lost events are shown. As root, also a fresh
# `evtrace run --json` file (stdout or FILE) reads back.
set -u
EVTRACE=${EVTRACE:-build/evtrace}
FIXTURE=${FIXTURE:-tests/cli/cli_report_fixture.json}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/cli_report_lib.sh"
# every JSON file here must match its schema (docs/schema/)
validate() { python3 "$(dirname "$0")/../output/validate_json.py" "$@" || fail "$2: does not match docs/schema/$1.schema.json"; }
validate report "$FIXTURE"

# check_text TEXT JSON: every active kind's counts and stage summaries appear
check_text() {
	python3 - "$1" "$2" <<'PY' || return 1
import json, re, sys
text = open(sys.argv[1]).read()
rep = json.load(open(sys.argv[2]))
s = rep["settings"]
problems = []
for want in (s["command"], "%.3f s" % s["duration_s"], s["kernel"]):
    if want and want not in text:
        problems.append("settings: %r missing" % want)
rb = rep.get("ringbuf", {"records": 0, "dropped": 0})
if "%d records, %d dropped" % (rb["records"], rb["dropped"]) not in text:
    problems.append("ring buffer line missing")
if "missed runs   %d" % rep.get("tracer", {}).get("missed_runs", 0) not in text:
    problems.append("missed runs line missing")
labels = {"send": "send", "wake": "wake", "return": "return", "dispatch": "dispatch",
          "total": "total", "timer_late": "timer lateness"}
for kind, m in rep["mechanisms"].items():
    sec = re.search(r"\n%s\n(.*?)(?=\n\S|\Z)" % kind, text, re.S)
    if not sec:
        problems.append("%s: no section" % kind)
        continue
    sec = sec.group(1)
    line = "events %d, coalesced %d, lost %d, unmatched %d" % (
        m["events"], m["coalesced"], m["lost"], m["unmatched"])
    if line not in sec:
        problems.append("%s: %r missing" % (kind, line))
    w = m["wakes"]
    line = "same CPU %d, cross CPU %d, none needed %d" % (w["same_cpu"], w["cross_cpu"], w["none"])
    if line not in sec:
        problems.append("%s: %r missing" % (kind, line))
    hs = dict(m["stages"])
    hs["sender cost"] = m["sender_cost"]
    for st, h in hs.items():
        label = labels.get(st, st)
        if h["count"] == 0:
            continue
        row = re.search(r"^  %s +(.*)$" % re.escape(label), sec, re.M)
        got = row.group(1).split() if row else []
        want = [str(h[k]) for k in ("count", "min", "p50", "p90", "p99", "p999", "max")]
        if got[:7] != want:
            problems.append("%s/%s: row %s, want %s" % (kind, st, got[:7], want))
for p in problems:
    print("   ", p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
}

# 1. the fixture, from a file and from stdin
if ! "$EVTRACE" report --ns "$FIXTURE" >"$tmp/text" 2>"$tmp/err"; then
	fail "evtrace report $FIXTURE: $(cat "$tmp/err")"
else
	check_text "$tmp/text" "$FIXTURE" || fail "report text does not match $FIXTURE"
	grep -q 'total (ns) : count' "$tmp/text" || fail "no histogram bars for the total"
	[ -s "$tmp/err" ] && fail "stderr not empty: $(cat "$tmp/err")"
fi
"$EVTRACE" report --ns - <"$FIXTURE" >"$tmp/text2" 2>/dev/null || fail "evtrace report - (stdin) failed"
cmp -s "$tmp/text" "$tmp/text2" || fail "report from stdin differs from report from the file"

# 2. summaries only: no bars, and it says so
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
for m in r["mechanisms"].values():
    m.pop("total_buckets", None)
json.dump(r, open(sys.argv[2], "w"))' "$FIXTURE" "$tmp/summ.json"
validate report "$tmp/summ.json"
if "$EVTRACE" report --ns "$tmp/summ.json" >"$tmp/text" 2>"$tmp/err"; then
	check_text "$tmp/text" "$tmp/summ.json" || fail "summaries-only text does not match"
	grep -q 'only the summaries' "$tmp/text" || fail "summaries-only report does not say why there are no bars"
	grep -q 'total (ns) : count' "$tmp/text" && fail "bars drawn without buckets"
else
	fail "evtrace report on a summaries-only file: $(cat "$tmp/err")"
fi

# 3. lost and unmatched events, ring buffer drops: never hidden
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
z = {"count": 0, "min": 0, "p50": 0, "p90": 0, "p99": 0, "p999": 0, "max": 0, "mean": 0}
r["mechanisms"]["pipe"] = {"events": 0, "lost": 5, "unmatched": 6, "coalesced": 0,
    "stages": {k: z for k in ("send", "wake", "return", "dispatch", "total")},
    "sender_cost": z, "wakes": {"same_cpu": 0, "cross_cpu": 0, "none": 0}}
r["ringbuf"] = {"records": 10, "dropped": 3}
json.dump(r, open(sys.argv[2], "w"))' "$FIXTURE" "$tmp/lost.json"
validate report "$tmp/lost.json"
if "$EVTRACE" report --ns "$tmp/lost.json" >"$tmp/text" 2>"$tmp/err"; then
	check_text "$tmp/text" "$tmp/lost.json" || fail "lost/unmatched not shown"
	grep -q '10 records, 3 dropped' "$tmp/text" || fail "ring buffer drops not shown"
else
	fail "evtrace report on a file with lost events: $(cat "$tmp/err")"
fi

# 4. as root: a fresh run's JSON, to a file and to stdout, reads back
if [ "$(id -u)" = 0 ]; then
	if "$EVTRACE" run --json "$tmp/run.json" -- true >"$tmp/text" 2>"$tmp/err"; then
		"$EVTRACE" report --ns "$tmp/run.json" >"$tmp/text2" 2>>"$tmp/err" ||
			fail "evtrace report on run's JSON: $(cat "$tmp/err")"
		check_text "$tmp/text2" "$tmp/run.json" || fail "run's JSON renders wrong"
		validate report "$tmp/run.json"
		grep -q '^evtrace report' "$tmp/err" || fail "run printed no text report on stderr"
		[ -s "$tmp/text" ] && fail "run -- true wrote to stdout"
	else
		fail "evtrace run --json FILE -- true: $(cat "$tmp/err")"
	fi
	if "$EVTRACE" run --json - -- true >"$tmp/stdout.json" 2>"$tmp/err"; then
		python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["settings"]["mode"] == "run"' \
			"$tmp/stdout.json" 2>/dev/null || fail "run --json - did not print one JSON report on stdout"
		validate report "$tmp/stdout.json"
	else
		fail "evtrace run --json - -- true: $(cat "$tmp/err")"
	fi
fi

finish cli_report

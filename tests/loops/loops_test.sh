#!/bin/sh
# SPDX-License-Identifier: MIT
# Real loops nobody here wrote, under `evtrace run`, as root: libuv, libevent
# (precise timer), sd-event, Python asyncio, Node.js (when installed) and a
# program linked against the shared libevm. Each program prints what it did
# (tests/loops/loops_common.h); evtrace's counts must match them per kind
# and every kind's accounting must close (tests/loops/loops_check.py). One
# of them again in the raw_tp and tracepoint modes.
set -u
here=$(dirname "$0")
EVTRACE=${EVTRACE:-build/evtrace}
BIN=${LOOPS_BIN:-build/tests/loops}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

case_run() { # NAME MODE CMD...
	name=$1 mode=$2
	shift 2
	if [ "$mode" = tp_btf ]; then unset EVTRACE_ATTACH_MODE; else export EVTRACE_ATTACH_MODE=$mode; fi
	if ! "$EVTRACE" run --json "$tmp/$name.json" -- "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"; then
		echo "FAIL $name ($mode): evtrace run -- $*: exit status $?"
		tail -5 "$tmp/$name.err"
		fails=$((fails + 1))
		return
	fi
	python3 "$here/../output/validate_json.py" report "$tmp/$name.json" ||
		{ echo "FAIL $name ($mode): the report is off its schema or its accounting is open"; fails=$((fails + 1)); return; }
	python3 "$here/loops_check.py" "$tmp/$name.out" "$tmp/$name.json" || fails=$((fails + 1))
	# the text says the same: one accounting line per kind, none open
	"$EVTRACE" report "$tmp/$name.json" >"$tmp/$name.txt" 2>&1
	if grep -q "accounting OPEN" "$tmp/$name.txt" || ! grep -q "accounting: sends" "$tmp/$name.txt"; then
		echo "FAIL $name ($mode): the text report has no closed accounting line"
		fails=$((fails + 1))
	fi
	unset EVTRACE_ATTACH_MODE
}

case_run libuv tp_btf "$BIN/loops_libuv"
case_run libevent tp_btf "$BIN/loops_libevent"
case_run sdevent tp_btf "$BIN/loops_sdevent"
case_run asyncio tp_btf /usr/bin/python3 "$here/loops_asyncio.py"
if command -v node >/dev/null 2>&1; then
	case_run node tp_btf node "$here/loops_node.js"
else
	echo "node: not installed here (DEPS_TEST has nodejs): left out"
fi
case_run evm_shared tp_btf "$BIN/loops_evm_shared"
case_run sdevent_raw raw_tp "$BIN/loops_sdevent"
case_run sdevent_tp tracepoint "$BIN/loops_sdevent"
case_run asyncio_tp tracepoint /usr/bin/python3 "$here/loops_asyncio.py"

# the dispatch stage comes from libevm.so found through DT_NEEDED: usdt yes
grep -q "usdt          yes" "$tmp/evm_shared.txt" ||
	{ echo "FAIL evm_shared: the text report says no dispatch (usdt no)"; fails=$((fails + 1)); }

# -P: evload's pipe ping-pong between two processes; each process has its
# own counts (sends are counted for the process that receives them), they add
# up to the totals, and the Prometheus series carry pid and comm
EVLOAD=${EVLOAD:-build/evload}
if "$EVTRACE" run -P --json "$tmp/pp.json" --prom-file "$tmp/pp.prom" -- \
	"$EVLOAD" pipe --processes --count 300 >"$tmp/pp.out" 2>"$tmp/pp.err"; then
	python3 "$here/../output/validate_json.py" report "$tmp/pp.json" ||
		{ echo "FAIL -P: the report is off its schema or its accounting is open"; fails=$((fails + 1)); }
	python3 - "$tmp/pp.json" <<'PY' || fails=$((fails + 1))
import json, sys
d = json.load(open(sys.argv[1]))
procs, bad = d.get("processes", []), []
pipe = [p for p in procs if "pipe" in p["mechanisms"]]
if len(pipe) != 2:
    bad.append("%d processes with pipe events, want 2" % len(pipe))
for p in pipe:
    m = p["mechanisms"]["pipe"]
    if m["events"] != 300 or m["sends"] != 300 or not m["accounting"]["closes"]:
        bad.append("pid %d: pipe events %d sends %d closes %s" % (p["pid"], m["events"], m["sends"],
                                                                 m["accounting"]["closes"]))
    if m["stages"]["total"]["count"] != m["events"]:
        bad.append("pid %d: total count %d != events %d" % (p["pid"], m["stages"]["total"]["count"],
                                                            m["events"]))
    if not p["comm"].startswith("evload"):
        bad.append("pid %d: comm %r" % (p["pid"], p["comm"]))
for k, top in d["mechanisms"].items():
    for c in ("events", "sends", "coalesced", "lost", "unmatched"):
        s = sum(p["mechanisms"].get(k, {}).get(c, 0) for p in procs)
        if s != top[c]:
            bad.append("%s %s: processes add up to %d, the total is %d" % (k, c, s, top[c]))
print(("FAIL -P: " + "; ".join(bad)) if bad else "ok -P: 2 processes, pipe 300 events each, adding up")
sys.exit(1 if bad else 0)
PY
	# evtrace report reads the processes back: the same section as the run's
	"$EVTRACE" report "$tmp/pp.json" >"$tmp/pp.report" 2>&1
	sed -n '/^processes (/,/^$/p' "$tmp/pp.err" >"$tmp/pp.procs.run"
	sed -n '/^processes (/,/^$/p' "$tmp/pp.report" >"$tmp/pp.procs.report"
	if ! [ -s "$tmp/pp.procs.run" ] || ! diff "$tmp/pp.procs.run" "$tmp/pp.procs.report" >"$tmp/pp.diff"; then
		echo "FAIL -P: evtrace report shows other processes than the run did:"
		sed 's/^/    /' "$tmp/pp.diff" | head -10
		fails=$((fails + 1))
	fi
	n=$(grep -c '^evtrace_events_total{mechanism="pipe",pid="[0-9]*",comm="evload' "$tmp/pp.prom")
	[ "$n" -eq 2 ] || { echo "FAIL -P: $n pipe series with pid and comm labels in the Prometheus file, want 2"; fails=$((fails + 1)); }
else
	echo "FAIL -P: evtrace run -P -- evload pipe --processes: exit status $?"
	tail -3 "$tmp/pp.err"
	fails=$((fails + 1))
fi

# attach -a -P: a legend line says where unmatched events come from, and the
# signals are broken down by number
"$EVLOAD" signal --duration 3 >"$tmp/sig.out" 2>&1 &
lpid=$!
sleep 0.3
"$EVTRACE" attach -a -P -d 1 --json "$tmp/all.json" >"$tmp/all.txt" 2>&1
wait "$lpid"
"$EVTRACE" report "$tmp/all.json" >"$tmp/all.report" 2>&1
grep -q "^  -a: unmatched events were sent before the trace" "$tmp/all.report" ||
	{ echo "FAIL attach -a: no legend line for unmatched events"; fails=$((fails + 1)); }
python3 - "$tmp/all.json" "$lpid" <<'PY' || fails=$((fails + 1))
import json, sys
d, pid = json.load(open(sys.argv[1])), int(sys.argv[2])
p = [p for p in d.get("processes", []) if p["pid"] == pid]
bad = []
if not p or "signal" not in p[0]["mechanisms"]:
    bad.append("evload (pid %d) is not among the processes with signal events" % pid)
else:
    m = p[0]["mechanisms"]["signal"]
    if not m["accounting"]["closes"] or m["events"] == 0:
        bad.append("evload's signal: events %d, accounting %s" % (m["events"], m["accounting"]))
bs = {s["name"]: s for s in d["mechanisms"].get("signal", {}).get("by_signal", [])}
if "SIGUSR1" not in bs or bs["SIGUSR1"]["events"] == 0:
    bad.append("no SIGUSR1 in signal.by_signal: %s" % sorted(bs))
print(("FAIL attach -a -P: " + "; ".join(bad)) if bad else
      "ok attach -a -P: evload among the processes, its signal accounting closed, SIGUSR1 by number")
sys.exit(1 if bad else 0)
PY

# attach -p -P: the one process traced, as the only entry of processes; the
# trace ends with evload, so the counts are read once nothing moves (a live
# collection reads the per-process and the total counters a moment apart)
"$EVLOAD" signal --delay 1 --count 2000 >"$tmp/sigp.out" 2>&1 &
lpid=$!
sleep 0.2
"$EVTRACE" attach -p "$lpid" -P --json "$tmp/one.json" >"$tmp/one.txt" 2>&1
wait "$lpid"
python3 - "$tmp/one.json" "$lpid" <<'PY' || fails=$((fails + 1))
import json, sys
d, pid = json.load(open(sys.argv[1])), int(sys.argv[2])
procs, bad = d.get("processes", []), []
if [p["pid"] for p in procs] != [pid]:
    bad.append("processes %s, want only evload's %d" % ([p["pid"] for p in procs], pid))
else:
    m = procs[0]["mechanisms"].get("signal")
    top = d["mechanisms"].get("signal")
    if not m or not top or m["events"] == 0 or m["events"] != top["events"] or not m["accounting"]["closes"]:
        bad.append("signal: process %s, total %s" % (m and m["events"], top and top["events"]))
print(("FAIL attach -p -P: " + "; ".join(bad)) if bad else
      "ok attach -p -P: one process, its signal events the total, accounting closed")
sys.exit(1 if bad else 0)
PY

if [ "$fails" -ne 0 ]; then
	echo "loops: $fails failure(s)"
	exit 1
fi
echo "loops: all cases passed"

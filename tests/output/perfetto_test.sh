#!/bin/bash
# evtrace's Perfetto timeline (tools/output/perfetto.c), from records:
#   1. synthetic records with every layout case (ping-pong with its sending
#      syscalls and flows, a queue of overlapping events, an event overlapping
#      its receiver's own syscall, a timer event, stages that do not fit the
#      total, a send merged into another): the trace passes
#      tests/output/perfetto_check.py, and the checker rejects a trace
#      whose stage was moved or whose flow lost its end;
#   2. bad input: one line, non-zero, and no trace file left behind;
#   3. as root, real traced runs of evload: ping-pong (eventfd, signalfd) and
#      a pipe flood, the records also saved with --events: the trace checks
#      against them, every event the report counts is drawn, and the same
#      records give the same trace again through `evtrace report --events F
#      --perfetto OUT`; attach -a --perfetto over an evload (and whatever
#      else runs); --perfetto alone leaves no temporary file behind.
set -u
EVTRACE=${EVTRACE:-build/evtrace}
EVLOAD=${EVLOAD:-build/evload}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
check() { python3 "$here/perfetto_check.py" "$@"; }

# ---- 1. synthetic records
python3 - "$tmp/synth.events" <<'PY'
import json, sys
out = open(sys.argv[1], "w")
def ev(kind, pid, tid, start, send=0, wake=0, ret=0, disp=0, total=None, wt="none", late=0, coal=0):
    if total is None:
        total = send + wake + ret + disp
    out.write(json.dumps({"ts": start + total, "kind": kind, "pid": pid, "tid": tid, "send": send,
        "wake": wake, "return": ret, "dispatch": disp, "total": total, "timer_late": late,
        "wake_type": wt, "coalesced": coal, "start": start, "comm": "rx%d" % tid}) + "\n")
def snd(pid, tid, start, cost, call="write"):
    out.write(json.dumps({"type": "send", "ts": start + cost, "start": start, "pid": pid,
        "tid": tid, "call": call, "comm": "tx\"%d" % tid}) + "\n")
t = 5_000_000_123
# ping-pong between threads 101 and 102 of process 100: each answers from
# its callback, after the dispatch stage ended
for i in range(50):
    a, b = (101, 102) if i % 2 == 0 else (102, 101)
    snd(100, a, t, 1500)
    ev("eventfd", 100, b, t, send=700, wake=2300, ret=1100, disp=900, wt="same_cpu")
    t += 700 + 2300 + 1100 + 900 + 333
# a flood: 40 sends from 201 queue up while 202 is busy; each is read and
# dispatched in turn (they overlap: extra tracks)
base = t
for i in range(40):
    snd(200, 201, base + i * 1000, 600)
for i in range(40):
    end = base + 45_000 + i * 800
    ev("eventfd", 200, 202, base + i * 1000, disp=300, total=end - (base + i * 1000), coal=i % 2)
t = base + 100_000
# a send merged into another: no event of its own
snd(200, 201, t, 500)
t += 10_000
# a signal to 302, whose own syscall at the same time keeps the event off its track
snd(300, 301, t, 2000, "tgkill")
snd(300, 302, t + 100, 400, "kill")
ev("signal", 300, 302, t, send=900, wake=1200, ret=800, disp=1000, wt="cross_cpu")
t += 20_000
# a timer: no sender
ev("timerfd", 400, 401, t, send=51_000, wake=3000, ret=900, disp=700, late=50_000, wt="same_cpu")
t += 100_000
# stages that do not fit the total: the event alone
snd(500, 501, t, 800, "write")
ev("pipe", 500, 502, t, send=800, wake=900, ret=700, disp=500, total=2000, wt="same_cpu")
t += 10_000
# a 1 ns stage, and an event of 1 ns
ev("eventfd", 600, 601, t, send=1, wake=5, ret=3, disp=0, wt="same_cpu")
ev("pipe", 600, 601, t + 100, total=1)
t += 10_000
# one read taking two units of one write: the same start and total, the
# first woken (stages), the second queued behind it
snd(700, 701, t, 900, "write")
ev("pipe", 700, 702, t, send=600, wake=2000, ret=400, wt="cross_cpu")
ev("pipe", 700, 702, t, total=3000)
PY
python3 "$here/validate_json.py" events "$tmp/synth.events" || fail "synthetic records: off the schema"
if "$EVTRACE" report --events "$tmp/synth.events" --perfetto "$tmp/synth.json" 2>"$tmp/err"; then
	check "$tmp/synth.json" "$tmp/synth.events" --min-flows 50 || fail "synthetic records: the trace does not check"
	python3 - "$tmp/synth.json" <<'PY' || fail "synthetic records: the layout is not the expected one"
import json, sys
d = json.load(open(sys.argv[1]))
od = d["otherData"]
# 25 + 25 ping-pong flows, 40 queued (the first one on the thread's track, at
# least one extra track), the signal's, the pipe's and the two-unit read's
# (one flow, to its first event): 93 flows
assert od["events"] == 40 + 50 + 1 + 1 + 1 + 2 + 2, od
assert od["sends"] == 50 + 40 + 1 + 2 + 1 + 1, od
assert od["flows"] == 50 + 40 + 1 + 1 + 1, od
assert od["overlapping"] >= 39 and od["left_out"] == 0, od
names = {e["args"]["name"] for e in d["traceEvents"] if e["ph"] == "M"}
assert any("overlapping #1" in n for n in names), names
# a thread's name is its records' comm (quotes and all), the process its main thread's
assert 'tx"201 201' in names and "rx202 202" in names and "pid 200" in names, sorted(names)

sig = [e for e in d["traceEvents"] if e.get("name") == "signal event"]
assert len(sig) == 1 and sig[0]["tid"] != 302, "the signal event should leave 302's track to its kill()"
pipe = [e for e in d["traceEvents"] if e.get("name") == "pipe event" and e["args"]["total_ns"] == 2000]
kids = [e for e in d["traceEvents"] if e.get("cat") == "stage" and e["pid"] == 500]
assert len(pipe) == 1 and not kids, "stages that do not fit their total should be left out"
two = [e for e in d["traceEvents"] if e.get("name") == "pipe event" and e["pid"] == 700]
assert len(two) == 2, "both events of one two-unit read should be drawn"
PY
	# the checker itself: a moved stage, a flow without its end
	python3 - "$tmp/synth.json" "$tmp/moved.json" "$tmp/noend.json" <<'PY'
import json, sys
from decimal import Decimal
d = json.load(open(sys.argv[1]), parse_float=Decimal)
ev = d["traceEvents"]
i = next(i for i, e in enumerate(ev) if e.get("name") == "wake")
ev[i]["ts"] += Decimal("0.001")
json.dump(d, open(sys.argv[2], "w"), default=str)
d = json.load(open(sys.argv[1]), parse_float=Decimal)
d["traceEvents"] = [e for e in d["traceEvents"] if not (e["ph"] == "f" and e["id"] == 7)]
json.dump(d, open(sys.argv[3], "w"), default=str)
PY
	sed -i 's/"\([0-9]*\.[0-9]*\)"/\1/g' "$tmp/moved.json" "$tmp/noend.json"
	check "$tmp/moved.json" "$tmp/synth.events" >/dev/null 2>&1 && fail "perfetto_check accepts a moved stage"
	check "$tmp/noend.json" "$tmp/synth.events" >/dev/null 2>&1 && fail "perfetto_check accepts a flow without its end"
else
	fail "evtrace report --events --perfetto: $(cat "$tmp/err")"
fi

# ---- 2. bad input: one line, non-zero, nothing left behind
# expect CODE ARGS...
expect() {
	local want=$1 rc
	shift
	"$EVTRACE" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ "$rc" -ne "$want" ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] || [ -s "$tmp/out" ]; then
		fail "evtrace $*: exit $rc (want $want), $(wc -l <"$tmp/err") stderr lines"
		sed 's/^/    /' "$tmp/err" >&2
	fi
}
grep -v '"type": "send"' "$tmp/synth.events" | head -3 | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l); r.pop("start", None); print(json.dumps(r))' >"$tmp/old.events"
printf '{"ts": 1,\n' >"$tmp/cut.events"
printf '{"type": "send", "ts": 1, "start": 5, "pid": 1, "tid": 1, "call": "write"}\n' >"$tmp/back.events"
mkdir "$tmp/out.d"
expect 1 report --events "$tmp/old.events" --perfetto "$tmp/out.d/t.json"
grep -q 'older evtrace' "$tmp/err" || fail "records without start: the line does not say why"
expect 1 report --events "$tmp/cut.events" --perfetto "$tmp/out.d/t.json"
expect 1 report --events "$tmp/back.events" --perfetto "$tmp/out.d/t.json"
expect 1 report --events "$tmp/no-such.events" --perfetto "$tmp/out.d/t.json"
# a bad output path is bad usage (exit 2), found before anything is read
expect 2 report --events "$tmp/synth.events" --perfetto "$tmp/no/such/dir/t.json"
expect 2 report --events "$tmp/synth.events"
expect 2 report --perfetto "$tmp/out.d/t.json"
expect 2 run --perfetto
# records without their sends: a timeline still, and a line saying what it lacks
grep -v '"type": "send"' "$tmp/synth.events" >"$tmp/nosend.events"
if "$EVTRACE" report --events "$tmp/nosend.events" --perfetto "$tmp/nosend.json" 2>"$tmp/err"; then
	check "$tmp/nosend.json" "$tmp/nosend.events" >/dev/null || fail "records without sends: the trace does not check"
	grep -q 'no send records' "$tmp/err" || fail "records without sends: no line saying so"
else
	fail "records without sends: $(cat "$tmp/err")"
fi
[ -z "$(ls -A "$tmp/out.d")" ] || fail "a failed timeline left files: $(ls -A "$tmp/out.d")"

# ---- 3. a real traced run
if [ "$(id -u)" = 0 ]; then
	for kind in eventfd signalfd; do
		f=$tmp/run-$kind
		"$EVTRACE" run --events "$f.events" --perfetto "$f.json" --json "$f.report" -- \
			"$EVLOAD" "$kind" --pattern pingpong --count 500 --cpu same >"$f.out" 2>"$f.err"
		rc=$?
		if [ "$rc" -ne 0 ]; then
			fail "run --perfetto ($kind): exit $rc: $(tail -3 "$f.err")"
			continue
		fi
		# every event drawn, and most with their flow (a send the tracer
		# did not see, e.g. before it attached, has none)
		n=$(grep -vc '"type": *"send"' "$f.events")
		check "$f.json" "$f.events" --min-flows $((n * 9 / 10)) ||
			fail "run --perfetto ($kind): the trace does not check"
		python3 "$here/validate_json.py" events "$f.events" || fail "run --perfetto ($kind): records off the schema"
		python3 - "$f.json" "$f.report" "$kind" <<'PY' || fail "run --perfetto ($kind): events differ from the report"
import json, sys
t, r, kind = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
got = t["otherData"]["events"]
want = r["mechanisms"][kind]["events"]
if got != want or r["ringbuf"]["dropped"]:
    print("    %d events drawn, the report counts %d (dropped %d)" % (got, want, r["ringbuf"]["dropped"]))
    sys.exit(1)
PY
		[ "$kind" = eventfd ] || continue
		# the same records again, from the file
		"$EVTRACE" report --events "$f.events" --perfetto "$f.again.json" 2>"$f.err2" ||
			fail "report --events --perfetto ($kind): $(cat "$f.err2")"
		cmp -s "$f.json" "$f.again.json" || fail "report --events --perfetto ($kind): not the trace run wrote"
	done
	# a flood: events queue up while the receiver is busy (extra tracks)
	f=$tmp/flood
	"$EVTRACE" run --events "$f.events" --perfetto "$f.json" --json "$f.report" -- \
		"$EVLOAD" pipe --pattern flood --count 3000 >"$f.out" 2>"$f.err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "run --perfetto (pipe flood): exit $rc: $(tail -3 "$f.err")"
	else
		check "$f.json" "$f.events" || fail "run --perfetto (pipe flood): the trace does not check"
		python3 -c '
import json, sys
t, r = json.load(open(sys.argv[1]))["otherData"], json.load(open(sys.argv[2]))
ok = t["events"] == r["mechanisms"]["pipe"]["events"] and t["left_out"] == 0
ok = ok and t["events"] == r["ringbuf"]["records"]
sys.exit(0 if ok else 1)' "$f.json" "$f.report" || fail "run --perfetto (pipe flood): events drawn differ from the report"
	fi
	# attach -a: the whole system (other traffic included), evload started
	# once the tracer is ready
	f=$tmp/attach
	"$EVTRACE" attach -a -d 30 --events "$f.events" --perfetto "$f.json" >"$f.out" 2>"$f.err" &
	pid=$!
	for i in $(seq 300); do
		grep -q 'ready' "$f.err" && break
		sleep 0.1
	done
	"$EVLOAD" eventfd --pattern pingpong --count 300 >/dev/null 2>&1 || fail "attach -a --perfetto: evload failed"
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "attach -a --perfetto: exit $rc: $(tail -3 "$f.err")"
	else
		check "$f.json" "$f.events" --min-flows 500 || fail "attach -a --perfetto: the trace does not check"
	fi
	# --perfetto alone: the records go to a temporary file, removed after
	before=$(ls "${TMPDIR:-/tmp}" | grep -c '^evtrace-events\.')
	"$EVTRACE" run --perfetto "$tmp/alone.json" -- "$EVLOAD" eventfd --pattern pingpong --count 200 \
		>/dev/null 2>"$tmp/alone.err" || fail "run --perfetto alone: $(cat "$tmp/alone.err")"
	after=$(ls "${TMPDIR:-/tmp}" | grep -c '^evtrace-events\.')
	[ "$after" -le "$before" ] || fail "run --perfetto alone: its temporary records file was left behind"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["otherData"]["events"] >= 400' \
		"$tmp/alone.json" || fail "run --perfetto alone: fewer than the 400 events"
else
	echo "perfetto_test: not root: the traced runs are skipped" >&2
fi

if [ "$fails" -ne 0 ]; then
	echo "perfetto_test: $fails failure(s)" >&2
	exit 1
fi
echo "perfetto_test: passed"

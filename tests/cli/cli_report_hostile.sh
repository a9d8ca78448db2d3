#!/bin/bash
# evtrace report on hostile files: numbers out of range or contradicting
# each other are one line on stderr naming the key, exit 1, nothing on
# stdout; strings from a file or from /proc (the command line) reach the
# terminal escaped (\xNN), while JSON keeps them as they were (bytes that are
# not UTF-8 become U+FFFD there). As root, also
# `evtrace run` and `evtrace attach` on a command line holding escapes.
set -u
EVTRACE=${EVTRACE:-build/evtrace}
FIXTURE=${FIXTURE:-tests/cli/cli_report_fixture.json}
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$tmp"' EXIT
n=0
. "$(dirname "$0")/cli_report_lib.sh"

# mutate NAME PYTHON: the fixture changed by PYTHON (r is the report, e the
# eventfd mechanism, t its total stage), written to $tmp/NAME.json as is
mutate() {
	python3 - "$FIXTURE" "$tmp/$1.json" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
e = r["mechanisms"]["eventfd"]
t = e["stages"]["total"]
exec(sys.argv[3])
open(sys.argv[2], "w").write(json.dumps(r) if isinstance(r, dict) else r)
PY
}

# rejected NAME KEY: evtrace report exits 1, one stderr line naming KEY
rejected() {
	local rc
	n=$((n + 1))
	"$EVTRACE" report "$tmp/$1.json" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne 1 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] || [ -s "$tmp/out" ] ||
	   ! grep -qF -- "$2" "$tmp/err"; then
		fail "$1: exit $rc (want 1), $(wc -l <"$tmp/err") stderr lines naming '$2' wanted, $(wc -c <"$tmp/out") stdout bytes:"
		sed 's/^/    /' "$tmp/err" >&2
	fi
}

mutate mean-huge 't["mean"] = 1e308'
rejected mean-huge "mechanisms.eventfd.stages.total.mean"
mutate mean-nan 'r = json.dumps(r).replace(str(t["mean"]), "NaN", 1)'
rejected mean-nan "stages.total.mean: NaN is not a finite number"
mutate mean-inf 'r = json.dumps(r).replace(str(t["mean"]), "Infinity", 1)'
rejected mean-inf "stages.total.mean: Infinity is not a finite number"
mutate mean-neg 'e["sender_cost"]["mean"] = -3.0'
rejected mean-neg "mechanisms.eventfd.sender_cost.mean: negative"
mutate mean-above 't["mean"] = t["max"] + 10.0'
rejected mean-above "stages.total.mean"
mutate count-2p63 't["count"] = 2**63'
rejected count-2p63 "stages.total.count: 9223372036854775808 does not fit"
mutate events-2p64 'e["events"] = 2**64 + 5'
rejected events-2p64 "mechanisms.eventfd.events"
mutate lost-neg 'e["lost"] = -1'
rejected lost-neg "mechanisms.eventfd.lost: not a non-negative integer"
mutate p99-order 't["p99"] = t["p50"] - 1'
rejected p99-order "stages.total.p99"
mutate p50-below-min 't["p50"] = t["min"] - 1'
rejected p50-below-min "stages.total.p50"
mutate max-below 'e["stages"]["wake"]["max"] = e["stages"]["wake"]["p999"] - 1'
rejected max-below "stages.wake.max"
mutate buckets-wrap '
b = e["total_buckets"]
b[0][1] = 2**63 - 1; b[1][1] = 2**63 - 1
b[2][1] = t["count"] - sum(c for _, c in b[3:]) + 2   # wraps to exactly count'
rejected buckets-wrap "mechanisms.eventfd.total_buckets: the counts add up past 2^64"
mutate buckets-order 'b = e["total_buckets"]; b[0], b[1] = b[1], b[0]'
rejected buckets-order "mechanisms.eventfd.total_buckets[1]"
mutate duration-nan 'r = json.dumps(r).replace(str(r["settings"]["duration_s"]), "NaN", 1)'
rejected duration-nan "settings.duration_s: NaN is not a finite number"
mutate duration-neg 'r["settings"]["duration_s"] = -1.5'
rejected duration-neg "settings.duration_s: negative"
mutate name-newline 'r["mechanisms"]["evil\n\u001b[2J"] = {}'
rejected name-newline 'mechanisms.evil\x0a\x1b[2J: unknown mechanism'
# -P's processes and the signals' by_signal lists
mutate procs-obj 'r["processes"] = {}'
rejected procs-obj "processes: not an array"
mutate procs-dup 'r["processes"] = [{"pid": 5, "comm": "a", "mechanisms": {"eventfd": e}}, {"pid": 5, "comm": "b", "mechanisms": {}}]'
rejected procs-dup "processes[1].pid: 5 listed twice"
mutate procs-pid 'r["processes"] = [{"pid": 5000000, "comm": "a", "mechanisms": {}}]'
rejected procs-pid "processes[0].pid: 5000000 is not a process id"
mutate procs-many 'r["processes"] = [{"pid": i + 1, "comm": "a", "mechanisms": {}} for i in range(65)]'
rejected procs-many "processes: 65 listed, more than the 64"
mutate procs-mech 'r["processes"] = [{"pid": 7, "comm": "a", "mechanisms": {"eventfd": dict(e, events=-1)}}]'
rejected procs-mech "processes[0].mechanisms.eventfd.events: not a non-negative integer"
mutate procs-kind 'r["processes"] = [{"pid": 7, "comm": "a", "mechanisms": {"futex": e}}]'
rejected procs-kind "processes[0].mechanisms.futex: unknown mechanism"
mutate sig-dup 'e["by_signal"] = [{"signo": 10, "name": "SIGUSR1", "events": 1}, {"signo": 10, "name": "SIGUSR1"}]'
rejected sig-dup "mechanisms.eventfd.by_signal[1].signo: signal 10 listed twice"
mutate sig-zero 'e["by_signal"] = [{"signo": 0, "name": "none"}]'
rejected sig-zero "mechanisms.eventfd.by_signal[0].signo: 0 is not a signal number"
mutate sig-name 'e["by_signal"] = [{"signo": 12, "events": 3}]'
rejected sig-name "mechanisms.eventfd.by_signal[0].name: missing"
# ... and read back as they were written: the text shows them
n=$((n + 1))
mutate procs-ok 'r["processes"] = [{"pid": 4242, "comm": "worker", "mechanisms": {"eventfd": e}}]
r["processes_left_out"] = 3
e["by_signal"] = [{"signo": 12, "name": "SIGUSR2", "events": 7, "sends": 7}]'
if "$EVTRACE" report "$tmp/procs-ok.json" >"$tmp/text" 2>"$tmp/err"; then
	grep -q "^processes (1, more left out)" "$tmp/text" && grep -q "^  pid 4242 (worker)" "$tmp/text" &&
		grep -q "^  3 more processes" "$tmp/text" && grep -q "^  SIGUSR2 *events 7," "$tmp/text" ||
		fail "processes / by_signal not shown as read: $(grep -A3 '^processes' "$tmp/text")"
else
	fail "evtrace report on a report with processes: $(cat "$tmp/err")"
fi

# no_raw FILE: no control byte but newline, no DEL, no C1 (U+0080..U+009F as
# UTF-8), no byte that is not UTF-8
no_raw() {
	python3 - "$1" <<'PY'
import re, sys
b = open(sys.argv[1], "rb").read()
bad = re.search(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", b)
try:
    b.decode("utf-8")
except UnicodeDecodeError as e:
    bad = bad or e
sys.exit("raw control or invalid byte: %r" % (bad,) if bad else 0)
PY
}

# strings from a file: escaped in the text
n=$((n + 1))
mutate strings 's = r["settings"]
s["command"] = "evload \u001b[2J\u001b]0;owned\u0007\r\u009b31m \\ done"
s["cpu_model"] = "cpu\u202eevil"
s["hypervisor"] = "K\u007fVM"
s["hostname"] = "box\u001b]0;x\u0007"'
# a byte that is not UTF-8 (JSON files may hold one; json-c reads it)
python3 -c 'import sys; p = sys.argv[1]; b = open(p, "rb").read(); open(p, "wb").write(b.replace(b"SMP", b"S\xffMP", 1))' "$tmp/strings.json"
if "$EVTRACE" report "$tmp/strings.json" >"$tmp/text" 2>"$tmp/err"; then
	no_raw "$tmp/text" || fail "report text holds raw control characters"
	grep -qF 'evload \x1b[2J\x1b]0;owned\x07\x0d\xc2\x9b31m \\ done' "$tmp/text" ||
		fail "command not escaped as \\xNN: $(grep -a command "$tmp/text")"
	grep -qF 'cpu\xe2\x80\xaeevil' "$tmp/text" || fail "bidirectional override not escaped"
	grep -qF 'K\x7fVM' "$tmp/text" || fail "DEL not escaped"
	grep -qF 'box\x1b]0;x\x07' "$tmp/text" || fail "hostname not escaped"
	grep -qF 'S\xffMP' "$tmp/text" || fail "invalid UTF-8 not escaped"
else
	fail "evtrace report on a file with escapes in its strings: $(cat "$tmp/err")"
fi

# claim ids from saved bench results (evtrace bench --baseline): escaped too
n=$((n + 1))
BENCH_FIXTURE=${BENCH_FIXTURE:-tests/output/bench_fixture.json}
python3 - "$BENCH_FIXTURE" "$tmp/bench-new.json" "$tmp/bench-dup.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["claims"].append(dict(d["claims"][0], id="evil\u001b[2J\r\u0007claim"))
json.dump(d, open(sys.argv[2], "w"))
d["claims"].append(dict(d["claims"][-1]))
json.dump(d, open(sys.argv[3], "w"))
PY
"$EVTRACE" bench --baseline "$BENCH_FIXTURE" --against "$tmp/bench-new.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
{ [ "$rc" -eq 3 ] && no_raw "$tmp/err" && grep -qF 'evil\x1b[2J\x0d\x07claim: (no such claim) ->' "$tmp/err"; } ||
	{ fail "bench --against: a claim id with escapes: exit $rc (want 3), not escaped:"; sed 's/^/    /' "$tmp/err" >&2; }
n=$((n + 1))
"$EVTRACE" bench --baseline "$tmp/bench-dup.json" --against "$BENCH_FIXTURE" >"$tmp/out" 2>"$tmp/err"
rc=$?
{ [ "$rc" -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && no_raw "$tmp/err" &&
  grep -qF 'evil\x1b[2J\x0d\x07claim appears twice' "$tmp/err"; } ||
	{ fail "bench --baseline: a repeated claim id with escapes: exit $rc (want 1), not one escaped line:"; sed 's/^/    /' "$tmp/err" >&2; }

# as root: the command line of a traced process, from argv and /proc
if [ "$(id -u)" = 0 ]; then
	n=$((n + 1))
	esc=$'\e[2J\e]0;owned\a'
	# run's text report goes to stderr (stdout is the command's)
	if "$EVTRACE" run --json "$tmp/run.json" -- true "$esc" >"$tmp/out" 2>"$tmp/text"; then
		no_raw "$tmp/text" || fail "run: report text holds raw control characters"
		grep -qF 'true \x1b[2J\x1b]0;owned\x07' "$tmp/text" || fail "run: command not escaped"
		python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))["settings"]["command"]
sys.exit(0 if c == "true " + sys.argv[2] else "JSON command %r" % c)' "$tmp/run.json" "$esc" ||
			fail "run: JSON does not keep the command as it was"
	else
		fail "evtrace run -- true ESC: $(cat "$tmp/text")"
	fi
	# bytes that are not UTF-8: \xNN in the text, U+FFFD in the JSON (valid UTF-8)
	n=$((n + 1))
	if "$EVTRACE" run --json "$tmp/latin1.json" -- true $'caf\xe9' >"$tmp/out" 2>"$tmp/text"; then
		grep -qF 'true caf\xe9' "$tmp/text" || fail "run: a byte that is not UTF-8 not escaped"
		python3 -c 'import json, sys; c = json.load(open(sys.argv[1], encoding="utf-8"))["settings"]["command"]
sys.exit(0 if c == "true caf\ufffd" else "JSON command %r" % c)' "$tmp/latin1.json" ||
			fail "run: JSON of a command line that is not UTF-8 is not valid UTF-8 with U+FFFD"
	else
		fail "evtrace run -- true (not UTF-8): $(cat "$tmp/text")"
	fi
	n=$((n + 1))
	(exec -a "sleeper$esc" sleep 30) &
	pids+=($!)
	# attach once the subshell has become the sleeper (before its exec,
	# /proc shows the shell's command line)
	for _ in $(seq 200); do
		head -c 7 "/proc/${pids[0]}/cmdline" 2>/dev/null | grep -q '^sleeper' && break
		sleep 0.05
	done
	if "$EVTRACE" attach -p "${pids[0]}" -d 1 --json "$tmp/attach.json" >"$tmp/text" 2>"$tmp/err"; then
		no_raw "$tmp/text" || fail "attach: report text holds raw control characters"
		grep -qF 'sleeper\x1b[2J\x1b]0;owned\x07 30' "$tmp/text" ||
			fail "attach: command from /proc not escaped: $(grep -a command "$tmp/text")"
		python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))["settings"]["command"]
sys.exit(0 if c == "sleeper" + sys.argv[2] + " 30" else "JSON command %r" % c)' "$tmp/attach.json" "$esc" ||
			fail "attach: JSON does not keep the command as it was"
		"$EVTRACE" report "$tmp/attach.json" >"$tmp/text2" 2>"$tmp/err" ||
			fail "attach: its JSON does not read back: $(cat "$tmp/err")"
		no_raw "$tmp/text2" || fail "attach: report of its JSON holds raw control characters"
	else
		fail "evtrace attach -p (sleep with escapes in argv): $(cat "$tmp/err")"
	fi
fi

finish cli_report_hostile "$n"

#!/bin/bash
# evtrace end to end, real BPF. As root.
#
#   1. every kind: `evtrace run --json F -- evload KIND --pattern pingpong`:
#      counts equal evload's, stages consistent, kernel p50 <= user p50 and
#      close to it on one CPU (tests/cli/cli_e2e_check.py)
#   2. attach to an evload already running (--delay), until it exits
#   3. follow a forked child (evload --processes)
#   4. interval reports (-i) add up to the whole run in --json
#   5. unprivileged: one clear line naming CAP_BPF and CAP_PERFMON
#   6. missing BTF (--btf, EVTRACE_BTF): one clear line
#   7. a PID that does not exist: one line; one that exits mid-trace: a
#      clean report
#   8. SIGINT / SIGTERM / SIGHUP / SIGQUIT stop tracing cleanly; run
#      forwards them to CMD; a closed stdout (| head) ends attach as SIGTERM
#   9. run's stdout is CMD's: the report on stderr, -o FILE, or after CMD
#  10. output files: /dev/full is an error, a planted symlink is replaced
#  11. -i 0.01: reports on schedule (no catch-up burst), SIGINT, no zombie
#  12. CMD dies with evtrace, even when evtrace is killed with SIGKILL
#  13. kernel.bpf_stats_enabled on (it times every program run): said at the
#      start, in the text report and in the JSON settings; off: none of it
# Cases wait for evtrace's lines on stderr (ready, BPF program ids), never
# for a sleep to be long enough.
# After every case, no BPF program of ours may be left loaded.
set -u
EVTRACE=${EVTRACE:-build/evtrace}
EVLOAD=${EVLOAD:-build/evload}
COUNT=${CLI_E2E_COUNT:-2000}
# how far above the kernel's total evload's p50 may be, one CPU (ns)
GAP_NS=${CLI_E2E_GAP_NS:-5000}
here=$(dirname "$0")
# every JSON file evtrace writes here must match its schema (docs/schema/)
validate() { python3 "$here/../output/validate_json.py" "$@" || fail "$2: does not match docs/schema/$1.schema.json"; }

if [ "$(id -u)" != 0 ]; then
	echo "cli_e2e: SKIPPED: needs root (BPF); run 'make test' as root" >&2
	exit 0
fi
for f in "$EVTRACE" "$EVLOAD"; do
	[ -x "$f" ] || { echo "cli_e2e: $f not built" >&2; exit 1; }
done
command -v bpftool >/dev/null || { echo "cli_e2e: bpftool missing" >&2; exit 1; }

tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
fails=0 cases=0

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
show() { sed 's/^/    | /' "$@" >&2; }

# Our programs' ids: every traced case runs evtrace with -v, which prints
# "evtrace ...: BPF program ids: N N ..." once they are loaded.
ids_in() {
	sed -n 's/^evtrace [a-z]*: BPF program ids://p' "$@" 2>/dev/null | tr ' ' '\n' | sed '/^$/d'
}

# after CASE [STDERR_FILE...]: no program of that case is left loaded. The
# kernel frees a program an RCU grace period after its last holder is gone,
# so allow 10 s. Cases that load nothing (their evtrace fails before) have no
# ids: the final check below covers them.
after() {
	local what=$1 i id left ids
	shift
	cases=$((cases + 1))
	ids=$(ids_in "$@")
	[ $# -eq 0 ] || [ -n "$ids" ] || { fail "$what: no 'BPF program ids' line from evtrace -v"; return; }
	for i in $(seq 50); do
		left=
		for id in $ids; do
			bpftool prog show id "$id" >/dev/null 2>&1 && left="$left $id"
		done
		[ -z "$left" ] && return
		sleep 0.2
	done
	fail "$what: BPF programs left loaded after evtrace exited: ids$left"
}

# one_line CASE ERRFILE PATTERN: exactly one stderr line matching PATTERN
one_line() {
	local n
	n=$(wc -l <"$2")
	if [ "$n" -ne 1 ] || ! grep -Eq "$3" "$2"; then
		fail "$1: want one stderr line matching /$3/, got $n:"
		show "$2"
	fi
}


# traced CASE KIND NAME [EVTRACE_OPTION...] -- EVLOAD_ARG...: evtrace run
# --json over evload, then evtrace's report against evload's. Files in
# $tmp/NAME.{json,out,err}.
traced() {
	local what=$1 kind=$2 f=$tmp/$3 opts=() try rc
	shift 3
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	# the gap to evload's p50 alone may be retried (a busy machine delays
	# the receiver after the kernel is done); every other check is final
	for try in 1 2 3; do
		if ! "$EVTRACE" run -v "${opts[@]}" --json "$f.json" -- "$EVLOAD" "$@" >"$f.out" 2>"$f.err"; then
			fail "$what: exit $? (evload $*)"
			show "$f.err"
			after "$what" "$f.err"
			return 1
		fi
		python3 "$here/cli_e2e_check.py" --max-gap-ns "$GAP_NS" "$kind" "$f.json" "$f.out"
		rc=$?
		validate report "$f.json"
		after "$what (try $try)" "$f.err"
		[ "$rc" -eq 2 ] && [ "$try" -lt 3 ] && { echo "    (busy machine? once more)"; continue; }
		break
	done
	[ "$rc" -eq 0 ] || fail "$what: evtrace and evload disagree"
	grep -q '^evtrace report' "$f.err" || fail "$what: no text report on stderr"
	grep -q '^evtrace report' "$f.out" && fail "$what: the report went to CMD's stdout"
}

# ---- 1. every kind, ping-pong on one CPU (timerfd: its 1 ms period)
kind_args() {
	if [ "$1" = timerfd ]; then
		echo timerfd --count $((COUNT < 500 ? COUNT : 500)) --cpu same --json
	else
		echo "$1" --pattern pingpong --count "$COUNT" --cpu same --json
	fi
}
for kind in eventfd pipe signal sigwait signalfd timerfd; do
	traced "run $kind" "$kind" "$kind" -- $(kind_args "$kind")
done

# ---- 1b. --events: one record per event, as many as the report counts.
# Streaming records wakes evtrace, which then competes with the traced
# receiver: evload's latency is not compared here (GAP_NS=-1).
for kind in eventfd timerfd; do
	GAP_NS=-1 traced "run --events $kind" "$kind" "ev-$kind" --events "$tmp/$kind.events" -- \
		$(kind_args "$kind") || continue
	validate events "$tmp/$kind.events"
	python3 -c '
import json, sys
kind, rep, evf = sys.argv[1:]
r = json.load(open(rep))
lines = [json.loads(l) for l in open(evf)]
m = r["mechanisms"].get(kind, {"events": 0})
bad = [l for l in lines if l.get("kind") != kind]
ok = len(lines) == r["ringbuf"]["records"] == m["events"] and not bad and r["ringbuf"]["dropped"] == 0
if not ok:
    print("    %d records in the file, ringbuf.records %d, dropped %d, events %d, %d of another kind"
          % (len(lines), r["ringbuf"]["records"], r["ringbuf"]["dropped"], m["events"], len(bad)))
sys.exit(0 if ok else 1)' "$kind" "$tmp/ev-$kind.json" "$tmp/$kind.events" ||
		fail "run $kind --events: records do not match the report"
done

# wait_line FILE PATTERN [TENTHS]: until FILE has a line matching PATTERN
# (default 60 s); 1 if it never came
wait_line() {
	local i
	for i in $(seq "${3:-600}"); do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# wait_exit PID [SECONDS]: waits for the background PID (default 60 s),
# then kills it; its exit status, or 124 when it had to be killed
wait_exit() {
	local i
	for i in $(seq $((${2:-60} * 10))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		# in one group: bash reports a job killed by a signal ("Killed")
		# on the shell's stderr after the command it noticed it in
		{ kill -KILL "$1"; wait "$1"; } 2>/dev/null
		return 124
	fi
	wait "$1"
}

# ---- 2. attach to an evload already running, before its traffic starts:
# evload is stopped during its --delay until evtrace says it is ready
"$EVLOAD" eventfd --pattern pingpong --count "$COUNT" --cpu same --delay 3 --json \
	>"$tmp/attach.out" 2>"$tmp/attach.evload.err" &
target=$!
wait_line "$tmp/attach.evload.err" 'traffic starts' || fail "attach: evload printed no pids"
kill -STOP "$target"
"$EVTRACE" attach -v -p "$target" -d 60 --json "$tmp/attach.json" \
	>"$tmp/attach.text" 2>"$tmp/attach.err" &
tracer=$!
wait_line "$tmp/attach.err" ': ready' || fail "attach: no ready line"
kill -CONT "$target"
if wait_exit "$tracer" 120; then
	wait "$target" || fail "attach: evload failed: $(cat "$tmp/attach.evload.err")"
	python3 "$here/cli_e2e_check.py" --max-gap-ns "$GAP_NS" eventfd "$tmp/attach.json" \
		"$tmp/attach.out" || fail "attach: evtrace and evload disagree"
	grep -q "process $target exited" "$tmp/attach.err" || fail "attach: no line saying the target exited"
	grep -q '^evtrace report' "$tmp/attach.text" || fail "attach: no text report on stdout"
	validate report "$tmp/attach.json"
else
	fail "attach -p $target: exit $?"
	show "$tmp/attach.err"
	kill -CONT "$target" 2>/dev/null
	wait "$target"
fi
after "attach" "$tmp/attach.err"

# ---- 3. follow a forked child: sender and receiver in two processes
traced "run evload --processes" eventfd fork -- \
	eventfd --pattern pingpong --count "$COUNT" --processes --cpu same --json

# ---- 4. interval reports: printed, and --json holds the whole run
if traced "run -i" eventfd int -i 0.3 -- \
	eventfd --pattern pingpong --count "$COUNT" --cpu same --delay 0.7 --json; then
	n=$(grep -c '^=== interval [0-9]' "$tmp/int.err")
	[ "$n" -ge 2 ] || fail "-i 0.3: $n interval reports over > 0.7 s"
fi

# ---- 5. unprivileged
cp "$EVTRACE" "$tmp/evtrace"
chmod 755 "$tmp/evtrace"
unpriv=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
for sub in "run -- /bin/true" "attach -p $$ -d 1"; do
	"${unpriv[@]}" "$tmp/evtrace" $sub >"$tmp/up.out" 2>"$tmp/up.err"
	[ $? -ne 0 ] || fail "unprivileged $sub: exit 0"
	one_line "unprivileged ${sub%% *}" "$tmp/up.err" 'CAP_BPF.*CAP_PERFMON|CAP_PERFMON.*CAP_BPF'
done
after "unprivileged"

# ---- 6. missing kernel BTF
"$EVTRACE" run --btf /nonexistent/vmlinux -- /bin/true >"$tmp/btf.out" 2>"$tmp/btf.err"
[ $? -ne 0 ] || fail "--btf /nonexistent: exit 0"
one_line "--btf /nonexistent" "$tmp/btf.err" 'BTF.*/nonexistent/vmlinux|/nonexistent/vmlinux.*BTF'
EVTRACE_BTF=/nonexistent/btf "$EVTRACE" attach -a -d 1 >"$tmp/btf.out" 2>"$tmp/btf.err"
[ $? -ne 0 ] || fail "EVTRACE_BTF=/nonexistent: exit 0"
one_line "EVTRACE_BTF=/nonexistent" "$tmp/btf.err" 'BTF.*/nonexistent/btf|/nonexistent/btf.*BTF'
after "missing BTF"

# ---- 7. PIDs that do not exist, or exit mid-trace
nopid=$(($(cat /proc/sys/kernel/pid_max) + 1))
"$EVTRACE" attach -p "$nopid" >"$tmp/np.out" 2>"$tmp/np.err"
[ $? -ne 0 ] || fail "attach to PID $nopid: exit 0"
one_line "attach to a missing PID" "$tmp/np.err" "no process with PID $nopid"
sleep 1 &
target=$!
start=$(date +%s%N)
"$EVTRACE" attach -v -p "$target" -d 30 >"$tmp/mid.out" 2>"$tmp/mid.err"
rc=$?
took=$((($(date +%s%N) - start) / 1000000))
[ "$rc" -eq 0 ] || { fail "attach to a PID exiting mid-trace: exit $rc"; show "$tmp/mid.err"; }
[ "$took" -lt 10000 ] || fail "attach did not stop when its target exited (${took} ms)"
grep -q '^evtrace report' "$tmp/mid.out" || fail "attach to a PID exiting mid-trace: no report"
grep -q "process $target exited" "$tmp/mid.err" || fail "attach: no line saying PID $target exited"
wait "$target" 2>/dev/null
after "PID exiting mid-trace" "$tmp/mid.err"

# ---- 8. signals: INT, TERM, HUP, QUIT stop attach -a with a report;
# TERM reaches run's CMD
# stop_with SIG NAME WANT_EXIT REPORT_IN EVTRACE_ARG...: signal evtrace once
# it traces (its ids line: the signals are caught from before the tracers
# load); REPORT_IN: out or err, where the text report goes
stop_with() {
	local sig=$1 f=$tmp/$2 want=$3 in=$4 pid rc
	shift 4
	"$EVTRACE" "$@" >"$f.out" 2>"$f.err" &
	pid=$!
	wait_line "$f.err" 'BPF program ids' || fail "evtrace $*: no ids line"
	kill -"$sig" "$pid"
	wait_exit "$pid"
	rc=$?
	[ "$rc" -eq "$want" ] || { fail "evtrace $*, SIG$sig: exit $rc, want $want"; show "$f.err"; }
	grep -q '^evtrace report' "$f.$in" || fail "evtrace $*, SIG$sig: no report"
	after "SIG$sig" "$f.err"
}
stop_with INT sig 0 out attach -v -a -d 60 --json "$tmp/sig.json"
"$EVTRACE" report "$tmp/sig.json" >/dev/null 2>&1 || fail "attach -a, SIGINT: no valid JSON saved"
validate report "$tmp/sig.json"
for sig in HUP QUIT; do
	stop_with "$sig" "sig$sig" 0 out attach -v -a -d 60 --json "$tmp/sig$sig.json"
	validate report "$tmp/sig$sig.json"
done
# run forwards SIGTERM to sleep, which dies of it: 128 + 15
stop_with TERM term 143 err run -v -- sleep 30

# a closed stdout: attach -a -i ends at the next report (EPIPE, as SIGTERM),
# the JSON written; run's CMD gets SIGPIPE and the JSON is written too
timeout 60 "$EVTRACE" attach -a -i 0.05 --json "$tmp/pipe.json" 2>"$tmp/pipe.err" | head -1 >/dev/null
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] || { fail "attach -i | head -1: exit $rc, want 0"; show "$tmp/pipe.err"; }
[ -s "$tmp/pipe.json" ] && validate report "$tmp/pipe.json" || fail "attach -i | head -1: no JSON"
timeout 60 "$EVTRACE" run --json "$tmp/pipe2.json" -- seq 1000000 2>"$tmp/pipe2.err" | head -1 >/dev/null
[ -s "$tmp/pipe2.json" ] && validate report "$tmp/pipe2.json" || fail "run --json F -- seq | head -1: no JSON"
cases=$((cases + 2))

# ---- 9. run's stdout is the command's
out=$("$EVTRACE" run -- echo hello 2>/dev/null)
[ "$out" = hello ] || fail "run -- echo hello 2>/dev/null printed '$out', want exactly 'hello'"
"$EVTRACE" run --json - -- true 2>/dev/null | python3 -m json.tool >/dev/null ||
	fail "run --json - -- true | python3 -m json.tool failed"
"$EVTRACE" run -o - -- echo hello 2>"$tmp/o.err" >"$tmp/o.out"
[ "$(head -1 "$tmp/o.out")" = hello ] && grep -q '^evtrace report' "$tmp/o.out" ||
	fail "run -o - -- echo hello: want 'hello' first, then the report"
"$EVTRACE" run -o "$tmp/o.txt" -- echo hello >"$tmp/o.out" 2>"$tmp/o.err"
[ "$(cat "$tmp/o.out")" = hello ] && grep -q '^evtrace report' "$tmp/o.txt" &&
	! grep -q '^evtrace report' "$tmp/o.err" || fail "run -o FILE: the report is not in FILE alone"
cases=$((cases + 4))

# ---- 10. output files: a failed write is an error; a symlink is replaced
for opt in --json --events; do
	"$EVTRACE" run "$opt" /dev/full -- "$EVLOAD" eventfd --count 100 >/dev/null 2>"$tmp/full.err"
	rc=$?
	[ "$rc" -ne 0 ] || fail "run $opt /dev/full: exit 0"
	grep -q 'cannot write /dev/full' "$tmp/full.err" || { fail "run $opt /dev/full: no error line"; show "$tmp/full.err"; }
done
echo precious >"$tmp/victim"
ln -s "$tmp/victim" "$tmp/planted.json"
"$EVTRACE" run --json "$tmp/planted.json" -- true 2>/dev/null || fail "run --json over a symlink failed"
[ "$(cat "$tmp/victim")" = precious ] || fail "--json wrote through a planted symlink"
[ -L "$tmp/planted.json" ] && fail "--json did not replace the symlink"
validate report "$tmp/planted.json"
ls -a "$tmp" | grep -q '^\.planted' && fail "a temporary file was left beside the output"
cases=$((cases + 2))

# ---- 11. -i 0.01: the run ends, every report on schedule (never a burst of
# catch-up reports), SIGINT ends a long one, and no zombie is left
if timeout 120 "$EVTRACE" run -v -i 0.01 --json "$tmp/i10.json" -- "$EVLOAD" timerfd --count 200 \
	>/dev/null 2>"$tmp/i10.err"; then
	python3 - "$tmp/i10.json" <<'PY' || fail "-i 0.01: intervals off schedule"
import json, math, sys
r = json.load(open(sys.argv[1]))
iv = r["intervals"]
d = r["settings"]["duration_s"]
n = len(iv)
ev = sum(i["mechanisms"].get("timerfd", {}).get("events", 0) for i in iv)
short = [i["duration_s"] for i in iv[:-1] if i["duration_s"] < 0.005]
problems = []
if n > math.ceil(d / 0.01) + 1:
    problems.append("%d reports in %.3f s" % (n, d))
if short:
    problems.append("%d intervals shorter than half the period: a burst" % len(short))
if ev != r["mechanisms"]["timerfd"]["events"]:
    problems.append("the intervals hold %d events, the whole %d" % (ev, r["mechanisms"]["timerfd"]["events"]))
for p in problems:
    print("   ", p)
sys.exit(1 if problems else 0)
PY
	validate report "$tmp/i10.json"
else
	fail "run -i 0.01 -- evload timerfd --count 200: exit $?"
	show "$tmp/i10.err"
fi
after "-i 0.01" "$tmp/i10.err"
"$EVTRACE" run -v -i 0.01 -- "$EVLOAD" timerfd --count 1000000 >/dev/null 2>"$tmp/i10int.err" &
pid=$!
wait_line "$tmp/i10int.err" '=== interval 2 ' || fail "run -i 0.01: no interval reports"
child=$(pgrep -P "$pid")
kill -INT "$pid"
wait_exit "$pid"
rc=$?
# evload dies of the SIGINT evtrace forwards: 128 + 2
[ "$rc" -eq 130 ] || fail "run -i 0.01, SIGINT: exit $rc, want 130"
grep -q '^evtrace report' "$tmp/i10int.err" || fail "run -i 0.01, SIGINT: no report"
[ -n "$child" ] && [ -e "/proc/$child" ] && fail "run -i 0.01, SIGINT: child $child left behind ($(cat /proc/$child/stat 2>/dev/null))"
after "-i 0.01, SIGINT" "$tmp/i10int.err"

# ---- 11b. runqlat's conventions: INTERVAL COUNT positionals end attach by
# themselves after COUNT reports, -T stamps them, -q prints no progress
timeout 60 "$EVTRACE" attach -q -a -T 0.1 3 --json "$tmp/rq.json" >"$tmp/rq.out" 2>"$tmp/rq.err"
rc=$?
[ "$rc" -eq 0 ] || { fail "attach -q -a -T 0.1 3: exit $rc"; show "$tmp/rq.err"; }
n=$(grep -Ec '^=== [0-9]{2}:[0-9]{2}:[0-9]{2} interval [0-9]+ ' "$tmp/rq.out")
[ "$n" -eq 3 ] || fail "attach -a -T 0.1 3: $n timestamped interval reports, want 3"
grep -q 'last interval' "$tmp/rq.out" && fail "attach -a 0.1 3: a fourth report after COUNT"
[ -s "$tmp/rq.err" ] && { fail "attach -q: progress lines on stderr"; show "$tmp/rq.err"; }
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); s=r["settings"]
assert s["hostname"] and s["start_time"] and len(r["intervals"]) >= 3' "$tmp/rq.json" ||
	fail "attach 0.1 3 --json: no hostname, start_time or intervals"
validate report "$tmp/rq.json"
cases=$((cases + 1))

# ---- 12. CMD dies with evtrace, even with SIGKILL (PR_SET_PDEATHSIG)
"$EVTRACE" run -v -- sleep 300 >/dev/null 2>"$tmp/kill.err" &
pid=$!
wait_line "$tmp/kill.err" 'BPF program ids' || fail "run -- sleep: no ids line"
child=$(pgrep -P "$pid")
# (kill and wait in one group whose stderr is dropped: no "Killed" line)
{ kill -KILL "$pid"; wait "$pid"; } 2>/dev/null
gone=
for i in $(seq 100); do
	[ -n "$child" ] && [ -e "/proc/$child" ] || { gone=1; break; }
	sleep 0.1
done
[ -n "$child" ] || fail "run -- sleep: no child found"
[ -n "$gone" ] || { fail "run -- sleep 300: sleep ($child) outlived evtrace killed with SIGKILL"; kill -KILL "$child"; }
after "SIGKILL" "$tmp/kill.err"

# ---- 13. kernel.bpf_stats_enabled off, then on; set back as found, on
# every way out of this script (EXIT, INT, TERM)
stats=/proc/sys/kernel/bpf_stats_enabled
stats_was=$(cat "$stats" 2>/dev/null)
[ -n "$stats_was" ] || fail "no $stats to read: kernel.bpf_stats_enabled cannot be checked"
trap '[ -n "$stats_was" ] && echo "$stats_was" >"$stats"; rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
for on in 0 1; do
	[ -n "$stats_was" ] || break
	echo "$on" >"$stats"
	"$EVTRACE" run -v --json "$tmp/stats.json" -o "$tmp/stats.txt" -- true 2>"$tmp/stats.err"
	rc=$?
	echo "$stats_was" >"$stats"
	[ "$rc" = 0 ] || { fail "bpf_stats_enabled=$on: run -- true exited $rc"; show "$tmp/stats.err"; continue; }
	note=$(grep -c 'kernel.bpf_stats_enabled is on' "$tmp/stats.err")
	line=$(grep -c '^  bpf_stats  *on ' "$tmp/stats.txt")
	json=$(python3 -c 'import json,sys; v = json.load(open(sys.argv[1]))["settings"].get("bpf_stats_enabled")
print("missing" if v is None else int(v))' "$tmp/stats.json" 2>&1)
	validate report "$tmp/stats.json"
	[ "$note" = "$on" ] && [ "$line" = "$on" ] && [ "$json" = "$on" ] ||
		{ fail "bpf_stats_enabled=$on: start note $note, report line $line, JSON $json (want $on each)"; show "$tmp/stats.err" "$tmp/stats.txt"; }
	after "bpf_stats_enabled=$on" "$tmp/stats.err"
done

# ---- finally: nothing named like our programs is loaded (unless another
# evtrace is running on this machine right now)
names=$(python3 -c '
import glob, re, sys
names = set()
for f in glob.glob(sys.argv[1] + "/../../bpf/*.bpf.c"):
    for m in re.finditer(r"SEC\(\"(?!license|\.maps)[^\"]*\"\)\s*int\s+(?:BPF_\w+\(\s*)?(\w+)", open(f).read()):
        names.add(m.group(1)[:15])
print("|".join(sorted(names)))' "$here")
for i in $(seq 50); do
	left=$(bpftool prog list 2>/dev/null | grep -Eo "name ($names) " | sort -u | tr '\n' ' ')
	[ -z "$left" ] && break
	sleep 0.2
done
if [ -n "$left" ]; then
	if pgrep -x evtrace >/dev/null; then
		echo "cli_e2e: note: another evtrace is running; programs loaded now: $left" >&2
	else
		fail "BPF programs of ours loaded with no evtrace running: $left"
	fi
fi

if [ "$fails" -ne 0 ]; then
	echo "cli_e2e: $fails failures in $cases cases" >&2
	exit 1
fi
echo "cli_e2e: $cases cases passed"

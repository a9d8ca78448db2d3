#!/bin/bash
# evtrace bench, end to end: bad options give one line and a
# non-zero exit; as root with the real tracers, a --quick run writes JSON and
# markdown whose structure tests/bench/bench_check.py checks (rows for every
# mechanism, a verdict for every claim, kernel <= user everywhere, the
# conditions); SIGINT stops a run cleanly, leaving no evload behind.
set -u
EVTRACE=${EVTRACE:-build/evtrace}
EVLOAD=${EVLOAD:-build/evload}
MECH_LIST=${MECH_LIST:-build/tests/bench/mech_list}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# expect_bad ARGS...: non-zero exit, one line on stderr, nothing on stdout
expect_bad() {
	local rc lines
	"$EVTRACE" bench "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	lines=$(wc -l <"$tmp/err")
	if [ "$rc" -eq 0 ] || [ "$lines" -ne 1 ] || [ -s "$tmp/out" ]; then
		fail "evtrace bench $*: exit $rc, $lines stderr lines, $(wc -c <"$tmp/out") stdout bytes"
		sed 's/^/    /' "$tmp/err" >&2
	fi
}

expect_bad --bogus
expect_bad --trials 0
expect_bad --trials 33
expect_bad --trials x
expect_bad --scale 0
expect_bad --policy rr
expect_bad --policy fifo:0
expect_bad --timeout -1
expect_bad --json
expect_bad extra
expect_bad --quick --evload "$tmp/no-such-evload"
expect_bad --quick --evload "$EVLOAD" --json "$tmp/no/such/dir/out.json"
expect_bad --quick --evload "$EVLOAD" --markdown "$tmp/no/such/dir/out.md"
"$EVTRACE" bench --help >"$tmp/help" 2>&1 || fail "evtrace bench --help: non-zero exit"
grep -q -- "--quick" "$tmp/help" || fail "evtrace bench --help does not list --quick"

if [ "$(id -u)" != 0 ]; then
	echo "bench_cli: not root: the traced runs are skipped" >&2
	[ "$fails" -eq 0 ] || exit 1
	exit 0
fi

# without privileges: one line naming what is missing
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$EVTRACE" bench --quick --evload "$EVLOAD" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ "$rc" -eq 0 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -qi "CAP_BPF\|root" "$tmp/err"; then
		fail "unprivileged bench: exit $rc, stderr: $(cat "$tmp/err")"
	fi
fi

# a private copy of evload: any evload left running afterwards is ours
cp "$EVLOAD" "$tmp/evload-bench"

# the quick run
start=$(date +%s)
"$EVTRACE" bench --quick --evload "$tmp/evload-bench" --json "$tmp/b.json" \
	--markdown "$tmp/b.md" >"$tmp/b.txt" 2>"$tmp/b.err"
rc=$?
took=$(( $(date +%s) - start ))
if [ "$rc" -ne 0 ]; then
	fail "evtrace bench --quick: exit $rc"
	tail -5 "$tmp/b.err" >&2
else
	"$MECH_LIST" >"$tmp/mechs.json" || fail "$MECH_LIST: exit $?"
	python3 "$here/bench_check.py" "$tmp/b.json" "$tmp/b.md" 3 "$tmp/mechs.json" || fail "bench_check.py"
	python3 "$here/../output/validate_json.py" bench "$tmp/b.json" ||
		fail "$tmp/b.json does not match docs/schema/bench.schema.json"
	for s in "(1) The table as measured" "(2) Verdicts" "(3) Cross-check" "(4) Conditions"; do
		grep -qF "$s" "$tmp/b.txt" || fail "text output lacks '$s'"
	done
	grep -q "done" "$tmp/b.err" || fail "no progress on stderr"
	# under a minute on an idle 2-CPU machine (the figure is printed at the
	# end); the bound, three times that, holds on a machine shared with
	# other builds and catches a hang; that the plan was the quick one
	# (3 trials), bench_check.py checks
	[ "$took" -lt 180 ] || fail "--quick took $took s (more than three minutes)"
fi

# SIGINT mid-run: stops, says so in one line, leaves no evload running (the
# bench runs a private copy of evload under TMPDIR) and no copy behind
mkdir "$tmp/t"
TMPDIR="$tmp/t" "$EVTRACE" bench --evload "$tmp/evload-bench" >"$tmp/i.txt" 2>"$tmp/i.err" &
pid=$!
# once its handler is in place (the "... mode, N trials" line): before it, a
# background job of this non-interactive shell ignores SIGINT
for i in $(seq 600); do
	grep -q ' mode, ' "$tmp/i.err" && break
	sleep 0.1
done
sleep 2
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 130 ] || fail "SIGINT: exit $rc (want 130)"
grep -q "interrupted" "$tmp/i.err" || fail "SIGINT: no 'interrupted' line"
sleep 0.5
if pgrep -f "$tmp/" >/dev/null; then
	fail "SIGINT: evload still running"
	for p in $(pgrep -f "$tmp/"); do kill -KILL "$p"; done
fi
[ -z "$(ls -A "$tmp/t")" ] || fail "SIGINT: the private copy of evload was left in TMPDIR"

if [ "$fails" -ne 0 ]; then
	echo "bench_cli: $fails failure(s)" >&2
	exit 1
fi
echo "bench_cli: passed (quick run $took s)"

#!/bin/bash
# evtrace CLI, bad input: every case exits non-zero with exactly one line on
# stderr and nothing on stdout. Needs no privileges and no BPF.
set -u
EVTRACE=${EVTRACE:-build/evtrace}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 n=0

# expect CODE ARGS...: CODE is an exact exit status or "nz" (any non-zero)
expect() {
	local want=$1 rc lines
	shift
	n=$((n + 1))
	"$EVTRACE" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	lines=$(wc -l <"$tmp/err")
	if [ "$rc" -eq 0 ] || { [ "$want" != nz ] && [ "$rc" -ne "$want" ]; } ||
	   [ "$lines" -ne 1 ] || [ -s "$tmp/out" ]; then
		echo "FAIL: evtrace $*: exit $rc (want $want), $lines stderr lines, $(wc -c <"$tmp/out") stdout bytes:" >&2
		sed 's/^/    /' "$tmp/err" >&2
		fails=$((fails + 1))
	fi
}

# a PID that surely does not exist: above pid_max
nopid=$(( $(cat /proc/sys/kernel/pid_max) + 1 ))
printf '{"settings": {}, "mechanisms": {"eventfd": {"events": -1}}}' >"$tmp/neg.json"
printf '{"settings": {}, "mechanisms": ' >"$tmp/cut.json"
printf '[]' >"$tmp/array.json"
: >"$tmp/empty.json"
printf '{"settings": {}, "mechanisms": {"futex": {}}}' >"$tmp/kind.json"
chmod 000 "$tmp/array.json"

expect 2                                     # no subcommand
expect 2 frobnicate
expect 2 --frob
expect 2 run                                 # no command
expect 2 run --                              # no command after --
expect 2 run --frob -- true
expect 2 run -i                              # missing argument
expect 2 run -i abc -- true
expect 2 run -i 0 -- true
expect 2 run -i -3 -- true
expect 2 run -i 1e99 -- true
expect 2 run --json                          # missing argument
expect 2 run -i 0.001 -- true                # below the 0.01 s minimum
# a bad output path: exit 2 before the command runs
for opt in -o --json --html --events --perfetto --prom-file; do
	expect 2 run "$opt" /nonexistent/dir/out -- touch "$tmp/ran"
	expect 2 attach -a "$opt" /nonexistent/dir/out
done
expect 2 run --events - -- touch "$tmp/ran"  # records need a file
expect 2 run -o - --json - -- touch "$tmp/ran"
[ -e "$tmp/ran" ] && { echo "FAIL: a command ran despite a bad output path" >&2; fails=$((fails + 1)); }
expect 127 run -- /nonexistent/cmd
expect 127 run -- evtrace-no-such-command
expect 126 run -- /etc
expect 2 attach                              # no target
expect 2 attach -p
expect 2 attach -p abc
expect 2 attach -p -5
expect 2 attach -p 0
expect 2 attach -p 12x
expect 2 attach -p 99999999999
expect 2 attach -p 1 -a
expect 2 attach -a -d 0
expect 2 attach -a -d soon
expect 2 attach -p 1 extra
expect 2 attach -p 1 1 2 3                   # INTERVAL COUNT, no more
expect 2 attach -p 1 0.001                   # INTERVAL below 0.01 s
expect 2 attach -p 1 1 0                     # COUNT 0
expect 2 attach -p 1 1 x
expect 2 attach -z
expect 1 attach -p "$nopid"                  # no such process
expect 2 report                              # no file
expect 2 report a b
expect 2 report --frob x
expect 1 report /nonexistent/report.json
expect 1 report "$tmp"                       # a directory
expect 1 report "$tmp/empty.json"
expect 1 report "$tmp/cut.json"
expect 1 report "$tmp/neg.json"
expect 1 report "$tmp/kind.json"
expect 1 report /etc/passwd
if [ "$(id -u)" != 0 ]; then
	expect 1 report "$tmp/array.json"    # unreadable (root reads anything)
fi

# and help is not an error
"$EVTRACE" --help >/dev/null && "$EVTRACE" run --help >/dev/null &&
	"$EVTRACE" attach --help >/dev/null && "$EVTRACE" report --help >/dev/null ||
	{ echo "FAIL: --help exits non-zero" >&2; fails=$((fails + 1)); }

if [ "$fails" -ne 0 ]; then
	echo "cli_bad_input: $fails of $n cases failed" >&2
	exit 1
fi
echo "cli_bad_input: $n cases passed"

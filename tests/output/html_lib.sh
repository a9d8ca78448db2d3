# Shared by tests/output/html_test.sh and prom_test.sh (sourced): failures
# counted in $fails, and the check that bad input is one line on stderr, a
# non-zero exit and nothing on stdout. Needs $tmp.
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# expect_bad CMD...: non-zero exit, one line on stderr, nothing on stdout
expect_bad() {
	local rc lines
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	lines=$(wc -l <"$tmp/err")
	if [ "$rc" -eq 0 ] || [ "$lines" -ne 1 ] || [ -s "$tmp/out" ]; then
		fail "$*: exit $rc, $lines stderr lines, $(wc -c <"$tmp/out") stdout bytes"
		sed 's/^/    /' "$tmp/err" >&2
	fi
}

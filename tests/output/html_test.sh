#!/bin/bash
# evtrace's pictures (--html) in a real browser: headless Chromium loads each
# page (no network: every host name resolves to nothing), its rendered DOM is
# checked against evtrace's own JSON of the same run (tests/output/
# html_check.py: one section per mechanism, one CDF and one stage bar per
# mechanism with a total, p50/p99 as the report says, one verdict row per
# claim, nothing fetched, no script), the console must stay silent (a page
# with a broken script shows that this check sees errors), and a screenshot
# must be a drawn page, not a blank one. Bad paths: one line, non-zero exit,
# before anything runs. As root: a run over three mechanisms, the same report
# saved and drawn again, and a quick bench.
set -u
EVTRACE=${EVTRACE:-build/evtrace}
EVLOAD=${EVLOAD:-build/evload}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$here/html_lib.sh"
W=1000
H=1400

command -v chromium >/dev/null || { echo "html_test: chromium is not installed (make deps)" >&2; exit 1; }

# chrome MODE PAGE OUT: MODE dom (OUT = the DOM) or png (OUT = a screenshot);
# the browser's log goes to OUT.log
chrome() {
	local mode=$1 page=$2 out=$3 profile
	profile=$(mktemp -d "$tmp/profile.XXXXXX")
	local args=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
		--disable-background-networking --disable-component-update --disable-sync
		--disable-extensions --user-data-dir="$profile" --hide-scrollbars
		"--host-resolver-rules=MAP * ~NOTFOUND" --enable-logging=stderr --v=0
		--window-size=$W,$H)
	if [ "$mode" = dom ]; then
		timeout 90 chromium "${args[@]}" --dump-dom "file://$page" >"$out" 2>"$out.log"
	else
		timeout 90 chromium "${args[@]}" --screenshot="$out" "file://$page" >/dev/null 2>"$out.log"
	fi
	local rc=$?
	rm -rf "$profile"
	return $rc
}

# console_clean LOG: no console message at all (our pages have no script)
console_clean() {
	! grep -E ':CONSOLE[^]]*\]' "$1" >/dev/null
}

# look PAGE KIND JSON [shot]: load, check the DOM and the console; with
# "shot", a screenshot too
look() {
	local page=$1 kind=$2 json=$3 shot=${4:-} name
	name=$(basename "$page" .html)
	if ! chrome dom "$page" "$tmp/$name.dom"; then
		fail "$name: chromium --dump-dom failed"
		tail -3 "$tmp/$name.dom.log" >&2
		return
	fi
	python3 "$here/html_check.py" "$kind" "$tmp/$name.dom" "$json" || fail "$name: the rendered DOM"
	console_clean "$tmp/$name.dom.log" || fail "$name: console messages: $(grep CONSOLE "$tmp/$name.dom.log" | head -3)"
	[ "$shot" = shot ] || return 0
	if ! chrome png "$page" "$tmp/$name.png"; then
		fail "$name: chromium --screenshot failed"
		return
	fi
	python3 "$here/html_check.py" png "$tmp/$name.png" "$W" "$H" || fail "$name: the screenshot"
	[ -n "${HTML_TEST_KEEP:-}" ] && cp "$page" "$tmp/$name.png" "$HTML_TEST_KEEP/" 2>/dev/null
	return 0
}

# the console check sees a script error
printf '<!DOCTYPE html><html><body><p>x</p><script>no_such_function();</script></body></html>\n' >"$tmp/broken.html"
chrome dom "$tmp/broken.html" "$tmp/broken.dom" || fail "chromium could not load a trivial page"
console_clean "$tmp/broken.dom.log" && fail "the console check misses an uncaught script error"

fixture="$here/../cli/cli_report_fixture.json"

# bad paths, caught before anything runs
expect_bad "$EVTRACE" report "$fixture" --html "$tmp/no/such/dir/r.html"
expect_bad "$EVTRACE" report "$fixture" --html "$tmp"
expect_bad "$EVTRACE" report "$fixture" --html
expect_bad "$EVTRACE" run --html "$tmp/no/such/dir/r.html" -- touch "$tmp/ran"
[ -e "$tmp/ran" ] && fail "run --html BADPATH ran the command"
expect_bad "$EVTRACE" run --json - --html - -- touch "$tmp/ran"
[ -e "$tmp/ran" ] && fail "run --json - --html - ran the command"
expect_bad "$EVTRACE" attach -a -d 1 --html "$tmp/no/such/dir/r.html"
expect_bad "$EVTRACE" bench --quick --evload "$EVLOAD" --html "$tmp/no/such/dir/b.html"

# a saved report, with its buckets, and without them (drawn through the
# summary's percentiles, and saying so)
"$EVTRACE" report "$fixture" --html "$tmp/fixture.html" >"$tmp/fixture.txt" 2>"$tmp/err" ||
	fail "report --html: exit $?: $(cat "$tmp/err")"
grep -q "eventfd" "$tmp/fixture.txt" || fail "report --html FILE no longer prints the text"
look "$tmp/fixture.html" report "$fixture" shot
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for m in d["mechanisms"].values():
    m.pop("total_buckets", None)
json.dump(d, open(sys.argv[2], "w"))' "$fixture" "$tmp/nobuckets.json"
"$EVTRACE" report "$tmp/nobuckets.json" --html "$tmp/nobuckets.html" >/dev/null 2>"$tmp/err" ||
	fail "report --html (no buckets): exit $?: $(cat "$tmp/err")"
look "$tmp/nobuckets.html" report "$tmp/nobuckets.json"
grep -q "summary's percentiles" "$tmp/nobuckets.html" || fail "a page drawn without buckets does not say so"
# --html -: the page on stdout instead of the text
"$EVTRACE" report "$fixture" --html - >"$tmp/stdout.html" 2>"$tmp/err" || fail "report --html -: exit $?"
head -c 15 "$tmp/stdout.html" | grep -q '<!DOCTYPE html>' || fail "report --html - does not write the page to stdout"
grep -q "^evtrace report" "$tmp/stdout.html" && fail "report --html - also printed the text"

if [ "$(id -u)" != 0 ]; then
	echo "html_test: not root: the traced runs are skipped" >&2
	[ "$fails" -eq 0 ] || exit 1
	exit 0
fi

# a run over three mechanisms, one after the other
"$EVTRACE" run --json "$tmp/run.json" --html "$tmp/run.html" -- sh -c \
	"'$EVLOAD' pipe --count 2000 >/dev/null && '$EVLOAD' timerfd --count 200 >/dev/null && '$EVLOAD' signal --count 1000 >/dev/null" \
	>"$tmp/run.txt" 2>"$tmp/run.err" || fail "run --html: exit $?: $(tail -2 "$tmp/run.err")"
if [ -s "$tmp/run.json" ]; then
	look "$tmp/run.html" report "$tmp/run.json" shot
	python3 - "$tmp/run.json" <<-'EOF' || fail "the run saw too few mechanisms to test"
		import json, sys
		m = json.load(open(sys.argv[1]))["mechanisms"]
		drawn = [k for k in ("pipe", "timerfd", "signal") if m.get(k, {}).get("stages", {}).get("total", {}).get("count")]
		sys.exit(0 if len(drawn) == 3 else 1)
	EOF
	# the same report, saved and drawn again
	"$EVTRACE" report "$tmp/run.json" --html "$tmp/again.html" >/dev/null 2>"$tmp/err" ||
		fail "report run.json --html: exit $?: $(cat "$tmp/err")"
	look "$tmp/again.html" report "$tmp/run.json"
fi

# a quick bench (about 15 s here)
cp "$EVLOAD" "$tmp/evload-html"
"$EVTRACE" bench --quick --evload "$tmp/evload-html" --json "$tmp/bench.json" --html "$tmp/bench.html" \
	>"$tmp/bench.txt" 2>"$tmp/bench.err" || fail "bench --html: exit $?: $(tail -2 "$tmp/bench.err")"
[ -s "$tmp/bench.html" ] && look "$tmp/bench.html" bench "$tmp/bench.json" shot

[ "$fails" -eq 0 ] || { echo "html_test: $fails failure(s)" >&2; exit 1; }
echo "html_test: ok"

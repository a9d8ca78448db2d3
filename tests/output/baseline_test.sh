#!/bin/bash
# evtrace bench --baseline OLD.json (tools/bench/bench_baseline.c):
#   1. saved runs against each other (--against, no bench run): the same
#      verdicts exit 0; a changed, a vanished and a new claim exit 3 and are
#      listed exactly (claim: old -> new), nothing else;
#   2. a baseline that is not bench results: one line, exit 1, before
#      anything runs; --against without --baseline: exit 2;
#   3. as root, one real --quick run against the saved fixture: the exit
#      status (0 or 3) and the lines listed are what its own --json says.
set -u
EVTRACE=${EVTRACE:-build/evtrace}
EVLOAD=${EVLOAD:-build/evload}
here=$(cd "$(dirname "$0")" && pwd)
FIXTURE=$here/bench_fixture.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# want_listing FILE OLD NEW: the claim lines of FILE are exactly the
# differences between OLD's and NEW's verdicts, in OLD's order then NEW's
want_listing() {
	python3 - "$@" <<'PY'
import json, sys
err, old, new = sys.argv[1:]
o = [(c["id"], c["verdict"]) for c in json.load(open(old))["claims"]]
n = dict((c["id"], c["verdict"]) for c in json.load(open(new))["claims"])
od = dict(o)
want = ["  %s: %s -> %s" % (i, v, n.get(i, "(no such claim)")) for i, v in o if n.get(i) != v]
want += ["  %s: (no such claim) -> %s" % (i, v) for i, v in n.items() if i not in od]
got = [l.rstrip("\n") for l in open(err) if l.startswith("  ") and "->" in l]
if got != want:
    print("    listed: %s\n    want:   %s" % (got, want))
    sys.exit(1)
PY
}

# ---- 1. saved against saved
"$EVTRACE" bench --baseline "$FIXTURE" --against "$FIXTURE" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] || fail "the fixture against itself: exit $rc"
grep -q 'no verdict changed' "$tmp/err" || fail "the fixture against itself: no 'no verdict changed' line"
[ -s "$tmp/out" ] && fail "--against printed on stdout"

python3 - "$FIXTURE" "$tmp/new.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["claims"]
c[0]["verdict"] = "contradicted" if c[0]["verdict"] != "contradicted" else "holds"
c[5]["verdict"] = "not distinguishable" if c[5]["verdict"] != "not distinguishable" else "holds"
del c[2]
c.append(dict(c[1], id="pipe.sideways", verdict="holds"))
json.dump(d, open(sys.argv[2], "w"))
PY
"$EVTRACE" bench --baseline "$FIXTURE" --against "$tmp/new.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 3 ] || fail "changed verdicts: exit $rc, want 3"
want_listing "$tmp/err" "$FIXTURE" "$tmp/new.json" || fail "changed verdicts: wrong listing"
[ "$(grep -c '^  .* -> ' "$tmp/err")" -eq 4 ] || fail "changed verdicts: want 4 lines (2 changed, 1 gone, 1 new)"
grep -q '4 changed, 20 the same' "$tmp/err" || fail "changed verdicts: no '4 changed, 20 the same' line"
# and the other way round
"$EVTRACE" bench --baseline "$tmp/new.json" --against "$FIXTURE" >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" -eq 3 ] || fail "changed verdicts, reversed: exit $rc, want 3"
want_listing "$tmp/err" "$tmp/new.json" "$FIXTURE" || fail "changed verdicts, reversed: wrong listing"

# ---- 2. bad baselines: one line, exit 1
mk() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2; json.dump(d, open(sys.argv[2], 'w'))" "$FIXTURE" "$tmp/$1"; }
mk tool.json 'd["tool"] = "other"'
mk format.json 'd["format"] = 2'
mk noclaims.json 'del d["claims"]'
mk verdict.json 'd["claims"][3]["verdict"] = "maybe"'
mk noid.json 'del d["claims"][4]["id"]'
mk twice.json 'd["claims"].append(d["claims"][0])'
printf '{"tool": "evtrace bench", ' >"$tmp/cut.json"
for f in tool format noclaims verdict noid twice cut; do
	"$EVTRACE" bench --baseline "$tmp/$f.json" --against "$FIXTURE" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/out" ] ||
		{ fail "baseline $f.json: exit $rc, $(wc -l <"$tmp/err") lines (want 1 and 1)"; sed 's/^/    /' "$tmp/err" >&2; }
	# the same file as the run to compare: one line, exit 1
	"$EVTRACE" bench --baseline "$FIXTURE" --against "$tmp/$f.json" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 1 ] && [ "$(grep -vc 'against the baseline' "$tmp/err")" -eq 1 ] ||
		fail "--against $f.json: exit $rc, want 1 and one line"
done
"$EVTRACE" bench --baseline "$tmp/none.json" --quick --evload "$EVLOAD" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "a missing baseline: exit $rc, want 1 and one line before running"
"$EVTRACE" bench --against "$FIXTURE" >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "--against alone: exit $rc, want 2"
"$EVTRACE" bench --help | grep -q -- '--baseline' || fail "bench --help does not list --baseline"

# ---- 3. a real --quick run against the fixture
if [ "$(id -u)" = 0 ]; then
	cp "$EVLOAD" "$tmp/evload-baseline"
	"$EVTRACE" bench --quick --evload "$tmp/evload-baseline" --json "$tmp/run.json" \
		--baseline "$FIXTURE" >"$tmp/run.txt" 2>"$tmp/run.err"
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
		fail "bench --quick --baseline: exit $rc"
		tail -5 "$tmp/run.err" >&2
	else
		want_listing "$tmp/run.err" "$FIXTURE" "$tmp/run.json" || fail "bench --quick --baseline: wrong listing"
		n=$(grep -c '^  .* -> ' "$tmp/run.err")
		{ [ "$rc" -eq 3 ] && [ "$n" -gt 0 ]; } || { [ "$rc" -eq 0 ] && [ "$n" -eq 0 ]; } ||
			fail "bench --quick --baseline: exit $rc with $n changes listed"
		python3 "$here/validate_json.py" bench "$tmp/run.json" || fail "bench --quick: JSON off the schema"
		echo "baseline_test: the quick run: exit $rc, $n verdict(s) differ from the fixture's machine"
	fi
else
	echo "baseline_test: not root: the real run is skipped" >&2
fi

if [ "$fails" -ne 0 ]; then
	echo "baseline_test: $fails failure(s)" >&2
	exit 1
fi
echo "baseline_test: passed"

#!/bin/bash
# Prometheus for the fleet: `evtrace attach --listen` scraped by a real
# Prometheus server (started here on 127.0.0.1, a free port, a scrape every
# second, its own temporary storage, stopped at the end) while evload runs
# under the traced process; Prometheus's HTTP API is then asked for
# histogram_quantile(0.5, ...) of eventfd's total and for counters, which must
# agree with evtrace's own JSON of the same run (the median within the width
# of a bucket, the counts exactly). Also: both formats as served (the text
# format checked by promtool, OpenMetrics when asked through Accept), 404 and
# 405, the --prom-file textfile (promtool, the same counts, no temporary file
# left), and bad addresses and paths: one line, non-zero exit, before
# anything runs.
set -u
EVTRACE=${EVTRACE:-build/evtrace}
EVLOAD=${EVLOAD:-build/evload}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
prom_pid=
shell_pid=
attach_pid=
cleanup() {
	for p in $attach_pid $shell_pid $prom_pid; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$here/html_lib.sh"

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

for a in 0.0.0.0:9464 10.1.2.3:9464 "[::]:9464" example.com:80 127.0.0.1 127.0.0.1:65536 127.0.0.1:x :9464; do
	expect_bad "$EVTRACE" attach -a -d 1 --listen "$a"
done
expect_bad "$EVTRACE" run --listen 0.0.0.0:1 -- touch "$tmp/ran"
expect_bad "$EVTRACE" attach -a -d 1 --prom-file "$tmp/no/such/dir/x.prom"
expect_bad "$EVTRACE" attach -a -d 1 --prom-file -
expect_bad "$EVTRACE" run --prom-file "$tmp" -- touch "$tmp/ran"
[ -e "$tmp/ran" ] && fail "a bad --listen or --prom-file ran the command"

if [ "$(id -u)" != 0 ]; then
	echo "prom_test: not root: the traced runs are skipped" >&2
	[ "$fails" -eq 0 ] || exit 1
	exit 0
fi
command -v prometheus >/dev/null || { echo "prom_test: prometheus is not installed (make deps)" >&2; exit 1; }
command -v promtool >/dev/null || { echo "prom_test: promtool is not installed (make deps)" >&2; exit 1; }

# a port already taken: one line, before tracing
python3 -u -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); print(s.getsockname()[1]); time.sleep(30)' >"$tmp/busy" &
holder=$!
for _ in $(seq 1 40); do [ -s "$tmp/busy" ] && break; sleep 0.1; done
busy=$(cat "$tmp/busy")
expect_bad "$EVTRACE" attach -a -d 1 --listen "127.0.0.1:$busy"
grep -qi "in use" "$tmp/err" || fail "a busy port: $(cat "$tmp/err")"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null

# Prometheus, scraping evtrace's port every second
ep=$(free_port)
pp=$(free_port)
while [ "$pp" = "$ep" ]; do pp=$(free_port); done
cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: evtrace
    static_configs:
      - targets: ['127.0.0.1:$ep']
EOF
timeout 180 prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
	--web.listen-address="127.0.0.1:$pp" --storage.tsdb.retention.time=1h --log.level=warn \
	>"$tmp/prometheus.log" 2>&1 &
prom_pid=$!
ready=
for _ in $(seq 1 120); do
	python3 -c 'import sys, urllib.request as u; u.urlopen(f"http://127.0.0.1:{sys.argv[1]}/-/ready", timeout=1)' "$pp" 2>/dev/null && { ready=1; break; }
	kill -0 "$prom_pid" 2>/dev/null || break
	sleep 0.25
done
if [ -z "$ready" ]; then
	fail "prometheus did not become ready on 127.0.0.1:$pp"
	tail -5 "$tmp/prometheus.log" >&2
	exit 1
fi

# the traced process: a shell that waits for the go, runs evload, then idles
# six seconds (scrapes of the final figures) before it exits
mkfifo "$tmp/go"
mkdir "$tmp/textfile"
sh -c "read x <'$tmp/go'; '$EVLOAD' eventfd --count 20000 >/dev/null; sleep 6" &
shell_pid=$!
"$EVTRACE" attach -p "$shell_pid" --listen "127.0.0.1:$ep" --prom-file "$tmp/textfile/evtrace.prom" \
	--json "$tmp/attach.json" >"$tmp/attach.txt" 2>"$tmp/attach.err" &
attach_pid=$!
for _ in $(seq 1 120); do
	grep -q "ready" "$tmp/attach.err" && break
	kill -0 "$attach_pid" 2>/dev/null || break
	sleep 0.25
done
grep -q "serving the metrics on http://127.0.0.1:$ep/metrics" "$tmp/attach.err" ||
	fail "attach --listen does not say where it serves: $(head -3 "$tmp/attach.err")"
# Prometheus hands new targets to its scrapers every few seconds: the traffic
# starts once it has scraped evtrace at least once
python3 - "$pp" <<-'EOF' || fail "Prometheus never scraped evtrace"
	import json, sys, time, urllib.request as u
	for _ in range(120):
	    d = json.load(u.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/v1/targets", timeout=5))
	    if any(t["health"] == "up" for t in d["data"]["activeTargets"]):
	        sys.exit(0)
	    time.sleep(0.25)
	sys.exit(1)
EOF
echo go >"$tmp/go"

# the formats as served, while the run goes on
sleep 2
python3 - "$ep" "$tmp" <<-'EOF' || fail "/metrics as served"
	import sys, urllib.request as u, urllib.error as e
	port, tmp = sys.argv[1], sys.argv[2]
	url = f"http://127.0.0.1:{port}"
	bad = []
	r = u.urlopen(url + "/metrics", timeout=5)
	text = r.read().decode()
	if not r.headers["Content-Type"].startswith("text/plain; version=0.0.4"):
	    bad.append(f"plain: Content-Type {r.headers['Content-Type']}")
	if "# EOF" in text or 'evtrace_events_total{mechanism="eventfd"}' not in text:
	    bad.append("plain: not the text format, or no eventfd yet")
	open(f"{tmp}/served.prom", "w").write(text)
	req = u.Request(url + "/metrics", headers={"Accept": "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"})
	r = u.urlopen(req, timeout=5)
	om = r.read().decode()
	if not r.headers["Content-Type"].startswith("application/openmetrics-text; version=1.0.0"):
	    bad.append(f"openmetrics: Content-Type {r.headers['Content-Type']}")
	if not om.endswith("# EOF\n") or "# TYPE evtrace_events counter" not in om or "# UNIT evtrace_stage_latency_seconds seconds" not in om:
	    bad.append("openmetrics: no # EOF, or counter/unit metadata missing")
	for path, method, code in (("/nope", "GET", 404), ("/metrics", "POST", 405)):
	    try:
	        u.urlopen(u.Request(url + path, method=method, data=b"x" if method == "POST" else None), timeout=5)
	        bad.append(f"{method} {path}: 200")
	    except e.HTTPError as x:
	        if x.code != code:
	            bad.append(f"{method} {path}: {x.code}, expected {code}")
	for b in bad:
	    print("  " + b, file=sys.stderr)
	sys.exit(1 if bad else 0)
EOF
[ -s "$tmp/served.prom" ] && { promtool check metrics <"$tmp/served.prom" >"$tmp/promtool.out" 2>&1 ||
	fail "promtool check metrics (served): $(head -3 "$tmp/promtool.out")"; }

wait "$attach_pid"
rc=$?
attach_pid=
shell_pid=
[ "$rc" -eq 0 ] || fail "attach --listen: exit $rc: $(tail -2 "$tmp/attach.err")"

# what Prometheus stored against evtrace's JSON of the same run
python3 - "$pp" "$tmp/attach.json" <<-'EOF' || fail "Prometheus against evtrace's JSON"
	import json, sys, urllib.parse as p, urllib.request as u
	port, path = sys.argv[1], sys.argv[2]
	m = json.load(open(path))["mechanisms"]["eventfd"]
	tot = m["stages"]["total"]
	def query(q):
	    url = f"http://127.0.0.1:{port}/api/v1/query?" + p.urlencode({"query": q})
	    d = json.load(u.urlopen(url, timeout=10))
	    res = d["data"]["result"]
	    if d["status"] != "success" or len(res) != 1:
	        raise SystemExit(f"  {q}: {d}")
	    return float(res[0]["value"][1])
	sel = 'mechanism="eventfd"'
	bad = []
	scrapes = query('count_over_time(up{job="evtrace"}[10m])')
	ok = query('sum_over_time(up{job="evtrace"}[10m])')
	if ok < 3:
	    bad.append(f"only {ok:.0f} of {scrapes:.0f} scrapes reached evtrace")
	ev = query(f"last_over_time(evtrace_events_total{{{sel}}}[10m])")
	if ev != m["events"] or ev < 20000:
	    bad.append(f"events: Prometheus {ev:.0f}, evtrace's JSON {m['events']}")
	cnt = query(f'last_over_time(evtrace_stage_latency_seconds_count{{{sel},stage="total"}}[10m])')
	if cnt != tot["count"]:
	    bad.append(f"total count: Prometheus {cnt:.0f}, JSON {tot['count']}")
	lost = query(f"last_over_time(evtrace_lost_total{{{sel}}}[10m])")
	if lost != m["lost"]:
	    bad.append(f"lost: Prometheus {lost:.0f}, JSON {m['lost']}")
	q50 = query(f'histogram_quantile(0.5, last_over_time(evtrace_stage_latency_seconds_bucket{{{sel},stage="total"}}[10m]))') * 1e9
	# both in one bucket of the exposition: at most 1/8 of its value wide
	if abs(q50 - tot["p50"]) > tot["p50"] / 8 + 2:
	    bad.append(f"p50: Prometheus {q50:.0f} ns, JSON {tot['p50']} ns (more than a bucket apart)")
	print(f"prom_test: {ok:.0f} scrapes; eventfd events {ev:.0f} = {m['events']}; "
	      f"p50 {q50:.0f} ns (Prometheus) vs {tot['p50']} ns (JSON)", file=sys.stderr)
	for b in bad:
	    print("  " + b, file=sys.stderr)
	sys.exit(1 if bad else 0)
EOF

# the textfile: the final figures, valid, nothing else left in the folder
tf="$tmp/textfile/evtrace.prom"
if [ ! -s "$tf" ]; then
	fail "--prom-file wrote nothing"
else
	promtool check metrics <"$tf" >"$tmp/promtool.out" 2>&1 || fail "promtool check metrics (--prom-file): $(head -3 "$tmp/promtool.out")"
	want=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["mechanisms"]["eventfd"]["events"])' "$tmp/attach.json")
	grep -qx "evtrace_events_total{mechanism=\"eventfd\"} $want" "$tf" || fail "--prom-file: eventfd events != the JSON's $want"
	left=$(ls -A "$tmp/textfile" | grep -vx evtrace.prom)
	[ -z "$left" ] || fail "--prom-file left files behind: $left"
fi

kill "$prom_pid" 2>/dev/null
wait "$prom_pid" 2>/dev/null
prom_pid=

[ "$fails" -eq 0 ] || { echo "prom_test: $fails failure(s)" >&2; exit 1; }
echo "prom_test: ok"

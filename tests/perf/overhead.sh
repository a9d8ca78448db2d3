#!/bin/bash
# SPDX-License-Identifier: MIT
#
# make bench-overhead: what tracing costs the traced program.
#
# evload's eventfd ping-pong, both threads pinned to one CPU (--cpu same), runs
#   untraced   evload alone
#   evtrace    evtrace run --json FILE -- evload ...
#   floor      the same with EVTRACE_HOOKS_ONLY=1: evtrace's own programs on
#              exactly the hooks it attaches, each returning at once (the
#              cost of the hooks alone; evtrace's excess is evtrace - floor)
#   runqlat    libbpf-tools runqlat started first, system-wide (its usual use)
#   runqlat-p  runqlat -p PID, the workload only (evload --delay lets it attach)
#   bpftrace   tests/perf/overhead.bt, the runqlat equivalent people write, system-wide
# in rounds: every round runs every condition once, in an order rotated by one
# each round, so slow drift of the machine hits all conditions alike. A run's
# round-trip time comes from evload's JSON; each traced run is divided by the
# untraced run of its round, and the median of these ratios over the rounds is
# the figure. Then, for evtrace alone: the flood rate it follows with nothing
# lost, its start-up time to ready and its peak RSS.
#
# Other users' BPF tracers (anything bpftool perf list shows) slow every
# syscall and context switch on the machine, the untraced runs included. A
# run is clean when none is attached before and after it; the script waits
# for a quiet moment before each run (within a time budget), redoes a run that
# was not clean, and computes the ratios over the clean rounds.
#
# A benchmark: it prints figures and never passes or fails on them. It exits
# non-zero only when it cannot measure (a tool missing, a run failing).
# The last lines are exactly
#   overhead ratio: evtrace=X.XX floor=F.FF runqlat=Y.YY bpftrace=Z.ZZ
#   flood ratio: counter=A.AA semaphore=B.BB
#   startup ms: run=R attach=S
# (flood: traced / untraced rate of the largest flood evtrace followed with
# nothing lost and no ring-buffer drop; startup: medians of 5, run: exec of
# evtrace to the child's exec, attach: to its ready line), after
#   flood floor ratio: counter=F.FF semaphore=G.GG (...)
# the same runs' rate under the empty programs (the hooks' own share).
#
# Environment (defaults in brackets):
#   BUILD [build]  EVTRACE [$BUILD/evtrace]  EVLOAD [$BUILD/evload]
#   RSS_TOOL [$BUILD/overhead_rss] (tests/perf/overhead_rss.c)
#   SYS_TOOL [$BUILD/overhead_sys] (tests/perf/overhead_sys.c)
#   RUNQLAT [/usr/sbin/runqlat]  BPFTRACE [bpftrace]
#   OVERHEAD_ROUNDS [7]          rounds of the interleaved comparison
#   OVERHEAD_COUNT [20000]       round trips per ping-pong run
#   OVERHEAD_POLICY [other]      evload --policy (fifo:PRIO shields from CPU hogs)
#   OVERHEAD_RUNQLAT_P [1]       0 leaves out the runqlat -p condition
#   OVERHEAD_QUIET_BUDGET [60]   s in all to wait for other users' tracers to go
#   OVERHEAD_FLOOD_MAX [1600000] largest flood count (x4 steps from 100000)
#   OVERHEAD_READY_RE            regex of the line evtrace attach -v prints once attached
set -u -o pipefail

BUILD=${BUILD:-build}
EVTRACE=${EVTRACE:-$BUILD/evtrace}
EVLOAD=${EVLOAD:-$BUILD/evload}
RSS_TOOL=${RSS_TOOL:-$BUILD/overhead_rss}
SYS_TOOL=${SYS_TOOL:-$BUILD/overhead_sys}
RUNQLAT=${RUNQLAT:-/usr/sbin/runqlat}
BPFTRACE=${BPFTRACE:-bpftrace}
ROUNDS=${OVERHEAD_ROUNDS:-7}
COUNT=${OVERHEAD_COUNT:-20000}
POLICY=${OVERHEAD_POLICY:-other}
RUNQLAT_P=${OVERHEAD_RUNQLAT_P:-1}
QUIET_BUDGET=${OVERHEAD_QUIET_BUDGET:-60}
FLOOD_MAX=${OVERHEAD_FLOOD_MAX:-1600000}
READY_RE=${OVERHEAD_READY_RE:-'(?i)(\bready\b|BPF program ids:|^tracing .*(ctrl-c|hit))'}
BT_SCRIPT=$(cd "$(dirname "$0")" && pwd)/overhead.bt
TRACEFS=/sys/kernel/tracing
ATTACH_TIMEOUT=30       # s for a peer tracer to attach
RUN_TIMEOUT=300         # s for any one measured command
DELAY=2                 # s evload idles first under runqlat -p (it attaches in ~0.1 s)
QUIET_WAIT=10           # s at most to wait for quiet before one run
TRIES=2                 # attempts at a clean run

say() { printf '%s\n' "$*"; }
die() { printf 'bench-overhead: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- checks
[ "$(id -u)" = 0 ] || die "needs root: evtrace, runqlat and bpftrace load BPF programs (CAP_BPF, CAP_PERFMON)"
for t in python3 bpftool timeout mount; do
	command -v "$t" >/dev/null || die "missing tool: $t (make deps installs the Debian packages)"
done
[ -x "$EVTRACE" ] || die "missing $EVTRACE (build it first: make $EVTRACE)"
[ -x "$EVLOAD" ] || die "missing $EVLOAD (build it first: make $EVLOAD)"
[ -x "$RSS_TOOL" ] || die "missing $RSS_TOOL (build it first: make $RSS_TOOL)"
[ -x "$SYS_TOOL" ] || die "missing $SYS_TOOL (build it first: make $SYS_TOOL)"
[ -x "$RUNQLAT" ] || die "missing $RUNQLAT (Debian package libbpf-tools: make deps)"
command -v "$BPFTRACE" >/dev/null || die "missing $BPFTRACE (Debian package bpftrace: make deps)"
[ -r "$BT_SCRIPT" ] || die "missing $BT_SCRIPT"
[ -r /sys/kernel/btf/vmlinux ] || die "no kernel BTF at /sys/kernel/btf/vmlinux (runqlat and evtrace need it)"
EVTRACE=$(realpath "$EVTRACE")
EVLOAD=$(realpath "$EVLOAD")
RUNQLAT=$(realpath "$RUNQLAT")
BPFTRACE=$(command -v "$BPFTRACE")
for v in ROUNDS COUNT QUIET_BUDGET FLOOD_MAX; do
	case ${!v} in ''|*[!0-9]*) die "OVERHEAD_$v must be a whole number, not '${!v}'";; esac
done
[ "$ROUNDS" -gt 0 ] && [ "$COUNT" -gt 0 ] || die "OVERHEAD_ROUNDS and OVERHEAD_COUNT must be above 0"

STATS_SYSCTL=/proc/sys/kernel/bpf_stats_enabled
STATS_WAS=0             # kernel.bpf_stats_enabled as found (cleanup restores it)

# ---------------------------------------------------------------- python side
# JSON parsing, statistics, and the timing helpers.
read -r -d '' PYLIB <<'PY'
import json, os, re, statistics as st, subprocess, sys, time

def objects(path):
    """Every JSON object in a file that may also hold text (evtrace's text
    report and evload's JSON share stdout under evtrace run)."""
    text = open(path, errors="replace").read()
    dec, out, i = json.JSONDecoder(), [], 0
    while True:
        i = text.find("{", i)
        if i < 0:
            return out
        try:
            o, end = dec.raw_decode(text, i)
        except ValueError:
            i += 1
            continue
        if isinstance(o, dict):
            out.append(o)
        i = end

def evload_json(path):
    objs = [o for o in objects(path) if "mechanism" in o or "latency_ns" in o]
    if not objs:
        sys.exit("no evload JSON in %s" % path)
    return objs[-1]

def num(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None

def cpu_share(o):
    """The share of the run's wall time evload's two threads were on a CPU:
    about 1 for a ping-pong on one CPU that nothing else wanted."""
    c, d = o.get("cpu_ns_per_event") or {}, num(o.get("duration_ns"))
    if not d or not num(c.get("sender")) or not num(c.get("receiver")):
        return "-"
    return "%.2f" % ((c["sender"] + c["receiver"]) * (num(o.get("received")) or 0) / d)

def rtt(path):
    """Round trip in ns, two ways. p50: evload's own round-trip p50 when it
    has one, else forward p50 + reply p50 (a round trip is one event each
    way), else 2 x the pooled one-way p50. mean: the run's duration over its
    round trips (wall clock, every preemption included), else 2 x the one-way
    mean. Prints: p50 mean method received cpu_share."""
    o = evload_json(path)
    h, d = o.get("latency_ns") or {}, o.get("latency_by_direction_ns") or {}
    fw, rp = d.get("forward") or {}, d.get("reply") or {}
    for k in ("rtt_ns", "round_trip_ns", "roundtrip_ns"):
        if isinstance(o.get(k), dict) and num(o[k].get("p50")):
            p50, how = o[k]["p50"], "round-trip"
            break
    else:
        if num(fw.get("p50")) and num(rp.get("p50")):
            p50, how = fw["p50"] + rp["p50"], "forward+reply"
        elif num(h.get("p50")):
            p50, how = 2 * h["p50"], "2xone-way"
        else:
            sys.exit("evload JSON in %s has no latency_ns.p50" % path)
    if num(o.get("duration_ns")) and num(o.get("round_trips")):
        mean = o["duration_ns"] / o["round_trips"]
    else:
        mean = 2 * (num(h.get("mean")) or 0)
    print(p50, "%.1f" % mean, how, o.get("received", 0), cpu_share(o))

def flood(path):
    """Prints: throughput_eps sent received coalesced lost consumed_per_s."""
    o = evload_json(path)
    d = num(o.get("duration_ns"))
    cons = (num(o.get("received")) or 0) * 1e9 / d if d else 0
    print(*(num(o.get(k)) or 0 for k in ("throughput_eps", "sent", "received", "coalesced", "lost")),
          "%.0f" % cons)

def evtrace_report(path, kind="eventfd"):
    """One kind in evtrace's JSON report: events lost unmatched coalesced
    sends ringbuf_records ringbuf_dropped total_p50; '-' where missing."""
    objs = [o for o in objects(path) if "mechanisms" in o] if os.path.exists(path) else []
    if not objs:
        print("- - - - - - - -")
        return
    r = objs[-1]
    m = (r.get("mechanisms") or {}).get(kind) or {"events": 0, "lost": 0, "unmatched": 0, "coalesced": 0}
    rb = r.get("ringbuf") or {}
    tot = ((m.get("stages") or {}).get("total") or {}).get("p50")
    f = lambda v: "-" if v is None else v
    print(f(m.get("events")), f(m.get("lost")), f(m.get("unmatched")), f(m.get("coalesced")),
          f(m.get("sends")), f(rb.get("records")), f(rb.get("dropped")), f(tot))

def evtrace_settings(path):
    objs = [o for o in objects(path) if "settings" in o] if os.path.exists(path) else []
    if objs:
        s = objs[-1]["settings"]
        print("attach mode %s, usdt %s" % (s.get("attach_mode", "?"), "yes" if s.get("usdt") else "no"))

def us(ns):
    return "%.2fus" % (ns / 1000.0)

def table(results, conds, final):
    """results: one line per run, 'round cond p50 mean method received share
    clean key=value...'. A ratio pairs a traced run with the untraced run of
    its round; the pairs where both runs were clean count, when there are 3
    or more of them, else every pair does (and the line says so)."""
    runs = {}
    for line in open(results):
        f = line.split()
        kv = dict(x.split("=", 1) for x in f[8:] if "=" in x)
        runs.setdefault(int(f[0]), {})[f[1]] = dict(p50=float(f[2]), mean=float(f[3]), share=f[6],
                                                    clean=f[7] == "1", **kv)
    conds = conds.split()
    rounds = [r for r in sorted(runs) if "untraced" in runs[r]]
    print("%-10s %9s %6s %6s %6s  %9s %6s  %5s  %s" % ("condition", "RTT p50", "ratio", "min", "max",
          "RTT mean", "ratio", "cpu", "pairs (clean/all)"))
    out, dirty = {}, []
    for c in conds:
        allp = [r for r in rounds if c in runs[r]]
        use = [r for r in allp if runs[r][c]["clean"] and runs[r]["untraced"]["clean"]]
        if c == "untraced":
            use = [r for r in allp if runs[r][c]["clean"]]
        if len(use) < 3:
            use = allp
            dirty.append(c)
        if not use:
            continue
        ratio = [runs[r][c]["p50"] / runs[r]["untraced"]["p50"] for r in use]
        mratio = [runs[r][c]["mean"] / runs[r]["untraced"]["mean"] for r in use]
        share = [float(runs[r][c]["share"]) for r in use if runs[r][c]["share"] != "-"]
        nclean = sum(1 for r in allp if runs[r][c]["clean"] and runs[r]["untraced"]["clean"])
        out[c] = st.median(ratio)
        print("%-10s %9s %6.2f %6.2f %6.2f  %9s %6.2f  %5s  %d/%d%s" % (c,
              us(st.median(runs[r][c]["p50"] for r in use)), out[c], min(ratio), max(ratio),
              us(st.median(runs[r][c]["mean"] for r in use)), st.median(mratio),
              "%.2f" % st.median(share) if share else "-", nclean, len(allp),
              "  (all pairs used)" if c in dirty else ""))
    if dirty:
        print("(fewer than 3 clean pairs: other users' BPF tracers slowed runs of every condition, "
              "untraced included, so those ratios understate the overhead)")
    att = {c: [int(runs[r][c]["att"]) for r in rounds if c in runs[r] and "att" in runs[r][c]] for c in conds}
    att = {c: v for c, v in att.items() if v}
    if att:
        print("peers' time from exec to their 3 sched probes attached (bpftool perf list), median: " +
              ", ".join("%s %d ms" % (c, st.median(v)) for c, v in att.items()))
    with open(final, "w") as f:
        for c in out:
            f.write("%s %.2f\n" % (c, out[c]))

def first_stamp(text):
    for tok in text.split():
        if re.fullmatch(r"\d{19}", tok):
            return int(tok)
    return None

def startup(evtrace, n):
    """Time from exec'ing 'evtrace run -- date +%s%N' to the traced child
    running (its first own stamp), less the same for 'date' alone (fork, exec
    and date's own start-up). evtrace starts the child once its tracers are
    attached. Prints: median min max (ms) and the baseline."""
    date = "/bin/date"
    def once(argv):
        t0 = time.time_ns()
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        s = first_stamp(p.stdout.decode(errors="replace"))
        if p.returncode != 0 or s is None:
            sys.exit("startup: %s failed (exit %d): %s" % (" ".join(argv), p.returncode,
                     p.stdout.decode(errors="replace").strip().splitlines()[-1:]))
        return s - t0
    base = [once([date, "+%s%N"]) for _ in range(n)]
    trac = [once([evtrace, "run", "--", date, "+%s%N"]) for _ in range(n)]
    b, t = st.median(base), st.median(trac)
    print("%.1f %.1f %.1f %.1f" % ((t - b) / 1e6, (min(trac) - b) / 1e6, (max(trac) - b) / 1e6, b / 1e6))

def attach_startup(evtrace, pid, dur, ready_re):
    """evtrace attach -v -p PID -d DUR. Prints: ms from exec to its first BPF
    attachment (bpftool perf list names the holder's pid), ms to the last one
    (then no change for 300 ms), their number, ms to a line matching ready_re
    ('-' for none), its exit status; then its first lines (libbpf's debug
    lines left out)."""
    import threading
    t0 = time.monotonic()
    p = subprocess.Popen([evtrace, "attach", "-v", "-p", str(pid), "-d", str(dur)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    rx, found, lines = re.compile(ready_re), [], []
    def reader():
        for raw in p.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            if len(lines) < 5 and not line.startswith("libbpf:"):
                lines.append(line)
            if not found and rx.search(line):
                found.append(time.monotonic() - t0)
    th = threading.Thread(target=reader)
    th.start()
    first = last = None
    n = 0
    while p.poll() is None:
        out = subprocess.run(["bpftool", "perf", "list"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL).stdout.decode(errors="replace")
        t = time.monotonic() - t0
        k = sum(1 for l in out.splitlines() if l.split()[:2] == ["pid", str(p.pid)])
        if k and first is None:
            first = t
        if k != n:
            n, last = k, t
        if last is not None and t - last > 0.3:
            break
        time.sleep(0.01)
    p.wait()
    th.join()
    ms = lambda v: "-" if v is None else "%.0f" % (v * 1000)
    print(ms(first), ms(last), n, ms(found[0] if found else None), p.returncode)
    for l in lines:
        print("  | " + l)

def prog_ids():
    progs = json.loads(subprocess.run(["bpftool", "-j", "prog", "list"], stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL).stdout or b"[]")
    print(" ".join(str(p["id"]) for p in progs))

def orphans(before):
    """BPF programs loaded since the 'before' snapshot that no process holds
    (no fd of any process refers to them): pinned or leaked. Checked three
    times over two seconds: a program whose last link just went is freed
    after an RCU grace period and shows briefly without a holder."""
    old = set(open(before).read().split())
    def once():
        progs = json.loads(subprocess.run(["bpftool", "-j", "prog", "list"], stdout=subprocess.PIPE,
                                          stderr=subprocess.DEVNULL).stdout or b"[]")
        held = set()
        for pid in filter(str.isdigit, os.listdir("/proc")):
            d = "/proc/%s/fdinfo" % pid
            try:
                fds = os.listdir(d)
            except OSError:
                continue
            for fd in fds:
                try:
                    for line in open("%s/%s" % (d, fd)):
                        if line.startswith("prog_id:"):
                            held.add(line.split()[1])
                except OSError:
                    pass
        return {str(p["id"]): p for p in progs if str(p["id"]) not in old and str(p["id"]) not in held}
    left = once()
    for _ in range(2):
        if not left:
            break
        time.sleep(1)
        now = once()
        left = {k: v for k, v in left.items() if k in now}
    for k, p in sorted(left.items()):
        print(k, p.get("name", "?"), p.get("type", "?"))

cmd, args = sys.argv[1], sys.argv[2:]
{"rtt": rtt, "flood": flood, "evtrace": evtrace_report, "evtrace_settings": evtrace_settings,
 "table": table, "startup": lambda e, n: startup(e, int(n)), "attach_startup": attach_startup,
 "orphans": orphans, "prog_ids": prog_ids}[cmd](*args)
PY
py() { python3 -c "$PYLIB" "$@"; }

# ---------------------------------------------------------------- cleanup
TMP=$(mktemp -d /tmp/bench-overhead.XXXXXX) || die "mktemp failed"
TRACER_PID=             # the peer tracer running in the background, if any
CHILD_PID=              # the measured command running, if any
MOUNTED_TRACEFS=

alive() {               # a live process (a zombie has closed its fds already)
	local s
	s=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) && [ -n "$s" ] && [ "$s" != Z ]
}

# Stop a process we started: SIGINT by default (the tracers print and detach
# on it), or the signal given second; then SIGTERM, then SIGKILL. Its BPF
# links and programs go with its file descriptors.
stop_pid() {
	local pid=$1 sig=${2:-INT} i
	[ -n "$pid" ] || return 0
	kill -"$sig" "$pid" 2>/dev/null
	for i in $(seq 50); do alive "$pid" || break; sleep 0.1; done
	if alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 30); do alive "$pid" || break; sleep 0.1; done
		alive "$pid" && kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

cleanup() {
	trap - EXIT
	trap '' INT TERM               # a second Ctrl-C does not cut the cleanup short
	if [ "$STATS_WAS" != 0 ]; then
		{ echo "$STATS_WAS" >"$STATS_SYSCTL"; } 2>/dev/null ||
			say "bench-overhead: could not set kernel.bpf_stats_enabled back to $STATS_WAS" >&2
	fi
	stop_pid "$CHILD_PID" TERM     # a background job ignores SIGINT
	stop_pid "$TRACER_PID"
	if [ -n "$MOUNTED_TRACEFS" ]; then
		umount "$TRACEFS" 2>/dev/null ||
			say "bench-overhead: left tracefs mounted at $TRACEFS (busy: another user has it open)" >&2
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# kernel.bpf_stats_enabled=1 (left on by a profiling session, or make
# bench-bpfstats interrupted) times every BPF program run: two clock reads
# more per run, on every traced condition alike but not on the untraced one,
# so every ratio would come out too high (here: floor 1.36 instead of 1.18).
# Off for the benchmark, as it was found again at its end (cleanup).
found=$(cat "$STATS_SYSCTL" 2>/dev/null || echo 0)
if [ "$found" != 0 ]; then
	{ echo 0 >"$STATS_SYSCTL"; } 2>/dev/null ||
		die "kernel.bpf_stats_enabled is on and cannot be turned off: every traced figure would be too high"
	STATS_WAS=$found
	say "bench-overhead: kernel.bpf_stats_enabled was on: off for the benchmark, on again at its end" >&2
fi

# Run a measured command in the background and wait for it, so that a signal
# to this script reaches the trap at once; bounded by RUN_TIMEOUT (SIGINT
# first, so evtrace still detaches cleanly). stdout to $1, stderr to $1.err.
fg_run() {
	local out=$1 rc; shift
	timeout -k 10 -s INT "$RUN_TIMEOUT" "$@" >"$out" 2>"$out.err" &
	CHILD_PID=$!
	wait "$CHILD_PID"; rc=$?
	CHILD_PID=
	return $rc
}

run_failed() {          # what, output file
	say "bench-overhead: $1 failed; its last output:" >&2
	tail -n 5 "$2" "$2.err" >&2 2>/dev/null
	exit 1
}

now_us() { local t=${EPOCHREALTIME//[!0-9]/}; echo $((10#$t)); }

# ---------------------------------------------------------------- other users
# BPF tracers of other users (we start ours after the check and stop them
# before the next): "comm(pid): tracepoints; ..." or nothing.
other_tracers() {
	local pid what
	bpftool perf list 2>/dev/null | awk '$1 == "pid" { t[$2] = t[$2] " " $NF } END { for (p in t) print p, t[p] }' |
		while read -r pid what; do
			printf '%s(%s): %s; ' "$(cat "/proc/$pid/comm" 2>/dev/null || echo '?')" "$pid" \
				"$(tr ' ' '\n' <<<"$what" | sort -u | tr '\n' ' ' | sed 's/ $//')"
		done
}
foreign() { bpftool perf list 2>/dev/null | awk '$1 == "pid" {print $2}' | sort -u | tr '\n' ' '; }

# Wait (within QUIET_WAIT and what is left of QUIET_BUDGET) until no other
# tracer is attached. 0: quiet.
QUIET_LEFT=$((QUIET_BUDGET * 1000000))
wait_quiet() {
	local t0 t
	[ -z "$(foreign)" ] && return 0
	t0=$(now_us)
	while [ -n "$(foreign)" ]; do
		t=$(( $(now_us) - t0 ))
		if (( t > QUIET_WAIT * 1000000 || t > QUIET_LEFT )); then
			QUIET_LEFT=$(( QUIET_LEFT > t ? QUIET_LEFT - t : 0 ))
			return 1
		fi
		sleep 0.25
	done
	t=$(( $(now_us) - t0 ))
	QUIET_LEFT=$(( QUIET_LEFT > t ? QUIET_LEFT - t : 0 ))
	return 0
}

# ---------------------------------------------------------------- peers
# bpftrace's tracepoint probes read their formats from tracefs.
if [ ! -e "$TRACEFS/events/sched/sched_switch" ]; then
	if mount -t tracefs tracefs "$TRACEFS" 2>/dev/null; then
		MOUNTED_TRACEFS=1
	fi
	[ -e "$TRACEFS/events/sched/sched_switch" ] ||
		die "tracefs is not mounted at $TRACEFS and mounting it failed (bpftrace's tracepoints need it: mount -t tracefs tracefs $TRACEFS)"
fi

# Wait until the peer tracer $1 has its three sched probes attached (bpftool
# perf list names the holder's pid, the fd and the tracepoint), so the run
# never starts half traced. Prints the milliseconds it took.
wait_attached() {
	local pid=$1 t0 n
	t0=$(now_us)
	while :; do
		n=$(bpftool perf list 2>/dev/null |
			awk -v p="$pid" '$1 == "pid" && $2 == p && $NF ~ /^sched_(wakeup|wakeup_new|switch)$/' | wc -l)
		[ "$n" -ge 3 ] && break
		alive "$pid" || return 1
		(( $(now_us) - t0 < ATTACH_TIMEOUT * 1000000 )) || return 1
		sleep 0.05
	done
	echo $(( ($(now_us) - t0) / 1000 ))
}

start_tracer() {        # log, command...
	local log=$1; shift
	"$@" >"$log" 2>&1 &
	TRACER_PID=$!
	ATTACH_MS=$(wait_attached "$TRACER_PID") || {
		say "bench-overhead: $* did not attach its sched probes within ${ATTACH_TIMEOUT}s; its output:" >&2
		tail -n 5 "$log" >&2
		exit 1
	}
	sleep 0.2           # let its user side settle (it prints a banner)
}

stop_tracer() {
	stop_pid "$TRACER_PID"
	TRACER_PID=
}

# ---------------------------------------------------------------- ping-pong
PP=(eventfd --pattern pingpong --count "$COUNT" --cpu same --policy "$POLICY" --json)
CONDS=(untraced evtrace floor evtrace-nd runqlat bpftrace)
[ "$RUNQLAT_P" = 1 ] && CONDS=(untraced evtrace floor evtrace-nd runqlat runqlat-p bpftrace)

# One ping-pong run under condition $1 in round $2. Sets RUN (the results
# line without the clean flag) or returns 2 when the run does not count.
measure_once() {
	local c=$1 r=$2 out=$TMP/$1.$2.out v extra=
	case $c in
	untraced)
		fg_run "$out" "$EVLOAD" "${PP[@]}" || run_failed "evload (untraced)" "$out" ;;
	evtrace|evtrace-nd)
		# evtrace-nd: --no-dispatch, libevm's USDT probe left alone
		local json=$TMP/$c.$r.json nd=
		[ "$c" = evtrace-nd ] && nd=--no-dispatch
		rm -f "$json"
		fg_run "$out" "$EVTRACE" run $nd --json "$json" -- "$EVLOAD" "${PP[@]}" ||
			run_failed "evtrace run $nd -- evload" "$out"
		set -- $(py evtrace "$json")
		extra="ev=$1 lost=$2 unm=$3 coal=$4 sends=$5 rbrec=$6 rbdrop=$7 totp50=$8" ;;
	floor)
		# every program evtrace attaches, on the same hooks, returning at once
		fg_run "$out" env EVTRACE_HOOKS_ONLY=1 "$EVTRACE" run -- "$EVLOAD" "${PP[@]}" ||
			run_failed "EVTRACE_HOOKS_ONLY=1 evtrace run -- evload" "$out" ;;
	runqlat)
		start_tracer "$TMP/runqlat.$r.log" "$RUNQLAT"
		fg_run "$out" "$EVLOAD" "${PP[@]}" || run_failed "evload (under runqlat)" "$out"
		stop_tracer
		extra="att=$ATTACH_MS" ;;
	runqlat-p)
		# evload first, idle for DELAY s, so that runqlat -p has its pid; the
		# run counts only if runqlat attached well within the delay.
		local t0 late
		t0=$(now_us)
		"$EVLOAD" "${PP[@]}" --delay "$DELAY" >"$out" 2>"$out.err" &
		CHILD_PID=$!
		start_tracer "$TMP/runqlat-p.$r.log" "$RUNQLAT" -p "$CHILD_PID"
		late=$(( $(now_us) - t0 > (DELAY * 1000 - 500) * 1000 ))
		wait "$CHILD_PID" || run_failed "evload --delay $DELAY (under runqlat -p)" "$out"
		CHILD_PID=
		stop_tracer
		[ "$late" = 1 ] && return 2
		extra="att=$ATTACH_MS" ;;
	bpftrace)
		start_tracer "$TMP/bpftrace.$r.log" "$BPFTRACE" "$BT_SCRIPT"
		fg_run "$out" "$EVLOAD" "${PP[@]}" || run_failed "evload (under bpftrace)" "$out"
		stop_tracer
		extra="att=$ATTACH_MS" ;;
	esac
	v=$(py rtt "$out") || run_failed "reading evload's JSON ($c)" "$out"
	RUN="$r $c $v"
	RUN_EXTRA=$extra
	return 0
}

# A run of condition $1 in round $2, redone (up to TRIES) when another user's
# tracer was attached before or after it; appends to RESULTS, prints progress.
REDONE=0
measure() {
	local c=$1 r=$2 try clean=0 rc mark=
	for ((try = 1; try <= TRIES; try++)); do
		wait_quiet
		local before after
		before=$(foreign)
		measure_once "$c" "$r"; rc=$?
		after=$(foreign)
		[ $rc = 0 ] && [ -z "$before$after" ] && { clean=1; break; }
		[ "$QUIET_LEFT" -gt 0 ] || [ $rc != 0 ] || break
		[ $try -lt $TRIES ] && REDONE=$((REDONE + 1))
	done
	if [ $rc != 0 ]; then
		printf ' %s (late)' "$c"
		return 0
	fi
	[ $clean = 1 ] || mark='*'
	say "$RUN $clean $RUN_EXTRA" >>"$RESULTS"
	set -- $RUN
	RTT_METHOD=$5
	printf ' %s %s%s' "$c" "$(awk -v v="$3" 'BEGIN { printf "%.2fus", v / 1000 }')" "$mark"
}

RESULTS=$TMP/results
: >"$RESULTS"
py prog_ids >"$TMP/progs.before"

say "bench-overhead: what tracing costs evload's eventfd ping-pong"
say "conditions: $(uname -r), $(nproc) CPUs, $(grep -q hypervisor /proc/cpuinfo && echo virtualised || echo bare metal)," \
	"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
say "workload:   evload ${PP[*]}"
say "            $ROUNDS rounds x $COUNT round trips per run, both threads on one CPU, policy $POLICY"
say "peers:      runqlat system-wide$([ "$RUNQLAT_P" = 1 ] && echo ', runqlat -p PID'), bpftrace $(basename "$BT_SCRIPT") system-wide;" \
	"evtrace run (its target only, every stage of every event); evtrace-nd: the same with --no-dispatch;" \
	"floor: evtrace's programs on the same hooks, empty (EVTRACE_HOOKS_ONLY=1)"
others=$(other_tracers)
[ -n "$others" ] && say "note:       other users' BPF tracers attached at start: $others"
say ""

# A first untraced run, not counted: warms caches and checks evload works.
fg_run "$TMP/warmup.out" "$EVLOAD" "${PP[@]}" || run_failed "evload (warm-up)" "$TMP/warmup.out"
py rtt "$TMP/warmup.out" >/dev/null || run_failed "reading evload's JSON (warm-up)" "$TMP/warmup.out"

n=${#CONDS[@]}
for ((r = 1; r <= ROUNDS; r++)); do
	printf 'round %d/%d:' "$r" "$ROUNDS"
	for ((k = 0; k < n; k++)); do
		measure "${CONDS[(k + r - 1) % n]}" "$r"
	done
	printf '\n'
done
say "(* a run with another user's BPF tracer attached before or after it, after $TRIES tries;" \
	"$REDONE runs redone in all)"
say ""
case ${RTT_METHOD:-} in
round-trip) say "RTT p50: evload's own round-trip p50." ;;
forward+reply) say "RTT p50: evload's forward p50 + reply p50 (a round trip is one event each way; evload has no round-trip histogram)." ;;
*) say "RTT p50: 2 x evload's one-way p50 (its ping-pong pools both directions; a round trip is one event each way)." ;;
esac
say "         p50s are read off log-linear buckets (1.6-3% wide here), so ratios move in steps of ~0.02."
say "RTT mean: run duration / round trips (wall clock, exact, but every preemption counts)."
say "ratio: traced / untraced of the same round; median (min, max) over the pairs where neither run"
say "       had another user's tracer around it."
say "cpu: share of the run's wall time evload's threads were on a CPU (below ~0.9: something else ran there)."
py table "$RESULTS" "${CONDS[*]}" "$TMP/final"

# evtrace's own count of the ping-pong runs: it must have followed them all.
say ""
say "evtrace's count of each ping-pong run ($(py evtrace_settings "$TMP/evtrace.1.json")):"
say "  round: events lost unmatched coalesced | ringbuf records dropped | kernel total p50 | evload received"
awk '$2 == "evtrace" {
	split("", v)
	for (i = 9; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	printf "  %5s: %s %s %s %s | %s %s | %s ns | %s", $1, v["ev"], v["lost"], v["unm"], v["coal"],
		v["rbrec"], v["rbdrop"], v["totp50"], $6
	if (v["ev"] != $6) printf "   <- evtrace did not follow every event"
	printf "\n" }' "$RESULTS"

# ---------------------------------------------------------------- flood
# Series of flood runs, untraced and under evtrace run, the count x4 from
# 100000 until evtrace loses events or drops ring-buffer records, the rate
# stops growing (the workload's ceiling: two steps within 5%), or FLOOD_MAX.
# counter: eventfd's counter merges sends, so evtrace follows one read per
# batch; semaphore: one read per send, so every event is followed on its own;
# +events: also one ring-buffer record per event (--events FILE).
# floor: the same flood under evtrace's empty programs (EVTRACE_HOOKS_ONLY=1):
# what the hooks alone leave of the untraced rate (every syscall of the
# machine takes the kernel's traced-syscall path once any program is on
# sys_enter or sys_exit), beside which evtrace's own cost is the rest.
say ""
say "flood: evload eventfd --pattern flood, untraced, under the floor and under evtrace run; count x4 from 100000 until"
say "evtrace loses events or ring-buffer records, the rate stops growing, or $FLOOD_MAX."
say "ev/s: evload's throughput_eps (sends delivered per second, coalesced ones included);"
say "f/u: the floor's rate / untraced; t/u: evtrace's rate / untraced."
printf '  %-16s %-5s %8s %11s %11s %11s %5s %5s | %8s %8s %4s %4s %7s %4s | %s\n' mode cpu count "untraced" "floor" \
	"traced" f/u t/u events coalesc lost unm rb_recs drop "evload recv/coal"
FLOOD_BEST=$TMP/flood.best
: >"$FLOOD_BEST"
flood_series() {        # label cpu "evload args" "evtrace args"
	local label=$1 cpu=$2 eargs=$3 targs=$4 N prev=0 flat=0 ueps feps teps trecv tcoal tcons
	local ev lost unm coal rbrec drop
	for ((N = 100000; N <= FLOOD_MAX; N *= 4)); do
		local FL=(eventfd --pattern flood --count "$N" --cpu "$cpu" $eargs --json)
		wait_quiet
		# a flood evload gives up on (its sender starved for --timeout
		# seconds by other load on the machine) ends the series, untraced
		# or traced alike: no ratio from it
		if ! fg_run "$TMP/flood.u.out" "$EVLOAD" "${FL[@]}"; then
			say "  (untraced evload ${FL[*]} failed: $(tail -n 1 "$TMP/flood.u.out.err"); stop)"
			return
		fi
		wait_quiet
		if ! fg_run "$TMP/flood.f.out" env EVTRACE_HOOKS_ONLY=1 "$EVTRACE" run -- "$EVLOAD" "${FL[@]}"; then
			say "  (EVTRACE_HOOKS_ONLY=1 evtrace run -- evload ${FL[*]} failed: $(tail -n 1 "$TMP/flood.f.out.err"); stop)"
			return
		fi
		rm -f "$TMP/flood.json" "$TMP/flood.events"
		wait_quiet
		if ! fg_run "$TMP/flood.t.out" "$EVTRACE" run --json "$TMP/flood.json" ${targs:+$targs "$TMP/flood.events"} \
			-- "$EVLOAD" "${FL[@]}"; then
			say "  (evtrace run -- evload ${FL[*]} failed: $(tail -n 1 "$TMP/flood.t.out.err"); stop)"
			return
		fi
		read -r ueps _ < <(py flood "$TMP/flood.u.out") || run_failed "reading evload's flood JSON" "$TMP/flood.u.out"
		read -r feps _ < <(py flood "$TMP/flood.f.out") || run_failed "reading evload's flood JSON" "$TMP/flood.f.out"
		read -r teps _ trecv tcoal _ tcons < <(py flood "$TMP/flood.t.out") ||
			run_failed "reading evload's flood JSON" "$TMP/flood.t.out"
		read -r ev lost unm coal _ rbrec drop _ < <(py evtrace "$TMP/flood.json")
		rm -f "$TMP/flood.events"
		awk -v l="$label" -v c="$cpu" -v n="$N" -v u="$ueps" -v f="$feps" -v t="$teps" -v ev="$ev" -v co="$coal" \
			-v lo="$lost" -v un="$unm" -v rr="$rbrec" -v d="$drop" -v er="$trecv" -v ec="$tcoal" \
			'BEGIN { printf "  %-16s %-5s %8d %11.0f %11.0f %11.0f %5.2f %5.2f | %8s %8s %4s %4s %7s %4s | %s/%s%s\n",
				l, c, n, u, f, t, u ? f / u : 0, u ? t / u : 0, ev, co, lo, un, rr, d, er, ec,
				(ev != er || co != ec) ? "  <- counts differ" : "" }'
		if [ "$ev" = - ] || [ "$ev" = 0 ]; then
			say "  (evtrace reported no eventfd events: stop)"
			return
		fi
		if [ "$lost" != 0 ] || { [ "$drop" != 0 ] && [ "$drop" != - ]; }; then
			say "  (lost events or ring-buffer drops at --count $N: stop)"
			return
		fi
		say "$teps $tcons $label $cpu $N $ev $lost $drop $ueps $feps" >>"$FLOOD_BEST"
		flat=$(awk -v p="$prev" -v t="$teps" -v f="$flat" 'BEGIN { print (p > 0 && t < 1.05 * p) ? f + 1 : 0 }')
		prev=$teps
		if [ "$flat" -ge 2 ]; then
			say "  (rate flat for two steps: the workload's ceiling)"
			return
		fi
	done
}
flood_series counter same "" ""
flood_series semaphore cross "--semaphore" ""
flood_series "semaphore+events" cross "--semaphore" "--events"
say "flood figures (the fastest run with lost=0 and no ring-buffer drop, per mode):"
sort -k3,3 -k1,1gr "$FLOOD_BEST" | awk '!seen[$3]++ {
	printf "  %-16s %9.0f ev/s sent, %9.0f reads/s consumed (--cpu %s, --count %s; evtrace events=%s lost=%s ringbuf_dropped=%s)\n",
		$3, $1, $2, $4, $5, $6, $7, $8 }'

# ---------------------------------------------------------------- start-up
say ""
wait_quiet
read -r su sumin sumax base < <(py startup "$EVTRACE" 5) || die "start-up measurement failed"
say "start-up (run): evtrace run -- date: the child starts ${su} ms after evtrace's exec (median of 5;"
say "                min $sumin, max $sumax; fork+exec+date alone, subtracted: $base ms)"

# attach mode: to a ping-pong already running.
ATT_COUNT=$((COUNT * 50))
attach_target() {       # a long ping-pong to attach to; sets CHILD_PID
	"$EVLOAD" eventfd --pattern pingpong --count "$ATT_COUNT" --cpu same --json >"$TMP/attach.out" 2>&1 &
	CHILD_PID=$!
	sleep 0.3
	alive "$CHILD_PID" || run_failed "evload (the attach target)" "$TMP/attach.out"
}
attach_target
: >"$TMP/attach.readys"
for i in 1 2 3 4 5; do
	py attach_startup "$EVTRACE" "$CHILD_PID" 1 "$READY_RE" >"$TMP/attach.ready.$i"
	head -1 "$TMP/attach.ready.$i" >>"$TMP/attach.readys"
done
cp "$TMP/attach.ready.1" "$TMP/attach.ready"
stop_pid "$CHILD_PID" TERM; CHILD_PID=
read -r afirst alast an aready arc < <(sort -n -k4,4 "$TMP/attach.readys" | sed -n 3p)
say "start-up (attach): evtrace attach -v -p PID (the run of median ready time of 5): first probe attached ${afirst} ms after exec, all $an by ${alast} ms"
say "                   (bpftool perf list polled every 10-20 ms; exit status $arc)"
if [ "$aready" = - ]; then
	say "                   it printed no ready line (none matched $READY_RE); its first lines:"
else
	say "                   its ready line (matching $READY_RE) came ${aready} ms after exec; its first lines:"
fi
tail -n +2 "$TMP/attach.ready"

# ---------------------------------------------------------------- syscalls
# One syscall no program acts on (getppid), untraced, under the empty
# programs and under evtrace, in 5 interleaved rounds (the rotation of the
# ping-pong's rounds). With a program on sys_enter or sys_exit, every syscall
# of the machine takes the traced-syscall path: the floor is paid by every
# process, traced or not; evtrace's filter (the syscall number first) is the
# rest.
say ""
: >"$TMP/sys.ns"
SYS_CONDS=(untraced floor evtrace)
for r in 0 1 2 3 4; do
	for k in 0 1 2; do
		c=${SYS_CONDS[$(((k + r) % 3))]}
		wait_quiet
		case $c in
		untraced) fg_run "$TMP/sys.out" "$SYS_TOOL" -n 500000 -r 3 ;;
		floor) fg_run "$TMP/sys.out" env EVTRACE_HOOKS_ONLY=1 "$EVTRACE" run -- "$SYS_TOOL" -n 500000 -r 3 ;;
		evtrace) fg_run "$TMP/sys.out" "$EVTRACE" run -- "$SYS_TOOL" -n 500000 -r 3 ;;
		esac || run_failed "$c overhead_sys" "$TMP/sys.out"
		awk -v c="$c" '$1 == "syscall_ns" { print c, $2; n++ } END { exit !n }' "$TMP/sys.out" >>"$TMP/sys.ns" ||
			run_failed "reading overhead_sys's line ($c)" "$TMP/sys.out"
	done
done
sysmed() { awk -v c="$1" '$1 == c { print $2 }' "$TMP/sys.ns" | sort -g |
	awk '{ v[++n] = $1 } END { printf "%.0f", n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }'; }
say "syscall cost (getppid, which no program acts on; what every process on the machine pays per syscall"
say "              while the hooks are attached), medians of 5 interleaved rounds:"
say "              untraced $(sysmed untraced) ns, floor $(sysmed floor) ns, evtrace $(sysmed evtrace) ns"

# ---------------------------------------------------------------- RSS
# ru_maxrss from wait4 in a small C launcher. attach: evtrace alone; run: the
# larger of evtrace and its child (wait4 folds in waited-for descendants), so
# evload alone is shown too; the peers for scale.
say ""
attach_target
"$RSS_TOOL" -o "$TMP/rss.attach" "$EVTRACE" attach -p "$CHILD_PID" -d 2 >/dev/null 2>&1
"$RSS_TOOL" -o "$TMP/rss.runqlat" "$RUNQLAT" -p "$CHILD_PID" 2 1 >/dev/null 2>&1
"$RSS_TOOL" -o "$TMP/rss.bpftrace" timeout -s INT 3 "$BPFTRACE" "$BT_SCRIPT" >/dev/null 2>&1
stop_pid "$CHILD_PID" TERM; CHILD_PID=
"$RSS_TOOL" -o "$TMP/rss.run" "$EVTRACE" run -- "$EVLOAD" "${PP[@]}" >/dev/null 2>&1
"$RSS_TOOL" -o "$TMP/rss.flood" "$EVTRACE" run --events "$TMP/rss.events" -- \
	"$EVLOAD" eventfd --pattern flood --semaphore --count 400000 --cpu cross --json >/dev/null 2>&1
rm -f "$TMP/rss.events"
"$RSS_TOOL" -o "$TMP/rss.load" "$EVLOAD" "${PP[@]}" >/dev/null 2>&1
kib() { local x; read -r _ x _ <"$1" 2>/dev/null; echo "${x:-0}"; }
mib() { awk -v k="$(kib "$1")" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
say "peak RSS: evtrace attach -p (evtrace alone, 2 s on a ping-pong) $(mib "$TMP/rss.attach")"
say "          evtrace run -- ping-pong $(mib "$TMP/rss.run"); -- semaphore flood with --events $(mib "$TMP/rss.flood")"
say "          (run: the larger of evtrace and evload; evload alone $(mib "$TMP/rss.load"))"
say "          for scale: runqlat -p $(mib "$TMP/rss.runqlat"), bpftrace $(basename "$BT_SCRIPT") $(mib "$TMP/rss.bpftrace")"

# ---------------------------------------------------------------- leftovers
say ""
left=$(py orphans "$TMP/progs.before")
if [ -n "$left" ]; then
	say "warning: BPF programs loaded during this benchmark are still loaded, held by no process (ours or another user's):"
	say "$left" | sed 's/^/  /'
else
	say "cleanup: no BPF program loaded during the benchmark is left without a process holding it"
fi
others=$(other_tracers)
[ -n "$others" ] && say "note: other users' BPF tracers attached at the end: $others"

# ---------------------------------------------------------------- the line
say ""
ratio() { awk -v c="$1" '$1 == c {print $2}' "$TMP/final"; }
# traced / untraced rate of the largest flood followed with nothing lost, per mode
fratio() { awk -v m="$1" '$3 == m && $9 > 0 { r = $1 / $9 } END { printf "%s", r == "" ? "-" : sprintf("%.2f", r) }' "$FLOOD_BEST"; }
# the floor's rate / untraced in the same runs (field 10)
ffloor() { awk -v m="$1" '$3 == m && $9 > 0 { r = $10 / $9 } END { printf "%s", r == "" ? "-" : sprintf("%.2f", r) }' "$FLOOD_BEST"; }
say "flood floor ratio: counter=$(ffloor counter) semaphore=$(ffloor semaphore) (the empty programs' rate / untraced, same runs)"
say "overhead ratio: evtrace=$(ratio evtrace) floor=$(ratio floor) runqlat=$(ratio runqlat) bpftrace=$(ratio bpftrace)"
say "flood ratio: counter=$(fratio counter) semaphore=$(fratio semaphore)"
say "startup ms: run=$(printf '%.0f' "$su") attach=$aready"

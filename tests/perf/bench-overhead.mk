# make bench-overhead: what tracing costs the traced. evload's eventfd
# ping-pong on one CPU, untraced, under evtrace, under runqlat (libbpf-tools)
# and under an equivalent bpftrace script (tests/perf/overhead.bt), interleaved in
# rounds; then evtrace's flood rate with nothing lost, its start-up time and
# its peak RSS (tests/perf/overhead_rss.c measures it), and what one syscall
# no tracer acts on costs every process meanwhile (tests/perf/overhead_sys.c).
# Prints figures, never
# pass/fail; needs root. Tunables: OVERHEAD_* in tests/perf/overhead.sh, e.g.
#   make bench-overhead OVERHEAD_ROUNDS=11 OVERHEAD_COUNT=50000
.PHONY: bench-overhead
BENCH_TARGETS += bench-overhead

$(BUILD)/overhead_rss: tests/perf/overhead_rss.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $<

$(BUILD)/overhead_sys: tests/perf/overhead_sys.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $<

bench-overhead: $(BUILD)/evtrace $(BUILD)/evload $(BUILD)/overhead_rss $(BUILD)/overhead_sys $(DEPS_STAMP)
	@BUILD=$(BUILD) bash tests/perf/overhead.sh

# make bench-bpfstats: ns per run of each of evtrace's BPF programs
# (kernel.bpf_stats_enabled) on the same ping-pong, beside the floor
# (EVTRACE_HOOKS_ONLY=1). Compare builds side by side, interleaved:
#   make bench-bpfstats BPFSTATS_BINS="before=/tmp/old/evtrace after=build/evtrace"
.PHONY: bench-bpfstats
BENCH_TARGETS += bench-bpfstats
BPFSTATS_BINS ?=

bench-bpfstats: $(BUILD)/evtrace $(BUILD)/evload $(DEPS_STAMP)
	@BUILD=$(BUILD) python3 tests/perf/bpf_stats.py $(BPFSTATS_BINS)

# make bench-cpu: the CPU time per event evtrace adds to the same ping-pong
# (evload's own CPU time, both threads), beside untraced and the floor,
# interleaved; robust on a loaded machine. Builds side by side:
#   make bench-cpu CPU_BINS="before=/tmp/old/evtrace after=build/evtrace"
.PHONY: bench-cpu
BENCH_TARGETS += bench-cpu
CPU_BINS ?=

bench-cpu: $(BUILD)/evtrace $(BUILD)/evload $(DEPS_STAMP)
	@BUILD=$(BUILD) python3 tests/perf/cpu_per_event.py $(CPU_BINS)

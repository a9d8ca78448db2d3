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

# make bench-cost: what the parts of the measurement itself cost, on the same
# ping-pong: bench-bpfstats of evtrace beside two builds of it with one part
# taken away (the same paths otherwise; their figures are not a tracer's):
#   clock-free     every clock read a counter (EVT_COST_FREE_CLOCK)
#   no-value-read  no user-memory read of an eventfd read's value
#                  (EVT_COST_NO_VALUE_READ: every read takes 1)
# The difference of their ns/round trip to evtrace's is that part's cost.
.PHONY: bench-cost
BENCH_TARGETS += bench-cost
COST_CLOCK := $(BUILD)/cost-clock
COST_READ  := $(BUILD)/cost-read

bench-cost: $(BUILD)/evtrace $(BUILD)/evload $(DEPS_STAMP)
	@$(MAKE) --no-print-directory BUILD=$(COST_CLOCK) BPF_EXTRA_CFLAGS=-DEVT_COST_FREE_CLOCK \
		$(COST_CLOCK)/evtrace >$(BUILD)/cost-clock.log 2>&1 || { tail -20 $(BUILD)/cost-clock.log >&2; exit 1; }
	@$(MAKE) --no-print-directory BUILD=$(COST_READ) BPF_EXTRA_CFLAGS=-DEVT_COST_NO_VALUE_READ \
		$(COST_READ)/evtrace >$(BUILD)/cost-read.log 2>&1 || { tail -20 $(BUILD)/cost-read.log >&2; exit 1; }
	@BUILD=$(BUILD) python3 tests/perf/bpf_stats.py evtrace=$(BUILD)/evtrace \
		clock-free=$(COST_CLOCK)/evtrace no-value-read=$(COST_READ)/evtrace

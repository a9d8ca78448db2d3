# evtrace, the CLI (tools/): run, attach, report, bench.
#   tools/evtrace.c   argument parsing, the run/attach sessions
#   tools/report.c    the report: text, JSON, reading JSON back
#   tools/tracer*.c   the tracer (BPF skeletons from bpf/bpf.mk)
#   tools/bench*.c    evtrace bench
EVTRACE      := $(BUILD)/evtrace
EVTRACE_TRACER_SRCS := $(sort $(wildcard tools/tracer*.c))
EVTRACE_SRCS := tools/evtrace.c tools/report.c $(EVTRACE_TRACER_SRCS) $(SHARED_SRCS) \
                $(sort $(wildcard tools/bench*.c))
EVTRACE_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(EVTRACE_SRCS))
EVTRACE_LIBS := $(TRACER_LIBS) $(SHARED_LIBS) $(BENCH_LIBS) -lm

all: $(EVTRACE)

# The tracer includes the BPF skeletons that bpf/bpf.mk generates.
$(patsubst %.c,$(BUILD)/obj/%.o,$(EVTRACE_TRACER_SRCS)): $(TRACER_SKELS)

$(EVTRACE): $(EVTRACE_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(EVTRACE_LIBS)

# evtrace, the CLI (tools/evtrace/): argument parsing and the run, attach
# and report sessions on one libevm loop ($(EVM_A)), on the tracer library
# and evtrace bench.
EVTRACE      := $(BUILD)/evtrace
EVTRACE_SRCS := $(sort $(wildcard tools/evtrace/*.c)) $(TRACER_SRCS) $(BENCH_SRCS) $(OUTPUT_SRCS) $(SHARED_SRCS)
EVTRACE_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(EVTRACE_SRCS))
EVTRACE_LIBS := $(EVM_LIBS) $(TRACER_LIBS) $(OUTPUT_LIBS) $(SHARED_LIBS) -lm

all: $(EVTRACE)

$(EVTRACE): $(EVTRACE_OBJS) $(EVM_A)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(EVTRACE_LIBS)

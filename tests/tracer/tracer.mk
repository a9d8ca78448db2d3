# Tracer tests: the BPF programs and the loader library for real,
# as root: known ping-pong traffic per kind (tests/tracer/tracer_load.c) counted
# exactly by the tracer (attach cases: its traffic starts once the tracer is
# attached), stage counts consistent, every attach mode (tp_btf,
# raw_tp, classic tracepoints), the error lines (unprivileged, missing BTF,
# missing PID), and no evt_* program left loaded (tests/tracer/tracer_test.c).
.PHONY: test-tracer
TEST_TARGETS += test-tracer

TRACER_TEST      := $(BUILD)/tests/tracer/tracer_test
TRACER_LOAD      := $(BUILD)/tests/tracer/tracer_load
TRACER_TEST_OBJS := $(BUILD)/obj/tests/tracer/tracer_test.o $(BUILD)/obj/tools/tracer/tracer.o \
                    $(BUILD)/obj/tools/tracer/verifier_log.o \
                    $(BUILD)/obj/tools/tracer/kbtf.o \
                    $(BUILD)/obj/tools/tracer/report.o $(BUILD)/obj/tools/tracer/outfile.o \
                    $(BUILD)/obj/user/shared/hist.o $(BUILD)/obj/user/shared/mech.o \
                    $(BUILD)/obj/user/shared/textesc.o $(BUILD)/obj/user/shared/machine.o

$(TRACER_TEST): $(TRACER_TEST_OBJS)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(TRACER_LIBS) $(SHARED_LIBS) -lm

$(TRACER_LOAD): $(BUILD)/obj/tests/tracer/tracer_load.o
	@mkdir -p $(@D)
	$(CC) -o $@ $^ -lpthread

test-tracer: $(TRACER_TEST) $(TRACER_LOAD)
	TRACER_LOAD=$(TRACER_LOAD) $(TRACER_TEST)

# The histogram's bucket function, min and max (bpf/loghist.h, branch-free)
# against a plain reference (unit, ASan+UBSan, cmocka, no BPF).
.PHONY: test-loghist
TEST_TARGETS += test-loghist

LOGHIST_TEST := $(BUILD)/tests/tracer/loghist_test
$(LOGHIST_TEST): $(patsubst %.c,$(BUILD)/asan/%.o,tests/tracer/loghist_test.c user/shared/hist.c)
	@mkdir -p $(@D)
	$(CC) $(SAN_FLAGS) -o $@ $^ -lcmocka $(SHARED_LIBS)

test-loghist: $(LOGHIST_TEST)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(LOGHIST_TEST)

# The prepared kernel BTF's build-ID check (tools/tracer/kbtf.c): the notes
# parser on well-formed and malformed notes, EVTRACE_KBTF=off (unit,
# ASan+UBSan, cmocka, no BPF).
.PHONY: test-kbtf
TEST_TARGETS += test-kbtf

KBTF_TEST := $(BUILD)/tests/tracer/kbtf_test
$(KBTF_TEST): $(patsubst %.c,$(BUILD)/asan/%.o,tests/tracer/kbtf_test.c tools/tracer/kbtf.c)
	@mkdir -p $(@D)
	$(CC) $(SAN_FLAGS) -o $@ $^ -lcmocka

test-kbtf: $(KBTF_TEST)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(KBTF_TEST)

# The stack of each program's deepest call chain (tests/tracer/bpf_stack.py
# on the object as compiled): within the 512 bytes a kernel without private
# stacks for these programs allows (such a kernel refused evt_exit_btf's
# 528), whatever the test machine's kernel accepts; the checker refuses a
# lower limit (no BPF, no root).
.PHONY: test-bpf-stack
TEST_TARGETS += test-bpf-stack

test-bpf-stack: $(BPF_OBJS)
	@for o in $(BPF_OBJS); do tests/tracer/bpf_stack_test.sh $$o || exit 1; done

# The verifier's reason for a refused load out of libbpf's log message
# (tools/tracer/verifier_log.c: unit, ASan+UBSan, cmocka, no BPF).
.PHONY: test-verifier-log
TEST_TARGETS += test-verifier-log

VERIFIER_LOG_TEST := $(BUILD)/tests/tracer/verifier_log_test
$(VERIFIER_LOG_TEST): $(patsubst %.c,$(BUILD)/asan/%.o,tests/tracer/verifier_log_test.c tools/tracer/verifier_log.c \
                                    user/shared/textesc.c)
	@mkdir -p $(@D)
	$(CC) $(SAN_FLAGS) -o $@ $^ -lcmocka

test-verifier-log: $(VERIFIER_LOG_TEST)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(VERIFIER_LOG_TEST)

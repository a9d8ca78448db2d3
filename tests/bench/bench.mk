# evtrace bench tests: statistics, verdicts, output and the trial machinery
# on synthetic data (unit, ASan+UBSan, cmocka, tracer stubbed in the test),
# bad options, and, as root with the real tracers, a --quick run whose JSON
# and markdown are checked for structure (tests/bench/bench_cli.sh, against
# the mechanism table as tests/bench/mech_list.c prints it).
.PHONY: test-bench test-bench-unit test-bench-cli
TEST_TARGETS += test-bench

BENCH_UNIT      := $(BUILD)/tests/bench/bench_test
BENCH_UNIT_OBJS := $(patsubst %.c,$(BUILD)/asan/%.o,tests/bench/bench_test.c \
                     $(filter-out tools/bench/bench.c,$(BENCH_SRCS)) \
                     $(REPORT_SRCS) $(SPAWN_SRCS) $(SHARED_SRCS))

# (bench_test.c includes bench_impl.h, on the include path)

$(BENCH_UNIT): $(BENCH_UNIT_OBJS)
	@mkdir -p $(@D)
	$(CC) $(SAN_FLAGS) -o $@ $^ -lcmocka $(SHARED_LIBS) -lm

# The mechanism table as JSON, for bench_check.py.
MECH_LIST := $(BUILD)/tests/bench/mech_list
$(MECH_LIST): $(BUILD)/obj/tests/bench/mech_list.o $(BUILD)/obj/user/shared/mech.o
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(SHARED_LIBS)

test-bench: test-bench-unit test-bench-cli

test-bench-unit: $(BENCH_UNIT)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $(BENCH_UNIT)

test-bench-cli: $(BUILD)/evtrace $(BUILD)/evload $(MECH_LIST)
	EVTRACE=$(BUILD)/evtrace EVLOAD=$(BUILD)/evload MECH_LIST=$(MECH_LIST) tests/bench/bench_cli.sh

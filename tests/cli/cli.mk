# CLI tests: evtrace's report and its output files (unit, ASan+UBSan,
# cmocka), bad input, `evtrace report` on saved files and on hostile ones
# (numbers out of range, escapes in strings), and, as root, the end-to-end runs
# over evload with the real tracers (tests/cli/cli_e2e.sh).
.PHONY: test-cli test-cli-unit test-cli-shell test-cli-e2e
TEST_TARGETS += test-cli

CLI_UNIT      := $(BUILD)/tests/cli/cli_report_test
CLI_UNIT_OBJS := $(patsubst %.c,$(BUILD)/asan/%.o,tests/cli/cli_report_test.c $(REPORT_SRCS) $(SHARED_SRCS))

$(CLI_UNIT): $(CLI_UNIT_OBJS)
	@mkdir -p $(@D)
	$(CC) $(SAN_FLAGS) -o $@ $^ -lcmocka $(SHARED_LIBS) -lm

CLI_OUTFILE := $(BUILD)/tests/cli/cli_outfile_test
$(CLI_OUTFILE): $(patsubst %.c,$(BUILD)/asan/%.o,tests/cli/cli_outfile_test.c tools/tracer/outfile.c)
	@mkdir -p $(@D)
	$(CC) $(SAN_FLAGS) -o $@ $^ -lcmocka

test-cli: test-cli-unit test-cli-shell test-cli-e2e

test-cli-unit: $(CLI_UNIT) $(CLI_OUTFILE)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(CLI_UNIT)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(CLI_OUTFILE)

test-cli-shell: $(EVTRACE)
	EVTRACE=$(EVTRACE) tests/cli/cli_bad_input.sh
	EVTRACE=$(EVTRACE) FUZZ_SEEDS=$(FUZZ_SUITE_SEEDS) tests/cli/cli_report.sh
	EVTRACE=$(EVTRACE) FUZZ_SEEDS=$(FUZZ_SUITE_SEEDS) tests/cli/cli_report_hostile.sh

# after the others: the latency checks want a machine as quiet as we can make it
test-cli-e2e: $(EVTRACE) $(EVLOAD) | test-cli-unit test-cli-shell
	EVTRACE=$(EVTRACE) EVLOAD=$(EVLOAD) tests/cli/cli_e2e.sh

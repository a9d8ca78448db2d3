# Fuzzing the report reader (tests/fuzz/): libFuzzer on report_read_json_buf
# (clang -fsanitize=fuzzer with ASan, UBSan and float-cast-overflow), seeded
# with the reports the test suite uses and produces and with hostile seeds
# (tests/fuzz/seeds/), for a bounded time inside `make test`. A crash fails
# the suite; the input that crashed is kept in build/fuzz/.
.PHONY: test-fuzz
TEST_TARGETS += test-fuzz

FUZZ_TIME   ?= 20
FUZZ_FLAGS  := -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all \
               -fno-omit-frame-pointer
FUZZ_DIR    := $(BUILD)/fuzz
FUZZ_REPORT := $(FUZZ_DIR)/fuzz_report
FUZZ_SRCS   := tests/fuzz/fuzz_report.c $(REPORT_SRCS) $(SHARED_SRCS)
FUZZ_OBJS   := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(FUZZ_SRCS))
# the suite leaves the reports it made here (tests/cli/cli_report_hostile.sh)
FUZZ_SUITE_SEEDS := $(FUZZ_DIR)/suite-seeds

# clang's -Wextra also wants every field of a partly designated initializer
# (GCC's does not; the project's tables rely on the rest being zero)
$(FUZZ_DIR)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG) $(CPPFLAGS) $(WARN) -Wno-missing-field-initializers -std=gnu11 -g -O1 -fsanitize=fuzzer-no-link $(FUZZ_FLAGS) \
	    -MMD -MP -c $< -o $@

$(FUZZ_REPORT): $(FUZZ_OBJS)
	$(CLANG) -fsanitize=fuzzer $(FUZZ_FLAGS) -o $@ $^ $(SHARED_LIBS)

# after the CLI's shell tests, whose reports join the seeds
test-fuzz: $(FUZZ_REPORT) | test-cli-shell
	@mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/seeds $(FUZZ_SUITE_SEEDS)
	cp tests/cli/cli_report_fixture.json tests/output/bench_fixture.json tests/fuzz/seeds/*.json \
	    $(FUZZ_DIR)/seeds/
	@rm -f $(FUZZ_DIR)/crash-* $(FUZZ_DIR)/leak-* $(FUZZ_DIR)/timeout-* $(FUZZ_DIR)/oom-*
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	$(FUZZ_REPORT) -max_total_time=$(FUZZ_TIME) -max_len=65536 -timeout=10 -rss_limit_mb=1024 \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/ \
	    $(FUZZ_DIR)/corpus $(FUZZ_DIR)/seeds $(FUZZ_SUITE_SEEDS) >$(FUZZ_DIR)/log 2>&1 || \
	  { tail -40 $(FUZZ_DIR)/log >&2; \
	    echo "test-fuzz: the report reader crashed; input kept: $$(ls $(FUZZ_DIR)/crash-* \
	      $(FUZZ_DIR)/leak-* $(FUZZ_DIR)/timeout-* $(FUZZ_DIR)/oom-* 2>/dev/null | tr '\n' ' ')" >&2; \
	    exit 1; }
	@grep -E '^stat::number_of_executed_runs|^Done' $(FUZZ_DIR)/log | tr '\n' ' '; echo
	@echo "test-fuzz: report reader fuzzed $(FUZZ_TIME) s, no crash"

# Output tests: the JSON schemas (docs/schema/) accept what evtrace writes and
# reject what it must not (tests/output/schema_test.py; the other suites
# validate every JSON file they make with tests/output/validate_json.py).
.PHONY: test-output test-output-schema
TEST_TARGETS += test-output

test-output: test-output-schema

test-output-schema: | $(DEPS_STAMP)
	python3 tests/output/schema_test.py

# evtrace bench --baseline: saved runs against each other, bad baselines,
# and as root one real --quick run (tests/output/baseline_test.sh)
.PHONY: test-output-baseline
test-output: test-output-baseline
test-output-baseline: $(EVTRACE) $(EVLOAD)
	EVTRACE=$(EVTRACE) EVLOAD=$(EVLOAD) tests/output/baseline_test.sh

# the Perfetto timeline: synthetic records, bad input, and as root real
# traced runs of evload (tests/output/perfetto_test.sh)
.PHONY: test-output-perfetto
test-output: test-output-perfetto
test-output-perfetto: $(EVTRACE) $(EVLOAD)
	EVTRACE=$(EVTRACE) EVLOAD=$(EVLOAD) tests/output/perfetto_test.sh

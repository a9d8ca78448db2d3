# libevm tests (tests/libevm/evm_*.c), cmocka. Every suite runs under ASan+UBSan
# (LeakSanitizer on); the threaded suite runs under TSan as well.
EVM_TEST_NAMES := evm_core evm_timer evm_timer_early evm_signal evm_thread evm_trace
EVM_TEST_ASAN  := $(EVM_TEST_NAMES:%=$(BUILD)/asan/tests/libevm/%)
EVM_TEST_TSAN  := $(BUILD)/tsan/tests/libevm/evm_thread
CMOCKA_LIBS    := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

$(EVM_TEST_ASAN): $(BUILD)/asan/%: $(BUILD)/asan/%.o $(EVM_A_ASAN)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(CMOCKA_LIBS) -lpthread
$(EVM_TEST_TSAN): $(BUILD)/tsan/%: $(BUILD)/tsan/%.o $(EVM_A_TSAN)
	$(CC) $(TSAN_FLAGS) -o $@ $^ $(CMOCKA_LIBS) -lpthread

# TSan needs a fixed address-space layout on kernels with high mmap
# randomisation: run it with ASLR off (setarch -R, util-linux).
.PHONY: test-evm
test-evm: $(EVM_TEST_ASAN) $(EVM_TEST_TSAN)
	@set -e; export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 TSAN_OPTIONS=halt_on_error=1; \
	for t in $(EVM_TEST_ASAN); do echo "== $$t"; timeout 300 $$t; done; \
	norand=; setarch $$(uname -m) -R true 2>/dev/null && norand="setarch $$(uname -m) -R"; \
	for t in $(EVM_TEST_TSAN); do echo "== $$t (tsan)"; timeout 300 $$norand $$t; done
	@echo "test-evm: passed"
TEST_TARGETS += test-evm

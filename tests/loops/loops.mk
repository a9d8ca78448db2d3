# Loop tests: real event loops built from Debian's packages (libuv,
# libevent, sd-event), Python asyncio, Node.js and a program linked against
# the shared libevm, traced by `evtrace run` as root; evtrace's counts must
# equal what each program says it did, and every kind's accounting must
# close (tests/loops/loops_test.sh).
.PHONY: test-loops
TEST_TARGETS += test-loops

LOOPS_DIR := $(BUILD)/tests/loops
LOOPS_PROGS := $(LOOPS_DIR)/loops_libuv $(LOOPS_DIR)/loops_libevent $(LOOPS_DIR)/loops_sdevent \
               $(LOOPS_DIR)/loops_evm_shared

$(LOOPS_DIR)/loops_libuv: tests/loops/loops_libuv.c tests/loops/loops_common.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(shell pkg-config --cflags --libs libuv) -lpthread

$(LOOPS_DIR)/loops_libevent: tests/loops/loops_libevent.c tests/loops/loops_common.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(shell pkg-config --cflags --libs libevent libevent_pthreads) -lpthread

$(LOOPS_DIR)/loops_sdevent: tests/loops/loops_sdevent.c tests/loops/loops_common.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(shell pkg-config --cflags --libs libsystemd) -lpthread

# linked as a user would with pkg-config: -levm, the shared library
$(LOOPS_DIR)/loops_evm_shared: tests/loops/loops_evm_shared.c tests/loops/loops_common.h $(EVM_SO)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iuser/libevm -o $@ $< -L$(BUILD) -levm -Wl,-rpath,$(abspath $(BUILD)) -lpthread

test-loops: $(LOOPS_PROGS) $(BUILD)/evtrace $(BUILD)/evload
	LOOPS_BIN=$(LOOPS_DIR) EVTRACE=$(BUILD)/evtrace EVLOAD=$(BUILD)/evload tests/loops/loops_test.sh

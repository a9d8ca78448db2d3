# bench-evm: libevm against raw epoll+eventfd, libev, libevent, libuv and
# sd-event (ping-pong RTT and timer churn). Prints figures, never pass/fail.
#   make bench-evm                      the full run (~2 minutes)
#   make bench-evm BENCH_EVM_ARGS=...   e.g. --blocks 4 --timers 100000, --all, --help
# The peers are bench-only Debian packages (DEPS_BENCH); libev has no
# pkg-config file. Link order matters: Debian's libev.so also exports a
# libevent-compatible event_* API, so libevent must come first or its
# symbols resolve into libev.
BENCH_EVM_SRCS := $(sort $(wildcard tests/perf/bench_evm*.c))
BENCH_EVM_OBJS := $(BENCH_EVM_SRCS:%.c=$(BUILD)/obj/%.o)
BENCH_EVM_BIN  := $(BUILD)/bench/bench_evm
BENCH_EVM_PKGS := libevent libevent_pthreads libuv libsystemd
BENCH_EVM_ARGS ?=

# A benchmark is meaningless unoptimised, whatever CFLAGS says.
$(BENCH_EVM_OBJS): CFLAGS += -O2
$(BENCH_EVM_OBJS): CPPFLAGS += $(shell pkg-config --cflags $(BENCH_EVM_PKGS) 2>/dev/null)

$(BENCH_EVM_BIN): $(BENCH_EVM_OBJS) $(BUILD)/obj/user/shared/machine.o $(EVM_A)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(BENCH_EVM_OBJS) $(BUILD)/obj/user/shared/machine.o $(EVM_A) \
		$(shell pkg-config --libs $(BENCH_EVM_PKGS) 2>/dev/null) -lev -lpthread -lm

.PHONY: bench-evm
bench-evm: $(BENCH_EVM_BIN)
	$(BENCH_EVM_BIN) $(BENCH_EVM_ARGS)

BENCH_TARGETS += bench-evm

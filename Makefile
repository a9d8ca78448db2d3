# evtrace: one entry point for deps, build, test, bench, clean.
#
#   make            build everything into build/
#   make run        the main job (evtrace bench on the built-in workloads)
#   make test       every test: unit (ASan+UBSan, TSan), workloads, BPF as root
#   make bench-*    benchmarks that print figures (never pass/fail)
#   make deps       install the Debian packages the build and tests need
#
# Each folder keeps the rules that build it in a fragment beside its sources:
#   user/shared/shared.mk    modules shared by every program: histogram, machine, mechanisms
#   user/libevm/libevm.mk    libevm, the integrated event manager (+ install, pkg-config)
#   user/evload/evload.mk    evload, the workloads built on libevm
#   bpf/bpf.mk               the BPF pipeline: vmlinux.h, clang -target bpf, skeletons
#   tools/tracer/tracer.mk   the tracer library: load, attach, collect; the report model
#   tools/bench/bench.mk     evtrace bench: scenarios, trials, statistics, verdicts
#   tools/output/output.mk   outputs beyond text and JSON: Perfetto timeline, HTML pictures, Prometheus
#   tools/evtrace/evtrace.mk evtrace, the CLI
#   tests/*/*.mk             the test suites (each appends to TEST_TARGETS)
#   tests/perf/*.mk          the benchmarks (each appends to BENCH_TARGETS)

SHELL      := /bin/bash
BUILD      := build
CC         ?= cc
CLANG      ?= clang
BPFTOOL    ?= bpftool
PREFIX     ?= /usr/local

WARN       := -Wall -Wextra -Werror
CPPFLAGS   += -D_GNU_SOURCE -Iuser/libevm -Iuser/shared -Ibpf -Itools/tracer -Itools/bench -I$(BUILD)
CFLAGS     ?= -O2 -g
CFLAGS     += $(WARN) -std=gnu11 -fPIC
# float-cast-overflow (a double out of range converted to an integer) is not
# part of GCC's -fsanitize=undefined: named so that it fails the tests too.
SAN_FLAGS  := -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
TSAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer

# Debian packages: build, tests, and (bench only) the peers we compare with.
DEPS_BUILD := build-essential clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool \
              systemtap-sdt-dev libjson-c-dev pkg-config libcmocka-dev libmicrohttpd-dev
DEPS_TEST  := rt-tests util-linux python3 iproute2 python3-jsonschema chromium prometheus \
              libclang-rt-dev \
              libuv1-dev libevent-dev libsystemd-dev nodejs
DEPS_BENCH := libev-dev libevent-dev libuv1-dev libsystemd-dev libbpf-tools bpftrace
DEPS_ALL   := $(DEPS_BUILD) $(DEPS_TEST) $(DEPS_BENCH)
DEPS_STAMP := $(BUILD)/.deps-installed

.PHONY: all deps run test bench clean install
all: $(DEPS_STAMP)

# Install whatever is missing (a fresh Debian 12 machine has none of it).
deps: $(DEPS_STAMP)
$(DEPS_STAMP):
	@mkdir -p $(BUILD)
	@missing=$$(for p in $(DEPS_ALL); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "deps: installing$$(echo $$missing | tr '\n' ' ' | sed 's/^/ /')"; \
	    if [ "$$(id -u)" != 0 ]; then echo "deps: missing Debian packages ($$missing); run 'make deps' as root" >&2; exit 1; fi; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >$(BUILD)/apt.log 2>&1 \
	      || { tail -20 $(BUILD)/apt.log >&2; exit 1; }; \
	fi
	@touch $@

# Objects: one tree per build variant, sources keep their directory.
#   build/obj   normal (-O2)
#   build/asan  ASan + UBSan (the test build)
#   build/tsan  TSan (threaded tests)
$(BUILD)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/asan/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -O1 $(SAN_FLAGS) -MMD -MP -c $< -o $@
$(BUILD)/tsan/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -O1 $(TSAN_FLAGS) -MMD -MP -c $< -o $@
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

TEST_TARGETS  :=
BENCH_TARGETS :=

# Order matters: later fragments name earlier ones' outputs as prerequisites.
include user/shared/shared.mk
include user/libevm/libevm.mk
include user/evload/evload.mk
include bpf/bpf.mk
include tools/tracer/tracer.mk
include tools/bench/bench.mk
include tools/output/output.mk
include tools/evtrace/evtrace.mk
include $(sort $(filter-out tests/perf/%,$(wildcard tests/*/*.mk)))
include $(sort $(wildcard tests/perf/*.mk))

# make run: the main job. evtrace bench runs every mechanism under the tracers
# (default: 9 interleaved trials per scenario, a few minutes on 2 CPUs) and
# prints the classic table as measured, a verdict beside each claim, the
# kernel/user cross-check and the conditions. Needs root (BPF).
run: $(EVTRACE) $(EVLOAD)
	$(EVTRACE) bench --evload $(EVLOAD)

test: $(TEST_TARGETS)
	@echo "make test: all suites passed"

bench: $(BENCH_TARGETS)

clean:
	rm -rf $(BUILD)

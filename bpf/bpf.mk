# The BPF pipeline: vmlinux.h from the running kernel's BTF, clang -target bpf
# (CO-RE), bpftool gen object (static linking) and gen skeleton.
#   bpf/<name>.bpf.c  ->  build/bpf/<name>.bpf.o  ->  build/<name>.skel.h
BPF_SRCS    := $(sort $(wildcard bpf/*.bpf.c))
BPF_OBJS    := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
BPF_SKELS   := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/%.skel.h)
BPF_HDRS    := $(wildcard bpf/*.h)
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
VMLINUX_H   := $(BUILD)/vmlinux.h
BPF_ARCH    := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
# BPF_EXTRA_CFLAGS: for make bench-cost's builds (-DEVT_COST_*), else empty;
# never into the main tree (nothing would rebuild it without them)
BPF_EXTRA_CFLAGS ?=
ifneq ($(strip $(BPF_EXTRA_CFLAGS)),)
ifeq ($(abspath $(BUILD)),$(abspath build))
$(error BPF_EXTRA_CFLAGS makes a tracer for measurement only (make bench-cost): give it a BUILD of its own)
endif
endif
BPF_CFLAGS  := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(BPF_ARCH) -Wall -Werror \
               -Wno-unused-function -I$(BUILD) -Ibpf \
               -I/usr/include/$(shell uname -m)-linux-gnu $(BPF_EXTRA_CFLAGS)

# What the tracer (tools/tracer/tracer.c) and its users link with.
TRACER_SKELS := $(BPF_SKELS)
TRACER_LIBS  := -lbpf -lelf -lz

all: $(BPF_SKELS)

$(VMLINUX_H): | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@test -r $(VMLINUX_BTF) || { echo "bpf: kernel BTF not found at $(VMLINUX_BTF) (CONFIG_DEBUG_INFO_BTF)" >&2; exit 1; }
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

$(BUILD)/bpf/%.tmp.o: bpf/%.bpf.c $(BPF_HDRS) $(VMLINUX_H) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bpf/%.bpf.o: $(BUILD)/bpf/%.tmp.o
	$(BPFTOOL) gen object $@ $<

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

.PHONY: bpf
bpf: $(BPF_SKELS)

# keep the objects for inspection (bpftool prog dump, llvm-objdump)
.SECONDARY: $(BPF_OBJS) $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.tmp.o)

# The tracer library (tools/tracer/): tracer.c loads the BPF programs
# (skeletons from bpf/bpf.mk), feature-probes the attach mode, attaches and
# collects; report.c is the report model (text, JSON, reading JSON back);
# outfile.c the safe output files, spawn.c the held child.
# Linked into evtrace and the tracer and CLI tests.
TRACER_SRCS := $(sort $(wildcard tools/tracer/*.c))
REPORT_SRCS := tools/tracer/report.c tools/tracer/outfile.c
SPAWN_SRCS  := tools/tracer/spawn.c

# the tracer includes the skeleton
$(patsubst %.c,$(BUILD)/obj/%.o,tools/tracer/tracer.c) \
$(patsubst %.c,$(BUILD)/asan/%.o,tools/tracer/tracer.c): $(TRACER_SKELS)

# The kernel BTF prepared at build time for this kernel (kbtf.c): the CO-RE
# relocations' types, minimized, and the build ID they belong to.
KBTF_H := $(BUILD)/evtrace.kbtf.h
$(KBTF_H): tools/tracer/gen-kbtf.sh $(BUILD)/bpf/evtrace.bpf.o
	bash tools/tracer/gen-kbtf.sh $(VMLINUX_BTF) $(BUILD)/bpf/evtrace.bpf.o $(BPFTOOL) $@
$(patsubst %.c,$(BUILD)/obj/%.o,tools/tracer/kbtf.c) \
$(patsubst %.c,$(BUILD)/asan/%.o,tools/tracer/kbtf.c): $(KBTF_H)

/* SPDX-License-Identifier: MIT */
/* machine: the conditions every report records about the machine. */
#ifndef EVTRACE_MACHINE_H
#define EVTRACE_MACHINE_H

#include <stdbool.h>

struct machine_desc {
	char kernel[128];      /* uname release + version */
	char release[65];      /* uname release */
	char arch[65];         /* uname machine */
	char cpu_model[128];   /* /proc/cpuinfo model name */
	int ncpus;             /* online */
	bool virtualised;      /* hypervisor CPU flag, CPUID signature, /sys/hypervisor */
	char hypervisor[32];   /* "KVM", ... or "" when unknown */
	bool bpf_stats;        /* kernel.bpf_stats_enabled on */
};

/* Never fails: fields it cannot read stay empty (0, false). */
void machine_describe(struct machine_desc *m);

/* kernel.bpf_stats_enabled is on: the kernel times every BPF program run
 * (two clock reads more each), which every figure taken under BPF
 * programs then includes. false when unreadable. */
bool machine_bpf_stats(void);

#endif

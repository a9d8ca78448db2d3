/* SPDX-License-Identifier: MIT */
/*
 * The tracer: loads the BPF programs (bpf/*.bpf.c skeletons), probes the
 * kernel's features, attaches, and collects the per-CPU maps into a report.
 * Used by every evtrace subcommand that traces (run, attach, bench).
 */
#ifndef EVTRACE_TRACER_H
#define EVTRACE_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "report.h"

struct tracer;

struct tracer_opts {
	pid_t pid;              /* target tgid (its threads and, with follow, its
				 * descendants); 0 with all = the whole system */
	bool all;               /* -a */
	bool follow_forks;      /* children forked by targets become targets */
	const char *events_path;/* --events FILE: per-event records, or NULL */
	const char *btf_path;   /* kernel BTF; NULL = /sys/kernel/btf/vmlinux
				 * (EVTRACE_BTF in the environment also sets it) */
	const char *usdt_binary;/* binary/library with libevm's USDT probes to
				 * attach for the dispatch stage, or NULL: found
				 * from /proc/PID/maps when possible */
	int verbose;            /* -v: libbpf debug output */
};

/* Checks privileges, BTF, features; loads and attaches. 0, or a negative
 * errno with one clear line in err (e.g. "evtrace needs CAP_BPF and
 * CAP_PERFMON (or root): run it as root"). */
int tracer_open(struct tracer **ret, const struct tracer_opts *opts, char *err, size_t errlen);
/* Consumes per-event records (when --events) for at most timeout_ms.
 * Returns records consumed or a negative errno. */
int tracer_poll(struct tracer *t, int timeout_ms);
/* Cumulative counts and histograms since open, merged over CPUs. */
int tracer_collect(struct tracer *t, struct evtrace_report *out);
/* Clears the maps (interval reports). */
int tracer_reset(struct tracer *t);
/* Detaches and unloads everything. NULL allowed. */
void tracer_close(struct tracer *t);

#endif /* EVTRACE_TRACER_H */

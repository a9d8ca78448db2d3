/* SPDX-License-Identifier: MIT */
/*
 * The tracer: loads the BPF programs (bpf/evtrace.bpf.c, build/evtrace.skel.h), probes the
 * kernel's features, attaches, and collects the per-CPU maps into a report.
 * Used by every evtrace subcommand that traces (run, attach, bench).
 *
 * The environment, for tests and benchmarks (evtrace's options cover the
 * rest):
 *   EVTRACE_BTF=PATH         kernel BTF, as opts->btf_path
 *   EVTRACE_ATTACH_MODE=M    start the feature probe at raw_tp or tracepoint
 *                            (tp_btf is tried first otherwise)
 *   EVTRACE_HOOKS_ONLY=1     every program attached to its hook but returning
 *                            at once: the cost of the hooks alone (the floor
 *                            row of make bench-overhead); reports are empty
 */
#ifndef EVTRACE_TRACER_H
#define EVTRACE_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "report.h"

struct tracer;

struct tracer_opts {
	pid_t pid;              /* target tgid (its threads and, with follow, its
				 * descendants); 0 with all = the whole system */
	bool all;               /* -a */
	bool follow_forks;      /* children forked by targets become targets */
	const char *events_path;/* --events FILE: per-event records, or NULL */
	FILE *events_file;      /* with events_path: the stream to write them to
				 * (the caller's, e.g. an outfile.h stream: the
				 * tracer flushes it, never closes it), or NULL:
				 * the tracer opens events_path itself */
	const char *btf_path;   /* kernel BTF; NULL = /sys/kernel/btf/vmlinux
				 * (EVTRACE_BTF in the environment also sets it) */
	const char *usdt_binary;/* binary/library with libevm's USDT probes to
				 * attach for the dispatch stage, or NULL: found
				 * from /proc/PID/maps when possible */
	int verbose;            /* -v: libbpf debug output */
	bool no_dispatch;       /* leave libevm's USDT probes alone: no dispatch
				 * stage (libevm then writes no trace slot, and
				 * traps once per thread less) */
	bool send_records;      /* with events_path: also a record per sending
				 * syscall ("type": "send"), for timelines */
	bool per_process;       /* -P: counters per process (the report's
				 * "processes"), their stages from the per-event
				 * records (streamed for it, --events or not) */
};

/* Checks privileges, BTF, features; loads and attaches. 0, or a negative
 * errno with one clear line in err (e.g. "tracing needs CAP_BPF and
 * CAP_PERFMON (or root): run it as root"). */
int tracer_open(struct tracer **ret, const struct tracer_opts *opts, char *err, size_t errlen);
/* Consumes per-event records (when --events): waits at most timeout_ms
 * (records do not wake it until the buffer is half full), then reads all
 * that wait.
 * Returns records consumed or a negative errno. */
int tracer_poll(struct tracer *t, int timeout_ms);
/* With events_path: an fd (ring_buffer__epoll_fd) that becomes readable
 * when records wait (the buffer is half full), for the caller's loop: call
 * tracer_poll(t, 0) then. -ENOENT without records. */
int tracer_events_fd(const struct tracer *t);
/* Cumulative counts and histograms since open, merged over CPUs. */
int tracer_collect(struct tracer *t, struct evtrace_report *out);
/* Clears the maps (interval reports). */
int tracer_reset(struct tracer *t);
/* Detaches and unloads everything. NULL allowed. */
void tracer_close(struct tracer *t);

/* Attaches libevm's USDT probe (dispatch stage) in binary, an executable
 * linking libevm statically or libevm.so, for every process running it (the
 * BPF side keeps to the targets). tracer_open does it itself from
 * opts->usdt_binary or the target's /proc/PID/exe and maps, and loads only
 * the program that file's probe needs; `evtrace run` should pass the
 * command's resolved path in opts->usdt_binary, since /proc/PID/exe is
 * still evtrace before the exec. 0, -ENOENT when the file has no libevm
 * probes or tracer_open loaded no program for its probe, or a negative
 * errno. */
int tracer_attach_usdt(struct tracer *t, const char *binary);
/* "tp_btf", "raw_tp" or "tracepoint": the mode the feature probe chose. */
const char *tracer_attach_mode(const struct tracer *t);
/* Whether the programs were relocated against the kernel BTF prepared at
 * build time for this kernel (tools/tracer/kbtf.h), not the whole one. */
bool tracer_btf_prepared(const struct tracer *t);
/* The kernel ids of the programs loaded (all named evt_*): up to max in ids,
 * returns how many there are. After tracer_close none of them exists. */
int tracer_prog_ids(const struct tracer *t, unsigned int *ids, int max);
/* Program runs the kernel skipped because another BPF program was running
 * on that CPU (bpf_prog_info.recursion_misses, summed). Classic tracepoints
 * skip any nesting (an hrtimer interrupting a syscall hook), tp_btf and
 * raw_tp only a program nesting in itself. A skipped hook can turn an
 * event into an unmatched one: worth printing when not 0. */
uint64_t tracer_misses(const struct tracer *t);

#endif /* EVTRACE_TRACER_H */

/* SPDX-License-Identifier: MIT */
/*
 * The evtrace report: what the tracers measured, per kind and stage, with the
 * conditions it was measured under. Filled by the tracer (tools/tracer/tracer.c),
 * printed as text or JSON and read back from JSON (tools/tracer/report.c).
 *
 * JSON shape (docs/json.md, docs/schema/report.schema.json):
 *   {"settings": {...},
 *    "mechanisms": {"<kind>": {"events": N, "lost": N, "unmatched": N,
 *        "coalesced": N, "stages": {"send": H, "wake": H, "return": H,
 *        "dispatch": H, "total": H, "timer_late": H}, "sender_cost": H,
 *        "wakes": {"same_cpu": N, "cross_cpu": N, "none": N}}},
 *    "ringbuf": {"records": N, "dropped": N}, "tracer": {"missed_runs": N}}
 *   H = {"count","min","p50","p90","p99","p999","max","mean"} in ns.
 * Extras: "format": 1 at the top; per mechanism "sends" (sending syscalls or
 * timer expiries seen) and "total_buckets": [[low_ns, count], ...], the
 * non-empty buckets of the total histogram, so that `evtrace report FILE` can
 * draw the bars again. A mechanism appears when any of its counters is
 * non-zero (lost or unmatched events are never left out).
 */
#ifndef EVTRACE_REPORT_H
#define EVTRACE_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "evtrace.h"
#include "hist.h"

struct json_object;

struct evtrace_settings {
	char mode[16];          /* "run", "attach", "system" */
	char command[256];      /* run: the command line; attach: the comm */
	int pid;                /* target tgid, 0 for the whole system */
	double duration_s;      /* tracing time */
	char kernel[128];       /* uname -r + version */
	char cpu_model[128];
	int ncpus;
	bool virtualised;       /* hypervisor flag in /proc/cpuinfo */
	char hypervisor[32];
	char attach_mode[64];   /* e.g. "tp_btf", "raw_tp", "tracepoint" */
	bool usdt;              /* libevm's USDT probes attached (dispatch stage) */
	char start_time[32];    /* when tracing started: UTC, ISO 8601 ("" unknown) */
	char hostname[256];     /* the machine's name ("" unknown) */
	bool bpf_stats;         /* kernel.bpf_stats_enabled seen on while tracing */
};

struct evtrace_kind_report {
	uint64_t counters[EVT_CNT_MAX];
	/* full histograms when measured live; from JSON only summaries exist */
	struct loghist hist[EVT_STAGE_MAX];
	struct hist_summary sum[EVT_STAGE_MAX];
};

/* One process of a -P report: its counters and stage summaries per kind
 * (the stages from its events' records; no sender cost: records are the
 * receiver's). */
#define EVTRACE_MAX_PROCS 64
#define EVTRACE_PID_MAX 4194304 /* the kernel's PID_MAX_LIMIT (64-bit) */
#define EVTRACE_NSIG 65
struct evtrace_proc_report {
	int pid;
	char comm[16];
	uint64_t counters[EVT_KIND_MAX][EVT_CNT_MAX];
	struct hist_summary sum[EVT_KIND_MAX][EVT_STAGE_MAX];
};

struct evtrace_report {
	struct evtrace_settings settings;
	struct evtrace_kind_report kind[EVT_KIND_MAX];
	/* the signal kinds' counters by signal number (1..64) */
	uint64_t by_signal[EVT_KIND_MAX][EVTRACE_NSIG][EVT_CNT_MAX];
	/* -P: the processes, busiest first ("processes"); procs_left_out
	 * counts those past EVTRACE_MAX_PROCS (in the totals, not listed) */
	bool per_process;       /* -P: "processes" written */
	int nprocs;
	uint64_t procs_left_out;
	struct evtrace_proc_report procs[EVTRACE_MAX_PROCS];
	uint64_t ringbuf_records, ringbuf_dropped;
	/* BPF program runs the kernel skipped because another program was
	 * running on that CPU (tracer_misses): a skipped hook can turn an event
	 * into an unmatched one */
	uint64_t missed_runs;
	/* waits of targets that returned ready after a wakeup by no channel
	 * the tracer follows ("tracer": {"untraced_wakeups": N}) */
	uint64_t untraced_wakeups;
	bool from_json;         /* only summaries are valid (no bars) */
};

const char *evt_kind_name(enum evt_kind k);     /* "signal", "sigwait", ... */
const char *evt_stage_name(enum evt_stage s);   /* "send", "wake", ... */
int evt_kind_from_name(const char *name);       /* -EINVAL if unknown */
int evt_stage_from_name(const char *name);      /* JSON key; -EINVAL if unknown */

/* The accounting identity of kind k (bpf/evtrace.h): sends (+ carried) on
 * one side, the ways they left on the other; closes when both are equal. */
struct report_accounting {
	uint64_t sends;         /* sends + carried */
	uint64_t accounted;     /* events + coalesced + lost + rearmed + forwarded
				 * + default_action + in_flight (timerfd: no
				 * coalesced) */
	int64_t gap;            /* sends - accounted */
	bool closes;
};
void report_accounting(const struct evtrace_report *r, enum evt_kind k,
		       struct report_accounting *a);
/* "events 600 + forwarded 600": the identity's non-zero terms (events
 * always) for counters c of kind k, in buf. */
const char *report_accounting_terms(const uint64_t *c, enum evt_kind k, char *buf, size_t len);
/* The same over one set of counters of kind k (a process's, a signal's). */
void report_accounting_of(const uint64_t *counters, enum evt_kind k, struct report_accounting *a);
/* "SIGUSR1" for 10, "SIGRTMIN+3"; "SIG?" out of range. */
const char *report_signal_name(int signo, char *buf, size_t len);
/* Whether kind k has events with a measured total (a latency to draw; a
 * kind with accounting counts only is listed, not drawn). */
bool report_kind_measured(const struct evtrace_report *r, enum evt_kind k);
/* Whether kind k has anything to report (any counter or stage non-zero). */
bool report_kind_active(const struct evtrace_report *r, enum evt_kind k);
/* Adds src's counters, histograms and duration to dst, then summarizes dst
 * (interval reports add up to the whole run). */
void report_merge(struct evtrace_report *dst, const struct evtrace_report *src);
/* out = cur - prev, for two cumulative reports of one tracer (interval
 * reports without clearing the maps, so no event is lost in between): exact
 * counts, buckets, sums; min and max are the edges of the outermost non-empty
 * buckets, clamped to cur's. Settings from cur; summarizes out. */
void report_diff(struct evtrace_report *out, const struct evtrace_report *cur,
		 const struct evtrace_report *prev);

/* Fills sum[] from hist[] for every kind. */
void report_summarize(struct evtrace_report *r);
/* The text report; durations in human units (830ns, 4.52us, 1.20ms). */
void report_print_text(FILE *f, const struct evtrace_report *r);
/* Units of the text's stage table (the JSON is always in ns). */
enum report_unit {
	REPORT_UNIT_HUMAN,      /* each number in its own unit: 830ns, 4.52us */
	REPORT_UNIT_NS,         /* exact ns, as in the JSON */
	REPORT_UNIT_US,
	REPORT_UNIT_MS,
};
void report_print_text_unit(FILE *f, const struct evtrace_report *r, enum report_unit u);
struct json_object *report_to_json(const struct evtrace_report *r);
/* The JSON report to f; 0, or a negative errno when a write failed. */
int report_print_json(FILE *f, const struct evtrace_report *r);
/* The same into path ("-": stdout) through outfile.h; 0, or a negative
 * errno with a one-line message in err. */
int report_write_json(const struct evtrace_report *r, const char *path, char *err, size_t errlen);
/* Reads a saved report back, strictly: a known key of the wrong type, a
 * number out of its range (counts and ns values in [0, 2^63), means and
 * durations finite and non-negative) or numbers that contradict each other
 * (percentiles out of order, a mean outside [min, max], buckets that do not
 * add up) are a one-line error naming the key, -EINVAL; unknown keys are
 * ignored. path "-" is stdin. */
int report_read_json(struct evtrace_report *r, const char *path, char *err, size_t errlen);
/* The same from a buffer of len bytes (need not be NUL-terminated); name
 * stands for the file in the messages. */
int report_read_json_buf(struct evtrace_report *r, const char *name, const char *buf, size_t len,
			 char *err, size_t errlen);
/* Fills kernel, CPU and virtualisation fields. */
void report_fill_system(struct evtrace_settings *s);

#endif /* EVTRACE_REPORT_H */

/* SPDX-License-Identifier: MIT */
/*
 * The evtrace report: what the tracers measured, per kind and stage, with the
 * conditions it was measured under. Filled by the tracer (tools/tracer.c),
 * printed as text or JSON and read back from JSON (tools/report.c).
 *
 * JSON shape (issue 4), extended:
 *   {"settings": {...},
 *    "mechanisms": {"<kind>": {"events": N, "lost": N, "unmatched": N,
 *        "coalesced": N, "stages": {"send": H, "wake": H, "return": H,
 *        "dispatch": H, "total": H, "timer_late": H}, "sender_cost": H,
 *        "wakes": {"same_cpu": N, "cross_cpu": N, "none": N}}},
 *    "ringbuf": {"records": N, "dropped": N}}
 *   H = {"count","min","p50","p90","p99","p999","max","mean"} in ns.
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
};

struct evtrace_kind_report {
	uint64_t counters[EVT_CNT_MAX];
	/* full histograms when measured live; from JSON only summaries exist */
	struct loghist hist[EVT_STAGE_MAX];
	struct hist_summary sum[EVT_STAGE_MAX];
};

struct evtrace_report {
	struct evtrace_settings settings;
	struct evtrace_kind_report kind[EVT_KIND_MAX];
	uint64_t ringbuf_records, ringbuf_dropped;
	bool from_json;         /* only summaries are valid (no bars) */
};

const char *evt_kind_name(enum evt_kind k);     /* "signal", "sigwait", ... */
const char *evt_stage_name(enum evt_stage s);   /* "send", "wake", ... */
int evt_kind_from_name(const char *name);       /* -EINVAL if unknown */

/* Fills sum[] from hist[] for every kind. */
void report_summarize(struct evtrace_report *r);
void report_print_text(FILE *f, const struct evtrace_report *r);
struct json_object *report_to_json(const struct evtrace_report *r);
/* 0, or a negative errno with a one-line message in err. */
int report_write_json(const struct evtrace_report *r, const char *path, char *err, size_t errlen);
int report_read_json(struct evtrace_report *r, const char *path, char *err, size_t errlen);
/* Fills kernel, CPU and virtualisation fields. */
void report_fill_system(struct evtrace_settings *s);

#endif /* EVTRACE_REPORT_H */

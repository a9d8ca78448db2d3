/* SPDX-License-Identifier: MIT */
/*
 * hist: the user-space side of the log-linear histogram (bpf/loghist.h):
 * merging (per-CPU BPF values, trials), percentiles, text bars and JSON.
 * Shared by evload and evtrace so both report the same way.
 */
#ifndef EVTRACE_HIST_H
#define EVTRACE_HIST_H

#include <stdint.h>
#include <stdio.h>

#include "loghist.h"

struct json_object;

/* Percentiles are read off the buckets: the bucket's midpoint, clamped to
 * [min, max], so a relative error of at most ~1.6%. */
struct hist_summary {
	uint64_t count;
	uint64_t min, p50, p90, p99, p999, max;
	double mean;
};

void hist_init(struct loghist *h);
void hist_add(struct loghist *h, uint64_t v);
void hist_merge(struct loghist *dst, const struct loghist *src);
/* q in [0, 1]; 0 for an empty histogram. */
uint64_t hist_quantile(const struct loghist *h, double q);
void hist_summarize(const struct loghist *h, struct hist_summary *out);
/* bcc-style bars of the distribution, one row per power of two, in ns. */
void hist_print_bars(FILE *f, const struct loghist *h, const char *label);
/* {"count","min","p50","p90","p99","p999","max","mean"} */
struct json_object *hist_summary_to_json(const struct hist_summary *s);
/* The reverse; -EINVAL if a field is missing or of the wrong type. */
int hist_summary_from_json(struct json_object *o, struct hist_summary *s);
/* Formats ns for people: "812ns", "4.52us", "12.1ms", "3.20s". */
const char *hist_fmt_ns(uint64_t ns, char *buf, size_t len);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Pictures: a report or a bench run as one self-contained HTML page (inline
 * CSS and SVG, no script, nothing fetched from the network), for a person to
 * look at rather than read.
 *
 *   report: per mechanism, the distribution of the kernel total as a CDF on a
 *           log axis (from the log-linear buckets; from the summary's
 *           percentiles when a saved report has no buckets, and then it
 *           says so), p50 and p99 marked; a stacked bar of the stages'
 *           shares of the total time (send, wake, return, dispatch; time
 *           spent in a stage = its mean x its count, over the total's); the
 *           counters, lost and unmatched events highlighted when non-zero.
 *   bench:  the verdict table, each claim measured as a ratio to the pipe
 *           drawn beside it on one log axis (median, interval, the claimed
 *           band, 1 = the pipe), and the kernel p50 per mechanism with its
 *           interval, one CPU and across two.
 *
 * Hooks for tests and tools: every plot is an <svg> with class "cdf",
 * "stages", "ratio" or "latency" and data-mechanism="<kind>"; each
 * mechanism's section is <section class="mechanism" data-mechanism=...>;
 * each verdict row is <tr class="claim" data-claim="<id>">.
 */
#ifndef EVTRACE_HTML_H
#define EVTRACE_HTML_H

#include <stdio.h>

#include "report.h"

struct bench_results;

/* Write the page to f; 0, or a negative errno when writing failed. */
int html_report(FILE *f, const struct evtrace_report *r);
int html_bench(FILE *f, const struct bench_results *r);

/* The same into FILE ("-": stdout), written to a temporary file beside it
 * and renamed over it only when complete. 0, or a negative errno with one
 * line in err. output_check_path: can FILE be written (before a long run)? */
int html_save_report(const struct evtrace_report *r, const char *path, char *err, size_t errlen);
int html_save_bench(const struct bench_results *r, const char *path, char *err, size_t errlen);
int output_check_path(const char *path, char *err, size_t errlen);

/* What html_save_* do, for every output of this folder: render(f, arg) into
 * path ("-": stdout) through a hidden temporary file (".NAME.XXXXXX", mode
 * 0644) renamed over it once complete. */
int output_save(const char *path, int (*render)(FILE *f, const void *arg), const void *arg,
		char *err, size_t errlen);

#endif /* EVTRACE_HTML_H */

/* SPDX-License-Identifier: MIT */
/*
 * Prometheus for the fleet: a report in the Prometheus text format (0.0.4)
 * or OpenMetrics 1.0, served on /metrics (libmicrohttpd, its own polling
 * thread, loopback addresses only) and written for node_exporter's textfile
 * collector.
 *
 * The metrics, cumulative since tracing started, labelled mechanism="<kind>":
 *   evtrace_stage_latency_seconds{mechanism,stage}  histogram: stage is a JSON
 *       stage key (send, wake, return, dispatch, total, sender_cost,
 *       timer_late); le = the edges of the log-linear buckets taken 8 per
 *       power of two (a bucket at most 1/8 of its value wide), over the
 *       range the histogram has reached (a range that only grows, so a
 *       series once there stays), then +Inf; _sum, _count
 *   evtrace_events_total, evtrace_coalesced_total, evtrace_lost_total,
 *   evtrace_unmatched_total, evtrace_sends_total            counters
 *   evtrace_wakes_total{mechanism,wake="same_cpu|cross_cpu|none"}
 *   evtrace_ringbuf_records_total, evtrace_ringbuf_dropped_total,
 *   evtrace_missed_runs_total, evtrace_tracing_seconds (gauge)
 * A mechanism appears once anything of it was counted.
 */
#ifndef EVTRACE_PROM_H
#define EVTRACE_PROM_H

#include <stdbool.h>
#include <stdio.h>

#include "report.h"

/* The exposition of r into f; 0, or a negative errno when writing failed. */
int prom_write(FILE *f, const struct evtrace_report *r, bool openmetrics);

/* ADDR:PORT with ADDR 127.x.y.z, [::1] or localhost (nothing else: the
 * server is for a scraper on the same host). 0, or -EINVAL with one line in
 * err. */
int prom_parse_listen(const char *arg, char *err, size_t errlen);

struct prom_server;
/* Binds and starts serving (an empty exposition until prom_update). 0, or a
 * negative errno with one line in err. */
int prom_listen(struct prom_server **ret, const char *arg, char *err, size_t errlen);
/* The port bound (arg's, or the one chosen for port 0). */
int prom_port(const struct prom_server *s);
/* Renders r and serves it from now on (the scrapes in flight keep the
 * snapshot they started with). NULL s: nothing. */
void prom_update(struct prom_server *s, const struct evtrace_report *r);
/* Stops serving; NULL allowed. */
void prom_close(struct prom_server *s);

/* The text format into path, for the textfile collector: written to a
 * hidden temporary file beside it (".NAME.XXXXXX", which the collector
 * skips) and renamed over it. 0, or a negative errno with one line in err. */
int prom_save(const struct evtrace_report *r, const char *path, char *err, size_t errlen);

#endif /* EVTRACE_PROM_H */

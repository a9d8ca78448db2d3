/* SPDX-License-Identifier: MIT */
/*
 * evtrace bench, internals shared by tools/bench/bench*.c.
 *
 *   bench.c         options, the plan (scenarios x mechanisms x trials),
 *                   progress, the entry point cmd_bench()
 *   bench_run.c     one trial: evload under the tracer, its JSON parsed;
 *                   the syscall census (perf counter on raw_syscalls)
 *   bench_stats.c   estimates across trials, intervals, band verdicts
 *   bench_claims.c  the classic table's claims, the complexity measure, and
 *                   the rows, claims and cross-check derived from the trials
 *   bench_render.c  text, markdown and JSON output
 *
 * The mechanisms are the tracer's kinds (enum evt_kind), named and labelled
 * by user/shared/mech.h: signal (handler), sigwait, signalfd, eventfd,
 * timerfd and pipe, the baseline.
 */
#ifndef EVTRACE_BENCH_IMPL_H
#define EVTRACE_BENCH_IMPL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "evtrace.h"
#include "hist.h"
#include "mech.h"
#include "report.h"

struct json_object;

#define BENCH_MAX_TRIALS 32

/* What one kind of trial measures. */
enum bench_scen {
	BENCH_SAME = 0,   /* one-way latency: ping-pong, both ends on one CPU */
	BENCH_CROSS = 1,  /* one-way latency: ping-pong, ends on two CPUs */
	BENCH_FLOOD = 2,  /* throughput: flood, ends on two CPUs */
	BENCH_TIMER = 3,  /* timerfd only: periodic timer, lateness vs expiry */
	BENCH_PACED = 4,  /* pipe only: one-way events paced at the timer's
			   * period, ends on two CPUs: the receiver idles
			   * between events as a timer's does (timerfd's
			   * latency reference) */
	BENCH_NSCEN
};

/* ---------------------------------------------------------------- config */

struct bench_config {
	bool quick;
	int trials;
	uint64_t count[BENCH_NSCEN];  /* evload --count per scenario */
	uint64_t interval_ns;         /* BENCH_TIMER period, BENCH_PACED pause */
	uint64_t flood_interval_ns;   /* timerfd's period in BENCH_FLOOD */
	char policy[32];              /* evload --policy */
	char evload[512];             /* the evload binary the trials run */
	char evload_src[512];         /* where it was copied from */
	int timeout_s;                /* per trial; evload is killed after it */
	const char *json_path, *md_path;
	bool no_trace;                /* test hook: evload only, no tracer */
	bool dispatch;                /* attach libevm's USDT probes */
};

/* Names and evload arguments of a scenario. */
const char *bench_scen_name(enum bench_scen s);     /* "same", "cross", ... */
const char *bench_scen_desc(enum bench_scen s);     /* for people */
const char *bench_scen_cpu(enum bench_scen s);      /* evload --cpu */
const char *bench_cpu_of(enum evt_kind k, enum bench_scen s); /* timerfd: same */
const char *bench_scen_pattern(enum bench_scen s);  /* evload --pattern */
/* Does mechanism k run in scenario s? */
bool bench_applies(enum evt_kind k, enum bench_scen s);
/* What BM_DELIVERED counts for mechanism k. */
const char *bench_delivered_desc(enum evt_kind k);

/* ----------------------------------------------------------------- trial */

struct bench_trial {
	int status;             /* 0 ok, else a negative errno (err says why) */
	char err[200];
	double wall_s;          /* evload, from release to exit */
	/* evload's own view (user space) */
	uint64_t sent, received, coalesced, lost;
	struct hist_summary user;       /* latency_ns (timer: lateness) */
	double throughput_eps;          /* events accounted per second */
	double deliveries_eps;          /* callbacks per second (0: unknown) */
	double cpu_ns_sender, cpu_ns_receiver;
	/* the kernel's view of the mechanism's kind */
	bool traced;
	uint64_t cnt[EVT_CNT_MAX];
	struct hist_summary st[EVT_STAGE_MAX];
	/* events the tracer filed under the other kinds (e.g. the eventfd a
	 * handler source forwards through) */
	uint64_t other_events[EVT_KIND_MAX];
};

struct bench_cell {
	int n;                  /* trials run */
	struct bench_trial t[BENCH_MAX_TRIALS];
};

/* Syscalls per event from the census: runs of two lengths, sys_enter counted
 * by a perf counter that follows evload's threads (see bench_census()). */
struct bench_syscalls {
	bool measured;          /* false: derived from the mechanism's path */
	double per_event;
	double fixed;           /* the intercept: process start, setup, exit */
	char note[160];
};

struct bench_results {
	struct bench_config cfg;
	struct evtrace_settings sys;    /* kernel, CPU, virtualisation */
	char attach_mode[64];
	bool usdt;
	double elapsed_s;
	struct bench_cell cell[EVT_KIND_MAX][BENCH_NSCEN];
	struct bench_syscalls sc[EVT_KIND_MAX];
};

/* ------------------------------------------------------------- estimates */

/* A quantity across trials: the median, and a distribution-free interval
 * for it from order statistics (see bench_stats.c). n == 0: no data. */
struct bench_est {
	int n;
	double med, min, max;
	double lo, hi;          /* the interval */
	double coverage;        /* its confidence, e.g. 0.94 for 5 trials */
};

/* NAN entries are skipped. */
void bench_est_of(const double *v, int n, struct bench_est *e);
/* Paired ratios a[i] / b[i] over the entries where both are > 0. */
void bench_ratio_of(const double *a, const double *b, int n, struct bench_est *e);
/* The coverage of [x(k), x(n+1-k)] for the median of n samples. */
double bench_os_coverage(int n, int k);

enum bench_verdict {
	BENCH_HOLDS = 0,
	BENCH_CONTRADICTED = 1,
	BENCH_UNDECIDED = 2,    /* "not distinguishable" */
};
const char *bench_verdict_name(enum bench_verdict v);

/* A band [lo, hi) on the measured scale (either end may be 0 / INFINITY).
 * holds: the interval lies inside the band; contradicted: it lies wholly
 * outside; otherwise not distinguishable. Too few trials: undecided. */
#define BENCH_MIN_TRIALS 3
enum bench_verdict bench_band_verdict(const struct bench_est *e, double lo, double hi);

/* Combining verdicts: all hold -> holds; any contradicted -> contradicted. */
enum bench_verdict bench_verdict_and(enum bench_verdict a, enum bench_verdict b);

/* -------------------------------------------------- rows, claims, checks */

/* Per-trial series of a cell: fills v[] (one per trial, NAN where the trial
 * failed or lacks the value) and returns the number of trials. */
enum bench_metric {
	BM_K_P50,               /* kernel total p50 */
	BM_K_P99,
	BM_U_P50,               /* evload's user-side p50 */
	BM_U_P99,
	BM_SENDER_P50,          /* kernel: time inside the sending syscall */
	BM_THROUGHPUT,          /* evload throughput_eps */
	BM_RECV_RATE,           /* receptions (wakeups) per second */
	BM_COALESCED_FRAC,      /* coalesced / sent */
	BM_CPU_EVENT,           /* sender + receiver CPU ns per event */
	BM_TIMER_LATE_P50,      /* kernel: expiry -> hrtimer fired */
	BM_LOSS_FRAC,           /* lost / sent */
	BM_DELIVERED,           /* events/s that reach the receiver: see
				 * bench_delivered_desc() */
};
int bench_series(const struct bench_results *r, enum evt_kind k, enum bench_scen s,
		 int metric, double *v);
void bench_estimate(const struct bench_results *r, enum evt_kind k, enum bench_scen s,
		    int metric, struct bench_est *e);

/* The complexity measure. */
struct bench_complexity {
	int setup_calls;                /* calls to set the mechanism up */
	const char *setup_list;
	double per_event;               /* syscalls per event (census) */
	bool per_event_measured;
	int nrules;
	const char *const *rules;       /* the rules the user must follow */
	int score;                      /* setup + round(per_event) + rules */
};
void bench_complexity_of(const struct bench_results *r, enum evt_kind k,
			 struct bench_complexity *c);
/* The syscalls per event the mechanism's path implies (both ends). */
double bench_syscalls_derived(enum evt_kind k);

/* The stage whose mean dominates the total, or -1. share in [0, 1]. */
int bench_dominant_stage(const struct bench_results *r, enum evt_kind k, enum bench_scen s,
			 double *share);

/* One claim of the classic table with its verdict. */
struct bench_claim_result {
	const char *id;                 /* "signal.latency" */
	enum evt_kind mech;
	const char *column;             /* "latency", "throughput", ... */
	const char *claim;              /* "high", "precise timing", ... */
	const char *path;               /* "handler", "sigwait" or NULL */
	enum bench_scen scen;
	enum bench_verdict verdict;
	struct bench_est est;           /* the measured quantity */
	bool has_est;
	bool ratio;                     /* est is a ratio to the pipe, judged on */
	double band_lo, band_hi;        /* the claimed band [band_lo, band_hi) */
	char measured[200];             /* what was measured, for people */
	char brief[96];                 /* the same in a table cell */
	char rule[240];                 /* the rule applied */
};

#define BENCH_MAX_CLAIMS 32
int bench_claims_eval(const struct bench_results *r, struct bench_claim_result *out, int max);

/* The cross-check of one mechanism and latency scenario. */
struct bench_check {
	enum evt_kind mech;
	enum bench_scen scen;
	int ntrials;                    /* trials with both views */
	int violations;                 /* trials with kernel p50 > user p50 */
	struct bench_est k_p50, u_p50, k_p99, u_p99;
	uint64_t k_events, u_events;    /* summed over those trials */
	uint64_t k_lost, k_unmatched;   /* the tracer's, summed */
	bool ok;                        /* no violation (and data present) */
};
int bench_crosscheck(const struct bench_results *r, struct bench_check *out, int max);

/* The bands and thresholds, printed with the verdicts. */
#define BENCH_LAT_MARGIN 1.2            /* latency: "high" above 1.2x pipe */
#define BENCH_TPUT_HIGH (1.0 / 1.2)     /* throughput: "high" from 0.83x pipe */
#define BENCH_TPUT_LOW 0.5              /* "low" below 0.5x pipe */
#define BENCH_CPLX_MARGIN 1             /* complexity: medium = pipe's score +-1 */
#define BENCH_TIMER_FRAC 0.10           /* precise: p99 lateness < 10% period */
#define BENCH_TIMER_MISS 0.001          /* and < 0.1% of expirations merged */

/* --------------------------------------------------------------- output */

void bench_print_text(FILE *f, const struct bench_results *r);
int bench_write_markdown(const struct bench_results *r, const char *path, char *err, size_t errlen);
struct json_object *bench_to_json(const struct bench_results *r);
int bench_write_json(const struct bench_results *r, const char *path, char *err, size_t errlen);
/* The verdict rule, one paragraph, as printed. */
const char *bench_rule_text(void);

/* ------------------------------------------------------------------ run */

/* Set by SIGINT/SIGTERM: the running trial is killed, no new one starts. */
extern volatile sig_atomic_t bench_interrupted;

/* Builds evload's argument vector for (k, s); argv has room for 24. */
int bench_evload_argv(const struct bench_config *cfg, enum evt_kind k, enum bench_scen s,
		      uint64_t count, char **argv, char bufs[][32]);
/* The trials' runner and tracer. With cfg->no_trace, the runner only. */
struct bench_session;
int bench_session_open(const struct bench_config *cfg, struct bench_session **ret,
		       char *err, size_t errlen);
void bench_session_close(struct bench_session *s);
const char *bench_session_attach_mode(const struct bench_session *s);
bool bench_session_usdt(const struct bench_session *s);
/* Runs one trial; the outcome, good or bad, lands in t. */
void bench_run_trial(struct bench_session *s, enum evt_kind k, enum bench_scen sc,
		     struct bench_trial *t);
/* Parses evload's JSON object into t's user-side fields. */
int bench_parse_evload(const char *buf, struct bench_trial *t, char *err, size_t errlen);
/* The syscall census of mechanism k. */
void bench_census(const struct bench_config *cfg, enum evt_kind k, struct bench_syscalls *sc);

#endif /* EVTRACE_BENCH_IMPL_H */

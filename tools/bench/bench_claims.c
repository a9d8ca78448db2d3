// SPDX-License-Identifier: MIT
/*
 * evtrace bench: what the trials say about the classic table.
 *
 * The scenarios, the per-trial series of every quantity, the complexity
 * measure, the dominant stage, the claims of the classic table with their
 * verdicts, and the cross-check of the kernel's view against evload's.
 *
 * Every level of the classic table ("high", "low", "medium") is read against
 * the pipe baseline measured in the same trials, as a paired ratio
 * mechanism / pipe with its interval (bench_stats.c). A claim holds when the
 * whole interval lies in the claimed band, is contradicted when the whole
 * interval lies outside it, and is not distinguishable otherwise.
 */
#include "bench_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ scenarios */

static const struct {
	const char *name, *desc, *cpu, *pattern;
} scen_info[BENCH_NSCEN] = {
	[BENCH_SAME] = { "same", "one-way latency, ping-pong, both ends on one CPU", "same", "pingpong" },
	[BENCH_CROSS] = { "cross", "one-way latency, ping-pong, ends on two CPUs", "cross", "pingpong" },
	[BENCH_FLOOD] = { "flood", "throughput, flood, ends on two CPUs", "cross", "flood" },
	[BENCH_TIMER] = { "timer", "timer precision, periodic timerfd, lateness vs expiry", "same", "periodic" },
	[BENCH_PACED] = { "paced", "one-way latency, one event per timer period, ends on two CPUs", "cross", "oneway" },
};

const char *bench_scen_name(enum bench_scen s)
{
	return (unsigned int)s < BENCH_NSCEN ? scen_info[s].name : "?";
}

const char *bench_scen_desc(enum bench_scen s)
{
	return (unsigned int)s < BENCH_NSCEN ? scen_info[s].desc : "?";
}

const char *bench_scen_cpu(enum bench_scen s)
{
	return (unsigned int)s < BENCH_NSCEN ? scen_info[s].cpu : "none";
}

const char *bench_scen_pattern(enum bench_scen s)
{
	return (unsigned int)s < BENCH_NSCEN ? scen_info[s].pattern : "?";
}

/* timerfd has one side only: pinned, on the first CPU it may use. */
const char *bench_cpu_of(enum evt_kind k, enum bench_scen s)
{
	return k == EVT_KIND_TIMERFD ? "same" : bench_scen_cpu(s);
}

/* timerfd has no sender: its latency is the timer run's lateness, its
 * throughput a flood of short periods. The paced run is the pipe's, as the
 * reference for the timer's latency. */
bool bench_applies(enum evt_kind k, enum bench_scen s)
{
	if (k == EVT_KIND_TIMERFD)
		return s == BENCH_TIMER || s == BENCH_FLOOD;
	if (s == BENCH_PACED)
		return k == EVT_KIND_PIPE;
	return s != BENCH_TIMER;
}

/* ----------------------------------------------------------- mechanisms */

static const char *const rules_signal[] = {
	"the handler may call async-signal-safe functions only",
	"state shared with the handler: volatile sig_atomic_t or lock-free atomics",
	"every blocking call can fail with EINTR: SA_RESTART or retry it",
	"standard signals merge: the number sent is lost (RT signals queue)",
	"the signal goes to any thread not blocking it: mask it in the others",
	"handlers and signal numbers are process-wide, shared with every library",
};

static const char *const rules_sigwait[] = {
	"block the signal in every thread, before any thread starts",
	"the waiting thread can wait for nothing else (no fds, no timers)",
	"standard signals merge: the number sent is lost (RT signals queue)",
	"children inherit the blocked mask: unblock after fork, before exec",
};

static const char *const rules_signalfd[] = {
	"block the signal in every thread, before any thread starts",
	"standard signals merge: the number sent is lost (RT signals queue)",
	"children inherit the blocked mask: unblock after fork, before exec",
	"read whole 128-byte signalfd_siginfo records until EAGAIN",
	"it sees only the reading thread's and the process's signals",
};

static const char *const rules_eventfd[] = {
	"reads and writes are exactly 8 bytes",
	"writes add up: a read returns the sum (one per read with EFD_SEMAPHORE)",
	"use EFD_NONBLOCK: a write that would overflow the counter blocks",
};

static const char *const rules_timerfd[] = {
	"read 8 bytes: the number of expirations (missed periods merge)",
	"choose the clock (MONOTONIC, or REALTIME with CANCEL_ON_SET)",
	"relative vs absolute expiry: use the interval or absolute times to avoid drift",
};

static const char *const rules_pipe[] = {
	"make the write end non-blocking, or a full pipe blocks the sender",
	"drain the read end until EAGAIN",
	"a gone reader means SIGPIPE or EPIPE for the writer",
};

#define RULES(a) (a), (int)(sizeof(a) / sizeof((a)[0]))

/* What the bench knows of each mechanism: its set-up, the syscalls its path
 * implies, the rules its user must follow, and which events count as
 * delivered in a flood. An eventfd read returns how many writes it stands
 * for and a pipe carries every message, so every event counts; a merged
 * standard signal is gone (one pending instance per signal number), so only
 * deliveries count; a timer's expirations come at the programmed rate
 * whatever happens, so its figure is the wakeups it delivers. */
static const struct {
	int setup;
	const char *setup_list;
	double derived;                 /* syscalls per one-way event, both ends */
	const char *const *rules;
	int nrules;
	int delivered;                  /* the metric BM_DELIVERED stands for */
	const char *delivered_desc;
} cplx[EVT_KIND_LOAD] = {
	[EVT_KIND_SIGNAL] = { 1, "sigaction", 3, RULES(rules_signal), BM_RECV_RATE,
			      "deliveries/s (a merged standard signal never reaches the receiver)" },
	[EVT_KIND_SIGWAIT] = { 1, "sigprocmask", 2, RULES(rules_sigwait), BM_RECV_RATE,
			       "deliveries/s (a merged standard signal never reaches the receiver)" },
	[EVT_KIND_SIGNALFD] = { 3, "sigprocmask, signalfd, epoll_ctl", 3, RULES(rules_signalfd),
				BM_RECV_RATE,
				"deliveries/s (a merged standard signal never reaches the receiver)" },
	[EVT_KIND_EVENTFD] = { 2, "eventfd, epoll_ctl", 3, RULES(rules_eventfd), BM_THROUGHPUT,
			       "events/s, coalesced writes included (the read returns their count)" },
	[EVT_KIND_TIMERFD] = { 3, "timerfd_create, timerfd_settime, epoll_ctl", 2, RULES(rules_timerfd),
			       BM_RECV_RATE, "wakeups/s at a period shorter than a wakeup" },
	[EVT_KIND_PIPE] = { 2, "pipe2, epoll_ctl", 3, RULES(rules_pipe), BM_THROUGHPUT,
			    "events/s (every message is read)" },
};

const char *bench_delivered_desc(enum evt_kind k)
{
	return (unsigned int)k < EVT_KIND_LOAD ? cplx[k].delivered_desc : "?";
}

/* --------------------------------------------------------------- series */

static double trial_metric(const struct bench_trial *t, int metric)
{
	const struct hist_summary *tot = &t->st[EVT_STAGE_TOTAL];

	if (t->status)
		return NAN;
	switch (metric) {
	case BM_K_P50:
		return t->traced && tot->count ? (double)tot->p50 : NAN;
	case BM_K_P99:
		return t->traced && tot->count ? (double)tot->p99 : NAN;
	case BM_U_P50:
		return t->user.count ? (double)t->user.p50 : NAN;
	case BM_U_P99:
		return t->user.count ? (double)t->user.p99 : NAN;
	case BM_SENDER_P50:
		return t->traced && t->st[EVT_STAGE_SENDER].count ?
			(double)t->st[EVT_STAGE_SENDER].p50 : NAN;
	case BM_THROUGHPUT:
		return t->throughput_eps > 0 ? t->throughput_eps : NAN;
	case BM_RECV_RATE:
		/* deliveries per second: evload's figure, or the accounted rate
		 * scaled by the share of events that were a delivery of their own */
		if (t->deliveries_eps > 0)
			return t->deliveries_eps;
		if (t->throughput_eps <= 0 || !t->sent)
			return NAN;
		return t->throughput_eps * (double)t->received /
		       (double)(t->received + t->coalesced + t->lost);
	case BM_COALESCED_FRAC:
		return t->sent ? (double)t->coalesced / (double)t->sent : NAN;
	case BM_LOSS_FRAC:
		return t->sent ? (double)t->lost / (double)t->sent : NAN;
	case BM_CPU_EVENT:
		if (t->cpu_ns_sender <= 0 && t->cpu_ns_receiver <= 0)
			return NAN;
		return t->cpu_ns_sender + t->cpu_ns_receiver;
	case BM_TIMER_LATE_P50:
		return t->traced && t->st[EVT_STAGE_TIMER_LATE].count ?
			(double)t->st[EVT_STAGE_TIMER_LATE].p50 : NAN;
	default:
		return NAN;
	}
}

int bench_series(const struct bench_results *r, enum evt_kind k, enum bench_scen s,
		 int metric, double *v)
{
	const struct bench_cell *c = &r->cell[k][s];

	if (metric == BM_DELIVERED)
		metric = cplx[k].delivered;

	for (int i = 0; i < c->n; i++)
		v[i] = trial_metric(&c->t[i], metric);
	return c->n;
}

void bench_estimate(const struct bench_results *r, enum evt_kind k, enum bench_scen s,
		    int metric, struct bench_est *e)
{
	double v[BENCH_MAX_TRIALS];
	int n = bench_series(r, k, s, metric, v);

	bench_est_of(v, n, e);
}

/* Paired ratio of (k, s) to (ref, rs), trial by trial. */
static void ratio_est(const struct bench_results *r, enum evt_kind k, enum bench_scen s,
		      enum evt_kind ref, enum bench_scen rs, int metric, struct bench_est *e)
{
	double a[BENCH_MAX_TRIALS], b[BENCH_MAX_TRIALS];
	int na = bench_series(r, k, s, metric, a);
	int nb = bench_series(r, ref, rs, metric, b);

	bench_ratio_of(a, b, na < nb ? na : nb, e);
}

/* ----------------------------------------------------------- complexity */

double bench_syscalls_derived(enum evt_kind k)
{
	return (unsigned int)k < EVT_KIND_LOAD ? cplx[k].derived : 0;
}

void bench_complexity_of(const struct bench_results *r, enum evt_kind k,
			 struct bench_complexity *c)
{
	const struct bench_syscalls *sc = &r->sc[k];

	memset(c, 0, sizeof(*c));
	c->setup_calls = cplx[k].setup;
	c->setup_list = cplx[k].setup_list;
	c->per_event_measured = sc->measured;
	c->per_event = sc->measured ? sc->per_event : cplx[k].derived;
	c->rules = cplx[k].rules;
	c->nrules = cplx[k].nrules;
	c->score = c->setup_calls + (int)lround(c->per_event) + c->nrules;
}

/* ------------------------------------------------------- dominant stage */

int bench_dominant_stage(const struct bench_results *r, enum evt_kind k, enum bench_scen s,
			 double *share)
{
	static const enum evt_stage parts[] = {
		EVT_STAGE_SEND, EVT_STAGE_WAKE, EVT_STAGE_RETURN, EVT_STAGE_DISPATCH,
	};
	const struct bench_cell *c = &r->cell[k][s];
	int best = -1;
	double best_share = 0;

	/* time spent in a stage = mean x count; its share of the total's */
	for (size_t p = 0; p < sizeof(parts) / sizeof(parts[0]); p++) {
		double v[BENCH_MAX_TRIALS];
		struct bench_est e;

		for (int i = 0; i < c->n; i++) {
			const struct bench_trial *t = &c->t[i];
			const struct hist_summary *h = &t->st[parts[p]];
			const struct hist_summary *tot = &t->st[EVT_STAGE_TOTAL];
			double all = tot->mean * (double)tot->count;

			v[i] = (!t->status && t->traced && all > 0) ?
				h->mean * (double)h->count / all : NAN;
		}
		bench_est_of(v, c->n, &e);
		if (e.n && e.med > best_share) {
			best_share = e.med;
			best = (int)parts[p];
		}
	}
	if (share)
		*share = best_share;
	return best;
}

/* ------------------------------------------------------------- judges
 *
 * A judge reads the trials for the claim c names (mechanism, column, level,
 * scenario) and fills in its verdict, what was measured and the rule. The
 * claims evaluated before it are in done[0..ndone-1]. */
typedef void claim_judge(const struct bench_results *r, struct bench_claim_result *c,
			 const struct bench_claim_result *done, int ndone);

static void fmt_est(char *buf, size_t len, const char *what, const struct bench_est *e,
		    const char *unit)
{
	if (!e->n)
		snprintf(buf, len, "%s: no data", what);
	else
		snprintf(buf, len, "%s %.2f%s [%.2f, %.2f] (%d trials, %.0f%% interval)",
			 what, e->med, unit, e->lo, e->hi, e->n, e->coverage * 100);
}

/* "1.80x [1.71, 1.92]" */
static void fmt_brief(struct bench_claim_result *c)
{
	if (!c->est.n)
		snprintf(c->brief, sizeof(c->brief), "no data");
	else
		snprintf(c->brief, sizeof(c->brief), "%.2fx [%.2f, %.2f]%s", c->est.med, c->est.lo,
			 c->est.hi, strstr(c->measured, "user-side") ? " user" : "");
}

/* Latency level ("high" or "low"): kernel total p50 of the claim's
 * mechanism and scenario over the pipe's in the same scenario; the user-side
 * p50 when the tracer saw none of the mechanism's events. A timer wakes a
 * receiver that slept a whole period, so its latency (expiry -> read) is
 * compared with the pipe's paced one-way run, whose receiver sleeps as long
 * between events. */
static void judge_latency(const struct bench_results *r, struct bench_claim_result *c,
			  const struct bench_claim_result *done, int ndone)
{
	enum evt_kind k = c->mech;
	enum bench_scen s = c->scen, rs = s == BENCH_TIMER ? BENCH_PACED : s;
	bool high = !strcmp(c->claim, "high");
	int metric = BM_K_P50;
	const char *src = "kernel total p50";
	char what[96];

	(void)done;
	(void)ndone;
	ratio_est(r, k, s, EVT_KIND_PIPE, rs, metric, &c->est);
	if (c->est.n < BENCH_MIN_TRIALS) {
		struct bench_est ue;

		ratio_est(r, k, s, EVT_KIND_PIPE, rs, BM_U_P50, &ue);
		if (ue.n > c->est.n) {
			c->est = ue;
			src = "user-side p50 (the tracer saw too few of these events)";
		}
	}
	c->has_est = true;
	snprintf(what, sizeof(what), "%s, %s / pipe %s:", src, bench_scen_name(s),
		 bench_scen_name(rs));
	fmt_est(c->measured, sizeof(c->measured), what, &c->est, "x");
	fmt_brief(c);
	c->ratio = true;
	c->band_lo = high ? BENCH_LAT_MARGIN : 0;
	c->band_hi = high ? INFINITY : BENCH_LAT_MARGIN;
	if (high) {
		c->verdict = bench_band_verdict(&c->est, BENCH_LAT_MARGIN, INFINITY);
		snprintf(c->rule, sizeof(c->rule),
			 "high: ratio to pipe >= %.2f; holds if the interval lies wholly above, "
			 "contradicted if wholly below", BENCH_LAT_MARGIN);
	} else {
		c->verdict = bench_band_verdict(&c->est, 0, BENCH_LAT_MARGIN);
		snprintf(c->rule, sizeof(c->rule),
			 "low: ratio to pipe < %.2f; holds if the interval lies wholly below, "
			 "contradicted if wholly above", BENCH_LAT_MARGIN);
	}
}

static const char *tput_band(const char *level, double *lo, double *hi)
{
	if (!strcmp(level, "high")) {
		*lo = BENCH_TPUT_HIGH;
		*hi = INFINITY;
		return "high: ratio to pipe >= 0.83";
	}
	if (!strcmp(level, "low")) {
		*lo = 0;
		*hi = BENCH_TPUT_LOW;
		return "low: ratio to pipe < 0.50";
	}
	*lo = BENCH_TPUT_LOW;
	*hi = BENCH_TPUT_HIGH;
	return "medium: ratio to pipe in [0.50, 0.83)";
}

/* Throughput level: events/s delivered in the flood (BM_DELIVERED), over
 * the pipe's. */
static void judge_throughput(const struct bench_results *r, struct bench_claim_result *c,
			     const struct bench_claim_result *done, int ndone)
{
	enum evt_kind k = c->mech;
	double lo, hi;
	const char *band = tput_band(c->claim, &lo, &hi);
	char what[160];

	(void)done;
	(void)ndone;
	ratio_est(r, k, c->scen, EVT_KIND_PIPE, c->scen, BM_DELIVERED, &c->est);
	c->has_est = true;
	snprintf(what, sizeof(what), "flood %s / pipe's:", bench_delivered_desc(k));
	fmt_est(c->measured, sizeof(c->measured), what, &c->est, "x");
	fmt_brief(c);
	c->verdict = bench_band_verdict(&c->est, lo, hi);
	c->ratio = true;
	c->band_lo = lo;
	c->band_hi = hi;
	snprintf(c->rule, sizeof(c->rule),
		 "%s; holds if the interval lies wholly inside, contradicted if wholly outside", band);
}

/* Complexity level, against the pipe's score: medium within one point of
 * it, low two or more below, high two or more above. A definition applied
 * to counts, not a noisy measurement: holds or contradicted. */
static void judge_complexity(const struct bench_results *r, struct bench_claim_result *c,
			     const struct bench_claim_result *done, int ndone)
{
	const char *level = c->claim;
	struct bench_complexity x, p;
	int d;
	bool in;

	(void)done;
	(void)ndone;
	bench_complexity_of(r, c->mech, &x);
	bench_complexity_of(r, EVT_KIND_PIPE, &p);
	d = x.score - p.score;
	if (!strcmp(level, "low"))
		in = d <= -(BENCH_CPLX_MARGIN + 1);
	else if (!strcmp(level, "high"))
		in = d >= BENCH_CPLX_MARGIN + 1;
	else
		in = d >= -BENCH_CPLX_MARGIN && d <= BENCH_CPLX_MARGIN;
	c->verdict = in ? BENCH_HOLDS : BENCH_CONTRADICTED;
	snprintf(c->measured, sizeof(c->measured),
		 "score %d = %d setup + %.1f syscalls/event (%s) + %d rules; pipe %d",
		 x.score, x.setup_calls, x.per_event, x.per_event_measured ? "measured" : "derived",
		 x.nrules, p.score);
	snprintf(c->brief, sizeof(c->brief), "score %d, pipe %d", x.score, p.score);
	snprintf(c->rule, sizeof(c->rule),
		 "score against the pipe's: medium within %d point, low %d or more below, "
		 "high %d or more above", BENCH_CPLX_MARGIN, BENCH_CPLX_MARGIN + 1,
		 BENCH_CPLX_MARGIN + 1);
}

/* "Simple notification": the simplest of the table's four by the score. */
static void judge_simplest(const struct bench_results *r, struct bench_claim_result *c,
			   const struct bench_claim_result *done, int ndone)
{
	static const enum evt_kind others[] = { EVT_KIND_EVENTFD, EVT_KIND_TIMERFD, EVT_KIND_SIGNALFD };
	struct bench_complexity x, y;
	int best = 1000;

	(void)done;
	(void)ndone;
	bench_complexity_of(r, c->mech, &x);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		bench_complexity_of(r, others[i], &y);
		if (y.score < best)
			best = y.score;
	}
	if (x.score < best - 1)
		c->verdict = BENCH_HOLDS;
	else if (x.score > best + 1)
		c->verdict = BENCH_CONTRADICTED;
	else
		c->verdict = BENCH_UNDECIDED;
	snprintf(c->measured, sizeof(c->measured),
		 "complexity score %d; the simplest of eventfd, timerfd, signalfd scores %d",
		 x.score, best);
	snprintf(c->brief, sizeof(c->brief), "score %d, simplest other %d", x.score, best);
	snprintf(c->rule, sizeof(c->rule),
		 "holds if the signal's score is below every other's by more than one point, "
		 "contradicted if above the lowest by more than one");
}

/* Precise timing: the timer run's p99 lateness (expiry -> read returned)
 * within 10% of the period, and expirations merged by overrun < 0.1%. */
static void judge_precise(const struct bench_results *r, struct bench_claim_result *c,
			  const struct bench_claim_result *done, int ndone)
{
	double period = (double)r->cfg.interval_ns;
	struct bench_est late, miss;
	enum bench_verdict v1, v2;
	const char *src = "kernel total p99";
	char a[16], b[16], d[16], e[16];

	(void)done;
	(void)ndone;
	bench_estimate(r, c->mech, c->scen, BM_K_P99, &late);
	if (late.n < BENCH_MIN_TRIALS) {
		struct bench_est ue;

		bench_estimate(r, c->mech, c->scen, BM_U_P99, &ue);
		if (ue.n > late.n) {
			late = ue;
			src = "user-side p99";
		}
	}
	bench_estimate(r, c->mech, c->scen, BM_COALESCED_FRAC, &miss);
	v1 = bench_band_verdict(&late, 0, BENCH_TIMER_FRAC * period);
	v2 = bench_band_verdict(&miss, 0, BENCH_TIMER_MISS);
	c->verdict = bench_verdict_and(v1, v2);
	c->est = late;
	c->has_est = true;
	snprintf(c->measured, sizeof(c->measured),
		 "lateness (%s) %s [%s, %s] at a %s period; missed expirations %.3f%% [%.3f, %.3f]",
		 src, hist_fmt_ns((uint64_t)llround(late.med), a, sizeof(a)),
		 hist_fmt_ns((uint64_t)llround(late.lo), b, sizeof(b)),
		 hist_fmt_ns((uint64_t)llround(late.hi), d, sizeof(d)),
		 hist_fmt_ns(r->cfg.interval_ns, e, sizeof(e)), miss.med * 100, miss.lo * 100,
		 miss.hi * 100);
	snprintf(c->brief, sizeof(c->brief), "p99 late %s [%s, %s], missed %.2f%%", a, b, d,
		 miss.med * 100);
	snprintf(c->rule, sizeof(c->rule),
		 "holds if the p99 lateness interval lies below %.0f%% of the period and merged "
		 "expirations below %.1f%%; contradicted if either lies wholly above",
		 BENCH_TIMER_FRAC * 100, BENCH_TIMER_MISS * 100);
}

/* Integrated handling: in the signalfd trials every signal was consumed
 * through the signalfd in the loop, and no handler ran. */
static void judge_integrated(const struct bench_results *r, struct bench_claim_result *c,
			     const struct bench_claim_result *done, int ndone)
{
	int traced = 0, handler = 0, through_fd = 0;
	uint64_t handler_events = 0, fd_events = 0, received = 0;
	static const enum bench_scen scens[] = { BENCH_SAME, BENCH_CROSS };

	(void)done;
	(void)ndone;
	for (size_t j = 0; j < sizeof(scens) / sizeof(scens[0]); j++) {
		const struct bench_cell *cell = &r->cell[c->mech][scens[j]];

		for (int i = 0; i < cell->n; i++) {
			const struct bench_trial *t = &cell->t[i];

			if (t->status || !t->traced || !t->received)
				continue;
			traced++;
			handler_events += t->other_events[EVT_KIND_SIGNAL];
			fd_events += t->cnt[EVT_CNT_EVENTS];
			received += t->received;
			if (t->other_events[EVT_KIND_SIGNAL])
				handler++;
			if (t->cnt[EVT_CNT_EVENTS])
				through_fd++;
		}
	}
	if (traced < BENCH_MIN_TRIALS)
		c->verdict = BENCH_UNDECIDED;
	else if (handler || through_fd < traced)
		c->verdict = BENCH_CONTRADICTED;
	else
		c->verdict = BENCH_HOLDS;
	snprintf(c->measured, sizeof(c->measured),
		 "%d traced trials: %llu signals read through the signalfd, %llu handler "
		 "deliveries, %llu deliveries seen by evload",
		 traced, (unsigned long long)fd_events, (unsigned long long)handler_events,
		 (unsigned long long)received);
	snprintf(c->brief, sizeof(c->brief), "%llu via signalfd, %llu handler runs",
		 (unsigned long long)fd_events, (unsigned long long)handler_events);
	snprintf(c->rule, sizeof(c->rule),
		 "holds if in every traced signalfd trial the kernel saw the signals consumed "
		 "by reads of the signalfd and no handler delivery; contradicted otherwise");
}

/* The claim on (k, column, s) among those evaluated, or NULL. */
static const struct bench_claim_result *find_done(const struct bench_claim_result *done,
						  int ndone, enum evt_kind k, const char *column,
						  enum bench_scen s)
{
	for (int i = 0; i < ndone; i++)
		if (done[i].mech == k && !strcmp(done[i].column, column) && done[i].scen == s)
			return &done[i];
	return NULL;
}

/* "High-performance events": the mechanism's one-CPU latency claim and its
 * throughput claim (rows before this one) both hold. */
static void judge_fast(const struct bench_results *r, struct bench_claim_result *c,
		       const struct bench_claim_result *done, int ndone)
{
	const struct bench_claim_result *a = find_done(done, ndone, c->mech, "latency", BENCH_SAME);
	const struct bench_claim_result *b = find_done(done, ndone, c->mech, "throughput", BENCH_FLOOD);
	enum bench_verdict va = a ? a->verdict : BENCH_UNDECIDED;
	enum bench_verdict vb = b ? b->verdict : BENCH_UNDECIDED;

	(void)r;
	c->verdict = bench_verdict_and(va, vb);
	snprintf(c->measured, sizeof(c->measured), "latency (1 CPU) low: %s; throughput high: %s",
		 bench_verdict_name(va), bench_verdict_name(vb));
	snprintf(c->brief, sizeof(c->brief), "latency: %s; throughput: %s",
		 bench_verdict_name(va), bench_verdict_name(vb));
	snprintf(c->rule, sizeof(c->rule),
		 "holds if both 'low latency' (one CPU) and 'high throughput' hold; "
		 "contradicted if either is contradicted");
}

/* -------------------------------------------------------------- claims */

/* The classic table, one claim a row: the mechanism, the column (aspect),
 * the level or use it claims, the scenario it is judged on, and the judge.
 * The signal's claims are judged on the handler path, and on the sigwait
 * path beside it (but for "simple notification"). */
static const struct claim_row {
	const char *id;
	enum evt_kind mech;
	const char *column, *claim;
	enum bench_scen scen;
	claim_judge *judge;
} claim_rows[] = {
	/* signal: high latency, low throughput, low complexity, simple notification */
	{ "signal.latency", EVT_KIND_SIGNAL, "latency", "high", BENCH_SAME, judge_latency },
	{ "signal.latency_cross", EVT_KIND_SIGNAL, "latency", "high", BENCH_CROSS, judge_latency },
	{ "signal.throughput", EVT_KIND_SIGNAL, "throughput", "low", BENCH_FLOOD, judge_throughput },
	{ "signal.complexity", EVT_KIND_SIGNAL, "complexity", "low", BENCH_SAME, judge_complexity },
	{ "signal.recommended", EVT_KIND_SIGNAL, "recommended for", "simple notification",
	  BENCH_SAME, judge_simplest },
	{ "sigwait.latency", EVT_KIND_SIGWAIT, "latency", "high", BENCH_SAME, judge_latency },
	{ "sigwait.latency_cross", EVT_KIND_SIGWAIT, "latency", "high", BENCH_CROSS, judge_latency },
	{ "sigwait.throughput", EVT_KIND_SIGWAIT, "throughput", "low", BENCH_FLOOD, judge_throughput },
	{ "sigwait.complexity", EVT_KIND_SIGWAIT, "complexity", "low", BENCH_SAME, judge_complexity },
	/* eventfd: low latency, high throughput, medium complexity, high-performance events */
	{ "eventfd.latency", EVT_KIND_EVENTFD, "latency", "low", BENCH_SAME, judge_latency },
	{ "eventfd.latency_cross", EVT_KIND_EVENTFD, "latency", "low", BENCH_CROSS, judge_latency },
	{ "eventfd.throughput", EVT_KIND_EVENTFD, "throughput", "high", BENCH_FLOOD, judge_throughput },
	{ "eventfd.complexity", EVT_KIND_EVENTFD, "complexity", "medium", BENCH_SAME, judge_complexity },
	{ "eventfd.recommended", EVT_KIND_EVENTFD, "recommended for", "high-performance events",
	  BENCH_SAME, judge_fast },
	/* timerfd: low latency, medium throughput, medium complexity, precise timing */
	{ "timerfd.latency", EVT_KIND_TIMERFD, "latency", "low", BENCH_TIMER, judge_latency },
	{ "timerfd.throughput", EVT_KIND_TIMERFD, "throughput", "medium", BENCH_FLOOD, judge_throughput },
	{ "timerfd.complexity", EVT_KIND_TIMERFD, "complexity", "medium", BENCH_TIMER, judge_complexity },
	{ "timerfd.recommended", EVT_KIND_TIMERFD, "recommended for", "precise timing",
	  BENCH_TIMER, judge_precise },
	/* signalfd: low latency, medium throughput, high complexity, integrated handling */
	{ "signalfd.latency", EVT_KIND_SIGNALFD, "latency", "low", BENCH_SAME, judge_latency },
	{ "signalfd.latency_cross", EVT_KIND_SIGNALFD, "latency", "low", BENCH_CROSS, judge_latency },
	{ "signalfd.throughput", EVT_KIND_SIGNALFD, "throughput", "medium", BENCH_FLOOD, judge_throughput },
	{ "signalfd.complexity", EVT_KIND_SIGNALFD, "complexity", "high", BENCH_SAME, judge_complexity },
	{ "signalfd.recommended", EVT_KIND_SIGNALFD, "recommended for", "integrated signal handling",
	  BENCH_SAME, judge_integrated },
};

/* Which path of a signal a claim is judged on: NULL for the others. */
static const char *signal_path(enum evt_kind k)
{
	return k == EVT_KIND_SIGNAL ? "handler" : k == EVT_KIND_SIGWAIT ? "sigwait" : NULL;
}

int bench_claims_eval(const struct bench_results *r, struct bench_claim_result *out, int max)
{
	int n = 0;

	for (size_t i = 0; i < sizeof(claim_rows) / sizeof(claim_rows[0]) && n < max; i++) {
		const struct claim_row *row = &claim_rows[i];
		struct bench_claim_result *c = &out[n];

		memset(c, 0, sizeof(*c));
		c->id = row->id;
		c->mech = row->mech;
		c->column = row->column;
		c->claim = row->claim;
		c->path = signal_path(row->mech);
		c->scen = row->scen;
		c->verdict = BENCH_UNDECIDED;
		row->judge(r, c, out, n);
		n++;
	}
	return n;
}

/* ---------------------------------------------------------- cross-check */

int bench_crosscheck(const struct bench_results *r, struct bench_check *out, int max)
{
	static const enum bench_scen scens[] = { BENCH_SAME, BENCH_CROSS, BENCH_TIMER, BENCH_PACED };
	int n = 0;

	for (int k = 0; k < EVT_KIND_LOAD; k++) {
		for (size_t j = 0; j < sizeof(scens) / sizeof(scens[0]); j++) {
			enum bench_scen s = scens[j];
			const struct bench_cell *cell = &r->cell[k][s];
			struct bench_check *c;
			double kp[BENCH_MAX_TRIALS], up[BENCH_MAX_TRIALS];

			if (!bench_applies(k, s) || n >= max)
				continue;
			c = &out[n++];
			memset(c, 0, sizeof(*c));
			c->mech = k;
			c->scen = s;
			bench_series(r, k, s, BM_K_P50, kp);
			bench_series(r, k, s, BM_U_P50, up);
			/* only trials with both views enter the comparison */
			for (int i = 0; i < cell->n; i++) {
				if (isnan(kp[i]) || isnan(up[i])) {
					kp[i] = up[i] = NAN;
					continue;
				}
				c->ntrials++;
				if (kp[i] > up[i])
					c->violations++;
				c->k_events += cell->t[i].cnt[EVT_CNT_EVENTS];
				c->u_events += cell->t[i].received;
				c->k_lost += cell->t[i].cnt[EVT_CNT_LOST];
				c->k_unmatched += cell->t[i].cnt[EVT_CNT_UNMATCHED];
			}
			bench_est_of(kp, cell->n, &c->k_p50);
			bench_est_of(up, cell->n, &c->u_p50);
			bench_series(r, k, s, BM_K_P99, kp);
			bench_series(r, k, s, BM_U_P99, up);
			bench_est_of(kp, cell->n, &c->k_p99);
			bench_est_of(up, cell->n, &c->u_p99);
			c->ok = c->ntrials > 0 && c->violations == 0;
		}
	}
	return n;
}

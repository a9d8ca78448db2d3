// SPDX-License-Identifier: MIT
/*
 * evtrace bench: the output, as text for the terminal, markdown for
 * documents and JSON for programs. Text and markdown share the tables (one
 * builder, two printers); JSON holds everything, every trial included.
 *
 * The four parts, in this order:
 *   (1) the table as measured   (2) a verdict beside each claim
 *   (3) the cross-check         (4) the conditions
 */
#include "bench_impl.h"
#include "outfile.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_FORMAT_VERSION 1

/* ---------------------------------------------------------------- tables */

#define TBL_COLS 12
#define TBL_ROWS 48
#define TBL_CELL 160

struct tbl {
	int ncol, nrow;
	char head[TBL_COLS][TBL_CELL];
	char cell[TBL_ROWS][TBL_COLS][TBL_CELL];
	bool left[TBL_COLS];            /* left-aligned column */
};

static void tbl_head(struct tbl *t, int ncol, ...)
{
	va_list ap;

	memset(t, 0, sizeof(*t));
	t->ncol = ncol;
	va_start(ap, ncol);
	for (int i = 0; i < ncol; i++)
		snprintf(t->head[i], TBL_CELL, "%s", va_arg(ap, const char *));
	va_end(ap);
	t->left[0] = true;
}

/* Appends a row; returns it so cells can be filled with tbl_set(). */
static int tbl_row(struct tbl *t)
{
	return t->nrow < TBL_ROWS ? t->nrow++ : TBL_ROWS - 1;
}

static void tbl_set(struct tbl *t, int row, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void tbl_set(struct tbl *t, int row, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->cell[row][col], TBL_CELL, fmt, ap);
	va_end(ap);
}

static void tbl_text(FILE *f, const struct tbl *t)
{
	int w[TBL_COLS] = { 0 };

	for (int c = 0; c < t->ncol; c++) {
		w[c] = (int)strlen(t->head[c]);
		for (int r = 0; r < t->nrow; r++)
			if ((int)strlen(t->cell[r][c]) > w[c])
				w[c] = (int)strlen(t->cell[r][c]);
	}
	for (int r = -1; r < t->nrow; r++) {
		const char (*row)[TBL_CELL] = r < 0 ? t->head : t->cell[r];
		char line[TBL_COLS * (TBL_CELL + 2) + 4];
		size_t n = 0;

		for (int c = 0; c < t->ncol; c++)
			n += (size_t)snprintf(line + n, sizeof(line) - n, t->left[c] ? "%-*s  " : "%*s  ",
					      w[c], row[c]);
		while (n && line[n - 1] == ' ')
			line[--n] = '\0';
		fprintf(f, "  %s\n", line);
	}
}

static void tbl_md(FILE *f, const struct tbl *t)
{
	for (int r = -1; r < t->nrow; r++) {
		const char (*row)[TBL_CELL] = r < 0 ? t->head : t->cell[r];

		fprintf(f, "|");
		for (int c = 0; c < t->ncol; c++)
			fprintf(f, " %s |", row[c][0] ? row[c] : " ");
		fprintf(f, "\n");
		if (r < 0) {
			fprintf(f, "|");
			for (int c = 0; c < t->ncol; c++)
				fprintf(f, "%s|", t->left[c] ? "---" : "---:");
			fprintf(f, "\n");
		}
	}
}

/* ---------------------------------------------------------------- format */

static const char *fmt_ns(double ns, char *buf, size_t len)
{
	if (isnan(ns))
		return snprintf(buf, len, "-"), buf;
	return hist_fmt_ns((uint64_t)llround(ns), buf, len);
}

static const char *fmt_rate(double v, char *buf, size_t len)
{
	if (isnan(v) || v <= 0)
		snprintf(buf, len, "-");
	else if (v >= 1e6)
		snprintf(buf, len, "%.2fM/s", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, len, "%.1fk/s", v / 1e3);
	else
		snprintf(buf, len, "%.0f/s", v);
	return buf;
}

static const char *fmt_count(uint64_t v, char *buf, size_t len)
{
	if (v >= 1000000 && v % 1000000 == 0)
		snprintf(buf, len, "%lluM", (unsigned long long)(v / 1000000));
	else if (v >= 1000 && v % 1000 == 0)
		snprintf(buf, len, "%lluk", (unsigned long long)(v / 1000));
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

static double med(const struct bench_results *r, enum evt_kind k, enum bench_scen s, int metric)
{
	struct bench_est e;

	if (!bench_applies(k, s))
		return NAN;
	bench_estimate(r, k, s, metric, &e);
	return e.n ? e.med : NAN;
}

/* Kernel total p50 and p99 of a latency scenario, the user side's when the
 * tracer had nothing ("u" marks it). */
static void lat_cells(const struct bench_results *r, enum evt_kind k, enum bench_scen s,
		      char *p50, char *p99)
{
	double a = med(r, k, s, BM_K_P50), b = med(r, k, s, BM_K_P99);
	bool user = false;
	char x[24];

	if (!bench_applies(k, s)) {
		snprintf(p50, TBL_CELL, "n/a");
		snprintf(p99, TBL_CELL, "n/a");
		return;
	}
	if (isnan(a)) {
		a = med(r, k, s, BM_U_P50);
		b = med(r, k, s, BM_U_P99);
		user = !isnan(a);
	}
	snprintf(p50, TBL_CELL, "%s%s", fmt_ns(a, x, sizeof(x)), user ? " u" : "");
	snprintf(p99, TBL_CELL, "%s%s", fmt_ns(b, x, sizeof(x)), user ? " u" : "");
}

static void dom_cell(const struct bench_results *r, enum evt_kind k, enum bench_scen s, char *out)
{
	double share;
	int st;

	if (!bench_applies(k, s)) {
		snprintf(out, TBL_CELL, "n/a");
		return;
	}
	st = bench_dominant_stage(r, k, s, &share);
	if (st < 0)
		snprintf(out, TBL_CELL, "-");
	else
		snprintf(out, TBL_CELL, "%s %.0f%%", evt_stage_name(st), share * 100);
}

/* The latency scenario of a mechanism for the one-CPU column. */
static enum bench_scen lat_scen(enum evt_kind k)
{
	return k == EVT_KIND_TIMERFD ? BENCH_TIMER : BENCH_SAME;
}

/* Row order: the table's four, the sigwait path beside the signal, the
 * baseline last. */
static const enum evt_kind row_order[EVT_KIND_LOAD] = {
	EVT_KIND_SIGNAL, EVT_KIND_SIGWAIT, EVT_KIND_EVENTFD, EVT_KIND_TIMERFD,
	EVT_KIND_SIGNALFD, EVT_KIND_PIPE,
};

static void build_latency(const struct bench_results *r, struct tbl *t)
{
	tbl_head(t, 9, "mechanism", "1 CPU p50", "p99", "dominant", "2 CPUs p50", "p99",
		 "dominant", "sender 1 CPU", "sender 2 CPUs");
	t->left[3] = t->left[6] = true;
	for (int i = 0; i < EVT_KIND_LOAD; i++) {
		enum evt_kind k = row_order[i];
		int row = tbl_row(t);
		char x[24];

		tbl_set(t, row, 0, "%s%s", mech_table[k].label, k == EVT_KIND_TIMERFD ? " [1]" : "");
		lat_cells(r, k, lat_scen(k), t->cell[row][1], t->cell[row][2]);
		dom_cell(r, k, lat_scen(k), t->cell[row][3]);
		lat_cells(r, k, BENCH_CROSS, t->cell[row][4], t->cell[row][5]);
		dom_cell(r, k, BENCH_CROSS, t->cell[row][6]);
		if (k == EVT_KIND_TIMERFD) {
			tbl_set(t, row, 7, "n/a");
			tbl_set(t, row, 8, "n/a");
			continue;
		}
		tbl_set(t, row, 7, "%s", fmt_ns(med(r, k, BENCH_SAME, BM_SENDER_P50), x, sizeof(x)));
		tbl_set(t, row, 8, "%s", fmt_ns(med(r, k, BENCH_CROSS, BM_SENDER_P50), x, sizeof(x)));
	}
	/* the pipe paced like the timer: timerfd's reference */
	{
		int row = tbl_row(t);
		char x[24];

		tbl_set(t, row, 0, "pipe, paced [2]");
		tbl_set(t, row, 1, "n/a");
		tbl_set(t, row, 2, "n/a");
		tbl_set(t, row, 3, "n/a");
		lat_cells(r, EVT_KIND_PIPE, BENCH_PACED, t->cell[row][4], t->cell[row][5]);
		dom_cell(r, EVT_KIND_PIPE, BENCH_PACED, t->cell[row][6]);
		tbl_set(t, row, 7, "n/a");
		tbl_set(t, row, 8, "%s", fmt_ns(med(r, EVT_KIND_PIPE, BENCH_PACED, BM_SENDER_P50), x, sizeof(x)));
	}
}

static void build_cost(const struct bench_results *r, struct tbl *t)
{
	tbl_head(t, 8, "mechanism", "delivered/s", "wakeups/s", "coalesced", "lost",
		 "CPU/event", "syscalls/event", "complexity");
	for (int i = 0; i < EVT_KIND_LOAD; i++) {
		enum evt_kind k = row_order[i];
		struct bench_complexity c;
		int row = tbl_row(t);
		double co = med(r, k, BENCH_FLOOD, BM_COALESCED_FRAC);
		double lo = med(r, k, BENCH_FLOOD, BM_LOSS_FRAC);
		char x[24];

		bench_complexity_of(r, k, &c);
		tbl_set(t, row, 0, "%s", mech_table[k].label);
		tbl_set(t, row, 1, "%s", fmt_rate(med(r, k, BENCH_FLOOD, BM_DELIVERED), x, sizeof(x)));
		tbl_set(t, row, 2, "%s", fmt_rate(med(r, k, BENCH_FLOOD, BM_RECV_RATE), x, sizeof(x)));
		if (isnan(co))
			tbl_set(t, row, 3, "-");
		else
			tbl_set(t, row, 3, "%.1f%%", co * 100);
		if (isnan(lo))
			tbl_set(t, row, 4, "-");
		else
			tbl_set(t, row, 4, "%.1f%%", lo * 100);
		tbl_set(t, row, 5, "%s", fmt_ns(med(r, k, lat_scen(k), BM_CPU_EVENT), x, sizeof(x)));
		tbl_set(t, row, 6, "%.1f%s", c.per_event, c.per_event_measured ? "" : " d");
		tbl_set(t, row, 7, "%d = %d+%.0f+%d", c.score, c.setup_calls, round(c.per_event),
			c.nrules);
	}
}

static const char *claim_label(const struct bench_claim_result *c, char *buf, size_t len)
{
	const char *where = "";

	if (!strcmp(c->column, "latency"))
		where = c->scen == BENCH_CROSS ? " (2 CPUs)" : c->scen == BENCH_TIMER ? " (timer)" : " (1 CPU)";
	if (!strcmp(c->column, "recommended for"))
		snprintf(buf, len, "for %s", c->claim);
	else
		snprintf(buf, len, "%s %s%s", c->column, c->claim, where);
	return buf;
}

static void build_verdicts(const struct bench_claim_result *cl, int n, struct tbl *t)
{
	tbl_head(t, 4, "mechanism", "claim", "verdict", "measured");
	t->left[1] = t->left[2] = t->left[3] = true;
	for (int i = 0; i < n; i++) {
		int row = tbl_row(t);
		char x[96];

		tbl_set(t, row, 0, "%s", i && cl[i - 1].mech == cl[i].mech ? "" : mech_table[cl[i].mech].label);
		tbl_set(t, row, 1, "%s", claim_label(&cl[i], x, sizeof(x)));
		tbl_set(t, row, 2, "%s", bench_verdict_name(cl[i].verdict));
		tbl_set(t, row, 3, "%s", cl[i].brief);
	}
}

static void build_check(const struct bench_check *ch, int n, struct tbl *t)
{
	tbl_head(t, 10, "mechanism", "scenario", "kernel p50", "user p50", "kernel p99", "user p99",
		 "events kernel/user", "lost/unmatched", "trials", "kernel <= user");
	t->left[1] = t->left[9] = true;
	for (int i = 0; i < n; i++) {
		int row = tbl_row(t);
		char x[24];

		tbl_set(t, row, 0, "%s", mech_table[ch[i].mech].label);
		tbl_set(t, row, 1, "%s", bench_scen_name(ch[i].scen));
		tbl_set(t, row, 2, "%s", ch[i].k_p50.n ? fmt_ns(ch[i].k_p50.med, x, sizeof(x)) : "-");
		tbl_set(t, row, 3, "%s", ch[i].u_p50.n ? fmt_ns(ch[i].u_p50.med, x, sizeof(x)) : "-");
		tbl_set(t, row, 4, "%s", ch[i].k_p99.n ? fmt_ns(ch[i].k_p99.med, x, sizeof(x)) : "-");
		tbl_set(t, row, 5, "%s", ch[i].u_p99.n ? fmt_ns(ch[i].u_p99.med, x, sizeof(x)) : "-");
		tbl_set(t, row, 6, "%llu/%llu", (unsigned long long)ch[i].k_events,
			(unsigned long long)ch[i].u_events);
		tbl_set(t, row, 7, "%llu/%llu", (unsigned long long)ch[i].k_lost,
			(unsigned long long)ch[i].k_unmatched);
		tbl_set(t, row, 8, "%d", ch[i].ntrials);
		if (ch[i].ok)
			tbl_set(t, row, 9, "ok");
		else if (!ch[i].ntrials)
			tbl_set(t, row, 9, "NO DATA (no trial with both views)");
		else
			tbl_set(t, row, 9, "IMPOSSIBLE in %d of %d trials", ch[i].violations, ch[i].ntrials);
	}
}

const char *bench_rule_text(void)
{
	return "Each level of the classic table is read against the pipe baseline measured in "
	       "the same trials: the paired ratio mechanism/pipe per trial, its median, and the "
	       "distribution-free interval of that median from order statistics (the range of "
	       "the ratios for fewer than 6 trials: 75% for 3 trials, 94% for 5; from the second "
	       "lowest to the second highest for 9 trials: 96%). A claim holds "
	       "when the whole interval lies in the claimed band, is contradicted when it lies "
	       "wholly outside, and is not distinguishable otherwise (or with fewer than 3 good "
	       "trials). Bands: latency (kernel total p50) low < 1.2x pipe <= high; throughput "
	       "(flood, delivered/s) low < 0.5x pipe <= medium < 0.83x pipe <= "
	       "high; complexity score (a count, so holds or contradicted) medium within 1 point "
	       "of the pipe's, low 2 or more below, high 2 or more above; "
	       "precise timing: p99 lateness < 10% of the period and < 0.1% of expirations "
	       "merged; integrated handling: every signalfd trial's signals consumed by reads of "
	       "the signalfd, no handler run. A timer wakes a receiver idle for a whole period, so "
	       "timerfd's latency is compared with the pipe paced at the same period.";
}

/* Wraps a paragraph at width columns, each line indented. */
static void print_wrapped(FILE *f, const char *text, int indent, int width)
{
	const char *p = text;

	while (*p) {
		int len = (int)strlen(p), cut = len;

		if (len > width) {
			cut = width;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (!cut)
				cut = width;
		}
		fprintf(f, "%*s%.*s\n", indent, "", cut, p);
		p += cut;
		while (*p == ' ')
			p++;
	}
}

static int count_failed(const struct bench_results *r, char *first, size_t len)
{
	int failed = 0;

	first[0] = '\0';
	for (int k = 0; k < EVT_KIND_LOAD; k++)
		for (int s = 0; s < BENCH_NSCEN; s++)
			for (int i = 0; i < r->cell[k][s].n; i++)
				if (r->cell[k][s].t[i].status) {
					if (!failed++)
						snprintf(first, len, "%s %s trial %d: %s", evt_kind_name(k),
							 bench_scen_name(s), i + 1, r->cell[k][s].t[i].err);
				}
	return failed;
}

static void conditions(const struct bench_results *r, struct tbl *t)
{
	const struct evtrace_settings *s = &r->sys;
	char a[24], b[24];
	int row;

	tbl_head(t, 2, "condition", "value");
	t->left[1] = true;
	row = tbl_row(t);
	tbl_set(t, row, 0, "kernel");
	tbl_set(t, row, 1, "%s", s->kernel[0] ? s->kernel : "unknown");
	row = tbl_row(t);
	tbl_set(t, row, 0, "CPU");
	tbl_set(t, row, 1, "%s, %d CPU%s", s->cpu_model[0] ? s->cpu_model : "unknown", s->ncpus,
		s->ncpus == 1 ? "" : "s");
	row = tbl_row(t);
	tbl_set(t, row, 0, "virtualised");
	tbl_set(t, row, 1, "%s%s%s%s", s->virtualised ? "yes" : "no",
		s->hypervisor[0] ? " (" : "", s->hypervisor, s->hypervisor[0] ? ")" : "");
	row = tbl_row(t);
	tbl_set(t, row, 0, "tracer");
	if (r->cfg.no_trace)
		tbl_set(t, row, 1, "off (--no-trace: user-side figures only)");
	else
		tbl_set(t, row, 1, "%s; dispatch stage %s", r->attach_mode[0] ? r->attach_mode : "unknown",
			r->usdt ? "measured (libevm USDT)" : "not measured (no USDT)");
	if (s->bpf_stats) {
		row = tbl_row(t);
		tbl_set(t, row, 0, "bpf_stats");
		tbl_set(t, row, 1, "on: every BPF program run timed by the kernel (two clock reads more "
				   "each): the traced figures include it");
	}
	row = tbl_row(t);
	tbl_set(t, row, 0, "policy");
	if (!strncmp(r->cfg.policy, "fifo:", 5))
		tbl_set(t, row, 1, "SCHED_FIFO, priority %s (evload --policy %s)", r->cfg.policy + 5,
			r->cfg.policy);
	else
		tbl_set(t, row, 1, "SCHED_OTHER (evload --policy %s)", r->cfg.policy);
	row = tbl_row(t);
	tbl_set(t, row, 0, "trials");
	tbl_set(t, row, 1, "%d per scenario and mechanism, interleaved (trial i of all before i+1)",
		r->cfg.trials);
	for (int sc = 0; sc < BENCH_NSCEN; sc++) {
		uint64_t n = r->cfg.count[sc];

		row = tbl_row(t);
		tbl_set(t, row, 0, "%s", bench_scen_name(sc));
		switch (sc) {
		case BENCH_SAME:
		case BENCH_CROSS:
			tbl_set(t, row, 1, "%s; pinned --cpu %s; %s round trips = %llu events per trial",
				bench_scen_desc(sc), bench_scen_cpu(sc), fmt_count(n, a, sizeof(a)),
				(unsigned long long)(2 * n));
			break;
		case BENCH_FLOOD:
			tbl_set(t, row, 1, "%s; pinned --cpu %s; %s events per trial (timerfd: %s period)",
				bench_scen_desc(sc), bench_scen_cpu(sc), fmt_count(n, a, sizeof(a)),
				hist_fmt_ns(r->cfg.flood_interval_ns, b, sizeof(b)));
			break;
		case BENCH_PACED:
			tbl_set(t, row, 1, "%s; pipe only; pinned --cpu %s; %s pause, %s events per trial",
				bench_scen_desc(sc), bench_scen_cpu(sc),
				hist_fmt_ns(r->cfg.interval_ns, b, sizeof(b)), fmt_count(n, a, sizeof(a)));
			break;
		default:
			tbl_set(t, row, 1, "%s; pinned --cpu %s; %s period, %s expirations per trial",
				bench_scen_desc(sc), bench_scen_cpu(sc),
				hist_fmt_ns(r->cfg.interval_ns, b, sizeof(b)), fmt_count(n, a, sizeof(a)));
		}
	}
	row = tbl_row(t);
	tbl_set(t, row, 0, "elapsed");
	tbl_set(t, row, 1, "%.0f s", r->elapsed_s);
}

/* ------------------------------------------------------------------ text */

static void print_wrapped(FILE *f, const char *text, int indent, int width);

static void paragraph(FILE *f, bool md, const char *text)
{
	if (md)
		fprintf(f, "%s\n", text);
	else
		print_wrapped(f, text, 2, 78);
}

static void legend(FILE *f, const struct bench_results *r, bool md)
{
	char buf[1200], per[24];

	snprintf(buf, sizeof(buf),
		 "Latency: one-way, kernel total = sending syscall entered (timerfd: programmed "
		 "expiry) -> receiver leaves the consuming syscall (handler: signal delivered)%s. "
		 "Medians across trials; \"u\" = evload's user-side figure (the tracer saw none). "
		 "dominant = the stage holding the largest share of the total time. sender = time "
		 "inside the sending syscall (the wakeup's cost to the sender). [1] timerfd: the timer "
		 "run's lateness at a %s period (no sender). [2] the pipe, one event per %s across "
		 "CPUs: its receiver idles between events as the timer's does (the reference for "
		 "timerfd's latency).",
		 r->usdt ? " -> libevm calls the callback (dispatch: libevm's trace slot, stamps the "
			   "tracer reads at the thread's next syscall, no trap per event; not in "
			   "sigwait, which has no loop)"
			 : "; libevm's dispatch not measured",
		 hist_fmt_ns(r->cfg.interval_ns, per, sizeof(per)), per);
	paragraph(f, md, buf);
}

static void cost_legend(FILE *f, const struct bench_results *r, bool md)
{
	char buf[1200], per[24];

	snprintf(buf, sizeof(buf),
		 "Flood, ends on two CPUs. delivered/s: events that reach the receiver per second: "
		 "every event for eventfd (a read returns how many writes it stands for) and pipe; "
		 "deliveries for the signals (a merged standard signal never arrives); for timerfd "
		 "the wakeups it delivers at a %s period (its expirations come at the programmed "
		 "rate whatever happens). wakeups/s: callbacks per second. coalesced: events merged "
		 "into another delivery. CPU/event: sender + receiver CPU time per event (evload, "
		 "latency run on one CPU). syscalls/event: both ends, per one-way event (timerfd: per "
		 "wakeup; census: "
		 "sys_enter counted in evload over two run lengths; \"d\" = derived from the "
		 "mechanism's path). complexity = setup calls + syscalls/event + rules (below).",
		 hist_fmt_ns(r->cfg.flood_interval_ns, per, sizeof(per)));
	paragraph(f, md, buf);
}

static void rules_list(FILE *f, const struct bench_results *r, bool md)
{
	for (int i = 0; i < EVT_KIND_LOAD; i++) {
		enum evt_kind k = row_order[i];
		struct bench_complexity c;

		bench_complexity_of(r, k, &c);
		if (md)
			fprintf(f, "- **%s**: setup %s;", mech_table[k].label, c.setup_list);
		else
			fprintf(f, "  %s: setup %s\n", mech_table[k].label, c.setup_list);
		for (int j = 0; j < c.nrules; j++) {
			if (md)
				fprintf(f, " %s%s", c.rules[j], j + 1 < c.nrules ? ";" : ".");
			else
				fprintf(f, "    - %s\n", c.rules[j]);
		}
		if (md)
			fprintf(f, "\n");
	}
}

static void print_all(FILE *f, const struct bench_results *r, bool md)
{
	struct bench_claim_result cl[BENCH_MAX_CLAIMS];
	struct bench_check ch[EVT_KIND_LOAD * BENCH_NSCEN];
	int ncl = bench_claims_eval(r, cl, BENCH_MAX_CLAIMS);
	int nch = bench_crosscheck(r, ch, EVT_KIND_LOAD * BENCH_NSCEN);
	struct tbl *t = calloc(1, sizeof(*t));
	int failed, bad = 0, hold = 0, contra = 0, und = 0;
	char first[320];
	void (*out)(FILE *, const struct tbl *) = md ? tbl_md : tbl_text;
	const char *h = md ? "## " : "";

	if (!t)
		return;
	for (int i = 0; i < nch; i++)
		bad += !ch[i].ok;
	for (int i = 0; i < ncl; i++) {
		hold += cl[i].verdict == BENCH_HOLDS;
		contra += cl[i].verdict == BENCH_CONTRADICTED;
		und += cl[i].verdict == BENCH_UNDECIDED;
	}

	fprintf(f, "%sevtrace bench: the classic event-channel table, measured on this machine\n\n",
		md ? "# " : "");
	fprintf(f, "%s%s, %d CPU%s%s; %d trials; %d claims: %d hold, %d contradicted, %d not "
		   "distinguishable; cross-check %s\n\n", md ? "" : "",
		r->sys.kernel[0] ? r->sys.kernel : "unknown kernel", r->sys.ncpus,
		r->sys.ncpus == 1 ? "" : "s", r->sys.virtualised ? ", virtualised" : "", r->cfg.trials,
		ncl, hold, contra, und,
		r->cfg.no_trace ? "not run (no tracer)" : bad ? "FLAGGED (see 3)" : "ok");

	fprintf(f, "%s(1) The table as measured\n\n", h);
	fprintf(f, "%sLatency%s\n\n", md ? "**" : "", md ? "**" : "");
	build_latency(r, t);
	out(f, t);
	fprintf(f, "\n");
	legend(f, r, md);
	fprintf(f, "\n%sThroughput and cost%s\n\n", md ? "**" : "", md ? "**" : "");
	build_cost(r, t);
	out(f, t);
	fprintf(f, "\n");
	cost_legend(f, r, md);
	fprintf(f, "\n%sComplexity: setup calls and rules%s\n\n", md ? "**" : "", md ? "**" : "");
	rules_list(f, r, md);

	fprintf(f, "\n%s(2) Verdicts on the classic table\n\n", h);
	paragraph(f, md, bench_rule_text());
	fprintf(f, "\n");
	build_verdicts(cl, ncl, t);
	out(f, t);
	fprintf(f, "\n");
	for (int i = 0; i < ncl; i++) {
		char x[96];

		if (md)
			fprintf(f, "- %s, %s: **%s**. %s. Rule: %s.\n", mech_table[cl[i].mech].label,
				claim_label(&cl[i], x, sizeof(x)), bench_verdict_name(cl[i].verdict),
				cl[i].measured, cl[i].rule);
		else
			fprintf(f, "  %s, %s: %s\n    %s\n", mech_table[cl[i].mech].label,
				claim_label(&cl[i], x, sizeof(x)), bench_verdict_name(cl[i].verdict),
				cl[i].measured);
	}

	fprintf(f, "\n%s(3) Cross-check: kernel total vs evload's user-side latency\n\n", h);
	build_check(ch, nch, t);
	out(f, t);
	fprintf(f, "\n");
	paragraph(f, md, bad ?
		  "The kernel's total is a part of the user-side interval (evload stamps before the "
		  "sending syscall and at callback entry), so kernel p50 > user p50 in any trial is "
		  "impossible and flagged. FLAGGED rows above need a look. events: deliveries the "
		  "tracer followed / evload's; lost/unmatched: the tracer's." :
		  "The kernel's total is a part of the user-side interval (evload stamps before the "
		  "sending syscall and at callback entry), so kernel p50 > user p50 in any trial is "
		  "impossible and flagged. No row is flagged. events: deliveries the tracer followed "
		  "/ evload's; lost/unmatched: the tracer's.");

	fprintf(f, "\n%s(4) Conditions\n\n", h);
	conditions(r, t);
	out(f, t);
	failed = count_failed(r, first, sizeof(first));
	if (failed)
		fprintf(f, "\n%s%d trial%s failed; the first: %s\n", md ? "" : "  ", failed,
			failed == 1 ? "" : "s", first);
	free(t);
	fflush(f);
}

void bench_print_text(FILE *f, const struct bench_results *r)
{
	print_all(f, r, false);
}

int bench_write_markdown(const struct bench_results *r, const char *path, char *err, size_t errlen)
{
	struct outfile *out;
	int ret = outfile_open(&out, path, 0, err, errlen);

	if (ret)
		return ret;
	print_all(outfile_stream(out), r, true);
	return outfile_commit(out, err, errlen);
}

/* ------------------------------------------------------------------ JSON */

static struct json_object *num(double v)
{
	return isnan(v) ? NULL : json_object_new_double(v);
}

static struct json_object *est_json(const struct bench_est *e)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "n", json_object_new_int(e->n));
	if (e->n) {
		json_object_object_add(o, "median", json_object_new_double(e->med));
		json_object_object_add(o, "min", json_object_new_double(e->min));
		json_object_object_add(o, "max", json_object_new_double(e->max));
		json_object_object_add(o, "lo", json_object_new_double(e->lo));
		json_object_object_add(o, "hi", json_object_new_double(e->hi));
		json_object_object_add(o, "coverage", json_object_new_double(e->coverage));
	}
	return o;
}

static struct json_object *metric_json(const struct bench_results *r, enum evt_kind k,
				       enum bench_scen s, int metric)
{
	struct bench_est e;

	bench_estimate(r, k, s, metric, &e);
	return est_json(&e);
}

static struct json_object *trial_json(const struct bench_trial *t)
{
	struct json_object *o = json_object_new_object();
	struct json_object *u = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(!t->status));
	if (t->status)
		json_object_object_add(o, "error", json_object_new_string(t->err));
	json_object_object_add(o, "wall_s", json_object_new_double(t->wall_s));
	json_object_object_add(u, "sent", json_object_new_int64((int64_t)t->sent));
	json_object_object_add(u, "received", json_object_new_int64((int64_t)t->received));
	json_object_object_add(u, "coalesced", json_object_new_int64((int64_t)t->coalesced));
	json_object_object_add(u, "lost", json_object_new_int64((int64_t)t->lost));
	json_object_object_add(u, "latency_ns", hist_summary_to_json(&t->user));
	json_object_object_add(u, "throughput_eps", json_object_new_double(t->throughput_eps));
	json_object_object_add(u, "deliveries_per_s", json_object_new_double(t->deliveries_eps));
	json_object_object_add(u, "cpu_ns_sender", json_object_new_double(t->cpu_ns_sender));
	json_object_object_add(u, "cpu_ns_receiver", json_object_new_double(t->cpu_ns_receiver));
	json_object_object_add(o, "evload", u);
	json_object_object_add(o, "traced", json_object_new_boolean(t->traced));
	if (t->traced) {
		struct json_object *k = json_object_new_object();
		struct json_object *st = json_object_new_object();
		struct json_object *other = json_object_new_object();

		json_object_object_add(k, "events", json_object_new_int64((int64_t)t->cnt[EVT_CNT_EVENTS]));
		json_object_object_add(k, "coalesced", json_object_new_int64((int64_t)t->cnt[EVT_CNT_COALESCED]));
		json_object_object_add(k, "lost", json_object_new_int64((int64_t)t->cnt[EVT_CNT_LOST]));
		json_object_object_add(k, "unmatched", json_object_new_int64((int64_t)t->cnt[EVT_CNT_UNMATCHED]));
		json_object_object_add(k, "sends", json_object_new_int64((int64_t)t->cnt[EVT_CNT_SENDS]));
		json_object_object_add(k, "wake_same_cpu", json_object_new_int64((int64_t)t->cnt[EVT_CNT_WAKE_SAME]));
		json_object_object_add(k, "wake_cross_cpu", json_object_new_int64((int64_t)t->cnt[EVT_CNT_WAKE_CROSS]));
		json_object_object_add(k, "wake_none", json_object_new_int64((int64_t)t->cnt[EVT_CNT_WAKE_NONE]));
		for (int s = 0; s < EVT_STAGE_MAX; s++)
			if (t->st[s].count)
				json_object_object_add(st, evt_stage_name(s), hist_summary_to_json(&t->st[s]));
		json_object_object_add(k, "stages", st);
		for (int i = 0; i < EVT_KIND_LOAD; i++)
			if (t->other_events[i])
				json_object_object_add(other, evt_kind_name(i),
						       json_object_new_int64((int64_t)t->other_events[i]));
		json_object_object_add(k, "other_kinds_events", other);
		json_object_object_add(o, "kernel", k);
	}
	return o;
}

static struct json_object *row_json(const struct bench_results *r, enum evt_kind k)
{
	struct json_object *o = json_object_new_object();
	struct json_object *sc = json_object_new_object();
	struct json_object *cx = json_object_new_object();
	struct json_object *rules = json_object_new_array();
	struct json_object *sys = json_object_new_object();
	struct bench_complexity c;

	json_object_object_add(o, "mechanism", json_object_new_string(evt_kind_name(k)));
	json_object_object_add(o, "label", json_object_new_string(mech_table[k].label));
	json_object_object_add(o, "in_classic_table",
			       json_object_new_boolean(mech_table[k].classic));
	json_object_object_add(o, "baseline", json_object_new_boolean(mech_table[k].baseline));
	for (int s = 0; s < BENCH_NSCEN; s++) {
		struct json_object *so;
		double share;
		int dom;

		if (!bench_applies(k, s))
			continue;
		so = json_object_new_object();
		json_object_object_add(so, "pattern", json_object_new_string(bench_scen_pattern(s)));
		json_object_object_add(so, "cpu", json_object_new_string(bench_cpu_of(k, s)));
		json_object_object_add(so, "kernel_total_p50_ns", metric_json(r, k, s, BM_K_P50));
		json_object_object_add(so, "kernel_total_p99_ns", metric_json(r, k, s, BM_K_P99));
		json_object_object_add(so, "user_p50_ns", metric_json(r, k, s, BM_U_P50));
		json_object_object_add(so, "user_p99_ns", metric_json(r, k, s, BM_U_P99));
		json_object_object_add(so, "sender_cost_p50_ns", metric_json(r, k, s, BM_SENDER_P50));
		json_object_object_add(so, "cpu_ns_per_event", metric_json(r, k, s, BM_CPU_EVENT));
		json_object_object_add(so, "throughput_eps", metric_json(r, k, s, BM_THROUGHPUT));
		json_object_object_add(so, "deliveries_per_s", metric_json(r, k, s, BM_RECV_RATE));
		json_object_object_add(so, "coalesced_fraction", metric_json(r, k, s, BM_COALESCED_FRAC));
		json_object_object_add(so, "lost_fraction", metric_json(r, k, s, BM_LOSS_FRAC));
		if (k == EVT_KIND_TIMERFD)
			json_object_object_add(so, "timer_late_p50_ns", metric_json(r, k, s, BM_TIMER_LATE_P50));
		dom = bench_dominant_stage(r, k, s, &share);
		json_object_object_add(so, "dominant_stage",
				       dom < 0 ? NULL : json_object_new_string(evt_stage_name(dom)));
		json_object_object_add(so, "dominant_share", dom < 0 ? NULL : json_object_new_double(share));
		{
			struct json_object *tr = json_object_new_array();

			for (int i = 0; i < r->cell[k][s].n; i++)
				json_object_array_add(tr, trial_json(&r->cell[k][s].t[i]));
			json_object_object_add(so, "trials", tr);
		}
		json_object_object_add(sc, bench_scen_name(s), so);
	}
	json_object_object_add(o, "scenarios", sc);

	bench_complexity_of(r, k, &c);
	json_object_object_add(cx, "setup_calls", json_object_new_int(c.setup_calls));
	json_object_object_add(cx, "setup", json_object_new_string(c.setup_list));
	json_object_object_add(cx, "syscalls_per_event", json_object_new_double(c.per_event));
	json_object_object_add(cx, "rules_count", json_object_new_int(c.nrules));
	for (int j = 0; j < c.nrules; j++)
		json_object_array_add(rules, json_object_new_string(c.rules[j]));
	json_object_object_add(cx, "rules", rules);
	json_object_object_add(cx, "score", json_object_new_int(c.score));
	json_object_object_add(o, "complexity", cx);

	json_object_object_add(sys, "per_event", json_object_new_double(c.per_event));
	json_object_object_add(sys, "source",
			       json_object_new_string(r->sc[k].measured ? "measured" : "derived"));
	json_object_object_add(sys, "derived", json_object_new_double(bench_syscalls_derived(k)));
	if (r->sc[k].measured)
		json_object_object_add(sys, "fixed", json_object_new_double(r->sc[k].fixed));
	if (r->sc[k].note[0])
		json_object_object_add(sys, "note", json_object_new_string(r->sc[k].note));
	json_object_object_add(o, "syscalls", sys);
	return o;
}

struct json_object *bench_to_json(const struct bench_results *r)
{
	struct bench_claim_result cl[BENCH_MAX_CLAIMS];
	struct bench_check ch[EVT_KIND_LOAD * BENCH_NSCEN];
	int ncl = bench_claims_eval(r, cl, BENCH_MAX_CLAIMS);
	int nch = bench_crosscheck(r, ch, EVT_KIND_LOAD * BENCH_NSCEN);
	struct json_object *o = json_object_new_object();
	struct json_object *set = json_object_new_object();
	struct json_object *counts = json_object_new_object();
	struct json_object *pin = json_object_new_object();
	struct json_object *rows = json_object_new_array();
	struct json_object *claims = json_object_new_array();
	struct json_object *check = json_object_new_array();
	struct json_object *bands = json_object_new_object();
	bool all_ok = true;

	json_object_object_add(o, "format", json_object_new_int(BENCH_FORMAT_VERSION));
	json_object_object_add(o, "tool", json_object_new_string("evtrace bench"));

	json_object_object_add(set, "mode", json_object_new_string(r->cfg.quick ? "quick" : "default"));
	json_object_object_add(set, "kernel", json_object_new_string(r->sys.kernel));
	json_object_object_add(set, "cpu_model", json_object_new_string(r->sys.cpu_model));
	json_object_object_add(set, "ncpus", json_object_new_int(r->sys.ncpus));
	json_object_object_add(set, "virtualised", json_object_new_boolean(r->sys.virtualised));
	json_object_object_add(set, "hypervisor", json_object_new_string(r->sys.hypervisor));
	json_object_object_add(set, "traced", json_object_new_boolean(!r->cfg.no_trace));
	json_object_object_add(set, "attach_mode", json_object_new_string(r->attach_mode));
	json_object_object_add(set, "usdt", json_object_new_boolean(r->usdt));
	json_object_object_add(set, "bpf_stats_enabled", json_object_new_boolean(r->sys.bpf_stats));
	json_object_object_add(set, "policy", json_object_new_string(r->cfg.policy));
	json_object_object_add(set, "trials", json_object_new_int(r->cfg.trials));
	json_object_object_add(set, "interleaved", json_object_new_boolean(true));
	for (int s = 0; s < BENCH_NSCEN; s++) {
		struct json_object *p = json_object_new_object();

		json_object_object_add(p, "pattern", json_object_new_string(bench_scen_pattern(s)));
		json_object_object_add(p, "cpu", json_object_new_string(bench_scen_cpu(s)));
		json_object_object_add(p, "description", json_object_new_string(bench_scen_desc(s)));
		json_object_object_add(pin, bench_scen_name(s), p);
		json_object_object_add(counts, bench_scen_name(s),
				       json_object_new_int64((int64_t)r->cfg.count[s]));
	}
	json_object_object_add(set, "scenarios", pin);
	json_object_object_add(set, "count_per_trial", counts);
	json_object_object_add(set, "timer_interval_ns", json_object_new_int64((int64_t)r->cfg.interval_ns));
	json_object_object_add(set, "flood_timer_interval_ns",
			       json_object_new_int64((int64_t)r->cfg.flood_interval_ns));
	json_object_object_add(set, "evload", json_object_new_string(
		r->cfg.evload_src[0] ? r->cfg.evload_src : r->cfg.evload));
	json_object_object_add(set, "elapsed_s", json_object_new_double(r->elapsed_s));
	json_object_object_add(o, "settings", set);

	for (int i = 0; i < EVT_KIND_LOAD; i++)
		json_object_array_add(rows, row_json(r, row_order[i]));
	json_object_object_add(o, "rows", rows);

	for (int i = 0; i < ncl; i++) {
		struct json_object *c = json_object_new_object();

		json_object_object_add(c, "id", json_object_new_string(cl[i].id));
		json_object_object_add(c, "mechanism", json_object_new_string(evt_kind_name(cl[i].mech)));
		if (cl[i].path)
			json_object_object_add(c, "path", json_object_new_string(cl[i].path));
		json_object_object_add(c, "column", json_object_new_string(cl[i].column));
		json_object_object_add(c, "claim", json_object_new_string(cl[i].claim));
		json_object_object_add(c, "scenario", json_object_new_string(bench_scen_name(cl[i].scen)));
		json_object_object_add(c, "verdict", json_object_new_string(bench_verdict_name(cl[i].verdict)));
		if (cl[i].has_est)
			json_object_object_add(c, "estimate", est_json(&cl[i].est));
		json_object_object_add(c, "measured", json_object_new_string(cl[i].measured));
		json_object_object_add(c, "rule", json_object_new_string(cl[i].rule));
		json_object_array_add(claims, c);
	}
	json_object_object_add(o, "claims", claims);
	json_object_object_add(o, "verdict_rule", json_object_new_string(bench_rule_text()));
	json_object_object_add(bands, "latency_high_ratio", json_object_new_double(BENCH_LAT_MARGIN));
	json_object_object_add(bands, "throughput_high_ratio", json_object_new_double(BENCH_TPUT_HIGH));
	json_object_object_add(bands, "throughput_low_ratio", json_object_new_double(BENCH_TPUT_LOW));
	json_object_object_add(bands, "complexity_margin_vs_pipe", json_object_new_int(BENCH_CPLX_MARGIN));
	json_object_object_add(bands, "timer_p99_fraction", json_object_new_double(BENCH_TIMER_FRAC));
	json_object_object_add(bands, "timer_missed_fraction", json_object_new_double(BENCH_TIMER_MISS));
	json_object_object_add(bands, "min_trials", json_object_new_int(BENCH_MIN_TRIALS));
	json_object_object_add(o, "bands", bands);

	for (int i = 0; i < nch; i++) {
		struct json_object *c = json_object_new_object();

		json_object_object_add(c, "mechanism", json_object_new_string(evt_kind_name(ch[i].mech)));
		json_object_object_add(c, "scenario", json_object_new_string(bench_scen_name(ch[i].scen)));
		json_object_object_add(c, "trials", json_object_new_int(ch[i].ntrials));
		json_object_object_add(c, "violations", json_object_new_int(ch[i].violations));
		json_object_object_add(c, "kernel_p50_ns", ch[i].k_p50.n ? num(ch[i].k_p50.med) : NULL);
		json_object_object_add(c, "user_p50_ns", ch[i].u_p50.n ? num(ch[i].u_p50.med) : NULL);
		json_object_object_add(c, "kernel_p99_ns", ch[i].k_p99.n ? num(ch[i].k_p99.med) : NULL);
		json_object_object_add(c, "user_p99_ns", ch[i].u_p99.n ? num(ch[i].u_p99.med) : NULL);
		json_object_object_add(c, "kernel_events", json_object_new_int64((int64_t)ch[i].k_events));
		json_object_object_add(c, "user_events", json_object_new_int64((int64_t)ch[i].u_events));
		json_object_object_add(c, "kernel_lost", json_object_new_int64((int64_t)ch[i].k_lost));
		json_object_object_add(c, "kernel_unmatched", json_object_new_int64((int64_t)ch[i].k_unmatched));
		json_object_object_add(c, "kernel_le_user", json_object_new_boolean(ch[i].ok));
		json_object_object_add(c, "status", json_object_new_string(
			ch[i].ok ? "ok" : ch[i].ntrials ? "impossible" : "no data"));
		json_object_array_add(check, c);
		all_ok = all_ok && ch[i].ok;
	}
	json_object_object_add(o, "crosscheck", check);
	json_object_object_add(o, "crosscheck_ok", json_object_new_boolean(all_ok));
	return o;
}

int bench_write_json(const struct bench_results *r, const char *path, char *err, size_t errlen)
{
	struct json_object *o = bench_to_json(r);
	struct outfile *out;
	int ret = outfile_open(&out, path, 0, err, errlen);

	if (!ret) {
		fprintf(outfile_stream(out), "%s\n",
			json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
		ret = outfile_commit(out, err, errlen);
	}
	json_object_put(o);
	return ret;
}

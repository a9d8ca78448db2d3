// SPDX-License-Identifier: MIT
/*
 * Unit tests of evtrace bench's statistics, verdicts, cross-check, output and
 * trial machinery, on synthetic trials (no BPF: the tracer is stubbed here,
 * and a shell script stands in for evload).
 */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "bench_impl.h"
#include "tracer.h"

/* ------------------------------------------------------- tracer stubs */

int tracer_open(struct tracer **ret, const struct tracer_opts *opts, char *err, size_t errlen)
{
	(void)opts;
	*ret = NULL;
	snprintf(err, errlen, "no tracer in unit tests");
	return -ENOSYS;
}

int tracer_poll(struct tracer *t, int timeout_ms)
{
	(void)t;
	(void)timeout_ms;
	return 0;
}

int tracer_collect(struct tracer *t, struct evtrace_report *out)
{
	(void)t;
	(void)out;
	return -ENOSYS;
}

int tracer_reset(struct tracer *t)
{
	(void)t;
	return 0;
}

void tracer_close(struct tracer *t)
{
	(void)t;
}

/* ------------------------------------------------------------ helpers */

static struct bench_results *results_new(int trials)
{
	struct bench_results *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->cfg.trials = trials;
	r->cfg.interval_ns = 1000000;
	r->cfg.flood_interval_ns = 2000;
	snprintf(r->cfg.policy, sizeof(r->cfg.policy), "other");
	for (int s = 0; s < BENCH_NSCEN; s++)
		r->cfg.count[s] = 1000;
	snprintf(r->sys.kernel, sizeof(r->sys.kernel), "6.18-test");
	snprintf(r->sys.cpu_model, sizeof(r->sys.cpu_model), "Test CPU");
	r->sys.ncpus = 2;
	r->sys.virtualised = true;
	snprintf(r->sys.hypervisor, sizeof(r->sys.hypervisor), "KVM");
	snprintf(r->attach_mode, sizeof(r->attach_mode), "tp_btf");
	return r;
}

static void set_hist(struct hist_summary *h, uint64_t count, double p50)
{
	h->count = count;
	h->min = (uint64_t)(p50 * 0.5);
	h->p50 = (uint64_t)p50;
	h->p90 = (uint64_t)(p50 * 1.5);
	h->p99 = (uint64_t)(p50 * 2);
	h->p999 = (uint64_t)(p50 * 3);
	h->max = (uint64_t)(p50 * 10);
	h->mean = p50 * 1.1;
}

/* A good trial: kernel total p50 = k50, user p50 = u50, flood rate eps. */
static void add_trial(struct bench_results *r, enum evt_kind k, enum bench_scen s,
		      double k50, double u50, double eps)
{
	struct bench_cell *c = &r->cell[k][s];
	struct bench_trial *t = &c->t[c->n++];

	memset(t, 0, sizeof(*t));
	t->sent = 2000;
	t->received = 2000;
	t->traced = k50 > 0;
	t->cnt[EVT_CNT_EVENTS] = t->traced ? 2000 : 0;
	if (k50 > 0) {
		set_hist(&t->st[EVT_STAGE_TOTAL], 2000, k50);
		/* the stages: wake holds 60% of the time, send 25%, return 15% */
		set_hist(&t->st[EVT_STAGE_WAKE], 2000, k50 * 0.6);
		t->st[EVT_STAGE_WAKE].mean = t->st[EVT_STAGE_TOTAL].mean * 0.6;
		set_hist(&t->st[EVT_STAGE_SEND], 2000, k50 * 0.25);
		t->st[EVT_STAGE_SEND].mean = t->st[EVT_STAGE_TOTAL].mean * 0.25;
		set_hist(&t->st[EVT_STAGE_RETURN], 2000, k50 * 0.15);
		t->st[EVT_STAGE_RETURN].mean = t->st[EVT_STAGE_TOTAL].mean * 0.15;
		set_hist(&t->st[EVT_STAGE_SENDER], 2000, 700);
	}
	if (u50 > 0)
		set_hist(&t->user, 2000, u50);
	t->throughput_eps = eps;
	t->cpu_ns_sender = 1500;
	t->cpu_ns_receiver = 2500;
}

/* The machine the classic table describes, with noise per trial. */
static struct bench_results *classic_machine(int trials)
{
	struct bench_results *r = results_new(trials);
	static const double noise[] = { 1.00, 1.04, 0.97, 1.02, 0.99, 1.03, 0.98 };

	for (int i = 0; i < trials; i++) {
		double x = noise[i % 7];

		/* latency (ns): pipe 2500, eventfd 2200, sigwait 3700, signalfd 3900, handler 4500 */
		add_trial(r, EVT_KIND_PIPE, BENCH_SAME, 2500 * x, 3000 * x, 0);
		add_trial(r, EVT_KIND_EVENTFD, BENCH_SAME, 2200 * x, 2600 * x, 0);
		add_trial(r, EVT_KIND_SIGWAIT, BENCH_SAME, 3700 * x, 4200 * x, 0);
		add_trial(r, EVT_KIND_SIGNALFD, BENCH_SAME, 2600 * x, 3100 * x, 0);
		add_trial(r, EVT_KIND_SIGNAL, BENCH_SAME, 4500 * x, 5200 * x, 0);
		/* across CPUs everything costs ~20 us: not distinguishable */
		add_trial(r, EVT_KIND_PIPE, BENCH_CROSS, 20000 * x, 22000 * x, 0);
		add_trial(r, EVT_KIND_EVENTFD, BENCH_CROSS, 19500 / x, 21000 / x, 0);
		add_trial(r, EVT_KIND_SIGWAIT, BENCH_CROSS, 23500 / x, 25000 / x, 0);
		add_trial(r, EVT_KIND_SIGNALFD, BENCH_CROSS, 21000 * x, 23000 * x, 0);
		add_trial(r, EVT_KIND_SIGNAL, BENCH_CROSS, 60000 * x, 65000 * x, 0);
		/* flood (events/s) */
		add_trial(r, EVT_KIND_PIPE, BENCH_FLOOD, 0, 0, 1.0e6 * x);
		add_trial(r, EVT_KIND_EVENTFD, BENCH_FLOOD, 0, 0, 2.0e6 * x);
		add_trial(r, EVT_KIND_SIGWAIT, BENCH_FLOOD, 0, 0, 0.3e6 * x);
		add_trial(r, EVT_KIND_SIGNALFD, BENCH_FLOOD, 0, 0, 0.65e6 * x);
		add_trial(r, EVT_KIND_SIGNAL, BENCH_FLOOD, 0, 0, 0.2e6 * x);
		add_trial(r, EVT_KIND_TIMERFD, BENCH_FLOOD, 0, 0, 0.7e6 * x);
		/* timer: 1 ms period, 12 us lateness */
		add_trial(r, EVT_KIND_TIMERFD, BENCH_TIMER, 12000 * x, 14000 * x, 0);
		/* the pipe paced at the period: 15 us */
		add_trial(r, EVT_KIND_PIPE, BENCH_PACED, 15000 * x, 16000 * x, 0);
	}
	return r;
}

static const struct bench_claim_result *find_claim(const struct bench_claim_result *cl, int n,
						   const char *id)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(cl[i].id, id))
			return &cl[i];
	fail_msg("no claim %s", id);
	return NULL;
}

/* --------------------------------------------------------------- stats */

static void test_coverage(void **state)
{
	(void)state;
	assert_true(fabs(bench_os_coverage(3, 1) - 0.75) < 1e-9);
	assert_true(fabs(bench_os_coverage(5, 1) - 0.9375) < 1e-9);
	assert_true(fabs(bench_os_coverage(10, 2) - (1 - 2 * 11.0 / 1024)) < 1e-9);
	assert_true(bench_os_coverage(1, 1) == 0);
	assert_true(bench_os_coverage(4, 3) == 0);
}

static void test_est(void **state)
{
	double v[] = { 5, 1, NAN, 3, 4, 2 };
	double w[] = { 10, 1, 9, 2, 8, 3, 7, 4, 6, 5 };
	struct bench_est e;

	(void)state;
	bench_est_of(v, 6, &e);
	assert_int_equal(e.n, 5);
	assert_true(e.med == 3);
	assert_true(e.lo == 1 && e.hi == 5);
	assert_true(e.min == 1 && e.max == 5);
	assert_true(fabs(e.coverage - 0.9375) < 1e-9);

	bench_est_of(w, 10, &e);
	assert_int_equal(e.n, 10);
	assert_true(e.med == 5.5);
	/* 10 trials: [x(2), x(9)] covers the median with 97.9% */
	assert_true(e.lo == 2 && e.hi == 9);
	assert_true(e.coverage > 0.95);

	bench_est_of(v, 0, &e);
	assert_int_equal(e.n, 0);
}

static void test_ratio(void **state)
{
	double a[] = { 2, 4, 6, NAN, 8 };
	double b[] = { 1, 2, 0, 1, 4 };
	struct bench_est e;

	(void)state;
	bench_ratio_of(a, b, 5, &e);
	/* pairs with a zero or missing side drop out: 2, 2, 2 */
	assert_int_equal(e.n, 3);
	assert_true(e.med == 2 && e.lo == 2 && e.hi == 2);
}

static void test_band(void **state)
{
	struct bench_est e = { .n = 5, .med = 2, .lo = 1.5, .hi = 2.5 };

	(void)state;
	assert_int_equal(bench_band_verdict(&e, 1.2, INFINITY), BENCH_HOLDS);
	assert_int_equal(bench_band_verdict(&e, 0, 1.2), BENCH_CONTRADICTED);
	e.lo = 1.1;
	assert_int_equal(bench_band_verdict(&e, 1.2, INFINITY), BENCH_UNDECIDED);
	assert_int_equal(bench_band_verdict(&e, 0, 1.2), BENCH_UNDECIDED);
	/* too few trials: never a verdict */
	e.n = 2;
	e.lo = 1.5;
	assert_int_equal(bench_band_verdict(&e, 1.2, INFINITY), BENCH_UNDECIDED);
	assert_int_equal(bench_verdict_and(BENCH_HOLDS, BENCH_HOLDS), BENCH_HOLDS);
	assert_int_equal(bench_verdict_and(BENCH_HOLDS, BENCH_UNDECIDED), BENCH_UNDECIDED);
	assert_int_equal(bench_verdict_and(BENCH_UNDECIDED, BENCH_CONTRADICTED), BENCH_CONTRADICTED);
	assert_string_equal(bench_verdict_name(BENCH_UNDECIDED), "not distinguishable");
}

/* -------------------------------------------------------------- claims */

static void test_claims_classic(void **state)
{
	struct bench_results *r = classic_machine(5);
	struct bench_claim_result cl[BENCH_MAX_CLAIMS];
	int n = bench_claims_eval(r, cl, BENCH_MAX_CLAIMS);

	(void)state;
	assert_true(n >= 16);
	for (int i = 0; i < n; i++)
		assert_true(cl[i].verdict == BENCH_HOLDS || cl[i].verdict == BENCH_CONTRADICTED ||
			    cl[i].verdict == BENCH_UNDECIDED);
	/* 4500 / 2500 = 1.8 on every trial */
	assert_int_equal(find_claim(cl, n, "signal.latency")->verdict, BENCH_HOLDS);
	assert_true(fabs(find_claim(cl, n, "signal.latency")->est.med - 1.8) < 1e-6);
	/* 0.88 */
	assert_int_equal(find_claim(cl, n, "eventfd.latency")->verdict, BENCH_HOLDS);
	/* signalfd 2600 / 2500 = 1.04: low holds */
	assert_int_equal(find_claim(cl, n, "signalfd.latency")->verdict, BENCH_HOLDS);
	/* across CPUs: eventfd/pipe wanders around 0.97 (noise in opposite
	 * directions): the interval stays below 1.2 */
	assert_int_equal(find_claim(cl, n, "eventfd.latency_cross")->verdict, BENCH_HOLDS);
	/* sigwait across CPUs: 23500/x / 20000x straddles 1.2 */
	assert_int_equal(find_claim(cl, n, "sigwait.latency_cross")->verdict, BENCH_UNDECIDED);
	/* throughput: signal 0.2x low, eventfd 2x high, signalfd 0.65x medium */
	assert_int_equal(find_claim(cl, n, "signal.throughput")->verdict, BENCH_HOLDS);
	assert_int_equal(find_claim(cl, n, "eventfd.throughput")->verdict, BENCH_HOLDS);
	assert_int_equal(find_claim(cl, n, "signalfd.throughput")->verdict, BENCH_HOLDS);
	assert_int_equal(find_claim(cl, n, "eventfd.recommended")->verdict, BENCH_HOLDS);
	/* timer 12 us against the paced pipe's 15 us: low */
	assert_int_equal(find_claim(cl, n, "timerfd.latency")->verdict, BENCH_HOLDS);
	assert_true(fabs(find_claim(cl, n, "timerfd.latency")->est.med - 0.8) < 1e-6);
	/* timer: 24 us p99 at a 1 ms period, nothing missed */
	assert_int_equal(find_claim(cl, n, "timerfd.recommended")->verdict, BENCH_HOLDS);
	/* nothing traced as a handler in the signalfd trials */
	assert_int_equal(find_claim(cl, n, "signalfd.recommended")->verdict, BENCH_HOLDS);
	/* complexity, derived syscalls: pipe 2 + 3 + 3 = 8; signal 1 + 3 + 6 =
	 * 10: high, not low; sigwait 7: medium; eventfd 8; signalfd 11 */
	assert_int_equal(find_claim(cl, n, "signal.complexity")->verdict, BENCH_CONTRADICTED);
	assert_int_equal(find_claim(cl, n, "eventfd.complexity")->verdict, BENCH_HOLDS);
	assert_int_equal(find_claim(cl, n, "signalfd.complexity")->verdict, BENCH_HOLDS);
	assert_int_equal(find_claim(cl, n, "sigwait.complexity")->verdict, BENCH_CONTRADICTED);
	assert_int_equal(find_claim(cl, n, "timerfd.complexity")->verdict, BENCH_HOLDS);
	/* signal 10 against the simplest other (8): not the simple one */
	assert_int_equal(find_claim(cl, n, "signal.recommended")->verdict, BENCH_CONTRADICTED);
	free(r);
}

static void test_claims_contradicted(void **state)
{
	struct bench_results *r = classic_machine(5);
	struct bench_claim_result cl[BENCH_MAX_CLAIMS];
	int n;

	(void)state;
	/* make the handler as fast as the pipe and the signalfd slow */
	for (int i = 0; i < 5; i++) {
		r->cell[EVT_KIND_SIGNAL][BENCH_SAME].t[i].st[EVT_STAGE_TOTAL].p50 =
			r->cell[EVT_KIND_PIPE][BENCH_SAME].t[i].st[EVT_STAGE_TOTAL].p50;
		r->cell[EVT_KIND_SIGNALFD][BENCH_SAME].t[i].st[EVT_STAGE_TOTAL].p50 *= 2;
		/* a handler ran in a signalfd trial */
		r->cell[EVT_KIND_SIGNALFD][BENCH_CROSS].t[i].other_events[EVT_KIND_SIGNAL] = i == 2;
		/* the timer misses 1% of its expirations */
		r->cell[EVT_KIND_TIMERFD][BENCH_TIMER].t[i].coalesced = 20;
	}
	n = bench_claims_eval(r, cl, BENCH_MAX_CLAIMS);
	assert_int_equal(find_claim(cl, n, "signal.latency")->verdict, BENCH_CONTRADICTED);
	assert_int_equal(find_claim(cl, n, "signalfd.latency")->verdict, BENCH_CONTRADICTED);
	assert_int_equal(find_claim(cl, n, "signalfd.recommended")->verdict, BENCH_CONTRADICTED);
	assert_int_equal(find_claim(cl, n, "timerfd.recommended")->verdict, BENCH_CONTRADICTED);
	free(r);
}

static void test_claims_too_few(void **state)
{
	struct bench_results *r = classic_machine(2);
	struct bench_claim_result cl[BENCH_MAX_CLAIMS];
	int n = bench_claims_eval(r, cl, BENCH_MAX_CLAIMS);

	(void)state;
	/* no verdict rests on fewer than 3 trials */
	for (int i = 0; i < n; i++)
		if (strcmp(cl[i].column, "complexity") && strcmp(cl[i].id, "signal.recommended") &&
		    strcmp(cl[i].id, "signalfd.recommended"))
			assert_int_equal(cl[i].verdict, BENCH_UNDECIDED);
	free(r);
}

static void test_claims_failed_trials(void **state)
{
	struct bench_results *r = classic_machine(5);
	struct bench_claim_result cl[BENCH_MAX_CLAIMS];
	int n;

	(void)state;
	/* three of five pipe trials failed: the paired ratios have 2 entries */
	for (int i = 0; i < 3; i++) {
		r->cell[EVT_KIND_PIPE][BENCH_SAME].t[i].status = -ETIMEDOUT;
		snprintf(r->cell[EVT_KIND_PIPE][BENCH_SAME].t[i].err, 64, "timeout");
	}
	n = bench_claims_eval(r, cl, BENCH_MAX_CLAIMS);
	assert_int_equal(find_claim(cl, n, "signal.latency")->est.n, 2);
	assert_int_equal(find_claim(cl, n, "signal.latency")->verdict, BENCH_UNDECIDED);
	free(r);
}

static void test_user_fallback(void **state)
{
	struct bench_results *r = classic_machine(5);
	struct bench_claim_result cl[BENCH_MAX_CLAIMS];
	int n;

	(void)state;
	/* the tracer saw no handler events: the user side decides, and says so */
	for (int i = 0; i < 5; i++) {
		r->cell[EVT_KIND_SIGNAL][BENCH_SAME].t[i].traced = false;
		memset(r->cell[EVT_KIND_SIGNAL][BENCH_SAME].t[i].st, 0,
		       sizeof(r->cell[EVT_KIND_SIGNAL][BENCH_SAME].t[i].st));
	}
	n = bench_claims_eval(r, cl, BENCH_MAX_CLAIMS);
	assert_int_equal(find_claim(cl, n, "signal.latency")->est.n, 5);
	assert_non_null(strstr(find_claim(cl, n, "signal.latency")->measured, "user-side"));
	free(r);
}

/* The mechanism table every program names the mechanisms by. */
static void test_mech_table(void **state)
{
	int classic = 0, baseline = 0;

	(void)state;
	for (int m = 0; m < MECH_COUNT; m++) {
		assert_non_null(mech_table[m].name);
		assert_non_null(mech_table[m].label);
		assert_int_equal(mech_from_name(mech_table[m].name, false), m);
		assert_int_equal(mech_from_name(mech_table[m].name, true), mech_traced(m) ? m : -1);
		classic += mech_table[m].classic;
		baseline += mech_table[m].baseline;
	}
	assert_int_equal(classic, 4);
	assert_int_equal(baseline, 1);
	assert_true(mech_table[EVT_KIND_PIPE].baseline);
	assert_false(mech_traced(MECH_DAEMON));
	assert_int_equal(mech_from_name("futex", false), -1);
	assert_int_equal(mech_from_name(NULL, false), -1);
	assert_null(mech_info(MECH_COUNT));
	assert_string_equal(mech_name(-1, "?"), "?");
	/* the bench's rows and claims print the labels, the JSON the names */
	assert_string_equal(evt_kind_name(EVT_KIND_SIGNAL), mech_table[MECH_SIGNAL].name);
	assert_string_equal(mech_table[EVT_KIND_SIGNAL].label, "signal (handler)");
}

static void test_dominant(void **state)
{
	struct bench_results *r = classic_machine(3);
	double share = 0;

	(void)state;
	assert_int_equal(bench_dominant_stage(r, EVT_KIND_EVENTFD, BENCH_SAME, &share), EVT_STAGE_WAKE);
	assert_true(fabs(share - 0.6) < 1e-6);
	assert_int_equal(bench_dominant_stage(r, EVT_KIND_EVENTFD, BENCH_FLOOD, &share), -1);
	free(r);
}

static void test_complexity(void **state)
{
	struct bench_results *r = results_new(3);
	struct bench_complexity c;

	(void)state;
	bench_complexity_of(r, EVT_KIND_SIGNALFD, &c);
	assert_false(c.per_event_measured);
	assert_int_equal(c.score, c.setup_calls + (int)lround(c.per_event) + c.nrules);
	r->sc[EVT_KIND_SIGNALFD].measured = true;
	r->sc[EVT_KIND_SIGNALFD].per_event = 4.4;
	bench_complexity_of(r, EVT_KIND_SIGNALFD, &c);
	assert_true(c.per_event_measured);
	assert_int_equal(c.score, 3 + 4 + 5);
	free(r);
}

/* --------------------------------------------------------- cross-check */

static void test_crosscheck(void **state)
{
	struct bench_results *r = classic_machine(5);
	struct bench_check ch[EVT_KIND_MAX * BENCH_NSCEN];
	int n, found = 0;

	(void)state;
	n = bench_crosscheck(r, ch, EVT_KIND_MAX * BENCH_NSCEN);
	/* 5 mechanisms x 2 latency scenarios + the timer + the paced pipe */
	assert_int_equal(n, 12);
	for (int i = 0; i < n; i++) {
		assert_true(ch[i].ok);
		assert_true(ch[i].k_p50.med <= ch[i].u_p50.med);
	}
	/* one impossible trial is flagged */
	r->cell[EVT_KIND_EVENTFD][BENCH_CROSS].t[3].user.p50 = 100;
	n = bench_crosscheck(r, ch, EVT_KIND_MAX * BENCH_NSCEN);
	for (int i = 0; i < n; i++) {
		if (ch[i].mech == EVT_KIND_EVENTFD && ch[i].scen == BENCH_CROSS) {
			assert_false(ch[i].ok);
			assert_int_equal(ch[i].violations, 1);
			found = 1;
		} else {
			assert_true(ch[i].ok);
		}
	}
	assert_true(found);
	free(r);
}

/* --------------------------------------------------------------- output */

static char *slurp(FILE *f)
{
	long len;
	char *buf;

	fflush(f);
	len = ftell(f);
	buf = calloc(1, (size_t)len + 1);
	rewind(f);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	return buf;
}

static void test_text(void **state)
{
	struct bench_results *r = classic_machine(5);
	FILE *f = tmpfile();
	char *s;

	(void)state;
	bench_print_text(f, r);
	s = slurp(f);
	if (getenv("BENCH_TEST_SHOW"))         /* to look at the layout */
		fputs(s, stdout);
	assert_non_null(strstr(s, "(1) The table as measured"));
	assert_non_null(strstr(s, "(2) Verdicts"));
	assert_non_null(strstr(s, "(3) Cross-check"));
	assert_non_null(strstr(s, "(4) Conditions"));
	assert_non_null(strstr(s, "signal (handler)"));
	assert_non_null(strstr(s, "pipe (baseline)"));
	assert_non_null(strstr(s, "not distinguishable"));
	assert_non_null(strstr(s, "6.18-test"));
	assert_null(strstr(s, "IMPOSSIBLE"));
	assert_null(strstr(s, "bpf_stats"));
	free(s);
	fclose(f);
	/* kernel.bpf_stats_enabled seen on: a condition of its own */
	r->sys.bpf_stats = true;
	f = tmpfile();
	bench_print_text(f, r);
	s = slurp(f);
	assert_non_null(strstr(s, "bpf_stats"));
	assert_non_null(strstr(s, "every BPF program run timed by the kernel"));
	free(s);
	fclose(f);
	free(r);
}

static void test_markdown_and_json(void **state)
{
	struct bench_results *r = classic_machine(5);
	char dir[] = "/tmp/bench_test.XXXXXX", md[128], js[128], err[256] = "";
	struct json_object *o, *rows, *claims, *check, *set, *v;
	FILE *f;
	char *s;
	int seen = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(md, sizeof(md), "%s/out.md", dir);
	snprintf(js, sizeof(js), "%s/out.json", dir);
	assert_int_equal(bench_write_markdown(r, md, err, sizeof(err)), 0);
	assert_int_equal(bench_write_json(r, js, err, sizeof(err)), 0);

	f = fopen(md, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	s = slurp(f);
	fclose(f);
	assert_non_null(strstr(s, "| mechanism | 1 CPU p50 |"));
	assert_non_null(strstr(s, "|---|---:|"));
	assert_non_null(strstr(s, "| signal (handler) |"));
	free(s);

	o = json_object_from_file(js);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "rows", &rows));
	assert_int_equal(json_object_array_length(rows), 6);
	assert_true(json_object_object_get_ex(o, "claims", &claims));
	for (size_t i = 0; i < json_object_array_length(claims); i++) {
		const char *verdict;

		assert_true(json_object_object_get_ex(json_object_array_get_idx(claims, i), "verdict", &v));
		verdict = json_object_get_string(v);
		assert_true(!strcmp(verdict, "holds") || !strcmp(verdict, "contradicted") ||
			    !strcmp(verdict, "not distinguishable"));
		seen++;
	}
	assert_true(seen >= 16);
	assert_true(json_object_object_get_ex(o, "crosscheck", &check));
	assert_int_equal(json_object_array_length(check), 12);
	assert_true(json_object_object_get_ex(o, "settings", &set));
	assert_true(json_object_object_get_ex(set, "policy", &v));
	assert_string_equal(json_object_get_string(v), "other");
	assert_true(json_object_object_get_ex(set, "trials", &v));
	assert_int_equal(json_object_get_int(v), 5);
	json_object_put(o);
	unlink(md);
	unlink(js);
	rmdir(dir);
	free(r);
}

static void test_write_errors(void **state)
{
	struct bench_results *r = results_new(3);
	char err[256] = "";

	(void)state;
	assert_true(bench_write_markdown(r, "/nonexistent/dir/x.md", err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "/nonexistent/dir/x.md"));
	err[0] = '\0';
	assert_true(bench_write_json(r, "/nonexistent/dir/x.json", err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "/nonexistent/dir/x.json"));
	free(r);
}

/* ---------------------------------------------------- evload's output */

static void test_parse_evload(void **state)
{
	struct bench_trial t;
	char err[256];

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(bench_parse_evload(
		"{\"mechanism\":\"eventfd\",\"sent\":100,\"received\":90,\"coalesced\":10,\"lost\":0,"
		"\"latency_ns\":{\"min\":1000,\"p50\":2000,\"p90\":3000,\"p99\":4000,\"p999\":5000,"
		"\"max\":6000,\"mean\":2100.5},\"throughput_eps\":1.5e6,"
		"\"cpu_ns_per_event\":{\"sender\":300,\"receiver\":400.5}}", &t, err, sizeof(err)), 0);
	assert_int_equal(t.sent, 100);
	assert_int_equal(t.coalesced, 10);
	assert_int_equal(t.user.count, 90);       /* no count: the deliveries */
	assert_int_equal(t.user.p99, 4000);
	assert_true(t.throughput_eps == 1.5e6);
	assert_true(t.cpu_ns_receiver == 400.5);

	memset(&t, 0, sizeof(t));
	assert_int_equal(bench_parse_evload("{\"sent\":1,\"received\":1,\"coalesced\":0,\"lost\":0,"
					    "\"latency_ns\":{\"count\":1,\"min\":1,\"p50\":1,\"p90\":1,"
					    "\"p99\":1,\"p999\":1,\"max\":1,\"mean\":1}}",
					    &t, err, sizeof(err)), 0);
	assert_int_equal(t.user.count, 1);
	assert_true(t.throughput_eps == 0);

	assert_int_equal(bench_parse_evload("not json", &t, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no JSON"));
	assert_int_equal(bench_parse_evload("{\"sent\":1}", &t, err, sizeof(err)), -EINVAL);
	assert_int_equal(bench_parse_evload("{\"sent\":1,\"received\":1,\"coalesced\":0,\"lost\":0,"
					    "\"latency_ns\":{\"p50\":1}}", &t, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "latency_ns"));
}

static void test_argv(void **state)
{
	struct bench_config cfg = { .interval_ns = 1000000, .flood_interval_ns = 2000 };
	char *argv[24], bufs[4][32], line[512] = "";
	int n;

	(void)state;
	snprintf(cfg.evload, sizeof(cfg.evload), "build/evload");
	snprintf(cfg.policy, sizeof(cfg.policy), "fifo:10");
	n = bench_evload_argv(&cfg, EVT_KIND_SIGNALFD, BENCH_CROSS, 500, argv, bufs);
	for (int i = 0; i < n; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s ", argv[i]);
	assert_string_equal(line, "build/evload signalfd --pattern pingpong --count 500 --cpu cross "
				  "--policy fifo:10 --json ");
	assert_null(argv[n]);
	line[0] = '\0';
	n = bench_evload_argv(&cfg, EVT_KIND_TIMERFD, BENCH_FLOOD, 20, argv, bufs);
	for (int i = 0; i < n; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s ", argv[i]);
	assert_string_equal(line, "build/evload timerfd --interval 2us --count 20 --cpu same "
				  "--policy fifo:10 --json ");
	line[0] = '\0';
	n = bench_evload_argv(&cfg, EVT_KIND_TIMERFD, BENCH_TIMER, 20, argv, bufs);
	assert_string_equal(argv[3], "1ms");
}

/* ------------------------------------------------ trials, fake evload */

static char fake_dir[64];

static const char *fake_evload(const char *name, const char *body)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fake_dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path, 0755);
	return path;
}

static int fake_setup(void **state)
{
	(void)state;
	snprintf(fake_dir, sizeof(fake_dir), "/tmp/bench_fake.XXXXXX");
	return mkdtemp(fake_dir) ? 0 : -1;
}

static int fake_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fake_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_trial_fake(void **state)
{
	struct bench_config cfg = { .trials = 1, .timeout_s = 5, .no_trace = true,
				    .interval_ns = 1000000, .flood_interval_ns = 2000 };
	struct bench_session *sess = NULL;
	struct bench_trial t;
	char err[256] = "";

	(void)state;
	for (int s = 0; s < BENCH_NSCEN; s++)
		cfg.count[s] = 10;
	snprintf(cfg.policy, sizeof(cfg.policy), "other");
	assert_int_equal(bench_session_open(&cfg, &sess, err, sizeof(err)), 0);

	/* echoes its arguments into the JSON so the test sees them */
	snprintf(cfg.evload, sizeof(cfg.evload), "%s",
		 fake_evload("ok", "printf '{\"args\":\"%s\",\"sent\":20,\"received\":20,\"coalesced\":0,"
				   "\"lost\":0,\"latency_ns\":{\"min\":1,\"p50\":2,\"p90\":3,\"p99\":4,"
				   "\"p999\":5,\"max\":6,\"mean\":2.5}}' \"$*\""));
	bench_run_trial(sess, EVT_KIND_EVENTFD, BENCH_SAME, &t);
	assert_int_equal(t.status, 0);
	assert_int_equal(t.sent, 20);
	assert_int_equal(t.user.p50, 2);
	assert_false(t.traced);

	/* a failing evload: its last stderr line is the reason */
	snprintf(cfg.evload, sizeof(cfg.evload), "%s",
		 fake_evload("fail", "echo 'evload: SCHED_FIFO refused' >&2; exit 1"));
	bench_run_trial(sess, EVT_KIND_EVENTFD, BENCH_SAME, &t);
	assert_int_not_equal(t.status, 0);
	assert_non_null(strstr(t.err, "SCHED_FIFO refused"));

	/* a hanging evload is killed at the timeout */
	cfg.timeout_s = 1;
	snprintf(cfg.evload, sizeof(cfg.evload), "%s", fake_evload("hang", "exec sleep 30"));
	bench_run_trial(sess, EVT_KIND_EVENTFD, BENCH_SAME, &t);
	assert_int_equal(t.status, -ETIMEDOUT);
	assert_true(t.wall_s < 5);

	/* garbage on stdout; then a good run again: nothing left from before */
	snprintf(cfg.evload, sizeof(cfg.evload), "%s", fake_evload("garbage", "echo hello"));
	bench_run_trial(sess, EVT_KIND_EVENTFD, BENCH_SAME, &t);
	assert_int_equal(t.status, -EINVAL);
	snprintf(cfg.evload, sizeof(cfg.evload), "%s/ok", fake_dir);
	bench_run_trial(sess, EVT_KIND_EVENTFD, BENCH_SAME, &t);
	assert_int_equal(t.status, 0);

	/* not executable */
	snprintf(cfg.evload, sizeof(cfg.evload), "%s/missing", fake_dir);
	bench_run_trial(sess, EVT_KIND_EVENTFD, BENCH_SAME, &t);
	assert_int_not_equal(t.status, 0);
	assert_non_null(strstr(t.err, "cannot execute"));
	bench_session_close(sess);

	/* traced: the tracer stub refuses, the session says why */
	cfg.no_trace = false;
	assert_int_not_equal(bench_session_open(&cfg, &sess, err, sizeof(err)), 0);
	assert_null(sess);
	assert_non_null(strstr(err, "no tracer"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coverage),
		cmocka_unit_test(test_est),
		cmocka_unit_test(test_ratio),
		cmocka_unit_test(test_band),
		cmocka_unit_test(test_claims_classic),
		cmocka_unit_test(test_claims_contradicted),
		cmocka_unit_test(test_claims_too_few),
		cmocka_unit_test(test_claims_failed_trials),
		cmocka_unit_test(test_user_fallback),
		cmocka_unit_test(test_mech_table),
		cmocka_unit_test(test_dominant),
		cmocka_unit_test(test_complexity),
		cmocka_unit_test(test_crosscheck),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_markdown_and_json),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_parse_evload),
		cmocka_unit_test(test_argv),
		cmocka_unit_test_setup_teardown(test_trial_fake, fake_setup, fake_teardown),
	};

	return cmocka_run_group_tests_name("bench", tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/*
 * The evtrace report (tools/tracer/report.c) from known data, no BPF: summaries and
 * percentiles, the text report, the JSON shape, the JSON round trip, merging
 * interval reports, and the rejection of malformed JSON.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "report.h"
#include "textesc.h"

static char tmpdir[] = "/tmp/evtrace-cli-test.XXXXXX";

static struct evtrace_report *new_report(void)
{
	struct evtrace_report *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	return r;
}

/* A report with known contents: eventfd with 1000 events whose totals are
 * 1000..1999 ns, timerfd with a few, pipe with only lost events. */
static struct evtrace_report *known_report(void)
{
	struct evtrace_report *r = new_report();
	struct evtrace_kind_report *e = &r->kind[EVT_KIND_EVENTFD];
	struct evtrace_kind_report *t = &r->kind[EVT_KIND_TIMERFD];

	snprintf(r->settings.mode, sizeof(r->settings.mode), "run");
	snprintf(r->settings.command, sizeof(r->settings.command), "build/evload eventfd --count 500");
	r->settings.pid = 4242;
	r->settings.duration_s = 1.25;
	snprintf(r->settings.kernel, sizeof(r->settings.kernel), "6.18.0-test #1 SMP");
	snprintf(r->settings.cpu_model, sizeof(r->settings.cpu_model), "Test CPU \"quoted\" @ 2GHz");
	r->settings.ncpus = 2;
	r->settings.virtualised = true;
	snprintf(r->settings.hypervisor, sizeof(r->settings.hypervisor), "KVM");
	snprintf(r->settings.attach_mode, sizeof(r->settings.attach_mode), "tp_btf");
	r->settings.usdt = true;
	r->ringbuf_records = 1000;
	r->ringbuf_dropped = 7;
	r->missed_runs = 9;

	e->counters[EVT_CNT_EVENTS] = 1000;
	e->counters[EVT_CNT_COALESCED] = 5;
	e->counters[EVT_CNT_LOST] = 2;
	e->counters[EVT_CNT_UNMATCHED] = 3;
	e->counters[EVT_CNT_WAKE_SAME] = 900;
	e->counters[EVT_CNT_WAKE_CROSS] = 60;
	e->counters[EVT_CNT_WAKE_NONE] = 40;
	e->counters[EVT_CNT_SENDS] = 1005;
	for (int s = 0; s < EVT_STAGE_MAX; s++)
		hist_init(&e->hist[s]);
	for (uint64_t i = 0; i < 1000; i++) {
		hist_add(&e->hist[EVT_STAGE_TOTAL], 1000 + i);
		hist_add(&e->hist[EVT_STAGE_SEND], 200 + i % 100);
		hist_add(&e->hist[EVT_STAGE_WAKE], 500 + i % 300);
		hist_add(&e->hist[EVT_STAGE_RETURN], 300);
		hist_add(&e->hist[EVT_STAGE_DISPATCH], 50);
		hist_add(&e->hist[EVT_STAGE_SENDER], 400 + i);
	}

	t->counters[EVT_CNT_EVENTS] = 3;
	t->counters[EVT_CNT_COALESCED] = 1;
	t->counters[EVT_CNT_WAKE_SAME] = 3;
	hist_add(&t->hist[EVT_STAGE_TOTAL], 12000);
	hist_add(&t->hist[EVT_STAGE_TOTAL], 15000);
	hist_add(&t->hist[EVT_STAGE_TOTAL], 2000000);
	hist_add(&t->hist[EVT_STAGE_TIMER_LATE], 9000);

	r->kind[EVT_KIND_PIPE].counters[EVT_CNT_LOST] = 4;
	report_summarize(r);
	return r;
}

static char *render_in(const struct evtrace_report *r, enum report_unit u)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	report_print_text_unit(f, r, u);
	fclose(f);
	return buf;
}

/* exact ns: the numbers can be compared with the summaries */
static char *render(const struct evtrace_report *r)
{
	return render_in(r, REPORT_UNIT_NS);
}

static void tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* ---------------------------------------------------------------- tests */

static void test_names(void **state)
{
	(void)state;
	for (int k = 0; k < EVT_KIND_MAX; k++)
		assert_int_equal(evt_kind_from_name(evt_kind_name(k)), k);
	for (int s = 0; s < EVT_STAGE_MAX; s++)
		assert_int_equal(evt_stage_from_name(evt_stage_name(s)), s);
	assert_string_equal(evt_kind_name(EVT_KIND_EVENTFD), "eventfd");
	assert_string_equal(evt_kind_name(EVT_KIND_SIGWAIT), "sigwait");
	assert_string_equal(evt_stage_name(EVT_STAGE_SENDER), "sender_cost");
	assert_string_equal(evt_stage_name(EVT_STAGE_TIMER_LATE), "timer_late");
	assert_int_equal(evt_kind_from_name("futex"), -EINVAL);
	assert_int_equal(evt_kind_from_name(NULL), -EINVAL);
	assert_string_equal(evt_kind_name(EVT_KIND_MAX), "unknown");
}

static void test_percentiles(void **state)
{
	struct evtrace_report *r = known_report();
	const struct hist_summary *s = &r->kind[EVT_KIND_EVENTFD].sum[EVT_STAGE_TOTAL];

	(void)state;
	assert_int_equal(s->count, 1000);
	assert_int_equal(s->min, 1000);
	assert_int_equal(s->max, 1999);
	assert_true(s->mean > 1499.0 && s->mean < 1500.0);
	/* bucket width here is 32 ns: the midpoint is within 16 ns of the truth */
	assert_in_range(s->p50, 1499 - 16, 1499 + 16);
	assert_in_range(s->p90, 1899 - 16, 1899 + 16);
	assert_in_range(s->p99, 1989 - 16, 1999);
	assert_in_range(s->p999, 1998 - 16, 1999);
	assert_true(s->p50 <= s->p90 && s->p90 <= s->p99 && s->p99 <= s->p999);
	/* a constant: every percentile is the value itself */
	s = &r->kind[EVT_KIND_EVENTFD].sum[EVT_STAGE_RETURN];
	assert_int_equal(s->p50, 300);
	assert_int_equal(s->p999, 300);
	/* an empty stage stays empty */
	s = &r->kind[EVT_KIND_SIGNAL].sum[EVT_STAGE_TOTAL];
	assert_int_equal(s->count, 0);
	assert_int_equal(s->p50, 0);
	free(r);
}

static void test_text(void **state)
{
	struct evtrace_report *r = known_report();
	char *t = render(r);

	(void)state;
	/* settings */
	assert_non_null(strstr(t, "build/evload eventfd --count 500"));
	assert_non_null(strstr(t, "4242 (run:"));
	assert_non_null(strstr(t, "1.250 s"));
	assert_non_null(strstr(t, "6.18.0-test"));
	assert_non_null(strstr(t, "2 CPUs"));
	assert_non_null(strstr(t, "yes (KVM)"));
	assert_non_null(strstr(t, "tp_btf"));
	assert_non_null(strstr(t, "1000 records, 7 dropped"));
	assert_non_null(strstr(t, "missed runs   9  <- BPF runs skipped"));
	/* counts, never hidden */
	assert_non_null(strstr(t, "\neventfd\n"));
	assert_non_null(strstr(t, "events 1000, coalesced 5, lost 2, unmatched 3, sends seen 1005"));
	assert_non_null(strstr(t, "same CPU 900, cross CPU 60, none needed 40"));
	/* a kind with lost events only is shown */
	assert_non_null(strstr(t, "\npipe\n"));
	assert_non_null(strstr(t, "events 0, coalesced 0, lost 4"));
	/* kinds with nothing are not */
	assert_null(strstr(t, "\nsignal\n"));
	assert_null(strstr(t, "\nsignalfd\n"));
	/* the table */
	assert_non_null(strstr(t, "p99.9"));
	assert_non_null(strstr(t, "  send  "));
	assert_non_null(strstr(t, "  sender cost "));
	assert_non_null(strstr(t, "  total           "));
	{
		unsigned long long v[8];
		char *row = strstr(t, "\n  return ");

		assert_non_null(row);
		assert_int_equal(sscanf(row, " return %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
					&v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]), 8);
		assert_int_equal(v[0], 1000);
		for (int i = 1; i < 8; i++)
			assert_int_equal(v[i], 300);
	}
	{
		const struct hist_summary *h = &r->kind[EVT_KIND_EVENTFD].sum[EVT_STAGE_TOTAL];
		unsigned long long v[7];
		char *row = strstr(strstr(t, "\neventfd\n"), "\n  total ");

		assert_non_null(row);
		assert_int_equal(sscanf(row, " total %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
					&v[2], &v[3], &v[4], &v[5], &v[6]), 7);
		assert_int_equal(v[0], h->count);
		assert_int_equal(v[1], h->min);
		assert_int_equal(v[2], h->p50);
		assert_int_equal(v[3], h->p90);
		assert_int_equal(v[4], h->p99);
		assert_int_equal(v[5], h->p999);
		assert_int_equal(v[6], h->max);
		assert_true(h->p90 != h->p99 && h->p50 != h->p90);
	}
	/* timer lateness: timerfd only (eventfd's section comes before timerfd's) */
	assert_true(strstr(strstr(t, "\neventfd\n"), "timer lateness") > strstr(t, "\ntimerfd\n"));
	/* bars of the total: 1000..1999 is the 1024 -> 2047 row (and 1000 in 512..1023) */
	assert_non_null(strstr(t, "total (ns)"));
	assert_non_null(strstr(t, "1024 -> 2047"));
	assert_non_null(strstr(t, "|****************************************|"));
	free(t);
	free(r);
}

/* The stage table's units: by default each number in its own (830ns,
 * 4.52us, 1.20ms), -u and -m fixed; the JSON's ns never change. */
static void test_text_units(void **state)
{
	struct evtrace_report *r = calloc(1, sizeof(*r));
	struct loghist *h;
	char *t, *row;

	(void)state;
	assert_non_null(r);
	h = &r->kind[EVT_KIND_EVENTFD].hist[EVT_STAGE_TOTAL];
	hist_add(h, 830);
	hist_add(h, 4520);
	hist_add(h, 1200000);
	r->kind[EVT_KIND_EVENTFD].counters[EVT_CNT_EVENTS] = 3;
	report_summarize(r);

	t = render_in(r, REPORT_UNIT_HUMAN);
	row = strstr(strstr(t, "\neventfd\n"), "\n  total ");
	assert_non_null(row);
	assert_non_null(strstr(row, "ns "));
	assert_non_null(strstr(row, "us "));
	assert_non_null(strstr(row, "ms "));
	assert_non_null(strstr(t, "  stage    "));
	free(t);
	/* report_print_text is the human form */
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		report_print_text(f, r);
		fclose(f);
		t = render_in(r, REPORT_UNIT_HUMAN);
		assert_string_equal(buf, t);
		free(buf);
		free(t);
	}
	t = render_in(r, REPORT_UNIT_US);
	assert_non_null(strstr(t, "stage (us)"));
	row = strstr(strstr(t, "\neventfd\n"), "\n  total ");
	{
		char lab[16];
		unsigned long long n;
		double min, p50;

		assert_int_equal(sscanf(row, " %15s %llu %lf %lf", lab, &n, &min, &p50), 4);
		assert_int_equal(n, 3);
		assert_true(min > 0.7 && min < 0.9);     /* 830 ns, within a bucket */
		assert_true(p50 > 4.3 && p50 < 4.7);
	}
	free(t);
	t = render_in(r, REPORT_UNIT_MS);
	assert_non_null(strstr(t, "stage (ms)"));
	free(t);
	free(r);
}

static void test_text_empty(void **state)
{
	struct evtrace_report *r = new_report();
	char *t;

	(void)state;
	t = render(r);
	assert_non_null(strstr(t, "no events of any traced kind were seen"));
	assert_non_null(strstr(t, "0 records, 0 dropped"));
	free(t);
	free(r);
}

static struct json_object *path_get(struct json_object *o, const char *a, const char *b,
				    const char *c)
{
	const char *keys[] = { a, b, c };

	for (int i = 0; i < 3 && keys[i]; i++) {
		struct json_object *v;

		if (!json_object_object_get_ex(o, keys[i], &v))
			return NULL;
		o = v;
	}
	return o;
}

static void test_json_shape(void **state)
{
	static const char *const hkeys[] = { "count", "min", "p50", "p90", "p99", "p999", "max", "mean" };
	static const char *const stages[] = { "send", "wake", "return", "dispatch", "total" };
	struct evtrace_report *r = known_report();
	struct json_object *o = report_to_json(r), *m, *v;

	(void)state;
	assert_non_null(path_get(o, "settings", "mode", NULL));
	assert_string_equal(json_object_get_string(path_get(o, "settings", "command", NULL)),
			    "build/evload eventfd --count 500");
	assert_int_equal(json_object_get_int(path_get(o, "settings", "pid", NULL)), 4242);
	assert_true(json_object_get_boolean(path_get(o, "settings", "virtualised", NULL)));
	assert_false(json_object_get_boolean(path_get(o, "settings", "bpf_stats_enabled", NULL)));
	assert_non_null(path_get(o, "settings", "bpf_stats_enabled", NULL));
	m = path_get(o, "mechanisms", "eventfd", NULL);
	assert_non_null(m);
	assert_int_equal(json_object_get_int64(path_get(m, "events", NULL, NULL)), 1000);
	assert_int_equal(json_object_get_int64(path_get(m, "lost", NULL, NULL)), 2);
	assert_int_equal(json_object_get_int64(path_get(m, "unmatched", NULL, NULL)), 3);
	assert_int_equal(json_object_get_int64(path_get(m, "coalesced", NULL, NULL)), 5);
	assert_int_equal(json_object_get_int64(path_get(m, "wakes", "same_cpu", NULL)), 900);
	assert_int_equal(json_object_get_int64(path_get(m, "wakes", "cross_cpu", NULL)), 60);
	assert_int_equal(json_object_get_int64(path_get(m, "wakes", "none", NULL)), 40);
	for (size_t s = 0; s < sizeof(stages) / sizeof(stages[0]); s++)
		for (size_t k = 0; k < sizeof(hkeys) / sizeof(hkeys[0]); k++)
			assert_non_null(path_get(m, "stages", stages[s], hkeys[k]));
	for (size_t k = 0; k < sizeof(hkeys) / sizeof(hkeys[0]); k++)
		assert_non_null(path_get(m, "sender_cost", hkeys[k], NULL));
	assert_int_equal(json_object_get_int64(path_get(m, "stages", "total", "min")), 1000);
	assert_int_equal(json_object_get_int64(path_get(m, "stages", "total", "max")), 1999);
	assert_int_equal(json_object_get_int64(path_get(m, "sender_cost", "count", NULL)), 1000);
	v = path_get(m, "total_buckets", NULL, NULL);
	assert_true(v && json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0);
	/* only kinds with something to say */
	assert_non_null(path_get(o, "mechanisms", "pipe", NULL));
	assert_null(path_get(o, "mechanisms", "signal", NULL));
	assert_int_equal(json_object_get_int64(path_get(o, "ringbuf", "dropped", NULL)), 7);
	assert_int_equal(json_object_get_int64(path_get(o, "ringbuf", "records", NULL)), 1000);
	assert_int_equal(json_object_get_int64(path_get(o, "tracer", "missed_runs", NULL)), 9);
	json_object_put(o);
	free(r);
}

static void test_round_trip(void **state)
{
	struct evtrace_report *r = known_report(), *back = new_report();
	char path[128], err[256] = "";
	char *t1, *t2;

	(void)state;
	tmp_path(path, sizeof(path), "round.json");
	assert_int_equal(report_write_json(r, path, err, sizeof(err)), 0);
	assert_int_equal(report_read_json(back, path, err, sizeof(err)), 0);
	assert_true(back->from_json);
	assert_string_equal(back->settings.command, r->settings.command);
	assert_string_equal(back->settings.cpu_model, r->settings.cpu_model);
	assert_string_equal(back->settings.hypervisor, "KVM");
	assert_int_equal(back->settings.pid, 4242);
	assert_true(back->settings.usdt);
	assert_false(back->settings.bpf_stats);
	assert_true(back->settings.duration_s == 1.25);
	assert_int_equal(back->ringbuf_dropped, 7);
	assert_int_equal(back->missed_runs, 9);
	for (int k = 0; k < EVT_KIND_MAX; k++) {
		assert_memory_equal(back->kind[k].counters, r->kind[k].counters,
				    sizeof(r->kind[k].counters));
		for (int s = 0; s < EVT_STAGE_MAX; s++) {
			const struct hist_summary *a = &r->kind[k].sum[s], *b = &back->kind[k].sum[s];

			assert_int_equal(a->count, b->count);
			assert_int_equal(a->min, b->min);
			assert_int_equal(a->p50, b->p50);
			assert_int_equal(a->p90, b->p90);
			assert_int_equal(a->p99, b->p99);
			assert_int_equal(a->p999, b->p999);
			assert_int_equal(a->max, b->max);
			assert_true(a->mean - b->mean < 1e-6 && b->mean - a->mean < 1e-6);
		}
		/* the total's buckets come back, so the bars do */
		assert_memory_equal(back->kind[k].hist[EVT_STAGE_TOTAL].counts,
				    r->kind[k].hist[EVT_STAGE_TOTAL].counts,
				    sizeof(r->kind[k].hist[EVT_STAGE_TOTAL].counts));
	}
	/* summarizing a read-back report keeps its summaries */
	report_summarize(back);
	assert_int_equal(back->kind[EVT_KIND_EVENTFD].sum[EVT_STAGE_SEND].count, 1000);
	/* and the text is the same */
	t1 = render(r);
	t2 = render(back);
	assert_string_equal(t1, t2);
	free(t1);
	free(t2);
	unlink(path);
	free(back);
	free(r);
}

/* A report saved without buckets renders from summaries and says so. */
static void test_summaries_only(void **state)
{
	struct evtrace_report *r = known_report(), *back = new_report();
	struct json_object *o = report_to_json(r);
	char path[128], err[256] = "";
	char *t;

	(void)state;
	json_object_object_del(json_object_object_get(json_object_object_get(o, "mechanisms"),
						      "eventfd"), "total_buckets");
	tmp_path(path, sizeof(path), "summaries.json");
	write_file(path, json_object_to_json_string(o));
	assert_int_equal(report_read_json(back, path, err, sizeof(err)), 0);
	t = render(back);
	assert_non_null(strstr(t, "only the summaries"));
	assert_non_null(strstr(t, "events 1000, coalesced 5, lost 2, unmatched 3"));
	free(t);
	json_object_put(o);
	unlink(path);
	free(back);
	free(r);
}

/* settings.bpf_stats_enabled: written, read back; absent (a file from
 * before it existed): false */
static void test_bpf_stats_setting(void **state)
{
	static const char old[] = "{\"settings\": {\"mode\": \"run\"}, \"mechanisms\": {}}";
	struct evtrace_report *r = known_report(), *back = new_report();
	char path[128], err[256] = "";

	(void)state;
	r->settings.bpf_stats = true;
	tmp_path(path, sizeof(path), "stats.json");
	assert_int_equal(report_write_json(r, path, err, sizeof(err)), 0);
	assert_int_equal(report_read_json(back, path, err, sizeof(err)), 0);
	assert_true(back->settings.bpf_stats);
	back->settings.bpf_stats = true;
	assert_int_equal(report_read_json_buf(back, "old", old, strlen(old), err, sizeof(err)), 0);
	assert_false(back->settings.bpf_stats);
	unlink(path);
	free(r);
	free(back);
}

static void test_merge(void **state)
{
	struct evtrace_report *a = known_report(), *b = known_report(), *sum = new_report();
	const struct hist_summary *s;

	(void)state;
	b->settings.bpf_stats = true; /* on in the second part only: on in the whole */
	report_merge(sum, a);
	report_merge(sum, b);
	assert_true(sum->settings.bpf_stats);
	assert_int_equal(sum->kind[EVT_KIND_EVENTFD].counters[EVT_CNT_EVENTS], 2000);
	assert_int_equal(sum->kind[EVT_KIND_PIPE].counters[EVT_CNT_LOST], 8);
	assert_int_equal(sum->ringbuf_dropped, 14);
	assert_int_equal(sum->missed_runs, 18);
	assert_true(sum->settings.duration_s == 2.5);
	s = &sum->kind[EVT_KIND_EVENTFD].sum[EVT_STAGE_TOTAL];
	assert_int_equal(s->count, 2000);
	assert_int_equal(s->min, 1000);
	assert_int_equal(s->max, 1999);
	assert_int_equal(s->p50, a->kind[EVT_KIND_EVENTFD].sum[EVT_STAGE_TOTAL].p50);
	free(a);
	free(b);
	free(sum);
}

/* Interval reports: the difference of two cumulative collections. */
static void test_diff(void **state)
{
	struct evtrace_report *prev = known_report(), *cum = known_report(), *part = new_report();
	struct evtrace_kind_report *e = &cum->kind[EVT_KIND_EVENTFD];
	const struct hist_summary *s;

	(void)state;
	/* 100 more events, all between 5000 and 5999 ns */
	for (uint64_t i = 0; i < 100; i++)
		hist_add(&e->hist[EVT_STAGE_TOTAL], 5000 + i * 10);
	e->counters[EVT_CNT_EVENTS] += 100;
	e->counters[EVT_CNT_LOST] += 1;
	cum->ringbuf_records += 100;
	cum->missed_runs += 2;
	report_summarize(cum);
	report_diff(part, cum, prev);
	assert_int_equal(part->kind[EVT_KIND_EVENTFD].counters[EVT_CNT_EVENTS], 100);
	assert_int_equal(part->kind[EVT_KIND_EVENTFD].counters[EVT_CNT_LOST], 1);
	assert_int_equal(part->kind[EVT_KIND_EVENTFD].counters[EVT_CNT_COALESCED], 0);
	assert_int_equal(part->kind[EVT_KIND_PIPE].counters[EVT_CNT_LOST], 0);
	assert_int_equal(part->ringbuf_records, 100);
	assert_int_equal(part->ringbuf_dropped, 0);
	assert_int_equal(part->missed_runs, 2);
	s = &part->kind[EVT_KIND_EVENTFD].sum[EVT_STAGE_TOTAL];
	assert_int_equal(s->count, 100);
	/* extremes within a bucket (width 128 here) of the truth */
	assert_in_range(s->min, 5000 - 128, 5000);
	assert_in_range(s->max, 5990, 5990 + 128);
	assert_true(s->mean > 5494.0 && s->mean < 5496.0);
	assert_in_range(s->p50, 5490 - 128, 5490 + 128);
	/* stages with nothing new are empty */
	assert_int_equal(part->kind[EVT_KIND_EVENTFD].sum[EVT_STAGE_SEND].count, 0);
	assert_false(report_kind_active(part, EVT_KIND_TIMERFD));
	free(prev);
	free(cum);
	free(part);
}

/* Each malformed document is rejected with one line naming the file. */
static void test_malformed(void **state)
{
	static const struct {
		const char *doc, *expect;
	} bad[] = {
		{ "", "empty" },
		{ "   \n", "empty" },
		{ "{", "invalid JSON" },
		{ "{\"settings\": {}, \"mechanisms\": {}} trailing", "trailing" },
		{ "[1, 2]", "not an evtrace report" },
		{ "{}", "\"settings\"" },
		{ "{\"settings\": {}}", "\"mechanisms\"" },
		{ "{\"settings\": [], \"mechanisms\": {}}", "\"settings\"" },
		{ "{\"format\": 99, \"settings\": {}, \"mechanisms\": {}}", "format 99" },
		{ "{\"settings\": {\"pid\": \"x\"}, \"mechanisms\": {}}", "settings.pid" },
		{ "{\"settings\": {\"virtualised\": 1}, \"mechanisms\": {}}", "settings.virtualised" },
		{ "{\"settings\": {\"bpf_stats_enabled\": 1}, \"mechanisms\": {}}", "settings.bpf_stats_enabled" },
		{ "{\"settings\": {}, \"mechanisms\": {\"futex\": {}}}", "unknown mechanism" },
		{ "{\"settings\": {}, \"mechanisms\": {\"eventfd\": 3}}", "not an object" },
		{ "{\"settings\": {}, \"mechanisms\": {\"eventfd\": {}}}", "missing \"events\"" },
		{ "{\"settings\": {}, \"ringbuf\": 1, \"mechanisms\": {}}", "ringbuf" },
		{ "{\"settings\": {}, \"tracer\": {\"missed_runs\": -1}, \"mechanisms\": {}}", "tracer.missed_runs" },
		/* hostile numbers: one line naming the key, never clamped */
		{ "{\"format\": 0, \"settings\": {}, \"mechanisms\": {}}", "format 0" },
		{ "{\"settings\": {\"duration_s\": NaN}, \"mechanisms\": {}}", "settings.duration_s: NaN is not a finite" },
		{ "{\"settings\": {\"duration_s\": -Infinity}, \"mechanisms\": {}}", "settings.duration_s: -Infinity is not a finite" },
		{ "{\"settings\": {\"duration_s\": -0.5}, \"mechanisms\": {}}", "settings.duration_s: negative" },
		{ "{\"settings\": {\"duration_s\": 1e308}, \"mechanisms\": {}}", "settings.duration_s: 1e308 is not a duration" },
		{ "{\"settings\": {\"pid\": 9223372036854775808}, \"mechanisms\": {}}", "settings.pid: not a PID" },
		{ "{\"settings\": {\"command\": \"ls\\u0000rm\"}, \"mechanisms\": {}}", "settings.command: holds a NUL" },
		{ "{\"settings\": {}, \"ringbuf\": {\"records\": 9223372036854775808, \"dropped\": 0}, "
		  "\"mechanisms\": {}}", "ringbuf.records: 9223372036854775808 does not fit" },
		{ "{\"settings\": {}, \"ringbuf\": {\"records\": 1, \"dropped\": 99999999999999999999}, "
		  "\"mechanisms\": {}}", "ringbuf.dropped: 18446744073709551615 does not fit" },
		{ "{\"settings\": {}, \"mechanisms\": {}, \"x\": [1,]}", "invalid JSON" },
		{ "{\"settings\": {}, \"mechanisms\": {\"evil\\u001b[2J\\n\": {}}}",
		  "mechanisms.evil\\x1b[2J\\x0a: unknown mechanism" },
	};
	char path[128], err[256];

	(void)state;
	tmp_path(path, sizeof(path), "bad.json");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct evtrace_report *r = new_report();
		int ret;

		write_file(path, bad[i].doc);
		err[0] = '\0';
		ret = report_read_json(r, path, err, sizeof(err));
		if (ret != -EINVAL || !strstr(err, bad[i].expect))
			fail_msg("document %zu (%s): ret %d, err '%s', expected '%s'", i, bad[i].doc,
				 ret, err, bad[i].expect);
		assert_non_null(strstr(err, path));
		assert_null(strchr(err, '\n'));
		free(r);
	}
	unlink(path);
}

/* Valid JSON whose mechanism is damaged in one place at a time. */
static void test_malformed_mechanism(void **state)
{
	static const struct {
		const char *a, *b, *c; /* path under mechanisms.eventfd */
		const char *value;     /* JSON to put there, NULL to delete */
		const char *expect;
	} cases[] = {
		{ "events", NULL, NULL, "-1", "events: not a non-negative integer" },
		{ "coalesced", NULL, NULL, "\"5\"", "coalesced: not a non-negative integer" },
		{ "lost", NULL, NULL, NULL, "missing \"lost\"" },
		{ "stages", NULL, NULL, "[]", "stages: missing or not an object" },
		{ "stages", "wake", NULL, NULL, "stages.wake: missing" },
		{ "stages", "total", "p999", NULL, "missing \"p999\"" },
		{ "stages", "total", "mean", "\"x\"", "mean" },
		{ "stages", "total", "p50", "5000", "percentiles out of order" },
		{ "stages", "total", "max", "1990", "percentiles out of order" },
		{ "stages", "wake", "min", "900", "percentiles out of order" },
		{ "stages", "send", "min", "1.5", "send.min: not a non-negative integer" },
		{ "sender_cost", NULL, NULL, NULL, "sender_cost: missing" },
		{ "wakes", "none", NULL, NULL, "missing \"none\"" },
		{ "wakes", NULL, NULL, "7", "wakes: missing or not an object" },
		{ "total_buckets", NULL, NULL, "[[992, 1]]", "values, but stages.total.count" },
		{ "total_buckets", NULL, NULL, "[[1000]]", "not a [low_ns, count] pair" },
		{ "total_buckets", NULL, NULL, "{}", "total_buckets: not an array" },
		/* hostile numbers: each is an error naming its key (no UB, no clamp) */
		{ "stages", "total", "mean", "1e308", "stages.total.mean: 1e308 is not a value in ns" },
		{ "stages", "total", "mean", "NaN", "stages.total.mean: NaN is not a finite number" },
		{ "stages", "total", "mean", "Infinity", "stages.total.mean: Infinity is not a finite" },
		{ "stages", "total", "mean", "-1.5", "stages.total.mean: negative" },
		{ "stages", "total", "mean", "2500.5", "stages.total.mean: 2500.5 is outside [min, max]" },
		{ "stages", "total", "mean", "999", "stages.total.mean: 999 is outside [min, max]" },
		{ "stages", "send", "count", "9223372036854775808", "stages.send.count: 9223372036854775808 does not fit" },
		{ "stages", "send", "max", "18446744073709551616", "stages.send.max: 18446744073709551615 does not fit" },
		{ "stages", "send", "p99", "-9223372036854775809", "stages.send.p99: not a non-negative" },
		{ "events", NULL, NULL, "9223372036854775808", "events: 9223372036854775808 does not fit" },
		{ "wakes", "none", NULL, "-3", "wakes.none: not a non-negative integer" },
		{ "stages", "total", "p50", "999", "stages.total.p50: 999 is below min 1000: percentiles out of order" },
		{ "stages", "total", "p999", "2100", "stages.total.max: 1999 is below p999 2100" },
		{ "stages", "timer_late", "max", "7", "stages.timer_late.max: 7, but count is 0" },
		{ "stages", "timer_late", "mean", "0.5", "stages.timer_late.mean: 0.5, but count is 0" },
		/* the counts wrap to exactly stages.total.count past 2^64 */
		{ "total_buckets", NULL, NULL,
		  "[[992, 9223372036854775807], [1024, 9223372036854775807], [1984, 1002]]",
		  "total_buckets: the counts add up past 2^64" },
		{ "total_buckets", NULL, NULL, "[[1024, 500], [992, 500]]",
		  "total_buckets[1]: low 992 ns not above the previous bucket's" },
		{ "total_buckets", NULL, NULL, "[[992, 500], [992, 500]]",
		  "total_buckets[1]: low 992 ns not above the previous bucket's" },
		{ "total_buckets", NULL, NULL, "[[1000, 1000]]", "total_buckets[0]: 1000 ns is not the low edge" },
		{ "total_buckets", NULL, NULL, "[[992, 0], [1024, 1000]]", "total_buckets[0]: an empty bucket" },
		{ "total_buckets", NULL, NULL, "[[992, -1]]", "total_buckets[0].count: not a non-negative" },
		{ "total_buckets", NULL, NULL, "[[9223372036854775808, 1000]]",
		  "total_buckets[0].low_ns: 9223372036854775808 does not fit" },
		{ "total_buckets", NULL, NULL, "[[1024, 1000]]", "do not hold stages.total min 1000 and max 1999" },
	};
	struct evtrace_report *r = known_report();
	char path[128], err[256];

	(void)state;
	tmp_path(path, sizeof(path), "badmech.json");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *o = report_to_json(r);
		struct json_object *parent = path_get(o, "mechanisms", "eventfd", NULL);
		const char *keys[] = { cases[i].a, cases[i].b, cases[i].c };
		const char *last = NULL;
		struct evtrace_report *back = new_report();
		int ret;

		for (int k = 0; k < 3 && keys[k]; k++) {
			if (k + 1 < 3 && keys[k + 1])
				parent = json_object_object_get(parent, keys[k]);
			else
				last = keys[k];
		}
		assert_non_null(parent);
		if (cases[i].value)
			json_object_object_add(parent, last, json_tokener_parse(cases[i].value));
		else
			json_object_object_del(parent, last);
		write_file(path, json_object_to_json_string(o));
		err[0] = '\0';
		ret = report_read_json(back, path, err, sizeof(err));
		if (ret != -EINVAL || !strstr(err, cases[i].expect))
			fail_msg("case %zu: ret %d, err '%s', expected '%s'", i, ret, err, cases[i].expect);
		assert_null(strchr(err, '\n'));
		json_object_put(o);
		free(back);
	}
	unlink(path);
	free(r);
}

static void test_unreadable(void **state)
{
	struct evtrace_report *r = new_report();
	char err[256] = "";

	(void)state;
	assert_int_equal(report_read_json(r, "/nonexistent/evtrace.json", err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/evtrace.json"));
	assert_null(strchr(err, '\n'));
	err[0] = '\0';
	assert_true(report_read_json(r, tmpdir, err, sizeof(err)) < 0);	/* a directory */
	assert_true(err[0] && !strchr(err, '\n'));
	err[0] = '\0';
	assert_true(report_write_json(r, "/nonexistent/out.json", err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "cannot write"));
	free(r);
}

/* Strings from outside: escaped for the terminal, made UTF-8 for JSON. */
static void test_text_escape(void **state)
{
	static const struct {
		const char *in, *want;
	} esc[] = {
		{ "plain text", "plain text" },
		{ "a\x1b[2Jb", "a\\x1b[2Jb" },
		{ "cr\rbel\adel\x7f", "cr\\x0dbel\\x07del\\x7f" },
		{ "back\\slash", "back\\\\slash" },
		{ "caf\xc3\xa9 \xc2\xb5s", "caf\xc3\xa9 \xc2\xb5s" },      /* valid UTF-8 kept */
		{ "csi\xc2\x9b", "csi\\xc2\\x9b" },                      /* C1 control */
		{ "rlo\xe2\x80\xae", "rlo\\xe2\\x80\\xae" },             /* bidi override */
		{ "bad\xff", "bad\\xff" },
		{ "over\xc0\xaf", "over\\xc0\\xaf" },                    /* overlong '/' */
		{ "sur\xed\xa0\x80", "sur\\xed\\xa0\\x80" },             /* a surrogate */
		{ "cut\xe2\x82", "cut\\xe2\\x82" },                      /* cut short */
	};
	char buf[128];

	(void)state;
	for (size_t i = 0; i < sizeof(esc) / sizeof(esc[0]); i++)
		assert_string_equal(text_escape(esc[i].in, buf, sizeof(buf)), esc[i].want);
	/* an escape that does not fit is left out whole */
	assert_string_equal(text_escape("ab\x1b", buf, 6), "ab");
	assert_string_equal(text_escape("ab\xc3\xa9", buf, 4), "ab");
	assert_string_equal(text_escape(NULL, buf, sizeof(buf)), "");
	/* JSON: UTF-8 kept, other bytes U+FFFD, control characters left to json-c */
	assert_string_equal(text_utf8("caf\xe9\x1b!", buf, sizeof(buf)), "caf\xef\xbf\xbd\x1b!");
	assert_string_equal(text_utf8("caf\xc3\xa9", buf, sizeof(buf)), "caf\xc3\xa9");
	assert_true(text_is_utf8("caf\xc3\xa9") && !text_is_utf8("caf\xe9"));
	assert_int_equal(text_utf8_cut("a\xc3\xa9z", 2), 1);
	assert_int_equal(text_utf8_cut("a\xc3\xa9z", 3), 3);
	assert_int_equal(text_utf8_cut("a\xffz", 2), 2);
}

/* A command line that is not UTF-8 (from /proc): valid JSON all the same,
 * read back with U+FFFD; the text shows the bytes escaped. */
static void test_not_utf8(void **state)
{
	struct evtrace_report *r = known_report(), *back = new_report();
	char path[128], err[256], *text;

	(void)state;
	snprintf(r->settings.command, sizeof(r->settings.command), "ls caf\xe9 \x1b[2J");
	text = render(r);
	assert_non_null(strstr(text, "ls caf\\xe9 \\x1b[2J"));
	assert_null(strchr(text, '\x1b'));
	free(text);
	tmp_path(path, sizeof(path), "utf8.json");
	assert_int_equal(report_write_json(r, path, err, sizeof(err)), 0);
	assert_int_equal(report_read_json(back, path, err, sizeof(err)), 0);
	assert_string_equal(back->settings.command, "ls caf\xef\xbf\xbd \x1b[2J");
	unlink(path);
	free(back);
	free(r);
}

static void test_fill_system(void **state)
{
	struct evtrace_settings s = { 0 };

	(void)state;
	report_fill_system(&s);
	assert_true(s.kernel[0] != '\0');
	assert_true(s.ncpus > 0);
	assert_true(s.cpu_model[0] != '\0');
	/* a named hypervisor implies virtualised */
	if (s.hypervisor[0])
		assert_true(s.virtualised);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_percentiles),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_units),
		cmocka_unit_test(test_text_empty),
		cmocka_unit_test(test_json_shape),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_summaries_only),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_bpf_stats_setting),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_malformed_mechanism),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_text_escape),
		cmocka_unit_test(test_not_utf8),
		cmocka_unit_test(test_fill_system),
	};
	int ret;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	ret = cmocka_run_group_tests_name("cli_report", tests, NULL, NULL);
	rmdir(tmpdir);
	return ret;
}

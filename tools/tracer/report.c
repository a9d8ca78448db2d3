// SPDX-License-Identifier: MIT
/*
 * The evtrace report: names, summaries, text and JSON rendering, and reading
 * a saved JSON report back (tools/tracer/report.h describes the shape).
 */
#include "report.h"
#include "machine.h"
#include "mech.h"
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>


#define REPORT_FORMAT_VERSION 1
#define REPORT_MAX_FILE (64u << 20)

/* JSON keys; sender_cost sits beside "stages", the others inside it. */
static const char *const stage_names[EVT_STAGE_MAX] = {
	[EVT_STAGE_SEND] = "send",
	[EVT_STAGE_WAKE] = "wake",
	[EVT_STAGE_RETURN] = "return",
	[EVT_STAGE_DISPATCH] = "dispatch",
	[EVT_STAGE_TOTAL] = "total",
	[EVT_STAGE_SENDER] = "sender_cost",
	[EVT_STAGE_TIMER_LATE] = "timer_late",
};

/* Row labels of the text table. */
static const char *const stage_labels[EVT_STAGE_MAX] = {
	[EVT_STAGE_SEND] = "send",
	[EVT_STAGE_WAKE] = "wake",
	[EVT_STAGE_RETURN] = "return",
	[EVT_STAGE_DISPATCH] = "dispatch",
	[EVT_STAGE_TOTAL] = "total",
	[EVT_STAGE_SENDER] = "sender cost",
	[EVT_STAGE_TIMER_LATE] = "timer lateness",
};

/* Stages in the order the text table lists them. */
static const enum evt_stage stage_order[EVT_STAGE_MAX] = {
	EVT_STAGE_SEND, EVT_STAGE_WAKE, EVT_STAGE_RETURN, EVT_STAGE_DISPATCH,
	EVT_STAGE_TOTAL, EVT_STAGE_SENDER, EVT_STAGE_TIMER_LATE,
};

/* Plain counters of a mechanism object; the wake counters nest in "wakes". */
static const struct {
	enum evt_counter c;
	const char *key;
	bool required;
} counter_keys[] = {
	{ EVT_CNT_EVENTS, "events", true },
	{ EVT_CNT_LOST, "lost", true },
	{ EVT_CNT_UNMATCHED, "unmatched", true },
	{ EVT_CNT_COALESCED, "coalesced", true },
	{ EVT_CNT_SENDS, "sends", false },
};

static const struct {
	enum evt_counter c;
	const char *key;
} wake_keys[] = {
	{ EVT_CNT_WAKE_SAME, "same_cpu" },
	{ EVT_CNT_WAKE_CROSS, "cross_cpu" },
	{ EVT_CNT_WAKE_NONE, "none" },
};

const char *evt_kind_name(enum evt_kind k)
{
	return mech_traced(k) ? mech_table[k].name : "unknown";
}

const char *evt_stage_name(enum evt_stage s)
{
	return (unsigned int)s < EVT_STAGE_MAX ? stage_names[s] : "unknown";
}

int evt_kind_from_name(const char *name)
{
	int k = mech_from_name(name, true);

	return k < 0 ? -EINVAL : k;
}

int evt_stage_from_name(const char *name)
{
	for (int s = 0; s < EVT_STAGE_MAX; s++)
		if (name && !strcmp(name, stage_names[s]))
			return s;
	return -EINVAL;
}

bool report_kind_active(const struct evtrace_report *r, enum evt_kind k)
{
	const struct evtrace_kind_report *kr = &r->kind[k];

	for (int c = 0; c < EVT_CNT_MAX; c++)
		if (kr->counters[c])
			return true;
	for (int s = 0; s < EVT_STAGE_MAX; s++)
		if (kr->sum[s].count || kr->hist[s].count)
			return true;
	return false;
}

void report_summarize(struct evtrace_report *r)
{
	if (r->from_json)
		return;	/* the summaries are all there is */
	for (int k = 0; k < EVT_KIND_MAX; k++)
		for (int s = 0; s < EVT_STAGE_MAX; s++)
			hist_summarize(&r->kind[k].hist[s], &r->kind[k].sum[s]);
}

void report_merge(struct evtrace_report *dst, const struct evtrace_report *src)
{
	for (int k = 0; k < EVT_KIND_MAX; k++) {
		for (int c = 0; c < EVT_CNT_MAX; c++)
			dst->kind[k].counters[c] += src->kind[k].counters[c];
		for (int s = 0; s < EVT_STAGE_MAX; s++)
			hist_merge(&dst->kind[k].hist[s], &src->kind[k].hist[s]);
	}
	dst->ringbuf_records += src->ringbuf_records;
	dst->ringbuf_dropped += src->ringbuf_dropped;
	dst->missed_runs += src->missed_runs;
	dst->settings.duration_s += src->settings.duration_s;
	/* the conditions of the latest part describe the whole */
	if (src->settings.attach_mode[0])
		memcpy(dst->settings.attach_mode, src->settings.attach_mode,
		       sizeof(dst->settings.attach_mode));
	dst->settings.usdt = dst->settings.usdt || src->settings.usdt;
	report_summarize(dst);
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

void report_diff(struct evtrace_report *out, const struct evtrace_report *cur,
		 const struct evtrace_report *prev)
{
	out->settings = cur->settings;
	out->from_json = false;
	out->ringbuf_records = sub0(cur->ringbuf_records, prev->ringbuf_records);
	out->ringbuf_dropped = sub0(cur->ringbuf_dropped, prev->ringbuf_dropped);
	out->missed_runs = sub0(cur->missed_runs, prev->missed_runs);
	for (int k = 0; k < EVT_KIND_MAX; k++) {
		for (int c = 0; c < EVT_CNT_MAX; c++)
			out->kind[k].counters[c] = sub0(cur->kind[k].counters[c],
							prev->kind[k].counters[c]);
		for (int s = 0; s < EVT_STAGE_MAX; s++) {
			const struct loghist *a = &cur->kind[k].hist[s], *b = &prev->kind[k].hist[s];
			struct loghist *h = &out->kind[k].hist[s];
			int lo = -1, hi = -1;

			hist_init(h);
			for (unsigned int i = 0; i < LOGHIST_NBUCKETS; i++) {
				h->counts[i] = sub0(a->counts[i], b->counts[i]);
				h->count += h->counts[i];
				if (h->counts[i]) {
					if (lo < 0)
						lo = (int)i;
					hi = (int)i;
				}
			}
			if (!h->count)
				continue;
			h->sum = sub0(a->sum, b->sum);
			/* exact extremes are not kept per part: the edges of the
			 * outermost buckets, within the whole's extremes */
			h->min = loghist_bucket_low((unsigned int)lo);
			if (h->min < a->min)
				h->min = a->min;
			h->max = loghist_bucket_low((unsigned int)hi) +
				 loghist_bucket_width((unsigned int)hi) - 1;
			if (h->max > a->max)
				h->max = a->max;
		}
	}
	report_summarize(out);
}

/* ------------------------------------------------------------------ text */

static const char *mode_desc(const struct evtrace_settings *s)
{
	if (!strcmp(s->mode, "run"))
		return "run: the command, its threads and its children";
	if (!strcmp(s->mode, "attach"))
		return "attach: the process and its threads";
	if (!strcmp(s->mode, "system"))
		return "the whole system";
	return s->mode[0] ? s->mode : "unknown";
}

static void print_settings(FILE *f, const struct evtrace_report *r)
{
	const struct evtrace_settings *s = &r->settings;

	fprintf(f, "evtrace report\n");
	fprintf(f, "  %-13s %s\n", "command", s->command[0] ? s->command : "-");
	if (s->pid > 0)
		fprintf(f, "  %-13s %d (%s)\n", "pid", s->pid, mode_desc(s));
	else
		fprintf(f, "  %-13s - (%s)\n", "pid", mode_desc(s));
	if (s->hostname[0])
		fprintf(f, "  %-13s %s\n", "host", s->hostname);
	if (s->start_time[0])
		fprintf(f, "  %-13s %s\n", "start", s->start_time);
	fprintf(f, "  %-13s %.3f s\n", "duration", s->duration_s);
	fprintf(f, "  %-13s %s\n", "kernel", s->kernel[0] ? s->kernel : "unknown");
	fprintf(f, "  %-13s %s, %d CPU%s\n", "cpu", s->cpu_model[0] ? s->cpu_model : "unknown",
		s->ncpus, s->ncpus == 1 ? "" : "s");
	if (s->virtualised)
		fprintf(f, "  %-13s yes (%s)\n", "virtualised",
			s->hypervisor[0] ? s->hypervisor : "hypervisor unknown");
	else
		fprintf(f, "  %-13s no\n", "virtualised");
	fprintf(f, "  %-13s %s\n", "attach mode", s->attach_mode[0] ? s->attach_mode : "unknown");
	fprintf(f, "  %-13s %s\n", "usdt",
		s->usdt ? "yes: dispatch measured at libevm's probes"
			: "no: dispatch not measured");
	fprintf(f, "  %-13s %llu records, %llu dropped%s\n", "ring buffer",
		(unsigned long long)r->ringbuf_records, (unsigned long long)r->ringbuf_dropped,
		r->ringbuf_dropped ? "  <- per-event records were lost" : "");
	fprintf(f, "  %-13s %llu%s\n", "missed runs", (unsigned long long)r->missed_runs,
		r->missed_runs ? "  <- BPF runs skipped by the kernel: some events may be unmatched" : "");
}

/* One number of the stage table in unit u: human (830ns, 4.52us, 1.20ms),
 * or ns, us, ms with a fixed unit. */
static const char *fmt_ns(double ns, enum report_unit u, char *buf, size_t len)
{
	switch (u) {
	case REPORT_UNIT_NS:
		snprintf(buf, len, "%.0f", ns);
		break;
	case REPORT_UNIT_US:
		snprintf(buf, len, "%.2f", ns / 1e3);
		break;
	case REPORT_UNIT_MS:
		snprintf(buf, len, "%.3f", ns / 1e6);
		break;
	default:
		hist_fmt_ns((uint64_t)llround(ns), buf, len);
		break;
	}
	return buf;
}

static void print_stage_row(FILE *f, const char *label, const struct hist_summary *h,
			    enum report_unit u)
{
	char v[7][32];

	if (!h->count) {
		fprintf(f, "  %-15s %10d %10s %10s %10s %10s %10s %10s %10s\n", label, 0,
			"-", "-", "-", "-", "-", "-", "-");
		return;
	}
	fprintf(f, "  %-15s %10llu %10s %10s %10s %10s %10s %10s %10s\n", label,
		(unsigned long long)h->count, fmt_ns((double)h->min, u, v[0], sizeof(v[0])),
		fmt_ns((double)h->p50, u, v[1], sizeof(v[1])),
		fmt_ns((double)h->p90, u, v[2], sizeof(v[2])),
		fmt_ns((double)h->p99, u, v[3], sizeof(v[3])),
		fmt_ns((double)h->p999, u, v[4], sizeof(v[4])),
		fmt_ns((double)h->max, u, v[5], sizeof(v[5])), fmt_ns(h->mean, u, v[6], sizeof(v[6])));
}

static void print_kind(FILE *f, const struct evtrace_report *r, enum evt_kind k,
		       enum report_unit u)
{
	static const char *const heads[] = { "stage", "stage (ns)", "stage (us)", "stage (ms)" };
	const struct evtrace_kind_report *kr = &r->kind[k];
	const uint64_t *c = kr->counters;

	fprintf(f, "\n%s\n", evt_kind_name(k));
	fprintf(f, "  events %llu, coalesced %llu, lost %llu, unmatched %llu, sends seen %llu\n",
		(unsigned long long)c[EVT_CNT_EVENTS], (unsigned long long)c[EVT_CNT_COALESCED],
		(unsigned long long)c[EVT_CNT_LOST], (unsigned long long)c[EVT_CNT_UNMATCHED],
		(unsigned long long)c[EVT_CNT_SENDS]);
	fprintf(f, "  wakes: same CPU %llu, cross CPU %llu, none needed %llu\n",
		(unsigned long long)c[EVT_CNT_WAKE_SAME], (unsigned long long)c[EVT_CNT_WAKE_CROSS],
		(unsigned long long)c[EVT_CNT_WAKE_NONE]);
	fprintf(f, "\n  %-15s %10s %10s %10s %10s %10s %10s %10s %10s\n", heads[u], "count",
		"min", "p50", "p90", "p99", "p99.9", "max", "mean");
	for (int i = 0; i < EVT_STAGE_MAX; i++) {
		enum evt_stage s = stage_order[i];

		if (s == EVT_STAGE_TIMER_LATE && k != EVT_KIND_TIMERFD && !kr->sum[s].count)
			continue;
		print_stage_row(f, stage_labels[s], &kr->sum[s], u);
	}
	fprintf(f, "\n");
	if (kr->hist[EVT_STAGE_TOTAL].count)
		hist_print_bars(f, &kr->hist[EVT_STAGE_TOTAL], "total (ns)");
	else if (r->from_json && kr->sum[EVT_STAGE_TOTAL].count)
		fprintf(f, "  (no histogram bars: this saved report holds only the summaries)\n");
	else
		fprintf(f, "  (no total measured: no histogram)\n");
}

void report_print_text(FILE *f, const struct evtrace_report *r)
{
	report_print_text_unit(f, r, REPORT_UNIT_HUMAN);
}

void report_print_text_unit(FILE *f, const struct evtrace_report *r, enum report_unit u)
{
	bool any = false;

	print_settings(f, r);
	for (int k = 0; k < EVT_KIND_MAX; k++) {
		if (!report_kind_active(r, k))
			continue;
		print_kind(f, r, k, u);
		any = true;
	}
	if (!any)
		fprintf(f, "\nno events of any traced kind were seen\n");
	fflush(f);
}

/* ------------------------------------------------------------------ JSON */

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v));
}

/* The non-empty buckets of a histogram as [[low_ns, count], ...]: enough to
 * draw the bars again from a saved report. */
static struct json_object *buckets_to_json(const struct loghist *h)
{
	struct json_object *a = json_object_new_array();

	for (unsigned int i = 0; i < LOGHIST_NBUCKETS; i++) {
		struct json_object *pair;

		if (!h->counts[i])
			continue;
		pair = json_object_new_array();
		json_object_array_add(pair, json_object_new_int64((int64_t)loghist_bucket_low(i)));
		json_object_array_add(pair, json_object_new_int64((int64_t)h->counts[i]));
		json_object_array_add(a, pair);
	}
	return a;
}

static struct json_object *kind_to_json(const struct evtrace_report *r, enum evt_kind k)
{
	const struct evtrace_kind_report *kr = &r->kind[k];
	struct json_object *o = json_object_new_object();
	struct json_object *stages = json_object_new_object();
	struct json_object *wakes = json_object_new_object();

	for (size_t i = 0; i < sizeof(counter_keys) / sizeof(counter_keys[0]); i++)
		add_u64(o, counter_keys[i].key, kr->counters[counter_keys[i].c]);
	for (int s = 0; s < EVT_STAGE_MAX; s++) {
		if (s == EVT_STAGE_SENDER)
			continue;
		json_object_object_add(stages, stage_names[s], hist_summary_to_json(&kr->sum[s]));
	}
	json_object_object_add(o, "stages", stages);
	json_object_object_add(o, "sender_cost", hist_summary_to_json(&kr->sum[EVT_STAGE_SENDER]));
	for (size_t i = 0; i < sizeof(wake_keys) / sizeof(wake_keys[0]); i++)
		add_u64(wakes, wake_keys[i].key, kr->counters[wake_keys[i].c]);
	json_object_object_add(o, "wakes", wakes);
	if (kr->hist[EVT_STAGE_TOTAL].count)
		json_object_object_add(o, "total_buckets", buckets_to_json(&kr->hist[EVT_STAGE_TOTAL]));
	return o;
}

static struct json_object *settings_to_json(const struct evtrace_settings *s)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "mode", json_object_new_string(s->mode));
	json_object_object_add(o, "command", json_object_new_string(s->command));
	json_object_object_add(o, "pid", json_object_new_int(s->pid));
	json_object_object_add(o, "duration_s", json_object_new_double(s->duration_s));
	json_object_object_add(o, "kernel", json_object_new_string(s->kernel));
	json_object_object_add(o, "cpu_model", json_object_new_string(s->cpu_model));
	json_object_object_add(o, "ncpus", json_object_new_int(s->ncpus));
	json_object_object_add(o, "virtualised", json_object_new_boolean(s->virtualised));
	json_object_object_add(o, "hypervisor", json_object_new_string(s->hypervisor));
	json_object_object_add(o, "attach_mode", json_object_new_string(s->attach_mode));
	json_object_object_add(o, "usdt", json_object_new_boolean(s->usdt));
	if (s->start_time[0])
		json_object_object_add(o, "start_time", json_object_new_string(s->start_time));
	if (s->hostname[0])
		json_object_object_add(o, "hostname", json_object_new_string(s->hostname));
	return o;
}

struct json_object *report_to_json(const struct evtrace_report *r)
{
	struct json_object *o = json_object_new_object();
	struct json_object *mech = json_object_new_object();
	struct json_object *rb = json_object_new_object(), *tr;

	json_object_object_add(o, "format", json_object_new_int(REPORT_FORMAT_VERSION));
	json_object_object_add(o, "settings", settings_to_json(&r->settings));
	for (int k = 0; k < EVT_KIND_MAX; k++)
		if (report_kind_active(r, k))
			json_object_object_add(mech, evt_kind_name(k), kind_to_json(r, k));
	json_object_object_add(o, "mechanisms", mech);
	add_u64(rb, "records", r->ringbuf_records);
	add_u64(rb, "dropped", r->ringbuf_dropped);
	json_object_object_add(o, "ringbuf", rb);
	tr = json_object_new_object();
	add_u64(tr, "missed_runs", r->missed_runs);
	json_object_object_add(o, "tracer", tr);
	return o;
}

int report_print_json(FILE *f, const struct evtrace_report *r)
{
	struct json_object *o = report_to_json(r);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	int ret = fprintf(f, "%s\n", text) < 0 || fflush(f) ? -(errno ? errno : EIO) : 0;

	json_object_put(o);
	return ret;
}

static int render_json(FILE *f, const void *r)
{
	return report_print_json(f, r);
}

int report_write_json(const struct evtrace_report *r, const char *path, char *err, size_t errlen)
{
	return outfile_save(path, 0, render_json, r, err, errlen);
}

/* -------------------------------------------------------- reading JSON */

struct rd {
	const char *path;
	char *err;
	size_t errlen;
};

static int rd_fail(struct rd *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rd_fail(struct rd *rd, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(rd->err, rd->errlen, "%s: %s", rd->path, msg);
	return -EINVAL;
}

static struct json_object *get_typed(struct json_object *o, const char *key, json_type t)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, t))
		return NULL;
	return v;
}

static bool has_key(struct json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

/* A non-negative integer; absent is an error only when required. */
static int rd_u64(struct rd *rd, struct json_object *o, const char *where, const char *key,
		  bool required, uint64_t *v)
{
	struct json_object *f;

	if (!json_object_object_get_ex(o, key, &f)) {
		if (!required)
			return 0;
		return rd_fail(rd, "%s: missing \"%s\"", where, key);
	}
	if (!json_object_is_type(f, json_type_int) || json_object_get_int64(f) < 0)
		return rd_fail(rd, "%s.%s: not a non-negative integer", where, key);
	*v = (uint64_t)json_object_get_int64(f);
	return 0;
}

static int rd_summary(struct rd *rd, struct json_object *o, const char *where,
		      struct hist_summary *s)
{
	static const char *const keys[] = { "count", "min", "p50", "p90", "p99", "p999", "max" };
	uint64_t v;

	if (!o || !json_object_is_type(o, json_type_object))
		return rd_fail(rd, "%s: missing or not an object", where);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (rd_u64(rd, o, where, keys[i], true, &v))
			return -EINVAL;
	if (hist_summary_from_json(o, s))
		return rd_fail(rd, "%s: \"mean\" missing or not a number", where);
	if (s->mean < 0)
		return rd_fail(rd, "%s.mean: negative", where);
	if (s->count && !(s->min <= s->p50 && s->p50 <= s->p90 && s->p90 <= s->p99 &&
			  s->p99 <= s->p999 && s->p999 <= s->max))
		return rd_fail(rd, "%s: percentiles out of order (min <= p50 <= ... <= max)", where);
	return 0;
}

static int rd_string(struct rd *rd, struct json_object *o, const char *key, char *dst, size_t len)
{
	struct json_object *f;

	if (!json_object_object_get_ex(o, key, &f))
		return 0;
	if (!json_object_is_type(f, json_type_string))
		return rd_fail(rd, "settings.%s: not a string", key);
	snprintf(dst, len, "%s", json_object_get_string(f));
	return 0;
}

static int rd_settings(struct rd *rd, struct json_object *o, struct evtrace_settings *s)
{
	struct json_object *f;

	if (rd_string(rd, o, "mode", s->mode, sizeof(s->mode)) ||
	    rd_string(rd, o, "command", s->command, sizeof(s->command)) ||
	    rd_string(rd, o, "kernel", s->kernel, sizeof(s->kernel)) ||
	    rd_string(rd, o, "cpu_model", s->cpu_model, sizeof(s->cpu_model)) ||
	    rd_string(rd, o, "hypervisor", s->hypervisor, sizeof(s->hypervisor)) ||
	    rd_string(rd, o, "attach_mode", s->attach_mode, sizeof(s->attach_mode)) ||
	    rd_string(rd, o, "start_time", s->start_time, sizeof(s->start_time)) ||
	    rd_string(rd, o, "hostname", s->hostname, sizeof(s->hostname)))
		return -EINVAL;
	if (json_object_object_get_ex(o, "pid", &f)) {
		if (!json_object_is_type(f, json_type_int) || json_object_get_int64(f) < 0 ||
		    json_object_get_int64(f) > INT_MAX)
			return rd_fail(rd, "settings.pid: not a PID");
		s->pid = (int)json_object_get_int64(f);
	}
	if (json_object_object_get_ex(o, "ncpus", &f)) {
		if (!json_object_is_type(f, json_type_int) || json_object_get_int64(f) < 0 ||
		    json_object_get_int64(f) > INT_MAX)
			return rd_fail(rd, "settings.ncpus: not a CPU count");
		s->ncpus = (int)json_object_get_int64(f);
	}
	if (json_object_object_get_ex(o, "duration_s", &f)) {
		if (!(json_object_is_type(f, json_type_double) || json_object_is_type(f, json_type_int)) ||
		    json_object_get_double(f) < 0)
			return rd_fail(rd, "settings.duration_s: not a duration");
		s->duration_s = json_object_get_double(f);
	}
	if (json_object_object_get_ex(o, "virtualised", &f)) {
		if (!json_object_is_type(f, json_type_boolean))
			return rd_fail(rd, "settings.virtualised: not a boolean");
		s->virtualised = json_object_get_boolean(f);
	}
	if (json_object_object_get_ex(o, "usdt", &f)) {
		if (!json_object_is_type(f, json_type_boolean))
			return rd_fail(rd, "settings.usdt: not a boolean");
		s->usdt = json_object_get_boolean(f);
	}
	return 0;
}

/* Rebuilds the total histogram from "total_buckets" so bars can be drawn. */
static int rd_buckets(struct rd *rd, struct json_object *a, const char *where,
		      struct evtrace_kind_report *kr)
{
	struct loghist *h = &kr->hist[EVT_STAGE_TOTAL];
	const struct hist_summary *s = &kr->sum[EVT_STAGE_TOTAL];
	size_t n = json_object_array_length(a);
	uint64_t total = 0;

	hist_init(h);
	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(a, i), *lo, *cnt;
		int64_t low, c;

		if (!json_object_is_type(p, json_type_array) || json_object_array_length(p) != 2 ||
		    !json_object_is_type(lo = json_object_array_get_idx(p, 0), json_type_int) ||
		    !json_object_is_type(cnt = json_object_array_get_idx(p, 1), json_type_int))
			return rd_fail(rd, "%s.total_buckets[%zu]: not a [low_ns, count] pair", where, i);
		low = json_object_get_int64(lo);
		c = json_object_get_int64(cnt);
		if (low < 0 || c < 0)
			return rd_fail(rd, "%s.total_buckets[%zu]: negative", where, i);
		h->counts[loghist_bucket((uint64_t)low)] += (uint64_t)c;
		total += (uint64_t)c;
	}
	if (total != s->count)
		return rd_fail(rd, "%s.total_buckets: %llu values, but stages.total.count is %llu",
			       where, (unsigned long long)total, (unsigned long long)s->count);
	h->count = total;
	h->min = s->min;
	h->max = s->max;
	h->sum = (uint64_t)(s->mean * (double)s->count);
	return 0;
}

static int rd_kind(struct rd *rd, const char *name, struct json_object *o,
		   struct evtrace_kind_report *kr)
{
	char where[64], swhere[96];
	struct json_object *stages, *wakes, *a;

	snprintf(where, sizeof(where), "mechanisms.%s", name);
	if (!json_object_is_type(o, json_type_object))
		return rd_fail(rd, "%s: not an object", where);
	for (size_t i = 0; i < sizeof(counter_keys) / sizeof(counter_keys[0]); i++)
		if (rd_u64(rd, o, where, counter_keys[i].key, counter_keys[i].required,
			   &kr->counters[counter_keys[i].c]))
			return -EINVAL;
	stages = get_typed(o, "stages", json_type_object);
	if (!stages)
		return rd_fail(rd, "%s.stages: missing or not an object", where);
	for (int s = 0; s < EVT_STAGE_MAX; s++) {
		struct json_object *h;

		if (s == EVT_STAGE_SENDER)
			continue;
		snprintf(swhere, sizeof(swhere), "%s.stages.%s", where, stage_names[s]);
		if (!json_object_object_get_ex(stages, stage_names[s], &h)) {
			if (s == EVT_STAGE_TIMER_LATE)
				continue;	/* an extra: optional */
			return rd_fail(rd, "%s: missing", swhere);
		}
		if (rd_summary(rd, h, swhere, &kr->sum[s]))
			return -EINVAL;
	}
	snprintf(swhere, sizeof(swhere), "%s.sender_cost", where);
	if (!has_key(o, "sender_cost"))
		return rd_fail(rd, "%s: missing", swhere);
	if (rd_summary(rd, json_object_object_get(o, "sender_cost"), swhere,
		       &kr->sum[EVT_STAGE_SENDER]))
		return -EINVAL;
	wakes = get_typed(o, "wakes", json_type_object);
	snprintf(swhere, sizeof(swhere), "%s.wakes", where);
	if (!wakes)
		return rd_fail(rd, "%s: missing or not an object", swhere);
	for (size_t i = 0; i < sizeof(wake_keys) / sizeof(wake_keys[0]); i++)
		if (rd_u64(rd, wakes, swhere, wake_keys[i].key, true,
			   &kr->counters[wake_keys[i].c]))
			return -EINVAL;
	if (has_key(o, "total_buckets")) {
		a = get_typed(o, "total_buckets", json_type_array);
		if (!a)
			return rd_fail(rd, "%s.total_buckets: not an array", where);
		if (rd_buckets(rd, a, where, kr))
			return -EINVAL;
	}
	return 0;
}

static int read_all(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
	bool in = !strcmp(path, "-");
	int fd = in ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 1 << 16, n = 0;
	char *b = NULL;
	int ret = 0;

	if (fd < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -errno;
	}
	for (;;) {
		ssize_t got;

		if (!b || n + 1 >= cap) {
			char *nb;

			if (b)
				cap *= 2;
			if (cap > REPORT_MAX_FILE) {
				snprintf(err, errlen, "%s: too large for a report", path);
				ret = -EFBIG;
				break;
			}
			nb = realloc(b, cap);
			if (!nb) {
				snprintf(err, errlen, "%s: out of memory", path);
				ret = -ENOMEM;
				break;
			}
			b = nb;
		}
		got = read(fd, b + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ret = -errno;
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
			break;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (!in)
		close(fd);
	if (ret) {
		free(b);
		return ret;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int report_read_json(struct evtrace_report *r, const char *path, char *err, size_t errlen)
{
	struct rd rd = { .path = path, .err = err, .errlen = errlen };
	struct json_tokener *tok = NULL;
	struct json_object *root = NULL, *settings, *mech, *rb, *f;
	char *buf = NULL;
	size_t len = 0, end;
	int ret;

	memset(r, 0, sizeof(*r));
	r->from_json = true;
	ret = read_all(path, &buf, &len, err, errlen);
	if (ret)
		return ret;
	if (len == 0 || strspn(buf, " \t\r\n") == len) {
		ret = rd_fail(&rd, "empty file, not a JSON report");
		goto out;
	}
	tok = json_tokener_new();
	if (!tok) {
		ret = rd_fail(&rd, "out of memory");
		goto out;
	}
	root = json_tokener_parse_ex(tok, buf, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		ret = rd_fail(&rd, "invalid JSON at byte %zu: %s", json_tokener_get_parse_end(tok),
			      e == json_tokener_continue ? "unexpected end of file"
							 : json_tokener_error_desc(e));
		goto out;
	}
	end = json_tokener_get_parse_end(tok);
	if (end + strspn(buf + end, " \t\r\n") != len) {
		ret = rd_fail(&rd, "invalid JSON: trailing data at byte %zu", end);
		goto out;
	}
	if (!json_object_is_type(root, json_type_object)) {
		ret = rd_fail(&rd, "not an evtrace report (the top level is not an object)");
		goto out;
	}
	if (json_object_object_get_ex(root, "format", &f) &&
	    (!json_object_is_type(f, json_type_int) ||
	     json_object_get_int64(f) > REPORT_FORMAT_VERSION)) {
		ret = rd_fail(&rd, "report format %s is not one this evtrace reads",
			      json_object_to_json_string(f));
		goto out;
	}
	settings = get_typed(root, "settings", json_type_object);
	mech = get_typed(root, "mechanisms", json_type_object);
	if (!settings || !mech) {
		ret = rd_fail(&rd, "not an evtrace report (\"%s\" missing or not an object)",
			      !settings ? "settings" : "mechanisms");
		goto out;
	}
	ret = rd_settings(&rd, settings, &r->settings);
	if (ret)
		goto out;
	json_object_object_foreach(mech, name, kobj) {
		int k = evt_kind_from_name(name);

		if (k < 0) {
			ret = rd_fail(&rd, "mechanisms.%s: unknown mechanism", name);
			goto out;
		}
		ret = rd_kind(&rd, name, kobj, &r->kind[k]);
		if (ret)
			goto out;
	}
	if (has_key(root, "ringbuf")) {
		rb = get_typed(root, "ringbuf", json_type_object);
		if (!rb) {
			ret = rd_fail(&rd, "ringbuf: not an object");
			goto out;
		}
		if (rd_u64(&rd, rb, "ringbuf", "records", true, &r->ringbuf_records) ||
		    rd_u64(&rd, rb, "ringbuf", "dropped", true, &r->ringbuf_dropped)) {
			ret = -EINVAL;
			goto out;
		}
	}
	if (has_key(root, "tracer")) {
		struct json_object *tr = get_typed(root, "tracer", json_type_object);

		if (!tr) {
			ret = rd_fail(&rd, "tracer: not an object");
			goto out;
		}
		if (rd_u64(&rd, tr, "tracer", "missed_runs", false, &r->missed_runs)) {
			ret = -EINVAL;
			goto out;
		}
	}
	ret = 0;
out:
	if (ret && ret != -EINVAL && !err[0])
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
	json_object_put(root);
	if (tok)
		json_tokener_free(tok);
	free(buf);
	return ret;
}

/* -------------------------------------------------------------- system */

void report_fill_system(struct evtrace_settings *s)
{
	struct machine_desc m;

	machine_describe(&m);
	snprintf(s->kernel, sizeof(s->kernel), "%s", m.kernel);
	snprintf(s->cpu_model, sizeof(s->cpu_model), "%s", m.cpu_model);
	s->ncpus = m.ncpus;
	s->virtualised = m.virtualised;
	snprintf(s->hypervisor, sizeof(s->hypervisor), "%s", m.hypervisor);
}

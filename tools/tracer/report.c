// SPDX-License-Identifier: MIT
/*
 * The evtrace report: names, summaries, text and JSON rendering, and reading
 * a saved JSON report back (tools/tracer/report.h describes the shape).
 */
#include "report.h"
#include "machine.h"
#include "mech.h"
#include "outfile.h"
#include "textesc.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
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
	{ EVT_CNT_REARMED, "rearmed", false },
	{ EVT_CNT_FORWARDED, "forwarded", false },
	{ EVT_CNT_DEFAULT, "default_action", false },
	{ EVT_CNT_IN_FLIGHT, "in_flight", false },
	{ EVT_CNT_CARRIED, "carried", false },
};

/* The ways a send leaves its queue, in the order the accounting lists them
 * (bpf/evtrace.h: the identity). */
static const struct {
	enum evt_counter c;
	const char *label;
} exit_terms[] = {
	{ EVT_CNT_EVENTS, "events" },
	{ EVT_CNT_COALESCED, "coalesced" },
	{ EVT_CNT_LOST, "lost" },
	{ EVT_CNT_REARMED, "rearmed" },
	{ EVT_CNT_FORWARDED, "forwarded" },
	{ EVT_CNT_DEFAULT, "default_action" },
	{ EVT_CNT_IN_FLIGHT, "in_flight" },
};

/* Whether the term c counts sends for kind k: timerfd's coalesced
 * expirations are overruns found at the read, with no callback of their
 * own (no send). */
static bool exit_term_counts(enum evt_kind k, enum evt_counter c)
{
	return !(k == EVT_KIND_TIMERFD && c == EVT_CNT_COALESCED);
}

void report_accounting(const struct evtrace_report *r, enum evt_kind k,
		       struct report_accounting *a)
{
	report_accounting_of(r->kind[k].counters, k, a);
}

const char *report_signal_name(int signo, char *buf, size_t len)
{
	static const char *const names[32] = {
		[1] = "SIGHUP", [2] = "SIGINT", [3] = "SIGQUIT", [4] = "SIGILL", [5] = "SIGTRAP",
		[6] = "SIGABRT", [7] = "SIGBUS", [8] = "SIGFPE", [9] = "SIGKILL", [10] = "SIGUSR1",
		[11] = "SIGSEGV", [12] = "SIGUSR2", [13] = "SIGPIPE", [14] = "SIGALRM",
		[15] = "SIGTERM", [16] = "SIGSTKFLT", [17] = "SIGCHLD", [18] = "SIGCONT",
		[19] = "SIGSTOP", [20] = "SIGTSTP", [21] = "SIGTTIN", [22] = "SIGTTOU",
		[23] = "SIGURG", [24] = "SIGXCPU", [25] = "SIGXFSZ", [26] = "SIGVTALRM",
		[27] = "SIGPROF", [28] = "SIGWINCH", [29] = "SIGIO", [30] = "SIGPWR", [31] = "SIGSYS",
	};

	if (signo > 0 && signo < 32)
		snprintf(buf, len, "%s", names[signo]);
	else if (signo >= 32 && signo < EVTRACE_NSIG)
		snprintf(buf, len, "SIG%d", signo); /* glibc's SIGRTMIN moves: the number */
	else
		snprintf(buf, len, "SIG?");
	return buf;
}

void report_accounting_of(const uint64_t *c, enum evt_kind k, struct report_accounting *a)
{
	memset(a, 0, sizeof(*a));
	a->sends = c[EVT_CNT_SENDS] + c[EVT_CNT_CARRIED];
	for (size_t i = 0; i < sizeof(exit_terms) / sizeof(exit_terms[0]); i++)
		if (exit_term_counts(k, exit_terms[i].c))
			a->accounted += c[exit_terms[i].c];
	a->gap = (int64_t)a->sends - (int64_t)a->accounted;
	a->closes = a->gap == 0;
}

static const struct {
	enum evt_counter c;
	const char *key;
} wake_keys[] = {
	{ EVT_CNT_WAKE_SAME, "same_cpu" },
	{ EVT_CNT_WAKE_CROSS, "cross_cpu" },
	{ EVT_CNT_WAKE_NONE, "none" },
};

/* The fields of JSON objects, as tables the writer and the reader share. */
enum jfield_type {
	JF_STR,         /* char[size]: a string without NUL, cut to fit */
	JF_INT,         /* int in [0, INT_MAX] */
	JF_U64,         /* uint64_t in [0, 2^63) */
	JF_BOOL,
	JF_SECONDS,     /* double: a duration in s */
};

struct jfield {
	const char *key;
	enum jfield_type type;
	bool required;
	size_t off, size;       /* where in the struct the table describes */
	const char *what;       /* JF_INT: what it is, for the message */
	bool if_set;            /* JF_STR: written only when not empty */
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SETTING(k, t, field, what) \
	{ k, t, false, offsetof(struct evtrace_settings, field), \
	  sizeof(((struct evtrace_settings *)0)->field), what, false }
#define SETTING_IF_SET(k, field) \
	{ k, JF_STR, false, offsetof(struct evtrace_settings, field), \
	  sizeof(((struct evtrace_settings *)0)->field), NULL, true }

static const struct jfield settings_fields[] = {
	SETTING("mode", JF_STR, mode, NULL),
	SETTING("command", JF_STR, command, NULL),
	SETTING("pid", JF_INT, pid, "PID"),
	SETTING("duration_s", JF_SECONDS, duration_s, NULL),
	SETTING("kernel", JF_STR, kernel, NULL),
	SETTING("cpu_model", JF_STR, cpu_model, NULL),
	SETTING("ncpus", JF_INT, ncpus, "CPU count"),
	SETTING("virtualised", JF_BOOL, virtualised, NULL),
	SETTING("hypervisor", JF_STR, hypervisor, NULL),
	SETTING("attach_mode", JF_STR, attach_mode, NULL),
	SETTING("usdt", JF_BOOL, usdt, NULL),
	SETTING_IF_SET("start_time", start_time),
	SETTING_IF_SET("hostname", hostname),
	SETTING("bpf_stats_enabled", JF_BOOL, bpf_stats, NULL),
};

#define REPORT_FIELD(k, field) \
	{ k, JF_U64, true, offsetof(struct evtrace_report, field), sizeof(uint64_t), NULL, false }
#define REPORT_FIELD_OPT(k, field) \
	{ k, JF_U64, false, offsetof(struct evtrace_report, field), sizeof(uint64_t), NULL, false }

static const struct jfield ringbuf_fields[] = {
	REPORT_FIELD("records", ringbuf_records),
	REPORT_FIELD("dropped", ringbuf_dropped),
};

static const struct jfield tracer_fields[] = {
	REPORT_FIELD_OPT("missed_runs", missed_runs),
};

/* Optional objects at the top level beside "settings" and "mechanisms". */
static const struct {
	const char *key;
	const struct jfield *fields;
	size_t n;
} report_sections[] = {
	{ "ringbuf", ringbuf_fields, ARRAY_LEN(ringbuf_fields) },
	{ "tracer", tracer_fields, ARRAY_LEN(tracer_fields) },
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

bool report_kind_measured(const struct evtrace_report *r, enum evt_kind k)
{
	const struct evtrace_kind_report *kr = &r->kind[k];

	return kr->sum[EVT_STAGE_TOTAL].count || kr->hist[EVT_STAGE_TOTAL].count;
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
		uint64_t *dc = dst->kind[k].counters;
		const uint64_t *sc = src->kind[k].counters;
		uint64_t carried = dc[EVT_CNT_CARRIED];
		bool first = !report_kind_active(dst, k);

		for (int c = 0; c < EVT_CNT_MAX; c++)
			dc[c] += sc[c];
		/* consecutive parts: in flight at the end of the last one,
		 * carried in at the start of the first */
		dc[EVT_CNT_IN_FLIGHT] = sc[EVT_CNT_IN_FLIGHT];
		dc[EVT_CNT_CARRIED] = first ? sc[EVT_CNT_CARRIED] : carried;
		for (int s = 0; s < EVT_STAGE_MAX; s++)
			hist_merge(&dst->kind[k].hist[s], &src->kind[k].hist[s]);
	}
	for (int k = 0; k < EVT_KIND_MAX; k++)
		for (int s = 0; s < EVTRACE_NSIG; s++)
			for (int c = 0; c < EVT_CNT_MAX; c++)
				dst->by_signal[k][s][c] = c == EVT_CNT_IN_FLIGHT ?
					src->by_signal[k][s][c] :
					dst->by_signal[k][s][c] + src->by_signal[k][s][c];
	if (src->nprocs) {
		/* the processes of the latest part (a cumulative report's) */
		dst->nprocs = src->nprocs;
		dst->procs_left_out = src->procs_left_out;
		memcpy(dst->procs, src->procs, sizeof(dst->procs));
	}
	dst->per_process = dst->per_process || src->per_process;
	dst->ringbuf_records += src->ringbuf_records;
	dst->ringbuf_dropped += src->ringbuf_dropped;
	dst->missed_runs += src->missed_runs;
	dst->untraced_wakeups += src->untraced_wakeups;
	dst->settings.duration_s += src->settings.duration_s;
	/* the conditions of the latest part describe the whole */
	if (src->settings.attach_mode[0])
		memcpy(dst->settings.attach_mode, src->settings.attach_mode,
		       sizeof(dst->settings.attach_mode));
	dst->settings.usdt = dst->settings.usdt || src->settings.usdt;
	dst->settings.bpf_stats = dst->settings.bpf_stats || src->settings.bpf_stats;
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
	out->untraced_wakeups = sub0(cur->untraced_wakeups, prev->untraced_wakeups);
	for (int k = 0; k < EVT_KIND_MAX; k++)
		for (int s = 0; s < EVTRACE_NSIG; s++)
			for (int c = 0; c < EVT_CNT_MAX; c++)
				out->by_signal[k][s][c] = c == EVT_CNT_IN_FLIGHT ?
					cur->by_signal[k][s][c] :
					sub0(cur->by_signal[k][s][c], prev->by_signal[k][s][c]);
	/* the processes so far (their parts are not split per interval) */
	out->per_process = cur->per_process;
	out->nprocs = cur->nprocs;
	out->procs_left_out = cur->procs_left_out;
	memcpy(out->procs, cur->procs, sizeof(out->procs));
	for (int k = 0; k < EVT_KIND_MAX; k++) {
		for (int c = 0; c < EVT_CNT_MAX; c++)
			out->kind[k].counters[c] = sub0(cur->kind[k].counters[c],
							prev->kind[k].counters[c]);
		/* levels, not sums: in flight now, and at the interval's start */
		out->kind[k].counters[EVT_CNT_IN_FLIGHT] = cur->kind[k].counters[EVT_CNT_IN_FLIGHT];
		out->kind[k].counters[EVT_CNT_CARRIED] = cur->kind[k].counters[EVT_CNT_CARRIED] +
							  prev->kind[k].counters[EVT_CNT_IN_FLIGHT];
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

static const char *mode_desc(const struct evtrace_settings *s, char *buf, size_t len)
{
	if (!strcmp(s->mode, "run"))
		return "run: the command, its threads and its children";
	if (!strcmp(s->mode, "attach"))
		return "attach: the process and its threads";
	if (!strcmp(s->mode, "system"))
		return "the whole system";
	return s->mode[0] ? text_escape(s->mode, buf, len) : "unknown";
}

/* Settings strings come from /proc (the command line, the comm, the CPU
 * model) or from a saved file: printed escaped (textesc.h). */
#define ESC(field, dflt) (s->field[0] ? text_escape(s->field, esc, sizeof(esc)) : (dflt))

static void print_settings(FILE *f, const struct evtrace_report *r)
{
	const struct evtrace_settings *s = &r->settings;
	char esc[TEXTESC_SIZE(sizeof(s->command))];

	fprintf(f, "evtrace report\n");
	fprintf(f, "  %-13s %s\n", "command", ESC(command, "-"));
	if (s->pid > 0)
		fprintf(f, "  %-13s %d (%s)\n", "pid", s->pid, mode_desc(s, esc, sizeof(esc)));
	else
		fprintf(f, "  %-13s - (%s)\n", "pid", mode_desc(s, esc, sizeof(esc)));
	if (s->hostname[0])
		fprintf(f, "  %-13s %s\n", "host", ESC(hostname, ""));
	if (s->start_time[0])
		fprintf(f, "  %-13s %s\n", "start", ESC(start_time, ""));
	fprintf(f, "  %-13s %.3f s\n", "duration", s->duration_s);
	fprintf(f, "  %-13s %s\n", "kernel", ESC(kernel, "unknown"));
	fprintf(f, "  %-13s %s, %d CPU%s\n", "cpu", ESC(cpu_model, "unknown"),
		s->ncpus, s->ncpus == 1 ? "" : "s");
	if (s->virtualised)
		fprintf(f, "  %-13s yes (%s)\n", "virtualised", ESC(hypervisor, "hypervisor unknown"));
	else
		fprintf(f, "  %-13s no\n", "virtualised");
	if (s->bpf_stats)
		fprintf(f, "  %-13s on  <- every BPF program run timed by the kernel (two clock reads more each): the figures include it\n",
			"bpf_stats");
	fprintf(f, "  %-13s %s\n", "attach mode", ESC(attach_mode, "unknown"));
	fprintf(f, "  %-13s %s\n", "usdt",
		s->usdt ? "yes: dispatch measured at libevm's probes"
			: "no: dispatch not measured");
	fprintf(f, "  %-13s %llu records, %llu dropped%s\n", "ring buffer",
		(unsigned long long)r->ringbuf_records, (unsigned long long)r->ringbuf_dropped,
		r->ringbuf_dropped ? "  <- per-event records were lost" : "");
	fprintf(f, "  %-13s %llu%s\n", "missed runs", (unsigned long long)r->missed_runs,
		r->missed_runs ? "  <- BPF runs skipped by the kernel: some events may be unmatched" : "");
	fprintf(f, "  %-13s %llu%s\n", "untraced", (unsigned long long)r->untraced_wakeups,
		r->untraced_wakeups ? " wakeups of a wait by channels evtrace does not follow" : "");
}

#undef ESC

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

const char *report_accounting_terms(const uint64_t *c, enum evt_kind k, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(exit_terms) / sizeof(exit_terms[0]) && n < len; i++) {
		uint64_t v = c[exit_terms[i].c];

		if (!exit_term_counts(k, exit_terms[i].c) ||
		    (!v && exit_terms[i].c != EVT_CNT_EVENTS))
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s %llu", n ? " + " : "",
				      exit_terms[i].label, (unsigned long long)v);
	}
	return buf;
}

/* One line: the sends and the ways they left, and whether they add up. */
static void print_accounting_of(FILE *f, const uint64_t *c, enum evt_kind k)
{
	struct report_accounting a;
	char terms[256];

	report_accounting_of(c, k, &a);
	if (a.closes)
		fprintf(f, "  accounting: sends %llu", (unsigned long long)c[EVT_CNT_SENDS]);
	else
		fprintf(f, "  accounting OPEN (gap %+lld): sends %llu", (long long)a.gap,
			(unsigned long long)c[EVT_CNT_SENDS]);
	if (c[EVT_CNT_CARRIED])
		fprintf(f, " + carried %llu", (unsigned long long)c[EVT_CNT_CARRIED]);
	fprintf(f, " %s %s", a.closes ? "=" : "vs", report_accounting_terms(c, k, terms, sizeof(terms)));
	fputs(a.closes ? "  (closes)\n" : "  <- some sends left no trace\n", f);
	if (c[EVT_CNT_UNMATCHED])
		fprintf(f, "  unmatched %llu: consumed with no send seen (sent before the trace, "
			"or by a process outside it)\n", (unsigned long long)c[EVT_CNT_UNMATCHED]);
}

static void print_accounting(FILE *f, const struct evtrace_report *r, enum evt_kind k)
{
	print_accounting_of(f, r->kind[k].counters, k);
}

static bool counters_any(const uint64_t *c)
{
	for (int i = 0; i < EVT_CNT_MAX; i++)
		if (c[i])
			return true;
	return false;
}

/* The signal kinds, by signal number: one line each. */
static void print_by_signal(FILE *f, const struct evtrace_report *r, enum evt_kind k)
{
	char name[16];

	for (int s = 1; s < EVTRACE_NSIG; s++) {
		const uint64_t *c = r->by_signal[k][s];
		struct report_accounting a;

		if (!counters_any(c))
			continue;
		report_accounting_of(c, k, &a);
		fprintf(f, "  %-10s events %llu, coalesced %llu, lost %llu, unmatched %llu, sends %llu%s\n",
			report_signal_name(s, name, sizeof(name)), (unsigned long long)c[EVT_CNT_EVENTS],
			(unsigned long long)c[EVT_CNT_COALESCED], (unsigned long long)c[EVT_CNT_LOST],
			(unsigned long long)c[EVT_CNT_UNMATCHED], (unsigned long long)c[EVT_CNT_SENDS],
			a.closes ? "" : "  (accounting open)");
	}
}

/* -P: each process, its kinds in one line each and their accounting. */
static void print_procs(FILE *f, const struct evtrace_report *r)
{
	fprintf(f, "\nprocesses (%d%s)\n", r->nprocs, r->procs_left_out ? ", more left out" : "");
	for (int i = 0; i < r->nprocs; i++) {
		const struct evtrace_proc_report *p = &r->procs[i];

		fprintf(f, "  pid %d (%s)\n", p->pid, p->comm);
		for (int k = 0; k < EVT_KIND_MAX; k++) {
			const uint64_t *c = p->counters[k];

			if (!counters_any(c))
				continue;
			fprintf(f, "  %-9s events %llu, coalesced %llu, lost %llu, unmatched %llu, "
				"total p50 %llu ns\n", evt_kind_name(k),
				(unsigned long long)c[EVT_CNT_EVENTS], (unsigned long long)c[EVT_CNT_COALESCED],
				(unsigned long long)c[EVT_CNT_LOST], (unsigned long long)c[EVT_CNT_UNMATCHED],
				(unsigned long long)p->sum[k][EVT_STAGE_TOTAL].p50);
			print_accounting_of(f, c, k);
		}
	}
	if (r->procs_left_out)
		fprintf(f, "  %llu more processes, in the totals above but not listed\n",
			(unsigned long long)r->procs_left_out);
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
	print_accounting(f, r, k);
	print_by_signal(f, r, k);
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

/* What the accounting's terms mean, once under the kinds. */
static void print_legend(FILE *f, const struct evtrace_report *r)
{
	fputs("\naccounting: every send seen (a sending syscall, a signal generated, a timer\n"
	      "  expiry) leaves its queue one way: an event (consumed: a read, a sigwait,\n"
	      "  a handler run), coalesced (merged into another event), lost (seen, not\n"
	      "  followed), rearmed (timerfd: an expiry no read took, dropped by\n"
	      "  timerfd_settime; a loop that only re-arms consumes its timer this way),\n"
	      "  forwarded (libevm's own handler writing its signal on: part of that\n"
	      "  signal's dispatch), default_action (a signal with no handler), or in_flight\n"
	      "  (still queued when collected: an fd never read again, a process gone);\n"
	      "  timerfd's coalesced expirations are overruns with no callback of their own.\n"
	      "  An expiry or write observed only through epoll, never read, stays in\n"
	      "  flight or is re-armed: it is not counted as an event.\n", f);
	if (!strcmp(r->settings.mode, "system"))
		fputs("  -a: unmatched events were sent before the trace started or by a send\n"
		      "  evtrace did not see (another process's write to a pipe it shares).\n", f);
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
	if (r->per_process)
		print_procs(f, r);
	if (any)
		print_legend(f, r);
	fflush(f);
}

/* ------------------------------------------------------------------ JSON */

static const char *counter_key(enum evt_counter c)
{
	for (size_t i = 0; i < sizeof(counter_keys) / sizeof(counter_keys[0]); i++)
		if (counter_keys[i].c == c)
			return counter_keys[i].key;
	return "?";
}

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

/* {"sends": N, "accounted": N, "gap": N, "closes": B, "terms": [names]}:
 * the identity's two sides (sends + carried; the sum of the terms). */
static struct json_object *accounting_to_json(const uint64_t *c, enum evt_kind k)
{
	struct json_object *o = json_object_new_object(), *terms = json_object_new_array();
	struct report_accounting a;

	report_accounting_of(c, k, &a);
	add_u64(o, "sends", a.sends);
	add_u64(o, "accounted", a.accounted);
	json_object_object_add(o, "gap", json_object_new_int64(a.gap));
	json_object_object_add(o, "closes", json_object_new_boolean(a.closes));
	for (size_t i = 0; i < sizeof(exit_terms) / sizeof(exit_terms[0]); i++)
		if (exit_term_counts(k, exit_terms[i].c))
			json_object_array_add(terms, json_object_new_string(
				counter_key(exit_terms[i].c)));
	json_object_object_add(o, "terms", terms);
	return o;
}

/* A mechanism object from its counters and stage summaries (total: the
 * histogram for "total_buckets", or NULL). */
static struct json_object *mech_to_json(const uint64_t *c, const struct hist_summary *sum,
					const struct loghist *total, enum evt_kind k)
{
	struct json_object *o = json_object_new_object();
	struct json_object *stages = json_object_new_object();
	struct json_object *wakes = json_object_new_object();

	for (size_t i = 0; i < sizeof(counter_keys) / sizeof(counter_keys[0]); i++)
		add_u64(o, counter_keys[i].key, c[counter_keys[i].c]);
	for (int s = 0; s < EVT_STAGE_MAX; s++) {
		if (s == EVT_STAGE_SENDER)
			continue;
		json_object_object_add(stages, stage_names[s], hist_summary_to_json(&sum[s]));
	}
	json_object_object_add(o, "stages", stages);
	json_object_object_add(o, "sender_cost", hist_summary_to_json(&sum[EVT_STAGE_SENDER]));
	for (size_t i = 0; i < sizeof(wake_keys) / sizeof(wake_keys[0]); i++)
		add_u64(wakes, wake_keys[i].key, c[wake_keys[i].c]);
	json_object_object_add(o, "wakes", wakes);
	if (total && total->count)
		json_object_object_add(o, "total_buckets", buckets_to_json(total));
	json_object_object_add(o, "accounting", accounting_to_json(c, k));
	return o;
}

/* The signal kinds by signal number: [{"signo", "name", counters...}]. */
static struct json_object *by_signal_to_json(const struct evtrace_report *r, enum evt_kind k)
{
	struct json_object *a = NULL;
	char name[16];

	for (int s = 1; s < EVTRACE_NSIG; s++) {
		const uint64_t *c = r->by_signal[k][s];
		struct json_object *o;

		if (!counters_any(c))
			continue;
		if (!a)
			a = json_object_new_array();
		o = json_object_new_object();
		json_object_object_add(o, "signo", json_object_new_int(s));
		json_object_object_add(o, "name", json_object_new_string(
			report_signal_name(s, name, sizeof(name))));
		for (size_t i = 0; i < sizeof(counter_keys) / sizeof(counter_keys[0]); i++)
			if (counter_keys[i].c != EVT_CNT_CARRIED)
				add_u64(o, counter_keys[i].key, c[counter_keys[i].c]);
		json_object_object_add(o, "accounting", accounting_to_json(c, k));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *kind_to_json(const struct evtrace_report *r, enum evt_kind k)
{
	const struct evtrace_kind_report *kr = &r->kind[k];
	struct json_object *o = mech_to_json(kr->counters, kr->sum, &kr->hist[EVT_STAGE_TOTAL], k);
	struct json_object *bs = by_signal_to_json(r, k);

	if (bs)
		json_object_object_add(o, "by_signal", bs);
	return o;
}

/* -P: [{"pid", "comm", "mechanisms": {...}}], the busiest first. */
static struct json_object *procs_to_json(const struct evtrace_report *r)
{
	struct json_object *a = json_object_new_array();

	for (int i = 0; i < r->nprocs; i++) {
		const struct evtrace_proc_report *p = &r->procs[i];
		struct json_object *o = json_object_new_object(), *m = json_object_new_object();
		char comm[sizeof(p->comm) + 1];

		snprintf(comm, sizeof(comm), "%.*s", (int)sizeof(p->comm), p->comm);
		json_object_object_add(o, "pid", json_object_new_int(p->pid));
		json_object_object_add(o, "comm", json_object_new_string(comm));
		for (int k = 0; k < EVT_KIND_MAX; k++)
			if (counters_any(p->counters[k]))
				json_object_object_add(m, evt_kind_name(k),
						       mech_to_json(p->counters[k], p->sum[k], NULL, k));
		json_object_object_add(o, "mechanisms", m);
		json_object_array_add(a, o);
	}
	return a;
}

/* One object from its table of fields. */
static struct json_object *fields_to_json(const struct jfield *fields, size_t n, const void *base)
{
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; i < n; i++) {
		const char *src = (const char *)base + fields[i].off;
		struct json_object *v = NULL;

		switch (fields[i].type) {
		case JF_STR:
			if (fields[i].if_set && !src[0])
				continue;
			if (text_is_utf8(src)) {
				v = json_object_new_string(src);
			} else {
				/* JSON is UTF-8: bytes from /proc or a file that
				 * are not become U+FFFD (command and hostname are
				 * the longest string fields) */
				char fixed[TEXTUTF8_SIZE(sizeof(((struct evtrace_settings *)0)->command))];

				v = json_object_new_string(text_utf8(src, fixed, sizeof(fixed)));
			}
			break;
		case JF_INT:
			v = json_object_new_int(*(const int *)src);
			break;
		case JF_U64:
			add_u64(o, fields[i].key, *(const uint64_t *)src);
			continue;
		case JF_BOOL:
			v = json_object_new_boolean(*(const bool *)src);
			break;
		case JF_SECONDS:
			v = json_object_new_double(*(const double *)src);
			break;
		}
		json_object_object_add(o, fields[i].key, v);
	}
	return o;
}

struct json_object *report_to_json(const struct evtrace_report *r)
{
	struct json_object *o = json_object_new_object();
	struct json_object *mech = json_object_new_object();

	json_object_object_add(o, "format", json_object_new_int(REPORT_FORMAT_VERSION));
	json_object_object_add(o, "settings", fields_to_json(settings_fields, ARRAY_LEN(settings_fields),
							     &r->settings));
	for (int k = 0; k < EVT_KIND_MAX; k++)
		if (report_kind_active(r, k))
			json_object_object_add(mech, evt_kind_name(k), kind_to_json(r, k));
	json_object_object_add(o, "mechanisms", mech);
	for (size_t i = 0; i < ARRAY_LEN(report_sections); i++)
		json_object_object_add(o, report_sections[i].key,
				       fields_to_json(report_sections[i].fields, report_sections[i].n, r));
	add_u64(o, "untraced_wakeups", r->untraced_wakeups);
	if (r->per_process) {
		json_object_object_add(o, "processes", procs_to_json(r));
		if (r->procs_left_out)
			add_u64(o, "processes_left_out", r->procs_left_out);
	}
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

/* The reader is strict about what it knows and open to what it does not:
 * a known key of the wrong type, a number out of its range, or numbers that
 * contradict each other are one-line errors naming the key (nothing is
 * clamped); unknown keys are ignored, so that later versions can add some.
 * Each object's keys are a table of fields: a new optional key is a row. */

struct rd {
	const char *path;
	char *err;
	size_t errlen;
};

static int rd_fail(struct rd *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rd_fail(struct rd *rd, const char *fmt, ...)
{
	char msg[256], line[TEXTESC_SIZE(256 + 64)];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* names from the file and the path itself may hold anything: the
	 * message stays one line that is safe to print */
	n = snprintf(line, 64, "%s", rd->path);
	if (n < 0 || n >= 64)
		n = 63;
	snprintf(line + n, sizeof(line) - (size_t)n, ": %s", msg);
	text_escape(line, rd->err, rd->errlen);
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

/* A count or a nanosecond value: an integer in [0, 2^63). json-c keeps a
 * larger integer as an unsigned one (get_int64 would clamp it: compare). */
static int rd_u64_value(struct rd *rd, struct json_object *f, const char *where, const char *key,
			uint64_t *v)
{
	if (!json_object_is_type(f, json_type_int) || json_object_get_int64(f) < 0)
		return rd_fail(rd, "%s.%s: not a non-negative integer", where, key);
	if (json_object_get_uint64(f) > (uint64_t)INT64_MAX)
		return rd_fail(rd, "%s.%s: %s does not fit (a count or a value in ns is below 2^63)",
			       where, key, json_object_to_json_string(f));
	*v = (uint64_t)json_object_get_int64(f);
	return 0;
}

/* A finite number in [0, max]. */
static int rd_real(struct rd *rd, struct json_object *f, const char *where, const char *key,
		   double max, const char *what, double *v)
{
	double d;

	if (!(json_object_is_type(f, json_type_double) || json_object_is_type(f, json_type_int)))
		return rd_fail(rd, "%s.%s: not a number", where, key);
	d = json_object_get_double(f);
	if (!isfinite(d))
		return rd_fail(rd, "%s.%s: %s is not a finite number", where, key,
			       json_object_to_json_string(f));
	if (d < 0)
		return rd_fail(rd, "%s.%s: negative", where, key);
	if (d > max)
		return rd_fail(rd, "%s.%s: %s is not %s (at most %g)", where, key,
			       json_object_to_json_string(f), what, max);
	*v = d;
	return 0;
}

/* The longest tracing time a report can describe (about 31 years). */
#define REPORT_MAX_SECONDS 1e9

static int rd_field(struct rd *rd, struct json_object *o, const char *where,
		    const struct jfield *fd, void *base)
{
	char *dst = (char *)base + fd->off;
	struct json_object *f;

	if (!json_object_object_get_ex(o, fd->key, &f)) {
		if (!fd->required)
			return 0;
		return rd_fail(rd, "%s: missing \"%s\"", where, fd->key);
	}
	switch (fd->type) {
	case JF_STR: {
		const char *s;
		size_t n;

		if (!json_object_is_type(f, json_type_string))
			return rd_fail(rd, "%s.%s: not a string", where, fd->key);
		s = json_object_get_string(f);
		n = strlen(s);
		if (n != (size_t)json_object_get_string_len(f))
			return rd_fail(rd, "%s.%s: holds a NUL character", where, fd->key);
		if (n >= fd->size)
			n = text_utf8_cut(s, fd->size - 1);	/* cut to fit, whole characters */
		memcpy(dst, s, n);
		dst[n] = '\0';
		return 0;
	}
	case JF_INT:
		if (!json_object_is_type(f, json_type_int) || json_object_get_int64(f) < 0 ||
		    json_object_get_int64(f) > INT_MAX)
			return rd_fail(rd, "%s.%s: not a %s", where, fd->key, fd->what);
		*(int *)dst = (int)json_object_get_int64(f);
		return 0;
	case JF_U64:
		return rd_u64_value(rd, f, where, fd->key, (uint64_t *)dst);
	case JF_BOOL:
		if (!json_object_is_type(f, json_type_boolean))
			return rd_fail(rd, "%s.%s: not a boolean", where, fd->key);
		*(bool *)dst = json_object_get_boolean(f);
		return 0;
	case JF_SECONDS:
		return rd_real(rd, f, where, fd->key, REPORT_MAX_SECONDS, "a duration", (double *)dst);
	}
	return rd_fail(rd, "%s.%s: unreadable", where, fd->key);
}

static int rd_fields(struct rd *rd, struct json_object *o, const char *where,
		     const struct jfield *fields, size_t n, void *base)
{
	for (size_t i = 0; i < n; i++)
		if (rd_field(rd, o, where, &fields[i], base))
			return -EINVAL;
	return 0;
}

/* A count at v; absent is an error only when required. */
static int rd_u64(struct rd *rd, struct json_object *o, const char *where, const char *key,
		  bool required, uint64_t *v)
{
	const struct jfield fd = { key, JF_U64, required, 0, sizeof(*v), NULL, false };

	return rd_field(rd, o, where, &fd, v);
}

#define SUMMARY_FIELD(k, field) \
	{ k, JF_U64, true, offsetof(struct hist_summary, field), sizeof(uint64_t), NULL, false }

/* A summary's integers in the order they must be in: count, then min <=
 * p50 <= ... <= max. */
static const struct jfield summary_fields[] = {
	SUMMARY_FIELD("count", count),
	SUMMARY_FIELD("min", min),
	SUMMARY_FIELD("p50", p50),
	SUMMARY_FIELD("p90", p90),
	SUMMARY_FIELD("p99", p99),
	SUMMARY_FIELD("p999", p999),
	SUMMARY_FIELD("max", max),
};

static uint64_t summary_value(const struct hist_summary *s, size_t i)
{
	uint64_t v;

	memcpy(&v, (const char *)s + summary_fields[i].off, sizeof(v));
	return v;
}

static int rd_summary(struct rd *rd, struct json_object *o, const char *where,
		      struct hist_summary *s)
{
	struct json_object *f;
	double slack;

	if (!o || !json_object_is_type(o, json_type_object))
		return rd_fail(rd, "%s: missing or not an object", where);
	if (rd_fields(rd, o, where, summary_fields, ARRAY_LEN(summary_fields), s))
		return -EINVAL;
	if (!json_object_object_get_ex(o, "mean", &f))
		return rd_fail(rd, "%s: missing \"mean\"", where);
	if (rd_real(rd, f, where, "mean", (double)INT64_MAX, "a value in ns", &s->mean))
		return -EINVAL;
	if (!s->count) {
		/* an empty histogram has nothing to summarize */
		for (size_t i = 1; i < ARRAY_LEN(summary_fields); i++)
			if (summary_value(s, i))
				return rd_fail(rd, "%s.%s: %llu, but count is 0", where,
					       summary_fields[i].key,
					       (unsigned long long)summary_value(s, i));
		if (s->mean != 0)
			return rd_fail(rd, "%s.mean: %g, but count is 0", where, s->mean);
		return 0;
	}
	for (size_t i = 2; i < ARRAY_LEN(summary_fields); i++) {
		uint64_t lo = summary_value(s, i - 1), v = summary_value(s, i);

		if (v < lo)
			return rd_fail(rd, "%s.%s: %llu is below %s %llu: percentiles out of order "
				       "(min <= p50 <= ... <= max)", where, summary_fields[i].key,
				       (unsigned long long)v, summary_fields[i - 1].key,
				       (unsigned long long)lo);
	}
	/* the mean of values in [min, max] lies there too (the slack covers
	 * the rounding of sum / count to a double) */
	slack = (double)s->max * 1e-9 + 1e-6;
	if (s->mean < (double)s->min - slack || s->mean > (double)s->max + slack)
		return rd_fail(rd, "%s.mean: %g is outside [min, max] = [%llu, %llu]", where, s->mean,
			       (unsigned long long)s->min, (unsigned long long)s->max);
	return 0;
}

static int rd_settings(struct rd *rd, struct json_object *o, struct evtrace_settings *s)
{
	return rd_fields(rd, o, "settings", settings_fields, ARRAY_LEN(settings_fields), s);
}

/* Rebuilds the total histogram from "total_buckets" so bars can be drawn:
 * the non-empty buckets, each [its low edge, count], lows increasing, the
 * counts adding up to stages.total.count, min in the first and max in the
 * last. */
static int rd_buckets(struct rd *rd, struct json_object *a, const char *where,
		      struct evtrace_kind_report *kr)
{
	struct loghist *h = &kr->hist[EVT_STAGE_TOTAL];
	const struct hist_summary *s = &kr->sum[EVT_STAGE_TOTAL];
	size_t n = json_object_array_length(a);
	char bwhere[128];
	uint64_t total = 0;
	int first = -1, last = -1;
	double sum;

	hist_init(h);
	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(a, i);
		uint64_t low, c;
		unsigned int b;

		snprintf(bwhere, sizeof(bwhere), "%s.total_buckets[%zu]", where, i);
		if (!json_object_is_type(p, json_type_array) || json_object_array_length(p) != 2)
			return rd_fail(rd, "%s: not a [low_ns, count] pair", bwhere);
		if (rd_u64_value(rd, json_object_array_get_idx(p, 0), bwhere, "low_ns", &low) ||
		    rd_u64_value(rd, json_object_array_get_idx(p, 1), bwhere, "count", &c))
			return -EINVAL;
		b = loghist_bucket(low);
		if (loghist_bucket_low(b) != low)
			return rd_fail(rd, "%s: %llu ns is not the low edge of a bucket", bwhere,
				       (unsigned long long)low);
		if (last >= 0 && (int)b <= last)
			return rd_fail(rd, "%s: low %llu ns not above the previous bucket's", bwhere,
				       (unsigned long long)low);
		if (!c)
			return rd_fail(rd, "%s: an empty bucket (only non-empty ones are listed)",
				       bwhere);
		if (__builtin_add_overflow(total, c, &total))
			return rd_fail(rd, "%s.total_buckets: the counts add up past 2^64", where);
		h->counts[b] = c;
		if (first < 0)
			first = (int)b;
		last = (int)b;
	}
	if (total != s->count)
		return rd_fail(rd, "%s.total_buckets: %llu values, but stages.total.count is %llu",
			       where, (unsigned long long)total, (unsigned long long)s->count);
	if (total && ((int)loghist_bucket(s->min) != first || (int)loghist_bucket(s->max) != last))
		return rd_fail(rd, "%s.total_buckets: buckets %llu..%llu ns do not hold "
			       "stages.total min %llu and max %llu", where,
			       (unsigned long long)loghist_bucket_low((unsigned int)first),
			       (unsigned long long)loghist_bucket_low((unsigned int)last),
			       (unsigned long long)s->min, (unsigned long long)s->max);
	/* the sum back from the mean: mean <= max < 2^63 and count < 2^63, so
	 * the product is finite, but it must also fit the 64-bit sum */
	sum = s->mean * (double)s->count;
	if (!(sum < 0x1p64))
		return rd_fail(rd, "%s.stages.total: mean %g times count %llu does not fit 64 bits",
			       where, s->mean, (unsigned long long)s->count);
	h->count = total;
	h->min = s->min;
	h->max = s->max;
	h->sum = (uint64_t)sum;
	return 0;
}

/* One mechanism's counters, stage summaries, sender cost and wakes (the
 * shape of the top level's and of each process's). */
static int rd_mech(struct rd *rd, struct json_object *o, const char *where, uint64_t *counters,
		   struct hist_summary *sum)
{
	char swhere[160];
	struct json_object *stages, *wakes;

	if (!json_object_is_type(o, json_type_object))
		return rd_fail(rd, "%s: not an object", where);
	for (size_t i = 0; i < ARRAY_LEN(counter_keys); i++)
		if (rd_u64(rd, o, where, counter_keys[i].key, counter_keys[i].required,
			   &counters[counter_keys[i].c]))
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
		if (rd_summary(rd, h, swhere, &sum[s]))
			return -EINVAL;
	}
	snprintf(swhere, sizeof(swhere), "%s.sender_cost", where);
	if (!has_key(o, "sender_cost"))
		return rd_fail(rd, "%s: missing", swhere);
	if (rd_summary(rd, json_object_object_get(o, "sender_cost"), swhere,
		       &sum[EVT_STAGE_SENDER]))
		return -EINVAL;
	wakes = get_typed(o, "wakes", json_type_object);
	snprintf(swhere, sizeof(swhere), "%s.wakes", where);
	if (!wakes)
		return rd_fail(rd, "%s: missing or not an object", swhere);
	for (size_t i = 0; i < ARRAY_LEN(wake_keys); i++)
		if (rd_u64(rd, wakes, swhere, wake_keys[i].key, true, &counters[wake_keys[i].c]))
			return -EINVAL;
	return 0;
}

/* "by_signal" of kind k: [{"signo", "name", counters...}], each signal
 * once (its accounting is derived, not read). */
static int rd_by_signal(struct rd *rd, struct json_object *a, const char *where,
			struct evtrace_report *r, enum evt_kind k)
{
	bool seen[EVTRACE_NSIG] = { false };
	char swhere[128];

	if (!json_object_is_type(a, json_type_array))
		return rd_fail(rd, "%s.by_signal: not an array", where);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *o = json_object_array_get_idx(a, i), *f;
		int64_t signo;

		snprintf(swhere, sizeof(swhere), "%s.by_signal[%zu]", where, i);
		if (!json_object_is_type(o, json_type_object))
			return rd_fail(rd, "%s: not an object", swhere);
		if (!json_object_object_get_ex(o, "signo", &f) || !json_object_is_type(f, json_type_int))
			return rd_fail(rd, "%s.signo: missing or not an integer", swhere);
		signo = json_object_get_int64(f);
		if (signo < 1 || signo >= EVTRACE_NSIG)
			return rd_fail(rd, "%s.signo: %lld is not a signal number (1 to %d)", swhere,
				       (long long)signo, EVTRACE_NSIG - 1);
		if (seen[signo])
			return rd_fail(rd, "%s.signo: signal %lld listed twice", swhere,
				       (long long)signo);
		seen[signo] = true;
		if (!get_typed(o, "name", json_type_string))
			return rd_fail(rd, "%s.name: missing or not a string", swhere);
		for (size_t j = 0; j < ARRAY_LEN(counter_keys); j++)
			if (counter_keys[j].c != EVT_CNT_CARRIED &&
			    rd_u64(rd, o, swhere, counter_keys[j].key, false,
				   &r->by_signal[k][signo][counter_keys[j].c]))
				return -EINVAL;
	}
	return 0;
}

static int rd_kind(struct rd *rd, const char *name, struct json_object *o,
		   struct evtrace_report *r, enum evt_kind k)
{
	struct evtrace_kind_report *kr = &r->kind[k];
	struct json_object *a;
	char where[64];

	snprintf(where, sizeof(where), "mechanisms.%s", name);
	if (rd_mech(rd, o, where, kr->counters, kr->sum))
		return -EINVAL;
	if (has_key(o, "by_signal") &&
	    rd_by_signal(rd, json_object_object_get(o, "by_signal"), where, r, k))
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
	char shown[TEXTESC_SIZE(128)];
	bool in = !strcmp(path, "-");
	int fd = in ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 1 << 16, n = 0;
	char *b = NULL;
	int ret = 0;

	text_escape(path, shown, sizeof(shown));
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot read %s: %s", shown, strerror(-ret));
		return ret;
	}
	for (;;) {
		ssize_t got;

		if (!b || n + 1 >= cap) {
			char *nb;

			if (b)
				cap *= 2;
			if (cap > REPORT_MAX_FILE) {
				snprintf(err, errlen, "%s: too large for a report", shown);
				ret = -EFBIG;
				break;
			}
			nb = realloc(b, cap);
			if (!nb) {
				snprintf(err, errlen, "%s: out of memory", shown);
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
			snprintf(err, errlen, "cannot read %s: %s", shown, strerror(errno));
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

/* -P: "processes": [{"pid", "comm", "mechanisms": {...}}], at most
 * EVTRACE_MAX_PROCS, each pid once; "processes_left_out" those not listed. */
static int rd_procs(struct rd *rd, struct json_object *root, struct evtrace_report *r)
{
	struct json_object *a = get_typed(root, "processes", json_type_array);
	char where[64], mwhere[160];
	size_t n;

	if (!a)
		return rd_fail(rd, "processes: not an array");
	n = json_object_array_length(a);
	if (n > EVTRACE_MAX_PROCS)
		return rd_fail(rd, "processes: %zu listed, more than the %d a report holds", n,
			       EVTRACE_MAX_PROCS);
	r->per_process = true;
	r->nprocs = (int)n;
	for (size_t i = 0; i < n; i++) {
		const struct jfield fields[] = {
			{ "pid", JF_INT, true, offsetof(struct evtrace_proc_report, pid), sizeof(int),
			  "process id", false },
			{ "comm", JF_STR, true, offsetof(struct evtrace_proc_report, comm),
			  sizeof(r->procs[i].comm), NULL, false },
		};
		struct evtrace_proc_report *p = &r->procs[i];
		struct json_object *o = json_object_array_get_idx(a, i), *m;

		snprintf(where, sizeof(where), "processes[%zu]", i);
		if (!json_object_is_type(o, json_type_object))
			return rd_fail(rd, "%s: not an object", where);
		if (rd_fields(rd, o, where, fields, ARRAY_LEN(fields), p))
			return -EINVAL;
		if (p->pid > EVTRACE_PID_MAX)
			return rd_fail(rd, "%s.pid: %d is not a process id (at most %d)", where, p->pid,
				       EVTRACE_PID_MAX);
		for (size_t j = 0; j < i; j++)
			if (r->procs[j].pid == p->pid)
				return rd_fail(rd, "%s.pid: %d listed twice", where, p->pid);
		m = get_typed(o, "mechanisms", json_type_object);
		if (!m)
			return rd_fail(rd, "%s.mechanisms: missing or not an object", where);
		json_object_object_foreach(m, name, kobj) {
			int k = evt_kind_from_name(name);

			snprintf(mwhere, sizeof(mwhere), "%s.mechanisms.%.40s", where, name);
			if (k < 0)
				return rd_fail(rd, "%s: unknown mechanism", mwhere);
			if (rd_mech(rd, kobj, mwhere, p->counters[k], p->sum[k]))
				return -EINVAL;
		}
	}
	return rd_u64(rd, root, "report", "processes_left_out", false, &r->procs_left_out);
}

static int rd_report(struct rd *rd, struct evtrace_report *r, struct json_object *root)
{
	struct json_object *settings, *mech, *f;

	if (!json_object_is_type(root, json_type_object))
		return rd_fail(rd, "not an evtrace report (the top level is not an object)");
	if (json_object_object_get_ex(root, "format", &f) &&
	    (!json_object_is_type(f, json_type_int) || json_object_get_int64(f) < 1 ||
	     json_object_get_int64(f) > REPORT_FORMAT_VERSION))
		return rd_fail(rd, "report format %.32s is not one this evtrace reads (1 to %d)",
			       json_object_to_json_string(f), REPORT_FORMAT_VERSION);
	settings = get_typed(root, "settings", json_type_object);
	mech = get_typed(root, "mechanisms", json_type_object);
	if (!settings || !mech)
		return rd_fail(rd, "not an evtrace report (\"%s\" missing or not an object)",
			       !settings ? "settings" : "mechanisms");
	if (rd_settings(rd, settings, &r->settings))
		return -EINVAL;
	json_object_object_foreach(mech, name, kobj) {
		int k = evt_kind_from_name(name);

		if (k < 0)
			return rd_fail(rd, "mechanisms.%.40s: unknown mechanism", name);
		if (rd_kind(rd, name, kobj, r, k))
			return -EINVAL;
	}
	if (has_key(root, "processes") && rd_procs(rd, root, r))
		return -EINVAL;
	if (rd_u64(rd, root, "report", "untraced_wakeups", false, &r->untraced_wakeups))
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_LEN(report_sections); i++) {
		const char *key = report_sections[i].key;

		if (!has_key(root, key))
			continue;
		f = get_typed(root, key, json_type_object);
		if (!f)
			return rd_fail(rd, "%s: not an object", key);
		if (rd_fields(rd, f, key, report_sections[i].fields, report_sections[i].n, r))
			return -EINVAL;
	}
	return 0;
}

/* JSON's white space at the start of b (n bytes). */
static size_t ws_span(const char *b, size_t n)
{
	size_t i = 0;

	while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
		i++;
	return i;
}

/* Whether the first n bytes of b are one whole JSON value (the strict
 * tokener stops at what follows it: trailing data, not a broken value). */
static bool json_complete(const char *b, size_t n)
{
	struct json_tokener *t = json_tokener_new();
	struct json_object *o;
	bool ok;

	if (!t)
		return false;
	json_tokener_set_flags(t, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(t, b, (int)n);
	if (!o && json_tokener_get_error(t) == json_tokener_continue)
		o = json_tokener_parse_ex(t, "", -1);	/* a bare number ends at the end */
	ok = o && json_tokener_get_error(t) == json_tokener_success;
	json_object_put(o);
	json_tokener_free(t);
	return ok;
}

int report_read_json_buf(struct evtrace_report *r, const char *name, const char *buf, size_t len,
			 char *err, size_t errlen)
{
	struct rd rd = { .path = name, .err = err, .errlen = errlen };
	struct json_tokener *tok = NULL;
	struct json_object *root = NULL;
	size_t end;
	int ret;

	memset(r, 0, sizeof(*r));
	r->from_json = true;
	if (errlen)
		err[0] = '\0';
	if (ws_span(buf, len) == len)
		return rd_fail(&rd, "empty file, not a JSON report");
	if (memchr(buf, '\0', len))
		return rd_fail(&rd, "a NUL byte at byte %zu: not a JSON report",
			       (size_t)((const char *)memchr(buf, '\0', len) - buf));
	if (len > INT_MAX)
		return rd_fail(&rd, "too large for a report");
	tok = json_tokener_new();
	if (!tok)
		return rd_fail(&rd, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		end = json_tokener_get_parse_end(tok);
		if (e != json_tokener_continue && json_complete(buf, end))
			ret = rd_fail(&rd, "invalid JSON: trailing data at byte %zu", end);
		else
			ret = rd_fail(&rd, "invalid JSON at byte %zu: %s", end,
				      e == json_tokener_continue ? "unexpected end of file"
								 : json_tokener_error_desc(e));
		goto out;
	}
	end = json_tokener_get_parse_end(tok);
	if (end > len || end + ws_span(buf + end, len - end) != len) {
		ret = rd_fail(&rd, "invalid JSON: trailing data at byte %zu", end);
		goto out;
	}
	ret = rd_report(&rd, r, root);
out:
	json_object_put(root);
	json_tokener_free(tok);
	return ret;
}

int report_read_json(struct evtrace_report *r, const char *path, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int ret;

	memset(r, 0, sizeof(*r));
	r->from_json = true;
	err[0] = '\0';
	ret = read_all(path, &buf, &len, err, errlen);
	if (ret) {
		if (!err[0])
			snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = report_read_json_buf(r, path, buf, len, err, errlen);
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
	s->bpf_stats = m.bpf_stats;
}

// SPDX-License-Identifier: MIT
/*
 * evtrace: follow every signal, eventfd, timerfd, signalfd and pipe event of a
 * process through the kernel, stage by stage, and report the latencies.
 *
 *   evtrace run [OPTION...] -- CMD [ARG...]      trace CMD (and its children)
 *   evtrace attach [-p PID | -a] [INTERVAL [COUNT]]  a process, or the system
 *   evtrace report FILE                          render a saved JSON report
 *   evtrace bench [OPTION...]                    validate the comparison table
 *
 * The session runs on one libevm loop: signal sources (INT, TERM, HUP,
 * QUIT), io sources on the target's pidfd and on the ring buffer of
 * per-event records, timers for the interval, the duration and the
 * Prometheus refresh.
 *
 * Exit status: run mirrors CMD's (its exit code, or 128 + the signal that
 * killed it; 127 when CMD is not found, 126 when it cannot be executed);
 * otherwise 0 on success, 1 when tracing or writing fails, 2 on bad usage
 * (a bad output path included). Every error is one line on stderr.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "evm.h"
#include "html.h"
#include "machine.h"
#include "outfile.h"
#include "parse.h"
#include "perfetto.h"
#include "prom.h"
#include "report.h"
#include "spawn.h"
#include "tracer.h"

#define EVTRACE_VERSION "0.1"
#define EXIT_USAGE 2
#define MAX_SECONDS 1e7
#define MIN_INTERVAL_S 0.01

const char *argp_program_version = "evtrace " EVTRACE_VERSION;

enum {
	OPT_JSON = 0x100,
	OPT_EVENTS,
	OPT_BTF,
	OPT_NO_DISPATCH,
	OPT_PERFETTO,
	OPT_HTML,
	OPT_LISTEN,
	OPT_PROM_FILE,
	OPT_NS,
};

/* --listen / --prom-file without -i: the snapshot's refresh period */
#define PROM_REFRESH_S 1.0

struct cli {
	const char *prog;       /* "evtrace run", for messages */
	bool is_run, is_attach, is_report;
	bool failed;            /* a line was already printed */
	/* common */
	double interval_s;
	long count;             /* attach: interval reports before stopping (0: no limit) */
	int positionals;        /* attach: INTERVAL [COUNT] seen */
	const char *out_path;   /* -o FILE: the text report */
	const char *json_path;
	const char *html_path;
	const char *listen;     /* --listen ADDR:PORT */
	const char *prom_file;
	const char *events_path;
	const char *btf_path;
	const char *perfetto_path;
	bool no_dispatch, quiet, timestamps;
	enum report_unit unit;
	bool per_process;               /* -P */
	int verbose;
	/* attach */
	pid_t pid;
	bool all;
	double duration_s;
	/* run */
	char **cmd;
	/* report */
	const char *file;
};

static void verrline(const struct cli *c, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "%s: %s\n", c ? c->prog : "evtrace", msg);
}

static void errline(const struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void errline(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrline(c, fmt, ap);
	va_end(ap);
}

/* A progress line (not with -q). */
static void note(const struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	if (c->quiet)
		return;
	va_start(ap, fmt);
	verrline(c, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

/* A bad argument: one line, and the parse fails. */
static error_t bad_arg(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static error_t bad_arg(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrline(c, fmt, ap);
	va_end(ap);
	c->failed = true;
	return EINVAL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static error_t interval_arg(struct cli *c, const char *arg)
{
	if (parse_double(arg, MIN_INTERVAL_S, MAX_SECONDS, &c->interval_s))
		return bad_arg(c, "invalid interval '%s': expected %g to %g seconds", arg,
			       MIN_INTERVAL_S, MAX_SECONDS);
	return 0;
}

/* ---------------------------------------------------------- arguments */

static const struct argp_option common_options[] = {
	{ "interval", 'i', "SECONDS", 0, "Also print a report of each SECONDS interval (at least 0.01); --json keeps them in its \"intervals\"", 1 },
	{ "timestamp", 'T', NULL, 0, "Print the time of day on each interval report", 1 },
	{ "output", 'o', "FILE", 0, "Write the text report to FILE ('-': stdout; under run, once CMD has exited)", 1 },
	{ "json", OPT_JSON, "FILE", 0, "Save the report as JSON to FILE ('-': stdout; for attach, instead of the text)", 1 },
	{ "events", OPT_EVENTS, "FILE", 0, "Write per-event records to FILE", 1 },
	{ "html", OPT_HTML, "FILE", 0, "Also draw the report as one self-contained HTML page in FILE ('-': stdout; for attach, instead of the text)", 1 },
	{ "listen", OPT_LISTEN, "ADDR:PORT", 0, "Serve the metrics so far on http://ADDR:PORT/metrics for Prometheus (loopback only: 127.0.0.1, [::1], localhost; port 0: any free one, printed on stderr)", 1 },
	{ "prom-file", OPT_PROM_FILE, "FILE", 0, "Write the metrics in the Prometheus text format to FILE (node_exporter's textfile collector; replaced atomically at each interval, each second without -i, and at the end)", 1 },
	{ "perfetto", OPT_PERFETTO, "FILE", 0, "Write a timeline of every event to FILE (Trace Event Format: ui.perfetto.dev, chrome://tracing)", 1 },
	{ "btf", OPT_BTF, "PATH", 0, "Kernel BTF to use (default /sys/kernel/btf/vmlinux; also EVTRACE_BTF)", 1 },
	{ "no-dispatch", OPT_NO_DISPATCH, NULL, 0, "Do not attach libevm's USDT probes: no dispatch stage (libevm then writes no trace slot: one uprobe trap per thread less)", 1 },
	{ "milliseconds", 'm', NULL, 0, "Text in milliseconds", 1 },
	{ "microseconds", 'u', NULL, 0, "Text in microseconds (default: each number in its unit, 830ns, 4.52us, 1.20ms; JSON is always ns)", 1 },
	{ "quiet", 'q', NULL, 0, "No progress lines: only the report and errors", 1 },
	{ "per-process", 'P', NULL, 0, "Counters per process too (\"processes\": pid, comm, mechanisms; their stages from per-event records)", 1 },
	{ "verbose", 'v', NULL, 0, "Print the tracer's choices (attach mode, fallbacks), libbpf's warnings and the ids of our BPF programs; -vv: libbpf's debug output too", 1 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show this help", 1 },
	{ 0 },
};

#define ENV_DOC \
	"Environment: EVTRACE_BTF=PATH (as --btf); EVTRACE_ATTACH_MODE=raw_tp|tracepoint " \
	"(start the feature probe there, tp_btf otherwise); EVTRACE_HOOKS_ONLY=1 (every " \
	"program attached but returning at once: the cost of the hooks alone, empty reports; " \
	"make bench-overhead's floor)."

static const struct argp_option attach_options[] = {
	{ "pid", 'p', "PID", 0, "Trace process PID and its threads", 0 },
	{ "all", 'a', NULL, 0, "Trace the whole system", 0 },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS (default: until SIGINT/SIGTERM/SIGHUP/SIGQUIT, COUNT intervals, or the target exits)", 0 },
	{ 0 },
};

/* The options that only name a file (or a path) and the flags. */
static const struct { int key; size_t off; } path_opts[] = {
	{ 'o', offsetof(struct cli, out_path) },
	{ OPT_JSON, offsetof(struct cli, json_path) },
	{ OPT_EVENTS, offsetof(struct cli, events_path) },
	{ OPT_HTML, offsetof(struct cli, html_path) },
	{ OPT_PROM_FILE, offsetof(struct cli, prom_file) },
	{ OPT_BTF, offsetof(struct cli, btf_path) },
	{ OPT_PERFETTO, offsetof(struct cli, perfetto_path) },
};
static const struct { int key; size_t off; } flag_opts[] = {
	{ 'T', offsetof(struct cli, timestamps) },
	{ OPT_NO_DISPATCH, offsetof(struct cli, no_dispatch) },
	{ 'P', offsetof(struct cli, per_process) },
	{ 'q', offsetof(struct cli, quiet) },
};

static error_t parse_common(int key, char *arg, struct argp_state *state)
{
	struct cli *c = state->input;
	char err[512];

	for (size_t i = 0; i < sizeof(path_opts) / sizeof(path_opts[0]); i++)
		if (key == path_opts[i].key)
			return *(const char **)((char *)c + path_opts[i].off) = arg, 0;
	for (size_t i = 0; i < sizeof(flag_opts) / sizeof(flag_opts[0]); i++)
		if (key == flag_opts[i].key)
			return *(bool *)((char *)c + flag_opts[i].off) = true, 0;
	switch (key) {
	case 'i':
		return interval_arg(c, arg);
	case OPT_LISTEN:
		if (prom_parse_listen(arg, err, sizeof(err)))
			return bad_arg(c, "%s", err);
		c->listen = arg;
		return 0;
	case 'm':
	case 'u':
	case OPT_NS:
		c->unit = key == 'm' ? REPORT_UNIT_MS : key == 'u' ? REPORT_UNIT_US : REPORT_UNIT_NS;
		return 0;
	case 'v':
		c->verbose++;
		return 0;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp common_argp = { common_options, parse_common, NULL, NULL, NULL, NULL, NULL };
static const struct argp_child common_children[] = {
	{ &common_argp, 0, "Common options:", 1 },
	{ 0 },
};

/* argp answers an unknown option or a missing argument with getopt's one
 * line, then a second ("Try ... --help") on state->err_stream before it exits
 * with argp_err_exit_status: send that second line nowhere, so that bad input
 * is one line on stderr. */
static void quiet_argp_hints(struct argp_state *state)
{
	static FILE *devnull;

	if (!devnull)
		devnull = fopen("/dev/null", "we");
	if (devnull)
		state->err_stream = devnull;
}


static error_t parse_run(int key, char *arg, struct argp_state *state)
{
	struct cli *c = state->input;

	(void)arg;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = c;
		quiet_argp_hints(state);
		return 0;
	case ARGP_KEY_ARG:
		/* CMD and everything after it belong to CMD */
		c->cmd = &state->argv[state->next - 1];
		state->next = state->argc;
		return 0;
	case ARGP_KEY_END:
		if (!c->cmd && !c->failed)
			return bad_arg(c, "missing command: evtrace run [OPTION...] -- CMD [ARG...]");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static error_t parse_attach(int key, char *arg, struct argp_state *state)
{
	struct cli *c = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = c;
		quiet_argp_hints(state);
		return 0;
	case 'p':
		if (parse_pid(arg, &c->pid))
			return bad_arg(c, "invalid PID '%s'", arg);
		return 0;
	case 'a':
		c->all = true;
		return 0;
	case 'd':
		if (parse_double(arg, 1e-9, MAX_SECONDS, &c->duration_s))
			return bad_arg(c, "invalid duration '%s': expected a positive number of seconds", arg);
		return 0;
	case ARGP_KEY_ARG:
		/* runqlat's positionals: INTERVAL [COUNT] */
		if (c->positionals == 0) {
			c->positionals++;
			if (parse_double(arg, MIN_INTERVAL_S, MAX_SECONDS, &c->interval_s))
				return bad_arg(c, "unexpected argument '%s': INTERVAL is %g to %g seconds (see '%s --help')",
					       arg, MIN_INTERVAL_S, MAX_SECONDS, c->prog);
			return 0;
		}
		if (c->positionals == 1) {
			c->positionals++;
			if (parse_long(arg, 1, INT_MAX, &c->count))
				return bad_arg(c, "invalid COUNT '%s': expected a positive number of reports", arg);
			return 0;
		}
		return bad_arg(c, "unexpected argument '%s' (see '%s --help')", arg, c->prog);
	case ARGP_KEY_END:
		if (c->failed)
			return 0;
		if (!c->pid && !c->all)
			return bad_arg(c, "missing target: -p PID or -a for the whole system");
		if (c->pid && c->all)
			return bad_arg(c, "-p and -a exclude each other");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static error_t parse_common(int key, char *arg, struct argp_state *state);

static error_t parse_report(int key, char *arg, struct argp_state *state)
{
	struct cli *c = state->input;

	switch (key) {
	case 'h':
	case 'm':
	case 'u':
	case OPT_NS:
	case OPT_HTML:
	case OPT_EVENTS:
	case OPT_PERFETTO:
		return parse_common(key, arg, state);
	case ARGP_KEY_INIT:
		quiet_argp_hints(state);
		return 0;
	case ARGP_KEY_ARG:
		if (c->file)
			return bad_arg(c, "one FILE only, got '%s' too", arg);
		c->file = arg;
		return 0;
	case ARGP_KEY_END:
		if (c->failed)
			return 0;
		if (!!c->events_path != !!c->perfetto_path)
			return bad_arg(c, "--events and --perfetto go together: evtrace report --events FILE --perfetto OUT");
		if (!c->file && !c->perfetto_path)
			return bad_arg(c, "missing FILE: evtrace report FILE");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp run_argp = {
	NULL, parse_run, "-- CMD [ARG...]",
	"Run CMD (no shell) under the tracers, following its threads and children, "
	"and report when it exits.\v"
	"stdout belongs to CMD: its output passes through untouched, and the report "
	"goes to stderr, or to -o FILE. evtrace writes to stdout only when asked "
	"(-o -, --json -, --html -), and then only once CMD has exited. "
	"SIGINT, SIGTERM, SIGHUP and SIGQUIT are forwarded to CMD; a second one kills it "
	"(the report is written either way). The exit status is CMD's (128 + N when "
	"signal N killed it; 127: not found, 126: not executable; 1 when CMD succeeded "
	"but a report could not be written). With -i, each interval is printed and --json "
	"holds the whole run and its intervals.\n\n" ENV_DOC,
	common_children, NULL, NULL,
};

static const struct argp attach_argp = {
	attach_options, parse_attach, "[-p PID | -a] [INTERVAL [COUNT]]",
	"Trace a running process (and its threads and later children), or the whole "
	"system with -a, until the duration ends, COUNT interval reports were printed, "
	"SIGINT/SIGTERM/SIGHUP/SIGQUIT, or the process exits; then print the report "
	"on stdout. INTERVAL and COUNT as runqlat's: a report each INTERVAL seconds "
	"(as -i), COUNT of them.\v"
	"Once the tracers are attached, evtrace prints 'ready' on stderr (not with -q). "
	"A closed stdout (evtrace ... | head) ends tracing as SIGTERM does.\n\n" ENV_DOC,
	common_children, NULL, NULL,
};

static const struct argp_option report_options[] = {
	{ "html", OPT_HTML, "FILE", 0, "Also draw it as one self-contained HTML page in FILE ('-': stdout, instead of the text)", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show this help", 0 },
	{ "events", OPT_EVENTS, "FILE", 0, "With --perfetto: the per-event records saved with --events (and --perfetto, for the senders)", 0 },
	{ "perfetto", OPT_PERFETTO, "OUT", 0, "Write the timeline of --events FILE to OUT (Trace Event Format)", 0 },
	{ "milliseconds", 'm', NULL, 0, "Text in milliseconds", 0 },
	{ "microseconds", 'u', NULL, 0, "Text in microseconds", 0 },
	{ "ns", OPT_NS, NULL, 0, "Text in exact nanoseconds, the JSON's numbers (default: 830ns, 4.52us, 1.20ms)", 0 },
	{ 0 },
};

static const struct argp report_argp = {
	report_options, parse_report, "FILE\n--events FILE --perfetto OUT",
	"Render a report saved with --json as text again ('-': read stdin), or draw "
	"the timeline of saved per-event records.",
	NULL, NULL, NULL,
};

static int parse_args(const struct argp *argp, int argc, char **argv, struct cli *c, int flags)
{
	int err;

	argp_err_exit_status = EXIT_USAGE;
	err = argp_parse(argp, argc, argv, flags, NULL, c);

	if (err || c->failed) {
		if (!c->failed)
			errline(c, "invalid arguments: %s", strerror(err));
		return -EINVAL;
	}
	{
		const char *to_stdout[3] = { c->out_path, c->json_path, c->html_path };
		int n = 0;

		for (int i = 0; i < 3; i++)
			n += to_stdout[i] && !strcmp(to_stdout[i], "-");
		if (n > 1) {
			errline(c, "only one of -o -, --json - and --html - can take stdout");
			return -EINVAL;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ outputs */

/* Every output file, opened before anything is traced (outfile.h). */
struct outputs {
	FILE *text;                     /* the text report, or NULL: none */
	struct outfile *text_file;      /* -o FILE */
	struct outfile *json, *html, *events;
	struct perfetto_out *perfetto;  /* --perfetto: from the records */
	char perfetto_tmp[PATH_MAX];    /* the records, without --events */
	const char *events_path;
};

static int outputs_open(struct outputs *o, const struct cli *c)
{
	unsigned fl = c->is_run ? OUTFILE_STDOUT_LATER : 0;
	char err[512] = "";
	int r = 0;

	memset(o, 0, sizeof(*o));
	o->events_path = c->events_path;
	if (c->out_path)
		r = outfile_open(&o->text_file, c->out_path, fl, err, sizeof(err));
	if (!r && c->json_path)
		r = outfile_open(&o->json, c->json_path, fl, err, sizeof(err));
	if (!r && c->html_path)
		r = outfile_open(&o->html, c->html_path, fl, err, sizeof(err));
	if (!r && c->events_path)
		r = outfile_open(&o->events, c->events_path, OUTFILE_NO_STDOUT, err, sizeof(err));
	if (!r && c->prom_file)
		r = outfile_check(c->prom_file, OUTFILE_NO_STDOUT, err, sizeof(err));
	if (!r && c->perfetto_path) {
		r = perfetto_open(&o->perfetto, c->perfetto_path, err, sizeof(err));
		if (!r && !c->events_path) {
			r = perfetto_events_tmp(o->perfetto_tmp, sizeof(o->perfetto_tmp));
			if (r)
				snprintf(err, sizeof(err), "cannot make a temporary file for the records: %s",
					 strerror(-r));
			else if (!(r = outfile_open(&o->events, o->perfetto_tmp, 0, err, sizeof(err))))
				o->events_path = o->perfetto_tmp;
		}
	}
	if (r) {
		errline(c, "%s", err);
		return r;
	}
	if (o->text_file)
		o->text = outfile_stream(o->text_file);
	else if (c->is_run)
		o->text = stderr;       /* stdout is CMD's */
	else if ((!c->json_path || strcmp(c->json_path, "-")) &&
		 (!c->html_path || strcmp(c->html_path, "-")))
		o->text = stdout;
	return 0;
}

/* Drops every file not yet committed (nothing half-written stays). */
static void outputs_discard(struct outputs *o)
{
	outfile_discard(o->text_file);
	outfile_discard(o->json);
	outfile_discard(o->html);
	outfile_discard(o->events);
	perfetto_close(o->perfetto);
	if (o->perfetto_tmp[0])
		unlink(o->perfetto_tmp);
	memset(o, 0, sizeof(*o));
}

/* Commits *f (NULL: nothing); 0, or -errno after one line. */
static int commit(const struct cli *c, struct outfile **f)
{
	char err[512];
	int r = outfile_commit(*f, err, sizeof(err));

	*f = NULL;
	if (r)
		errline(c, "%s", err);
	return r;
}

/* The timeline, from the records committed meanwhile; write: false when
 * tracing failed (the file is then left out). */
static int perfetto_finish(struct outputs *o, const struct cli *c, const struct evtrace_settings *base,
			   bool write)
{
	struct perfetto_hint hint = { base ? base->pid : 0, base ? base->command : NULL };
	struct perfetto_stats st;
	char err[512] = "";
	int r = 0;

	if (!o->perfetto)
		return 0;
	if (write)
		r = perfetto_write(o->perfetto, o->events_path, &hint, &st, err, sizeof(err));
	perfetto_close(o->perfetto);
	o->perfetto = NULL;
	if (o->perfetto_tmp[0])
		unlink(o->perfetto_tmp);
	o->perfetto_tmp[0] = '\0';
	if (r)
		errline(c, "%s", err);
	else if (write && st.left_out)
		errline(c, "%zu events left out of %s: no track left for them", st.left_out,
			c->perfetto_path);
	else if (write && c->is_report && st.events && !st.sends)
		errline(c, "note: %s has no send records (saved without --perfetto): the timeline "
			"has no sending syscalls and no flows", o->events_path);
	return r;
}

/* ------------------------------------------------------------ tracing */

struct session {
	struct cli *c;
	struct outputs out;
	struct tracer *t;
	struct evtrace_settings base;   /* what we know of the target and system */
	struct evtrace_report *cum;     /* everything since tracer_open */
	struct evtrace_report *prev;    /* cum at the last interval report */
	struct evtrace_report *part;    /* cum - prev: one interval */
	struct json_object *intervals;  /* --json with -i: each interval */
	evm_loop *loop;
	evm_source *tick;               /* -i: the next interval report */
	int pidfd;
	pid_t child;                    /* run: CMD */
	double start, part_start;
	char part_utc[40];              /* part_start, UTC */
	struct prom_server *prom;       /* --listen */
	bool prom_failed;               /* the last --prom-file write failed */
	int intervals_done;
	int signals;                    /* stop signals received */
	bool target_gone;
	int status;                     /* run: CMD's wait status */
};

/* The target's pidfd (Linux 5.3, older than the kernel BTF evtrace needs):
 * readable once it exits. */
static int target_pidfd(struct session *s, pid_t pid)
{
	s->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (s->pidfd >= 0)
		return 0;
	if (errno == ESRCH)
		errline(s->c, "no process with PID %d", pid);
	else
		errline(s->c, "pidfd_open: %s", strerror(errno));
	return -1;
}

/* Now, UTC, ISO 8601 (with milliseconds: ms). */
static void utc_now(char *buf, size_t len, bool ms)
{
	struct timespec ts;
	struct tm tm;
	char sec[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
	if (ms)
		snprintf(buf, len, "%s.%03dZ", sec, (int)(ts.tv_nsec / 1000000) % 1000);
	else
		snprintf(buf, len, "%sZ", sec);
}

/* Collects everything traced since tracer_open into s->cum. The maps are
 * never cleared: an interval is the difference of two collections, so no
 * event counted between a collection and a clearing can be lost. */
static int collect(struct session *s, double now)
{
	struct evtrace_report *r = s->cum;
	char attach_mode[sizeof(r->settings.attach_mode)];
	bool usdt;
	int err;

	memset(r, 0, sizeof(*r));
	err = tracer_collect(s->t, r);
	if (err) {
		errline(s->c, "cannot read the tracer's maps: %s", strerror(-err));
		return err;
	}
	/* the tracer knows how it attached; we know the rest */
	memcpy(attach_mode, r->settings.attach_mode, sizeof(attach_mode));
	usdt = r->settings.usdt;
	/* turned on at any time while tracing: the figures include it */
	s->base.bpf_stats = s->base.bpf_stats || machine_bpf_stats();
	r->settings = s->base;
	memcpy(r->settings.attach_mode, attach_mode, sizeof(attach_mode));
	r->settings.attach_mode[sizeof(attach_mode) - 1] = '\0';
	r->settings.usdt = usdt;
	r->settings.duration_s = now - s->start;
	r->missed_runs = tracer_misses(s->t);
	r->from_json = false;
	report_summarize(r);
	prom_update(s->prom, r);
	if (s->c->prom_file) {
		char msg[512];

		s->prom_failed = prom_save(r, s->c->prom_file, msg, sizeof(msg)) != 0;
		if (s->prom_failed)
			errline(s->c, "%s", msg);
	}
	return 0;
}

/* s->part = what happened since the last interval report. */
static void take_part(struct session *s, double now)
{
	struct evtrace_report *t;
	double start = s->part_start;

	report_diff(s->part, s->cum, s->prev);
	s->part->settings.duration_s = now - start;
	s->part_start = now;
	utc_now(s->part_utc, sizeof(s->part_utc), true);
	/* cum becomes prev; the old prev is overwritten by the next collect */
	t = s->prev;
	s->prev = s->cum;
	s->cum = t;
	if (s->intervals) {
		struct json_object *o = report_to_json(s->part), *i = json_object_new_object(), *m;
		json_object_object_add(i, "start_time", json_object_new_string(s->part_utc));
		json_object_object_add(i, "duration_s", json_object_new_double(now - start));
		if (json_object_object_get_ex(o, "mechanisms", &m))
			json_object_object_add(i, "mechanisms", json_object_get(m));
		json_object_array_add(s->intervals, i);
		json_object_put(o);
	}
}

/* A failed write of the text: a closed stdout (EPIPE) ends tracing as
 * SIGTERM would; anything else is an error. */
static int text_written(struct session *s)
{
	FILE *f = s->out.text;

	if (!f || (!fflush(f) && !ferror(f)))
		return 0;
	if (errno == EPIPE) {
		s->out.text = NULL;
		return 1;
	}
	errline(s->c, "cannot write the text report: %s", strerror(errno));
	s->out.text = NULL;
	return -EIO;
}

static void print_header(struct session *s, const char *what, double dur)
{
	char tod[16] = "";

	if (s->c->timestamps) {
		time_t t = time(NULL);
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(tod, sizeof(tod), "%H:%M:%S ", &tm);
	}
	fprintf(s->out.text, "\n=== %s%s (%.3f s) ===\n", tod, what, dur);
}

/* A stop signal (or a closed stdout, as SIGTERM): attach stops now; run
 * forwards it to CMD and goes on until CMD exits; a second one kills CMD. */
static int stop(struct session *s, int signo)
{
	s->signals++;
	if (s->child <= 0)
		return evm_loop_exit(s->loop, 0);
	if (s->signals == 1)
		return kill(s->child, signo), 0;	/* CMD decides */
	errline(s->c, "second signal: killing %d and stopping", s->child);
	kill(s->child, SIGKILL);
	return evm_loop_exit(s->loop, 0);
}

static int interval_report(struct session *s, double now)
{
	int err = collect(s, now);

	if (err)
		return err;
	s->intervals_done++;
	take_part(s, now);
	if (s->out.text) {
		char what[32];

		snprintf(what, sizeof(what), "interval %d", s->intervals_done);
		print_header(s, what, s->part->settings.duration_s);
		report_print_text_unit(s->out.text, s->part, s->c->unit);
		err = text_written(s);
		if (err)
			return err < 0 ? err : stop(s, SIGTERM);
	}
	if (s->c->count && s->intervals_done >= s->c->count)
		return evm_loop_exit(s->loop, 0);
	return 0;
}

/* The end: JSON first (a reader closing stdout early stops nothing), then
 * the HTML, then the text; every file committed. */
static int final_report(struct session *s, double now)
{
	const struct evtrace_report *whole;
	struct outputs *o = &s->out;
	int ret = collect(s, now), r;

	if (ret)
		return ret;
	whole = s->cum;
	if (s->intervals_done) {
		take_part(s, now);
		whole = s->prev;	/* take_part moved cum there */
	}
	if (o->json) {
		struct json_object *j = report_to_json(whole);
		FILE *f = outfile_stream(o->json);

		if (s->intervals)
			json_object_object_add(j, "intervals", json_object_get(s->intervals));
		/* a failed write leaves the stream's error set: the commit says it */
		fprintf(f, "%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
		if (commit(s->c, &o->json))
			ret = -EIO;
	}
	if (o->html) {
		if (html_report(outfile_stream(o->html), whole))
			errline(s->c, "cannot draw the page into %s", outfile_path(o->html));
		if (commit(s->c, &o->html))
			ret = -EIO;
	}
	/* after COUNT reports (as runqlat) the text has said everything */
	if (o->text && s->c->count && s->intervals_done >= s->c->count)
		o->text = NULL;
	if (o->text) {
		if (s->intervals_done)
			print_header(s, "last interval", s->part->settings.duration_s);
		else
			fprintf(o->text, "\n");
		report_print_text_unit(o->text, s->intervals_done ? s->part : whole, s->c->unit);
		r = text_written(s);
		if (r < 0)
			ret = r;
	}
	if (o->text_file && commit(s->c, &o->text_file))
		ret = -EIO;
	return ret ? ret : s->prom_failed ? -EIO : 0;
}

/* -v: which programs are ours, so that one can check they are gone after. */
static void print_prog_ids(const struct session *s)
{
	unsigned int ids[64];
	int n = tracer_prog_ids(s->t, ids, 64);

	if (n <= 0)
		return;
	fprintf(stderr, "%s: BPF program ids:", s->c->prog);
	for (int i = 0; i < n && i < 64; i++)
		fprintf(stderr, " %u", ids[i]);
	fprintf(stderr, "\n");
}

/* ---------------------------------------------------------- the loop */

static uint64_t secs_ns(double s)
{
	return (uint64_t)llround(s * 1e9);
}


static int on_signal(evm_source *src, const struct signalfd_siginfo *si, void *ud)
{
	(void)src;
	return stop(ud, (int)si->ssi_signo);
}

static int on_target(evm_source *src, int fd, uint32_t revents, void *ud)
{
	struct session *s = ud;

	(void)fd;
	(void)revents;
	s->target_gone = true;
	return evm_loop_exit(evm_source_get_loop(src), 0);
}

static int on_records(evm_source *src, int fd, uint32_t revents, void *ud)
{
	struct session *s = ud;
	int got = tracer_poll(s->t, 0);

	(void)src;
	(void)fd;
	(void)revents;
	if (got < 0 && got != -EINTR) {
		errline(s->c, "reading per-event records failed: %s", strerror(-got));
		return got;
	}
	return 0;
}

/* The next report is an interval after this one ends, however late it
 * was (a loaded machine, a slow write): the schedule is resynced after each
 * report, never a burst of catch-up reports. */
static int on_tick(evm_source *src, uint64_t n, int error, void *ud)
{
	struct session *s = ud;
	int r;

	(void)n;
	(void)error;
	r = interval_report(s, now_s());
	return r ? r : evm_timer_set(src, secs_ns(s->c->interval_s), 0, 0);
}

static int on_stop(evm_source *src, uint64_t n, int error, void *ud)
{
	(void)n;
	(void)error;
	(void)ud;
	return evm_loop_exit(evm_source_get_loop(src), 0);
}

static int on_prom(evm_source *src, uint64_t n, int error, void *ud)
{
	struct session *s = ud;

	(void)src;
	(void)n;
	(void)error;
	return collect(s, now_s());
}

/* The loop's sources; then it runs until tracing ends. 0, or a negative
 * errno when the tracer or an output failed. */
static int trace_loop(struct session *s)
{
	const struct cli *c = s->c;
	evm_loop *l = s->loop;
	int r = 0, fd = tracer_events_fd(s->t);

	if (s->pidfd >= 0)
		r = evm_add_io(l, NULL, s->pidfd, EPOLLIN, on_target, s);
	if (!r && fd >= 0)
		r = evm_add_io(l, NULL, fd, EPOLLIN, on_records, s);
	if (!r && c->interval_s > 0)
		r = evm_add_timer(l, &s->tick, CLOCK_MONOTONIC, secs_ns(c->interval_s), 0, 0, on_tick, s);
	if (!r && c->duration_s > 0)
		r = evm_add_timer(l, NULL, CLOCK_MONOTONIC, secs_ns(c->duration_s), 0, 0, on_stop, s);
	/* Prometheus without intervals: a fresh snapshot every second */
	if (!r && (c->listen || c->prom_file) && !(c->interval_s > 0))
		r = evm_add_timer(l, NULL, CLOCK_MONOTONIC, secs_ns(PROM_REFRESH_S),
				  secs_ns(PROM_REFRESH_S), 0, on_prom, s);
	if (r) {
		errline(c, "event loop: %s", evm_loop_error(l)[0] ? evm_loop_error(l) : strerror(-r));
		return r;
	}
	r = evm_loop_run(l);
	return r < 0 ? r : 0;
}

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

/* session_init's work, which it undoes on failure */
static int session_init_(struct session *s, struct cli *c, sigset_t *old)
{
	sigset_t set;
	int r;

	memset(s, 0, sizeof(*s));
	s->c = c;
	s->pidfd = -1;
	if (outputs_open(&s->out, c))
		return EXIT_USAGE;
	s->cum = calloc(1, sizeof(*s->cum));
	s->prev = calloc(1, sizeof(*s->prev));
	s->part = calloc(1, sizeof(*s->part));
	if (!s->cum || !s->prev || !s->part) {
		errline(c, "out of memory");
		return -ENOMEM;
	}
	if (c->json_path && c->interval_s > 0)
		s->intervals = json_object_new_array();
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaddset(&set, stop_signals[i]);
	sigprocmask(SIG_BLOCK, &set, old);
	signal(SIGPIPE, SIG_IGN);
	r = evm_loop_new(&s->loop);
	for (size_t i = 0; !r && i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		r = evm_add_signal(s->loop, NULL, stop_signals[i], on_signal, s);
	if (r) {
		errline(c, "event loop: %s", strerror(-r));
		return r;
	}
	report_fill_system(&s->base);
	if (s->base.bpf_stats)
		note(c, "kernel.bpf_stats_enabled is on: the kernel times every BPF program run "
			"(two clock reads more each), and the figures will include it");
	utc_now(s->base.start_time, sizeof(s->base.start_time), false);
	if (gethostname(s->base.hostname, sizeof(s->base.hostname) - 1))
		s->base.hostname[0] = '\0';
	if (c->listen) {
		char err[512];

		if (prom_listen(&s->prom, c->listen, err, sizeof(err))) {
			errline(c, "%s", err);
			return -EADDRINUSE;
		}
		note(c, "serving the metrics on http://%.*s:%d/metrics",
		     (int)(strrchr(c->listen, ':') - c->listen), c->listen, prom_port(s->prom));
	}
	return 0;
}

static void session_fini(struct session *s);

/* Every output opened (a bad one: exit 2, before anything runs); the loop
 * and its signal sources, before any thread starts (the Prometheus
 * server's) and before CMD is forked: stop signals blocked (old: the mask
 * CMD gets back), SIGPIPE ignored (a closed stdout is EPIPE, handled).
 * 0, or the exit status after one line, everything undone. */
static int session_init(struct session *s, struct cli *c, sigset_t *old)
{
	int r = session_init_(s, c, old);

	if (r) {
		session_fini(s);
		outputs_discard(&s->out);
	}
	return r < 0 ? 1 : r;
}


static void session_fini(struct session *s)
{
	prom_close(s->prom);
	s->prom = NULL;
	tracer_close(s->t);	/* every program and link of ours goes with it */
	s->t = NULL;
	evm_loop_free(s->loop);
	s->loop = NULL;
	if (s->pidfd >= 0)
		close(s->pidfd);
	s->pidfd = -1;
	json_object_put(s->intervals);
	s->intervals = NULL;
	free(s->cum);
	free(s->prev);
	free(s->part);
	s->cum = s->prev = s->part = NULL;
}

/* The tracer options every tracing subcommand takes from the command line. */
static void tracer_opts_from(const struct session *s, struct tracer_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->follow_forks = true;
	opts->events_path = s->out.events_path;
	opts->events_file = s->out.events ? outfile_stream(s->out.events) : NULL;
	opts->btf_path = s->c->btf_path;
	opts->no_dispatch = s->c->no_dispatch;
	opts->per_process = s->c->per_process;
	opts->verbose = s->c->verbose;
	opts->send_records = s->out.perfetto != NULL;
}

/* Traces until the end, writes every output. ok: tracing went well so far. */
static int session_end(struct session *s, int ret)
{
	int r;

	if (!ret)
		ret = final_report(s, now_s());
	else
		final_report(s, now_s());
	tracer_close(s->t);	/* the last records are in the stream now */
	s->t = NULL;
	r = commit(s->c, &s->out.events);
	if (r && !ret)
		ret = r;
	r = perfetto_finish(&s->out, s->c, &s->base, !ret);
	if (r && !ret)
		ret = r;
	return ret;
}

static void join_args(char *dst, size_t len, char *const *argv)
{
	size_t n = 0;

	dst[0] = '\0';
	for (int i = 0; argv[i] && n + 1 < len; i++)
		n += (size_t)snprintf(dst + n, len - n, "%s%s", i ? " " : "", argv[i]);
	if (n >= len)
		memcpy(dst + len - 4, "...", 4);
}

/* ----------------------------------------------------------------- run */

static int cmd_run(int argc, char **argv)
{
	struct cli c = { .prog = "evtrace run", .is_run = true };
	struct tracer_opts opts;
	char path[PATH_MAX], real[PATH_MAX], err[512] = "";
	struct spawn sp = { -1, -1, -1 };
	struct session s;
	sigset_t oldmask;
	int ret;

	if (parse_args(&run_argp, argc, argv, &c, ARGP_IN_ORDER))
		return EXIT_USAGE;
	ret = spawn_resolve(c.cmd[0], path, sizeof(path));
	if (ret) {
		if (ret == -ENOENT)
			errline(&c, "command not found: %s", c.cmd[0]);
		else
			errline(&c, "cannot execute %s: %s", c.cmd[0], strerror(-ret));
		return ret == -ENOENT ? 127 : 126;
	}
	ret = session_init(&s, &c, &oldmask);
	if (ret)
		return ret;
	ret = spawn_held(&sp, path, c.cmd, &(struct spawn_opts){ &oldmask, -1, -1, -1 }, err,
			 sizeof(err));
	if (ret) {
		errline(&c, "%s", err);
		goto fail;
	}
	s.child = sp.pid;
	if (target_pidfd(&s, sp.pid)) {
		spawn_abort(&sp);
		goto fail;
	}
	s.base.pid = sp.pid;
	snprintf(s.base.mode, sizeof(s.base.mode), "run");
	join_args(s.base.command, sizeof(s.base.command), c.cmd);

	tracer_opts_from(&s, &opts);
	opts.pid = sp.pid;
	opts.usdt_binary = realpath(path, real) ? real : path;
	ret = tracer_open(&s.t, &opts, err, sizeof(err));
	if (ret) {
		errline(&c, "%s", err[0] ? err : strerror(-ret));
		spawn_abort(&sp);	/* the child exits without running CMD */
		goto fail;
	}
	if (c.verbose)
		print_prog_ids(&s);

	s.start = s.part_start = now_s();
	utc_now(s.part_utc, sizeof(s.part_utc), true);
	ret = spawn_release(&sp);
	if (ret) {
		errline(&c, "cannot execute %s: %s", path, strerror(-ret));
		waitpid(sp.pid, NULL, 0);
		session_fini(&s);
		outputs_discard(&s.out);
		return ret == -ENOENT ? 127 : 126;
	}
	ret = trace_loop(&s);
	while (waitpid(sp.pid, &s.status, 0) < 0 && errno == EINTR)
		;
	ret = session_end(&s, ret);
	session_fini(&s);
	outputs_discard(&s.out);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	if (WIFSIGNALED(s.status))
		return 128 + WTERMSIG(s.status);
	if (ret && WIFEXITED(s.status) && WEXITSTATUS(s.status) == 0)
		return 1;	/* CMD succeeded but the report failed */
	return WIFEXITED(s.status) ? WEXITSTATUS(s.status) : 1;

fail:
	session_fini(&s);
	outputs_discard(&s.out);
	return 1;
}

/* -------------------------------------------------------------- attach */

static int proc_tgid(pid_t pid, pid_t *tgid)
{
	char p[64], line[256];
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/status", pid);
	f = fopen(p, "re");
	if (!f)
		return -errno;
	*tgid = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", tgid) == 1)
			break;
	fclose(f);
	return *tgid > 0 ? 0 : -ESRCH;
}

static void proc_cmdline(pid_t pid, char *dst, size_t len)
{
	char p[64];
	ssize_t n = -1;
	int fd;

	dst[0] = '\0';
	snprintf(p, sizeof(p), "/proc/%d/cmdline", pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, dst, len - 1);
		close(fd);
	}
	if (n <= 0) {
		snprintf(p, sizeof(p), "/proc/%d/comm", pid);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, dst, len - 1);
			close(fd);
		}
		if (n > 0 && dst[n - 1] == '\n')
			n--;
	}
	if (n <= 0)
		n = 0;
	dst[n] = '\0';
	while (n > 0 && dst[n - 1] == '\0')
		n--;
	for (ssize_t i = 0; i < n; i++)
		if (dst[i] == '\0')
			dst[i] = ' ';
}

static int cmd_attach(int argc, char **argv)
{
	struct cli c = { .prog = "evtrace attach", .is_attach = true };
	struct tracer_opts opts;
	char err[512] = "";
	struct session s;
	sigset_t oldmask;
	pid_t tgid = 0;
	int ret;

	if (parse_args(&attach_argp, argc, argv, &c, 0))
		return EXIT_USAGE;
	if (c.pid) {
		ret = proc_tgid(c.pid, &tgid);
		if (ret || (kill(c.pid, 0) && errno == ESRCH)) {
			errline(&c, "no process with PID %d", c.pid);
			return 1;
		}
		if (tgid != c.pid) {
			note(&c, "PID %d is a thread of process %d: tracing the process", c.pid, tgid);
			c.pid = tgid;
		}
	}
	ret = session_init(&s, &c, &oldmask);
	if (ret)
		return ret;
	if (c.pid) {
		if (target_pidfd(&s, c.pid))
			goto fail;
		snprintf(s.base.mode, sizeof(s.base.mode), "attach");
		proc_cmdline(c.pid, s.base.command, sizeof(s.base.command));
		s.base.pid = c.pid;
	} else {
		snprintf(s.base.mode, sizeof(s.base.mode), "system");
		snprintf(s.base.command, sizeof(s.base.command), "(whole system)");
	}

	tracer_opts_from(&s, &opts);
	opts.pid = c.pid;
	opts.all = c.all;
	ret = tracer_open(&s.t, &opts, err, sizeof(err));
	if (ret) {
		errline(&c, "%s", err[0] ? err : strerror(-ret));
		goto fail;
	}
	if (c.verbose)
		print_prog_ids(&s);
	if (c.pid)
		note(&c, "tracing PID %d (%s): ready; Ctrl-C to end", c.pid, tracer_attach_mode(s.t));
	else
		note(&c, "tracing the whole system (%s): ready; Ctrl-C to end", tracer_attach_mode(s.t));
	s.start = s.part_start = now_s();
	utc_now(s.part_utc, sizeof(s.part_utc), true);
	ret = trace_loop(&s);
	if (s.target_gone)
		note(&c, "process %d exited after %.3f s: tracing stopped", c.pid, now_s() - s.start);
	ret = session_end(&s, ret);
	session_fini(&s);
	outputs_discard(&s.out);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	return ret ? 1 : 0;
fail:
	session_fini(&s);
	outputs_discard(&s.out);
	return 1;
}

/* -------------------------------------------------------------- report */

static int cmd_report(int argc, char **argv)
{
	struct cli c = { .prog = "evtrace report", .is_report = true };
	struct evtrace_report *r;
	struct outputs o;
	char err[512] = "";
	int ret;

	if (parse_args(&report_argp, argc, argv, &c, 0))
		return EXIT_USAGE;
	c.json_path = NULL;
	if (outputs_open(&o, &c)) {
		outputs_discard(&o);
		return EXIT_USAGE;
	}
	if (o.perfetto && perfetto_finish(&o, &c, NULL, true)) {
		outputs_discard(&o);
		return 1;
	}
	if (!c.file) {
		outputs_discard(&o);
		return 0;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		errline(&c, "out of memory");
		outputs_discard(&o);
		return 1;
	}
	ret = report_read_json(r, c.file, err, sizeof(err));
	if (ret) {
		errline(&c, "%s", err[0] ? err : strerror(-ret));
		ret = 1;
		goto out;
	}
	ret = 0;
	if (o.html) {
		if (html_report(outfile_stream(o.html), r))
			errline(&c, "cannot draw the page into %s", c.html_path);
		if (commit(&c, &o.html))
			ret = 1;
	}
	if (o.text) {
		report_print_text_unit(o.text, r, c.unit);
		if (fflush(o.text) || ferror(o.text)) {
			if (errno != EPIPE)
				errline(&c, "cannot write the text report: %s", strerror(errno));
			ret = 1;
		}
	}
out:
	outputs_discard(&o);
	free(r);
	return ret;
}

/* ---------------------------------------------------------------- main */

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *what;
} commands[] = {
	{ "run", cmd_run, "run CMD under the tracers and report when it exits" },
	{ "attach", cmd_attach, "trace a running process (-p PID) or the system (-a)" },
	{ "report", cmd_report, "render a saved JSON report as text" },
	{ "bench", cmd_bench, "validate the comparison table against the kernel" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: evtrace COMMAND [OPTION...]\n\n"
		   "Follows every signal, eventfd, timerfd, signalfd and pipe event through\n"
		   "the kernel, stage by stage (send, wake, return, dispatch, total).\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].what);
	fprintf(f, "\n'evtrace COMMAND --help' describes each one.\n"
		   "Examples:\n"
		   "  evtrace run --json out.json -- build/evload eventfd --count 1000\n"
		   "  evtrace attach -p 1234 -d 10 -i 1\n"
		   "  evtrace report out.json\n");
}

int main(int argc, char **argv)
{
	char name[64];

	if (argc < 2) {
		fprintf(stderr, "evtrace: missing command (run, attach, report, bench); see 'evtrace --help'\n");
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("%s\n", argp_program_version);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		/* the subcommand sees "evtrace NAME" as its program name */
		snprintf(name, sizeof(name), "evtrace %s", commands[i].name);
		argv[1] = name;
		return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "evtrace: unknown command '%s' (run, attach, report, bench); see 'evtrace --help'\n",
		argv[1]);
	return EXIT_USAGE;
}

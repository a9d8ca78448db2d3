// SPDX-License-Identifier: MIT
/*
 * evtrace: follow every signal, eventfd, timerfd, signalfd and pipe event of a
 * process through the kernel, stage by stage, and report the latencies.
 *
 *   evtrace run [OPTION...] -- CMD [ARG...]   trace CMD (and its children)
 *   evtrace attach -p PID [-d SECONDS]        trace a running process
 *   evtrace attach -a [-d SECONDS]            trace the whole system
 *   evtrace report FILE                       render a saved JSON report
 *   evtrace bench [OPTION...]                 validate the comparison table
 *
 * Exit status: run mirrors CMD's (its exit code, or 128 + the signal that
 * killed it; 127 when CMD is not found, 126 when it cannot be executed);
 * otherwise 0 on success, 1 when tracing or reading fails, 2 on bad usage.
 * Every error is one line on stderr.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "perfetto.h"
#include "html.h"
#include "prom.h"
#include "report.h"
#include "tracer.h"

#define EVTRACE_VERSION "0.1"
#define EXIT_USAGE 2
#define MAX_SECONDS 1e7

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
};

/* --listen / --prom-file without -i: the snapshot's refresh period */
#define PROM_REFRESH_S 1.0

struct cli {
	const char *prog;       /* "evtrace run", for messages */
	bool is_run, is_attach, is_report;
	bool failed;            /* a line was already printed */
	/* common */
	double interval_s;
	const char *json_path;
	const char *html_path;
	const char *listen;             /* --listen ADDR:PORT */
	const char *prom_file;
	const char *events_path;
	const char *btf_path;
	bool no_dispatch;
	int verbose;
	/* attach */
	pid_t pid;
	bool all;
	double duration_s;
	/* run */
	char **cmd;
	/* report */
	const char *file;
	/* --perfetto FILE: the timeline, written from the records (--events
	 * FILE, or a temporary file of ours) */
	const char *perfetto_path;
	struct perfetto_out *perfetto;
	char perfetto_tmp[PATH_MAX];
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

static int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > MAX_SECONDS)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_pid(const char *s, pid_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > INT_MAX)
		return -EINVAL;
	*out = (pid_t)v;
	return 0;
}

/* ---------------------------------------------------------- arguments */

/* --html FILE: writable, and not stdout twice. */
static error_t html_arg(struct cli *c, const char *arg)
{
	char err[512];

	if (output_check_path(arg, err, sizeof(err)))
		return bad_arg(c, "--html: %s", err);
	c->html_path = arg;
	return 0;
}

static const struct argp_option common_options[] = {
	{ "interval", 'i', "SECONDS", 0, "Also print a report of each SECONDS interval", 1 },
	{ "json", OPT_JSON, "FILE", 0, "Save the report as JSON to FILE ('-': stdout, instead of the text)", 1 },
	{ "events", OPT_EVENTS, "FILE", 0, "Write per-event records to FILE", 1 },
	{ "html", OPT_HTML, "FILE", 0, "Also draw the report as one self-contained HTML page in FILE ('-': stdout, instead of the text)", 1 },
	{ "listen", OPT_LISTEN, "ADDR:PORT", 0, "Serve the metrics so far on http://ADDR:PORT/metrics for Prometheus (loopback only: 127.0.0.1, [::1], localhost; port 0: any free one, printed on stderr)", 1 },
	{ "prom-file", OPT_PROM_FILE, "FILE", 0, "Write the metrics in the Prometheus text format to FILE (node_exporter's textfile collector; replaced atomically at each interval, each second without -i, and at the end)", 1 },
	{ "btf", OPT_BTF, "PATH", 0, "Kernel BTF to use (default /sys/kernel/btf/vmlinux; also EVTRACE_BTF)", 1 },
	{ "no-dispatch", OPT_NO_DISPATCH, NULL, 0, "Do not attach libevm's USDT probes: no dispatch stage, and a uprobe trap less per event", 1 },
	{ "perfetto", OPT_PERFETTO, "FILE", 0, "Write a timeline of every event to FILE (Trace Event Format: ui.perfetto.dev, chrome://tracing)", 1 },
	{ "verbose", 'v', NULL, 0, "Print libbpf debug output and the ids of our BPF programs", 1 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show this help", 1 },
	{ 0 },
};

static const struct argp_option attach_options[] = {
	{ "pid", 'p', "PID", 0, "Trace process PID and its threads", 0 },
	{ "all", 'a', NULL, 0, "Trace the whole system", 0 },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS (default: until SIGINT/SIGTERM or the target exits)", 0 },
	{ 0 },
};

static error_t parse_common(int key, char *arg, struct argp_state *state)
{
	struct cli *c = state->input;

	switch (key) {
	case 'i':
		if (parse_seconds(arg, &c->interval_s))
			return bad_arg(c, "invalid interval '%s': expected a positive number of seconds", arg);
		return 0;
	case OPT_JSON:
		c->json_path = arg;
		return 0;
	case OPT_EVENTS:
		c->events_path = arg;
		return 0;
	case OPT_HTML:
		return html_arg(c, arg);
	case OPT_LISTEN: {
		char err[512];

		if (prom_parse_listen(arg, err, sizeof(err)))
			return bad_arg(c, "%s", err);
		c->listen = arg;
		return 0;
	}
	case OPT_PROM_FILE: {
		char err[512];

		if (!strcmp(arg, "-") || output_check_path(arg, err, sizeof(err)))
			return bad_arg(c, "--prom-file: %s", strcmp(arg, "-") ? err : "needs a file, not stdout");
		c->prom_file = arg;
		return 0;
	}
	case OPT_BTF:
		c->btf_path = arg;
		return 0;
	case OPT_NO_DISPATCH:
		c->no_dispatch = true;
		return 0;
	case OPT_PERFETTO:
		c->perfetto_path = arg;
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
		if (parse_seconds(arg, &c->duration_s))
			return bad_arg(c, "invalid duration '%s': expected a positive number of seconds", arg);
		return 0;
	case ARGP_KEY_ARG:
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

static error_t parse_report(int key, char *arg, struct argp_state *state)
{
	struct cli *c = state->input;

	switch (key) {
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		return 0;
	case OPT_HTML:
		return html_arg(c, arg);
	case ARGP_KEY_INIT:
		quiet_argp_hints(state);
		return 0;
	case OPT_EVENTS:
		c->events_path = arg;
		return 0;
	case OPT_PERFETTO:
		c->perfetto_path = arg;
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
	"and print the report when it exits.\v"
	"SIGINT and SIGTERM are forwarded to CMD; a second one kills it. "
	"The exit status is CMD's (128 + N when signal N killed it; 127: not found, "
	"126: not executable). With -i, each interval is printed and --json holds the "
	"whole run.",
	common_children, NULL, NULL,
};

static const struct argp attach_argp = {
	attach_options, parse_attach, "-p PID | -a",
	"Trace a running process (and its threads and later children), or the whole "
	"system with -a, until the duration ends, SIGINT/SIGTERM, or the process exits; "
	"then print the report.",
	common_children, NULL, NULL,
};

static const struct argp_option report_options[] = {
	{ "html", OPT_HTML, "FILE", 0, "Also draw it as one self-contained HTML page in FILE ('-': stdout, instead of the text)", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show this help", 0 },
	{ "events", OPT_EVENTS, "FILE", 0, "With --perfetto: the per-event records saved with --events (and --perfetto, for the senders)", 0 },
	{ "perfetto", OPT_PERFETTO, "OUT", 0, "Write the timeline of --events FILE to OUT (Trace Event Format)", 0 },
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
	if (c->json_path && c->html_path && !strcmp(c->json_path, "-") && !strcmp(c->html_path, "-")) {
		errline(c, "--json - and --html - cannot both take stdout");
		return -EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------ tracing */

struct session {
	struct cli *c;
	struct tracer *t;
	struct evtrace_settings base;   /* what we know of the target and system */
	struct evtrace_report *cum;     /* everything since tracer_open */
	struct evtrace_report *prev;    /* cum at the last interval report */
	struct evtrace_report *part;    /* cum - prev: one interval */
	int sigfd, pidfd;
	pid_t child;                    /* run: CMD */
	double start, part_start;
	struct prom_server *prom;       /* --listen */
	bool prom_failed;               /* the last --prom-file write failed */
	int intervals;
	int signals;                    /* SIGINT/SIGTERM received */
	bool target_gone;
};

static int pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	(void)pid;
	return -1;
#endif
}

/* Without a pidfd: is pid gone or a zombie? */
static bool pid_gone(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	bool gone = true;

	if (kill(pid, 0) && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return true;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && p[1] == ' ')
		gone = p[2] == 'Z' || p[2] == 'X';
	fclose(f);
	return gone;
}

static void time_of_day(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
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

	report_diff(s->part, s->cum, s->prev);
	s->part->settings.duration_s = now - s->part_start;
	s->part_start = now;
	/* cum becomes prev; the old prev is overwritten by the next collect */
	t = s->prev;
	s->prev = s->cum;
	s->cum = t;
}

static bool text_out(const struct session *s)
{
	return (!s->c->json_path || strcmp(s->c->json_path, "-")) &&
	       (!s->c->html_path || strcmp(s->c->html_path, "-"));
}

static int interval_report(struct session *s, double now)
{
	char tod[16];
	int err = collect(s, now);

	if (err)
		return err;
	s->intervals++;
	take_part(s, now);
	if (text_out(s)) {
		time_of_day(tod, sizeof(tod));
		printf("\n=== %s  interval %d (%.3f s) ===\n", tod, s->intervals,
		       s->part->settings.duration_s);
		report_print_text(stdout, s->part);
	}
	return 0;
}

static int final_report(struct session *s, double now)
{
	const struct evtrace_report *whole;
	char err[256] = "";
	int ret = collect(s, now);

	if (ret)
		return ret;
	whole = s->cum;
	if (s->intervals) {
		take_part(s, now);
		whole = s->prev;	/* take_part moved cum there */
	}
	if (text_out(s)) {
		if (s->intervals) {
			char tod[16];

			time_of_day(tod, sizeof(tod));
			printf("\n=== %s  last interval (%.3f s) ===\n", tod,
			       s->part->settings.duration_s);
		} else {
			printf("\n");
		}
		report_print_text(stdout, s->intervals ? s->part : whole);
	}
	if (s->c->json_path && report_write_json(whole, s->c->json_path, err, sizeof(err))) {
		errline(s->c, "%s", err);
		return -EIO;
	}
	if (s->c->html_path && html_save_report(whole, s->c->html_path, err, sizeof(err))) {
		errline(s->c, "%s", err);
		return -EIO;
	}
	return s->prom_failed ? -EIO : 0;
}

/* --perfetto FILE (tools/output/perfetto.h): the file is made before
 * anything is traced; the records go to --events FILE or to a temporary
 * file of ours, the timeline is written from them once the tracer has
 * closed them. */
static int perfetto_begin(struct cli *c)
{
	char err[512] = "";
	int r;

	if (!c->perfetto_path)
		return 0;
	r = perfetto_open(&c->perfetto, c->perfetto_path, err, sizeof(err));
	if (!r && !c->events_path) {
		r = perfetto_events_tmp(c->perfetto_tmp, sizeof(c->perfetto_tmp));
		if (r)
			snprintf(err, sizeof(err), "cannot make a temporary file for the records: %s",
				 strerror(-r));
		else
			c->events_path = c->perfetto_tmp;
	}
	if (r) {
		errline(c, "%s", err);
		perfetto_close(c->perfetto);
		c->perfetto = NULL;
	}
	return r;
}

/* write: false when tracing failed (the file is then left out). */
static int perfetto_end(struct cli *c, const struct evtrace_settings *base, bool write)
{
	struct perfetto_hint hint = { base ? base->pid : 0, base ? base->command : NULL };
	struct perfetto_stats st;
	char err[512] = "";
	int r = 0;

	if (!c->perfetto)
		return 0;
	if (write)
		r = perfetto_write(c->perfetto, c->events_path, &hint, &st, err, sizeof(err));
	if (c->perfetto_tmp[0])
		unlink(c->perfetto_tmp);
	perfetto_close(c->perfetto);
	c->perfetto = NULL;
	if (r)
		errline(c, "%s", err);
	else if (write && st.left_out)
		errline(c, "%zu events left out of %s: no track left for them", st.left_out,
			c->perfetto_path);
	else if (write && c->is_report && st.events && !st.sends)
		errline(c, "note: %s has no send records (saved without --perfetto): the timeline "
			"has no sending syscalls and no flows", c->events_path);
	return r;
}

/* -v: which programs are ours, so that one can check they are gone after. */
/* The tracer options every tracing subcommand takes from the command line. */
static void tracer_opts_from_cli(const struct cli *c, struct tracer_opts *opts)
{
	opts->follow_forks = true;
	opts->events_path = c->events_path;
	opts->btf_path = c->btf_path;
	opts->no_dispatch = c->no_dispatch;
	opts->verbose = c->verbose;
	opts->send_records = c->perfetto != NULL;
}

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

static int block_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, old))
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Waits for the target, the signals and the intervals until tracing ends.
 * Returns 0, or a negative errno when the tracer failed. */
static int trace_loop(struct session *s)
{
	const struct cli *c = s->c;
	double deadline = c->duration_s > 0 ? s->start + c->duration_s : INFINITY;
	double next = c->interval_s > 0 ? s->start + c->interval_s : INFINITY;
	/* Prometheus without intervals: a fresh snapshot every second */
	double snap = (c->listen || c->prom_file) && !(c->interval_s > 0) ?
		      s->start + PROM_REFRESH_S : INFINITY;

	for (;;) {
		struct pollfd pfd[2] = { { s->sigfd, POLLIN, 0 }, { s->pidfd, POLLIN, 0 } };
		double now = now_s(), until = fmin(fmin(deadline, next), snap);
		int timeout, n;

		if (now >= deadline)
			return 0;
		if (now >= snap) {
			int err = collect(s, now);

			if (err)
				return err;
			while (snap <= now)
				snap += PROM_REFRESH_S;
			continue;
		}
		if (now >= next) {
			int err = interval_report(s, now);

			if (err)
				return err;
			while (next <= now)
				next += c->interval_s;
			continue;
		}
		timeout = isinf(until) ? -1 : (int)ceil((until - now) * 1000);
		/* without a pidfd, look at the target every 100 ms */
		if (s->pidfd < 0 && (s->child > 0 || c->pid > 0) && (timeout < 0 || timeout > 100))
			timeout = 100;
		if (c->events_path) {
			int got = tracer_poll(s->t, timeout < 0 || timeout > 100 ? 100 : timeout);

			if (got < 0 && got != -EINTR) {
				errline(s->c, "reading per-event records failed: %s", strerror(-got));
				return got;
			}
			timeout = 0;
		}
		n = poll(pfd, 2, timeout);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0 && (pfd[0].revents & POLLIN)) {
			struct signalfd_siginfo si;

			while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				s->signals++;
				if (s->child <= 0)
					return 0;	/* attach: stop now */
				if (s->signals == 1) {
					kill(s->child, (int)si.ssi_signo);
				} else {
					errline(s->c, "second signal: killing %d and stopping", s->child);
					kill(s->child, SIGKILL);
					return 0;
				}
			}
		}
		if (s->pidfd >= 0 && n > 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			s->target_gone = true;
			return 0;
		}
		if (s->pidfd < 0 && s->child > 0) {
			int st;

			if (waitpid(s->child, &st, WNOHANG | __WNOTHREAD) == s->child) {
				/* reaped here: keep the status for the caller */
				s->target_gone = true;
				s->child = -st - 1;
				return 0;
			}
		} else if (s->pidfd < 0 && c->pid > 0 && pid_gone(c->pid)) {
			s->target_gone = true;
			return 0;
		}
	}
}

static int session_init(struct session *s, struct cli *c)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->sigfd = s->pidfd = -1;
	s->cum = calloc(1, sizeof(*s->cum));
	s->prev = calloc(1, sizeof(*s->prev));
	s->part = calloc(1, sizeof(*s->part));
	if (!s->cum || !s->prev || !s->part) {
		errline(c, "out of memory");
		return -ENOMEM;
	}
	report_fill_system(&s->base);
	if (c->listen) {
		char err[512];

		if (prom_listen(&s->prom, c->listen, err, sizeof(err))) {
			errline(c, "%s", err);
			return -EADDRINUSE;
		}
		fprintf(stderr, "%s: serving the metrics on http://%.*s:%d/metrics\n", c->prog,
			(int)(strrchr(c->listen, ':') - c->listen), c->listen, prom_port(s->prom));
	}
	return 0;
}

static void session_fini(struct session *s)
{
	prom_close(s->prom);
	s->prom = NULL;
	tracer_close(s->t);	/* every program and link of ours goes with it */
	s->t = NULL;
	if (s->sigfd >= 0)
		close(s->sigfd);
	if (s->pidfd >= 0)
		close(s->pidfd);
	free(s->cum);
	free(s->prev);
	free(s->part);
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

/* CMD as execvp would find it; 0 and a path, or -errno. */
static int resolve_cmd(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");
	int last = ENOENT;

	if (!*name)
		return -ENOENT;
	if (strchr(name, '/')) {
		struct stat st;

		if (stat(name, &st))
			return -errno;
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		if (access(name, X_OK))
			return -errno;
		snprintf(out, len, "%s", name);
		return 0;
	}
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *colon = strchrnul(path, ':');
		int dlen = (int)(colon - path);
		struct stat st;

		snprintf(out, len, "%.*s%s%s", dlen, dlen ? path : ".", "/", name);
		if (stat(out, &st) == 0 && !S_ISDIR(st.st_mode)) {
			if (access(out, X_OK) == 0)
				return 0;
			last = errno;
		}
		path = *colon ? colon + 1 : colon;
	}
	return -last;
}

static int cmd_run(int argc, char **argv)
{
	struct cli c = { .prog = "evtrace run", .is_run = true };
	struct tracer_opts opts = { 0 };
	char path[PATH_MAX], real[PATH_MAX], err[512] = "";
	int gate[2] = { -1, -1 }, errp[2] = { -1, -1 };
	struct session s;
	sigset_t oldmask;
	int ret, status = 0, exec_errno = 0;
	pid_t child;
	ssize_t n;

	if (parse_args(&run_argp, argc, argv, &c, ARGP_IN_ORDER))
		return EXIT_USAGE;
	ret = resolve_cmd(c.cmd[0], path, sizeof(path));
	if (ret) {
		if (ret == -ENOENT)
			errline(&c, "command not found: %s", c.cmd[0]);
		else
			errline(&c, "cannot execute %s: %s", c.cmd[0], strerror(-ret));
		return ret == -ENOENT ? 127 : 126;
	}
	if (perfetto_begin(&c))
		return 1;
	if (session_init(&s, &c))
		goto fail_early;
	s.sigfd = block_signals(&oldmask);
	if (s.sigfd < 0) {
		errline(&c, "signalfd: %s", strerror(errno));
		goto fail_early;
	}
	if (pipe2(gate, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) {
		errline(&c, "pipe: %s", strerror(errno));
		goto fail_early;
	}
	child = fork();
	if (child < 0) {
		errline(&c, "fork: %s", strerror(errno));
		goto fail_early;
	}
	if (child == 0) {
		char go;

		close(gate[1]);
		close(errp[0]);
		/* wait until the tracers are in place; EOF: evtrace gave up */
		do
			n = read(gate[0], &go, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(126);
		sigprocmask(SIG_SETMASK, &oldmask, NULL);
		execv(path, c.cmd);
		exec_errno = errno;
		if (write(errp[1], &exec_errno, sizeof(exec_errno)) < 0)
			_exit(126);
		_exit(exec_errno == ENOENT ? 127 : 126);
	}
	close(gate[0]);
	close(errp[1]);
	s.child = child;
	s.pidfd = pidfd_open_(child);

	s.base.pid = child;
	snprintf(s.base.mode, sizeof(s.base.mode), "run");
	join_args(s.base.command, sizeof(s.base.command), c.cmd);

	tracer_opts_from_cli(&c, &opts);
	opts.pid = child;
	opts.usdt_binary = realpath(path, real) ? real : path;
	ret = tracer_open(&s.t, &opts, err, sizeof(err));
	if (ret) {
		errline(&c, "%s", err[0] ? err : strerror(-ret));
		close(gate[1]);	/* the child exits without running CMD */
		waitpid(child, NULL, 0);
		session_fini(&s);
		perfetto_end(&c, NULL, false);
		return 1;
	}
	if (c.verbose)
		print_prog_ids(&s);

	s.start = s.part_start = now_s();
	if (write(gate[1], "g", 1) != 1) {
		errline(&c, "cannot start %s: %s", c.cmd[0], strerror(errno));
		kill(child, SIGKILL);
	}
	close(gate[1]);
	do
		n = read(errp[0], &exec_errno, sizeof(exec_errno));
	while (n < 0 && errno == EINTR);
	close(errp[0]);
	if (n == (ssize_t)sizeof(exec_errno)) {
		errline(&c, "cannot execute %s: %s", path, strerror(exec_errno));
		waitpid(child, NULL, 0);
		session_fini(&s);
		perfetto_end(&c, NULL, false);
		return exec_errno == ENOENT ? 127 : 126;
	}

	ret = trace_loop(&s);
	if (s.child < 0) {
		status = -(s.child + 1);	/* reaped by the loop */
	} else {
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (!ret)
		ret = final_report(&s, now_s());
	else
		final_report(&s, now_s());
	session_fini(&s);
	if (perfetto_end(&c, &s.base, true) && !ret)
		ret = -EIO;
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	if (ret && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 1;	/* CMD succeeded but the report failed */
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;

fail_early:
	session_fini(&s);
	perfetto_end(&c, NULL, false);
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
	struct tracer_opts opts = { 0 };
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
			fprintf(stderr, "%s: PID %d is a thread of process %d: tracing the process\n",
				c.prog, c.pid, tgid);
			c.pid = tgid;
		}
	}
	if (perfetto_begin(&c))
		return 1;
	if (session_init(&s, &c))
		goto fail;
	s.sigfd = block_signals(&oldmask);
	if (s.sigfd < 0) {
		errline(&c, "signalfd: %s", strerror(errno));
		goto fail;
	}
	if (c.pid) {
		s.pidfd = pidfd_open_(c.pid);
		if (s.pidfd < 0 && errno == ESRCH) {
			errline(&c, "no process with PID %d", c.pid);
			goto fail;
		}
		snprintf(s.base.mode, sizeof(s.base.mode), "attach");
		proc_cmdline(c.pid, s.base.command, sizeof(s.base.command));
		s.base.pid = c.pid;
	} else {
		snprintf(s.base.mode, sizeof(s.base.mode), "system");
		snprintf(s.base.command, sizeof(s.base.command), "(whole system)");
	}

	tracer_opts_from_cli(&c, &opts);
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
		fprintf(stderr, "%s: tracing PID %d (%s): ready; Ctrl-C to end\n", c.prog, c.pid,
			tracer_attach_mode(s.t));
	else
		fprintf(stderr, "%s: tracing the whole system (%s): ready; Ctrl-C to end\n", c.prog,
			tracer_attach_mode(s.t));
	fflush(stderr);
	s.start = s.part_start = now_s();
	if (c.pid && s.pidfd < 0 && pid_gone(c.pid))
		s.target_gone = true;
	else
		ret = trace_loop(&s);
	if (s.target_gone)
		fprintf(stderr, "%s: process %d exited after %.3f s: tracing stopped\n", c.prog,
			c.pid, now_s() - s.start);
	if (!ret)
		ret = final_report(&s, now_s());
	else
		final_report(&s, now_s());
	session_fini(&s);
	if (perfetto_end(&c, &s.base, true) && !ret)
		ret = -EIO;
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	return ret ? 1 : 0;
fail:
	session_fini(&s);
	perfetto_end(&c, NULL, false);
	return 1;
}

/* -------------------------------------------------------------- report */

static int cmd_report(int argc, char **argv)
{
	struct cli c = { .prog = "evtrace report", .is_report = true };
	struct evtrace_report *r;
	char err[512] = "";
	int ret;

	if (parse_args(&report_argp, argc, argv, &c, 0))
		return EXIT_USAGE;
	if (perfetto_begin(&c))
		return 1;
	if (c.perfetto && perfetto_end(&c, NULL, true))
		return 1;
	if (!c.file)
		return 0;
	r = calloc(1, sizeof(*r));
	if (!r) {
		errline(&c, "out of memory");
		return 1;
	}
	ret = report_read_json(r, c.file, err, sizeof(err));
	if (ret) {
		errline(&c, "%s", err[0] ? err : strerror(-ret));
		free(r);
		return 1;
	}
	if (!c.html_path || strcmp(c.html_path, "-"))
		report_print_text(stdout, r);
	if (c.html_path && html_save_report(r, c.html_path, err, sizeof(err))) {
		errline(&c, "%s", err);
		free(r);
		return 1;
	}
	free(r);
	return 0;
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

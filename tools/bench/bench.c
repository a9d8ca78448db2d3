// SPDX-License-Identifier: MIT
/*
 * evtrace bench: runs evload for every mechanism under the tracers, in
 * controlled conditions, trial after trial, and checks the classic table
 * (signals: high latency, low throughput; eventfd: low latency, high
 * throughput; timerfd: precise; signalfd: integrated) against what was
 * measured. See bench_impl.h for the parts.
 *
 * The plan: a syscall census per mechanism (untraced), then trials. Trial i
 * of every scenario and mechanism runs before trial i + 1 of any, and the
 * order of the mechanisms rotates from one trial to the next, so the
 * machine's drift falls on all of them alike and pairs of trials compare.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "bench_baseline.h"
#include "bench_impl.h"
#include "html.h"
#include "machine.h"
#include "outfile.h"
#include "parse.h"
#include "tracer.h"

#define EXIT_USAGE 2

enum {
	OPT_JSON = 0x100,
	OPT_MARKDOWN,
	OPT_EVLOAD,
	OPT_POLICY,
	OPT_TRIALS,
	OPT_TIMEOUT,
	OPT_NO_TRACE,
	OPT_QUICK,
	OPT_SCALE,
	OPT_DISPATCH,
	OPT_BASELINE,
	OPT_AGAINST,
	OPT_HTML,
};

struct bench_cli {
	const char *prog;
	bool failed;
	bool quick;
	int trials;             /* 0: the mode's default */
	double scale;           /* multiplies the event counts */
	int timeout_s;
	const char *json, *md, *html, *evload, *policy;
	bool no_trace;
	bool no_dispatch;
	const char *baseline, *against;	/* bench_baseline.h */
};

static void errline(const struct bench_cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void errline(const struct bench_cli *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", c->prog, msg);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ----------------------------------------------------------- arguments */

static const struct argp_option options[] = {
	{ "quick", OPT_QUICK, NULL, 0, "3 trials of small runs: under a minute", 0 },
	{ "trials", OPT_TRIALS, "N", 0, "Trials per scenario and mechanism (default 9; quick 3; 1..32)", 0 },
	{ "scale", OPT_SCALE, "X", 0, "Multiply the events per trial by X (0.01..100)", 0 },
	{ "json", OPT_JSON, "FILE", 0, "Also save the results as JSON to FILE", 0 },
	{ "markdown", OPT_MARKDOWN, "FILE", 0, "Also save the results as markdown to FILE", 0 },
	{ "html", OPT_HTML, "FILE", 0, "Also draw the verdicts and latencies as one self-contained HTML page in FILE", 0 },
	{ "evload", OPT_EVLOAD, "PATH", 0, "The evload binary (default: evload beside evtrace)", 0 },
	{ "policy", OPT_POLICY, "POLICY", 0, "Scheduling policy of evload: other (default) or fifo:PRIO", 0 },
	{ "timeout", OPT_TIMEOUT, "SECONDS", 0, "Kill a trial after SECONDS (default 120)", 0 },
	{ "no-dispatch", OPT_DISPATCH, NULL, 0, "Leave out libevm's dispatch stage (the kernel total then ends at the consuming syscall's exit)", 0 },
	{ "baseline", OPT_BASELINE, "OLD.json", 0, "Compare the verdicts with a saved run's (--json): exit 3 when one changed, listing which", 0 },
	{ "against", OPT_AGAINST, "NEW.json", 0, "With --baseline: compare the saved run NEW.json instead of running", 0 },
	{ "no-trace", OPT_NO_TRACE, NULL, OPTION_HIDDEN, "Run evload only (tests)", 0 },
	{ 0 },
};

static bool policy_ok(const char *p)
{
	long prio;

	if (!strcmp(p, "other"))
		return true;
	return !strncmp(p, "fifo:", 5) && !parse_long(p + 5, 1, 99, &prio);
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct bench_cli *c = state->input;
	long v;

	if (c->failed && key != ARGP_KEY_ERROR && key != ARGP_KEY_END && key != ARGP_KEY_FINI &&
	    key != ARGP_KEY_SUCCESS && key != ARGP_KEY_NO_ARGS && key != ARGP_KEY_INIT)
		return EINVAL;
	switch (key) {
	case ARGP_KEY_INIT: {
		/* argp follows getopt's one line about a bad option with a
		 * second ("Try ... --help"): send that one nowhere */
		static FILE *devnull;

		if (!devnull)
			devnull = fopen("/dev/null", "we");
		if (devnull)
			state->err_stream = devnull;
		return 0;
	}
	case OPT_QUICK:
		c->quick = true;
		return 0;
	case OPT_TRIALS:
		if (parse_long(arg, 1, BENCH_MAX_TRIALS, &v)) {
			errline(c, "invalid --trials '%s': expected 1..%d", arg, BENCH_MAX_TRIALS);
			c->failed = true;
			return EINVAL;
		}
		c->trials = (int)v;
		return 0;
	case OPT_SCALE: {
		double x;

		if (parse_double(arg, 0.01, 100, &x)) {
			errline(c, "invalid --scale '%s': expected 0.01..100", arg);
			c->failed = true;
			return EINVAL;
		}
		c->scale = x;
		return 0;
	}
	case OPT_TIMEOUT:
		if (parse_long(arg, 1, 86400, &v)) {
			errline(c, "invalid --timeout '%s': expected 1..86400 seconds", arg);
			c->failed = true;
			return EINVAL;
		}
		c->timeout_s = (int)v;
		return 0;
	case OPT_JSON:
		c->json = arg;
		return 0;
	case OPT_MARKDOWN:
		c->md = arg;
		return 0;
	case OPT_HTML:
		c->html = arg;
		return 0;
	case OPT_EVLOAD:
		c->evload = arg;
		return 0;
	case OPT_POLICY:
		if (!policy_ok(arg)) {
			errline(c, "invalid --policy '%s': expected other or fifo:1..99", arg);
			c->failed = true;
			return EINVAL;
		}
		c->policy = arg;
		return 0;
	case OPT_NO_TRACE:
		c->no_trace = true;
		return 0;
	case OPT_DISPATCH:
		c->no_dispatch = true;
		return 0;
	case OPT_BASELINE:
		c->baseline = arg;
		return 0;
	case OPT_AGAINST:
		c->against = arg;
		return 0;
	case ARGP_KEY_ARG:
		errline(c, "unexpected argument '%s' (see '%s --help')", arg, c->prog);
		c->failed = true;
		return EINVAL;
	case ARGP_KEY_ERROR:
		if (!c->failed) {
			const char *a = state->next > 0 && state->next <= state->argc ?
				state->argv[state->next - 1] : NULL;

			c->failed = true;
			if (a && a[0] == '-')
				errline(c, "unrecognized option or missing argument: '%s' (see '%s --help')",
					a, c->prog);
			else
				errline(c, "invalid arguments (see '%s --help')", c->prog);
		}
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp bench_argp = {
	options, parse_opt, NULL,
	"Validate the classic comparison table of Linux event channels (signal "
	"handler, sigwait, signalfd, eventfd, timerfd; the pipe as the baseline) "
	"against kernel measurements on this machine: evload runs every mechanism "
	"under the tracers, one-way latency on one CPU and across two, flood "
	"throughput and timer precision, trial after trial. Prints the table as "
	"measured, a verdict beside each claim with the rule that decided it, the "
	"cross-check of the kernel's figures against evload's, and the conditions.\v"
	"Progress goes to stderr. Needs root (or CAP_BPF and CAP_PERFMON). Exit "
	"status: 0 when the bench ran (whatever the verdicts), 1 when it could not "
	"run or the cross-check flagged an impossible case, 2 on bad usage, 3 when "
	"--baseline found a verdict changed (the changes are listed on stderr).",
	NULL, NULL, NULL,
};

/* ---------------------------------------------------------------- setup */

/* evload beside our own binary. */
static void default_evload(char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0) {
		snprintf(out, len, "build/evload");
		return;
	}
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	snprintf(out, len, "%.*s/evload", (int)(len > 8 ? len - 8 : 0), self);
}

static uint64_t scaled(uint64_t n, double x)
{
	double v = (double)n * x;

	return v < 10 ? 10 : (uint64_t)v;
}

static void config_from(const struct bench_cli *c, struct bench_config *cfg)
{
	double x = c->scale > 0 ? c->scale : 1.0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->quick = c->quick;
	cfg->trials = c->trials ? c->trials : c->quick ? 3 : 9;
	if (c->quick) {
		cfg->count[BENCH_SAME] = 2000;          /* round trips */
		cfg->count[BENCH_CROSS] = 2000;
		cfg->count[BENCH_FLOOD] = 50000;        /* events */
		cfg->count[BENCH_TIMER] = 300;          /* expirations */
		cfg->count[BENCH_PACED] = 300;          /* events */
	} else {
		cfg->count[BENCH_SAME] = 20000;
		cfg->count[BENCH_CROSS] = 20000;
		cfg->count[BENCH_FLOOD] = 500000;
		cfg->count[BENCH_TIMER] = 3000;
		cfg->count[BENCH_PACED] = 3000;
	}
	for (int s = 0; s < BENCH_NSCEN; s++)
		cfg->count[s] = scaled(cfg->count[s], x);
	cfg->interval_ns = 1000000;                     /* 1 ms, like cyclictest's default */
	cfg->flood_interval_ns = 2000;                  /* shorter than a wakeup */
	snprintf(cfg->policy, sizeof(cfg->policy), "%s", c->policy ? c->policy : "other");
	if (c->evload)
		snprintf(cfg->evload, sizeof(cfg->evload), "%s", c->evload);
	else
		default_evload(cfg->evload, sizeof(cfg->evload));
	cfg->timeout_s = c->timeout_s ? c->timeout_s : 120;
	cfg->json_path = c->json;
	cfg->md_path = c->md;
	cfg->no_trace = c->no_trace;
	cfg->dispatch = !c->no_dispatch;
}

/* Can we write FILE? Checked before minutes of measuring, not after. */
static int check_writable(const struct bench_cli *c, const char *opt, const char *path)
{
	char err[512];

	if (outfile_check(path, 0, err, sizeof(err))) {
		errline(c, "%s: %s", opt, err);
		return -1;
	}
	return 0;
}

/* --------------------------------------------------------------- progress */

struct progress {
	int done, total;
	double t0;
	bool tty;
};

static void progress(struct progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress(struct progress *p, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s[%3d/%3d %5.0fs] %s%s", p->tty ? "\r\033[K" : "", p->done, p->total,
		mono_s() - p->t0, msg, p->tty ? "" : "\n");
	fflush(stderr);
}

static void on_signal(int sig)
{
	(void)sig;
	bench_interrupted = 1;
}

/* ------------------------------------------------------------------ run */

static void run_plan(struct bench_results *r, struct bench_session *sess, struct progress *p)
{
	const struct bench_config *cfg = &r->cfg;
	static const enum bench_scen scens[] = {
		BENCH_SAME, BENCH_CROSS, BENCH_FLOOD, BENCH_TIMER, BENCH_PACED,
	};

	p->total = EVT_KIND_LOAD;
	for (int s = 0; s < BENCH_NSCEN; s++)
		for (int k = 0; k < EVT_KIND_LOAD; k++)
			p->total += bench_applies(k, s) ? cfg->trials : 0;

	for (int k = 0; k < EVT_KIND_LOAD && !bench_interrupted; k++) {
		progress(p, "syscall census: %s", evt_kind_name(k));
		bench_census(cfg, k, &r->sc[k]);
		p->done++;
	}
	for (int i = 0; i < cfg->trials && !bench_interrupted; i++) {
		for (size_t j = 0; j < sizeof(scens) / sizeof(scens[0]); j++) {
			enum bench_scen s = scens[j];

			for (int m = 0; m < EVT_KIND_LOAD && !bench_interrupted; m++) {
				enum evt_kind k = (enum evt_kind)((m + i) % EVT_KIND_LOAD);
				struct bench_cell *c = &r->cell[k][s];
				struct bench_trial *t;

				if (!bench_applies(k, s))
					continue;
				progress(p, "trial %d/%d  %-8s %-5s", i + 1, cfg->trials, evt_kind_name(k),
					 bench_scen_name(s));
				t = &c->t[c->n];
				bench_run_trial(sess, k, s, t);
				if (t->status == -EINTR || bench_interrupted)
					break;
				c->n++;
				p->done++;
				if (t->status) {
					if (p->tty)
						fprintf(stderr, "\n");
					progress(p, "  failed: %s", t->err);
					if (p->tty)
						fprintf(stderr, "\n");
				}
			}
		}
	}
	snprintf(r->attach_mode, sizeof(r->attach_mode), "%s", bench_session_attach_mode(sess));
	r->usdt = bench_session_usdt(sess);
	if (p->tty)
		fprintf(stderr, "\r\033[K");
	fprintf(stderr, "[%3d/%3d %5.0fs] done\n", p->done, p->total, mono_s() - p->t0);
}

/*
 * The trials run a private copy of evload: the tree may be rebuilt while the
 * bench runs (minutes), and the USDT probes stay on the inode they were
 * attached to, so a new build/evload would silently lose the dispatch stage
 * and change the workload half-way.
 */
static int private_copy(struct bench_config *cfg, char *dir, size_t dirlen, char *err, size_t errlen)
{
	char dst[sizeof(cfg->evload)];
	int in = -1, out = -1, ret = 0;
	struct stat st;

	const char *tmp = getenv("TMPDIR");

	snprintf(dir, dirlen, "%.*s/evtrace-bench.XXXXXX", (int)dirlen - 24,
		 tmp && tmp[0] == '/' ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		snprintf(err, errlen, "mkdtemp: %s", strerror(errno));
		dir[0] = '\0';
		return -1;
	}
	snprintf(dst, sizeof(dst), "%.*s/evload", (int)sizeof(dst) - 8, dir);
	in = open(cfg->evload, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st)) {
		snprintf(err, errlen, "cannot read %.300s: %s", cfg->evload, strerror(errno));
		ret = -1;
		goto out;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (out < 0) {
		snprintf(err, errlen, "cannot write %.300s: %s", dst, strerror(errno));
		ret = -1;
		goto out;
	}
	for (off_t done = 0; done < st.st_size;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)(st.st_size - done), 0);

		if (n <= 0) {
			snprintf(err, errlen, "copying %.300s: %s", cfg->evload, n ? strerror(errno) : "short file");
			ret = -1;
			goto out;
		}
		done += n;
	}
	snprintf(cfg->evload_src, sizeof(cfg->evload_src), "%s", cfg->evload);
	snprintf(cfg->evload, sizeof(cfg->evload), "%s", dst);
out:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) && !ret) {
		snprintf(err, errlen, "cannot write %.300s: %s", dst, strerror(errno));
		ret = -1;
	}
	return ret;
}

static void private_remove(const struct bench_config *cfg, const char *dir)
{
	if (!dir[0])
		return;
	if (cfg->evload_src[0])
		unlink(cfg->evload);
	rmdir(dir);
}

/* One line per cross-check row flagged impossible; true if any. */
static bool report_impossible(const struct bench_cli *c, const struct bench_results *r)
{
	struct bench_check ch[EVT_KIND_LOAD * BENCH_NSCEN];
	int n = bench_crosscheck(r, ch, EVT_KIND_LOAD * BENCH_NSCEN);
	bool any = false;

	for (int i = 0; i < n && !r->cfg.no_trace; i++) {
		if (!ch[i].ok && ch[i].ntrials) {
			errline(c, "cross-check: kernel p50 above user p50 for %s (%s) in %d of %d trials",
				evt_kind_name(ch[i].mech), bench_scen_name(ch[i].scen), ch[i].violations,
				ch[i].ntrials);
			any = true;
		}
	}
	return any;
}

int cmd_bench(int argc, char **argv)
{
	struct bench_cli c = { .prog = argc > 0 ? argv[0] : "evtrace bench" };
	struct bench_results *r;
	struct bench_session *sess = NULL;
	struct bench_baseline *base = NULL;
	struct progress p = { .t0 = mono_s(), .tty = isatty(STDERR_FILENO) };
	struct sigaction sa = { .sa_handler = on_signal };
	char err[512] = "", dir[PATH_MAX] = "";
	int ret = 1, ok_trials = 0;

	argp_err_exit_status = EXIT_USAGE;
	if (argp_parse(&bench_argp, argc, argv, 0, NULL, &c) || c.failed) {
		if (!c.failed)
			errline(&c, "invalid arguments (see '%s --help')", c.prog);
		return EXIT_USAGE;
	}
	if (c.against && !c.baseline) {
		errline(&c, "--against needs --baseline OLD.json");
		return EXIT_USAGE;
	}
	if (c.baseline && bench_baseline_load(c.baseline, &base, err, sizeof(err))) {
		errline(&c, "%s", err);
		return 1;
	}
	if (c.against) {
		ret = bench_baseline_against(base, c.against, c.prog);
		bench_baseline_free(base);
		return ret;
	}
	/* SIGINT and SIGTERM from the start (a shell starts a background job
	 * with SIGINT ignored: one that came before this would be lost). Until
	 * the plan runs they only set the flag, and the calls they interrupt
	 * restart: the tracer loads undisturbed, then nothing is measured. */
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	r = calloc(1, sizeof(*r));
	if (!r) {
		errline(&c, "out of memory");
		bench_baseline_free(base);
		return 1;
	}
	config_from(&c, &r->cfg);
	if (access(r->cfg.evload, X_OK)) {
		errline(&c, "evload not found at %s (build it with 'make', or pass --evload PATH)",
			r->cfg.evload);
		goto out;
	}
	if ((c.json && check_writable(&c, "--json", c.json)) ||
	    (c.md && check_writable(&c, "--markdown", c.md)) ||
	    (c.html && check_writable(&c, "--html", c.html)))
		goto out;
	if (private_copy(&r->cfg, dir, sizeof(dir), err, sizeof(err))) {
		errline(&c, "%s", err);
		goto out;
	}
	/* the tracer loads and attaches now, or we say why in one line */
	if (bench_session_open(&r->cfg, &sess, err, sizeof(err))) {
		errline(&c, "%s", err);
		goto out;
	}
	report_fill_system(&r->sys);
	/* from now on a signal also cuts the running trial's waits short */
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	fprintf(stderr, "%s: %s mode, %d trials, evload %s\n", c.prog,
		r->cfg.quick ? "quick" : "default", r->cfg.trials, r->cfg.evload_src);
	if (!bench_interrupted)
		run_plan(r, sess, &p);
	bench_session_close(sess);
	r->elapsed_s = mono_s() - p.t0;
	/* turned on at any time during the trials: the figures include it */
	r->sys.bpf_stats = r->sys.bpf_stats || machine_bpf_stats();
	if (bench_interrupted) {
		errline(&c, "interrupted: no results");
		ret = 130;
		goto out;
	}
	for (int k = 0; k < EVT_KIND_LOAD; k++)
		for (int s = 0; s < BENCH_NSCEN; s++)
			for (int i = 0; i < r->cell[k][s].n; i++)
				ok_trials += !r->cell[k][s].t[i].status;
	if (!ok_trials) {
		char first[256] = "";

		for (int k = 0; k < EVT_KIND_LOAD && !first[0]; k++)
			for (int s = 0; s < BENCH_NSCEN && !first[0]; s++)
				if (r->cell[k][s].n)
					snprintf(first, sizeof(first), "%s", r->cell[k][s].t[0].err);
		errline(&c, "every trial failed; the first: %s", first);
		goto out;
	}

	ret = 0;
	bench_print_text(stdout, r);
	if (c.json && bench_write_json(r, c.json, err, sizeof(err))) {
		errline(&c, "%s", err);
		ret = 1;
	}
	if (c.md && bench_write_markdown(r, c.md, err, sizeof(err))) {
		errline(&c, "%s", err);
		ret = 1;
	}
	if (c.html && html_save_bench(r, c.html, err, sizeof(err))) {
		errline(&c, "%s", err);
		ret = 1;
	}
	if (report_impossible(&c, r))
		ret = 1;
	if (base) {
		int b = bench_baseline_check(base, r, c.prog);

		if (b && !ret)
			ret = b;
	}
out:
	bench_baseline_free(base);
	private_remove(&r->cfg, dir);
	free(r);
	return ret;
}

/* SPDX-License-Identifier: MIT */
/*
 * evload KIND [options]: the CLI, the validation of every setting (one line
 * on stderr and exit status 2 for bad input), and the report: a human
 * summary, or with --json one JSON object on stdout and nothing else.
 *
 * Exit status: 0 done, 1 the run failed (a side died, stalled or a syscall
 * failed: one line on stderr, and the JSON with "error" under --json),
 * 2 bad input.
 */
#include "evload.h"
#include "machine.h"
#include "parse.h"

#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <json-c/json.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The sender/receiver kinds; timerfd and the daemon have runners of their own. */
static const struct ev_mech *const kind_mechs[MECH_COUNT] = {
	[MECH_SIGNAL] = &ev_mech_signal,
	[MECH_SIGWAIT] = &ev_mech_sigwait,
	[MECH_SIGNALFD] = &ev_mech_signalfd,
	[MECH_EVENTFD] = &ev_mech_eventfd,
	[MECH_PIPE] = &ev_mech_pipe,
};

static const char *const pattern_names[] = {
	[EV_PINGPONG] = "pingpong",
	[EV_ONEWAY] = "oneway",
	[EV_FLOOD] = "flood",
};

static const char *const pin_names[] = {
	[EV_PIN_SAME] = "same",
	[EV_PIN_CROSS] = "cross",
	[EV_PIN_NONE] = "none",
};

static const char *const clock_names[] = { "monotonic", "realtime", "boottime" };
static const clockid_t clock_ids[] = { CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME };

#define NAMES(a) (a), (int)(sizeof(a) / sizeof((a)[0]))

/* The daemon is a service, not a pattern; timerfd keeps the pattern asked
 * for (its settings say periodic or oneshot). */
static const char *pattern_name(const struct ev_opts *o)
{
	return o->kind == MECH_DAEMON ? "service" : pattern_names[o->pattern];
}

/* ---- bad input: one line, exit 2 ------------------------------------------ */

static void __attribute__((noreturn, format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("evload: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* "a, b or c" of names[0..n-1] (NULL entries skipped). */
static const char *choice_list(const char *const *names, int n, char *list, size_t len)
{
	list[0] = '\0';
	for (int i = 0; i < n; i++)
		if (names[i])
			snprintf(list + strlen(list), len - strlen(list), "%s%s",
				 list[0] ? (i == n - 1 ? " or " : ", ") : "", names[i]);
	return list;
}

/* arg among names[0..n-1]: its index; anything else is bad input. */
static int parse_choice(const char *opt, const char *arg, const char *const *names, int n)
{
	char list[160];

	for (int i = 0; i < n; i++)
		if (names[i] && !strcmp(arg, names[i]))
			return i;
	usage_error("unknown %s '%s' (%s)", opt, arg, choice_list(names, n, list, sizeof(list)));
}

/* The KINDs: the mechanism table's names. */
static const char *const *kind_names(void)
{
	static const char *names[MECH_COUNT];

	for (int m = 0; m < MECH_COUNT; m++)
		names[m] = mech_table[m].traced_only ? NULL : mech_table[m].name;
	return names;
}

/* A decimal integer in [min, max] (parse.h); anything else is bad input. */
static uint64_t opt_u64(const char *opt, const char *arg, uint64_t min, uint64_t max)
{
	uint64_t v = 0;
	int r;

	while (isspace((unsigned char)*arg))
		arg++;
	r = parse_u64(arg, 0, UINT64_MAX, &v);
	if (r == -ERANGE || (!r && v > max))
		usage_error("%s must be in the range %" PRIu64 "..%" PRIu64 ", not '%s'", opt, min, max,
			    arg);
	if (r || v < min)
		usage_error("%s must be a %s integer, not '%s'", opt, min ? "positive" : "non-negative",
			    arg);
	return v;
}

/* A duration (ev_parse_duration) in [min_ns, max_ns]. */
static uint64_t parse_duration(const char *opt, const char *arg, uint64_t def_unit,
			       uint64_t min_ns, uint64_t max_ns)
{
	char a[32], b[32];
	uint64_t ns = 0;
	int r = ev_parse_duration(arg, def_unit, &ns);

	if (r == -EINVAL || (r == 0 && ns < min_ns && min_ns <= 1))
		usage_error("%s must be a %sduration such as 1.5, 250ms, 100us (not '%s')", opt,
			    min_ns ? "positive " : "", arg);
	if ((r < 0 || ns > max_ns) && min_ns <= 1)
		usage_error("%s must be at most %s, not '%s'", opt, hist_fmt_ns(max_ns, b, sizeof(b)),
			    arg);
	if (r < 0 || ns < min_ns || ns > max_ns)
		usage_error("%s must be from %s to %s, not '%s'", opt, hist_fmt_ns(min_ns, a, sizeof(a)),
			    hist_fmt_ns(max_ns, b, sizeof(b)), arg);
	return ns;
}

/* ---- the options ---------------------------------------------------------- */

enum {
	OPT_PATTERN = 'p',
	OPT_COUNT = 'c',
	OPT_DURATION = 'd',
	OPT_JSON = 'j',
	OPT_INTERVAL = 'i',
	OPT_HELP = 'h',
	OPT_THREADS = 256,
	OPT_PROCESSES,
	OPT_CPU,
	OPT_POLICY,
	OPT_DELAY,
	OPT_TIMEOUT,
	OPT_WINDOW,
	OPT_SIGNAL,
	OPT_SEND,
	OPT_SEMAPHORE,
	OPT_ONESHOT,
	OPT_ABSOLUTE,
	OPT_CLOCK,
	OPT_JOBS,
	OPT_WORKERS,
	OPT_JOB_TIME,
	OPT_TICK,
	OPT_CONFIG,
};

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Traffic:", 1 },
	{ "pattern", OPT_PATTERN, "P", 0,
	  "pingpong (default: each event answered through the same mechanism), "
	  "oneway (one event at a time, the receiver idle in between) or flood "
	  "(as fast as it goes, at most --window in flight)", 1 },
	{ "count", OPT_COUNT, "N", 0,
	  "pingpong: N round trips (2N events); oneway, flood: N events; timerfd: "
	  "N expirations (default 10000; flood 100000; timerfd 1000; at most 10^12)", 1 },
	{ "duration", OPT_DURATION, "S", 0, "run for S seconds instead of --count", 1 },
	{ "interval", OPT_INTERVAL, "DURATION", 0,
	  "timerfd: the period (default 1ms; bare number = us). pingpong: the "
	  "receiver pauses this long before each answer (as sigwaittest -i); "
	  "oneway: the sender pauses this long before each event", 1 },
	{ "window", OPT_WINDOW, "N", 0,
	  "flood: events in flight at most (default 4096; signal: 128, below the "
	  "256 siginfo libevm's handler source queues)", 1 },
	{ "threads", OPT_THREADS, NULL, 0, "sender and receiver are threads of one process (default)", 1 },
	{ "processes", OPT_PROCESSES, NULL, 0, "sender and receiver are two processes (fork)", 1 },
	{ "cpu", OPT_CPU, "same|cross|none", 0,
	  "pinning: same (both on the first allowed CPU, default), cross (sender "
	  "on the first, receiver on the second) or none", 1 },
	{ "policy", OPT_POLICY, "other|fifo:PRIO", 0, "scheduling policy (default other)", 1 },
	{ "delay", OPT_DELAY, "S", 0,
	  "after start-up, print the pids on stderr and wait S seconds before the "
	  "traffic (time for evtrace attach; at most 1h)", 1 },
	{ "timeout", OPT_TIMEOUT, "S", 0,
	  "a side with no progress for S seconds fails the run (default 5; at most 1h)", 1 },
	{ "json", OPT_JSON, NULL, 0, "one JSON object on stdout instead of the summary", 1 },

	{ NULL, 0, NULL, 0, "signal, sigwait, signalfd:", 2 },
	{ "signal", OPT_SIGNAL, "SIG", 0,
	  "SIGUSR1 (default), SIGUSR2, SIGRTMIN+N, SIGRTMAX-N or a number; "
	  "ping-pong answers use its partner (USR1<->USR2, RTMIN+N -> RTMIN+N+1)", 2 },
	{ "send", OPT_SEND, "CALL", 0,
	  "kill, tgkill (default), sigqueue (the sequence as payload) or pidfd "
	  "(pidfd_send_signal)", 2 },

	{ NULL, 0, NULL, 0, "eventfd:", 3 },
	{ "semaphore", OPT_SEMAPHORE, NULL, 0, "EFD_SEMAPHORE: one read per event, nothing coalesces", 3 },

	{ NULL, 0, NULL, 0, "timerfd:", 4 },
	{ "oneshot", OPT_ONESHOT, NULL, 0, "a one-shot timer re-armed from each callback", 4 },
	{ "absolute", OPT_ABSOLUTE, NULL, 0, "arm with absolute times (TFD_TIMER_ABSTIME)", 4 },
	{ "clock", OPT_CLOCK, "CLOCK", 0, "monotonic (default), realtime or boottime", 4 },

	{ NULL, 0, NULL, 0, "daemon:", 5 },
	{ "jobs", OPT_JOBS, "N", 0, "jobs to run (default 1000; at most 10^12)", 5 },
	{ "workers", OPT_WORKERS, "N", 0, "worker threads (default 2; 1..64)", 5 },
	{ "job-time", OPT_JOB_TIME, "DURATION", 0, "work per job (default 50us; at most 1s)", 5 },
	{ "tick", OPT_TICK, "DURATION", 0, "stats timer period (default 100ms; 1ms..1h)", 5 },
	{ "config", OPT_CONFIG, "FILE", 0,
	  "settings file (job_time = DURATION, tick = DURATION lines, # comments; "
	  "at most 64 KiB), re-read on SIGHUP (a bad file keeps the settings)", 5 },

	{ NULL, 0, NULL, 0, "Other:", -1 },
	{ "help", OPT_HELP, NULL, 0, "give this help", -1 },
	{ 0 }
};

static const char doc[] =
	"evload: drive one Linux event channel through libevm and measure it.\v"
	"KIND: signal (classic handler), sigwait (sigtimedwait), signalfd, eventfd, "
	"timerfd, pipe (the self-pipe baseline) or daemon (a service loop using all "
	"of them: SIGTERM/SIGINT drain and stop, SIGHUP reloads, SIGUSR1 dumps stats).\n\n"
	"Latency is one-way: the sender stamps CLOCK_MONOTONIC just before the "
	"sending syscall, the receiver at callback entry; a ping-pong pools both "
	"directions. sent = received + coalesced + lost; a delivery standing for "
	"several events (eventfd counter, merged standard signals, timer overruns) "
	"is one received and the rest coalesced, timed by its oldest event.\n\n"
	"timerfd has no sender: latency is the lateness against the programmed "
	"expiry. pingpong and oneway run the periodic timer, flood the same with a "
	"20us period unless --interval is given.\n\n"
	"Exit status: 0 done, 1 the run failed, 2 bad input.";

struct cli {
	struct ev_opts o;
	bool kind_set;
	bool count_set;
	bool duration_set;
	bool mode_set;
	bool signal_set;
	bool send_set;
	bool window_set;
	const char *kind_only[8];   /* options given that only some kinds take */
	int nkind_only;
};

static struct argp argp;

/* The option getopt refused: unknown, or known but missing or given a
 * value it does not take. */
static void __attribute__((noreturn)) bad_option(const char *arg)
{
	size_t len = strcspn(arg, "=");

	for (const struct argp_option *op = options; op->name || op->doc; op++) {
		bool lng = arg[0] == '-' && arg[1] == '-' && op->name &&
			   len - 2 == strlen(op->name) && !strncmp(arg + 2, op->name, len - 2);
		bool shrt = arg[0] == '-' && arg[1] != '-' && op->key == arg[1] && isalpha(op->key);

		if (!lng && !shrt)
			continue;
		if (op->arg && ((lng && !arg[len]) || (shrt && !arg[2])))
			usage_error("option '%s' needs a value (%s)", arg, op->arg);
		if (!op->arg && lng)
			usage_error("option '--%s' takes no value", op->name);
	}
	usage_error("unrecognized option '%s' (see evload --help)", arg);
}

static void kind_only(struct cli *c, const char *opt)
{
	if (c->nkind_only < (int)(sizeof(c->kind_only) / sizeof(c->kind_only[0])))
		c->kind_only[c->nkind_only++] = opt;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct cli *c = state->input;
	struct ev_opts *o = &c->o;
	char err[160];

	switch (key) {
	case OPT_HELP:
		argp_help(&argp, stdout, ARGP_HELP_STD_HELP, (char *)"evload");
		exit(0);
	case OPT_PATTERN:
		o->pattern = parse_choice("pattern", arg, NAMES(pattern_names));
		o->pattern_set = true;
		break;
	case OPT_COUNT:
		o->count = opt_u64("--count", arg, 1, EV_MAX_COUNT);
		c->count_set = true;
		break;
	case OPT_DURATION:
		o->duration_ns = parse_duration("--duration", arg, EV_NSEC_PER_SEC, 1, EV_MAX_DURATION_NS);
		c->duration_set = true;
		break;
	case OPT_INTERVAL:
		o->interval_ns = parse_duration("--interval", arg, EV_NSEC_PER_US, 0, EV_MAX_DURATION_NS);
		o->interval_set = true;
		break;
	case OPT_WINDOW:
		o->window = (unsigned)opt_u64("--window", arg, 1, EV_RING / 2);
		c->window_set = true;
		break;
	case OPT_THREADS:
	case OPT_PROCESSES:
		if (c->mode_set && o->processes != (key == OPT_PROCESSES))
			usage_error("--threads and --processes exclude each other");
		o->processes = key == OPT_PROCESSES;
		c->mode_set = true;
		break;
	case OPT_CPU:
		o->pin = parse_choice("--cpu", arg, NAMES(pin_names));
		break;
	case OPT_POLICY:
		if (!strcmp(arg, "other")) {
			o->policy = SCHED_OTHER;
			o->prio = 0;
		} else if (!strncmp(arg, "fifo:", 5)) {
			int max = sched_get_priority_max(SCHED_FIFO);
			uint64_t p = opt_u64("the fifo priority", arg + 5, 1, max > 0 ? (uint64_t)max : 1);

			o->policy = SCHED_FIFO;
			o->prio = (int)p;
		} else {
			usage_error("unknown --policy '%s' (other or fifo:PRIO)", arg);
		}
		break;
	case OPT_DELAY:
		o->delay_ns = parse_duration("--delay", arg, EV_NSEC_PER_SEC, 0, EV_MAX_DELAY_NS);
		break;
	case OPT_TIMEOUT:
		o->timeout_ns = parse_duration("--timeout", arg, EV_NSEC_PER_SEC, 1, EV_MAX_DELAY_NS);
		break;
	case OPT_JSON:
		o->json = true;
		break;
	case OPT_SIGNAL:
		o->signo = ev_signal_parse(arg, err, sizeof(err));
		if (o->signo < 0)
			usage_error("%s", err);
		c->signal_set = true;
		kind_only(c, "--signal");
		break;
	case OPT_SEND:
		o->send = parse_choice("--send", arg, NAMES(ev_send_names));
		c->send_set = true;
		kind_only(c, "--send");
		break;
	case OPT_SEMAPHORE:
		o->semaphore = true;
		kind_only(c, "--semaphore");
		break;
	case OPT_ONESHOT:
		o->oneshot = true;
		kind_only(c, "--oneshot");
		break;
	case OPT_ABSOLUTE:
		o->absolute = true;
		kind_only(c, "--absolute");
		break;
	case OPT_CLOCK:
		o->clock = clock_ids[parse_choice("--clock", arg, NAMES(clock_names))];
		kind_only(c, "--clock");
		break;
	case OPT_JOBS:
		o->jobs = opt_u64("--jobs", arg, 1, EV_MAX_COUNT);
		kind_only(c, "--jobs");
		break;
	case OPT_WORKERS:
		o->workers = (unsigned)opt_u64("--workers", arg, 1, EV_MAX_WORKERS);
		kind_only(c, "--workers");
		break;
	case OPT_JOB_TIME:
		o->job_ns = parse_duration("--job-time", arg, EV_NSEC_PER_US, 0, EV_MAX_JOB_NS);
		kind_only(c, "--job-time");
		break;
	case OPT_TICK:
		o->tick_ns = parse_duration("--tick", arg, EV_NSEC_PER_MS, EV_MIN_TICK_NS, EV_MAX_TICK_NS);
		kind_only(c, "--tick");
		break;
	case OPT_CONFIG:
		o->config = arg;
		kind_only(c, "--config");
		break;
	case ARGP_KEY_ARG:
		if (c->kind_set)
			usage_error("unexpected argument '%s' (one KIND only)", arg);
		o->kind = parse_choice("KIND", arg, kind_names(), MECH_COUNT);
		c->kind_set = true;
		break;
	case ARGP_KEY_ERROR:
		/* getopt stopped (ARGP_NO_ERRS keeps argp quiet so that the
		 * message is one line): say why */
		bad_option(state->next > 0 && state->next <= state->argc ?
			   state->argv[state->next - 1] : "?");
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static struct argp argp = {
	.options = options,
	.parser = parse_opt,
	.args_doc = "KIND",
	.doc = doc,
};

/* Options that belong to some kinds only: refuse them elsewhere. */
static void check_kind_options(const struct cli *c)
{
	static const struct { const char *opt; unsigned kinds; } owners[] = {
		{ "--signal", 1u << MECH_SIGNAL | 1u << MECH_SIGWAIT | 1u << MECH_SIGNALFD },
		{ "--send", 1u << MECH_SIGNAL | 1u << MECH_SIGWAIT | 1u << MECH_SIGNALFD },
		{ "--semaphore", 1u << MECH_EVENTFD },
		{ "--oneshot", 1u << MECH_TIMERFD },
		{ "--absolute", 1u << MECH_TIMERFD },
		{ "--clock", 1u << MECH_TIMERFD },
		{ "--jobs", 1u << MECH_DAEMON },
		{ "--workers", 1u << MECH_DAEMON },
		{ "--job-time", 1u << MECH_DAEMON },
		{ "--tick", 1u << MECH_DAEMON },
		{ "--config", 1u << MECH_DAEMON },
	};

	for (int i = 0; i < c->nkind_only; i++)
		for (unsigned j = 0; j < sizeof(owners) / sizeof(owners[0]); j++)
			if (!strcmp(c->kind_only[i], owners[j].opt) &&
			    !(owners[j].kinds & (1u << c->o.kind)))
				usage_error("%s does not apply to %s", c->kind_only[i],
					    mech_table[c->o.kind].name);
}

/* Defaults that depend on the kind, pinning, policy: everything checked
 * before anything starts. */
static void resolve(struct cli *c)
{
	struct ev_opts *o = &c->o;
	char err[256], list[160];
	int n, first, second;

	if (!c->kind_set)
		usage_error("missing KIND (%s)", choice_list(kind_names(), MECH_COUNT, list, sizeof(list)));
	check_kind_options(c);
	if (c->count_set && c->duration_set)
		usage_error("--count and --duration exclude each other");
	if (o->processes && (o->kind == MECH_TIMERFD || o->kind == MECH_DAEMON))
		usage_error("--processes does not apply to %s (one process by nature)",
			    mech_table[o->kind].name);
	if (o->kind == MECH_DAEMON && o->pattern_set)
		usage_error("--pattern does not apply to daemon (a service: --jobs, --workers)");
	if (c->window_set && o->pattern != EV_FLOOD)
		usage_error("--window applies to --pattern flood only");

	if (o->kind == MECH_TIMERFD) {
		if (!o->interval_set)
			o->interval_ns = o->pattern == EV_FLOOD ? 20 * EV_NSEC_PER_US : EV_NSEC_PER_MS;
		if (o->interval_ns == 0)
			usage_error("--interval must be positive for timerfd");
		if (!c->count_set && !c->duration_set)
			o->count = 1000;
		if (c->duration_set) {
			o->count = 0;
		}
	} else if (!c->count_set && !c->duration_set) {
		o->count = o->kind == MECH_DAEMON ? 0 : o->pattern == EV_FLOOD ? 100000 : 10000;
	}
	/* a pause is no stall: the no-progress timeout starts after it */
	if (o->kind != MECH_TIMERFD)
		o->timeout_ns += o->interval_ns;
	if (o->kind == MECH_DAEMON && c->count_set)
		usage_error("daemon: use --jobs N (or --duration)");
	if (o->config) {
		/* read again at start and on SIGHUP; a bad file is bad input now */
		uint64_t job_ns = o->job_ns, tick_ns = o->tick_ns;

		if (ev_config_read(o->config, &job_ns, &tick_ns, err, sizeof(err)) < 0)
			usage_error("%s", err);
	}

	/* libevm's handler source queues at most 256 siginfo between two
	 * dispatches (more are dropped and counted): keep the flood below */
	if (o->kind == MECH_SIGNAL && !c->window_set)
		o->window = 128;
	if (o->kind == MECH_SIGNAL || o->kind == MECH_SIGWAIT || o->kind == MECH_SIGNALFD) {
		if (!c->signal_set)
			o->signo = SIGUSR1;
		o->reply_signo = ev_signal_reply(o->signo);
		if (!c->send_set)
			o->send = EV_SEND_TGKILL;
	}

	n = ev_allowed_cpus(&first, &second);
	if (n < 0)
		usage_error("sched_getaffinity: %s", strerror(-n));
	o->cpu[0] = o->cpu[1] = -1;
	if (o->pin == EV_PIN_SAME) {
		o->cpu[0] = o->cpu[1] = first;
	} else if (o->pin == EV_PIN_CROSS) {
		if (n < 2)
			usage_error("--cpu cross needs two CPUs; this process may run on %d", n);
		o->cpu[0] = first;
		o->cpu[1] = second;
	}

	/* Set the policy on main now: threads and children inherit it, and a
	 * refusal is bad input reported before anything starts. */
	if (o->policy == SCHED_FIFO && ev_policy_self(o, err, sizeof(err)) < 0)
		usage_error("%s", err);
}

/* ---- the report ---------------------------------------------------------- */

static json_object *json_str_file(const char *path)
{
	char buf[128] = "";
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return buf[0] ? json_object_new_string(buf) : NULL;
}

static json_object *json_pid(pid_t p)
{
	return p > 0 ? json_object_new_int(p) : NULL;
}

static json_object *json_cpu(int cpu)
{
	return cpu >= 0 ? json_object_new_int(cpu) : NULL;
}

/* The report, whatever the kind. */
struct report {
	const struct ev_opts *o;
	json_object *settings;
	uint64_t sent, received, coalesced, lost, unmatched;
	struct loghist hist;
	const struct loghist *dirs[2];      /* ping-pong: forward, reply */
	uint64_t rounds;
	uint64_t duration_ns;
	double cpu_ns[2];                   /* per event; < 0: not measured */
	json_object *extra;
	const char *error;
};

static json_object *common_settings(const struct ev_opts *o, pid_t spid, pid_t stid,
				    pid_t rpid, pid_t rtid)
{
	json_object *s = json_object_new_object();
	struct machine_desc m;
	char buf[32];

	json_object_object_add(s, "pinning", json_object_new_string(pin_names[o->pin]));
	json_object_object_add(s, "sender_cpu", json_cpu(o->kind == MECH_TIMERFD ? -1 : o->cpu[0]));
	json_object_object_add(s, "receiver_cpu", json_cpu(o->cpu[1]));
	if (o->policy == SCHED_FIFO)
		snprintf(buf, sizeof(buf), "fifo:%d", o->prio);
	else
		snprintf(buf, sizeof(buf), "other");
	json_object_object_add(s, "policy", json_object_new_string(buf));
	json_object_object_add(s, "mode", json_object_new_string(o->processes ? "processes" : "threads"));
	json_object_object_add(s, "threads", json_object_new_boolean(!o->processes));
	json_object_object_add(s, "processes", json_object_new_boolean(o->processes));
	json_object_object_add(s, "sender_pid", json_pid(spid));
	json_object_object_add(s, "sender_tid", json_pid(stid));
	json_object_object_add(s, "receiver_pid", json_pid(rpid));
	json_object_object_add(s, "receiver_tid", json_pid(rtid));
	machine_describe(&m);
	json_object_object_add(s, "kernel", json_object_new_string(m.release[0] ? m.release : "?"));
	json_object_object_add(s, "virtualised", json_object_new_boolean(m.virtualised));
	json_object_object_add(s, "hypervisor", json_object_new_string(m.hypervisor));
	json_object_object_add(s, "machine", json_str_file("/sys/class/dmi/id/product_name"));
	json_object_object_add(s, "count", o->count ? json_object_new_uint64(o->count) : NULL);
	json_object_object_add(s, "duration_s", o->duration_ns ?
			       json_object_new_double((double)o->duration_ns / 1e9) : NULL);
	if (o->pattern == EV_FLOOD && o->kind != MECH_TIMERFD && o->kind != MECH_DAEMON)
		json_object_object_add(s, "window", json_object_new_int((int)o->window));
	if (o->interval_ns)
		json_object_object_add(s, "interval_ns", json_object_new_uint64(o->interval_ns));
	json_object_object_add(s, "timeout_s", json_object_new_double((double)o->timeout_ns / 1e9));
	return s;
}

static json_object *hist_json(const struct loghist *h)
{
	struct hist_summary sum;

	hist_summarize(h, &sum);
	return hist_summary_to_json(&sum);
}

static void print_json(const struct report *rp)
{
	const struct ev_opts *o = rp->o;
	json_object *j = json_object_new_object(), *cpu;
	double secs = (double)rp->duration_ns / 1e9;

	json_object_object_add(j, "mechanism", json_object_new_string(mech_table[o->kind].name));
	json_object_object_add(j, "pattern", json_object_new_string(pattern_name(o)));
	json_object_object_add(j, "settings", rp->settings);
	json_object_object_add(j, "sent", json_object_new_uint64(rp->sent));
	json_object_object_add(j, "received", json_object_new_uint64(rp->received));
	json_object_object_add(j, "coalesced", json_object_new_uint64(rp->coalesced));
	json_object_object_add(j, "lost", json_object_new_uint64(rp->lost));
	json_object_object_add(j, "unmatched", json_object_new_uint64(rp->unmatched));
	if (o->pattern == EV_PINGPONG && rp->dirs[0])
		json_object_object_add(j, "round_trips", json_object_new_uint64(rp->rounds));
	json_object_object_add(j, "latency_ns", hist_json(&rp->hist));
	if (rp->dirs[0] && rp->dirs[1]) {
		json_object *d = json_object_new_object();

		json_object_object_add(d, "forward", hist_json(rp->dirs[0]));
		json_object_object_add(d, "reply", hist_json(rp->dirs[1]));
		json_object_object_add(j, "latency_by_direction_ns", d);
	}
	json_object_object_add(j, "duration_ns", json_object_new_uint64(rp->duration_ns));
	json_object_object_add(j, "throughput_eps", secs > 0 ?
			       json_object_new_double((double)rp->sent / secs) : NULL);
	json_object_object_add(j, "deliveries_per_s", secs > 0 ?
			       json_object_new_double((double)rp->received / secs) : NULL);
	cpu = json_object_new_object();
	json_object_object_add(cpu, "sender", rp->cpu_ns[0] >= 0 ?
			       json_object_new_double(rp->cpu_ns[0]) : NULL);
	json_object_object_add(cpu, "receiver", rp->cpu_ns[1] >= 0 ?
			       json_object_new_double(rp->cpu_ns[1]) : NULL);
	json_object_object_add(j, "cpu_ns_per_event", cpu);
	if (rp->extra) {
		json_object_object_foreach(rp->extra, key, val)
			json_object_object_add(j, key, json_object_get(val));
	}
	json_object_object_add(j, "error", rp->error ? json_object_new_string(rp->error) : NULL);
	printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
}

static void print_human(const struct report *rp)
{
	const struct ev_opts *o = rp->o;
	struct hist_summary s;
	char b[7][24];

	hist_summarize(&rp->hist, &s);
	printf("evload %s, %s: %s, cpu %s, policy %s\n", mech_table[o->kind].name,
	       pattern_name(o), o->processes ? "processes" : "threads",
	       pin_names[o->pin], json_object_get_string(json_object_object_get(rp->settings, "policy")));
	printf("  sent %" PRIu64 "  received %" PRIu64 "  coalesced %" PRIu64 "  lost %" PRIu64,
	       rp->sent, rp->received, rp->coalesced, rp->lost);
	if (rp->unmatched)
		printf("  unmatched %" PRIu64, rp->unmatched);
	if (o->pattern == EV_PINGPONG && rp->dirs[0])
		printf("  (%" PRIu64 " round trips)", rp->rounds);
	printf("\n  %s: min %s  p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  mean %s\n",
	       o->kind == MECH_TIMERFD ? "lateness" : "one-way latency",
	       hist_fmt_ns(s.min, b[0], 24), hist_fmt_ns(s.p50, b[1], 24),
	       hist_fmt_ns(s.p90, b[2], 24), hist_fmt_ns(s.p99, b[3], 24),
	       hist_fmt_ns(s.p999, b[4], 24), hist_fmt_ns(s.max, b[5], 24),
	       hist_fmt_ns((uint64_t)s.mean, b[6], 24));
	if (rp->duration_ns)
		printf("  %.0f events/s over %s", (double)rp->sent / ((double)rp->duration_ns / 1e9),
		       hist_fmt_ns(rp->duration_ns, b[0], 24));
	if (rp->cpu_ns[0] >= 0)
		printf("; cpu per event: sender %s", hist_fmt_ns((uint64_t)rp->cpu_ns[0], b[1], 24));
	if (rp->cpu_ns[1] >= 0)
		printf("%s receiver %s", rp->cpu_ns[0] >= 0 ? "," : "; cpu per event:",
		       hist_fmt_ns((uint64_t)rp->cpu_ns[1], b[2], 24));
	printf("\n");
	if (rp->extra) {
		json_object_object_foreach(rp->extra, key, val)
			printf("  %s: %s\n", key, json_object_to_json_string_ext(val,
				JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	if (s.count)
		hist_print_bars(stdout, &rp->hist, o->kind == MECH_TIMERFD ? "lateness" : "latency");
}

static double per_event(uint64_t ns, uint64_t events)
{
	return events ? (double)ns / (double)events : -1;
}

static int run_traffic(struct ev_opts *o)
{
	struct ev_run run = { .o = o, .m = kind_mechs[o->kind] };
	struct report rp = { .o = o };
	struct ev_shared *sh;
	char err[600] = "";
	int rc;

	rc = ev_run_traffic(&run);
	sh = run.sh;
	if (!sh) {
		fprintf(stderr, "evload: %s: shared memory: %s\n", mech_table[o->kind].name, strerror(-rc));
		return 1;
	}
	if (rc < 0) {
		const char *ea = sh->side[EV_A].err, *eb = sh->side[EV_B].err;

		/* the first cause: a side that failed on its own, not the one
		 * that stopped because of it */
		snprintf(err, sizeof(err), "%s: %s", mech_table[o->kind].name,
			 eb[0] && (!ea[0] || strstr(ea, "receiver")) ? eb :
			 ea[0] ? ea : eb[0] ? eb : strerror(-rc));
	}

	rp.settings = common_settings(o, sh->side[EV_A].pid, sh->side[EV_A].tid,
				      sh->side[EV_B].pid, sh->side[EV_B].tid);
	if (run.m->settings)
		run.m->settings(&run, rp.settings);
	hist_init(&rp.hist);
	for (int d = 0; d < 2; d++) {
		struct ev_dir *dir = &sh->dir[d];

		rp.sent += atomic_load(&dir->sent);
		rp.received += dir->received;
		rp.coalesced += dir->coalesced;
		rp.lost += dir->lost;
		rp.unmatched += dir->unmatched;
		hist_merge(&rp.hist, &dir->hist);
	}
	if (o->pattern == EV_PINGPONG) {
		rp.dirs[0] = &sh->dir[0].hist;
		rp.dirs[1] = &sh->dir[1].hist;
		rp.rounds = sh->rounds;
	}
	/* until every event is in: A's end, or B's last delivery after it */
	if (sh->t_last_rx > sh->t_end)
		sh->t_end = sh->t_last_rx;
	rp.duration_ns = sh->t_end > sh->t_start ? sh->t_end - sh->t_start : 0;
	rp.cpu_ns[0] = per_event(sh->side[EV_A].cpu_ns, rp.sent);
	rp.cpu_ns[1] = per_event(sh->side[EV_B].cpu_ns, rp.sent);
	rp.extra = json_object_new_object();
	if (sh->dir[0].send_again || sh->dir[1].send_again)
		json_object_object_add(rp.extra, "send_retries",
			json_object_new_uint64(sh->dir[0].send_again + sh->dir[1].send_again));
	rp.error = err[0] ? err : NULL;

	if (o->json)
		print_json(&rp);
	else
		print_human(&rp);
	json_object_put(rp.extra);
	if (!o->json)
		json_object_put(rp.settings);
	if (err[0])
		fprintf(stderr, "evload: %s\n", err);
	return err[0] ? 1 : 0;
}

/* timerfd and daemon: one process, their own runners. */
static int run_single(struct ev_opts *o)
{
	struct ev_result res = { 0 };
	struct report rp = { .o = o };
	int rc;

	rc = o->kind == MECH_TIMERFD ? ev_timerfd_run(o, &res) : ev_daemon_run(o, &res);
	if (rc < 0 && !res.err[0])
		snprintf(res.err, sizeof(res.err), "%s", strerror(-rc));
	rp.settings = common_settings(o, 0, 0, res.pid, res.tid);
	if (res.settings) {
		json_object_object_foreach(res.settings, key, val)
			json_object_object_add(rp.settings, key, json_object_get(val));
		json_object_put(res.settings);
	}
	if (o->kind == MECH_TIMERFD) {
		char buf[32];
		const char *clk = clock_names[o->clock == CLOCK_REALTIME ? 1 :
					      o->clock == CLOCK_BOOTTIME ? 2 : 0];

		json_object_object_add(rp.settings, "timer", json_object_new_string(
			o->oneshot ? "oneshot" : "periodic"));
		json_object_object_add(rp.settings, "absolute", json_object_new_boolean(o->absolute));
		json_object_object_add(rp.settings, "clock", json_object_new_string(clk));
		snprintf(buf, sizeof(buf), "%" PRIu64 "us", o->interval_ns / EV_NSEC_PER_US);
		json_object_object_add(rp.settings, "interval", json_object_new_string(buf));
	}
	rp.sent = res.sent;
	rp.received = res.received;
	rp.coalesced = res.coalesced;
	rp.lost = res.lost;
	rp.hist = res.hist;
	rp.duration_ns = res.t_end > res.t_start ? res.t_end - res.t_start : 0;
	rp.cpu_ns[0] = -1;
	rp.cpu_ns[1] = per_event(res.cpu_ns, res.sent);
	rp.extra = res.extra;
	rp.error = res.err[0] ? res.err : NULL;
	if (o->json)
		print_json(&rp);
	else
		print_human(&rp);
	if (rp.extra)
		json_object_put(rp.extra);
	if (!o->json)
		json_object_put(rp.settings);
	if (res.err[0])
		fprintf(stderr, "evload: %s: %s\n", mech_table[o->kind].name, res.err);
	return res.err[0] ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct cli c = {
		.o = {
			.pattern = EV_PINGPONG,
			.pin = EV_PIN_SAME,
			.policy = SCHED_OTHER,
			.timeout_ns = 5 * EV_NSEC_PER_SEC,
			.window = 4096,
			.clock = CLOCK_MONOTONIC,
			.jobs = 1000,
			.workers = 2,
			.job_ns = 50 * EV_NSEC_PER_US,
			.tick_ns = 100 * EV_NSEC_PER_MS,
		},
	};
	struct ev_opts *o = &c.o;
	sigset_t set;
	int r;

	r = argp_parse(&argp, argc, argv, ARGP_NO_HELP | ARGP_NO_ERRS, NULL, &c);
	if (r)
		usage_error("bad arguments: %s (see evload --help)", strerror(r));
	resolve(&c);

	signal(SIGPIPE, SIG_IGN);
	/* Signals the sides receive are blocked here, before any thread starts,
	 * so every thread inherits the block; a side that takes its signal in
	 * a handler unblocks it in its own thread. */
	if (o->kind == MECH_SIGNAL || o->kind == MECH_SIGWAIT || o->kind == MECH_SIGNALFD) {
		sigemptyset(&set);
		sigaddset(&set, o->signo);
		sigaddset(&set, o->reply_signo);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
	}
	if (o->kind == MECH_TIMERFD || o->kind == MECH_DAEMON)
		return run_single(o);
	return run_traffic(o);
}

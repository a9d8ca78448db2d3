// SPDX-License-Identifier: MIT
/*
 * evtrace bench: one trial, and the syscall census.
 *
 * A trial is one evload run under the tracer, in process. One tracer serves
 * every trial (see "runner" below): it is cleared, evload runs, its counts
 * and histograms are collected. evload's stdout and stderr go to memfds (a
 * pipe would be traffic of the pipe kind) and its JSON is read from there.
 *
 * The census counts the syscalls evload makes with a perf counter on the
 * raw_syscalls:sys_enter tracepoint, inherited by its threads and children,
 * for two run lengths: the difference over the difference in events is the
 * syscalls per event, whatever the setup and exit cost.
 */
#include "bench_impl.h"
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <linux/futex.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tracer.h"

#define EVLOAD_OUT_MAX (1u << 20)

volatile sig_atomic_t bench_interrupted;

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *fmt_interval(uint64_t ns, char *buf)
{
	if (ns % 1000000 == 0)
		snprintf(buf, 32, "%" PRIu64 "ms", ns / 1000000);
	else if (ns % 1000 == 0)
		snprintf(buf, 32, "%" PRIu64 "us", ns / 1000);
	else
		snprintf(buf, 32, "%" PRIu64 "ns", ns);
	return buf;
}

int bench_evload_argv(const struct bench_config *cfg, enum evt_kind k, enum bench_scen s,
		      uint64_t count, char **argv, char bufs[][32])
{
	int n = 0;

	argv[n++] = (char *)cfg->evload;
	argv[n++] = (char *)evt_kind_name(k);
	if (k == EVT_KIND_TIMERFD) {
		/* periodic timer: the timer run's period, or a short one to flood */
		argv[n++] = "--interval";
		argv[n++] = (char *)fmt_interval(s == BENCH_FLOOD ? cfg->flood_interval_ns
								  : cfg->interval_ns, bufs[0]);
	} else {
		argv[n++] = "--pattern";
		argv[n++] = (char *)bench_scen_pattern(s);
		if (s == BENCH_PACED) {
			argv[n++] = "--interval";
			argv[n++] = (char *)fmt_interval(cfg->interval_ns, bufs[0]);
		}
	}
	argv[n++] = "--count";
	snprintf(bufs[1], 32, "%" PRIu64, count);
	argv[n++] = bufs[1];
	argv[n++] = "--cpu";
	argv[n++] = (char *)bench_cpu_of(k, s);
	argv[n++] = "--policy";
	argv[n++] = (char *)cfg->policy;
	argv[n++] = "--json";
	argv[n] = NULL;
	return n;
}

/* ------------------------------------------------------------- parsing */

static bool get_num(struct json_object *o, const char *key, double *v)
{
	struct json_object *f;

	if (!o || !json_object_object_get_ex(o, key, &f))
		return false;
	if (!json_object_is_type(f, json_type_int) && !json_object_is_type(f, json_type_double))
		return false;
	*v = json_object_get_double(f);
	return true;
}

static bool get_u64(struct json_object *o, const char *key, uint64_t *v)
{
	double d;

	if (!get_num(o, key, &d) || d < 0)
		return false;
	*v = (uint64_t)d;
	return true;
}

int bench_parse_evload(const char *buf, struct bench_trial *t, char *err, size_t errlen)
{
	struct json_object *root, *lat, *cpu;
	int ret = -EINVAL;

	root = json_tokener_parse(buf);
	if (!root || !json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "evload printed no JSON object");
		goto out;
	}
	if (!get_u64(root, "sent", &t->sent) || !get_u64(root, "received", &t->received) ||
	    !get_u64(root, "coalesced", &t->coalesced) || !get_u64(root, "lost", &t->lost)) {
		snprintf(err, errlen, "evload's JSON lacks sent/received/coalesced/lost");
		goto out;
	}
	if (!json_object_object_get_ex(root, "latency_ns", &lat) ||
	    !json_object_is_type(lat, json_type_object)) {
		snprintf(err, errlen, "evload's JSON lacks latency_ns");
		goto out;
	}
	if (hist_summary_from_json(lat, &t->user)) {
		/* a summary without its count: the count is the deliveries */
		struct json_object *copy = NULL;

		if (json_object_deep_copy(lat, &copy, NULL) == 0) {
			json_object_object_add(copy, "count", json_object_new_int64((int64_t)t->received));
			ret = hist_summary_from_json(copy, &t->user);
			json_object_put(copy);
		}
		if (ret) {
			snprintf(err, errlen, "evload's latency_ns is incomplete");
			ret = -EINVAL;
			goto out;
		}
	}
	if (!get_num(root, "throughput_eps", &t->throughput_eps))
		t->throughput_eps = 0;
	if (!get_num(root, "deliveries_per_s", &t->deliveries_eps))
		t->deliveries_eps = 0;
	if (json_object_object_get_ex(root, "cpu_ns_per_event", &cpu)) {
		if (!get_num(cpu, "sender", &t->cpu_ns_sender))
			t->cpu_ns_sender = 0;
		if (!get_num(cpu, "receiver", &t->cpu_ns_receiver))
			t->cpu_ns_receiver = 0;
	}
	ret = 0;
out:
	json_object_put(root);
	return ret;
}

/* ---------------------------------------------------- census children */

/* A census run's evload: forked, held (spawn.h) until its syscall counter
 * is attached, then released to exec. */
struct child {
	struct spawn sp;
	pid_t pid;
	int out, errfd;         /* memfds */
};

static void child_kill(struct child *c)
{
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
		c->pid = -1;
	}
}

static void child_free(struct child *c)
{
	child_kill(c);
	if (c->out >= 0)
		close(c->out);
	if (c->errfd >= 0)
		close(c->errfd);
	c->out = c->errfd = -1;
}

/* Forks the child, held; it execs argv once released. */
static int child_spawn(struct child *c, char *const *argv, char *err, size_t errlen)
{
	struct spawn_opts o = { NULL, -1, -1, -1 };
	int devnull, r;

	c->pid = -1;
	c->out = memfd_create("evload-out", MFD_CLOEXEC);
	c->errfd = memfd_create("evload-err", MFD_CLOEXEC);
	if (c->out < 0 || c->errfd < 0) {
		snprintf(err, errlen, "memfd_create: %s", strerror(errno));
		child_free(c);
		return -EIO;
	}
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	o.in = devnull;
	o.out = c->out;
	o.err = c->errfd;
	r = spawn_held(&c->sp, argv[0], argv, &o, err, errlen);
	if (devnull >= 0)
		close(devnull);
	if (r) {
		child_free(c);
		return r;
	}
	c->pid = c->sp.pid;
	return 0;
}

/* Releases the child (run: it execs argv) or gives up. */
static int child_release(struct child *c, bool run)
{
	int r;

	if (!run) {
		spawn_abort(&c->sp);
		c->pid = -1;
		return 0;
	}
	r = spawn_release(&c->sp);
	if (r)
		dprintf(c->errfd, "cannot execute evload: %s\n", strerror(-r));
	return 0;
}

/* Waits for the child; 0 and its status, or -ETIMEDOUT / -EINTR (the child
 * is then killed). */
static int child_wait(struct child *c, int timeout_s, int *status)
{
	double deadline = mono_s() + timeout_s;
	int ms = 1;

	for (;;) {
		pid_t p = waitpid(c->pid, status, WNOHANG);

		if (p == c->pid) {
			c->pid = -1;
			return 0;
		}
		if (p < 0 && errno != EINTR) {
			c->pid = -1;
			return -errno;
		}
		if (bench_interrupted) {
			child_kill(c);
			return -EINTR;
		}
		if (mono_s() > deadline) {
			child_kill(c);
			return -ETIMEDOUT;
		}
		usleep((useconds_t)ms * 1000);
		if (ms < 20)
			ms *= 2;
	}
}

/* The memfd's content as a string (malloc'd). */
static char *memfd_text(int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);
	char *buf;
	ssize_t n;

	if (len < 0)
		len = 0;
	if ((size_t)len > EVLOAD_OUT_MAX)
		len = EVLOAD_OUT_MAX;
	buf = malloc((size_t)len + 1);
	if (!buf)
		return NULL;
	n = pread(fd, buf, (size_t)len, 0);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* The last non-empty line of s, trimmed, into out. */
static void last_line(const char *s, char *out, size_t len)
{
	const char *end = s + strlen(s), *start;

	while (end > s && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	start = end;
	while (start > s && start[-1] != '\n')
		start--;
	snprintf(out, len, "%.*s", (int)(end - start), start);
}

/* evload's exit status and output into the trial: 0, or a negative errno
 * with the reason (evload's last stderr line when it failed). */
static int finish_run(int status, int outfd, int errfd, struct bench_trial *t)
{
	char *out;
	int ret;

	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		char *e = memfd_text(errfd);
		char line[160] = "";

		if (e)
			last_line(e, line, sizeof(line));
		free(e);
		if (WIFSIGNALED(status))
			snprintf(t->err, sizeof(t->err), "evload killed by signal %d%s%s",
				 WTERMSIG(status), line[0] ? ": " : "", line);
		else
			snprintf(t->err, sizeof(t->err), "evload exited with %d%s%s",
				 WEXITSTATUS(status), line[0] ? ": " : "", line);
		return -ECHILD;
	}
	out = memfd_text(outfd);
	if (!out) {
		snprintf(t->err, sizeof(t->err), "out of memory");
		return -ENOMEM;
	}
	ret = bench_parse_evload(out, t, t->err, sizeof(t->err));
	free(out);
	return ret;
}

/* ---------------------------------------------------------------- runner */

/*
 * The trials share one tracer: loading and attaching it takes about a
 * second on the reference machine, far longer than most trials. Its target
 * is the runner, a child that waits for orders in shared memory (a futex:
 * nothing the tracer follows) and forks evload for each; the tracer follows
 * the forks and is cleared between trials. The runner keeps SIGCHLD blocked,
 * so no signal of ours reaches a traced task either.
 */
#define RUNNER_ARGS 1024

struct runner_shm {
	_Atomic uint32_t cmd;           /* bumped by the bench: run args */
	_Atomic uint32_t done;          /* set to cmd by the runner: finished */
	_Atomic int quit;
	_Atomic int child;              /* evload's pid while it runs */
	int status;                     /* its wait status */
	char args[RUNNER_ARGS];         /* argv, NUL-separated, "" ends it */
};

struct bench_session {
	const struct bench_config *cfg;
	struct runner_shm *sh;
	pid_t runner;
	int out, errfd;                 /* memfds: evload's stdout and stderr */
	struct tracer *tr;
	struct evtrace_report *rep;
	char attach_mode[64];
	bool usdt;
};

static long futex(_Atomic int *uaddr, int op, int val, const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

static int futex_wait_ms(_Atomic uint32_t *w, uint32_t val, int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	return (int)futex((_Atomic int *)w, FUTEX_WAIT, (int)val, &ts);
}

static void futex_wake_all(_Atomic uint32_t *w)
{
	futex((_Atomic int *)w, FUTEX_WAKE, INT32_MAX, NULL);
}

static __attribute__((noreturn)) void runner_main(struct bench_session *s)
{
	struct runner_shm *sh = s->sh;
	uint32_t last = 0;
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	signal(SIGINT, SIG_IGN);        /* the bench decides; it kills us */
	signal(SIGTERM, SIG_DFL);
	for (;;) {
		uint32_t c = atomic_load(&sh->cmd);
		char *argv[32];
		int n = 0, status = 0;
		pid_t pid;

		if (atomic_load(&sh->quit) || getppid() == 1)
			_exit(0);
		if (c == last) {
			futex_wait_ms(&sh->cmd, c, 1000);
			continue;
		}
		last = c;
		for (char *p = sh->args; *p && n < 31; p += strlen(p) + 1)
			argv[n++] = p;
		argv[n] = NULL;
		pid = fork();
		if (pid == 0) {
			int devnull = open("/dev/null", O_RDONLY);

			sigprocmask(SIG_UNBLOCK, &chld, NULL);
			signal(SIGINT, SIG_DFL);
			if (devnull >= 0)
				dup2(devnull, STDIN_FILENO);
			dup2(s->out, STDOUT_FILENO);
			dup2(s->errfd, STDERR_FILENO);
			execv(argv[0], argv);
			dprintf(STDERR_FILENO, "cannot execute %s: %s\n", argv[0], strerror(errno));
			_exit(127);
		}
		if (pid < 0) {
			status = 126 << 8;
		} else {
			atomic_store(&sh->child, pid);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			atomic_store(&sh->child, 0);
		}
		sh->status = status;
		atomic_store(&sh->done, c);
		futex_wake_all(&sh->done);
	}
}

void bench_session_close(struct bench_session *s)
{
	if (!s)
		return;
	tracer_close(s->tr);
	if (s->runner > 0) {
		atomic_store(&s->sh->quit, 1);
		futex_wake_all(&s->sh->cmd);
		kill(s->runner, SIGKILL);
		while (waitpid(s->runner, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (s->sh)
		munmap(s->sh, sizeof(*s->sh));
	if (s->out >= 0)
		close(s->out);
	if (s->errfd >= 0)
		close(s->errfd);
	free(s->rep);
	free(s);
}

int bench_session_open(const struct bench_config *cfg, struct bench_session **ret,
		       char *err, size_t errlen)
{
	struct bench_session *s = calloc(1, sizeof(*s));
	int r;

	*ret = NULL;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->cfg = cfg;
	s->out = s->errfd = -1;
	s->sh = mmap(NULL, sizeof(*s->sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s->sh == MAP_FAILED) {
		s->sh = NULL;
		r = -errno;
		snprintf(err, errlen, "mmap: %s", strerror(errno));
		goto fail;
	}
	/* not close-on-exec in the runner: evload gets them as stdout/stderr */
	s->out = memfd_create("evload-out", 0);
	s->errfd = memfd_create("evload-err", 0);
	s->rep = calloc(1, sizeof(*s->rep));
	if (s->out < 0 || s->errfd < 0 || !s->rep) {
		r = -errno ? -errno : -ENOMEM;
		snprintf(err, errlen, "memfd_create: %s", strerror(errno));
		goto fail;
	}
	fflush(NULL);
	s->runner = fork();
	if (s->runner < 0) {
		r = -errno;
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto fail;
	}
	if (s->runner == 0)
		runner_main(s);
	/* the memfds stay ours alone in the bench: no leak into the census */
	fcntl(s->out, F_SETFD, FD_CLOEXEC);
	fcntl(s->errfd, F_SETFD, FD_CLOEXEC);
	if (!cfg->no_trace) {
		struct tracer_opts o = {
			.pid = s->runner,
			.follow_forks = true,
			/* without: the runner (evtrace) has no USDT notes */
			.usdt_binary = cfg->dispatch ? cfg->evload : NULL,
		};
		char tr_err[256] = "";

		r = tracer_open(&s->tr, &o, tr_err, sizeof(tr_err));
		if (r) {
			snprintf(err, errlen, "%s", tr_err[0] ? tr_err : strerror(-r));
			goto fail;
		}
	}
	*ret = s;
	return 0;
fail:
	bench_session_close(s);
	return r;
}

const char *bench_session_attach_mode(const struct bench_session *s)
{
	return s->attach_mode;
}

bool bench_session_usdt(const struct bench_session *s)
{
	return s->usdt;
}

/* Runs argv in the runner; its wait status, or -ETIMEDOUT / -EINTR (evload
 * killed). */
static int runner_run(struct bench_session *s, char *const *argv, int *status, double *wall)
{
	struct runner_shm *sh = s->sh;
	size_t off = 0;
	uint32_t c;
	double t0, deadline;
	int ret = 0;

	for (int i = 0; argv[i]; i++) {
		size_t len = strlen(argv[i]) + 1;

		if (off + len + 1 > sizeof(sh->args))
			return -E2BIG;
		memcpy(sh->args + off, argv[i], len);
		off += len;
	}
	sh->args[off] = '\0';
	if (ftruncate(s->out, 0) || ftruncate(s->errfd, 0) ||
	    lseek(s->out, 0, SEEK_SET) < 0 || lseek(s->errfd, 0, SEEK_SET) < 0)
		return -errno;
	t0 = mono_s();
	deadline = t0 + s->cfg->timeout_s;
	c = atomic_fetch_add(&sh->cmd, 1) + 1;
	futex_wake_all(&sh->cmd);
	while (atomic_load(&sh->done) != c) {
		pid_t child = atomic_load(&sh->child);

		if (waitpid(s->runner, NULL, WNOHANG) == s->runner) {
			s->runner = -1;
			return -ECHILD;
		}
		if ((bench_interrupted || mono_s() > deadline) && !ret) {
			ret = bench_interrupted ? -EINTR : -ETIMEDOUT;
			if (child > 0)
				kill(child, SIGKILL);
		}
		futex_wait_ms(&sh->done, atomic_load(&sh->done), 20);
	}
	*wall = mono_s() - t0;
	*status = sh->status;
	return ret;
}

void bench_run_trial(struct bench_session *s, enum evt_kind k, enum bench_scen sc,
		     struct bench_trial *t)
{
	char *argv[24], bufs[4][32];
	int status = 0, ret;

	memset(t, 0, sizeof(*t));
	bench_evload_argv(s->cfg, k, sc, s->cfg->count[sc], argv, bufs);
	if (s->tr && (ret = tracer_reset(s->tr))) {
		snprintf(t->err, sizeof(t->err), "tracer_reset: %s", strerror(-ret));
		goto out;
	}
	ret = runner_run(s, argv, &status, &t->wall_s);
	if (ret == -ETIMEDOUT) {
		snprintf(t->err, sizeof(t->err), "evload did not finish within %d s: killed",
			 s->cfg->timeout_s);
		goto out;
	}
	if (ret) {
		snprintf(t->err, sizeof(t->err), "%s", ret == -EINTR ? "interrupted" :
			 ret == -ECHILD ? "the runner died" : strerror(-ret));
		goto out;
	}
	ret = finish_run(status, s->out, s->errfd, t);
	if (ret || !s->tr)
		goto out;
	memset(s->rep, 0, sizeof(*s->rep));
	ret = tracer_collect(s->tr, s->rep);
	if (ret) {
		snprintf(t->err, sizeof(t->err), "tracer_collect: %s", strerror(-ret));
		goto out;
	}
	report_summarize(s->rep);
	t->traced = true;
	memcpy(t->cnt, s->rep->kind[k].counters, sizeof(t->cnt));
	memcpy(t->st, s->rep->kind[k].sum, sizeof(t->st));
	for (int i = 0; i < EVT_KIND_LOAD; i++)
		if (i != (int)k)
			t->other_events[i] = s->rep->kind[i].counters[EVT_CNT_EVENTS];
	if (s->rep->settings.attach_mode[0])
		snprintf(s->attach_mode, sizeof(s->attach_mode), "%s", s->rep->settings.attach_mode);
	s->usdt = s->usdt || s->rep->settings.usdt;
out:
	t->status = ret;
}

/* ------------------------------------------------------- census runs */

/* One untraced evload run with a perf counter of its sys_enter events. */
static int census_run(const struct bench_config *cfg, enum evt_kind k, enum bench_scen s,
		      uint64_t count, struct bench_trial *t, uint64_t tp_id, uint64_t *syscalls)
{
	char *argv[24], bufs[4][32];
	struct child c;
	int status = 0, ret, pfd = -1;
	struct perf_event_attr a = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(a),
		.config = tp_id,
		.inherit = 1,
	};

	bench_evload_argv(cfg, k, s, count, argv, bufs);
	ret = child_spawn(&c, argv, t->err, sizeof(t->err));
	if (ret)
		return ret;
	pfd = (int)syscall(SYS_perf_event_open, &a, c.pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0) {
		ret = -errno;
		snprintf(t->err, sizeof(t->err), "perf_event_open: %s", strerror(errno));
		child_release(&c, false);
		goto out;
	}
	child_release(&c, true);
	ret = child_wait(&c, cfg->timeout_s, &status);
	if (ret) {
		snprintf(t->err, sizeof(t->err), "%s", ret == -ETIMEDOUT ? "timed out" : strerror(-ret));
		goto out;
	}
	if (read(pfd, syscalls, sizeof(*syscalls)) != (ssize_t)sizeof(*syscalls)) {
		ret = -EIO;
		snprintf(t->err, sizeof(t->err), "reading the syscall counter: %s", strerror(errno));
		goto out;
	}
	ret = finish_run(status, c.out, c.errfd, t);
out:
	if (pfd >= 0)
		close(pfd);
	child_free(&c);
	return ret;
}

/* ---------------------------------------------------------------- census */

/* The id of raw_syscalls:sys_enter, mounting tracefs if it is missing. */
static int sys_enter_id(uint64_t *id, char *err, size_t errlen)
{
	static const char *const paths[] = {
		"/sys/kernel/tracing/events/raw_syscalls/sys_enter/id",
		"/sys/kernel/debug/tracing/events/raw_syscalls/sys_enter/id",
	};
	char buf[32];

	for (int attempt = 0; attempt < 2; attempt++) {
		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
			int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
			ssize_t n;

			if (fd < 0)
				continue;
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n <= 0)
				continue;
			buf[n] = '\0';
			*id = strtoull(buf, NULL, 10);
			return 0;
		}
		if (attempt == 0 &&
		    mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) && errno != EBUSY)
			break;
	}
	snprintf(err, errlen, "no raw_syscalls:sys_enter tracepoint (tracefs not mountable)");
	return -ENOENT;
}

/* Syscalls per event: sys_enter counts of a short and a long run, each the
 * least of CENSUS_REPEAT runs (noise, such as a retried wait, only adds
 * syscalls), and the slope between them. The unit is a delivery: in a
 * ping-pong every event is one; a late timer merges expirations into one
 * wakeup, which costs the syscalls of one. A count of zero is no count (a
 * process cannot exec and exit without syscalls; seen while other tools
 * attached and detached tracepoint probes): that run is ignored and run
 * again, up to CENSUS_TRIES runs in all. */
#define CENSUS_REPEAT 3
#define CENSUS_TRIES (3 * CENSUS_REPEAT)

void bench_census(const struct bench_config *cfg, enum evt_kind k, struct bench_syscalls *sc)
{
	enum bench_scen s = k == EVT_KIND_TIMERFD ? BENCH_TIMER : BENCH_SAME;
	/* round trips (2 events each), or timer expirations */
	uint64_t n[2] = { k == EVT_KIND_TIMERFD ? 50 : 100, k == EVT_KIND_TIMERFD ? 550 : 2100 };
	uint64_t sys[2] = { UINT64_MAX, UINT64_MAX }, ev[2] = { 0, 0 }, id;
	struct bench_trial *t = calloc(1, sizeof(*t));
	char err[160];

	memset(sc, 0, sizeof(*sc));
	if (!t) {
		snprintf(sc->note, sizeof(sc->note), "out of memory");
		return;
	}
	if (sys_enter_id(&id, err, sizeof(err))) {
		snprintf(sc->note, sizeof(sc->note), "%s", err);
		goto out;
	}
	for (int len = 0; len < 2; len++) {
		for (int rep = 0, got = 0; got < CENSUS_REPEAT && rep < CENSUS_TRIES &&
					   !bench_interrupted; rep++) {
			uint64_t v = 0;

			memset(t, 0, sizeof(*t));
			if (census_run(cfg, k, s, n[len], t, id, &v)) {
				snprintf(sc->note, sizeof(sc->note), "census run failed: %.130s", t->err);
				goto out;
			}
			got += v != 0;
			if (v && v < sys[len]) {
				sys[len] = v;
				ev[len] = t->received;
			}
		}
		if (sys[len] == UINT64_MAX) {
			snprintf(sc->note, sizeof(sc->note), "the syscall counter read 0 in every run");
			goto out;
		}
	}
	if (ev[1] <= ev[0] || sys[1] < sys[0]) {
		snprintf(sc->note, sizeof(sc->note), "census runs not comparable (%" PRIu64
			 " vs %" PRIu64 " events)", ev[0], ev[1]);
		goto out;
	}
	sc->measured = true;
	sc->per_event = (double)(sys[1] - sys[0]) / (double)(ev[1] - ev[0]);
	sc->fixed = (double)sys[0] - sc->per_event * (double)ev[0];
	snprintf(sc->note, sizeof(sc->note),
		 "sys_enter in evload, least of %d runs: %" PRIu64 " for %" PRIu64 " events, %"
		 PRIu64 " for %" PRIu64, CENSUS_REPEAT, sys[0], ev[0], sys[1], ev[1]);
out:
	free(t);
}

/* SPDX-License-Identifier: MIT */
/*
 * daemon: the integrated application, a service loop on one libevm loop.
 *
 *   jobs      the loop submits jobs to a queue (at most 2 per worker in
 *             flight); worker threads run them (--job-time of CPU each) and
 *             hand each finished job back through the loop's notify source
 *             (eventfd, counter mode: a read of n > 1 coalesces n - 1 posts)
 *   tick      a periodic timer owning its timerfd (--tick) keeps the stats
 *   SIGTERM,  through signalfd sources: a graceful shutdown, no new job is
 *   SIGINT    submitted and the jobs in flight are drained
 *   SIGHUP    through signalfd: reload the settings (--config FILE lines
 *             job_time=DURATION, tick=DURATION; a bad file keeps the old
 *             ones, says why on stderr and counts a reload error)
 *   SIGUSR1   through a classic handler source: dump the stats on stderr
 *
 * The loop runs until every job is done or a shutdown has drained the jobs
 * in flight; then it accounts for every job: requested = completed +
 * not_submitted, submitted = completed. Latencies per source: notify (the
 * worker's post -> the loop's callback: per delivery, of its oldest post,
 * as for eventfd; and per job), job (submit -> the loop has it back), tick
 * (lateness against the programmed expiry). Signals come
 * from outside without a send stamp: they are counted, not timed.
 */
#include "evload.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


struct job {
	uint64_t id;
	uint64_t t_submit;
	uint64_t t_post;            /* the worker's stamp just before its post */
	struct job *next;
};

struct job_list {
	struct job *head, *tail;
};

struct dmn {
	const struct ev_opts *o;
	evm_loop *loop;
	evm_source *notify, *tick;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job_list todo;       /* submitted, not started (lock) */
	struct job_list finished;   /* done, not yet collected (lock) */
	bool stop_workers;          /* lock */
	uint64_t job_ns;            /* lock: reloadable */
	_Atomic uint64_t posts;     /* notify posts made by the workers */
	_Atomic int worker_err;

	uint64_t requested;         /* UINT64_MAX with --duration */
	uint64_t submitted, collected;
	uint64_t in_flight_at_shutdown;
	uint64_t reads, coalesced;
	uint64_t last_post;         /* newest post stamp collected so far */
	uint64_t ticks, overruns, tick_expected, tick_ns;
	uint64_t last_tick_collected, last_rate;
	uint64_t sigs[4];           /* SIGTERM, SIGINT, SIGHUP, SIGUSR1 */
	uint64_t reloads, reload_errors, dumps;
	uint64_t t_start, t_stop;
	const char *shutdown;       /* NULL while running */
	struct loghist h_notify, h_post, h_job, h_tick;
	char err[256];

	unsigned nworkers;
	pthread_t workers[EV_MAX_WORKERS];
	pid_t worker_tids[EV_MAX_WORKERS];
};

static void list_push(struct job_list *l, struct job *j)
{
	j->next = NULL;
	if (l->tail)
		l->tail->next = j;
	else
		l->head = j;
	l->tail = j;
}

static struct job *list_take_all(struct job_list *l)
{
	struct job *j = l->head;

	l->head = l->tail = NULL;
	return j;
}

/* ---- workers ---------------------------------------------------------------- */

struct worker_arg {
	struct dmn *d;
	unsigned idx;
};

static struct worker_arg worker_args[EV_MAX_WORKERS];

/* Busy work: job_ns of CPU, as a CPU-bound job would take. */
static void dmn_work(uint64_t ns)
{
	uint64_t t0 = ev_clock_ns(CLOCK_THREAD_CPUTIME_ID);

	while (ev_clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0 < ns)
		;
}

static void *dmn_worker(void *arg)
{
	struct worker_arg *wa = arg;
	struct dmn *d = wa->d;
	char err[200];
	struct job *j;
	int r;

	d->worker_tids[wa->idx] = ev_gettid();
	if (d->o->pin != EV_PIN_NONE && ev_pin_self(d->o->cpu[EV_A], err, sizeof(err)) < 0)
		atomic_store(&d->worker_err, -EINVAL);
	for (;;) {
		uint64_t job_ns;

		pthread_mutex_lock(&d->lock);
		while (!d->todo.head && !d->stop_workers) {
			/* bounded wait: a lost wake-up costs 100 ms, never a hang */
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 100000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&d->cond, &d->lock, &ts);
		}
		/* the queue drains before the workers stop */
		j = d->todo.head;
		if (!j) {
			pthread_mutex_unlock(&d->lock);
			return NULL;
		}
		d->todo.head = j->next;
		if (!d->todo.head)
			d->todo.tail = NULL;
		job_ns = d->job_ns;
		pthread_mutex_unlock(&d->lock);

		dmn_work(job_ns);

		pthread_mutex_lock(&d->lock);
		j->t_post = ev_now();
		list_push(&d->finished, j);
		pthread_mutex_unlock(&d->lock);
		r = evm_notify_post(d->notify, 1);
		if (r < 0)
			atomic_store(&d->worker_err, r);
		else
			atomic_fetch_add(&d->posts, 1);
	}
}

/* ---- the loop's sources ------------------------------------------------------ */

static int dmn_submit(struct dmn *d)
{
	uint64_t max = 2ull * d->nworkers;
	bool any = false;

	if (d->shutdown)
		return 0;
	pthread_mutex_lock(&d->lock);
	while (d->submitted - d->collected < max && d->submitted < d->requested) {
		struct job *j = malloc(sizeof(*j));

		if (!j) {
			pthread_mutex_unlock(&d->lock);
			return -ENOMEM;
		}
		j->id = d->submitted++;
		j->t_submit = ev_now();
		list_push(&d->todo, j);
		any = true;
	}
	if (any)
		pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

static int dmn_maybe_exit(struct dmn *d)
{
	if (d->collected == d->submitted && (d->shutdown || d->submitted >= d->requested)) {
		if (!d->shutdown)
			d->shutdown = "done";
		return evm_loop_exit(d->loop, 0);
	}
	return 0;
}

static void dmn_begin_shutdown(struct dmn *d, const char *why)
{
	if (d->shutdown)
		return;
	d->shutdown = why;
	d->in_flight_at_shutdown = d->submitted - d->collected;
}

static int dmn_notify_cb(evm_source *s, uint64_t value, void *userdata)
{
	uint64_t t = ev_now();
	struct dmn *d = userdata;
	struct job *j, *next;
	uint64_t t_post;

	(void)s;
	d->reads++;
	d->coalesced += value - 1;
	pthread_mutex_lock(&d->lock);
	j = list_take_all(&d->finished);
	pthread_mutex_unlock(&d->lock);
	/* One sample per delivery, as for every kind: the oldest post it
	 * brings; a delivery finding no job (an earlier read already took it,
	 * before its post) stands for the newest post seen. */
	t_post = j ? j->t_post : d->last_post;
	hist_add(&d->h_notify, t > t_post ? t - t_post : 0);
	for (; j; j = next) {
		next = j->next;
		if (j->t_post > d->last_post)
			d->last_post = j->t_post;
		hist_add(&d->h_post, t > j->t_post ? t - j->t_post : 0);
		hist_add(&d->h_job, t - j->t_submit);
		d->collected++;
		free(j);
	}
	if (d->t_stop && !d->shutdown && t >= d->t_stop)
		dmn_begin_shutdown(d, "duration");
	if (dmn_submit(d) < 0)
		return -ENOMEM;
	return dmn_maybe_exit(d);
}

static int dmn_tick_cb(evm_source *s, uint64_t expirations, int error, void *userdata)
{
	uint64_t t = ev_now();
	struct dmn *d = userdata;

	(void)error;
	hist_add(&d->h_tick, t > d->tick_expected ? t - d->tick_expected : 0);
	d->ticks++;
	d->overruns += expirations - 1;
	evm_timer_get_next(s, &d->tick_expected);
	d->last_rate = (d->collected - d->last_tick_collected) * EV_NSEC_PER_SEC / d->tick_ns;
	d->last_tick_collected = d->collected;
	if (d->t_stop && !d->shutdown && t >= d->t_stop) {
		dmn_begin_shutdown(d, "duration");
		return dmn_maybe_exit(d);
	}
	return 0;
}

/* ---- the settings file ---------------------------------------------------- */

static int config_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int config_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* One "key = value" line (comment and blanks gone): 0, or -EINVAL with err. */
static int config_line(const char *path, unsigned lineno, char *line, uint64_t *job_ns,
		       uint64_t *tick_ns, char *err, size_t errlen)
{
	static const struct {
		const char *key;
		uint64_t def_unit, min, max;
	} keys[] = {
		{ "job_time", EV_NSEC_PER_US, 0, EV_MAX_JOB_NS },
		{ "tick", EV_NSEC_PER_MS, EV_MIN_TICK_NS, EV_MAX_TICK_NS },
	};
	char *eq = strchr(line, '='), *key = line, *val, *end;
	char lo[32], hi[32];
	uint64_t ns;

	if (!eq)
		return config_fail(err, errlen, -EINVAL, "--config %s line %u: '%s': want KEY = DURATION",
				   path, lineno, line);
	for (end = eq; end > key && isspace((unsigned char)end[-1]); end--)
		;
	*end = '\0';
	for (val = eq + 1; isspace((unsigned char)*val); val++)
		;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(key, keys[i].key))
			continue;
		if (ev_parse_duration(val, keys[i].def_unit, &ns) < 0 || ns < keys[i].min ||
		    ns > keys[i].max)
			return config_fail(err, errlen, -EINVAL,
					   "--config %s line %u: %s must be a duration from %s to %s, "
					   "not '%s'", path, lineno, key,
					   hist_fmt_ns(keys[i].min, lo, sizeof(lo)),
					   hist_fmt_ns(keys[i].max, hi, sizeof(hi)), val);
		*(i == 0 ? job_ns : tick_ns) = ns;
		return 0;
	}
	return config_fail(err, errlen, -EINVAL,
			   "--config %s line %u: unknown setting '%s' (job_time or tick)", path,
			   lineno, key);
}

int ev_config_read(const char *path, uint64_t *job_ns, uint64_t *tick_ns, char *err,
		   size_t errlen)
{
	uint64_t job = *job_ns, tick = *tick_ns;
	char *buf, *line, *next;
	unsigned lineno = 0;
	size_t len = 0;
	struct stat st;
	int fd, rc = 0;

	/* non-blocking: a FIFO must not hang the open; it is refused below */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return config_fail(err, errlen, -errno, "--config %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		close(fd);
		return config_fail(err, errlen, rc, "--config %s: %s", path, strerror(-rc));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return config_fail(err, errlen, -EINVAL, "--config %s: not a regular file", path);
	}
	buf = malloc(EV_CONFIG_MAX + 1);
	if (!buf) {
		close(fd);
		return config_fail(err, errlen, -ENOMEM, "--config %s: out of memory", path);
	}
	/* at most EV_CONFIG_MAX bytes, whatever the size says (/proc files
	 * say 0, a growing file more than it had) */
	while (len <= EV_CONFIG_MAX) {
		ssize_t n = read(fd, buf + len, EV_CONFIG_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = config_fail(err, errlen, -errno, "--config %s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > EV_CONFIG_MAX) {
		rc = config_fail(err, errlen, -EFBIG, "--config %s: larger than %d bytes", path,
				 EV_CONFIG_MAX);
		goto out;
	}
	if (memchr(buf, '\0', len)) {
		rc = config_fail(err, errlen, -EINVAL, "--config %s: not a text file (a NUL byte)",
				 path);
		goto out;
	}
	buf[len] = '\0';
	for (line = buf; line && *line; line = next) {
		char *hash, *end;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		while (isspace((unsigned char)*line))
			line++;
		for (end = line + strlen(line); end > line && isspace((unsigned char)end[-1]); end--)
			;
		*end = '\0';
		if (!*line)
			continue;
		for (const char *c = line; *c; c++) {
			if (iscntrl((unsigned char)*c) && *c != '\t') {
				rc = config_fail(err, errlen, -EINVAL,
						 "--config %s line %u: a control character", path, lineno);
				goto out;
			}
		}
		if (strlen(line) > 200) {
			rc = config_fail(err, errlen, -EINVAL, "--config %s line %u: longer than 200 "
					 "characters", path, lineno);
			goto out;
		}
		rc = config_line(path, lineno, line, &job, &tick, err, errlen);
		if (rc < 0)
			goto out;
	}
	*job_ns = job;
	*tick_ns = tick;
out:
	free(buf);
	close(fd);
	return rc;
}

/* Re-reads --config: the settings it gives, or the old ones and err. */
static int dmn_reload(struct dmn *d, char *err, size_t errlen)
{
	uint64_t job_ns = d->o->job_ns, tick_ns = d->o->tick_ns;
	int r;

	if (!d->o->config)
		return 0;
	r = ev_config_read(d->o->config, &job_ns, &tick_ns, err, errlen);
	if (r < 0)
		return r;
	pthread_mutex_lock(&d->lock);
	d->job_ns = job_ns;
	pthread_mutex_unlock(&d->lock);
	if (tick_ns != d->tick_ns) {
		r = evm_timer_set(d->tick, tick_ns, tick_ns, 0);
		if (r < 0) {
			snprintf(err, errlen, "the tick timer: %s", strerror(-r));
			return r;
		}
		d->tick_ns = tick_ns;
		evm_timer_get_next(d->tick, &d->tick_expected);
	}
	return 0;
}

static int dmn_signal_cb(evm_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct dmn *d = userdata;

	(void)s;
	switch (si->ssi_signo) {
	case SIGTERM:
		d->sigs[0]++;
		dmn_begin_shutdown(d, "SIGTERM");
		break;
	case SIGINT:
		d->sigs[1]++;
		dmn_begin_shutdown(d, "SIGINT");
		break;
	case SIGHUP: {
		char err[256];

		d->sigs[2]++;
		if (dmn_reload(d, err, sizeof(err)) < 0) {
			d->reload_errors++;
			fprintf(stderr, "evload: daemon: SIGHUP: %s; the settings stay\n", err);
		} else {
			d->reloads++;
		}
		return 0;
	}
	}
	return dmn_maybe_exit(d);
}

static int dmn_usr1_cb(evm_source *s, const siginfo_t *si, void *userdata)
{
	struct dmn *d = userdata;

	(void)s;
	(void)si;
	d->sigs[3]++;
	d->dumps++;
	fprintf(stderr, "evload daemon: submitted %" PRIu64 " completed %" PRIu64
		" in flight %" PRIu64 " (%" PRIu64 " jobs/s at the last tick), notify reads %"
		PRIu64 " coalesced %" PRIu64 ", ticks %" PRIu64 " overruns %" PRIu64 "\n",
		d->submitted, d->collected, d->submitted - d->collected, d->last_rate,
		d->reads, d->coalesced, d->ticks, d->overruns);
	return 0;
}

/* ---- run ------------------------------------------------------------------- */

static json_object *dmn_hist(const struct loghist *h)
{
	struct hist_summary s;

	hist_summarize(h, &s);
	return hist_summary_to_json(&s);
}

static void dmn_report(struct dmn *d, struct ev_result *res)
{
	json_object *jobs = json_object_new_object(), *src = json_object_new_object();
	json_object *o, *tids = json_object_new_array();
	uint64_t posts = atomic_load(&d->posts);

	res->sent = posts;
	res->received = d->reads;
	res->coalesced = d->coalesced;
	res->lost = posts > d->reads + d->coalesced ? posts - d->reads - d->coalesced : 0;
	res->hist = d->h_notify;

	json_object_object_add(jobs, "requested", d->requested == UINT64_MAX ? NULL :
			       json_object_new_uint64(d->requested));
	json_object_object_add(jobs, "submitted", json_object_new_uint64(d->submitted));
	json_object_object_add(jobs, "completed", json_object_new_uint64(d->collected));
	json_object_object_add(jobs, "in_flight_at_shutdown",
			       json_object_new_uint64(d->in_flight_at_shutdown));
	json_object_object_add(jobs, "not_submitted", d->requested == UINT64_MAX ? NULL :
			       json_object_new_uint64(d->requested - d->submitted));
	json_object_object_add(jobs, "unaccounted",
			       json_object_new_uint64(d->submitted - d->collected));
	json_object_object_add(jobs, "latency_ns", dmn_hist(&d->h_job));

	o = json_object_new_object();
	json_object_object_add(o, "posts", json_object_new_uint64(posts));
	json_object_object_add(o, "deliveries", json_object_new_uint64(d->reads));
	json_object_object_add(o, "coalesced", json_object_new_uint64(d->coalesced));
	json_object_object_add(o, "latency_ns", dmn_hist(&d->h_notify));
	json_object_object_add(o, "per_job_latency_ns", dmn_hist(&d->h_post));
	json_object_object_add(src, "notify", o);
	o = json_object_new_object();
	json_object_object_add(o, "ticks", json_object_new_uint64(d->ticks));
	json_object_object_add(o, "overruns", json_object_new_uint64(d->overruns));
	json_object_object_add(o, "lateness_ns", dmn_hist(&d->h_tick));
	json_object_object_add(src, "timer", o);
	o = json_object_new_object();
	json_object_object_add(o, "SIGTERM", json_object_new_uint64(d->sigs[0]));
	json_object_object_add(o, "SIGINT", json_object_new_uint64(d->sigs[1]));
	json_object_object_add(o, "SIGHUP", json_object_new_uint64(d->sigs[2]));
	json_object_object_add(src, "signalfd", o);
	o = json_object_new_object();
	json_object_object_add(o, "SIGUSR1", json_object_new_uint64(d->sigs[3]));
	json_object_object_add(src, "handler", o);

	res->extra = json_object_new_object();
	json_object_object_add(res->extra, "shutdown",
			       json_object_new_string(d->shutdown ? d->shutdown : "failed"));
	json_object_object_add(res->extra, "jobs", jobs);
	json_object_object_add(res->extra, "sources", src);
	json_object_object_add(res->extra, "reloads", json_object_new_uint64(d->reloads));
	json_object_object_add(res->extra, "reload_errors", json_object_new_uint64(d->reload_errors));
	json_object_object_add(res->extra, "stats_dumps", json_object_new_uint64(d->dumps));

	res->settings = json_object_new_object();
	json_object_object_add(res->settings, "workers", json_object_new_int((int)d->nworkers));
	for (unsigned i = 0; i < d->nworkers; i++)
		json_object_array_add(tids, json_object_new_int(d->worker_tids[i]));
	json_object_object_add(res->settings, "worker_tids", tids);
	json_object_object_add(res->settings, "job_time_ns", json_object_new_uint64(d->job_ns));
	json_object_object_add(res->settings, "tick_ns", json_object_new_uint64(d->tick_ns));
	json_object_object_add(res->settings, "config", d->o->config ?
			       json_object_new_string(d->o->config) : NULL);
}

static int dmn_setup(struct dmn *d)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	int r;

	r = evm_loop_new(&d->loop);
	if (r < 0)
		return r;
	r = evm_add_notify(d->loop, &d->notify, 0, dmn_notify_cb, d);
	if (r < 0)
		return r;
	r = evm_add_timer(d->loop, &d->tick, CLOCK_MONOTONIC, d->tick_ns, d->tick_ns,
			  EVM_TIMER_DEDICATED, dmn_tick_cb, d);
	if (r < 0)
		return r;
	evm_timer_get_next(d->tick, &d->tick_expected);
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		r = evm_add_signal(d->loop, NULL, sigs[i], dmn_signal_cb, d);
		if (r < 0)
			return r;
	}
	return evm_add_handler(d->loop, NULL, SIGUSR1, dmn_usr1_cb, d);
}

int ev_daemon_run(const struct ev_opts *o, struct ev_result *res)
{
	static struct dmn dmn;
	struct dmn *d = &dmn;
	uint64_t cpu0, deadline, last = 0;
	sigset_t set;
	char err[200];
	int r;

	d->o = o;
	d->job_ns = o->job_ns;
	d->tick_ns = o->tick_ns;
	d->nworkers = o->workers;
	d->requested = o->duration_ns ? UINT64_MAX : o->jobs;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	hist_init(&d->h_notify);
	hist_init(&d->h_post);
	hist_init(&d->h_job);
	hist_init(&d->h_tick);
	res->pid = getpid();
	res->tid = ev_gettid();

	if (ev_pin_self(o->cpu[EV_B], err, sizeof(err)) < 0) {
		snprintf(res->err, sizeof(res->err), "%s", err);
		return -EINVAL;
	}
	/* Before any thread: the signalfd signals blocked everywhere, SIGUSR1
	 * blocked in the workers (the loop thread unblocks it below). */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	r = dmn_setup(d);
	if (r < 0) {
		snprintf(res->err, sizeof(res->err), "set-up: %s: %s", strerror(-r),
			 d->loop ? evm_loop_error(d->loop) : "");
		evm_loop_free(d->loop);
		return r;
	}
	r = dmn_reload(d, res->err, sizeof(res->err));
	if (r < 0) {
		evm_loop_free(d->loop);
		return r;
	}
	for (unsigned i = 0; i < d->nworkers; i++) {
		worker_args[i] = (struct worker_arg){ .d = d, .idx = i };
		r = pthread_create(&d->workers[i], NULL, dmn_worker, &worker_args[i]);
		if (r) {
			d->nworkers = i;
			snprintf(res->err, sizeof(res->err), "pthread_create: %s", strerror(r));
			goto out;
		}
	}
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	if (o->delay_ns) {
		fprintf(stderr, "evload: daemon: pid %d (loop tid %d); jobs start in %.3g s\n",
			res->pid, res->tid, (double)o->delay_ns / 1e9);
		ev_sleep_ns(o->delay_ns);
	}
	cpu0 = ev_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	d->t_start = res->t_start = ev_now();
	if (o->duration_ns)
		d->t_stop = d->t_start + o->duration_ns;
	r = dmn_submit(d);

	/* Bounded waits: no job back for --timeout while jobs are out fails. */
	deadline = ev_now() + o->timeout_ns;
	while (r >= 0) {
		r = evm_loop_run_once(d->loop, 100 * 1000000); /* 100 ms */
		if (r < 0 || (d->shutdown && d->collected == d->submitted))
			break;
		if (atomic_load(&d->worker_err)) {
			r = atomic_load(&d->worker_err);
			snprintf(res->err, sizeof(res->err), "a worker failed: %s", strerror(-r));
			break;
		}
		if (d->collected != last || d->collected == d->submitted) {
			last = d->collected;
			deadline = ev_now() + o->timeout_ns;
		} else if (ev_now() > deadline) {
			snprintf(res->err, sizeof(res->err), "no job came back for %.1f s",
				 (double)o->timeout_ns / 1e9);
			r = -ETIMEDOUT;
			break;
		}
	}
	if (r < 0 && !res->err[0])
		snprintf(res->err, sizeof(res->err), "loop: %s: %s", strerror(-r),
			 evm_loop_error(d->loop));
	res->t_end = ev_now();
	res->cpu_ns = ev_clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
out:
	pthread_mutex_lock(&d->lock);
	d->stop_workers = true;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	for (unsigned i = 0; i < d->nworkers; i++)
		pthread_join(d->workers[i], NULL);
	/* posts that raced the last collection: take them so every post is
	 * accounted for as a delivery or coalesced (no new job: shut down) */
	dmn_begin_shutdown(d, "failed");
	while (evm_loop_run_once(d->loop, 0) > 0)
		;
	dmn_report(d, res);
	for (struct job *j = list_take_all(&d->todo), *next; j; j = next) {
		next = j->next;
		free(j);
	}
	evm_loop_free(d->loop);
	return res->err[0] ? -EIO : 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * The harness every sender/receiver mechanism runs in: shared memory,
 * stamps, pinning, policy, the two sides as threads or processes, the three
 * patterns, timeouts and the final accounting.
 *
 * Nothing here sends an event of the measured kind: start-up, flow control,
 * the end of the traffic and failures go through struct ev_shared, polled
 * with short sleeps or the mechanism's own wait with a timeout.
 */
#include "evload.h"

#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* A wait of the mechanism never blocks longer than this: in between, the
 * side looks at the shared flags and at its peer. */
#define EV_POLL_MS 20
/* Sleep between two looks at a shared flag or counter. */
#define EV_SPIN_NS (20 * EV_NSEC_PER_US)
/* Standard signals: this many empty waits after the end = nothing pending. */
#define EV_DRAIN_EMPTY 3

uint64_t ev_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * EV_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t ev_now(void)
{
	return ev_clock_ns(CLOCK_MONOTONIC);
}

void ev_sleep_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / EV_NSEC_PER_SEC),
		.tv_nsec = (long)(ns % EV_NSEC_PER_SEC),
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int ev_parse_duration(const char *s, uint64_t def_unit, uint64_t *ns)
{
	static const struct { const char *suffix; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "us", EV_NSEC_PER_US }, { "ms", EV_NSEC_PER_MS },
		{ "s", EV_NSEC_PER_SEC }, { "", 0 },
	};
	uint64_t unit = 0;
	char *end;
	double v;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '-')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || !(v >= 0) || (errno == ERANGE && v < 1))
		return -EINVAL;
	while (isspace((unsigned char)*end))
		end++;
	for (unsigned i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(end, units[i].suffix)) {
			unit = units[i].ns ? units[i].ns : def_unit;
			break;
		}
	}
	if (!unit)
		return -EINVAL;
	if (errno == ERANGE || v * (double)unit > (double)EV_MAX_DURATION_NS)
		return -ERANGE;
	*ns = (uint64_t)(v * (double)unit + 0.5);
	return 0;
}

pid_t ev_gettid(void)
{
	return gettid();
}

/* Milliseconds until deadline, at most cap_ms, at least 0. */
int ev_ms_left(uint64_t deadline, int cap_ms)
{
	uint64_t now = ev_now();
	uint64_t ms;

	if (now >= deadline)
		return 0;
	ms = (deadline - now + EV_NSEC_PER_MS - 1) / EV_NSEC_PER_MS;
	return ms < (uint64_t)cap_ms ? (int)ms : cap_ms;
}

static const char *const side_names[2] = { "sender", "receiver" };

int ev_fail(struct ev_side *s, int err, const char *fmt, ...)
{
	struct ev_shared *sh = s->run->sh;
	char *buf = sh->side[s->id].err;
	va_list ap;

	if (!buf[0]) {
		va_start(ap, fmt);
		vsnprintf(buf, sizeof(sh->side[s->id].err), fmt, ap);
		va_end(ap);
	}
	atomic_store(&sh->abort, 1);
	return err < 0 ? err : -EIO;
}

int ev_allowed_cpus(int *first, int *second)
{
	cpu_set_t set;
	int n = 0;

	*first = *second = -1;
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return -errno;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		if (n == 0)
			*first = c;
		else if (n == 1)
			*second = c;
		n++;
	}
	return n;
}

int ev_pin_self(int cpu, char *err, size_t len)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0) {
		int e = errno;

		snprintf(err, len, "cannot pin to CPU %d: %s", cpu, strerror(e));
		return -e;
	}
	return 0;
}

int ev_policy_self(const struct ev_opts *o, char *err, size_t len)
{
	struct sched_param sp = { .sched_priority = o->policy == SCHED_FIFO ? o->prio : 0 };

	if (sched_setscheduler(0, o->policy, &sp) < 0) {
		int e = errno;

		if (o->policy == SCHED_FIFO)
			snprintf(err, len, "SCHED_FIFO priority %d refused: %s%s", o->prio,
				 strerror(e), e == EPERM ?
				 " (needs CAP_SYS_NICE or RLIMIT_RTPRIO >= the priority)" : "");
		else
			snprintf(err, len, "SCHED_OTHER refused: %s", strerror(e));
		return -e;
	}
	return 0;
}

static uint64_t ev_thread_cpu(void)
{
	return ev_clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

/* ---- receiving ------------------------------------------------------------ */

void ev_rx(struct ev_side *s, uint64_t seq, uint64_t n, uint64_t t)
{
	struct ev_dir *d = s->rx;
	uint64_t stamped = atomic_load_explicit(&d->stamped, memory_order_acquire);
	uint64_t end, ts;

	if (n == 0)
		n = 1;
	if (seq == EV_SEQ_NONE)
		seq = s->rx_next;
	if (seq >= stamped) {
		/* Standard signals: a delivery racing the sender's bookkeeping
		 * stands for the newest send. Otherwise it is not ours. */
		if (!s->run->merges || stamped == 0) {
			d->unmatched++;
			return;
		}
		seq = stamped - 1;
	}
	ts = d->stamp[seq % EV_RING];
	hist_add(&d->hist, t > ts ? t - ts : 0);
	d->received++;
	d->coalesced += n - 1;
	s->deliveries++;
	s->t_last_rx = t;

	end = seq + n;
	if (s->run->merges) {
		/* Every send completed so far was either merged into this
		 * delivery or is pending as the next one. */
		uint64_t sent = atomic_load_explicit(&d->sent, memory_order_acquire);

		if (sent > end)
			end = sent;
	}
	if (end > s->rx_next)
		s->rx_next = end;
	atomic_store_explicit(&d->consumed, s->rx_next, memory_order_release);
}

int ev_side_loop(struct ev_side *s)
{
	if (!ev_side_receives(s))
		return 0;
	return evm_loop_new(&s->loop);
}

int ev_loop_wait(struct ev_side *s, int timeout_ms)
{
	return evm_loop_run_once(s->loop, (int64_t)timeout_ms * 1000000); /* -1: no limit */
}

int ev_peer_fd(struct ev_side *s)
{
	int fd = s->run->sh->side[!s->id].fd;
	int pidfd, r;

	if (fd < 0)
		return -EBADF;
	if (!s->run->o->processes)
		return fd;
	if (s->peer_pidfd < 0) {
		s->peer_pidfd = (int)syscall(SYS_pidfd_open, s->peer_pid, 0);
		if (s->peer_pidfd < 0)
			return -errno;
	}
	pidfd = s->peer_pidfd;
	r = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	return r < 0 ? -errno : r;
}

/* ---- liveness ------------------------------------------------------------ */

static void ev_describe_status(char *buf, size_t len, int status)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			 sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
	else if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else
		snprintf(buf, len, "stopped (status 0x%x)", status);
}

/* 0 while the run may go on; < 0 when the peer is gone or someone failed
 * (the message is recorded). */
static int ev_check(struct ev_side *s)
{
	struct ev_run *r = s->run;
	char why[96];
	int status;

	if (r->o->processes) {
		if (s->id == EV_A && !r->child_reaped &&
		    waitpid(r->child, &status, WNOHANG) == r->child) {
			r->child_reaped = true;
			r->child_status = status;
			if (!atomic_load(&r->sh->finished[EV_B])) {
				ev_describe_status(why, sizeof(why), status);
				return ev_fail(s, -ESRCH, "the receiver (pid %d) %s mid-run",
					       r->child, why);
			}
		}
		if (s->id == EV_B && getppid() != r->parent)
			return ev_fail(s, -ESRCH, "the sender (pid %d) is gone", r->parent);
	}
	if (atomic_load(&r->sh->abort))
		return -ECANCELED;
	return 0;
}

/* One look while waiting on shared memory (not on the mechanism): the
 * peer is checked, the run fails once timeout_ns has passed since the
 * first look (*deadline starts at 0), else a sleep: short at first, 1 ms
 * after 10 ms (a wait through --delay stays quiet for a tracer). */
static int ev_stall(struct ev_side *s, uint64_t *deadline, uint64_t timeout_ns,
		    const char *what)
{
	uint64_t now = ev_now();
	int r = ev_check(s);

	if (r < 0)
		return r;
	if (!*deadline)
		*deadline = now + timeout_ns;
	else if (now > *deadline)
		return ev_fail(s, -ETIMEDOUT, "%s: nothing for %.1f s", what,
			       (double)timeout_ns / 1e9);
	ev_sleep_ns(now + timeout_ns - *deadline > 10 * EV_NSEC_PER_MS ?
		    EV_NSEC_PER_MS : EV_SPIN_NS);
	return 0;
}

/* Waits for a shared flag to reach want, looking at the peer meanwhile. */
static int ev_wait_flag(struct ev_side *s, _Atomic int *flag, int want,
			uint64_t timeout_ns, const char *what)
{
	uint64_t deadline = 0;
	int r;

	while (atomic_load_explicit(flag, memory_order_acquire) < want) {
		r = ev_stall(s, &deadline, timeout_ns, what);
		if (r < 0)
			return r;
	}
	return 0;
}

/* One bounded wait of the mechanism. *deadline (0 after progress) tracks
 * opts.timeout with no delivery: the peer is looked at on every empty wait,
 * and the run fails when the time is up. */
static int ev_wait_step(struct ev_side *s, uint64_t *deadline)
{
	const struct ev_mech *m = s->run->m;
	uint64_t before = s->deliveries;
	int r;

	r = m->wait(s, EV_POLL_MS);
	if (r < 0)
		return ev_fail(s, r, "%s: waiting for an event: %s", ev_mech_name(m), strerror(-r));
	if (s->deliveries != before) {
		*deadline = 0;
		return 0;
	}
	r = ev_check(s);
	if (r < 0)
		return r;
	if (!*deadline)
		*deadline = ev_now() + s->run->o->timeout_ns;
	else if (ev_now() > *deadline)
		return ev_fail(s, -ETIMEDOUT, "no event from the %s for %.1f s",
			       side_names[!s->id], (double)s->run->o->timeout_ns / 1e9);
	return 0;
}

/* Waits until the side has seen `target` deliveries. */
static int ev_wait_deliveries(struct ev_side *s, uint64_t target)
{
	uint64_t deadline = 0;
	int r;

	while (s->deliveries < target) {
		r = ev_wait_step(s, &deadline);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Waits (sleeping, not through the mechanism) until the receiver has
 * accounted for at least `target` events of this side's direction. */
static int ev_wait_consumed(struct ev_side *s, uint64_t target)
{
	uint64_t deadline = 0;
	int r;

	while (atomic_load_explicit(&s->tx->consumed, memory_order_acquire) < target) {
		r = ev_stall(s, &deadline, s->run->o->timeout_ns,
			     "waiting for the receiver to take an event");
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- sending ------------------------------------------------------------- */

/* Stamps, then makes the one syscall of the mechanism. A refusal with
 * EAGAIN (a full pipe, the RT signal queue limit) is retried with a new
 * stamp and counted. */
static int ev_send(struct ev_side *s, uint64_t seq)
{
	const struct ev_mech *m = s->run->m;
	struct ev_dir *d = s->tx;
	uint64_t deadline = 0;
	int r;

	for (;;) {
		d->stamp[seq % EV_RING] = ev_now();
		atomic_store_explicit(&d->stamped, seq + 1, memory_order_release);
		r = m->send(s, seq);
		if (r != -EAGAIN)
			break;
		d->send_again++;
		r = ev_stall(s, &deadline, s->run->o->timeout_ns,
			     "the send is refused (EAGAIN) by the receiver's end");
		if (r < 0)
			return r;
	}
	if (r < 0)
		return ev_fail(s, r, "%s: send to the %s: %s", ev_mech_name(m),
			       side_names[!s->id], strerror(-r));
	atomic_store_explicit(&d->sent, seq + 1, memory_order_release);
	return 0;
}

/* ---- the patterns ---------------------------------------------------------- */

static bool ev_more(const struct ev_opts *o, uint64_t i, uint64_t t_stop)
{
	if (o->count)
		return i < o->count;
	return ev_now() < t_stop;
}

/* A: ping, wait for the answer, again. */
static int ev_a_pingpong(struct ev_side *s, uint64_t t_stop)
{
	const struct ev_opts *o = s->run->o;
	uint64_t i;
	int r = 0;

	for (i = 0; ev_more(o, i, t_stop); i++) {
		r = ev_send(s, i);
		if (r < 0)
			break;
		r = ev_wait_deliveries(s, i + 1);
		if (r < 0)
			break;
		s->run->sh->rounds = i + 1;
	}
	return r;
}

/* A: one event at a time; the next only when the receiver has taken the
 * previous one (seen through shared memory), after --interval. */
static int ev_a_oneway(struct ev_side *s, uint64_t t_stop)
{
	const struct ev_opts *o = s->run->o;
	int r = 0;

	for (uint64_t i = 0; ev_more(o, i, t_stop); i++) {
		r = ev_wait_consumed(s, i);
		if (r < 0)
			break;
		if (o->interval_ns)
			ev_sleep_ns(o->interval_ns);
		r = ev_send(s, i);
		if (r < 0)
			break;
	}
	return r;
}

/* A: as fast as the mechanism takes them, at most opts.window in flight. */
static int ev_a_flood(struct ev_side *s, uint64_t t_stop)
{
	const struct ev_opts *o = s->run->o;
	int r = 0;

	for (uint64_t i = 0; ev_more(o, i, t_stop); i++) {
		if (i - atomic_load_explicit(&s->tx->consumed, memory_order_acquire) >= o->window) {
			r = ev_wait_consumed(s, i - o->window + 1);
			if (r < 0)
				break;
		}
		r = ev_send(s, i);
		if (r < 0)
			break;
	}
	return r;
}

/* B, ping-pong: answer every event through the same mechanism. Stops after
 * opts.count answers, or when A is done and every ping is answered. */
static int ev_b_pingpong(struct ev_side *s)
{
	struct ev_run *r = s->run;
	const struct ev_opts *o = r->o;
	uint64_t answered = 0, deadline = 0;
	int rc;

	for (;;) {
		if (o->count && answered >= o->count)
			return 0;
		if (atomic_load_explicit(&r->sh->done, memory_order_acquire) &&
		    answered >= atomic_load(&s->rx->sent))
			return 0;
		if (s->deliveries <= answered) {
			rc = ev_wait_step(s, &deadline);
			if (rc < 0)
				return rc;
			continue;
		}
		if (o->interval_ns)
			ev_sleep_ns(o->interval_ns);
		rc = ev_send(s, answered);
		if (rc < 0)
			return rc;
		answered++;
	}
}

/* B, oneway and flood: take events until A is done, then drain. */
static int ev_b_take(struct ev_side *s)
{
	uint64_t deadline = 0;
	int rc;

	while (!atomic_load_explicit(&s->run->sh->done, memory_order_acquire)) {
		rc = ev_wait_step(s, &deadline);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* After A is done: everything it sent is in the kernel by now. Queuing
 * mechanisms: wait (bounded) until every event is accounted for. Standard
 * signals: until nothing is pending any more. */
static int ev_drain(struct ev_side *s)
{
	struct ev_run *r = s->run;
	struct ev_dir *d = s->rx;
	uint64_t final = atomic_load_explicit(&d->sent, memory_order_acquire);
	uint64_t deadline = ev_now() + r->o->timeout_ns;
	int empty = 0, rc;

	while (d->received + d->coalesced < final) {
		uint64_t before = s->deliveries;

		rc = r->m->wait(s, r->merges ? 1 : ev_ms_left(deadline, EV_POLL_MS));
		if (rc < 0)
			return ev_fail(s, rc, "%s: draining: %s", ev_mech_name(r->m), strerror(-rc));
		if (s->deliveries != before) {
			empty = 0;
			continue;
		}
		if (r->merges && ++empty >= EV_DRAIN_EMPTY)
			break;
		if (ev_now() > deadline)
			break;
	}
	return 0;
}

/* The final counts of one direction: sent = received + coalesced + lost. */
static void ev_account(struct ev_run *r, struct ev_dir *d)
{
	uint64_t sent = atomic_load(&d->sent);
	uint64_t known = d->received + d->coalesced + d->lost;

	if (known >= sent) {
		/* a sender killed between its syscall and its count */
		atomic_store(&d->sent, known);
		return;
	}
	if (r->merges && !atomic_load(&r->sh->abort))
		d->coalesced += sent - known;
	else
		d->lost += sent - known;
}

/* ---- a side from start to end --------------------------------------------- */

static int ev_side_main(struct ev_side *s)
{
	struct ev_run *r = s->run;
	const struct ev_opts *o = r->o;
	struct ev_shared *sh = r->sh;
	struct ev_sideinfo *me = &sh->side[s->id];
	uint64_t t_stop = 0, cpu0;
	char err[200];
	int rc;

	me->pid = getpid();
	me->tid = ev_gettid();
	me->cpu = o->cpu[s->id];
	me->fd = -1;
	s->peer_pidfd = -1;
	s->fd[0] = s->fd[1] = -1;

	if (ev_pin_self(o->cpu[s->id], err, sizeof(err)) < 0)
		return ev_fail(s, -EINVAL, "%s", err);
	rc = r->m->init(s);
	if (rc < 0)
		return ev_fail(s, rc, "%s: set-up of the %s: %s%s%s", ev_mech_name(r->m),
			       side_names[s->id], strerror(-rc),
			       s->loop && evm_loop_error(s->loop)[0] ? ": " : "",
			       s->loop ? evm_loop_error(s->loop) : "");
	atomic_store_explicit(&sh->ready[s->id], 1, memory_order_release);
	rc = ev_wait_flag(s, &sh->ready[!s->id], 1, o->timeout_ns,
			  "waiting for the other side to start");
	if (rc < 0)
		return rc;
	s->peer_pid = sh->side[!s->id].pid;
	s->peer_tid = sh->side[!s->id].tid;
	if (r->m->connect) {
		rc = r->m->connect(s);
		if (rc < 0)
			return ev_fail(s, rc, "%s: connecting the %s to the %s: %s", ev_mech_name(r->m),
				       side_names[s->id], side_names[!s->id], strerror(-rc));
	}
	atomic_store_explicit(&sh->ready[s->id], 2, memory_order_release);

	if (s->id == EV_A) {
		rc = ev_wait_flag(s, &sh->ready[EV_B], 2, o->timeout_ns,
				  "waiting for the receiver to connect");
		if (rc < 0)
			return rc;
		if (o->delay_ns) {
			fprintf(stderr, "evload: %s: sender pid %d tid %d, receiver pid %d tid %d; "
				"traffic starts in %.3g s\n", ev_mech_name(r->m), me->pid, me->tid,
				sh->side[EV_B].pid, sh->side[EV_B].tid, (double)o->delay_ns / 1e9);
			ev_sleep_ns(o->delay_ns);
		}
		cpu0 = ev_thread_cpu();
		sh->t_start = ev_now();
		t_stop = sh->t_start + o->duration_ns;
		atomic_store_explicit(&sh->go, 1, memory_order_release);
		switch (o->pattern) {
		case EV_PINGPONG:
			rc = ev_a_pingpong(s, t_stop);
			break;
		case EV_ONEWAY:
			rc = ev_a_oneway(s, t_stop);
			break;
		default:
			rc = ev_a_flood(s, t_stop);
			break;
		}
		sh->t_end = ev_now();
		atomic_store_explicit(&sh->done, 1, memory_order_release);
		me->cpu_ns = ev_thread_cpu() - cpu0;
	} else {
		rc = ev_wait_flag(s, &sh->go, 1, o->delay_ns + o->timeout_ns,
				  "waiting for the sender's start");
		if (rc < 0)
			return rc;
		cpu0 = ev_thread_cpu();
		if (o->pattern == EV_PINGPONG) {
			rc = ev_b_pingpong(s);
		} else {
			rc = ev_b_take(s);
			if (rc >= 0)
				rc = ev_drain(s);
		}
		me->cpu_ns = ev_thread_cpu() - cpu0;
		sh->t_last_rx = s->t_last_rx;
	}
	return rc;
}

/* In the side's own thread, once it stopped: the mechanism lets go of what
 * is per thread (a signal is blocked again before its handler goes). */
static void ev_side_quiesce(struct ev_side *s)
{
	if (s->run->m->fini)
		s->run->m->fini(s);
}

/* Frees the side's loop and sources. With --threads A does it for both
 * sides after joining B: A may post into B's source until then. */
static void ev_side_free(struct ev_side *s)
{
	s->loop = evm_loop_free(s->loop);
	if (s->peer_pidfd >= 0)
		close(s->peer_pidfd);
	s->peer_pidfd = -1;
}

static int ev_side_run(struct ev_side *s)
{
	int rc = ev_side_main(s);

	atomic_store_explicit(&s->run->sh->finished[s->id], rc < 0 ? 2 : 1,
			      memory_order_release);
	ev_side_quiesce(s);
	return rc;
}

static void *ev_b_thread(void *arg)
{
	ev_side_run(arg);
	return NULL;
}

/* Waits for B to finish (bounded), then reaps it. */
static void ev_join_b(struct ev_run *r)
{
	struct ev_side *a = &r->side[EV_A];
	uint64_t deadline = ev_now() + r->o->timeout_ns + EV_NSEC_PER_SEC;
	int status;

	while (!atomic_load(&r->sh->finished[EV_B])) {
		if (ev_check(a) < 0 && atomic_load(&r->sh->abort) && r->child_reaped)
			break;
		if (ev_now() > deadline) {
			ev_fail(a, -ETIMEDOUT, "the receiver did not finish within %.1f s",
				(double)(r->o->timeout_ns + EV_NSEC_PER_SEC) / 1e9);
			break;
		}
		ev_sleep_ns(100 * EV_NSEC_PER_US);
	}
	if (!r->o->processes) {
		/* A thread that does not finish is left behind: exit() ends it. */
		if (atomic_load(&r->sh->finished[EV_B]))
			pthread_join(r->thread, NULL);
		return;
	}
	if (r->child_reaped)
		return;
	if (!atomic_load(&r->sh->finished[EV_B])) {
		/* stalled (stopped, stuck): A has said why already */
		kill(r->child, SIGKILL);
		r->child_killed = true;
	}
	if (waitpid(r->child, &status, 0) == r->child) {
		r->child_reaped = true;
		r->child_status = status;
	}
}

int ev_run_traffic(struct ev_run *r)
{
	struct ev_shared *sh;
	int rc;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (sh == MAP_FAILED)
		return -errno;
	r->sh = sh;
	r->merges = r->m->merges_silently && r->m->merges_silently(r->o);
	r->parent = getpid();
	for (int i = 0; i < 2; i++) {
		r->side[i].run = r;
		r->side[i].id = i;
		r->side[i].rx = &sh->dir[!i];
		r->side[i].tx = &sh->dir[i];
		r->side[i].peer_pidfd = -1;
	}
	if (r->m->setup) {
		rc = r->m->setup(r);
		if (rc < 0)
			return ev_fail(&r->side[EV_A], rc, "%s: set-up: %s", ev_mech_name(r->m),
				       strerror(-rc));
	}

	if (r->o->processes) {
		r->child = fork();
		if (r->child < 0)
			return ev_fail(&r->side[EV_A], -errno, "fork: %s", strerror(errno));
		if (r->child == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != r->parent)
				_exit(1);
			rc = ev_side_run(&r->side[EV_B]);
			ev_side_free(&r->side[EV_B]);
			_exit(rc < 0 ? 1 : 0);
		}
	} else {
		rc = pthread_create(&r->thread, NULL, ev_b_thread, &r->side[EV_B]);
		if (rc)
			return ev_fail(&r->side[EV_A], -rc, "pthread_create: %s", strerror(rc));
	}

	/* A keeps its ends open until B is done (a pipe's EOF is no end). */
	rc = ev_side_run(&r->side[EV_A]);
	ev_join_b(r);
	if (!r->o->processes && atomic_load(&sh->finished[EV_B]))
		ev_side_free(&r->side[EV_B]);
	ev_side_free(&r->side[EV_A]);
	if (r->o->processes && r->child_reaped && !r->child_killed && !sh->side[EV_B].err[0] &&
	    !(WIFEXITED(r->child_status) && WEXITSTATUS(r->child_status) == 0)) {
		char why[96];

		ev_describe_status(why, sizeof(why), r->child_status);
		snprintf(sh->side[EV_B].err, sizeof(sh->side[EV_B].err),
			 "the receiver (pid %d) %s", r->child, why);
	}
	for (int i = 0; i < 2; i++)
		ev_account(r, &sh->dir[i]);
	if (rc < 0 || sh->side[EV_A].err[0] || sh->side[EV_B].err[0] ||
	    atomic_load(&sh->finished[EV_B]) != 1)
		return rc < 0 ? rc : -EIO;
	return 0;
}

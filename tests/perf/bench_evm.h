/* SPDX-License-Identifier: MIT */
/*
 * bench-evm: libevm against raw epoll and the usual event loops.
 *
 * Two workloads, each implemented once per peer (tests/perf/bench_evm_<peer>.c):
 *
 *   ping-pong  thread A and thread B each run their own loop; A wakes B, B
 *              wakes A, repeat. A stamps every round trip (one
 *              CLOCK_MONOTONIC read per trip, the delta between consecutive
 *              pongs), so the figure includes the whole dispatch path of both
 *              loops, both wakeups and both context switches.
 *   timers     one thread, one loop: arm N one-shot relative timers with the
 *              shared timeout table, then run the loop until all have fired.
 *              Every callback reads the clock once: its lateness is that time
 *              minus the deadline the peer armed the timer for (its own
 *              meaning of "relative": from its cached now or from the clock
 *              at the call), so a timer fired early shows as negative.
 *
 * The driver (tests/perf/bench_evm.c) interleaves the peers in blocks, pins the
 * threads, and turns the samples into the table.
 */
#ifndef BENCH_EVM_H
#define BENCH_EVM_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* For the peers that drive an eventfd themselves: post 1; consume it. */
static inline int bench_efd_post(int fd)
{
	uint64_t one = 1;

	return write(fd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

static inline bool bench_efd_take(int fd)
{
	uint64_t v;

	return read(fd, &v, sizeof(v)) == sizeof(v);
}

/* ---- ping-pong ------------------------------------------------------------ */

enum { PP_A = 0, PP_B = 1 };

/* One block of round trips; shared by both threads. */
struct pp {
	uint64_t *samples;	/* n round-trip times, ns (written by A) */
	unsigned warmup;	/* round trips before recording */
	unsigned n;		/* recorded round trips */
	unsigned i;		/* round trips done (A only) */
	uint64_t last;		/* A's previous stamp */
	atomic_int stop;	/* set by A after its last pong; B exits */
};

/*
 * The common part of every peer's callback, after it consumed its wakeup.
 * Returns true if the side should wake the other one, false if its loop
 * should exit (A: the block is complete; B: A asked it to stop).
 */
static inline bool pp_turn(struct pp *pp, int side)
{
	uint64_t t;

	if (side == PP_B)
		return !atomic_load_explicit(&pp->stop, memory_order_acquire);
	t = bench_now_ns();
	if (pp->i >= pp->warmup)
		pp->samples[pp->i - pp->warmup] = t - pp->last;
	pp->last = t;
	return ++pp->i < pp->warmup + pp->n;
}

/*
 * A peer's ping-pong. Each side's init and run are called from that side's
 * own thread, B's init completing before A's first wakeup; both fini calls
 * come from A's thread once B's thread has been joined.
 *   init   create the side's loop and the source that wakes it
 *   run    run the loop until pp_turn() says stop
 *   wake   wake the given side from the other thread (the driver uses it
 *          for A's first ping and for the final wakeup that lets B see
 *          pp->stop; the callbacks wake each other directly)
 *   fini   free everything
 * Functions return 0 or a negative errno.
 */
struct pp_peer {
	const char *name;
	const char *how;	/* one line: the wakeup used */
	int (*init)(struct pp *pp, int side);
	int (*run)(int side);
	int (*wake)(int side);	/* wake the given side (from the other thread) */
	void (*fini)(int side);
};

/* ---- timer churn ----------------------------------------------------------- */

struct tc {
	const uint32_t *timeout_ms;	/* n relative timeouts, in ms */
	unsigned n;
	unsigned fired;
	unsigned extra;		/* callbacks beyond n (a peer's bug) */
	int64_t *late;		/* n: fire time - deadline, ns, in firing order */
	uint64_t base;		/* for the peers that need it: the CLOCK_MONOTONIC
				 * time (ns) their timeouts are relative to */
	void *watchers;		/* for the peers that need it: their array */
	uint64_t t_arm0;	/* before arming the first timer */
	uint64_t t_arm1;	/* after arming the last */
	uint64_t t_last;	/* when the last timer fired */
	uint64_t cpu_ns;	/* thread CPU time from t_arm1 to t_last */
	uint64_t sleeps;	/* times the loop blocked meanwhile (voluntary
				 * context switches of the thread) */
	int64_t base_lag;	/* for the peers whose deadlines' base is read
				 * after the arming: that base minus t_arm0, ns
				 * (how much later than asked from its call the
				 * first-armed timer is due); 0 for the others */
};

/* The common part of every timer callback, given the CLOCK_MONOTONIC time
 * (ns) the timer was due: true once all have fired. */
static inline bool tc_fired(struct tc *t, uint64_t deadline_ns)
{
	uint64_t now = bench_now_ns();

	if (t->fired >= t->n) {
		t->extra++;
		return true;
	}
	t->late[t->fired] = (int64_t)(now - deadline_ns);
	if (++t->fired < t->n)
		return false;
	t->t_last = now;
	return true;
}

uint64_t bench_thread_cpu_ns(void);
uint64_t bench_thread_sleeps(void);

/* A peer's run: tc_arm_begin(), arm every timer, tc_arm_end(), run the loop
 * until all fired, tc_run_end(), free. */
static inline void tc_arm_begin(struct tc *t)
{
	t->t_arm0 = bench_now_ns();
}

static inline void tc_arm_end(struct tc *t)
{
	t->t_arm1 = bench_now_ns();
	t->sleeps = bench_thread_sleeps();
	t->cpu_ns = bench_thread_cpu_ns();
}

static inline void tc_run_end(struct tc *t)
{
	t->cpu_ns = bench_thread_cpu_ns() - t->cpu_ns;
	t->sleeps = bench_thread_sleeps() - t->sleeps;
}

struct tc_peer {
	const char *name;
	const char *how;
	int (*run)(struct tc *t);
};

/* The peers. */
extern const struct pp_peer pp_epoll, pp_libevm, pp_libev, pp_libevent,
	pp_libevent_active, pp_libuv, pp_sdevent;
extern const struct tc_peer tc_libevm, tc_libevm_call, tc_libevm_slack, tc_libev, tc_libevent,
	tc_libuv, tc_sdevent;

#endif

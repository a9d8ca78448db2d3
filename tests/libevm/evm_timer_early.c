// SPDX-License-Identifier: MIT
/*
 * libevm: no timer ever fires before its deadline, on every way the loop
 * waits for timers. Each callback reads CLOCK_MONOTONIC (or the timer's
 * clock) itself and compares it with two deadlines: the one libevm armed
 * the timer for (evm_timer_get_next) and the earliest one the caller asked
 * for (the clock read just before evm_add_timer, plus the relative value;
 * or the absolute value). The paths:
 *   - CLOCK_MONOTONIC waited through epoll_pwait2's timeout (the default
 *     on this kernel): a million timers, relative and absolute, exact and
 *     with slack, while another thread wakes the loop at random moments;
 *   - CLOCK_MONOTONIC on a timerfd, as on kernels without epoll_pwait2
 *     (forced with EVM_NO_EPOLL_PWAIT2, evm.h);
 *   - another clock (CLOCK_BOOTTIME) on its shared timerfd;
 *   - dedicated timerfds, CANCEL_ON_SET included;
 *   - relative timers, whose base is one clock read after the call: re-armed
 *     from callbacks that ran a while first, moved in and out of the heap,
 *     read back, on each of the shared paths; and in a loop that never
 *     blocks (every wait polls).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "evm_test.h"

#define MS NSEC_PER_MSEC

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct {
	clockid_t clock;
	unsigned want, fired, early_armed, early_asked, early_cached, bad;
	unsigned cancelled; /* CANCEL_ON_SET: the clock was set (another process) */
	uint64_t *asked;   /* per timer: the earliest deadline asked for */
	evm_loop *loop;
} ne;

static int ne_cb(evm_source *s, uint64_t exp, int error, void *ud)
{
	uint64_t now = clock_ns(ne.clock), next = 0, cached = 0;

	/* not an expiry: the timer stays armed for the same time */
	if (error == -ECANCELED && exp == 0) {
		ne.cancelled++;
		return 0;
	}
	if (evm_timer_get_next(s, &next) < 0 || exp != 1 || error)
		ne.bad++;
	if (now < next)
		ne.early_armed++;
	if (now < *(uint64_t *)ud)
		ne.early_asked++;
	/* the cached now handed to callbacks is never before the deadline */
	if (ne.clock == CLOCK_MONOTONIC &&
	    (evm_loop_now(evm_source_get_loop(s), CLOCK_MONOTONIC, &cached) < 0 ||
	     cached < next))
		ne.early_cached++;
	if (++ne.fired == ne.want)
		return evm_loop_exit(evm_source_get_loop(s), 0);
	return 0;
}

static int ne_watchdog(evm_source *s, uint64_t exp, int error, void *ud)
{
	(void)exp, (void)error, (void)ud;
	return evm_loop_exit(evm_source_get_loop(s), 99);
}

/* Another thread posting at random moments: the loop wakes before its
 * timeout and must still fire only what is due. */
static atomic_bool noise_stop;

static void *noise_thread(void *arg)
{
	evm_source *n = arg;
	uint64_t x = 0x2545f4914f6cdd1dull;

	while (!atomic_load(&noise_stop)) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		usleep((useconds_t)(x % 300));
		evm_notify_post(n, 1);
	}
	return NULL;
}

static int noise_cb(evm_source *s, uint64_t v, void *ud)
{
	(void)s, (void)v, (void)ud;
	return 0;
}

/*
 * Arms n timers on clock with flags, deadlines spread over spread_ms from
 * lead_ms on (every third absolute, from evm_loop_now() for the monotonic
 * clock, the rest relative), runs the loop until all fired, and checks
 * that none was early. Returns the first timer (for fd checks).
 */
static void ne_run(evm_loop *l, unsigned n, clockid_t clock, unsigned flags,
		   unsigned lead_ms, unsigned spread_ms, bool noise)
{
	uint64_t x = 88172645463325252ull, base = 0;
	evm_source *nsrc = NULL;
	pthread_t th;
	unsigned i;

	memset(&ne, 0, sizeof(ne));
	ne.clock = clock;
	ne.want = n;
	ne.loop = l;
	ne.asked = malloc(n * sizeof(*ne.asked));
	assert_non_null(ne.asked);
	if (clock == CLOCK_MONOTONIC)
		assert_int_equal(evm_loop_now(l, CLOCK_MONOTONIC, &base), 0);
	for (i = 0; i < n; i++) {
		uint64_t v, t;
		bool abs;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		v = (uint64_t)lead_ms * MS + x % ((uint64_t)spread_ms * MS + 1);
		abs = i % 3 == 0;
		t = clock_ns(clock);
		if (abs) {
			/* the cached now (monotonic) or the clock (others) */
			if (clock != CLOCK_MONOTONIC)
				base = t;
			ne.asked[i] = base + v;
		} else {
			ne.asked[i] = t + v;
		}
		assert_int_equal(evm_add_timer(l, NULL, clock, abs ? base + v : v, 0,
					       flags | (abs ? EVM_TIMER_ABSOLUTE : 0),
					       ne_cb, &ne.asked[i]), 0);
	}
	/* a watchdog on its own timerfd: a timer that never fires fails */
	assert_int_equal(evm_add_timer(l, NULL, CLOCK_MONOTONIC,
				       (uint64_t)(lead_ms + spread_ms) * MS + 60000 * MS, 0,
				       EVM_TIMER_DEDICATED, ne_watchdog, NULL), 0);
	if (noise) {
		atomic_store(&noise_stop, false);
		assert_int_equal(evm_add_notify(l, &nsrc, 0, noise_cb, NULL), 0);
		assert_int_equal(pthread_create(&th, NULL, noise_thread, nsrc), 0);
	}
	assert_int_equal(evm_loop_run(l), 0);
	if (noise) {
		atomic_store(&noise_stop, true);
		pthread_join(th, NULL);
	}
	assert_int_equal(ne.fired, n);
	assert_int_equal(ne.bad, 0);
	assert_int_equal(ne.early_armed, 0);
	assert_int_equal(ne.early_asked, 0);
	assert_int_equal(ne.early_cached, 0);
	assert_int_equal(ne.cancelled, 0);
	free(ne.asked);
}

/* Is a shared timer on clock waited through the loop's epoll timeout (its
 * fd is the loop's epoll fd), rather than on a timerfd? */
static bool timer_waited(evm_loop *l, clockid_t clock)
{
	evm_source *s;
	int fd;

	assert_int_equal(evm_add_timer(l, &s, clock, 1000 * MS, 0, 0, ne_cb, NULL), 0);
	fd = evm_source_get_fd(s);
	assert_true(fd >= 0);
	evm_source_free(s);
	return fd == evm_loop_get_fd(l);
}

/* A loop created with EVM_NO_EPOLL_PWAIT2 set to value. */
static evm_loop *loop_with_switch(const char *value)
{
	evm_loop *l = NULL;

	assert_int_equal(setenv("EVM_NO_EPOLL_PWAIT2", value, 1), 0);
	assert_int_equal(evm_loop_new(&l), 0);
	assert_int_equal(unsetenv("EVM_NO_EPOLL_PWAIT2"), 0);
	return l;
}

/* The default path: the monotonic clock has no timerfd, the loop's
 * epoll_pwait2 timeout waits for it. */
static void test_never_early_pwait2_million(void **state)
{
	evm_loop *l = *state;

	assert_true(timer_waited(l, CLOCK_MONOTONIC));
	ne_run(l, 1000000, CLOCK_MONOTONIC, 0, 300, 700, true);
}

static void test_never_early_pwait2_slack(void **state)
{
	evm_loop *l = *state;

	assert_int_equal(evm_loop_set_timer_slack(l, 1 * MS), 0);
	ne_run(l, 100000, CLOCK_MONOTONIC, 0, 50, 300, true);
}

/* Forced fallback: as on a kernel without epoll_pwait2, a timerfd. */
static void test_never_early_timerfd_fallback(void **state)
{
	evm_loop *l = loop_with_switch("1");

	(void)state;
	assert_false(timer_waited(l, CLOCK_MONOTONIC));
	ne_run(l, 200000, CLOCK_MONOTONIC, 0, 100, 300, true);
	evm_loop_free(l);
}

/* "0" does not force it. */
static void test_fallback_switch_zero(void **state)
{
	evm_loop *l = loop_with_switch("0");

	(void)state;
	assert_true(timer_waited(l, CLOCK_MONOTONIC));
	evm_loop_free(l);
}

/* Another clock: its shared timerfd, beside the waited monotonic clock. */
static void test_never_early_other_clock(void **state)
{
	evm_loop *l = *state;

	assert_false(timer_waited(l, CLOCK_BOOTTIME));
	ne_run(l, 200000, CLOCK_BOOTTIME, 0, 100, 300, true);
}

/* Dedicated timerfds (each its own fd), and CANCEL_ON_SET ones (a test
 * elsewhere on the machine may set CLOCK_REALTIME meanwhile: their
 * -ECANCELED callbacks are counted apart, and the timers still fire, not
 * early). */
static void test_never_early_dedicated(void **state)
{
	evm_loop *l = *state;

	ne_run(l, 300, CLOCK_MONOTONIC, EVM_TIMER_DEDICATED, 20, 200, true);
	ne_run(l, 100, CLOCK_REALTIME, EVM_TIMER_DEDICATED, 20, 200, false);
}

static void test_never_early_cancel_on_set(void **state)
{
	evm_loop *l = *state;
	uint64_t now = clock_ns(CLOCK_REALTIME), asked[50];
	unsigned i;

	memset(&ne, 0, sizeof(ne));
	ne.clock = CLOCK_REALTIME;
	ne.want = 50;
	for (i = 0; i < 50; i++) {
		asked[i] = now + 20 * MS + i * 3 * MS;
		assert_int_equal(evm_add_timer(l, NULL, CLOCK_REALTIME, asked[i], 0,
					       EVM_TIMER_ABSOLUTE | EVM_TIMER_CANCEL_ON_SET,
					       ne_cb, &asked[i]), 0);
	}
	assert_int_equal(evm_add_timer(l, NULL, CLOCK_MONOTONIC, 60000 * MS, 0,
				       EVM_TIMER_DEDICATED, ne_watchdog, NULL), 0);
	assert_int_equal(evm_loop_run(l), 0);
	assert_int_equal(ne.fired, 50);
	assert_int_equal(ne.bad, 0);
	assert_int_equal(ne.early_armed, 0);
	assert_int_equal(ne.early_asked, 0);
}

/* ---- relative timers, their base read after the call --------------------
 *
 * A relative timer takes its base from one clock read after the call
 * (before the loop next waits, or when it is read or moved). Timers
 * re-armed from callbacks that have run a while first (so that a base
 * taken at the start of the iteration would be early), moved in and out
 * of the heap, re-armed absolute, disabled and enabled, read back: each
 * is checked against the deadline asked at its latest call.
 */
#define CH_TIMERS 2000u
#define CH_FIRES  60000u

struct ch_timer {
	evm_source *s;
	uint64_t asked;
};

static struct {
	clockid_t clock;
	struct ch_timer t[CH_TIMERS];
	uint64_t x;
	unsigned fired, early, early_armed, early_next, bad;
} ch;

static uint64_t ch_rand(void)
{
	ch.x ^= ch.x << 13, ch.x ^= ch.x >> 7, ch.x ^= ch.x << 17;
	return ch.x;
}

/* relative, 1 us .. 400 us: below the time a callback may spin */
static void ch_rearm_rel(struct ch_timer *t)
{
	uint64_t v = 1000 + ch_rand() % (400 * 1000), at = clock_ns(ch.clock);

	if (evm_timer_set(t->s, v, 0, 0) < 0)
		ch.bad++;
	t->asked = at + v;
}

static int ch_cb(evm_source *s, uint64_t exp, int error, void *ud)
{
	struct ch_timer *t = ud, *o;
	uint64_t now = clock_ns(ch.clock), next = 0, v, spin;

	if (exp != 1 || error || evm_timer_get_next(s, &next) < 0)
		ch.bad++;
	if (now < t->asked)
		ch.early++;
	if (now < next)
		ch.early_armed++;
	/* (others due in the same iteration still fire after the exit) */
	if (++ch.fired >= CH_FIRES)
		return ch.fired == CH_FIRES ? evm_loop_exit(evm_source_get_loop(s), 0) : 0;
	/* one callback in eight runs 100 us before it re-arms */
	if (ch_rand() % 8 == 0)
		for (spin = clock_ns(ch.clock); clock_ns(ch.clock) - spin < 100 * 1000;)
			;
	ch_rearm_rel(t);
	/* and does something to another timer, armed or waiting for its base */
	o = &ch.t[ch_rand() % CH_TIMERS];
	if (o == t)
		return 0;
	switch (ch_rand() % 5) {
	case 0: /* relative again (out of the heap, or a new relative value) */
		ch_rearm_rel(o);
		break;
	case 1: /* absolute, from the clock */
		v = clock_ns(ch.clock) + ch_rand() % (400 * 1000) + 1;
		if (evm_timer_set(o->s, v, 0, EVM_TIMER_ABSOLUTE) < 0)
			ch.bad++;
		o->asked = v;
		break;
	case 2: /* off and on: the same expiry */
		if (evm_source_set_enabled(o->s, EVM_OFF) < 0 ||
		    evm_source_set_enabled(o->s, EVM_ON) < 0)
			ch.bad++;
		break;
	case 3: /* read back: never before the asked deadline */
		if (evm_timer_get_next(o->s, &next) < 0)
			ch.bad++;
		else if (next < o->asked)
			ch.early_next++;
		break;
	default:
		break;
	}
	return 0;
}

static void ch_run(evm_loop *l, clockid_t clock)
{
	unsigned i;

	memset(&ch, 0, sizeof(ch));
	ch.clock = clock;
	ch.x = 0x9e3779b97f4a7c15ull;
	for (i = 0; i < CH_TIMERS; i++) {
		uint64_t v = 1000 + ch_rand() % (20 * MS), at = clock_ns(clock);

		assert_int_equal(evm_add_timer(l, &ch.t[i].s, clock, v, 0, 0, ch_cb, &ch.t[i]), 0);
		ch.t[i].asked = at + v;
	}
	assert_int_equal(evm_add_timer(l, NULL, CLOCK_MONOTONIC, 120000 * MS, 0,
				       EVM_TIMER_DEDICATED, ne_watchdog, NULL), 0);
	assert_int_equal(evm_loop_run(l), 0);
	assert_true(ch.fired >= CH_FIRES);
	assert_int_equal(ch.bad, 0);
	assert_int_equal(ch.early, 0);
	assert_int_equal(ch.early_armed, 0);
	assert_int_equal(ch.early_next, 0);
}

static void test_never_early_rearm_pwait2(void **state)
{
	evm_loop *l = *state;

	assert_true(timer_waited(l, CLOCK_MONOTONIC));
	ch_run(l, CLOCK_MONOTONIC);
}

static void test_never_early_rearm_timerfd_fallback(void **state)
{
	evm_loop *l = loop_with_switch("1");

	(void)state;
	assert_false(timer_waited(l, CLOCK_MONOTONIC));
	ch_run(l, CLOCK_MONOTONIC);
	evm_loop_free(l);
}

static void test_never_early_rearm_other_clock(void **state)
{
	ch_run(*state, CLOCK_BOOTTIME);
}

/* A loop that never blocks (a defer hook stays enabled: every wait polls)
 * still gives relative timers their base, and fires them, not early. */
static int poll_defer_cb(evm_source *s, void *ud)
{
	(void)s, (void)ud;
	return 0;
}

static void test_never_early_polling_loop(void **state)
{
	evm_loop *l = *state;

	assert_int_equal(evm_add_defer(l, NULL, poll_defer_cb, NULL), 0);
	ne_run(l, 20000, CLOCK_MONOTONIC, 0, 1, 50, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		EVM_TEST(test_never_early_pwait2_million),
		EVM_TEST(test_never_early_pwait2_slack),
		EVM_TEST(test_never_early_timerfd_fallback),
		EVM_TEST(test_fallback_switch_zero),
		EVM_TEST(test_never_early_other_clock),
		EVM_TEST(test_never_early_dedicated),
		EVM_TEST(test_never_early_cancel_on_set),
		EVM_TEST(test_never_early_rearm_pwait2),
		EVM_TEST(test_never_early_rearm_timerfd_fallback),
		EVM_TEST(test_never_early_rearm_other_clock),
		EVM_TEST(test_never_early_polling_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

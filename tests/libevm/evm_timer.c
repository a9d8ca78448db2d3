// SPDX-License-Identifier: MIT
/*
 * libevm timers: shared heap and dedicated timerfds, overruns, absolute
 * times, re-arming, cancel-on-set, a million timers, bad arguments, the
 * base of relative timers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "evm_test.h"

#define MS NSEC_PER_MSEC

struct trec {
	int calls;
	uint64_t exp, exp_sum;
	int error;
	uint64_t when;      /* loop's now at the last call */
	bool free_self;
	bool stop_at;       /* exit when calls reaches stop */
	int stop;
};

static int timer_cb(evm_source *s, uint64_t exp, int error, void *ud)
{
	struct trec *r = ud;

	r->calls++;
	r->exp = exp;
	r->exp_sum += exp;
	r->error = error;
	evm_loop_now(evm_source_get_loop(s), CLOCK_MONOTONIC, &r->when);
	if (r->stop && r->calls == r->stop)
		evm_loop_exit(evm_source_get_loop(s), 0);
	if (r->free_self)
		evm_source_free(s);
	return 0;
}

static uint64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t clock_now(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void run_until(evm_loop *l, struct trec *r, int calls, int max_ms)
{
	uint64_t end = mono_now() + (uint64_t)max_ms * MS;

	while (r->calls < calls && mono_now() < end)
		assert_true(evm_loop_run_once(l, 50 * NSEC_PER_MSEC) >= 0);
}

static void test_timer_bad_args(void **state)
{
	evm_loop *l = *state;
	struct trec r = { 0 };
	evm_source *s = NULL;

	assert_int_equal(evm_add_timer(l, &s, 12345, MS, 0, 0, timer_cb, &r), -EINVAL);
	assert_int_equal(evm_add_timer(l, &s, CLOCK_PROCESS_CPUTIME_ID, MS, 0, 0, timer_cb, &r),
			 -EINVAL);
	assert_true(strstr(evm_loop_error(l), "clock") != NULL);
	assert_int_equal(evm_add_timer(l, &s, CLOCK_MONOTONIC, 0, 0, 0, timer_cb, &r), -EINVAL);
	assert_int_equal(evm_add_timer(l, &s, CLOCK_MONOTONIC, MS, 0, 0x100, timer_cb, &r), -EINVAL);
	/* cancel-on-set: realtime and absolute only */
	assert_int_equal(evm_add_timer(l, &s, CLOCK_MONOTONIC, MS, 0,
				       EVM_TIMER_ABSOLUTE | EVM_TIMER_CANCEL_ON_SET,
				       timer_cb, &r), -EINVAL);
	assert_int_equal(evm_add_timer(l, &s, CLOCK_REALTIME, MS, 0,
				       EVM_TIMER_CANCEL_ON_SET, timer_cb, &r), -EINVAL);
	assert_int_equal(evm_add_timer(l, &s, CLOCK_MONOTONIC, UINT64_MAX, 0, 0, timer_cb, &r),
			 -EINVAL);
	assert_int_equal(evm_add_timer(l, &s, CLOCK_MONOTONIC, MS, UINT64_MAX, 0, timer_cb, &r),
			 -EINVAL);
	assert_null(s);
	assert_int_equal(evm_add_timer(l, &s, CLOCK_MONOTONIC, MS, 0, 0, timer_cb, &r), 0);
	assert_int_equal(evm_timer_set(s, 0, 0, 0), -EINVAL);
	assert_int_equal(evm_timer_get_next(s, NULL), -EINVAL);
	evm_source_free(s);
}

/* Intervals up to 2^62 ns, 2^62 itself included (evm.h), shared and dedicated,
 * and a periodic timer of that interval fires its first expiry once. */
static void test_timer_interval_max(void **state)
{
	evm_loop *l = *state;
	struct trec r = { 0 }, d = { 0 };
	const uint64_t max = 1ull << 62;
	evm_source *s = NULL, *t = NULL;
	uint64_t next;
	int i;

	assert_int_equal(evm_add_timer(l, &s, CLOCK_MONOTONIC, MS, max + 1, 0, timer_cb, &r),
			 -EINVAL);
	assert_int_equal(evm_add_timer(l, &s, CLOCK_MONOTONIC, MS, max + 1, EVM_TIMER_DEDICATED,
				       timer_cb, &r), -EINVAL);
	assert_null(s);
	assert_int_equal(evm_add_timer(l, &s, CLOCK_MONOTONIC, MS, max, 0, timer_cb, &r), 0);
	assert_int_equal(evm_add_timer(l, &t, CLOCK_MONOTONIC, MS, max, EVM_TIMER_DEDICATED,
				       timer_cb, &d), 0);
	assert_int_equal(evm_timer_set(s, MS, max + 1, 0), -EINVAL);
	assert_int_equal(evm_timer_set(s, 2 * MS, max, 0), 0);
	for (i = 0; i < 200 && (r.calls < 1 || d.calls < 1); i++)
		assert_true(evm_loop_run_once(l, 50 * MS) >= 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(d.calls, 1);
	/* the next expiry is one interval on, far in the future */
	assert_int_equal(evm_timer_get_next(s, &next), 0);
	assert_true(next > max);
	assert_int_equal(evm_loop_run_once(l, 20 * MS), 0);
	assert_int_equal(evm_source_get_enabled(s), EVM_ON);
}

static void test_timer_oneshot(void **state)
{
	evm_loop *l = *state;
	struct trec r = { 0 }, d = { 0 };
	evm_source *s, *t;
	uint64_t t0 = mono_now(), next;

	assert_int_equal(evm_add_timer(l, &s, CLOCK_MONOTONIC, 20 * MS, 0, 0, timer_cb, &r), 0);
	assert_int_equal(evm_add_timer(l, &t, CLOCK_MONOTONIC, 20 * MS, 0, EVM_TIMER_DEDICATED,
				       timer_cb, &d), 0);
	assert_int_equal(evm_source_get_kind(s), EVM_SOURCE_TIMER);
	assert_true(evm_source_get_fd(s) >= 0);
	assert_true(evm_source_get_fd(t) >= 0);
	assert_int_not_equal(evm_source_get_fd(s), evm_source_get_fd(t));
	assert_int_equal(evm_timer_get_next(s, &next), 0);
	assert_true(next >= t0 + 20 * MS && next < t0 + 1000 * MS);
	run_until(l, &r, 1, 2000);
	run_until(l, &d, 1, 2000);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.exp, 1);
	assert_int_equal(r.error, 0);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.exp, 1);
	assert_true(r.when >= t0 + 20 * MS);
	assert_true(d.when >= t0 + 20 * MS);
	/* one-shot: off afterwards, no second call */
	assert_int_equal(evm_source_get_enabled(s), EVM_OFF);
	assert_int_equal(evm_source_get_enabled(t), EVM_OFF);
	usleep(30000);
	assert_int_equal(evm_loop_run_once(l, 0), 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(d.calls, 1);
	/* re-arm with evm_timer_set */
	assert_int_equal(evm_timer_set(s, 5 * MS, 0, 0), 0);
	assert_int_equal(evm_timer_set(t, 5 * MS, 0, 0), 0);
	assert_int_equal(evm_source_get_enabled(s), EVM_ON);
	run_until(l, &r, 2, 2000);
	run_until(l, &d, 2, 2000);
	assert_int_equal(r.calls, 2);
	assert_int_equal(d.calls, 2);
}

/* A loop blocked for more than 3 periods sees an expiration count >= 3,
 * for heap timers (computed) and dedicated timers (the kernel's count). */
static void test_timer_overrun(void **state)
{
	evm_loop *l = *state;
	struct trec r = { 0 }, d = { 0 };
	evm_source *s, *t;
	uint64_t next0, next1;

	assert_int_equal(evm_add_timer(l, &s, CLOCK_MONOTONIC, 10 * MS, 10 * MS, 0,
				       timer_cb, &r), 0);
	assert_int_equal(evm_add_timer(l, &t, CLOCK_MONOTONIC, 10 * MS, 10 * MS,
				       EVM_TIMER_DEDICATED, timer_cb, &d), 0);
	assert_int_equal(evm_timer_get_next(s, &next0), 0);
	usleep(45000); /* the loop is "blocked" for 4.5 periods */
	run_until(l, &r, 1, 2000);
	run_until(l, &d, 1, 2000);
	assert_true(r.exp >= 3);
	assert_true(d.exp >= 3);
	/* the heap timer moved on by as many periods, staying on its grid */
	assert_int_equal(evm_timer_get_next(s, &next1), 0);
	assert_int_equal((next1 - next0) % (10 * MS), 0);
	assert_true(next1 > r.when);
	/* and keeps firing periodically */
	run_until(l, &r, 3, 2000);
	run_until(l, &d, 3, 2000);
	assert_true(r.calls >= 3);
	assert_true(d.calls >= 3);
	assert_int_equal(evm_source_get_enabled(s), EVM_ON);
	/* off: no more calls */
	assert_int_equal(evm_source_set_enabled(s, EVM_OFF), 0);
	assert_int_equal(evm_source_set_enabled(t, EVM_OFF), 0);
	r.calls = d.calls = 0;
	usleep(25000);
	assert_int_equal(evm_loop_run_once(l, 0), 0);
	assert_int_equal(r.calls + d.calls, 0);
	/* oneshot mode on a periodic timer: one call, then off */
	assert_int_equal(evm_source_set_enabled(s, EVM_ONESHOT), 0);
	assert_int_equal(evm_source_set_enabled(t, EVM_ONESHOT), 0);
	run_until(l, &r, 1, 2000);
	run_until(l, &d, 1, 2000);
	usleep(25000);
	assert_true(evm_loop_run_once(l, 0) >= 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(d.calls, 1);
	assert_int_equal(evm_source_get_enabled(s), EVM_OFF);
	assert_int_equal(evm_source_get_enabled(t), EVM_OFF);
}

static void test_timer_absolute_clocks(void **state)
{
	evm_loop *l = *state;
	struct trec r[3] = { 0 };
	clockid_t clocks[3] = { CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME };
	int i;

	for (i = 0; i < 3; i++) {
		assert_int_equal(evm_add_timer(l, NULL, clocks[i], clock_now(clocks[i]) + 10 * MS,
					       0, EVM_TIMER_ABSOLUTE, timer_cb, &r[i]), 0);
		/* an absolute time in the past fires at once */
		assert_int_equal(evm_add_timer(l, NULL, clocks[i], 1, 0,
					       EVM_TIMER_ABSOLUTE | EVM_TIMER_DEDICATED,
					       timer_cb, &r[i]), 0);
	}
	for (i = 0; i < 3; i++)
		run_until(l, &r[i], 2, 2000);
	for (i = 0; i < 3; i++)
		assert_int_equal(r[i].calls, 2);
}

static void test_timer_alarm_clock(void **state)
{
	evm_loop *l = *state;
	struct trec r = { 0 };
	int ret;

	/* needs CAP_WAKE_ALARM (and an RTC): -EPERM is a valid answer */
	ret = evm_add_timer(l, NULL, CLOCK_BOOTTIME_ALARM, 5 * MS, 0, 0, timer_cb, &r);
	if (ret == -EPERM || ret == -EINVAL || ret == -ENODEV || ret == -ENOTSUP) {
		assert_true(strlen(evm_loop_error(l)) > 0);
		skip();
	}
	assert_int_equal(ret, 0);
	run_until(l, &r, 1, 2000);
	assert_int_equal(r.calls, 1);
}

/* Freeing timers inside callbacks, including other timers due at the same
 * time, and re-arming from the callback. */
static struct {
	evm_source *victim;
	int calls;
} fx;

static int free_other_cb(evm_source *s, uint64_t exp, int error, void *ud)
{
	(void)exp, (void)error, (void)ud;
	fx.calls++;
	fx.victim = evm_source_free(fx.victim);
	evm_source_free(s);
	return 0;
}

static int rearm_cb(evm_source *s, uint64_t exp, int error, void *ud)
{
	struct trec *r = ud;

	(void)exp, (void)error;
	if (++r->calls < 3)
		evm_timer_set(s, 1 * MS, 0, 0);
	return 0;
}

static void test_timer_free_and_rearm_in_callback(void **state)
{
	evm_loop *l = *state;
	struct trec r = { 0 };
	uint64_t at = mono_now() + 5 * MS;

	fx.calls = 0;
	assert_int_equal(evm_add_timer(l, NULL, CLOCK_MONOTONIC, at, 0, EVM_TIMER_ABSOLUTE,
				       free_other_cb, NULL), 0);
	assert_int_equal(evm_add_timer(l, &fx.victim, CLOCK_MONOTONIC, at, 0,
				       EVM_TIMER_ABSOLUTE, free_other_cb, NULL), 0);
	usleep(10000);
	assert_int_equal(evm_loop_run_once(l, 1000 * NSEC_PER_MSEC), 1);
	assert_int_equal(fx.calls, 1);
	assert_int_equal(evm_loop_run_once(l, 20 * NSEC_PER_MSEC), 0);

	assert_int_equal(evm_add_timer(l, NULL, CLOCK_MONOTONIC, MS, 0, 0, rearm_cb, &r), 0);
	run_until(l, &r, 3, 2000);
	assert_int_equal(r.calls, 3);

	{
		struct trec f = { .free_self = true };

		assert_int_equal(evm_add_timer(l, NULL, CLOCK_MONOTONIC, MS, MS,
					       EVM_TIMER_DEDICATED, timer_cb, &f), 0);
		run_until(l, &f, 1, 2000);
		usleep(5000);
		assert_int_equal(evm_loop_run_once(l, 0), 0);
		assert_int_equal(f.calls, 1);
	}
}

/* Cancel-on-set: setting CLOCK_REALTIME (to the time it already has, so
 * nothing else notices) cancels an absolute realtime timer: the callback
 * learns -ECANCELED, and the timer stays armed for its time. Anything else
 * setting the clock meanwhile (a time daemon, another test) only adds
 * cancellations, so they are counted, not assumed exact. */
struct cancelrec {
	int cancels, fires;
	uint64_t exp;
};

static int cancel_cb(evm_source *s, uint64_t exp, int error, void *ud)
{
	struct cancelrec *r = ud;

	(void)s;
	if (error == -ECANCELED) {
		assert_int_equal(exp, 0);
		r->cancels++;
	} else {
		assert_int_equal(error, 0);
		r->fires++;
		r->exp = exp;
	}
	return 0;
}

static void wait_cancel_rec(evm_loop *l, const int *counter, int want)
{
	uint64_t end = mono_now() + 2000 * MS;

	while (*counter < want && mono_now() < end)
		assert_true(evm_loop_run_once(l, 50 * NSEC_PER_MSEC) >= 0);
	assert_true(*counter >= want);
}

static void test_timer_cancel_on_set(void **state)
{
	evm_loop *l = *state;
	struct cancelrec r = { 0 };
	struct timespec ts;
	evm_source *s;
	uint64_t next;

	assert_int_equal(evm_add_timer(l, &s, CLOCK_REALTIME,
				       clock_now(CLOCK_REALTIME) + 3600ull * 1000000000ull, 0,
				       EVM_TIMER_ABSOLUTE | EVM_TIMER_CANCEL_ON_SET,
				       cancel_cb, &r), 0);
	assert_int_equal(evm_loop_run_once(l, 0), 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	if (clock_settime(CLOCK_REALTIME, &ts) < 0) {
		assert_int_equal(errno, EPERM);
		skip(); /* needs CAP_SYS_TIME */
	}
	wait_cancel_rec(l, &r.cancels, 1);
	assert_int_equal(r.fires, 0);
	assert_int_equal(evm_source_get_enabled(s), EVM_ON);
	assert_int_equal(evm_timer_get_next(s, &next), 0);
	assert_true(next > clock_now(CLOCK_REALTIME));
	/* re-armed: the next change cancels it again */
	r.cancels = 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	assert_int_equal(clock_settime(CLOCK_REALTIME, &ts), 0);
	wait_cancel_rec(l, &r.cancels, 1);
	/* and it still fires normally */
	assert_int_equal(evm_timer_set(s, clock_now(CLOCK_REALTIME) + 5 * MS, 0,
				       EVM_TIMER_ABSOLUTE), 0);
	wait_cancel_rec(l, &r.fires, 1);
	assert_int_equal(r.fires, 1);
	assert_int_equal(r.exp, 1);
}

/* Timer slack: never early, and timers of one slack window share a wakeup
 * (callbacks of one iteration see the same cached now). */
static struct {
	int calls, early, wakeups;
	uint64_t last_when;
} sl;

static int slack_cb(evm_source *s, uint64_t exp, int error, void *ud)
{
	uint64_t when, next;

	(void)exp, (void)error, (void)ud;
	evm_loop_now(evm_source_get_loop(s), CLOCK_MONOTONIC, &when);
	evm_timer_get_next(s, &next);
	sl.early += when < next;
	sl.wakeups += when != sl.last_when;
	sl.last_when = when;
	sl.calls++;
	return 0;
}

static void test_timer_slack(void **state)
{
	evm_loop *l = *state;
	uint64_t base = mono_now();
	int i;

	memset(&sl, 0, sizeof(sl));
	assert_int_equal(evm_loop_set_timer_slack(NULL, MS), -EINVAL);
	assert_int_equal(evm_loop_set_timer_slack(l, 2000 * MS), -EINVAL);
	assert_int_equal(evm_loop_set_timer_slack(l, 20 * MS), 0);
	for (i = 0; i < 200; i++)
		assert_int_equal(evm_add_timer(l, NULL, CLOCK_MONOTONIC,
					       base + 5 * MS + (uint64_t)i * MS / 2, 0,
					       EVM_TIMER_ABSOLUTE, slack_cb, NULL), 0);
	while (sl.calls < 200 && mono_now() - base < 3000 * MS)
		assert_true(evm_loop_run_once(l, 200 * NSEC_PER_MSEC) >= 0);
	assert_int_equal(sl.calls, 200);
	assert_int_equal(sl.early, 0);
	/* 100 ms of timers, 20 ms windows: about 6 wakeups, not 200 */
	assert_true(sl.wakeups <= 12);
}

/* One million timers on one timerfd (the default fd limit is far lower),
 * fired in expiry order; half of them freed first in scattered order, a
 * third of the rest re-armed. */
#define NTIMERS 1000000

static struct {
	uint64_t last;
	int calls, disorder;
} big;

static int big_cb(evm_source *s, uint64_t exp, int error, void *ud)
{
	uint64_t next;

	(void)exp, (void)error, (void)ud;
	evm_timer_get_next(s, &next);
	if (next < big.last)
		big.disorder++;
	big.last = next;
	big.calls++;
	evm_source_free(s);
	return 0;
}

static void test_timer_million(void **state)
{
	evm_loop *l = *state;
	evm_source **src = malloc(NTIMERS * sizeof(*src));
	uint64_t base = mono_now(), x = 88172645463325252ull, t0;
	int i, fd = -1;

	assert_non_null(src);
	memset(&big, 0, sizeof(big));
	for (i = 0; i < NTIMERS; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		assert_int_equal(evm_add_timer(l, &src[i], CLOCK_MONOTONIC,
					       base + 50 * MS + x % (200 * MS), 0,
					       EVM_TIMER_ABSOLUTE, big_cb, NULL), 0);
		if (i == 0)
			fd = evm_source_get_fd(src[0]);
		else if (i % 100000 == 0)
			assert_int_equal(evm_source_get_fd(src[i]), fd);
	}
	/* free every other one, scattered */
	for (i = 0; i < NTIMERS / 2; i++) {
		/* 7919 is prime to NTIMERS / 2: a permutation of the evens */
		int j = 2 * (int)(((uint64_t)i * 7919) % (NTIMERS / 2));

		src[j] = evm_source_free(src[j]);
	}
	for (i = 0; i < NTIMERS; i += 2)
		assert_null(src[i]);
	/* move a third of the rest, up and down the heap */
	for (i = 1; i < NTIMERS; i += 6) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		assert_int_equal(evm_timer_set(src[i], base + 50 * MS + x % (200 * MS), 0,
					       EVM_TIMER_ABSOLUTE), 0);
	}
	t0 = mono_now();
	while (big.calls < NTIMERS / 2 && mono_now() - t0 < 30000 * MS)
		assert_true(evm_loop_run_once(l, 1000 * NSEC_PER_MSEC) >= 0);
	assert_int_equal(big.calls, NTIMERS / 2);
	assert_int_equal(big.disorder, 0);
	free(src);
}


/* Source memory is pooled per loop (slabs + free list): freed slots are
 * reused by later sources of any kind. Timers added into reused slots,
 * relative (each measured from the clock at its own add), with a dense
 * spread of distinct deadlines, fire once each, in deadline order and
 * never early: the loop's cached now and a fresh clock read are both at or
 * past the deadline when the callback runs. */
#define NREUSE 20000

static struct {
	uint64_t last;
	int calls, disorder, early, early_cached, extra;
} ru;

static int reuse_cb(evm_source *s, uint64_t exp, int error, void *ud)
{
	uint64_t next, now, cached;

	(void)ud;
	assert_int_equal(evm_timer_get_next(s, &next), 0);
	now = mono_now();
	assert_int_equal(evm_loop_now(evm_source_get_loop(s), CLOCK_MONOTONIC, &cached), 0);
	if (now < next)
		ru.early++;
	if (cached < next)
		ru.early_cached++;
	if (next < ru.last)
		ru.disorder++;
	if (exp != 1 || error)
		ru.extra++;
	ru.last = next;
	ru.calls++;
	evm_source_free(s);
	return 0;
}

static int never_cb(evm_source *s, uint64_t exp, int error, void *ud)
{
	(void)s, (void)exp, (void)error, (void)ud;
	ru.extra++;
	return 0;
}

static int never_notify_cb(evm_source *s, uint64_t v, void *ud)
{
	(void)s, (void)v, (void)ud;
	ru.extra++;
	return 0;
}

static void test_timer_pool_reuse_never_early(void **state)
{
	evm_loop *l = *state;
	evm_source **src = malloc(NREUSE * sizeof(*src));
	uint64_t x = 88172645463325252ull, t0, next;
	int i, kind;

	assert_non_null(src);
	memset(&ru, 0, sizeof(ru));
	/* fill slots with other kinds (and timers that never fire), free them */
	for (i = 0; i < NREUSE; i++) {
		kind = i % 3;
		if (kind == 0)
			assert_int_equal(evm_add_notify(l, &src[i], 0, never_notify_cb, NULL), 0);
		else
			assert_int_equal(evm_add_timer(l, &src[i], CLOCK_MONOTONIC,
						       (kind == 1 ? 3600000 : 10) * MS, 0, 0,
						       never_cb, NULL), 0);
	}
	for (i = 0; i < NREUSE; i++)
		src[i] = evm_source_free(src[i]);
	/* every slot again, now relative timers 1..40 ms away: dense and
	 * distinct deadlines (one clock read per add) */
	for (i = 0; i < NREUSE; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		assert_int_equal(evm_add_timer(l, &src[i], CLOCK_MONOTONIC,
					       MS + x % (39 * MS), 0, 0, reuse_cb, NULL), 0);
		assert_int_equal(evm_source_get_kind(src[i]), EVM_SOURCE_TIMER);
		assert_int_equal(evm_source_get_enabled(src[i]), EVM_ON);
		assert_int_equal(evm_timer_get_next(src[i], &next), 0);
	}
	t0 = mono_now();
	while (ru.calls < NREUSE && mono_now() - t0 < 10000 * MS)
		assert_true(evm_loop_run_once(l, 1000 * NSEC_PER_MSEC) >= 0);
	assert_int_equal(ru.calls, NREUSE);
	assert_int_equal(ru.disorder, 0);
	assert_int_equal(ru.early, 0);
	assert_int_equal(ru.early_cached, 0);
	assert_int_equal(ru.extra, 0);
	/* nothing left to fire */
	assert_int_equal(evm_loop_run_once(l, 20 * NSEC_PER_MSEC), 0);
	free(src);
}

/* A relative timer's base is one clock read taken after the call: read
 * back, its expiry lies between the clock before the call and the clock
 * after the read, plus the value; it keeps that expiry when disabled and
 * enabled, when moved back into the heap, and when its value is replaced
 * before the loop ran; an absolute re-arm replaces it. */
static void test_timer_relative_base(void **state)
{
	evm_loop *l = *state;
	struct trec r = { 0 };
	evm_source *a, *b;
	uint64_t t0, t1, next, next2;

	/* read back before the loop ever ran */
	t0 = mono_now();
	assert_int_equal(evm_add_timer(l, &a, CLOCK_MONOTONIC, 5000 * MS, 0, 0, timer_cb, &r), 0);
	assert_int_equal(evm_add_timer(l, &b, CLOCK_MONOTONIC, 7000 * MS, 0, 0, timer_cb, &r), 0);
	assert_int_equal(evm_timer_get_next(a, &next), 0);
	t1 = mono_now();
	assert_true(next >= t0 + 5000 * MS && next <= t1 + 5000 * MS);
	/* both got the same base, in one read */
	assert_int_equal(evm_timer_get_next(b, &next2), 0);
	assert_true(next2 - next == 2000 * MS);
	/* off and on: the same expiry */
	assert_int_equal(evm_source_set_enabled(a, EVM_OFF), 0);
	assert_int_equal(evm_source_set_enabled(a, EVM_ON), 0);
	assert_int_equal(evm_timer_get_next(a, &next2), 0);
	assert_true(next2 == next);

	/* re-armed relative while in the heap (the loop has waited once) */
	assert_int_equal(evm_loop_run_once(l, 0), 0);
	t0 = mono_now();
	assert_int_equal(evm_timer_set(a, 3000 * MS, 0, 0), 0);
	/* replaced before its base was read: the last value counts */
	assert_int_equal(evm_timer_set(a, 4000 * MS, 0, 0), 0);
	assert_int_equal(evm_source_set_enabled(a, EVM_ONESHOT), 0);
	assert_int_equal(evm_loop_run_once(l, 0), 0);
	t1 = mono_now();
	assert_int_equal(evm_timer_get_next(a, &next), 0);
	assert_true(next >= t0 + 4000 * MS && next <= t1 + 4000 * MS);

	/* relative, then absolute before the base was read */
	assert_int_equal(evm_timer_set(b, 1000 * MS, 0, 0), 0);
	assert_int_equal(evm_timer_set(b, t0 + 9000 * MS, 0, EVM_TIMER_ABSOLUTE), 0);
	assert_int_equal(evm_timer_get_next(b, &next), 0);
	assert_true(next == t0 + 9000 * MS);

	/* freed while waiting for its base, the other still fires */
	assert_int_equal(evm_timer_set(a, 1000 * MS, 0, 0), 0);
	evm_source_free(a);
	assert_int_equal(evm_timer_set(b, 20 * MS, 0, 0), 0);
	t0 = mono_now();
	run_until(l, &r, 1, 5000);
	assert_int_equal(r.calls, 1);
	assert_true(r.when >= t0 + 20 * MS);
	assert_int_equal(evm_loop_run_once(l, 30 * MS), 0);
	assert_int_equal(r.calls, 1);
}

/* After the heap was rebuilt bottom-up, firing takes the top without
 * keeping the other timers' heap indices; removing and moving timers in
 * the middle of that (which records them first) must still take out and
 * move exactly those timers: the rest fire once each, in order. */
#define NSTALE 200000

static struct {
	int calls, disorder;
	uint64_t last;
} st;

static int stale_cb(evm_source *s, uint64_t exp, int error, void *ud)
{
	evm_source **slot = ud;
	uint64_t next = 0;

	(void)exp, (void)error;
	evm_timer_get_next(s, &next);
	if (next < st.last)
		st.disorder++;
	st.last = next;
	st.calls++;
	*slot = evm_source_free(s);
	return 0;
}

static void test_timer_stale_index(void **state)
{
	evm_loop *l = *state;
	evm_source **src = calloc(NSTALE, sizeof(*src));
	uint64_t base = mono_now(), x = 88172645463325252ull, t0;
	int i, want, freed = 0;

	assert_non_null(src);
	memset(&st, 0, sizeof(st));
	for (i = 0; i < NSTALE; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		assert_int_equal(evm_add_timer(l, &src[i], CLOCK_MONOTONIC,
					       base + 30 * MS + x % (300 * MS), 0,
					       EVM_TIMER_ABSOLUTE, stale_cb, &src[i]), 0);
	}
	/* fire about a tenth (the first wait rebuilds the heap) */
	t0 = mono_now();
	while (st.calls < NSTALE / 10 && mono_now() - t0 < 30000 * MS)
		assert_true(evm_loop_run_once(l, 1000 * NSEC_PER_MSEC) >= 0);
	assert_true(st.calls >= NSTALE / 10 && st.calls < NSTALE);
	/* free a third of the rest, move another third later (still in order
	 * after what fired: past the last fired expiry) */
	for (i = 0; i < NSTALE; i++) {
		if (!src[i])
			continue;
		if (i % 3 == 0) {
			src[i] = evm_source_free(src[i]);
			freed++;
		} else if (i % 3 == 1) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			assert_int_equal(evm_timer_set(src[i], base + 340 * MS + x % (50 * MS), 0,
						       EVM_TIMER_ABSOLUTE), 0);
		}
	}
	want = NSTALE - freed;
	t0 = mono_now();
	while (st.calls < want && mono_now() - t0 < 30000 * MS)
		assert_true(evm_loop_run_once(l, 1000 * NSEC_PER_MSEC) >= 0);
	assert_int_equal(st.calls, want);
	assert_int_equal(st.disorder, 0);
	for (i = 0; i < NSTALE; i++)
		assert_null(src[i]);
	/* nothing left */
	assert_int_equal(evm_loop_run_once(l, 20 * MS), 0);
	free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		EVM_TEST(test_timer_bad_args),
		EVM_TEST(test_timer_interval_max),
		EVM_TEST(test_timer_oneshot),
		EVM_TEST(test_timer_overrun),
		EVM_TEST(test_timer_absolute_clocks),
		EVM_TEST(test_timer_alarm_clock),
		EVM_TEST(test_timer_free_and_rearm_in_callback),
		EVM_TEST(test_timer_cancel_on_set),
		EVM_TEST(test_timer_slack),
		EVM_TEST(test_timer_million),
		EVM_TEST(test_timer_pool_reuse_never_early),
		EVM_TEST(test_timer_relative_base),
		EVM_TEST(test_timer_stale_index),
	};

	return cmocka_run_group_tests_name("evm_timer", tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/*
 * bench-evm peer: libevm. Ping-pong: one loop per thread, a notify source
 * (eventfd) on each, evm_notify_post() to the other side. Timers:
 * evm_add_timer() one-shot, CLOCK_MONOTONIC, shared (not dedicated: on
 * this kernel waited through epoll_pwait2's timeout), exact (no slack):
 * relative to evm_loop_now() (the cached now, as libev, libuv and sd-event
 * here arm), and relative (libevm-call, the default: never before the
 * value after the call; the base is one clock read after the arming, at
 * the loop's first wait); and the cached now with 1 ms of timer slack.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "bench_evm.h"
#include "evm.h"

static struct {
	struct pp *pp;
	evm_loop *loop;
	evm_source *notify;
} side[2];

static int evm_pp_cb(evm_source *src, uint64_t value, void *userdata)
{
	int s = (int)(intptr_t)userdata;

	(void)src;
	(void)value;
	if (!pp_turn(side[s].pp, s))
		return evm_loop_exit(side[s].loop, 0);
	return evm_notify_post(side[!s].notify, 1);
}

static int evm_pp_init(struct pp *pp, int s)
{
	int r;

	side[s].pp = pp;
	r = evm_loop_new(&side[s].loop);
	if (r < 0)
		return r;
	return evm_add_notify(side[s].loop, &side[s].notify, 0, evm_pp_cb,
			      (void *)(intptr_t)s);
}

static int evm_pp_wake(int s)
{
	return evm_notify_post(side[s].notify, 1);
}

static int evm_pp_run(int s)
{
	int r = evm_loop_run(side[s].loop);

	return r < 0 ? r : 0;
}

static void evm_pp_fini(int s)
{
	side[s].loop = evm_loop_free(side[s].loop);
	side[s].notify = NULL;
}

const struct pp_peer pp_libevm = {
	.name = "libevm",
	.how = "evm_add_notify (eventfd) per side, evm_notify_post",
	.init = evm_pp_init,
	.run = evm_pp_run,
	.wake = evm_pp_wake,
	.fini = evm_pp_fini,
};

/* ---- timers ---------------------------------------------------------------- */

static int evm_tc_cb(evm_source *src, uint64_t expirations, int error,
		     void *userdata)
{
	struct tc *t = userdata;
	uint64_t due = 0;

	(void)expirations;
	(void)error;
	evm_timer_get_next(src, &due); /* a fired one-shot: the time it was due */
	if (tc_fired(t, due))
		return evm_loop_exit(evm_source_get_loop(src), 0);
	return 0;
}

/* cached: relative to evm_loop_now() (one clock read for all, as libev's
 * ev_now and sd-event's sd_event_now), else to the clock at each call */
static int evm_tc_run_slack(struct tc *t, uint64_t slack_ns, bool cached)
{
	uint64_t base = 0, first_next = 0;
	evm_source *first = NULL;
	evm_loop *l;
	unsigned i;
	int r;

	r = evm_loop_new(&l);
	if (r < 0)
		return r;
	if (slack_ns) {
		r = evm_loop_set_timer_slack(l, slack_ns);
		if (r < 0)
			goto out;
	}
	tc_arm_begin(t);
	if (cached && (r = evm_loop_now(l, CLOCK_MONOTONIC, &base)) < 0)
		goto out;
	for (i = 0; i < t->n; i++) {
		r = evm_add_timer(l, i ? NULL : &first, CLOCK_MONOTONIC,
				  base + (uint64_t)t->timeout_ms[i] * 1000000, 0,
				  cached ? EVM_TIMER_ABSOLUTE : 0, evm_tc_cb, t);
		if (r < 0)
			goto out;
	}
	tc_arm_end(t);
	r = evm_loop_run(l);
	tc_run_end(t);
	/* relative: where the base was read (the first timer, fired, keeps
	 * the time it was due) */
	if (r >= 0 && !cached && first && evm_timer_get_next(first, &first_next) == 0)
		t->base_lag = (int64_t)(first_next - (uint64_t)t->timeout_ms[0] * 1000000 -
					t->t_arm0);
out:
	evm_loop_free(l);
	return r < 0 ? r : 0;
}

static int evm_tc_run(struct tc *t)
{
	return evm_tc_run_slack(t, 0, true);
}

static int evm_tc_run_call(struct tc *t)
{
	return evm_tc_run_slack(t, 0, false);
}

/* 1 ms: the granularity libev, libuv and libevent always have (their loops
 * wait with epoll_wait's millisecond timeout). */
static int evm_tc_run_1ms(struct tc *t)
{
	return evm_tc_run_slack(t, 1000000, true);
}

const struct tc_peer tc_libevm = {
	.name = "libevm",
	.how = "evm_add_timer(CLOCK_MONOTONIC, evm_loop_now() + timeout, absolute, one-shot), "
	       "exact (no slack)",
	.run = evm_tc_run,
};

const struct tc_peer tc_libevm_call = {
	.name = "libevm-call",
	.how = "evm_add_timer(CLOCK_MONOTONIC, relative: base one clock read after the arming), "
	       "exact",
	.run = evm_tc_run_call,
};

const struct tc_peer tc_libevm_slack = {
	.name = "libevm-1ms",
	.how = "as libevm, with evm_loop_set_timer_slack(1 ms), the others' granularity",
	.run = evm_tc_run_1ms,
};

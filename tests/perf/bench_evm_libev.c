// SPDX-License-Identifier: MIT
/*
 * bench-evm peer: libev. Ping-pong: one ev_loop (epoll backend) per thread,
 * an ev_async watcher on each, ev_async_send() to the other side (libev's
 * documented cross-thread wakeup; it rides on the loop's eventfd).
 * Timers: ev_timer one-shot, relative to ev_now(), refreshed right before
 * arming.
 */
#include <errno.h>
#include <stdlib.h>

#include <ev.h>

#include "bench_evm.h"

static struct {
	struct pp *pp;
	struct ev_loop *loop;
	ev_async async;
} side[2];

static void ev_pp_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	int s = w == &side[PP_B].async;

	(void)revents;
	if (!pp_turn(side[s].pp, s)) {
		ev_break(loop, EVBREAK_ALL);
		return;
	}
	ev_async_send(side[!s].loop, &side[!s].async);
}

static int ev_pp_init(struct pp *pp, int s)
{
	side[s].pp = pp;
	side[s].loop = ev_loop_new(EVBACKEND_EPOLL);
	if (!side[s].loop)
		return -ENOMEM;
	ev_async_init(&side[s].async, ev_pp_cb);
	ev_async_start(side[s].loop, &side[s].async);
	return 0;
}

static int ev_pp_wake(int s)
{
	ev_async_send(side[s].loop, &side[s].async);
	return 0;
}

static int ev_pp_run(int s)
{
	ev_run(side[s].loop, 0);
	return 0;
}

static void ev_pp_fini(int s)
{
	ev_async_stop(side[s].loop, &side[s].async);
	ev_loop_destroy(side[s].loop);
	side[s].loop = NULL;
}

const struct pp_peer pp_libev = {
	.name = "libev",
	.how = "ev_async per side, ev_async_send (epoll backend)",
	.init = ev_pp_init,
	.run = ev_pp_run,
	.wake = ev_pp_wake,
	.fini = ev_pp_fini,
};

/* ---- timers ---------------------------------------------------------------- */

static void ev_tc_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct tc *t = w->data;
	size_t i = (size_t)(w - (ev_timer *)t->watchers);

	(void)revents;
	/* due: ev_now at arming (t->base, read just before it) + timeout */
	if (tc_fired(t, t->base + (uint64_t)t->timeout_ms[i] * 1000000))
		ev_break(loop, EVBREAK_ALL);
}

static int ev_tc_run(struct tc *t)
{
	struct ev_loop *loop;
	ev_timer *w;
	unsigned i;

	loop = ev_loop_new(EVBACKEND_EPOLL);
	if (!loop)
		return -ENOMEM;
	/* The watchers are the caller's memory: allocating them is part of
	 * arming (libevm allocates its sources inside evm_add_timer). */
	tc_arm_begin(t);
	w = calloc(t->n, sizeof(*w));
	if (!w) {
		ev_loop_destroy(loop);
		return -ENOMEM;
	}
	t->watchers = w;
	t->base = bench_now_ns(); /* <= libev's now: never makes it look late */
	ev_now_update(loop);
	for (i = 0; i < t->n; i++) {
		ev_timer_init(&w[i], ev_tc_cb, t->timeout_ms[i] * 1e-3, 0.);
		w[i].data = t;
		ev_timer_start(loop, &w[i]);
	}
	tc_arm_end(t);
	ev_run(loop, 0);
	tc_run_end(t);
	ev_loop_destroy(loop);
	free(w);
	return 0;
}

const struct tc_peer tc_libev = {
	.name = "libev",
	.how = "ev_timer (one-shot, relative to ev_now), one calloc for all",
	.run = ev_tc_run,
};

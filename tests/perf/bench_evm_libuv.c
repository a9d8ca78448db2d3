// SPDX-License-Identifier: MIT
/*
 * bench-evm peer: libuv. Ping-pong: one uv_loop_t per thread, a uv_async_t
 * on each, uv_async_send() to the other side (libuv's only thread-safe
 * wakeup; it rides on the loop's eventfd). Timers: uv_timer_start()
 * one-shot, relative to the loop's cached time (refreshed right before
 * arming); libuv's timer resolution is 1 ms, hence whole-ms timeouts for
 * every peer.
 */
#include <errno.h>
#include <stdlib.h>

#include <uv.h>

#include "bench_evm.h"

static struct {
	struct pp *pp;
	uv_loop_t loop;
	uv_async_t async;
} side[2];

static void uv_pp_cb(uv_async_t *a)
{
	int s = a == &side[PP_B].async;

	if (!pp_turn(side[s].pp, s)) {
		uv_stop(a->loop);
		return;
	}
	uv_async_send(&side[!s].async);
}

static int uv_pp_init(struct pp *pp, int s)
{
	int r;

	side[s].pp = pp;
	r = uv_loop_init(&side[s].loop);
	if (r < 0)
		return r;
	return uv_async_init(&side[s].loop, &side[s].async, uv_pp_cb);
}

static int uv_pp_wake(int s)
{
	return uv_async_send(&side[s].async);
}

static int uv_pp_run(int s)
{
	uv_run(&side[s].loop, UV_RUN_DEFAULT);
	return 0;
}

static void uv_pp_fini(int s)
{
	uv_close((uv_handle_t *)&side[s].async, NULL);
	uv_run(&side[s].loop, UV_RUN_DEFAULT);
	uv_loop_close(&side[s].loop);
}

const struct pp_peer pp_libuv = {
	.name = "libuv",
	.how = "uv_async_t per side, uv_async_send",
	.init = uv_pp_init,
	.run = uv_pp_run,
	.wake = uv_pp_wake,
	.fini = uv_pp_fini,
};

/* ---- timers ---------------------------------------------------------------- */

static void uv_tc_cb(uv_timer_t *w)
{
	/* due: the handle's absolute timeout, in the loop's ms clock (whole
	 * ms of CLOCK_MONOTONIC) */
	if (tc_fired(w->data, w->timeout * 1000000))
		uv_stop(w->loop);
}

static int uv_tc_run(struct tc *t)
{
	uv_loop_t loop;
	uv_timer_t *w;
	unsigned i;
	int r;

	r = uv_loop_init(&loop);
	if (r < 0)
		return r;
	/* The handles are the caller's memory: allocating them is part of
	 * arming (libevm allocates its sources inside evm_add_timer). */
	tc_arm_begin(t);
	w = calloc(t->n, sizeof(*w));
	if (!w) {
		uv_loop_close(&loop);
		return -ENOMEM;
	}
	uv_update_time(&loop);
	for (i = 0; i < t->n; i++) {
		uv_timer_init(&loop, &w[i]);
		w[i].data = t;
		uv_timer_start(&w[i], uv_tc_cb, t->timeout_ms[i], 0);
	}
	tc_arm_end(t);
	uv_run(&loop, UV_RUN_DEFAULT);
	tc_run_end(t);
	/* One-shot timers that fired are inactive, but every handle must be
	 * closed before the loop. */
	for (i = 0; i < t->n; i++)
		uv_close((uv_handle_t *)&w[i], NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	free(w);
	return 0;
}

const struct tc_peer tc_libuv = {
	.name = "libuv",
	.how = "uv_timer_start(one-shot, ms, relative to loop time), one calloc for all",
	.run = uv_tc_run,
};

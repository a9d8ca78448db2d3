/* SPDX-License-Identifier: MIT */
/*
 * timerfd: a libevm timer owning its own timerfd (EVM_TIMER_DEDICATED), the
 * cyclictest of event loops, but no missed period is hidden.
 *
 * There is no sender: the kernel's hrtimer sends. latency_ns is the
 * lateness of each callback against the programmed expiry of the oldest
 * period it reports, on the timer's clock. A callback reporting n > 1
 * expirations is one delivery and n - 1 overruns, counted as coalesced:
 * sent (expirations) = received (callbacks) + coalesced (overruns).
 *
 * Patterns: a timer has no ping-pong. pingpong and oneway run the periodic
 * timer (one expiry in flight at a time, consumed before the next); flood
 * runs it with a 20 us period unless --interval is given, so overruns show.
 * --oneshot re-arms a one-shot timer from each callback (relative: interval
 * after the callback; --absolute: interval after the previous expiry).
 * libevm arms dedicated timers with absolute times internally, so the
 * programmed expiry is known exactly either way (evm_timer_get_next()).
 */
#include "evload.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct tfd_state {
	const struct ev_opts *o;
	struct ev_result *res;
	evm_source *src;
	uint64_t target;        /* expirations wanted */
	uint64_t expected;      /* programmed expiry of the oldest unreported period */
	uint64_t expirations;
	uint64_t t_stop;        /* --duration, on CLOCK_MONOTONIC */
	int err;
	bool finished;
};

static int tfd_cb(evm_source *src, uint64_t expirations, int error, void *userdata)
{
	struct tfd_state *st = userdata;
	const struct ev_opts *o = st->o;
	uint64_t t = ev_clock_ns(o->clock);
	struct ev_result *res = st->res;
	int r;

	if (error < 0) {
		snprintf(res->err, sizeof(res->err), "timerfd: %s (clock changed)",
			 strerror(-error));
		return error;
	}
	if (expirations == 0)
		return 0;
	hist_add(&res->hist, t > st->expected ? t - st->expected : 0);
	res->received++;
	res->coalesced += expirations - 1;
	st->expirations += expirations;

	if (st->expirations >= st->target ||
	    (st->t_stop && ev_now() >= st->t_stop)) {
		st->finished = true;
		return evm_source_set_enabled(src, EVM_OFF);
	}
	if (!o->oneshot) {
		st->expected += expirations * o->interval_ns;
		return 0;
	}
	r = evm_timer_set(src, o->absolute ? st->expected + o->interval_ns : o->interval_ns,
			  0, o->absolute ? EVM_TIMER_ABSOLUTE : 0);
	if (r < 0)
		return r;
	return evm_timer_get_next(src, &st->expected);
}

int ev_timerfd_run(const struct ev_opts *o, struct ev_result *res)
{
	struct tfd_state st = { .o = o, .res = res };
	uint64_t cpu0, deadline, value, last = 0;
	evm_loop *loop = NULL;
	char err[200];
	int r;

	res->pid = getpid();
	res->tid = ev_gettid();
	hist_init(&res->hist);
	if (ev_pin_self(o->cpu[EV_B], err, sizeof(err)) < 0) {
		snprintf(res->err, sizeof(res->err), "%s", err);
		return -EINVAL;
	}
	st.target = o->count ? o->count : UINT64_MAX;
	r = evm_loop_new(&loop);
	if (r < 0) {
		snprintf(res->err, sizeof(res->err), "evm_loop_new: %s", strerror(-r));
		return r;
	}
	if (o->delay_ns) {
		fprintf(stderr, "evload: timerfd: pid %d tid %d; timer starts in %.3g s\n",
			res->pid, res->tid, (double)o->delay_ns / 1e9);
		ev_sleep_ns(o->delay_ns);
	}
	cpu0 = ev_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	res->t_start = ev_now();
	if (o->duration_ns)
		st.t_stop = res->t_start + o->duration_ns;
	value = o->absolute ? ev_clock_ns(o->clock) + o->interval_ns : o->interval_ns;
	r = evm_add_timer(loop, &st.src, o->clock, value, o->oneshot ? 0 : o->interval_ns,
			  EVM_TIMER_DEDICATED | (o->absolute ? EVM_TIMER_ABSOLUTE : 0),
			  tfd_cb, &st);
	if (r >= 0)
		r = evm_timer_get_next(st.src, &st.expected);
	if (r < 0) {
		snprintf(res->err, sizeof(res->err), "timerfd: %s: %s", strerror(-r),
			 evm_loop_error(loop));
		evm_loop_free(loop);
		return r;
	}

	/* Every wait is bounded: a timer that stops firing is a failure. */
	deadline = ev_now() + o->interval_ns + o->timeout_ns;
	while (!st.finished) {
		r = evm_loop_run_once(loop, 20 * 1000000); /* 20 ms */
		if (r < 0) {
			if (!res->err[0])
				snprintf(res->err, sizeof(res->err), "timerfd: %s: %s",
					 strerror(-r), evm_loop_error(loop));
			break;
		}
		if (st.expirations != last) {
			last = st.expirations;
			deadline = ev_now() + o->interval_ns + o->timeout_ns;
		} else if (ev_now() > deadline) {
			snprintf(res->err, sizeof(res->err), "timerfd: no expiry for %.1f s",
				 (double)(o->interval_ns + o->timeout_ns) / 1e9);
			r = -ETIMEDOUT;
			break;
		}
	}
	res->t_end = ev_now();
	res->cpu_ns = ev_clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	res->sent = st.expirations;

	res->extra = json_object_new_object();
	json_object_object_add(res->extra, "expirations", json_object_new_uint64(st.expirations));
	json_object_object_add(res->extra, "overruns", json_object_new_uint64(res->coalesced));
	evm_loop_free(loop);
	return r < 0 ? r : 0;
}

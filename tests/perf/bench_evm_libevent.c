// SPDX-License-Identifier: MIT
/*
 * bench-evm peer: libevent 2.1. Two cross-thread wakeups, both idiomatic:
 *
 *   libevent         a persistent EV_READ event on an eventfd per side; the
 *                    other thread write(2)s it. Each base is used by one
 *                    thread only, so it is created with
 *                    EVENT_BASE_FLAG_NOLOCK. The faster of the two (see the
 *                    report), and the one in the default table.
 *   libevent-active  evthread_use_pthreads(), a pure user event per side
 *                    (no fd), event_active() from the other thread: takes
 *                    the base lock, queues the event and wakes the base
 *                    through its internal notify eventfd.
 *
 * Timers: event_new() + event_add() with a relative timeval, one event per
 * timer (libevent's min-heap; default monotonic clock).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/thread.h>

#include "bench_evm.h"

static struct {
	struct pp *pp;
	struct event_base *base;
	struct event *ev;
	int efd;
} side[2];

static struct event_base *base_new(int nolock)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;

	if (!cfg)
		return NULL;
	event_config_avoid_method(cfg, "select");
	event_config_avoid_method(cfg, "poll");
	if (nolock)
		event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

/* ---- an event on an eventfd -------------------------------------------------- */

static void le_fd_cb(evutil_socket_t fd, short what, void *arg)
{
	int s = (int)(intptr_t)arg;

	(void)what;
	if (!bench_efd_take(fd))
		return;
	if (!pp_turn(side[s].pp, s) || bench_efd_post(side[!s].efd) < 0)
		event_base_loopbreak(side[s].base);
}

static int le_fd_init(struct pp *pp, int s)
{
	side[s].pp = pp;
	side[s].efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (side[s].efd < 0)
		return -errno;
	side[s].base = base_new(1);
	if (!side[s].base)
		return -ENOMEM;
	side[s].ev = event_new(side[s].base, side[s].efd, EV_READ | EV_PERSIST,
			       le_fd_cb, (void *)(intptr_t)s);
	if (!side[s].ev || event_add(side[s].ev, NULL) < 0)
		return -ENOMEM;
	return 0;
}

static int le_fd_wake(int s)
{
	return bench_efd_post(side[s].efd);
}

static int le_run(int s)
{
	return event_base_loop(side[s].base, EVLOOP_NO_EXIT_ON_EMPTY) < 0 ? -EIO : 0;
}

static void le_fini(int s)
{
	event_free(side[s].ev);
	event_base_free(side[s].base);
	if (side[s].efd >= 0)
		close(side[s].efd);
	side[s].efd = -1;
	side[s].base = NULL;
	side[s].ev = NULL;
}

const struct pp_peer pp_libevent = {
	.name = "libevent",
	.how = "EV_READ|EV_PERSIST event on an eventfd per side, write(2) to wake (NOLOCK bases)",
	.init = le_fd_init,
	.run = le_run,
	.wake = le_fd_wake,
	.fini = le_fini,
};

/* ---- event_active() from the other thread ------------------------------------ */

static void le_active_cb(evutil_socket_t fd, short what, void *arg)
{
	int s = (int)(intptr_t)arg;

	(void)fd;
	(void)what;
	if (!pp_turn(side[s].pp, s)) {
		event_base_loopbreak(side[s].base);
		return;
	}
	event_active(side[!s].ev, EV_READ, 0);
}

static int le_active_init(struct pp *pp, int s)
{
	static int threads_on;

	/* Both sides call this before either thread runs a loop (B's init
	 * completes before A starts), so the flag needs no lock. */
	if (!threads_on) {
		if (evthread_use_pthreads() < 0)
			return -ENOSYS;
		threads_on = 1;
	}
	side[s].pp = pp;
	side[s].efd = -1;
	side[s].base = base_new(0);
	if (!side[s].base)
		return -ENOMEM;
	side[s].ev = event_new(side[s].base, -1, 0, le_active_cb,
			       (void *)(intptr_t)s);
	return side[s].ev ? 0 : -ENOMEM;
}

static int le_active_wake(int s)
{
	event_active(side[s].ev, EV_READ, 0);
	return 0;
}

const struct pp_peer pp_libevent_active = {
	.name = "libevent-active",
	.how = "evthread_use_pthreads, user event per side, event_active() from the other thread",
	.init = le_active_init,
	.run = le_run,
	.wake = le_active_wake,
	.fini = le_fini,
};

/* ---- timers ---------------------------------------------------------------- */

static struct le_tc {
	struct tc *t;
	struct event_base *base;
} le_x;

static void le_tc_cb(evutil_socket_t fd, short what, void *arg)
{
	struct event *ev = arg;

	(void)fd;
	(void)what;
	/* due: the event's absolute timeout (libevent's CLOCK_MONOTONIC, us) */
	if (tc_fired(le_x.t, (uint64_t)ev->ev_timeout.tv_sec * 1000000000ull +
		     (uint64_t)ev->ev_timeout.tv_usec * 1000))
		event_base_loopbreak(le_x.base);
}

static int le_tc_run(struct tc *t)
{
	struct le_tc x = { .t = t };
	struct event **ev;
	struct timeval tv;
	unsigned i;
	int r = 0;

	ev = calloc(t->n, sizeof(*ev));
	x.base = base_new(1);
	if (!ev || !x.base) {
		free(ev);
		if (x.base)
			event_base_free(x.base);
		return -ENOMEM;
	}
	tc_arm_begin(t);
	for (i = 0; i < t->n; i++) {
		ev[i] = event_new(x.base, -1, 0, le_tc_cb, event_self_cbarg());
		tv.tv_sec = t->timeout_ms[i] / 1000;
		tv.tv_usec = (t->timeout_ms[i] % 1000) * 1000;
		if (!ev[i] || event_add(ev[i], &tv) < 0) {
			r = -ENOMEM;
			goto out;
		}
	}
	tc_arm_end(t);
	le_x = x;
	if (event_base_loop(x.base, EVLOOP_NO_EXIT_ON_EMPTY) < 0)
		r = -EIO;
	tc_run_end(t);
out:
	for (i = 0; i < t->n && ev[i]; i++)
		event_free(ev[i]);
	free(ev);
	event_base_free(x.base);
	return r;
}

const struct tc_peer tc_libevent = {
	.name = "libevent",
	.how = "event_new + event_add(relative timeval), one event per timer",
	.run = le_tc_run,
};

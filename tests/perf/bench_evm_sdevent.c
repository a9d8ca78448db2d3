// SPDX-License-Identifier: MIT
/*
 * bench-evm peer: sd-event (libsystemd). Ping-pong: one sd_event per thread,
 * an io source on an eventfd per side; the other thread write(2)s it
 * (sd-event has no async/notify source of its own). Timers: sd_event_add_time()
 * on CLOCK_MONOTONIC at sd_event_now() + timeout, with sd_event_now() read once
 * before arming (what sd_event_add_time_relative() does inside a callback,
 * where "now" is the iteration's cached time; outside the loop it reads the
 * clock on every call); floating one-shot sources; accuracy 1 us (the default
 * accuracy, 0, means "within 250 ms", which would let sd-event coalesce
 * wakeups that the other loops cannot).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "bench_evm.h"

static struct {
	struct pp *pp;
	sd_event *e;
	sd_event_source *io;
	int efd;
} side[2];

static int sd_pp_cb(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	int s = (int)(intptr_t)userdata;

	(void)src;
	(void)revents;
	if (!bench_efd_take(fd))
		return 0;
	if (!pp_turn(side[s].pp, s))
		return sd_event_exit(side[s].e, 0);
	return bench_efd_post(side[!s].efd);
}

static int sd_pp_init(struct pp *pp, int s)
{
	int r;

	side[s].pp = pp;
	side[s].efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (side[s].efd < 0)
		return -errno;
	r = sd_event_new(&side[s].e);
	if (r < 0)
		return r;
	return sd_event_add_io(side[s].e, &side[s].io, side[s].efd, EPOLLIN,
			       sd_pp_cb, (void *)(intptr_t)s);
}

static int sd_pp_wake(int s)
{
	return bench_efd_post(side[s].efd);
}

static int sd_pp_run(int s)
{
	int r = sd_event_loop(side[s].e);

	return r < 0 ? r : 0;
}

static void sd_pp_fini(int s)
{
	side[s].io = sd_event_source_unref(side[s].io);
	side[s].e = sd_event_unref(side[s].e);
	close(side[s].efd);
}

const struct pp_peer pp_sdevent = {
	.name = "sd-event",
	.how = "sd_event_add_io(EPOLLIN) on an eventfd per side, write(2) to wake",
	.init = sd_pp_init,
	.run = sd_pp_run,
	.wake = sd_pp_wake,
	.fini = sd_pp_fini,
};

/* ---- timers ---------------------------------------------------------------- */

static int sd_tc_cb(sd_event_source *src, uint64_t usec, void *userdata)
{
	/* usec: the time it was due, CLOCK_MONOTONIC us */
	if (tc_fired(userdata, usec * 1000))
		return sd_event_exit(sd_event_source_get_event(src), 0);
	return 0;
}

static int sd_tc_run(struct tc *t)
{
	uint64_t base;
	sd_event *e;
	unsigned i;
	int r;

	r = sd_event_new(&e);
	if (r < 0)
		return r;
	tc_arm_begin(t);
	r = sd_event_now(e, CLOCK_MONOTONIC, &base);
	if (r < 0)
		goto out;
	for (i = 0; i < t->n; i++) {
		r = sd_event_add_time(e, NULL, CLOCK_MONOTONIC,
				      base + (uint64_t)t->timeout_ms[i] * 1000,
				      1, sd_tc_cb, t);
		if (r < 0)
			goto out;
	}
	tc_arm_end(t);
	r = sd_event_loop(e);
	tc_run_end(t);
out:
	sd_event_unref(e);
	return r < 0 ? r : 0;
}

const struct tc_peer tc_sdevent = {
	.name = "sd-event",
	.how = "sd_event_add_time(CLOCK_MONOTONIC, now read once + timeout, accuracy 1 us), floating",
	.run = sd_tc_run,
};

/* SPDX-License-Identifier: MIT */
/*
 * sigwait: the receiver blocks in sigtimedwait() with the signal blocked in
 * every thread (main blocks it before any thread starts). No event loop:
 * the mechanism is synchronous by nature. The receive point is the return
 * of sigtimedwait().
 */
#include "evload.h"

#include <errno.h>
#include <signal.h>

static int sw_init(struct ev_side *s)
{
	ev_signal_sides(s);
	return 0;
}

static int sw_wait(struct ev_side *s, int timeout_ms)
{
	struct timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (long)(timeout_ms % 1000) * 1000000L,
	};
	siginfo_t si;
	sigset_t set;
	uint64_t t;
	int r;

	sigemptyset(&set);
	sigaddset(&set, s->rx_signo);
	r = sigtimedwait(&set, &si, &ts);
	t = ev_now();
	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	ev_rx(s, ev_signal_seq(s, si.si_code, (uintptr_t)si.si_value.sival_ptr), 1, t);
	return 1;
}

const struct ev_mech ev_mech_sigwait = EV_SIGNAL_MECH(MECH_SIGWAIT, sw_init, sw_wait, NULL);

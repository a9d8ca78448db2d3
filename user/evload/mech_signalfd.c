/* SPDX-License-Identifier: MIT */
/*
 * signalfd: the receiver's libevm signal source. The signal is blocked in
 * every thread (main blocks it before any thread starts), as signalfd
 * requires; the callback gets the whole signalfd_siginfo.
 */
#include "evload.h"

static int sfd_cb(evm_source *src, const struct signalfd_siginfo *si, void *userdata)
{
	uint64_t t = ev_now();
	struct ev_side *s = userdata;

	(void)src;
	ev_rx(s, ev_signal_seq(s, si->ssi_code, si->ssi_ptr), 1, t);
	return 0;
}

static int sfd_init(struct ev_side *s)
{
	int r;

	ev_signal_sides(s);
	r = ev_side_loop(s);
	if (r < 0 || !s->loop)
		return r;
	return evm_add_signal(s->loop, &s->src, s->rx_signo, sfd_cb, s);
}

const struct ev_mech ev_mech_signalfd = EV_SIGNAL_MECH(MECH_SIGNALFD, sfd_init, ev_loop_wait, NULL);

/* SPDX-License-Identifier: MIT */
/*
 * signal: the receiver takes the signal in a classic SA_SIGINFO handler,
 * libevm's handler source, which forwards the siginfo to its loop; the
 * callback is the receive point.
 *
 * The signal is blocked in main before any thread starts; each receiving
 * side unblocks only its own signal, after the handler is installed, so a
 * process-directed signal (kill, sigqueue, pidfd) has exactly one taker.
 */
#include "evload.h"

#include <errno.h>
#include <signal.h>

static int sig_cb(evm_source *src, const siginfo_t *si, void *userdata)
{
	uint64_t t = ev_now();
	struct ev_side *s = userdata;

	(void)src;
	ev_rx(s, ev_signal_seq(s, si->si_code, (uintptr_t)si->si_value.sival_ptr), 1, t);
	return 0;
}

static int sig_init(struct ev_side *s)
{
	sigset_t set;
	int r;

	ev_signal_sides(s);
	r = ev_side_loop(s);
	if (r < 0 || !s->loop)
		return r;
	r = evm_add_handler(s->loop, &s->src, s->rx_signo, sig_cb, s);
	if (r < 0)
		return r;
	sigemptyset(&set);
	sigaddset(&set, s->rx_signo);
	return -pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

static int sig_wait(struct ev_side *s, int timeout_ms)
{
	int r = evm_loop_run_once(s->loop, (int64_t)timeout_ms * 1000000);

	/* siginfos the handler could not queue are lost to the receiver */
	s->rx->lost = evm_handler_get_dropped(s->src);
	return r;
}

static void sig_fini(struct ev_side *s)
{
	sigset_t set;

	if (!s->src)
		return;
	sigemptyset(&set);
	sigaddset(&set, s->rx_signo);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

const struct ev_mech ev_mech_signal = EV_SIGNAL_MECH(MECH_SIGNAL, sig_init, sig_wait, sig_fini);

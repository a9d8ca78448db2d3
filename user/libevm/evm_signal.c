// SPDX-License-Identifier: MIT
/*
 * libevm signalfd sources, and the helpers that block signals.
 *
 * A signalfd only sees a signal that stays pending, that is, one blocked in
 * every thread; evm_add_signal() checks the calling thread's mask and
 * refuses, with an explanation in evm_loop_error(), a signal that is not
 * blocked there.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "evm-private.h"

static const char *evm_signame(int signo, char *buf, size_t len)
{
	const char *abbrev = sigabbrev_np(signo);

	if (abbrev)
		snprintf(buf, len, "SIG%s", abbrev);
	else if (signo >= SIGRTMIN && signo <= SIGRTMAX)
		snprintf(buf, len, "SIGRTMIN+%d", signo - SIGRTMIN);
	else
		snprintf(buf, len, "signal %d", signo);
	return buf;
}

/* Valid, catchable, and not yet watched by a signal or handler source of l. */
int evm_signo_check(evm_loop *l, int signo)
{
	char name[32];

	if (signo <= 0 || signo >= _NSIG)
		return evm_set_error(l, -EINVAL, "signal %d is out of range (1..%d)",
				     signo, _NSIG - 1);
	if (signo == SIGKILL || signo == SIGSTOP)
		return evm_set_error(l, -EINVAL, "signal %d (%s) cannot be caught",
				     signo, evm_signame(signo, name, sizeof(name)));
	if (l && sigismember(&l->sigs, signo) == 1)
		return evm_set_error(l, -EBUSY, "signal %d (%s) is already watched "
				     "by a source of this loop", signo,
				     evm_signame(signo, name, sizeof(name)));
	return 0;
}

int evm_add_signal(evm_loop *l, evm_source **ret, int signo,
		   evm_signal_cb cb, void *userdata)
{
	sigset_t cur, one;
	evm_source *s;
	char name[32];
	int r;

	EVM_CHECK_LOOP(l);
	if (!cb)
		return evm_set_error(l, -EINVAL, "evm_add_signal: NULL callback");
	r = evm_signo_check(l, signo);
	if (r < 0)
		return r;
	r = pthread_sigmask(SIG_BLOCK, NULL, &cur);
	if (r)
		return evm_set_error(l, -r, "pthread_sigmask: %s", strerror(r));
	if (sigismember(&cur, signo) != 1)
		return evm_set_error(l, -EINVAL, "signal %d (%s) is not blocked: block it "
				     "in every thread (evm_signals_block before starting "
				     "threads) so signalfd can see it", signo,
				     evm_signame(signo, name, sizeof(name)));
	s = evm_source_new(l, EVM_SOURCE_SIGNAL, userdata);
	if (!s)
		return -ENOMEM;
	s->cb.signal = cb;
	s->signal.signo = signo;
	sigemptyset(&one);
	sigaddset(&one, signo);
	r = evm_source_own_fd(s, signalfd(-1, &one, SFD_NONBLOCK | SFD_CLOEXEC), "signalfd");
	if (r < 0) {
		evm_source_destroy(s);
		return r;
	}
	sigaddset(&l->sigs, signo);
	if (ret)
		*ret = s;
	return 0;
}

/* Takes s's stash off the loop's list (a handful at most). */
static struct evm_sigstash *evm_stash_take(evm_source *s)
{
	struct evm_sigstash *st = s->signal.stash, **pp;

	for (pp = &s->loop->stashed; *pp; pp = &(*pp)->more)
		if (*pp == st) {
			*pp = st->more;
			break;
		}
	s->signal.stash = NULL;
	s->loop->stashes--;
	return st;
}

static void evm_signal_release(evm_source *s)
{
	sigdelset(&s->loop->sigs, s->signal.signo);
	if (s->signal.stash)
		free(evm_stash_take(s));
	evm_close_fd(s);
}

/* Calls back for si[from..n): a callback that stops the loop (negative) or
 * disables the source leaves the rest in the stash, and the loop's own
 * eventfd is rung so that the next iteration delivers it: siginfo already
 * taken from the kernel is never lost. */
static int evm_signal_call(evm_source *s, const struct signalfd_siginfo *si,
			   unsigned from, unsigned n)
{
	evm_loop *l = s->loop;
	unsigned i;
	int r = 0;

	for (i = from; i < n; i++) {
		if (s->enabled == EVM_ONESHOT)
			s->enabled = EVM_OFF;
		EVM_PROBE_BEGIN(l, EVM_SOURCE_SIGNAL, s->fd);
		r = s->cb.signal(s, &si[i], s->userdata);
		EVM_PROBE_END(l, EVM_SOURCE_SIGNAL, s->fd);
		if (s->dead)
			return r;
		if (r < 0 || s->enabled == EVM_OFF)
			break;
	}
	if (++i >= n)
		return r;
	if (!s->signal.stash) {
		s->signal.stash = malloc(sizeof(*s->signal.stash));
		if (!s->signal.stash)
			return r < 0 ? r : -ENOMEM;
		s->signal.stash->owner = s;
		s->signal.stash->more = l->stashed;
		l->stashed = s->signal.stash;
		l->stashes++;
	}
	if (s->signal.stash->si != si)
		memcpy(s->signal.stash->si, si, n * sizeof(*si));
	s->signal.stash->n = n;
	s->signal.stash->next = i;
	(void)evm_write_u64(l->wake.fd, 1);
	return r;
}

/* From the loop's wake-up: enabled sources with stashed siginfo. */
int evm_signal_dispatch_stashes(evm_loop *l)
{
	struct evm_sigstash *st, *next;
	int r;

	for (st = l->stashed; st; st = next) {
		evm_source *s = st->owner;

		next = st->more;
		if (s->enabled == EVM_OFF)
			continue;
		evm_stash_take(s);
		r = evm_signal_call(s, st->si, st->next, st->n);
		if (s->signal.stash != st)
			free(st);
		if (r < 0)
			return r;
		/* a callback may have freed others (and their stashes): go on
		 * from the list as it is now. Delivered stashes are off it;
		 * one put back is disabled (skipped) or the loop stopped. */
		next = l->stashed;
	}
	return 0;
}

/* Reads every pending siginfo, a batch per read(2). */
int evm_signal_dispatch(evm_source *s)
{
	struct signalfd_siginfo si[EVM_SIGINFO_BATCH];
	evm_loop *l = s->loop;
	ssize_t n;
	int r;

	if (EVM_UNLIKELY(s->signal.stash))
		return 0; /* the stash goes first: it is delivered on wake-up */
	for (;;) {
		/* EVM_ONESHOT: read exactly one, the rest stays pending. */
		size_t want = s->enabled == EVM_ONESHOT ? sizeof(si[0]) : sizeof(si);

		n = evm_read(s->fd, si, want);
		if (n < 0) {
			if (n == -EAGAIN)
				return 0;
			return evm_set_error(l, (int)n, "signalfd read: %s", strerror((int)-n));
		}
		r = evm_signal_call(s, si, 0, (unsigned)(n / sizeof(si[0])));
		if (r < 0 || s->dead || s->signal.stash)
			return r;
		if ((size_t)n < sizeof(si) || s->enabled == EVM_OFF)
			return 0;
	}
}

int evm_signals_block(const sigset_t *sigs)
{
	int r;

	if (!sigs)
		return -EINVAL;
	r = pthread_sigmask(SIG_BLOCK, sigs, NULL);
	return -r;
}

int evm_signals_block_many(int signo, ...)
{
	sigset_t set;
	va_list ap;
	int r = 0;

	sigemptyset(&set);
	va_start(ap, signo);
	for (; signo; signo = va_arg(ap, int)) {
		r = evm_signo_check(NULL, signo);
		if (r < 0)
			break;
		sigaddset(&set, signo);
	}
	va_end(ap);
	if (r < 0)
		return r;
	return evm_signals_block(&set);
}

/* siginfo already taken from the kernel (the stash) needs a wakeup */
static int evm_signal_set_enabled(evm_source *s, int mode)
{
	return evm_fd_in_set_enabled(s, mode, s->signal.stash ? s->loop->wake.fd : -1);
}

static void evm_signal_after_fork(evm_source *s)
{
	evm_fd_after_fork(s);
	free(s->signal.stash);
	s->signal.stash = NULL;
}

const struct evm_source_ops evm_signal_ops = {
	.release = evm_signal_release,
	.set_enabled = evm_signal_set_enabled,
	.after_fork = evm_signal_after_fork,
};

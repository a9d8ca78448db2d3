// SPDX-License-Identifier: MIT
/*
 * libevm notify sources on eventfd. Any thread or signal handler posts with
 * evm_notify_post(); the loop reads the counter and calls back with it.
 *
 * Saturation. An eventfd counter holds at most 2^64-2; a write that does not
 * fit fails with EAGAIN. The poster then sets the whole amount aside in an
 * atomic overflow counter that the loop adds to what it reads, so nothing is
 * lost. The wakeup must stand too, and only a write *after* setting the
 * amount aside proves it: ring with a write of 1. If it does not fit, the
 * counter is full (the loop will read it, and see the amount set aside
 * before); if it fits, it is one unit too many, which is recorded as debt
 * that the loop takes off later reads. The overflow counter never wraps: a
 * post that would take it past 2^64-1 is refused whole (-EOVERFLOW).
 * The sum of the values delivered is always exactly the sum of the posts
 * that returned 0.
 */
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "evm-private.h"

int evm_add_notify(evm_loop *l, evm_source **ret, unsigned flags,
		   evm_notify_cb cb, void *userdata)
{
	evm_source *s;
	int r;

	EVM_CHECK_LOOP(l);
	if (!cb)
		return evm_set_error(l, -EINVAL, "evm_add_notify: NULL callback");
	if (flags & ~(unsigned)EVM_NOTIFY_SEMAPHORE)
		return evm_set_error(l, -EINVAL, "evm_add_notify: unknown flags 0x%x", flags);
	s = evm_source_new(l, EVM_SOURCE_NOTIFY, userdata);
	if (!s)
		return -ENOMEM;
	s->cb.notify = cb;
	s->notify.flags = flags;
	r = evm_source_own_fd(s, eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC |
					 (flags & EVM_NOTIFY_SEMAPHORE ? EFD_SEMAPHORE : 0)),
			      "eventfd");
	if (r < 0) {
		evm_source_destroy(s);
		return r;
	}
	if (ret)
		*ret = s;
	return 0;
}

/* Adds n to the overflow counter unless it would pass 2^64-1. */
static bool evm_notify_set_aside(evm_source *s, uint64_t n)
{
	uint64_t o = atomic_load(&s->notify.overflow);

	do
		if (o > UINT64_MAX - n)
			return false;
	while (!atomic_compare_exchange_weak(&s->notify.overflow, &o, o + n));
	return true;
}

static int evm_notify_post_slow(evm_source *s, uint64_t n)
{
	int r;

	if (!evm_notify_set_aside(s, n))
		return -EOVERFLOW;
	r = evm_write_u64(s->fd, 1);
	if (r == -EAGAIN)
		return 0;
	if (r < 0)
		return r;
	atomic_fetch_add(&s->notify.debt, 1);
	return 0;
}

int evm_notify_post(evm_source *s, uint64_t n)
{
	int r;

	/* No evm_set_error() here: this runs on any thread. */
	if (EVM_UNLIKELY(!s || s->kind != EVM_SOURCE_NOTIFY || n == 0))
		return -EINVAL;
	if (evm_forked(s->loop))
		return -ECHILD;
	if (EVM_UNLIKELY(n == UINT64_MAX)) /* eventfd refuses it outright */
		return evm_notify_post_slow(s, n);
	r = evm_write_u64(s->fd, n);
	if (EVM_LIKELY(r == 0))
		return 0;
	if (r != -EAGAIN)
		return r;
	return evm_notify_post_slow(s, n);
}

static int evm_notify_call(evm_source *s, uint64_t v)
{
	evm_loop *l = s->loop;
	int r;

	EVM_PROBE_BEGIN(l, EVM_SOURCE_NOTIFY, s->fd);
	r = s->cb.notify(s, v, s->userdata);
	EVM_PROBE_END(l, EVM_SOURCE_NOTIFY, s->fd);
	return r;
}

/* The saturation path: fold in the overflow, pay the debt. */
static int evm_notify_dispatch_slow(evm_source *s, uint64_t v)
{
	uint64_t o, d;
	int r;

	s->notify.owed += atomic_exchange(&s->notify.debt, 0);
	if (s->notify.flags & EVM_NOTIFY_SEMAPHORE) {
		o = atomic_load(&s->notify.overflow);
		/* One unit per callback: move what was set aside into the
		 * counter, the largest part that fits (taken off the overflow
		 * only once it is in, so a poster never sees room that is
		 * not there). If not even 1 fits, the counter is full, so
		 * the wakeup stands and the rest stays aside. */
		for (d = o; d; d /= 2)
			if (evm_write_u64(s->fd, d) == 0) {
				atomic_fetch_sub(&s->notify.overflow, d);
				break;
			}
		if (s->notify.owed) {
			s->notify.owed--;
			return 0;
		}
		return evm_notify_call(s, v);
	}
	o = atomic_exchange(&s->notify.overflow, 0);
	d = s->notify.owed < v ? s->notify.owed : v;
	v -= d;
	s->notify.owed -= d;
	d = s->notify.owed < o ? s->notify.owed : o;
	o -= d;
	s->notify.owed -= d;
	if (v + o < v) {
		/* More than one read can hold: two callbacks. */
		r = evm_notify_call(s, v);
		if (r < 0 || s->dead)
			return r;
		v = o;
	} else {
		v += o;
	}
	if (!v)
		return 0; /* all of it was debt: a spurious wakeup */
	return evm_notify_call(s, v);
}

int evm_notify_dispatch(evm_source *s)
{
	uint64_t v;
	int r;

	r = evm_read_u64(s->fd, &v);
	if (EVM_UNLIKELY(r < 0))
		return r == -EAGAIN ? 0 : r;
	if (s->enabled == EVM_ONESHOT)
		s->enabled = EVM_OFF;
	if (EVM_UNLIKELY(atomic_load_explicit(&s->notify.overflow, memory_order_relaxed) ||
			 atomic_load_explicit(&s->notify.debt, memory_order_relaxed) ||
			 s->notify.owed))
		return evm_notify_dispatch_slow(s, v);
	return evm_notify_call(s, v);
}

static int evm_notify_set_enabled(evm_source *s, int mode)
{
	return evm_fd_in_set_enabled(s, mode, -1);
}

const struct evm_source_ops evm_notify_ops = {
	.release = evm_close_fd,
	.set_enabled = evm_notify_set_enabled,
	.after_fork = evm_fd_after_fork,
};

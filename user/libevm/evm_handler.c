// SPDX-License-Identifier: MIT
/*
 * libevm classic handler sources: a process-wide sigaction(SA_SIGINFO)
 * handler per signal that only does async-signal-safe work. It copies the
 * siginfo into the source's lock-free ring and writes the source's eventfd;
 * the loop reads the eventfd and calls back once per queued siginfo.
 *
 * The kernel decides the counts: a standard signal pending twice is
 * delivered once (coalesced), RT signals are queued and each is delivered.
 * A full ring drops the siginfo and counts it, never invents one.
 *
 * Freeing a source races with a handler running on another thread: the
 * slot counts handlers in flight, and release waits for them to leave
 * before the ring and the eventfd go away.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "evm-private.h"

struct evm_hslot {
	_Atomic(evm_source *) src;
	_Atomic int inflight;
	struct sigaction old; /* the disposition before ours, restored on free */
};

static struct evm_hslot evm_hslots[_NSIG];

/* ---- the ring (producers: handlers on any thread; consumer: the loop) ---- */

static bool evm_hring_push(struct evm_hring *q, const siginfo_t *si)
{
	uint64_t pos = atomic_load_explicit(&q->tail, memory_order_relaxed);

	for (;;) {
		uint64_t seq = atomic_load_explicit(&q->slot[pos % EVM_HRING_SIZE].seq,
						    memory_order_acquire);
		int64_t dif = (int64_t)(seq - pos);

		if (dif == 0) {
			if (atomic_compare_exchange_weak_explicit(&q->tail, &pos, pos + 1,
								  memory_order_relaxed,
								  memory_order_relaxed))
				break;
		} else if (dif < 0) {
			atomic_fetch_add_explicit(&q->dropped, 1, memory_order_relaxed);
			return false;
		} else {
			pos = atomic_load_explicit(&q->tail, memory_order_relaxed);
		}
	}
	q->slot[pos % EVM_HRING_SIZE].si = *si;
	atomic_store_explicit(&q->slot[pos % EVM_HRING_SIZE].seq, pos + 1,
			      memory_order_release);
	return true;
}

static bool evm_hring_pop(struct evm_hring *q, siginfo_t *si)
{
	uint64_t pos = q->head;
	uint64_t seq = atomic_load_explicit(&q->slot[pos % EVM_HRING_SIZE].seq,
					    memory_order_acquire);

	if (seq != pos + 1)
		return false; /* empty, or a producer has not published yet */
	*si = q->slot[pos % EVM_HRING_SIZE].si;
	atomic_store_explicit(&q->slot[pos % EVM_HRING_SIZE].seq, pos + EVM_HRING_SIZE,
			      memory_order_release);
	q->head = pos + 1;
	return true;
}

static struct evm_hring *evm_hring_new(void)
{
	struct evm_hring *q = calloc(1, sizeof(*q));
	uint64_t i;

	if (!q)
		return NULL;
	for (i = 0; i < EVM_HRING_SIZE; i++)
		atomic_init(&q->slot[i].seq, i);
	return q;
}

/* ---- the handler ------------------------------------------------------------ */

static void evm_handler_fn(int signo, siginfo_t *si, void *uctx)
{
	struct evm_hslot *h = &evm_hslots[signo];
	int saved_errno = errno;
	evm_source *s;

	(void)uctx;
	atomic_fetch_add(&h->inflight, 1);
	s = atomic_load(&h->src);
	if (s) {
		evm_hring_push(s->handler.ring, si);
		/* Even when the ring is full: the loop must wake to drain it. */
		(void)evm_write_u64(s->fd, 1);
	}
	atomic_fetch_sub(&h->inflight, 1);
	errno = saved_errno;
}

/* In the child after fork: the parent's loops are not ours. Put back the
 * dispositions we replaced, so the child behaves as without libevm. */
static void evm_handler_atfork_child(void)
{
	int signo;

	for (signo = 1; signo < _NSIG; signo++) {
		struct evm_hslot *h = &evm_hslots[signo];

		if (!atomic_load(&h->src))
			continue;
		sigaction(signo, &h->old, NULL);
		atomic_store(&h->src, NULL);
	}
}

int evm_add_handler(evm_loop *l, evm_source **ret, int signo,
		    evm_handler_cb cb, void *userdata)
{
	struct sigaction sa = { .sa_sigaction = evm_handler_fn,
				.sa_flags = SA_SIGINFO | SA_RESTART };
	evm_source *s, *expected = NULL;
	struct evm_hslot *h;
	int r;

	EVM_CHECK_LOOP(l);
	if (!cb)
		return evm_set_error(l, -EINVAL, "evm_add_handler: NULL callback");
	r = evm_signo_check(l, signo);
	if (r < 0)
		return r;
	evm_atfork_init();
	h = &evm_hslots[signo];
	if (atomic_load(&h->src))
		return evm_set_error(l, -EBUSY, "signal %d already has a handler source "
				     "(one per signal in the process)", signo);
	s = evm_source_new(l, EVM_SOURCE_HANDLER, userdata);
	if (!s)
		return -ENOMEM;
	s->cb.handler = cb;
	s->handler.signo = signo;
	s->handler.ring = evm_hring_new();
	if (!s->handler.ring) {
		evm_source_destroy(s);
		return -ENOMEM;
	}
	r = evm_source_own_fd(s, eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), "eventfd");
	if (r < 0)
		goto fail;
	/* Claim the slot (another loop may race for the same signal). */
	if (!atomic_compare_exchange_strong(&h->src, &expected, s)) {
		r = evm_set_error(l, -EBUSY, "signal %d already has a handler source "
				  "(one per signal in the process)", signo);
		goto fail;
	}
	/* Block every signal while ours runs: no nesting inside it. */
	sigfillset(&sa.sa_mask);
	if (sigaction(signo, &sa, &h->old) < 0) {
		r = evm_set_error(l, -errno, "sigaction(%d): %s", signo, strerror(errno));
		atomic_store(&h->src, NULL);
		goto fail;
	}
	sigaddset(&l->sigs, signo);
	if (ret)
		*ret = s;
	return 0;
fail:
	if (s->fd >= 0)
		evm_close_fd(s);
	free(s->handler.ring);
	evm_source_destroy(s);
	return r;
}

static void evm_handler_release(evm_source *s)
{
	struct evm_hslot *h = &evm_hslots[s->handler.signo];

	sigaction(s->handler.signo, &h->old, NULL);
	atomic_store(&h->src, NULL);
	/* A handler on another thread may still be using the ring. */
	while (atomic_load(&h->inflight))
		sched_yield();
	sigdelset(&s->loop->sigs, s->handler.signo);
	evm_close_fd(s);
	free(s->handler.ring);
	s->handler.ring = NULL;
}

int evm_handler_dispatch(evm_source *s)
{
	evm_loop *l = s->loop;
	siginfo_t si;
	uint64_t v;
	int r;

	(void)evm_read_u64(s->fd, &v);
	while (evm_hring_pop(s->handler.ring, &si)) {
		bool oneshot = s->enabled == EVM_ONESHOT;

		if (oneshot)
			s->enabled = EVM_OFF;
		EVM_PROBE_BEGIN(l, EVM_SOURCE_HANDLER, s->fd);
		r = s->cb.handler(s, &si, s->userdata);
		EVM_PROBE_END(l, EVM_SOURCE_HANDLER, s->fd);
		if (s->dead)
			return r;
		if (r < 0 || oneshot || s->enabled == EVM_OFF) {
			/* Keep the wakeup for what is still queued. */
			(void)evm_write_u64(s->fd, 1);
			return r;
		}
	}
	return 0;
}

uint64_t evm_handler_get_dropped(const evm_source *s)
{
	if (!s || s->kind != EVM_SOURCE_HANDLER || !s->handler.ring)
		return 0;
	return atomic_load(&s->handler.ring->dropped);
}

/* what the handler queued while disabled needs a wakeup */
static int evm_handler_set_enabled(evm_source *s, int mode)
{
	return evm_fd_in_set_enabled(s, mode, s->fd);
}

static void evm_handler_after_fork(evm_source *s)
{
	evm_fd_after_fork(s);
	free(s->handler.ring);
	s->handler.ring = NULL;
}

const struct evm_source_ops evm_handler_ops = {
	.release = evm_handler_release,
	.set_enabled = evm_handler_set_enabled,
	.after_fork = evm_handler_after_fork,
	.atfork_child = evm_handler_atfork_child,
};

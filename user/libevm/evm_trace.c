/* SPDX-License-Identifier: MIT */
/*
 * libevm trace slot: a trap-free dispatch probe for tracers.
 *
 * Every thread that dispatches keeps a small ring of its latest dispatch
 * begins (CLOCK_MONOTONIC time, source kind, fd) and a sequence number, in
 * thread-local memory (struct evm_trace_slot, evm-private.h). The ring is
 * written only while a tracer holds the semaphore of the USDT probe
 * evm:trace_slot; otherwise dispatch pays one load and a branch. The probe
 * itself, evm:trace_slot(slot address, seq before the next write, seq when
 * the thread saw the semaphore rise), fires
 * rarely: it tells a tracer where the thread's slot is, and the tracer then
 * reads the slot at the thread's next system call (a callback's write, the
 * next epoll_wait) instead of trapping on every dispatch.
 *
 * The slot is per thread rather than per loop: a tracer keys its state by
 * task, and one ring per thread keeps its dispatches in their real order
 * whatever loops the thread runs.
 *
 * The probe fires again (so that a tracer attached later learns the address)
 * when: the thread never announced, or announced before a fork; a dispatch
 * of any thread saw the semaphore back at 0 since (evm_trace_armed keeps
 * dispatch on the slow path until one does, which then bumps
 * evm_trace_epoch); or the semaphore's value changed since the announce.
 * Each of these is a new start: EVM_TRACE_BACKOFF0_NS between announces
 * for EVM_TRACE_EAGER_NS, then doubling up to EVM_TRACE_REFRESH_NS. The
 * kernel raises the semaphore when it registers the probe, a moment before
 * the tracer's program is attached to it: an announce in between reaches
 * nobody, and a busy loop would else wait a whole refresh period to be seen.
 * A tracer that left and another that came while the loop was idle change
 * none of these: after more than EVM_TRACE_IDLE_NS without a dispatch, the
 * thread announces at once and then backs off again from
 * EVM_TRACE_BACKOFF0_NS, doubling, without the eager period (a busy loop
 * on a loaded machine is often off its CPU for a millisecond or more: each
 * such gap costing an eager period of traps was thousands of traps a
 * second). A tracer detaching and another attaching takes longer than the
 * idle time (loading a tracer does); the refresh is the bound otherwise.
 */
#include <stdatomic.h>
#include <time.h>

#include "evm-private.h"

/* Raised by the kernel when a tracer attaches to evm:trace_slot. */
__extension__ volatile unsigned short evm_trace_slot_semaphore
	__attribute__((unused, section(".probes")));

/* Set while some thread announced under a raised semaphore: the next
 * dispatch after the semaphore drops sees it and starts a new epoch. */
_Atomic unsigned char evm_trace_armed;
static _Atomic unsigned evm_trace_epoch;

#define EVM_TRACE_IDLE_NS    20000000ULL   /* 20 ms */
#define EVM_TRACE_REFRESH_NS 1000000000ULL /* 1 s */
#define EVM_TRACE_BACKOFF0_NS 100000ULL      /* 100 us */
#define EVM_TRACE_EAGER_NS    20000000ULL    /* 20 ms */

struct evm_trace_tls {
	struct evm_trace_slot slot;
	struct evm_trace_sched sched;
};

static __thread struct evm_trace_tls evm_trace_tls;

struct evm_trace_slot *evm_trace_slot_self(void)
{
	return &evm_trace_tls.slot;
}

/* Whether the dispatch at now announces (the slot's seq then in
 * s->start_seq's sense: see evm_trace_begin), and the schedule's next step. */
bool evm_trace_sched_due(struct evm_trace_sched *s, uint64_t now, uint64_t seq, unsigned gen,
			 unsigned epoch, unsigned short sem)
{
	bool due;

	if (s->gen != gen || s->epoch != epoch || s->sem != sem) {
		/* a new start: announce now, again soon */
		s->backoff_ns = 0;
		s->start_seq = seq;
		s->eager_end_ns = now + EVM_TRACE_EAGER_NS;
	} else if (now - s->last_ns > EVM_TRACE_IDLE_NS) {
		/* idle a while: announce now, then back off again */
		s->backoff_ns = 0;
		s->start_seq = seq;
	}
	s->last_ns = now;
	due = now - s->announced_ns >= s->backoff_ns;
	if (due) {
		s->backoff_ns = (int64_t)(now - s->eager_end_ns) < 0 ? EVM_TRACE_BACKOFF0_NS
			      : s->backoff_ns < EVM_TRACE_BACKOFF0_NS ? EVM_TRACE_BACKOFF0_NS
			      : s->backoff_ns < EVM_TRACE_REFRESH_NS / 2 ? s->backoff_ns * 2
			      : EVM_TRACE_REFRESH_NS;
		s->gen = gen;
		s->epoch = epoch;
		s->sem = sem;
		s->announced_ns = now;
		s->announces++;
	}
	return due;
}

void evm_trace_begin(int kind, int fd)
{
	struct evm_trace_tls *t = &evm_trace_tls;
	struct evm_trace_entry *e;
	unsigned short sem = evm_trace_slot_semaphore;
	unsigned gen = atomic_load_explicit(&evm_fork_gen, memory_order_relaxed) + 1;
	struct timespec ts;
	uint64_t now, seq;
	unsigned epoch;

	if (!sem) {
		/* the tracer left: whoever comes next must be told again */
		if (atomic_exchange_explicit(&evm_trace_armed, 0, memory_order_relaxed))
			atomic_fetch_add_explicit(&evm_trace_epoch, 1, memory_order_relaxed);
		return;
	}
	if (!atomic_load_explicit(&evm_trace_armed, memory_order_relaxed))
		atomic_store_explicit(&evm_trace_armed, 1, memory_order_relaxed);
	epoch = atomic_load_explicit(&evm_trace_epoch, memory_order_relaxed);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	seq = t->slot.seq;
	if (EVM_UNLIKELY(evm_trace_sched_due(&t->sched, now, seq, gen, epoch, sem)))
		DTRACE_PROBE3(evm, trace_slot, &t->slot, seq, t->sched.start_seq);
	e = &t->slot.ring[seq & (EVM_TRACE_RING - 1)];
	e->ns = now;
	e->kind = kind;
	e->fd = fd;
	t->slot.last_ns = now;
	/* the entry is complete before the sequence number shows it (a
	 * tracer reads the slot at a syscall or a signal of this thread) */
	atomic_signal_fence(memory_order_release);
	*(volatile uint64_t *)&t->slot.seq = seq + 1;
}

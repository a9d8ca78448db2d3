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
 * evm_trace_epoch); the semaphore's value changed since the announce; the
 * previous dispatch was more than EVM_TRACE_IDLE_NS ago (a tracer that left
 * and another that came while the loop was idle); or a back-off time passed
 * since the last announce: EVM_TRACE_BACKOFF0_NS for EVM_TRACE_EAGER_NS
 * after a new start, then doubling up to EVM_TRACE_REFRESH_NS. The kernel
 * raises the semaphore when it registers the probe, a moment before the
 * tracer's program is attached to it: an announce in between reaches nobody,
 * and a busy loop would else wait a whole refresh period to be seen (some
 * 200 traps per attach, then one a second).
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

#define EVM_TRACE_IDLE_NS    1000000ULL    /* 1 ms */
#define EVM_TRACE_REFRESH_NS 1000000000ULL /* 1 s */
#define EVM_TRACE_BACKOFF0_NS 100000ULL      /* 100 us */
#define EVM_TRACE_EAGER_NS    20000000ULL    /* 20 ms */

struct evm_trace_tls {
	struct evm_trace_slot slot;
	uint64_t last_ns;      /* the previous dispatch begin */
	uint64_t announced_ns; /* the last announce */
	uint64_t backoff_ns;   /* the next announce this long after it */
	uint64_t start_seq;    /* seq at the last new start */
	uint64_t start_ns;     /* and its time */
	unsigned gen;          /* evm_fork_gen + 1 at the last announce, 0: none */
	unsigned epoch;        /* evm_trace_epoch at the last announce */
	unsigned short sem;    /* the semaphore's value at the last announce */
};

static __thread struct evm_trace_tls evm_trace_tls;

struct evm_trace_slot *evm_trace_slot_self(void)
{
	return &evm_trace_tls.slot;
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
	if (EVM_UNLIKELY(t->gen != gen || t->epoch != epoch || t->sem != sem ||
			 now - t->last_ns > EVM_TRACE_IDLE_NS)) {
		/* a new start: announce now, again soon */
		t->backoff_ns = 0;
		t->start_seq = seq;
		t->start_ns = now;
	}
	if (EVM_UNLIKELY(now - t->announced_ns >= t->backoff_ns)) {
		t->backoff_ns = now - t->start_ns < EVM_TRACE_EAGER_NS ? EVM_TRACE_BACKOFF0_NS
			      : t->backoff_ns < EVM_TRACE_REFRESH_NS / 2 ? t->backoff_ns * 2
			      : EVM_TRACE_REFRESH_NS;
		t->gen = gen;
		t->epoch = epoch;
		t->sem = sem;
		t->announced_ns = now;
		DTRACE_PROBE3(evm, trace_slot, &t->slot, seq, t->start_seq);
	}
	t->last_ns = now;
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

/* SPDX-License-Identifier: MIT */
/*
 * libevm internals, shared by the user/libevm/evm*.c files. Not installed.
 *
 *   evm.c          loop core: create/free, run, dispatch, exit, now, errors,
 *                  fork detection, the common source calls
 *   evm_io.c       io sources
 *   evm_timer.c    timers: a 4-ary min-heap per clock (monotonic: waited with
 *                  epoll_pwait2; others: a timerfd), dedicated timerfds
 *   evm_signal.c   signalfd sources and the signal-mask helpers
 *   evm_handler.c  classic sigaction handlers forwarding through an eventfd
 *   evm_notify.c   eventfd notify sources
 *   evm_hook.c     defer and exit hooks
 */
#ifndef EVM_PRIVATE_H
#define EVM_PRIVATE_H

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>

/* USDT probes with semaphores: a tracer that attaches raises the
 * semaphore, so the loop reads the clock at wake-up only when someone
 * looks (libbpf and bpftrace handle USDT semaphores themselves). */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

#include "evm.h"

#define EVM_LIKELY(x)   __builtin_expect(!!(x), 1)
#define EVM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define EVM_HIDDEN      __attribute__((visibility("hidden")))

#define EVM_MAX_EVENTS  64
#define EVM_HRING_SIZE  256 /* siginfo entries per handler source, power of 2 */

/* Internal kinds, never visible to the user (epoll data of loop-owned fds). */
enum {
	EVM_KIND_CLOCK = 100, /* the shared timerfd of one clock */
	EVM_KIND_WAKE = 101,  /* the loop's own eventfd (evm_loop_exit_async) */
};

/* The clocks timers may use; also the index of evm_loop.clocks[]. */
enum {
	EVM_CLK_MONOTONIC,
	EVM_CLK_REALTIME,
	EVM_CLK_BOOTTIME,
	EVM_CLK_REALTIME_ALARM,
	EVM_CLK_BOOTTIME_ALARM,
	EVM_CLK_MAX,
};

/* Multi-producer (signal handlers on any thread), single-consumer (the
 * loop) bounded queue of siginfo. Each slot carries a sequence number that
 * says whether it is free for position pos (seq == pos) or published for
 * the consumer (seq == pos + 1). Lock-free, so async-signal-safe. */
struct evm_hring {
	_Atomic uint64_t tail;    /* next position producers claim */
	uint64_t head;            /* next position the loop reads */
	_Atomic uint64_t dropped; /* siginfo lost because the ring was full */
	struct {
		_Atomic uint64_t seq;
		siginfo_t si;
	} slot[EVM_HRING_SIZE];
};

struct evm_clock;
struct evm_slab;

#define EVM_SIGINFO_BATCH 16

struct evm_sigstash {
	unsigned n, next;
	evm_source *owner;
	struct evm_sigstash *more; /* the loop's other stashes (l->stashed) */
	struct signalfd_siginfo si[EVM_SIGINFO_BATCH];
};

/* One 64-byte cache line (sources are line-aligned in their slabs): the
 * header and the kind's state. There is no list of sources: the slabs hold
 * them all (evm_loop_free walks the slabs). */
struct evm_source {
	evm_loop *loop;
	union {
		void *userdata;
		/* once freed: the loop's zombies or its free list */
		struct evm_source *link;
	};
	int fd;
	uint8_t kind;
	uint8_t enabled;    /* enum evm_enabled */
	bool dead;          /* freed during dispatch, memory reaped later */
	bool registered;    /* fd is in the epoll interest list */
	union {
		evm_io_cb io;
		evm_timer_cb timer;
		evm_signal_cb signal;
		evm_handler_cb handler;
		evm_notify_cb notify;
		evm_hook_cb hook;
	} cb;
	union {
		struct {
			uint32_t events;
		} io;
		struct {
			/* shared: the next timer added to the clock since its
			 * heap was last settled, or the next relative timer
			 * armed since the clock was last read (evm_timer.c) */
			struct evm_source *pending;
			uint64_t next;         /* absolute expiry on the clock, ns;
						* EVM_HEAP_REL: the relative value */
			uint64_t interval;     /* 0: one-shot */
			uint32_t heap_idx;     /* EVM_HEAP_NONE when not in the heap,
						* EVM_HEAP_PENDING when added since,
						* EVM_HEAP_REL when armed relative and
						* not yet given its base */
			uint8_t clk_idx;
			uint8_t flags;         /* enum evm_timer_flags */
		} timer;
		struct {
			int signo;
			/* siginfo read but not yet called back when a
			 * callback stopped the loop: delivered first next */
			struct evm_sigstash *stash;
		} signal;
		struct {
			int signo;
			struct evm_hring *ring;
		} handler;
		struct {
			_Atomic uint64_t overflow; /* posts that did not fit (EAGAIN) */
			_Atomic uint64_t debt;     /* doorbell units that were extra */
			uint64_t owed;             /* debt not yet taken off a read */
			unsigned flags;
		} notify;
		struct {
			struct evm_source *hnext, *hprev; /* defer or exit list */
		} hook;
	};
};
_Static_assert(sizeof(struct evm_source) == 64, "a source is one cache line");

#define EVM_HEAP_NONE UINT32_MAX
#define EVM_HEAP_PENDING (UINT32_MAX - 1)
#define EVM_HEAP_REL (UINT32_MAX - 2)

/* A heap entry keeps the expiry next to the timer, so that sifting
 * compares within the heap array instead of chasing source pointers. */
struct evm_hent {
	uint64_t at;            /* == s->timer.next */
	evm_source *s;
};

struct evm_clock {
	struct evm_source base; /* kind EVM_KIND_CLOCK, fd = the timerfd */
	clockid_t clockid;
	uint64_t armed;         /* absolute ns the timerfd is armed for, 0: not */
	struct evm_hent *heap;  /* 4-ary min-heap; see evm_timer.c */
	void *heap_mem;         /* what was allocated (heap is aligned in it) */
	uint32_t n, cap;
	uint32_t heaped;        /* heap[0, heaped) in heap order; the rest
				 * appended since (see evm_timer.c) */
	uint32_t npending;      /* timers added, not in the array yet */
	struct evm_source *pending; /* those, linked through timer.pending */
	uint32_t nrel;          /* relative timers armed since the clock was
				 * last read: their base is not read yet */
	struct evm_source *rel; /* those, linked through timer.pending */
	bool dirty;             /* heap top may differ from armed */
	bool due;               /* heap top already due when arming: run it
				 * without the timerfd (see evm_clocks_arm) */
	bool stale;             /* the sources' heap_idx not kept (evm_timer.c) */
	bool waited;            /* no timerfd (fd -1): the loop's epoll_pwait2
				 * timeout waits for it (l->wait_clock) */
};

struct evm_hook_list {
	struct evm_source *first, *last;
};

struct evm_loop {
	int epfd;
	unsigned gen;           /* evm_fork_gen at creation */
	bool dispatching;       /* inside run_once: frees are deferred */
	bool freeing;           /* inside evm_loop_free */
	bool exit_requested;
	bool exited;            /* exit hooks ran; run() returns exit_code */
	int exit_code;
	unsigned defer_enabled; /* defer sources currently enabled */
	bool clocks_dirty;
	bool clocks_due;        /* some clock has due timers: do not block */
	bool pwait2;            /* waits with epoll_pwait2 (ns timeout) */
	struct evm_clock *wait_clock; /* CLOCK_MONOTONIC's when pwait2, else NULL */
	unsigned stashes;       /* signal sources with a stash (rare) */
	struct evm_sigstash *stashed; /* those stashes, linked through more */
	uint64_t timer_slack;   /* evm_loop_set_timer_slack(), 0: exact */
	uint64_t iteration;
	uint64_t now_mono;      /* CLOCK_MONOTONIC at wake-up (see now_iter[0]) */
	/* Per-iteration clock cache, valid when now_iter[i] == iteration:
	 * 0 monotonic, 1 realtime, 2 boottime, 3 TAI. The monotonic time is
	 * read right when epoll_wait returns if a USDT probe is attached,
	 * else at its first use in the iteration (saves a clock read on the
	 * hot path). */
	uint64_t now_cache[4];
	uint64_t now_iter[4];
	struct evm_source wake; /* the loop's own eventfd */
	_Atomic int async_exit; /* -1: none, else the code */
	struct evm_source *zombies; /* freed in dispatch, linked through link */
	/* Source memory (see evm_source_new): slabs carved in order, freed
	 * sources on a free list, every slab released by evm_loop_free(). */
	struct evm_slab *slabs;
	struct evm_source *free_sources; /* linked through link */
	struct evm_source *slab_cur, *slab_end;
	uint32_t slab_next;     /* sources in the next slab */
	struct evm_hook_list defers, exits;
	struct evm_clock *clocks[EVM_CLK_MAX];
	sigset_t sigs;          /* signals watched by signal/handler sources */
	struct epoll_event events[EVM_MAX_EVENTS];
	char err[256];
};

/* fork detection: bumped in the child by a pthread_atfork handler. */
extern _Atomic unsigned evm_fork_gen EVM_HIDDEN;

static inline bool evm_forked(const evm_loop *l)
{
	return EVM_UNLIKELY(l->gen !=
			    atomic_load_explicit(&evm_fork_gen, memory_order_relaxed));
}

/* Argument and fork checks at the top of every public call. */
#define EVM_CHECK_LOOP(l)                                                   \
	do {                                                                \
		if (EVM_UNLIKELY(!(l)))                                     \
			return -EINVAL;                                     \
		if (evm_forked(l))                                          \
			return -ECHILD;                                     \
	} while (0)

#define EVM_CHECK_SOURCE(s)                                                 \
	do {                                                                \
		if (EVM_UNLIKELY(!(s) || (s)->dead))                        \
			return -EINVAL;                                     \
		if (evm_forked((s)->loop))                                  \
			return -ECHILD;                                     \
	} while (0)

/* USDT probes: (kind, fd, wake_ns) around every callback. The semaphores
 * are named as <sys/sdt.h> expects (provider_name_semaphore). */
extern volatile unsigned short evm_dispatch_begin_semaphore;
extern volatile unsigned short evm_dispatch_end_semaphore;

static inline bool evm_probes_on(void)
{
	return EVM_UNLIKELY(evm_dispatch_begin_semaphore | evm_dispatch_end_semaphore);
}

/* The trace slot (evm_trace.c): a ring of the thread's latest dispatch
 * begins, written only while a tracer holds evm:trace_slot's semaphore,
 * read by the tracer at the thread's next syscall (no trap per dispatch).
 * Entry for dispatch number n (from 0) at ring[n % EVM_TRACE_RING]; seq
 * counts the dispatches written. Layout shared with bpf/evtrace.h. */
#define EVM_TRACE_RING 16
struct evm_trace_entry {
	uint64_t ns;  /* CLOCK_MONOTONIC at dispatch begin */
	int32_t kind; /* enum evm_source_kind */
	int32_t fd;
};
struct evm_trace_slot {
	uint64_t seq;
	uint64_t last_ns; /* the newest entry's ns: one read when seq moved by 1 */
	struct evm_trace_entry ring[EVM_TRACE_RING];
};
extern volatile unsigned short evm_trace_slot_semaphore;
extern _Atomic unsigned char evm_trace_armed EVM_HIDDEN;
EVM_HIDDEN void evm_trace_begin(int kind, int fd);
EVM_HIDDEN struct evm_trace_slot *evm_trace_slot_self(void);
/* When a thread announces its slot (evm_trace.c): the schedule's state. */
struct evm_trace_sched {
	uint64_t last_ns;      /* the previous dispatch begin */
	uint64_t announced_ns; /* the last announce */
	uint64_t backoff_ns;   /* the next announce this long after it */
	uint64_t eager_end_ns; /* announces every BACKOFF0 until then */
	uint64_t start_seq;    /* seq at the last new start or idle gap */
	uint64_t announces;    /* announces made */
	unsigned gen;          /* evm_fork_gen + 1 at the last announce, 0: none */
	unsigned epoch;        /* evm_trace_epoch at the last announce */
	unsigned short sem;    /* the semaphore's value at the last announce */
};
EVM_HIDDEN bool evm_trace_sched_due(struct evm_trace_sched *s, uint64_t now, uint64_t seq,
				    unsigned gen, unsigned epoch, unsigned short sem);

#define EVM_PROBE_BEGIN(l, kind, fd)                                        \
	do {                                                                \
		if (EVM_UNLIKELY(evm_trace_slot_semaphore |                 \
				 atomic_load_explicit(&evm_trace_armed,     \
						      memory_order_relaxed))) \
			evm_trace_begin((int)(kind), (int)(fd));            \
		DTRACE_PROBE3(evm, dispatch_begin, (int)(kind), (int)(fd), \
			      (l)->now_mono);                               \
	} while (0)
#define EVM_PROBE_END(l, kind, fd) \
	DTRACE_PROBE3(evm, dispatch_end, (int)(kind), (int)(fd), (l)->now_mono)

/* evm.c */
EVM_HIDDEN void evm_atfork_init(void);
EVM_HIDDEN int evm_set_error(evm_loop *l, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
EVM_HIDDEN evm_source *evm_source_new(evm_loop *l, int kind, void *userdata);
EVM_HIDDEN evm_source *evm_source_mem(evm_loop *l);
/* A new source's memory, uninitialised (NULL: out of memory); the next of
 * the current slab inline (arming a million timers). */
static inline evm_source *evm_source_alloc(evm_loop *l)
{
	if (EVM_LIKELY(!l->free_sources && l->slab_cur != l->slab_end))
		return l->slab_cur++;
	return evm_source_mem(l);
}
EVM_HIDDEN void evm_source_destroy(evm_source *s); /* back to the pool (not linked) */
EVM_HIDDEN int evm_epoll_sync(evm_source *s, uint32_t events);
EVM_HIDDEN int evm_source_own_fd(evm_source *s, int fd, const char *what);
EVM_HIDDEN void evm_epoll_del(evm_source *s);
EVM_HIDDEN void evm_close_fd(evm_source *s);
EVM_HIDDEN uint64_t evm_clock_read(clockid_t clock);
#define EVM_POPULATE_MIN (256u << 10) /* bytes; smaller blocks fault lazily */
EVM_HIDDEN void evm_populate(void *p, size_t len);
EVM_HIDDEN long evm_read(int fd, void *buf, size_t len); /* bytes or -errno */
EVM_HIDDEN int evm_read_u64(int fd, uint64_t *v); /* 0, -EAGAIN, -errno */
EVM_HIDDEN int evm_write_u64(int fd, uint64_t v);

EVM_HIDDEN int evm_fd_set_enabled(evm_source *s, int mode, uint32_t events);
/* The same for EPOLLIN; once enabled, rings bell (an eventfd, -1: none) for
 * what was taken from the kernel while it was off. */
EVM_HIDDEN int evm_fd_in_set_enabled(evm_source *s, int mode, int bell);
EVM_HIDDEN void evm_fd_after_fork(evm_source *s); /* close the copy, keep epoll */

/* ---- per-kind operations ----------------------------------------------------
 *
 * The cold paths of each source kind, defined in the kind's own file
 * (evm_<kind>_ops): the core reaches them through its table indexed by
 * kind (evm.c) and never touches another kind's fields. A NULL member: nothing
 * to do. The hot path, dispatch, stays a switch in evm.c (a predictable
 * branch instead of an indirect call), with the entry points below.
 */
struct evm_source_ops {
	/* evm_source_free(): give back what the source holds (its epoll
	 * registration, the fds it owns, memory, a signal disposition) */
	void (*release)(evm_source *s);
	/* the source's memory is about to be reused: leave the kind's own
	 * lists (at the end of the iteration if it was freed in dispatch) */
	void (*reap)(evm_source *s);
	/* evm_source_set_enabled(), mode differs from s->enabled */
	int (*set_enabled)(evm_source *s, int mode);
	/* evm_loop_free() in a child after fork: free memory and the copies
	 * of the fds, change nothing the parent still uses (epoll set,
	 * timers, signal dispositions) */
	void (*after_fork)(evm_source *s);
	/* evm_source_get_fd(); NULL: s->fd, -EINVAL if it has none */
	int (*get_fd)(const evm_source *s);
	/* the kind's per-loop state, once the loop's sources are gone
	 * (evm_forked(l) says whether this is a child after fork) */
	void (*loop_free)(evm_loop *l);
	/* process-wide state, in the child right after fork() */
	void (*atfork_child)(void);
};

EVM_HIDDEN extern const struct evm_source_ops evm_io_ops, evm_timer_ops,
	evm_signal_ops, evm_handler_ops, evm_notify_ops, evm_defer_ops, evm_exit_ops;

/* dispatch: one ready source (or a clock's timerfd), from evm.c's switch */
EVM_HIDDEN int evm_io_dispatch(evm_source *s, uint32_t revents);
EVM_HIDDEN int evm_timer_dispatch(evm_source *s);
EVM_HIDDEN int evm_clock_dispatch(struct evm_clock *c, bool fd_ready);
EVM_HIDDEN int evm_signal_dispatch(evm_source *s);
EVM_HIDDEN int evm_handler_dispatch(evm_source *s);
EVM_HIDDEN int evm_notify_dispatch(evm_source *s);

/* the run loop's steps that belong to one kind */
EVM_HIDDEN int evm_clocks_arm(evm_loop *l);          /* before blocking */
EVM_HIDDEN void evm_wait_clock_settle(evm_loop *l);
EVM_HIDDEN int64_t evm_wait_clock_timeout(evm_loop *l, int64_t timeout_ns,
					  uint64_t *now);
EVM_HIDDEN int evm_clocks_dispatch_due(evm_loop *l); /* after the batch */
EVM_HIDDEN int evm_signal_dispatch_stashes(evm_loop *l); /* on wake-up */
EVM_HIDDEN int evm_hooks_run(evm_loop *l, struct evm_hook_list *list, int kind);

/* evm_signal.c, for handler sources too */
EVM_HIDDEN int evm_signo_check(evm_loop *l, int signo);

#endif /* EVM_PRIVATE_H */

// SPDX-License-Identifier: MIT
/*
 * libevm loop core: creation, the run loop and its dispatch, exit, the
 * cached "now", errors, fork detection and the calls common to all sources.
 */
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

#include "evm-private.h"

_Atomic unsigned evm_fork_gen;

static void evm_pool_put(evm_loop *l, evm_source *s);
static void evm_pool_free(evm_loop *l);
static void evm_pool_unpoison(evm_loop *l);
static void evm_pool_release_all(evm_loop *l, bool child);

/* The cold paths of each kind (struct evm_source_ops), by kind. */
static const struct evm_source_ops *const evm_kind_ops[] = {
	[EVM_SOURCE_IO] = &evm_io_ops,
	[EVM_SOURCE_TIMER] = &evm_timer_ops,
	[EVM_SOURCE_SIGNAL] = &evm_signal_ops,
	[EVM_SOURCE_HANDLER] = &evm_handler_ops,
	[EVM_SOURCE_NOTIFY] = &evm_notify_ops,
	[EVM_SOURCE_DEFER] = &evm_defer_ops,
	[EVM_SOURCE_EXIT] = &evm_exit_ops,
};
#define EVM_NKINDS (sizeof(evm_kind_ops) / sizeof(evm_kind_ops[0]))

static inline const struct evm_source_ops *evm_ops(const evm_source *s)
{
	return evm_kind_ops[s->kind];
}

/* Raised by the kernel when a tracer attaches to the USDT probes. */
__extension__ volatile unsigned short evm_dispatch_begin_semaphore
	__attribute__((unused, section(".probes")));
__extension__ volatile unsigned short evm_dispatch_end_semaphore
	__attribute__((unused, section(".probes")));

static pthread_once_t evm_atfork_once = PTHREAD_ONCE_INIT;

static void evm_atfork_child(void)
{
	size_t k;

	/* Every loop of the parent becomes foreign to the child: its calls
	 * compare their generation with this one and fail with -ECHILD. */
	atomic_fetch_add_explicit(&evm_fork_gen, 1, memory_order_relaxed);
	for (k = 1; k < EVM_NKINDS; k++)
		if (evm_kind_ops[k]->atfork_child)
			evm_kind_ops[k]->atfork_child();
}

static void evm_atfork_register(void)
{
	pthread_atfork(NULL, NULL, evm_atfork_child);
}

void evm_atfork_init(void)
{
	pthread_once(&evm_atfork_once, evm_atfork_register);
}

int evm_set_error(evm_loop *l, int err, const char *fmt, ...)
{
	va_list ap;

	if (l) {
		va_start(ap, fmt);
		vsnprintf(l->err, sizeof(l->err), fmt, ap);
		va_end(ap);
	}
	return err;
}

uint64_t evm_clock_read(clockid_t clock)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * The fds read and written here are all non-blocking (eventfd, timerfd,
 * signalfd), so they go through syscall(2): the same system call without
 * the libc cancellation-point bookkeeping around it, which costs as much as
 * the rest of libevm's own work on the notify hot path (epoll_wait stays a
 * cancellation point). Both are async-signal-safe.
 */
long evm_read(int fd, void *buf, size_t len)
{
	long r;

	do
		r = syscall(SYS_read, fd, buf, len);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

int evm_read_u64(int fd, uint64_t *v)
{
	long r = evm_read(fd, v, sizeof(*v));

	if (r == sizeof(*v))
		return 0;
	return r < 0 ? (int)r : -EIO;
}

int evm_write_u64(int fd, uint64_t v)
{
	long r;

	do
		r = syscall(SYS_write, fd, &v, sizeof(v));
	while (r < 0 && errno == EINTR);
	if (r == sizeof(v))
		return 0;
	if (r < 0)
		return -errno;
	return -EIO;
}

/* ---- loop ---------------------------------------------------------------- */

/* epoll_pwait2 (Linux 5.11), probed once per process on the first loop's
 * (still empty) epoll set: 1 usable, -1 not (ENOSYS, or refused by a
 * seccomp filter), 0 not probed yet. EVM_NO_EPOLL_PWAIT2 (set, not "0")
 * when a loop is created makes that loop wait as without it (evm.h). */
static _Atomic int evm_pwait2_kernel;

static bool evm_pwait2_usable(int epfd)
{
	const char *no = getenv("EVM_NO_EPOLL_PWAIT2");
	int k = atomic_load_explicit(&evm_pwait2_kernel, memory_order_relaxed);
	struct timespec zero = { 0 };
	struct epoll_event ev;

	if (!k) {
		k = epoll_pwait2(epfd, &ev, 1, &zero, NULL) >= 0 ? 1 : -1;
		atomic_store_explicit(&evm_pwait2_kernel, k, memory_order_relaxed);
	}
	return k > 0 && !(no && *no && strcmp(no, "0"));
}

int evm_loop_new(evm_loop **ret)
{
	struct epoll_event ev = { .events = EPOLLIN };
	evm_loop *l;
	int err;

	if (!ret)
		return -EINVAL;
	evm_atfork_init();
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->gen = atomic_load(&evm_fork_gen);
	l->async_exit = -1;
	sigemptyset(&l->sigs);
	l->wake.loop = l;
	l->wake.kind = EVM_KIND_WAKE;
	l->wake.enabled = EVM_ON;
	l->wake.fd = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		err = -errno;
		free(l);
		return err;
	}
	l->pwait2 = evm_pwait2_usable(l->epfd);
	l->wake.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->wake.fd < 0)
		goto fail;
	ev.data.ptr = &l->wake;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wake.fd, &ev) < 0)
		goto fail;
	l->wake.registered = true;
	*ret = l;
	return 0;
fail:
	err = -errno;
	if (l->wake.fd >= 0)
		close(l->wake.fd);
	close(l->epfd);
	free(l);
	return err;
}

evm_loop *evm_loop_free(evm_loop *l)
{
	bool child;
	size_t k;

	if (!l)
		return NULL;
	if (l->dispatching) {
		/* the iteration under way still uses l and its sources */
		evm_set_error(l, -EBUSY, "evm_loop_free: called from a callback of the loop");
		errno = EBUSY;
		return l;
	}
	/* In a child after fork, the epoll set and the signal dispositions
	 * are not ours to change: release memory and our fd copies only. */
	child = evm_forked(l);
	l->dispatching = false; /* free at once, not deferred */
	l->freeing = true;
	evm_pool_release_all(l, child);
	l->zombies = NULL; /* in the slabs too */
	l->free_sources = NULL;
	for (k = 1; k < EVM_NKINDS; k++)
		if (evm_kind_ops[k]->loop_free)
			evm_kind_ops[k]->loop_free(l);
	evm_pool_free(l);
	if (l->wake.fd >= 0)
		close(l->wake.fd);
	close(l->epfd);
	free(l);
	return NULL;
}

int evm_loop_set_timer_slack(evm_loop *l, uint64_t slack_ns)
{
	EVM_CHECK_LOOP(l);
	if (slack_ns > 1000000000ull)
		return evm_set_error(l, -EINVAL, "evm_loop_set_timer_slack: more than 1 s");
	l->timer_slack = slack_ns;
	return 0;
}

int evm_loop_get_fd(const evm_loop *l)
{
	EVM_CHECK_LOOP(l);
	return l->epfd;
}

const char *evm_loop_error(const evm_loop *l)
{
	return l ? l->err : "";
}

static int evm_clock_cache_idx(clockid_t clock, clockid_t *base)
{
	switch (clock) {
	case CLOCK_MONOTONIC:
		*base = CLOCK_MONOTONIC;
		return 0;
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_ALARM:
		*base = CLOCK_REALTIME;
		return 1;
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		*base = CLOCK_BOOTTIME;
		return 2;
	case CLOCK_TAI:
		*base = CLOCK_TAI;
		return 3;
	}
	return -1;
}

int evm_loop_now(evm_loop *l, clockid_t clock, uint64_t *ret_ns)
{
	clockid_t base;
	int i;

	EVM_CHECK_LOOP(l);
	if (!ret_ns)
		return -EINVAL;
	i = evm_clock_cache_idx(clock, &base);
	if (i < 0)
		return evm_set_error(l, -EINVAL, "evm_loop_now: clock %d not supported",
				     (int)clock);
	if (!l->iteration) {
		*ret_ns = evm_clock_read(base);
		return 0;
	}
	if (l->now_iter[i] != l->iteration) {
		l->now_cache[i] = evm_clock_read(base);
		l->now_iter[i] = l->iteration;
		if (i == 0)
			l->now_mono = l->now_cache[0];
	}
	*ret_ns = l->now_cache[i];
	return 0;
}

int evm_loop_exit(evm_loop *l, int code)
{
	EVM_CHECK_LOOP(l);
	if (code < 0)
		return evm_set_error(l, -EINVAL, "evm_loop_exit: negative code %d", code);
	l->exit_requested = true;
	l->exit_code = code;
	return 0;
}

int evm_loop_exit_async(evm_loop *l, int code)
{
	if (!l || code < 0)
		return -EINVAL;
	if (evm_forked(l))
		return -ECHILD;
	atomic_store(&l->async_exit, code);
	return evm_write_u64(l->wake.fd, 1);
}

static int evm_wake_dispatch(evm_loop *l)
{
	uint64_t v;
	int code;

	(void)evm_read_u64(l->wake.fd, &v);
	code = atomic_exchange(&l->async_exit, -1);
	if (code >= 0) {
		l->exit_requested = true;
		l->exit_code = code;
	}
	if (EVM_UNLIKELY(l->stashes))
		return evm_signal_dispatch_stashes(l);
	return 0;
}

static void evm_reap(evm_loop *l)
{
	while (l->zombies) {
		evm_source *z = l->zombies;

		l->zombies = z->link;
		if (evm_ops(z)->reap)
			evm_ops(z)->reap(z);
		evm_pool_put(l, z);
	}
}

static int evm_dispatch_one(evm_loop *l, evm_source *s, uint32_t revents)
{
	switch (s->kind) {
	case EVM_SOURCE_NOTIFY:
		return evm_notify_dispatch(s);
	case EVM_SOURCE_IO:
		return evm_io_dispatch(s, revents);
	case EVM_KIND_CLOCK:
		return evm_clock_dispatch((struct evm_clock *)s, true);
	case EVM_SOURCE_TIMER:
		return evm_timer_dispatch(s);
	case EVM_SOURCE_SIGNAL:
		return evm_signal_dispatch(s);
	case EVM_SOURCE_HANDLER:
		return evm_handler_dispatch(s);
	case EVM_KIND_WAKE:
		return evm_wake_dispatch(l);
	}
	return 0;
}

/* epoll_wait's milliseconds, rounded up (never back before timeout_ns). */
static int evm_timeout_ms(int64_t timeout_ns)
{
	if (timeout_ns < 0)
		return -1;
	if (timeout_ns / 1000000 >= INT_MAX)
		return INT_MAX;
	return (int)((timeout_ns + 999999) / 1000000);
}

/* Waits at most timeout_ns (negative: no limit) from start (the
 * CLOCK_MONOTONIC time the timeout was computed at, 0: not read yet),
 * with epoll_pwait2's nanoseconds where the loop can, else epoll_wait's
 * milliseconds rounded up. A signal handler that interrupts the wait does
 * not shorten it: the rest of the timeout is waited. */
static int evm_epoll_wait(evm_loop *l, int64_t timeout_ns, uint64_t start)
{
	uint64_t deadline = 0, now;
	struct timespec ts;
	int n;

	if (timeout_ns > 0) {
		if (!start)
			start = evm_clock_read(CLOCK_MONOTONIC);
		deadline = start + (uint64_t)timeout_ns;
		if (deadline < start)
			deadline = UINT64_MAX;
	}
	for (;;) {
		/* no limit or a poll: epoll_wait, the same system call with
		 * the least work on the way (ping-pong path); a timeout:
		 * nanoseconds where the loop can */
		if (l->pwait2 && timeout_ns > 0) {
			ts.tv_sec = (time_t)(timeout_ns / 1000000000);
			ts.tv_nsec = (long)(timeout_ns % 1000000000);
			n = epoll_pwait2(l->epfd, l->events, EVM_MAX_EVENTS, &ts, NULL);
		} else {
			n = epoll_wait(l->epfd, l->events, EVM_MAX_EVENTS,
				       evm_timeout_ms(timeout_ns));
		}
		if (EVM_LIKELY(n >= 0))
			return n;
		if (errno != EINTR)
			return -errno;
		if (timeout_ns > 0) {
			now = evm_clock_read(CLOCK_MONOTONIC);
			timeout_ns = now >= deadline ? 0 :
				(deadline - now > (uint64_t)INT64_MAX ? INT64_MAX :
				 (int64_t)(deadline - now));
		}
	}
}

int evm_loop_run_once(evm_loop *l, int64_t timeout_ns)
{
	int n, i, r = 0, count = 0;
	uint64_t start = 0;

	EVM_CHECK_LOOP(l);
	if (l->dispatching)
		return evm_set_error(l, -EBUSY, "evm_loop_run_once: called from a callback");
	l->dispatching = true;

	if (l->defer_enabled) {
		r = evm_hooks_run(l, &l->defers, EVM_SOURCE_DEFER);
		if (r < 0)
			goto out;
		count += r;
	}
	if (l->clocks_dirty) {
		r = evm_clocks_arm(l);
		if (r < 0)
			goto out;
	}
	if (l->defer_enabled || l->exit_requested || l->clocks_due) {
		timeout_ns = 0;
		if (l->wait_clock)
			evm_wait_clock_settle(l);
	} else if (l->wait_clock)
		timeout_ns = evm_wait_clock_timeout(l, timeout_ns, &start);

	n = evm_epoll_wait(l, timeout_ns, start);
	if (n < 0) {
		r = evm_set_error(l, n, "epoll_wait: %s", strerror(-n));
		goto out;
	}
	l->iteration++;
	if (evm_probes_on()) {
		/* wake_ns for the probes: the time epoll_wait returned */
		l->now_mono = l->now_cache[0] = evm_clock_read(CLOCK_MONOTONIC);
		l->now_iter[0] = l->iteration;
	}

	for (i = 0; i < n; i++) {
		evm_source *s = l->events[i].data.ptr;

		/* freed, or disabled by an earlier callback of this batch */
		if (EVM_UNLIKELY(s->enabled == EVM_OFF))
			continue;
		r = evm_dispatch_one(l, s, l->events[i].events);
		if (EVM_UNLIKELY(r < 0))
			goto out;
		count++;
	}
	if (EVM_UNLIKELY(l->clocks_due) || l->wait_clock) {
		r = evm_clocks_dispatch_due(l);
		if (r < 0)
			goto out;
		count += r;
	}
	r = 0;
	if (l->exit_requested) {
		l->exit_requested = false;
		l->exited = true;
		r = evm_hooks_run(l, &l->exits, EVM_SOURCE_EXIT);
	}
out:
	l->dispatching = false;
	if (l->zombies)
		evm_reap(l);
	return r < 0 ? r : count;
}

int evm_loop_run(evm_loop *l)
{
	int r;

	EVM_CHECK_LOOP(l);
	l->exited = false;
	for (;;) {
		r = evm_loop_run_once(l, -1);
		if (r < 0)
			return r;
		if (l->exited) {
			l->exited = false;
			return l->exit_code;
		}
	}
}

/* ---- sources, common ------------------------------------------------------- */

/*
 * Source memory. A loop carves its sources from slabs (the first holds
 * EVM_SLAB_MIN sources, each next one twice as many, up to EVM_SLAB_MAX
 * bytes) and keeps freed sources on a free list: adding a source costs no
 * malloc, and a million timers cost a few dozen mallocs instead of a
 * million (and no malloc header per source). Slabs go back to the system
 * only in evm_loop_free(). Under ASan a pooled source is poisoned (all but
 * the free-list link), so a use after evm_source_free() is still reported.
 */
#define EVM_SLAB_MIN 16u
#define EVM_SLAB_MAX (2u << 20)

#if defined(__SANITIZE_ADDRESS__)
/* all but the link (evm_loop_free unpoisons the slabs before it walks them) */
#define EVM_POOL_POISON(s)                                                     \
	do {                                                                   \
		ASAN_POISON_MEMORY_REGION((s), offsetof(evm_source, link));    \
		ASAN_POISON_MEMORY_REGION((char *)(s) + offsetof(evm_source, fd), \
					  sizeof(evm_source) - offsetof(evm_source, fd)); \
	} while (0)
#define EVM_POOL_UNPOISON(s) ASAN_UNPOISON_MEMORY_REGION((s), sizeof(evm_source))
#else
#define EVM_POOL_POISON(s)   ((void)(s))
#define EVM_POOL_UNPOISON(s) ((void)(s))
#endif

struct evm_slab {
	struct evm_slab *next;
	uint64_t n;             /* sources in this slab */
	/* the sources start a cache line: one line each */
	evm_source src[] __attribute__((aligned(64)));
};

/* Faults in the whole pages of [p, p + len) in one call (MADV_POPULATE_WRITE,
 * Linux 5.14), for memory about to be written front to back: one system
 * call instead of a page fault per 4 KB (in a fresh process, arming a
 * million timers took ~95 ns each, ~30 of them in page faults). Only for
 * large blocks, which a loop allocates once it holds thousands of
 * sources; pages already present are left as they are; before 5.14 a
 * no-op (EINVAL, ignored). */
void evm_populate(void *p, size_t len)
{
	uintptr_t a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
	uintptr_t e = ((uintptr_t)p + len) & ~(uintptr_t)4095;

	/* (Not MADV_HUGEPAGE: on a host with fragmented memory the kernel
	 * compacts or falls back page by page, and arming got slower.) */
	if (e > a)
		(void)madvise((void *)a, e - a, MADV_POPULATE_WRITE);
}

/* The memory of a new source, uninitialised: a freed one, or the next of
 * the current slab (evm_source_alloc takes that one itself), or a new
 * slab's first. */
evm_source *evm_source_mem(evm_loop *l)
{
	evm_source *s = l->free_sources;
	struct evm_slab *slab;
	size_t n;

	if (s) {
		l->free_sources = s->link;
		EVM_POOL_UNPOISON(s);
		return s;
	}
	if (EVM_UNLIKELY(l->slab_cur == l->slab_end)) {
		n = l->slab_next ? l->slab_next : EVM_SLAB_MIN;
		if (sizeof(*slab) + n * sizeof(evm_source) > EVM_SLAB_MAX)
			n = (EVM_SLAB_MAX - sizeof(*slab)) / sizeof(evm_source);
		slab = aligned_alloc(64, sizeof(*slab) + n * sizeof(evm_source));
		if (!slab)
			return NULL;
		if (n * sizeof(evm_source) >= EVM_POPULATE_MIN)
			evm_populate(slab, sizeof(*slab) + n * sizeof(evm_source));
		slab->next = l->slabs;
		slab->n = n;
		l->slabs = slab;
		l->slab_cur = slab->src;
		l->slab_end = slab->src + n;
		l->slab_next = (uint32_t)n * 2;
	}
	return l->slab_cur++;
}

static void evm_pool_put(evm_loop *l, evm_source *s)
{
	s->dead = true;
	s->link = l->free_sources;
	l->free_sources = s;
	EVM_POOL_POISON(s);
}

/* evm_loop_free(): every source lives in a slab, so walk them (sources
 * freed before are dead; their memory, like the rest, goes with the
 * slabs). In a child after fork, only what after_fork releases. */
static void evm_pool_release_all(evm_loop *l, bool child)
{
	evm_pool_unpoison(l);
	for (struct evm_slab *slab = l->slabs; slab; slab = slab->next) {
		evm_source *end = slab->src + slab->n, *s;

		if (l->slab_cur >= slab->src && l->slab_cur <= end)
			end = l->slab_cur; /* the newest slab: carved so far */
		for (s = slab->src; s < end; s++) {
			if (s->dead)
				continue;
			if (!child)
				evm_source_free(s);
			else if (evm_ops(s)->after_fork)
				evm_ops(s)->after_fork(s);
		}
	}
}

/* Before walking the slabs: every source readable again. */
static void evm_pool_unpoison(evm_loop *l)
{
#if defined(__SANITIZE_ADDRESS__)
	for (struct evm_slab *slab = l->slabs; slab; slab = slab->next)
		ASAN_UNPOISON_MEMORY_REGION(slab->src, slab->n * sizeof(evm_source));
#else
	(void)l;
#endif
}

static void evm_pool_free(evm_loop *l)
{
	evm_pool_unpoison(l);
	while (l->slabs) {
		struct evm_slab *slab = l->slabs;

		l->slabs = slab->next;
		free(slab);
	}
	l->free_sources = l->slab_cur = l->slab_end = NULL;
}

evm_source *evm_source_new(evm_loop *l, int kind, void *userdata)
{
	evm_source *s = evm_source_alloc(l);

	if (!s)
		return NULL;
	/* one store of the whole line, the rest zero */
	*s = (evm_source){ .loop = l, .userdata = userdata, .fd = -1,
			   .kind = (uint8_t)kind, .enabled = EVM_ON };
	return s;
}

void evm_source_destroy(evm_source *s)
{
	evm_pool_put(s->loop, s);
}

int evm_epoll_sync(evm_source *s, uint32_t events)
{
	struct epoll_event ev = { .data.ptr = s };
	int op;

	if (s->enabled == EVM_OFF) {
		evm_epoll_del(s);
		return 0;
	}
	ev.events = events | (s->enabled == EVM_ONESHOT ? EPOLLONESHOT : 0);
	op = s->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(s->loop->epfd, op, s->fd, &ev) < 0)
		return -errno;
	s->registered = true;
	return 0;
}

/* Gives s the fd it owns, just created (fd < 0: the creating call failed,
 * errno says why), and watches it for EPOLLIN. On failure the fd is closed
 * and the error explained; the caller frees s. */
int evm_source_own_fd(evm_source *s, int fd, const char *what)
{
	int r;

	if (fd < 0) {
		r = -errno;
		return evm_set_error(s->loop, r, "%s: %s%s", what, strerror(-r),
				     r == -EPERM && strstr(what, "_ALARM") ?
				     " (alarm clocks need CAP_WAKE_ALARM)" : "");
	}
	s->fd = fd;
	r = evm_epoll_sync(s, EPOLLIN);
	if (r < 0) {
		close(fd);
		s->fd = -1;
		return evm_set_error(s->loop, r, "epoll_ctl(%s): %s", what, strerror(-r));
	}
	return 0;
}

/* Enables or disables a source whose fd is watched directly. */
int evm_fd_set_enabled(evm_source *s, int mode, uint32_t events)
{
	int old = s->enabled, r;

	s->enabled = (uint8_t)mode;
	r = evm_epoll_sync(s, events);
	if (r < 0) {
		s->enabled = (uint8_t)old;
		return evm_set_error(s->loop, r, "epoll_ctl(fd %d): %s", s->fd, strerror(-r));
	}
	return 0;
}

int evm_fd_in_set_enabled(evm_source *s, int mode, int bell)
{
	int r = evm_fd_set_enabled(s, mode, EPOLLIN);

	if (r == 0 && mode != EVM_OFF && bell >= 0)
		(void)evm_write_u64(bell, 1);
	return r;
}

/* In a child after fork: the fd is a copy; closing it leaves the parent's
 * epoll registration alone (the open file stays in the parent). */
void evm_fd_after_fork(evm_source *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

void evm_epoll_del(evm_source *s)
{
	if (s->registered) {
		epoll_ctl(s->loop->epfd, EPOLL_CTL_DEL, s->fd, NULL);
		s->registered = false;
	}
}

/* For the fds the loop owns: remove from epoll explicitly (a copy of the
 * fd in a child process would keep the registration alive), then close. */
void evm_close_fd(evm_source *s)
{
	evm_epoll_del(s);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

evm_source *evm_source_free(evm_source *s)
{
	evm_loop *l;

	if (!s || s->dead)
		return NULL;
	l = s->loop;
	if (evm_forked(l))
		return NULL; /* the child frees everything with evm_loop_free() */

	if (evm_ops(s)->release)
		evm_ops(s)->release(s);
	s->enabled = EVM_OFF;
	s->dead = true;
	if (l->dispatching) {
		/* Events of this iteration may still point at s: keep the
		 * memory until the iteration ends. */
		s->link = l->zombies; /* dead: userdata's place is free */
		l->zombies = s;
	} else {
		if (evm_ops(s)->reap)
			evm_ops(s)->reap(s);
		evm_pool_put(l, s);
	}
	return NULL;
}

int evm_source_set_enabled(evm_source *s, enum evm_enabled mode)
{
	EVM_CHECK_SOURCE(s);
	if (mode != EVM_OFF && mode != EVM_ON && mode != EVM_ONESHOT)
		return evm_set_error(s->loop, -EINVAL, "evm_source_set_enabled: bad mode %d",
				     (int)mode);
	if (s->enabled == mode)
		return 0;
	return evm_ops(s)->set_enabled(s, mode);
}

int evm_source_get_enabled(const evm_source *s)
{
	EVM_CHECK_SOURCE(s);
	return s->enabled;
}

enum evm_source_kind evm_source_get_kind(const evm_source *s)
{
	if (!s)
		return (enum evm_source_kind)-EINVAL;
	return (enum evm_source_kind)s->kind;
}

void *evm_source_get_userdata(const evm_source *s)
{
	return s ? s->userdata : NULL;
}

evm_loop *evm_source_get_loop(const evm_source *s)
{
	return s ? s->loop : NULL;
}

int evm_source_get_fd(const evm_source *s)
{
	EVM_CHECK_SOURCE(s);
	if (evm_ops(s)->get_fd)
		return evm_ops(s)->get_fd(s);
	if (s->fd < 0)
		return -EINVAL;
	return s->fd;
}

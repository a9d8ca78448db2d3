// SPDX-License-Identifier: MIT
/*
 * libevm timers on timerfd.
 *
 * Shared timers: one min-heap of timers per clock. A timer keeps its heap
 * index, so removal and re-arming are O(log n).
 *
 * CLOCK_MONOTONIC, where the kernel has epoll_pwait2 (Linux 5.11): no
 * timerfd at all. Before it blocks, the loop reads the clock and waits
 * with epoll_pwait2's nanosecond timeout until the heap top; after the
 * wait it reads the clock once and runs every timer that is due. One
 * system call per iteration, whatever the number of distinct expiries
 * (a timerfd costs a timerfd_settime for each new earliest expiry: a
 * million timers a microsecond apart cost a million of them). The kernel
 * ends such a wait within its timer slack of the timeout (50 us, or
 * 0.1% of the timeout when that is more: the same as epoll_wait's
 * millisecond timeout), never before it.
 *
 * The other clocks, and CLOCK_MONOTONIC on kernels without epoll_pwait2
 * (or with EVM_NO_EPOLL_PWAIT2 set, evm.h): one timerfd per clock, armed
 * (absolute) for the heap top, re-armed once per iteration before the loop
 * blocks and only when the top changed; a million timers cost one fd.
 *
 * Arming a relative timer reads no clock: the timer waits on its clock's
 * relative list, s->timer.next holding the value, until one clock read,
 * taken after every call on the list, gives them all their base (before
 * the loop waits, or when one of them is read back, moved or freed):
 * never early, one clock read per iteration however many are armed.
 *
 * A periodic timer that fires late reports 1 + elapsed / interval
 * expirations and moves on by as many periods.
 *
 * Dedicated timers (EVM_TIMER_DEDICATED, implied by EVM_TIMER_CANCEL_ON_SET)
 * own a timerfd armed with the timer's own value and interval: the
 * expiration count is the kernel's, read from the timerfd.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "evm-private.h"

#define NSEC 1000000000ull
#define EVM_TIMER_INTERVAL_MAX (1ull << 62) /* evm.h: at most 2^62 ns */

static int evm_clk_idx(clockid_t clock)
{
	switch (clock) {
	case CLOCK_MONOTONIC:
		return EVM_CLK_MONOTONIC;
	case CLOCK_REALTIME:
		return EVM_CLK_REALTIME;
	case CLOCK_BOOTTIME:
		return EVM_CLK_BOOTTIME;
	case CLOCK_REALTIME_ALARM:
		return EVM_CLK_REALTIME_ALARM;
	case CLOCK_BOOTTIME_ALARM:
		return EVM_CLK_BOOTTIME_ALARM;
	}
	return -1;
}

static const clockid_t evm_clk_ids[EVM_CLK_MAX] = {
	CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME,
	CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM,
};

static const char *const evm_clk_names[EVM_CLK_MAX] = {
	"CLOCK_MONOTONIC", "CLOCK_REALTIME", "CLOCK_BOOTTIME",
	"CLOCK_REALTIME_ALARM", "CLOCK_BOOTTIME_ALARM",
};

/* A shared timer's clock; NULL for a dedicated one. */
static inline struct evm_clock *evm_timer_clk(const evm_source *s)
{
	if (s->timer.flags & EVM_TIMER_DEDICATED)
		return NULL;
	return s->loop->clocks[s->timer.clk_idx];
}

static struct timespec evm_ts(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / NSEC), .tv_nsec = (long)(ns % NSEC) };

	return ts;
}

/* "Now" on a timer clock (the alarm clocks read as their base clocks). */
static uint64_t evm_timer_now(int idx)
{
	return evm_clock_read(evm_clk_ids[idx]);
}

/* ---- the heap ---------------------------------------------------------------
 *
 * A 4-ary min-heap of (expiry, timer) entries: half the depth of a binary
 * heap, and the four children of a node share one 64-byte cache line (the
 * array is aligned so that heap[1] starts a line). A million timers fire
 * with about ten cache lines touched per removal.
 *
 * Adding a timer only links it to the clock's pending list (room in the
 * array is reserved). The heap is settled before its order matters (the
 * top is read, before the loop waits or fires, or an entry is removed or
 * moved): the pending timers are written into the array; a few are sifted
 * up one by one, many (more than half the heap) are merged by rebuilding
 * the heap bottom-up (Floyd), which moves entries within the array only.
 * So arming a million timers writes each source once and nothing else,
 * and the heap is built in linear time when the loop next waits, instead
 * of a million sift-ups that each write into the sources they move.
 *
 * After such a rebuild the sources' heap indices are left stale
 * (c->stale): firing only ever takes the top, so the heap's moves write
 * the array alone, not the (randomly placed) source of every entry they
 * move (about ten per removal from a million). The first removal or move
 * of a timer that is not the top records every index in one pass, and
 * the heap keeps them from then on.
 */

#define EVM_HEAP_D      4
#define EVM_HEAP_ALIGN  64
#define EVM_HEAP_PAD    (EVM_HEAP_ALIGN / sizeof(struct evm_hent) - 1)

/* The heap top may have changed: a timerfd clock re-arms before blocking
 * (the waited clock computes its timeout on every iteration anyway). */
static inline void evm_clock_touch(struct evm_clock *c)
{
	if (!c->waited)
		c->dirty = c->base.loop->clocks_dirty = true;
}

static inline void evm_heap_put(struct evm_clock *c, uint32_t i, struct evm_hent e)
{
	c->heap[i] = e;
	if (!c->stale)
		e.s->timer.heap_idx = i;
}

/* Records every entry's index in its source (they were stale). */
static void evm_heap_index(struct evm_clock *c)
{
	uint32_t i;

	for (i = 0; i < c->n; i++)
		c->heap[i].s->timer.heap_idx = i;
	c->stale = false;
}

static void evm_heap_up(struct evm_clock *c, uint32_t i)
{
	struct evm_hent e = c->heap[i];

	while (i > 0) {
		uint32_t p = (i - 1) / EVM_HEAP_D;

		if (c->heap[p].at <= e.at)
			break;
		evm_heap_put(c, i, c->heap[p]);
		i = p;
	}
	evm_heap_put(c, i, e);
}

/* index: record each moved entry's index in its source (always, except
 * in the bottom-up rebuild, which records them all after) */
static inline __attribute__((always_inline)) void
evm_heap_sift_down(struct evm_clock *c, uint32_t i, bool index)
{
	struct evm_hent e = c->heap[i];

	for (;;) {
		uint32_t first = EVM_HEAP_D * i + 1, end, j, m;

		if (first >= c->n)
			break;
		end = c->n - first > EVM_HEAP_D ? first + EVM_HEAP_D : c->n;
		m = first;
		for (j = first + 1; j < end; j++)
			if (c->heap[j].at < c->heap[m].at)
				m = j;
		if (c->heap[m].at >= e.at)
			break;
		if (index)
			evm_heap_put(c, i, c->heap[m]);
		else
			c->heap[i] = c->heap[m];
		i = m;
	}
	if (index)
		evm_heap_put(c, i, e);
	else
		c->heap[i] = e;
}

static void evm_heap_down(struct evm_clock *c, uint32_t i)
{
	evm_heap_sift_down(c, i, true);
}

/* Grows the heap with realloc: a large array is an mmap that the kernel
 * moves (mremap) instead of copying, so growing neither copies nor faults
 * in the entries again (a million timers: 16 MB). The new half is faulted
 * in when the pending timers are written into it (evm_heap_settle_slow). */
static __attribute__((noinline, cold)) int evm_heap_grow(struct evm_clock *c)
{
	uint32_t cap = c->cap ? c->cap * 2 : 64;
	size_t old_off = (size_t)((char *)c->heap - (char *)c->heap_mem), off, size;
	char *mem;

	if (cap >= EVM_HEAP_NONE / EVM_HEAP_D)
		return -ENOMEM;
	size = (cap + EVM_HEAP_PAD) * sizeof(struct evm_hent);
	mem = realloc(c->heap_mem, size);
	if (!mem)
		return -ENOMEM;
	/* heap = mem + up to PAD entries, so that heap[1] is line-aligned */
	off = (EVM_HEAP_ALIGN - sizeof(struct evm_hent) -
	       (uintptr_t)mem % EVM_HEAP_ALIGN) % EVM_HEAP_ALIGN;
	if (off != old_off && c->n)
		memmove(mem + off, mem + old_off, c->n * sizeof(struct evm_hent));
	c->heap_mem = mem;
	c->heap = (struct evm_hent *)(mem + off);
	c->cap = cap;
	return 0;
}

/* Settles the heap; with rel, first gives the relative timers armed since
 * the clock was last read their base: now, a clock read taken after every
 * one of those calls (so none of them can be early). */
static void evm_heap_settle_slow(struct evm_clock *c, bool rel, uint64_t now)
{
	uint32_t add = c->npending + (rel ? c->nrel : 0), i, k;
	evm_source *s;

	/* many: fault their part of the array in at once */
	if ((size_t)add * sizeof(struct evm_hent) >= EVM_POPULATE_MIN)
		evm_populate(&c->heap[c->n], (size_t)add * sizeof(struct evm_hent));
	/* the lists are newest first: write them back to front, so that the
	 * array holds them in the order they were added (timers due at the
	 * same time then fire in that order) */
	i = c->n + add;
	if (rel) {
		for (s = c->rel; s; s = s->timer.pending) {
			uint64_t v = s->timer.next;

			/* (v <= 2^62, evm_timer_check: saturating is a guard) */
			s->timer.next = v > (uint64_t)INT64_MAX - now ? (uint64_t)INT64_MAX : now + v;
			c->heap[--i] = (struct evm_hent){ .at = s->timer.next, .s = s };
			s->timer.heap_idx = i;
		}
		c->rel = NULL;
		c->nrel = 0;
	}
	for (s = c->pending; s; s = s->timer.pending) {
		c->heap[--i] = (struct evm_hent){ .at = s->timer.next, .s = s };
		s->timer.heap_idx = i;
	}
	c->n += add;
	c->pending = NULL;
	c->npending = 0;
	k = c->n - c->heaped;

	if (c->n >= 2 && k > c->heaped / 2) {
		for (i = (c->n - 2) / EVM_HEAP_D + 1; i-- > 0;)
			evm_heap_sift_down(c, i, false);
		c->stale = true;
	} else {
		for (i = c->heaped; i < c->n; i++)
			evm_heap_up(c, i);
	}
	c->heaped = c->n;
}

/* Settles the heap: the relative timers not yet given a base stay aside
 * (none of them can be due before the clock is read again). */
static inline void evm_heap_settle(struct evm_clock *c)
{
	if (EVM_UNLIKELY(c->pending || c->heaped != c->n))
		evm_heap_settle_slow(c, false, 0);
}

/* Settles the heap with the relative timers too, their base now (a clock
 * read taken after they were armed). */
static inline void evm_heap_settle_at(struct evm_clock *c, uint64_t now)
{
	if (c->nrel)
		evm_heap_settle_slow(c, true, now);
	else
		evm_heap_settle(c);
}

/* The same, reading the clock for them if there are any. */
static void evm_heap_settle_all(struct evm_clock *c)
{
	evm_heap_settle_at(c, c->nrel ? evm_clock_read(c->clockid) : 0);
}

/* Adding only links the timer to one of the clock's lists (room in the
 * array is reserved now, so settling never fails): the source is the only
 * memory arming writes. rel: s->timer.next is relative to a clock read
 * still to come (evm_heap_settle_slow). */
static inline int evm_heap_insert(struct evm_clock *c, evm_source *s, bool rel)
{
	if (EVM_UNLIKELY(c->n + c->npending + c->nrel == c->cap) && evm_heap_grow(c) < 0)
		return -ENOMEM;
	if (rel) {
		s->timer.heap_idx = EVM_HEAP_REL;
		s->timer.pending = c->rel;
		c->rel = s;
		c->nrel++;
	} else {
		s->timer.heap_idx = EVM_HEAP_PENDING;
		s->timer.pending = c->pending;
		c->pending = s;
		c->npending++;
	}
	evm_clock_touch(c); /* it may be the new top */
	return 0;
}

/* Re-places entry i after its key changed, or after another was moved in. */
static void evm_heap_fix(struct evm_clock *c, uint32_t i)
{
	if (i > 0 && c->heap[i].at < c->heap[(i - 1) / EVM_HEAP_D].at)
		evm_heap_up(c, i);
	else
		evm_heap_down(c, i);
}

static void evm_heap_remove(struct evm_clock *c, evm_source *s)
{
	uint32_t i = s->timer.heap_idx;

	if (i == EVM_HEAP_NONE)
		return;
	if (i == EVM_HEAP_REL)
		evm_heap_settle_all(c); /* one list: give them all their base */
	else
		evm_heap_settle(c);
	if (c->stale)
		evm_heap_index(c);
	i = s->timer.heap_idx;
	s->timer.heap_idx = EVM_HEAP_NONE;
	if (i == 0)
		evm_clock_touch(c);
	c->heaped = --c->n;
	if (c->n == i)
		return;
	evm_heap_put(c, i, c->heap[c->n]);
	evm_heap_fix(c, i);
}

/* Removes the top (settled heap). */
static void evm_heap_pop(struct evm_clock *c)
{
	c->heap[0].s->timer.heap_idx = EVM_HEAP_NONE;
	evm_clock_touch(c);
	c->heaped = --c->n;
	if (c->n) {
		evm_heap_put(c, 0, c->heap[c->n]);
		evm_heap_down(c, 0);
		/* the next to fire (the top, then one of its children): their
		 * sources are read and written then */
		__builtin_prefetch(c->heap[0].s, 1);
		for (uint32_t j = 1; j <= EVM_HEAP_D && j < c->n; j++)
			__builtin_prefetch(c->heap[j].s, 1);
	}
}

/* The timer's expiry (s->timer.next) changed while in the heap. */
static void evm_heap_update(struct evm_clock *c, evm_source *s)
{
	evm_heap_settle(c); /* (s is not on the relative list: evm_timer_set) */
	if (c->stale)
		evm_heap_index(c);
	c->heap[s->timer.heap_idx].at = s->timer.next;
	evm_heap_fix(c, s->timer.heap_idx);
	evm_clock_touch(c);
}

/* ---- clocks ---------------------------------------------------------------- */

static int evm_clock_get(evm_loop *l, int idx, struct evm_clock **ret)
{
	struct evm_clock *c = l->clocks[idx];
	char what[48];
	int r;

	if (c) {
		*ret = c;
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->base.loop = l;
	c->base.kind = EVM_KIND_CLOCK;
	c->base.enabled = EVM_ON;
	c->base.fd = -1;
	c->clockid = evm_clk_ids[idx];
	if (idx == EVM_CLK_MONOTONIC && l->pwait2) {
		/* waited through epoll_pwait2's timeout: no timerfd */
		c->waited = true;
		l->wait_clock = c;
		l->clocks[idx] = c;
		*ret = c;
		return 0;
	}
	snprintf(what, sizeof(what), "timerfd_create(%s)", evm_clk_names[idx]);
	r = evm_source_own_fd(&c->base, timerfd_create(c->clockid, TFD_NONBLOCK | TFD_CLOEXEC),
			      what);
	if (r < 0) {
		free(c);
		return r;
	}
	l->clocks[idx] = c;
	*ret = c;
	return 0;
}

/* slack: wake at the end of the slack-aligned window holding t, so that
 * the timers of one window share a wakeup */
static inline uint64_t evm_slack_align(const evm_loop *l, uint64_t t)
{
	if (l->timer_slack > 1)
		t += (l->timer_slack - t % l->timer_slack) % l->timer_slack;
	return t;
}

/* Settling more than this many timers may take microseconds: the time
 * read before it is then read again for the timeout. */
#define EVM_SETTLE_REREAD 16u

/* Before blocking, the waited clock: how long the loop may wait, at most
 * timeout_ns (negative: no limit), for its heap top. A top already due:
 * 0, and the clock is marked to run after the (polling) wait. *now gets
 * the time read, or 0 if none was. The relative timers armed since the
 * last wait get their base from the same read (one clock read per
 * iteration, however many were armed). */
int64_t evm_wait_clock_timeout(evm_loop *l, int64_t timeout_ns, uint64_t *now)
{
	struct evm_clock *c = l->wait_clock;
	uint64_t want, t;

	*now = 0;
	if (!c->n && !c->pending && !c->nrel)
		return timeout_ns;
	if (c->nrel) {
		bool many = c->nrel + c->npending > EVM_SETTLE_REREAD;

		t = evm_clock_read(CLOCK_MONOTONIC);
		evm_heap_settle_slow(c, true, t);
		if (many)
			t = evm_clock_read(CLOCK_MONOTONIC);
	} else {
		evm_heap_settle(c);
		t = evm_clock_read(CLOCK_MONOTONIC);
	}
	*now = t;
	want = evm_slack_align(l, c->heap[0].at);
	if (want <= t) {
		c->due = true;
		return 0;
	}
	t = want - t;
	if (timeout_ns >= 0 && (uint64_t)timeout_ns < t)
		return timeout_ns;
	return t > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)t;
}

/* Before a wait that polls (timeout 0, evm.c): the relative timers armed
 * since the last wait get their base now, so that the loop can find them
 * due (a loop that never blocks still fires them). */
void evm_wait_clock_settle(evm_loop *l)
{
	if (l->wait_clock->nrel)
		evm_heap_settle_all(l->wait_clock);
}

/* Before blocking: point each shared timerfd at its heap top. A top that
 * is already due is not given to the timerfd: arming a timerfd in the past
 * makes the kernel expire it inside timerfd_settime, which costs tens of
 * microseconds on a virtual machine (measured: ~35 us against ~0.5 us for a
 * future time), and a busy loop would pay it on every iteration. The loop
 * polls instead and runs the due timers itself (evm_clocks_dispatch_due). */
int evm_clocks_arm(evm_loop *l)
{
	struct itimerspec its = { 0 };
	int i;

	l->clocks_dirty = false;
	for (i = 0; i < EVM_CLK_MAX; i++) {
		struct evm_clock *c = l->clocks[i];
		uint64_t top, want;

		if (!c || !c->dirty || c->waited)
			continue;
		c->dirty = false;
		evm_heap_settle_all(c);
		top = c->n ? c->heap[0].at : 0;
		want = top ? evm_slack_align(l, top) : 0;
		if (want == c->armed)
			continue;
		if (top && top <= evm_timer_now(i)) {
			c->due = l->clocks_due = true;
			continue;
		}
		its.it_value = evm_ts(want);
		if (timerfd_settime(c->base.fd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
			c->dirty = l->clocks_dirty = true;
			return evm_set_error(l, -errno, "timerfd_settime(%s): %s",
					     evm_clk_names[i], strerror(errno));
		}
		c->armed = want;
	}
	return 0;
}

static void evm_clocks_free(evm_loop *l)
{
	int i;

	for (i = 0; i < EVM_CLK_MAX; i++) {
		struct evm_clock *c = l->clocks[i];

		if (!c)
			continue;
		if (evm_forked(l))
			evm_fd_after_fork(&c->base);
		else
			evm_close_fd(&c->base);
		free(c->heap_mem);
		free(c);
		l->clocks[i] = NULL;
	}
	l->wait_clock = NULL;
}

static int evm_timer_call(evm_source *s, int fd, uint64_t expirations, int error)
{
	evm_loop *l = s->loop;
	int r;

	EVM_PROBE_BEGIN(l, EVM_SOURCE_TIMER, fd);
	r = s->cb.timer(s, expirations, error, s->userdata);
	EVM_PROBE_END(l, EVM_SOURCE_TIMER, fd);
	return r;
}

/* The shared timerfd of a clock fired (fd_ready), or its top was found
 * due before blocking: run every timer that is due. */
int evm_clock_dispatch(struct evm_clock *c, bool fd_ready)
{
	evm_loop *l = c->base.loop;
	uint64_t x, now;
	int r;

	if (fd_ready) {
		(void)evm_read_u64(c->base.fd, &x);
		c->armed = 0; /* expired: a one-shot timerfd is disarmed now */
	}
	c->due = false;
	evm_clock_touch(c);
	if (evm_loop_now(l, c->clockid, &now) < 0)
		now = evm_clock_read(c->clockid);

	for (;;) {
		evm_source *s;
		uint64_t exp = 1;

		evm_heap_settle(c); /* a callback may have added timers */
		if (!c->n || c->heap[0].at > now)
			break;
		s = c->heap[0].s;
		if (s->timer.interval && s->enabled == EVM_ON) {
			exp += (now - s->timer.next) / s->timer.interval;
			s->timer.next += exp * s->timer.interval;
			c->heap[0].at = s->timer.next;
			evm_heap_down(c, 0);
		} else {
			evm_heap_pop(c);
			s->enabled = EVM_OFF;
		}
		r = evm_timer_call(s, c->base.fd, exp, 0);
		if (r < 0)
			return r;
	}
	return 0;
}

/* After the epoll batch: the waited clock, if its top is due now, and the
 * timerfd clocks whose top was due before blocking (and that their timerfd
 * did not already bring). Returns how many clocks ran. */
int evm_clocks_dispatch_due(evm_loop *l)
{
	struct evm_clock *w = l->wait_clock;
	int i, r, n = 0;
	uint64_t now;

	if (w && (w->n || w->pending) && !w->due) {
		if (evm_loop_now(l, CLOCK_MONOTONIC, &now) < 0)
			now = evm_clock_read(CLOCK_MONOTONIC);
		evm_heap_settle(w);
		w->due = w->heap[0].at <= now;
	}
	l->clocks_due = false;
	for (i = 0; i < EVM_CLK_MAX; i++) {
		struct evm_clock *c = l->clocks[i];

		if (!c || !c->due)
			continue;
		r = evm_clock_dispatch(c, false);
		if (r < 0)
			return r;
		n++;
	}
	return n;
}

/* A dedicated timerfd: (re-)arm it from s->timer.next / interval. */
static int evm_timer_arm_dedicated(evm_source *s)
{
	struct itimerspec its = { 0 };
	int flags = TFD_TIMER_ABSTIME;

	if (s->enabled != EVM_OFF) {
		its.it_value = evm_ts(s->timer.next);
		if (s->enabled == EVM_ON)
			its.it_interval = evm_ts(s->timer.interval);
		if (s->timer.flags & EVM_TIMER_CANCEL_ON_SET)
			flags |= TFD_TIMER_CANCEL_ON_SET;
	}
	if (timerfd_settime(s->fd, flags, &its, NULL) < 0)
		return -errno;
	return 0;
}

int evm_timer_dispatch(evm_source *s)
{
	uint64_t x;
	int r;

	r = evm_read_u64(s->fd, &x);
	if (r == -EAGAIN)
		return 0;
	if (r == -ECANCELED) {
		/* The clock was set: re-arm for the same absolute time (the
		 * read cleared the condition), then tell the callback. */
		r = evm_timer_arm_dedicated(s);
		if (r < 0)
			return evm_set_error(s->loop, r, "timerfd_settime: %s", strerror(-r));
		return evm_timer_call(s, s->fd, 0, -ECANCELED);
	}
	if (r < 0)
		return evm_set_error(s->loop, r, "timerfd read: %s", strerror(-r));
	if (s->timer.interval)
		s->timer.next += x * s->timer.interval;
	/* One-shot timers and EVM_ONESHOT mode: the kernel disarmed it. */
	if (!s->timer.interval || s->enabled != EVM_ON)
		s->enabled = EVM_OFF;
	return evm_timer_call(s, s->fd, x, 0);
}

/* Puts the timer where its state says: heap or dedicated timerfd (its
 * s->timer.next, absolute, or on the relative list). */
static int evm_timer_apply(evm_source *s)
{
	struct evm_clock *c = evm_timer_clk(s);

	if (!c)
		return evm_timer_arm_dedicated(s);
	if (s->enabled == EVM_OFF) {
		evm_heap_remove(c, s);
		return 0;
	}
	if (s->timer.heap_idx == EVM_HEAP_REL)
		return 0; /* waits for its base, expiry unchanged */
	if (s->timer.heap_idx == EVM_HEAP_NONE)
		return evm_heap_insert(c, s, false);
	evm_heap_update(c, s);
	return 0;
}

#define EVM_TIMER_FLAGS (EVM_TIMER_ABSOLUTE | EVM_TIMER_DEDICATED | EVM_TIMER_CANCEL_ON_SET)

/* Values up to this are relative to a clock read after the call (no
 * clock read per timer): a clock below 2^62 ns (year 2116 on
 * CLOCK_REALTIME) plus one cannot overflow an int64_t. */
#define EVM_TIMER_REL_MAX (1ull << 62)

/* Checks the arguments; *next: the absolute expiry they ask for, or, with
 * *rel set (a relative shared timer), value_ns: relative to a clock read
 * still to come, taken once for all the timers armed meanwhile (before the
 * loop next waits, or when one of them is read or moved). */
static inline __attribute__((always_inline)) int
evm_timer_check(evm_loop *l, int idx, uint64_t value_ns, uint64_t interval_ns,
		unsigned flags, uint64_t *next, bool *rel)
{
	uint64_t now = 0;

	*rel = !(flags & (EVM_TIMER_ABSOLUTE | EVM_TIMER_DEDICATED)) &&
	       value_ns <= EVM_TIMER_REL_MAX;
	if (!*rel && !(flags & EVM_TIMER_ABSOLUTE))
		now = evm_timer_now(idx);
	if (flags & ~(unsigned)EVM_TIMER_FLAGS)
		return evm_set_error(l, -EINVAL, "timer: unknown flags 0x%x", flags);
	if (!value_ns)
		return evm_set_error(l, -EINVAL, "timer: value_ns must be > 0");
	if ((flags & EVM_TIMER_CANCEL_ON_SET) &&
	    (!(flags & EVM_TIMER_ABSOLUTE) ||
	     (idx != EVM_CLK_REALTIME && idx != EVM_CLK_REALTIME_ALARM)))
		return evm_set_error(l, -EINVAL, "timer: EVM_TIMER_CANCEL_ON_SET needs "
				     "EVM_TIMER_ABSOLUTE on CLOCK_REALTIME(_ALARM)");
	if (value_ns > (uint64_t)INT64_MAX - now)
		return evm_set_error(l, -EINVAL, "timer: value_ns out of range");
	if (interval_ns > EVM_TIMER_INTERVAL_MAX)
		return evm_set_error(l, -EINVAL, "timer: interval_ns out of range");
	*next = now + value_ns;
	return 0;
}

int evm_add_timer(evm_loop *l, evm_source **ret, clockid_t clock,
		  uint64_t value_ns, uint64_t interval_ns, unsigned flags,
		  evm_timer_cb cb, void *userdata)
{
	struct evm_clock *c = NULL;
	uint64_t next = 0;
	evm_source *s;
	int idx, r;
	bool rel;

	EVM_CHECK_LOOP(l);
	if (!cb)
		return evm_set_error(l, -EINVAL, "evm_add_timer: NULL callback");
	idx = evm_clk_idx(clock);
	if (idx < 0)
		return evm_set_error(l, -EINVAL, "evm_add_timer: clock %d not supported "
				     "(CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME or "
				     "their _ALARM variants)", (int)clock);
	if (flags & EVM_TIMER_CANCEL_ON_SET)
		flags |= EVM_TIMER_DEDICATED;
	r = evm_timer_check(l, idx, value_ns, interval_ns, flags, &next, &rel);
	if (r < 0)
		return r;

	s = evm_source_alloc(l);
	if (!s)
		return -ENOMEM;
	/* one store of the whole line */
	*s = (evm_source){ .loop = l, .userdata = userdata, .fd = -1,
			   .kind = EVM_SOURCE_TIMER, .enabled = EVM_ON,
			   .cb.timer = cb,
			   .timer = { .next = next, .interval = interval_ns,
				      .heap_idx = EVM_HEAP_NONE, .clk_idx = (uint8_t)idx,
				      .flags = (uint8_t)flags } };

	if (flags & EVM_TIMER_DEDICATED) {
		char what[48];

		snprintf(what, sizeof(what), "timerfd_create(%s)", evm_clk_names[idx]);
		r = evm_source_own_fd(s, timerfd_create(clock, TFD_NONBLOCK | TFD_CLOEXEC), what);
		if (r < 0) {
			evm_source_destroy(s);
			return r;
		}
		r = evm_timer_arm_dedicated(s);
		if (r < 0) {
			evm_close_fd(s);
			evm_source_destroy(s);
			return evm_set_error(l, r, "timerfd_settime: %s", strerror(-r));
		}
	} else {
		r = evm_clock_get(l, idx, &c);
		if (r < 0) {
			evm_source_destroy(s);
			return r;
		}
		r = evm_heap_insert(c, s, rel);
		if (r < 0) {
			evm_source_destroy(s);
			return evm_set_error(l, r, "evm_add_timer: %s", strerror(-r));
		}
	}
	if (ret)
		*ret = s;
	return 0;
}

int evm_timer_set(evm_source *s, uint64_t value_ns, uint64_t interval_ns,
		  unsigned flags)
{
	struct evm_clock *c;
	uint64_t next = 0;
	bool rel;
	int r;

	EVM_CHECK_SOURCE(s);
	if (s->kind != EVM_SOURCE_TIMER)
		return evm_set_error(s->loop, -EINVAL, "evm_timer_set: not a timer");
	/* DEDICATED and CANCEL_ON_SET stay as they were created. */
	flags &= ~(unsigned)(EVM_TIMER_DEDICATED | EVM_TIMER_CANCEL_ON_SET);
	flags |= s->timer.flags & (EVM_TIMER_DEDICATED | EVM_TIMER_CANCEL_ON_SET);
	r = evm_timer_check(s->loop, s->timer.clk_idx, value_ns, interval_ns, flags, &next, &rel);
	if (r < 0)
		return r;
	c = evm_timer_clk(s);
	if (c && rel && s->timer.heap_idx != EVM_HEAP_REL) {
		/* out of the heap, onto the relative list */
		evm_heap_remove(c, s);
		s->timer.next = next;
		r = evm_heap_insert(c, s, true);
	} else {
		/* absolute, out of the relative list first */
		if (c && !rel && s->timer.heap_idx == EVM_HEAP_REL)
			evm_heap_settle_all(c);
		s->timer.next = next;
		r = 0;
	}
	s->timer.interval = interval_ns;
	s->timer.flags = (uint8_t)flags;
	if (s->enabled == EVM_OFF)
		s->enabled = EVM_ON;
	if (r == 0)
		r = evm_timer_apply(s);
	if (r < 0)
		return evm_set_error(s->loop, r, "evm_timer_set: %s", strerror(-r));
	return 0;
}

int evm_timer_get_next(const evm_source *s, uint64_t *ret_ns)
{
	EVM_CHECK_SOURCE(s);
	if (s->kind != EVM_SOURCE_TIMER || !ret_ns)
		return -EINVAL;
	/* armed relative since the clock was last read: read it now */
	if (s->timer.heap_idx == EVM_HEAP_REL)
		evm_heap_settle_all(evm_timer_clk(s));
	*ret_ns = s->timer.next;
	return 0;
}

static int evm_timer_set_enabled(evm_source *s, int mode)
{
	int old = s->enabled, r;

	s->enabled = (uint8_t)mode;
	r = evm_timer_apply(s);
	if (r < 0) {
		s->enabled = (uint8_t)old;
		(void)evm_timer_apply(s);
		return evm_set_error(s->loop, r, "timer: %s", strerror(-r));
	}
	return 0;
}

static void evm_timer_release(evm_source *s)
{
	struct evm_clock *c = evm_timer_clk(s);

	if (!c)
		evm_close_fd(s);
	else if (!s->loop->freeing)
		evm_heap_remove(c, s);
	else /* the whole heap goes in loop_free: no need to keep it in order */
		s->timer.heap_idx = EVM_HEAP_NONE;
}

static void evm_timer_after_fork(evm_source *s)
{
	if (evm_timer_clk(s))
		s->timer.heap_idx = EVM_HEAP_NONE; /* the heap goes in loop_free */
	else
		evm_fd_after_fork(s);
}

/* A timer on the waited clock has no fd of its own: the loop's epoll fd,
 * whose wait carries its timeout. */
static int evm_timer_get_fd(const evm_source *s)
{
	struct evm_clock *c = evm_timer_clk(s);

	if (!c)
		return s->fd;
	return c->waited ? s->loop->epfd : c->base.fd;
}

const struct evm_source_ops evm_timer_ops = {
	.release = evm_timer_release,
	.set_enabled = evm_timer_set_enabled,
	.after_fork = evm_timer_after_fork,
	.get_fd = evm_timer_get_fd,
	.loop_free = evm_clocks_free,
};

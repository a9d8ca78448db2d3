// SPDX-License-Identifier: MIT
/*
 * libevm: loop, io, notify, hooks, exit codes, freeing inside callbacks,
 * cached now, embedding, bad arguments, fork.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "evm_test.h"

struct rec {
	int calls;
	uint32_t revents;
	uint64_t sum;
	int ret;             /* what the callback returns */
	evm_source *to_free; /* a source the callback frees */
	bool free_self;
};

static int io_cb(evm_source *s, int fd, uint32_t revents, void *ud)
{
	struct rec *r = ud;
	char buf[64];

	if (revents & EPOLLIN)
		(void)!read(fd, buf, sizeof(buf));
	r->calls++;
	r->revents = revents;
	if (r->to_free)
		r->to_free = evm_source_free(r->to_free);
	if (r->free_self)
		evm_source_free(s);
	return r->ret;
}

static int notify_cb(evm_source *s, uint64_t v, void *ud)
{
	struct rec *r = ud;

	r->calls++;
	r->sum += v;
	if (r->free_self)
		evm_source_free(s);
	return r->ret;
}

static int hook_cb(evm_source *s, void *ud)
{
	struct rec *r = ud;

	r->calls++;
	if (r->free_self)
		evm_source_free(s);
	return r->ret;
}

static void pipe_ok(int p[2])
{
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
}

static void pipe_close(int p[2])
{
	close(p[0]);
	close(p[1]);
}

/* ---- bad arguments ------------------------------------------------------------ */

static int timer_nop(evm_source *s, uint64_t e, int err, void *ud)
{
	(void)s, (void)e, (void)err, (void)ud;
	return 0;
}

static int sig_nop(evm_source *s, const struct signalfd_siginfo *si, void *ud)
{
	(void)s, (void)si, (void)ud;
	return 0;
}

static int handler_nop(evm_source *s, const siginfo_t *si, void *ud)
{
	(void)s, (void)si, (void)ud;
	return 0;
}

static void test_bad_args_null(void **state)
{
	evm_loop *l = *state;
	struct rec r = { 0 };
	uint64_t ns;

	(void)l;
	assert_int_equal(evm_loop_new(NULL), -EINVAL);
	assert_null(evm_loop_free(NULL));
	assert_int_equal(evm_loop_run(NULL), -EINVAL);
	assert_int_equal(evm_loop_run_once(NULL, 0), -EINVAL);
	assert_int_equal(evm_loop_exit(NULL, 0), -EINVAL);
	assert_int_equal(evm_loop_exit_async(NULL, 0), -EINVAL);
	assert_int_equal(evm_loop_get_fd(NULL), -EINVAL);
	assert_int_equal(evm_loop_now(NULL, CLOCK_MONOTONIC, &ns), -EINVAL);
	assert_string_equal(evm_loop_error(NULL), "");
	assert_null(evm_source_free(NULL));
	assert_int_equal(evm_source_set_enabled(NULL, EVM_ON), -EINVAL);
	assert_int_equal(evm_source_get_enabled(NULL), -EINVAL);
	assert_int_equal(evm_source_get_fd(NULL), -EINVAL);
	assert_null(evm_source_get_userdata(NULL));
	assert_null(evm_source_get_loop(NULL));
	assert_int_equal(evm_add_io(NULL, NULL, 0, EPOLLIN, io_cb, &r), -EINVAL);
	assert_int_equal(evm_io_set_events(NULL, EPOLLIN), -EINVAL);
	assert_int_equal(evm_add_timer(NULL, NULL, CLOCK_MONOTONIC, 1, 0, 0, timer_nop, NULL), -EINVAL);
	assert_int_equal(evm_timer_set(NULL, 1, 0, 0), -EINVAL);
	assert_int_equal(evm_timer_get_next(NULL, &ns), -EINVAL);
	assert_int_equal(evm_add_signal(NULL, NULL, SIGUSR1, sig_nop, NULL), -EINVAL);
	assert_int_equal(evm_add_handler(NULL, NULL, SIGUSR1, handler_nop, NULL), -EINVAL);
	assert_int_equal(evm_handler_get_dropped(NULL), 0);
	assert_int_equal(evm_add_notify(NULL, NULL, 0, notify_cb, &r), -EINVAL);
	assert_int_equal(evm_notify_post(NULL, 1), -EINVAL);
	assert_int_equal(evm_add_defer(NULL, NULL, hook_cb, &r), -EINVAL);
	assert_int_equal(evm_add_exit(NULL, NULL, hook_cb, &r), -EINVAL);
	assert_int_equal(evm_signals_block(NULL), -EINVAL);
}

static void test_bad_args_values(void **state)
{
	evm_loop *l = *state;
	evm_source *s = NULL, *t = NULL;
	struct rec r = { 0 };
	uint64_t ns;
	int p[2];

	/* NULL callbacks */
	assert_int_equal(evm_add_io(l, NULL, 0, EPOLLIN, NULL, NULL), -EINVAL);
	assert_int_equal(evm_add_timer(l, NULL, CLOCK_MONOTONIC, 1, 0, 0, NULL, NULL), -EINVAL);
	assert_int_equal(evm_add_signal(l, NULL, SIGUSR1, NULL, NULL), -EINVAL);
	assert_int_equal(evm_add_handler(l, NULL, SIGUSR1, NULL, NULL), -EINVAL);
	assert_int_equal(evm_add_notify(l, NULL, 0, NULL, NULL), -EINVAL);
	assert_int_equal(evm_add_defer(l, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(evm_add_exit(l, NULL, NULL, NULL), -EINVAL);
	/* invalid fds */
	assert_int_equal(evm_add_io(l, &s, -1, EPOLLIN, io_cb, &r), -EBADF);
	assert_int_equal(evm_add_io(l, &s, 9999, EPOLLIN, io_cb, &r), -EBADF);
	assert_null(s);
	assert_true(strlen(evm_loop_error(l)) > 0);
	/* a regular file cannot be polled */
	{
		int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

		assert_true(fd >= 0);
		assert_int_equal(evm_add_io(l, &s, fd, EPOLLIN, io_cb, &r), -EPERM);
		close(fd);
	}
	/* the same fd twice */
	pipe_ok(p);
	assert_int_equal(evm_add_io(l, &s, p[0], EPOLLIN, io_cb, &r), 0);
	assert_int_equal(evm_add_io(l, &t, p[0], EPOLLIN, io_cb, &r), -EEXIST);
	assert_int_equal(evm_add_io(l, &t, p[0], EPOLLIN | EPOLLONESHOT, io_cb, &r), -EINVAL);
	/* wrong kind for kind-specific calls */
	assert_int_equal(evm_timer_set(s, 1, 0, 0), -EINVAL);
	assert_int_equal(evm_timer_get_next(s, &ns), -EINVAL);
	assert_int_equal(evm_notify_post(s, 1), -EINVAL);
	assert_int_equal(evm_handler_get_dropped(s), 0);
	assert_int_equal(evm_source_set_enabled(s, (enum evm_enabled)7), -EINVAL);
	assert_int_equal(evm_loop_exit(l, -1), -EINVAL);
	assert_int_equal(evm_loop_exit_async(l, -1), -EINVAL);
	assert_int_equal(evm_loop_now(l, 12345, &ns), -EINVAL);
	assert_int_equal(evm_loop_now(l, CLOCK_MONOTONIC, NULL), -EINVAL);
	/* notify */
	assert_int_equal(evm_add_notify(l, NULL, 0x80, notify_cb, &r), -EINVAL);
	assert_int_equal(evm_add_notify(l, &t, 0, notify_cb, &r), 0);
	assert_int_equal(evm_notify_post(t, 0), -EINVAL);
	evm_source_free(s);
	evm_source_free(t);
	pipe_close(p);
}

/* ---- io ------------------------------------------------------------------------ */

static void test_io_enable_disable_oneshot(void **state)
{
	evm_loop *l = *state;
	struct rec r = { 0 };
	evm_source *s;
	int p[2];

	pipe_ok(p);
	assert_int_equal(evm_add_io(l, &s, p[0], EPOLLIN, io_cb, &r), 0);
	assert_int_equal(evm_source_get_kind(s), EVM_SOURCE_IO);
	assert_int_equal(evm_source_get_fd(s), p[0]);
	assert_ptr_equal(evm_source_get_loop(s), l);
	assert_ptr_equal(evm_source_get_userdata(s), &r);
	assert_int_equal(evm_source_get_enabled(s), EVM_ON);

	assert_int_equal(evm_loop_run_once(l, 0), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(evm_loop_run_once(l, 0), 1);
	assert_int_equal(r.calls, 1);
	assert_true(r.revents & EPOLLIN);

	/* off: nothing dispatched although readable */
	assert_int_equal(evm_source_set_enabled(s, EVM_OFF), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(evm_loop_run_once(l, 0), 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(evm_source_set_enabled(s, EVM_ON), 0);
	assert_int_equal(evm_loop_run_once(l, 0), 1);
	assert_int_equal(r.calls, 2);

	/* oneshot: one dispatch, then off, though still readable */
	assert_int_equal(evm_source_set_enabled(s, EVM_ONESHOT), 0);
	assert_int_equal(write(p[1], "xx", 2), 2);
	{
		char c;

		assert_int_equal(evm_loop_run_once(l, 0), 1);
		assert_int_equal(evm_source_get_enabled(s), EVM_OFF);
		assert_int_equal(write(p[1], "y", 1), 1);
		assert_int_equal(evm_loop_run_once(l, 0), 0);
		assert_int_equal(r.calls, 3);
		/* re-enable after a oneshot fired */
		assert_int_equal(evm_source_set_enabled(s, EVM_ON), 0);
		assert_int_equal(evm_loop_run_once(l, 0), 1);
		assert_int_equal(r.calls, 4);
		assert_int_equal(read(p[0], &c, 1), -1);
	}

	/* set_events: EPOLLOUT on the write end */
	{
		struct rec w = { 0 };
		evm_source *ws;

		assert_int_equal(evm_add_io(l, &ws, p[1], 0, io_cb, &w), 0);
		assert_int_equal(evm_loop_run_once(l, 0), 0);
		assert_int_equal(evm_io_set_events(ws, EPOLLOUT), 0);
		assert_int_equal(evm_loop_run_once(l, 0), 1);
		assert_true(w.revents & EPOLLOUT);
		/* set_events while off keeps it off */
		assert_int_equal(evm_source_set_enabled(ws, EVM_OFF), 0);
		assert_int_equal(evm_io_set_events(ws, EPOLLOUT), 0);
		assert_int_equal(evm_loop_run_once(l, 0), 0);
		evm_source_free(ws);
	}

	/* the loop never closes the user's fd */
	evm_source_free(s);
	assert_int_equal(fcntl(p[0], F_GETFD), FD_CLOEXEC);
	pipe_close(p);
}

/* A callback frees its own source, and another source ready in the same
 * batch: ASan sees any use after free, and the freed one is not called. */
static void test_free_inside_callback(void **state)
{
	evm_loop *l = *state;
	struct rec a = { 0 }, b = { 0 }, n = { .free_self = true },
		   d = { .free_self = true };
	evm_source *sa, *sb, *sn;
	int p[2], q[2];

	pipe_ok(p);
	pipe_ok(q);
	assert_int_equal(evm_add_io(l, &sa, p[0], EPOLLIN, io_cb, &a), 0);
	assert_int_equal(evm_add_io(l, &sb, q[0], EPOLLIN, io_cb, &b), 0);
	a.to_free = sb;
	b.to_free = sa;
	a.free_self = b.free_self = true;
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(write(q[1], "x", 1), 1);
	assert_int_equal(evm_loop_run_once(l, 0), 1);
	assert_int_equal(a.calls + b.calls, 1);

	assert_int_equal(evm_add_notify(l, &sn, 0, notify_cb, &n), 0);
	assert_int_equal(evm_notify_post(sn, 1), 0);
	assert_int_equal(evm_loop_run_once(l, 0), 1);
	assert_int_equal(n.calls, 1);
	assert_int_equal(evm_loop_run_once(l, 0), 0);

	assert_int_equal(evm_add_defer(l, NULL, hook_cb, &d), 0);
	assert_int_equal(evm_loop_run_once(l, 0), 1);
	assert_int_equal(evm_loop_run_once(l, 0), 0);
	assert_int_equal(d.calls, 1);
	pipe_close(p);
	pipe_close(q);
}


/* Source memory is pooled: a source freed inside a callback keeps its
 * memory until the iteration ends (events of the same batch may still
 * point at it), so a source added in that callback gets another slot and
 * is not called for the freed one's event. Later, reused slots come back
 * clean whatever kind they held. */
static struct {
	evm_source *src[2];
	struct rec rec[2];
	evm_source *added, *freed;
	struct rec added_rec;
} fa;

static int free_other_and_add_cb(evm_source *s, uint64_t v, void *ud)
{
	int me = (int)(intptr_t)ud;

	(void)v;
	fa.rec[me].calls++;
	fa.freed = fa.src[!me];
	fa.src[!me] = evm_source_free(fa.src[!me]);
	assert_int_equal(evm_add_notify(evm_source_get_loop(s), &fa.added, 0,
					notify_cb, &fa.added_rec), 0);
	return 0;
}

static int noop_timer_cb(evm_source *s, uint64_t e, int err, void *ud)
{
	(void)s, (void)e, (void)err, (void)ud;
	return 0;
}

static void test_pool_free_then_add_in_callback(void **state)
{
	evm_loop *l = *state;
	struct rec r = { 0 };
	evm_source *s, *me;
	int i, fd;

	memset(&fa, 0, sizeof(fa));
	for (i = 0; i < 2; i++)
		assert_int_equal(evm_add_notify(l, &fa.src[i], 0, free_other_and_add_cb,
						(void *)(intptr_t)i), 0);
	assert_int_equal(evm_notify_post(fa.src[0], 1), 0);
	assert_int_equal(evm_notify_post(fa.src[1], 1), 0);
	assert_int_equal(evm_loop_run_once(l, 0), 1);
	assert_int_equal(fa.rec[0].calls + fa.rec[1].calls, 1);
	me = fa.src[0] ? fa.src[0] : fa.src[1];
	assert_non_null(me);
	assert_non_null(fa.added);
	assert_ptr_not_equal(fa.added, me);
	assert_ptr_not_equal(fa.added, fa.freed); /* the memory was not reused yet */
	assert_int_equal(fa.added_rec.calls, 0); /* not called for the freed one */
	assert_int_equal(evm_loop_run_once(l, 0), 0);
	assert_int_equal(evm_notify_post(fa.added, 3), 0);
	assert_int_equal(evm_loop_run_once(l, 0), 1);
	assert_int_equal(fa.added_rec.calls, 1);
	assert_int_equal(fa.added_rec.sum, 3);

	/* many adds and frees of mixed kinds: reused slots come back clean */
	for (i = 0; i < 3000; i++) {
		s = NULL;
		switch (i % 3) {
		case 0:
			assert_int_equal(evm_add_defer(l, &s, hook_cb, &r), 0);
			assert_int_equal(evm_source_set_enabled(s, EVM_OFF), 0);
			break;
		case 1:
			assert_int_equal(evm_add_timer(l, &s, CLOCK_MONOTONIC, 3600000000000ull,
						       0, EVM_TIMER_DEDICATED, noop_timer_cb,
						       NULL), 0);
			break;
		default:
			assert_int_equal(evm_add_timer(l, &s, CLOCK_MONOTONIC, 3600000000000ull,
						       1000, 0, noop_timer_cb, NULL), 0);
			break;
		}
		if (i % 7)
			s = evm_source_free(s);
	}
	assert_int_equal(evm_add_notify(l, &s, 0, notify_cb, &r), 0);
	assert_int_equal(evm_source_get_kind(s), EVM_SOURCE_NOTIFY);
	assert_int_equal(evm_source_get_enabled(s), EVM_ON);
	fd = evm_source_get_fd(s);
	assert_true(fd >= 0);
	assert_int_equal(evm_notify_post(s, 2), 0);
	assert_int_equal(evm_loop_run_once(l, 0), 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.sum, 2);
	/* what is left (every 7th) is freed with the loop, in teardown */
}

/* A callback that disables another source ready in the same batch: the
 * other one is not called. */
struct disrec {
	int calls;
	evm_source *other;
};

static int disable_other_cb(evm_source *s, int fd, uint32_t revents, void *ud)
{
	struct disrec *r = ud;

	(void)s, (void)fd, (void)revents;
	r->calls++;
	return evm_source_set_enabled(r->other, EVM_OFF);
}

static void test_disable_inside_callback(void **state)
{
	evm_loop *l = *state;
	struct disrec a = { 0 }, b = { 0 };
	evm_source *sa, *sb;
	int p[2], q[2];

	pipe_ok(p);
	pipe_ok(q);
	assert_int_equal(evm_add_io(l, &sa, p[0], EPOLLIN, disable_other_cb, &a), 0);
	assert_int_equal(evm_add_io(l, &sb, q[0], EPOLLIN, disable_other_cb, &b), 0);
	a.other = sb;
	b.other = sa;
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(write(q[1], "x", 1), 1);
	assert_int_equal(evm_loop_run_once(l, 0), 1);
	assert_int_equal(a.calls + b.calls, 1);
	pipe_close(p);
	pipe_close(q);
}

/* ---- notify -------------------------------------------------------------------- */

static void test_notify_counter(void **state)
{
	evm_loop *l = *state;
	struct rec r = { 0 };
	evm_source *s;

	assert_int_equal(evm_add_notify(l, &s, 0, notify_cb, &r), 0);
	assert_int_equal(evm_source_get_kind(s), EVM_SOURCE_NOTIFY);
	assert_true(evm_source_get_fd(s) >= 0);
	assert_int_equal(evm_notify_post(s, 1), 0);
	assert_int_equal(evm_notify_post(s, 2), 0);
	assert_int_equal(evm_notify_post(s, 3), 0);
	assert_int_equal(evm_loop_run_once(l, 0), 1);
	assert_int_equal(r.calls, 1); /* coalesced */
	assert_int_equal(r.sum, 6);
	assert_int_equal(evm_loop_run_once(l, 0), 0);
	/* disabled: posts wait, delivered on enable */
	assert_int_equal(evm_source_set_enabled(s, EVM_OFF), 0);
	assert_int_equal(evm_notify_post(s, 5), 0);
	assert_int_equal(evm_loop_run_once(l, 0), 0);
	assert_int_equal(evm_source_set_enabled(s, EVM_ONESHOT), 0);
	assert_int_equal(evm_loop_run_once(l, 0), 1);
	assert_int_equal(r.sum, 11);
	assert_int_equal(evm_source_get_enabled(s), EVM_OFF);
	assert_int_equal(evm_notify_post(s, 1), 0);
	assert_int_equal(evm_loop_run_once(l, 0), 0);
	assert_int_equal(r.calls, 2);
}

static void test_notify_semaphore(void **state)
{
	evm_loop *l = *state;
	struct rec r = { 0 };
	evm_source *s;
	int i;

	assert_int_equal(evm_add_notify(l, &s, EVM_NOTIFY_SEMAPHORE, notify_cb, &r), 0);
	assert_int_equal(evm_notify_post(s, 3), 0);
	assert_int_equal(evm_notify_post(s, 2), 0);
	for (i = 0; i < 10; i++)
		evm_loop_run_once(l, 0);
	assert_int_equal(r.calls, 5); /* one callback per unit */
	assert_int_equal(r.sum, 5);
}

/* Saturation: the counter holds at most 2^64-2. Posts that do not fit are
 * kept aside; the sum delivered is exact and the wakeup is kept. */
struct satrec {
	unsigned __int128 sum;
	int calls;
};

static int sat_cb(evm_source *s, uint64_t v, void *ud)
{
	struct satrec *r = ud;

	(void)s;
	assert_true(v > 0);
	r->sum += v;
	r->calls++;
	return 0;
}

static void test_notify_saturation(void **state)
{
	evm_loop *l = *state;
	unsigned __int128 want;
	struct satrec r = { 0 };
	evm_source *s;
	int i;

	assert_int_equal(evm_add_notify(l, &s, 0, sat_cb, &r), 0);
	assert_int_equal(evm_notify_post(s, UINT64_MAX - 2), 0);
	assert_int_equal(evm_notify_post(s, 5), 0);  /* does not fit */
	assert_int_equal(evm_notify_post(s, 7), 0);  /* nor this */
	want = (unsigned __int128)(UINT64_MAX - 2) + 5 + 7;
	/* the wakeup stands */
	assert_true(evm_loop_run_once(l, 1000 * NSEC_PER_MSEC) >= 1);
	for (i = 0; i < 5 && r.sum != want; i++)
		evm_loop_run_once(l, 100 * NSEC_PER_MSEC);
	assert_true(r.sum == want);
	assert_int_equal(r.calls, 2); /* more than one read can hold */
	/* 2^64-1 itself is refused by eventfd: set aside, woken by a 1 */
	assert_int_equal(evm_notify_post(s, UINT64_MAX), 0);
	want += UINT64_MAX;
	assert_true(evm_loop_run_once(l, 1000 * NSEC_PER_MSEC) >= 1);
	assert_true(r.sum == want);
	/* and then it is quiet again */
	assert_int_equal(evm_loop_run_once(l, 0), 0);
}

/* At most 2^64-1 set aside between two reads: a post past it is refused
 * whole, and what was accepted is delivered exactly. */
static void test_notify_overflow_refused(void **state)
{
	evm_loop *l = *state;
	struct satrec r = { 0 };
	struct rec q = { 0 };
	evm_source *s, *m;
	int i;

	assert_int_equal(evm_add_notify(l, &s, 0, sat_cb, &r), 0);
	assert_int_equal(evm_notify_post(s, UINT64_MAX), 0);   /* set aside */
	assert_int_equal(evm_notify_post(s, 3), 0);            /* the counter */
	assert_int_equal(evm_notify_post(s, UINT64_MAX), -EOVERFLOW);
	assert_int_equal(evm_notify_post(s, UINT64_MAX - 7), 0); /* the counter */
	assert_int_equal(evm_notify_post(s, 100), -EOVERFLOW); /* neither fits */
	for (i = 0; i < 5; i++)
		evm_loop_run_once(l, 0);
	assert_true(r.sum == (unsigned __int128)UINT64_MAX + 3 + (UINT64_MAX - 7));
	/* read: room again */
	assert_int_equal(evm_notify_post(s, UINT64_MAX), 0);
	assert_int_equal(evm_loop_run_once(l, 1000 * NSEC_PER_MSEC), 1);
	assert_true(r.sum == (unsigned __int128)UINT64_MAX * 2 + 3 + (UINT64_MAX - 7));
	assert_int_equal(evm_loop_run_once(l, 0), 0);

	/* semaphore mode: one unit per callback, the same limit */
	assert_int_equal(evm_add_notify(l, &m, EVM_NOTIFY_SEMAPHORE, notify_cb, &q), 0);
	assert_int_equal(evm_notify_post(m, UINT64_MAX), 0);
	for (i = 0; i < 10; i++)
		evm_loop_run_once(l, 0);
	assert_true(q.calls >= 8 && q.calls <= 10);
	assert_true(q.sum == (uint64_t)q.calls);
	assert_int_equal(evm_notify_post(m, 1), 0);
	assert_int_equal(evm_notify_post(m, UINT64_MAX), 0);
	assert_int_equal(evm_notify_post(m, UINT64_MAX), -EOVERFLOW);
}

/* ---- hooks, exit ------------------------------------------------------------------ */

static int order[8], norder;

static int exit_order_cb(evm_source *s, void *ud)
{
	(void)s;
	order[norder++] = (int)(intptr_t)ud;
	return 0;
}

static int defer_exit_cb(evm_source *s, void *ud)
{
	struct rec *r = ud;

	if (++r->calls == 3)
		evm_loop_exit(evm_source_get_loop(s), 42);
	return 0;
}

static void test_exit_code_and_hooks(void **state)
{
	evm_loop *l = *state;
	struct rec r = { 0 };
	evm_source *e2, *d;

	norder = 0;
	assert_int_equal(evm_add_defer(l, &d, defer_exit_cb, &r), 0);
	assert_int_equal(evm_add_exit(l, NULL, exit_order_cb, (void *)1), 0);
	assert_int_equal(evm_add_exit(l, &e2, exit_order_cb, (void *)2), 0);
	assert_int_equal(evm_add_exit(l, NULL, exit_order_cb, (void *)3), 0);
	assert_int_equal(evm_source_get_kind(e2), EVM_SOURCE_EXIT);
	assert_int_equal(evm_source_get_fd(e2), -EINVAL);
	assert_int_equal(evm_loop_run(l), 42);
	assert_int_equal(r.calls, 3);
	assert_int_equal(norder, 3);
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], 3);

	/* run again: exit hooks run once per exit; a disabled one does not */
	r.calls = 0;
	norder = 0;
	assert_int_equal(evm_source_set_enabled(e2, EVM_OFF), 0);
	assert_int_equal(evm_loop_run(l), 42);
	assert_int_equal(norder, 2);
	assert_int_equal(order[1], 3);

	/* exit requested before run: run returns at once with the code */
	evm_source_free(d);
	assert_int_equal(evm_loop_exit(l, 0), 0);
	assert_int_equal(evm_loop_run(l), 0);
}

static void test_callback_error_stops_loop(void **state)
{
	evm_loop *l = *state;
	struct rec r = { .ret = -EPIPE };
	evm_source *s;

	assert_int_equal(evm_add_notify(l, &s, 0, notify_cb, &r), 0);
	assert_int_equal(evm_notify_post(s, 1), 0);
	assert_int_equal(evm_loop_run(l), -EPIPE);
	/* run_once reports it too */
	assert_int_equal(evm_notify_post(s, 1), 0);
	assert_int_equal(evm_loop_run_once(l, 0), -EPIPE);
}

static void test_defer_oneshot(void **state)
{
	evm_loop *l = *state;
	struct rec r = { 0 };
	evm_source *d;
	uint64_t t0 = 0, t1 = 0;

	assert_int_equal(evm_add_defer(l, &d, hook_cb, &r), 0);
	assert_int_equal(evm_source_get_kind(d), EVM_SOURCE_DEFER);
	/* an enabled defer keeps the loop from blocking */
	evm_loop_now(l, CLOCK_MONOTONIC, &t0);
	assert_int_equal(evm_loop_run_once(l, 5000 * NSEC_PER_MSEC), 1);
	evm_loop_now(l, CLOCK_MONOTONIC, &t1);
	assert_true(t1 - t0 < 1000 * NSEC_PER_MSEC);
	assert_int_equal(evm_source_set_enabled(d, EVM_ONESHOT), 0);
	assert_int_equal(evm_loop_run_once(l, 0), 1);
	assert_int_equal(evm_loop_run_once(l, 0), 0);
	assert_int_equal(r.calls, 2);
	assert_int_equal(evm_source_get_enabled(d), EVM_OFF);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* run_once's timeout is in ns, the timers' unit; negative: no limit */
static int tick_cb(evm_source *s, uint64_t exp, int error, void *ud)
{
	(void)s, (void)exp, (void)error;
	++*(int *)ud;
	return 0;
}

static void test_run_once_timeout_ns(void **state)
{
	evm_loop *l = *state;
	struct rec r = { 0 };
	uint64_t t0, t1;
	evm_source *s;
	int ticks = 0;

	assert_int_equal(evm_add_notify(l, &s, 0, notify_cb, &r), 0);
	/* nothing ready: back after the timeout, not before */
	t0 = mono_ns();
	assert_int_equal(evm_loop_run_once(l, 1500000), 0);
	assert_int_equal(evm_loop_run_once(l, 30 * NSEC_PER_MSEC), 0);
	assert_int_equal(evm_loop_run_once(l, 0), 0);
	t1 = mono_ns();
	assert_true(t1 - t0 >= 31500000);
	/* negative: no limit, whatever the value */
	assert_int_equal(evm_notify_post(s, 1), 0);
	assert_int_equal(evm_loop_run_once(l, -1), 1);
	assert_int_equal(evm_notify_post(s, 1), 0);
	assert_int_equal(evm_loop_run_once(l, INT64_MIN), 1);
	assert_int_equal(r.calls, 2);
	t0 = mono_ns(); /* before the call: the timer is relative to the clock at it */
	assert_int_equal(evm_add_timer(l, NULL, CLOCK_MONOTONIC, 20 * NSEC_PER_MSEC, 0, 0,
				       tick_cb, &ticks), 0);
	assert_int_equal(evm_loop_run_once(l, -2), 1);
	assert_int_equal(ticks, 1);
	assert_int_equal(evm_loop_run_once(l, 0), 0);
	t1 = mono_ns();
	assert_true(t1 - t0 >= 20 * NSEC_PER_MSEC);
}

/* evm_loop_free() from the loop's own callbacks: refused, the loop intact */
struct freerec {
	evm_loop *ret;
	int err, calls;
};

static int free_in_notify_cb(evm_source *s, uint64_t v, void *ud)
{
	struct freerec *f = ud;

	(void)v;
	errno = 0;
	f->ret = evm_loop_free(evm_source_get_loop(s));
	f->err = errno;
	f->calls++;
	return 0;
}

static int free_in_hook_cb(evm_source *s, void *ud)
{
	struct freerec *f = ud;

	errno = 0;
	f->ret = evm_loop_free(evm_source_get_loop(s));
	f->err = errno;
	f->calls++;
	return 0;
}

static void test_loop_free_in_callback(void **state)
{
	evm_loop *l = *state;
	struct freerec f = { 0 }, h = { 0 }, d = { 0 };
	evm_source *s;

	assert_int_equal(evm_add_notify(l, &s, 0, free_in_notify_cb, &f), 0);
	assert_int_equal(evm_notify_post(s, 1), 0);
	assert_int_equal(evm_loop_run_once(l, 0), 1);
	assert_ptr_equal(f.ret, l);
	assert_int_equal(f.err, EBUSY);
	assert_non_null(strstr(evm_loop_error(l), "callback"));
	/* the loop and its source still work */
	assert_int_equal(evm_notify_post(s, 1), 0);
	assert_int_equal(evm_loop_run_once(l, 0), 1);
	assert_int_equal(f.calls, 2);
	/* from a defer and from an exit hook too */
	s = evm_source_free(s);
	assert_int_equal(evm_add_defer(l, &s, free_in_hook_cb, &d), 0);
	assert_int_equal(evm_source_set_enabled(s, EVM_ONESHOT), 0);
	assert_int_equal(evm_add_exit(l, NULL, free_in_hook_cb, &h), 0);
	assert_int_equal(evm_loop_exit(l, 3), 0);
	assert_int_equal(evm_loop_run(l), 3);
	assert_ptr_equal(d.ret, l);
	assert_int_equal(d.err, EBUSY);
	assert_ptr_equal(h.ret, l);
	assert_int_equal(h.err, EBUSY);
	/* outside a callback it frees (the teardown's free of NULL is a no-op) */
	assert_null(evm_loop_free(l));
	*state = NULL;
}

/* ---- now, embedding ------------------------------------------------------------------ */

static void test_now_cached(void **state)
{
	evm_loop *l = *state;
	uint64_t a, b, rt1, rt2, bt;

	/* before the first iteration: the time of the call */
	assert_int_equal(evm_loop_now(l, CLOCK_MONOTONIC, &a), 0);
	usleep(2000);
	assert_int_equal(evm_loop_now(l, CLOCK_MONOTONIC, &b), 0);
	assert_true(b > a);
	/* then: cached per iteration */
	assert_int_equal(evm_loop_run_once(l, 0), 0);
	assert_int_equal(evm_loop_now(l, CLOCK_MONOTONIC, &a), 0);
	assert_int_equal(evm_loop_now(l, CLOCK_REALTIME, &rt1), 0);
	assert_int_equal(evm_loop_now(l, CLOCK_BOOTTIME, &bt), 0);
	usleep(2000);
	assert_int_equal(evm_loop_now(l, CLOCK_MONOTONIC, &b), 0);
	assert_int_equal(evm_loop_now(l, CLOCK_REALTIME, &rt2), 0);
	assert_true(a == b);
	assert_true(rt1 == rt2);
	assert_true(bt >= a);
	assert_int_equal(evm_loop_run_once(l, 0), 0);
	assert_int_equal(evm_loop_now(l, CLOCK_MONOTONIC, &b), 0);
	assert_int_equal(evm_loop_now(l, CLOCK_REALTIME, &rt2), 0);
	assert_true(b - a >= 2 * NSEC_PER_MSEC);
	assert_true(rt2 > rt1);
}

static void test_embed_get_fd(void **state)
{
	evm_loop *l = *state;
	struct epoll_event ev = { .events = EPOLLIN };
	struct rec r = { 0 };
	evm_source *s;
	int outer, fd;

	fd = evm_loop_get_fd(l);
	assert_true(fd >= 0);
	outer = epoll_create1(EPOLL_CLOEXEC);
	assert_true(outer >= 0);
	assert_int_equal(epoll_ctl(outer, EPOLL_CTL_ADD, fd, &ev), 0);
	assert_int_equal(evm_add_notify(l, &s, 0, notify_cb, &r), 0);
	assert_int_equal(epoll_wait(outer, &ev, 1, 0), 0);
	assert_int_equal(evm_notify_post(s, 4), 0);
	assert_int_equal(epoll_wait(outer, &ev, 1, 1000), 1);
	assert_int_equal(evm_loop_run_once(l, 0), 1);
	assert_int_equal(r.sum, 4);
	assert_int_equal(epoll_wait(outer, &ev, 1, 0), 0);
	close(outer);
}

/* ---- fork ------------------------------------------------------------------------------- */

static void test_fork_echild(void **state)
{
	evm_loop *l = *state;
	struct rec r = { 0 };
	evm_source *s, *io;
	int status, p[2];
	pid_t pid;

	assert_int_equal(evm_add_notify(l, &s, 0, notify_cb, &r), 0);
	pipe_ok(p);
	assert_int_equal(evm_add_io(l, &io, p[0], EPOLLIN, io_cb, &r), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint64_t ns;
		int bad = 0;

		alarm(10); /* a call that wrongly blocks fails the test */

		bad += evm_loop_run_once(l, 0) != -ECHILD;
		bad += evm_loop_run(l) != -ECHILD;
		bad += evm_loop_exit(l, 0) != -ECHILD;
		bad += evm_loop_exit_async(l, 0) != -ECHILD;
		bad += evm_loop_get_fd(l) != -ECHILD;
		bad += evm_loop_now(l, CLOCK_MONOTONIC, &ns) != -ECHILD;
		bad += evm_notify_post(s, 1) != -ECHILD;
		bad += evm_source_set_enabled(s, EVM_OFF) != -ECHILD;
		bad += evm_source_get_enabled(s) != -ECHILD;
		bad += evm_source_get_fd(s) != -ECHILD;
		bad += evm_add_notify(l, NULL, 0, notify_cb, &r) != -ECHILD;
		bad += evm_add_timer(l, NULL, CLOCK_MONOTONIC, 1, 0, 0, timer_nop, NULL) != -ECHILD;
		bad += evm_add_defer(l, NULL, hook_cb, &r) != -ECHILD;
		bad += evm_io_set_events(io, EPOLLOUT) != -ECHILD;
		/* freeing in the child must not touch the parent's epoll */
		evm_loop_free(l);
		_exit(bad);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* the parent's loop is intact */
	assert_int_equal(evm_notify_post(s, 2), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(evm_loop_run_once(l, 1000 * NSEC_PER_MSEC), 2);
	assert_int_equal(r.sum, 2);
	assert_int_equal(r.calls, 2);
	pipe_close(p);
}

/* ---- USDT probes ------------------------------------------------------------ */

/* The probes are in this binary (linked from libevm.a) with the names and
 * argument layout the tracers expect: evm:dispatch_begin/dispatch_end with
 * (int kind, int fd, u64 wake_ns), and a semaphore. */
static void test_usdt_notes(void **state)
{
	char exe[4096], cmd[4200], line[512];
	int begin = 0, end = 0, slot = 0, args_ok = 0, sema = 0;
	ssize_t n;
	FILE *f;

	(void)state;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = 0;
	snprintf(cmd, sizeof(cmd), "readelf -n --wide '%s' 2>/dev/null", exe);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		static bool in_evm;
		char a[3][64];

		if (strstr(line, "Provider:"))
			in_evm = strstr(line, "Provider: evm") != NULL;
		if (!in_evm)
			continue;
		begin += strstr(line, "Name: dispatch_begin") != NULL;
		end += strstr(line, "Name: dispatch_end") != NULL;
		slot += strstr(line, "Name: trace_slot") != NULL; /* evm_trace.c */
		if (strstr(line, "Semaphore: 0x") && !strstr(line, "Semaphore: 0x0000000000000000"))
			sema++;
		if (sscanf(line, " Arguments: %63s %63s %63s", a[0], a[1], a[2]) == 3 &&
		    !strncmp(a[0], "-4@", 3) && !strncmp(a[1], "-4@", 3) && !strncmp(a[2], "8@", 2))
			args_ok++;
	}
	pclose(f);
	if (!begin && !end)
		skip(); /* no readelf (binutils) */
	assert_true(begin >= 1);
	assert_true(end >= 1);
	assert_int_equal(args_ok, begin + end);
	assert_int_equal(slot, 1);
	assert_int_equal(sema, begin + end + slot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		EVM_TEST(test_bad_args_null),
		EVM_TEST(test_bad_args_values),
		EVM_TEST(test_io_enable_disable_oneshot),
		EVM_TEST(test_free_inside_callback),
		EVM_TEST(test_pool_free_then_add_in_callback),
		EVM_TEST(test_disable_inside_callback),
		EVM_TEST(test_notify_counter),
		EVM_TEST(test_notify_semaphore),
		EVM_TEST(test_notify_saturation),
		EVM_TEST(test_notify_overflow_refused),
		EVM_TEST(test_exit_code_and_hooks),
		EVM_TEST(test_callback_error_stops_loop),
		EVM_TEST(test_defer_oneshot),
		EVM_TEST(test_run_once_timeout_ns),
		EVM_TEST(test_loop_free_in_callback),
		EVM_TEST(test_now_cached),
		EVM_TEST(test_embed_get_fd),
		EVM_TEST(test_fork_echild),
		cmocka_unit_test(test_usdt_notes),
	};

	return cmocka_run_group_tests_name("evm_core", tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/*
 * libevm across threads (run under ASan and TSan): posts from many threads
 * sum exactly, semaphore mode counts every unit, exit from another thread,
 * a ping-pong, and freeing a handler source while signals keep arriving.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "evm_test.h"

#define NTHREADS 8
#define NPOSTS   100000

struct sum {
	uint64_t sum;
	uint64_t calls;
	uint64_t want;
};

static int sum_cb(evm_source *s, uint64_t v, void *ud)
{
	struct sum *r = ud;

	r->sum += v;
	r->calls++;
	if (r->sum >= r->want)
		evm_loop_exit(evm_source_get_loop(s), 0);
	return 0;
}

struct poster {
	evm_source *s;
	int n;
	int errors;
};

static void *post_thread(void *arg)
{
	struct poster *p = arg;
	int i;

	for (i = 0; i < p->n; i++)
		if (evm_notify_post(p->s, 1) < 0)
			p->errors++;
	return NULL;
}

static void run_posters(evm_loop *l, unsigned flags, int nthreads, int nposts,
			struct sum *r)
{
	struct poster p[NTHREADS];
	pthread_t t[NTHREADS];
	evm_source *s;
	int i;

	r->want = (uint64_t)nthreads * (uint64_t)nposts;
	assert_int_equal(evm_add_notify(l, &s, flags, sum_cb, r), 0);
	for (i = 0; i < nthreads; i++) {
		p[i] = (struct poster){ .s = s, .n = nposts };
		assert_int_equal(pthread_create(&t[i], NULL, post_thread, &p[i]), 0);
	}
	assert_int_equal(evm_loop_run(l), 0);
	for (i = 0; i < nthreads; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(p[i].errors, 0);
	}
	/* nothing more arrives */
	assert_int_equal(evm_loop_run_once(l, 0), 0);
	assert_int_equal(r->sum, r->want);
}

static void test_posts_sum_exactly(void **state)
{
	struct sum r = { 0 };

	run_posters(*state, 0, NTHREADS, NPOSTS, &r);
	assert_true(r.calls <= r.want);
}

static void test_semaphore_threads(void **state)
{
	struct sum r = { 0 };

	run_posters(*state, EVM_NOTIFY_SEMAPHORE, 4, 2000, &r);
	assert_int_equal(r.calls, 8000); /* one callback per unit */
}

static void *exit_thread(void *arg)
{
	usleep(20000);
	evm_loop_exit_async(arg, 7);
	return NULL;
}

static void test_exit_async(void **state)
{
	evm_loop *l = *state;
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, exit_thread, l), 0);
	assert_int_equal(evm_loop_run(l), 7);
	assert_int_equal(pthread_join(t, NULL), 0);
}

/* Ping-pong: the loop answers each ping of the other thread with a pong. */
#define ROUNDS 20000

struct pp {
	evm_source *ping, *pong;
	evm_loop *peer;
	uint64_t got;
};

static int ping_cb(evm_source *s, uint64_t v, void *ud)
{
	struct pp *p = ud;

	p->got += v;
	evm_notify_post(p->pong, 1);
	if (p->got == ROUNDS)
		evm_loop_exit(evm_source_get_loop(s), 0);
	return 0;
}

static int pong_cb(evm_source *s, uint64_t v, void *ud)
{
	struct pp *p = ud;

	p->got += v;
	if (p->got == ROUNDS)
		return evm_loop_exit(evm_source_get_loop(s), 0);
	return evm_notify_post(p->ping, 1);
}

static void *pong_thread(void *arg)
{
	struct pp *p = arg;

	evm_notify_post(p->ping, 1);
	evm_loop_run(p->peer);
	return NULL;
}

static void test_ping_pong(void **state)
{
	evm_loop *l = *state;
	struct pp a = { 0 }, b = { 0 };
	pthread_t t;

	assert_int_equal(evm_loop_new(&b.peer), 0);
	assert_int_equal(evm_add_notify(l, &a.ping, 0, ping_cb, &a), 0);
	assert_int_equal(evm_add_notify(b.peer, &a.pong, 0, pong_cb, &b), 0);
	b.ping = a.ping;
	assert_int_equal(pthread_create(&t, NULL, pong_thread, &b), 0);
	assert_int_equal(evm_loop_run(l), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(a.got, ROUNDS);
	assert_int_equal(b.got, ROUNDS);
	evm_loop_free(b.peer);
}

/* A thread keeps signalling while the loop adds and frees a handler source
 * for that signal: freeing must wait for handlers in flight (ASan/TSan see
 * any use of the freed ring or eventfd). SIG_IGN before, so the signal is
 * harmless while no source is installed. */
static atomic_bool stop_signalling;

static void *signal_thread(void *arg)
{
	(void)arg;
	/* raise() is thread-directed: the handler runs on this thread,
	 * concurrently with the loop's thread freeing the source. */
	while (!atomic_load(&stop_signalling))
		raise(SIGUSR1);
	return NULL;
}

static int count_cb(evm_source *s, const siginfo_t *si, void *ud)
{
	(void)s, (void)si;
	(*(int *)ud)++;
	return 0;
}

static void test_handler_free_races(void **state)
{
	evm_loop *l = *state;
	struct sigaction ign = { .sa_handler = SIG_IGN }, dfl = { .sa_handler = SIG_DFL };
	pthread_t t;
	int i, calls = 0;

	sigemptyset(&ign.sa_mask);
	sigemptyset(&dfl.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &ign, NULL), 0);
	atomic_store(&stop_signalling, false);
	assert_int_equal(pthread_create(&t, NULL, signal_thread, NULL), 0);
	for (i = 0; i < 300; i++) {
		evm_source *h;

		assert_int_equal(evm_add_handler(l, &h, SIGUSR1, count_cb, &calls), 0);
		assert_true(evm_loop_run_once(l, 1 * NSEC_PER_MSEC) >= 0);
		evm_source_free(h);
	}
	atomic_store(&stop_signalling, true);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(calls > 0);
	assert_int_equal(sigaction(SIGUSR1, &dfl, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		EVM_TEST(test_posts_sum_exactly),
		EVM_TEST(test_semaphore_threads),
		EVM_TEST(test_exit_async),
		EVM_TEST(test_ping_pong),
		EVM_TEST(test_handler_free_races),
	};

	return cmocka_run_group_tests_name("evm_thread", tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/*
 * libevm signals: signalfd sources and classic handler sources. Standard
 * signals coalesce, RT signals are counted exactly, siginfo payloads arrive,
 * a signal that is not blocked is refused with a clear error, bad signal
 * numbers and duplicates are refused.
 *
 * The process is single-threaded here, so a signal sent to ourselves while
 * unblocked is delivered before the sending call returns.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "evm_test.h"

#define MAXREC 512

struct srec {
	int calls;
	int signo[MAXREC];
	int value[MAXREC];
	pid_t pid[MAXREC];
	int code[MAXREC];
};

static int sfd_cb(evm_source *s, const struct signalfd_siginfo *si, void *ud)
{
	struct srec *r = ud;

	(void)s;
	if (r->calls < MAXREC) {
		r->signo[r->calls] = (int)si->ssi_signo;
		r->value[r->calls] = si->ssi_int;
		r->pid[r->calls] = (pid_t)si->ssi_pid;
		r->code[r->calls] = si->ssi_code;
	}
	r->calls++;
	return 0;
}

static int handler_cb(evm_source *s, const siginfo_t *si, void *ud)
{
	struct srec *r = ud;

	(void)s;
	if (r->calls < MAXREC) {
		r->signo[r->calls] = si->si_signo;
		r->value[r->calls] = si->si_value.sival_int;
		r->pid[r->calls] = si->si_pid;
		r->code[r->calls] = si->si_code;
	}
	r->calls++;
	return 0;
}

static void block(int signo)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, signo);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &set, NULL), 0);
}

static void unblock(int signo)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, signo);
	assert_int_equal(pthread_sigmask(SIG_UNBLOCK, &set, NULL), 0);
}

static void queue(int signo, int value)
{
	union sigval v = { .sival_int = value };

	assert_int_equal(sigqueue(getpid(), signo, v), 0);
}

/* Delivery i carries what queue(signo, value) sent from this process. */
static void assert_queued(const struct srec *r, int i, int signo, int value)
{
	assert_int_equal(r->signo[i], signo);
	assert_int_equal(r->value[i], value);
	assert_int_equal(r->pid[i], getpid());
	assert_int_equal(r->code[i], SI_QUEUE);
}

static void drain(evm_loop *l)
{
	int i;

	for (i = 0; i < 5; i++)
		assert_true(evm_loop_run_once(l, 10 * NSEC_PER_MSEC) >= 0);
}

/* ---- signalfd ------------------------------------------------------------------ */

static void test_signal_not_blocked(void **state)
{
	evm_loop *l = *state;
	struct srec r = { 0 };
	evm_source *s = NULL;

	unblock(SIGUSR1);
	assert_int_equal(evm_add_signal(l, &s, SIGUSR1, sfd_cb, &r), -EINVAL);
	assert_null(s);
	assert_non_null(strstr(evm_loop_error(l), "signal 10 (SIGUSR1) is not blocked"));
	assert_non_null(strstr(evm_loop_error(l), "evm_signals_block"));
}

static void test_signal_bad_signo(void **state)
{
	evm_loop *l = *state;
	struct srec r = { 0 };
	evm_source *s = NULL;
	const int bad[] = { 0, -1, _NSIG, 1000, SIGKILL, SIGSTOP };
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(evm_add_signal(l, &s, bad[i], sfd_cb, &r), -EINVAL);
		assert_int_equal(evm_add_handler(l, &s, bad[i], handler_cb, &r), -EINVAL);
		assert_true(strlen(evm_loop_error(l)) > 0);
	}
	assert_null(s);
	assert_int_equal(evm_signals_block_many(SIGKILL, 0), -EINVAL);
	assert_int_equal(evm_signals_block_many(SIGUSR1, 99, 0), -EINVAL);
}

static void test_signal_twice_busy(void **state)
{
	evm_loop *l = *state, *l2;
	struct srec r = { 0 };
	evm_source *s, *h;

	assert_int_equal(evm_signals_block_many(SIGUSR1, SIGUSR2, 0), 0);
	assert_int_equal(evm_add_signal(l, &s, SIGUSR1, sfd_cb, &r), 0);
	assert_int_equal(evm_add_signal(l, NULL, SIGUSR1, sfd_cb, &r), -EBUSY);
	assert_int_equal(evm_add_handler(l, NULL, SIGUSR1, handler_cb, &r), -EBUSY);
	/* handler sources: one per signal in the process */
	assert_int_equal(evm_add_handler(l, &h, SIGUSR2, handler_cb, &r), 0);
	assert_int_equal(evm_add_handler(l, NULL, SIGUSR2, handler_cb, &r), -EBUSY);
	assert_int_equal(evm_loop_new(&l2), 0);
	assert_int_equal(evm_add_handler(l2, NULL, SIGUSR2, handler_cb, &r), -EBUSY);
	/* after free, the signal is free again */
	evm_source_free(h);
	assert_int_equal(evm_add_handler(l2, &h, SIGUSR2, handler_cb, &r), 0);
	evm_source_free(s);
	assert_int_equal(evm_add_signal(l, &s, SIGUSR1, sfd_cb, &r), 0);
	evm_loop_free(l2); /* frees h */
	unblock(SIGUSR1);
	unblock(SIGUSR2);
}

/* Standard signals coalesce: five sends while pending are one delivery.
 * RT signals queue: five sends are five deliveries, in order, with their
 * payloads. Everything read in one batch. */
static void test_signalfd_coalesce_vs_rt(void **state)
{
	evm_loop *l = *state;
	struct srec std = { 0 }, rt = { 0 };
	int i, rtsig = SIGRTMIN + 2;

	block(SIGUSR1);
	block(rtsig);
	assert_int_equal(evm_add_signal(l, NULL, SIGUSR1, sfd_cb, &std), 0);
	assert_int_equal(evm_add_signal(l, NULL, rtsig, sfd_cb, &rt), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(kill(getpid(), SIGUSR1), 0);
	for (i = 0; i < 40; i++)
		queue(rtsig, 100 + i);
	drain(l);
	assert_int_equal(std.calls, 1);
	assert_int_equal(rt.calls, 40);
	for (i = 0; i < 40; i++)
		assert_queued(&rt, i, rtsig, 100 + i);
	unblock(SIGUSR1);
	unblock(rtsig);
}

static void test_signalfd_siginfo(void **state)
{
	evm_loop *l = *state;
	struct srec r = { 0 };
	evm_source *s;

	block(SIGUSR2);
	assert_int_equal(evm_add_signal(l, &s, SIGUSR2, sfd_cb, &r), 0);
	assert_int_equal(evm_source_get_kind(s), EVM_SOURCE_SIGNAL);
	assert_true(evm_source_get_fd(s) >= 0);
	queue(SIGUSR2, 4242);
	assert_int_equal(evm_loop_run_once(l, 1000 * NSEC_PER_MSEC), 1);
	assert_int_equal(r.calls, 1);
	assert_queued(&r, 0, SIGUSR2, 4242);
	/* disabled: stays pending; oneshot takes exactly one */
	assert_int_equal(evm_source_set_enabled(s, EVM_OFF), 0);
	queue(SIGUSR2, 1);
	assert_int_equal(evm_loop_run_once(l, 0), 0);
	assert_int_equal(evm_source_set_enabled(s, EVM_ONESHOT), 0);
	assert_int_equal(evm_loop_run_once(l, 0), 1);
	assert_int_equal(r.calls, 2);
	assert_int_equal(evm_source_get_enabled(s), EVM_OFF);
	evm_source_free(s);
	unblock(SIGUSR2);
}

/* A callback that stops the loop in the middle of a batch: the siginfo
 * already read from the signalfd is delivered by the next iteration, in
 * order, none lost. Same for a handler source's queue. */
struct stoprec {
	struct srec r;
	int fail_at;
};

static int sfd_fail_cb(evm_source *s, const struct signalfd_siginfo *si, void *ud)
{
	struct stoprec *p = ud;

	if (p->r.calls == p->fail_at) {
		p->fail_at = -1;
		return -EIO;
	}
	return sfd_cb(s, si, &p->r);
}

static int handler_fail_cb(evm_source *s, const siginfo_t *si, void *ud)
{
	struct stoprec *p = ud;

	if (p->r.calls == p->fail_at) {
		p->fail_at = -1;
		return -EIO;
	}
	return handler_cb(s, si, &p->r);
}

static void test_signal_stop_mid_batch(void **state)
{
	evm_loop *l = *state;
	struct stoprec a = { .fail_at = 3 }, b = { .fail_at = 3 };
	int i, rt1 = SIGRTMIN + 5, rt2 = SIGRTMIN + 6;

	block(rt1);
	assert_int_equal(evm_add_signal(l, NULL, rt1, sfd_fail_cb, &a), 0);
	assert_int_equal(evm_add_handler(l, NULL, rt2, handler_fail_cb, &b), 0);
	block(rt2);
	for (i = 0; i < 10; i++) {
		queue(rt1, i);
		queue(rt2, i);
	}
	unblock(rt2);
	assert_int_equal(evm_loop_run_once(l, 1000 * NSEC_PER_MSEC), -EIO);
	for (i = 0; i < 5; i++)
		evm_loop_run_once(l, 10 * NSEC_PER_MSEC);
	/* the failing call is the 4th delivery: it is not retried */
	assert_int_equal(a.r.calls, 9);
	assert_int_equal(b.r.calls, 9);
	for (i = 0; i < 9; i++) {
		assert_int_equal(a.r.value[i], i < 3 ? i : i + 1);
		assert_int_equal(b.r.value[i], i < 3 ? i : i + 1);
	}
	unblock(rt1);
}

/* ---- classic handlers ----------------------------------------------------------- */

static void test_handler_coalesce_vs_rt(void **state)
{
	evm_loop *l = *state;
	struct srec std = { 0 }, rt = { 0 };
	int i, rtsig = SIGRTMIN + 3;

	assert_int_equal(evm_add_handler(l, NULL, SIGUSR1, handler_cb, &std), 0);
	assert_int_equal(evm_add_handler(l, NULL, rtsig, handler_cb, &rt), 0);
	/* pend them while blocked, then let the handler take them */
	block(SIGUSR1);
	block(rtsig);
	for (i = 0; i < 5; i++)
		assert_int_equal(kill(getpid(), SIGUSR1), 0);
	for (i = 0; i < 30; i++)
		queue(rtsig, i);
	unblock(SIGUSR1);
	unblock(rtsig);
	drain(l);
	assert_int_equal(std.calls, 1);
	assert_int_equal(rt.calls, 30);
	for (i = 0; i < 30; i++)
		assert_int_equal(rt.value[i], i);
	/* and unblocked, each send is one delivery */
	std.calls = 0;
	for (i = 0; i < 3; i++)
		assert_int_equal(kill(getpid(), SIGUSR1), 0);
	drain(l);
	assert_int_equal(std.calls, 3);
}

static void test_handler_siginfo(void **state)
{
	evm_loop *l = *state;
	struct srec r = { 0 };
	evm_source *h;

	assert_int_equal(evm_add_handler(l, &h, SIGUSR2, handler_cb, &r), 0);
	assert_int_equal(evm_source_get_kind(h), EVM_SOURCE_HANDLER);
	assert_true(evm_source_get_fd(h) >= 0);
	queue(SIGUSR2, 777);
	assert_int_equal(evm_loop_run_once(l, 1000 * NSEC_PER_MSEC), 1);
	assert_int_equal(r.calls, 1);
	assert_queued(&r, 0, SIGUSR2, 777);
	/* disabled: queued, delivered on enable */
	assert_int_equal(evm_source_set_enabled(h, EVM_OFF), 0);
	queue(SIGUSR2, 1);
	queue(SIGUSR2, 2);
	assert_int_equal(evm_loop_run_once(l, 0), 0);
	assert_int_equal(evm_source_set_enabled(h, EVM_ONESHOT), 0);
	assert_int_equal(evm_loop_run_once(l, 0), 1);
	assert_int_equal(r.calls, 2);
	assert_int_equal(evm_source_get_enabled(h), EVM_OFF);
	assert_int_equal(evm_source_set_enabled(h, EVM_ON), 0);
	drain(l);
	assert_int_equal(r.calls, 3);
	assert_int_equal(r.value[2], 2);
	assert_int_equal(evm_handler_get_dropped(h), 0);
}

/* The ring holds EVM_HRING_SIZE (256) siginfo: more are dropped and
 * counted, never invented. */
static void test_handler_overflow_dropped(void **state)
{
	evm_loop *l = *state;
	struct srec *r = calloc(1, sizeof(*r));
	int i, rtsig = SIGRTMIN + 4;
	evm_source *h;

	assert_non_null(r);
	assert_int_equal(evm_add_handler(l, &h, rtsig, handler_cb, r), 0);
	block(rtsig);
	for (i = 0; i < 300; i++)
		queue(rtsig, i);
	unblock(rtsig);
	drain(l);
	assert_int_equal(r->calls, 256);
	assert_int_equal(evm_handler_get_dropped(h), 44);
	for (i = 0; i < 256; i++)
		assert_int_equal(r->value[i], i);
	free(r);
}

static void old_handler(int signo)
{
	(void)signo;
}

/* Freeing restores the disposition that was there before. */
static void test_handler_restores_disposition(void **state)
{
	evm_loop *l = *state;
	struct sigaction sa = { .sa_handler = old_handler }, cur;
	struct srec r = { 0 };
	evm_source *h;

	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGURG, &sa, NULL), 0);
	assert_int_equal(evm_add_handler(l, &h, SIGURG, handler_cb, &r), 0);
	assert_int_equal(sigaction(SIGURG, NULL, &cur), 0);
	assert_true(cur.sa_flags & SA_SIGINFO);
	evm_source_free(h);
	assert_int_equal(sigaction(SIGURG, NULL, &cur), 0);
	assert_ptr_equal(cur.sa_handler, old_handler);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGURG, &sa, NULL);
}

/* A signal that interrupts epoll_wait must not surface as EINTR. */
static void test_handler_eintr(void **state)
{
	evm_loop *l = *state;
	struct srec r = { 0 };
	struct itimerval it = { .it_value = { .tv_usec = 20000 } };

	assert_int_equal(evm_add_handler(l, NULL, SIGALRM, handler_cb, &r), 0);
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	assert_int_equal(evm_loop_run_once(l, 2000 * NSEC_PER_MSEC), 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.signo[0], SIGALRM);
}

/* After fork the child must not have the parent's handlers: it gets back
 * the previous disposition (here SIG_DFL: SIGUSR1 kills it). */
static void test_handler_fork_child(void **state)
{
	evm_loop *l = *state;
	struct srec r = { 0 };
	int status;
	pid_t pid;

	assert_int_equal(evm_add_handler(l, NULL, SIGUSR1, handler_cb, &r), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		raise(SIGUSR1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGUSR1);
	/* the parent's handler still works */
	raise(SIGUSR1);
	assert_int_equal(evm_loop_run_once(l, 1000 * NSEC_PER_MSEC), 1);
	assert_int_equal(r.calls, 1);
}

/* evm_notify_post() and evm_loop_exit_async() from the application's own
 * signal handler (both are async-signal-safe). */
static evm_source *posted_from_handler;
static evm_loop *exited_from_handler;

static void app_handler(int signo)
{
	if (signo == SIGUSR1)
		evm_notify_post(posted_from_handler, 2);
	else
		evm_loop_exit_async(exited_from_handler, 9);
}

static int sum_cb(evm_source *s, uint64_t v, void *ud)
{
	(void)s;
	*(uint64_t *)ud += v;
	return 0;
}

static void test_post_from_signal_handler(void **state)
{
	evm_loop *l = *state;
	struct sigaction sa = { .sa_handler = app_handler }, old1, old2;
	uint64_t sum = 0;
	int i;

	sigemptyset(&sa.sa_mask);
	assert_int_equal(evm_add_notify(l, &posted_from_handler, 0, sum_cb, &sum), 0);
	exited_from_handler = l;
	assert_int_equal(sigaction(SIGUSR1, &sa, &old1), 0);
	assert_int_equal(sigaction(SIGUSR2, &sa, &old2), 0);
	for (i = 0; i < 3; i++)
		raise(SIGUSR1);
	raise(SIGUSR2);
	assert_int_equal(evm_loop_run(l), 9);
	assert_int_equal(sum, 6);
	sigaction(SIGUSR1, &old1, NULL);
	sigaction(SIGUSR2, &old2, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		EVM_TEST(test_signal_not_blocked),
		EVM_TEST(test_signal_bad_signo),
		EVM_TEST(test_signal_twice_busy),
		EVM_TEST(test_signalfd_coalesce_vs_rt),
		EVM_TEST(test_signalfd_siginfo),
		EVM_TEST(test_signal_stop_mid_batch),
		EVM_TEST(test_handler_coalesce_vs_rt),
		EVM_TEST(test_handler_siginfo),
		EVM_TEST(test_handler_overflow_dropped),
		EVM_TEST(test_handler_restores_disposition),
		EVM_TEST(test_handler_eintr),
		EVM_TEST(test_handler_fork_child),
		EVM_TEST(test_post_from_signal_handler),
	};

	return cmocka_run_group_tests_name("evm_signal", tests, NULL, NULL);
}

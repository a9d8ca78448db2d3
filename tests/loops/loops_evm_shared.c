// SPDX-License-Identifier: MIT
/*
 * A program linked against the shared libevm (libevm.so, as pkg-config
 * gives it), for `evtrace run`: the probes are in the library the command
 * maps after its exec. evm_notify_post from a thread (libevm's eventfd),
 * then SIGUSR1 through a classic handler source (libevm's handler forwards
 * it through its own eventfd: no event of its own), each a ping-pong. The
 * next signal comes from the callback's sem_post, often while libevm still
 * drains its handler ring: that forward is dispatched without a read of
 * the eventfd, and its write stays in flight (forwarded + in_flight = n).
 */
#include <pthread.h>

#include "evm.h"
#include "loops_common.h"

static evm_loop *loop;
static evm_source *notify, *handler;
static sem_t done;
static int n, n_notify, n_sig;

static void *sender(void *arg)
{
	(void)arg;
	loops_block(SIGUSR1);
	for (int i = 0; i < n; i++) {
		evm_notify_post(notify, 1);
		loops_wait(&done);
	}
	for (int i = 0; i < n; i++) {
		kill(getpid(), SIGUSR1);
		loops_wait(&done);
	}
	return NULL;
}

static int notify_cb(evm_source *s, uint64_t value, void *u)
{
	(void)s;
	(void)u;
	n_notify += (int)value;
	sem_post(&done);
	return 0;
}

static int handler_cb(evm_source *s, const siginfo_t *si, void *u)
{
	(void)s;
	(void)si;
	(void)u;
	if (++n_sig == n)
		evm_loop_exit(loop, 0);
	sem_post(&done);
	return 0;
}

int main(void)
{
	pthread_t th;

	n = loops_count(200);
	sem_init(&done, 0, 0);
	if (evm_loop_new(&loop) < 0 || evm_add_notify(loop, &notify, 0, notify_cb, NULL) < 0 ||
	    evm_add_handler(loop, &handler, SIGUSR1, handler_cb, NULL) < 0)
		LOOPS_DIE("libevm setup failed");
	if (pthread_create(&th, NULL, sender, NULL))
		LOOPS_DIE("pthread_create failed");
	evm_loop_run(loop);
	pthread_join(th, NULL);
	printf("{\"program\": \"libevm.so\", \"did\": {\"posts\": %d, \"notified\": %d, "
	       "\"signals\": %d}, \"expect\": {"
	       "\"eventfd\": {\"sends\": %d, \"events+coalesced\": %d, \"forwarded+in_flight\": %d, "
	       "\"dispatch\": \"events\"}, "
	       "\"signal\": {\"events\": %d, \"sends\": %d, \"dispatch\": \"events\"}}, "
	       "\"usdt\": true}\n",
	       n, n_notify, n_sig, 2 * n, n, n_sig, n_sig, n);
	evm_source_free(handler);
	evm_source_free(notify);
	evm_loop_free(loop);
	return n_notify == n && n_sig == n ? 0 : 1;
}

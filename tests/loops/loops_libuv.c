// SPDX-License-Identifier: MIT
/*
 * libuv (Debian's libuv1): a repeating timer, then uv_async_send from a
 * thread (libuv's eventfd), then SIGUSR1 (libuv's handler writes a message
 * to its signal pipe, the loop reads it), each a ping-pong with the loop.
 * libuv also serialises its signal handling through a lock pipe (one byte
 * read and written back per handler run and per start/stop): its pipe
 * events are the messages plus those.
 */
#include <pthread.h>
#include <uv.h>

#include "loops_common.h"

static uv_loop_t *loop;
static uv_async_t async;
static uv_signal_t sig;
static uv_timer_t timer;
static sem_t done;
static pthread_t th;
static int n, n_timer, timers, n_async, n_sig;

static void *sender(void *arg)
{
	(void)arg;
	loops_block(SIGUSR1);
	for (int i = 0; i < n; i++) {
		uv_async_send(&async);
		loops_wait(&done);
	}
	for (int i = 0; i < n; i++) {
		kill(getpid(), SIGUSR1);
		loops_wait(&done);
	}
	return NULL;
}

static void async_cb(uv_async_t *h)
{
	(void)h;
	n_async++;
	sem_post(&done);
}

static void sig_cb(uv_signal_t *h, int signo)
{
	(void)h;
	(void)signo;
	if (++n_sig == n) {
		uv_close((uv_handle_t *)&async, NULL);
		uv_close((uv_handle_t *)&sig, NULL);
	}
	sem_post(&done);
}

static void timer_cb(uv_timer_t *t)
{
	if (++n_timer < timers)
		return;
	uv_timer_stop(t);
	uv_close((uv_handle_t *)t, NULL);
	if (pthread_create(&th, NULL, sender, NULL))
		LOOPS_DIE("pthread_create failed");
}

int main(void)
{
	n = loops_count(200);
	timers = 20;
	sem_init(&done, 0, 0);
	loop = uv_default_loop();
	if (uv_async_init(loop, &async, async_cb) || uv_signal_init(loop, &sig) ||
	    uv_signal_start(&sig, sig_cb, SIGUSR1) || uv_timer_init(loop, &timer) ||
	    uv_timer_start(&timer, timer_cb, 1, 1))
		LOOPS_DIE("libuv setup failed");
	uv_run(loop, UV_RUN_DEFAULT);
	pthread_join(th, NULL);
	uv_loop_close(loop);
	/* the timers wait in epoll's timeout: no fd, nothing traced */
	printf("{\"program\": \"libuv\", \"did\": {\"async_sends\": %d, \"async_callbacks\": %d, "
	       "\"signals\": %d, \"timer_fires\": %d}, \"expect\": {"
	       "\"eventfd\": {\"sends\": %d, \"events+coalesced\": %d}, "
	       "\"signal\": {\"events\": %d, \"sends\": %d}, "
	       "\"pipe\": {\"events\": [%d, %d]}}}\n",
	       n, n_async, n_sig, n_timer, n, n, n_sig, n, 2 * n_sig, 2 * n_sig + 8);
	return n_async == n && n_sig == n ? 0 : 1;
}

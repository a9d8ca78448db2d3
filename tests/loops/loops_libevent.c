// SPDX-License-Identifier: MIT
/*
 * libevent (Debian's libevent-2.1): a base with EVENT_BASE_FLAG_PRECISE_TIMER
 * (its epoll backend waits with a timerfd it re-arms by timerfd_settime
 * before every wait and never reads), a persistent 1 ms timer, then
 * event_active from a thread (libevent's notify eventfd: written only when
 * the loop is not already awake, so at most once per event_active), then SIGUSR1
 * (libevent's handler writes a byte to its signal pipe), each a ping-pong.
 */
#include <event2/event.h>
#include <event2/thread.h>
#include <pthread.h>
#include <unistd.h>

#include "loops_common.h"

static struct event_base *base;
static struct event *user, *sig, *timer;
static sem_t done;
static pthread_t th;
static int n, timers, n_timer, n_user, n_sig;

static void *sender(void *arg)
{
	(void)arg;
	loops_block(SIGUSR1);
	for (int i = 0; i < n; i++) {
		event_active(user, EV_READ, 0);
		loops_wait(&done);
	}
	for (int i = 0; i < n; i++) {
		kill(getpid(), SIGUSR1);
		loops_wait(&done);
	}
	return NULL;
}

static void user_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	n_user++;
	sem_post(&done);
}

static void sig_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (++n_sig == n)
		event_base_loopbreak(base);
	sem_post(&done);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (++n_timer < timers)
		return;
	event_del(timer);
	if (pthread_create(&th, NULL, sender, NULL))
		LOOPS_DIE("pthread_create failed");
}

int main(void)
{
	struct timeval ms = { 0, 1000 };
	struct event_config *cfg;

	n = loops_count(200);
	timers = 50;
	sem_init(&done, 0, 0);
	if (evthread_use_pthreads())
		LOOPS_DIE("evthread_use_pthreads failed");
	cfg = event_config_new();
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (!base || strcmp(event_base_get_method(base), "epoll"))
		LOOPS_DIE("libevent: no epoll base");
	user = event_new(base, -1, 0, user_cb, NULL);
	sig = evsignal_new(base, SIGUSR1, sig_cb, NULL);
	timer = event_new(base, -1, EV_PERSIST, timer_cb, NULL);
	if (!user || !sig || !timer || event_add(sig, NULL) || event_add(timer, &ms))
		LOOPS_DIE("libevent setup failed");
	event_base_dispatch(base);
	pthread_join(th, NULL);
	/* every timer fire is one wakeup by the timerfd (the only fd ready in
	 * that phase; every wait has no timeout), consumed by the next re-arm
	 * (a wakeup a little early makes one more): an expiry the hooks
	 * missed is found at that re-arm */
	printf("{\"program\": \"libevent\", \"did\": {\"event_active\": %d, \"callbacks\": %d, "
	       "\"signals\": %d, \"timer_fires\": %d}, \"expect\": {"
	       "\"eventfd\": {\"sends\": [1, %d], \"events+coalesced\": \"sends\"}, "
	       "\"signal\": {\"events\": %d, \"sends\": %d}, \"pipe\": {\"events\": %d}, "
	       "\"timerfd\": {\"events\": 0, \"sends\": [%d, %d], \"rearmed\": [%d, %d]}}}\n",
	       n, n_user, n_sig, n_timer, n, n_sig, n, n_sig, n_timer, 2 * n_timer + 4,
	       n_timer - 1, 2 * n_timer + 4);
	event_free(user);
	event_free(sig);
	event_free(timer);
	event_base_free(base);
	return n_user == n && n_sig == n ? 0 : 1;
}

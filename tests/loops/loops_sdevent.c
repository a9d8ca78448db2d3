// SPDX-License-Identifier: MIT
/*
 * sd-event (Debian's libsystemd): a 1 ms timer re-armed from its callback
 * (sd-event's timerfd, read at each wakeup), then an eventfd written from a
 * thread (an io source), then SIGUSR1 through sd_event_add_signal (its
 * signalfd), each a ping-pong with the loop.
 */
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "loops_common.h"

static sd_event *ev;
static sem_t done;
static pthread_t th;
static int efd, n, timers, n_timer, n_efd, n_sig;

static void *sender(void *arg)
{
	uint64_t one = 1;

	(void)arg;
	for (int i = 0; i < n; i++) {
		if (write(efd, &one, sizeof(one)) != sizeof(one))
			LOOPS_DIE("eventfd write failed");
		loops_wait(&done);
	}
	for (int i = 0; i < n; i++) {
		kill(getpid(), SIGUSR1);
		loops_wait(&done);
	}
	return NULL;
}

static int efd_cb(sd_event_source *s, int fd, uint32_t revents, void *u)
{
	uint64_t v;

	(void)s;
	(void)revents;
	(void)u;
	if (read(fd, &v, sizeof(v)) == sizeof(v))
		n_efd += (int)v;
	sem_post(&done);
	return 0;
}

static int sig_cb(sd_event_source *s, const struct signalfd_siginfo *si, void *u)
{
	(void)s;
	(void)si;
	(void)u;
	if (++n_sig == n)
		sd_event_exit(ev, 0);
	sem_post(&done);
	return 0;
}

static int timer_cb(sd_event_source *s, uint64_t usec, void *u)
{
	(void)usec;
	(void)u;
	if (++n_timer < timers) {
		sd_event_source_set_time_relative(s, 1000);
		sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
		return 0;
	}
	sd_event_source_set_enabled(s, SD_EVENT_OFF);
	if (pthread_create(&th, NULL, sender, NULL))
		LOOPS_DIE("pthread_create failed");
	return 0;
}

int main(void)
{
	sigset_t m;

	n = loops_count(200);
	timers = 50;
	sem_init(&done, 0, 0);
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigprocmask(SIG_BLOCK, &m, NULL); /* sd-event's rule: blocked everywhere */
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0 || sd_event_new(&ev) < 0 ||
	    sd_event_add_io(ev, NULL, efd, EPOLLIN, efd_cb, NULL) < 0 ||
	    sd_event_add_signal(ev, NULL, SIGUSR1, sig_cb, NULL) < 0 ||
	    sd_event_add_time_relative(ev, NULL, CLOCK_MONOTONIC, 1000, 1, timer_cb, NULL) < 0)
		LOOPS_DIE("sd-event setup failed");
	sd_event_loop(ev);
	pthread_join(th, NULL);
	printf("{\"program\": \"sd-event\", \"did\": {\"eventfd_writes\": %d, \"eventfd_read\": %d, "
	       "\"signals\": %d, \"timer_fires\": %d}, \"expect\": {"
	       "\"eventfd\": {\"sends\": %d, \"events+coalesced\": %d}, "
	       "\"signalfd\": {\"events\": %d, \"sends\": %d}, "
	       "\"timerfd\": {\"events\": [%d, %d]}}}\n",
	       n, n_efd, n_sig, n_timer, n, n, n_sig, n, n_timer, n_timer + 2);
	sd_event_unref(ev);
	close(efd);
	return n_efd == n && n_sig == n ? 0 : 1;
}

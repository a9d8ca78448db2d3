/* SPDX-License-Identifier: MIT */
/*
 * evload_refprobe: the smallest timer loops, to place evload timerfd beside
 * cyclictest on one scale (tests/evload/evload_reference.py).
 *
 *   evload_refprobe MODE COUNT INTERVAL_US CPU PRIO
 *   MODE: nanosleep        clock_nanosleep(TIMER_ABSTIME), cyclictest's loop
 *         timerfd          a blocking read(2) of a periodic timerfd
 *         timerfd-epoll    epoll_wait(2) then read(2), what an event loop does
 *         timerfd-oneshot  a one-shot absolute timerfd, read(2), re-armed
 *                          after the stamp: cyclictest's loop on a timerfd
 *
 * A periodic timerfd re-arms its hrtimer inside read(2) (forward + restart:
 * on a KVM guest a TSC-deadline write, a VM exit) before the reader can
 * stamp; clock_nanosleep and the one-shot loop arm the next expiry after.
 *
 * The same stamping as evload: lateness = CLOCK_MONOTONIC right after the
 * wake-up minus the programmed expiry of the oldest period reported. Memory
 * is locked (as cyclictest -m). Prints one JSON line: mode, count, p50_ns,
 * mean_ns, min_ns, max_ns.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct timespec to_ts(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000u),
				  .tv_nsec = (long)(ns % 1000000000u) };
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct sched_param sp = { 0 };
	struct epoll_event ev = { .events = EPOLLIN };
	struct itimerspec its;
	uint64_t *lat, next, interval, sum = 0;
	int mode, n, cpu, tfd = -1, ep = -1;
	cpu_set_t set;

	if (argc != 6) {
		fprintf(stderr, "usage: evload_refprobe nanosleep|timerfd|timerfd-epoll|timerfd-oneshot "
			"COUNT INTERVAL_US CPU PRIO\n");
		return 2;
	}
	mode = !strcmp(argv[1], "nanosleep") ? 0 : !strcmp(argv[1], "timerfd") ? 1 :
	       !strcmp(argv[1], "timerfd-epoll") ? 2 : !strcmp(argv[1], "timerfd-oneshot") ? 3 : -1;
	n = atoi(argv[2]);
	interval = (uint64_t)atoll(argv[3]) * 1000u;
	cpu = atoi(argv[4]);
	sp.sched_priority = atoi(argv[5]);
	if (mode < 0 || n <= 0 || !interval) {
		fprintf(stderr, "evload_refprobe: bad arguments\n");
		return 2;
	}
	lat = calloc((size_t)n, sizeof(*lat));
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (!lat || sched_setaffinity(0, sizeof(set), &set) ||
	    (sp.sched_priority && sched_setscheduler(0, SCHED_FIFO, &sp)) ||
	    mlockall(MCL_CURRENT | MCL_FUTURE)) {
		fprintf(stderr, "evload_refprobe: set-up: %s\n", strerror(errno));
		return 1;
	}

	next = now_ns() + interval;
	if (mode > 0) {
		tfd = timerfd_create(CLOCK_MONOTONIC, 0);
		its.it_value = to_ts(next);
		its.it_interval = to_ts(mode == 3 ? 0 : interval);
		ep = epoll_create1(0);
		if (tfd < 0 || ep < 0 || timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev)) {
			fprintf(stderr, "evload_refprobe: timerfd: %s\n", strerror(errno));
			return 1;
		}
	}
	for (int i = 0; i < n; i++) {
		uint64_t exp = 1, t;

		if (mode == 0) {
			struct timespec ts = to_ts(next);

			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
				;
		} else {
			if (mode == 2 && epoll_wait(ep, &ev, 1, 1000) != 1)
				return 1;
			if (read(tfd, &exp, sizeof(exp)) != sizeof(exp))
				return 1;
		}
		t = now_ns();
		lat[i] = t > next ? t - next : 0;
		sum += lat[i];
		next += exp * interval;
		if (mode == 3) {
			its.it_value = to_ts(next);
			if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL))
				return 1;
		}
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp_u64);
	printf("{\"mode\":\"%s\",\"count\":%d,\"p50_ns\":%llu,\"mean_ns\":%llu,"
	       "\"min_ns\":%llu,\"max_ns\":%llu}\n", argv[1], n,
	       (unsigned long long)lat[n / 2], (unsigned long long)(sum / (uint64_t)n),
	       (unsigned long long)lat[0], (unsigned long long)lat[n - 1]);
	return 0;
}

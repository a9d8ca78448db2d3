// SPDX-License-Identifier: MIT
/*
 * tracer_load: known traffic for the tracer tests. Two threads ping-pong N
 * round trips through one mechanism (2N one-way events), or a periodic
 * timerfd is read N times; the counts land in a result file:
 *
 *   tracer_load KIND N RESULT [--epoll] [--cross] [--fork] [--flood]
 *
 *   KIND     eventfd | pipe | signal | sigwait | signalfd | timerfd
 *   --epoll  the receivers wait in epoll_wait before reading
 *   --cross  the two threads on different CPUs (default: both on CPU 0)
 *   --fork   the peer is a forked child instead of a thread (eventfd, pipe)
 *   --flood  eventfd only: one side posts N times, the other reads until it
 *            has N (counter mode: reads coalesce)
 *   --ready=FD  a tracer attaches to us running: once side B's thread is
 *            started, side A writes "ready TID" (B's thread id) to FD, a
 *            socket, and waits there for one byte before any traffic; the
 *            test sends it once the tracer is attached, so every event is
 *            seen whatever the load (a socket: no traced kind of fd)
 *   --threads=K  first start and join K short threads, one after the other
 *            (each ends at once): a tracer keeping per-thread state must
 *            forget dead threads
 *   --objects=K  eventfd, pipe: first K more objects of the kind, each sent
 *            one event that this thread then reads itself (K events more),
 *            all kept open through the traffic: more objects than a
 *            tracer's per-object slots
 *
 * RESULT gets "events E coalesced C" (one-way events consumed, and sends
 * merged into them), written only at the end to a regular file, so the
 * tracer sees no traffic of ours but the mechanism's.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *kind;
static long n;
static bool use_epoll, cross, use_fork, flood;
static long short_threads, objects;
static int ready_fd = -1;
static int cpu_a = 0, cpu_b = 0;

/* per direction: fds[0] is what side 0 receives on, fds[1] side 1 */
static int efd[2], pfd[2][2], sfd[2], ep[2];
static pid_t tids[2];
static volatile sig_atomic_t got[2];
static uint64_t *shared;        /* events, coalesced (shared with --fork) */

static void die(const char *what)
{
	fprintf(stderr, "tracer_load: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static void wait_readable(int side, int fd)
{
	struct epoll_event e;

	(void)fd;
	if (!use_epoll)
		return;
	while (epoll_wait(ep[side], &e, 1, -1) < 0)
		if (errno != EINTR)
			die("epoll_wait");
}

static void handler(int sig)
{
	got[sig == SIGUSR1 ? 1 : 0] = 1;
}

/* side s sends one event to side !s */
static void send_one(int s)
{
	uint64_t one = 1;
	int peer = !s;

	if (!strcmp(kind, "eventfd")) {
		if (write(efd[peer], &one, 8) != 8)
			die("eventfd write");
	} else if (!strcmp(kind, "pipe")) {
		if (write(pfd[peer][1], &one, 8) != 8)
			die("pipe write");
	} else {
		/* side 1 receives SIGUSR1, side 0 SIGUSR2 */
		if (syscall(SYS_tgkill, getpid(), tids[peer], peer ? SIGUSR1 : SIGUSR2))
			die("tgkill");
	}
}

/* side s receives one event; returns how many sends it stood for */
static uint64_t recv_one(int s)
{
	uint64_t v = 0;
	int sig = s ? SIGUSR1 : SIGUSR2;

	if (!strcmp(kind, "eventfd")) {
		wait_readable(s, efd[s]);
		if (read(efd[s], &v, 8) != 8)
			die("eventfd read");
		return v;
	}
	if (!strcmp(kind, "pipe")) {
		wait_readable(s, pfd[s][0]);
		if (read(pfd[s][0], &v, 8) != 8)
			die("pipe read");
		return 1;
	}
	if (!strcmp(kind, "signal")) {
		sigset_t m;

		pthread_sigmask(SIG_BLOCK, NULL, &m);
		sigdelset(&m, sig);
		while (!got[s])
			sigsuspend(&m);
		got[s] = 0;
		return 1;
	}
	if (!strcmp(kind, "sigwait")) {
		sigset_t m;

		sigemptyset(&m);
		sigaddset(&m, sig);
		while (sigwaitinfo(&m, NULL) < 0)
			if (errno != EINTR)
				die("sigwaitinfo");
		return 1;
	}
	if (!strcmp(kind, "signalfd")) {
		struct signalfd_siginfo si;

		wait_readable(s, sfd[s]);
		if (read(sfd[s], &si, sizeof(si)) != sizeof(si))
			die("signalfd read");
		return 1;
	}
	return 0;
}

static void account(uint64_t v)
{
	__atomic_add_fetch(&shared[0], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&shared[1], v - 1, __ATOMIC_RELAXED);
}

static void *side_b(void *arg)
{
	(void)arg;
	pin(cpu_b);
	tids[1] = gettid_();
	__atomic_store_n(&shared[2], 1, __ATOMIC_RELEASE);
	if (flood) {
		uint64_t seen = 0;

		while (seen < (uint64_t)n) {
			uint64_t v = recv_one(1);

			account(v);
			seen += v;
		}
		return NULL;
	}
	for (long i = 0; i < n; i++) {
		account(recv_one(1));
		send_one(1);
	}
	return NULL;
}

static void run_pingpong(void)
{
	pthread_t th;
	pid_t child = 0;

	if (use_fork) {
		child = fork();
		if (child < 0)
			die("fork");
		if (child == 0) {
			side_b(NULL);
			_exit(0);
		}
	} else if (pthread_create(&th, NULL, side_b, NULL)) {
		die("pthread_create");
	}
	while (!__atomic_load_n(&shared[2], __ATOMIC_ACQUIRE))
		sched_yield();
	pin(cpu_a);
	if (ready_fd >= 0) {
		/* B goes on to block in its receive (the test waits for that
		 * before it attaches: a thread asleep since before the tracer) */
		char go;

		if (dprintf(ready_fd, "ready %d\n", (int)tids[1]) < 0)
			die("ready");
		if (read(ready_fd, &go, 1) != 1)
			die("waiting for the tracer (no go)");
		close(ready_fd);
	}
	if (flood) {
		for (long i = 0; i < n; i++)
			send_one(0);
	} else {
		for (long i = 0; i < n; i++) {
			send_one(0);
			account(recv_one(0));
		}
	}
	if (use_fork)
		waitpid(child, NULL, 0);
	else
		pthread_join(th, NULL);
}

static void run_timerfd(void)
{
	struct itimerspec its = { .it_interval = { 0, 1000000 }, .it_value = { 0, 1000000 } };
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);

	pin(cpu_a);
	if (fd < 0)
		die("timerfd_create");
	ep[0] = epoll_create1(0);
	if (use_epoll) {
		struct epoll_event e = { .events = EPOLLIN };

		epoll_ctl(ep[0], EPOLL_CTL_ADD, fd, &e);
	}
	if (timerfd_settime(fd, 0, &its, NULL))
		die("timerfd_settime");
	for (long i = 0; i < n; i++) {
		uint64_t v;

		wait_readable(0, fd);
		if (read(fd, &v, 8) != 8)
			die("timerfd read");
		account(v);
		if (i % 50 == 49) {
			/* a late reader: the expirations coalesce */
			struct timespec d = { 0, 3500000 };

			nanosleep(&d, NULL);
		}
	}
	close(fd);
}

static void *short_thread(void *arg)
{
	return arg;
}

/* --objects: K objects of the kind, one event each, read by this thread. */
static void many_objects(void)
{
	uint64_t v = 1;
	int p[2];

	for (long i = 0; i < objects; i++) {
		if (!strcmp(kind, "eventfd")) {
			int fd = eventfd(0, 0);

			if (fd < 0 || write(fd, &v, 8) != 8 || read(fd, &v, 8) != 8)
				die("--objects: eventfd");
		} else if (!strcmp(kind, "pipe")) {
			char c = 'o';

			if (pipe(p) || write(p[1], &c, 1) != 1 || read(p[0], &c, 1) != 1)
				die("--objects: pipe");
		} else {
			fprintf(stderr, "tracer_load: --objects is for eventfd and pipe\n");
			exit(2);
		}
		shared[0]++;
	}
}

int main(int argc, char **argv)
{
	FILE *f;

	if (argc < 4) {
		fprintf(stderr, "usage: tracer_load KIND N RESULT [--epoll] [--cross] [--fork] "
			"[--flood] [--ready=FD] [--threads=K] [--objects=K]\n");
		return 2;
	}
	kind = argv[1];
	n = atol(argv[2]);
	for (int i = 4; i < argc; i++) {
		use_epoll |= !strcmp(argv[i], "--epoll");
		cross |= !strcmp(argv[i], "--cross");
		use_fork |= !strcmp(argv[i], "--fork");
		flood |= !strcmp(argv[i], "--flood");
		if (!strncmp(argv[i], "--ready=", 8))
			ready_fd = atoi(argv[i] + 8);
		if (!strncmp(argv[i], "--threads=", 10))
			short_threads = atol(argv[i] + 10);
		if (!strncmp(argv[i], "--objects=", 10))
			objects = atol(argv[i] + 10);
	}
	for (long i = 0; i < short_threads; i++) {
		pthread_t th;

		if ((errno = pthread_create(&th, NULL, short_thread, NULL)))
			die("pthread_create");
		pthread_join(th, NULL);
	}
	if (cross)
		cpu_b = 1;
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		die("mmap");
	many_objects();

	if (!strcmp(kind, "timerfd")) {
		run_timerfd();
	} else {
		sigset_t m;

		tids[0] = gettid_();
		sigemptyset(&m);
		sigaddset(&m, SIGUSR1);
		sigaddset(&m, SIGUSR2);
		/* blocked everywhere; the signal kind unblocks in sigsuspend */
		pthread_sigmask(SIG_BLOCK, &m, NULL);
		if (!strcmp(kind, "signal")) {
			struct sigaction sa = { .sa_handler = handler };

			sigaction(SIGUSR1, &sa, NULL);
			sigaction(SIGUSR2, &sa, NULL);
		}
		for (int s = 0; s < 2; s++) {
			sigset_t one;
			struct epoll_event e = { .events = EPOLLIN };
			int fd = -1;

			ep[s] = epoll_create1(0);
			if (!strcmp(kind, "eventfd")) {
				efd[s] = eventfd(0, 0);
				fd = efd[s];
			} else if (!strcmp(kind, "pipe")) {
				if (pipe(pfd[s]))
					die("pipe");
				fd = pfd[s][0];
			} else if (!strcmp(kind, "signalfd")) {
				sigemptyset(&one);
				sigaddset(&one, s ? SIGUSR1 : SIGUSR2);
				sfd[s] = signalfd(-1, &one, 0);
				fd = sfd[s];
			}
			if (fd >= 0 && use_epoll)
				epoll_ctl(ep[s], EPOLL_CTL_ADD, fd, &e);
		}
		run_pingpong();
	}
	f = fopen(argv[3], "w");
	if (!f)
		die(argv[3]);
	fprintf(f, "events %llu coalesced %llu\n", (unsigned long long)shared[0],
		(unsigned long long)shared[1]);
	fclose(f);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * What the loop programs of tests/loops share: a ping-pong with the loop
 * (the sender waits for each callback before the next send, so that every
 * count is exact) and the JSON line each prints of what it did:
 *   {"program": NAME, "did": {...}, "expect": {KIND: {FIELD: N | [MIN, MAX]}}}
 * FIELD: a counter of evtrace's report for KIND, or "events+coalesced".
 */
#ifndef LOOPS_COMMON_H
#define LOOPS_COMMON_H

#include <errno.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOOPS_DIE(...) do { fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); exit(1); } while (0)

/* Posted by a callback, waited for by the sender: one send in flight. */
static inline void loops_wait(sem_t *s)
{
	while (sem_wait(s) && errno == EINTR)
		;
}

/* The sender thread leaves sig to the loop's thread. */
static inline void loops_block(int sig)
{
	sigset_t m;

	sigemptyset(&m);
	sigaddset(&m, sig);
	pthread_sigmask(SIG_BLOCK, &m, NULL);
}

/* Count from the environment (LOOPS_N), default def. */
static inline int loops_count(int def)
{
	const char *v = getenv("LOOPS_N");

	return v && atoi(v) > 0 ? atoi(v) : def;
}

#endif

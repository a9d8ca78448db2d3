/* SPDX-License-Identifier: MIT */
/*
 * The mechanisms evtrace measures, one row each in mech_table[] (mech.c):
 * the only place their names live. evload's KIND, the tracer's kind and the
 * report's and bench's JSON keys are the same name; the bench's tables print
 * the label.
 *
 * The traced mechanisms share their numbers with the BPF side's kinds
 * (bpf/evtrace.h enum evt_kind, the source of truth there); evload's
 * integrated service comes after them and has no kind of its own (it runs
 * several mechanisms at once).
 */
#ifndef EVTRACE_MECH_H
#define EVTRACE_MECH_H

#include <stdbool.h>

#include "evtrace.h"

enum mech {
	MECH_SIGNAL = EVT_KIND_SIGNAL,       /* a classic signal handler */
	MECH_SIGWAIT = EVT_KIND_SIGWAIT,     /* the signal, taken by sigtimedwait */
	MECH_SIGNALFD = EVT_KIND_SIGNALFD,
	MECH_EVENTFD = EVT_KIND_EVENTFD,
	MECH_TIMERFD = EVT_KIND_TIMERFD,
	MECH_PIPE = EVT_KIND_PIPE,           /* the baseline */
	MECH_UNIX = EVT_KIND_UNIX,           /* traced only: no evload workload */
	MECH_DAEMON = EVT_KIND_MAX,          /* evload only: the integrated service */
	MECH_COUNT
};

struct mech_info {
	const char *name;       /* "signal": evload KIND, report and JSON key */
	const char *label;      /* "signal (handler)": a table's row */
	bool classic;           /* a row of the classic comparison table */
	bool baseline;          /* the reference every level is read against */
	bool traced_only;       /* traced in any program, no evload KIND, not benched */
};

extern const struct mech_info mech_table[MECH_COUNT];

/* Is m one of the tracer's kinds (then m is its enum evt_kind)? */
static inline bool mech_traced(int m)
{
	return m >= 0 && m < EVT_KIND_MAX;
}

/* The row of m; NULL when m is out of range. */
const struct mech_info *mech_info(int m);
/* m's name, or fallback when m is out of range. */
const char *mech_name(int m, const char *fallback);
/* The mechanism called name, or -1. With traced_only, -1 for the daemon. */
int mech_from_name(const char *name, bool traced_only);

#endif

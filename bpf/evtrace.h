/* SPDX-License-Identifier: MIT */
/*
 * Types shared by the BPF tracers (bpf/*.bpf.c) and user space (tools/).
 * The BPF side fills per-CPU maps keyed by (kind, stage); user space reads
 * and merges them into a struct evtrace_report (tools/report.h).
 */
#ifndef EVTRACE_H
#define EVTRACE_H

#include "loghist.h"

/* The delivery kinds followed, one per mechanism (pipe: the baseline). */
enum evt_kind {
	EVT_KIND_SIGNAL = 0,   /* classic handler: ends at signal_deliver */
	EVT_KIND_SIGWAIT = 1,  /* rt_sigtimedwait consumes it */
	EVT_KIND_SIGNALFD = 2, /* read of a signalfd consumes it */
	EVT_KIND_EVENTFD = 3,
	EVT_KIND_TIMERFD = 4,
	EVT_KIND_PIPE = 5,
	EVT_KIND_MAX
};

/* The stages of the event lifecycle (../shared/DESIGN.md), plus the sender's
 * own cost and, for timerfd, the timer lateness (programmed expiry -> hrtimer
 * fired), which together with fire -> sched_waking makes the send stage. */
enum evt_stage {
	EVT_STAGE_SEND = 0,     /* send start -> receiver woken or event queued */
	EVT_STAGE_WAKE = 1,     /* sched_waking -> switched in */
	EVT_STAGE_RETURN = 2,   /* switched in -> consuming syscall exit / signal_deliver */
	EVT_STAGE_DISPATCH = 3, /* syscall exit -> libevm callback (USDT) */
	EVT_STAGE_TOTAL = 4,    /* send start -> end of return (and dispatch when seen) */
	EVT_STAGE_SENDER = 5,   /* time inside the sending syscall */
	EVT_STAGE_TIMER_LATE = 6, /* timerfd: programmed expiry -> hrtimer fired */
	EVT_STAGE_MAX
};

/* Counters per kind. */
enum evt_counter {
	EVT_CNT_EVENTS = 0,     /* events consumed by a target task */
	EVT_CNT_COALESCED = 1,  /* sends merged into an event already pending */
	EVT_CNT_LOST = 2,       /* events the tracer saw sent but could not follow (map full, ...) */
	EVT_CNT_UNMATCHED = 3,  /* consumptions with no send seen (e.g. sent before attach) */
	EVT_CNT_WAKE_SAME = 4,  /* receiver woken on the sender's CPU */
	EVT_CNT_WAKE_CROSS = 5, /* receiver woken on another CPU */
	EVT_CNT_WAKE_NONE = 6,  /* receiver already running: no wakeup needed */
	EVT_CNT_SENDS = 7,      /* sending syscalls / timer expiries seen */
	EVT_CNT_MAX
};

#endif /* EVTRACE_H */

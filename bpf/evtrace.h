/* SPDX-License-Identifier: MIT */
/*
 * Types shared by the BPF tracers (bpf/evtrace.bpf.c) and user space (tools/).
 * The BPF side fills per-CPU maps keyed by (kind, stage); user space reads
 * and merges them into a struct evtrace_report (tools/tracer/report.h).
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
	EVT_KIND_UNIX = 6,     /* AF_UNIX sockets (socketpair wakeups) */
	EVT_KIND_MAX
};

/* The kinds evload has a workload for and the bench measures (unix is
 * traced in any program, but has no workload of its own). */
#define EVT_KIND_LOAD EVT_KIND_UNIX

/* The stages of the event lifecycle (docs/design.md), plus the sender's
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
	EVT_CNT_REARMED = 8,    /* timerfd: expiries never read, dropped by re-arming */
	EVT_CNT_FORWARDED = 9,  /* writes of libevm's own signal forwarding (from its
				 * handler): part of that signal's dispatch */
	EVT_CNT_DEFAULT = 10,   /* signals taken by the default action (no handler) */
	EVT_CNT_IN_FLIGHT = 11, /* sent, not yet consumed when collected (user space
				 * counts the queues; the BPF side leaves it 0) */
	EVT_CNT_CARRIED = 12,   /* interval reports: in flight when the interval
				 * began (user space) */
	EVT_CNT_MAX
};

/*
 * What the tracer measures, precisely (bpf/evtrace.bpf.c):
 *
 *   events    consumptions by a target that match a send the tracer saw:
 *             one read(2) of an eventfd, timerfd or pipe returning data, one
 *             siginfo read from a signalfd, one rt_sigtimedwait returning a
 *             signal, one signal_deliver to a handler. Consumptions with no
 *             send seen count as unmatched instead (events + unmatched = all).
 *   coalesced eventfd: value read - 1; timerfd: expirations read - 1; pipe:
 *             writes merged into one read - 1; signals: sends that found the
 *             signal already pending (signal_generate's result).
 *   stages    total: one per event. send and return: one per event whose
 *             receiver was woken by the send (or found still on its CPU);
 *             wake: one per real wakeup (wakes same_cpu + cross_cpu);
 *             dispatch: one per event followed by libevm's USDT probe.
 *             sender_cost: one per send (sending syscall: the time
 *             inside it; timerfd: the time inside the timer callback).
 *   sends     sending syscalls seen; timerfd: expiries queued by the
 *             hrtimer hook plus those found only at a read (no callback
 *             seen: ~0.5% on 6.18; they get the last callback cost seen).
 *             Every timerfd read takes one expiry off its queue, so
 *             sends >= events always.
 *   timer_late timerfd: programmed expiry -> its hrtimer callback running,
 *             one per expiry the hook saw.
 *   wakes     same_cpu / cross_cpu: switched in on the waker's CPU or not;
 *             none: queued while the receiver was busy (or still on CPU).
 *
 * The accounting: every send is counted where it enters its object's
 * queue (whoever sent it: a target, an untraced process, the kernel) and
 * leaves it by exactly one way, so that per kind
 *   sends (+ carried) = events + coalesced + lost + rearmed + forwarded
 *                       + default_action + in_flight
 * (timerfd: its coalesced expirations are overruns counted at the read,
 * with no callback of their own, so not sends: left out of the sum).
 * unmatched consumptions had no send seen: they stand beside the sum.
 */

/* The key of the per-process and per-signal counters (pcounters): tgid 0
 * without per_process (signals by number only), sig 0 for the fd kinds. */
struct evt_pkey {
	unsigned int tgid;
	unsigned short kind;
	unsigned short sig;
};

/* Records streamed through the ring buffer (--events FILE): one per event,
 * and with evt_config.events == EVT_EVENTS_SENDS one per sending syscall to
 * a followed object (timelines: an event's start is its send's entry). */
enum evt_rec_type {
	EVT_REC_EVENT = 0,
	EVT_REC_SEND = 1,
};
struct evt_record {
	unsigned long long ts;         /* end of the event (send: the syscall's
					* exit), CLOCK_MONOTONIC ns */
	unsigned long long send_ns;    /* 0 when not measured */
	unsigned long long wake_ns;
	unsigned long long return_ns;
	unsigned long long dispatch_ns;
	unsigned long long total_ns;
	unsigned long long late_ns;    /* timerfd lateness */
	unsigned long long start;      /* send start: the total runs from here
					* (send: the syscall's entry) */
	unsigned int pid, tid;         /* the receiver (send: the sender) */
	unsigned int coalesced;
	unsigned short nr;             /* send: the syscall's number */
	unsigned char kind;            /* enum evt_kind */
	unsigned char wake;            /* 0 none, 1 same CPU, 2 cross CPU */
	unsigned char type;            /* enum evt_rec_type */
	unsigned char pad[7];
	char comm[16];                 /* the receiver's (send: the sender's) */
};

/* libevm's trace slot (struct evm_trace_slot, user/libevm/evm-private.h): a ring
 * of a thread's latest dispatch begins and the count written, announced by
 * the USDT probe evm:trace_slot(slot address, count at announce) and read
 * by the tracer at the thread's syscalls instead of a trap per dispatch. */
#define EVT_SLOT_RING 16
struct evt_slot_entry {
	unsigned long long ns; /* CLOCK_MONOTONIC at dispatch begin */
	int kind, fd;          /* libevm's source kind and fd */
};
struct evt_slot {
	unsigned long long seq; /* dispatch n (from 0) at ring[n % EVT_SLOT_RING] */
	unsigned long long last_ns; /* ring[(seq - 1) % EVT_SLOT_RING].ns */
	struct evt_slot_entry ring[EVT_SLOT_RING];
};

/* How the programs are attached (evt_config.mode). */
enum evt_mode {
	EVT_MODE_TP_BTF = 0,    /* tp_btf + task storage */
	EVT_MODE_RAW_TP = 1,    /* raw_tp + per-thread hash */
	EVT_MODE_TRACEPOINT = 2,/* classic tracepoints (tracefs) + per-thread hash */
};

#define EVT_EVENTS_SENDS 2

/* Read-only configuration, set by user space before load. */
struct evt_config {
	unsigned int target_tgid;           /* 0 with all */
	unsigned int self_tgid;             /* never traced */
	unsigned char all;
	unsigned char follow;
	unsigned char events;               /* stream per-event records (1), and
					     * send records (EVT_EVENTS_SENDS) */
	unsigned char mode;                 /* enum evt_mode */
	unsigned char hooks_only;           /* programs return at once: the
					     * attach cost alone (overhead floor) */
	unsigned char per_process;          /* counters per process too (pcounters) */
	unsigned char pad[6];
};

#endif /* EVTRACE_H */

// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * evtrace: follows every event of the light Linux event channels (signals,
 * eventfd, timerfd, signalfd, and pipes as the baseline) from the sender to
 * the receiver's code, stage by stage: kernel tracepoints (tp_btf, raw_tp or
 * classic), and libevm's USDT probes for the dispatch stage.
 *
 *   send      sending syscall entry (timerfd: programmed expiry) -> sched_waking
 *             of the receiver, attributed by context: inside a sending syscall
 *             of a target, or inside timerfd_tmrproc on this CPU
 *   wake      sched_waking -> sched_switch in
 *   return    switched in -> exit of the syscall it slept in (signal handler:
 *             signal_deliver)
 *   dispatch  that exit -> libevm's dispatch begin (consumptions wait in a
 *             per-task FIFO for their dispatches, in order; a pipe, read
 *             inside its io callback, from the dispatch before the read).
 *             Dispatch begins come from libevm's trace slot (a per-thread
 *             ring of their times, announced once by the USDT probe
 *             evm:trace_slot and read at the thread's next syscall or
 *             signal delivery: no trap per dispatch) or, for a libevm
 *             without it, from a uprobe on the USDT evm:dispatch_begin.
 *   total     send start -> end of return, or of dispatch once the task has
 *             shown libevm's probes
 *
 * Events queued while the receiver was busy (no wakeup) wait in a per-object
 * queue of send times (eventfd/timerfd/pipe: the kernel object behind the fd;
 * signals: tgid and signal number) and are measured from send to consumption.
 *
 * The parts (included at the end of this file), one axis each:
 *   hook_*.bpf.h    the shared body of each hook: every filter (targets,
 *                   syscall numbers, timerfd timers, hooks_only) and the
 *                   timestamps it takes
 *   stage_*.bpf.h   where each stage is computed from those times
 *   mech_*.bpf.h    one mechanism each: how its sends and consumptions
 *                   are decoded (mech.bpf.h maps an fd kind to its file)
 *   attach_*.bpf.h  one program per hook and attach mode (tp_btf, raw_tp,
 *                   classic tracepoints): its arguments, then the body;
 *                   user space loads one mode's set.
 * Per-task state lives in task storage (tp_btf) or in a hash keyed by tid
 * (the others). Non-targets leave every hot hook after one lookup;
 * sys_enter and sys_exit first check the syscall number against the few
 * they act on (most syscalls leave before any lookup). Both stay attached system-wide: the
 * syscall tracepoints have no per-task filter (registering any probe sets
 * the syscall-tracepoint work flag on every task), so the slow syscall
 * path they impose on every task is the tracer's floor.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/usdt.bpf.h>

#include "evtrace.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Every stage boundary's time: CLOCK_MONOTONIC, the clock libevm's
 * dispatch times are read on. make bench-cost builds the tracer again with
 * EVT_COST_FREE_CLOCK (a counter in its place: wrong stages, the same
 * paths) to measure what the clock reads cost; never a tracer of use. */
#ifdef EVT_COST_FREE_CLOCK
__u64 evt_cost_clock;
#define evt_now() (evt_cost_clock += 1000)
#else
#define evt_now() bpf_ktime_get_ns()
#endif

const volatile struct evt_config cfg = {};

/* Set by user space once libevm's USDT probes are attached, usdt_on_ns
 * (CLOCK_MONOTONIC) just before: consumptions are queued for a dispatch
 * from then on. */
bool usdt_on = false;
__u64 usdt_on_ns = 0;
/* Ring buffer reserve failures. */
__u64 rb_dropped = 0;
/* Wait syscalls of targets (epoll and the poll family) that returned ready
 * after a wakeup by nothing the tracer follows (a socket of another
 * family, an inotify fd, a futex-woken helper...): what evtrace missed. */
__u64 untraced_wakeups = 0;
/* raw_tp / tracepoint: target threads that found the per-thread hash full. */
__u64 thash_full = 0;
/* Records are submitted without waking the consumer (a wakeup per record
 * costs the traced task an IPI or a preemption by evtrace on every sparse
 * event); the consumer polls with a timeout. Once this many bytes wait
 * unread, the submit wakes it. Set by user space to half the buffer. */
const volatile __u64 rb_wake_at = 0;

#define PF_EXITING_FLAG 0x00000004
#define PF_KTHREAD_FLAG 0x00200000

/* x86_64 syscall numbers (the only architecture built for so far) */
#define NR_read 0
#define NR_write 1
#define NR_poll 7
#define NR_rt_sigreturn 15
#define NR_readv 19
#define NR_writev 20
#define NR_select 23
#define NR_kill 62
#define NR_rt_sigtimedwait 128
#define NR_rt_sigqueueinfo 129
#define NR_tkill 200
#define NR_epoll_wait 232
#define NR_tgkill 234
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47
#define NR_pselect6 270
#define NR_ppoll 271
#define NR_epoll_pwait 281
#define NR_timerfd_settime 286
#define NR_rt_tgsigqueueinfo 297
#define NR_pidfd_send_signal 424
#define NR_epoll_pwait2 441

#define NR_exit 60
#define NR_exit_group 231
#define NR_pause 34
#define NR_nanosleep 35
#define NR_rt_sigsuspend 130
#define NR_clock_nanosleep 230

/* signal_generate results (include/trace/events/signal.h) */
#define SIG_RES_DELIVERED 0
#define SIG_RES_IGNORED 1
#define SIG_RES_ALREADY_PENDING 2
#define SIG_RES_OVERFLOW_FAIL 3
#define SIG_RES_LOSE_INFO 4

enum op {
	SC_NONE = 0,
	SC_SEND_FD,  /* write to an eventfd or pipe */
	SC_SEND_SIG, /* kill and friends */
	SC_READ,     /* read of an eventfd, timerfd, signalfd or pipe */
	SC_SIGWAIT,  /* rt_sigtimedwait */
	SC_WAIT,     /* epoll_wait and the poll family */
};

enum cls {
	CLS_NONE = 0,
	CLS_FD,     /* eventfd / pipe: ev_obj is the object */
	CLS_SIGNAL, /* any signal kind */
	CLS_TIMER,  /* timerfd: ev_obj is the timerfd_ctx */
};

/* One consumption, as its mechanism decodes it (mech_*.bpf.h), for
 * consume() (stage_total.bpf.h) to close, with its queue of send times.
 * Scalars only: consume() is a global function, verified once. */
struct cons {
	__u64 key;       /* the object (fd kinds) or the signal key */
	__u32 kind;      /* enum evt_kind */
	__u32 cls;       /* enum cls: what a wakeup it caused looks like */
	__u32 units;     /* sends it takes from the queue */
	__u32 coal;      /* sends merged into it */
	__u32 more;      /* events past the first in the same read (pipe, signalfd) */
	__u32 pad;
};

/* A consumption waiting for libevm's dispatch probe (a read of k siginfos,
 * or k signals delivered to a handler, are dispatched k times, in order). */
#define LC_MAX 128 /* evload signal flood: at most 128 in flight */
struct lcons {
	__u64 start;      /* dispatch starts here (end of return) */
	__u64 send;       /* its send start */
	struct evt_record rec; /* its stages, for the record */
	__u8 kind;
	__u8 deferred;    /* its total waits for the probe */
	__u8 pad[6];
};

struct tstate {
	/* tp_btf: the thread owning this slot of tslots: its tid (0: free,
	 * TSLOT_BUSY while taken or cleared) and start time (a tid reused by
	 * a later thread is another owner); unused in task storage and the
	 * per-thread hash */
	__u32 owner_pid;
	__u32 pad_owner;
	__u64 owner_start;
	/* tp_btf: the thread's task_struct (its fds are classified from it
	 * without a helper call) and its pt_regs (at the top of its kernel
	 * stack: which thread is current, told by the syscall hooks' regs,
	 * task.bpf.h: sys_task_state); 0 in the other modes */
	__u64 task;
	__u64 regs;
	/* the syscall in progress */
	__u64 sc_ts;
	__u64 sc_obj;
	__u64 sc_buf;
	__u32 sc_nr;      /* its number (sends, for their records) */
	__u8 sc_op;
	__u8 sc_kind;
	__u8 in_handler;  /* between signal_deliver to a handler and rt_sigreturn:
			   * IN_HANDLER (any) or IN_HANDLER_EVM (libevm's) */
	__u8 evm_seen;    /* libevm's probes fired in this task */
	__u8 sc_pkind;    /* the sent-to object's consumer kind + 1, if known */
	__u8 wait_untraced; /* this wait was woken by nothing traced */
	__u8 pad0[6];
	/* the last wakeup caused by a send or a timer */
	__u64 ev_obj;
	__u64 ev_send;
	__u64 ev_wake;
	__u64 ev_switch;
	__u64 ev_ret;
	__u64 ev_late;
	__u32 ev_cpu;
	__u8 ev_cls;
	__u8 ev_same;
	__u8 lc_head;     /* consumptions waiting for their dispatch probe: */
	__u8 lc_n;        /* lc[lc_head .. lc_head + lc_n), oldest first */
	/* last exit of a wait syscall (epoll/poll family), and an io dispatch
	 * seen before its read (pipes read inside the callback) */
	__u64 wait_exit;
	__u64 io_disp;
	__u32 tgid;
	__u32 pad2;
	/* libevm's trace slot of this thread (user address, 0: none) and the
	 * dispatches of it already matched */
	__u64 slot;
	__u64 slot_seq;
	/* a handler address found to be libevm's (bpf_find_vma can fail when
	 * the mmap lock is taken: the address is kept) */
	__u64 evm_handler;
	/* last: the fields above, read or written at every hook of the
	 * thread, share a few cache lines instead of lying 16 KB apart */
	struct lcons lc[LC_MAX];
};

/* Per-object queue of send times, so that events queued without a wakeup
 * are measured from their own send: as deep as evload's flood window.
 * Deeper queues overwrite the oldest slots, whose events then get a later
 * send time (a lower total: a known gap). */
#define PQ 4096
struct pend {
	__u64 key;        /* pslots: the object owning the slot (0: free) */
	__u64 ts[PQ];
	__u64 late;       /* timerfd: lateness of the oldest expiry */
	__u64 cost;       /* the last sender cost not yet attributed */
	__u32 head;       /* next to consume (the consumer's) */
	__u32 pad_head[15]; /* head and tail 64 bytes apart (two cache lines): the consumer
			     * and the senders write them from two CPUs */
	__u32 tail;       /* next free (senders, atomic) */
	__u32 unit;       /* pipe: bytes per write */
	__u32 coal, coal_taken; /* signals: merged sends (atomic), reported */
	__u32 lost, lost_taken; /* signals: RT queue overflows (atomic), reported */
	__u32 ncost;      /* sends returned before a target consumed from here */
	__u32 nsend;      /* sends queued before a target consumed from here
			   * (counted in their kind's sends at the first) */
	__u32 tgid;       /* the process that consumes from here (the first) */
	__u8 kind;        /* kind + 1 once a target consumed from here */
	__u8 internal;    /* libevm's own signal forwarding (written from its
			   * handler): its consumptions are no events */
	__u8 sig;         /* signals: the signal number (0: an fd) */
	__u8 pad[1];
};

#define LATE_UNKNOWN (~0ULL)

#define IN_HANDLER 1      /* a handler of the program's own */
#define IN_HANDLER_EVM 2  /* libevm's forwarding handler (its file: evm_ino) */
#define IN_HANDLER_UNSURE 3 /* its mapping could not be looked up */

/* libevm's file (the static executable or libevm.so, as user space found
 * it: inode number and kernel dev_t), so that its signal handler is known
 * by the file the handler's code is mapped from; 0: none known. */
const volatile __u64 evm_ino = 0;
const volatile __u32 evm_dev = 0;

struct tctx {
	__u64 timer;      /* timerfd_ctx whose callback runs on this CPU */
	__u64 key;        /* the timer being looked up (pending.bpf.h: key_of) */
	__u64 expiry;     /* programmed expiry, CLOCK_MONOTONIC */
	__u64 fire;
	__u64 late;
};

/* The time the last timerfd callback seen took (the timerfd sender cost):
 * given to an expiry found only at the read, whose own callback the hooks
 * did not see, so that every send has a sender cost. */
__u64 timer_cost_last = 0;

struct kcounters {
	__u64 c[EVT_CNT_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tstate);
} tstore SEC(".maps");

/* raw_tp / tracepoint: per-thread state by tid. Made on demand (16.5 KB
 * each), like pendq's entries: preallocated, the 16,384 entries were
 * ~270 MB zeroed at every start in these modes (~0.2-0.5 s). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct tstate);
} thash SEC(".maps");

/* tp_btf: per-thread state, direct-mapped by tid
 * (task.bpf.h): the first choice, before task storage. Preallocated
 * (TSLOTS x ~16.6 KB); one entry in the other modes. */
#define TSLOTS 256
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TSLOTS);
	__type(key, __u32);
	__type(value, struct tstate);
} tslots SEC(".maps");
/* tp_btf: per CPU, the slot of the thread last switched in there, if it
 * owns one (TSLOTS: none): the syscall hooks' first guess at the current
 * thread's state (task.bpf.h: sys_task_state). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cpuslot SEC(".maps");
/* tp_btf: threads whose state is in task storage (their slot was taken):
 * while none, a thread without a slot has no state, no storage lookup. */
__u64 tstore_live = 0;

/* The per-object queues (pending.bpf.h): a direct-mapped array by the
 * object's address first (its lookup inlined: no call), the hash for an
 * object whose slot another holds. */
#define PSLOTS 64
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PSLOTS);
	__type(key, __u32);
	__type(value, struct pend);
} pslots SEC(".maps");
/* some object's queue is in the hash: lookups look there too */
__u64 pend_hashed = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* ~33 KB each, made on demand */
	__uint(max_entries, 2048);
	__type(key, __u64);
	__type(value, struct pend);
} pendq SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EVT_KIND_MAX * EVT_STAGE_MAX);
	__type(key, __u32);
	__type(value, struct loghist);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EVT_KIND_MAX);
	__type(key, __u32);
	__type(value, struct kcounters);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tctx);
} timerctx SEC(".maps");

/* Counters per process (cfg.per_process) and per signal number: the same
 * counters as "counters", keyed by struct evt_pkey. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct evt_pkey);
	__type(value, struct kcounters);
} pcounters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

static const struct tstate zero_state;
static const struct pend zero_pend;
static const struct kcounters zero_kc;

/* The parts, in dependency order. Shared pieces: */
#include "hist.bpf.h"          /* histograms, counters, per-event records */
#include "task.bpf.h"          /* targets and per-task state (hooks_only too) */
#include "fd_kind.bpf.h"       /* what an fd is */
#include "pending.bpf.h"       /* per-object queues of send times */
/* Stages: each computes one stage of an event, from the hooks' times. */
#include "stage_send.bpf.h"    /* send stage, sender cost, timer lateness */
#include "stage_wake.bpf.h"    /* wake stage */
#include "stage_return.bpf.h"  /* return stage */
#include "stage_dispatch.bpf.h"/* dispatch stage (libevm's trace slot) */
#include "stage_total.bpf.h"   /* consume(): an event closes, total */
/* Mechanisms: per-kind decoding of sends and consumptions. */
#include "mech_signal.bpf.h"   /* signals to a handler, the (tgid, sig) queue */
#include "mech_sigwait.bpf.h"
#include "mech_signalfd.bpf.h"
#include "mech_eventfd.bpf.h"
#include "mech_timerfd.bpf.h"
#include "mech_pipe.bpf.h"
#include "mech_unix.bpf.h"    /* AF_UNIX sockets, read like the pipe */
#include "mech.bpf.h"          /* which mechanism decodes which fd kind */
/* Hooks: the shared bodies of the programs (filters, timestamps). */
#include "hook_syscalls.bpf.h" /* sys_enter, sys_exit */
#include "hook_sched.bpf.h"    /* sched_waking, sched_switch */
#include "hook_task.bpf.h"     /* sched_process_fork */
#include "hook_signal.bpf.h"   /* signal_generate, signal_deliver */
#include "hook_timer.bpf.h"    /* hrtimer_expire_entry/exit */
#include "hook_libevm.bpf.h"   /* libevm's USDT probes (programs, every mode) */
/* Attach modes: the programs, one per hook, each calling its body. */
#include "attach_tp_btf.bpf.h"
#include "attach_raw_tp.bpf.h"
#include "attach_tracepoint.bpf.h"

// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * evtrace: follows every event of the light Linux event channels (signals,
 * eventfd, timerfd, signalfd, and pipes as the baseline) from the sender to
 * the receiver's code, stage by stage, on tracepoints only.
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
 * One program per hook; the three attach modes (tp_btf, raw_tp, classic
 * tracepoints) share the handlers below, user space loads one set. Per-task
 * state lives in task storage (tp_btf) or in a hash keyed by tid (the others).
 * Non-targets leave every hot hook after one lookup; sys_enter and sys_exit
 * first check the syscall number against the few they act on (most
 * syscalls leave before any lookup). Both stay attached system-wide: the
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

const volatile struct evt_config cfg = {};

/* Set by user space once libevm's USDT probes are attached, usdt_on_ns
 * (CLOCK_MONOTONIC) just before: consumptions are queued for a dispatch
 * from then on. */
bool usdt_on = false;
__u64 usdt_on_ns = 0;
/* Ring buffer reserve failures. */
__u64 rb_dropped = 0;
/* Records are submitted without waking the consumer (a wakeup per record
 * costs the traced task an IPI or a preemption by evtrace on every sparse
 * event); the consumer polls with a timeout. Once this many bytes wait
 * unread, the submit wakes it. Set by user space to half the buffer. */
const volatile __u64 rb_wake_at = 0;

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
#define NR_pselect6 270
#define NR_ppoll 271
#define NR_epoll_pwait 281
#define NR_timerfd_settime 286
#define NR_rt_tgsigqueueinfo 297
#define NR_pidfd_send_signal 424
#define NR_epoll_pwait2 441

#define NR_pause 34
#define NR_nanosleep 35
#define NR_rt_sigsuspend 130
#define NR_clock_nanosleep 230

/* The syscalls the hooks act on, as a bitmap indexed by number: every
 * other syscall (most of them, system-wide) leaves sys_enter and sys_exit
 * before any map or storage lookup. Exit: also the sleeping syscalls a
 * signal can wake a receiver from, whose exit ends its return stage. */
#define SC_BIT(nr) (1ULL << ((nr) & 63))
static const __u64 sc_enter_bits[8] = {
	[0] = SC_BIT(NR_read) | SC_BIT(NR_write) | SC_BIT(NR_poll) | SC_BIT(NR_rt_sigreturn) |
	      SC_BIT(NR_readv) | SC_BIT(NR_writev) | SC_BIT(NR_select) | SC_BIT(NR_kill),
	[NR_rt_sigtimedwait / 64] = SC_BIT(NR_rt_sigtimedwait) | SC_BIT(NR_rt_sigqueueinfo),
	[NR_tkill / 64] = SC_BIT(NR_tkill) | SC_BIT(NR_epoll_wait) | SC_BIT(NR_tgkill),
	[NR_pselect6 / 64] = SC_BIT(NR_pselect6) | SC_BIT(NR_ppoll) | SC_BIT(NR_epoll_pwait) |
			     SC_BIT(NR_timerfd_settime) | SC_BIT(NR_rt_tgsigqueueinfo),
	[NR_pidfd_send_signal / 64] = SC_BIT(NR_pidfd_send_signal) | SC_BIT(NR_epoll_pwait2),
};

static __always_inline bool sc_bit(const __u64 *bits, long id)
{
	__u64 nr = (__u64)id;

	if (nr >= 512)
		return false;
	return (bits[nr >> 6] >> (nr & 63)) & 1;
}

static __always_inline bool sc_enter_wanted(long id)
{
	return sc_bit(sc_enter_bits, id);
}

static __always_inline bool sc_exit_wanted(long id)
{
	__u64 nr = (__u64)id;

	return sc_bit(sc_enter_bits, id) || nr == NR_pause || nr == NR_nanosleep ||
	       nr == NR_rt_sigsuspend || nr == NR_clock_nanosleep;
}

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
	/* the syscall in progress */
	__u64 sc_ts;
	__u64 sc_obj;
	__u64 sc_buf;
	__u32 pad1;
	__u8 sc_op;
	__u8 sc_kind;
	__u8 in_handler;  /* between signal_deliver to a handler and rt_sigreturn */
	__u8 evm_seen;    /* libevm's probes fired in this task */
	__u8 sc_pkind;    /* the sent-to object's consumer kind + 1, if known */
	__u8 pad0[7];
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
	struct lcons lc[LC_MAX];
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
};

/* Per-object queue of send times, so that events queued without a wakeup
 * are measured from their own send: as deep as evload's flood window.
 * Deeper queues overwrite the oldest slots, whose events then get a later
 * send time (a lower total: a known gap). */
#define PQ 4096
struct pend {
	__u64 ts[PQ];
	__u64 late;       /* timerfd: lateness of the oldest expiry */
	__u64 cost;       /* the last sender cost not yet attributed */
	__u32 head;       /* next to consume (the consumer's) */
	__u32 tail;       /* next free (senders, atomic) */
	__u32 unit;       /* pipe: bytes per write */
	__u32 coal, coal_taken; /* signals: merged sends (atomic), reported */
	__u32 lost, lost_taken; /* signals: RT queue overflows (atomic), reported */
	__u32 ncost;      /* sends returned before a target consumed from here */
	__u8 kind;        /* kind + 1 once a target consumed from here */
	__u8 internal;    /* sent from inside a signal handler (libevm forward) */
	__u8 pad[2];
};

#define LATE_UNKNOWN (~0ULL)

struct tctx {
	__u64 timer;      /* timerfd_ctx whose callback runs on this CPU */
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

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct tstate);
} thash SEC(".maps");

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

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

static const struct tstate zero_state;
static const struct pend zero_pend;

/* ---- aggregation ---------------------------------------------------------- */

/* loghist_add() with the bucket index bounded where the verifier sees it. */
static __always_inline void hist_put(__u32 kind, __u32 stage, __s64 sv)
{
	__u32 key = kind * EVT_STAGE_MAX + stage;
	struct loghist *h = bpf_map_lookup_elem(&hists, &key);

	if (h)
		loghist_add(h, sv < 0 ? 0 : (__u64)sv);
}

static __always_inline struct kcounters *kcnt(__u32 kind)
{
	return bpf_map_lookup_elem(&counters, &kind);
}

static __always_inline void cnt_add(__u32 kind, __u32 c, __u64 v)
{
	struct kcounters *k = kcnt(kind);

	if (k && c < EVT_CNT_MAX)
		k->c[c] += v;
}

/* ---- targets and per-task state ------------------------------------------ */

static __always_inline bool tgid_is_target(__u32 tgid)
{
	if (tgid == cfg.self_tgid)
		return false;
	return cfg.all || tgid == cfg.target_tgid;
}

/* tp_btf: task storage. create: make it when the task belongs to a target. */
static __always_inline struct tstate *task_state(struct task_struct *task, bool create)
{
	struct tstate *t;

	t = bpf_task_storage_get(&tstore, task, 0, 0);
	if (t || !create)
		return t;
	if (!tgid_is_target(task->tgid) || (task->flags & PF_KTHREAD_FLAG))
		return NULL;
	t = bpf_task_storage_get(&tstore, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (t)
		t->tgid = task->tgid;
	return t;
}

/* raw_tp / tracepoint: hash keyed by tid. */
static __always_inline struct tstate *tid_state(__u32 tid, __u32 tgid, bool create)
{
	struct tstate *t;

	if (!cfg.follow && !cfg.all && tgid && tgid != cfg.target_tgid)
		return NULL;
	t = bpf_map_lookup_elem(&thash, &tid);
	if (t) {
		if (!t->tgid)
			t->tgid = tgid; /* created at a fork seen without it */
		return t;
	}
	if (!create || !tgid_is_target(tgid))
		return NULL;
	bpf_map_update_elem(&thash, &tid, &zero_state, BPF_NOEXIST);
	t = bpf_map_lookup_elem(&thash, &tid);
	if (t)
		t->tgid = tgid;
	return t;
}

static __always_inline struct tstate *cur_state(bool create)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (cfg.mode == EVT_MODE_TP_BTF)
		return task_state(bpf_get_current_task_btf(), create);
	return tid_state((__u32)id, id >> 32, create);
}

/* ---- fds ------------------------------------------------------------------ */

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

static __always_inline int fd_kind(__u64 poll)
{
	if (!poll)
		return -1;
	if (poll == cfg.eventfd_poll)
		return EVT_KIND_EVENTFD;
	if (poll == cfg.pipe_poll)
		return EVT_KIND_PIPE;
	if (poll == cfg.timerfd_poll)
		return EVT_KIND_TIMERFD;
	if (poll == cfg.signalfd_poll)
		return EVT_KIND_SIGNALFD;
	return -1;
}

/* The kind of fd, from its file's f_op->poll, and the object behind it
 * (eventfd_ctx, timerfd_ctx, pipe_inode_info). -1 if none of ours.
 * tp_btf: typed loads (cheap) and one read for the fd array slot; the other
 * modes read everything through CO-RE. */
static __always_inline int fd_classify(int fd, __u64 *obj)
{
	struct file **fds, *file = NULL;
	struct fdtable *fdt;
	int kind;

	if (fd < 0)
		return -1;
	if (cfg.mode == EVT_MODE_TP_BTF) {
		struct task_struct *task = bpf_get_current_task_btf();
		struct file *f;

		fdt = task->files->fdt;
		if (!fdt || (unsigned int)fd >= fdt->max_fds)
			return -1;
		fds = fdt->fd;
		if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
			return -1;
		f = bpf_rdonly_cast(file, bpf_core_type_id_kernel(struct file));
		kind = fd_kind((__u64)f->f_op->poll);
		if (kind >= 0)
			*obj = (__u64)f->private_data;
		return kind;
	} else {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();

		fdt = BPF_CORE_READ(task, files, fdt);
		if (!fdt || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
			return -1;
		fds = BPF_CORE_READ(fdt, fd);
		if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
			return -1;
		kind = fd_kind((__u64)BPF_CORE_READ(file, f_op, poll));
		if (kind >= 0)
			*obj = (__u64)BPF_CORE_READ(file, private_data);
		return kind;
	}
}

static __always_inline __u64 sig_key(__u32 tgid, int sig)
{
	return ((__u64)tgid << 8) | (__u64)(sig & 0xff);
}

/* ---- per-object queues ---------------------------------------------------- */

static __always_inline struct pend *pend_get(__u64 key, __u32 kind, bool create)
{
	struct pend *p = bpf_map_lookup_elem(&pendq, &key);

	if (p || !create)
		return p;
	if (bpf_map_update_elem(&pendq, &key, &zero_pend, BPF_NOEXIST) &&
	    !(p = bpf_map_lookup_elem(&pendq, &key))) {
		cnt_add(kind, EVT_CNT_LOST, 1);
		return NULL;
	}
	return bpf_map_lookup_elem(&pendq, &key);
}

/* Senders reserve a slot with one atomic add on tail, the consumer owns
 * head: no lock, and a slot is written before its event can be consumed
 * (the push happens at the sending syscall's entry). */
static __always_inline void pend_push(struct pend *p, __u64 ts, __u8 internal)
{
	__u32 slot;

	if (p->tail == p->head)
		p->internal = internal;
	else if (!internal)
		p->internal = 0;
	slot = __sync_fetch_and_add(&p->tail, 1);
	p->ts[slot & (PQ - 1)] = ts;
}

static __always_inline __u32 pend_len(const struct pend *p)
{
	__u32 n = p->tail - p->head;

	return n > 0x7fffffff ? 0 : n;
}

/* Takes units sends off the queue; returns the oldest one's send time (0 if
 * the queue was empty). */
static __always_inline __u64 pend_pop(struct pend *p, __u32 units)
{
	__u32 n = pend_len(p), head = p->head;
	__u64 ts;

	if (!n)
		return 0;
	ts = p->ts[head & (PQ - 1)];
	if (units > n)
		units = n;
	p->head = head + units;
	return ts;
}

/* ---- events --------------------------------------------------------------- */

/* Streams one event's record (--events): rec has its stages, ts and kind;
 * the receiver's ids are added here. */
static __always_inline void emit(const struct evt_record *rec)
{
	struct evt_record *r;
	__u64 id;

	if (!cfg.events)
		return;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&rb_dropped, 1);
		return;
	}
	__builtin_memcpy(r, rec, sizeof(*r));
	id = bpf_get_current_pid_tgid();
	r->pid = id >> 32;
	r->tid = (__u32)id;
	bpf_ringbuf_submit(r, bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= rb_wake_at ?
			   BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}


/* Takes the oldest consumption waiting for a dispatch probe. With the probe
 * (now != 0): the dispatch stage, and the total when it waited for it.
 * Without (a whole loop iteration passed, or the queue overflowed): a
 * deferred total ends where its return ended. */
static __always_inline void lc_pop(struct tstate *t, __u64 now)
{
	struct lcons *c = &t->lc[t->lc_head & (LC_MAX - 1)];
	__u64 d = 0, end = c->start, total;

	if (!t->lc_n)
		return;
	t->lc_head++;
	t->lc_n--;
	if (c->kind >= EVT_KIND_MAX)
		return;
	if (now) {
		d = now - c->start;
		hist_put(c->kind, EVT_STAGE_DISPATCH, d);
		end = now;
	}
	if (!c->deferred)
		return;
	total = end - c->send;
	hist_put(c->kind, EVT_STAGE_TOTAL, total);
	c->rec.ts = end;
	c->rec.dispatch_ns = d;
	c->rec.total_ns = total;
	emit(&c->rec);
}

/* One libevm dispatch begin at now: it dispatches the task's oldest
 * consumption waiting for one, else it is an io callback that reads its fd
 * itself (pipes), matched at that read. Shared by the trace slot and the
 * dispatch_begin uprobe. */
static __always_inline void dispatch_at(struct tstate *t, __u64 now)
{
	t->evm_seen = 1;
	/* none waits, or the oldest came after this dispatch began (a
	 * dispatch whose consumption was before usdt_on) */
	if (!t->lc_n || t->lc[t->lc_head & (LC_MAX - 1)].start > now) {
		t->io_disp = now;
		return;
	}
	lc_pop(t, now);
}

/* bpf_loop callbacks for slot_drain (the current task's state). */
struct slot_walk {
	__u64 first; /* seq of the first entry to read */
	__u64 addr;
};

static long slot_lost(__u32 i, void *unused)
{
	struct tstate *t = cur_state(false);

	if (!t || !t->lc_n)
		return 1;
	lc_pop(t, 0);
	return 0;
}

static long slot_entry(__u32 i, void *ctx)
{
	struct slot_walk *w = ctx;
	struct tstate *t = cur_state(false);
	__u64 seq = w->first + i, ns;

	if (!t || bpf_probe_read_user(&ns, sizeof(ns),
				      (void *)(w->addr + offsetof(struct evt_slot, ring) +
					       (seq & (EVT_SLOT_RING - 1)) *
						       sizeof(struct evt_slot_entry))))
		return 1;
	dispatch_at(t, ns);
	return 0;
}

/*
 * Matches the dispatches libevm wrote to the task's trace slot since the
 * last look, oldest first. Called before anything else at the task's
 * syscall entries and signal deliveries, so that every dispatch written
 * before a consumption is matched before that consumption is queued. More
 * than EVT_SLOT_RING dispatches without a syscall overwrite the oldest
 * entries: their times are gone, so the consumptions they dispatched get
 * no dispatch sample (their totals end at their return, as when no probe
 * comes); nothing is made up.
 */
static __always_inline void slot_drain(struct tstate *t)
{
	struct slot_walk w;
	struct {
		__u64 seq, last_ns;
	} h;
	__u64 seq, n;

	if (!t->slot || bpf_probe_read_user(&h, sizeof(h), (void *)t->slot))
		return;
	seq = h.seq;
	n = seq - t->slot_seq;
	if (!n)
		return;
	if (n > (1ULL << 32)) {
		/* went back (a slot reused after a fork or exec): resync */
		t->slot_seq = seq;
		return;
	}
	t->slot_seq = seq;
	if (n == 1) {
		/* the common case: one dispatch since the last look, its
		 * time in the slot's header (one read in all) */
		dispatch_at(t, h.last_ns);
		return;
	}
	if (n > EVT_SLOT_RING) {
		__u64 lost = n - EVT_SLOT_RING;

		if (t->lc_n)
			bpf_loop(lost < LC_MAX ? lost : LC_MAX, slot_lost, NULL, 0);
		n = EVT_SLOT_RING;
	}
	w.first = seq - n;
	w.addr = t->slot;
	bpf_loop(n, slot_entry, &w, 0);
}

/* bpf_loop callback: drops the oldest waiting consumption if stale. */
static long lc_stale(__u32 i, void *unused)
{
	struct tstate *t = cur_state(false);

	if (!t || !t->lc_n || t->lc[t->lc_head & (LC_MAX - 1)].start >= t->wait_exit)
		return 1;
	lc_pop(t, 0);
	return 0;
}

/*
 * One event of kind consumed by the current task at now.
 *   key     the object (fd kinds) or the signal key; p its queue or NULL
 *   units   sends it takes from the queue
 *   coal    sends merged into it
 *   end_at  end of the return stage; 0: the exit of the syscall the task
 *           slept in (woken) or now (queued)
 */
static __always_inline void consume(struct tstate *t, __u32 kind, __u32 cls, __u64 key,
				    struct pend *p, __u32 units, __u32 coal, __u64 now,
				    __u64 end_at)
{
	__u64 s0 = 0, sendst = 0, wake = 0, ret = 0, late = 0, end = now, total;
	struct evt_record rec = {};
	__u32 waketype = 0;
	struct kcounters *k;

	if (kind >= EVT_KIND_MAX)
		return;
	if (p && p->internal && pend_len(p) && cls == CLS_FD) {
		/* libevm forwarding a signal from its handler: part of that
		 * signal's dispatch, not an event of its own */
		pend_pop(p, units);
		return;
	}
	if (p && !p->kind) {
		/* the first consumption from this object by a target: the
		 * sends that returned before it get their kind */
		p->kind = kind + 1;
		if (p->ncost) {
			hist_put(kind, EVT_STAGE_SENDER, p->cost);
			cnt_add(kind, EVT_CNT_SENDS, p->ncost);
			p->ncost = 0;
		}
	}
	k = kcnt(kind);
	if (k)
		k->c[EVT_CNT_COALESCED] += coal;
	if (t->ev_cls == cls && (cls == CLS_SIGNAL || t->ev_obj == key)) {
		s0 = t->ev_send;
		late = t->ev_late;
		end = end_at ? end_at : (t->ev_ret ? t->ev_ret : now);
		sendst = t->ev_wake - s0;
		if (t->ev_switch) {
			wake = t->ev_switch - t->ev_wake;
			ret = end - t->ev_switch;
			waketype = t->ev_same ? 1 : 2;
			hist_put(kind, EVT_STAGE_WAKE, wake);
		} else {
			/* woken before it left its CPU: no switch needed */
			ret = end - t->ev_wake;
		}
		hist_put(kind, EVT_STAGE_SEND, sendst);
		hist_put(kind, EVT_STAGE_RETURN, ret);
		t->ev_cls = CLS_NONE;
		if (p)
			pend_pop(p, units);
	} else if (p && pend_len(p)) {
		if (cls == CLS_TIMER)
			late = p->late;
		s0 = pend_pop(p, units);
		end = end_at ? end_at : now;
	}
	if (!s0 || s0 > end) {
		if (k)
			k->c[EVT_CNT_UNMATCHED] += 1;
		return;
	}
	if (k) {
		k->c[EVT_CNT_EVENTS] += 1;
		k->c[waketype == 1 ? EVT_CNT_WAKE_SAME :
		     waketype == 2 ? EVT_CNT_WAKE_CROSS : EVT_CNT_WAKE_NONE] += 1;
	}
	if (cls == CLS_TIMER && late != LATE_UNKNOWN)
		hist_put(kind, EVT_STAGE_TIMER_LATE, late);
	total = end - s0;
	rec.ts = now;
	rec.send_ns = sendst;
	rec.wake_ns = wake;
	rec.return_ns = ret;
	rec.late_ns = late == LATE_UNKNOWN ? 0 : late;
	rec.coalesced = coal;
	rec.kind = kind;
	rec.wake = waketype;

	if (kind == EVT_KIND_PIPE && t->io_disp && t->wait_exit &&
	    t->io_disp >= t->wait_exit) {
		/* libevm's io probe fired before this read: a pipe is read
		 * inside its callback */
		__u64 d = t->io_disp - t->wait_exit;

		total = t->io_disp > s0 ? t->io_disp - s0 : total;
		hist_put(kind, EVT_STAGE_DISPATCH, d);
		hist_put(kind, EVT_STAGE_TOTAL, total);
		rec.dispatch_ns = d;
		rec.total_ns = total;
		emit(&rec);
		t->io_disp = 0;
		return;
	}
	t->io_disp = 0;
	if (usdt_on) {
		struct lcons *c;

		if (t->lc_n >= LC_MAX)
			lc_pop(t, 0);
		c = &t->lc[(t->lc_head + t->lc_n) & (LC_MAX - 1)];
		t->lc_n++;
		c->kind = kind;
		c->start = end;
		c->send = s0;
		/* once the task has shown libevm's probes, the total waits
		 * for the dispatch (DESIGN: total includes it) */
		c->deferred = t->evm_seen;
		if (c->deferred) {
			c->rec = rec;
			return;
		}
	}
	hist_put(kind, EVT_STAGE_TOTAL, total);
	rec.total_ns = total;
	emit(&rec);
}

/* A signal consumed (handler, sigwait, signalfd): the queue of (tgid, sig)
 * carries what happened at send time. */
static __always_inline struct pend *sig_prep(__u32 kind, __u64 key, __u32 *coal)
{
	struct pend *p = bpf_map_lookup_elem(&pendq, &key);
	__u32 c;

	*coal = 0;
	if (!p)
		return NULL;
	/* senders only add, the consumer keeps what it reported */
	c = p->coal;
	*coal = c - p->coal_taken;
	p->coal_taken = c;
	c = p->lost;
	if (c != p->lost_taken) {
		cnt_add(kind, EVT_CNT_LOST, c - p->lost_taken);
		p->lost_taken = c;
	}
	return p;
}

static __always_inline void sig_consume(struct tstate *t, __u32 kind, int sig, __u64 now,
					__u64 end_at)
{
	__u64 key = sig_key(bpf_get_current_pid_tgid() >> 32, sig);
	__u32 coal;
	struct pend *p = sig_prep(kind, key, &coal);

	consume(t, kind, CLS_SIGNAL, key, p, 1, coal, now, end_at);
}

/* ---- hook bodies, shared by the attach modes ------------------------------ */

static __always_inline void on_sys_enter(struct tstate *t, long id, __u64 a0, __u64 a1,
					 __u64 a2)
{
	__u64 now, obj = 0;
	struct pend *p;
	int k;

	/* before anything that may queue or drop a consumption */
	if (t->slot)
		slot_drain(t);
	t->sc_op = SC_NONE;
	switch (id) {
	case NR_write:
	case NR_writev:
		k = fd_classify((int)a0, &obj);
		if (k != EVT_KIND_EVENTFD && k != EVT_KIND_PIPE)
			return;
		now = bpf_ktime_get_ns();
		p = pend_get(obj, k, true);
		t->sc_pkind = 0;
		if (p) {
			if (k == EVT_KIND_PIPE)
				p->unit = id == NR_write ? (__u32)a2 : 0;
			pend_push(p, now, t->in_handler);
			t->sc_pkind = p->kind;
		}
		if (t->in_handler)
			return;
		t->sc_op = SC_SEND_FD;
		t->sc_kind = k;
		t->sc_obj = obj;
		t->sc_ts = now;
		return;
	case NR_read:
	case NR_readv:
		k = fd_classify((int)a0, &obj);
		if (k < 0)
			return;
		if (k == EVT_KIND_TIMERFD)
			pend_get(obj, k, true); /* a timer armed before attach */
		t->sc_op = SC_READ;
		t->sc_kind = k;
		t->sc_obj = obj;
		t->sc_buf = id == NR_read ? a1 : 0;
		return;
	case NR_kill:
	case NR_tkill:
	case NR_tgkill:
	case NR_rt_sigqueueinfo:
	case NR_rt_tgsigqueueinfo:
	case NR_pidfd_send_signal:
		t->sc_op = SC_SEND_SIG;
		t->sc_obj = 0;
		t->sc_ts = bpf_ktime_get_ns();
		return;
	case NR_rt_sigtimedwait:
		t->sc_op = SC_SIGWAIT;
		return;
	case NR_epoll_wait:
	case NR_epoll_pwait:
	case NR_epoll_pwait2:
	case NR_poll:
	case NR_ppoll:
	case NR_select:
	case NR_pselect6:
		t->sc_op = SC_WAIT;
		/* consumed before the last wait returned and still not
		 * dispatched: a whole loop iteration passed, no probe comes */
		if (t->lc_n && t->lc[t->lc_head & (LC_MAX - 1)].start < t->wait_exit)
			bpf_loop(LC_MAX, lc_stale, NULL, 0);
		return;
	case NR_timerfd_settime:
		k = fd_classify((int)a0, &obj);
		if (k == EVT_KIND_TIMERFD) {
			/* (re-)arming forgets an expiry not yet read */
			p = pend_get(obj, k, true);
			if (p)
				p->head = p->tail;
		}
		return;
	case NR_rt_sigreturn:
		t->in_handler = 0;
		return;
	}
}

/* A timerfd read with no fire of its own in the queue: armed before
 * attach, or an expiry whose hrtimer run the hook did not see. The expiry
 * read comes from the timer itself, re-armed by the read (fs/timerfd.c:
 * timerfd_read_iter takes the ticks, then hrtimer_forward_now() moves a
 * periodic timer past now and restarts it). Periodic: the next expiry
 * minus v periods is the oldest one read; one-shot: the expiry it had. If
 * the re-armed timer already fired again (ctx->ticks pending at the exit),
 * node.expires is that later expiry, which is also v periods past the
 * oldest one read. The clock base's offset makes it CLOCK_MONOTONIC. It is
 * put at the head of the queue (the consumer owns the head; a later fire
 * already queued stays for the next read), and counted as a send (an
 * expiry seen, at the read) with the last callback cost seen as its
 * sender cost (its own is unknown) and no lateness.
 *
 * Measured on 6.18: ~0.2-0.5% of the expirations a periodic timerfd's
 * reads return had no timerfd_tmrproc run at hrtimer_expire_entry or
 * _exit (both hooks count the same runs, no recursion miss), so the queue
 * alone cannot match every read. */
static __always_inline void timer_recover(struct pend *p, __u64 key, __u64 v, __u64 now)
{
	struct timerfd_ctx *ctx = (struct timerfd_ctx *)key;
	__s64 exp, intv, off;
	__u32 head;

	exp = BPF_CORE_READ(ctx, t.tmr.node.expires);
	intv = BPF_CORE_READ(ctx, tintv);
	off = BPF_CORE_READ(ctx, t.tmr.base, offset);
	if (intv > 0)
		exp -= (__s64)v * intv;
	exp -= off;
	/* an expiry read is in the past: anything else is a torn read */
	if (exp <= 0 || (__u64)exp > now)
		exp = (__s64)now;
	head = p->head - 1;
	p->ts[head & (PQ - 1)] = (__u64)exp;
	p->head = head;
	p->late = LATE_UNKNOWN;
	cnt_add(EVT_KIND_TIMERFD, EVT_CNT_SENDS, 1);
	hist_put(EVT_KIND_TIMERFD, EVT_STAGE_SENDER, timer_cost_last);
}

/* Reads past the first event of a read(2): more pipe messages, or more
 * siginfos from a signalfd. Run through bpf_loop, verified once. */
struct xctx {
	__u64 obj;
	__u64 buf;
	__u64 now;
};

static long pipe_extra(__u32 i, struct xctx *x)
{
	struct pend *p = bpf_map_lookup_elem(&pendq, &x->obj);
	struct kcounters *k = kcnt(EVT_KIND_PIPE);
	__u64 s0;

	if (!p || !k)
		return 1;
	/* queued behind the first: send -> this read */
	s0 = pend_pop(p, 1);
	if (!s0 || s0 > x->now) {
		k->c[EVT_CNT_UNMATCHED] += 1;
		return 0;
	}
	k->c[EVT_CNT_EVENTS] += 1;
	k->c[EVT_CNT_WAKE_NONE] += 1;
	hist_put(EVT_KIND_PIPE, EVT_STAGE_TOTAL, x->now - s0);
	{
		struct evt_record rec = {
			.ts = x->now, .total_ns = x->now - s0, .kind = EVT_KIND_PIPE,
		};

		emit(&rec);
	}
	return 0;
}

static long sigfd_extra(__u32 i, struct xctx *x)
{
	struct tstate *t = cur_state(false);
	__u32 signo = 0;

	if (!t || bpf_probe_read_user(&signo, sizeof(signo), (void *)(x->buf + (i + 1) * 128)))
		return 1;
	sig_consume(t, EVT_KIND_SIGNALFD, signo, x->now, 0);
	return 0;
}

/* A sending syscall returned: its cost goes to the kind its object is
 * consumed as (signals: handler, sigwait or signalfd; a pipe to a terminal
 * is no event of ours), kept aside until a target consumes from it. */
static __always_inline void send_done(struct tstate *t, __u64 now, __u8 op)
{
	__u64 key = t->sc_obj;
	struct pend *p;

	if (!key)
		return;
	if (op == SC_SEND_FD && t->sc_pkind && t->sc_pkind <= EVT_KIND_MAX) {
		/* known at entry: no lookup */
		hist_put(t->sc_pkind - 1, EVT_STAGE_SENDER, now - t->sc_ts);
		cnt_add(t->sc_pkind - 1, EVT_CNT_SENDS, 1);
		return;
	}
	p = bpf_map_lookup_elem(&pendq, &key);
	if (!p)
		return;
	if (p->kind && p->kind <= EVT_KIND_MAX) {
		hist_put(p->kind - 1, EVT_STAGE_SENDER, now - t->sc_ts);
		cnt_add(p->kind - 1, EVT_CNT_SENDS, 1);
	} else {
		p->cost = now - t->sc_ts;
		__sync_fetch_and_add(&p->ncost, 1);
	}
}

static __always_inline void on_sys_exit(struct tstate *t, long ret)
{
	__u32 kind, cls = CLS_FD, units = 1, coal = 0, n = 0, signo = 0;
	__u8 op = t->sc_op;
	__u64 now, key, v = 1;
	struct pend *p;

	if (op == SC_NONE && (!t->ev_cls || t->ev_ret))
		return; /* most syscalls: nothing to do, no clock read */
	now = bpf_ktime_get_ns();
	if (t->ev_cls && !t->ev_ret)
		t->ev_ret = now;
	if (op == SC_NONE)
		return;
	t->sc_op = SC_NONE;
	switch (op) {
	case SC_WAIT:
		t->wait_exit = now;
		return;
	case SC_SEND_FD:
	case SC_SEND_SIG:
		send_done(t, now, op);
		return;
	case SC_SIGWAIT:
		if (ret <= 0 || ret >= 65)
			return;
		kind = EVT_KIND_SIGWAIT;
		cls = CLS_SIGNAL;
		key = sig_key(bpf_get_current_pid_tgid() >> 32, (int)ret);
		break;
	case SC_READ:
		if (ret <= 0)
			return;
		kind = t->sc_kind;
		key = t->sc_obj;
		switch (kind) {
		case EVT_KIND_EVENTFD:
		case EVT_KIND_TIMERFD:
			if (t->sc_buf && ret == 8)
				bpf_probe_read_user(&v, sizeof(v), (void *)t->sc_buf);
			if (!v)
				v = 1;
			coal = (__u32)(v - 1);
			if (kind == EVT_KIND_EVENTFD) {
				units = (__u32)v;
			} else {
				/* the kernel re-arms a periodic timer at the
				 * read: one fire per read, overruns coalesce */
				units = 1;
				cls = CLS_TIMER;
			}
			break;
		case EVT_KIND_PIPE:
			/* one event per write read (evload: one message per write) */
			p = bpf_map_lookup_elem(&pendq, &key);
			n = p && p->unit ? (__u32)(((__u64)ret + p->unit - 1) / p->unit) : 1;
			break;
		case EVT_KIND_SIGNALFD:
			n = (__u32)((__u64)ret / 128);
			if (!t->sc_buf ||
			    bpf_probe_read_user(&signo, sizeof(signo), (void *)t->sc_buf))
				return;
			cls = CLS_SIGNAL;
			key = sig_key(bpf_get_current_pid_tgid() >> 32, signo);
			break;
		default:
			return;
		}
		break;
	default:
		return;
	}
	if (cls == CLS_SIGNAL)
		p = sig_prep(kind, key, &coal);
	else
		p = bpf_map_lookup_elem(&pendq, &key);
	if (cls == CLS_TIMER && p) {
		/* every read takes one expiry off the queue. An expiry queued
		 * after this read took its ticks (the timer re-armed by the
		 * read fired before this exit: its tick is pending again) is
		 * the next read's, not this one's. */
		__u32 n = pend_len(p);

		if (n && BPF_CORE_READ((struct timerfd_ctx *)key, ticks))
			n--;
		if (!n)
			timer_recover(p, key, v, now);
	}
	consume(t, kind, cls, key, p, units, coal, now, 0);
	if (n > 1 && bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_loop)) {
		struct xctx x = { .obj = key, .buf = t->sc_buf, .now = now };

		if (n > 4096)
			n = 4096;
		if (kind == EVT_KIND_PIPE)
			bpf_loop(n - 1, pipe_extra, &x, 0);
		else if (kind == EVT_KIND_SIGNALFD)
			bpf_loop(n - 1, sigfd_extra, &x, 0);
	}
}

/* The receiver pt is being woken: by a send of the current task, or by a
 * timerfd expiring on this CPU. Other wakeups are not events. */
static __always_inline void on_waking(struct tstate *pt)
{
	__u32 zero = 0;
	struct tctx *tc = bpf_map_lookup_elem(&timerctx, &zero);
	struct tstate *ct;

	if (tc && tc->timer) {
		pt->ev_cls = CLS_TIMER;
		pt->ev_obj = tc->timer;
		pt->ev_send = tc->expiry;
		pt->ev_late = tc->late;
	} else {
		ct = cur_state(false);
		if (!ct || ct == pt || (ct->sc_op != SC_SEND_FD && ct->sc_op != SC_SEND_SIG))
			return;
		pt->ev_cls = ct->sc_op == SC_SEND_SIG ? CLS_SIGNAL : CLS_FD;
		pt->ev_obj = ct->sc_obj;
		pt->ev_send = ct->sc_ts;
		pt->ev_late = 0;
	}
	pt->ev_wake = bpf_ktime_get_ns();
	pt->ev_switch = 0;
	pt->ev_ret = 0;
	pt->ev_cpu = bpf_get_smp_processor_id();
}

static __always_inline void on_switch_in(struct tstate *nt)
{
	if (nt->ev_cls && !nt->ev_switch && !nt->ev_ret) {
		nt->ev_switch = bpf_ktime_get_ns();
		nt->ev_same = bpf_get_smp_processor_id() == nt->ev_cpu;
	}
}

static __always_inline void on_sig_generate(int sig, __u32 tgid, int result)
{
	__u64 key = sig_key(tgid, sig), send = bpf_ktime_get_ns();
	struct tstate *ct = cur_state(false);
	struct pend *p;

	if (ct && ct->sc_op == SC_SEND_SIG) {
		send = ct->sc_ts;
		ct->sc_obj = key;
	}
	if (result == SIG_RES_IGNORED)
		return;
	p = pend_get(key, EVT_KIND_SIGNAL, true);
	if (!p)
		return;
	if (result == SIG_RES_ALREADY_PENDING)
		__sync_fetch_and_add(&p->coal, 1);
	else if (result == SIG_RES_OVERFLOW_FAIL)
		__sync_fetch_and_add(&p->lost, 1);
	else
		pend_push(p, send, 0);
}

static __always_inline void on_sig_deliver(struct tstate *t, int sig, __u64 handler)
{
	__u64 now;

	if (handler <= 1) /* SIG_DFL, SIG_IGN */
		return;
	if (t->slot)
		slot_drain(t); /* dispatches before this signal come first */
	now = bpf_ktime_get_ns();
	t->in_handler = 1;
	sig_consume(t, EVT_KIND_SIGNAL, sig, now, now);
}

/* A timerfd's hrtimer fires on this CPU: its programmed expiry (the base
 * clock's offset makes it CLOCK_MONOTONIC) is the event's send start, and
 * the time from it to this callback the timer's lateness. */
static __always_inline void on_hrtimer_entry(__u64 timer, __s64 expires, __s64 offset)
{
	__u64 now = bpf_ktime_get_ns(), late, expiry;
	__u32 zero = 0;
	struct tctx *tc;
	struct pend *p;

	p = bpf_map_lookup_elem(&pendq, &timer);
	if (!p)
		return; /* not a target's timer */
	tc = bpf_map_lookup_elem(&timerctx, &zero);
	if (!tc)
		return;
	expiry = (__u64)(expires - offset);
	late = now > expiry ? now - expiry : 0;
	tc->timer = timer;
	tc->expiry = now - late;
	tc->fire = now;
	tc->late = late;
	if (!pend_len(p))
		p->late = late;
	pend_push(p, now - late, 0);
	/* counted here, where the expiry is queued: a read takes one expiry
	 * off the queue, so sends >= events holds whatever happens to the
	 * exit hook */
	cnt_add(EVT_KIND_TIMERFD, EVT_CNT_SENDS, 1);
}

static __always_inline void on_hrtimer_exit(void)
{
	__u32 zero = 0;
	struct tctx *tc = bpf_map_lookup_elem(&timerctx, &zero);
	__u64 cost;

	if (!tc || !tc->timer)
		return;
	cost = bpf_ktime_get_ns() - tc->fire;
	timer_cost_last = cost;
	hist_put(EVT_KIND_TIMERFD, EVT_STAGE_SENDER, cost);
	tc->timer = 0;
}

/* libevm's evm:dispatch_begin(kind, fd, wake_ns), a callback about to run
 * (a libevm without the trace slot). Its arguments are not needed (and not
 * fetched: cheaper). */
SEC("usdt")
int evt_dispatch(struct pt_regs *ctx)
{
	struct tstate *t = cur_state(false);

	if (t)
		dispatch_at(t, bpf_ktime_get_ns());
	return 0;
}

/* libevm's evm:trace_slot(slot, seq, start): the thread's trace slot is at
 * slot, its next dispatch will be number seq, and it has written the slot
 * since dispatch number start (when it saw the semaphore rise). Fires once
 * per thread, then every 100 us for 20 ms, backing off to once a second
 * (user/evm_trace.c); every dispatch is read from the slot at the next
 * syscall, trap-free.
 *
 * The kernel raises the semaphore when it registers the probe, a moment
 * before this program is attached: the thread may have announced unseen and
 * written dispatches since, some of them after usdt_on (their consumptions
 * queued). Those are taken from the ring by their times (after usdt_on_ns),
 * so that each queued consumption still meets its own dispatch; if the ring
 * no longer holds them all, the queued consumptions get no dispatch sample
 * (their totals end at their return) rather than a wrong one. */
SEC("usdt")
int evt_slot(struct pt_regs *ctx)
{
	/* made here if need be: attached to a running loop, the announce can
	 * come before the thread's first syscall seen */
	struct tstate *t = cur_state(true);
	struct evt_slot_entry ring[EVT_SLOT_RING];
	long addr, seq, start;
	__u64 first;
	int i;

	if (!t || bpf_usdt_arg(ctx, 0, &addr) || bpf_usdt_arg(ctx, 1, &seq) ||
	    bpf_usdt_arg(ctx, 2, &start))
		return 0;
	t->evm_seen = 1;
	if (t->slot == (__u64)addr) {
		/* a re-announce: what the slot holds up to seq is ours */
		slot_drain(t);
		t->slot_seq = seq;
		return 0;
	}
	first = seq;
	if ((__u64)seq > (__u64)start &&
	    !bpf_probe_read_user(ring, sizeof(ring),
				 (void *)(addr + offsetof(struct evt_slot, ring)))) {
		for (i = 0; i < EVT_SLOT_RING; i++) {
			if (first <= (__u64)start ||
			    ring[(first - 1) & (EVT_SLOT_RING - 1)].ns <= usdt_on_ns)
				break;
			first--;
		}
		if (i == EVT_SLOT_RING && first > (__u64)start) {
			/* more than the ring holds */
			if (t->lc_n)
				bpf_loop(LC_MAX, slot_lost, NULL, 0);
			first = seq;
		}
	}
	t->slot = addr;
	t->slot_seq = first;
	if (first != (__u64)seq)
		slot_drain(t);
	return 0;
}

/* ---- tp_btf: typed arguments, task storage -------------------------------- */

SEC("tp_btf/sys_enter")
int BPF_PROG(evt_enter_btf, struct pt_regs *regs, long id)
{
	struct tstate *t;

	if (cfg.hooks_only || !sc_enter_wanted(id))
		return 0;
	t = task_state(bpf_get_current_task_btf(), true);
	if (t)
		on_sys_enter(t, id, regs->di, regs->si, regs->dx);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(evt_exit_btf, struct pt_regs *regs, long ret)
{
	struct tstate *t;

	if (cfg.hooks_only || !sc_exit_wanted(regs->orig_ax))
		return 0;
	t = task_state(bpf_get_current_task_btf(), false);
	if (t)
		on_sys_exit(t, ret);
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(evt_waking_btf, struct task_struct *p)
{
	struct tstate *t = task_state(p, true);

	if (cfg.hooks_only)
		return 0;
	if (t)
		on_waking(t);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(evt_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct tstate *t;

	if (cfg.hooks_only)
		return 0;
	t = bpf_task_storage_get(&tstore, next, 0, 0);
	if (t)
		on_switch_in(t);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(evt_fork_btf, struct task_struct *parent, struct task_struct *child)
{
	struct tstate *t;

	if (!bpf_task_storage_get(&tstore, parent, 0, 0))
		return 0;
	if (child->tgid != parent->tgid && !cfg.follow)
		return 0;
	t = bpf_task_storage_get(&tstore, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (t)
		t->tgid = child->tgid;
	return 0;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(evt_siggen_btf, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	if (task_state(task, true))
		on_sig_generate(sig, task->tgid, result);
	return 0;
}

SEC("tp_btf/signal_deliver")
int BPF_PROG(evt_sigdel_btf, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	struct tstate *t = task_state(bpf_get_current_task_btf(), false);

	if (t)
		on_sig_deliver(t, sig, (__u64)ka->sa.sa_handler);
	return 0;
}

SEC("tp_btf/hrtimer_expire_entry")
int BPF_PROG(evt_hrtent_btf, struct hrtimer *hrtimer, ktime_t *now)
{
	if ((__u64)hrtimer->function != cfg.timerfd_tmrproc || !cfg.timerfd_tmrproc)
		return 0;
	on_hrtimer_entry((__u64)hrtimer, hrtimer->node.expires, hrtimer->base->offset);
	return 0;
}

SEC("tp_btf/hrtimer_expire_exit")
int BPF_PROG(evt_hrtexit_btf, struct hrtimer *hrtimer)
{
	on_hrtimer_exit();
	return 0;
}

/* ---- raw_tp: untyped arguments (CO-RE reads), per-thread hash ------------- */

SEC("raw_tp/sys_enter")
int BPF_PROG(evt_enter_raw, struct pt_regs *regs, long id)
{
	struct tstate *t;

	if (!sc_enter_wanted(id))
		return 0;
	t = cur_state(true);
	if (t)
		on_sys_enter(t, id, BPF_CORE_READ(regs, di), BPF_CORE_READ(regs, si),
			     BPF_CORE_READ(regs, dx));
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(evt_exit_raw, struct pt_regs *regs, long ret)
{
	struct tstate *t;

	if (!sc_exit_wanted(BPF_CORE_READ(regs, orig_ax)))
		return 0;
	t = cur_state(false);
	if (t)
		on_sys_exit(t, ret);
	return 0;
}

SEC("raw_tp/sched_waking")
int BPF_PROG(evt_waking_raw, struct task_struct *p)
{
	struct tstate *t = tid_state(BPF_CORE_READ(p, pid), BPF_CORE_READ(p, tgid), true);

	if (t)
		on_waking(t);
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(evt_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct tstate *t = tid_state(BPF_CORE_READ(next, pid), BPF_CORE_READ(next, tgid), false);

	if (t)
		on_switch_in(t);
	return 0;
}

static __always_inline void fork_hash(__u32 ptid, __u32 ctid, __u32 ptgid, __u32 ctgid)
{
	struct tstate *t;

	if (!tid_state(ptid, ptgid, false))
		return;
	if (ctgid != ptgid && !cfg.follow)
		return;
	bpf_map_update_elem(&thash, &ctid, &zero_state, BPF_NOEXIST);
	t = bpf_map_lookup_elem(&thash, &ctid);
	if (t)
		t->tgid = ctgid;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(evt_fork_raw, struct task_struct *parent, struct task_struct *child)
{
	fork_hash(BPF_CORE_READ(parent, pid), BPF_CORE_READ(child, pid),
		  BPF_CORE_READ(parent, tgid), BPF_CORE_READ(child, tgid));
	return 0;
}

SEC("raw_tp/signal_generate")
int BPF_PROG(evt_siggen_raw, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);

	if (tid_state(BPF_CORE_READ(task, pid), tgid, true))
		on_sig_generate(sig, tgid, result);
	return 0;
}

SEC("raw_tp/signal_deliver")
int BPF_PROG(evt_sigdel_raw, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	struct tstate *t = cur_state(false);

	if (t)
		on_sig_deliver(t, sig, (__u64)BPF_CORE_READ(ka, sa.sa_handler));
	return 0;
}

SEC("raw_tp/hrtimer_expire_entry")
int BPF_PROG(evt_hrtent_raw, struct hrtimer *hrtimer, ktime_t *now)
{
	if ((__u64)BPF_CORE_READ(hrtimer, function) != cfg.timerfd_tmrproc || !cfg.timerfd_tmrproc)
		return 0;
	on_hrtimer_entry((__u64)hrtimer, BPF_CORE_READ(hrtimer, node.expires),
			 BPF_CORE_READ(hrtimer, base, offset));
	return 0;
}

SEC("raw_tp/hrtimer_expire_exit")
int BPF_PROG(evt_hrtexit_raw, struct hrtimer *hrtimer)
{
	on_hrtimer_exit();
	return 0;
}

/* ---- classic tracepoints (tracefs): the format's fields ------------------- */

SEC("tp/raw_syscalls/sys_enter")
int evt_enter_tp(struct trace_event_raw_sys_enter *ctx)
{
	struct tstate *t;

	if (!sc_enter_wanted(ctx->id))
		return 0;
	t = cur_state(true);
	if (t)
		on_sys_enter(t, ctx->id, ctx->args[0], ctx->args[1], ctx->args[2]);
	return 0;
}

SEC("tp/raw_syscalls/sys_exit")
int evt_exit_tp(struct trace_event_raw_sys_exit *ctx)
{
	struct tstate *t;

	if (!sc_exit_wanted(ctx->id))
		return 0;
	t = cur_state(false);
	if (t)
		on_sys_exit(t, ctx->ret);
	return 0;
}

SEC("tp/sched/sched_waking")
int evt_waking_tp(struct trace_event_raw_sched_wakeup_template *ctx)
{
	struct tstate *t = tid_state(ctx->pid, 0, false);

	if (t)
		on_waking(t);
	return 0;
}

SEC("tp/sched/sched_switch")
int evt_switch_tp(struct trace_event_raw_sched_switch *ctx)
{
	struct tstate *t = tid_state(ctx->next_pid, 0, false);

	if (t)
		on_switch_in(t);
	return 0;
}

SEC("tp/sched/sched_process_fork")
int evt_fork_tp(struct trace_event_raw_sched_process_fork *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();

	/* the child's tgid is not in the format: only followed forks (the
	 * threads of a target are found by tgid at their first syscall) */
	if (cfg.follow)
		fork_hash(ctx->parent_pid, ctx->child_pid, id >> 32, 0);
	return 0;
}

SEC("tp/signal/signal_generate")
int evt_siggen_tp(struct trace_event_raw_signal_generate *ctx)
{
	struct tstate *t = tid_state(ctx->pid, 0, false);
	__u32 tgid;

	if (t)
		tgid = t->tgid;
	else if ((__u32)ctx->pid == cfg.target_tgid && cfg.target_tgid)
		tgid = ctx->pid; /* a process-directed signal to the target */
	else
		return 0;
	on_sig_generate(ctx->sig, tgid, ctx->result);
	return 0;
}

SEC("tp/signal/signal_deliver")
int evt_sigdel_tp(struct trace_event_raw_signal_deliver *ctx)
{
	struct tstate *t = cur_state(false);

	if (t)
		on_sig_deliver(t, ctx->sig, ctx->sa_handler);
	return 0;
}

SEC("tp/timer/hrtimer_expire_entry")
int evt_hrtent_tp(struct trace_event_raw_hrtimer_expire_entry *ctx)
{
	struct hrtimer *hrtimer = ctx->hrtimer;

	if ((__u64)ctx->function != cfg.timerfd_tmrproc || !cfg.timerfd_tmrproc)
		return 0;
	on_hrtimer_entry((__u64)hrtimer, BPF_CORE_READ(hrtimer, node.expires),
			 BPF_CORE_READ(hrtimer, base, offset));
	return 0;
}

SEC("tp/timer/hrtimer_expire_exit")
int evt_hrtexit_tp(struct trace_event_raw_hrtimer_class *ctx)
{
	on_hrtimer_exit();
	return 0;
}

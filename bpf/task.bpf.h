/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: targets (tgid filter, follow forks) and per-task state. The
 * filter every hook passes through: with cfg.hooks_only (the overhead
 * floor) no task has state, so every program returns at once.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
/* ---- targets and per-task state ------------------------------------------ */

static __always_inline bool tgid_is_target(__u32 tgid)
{
	if (tgid == cfg.self_tgid)
		return false;
	return cfg.all || tgid == cfg.target_tgid;
}

/* tp_btf: a thread's state is the slot of tslots its tid selects, owned by
 * the thread (tid and start time) from its first hook to its exit
 * (hook_task.bpf.h frees it). The verifier inlines the array lookup: no
 * helper call and no lock on the path of every hook (task storage costs
 * a call and takes a per-CPU lock a nested hook fails on). A thread whose
 * slot another one holds has task storage instead, looked up only while
 * some thread has (tstore_live). A thread that exec()s from a non-leader
 * takes the leader's tid: its old slot is found by no one and stays taken
 * (that tid's threads get task storage). */
#define TSLOT_BUSY 0xffffffffU

static __always_inline struct tstate *tslot_get(struct task_struct *task)
{
	__u32 i = (__u32)task->pid & (TSLOTS - 1);

	return bpf_map_lookup_elem(&tslots, &i);
}

/* (tid 0, the idle tasks, owns no slot: a free slot reads owner 0) */
static __always_inline bool tslot_owns(const struct tstate *t, struct task_struct *task)
{
	return t->owner_pid == (__u32)task->pid && t->owner_pid &&
	       t->owner_start == task->start_time;
}

/* tp_btf: the state of a new target thread: its slot if free, else task
 * storage. A slot being taken or cleared (TSLOT_BUSY) is no one's yet:
 * none (the hook that asked loses this one run, never the event's
 * accounting of another thread). */
static __always_inline struct tstate *task_state_make(struct task_struct *task, struct tstate *t)
{
	if (t && !t->owner_pid) {
		if (__sync_val_compare_and_swap(&t->owner_pid, 0, TSLOT_BUSY))
			return NULL;
		t->owner_start = task->start_time;
		t->tgid = task->tgid;
		t->task = (__u64)task;
		t->owner_pid = (__u32)task->pid;
		return t;
	}
	if (t && t->owner_pid == TSLOT_BUSY)
		return NULL;
	__sync_fetch_and_add(&tstore_live, 1);
	t = bpf_task_storage_get(&tstore, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t) {
		__sync_fetch_and_add(&tstore_live, -1);
		return NULL;
	}
	t->tgid = task->tgid;
	t->task = (__u64)task;
	return t;
}

/* tp_btf. create: make it when the task belongs to a target. */
static __always_inline struct tstate *task_state(struct task_struct *task, bool create)
{
	struct tstate *t, *s;

	if (cfg.hooks_only)
		return NULL;
	t = tslot_get(task);
	if (t && tslot_owns(t, task))
		return t;
	if (tstore_live) {
		s = bpf_task_storage_get(&tstore, task, 0, 0);
		if (s)
			return s;
	}
	if (!create || !tgid_is_target(task->tgid) ||
	    (task->flags & (PF_KTHREAD_FLAG | PF_EXITING_FLAG)))
		return NULL;
	return task_state_make(task, t);
}

/* tp_btf: notes on this CPU the slot of next, switched in (t: its state,
 * NULL if none): TSLOTS if it owns none. */
static __always_inline void cpuslot_note(struct task_struct *next, const struct tstate *t)
{
	__u32 zero = 0, *ci = bpf_map_lookup_elem(&cpuslot, &zero);

	if (ci)
		*ci = t && tslot_owns(t, next) ? (__u32)next->pid & (TSLOTS - 1) : TSLOTS;
}

/* tp_btf, sys_enter and sys_exit: the current thread's state, regs its
 * pt_regs. The slot of the thread last switched in on this CPU is the
 * current thread's if its owner's pt_regs are regs: they lie at the top of
 * the owner's kernel stack, which is its own while it lives, and a slot is
 * freed at its owner's exit, regs cleared with it. No helper call, no
 * task_struct read. Else (another thread, a switch the hook did not see,
 * state in task storage, none yet) task_state, and the owner of a slot
 * has its regs noted for its next syscalls. */
static __always_inline struct tstate *sys_task_state(struct pt_regs *regs, bool create)
{
	struct task_struct *task;
	__u32 zero = 0, *ci;
	struct tstate *t;

	if (cfg.hooks_only)
		return NULL;
	ci = bpf_map_lookup_elem(&cpuslot, &zero);
	if (ci && *ci < TSLOTS) {
		t = bpf_map_lookup_elem(&tslots, ci);
		if (t && t->regs == (__u64)regs && t->owner_pid && t->owner_pid != TSLOT_BUSY)
			return t;
	}
	task = bpf_get_current_task_btf();
	t = task_state(task, create);
	if (t && tslot_owns(t, task))
		t->regs = (__u64)regs;
	return t;
}

/* raw_tp / tracepoint: hash keyed by tid. */
static __always_inline struct tstate *tid_state(__u32 tid, __u32 tgid, bool create)
{
	struct tstate *t;

	if (cfg.hooks_only)
		return NULL;
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
	else
		__sync_fetch_and_add(&thash_full, 1);
	return t;
}

/* raw_tp / tracepoint: a thread of a target that found the per-thread hash
 * full has no state, and its events would vanish: its consumptions are
 * counted as lost instead, by kind (a read of an fd of ours, a sigwait, a
 * signal delivered to a handler). Threads leave the hash at their exit
 * (hook_task.bpf.h), so only that many live threads fill it. */
static __always_inline bool stateless_target(void)
{
	__u64 id;

	/* tp_btf: never (task storage is made on demand); the mode first,
	 * so that the verifier drops the helper call below with it */
	if (cfg.mode == EVT_MODE_TP_BTF || cfg.hooks_only)
		return false;
	id = bpf_get_current_pid_tgid();
	if (!tgid_is_target(id >> 32))
		return false;
	return !bpf_map_lookup_elem(&thash, &(__u32){ (__u32)id });
}

/* The mode first: a helper call the mode does not use would stay in the
 * program (the verifier drops only the branch). regs: the syscall hooks'
 * (tp_btf: sys_task_state), else NULL. */
static __always_inline struct tstate *cur_state_regs(bool create, struct pt_regs *regs)
{
	__u64 id;

	if (cfg.mode == EVT_MODE_TP_BTF && regs)
		return sys_task_state(regs, create);
	if (cfg.mode == EVT_MODE_TP_BTF)
		return task_state(bpf_get_current_task_btf(), create);
	id = bpf_get_current_pid_tgid();
	return tid_state((__u32)id, id >> 32, create);
}

static __always_inline struct tstate *cur_state(bool create)
{
	return cur_state_regs(create, NULL);
}

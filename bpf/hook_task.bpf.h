/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: task lifetime: sched_process_fork makes a target's new
 * thread (and, with follow, its child process) a target; sched_process_exit
 * forgets a thread (its slot, its task storage, its per-thread hash entry).
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
/* tp_btf: the child's state (its slot, or task storage). */
static __always_inline void on_fork_task(struct task_struct *parent, struct task_struct *child)
{
	if (!task_state(parent, false))
		return;
	if (child->tgid != parent->tgid && !cfg.follow)
		return;
	if (!task_state(child, false))
		task_state_make(child, tslot_get(child));
}

/* tp_btf: a thread exits: its slot is cleared and freed (the fields
 * before lc; the queue in lc is empty at lc_n 0), or its task storage
 * goes, so that a new thread starts afresh. BUSY first: no hook finds the
 * slot while it is cleared, no new thread takes it. */
static __always_inline void on_exit_task(struct task_struct *task)
{
	struct tstate *t;

	if (cfg.hooks_only)
		return;
	t = tslot_get(task);
	if (t && tslot_owns(t, task)) {
		t->owner_pid = TSLOT_BUSY;
		__builtin_memset((char *)t + sizeof(t->owner_pid), 0,
				 __builtin_offsetof(struct tstate, lc) - sizeof(t->owner_pid));
		t->owner_pid = 0;
	}
	if (tstore_live && bpf_task_storage_get(&tstore, task, 0, 0)) {
		bpf_task_storage_delete(&tstore, task);
		__sync_fetch_and_add(&tstore_live, -1);
	}
}

/* raw_tp / tracepoint: a thread exits: its entry in the per-thread hash
 * goes (task storage goes with the task by itself), so that dead threads
 * never fill the hash and a new thread reusing the tid starts afresh. */
static __always_inline void on_exit_hash(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (!cfg.hooks_only)
		bpf_map_delete_elem(&thash, &tid);
}

/* raw_tp / tracepoint: the child's entry in the per-thread hash (ctgid 0:
 * unknown, set at its first hook). */
static __always_inline void on_fork_hash(__u32 ptid, __u32 ctid, __u32 ptgid, __u32 ctgid)
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

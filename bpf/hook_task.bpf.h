/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: task lifetime: sched_process_fork makes a target's new
 * thread (and, with follow, its child process) a target; sched_process_exit
 * forgets a thread (per-thread hash).
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
/* tp_btf: the child's task storage. */
static __always_inline void on_fork_task(struct task_struct *parent, struct task_struct *child)
{
	struct tstate *t;

	if (!task_state(parent, false))
		return;
	if (child->tgid != parent->tgid && !cfg.follow)
		return;
	t = bpf_task_storage_get(&tstore, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (t)
		t->tgid = child->tgid;
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

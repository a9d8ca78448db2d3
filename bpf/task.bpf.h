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

/* tp_btf: task storage. create: make it when the task belongs to a target. */
static __always_inline struct tstate *task_state(struct task_struct *task, bool create)
{
	struct tstate *t;

	if (cfg.hooks_only)
		return NULL;
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
 * program (the verifier drops only the branch). */
static __always_inline struct tstate *cur_state(bool create)
{
	__u64 id;

	if (cfg.mode == EVT_MODE_TP_BTF)
		return task_state(bpf_get_current_task_btf(), create);
	id = bpf_get_current_pid_tgid();
	return tid_state((__u32)id, id >> 32, create);
}

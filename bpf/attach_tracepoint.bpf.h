/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: the classic tracepoint programs (tracefs format fields): the last fallback.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
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

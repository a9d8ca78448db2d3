/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: the classic tracepoint programs (tracefs format fields): the
 * last fallback. Each takes its hook's arguments and calls its body
 * (hook_*.bpf.h), where every filter is.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
SEC("tp/raw_syscalls/sys_enter")
int evt_enter_tp(struct trace_event_raw_sys_enter *ctx)
{
	bool lost;
	struct tstate *t = sys_enter_state(ctx->id, &lost, NULL);

	if (t)
		on_sys_enter(t, ctx->id, ctx->args[0], ctx->args[1], ctx->args[2]);
	else if (lost)
		sys_enter_lost(ctx->id, ctx->args[0]);
	return 0;
}

SEC("tp/raw_syscalls/sys_exit")
int evt_exit_tp(struct trace_event_raw_sys_exit *ctx)
{
	struct tstate *t = sys_exit_state(ctx->id, NULL);

	if (t)
		on_sys_exit(t, ctx->id, ctx->ret, NULL);
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
		on_fork_hash(ctx->parent_pid, ctx->child_pid, id >> 32, 0);
	return 0;
}

SEC("tp/sched/sched_process_exit")
int evt_exit_task_tp(void *ctx)
{
	on_exit_hash();
	return 0;
}

SEC("tp/signal/signal_generate")
int evt_siggen_tp(struct trace_event_raw_signal_generate *ctx)
{
	/* the format has no tgid: the receiver's state has it */
	on_sig_generate(tid_state(ctx->pid, 0, false), ctx->pid, ctx->sig, 0, ctx->result);
	return 0;
}

SEC("tp/signal/signal_deliver")
int evt_sigdel_tp(struct trace_event_raw_signal_deliver *ctx)
{
	struct tstate *t = cur_state(false);

	on_sig_deliver(t, ctx->sig, ctx->sa_handler);
	return 0;
}

SEC("tp/timer/hrtimer_expire_entry")
int evt_hrtent_tp(struct trace_event_raw_hrtimer_expire_entry *ctx)
{
	on_hrtimer_entry(ctx->hrtimer, (__u64)ctx->function);
	return 0;
}

SEC("tp/timer/hrtimer_expire_exit")
int evt_hrtexit_tp(struct trace_event_raw_hrtimer_class *ctx)
{
	on_hrtimer_exit();
	return 0;
}

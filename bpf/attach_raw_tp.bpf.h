/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: the raw_tp programs (untyped arguments, CO-RE reads,
 * per-thread hash): the first fallback. Each takes its hook's arguments and
 * calls its body (hook_*.bpf.h), where every filter is.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
SEC("raw_tp/sys_enter")
int BPF_PROG(evt_enter_raw, struct pt_regs *regs, long id)
{
	bool lost;
	struct tstate *t = sys_enter_state(id, &lost, NULL);

	if (t)
		on_sys_enter(t, id, BPF_CORE_READ(regs, di), BPF_CORE_READ(regs, si),
			     BPF_CORE_READ(regs, dx));
	else if (lost)
		sys_enter_lost(id, BPF_CORE_READ(regs, di));
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(evt_exit_raw, struct pt_regs *regs, long ret)
{
	struct tstate *t = sys_exit_state(BPF_CORE_READ(regs, orig_ax), NULL);

	if (t)
		on_sys_exit(t, BPF_CORE_READ(regs, orig_ax), ret, regs);
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

SEC("raw_tp/sched_process_fork")
int BPF_PROG(evt_fork_raw, struct task_struct *parent, struct task_struct *child)
{
	on_fork_hash(BPF_CORE_READ(parent, pid), BPF_CORE_READ(child, pid),
		     BPF_CORE_READ(parent, tgid), BPF_CORE_READ(child, tgid));
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(evt_exit_task_raw)
{
	on_exit_hash();
	return 0;
}

SEC("raw_tp/signal_generate")
int BPF_PROG(evt_siggen_raw, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	__u32 pid = BPF_CORE_READ(task, pid), tgid = BPF_CORE_READ(task, tgid);

	on_sig_generate(tid_state(pid, tgid, true), pid, sig, tgid, result);
	return 0;
}

SEC("raw_tp/signal_deliver")
int BPF_PROG(evt_sigdel_raw, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	struct tstate *t = cur_state(false);

	on_sig_deliver(t, sig, (__u64)BPF_CORE_READ(ka, sa.sa_handler));
	return 0;
}

SEC("raw_tp/hrtimer_expire_entry")
int BPF_PROG(evt_hrtent_raw, struct hrtimer *hrtimer, ktime_t *now)
{
	on_hrtimer_entry(hrtimer, (__u64)BPF_CORE_READ(hrtimer, function));
	return 0;
}

SEC("raw_tp/hrtimer_expire_exit")
int BPF_PROG(evt_hrtexit_raw, struct hrtimer *hrtimer)
{
	on_hrtimer_exit();
	return 0;
}

/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: the tp_btf programs (typed arguments, task storage): the
 * first choice. Each takes its hook's arguments and calls its body
 * (hook_*.bpf.h), where every filter is.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
SEC("tp_btf/sys_enter")
int BPF_PROG(evt_enter_btf, struct pt_regs *regs, long id)
{
	bool lost;
	struct tstate *t = sys_enter_state(id, &lost, regs);

	if (t)
		on_sys_enter(t, id, regs->di, regs->si, regs->dx);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(evt_exit_btf, struct pt_regs *regs, long ret)
{
	struct tstate *t = sys_exit_state(regs->orig_ax, regs);

	if (t)
		on_sys_exit(t, regs->orig_ax, ret, regs);
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(evt_waking_btf, struct task_struct *p)
{
	struct tstate *t = task_state(p, true);

	if (t)
		on_waking(t);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(evt_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct tstate *t = task_state(next, false);

	cpuslot_note(next, t);
	if (t)
		on_switch_in(t);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(evt_fork_btf, struct task_struct *parent, struct task_struct *child)
{
	on_fork_task(parent, child);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(evt_exit_task_btf, struct task_struct *p)
{
	on_exit_task(p);
	return 0;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(evt_siggen_btf, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	on_sig_generate(task_state(task, true), task->pid, sig, task->tgid, result);
	return 0;
}

SEC("tp_btf/signal_deliver")
int BPF_PROG(evt_sigdel_btf, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	struct tstate *t = task_state(bpf_get_current_task_btf(), false);

	on_sig_deliver(t, sig, (__u64)ka->sa.sa_handler);
	return 0;
}

SEC("tp_btf/hrtimer_expire_entry")
int BPF_PROG(evt_hrtent_btf, struct hrtimer *hrtimer, ktime_t *now)
{
	on_hrtimer_entry(hrtimer, (__u64)hrtimer->function);
	return 0;
}

SEC("tp_btf/hrtimer_expire_exit")
int BPF_PROG(evt_hrtexit_btf, struct hrtimer *hrtimer)
{
	on_hrtimer_exit();
	return 0;
}

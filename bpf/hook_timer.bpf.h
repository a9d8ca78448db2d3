/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: the hrtimer hooks: hrtimer_expire_entry/exit of a timerfd's
 * timer (its function is timerfd_tmrproc; every other timer leaves at
 * once). mech_timerfd.bpf.h decodes the expiry.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
/* The function of every timerfd's hrtimer (from the kernel's BTF at load;
 * 0 if the kernel has none: no timerfd send stage). */
extern enum hrtimer_restart timerfd_tmrproc(struct hrtimer *htmr) __ksym __weak;

static __always_inline void on_hrtimer_entry(struct hrtimer *hrtimer, __u64 function)
{
	if (cfg.hooks_only || !function || function != (__u64)&timerfd_tmrproc)
		return;
	timerfd_fire((__u64)hrtimer, evt_now(), BPF_CORE_READ(hrtimer, node.expires),
		     BPF_CORE_READ(hrtimer, base, offset));
}

static __always_inline void on_hrtimer_exit(void)
{
	if (cfg.hooks_only)
		return;
	timerfd_fire_done();
}

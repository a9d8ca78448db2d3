/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: the hrtimer hooks: hrtimer_expire_entry/exit of a timerfd's
 * timer (its function is timerfd_tmrproc; every other timer leaves at
 * once). mech_timerfd.bpf.h decodes the expiry.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
static __always_inline void on_hrtimer_entry(struct hrtimer *hrtimer, __u64 function)
{
	if (cfg.hooks_only || !cfg.timerfd_tmrproc || function != cfg.timerfd_tmrproc)
		return;
	timerfd_fire((__u64)hrtimer, bpf_ktime_get_ns(), BPF_CORE_READ(hrtimer, node.expires),
		     BPF_CORE_READ(hrtimer, base, offset));
}

static __always_inline void on_hrtimer_exit(void)
{
	if (cfg.hooks_only)
		return;
	timerfd_fire_done();
}

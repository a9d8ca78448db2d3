/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: rt_sigtimedwait: the signal number it returns is the event.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
static __always_inline bool sigwait_exit(long ret, struct cons *c, struct pend **p)
{
	if (ret <= 0 || ret >= 65)
		return false;
	*p = sig_prep(c, EVT_KIND_SIGWAIT, bpf_get_current_pid_tgid() >> 32, (int)ret);
	return true;
}

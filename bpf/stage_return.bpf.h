/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: the return stage: switched in (or woken, when it never left
 * its CPU) -> end, the exit of the syscall it slept in (hook_syscalls.bpf.h
 * takes it) or, for a signal handler, signal_deliver.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
static __always_inline void return_stage(const struct tstate *t, __u32 kind, __u64 end,
					 struct evt_record *rec)
{
	rec->return_ns = end - (t->ev_switch ? t->ev_switch : t->ev_wake);
	hist_add(kind, EVT_STAGE_RETURN, rec->return_ns);
}

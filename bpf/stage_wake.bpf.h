/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: the wake stage: sched_waking of the receiver -> switched in
 * (hook_sched.bpf.h takes both times); same CPU, cross CPU or no wakeup.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
/* An event whose receiver its send woke. Returns the wake type of the
 * record: 1 switched in on the waker's CPU, 2 on another, 0 woken before
 * it left its CPU (no switch needed, no wake stage). */
static __always_inline __u32 wake_stage(const struct tstate *t, __u32 kind,
					struct evt_record *rec)
{
	if (!t->ev_switch)
		return 0;
	rec->wake_ns = t->ev_switch - t->ev_wake;
	hist_add(kind, EVT_STAGE_WAKE, rec->wake_ns);
	return t->ev_same ? 1 : 2;
}

/* The counter of an event's wake type. */
static __always_inline __u32 wake_counter(__u32 waketype)
{
	return waketype == 1 ? EVT_CNT_WAKE_SAME :
	       waketype == 2 ? EVT_CNT_WAKE_CROSS : EVT_CNT_WAKE_NONE;
}

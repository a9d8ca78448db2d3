/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: timerfd: hrtimer_expire_entry/exit, the programmed expiry as send start, the timer lateness.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
/* A timerfd's hrtimer fires on this CPU: its programmed expiry (the base
 * clock's offset makes it CLOCK_MONOTONIC) is the event's send start, and
 * the time from it to this callback the timer's lateness. */
static __always_inline void on_hrtimer_entry(__u64 timer, __s64 expires, __s64 offset)
{
	__u64 now = bpf_ktime_get_ns(), late, expiry;
	__u32 zero = 0;
	struct tctx *tc;
	struct pend *p;

	p = bpf_map_lookup_elem(&pendq, &timer);
	if (!p)
		return; /* not a target's timer */
	tc = bpf_map_lookup_elem(&timerctx, &zero);
	if (!tc)
		return;
	expiry = (__u64)(expires - offset);
	late = now > expiry ? now - expiry : 0;
	tc->timer = timer;
	tc->expiry = now - late;
	tc->fire = now;
	tc->late = late;
	if (!pend_len(p))
		p->late = late;
	pend_push(p, now - late, 0);
	/* counted here, where the expiry is queued: a read takes one expiry
	 * off the queue, so sends >= events holds whatever happens to the
	 * exit hook */
	cnt_add(EVT_KIND_TIMERFD, EVT_CNT_SENDS, 1);
}

static __always_inline void on_hrtimer_exit(void)
{
	__u32 zero = 0;
	struct tctx *tc = bpf_map_lookup_elem(&timerctx, &zero);
	__u64 cost;

	if (!tc || !tc->timer)
		return;
	cost = bpf_ktime_get_ns() - tc->fire;
	timer_cost_last = cost;
	hist_put(EVT_KIND_TIMERFD, EVT_STAGE_SENDER, cost);
	tc->timer = 0;
}

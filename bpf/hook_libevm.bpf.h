/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: libevm's USDT probes: evm:dispatch_begin (fallback) and evm:trace_slot.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
/* libevm's evm:dispatch_begin(kind, fd, wake_ns), a callback about to run
 * (a libevm without the trace slot). Its arguments are not needed (and not
 * fetched: cheaper). */
SEC("usdt")
int evt_dispatch(struct pt_regs *ctx)
{
	struct tstate *t = cur_state(false);

	if (t)
		dispatch_at(t, evt_now());
	return 0;
}

/* libevm's evm:trace_slot(slot, seq, start): the thread's trace slot is at
 * slot, its next dispatch will be number seq, and it has written the slot
 * since dispatch number start (when it saw the semaphore rise). Fires once
 * per thread, then every 100 us for 20 ms, backing off to once a second
 * (user/libevm/evm_trace.c); every dispatch is read from the slot at the next
 * syscall, trap-free.
 *
 * The kernel raises the semaphore when it registers the probe, a moment
 * before this program is attached: the thread may have announced unseen and
 * written dispatches since, some of them after usdt_on (their consumptions
 * queued). Those are taken from the ring by their times (after usdt_on_ns),
 * so that each queued consumption still meets its own dispatch; if the ring
 * no longer holds them all, the queued consumptions get no dispatch sample
 * (their totals end at their return) rather than a wrong one. */
SEC("usdt")
int evt_slot(struct pt_regs *ctx)
{
	/* made here if need be: attached to a running loop, the announce can
	 * come before the thread's first syscall seen */
	struct tstate *t = cur_state(true);
	struct evt_slot_entry ring[EVT_SLOT_RING];
	long addr, seq, start;
	__u64 first;
	int i;

	if (!t || bpf_usdt_arg(ctx, 0, &addr) || bpf_usdt_arg(ctx, 1, &seq) ||
	    bpf_usdt_arg(ctx, 2, &start))
		return 0;
	t->evm_seen = 1;
	if (t->slot == (__u64)addr) {
		/* a re-announce: what the slot holds up to seq is ours */
		slot_drain(t);
		t->slot_seq = seq;
		return 0;
	}
	first = seq;
	if ((__u64)seq > (__u64)start &&
	    !bpf_probe_read_user(ring, sizeof(ring),
				 (void *)(addr + offsetof(struct evt_slot, ring)))) {
		for (i = 0; i < EVT_SLOT_RING; i++) {
			if (first <= (__u64)start ||
			    ring[(first - 1) & (EVT_SLOT_RING - 1)].ns <= usdt_on_ns)
				break;
			first--;
		}
		if (i == EVT_SLOT_RING && first > (__u64)start) {
			/* more than the ring holds */
			if (t->lc_n)
				bpf_loop(LC_MAX, slot_lost, NULL, 0);
			first = seq;
		}
	}
	t->slot = addr;
	t->slot_seq = first;
	if (first != (__u64)seq)
		slot_drain(t);
	return 0;
}

/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: the send stage (send start -> sched_waking of the receiver),
 * the sender's cost (time inside the sending syscall or timer callback) and
 * the timer lateness (timerfd: programmed expiry -> callback).
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
/* Sends that returned before any target had consumed from the object wait
 * in p->ncost until the first consumption names their kind. A sender that
 * finds no kind adds to ncost and looks at the kind again; the first
 * consumer sets the kind and takes ncost: whichever of the two comes
 * second (both are full barriers) sees the other's write and flushes, and
 * the exchange hands each waiting send to exactly one of them. */
static __always_inline void pend_sends_flush(struct pend *p, __u32 kind)
{
	__u32 n = __sync_lock_test_and_set(&p->ncost, 0);

	if (n)
		hist_put(kind, EVT_STAGE_SENDER, p->cost);
	n = __sync_lock_test_and_set(&p->nsend, 0);
	if (n) {
		cnt_add_to(p->tgid, p->sig, kind, EVT_CNT_SENDS, n);
		lvl_add(p->tgid, p->sig, kind, n);
	}
}

/* n sends entered p's queue (or were merged or lost at it): counted in its
 * kind's sends, or kept in p->nsend until the first consumption names the
 * kind (the same hand-over as the costs'). Every send is counted where it
 * enters a queue, whoever sent it (an untraced process, the kernel), so
 * that each one leaves by exactly one way: an event, coalesced, lost,
 * re-armed, forwarded, a default action, or still in flight. */
static __always_inline void pend_sent(struct pend *p, __u32 n)
{
	__u8 kind = p->kind;

	if (kind && kind <= EVT_KIND_MAX) {
		cnt_add_to(p->tgid, p->sig, kind - 1, EVT_CNT_SENDS, n);
		lvl_add(p->tgid, p->sig, kind - 1, n);
		return;
	}
	__sync_fetch_and_add(&p->nsend, n);
	kind = *(volatile __u8 *)&p->kind;
	if (kind && kind <= EVT_KIND_MAX)
		pend_sends_flush(p, kind - 1);
}

/* A sending syscall returned: its cost goes to the kind its object is
 * consumed as (signals: handler, sigwait or signalfd; a pipe to a terminal
 * is no event of ours), kept aside until a target consumes from it. */
static __always_inline void send_done(struct tstate *t, __u64 now, __u8 op)
{
	__u64 key = t->sc_obj;
	struct pend *p;

	if (!key)
		return;
	emit_send(t->sc_ts, now, t->sc_nr);
	/* the send itself was counted where it entered the queue (pend_sent) */
	if (op == SC_SEND_FD && t->sc_pkind && t->sc_pkind <= EVT_KIND_MAX) {
		/* known at entry: no lookup */
		hist_add(t->sc_pkind - 1, EVT_STAGE_SENDER, now - t->sc_ts);
		return;
	}
	p = pend_find(key);
	if (!p)
		return;
	if (p->kind && p->kind <= EVT_KIND_MAX) {
		hist_put(p->kind - 1, EVT_STAGE_SENDER, now - t->sc_ts);
	} else {
		__u8 kind;

		p->cost = now - t->sc_ts;
		__sync_fetch_and_add(&p->ncost, 1);
		/* a first consumption on another CPU may have set the kind
		 * since (pend_sends_flush) */
		kind = *(volatile __u8 *)&p->kind;
		if (kind && kind <= EVT_KIND_MAX)
			pend_sends_flush(p, kind - 1);
	}
}

/* An event whose receiver its send woke: send start (t->ev_send, taken by
 * the sending syscall's entry or the timer hook) -> sched_waking. */
static __always_inline void send_stage(const struct tstate *t, __u32 kind,
				       struct evt_record *rec)
{
	rec->send_ns = t->ev_wake - t->ev_send;
	hist_add(kind, EVT_STAGE_SEND, rec->send_ns);
}

/* timerfd: programmed expiry -> its callback, when the timer hook saw it. */
static __always_inline void late_stage(__u32 kind, __u32 cls, __u64 late,
				       struct evt_record *rec)
{
	if (cls == CLS_TIMER && late != LATE_UNKNOWN)
		hist_put(kind, EVT_STAGE_TIMER_LATE, late);
	rec->late_ns = late == LATE_UNKNOWN ? 0 : late;
}

/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: a consumption closes an event: matched to its send (the
 * wakeup the send caused, or the object's queue of send times), its stages
 * computed (stage_*.bpf.h), counted, and the total (send start -> end of
 * return, or of dispatch).
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
/*
 * One event c (decoded by its mechanism; p its queue or NULL) consumed by
 * the current task at now (0: not read yet, read here if needed: a clock
 * read is the costliest helper). end_at: end of the return stage; 0: the
 * exit of the syscall the task slept in (woken) or now (queued). A global
 * function: the verifier checks it once, not once per mechanism calling it.
 */
/* The stages of an event whose receiver its send woke, ending at end: one
 * global function for the three samples (one call, not three; inline in
 * consume() they would be verified once per path through it). Returns the
 * wake type (stage_wake.bpf.h). */
__noinline int woken_stages(const struct tstate *t, __u32 kind, __u64 end, struct evt_record *rec)
{
	int waketype;

	if (!t || !rec || kind >= EVT_KIND_MAX)
		return 0;
	waketype = wake_stage(t, kind, rec);
	send_stage(t, kind, rec);
	return_stage(t, kind, end, rec);
	return waketype;
}

__noinline int consume(struct tstate *t, const struct cons *c, struct pend *p, __u64 now,
		       __u64 end_at)
{
	__u64 s0 = 0, late = 0, end = now, total;
	__u32 kind, cls, waketype = 0, n = 0, tg, sg;
	struct evt_record rec = {};
	struct kcounters *k;

	if (!t || !c)
		return 0;
	kind = c->kind;
	cls = c->cls;
	if (kind >= EVT_KIND_MAX)
		return 0;
	tg = t->tgid;
	sg = cls == CLS_SIGNAL ? (__u32)(c->key & 0xff) : 0;
	if (p && p->kind != kind + 1) {
		/* the first consumption from this object by a target (or
		 * from an address reused by another kind after a close): the
		 * sends queued or returned before it get their kind */
		p->kind = kind + 1;
		p->tgid = t->tgid;
		pend_sends_flush(p, kind);
	}
	k = kcnt(kind);
	if (!k)
		return 0; /* never (kind is in range): one path for the verifier, not two */
	if (p && p->internal && cls == CLS_FD) {
		/* libevm forwarding a signal from its handler: part of that
		 * signal's dispatch, not an event of its own */
		n = pend_avail(p, c->units);
		pend_pop(p, n);
		lvl_add(tg, sg, kind, -(__s64)n);
		if (k)
			kc_add(k, tg, kind, sg, EVT_CNT_FORWARDED, n);
		if (t->ev_cls == cls && t->ev_obj == c->key)
			t->ev_cls = CLS_NONE;
		return 0;
	}
	/* signals: sends merged at signal_generate; timerfd: expirations
	 * merged into one read (no callback of their own: not sends) */
	if (k && cls != CLS_FD)
		kc_add(k, tg, kind, sg, EVT_CNT_COALESCED, c->coal);
	if (cls == CLS_SIGNAL)
		lvl_add(tg, sg, kind, -(__s64)c->coal); /* taken off the signal's queue */
	if (t->ev_cls == cls && (cls == CLS_SIGNAL ? p && pend_len(p) : t->ev_obj == c->key)) {
		/* the receiver was woken by this event's send (a signal's wakeup
		 * does not say which signal: one whose queue holds no send seen,
		 * e.g. pending since before the attach, is not the woken one,
		 * which stays to be consumed next) */
		s0 = t->ev_send;
		late = t->ev_late;
		end = end_at ? end_at : (t->ev_ret ? t->ev_ret : now);
		waketype = woken_stages(t, kind, end, &rec);
		t->ev_cls = CLS_NONE;
		if (p) {
			n = pend_avail(p, c->units);
			pend_pop(p, c->units);
			lvl_add(tg, sg, kind, -(__s64)n);
		}
	} else if (p && pend_len(p)) {
		/* queued while the receiver was busy: from its own send (a
		 * send queued after this consumption ended stays queued) */
		if (cls == CLS_TIMER)
			late = p->late;
		s0 = pend_peek(p);
		if (!now)
			now = evt_now();
		end = end_at ? end_at : now;
		if (s0 <= end) {
			n = pend_avail(p, c->units);
			pend_pop(p, c->units);
			lvl_add(tg, sg, kind, -(__s64)n);
		}
	}
	if (!s0 || s0 > end) {
		if (k)
			kc_add(k, tg, kind, sg, EVT_CNT_UNMATCHED, 1);
		return 0;
	}
	if (k) {
		kc_add(k, tg, kind, sg, EVT_CNT_EVENTS, 1);
		kc_add(k, tg, kind, sg, wake_counter(waketype), 1);
		/* eventfd: the sends seen that one read took past the first */
		if (cls == CLS_FD && n > 1)
			kc_add(k, tg, kind, sg, EVT_CNT_COALESCED, n - 1);
	}
	late_stage(kind, cls, late, &rec);
	total = end - s0;
	rec.ts = now;
	rec.start = s0;
	rec.coalesced = c->coal;
	rec.kind = kind;
	rec.wake = waketype;
	if (dispatch_before_read(t, kind, s0, total, &rec))
		return 0;
	if (dispatch_wait(t, kind, end, s0, &rec))
		return 0;
	hist_put(kind, EVT_STAGE_TOTAL, total);
	rec.total_ns = total;
	emit(&rec);
	return 0;
}

/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: a consumption closes an event: the return, dispatch and total stages, coalescing.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
/*
 * One event of kind consumed by the current task at now.
 *   key     the object (fd kinds) or the signal key; p its queue or NULL
 *   units   sends it takes from the queue
 *   coal    sends merged into it
 *   end_at  end of the return stage; 0: the exit of the syscall the task
 *           slept in (woken) or now (queued)
 */
static __always_inline void consume(struct tstate *t, __u32 kind, __u32 cls, __u64 key,
				    struct pend *p, __u32 units, __u32 coal, __u64 now,
				    __u64 end_at)
{
	__u64 s0 = 0, sendst = 0, wake = 0, ret = 0, late = 0, end = now, total;
	struct evt_record rec = {};
	__u32 waketype = 0;
	struct kcounters *k;

	if (kind >= EVT_KIND_MAX)
		return;
	if (p && p->internal && pend_len(p) && cls == CLS_FD) {
		/* libevm forwarding a signal from its handler: part of that
		 * signal's dispatch, not an event of its own */
		pend_pop(p, units);
		return;
	}
	if (p && !p->kind) {
		/* the first consumption from this object by a target: the
		 * sends that returned before it get their kind */
		p->kind = kind + 1;
		pend_sends_flush(p, kind);
	}
	k = kcnt(kind);
	if (k)
		k->c[EVT_CNT_COALESCED] += coal;
	if (t->ev_cls == cls && (cls == CLS_SIGNAL || t->ev_obj == key)) {
		s0 = t->ev_send;
		late = t->ev_late;
		end = end_at ? end_at : (t->ev_ret ? t->ev_ret : now);
		sendst = t->ev_wake - s0;
		if (t->ev_switch) {
			wake = t->ev_switch - t->ev_wake;
			ret = end - t->ev_switch;
			waketype = t->ev_same ? 1 : 2;
			hist_put(kind, EVT_STAGE_WAKE, wake);
		} else {
			/* woken before it left its CPU: no switch needed */
			ret = end - t->ev_wake;
		}
		hist_put(kind, EVT_STAGE_SEND, sendst);
		hist_put(kind, EVT_STAGE_RETURN, ret);
		t->ev_cls = CLS_NONE;
		if (p)
			pend_pop(p, units);
	} else if (p && pend_len(p)) {
		if (cls == CLS_TIMER)
			late = p->late;
		s0 = pend_pop(p, units);
		end = end_at ? end_at : now;
	}
	if (!s0 || s0 > end) {
		if (k)
			k->c[EVT_CNT_UNMATCHED] += 1;
		return;
	}
	if (k) {
		k->c[EVT_CNT_EVENTS] += 1;
		k->c[waketype == 1 ? EVT_CNT_WAKE_SAME :
		     waketype == 2 ? EVT_CNT_WAKE_CROSS : EVT_CNT_WAKE_NONE] += 1;
	}
	if (cls == CLS_TIMER && late != LATE_UNKNOWN)
		hist_put(kind, EVT_STAGE_TIMER_LATE, late);
	total = end - s0;
	rec.ts = now;
	rec.send_ns = sendst;
	rec.wake_ns = wake;
	rec.return_ns = ret;
	rec.late_ns = late == LATE_UNKNOWN ? 0 : late;
	rec.coalesced = coal;
	rec.kind = kind;
	rec.wake = waketype;

	if (kind == EVT_KIND_PIPE && t->io_disp && t->wait_exit &&
	    t->io_disp >= t->wait_exit) {
		/* libevm's io probe fired before this read: a pipe is read
		 * inside its callback */
		__u64 d = t->io_disp - t->wait_exit;

		total = t->io_disp > s0 ? t->io_disp - s0 : total;
		hist_put(kind, EVT_STAGE_DISPATCH, d);
		hist_put(kind, EVT_STAGE_TOTAL, total);
		rec.dispatch_ns = d;
		rec.total_ns = total;
		emit(&rec);
		t->io_disp = 0;
		return;
	}
	t->io_disp = 0;
	if (usdt_on) {
		struct lcons *c;

		if (t->lc_n >= LC_MAX)
			lc_pop(t, 0);
		c = &t->lc[(t->lc_head + t->lc_n) & (LC_MAX - 1)];
		t->lc_n++;
		c->kind = kind;
		c->start = end;
		c->send = s0;
		/* once the task has shown libevm's probes, the total waits
		 * for the dispatch (DESIGN: total includes it) */
		c->deferred = t->evm_seen;
		if (c->deferred) {
			c->rec = rec;
			return;
		}
	}
	hist_put(kind, EVT_STAGE_TOTAL, total);
	rec.total_ns = total;
	emit(&rec);
}

/* A signal consumed (handler, sigwait, signalfd): the queue of (tgid, sig)
 * carries what happened at send time. */
static __always_inline struct pend *sig_prep(__u32 kind, __u64 key, __u32 *coal)
{
	struct pend *p = bpf_map_lookup_elem(&pendq, &key);
	__u32 c;

	*coal = 0;
	if (!p)
		return NULL;
	/* senders only add, the consumer keeps what it reported */
	c = p->coal;
	*coal = c - p->coal_taken;
	p->coal_taken = c;
	c = p->lost;
	if (c != p->lost_taken) {
		cnt_add(kind, EVT_CNT_LOST, c - p->lost_taken);
		p->lost_taken = c;
	}
	return p;
}

static __always_inline void sig_consume(struct tstate *t, __u32 kind, int sig, __u64 now,
					__u64 end_at)
{
	__u64 key = sig_key(bpf_get_current_pid_tgid() >> 32, sig);
	__u32 coal;
	struct pend *p = sig_prep(kind, key, &coal);

	consume(t, kind, CLS_SIGNAL, key, p, 1, coal, now, end_at);
}

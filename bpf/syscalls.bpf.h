/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: sys_enter: the send stage starts, the sender cost; sys_exit: the consuming syscalls end the return stage.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
/* ---- hook bodies, shared by the attach modes ------------------------------ */

static __always_inline void on_sys_enter(struct tstate *t, long id, __u64 a0, __u64 a1,
					 __u64 a2)
{
	__u64 now, obj = 0;
	struct pend *p;
	int k;

	/* before anything that may queue or drop a consumption */
	if (t->slot)
		slot_drain(t);
	t->sc_op = SC_NONE;
	switch (id) {
	case NR_write:
	case NR_writev:
		k = fd_classify((int)a0, &obj);
		if (k != EVT_KIND_EVENTFD && k != EVT_KIND_PIPE)
			return;
		now = bpf_ktime_get_ns();
		p = pend_get(obj, k, true);
		t->sc_pkind = 0;
		if (p) {
			if (k == EVT_KIND_PIPE)
				p->unit = id == NR_write ? (__u32)a2 : 0;
			pend_push(p, now, t->in_handler);
			t->sc_pkind = p->kind;
		}
		if (t->in_handler)
			return;
		t->sc_op = SC_SEND_FD;
		t->sc_kind = k;
		t->sc_obj = obj;
		t->sc_ts = now;
		return;
	case NR_read:
	case NR_readv:
		k = fd_classify((int)a0, &obj);
		if (k < 0)
			return;
		if (k == EVT_KIND_TIMERFD)
			pend_get(obj, k, true); /* a timer armed before attach */
		t->sc_op = SC_READ;
		t->sc_kind = k;
		t->sc_obj = obj;
		t->sc_buf = id == NR_read ? a1 : 0;
		return;
	case NR_kill:
	case NR_tkill:
	case NR_tgkill:
	case NR_rt_sigqueueinfo:
	case NR_rt_tgsigqueueinfo:
	case NR_pidfd_send_signal:
		t->sc_op = SC_SEND_SIG;
		t->sc_obj = 0;
		t->sc_ts = bpf_ktime_get_ns();
		return;
	case NR_rt_sigtimedwait:
		t->sc_op = SC_SIGWAIT;
		return;
	case NR_epoll_wait:
	case NR_epoll_pwait:
	case NR_epoll_pwait2:
	case NR_poll:
	case NR_ppoll:
	case NR_select:
	case NR_pselect6:
		t->sc_op = SC_WAIT;
		/* consumed before the last wait returned and still not
		 * dispatched: a whole loop iteration passed, no probe comes */
		if (t->lc_n && t->lc[t->lc_head & (LC_MAX - 1)].start < t->wait_exit)
			bpf_loop(LC_MAX, lc_stale, NULL, 0);
		return;
	case NR_timerfd_settime:
		k = fd_classify((int)a0, &obj);
		if (k == EVT_KIND_TIMERFD) {
			/* (re-)arming forgets an expiry not yet read */
			p = pend_get(obj, k, true);
			if (p)
				p->head = p->tail;
		}
		return;
	case NR_rt_sigreturn:
		t->in_handler = 0;
		return;
	}
}

/* A timerfd read with no fire of its own in the queue: armed before
 * attach, or an expiry whose hrtimer run the hook did not see. The expiry
 * read comes from the timer itself, re-armed by the read (fs/timerfd.c:
 * timerfd_read_iter takes the ticks, then hrtimer_forward_now() moves a
 * periodic timer past now and restarts it). Periodic: the next expiry
 * minus v periods is the oldest one read; one-shot: the expiry it had. If
 * the re-armed timer already fired again (ctx->ticks pending at the exit),
 * node.expires is that later expiry, which is also v periods past the
 * oldest one read. The clock base's offset makes it CLOCK_MONOTONIC. It is
 * put at the head of the queue (the consumer owns the head; a later fire
 * already queued stays for the next read), and counted as a send (an
 * expiry seen, at the read) with the last callback cost seen as its
 * sender cost (its own is unknown) and no lateness.
 *
 * Measured on 6.18: ~0.2-0.5% of the expirations a periodic timerfd's
 * reads return had no timerfd_tmrproc run at hrtimer_expire_entry or
 * _exit (both hooks count the same runs, no recursion miss), so the queue
 * alone cannot match every read. */
static __always_inline void timer_recover(struct pend *p, __u64 key, __u64 v, __u64 now)
{
	struct timerfd_ctx *ctx = (struct timerfd_ctx *)key;
	__s64 exp, intv, off;
	__u32 head;

	exp = BPF_CORE_READ(ctx, t.tmr.node.expires);
	intv = BPF_CORE_READ(ctx, tintv);
	off = BPF_CORE_READ(ctx, t.tmr.base, offset);
	if (intv > 0)
		exp -= (__s64)v * intv;
	exp -= off;
	/* an expiry read is in the past: anything else is a torn read */
	if (exp <= 0 || (__u64)exp > now)
		exp = (__s64)now;
	head = p->head - 1;
	p->ts[head & (PQ - 1)] = (__u64)exp;
	p->head = head;
	p->late = LATE_UNKNOWN;
	cnt_add(EVT_KIND_TIMERFD, EVT_CNT_SENDS, 1);
	hist_put(EVT_KIND_TIMERFD, EVT_STAGE_SENDER, timer_cost_last);
}

/* Reads past the first event of a read(2): more pipe messages, or more
 * siginfos from a signalfd. Run through bpf_loop, verified once. */
struct xctx {
	__u64 obj;
	__u64 buf;
	__u64 now;
};

static long pipe_extra(__u32 i, struct xctx *x)
{
	struct pend *p = bpf_map_lookup_elem(&pendq, &x->obj);
	struct kcounters *k = kcnt(EVT_KIND_PIPE);
	__u64 s0;

	if (!p || !k)
		return 1;
	/* queued behind the first: send -> this read */
	s0 = pend_pop(p, 1);
	if (!s0 || s0 > x->now) {
		k->c[EVT_CNT_UNMATCHED] += 1;
		return 0;
	}
	k->c[EVT_CNT_EVENTS] += 1;
	k->c[EVT_CNT_WAKE_NONE] += 1;
	hist_put(EVT_KIND_PIPE, EVT_STAGE_TOTAL, x->now - s0);
	{
		struct evt_record rec = {
			.ts = x->now, .total_ns = x->now - s0, .kind = EVT_KIND_PIPE,
		};

		emit(&rec);
	}
	return 0;
}

static long sigfd_extra(__u32 i, struct xctx *x)
{
	struct tstate *t = cur_state(false);
	__u32 signo = 0;

	if (!t || bpf_probe_read_user(&signo, sizeof(signo), (void *)(x->buf + (i + 1) * 128)))
		return 1;
	sig_consume(t, EVT_KIND_SIGNALFD, signo, x->now, 0);
	return 0;
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
	if (op == SC_SEND_FD && t->sc_pkind && t->sc_pkind <= EVT_KIND_MAX) {
		/* known at entry: no lookup */
		hist_put(t->sc_pkind - 1, EVT_STAGE_SENDER, now - t->sc_ts);
		cnt_add(t->sc_pkind - 1, EVT_CNT_SENDS, 1);
		return;
	}
	p = bpf_map_lookup_elem(&pendq, &key);
	if (!p)
		return;
	if (p->kind && p->kind <= EVT_KIND_MAX) {
		hist_put(p->kind - 1, EVT_STAGE_SENDER, now - t->sc_ts);
		cnt_add(p->kind - 1, EVT_CNT_SENDS, 1);
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

static __always_inline void on_sys_exit(struct tstate *t, long ret)
{
	__u32 kind, cls = CLS_FD, units = 1, coal = 0, n = 0, signo = 0;
	__u8 op = t->sc_op;
	__u64 now, key, v = 1;
	struct pend *p;

	if (op == SC_NONE && (!t->ev_cls || t->ev_ret))
		return; /* most syscalls: nothing to do, no clock read */
	now = bpf_ktime_get_ns();
	if (t->ev_cls && !t->ev_ret)
		t->ev_ret = now;
	if (op == SC_NONE)
		return;
	t->sc_op = SC_NONE;
	switch (op) {
	case SC_WAIT:
		t->wait_exit = now;
		return;
	case SC_SEND_FD:
	case SC_SEND_SIG:
		send_done(t, now, op);
		return;
	case SC_SIGWAIT:
		if (ret <= 0 || ret >= 65)
			return;
		kind = EVT_KIND_SIGWAIT;
		cls = CLS_SIGNAL;
		key = sig_key(bpf_get_current_pid_tgid() >> 32, (int)ret);
		break;
	case SC_READ:
		if (ret <= 0)
			return;
		kind = t->sc_kind;
		key = t->sc_obj;
		switch (kind) {
		case EVT_KIND_EVENTFD:
		case EVT_KIND_TIMERFD:
			if (t->sc_buf && ret == 8)
				bpf_probe_read_user(&v, sizeof(v), (void *)t->sc_buf);
			if (!v)
				v = 1;
			coal = (__u32)(v - 1);
			if (kind == EVT_KIND_EVENTFD) {
				units = (__u32)v;
			} else {
				/* the kernel re-arms a periodic timer at the
				 * read: one fire per read, overruns coalesce */
				units = 1;
				cls = CLS_TIMER;
			}
			break;
		case EVT_KIND_PIPE:
			/* one event per write read (evload: one message per write) */
			p = bpf_map_lookup_elem(&pendq, &key);
			n = p && p->unit ? (__u32)(((__u64)ret + p->unit - 1) / p->unit) : 1;
			break;
		case EVT_KIND_SIGNALFD:
			n = (__u32)((__u64)ret / 128);
			if (!t->sc_buf ||
			    bpf_probe_read_user(&signo, sizeof(signo), (void *)t->sc_buf))
				return;
			cls = CLS_SIGNAL;
			key = sig_key(bpf_get_current_pid_tgid() >> 32, signo);
			break;
		default:
			return;
		}
		break;
	default:
		return;
	}
	if (cls == CLS_SIGNAL)
		p = sig_prep(kind, key, &coal);
	else
		p = bpf_map_lookup_elem(&pendq, &key);
	if (cls == CLS_TIMER && p) {
		/* every read takes one expiry off the queue. An expiry queued
		 * after this read took its ticks (the timer re-armed by the
		 * read fired before this exit: its tick is pending again) is
		 * the next read's, not this one's. */
		__u32 n = pend_len(p);

		if (n && BPF_CORE_READ((struct timerfd_ctx *)key, ticks))
			n--;
		if (!n)
			timer_recover(p, key, v, now);
	}
	consume(t, kind, cls, key, p, units, coal, now, 0);
	if (n > 1 && bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_loop)) {
		struct xctx x = { .obj = key, .buf = t->sc_buf, .now = now };

		if (n > 4096)
			n = 4096;
		if (kind == EVT_KIND_PIPE)
			bpf_loop(n - 1, pipe_extra, &x, 0);
		else if (kind == EVT_KIND_SIGNALFD)
			bpf_loop(n - 1, sigfd_extra, &x, 0);
	}
}

/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: the syscall hooks. sys_enter: a send starts (its time is the
 * send start; the sender cost runs to the exit), a read or wait starts;
 * sys_exit: the consuming syscalls end the return stage, the sending ones
 * the sender cost. What each syscall means per fd kind is its mechanism's
 * (mech.bpf.h).
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
/* The syscalls the hooks act on, as a bitmap indexed by number: every
 * other syscall (most of them, system-wide) leaves sys_enter and sys_exit
 * before any map or storage lookup. Exit: also the sleeping syscalls a
 * signal can wake a receiver from, whose exit ends its return stage.
 * exit and exit_group: a thread's last chance to drain its trace slot, so
 * that its last dispatches are matched (and their records streamed). */
#define SC_BIT(nr) (1ULL << ((nr) & 63))
static const __u64 sc_enter_bits[8] = {
	[0] = SC_BIT(NR_read) | SC_BIT(NR_write) | SC_BIT(NR_poll) | SC_BIT(NR_rt_sigreturn) |
	      SC_BIT(NR_readv) | SC_BIT(NR_writev) | SC_BIT(NR_select) | SC_BIT(NR_kill) |
	      SC_BIT(NR_exit) | SC_BIT(NR_sendto) | SC_BIT(NR_recvfrom) | SC_BIT(NR_sendmsg) |
	      SC_BIT(NR_recvmsg),
	[NR_rt_sigtimedwait / 64] = SC_BIT(NR_rt_sigtimedwait) | SC_BIT(NR_rt_sigqueueinfo),
	[NR_tkill / 64] = SC_BIT(NR_tkill) | SC_BIT(NR_epoll_wait) | SC_BIT(NR_tgkill) |
			  SC_BIT(NR_exit_group),
	[NR_pselect6 / 64] = SC_BIT(NR_pselect6) | SC_BIT(NR_ppoll) | SC_BIT(NR_epoll_pwait) |
			     SC_BIT(NR_timerfd_settime) | SC_BIT(NR_rt_tgsigqueueinfo),
	[NR_pidfd_send_signal / 64] = SC_BIT(NR_pidfd_send_signal) | SC_BIT(NR_epoll_pwait2),
};

static __always_inline bool sc_bit(const __u64 *bits, long id)
{
	__u64 nr = (__u64)id;

	if (nr >= 512)
		return false;
	return (bits[nr >> 6] >> (nr & 63)) & 1;
}

static __always_inline bool sc_enter_wanted(long id)
{
	return sc_bit(sc_enter_bits, id);
}

static __always_inline bool sc_exit_wanted(long id)
{
	__u64 nr = (__u64)id;

	return sc_bit(sc_enter_bits, id) || nr == NR_pause || nr == NR_nanosleep ||
	       nr == NR_rt_sigsuspend || nr == NR_clock_nanosleep;
}

/* The filters of sys_enter and sys_exit, before anything else (every
 * attach mode): the syscall number, then the target's state. */
/* A target thread with no state (task.bpf.h: stateless_target) enters id:
 * the consumption it starts is lost. */
static __always_inline void sys_enter_lost(long id, __u64 a0)
{
	__u64 obj;
	int k;

	if (id == NR_rt_sigtimedwait) {
		cnt_add(EVT_KIND_SIGWAIT, EVT_CNT_LOST, 1);
	} else if (id == NR_read || id == NR_readv || id == NR_recvfrom || id == NR_recvmsg) {
		k = fd_classify((int)a0, &obj, 0);
		if (k >= 0)
			cnt_add(k, EVT_CNT_LOST, 1);
	}
}

/* lost: a target thread without state (then sys_enter_lost). regs: the
 * hook's pt_regs (tp_btf), else NULL. */
static __always_inline struct tstate *sys_enter_state(long id, bool *lost, struct pt_regs *regs)
{
	struct tstate *t;

	*lost = false;
	if (cfg.hooks_only || !sc_enter_wanted(id))
		return NULL;
	t = cur_state_regs(true, regs);
	if (!t)
		*lost = stateless_target();
	return t;
}

static __always_inline struct tstate *sys_exit_state(long id, struct pt_regs *regs)
{
	if (cfg.hooks_only || !sc_exit_wanted(id))
		return NULL;
	return cur_state_regs(false, regs);
}

/* A send of t (syscall id, write(2)'s count a2, at t->sc_ts) to the object
 * of kind k whose queue is p: queued and counted. A global function: verified
 * once, whichever map the queue is in (a slot or the hash), not once per
 * kind of queue in sys_enter's body. */
__noinline int send_enqueue(struct tstate *t, struct pend *p, int k, long id, __u64 a2)
{
	if (!t || !p)
		return 0;
	mech_send_enter(p, k, id, a2);
	/* libevm's handler forwarding its signal: that object is libevm's
	 * own channel (any handler of another library writing to its pipe
	 * or socket is a send). The latest send decides: an object's
	 * address reused after a close starts afresh; a handler whose
	 * mapping was not found keeps what the object was. */
	if (t->in_handler != IN_HANDLER_UNSURE)
		p->internal = t->in_handler == IN_HANDLER_EVM;
	else if (p->internal)
		t->in_handler = IN_HANDLER_EVM;
	pend_push(p, t->sc_ts);
	pend_sent(p, 1);
	t->sc_pkind = p->kind;
	return 0;
}

/* sys_enter of a target thread with state. Inline (a call and its return
 * saved on every entry): it is verified once per kind of state (a slot or
 * task storage), which its big parts would double, so those are global
 * functions of their own, verified once: a send's queueing
 * (send_enqueue), a queue's making (pend_make), a timerfd re-arm. */
static __always_inline int sys_enter_body(struct tstate *t, long id, __u64 a0, __u64 a1, __u64 a2)
{
	__u64 now, obj = 0;
	struct pend *p;
	int k;

	if (!t)
		return 0;
	/* the dispatches since the last look, before anything that may queue
	 * or drop a consumption. With none waiting for a dispatch, a dispatch
	 * matters only to a pipe read inside its callback (below); the slot
	 * keeps it until then, and dispatch_at orders by time. */
	if (t->slot && t->lc_n)
		slot_drain(t);
	t->sc_op = SC_NONE;
	switch (id) {
	case NR_write:
	case NR_writev:
	case NR_sendto:
	case NR_sendmsg:
		k = fd_classify_dir((int)a0, &obj, true, t->task);
		if (!mech_fd_sends(k) || (k != EVT_KIND_UNIX && id >= NR_sendto))
			return 0;
		now = evt_now();
		obj = key_of(&t->sc_obj, obj);
		p = pend_get(obj, k, true);
		t->sc_pkind = 0;
		t->sc_ts = now;
		if (p) {
			send_enqueue(t, p, k, id, a2);
		} else {
			cnt_add(k, EVT_CNT_SENDS, 1); /* and lost (pend_get) */
		}
		if (t->in_handler == IN_HANDLER_EVM)
			return 0;
		t->sc_op = SC_SEND_FD;
		t->sc_kind = k;
		t->sc_obj = obj;
		t->sc_ts = now;
		t->sc_nr = (__u32)id;
		return 0;
	case NR_read:
	case NR_readv:
	case NR_recvfrom:
	case NR_recvmsg:
		k = fd_classify((int)a0, &obj, t->task);
		if (k < 0 || (k != EVT_KIND_UNIX && id >= NR_recvfrom))
			return 0;
		if (k == EVT_KIND_PIPE && t->slot && !t->lc_n)
			slot_drain(t); /* the io dispatch before this read */
		obj = key_of(&t->sc_obj, obj);
		mech_read_enter(k, obj);
		t->sc_op = SC_READ;
		t->sc_kind = k;
		t->sc_obj = obj;
		t->sc_buf = id == NR_read || id == NR_recvfrom ? a1 : 0;
		return 0;
	case NR_kill:
	case NR_tkill:
	case NR_tgkill:
	case NR_rt_sigqueueinfo:
	case NR_rt_tgsigqueueinfo:
	case NR_pidfd_send_signal:
		t->sc_op = SC_SEND_SIG;
		t->sc_obj = 0;
		t->sc_ts = evt_now();
		t->sc_nr = (__u32)id;
		return 0;
	case NR_rt_sigtimedwait:
		t->sc_op = SC_SIGWAIT;
		return 0;
	case NR_epoll_wait:
	case NR_epoll_pwait:
	case NR_epoll_pwait2:
	case NR_poll:
	case NR_ppoll:
	case NR_select:
	case NR_pselect6:
		t->sc_op = SC_WAIT;
		t->wait_untraced = 0;
		/* consumed before the last wait returned and still not
		 * dispatched: a whole loop iteration passed, no probe comes */
		if (t->lc_n && t->lc[t->lc_head & (LC_MAX - 1)].start < t->wait_exit)
			bpf_loop(LC_MAX, lc_stale, NULL, 0);
		return 0;
	case NR_timerfd_settime:
		timerfd_settime_enter(t, (int)a0);
		return 0;
	case NR_rt_sigreturn:
		t->in_handler = 0;
		return 0;
	}
	return 0;
}

static __always_inline void on_sys_enter(struct tstate *t, long id, __u64 a0, __u64 a1,
					 __u64 a2)
{
	sys_enter_body(t, id, a0, a1, a2);
}

/* A consuming syscall whose entry the tracer did not see: the receiver was
 * asleep in it when the tracer attached, and its state was made by the
 * wakeup. Decoded at its exit from the registers (the arguments are still
 * there), so its event is matched as any other, not left in flight. No
 * registers (classic tracepoints): none. Returns the operation. */
struct sc_regs {
	__u64 di, si;
	__u32 have;
	__u32 pad;
};

static __always_inline __u8 sys_exit_unentered(struct tstate *t, const struct sc_regs *r, long id)
{
	__u64 obj = 0;
	int k;

	if (!r->have)
		return SC_NONE;
	switch (id) {
	case NR_read:
	case NR_readv:
	case NR_recvfrom:
	case NR_recvmsg:
		k = fd_classify((int)r->di, &obj, t->task);
		if (k < 0 || k == EVT_KIND_TIMERFD || (k != EVT_KIND_UNIX && id >= NR_recvfrom))
			return SC_NONE;
		t->sc_kind = k;
		t->sc_obj = obj;
		t->sc_buf = id == NR_read || id == NR_recvfrom ? r->si : 0;
		return SC_READ;
	case NR_rt_sigtimedwait:
		return SC_SIGWAIT;
	}
	return SC_NONE;
}

/* A consumption ending at sys_exit (op SC_SIGWAIT, or SC_READ of a kind
 * other than eventfd): decoded by its mechanism into *c (the caller's,
 * zeroed), closed by consume(). A global function: its paths (each kind's,
 * each with or without a queue, in a slot or the hash) verified once, not
 * once per state sys_exit_body arrives with. The read's events past the
 * first (c->more) are the caller's to close: their bpf_loop callback calls
 * consume() again, and that chain must not stack on this frame too (the
 * frames of a call chain share 512 bytes where the kernel gives the
 * programs no private stack). */
__noinline int sys_exit_consume(struct tstate *t, long ret, __u64 now, __u32 op, struct cons *c)
{
	struct pend *p = NULL;

	if (!t || !c)
		return 0;
	if (op == SC_SIGWAIT ? !sigwait_exit(ret, c, &p) : !mech_read_exit(t, ret, now, c, &p)) {
		c->more = 0;
		return 0;
	}
	consume(t, c, p, now, 0);
	return 0;
}

/* sys_exit of a target thread with something to close. Inline, as
 * sys_enter's: the consumptions but eventfd's are closed in
 * sys_exit_consume, verified once. */
static __always_inline int sys_exit_body(struct tstate *t, long id, long ret, const struct sc_regs *r)
{
	struct pend *p = NULL;
	struct cons c = {};
	__u64 now;
	__u8 op;

	if (!t)
		return 0;
	op = t->sc_op;
	/* an eventfd read after the wait that returned from the wakeup (its
	 * return stage ended there): consume() reads the clock only if the
	 * read is not that event's (0: not read yet) */
	if (op == SC_READ && t->sc_kind == EVT_KIND_EVENTFD && t->ev_cls && t->ev_ret &&
	    !cfg.events)
		now = 0;
	else
		now = evt_now();
	/* the end of the return stage of a woken receiver */
	if (t->ev_cls && !t->ev_ret)
		t->ev_ret = now;
	/* woken in a syscall it entered unseen (before the attach) */
	if (op == SC_NONE && (!r || (op = sys_exit_unentered(t, r, id)) == SC_NONE))
		return 0;
	t->sc_op = SC_NONE;
	switch (op) {
	case SC_WAIT:
		t->wait_exit = now;
		if (ret > 0 && t->wait_untraced)
			__sync_fetch_and_add(&untraced_wakeups, 1);
		t->wait_untraced = 0;
		return 0;
	case SC_SEND_FD:
	case SC_SEND_SIG:
		send_done(t, now, op);
		return 0;
	case SC_SIGWAIT:
		return sys_exit_consume(t, ret, now, op, &c);
	case SC_READ:
		if (ret <= 0)
			return 0;
		/* the eventfd read here (the hot one: no call more); every
		 * other kind's in sys_exit_consume, then its events past the
		 * first */
		if (t->sc_kind != EVT_KIND_EVENTFD) {
			sys_exit_consume(t, ret, now, op, &c);
			mech_read_more(t, &c, now);
			return 0;
		}
		eventfd_read_exit(t, ret, &c, &p);
		break;
	default:
		return 0;
	}
	consume(t, &c, p, now, 0);
	return 0;
}

static __always_inline void on_sys_exit(struct tstate *t, long id, long ret, struct pt_regs *regs)
{
	struct sc_regs r = {};

	if (t->sc_op == SC_NONE && (!t->ev_cls || t->ev_ret))
		return; /* most syscalls: nothing to do, no clock read */
	if (t->sc_op == SC_NONE && regs) {
		r.have = 1;
		r.di = BPF_CORE_READ(regs, di);
		r.si = BPF_CORE_READ(regs, si);
	}
	sys_exit_body(t, id, ret, &r);
}

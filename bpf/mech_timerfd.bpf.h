/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: timerfd: the hrtimer firing is the send (its programmed
 * expiry the send start, the callback's run the sender cost, expiry ->
 * callback the lateness); a read takes one expiry (the kernel re-arms a
 * periodic timer at the read: overruns coalesce); arming forgets an expiry
 * not yet read; an expiry whose callback the hooks missed is recovered from
 * the timer at the read.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
/* A timerfd's hrtimer fires on this CPU at now: its programmed expiry (the
 * base clock's offset makes it CLOCK_MONOTONIC) is the event's send start,
 * and the time from it to this callback the timer's lateness. */
static __always_inline void timerfd_fire(__u64 timer, __u64 now, __s64 expires, __s64 offset)
{
	__u64 late, expiry;
	__u32 zero = 0;
	struct tctx *tc;
	struct pend *p;

	tc = bpf_map_lookup_elem(&timerctx, &zero);
	if (!tc)
		return;
	/* hardirq, timerfd's timers only (hard hrtimers): never nested */
	timer = key_of(&tc->key, timer);
	p = pend_find(timer);
	if (!p)
		return; /* not a target's timer */
	expiry = (__u64)(expires - offset);
	late = now > expiry ? now - expiry : 0;
	tc->timer = timer;
	tc->expiry = now - late;
	tc->fire = now;
	tc->late = late;
	if (!pend_len(p))
		p->late = late;
	pend_push(p, now - late);
	/* counted here, where the expiry is queued: a read takes one expiry
	 * off the queue, so sends >= events holds whatever happens to the
	 * exit hook (softirq: the process is the timer's) */
	cnt_add_to(p->tgid, 0, EVT_KIND_TIMERFD, EVT_CNT_SENDS, 1);
	lvl_add(p->tgid, 0, EVT_KIND_TIMERFD, 1);
}

/* The callback of the timer timerfd_fire saw ends: the sender cost. */
static __always_inline void timerfd_fire_done(void)
{
	__u32 zero = 0;
	struct tctx *tc = bpf_map_lookup_elem(&timerctx, &zero);
	__u64 cost;

	if (!tc || !tc->timer)
		return;
	cost = evt_now() - tc->fire;
	timer_cost_last = cost;
	hist_put(EVT_KIND_TIMERFD, EVT_STAGE_SENDER, cost);
	tc->timer = 0;
}

/* A read of a timerfd starts: its queue exists (a timer armed before
 * attach). */
static __always_inline struct pend *timerfd_pend(__u64 obj)
{
	struct pend *p = pend_get(obj, EVT_KIND_TIMERFD, true);

	/* its kind from the start: its sends are counted at the fire (a
	 * timer only re-armed, never read, is a target's timer too) */
	if (p && !p->kind) {
		p->kind = EVT_KIND_TIMERFD + 1;
		p->tgid = bpf_get_current_pid_tgid() >> 32;
	}
	return p;
}

static __always_inline void timerfd_read_enter(__u64 obj)
{
	timerfd_pend(obj);
}

/* timerfd_settime(fd): (re-)arming forgets an expiry not yet read: it
 * leaves the queue as rearmed (a loop that re-arms its timerfd on every
 * wakeup and never reads it consumes its expiries this way). The timer's
 * own count of expirations since its last read or arm (ctx->ticks) tells
 * the ones whose hrtimer run the hook missed (see timer_recover): they
 * are sends and rearmed too. ticks first: the hook queues an expiry before
 * the callback counts its tick, so every tick read has its queued expiry
 * visible, and a missed one is never mistaken for a late one. */
/* A global function: a re-arm is rare beside the syscalls of every event,
 * and its paths are verified once, not in each state of sys_enter's body. */
__noinline int timerfd_settime_enter(struct tstate *t, int fd)
{
	__u64 obj = 0, ticks;
	struct pend *p;
	__u32 n, miss;

	if (!t || fd_classify(fd, &obj, t->task) != EVT_KIND_TIMERFD)
		return 0;
	obj = key_of(&t->sc_obj, obj); /* the syscall is no send, no read */
	p = timerfd_pend(obj);
	if (!p)
		return 0;
	ticks = BPF_CORE_READ((struct timerfd_ctx *)obj, ticks);
	n = pend_len(p);
	miss = ticks > n ? (__u32)(ticks - n) : 0;
	p->head = p->tail;
	if (miss)
		cnt_add(EVT_KIND_TIMERFD, EVT_CNT_SENDS, miss);
	if (n + miss)
		cnt_add(EVT_KIND_TIMERFD, EVT_CNT_REARMED, n + miss);
	if (n)
		lvl_add(bpf_get_current_pid_tgid() >> 32, 0, EVT_KIND_TIMERFD, -(__s64)n);
	return 0;
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
 * alone cannot match every read. The trace event of the same tracepoint
 * hit was recorded (tracefs, beside the hook): the raw-tracepoint programs
 * (tp_btf and raw_tp alike) did not run for a timer interrupt taken in the
 * context of some other tasks of the machine. */
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
	lvl_add(bpf_get_current_pid_tgid() >> 32, 0, EVT_KIND_TIMERFD, 1);
	hist_put(EVT_KIND_TIMERFD, EVT_STAGE_SENDER, timer_cost_last);
}

static __always_inline bool timerfd_read_exit(const struct tstate *t, long ret, __u64 now,
					      struct cons *c, struct pend **pp)
{
	struct timerfd_ctx *ctx = (struct timerfd_ctx *)t->sc_obj;
	__u64 v = fd_read_count(t, ret);
	struct pend *p;

	c->kind = EVT_KIND_TIMERFD;
	c->cls = CLS_TIMER;
	c->key = t->sc_obj;
	c->units = 1;
	c->coal = (__u32)(v - 1);
	*pp = p = pend_find(c->key);
	if (p) {
		/* every read takes one expiry off the queue. An expiry queued
		 * after this read took its ticks (the timer re-armed by the
		 * read fired before this exit: its tick is pending again) is
		 * the next read's, not this one's. */
		__u32 n = pend_len(p);

		if (n && BPF_CORE_READ(ctx, ticks))
			n--;
		if (!n)
			timer_recover(p, c->key, v, now);
	}
	return true;
}

/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: the dispatch stage (syscall exit -> libevm callback): consumptions
 * waiting for their libevm dispatch, libevm's trace slot read at syscalls.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
/* Takes the oldest consumption waiting for a dispatch probe. With the probe
 * (now != 0): the dispatch stage, and the total when it waited for it.
 * Without (a whole loop iteration passed, or the queue overflowed): a
 * deferred total ends where its return ended. */
__noinline int lc_pop(struct tstate *t, __u64 now)
{
	struct lcons *c;
	__u64 d = 0, end, total;

	if (!t || !t->lc_n)
		return 0;
	c = &t->lc[t->lc_head & (LC_MAX - 1)];
	end = c->start;
	/* emptied: the next consumption takes the first slot again, so that
	 * a thread with one consumption at a time touches the same cache
	 * lines, not a new 128-byte slot of the 16 KB ring per event */
	t->lc_head = t->lc_n > 1 ? t->lc_head + 1 : 0;
	t->lc_n--;
	if (c->kind >= EVT_KIND_MAX)
		return 0;
	if (now) {
		d = now - c->start;
		hist_add(c->kind, EVT_STAGE_DISPATCH, d);
		end = now;
	}
	if (!c->deferred)
		return 0;
	total = end - c->send;
	hist_add(c->kind, EVT_STAGE_TOTAL, total);
	if (!cfg.events)
		return 0;
	c->rec.ts = end;
	c->rec.dispatch_ns = d;
	c->rec.total_ns = total;
	emit(&c->rec);
	return 0;
}

/* One libevm dispatch begin at now: it dispatches the task's oldest
 * consumption waiting for one, else it is an io callback that reads its fd
 * itself (pipes), matched at that read. Shared by the trace slot and the
 * dispatch_begin uprobe. */
static __always_inline void dispatch_at(struct tstate *t, __u64 now)
{
	t->evm_seen = 1;
	/* none waits, or the oldest came after this dispatch began (a
	 * dispatch whose consumption was before usdt_on) */
	if (!t->lc_n || t->lc[t->lc_head & (LC_MAX - 1)].start > now) {
		t->io_disp = now;
		return;
	}
	lc_pop(t, now);
}

/* bpf_loop callbacks for slot_drain (the current task's state). */
struct slot_walk {
	__u64 first; /* seq of the first entry to read */
	__u64 addr;
};

static long slot_lost(__u32 i, void *unused)
{
	struct tstate *t = cur_state(false);

	if (!t || !t->lc_n)
		return 1;
	lc_pop(t, 0);
	return 0;
}

static long slot_entry(__u32 i, void *ctx)
{
	struct slot_walk *w = ctx;
	struct tstate *t = cur_state(false);
	__u64 seq = w->first + i, ns;

	if (!t || bpf_probe_read_user(&ns, sizeof(ns),
				      (void *)(w->addr + offsetof(struct evt_slot, ring) +
					       (seq & (EVT_SLOT_RING - 1)) *
						       sizeof(struct evt_slot_entry))))
		return 1;
	dispatch_at(t, ns);
	return 0;
}

/*
 * Matches the dispatches libevm wrote to the task's trace slot since the
 * last look, oldest first. Called before anything else at the task's
 * syscall entries and signal deliveries, so that every dispatch written
 * before a consumption is matched before that consumption is queued. More
 * than EVT_SLOT_RING dispatches without a syscall overwrite the oldest
 * entries: their times are gone, so the consumptions they dispatched get
 * no dispatch sample (their totals end at their return, as when no probe
 * comes); nothing is made up. A global function, verified once.
 */
__noinline int slot_drain(struct tstate *t)
{
	struct slot_walk w;
	struct {
		__u64 seq, last_ns;
	} h;
	__u64 seq, n;

	if (!t || !t->slot || bpf_probe_read_user(&h, sizeof(h), (void *)t->slot))
		return 0;
	seq = h.seq;
	n = seq - t->slot_seq;
	if (!n)
		return 0;
	if (n > (1ULL << 32)) {
		/* went back (a slot reused after a fork or exec): resync */
		t->slot_seq = seq;
		return 0;
	}
	t->slot_seq = seq;
	if (n == 1) {
		/* the common case: one dispatch since the last look, its
		 * time in the slot's header (one read in all) */
		dispatch_at(t, h.last_ns);
		return 0;
	}
	if (n > EVT_SLOT_RING) {
		__u64 lost = n - EVT_SLOT_RING;

		if (t->lc_n)
			bpf_loop(lost < LC_MAX ? lost : LC_MAX, slot_lost, NULL, 0);
		n = EVT_SLOT_RING;
	}
	w.first = seq - n;
	w.addr = t->slot;
	bpf_loop(n, slot_entry, &w, 0);
	return 0;
}

/* bpf_loop callback: drops the oldest waiting consumption if stale. */
static long lc_stale(__u32 i, void *unused)
{
	struct tstate *t = cur_state(false);

	if (!t || !t->lc_n || t->lc[t->lc_head & (LC_MAX - 1)].start >= t->wait_exit)
		return 1;
	lc_pop(t, 0);
	return 0;
}

/* A consumption by a read inside its io callback (pipes): libevm's
 * dispatch came before the read, after the last wait returned. Then the
 * dispatch stage is that wait's exit -> the dispatch, the total ends at the
 * dispatch, and the event is closed here (true). */
static __always_inline bool dispatch_before_read(struct tstate *t, __u32 kind, __u64 s0,
						 __u64 total, struct evt_record *rec)
{
	__u64 d;

	if (kind != EVT_KIND_PIPE || !t->io_disp || !t->wait_exit || t->io_disp < t->wait_exit) {
		t->io_disp = 0;
		return false;
	}
	d = t->io_disp - t->wait_exit;
	total = t->io_disp > s0 ? t->io_disp - s0 : total;
	hist_put(kind, EVT_STAGE_DISPATCH, d);
	hist_put(kind, EVT_STAGE_TOTAL, total);
	rec->dispatch_ns = d;
	rec->total_ns = total;
	emit(rec);
	t->io_disp = 0;
	return true;
}

/* Once libevm's probes are attached, a consumption (its return ended at
 * end) waits in the task's FIFO for its dispatch. Once the task has shown
 * the probes, its total waits for the dispatch too (total includes it):
 * true, and the record goes out with the dispatch (lc_pop). */
static __always_inline bool dispatch_wait(struct tstate *t, __u32 kind, __u64 end, __u64 s0,
					  const struct evt_record *rec)
{
	struct lcons *c;

	if (!usdt_on)
		return false;
	if (t->lc_n >= LC_MAX)
		lc_pop(t, 0);
	c = &t->lc[(t->lc_head + t->lc_n) & (LC_MAX - 1)];
	t->lc_n++;
	c->kind = kind;
	c->start = end;
	c->send = s0;
	c->deferred = t->evm_seen;
	if (!c->deferred)
		return false;
	if (cfg.events)
		c->rec = *rec; /* only emit() reads it */
	return true;
}

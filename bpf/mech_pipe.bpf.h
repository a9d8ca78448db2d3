/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: pipes (the baseline): each write(2) is a send to the
 * pipe_inode_info, of unit bytes (its length; writev: unknown); a read of
 * k units is k events (evload: one message per write), the first closed
 * by the read, the others queued behind it.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
static __always_inline void pipe_send_enter(struct pend *p, long id, __u64 len)
{
	p->unit = id == NR_write ? (__u32)len : 0;
}

static __always_inline bool pipe_read_exit(const struct tstate *t, long ret, struct cons *c,
					   struct pend **pp)
{
	struct pend *p;
	__u32 n;

	c->kind = t->sc_kind; /* pipe or unix */
	c->cls = CLS_FD;
	c->key = t->sc_obj;
	c->units = 1;
	c->coal = 0;
	*pp = p = pend_find(c->key);
	n = p && p->unit ? (__u32)(((__u64)ret + p->unit - 1) / p->unit) : 1;
	c->more = n > 1 ? n - 1 : 0;
	return true;
}

/* bpf_loop callback: one more message of the read, queued behind the
 * first: send -> this read. */
struct pipe_walk {
	__u64 obj;
	__u64 now;
	__u32 kind;
	__u32 tgid;
};

static long pipe_more(__u32 i, struct pipe_walk *w)
{
	struct pend *p = pend_find(w->obj);
	__u32 kind = w->kind < EVT_KIND_MAX ? w->kind : EVT_KIND_PIPE;
	struct kcounters *k = kcnt(kind);
	__u64 s0;

	if (!p || !k)
		return 1;
	s0 = pend_peek(p);
	if (!s0 || s0 > w->now) {
		kc_add(k, w->tgid, kind, 0, EVT_CNT_UNMATCHED, 1);
		return 0;
	}
	pend_pop(p, 1);
	lvl_add(w->tgid, 0, kind, -1);
	kc_add(k, w->tgid, kind, 0, EVT_CNT_EVENTS, 1);
	kc_add(k, w->tgid, kind, 0, EVT_CNT_WAKE_NONE, 1);
	hist_put(kind, EVT_STAGE_TOTAL, w->now - s0);
	{
		struct evt_record rec = {
			.ts = w->now, .start = s0, .total_ns = w->now - s0,
			.kind = kind,
		};

		emit(&rec);
	}
	return 0;
}

static __always_inline void pipe_read_more(const struct cons *c, __u32 more, __u64 now)
{
	struct pipe_walk w = { .obj = c->key, .now = now, .kind = c->kind,
			       .tgid = bpf_get_current_pid_tgid() >> 32 };

	bpf_loop(more, pipe_more, &w, 0);
}

/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: signals, the queue every signal kind shares (keyed by tgid
 * and signal number: what signal_generate said of each send), and the
 * classic handler: consumed at signal_deliver, its return stage ends there.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
static __always_inline __u64 sig_key(__u32 tgid, int sig)
{
	return ((__u64)tgid << 8) | (__u64)(sig & 0xff);
}

/* signal_generate's result for one send to (tgid, sig) started at send:
 * queued (a send time), merged into a pending one (coalesced), or lost to
 * a full RT queue. */
static __always_inline void sig_sent(__u64 key, __u64 send, int result)
{
	struct pend *p;

	if (result == SIG_RES_IGNORED)
		return;
	p = pend_get(key, EVT_KIND_SIGNAL, true);
	if (!p)
		return;
	if (result == SIG_RES_ALREADY_PENDING)
		__sync_fetch_and_add(&p->coal, 1);
	else if (result == SIG_RES_OVERFLOW_FAIL)
		__sync_fetch_and_add(&p->lost, 1);
	else
		pend_push(p, send, 0);
}

/* A signal consumed (handler, sigwait, signalfd): its queue, with what
 * happened at send time since the last consumption. */
static __always_inline struct pend *sig_prep(struct cons *c, __u32 kind, __u32 tgid, int sig)
{
	struct pend *p;
	__u32 n;

	c->kind = kind;
	c->cls = CLS_SIGNAL;
	c->key = sig_key(tgid, sig);
	c->units = 1;
	c->coal = 0;
	p = bpf_map_lookup_elem(&pendq, &c->key);
	if (!p)
		return NULL;
	/* senders only add, the consumer keeps what it reported */
	n = p->coal;
	c->coal = n - p->coal_taken;
	p->coal_taken = n;
	n = p->lost;
	if (n != p->lost_taken) {
		cnt_add(kind, EVT_CNT_LOST, n - p->lost_taken);
		p->lost_taken = n;
	}
	return p;
}

static __always_inline void sig_consume(struct tstate *t, __u32 kind, int sig, __u64 now,
					__u64 end_at)
{
	struct cons c = {};
	struct pend *p = sig_prep(&c, kind, bpf_get_current_pid_tgid() >> 32, sig);

	consume(t, &c, p, now, end_at);
}

/* A signal delivered to a handler (not SIG_DFL or SIG_IGN) at now: one
 * event, whose return ends here. The handler runs until rt_sigreturn. */
static __always_inline void sig_handler_deliver(struct tstate *t, int sig, __u64 now)
{
	t->in_handler = 1;
	sig_consume(t, EVT_KIND_SIGNAL, sig, now, now);
}

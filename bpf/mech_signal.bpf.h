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
	if (!p) {
		/* and lost (pend_get) */
		cnt_add_to((__u32)(key >> 8), (__u32)(key & 0xff), EVT_KIND_SIGNAL, EVT_CNT_SENDS, 1);
		return;
	}
	p->tgid = (__u32)(key >> 8);
	p->sig = (__u8)(key & 0xff);
	pend_sent(p, 1);
	if (result == SIG_RES_ALREADY_PENDING)
		__sync_fetch_and_add(&p->coal, 1);
	else if (result == SIG_RES_OVERFLOW_FAIL)
		__sync_fetch_and_add(&p->lost, 1);
	else
		pend_push(p, send);
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
	p = pend_find(c->key);
	if (!p)
		return NULL;
	/* senders only add, the consumer keeps what it reported */
	n = p->coal;
	c->coal = n - p->coal_taken;
	p->coal_taken = n;
	n = p->lost;
	if (n != p->lost_taken) {
		cnt_add_to(tgid, sig & 0xff, kind, EVT_CNT_LOST, n - p->lost_taken);
		lvl_add(tgid, sig & 0xff, kind, -(__s64)(n - p->lost_taken));
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

/* bpf_find_vma callback: whether the handler's code is mapped from
 * libevm's file. */
static long evm_vma(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct file *f = vma->vm_file;
	__u8 *is_evm = data;

	if (f && f->f_inode && f->f_inode->i_ino == evm_ino && f->f_inode->i_sb &&
	    f->f_inode->i_sb->s_dev == evm_dev)
		*is_evm = 1;
	return 0;
}

/* Whether handler is libevm's (its forwarding handler: what it writes is
 * libevm's own channel, not an event), from the file its code is mapped
 * from: IN_HANDLER_EVM, IN_HANDLER (not libevm's, or user space found no
 * libevm file) or IN_HANDLER_UNSURE (the lookup failed: mmap lock busy). */
static __always_inline __u8 handler_kind(struct tstate *t, __u64 handler)
{
	__u8 is_evm = 0;

	if (!evm_ino)
		return IN_HANDLER;
	if (handler == t->evm_handler)
		return IN_HANDLER_EVM;
	if (bpf_find_vma(bpf_get_current_task_btf(), handler, evm_vma, &is_evm, 0))
		return IN_HANDLER_UNSURE;
	if (!is_evm)
		return IN_HANDLER;
	t->evm_handler = handler;
	return IN_HANDLER_EVM;
}

/* A signal delivered to a handler (not SIG_DFL or SIG_IGN) at now: one
 * event, whose return ends here. The handler runs until rt_sigreturn. */
static __always_inline void sig_handler_deliver(struct tstate *t, int sig, __u64 handler,
						__u64 now)
{
	t->in_handler = handler_kind(t, handler);
	sig_consume(t, EVT_KIND_SIGNAL, sig, now, now);
}

/* A signal taken by its default action or ignored at delivery (SIG_DFL,
 * SIG_IGN): its send leaves the queue as default_action, no event. */
static __always_inline void sig_default_deliver(int sig)
{
	struct cons c = {};
	struct pend *p = sig_prep(&c, EVT_KIND_SIGNAL, bpf_get_current_pid_tgid() >> 32, sig);
	__u32 kind;

	if (!p)
		return;
	if (!p->kind) {
		p->kind = EVT_KIND_SIGNAL + 1;
		pend_sends_flush(p, EVT_KIND_SIGNAL);
	}
	kind = p->kind - 1;
	if (kind >= EVT_KIND_MAX)
		return;
	cnt_add_to(p->tgid, sig & 0xff, kind, EVT_CNT_COALESCED, c.coal);
	lvl_add(p->tgid, sig & 0xff, kind, -(__s64)c.coal);
	if (pend_len(p)) {
		pend_pop(p, 1);
		cnt_add_to(p->tgid, sig & 0xff, kind, EVT_CNT_DEFAULT, 1);
		lvl_add(p->tgid, sig & 0xff, kind, -1);
	}
}

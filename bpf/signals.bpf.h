/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: signals: signal_generate (coalesced, lost) and signal_deliver (a handler's return stage).
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
static __always_inline void on_sig_generate(int sig, __u32 tgid, int result)
{
	__u64 key = sig_key(tgid, sig), send = bpf_ktime_get_ns();
	struct tstate *ct = cur_state(false);
	struct pend *p;

	if (ct && ct->sc_op == SC_SEND_SIG) {
		send = ct->sc_ts;
		ct->sc_obj = key;
	}
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

static __always_inline void on_sig_deliver(struct tstate *t, int sig, __u64 handler)
{
	__u64 now;

	if (handler <= 1) /* SIG_DFL, SIG_IGN */
		return;
	if (t->slot)
		slot_drain(t); /* dispatches before this signal come first */
	now = bpf_ktime_get_ns();
	t->in_handler = 1;
	sig_consume(t, EVT_KIND_SIGNAL, sig, now, now);
}

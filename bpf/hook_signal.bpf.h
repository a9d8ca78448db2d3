/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: the signal hooks: signal_generate (a send to a target: its
 * start is the sending syscall's entry) and signal_deliver (a handler's
 * consumption: its return ends here). mech_signal.bpf.h decodes both.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
/* sig is generated for a task of tgid; rt: that task's state if it is a
 * target (or NULL: classic tracepoints know no tgid for a task never seen;
 * a process-directed signal to the target's PID is still the target's). */
static __always_inline void on_sig_generate(struct tstate *rt, __u32 pid, int sig, __u32 tgid,
					    int result)
{
	__u64 key, send;
	struct tstate *ct;

	if (!rt) {
		if (cfg.mode != EVT_MODE_TRACEPOINT || cfg.hooks_only || !cfg.target_tgid ||
		    pid != cfg.target_tgid)
			return;
		tgid = pid;
	} else if (!tgid) {
		tgid = rt->tgid;
	}
	key = sig_key(tgid, sig);
	send = evt_now();
	ct = cur_state(false);
	if (ct && ct->sc_op == SC_SEND_SIG) {
		send = ct->sc_ts;
		ct->sc_obj = key;
	}
	sig_sent(key, send, result);
}

/* t: the current task's state; NULL: none (a target thread without state:
 * the handler's event is lost). */
static __always_inline void on_sig_deliver(struct tstate *t, int sig, __u64 handler)
{
	if (handler <= 1) { /* SIG_DFL, SIG_IGN */
		if (t)
			sig_default_deliver(sig);
		return;
	}
	if (!t) {
		if (stateless_target())
			cnt_add(EVT_KIND_SIGNAL, EVT_CNT_LOST, 1);
		return;
	}
	if (t->slot)
		slot_drain(t); /* dispatches before this signal come first */
	sig_handler_deliver(t, sig, handler, evt_now());
}

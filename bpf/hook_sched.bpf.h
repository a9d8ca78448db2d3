/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: the scheduler hooks: sched_waking of a target by a send (or a
 * timerfd expiring on this CPU) starts the wake stage, sched_switch in ends
 * it (stage_wake.bpf.h computes it). The attach programs find the state of
 * the task woken / switched in (task.bpf.h: its filter).
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
/* The receiver pt is being woken: by a send of the current task, or by a
 * timerfd expiring on this CPU. Other wakeups are not events. */
static __always_inline void on_waking(struct tstate *pt)
{
	__u32 zero = 0;
	struct tctx *tc = bpf_map_lookup_elem(&timerctx, &zero);
	struct tstate *ct;

	if (tc && tc->timer) {
		pt->ev_cls = CLS_TIMER;
		pt->ev_obj = tc->timer;
		pt->ev_send = tc->expiry;
		pt->ev_late = tc->late;
	} else {
		ct = cur_state(false);
		if (!ct || ct == pt || (ct->sc_op != SC_SEND_FD && ct->sc_op != SC_SEND_SIG)) {
			/* a wait woken by something untraced (a timeout's
			 * wakeup returns 0 and is not counted at the exit) */
			if (pt->sc_op == SC_WAIT && !pt->ev_cls)
				pt->wait_untraced = 1;
			return;
		}
		pt->ev_cls = ct->sc_op == SC_SEND_SIG ? CLS_SIGNAL : CLS_FD;
		pt->ev_obj = ct->sc_obj;
		pt->ev_send = ct->sc_ts;
		pt->ev_late = 0;
	}
	pt->ev_wake = evt_now();
	pt->ev_switch = 0;
	pt->ev_ret = 0;
	pt->ev_cpu = bpf_get_smp_processor_id();
}

static __always_inline void on_switch_in(struct tstate *nt)
{
	if (nt->ev_cls && !nt->ev_switch && !nt->ev_ret) {
		nt->ev_switch = evt_now();
		nt->ev_same = bpf_get_smp_processor_id() == nt->ev_cpu;
	}
}

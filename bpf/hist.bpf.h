/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: the aggregation: per-CPU log-linear histograms and counters per
 * kind and stage, and the per-event records (--events).
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
/* ---- aggregation ---------------------------------------------------------- */

/* A sample of stage of kind (negative: 0). Inline: for a program's own hot
 * site, where a call and its return cost about as much as the body on a CPU
 * with return-thunk mitigations (SRSO, retpolines). */
static __always_inline void hist_add(__u32 kind, __u32 stage, __s64 sv)
{
	__u32 key = kind * EVT_STAGE_MAX + stage;
	struct loghist *h = bpf_map_lookup_elem(&hists, &key);

	if (h)
		loghist_add(h, (__u64)(sv & ~(sv >> 63)));
}

/* hist_add as a global function: verified once, not once per path to each
 * of its sites (inline copies in consume() would multiply its verification
 * time by five). */
__noinline int hist_put(__u32 kind, __u32 stage, __s64 sv)
{
	hist_add(kind, stage, sv);
	return 0;
}

static __always_inline struct kcounters *kcnt(__u32 kind)
{
	return bpf_map_lookup_elem(&counters, &kind);
}

/* The same count for one process (cfg.per_process) and signal number
 * (sig, any mode): pcounters. */
static __noinline int pcnt_add(__u32 tgid, __u32 kind, __u32 sig, __u32 c, __u64 v)
{
	struct evt_pkey key = { .tgid = cfg.per_process ? tgid : 0, .kind = (__u16)kind,
				.sig = (__u16)sig };
	struct kcounters *k;

	if (c >= EVT_CNT_MAX || (!key.tgid && !sig))
		return 0;
	k = bpf_map_lookup_elem(&pcounters, &key);
	if (!k) {
		/* the zero value from .rodata, not the stack: this function is
		 * the last frame of the deepest call chains (an exit program,
		 * a bpf_loop callback, consume, here), whose frames together
		 * must fit in 512 bytes where the kernel gives the programs no
		 * private stack */
		bpf_map_update_elem(&pcounters, &key, &zero_kc, BPF_NOEXIST);
		k = bpf_map_lookup_elem(&pcounters, &key);
		if (!k)
			return 0;
	}
	k->c[c] += v;
	return 0;
}

/* Counts v in counter c of kind, for the process tgid (signals: sig). */
static __always_inline void cnt_add_to(__u32 tgid, __u32 sig, __u32 kind, __u32 c, __u64 v)
{
	struct kcounters *k = kcnt(kind);

	if (k && c < EVT_CNT_MAX)
		k->c[c] += v;
	if (cfg.per_process || sig)
		pcnt_add(tgid, kind, sig, c, v);
}

/* k->c[c] += v (k: kind's counters, NULL-safe), for the process tgid and
 * signal sig too. */
static __always_inline void kc_add(struct kcounters *k, __u32 tgid, __u32 kind, __u32 sig,
				   __u32 c, __u64 v)
{
	if (k && c < EVT_CNT_MAX)
		k->c[c] += v;
	if (cfg.per_process || sig)
		pcnt_add(tgid, kind, sig, c, v);
}

/* The queue level (EVT_CNT_IN_FLIGHT) of kind for tgid/sig moves by d:
 * up where a send enters a queue, down where one is taken off it. The
 * per-CPU parts go negative; their sum is the level. Counted beside the
 * counters, in the same map, so that a report taken while sends go on
 * sees both sides of every change or neither (per CPU). */
static __always_inline void lvl_add(__u32 tgid, __u32 sig, __u32 kind, __s64 d)
{
	struct kcounters *k = kcnt(kind);

	if (!d)
		return;
	if (k)
		k->c[EVT_CNT_IN_FLIGHT] += (__u64)d;
	if (cfg.per_process || sig)
		pcnt_add(tgid, kind, sig, EVT_CNT_IN_FLIGHT, (__u64)d);
}

/* Counts v in counter c of kind, for the current process. */
static __always_inline void cnt_add(__u32 kind, __u32 c, __u64 v)
{
	cnt_add_to(bpf_get_current_pid_tgid() >> 32, 0, kind, c, v);
}

/* ---- per-event records ---------------------------------------------------- */

/* A record's place in the ring buffer, or NULL (counted as dropped). */
static __always_inline struct evt_record *rec_reserve(void)
{
	struct evt_record *r = bpf_ringbuf_reserve(&events, sizeof(struct evt_record), 0);

	if (!r)
		__sync_fetch_and_add(&rb_dropped, 1);
	return r;
}

/* Adds the current task's ids and comm to r and streams it. */
static __always_inline void rec_submit(struct evt_record *r)
{
	__u64 id = bpf_get_current_pid_tgid();

	r->pid = id >> 32;
	r->tid = (__u32)id;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	bpf_ringbuf_submit(r, bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= rb_wake_at ?
			   BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

/* Streams one event's record (--events): rec has its stages, ts and kind;
 * the receiver's ids are added here. */
static __always_inline void emit(const struct evt_record *rec)
{
	struct evt_record *r;

	if (!cfg.events || !(r = rec_reserve()))
		return;
	__builtin_memcpy(r, rec, sizeof(*r));
	rec_submit(r);
}

/* A sending syscall's record (EVT_EVENTS_SENDS): entry, exit, number; the
 * sender's ids are added here. */
static __always_inline void emit_send(__u64 entry, __u64 exit, __u32 nr)
{
	struct evt_record *r;

	if (cfg.events != EVT_EVENTS_SENDS || !(r = rec_reserve()))
		return;
	__builtin_memset(r, 0, sizeof(*r));
	r->type = EVT_REC_SEND;
	r->ts = exit;
	r->start = entry;
	r->nr = (__u16)nr;
	rec_submit(r);
}

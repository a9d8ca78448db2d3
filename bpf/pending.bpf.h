/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: per-object queues of send times: events queued while the receiver was busy.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
/* ---- per-object queues ---------------------------------------------------- */

/* An object's address as a number: through *word, a map value only this
 * context writes (a thread's own syscall state, the CPU's hardirq timer
 * context), volatile so that the compiler keeps the store and the load. A
 * per-CPU word shared by every program would not do: a program nesting in
 * another (an interrupt's) could overwrite it between the two. */
static __always_inline __u64 key_of(__u64 *word, __u64 v)
{
	*(volatile __u64 *)word = v;
	return *(volatile __u64 *)word;
}

/* An object's queue lives in its slot of pslots (by its address) from
 * its first send for as long as the tracer runs, like the hash's entries;
 * an object whose slot another one holds has its queue in the hash. */
static __always_inline __u32 pslot_of(__u64 key)
{
	return (__u32)((key * 0x9E3779B97F4A7C15ULL) >> 58) & (PSLOTS - 1);
}

/* The queue of key (never 0: an object's address, a signal's key), or
 * NULL. key must be a number to the verifier, not a pointer (it refuses
 * pslot_of's arithmetic on one): an address read from a kernel struct is
 * stored in a map value and read back first (key_of). */
static __always_inline struct pend *pend_find(__u64 key)
{
	__u32 i;
	struct pend *p;

	i = pslot_of(key);
	p = bpf_map_lookup_elem(&pslots, &i);

	if (p && key && p->key == key)
		return p;
	if (!pend_hashed)
		return NULL;
	return bpf_map_lookup_elem(&pendq, &key);
}

/* The queue of key made: its free slot claimed (the first to claim it owns
 * it; its fields are zero: never used), else an entry in the hash; a
 * failure counted as lost. A global function: off the per-event path (an
 * object's first send), verified once. Returns 0 when made. */
__noinline int pend_make(__u64 key, __u32 kind)
{
	struct pend *p;
	__u32 i;

	if (!key)
		return -1;
	i = pslot_of(key);
	p = bpf_map_lookup_elem(&pslots, &i);
	if (p && (!__sync_val_compare_and_swap(&p->key, 0, key) || p->key == key))
		return 0;
	__sync_fetch_and_add(&pend_hashed, 1);
	if (bpf_map_update_elem(&pendq, &key, &zero_pend, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&pendq, &key)) {
		cnt_add(kind, EVT_CNT_LOST, 1);
		return -1;
	}
	return 0;
}

static __always_inline struct pend *pend_get(__u64 key, __u32 kind, bool create)
{
	struct pend *p;

	p = pend_find(key);
	if (p || !create || pend_make(key, kind))
		return p;
	return pend_find(key);
}

/* Senders reserve a slot with one atomic add on tail, the consumer owns
 * head: no lock, and a slot is written before its event can be consumed
 * (the push happens at the sending syscall's entry). */
static __always_inline void pend_push(struct pend *p, __u64 ts)
{
	__u32 slot;

	slot = __sync_fetch_and_add(&p->tail, 1);
	p->ts[slot & (PQ - 1)] = ts;
}

static __always_inline __u32 pend_len(const struct pend *p)
{
	__u32 n = p->tail - p->head;

	return n > 0x7fffffff ? 0 : n;
}

/* The oldest send time queued, 0 if none. */
static __always_inline __u64 pend_peek(const struct pend *p)
{
	return pend_len(p) ? p->ts[p->head & (PQ - 1)] : 0;
}

/* How many sends a consumption of units would take off the queue. */
static __always_inline __u32 pend_avail(const struct pend *p, __u32 units)
{
	__u32 n = pend_len(p);

	return units < n ? units : n;
}

/* Takes units sends off the queue; returns the oldest one's send time (0 if
 * the queue was empty). */
static __always_inline __u64 pend_pop(struct pend *p, __u32 units)
{
	__u32 n = pend_len(p), head = p->head;
	__u64 ts;

	if (!n)
		return 0;
	ts = p->ts[head & (PQ - 1)];
	if (units > n)
		units = n;
	p->head = head + units;
	return ts;
}

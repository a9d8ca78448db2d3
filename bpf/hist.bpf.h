/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: the aggregation: per-CPU log-linear histograms and counters per kind and stage.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
/* ---- aggregation ---------------------------------------------------------- */

/* loghist_add() with the bucket index bounded where the verifier sees it. */
static __always_inline void hist_put(__u32 kind, __u32 stage, __s64 sv)
{
	__u32 key = kind * EVT_STAGE_MAX + stage;
	struct loghist *h = bpf_map_lookup_elem(&hists, &key);

	if (h)
		loghist_add(h, sv < 0 ? 0 : (__u64)sv);
}

static __always_inline struct kcounters *kcnt(__u32 kind)
{
	return bpf_map_lookup_elem(&counters, &kind);
}

static __always_inline void cnt_add(__u32 kind, __u32 c, __u64 v)
{
	struct kcounters *k = kcnt(kind);

	if (k && c < EVT_CNT_MAX)
		k->c[c] += v;
}

/* SPDX-License-Identifier: MIT */
/*
 * Log-linear histogram buckets, shared by the BPF tracers and user space
 * (evload, evtrace). Plain C with no library calls, so it compiles for
 * clang -target bpf as well as for the host.
 *
 * HDR-style: values below 2^(LOGHIST_SUB_BITS+1) have a bucket each; above,
 * every power-of-two range [2^m, 2^(m+1)) is split into LOGHIST_SUB linear
 * sub-buckets, so a bucket's width is at most 1/32 of its value (~3%).
 *
 *   shift = max(0, msb(v) - LOGHIST_SUB_BITS)
 *   index = shift * LOGHIST_SUB + (v >> shift)
 *
 * Values of 2^LOGHIST_MAX_BITS ns (~68.7 s) and above land in the last bucket;
 * the exact maximum is kept beside the counts.
 */
#ifndef EVTRACE_LOGHIST_H
#define EVTRACE_LOGHIST_H

#define LOGHIST_SUB_BITS 5
#define LOGHIST_SUB (1u << LOGHIST_SUB_BITS)          /* 32 sub-buckets */
#define LOGHIST_MAX_BITS 36                            /* values < 2^36 ns */
#define LOGHIST_NBUCKETS ((LOGHIST_MAX_BITS - LOGHIST_SUB_BITS) * LOGHIST_SUB) /* 992 */

/* One histogram; the same layout in a BPF map value and in user space.
 * min is meaningful only when count > 0. */
struct loghist {
	unsigned long long count;
	unsigned long long sum;
	unsigned long long min;
	unsigned long long max;
	unsigned long long counts[LOGHIST_NBUCKETS];
};

/* Index of the most significant set bit of v (v > 0), branchy but loop-free
 * so that the BPF verifier sees a fixed instruction count. */
static inline unsigned int loghist_msb(unsigned long long v)
{
	unsigned int r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) { r += 1; }
	return r;
}

static inline unsigned int loghist_bucket(unsigned long long v)
{
	unsigned int shift = 0, idx;

	if (v >= (1ULL << LOGHIST_MAX_BITS))
		return LOGHIST_NBUCKETS - 1;
	if (v >= (1ULL << (LOGHIST_SUB_BITS + 1)))
		shift = loghist_msb(v) - LOGHIST_SUB_BITS;
	idx = shift * LOGHIST_SUB + (unsigned int)(v >> shift);
	return idx < LOGHIST_NBUCKETS ? idx : LOGHIST_NBUCKETS - 1;
}

/* Lowest value that maps to bucket idx. */
static inline unsigned long long loghist_bucket_low(unsigned int idx)
{
	unsigned int shift;

	if (idx < 2 * LOGHIST_SUB)
		return idx;
	shift = idx / LOGHIST_SUB - 1;
	return (unsigned long long)(idx - shift * LOGHIST_SUB) << shift;
}

/* Width of bucket idx (values low .. low + width - 1 map to it). */
static inline unsigned long long loghist_bucket_width(unsigned int idx)
{
	if (idx < 2 * LOGHIST_SUB)
		return 1;
	return 1ULL << (idx / LOGHIST_SUB - 1);
}

/* Records v. Not atomic: for per-CPU storage or a single writer. */
static inline void loghist_add(struct loghist *h, unsigned long long v)
{
	unsigned long long idx = loghist_bucket(v);

#ifdef __bpf__
	/* hide idx's known range from clang so that the bounds check below
	 * stays in the program for the verifier to see */
	asm volatile("" : "+r"(idx));
#endif
	if (idx >= LOGHIST_NBUCKETS)
		return;
	if (h->count == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
	h->counts[idx]++;
}

#endif /* EVTRACE_LOGHIST_H */

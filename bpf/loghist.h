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
 * The buckets end at 2^(LOGHIST_MAX_BITS-1) ns (~34.4 s): values from there
 * up land in the last bucket; the exact maximum is kept beside the counts.
 */
#ifndef EVTRACE_LOGHIST_H
#define EVTRACE_LOGHIST_H

#define LOGHIST_SUB_BITS 5
#define LOGHIST_SUB (1u << LOGHIST_SUB_BITS)          /* 32 sub-buckets */
#define LOGHIST_MAX_BITS 36                            /* buckets up to 2^35 ns */
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

/* Index of the most significant set bit of v (v > 0; 0 for 0). Without a
 * branch: each step's "any bit set above" is (hi + mask) >> width, hi being
 * below 2^width. The BPF verifier then follows one path per sample site,
 * not one per combination of the steps. */
static inline unsigned int loghist_msb(unsigned long long v)
{
	unsigned long long s, r;

	s = ((v >> 32) + 0xffffffffULL) >> 32 << 5;
	v >>= s;
	r = s;
	s = ((v >> 16) + 0xffffULL) >> 16 << 4;
	v >>= s;
	r += s;
	s = ((v >> 8) + 0xffULL) >> 8 << 3;
	v >>= s;
	r += s;
	s = ((v >> 4) + 0xfULL) >> 4 << 2;
	v >>= s;
	r += s;
	s = ((v >> 2) + 0x3ULL) >> 2 << 1;
	v >>= s;
	r += s;
	return (unsigned int)(r + (v >> 1));
}

/* min and max of a and b, both below 2^63, without a branch (BPF: the
 * verifier follows one path through them): the sign of a - b is the mask. */
static inline unsigned long long loghist_min63(unsigned long long a, unsigned long long b)
{
	unsigned long long d = a - b;

	return b + (d & (unsigned long long)((long long)d >> 63));
}

static inline unsigned long long loghist_max63(unsigned long long a, unsigned long long b)
{
	unsigned long long d = a - b;

	return a - (d & (unsigned long long)((long long)d >> 63));
}

/* msb(v | 2^SUB_BITS) - SUB_BITS is 0 below 2^(SUB_BITS+1), as wanted;
 * 2^(MAX_BITS-1) and above land past the last bucket and are clamped to it. */
static inline unsigned int loghist_bucket(unsigned long long v)
{
	unsigned int shift = loghist_msb(v | LOGHIST_SUB) - LOGHIST_SUB_BITS;
	unsigned long long idx = shift * LOGHIST_SUB + (v >> shift);

	return (unsigned int)loghist_min63(idx, LOGHIST_NBUCKETS - 1);
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

/* Records v. Not atomic: for per-CPU storage or a single writer. BPF:
 * without a branch but the bounds check the verifier needs (v < 2^63). */
static inline void loghist_add(struct loghist *h, unsigned long long v)
{
	unsigned long long idx = loghist_bucket(v);

#ifdef __bpf__
	unsigned long long c = h->count;

	/* hide idx's known range from clang so that the bounds check below
	 * stays in the program for the verifier to see */
	asm volatile("" : "+r"(idx));
	if (idx >= LOGHIST_NBUCKETS)
		return;
	/* count 0: min is unset and v is the new one */
	h->min = loghist_min63(h->min | (((c | -c) >> 63) - 1) >> 1, v);
	h->max = loghist_max63(h->max, v);
	h->count = c + 1;
#else
	if (h->count == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
#endif
	h->sum += v;
	h->counts[idx]++;
}

#endif /* EVTRACE_LOGHIST_H */

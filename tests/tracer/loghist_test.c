/* SPDX-License-Identifier: MIT */
/*
 * The log-linear histogram of bpf/loghist.h against a reference written here
 * the plain way (loops and branches, the documented scheme): values below
 * 2^(SUB_BITS+1) have a bucket each; above, the range [2^m, 2^(m+1)) is cut
 * into LOGHIST_SUB equal sub-buckets; values past the last one
 * (2^(LOGHIST_MAX_BITS-1) and above) go to the last one. Checked: bucket
 * index, low edge and width of every bucket, every power of two +/-3,
 * every value below 2^20, a few million pseudo-random values of every
 * magnitude (fixed seed), the branch-free min and max, and loghist_add both
 * as BPF compiles it and as user space does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* loghist_add as the BPF programs compile it (branch-free min and max);
 * hist_add (user/shared/hist.c) is the user-space one. */
#define __bpf__ 1
#include "loghist.h"
#undef __bpf__

#include "hist.h"

#define RANDOM_VALUES 4000000
/* the first value past the last bucket: 2^35 ns, ~34.4 s */
#define LOGHIST_TOP (1ULL << (LOGHIST_MAX_BITS - 1))

/* ---------------------------------------------------------------- reference */

static unsigned int ref_msb(uint64_t v)
{
	unsigned int m = 0;

	for (unsigned int i = 0; i < 64; i++)
		if (v & (1ULL << i))
			m = i;
	return m;
}

static unsigned int ref_bucket(uint64_t v)
{
	unsigned int m, idx;

	if (v < 2 * LOGHIST_SUB)
		return (unsigned int)v;
	m = ref_msb(v);
	/* the octave [2^m, 2^(m+1)), then which of its 32 equal parts */
	idx = (m - LOGHIST_SUB_BITS + 1) * LOGHIST_SUB +
	      (unsigned int)((v - (1ULL << m)) / ((1ULL << m) / LOGHIST_SUB));
	return idx < LOGHIST_NBUCKETS ? idx : LOGHIST_NBUCKETS - 1;
}

static uint64_t ref_width(unsigned int idx)
{
	if (idx < 2 * LOGHIST_SUB)
		return 1;
	return (1ULL << (idx / LOGHIST_SUB + LOGHIST_SUB_BITS - 1)) / LOGHIST_SUB;
}

static uint64_t ref_low(unsigned int idx)
{
	unsigned int m;

	if (idx < 2 * LOGHIST_SUB)
		return idx;
	m = idx / LOGHIST_SUB + LOGHIST_SUB_BITS - 1;
	return (1ULL << m) + (idx % LOGHIST_SUB) * ref_width(idx);
}

/* splitmix64: a fixed sequence, the same on every run */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* One value's bucket, checked against the reference and against the
 * bucket's edges; a message naming the value on a mismatch. */
static void check_value(uint64_t v)
{
	unsigned int got = loghist_bucket(v), want = ref_bucket(v);

	if (got != want)
		fail_msg("loghist_bucket(%llu) = %u, want %u", (unsigned long long)v, got, want);
	if (v < LOGHIST_TOP &&
	    (v < loghist_bucket_low(got) || v - loghist_bucket_low(got) >= loghist_bucket_width(got)))
		fail_msg("%llu outside its bucket %u [%llu, +%llu)", (unsigned long long)v, got,
			 (unsigned long long)loghist_bucket_low(got),
			 (unsigned long long)loghist_bucket_width(got));
}

/* ---------------------------------------------------------------- tests */

static void test_reference_sane(void **state)
{
	(void)state;
	/* the reference itself, on values worked out by hand */
	assert_int_equal(ref_bucket(0), 0);
	assert_int_equal(ref_bucket(63), 63);
	assert_int_equal(ref_bucket(64), 64);
	assert_int_equal(ref_bucket(65), 64);
	assert_int_equal(ref_bucket(66), 65);
	assert_int_equal(ref_bucket(127), 95);
	assert_int_equal(ref_bucket(128), 96);
	assert_int_equal(ref_bucket(LOGHIST_TOP - 1), LOGHIST_NBUCKETS - 1);
	assert_int_equal(ref_bucket(LOGHIST_TOP), LOGHIST_NBUCKETS - 1);
	assert_int_equal(ref_bucket(UINT64_MAX), LOGHIST_NBUCKETS - 1);
	assert_int_equal(ref_low(96), 128);
	assert_int_equal(ref_width(96), 4);
	assert_int_equal(LOGHIST_NBUCKETS, 992);
}

static void test_every_bucket(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < LOGHIST_NBUCKETS; i++) {
		uint64_t low = ref_low(i), w = ref_width(i);

		if (loghist_bucket_low(i) != low)
			fail_msg("loghist_bucket_low(%u) = %llu, want %llu", i,
				 (unsigned long long)loghist_bucket_low(i), (unsigned long long)low);
		if (loghist_bucket_width(i) != w)
			fail_msg("loghist_bucket_width(%u) = %llu, want %llu", i,
				 (unsigned long long)loghist_bucket_width(i), (unsigned long long)w);
		/* its first and last value are in it, the ones either side are not */
		assert_int_equal(loghist_bucket(low), i);
		assert_int_equal(loghist_bucket(low + w - 1), i);
		if (i > 0)
			assert_int_equal(loghist_bucket(low - 1), i - 1);
		if (i + 1 < LOGHIST_NBUCKETS)
			assert_int_equal(loghist_bucket(low + w), i + 1);
		check_value(low);
		check_value(low + w - 1);
	}
	/* the buckets tile [0, 2^(MAX_BITS-1)) with no gap; above, the last */
	assert_int_equal(ref_low(LOGHIST_NBUCKETS - 1) + ref_width(LOGHIST_NBUCKETS - 1),
			 LOGHIST_TOP);
	assert_int_equal(loghist_bucket(LOGHIST_TOP), LOGHIST_NBUCKETS - 1);
	assert_int_equal(loghist_bucket((1ULL << LOGHIST_MAX_BITS) + 1), LOGHIST_NBUCKETS - 1);
}

static void test_powers_of_two(void **state)
{
	(void)state;
	for (unsigned int m = 0; m < 64; m++)
		for (int d = -3; d <= 3; d++) {
			uint64_t p = 1ULL << m;

			if (d < 0 && p < (uint64_t)-d)
				continue;
			check_value(p + (uint64_t)(int64_t)d);
			if (loghist_msb(p) != m)
				fail_msg("loghist_msb(2^%u) = %u", m, loghist_msb(p));
			if (p + (uint64_t)(int64_t)d > 0 &&
			    loghist_msb(p + (uint64_t)(int64_t)d) != ref_msb(p + (uint64_t)(int64_t)d))
				fail_msg("loghist_msb(2^%u%+d) = %u, want %u", m, d,
					 loghist_msb(p + (uint64_t)(int64_t)d),
					 ref_msb(p + (uint64_t)(int64_t)d));
		}
	check_value(UINT64_MAX);
	assert_int_equal(loghist_msb(0), 0);
	assert_int_equal(loghist_msb(UINT64_MAX), 63);
}

static void test_small_values(void **state)
{
	(void)state;
	for (uint64_t v = 0; v < 1ULL << 20; v++)
		check_value(v);
}

static void test_random_values(void **state)
{
	uint64_t s = 0x5eed5eed5eed5eedULL;

	(void)state;
	for (unsigned int i = 0; i < RANDOM_VALUES; i++) {
		uint64_t r = next_random(&s);

		/* every magnitude equally often: shifted right by 0..63 bits */
		check_value(r >> (next_random(&s) & 63));
	}
}

static void test_min_max(void **state)
{
	static const uint64_t edges[] = { 0, 1, 2, 63, 64, 1ULL << 31, 1ULL << 32,
					  LOGHIST_TOP - 1, LOGHIST_TOP, (1ULL << 62) + 7,
					  (1ULL << 63) - 2, (1ULL << 63) - 1 };
	uint64_t s = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		for (size_t j = 0; j < sizeof(edges) / sizeof(edges[0]); j++) {
			uint64_t a = edges[i], b = edges[j];

			assert_int_equal(loghist_min63(a, b), a < b ? a : b);
			assert_int_equal(loghist_max63(a, b), a > b ? a : b);
		}
	for (unsigned int i = 0; i < 1000000; i++) {
		uint64_t a = next_random(&s) >> 1 >> (next_random(&s) & 63);
		uint64_t b = next_random(&s) >> 1 >> (next_random(&s) & 63);

		if (loghist_min63(a, b) != (a < b ? a : b) || loghist_max63(a, b) != (a > b ? a : b))
			fail_msg("min63/max63(%llu, %llu) = %llu/%llu", (unsigned long long)a,
				 (unsigned long long)b, (unsigned long long)loghist_min63(a, b),
				 (unsigned long long)loghist_max63(a, b));
	}
}

/* loghist_add, the BPF variant and the user-space one, against a plain
 * count, sum, min and max over the same values: the first value sets min
 * whatever it is (0 too, and a value above the previous min). */
static void check_add_sequence(const uint64_t *v, size_t n)
{
	static struct loghist hb, hu;
	uint64_t min = 0, max = 0, sum = 0;

	memset(&hb, 0, sizeof(hb));
	hist_init(&hu);
	for (size_t i = 0; i < n; i++) {
		loghist_add(&hb, v[i]);
		hist_add(&hu, v[i]);
		if (i == 0 || v[i] < min)
			min = v[i];
		if (v[i] > max)
			max = v[i];
		sum += v[i];
		assert_int_equal(hb.count, i + 1);
		assert_int_equal(hb.min, min);
		assert_int_equal(hb.max, max);
		assert_int_equal(hb.sum, sum);
	}
	assert_memory_equal(&hb, &hu, sizeof(hb));
}

static void test_add(void **state)
{
	static const uint64_t first_zero[] = { 0, 5, 3, 0, 1ULL << 40 };
	static const uint64_t first_big[] = { (1ULL << 63) - 1, 7, 1ULL << 36, 7, 0 };
	static const uint64_t rising[] = { 1, 2, 3, 100, 1000000 };
	static const uint64_t falling[] = { 1000000, 100, 3, 2, 1 };
	static uint64_t rnd[100000];
	uint64_t s = 7;

	(void)state;
	check_add_sequence(first_zero, 5);
	check_add_sequence(first_big, 5);
	check_add_sequence(rising, 5);
	check_add_sequence(falling, 5);
	for (size_t i = 0; i < sizeof(rnd) / sizeof(rnd[0]); i++)
		rnd[i] = next_random(&s) >> 1 >> (next_random(&s) & 63);
	check_add_sequence(rnd, sizeof(rnd) / sizeof(rnd[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_sane),
		cmocka_unit_test(test_every_bucket),
		cmocka_unit_test(test_powers_of_two),
		cmocka_unit_test(test_small_values),
		cmocka_unit_test(test_random_values),
		cmocka_unit_test(test_min_max),
		cmocka_unit_test(test_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

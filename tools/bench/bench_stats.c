// SPDX-License-Identifier: MIT
/*
 * evtrace bench: estimates across trials and band verdicts.
 *
 * A trial gives one value of a quantity (say the kernel-measured p50 of one
 * mechanism). Across n trials the estimate is the median, and its interval
 * is distribution-free: for sorted values x(1) <= ... <= x(n), the interval
 * [x(k), x(n+1-k)] contains the population median with probability
 * 1 - 2 P(Bin(n, 1/2) <= k - 1). We take the largest k that keeps that
 * probability at 95% or more; with fewer than 6 trials no k does, and the
 * interval is the whole range [min, max] (75% for 3 trials, 94% for 5). The
 * coverage actually achieved is reported with every interval.
 *
 * Comparisons between mechanisms use paired ratios: trials run interleaved
 * (trial i of every mechanism before trial i+1 of any), so the ratio of trial
 * i's values cancels most of the machine's drift, and the interval is that of
 * the median of the ratios.
 */
#include "bench_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* P(Bin(n, 1/2) <= j) */
static double binom_half_cdf(int n, int j)
{
	double c = 1.0, sum = 0.0;

	if (j < 0)
		return 0.0;
	for (int i = 0; i <= j && i <= n; i++) {
		sum += c;
		c = c * (double)(n - i) / (double)(i + 1);
	}
	return sum * pow(0.5, n);
}

double bench_os_coverage(int n, int k)
{
	if (n < 2 || k < 1 || 2 * k > n + 1)
		return 0.0;
	if (2 * k == n + 1)
		return 0.0;     /* a single order statistic */
	return 1.0 - 2.0 * binom_half_cdf(n, k - 1);
}

void bench_est_of(const double *v, int n, struct bench_est *e)
{
	double x[BENCH_MAX_TRIALS];
	int m = 0, k = 1;

	memset(e, 0, sizeof(*e));
	for (int i = 0; i < n && m < BENCH_MAX_TRIALS; i++)
		if (!isnan(v[i]))
			x[m++] = v[i];
	e->n = m;
	if (!m)
		return;
	qsort(x, (size_t)m, sizeof(x[0]), cmp_double);
	e->min = x[0];
	e->max = x[m - 1];
	e->med = m % 2 ? x[m / 2] : (x[m / 2 - 1] + x[m / 2]) / 2.0;
	while (bench_os_coverage(m, k + 1) >= 0.95)
		k++;
	e->lo = x[k - 1];
	e->hi = x[m - k];
	e->coverage = bench_os_coverage(m, k);
}

void bench_ratio_of(const double *a, const double *b, int n, struct bench_est *e)
{
	double r[BENCH_MAX_TRIALS];

	if (n > BENCH_MAX_TRIALS)
		n = BENCH_MAX_TRIALS;
	for (int i = 0; i < n; i++)
		r[i] = (!isnan(a[i]) && !isnan(b[i]) && b[i] > 0 && a[i] >= 0) ? a[i] / b[i] : NAN;
	bench_est_of(r, n, e);
}

const char *bench_verdict_name(enum bench_verdict v)
{
	switch (v) {
	case BENCH_HOLDS:
		return "holds";
	case BENCH_CONTRADICTED:
		return "contradicted";
	default:
		return "not distinguishable";
	}
}

enum bench_verdict bench_band_verdict(const struct bench_est *e, double lo, double hi)
{
	if (e->n < BENCH_MIN_TRIALS)
		return BENCH_UNDECIDED;
	if (e->lo >= lo && e->hi < hi)
		return BENCH_HOLDS;
	if (e->hi < lo || e->lo >= hi)
		return BENCH_CONTRADICTED;
	return BENCH_UNDECIDED;
}

enum bench_verdict bench_verdict_and(enum bench_verdict a, enum bench_verdict b)
{
	if (a == BENCH_CONTRADICTED || b == BENCH_CONTRADICTED)
		return BENCH_CONTRADICTED;
	if (a == BENCH_HOLDS && b == BENCH_HOLDS)
		return BENCH_HOLDS;
	return BENCH_UNDECIDED;
}

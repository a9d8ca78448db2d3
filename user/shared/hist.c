/* SPDX-License-Identifier: MIT */
#include "hist.h"

#include <errno.h>
#include <json-c/json.h>
#include <string.h>

void hist_init(struct loghist *h)
{
	memset(h, 0, sizeof(*h));
}

void hist_add(struct loghist *h, uint64_t v)
{
	loghist_add(h, v);
}

void hist_merge(struct loghist *dst, const struct loghist *src)
{
	if (src->count == 0)
		return;
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	for (unsigned int i = 0; i < LOGHIST_NBUCKETS; i++)
		dst->counts[i] += src->counts[i];
}

uint64_t hist_quantile(const struct loghist *h, double q)
{
	uint64_t total = 0, rank, seen = 0;

	for (unsigned int i = 0; i < LOGHIST_NBUCKETS; i++)
		total += h->counts[i];
	if (total == 0)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	/* the smallest value with at least ceil(q * total) values at or below */
	rank = (uint64_t)(q * (double)total);
	if ((double)rank < q * (double)total)
		rank++;
	if (rank == 0)
		rank = 1;
	for (unsigned int i = 0; i < LOGHIST_NBUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= rank) {
			uint64_t v = loghist_bucket_low(i) + loghist_bucket_width(i) / 2;

			if (v < h->min)
				v = h->min;
			if (v > h->max)
				v = h->max;
			return v;
		}
	}
	return h->max;
}

void hist_summarize(const struct loghist *h, struct hist_summary *out)
{
	memset(out, 0, sizeof(*out));
	out->count = h->count;
	if (h->count == 0)
		return;
	out->min = h->min;
	out->max = h->max;
	out->p50 = hist_quantile(h, 0.50);
	out->p90 = hist_quantile(h, 0.90);
	out->p99 = hist_quantile(h, 0.99);
	out->p999 = hist_quantile(h, 0.999);
	out->mean = (double)h->sum / (double)h->count;
}

const char *hist_fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.2fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
	return buf;
}

void hist_print_bars(FILE *f, const struct loghist *h, const char *label)
{
	uint64_t rows[64] = { 0 }, peak = 0;
	int lo = 64, hi = -1;
	const int width = 40;

	for (unsigned int i = 0; i < LOGHIST_NBUCKETS; i++) {
		uint64_t low;
		int r;

		if (!h->counts[i])
			continue;
		low = loghist_bucket_low(i);
		r = low ? (int)loghist_msb(low) + 1 : 0;
		rows[r] += h->counts[i];
		if (r < lo)
			lo = r;
		if (r > hi)
			hi = r;
	}
	if (hi < 0) {
		fprintf(f, "     (no %s)\n", label ? label : "values");
		return;
	}
	for (int r = lo; r <= hi; r++)
		if (rows[r] > peak)
			peak = rows[r];
	fprintf(f, "%25s : %-10s |%-*s|\n", label ? label : "ns", "count", width,
		"distribution");
	for (int r = lo; r <= hi; r++) {
		unsigned long long from = r ? 1ULL << (r - 1) : 0;
		unsigned long long to = r ? (1ULL << r) - 1 : 0;
		int n = peak ? (int)((rows[r] * width + peak - 1) / peak) : 0;
		char bar[64];

		memset(bar, '*', (size_t)n);
		bar[n] = '\0';
		fprintf(f, "%11llu -> %-10llu : %-10llu |%-*s|\n", from, to,
			(unsigned long long)rows[r], width, bar);
	}
}

struct json_object *hist_summary_to_json(const struct hist_summary *s)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "count", json_object_new_int64((int64_t)s->count));
	json_object_object_add(o, "min", json_object_new_int64((int64_t)s->min));
	json_object_object_add(o, "p50", json_object_new_int64((int64_t)s->p50));
	json_object_object_add(o, "p90", json_object_new_int64((int64_t)s->p90));
	json_object_object_add(o, "p99", json_object_new_int64((int64_t)s->p99));
	json_object_object_add(o, "p999", json_object_new_int64((int64_t)s->p999));
	json_object_object_add(o, "max", json_object_new_int64((int64_t)s->max));
	json_object_object_add(o, "mean", json_object_new_double(s->mean));
	return o;
}

static int get_u64(struct json_object *o, const char *k, uint64_t *v)
{
	struct json_object *f;

	if (!json_object_object_get_ex(o, k, &f) || !json_object_is_type(f, json_type_int))
		return -EINVAL;
	*v = (uint64_t)json_object_get_int64(f);
	return 0;
}

int hist_summary_from_json(struct json_object *o, struct hist_summary *s)
{
	struct json_object *f;

	if (!o || !json_object_is_type(o, json_type_object))
		return -EINVAL;
	if (get_u64(o, "count", &s->count) || get_u64(o, "min", &s->min) ||
	    get_u64(o, "p50", &s->p50) || get_u64(o, "p90", &s->p90) ||
	    get_u64(o, "p99", &s->p99) || get_u64(o, "p999", &s->p999) ||
	    get_u64(o, "max", &s->max))
		return -EINVAL;
	if (!json_object_object_get_ex(o, "mean", &f) ||
	    !(json_object_is_type(f, json_type_double) || json_object_is_type(f, json_type_int)))
		return -EINVAL;
	s->mean = json_object_get_double(f);
	return 0;
}

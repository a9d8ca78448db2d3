// SPDX-License-Identifier: MIT
/*
 * evtrace bench --baseline: compares the verdicts of two runs claim by claim
 * (bench_baseline.h). Both sides are read in their JSON form (the
 * documented shape, docs/schema/bench.schema.json), so a saved run and this
 * run compare alike, whatever version of the claims code wrote the file.
 */
#include "bench_baseline.h"
#include "bench_impl.h"
#include "textesc.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_FORMAT_READ 1

struct bench_baseline {
	char *path;
	struct json_object *root;       /* owns the claims */
	struct json_object *claims;     /* array of {id, verdict, ...} */
};

static const char *const verdicts[] = { "holds", "contradicted", "not distinguishable" };

/* Ids and verdicts come from a saved file: printed escaped (textesc.h),
 * cut at 64 bytes. */
typedef char esc_buf[TEXTESC_SIZE(64)];
#define ESC(str, slot) text_escape((str), esc[(slot)], sizeof(esc[(slot)]))

static const char *str_of(struct json_object *o, const char *key)
{
	struct json_object *f;

	if (!json_object_object_get_ex(o, key, &f) || !json_object_is_type(f, json_type_string))
		return NULL;
	return json_object_get_string(f);
}

static bool known_verdict(const char *v)
{
	for (size_t i = 0; v && i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
		if (!strcmp(v, verdicts[i]))
			return true;
	return false;
}

/* The claims array of bench results, checked: every claim has an id, unique,
 * and a known verdict. NULL with one line in err otherwise. */
static struct json_object *claims_of(struct json_object *root, const char *name, char *err,
				     size_t errlen)
{
	struct json_object *f, *claims;
	const char *tool = json_object_is_type(root, json_type_object) ? str_of(root, "tool") : NULL;
	size_t n;

	if (!tool || strcmp(tool, "evtrace bench")) {
		snprintf(err, errlen, "%s: not evtrace bench results (no \"tool\": \"evtrace bench\")", name);
		return NULL;
	}
	if (!json_object_object_get_ex(root, "format", &f) || !json_object_is_type(f, json_type_int) ||
	    json_object_get_int64(f) < 1 || json_object_get_int64(f) > BENCH_FORMAT_READ) {
		snprintf(err, errlen, "%s: bench results of a format this evtrace does not read", name);
		return NULL;
	}
	if (!json_object_object_get_ex(root, "claims", &claims) ||
	    !json_object_is_type(claims, json_type_array)) {
		snprintf(err, errlen, "%s: no \"claims\" list", name);
		return NULL;
	}
	n = json_object_array_length(claims);
	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(claims, i);
		const char *id = json_object_is_type(c, json_type_object) ? str_of(c, "id") : NULL;
		esc_buf esc[1];

		if (!id || !*id) {
			snprintf(err, errlen, "%s: claims[%zu]: no \"id\"", name, i);
			return NULL;
		}
		if (!known_verdict(str_of(c, "verdict"))) {
			snprintf(err, errlen, "%s: claim %s: \"verdict\" missing or not one of holds, "
				 "contradicted, not distinguishable", name, ESC(id, 0));
			return NULL;
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(id, str_of(json_object_array_get_idx(claims, j), "id"))) {
				snprintf(err, errlen, "%s: claim %s appears twice", name, ESC(id, 0));
				return NULL;
			}
	}
	return claims;
}

static struct json_object *find_claim(struct json_object *claims, const char *id)
{
	size_t n = json_object_array_length(claims);

	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(claims, i);

		if (!strcmp(str_of(c, "id"), id))
			return c;
	}
	return NULL;
}

static struct json_object *read_json(const char *path, char *err, size_t errlen)
{
	struct json_object *o = json_object_from_file(path);

	if (!o) {
		const char *why = json_util_get_last_err();
		size_t n = why ? strlen(why) : 0;

		/* json-c's message ends in a newline */
		snprintf(err, errlen, "cannot read %s: %.*s", path,
			 (int)(n && why[n - 1] == '\n' ? n - 1 : n), why ? why : "invalid JSON");
	}
	return o;
}

int bench_baseline_load(const char *path, struct bench_baseline **ret, char *err, size_t errlen)
{
	struct bench_baseline *b = calloc(1, sizeof(*b));

	*ret = NULL;
	if (!b || !(b->path = strdup(path))) {
		free(b);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	b->root = read_json(path, err, errlen);
	if (!b->root || !(b->claims = claims_of(b->root, path, err, errlen))) {
		bench_baseline_free(b);
		return -EINVAL;
	}
	*ret = b;
	return 0;
}

void bench_baseline_free(struct bench_baseline *b)
{
	if (!b)
		return;
	json_object_put(b->root);
	free(b->path);
	free(b);
}

int bench_baseline_diff(const struct bench_baseline *b, struct json_object *results,
			const char *new_name, FILE *f, char *err, size_t errlen)
{
	struct json_object *now = claims_of(results, new_name, err, errlen);
	size_t nold = json_object_array_length(b->claims), nnew, same = 0;
	int changed = 0;

	if (!now)
		return -EINVAL;
	nnew = json_object_array_length(now);
	/* in the baseline's order, then the claims it did not have */
	for (size_t i = 0; i < nold; i++) {
		struct json_object *o = json_object_array_get_idx(b->claims, i);
		const char *id = str_of(o, "id"), *was = str_of(o, "verdict");
		struct json_object *c = find_claim(now, id);
		const char *is = c ? str_of(c, "verdict") : "(no such claim)";
		esc_buf esc[3];

		if (c && !strcmp(was, is)) {
			same++;
			continue;
		}
		fprintf(f, "  %s: %s -> %s\n", ESC(id, 0), ESC(was, 1), ESC(is, 2));
		changed++;
	}
	for (size_t i = 0; i < nnew; i++) {
		struct json_object *c = json_object_array_get_idx(now, i);
		esc_buf esc[2];

		if (find_claim(b->claims, str_of(c, "id")))
			continue;
		fprintf(f, "  %s: (no such claim) -> %s\n", ESC(str_of(c, "id"), 0),
			ESC(str_of(c, "verdict"), 1));
		changed++;
	}
	if (changed)
		fprintf(f, "  %d changed, %zu the same\n", changed, same);
	else
		fprintf(f, "  no verdict changed (%zu claims)\n", same);
	return changed;
}

/* The listing goes to stderr with the progress (stdout has the tables). */
static int finish(const struct bench_baseline *b, struct json_object *results,
		  const char *new_name, const char *prog)
{
	char err[512] = "";
	int n;

	fprintf(stderr, "%s: %s against the baseline %s (claim: old -> new verdict):\n", prog,
		new_name, b->path);
	n = bench_baseline_diff(b, results, new_name, stderr, err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 1;
	}
	return n ? BENCH_EXIT_CHANGED : 0;
}

int bench_baseline_check(const struct bench_baseline *b, const struct bench_results *r,
			 const char *prog)
{
	struct json_object *o = bench_to_json(r);
	int ret;

	if (!o) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}
	ret = finish(b, o, "this run", prog);
	json_object_put(o);
	return ret;
}

int bench_baseline_against(const struct bench_baseline *b, const char *path, const char *prog)
{
	char err[512] = "";
	struct json_object *o = read_json(path, err, sizeof(err));
	int ret;

	if (!o) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 1;
	}
	ret = finish(b, o, path, prog);
	json_object_put(o);
	return ret;
}

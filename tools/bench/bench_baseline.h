/* SPDX-License-Identifier: MIT */
/*
 * evtrace bench --baseline OLD.json: the verdicts of a saved run against
 * this run's (or, with --against NEW.json, against another saved run's),
 * claim by claim (bench_baseline.c). For CI: the exit status says whether
 * any verdict changed.
 */
#ifndef EVTRACE_BENCH_BASELINE_H
#define EVTRACE_BENCH_BASELINE_H

#include <stddef.h>
#include <stdio.h>

/* The exit status of `evtrace bench --baseline` when a verdict changed (or
 * a claim appeared or went away). */
#define BENCH_EXIT_CHANGED 3

struct bench_baseline;
struct bench_results;
struct json_object;

/* Reads the saved results at path (`evtrace bench --json`): their claims and
 * verdicts. 0, or a negative errno with one line in err. */
int bench_baseline_load(const char *path, struct bench_baseline **ret, char *err, size_t errlen);
void bench_baseline_free(struct bench_baseline *b);
/* Claims whose verdict differs between b and results (the JSON form of a
 * run, as bench_to_json makes it): one line each on f ("claim: old
 * verdict -> new verdict"), then a summary line; new_name names results in
 * errors. Returns how
 * many differ, or a negative errno with one line in err when results are
 * not bench results. */
int bench_baseline_diff(const struct bench_baseline *b, struct json_object *results,
			const char *new_name, FILE *f, char *err, size_t errlen);
/* The hooks of cmd_bench: compare the run r, or the saved run at path;
 * 0 (no change), BENCH_EXIT_CHANGED, or 1 (an error, said in one line
 * prefixed with prog). */
int bench_baseline_check(const struct bench_baseline *b, const struct bench_results *r,
			 const char *prog);
int bench_baseline_against(const struct bench_baseline *b, const char *path, const char *prog);

#endif /* EVTRACE_BENCH_BASELINE_H */

/* SPDX-License-Identifier: MIT */
/*
 * Numbers from the command line, checked whole: the text is one number and
 * nothing else, in range, finite. Each returns 0 and the value, or -EINVAL
 * (not a number, trailing text) or -ERANGE (outside [lo, hi]); *out is
 * left alone on failure. Shared by evtrace, evtrace bench and evload.
 */
#ifndef EVTRACE_PARSE_H
#define EVTRACE_PARSE_H

#include <stdint.h>
#include <sys/types.h>

/* A decimal integer in [lo, hi]. */
int parse_long(const char *s, long lo, long hi, long *out);
/* A decimal unsigned integer in [lo, hi] (no sign). */
int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);
/* A finite real number in [lo, hi] ("0.5", "1e-2"). */
int parse_double(const char *s, double lo, double hi, double *out);
/* A process id: 1..INT_MAX. */
int parse_pid(const char *s, pid_t *out);

#endif /* EVTRACE_PARSE_H */

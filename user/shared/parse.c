// SPDX-License-Identifier: MIT
/* Numbers from the command line (parse.h). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "parse.h"

int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end || isspace((unsigned char)*s))
		return -EINVAL;
	if (errno || v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno || v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || isspace((unsigned char)*s) || isnan(v))
		return -EINVAL;
	if (errno || !isfinite(v) || v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_pid(const char *s, pid_t *out)
{
	long v;
	int r = parse_long(s, 1, INT_MAX, &v);

	if (!r)
		*out = (pid_t)v;
	return r;
}

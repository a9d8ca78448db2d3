/* SPDX-License-Identifier: MIT */
/*
 * make bench-overhead: the cost of one syscall that no tracer acts on
 * (getppid), as seen by the process making it. Once any BPF program is on
 * the sys_enter or sys_exit tracepoint, every syscall of every process on
 * the machine takes the kernel's traced-syscall path and runs those programs,
 * whether they are interested or not: this is the floor every syscall pays
 * while evtrace (or any syscall tracer) is attached.
 *
 *   overhead_sys [-n CALLS] [-r ROUNDS]
 *
 * Prints the median over ROUNDS of the ns per call of CALLS getppid calls:
 *   syscall_ns <median> <min> <max>
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static long parse_count(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 100000000) {
		fprintf(stderr, "overhead_sys: %s must be a whole number from 1 to 100000000, not '%s'\n",
			what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	long calls = 1000000, rounds = 5, i, r;
	double *ns;
	int c;

	while ((c = getopt(argc, argv, "n:r:")) != -1) {
		switch (c) {
		case 'n':
			calls = parse_count(optarg, "-n");
			break;
		case 'r':
			rounds = parse_count(optarg, "-r");
			if (rounds > 1000) {
				fprintf(stderr, "overhead_sys: -r must be at most 1000\n");
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: overhead_sys [-n CALLS] [-r ROUNDS]\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "overhead_sys: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	ns = calloc((size_t)rounds, sizeof(*ns));
	if (!ns) {
		perror("overhead_sys: calloc");
		return 1;
	}
	for (r = 0; r < rounds; r++) {
		double t0 = now_ns();

		for (i = 0; i < calls; i++)
			syscall(SYS_getppid);
		ns[r] = (now_ns() - t0) / (double)calls;
	}
	qsort(ns, (size_t)rounds, sizeof(*ns), cmp_double);
	printf("syscall_ns %.1f %.1f %.1f\n", ns[rounds / 2], ns[0], ns[rounds - 1]);
	free(ns);
	return 0;
}

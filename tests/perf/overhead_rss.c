/* SPDX-License-Identifier: MIT */
/*
 * overhead_rss: run a command and report its peak RSS, for make
 * bench-overhead.
 *
 *   overhead_rss -o FILE CMD [ARGS...]
 *
 * Writes "EXIT MAXRSS_KIB WALL_S" to FILE: the command's exit status (128+N
 * for a signal), the ru_maxrss wait4() gives (the larger of the command's own
 * peak and that of the descendants it waited for) and the wall time. A small
 * C launcher, because the peak RSS a process inherits at exec is that of its
 * parent's memory at fork time: measured from python it would read python's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	const char *outpath;
	int status, code;
	FILE *out;
	pid_t pid;

	if (argc < 4 || strcmp(argv[1], "-o") != 0) {
		fprintf(stderr, "usage: overhead_rss -o FILE CMD [ARGS...]\n");
		return 2;
	}
	outpath = argv[2];
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "overhead_rss: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		execvp(argv[3], &argv[3]);
		fprintf(stderr, "overhead_rss: %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "overhead_rss: wait4: %s\n", strerror(errno));
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	out = fopen(outpath, "w");
	if (!out) {
		fprintf(stderr, "overhead_rss: %s: %s\n", outpath, strerror(errno));
		return 1;
	}
	fprintf(out, "%d %ld %.3f\n", code, ru.ru_maxrss,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	fclose(out);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * A held child: forked now, it waits on a pipe until the tracer is in
 * place, then execs. Shared by `evtrace run` and evtrace bench.
 *
 * The child dies with its parent: PR_SET_PDEATHSIG(SIGKILL) (kept across
 * the exec), and a check of getppid() after it, for a parent that died
 * before the prctl; so a command outlives no evtrace, not even one killed
 * with SIGKILL. In the child the signal mask is restored (spawn_opts), the
 * dispositions evtrace changed (SIGPIPE ignored; SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT) are back to the default, and stdin, stdout, stderr are the given
 * descriptors.
 */
#ifndef EVTRACE_SPAWN_H
#define EVTRACE_SPAWN_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

struct spawn {
	pid_t pid;
	int gate;               /* write end: one byte releases, EOF gives up */
	int status;             /* exec's report: read end (CLOEXEC in the child) */
};

struct spawn_opts {
	const sigset_t *mask;   /* the child's signal mask; NULL: empty */
	int in, out, err;       /* dup2'ed onto 0, 1, 2; -1: inherited */
};

/* CMD as execvp would find it (PATH, or a path with a slash): 0 and the
 * file in out, or -errno (-ENOENT: not found; -EACCES, -EISDIR: not
 * executable). */
int spawn_resolve(const char *name, char *out, size_t len);
/* Forks the child, held. path is execv'ed with argv once released. 0, or
 * a negative errno with one line in err. */
int spawn_held(struct spawn *sp, const char *path, char *const argv[],
	       const struct spawn_opts *opts, char *err, size_t errlen);
/* Releases the child and waits for its exec: 0 once it runs path, or the
 * negative errno of the failed exec (the child then exits 127 for ENOENT,
 * 126 otherwise; reap it with waitpid). */
int spawn_release(struct spawn *sp);
/* Gives up: the child exits 126 without running path; it is reaped. */
void spawn_abort(struct spawn *sp);

#endif /* EVTRACE_SPAWN_H */

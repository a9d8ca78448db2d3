// SPDX-License-Identifier: MIT
/* A held child (spawn.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

static void close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
}

static __attribute__((noreturn)) void child(const char *path, char *const argv[],
					    const struct spawn_opts *o, pid_t parent,
					    int gate, int status)
{
	static const int sigs[] = { SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	sigset_t none;
	ssize_t n;
	char go;
	int e;

	/* dies with evtrace; and if evtrace died already, now */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(126);
	if (o) {
		if (o->in >= 0 && o->in != STDIN_FILENO)
			dup2(o->in, STDIN_FILENO);
		if (o->out >= 0 && o->out != STDOUT_FILENO)
			dup2(o->out, STDOUT_FILENO);
		if (o->err >= 0 && o->err != STDERR_FILENO)
			dup2(o->err, STDERR_FILENO);
	}
	/* before the wait: after the gate, nothing but the exec (a syscall
	 * counter attached meanwhile counts the command's own) */
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, o && o->mask ? o->mask : &none, NULL);
	/* the tracers are in place once a byte comes; EOF: evtrace gave up */
	do
		n = read(gate, &go, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(126);
	execv(path, argv);
	e = errno;
	if (write(status, &e, sizeof(e)) < 0)
		_exit(126);
	_exit(e == ENOENT ? 127 : 126);
}

int spawn_held(struct spawn *sp, const char *path, char *const argv[],
	       const struct spawn_opts *opts, char *err, size_t errlen)
{
	int gate[2] = { -1, -1 }, status[2] = { -1, -1 };
	pid_t parent = getpid();

	sp->pid = -1;
	sp->gate = sp->status = -1;
	if (pipe2(gate, O_CLOEXEC) || pipe2(status, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		close_pair(gate);
		close_pair(status);
		return -EMFILE;
	}
	fflush(NULL);
	sp->pid = fork();
	if (sp->pid < 0) {
		int e = errno;

		snprintf(err, errlen, "fork: %s", strerror(e));
		close_pair(gate);
		close_pair(status);
		return -e;
	}
	if (sp->pid == 0) {
		close(gate[1]);
		close(status[0]);
		child(path, argv, opts, parent, gate[0], status[1]);
	}
	close(gate[0]);
	close(status[1]);
	sp->gate = gate[1];
	sp->status = status[0];
	return 0;
}

int spawn_release(struct spawn *sp)
{
	int e = 0;
	ssize_t n;

	if (write(sp->gate, "g", 1) != 1)
		e = errno ? errno : EPIPE;
	close(sp->gate);
	sp->gate = -1;
	if (e) {
		kill(sp->pid, SIGKILL);
	} else {
		/* EOF: the exec closed the descriptor; else its errno */
		do
			n = read(sp->status, &e, sizeof(e));
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)sizeof(e))
			e = 0;
	}
	close(sp->status);
	sp->status = -1;
	return -e;
}

void spawn_abort(struct spawn *sp)
{
	if (sp->gate >= 0)
		close(sp->gate);
	if (sp->status >= 0)
		close(sp->status);
	sp->gate = sp->status = -1;
	if (sp->pid > 0)
		while (waitpid(sp->pid, NULL, 0) < 0 && errno == EINTR)
			;
	sp->pid = -1;
}

/* CMD as execvp would find it; 0 and a path, or -errno. */
int spawn_resolve(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");
	int last = ENOENT;

	if (!*name)
		return -ENOENT;
	if (strchr(name, '/')) {
		struct stat st;

		if (stat(name, &st))
			return -errno;
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		if (access(name, X_OK))
			return -errno;
		snprintf(out, len, "%s", name);
		return 0;
	}
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *colon = strchrnul(path, ':');
		int dlen = (int)(colon - path);
		struct stat st;

		snprintf(out, len, "%.*s%s%s", dlen, dlen ? path : ".", "/", name);
		if (stat(out, &st) == 0 && !S_ISDIR(st.st_mode)) {
			if (access(out, X_OK) == 0)
				return 0;
			last = errno;
		}
		path = *colon ? colon + 1 : colon;
	}
	return -last;
}

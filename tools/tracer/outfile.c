// SPDX-License-Identifier: MIT
/* Output files that are safe to write (outfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

struct outfile {
	char *path;
	char *tmp;              /* the temporary renamed over path, or NULL */
	FILE *f;
	bool is_stdout;         /* f is stdout: flushed, never closed */
	char *mem;              /* OUTFILE_STDOUT_LATER: the held text */
	size_t memlen;
};

/* The process's umask, without changing it (other threads may create
 * files meanwhile): /proc/self/status has it since Linux 4.7. */
static mode_t current_umask(void)
{
	char line[128];
	unsigned int m;
	FILE *f = fopen("/proc/self/status", "re");
	mode_t old;

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "Umask: %o", &m) == 1) {
				fclose(f);
				return (mode_t)m;
			}
		fclose(f);
	}
	old = umask(022);
	umask(old);
	return old;
}

/* A link to a descriptor (/dev/stdout -> /proc/self/fd/1, /dev/fd/N):
 * written in place, never replaced. */
static bool fd_link(const char *path)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (!strncmp(path, "/proc/self/fd/", 14) || !strncmp(path, "/dev/fd/", 8))
		return true;
	if (lstat(path, &st) || !S_ISLNK(st.st_mode))
		return false;
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	return !strncmp(target, "/proc/self/fd/", 14) || !strncmp(target, "fd/", 3) ||
	       !strncmp(target, "/dev/fd/", 8);
}

static void free_outfile(struct outfile *o)
{
	free(o->path);
	free(o->tmp);
	free(o->mem);
	free(o);
}

static int fail(struct outfile *o, int e, char *err, size_t errlen)
{
	snprintf(err, errlen, "cannot write %s: %s", o->path, strerror(e));
	if (o->f && !o->is_stdout)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	free_outfile(o);
	return -e;
}

int outfile_open(struct outfile **ret, const char *path, unsigned flags, char *err, size_t errlen)
{
	struct outfile *o = calloc(1, sizeof(*o));
	const char *slash = strrchr(path, '/');
	struct stat st;
	int fd;

	*ret = NULL;
	if (!o || !(o->path = strdup(path))) {
		free(o);
		snprintf(err, errlen, "cannot write %s: out of memory", path);
		return -ENOMEM;
	}
	if (!strcmp(path, "-")) {
		if (flags & OUTFILE_NO_STDOUT) {
			snprintf(err, errlen, "cannot write '-': needs a file, not stdout");
			free_outfile(o);
			return -EINVAL;
		}
		o->is_stdout = !(flags & OUTFILE_STDOUT_LATER);
		o->f = o->is_stdout ? stdout : open_memstream(&o->mem, &o->memlen);
		if (!o->f)
			return fail(o, errno, err, errlen);
		*ret = o;
		return 0;
	}
	if (!*path || (slash && !slash[1])) {
		snprintf(err, errlen, "cannot write '%s': not a file name", path);
		free_outfile(o);
		return -EINVAL;
	}
	if (fd_link(path) || (!stat(path, &st) && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))) {
		/* a device, a FIFO, a socket, a descriptor: in place */
		fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | (fd_link(path) ? O_APPEND : 0));
	} else {
		if (!stat(path, &st) && S_ISDIR(st.st_mode))
			return fail(o, EISDIR, err, errlen);
		if (asprintf(&o->tmp, "%.*s.%s.XXXXXX", slash ? (int)(slash - path + 1) : 0, path,
			     slash ? slash + 1 : path) < 0) {
			o->tmp = NULL;
			return fail(o, ENOMEM, err, errlen);
		}
		/* O_EXCL: never through a link planted at the temporary's name */
		fd = mkostemp(o->tmp, O_CLOEXEC);
		if (fd < 0) {
			int e = errno;

			free(o->tmp);
			o->tmp = NULL;
			return fail(o, e, err, errlen);
		}
		if (fchmod(fd, 0666 & ~current_umask())) {
			int e = errno;

			close(fd);
			return fail(o, e, err, errlen);
		}
	}
	if (fd < 0)
		return fail(o, errno, err, errlen);
	o->f = fdopen(fd, "w");
	if (!o->f) {
		int e = errno;

		close(fd);
		return fail(o, e, err, errlen);
	}
	*ret = o;
	return 0;
}

FILE *outfile_stream(const struct outfile *o)
{
	return o->f;
}

const char *outfile_path(const struct outfile *o)
{
	return o->path;
}

int outfile_commit(struct outfile *o, char *err, size_t errlen)
{
	int e = 0;

	if (!o)
		return 0;
	if (fflush(o->f) || ferror(o->f))
		e = errno ? errno : EIO;
	if (o->is_stdout) {
		clearerr(o->f);
		o->f = NULL;
	} else {
		if (fclose(o->f) && !e)
			e = errno ? errno : EIO;
		o->f = NULL;
	}
	if (!e && o->mem) {
		/* the held text goes to stdout now */
		if (fwrite(o->mem, 1, o->memlen, stdout) != o->memlen || fflush(stdout))
			e = errno ? errno : EIO;
		clearerr(stdout);
	}
	if (!e && o->tmp && rename(o->tmp, o->path))
		e = errno;
	if (e) {
		if (!strcmp(o->path, "-"))
			snprintf(err, errlen, "cannot write to stdout: %s", strerror(e));
		else
			snprintf(err, errlen, "cannot write %s: %s", o->path, strerror(e));
		if (o->tmp)
			unlink(o->tmp);
		free_outfile(o);
		return -e;
	}
	free_outfile(o);
	return 0;
}

void outfile_discard(struct outfile *o)
{
	if (!o)
		return;
	if (o->f && !o->is_stdout)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	free_outfile(o);
}

int outfile_check(const char *path, unsigned flags, char *err, size_t errlen)
{
	struct outfile *o;
	int r = outfile_open(&o, path, flags, err, errlen);

	if (!r)
		outfile_discard(o);
	return r;
}

int outfile_save(const char *path, unsigned flags, int (*render)(FILE *f, const void *arg),
		 const void *arg, char *err, size_t errlen)
{
	struct outfile *o;
	int ret = outfile_open(&o, path, flags, err, errlen);

	if (ret)
		return ret;
	ret = render(o->f, arg);
	if (ret) {
		if (!strcmp(path, "-"))
			snprintf(err, errlen, "cannot write to stdout: %s", strerror(-ret));
		else
			snprintf(err, errlen, "cannot write %s: %s", path, strerror(-ret));
		outfile_discard(o);
		return ret;
	}
	return outfile_commit(o, err, errlen);
}

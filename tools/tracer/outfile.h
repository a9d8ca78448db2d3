/* SPDX-License-Identifier: MIT */
/*
 * Output files that are safe to write: opened before a long run, so that a
 * bad path is one line before anything starts; filled through a stdio
 * stream; committed at the end, every write and the close checked.
 *
 *   - a regular file (or a path that does not exist yet) is written to an
 *     O_EXCL temporary beside it (".NAME.XXXXXX", same directory, so the
 *     rename stays in one file system) and renamed over PATH on commit: no
 *     half-written file ever replaces an old one, and a symlink planted at
 *     PATH is replaced, never written through. The mode is 0666 less the
 *     umask, as for any file the process creates.
 *   - a character device, a FIFO or a socket (/dev/null, /dev/full, a
 *     named pipe), and the links to a descriptor (/dev/stdout, /dev/fd/N,
 *     /proc/self/fd/N) are written in place.
 *   - "-" is stdout; with OUTFILE_STDOUT_LATER the text is kept in memory
 *     and written to stdout on commit only (`evtrace run`: stdout belongs to
 *     the command until it has exited).
 * Used by every file evtrace and evtrace bench write.
 */
#ifndef EVTRACE_OUTFILE_H
#define EVTRACE_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

struct outfile;

enum outfile_flags {
	OUTFILE_STDOUT_LATER = 1 << 0,  /* "-": held until outfile_commit */
	OUTFILE_NO_STDOUT = 1 << 1,     /* "-" is refused (a file is needed) */
};

/* 0 and *ret, or a negative errno with one line in err ("cannot write
 * PATH: REASON"). */
int outfile_open(struct outfile **ret, const char *path, unsigned flags, char *err, size_t errlen);
/* The stream to write to. */
FILE *outfile_stream(const struct outfile *o);
/* The path given to outfile_open. */
const char *outfile_path(const struct outfile *o);
/* Flushes, checks every write and the close, renames the temporary into
 * place; frees o. 0, or a negative errno with one line in err (the
 * temporary is then removed, whatever was at PATH stays). NULL: 0. */
int outfile_commit(struct outfile *o, char *err, size_t errlen);
/* Drops what was written (the temporary is removed); frees o. NULL allowed. */
void outfile_discard(struct outfile *o);
/* outfile_open then outfile_discard: can PATH be written (before a run)? */
int outfile_check(const char *path, unsigned flags, char *err, size_t errlen);

/* All at once: open, render(stream, arg) (0, or a negative errno), commit;
 * 0, or a negative errno with one line in err. */
int outfile_save(const char *path, unsigned flags, int (*render)(FILE *f, const void *arg),
		 const void *arg, char *err, size_t errlen);

#endif /* EVTRACE_OUTFILE_H */

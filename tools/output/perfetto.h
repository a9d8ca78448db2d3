/* SPDX-License-Identifier: MIT */
/*
 * A timeline of the traced events in the Trace Event Format (JSON), which
 * ui.perfetto.dev and chrome://tracing open, made from the per-event
 * records (`--events` JSON Lines, docs/json.md):
 *
 *   - per event, on the receiver's thread track, a slice "<kind> event"
 *     over the event's total (send start -> end), and inside it one slice
 *     per stage measured for it: send, wake, return, dispatch (an event
 *     queued without a wakeup: "queued", then dispatch);
 *   - per sending syscall seen (send records), a slice on the sender's
 *     thread track over the syscall (its sender cost);
 *   - a flow arrow from the sending syscall to the event's dispatch (or its
 *     last stage), when the send that started the event was seen;
 *   - process and thread names (metadata events).
 *
 * Slices of one track nest strictly. Events that overlap on a thread (a
 * queue of them waiting while the receiver was busy) cannot nest there:
 * the ones that do not fit go to extra tracks of the same process, named
 * "<thread> overlapping #N", as few as the most events at once need (their
 * tids lie above pid_max; otherData.extra_tracks maps each to its thread).
 * Timestamps are CLOCK_MONOTONIC in microseconds with three decimals (exact
 * nanoseconds).
 */
#ifndef EVTRACE_PERFETTO_H
#define EVTRACE_PERFETTO_H

#include <stddef.h>
#include <sys/types.h>

struct perfetto_out;

/* What the writer may not find in /proc any more (run: the command has
 * exited by then): the traced process's name. */
struct perfetto_hint {
	pid_t pid;              /* 0: none */
	const char *name;       /* e.g. the command line */
};

struct perfetto_stats {
	size_t events, sends;   /* records read */
	size_t flows;           /* events with a flow from their send */
	size_t overlapping;     /* events drawn on an extra track */
	size_t left_out;        /* events past the 2^32 - 2^22 extra tracks (none) */
};

/* Creates path's temporary file beside it now, so that a bad path is an
 * error before anything is traced. 0, or a negative errno with one line in
 * err. */
int perfetto_open(struct perfetto_out **ret, const char *path, char *err, size_t errlen);
/* Reads the records of events_path and writes the trace, then renames it
 * into place. 0, or a negative errno with one line in err (a record that is
 * not one: its file and line). stats may be NULL. */
int perfetto_write(struct perfetto_out *o, const char *events_path,
		   const struct perfetto_hint *hint, struct perfetto_stats *stats,
		   char *err, size_t errlen);
/* Frees o; removes the temporary file unless perfetto_write renamed it.
 * NULL allowed. */
void perfetto_close(struct perfetto_out *o);

/* A private temporary file for the records when --perfetto comes without
 * --events: its path in buf (removed by the caller). 0 or a negative errno. */
int perfetto_events_tmp(char *buf, size_t len);

#endif /* EVTRACE_PERFETTO_H */

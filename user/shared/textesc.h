/* SPDX-License-Identifier: MIT */
/*
 * textesc: strings that came from outside (a saved report, /proc/PID/cmdline,
 * a task's comm, /proc/cpuinfo) made safe to print on a terminal. Control
 * characters (below 0x20, 0x7f, the C1 controls U+0080..U+009F), the
 * bidirectional overrides (U+202A..U+202E, U+2066..U+2069) and bytes that are
 * not valid UTF-8 become \xNN, one per byte; a backslash becomes \\ so that
 * the escapes stay unambiguous. Valid UTF-8 text is kept as it is. JSON
 * output does not use text_escape: json-c escapes its strings itself, but
 * they must be UTF-8 (text_utf8).
 */
#ifndef EVTRACE_TEXTESC_H
#define EVTRACE_TEXTESC_H

#include <stddef.h>

/* Room for any string of n bytes escaped, with its terminating NUL. */
#define TEXTESC_SIZE(n) (4 * (n) + 1)

/* Writes s escaped into buf (len bytes, always NUL-terminated when len > 0;
 * a string that does not fit is cut before the escape that would not) and
 * returns buf. */
char *text_escape(const char *s, char *buf, size_t len);

/* Room for any string of n bytes made valid UTF-8, with its NUL. */
#define TEXTUTF8_SIZE(n) (3 * (n) + 1)

/* Writes s into buf (len bytes, NUL-terminated when len > 0, cut before a
 * character that would not fit) with every byte that is not part of valid
 * UTF-8 replaced by U+FFFD, and returns buf: for outputs that must be UTF-8
 * (JSON), which escape the control characters themselves. */
char *text_utf8(const char *s, char *buf, size_t len);

/* The length of s cut to at most max bytes without splitting a UTF-8
 * character (s is at least max bytes long, or NUL-terminated). */
size_t text_utf8_cut(const char *s, size_t max);

/* Whether s is valid UTF-8 as it is. */
int text_is_utf8(const char *s);

#endif

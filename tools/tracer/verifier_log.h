/* SPDX-License-Identifier: MIT */
/*
 * Why the kernel refused a BPF program, from libbpf's messages: libbpf
 * prints a refused load as "prog 'NAME': BPF program load failed: ..."
 * and then the verifier's log between "-- BEGIN PROG LOAD LOG --" and
 * "-- END PROG LOAD LOG --". The verifier's reason is the log's last line
 * before its statistics ("processed N insns ...", "verification time",
 * "stack depth"), register state dumps ("cur state:", "old state:") left
 * out. A refused load is an EACCES (or EINVAL) the user would
 * otherwise read as a privilege problem ("Permission denied").
 */
#ifndef EVTRACE_VERIFIER_LOG_H
#define EVTRACE_VERIFIER_LOG_H

#include <stddef.h>

/* From one message of libbpf's (msg, NUL-ended): if it holds a program's
 * load log, the program's name into prog and the verifier's reason into
 * why (both NUL-ended, cut to their sizes, escaped as text_escape does),
 * and 1; 0 if the message is no load log or has no reason line. */
int verifier_log_reason(const char *msg, char *prog, size_t proglen, char *why, size_t whylen);

#endif /* EVTRACE_VERIFIER_LOG_H */

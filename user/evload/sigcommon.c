/* SPDX-License-Identifier: MIT */
/*
 * What signal, sigwait and signalfd share: signal names, the reply signal of
 * a ping-pong, the four send calls and the sequence number a delivery
 * carries.
 *
 * Each direction has its own signal: A -> B uses --signal, B -> A its
 * partner (SIGUSR1 <-> SIGUSR2, SIGRTMIN+n -> SIGRTMIN+n+1, SIGRTMAX ->
 * SIGRTMAX-1, any other standard signal -> SIGUSR2). With --threads both
 * sides live in one process, and a process-wide handler or a process-directed
 * signal (kill, sigqueue, pidfd) must reach exactly one of them.
 */
#include "evload.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

static int ev_signal_number(const char *s, char *err, size_t len)
{
	const char *p = s;
	char *end;
	long n;

	if (!strncasecmp(p, "SIG", 3))
		p += 3;
	if (!strncasecmp(p, "RTMIN", 5) || !strncasecmp(p, "RTMAX", 5)) {
		bool max = toupper((unsigned char)p[3]) == 'A';

		p += 5;
		n = 0;
		if (*p) {
			if ((*p != '+' && *p != '-') || !isdigit((unsigned char)p[1]))
				goto bad;
			n = strtol(p, &end, 10);
			if (*end || n < -1024 || n > 1024)
				goto bad;
		}
		return (int)((max ? SIGRTMAX : SIGRTMIN) + n);
	}
	if (isdigit((unsigned char)*p)) {
		n = strtol(p, &end, 10);
		if (*end || n > 1024)
			goto bad;
		return (int)n;
	}
	for (int i = 1; i < SIGRTMIN; i++) {
		const char *name = sigabbrev_np(i);

		if (name && !strcasecmp(p, name))
			return i;
	}
bad:
	snprintf(err, len, "unknown signal '%s' (SIGUSR1, SIGRTMIN+N, a number...)", s);
	return -1;
}

int ev_signal_parse(const char *s, char *err, size_t len)
{
	int signo = ev_signal_number(s, err, len);

	if (signo < 0)
		return -1;
	if (signo == SIGKILL || signo == SIGSTOP) {
		snprintf(err, len, "signal %s cannot be caught, blocked or waited for",
			 sigabbrev_np(signo));
		return -1;
	}
	if (signo < 1 || signo > SIGRTMAX || (signo >= 32 && signo < SIGRTMIN)) {
		snprintf(err, len, "signal '%s' (%d) out of range: 1..31 or SIGRTMIN (%d)..SIGRTMAX (%d)",
			 s, signo, SIGRTMIN, SIGRTMAX);
		return -1;
	}
	return signo;
}

const char *ev_signal_name(int signo, char *buf, size_t len)
{
	if (signo >= SIGRTMIN)
		snprintf(buf, len, "SIGRTMIN+%d", signo - SIGRTMIN);
	else
		snprintf(buf, len, "SIG%s", sigabbrev_np(signo) ? sigabbrev_np(signo) : "?");
	return buf;
}

const char *const ev_send_names[4] = {
	[EV_SEND_KILL] = "kill",
	[EV_SEND_TGKILL] = "tgkill",
	[EV_SEND_SIGQUEUE] = "sigqueue",
	[EV_SEND_PIDFD] = "pidfd",
};

int ev_signal_reply(int signo)
{
	if (signo == SIGUSR1)
		return SIGUSR2;
	if (signo == SIGUSR2)
		return SIGUSR1;
	if (signo >= SIGRTMIN)
		return signo < SIGRTMAX ? signo + 1 : signo - 1;
	return SIGUSR2;
}

/* Standard signals keep one pending instance: a send while one is pending
 * merges into it, and the receiver cannot tell. RT signals queue. */
bool ev_signal_merges(const struct ev_opts *o)
{
	return o->signo < SIGRTMIN;
}

void ev_signal_sides(struct ev_side *s)
{
	const struct ev_opts *o = s->run->o;

	s->rx_signo = s->id == EV_B ? o->signo : o->reply_signo;
	s->tx_signo = s->id == EV_A ? o->signo : o->reply_signo;
}

int ev_signal_connect(struct ev_side *s)
{
	const struct ev_opts *o = s->run->o;

	if (o->send == EV_SEND_PIDFD && ev_side_sends(s) && s->peer_pidfd < 0) {
		s->peer_pidfd = (int)syscall(SYS_pidfd_open, s->peer_pid, 0);
		if (s->peer_pidfd < 0)
			return -errno;
	}
	return 0;
}

int ev_signal_send(struct ev_side *s, uint64_t seq)
{
	union sigval v = { .sival_ptr = (void *)(uintptr_t)seq };
	long r;

	switch (s->run->o->send) {
	case EV_SEND_KILL:
		r = kill(s->peer_pid, s->tx_signo);
		break;
	case EV_SEND_TGKILL:
		r = tgkill(s->peer_pid, s->peer_tid, s->tx_signo);
		break;
	case EV_SEND_SIGQUEUE:
		r = sigqueue(s->peer_pid, s->tx_signo, v);
		break;
	default:
		r = syscall(SYS_pidfd_send_signal, s->peer_pidfd, s->tx_signo, NULL, 0);
		break;
	}
	return r < 0 ? -errno : 0;
}

uint64_t ev_signal_seq(const struct ev_side *s, int code, uint64_t value)
{
	if (s->run->o->send == EV_SEND_SIGQUEUE && code == SI_QUEUE)
		return value;
	return EV_SEQ_NONE;
}

void ev_signal_settings(const struct ev_run *r, struct json_object *settings)
{
	char buf[32];

	json_object_object_add(settings, "signal",
		json_object_new_string(ev_signal_name(r->o->signo, buf, sizeof(buf))));
	json_object_object_add(settings, "signal_number", json_object_new_int(r->o->signo));
	if (r->o->pattern == EV_PINGPONG)
		json_object_object_add(settings, "reply_signal",
			json_object_new_string(ev_signal_name(r->o->reply_signo, buf, sizeof(buf))));
	json_object_object_add(settings, "send_call",
			       json_object_new_string(ev_send_names[r->o->send]));
	json_object_object_add(settings, "signal_queues",
			       json_object_new_boolean(!ev_signal_merges(r->o)));
}

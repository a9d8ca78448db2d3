/* SPDX-License-Identifier: MIT */
/*
 * pipe: the self-pipe baseline people pick instead of eventfd. One pipe per
 * direction, non-blocking; the sender writes the 8-byte sequence number, the
 * receiver's libevm io source reads one message per callback, so every
 * event is its own delivery and carries its sequence.
 *
 * With --processes each side closes the ends it does not use: a receiver
 * that dies turns the sender's next write into EPIPE (SIGPIPE is ignored).
 * The ends in use live as long as the process.
 */
#include "evload.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <sys/epoll.h>
#include <unistd.h>

/* r->fd: [0] read, [1] write of direction 0 (A -> B); [2], [3] direction 1. */
static int pipe_setup(struct ev_run *r)
{
	for (int d = 0; d < 2; d++)
		if (pipe2(&r->fd[2 * d], O_NONBLOCK | O_CLOEXEC) < 0)
			return -errno;
	return 0;
}

static int pipe_cb(evm_source *src, int fd, uint32_t revents, void *userdata)
{
	uint64_t t = ev_now();
	struct ev_side *s = userdata;
	uint64_t seq;
	ssize_t n;

	(void)src;
	(void)revents;
	n = read(fd, &seq, sizeof(seq));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -EPIPE;
	if (n != sizeof(seq))
		return -EPROTO;
	ev_rx(s, seq, 1, t);
	return 0;
}

static int pipe_init(struct ev_side *s)
{
	struct ev_run *r = s->run;
	int rd = r->fd[s->id == EV_B ? 0 : 2];
	int wr = r->fd[s->id == EV_A ? 1 : 3];
	int r2;

	if (r->o->processes) {
		/* keep only this side's ends */
		for (int i = 0; i < 4; i++)
			if (r->fd[i] != rd && r->fd[i] != wr)
				close(r->fd[i]);
	}
	s->fd[0] = rd;
	s->fd[1] = wr;
	r2 = ev_side_loop(s);
	if (r2 < 0 || !s->loop)
		return r2;
	return evm_add_io(s->loop, &s->src, rd, EPOLLIN, pipe_cb, s);
}

static int pipe_send(struct ev_side *s, uint64_t seq)
{
	ssize_t n = write(s->fd[1], &seq, sizeof(seq));

	if (n < 0)
		return -errno;
	return n == sizeof(seq) ? 0 : -EIO;
}

static void pipe_settings(const struct ev_run *r, struct json_object *settings)
{
	(void)r;
	json_object_object_add(settings, "send_call", json_object_new_string("write"));
	json_object_object_add(settings, "message_bytes", json_object_new_int(8));
}

const struct ev_mech ev_mech_pipe = {
	.kind = MECH_PIPE,
	.setup = pipe_setup,
	.init = pipe_init,
	.send = pipe_send,
	.wait = ev_loop_wait,
	.settings = pipe_settings,
};

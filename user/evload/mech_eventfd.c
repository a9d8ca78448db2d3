/* SPDX-License-Identifier: MIT */
/*
 * eventfd: the receiver's libevm notify source, counter or semaphore mode.
 *
 * The sender posts 1 per event: evm_notify_post() on the peer's source with
 * --threads; with --processes a write(2) of 1 on a copy of the peer's eventfd
 * (pidfd_getfd), which is the syscall evm_notify_post() makes.
 *
 * Counter mode: a read of n > 1 is one delivery standing for n events, n - 1
 * of them coalesced; its latency is that of the oldest event (the one that
 * made the counter non-zero and woke the receiver). Semaphore mode: one
 * callback per event, nothing coalesces.
 */
#include "evload.h"

#include <errno.h>
#include <json-c/json.h>
#include <unistd.h>

static int efd_cb(evm_source *src, uint64_t value, void *userdata)
{
	uint64_t t = ev_now();

	(void)src;
	ev_rx(userdata, EV_SEQ_NONE, value, t);
	return 0;
}

static int efd_init(struct ev_side *s)
{
	int r;

	r = ev_side_loop(s);
	if (r < 0 || !s->loop)
		return r;
	r = evm_add_notify(s->loop, &s->src, s->run->o->semaphore ? EVM_NOTIFY_SEMAPHORE : 0,
			   efd_cb, s);
	if (r < 0)
		return r;
	r = evm_source_get_fd(s->src);
	if (r < 0)
		return r;
	s->run->sh->side[s->id].fd = r;
	return 0;
}

static int efd_connect(struct ev_side *s)
{
	int fd;

	if (!ev_side_sends(s))
		return 0;
	if (!s->run->o->processes) {
		s->peer_src = s->run->side[!s->id].src;
		return s->peer_src ? 0 : -EBADF;
	}
	fd = ev_peer_fd(s);
	if (fd < 0)
		return fd;
	s->fd[1] = fd;
	return 0;
}

static int efd_send(struct ev_side *s, uint64_t seq)
{
	static const uint64_t one = 1;

	(void)seq;
	if (s->peer_src)
		return evm_notify_post(s->peer_src, 1);
	if (write(s->fd[1], &one, sizeof(one)) < 0)
		return -errno;
	return 0;
}

static void efd_fini(struct ev_side *s)
{
	if (s->fd[1] >= 0)
		close(s->fd[1]);
	s->fd[1] = -1;
}

static void efd_settings(const struct ev_run *r, struct json_object *settings)
{
	json_object_object_add(settings, "eventfd_mode",
			       json_object_new_string(r->o->semaphore ? "semaphore" : "counter"));
	json_object_object_add(settings, "send_call",
			       json_object_new_string(r->o->processes ? "write" : "evm_notify_post"));
}

const struct ev_mech ev_mech_eventfd = {
	.kind = MECH_EVENTFD,
	.init = efd_init,
	.connect = efd_connect,
	.send = efd_send,
	.wait = ev_loop_wait,
	.fini = efd_fini,
	.settings = efd_settings,
};

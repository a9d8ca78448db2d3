// SPDX-License-Identifier: MIT
/*
 * libevm io sources: any fd, any epoll events. The loop never closes the fd.
 */
#include <string.h>
#include <sys/epoll.h>

#include "evm-private.h"

#define EVM_IO_EVENTS_ALLOWED                                                  \
	(EPOLLIN | EPOLLOUT | EPOLLPRI | EPOLLRDHUP | EPOLLET | EPOLLERR |      \
	 EPOLLHUP | EPOLLRDNORM | EPOLLRDBAND | EPOLLWRNORM | EPOLLWRBAND |     \
	 EPOLLMSG | EPOLLWAKEUP | EPOLLEXCLUSIVE)

int evm_add_io(evm_loop *l, evm_source **ret, int fd, uint32_t events,
	       evm_io_cb cb, void *userdata)
{
	evm_source *s;
	int r;

	EVM_CHECK_LOOP(l);
	if (!cb)
		return evm_set_error(l, -EINVAL, "evm_add_io: NULL callback");
	if (fd < 0)
		return evm_set_error(l, -EBADF, "evm_add_io: invalid fd %d", fd);
	/* EPOLLONESHOT is what EVM_ONESHOT is for; EPOLLEXCLUSIVE cannot be
	 * modified later, so it is refused too. */
	if (events & ~(uint32_t)(EVM_IO_EVENTS_ALLOWED & ~EPOLLEXCLUSIVE))
		return evm_set_error(l, -EINVAL, "evm_add_io: unsupported events 0x%x "
				     "(use evm_source_set_enabled(EVM_ONESHOT) for one-shot)",
				     events);
	s = evm_source_new(l, EVM_SOURCE_IO, userdata);
	if (!s)
		return -ENOMEM;
	s->fd = fd;
	s->io.events = events;
	s->cb.io = cb;
	r = evm_epoll_sync(s, events);
	if (r < 0) {
		evm_source_destroy(s);
		return evm_set_error(l, r, "evm_add_io: epoll_ctl(fd %d): %s", fd,
				     strerror(-r));
	}
	if (ret)
		*ret = s;
	return 0;
}

int evm_io_set_events(evm_source *s, uint32_t events)
{
	uint32_t old;
	int r;

	EVM_CHECK_SOURCE(s);
	if (s->kind != EVM_SOURCE_IO)
		return evm_set_error(s->loop, -EINVAL, "evm_io_set_events: not an io source");
	if (events & ~(uint32_t)(EVM_IO_EVENTS_ALLOWED & ~EPOLLEXCLUSIVE))
		return evm_set_error(s->loop, -EINVAL,
				     "evm_io_set_events: unsupported events 0x%x", events);
	old = s->io.events;
	s->io.events = events;
	if (s->enabled == EVM_OFF)
		return 0;
	r = evm_epoll_sync(s, events);
	if (r < 0) {
		s->io.events = old;
		return evm_set_error(s->loop, r, "epoll_ctl(fd %d): %s", s->fd, strerror(-r));
	}
	return 0;
}

int evm_io_dispatch(evm_source *s, uint32_t revents)
{
	evm_loop *l = s->loop;
	int r;

	/* EPOLLONESHOT already disarmed it in the kernel (still registered). */
	if (s->enabled == EVM_ONESHOT)
		s->enabled = EVM_OFF;
	EVM_PROBE_BEGIN(l, EVM_SOURCE_IO, s->fd);
	r = s->cb.io(s, s->fd, revents, s->userdata);
	EVM_PROBE_END(l, EVM_SOURCE_IO, s->fd);
	return r;
}

static int evm_io_set_enabled(evm_source *s, int mode)
{
	return evm_fd_set_enabled(s, mode, s->io.events);
}

/* The user's fd: never closed, not even a child's copy. */
const struct evm_source_ops evm_io_ops = {
	.release = evm_epoll_del,
	.set_enabled = evm_io_set_enabled,
};

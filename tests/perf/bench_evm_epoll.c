// SPDX-License-Identifier: MIT
/*
 * bench-evm peer: raw epoll + eventfd, the honest minimum that every loop
 * below is measured against. Each side: epoll_wait on its own eventfd, read
 * it, write the other side's eventfd. No dispatch table, no callbacks.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bench_evm.h"

static struct {
	struct pp *pp;
	int epfd;
	int efd;
} side[2];

static int ep_init(struct pp *pp, int s)
{
	struct epoll_event ev = { .events = EPOLLIN };

	side[s].pp = pp;
	side[s].efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (side[s].efd < 0)
		return -errno;
	side[s].epfd = epoll_create1(EPOLL_CLOEXEC);
	if (side[s].epfd < 0)
		return -errno;
	ev.data.fd = side[s].efd;
	if (epoll_ctl(side[s].epfd, EPOLL_CTL_ADD, side[s].efd, &ev) < 0)
		return -errno;
	return 0;
}

static int ep_wake(int s)
{
	return bench_efd_post(side[s].efd);
}

static int ep_run(int s)
{
	struct epoll_event ev;
	int n;

	for (;;) {
		n = epoll_wait(side[s].epfd, &ev, 1, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!bench_efd_take(side[s].efd))
			continue;
		if (!pp_turn(side[s].pp, s))
			return 0;
		bench_efd_post(side[!s].efd);
	}
}

static void ep_fini(int s)
{
	close(side[s].epfd);
	close(side[s].efd);
}

const struct pp_peer pp_epoll = {
	.name = "epoll",
	.how = "epoll_wait + read/write on one eventfd per side",
	.init = ep_init,
	.run = ep_run,
	.wake = ep_wake,
	.fini = ep_fini,
};

/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: AF_UNIX sockets (a socketpair used as a loop's wakeup
 * channel: Python's asyncio, set_wakeup_fd): each write(2), send(2),
 * sendto(2) or sendmsg(2) on one end is a send to the struct sock of its
 * peer, which receives it; a read(2), recv(2)/recvfrom(2) or recvmsg(2) of
 * the other end consumes from its own struct sock (fd_kind.bpf.h finds
 * both). Measured like the pipe (mech_pipe.bpf.h): unit bytes per send, a
 * read of k units is k events.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
static __always_inline void unix_send_enter(struct pend *p, long id, __u64 len)
{
	/* sendmsg: the length is in its iovecs: unknown, one event per read */
	p->unit = id == NR_write || id == NR_sendto ? (__u32)len : 0;
}

static __always_inline bool unix_read_exit(const struct tstate *t, long ret, struct cons *c,
					   struct pend **pp)
{
	return pipe_read_exit(t, ret, c, pp);
}

/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: which mechanism decodes which fd kind (fd_kind.bpf.h): the
 * one place the syscall hooks (hook_syscalls.bpf.h) ask. Signals come
 * through their own hooks and syscalls (hook_signal.bpf.h, sigwait).
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
/* Whether a write(2)/writev(2) to an fd of kind k is a send. */
static __always_inline bool mech_fd_sends(int k)
{
	return k == EVT_KIND_EVENTFD || k == EVT_KIND_PIPE || k == EVT_KIND_UNIX;
}

/* A send to object p of kind k is starting (len: write(2)'s count). */
static __always_inline void mech_send_enter(struct pend *p, int k, long id, __u64 len)
{
	if (k == EVT_KIND_PIPE)
		pipe_send_enter(p, id, len);
	else if (k == EVT_KIND_UNIX)
		unix_send_enter(p, id, len);
}

/* A read of an fd of kind k (object obj) is starting. */
static __always_inline void mech_read_enter(int k, __u64 obj)
{
	if (k == EVT_KIND_TIMERFD)
		timerfd_read_enter(obj);
}

/* A read returned ret > 0 bytes at now: the consumption it is and its
 * queue (false: none). */
static __always_inline bool mech_read_exit(const struct tstate *t, long ret, __u64 now,
					   struct cons *c, struct pend **p)
{
	switch (t->sc_kind) {
	case EVT_KIND_EVENTFD:
		return eventfd_read_exit(t, ret, c, p);
	case EVT_KIND_TIMERFD:
		return timerfd_read_exit(t, ret, now, c, p);
	case EVT_KIND_PIPE:
		return pipe_read_exit(t, ret, c, p);
	case EVT_KIND_UNIX:
		return unix_read_exit(t, ret, c, p);
	case EVT_KIND_SIGNALFD:
		return signalfd_read_exit(t, ret, c, p);
	}
	return false;
}

/* The events past the first of the read c (consumed by then). */
static __always_inline void mech_read_more(const struct tstate *t, const struct cons *c,
					   __u64 now)
{
	__u32 more = c->more;

	if (!more || !bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_loop))
		return;
	if (more > 4095)
		more = 4095;
	if (c->kind == EVT_KIND_PIPE || c->kind == EVT_KIND_UNIX)
		pipe_read_more(c, more, now);
	else if (c->kind == EVT_KIND_SIGNALFD)
		signalfd_read_more(t, more, now);
}

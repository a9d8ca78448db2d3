/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: signalfd: a read returns 128-byte siginfos, one event each;
 * the signal number is the first field of each.
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
static __always_inline bool signalfd_read_exit(const struct tstate *t, long ret, struct cons *c,
					       struct pend **p)
{
	__u32 n = (__u32)((__u64)ret / 128), signo = 0;

	if (!t->sc_buf || bpf_probe_read_user(&signo, sizeof(signo), (void *)t->sc_buf))
		return false;
	*p = sig_prep(c, EVT_KIND_SIGNALFD, bpf_get_current_pid_tgid() >> 32, signo);
	c->more = n > 1 ? n - 1 : 0;
	return true;
}

/* bpf_loop callback: the siginfo i + 1 of the read (buf its buffer). */
struct sigfd_walk {
	__u64 buf;
	__u64 now;
};

static long signalfd_more(__u32 i, struct sigfd_walk *w)
{
	struct tstate *t = cur_state(false);
	__u32 signo = 0;

	if (!t || bpf_probe_read_user(&signo, sizeof(signo), (void *)(w->buf + (i + 1) * 128)))
		return 1;
	sig_consume(t, EVT_KIND_SIGNALFD, signo, w->now, 0);
	return 0;
}

static __always_inline void signalfd_read_more(const struct tstate *t, __u32 more, __u64 now)
{
	struct sigfd_walk w = { .buf = t->sc_buf, .now = now };

	bpf_loop(more, signalfd_more, &w, 0);
}

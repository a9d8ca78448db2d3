/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: eventfd: each write(2) is a send to the eventfd_ctx; a read
 * returns the counter, the number of sends it takes (value - 1 of them
 * coalesced into the first).
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
static __always_inline bool eventfd_read_exit(const struct tstate *t, long ret, struct cons *c,
					      struct pend **p)
{
	__u64 v = fd_read_count(t, ret);

	c->kind = EVT_KIND_EVENTFD;
	c->cls = CLS_FD;
	c->key = t->sc_obj;
	c->units = (__u32)v;
	c->coal = (__u32)(v - 1);
	*p = pend_find(c->key);
	return true;
}

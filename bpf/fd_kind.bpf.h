/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * evtrace BPF: what an fd is: eventfd, timerfd, signalfd, pipe or AF_UNIX
 * socket, from its file operations (a socket: its family).
 * Part of evtrace.bpf.c, which includes the parts in order; not a
 * standalone header.
 */
/* ---- fds ------------------------------------------------------------------ */

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* The kernel's BTF ids of the types the tp_btf path casts to. Set by user
 * space when it loads with the BTF prepared at build time for this very
 * kernel (tools/tracer/kbtf.c): that BTF holds only the types the CO-RE
 * relocations need, so their ids in it are not the kernel's. 0: the id
 * comes from a CO-RE relocation against the kernel's own BTF. */
const volatile __u32 kbtf_task_struct = 0;
const volatile __u32 kbtf_kiocb = 0;
const volatile __u32 kbtf_file = 0;
#define KBTF_ID(prepared, type) ((prepared) ? (prepared) : bpf_core_type_id_kernel(type))

/* The f_op->poll of each fd kind: their addresses come from the kernel's
 * BTF at load (the verifier resolves them; no kallsyms read by user space,
 * no CAP_SYSLOG). Weak: a kernel without one leaves it 0, never matched. */
extern __poll_t eventfd_poll(struct file *file, struct poll_table_struct *wait) __ksym __weak;
extern __poll_t pipe_poll(struct file *file, struct poll_table_struct *wait) __ksym __weak;
extern __poll_t timerfd_poll(struct file *file, struct poll_table_struct *wait) __ksym __weak;
extern __poll_t signalfd_poll(struct file *file, struct poll_table_struct *wait) __ksym __weak;
extern __poll_t sock_poll(struct file *file, struct poll_table_struct *wait) __ksym __weak;

#define EVT_AF_UNIX 1
#define EVT_KIND_SOCKET (EVT_KIND_MAX + 1) /* a socket: unix if AF_UNIX */

static __always_inline int fd_kind(__u64 poll)
{
	if (!poll)
		return -1;
	if (poll == (__u64)&eventfd_poll)
		return EVT_KIND_EVENTFD;
	if (poll == (__u64)&pipe_poll)
		return EVT_KIND_PIPE;
	if (poll == (__u64)&timerfd_poll)
		return EVT_KIND_TIMERFD;
	if (poll == (__u64)&signalfd_poll)
		return EVT_KIND_SIGNALFD;
	if (poll == (__u64)&sock_poll)
		return EVT_KIND_SOCKET;
	return -1;
}

/* A socket's file: an AF_UNIX one is of kind unix, its object the struct
 * sock that receives (mech_unix.bpf.h: a read, the socket's own; a write,
 * its peer's). Other families are none of ours. */
static __always_inline int fd_socket(__u64 socket, bool send, __u64 *obj)
{
	struct sock *sk = BPF_CORE_READ((struct socket *)socket, sk);

	if (!sk || BPF_CORE_READ(sk, __sk_common.skc_family) != EVT_AF_UNIX)
		return -1;
	if (send)
		sk = BPF_CORE_READ((struct unix_sock *)sk, peer);
	if (!sk)
		return -1;
	*obj = (__u64)sk;
	return EVT_KIND_UNIX;
}

/* The kind of fd of the current task (cur: its task_struct as its state
 * keeps it, 0: not known), from its file's f_op->poll, and the object
 * behind it (eventfd_ctx, timerfd_ctx, pipe_inode_info). -1 if none of
 * ours. tp_btf: typed loads only, from the state's task pointer (cheap: no
 * helper call); the other modes read everything through CO-RE. */
static __always_inline int fd_classify_dir(int fd, __u64 *obj, bool send, __u64 cur)
{
	struct file **fds, *file = NULL;
	struct fdtable *fdt;
	int kind;

	if (fd < 0)
		return -1;
	if (cfg.mode == EVT_MODE_TP_BTF) {
		struct task_struct *task = bpf_rdonly_cast(
			(void *)(cur ? cur : bpf_get_current_task()),
			KBTF_ID(kbtf_task_struct, struct task_struct));
		struct file *f;

		fdt = task->files->fdt;
		if (!fdt || (unsigned int)fd >= fdt->max_fds)
			return -1;
		fds = fdt->fd;
		/* the slot as the first member of a struct (kiocb's ki_filp):
		 * a typed load, faulting safely, instead of a helper call */
		file = ((struct kiocb *)bpf_rdonly_cast(&fds[fd],
				KBTF_ID(kbtf_kiocb, struct kiocb)))->ki_filp;
		if (!file)
			return -1;
		f = bpf_rdonly_cast(file, KBTF_ID(kbtf_file, struct file));
		kind = fd_kind((__u64)f->f_op->poll);
		if (kind >= 0)
			*obj = (__u64)f->private_data;
		if (kind == EVT_KIND_SOCKET)
			kind = fd_socket(*obj, send, obj);
		return kind;
	} else {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();

		fdt = BPF_CORE_READ(task, files, fdt);
		if (!fdt || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
			return -1;
		fds = BPF_CORE_READ(fdt, fd);
		if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
			return -1;
		kind = fd_kind((__u64)BPF_CORE_READ(file, f_op, poll));
		if (kind >= 0)
			*obj = (__u64)BPF_CORE_READ(file, private_data);
		if (kind == EVT_KIND_SOCKET)
			kind = fd_socket(*obj, send, obj);
		return kind;
	}
}

/* An fd being read (or waited on, re-armed): its kind and object. */
static __always_inline int fd_classify(int fd, __u64 *obj, __u64 cur)
{
	return fd_classify_dir(fd, obj, false, cur);
}

/* eventfd and timerfd reads return an 8-byte count (events, expirations):
 * read from the user buffer at the exit (read(2) only; readv: 1). */
static __always_inline __u64 fd_read_count(const struct tstate *t, long ret)
{
	__u64 v = 1;

#ifndef EVT_COST_NO_VALUE_READ /* make bench-cost: every read takes 1 */
	if (t->sc_buf && ret == 8)
		bpf_probe_read_user(&v, sizeof(v), (void *)t->sc_buf);
#endif
	return v ? v : 1;
}

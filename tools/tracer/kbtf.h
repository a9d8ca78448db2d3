/* SPDX-License-Identifier: MIT */
/*
 * The kernel BTF prepared at build time (tools/tracer/gen-kbtf.sh): the
 * types the BPF object's CO-RE relocations need, minimized, for the kernel
 * evtrace was built on (known by its build ID), with that kernel's ids of
 * the types the tp_btf programs cast to. On that kernel libbpf relocates
 * against these few types instead of searching the whole kernel BTF once
 * per type; on any other kernel, the whole BTF as before.
 */
#ifndef EVTRACE_KBTF_H
#define EVTRACE_KBTF_H

#include <stddef.h>
#include <stdbool.h>

enum { KBTF_TASK_STRUCT = 0, KBTF_KIOCB, KBTF_FILE, KBTF_NIDS };

struct kbtf {
	int fd;               /* a memfd holding the prepared BTF, -1: none */
	char path[32];        /* /proc/self/fd/N: libbpf's btf_custom_path */
	unsigned int ids[KBTF_NIDS]; /* the kernel's ids (bpf/fd_kind.bpf.h) */
};

/* The hex build ID of the GNU build-id note among the ELF notes of len
 * bytes at notes (the format of /sys/kernel/notes), into hex (NUL-ended).
 * -ENOENT if there is none, -EINVAL if the notes are malformed, -ENOSPC if
 * hex is too small. */
int kbtf_build_id(const unsigned char *notes, size_t len, char *hex, size_t hexlen);

/* Ready k with the prepared BTF if the running kernel is the one it was
 * prepared for and EVTRACE_KBTF is not "off": 0. Otherwise k->fd is -1,
 * why says why not, and the return is negative. */
int kbtf_open(struct kbtf *k, char *why, size_t whylen);

void kbtf_close(struct kbtf *k);

/* Whether the build prepared one (for the kernel it ran on). */
bool kbtf_built(void);

#endif /* EVTRACE_KBTF_H */

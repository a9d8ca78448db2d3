// SPDX-License-Identifier: MIT
/*
 * The kernel BTF prepared at build time (kbtf.h), checked against the
 * running kernel's build ID and handed to libbpf as a memfd.
 */
#include "kbtf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "evtrace.kbtf.h" /* generated: KBTF_PREPARED, kbtf_prepared_id, kbtf_prepared_ids, kbtf_prepared_btf */

#define NT_GNU_BUILD_ID_TYPE 3

static uint32_t rd32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

int kbtf_build_id(const unsigned char *notes, size_t len, char *hex, size_t hexlen)
{
	size_t o = 0;

	if (!notes || !hex || !hexlen)
		return -EINVAL;
	while (o < len) {
		uint32_t nsz, dsz, type;
		size_t name, desc;

		if (len - o < 12)
			return -EINVAL;
		nsz = rd32(notes + o);
		dsz = rd32(notes + o + 4);
		type = rd32(notes + o + 8);
		name = o + 12;
		if (nsz > len - name || pad4(nsz) > len - name)
			return -EINVAL;
		desc = name + pad4(nsz);
		if (dsz > len - desc)
			return -EINVAL;
		if (type == NT_GNU_BUILD_ID_TYPE && nsz == 4 && !memcmp(notes + name, "GNU", 4)) {
			if (!dsz)
				return -EINVAL;
			if (hexlen < 2 * (size_t)dsz + 1)
				return -ENOSPC;
			for (uint32_t i = 0; i < dsz; i++)
				snprintf(hex + 2 * i, 3, "%02x", notes[desc + i]);
			return 0;
		}
		if (pad4(dsz) > len - desc)
			break; /* the last note, unpadded: no more */
		o = desc + pad4(dsz);
	}
	return -ENOENT;
}

bool kbtf_built(void)
{
	return KBTF_PREPARED;
}

void kbtf_close(struct kbtf *k)
{
	if (k && k->fd >= 0)
		close(k->fd);
	if (k)
		k->fd = -1;
}

#if KBTF_PREPARED
/* The running kernel's build ID against the one prepared for, then the
 * prepared BTF into a memfd. */
static int kbtf_load(struct kbtf *k, char *why, size_t whylen)
{
	unsigned char notes[4096];
	char id[2 * 64 + 1];
	ssize_t n;
	int fd, r;

	fd = open("/sys/kernel/notes", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(why, whylen, "/sys/kernel/notes: %s", strerror(-r));
		return r;
	}
	n = read(fd, notes, sizeof(notes));
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r || (r = kbtf_build_id(notes, (size_t)n, id, sizeof(id)))) {
		snprintf(why, whylen, "no build ID of the running kernel: %s", strerror(-r));
		return r;
	}
	if (strcmp(id, kbtf_prepared_id)) {
		snprintf(why, whylen, "the running kernel (build ID %.12s...) is not the one evtrace "
			 "was built on (%.12s...)", id, kbtf_prepared_id);
		return -ESTALE;
	}
	fd = memfd_create("evtrace-kbtf", MFD_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(why, whylen, "memfd_create: %s", strerror(-r));
		return r;
	}
	for (size_t o = 0; o < sizeof(kbtf_prepared_btf); o += (size_t)n) {
		n = write(fd, kbtf_prepared_btf + o, sizeof(kbtf_prepared_btf) - o);
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			snprintf(why, whylen, "writing the memfd: %s", strerror(-r));
			close(fd);
			return r;
		}
	}
	k->fd = fd;
	snprintf(k->path, sizeof(k->path), "/proc/self/fd/%d", fd);
	memcpy(k->ids, kbtf_prepared_ids, sizeof(k->ids));
	return 0;
}
#endif

int kbtf_open(struct kbtf *k, char *why, size_t whylen)
{
	const char *env = getenv("EVTRACE_KBTF");

	memset(k, 0, sizeof(*k));
	k->fd = -1;
	if (env && !strcmp(env, "off")) {
		snprintf(why, whylen, "EVTRACE_KBTF=off");
		return -ECANCELED;
	}
#if KBTF_PREPARED
	return kbtf_load(k, why, whylen);
#else
	snprintf(why, whylen, "none was prepared at build time");
	return -ENOENT;
#endif
}

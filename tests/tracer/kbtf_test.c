// SPDX-License-Identifier: MIT
/*
 * kbtf_build_id (tools/tracer/kbtf.c): the GNU build-id note among ELF
 * notes as /sys/kernel/notes lays them out, and every malformed input a
 * one-value error, never a read past the end (ASan). Plus the running
 * kernel's own notes, which must carry one.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kbtf.h"

/* Appends a note (name NUL-ended, padded; desc padded) at buf + *o. */
static void note(unsigned char *buf, size_t *o, const char *name, uint32_t type,
		 const unsigned char *desc, uint32_t dsz)
{
	uint32_t nsz = (uint32_t)strlen(name) + 1;

	memcpy(buf + *o, &nsz, 4);
	memcpy(buf + *o + 4, &dsz, 4);
	memcpy(buf + *o + 8, &type, 4);
	memset(buf + *o + 12, 0, (nsz + 3) & ~3u);
	memcpy(buf + *o + 12, name, nsz);
	*o += 12 + ((nsz + 3) & ~3u);
	memset(buf + *o, 0, (dsz + 3) & ~3u);
	memcpy(buf + *o, desc, dsz);
	*o += (dsz + 3) & ~3u;
}

static const unsigned char id20[20] = { 0x10, 0x1a, 0xb6, 0xe3, 0xd5, 0xf5, 0x3b, 0xc0, 0x86, 0x5c,
					0x1d, 0x94, 0xa4, 0x77, 0x17, 0x64, 0x48, 0xa2, 0x61, 0xa6 };

static void test_found_after_other_notes(void **state)
{
	unsigned char buf[256];
	char hex[64];
	size_t o = 0;

	(void)state;
	note(buf, &o, "Linux", 6, (const unsigned char *)"\1\0\0\0", 4);
	note(buf, &o, "Xen", 3, (const unsigned char *)"abc", 3); /* type 3, not GNU */
	note(buf, &o, "GNU", 3, id20, sizeof(id20));
	note(buf, &o, "Linux", 0x100, (const unsigned char *)"\0", 1);
	assert_int_equal(kbtf_build_id(buf, o, hex, sizeof(hex)), 0);
	assert_string_equal(hex, "101ab6e3d5f53bc0865c1d94a477176448a261a6");
}

static void test_none(void **state)
{
	unsigned char buf[128];
	char hex[64];
	size_t o = 0;

	(void)state;
	note(buf, &o, "Linux", 6, (const unsigned char *)"\1\0\0\0", 4);
	note(buf, &o, "GNU", 1, id20, 16); /* GNU, but an ABI tag */
	assert_int_equal(kbtf_build_id(buf, o, hex, sizeof(hex)), -ENOENT);
	assert_int_equal(kbtf_build_id(buf, 0, hex, sizeof(hex)), -ENOENT);
}

static void test_malformed(void **state)
{
	unsigned char buf[128], *heap;
	char hex[64];
	size_t o = 0;
	uint32_t big = 0xfffffff0u;

	(void)state;
	note(buf, &o, "GNU", 3, id20, sizeof(id20));
	/* cut anywhere inside the note: never found, never read past (ASan:
	 * each cut copied to a buffer of exactly that size) */
	for (size_t cut = 1; cut < o; cut++) {
		heap = malloc(cut);
		memcpy(heap, buf, cut);
		assert_true(kbtf_build_id(heap, cut, hex, sizeof(hex)) < 0);
		free(heap);
	}
	/* sizes past the end, huge */
	memcpy(buf + 4, &big, 4);
	assert_int_equal(kbtf_build_id(buf, o, hex, sizeof(hex)), -EINVAL);
	memcpy(buf, &big, 4);
	assert_int_equal(kbtf_build_id(buf, o, hex, sizeof(hex)), -EINVAL);
	/* an empty build ID */
	o = 0;
	note(buf, &o, "GNU", 3, id20, 0);
	assert_int_equal(kbtf_build_id(buf, o, hex, sizeof(hex)), -EINVAL);
	assert_int_equal(kbtf_build_id(NULL, 10, hex, sizeof(hex)), -EINVAL);
}

static void test_hex_too_small(void **state)
{
	unsigned char buf[128];
	char hex[40]; /* 20 bytes need 41 */
	size_t o = 0;

	(void)state;
	note(buf, &o, "GNU", 3, id20, sizeof(id20));
	assert_int_equal(kbtf_build_id(buf, o, hex, sizeof(hex)), -ENOSPC);
}

/* The running kernel's notes carry a build ID (what kbtf_open compares). */
static void test_running_kernel(void **state)
{
	unsigned char buf[4096];
	char hex[129];
	int fd = open("/sys/kernel/notes", O_RDONLY);
	ssize_t n;

	(void)state;
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_true(n > 0);
	assert_int_equal(kbtf_build_id(buf, (size_t)n, hex, sizeof(hex)), 0);
	assert_true(strlen(hex) >= 16 && strspn(hex, "0123456789abcdef") == strlen(hex));
}

/* EVTRACE_KBTF=off: never the prepared one, a reason given. */
static void test_off(void **state)
{
	struct kbtf k;
	char why[160] = "";

	(void)state;
	setenv("EVTRACE_KBTF", "off", 1);
	assert_true(kbtf_open(&k, why, sizeof(why)) < 0);
	assert_int_equal(k.fd, -1);
	assert_non_null(strstr(why, "EVTRACE_KBTF=off"));
	kbtf_close(&k);
	unsetenv("EVTRACE_KBTF");
	/* built here, on this kernel: the prepared one is used */
	if (kbtf_built()) {
		assert_int_equal(kbtf_open(&k, why, sizeof(why)), 0);
		assert_true(k.fd >= 0 && k.ids[KBTF_TASK_STRUCT] > 0 && k.ids[KBTF_FILE] > 0);
		assert_true(access(k.path, R_OK) == 0);
		kbtf_close(&k);
		assert_int_equal(k.fd, -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found_after_other_notes),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_hex_too_small),
		cmocka_unit_test(test_running_kernel),
		cmocka_unit_test(test_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

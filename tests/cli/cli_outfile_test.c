// SPDX-License-Identifier: MIT
/*
 * Output files (tools/tracer/outfile.c), under ASan+UBSan: a file appears
 * only once committed, whole; a failed or dropped write leaves the old file
 * alone and no temporary behind; a symlink planted at the path is replaced,
 * never written through; the mode follows the umask; devices are written in
 * place and their write errors reported (/dev/full); "-" held until the
 * commit with OUTFILE_STDOUT_LATER.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "outfile.h"

static char dir[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/outfile-test.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static char *slurp(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* files in dir, "." and ".." aside */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_commit_replaces_whole(void **state)
{
	char p[PATH_MAX], err[512];
	struct outfile *o;

	(void)state;
	path_of(p, sizeof(p), "r.json");
	write_file(p, "old");
	assert_int_equal(outfile_open(&o, p, 0, err, sizeof(err)), 0);
	fputs("new", outfile_stream(o));
	fflush(outfile_stream(o));
	/* until the commit the old file is whole, the new one hidden */
	assert_string_equal(slurp(p), "old");
	assert_int_equal(entries(), 2);
	assert_int_equal(outfile_commit(o, err, sizeof(err)), 0);
	assert_string_equal(slurp(p), "new");
	assert_int_equal(entries(), 1);
	unlink(p);
}

static void test_discard_keeps_old(void **state)
{
	char p[PATH_MAX], err[512];
	struct outfile *o;

	(void)state;
	path_of(p, sizeof(p), "keep.txt");
	write_file(p, "old");
	assert_int_equal(outfile_open(&o, p, 0, err, sizeof(err)), 0);
	fputs("half", outfile_stream(o));
	outfile_discard(o);
	assert_string_equal(slurp(p), "old");
	assert_int_equal(entries(), 1);
	/* a check leaves nothing behind either */
	path_of(p, sizeof(p), "new.txt");
	assert_int_equal(outfile_check(p, 0, err, sizeof(err)), 0);
	assert_int_equal(entries(), 1);
	path_of(p, sizeof(p), "keep.txt");
	unlink(p);
}

static void test_symlink_replaced(void **state)
{
	char p[PATH_MAX], victim[PATH_MAX], err[512];
	struct outfile *o;
	struct stat st;

	(void)state;
	path_of(victim, sizeof(victim), "victim");
	path_of(p, sizeof(p), "planted");
	write_file(victim, "precious");
	assert_int_equal(symlink(victim, p), 0);
	assert_int_equal(outfile_open(&o, p, 0, err, sizeof(err)), 0);
	fputs("report", outfile_stream(o));
	assert_int_equal(outfile_commit(o, err, sizeof(err)), 0);
	assert_string_equal(slurp(victim), "precious");
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_string_equal(slurp(p), "report");
	unlink(p);
	unlink(victim);
}

static void test_mode_umask(void **state)
{
	char p[PATH_MAX], err[512];
	struct outfile *o;
	struct stat st;
	mode_t old = umask(027);

	(void)state;
	path_of(p, sizeof(p), "mode");
	assert_int_equal(outfile_open(&o, p, 0, err, sizeof(err)), 0);
	assert_int_equal(outfile_commit(o, err, sizeof(err)), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	umask(old);
	unlink(p);
}

static void test_bad_paths(void **state)
{
	char err[512];
	struct outfile *o;

	(void)state;
	assert_int_equal(outfile_open(&o, "/nonexistent/dir/x", 0, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cannot write /nonexistent/dir/x"));
	assert_true(outfile_open(&o, dir, 0, err, sizeof(err)) < 0);	/* a directory */
	assert_int_equal(outfile_open(&o, "", 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(outfile_open(&o, "-", OUTFILE_NO_STDOUT, err, sizeof(err)), -EINVAL);
	assert_int_equal(entries(), 0);
}

static void test_devices(void **state)
{
	char err[512];
	struct outfile *o;
	struct stat st;

	(void)state;
	/* written in place: /dev/null stays the device */
	assert_int_equal(outfile_open(&o, "/dev/null", 0, err, sizeof(err)), 0);
	fputs("x", outfile_stream(o));
	assert_int_equal(outfile_commit(o, err, sizeof(err)), 0);
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	/* a full device: the commit fails and says so */
	assert_int_equal(outfile_open(&o, "/dev/full", 0, err, sizeof(err)), 0);
	fputs("x", outfile_stream(o));
	assert_int_equal(outfile_commit(o, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "cannot write /dev/full"));
}

static void test_stdout_later(void **state)
{
	char p[PATH_MAX], err[512];
	struct outfile *o;
	int saved = dup(STDOUT_FILENO), fd;

	(void)state;
	path_of(p, sizeof(p), "stdout");
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0 && saved >= 0);
	fflush(stdout);
	dup2(fd, STDOUT_FILENO);
	assert_int_equal(outfile_open(&o, "-", OUTFILE_STDOUT_LATER, err, sizeof(err)), 0);
	fputs("report\n", outfile_stream(o));
	fputs("command\n", stdout);
	fflush(stdout);
	assert_int_equal(outfile_commit(o, err, sizeof(err)), 0);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(fd);
	assert_string_equal(slurp(p), "command\nreport\n");
	unlink(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commit_replaces_whole),
		cmocka_unit_test(test_discard_keeps_old),
		cmocka_unit_test(test_symlink_replaced),
		cmocka_unit_test(test_mode_umask),
		cmocka_unit_test(test_bad_paths),
		cmocka_unit_test(test_devices),
		cmocka_unit_test(test_stdout_later),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

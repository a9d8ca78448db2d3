// SPDX-License-Identifier: MIT
/*
 * The HTML renderer on synthetic reports (cmocka, ASan+UBSan): text from the
 * report is escaped (a command line cannot inject markup), the CDF ends at
 * 100%, a mechanism without a total gets no plot but its counters, write
 * errors are reported, and a failed save leaves neither the file nor a
 * temporary one behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include <cmocka.h>

#include "html.h"
#include "hist.h"

static struct evtrace_report *fake(void)
{
	struct evtrace_report *r = calloc(1, sizeof(*r));
	struct evtrace_kind_report *k;

	assert_non_null(r);
	snprintf(r->settings.mode, sizeof(r->settings.mode), "run");
	snprintf(r->settings.command, sizeof(r->settings.command),
		 "evload <script>alert(1)</script> \"q\" & 'a'");
	k = &r->kind[EVT_KIND_EVENTFD];
	for (int s = 0; s < EVT_STAGE_MAX; s++)
		hist_init(&k->hist[s]);
	for (uint64_t v = 1000; v < 50000; v += 7) {
		hist_add(&k->hist[EVT_STAGE_TOTAL], v);
		hist_add(&k->hist[EVT_STAGE_WAKE], v / 2);
		hist_add(&k->hist[EVT_STAGE_SEND], v / 4);
	}
	k->counters[EVT_CNT_EVENTS] = k->hist[EVT_STAGE_TOTAL].count;
	/* signal: only lost events, no total */
	r->kind[EVT_KIND_SIGNAL].counters[EVT_CNT_LOST] = 3;
	report_summarize(r);
	return r;
}

static char *render(const struct evtrace_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(html_report(f, r), 0);
	fclose(f);
	return buf;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_escaped(void **state)
{
	struct evtrace_report *r = fake();
	char *page = render(r);

	(void)state;
	assert_null(strstr(page, "<script"));
	assert_non_null(strstr(page, "evload &lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot; &amp; &#39;a&#39;"));
	free(page);
	free(r);
}

/* kernel.bpf_stats_enabled seen on: a condition row; off: none */
static void test_bpf_stats_row(void **state)
{
	struct evtrace_report *r = fake();
	char *page = render(r);

	(void)state;
	assert_null(strstr(page, "bpf_stats"));
	free(page);
	r->settings.bpf_stats = true;
	page = render(r);
	assert_int_equal(count(page, ">bpf_stats<"), 1);
	assert_non_null(strstr(page, "every BPF program run timed by the kernel"));
	free(page);
	free(r);
}

static void test_plots(void **state)
{
	struct evtrace_report *r = fake();
	char *page = render(r), *line, *end, *last;

	(void)state;
	/* eventfd has a total: one CDF, one stage bar; signal only counters */
	assert_int_equal(count(page, "<svg class=\"cdf\""), 1);
	assert_int_equal(count(page, "<svg class=\"stages\""), 1);
	assert_non_null(strstr(page, "<section class=\"mechanism\" data-mechanism=\"signal\">"));
	assert_non_null(strstr(page, "counter bad\" data-counter=\"lost\">lost 3<"));
	/* the CDF's last point is at 100%: y = the plot's top margin */
	line = strstr(page, "<polyline class=\"cdfline\" points=\"");
	assert_non_null(line);
	end = strstr(line, "\"/>");
	assert_non_null(end);
	*end = '\0';
	last = strrchr(line, ',');
	assert_non_null(last);
	assert_true(strtod(last + 1, NULL) == 14.0);
	free(page);
	free(r);
}

static void test_write_error(void **state)
{
	struct evtrace_report *r = fake();
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	assert_non_null(f);
	assert_int_equal(html_report(f, r), -ENOSPC);
	fclose(f);
	free(r);
}

static void test_save(void **state)
{
	struct evtrace_report *r = fake();
	char dir[] = "/tmp/html_unit.XXXXXX", path[128], err[256] = "";
	struct stat st;
	struct dirent *e;
	DIR *d;
	int n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/r.html", dir);
	assert_int_equal(output_check_path(path, err, sizeof(err)), 0);
	assert_int_equal(html_save_report(r, path, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 1000);
	assert_int_equal(st.st_mode & 0777, 0644);
	/* a directory is not a file */
	assert_int_not_equal(output_check_path(dir, err, sizeof(err)), 0);
	assert_non_null(strstr(err, dir));
	snprintf(path, sizeof(path), "%s/none/r.html", dir);
	assert_int_not_equal(output_check_path(path, err, sizeof(err)), 0);
	assert_int_not_equal(html_save_report(r, path, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "cannot write"));
	/* only r.html in the directory: no temporary file left */
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")))
			n++;
	closedir(d);
	assert_int_equal(n, 1);
	snprintf(path, sizeof(path), "%s/r.html", dir);
	unlink(path);
	rmdir(dir);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaped),
		cmocka_unit_test(test_plots),
		cmocka_unit_test(test_bpf_stats_row),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_save),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

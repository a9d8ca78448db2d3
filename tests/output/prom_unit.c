// SPDX-License-Identifier: MIT
/*
 * The Prometheus exposition and server on synthetic reports (cmocka; built
 * with ASan+UBSan and with TSan): cumulative buckets that end at the count,
 * le edges that bound the values below them, the two formats' metadata,
 * loopback-only addresses, and scrapes from other threads while the main
 * thread keeps replacing the snapshot (every answer whole and consistent).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "prom.h"
#include "hist.h"

static struct evtrace_report *fake(uint64_t n)
{
	struct evtrace_report *r = calloc(1, sizeof(*r));
	struct evtrace_kind_report *k;

	assert_non_null(r);
	k = &r->kind[EVT_KIND_PIPE];
	for (uint64_t i = 0; i < n; i++)
		hist_add(&k->hist[EVT_STAGE_TOTAL], 2000 + (i * 7919) % 60000);
	k->counters[EVT_CNT_EVENTS] = n;
	k->counters[EVT_CNT_LOST] = 2;
	report_summarize(r);
	return r;
}

static char *expose(const struct evtrace_report *r, bool om)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(prom_write(f, r, om), 0);
	fclose(f);
	return buf;
}

/* The buckets of pipe's total: cumulative, le increasing, +Inf = count, and
 * each le at least every value counted below it. */
static void test_histogram(void **state)
{
	struct evtrace_report *r = fake(5000);
	const struct loghist *h = &r->kind[EVT_KIND_PIPE].hist[EVT_STAGE_TOTAL];
	char *text = expose(r, false), *line, *save = NULL;
	double last_le = 0;
	unsigned long long last = 0, inf = 0;
	int n = 0;

	(void)state;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *pfx = "evtrace_stage_latency_seconds_bucket{mechanism=\"pipe\",stage=\"total\",le=\"";
		unsigned long long c;
		char le[32];

		if (strncmp(line, pfx, strlen(pfx)))
			continue;
		assert_int_equal(sscanf(line + strlen(pfx), "%31[^\"]\"} %llu", le, &c), 2);
		assert_true(c >= last);
		last = c;
		if (!strcmp(le, "+Inf")) {
			inf = c;
			continue;
		}
		assert_true(strtod(le, NULL) > last_le);
		last_le = strtod(le, NULL);
		/* c = the values <= le, counted from the fine buckets */
		{
			unsigned long long below = 0;

			for (unsigned int i = 0; i < LOGHIST_NBUCKETS; i++)
				if ((double)(loghist_bucket_low(i) + loghist_bucket_width(i) - 1) <=
				    last_le * 1e9 + 0.5)
					below += h->counts[i];
			assert_int_equal(c, below);
		}
		n++;
	}
	assert_int_equal(inf, 5000);
	/* 2 us .. 62 us: about 5 powers of two, 8 edges each */
	assert_in_range(n, 30, 50);
	free(text);
	free(r);
}

static void test_formats(void **state)
{
	struct evtrace_report *r = fake(10);
	char *text = expose(r, false), *om = expose(r, true);

	(void)state;
	assert_non_null(strstr(text, "# TYPE evtrace_events_total counter\n"));
	assert_non_null(strstr(text, "evtrace_lost_total{mechanism=\"pipe\"} 2\n"));
	assert_null(strstr(text, "# EOF"));
	assert_null(strstr(text, "# UNIT"));
	/* no other mechanism: nothing of them was counted */
	assert_null(strstr(text, "mechanism=\"eventfd\""));
	assert_non_null(strstr(om, "# TYPE evtrace_events counter\n"));
	assert_non_null(strstr(om, "evtrace_events_total{mechanism=\"pipe\"} 10\n"));
	assert_non_null(strstr(om, "# UNIT evtrace_stage_latency_seconds seconds\n"));
	assert_string_equal(om + strlen(om) - 6, "# EOF\n");
	free(text);
	free(om);
	free(r);
}

static void test_addresses(void **state)
{
	static const char *const good[] = { "127.0.0.1:0", "127.1.2.3:9464", "localhost:1", "[::1]:80" };
	static const char *const bad[] = { "0.0.0.0:9464", "192.168.1.1:80", "[::]:80", "[::2]:1",
					   "example.com:80", "127.0.0.1", "127.0.0.1:", ":80",
					   "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:8x" };
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(prom_parse_listen(good[i], err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(prom_parse_listen(bad[i], err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, bad[i]));
	}
}

/* GET /metrics; the body in buf (0-terminated), its length or -1. */
static ssize_t get(int port, const char *accept, char *buf, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	char req[256];
	size_t n = 0;
	ssize_t got;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	snprintf(req, sizeof(req), "GET /metrics HTTP/1.0\r\nHost: x\r\nAccept: %s\r\n\r\n", accept);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		close(fd);
		return -1;
	}
	while (n + 1 < len && (got = read(fd, buf + n, len - n - 1)) > 0)
		n += (size_t)got;
	buf[n] = '\0';
	close(fd);
	return (ssize_t)n;
}

struct scraper {
	int port;
	int rounds;
	int ok;
};

static void *scrape(void *arg)
{
	struct scraper *s = arg;
	size_t cap = 1 << 20;
	char *buf = malloc(cap);

	for (int i = 0; buf && i < s->rounds; i++) {
		const char *events, *inf;
		unsigned long long ev = 0, n = 0;

		if (get(s->port, i % 2 ? "application/openmetrics-text; version=1.0.0" : "*/*", buf, cap) <= 0)
			continue;
		if (!strstr(buf, " 200 "))
			continue;
		/* one snapshot: the events counter and the total's count agree */
		events = strstr(buf, "evtrace_events_total{mechanism=\"pipe\"} ");
		inf = strstr(buf, "stage=\"total\",le=\"+Inf\"} ");
		if (!events || !inf)
			continue;
		ev = strtoull(strchr(events, '}') + 2, NULL, 10);
		n = strtoull(strchr(inf, '}') + 2, NULL, 10);
		if (ev == n && (i % 2 == 0 || strstr(buf, "# EOF\n")))
			s->ok++;
	}
	free(buf);
	return NULL;
}

static void test_server(void **state)
{
	struct prom_server *srv;
	struct scraper sc[2];
	pthread_t th[2];
	char err[256], *buf = malloc(1 << 20);

	(void)state;
	assert_non_null(buf);
	assert_int_equal(prom_listen(&srv, "127.0.0.1:0", err, sizeof(err)), 0);
	assert_true(prom_port(srv) > 0);
	/* before the first update: a valid, empty exposition */
	assert_true(get(prom_port(srv), "*/*", buf, 1 << 20) > 0);
	assert_non_null(strstr(buf, "# TYPE evtrace_events_total counter"));
	assert_null(strstr(buf, "mechanism="));
	{
		struct evtrace_report *r = fake(1);

		prom_update(srv, r);
		free(r);
	}
	for (int i = 0; i < 2; i++) {
		sc[i] = (struct scraper){ .port = prom_port(srv), .rounds = 40 };
		assert_int_equal(pthread_create(&th[i], NULL, scrape, &sc[i]), 0);
	}
	for (int u = 2; u < 60; u++) {
		struct evtrace_report *r = fake((uint64_t)u * 10);

		prom_update(srv, r);
		free(r);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(sc[i].ok, sc[i].rounds);
	}
	/* a second server on the same port: refused, one line */
	{
		struct prom_server *other;
		char arg[32];

		snprintf(arg, sizeof(arg), "127.0.0.1:%d", prom_port(srv));
		assert_int_not_equal(prom_listen(&other, arg, err, sizeof(err)), 0);
		assert_non_null(strstr(err, "in use"));
		assert_null(other);
	}
	prom_close(srv);
	prom_close(NULL);
	prom_update(NULL, NULL);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_server),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

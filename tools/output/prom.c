// SPDX-License-Identifier: MIT
/*
 * Prometheus exposition of a report (tools/output/prom.h lists the metrics),
 * the /metrics server and the textfile writer.
 *
 * The server is libmicrohttpd with its own polling thread. The CLI's loop
 * calls prom_update() at each collection: the report is rendered there, in
 * both formats, and the two texts replace the served ones under a mutex; a
 * request copies the text it needs under the same mutex, so a scrape never
 * sees half an update and the loop never waits for a slow scraper.
 */
#include "prom.h"
#include "html.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* Fine buckets per le: 32 sub-buckets / 4 = 8 edges per power of two. */
#define PROM_GROUP 4

/* ------------------------------------------------------------ the text */

static void family(FILE *f, bool om, const char *name, const char *type, const char *unit,
		   const char *help)
{
	/* OpenMetrics names a counter family without its _total suffix */
	size_t n = strlen(name);
	int len = (int)n;

	if (om && !strcmp(type, "counter") && n > 6 && !strcmp(name + n - 6, "_total"))
		len -= 6;
	fprintf(f, "# HELP %.*s %s\n# TYPE %.*s %s\n", len, name, help, len, name, type);
	if (om && unit)
		fprintf(f, "# UNIT %.*s %s\n", len, name, unit);
}

/* Seconds from ns, exact enough for the le edges (integers of ns). */
static void seconds(FILE *f, double ns)
{
	fprintf(f, "%.10g", ns / 1e9);
}

static void histogram(FILE *f, const char *mech, const char *stage, const struct loghist *h)
{
	int first = -1, last = -1;
	uint64_t cum = 0;

	for (unsigned int i = 0; i < LOGHIST_NBUCKETS; i++) {
		if (!h->counts[i])
			continue;
		if (first < 0)
			first = (int)i;
		last = (int)i;
	}
	if (first >= 0) {
		/* the groups of PROM_GROUP fine buckets from first's to last's;
		 * le = the group's largest value (values are whole ns) */
		unsigned int g0 = (unsigned int)first / PROM_GROUP, g1 = (unsigned int)last / PROM_GROUP;

		for (unsigned int i = 0; i < g0 * PROM_GROUP; i++)
			cum += h->counts[i];
		for (unsigned int g = g0; g <= g1; g++) {
			unsigned int top = g * PROM_GROUP + PROM_GROUP - 1;

			for (unsigned int i = g * PROM_GROUP; i <= top; i++)
				cum += h->counts[i];
			fprintf(f, "evtrace_stage_latency_seconds_bucket{mechanism=\"%s\",stage=\"%s\",le=\"",
				mech, stage);
			seconds(f, (double)(loghist_bucket_low(top) + loghist_bucket_width(top) - 1));
			fprintf(f, "\"} %llu\n", (unsigned long long)cum);
		}
	}
	fprintf(f, "evtrace_stage_latency_seconds_bucket{mechanism=\"%s\",stage=\"%s\",le=\"+Inf\"} %llu\n",
		mech, stage, (unsigned long long)h->count);
	fprintf(f, "evtrace_stage_latency_seconds_sum{mechanism=\"%s\",stage=\"%s\"} ", mech, stage);
	seconds(f, (double)h->sum);
	fprintf(f, "\nevtrace_stage_latency_seconds_count{mechanism=\"%s\",stage=\"%s\"} %llu\n", mech,
		stage, (unsigned long long)h->count);
}

static const struct {
	const char *name;
	enum evt_counter c;
	const char *help;
} counters[] = {
	{ "evtrace_events_total", EVT_CNT_EVENTS, "Events consumed by a traced task." },
	{ "evtrace_coalesced_total", EVT_CNT_COALESCED, "Sends merged into an event already pending." },
	{ "evtrace_lost_total", EVT_CNT_LOST, "Events seen sent that the tracer could not follow." },
	{ "evtrace_unmatched_total", EVT_CNT_UNMATCHED, "Consumptions with no send seen." },
	{ "evtrace_sends_total", EVT_CNT_SENDS, "Sending syscalls or timer expiries seen." },
	{ "evtrace_rearmed_total", EVT_CNT_REARMED,
	  "timerfd expiries never read, dropped by re-arming the timer." },
	{ "evtrace_forwarded_total", EVT_CNT_FORWARDED,
	  "Writes of libevm's own signal forwarding (part of a signal's dispatch)." },
	{ "evtrace_default_action_total", EVT_CNT_DEFAULT,
	  "Signals taken by their default action or ignored at delivery." },
};

static const struct {
	const char *name;
	enum evt_counter c;
} wakes[] = {
	{ "same_cpu", EVT_CNT_WAKE_SAME },
	{ "cross_cpu", EVT_CNT_WAKE_CROSS },
	{ "none", EVT_CNT_WAKE_NONE },
};

static void scalar(FILE *f, bool om, const char *name, const char *type, const char *unit,
		   const char *help, double v)
{
	family(f, om, name, type, unit, help);
	fprintf(f, "%s %.10g\n", name, v);
}

/* A process's comm as a label value (quotes, backslashes and newlines
 * escaped, as the text format wants). */
static void comm_label(FILE *f, const char *comm, size_t len)
{
	for (size_t i = 0; i < len && comm[i]; i++) {
		if (comm[i] == '"' || comm[i] == '\\')
			fputc('\\', f);
		if (comm[i] == '\n')
			fputs("\\n", f);
		else
			fputc(comm[i], f);
	}
}

/* One counter c of every active kind: per process with -P (pid and comm
 * labels), else per kind. */
static void counter_series(FILE *f, const struct evtrace_report *r, const bool *active,
			   const char *name, enum evt_counter c, const char *wake)
{
	for (int k = 0; k < EVT_KIND_MAX; k++) {
		if (!active[k])
			continue;
		if (!r->per_process) {
			fprintf(f, "%s{mechanism=\"%s\"", name, evt_kind_name(k));
			if (wake)
				fprintf(f, ",wake=\"%s\"", wake);
			fprintf(f, "} %llu\n", (unsigned long long)r->kind[k].counters[c]);
			continue;
		}
		for (int i = 0; i < r->nprocs; i++) {
			const struct evtrace_proc_report *p = &r->procs[i];

			fprintf(f, "%s{mechanism=\"%s\",pid=\"%d\",comm=\"", name, evt_kind_name(k),
				p->pid);
			comm_label(f, p->comm, sizeof(p->comm));
			fputc('"', f);
			if (wake)
				fprintf(f, ",wake=\"%s\"", wake);
			fprintf(f, "} %llu\n", (unsigned long long)p->counters[k][c]);
		}
	}
}

int prom_write(FILE *f, const struct evtrace_report *r, bool om)
{
	bool active[EVT_KIND_MAX];

	for (int k = 0; k < EVT_KIND_MAX; k++)
		active[k] = report_kind_active(r, k);

	family(f, om, "evtrace_stage_latency_seconds", "histogram", "seconds",
	       "Time each event spent in a stage (total: one way, send to consumption or dispatch).");
	for (int k = 0; k < EVT_KIND_MAX; k++)
		for (int s = 0; s < EVT_STAGE_MAX && active[k]; s++)
			histogram(f, evt_kind_name(k), evt_stage_name(s), &r->kind[k].hist[s]);
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		family(f, om, counters[i].name, "counter", NULL, counters[i].help);
		counter_series(f, r, active, counters[i].name, counters[i].c, NULL);
	}
	family(f, om, "evtrace_in_flight", "gauge", NULL,
	       "Sends not yet consumed when the metrics were taken.");
	counter_series(f, r, active, "evtrace_in_flight", EVT_CNT_IN_FLIGHT, NULL);
	family(f, om, "evtrace_wakes_total", "counter", NULL,
	       "Receivers woken on the sender's CPU, on another, or already running.");
	for (size_t i = 0; i < sizeof(wakes) / sizeof(wakes[0]); i++)
		counter_series(f, r, active, "evtrace_wakes_total", wakes[i].c, wakes[i].name);
	scalar(f, om, "evtrace_ringbuf_records_total", "counter", NULL,
	       "Per-event records written to the ring buffer.", (double)r->ringbuf_records);
	scalar(f, om, "evtrace_ringbuf_dropped_total", "counter", NULL,
	       "Per-event records dropped: the ring buffer was full.", (double)r->ringbuf_dropped);
	scalar(f, om, "evtrace_untraced_wakeups_total", "counter", NULL,
	       "Waits that returned ready after a wakeup by no channel evtrace follows.",
	       (double)r->untraced_wakeups);
	scalar(f, om, "evtrace_missed_runs_total", "counter", NULL,
	       "BPF program runs the kernel skipped (another program ran on that CPU).",
	       (double)r->missed_runs);
	scalar(f, om, "evtrace_tracing_seconds", "gauge", "seconds", "Time traced so far.",
	       r->settings.duration_s);
	if (om)
		fputs("# EOF\n", f);
	if (fflush(f) || ferror(f))
		return -(errno ? errno : EIO);
	return 0;
}

static int render_text(FILE *f, const void *arg)
{
	return prom_write(f, arg, false);
}

int prom_save(const struct evtrace_report *r, const char *path, char *err, size_t errlen)
{
	return output_save(path, render_text, r, err, errlen);
}

/* ----------------------------------------------------------- addresses */

static int parse_addr(const char *arg, struct sockaddr_storage *ss, socklen_t *len, char *err,
		      size_t errlen)
{
	const char *colon = strrchr(arg, ':');
	char host[64], *end;
	long port;

	memset(ss, 0, sizeof(*ss));
	if (!colon || colon == arg || (size_t)(colon - arg) >= sizeof(host)) {
		snprintf(err, errlen, "--listen '%s': expected ADDR:PORT (e.g. 127.0.0.1:9464)", arg);
		return -EINVAL;
	}
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || port < 0 || port > 65535) {
		snprintf(err, errlen, "--listen '%s': the port is not a number in 0..65535", arg);
		return -EINVAL;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - arg), arg);
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		host[strlen(host) - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) == 1 &&
		    IN6_IS_ADDR_LOOPBACK(&a->sin6_addr)) {
			a->sin6_family = AF_INET6;
			a->sin6_port = htons((uint16_t)port);
			*len = sizeof(*a);
			return 0;
		}
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &a->sin_addr) == 1 &&
		    (ntohl(a->sin_addr.s_addr) >> 24) == 127) {
			a->sin_family = AF_INET;
			a->sin_port = htons((uint16_t)port);
			*len = sizeof(*a);
			return 0;
		}
	}
	snprintf(err, errlen, "--listen '%s': only a loopback address is served (127.x.y.z, [::1], "
		 "localhost)", arg);
	return -EINVAL;
}

int prom_parse_listen(const char *arg, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;

	return parse_addr(arg, &ss, &len, err, errlen);
}

/* -------------------------------------------------------------- server */

struct prom_server {
	struct MHD_Daemon *d;
	int fd;                 /* listening; MHD closes it when it stops */
	int port;
	pthread_mutex_t lock;
	char *text, *om;        /* the served snapshot, both formats */
	size_t text_len, om_len;
};

#define CT_TEXT "text/plain; version=0.0.4; charset=utf-8"
#define CT_OM "application/openmetrics-text; version=1.0.0; charset=utf-8"

/* Does the scraper ask for OpenMetrics (Prometheus does, by Accept)? A
 * q=0 entry is a refusal. */
static bool wants_openmetrics(const char *accept)
{
	const char *p = accept;

	while (p && (p = strcasestr(p, "application/openmetrics-text"))) {
		const char *end = strchr(p, ',');
		const char *q = strstr(p, "q=");

		if (!q || (end && q > end) || strtod(q + 2, NULL) > 0)
			return true;
		p = end;
	}
	return false;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, const char *type,
			     const char *body, size_t len)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)body,
								     MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_len, void **state)
{
	static const char not_found[] = "not found: the metrics are on /metrics\n";
	static const char bad_method[] = "only GET and HEAD\n";
	struct prom_server *s = cls;
	enum MHD_Result ret;
	bool om;

	(void)version;
	(void)upload;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", bad_method,
			     sizeof(bad_method) - 1);
	if (!*state) {
		/* headers only so far: answer on the second call */
		*state = s;
		return MHD_YES;
	}
	if (*upload_len)
		return MHD_NO;
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", not_found, sizeof(not_found) - 1);
	om = wants_openmetrics(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							   MHD_HTTP_HEADER_ACCEPT));
	pthread_mutex_lock(&s->lock);
	ret = reply(conn, MHD_HTTP_OK, om ? CT_OM : CT_TEXT, om ? s->om : s->text,
		    om ? s->om_len : s->text_len);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

static int render(const struct evtrace_report *r, bool om, char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);
	int ret;

	if (!f)
		return -errno;
	ret = prom_write(f, r, om);
	if (fclose(f) && !ret)
		ret = -EIO;
	if (ret) {
		free(*buf);
		*buf = NULL;
	}
	return ret;
}

void prom_update(struct prom_server *s, const struct evtrace_report *r)
{
	char *text = NULL, *om = NULL;
	size_t tl = 0, ol = 0;

	if (!s || render(r, false, &text, &tl) || render(r, true, &om, &ol)) {
		free(text);
		return;	/* out of memory: the last snapshot stays */
	}
	pthread_mutex_lock(&s->lock);
	free(s->text);
	free(s->om);
	s->text = text;
	s->text_len = tl;
	s->om = om;
	s->om_len = ol;
	pthread_mutex_unlock(&s->lock);
}

int prom_listen(struct prom_server **ret, const char *arg, char *err, size_t errlen)
{
	static struct evtrace_report empty;
	struct sockaddr_storage ss;
	struct prom_server *s;
	socklen_t len;
	int one = 1, e;

	*ret = NULL;
	if (parse_addr(arg, &ss, &len, err, errlen))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "--listen: out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0 || setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s->fd, (struct sockaddr *)&ss, len) || listen(s->fd, 16) ||
	    getsockname(s->fd, (struct sockaddr *)&ss, &len)) {
		e = errno;
		snprintf(err, errlen, "cannot listen on %s: %s", arg, strerror(e));
		goto fail;
	}
	s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						 : ((struct sockaddr_in *)&ss)->sin_port);
	prom_update(s, &empty);
	s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
				(ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				0, NULL, NULL, on_request, s,
				MHD_OPTION_LISTEN_SOCKET, s->fd,
				MHD_OPTION_CONNECTION_LIMIT, 16u,
				MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				MHD_OPTION_END);
	if (!s->d) {
		e = errno ? errno : EIO;
		snprintf(err, errlen, "cannot serve on %s: libmicrohttpd failed to start", arg);
		goto fail;
	}
	*ret = s;
	return 0;
fail:
	if (s->fd >= 0)
		close(s->fd);
	free(s->text);
	free(s->om);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return -e;
}

int prom_port(const struct prom_server *s)
{
	return s ? s->port : 0;
}

void prom_close(struct prom_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->d);	/* joins its thread, closes the listening socket */
	free(s->text);
	free(s->om);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

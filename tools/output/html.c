// SPDX-License-Identifier: MIT
/*
 * Pictures of a report and of a bench run: one HTML page each, inline CSS
 * and SVG drawn here (tools/output/html.h describes what is drawn). The
 * figures come from the report model and the bench's estimates: the
 * quantiles are the report's, the CDF is read off the same log-linear
 * buckets, nothing is measured again.
 */
#include "html.h"
#include "bench_impl.h"
#include "hist.h"
#include "outfile.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ helpers */

/* Text into HTML (element content and attribute values alike). */
static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			/* control characters have no business in a page */
			if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n')
				fprintf(f, "\\x%02x", (unsigned char)*s);
			else
				fputc(*s, f);
		}
	}
}

/* ns for people, with a real micro sign: "4.52 µs". */
static const char *ns_str(double ns, char *buf, size_t len)
{
	char tmp[32];
	size_t n;

	if (!isfinite(ns) || ns < 0)
		return snprintf(buf, len, "–"), buf;
	hist_fmt_ns((uint64_t)llround(ns), tmp, sizeof(tmp));
	n = strlen(tmp);
	if (n > 2 && !strcmp(tmp + n - 2, "us"))
		snprintf(buf, len, "%.*s µs", (int)(n - 2), tmp);
	else if (n > 2 && !strcmp(tmp + n - 2, "ns"))
		snprintf(buf, len, "%.*s ns", (int)(n - 2), tmp);
	else if (n > 2 && !strcmp(tmp + n - 2, "ms"))
		snprintf(buf, len, "%.*s ms", (int)(n - 2), tmp);
	else
		snprintf(buf, len, "%.*s s", (int)(n - 1), tmp);
	return buf;
}

static int finish(FILE *f)
{
	if (fflush(f) || ferror(f))
		return -(errno ? errno : EIO);
	return 0;
}

static const char page_css[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#222;"
	"max-width:980px;margin:24px auto;padding:0 16px;background:#fff}"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 6px;"
	"border-bottom:1px solid #ddd;padding-bottom:3px}h3{font-size:15px;margin:14px 0 4px}"
	"table{border-collapse:collapse;margin:6px 0}td,th{padding:2px 10px 2px 0;"
	"text-align:right;vertical-align:middle}th{font-weight:600;border-bottom:1px solid #ccc}"
	"td.l,th.l{text-align:left}table.kv td:first-child{color:#666;text-align:left}"
	"table.kv td{text-align:left}.note{color:#666;font-size:12.5px}"
	".bad{color:#b00;font-weight:600}.counters span{margin-right:14px}"
	"svg{display:block;font:11px system-ui,sans-serif}svg text{fill:#333}"
	".grid{stroke:#e6e6e6}.grid.major{stroke:#cfcfcf}.axis{stroke:#888}"
	".cdfline{fill:none;stroke:#1f5fa8;stroke-width:2}"
	".cdfline.approx{stroke-dasharray:5 3}"
	".mark{stroke:#c0392b;stroke-dasharray:3 3}.markdot{fill:#c0392b}"
	".legend{list-style:none;padding:0;margin:4px 0}.legend li{display:inline-block;"
	"margin-right:16px}.sw{display:inline-block;width:11px;height:11px;margin-right:5px;"
	"vertical-align:-1px}"
	".holds{color:#1e7b34;font-weight:600}.contradicted{color:#b00;font-weight:600}"
	".undecided{color:#777;font-weight:600}"
	"tr.claim td{border-bottom:1px solid #f0f0f0}"
	".dot.holds{fill:#1e7b34}.dot.contradicted{fill:#b00}.dot.undecided{fill:#777}"
	".whisker{stroke:#333;stroke-width:1.5}.band{fill:#d9efd9}.pipe{stroke:#888;"
	"stroke-dasharray:2 2}";

static void page_head(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
	      "<title>", f);
	esc(f, title);
	fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n", page_css);
}

static void page_tail(FILE *f)
{
	fputs("<p class=\"note\">Written by evtrace. Self-contained: no script, nothing fetched.</p>\n"
	      "</body>\n</html>\n", f);
}

/* ------------------------------------------------------- a log axis */

struct logaxis {
	int lo, hi;             /* decades: 10^lo .. 10^hi */
	double x0, x1;          /* pixels */
};

static void logaxis_fit(struct logaxis *a, double vmin, double vmax, double x0, double x1)
{
	if (!(vmin > 0))
		vmin = 1;
	if (!(vmax > vmin))
		vmax = vmin * 10;
	a->lo = (int)floor(log10(vmin) + 1e-9);
	a->hi = (int)ceil(log10(vmax) - 1e-9);
	if (a->hi <= a->lo)
		a->hi = a->lo + 1;
	a->x0 = x0;
	a->x1 = x1;
}

static double logaxis_x(const struct logaxis *a, double v)
{
	double l = v > 0 ? log10(v) : a->lo;

	if (l < a->lo)
		l = a->lo;
	if (l > a->hi)
		l = a->hi;
	return a->x0 + (l - a->lo) / (a->hi - a->lo) * (a->x1 - a->x0);
}

/* Grid lines (majors at the decades, minors at 2..9) from y0 to y1, and
 * the decade labels below y1 by label(). */
static void logaxis_grid(FILE *f, const struct logaxis *a, double y0, double y1,
			 const char *(*label)(int decade, char *buf, size_t len))
{
	char buf[32];

	for (int d = a->lo; d <= a->hi; d++) {
		double x = logaxis_x(a, pow(10, d));

		fprintf(f, "<line class=\"grid major\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
			x, y0, x, y1);
		if (label)
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>", x,
				y1 + 14, label(d, buf, sizeof(buf)));
		for (int m = 2; m <= 9 && d < a->hi; m++) {
			x = logaxis_x(a, m * pow(10, d));
			fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
				x, y0, x, y1);
		}
	}
	fputc('\n', f);
}

static const char *decade_ns(int d, char *buf, size_t len)
{
	static const char *const unit[] = { "ns", "µs", "ms", "s" };
	static const char *const mant[] = { "1", "10", "100" };
	int u = d / 3, m = d % 3;

	if (d < 0)
		return snprintf(buf, len, "1e%d ns", d), buf;
	if (u > 3) {
		u = 3;
		m = d - 9;
		snprintf(buf, len, "1e%d s", m);
		return buf;
	}
	snprintf(buf, len, "%s %s", mant[m], unit[u]);
	return buf;
}

static const char *decade_ratio(int d, char *buf, size_t len)
{
	if (d >= 0)
		snprintf(buf, len, "%.0f×", pow(10, d));
	else
		snprintf(buf, len, "%.*f×", -d, pow(10, d));
	return buf;
}

/* ------------------------------------------------------------ the CDF */

#define CDF_W 680
#define CDF_H 270
#define CDF_ML 48
#define CDF_MR 20
#define CDF_MT 14
#define CDF_MB 36

static double cdf_y(double q)
{
	return CDF_MT + (1 - q) * (CDF_H - CDF_MT - CDF_MB);
}

static void cdf_mark(FILE *f, const struct logaxis *a, const char *name, double q, uint64_t v)
{
	double x = logaxis_x(a, (double)v), y = cdf_y(q);
	char buf[32];

	fprintf(f, "<line class=\"mark\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
		   "<line class=\"mark\" x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
		   "<circle class=\"markdot\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"/>"
		   "<text class=\"marklabel\" data-q=\"%s\" x=\"%.1f\" y=\"%.1f\">%s %s</text>\n",
		x, cdf_y(0), x, y, CDF_ML, y, x, y, x, y, name, x + 6, y + (q > 0.9 ? 14 : -6),
		name, ns_str((double)v, buf, sizeof(buf)));
}

/* The distribution of the kernel total: the buckets when there are any,
 * else the summary's percentiles (a saved report without buckets). */
static void cdf_svg(FILE *f, enum evt_kind k, const struct loghist *h, const struct hist_summary *s)
{
	struct logaxis a;
	bool approx = h->count == 0;
	double lo = s->min > 0 ? (double)s->min : 1;

	logaxis_fit(&a, lo, (double)s->max + 1, CDF_ML, CDF_W - CDF_MR);
	fprintf(f, "<svg class=\"cdf\" data-mechanism=\"%s\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"CDF of the total latency of %s\">\n",
		evt_kind_name(k), CDF_W, CDF_H, CDF_W, CDF_H, evt_kind_name(k));
	logaxis_grid(f, &a, CDF_MT, cdf_y(0), decade_ns);
	for (int q = 0; q <= 4; q++) {
		double y = cdf_y(q / 4.0);

		fprintf(f, "<line class=\"grid%s\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
			   "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d%%</text>",
			q == 0 ? " major" : "", CDF_ML, y, CDF_W - CDF_MR, y, CDF_ML - 5, y + 4, q * 25);
	}
	fprintf(f, "<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
		   "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%.1f\"/>\n",
		CDF_ML, cdf_y(0), CDF_W - CDF_MR, cdf_y(0), CDF_ML, CDF_MT, CDF_ML, cdf_y(0));
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">kernel total, one way "
		   "(log scale)</text>\n", (CDF_ML + CDF_W - CDF_MR) / 2, CDF_H - 4);

	fprintf(f, "<polyline class=\"cdfline%s\" points=\"", approx ? " approx" : "");
	if (!approx) {
		uint64_t cum = 0;

		for (unsigned int i = 0; i < LOGHIST_NBUCKETS; i++) {
			double b0, b1;

			if (!h->counts[i])
				continue;
			b0 = (double)loghist_bucket_low(i);
			b1 = b0 + (double)loghist_bucket_width(i);
			if (b0 < (double)h->min)
				b0 = (double)h->min;
			if (h->max && b1 > (double)h->max)
				b1 = (double)h->max;
			if (b1 < b0)
				b1 = b0;
			fprintf(f, "%.1f,%.1f ", logaxis_x(&a, b0), cdf_y((double)cum / (double)h->count));
			cum += h->counts[i];
			fprintf(f, "%.1f,%.1f ", logaxis_x(&a, b1), cdf_y((double)cum / (double)h->count));
		}
	} else {
		const struct { uint64_t v; double q; } pts[] = {
			{ s->min, 0 }, { s->p50, 0.5 }, { s->p90, 0.9 }, { s->p99, 0.99 },
			{ s->p999, 0.999 }, { s->max, 1 },
		};

		for (size_t i = 0; i < sizeof(pts) / sizeof(pts[0]); i++)
			fprintf(f, "%.1f,%.1f ", logaxis_x(&a, (double)pts[i].v), cdf_y(pts[i].q));
	}
	fputs("\"/>\n", f);
	cdf_mark(f, &a, "p50", 0.5, s->p50);
	cdf_mark(f, &a, "p99", 0.99, s->p99);
	fputs("</svg>\n", f);
	if (approx)
		fputs("<p class=\"note\">Drawn through the summary's percentiles (min, p50, p90, "
		      "p99, p99.9, max): this saved report holds no buckets.</p>\n", f);
}

/* ---------------------------------------------------- the stage shares */

static const struct {
	enum evt_stage s;
	const char *color;
} share_parts[] = {
	{ EVT_STAGE_SEND, "#4e79a7" },
	{ EVT_STAGE_WAKE, "#f28e2b" },
	{ EVT_STAGE_RETURN, "#59a14f" },
	{ EVT_STAGE_DISPATCH, "#b07aa1" },
};
#define SHARE_REST "#d4d4d4"
#define NPARTS (sizeof(share_parts) / sizeof(share_parts[0]))
#define BAR_W 680
#define BAR_H 34

/* share[i]: stage i's time (mean x count) over the total's; means[i]. */
static bool stage_shares(const struct evtrace_kind_report *kr, double *share, double *means)
{
	const struct hist_summary *t = &kr->sum[EVT_STAGE_TOTAL];
	double all = t->mean * (double)t->count;

	for (size_t i = 0; i < NPARTS; i++) {
		const struct hist_summary *h = &kr->sum[share_parts[i].s];

		share[i] = all > 0 ? h->mean * (double)h->count / all : 0;
		means[i] = h->count ? h->mean : NAN;
	}
	return all > 0;
}

static void shares_svg(FILE *f, const char *mech, const double *share, const double *means)
{
	double sum = 0, x = 0, scale;
	const double w = BAR_W - 2;
	char buf[32];

	for (size_t i = 0; i < NPARTS; i++)
		sum += share[i];
	scale = sum > 1 ? 1 / sum : 1;	/* rounding of the means: never past 100% */
	fprintf(f, "<svg class=\"stages\" data-mechanism=\"%s\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"stage shares of %s\">\n",
		mech, BAR_W, BAR_H, BAR_W, BAR_H, mech);
	for (size_t i = 0; i <= NPARTS; i++) {
		bool rest = i == NPARTS;
		double part = rest ? (sum < 1 ? 1 - sum : 0) : share[i] * scale;
		const char *name = rest ? "not split" : evt_stage_name(share_parts[i].s);
		double pw = part * w;

		if (pw <= 0)
			continue;
		fprintf(f, "<rect class=\"share\" data-stage=\"%s\" x=\"%.1f\" y=\"2\" width=\"%.1f\" "
			   "height=\"%d\" fill=\"%s\"><title>%s: %.1f%% of the total time",
			rest ? "rest" : name, 1 + x, pw, BAR_H - 4, rest ? SHARE_REST : share_parts[i].color,
			name, part * 100);
		if (!rest)
			fprintf(f, ", mean %s", ns_str(means[i], buf, sizeof(buf)));
		fputs("</title></rect>", f);
		if (pw > 64)
			fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" style=\"fill:%s\">"
				   "%s %.0f%%</text>", 1 + x + pw / 2, BAR_H / 2 + 4,
				rest ? "#444" : "#fff", name, part * 100);
		fputc('\n', f);
		x += pw;
	}
	fputs("</svg>\n<ul class=\"legend\">", f);
	for (size_t i = 0; i < NPARTS; i++)
		fprintf(f, "<li><span class=\"sw\" style=\"background:%s\"></span>%s %.1f%% "
			   "(mean %s)</li>", share_parts[i].color, evt_stage_name(share_parts[i].s),
			share[i] * scale * 100, ns_str(means[i], buf, sizeof(buf)));
	if (sum < 1)
		fprintf(f, "<li><span class=\"sw\" style=\"background:%s\"></span>not split into stages "
			   "%.1f%%</li>", SHARE_REST, (1 - sum) * 100);
	fputs("</ul>\n", f);
}

/* ---------------------------------------------------------- a report */

static void kv(FILE *f, const char *k, const char *v)
{
	fprintf(f, "<tr><td>%s</td><td>", k);
	esc(f, v);
	fputs("</td></tr>\n", f);
}

static void settings_table(FILE *f, const struct evtrace_report *r)
{
	const struct evtrace_settings *s = &r->settings;
	char buf[512];

	fputs("<table class=\"kv\">\n", f);
	kv(f, "command", s->command[0] ? s->command : "–");
	if (s->pid > 0)
		snprintf(buf, sizeof(buf), "%d (%s)", s->pid, s->mode);
	else
		snprintf(buf, sizeof(buf), "– (%s)", s->mode[0] ? s->mode : "unknown");
	kv(f, "pid", buf);
	snprintf(buf, sizeof(buf), "%.3f s", s->duration_s);
	kv(f, "duration", buf);
	kv(f, "kernel", s->kernel[0] ? s->kernel : "unknown");
	snprintf(buf, sizeof(buf), "%s, %d CPU%s", s->cpu_model[0] ? s->cpu_model : "unknown",
		 s->ncpus, s->ncpus == 1 ? "" : "s");
	kv(f, "CPU", buf);
	snprintf(buf, sizeof(buf), "%s%s%s%s", s->virtualised ? "yes" : "no",
		 s->virtualised ? " (" : "", s->virtualised ? (s->hypervisor[0] ? s->hypervisor : "hypervisor unknown") : "",
		 s->virtualised ? ")" : "");
	kv(f, "virtualised", buf);
	snprintf(buf, sizeof(buf), "%s; dispatch %s", s->attach_mode[0] ? s->attach_mode : "unknown",
		 s->usdt ? "measured at libevm's probes" : "not measured");
	kv(f, "tracer", buf);
	if (s->bpf_stats)
		kv(f, "bpf_stats", "on: every BPF program run timed by the kernel (two clock reads "
				   "more each): the figures include it");
	fputs("</table>\n", f);
	fprintf(f, "<p class=\"counters\"><span>ring buffer: %llu records, "
		   "<span class=\"%s\">%llu dropped</span></span><span class=\"%s\">missed BPF runs: "
		   "%llu</span></p>\n",
		(unsigned long long)r->ringbuf_records, r->ringbuf_dropped ? "bad" : "",
		(unsigned long long)r->ringbuf_dropped, r->missed_runs ? "bad" : "",
		(unsigned long long)r->missed_runs);
}

static void counter(FILE *f, const char *name, uint64_t v, bool alarm)
{
	fprintf(f, "<span class=\"counter%s\" data-counter=\"%s\">%s %llu</span>",
		alarm && v ? " bad" : "", name, name, (unsigned long long)v);
}

static void stage_table(FILE *f, enum evt_kind k, const struct evtrace_kind_report *kr)
{
	static const enum evt_stage order[] = {
		EVT_STAGE_SEND, EVT_STAGE_WAKE, EVT_STAGE_RETURN, EVT_STAGE_DISPATCH,
		EVT_STAGE_TOTAL, EVT_STAGE_SENDER, EVT_STAGE_TIMER_LATE,
	};
	char b[8][32];

	fputs("<table class=\"stagetable\"><tr><th class=\"l\">stage</th><th>count</th><th>min</th>"
	      "<th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>mean</th></tr>\n", f);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const struct hist_summary *h = &kr->sum[order[i]];

		if (order[i] == EVT_STAGE_TIMER_LATE && k != EVT_KIND_TIMERFD && !h->count)
			continue;
		fprintf(f, "<tr><td class=\"l\">%s</td><td>%llu</td>",
			order[i] == EVT_STAGE_SENDER ? "sender cost" :
			order[i] == EVT_STAGE_TIMER_LATE ? "timer lateness" : evt_stage_name(order[i]),
			(unsigned long long)h->count);
		if (!h->count) {
			fputs("<td>–</td><td>–</td><td>–</td><td>–</td><td>–</td><td>–</td><td>–</td></tr>\n", f);
			continue;
		}
		fprintf(f, "<td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
			ns_str((double)h->min, b[0], 32), ns_str((double)h->p50, b[1], 32),
			ns_str((double)h->p90, b[2], 32), ns_str((double)h->p99, b[3], 32),
			ns_str((double)h->p999, b[4], 32), ns_str((double)h->max, b[5], 32),
			ns_str(h->mean, b[6], 32));
	}
	fputs("</table>\n", f);
}

/* Whether any event of the kind has a stage of its own to draw. */
static bool stage_split(const struct evtrace_kind_report *kr)
{
	for (size_t i = 0; i < NPARTS; i++)
		if (kr->sum[share_parts[i].s].count)
			return true;
	return false;
}

/* The accounting identity (report_accounting), as the text report says it. */
static void accounting_line(FILE *f, const struct evtrace_report *r, enum evt_kind k)
{
	struct report_accounting a;
	char terms[256];

	report_accounting(r, k, &a);
	fprintf(f, "<p class=\"accounting%s\" data-closes=\"%s\">accounting: sends %llu %s ",
		a.closes ? "" : " bad", a.closes ? "yes" : "no", (unsigned long long)a.sends,
		a.closes ? "=" : "vs");
	esc(f, report_accounting_terms(r->kind[k].counters, k, terms, sizeof(terms)));
	if (!a.closes)
		fprintf(f, " (OPEN: gap %lld)", (long long)a.gap);
	fputs("</p>\n", f);
}

static void mechanism_section(FILE *f, const struct evtrace_report *r, enum evt_kind k)
{
	const struct evtrace_kind_report *kr = &r->kind[k];
	const uint64_t *c = kr->counters;
	const struct hist_summary *tot = &kr->sum[EVT_STAGE_TOTAL];
	double share[NPARTS], means[NPARTS];

	fprintf(f, "<section class=\"mechanism\" data-mechanism=\"%s\">\n<h2>%s</h2>\n",
		evt_kind_name(k), evt_kind_name(k));
	fputs("<p class=\"counters\">", f);
	counter(f, "events", c[EVT_CNT_EVENTS], false);
	counter(f, "sends", c[EVT_CNT_SENDS], false);
	counter(f, "coalesced", c[EVT_CNT_COALESCED], false);
	counter(f, "lost", c[EVT_CNT_LOST], true);
	counter(f, "unmatched", c[EVT_CNT_UNMATCHED], true);
	fprintf(f, "</p>\n<p class=\"note\">wakes: same CPU %llu, cross CPU %llu, none needed %llu</p>\n",
		(unsigned long long)c[EVT_CNT_WAKE_SAME], (unsigned long long)c[EVT_CNT_WAKE_CROSS],
		(unsigned long long)c[EVT_CNT_WAKE_NONE]);
	if (!tot->count) {
		fputs("<p class=\"note\">No total measured for this mechanism: nothing to draw.</p>\n", f);
	} else {
		fputs("<h3>Latency distribution</h3>\n", f);
		cdf_svg(f, k, &kr->hist[EVT_STAGE_TOTAL], tot);
		fputs("<h3>Where the time goes</h3>\n", f);
		stage_shares(kr, share, means);
		if (stage_split(kr))
			shares_svg(f, evt_kind_name(k), share, means);
		else
			fputs("<p class=\"note\">No stage split: every event was queued while its "
			      "receiver ran (no wakeup of its own) and no dispatch was measured.</p>\n", f);
	}
	accounting_line(f, r, k);
	stage_table(f, k, kr);
	fputs("</section>\n", f);
}

int html_report(FILE *f, const struct evtrace_report *r)
{
	bool any = false;

	page_head(f, "evtrace report");
	fputs("<h1>evtrace report</h1>\n", f);
	settings_table(f, r);
	for (int k = 0; k < EVT_KIND_MAX; k++) {
		if (!report_kind_active(r, k))
			continue;
		mechanism_section(f, r, k);
		any = true;
	}
	if (!any)
		fputs("<p>No events of any traced kind were seen.</p>\n", f);
	else
		fputs("<p class=\"note\">Kernel total, one way: the sending syscall entered (timerfd: "
		      "the programmed expiry) until the receiver leaves the consuming syscall, or "
		      "libevm calls the callback when the dispatch stage is measured. A stage's share "
		      "is its mean times its count over the total's; the rest is time not split into "
		      "stages, chiefly events whose receiver was already running (no wakeup: a "
		      "total, but no send, wake and return of their own).</p>\n", f);
	page_tail(f);
	return finish(f);
}

/* ------------------------------------------------------------- a bench */

static const enum evt_kind bench_rows[EVT_KIND_LOAD] = {
	EVT_KIND_SIGNAL, EVT_KIND_SIGWAIT, EVT_KIND_EVENTFD, EVT_KIND_TIMERFD,
	EVT_KIND_SIGNALFD, EVT_KIND_PIPE,
};

#define RATIO_W 300
#define RATIO_H 24
#define RATIO_PAD 20

static const char *verdict_class(enum bench_verdict v)
{
	return v == BENCH_HOLDS ? "holds" : v == BENCH_CONTRADICTED ? "contradicted" : "undecided";
}

static bool plotted(const struct bench_claim_result *c)
{
	return c->ratio && c->has_est && c->est.n > 0 && c->est.med > 0;
}

static void ratio_axis_svg(FILE *f, const struct logaxis *a)
{
	fprintf(f, "<svg class=\"ratioaxis\" width=\"%d\" height=\"18\" viewBox=\"0 0 %d 18\">",
		RATIO_W, RATIO_W);
	for (int d = a->lo; d <= a->hi; d++) {
		char buf[16];

		fprintf(f, "<text x=\"%.1f\" y=\"13\" text-anchor=\"middle\">%s</text>",
			logaxis_x(a, pow(10, d)), decade_ratio(d, buf, sizeof(buf)));
	}
	fputs("</svg>", f);
}

static void ratio_svg(FILE *f, const struct logaxis *a, const struct bench_claim_result *c)
{
	const struct bench_est *e = &c->est;
	double b0 = logaxis_x(a, c->band_lo > 0 ? c->band_lo : 0);
	double b1 = logaxis_x(a, isfinite(c->band_hi) ? c->band_hi : pow(10, a->hi));
	double y = RATIO_H / 2.0, xl = logaxis_x(a, e->lo), xh = logaxis_x(a, e->hi);

	fprintf(f, "<svg class=\"ratio\" data-mechanism=\"%s\" data-claim=\"%s\" width=\"%d\" "
		   "height=\"%d\" viewBox=\"0 0 %d %d\">", evt_kind_name(c->mech), c->id, RATIO_W,
		RATIO_H, RATIO_W, RATIO_H);
	fprintf(f, "<rect class=\"band\" x=\"%.1f\" y=\"2\" width=\"%.1f\" height=\"%d\">"
		   "<title>the claimed band</title></rect>", b0, b1 - b0, RATIO_H - 4);
	logaxis_grid(f, a, 2, RATIO_H - 2, NULL);
	fprintf(f, "<line class=\"pipe\" x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\"/>",
		logaxis_x(a, 1), logaxis_x(a, 1), RATIO_H);
	fprintf(f, "<line class=\"whisker\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
		   "<line class=\"whisker\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
		   "<line class=\"whisker\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
		xl, y, xh, y, xl, y - 5, xl, y + 5, xh, y - 5, xh, y + 5);
	fprintf(f, "<circle class=\"dot %s\" cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\"><title>%.2f× "
		   "[%.2f, %.2f], %d trials, %.0f%% interval</title></circle></svg>",
		verdict_class(c->verdict), logaxis_x(a, e->med), y, e->med, e->lo, e->hi, e->n,
		e->coverage * 100);
}

static void claim_text(FILE *f, const struct bench_claim_result *c)
{
	if (!strcmp(c->column, "recommended for")) {
		fputs("for ", f);
		esc(f, c->claim);
		return;
	}
	esc(f, c->column);
	fputc(' ', f);
	esc(f, c->claim);
	if (!strcmp(c->column, "latency"))
		fprintf(f, " <span class=\"note\">(%s)</span>", bench_scen_name(c->scen));
}

static void verdict_table(FILE *f, const struct bench_results *r)
{
	struct bench_claim_result cl[BENCH_MAX_CLAIMS];
	int n = bench_claims_eval(r, cl, BENCH_MAX_CLAIMS);
	double vmin = 1, vmax = 1;
	int counts[3] = { 0 };
	struct logaxis a;

	for (int i = 0; i < n; i++) {
		counts[cl[i].verdict]++;
		if (!plotted(&cl[i]))
			continue;
		vmin = fmin(vmin, fmin(cl[i].est.lo, cl[i].est.med));
		vmax = fmax(vmax, fmax(cl[i].est.hi, cl[i].est.med));
		if (cl[i].band_lo > 0)
			vmin = fmin(vmin, cl[i].band_lo);
		if (isfinite(cl[i].band_hi))
			vmax = fmax(vmax, cl[i].band_hi);
	}
	logaxis_fit(&a, fmax(vmin, 1e-4), fmin(vmax, 1e4), RATIO_PAD, RATIO_W - RATIO_PAD);
	fprintf(f, "<h2>Verdicts</h2>\n<p>%d claims: <span class=\"holds\">%d hold</span>, "
		   "<span class=\"contradicted\">%d contradicted</span>, <span class=\"undecided\">%d "
		   "not distinguishable</span>.</p>\n", n, counts[BENCH_HOLDS],
		counts[BENCH_CONTRADICTED], counts[BENCH_UNDECIDED]);
	fputs("<table class=\"verdicts\">\n<tr><th class=\"l\">mechanism</th><th class=\"l\">claim</th>"
	      "<th class=\"l\">verdict</th><th class=\"l\">measured</th><th class=\"l\">", f);
	ratio_axis_svg(f, &a);
	fputs("</th></tr>\n", f);
	for (int i = 0; i < n; i++) {
		const struct bench_claim_result *c = &cl[i];

		fprintf(f, "<tr class=\"claim\" data-claim=\"%s\" data-verdict=\"%s\"><td class=\"l\">",
			c->id, verdict_class(c->verdict));
		if (!i || cl[i - 1].mech != c->mech)
			esc(f, mech_table[c->mech].label);
		fputs("</td><td class=\"l\">", f);
		claim_text(f, c);
		fprintf(f, "</td><td class=\"l %s\">%s</td><td class=\"l\" title=\"", verdict_class(c->verdict),
			bench_verdict_name(c->verdict));
		esc(f, c->rule);
		fputs("\">", f);
		esc(f, c->brief);
		fputs("</td><td class=\"l\">", f);
		if (plotted(c))
			ratio_svg(f, &a, c);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n<p class=\"note\">Beside each ratio: the median of the paired per-trial "
	      "ratios to the pipe (the dot, coloured by the verdict), its distribution-free "
	      "interval (the whisker), the claimed band (shaded) and the pipe itself (dashed, "
	      "1×); hover for the figures.</p>\n", f);
}

/* Kernel p50 per mechanism with its interval, on one CPU and across two. */
static void latency_svg(FILE *f, const struct bench_results *r)
{
	static const struct { const char *name, *color; } sc[2] = {
		{ "1 CPU", "#1f5fa8" }, { "2 CPUs", "#e07b00" },
	};
	const int row = 26, top = 8, ml = 150, w = 680;
	struct bench_est e[EVT_KIND_LOAD][2];
	double vmin = INFINITY, vmax = 0;
	struct logaxis a;
	int h = top + EVT_KIND_LOAD * row + 40;

	for (int i = 0; i < EVT_KIND_LOAD; i++) {
		enum evt_kind k = bench_rows[i];

		for (int j = 0; j < 2; j++) {
			enum bench_scen s = j ? BENCH_CROSS : (k == EVT_KIND_TIMERFD ? BENCH_TIMER : BENCH_SAME);

			e[i][j].n = 0;
			if (!bench_applies(k, s))
				continue;
			bench_estimate(r, k, s, BM_K_P50, &e[i][j]);
			if (e[i][j].n && e[i][j].lo > 0) {
				vmin = fmin(vmin, e[i][j].lo);
				vmax = fmax(vmax, e[i][j].hi);
			}
		}
	}
	if (!(vmax > 0))
		return;	/* nothing traced (--no-trace) */
	logaxis_fit(&a, vmin, vmax, ml, w - 20);
	fputs("<h2>Kernel latency per mechanism</h2>\n", f);
	fprintf(f, "<svg class=\"latency\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		   "role=\"img\" aria-label=\"kernel total p50 per mechanism\">\n", w, h, w, h);
	logaxis_grid(f, &a, top, top + EVT_KIND_LOAD * row, decade_ns);
	for (int i = 0; i < EVT_KIND_LOAD; i++) {
		enum evt_kind k = bench_rows[i];
		double y = top + i * row + row / 2.0;

		fprintf(f, "<g data-mechanism=\"%s\"><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">",
			evt_kind_name(k), ml - 10, y + 4);
		esc(f, mech_table[k].label);
		fputs("</text>", f);
		for (int j = 0; j < 2; j++) {
			const struct bench_est *x = &e[i][j];
			double yy = y + (j ? 5 : -5);
			char b0[32], b1[32], b2[32];

			if (!x->n)
				continue;
			fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
				   "stroke-width=\"2\"/><circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\">"
				   "<title>%s: p50 %s [%s, %s], %d trials</title></circle>",
				logaxis_x(&a, x->lo), yy, logaxis_x(&a, x->hi), yy, sc[j].color,
				logaxis_x(&a, x->med), yy, sc[j].color, sc[j].name,
				ns_str(x->med, b0, 32), ns_str(x->lo, b1, 32), ns_str(x->hi, b2, 32), x->n);
		}
		fputs("</g>\n", f);
	}
	fputs("</svg>\n<ul class=\"legend\">", f);
	for (int j = 0; j < 2; j++)
		fprintf(f, "<li><span class=\"sw\" style=\"background:%s\"></span>%s</li>", sc[j].color,
			sc[j].name);
	fputs("</ul>\n<p class=\"note\">Kernel total p50, one way (timerfd: lateness at its period "
	      "on one CPU): the median across trials and its interval.</p>\n", f);
}

static void bench_conditions(FILE *f, const struct bench_results *r)
{
	const struct evtrace_settings *s = &r->sys;
	char buf[512];

	fputs("<h2>Conditions</h2>\n<table class=\"kv\">\n", f);
	kv(f, "kernel", s->kernel[0] ? s->kernel : "unknown");
	snprintf(buf, sizeof(buf), "%s, %d CPU%s", s->cpu_model[0] ? s->cpu_model : "unknown",
		 s->ncpus, s->ncpus == 1 ? "" : "s");
	kv(f, "CPU", buf);
	snprintf(buf, sizeof(buf), "%s%s%s%s", s->virtualised ? "yes" : "no",
		 s->hypervisor[0] ? " (" : "", s->hypervisor, s->hypervisor[0] ? ")" : "");
	kv(f, "virtualised", buf);
	if (r->cfg.no_trace)
		snprintf(buf, sizeof(buf), "off: user-side figures only");
	else
		snprintf(buf, sizeof(buf), "%s; dispatch stage %s",
			 r->attach_mode[0] ? r->attach_mode : "unknown",
			 r->usdt ? "measured" : "not measured");
	kv(f, "tracer", buf);
	if (s->bpf_stats)
		kv(f, "bpf_stats", "on: every BPF program run timed by the kernel (two clock reads "
				   "more each): the traced figures include it");
	kv(f, "policy", r->cfg.policy);
	snprintf(buf, sizeof(buf), "%d per scenario and mechanism, interleaved%s", r->cfg.trials,
		 r->cfg.quick ? " (quick mode)" : "");
	kv(f, "trials", buf);
	snprintf(buf, sizeof(buf), "%.0f s", r->elapsed_s);
	kv(f, "elapsed", buf);
	fputs("</table>\n<p class=\"note\">", f);
	esc(f, bench_rule_text());
	fputs("</p>\n", f);
}

int html_bench(FILE *f, const struct bench_results *r)
{
	page_head(f, "evtrace bench");
	fputs("<h1>evtrace bench</h1>\n<p>The classic comparison table of Linux event channels, "
	      "checked against the kernel on this machine.</p>\n", f);
	verdict_table(f, r);
	latency_svg(f, r);
	bench_conditions(f, r);
	page_tail(f);
	return finish(f);
}

/* ------------------------------------------------------------- files */

int output_save(const char *path, int (*render)(FILE *f, const void *arg), const void *arg,
		char *err, size_t errlen)
{
	return outfile_save(path, 0, render, arg, err, errlen);
}

static int render_report(FILE *f, const void *arg)
{
	return html_report(f, arg);
}

static int render_bench(FILE *f, const void *arg)
{
	return html_bench(f, arg);
}

int html_save_report(const struct evtrace_report *r, const char *path, char *err, size_t errlen)
{
	return output_save(path, render_report, r, err, errlen);
}

int html_save_bench(const struct bench_results *r, const char *path, char *err, size_t errlen)
{
	return output_save(path, render_bench, r, err, errlen);
}

int output_check_path(const char *path, char *err, size_t errlen)
{
	return outfile_check(path, 0, err, errlen);
}

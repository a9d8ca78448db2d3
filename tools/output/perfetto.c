// SPDX-License-Identifier: MIT
/*
 * The Perfetto / chrome://tracing timeline (tools/output/perfetto.h says
 * what it shows). Reads the per-event records back from their JSON Lines
 * file, lays every thread's slices out so that they nest, and writes the
 * Trace Event Format's JSON object form, sorted by time.
 */
#include "perfetto.h"
#include "outfile.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LANE_BASE (1u << 22)    /* extra tracks' tids: above pid_max (at most 2^22) */
#define MAX_SEND_LANES 64       /* a thread's overlapping syscalls (never seen) */
#define MAX_LINE (1u << 16)

struct perfetto_out {
	struct outfile *out;    /* outfile.h: committed by perfetto_write */
	char *path;
};

struct pf_send {
	uint64_t start, end;
	uint32_t pid, tid;
	char call[24];          /* the syscall's name */
	char comm[17];          /* the sender's, "" if the record has none */
	uint32_t vt;            /* its track: tid, or an extra track's */
	bool used;              /* an event's flow starts here */
};

struct pf_event {
	uint64_t start, total;
	uint64_t st[4];         /* send, wake, return, dispatch */
	uint64_t late;
	uint32_t pid, tid, coalesced;
	int kind;
	int wake;               /* 0 none, 1 same CPU, 2 cross CPU */
	uint32_t vt;            /* its track: tid, or an extra track's; 0: left out */
	long send;              /* index in sends, or -1 */
	char comm[17];          /* the receiver's, "" if the record has none */
};

/* The extra tracks: LANE_BASE + i is lanes[i], the n-th extra track of
 * thread tid. */
struct pf_lane {
	uint32_t pid, tid, n;
};

struct pf_data {
	struct pf_event *ev;
	size_t nev, capev;
	struct pf_send *snd;
	size_t nsnd, capsnd;
	struct pf_lane *lane;
	size_t nlane, caplane;
};

/* One Trace Event, kept as its text until everything is sorted. */
struct pf_item {
	uint64_t ts, dur;
	int rank;               /* 0 metadata (first), 1 slices, 2 flows */
	size_t seq;             /* ties: the order made (a parent before its child) */
	char *text;
};

struct pf_items {
	struct pf_item *v;
	size_t n, cap;
	bool oom;
};

static const char *const stage_slice[4] = { "send", "wake", "return", "dispatch" };

/* --------------------------------------------------------------- output */

int perfetto_open(struct perfetto_out **ret, const char *path, char *err, size_t errlen)
{
	struct perfetto_out *o = calloc(1, sizeof(*o));
	int r;

	*ret = NULL;
	if (!o || !(o->path = strdup(path))) {
		free(o);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r = outfile_open(&o->out, path, OUTFILE_NO_STDOUT, err, errlen);
	if (r) {
		free(o->path);
		free(o);
		return r;
	}
	*ret = o;
	return 0;
}

void perfetto_close(struct perfetto_out *o)
{
	if (!o)
		return;
	outfile_discard(o->out);
	free(o->path);
	free(o);
}

int perfetto_events_tmp(char *buf, size_t len)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	if ((size_t)snprintf(buf, len, "%s/evtrace-events.XXXXXX", dir) >= len)
		return -ENAMETOOLONG;
	fd = mkostemp(buf, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* -------------------------------------------------------------- reading */

static bool get_u64(struct json_object *o, const char *key, uint64_t *v)
{
	struct json_object *f;

	if (!json_object_object_get_ex(o, key, &f) || !json_object_is_type(f, json_type_int))
		return false;
	errno = 0;
	*v = json_object_get_uint64(f);
	return !errno && !(json_object_get_int64(f) < 0 && *v == 0);
}

static bool get_u32(struct json_object *o, const char *key, uint32_t *v)
{
	uint64_t x;

	if (!get_u64(o, key, &x) || x > UINT32_MAX)
		return false;
	*v = (uint32_t)x;
	return true;
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *f;

	if (!json_object_object_get_ex(o, key, &f) || !json_object_is_type(f, json_type_string))
		return NULL;
	return json_object_get_string(f);
}

/* "comm", optional: a task name as the kernel keeps it (at most 15 bytes). */
static int get_comm(struct json_object *o, char *dst, size_t len, const char **why)
{
	struct json_object *f;
	const char *c;

	dst[0] = '\0';
	if (!json_object_object_get_ex(o, "comm", &f))
		return 0;
	c = json_object_is_type(f, json_type_string) ? json_object_get_string(f) : NULL;
	if (!c || strlen(c) >= len) {
		*why = "\"comm\" not a task name";
		return -EINVAL;
	}
	snprintf(dst, len, "%s", c);
	return 0;
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *nv;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 1024;
	nv = realloc(*v, nc * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = nc;
	return 0;
}

/* One line: an event record, or a send record ("type": "send"). */
static int parse_line(struct pf_data *d, struct json_object *o, const char **why)
{
	const char *type = get_str(o, "type"), *s;
	uint64_t ts;

	if (!json_object_is_type(o, json_type_object)) {
		*why = "not a JSON object";
		return -EINVAL;
	}
	if (type && !strcmp(type, "send")) {
		struct pf_send *p;

		if (grow((void **)&d->snd, &d->capsnd, d->nsnd, sizeof(*d->snd)))
			return -ENOMEM;
		p = &d->snd[d->nsnd];
		memset(p, 0, sizeof(*p));
		s = get_str(o, "call");
		if (!get_u64(o, "start", &p->start) || !get_u64(o, "ts", &p->end) ||
		    !get_u32(o, "pid", &p->pid) || !get_u32(o, "tid", &p->tid) ||
		    !s || !*s || strlen(s) >= sizeof(p->call) ||
		    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(s) ||
		    p->end < p->start) {
			*why = "not a send record (start, ts >= start, pid, tid, call: a syscall's name)";
			return -EINVAL;
		}
		snprintf(p->call, sizeof(p->call), "%s", s);
		if (get_comm(o, p->comm, sizeof(p->comm), why))
			return -EINVAL;
		d->nsnd++;
		return 0;
	}
	if (type) {
		*why = "unknown record type";
		return -EINVAL;
	}
	{
		static const char *const keys[4] = { "send", "wake", "return", "dispatch" };
		struct pf_event *e;

		if (grow((void **)&d->ev, &d->capev, d->nev, sizeof(*d->ev)))
			return -ENOMEM;
		e = &d->ev[d->nev];
		memset(e, 0, sizeof(*e));
		e->send = -1;
		if (!get_u64(o, "start", &e->start)) {
			*why = "no \"start\": records saved by an older evtrace cannot be placed on a timeline";
			return -EINVAL;
		}
		for (int i = 0; i < 4; i++)
			if (!get_u64(o, keys[i], &e->st[i])) {
				*why = "a stage missing or not a non-negative integer";
				return -EINVAL;
			}
		if (!get_u64(o, "ts", &ts) || !get_u64(o, "total", &e->total) ||
		    !get_u64(o, "timer_late", &e->late) || !get_u32(o, "pid", &e->pid) ||
		    !get_u32(o, "tid", &e->tid) || !get_u32(o, "coalesced", &e->coalesced) ||
		    (e->kind = evt_kind_from_name(get_str(o, "kind"))) < 0 ||
		    !(s = get_str(o, "wake_type"))) {
			*why = "not an event record (ts, kind, pid, tid, total, timer_late, wake_type, coalesced)";
			return -EINVAL;
		}
		e->wake = !strcmp(s, "same_cpu") ? 1 : !strcmp(s, "cross_cpu") ? 2 : 0;
		if (!e->wake && strcmp(s, "none")) {
			*why = "wake_type is not same_cpu, cross_cpu or none";
			return -EINVAL;
		}
		if (e->start > UINT64_MAX - e->total) {
			*why = "start + total overflows";
			return -EINVAL;
		}
		if (get_comm(o, e->comm, sizeof(e->comm), why))
			return -EINVAL;
		d->nev++;
	}
	return 0;
}

static int read_records(struct pf_data *d, const char *path, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int r = 0;

	if (!f) {
		r = -errno;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(-r));
		return r;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		struct json_tokener *tok;
		struct json_object *o;
		const char *why = NULL;

		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		else {
			snprintf(err, errlen, "%s:%zu: the last record is cut short (no newline)", path, lineno);
			r = -EINVAL;
			break;
		}
		if ((size_t)n > MAX_LINE) {
			snprintf(err, errlen, "%s:%zu: too long for a record", path, lineno);
			r = -EINVAL;
			break;
		}
		tok = json_tokener_new();
		if (!tok) {
			r = -ENOMEM;
			break;
		}
		o = json_tokener_parse_ex(tok, line, (int)n);
		if (!o || json_tokener_get_error(tok) != json_tokener_success ||
		    json_tokener_get_parse_end(tok) != (size_t)n) {
			snprintf(err, errlen, "%s:%zu: not JSON", path, lineno);
			r = -EINVAL;
		} else {
			r = parse_line(d, o, &why);
			if (r == -EINVAL)
				snprintf(err, errlen, "%s:%zu: %s", path, lineno, why);
		}
		json_object_put(o);
		json_tokener_free(tok);
		if (r)
			break;
	}
	if (!r && ferror(f)) {
		r = -EIO;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(EIO));
	}
	if (r == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", path);
	free(line);
	if (f != stdin)
		fclose(f);
	return r;
}

/* --------------------------------------------------------------- layout */

static uint64_t thread_key(uint32_t pid, uint32_t tid)
{
	return (uint64_t)pid << 32 | tid;
}

static int cmp_send(const void *a, const void *b)
{
	const struct pf_send *x = a, *y = b;
	uint64_t kx = thread_key(x->pid, x->tid), ky = thread_key(y->pid, y->tid);

	if (kx != ky)
		return kx < ky ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->end > y->end) - (x->end < y->end);
}

static int cmp_event(const void *a, const void *b)
{
	const struct pf_event *x = a, *y = b;
	uint64_t kx = thread_key(x->pid, x->tid), ky = thread_key(y->pid, y->tid);

	if (kx != ky)
		return kx < ky ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	/* the longer first, as a parent before its child */
	return (x->total < y->total) - (x->total > y->total);
}

/* Sends by start time, for matching an event to the syscall that began it. */
static int cmp_idx_start(const void *a, const void *b, void *ctx)
{
	const struct pf_send *s = ctx;
	long x = *(const long *)a, y = *(const long *)b;

	if (s[x].start != s[y].start)
		return s[x].start < s[y].start ? -1 : 1;
	return (x > y) - (x < y);
}

/* An extra track of thread (pid, tid): its tid, or 0 when there are no
 * more (2^32 - 2^22 of them). */
static uint32_t new_lane(struct pf_data *d, uint32_t pid, uint32_t tid, uint32_t n)
{
	if (d->nlane >= UINT32_MAX - LANE_BASE ||
	    grow((void **)&d->lane, &d->caplane, d->nlane, sizeof(*d->lane)))
		return 0;
	d->lane[d->nlane] = (struct pf_lane){ pid, tid, n };
	return LANE_BASE + (uint32_t)d->nlane++;
}

/* A min-heap of a thread's extra tracks by the end of their last event. */
struct lane_end {
	uint64_t end;
	uint32_t vt;
};

static void heap_push(struct lane_end *h, size_t *n, struct lane_end x)
{
	size_t i = (*n)++;

	while (i && h[(i - 1) / 2].end > x.end) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = x;
}

static struct lane_end heap_pop(struct lane_end *h, size_t *n)
{
	struct lane_end top = h[0], x = h[--*n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= *n)
			break;
		if (c + 1 < *n && h[c + 1].end < h[c].end)
			c++;
		if (h[c].end >= x.end)
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = x;
	return top;
}

/*
 * Every thread's track: its sending syscalls, then the events it received:
 * each on the thread's own track when it overlaps nothing there, else on
 * the extra track of the thread that is free the earliest, else on a new
 * one (as few extra tracks as the most events at once need). 0 or -ENOMEM.
 */
static int layout(struct pf_data *d, struct perfetto_stats *st)
{
	/* the lane-0 syscalls of the thread at hand: they do not overlap, so
	 * their ends ascend with their starts */
	const struct pf_send **own = malloc((d->nsnd + 1) * sizeof(*own));
	struct lane_end *heap = malloc((d->nev + 1) * sizeof(*heap));
	size_t i = 0, j = 0;

	if (!own || !heap) {
		free(own);
		free(heap);
		return -ENOMEM;
	}
	qsort(d->snd, d->nsnd, sizeof(*d->snd), cmp_send);
	qsort(d->ev, d->nev, sizeof(*d->ev), cmp_event);
	while (i < d->nsnd || j < d->nev) {
		struct lane_end sl[MAX_SEND_LANES];
		size_t s1 = i, e1 = j, nown = 0, nheap = 0, nsl = 0;
		uint64_t key, end0 = 0, send0 = 0;
		uint32_t pid, tid, extra = 0;

		if (j >= d->nev || (i < d->nsnd && thread_key(d->snd[i].pid, d->snd[i].tid) <
						    thread_key(d->ev[j].pid, d->ev[j].tid)))
			key = thread_key(d->snd[i].pid, d->snd[i].tid);
		else
			key = thread_key(d->ev[j].pid, d->ev[j].tid);
		pid = (uint32_t)(key >> 32);
		tid = (uint32_t)key;
		while (s1 < d->nsnd && thread_key(d->snd[s1].pid, d->snd[s1].tid) == key)
			s1++;
		while (e1 < d->nev && thread_key(d->ev[e1].pid, d->ev[e1].tid) == key)
			e1++;
		/* the syscalls: the thread's track, unless two overlap (they
		 * cannot on one thread; a clock quirk would still not break the
		 * nesting): then tracks of their own */
		for (size_t k = i; k < s1; k++) {
			struct pf_send *s = &d->snd[k];
			size_t l;

			if (send0 <= s->start) {
				s->vt = tid;
				send0 = s->end;
				own[nown++] = s;
				continue;
			}
			for (l = 0; l < nsl && sl[l].end > s->start; l++)
				;
			if (l == nsl) {
				if (nsl == MAX_SEND_LANES || !(sl[l].vt = new_lane(d, pid, tid, ++extra)))
					goto oom;
				nsl++;
			}
			sl[l].end = s->end;
			s->vt = sl[l].vt;
		}
		for (size_t k = j; k < e1; k++) {
			struct pf_event *e = &d->ev[k];
			uint64_t end = e->start + e->total;
			struct lane_end x;

			if (end0 <= e->start) {
				/* the first own syscall ending after the start
				 * must begin at or after the end */
				size_t lo = 0, hi = nown;

				while (lo < hi) {
					size_t mid = lo + (hi - lo) / 2;

					if (own[mid]->end <= e->start)
						lo = mid + 1;
					else
						hi = mid;
				}
				if (lo >= nown || own[lo]->start >= end) {
					e->vt = tid;
					end0 = end;
					continue;
				}
			}
			if (nheap && heap[0].end <= e->start) {
				x = heap_pop(heap, &nheap);
			} else if (!(x.vt = new_lane(d, pid, tid, ++extra))) {
				e->vt = 0;
				st->left_out++;
				continue;
			}
			x.end = end;
			heap_push(heap, &nheap, x);
			e->vt = x.vt;
			st->overlapping++;
		}
		i = s1;
		j = e1;
	}
	free(own);
	free(heap);
	return 0;
oom:
	free(own);
	free(heap);
	return -ENOMEM;
}

/* Each event's send: the syscall that entered at the event's start (a
 * send's start is the syscall's entry time; timer events have none). */
static int match_sends(struct pf_data *d)
{
	long *idx;

	if (!d->nsnd)
		return 0;
	idx = malloc(d->nsnd * sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < d->nsnd; i++)
		idx[i] = (long)i;
	qsort_r(idx, d->nsnd, sizeof(*idx), cmp_idx_start, d->snd);
	for (size_t k = 0; k < d->nev; k++) {
		struct pf_event *e = &d->ev[k];
		size_t lo = 0, hi = d->nsnd;

		if (e->kind == EVT_KIND_TIMERFD || !e->vt)
			continue;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (d->snd[idx[mid]].start < e->start)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < d->nsnd && d->snd[idx[lo]].start == e->start; lo++) {
			struct pf_send *s = &d->snd[idx[lo]];

			if (s->used || s->end <= s->start + 1)
				continue;
			s->used = true;
			e->send = idx[lo];
			break;
		}
	}
	free(idx);
	return 0;
}

/* --------------------------------------------------------------- writing */

static void add_item(struct pf_items *it, uint64_t ts, uint64_t dur, int rank, char *text)
{
	if (!text || grow((void **)&it->v, &it->cap, it->n, sizeof(*it->v))) {
		free(text);
		it->oom = true;
		return;
	}
	it->v[it->n] = (struct pf_item){ ts, dur, rank, it->n, text };
	it->n++;
}

static int cmp_item(const void *a, const void *b)
{
	const struct pf_item *x = a, *y = b;

	if ((x->rank == 0) != (y->rank == 0))
		return x->rank == 0 ? -1 : 1;
	if (x->rank && x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->rank && x->dur != y->dur)
		return x->dur > y->dur ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	return (x->seq > y->seq) - (x->seq < y->seq);
}


/* A JSON string of s (comm names may hold anything). */
static char *jstr(const char *s)
{
	struct json_object *o = json_object_new_string(s);
	char *r = o ? strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_NOSLASHESCAPE)) : NULL;

	json_object_put(o);
	return r;
}

#define US(ns) (unsigned long long)((ns) / 1000), (unsigned)((ns) % 1000)

static void slice(struct pf_items *it, uint32_t pid, uint32_t tid, const char *name, const char *cat,
		  uint64_t ts, uint64_t dur, const char *args)
{
	char *t = NULL;

	if (asprintf(&t, "{\"ph\":\"X\",\"pid\":%u,\"tid\":%u,\"name\":\"%s\",\"cat\":\"%s\","
			 "\"ts\":%llu.%03u,\"dur\":%llu.%03u,\"args\":{%s}}",
		     pid, tid, name, cat, US(ts), US(dur), args) < 0)
		t = NULL;
	add_item(it, ts, dur, 1, t);
}

static void read_comm(uint32_t pid, uint32_t tid, char *buf, size_t len)
{
	char p[64];
	ssize_t n = -1;
	int fd;

	buf[0] = '\0';
	if (tid)
		snprintf(p, sizeof(p), "/proc/%u/task/%u/comm", pid, tid);
	else
		snprintf(p, sizeof(p), "/proc/%u/comm", pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, len - 1);
		close(fd);
	}
	if (n <= 0)
		n = 0;
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
}

static void name_meta(struct pf_items *it, const char *what, uint32_t pid, uint32_t tid,
		      const char *name)
{
	char *js = jstr(name), *t = NULL;

	if (js && asprintf(&t, "{\"ph\":\"M\",\"pid\":%u,\"tid\":%u,\"name\":\"%s\",\"args\":{\"name\":%s}}",
			   pid, tid, what, js) < 0)
		t = NULL;
	free(js);
	add_item(it, 0, 0, 0, t);
}

/* Names for every process and thread (and extra lane) that has a slice. */
struct pf_track {
	uint64_t key;           /* pid << 32 | its tid (or an extra track's) */
	const char *comm;       /* from a record of it, or "" */
};

static int cmp_track(const void *a, const void *b)
{
	const struct pf_track *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	/* a named one first */
	return !x->comm[0] - !y->comm[0];
}

/* Names for every process and thread (and extra track) with a slice: the
 * comm its records carry, else /proc's, else the hint's (the process). */
static void names(struct pf_items *it, const struct pf_data *d, const struct perfetto_hint *hint)
{
	struct pf_track *tr = malloc((d->nev + d->nsnd + 1) * sizeof(*tr));
	size_t n = 0;

	if (!tr) {
		it->oom = true;
		return;
	}
	for (size_t i = 0; i < d->nev; i++)
		if (d->ev[i].vt)
			tr[n++] = (struct pf_track){ (uint64_t)d->ev[i].pid << 32 | d->ev[i].vt,
						     d->ev[i].comm };
	for (size_t i = 0; i < d->nsnd; i++)
		tr[n++] = (struct pf_track){ (uint64_t)d->snd[i].pid << 32 | d->snd[i].vt,
					     d->snd[i].comm };
	qsort(tr, n, sizeof(*tr), cmp_track);
	for (size_t i = 0; i < n; i++) {
		uint32_t pid = (uint32_t)(tr[i].key >> 32), vt = (uint32_t)tr[i].key;
		const struct pf_lane *lane = vt >= LANE_BASE ? &d->lane[vt - LANE_BASE] : NULL;
		uint32_t tid = lane ? lane->tid : vt;
		char comm[64], label[160];

		if (i && tr[i].key == tr[i - 1].key)
			continue;
		if (!i || pid != (uint32_t)(tr[i - 1].key >> 32)) {
			/* the process: its main thread's comm, as ps shows it */
			comm[0] = '\0';
			for (size_t j = i; j < n && (uint32_t)(tr[j].key >> 32) == pid; j++)
				if ((uint32_t)tr[j].key == pid && tr[j].comm[0]) {
					snprintf(comm, sizeof(comm), "%s", tr[j].comm);
					break;
				}
			if (!comm[0])
				read_comm(pid, 0, comm, sizeof(comm));
			if (!comm[0] && hint && hint->pid > 0 && (uint32_t)hint->pid == pid && hint->name)
				snprintf(comm, sizeof(comm), "%s", hint->name);
			if (comm[0])
				snprintf(label, sizeof(label), "%s (%u)", comm, pid);
			else
				snprintf(label, sizeof(label), "pid %u", pid);
			name_meta(it, "process_name", pid, pid, label);
		}
		snprintf(comm, sizeof(comm), "%s", tr[i].comm);
		if (!comm[0])
			read_comm(pid, tid, comm, sizeof(comm));
		snprintf(label, sizeof(label), "%s%s%u%s", comm, comm[0] ? " " : "tid ", tid,
			 lane ? " overlapping" : "");
		if (lane)
			snprintf(label + strlen(label), sizeof(label) - strlen(label), " #%u", lane->n);
		name_meta(it, "thread_name", pid, vt, label);
	}
	free(tr);
}

static void event_items(struct pf_items *it, const struct pf_data *d, size_t k,
			struct perfetto_stats *st)
{
	const struct pf_event *e = &d->ev[k];
	static const char *const wake_names[3] = { "none", "same_cpu", "cross_cpu" };
	uint32_t vt = e->vt;
	uint64_t at = e->start, sum = 0, tgt_ts = 0, tgt_dur = 0;
	char name[64], args[512];
	bool woken = e->st[0] || e->st[1] || e->st[2];

	snprintf(name, sizeof(name), "%s event", evt_kind_name(e->kind));
	snprintf(args, sizeof(args),
		 "\"kind\":\"%s\",\"total_ns\":%llu,\"send_ns\":%llu,\"wake_ns\":%llu,"
		 "\"return_ns\":%llu,\"dispatch_ns\":%llu,\"timer_late_ns\":%llu,"
		 "\"wake_type\":\"%s\",\"coalesced\":%u",
		 evt_kind_name(e->kind), (unsigned long long)e->total, (unsigned long long)e->st[0],
		 (unsigned long long)e->st[1], (unsigned long long)e->st[2],
		 (unsigned long long)e->st[3], (unsigned long long)e->late, wake_names[e->wake],
		 e->coalesced);
	slice(it, e->pid, vt, name, "event", e->start, e->total, args);
	for (int s = 0; s < 4; s++)
		sum += e->st[s];
	/* the stages, one after the other from the send; a queued event's
	 * wait has no stage of its own: "queued" up to its dispatch */
	if (!woken && e->total > e->st[3]) {
		uint64_t q = e->total - e->st[3];

		snprintf(args, sizeof(args), "\"ns\":%llu", (unsigned long long)q);
		slice(it, e->pid, vt, "queued", "stage", at, q, args);
		if (q >= 2)
			tgt_ts = at, tgt_dur = q;
		at += q;
		sum += q;
	}
	for (int s = 0; s < 4 && sum <= e->total; s++) {
		/* (stages that do not fit the total: the event alone) */
		if (!e->st[s])
			continue;
		snprintf(args, sizeof(args), "\"ns\":%llu", (unsigned long long)e->st[s]);
		slice(it, e->pid, vt, stage_slice[s], "stage", at, e->st[s], args);
		if (e->st[s] >= 2)
			tgt_ts = at, tgt_dur = e->st[s];
		at += e->st[s];
	}
	if (!tgt_dur && (!sum || sum > e->total) && e->total >= 2)
		tgt_ts = e->start, tgt_dur = e->total;
	if (e->send >= 0 && tgt_dur) {
		const struct pf_send *s = &d->snd[e->send];
		uint64_t from = s->start + (s->end - s->start) / 2, to = tgt_ts + tgt_dur / 2;
		char *t = NULL;

		if (asprintf(&t, "{\"ph\":\"s\",\"pid\":%u,\"tid\":%u,\"name\":\"send\",\"cat\":\"flow\","
				 "\"id\":%zu,\"ts\":%llu.%03u}",
			     s->pid, s->vt, k + 1, US(from)) < 0)
			t = NULL;
		add_item(it, from, 0, 2, t);
		t = NULL;
		if (asprintf(&t, "{\"ph\":\"f\",\"bp\":\"e\",\"pid\":%u,\"tid\":%u,\"name\":\"send\","
				 "\"cat\":\"flow\",\"id\":%zu,\"ts\":%llu.%03u}",
			     e->pid, vt, k + 1, US(to)) < 0)
			t = NULL;
		add_item(it, to, 0, 2, t);
		st->flows++;
	}
}

int perfetto_write(struct perfetto_out *o, const char *events_path,
		   const struct perfetto_hint *hint, struct perfetto_stats *stats,
		   char *err, size_t errlen)
{
	struct pf_data d = { 0 };
	struct pf_items it = { 0 };
	struct perfetto_stats st = { 0 };
	FILE *f;
	int r;

	r = read_records(&d, events_path, err, errlen);
	if (r)
		goto out;
	st.events = d.nev;
	st.sends = d.nsnd;
	r = layout(&d, &st);
	if (!r)
		r = match_sends(&d);
	if (r)
		goto oom;
	names(&it, &d, hint);
	for (size_t i = 0; i < d.nsnd; i++) {
		const struct pf_send *s = &d.snd[i];
		char args[96];

		snprintf(args, sizeof(args), "\"ns\":%llu", (unsigned long long)(s->end - s->start));
		slice(&it, s->pid, s->vt, s->call, "send", s->start,
		      s->end - s->start, args);
	}
	for (size_t k = 0; k < d.nev; k++)
		if (d.ev[k].vt)
			event_items(&it, &d, k, &st);
	if (it.oom)
		goto oom;
	qsort(it.v, it.n, sizeof(*it.v), cmp_item);

	f = outfile_stream(o->out);
	fprintf(f, "{\"traceEvents\":[\n");
	for (size_t i = 0; i < it.n; i++)
		fprintf(f, "%s%s\n", it.v[i].text, i + 1 < it.n ? "," : "");
	fprintf(f, "],\n\"otherData\":{\"tool\":\"evtrace\",\"clock\":\"CLOCK_MONOTONIC\","
		   "\"events\":%zu,\"sends\":%zu,\"flows\":%zu,\"overlapping\":%zu,\"left_out\":%zu,"
		   "\"extra_tracks\":[",
		st.events, st.sends, st.flows, st.overlapping, st.left_out);
	/* [track tid, thread tid]: which thread each extra track belongs to */
	for (size_t i = 0; i < d.nlane; i++)
		fprintf(f, "%s[%u,%u]", i ? "," : "", LANE_BASE + (unsigned)i, d.lane[i].tid);
	fprintf(f, "]}}\n");
	r = outfile_commit(o->out, err, errlen);
	o->out = NULL;
	if (r)
		goto out;
	if (stats)
		*stats = st;
	r = 0;
	goto out;
oom:
	r = -ENOMEM;
	snprintf(err, errlen, "cannot write %s: out of memory", o->path);
	goto out;
out:
	for (size_t i = 0; i < it.n; i++)
		free(it.v[i].text);
	free(it.v);
	free(d.ev);
	free(d.snd);
	free(d.lane);
	return r;
}

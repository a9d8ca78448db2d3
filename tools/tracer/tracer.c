// SPDX-License-Identifier: MIT
/*
 * The tracer: checks privileges and kernel BTF, resolves the kernel symbols
 * the BPF side compares against, probes the attach modes (tp_btf, then
 * raw_tp, then classic tracepoints with tracefs mounted on demand), loads
 * and attaches bpf/evtrace.bpf.c, attaches libevm's USDT probe for the
 * dispatch stage, and collects the per-CPU maps into a report.
 */
#include "tracer.h"
#include "kbtf.h"
#include "verifier_log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gelf.h>

#include "evtrace.h"
#include "evtrace.skel.h"
#include "hist.h"
#include "mech.h"

/* pcounters' entries without -P: (kind, signal number) of the 3 signal
 * kinds, 64 signals each, with room */
#define PCOUNTERS_SIGNALS 256
#define DEFAULT_BTF "/sys/kernel/btf/vmlinux"
#define TRACEFS "/sys/kernel/tracing"
#define RINGBUF_SIZE (8u << 20)

/* -P: one process's stage histograms per kind, from its events' records. */
struct proc_hists {
	int pid;
	char comm[16];
	struct loghist *h[EVT_KIND_MAX]; /* [EVT_STAGE_MAX] each, made on demand */
};

struct tracer {
	struct evtrace_bpf *skel;
	bool per_process;
	/* in flight at the last tracer_reset: carried into what follows */
	uint64_t carried[EVT_KIND_MAX];
	struct proc_hists *ph;
	int nph, cph;
	enum evt_mode mode;
	struct ring_buffer *rb;
	FILE *events;
	bool events_ours;       /* opened here (not opts->events_file) */
	uint64_t records;
	struct bpf_link *usdt_link;
	bool usdt;
	int verbose;
	int ncpus;
	void *pcpu_buf;        /* one lookup of a per-CPU loghist */
	char usdt_path[PATH_MAX];
	bool kbtf;             /* loaded with the prepared kernel BTF (kbtf.h) */
};

static const char *const mode_names[] = {
	[EVT_MODE_TP_BTF] = "tp_btf",
	[EVT_MODE_RAW_TP] = "raw_tp",
	[EVT_MODE_TRACEPOINT] = "tracepoint",
};

static int verbose_level;

/* The verifier's reason for the last load libbpf saw refused (program,
 * reason), whatever the verbosity: a refused load is said as such, not as
 * the bare EACCES libbpf returns. Emptied before each load; static, as the
 * loads are made from one thread. */
static char refused_prog[64], refused_why[200];

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN) {
		va_list aq;
		char *msg = NULL;

		va_copy(aq, ap);
		if (vasprintf(&msg, fmt, aq) >= 0) {
			verifier_log_reason(msg, refused_prog, sizeof(refused_prog), refused_why,
					    sizeof(refused_why));
			free(msg);
		}
		va_end(aq);
	}
	if (level == LIBBPF_DEBUG && verbose_level < 2)
		return 0;
	if (!verbose_level)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

__attribute__((format(printf, 2, 3)))
static void vlog(const struct tracer *t, const char *fmt, ...)
{
	va_list ap;

	if (!t->verbose)
		return;
	va_start(ap, fmt);
	fputs("evtrace: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- preconditions -------------------------------------------------------- */

static bool has_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };
	uint64_t eff;

	if (geteuid() == 0)
		return true;
	if (syscall(SYS_capget, &hdr, data))
		return false;
	eff = data[0].effective | ((uint64_t)data[1].effective << 32);
	/* CAP_BPF (39) and CAP_PERFMON (38), or CAP_SYS_ADMIN (21) */
	if ((eff & (1ULL << 21)))
		return true;
	return (eff & (1ULL << 39)) && (eff & (1ULL << 38));
}

static bool tracefs_ready(void)
{
	return access(TRACEFS "/events/raw_syscalls", F_OK) == 0 ||
	       access("/sys/kernel/debug/tracing/events/raw_syscalls", F_OK) == 0;
}

/* Classic tracepoints need tracefs: mount it where it belongs if missing. */
static int tracefs_mount(struct tracer *t)
{
	if (tracefs_ready())
		return 0;
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL) && errno != EBUSY) {
		vlog(t, "mounting tracefs at " TRACEFS ": %s", strerror(errno));
		return -errno;
	}
	vlog(t, "mounted tracefs at " TRACEFS);
	return tracefs_ready() ? 0 : -ENOENT;
}

/* ---- loading -------------------------------------------------------------- */

static const char *prog_suffix(enum evt_mode m)
{
	return m == EVT_MODE_TP_BTF ? "_btf" : m == EVT_MODE_RAW_TP ? "_raw" : "_tp";
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Which of libevm's probes the dispatch stage uses (tracer_open decides
 * before the load, so that only its program is loaded). */
enum usdt_probe {
	USDT_NONE = 0,
	USDT_TRACE_SLOT,     /* evm:trace_slot: one trap per thread */
	USDT_DISPATCH_BEGIN, /* evm:dispatch_begin: a libevm without the slot */
};

/* Autoload is off for every program the mode does not use: the other
 * modes' sets and the USDT program not chosen. The USDT programs are
 * attached by tracer_attach_usdt, not by the skeleton. */
static void choose_programs(struct evtrace_bpf *skel, enum evt_mode mode, enum usdt_probe probe)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, ends_with(bpf_program__name(prog), prog_suffix(mode)));
	bpf_program__set_autoload(skel->progs.evt_slot, probe == USDT_TRACE_SLOT);
	bpf_program__set_autoload(skel->progs.evt_dispatch, probe == USDT_DISPATCH_BEGIN);
	bpf_program__set_autoattach(skel->progs.evt_slot, false);
	bpf_program__set_autoattach(skel->progs.evt_dispatch, false);
}

/* Opens, configures, loads and attaches the programs of one mode; why says
 * what failed. */
struct evt_libevm {
	uint64_t ino;
	uint32_t dev;
};

static int try_mode(struct tracer *t, enum evt_mode mode, const struct evt_config *cfg,
		    const char *btf_custom, const struct kbtf *kb, enum usdt_probe probe,
		    const struct evt_libevm *evm, char *why, size_t whylen)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = kb ? kb->path : btf_custom);
	struct evtrace_bpf *skel;
	int err;

	if (mode == EVT_MODE_TRACEPOINT && (err = tracefs_mount(t))) {
		snprintf(why, whylen, "tracefs unavailable: %s", strerror(-err));
		return err;
	}
	skel = evtrace_bpf__open_opts(&oo);
	if (!skel) {
		err = -errno;
		snprintf(why, whylen, "open: %s", strerror(-err));
		return err;
	}
	skel->rodata->cfg = *cfg;
	skel->rodata->cfg.mode = mode;
	skel->rodata->evm_ino = evm->ino;
	skel->rodata->evm_dev = evm->dev;
	if (kb) {
		skel->rodata->kbtf_task_struct = kb->ids[KBTF_TASK_STRUCT];
		skel->rodata->kbtf_kiocb = kb->ids[KBTF_KIOCB];
		skel->rodata->kbtf_file = kb->ids[KBTF_FILE];
	}
	choose_programs(skel, mode, probe);
	if (mode == EVT_MODE_TP_BTF)
		bpf_map__set_max_entries(skel->maps.thash, 1);
	else
		bpf_map__set_max_entries(skel->maps.tslots, 1);
	/* without -P only the signals' breakdown by number (3 kinds x 64
	 * signals, all with tgid 0): creating the preallocated 8192-entry
	 * per-CPU hash took ~10 ms of the start-up */
	if (!cfg->per_process)
		bpf_map__set_max_entries(skel->maps.pcounters, PCOUNTERS_SIGNALS);
	if (cfg->events) {
		bpf_map__set_max_entries(skel->maps.events, RINGBUF_SIZE);
		/* no wakeup per record: tracer_poll's timeout collects them,
		 * a buffer half full wakes it early */
		skel->rodata->rb_wake_at = RINGBUF_SIZE / 2;
	}
	refused_prog[0] = refused_why[0] = '\0';
	err = evtrace_bpf__load(skel);
	if (err) {
		if (refused_why[0])
			snprintf(why, whylen, "load: the kernel's verifier refused %s (%s)", refused_prog,
				 refused_why);
		else
			snprintf(why, whylen, "load: %s", strerror(-err));
		evtrace_bpf__destroy(skel);
		return err;
	}
	err = evtrace_bpf__attach(skel);
	if (err) {
		snprintf(why, whylen, "attach: %s", strerror(-err));
		evtrace_bpf__destroy(skel);
		return err;
	}
	t->skel = skel;
	t->mode = mode;
	t->kbtf = kb != NULL;
	return 0;
}

/* ---- USDT ----------------------------------------------------------------- */

/* Opens path as an ELF file for reading: its descriptor in *fd (close it
 * after elf_end), or NULL. */
static Elf *elf_open(const char *path, int *fd)
{
	Elf *e;

	*fd = -1;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return NULL;
	e = elf_begin(*fd, ELF_C_READ, NULL);
	if (!e) {
		close(*fd);
		*fd = -1;
	}
	return e;
}

/* Whether an ELF file carries libevm's USDT note evm:<probe> (probe as
 * "evm\0name", size with both NULs' first). */
static bool has_evm_probe(const char *path, const char *probe, size_t len)
{
	bool found = false;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf *e;
	int fd;

	e = elf_open(path, &fd);
	if (!e)
		return false;
	if (elf_getshdrstrndx(e, &shstrndx))
		goto out;
	while (!found && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".note.stapsdt"))
			continue;
		d = elf_getdata(scn, NULL);
		if (d && d->d_buf && memmem(d->d_buf, d->d_size, probe, len))
			found = true;
	}
out:
	elf_end(e);
	close(fd);
	return found;
}

/* Whether an ELF file carries libevm's probes. */
static bool has_evm_notes(const char *path)
{
	return has_evm_probe(path, "evm\0dispatch_begin", 18);
}

/* The file holding libevm in pid: its executable (static libevm) or a
 * mapped libevm.so. */
static bool find_usdt_binary(pid_t pid, char *out, size_t len)
{
	char path[64], line[PATH_MAX + 128];
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, out, len - 1);
	if (n > 0) {
		out[n] = '\0';
		if (has_evm_notes(out))
			return true;
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *file = strchr(line, '/');

		if (!file || !strstr(file, "libevm"))
			continue;
		file[strcspn(file, "\n")] = '\0';
		if (has_evm_notes(file)) {
			snprintf(out, len, "%s", file);
			fclose(f);
			return true;
		}
	}
	fclose(f);
	return false;
}

/* The directories a library named in DT_NEEDED is looked for in, after
 * LD_LIBRARY_PATH and the binary's RUNPATH/RPATH (ld.so's defaults and
 * Debian's ld.so.conf). */
static const char *const lib_dirs[] = {
	"/usr/local/lib", "/usr/local/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu",
	"/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
};

/* name in one of the dirs of a ':'-separated list (RUNPATH's $ORIGIN: the
 * binary's directory) that has libevm's probes: 0 and out, or -1. */
static int lib_in_dirs(const char *list, const char *origin, const char *name, char *out,
		       size_t len)
{
	char buf[PATH_MAX], dir[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", list ? list : "");
	for (char *save = NULL, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (!strncmp(d, "$ORIGIN", 7))
			snprintf(dir, sizeof(dir), "%s%s", origin, d + 7);
		else
			snprintf(dir, sizeof(dir), "%s", d);
		if ((size_t)snprintf(out, len, "%s/%s", dir, name) < len && has_evm_notes(out))
			return 0;
	}
	return -1;
}

/* A libevm.so the executable path links (DT_NEEDED), found as ld.so would:
 * a command started by `evtrace run` maps it only after its exec, when the
 * probes must already be attached. */
static bool find_needed_libevm(const char *path, char *out, size_t len)
{
	char needed[8][128], runpath[PATH_MAX] = "", origin[PATH_MAX];
	int nneeded = 0;
	Elf_Scn *scn = NULL;
	bool found = false;
	Elf *e;
	int fd;

	e = elf_open(path, &fd);
	if (!e)
		return false;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC)
			continue;
		d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Dyn dyn;
			const char *v;

			if (!gelf_getdyn(d, (int)i, &dyn))
				break;
			if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_RUNPATH && dyn.d_tag != DT_RPATH)
				continue;
			v = elf_strptr(e, sh.sh_link, dyn.d_un.d_val);
			if (!v)
				continue;
			if (dyn.d_tag == DT_NEEDED && strstr(v, "libevm") && nneeded < 8)
				snprintf(needed[nneeded++], sizeof(needed[0]), "%s", v);
			else if (dyn.d_tag != DT_NEEDED)
				snprintf(runpath, sizeof(runpath), "%s", v);
		}
	}
	elf_end(e);
	close(fd);
	snprintf(origin, sizeof(origin), "%s", path);
	if (strrchr(origin, '/'))
		*strrchr(origin, '/') = '\0';
	for (int i = 0; i < nneeded && !found; i++) {
		if (strchr(needed[i], '/')) {
			snprintf(out, len, "%s", needed[i]);
			found = has_evm_notes(out);
			continue;
		}
		found = !lib_in_dirs(getenv("LD_LIBRARY_PATH"), origin, needed[i], out, len) ||
			!lib_in_dirs(runpath, origin, needed[i], out, len);
		for (size_t j = 0; !found && j < sizeof(lib_dirs) / sizeof(lib_dirs[0]); j++)
			found = !lib_in_dirs(lib_dirs[j], origin, needed[i], out, len);
	}
	return found;
}

/* The probe the dispatch stage would use in an ELF file with libevm. */
static enum usdt_probe usdt_probe_of(const char *path)
{
	if (!has_evm_notes(path))
		return USDT_NONE;
	return has_evm_probe(path, "evm\0trace_slot", 15) ? USDT_TRACE_SLOT : USDT_DISPATCH_BEGIN;
}

int tracer_attach_usdt(struct tracer *t, const char *binary)
{
	struct bpf_program *prog;
	enum usdt_probe probe;
	const char *name;
	struct bpf_link *link;
	struct timespec now;
	char real[PATH_MAX];

	if (!t || !binary)
		return -EINVAL;
	if (t->usdt)
		return 0;
	if (!realpath(binary, real))
		return -errno;
	probe = usdt_probe_of(real);
	if (probe == USDT_NONE) {
		vlog(t, "%s has no libevm USDT notes: no dispatch stage", real);
		return -ENOENT;
	}
	/* every process running the file: the BPF side keeps to targets, and
	 * a target's exec or fork keeps its probes. A libevm with the trace
	 * slot (evm:trace_slot) announces its slot once per thread and writes
	 * its dispatch times to memory the BPF side reads at the thread's
	 * syscalls: one trap per thread, not one per dispatch. Older ones: a
	 * uprobe on every evm:dispatch_begin. */
	prog = probe == USDT_TRACE_SLOT ? t->skel->progs.evt_slot : t->skel->progs.evt_dispatch;
	name = probe == USDT_TRACE_SLOT ? "trace_slot" : "dispatch_begin";
	if (bpf_program__fd(prog) < 0) {
		vlog(t, "evm:%s in %s: its program was not loaded (tracer_open chose another)", name,
		     real);
		return -ENOENT;
	}
	link = bpf_program__attach_usdt(prog, -1, real, "evm", name, NULL);
	if (!link) {
		int err = -errno;

		vlog(t, "attaching USDT evm:%s in %s: %s", name, real, strerror(-err));
		return err;
	}
	t->usdt_link = link;
	t->usdt = true;
	clock_gettime(CLOCK_MONOTONIC, &now);
	t->skel->bss->usdt_on_ns = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
	t->skel->bss->usdt_on = true;
	snprintf(t->usdt_path, sizeof(t->usdt_path), "%s", real);
	vlog(t, "USDT evm:%s attached in %s", name, real);
	return 0;
}

/* ---- per-event records ------------------------------------------------------ */

/* A task's comm as a JSON string: any byte may be in it (bytes past ASCII
 * as \u00XX, so that the line stays valid UTF-8). */
static void put_comm(FILE *f, const char *comm, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len && comm[i]; i++) {
		unsigned char ch = (unsigned char)comm[i];

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* The sending syscalls' names, for send records. */
static const char *send_call(unsigned int nr)
{
	switch (nr) {
	case SYS_write: return "write";
	case SYS_writev: return "writev";
	case SYS_kill: return "kill";
	case SYS_tkill: return "tkill";
	case SYS_tgkill: return "tgkill";
	case SYS_rt_sigqueueinfo: return "rt_sigqueueinfo";
	case SYS_rt_tgsigqueueinfo: return "rt_tgsigqueueinfo";
#ifdef SYS_pidfd_send_signal
	case SYS_pidfd_send_signal: return "pidfd_send_signal";
#endif
	default: return "send";
	}
}

static struct proc_hists *proc_find(struct tracer *t, int pid, bool create)
{
	for (int i = 0; i < t->nph; i++)
		if (t->ph[i].pid == pid)
			return &t->ph[i];
	if (!create)
		return NULL;
	if (t->nph == t->cph) {
		int n = t->cph ? 2 * t->cph : 16;
		struct proc_hists *ph = realloc(t->ph, (size_t)n * sizeof(*ph));

		if (!ph)
			return NULL;
		t->ph = ph;
		t->cph = n;
	}
	memset(&t->ph[t->nph], 0, sizeof(t->ph[0]));
	t->ph[t->nph].pid = pid;
	return &t->ph[t->nph++];
}

/* An event's record, into its process's stage histograms (a stage the
 * event did not have is 0 in the record: left out, as the BPF side does). */
static void proc_record(struct tracer *t, const struct evt_record *r)
{
	const unsigned long long v[EVT_STAGE_MAX] = {
		[EVT_STAGE_SEND] = r->send_ns, [EVT_STAGE_WAKE] = r->wake_ns,
		[EVT_STAGE_RETURN] = r->return_ns, [EVT_STAGE_DISPATCH] = r->dispatch_ns,
		[EVT_STAGE_TOTAL] = r->total_ns, [EVT_STAGE_TIMER_LATE] = r->late_ns,
	};
	struct proc_hists *p;

	if (r->kind >= EVT_KIND_MAX || !(p = proc_find(t, (int)r->pid, true)))
		return;
	if (!p->comm[0] && r->pid == r->tid)
		memcpy(p->comm, r->comm, sizeof(p->comm));
	if (!p->h[r->kind]) {
		p->h[r->kind] = calloc(EVT_STAGE_MAX, sizeof(struct loghist));
		if (!p->h[r->kind])
			return;
		for (int s = 0; s < EVT_STAGE_MAX; s++)
			hist_init(&p->h[r->kind][s]);
	}
	for (int s = 0; s < EVT_STAGE_MAX; s++)
		if (v[s] || s == EVT_STAGE_TOTAL)
			hist_add(&p->h[r->kind][s], v[s]);
}

static int on_record(void *ctx, void *data, size_t len)
{
	struct tracer *t = ctx;
	const struct evt_record *r = data;

	if (len < sizeof(*r))
		return 0;
	if (r->type == EVT_REC_SEND && t->events) {
		/* not an event: ringbuf.records counts events only */
		fprintf(t->events, "{\"type\":\"send\",\"ts\":%llu,\"start\":%llu,\"pid\":%u,"
			"\"tid\":%u,\"call\":\"%s\",\"comm\":", r->ts, r->start, r->pid, r->tid,
			send_call(r->nr));
		put_comm(t->events, r->comm, sizeof(r->comm));
		fputs("}\n", t->events);
		return 0;
	}
	t->records++;
	if (t->per_process)
		proc_record(t, r);
	if (!t->events)
		return 0;
	fprintf(t->events,
		"{\"ts\":%llu,\"kind\":\"%s\",\"pid\":%u,\"tid\":%u,\"send\":%llu,"
		"\"wake\":%llu,\"return\":%llu,\"dispatch\":%llu,\"total\":%llu,"
		"\"timer_late\":%llu,\"wake_type\":\"%s\",\"coalesced\":%u,\"start\":%llu,"
		"\"comm\":",
		r->ts, mech_traced(r->kind) ? mech_table[r->kind].name : "?", r->pid, r->tid,
		r->send_ns, r->wake_ns, r->return_ns, r->dispatch_ns, r->total_ns, r->late_ns,
		r->wake == 1 ? "same_cpu" : r->wake == 2 ? "cross_cpu" : "none", r->coalesced,
		r->start);
	put_comm(t->events, r->comm, sizeof(r->comm));
	fputs("}\n", t->events);
	return 0;
}

/* ---- opening, step by step ------------------------------------------------ */

static int check_privileges(char *err, size_t errlen)
{
	if (has_caps())
		return 0;
	snprintf(err, errlen, "tracing needs CAP_BPF and CAP_PERFMON (or root): run it as root");
	return -EPERM;
}

/* The kernel BTF: opts->btf_path, EVTRACE_BTF, or the kernel's own. A file
 * given by the user is parsed here, for a clear line; the kernel's own is
 * parsed once, by libbpf at load. *custom: the path to give libbpf, or NULL
 * for the kernel's own. */
static int check_btf(const struct tracer_opts *opts, const char **custom, char *err,
		     size_t errlen)
{
	const char *path = opts->btf_path ? opts->btf_path : getenv("EVTRACE_BTF");
	struct btf *btf;
	int r;

	*custom = NULL;
	if (!path || !*path)
		path = DEFAULT_BTF;
	if (access(path, R_OK)) {
		r = -errno;
		snprintf(err, errlen, "kernel BTF not found at %s: %s (a kernel built with "
			 "CONFIG_DEBUG_INFO_BTF provides " DEFAULT_BTF ")", path, strerror(-r));
		return r;
	}
	if (!opts->btf_path && !getenv("EVTRACE_BTF"))
		return 0;
	btf = btf__parse(path, NULL);
	if (!btf) {
		char msg[128];

		r = -errno;
		libbpf_strerror(r, msg, sizeof(msg));
		snprintf(err, errlen, "kernel BTF not usable at %s: %s", path, msg);
		return r ? r : -EINVAL;
	}
	btf__free(btf);
	*custom = path;
	return 0;
}

static int check_target(const struct tracer_opts *opts, char *err, size_t errlen)
{
	if (opts->all)
		return 0;
	if (opts->pid <= 0) {
		snprintf(err, errlen, "no process to trace: give a PID or -a");
		return -EINVAL;
	}
	if (kill(opts->pid, 0) && errno == ESRCH) {
		snprintf(err, errlen, "no process with PID %d", (int)opts->pid);
		return -ESRCH;
	}
	return 0;
}

static int tracer_alloc(struct tracer **ret, const struct tracer_opts *opts, char *err,
			size_t errlen)
{
	struct tracer *t = calloc(1, sizeof(*t));
	int r;

	*ret = NULL;
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	t->verbose = opts->verbose;
	t->ncpus = libbpf_num_possible_cpus();
	if (t->ncpus <= 0) {
		r = t->ncpus ? t->ncpus : -EINVAL;
		snprintf(err, errlen, "cannot count the CPUs: %s", strerror(-r));
		free(t);
		return r;
	}
	t->pcpu_buf = calloc((size_t)t->ncpus, sizeof(struct loghist));
	if (!t->pcpu_buf) {
		snprintf(err, errlen, "out of memory");
		free(t);
		return -ENOMEM;
	}
	*ret = t;
	return 0;
}

static void build_config(const struct tracer_opts *opts, struct evt_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->target_tgid = opts->all ? 0 : (unsigned int)opts->pid;
	cfg->self_tgid = (unsigned int)getpid();
	cfg->all = opts->all;
	cfg->follow = opts->follow_forks;
	cfg->events = !opts->events_path ? (opts->per_process ? 1 : 0) :
		      opts->send_records ? EVT_EVENTS_SENDS : 1;
	cfg->per_process = opts->per_process;
	/* EVTRACE_HOOKS_ONLY=1: every hook attached but its program returns
	 * at once (the cost of the hooks alone: make bench-overhead's floor) */
	cfg->hooks_only = getenv("EVTRACE_HOOKS_ONLY") && *getenv("EVTRACE_HOOKS_ONLY") == '1';
}

/* The file holding libevm for the targets (opts->usdt_binary, or a
 * libevm.so it links, or the target's executable or mapped libevm.so):
 * its handler is known by it, and the dispatch stage uses its probes. */
static bool find_libevm(struct tracer *t, const struct tracer_opts *opts, char *bin, size_t len)
{
	char lib[PATH_MAX];

	bin[0] = '\0';
	if (opts->usdt_binary) {
		if (!realpath(opts->usdt_binary, bin))
			snprintf(bin, len, "%s", opts->usdt_binary);
		/* a command linked against libevm.so (run: not mapped yet) */
		if (!has_evm_notes(bin) && find_needed_libevm(bin, lib, sizeof(lib))) {
			vlog(t, "%s links libevm: %s", bin, lib);
			if (!realpath(lib, bin))
				snprintf(bin, len, "%s", lib);
		}
		return true;
	}
	if (opts->all || !find_usdt_binary(opts->pid, bin, len)) {
		if (!opts->all)
			vlog(t, "no libevm USDT notes in PID %d: no dispatch stage", (int)opts->pid);
		bin[0] = '\0';
		return false;
	}
	return true;
}

/* The probe of bin the dispatch stage uses. */
static enum usdt_probe find_dispatch_probe(struct tracer *t, const struct tracer_opts *opts,
					   const char *bin)
{
	enum usdt_probe probe;

	if (opts->no_dispatch) {
		vlog(t, "dispatch stage off: libevm's USDT probe not attached");
		return USDT_NONE;
	}
	if (!bin[0])
		return USDT_NONE;
	probe = usdt_probe_of(bin);
	if (probe == USDT_NONE)
		vlog(t, "%s has no libevm USDT notes: no dispatch stage", bin);
	return probe;
}

/* libevm's file as the BPF side compares a handler's mapping with it
 * (inode number, kernel dev_t). */
static void libevm_identity(const char *bin, struct evt_libevm *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (!bin[0] || !has_evm_notes(bin) || stat(bin, &st))
		return;
	id->ino = (uint64_t)st.st_ino;
	id->dev = (major(st.st_dev) << 20) | minor(st.st_dev);
}

/* Feature probe by doing: the first mode that loads and attaches wins.
 * EVTRACE_ATTACH_MODE=raw_tp|tracepoint starts further down (the tests
 * use it to cover every mode). */
static int load_first_mode(struct tracer *t, const struct evt_config *cfg, const char *btf_custom,
			   enum usdt_probe probe, const struct evt_libevm *evm, char *err,
			   size_t errlen)
{
	const char *force = getenv("EVTRACE_ATTACH_MODE");
	char why[3][300] = { "", "", "" }, kwhy[160] = "";
	int want = EVT_MODE_TP_BTF, r = -ENOTSUP;
	struct kbtf kb = { .fd = -1 };
	bool prepared = false;

	if (force && *force) {
		want = -1;
		for (int i = 0; i <= EVT_MODE_TRACEPOINT; i++)
			if (!strcmp(force, mode_names[i]))
				want = i;
		if (want < 0) {
			snprintf(err, errlen, "EVTRACE_ATTACH_MODE=%s: want tp_btf, raw_tp or tracepoint",
				 force);
			return -EINVAL;
		}
	}
	/* the kernel's own BTF (not one the user gave): the one prepared for
	 * it at build time, if this is that kernel */
	if (!btf_custom) {
		prepared = !kbtf_open(&kb, kwhy, sizeof(kwhy));
		vlog(t, prepared ? "kernel BTF: prepared at build time for this kernel" :
		     "kernel BTF: the whole of it (no prepared one: %s)", kwhy);
	}
	for (int m = want; m <= EVT_MODE_TRACEPOINT; m++) {
		r = -ENOENT;
		if (prepared) {
			r = try_mode(t, m, cfg, btf_custom, &kb, probe, evm, why[m], sizeof(why[m]));
			if (r)
				vlog(t, "%s with the prepared kernel BTF: %s; again with the whole",
				     mode_names[m], why[m]);
		}
		if (r)
			r = try_mode(t, m, cfg, btf_custom, NULL, probe, evm, why[m], sizeof(why[m]));
		if (!r) {
			vlog(t, "attached with %s", mode_names[t->mode]);
			kbtf_close(&kb);
			return 0;
		}
		vlog(t, "%s: %s; falling back", mode_names[m], why[m]);
	}
	kbtf_close(&kb);
	snprintf(err, errlen, "cannot attach the tracers: tp_btf: %s; raw_tp: %s; tracepoint: %s",
		 why[0][0] ? why[0] : "skipped", why[1][0] ? why[1] : "skipped",
		 why[2][0] ? why[2] : "skipped");
	return r;
}

static int open_events(struct tracer *t, const struct tracer_opts *opts, char *err, size_t errlen)
{
	const char *path = opts->events_path;
	int r;

	t->events = opts->events_file;
	if (!t->events && path) {
		t->events = fopen(path, "we");
		t->events_ours = true;
	}
	if (path && !t->events) {
		r = -errno;
		snprintf(err, errlen, "cannot write events to %s: %s", path, strerror(-r));
		return r;
	}
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_record, t, NULL);
	if (!t->rb) {
		r = -errno;
		snprintf(err, errlen, "ring buffer: %s", strerror(-r));
		return r;
	}
	return 0;
}

/* ---- the interface ---------------------------------------------------------- */

int tracer_open(struct tracer **ret, const struct tracer_opts *opts, char *err, size_t errlen)
{
	struct evt_config cfg;
	struct evt_libevm evm;
	const char *btf_custom;
	enum usdt_probe probe;
	char bin[PATH_MAX];
	struct tracer *t;
	int r;

	if (!ret || !opts) {
		snprintf(err, errlen, "tracer_open: bad arguments");
		return -EINVAL;
	}
	*ret = NULL;
	verbose_level = opts->verbose;
	libbpf_set_print(libbpf_print);
	if ((r = check_privileges(err, errlen)) || (r = check_btf(opts, &btf_custom, err, errlen)) ||
	    (r = check_target(opts, err, errlen)) || (r = tracer_alloc(&t, opts, err, errlen)))
		return r;
	build_config(opts, &cfg);
	find_libevm(t, opts, bin, sizeof(bin));
	libevm_identity(bin, &evm);
	probe = find_dispatch_probe(t, opts, bin);
	r = load_first_mode(t, &cfg, btf_custom, probe, &evm, err, errlen);
	if (r)
		goto fail;
	if (probe != USDT_NONE)
		tracer_attach_usdt(t, bin);
	t->per_process = opts->per_process;
	if ((opts->events_path || opts->per_process) && (r = open_events(t, opts, err, errlen)))
		goto fail;
	*ret = t;
	return 0;
fail:
	tracer_close(t);
	return r;
}

int tracer_poll(struct tracer *t, int timeout_ms)
{
	int r;

	if (!t)
		return -EINVAL;
	if (!t->rb) {
		if (timeout_ms > 0 && poll(NULL, 0, timeout_ms) < 0)
			return -errno;
		return 0;
	}
	/* records come without wakeups (bpf/evtrace.bpf.c: rb_wake_at): the
	 * poll returns early only when the buffer is half full, so read what
	 * waits once it times out */
	r = ring_buffer__poll(t->rb, timeout_ms);
	if (r >= 0 || r == -EINTR) {
		int c = ring_buffer__consume(t->rb);

		if (r >= 0)
			r = c < 0 ? c : r + c;
	}
	if (t->events)
		fflush(t->events);
	return r;
}

int tracer_events_fd(const struct tracer *t)
{
	return t && t->rb ? ring_buffer__epoll_fd(t->rb) : -ENOENT;
}

/* The report's slot of process pid (-P), made when create (NULL when full:
 * counted in procs_left_out). */
static struct evtrace_proc_report *proc_slot(struct evtrace_report *out, int pid, bool create)
{
	for (int i = 0; i < out->nprocs; i++)
		if (out->procs[i].pid == pid)
			return &out->procs[i];
	if (!create || !pid)
		return NULL;
	if (out->nprocs == EVTRACE_MAX_PROCS) {
		out->procs_left_out++;
		return NULL;
	}
	memset(&out->procs[out->nprocs], 0, sizeof(out->procs[0]));
	out->procs[out->nprocs].pid = pid;
	return &out->procs[out->nprocs++];
}

static uint64_t proc_events(const struct evtrace_proc_report *p)
{
	uint64_t n = 0;

	for (int k = 0; k < EVT_KIND_MAX; k++)
		n += p->counters[k][EVT_CNT_EVENTS] + p->counters[k][EVT_CNT_SENDS];
	return n;
}

static int proc_cmp(const void *a, const void *b)
{
	uint64_t x = proc_events(a), y = proc_events(b);

	return x < y ? 1 : x > y ? -1 : ((const struct evtrace_proc_report *)a)->pid -
					  ((const struct evtrace_proc_report *)b)->pid;
}

/* One entry of a per-CPU counters map (counters, pcounters) summed over the
 * CPUs into sum. A program may be between two of its updates on a CPU while
 * the entry is copied (a send counted, its queue level not yet): a copy
 * whose accounting does not close is read again, a few times, before it is
 * reported as it is (open). */
static int read_counters(struct tracer *t, int fd, const void *key, enum evt_kind k,
			 uint64_t *sum, uint64_t *cv)
{
	struct report_accounting a;
	int tries = 0;

	do {
		memset(sum, 0, EVT_CNT_MAX * sizeof(*sum));
		if (bpf_map_lookup_elem(fd, key, cv))
			return -errno;
		for (int c = 0; c < t->ncpus; c++)
			for (int i = 0; i < EVT_CNT_MAX; i++)
				sum[i] += cv[c * EVT_CNT_MAX + i];
		report_accounting_of(sum, k, &a);
	} while (!a.closes && ++tries < 8);
	return 0;
}

/* The per-process and per-signal counters (pcounters), summed over the
 * CPUs: by signal number into out->by_signal, by process (-P) into
 * out->procs with their stage summaries from the records. */
static int collect_pcounters(struct tracer *t, struct evtrace_report *out)
{
	int fd = bpf_map__fd(t->skel->maps.pcounters);
	struct evt_pkey key, next, *pk = NULL;
	uint64_t *cv = calloc((size_t)t->ncpus * EVT_CNT_MAX, sizeof(*cv));

	if (!cv)
		return -ENOMEM;
	memset(out->by_signal, 0, sizeof(out->by_signal));
	out->nprocs = 0;
	out->procs_left_out = 0;
	while (!bpf_map_get_next_key(fd, pk, &next)) {
		struct evtrace_proc_report *pr;
		uint64_t sum[EVT_CNT_MAX] = { 0 };

		key = next;
		pk = &key;
		if (key.kind >= EVT_KIND_MAX || read_counters(t, fd, &key, key.kind, sum, cv))
			continue;
		if (key.sig && key.sig < EVTRACE_NSIG)
			for (int i = 0; i < EVT_CNT_MAX; i++)
				out->by_signal[key.kind][key.sig][i] += sum[i];
		pr = t->per_process ? proc_slot(out, (int)key.tgid, true) : NULL;
		if (pr)
			for (int i = 0; i < EVT_CNT_MAX; i++)
				pr->counters[key.kind][i] += sum[i];
	}
	free(cv);
	for (int i = 0; i < out->nprocs; i++) {
		struct evtrace_proc_report *pr = &out->procs[i];
		struct proc_hists *ph = proc_find(t, pr->pid, false);
		char path[64], comm[32] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/comm", pr->pid);
		if ((f = fopen(path, "re"))) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		if (comm[0])
			snprintf(pr->comm, sizeof(pr->comm), "%.15s", comm);
		else if (ph && ph->comm[0])
			memcpy(pr->comm, ph->comm, sizeof(pr->comm));
		else
			snprintf(pr->comm, sizeof(pr->comm), "?");
		for (int k = 0; ph && k < EVT_KIND_MAX; k++)
			for (int s = 0; ph->h[k] && s < EVT_STAGE_MAX; s++)
				hist_summarize(&ph->h[k][s], &pr->sum[k][s]);
	}
	return 0;
}

/* The samples a loghist's buckets hold: its count, unless the copy was
 * taken while a program on that CPU was between its updates (count
 * already up, its bucket not yet: torn). */
static unsigned long long hist_buckets(const struct loghist *h)
{
	unsigned long long n = 0;

	for (unsigned int i = 0; i < LOGHIST_NBUCKETS; i++)
		n += h->counts[i];
	return n;
}

/* Sums a per-CPU map entry of loghists. The entry is copied while the
 * programs run (a live report, attach): a copy with a torn CPU is read
 * again, a few times; one still torn then (a CPU recording without pause)
 * is taken as it was before that sample, count = its buckets' (seen once
 * in ten system-wide runs: total buckets 96055, count 96054). */
static int read_hist(struct tracer *t, uint32_t key, struct loghist *out)
{
	struct loghist *v = t->pcpu_buf;
	int fd = bpf_map__fd(t->skel->maps.hists);
	bool torn;
	int tries = 0;

	hist_init(out);
	do {
		if (bpf_map_lookup_elem(fd, &key, t->pcpu_buf))
			return -errno;
		torn = false;
		for (int c = 0; c < t->ncpus; c++)
			torn |= hist_buckets(&v[c]) != v[c].count;
	} while (torn && ++tries < 8);
	for (int c = 0; c < t->ncpus; c++) {
		if (torn)
			v[c].count = hist_buckets(&v[c]);
		hist_merge(out, &v[c]);
	}
	return 0;
}

int tracer_collect(struct tracer *t, struct evtrace_report *out)
{
	uint64_t *cv;
	int fd, r = 0;

	if (!t || !out)
		return -EINVAL;
	if (t->rb)
		ring_buffer__consume(t->rb);
	cv = calloc((size_t)t->ncpus * EVT_CNT_MAX, sizeof(*cv));
	if (!cv)
		return -ENOMEM;
	fd = bpf_map__fd(t->skel->maps.counters);
	for (uint32_t k = 0; k < EVT_KIND_MAX; k++) {
		struct evtrace_kind_report *kr = &out->kind[k];

		memset(kr->counters, 0, sizeof(kr->counters));
		if (read_counters(t, fd, &k, (enum evt_kind)k, kr->counters, cv))
			r = -errno;
		for (uint32_t s = 0; s < EVT_STAGE_MAX; s++) {
			if (read_hist(t, k * EVT_STAGE_MAX + s, &kr->hist[s]))
				r = -errno;
			hist_summarize(&kr->hist[s], &kr->sum[s]);
		}
	}
	free(cv);
	if (collect_pcounters(t, out))
		r = -ENOMEM;
	/* what the per-process levels carried over a reset is not kept: a
	 * process's in_flight counts from the reset */
	/* the level counted since the last reset, on what was carried */
	for (int k = 0; k < EVT_KIND_MAX; k++) {
		out->kind[k].counters[EVT_CNT_CARRIED] = t->carried[k];
		out->kind[k].counters[EVT_CNT_IN_FLIGHT] += t->carried[k];
	}
	if (out->nprocs > 1)
		qsort(out->procs, (size_t)out->nprocs, sizeof(out->procs[0]), proc_cmp);
	out->untraced_wakeups = t->skel->bss->untraced_wakeups;
	out->ringbuf_records = t->records;
	out->ringbuf_dropped = t->skel->bss->rb_dropped;
	out->from_json = false;
	snprintf(out->settings.attach_mode, sizeof(out->settings.attach_mode), "%s",
		 mode_names[t->mode]);
	out->settings.usdt = t->usdt;
	out->per_process = t->per_process;
	return r;
}

int tracer_reset(struct tracer *t)
{
	void *zero;
	int r = 0, fd;
	size_t sz = sizeof(struct loghist);

	if (!t)
		return -EINVAL;
	{
		/* what is in flight now is carried into what follows */
		struct evtrace_report *now = calloc(1, sizeof(*now));

		if (!now)
			return -ENOMEM;
		if (!tracer_collect(t, now))
			for (int k = 0; k < EVT_KIND_MAX; k++)
				t->carried[k] = now->kind[k].counters[EVT_CNT_IN_FLIGHT];
		free(now);
	}
	zero = calloc((size_t)t->ncpus, sz);
	if (!zero)
		return -ENOMEM;
	fd = bpf_map__fd(t->skel->maps.hists);
	for (uint32_t k = 0; k < EVT_KIND_MAX * EVT_STAGE_MAX; k++)
		if (bpf_map_update_elem(fd, &k, zero, BPF_ANY))
			r = -errno;
	fd = bpf_map__fd(t->skel->maps.counters);
	for (uint32_t k = 0; k < EVT_KIND_MAX; k++)
		if (bpf_map_update_elem(fd, &k, zero, BPF_ANY))
			r = -errno;
	free(zero);
	{
		/* the per-process and per-signal counters go too */
		struct evt_pkey key;

		fd = bpf_map__fd(t->skel->maps.pcounters);
		while (!bpf_map_get_next_key(fd, NULL, &key))
			if (bpf_map_delete_elem(fd, &key)) {
				r = -errno;
				break;
			}
	}
	return r;
}

void tracer_close(struct tracer *t)
{
	if (!t)
		return;
	ring_buffer__free(t->rb);
	if (t->events && t->events_ours)
		fclose(t->events);
	else if (t->events)
		fflush(t->events);
	bpf_link__destroy(t->usdt_link);
	evtrace_bpf__destroy(t->skel);
	for (int i = 0; i < t->nph; i++)
		for (int k = 0; k < EVT_KIND_MAX; k++)
			free(t->ph[i].h[k]);
	free(t->ph);
	free(t->pcpu_buf);
	free(t);
}

const char *tracer_attach_mode(const struct tracer *t)
{
	return t ? mode_names[t->mode] : "";
}

bool tracer_btf_prepared(const struct tracer *t)
{
	return t && t->kbtf;
}

int tracer_prog_ids(const struct tracer *t, unsigned int *ids, int max)
{
	struct bpf_program *prog;
	int n = 0;

	if (!t || !t->skel)
		return -EINVAL;
	bpf_object__for_each_program(prog, t->skel->obj) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		if (n < max)
			ids[n] = info.id;
		n++;
	}
	return n;
}

uint64_t tracer_misses(const struct tracer *t)
{
	struct bpf_program *prog;
	uint64_t n = 0;

	if (!t || !t->skel)
		return 0;
	bpf_object__for_each_program(prog, t->skel->obj) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			n += info.recursion_misses;
	}
	return n;
}

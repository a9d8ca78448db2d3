/* SPDX-License-Identifier: MIT */
/*
 * machine: what a report says about the machine it was measured on (kernel,
 * CPU, virtualised or not, which hypervisor). Shared by evload, evtrace and
 * the benchmarks so that they all describe the conditions the same way.
 */
#include "machine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

static void trim(char *s)
{
	size_t n = strlen(s);
	char *p = s;

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	memmove(s, p, strlen(p) + 1);
}

static bool read_line_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		trim(buf);
	return ok && buf[0];
}

/* The hypervisor's name from its CPUID signature (x86), or "". */
static void cpuid_hypervisor(char *out, size_t len)
{
	out[0] = '\0';
#if defined(__x86_64__) || defined(__i386__)
	static const struct {
		const char *sig, *name;
	} known[] = {
		{ "KVMKVMKVM", "KVM" }, { "Microsoft Hv", "Hyper-V" },
		{ "VMwareVMware", "VMware" }, { "XenVMMXenVMM", "Xen" },
		{ "TCGTCGTCGTCG", "QEMU (TCG)" }, { "bhyve bhyve ", "bhyve" },
		{ "ACRNACRNACRN", "ACRN" }, { "QNXQVMBSQG", "QNX" },
		{ " lrpepyh  vr", "Parallels" }, { "VBoxVBoxVBox", "VirtualBox" },
	};
	unsigned int a, b, c, d;
	char sig[13];

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 31)))
		return;
	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = '\0';
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (!strncmp(sig, known[i].sig, strlen(known[i].sig))) {
			snprintf(out, len, "%s", known[i].name);
			return;
		}
	}
	for (int i = 0; i < 12; i++)
		if (sig[i] && (sig[i] < 0x20 || sig[i] > 0x7e))
			sig[i] = '?';
	trim(sig);
	snprintf(out, len, "%s", sig);
#else
	(void)len;
#endif
}

/* systemd-detect-virt, when installed: run directly, no shell. */
static void detect_virt(char *out, size_t len)
{
	static const char *const dirs[] = { "/usr/bin/systemd-detect-virt",
					    "/bin/systemd-detect-virt" };
	const char *exe = NULL;
	int p[2], status;
	pid_t pid;
	ssize_t n;

	out[0] = '\0';
	for (size_t i = 0; i < 2 && !exe; i++)
		if (access(dirs[i], X_OK) == 0)
			exe = dirs[i];
	if (!exe || pipe2(p, O_CLOEXEC))
		return;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(p[1], STDOUT_FILENO);
		if (devnull >= 0)
			dup2(devnull, STDERR_FILENO);
		execl(exe, exe, "--vm", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	n = read(p[0], out, len - 1);
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	out[n > 0 ? n : 0] = '\0';
	trim(out);
	if (!strcmp(out, "none"))
		out[0] = '\0';
}

bool machine_bpf_stats(void)
{
	char buf[16];

	return read_line_file("/proc/sys/kernel/bpf_stats_enabled", buf, sizeof(buf)) &&
	       strcmp(buf, "0") != 0;
}

void machine_describe(struct machine_desc *s)
{
	bool model = false, flags = false;
	struct utsname u;
	char *line = NULL, buf[256];
	size_t cap = 0;
	FILE *f;
	long n;

	memset(s, 0, sizeof(*s));
	if (uname(&u) == 0) {
		snprintf(s->kernel, sizeof(s->kernel), "%.64s %.62s", u.release, u.version);
		snprintf(s->release, sizeof(s->release), "%s", u.release);
		snprintf(s->arch, sizeof(s->arch), "%s", u.machine);
	}
	n = sysconf(_SC_NPROCESSORS_ONLN);
	s->ncpus = n > 0 ? (int)n : 0;
	s->virtualised = false;
	f = fopen("/proc/cpuinfo", "re");
	while (f && (!model || !flags) && getline(&line, &cap, f) > 0) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		*colon = '\0';
		trim(line);
		if (!model && (!strcmp(line, "model name") || !strcmp(line, "Model"))) {
			snprintf(s->cpu_model, sizeof(s->cpu_model), "%s", colon + 1);
			trim(s->cpu_model);
			model = true;
		} else if (!flags && !strcmp(line, "flags")) {
			char *save = NULL;

			for (char *t = strtok_r(colon + 1, " \t\n", &save); t;
			     t = strtok_r(NULL, " \t\n", &save))
				if (!strcmp(t, "hypervisor"))
					s->virtualised = true;
			flags = true;
		}
	}
	free(line);
	if (f)
		fclose(f);
	s->hypervisor[0] = '\0';
	cpuid_hypervisor(s->hypervisor, sizeof(s->hypervisor));
	if (!s->hypervisor[0] && read_line_file("/sys/hypervisor/type", buf, sizeof(buf)))
		snprintf(s->hypervisor, sizeof(s->hypervisor), "%.31s", buf);
	if (!s->hypervisor[0] && s->virtualised)
		detect_virt(s->hypervisor, sizeof(s->hypervisor));
	if (s->hypervisor[0])
		s->virtualised = true;
	s->bpf_stats = machine_bpf_stats();
}

// SPDX-License-Identifier: MIT
/*
 * bench-evm: libevm against raw epoll+eventfd, libev, libevent, libuv and
 * sd-event. Prints figures, never pass/fail.
 *
 * Ping-pong: for each pinning (same: A and B on CPU 0; cross: A on CPU 0,
 * B on CPU 1), rounds of one block per peer (warm-up, then --block round
 * trips recorded). The peer order rotates every round and the pinning order
 * alternates, so slow phases of a noisy machine hit every peer alike. The
 * ratio to raw epoll is the median, over rounds, of the paired ratio
 * (this block's median / epoll's block median in the same round and pinning).
 *
 * Timer churn: per peer, arm --timers one-shot timers with relative
 * timeouts drawn once (fixed seed) uniformly from 1..1000 ms, whole ms (libuv's
 * resolution) so that every peer gets the same table, then run the loop
 * until all fired. Reported: time to arm, time until the last fired, the
 * loop's CPU time and how often it blocked. Rounds rotate the peer order;
 * medians are reported; a peer whose run takes over TC_SLOW_NS runs once.
 *
 * The last line is "evm/epoll rtt ratio: X.XX" (libevm/epoll, same CPU).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench_evm.h"
#include "machine.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum { PIN_SAME, PIN_CROSS, PIN_N };
static const char *const pin_name[PIN_N] = { "same", "cross" };
/* CPU of thread B per pinning; A is always on CPU 0. */
static const int pin_cpu_b[PIN_N] = { 0, 1 };

static const struct pp_peer *const pp_all[] = {
	&pp_epoll, &pp_libevm, &pp_libev, &pp_libevent, &pp_libevent_active,
	&pp_libuv, &pp_sdevent,
};
static const struct tc_peer *const tc_all[] = {
	&tc_libevm, &tc_libevm_call, &tc_libevm_slack, &tc_libev, &tc_libevent, &tc_libuv, &tc_sdevent,
};

static struct {
	unsigned blocks;	/* rounds; every peer gets one block per round */
	unsigned block;		/* recorded round trips per block */
	unsigned warmup;	/* round trips per block before recording */
	unsigned timers;
	unsigned timer_rounds;
	bool all;		/* include libevent-active */
	const char *only;	/* comma-separated peer names, NULL: all */
	bool no_pp, no_tc;
} opt = {
	.blocks = 18,
	.block = 6000,
	.warmup = 100,
	.timers = 1000000,
	.timer_rounds = 3,
};

struct pp_row {
	const struct pp_peer *peer;
	uint64_t *samples;	/* blocks * block */
	double *block_med;	/* per round */
	unsigned done;		/* blocks completed */
	int err;
};

struct tc_row {
	const struct tc_peer *peer;
	double *arm_ns, *fire_ns, *cpu_ns, *sleeps;	/* per round */
	double *late50, *late99, *late_max;	/* per round: lateness quantiles, ns */
	double *base_lag;	/* per round: struct tc's base_lag, ns */
	uint64_t early;		/* timers fired before their deadline, all rounds */
	unsigned done;
	bool slow;		/* a run took over TC_SLOW_NS: run once only */
	int err;
};

#define TC_SLOW_NS (8 * 1000000000ull)

static unsigned n_pp;
static const struct pp_peer *pp_sel[ARRAY_SIZE(pp_all)];
static struct pp_row pp_rows[ARRAY_SIZE(pp_all)][PIN_N];
static unsigned n_tc;
static const struct tc_peer *tc_sel[ARRAY_SIZE(tc_all)];
static struct tc_row tc_rows[ARRAY_SIZE(tc_all)];
static int ncpus;

static volatile const char *watch_what;

/* SIGALRM: a peer hung (a lost wakeup); say which and give up. */
static void watchdog(int sig)
{
	static const char msg[] = "\nbench-evm: no progress for a minute or two in peer ";
	const char *what = (const char *)watch_what;
	ssize_t r;

	(void)sig;
	r = write(2, msg, sizeof(msg) - 1);
	if (what)
		r = write(2, what, strlen(what));
	r = write(2, "\n", 1);
	(void)r;
	_exit(3);
}

uint64_t bench_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t bench_thread_sleeps(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) < 0)
		return 0;
	return (uint64_t)ru.ru_nvcsw;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench-evm: %s: %s\n", what, strerror(err));
	exit(2);
}

static int pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) < 0 ? -errno : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The index of the nearest-rank quantile q of n sorted values (n > 0). */
static size_t q_rank(size_t n, double q)
{
	size_t k = (size_t)ceil(q * (double)n);

	return k ? k - 1 : 0;
}

static uint64_t q_u64(const uint64_t *v, size_t n, double q)
{
	return n ? v[q_rank(n, q)] : 0;
}

static double median_dbl(double *v, size_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_dbl);
	return n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double q_dbl_sorted(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;

	if (!n)
		return NAN;
	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

/* On a terminal: where we are, on one line. */
static void progress(const char *what, unsigned i, unsigned n)
{
	if (!isatty(2))
		return;
	fprintf(stderr, "\rbench-evm: %s %u/%u", what, i, n);
	if (i == n)
		fprintf(stderr, "\n");
}

/* ---- ping-pong ------------------------------------------------------------ */

struct pp_b {
	const struct pp_peer *peer;
	struct pp *pp;
	pthread_barrier_t ready;
	int err;
};

static void *pp_thread_b(void *arg)
{
	struct pp_b *b = arg;
	int err;

	err = b->peer->init(b->pp, PP_B);
	b->err = err;
	pthread_barrier_wait(&b->ready);
	if (err < 0)
		return NULL;
	/* fini(B) is left to the driver, after the join: A's last wakeup
	 * may still be returning from B's source when B sees pp->stop. */
	b->err = b->peer->run(PP_B);
	return NULL;
}

/* One block: warm-up, then opt.block recorded round trips into out. */
static int pp_block(const struct pp_peer *peer, int pin, uint64_t *out)
{
	struct pp pp = { .samples = out, .warmup = opt.warmup, .n = opt.block };
	struct pp_b b = { .peer = peer, .pp = &pp };
	pthread_attr_t attr;
	cpu_set_t set;
	pthread_t tb;
	int err, r;

	err = peer->init(&pp, PP_A);
	if (err < 0)
		return err;
	pthread_barrier_init(&b.ready, NULL, 2);
	pthread_attr_init(&attr);
	CPU_ZERO(&set);
	CPU_SET(pin_cpu_b[pin], &set);
	pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	r = pthread_create(&tb, &attr, pp_thread_b, &b);
	pthread_attr_destroy(&attr);
	if (r)
		die("pthread_create", r);
	pthread_barrier_wait(&b.ready);
	if (b.err < 0) {
		pthread_join(tb, NULL);
		err = b.err;
		goto out;
	}
	pp.last = bench_now_ns();
	err = peer->wake(PP_B);
	if (err >= 0)
		err = peer->run(PP_A);
	atomic_store_explicit(&pp.stop, 1, memory_order_release);
	r = peer->wake(PP_B);
	if (err >= 0 && r < 0)
		err = r;
	pthread_join(tb, NULL);
	peer->fini(PP_B);
	if (err >= 0 && b.err < 0)
		err = b.err;
	if (err >= 0 && pp.i != pp.warmup + pp.n)
		err = -EPROTO;
out:
	peer->fini(PP_A);
	pthread_barrier_destroy(&b.ready);
	return err;
}

static double block_median(const uint64_t *v, unsigned n)
{
	uint64_t *tmp = malloc(n * sizeof(*tmp));
	double m;

	if (!tmp)
		die("malloc", ENOMEM);
	memcpy(tmp, v, n * sizeof(*tmp));
	qsort(tmp, n, sizeof(*tmp), cmp_u64);
	m = n & 1 ? (double)tmp[n / 2] : ((double)tmp[n / 2 - 1] + (double)tmp[n / 2]) / 2;
	free(tmp);
	return m;
}

static void pp_run_all(void)
{
	unsigned npins = ncpus >= 2 ? PIN_N : 1;
	unsigned r, k, p, i;

	for (i = 0; i < n_pp; i++) {
		for (p = 0; p < PIN_N; p++) {
			struct pp_row *row = &pp_rows[i][p];

			row->peer = pp_sel[i];
			row->samples = calloc((size_t)opt.blocks * opt.block, sizeof(uint64_t));
			row->block_med = calloc(opt.blocks, sizeof(double));
			if (!row->samples || !row->block_med)
				die("calloc", ENOMEM);
		}
	}
	for (r = 0; r < opt.blocks; r++) {
		for (k = 0; k < npins; k++) {
			p = (r + k) % npins;
			for (i = 0; i < n_pp; i++) {
				struct pp_row *row = &pp_rows[(r + i) % n_pp][p];
				int err;

				if (row->err)
					continue;
				watch_what = row->peer->name;
				alarm(60);
				err = pp_block(row->peer, p,
					       row->samples + (size_t)row->done * opt.block);
				alarm(0);
				if (err < 0) {
					fprintf(stderr, "bench-evm: %s ping-pong (%s CPU) failed: %s\n",
						row->peer->name, pin_name[p], strerror(-err));
					row->err = err;
					continue;
				}
				row->block_med[r] = block_median(
					row->samples + (size_t)row->done * opt.block, opt.block);
				row->done++;
			}
		}
		progress("ping-pong round", r + 1, opt.blocks);
	}
}

/*
 * Median over rounds of row's block median / epoll's block median in the
 * same round and pinning; q25/q75 of the same ratios in *lo, *hi.
 */
static double pp_ratio(const struct pp_row *row, const struct pp_row *base,
		       double *lo, double *hi)
{
	double *v = calloc(opt.blocks, sizeof(double));
	unsigned r, n = 0;
	double m;

	if (!v)
		die("calloc", ENOMEM);
	if (!row->err && !base->err)
		for (r = 0; r < opt.blocks; r++)
			if (row->block_med[r] > 0 && base->block_med[r] > 0)
				v[n++] = row->block_med[r] / base->block_med[r];
	m = median_dbl(v, n);
	*lo = q_dbl_sorted(v, n, 0.25);
	*hi = q_dbl_sorted(v, n, 0.75);
	free(v);
	return m;
}

static double pp_report(void)
{
	unsigned npins = ncpus >= 2 ? PIN_N : 1;
	double evm_same = NAN;
	unsigned i, p;

	printf("\nping-pong round-trip time (A wakes B, B wakes A; ns)\n");
	printf("%-16s %-5s %8s %8s %8s %8s %7s %15s\n", "peer", "cpu", "trips",
	       "p50", "p90", "p99", "x epoll", "(q25..q75)");
	for (p = 0; p < npins; p++) {
		for (i = 0; i < n_pp; i++) {
			struct pp_row *row = &pp_rows[i][p];
			size_t n = (size_t)row->done * opt.block;
			double ratio, lo, hi;

			if (row->err && !row->done) {
				printf("%-16s %-5s failed: %s\n", row->peer->name,
				       pin_name[p], strerror(-row->err));
				continue;
			}
			qsort(row->samples, n, sizeof(uint64_t), cmp_u64);
			ratio = pp_ratio(row, &pp_rows[0][p], &lo, &hi);
			printf("%-16s %-5s %8zu %8llu %8llu %8llu %7.2f   (%5.2f..%5.2f)%s\n",
			       row->peer->name, pin_name[p], n,
			       (unsigned long long)q_u64(row->samples, n, 0.50),
			       (unsigned long long)q_u64(row->samples, n, 0.90),
			       (unsigned long long)q_u64(row->samples, n, 0.99),
			       ratio, lo, hi, row->err ? "  (incomplete)" : "");
			if (row->peer == &pp_libevm && p == PIN_SAME)
				evm_same = ratio;
		}
	}
	if (npins < PIN_N)
		printf("(cross-CPU rows skipped: only %d CPU online)\n", ncpus);
	return evm_same;
}

/* ---- timer churn ------------------------------------------------------------ */

static uint32_t *tc_table(unsigned n)
{
	uint32_t *v = malloc(n * sizeof(*v));
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned i;

	if (!v)
		die("malloc", ENOMEM);
	for (i = 0; i < n; i++) {
		/* xorshift64*: fixed seed, the same table every run */
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		v[i] = 1 + (uint32_t)(((x * 0x2545f4914f6cdd1dull) >> 32) % 1000);
	}
	return v;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void tc_run_all(void)
{
	uint32_t *table = tc_table(opt.timers);
	int64_t *late = malloc((size_t)opt.timers * sizeof(*late));
	unsigned n = n_tc;
	unsigned r, i;

	for (i = 0; i < n; i++) {
		tc_rows[i].peer = tc_sel[i];
		tc_rows[i].arm_ns = calloc(opt.timer_rounds, sizeof(double));
		tc_rows[i].fire_ns = calloc(opt.timer_rounds, sizeof(double));
		tc_rows[i].cpu_ns = calloc(opt.timer_rounds, sizeof(double));
		tc_rows[i].sleeps = calloc(opt.timer_rounds, sizeof(double));
		tc_rows[i].late50 = calloc(opt.timer_rounds, sizeof(double));
		tc_rows[i].late99 = calloc(opt.timer_rounds, sizeof(double));
		tc_rows[i].late_max = calloc(opt.timer_rounds, sizeof(double));
		tc_rows[i].base_lag = calloc(opt.timer_rounds, sizeof(double));
		if (!tc_rows[i].arm_ns || !tc_rows[i].fire_ns || !tc_rows[i].cpu_ns ||
		    !tc_rows[i].sleeps || !tc_rows[i].late50 || !tc_rows[i].late99 ||
		    !tc_rows[i].late_max || !tc_rows[i].base_lag || !late)
			die("calloc", ENOMEM);
	}
	for (r = 0; r < opt.timer_rounds; r++) {
		for (i = 0; i < n; i++) {
			struct tc_row *row = &tc_rows[(r + i) % n];
			struct tc t = { .timeout_ms = table, .n = opt.timers, .late = late };
			size_t k, early = 0;
			int err;

			/* A peer whose run takes over TC_SLOW_NS is not
			 * repeated: one run is enough to show it is slow,
			 * and the whole benchmark must stay short. */
			if (row->err || (row->done && row->slow))
				continue;
			watch_what = row->peer->name;
			/* fault the lateness array in now, not while firing */
			memset(late, 0, (size_t)opt.timers * sizeof(*late));
			alarm(120);
			err = row->peer->run(&t);
			alarm(0);
			if (err >= 0 && (t.fired != t.n || t.extra))
				err = -EPROTO;
			if (err < 0) {
				fprintf(stderr, "bench-evm: %s timers failed: %s\n",
					row->peer->name, strerror(-err));
				row->err = err;
				continue;
			}
			row->arm_ns[row->done] = (double)(t.t_arm1 - t.t_arm0);
			row->fire_ns[row->done] = (double)(t.t_last - t.t_arm0);
			row->cpu_ns[row->done] = (double)t.cpu_ns;
			row->sleeps[row->done] = (double)t.sleeps;
			qsort(late, t.n, sizeof(*late), cmp_i64);
			for (k = 0; k < t.n && late[k] < 0; k++)
				early++;
			row->early += early;
			row->late50[row->done] = (double)late[q_rank(t.n, 0.50)];
			row->late99[row->done] = (double)late[q_rank(t.n, 0.99)];
			row->late_max[row->done] = (double)late[t.n - 1];
			row->base_lag[row->done] = (double)t.base_lag;
			row->slow = t.t_last - t.t_arm0 > TC_SLOW_NS;
			row->done++;
		}
		progress("timer round", r + 1, opt.timer_rounds);
	}
	free(late);
	free(table);
}

static void tc_report(void)
{
	double evm_arm = NAN, evm_cpu = NAN;
	unsigned i;

	printf("\ntimer churn: %u one-shot timers, relative timeouts 1..1000 ms (uniform, whole ms,\n"
	       "fixed seed, same table for all), one thread on CPU 0; median of up to %u runs\n"
	       "(a peer whose run takes over %llu s runs once)\n",
	       opt.timers, opt.timer_rounds, TC_SLOW_NS / 1000000000ull);
	printf("  arm      time to create and arm all timers (watcher memory included)\n"
	       "  fired    from the first arm until the last timer fired: 1000 ms by design,\n"
	       "           plus the arm time where \"relative\" means from the clock at each\n"
	       "           add (libevent) or from one clock read after the arming (libevm-call)\n"
	       "           rather than from one \"now\" taken before arming (libevm, libev,\n"
	       "           libuv, sd-event here), plus any lateness\n"
	       "  loop cpu CPU time of the thread while the loop fired them (after arming)\n"
	       "  sleeps   times the loop blocked meanwhile (voluntary context switches)\n"
	       "  late     each callback's clock read minus the time its timer was due\n"
	       "           (the peer's own deadline: from its cached now, from the clock\n"
	       "           at the call, or from its one read after the arming: see the base\n"
	       "           line below), p50/p99/max in us, median of the runs\n"
	       "  early    callbacks before their deadline, all runs (must be 0)\n");
	printf("%-12s %4s %7s %8s %8s %8s %6s %5s %5s %8s %8s %8s %6s\n", "peer", "runs",
	       "arm ms", "ns/timer", "fired ms", "cpu ms", "sleeps", "arm x", "cpu x",
	       "late p50", "p99", "max", "early");
	for (i = 0; i < n_tc; i++) {
		struct tc_row *row = &tc_rows[i];
		double arm, fire, cpu, sleeps, l50, l99, lmax;

		if (!row->done) {
			printf("%-16s failed: %s\n", row->peer->name, strerror(-row->err));
			continue;
		}
		arm = median_dbl(row->arm_ns, row->done);
		fire = median_dbl(row->fire_ns, row->done);
		cpu = median_dbl(row->cpu_ns, row->done);
		sleeps = median_dbl(row->sleeps, row->done);
		l50 = median_dbl(row->late50, row->done);
		l99 = median_dbl(row->late99, row->done);
		lmax = median_dbl(row->late_max, row->done);
		if (row->peer == &tc_libevm) {
			evm_arm = arm;
			evm_cpu = cpu;
		}
		printf("%-12s %4u %7.1f %8.1f %8.1f %8.1f %6.0f %5.2f %5.2f %8.1f %8.1f %8.1f %6llu%s\n",
		       row->peer->name, row->done, arm / 1e6, arm / opt.timers,
		       fire / 1e6, cpu / 1e6, sleeps,
		       arm / evm_arm, cpu / evm_cpu, l50 / 1e3, l99 / 1e3, lmax / 1e3,
		       (unsigned long long)row->early, row->err ? "  (incomplete)" : "");
	}
	printf("(arm x, cpu x: relative to libevm; > 1 means slower than libevm)\n");
	for (i = 0; i < n_tc; i++) {
		struct tc_row *row = &tc_rows[i];
		double lag;

		if (!row->done || (lag = median_dbl(row->base_lag, row->done)) == 0)
			continue;
		printf("%s: its deadlines' base was read %.1f ms after its first arm (median):\n"
		       "  the first-armed timer is due that much later than asked from its call\n",
		       row->peer->name, lag / 1e6);
	}
}

/* ---- main ---------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench_evm [--blocks N] [--block N] [--warmup N] [--timers N]\n"
		"                 [--timer-rounds N] [--all] [--only LIST] [--no-pingpong]\n"
		"                 [--no-timers]\n"
		"  --blocks N        ping-pong rounds (one block per peer each), default %u\n"
		"  --block N         recorded round trips per block, default %u\n"
		"  --warmup N        unrecorded round trips per block, default %u\n"
		"  --timers N        timers per churn run, default %u\n"
		"  --timer-rounds N  churn runs per peer, default %u\n"
		"  --all             add libevent-active (event_active cross-thread)\n"
		"  --only LIST       only these peers, comma-separated (epoll always runs\n"
		"                    in ping-pong: the ratios need it)\n",
		opt.blocks, opt.block, opt.warmup, opt.timers, opt.timer_rounds);
}

/* Is name in the --only list? */
static bool selected(const char *name)
{
	size_t len = strlen(name);
	const char *p = opt.only;

	while (p && *p) {
		if (!strncmp(p, name, len) && (p[len] == ',' || !p[len]))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

static unsigned parse_u(const char *s, unsigned min)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > 100000000) {
		fprintf(stderr, "bench-evm: bad number '%s'\n", s);
		exit(2);
	}
	return (unsigned)v;
}

static void print_conditions(void)
{
	struct machine_desc m;
	unsigned i;

	machine_describe(&m);
	printf("bench-evm: kernel %s %s, %d CPUs online, virtualised: %s%s%s\n",
	       m.release, m.arch, ncpus, m.virtualised ? "yes" : "no",
	       m.hypervisor[0] ? " " : "", m.hypervisor);
	printf("  scheduling SCHED_OTHER; same = A and B on CPU 0, cross = A on CPU 0, B on CPU 1\n");
	if (!opt.no_pp) {
		printf("  ping-pong: %u rounds x %u recorded round trips per peer and pinning"
		       " (+%u warm-up per block),\n"
		       "  peer order rotating per round; one clock read per round trip\n",
		       opt.blocks, opt.block, opt.warmup);
		for (i = 0; i < n_pp; i++)
			printf("    %-16s %s\n", pp_sel[i]->name, pp_sel[i]->how);
	}
	if (!opt.no_tc)
		for (i = 0; i < n_tc; i++)
			printf("  timers %-16s %s\n", tc_sel[i]->name, tc_sel[i]->how);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "blocks", required_argument, NULL, 'b' },
		{ "block", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "timers", required_argument, NULL, 't' },
		{ "timer-rounds", required_argument, NULL, 'r' },
		{ "all", no_argument, NULL, 'a' },
		{ "only", required_argument, NULL, 'o' },
		{ "no-pingpong", no_argument, NULL, 'P' },
		{ "no-timers", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	double ratio = NAN;
	unsigned i;
	int c, err;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'b': opt.blocks = parse_u(optarg, 1); break;
		case 'n': opt.block = parse_u(optarg, 1); break;
		case 'w': opt.warmup = parse_u(optarg, 0); break;
		case 't': opt.timers = parse_u(optarg, 1); break;
		case 'r': opt.timer_rounds = parse_u(optarg, 1); break;
		case 'a': opt.all = true; break;
		case 'o': opt.only = optarg; break;
		case 'P': opt.no_pp = true; break;
		case 'T': opt.no_tc = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	/* epoll always runs: it is what the ratios are taken against. */
	for (i = 0; i < ARRAY_SIZE(pp_all); i++)
		if (pp_all[i] == &pp_epoll ||
		    (opt.only ? selected(pp_all[i]->name) :
		     opt.all || pp_all[i] != &pp_libevent_active))
			pp_sel[n_pp++] = pp_all[i];
	for (i = 0; i < ARRAY_SIZE(tc_all); i++)
		if (!opt.only || selected(tc_all[i]->name))
			tc_sel[n_tc++] = tc_all[i];

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, watchdog);
	ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	err = pin_self(0);
	if (err < 0)
		die("pin to CPU 0", -err);
	print_conditions();

	if (!opt.no_pp)
		pp_run_all();
	if (!opt.no_tc)
		tc_run_all();
	if (!opt.no_pp)
		ratio = pp_report();
	if (!opt.no_tc)
		tc_report();
	if (opt.no_pp || (opt.only && !selected(pp_libevm.name)))
		return 0;
	if (isnan(ratio)) {
		/* libevm's ping-pong failed: no figure to give */
		printf("evm/epoll rtt ratio: n/a\n");
		return 1;
	}
	printf("evm/epoll rtt ratio: %.2f\n", ratio);
	return 0;
}

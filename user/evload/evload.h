/* SPDX-License-Identifier: MIT */
/*
 * evload: workloads that drive each event channel through libevm and measure
 * its latency from user space.
 *
 * Layout
 *   main.c          the CLI (argp), validation, the report (text and JSON)
 *   common.c        the harness shared by every sender/receiver mechanism:
 *                   shared memory, stamps, pinning, policy, the two sides as
 *                   threads or processes, the patterns, timeouts, accounting
 *   sigcommon.c     what the three signal mechanisms share: names, the reply
 *                   signal, the four send calls, the sequence of a siginfo
 *   mech_signal.c   classic handler (libevm handler source)
 *   mech_sigwait.c  sigtimedwait, no event loop
 *   mech_signalfd.c libevm signal source
 *   mech_eventfd.c  libevm notify source
 *   mech_pipe.c     a pipe read through a libevm io source (the baseline)
 *   mech_timerfd.c  a libevm timer owning its timerfd (no sender: lateness)
 *   daemon.c        the integrated service loop
 *
 * The two sides
 *   Side A (EV_A) sends the measured events; side B (EV_B) receives them. In a
 *   ping-pong, B answers every event through the same mechanism (direction 1)
 *   and A receives the answers. With --threads A is the main thread and B a
 *   thread; with --processes A is the parent and B a forked child.
 *
 * Only counted events travel through the measured mechanism. Start-up, the
 * end of the traffic, flow control and errors go through struct ev_shared
 * (atomics in a MAP_SHARED mapping), polled with short timeouts.
 */
#ifndef EVLOAD_H
#define EVLOAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "evm.h"
#include "hist.h"
#include "mech.h"

enum ev_pattern { EV_PINGPONG, EV_ONEWAY, EV_FLOOD };
enum ev_pin { EV_PIN_SAME, EV_PIN_CROSS, EV_PIN_NONE };
enum ev_send { EV_SEND_KILL, EV_SEND_TGKILL, EV_SEND_SIGQUEUE, EV_SEND_PIDFD };

enum { EV_A = 0, EV_B = 1 };

/* Bounds of the settings (main.c refuses anything beyond them): a count or
 * a number of jobs far past what a run can do in a day, yet whose double
 * (a ping-pong's events) and sums stay far from 2^64. */
#define EV_MAX_COUNT UINT64_C(1000000000000)
#define EV_MAX_WORKERS 64
#define EV_MAX_DURATION_NS UINT64_C(1000000000000000000)  /* any duration */
/* --delay and --timeout: an hour at most (the daemon blocks SIGTERM through
 * its delay, and a stall is a failure long before). */
#define EV_MAX_DELAY_NS UINT64_C(3600000000000)
/* A daemon job is at most 1 s of work (a shutdown drains the jobs in
 * flight: it waits that long at most), its stats tick 1 ms to 1 h. */
#define EV_MAX_JOB_NS UINT64_C(1000000000)
#define EV_MIN_TICK_NS UINT64_C(1000000)
#define EV_MAX_TICK_NS UINT64_C(3600000000000)

#define EV_NSEC_PER_SEC UINT64_C(1000000000)
#define EV_NSEC_PER_MS UINT64_C(1000000)
#define EV_NSEC_PER_US UINT64_C(1000)

/* The settings, as parsed and resolved by main.c. */
struct ev_opts {
	enum mech kind;         /* KIND: user/shared/mech.h */
	enum ev_pattern pattern;
	bool pattern_set;
	uint64_t count;         /* round trips (pingpong), events, expirations;
				 * 0 when --duration is used */
	uint64_t duration_ns;
	bool processes;
	enum ev_pin pin;
	int cpu[2];             /* CPU of side A and B, -1: not pinned */
	int policy;             /* SCHED_OTHER or SCHED_FIFO */
	int prio;
	bool json;
	uint64_t delay_ns;      /* --delay: pause before the traffic */
	uint64_t timeout_ns;    /* --timeout: no progress for this long = failure */
	uint64_t interval_ns;   /* timerfd period; oneway/pingpong pause */
	bool interval_set;
	unsigned window;        /* flood: events in flight at most */

	/* signal, sigwait, signalfd */
	int signo;              /* A -> B */
	int reply_signo;        /* B -> A (ping-pong answers) */
	enum ev_send send;

	/* eventfd */
	bool semaphore;

	/* timerfd */
	bool oneshot;
	bool absolute;
	clockid_t clock;

	/* daemon */
	uint64_t jobs;          /* at most EV_MAX_COUNT */
	unsigned workers;       /* at most EV_MAX_WORKERS */
	uint64_t job_ns;        /* work per job */
	uint64_t tick_ns;       /* stats timer period */
	const char *config;     /* settings file reloaded on SIGHUP */
};

/* Stamps per direction: seq % EV_RING. Flow control keeps the sender less
 * than opts.window (< EV_RING) events ahead of the receiver. */
#define EV_RING (1u << 14)
#define EV_SEQ_NONE UINT64_MAX

/* One direction of traffic, in shared memory. The sender writes stamp[] and
 * the tx counters, the receiver everything else. */
struct ev_dir {
	_Atomic uint64_t stamped;   /* seqs < stamped have their stamp written */
	_Atomic uint64_t sent;      /* send calls that returned success */
	_Atomic uint64_t consumed;  /* events the receiver accounted for */
	uint64_t received;          /* callbacks (deliveries) */
	uint64_t coalesced;         /* events merged into another delivery */
	uint64_t lost;
	uint64_t unmatched;         /* deliveries that fit no sent event */
	uint64_t send_again;        /* send calls refused with EAGAIN, retried */
	struct loghist hist;        /* one-way latency, ns */
	uint64_t stamp[EV_RING];    /* CLOCK_MONOTONIC just before the send */
};

struct ev_sideinfo {
	pid_t pid, tid;
	int cpu;                    /* pinned CPU or -1 */
	int fd;                     /* an fd the peer may fetch (pidfd_getfd) */
	uint64_t cpu_ns;            /* thread CPU time over the traffic */
	char err[256];              /* why this side failed ("" if it did not) */
};

struct ev_shared {
	_Atomic int ready[2];       /* side initialised, waiting for go */
	_Atomic int go;             /* traffic may start */
	_Atomic int done;           /* A sent its last event (dir[*].sent final) */
	_Atomic int abort;          /* a side failed: everyone stops */
	_Atomic int finished[2];    /* side finished its part (1 ok, 2 failed) */
	uint64_t t_start, t_end;    /* traffic, CLOCK_MONOTONIC: go, A's end */
	uint64_t t_last_rx;         /* B's last delivery */
	uint64_t rounds;            /* ping-pong round trips completed */
	struct ev_sideinfo side[2];
	struct ev_dir dir[2];
};

struct ev_run;

/* One end of the traffic, in its own thread or process. */
struct ev_side {
	struct ev_run *run;
	int id;                     /* EV_A or EV_B */
	struct ev_dir *rx, *tx;     /* what this side receives / sends */
	uint64_t rx_next;           /* oldest event not yet accounted for */
	uint64_t deliveries;        /* == rx->received, local copy */
	uint64_t t_last_rx;         /* stamp of the last delivery */
	evm_loop *loop;             /* NULL for mechanisms without one */
	pid_t peer_pid, peer_tid;
	int peer_pidfd;             /* -1 unless needed */
	int rx_signo, tx_signo;     /* signal mechanisms */
	int fd[2];                  /* mechanism's fds (own end, peer's end) */
	evm_source *src;            /* the receiving source */
	evm_source *peer_src;       /* the peer's source, threads only */
	void *priv;
};

/* A receives only the answers of a ping-pong; B always receives. B sends
 * only those answers; A always sends. */
#define ev_side_receives(s) ((s)->id == EV_B || (s)->run->o->pattern == EV_PINGPONG)
#define ev_side_sends(s) ((s)->id == EV_A || (s)->run->o->pattern == EV_PINGPONG)

/* A mechanism with a sender and a receiver (every kind but timerfd, daemon). */
struct ev_mech {
	enum mech kind;
	/* true when deliveries merge without the receiver seeing how many
	 * (standard signals): the shortfall is counted as coalesced at the end. */
	bool (*merges_silently)(const struct ev_opts *o);
	/* Before the sides start, in the parent (e.g. pipes). Optional. */
	int (*setup)(struct ev_run *r);
	/* In the side's own thread or process, before "ready". */
	int (*init)(struct ev_side *s);
	/* After both sides are ready (peer fds, pidfds). Optional. */
	int (*connect)(struct ev_side *s);
	/* Sends event seq to the peer: exactly one syscall of the mechanism. */
	int (*send)(struct ev_side *s, uint64_t seq);
	/* Waits at most timeout_ms, dispatching what arrived through ev_rx().
	 * >= 0 number of deliveries, < 0 a negative errno. */
	int (*wait)(struct ev_side *s, int timeout_ms);
	void (*fini)(struct ev_side *s);
	/* A line of mechanism settings for the JSON "settings" object. */
	void (*settings)(const struct ev_run *r, struct json_object *settings);
};

struct ev_run {
	struct ev_opts *o;
	const struct ev_mech *m;
	bool merges;                /* m->merges_silently(o) */
	struct ev_shared *sh;
	struct ev_side side[2];
	pthread_t thread;           /* B with --threads */
	pid_t child;                /* B with --processes */
	int child_status;           /* when reaped early */
	bool child_reaped;
	bool child_killed;          /* by A, after B stalled */
	pid_t parent;               /* A's pid, for B's liveness checks */
	int fd[4];                  /* created by setup, before fork */
	void *priv;
};

/* ---- common.c ------------------------------------------------------------ */

uint64_t ev_now(void);                  /* CLOCK_MONOTONIC ns */
uint64_t ev_clock_ns(clockid_t clock);
void ev_sleep_ns(uint64_t ns);
pid_t ev_gettid(void);
int ev_ms_left(uint64_t deadline, int cap_ms);

/* Records why this side failed (first message wins) and asks all to stop. */
int ev_fail(struct ev_side *s, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Pinning and policy of the calling thread. One line in err on failure. */
int ev_pin_self(int cpu, char *err, size_t len);
int ev_policy_self(const struct ev_opts *o, char *err, size_t len);
/* CPUs this process may run on, in order: count, and the first two. */
int ev_allowed_cpus(int *first, int *second);

/* Called by the mechanism at callback entry (stamp t = ev_now() first).
 * seq: the event's sequence number when the delivery carries it (sigqueue
 * payload, pipe message), else EV_SEQ_NONE for the oldest not yet accounted.
 * n: events this delivery stands for (eventfd counter value; 1 otherwise);
 * the n - 1 others count as coalesced. Latency is attributed to the oldest
 * event of the delivery. */
void ev_rx(struct ev_side *s, uint64_t seq, uint64_t n, uint64_t t);

/* A libevm loop for a side that receives (s->loop stays NULL otherwise). */
int ev_side_loop(struct ev_side *s);
/* The wait of mechanisms received through a libevm loop. */
int ev_loop_wait(struct ev_side *s, int timeout_ms);
/* An fd the peer published in its ev_sideinfo, usable here: the same
 * number with --threads, a copy (pidfd_getfd) with --processes. */
int ev_peer_fd(struct ev_side *s);

/* "1.5", "250ms", "100 us", "2s", "500ns": *ns. A bare number is in
 * def_unit ns. -EINVAL when s is no duration, -ERANGE past
 * EV_MAX_DURATION_NS (negative, NaN and infinite are no duration). */
int ev_parse_duration(const char *s, uint64_t def_unit, uint64_t *ns);

/* Runs the traffic of a sender/receiver mechanism; fills r->sh. 0 or a
 * negative errno (the message is in r->sh->side[*].err). */
int ev_run_traffic(struct ev_run *r);

/* ---- sigcommon.c --------------------------------------------------------- */

/* SIGUSR1, USR1, SIGRTMIN+3, RTMIN+3, SIGRTMAX-1, 10: the number, or -1
 * (SIGKILL, SIGSTOP, glibc's reserved RT signals and out of range too). */
int ev_signal_parse(const char *s, char *err, size_t len);
const char *ev_signal_name(int signo, char *buf, size_t len);
int ev_signal_reply(int signo);
extern const char *const ev_send_names[4];   /* by enum ev_send */
bool ev_signal_merges(const struct ev_opts *o);
/* Sets the signals a side receives and sends. */
void ev_signal_sides(struct ev_side *s);
/* For --send pidfd, opens the peer's pidfd. */
int ev_signal_connect(struct ev_side *s);
int ev_signal_send(struct ev_side *s, uint64_t seq);
/* The sequence carried by a delivery, or EV_SEQ_NONE. */
uint64_t ev_signal_seq(const struct ev_side *s, int code, uint64_t value);
void ev_signal_settings(const struct ev_run *r, struct json_object *settings);

/* The three signal mechanisms differ only in how the receiver takes it. */
#define EV_SIGNAL_MECH(k, init_fn, wait_fn, fini_fn) {		\
	.kind = (k),						\
	.merges_silently = ev_signal_merges,			\
	.init = (init_fn),					\
	.connect = ev_signal_connect,				\
	.send = ev_signal_send,					\
	.wait = (wait_fn),					\
	.fini = (fini_fn),					\
	.settings = ev_signal_settings,				\
}

extern const struct ev_mech ev_mech_signal, ev_mech_sigwait, ev_mech_signalfd,
	ev_mech_eventfd, ev_mech_pipe;

static inline const char *ev_mech_name(const struct ev_mech *m)
{
	return mech_table[m->kind].name;
}

/* ---- timerfd, daemon ---------------------------------------------------- */

struct ev_result;
int ev_timerfd_run(const struct ev_opts *o, struct ev_result *res);
int ev_daemon_run(const struct ev_opts *o, struct ev_result *res);

/* The daemon's settings file: job_time = DURATION and tick = DURATION lines
 * (bare numbers in us and ms, as --job-time and --tick take them), blank
 * lines and # comments. A regular file of at most EV_CONFIG_MAX bytes, every
 * line understood and every value in range: the values found replace
 * *job_ns and *tick_ns and 0 is returned; otherwise neither changes, err
 * holds one line naming the file (and the line) and a negative errno is
 * returned. */
#define EV_CONFIG_MAX 65536
int ev_config_read(const char *path, uint64_t *job_ns, uint64_t *tick_ns, char *err,
		   size_t errlen);

/* What main.c reports for timerfd and daemon (the sender/receiver kinds
 * report from struct ev_shared). */
struct ev_result {
	pid_t pid, tid;
	uint64_t sent, received, coalesced, lost;
	struct loghist hist;
	uint64_t t_start, t_end;
	uint64_t cpu_ns;
	struct json_object *extra;  /* kind-specific fields, merged at the top */
	struct json_object *settings; /* kind-specific settings */
	char err[256];
};

#endif /* EVLOAD_H */

/* SPDX-License-Identifier: MIT */
/*
 * libevm: the integrated event manager.
 *
 * One epoll loop that unifies the Linux event channels:
 *
 *   io       any file descriptor, any epoll events
 *   timer    a heap of timers per clock (scales to millions): CLOCK_MONOTONIC
 *            is waited for with epoll_pwait2's nanosecond timeout (no
 *            timerfd, one system call per iteration), the other clocks on
 *            one timerfd each; or a timer that owns a dedicated timerfd
 *   signal   signalfd: the callback gets the whole signalfd_siginfo
 *   handler  a classic sigaction(SA_SIGINFO) handler that forwards the
 *            siginfo to the loop through an eventfd
 *   notify   eventfd: any thread or signal handler posts, the loop reads
 *   defer    runs on every iteration before the loop blocks (while enabled)
 *   exit     runs once when the loop is asked to exit
 *
 * Conventions
 *   - Every call that can fail returns a negative errno value; 0 or a
 *     positive value on success. EINTR never escapes: it is retried.
 *   - Sources belong to their loop. evm_source_free() removes one early (safe
 *     from inside any callback, including its own); evm_loop_free() frees
 *     every source that is left. A NULL ret in evm_add_*() is allowed: the
 *     source then lives until the loop is freed.
 *   - A callback returning a negative value makes evm_loop_run() return that
 *     value (the loop stops); 0 or positive means carry on.
 *   - A loop is used by one thread. The only calls that are safe from any
 *     thread, or from a signal handler, are evm_notify_post() and
 *     evm_loop_exit_async() (the source or loop must outlive such calls).
 *   - Not from inside a callback: evm_loop_run()/evm_loop_run_once() of the
 *     same loop (-EBUSY) and evm_loop_free() of the loop (refused: EBUSY;
 *     also in a child that forked inside a callback: its copy of the
 *     iteration is under way too).
 *   - After fork(), every call on a loop inherited from the parent fails with
 *     -ECHILD (evm_loop_free() in the child releases the memory without
 *     touching the parent's kernel objects).
 *
 * Signal-mask rules
 *   - signalfd sources (evm_add_signal) only see signals that are blocked in
 *     every thread of the process, otherwise another thread may take the
 *     signal by its default action or handler. Block them with
 *     evm_signals_block() in the main thread *before* any thread starts (the
 *     mask is inherited). evm_add_signal() refuses, with -EINVAL and a message
 *     in evm_loop_error(), a signal that is not blocked in the calling thread.
 *   - handler sources (evm_add_handler) install a process-wide sigaction for
 *     the signal; the signal must not be blocked where it should be taken.
 *     The handler itself only does async-signal-safe work.
 *   - Standard signals coalesce in the kernel (one pending instance), RT
 *     signals queue: callbacks are called once per delivered siginfo, never
 *     for invented instances.
 *
 * Observability
 *   USDT probes (provider "evm") at dispatch_begin and dispatch_end carry
 *   (kind, fd, wake_ns): the source kind (enum evm_source_kind), the fd that
 *   became ready and the CLOCK_MONOTONIC time at which the loop's epoll_wait
 *   returned, so a tracer can measure "left the syscall -> callback ran".
 *   Argument types: int, int, uint64_t. The probes have semaphores
 *   (evm_dispatch_begin_semaphore, evm_dispatch_end_semaphore): the loop
 *   reads the clock at wake-up only while a tracer is attached (libbpf's
 *   bpf_program__attach_usdt and bpftrace raise them). Defer and exit hooks,
 *   and timers on the waited monotonic clock (no fd became ready: the wait
 *   timed out), fire the probes with fd -1 and the wake_ns of the last
 *   wake-up.
 *
 *   A third probe, trace_slot (slot address, seq, start_seq), lets a tracer
 *   time dispatches without a trap per event: while its semaphore is raised,
 *   each thread writes a ring of its latest dispatch begins (CLOCK_MONOTONIC
 *   ns, kind, fd; layout in evm-private.h and bpf/evtrace.h) and announces
 *   the ring's address through the probe now and then (after attach, fork or
 *   an idle spell); the tracer reads the ring at the thread's next syscall.
 *
 * Example
 *
 *	static int on_tick(evm_source *s, uint64_t expirations, int error, void *ud)
 *	{
 *		printf("tick x%" PRIu64 "\n", expirations);
 *		return 0;
 *	}
 *
 *	static int on_term(evm_source *s, const struct signalfd_siginfo *si, void *ud)
 *	{
 *		return evm_loop_exit(evm_source_get_loop(s), 0);
 *	}
 *
 *	int main(void)
 *	{
 *		evm_loop *l;
 *		int r;
 *
 *		evm_signals_block_many(SIGTERM, SIGINT, 0); // before any thread
 *		if ((r = evm_loop_new(&l)) < 0)
 *			return 1;
 *		evm_add_timer(l, NULL, CLOCK_MONOTONIC, 100000000, 100000000, 0,
 *			      on_tick, NULL);
 *		evm_add_signal(l, NULL, SIGTERM, on_term, NULL);
 *		evm_add_signal(l, NULL, SIGINT, on_term, NULL);
 *		r = evm_loop_run(l);
 *		if (r < 0)
 *			fprintf(stderr, "%s: %s\n", strerror(-r), evm_loop_error(l));
 *		evm_loop_free(l);
 *		return r < 0;
 *	}
 *
 * Build: cc app.c $(pkg-config --cflags --libs libevm)
 */
#ifndef EVM_H
#define EVM_H

#include <signal.h>
#include <stdint.h>
#include <sys/signalfd.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct evm_loop evm_loop;
typedef struct evm_source evm_source;

enum evm_source_kind {
	EVM_SOURCE_IO = 1,
	EVM_SOURCE_TIMER = 2,
	EVM_SOURCE_SIGNAL = 3,  /* signalfd */
	EVM_SOURCE_HANDLER = 4, /* classic handler */
	EVM_SOURCE_NOTIFY = 5,  /* eventfd */
	EVM_SOURCE_DEFER = 6,
	EVM_SOURCE_EXIT = 7,
};

enum evm_enabled {
	EVM_OFF = 0,
	EVM_ON = 1,
	EVM_ONESHOT = 2, /* dispatched once, then EVM_OFF */
};

/* ---- loop ---------------------------------------------------------------- */

int evm_loop_new(evm_loop **ret);
/* Frees the loop and every source left in it. NULL is allowed. Returns NULL.
 * From inside one of the loop's own callbacks (where evm_loop_run_once()
 * fails with -EBUSY) it frees nothing: it returns l, still valid, with errno
 * set to EBUSY and the reason in evm_loop_error(); free it once run returns
 * (evm_loop_exit() first). */
evm_loop *evm_loop_free(evm_loop *l);
/* Runs until evm_loop_exit(); returns the exit code, or a negative errno. */
int evm_loop_run(evm_loop *l);
/* One iteration: runs the enabled defer hooks, waits at most timeout_ns
 * nanoseconds, the unit of the timers (negative: no limit; 0: poll, and 0
 * as well while a defer is enabled or an exit is pending), dispatches what
 * is ready. If an exit was requested, the exit
 * hooks run at the end of that iteration (so they run for an embedded loop
 * too). Returns the number of sources dispatched (defer hooks
 * included), or a negative errno (a callback's negative return included). */
int evm_loop_run_once(evm_loop *l, int64_t timeout_ns);
/* Asks the loop to exit with code (>= 0); exit sources run, then run()
 * returns code. From the loop's own thread. The loop may be run again
 * afterwards. */
int evm_loop_exit(evm_loop *l, int code);
/* The same, from any thread or a signal handler (async-signal-safe). */
int evm_loop_exit_async(evm_loop *l, int code);
/* The epoll fd, to embed this loop in another: when it is readable, call
 * evm_loop_run_once(l, 0). */
int evm_loop_get_fd(const evm_loop *l);
/* The time the current iteration woke up, cached (CLOCK_MONOTONIC ns
 * and the given clock), as sd-event's sd_event_now(). Before the first
 * iteration: the time of the call. Between two iterations: the time the
 * last one woke up.
 * Clocks: CLOCK_MONOTONIC, CLOCK_REALTIME(_ALARM), CLOCK_BOOTTIME(_ALARM),
 * CLOCK_TAI; others -EINVAL. Each clock is read once per iteration:
 * at wake-up while a USDT probe is attached, otherwise (to keep the
 * hot path at one epoll_wait and one read) at the first use in the
 * iteration, typically the first callback (or the loop's own check for
 * due timers). Every later call in the same iteration returns the same
 * value.
 *
 * The cached-now option for timers: evm_add_timer(l, .., clock,
 * now + value_ns, .., EVM_TIMER_ABSOLUTE, ..) with now from this call
 * arms relative to the time the iteration woke up (libev's ev_now, sd-event's
 * sd_event_now + usec): every timer armed in one iteration (or before the
 * first, from one call) shares that base. The timer fires value_ns after
 * that time, which is earlier than value_ns after the call by however long
 * the iteration has run so far. The default (relative value_ns, no flag)
 * is never earlier than value_ns after the call (evm_add_timer). */
int evm_loop_now(evm_loop *l, clockid_t clock, uint64_t *ret_ns);
/* Timer slack for the shared (heap) timers of this loop: a timer may fire up
 * to slack_ns late, never early, so that timers due within the same
 * slack-aligned window share one wakeup. 0 (the default): the loop waits
 * for the earliest timer exactly; on the waited monotonic clock the kernel
 * ends that wait within its own timer slack (50 us for a normal thread, or
 * 0.1% of the wait when that is more, as for any epoll_wait timeout), so
 * dense timers share wakeups anyway; a timerfd clock fires each distinct
 * expiry on time, at the price of a wakeup each when timers are dense.
 * 1 ms of slack: about a thousand wakeups a second at most, the
 * granularity libev, libuv and libevent always have. Dedicated timers are
 * never affected. At most 1 s. */
int evm_loop_set_timer_slack(evm_loop *l, uint64_t slack_ns);
/* A human explanation of the last failure of a call on this loop ("" if none). */
const char *evm_loop_error(const evm_loop *l);

/* ---- sources, common ------------------------------------------------------- */

/* Removes and frees a source. Safe inside callbacks (its own included; a
 * source freed while others of the same iteration are pending is not called
 * again). NULL allowed. Returns NULL. */
evm_source *evm_source_free(evm_source *s);
int evm_source_set_enabled(evm_source *s, enum evm_enabled mode);
int evm_source_get_enabled(const evm_source *s);
/* (enum evm_source_kind)-EINVAL for NULL. */
enum evm_source_kind evm_source_get_kind(const evm_source *s);
void *evm_source_get_userdata(const evm_source *s);
evm_loop *evm_source_get_loop(const evm_source *s);
/* The fd behind the source (io: the user's fd; timer: its timerfd, shared
 * unless dedicated, or the loop's epoll fd for a monotonic timer waited
 * through epoll_pwait2; signal: the signalfd; handler, notify: the
 * eventfd), or a negative errno for sources without one. */
int evm_source_get_fd(const evm_source *s);

/* ---- io ------------------------------------------------------------------- */

typedef int (*evm_io_cb)(evm_source *s, int fd, uint32_t revents, void *userdata);
/* events: EPOLLIN, EPOLLOUT, EPOLLPRI, EPOLLRDHUP, EPOLLET, ... The loop does
 * not own fd (it never closes it). EPOLLONESHOT and EPOLLEXCLUSIVE: -EINVAL
 * (use evm_source_set_enabled(s, EVM_ONESHOT)). fd not open: -EBADF; fd
 * that epoll cannot watch (a regular file): -EPERM; fd already watched by
 * this loop: -EEXIST. */
int evm_add_io(evm_loop *l, evm_source **ret, int fd, uint32_t events,
	       evm_io_cb cb, void *userdata);
int evm_io_set_events(evm_source *s, uint32_t events);

/* ---- timer ---------------------------------------------------------------- */

enum evm_timer_flags {
	EVM_TIMER_ABSOLUTE = 1 << 0,   /* value_ns is an absolute time on the clock */
	EVM_TIMER_DEDICATED = 1 << 1,  /* the timer owns its own timerfd */
	EVM_TIMER_CANCEL_ON_SET = 1 << 2, /* CLOCK_REALTIME(_ALARM) + ABSOLUTE only;
					   * implies DEDICATED; the callback gets
					   * error == -ECANCELED on a clock change */
};

/* expirations >= 1: how many periods elapsed since the last callback
 * (> 1 means overruns, never hidden). error is 0, or -ECANCELED (then
 * expirations is 0: the clock was set; the timer stays armed for the same
 * absolute time). */
typedef int (*evm_timer_cb)(evm_source *s, uint64_t expirations, int error,
			    void *userdata);
/* clock: CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME, CLOCK_REALTIME_ALARM,
 * CLOCK_BOOTTIME_ALARM (the alarm clocks need CAP_WAKE_ALARM: -EPERM).
 * value_ns: first expiry (relative to now, or absolute), > 0.
 * interval_ns: period, 0 for one-shot (a one-shot timer is EVM_OFF after it
 * fired; re-arm it with evm_timer_set()), at most 2^62 ns (2^62 included).
 * Out-of-range values, unknown flags, CANCEL_ON_SET without ABSOLUTE on a
 * realtime clock: -EINVAL.
 * A timer never fires before its time: relative, value_ns after the clock
 * at the call; absolute, at value_ns (for the cached now, see
 * evm_loop_now()).
 * Relative shared timers (value_ns up to 2^62) cost no clock read each:
 * their base is one read of the clock taken after the call, once for all
 * the timers armed since the last one: when the loop next waits (before
 * it blocks or polls), or earlier when one of them is read back
 * (evm_timer_get_next), moved (evm_timer_set absolute, disabled) or
 * freed. So such a timer fires value_ns after that read: never early,
 * and late by the time from the call to the loop's next wait (the rest
 * of the callback that armed it; after a batch of a million arms, the
 * rest of the batch). For a deadline from the very instant of the call,
 * read the clock and arm absolute (clock_gettime() + value_ns,
 * EVM_TIMER_ABSOLUTE); dedicated timers read the clock at the call.
 * Shared CLOCK_MONOTONIC timers have no timerfd where the
 * kernel has epoll_pwait2 (Linux 5.11; probed once): evm_source_get_fd()
 * then returns the loop's epoll fd. With EVM_NO_EPOLL_PWAIT2 set (and not
 * "0") in the environment when a loop is created, that loop uses a timerfd
 * for them as on older kernels (for tests and comparisons). */
int evm_add_timer(evm_loop *l, evm_source **ret, clockid_t clock,
		  uint64_t value_ns, uint64_t interval_ns, unsigned flags,
		  evm_timer_cb cb, void *userdata);
/* Re-arms (and enables) a timer; flags as for evm_add_timer except that
 * DEDICATED and CANCEL_ON_SET cannot change (those bits are ignored: the
 * timer keeps what it was created with). */
int evm_timer_set(evm_source *s, uint64_t value_ns, uint64_t interval_ns,
		  unsigned flags);
/* The absolute expiry (on the timer's clock) the timer is armed for next
 * (for a one-shot timer that fired: the time it was armed for). */
int evm_timer_get_next(const evm_source *s, uint64_t *ret_ns);

/* ---- signalfd ------------------------------------------------------------- */

typedef int (*evm_signal_cb)(evm_source *s, const struct signalfd_siginfo *si,
			     void *userdata);
/* signo must be blocked in the calling thread (see the rules above): otherwise
 * -EINVAL. A signal already watched by a signal or handler source in this
 * loop: -EBUSY. SIGKILL, SIGSTOP or out of range: -EINVAL. */
int evm_add_signal(evm_loop *l, evm_source **ret, int signo,
		   evm_signal_cb cb, void *userdata);
/* Blocks sigs in the calling thread (to be called before threads start). */
int evm_signals_block(const sigset_t *sigs);
/* Convenience: blocks the listed signals, terminated by 0. */
int evm_signals_block_many(int signo, ...);

/* ---- classic handler ----------------------------------------------------- */

typedef int (*evm_handler_cb)(evm_source *s, const siginfo_t *si, void *userdata);
/* Installs a SA_SIGINFO handler for signo (process-wide; one handler source
 * per signal in the process: -EBUSY otherwise). The handler copies the
 * siginfo into a lock-free queue (256 entries) and posts the source's
 * eventfd. If the queue is full the siginfo is dropped and counted
 * (evm_handler_get_dropped()). Freeing the source restores the disposition
 * that was there before; so does fork() in the child. */
int evm_add_handler(evm_loop *l, evm_source **ret, int signo,
		    evm_handler_cb cb, void *userdata);
uint64_t evm_handler_get_dropped(const evm_source *s);

/* ---- notify (eventfd) ---------------------------------------------------- */

enum evm_notify_flags {
	EVM_NOTIFY_SEMAPHORE = 1 << 0, /* EFD_SEMAPHORE: one callback per post unit */
};
/* value: what read(2) returned (counter mode: the sum of posts since the
 * last read, coalesced; semaphore mode: 1). */
typedef int (*evm_notify_cb)(evm_source *s, uint64_t value, void *userdata);
int evm_add_notify(evm_loop *l, evm_source **ret, unsigned flags,
		   evm_notify_cb cb, void *userdata);
/* Thread-safe and async-signal-safe. n >= 1. If the counter would saturate
 * (EAGAIN near 2^64-1), the amount is kept aside and delivered with the next
 * read: nothing is lost and the wakeup stands (the counter is non-zero).
 * The sum of the values delivered equals the sum of the posts exactly
 * (when it exceeds 2^64-1 it comes in more than one callback); at most
 * 2^64-1 can be kept aside between two reads: a post that does not fit
 * there either is refused whole with -EOVERFLOW (nothing of it counted;
 * post again once the loop has read). */
int evm_notify_post(evm_source *s, uint64_t n);

/* ---- defer and exit hooks -------------------------------------------------- */

typedef int (*evm_hook_cb)(evm_source *s, void *userdata);
/* Defer: called on every iteration, before blocking, while enabled (use
 * EVM_ONESHOT to run once). The loop does not block while one is enabled. */
int evm_add_defer(evm_loop *l, evm_source **ret, evm_hook_cb cb, void *userdata);
/* Exit: called once, in the order added, when the loop exits. */
int evm_add_exit(evm_loop *l, evm_source **ret, evm_hook_cb cb, void *userdata);

#ifdef __cplusplus
}
#endif
#endif /* EVM_H */

/* SPDX-License-Identifier: MIT */
/*
 * libevm's trace slot (user/libevm/evm_trace.c): the ring of dispatch begins a
 * tracer reads instead of trapping on every dispatch. The tests raise the
 * semaphore themselves, as the kernel does when a tracer attaches to
 * evm:trace_slot.
 */
#include <stddef.h>
#include <time.h>
#include <unistd.h>

#include "evm_test.h"
#include "evm-private.h"
#include "evtrace.h"

/* the BPF side (bpf/evtrace.h) reads the same layout */
_Static_assert(EVM_TRACE_RING == EVT_SLOT_RING, "ring size");
_Static_assert(sizeof(struct evm_trace_slot) == sizeof(struct evt_slot), "slot size");
_Static_assert(offsetof(struct evm_trace_slot, ring) == offsetof(struct evt_slot, ring),
	       "ring offset");
_Static_assert(offsetof(struct evm_trace_slot, last_ns) == offsetof(struct evt_slot, last_ns),
	       "last_ns offset");
_Static_assert(sizeof(struct evm_trace_entry) == sizeof(struct evt_slot_entry), "entry size");
_Static_assert(offsetof(struct evm_trace_entry, kind) == offsetof(struct evt_slot_entry, kind),
	       "kind offset");
_Static_assert(offsetof(struct evm_trace_entry, fd) == offsetof(struct evt_slot_entry, fd),
	       "fd offset");

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int notify_cb(evm_source *s, uint64_t value, void *userdata)
{
	(void)s;
	(void)value;
	++*(int *)userdata;
	return 0;
}

static int defer_cb(evm_source *s, void *userdata)
{
	++*(int *)userdata;
	return evm_source_set_enabled(s, EVM_OFF);
}

static void test_slot_untouched_without_tracer(void **state)
{
	evm_loop *l = *state;
	struct evm_trace_slot *slot = evm_trace_slot_self(), before;
	evm_source *s;
	int calls = 0, i;

	evm_trace_slot_semaphore = 0;
	before = *slot;
	assert_int_equal(evm_add_notify(l, &s, 0, notify_cb, &calls), 0);
	for (i = 0; i < 40; i++) {
		assert_int_equal(evm_notify_post(s, 1), 0);
		assert_int_equal(evm_loop_run_once(l, 0), 1);
	}
	assert_int_equal(calls, 40);
	assert_memory_equal(slot, &before, sizeof(before));
}

static void test_slot_written_while_traced(void **state)
{
	evm_loop *l = *state;
	struct evm_trace_slot *slot = evm_trace_slot_self();
	uint64_t seq0, t0, t1, prev = 0, n;
	evm_source *s, *d;
	int calls = 0, defers = 0, fd, i;

	assert_int_equal(evm_add_notify(l, &s, 0, notify_cb, &calls), 0);
	fd = evm_source_get_fd(s);

	evm_trace_slot_semaphore = 1;
	seq0 = slot->seq;
	t0 = mono_ns();
	assert_int_equal(evm_notify_post(s, 1), 0);
	assert_int_equal(evm_loop_run_once(l, 0), 1);
	t1 = mono_ns();
	assert_int_equal(slot->seq, seq0 + 1);
	assert_true(slot->ring[seq0 % EVM_TRACE_RING].ns >= t0);
	assert_true(slot->ring[seq0 % EVM_TRACE_RING].ns <= t1);
	assert_int_equal(slot->ring[seq0 % EVM_TRACE_RING].kind, EVM_SOURCE_NOTIFY);
	assert_int_equal(slot->ring[seq0 % EVM_TRACE_RING].fd, fd);
	assert_true(slot->last_ns == slot->ring[seq0 % EVM_TRACE_RING].ns);

	/* a defer hook is a dispatch too (fd -1) */
	assert_int_equal(evm_add_defer(l, &d, defer_cb, &defers), 0);
	assert_int_equal(evm_loop_run_once(l, 0), 1);
	assert_int_equal(defers, 1);
	assert_int_equal(slot->seq, seq0 + 2);
	assert_int_equal(slot->ring[(seq0 + 1) % EVM_TRACE_RING].kind, EVM_SOURCE_DEFER);
	assert_int_equal(slot->ring[(seq0 + 1) % EVM_TRACE_RING].fd, -1);

	/* more dispatches than the ring holds: seq counts all of them, the
	 * ring keeps the latest, oldest first, in time order */
	n = 3 * EVM_TRACE_RING + 5;
	for (i = 0; i < (int)n; i++) {
		assert_int_equal(evm_notify_post(s, 1), 0);
		assert_int_equal(evm_loop_run_once(l, 0), 1);
	}
	assert_int_equal(slot->seq, seq0 + 2 + n);
	for (i = 0; i < EVM_TRACE_RING; i++) {
		const struct evm_trace_entry *e =
			&slot->ring[(slot->seq - EVM_TRACE_RING + i) % EVM_TRACE_RING];

		assert_int_equal(e->kind, EVM_SOURCE_NOTIFY);
		assert_int_equal(e->fd, fd);
		assert_true(e->ns >= prev);
		prev = e->ns;
	}
	assert_true(prev <= mono_ns());
	assert_true(slot->last_ns == prev);

	/* the tracer left: no more writes */
	evm_trace_slot_semaphore = 0;
	n = slot->seq;
	for (i = 0; i < 5; i++) {
		assert_int_equal(evm_notify_post(s, 1), 0);
		assert_int_equal(evm_loop_run_once(l, 0), 1);
	}
	assert_int_equal(slot->seq, n);
	/* and dispatch is back on its fast path */
	assert_int_equal(evm_trace_armed, 0);
	assert_int_equal(calls, 1 + 3 * EVM_TRACE_RING + 5 + 5);
}

/* Dispatches every step_ns from *now for span_ns: the announces made. */
static uint64_t sched_run(struct evm_trace_sched *s, uint64_t *now, uint64_t step_ns,
			  uint64_t span_ns, unsigned short sem)
{
	uint64_t n0 = s->announces, end = *now + span_ns, seq = 0;

	for (; *now < end; *now += step_ns)
		evm_trace_sched_due(s, *now, seq++, 1, 0, sem);
	return s->announces - n0;
}

/* The announce schedule, on synthetic times: eager after a new start, then
 * backing off; gaps of a few ms (a loop off its CPU on a loaded machine)
 * do not restart the eager period; an idle loop and a new tracer are told
 * at once. */
static void test_announce_schedule(void **state)
{
	struct evm_trace_sched s = { 0 };
	uint64_t now = 5000000000ull, n;

	(void)state;
	/* a new start: every 100 us for 20 ms (dispatches every 10 us) */
	n = sched_run(&s, &now, 10000, 20000000, 1);
	assert_in_range(n, 195, 205);
	assert_int_equal(s.backoff_ns, 100000);
	/* then doubling up to 1 s: a dozen announces in 2 s, dispatches
	 * every 2 ms (before: each gap over 1 ms restarted the eager period,
	 * an announce at every one of these 1000 dispatches) */
	n = sched_run(&s, &now, 2000000, 2000000000, 1);
	assert_in_range(n, 8, 16);
	assert_int_equal(s.backoff_ns, 1000000000);
	/* idle 30 ms: at once, then backing off from 100 us, not eager */
	now += 30000000;
	assert_true(evm_trace_sched_due(&s, now, 7, 1, 0, 1));
	assert_false(evm_trace_sched_due(&s, now + 50000, 8, 1, 0, 1));
	assert_true(evm_trace_sched_due(&s, now + 100000, 9, 1, 0, 1));
	assert_int_equal(s.start_seq, 7);
	now += 100000;
	n = sched_run(&s, &now, 10000, 20000000, 1);
	assert_in_range(n, 5, 9);
	/* the semaphore changed (a second tracer): at once, eager again */
	now += 10000;
	assert_true(evm_trace_sched_due(&s, now, 100, 1, 0, 2));
	assert_int_equal(s.start_seq, 100);
	now += 10000;
	n = sched_run(&s, &now, 10000, 20000000, 2);
	assert_in_range(n, 195, 205);
	/* a new epoch (a tracer left and a dispatch saw it): at once */
	now += 10000;
	assert_true(evm_trace_sched_due(&s, now, 200, 1, 1, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		EVM_TEST(test_slot_untouched_without_tracer),
		EVM_TEST(test_slot_written_while_traced),
		cmocka_unit_test(test_announce_schedule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

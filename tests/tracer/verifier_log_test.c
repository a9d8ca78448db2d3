// SPDX-License-Identifier: MIT
/*
 * verifier_log_reason (tools/tracer/verifier_log.c): the verifier's reason
 * out of libbpf's load-log message, as libbpf 1.1 prints it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "verifier_log.h"

/* A refused load seen on a kernel without private stacks for tracing
 * programs. */
static const char stack_log[] =
	"prog 'evt_exit_btf': -- BEGIN PROG LOAD LOG --\n"
	"Func#6 ('lc_pop') is safe for any args that match its prototype\n"
	"combined stack size of 5 calls is 528. Too large\n"
	"processed 17584 insns (limit 1000000) max_states_per_insn 11 total_states 1278 "
	"peak_states 1230 mark_read 0\n"
	"-- END PROG LOAD LOG --\n";

/* An access refused on an instruction: the reason follows the instruction,
 * then the statistics of a log with BPF_LOG_STATS. */
static const char access_log[] =
	"prog 'evt_enter_raw': -- BEGIN PROG LOAD LOG --\n"
	"0: R1=ctx() R10=fp0\n"
	"; int evt_enter_raw(struct bpf_raw_tracepoint_args *ctx) @ evtrace.bpf.c:12\n"
	"0: (79) r2 = *(u64 *)(r1 +0)\n"
	"1: (79) r3 = *(u64 *)(r2 +0)\n"
	"R2 invalid mem access 'scalar'\n"
	"  processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0\n"
	"verification time 31 usec\n"
	"stack depth 0\n"
	"-- END PROG LOAD LOG --\n";

/* An infinite loop: the verifier prints the states it compared after its
 * reason. */
static const char loop_log[] =
	"prog 'evt_slot': -- BEGIN PROG LOAD LOG --\n"
	"5: (05) goto pc-2\n"
	"infinite loop detected at insn 5\n"
	"cur state: R1=ctx() R10=fp0\n"
	"old state: R1=ctx() R10=fp0\n"
	"processed 9 insns (limit 1000000) max_states_per_insn 0 total_states 1\n"
	"-- END PROG LOAD LOG --\n";

static void test_refusals(void **state)
{
	static const struct {
		const char *log, *prog, *why;
	} cases[] = {
		{ stack_log, "evt_exit_btf", "combined stack size of 5 calls is 528. Too large" },
		{ access_log, "evt_enter_raw", "R2 invalid mem access 'scalar'" },
		{ loop_log, "evt_slot", "infinite loop detected at insn 5" },
	};
	char prog[64], why[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(verifier_log_reason(cases[i].log, prog, sizeof(prog), why,
						     sizeof(why)),
				 1);
		assert_string_equal(prog, cases[i].prog);
		assert_string_equal(why, cases[i].why);
	}
}

/* libbpf's other warnings, a log of statistics alone, a marker without
 * the "prog '" before it, no message: no reason, the buffers untouched. */
static void test_no_reason(void **state)
{
	static const char *const msgs[] = {
		"prog 'evt_exit_btf': BPF program load failed: Permission denied\n",
		"failed to load object 'evtrace_bpf'\n",
		"prog 'p': -- BEGIN PROG LOAD LOG --\nprocessed 1 insns (limit 1000000)\n"
		"-- END PROG LOAD LOG --\n",
		"x': -- BEGIN PROG LOAD LOG --\nbad\n",
		NULL,
	};
	char prog[64] = "x", why[128] = "y";

	(void)state;
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		assert_int_equal(verifier_log_reason(msgs[i], prog, sizeof(prog), why, sizeof(why)),
				 0);
	assert_string_equal(prog, "x");
	assert_string_equal(why, "y");
}

/* Small buffers cut, control characters escaped (text_escape), a log libbpf cut
 * before its end marker still read. */
static void test_cut_and_clean(void **state)
{
	static const char log[] = "prog 'a_long_program_name': -- BEGIN PROG LOAD LOG --\n"
				  "reason with a\ttab and \033[31mescape\n";
	char prog[8], why[16], whole[64];

	(void)state;
	assert_int_equal(verifier_log_reason(log, prog, sizeof(prog), why, sizeof(why)), 1);
	assert_string_equal(prog, "a_long_");
	assert_string_equal(why, "reason with a"); /* cut before an escape that does not fit */
	assert_int_equal(verifier_log_reason(log, prog, sizeof(prog), whole, sizeof(whole)), 1);
	assert_string_equal(whole, "reason with a\\x09tab and \\x1b[31mescape");
	assert_int_equal(verifier_log_reason(stack_log, prog, sizeof(prog), why, 1), 1);
	assert_string_equal(why, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_no_reason),
		cmocka_unit_test(test_cut_and_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

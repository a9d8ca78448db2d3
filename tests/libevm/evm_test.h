/* SPDX-License-Identifier: MIT */
/* Shared bits of the libevm test suites (tests/libevm/evm_*.c). */
#ifndef EVM_TEST_H
#define EVM_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "evm.h"

#define NSEC_PER_MSEC 1000000ull

/* A loop per test, freed in teardown (so a failing test leaks nothing). */
static inline int evm_test_setup(void **state)
{
	evm_loop *l = NULL;

	if (evm_loop_new(&l) < 0)
		return -1;
	*state = l;
	return 0;
}

static inline int evm_test_teardown(void **state)
{
	evm_loop_free(*state);
	return 0;
}

#define EVM_TEST(f) cmocka_unit_test_setup_teardown(f, evm_test_setup, evm_test_teardown)

#endif

/* SPDX-License-Identifier: MIT */
/* evtrace bench: validates the comparison table against kernel measurements. */
#ifndef EVTRACE_BENCH_H
#define EVTRACE_BENCH_H
int cmd_bench(int argc, char **argv);
#endif

# evtrace bench (tools/bench/): bench.c the subcommand, bench_run.c the
# trials, bench_stats.c the statistics, bench_claims.c the verdicts,
# bench_render.c text, markdown and JSON. Linked into evtrace.
BENCH_SRCS := $(sort $(wildcard tools/bench/*.c))

# Outputs beyond the text and JSON report (tools/output/): perfetto.c the
# Trace Event Format timeline (--perfetto), html.c the pictures (one
# self-contained HTML page per report or bench run), prom.c Prometheus (the
# /metrics server on libmicrohttpd, the textfile collector's file). Linked
# into evtrace.
OUTPUT_SRCS := $(sort $(wildcard tools/output/*.c))
OUTPUT_LIBS := -lmicrohttpd
CPPFLAGS    += -Itools/output

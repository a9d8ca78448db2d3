# Outputs beyond the text and JSON report (tools/output/): perfetto.c the
# Trace Event Format timeline (--perfetto). Linked into evtrace.
OUTPUT_SRCS := tools/output/perfetto.c
CPPFLAGS    += -Itools/output

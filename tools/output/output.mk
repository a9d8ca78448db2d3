# The outputs beyond text and JSON (tools/output/): html.c the pictures (one
# self-contained HTML page per report or bench run). Linked into evtrace.
OUTPUT_SRCS := $(sort $(wildcard tools/output/*.c))
OUTPUT_LIBS :=
CPPFLAGS    += -Itools/output

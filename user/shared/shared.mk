# Modules shared by evload, evtrace and the tests (user/shared/): the
# log-linear histogram (bpf/loghist.h + hist.c) and the machine's
# description (machine.c).
SHARED_SRCS := $(sort $(wildcard user/shared/*.c))
SHARED_LIBS := -ljson-c

# Modules shared by evload, evtrace and the tests (user/shared/): the
# log-linear histogram (bpf/loghist.h + hist.c), the machine's description
# (machine.c), the mechanism table (mech.c: names, labels, kinds), the
# command-line number parser (parse.c) and the escaping of outside strings
# for the terminal (textesc.c).
SHARED_SRCS := $(sort $(wildcard user/shared/*.c))
SHARED_LIBS := -ljson-c

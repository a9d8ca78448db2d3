# evload: the workloads built on libevm (user/evload/*.c, one file per
# mechanism; see user/evload/evload.h for the layout).
EVLOAD_SRCS := $(sort $(wildcard user/evload/*.c))
EVLOAD_LIBS := $(SHARED_LIBS) -lpthread
EVLOAD      := $(BUILD)/evload
EVLOAD_ASAN := $(BUILD)/asan/evload

all: $(EVLOAD)

$(EVLOAD): $(EVLOAD_SRCS:%.c=$(BUILD)/obj/%.o) $(SHARED_SRCS:%.c=$(BUILD)/obj/%.o) $(EVM_A)
	$(CC) $(CFLAGS) -o $@ $^ $(EVLOAD_LIBS) $(EVM_LIBS)

# The same with ASan + UBSan, for the tests.
$(EVLOAD_ASAN): $(EVLOAD_SRCS:%.c=$(BUILD)/asan/%.o) $(SHARED_SRCS:%.c=$(BUILD)/asan/%.o) $(EVM_A_ASAN)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $^ $(EVLOAD_LIBS) $(EVM_LIBS)

# And with TSan (threads mode and the daemon's workers).
EVLOAD_TSAN := $(BUILD)/tsan/evload
$(EVLOAD_TSAN): $(EVLOAD_SRCS:%.c=$(BUILD)/tsan/%.o) $(SHARED_SRCS:%.c=$(BUILD)/tsan/%.o) $(EVM_A_TSAN)
	$(CC) $(CFLAGS) $(TSAN_FLAGS) -o $@ $^ $(EVLOAD_LIBS) $(EVM_LIBS)

# libevm: the integrated event manager (user/libevm/evm*.c, public header user/libevm/evm.h).
EVM_SRCS    := $(sort $(wildcard user/libevm/evm*.c))
EVM_LIBS    := -lpthread
EVM_A       := $(BUILD)/libevm.a
EVM_SO      := $(BUILD)/libevm.so.0
EVM_A_ASAN  := $(BUILD)/asan/libevm.a
EVM_A_TSAN  := $(BUILD)/tsan/libevm.a

all: $(EVM_A) $(EVM_SO)

$(EVM_A): $(EVM_SRCS:%.c=$(BUILD)/obj/%.o)
	$(AR) rcs $@ $^
$(EVM_A_ASAN): $(EVM_SRCS:%.c=$(BUILD)/asan/%.o)
	$(AR) rcs $@ $^
$(EVM_A_TSAN): $(EVM_SRCS:%.c=$(BUILD)/tsan/%.o)
	$(AR) rcs $@ $^
$(EVM_SO): $(EVM_SRCS:%.c=$(BUILD)/obj/%.o)
	$(CC) -shared -Wl,-soname,libevm.so.0 -o $@ $^ $(EVM_LIBS)
	ln -sf libevm.so.0 $(BUILD)/libevm.so

# make install PREFIX=...: library, header, pkg-config file (written for
# this PREFIX at install time, so a second install elsewhere is right too).
install: $(EVM_A) $(EVM_SO)
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(EVM_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(EVM_SO) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libevm.so.0 $(DESTDIR)$(PREFIX)/lib/libevm.so
	install -m 644 user/libevm/evm.h $(DESTDIR)$(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|g' user/libevm/libevm.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/libevm.pc

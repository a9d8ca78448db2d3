# evload's tests (tests/evload/evload_test.py): every kind, pattern and mode with
# small counts, bad input, receivers that die mid-run, the daemon's shutdown.
# All of them on the ASan+UBSan build and on the shipped build; the threaded
# ones, timerfd and the daemon again under TSan. Not the cases of the classic
# handler ("signal ..."): TSan runs an asynchronous handler only at its next
# intercepted call and keeps one pending slot per signal number, so under
# TSan the handler itself can sit undelivered for seconds (seen: "no event
# for 5.0 s" in pingpong, flood and oneway, threads or processes, with either
# wait call) and queued RT signals merge inside TSan. The handler path runs
# under ASan+UBSan and plain above, and its ring under TSan in evm_thread.
.PHONY: test-evload
TEST_TARGETS += test-evload

test-evload: $(EVLOAD) $(EVLOAD_ASAN) $(EVLOAD_TSAN)
	python3 tests/evload/evload_test.py --evload $(EVLOAD_ASAN)
	python3 tests/evload/evload_test.py --evload $(EVLOAD)
	python3 tests/evload/evload_test.py --evload $(EVLOAD_TSAN) -k threads -k daemon -k timerfd \
		-x "signal "

# Not a test: evload beside sigwaittest and cyclictest on identical settings
# (prints the figures and whether they agree; see tests/evload/evload_reference.py).
EVLOAD_REFPROBE := $(BUILD)/evload_refprobe
$(EVLOAD_REFPROBE): $(BUILD)/obj/tests/evload/evload_refprobe.o
	$(CC) $(CFLAGS) -o $@ $^

.PHONY: evload-reference
evload-reference: $(EVLOAD) $(EVLOAD_REFPROBE)
	python3 tests/evload/evload_reference.py --evload $(EVLOAD) --probe $(EVLOAD_REFPROBE)

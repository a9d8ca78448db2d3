# The outputs of tools/output/ this fragment tests:
#   test-html-unit  the HTML renderer on synthetic reports (cmocka, ASan+UBSan)
#   test-html       the pictures (--html) in a real browser: headless Chromium
#                   renders each page, its DOM is checked against evtrace's
#                   JSON of the same run, and a screenshot must show a drawn
#                   page (tests/output/html_test.sh; the traced runs and a
#                   quick bench as root)
#   test-prom-unit  the exposition and the server on synthetic reports, scraped
#                   from threads while updated (cmocka, ASan+UBSan and TSan)
#   test-prom       Prometheus: attach --listen scraped by a real Prometheus
#                   server while evload runs, its answers against evtrace's
#                   JSON; the textfile; bad addresses (tests/output/prom_test.sh)
.PHONY: test-html test-html-unit test-prom test-prom-unit
TEST_TARGETS += test-html test-prom

HTML_UNIT      := $(BUILD)/tests/output/html_unit
HTML_UNIT_OBJS := $(patsubst %.c,$(BUILD)/asan/%.o,tests/output/html_unit.c tools/output/html.c \
                    tools/bench/bench_claims.c tools/bench/bench_stats.c tools/bench/bench_render.c \
                    $(REPORT_SRCS) $(SHARED_SRCS))

PROM_UNIT_SRCS := tests/output/prom_unit.c tools/output/prom.c tools/output/html.c \
                  tools/bench/bench_claims.c tools/bench/bench_stats.c tools/bench/bench_render.c \
                  $(REPORT_SRCS) $(SHARED_SRCS)
PROM_UNIT      := $(BUILD)/tests/output/prom_unit
PROM_UNIT_TSAN := $(BUILD)/tests/output/prom_unit_tsan

$(HTML_UNIT): $(HTML_UNIT_OBJS)
	@mkdir -p $(@D)
	$(CC) $(SAN_FLAGS) -o $@ $^ -lcmocka $(SHARED_LIBS) -lm

test-html-unit: $(HTML_UNIT)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $(HTML_UNIT)

test-html: test-html-unit $(EVTRACE) $(EVLOAD)
	EVTRACE=$(EVTRACE) EVLOAD=$(EVLOAD) tests/output/html_test.sh

$(PROM_UNIT): $(patsubst %.c,$(BUILD)/asan/%.o,$(PROM_UNIT_SRCS))
	@mkdir -p $(@D)
	$(CC) $(SAN_FLAGS) -o $@ $^ -lcmocka -lmicrohttpd $(SHARED_LIBS) -lm

$(PROM_UNIT_TSAN): $(patsubst %.c,$(BUILD)/tsan/%.o,$(PROM_UNIT_SRCS))
	@mkdir -p $(@D)
	$(CC) $(TSAN_FLAGS) -o $@ $^ -lcmocka -lmicrohttpd $(SHARED_LIBS) -lm

test-prom-unit: $(PROM_UNIT) $(PROM_UNIT_TSAN)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $(PROM_UNIT)
	TSAN_OPTIONS=halt_on_error=1 $(PROM_UNIT_TSAN)

test-prom: test-prom-unit $(EVTRACE) $(EVLOAD)
	EVTRACE=$(EVTRACE) EVLOAD=$(EVLOAD) tests/output/prom_test.sh

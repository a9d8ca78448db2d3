// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: report_read_json_buf() on any bytes. What it accepts
 * must render as text, write as JSON and read back with the same numbers
 * (and the same strings once written as UTF-8); what it
 * rejects must say why in one line with nothing raw in it. Any breach, and
 * any memory error or undefined behaviour the sanitizers see, is a crash.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "report.h"

static struct evtrace_report rep, back;

static void check(int cond, const char *what, const char *err)
{
	if (!cond) {
		fprintf(stderr, "fuzz_report: %s (%s)\n", what, err);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256] = "", err2[256] = "";
	const char *text, *text2;
	struct json_object *o, *o2, *o3;
	FILE *null;
	int ret = report_read_json_buf(&rep, "input", (const char *)data, size, err, sizeof(err));

	if (ret) {
		check(ret == -EINVAL, "rejected without -EINVAL", err);
		check(err[0] != '\0', "rejected without a message", err);
		for (const unsigned char *p = (const unsigned char *)err; *p; p++)
			check(*p >= 0x20 && *p != 0x7f, "a raw control byte in the message", err);
		return 0;
	}
	check(err[0] == '\0', "accepted with a message", err);
	null = fopen("/dev/null", "w");
	if (null) {
		for (int u = REPORT_UNIT_HUMAN; u <= REPORT_UNIT_MS; u++)
			report_print_text_unit(null, &rep, (enum report_unit)u);
		fclose(null);
	}
	/* written and read again: the same numbers; strings may change once
	 * (bytes that are not UTF-8 become U+FFFD, then cut to fit), so the
	 * second writing is the fixed point */
	o = report_to_json(&rep);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	ret = report_read_json_buf(&back, "written", text, strlen(text), err2, sizeof(err2));
	check(ret == 0, "what was read and written again does not read back", err2);
	check(!memcmp(rep.kind, back.kind, sizeof(rep.kind)), "the counts or stages differ after the "
	      "round trip", text);
	check(rep.ringbuf_records == back.ringbuf_records && rep.ringbuf_dropped == back.ringbuf_dropped &&
	      rep.missed_runs == back.missed_runs && rep.settings.pid == back.settings.pid &&
	      rep.settings.ncpus == back.settings.ncpus &&
	      !memcmp(&rep.settings.duration_s, &back.settings.duration_s, sizeof(double)) &&
	      rep.settings.virtualised == back.settings.virtualised &&
	      rep.settings.usdt == back.settings.usdt &&
	      rep.settings.bpf_stats == back.settings.bpf_stats, "a setting differs after the round trip", text);
	o2 = report_to_json(&back);
	text2 = json_object_to_json_string_ext(o2, JSON_C_TO_STRING_PLAIN);
	ret = report_read_json_buf(&back, "rewritten", text2, strlen(text2), err2, sizeof(err2));
	check(ret == 0, "what was written twice does not read back", err2);
	o3 = report_to_json(&back);
	check(!strcmp(text2, json_object_to_json_string_ext(o3, JSON_C_TO_STRING_PLAIN)),
	      "writing is not at its fixed point after two rounds", text2);
	json_object_put(o3);
	json_object_put(o2);
	json_object_put(o);
	return 0;
}

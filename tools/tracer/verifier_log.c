// SPDX-License-Identifier: MIT
/*
 * The verifier's reason for refusing a program, out of libbpf's load log
 * message (verifier_log.h).
 */
#include "verifier_log.h"
#include "textesc.h"

#include <stdbool.h>
#include <string.h>

#define LOG_BEGIN "': -- BEGIN PROG LOAD LOG --\n"
#define LOG_END   "-- END PROG LOAD LOG --"

static bool has_prefix(const char *line, size_t n, const char *const *prefixes, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		size_t pl = strlen(prefixes[i]);

		if (n >= pl && !memcmp(line, prefixes[i], pl))
			return true;
	}
	return false;
}

/* The verifier's statistics, printed after its reason. */
static bool is_stats(const char *line, size_t n)
{
	static const char *const prefixes[] = { "processed ", "verification time ", "stack depth ",
						"max_states_per_insn " };

	return has_prefix(line, n, prefixes, sizeof(prefixes) / sizeof(prefixes[0]));
}

/* The register states the verifier may print after its reason (an
 * infinite loop's "cur state:" and "old state:"). */
static bool is_state_dump(const char *line, size_t n)
{
	static const char *const prefixes[] = { "cur state:", "old state:" };

	return has_prefix(line, n, prefixes, sizeof(prefixes) / sizeof(prefixes[0]));
}

/* The n bytes at src, cut to fit (at most LINE_MAX_COPY), escaped for the
 * terminal into dst as every string from outside is (textesc.h). */
#define LINE_MAX_COPY 255
static void copy_escaped(char *dst, size_t dstlen, const char *src, size_t n)
{
	char raw[LINE_MAX_COPY + 1];

	if (n > LINE_MAX_COPY)
		n = LINE_MAX_COPY;
	memcpy(raw, src, n);
	raw[n] = '\0';
	text_escape(raw, dst, dstlen);
}

int verifier_log_reason(const char *msg, char *prog, size_t proglen, char *why, size_t whylen)
{
	const char *begin, *name, *body, *end, *p, *best = NULL;
	size_t best_n = 0;

	if (!msg || !(begin = strstr(msg, LOG_BEGIN)))
		return 0;
	/* the name: between "prog '" and the "'" that opens LOG_BEGIN */
	for (name = begin; name > msg && name[-1] != '\''; name--)
		;
	if (name == msg || name - msg < 6 || memcmp(name - 6, "prog '", 6))
		return 0;
	body = begin + strlen(LOG_BEGIN);
	end = strstr(body, LOG_END);
	if (!end)
		end = body + strlen(body);
	/* the last line before the first statistics line that says anything
	 * but a register state dump */
	for (p = body; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t s = 0;

		while (s < n && (p[s] == ' ' || p[s] == '\t'))
			s++;
		if (n > s && is_stats(p + s, n - s))
			break;
		if (n > s && !is_state_dump(p + s, n - s)) {
			best = p + s;
			best_n = n - s;
		}
		p += n + 1;
	}
	if (!best)
		return 0;
	copy_escaped(prog, proglen, name, (size_t)(begin - name));
	copy_escaped(why, whylen, best, best_n);
	return 1;
}

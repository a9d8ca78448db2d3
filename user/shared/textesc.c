// SPDX-License-Identifier: MIT
#include "textesc.h"

#include <stdint.h>
#include <string.h>

/* The length of the valid UTF-8 sequence at p (1..4), 0 if p does not start
 * one (stray continuation byte, overlong form, surrogate, beyond U+10FFFF,
 * cut short); its code point in *cp. */
static size_t utf8_seq(const unsigned char *p, uint32_t *cp)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;      /* no overlong forms */
		else if (c == 0xed)
			hi = 0x9f;      /* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;      /* up to U+10FFFF */
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		unsigned char b = p[i];

		if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xbf))
			return 0;   /* also the NUL of a string cut short */
		v = (v << 6) | (b & 0x3f);
	}
	*cp = v;
	return n;
}

/* Code points a terminal may act on rather than show. */
static int is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

char *text_escape(const char *s, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t o = 0;

	if (!len)
		return buf;
	while (*p) {
		uint32_t cp = 0;
		size_t n = utf8_seq(p, &cp);
		size_t esc = n == 0 ? 1 : is_control(cp) ? n : 0;

		if (esc) {
			if (o + 4 * esc >= len)
				break;
			for (size_t i = 0; i < esc; i++) {
				buf[o++] = '\\';
				buf[o++] = 'x';
				buf[o++] = hex[p[i] >> 4];
				buf[o++] = hex[p[i] & 15];
			}
			p += esc;
		} else if (cp == '\\') {
			if (o + 2 >= len)
				break;
			buf[o++] = '\\';
			buf[o++] = '\\';
			p++;
		} else {
			if (o + n >= len)
				break;
			memcpy(buf + o, p, n);
			o += n;
			p += n;
		}
	}
	buf[o] = '\0';
	return buf;
}

char *text_utf8(const char *s, char *buf, size_t len)
{
	static const char replacement[] = "\xef\xbf\xbd";   /* U+FFFD */
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t o = 0;

	if (!len)
		return buf;
	while (*p) {
		uint32_t cp;
		size_t n = utf8_seq(p, &cp);
		const char *src = n ? (const char *)p : replacement;
		size_t w = n ? n : 3;

		if (o + w >= len)
			break;
		memcpy(buf + o, src, w);
		o += w;
		p += n ? n : 1;
	}
	buf[o] = '\0';
	return buf;
}

size_t text_utf8_cut(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t pos = 0;

	while (pos < max && p[pos]) {
		uint32_t cp;
		size_t n = utf8_seq(p + pos, &cp);

		if (!n)
			n = 1;
		if (pos + n > max)
			break;
		pos += n;
	}
	return pos;
}

int text_is_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t n;

	while (*p) {
		if (!(n = utf8_seq(p, &cp)))
			return 0;
		p += n;
	}
	return 1;
}

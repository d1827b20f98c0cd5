// SPDX-License-Identifier: MIT
/*
 * Writing untrusted text into reports.  File names, vary cells, kernel
 * strings and reasons built from them can hold any byte; a report must stay
 * what it says it is whatever they hold:
 *
 *   text, KTAP diagnostics  control characters (newline included: callers
 *                           split lines themselves), DEL, C1 controls and
 *                           invalid UTF-8 are written \xNN;
 *   KTAP test names         any byte KTAP does not allow in a description
 *                           ('#', space, controls, non-ASCII) is %XX, the
 *                           escape case names are made with, so names that
 *                           sealspec makes pass unchanged;
 *   JSON strings            RFC 8259 escapes, control characters as \u00XX
 *                           (\n \t \r \b \f in their short forms) and every
 *                           invalid UTF-8 byte as U+FFFD.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "run/run.h"


/* Writes s[0..n) with every control character and bad byte as \xNN. */
static void out_text_n(FILE *f, const unsigned char *p, size_t n)
{
	while (n) {
		int len = ms__utf8_len(p, n);

		/* C1 controls are U+0080..U+009F: 0xc2 0x80..0x9f. */
		if (len == 0 || (len == 1 && (*p < 0x20 || *p == 0x7f)) ||
		    (len == 2 && p[0] == 0xc2 && p[1] < 0xa0)) {
			if (len == 0)
				len = 1;
			for (int i = 0; i < len; i++)
				fprintf(f, "\\x%02X", p[i]);
		} else {
			fwrite(p, 1, (size_t)len, f);
		}
		p += len;
		n -= (size_t)len;
	}
}

void out_text(FILE *f, const char *s)
{
	out_text_n(f, (const unsigned char *)s, strlen(s));
}

void out_lines(FILE *f, const char *prefix, const char *s)
{
	while (*s) {
		size_t n = strcspn(s, "\n");

		fputs(prefix, f);
		out_text_n(f, (const unsigned char *)s, n);
		fputc('\n', f);
		s += n;
		if (*s == '\n')
			s++;
	}
}

void out_ktap_name(FILE *f, const char *name)
{
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p > ' ' && *p < 0x7f && *p != '#')
			fputc(*p, f);
		else
			fprintf(f, "%%%02X", *p);
	}
}

void out_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	fputc('"', f);
	while (n) {
		int len = ms__utf8_len(p, n);

		if (len == 0) {
			fputs("\\ufffd", f);
			len = 1;
		} else if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p);
		} else if (*p == '\n') {
			fputs("\\n", f);
		} else if (*p == '\t') {
			fputs("\\t", f);
		} else if (*p == '\r') {
			fputs("\\r", f);
		} else if (*p == '\b') {
			fputs("\\b", f);
		} else if (*p == '\f') {
			fputs("\\f", f);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p);
		} else {
			fwrite(p, 1, (size_t)len, f);
		}
		p += len;
		n -= (size_t)len;
	}
	fputc('"', f);
}

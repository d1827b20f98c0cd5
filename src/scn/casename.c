// SPDX-License-Identifier: MIT
/*
 * Case names: how a file and a vary row become the name every report uses.
 *
 * A name is the file's base name without ".scn", plus "[CELL]" for a vary
 * row (CELL is the row's first cell, the contents of a quoted cell) or
 * "[CELL,N]" when two rows of the file start with the same cell (N counts
 * rows from 1).  When files from different directories share a base name,
 * the loader prefixes each with the directories that tell them apart
 * ("d1/same", "d2/same").
 *
 * Every part is written in one alphabet: printable ASCII except space and
 * the bytes  " # % , [ \ ]  ; any other byte is %XX (upper-case hex).  So a
 * name is one word with no '#' (a KTAP directive), no control character or
 * newline (a forged report line), no invalid UTF-8, and no separator that
 * could make two rows or two files read alike: "[x,2]" is the second of two
 * rows starting with x, "[x%2C2]" a row whose cell is "x,2".  The catalog's
 * names are all plain ASCII and read as they always have.
 */
#include <stdio.h>
#include <string.h>

#include "scn.h"

bool ms_name_byte_is_plain(unsigned char c)
{
	return c > ' ' && c < 0x7f && !strchr("\"#%,[\\]", c);
}

size_t ms_name_escape(char *buf, size_t n, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t used = strnlen(buf, n);

	for (size_t i = 0; i < len && used < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (ms_name_byte_is_plain(c)) {
			if (used + 1 >= n)
				break;
			buf[used++] = (char)c;
		} else {
			/* Never half an escape: the name is cut before it. */
			if (used + 3 >= n)
				break;
			buf[used++] = '%';
			buf[used++] = hex[c >> 4];
			buf[used++] = hex[c & 15];
		}
	}
	if (used < n)
		buf[used] = '\0';
	return used;
}

/* The name part of row's first cell, escaped. */
static void cell_part(const struct ms_program *t, int row, char *buf, size_t n)
{
	char text[MS_CELL_MAX];

	ms__scn_cell_string(t, &t->vary[row][0], text, sizeof(text));
	buf[0] = '\0';
	ms_name_escape(buf, n, text, strlen(text));
}

void ms_variant_name(const struct ms_program *t, int row, char *buf, size_t n)
{
	char part[3 * MS_CELL_MAX], other[3 * MS_CELL_MAX];
	bool twin = false;
	int len;

	if (!n)
		return;
	if (!t->nvary_cols || row < 0 || row >= t->nvary_rows) {
		snprintf(buf, n, "%s", t->name);
		return;
	}
	/* Twins are decided on the escaped parts: "a" and a read alike. */
	cell_part(t, row, part, sizeof(part));
	for (int r = 0; r < t->nvary_rows && !twin; r++) {
		if (r == row)
			continue;
		cell_part(t, r, other, sizeof(other));
		twin = strcmp(part, other) == 0;
	}
	if (twin)
		len = snprintf(buf, n, "%s[%s,%d]", t->name, part, row + 1);
	else
		len = snprintf(buf, n, "%s[%s]", t->name, part);
	if (len < 0)
		buf[0] = '\0';
}

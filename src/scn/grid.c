// SPDX-License-Identifier: MIT
/*
 * Page grids: which tokens each attribute accepts (docs/scenarios.md, "Page
 * grids") and how many pages a grid covers.  prot and back grids are words
 * separated by spaces; every other attribute has one character per page
 * and spaces are only for the eye.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "grid.h"
#include "scn.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The single-character attributes: accepted characters and the legend. */
static bool char_ok(enum ms_attr attr, char c)
{
	if (c == '.' || c == '?')
		return true;
	switch (attr) {
	case MS_ATTR_VMAS:
		return is_letter(c);
	case MS_ATTR_SEAL:
		return c == 'S' || c == '-';
	case MS_ATTR_LOCK:
		return c == 'L' || c == 'F' || c == '-';
	case MS_ATTR_INHERIT:
		return c == 'D' || c == 'W' || c == '-';
	case MS_ATTR_SHARE:
		return c == 'p' || c == 's';
	case MS_ATTR_GUARD:
		return c == 'G' || c == '-';
	case MS_ATTR_PKEY:
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
	case MS_ATTR_DATA:
		return is_letter(c) || c == '0' || c == '*' || c == '!';
	default:
		return false;
	}
}

static const char *legend(enum ms_attr attr)
{
	switch (attr) {
	case MS_ATTR_VMAS:
		return "one letter per VMA";
	case MS_ATTR_PROT:
		return "rw, r-, -w, --, r-x and the like, separated by spaces";
	case MS_ATTR_SEAL:
		return "S (sealed) or - (not sealed)";
	case MS_ATTR_LOCK:
		return "L (locked), F (locked on fault) or -";
	case MS_ATTR_INHERIT:
		return "D (dontfork), W (wipeonfork) or -";
	case MS_ATTR_SHARE:
		return "p (private) or s (shared)";
	case MS_ATTR_BACK:
		return "a (anonymous), fN (file page N) or x (special), "
		       "separated by spaces";
	case MS_ATTR_GUARD:
		return "G (guard) or -";
	case MS_ATTR_PKEY:
		return "a hex digit (keys 0 to 15)";
	case MS_ATTR_DATA:
		return "a letter, 0 (zeros), * (other) or ! (unreadable)";
	default:
		return "?";
	}
}

static bool word_ok(enum ms_attr attr, const char *w, size_t n)
{
	if ((n == 1 || n == 2) && (w[0] == '.' || w[0] == '?') &&
	    w[n - 1] == w[0])
		return true;
	if (attr == MS_ATTR_PROT) {
		if (n != 2 && n != 3)
			return false;
		return (w[0] == 'r' || w[0] == '-') &&
		       (w[1] == 'w' || w[1] == '-') &&
		       (n == 2 || w[2] == 'x' || w[2] == '-');
	}
	/* back */
	if (n == 1 && (w[0] == 'a' || w[0] == 'x'))
		return true;
	if (n < 2 || n > 19 || w[0] != 'f')
		return false;
	for (size_t i = 1; i < n; i++)
		if (w[i] < '0' || w[i] > '9')
			return false;
	return true;
}

const char *ms__grid_next(enum ms_attr attr, const char **g, size_t *len)
{
	bool words = attr == MS_ATTR_PROT || attr == MS_ATTR_BACK;
	const char *tok;

	while (is_space(**g))
		(*g)++;
	if (!**g)
		return NULL;
	tok = *g;
	*len = 1;
	if (words)
		while (tok[*len] && !is_space(tok[*len]))
			(*len)++;
	*g += *len;
	return tok;
}

int ms__scn_grid_check(enum ms_attr attr, const char *grid, int *off,
		       char *why, size_t n)
{
	bool words = attr == MS_ATTR_PROT || attr == MS_ATTR_BACK;
	const char *walk = grid, *g;
	size_t len;
	int pages = 0;

	*off = 0;
	if ((unsigned)attr >= MS_NATTRS) {
		snprintf(why, n, "unknown attribute");
		return -EINVAL;
	}
	while ((g = ms__grid_next(attr, &walk, &len))) {
		if (words ? !word_ok(attr, g, len) : !char_ok(attr, *g)) {
			*off = (int)(g - grid);
			snprintf(why, n,
				 "'%.*s' is not a %s token: use %s, . "
				 "(unmapped) or ? (unspecified)",
				 (int)(len > 16 ? 16 : len), g,
				 ms_attr_name(attr), legend(attr));
			return -EINVAL;
		}
		if (++pages > MS_GRID_MAX) {
			*off = (int)(g - grid);
			snprintf(why, n,
				 "the grid is longer than %d pages, the most "
				 "one expect step can cover",
				 MS_GRID_MAX);
			return -EINVAL;
		}
	}
	if (!pages) {
		snprintf(why, n,
			 "empty grid: give one %s token per page",
			 ms_attr_name(attr));
		return -EINVAL;
	}
	return pages;
}

int ms_grid_pages(enum ms_attr attr, const char *grid)
{
	char why[160];
	int off;

	if (!grid)
		return -EINVAL;
	return ms__scn_grid_check(attr, grid, &off, why, sizeof(why));
}

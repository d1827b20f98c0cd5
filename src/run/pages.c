// SPDX-License-Identifier: MIT
/*
 * Page grids: one token per page, per attribute.  The same code renders an
 * observation and matches it against an expectation, so the two can never
 * disagree about what a token means.  The legend is in docs/scenarios.md.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "grid.h"
#include "run/run.h"

static bool attr_has_words(enum ms_attr attr)
{
	return attr == MS_ATTR_PROT || attr == MS_ATTR_BACK;
}

int ms__grid_split(enum ms_attr attr, const char *grid,
		   char tok[][MS__TOKEN_MAX], int max)
{
	const char *walk = grid, *t;
	size_t len;
	int n = 0;

	while ((t = ms__grid_next(attr, &walk, &len))) {
		if (n == max || len >= MS__TOKEN_MAX)
			return -EINVAL;
		memcpy(tok[n], t, len);
		tok[n][len] = '\0';
		n++;
	}
	return n;
}

static void prot_token(const struct ms_page *pg, bool with_x, char *out)
{
	int i = 0;

	out[i++] = pg->prot & PROT_READ ? 'r' : '-';
	out[i++] = pg->prot & PROT_WRITE ? 'w' : '-';
	if (with_x)
		out[i++] = pg->prot & PROT_EXEC ? 'x' : '-';
	out[i] = '\0';
}

/*
 * The token for one observed page.  For vmas the caller passes the letter
 * it assigned to the page's VMA; for prot, whether any page is executable
 * (then every token has three characters, as the printer writes them).
 */
static void page_token(enum ms_attr attr, const struct ms_page *pg,
		       char vma_letter, bool with_x, char *out)
{
	if (!pg->mapped) {
		strcpy(out, attr == MS_ATTR_PROT ? (with_x ? "..." : "..") : ".");
		return;
	}
	switch (attr) {
	case MS_ATTR_VMAS:
		out[0] = vma_letter;
		out[1] = '\0';
		break;
	case MS_ATTR_PROT:
		prot_token(pg, with_x, out);
		break;
	case MS_ATTR_SEAL:
		strcpy(out, pg->sealed ? "S" : "-");
		break;
	case MS_ATTR_LOCK:
		strcpy(out, pg->lock & MS_LOCK_ONFAULT ? "F" :
			    pg->lock & MS_LOCK_LOCKED  ? "L" : "-");
		break;
	case MS_ATTR_INHERIT:
		strcpy(out, pg->inherit & MS_INHERIT_WIPEONFORK ? "W" :
			    pg->inherit & MS_INHERIT_DONTFORK	? "D" : "-");
		break;
	case MS_ATTR_SHARE:
		strcpy(out, pg->shared ? "s" : "p");
		break;
	case MS_ATTR_BACK:
		if (pg->backing == MS_BACK_FILE)
			snprintf(out, MS__TOKEN_MAX, "f%llu",
				 (unsigned long long)pg->pgoff);
		else
			strcpy(out, pg->backing == MS_BACK_SPECIAL ? "x" : "a");
		break;
	case MS_ATTR_GUARD:
		strcpy(out, pg->guard ? "G" : "-");
		break;
	case MS_ATTR_PKEY:
		/* No ProtectionKey line (no PKU): every page has key 0. */
		snprintf(out, MS__TOKEN_MAX, "%x", pg->pkey < 0 ? 0 : pg->pkey);
		break;
	case MS_ATTR_DATA:
		out[0] = pg->data ? pg->data : '?';
		out[1] = '\0';
		break;
	default:
		strcpy(out, "?");
	}
}

/* Letters for VMAs in order of first appearance: "aab.c". */
static void vma_letters(const struct ms_page *pages, int n, char *letters)
{
	char next = 'a';

	for (int i = 0; i < n; i++) {
		letters[i] = '.';
		if (!pages[i].mapped)
			continue;
		for (int j = 0; j < i; j++) {
			if (pages[j].mapped && pages[j].vma == pages[i].vma) {
				letters[i] = letters[j];
				break;
			}
		}
		if (letters[i] == '.')
			letters[i] = next <= 'z' ? next++ : '#';
	}
}

static bool any_exec(const struct ms_page *pages, int n)
{
	for (int i = 0; i < n; i++)
		if (pages[i].mapped && (pages[i].prot & PROT_EXEC))
			return true;
	return false;
}

void ms_grid_format(enum ms_attr attr, const struct ms_page *pages, int n,
		    char *buf, size_t len)
{
	char letters[MS_GRID_MAX];
	bool with_x = any_exec(pages, n);
	size_t used = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (n > MS_GRID_MAX)
		n = MS_GRID_MAX;
	vma_letters(pages, n, letters);
	for (int i = 0; i < n; i++) {
		char tok[MS__TOKEN_MAX];
		int w;

		page_token(attr, &pages[i], letters[i], with_x, tok);
		w = snprintf(buf + used, len - used, "%s%s",
			     i && attr_has_words(attr) ? " " : "", tok);
		if (w < 0 || (size_t)w >= len - used)
			return;
		used += (size_t)w;
	}
}

static bool token_is_unspecified(const char *t)
{
	return t[0] == '?';
}

static bool token_is_unmapped(const char *t)
{
	return t[0] == '.';
}

/* Does prot token t ("rw", "r-x", "--") describe page pg? */
static bool prot_matches(const char *t, const struct ms_page *pg)
{
	int want = 0;

	for (const char *c = t; *c; c++) {
		if (*c == 'r')
			want |= PROT_READ;
		else if (*c == 'w')
			want |= PROT_WRITE;
		else if (*c == 'x')
			want |= PROT_EXEC;
	}
	return want == (pg->prot & (PROT_READ | PROT_WRITE | PROT_EXEC));
}

int ms__grid_match(enum ms_attr attr, const char *grid,
		   const struct ms_page *pages, int n, int *unobservable)
{
	char tok[MS_GRID_MAX][MS__TOKEN_MAX];
	char letters[MS_GRID_MAX];
	bool with_x = any_exec(pages, n);
	int ntok = ms__grid_split(attr, grid, tok, MS_GRID_MAX), blind = 0;

	if (unobservable)
		*unobservable = 0;
	if (ntok < 0)
		return ntok;
	if (ntok != n)
		return -EINVAL;
	vma_letters(pages, n, letters);

	for (int i = 0; i < n; i++) {
		const struct ms_page *pg = &pages[i];
		char got[MS__TOKEN_MAX];

		if (token_is_unspecified(tok[i]))
			continue;
		if (token_is_unmapped(tok[i]) != !pg->mapped)
			return 0;
		if (!pg->mapped)
			continue;
		/* The target could not look: no evidence either way. */
		if (attr == MS_ATTR_DATA && pg->data == MS_DATA_UNOBSERVABLE) {
			blind++;
			continue;
		}
		switch (attr) {
		case MS_ATTR_VMAS:
			/* Only the partition matters, not the letters. */
			for (int j = 0; j < i; j++) {
				if (token_is_unspecified(tok[j]) ||
				    !pages[j].mapped)
					continue;
				if ((tok[j][0] == tok[i][0]) !=
				    (pages[j].vma == pg->vma))
					return 0;
			}
			break;
		case MS_ATTR_PROT:
			if (!prot_matches(tok[i], pg))
				return 0;
			break;
		default:
			page_token(attr, pg, letters[i], with_x, got);
			if (strcmp(got, tok[i]) != 0)
				return 0;
		}
	}
	if (unobservable)
		*unobservable = blind;
	return 1;
}

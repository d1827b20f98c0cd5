// SPDX-License-Identifier: MIT
/*
 * Coverage cells: call x mapping kind x seal state x range shape, read
 * from a trace's snapshots.  For each call that takes an address and a
 * length, the range is looked up in the last snapshot of the address's
 * name before the call (in that trace):
 *
 *   kind   what its first mapped page is: anon, shared anon, file, shared
 *          file, special; "hole" when nothing in it is mapped
 *   seal   none, some or all of its mapped pages sealed
 *   shape  empty (length 0), one VMA, several VMAs, with a hole
 *
 * Addresses written as NAME+Np and lengths as Np (or bytes) are understood;
 * a step whose range cannot be read that way counts nowhere.  The same
 * function counts what the catalog reaches (on the model) and what fuzzing
 * reaches (on the kernel), so the two can be compared.
 */
#include <string.h>

#include "fuzz/fuzz.h"

enum { KINDS = 6, SEALS = 3, SHAPES = 4 };

static const char *const kind_names[KINDS] = {
	"anon", "shared-anon", "file", "shared-file", "special", "hole",
};

/* NAME + pages, or false. */
static bool addr_of(const struct ms_expr *e, int *name, int64_t *off)
{
	if (e->nterms < 1 || e->t[0].kind != MS_TERM_NAME)
		return false;
	*name = e->t[0].name;
	*off = 0;
	for (int k = 1; k < e->nterms; k++) {
		if (e->t[k].kind != MS_TERM_PAGES || e->t[k].op == '|')
			return false;
		*off += e->t[k].op == '-' ? -e->t[k].num : e->t[k].num;
	}
	return true;
}

/* A length in pages (rounded up), or false. */
static bool len_of(const struct ms_expr *e, long ps, int64_t *pages)
{
	int64_t bytes = 0;

	for (int k = 0; k < e->nterms; k++) {
		int64_t v;

		if (e->t[k].kind == MS_TERM_PAGES)
			v = e->t[k].num * ps;
		else if (e->t[k].kind == MS_TERM_NUM)
			v = e->t[k].num;
		else
			return false;
		if (e->t[k].op == '|')
			return false;
		bytes += e->t[k].op == '-' ? -v : v;
	}
	if (bytes < 0)
		return false;
	*pages = (bytes + ps - 1) / ps;
	return true;
}

static int page_kind(const struct ms_page *pg)
{
	switch (pg->backing) {
	case MS_BACK_FILE:
		return pg->shared ? 3 : 2;
	case MS_BACK_SPECIAL:
		return 4;
	default:
		return pg->shared ? 1 : 0;
	}
}

void ms_fuzz_cover(const struct ms_program *p, const struct ms_trace *t,
		   uint8_t *cells)
{
	long ps = t->page_size > 0 ? t->page_size : 4096;

	for (int k = 0; k < t->nout; k++) {
		const struct ms_outcome *o = &t->out[k], *snap = NULL;
		const struct ms_step *s;
		int name, kind = 5, nsealed = 0, nmapped = 0, shape, seal;
		int64_t off, len;
		bool hole = false, several = false;

		if (o->kind == MS_OUT_PAGES || o->step < 0 ||
		    o->step >= p->nsteps)
			continue;
		s = &p->steps[o->step];
		if (s->kind != MS_STEP_CALL || s->nargs < 2 ||
		    s->args[0].kind != MS_ARG_EXPR ||
		    !addr_of(&s->args[0].expr, &name, &off))
			continue;
		if (s->args[1].kind == MS_ARG_STR)
			len = (int64_t)strlen(s->args[1].str);
		else if (!len_of(&s->args[1].expr, ps, &len))
			continue;
		for (int j = 0; j < k; j++)
			if (t->out[j].kind == MS_OUT_PAGES &&
			    t->out[j].name == name &&
			    t->out[j].pid_depth == o->pid_depth)
				snap = &t->out[j];
		if (!snap)
			continue;
		for (int64_t i = off; i < off + len && i < off + 256; i++) {
			const struct ms_page *pg;

			if (i < 0 || i >= snap->npages) {
				hole = true;
				continue;
			}
			pg = &snap->pages[i];
			if (!pg->mapped) {
				hole = true;
				continue;
			}
			if (!nmapped)
				kind = page_kind(pg);
			else if (pg->vma != snap->pages[i - 1].vma ||
				 !snap->pages[i - 1].mapped)
				several = true;
			nmapped++;
			nsealed += pg->sealed;
		}
		shape = len == 0 ? 0 : hole ? 3 : several ? 2 : 1;
		seal = nsealed == 0 ? 0 : nsealed == nmapped ? 2 : 1;
		{
			int c = (((int)s->call * KINDS + kind) * SEALS + seal) *
					SHAPES + shape;

			cells[c / 8] |= (uint8_t)(1u << (c % 8));
		}
	}
}

int ms_fuzz_cells(const uint8_t *cells)
{
	int n = 0;

	for (int i = 0; i < MS_FUZZ_CELLS; i++)
		n += (cells[i / 8] >> (i % 8)) & 1;
	return n;
}

const char *ms_fuzz_cell_kind(int k)
{
	return k >= 0 && k < KINDS ? kind_names[k] : "?";
}

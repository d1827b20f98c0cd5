// SPDX-License-Identifier: MIT
/*
 * From a generated program to a scenario: recorded steps get the results
 * the kernel gave, expect steps the grids the kernel observed, and names
 * no step binds any more (the minimiser dropped their bindings) go.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fuzz/fuzz.h"

/* The kernel's result of step i (its first, for a step a loop repeats). */
static const struct ms_outcome *outcome_of(const struct ms_trace *t, int i,
					   bool pages, int *index)
{
	for (int k = 0; k < t->nout; k++) {
		const struct ms_outcome *o = &t->out[k];

		if (o->step != i)
			continue;
		if (pages ? (o->kind == MS_OUT_PAGES && o->name < 0) :
			    o->kind != MS_OUT_PAGES) {
			*index = k;
			return o;
		}
	}
	return NULL;
}

/*
 * An address as a name plus pages: the names' values are the addresses of
 * their snapshots before outcome `upto`.
 */
static bool addr_expr(struct ms_program *p, const struct ms_trace *t,
		      int upto, uint64_t addr, struct ms_expr *e)
{
	uint64_t val[MS_NAMES_MAX];
	bool known[MS_NAMES_MAX] = { false };
	long ps = t->page_size > 0 ? t->page_size : 4096;

	for (int k = 0; k < upto && k < t->nout; k++) {
		const struct ms_outcome *o = &t->out[k];

		if (o->kind == MS_OUT_PAGES && o->name >= 0 &&
		    o->name < MS_NAMES_MAX) {
			val[o->name] = o->addr;
			known[o->name] = true;
		}
	}
	for (int n = 0; n < p->nnames; n++) {
		int64_t d;

		if (!known[n])
			continue;
		d = (int64_t)(addr - val[n]);
		if (d % ps == 0 && d / ps >= -64 && d / ps <= 64) {
			ms_expr_name(p, e, n, d / ps);
			return true;
		}
	}
	return false;
}

static void drop_unbound_names(struct ms_program *p)
{
	for (int n = p->nnames - 1; n >= 0; n--) {
		bool bound = false;

		for (int i = 0; i < p->nsteps && !bound; i++)
			bound = p->steps[i].kind == MS_STEP_CALL &&
				p->steps[i].bind == n;
		if (bound)
			continue;
		/* Unused by validation: no step may refer to it either. */
		for (int i = 0; i < p->nsteps; i++) {
			struct ms_step *s = &p->steps[i];
			struct ms_result *res = ms_step_results_mut(p, s);

			if (s->bind > n)
				s->bind--;
			for (int a = 0; a <= s->nargs && a < MS_ARGS_MAX + 1;
			     a++) {
				struct ms_expr *e =
					a < s->nargs ?
						(s->args[a].kind == MS_ARG_EXPR ?
							 &s->args[a].expr :
							 NULL) :
						&s->where;
				struct ms_term *t =
					e ? ms_expr_terms_mut(p, e) : NULL;

				for (int k = 0; t && k < e->nterms; k++)
					if (t[k].kind == MS_TERM_NAME &&
					    t[k].name > n)
						t[k].name--;
			}
			for (int r = 0; res && r < s->nresults; r++) {
				struct ms_expr *e = &res[r].value;
				struct ms_term *t = ms_expr_terms_mut(p, e);

				if (res[r].kind != MS_RES_VALUE)
					continue;
				for (int k = 0; t && k < e->nterms; k++)
					if (t[k].kind == MS_TERM_NAME &&
					    t[k].name > n)
						t[k].name--;
			}
		}
		memmove(&p->names[n], &p->names[n + 1],
			sizeof(p->names[0]) * (size_t)(p->nnames - n - 1));
		p->nnames--;
	}
}

int ms_fuzz_fill_results(struct ms_program *p, const struct ms_trace *kt)
{
	drop_unbound_names(p);
	for (int i = 0; i < p->nsteps; i++) {
		struct ms_step *s = &p->steps[i];
		const struct ms_outcome *o;
		struct ms_result *r;
		int idx = 0;

		if (s->kind == MS_STEP_EXPECT) {
			char grid[MS_GRID_MAX * 4];

			o = outcome_of(kt, i, true, &idx);
			if (!o)
				return -ESRCH;
			ms_grid_format(s->attr, o->pages, o->npages, grid,
				       sizeof(grid));
			for (char *c = grid; *c; c++)
				if (*c == MS_DATA_UNOBSERVABLE)
					*c = '?';
			/*
			 * ms_grid_format writes an unmapped page "..." beside
			 * executable ones; the language spells it "..".
			 */
			if (s->attr == MS_ATTR_PROT)
				for (char *c; (c = strstr(grid, "...")); )
					memmove(c, c + 1, strlen(c));
			s->grid.str = ms_text_add_str(p, grid);
			continue;
		}
		if (s->kind != MS_STEP_CALL || !s->record)
			continue;
		o = outcome_of(kt, i, false, &idx);
		if (!o)
			return -ESRCH;
		r = ms_step_add_result(p, s);
		if (!r)
			return -ENOMEM;
		s->record = false;
		if (o->kind == MS_OUT_FAULT) {
			r->kind = MS_RES_FAULT;
		} else if (o->ret < 0) {
			r->kind = ms_errno_name((int)-o->ret) ? MS_RES_ERRNO :
								MS_RES_ERROR;
			r->err = (int)-o->ret;
		} else if (ms_call_desc[s->call].ret == MS_RET_INT) {
			r->kind = MS_RES_VALUE;
			ms_expr_num(p, &r->value, o->ret);
		} else if (ms_call_desc[s->call].ret == MS_RET_ADDR &&
			   addr_expr(p, kt, idx, (uint64_t)o->ret,
				     &r->value)) {
			r->kind = MS_RES_VALUE;
		} else {
			r->kind = MS_RES_OK;
		}
	}
	p->features = ms_program_features(p);
	return p->pool.nomem ? -ENOMEM : 0;
}

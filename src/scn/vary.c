// SPDX-License-Identifier: MIT
/*
 * Vary tables: ms_instantiate substitutes one row into a template.
 *
 * A $column is replaced as if its cell were written in its place: in an
 * expression the cell's terms are spliced in (a cell after '-' must be one
 * term, since "a - $x" with x = "b+c" would read (a-b)+c); in a result slot
 * the cell is a result; in a string or grid slot a quoted cell gives its
 * contents and a bare cell its text.  Names in a cell must be visible at the
 * step that uses it.
 *
 * A program without a table has one variant, row 0, which is a plain copy.
 * Every instance has row >= 0 and no table left; only templates (what
 * ms_parse returns) have row -1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn.h"

int ms_variant_count(const struct ms_program *t)
{
	return t->nvary_cols ? t->nvary_rows : 1;
}

static int column(const struct ms_program *t, const char *name)
{
	for (int j = 0; j < t->nvary_cols; j++)
		if (strcmp(t->vary_cols[j], name) == 0)
			return j;
	return -1;
}

static const struct ms_cell *cell_of(const struct ms_program *t, int row,
				     const char *name, const struct ms_loc *at,
				     struct ms_diag *diag)
{
	int j = column(t, name);

	if (j < 0) {
		ms__scn_diag(diag, at->file, at->line, at->col,
			     "unknown column '$%s'", name);
		return NULL;
	}
	return &t->vary[row][j];
}

static int subst_expr(const struct ms_program *t, int row, int step,
		      const struct ms__scope *sc, struct ms_expr *e,
		      struct ms_diag *diag)
{
	struct ms_expr out = *e;
	int ret;

	out.nterms = 0;
	for (int i = 0; i < e->nterms && i < MS_EXPR_MAX; i++) {
		const struct ms_term *tm = &e->t[i];
		const struct ms_cell *c;
		struct ms_expr ce;

		if (tm->kind != MS_TERM_VAR) {
			if (out.nterms == MS_EXPR_MAX)
				goto too_long;
			out.t[out.nterms++] = *tm;
			continue;
		}
		c = cell_of(t, row, tm->text, &e->loc, diag);
		if (!c)
			return -EINVAL;
		ret = ms__scn_cell_expr(t, sc, step, c, &ce, diag);
		if (ret)
			return ret;
		if (tm->op == '-' && ce.nterms > 1)
			return ms__scn_diag(diag, c->loc.file, c->loc.line,
					    c->loc.col,
					    "cell '%s' has %d terms but "
					    "follows '-' in the expression: "
					    "write a single term",
					    c->text, ce.nterms);
		for (int k = 0; k < ce.nterms; k++) {
			if (out.nterms == MS_EXPR_MAX)
				goto too_long_cell;
			out.t[out.nterms] = ce.t[k];
			if (k == 0)
				out.t[out.nterms].op = tm->op;
			out.nterms++;
		}
		continue;
too_long_cell:
		return ms__scn_diag(diag, c->loc.file, c->loc.line, c->loc.col,
				    "with cell '%s' the expression has more "
				    "than %d terms",
				    c->text, MS_EXPR_MAX);
	}
	*e = out;
	return 0;
too_long:
	return ms__scn_diag(diag, e->loc.file, e->loc.line, e->loc.col,
			    "the expression has more than %d terms",
			    MS_EXPR_MAX);
}

static int subst_string(const struct ms_program *t, int row,
			struct ms_arg *a, const struct ms_loc *at,
			struct ms_diag *diag)
{
	const struct ms_cell *c = cell_of(t, row, a->str, at, diag);

	if (!c)
		return -EINVAL;
	a->kind = MS_ARG_STR;
	ms__scn_cell_string(c, a->str, sizeof(a->str));
	return 0;
}

static int subst_step(const struct ms_program *t, int row, int i,
		      const struct ms__scope *sc, struct ms_step *st,
		      struct ms_diag *diag)
{
	int ret = 0;

	if (st->kind == MS_STEP_CALL) {
		for (int k = 0; k < st->nargs && k < MS_ARGS_MAX && !ret; k++) {
			struct ms_arg *a = &st->args[k];

			if (a->kind == MS_ARG_EXPR)
				ret = subst_expr(t, row, i, sc, &a->expr, diag);
			else if (a->kind == MS_ARG_VAR)
				ret = subst_string(t, row, a, &st->loc, diag);
		}
		for (int k = 0; k < st->nresults && k < MS_ALTS_MAX && !ret;
		     k++) {
			struct ms_result *r = &st->results[k];
			const struct ms_cell *c;
			struct ms_result nr;

			if (r->kind == MS_RES_VALUE) {
				ret = subst_expr(t, row, i, sc, &r->value,
						 diag);
				continue;
			}
			if (r->kind != MS_RES_VAR)
				continue;
			c = cell_of(t, row, r->var, &r->loc, diag);
			if (!c)
				return -EINVAL;
			ret = ms__scn_cell_result(t, sc, i, c, &nr, diag);
			nr.profiles = r->profiles;
			nr.loc = r->loc;
			*r = nr;
		}
	} else if (st->kind == MS_STEP_EXPECT) {
		ret = subst_expr(t, row, i, sc, &st->where, diag);
		if (!ret && st->grid.kind == MS_ARG_VAR) {
			const struct ms_cell *c;
			char why[200];
			int off;

			c = cell_of(t, row, st->grid.str, &st->loc, diag);
			if (!c)
				return -EINVAL;
			ret = subst_string(t, row, &st->grid, &st->loc, diag);
			if (!ret && ms__scn_grid_check(st->attr, st->grid.str,
						       &off, why,
						       sizeof(why)) < 0)
				ret = ms__scn_diag(diag, c->loc.file,
						   c->loc.line, c->loc.col,
						   "%s", why);
		}
	}
	return ret;
}

int ms_instantiate(const struct ms_program *t, int row, struct ms_program *out,
		   struct ms_diag *diag)
{
	struct ms__scope sc;
	struct ms_diag dummy;
	char name[sizeof(out->name)];
	int ret = 0;

	if (!diag)
		diag = &dummy;
	if (out == t)
		return ms__scn_diag(diag, t->file, 1, 1,
				    "instantiate into a separate program");
	memset(out, 0, sizeof(*out));
	out->row = -1;
	if (row < 0 || row >= ms_variant_count(t))
		return ms__scn_diag(diag, t->file, 1, 1,
				    "%s has no variant %d", t->name, row);
	*out = *t;
	out->vary = NULL;	/* an instance has no table */
	out->steps = NULL;
	out->cap_steps = 0;
	out->nsteps = 0;
	if (t->nsteps > 0) {
		out->steps = malloc((size_t)t->nsteps * sizeof(*out->steps));
		if (!out->steps) {
			memset(out, 0, sizeof(*out));
			out->row = -1;
			snprintf(diag->msg, sizeof(diag->msg), "out of memory");
			return -ENOMEM;
		}
		memcpy(out->steps, t->steps,
		       (size_t)t->nsteps * sizeof(*out->steps));
		out->nsteps = out->cap_steps = t->nsteps;
	}
	out->row = row;
	if (!t->nvary_cols)
		return 0;

	memset(&sc, 0, sizeof(sc));
	for (int i = 0; i < out->nsteps && !ret; i++) {
		ret = subst_step(t, row, i, &sc, &out->steps[i], diag);
		ms__scn_scope_step(&sc, &out->steps[i]);
	}
	if (ret) {
		ms_program_free(out);
		memset(out, 0, sizeof(*out));
		out->row = -1;
		return ret;
	}
	ms_variant_name(t, row, name, sizeof(name));
	memcpy(out->name, name, sizeof(out->name));
	/* A row may bring its own needs (MADV_GUARD_INSTALL in a cell). */
	out->features = t->features | ms_program_features(out);
	out->nvary_cols = out->nvary_rows = 0;
	memset(out->vary_cols, 0, sizeof(out->vary_cols));
	return 0;
}

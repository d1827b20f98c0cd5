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

/*
 * Rewrites e, an expression of instance out (whose pool began as a copy of
 * template t's), with every $column replaced by its cell's terms: a new
 * run of terms at the end of out's pool.
 */
static int subst_expr(const struct ms_program *t, struct ms_program *out,
		      int row, int step, const struct ms__scope *sc,
		      struct ms_expr *e, struct ms_diag *diag)
{
	const struct ms_term *terms = ms_expr_terms(t, e);
	struct ms_expr res = *e;
	bool has_var = false;
	int ret;

	if (!terms)
		return ms__scn_diag(diag, e->loc.file, e->loc.line, e->loc.col,
				    "an expression outside the program");
	for (int i = 0; i < e->nterms; i++)
		has_var |= terms[i].kind == MS_TERM_VAR;
	if (!has_var)
		return 0;
	res.nterms = 0;
	for (int i = 0; i < e->nterms; i++) {
		const struct ms_term *tm = &terms[i]; /* t's: stays put */
		const struct ms_term *ct;
		const struct ms_cell *c;
		struct ms_term *nt;
		struct ms_expr ce;

		if (tm->kind != MS_TERM_VAR) {
			if (res.nterms == MS_EXPR_MAX)
				goto too_long;
			nt = ms_expr_add_term(out, &res);
			if (!nt)
				return -ENOMEM;
			*nt = *tm;
			continue;
		}
		c = cell_of(t, row, ms_text(t, tm->text), &e->loc, diag);
		if (!c)
			return -EINVAL;
		ret = ms__scn_cell_expr(out, sc, step, c, &ce, diag);
		if (ret)
			return ret;
		if (tm->op == '-' && ce.nterms > 1)
			return ms__scn_diag(diag, c->loc.file, c->loc.line,
					    c->loc.col,
					    "cell '%s' has %d terms but "
					    "follows '-' in the expression: "
					    "write a single term",
					    ms_text(t, c->text), ce.nterms);
		for (int k = 0; k < ce.nterms; k++) {
			if (res.nterms == MS_EXPR_MAX)
				goto too_long_cell;
			nt = ms_expr_add_term(out, &res);
			if (!nt)
				return -ENOMEM;
			/* Looked up again: the addition may move the pool. */
			ct = ms_expr_terms(out, &ce);
			*nt = ct[k];
			if (k == 0)
				nt->op = tm->op;
		}
		continue;
too_long_cell:
		return ms__scn_diag(diag, c->loc.file, c->loc.line, c->loc.col,
				    "with cell '%s' the expression has more "
				    "than %d terms",
				    ms_text(t, c->text), MS_EXPR_MAX);
	}
	*e = res;
	return 0;
too_long:
	return ms__scn_diag(diag, e->loc.file, e->loc.line, e->loc.col,
			    "the expression has more than %d terms",
			    MS_EXPR_MAX);
}

static int subst_string(const struct ms_program *t, struct ms_program *out,
			int row, struct ms_arg *a, const struct ms_loc *at,
			struct ms_diag *diag)
{
	const struct ms_cell *c = cell_of(t, row, ms_text(t, a->str), at,
					  diag);
	char buf[MS_CELL_MAX];

	if (!c)
		return -EINVAL;
	a->kind = MS_ARG_STR;
	ms__scn_cell_string(t, c, buf, sizeof(buf));
	a->str = ms_text_add_str(out, buf);
	return out->pool.nomem ? -ENOMEM : 0;
}

static int subst_step(const struct ms_program *t, struct ms_program *out,
		      int row, int i, const struct ms__scope *sc,
		      struct ms_diag *diag)
{
	struct ms_step *st = &out->steps[i];
	int ret = 0;

	if (st->kind == MS_STEP_CALL) {
		for (int k = 0; k < st->nargs && k < MS_ARGS_MAX && !ret; k++) {
			struct ms_arg *a = &st->args[k];

			if (a->kind == MS_ARG_EXPR)
				ret = subst_expr(t, out, row, i, sc, &a->expr,
						 diag);
			else if (a->kind == MS_ARG_VAR)
				ret = subst_string(t, out, row, a, &st->loc,
						   diag);
		}
		for (int k = 0; k < st->nresults && k < MS_ALTS_MAX && !ret;
		     k++) {
			/* Looked up each time: a cell's result adds to the
			 * pool. */
			struct ms_result *r = ms_step_results_mut(out, st) + k;
			const struct ms_cell *c;
			struct ms_result nr;

			if (r->kind == MS_RES_VALUE || r->kind == MS_RES_IN ||
			    r->kind == MS_RES_NOTIN || r->kind == MS_RES_NOT) {
				ret = subst_expr(t, out, row, i, sc, &r->value,
						 diag);
				if (!ret && r->kind == MS_RES_VALUE)
					ret = ms__scn_check_value(out,
								  &r->value,
								  &r->loc,
								  diag);
				if (!ret && (r->kind == MS_RES_IN ||
					     r->kind == MS_RES_NOTIN))
					ret = subst_expr(t, out, row, i, sc,
							 &r->hi, diag);
				continue;
			}
			if (r->kind != MS_RES_VAR)
				continue;
			c = cell_of(t, row, ms_text(t, r->var), &r->loc, diag);
			if (!c)
				return -EINVAL;
			ret = ms__scn_cell_result(out, sc, i, c, &nr, diag);
			nr.profiles = r->profiles;
			nr.loc = r->loc;
			*r = nr;
		}
	} else if (st->kind == MS_STEP_EXPECT) {
		ret = subst_expr(t, out, row, i, sc, &st->where, diag);
		if (!ret && st->grid.kind == MS_ARG_VAR) {
			const struct ms_cell *c;
			char why[200];
			int off;

			c = cell_of(t, row, ms_text(t, st->grid.str), &st->loc,
				    diag);
			if (!c)
				return -EINVAL;
			ret = subst_string(t, out, row, &st->grid, &st->loc,
					   diag);
			if (!ret && ms__scn_grid_check(st->attr,
						       ms_text(out,
							       st->grid.str),
						       &off, why,
						       sizeof(why)) < 0)
				ret = ms__scn_diag(diag, c->loc.file,
						   c->loc.line, c->loc.col,
						   "%s", why);
		}
	}
	return ret;
}

/*
 * Whether step st, which has "when $col", is in row `row`: 1 when the cell
 * says yes, 0 when it says no, -EINVAL (pointing at the cell) otherwise.
 */
static int when_cell(const struct ms_program *t, int row,
		     const struct ms_step *st, struct ms_diag *diag)
{
	const struct ms_cell *c = cell_of(t, row, ms_text(t, st->when),
					  &st->loc, diag);
	char buf[MS_CELL_MAX];

	if (!c)
		return -EINVAL;
	ms__scn_cell_string(t, c, buf, sizeof(buf));
	if (strcmp(buf, "yes") == 0)
		return 1;
	if (strcmp(buf, "no") == 0)
		return 0;
	return ms__scn_diag(diag, c->loc.file, c->loc.line, c->loc.col,
			    "cell '%s' says whether the step at line %d is in "
			    "this row ('when $%s'): write yes or no",
			    ms_text(t, c->text), st->loc.line,
			    ms_text(t, st->when));
}

static bool is_blank_note(const struct ms_step *st)
{
	return st->kind == MS_STEP_NOTE && !st->comment;
}

/*
 * Renumbers the NAME terms of e, an expression of p whose terms are its
 * own; -1 for a name with no binding left.
 */
static void remap_expr(struct ms_program *p, const struct ms_expr *e,
		       const int *map)
{
	struct ms_term *tm = ms_expr_terms_mut(p, e);

	for (int k = 0; tm && k < e->nterms; k++)
		if (tm[k].kind == MS_TERM_NAME && tm[k].name >= 0 &&
		    tm[k].name < MS_NAMES_MAX)
			tm[k].name = map[tm[k].name];
}

/* A NAME term of e that is not visible per sc (or not bound at all). */
static int unbound_term(const struct ms_program *p, const struct ms_expr *e,
			const struct ms__scope *sc)
{
	const struct ms_term *tm = ms_expr_terms(p, e);

	for (int k = 0; tm && k < e->nterms; k++)
		if (tm[k].kind == MS_TERM_NAME &&
		    (tm[k].name < 0 || tm[k].name >= MS_NAMES_MAX ||
		     !sc->bound[tm[k].name]))
			return k;
	return -1;
}

/*
 * The row's program without the steps its "when" cells leave out: blank
 * lines collapse as the parser would have them, and names are numbered in
 * the order of their first binding left, so that the instance prints as
 * text that parses back to it.  A name used where no binding of it is
 * left (or visible) is an error at the step that uses it.
 */
static int drop_steps(const struct ms_program *t, struct ms_program *out,
		      const bool *keep, struct ms_diag *diag)
{
	int map[MS_NAMES_MAX], rev[MS_NAMES_MAX], n = 0, nn = 0;
	struct ms_name names[MS_NAMES_MAX];
	struct ms__scope sc;

	for (int i = 0; i < out->nsteps; i++) {
		if (!keep[i])
			continue;
		if (is_blank_note(&out->steps[i]) &&
		    (n == 0 || is_blank_note(&out->steps[n - 1])))
			continue;
		out->steps[n++] = out->steps[i];
	}
	while (n && is_blank_note(&out->steps[n - 1]))
		n--;
	out->nsteps = n;

	for (int k = 0; k < MS_NAMES_MAX; k++)
		map[k] = -1;
	for (int i = 0; i < n; i++) {
		struct ms_step *st = &out->steps[i];

		if (st->kind != MS_STEP_CALL || st->bind < 0 ||
		    st->bind >= MS_NAMES_MAX)
			continue;
		if (map[st->bind] < 0) {
			map[st->bind] = nn;
			rev[nn] = st->bind;
			names[nn] = out->names[st->bind];
			names[nn].bound_at = i;
			nn++;
		}
		st->bind = map[st->bind];
	}

	memset(&sc, 0, sizeof(sc));
	for (int i = 0; i < n; i++) {
		struct ms_step *st = &out->steps[i];
		const struct ms_expr *bad = NULL;
		int k = -1;

		if (st->kind == MS_STEP_CALL) {
			struct ms_result *res = ms_step_results_mut(out, st);

			for (int a = 0; a < st->nargs && a < MS_ARGS_MAX; a++)
				if (st->args[a].kind == MS_ARG_EXPR)
					remap_expr(out, &st->args[a].expr, map);
			for (int r = 0; res && r < st->nresults; r++) {
				remap_expr(out, &res[r].value, map);
				remap_expr(out, &res[r].hi, map);
			}
			for (int a = 0; a < st->nargs && a < MS_ARGS_MAX &&
					k < 0; a++)
				if (st->args[a].kind == MS_ARG_EXPR &&
				    (k = unbound_term(out, &st->args[a].expr,
						      &sc)) >= 0)
					bad = &st->args[a].expr;
			for (int r = 0; res && r < st->nresults && k < 0;
			     r++) {
				const struct ms_result *rr = &res[r];

				if (rr->kind != MS_RES_VALUE &&
				    rr->kind != MS_RES_IN &&
				    rr->kind != MS_RES_NOTIN &&
				    rr->kind != MS_RES_NOT)
					continue;
				k = unbound_term(out, &rr->value, &sc);
				if (k >= 0) {
					bad = &rr->value;
				} else if (rr->kind == MS_RES_IN ||
					   rr->kind == MS_RES_NOTIN) {
					k = unbound_term(out, &rr->hi, &sc);
					if (k >= 0)
						bad = &rr->hi;
				}
			}
		} else if (st->kind == MS_STEP_EXPECT ||
			   st->kind == MS_STEP_UNBOUND) {
			const struct ms_term *w;

			remap_expr(out, &st->where, map);
			w = ms_expr_terms(out, &st->where);
			if (st->kind == MS_STEP_EXPECT &&
			    (k = unbound_term(out, &st->where, &sc)) >= 0)
				bad = &st->where;
			if (st->kind == MS_STEP_UNBOUND &&
			    (!w || st->where.nterms < 1 || w[0].name < 0 ||
			     names[w[0].name].bound_at > i)) {
				k = 0;
				bad = &st->where;
			}
		}
		if (bad) {
			const struct ms_term *bt = ms_expr_terms(out, bad);
			int bname = bt && k >= 0 ? bt[k].name : -1;
			int old = -1;

			/* The template's name: map[] lost it. */
			for (int q = 0; q < t->nsteps && old < 0; q++)
				if (t->steps[q].kind == MS_STEP_CALL &&
				    !keep[q] && t->steps[q].bind >= 0 &&
				    t->steps[q].bind < MS_NAMES_MAX &&
				    (bname < 0 ? map[t->steps[q].bind] < 0 :
						 rev[bname] ==
							 t->steps[q].bind))
					old = q;
			if (old >= 0)
				return ms__scn_diag(
					diag, st->loc.file, st->loc.line,
					st->loc.col,
					"in rows where $%s is no, '%s' is not "
					"bound here: the step that binds it "
					"(line %d) is left out; leave this "
					"step out too (when $%s)",
					ms_text(t, t->steps[old].when),
					t->names[t->steps[old].bind].name,
					t->steps[old].loc.line,
					ms_text(t, t->steps[old].when));
			return ms__scn_diag(diag, st->loc.file, st->loc.line,
					    st->loc.col,
					    "a name is not bound here in this "
					    "row");
		}
		ms__scn_scope_step(&sc, st);
	}
	memcpy(out->names, names, sizeof(names[0]) * (size_t)nn);
	out->nnames = nn;
	return 0;
}

int ms_instantiate(const struct ms_program *t, int row, struct ms_program *out,
		   struct ms_diag *diag)
{
	bool *keep = NULL, dropped = false;
	struct ms_program shallow;
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
	/* A copy, steps and pool, but no table: an instance has none. */
	shallow = *t;
	shallow.vary = NULL;
	if (ms_program_copy(out, &shallow)) {
		memset(out, 0, sizeof(*out));
		out->row = -1;
		snprintf(diag->msg, sizeof(diag->msg), "out of memory");
		return -ENOMEM;
	}
	out->row = row;
	if (!t->nvary_cols)
		return 0;

	keep = malloc((size_t)out->nsteps + 1);
	if (!keep) {
		ret = -ENOMEM;
		snprintf(diag->msg, sizeof(diag->msg), "out of memory");
	}
	for (int i = 0; i < out->nsteps && !ret; i++) {
		keep[i] = true;
		if (out->steps[i].when) {
			ret = when_cell(t, row, &out->steps[i], diag);
			keep[i] = ret == 1;
			dropped |= ret == 0;
			ret = ret < 0 ? ret : 0;
			out->steps[i].when = 0;
		}
	}
	memset(&sc, 0, sizeof(sc));
	for (int i = 0; i < out->nsteps && !ret; i++) {
		if (!keep[i])
			continue;	/* its cells may be placeholders */
		ret = subst_step(t, out, row, i, &sc, diag);
		ms__scn_scope_step(&sc, &out->steps[i]);
	}
	/*
	 * A cell of nothing but '?' checks nothing in its row: the row leaves
	 * the line out, as if it were written for the other rows only (a
	 * written grid like that is a parse error, so the row's text must
	 * not hold one).
	 */
	for (int i = 0; i < out->nsteps && !ret; i++) {
		const struct ms_step *st = &out->steps[i];

		if (keep[i] && st->kind == MS_STEP_EXPECT &&
		    st->grid.kind == MS_ARG_STR &&
		    strspn(ms_text(out, st->grid.str), "? ") ==
			    strlen(ms_text(out, st->grid.str))) {
			keep[i] = false;
			dropped = true;
		}
	}
	if (!ret && dropped)
		ret = drop_steps(t, out, keep, diag);
	if (!ret && out->pool.nomem) {
		ret = -ENOMEM;
		snprintf(diag->msg, sizeof(diag->msg), "out of memory");
	}
	free(keep);
	if (ret) {
		ms_program_free(out);
		memset(out, 0, sizeof(*out));
		out->row = -1;
		return ret;
	}
	ms__scn_trim(out);
	ms_variant_name(t, row, name, sizeof(name));
	memcpy(out->name, name, sizeof(out->name));
	/*
	 * A row may bring its own needs (MADV_GUARD_INSTALL in a cell), and
	 * leave out a step whose needs it then does not have.
	 */
	out->features = (dropped ? t->requires : t->features) |
			ms_program_features(out);
	out->nvary_cols = out->nvary_rows = 0;
	memset(out->vary_cols, 0, sizeof(out->vary_cols));
	return 0;
}

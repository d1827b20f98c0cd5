// SPDX-License-Identifier: MIT
/*
 * Programs built by code (sealspec-fuzz.h): the builder, and a validator
 * that holds a built program to the rules the parser holds a read one to,
 * so that the generator, the minimiser and the parser agree on what a
 * program is.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn.h"
#include "sealspec-fuzz.h"

int ms_build_init(struct ms_program *p, const char *name,
		  const char *purpose, uint32_t rules)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->file, sizeof(p->file), "%s.scn", name);
	p->purpose = ms_text_add_str(p, purpose);
	p->rules = rules;
	p->row = 0;
	return 0;
}

int ms_build_name(struct ms_program *p, const char *name, int step)
{
	for (int i = 0; i < p->nnames; i++)
		if (strcmp(p->names[i].name, name) == 0)
			return i;
	if (p->nnames >= MS_NAMES_MAX)
		return -ENOSPC;
	snprintf(p->names[p->nnames].name, MS_NAME_MAX, "%s", name);
	p->names[p->nnames].bound_at = step;
	return p->nnames++;
}

struct ms_step *ms_build_step(struct ms_program *p, enum ms_step_kind kind)
{
	struct ms_step *s;
	int depth = 0;

	if (p->nsteps >= MS_STEPS_MAX)
		return NULL;
	if (p->nsteps == p->cap_steps) {
		int cap = p->cap_steps ? 2 * p->cap_steps : 32;
		struct ms_step *ns = realloc(p->steps, sizeof(*ns) * cap);

		if (!ns)
			return NULL;
		p->steps = ns;
		p->cap_steps = cap;
	}
	if (p->nsteps) {
		const struct ms_step *prev = &p->steps[p->nsteps - 1];

		depth = prev->depth + (prev->kind == MS_STEP_FORK);
	}
	if (kind == MS_STEP_END && depth > 0)
		depth--;
	s = &p->steps[p->nsteps++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->depth = depth;
	s->bind = -1;
	s->loc.file = NULL;
	s->loc.line = p->nsteps;
	s->loc.col = 1;
	return s;
}

struct ms_step *ms_build_call(struct ms_program *p, enum ms_call call,
			      int bind)
{
	struct ms_step *s = ms_build_step(p, MS_STEP_CALL);

	if (!s)
		return NULL;
	s->call = call;
	s->bind = bind;
	return s;
}

static struct ms_term *add_term(struct ms_program *p, struct ms_expr *e,
				char op, enum ms_term_kind kind)
{
	struct ms_term *t = ms_expr_add_term(p, e);

	if (t) {
		t->op = op;
		t->kind = kind;
	}
	return t;
}

/* e, emptied: its old terms stay behind in the pool, unused. */
static struct ms_expr *expr_clear(struct ms_expr *e)
{
	memset(e, 0, sizeof(*e));
	return e;
}

struct ms_expr *ms_expr_num(struct ms_program *p, struct ms_expr *e,
			    int64_t v)
{
	struct ms_term *t = add_term(p, expr_clear(e), '+', MS_TERM_NUM);

	if (t)
		t->num = v;
	return e;
}

struct ms_expr *ms_expr_pages(struct ms_program *p, struct ms_expr *e,
			      int64_t n)
{
	struct ms_term *t = add_term(p, expr_clear(e), '+', MS_TERM_PAGES);

	if (t)
		t->num = n;
	return e;
}

struct ms_expr *ms_expr_name(struct ms_program *p, struct ms_expr *e,
			     int name, int64_t off)
{
	struct ms_term *t = add_term(p, expr_clear(e), '+', MS_TERM_NAME);

	if (t)
		t->name = name;
	if (t && off) {
		t = add_term(p, e, off < 0 ? '-' : '+', MS_TERM_PAGES);
		if (t)
			t->num = off < 0 ? -off : off;
	}
	return e;
}

struct ms_expr *ms_expr_syms(struct ms_program *p, struct ms_expr *e,
			     const char *spec)
{
	char buf[256];
	char *save = NULL, *tok;

	expr_clear(e);
	snprintf(buf, sizeof(buf), "%s", spec ? spec : "");
	for (tok = strtok_r(buf, "|", &save); tok;
	     tok = strtok_r(NULL, "|", &save)) {
		uint32_t text;
		struct ms_term *t;
		int64_t v;

		if (strcmp(tok, "0") == 0)
			continue;
		if (ms_symbol_lookup(tok, &v) < 0)
			return ms_expr_num(p, e, 0), NULL;
		text = ms_text_add_str(p, tok);
		t = add_term(p, e, e->nterms ? '|' : '+', MS_TERM_SYM);
		if (!t)
			return ms_expr_num(p, e, 0), NULL;
		t->num = v;
		t->text = text;
	}
	if (!e->nterms)
		ms_expr_num(p, e, 0);
	return e;
}

void ms_build_arg(struct ms_step *s, const struct ms_expr *e)
{
	if (s->nargs >= MS_ARGS_MAX)
		return;
	s->args[s->nargs].kind = MS_ARG_EXPR;
	s->args[s->nargs].expr = *e;
	s->nargs++;
}

void ms_build_arg_str(struct ms_program *p, struct ms_step *s,
		      const char *str)
{
	if (s->nargs >= MS_ARGS_MAX)
		return;
	s->args[s->nargs].kind = MS_ARG_STR;
	s->args[s->nargs].str = ms_text_add_str(p, str);
	s->nargs++;
}

/* ---- the validator ------------------------------------------------------- */

static int bad(char *why, size_t n, const struct ms_program *p, int step,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int bad(char *why, size_t n, const struct ms_program *p, int step,
	       const char *fmt, ...)
{
	va_list ap;
	int k = 0;

	if (!why || !n)
		return -EINVAL;
	if (step >= 0)
		k = snprintf(why, n, "step %d: ", ms_step_number(p, step));
	if (k < 0 || (size_t)k >= n)
		k = 0;
	va_start(ap, fmt);
	vsnprintf(why + k, n - (size_t)k, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int check_expr(const struct ms_program *p, const struct ms__scope *sc,
		      int step, const struct ms_expr *e, char *why, size_t n)
{
	const struct ms_term *terms = ms_expr_terms(p, e);

	if (e->nterms < 1 || e->nterms > MS_EXPR_MAX)
		return bad(why, n, p, step, "an expression has %d terms",
			   e->nterms);
	if (!terms)
		return bad(why, n, p, step, "an expression outside the pool");
	for (int k = 0; k < e->nterms; k++) {
		const struct ms_term *t = &terms[k];

		if (k == 0 ? t->op != '+' :
			     (t->op != '+' && t->op != '-' && t->op != '|'))
			return bad(why, n, p, step, "bad operator '%c'",
				   t->op ? t->op : '0');
		if (t->kind == MS_TERM_VAR)
			return bad(why, n, p, step, "$%s outside a template",
				   ms_text(p, t->text));
		if (t->kind == MS_TERM_PAGES && t->num < 0)
			return bad(why, n, p, step, "negative page count");
		if (t->kind == MS_TERM_SYM) {
			int64_t v;

			if (ms_symbol_lookup(ms_text(p, t->text), &v) < 0 ||
			    v != t->num)
				return bad(why, n, p, step,
					   "unknown constant '%s'",
					   ms_text(p, t->text));
		}
		if (t->kind != MS_TERM_NAME)
			continue;
		if (t->name < 0 || t->name >= p->nnames)
			return bad(why, n, p, step, "no name %d", t->name);
		if (!sc->bound[t->name])
			return bad(why, n, p, step,
				   "name '%s' is not bound here",
				   p->names[t->name].name);
	}
	return 0;
}

static int check_results(const struct ms_program *p,
			 const struct ms__scope *sc, int i, char *why,
			 size_t n)
{
	const struct ms_step *s = &p->steps[i];
	const struct ms_result *res;
	ms_profile_set seen = 0;
	bool dflt = false;
	int ret;

	if (s->nresults < 0 || s->nresults > MS_ALTS_MAX)
		return bad(why, n, p, i, "%d results", s->nresults);
	if (s->nresults && s->record)
		return bad(why, n, p, i, "a recorded step with results");
	res = ms_step_results(p, s);
	if (!res)
		return bad(why, n, p, i, "results outside the pool");
	for (int k = 0; k < s->nresults; k++) {
		const struct ms_result *r = &res[k];

		if (r->profiles & ~MS_ALL_PROFILES || r->profiles & seen)
			return bad(why, n, p, i, "a profile given twice");
		if (!r->profiles) {
			if (dflt)
				return bad(why, n, p, i,
					   "two results without a profile");
			dflt = true;
		}
		seen |= r->profiles;
		if (r->kind == MS_RES_VAR)
			return bad(why, n, p, i, "$%s outside a template",
				   ms_text(p, r->var));
		if (r->kind == MS_RES_FAULT && !ms_call_desc[s->call].memory)
			return bad(why, n, p, i, "%s cannot fault",
				   ms_call_desc[s->call].name);
		if (r->kind == MS_RES_ERRNO && !ms_errno_name(r->err))
			return bad(why, n, p, i, "unknown errno %d", r->err);
		if (r->kind == MS_RES_VALUE) {
			ret = check_expr(p, sc, i, &r->value, why, n);
			if (ret)
				return ret;
		}
	}
	if (s->nresults && !dflt && seen != MS_ALL_PROFILES)
		return bad(why, n, p, i, "no result for some profile");
	return 0;
}

static int check_call(const struct ms_program *p, const struct ms__scope *sc,
		      int i, char *why, size_t n)
{
	const struct ms_step *s = &p->steps[i];
	const struct ms_call_desc *d;
	int ret;

	if ((unsigned)s->call >= MS_NCALLS)
		return bad(why, n, p, i, "unknown call %d", (int)s->call);
	d = &ms_call_desc[s->call];
	if (s->nargs < d->min_args || s->nargs > d->max_args)
		return bad(why, n, p, i, "%s takes %d to %d arguments, got %d",
			   d->name, d->min_args, d->max_args, s->nargs);
	for (int k = 0; k < s->nargs; k++) {
		bool want_str = d->shape[k] == 's';

		if (s->args[k].kind == MS_ARG_VAR)
			return bad(why, n, p, i, "$%s outside a template",
				   ms_text(p, s->args[k].str));
		if (want_str != (s->args[k].kind == MS_ARG_STR))
			return bad(why, n, p, i,
				   "argument %d of %s is a %s", k + 1,
				   d->name, want_str ? "string" : "number");
		if (!want_str) {
			ret = check_expr(p, sc, i, &s->args[k].expr, why, n);
			if (ret)
				return ret;
		}
	}
	if (s->bind >= p->nnames || s->bind < -1)
		return bad(why, n, p, i, "binds no name");
	if (s->bind >= 0 && p->names[s->bind].bound_at > i)
		return bad(why, n, p, i, "'%s' says it is bound at step %d",
			   p->names[s->bind].name,
			   ms_step_number(p, p->names[s->bind].bound_at));
	if (s->call == MS_CALL_PROCESS_MADVISE_PARENT && s->depth == 0)
		return bad(why, n, p, i,
			   "process_madvise_parent outside a fork block");
	return check_results(p, sc, i, why, n);
}

int ms_program_validate(const struct ms_program *p, char *why, size_t n)
{
	struct ms__scope sc;
	int depth = 0, ret;
	uint32_t need;

	memset(&sc, 0, sizeof(sc));
	if (!p->purpose)
		return bad(why, n, p, -1, "no purpose");
	if (!p->rules)
		return bad(why, n, p, -1, "no rules");
	if (p->nvary_cols || p->nvary_rows)
		return bad(why, n, p, -1, "a vary table");
	if (p->nnames < 0 || p->nnames > MS_NAMES_MAX)
		return bad(why, n, p, -1, "%d names", p->nnames);
	for (int a = 0; a < p->nnames; a++)
		for (int b = 0; b < a; b++)
			if (!strcmp(p->names[a].name, p->names[b].name))
				return bad(why, n, p, -1, "name '%s' twice",
					   p->names[a].name);
	for (int i = 0; i < p->nsteps; i++) {
		const struct ms_step *s = &p->steps[i];
		int expect_depth = depth - (s->kind == MS_STEP_END);

		if (s->kind == MS_STEP_END && depth == 0)
			return bad(why, n, p, i, "end without fork");
		if (s->depth != expect_depth)
			return bad(why, n, p, i, "depth %d, should be %d",
				   s->depth, expect_depth);
		if (s->kind != MS_STEP_CALL && s->record)
			return bad(why, n, p, i, "only calls are recorded");
		if (s->when)
			return bad(why, n, p, i,
				   "'when $%s' outside a template",
				   ms_text(p, s->when));
		switch (s->kind) {
		case MS_STEP_CALL:
			ret = check_call(p, &sc, i, why, n);
			if (ret)
				return ret;
			break;
		case MS_STEP_EXPECT: {
			char w[128];
			int off;

			ret = check_expr(p, &sc, i, &s->where, why, n);
			if (ret)
				return ret;
			if (s->grid.kind != MS_ARG_STR)
				return bad(why, n, p, i, "a $column grid");
			if (s->profiles & ~MS_ALL_PROFILES)
				return bad(why, n, p, i, "unknown profile");
			if ((unsigned)s->attr >= MS_NATTRS ||
			    ms__scn_grid_check(s->attr, ms_text(p, s->grid.str),
					       &off, w, sizeof(w)) < 0)
				return bad(why, n, p, i, "grid \"%s\": %s",
					   ms_text(p, s->grid.str), w);
			break;
		}
		case MS_STEP_FORK:
			if (depth >= MS_FORK_DEPTH_MAX)
				return bad(why, n, p, i,
					   "fork blocks nest at most %d deep",
					   MS_FORK_DEPTH_MAX);
			depth++;
			break;
		case MS_STEP_END:
			depth--;
			break;
		case MS_STEP_EXEC:
		case MS_STEP_NOTE:
			break;
		}
		ms__scn_scope_step(&sc, s);
	}
	if (depth)
		return bad(why, n, p, -1, "fork without end");
	need = ms_program_features(p);
	if ((p->features & need) != need)
		return bad(why, n, p, -1, "features 0x%x do not cover 0x%x",
			   p->features, need);
	return 0;
}

int ms_build_finish(struct ms_program *p, uint32_t extra, char *why,
		    size_t n)
{
	if (p->pool.nomem) {
		snprintf(why, n, "out of memory");
		return -ENOMEM;
	}
	p->features = ms_program_features(p) | extra;
	return ms_program_validate(p, why, n);
}

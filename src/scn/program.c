// SPDX-License-Identifier: MIT
/* Programs as values: freeing, comparing, evaluating expressions. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scn.h"

void ms_program_free(struct ms_program *p)
{
	if (!p)
		return;
	free(p->steps);
	p->steps = NULL;
	p->nsteps = 0;
	p->cap_steps = 0;
	free(p->vary);
	p->vary = NULL;
	p->nvary_rows = 0;
}

static bool str_eq(const char *a, const char *b, size_t n)
{
	return strncmp(a, b, n) == 0;
}

#define STR_EQ(a, b) str_eq((a), (b), sizeof(a))

static bool term_equal(const struct ms_term *a, const struct ms_term *b)
{
	if (a->op != b->op || a->kind != b->kind)
		return false;
	switch (a->kind) {
	case MS_TERM_NUM:
		return a->num == b->num && a->hex == b->hex && a->neg == b->neg;
	case MS_TERM_PAGES:
		return a->num == b->num;
	case MS_TERM_NAME:
		return a->name == b->name;
	case MS_TERM_SYM:
		return a->num == b->num && STR_EQ(a->text, b->text);
	case MS_TERM_VAR:
		return STR_EQ(a->text, b->text);
	}
	return false;
}

static bool expr_equal(const struct ms_expr *a, const struct ms_expr *b)
{
	if (a->nterms != b->nterms || a->nterms < 0 || a->nterms > MS_EXPR_MAX)
		return false;
	for (int i = 0; i < a->nterms; i++)
		if (!term_equal(&a->t[i], &b->t[i]))
			return false;
	return true;
}

static bool arg_equal(const struct ms_arg *a, const struct ms_arg *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == MS_ARG_EXPR)
		return expr_equal(&a->expr, &b->expr);
	return STR_EQ(a->str, b->str);
}

static bool result_equal(const struct ms_result *a, const struct ms_result *b)
{
	if (a->kind != b->kind || a->profiles != b->profiles)
		return false;
	switch (a->kind) {
	case MS_RES_ERRNO:
		return a->err == b->err;
	case MS_RES_VALUE:
	case MS_RES_NOT:
		return expr_equal(&a->value, &b->value);
	case MS_RES_IN:
	case MS_RES_NOTIN:
		return expr_equal(&a->value, &b->value) &&
		       expr_equal(&a->hi, &b->hi);
	case MS_RES_FAULT:
		return a->signo == b->signo;
	case MS_RES_VAR:
		return STR_EQ(a->var, b->var);
	default:
		return true;
	}
}

static bool step_equal(const struct ms_step *a, const struct ms_step *b)
{
	if (a->kind != b->kind || a->depth != b->depth ||
	    !STR_EQ(a->comment, b->comment) || a->rules != b->rules ||
	    !STR_EQ(a->when, b->when))
		return false;
	if (a->kind == MS_STEP_CALL) {
		if (a->call != b->call || a->bind != b->bind ||
		    a->record != b->record ||
		    a->nargs != b->nargs || a->nresults != b->nresults ||
		    a->nargs < 0 || a->nargs > MS_ARGS_MAX ||
		    a->nresults < 0 || a->nresults > MS_ALTS_MAX)
			return false;
		for (int i = 0; i < a->nargs; i++)
			if (!arg_equal(&a->args[i], &b->args[i]))
				return false;
		for (int i = 0; i < a->nresults; i++)
			if (!result_equal(&a->results[i], &b->results[i]))
				return false;
	} else if (a->kind == MS_STEP_UNBOUND) {
		if (!expr_equal(&a->where, &b->where) ||
		    a->profiles != b->profiles)
			return false;
	} else if (a->kind == MS_STEP_EXPECT) {
		if (!expr_equal(&a->where, &b->where) || a->attr != b->attr ||
		    !arg_equal(&a->grid, &b->grid) ||
		    a->profiles != b->profiles)
			return false;
	}
	return true;
}

bool ms_program_equal(const struct ms_program *a, const struct ms_program *b)
{
	if (!STR_EQ(a->file, b->file) || !STR_EQ(a->name, b->name) ||
	    !STR_EQ(a->purpose, b->purpose) || a->nrefs != b->nrefs ||
	    a->rules != b->rules || a->features != b->features ||
	    a->requires != b->requires ||
	    a->xfail != b->xfail || !STR_EQ(a->xfail_reason, b->xfail_reason) ||
	    !STR_EQ(a->head_comment, b->head_comment) ||
	    a->nvary_cols != b->nvary_cols || a->nvary_rows != b->nvary_rows ||
	    a->row != b->row || a->nnames != b->nnames ||
	    a->nsteps != b->nsteps)
		return false;
	if (a->nrefs < 0 || a->nrefs > 4 || a->nvary_cols < 0 ||
	    a->nvary_cols > MS_VARY_COLS || a->nvary_rows < 0 ||
	    a->nvary_rows > MS_VARY_ROWS || a->nnames < 0 ||
	    a->nnames > MS_NAMES_MAX)
		return false;
	for (int i = 0; i < a->nrefs; i++)
		if (!STR_EQ(a->refs[i], b->refs[i]))
			return false;
	for (int j = 0; j < a->nvary_cols; j++) {
		if (!STR_EQ(a->vary_cols[j], b->vary_cols[j]))
			return false;
		for (int r = 0; r < a->nvary_rows; r++)
			if (!STR_EQ(a->vary[r][j].text, b->vary[r][j].text))
				return false;
	}
	for (int i = 0; i < a->nnames; i++)
		if (!STR_EQ(a->names[i].name, b->names[i].name) ||
		    a->names[i].bound_at != b->names[i].bound_at)
			return false;
	for (int i = 0; i < a->nsteps; i++)
		if (!step_equal(&a->steps[i], &b->steps[i]))
			return false;
	return true;
}

/*
 * Left to right in 64-bit two's complement arithmetic: the operators have
 * equal precedence, and wrapping is what the kernel sees for an address
 * computed past the top.  PAGE_SIZE is the page size given, not the one of
 * the machine that parsed the scenario.
 */
int ms_eval(const struct ms_expr *e, const int64_t *values, const bool *bound,
	    long page_size, int64_t *out)
{
	uint64_t acc = 0;

	if (!e || !out || e->nterms < 1 || e->nterms > MS_EXPR_MAX)
		return -EINVAL;
	for (int i = 0; i < e->nterms; i++) {
		const struct ms_term *t = &e->t[i];
		uint64_t v;

		switch (t->kind) {
		case MS_TERM_NUM:
			v = (uint64_t)t->num;
			break;
		case MS_TERM_PAGES:
			v = (uint64_t)t->num * (uint64_t)page_size;
			break;
		case MS_TERM_SYM:
			v = strcmp(t->text, "PAGE_SIZE") == 0 ?
				    (uint64_t)page_size :
				    (uint64_t)t->num;
			break;
		case MS_TERM_NAME:
			if (!values || t->name < 0 || t->name >= MS_NAMES_MAX ||
			    (bound && !bound[t->name]))
				return -EINVAL;
			v = (uint64_t)values[t->name];
			break;
		default:
			return -EINVAL;
		}
		/* acc starts at 0, so the first term's '+' is a plain load. */
		if (t->op == '+')
			acc += v;
		else if (t->op == '-')
			acc -= v;
		else if (t->op == '|')
			acc |= v;
		else
			return -EINVAL;
	}
	*out = (int64_t)acc;
	return 0;
}

int ms_step_number(const struct ms_program *p, int i)
{
	int n = 0;

	for (int k = 0; k <= i && k < p->nsteps; k++)
		n += p->steps[k].kind != MS_STEP_NOTE;
	return n;
}

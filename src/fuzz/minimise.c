// SPDX-License-Identifier: MIT
/*
 * Minimisation, driven by one predicate: the candidate is a valid program
 * (ms_program_validate) and still differs between kernel and model with
 * the same signature.  Passes, repeated until none makes progress or the
 * budget of runs is spent:
 *
 *   1. cut everything after the divergent step (it cannot matter);
 *   2. drop single steps, and fork blocks whole, from the end backwards;
 *   3. shrink page counts (to 1, to half, by one) and page offsets
 *      (towards 0) in every argument;
 *   4. merge names: a use of a name becomes a use of the window 'w' (or
 *      of any earlier name), so the binding may go in pass 2;
 *   5. simplify flags: drop one symbol of an '|' expression.
 */
#include <errno.h>
#include <string.h>

#include "fuzz/fuzz.h"

struct mini {
	const struct ms_fuzz_env *e;
	const char *sig;
	int runs, max_runs;
	int cut;		/* divergent step of the last success */
};

/* Does candidate c still diverge the same way?  Keeps c's divergent step. */
static bool still(struct mini *m, struct ms_program *c)
{
	struct ms_fuzz_result r;
	char why[160];
	bool same;

	if (m->runs >= m->max_runs)
		return false;
	c->features = ms_program_features(c);
	if (ms_program_validate(c, why, sizeof(why)))
		return false;
	m->runs++;
	if (ms_fuzz_run(m->e, c, &r))
		return false;
	same = r.status == MS_FUZZ_DIFFER && strcmp(r.sig, m->sig) == 0;
	if (same)
		m->cut = r.d.step;
	ms_fuzz_result_free(&r);
	return same;
}

/* Accepts candidate c into p when it still diverges; frees c otherwise. */
static bool try_candidate(struct mini *m, struct ms_program *p,
			  struct ms_program *c)
{
	if (still(m, c)) {
		ms_program_free(p);
		*p = *c;
		return true;
	}
	ms_program_free(c);
	return false;
}

/* Removes steps [from, to] and renumbers names' bound_at. */
static void remove_steps(struct ms_program *c, int from, int to)
{
	int n = to - from + 1;

	memmove(&c->steps[from], &c->steps[to + 1],
		sizeof(c->steps[0]) * (size_t)(c->nsteps - to - 1));
	c->nsteps -= n;
	for (int i = 0; i < c->nnames; i++) {
		if (c->names[i].bound_at > to)
			c->names[i].bound_at -= n;
		else if (c->names[i].bound_at >= from) {
			/* Its first binding went: the next one binds it. */
			int b = -1;

			for (int k = from; k < c->nsteps && b < 0; k++)
				if (c->steps[k].kind == MS_STEP_CALL &&
				    c->steps[k].bind == i)
					b = k;
			c->names[i].bound_at = b < 0 ? c->nsteps : b;
		}
	}
}

/* Cuts everything after step `last` that is not an end closing a block. */
static bool pass_truncate(struct mini *m, struct ms_program *p)
{
	struct ms_program c;
	int keep = m->cut + 1, depth;

	if (m->cut < 0 || keep >= p->nsteps)
		return false;
	depth = p->steps[m->cut].depth +
		(p->steps[m->cut].kind == MS_STEP_FORK);
	if (ms_program_copy(&c, p))
		return false;
	c.nsteps = keep;
	/* Close the blocks the cut leaves open. */
	while (depth-- > 0) {
		struct ms_step *s = ms_build_step(&c, MS_STEP_END);

		if (!s)
			break;
	}
	return try_candidate(m, p, &c);
}

static bool pass_drop(struct mini *m, struct ms_program *p)
{
	bool progress = false;

	for (int i = p->nsteps - 1; i >= 0; i--) {
		struct ms_program c;
		int to = i;

		if (i >= p->nsteps)
			continue;
		if (p->steps[i].kind == MS_STEP_END)
			continue;
		if (p->steps[i].kind == MS_STEP_FORK) {
			to = -1;
			for (int k = i + 1, nest = 0; k < p->nsteps; k++) {
				if (p->steps[k].kind == MS_STEP_FORK)
					nest++;
				if (p->steps[k].kind == MS_STEP_END &&
				    nest-- == 0) {
					to = k;
					break;
				}
			}
			if (to < 0)
				continue;
		}
		if (ms_program_copy(&c, p))
			return progress;
		remove_steps(&c, i, to);
		if (try_candidate(m, p, &c))
			progress = true;
	}
	return progress;
}

/* Each way of making one term smaller; returns false when none is left. */
static bool shrink_term(struct ms_term *t, int how)
{
	if (t->kind != MS_TERM_PAGES || t->num <= 0)
		return false;
	switch (how) {
	case 0:
		if (t->num <= 1)
			return false;
		t->num = 1;
		return true;
	case 1:
		if (t->num <= 2)
			return false;
		t->num /= 2;
		return true;
	case 2:
		t->num--;
		return true;
	}
	return false;
}

static struct ms_expr *expr_at(struct ms_step *s, int a)
{
	if (s->kind == MS_STEP_EXPECT)
		return a == 0 ? &s->where : NULL;
	if (s->kind != MS_STEP_CALL || a >= s->nargs ||
	    s->args[a].kind != MS_ARG_EXPR)
		return NULL;
	return &s->args[a].expr;
}

static bool pass_shrink(struct mini *m, struct ms_program *p)
{
	bool progress = false;

	for (int i = 0; i < p->nsteps; i++) {
		for (int a = 0; a < MS_ARGS_MAX; a++) {
			for (int k = 0; k < MS_EXPR_MAX; k++) {
				for (int how = 0; how < 3; how++) {
					struct ms_program c;
					struct ms_expr *e;
					struct ms_term *t;

					if (i >= p->nsteps)
						return progress;
					e = expr_at(&p->steps[i], a);
					if (!e || k >= e->nterms)
						break;
					if (ms_program_copy(&c, p))
						return progress;
					e = expr_at(&c.steps[i], a);
					t = ms_expr_terms_mut(&c, e);
					if (!t || !shrink_term(&t[k], how)) {
						ms_program_free(&c);
						continue;
					}
					/* name+0p reads better as name. */
					if (t[k].num == 0 &&
					    k == e->nterms - 1 && k > 0)
						e->nterms--;
					if (try_candidate(m, p, &c)) {
						progress = true;
						how = -1;
					}
				}
			}
		}
	}
	return progress;
}

static bool pass_merge(struct mini *m, struct ms_program *p)
{
	bool progress = false;

	for (int from = p->nnames - 1; from > 0; from--) {
		for (int to = 0; to < from; to++) {
			struct ms_program c;
			bool changed = false;

			if (ms_program_copy(&c, p))
				return progress;
			for (int i = 0; i < c.nsteps; i++) {
				for (int a = 0; a < MS_ARGS_MAX; a++) {
					struct ms_expr *e =
						expr_at(&c.steps[i], a);
					struct ms_term *t =
						e ? ms_expr_terms_mut(&c, e) :
						    NULL;

					for (int k = 0; t && k < e->nterms;
					     k++)
						if (t[k].kind ==
							    MS_TERM_NAME &&
						    t[k].name == from) {
							t[k].name = to;
							changed = true;
						}
				}
			}
			if (!changed) {
				ms_program_free(&c);
				continue;
			}
			if (try_candidate(m, p, &c)) {
				progress = true;
				break;
			}
		}
	}
	return progress;
}

static bool pass_flags(struct mini *m, struct ms_program *p)
{
	bool progress = false;

	for (int i = 0; i < p->nsteps; i++) {
		for (int a = 0; a < MS_ARGS_MAX; a++) {
			for (int k = 0; k < MS_EXPR_MAX; k++) {
				struct ms_program c;
				struct ms_expr *e;
				struct ms_term *t;

				if (i >= p->nsteps)
					return progress;
				e = expr_at(&p->steps[i], a);
				if (!e || k >= e->nterms)
					break;
				t = ms_expr_terms_mut(p, e);
				if (!t || e->nterms < 2 ||
				    t[k].kind != MS_TERM_SYM ||
				    (k > 0 && t[k].op != '|') ||
				    (k == 0 && t[1].op != '|'))
					continue;
				if (ms_program_copy(&c, p))
					return progress;
				e = expr_at(&c.steps[i], a);
				t = ms_expr_terms_mut(&c, e);
				memmove(&t[k], &t[k + 1],
					sizeof(t[0]) *
						(size_t)(e->nterms - k - 1));
				e->nterms--;
				t[0].op = '+';
				if (try_candidate(m, p, &c)) {
					progress = true;
					k--;
				}
			}
		}
	}
	return progress;
}

int ms_fuzz_minimise(const struct ms_fuzz_env *e, struct ms_program *p,
		     const char *sig, int max_runs, int *runs)
{
	struct mini m = { .e = e, .sig = sig, .max_runs = max_runs, .cut = -1 };
	struct ms_program c;
	bool progress = true;

	/* Where does it diverge now?  (And does it still?) */
	if (ms_program_copy(&c, p))
		return -ENOMEM;
	if (!still(&m, &c)) {
		ms_program_free(&c);
		*runs = m.runs;
		return -ESRCH;
	}
	ms_program_free(&c);
	while (progress && m.runs < m.max_runs) {
		progress = pass_truncate(&m, p);
		progress |= pass_drop(&m, p);
		progress |= pass_truncate(&m, p);
		progress |= pass_merge(&m, p);
		progress |= pass_shrink(&m, p);
		progress |= pass_flags(&m, p);
	}
	*runs = m.runs;
	return 0;
}

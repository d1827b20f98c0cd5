// SPDX-License-Identifier: MIT
/*
 * Programs as values: the pool, freeing, copying, comparing, evaluating
 * expressions.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scn.h"

/* ---- the pool ------------------------------------------------------------ */

const char *ms_text(const struct ms_program *p, uint32_t off)
{
	if (!p->pool.text || off >= p->pool.text_len)
		return "";
	return p->pool.text + off;
}

/* Room for `more` bytes of text; false (nomem set) when there is none. */
static bool text_room(struct ms_pool *pl, size_t more)
{
	size_t want = (size_t)pl->text_len + more, cap = pl->text_cap;
	char *t;

	if (want <= cap)
		return true;
	if (want > UINT32_MAX)
		goto nomem;
	while (cap < want)
		cap = cap ? 2 * cap : 256;
	if (cap > UINT32_MAX)
		cap = UINT32_MAX;
	t = realloc(pl->text, cap);
	if (!t)
		goto nomem;
	pl->text = t;
	pl->text_cap = (uint32_t)cap;
	return true;
nomem:
	pl->nomem = true;
	return false;
}

uint32_t ms_text_add(struct ms_program *p, const char *s, size_t n)
{
	struct ms_pool *pl = &p->pool;
	bool inside = s && pl->text && s >= pl->text &&
		      s < pl->text + pl->text_len;
	size_t from = inside ? (size_t)(s - pl->text) : 0;
	uint32_t off;

	n = s ? strnlen(s, n) : 0;
	if (n == 0)
		return 0;
	/* Offset 0 is the "" every empty field reads. */
	if (!text_room(pl, n + 1 + !pl->text_len))
		return 0;
	/* A string of the pool itself moved with it. */
	if (inside)
		s = pl->text + from;
	if (pl->text_len == 0)
		pl->text[pl->text_len++] = '\0';
	off = pl->text_len;
	memcpy(pl->text + off, s, n);
	pl->text[off + n] = '\0';
	pl->text_len += (uint32_t)n + 1;
	return off;
}

uint32_t ms_text_add_str(struct ms_program *p, const char *s)
{
	return ms_text_add(p, s, s ? strlen(s) : 0);
}

const struct ms_term *ms_expr_terms(const struct ms_program *p,
				    const struct ms_expr *e)
{
	static const struct ms_term none;

	if (e->nterms < 0 || e->nterms > MS_EXPR_MAX ||
	    e->first > p->pool.nterms ||
	    (uint32_t)e->nterms > p->pool.nterms - e->first)
		return NULL;
	/* No terms: a pointer that is never read through, but not NULL. */
	return e->nterms ? p->pool.terms + e->first : &none;
}

struct ms_term *ms_expr_terms_mut(struct ms_program *p,
				  const struct ms_expr *e)
{
	const struct ms_term *t = ms_expr_terms(p, e);

	return t && e->nterms ? p->pool.terms + e->first : NULL;
}

/* Room for `more` terms; false (nomem set) when there is none. */
static bool term_room(struct ms_pool *pl, uint32_t more)
{
	size_t want = (size_t)pl->nterms + more, cap = pl->cap_terms;
	struct ms_term *t;

	if (want <= cap)
		return true;
	if (want > UINT32_MAX / sizeof(*t))
		goto nomem;
	while (cap < want)
		cap = cap ? 2 * cap : 64;
	t = realloc(pl->terms, cap * sizeof(*t));
	if (!t)
		goto nomem;
	pl->terms = t;
	pl->cap_terms = (uint32_t)cap;
	return true;
nomem:
	pl->nomem = true;
	return false;
}

struct ms_term *ms_expr_add_term(struct ms_program *p, struct ms_expr *e)
{
	struct ms_pool *pl = &p->pool;
	struct ms_term *t;

	if (e->nterms < 0 || e->nterms >= MS_EXPR_MAX)
		return NULL;
	if (!ms_expr_terms(p, e))
		e->nterms = 0;	/* not p's: it starts again */
	/* Its terms must be the last of the pool to grow in place. */
	if (e->nterms == 0 || e->first + (uint32_t)e->nterms != pl->nterms) {
		if (!term_room(pl, (uint32_t)e->nterms + 1))
			return NULL;
		if (e->nterms)
			memcpy(pl->terms + pl->nterms, pl->terms + e->first,
			       sizeof(*t) * (size_t)e->nterms);
		e->first = pl->nterms;
		pl->nterms += (uint32_t)e->nterms;
	} else if (!term_room(pl, 1)) {
		return NULL;
	}
	t = &pl->terms[pl->nterms++];
	memset(t, 0, sizeof(*t));
	t->op = '+';
	t->name = -1;
	e->nterms++;
	return t;
}

const struct ms_result *ms_step_results(const struct ms_program *p,
					const struct ms_step *s)
{
	static const struct ms_result none;

	if (s->nresults < 0 || s->nresults > MS_ALTS_MAX ||
	    s->first_result > p->pool.nresults ||
	    (uint32_t)s->nresults > p->pool.nresults - s->first_result)
		return NULL;
	return s->nresults ? p->pool.results + s->first_result : &none;
}

struct ms_result *ms_step_results_mut(struct ms_program *p,
				      const struct ms_step *s)
{
	const struct ms_result *r = ms_step_results(p, s);

	return r && s->nresults ? p->pool.results + s->first_result : NULL;
}

/* Room for `more` results; false (nomem set) when there is none. */
static bool result_room(struct ms_pool *pl, uint32_t more)
{
	size_t want = (size_t)pl->nresults + more, cap = pl->cap_results;
	struct ms_result *r;

	if (want <= cap)
		return true;
	if (want > UINT32_MAX / sizeof(*r))
		goto nomem;
	while (cap < want)
		cap = cap ? 2 * cap : 32;
	r = realloc(pl->results, cap * sizeof(*r));
	if (!r)
		goto nomem;
	pl->results = r;
	pl->cap_results = (uint32_t)cap;
	return true;
nomem:
	pl->nomem = true;
	return false;
}

struct ms_result *ms_step_add_result(struct ms_program *p, struct ms_step *s)
{
	struct ms_pool *pl = &p->pool;
	struct ms_result *r;
	uint32_t n;

	if (s->nresults < 0 || s->nresults >= MS_ALTS_MAX)
		return NULL;
	if (!ms_step_results(p, s))
		s->nresults = 0;	/* not p's: it starts again */
	n = (uint32_t)s->nresults;
	/* Its results must be the last of the pool to grow in place. */
	if (n == 0 || s->first_result + n != pl->nresults) {
		if (!result_room(pl, n + 1))
			return NULL;
		if (n)
			memcpy(pl->results + pl->nresults,
			       pl->results + s->first_result, sizeof(*r) * n);
		s->first_result = pl->nresults;
		pl->nresults += n;
	} else if (!result_room(pl, 1)) {
		return NULL;
	}
	r = &pl->results[pl->nresults++];
	memset(r, 0, sizeof(*r));
	s->nresults++;
	return r;
}

static void pool_free(struct ms_pool *pl)
{
	free(pl->text);
	free(pl->terms);
	free(pl->results);
	memset(pl, 0, sizeof(*pl));
}

static int pool_copy(struct ms_pool *dst, const struct ms_pool *src)
{
	memset(dst, 0, sizeof(*dst));
	if (src->text_len) {
		dst->text = malloc(src->text_len);
		if (!dst->text)
			return -ENOMEM;
		memcpy(dst->text, src->text, src->text_len);
		dst->text_len = dst->text_cap = src->text_len;
	}
	if (src->nterms) {
		dst->terms = malloc(sizeof(*dst->terms) * src->nterms);
		if (!dst->terms) {
			pool_free(dst);
			return -ENOMEM;
		}
		memcpy(dst->terms, src->terms,
		       sizeof(*dst->terms) * src->nterms);
		dst->nterms = dst->cap_terms = src->nterms;
	}
	if (src->nresults) {
		dst->results = malloc(sizeof(*dst->results) * src->nresults);
		if (!dst->results) {
			pool_free(dst);
			return -ENOMEM;
		}
		memcpy(dst->results, src->results,
		       sizeof(*dst->results) * src->nresults);
		dst->nresults = dst->cap_results = src->nresults;
	}
	dst->nomem = src->nomem;
	return 0;
}

/* ---- programs ------------------------------------------------------------ */

/* *v, an array of cap elements of size sz, cut to n (kept when realloc
 * cannot). */
static void shrink(void **v, size_t sz, size_t n, size_t *cap)
{
	void *nv;

	if (!*v || n >= *cap)
		return;
	if (n == 0) {
		free(*v);
		*v = NULL;
		*cap = 0;
		return;
	}
	nv = realloc(*v, sz * n);
	if (nv) {
		*v = nv;
		*cap = n;
	}
}

void ms__scn_trim(struct ms_program *p)
{
	size_t cap;

	cap = (size_t)p->cap_steps;
	shrink((void **)&p->steps, sizeof(*p->steps), (size_t)p->nsteps, &cap);
	p->cap_steps = (int)cap;
	cap = p->pool.text_cap;
	shrink((void **)&p->pool.text, 1, p->pool.text_len, &cap);
	p->pool.text_cap = (uint32_t)cap;
	cap = p->pool.cap_terms;
	shrink((void **)&p->pool.terms, sizeof(*p->pool.terms),
	       p->pool.nterms, &cap);
	p->pool.cap_terms = (uint32_t)cap;
	cap = p->pool.cap_results;
	shrink((void **)&p->pool.results, sizeof(*p->pool.results),
	       p->pool.nresults, &cap);
	p->pool.cap_results = (uint32_t)cap;
	if (p->vary && p->nvary_rows > 0) {
		void *v = realloc(p->vary,
				  sizeof(*p->vary) * (size_t)p->nvary_rows);

		if (v)
			p->vary = v;
	}
}

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
	pool_free(&p->pool);
}

int ms_program_copy(struct ms_program *dst, const struct ms_program *src)
{
	struct ms_step *steps = NULL;
	struct ms_cell (*vary)[MS_VARY_COLS] = NULL;
	struct ms_pool pool;

	if (src->nsteps > 0) {
		steps = malloc(sizeof(*steps) * (size_t)src->nsteps);
		if (!steps)
			return -ENOMEM;
		memcpy(steps, src->steps, sizeof(*steps) * (size_t)src->nsteps);
	}
	if (src->vary && src->nvary_rows > 0) {
		vary = malloc(sizeof(*vary) * (size_t)src->nvary_rows);
		if (!vary) {
			free(steps);
			return -ENOMEM;
		}
		memcpy(vary, src->vary,
		       sizeof(*vary) * (size_t)src->nvary_rows);
	}
	if (pool_copy(&pool, &src->pool)) {
		free(steps);
		free(vary);
		return -ENOMEM;
	}
	*dst = *src;
	dst->steps = steps;
	dst->nsteps = steps ? src->nsteps : 0;
	dst->cap_steps = dst->nsteps;
	dst->vary = vary;
	dst->pool = pool;
	return 0;
}

static bool str_eq(const char *a, const char *b, size_t n)
{
	return strncmp(a, b, n) == 0;
}

#define STR_EQ(a, b) str_eq((a), (b), sizeof(a))

/* Programs a and b, for comparing what their pools hold. */
struct pair {
	const struct ms_program *a, *b;
};

static bool text_eq(const struct pair *pp, uint32_t a, uint32_t b)
{
	return strcmp(ms_text(pp->a, a), ms_text(pp->b, b)) == 0;
}

static bool term_equal(const struct pair *pp, const struct ms_term *a,
		       const struct ms_term *b)
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
		return a->num == b->num && text_eq(pp, a->text, b->text);
	case MS_TERM_VAR:
		return text_eq(pp, a->text, b->text);
	}
	return false;
}

static bool expr_equal(const struct pair *pp, const struct ms_expr *a,
		       const struct ms_expr *b)
{
	const struct ms_term *ta = ms_expr_terms(pp->a, a);
	const struct ms_term *tb = ms_expr_terms(pp->b, b);

	if (!ta || !tb || a->nterms != b->nterms)
		return false;
	for (int i = 0; i < a->nterms; i++)
		if (!term_equal(pp, &ta[i], &tb[i]))
			return false;
	return true;
}

static bool arg_equal(const struct pair *pp, const struct ms_arg *a,
		      const struct ms_arg *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == MS_ARG_EXPR)
		return expr_equal(pp, &a->expr, &b->expr);
	return text_eq(pp, a->str, b->str);
}

static bool result_equal(const struct pair *pp, const struct ms_result *a,
			 const struct ms_result *b)
{
	if (a->kind != b->kind || a->profiles != b->profiles)
		return false;
	switch (a->kind) {
	case MS_RES_ERRNO:
		return a->err == b->err;
	case MS_RES_VALUE:
	case MS_RES_NOT:
		return expr_equal(pp, &a->value, &b->value);
	case MS_RES_IN:
	case MS_RES_NOTIN:
		return expr_equal(pp, &a->value, &b->value) &&
		       expr_equal(pp, &a->hi, &b->hi);
	case MS_RES_FAULT:
		return a->signo == b->signo;
	case MS_RES_VAR:
		return text_eq(pp, a->var, b->var);
	default:
		return true;
	}
}

static bool step_equal(const struct pair *pp, const struct ms_step *a,
		       const struct ms_step *b)
{
	if (a->kind != b->kind || a->depth != b->depth ||
	    !text_eq(pp, a->comment, b->comment) || a->rules != b->rules ||
	    !text_eq(pp, a->when, b->when))
		return false;
	if (a->kind == MS_STEP_CALL) {
		const struct ms_result *ra = ms_step_results(pp->a, a);
		const struct ms_result *rb = ms_step_results(pp->b, b);

		if (a->call != b->call || a->bind != b->bind ||
		    a->record != b->record ||
		    a->nargs != b->nargs || a->nresults != b->nresults ||
		    a->nargs < 0 || a->nargs > MS_ARGS_MAX ||
		    a->nresults < 0 || a->nresults > MS_ALTS_MAX)
			return false;
		for (int i = 0; i < a->nargs; i++)
			if (!arg_equal(pp, &a->args[i], &b->args[i]))
				return false;
		if (!ra || !rb)
			return false;
		for (int i = 0; i < a->nresults; i++)
			if (!result_equal(pp, &ra[i], &rb[i]))
				return false;
	} else if (a->kind == MS_STEP_UNBOUND) {
		if (!expr_equal(pp, &a->where, &b->where) ||
		    a->profiles != b->profiles)
			return false;
	} else if (a->kind == MS_STEP_EXPECT) {
		if (!expr_equal(pp, &a->where, &b->where) ||
		    a->attr != b->attr || !arg_equal(pp, &a->grid, &b->grid) ||
		    a->profiles != b->profiles)
			return false;
	}
	return true;
}

bool ms_program_equal(const struct ms_program *a, const struct ms_program *b)
{
	const struct pair pp = { a, b };

	if (!STR_EQ(a->file, b->file) || !STR_EQ(a->name, b->name) ||
	    !text_eq(&pp, a->purpose, b->purpose) || a->nrefs != b->nrefs ||
	    a->rules != b->rules || a->features != b->features ||
	    a->requires != b->requires ||
	    a->xfail != b->xfail ||
	    !text_eq(&pp, a->xfail_reason, b->xfail_reason) ||
	    !text_eq(&pp, a->head_comment, b->head_comment) ||
	    a->nvary_cols != b->nvary_cols || a->nvary_rows != b->nvary_rows ||
	    a->row != b->row || a->nnames != b->nnames ||
	    a->nsteps != b->nsteps)
		return false;
	if (a->nrefs < 0 || a->nrefs > MS_REFS_MAX || a->nvary_cols < 0 ||
	    a->nvary_cols > MS_VARY_COLS || a->nvary_rows < 0 ||
	    a->nvary_rows > MS_VARY_ROWS || a->nnames < 0 ||
	    a->nnames > MS_NAMES_MAX)
		return false;
	for (int i = 0; i < a->nrefs; i++)
		if (!text_eq(&pp, a->refs[i], b->refs[i]))
			return false;
	for (int j = 0; j < a->nvary_cols; j++) {
		if (!STR_EQ(a->vary_cols[j], b->vary_cols[j]))
			return false;
		for (int r = 0; r < a->nvary_rows; r++)
			if (!text_eq(&pp, a->vary[r][j].text,
				     b->vary[r][j].text))
				return false;
	}
	for (int i = 0; i < a->nnames; i++)
		if (!STR_EQ(a->names[i].name, b->names[i].name) ||
		    a->names[i].bound_at != b->names[i].bound_at)
			return false;
	for (int i = 0; i < a->nsteps; i++)
		if (!step_equal(&pp, &a->steps[i], &b->steps[i]))
			return false;
	return true;
}

/*
 * Left to right in 64-bit two's complement arithmetic: the operators have
 * equal precedence, and wrapping is what the kernel sees for an address
 * computed past the top.  PAGE_SIZE is the page size given, not the one of
 * the machine that parsed the scenario.
 */
int ms_eval(const struct ms_program *p, const struct ms_expr *e,
	    const int64_t *values, const bool *bound, long page_size,
	    int64_t *out)
{
	const struct ms_term *terms;
	uint64_t acc = 0;

	if (!p || !e || !out || e->nterms < 1)
		return -EINVAL;
	terms = ms_expr_terms(p, e);
	if (!terms)
		return -EINVAL;
	for (int i = 0; i < e->nterms; i++) {
		const struct ms_term *t = &terms[i];
		uint64_t v;

		switch (t->kind) {
		case MS_TERM_NUM:
			v = (uint64_t)t->num;
			break;
		case MS_TERM_PAGES:
			v = (uint64_t)t->num * (uint64_t)page_size;
			break;
		case MS_TERM_SYM:
			v = strcmp(ms_text(p, t->text), "PAGE_SIZE") == 0 ?
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

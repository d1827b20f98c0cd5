// SPDX-License-Identifier: MIT
/*
 * The scenario parser (docs/scenarios.md): a line at a time, recursive
 * descent within a line.
 *
 * A file is: comment lines (kept in head_comment), header fields, an
 * optional vary table, then the body.  Blank lines and comment lines in the
 * body become MS_STEP_NOTE steps so that the printer can give them back;
 * blank lines before the first body line and after the last are dropped
 * and runs of blank lines collapse into one.
 *
 * Text fields (purpose, ref, the xfail reason) run verbatim to the end of
 * the line, '#' included: they have nowhere to keep a comment.  Other
 * header lines and vary rows refuse a trailing comment for the same reason,
 * rather than dropping it silently.
 *
 * A template with a vary table is checked row by row (ms_instantiate) before
 * ms_parse returns, so every error in a cell is a parse error.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "scn.h"

struct parser {
	const char *file;
	struct ms_program *p;		/* being built; NULL for a cell */
	const struct ms_program *rp;	/* what names and columns come from */
	struct ms_program *dst;		/* its pool takes terms, text */
	struct ms_diag *diag;
	struct ms__lexer lx;
	struct ms__tok tok;

	bool cell;			/* parsing a vary cell */
	int step;			/* index of the step being parsed */
	const struct ms__scope *scope;	/* names visible at this step */
	struct ms__scope sc;		/* ...kept here while parsing a file */

	bool header;			/* a header field was seen */
	bool body;			/* a step or body comment was seen */
	bool steps;			/* a step (not a comment) was seen */
	bool too_many;			/* MS_STEPS_MAX reached: diag says */
	char head[MS_HEAD_COMMENT_MAX];	/* the comment above the header,
					 * for the pool when it ends */
	char cell_text[MS_CELL_MAX];	/* the cell being parsed: a copy,
					 * as the pool may move */
	bool seen_purpose, seen_rules, seen_xfail, seen_vary, in_vary;
	int vary_line, vary_col;
	uint32_t requires;
	int depth;
	int forks[MS__FORK_MAX];	/* the step opening each fork block */
};

static int perr(struct parser *ps, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int perr(struct parser *ps, int line, int col, const char *fmt, ...)
{
	va_list ap;

	if (!ps->diag)
		return -EINVAL;
	ps->diag->loc.file = ps->file;
	ps->diag->loc.line = line;
	ps->diag->loc.col = col;
	va_start(ap, fmt);
	vsnprintf(ps->diag->msg, sizeof(ps->diag->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

#define terr(ps, ...) perr(ps, (ps)->tok.line, (ps)->tok.col, __VA_ARGS__)

static int next(struct parser *ps)
{
	return ms__scn_lex(&ps->lx, &ps->tok);
}

/* The token after the current one; errors show up when it is lexed. */
static void peek(const struct parser *ps, struct ms__tok *t)
{
	struct ms__lexer lx = ps->lx;

	lx.diag = NULL;
	if (ms__scn_lex(&lx, t))
		t->kind = MS__T_EOL;
}

static const char *desc(const struct ms__tok *t, char *buf, size_t n)
{
	switch (t->kind) {
	case MS__T_EOL:
		return "the end of the line";
	case MS__T_COMMENT:
		return "a comment";
	case MS__T_STR:
		return "a string";
	default:
		snprintf(buf, n, "'%.*s'", (int)(t->len > 24 ? 24 : t->len),
			 t->s);
		return buf;
	}
}

#define DESC(ps) desc(&(ps)->tok, dbuf, sizeof(dbuf))

static const char *ordinal(int n, char *buf, size_t len)
{
	const char *sfx = "th";

	if (n % 100 < 11 || n % 100 > 13) {
		if (n % 10 == 1)
			sfx = "st";
		else if (n % 10 == 2)
			sfx = "nd";
		else if (n % 10 == 3)
			sfx = "rd";
	}
	snprintf(buf, len, "%d%s", n, sfx);
	return buf;
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_op(enum ms__tok_kind k)
{
	return k == MS__T_PLUS || k == MS__T_MINUS || k == MS__T_PIPE;
}

static const char *const reserved[] = {
	"ok",	 "error", "fault", "expect",   "fork",	"end",	"exec",
	"purpose", "rules", "ref", "requires", "xfail", "vary",
};

static bool is_reserved(const char *s)
{
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(reserved[i], s) == 0)
			return true;
	return strcmp(s, "unbound") == 0 || strcmp(s, "when") == 0;
}

static bool is_header_key(const char *s)
{
	for (size_t i = 7; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(reserved[i], s) == 0)
			return true;
	return false;
}

/* Appends s to buf, truncating; buf always stays a string. */
static void append(char *buf, size_t n, const char *s)
{
	size_t used = strnlen(buf, n);

	if (used + 1 < n)
		snprintf(buf + used, n - used, "%s", s);
}

static int find_name(const struct ms_program *p, const char *s)
{
	for (int i = 0; i < p->nnames && i < MS_NAMES_MAX; i++)
		if (strcmp(p->names[i].name, s) == 0)
			return i;
	return -1;
}

/* "; did you mean 'X'?" when a candidate is close enough, else "". */
static void suggest(const char *s, const char *(*cand)(int), char *buf,
		    size_t n)
{
	const char *best = NULL;
	int bestd = 3;

	buf[0] = '\0';
	for (int i = 0; cand(i); i++) {
		int d = ms__scn_distance(s, cand(i));

		if (d < bestd) {
			bestd = d;
			best = cand(i);
		}
	}
	if (best && (size_t)bestd < strlen(s))
		snprintf(buf, n, "; did you mean %s?", best);
}

static const char *call_name(int i)
{
	return i >= 0 && i < MS_NCALLS ? ms_call_desc[i].name : NULL;
}

static int check_column(struct parser *ps)
{
	const struct ms_program *p = ps->rp;
	char cols[MS_VARY_COLS * (MS_NAME_MAX + 2)] = "";

	if (ps->cell)
		return terr(ps, "a vary cell cannot refer to a column ($%s)",
			    ps->tok.text);
	for (int j = 0; j < p->nvary_cols; j++)
		if (strcmp(p->vary_cols[j], ps->tok.text) == 0)
			return 0;
	if (!p->nvary_cols)
		return terr(ps,
			    "$%s needs a vary table: add \"vary %s\" and one "
			    "row per variant to the header",
			    ps->tok.text, ps->tok.text);
	for (int j = 0; j < p->nvary_cols; j++) {
		append(cols, sizeof(cols), j ? ", " : "");
		append(cols, sizeof(cols), p->vary_cols[j]);
	}
	return terr(ps, "unknown column '$%s': the vary table has %s",
		    ps->tok.text, cols);
}

static int ident_term(struct parser *ps, struct ms_term *tm)
{
	const struct ms_program *p = ps->rp;
	const char *s = ps->tok.text;
	char sug[64];
	int i;

	if (is_upper(s[0])) {
		int64_t v;

		if (ms_symbol_lookup(s, &v) == 0) {
			tm->kind = MS_TERM_SYM;
			tm->num = v;
			tm->text = ms_text_add_str(ps->dst, s);
			return 0;
		}
		if (ms_errno_lookup(s) >= 0)
			return terr(ps,
				    "%s is an errno: errnos are results, "
				    "written after '=>' as in \"=> %s\"",
				    s, s);
		suggest(s, ms__scn_symbol_name, sug, sizeof(sug));
		return terr(ps, "unknown constant '%s'%s", s, sug);
	}
	i = find_name(p, s);
	if (i < 0 || (ps->cell && p->names[i].bound_at >= ps->step))
		return terr(ps,
			    "unknown name '%s': bind it first with \"%s = "
			    "mmap(...)\"",
			    s, s);
	if (!ps->scope->bound[i])
		return terr(ps,
			    "name '%s' was bound inside a fork block: the "
			    "parent never sees the child's value",
			    s);
	tm->kind = MS_TERM_NAME;
	tm->name = i;
	return 0;
}

static int parse_term(struct parser *ps, struct ms_expr *e, char op)
{
	struct ms__tok *t = &ps->tok;
	struct ms_term term, *tm = &term, *added;
	bool neg = false;
	char dbuf[40];
	int ret;

	if (e->nterms >= MS_EXPR_MAX)
		return terr(ps, "too many terms: an expression has at most %d",
			    MS_EXPR_MAX);
	memset(tm, 0, sizeof(*tm));
	tm->op = op;
	if (t->kind == MS__T_MINUS) {
		neg = true;
		ret = next(ps);
		if (ret)
			return ret;
		if (t->kind != MS__T_NUM && t->kind != MS__T_PAGES)
			return terr(ps,
				    "only numbers can be negative: expected a "
				    "number after '-', got %s",
				    DESC(ps));
	}
	switch (t->kind) {
	case MS__T_NUM:
	case MS__T_PAGES:
		tm->kind = t->kind == MS__T_NUM ? MS_TERM_NUM : MS_TERM_PAGES;
		/* Two's complement wrap: 0xffffffffffffffff is -1. */
		tm->num = (int64_t)(neg ? 0 - t->num : t->num);
		if (t->kind == MS__T_NUM) {
			tm->neg = neg;
			/* 2^63 and up print in hex, never as negatives. */
			tm->hex = t->hex || (!neg && t->num >> 63);
		}
		break;
	case MS__T_IDENT:
		ret = ident_term(ps, tm);
		if (ret)
			return ret;
		break;
	case MS__T_VAR:
		ret = check_column(ps);
		if (ret)
			return ret;
		tm->kind = MS_TERM_VAR;
		tm->text = ms_text_add_str(ps->dst, t->text);
		break;
	case MS__T_STR:
		return terr(ps, "a string cannot be part of an expression");
	default:
		return terr(ps,
			    "expected a number, a name or a constant, got %s",
			    DESC(ps));
	}
	added = ms_expr_add_term(ps->dst, e);
	if (!added)
		return -ENOMEM;
	*added = term;
	return next(ps);
}

static int parse_expr(struct parser *ps, struct ms_expr *e)
{
	int ret;

	memset(e, 0, sizeof(*e));
	e->loc.file = ps->file;
	e->loc.line = ps->tok.line;
	e->loc.col = ps->tok.col;
	ret = parse_term(ps, e, '+');
	while (!ret && is_op(ps->tok.kind)) {
		char op = ps->tok.kind == MS__T_PLUS  ? '+' :
			  ps->tok.kind == MS__T_MINUS ? '-' :
							'|';

		ret = next(ps);
		if (!ret)
			ret = parse_term(ps, e, op);
	}
	return ret;
}

static int parse_arg(struct parser *ps, const struct ms_call_desc *d, int i,
		     struct ms_arg *a)
{
	char shape = i < (int)strlen(d->shape) ? d->shape[i] : 'e';
	char dbuf[40], obuf[16];

	memset(a, 0, sizeof(*a));
	if (shape == 's') {
		if (ps->tok.kind == MS__T_STR) {
			a->kind = MS_ARG_STR;
		} else if (ps->tok.kind == MS__T_VAR) {
			int ret = check_column(ps);

			if (ret)
				return ret;
			a->kind = MS_ARG_VAR;
		} else {
			return terr(ps,
				    "the %s argument of %s is a pattern string "
				    "such as \"AB\", not %s",
				    ordinal(i + 1, obuf, sizeof(obuf)), d->name,
				    DESC(ps));
		}
		a->str = ms_text_add_str(ps->dst, ps->tok.text);
		return next(ps);
	}
	if (ps->tok.kind == MS__T_STR)
		return terr(ps,
			    "the %s argument of %s is a number or an address, "
			    "not a string",
			    ordinal(i + 1, obuf, sizeof(obuf)), d->name);
	a->kind = MS_ARG_EXPR;
	return parse_expr(ps, &a->expr);
}

static int parse_call(struct parser *ps, struct ms_step *st)
{
	const struct ms_call_desc *d;
	int line = ps->tok.line, col = ps->tok.col;
	char dbuf[40], obuf[16], sug[64];
	int c, n = 0, ret;

	c = ms_call_lookup(ps->tok.text);
	if (c < 0) {
		suggest(ps->tok.text, call_name, sug, sizeof(sug));
		return terr(ps, "unknown call '%s'%s", ps->tok.text, sug);
	}
	d = &ms_call_desc[c];
	st->call = (enum ms_call)c;
	ret = next(ps);
	if (ret)
		return ret;
	if (ps->tok.kind != MS__T_LPAREN)
		return terr(ps, "expected '(' after %s, got %s", d->name,
			    DESC(ps));
	ret = next(ps);
	if (ret)
		return ret;
	if (ps->tok.kind == MS__T_RPAREN) {
		ret = next(ps);
		if (ret)
			return ret;
	} else {
		for (;;) {
			struct ms_arg a;

			ret = parse_arg(ps, d, n, &a);
			if (ret)
				return ret;
			if (n < MS_ARGS_MAX)
				st->args[n] = a;
			n++;
			if (ps->tok.kind == MS__T_COMMA) {
				ret = next(ps);
				if (ret)
					return ret;
				continue;
			}
			if (ps->tok.kind == MS__T_RPAREN)
				break;
			return terr(ps,
				    "expected ')' after the %s argument of %s, "
				    "got %s",
				    ordinal(n, obuf, sizeof(obuf)), d->name,
				    DESC(ps));
		}
		ret = next(ps);
		if (ret)
			return ret;
	}
	if (n < d->min_args || n > d->max_args) {
		if (d->min_args == d->max_args)
			return perr(ps, line, col,
				    "%s takes %d argument%s, got %d", d->name,
				    d->min_args, d->min_args == 1 ? "" : "s",
				    n);
		return perr(ps, line, col,
			    "%s takes %d to %d arguments, got %d", d->name,
			    d->min_args, d->max_args, n);
	}
	st->nargs = n;
	return 0;
}

static bool constant_value(const struct ms_program *p,
			   const struct ms_expr *e, int64_t *v);

/* Expects the token kind k, described as what; then moves past it. */
static int expect_tok(struct parser *ps, enum ms__tok_kind k,
		      const char *what, const char *after)
{
	char dbuf[40];

	if (ps->tok.kind != k)
		return terr(ps, "expected %s %s, got %s", what, after,
			    DESC(ps));
	return next(ps);
}

/* fault(SIGBUS), fault(SIGSEGV): the current token is '('. */
static int parse_fault_signal(struct parser *ps, struct ms_result *r)
{
	char dbuf[40];
	int ret = next(ps);

	if (ret)
		return ret;
	if (ps->tok.kind == MS__T_IDENT && strcmp(ps->tok.text, "SIGBUS") == 0)
		r->signo = SIGBUS;
	else if (ps->tok.kind == MS__T_IDENT &&
		 strcmp(ps->tok.text, "SIGSEGV") == 0)
		r->signo = SIGSEGV;
	else
		return terr(ps,
			    "a fault is fault(SIGSEGV) or fault(SIGBUS), or "
			    "plain fault for either; got %s",
			    DESC(ps));
	ret = next(ps);
	return ret ? ret : expect_tok(ps, MS__T_RPAREN, "')'",
				      "after the signal");
}

/*
 * in(lo, hi), notin(lo, hi), not(x): a value the kernel chooses, such as
 * the address of an mmap without MAP_FIXED, constrained rather than
 * spelled out.  The current token is the keyword, followed by '('.
 */
static int parse_constraint(struct parser *ps, struct ms_result *r)
{
	const char *kw = ps->tok.text;
	bool range = strcmp(kw, "not") != 0;
	int ret;

	r->kind = strcmp(kw, "in") == 0	   ? MS_RES_IN :
		  strcmp(kw, "notin") == 0 ? MS_RES_NOTIN :
					     MS_RES_NOT;
	ret = next(ps);
	if (!ret)
		ret = next(ps);
	if (!ret)
		ret = parse_expr(ps, &r->value);
	if (ret || !range)
		return ret ? ret : expect_tok(ps, MS__T_RPAREN, "')'",
					      "after the value of not(...)");
	ret = expect_tok(ps, MS__T_COMMA, "','",
			 "between the start and the end of the range");
	if (!ret)
		ret = parse_expr(ps, &r->hi);
	return ret ? ret : expect_tok(ps, MS__T_RPAREN, "')'",
				      "after the end of the range");
}

static bool is_constraint(const struct ms__tok *t, const struct ms__tok *nx)
{
	return t->kind == MS__T_IDENT && nx->kind == MS__T_LPAREN &&
	       (strcmp(t->text, "in") == 0 || strcmp(t->text, "notin") == 0 ||
		strcmp(t->text, "not") == 0);
}

/*
 * A number after "=>" is a value the call returned.  Every call the
 * language knows reports a failure as -errno, in [-4095, -1] (the kernel's
 * ABI; fill and read return 0 or fault), so a constant there could only be
 * an errno: the author must write its name.
 */
int ms__scn_check_value(const struct ms_program *p, const struct ms_expr *e,
			const struct ms_loc *at, struct ms_diag *diag)
{
	int64_t v;
	const char *name;

	if (!constant_value(p, e, &v) || v < -4095 || v > -1)
		return 0;
	name = ms_errno_name((int)-v);
	return ms__scn_diag(diag, at->file, at->line, at->col,
			    "%" PRId64 " after '=>' would be a value the call "
			    "returned, but calls return -errno when they "
			    "fail: write the errno's name%s%s%s",
			    v, name ? " (" : "", name ? name : "",
			    name ? ")" : "");
}

static int check_not_errno(struct parser *ps, const struct ms_result *r)
{
	return ms__scn_check_value(ps->dst, &r->value, &r->loc, ps->diag);
}

static int parse_result(struct parser *ps, enum ms_call call,
			struct ms_result *r)
{
	const struct ms__tok *t = &ps->tok;
	struct ms__tok nx;
	int ret;

	memset(r, 0, sizeof(*r));
	r->loc.file = ps->file;
	r->loc.line = t->line;
	r->loc.col = t->col;
	peek(ps, &nx);
	if (t->kind == MS__T_QUEST) {
		r->kind = MS_RES_UNSPEC;
		return next(ps);
	}
	if (is_constraint(t, &nx))
		return parse_constraint(ps, r);
	if (t->kind == MS__T_IDENT && !is_op(nx.kind)) {
		if (strcmp(t->text, "ok") == 0) {
			r->kind = MS_RES_OK;
			return next(ps);
		}
		if (strcmp(t->text, "error") == 0) {
			r->kind = MS_RES_ERROR;
			return next(ps);
		}
		if (strcmp(t->text, "fault") == 0) {
			if (!ms_call_desc[call].memory)
				return terr(ps,
					    "only fill and read can fault: "
					    "%s reports errors as an errno",
					    ms_call_desc[call].name);
			r->kind = MS_RES_FAULT;
			ret = next(ps);
			if (!ret && ps->tok.kind == MS__T_LPAREN)
				ret = parse_fault_signal(ps, r);
			return ret;
		}
	}
	if (t->kind == MS__T_IDENT && is_upper(t->text[0]) &&
	    ms_errno_lookup(t->text) > 0) {
		if (is_op(nx.kind))
			return terr(ps,
				    "an errno stands alone: %s cannot be part "
				    "of an expression",
				    t->text);
		r->kind = MS_RES_ERRNO;
		r->err = ms_errno_lookup(t->text);
		return next(ps);
	}
	if (t->kind == MS__T_VAR && !is_op(nx.kind)) {
		ret = check_column(ps);
		if (ret)
			return ret;
		r->kind = MS_RES_VAR;
		r->var = ms_text_add_str(ps->dst, t->text);
		return next(ps);
	}
	r->kind = MS_RES_VALUE;
	ret = parse_expr(ps, &r->value);
	return ret ? ret : check_not_errno(ps, r);
}

static int parse_results(struct parser *ps, struct ms_step *st)
{
	const struct ms_result *res;
	ms_profile_set seen = 0;
	bool dflt = false;
	int ret;

	for (;;) {
		struct ms_result *r;

		if (ps->tok.kind == MS__T_EOL || ps->tok.kind == MS__T_COMMENT)
			return terr(ps,
				    "expected a result: ok, error, fault, an "
				    "errno such as EPERM, a value, in(...), "
				    "notin(...), not(...) or ?");
		if (st->nresults == MS_ALTS_MAX)
			return terr(ps,
				    "too many alternatives: at most %d on one "
				    "step",
				    MS_ALTS_MAX);
		r = ms_step_add_result(ps->dst, st);
		if (!r)
			return -ENOMEM;
		ret = parse_result(ps, st->call, r);
		if (ret)
			return ret;
		while (ps->tok.kind == MS__T_PROFILE) {
			int pr = ms_profile_lookup(ps->tok.text);

			if (pr < 0)
				return terr(ps,
					    "unknown profile '@%s'; profiles "
					    "are linux, linux-6.12, "
					    "linux-6.10, guidelines",
					    ps->tok.text);
			if ((seen | r->profiles) & (1u << pr))
				return terr(ps,
					    "@%s is given twice: each profile "
					    "has one expected result",
					    ps->tok.text);
			r->profiles |= 1u << pr;
			ret = next(ps);
			if (ret)
				return ret;
		}
		if (!r->profiles) {
			if (dflt)
				return perr(ps, r->loc.line, r->loc.col,
					    "two alternatives without a "
					    "profile: tag all but one with a "
					    "profile such as @linux");
			dflt = true;
		}
		seen |= r->profiles;
		if (ps->tok.kind == MS__T_COMMA) {
			ret = next(ps);
			if (ret)
				return ret;
			continue;
		}
		/*
		 * '?' says "nobody knows under these profiles"; a step whose
		 * every alternative says so checks nothing.
		 */
		res = ms_step_results(ps->dst, st);
		for (int i = 0; i < st->nresults; i++) {
			if (res[i].kind != MS_RES_UNSPEC)
				break;
			if (i + 1 == st->nresults)
				return perr(ps, res[0].loc.line, res[0].loc.col,
					    "every result is '?', so this "
					    "step checks nothing: give the "
					    "result for at least one profile");
		}
		/*
		 * Every step states its result under every profile: one left
		 * out would be silently unchecked there, and the step would
		 * not even count as setup.
		 */
		if (!dflt && seen != MS_ALL_PROFILES) {
			char missing[64] = "";

			for (int i = 0; i < MS_NPROFILES; i++)
				if (!(seen & (1u << i)))
					snprintf(missing + strlen(missing),
						 sizeof(missing) -
							 strlen(missing),
						 " @%s",
						 ms_profile_name(
							 (enum ms_profile)i));
			return perr(ps, res[0].loc.line, res[0].loc.col,
				    "no result for%s: add an alternative "
				    "without a profile, or tag one with them",
				    missing);
		}
		return 0;
	}
}

/*
 * "[G2a G2]": the rules a failure of this step is charged to.  Each must be
 * one of the scenario's (the header comes first, so they are known), and
 * only a step that asserts something can carry them.
 */
static int step_rules(struct parser *ps, struct ms_step *st)
{
	const struct ms_program *p = ps->rp;
	char dbuf[40];
	int ret;

	if (st->kind != MS_STEP_EXPECT && st->kind != MS_STEP_UNBOUND &&
	    (st->kind != MS_STEP_CALL || !st->nresults))
		return terr(ps,
			    "only a step that asserts something (a result "
			    "after '=>', or an expect) can name its rules");
	ret = next(ps);
	while (!ret && ps->tok.kind == MS__T_IDENT) {
		int r = ms_rule_lookup(ps->tok.text);

		if (r < 0)
			return terr(ps, "unknown rule '%s'", ps->tok.text);
		if (!(p->rules & (1u << r)))
			return terr(ps,
				    "rule %s is not among the scenario's: add "
				    "it to the 'rules' header",
				    ms_rule_name((enum ms_rule)r));
		if (st->rules & (1u << r))
			return terr(ps, "rule %s is given twice",
				    ms_rule_name((enum ms_rule)r));
		st->rules |= 1u << r;
		ret = next(ps);
	}
	if (ret)
		return ret;
	if (!st->rules)
		return terr(ps, "expected a rule such as G2a after '[', got %s",
			    DESC(ps));
	if (ps->tok.kind != MS__T_RBRACKET)
		return terr(ps, "expected ']' after the step's rules, got %s",
			    DESC(ps));
	return next(ps);
}

static int step_end(struct parser *ps, struct ms_step *st)
{
	char dbuf[40];

	if (ps->tok.kind == MS__T_LBRACKET) {
		int ret = step_rules(ps, st);

		if (ret)
			return ret;
	}
	if (ps->tok.kind == MS__T_COMMENT) {
		st->comment = ms_text_add_str(ps->dst, ps->tok.text);
		int ret = next(ps);

		if (ret)
			return ret;
	}
	if (ps->tok.kind != MS__T_EOL)
		return terr(ps,
			    "unexpected %s at the end of the step (results "
			    "follow '=>')",
			    DESC(ps));
	return 0;
}

static struct ms_step *push_step(struct parser *ps, enum ms_step_kind kind,
				 int line, int col)
{
	struct ms_program *p = ps->p;
	struct ms_step *st;

	if (p->nsteps == MS_STEPS_MAX) {
		perr(ps, line, col, "a scenario has at most %d steps, comment "
				    "and blank lines included",
		     MS_STEPS_MAX);
		ps->too_many = true;
		return NULL;
	}
	if (p->nsteps == p->cap_steps) {
		int cap = p->cap_steps ? p->cap_steps * 2 : 16;
		struct ms_step *s;

		if (cap > INT_MAX / 2 ||
		    !(s = realloc(p->steps, (size_t)cap * sizeof(*s)))) {
			snprintf(ps->diag->msg, sizeof(ps->diag->msg),
				 "out of memory");
			return NULL;
		}
		p->steps = s;
		p->cap_steps = cap;
	}
	st = &p->steps[p->nsteps++];
	memset(st, 0, sizeof(*st));
	st->kind = kind;
	st->loc.file = ps->file;
	st->loc.line = line;
	st->loc.col = col;
	st->depth = ps->depth;
	st->bind = -1;
	ps->step = p->nsteps - 1;
	return st;
}

static int expect_profiles(struct parser *ps, struct ms_step *st);

/* expect unbound NAME [@profile...]: the current token is "unbound". */
static int parse_expect_unbound(struct parser *ps, struct ms_step *st)
{
	const struct ms_program *p = ps->rp;
	struct ms_term *tm;
	char dbuf[40];
	int ret = next(ps), i;

	if (ret)
		return ret;
	if (ps->tok.kind != MS__T_IDENT)
		return terr(ps, "expected a name after 'expect unbound', got %s",
			    DESC(ps));
	i = find_name(p, ps->tok.text);
	if (i < 0)
		return terr(ps,
			    "unknown name '%s': 'expect unbound' follows a "
			    "step that binds it, such as \"%s = mmap(...) => "
			    "EPERM\"",
			    ps->tok.text, ps->tok.text);
	st->kind = MS_STEP_UNBOUND;
	memset(&st->where, 0, sizeof(st->where));
	st->where.loc.file = ps->file;
	st->where.loc.line = ps->tok.line;
	st->where.loc.col = ps->tok.col;
	tm = ms_expr_add_term(ps->dst, &st->where);
	if (!tm)
		return -ENOMEM;
	tm->kind = MS_TERM_NAME;
	tm->name = i;
	ret = next(ps);
	return ret ? ret : expect_profiles(ps, st);
}

static int parse_expect(struct parser *ps, struct ms_step *st)
{
	char dbuf[40], why[200];
	struct ms__tok nx;
	int ret, off;

	ret = next(ps);
	if (ret)
		return ret;
	peek(ps, &nx);
	if (ps->tok.kind == MS__T_IDENT &&
	    strcmp(ps->tok.text, "unbound") == 0 && nx.kind == MS__T_IDENT)
		return parse_expect_unbound(ps, st);
	ret = parse_expr(ps, &st->where);
	if (ret)
		return ret;
	if (ps->tok.kind != MS__T_IDENT)
		return terr(ps,
			    "expected an attribute after the address (vmas, "
			    "prot, seal, lock, inherit, share, back, guard, "
			    "pkey or data), got %s",
			    DESC(ps));
	ret = ms_attr_lookup(ps->tok.text);
	if (ret < 0)
		return terr(ps,
			    "unknown attribute '%s'; attributes are vmas, "
			    "prot, seal, lock, inherit, share, back, guard, "
			    "pkey, data",
			    ps->tok.text);
	st->attr = (enum ms_attr)ret;
	ret = next(ps);
	if (ret)
		return ret;
	if (ps->tok.kind == MS__T_STR) {
		if (ms__scn_grid_check(st->attr, ps->tok.text, &off, why,
				       sizeof(why)) < 0)
			return perr(ps, ps->tok.line, ps->tok.col + 1 + off,
				    "%s", why);
		/*
		 * A written grid of nothing but '?' asserts nothing: leaving
		 * the profiles out says the same.  (A vary cell may be all
		 * '?': the line still checks the other rows.)
		 */
		if (strspn(ps->tok.text, "? ") == strlen(ps->tok.text))
			return terr(ps,
				    "every page is '?', so this line checks "
				    "nothing: leave it out for these profiles "
				    "instead");
		st->grid.kind = MS_ARG_STR;
	} else if (ps->tok.kind == MS__T_VAR) {
		ret = check_column(ps);
		if (ret)
			return ret;
		st->grid.kind = MS_ARG_VAR;
	} else {
		return terr(ps,
			    "expected a grid such as \"SS--\" after '%s', got "
			    "%s",
			    ms_attr_name(st->attr), DESC(ps));
	}
	st->grid.str = ms_text_add_str(ps->dst, ps->tok.text);
	ret = next(ps);
	return ret ? ret : expect_profiles(ps, st);
}

/* The profiles an expect step is limited to, then the end of the step. */
static int expect_profiles(struct parser *ps, struct ms_step *st)
{
	int ret;

	while (ps->tok.kind == MS__T_PROFILE) {
		int pr = ms_profile_lookup(ps->tok.text);

		if (pr < 0)
			return terr(ps,
				    "unknown profile '@%s'; profiles are "
				    "linux, linux-6.12, linux-6.10, guidelines",
				    ps->tok.text);
		if (st->profiles & (1u << pr))
			return terr(ps, "@%s is given twice", ps->tok.text);
		st->profiles |= 1u << pr;
		ret = next(ps);
		if (ret)
			return ret;
	}
	return step_end(ps, st);
}

/* [name =] call(args) [=> results] [# comment] */
static int parse_call_step(struct parser *ps, bool binds)
{
	struct ms_program *p = ps->p;
	struct ms__tok name = ps->tok;
	struct ms_step *st;
	char dbuf[40];
	int ret, i;

	if (binds) {
		if (is_upper(name.text[0]))
			return terr(ps,
				    "'%s' looks like a constant: names start "
				    "with a lower-case letter",
				    name.text);
		if (is_reserved(name.text))
			return terr(ps, "'%s' is a keyword, not a name",
				    name.text);
		ret = next(ps);
		if (!ret)
			ret = next(ps);
		if (ret)
			return ret;
		if (ps->tok.kind != MS__T_IDENT)
			return terr(ps, "expected a call after '%s =', got %s",
				    name.text, DESC(ps));
	}
	st = push_step(ps, MS_STEP_CALL, name.line, name.col);
	if (!st)
		return -ENOMEM;
	ret = parse_call(ps, st);
	if (ret)
		return ret;
	if (ps->tok.kind == MS__T_ARROW) {
		ret = next(ps);
		if (!ret)
			ret = parse_results(ps, st);
		if (ret)
			return ret;
	}
	ret = step_end(ps, st);
	if (ret)
		return ret;
	if (binds) {
		i = find_name(p, name.text);
		if (i < 0) {
			if (p->nnames >= MS_NAMES_MAX)
				return perr(ps, name.line, name.col,
					    "too many names: at most %d in "
					    "one scenario",
					    MS_NAMES_MAX);
			i = p->nnames++;
			snprintf(p->names[i].name, sizeof(p->names[i].name),
				 "%.*s", MS_NAME_MAX - 1, name.text);
			p->names[i].bound_at = ps->step;
		}
		st->bind = i;
	}
	ms__scn_scope_step(&ps->sc, st);
	return 0;
}

static int parse_step_kind(struct parser *ps);

/*
 * [when $col] step: a step that only some vary rows have.  The column is
 * checked here; its cells (yes or no) by ms_instantiate.
 */
static int parse_step(struct parser *ps)
{
	struct ms_program *p = ps->p;
	char when[MS_NAME_MAX] = "", dbuf[40];
	int line = ps->tok.line, col = ps->tok.col, before = p->nsteps, ret;
	struct ms__tok nx;

	if (ps->tok.kind == MS__T_IDENT && strcmp(ps->tok.text, "when") == 0) {
		ret = next(ps);
		if (ret)
			return ret;
		if (ps->tok.kind != MS__T_VAR)
			return terr(ps,
				    "expected a column after 'when', as in "
				    "\"when $sealed mseal(a, 1p, 0)\", got %s",
				    DESC(ps));
		ret = check_column(ps);
		if (ret)
			return ret;
		snprintf(when, sizeof(when), "%.*s", MS_NAME_MAX - 1,
			 ps->tok.text);
		ret = next(ps);
		if (ret)
			return ret;
		peek(ps, &nx);
		if (ps->tok.kind == MS__T_IDENT &&
		    (nx.kind == MS__T_EOL || nx.kind == MS__T_COMMENT) &&
		    (strcmp(ps->tok.text, "fork") == 0 ||
		     strcmp(ps->tok.text, "end") == 0 ||
		     strcmp(ps->tok.text, "exec") == 0))
			return terr(ps,
				    "'when' leaves out a call or an expect, "
				    "not '%s': a fork block is in every row",
				    ps->tok.text);
	}
	ret = parse_step_kind(ps);
	if (ret || !when[0])
		return ret;
	if (p->nsteps != before + 1)
		return perr(ps, line, col, "'when' needs a step after it");
	p->steps[before].when = ms_text_add_str(ps->dst, when);
	return 0;
}

static int parse_step_kind(struct parser *ps)
{
	struct ms__tok nx;
	struct ms_step *st;
	char dbuf[40];
	int ret;

	if (ps->tok.kind != MS__T_IDENT)
		return terr(ps,
			    "expected a step (a call such as \"mprotect(a, "
			    "1p, PROT_READ)\", expect, fork, end or exec), "
			    "got %s",
			    DESC(ps));
	peek(ps, &nx);
	if (nx.kind == MS__T_EOL || nx.kind == MS__T_COMMENT) {
		enum ms_step_kind kind;

		if (strcmp(ps->tok.text, "fork") == 0) {
			if (ps->depth >= MS__FORK_MAX)
				return terr(ps,
					    "fork blocks nest at most %d deep",
					    MS__FORK_MAX);
			kind = MS_STEP_FORK;
		} else if (strcmp(ps->tok.text, "end") == 0) {
			if (!ps->depth)
				return terr(ps,
					    "'end' without a matching 'fork'");
			ps->depth--;
			kind = MS_STEP_END;
		} else if (strcmp(ps->tok.text, "exec") == 0) {
			kind = MS_STEP_EXEC;
		} else {
			goto call;
		}
		st = push_step(ps, kind, ps->tok.line, ps->tok.col);
		if (!st)
			return -ENOMEM;
		if (kind == MS_STEP_FORK)
			ps->forks[ps->depth++] = ps->step;
		ret = next(ps);
		if (!ret)
			ret = step_end(ps, st);
		if (!ret)
			ms__scn_scope_step(&ps->sc, st);
		return ret;
	}
	if (strcmp(ps->tok.text, "expect") == 0 && nx.kind != MS__T_EQ) {
		st = push_step(ps, MS_STEP_EXPECT, ps->tok.line, ps->tok.col);
		if (!st)
			return -ENOMEM;
		return parse_expect(ps, st);
	}
call:
	if (nx.kind == MS__T_EQ)
		return parse_call_step(ps, true);
	if (nx.kind != MS__T_LPAREN && ms_call_lookup(ps->tok.text) < 0) {
		char sug[64];

		suggest(ps->tok.text, call_name, sug, sizeof(sug));
		if (sug[0])
			return terr(ps, "unknown call '%s'%s", ps->tok.text,
				    sug);
		return terr(ps,
			    "expected a step (a call such as \"mprotect(a, "
			    "1p, PROT_READ)\", expect, fork, end or exec), "
			    "got %s",
			    DESC(ps));
	}
	return parse_call_step(ps, false);
}

/* ---------------------------------------------------------------- */
/* Header fields                                                     */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int col_at(const struct parser *ps, const char *q)
{
	return ps->lx.col + (int)(q - ps->lx.base);
}

/* The next blank-separated word of the rest of the line, or NULL. */
static const char *word(struct parser *ps, size_t *n)
{
	const char *q = ps->lx.p, *end = ps->lx.end, *w;

	while (q < end && is_blank(*q))
		q++;
	if (q == end) {
		ps->lx.p = q;
		return NULL;
	}
	w = q;
	while (q < end && !is_blank(*q))
		q++;
	*n = (size_t)(q - w);
	ps->lx.p = q;
	return w;
}

static int no_comment(struct parser *ps, const char *w, const char *key)
{
	if (*w != '#')
		return 0;
	return perr(ps, ps->tok.line, col_at(ps, w),
		    "a comment after '%s' would be lost: put it on its own "
		    "line above the header",
		    key);
}

/* Copies the word into buf (NUL-terminated); false when it is too long. */
static bool word_str(const char *w, size_t n, char *buf, size_t len)
{
	if (n >= len)
		return false;
	memcpy(buf, w, n);
	buf[n] = '\0';
	return true;
}

/*
 * The rest of the line, trimmed, into the pool (*dst its offset); the line
 * is already trimmed.
 */
static int rest_text(struct parser *ps, uint32_t *dst, const char *key,
		     bool required)
{
	const char *q = ps->lx.p, *end = ps->lx.end;
	size_t n;

	while (q < end && is_blank(*q))
		q++;
	n = (size_t)(end - q);
	if (!n && required)
		return perr(ps, ps->tok.line, col_at(ps, q),
			    "'%s' needs some text after it", key);
	if (n >= MS_STR_MAX)
		return perr(ps, ps->tok.line, col_at(ps, q),
			    "the text of '%s' is too long: at most %d "
			    "characters",
			    key, MS_STR_MAX - 1);
	*dst = ms_text_add(ps->dst, q, n);
	ps->lx.p = end;
	return 0;
}

/* A header whose value is a list of names from a fixed vocabulary. */
struct id_list {
	const char *key;		/* "rules" */
	const char *what;		/* "rule" */
	const char *example;		/* "G1" */
	const char *sep;		/* between names in the error message */
	int count;			/* size of the vocabulary */
	int (*lookup)(const char *name);
	const char *(*name)(int i);
};

static const char *rule_name_at(int i)
{
	return ms_rule_name((enum ms_rule)i);
}

static const char *feature_name_at(int i)
{
	return ms_feature_name((enum ms_feature)i);
}

/* Parses the names after the header key into a bit mask. */
static int header_ids(struct parser *ps, const struct id_list *l,
		      uint32_t *mask)
{
	const char *w;
	char buf[MS_NAME_MAX];
	size_t n;

	while ((w = word(ps, &n))) {
		int id, ret = no_comment(ps, w, l->key);

		if (ret)
			return ret;
		id = word_str(w, n, buf, sizeof(buf)) ? l->lookup(buf) :
							-EINVAL;
		if (id < 0) {
			char all[200] = "";

			for (int i = 0; i < l->count; i++) {
				append(all, sizeof(all), i ? l->sep : "");
				append(all, sizeof(all), l->name(i));
			}
			return perr(ps, ps->tok.line, col_at(ps, w),
				    "unknown %s '%.*s'; %ss are %s", l->what,
				    (int)(n > 32 ? 32 : n), w, l->what, all);
		}
		*mask |= 1u << id;
	}
	if (!*mask)
		return terr(ps, "'%s' needs at least one %s, such as %s",
			    l->key, l->what, l->example);
	return 0;
}

static int header_rules(struct parser *ps)
{
	static const struct id_list rules = {
		"rules", "rule", "G1", " ", MS_NRULES, ms_rule_lookup,
		rule_name_at,
	};

	if (ps->seen_rules)
		return terr(ps,
			    "'rules' is given twice: list every rule on one "
			    "line");
	ps->seen_rules = true;
	return header_ids(ps, &rules, &ps->p->rules);
}

static int header_requires(struct parser *ps)
{
	static const struct id_list features = {
		"requires", "feature", "pkey", ", ", MS_NFEATURES,
		ms_feature_lookup, feature_name_at,
	};
	uint32_t mask = 0;
	int ret = header_ids(ps, &features, &mask);

	ps->requires |= mask;
	return ret;
}

static int header_xfail(struct parser *ps)
{
	struct ms_program *p = ps->p;
	const char *w, *before;
	char buf[MS_NAME_MAX];
	size_t n;
	int pr;

	if (ps->seen_xfail)
		return terr(ps,
			    "'xfail' is given twice: name every profile on "
			    "one line");
	ps->seen_xfail = true;
	for (;;) {
		before = ps->lx.p;
		w = word(ps, &n);
		if (!w || *w != '@') {
			ps->lx.p = before;
			break;
		}
		pr = word_str(w + 1, n - 1, buf, sizeof(buf)) ?
			     ms_profile_lookup(buf) :
			     -EINVAL;
		if (pr < 0)
			return perr(ps, ps->tok.line, col_at(ps, w),
				    "unknown profile '%.*s'; profiles are "
				    "linux, linux-6.12, linux-6.10, guidelines",
				    (int)(n > 32 ? 32 : n), w);
		if (p->xfail & (1u << pr))
			return perr(ps, ps->tok.line, col_at(ps, w),
				    "%s is given twice", buf);
		p->xfail |= 1u << pr;
	}
	if (!p->xfail)
		return terr(ps,
			    "'xfail' needs at least one profile, as in "
			    "\"xfail @linux-6.10 why it fails there\"");
	return rest_text(ps, &p->xfail_reason, "xfail", false);
}

static bool ident_word(const char *w, size_t n)
{
	if (!n || !((*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z') ||
		    *w == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((w[i] >= 'a' && w[i] <= 'z') ||
		      (w[i] >= 'A' && w[i] <= 'Z') ||
		      (w[i] >= '0' && w[i] <= '9') || w[i] == '_'))
			return false;
	return true;
}

static int header_vary(struct parser *ps)
{
	struct ms_program *p = ps->p;
	const char *w;
	size_t n;
	int ret;

	if (ps->seen_vary)
		return terr(ps, "a scenario has only one vary table");
	ps->seen_vary = true;
	ps->vary_line = ps->tok.line;
	ps->vary_col = ps->tok.col;
	while ((w = word(ps, &n))) {
		ret = no_comment(ps, w, "vary");
		if (ret)
			return ret;
		if (!ident_word(w, n) || n >= MS_NAME_MAX)
			return perr(ps, ps->tok.line, col_at(ps, w),
				    "bad column name '%.*s': columns are "
				    "identifiers of at most %d characters",
				    (int)(n > 32 ? 32 : n), w, MS_NAME_MAX - 1);
		if (p->nvary_cols == MS_VARY_COLS)
			return perr(ps, ps->tok.line, col_at(ps, w),
				    "too many columns: a vary table has at "
				    "most %d",
				    MS_VARY_COLS);
		for (int j = 0; j < p->nvary_cols; j++)
			if (strlen(p->vary_cols[j]) == n &&
			    memcmp(p->vary_cols[j], w, n) == 0)
				return perr(ps, ps->tok.line, col_at(ps, w),
					    "column '%.*s' is given twice",
					    (int)n, w);
		memcpy(p->vary_cols[p->nvary_cols], w, n);
		p->vary_cols[p->nvary_cols][n] = '\0';
		p->nvary_cols++;
	}
	if (!p->nvary_cols)
		return terr(ps,
			    "'vary' needs at least one column name, as in "
			    "\"vary advice\"");
	ps->in_vary = true;
	return 0;
}

static int parse_header(struct parser *ps)
{
	struct ms_program *p = ps->p;
	const char *key = ps->tok.text;

	if (ps->steps)
		return terr(ps,
			    "'%s' must come before the first step: header "
			    "fields open the scenario",
			    key);
	if (ps->body)
		return terr(ps,
			    "'%s' follows a comment line, which would be lost "
			    "there: move the comment above the header",
			    key);
	ps->header = true;
	if (strcmp(key, "purpose") == 0) {
		if (ps->seen_purpose)
			return terr(ps, "'purpose' is given twice");
		ps->seen_purpose = true;
		return rest_text(ps, &p->purpose, "purpose", true);
	}
	if (strcmp(key, "ref") == 0) {
		if (p->nrefs == MS_REFS_MAX)
			return terr(ps, "at most %d 'ref' lines", MS_REFS_MAX);
		return rest_text(ps, &p->refs[p->nrefs++], "ref", true);
	}
	if (strcmp(key, "rules") == 0)
		return header_rules(ps);
	if (strcmp(key, "requires") == 0)
		return header_requires(ps);
	if (strcmp(key, "xfail") == 0)
		return header_xfail(ps);
	return header_vary(ps);
}

/* One row of the vary table: cells are quoted strings or non-blank runs. */
static int parse_row(struct parser *ps, const char *s, size_t n, int line)
{
	struct ms_program *p = ps->p;
	const char *q = s, *end = s + n, *first = NULL;
	struct ms_cell *row;
	int ncells = 0;

	if (p->nvary_rows == MS_VARY_ROWS)
		return perr(ps, line, 1,
			    "too many vary rows: at most %d variants",
			    MS_VARY_ROWS);
	/* Room for the rows there are: a table costs what it holds. */
	if ((p->nvary_rows & (p->nvary_rows - 1)) == 0) {
		int cap = p->nvary_rows ? 2 * p->nvary_rows : 1;
		struct ms_cell (*v)[MS_VARY_COLS] =
			realloc(p->vary, sizeof(*v) * (size_t)cap);

		if (!v)
			return perr(ps, line, 1, "out of memory");
		p->vary = v;
	}
	row = p->vary[p->nvary_rows];
	memset(row, 0, sizeof(p->vary[0]));
	for (;;) {
		const char *c;
		size_t len;

		while (q < end && is_blank(*q))
			q++;
		if (q == end)
			break;
		c = q;
		if (!first)
			first = c;
		if (*q == '"') {
			q++;
			while (q < end && *q != '"') {
				if (*q == '\\' && q + 1 < end &&
				    (q[1] == '"' || q[1] == '\\'))
					q++;
				else if (*q == '\\')
					return perr(ps, line,
						    (int)(q - s) + 1,
						    "unknown escape in a "
						    "string: only \\\" and "
						    "\\\\ are allowed");
				q++;
			}
			if (q == end)
				return perr(ps, line, (int)(c - s) + 1,
					    "unterminated string: add the "
					    "closing '\"'");
			q++;
			if (q < end && !is_blank(*q))
				return perr(ps, line, (int)(q - s) + 1,
					    "expected a blank after the quoted "
					    "cell");
		} else if (*q == '#') {
			return perr(ps, line, (int)(q - s) + 1,
				    "a comment cannot share a line with a vary "
				    "row: put it on its own line after the "
				    "table");
		} else {
			while (q < end && !is_blank(*q))
				q++;
		}
		len = (size_t)(q - c);
		if (len >= MS_CELL_MAX)
			return perr(ps, line, (int)(c - s) + 1,
				    "cell too long: at most %d characters",
				    MS_CELL_MAX - 1);
		if (ncells < MS_VARY_COLS) {
			row[ncells].text = ms_text_add(p, c, len);
			row[ncells].loc.file = ps->file;
			row[ncells].loc.line = line;
			row[ncells].loc.col = (int)(c - s) + 1;
		}
		ncells++;
	}
	if (ncells != p->nvary_cols)
		return perr(ps, line, first ? (int)(first - s) + 1 : 1,
			    "a vary row has %d cell%s but the table has %d "
			    "column%s",
			    ncells, ncells == 1 ? "" : "s", p->nvary_cols,
			    p->nvary_cols == 1 ? "" : "s");
	p->nvary_rows++;
	return 0;
}

static int end_vary(struct parser *ps)
{
	ps->in_vary = false;
	if (!ps->p->nvary_rows)
		return perr(ps, ps->vary_line, ps->vary_col,
			    "the vary table has no rows: write one row per "
			    "variant under the column names, indented");
	return 0;
}

static int add_note(struct parser *ps, const char *s, size_t n, int line,
		    int col)
{
	struct ms_program *p = ps->p;
	struct ms_step *st;

	if (!n && p->nsteps && p->steps[p->nsteps - 1].kind == MS_STEP_NOTE &&
	    !p->steps[p->nsteps - 1].comment)
		return 0;	/* blank lines collapse */
	if (n >= MS_STR_MAX)
		return perr(ps, line, col,
			    "comment too long: at most %d characters",
			    MS_STR_MAX - 1);
	st = push_step(ps, MS_STEP_NOTE, line, col);
	if (!st)
		return -ENOMEM;
	st->comment = ms_text_add(p, s, n);
	return 0;
}

/* Collected in the parser; finish() puts it in the pool, once. */
static int head_comment(struct parser *ps, const char *s, size_t n, int line)
{
	char *h = ps->head;
	size_t used = strlen(h);

	if (used + (used ? 1 : 0) + n >= sizeof(ps->head))
		return perr(ps, line, 1,
			    "the comment above the header is too long: at "
			    "most %zu characters",
			    sizeof(ps->head) - 1);
	if (used)
		h[used++] = '\n';
	memcpy(h + used, s, n);
	h[used + n] = '\0';
	return 0;
}

static int parse_line(struct parser *ps, const char *s, size_t n, int line)
{
	size_t k = 0;
	int ret;

	if (n && s[n - 1] == '\r')
		n--;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return perr(ps, line, (int)i + 1,
				    "control character 0x%02x: a scenario is "
				    "plain text",
				    c);
	}
	while (n && is_blank(s[n - 1]))
		n--;
	while (k < n && is_blank(s[k]))
		k++;

	if (ps->in_vary) {
		if (k && k < n && s[k] != '#')
			return parse_row(ps, s, n, line);
		ret = end_vary(ps);
		if (ret)
			return ret;
	}
	if (k == n)
		return ps->body ? add_note(ps, s, 0, line, 1) : 0;
	if (s[k] == '#') {
		if (!ps->header && !ps->body)
			return head_comment(ps, s + k, n - k, line);
		ps->body = true;
		return add_note(ps, s + k, n - k, line, (int)k + 1);
	}

	ms__scn_lex_init(&ps->lx, ps->file, s, n, line, 1, ps->diag);
	ret = next(ps);
	if (ret)
		return ret;
	if (ps->tok.kind == MS__T_IDENT && is_header_key(ps->tok.text))
		return parse_header(ps);
	ps->body = ps->steps = true;
	return parse_step(ps);
}

void ms__scn_scope_step(struct ms__scope *s, const struct ms_step *st)
{
	if (st->kind == MS_STEP_END) {
		for (int i = 0; i < MS_NAMES_MAX; i++)
			if (s->bound[i] && s->depth[i] > st->depth)
				s->bound[i] = false;
	} else if (st->kind == MS_STEP_CALL && st->bind >= 0 &&
		   st->bind < MS_NAMES_MAX && !s->bound[st->bind]) {
		s->bound[st->bind] = true;
		s->depth[st->bind] = st->depth;
	}
}

/* Guard-region advice needs a kernel that has it (6.13+). */
static bool uses_guard_advice(const struct ms_program *p,
			      const struct ms_step *st)
{
	for (int a = 0; a < st->nargs && a < MS_ARGS_MAX; a++) {
		const struct ms_expr *e = &st->args[a].expr;
		const struct ms_term *tm;

		if (st->args[a].kind != MS_ARG_EXPR ||
		    !(tm = ms_expr_terms(p, e)))
			continue;
		for (int t = 0; t < e->nterms; t++)
			if (tm[t].kind == MS_TERM_SYM &&
			    (tm[t].num == MADV_GUARD_INSTALL ||
			     tm[t].num == MADV_GUARD_REMOVE) &&
			    strncmp(ms_text(p, tm[t].text), "MADV_GUARD_",
				    11) == 0)
				return true;
	}
	return false;
}

/* The value of e when it has neither names nor $columns. */
static bool constant_value(const struct ms_program *p,
			   const struct ms_expr *e, int64_t *v)
{
	const struct ms_term *tm = ms_expr_terms(p, e);

	if (!tm)
		return false;
	for (int t = 0; t < e->nterms; t++)
		if (tm[t].kind == MS_TERM_NAME || tm[t].kind == MS_TERM_VAR)
			return false;
	return ms_eval(p, e, NULL, NULL, 4096, v) == 0;
}

/*
 * Mapping at a fixed address below vm.mmap_min_addr needs CAP_SYS_RAWIO:
 * an unprivileged run gets EPERM whatever the seals say.  A constant
 * address under 64 KiB (the largest mmap_min_addr distributions set)
 * with MAP_FIXED or MAP_FIXED_NOREPLACE, an mremap MREMAP_FIXED target or
 * a shmat address there needs the feature.
 */
static bool needs_low_addr(const struct ms_program *p,
			   const struct ms_step *st)
{
	int addr_arg = -1, flags_arg = -1;
	int64_t addr, flags = 0;

	switch (st->call) {
	case MS_CALL_MMAP:
		addr_arg = 0;
		flags_arg = 3;
		break;
	case MS_CALL_MREMAP:
		addr_arg = 4;
		flags_arg = 3;
		break;
	case MS_CALL_SHMAT:
		addr_arg = 1;
		break;
	default:
		return false;
	}
	if (st->nargs <= addr_arg || st->args[addr_arg].kind != MS_ARG_EXPR ||
	    !constant_value(p, &st->args[addr_arg].expr, &addr) ||
	    addr < 0 || addr >= 65536)
		return false;
	if (flags_arg < 0)
		return addr != 0;
	if (st->nargs <= flags_arg || st->args[flags_arg].kind != MS_ARG_EXPR ||
	    !constant_value(p, &st->args[flags_arg].expr, &flags))
		return false;
	if (st->call == MS_CALL_MREMAP)
		return flags & MREMAP_FIXED;
	return flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
}

/*
 * Before 6.13 process_madvise() accepts only the advice a remote caller may
 * give, even on the calling process (process_madvise_remote_valid()); any
 * other advice is EINVAL before a VMA is looked at, so such a step cannot
 * reach the seal check there.  An advice given as a plain number counts as
 * "other".
 */
static bool needs_self_madvise(const struct ms_program *p,
			       const struct ms_step *st)
{
	const struct ms_expr *e;
	const struct ms_term *tm;
	int adv = st->call == MS_CALL_PROCESS_MADVISE	 ? 2 :
		  st->call == MS_CALL_PROCESS_MADVISE2 ? 4 :
							 -1;

	if (adv < 0 || st->nargs <= adv || st->args[adv].kind != MS_ARG_EXPR)
		return false;
	e = &st->args[adv].expr;
	tm = ms_expr_terms(p, e);
	if (!tm)
		return true;
	for (int t = 0; t < e->nterms; t++)
		if (tm[t].kind == MS_TERM_VAR)
			return false; /* a template: each row decides */
	if (e->nterms != 1 ||
	    (tm[0].kind != MS_TERM_SYM && tm[0].kind != MS_TERM_NUM))
		return true;
	switch (tm[0].num) {
	case MADV_WILLNEED:
	case MADV_COLD:
	case MADV_PAGEOUT:
	case MADV_COLLAPSE:
		return false;
	default:
		return true;
	}
}

/*
 * The features a program needs because of what it does: each call's own
 * feature, guard-region advice, process_madvise() advice that only 6.13+
 * takes on the calling process, and an expected guard page (a grid that
 * only says "no guard here" holds on kernels without guard regions too).
 */
uint32_t ms_program_features(const struct ms_program *p)
{
	uint32_t f = 0;

	for (int i = 0; i < p->nsteps; i++) {
		const struct ms_step *st = &p->steps[i];

		if (st->kind == MS_STEP_CALL &&
		    (unsigned)st->call < MS_NCALLS &&
		    ms_call_desc[st->call].feature >= 0)
			f |= 1u << ms_call_desc[st->call].feature;
		if (st->kind == MS_STEP_CALL && uses_guard_advice(p, st))
			f |= 1u << MS_FEAT_GUARD;
		if (st->kind == MS_STEP_CALL && needs_self_madvise(p, st))
			f |= 1u << MS_FEAT_SELF_MADVISE;
		if (st->kind == MS_STEP_CALL && needs_low_addr(p, st))
			f |= 1u << MS_FEAT_LOW_ADDR;
		if (st->kind == MS_STEP_EXPECT && st->attr == MS_ATTR_GUARD &&
		    st->grid.kind == MS_ARG_STR &&
		    strchr(ms_text(p, st->grid.str), 'G'))
			f |= 1u << MS_FEAT_GUARD;
	}
	return f;
}

static int finish(struct parser *ps)
{
	struct ms_program *p = ps->p;
	struct ms_program *tmp;
	int ret = 0;

	if (ps->in_vary) {
		ret = end_vary(ps);
		if (ret)
			return ret;
	}
	if (ps->depth) {
		const struct ms_step *f = &p->steps[ps->forks[ps->depth - 1]];

		return perr(ps, f->loc.line, f->loc.col,
			    "'fork' without a matching 'end'");
	}
	while (p->nsteps && p->steps[p->nsteps - 1].kind == MS_STEP_NOTE &&
	       !p->steps[p->nsteps - 1].comment)
		p->nsteps--;
	p->head_comment = ms_text_add_str(p, ps->head);
	if (p->pool.nomem)
		return -ENOMEM;
	if (!ps->seen_purpose)
		return perr(ps, 1, 1,
			    "missing 'purpose': every scenario starts with "
			    "a one-line \"purpose ...\"");
	if (!ps->seen_rules)
		return perr(ps, 1, 1,
			    "missing 'rules': name the rules the scenario "
			    "covers, as in \"rules G1\"");
	p->requires = ps->requires;
	p->features = ps->requires | ms_program_features(p);
	if (!p->nvary_cols)
		return 0;
	tmp = malloc(sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	for (int r = 0; r < p->nvary_rows; r++) {
		ret = ms_instantiate(p, r, tmp, ps->diag);
		if (ret)
			break;
		ms_program_free(tmp);
	}
	free(tmp);
	return ret;
}

static void set_names(struct ms_program *p, const char *file)
{
	const char *base = strrchr(file, '/');
	size_t n;

	snprintf(p->file, sizeof(p->file), "%s", file);
	base = base ? base + 1 : file;
	n = strlen(base);
	if (n > 4 && strcmp(base + n - 4, ".scn") == 0)
		n -= 4;
	p->name[0] = '\0';
	ms_name_escape(p->name, sizeof(p->name), base, n);
}

int ms_parse(const char *file, const char *src, size_t len,
	     struct ms_program *p, struct ms_diag *diag)
{
	struct ms_diag dummy;
	struct parser ps;
	size_t i = 0;
	int line = 1, ret = 0;

	if (!diag)
		diag = &dummy;
	memset(diag, 0, sizeof(*diag));
	memset(p, 0, sizeof(*p));
	memset(&ps, 0, sizeof(ps));
	p->row = -1;
	ps.file = file ? file : "<input>";
	ps.p = p;
	ps.rp = p;
	ps.dst = p;
	ps.diag = diag;
	ps.scope = &ps.sc;
	set_names(p, ps.file);
	if (!src && len)
		return perr(&ps, 1, 1, "no source text");
	/* A UTF-8 byte order mark, as some editors write one. */
	if (len >= 3 && memcmp(src, "\xef\xbb\xbf", 3) == 0)
		i = 3;

	while (i < len) {
		const char *s = src + i;
		size_t n = 0;

		while (i + n < len && s[n] != '\n')
			n++;
		i += n + (i + n < len);
		ret = parse_line(&ps, s, n, line);
		if (ret)
			goto fail;
		if (line == INT_MAX) {
			ret = perr(&ps, line, 1, "too many lines");
			goto fail;
		}
		line++;
	}
	ret = finish(&ps);
	if (!ret) {
		ms__scn_trim(p);
		return 0;
	}
fail:
	if (ret == -ENOMEM && ps.too_many) {
		ret = -EINVAL;
	} else if (ret == -ENOMEM) {
		diag->loc.file = ps.file;
		snprintf(diag->msg, sizeof(diag->msg), "out of memory");
	}
	ms_program_free(p);
	memset(p, 0, sizeof(*p));
	p->row = -1;
	return ret;
}

/* ---------------------------------------------------------------- */
/* Vary cells, for ms_instantiate                                    */

/*
 * Starts a parser on a cell that fills an expression or result slot
 * (used_as says which, for the message): such a cell is never a string.
 */
static int cell_parser(struct parser *ps, struct ms_program *p,
		       const struct ms__scope *sc, int step,
		       const struct ms_cell *c, const char *used_as,
		       struct ms_diag *diag)
{
	int ret;

	memset(ps, 0, sizeof(*ps));
	ps->file = c->loc.file ? c->loc.file : p->file;
	ps->rp = p;
	ps->dst = p;
	ps->diag = diag;
	ps->cell = true;
	ps->step = step;
	ps->scope = sc;
	snprintf(ps->cell_text, sizeof(ps->cell_text), "%s",
		 ms_text(p, c->text));
	ms__scn_lex_init(&ps->lx, ps->file, ps->cell_text,
			 strlen(ps->cell_text), c->loc.line, c->loc.col, diag);
	ret = next(ps);
	if (!ret && ps->tok.kind == MS__T_STR)
		return terr(ps, "cell %s is a string, but the column is used %s",
			    ps->cell_text, used_as);
	return ret;
}

static int cell_end(struct parser *ps)
{
	char dbuf[40];

	if (ps->tok.kind != MS__T_EOL)
		return terr(ps, "unexpected %s in cell '%s'", DESC(ps),
			    ps->cell_text);
	return 0;
}

int ms__scn_cell_expr(struct ms_program *p, const struct ms__scope *sc,
		      int step, const struct ms_cell *c, struct ms_expr *e,
		      struct ms_diag *diag)
{
	struct parser ps;
	int ret;

	ret = cell_parser(&ps, p, sc, step, c, "in an expression", diag);
	if (ret)
		return ret;
	ret = parse_expr(&ps, e);
	return ret ? ret : cell_end(&ps);
}

int ms__scn_cell_result(struct ms_program *p,
			const struct ms__scope *sc, int step,
			const struct ms_cell *c, struct ms_result *r,
			struct ms_diag *diag)
{
	struct parser ps;
	int ret;

	ret = cell_parser(&ps, p, sc, step, c, "as a result", diag);
	if (ret)
		return ret;
	ret = parse_result(&ps, p->steps[step].call, r);
	return ret ? ret : cell_end(&ps);
}

void ms__scn_cell_string(const struct ms_program *p, const struct ms_cell *c,
			 char *buf, size_t n)
{
	const char *s = ms_text(p, c->text);
	size_t k = 0;

	if (!n)
		return;
	if (*s != '"') {
		snprintf(buf, n, "%s", s);
		return;
	}
	for (s++; *s && *s != '"' && k + 1 < n; s++) {
		if (*s == '\\' && s[1])
			s++;
		buf[k++] = *s;
	}
	buf[k] = '\0';
}

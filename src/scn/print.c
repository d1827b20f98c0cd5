// SPDX-License-Identifier: MIT
/*
 * The canonical printer.  Its output parses back to an equal program, and
 * printing that program again gives the same text.
 *
 *   header keys padded so that values start at column 10
 *   vary rows under the column names, cells padded to the column width
 *   a blank line, then the steps, one tab per fork level
 *   "=> results" at column 40 (as in docs/scenarios.md), or one space
 *   after a longer step; a trailing comment two spaces after the step
 *
 * Numbers print in the base the author wrote them in (struct ms_term hex
 * and neg); a 64-bit value of 2^63 or more prints in hex, never as a
 * negative decimal.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn.h"

#define RESULT_COL 39	/* 0-based column of "=>" */
#define VALUE_COL 9	/* 0-based column of header values */

struct sb {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_putn(struct sb *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *ns;

		while (cap < b->len + n + 1)
			cap *= 2;
		ns = realloc(b->s, cap);
		if (!ns) {
			b->oom = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_puts(struct sb *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

/* A string that may lack its NUL within max bytes. */
static void sb_putz(struct sb *b, const char *s, size_t max)
{
	sb_putn(b, s, strnlen(s, max));
}

static void sb_printf(struct sb *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_printf(struct sb *b, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb_putn(b, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void sb_pad(struct sb *b, size_t from, size_t to)
{
	while (from++ < to)
		sb_putn(b, " ", 1);
}

/* Display column of the end of the buffer, tabs every 8. */
static size_t sb_col(const struct sb *b, size_t line_start)
{
	size_t col = 0;

	for (size_t i = line_start; i < b->len; i++)
		col = b->s[i] == '\t' ? (col / 8 + 1) * 8 : col + 1;
	return col;
}

static void print_term(struct sb *b, const struct ms_program *p,
		       const struct ms_term *t, bool first)
{
	if (!first)
		sb_putn(b, &t->op, 1);
	switch (t->kind) {
	case MS_TERM_NUM: {
		/* As written: the base, and a '-' only where there was one. */
		unsigned long long mag = t->neg ? 0 - (unsigned long long)t->num :
						  (unsigned long long)t->num;
		bool hex = t->hex || (!t->neg && t->num < 0);

		sb_printf(b, hex ? "%s0x%llx" : "%s%llu", t->neg ? "-" : "",
			  mag);
		break;
	}
	case MS_TERM_PAGES:
		sb_printf(b, "%lldp", (long long)t->num);
		break;
	case MS_TERM_NAME:
		sb_puts(b, t->name >= 0 && t->name < p->nnames &&
				   t->name < MS_NAMES_MAX ?
				   p->names[t->name].name :
				   "?");
		break;
	case MS_TERM_SYM:
		sb_puts(b, ms_text(p, t->text));
		break;
	case MS_TERM_VAR:
		sb_puts(b, "$");
		sb_puts(b, ms_text(p, t->text));
		break;
	}
}

static void print_expr(struct sb *b, const struct ms_program *p,
		       const struct ms_expr *e)
{
	const struct ms_term *t = ms_expr_terms(p, e);

	for (int i = 0; t && i < e->nterms; i++)
		print_term(b, p, &t[i], i == 0);
}

static void print_string(struct sb *b, const char *s, size_t max)
{
	sb_putn(b, "\"", 1);
	for (size_t i = 0; i < max && s[i]; i++) {
		if (s[i] == '"' || s[i] == '\\')
			sb_putn(b, "\\", 1);
		sb_putn(b, &s[i], 1);
	}
	sb_putn(b, "\"", 1);
}

static void print_arg(struct sb *b, const struct ms_program *p,
		      const struct ms_arg *a)
{
	if (a->kind == MS_ARG_EXPR)
		print_expr(b, p, &a->expr);
	else if (a->kind == MS_ARG_STR)
		print_string(b, ms_text(p, a->str), MS_STR_MAX);
	else
		sb_printf(b, "$%.*s", MS_STR_MAX, ms_text(p, a->str));
}

static void print_profiles(struct sb *b, ms_profile_set set)
{
	for (int i = 0; i < MS_NPROFILES; i++)
		if (set & (1u << i))
			sb_printf(b, " @%s",
				  ms_profile_name((enum ms_profile)i));
}

static void print_result(struct sb *b, const struct ms_program *p,
			 const struct ms_result *r)
{
	const char *e;

	switch (r->kind) {
	case MS_RES_OK:
		sb_puts(b, "ok");
		break;
	case MS_RES_ERROR:
		sb_puts(b, "error");
		break;
	case MS_RES_FAULT:
		sb_puts(b, "fault");
		if (r->signo == SIGBUS)
			sb_puts(b, "(SIGBUS)");
		else if (r->signo == SIGSEGV)
			sb_puts(b, "(SIGSEGV)");
		break;
	case MS_RES_UNSPEC:
		sb_puts(b, "?");
		break;
	case MS_RES_IN:
	case MS_RES_NOTIN:
		sb_puts(b, r->kind == MS_RES_IN ? "in(" : "notin(");
		print_expr(b, p, &r->value);
		sb_puts(b, ", ");
		print_expr(b, p, &r->hi);
		sb_puts(b, ")");
		break;
	case MS_RES_NOT:
		sb_puts(b, "not(");
		print_expr(b, p, &r->value);
		sb_puts(b, ")");
		break;
	case MS_RES_ERRNO:
		e = ms_errno_name(r->err);
		if (e)
			sb_puts(b, e);
		else
			sb_printf(b, "%d", -r->err);
		break;
	case MS_RES_VALUE:
		print_expr(b, p, &r->value);
		break;
	case MS_RES_VAR:
		sb_printf(b, "$%.*s", MS_NAME_MAX, ms_text(p, r->var));
		break;
	}
	print_profiles(b, r->profiles);
}

/* The step without indentation, results or comment. */
static void step_text(struct sb *b, const struct ms_program *p,
		      const struct ms_step *st)
{
	if (st->when)
		sb_printf(b, "when $%.*s ", MS_NAME_MAX, ms_text(p, st->when));
	if (st->kind == MS_STEP_UNBOUND) {
		sb_puts(b, "expect unbound ");
		print_expr(b, p, &st->where);
		print_profiles(b, st->profiles);
		return;
	}
	switch (st->kind) {
	case MS_STEP_CALL:
		if (st->bind >= 0 && st->bind < p->nnames &&
		    st->bind < MS_NAMES_MAX)
			sb_printf(b, "%s = ", p->names[st->bind].name);
		sb_puts(b, (unsigned)st->call < MS_NCALLS ?
				   ms_call_desc[st->call].name :
				   "?");
		sb_putn(b, "(", 1);
		for (int i = 0; i < st->nargs && i < MS_ARGS_MAX; i++) {
			if (i)
				sb_puts(b, ", ");
			print_arg(b, p, &st->args[i]);
		}
		sb_putn(b, ")", 1);
		break;
	case MS_STEP_EXPECT:
		sb_puts(b, "expect ");
		print_expr(b, p, &st->where);
		sb_printf(b, " %s ", ms_attr_name(st->attr));
		print_arg(b, p, &st->grid);
		print_profiles(b, st->profiles);
		break;
	case MS_STEP_FORK:
		sb_puts(b, "fork");
		break;
	case MS_STEP_END:
		sb_puts(b, "end");
		break;
	case MS_STEP_EXEC:
		sb_puts(b, "exec");
		break;
	case MS_STEP_NOTE:
		sb_putz(b, ms_text(p, st->comment), MS_STR_MAX);
		break;
	}
}

static void print_step(struct sb *b, const struct ms_program *p,
		       const struct ms_step *st)
{
	size_t start = b->len;

	if (st->kind == MS_STEP_NOTE && !st->comment) {
		sb_putn(b, "\n", 1);
		return;
	}
	for (int d = 0; d < st->depth; d++)
		sb_putn(b, "\t", 1);
	step_text(b, p, st);
	if (st->kind == MS_STEP_CALL && st->nresults > 0) {
		size_t col = sb_col(b, start);

		sb_pad(b, col, col < RESULT_COL ? RESULT_COL : col + 1);
		sb_puts(b, "=> ");
		const struct ms_result *res = ms_step_results(p, st);

		for (int i = 0; res && i < st->nresults; i++) {
			if (i)
				sb_puts(b, ", ");
			print_result(b, p, &res[i]);
		}
	}
	if (st->rules) {
		sb_puts(b, " [");
		for (int i = 0, n = 0; i < MS_NRULES; i++)
			if (st->rules & (1u << i))
				sb_printf(b, "%s%s", n++ ? " " : "",
					  ms_rule_name((enum ms_rule)i));
		sb_puts(b, "]");
	}
	if (st->kind != MS_STEP_NOTE && st->comment) {
		sb_puts(b, "  ");
		sb_putz(b, ms_text(p, st->comment), MS_STR_MAX);
	}
	sb_putn(b, "\n", 1);
}

static void print_key(struct sb *b, const char *key)
{
	sb_printf(b, "%-*s", VALUE_COL, key);
}

static void print_vary(struct sb *b, const struct ms_program *p)
{
	size_t width[MS_VARY_COLS];
	int ncols = p->nvary_cols > MS_VARY_COLS ? MS_VARY_COLS : p->nvary_cols;
	int nrows = p->nvary_rows > MS_VARY_ROWS ? MS_VARY_ROWS : p->nvary_rows;

	for (int j = 0; j < ncols; j++) {
		width[j] = strnlen(p->vary_cols[j], MS_NAME_MAX);
		for (int r = 0; r < nrows; r++) {
			size_t w = strnlen(ms_text(p, p->vary[r][j].text),
					   MS_CELL_MAX);

			if (w > width[j])
				width[j] = w;
		}
	}
	for (int r = -1; r < nrows; r++) {
		print_key(b, r < 0 ? "vary" : "");
		for (int j = 0; j < ncols; j++) {
			const char *s = r < 0 ? p->vary_cols[j] :
						ms_text(p, p->vary[r][j].text);
			size_t w = strnlen(s, MS_CELL_MAX);

			sb_putn(b, s, w);
			if (j + 1 < ncols)
				sb_pad(b, w, width[j] + 2);
		}
		sb_putn(b, "\n", 1);
	}
}

static void print_header(struct sb *b, const struct ms_program *p)
{
	/*
	 * The header as written, even where a call implies the same feature
	 * (dropping it would change the text fmt gives back); a program not
	 * from the parser may carry needs in features alone.
	 */
	uint32_t req = p->requires | (p->features & ~ms_program_features(p));

	if (p->head_comment) {
		sb_putz(b, ms_text(p, p->head_comment), MS_HEAD_COMMENT_MAX);
		sb_putn(b, "\n", 1);
	}
	if (p->purpose) {
		print_key(b, "purpose");
		sb_putz(b, ms_text(p, p->purpose), MS_STR_MAX);
		sb_putn(b, "\n", 1);
	}
	if (p->rules) {
		print_key(b, "rules");
		for (int i = 0, n = 0; i < MS_NRULES; i++)
			if (p->rules & (1u << i))
				sb_printf(b, "%s%s", n++ ? " " : "",
					  ms_rule_name((enum ms_rule)i));
		sb_putn(b, "\n", 1);
	}
	for (int i = 0; i < p->nrefs && i < MS_REFS_MAX; i++) {
		print_key(b, "ref");
		sb_putz(b, ms_text(p, p->refs[i]), MS_STR_MAX);
		sb_putn(b, "\n", 1);
	}
	if (req) {
		print_key(b, "requires");
		for (int i = 0, n = 0; i < MS_NFEATURES; i++)
			if (req & (1u << i))
				sb_printf(b, "%s%s", n++ ? " " : "",
					  ms_feature_name((enum ms_feature)i));
		sb_putn(b, "\n", 1);
	}
	if (p->xfail) {
		print_key(b, "xfail");
		for (int i = 0, n = 0; i < MS_NPROFILES; i++)
			if (p->xfail & (1u << i))
				sb_printf(b, "%s@%s", n++ ? " " : "",
					  ms_profile_name((enum ms_profile)i));
		if (p->xfail_reason) {
			sb_putn(b, " ", 1);
			sb_putz(b, ms_text(p, p->xfail_reason), MS_STR_MAX);
		}
		sb_putn(b, "\n", 1);
	}
	if (p->nvary_cols)
		print_vary(b, p);
}

char *ms_print(const struct ms_program *p)
{
	struct sb b = { 0 };

	print_header(&b, p);
	if (p->nsteps > 0 && b.len)
		sb_putn(&b, "\n", 1);
	for (int i = 0; i < p->nsteps; i++)
		print_step(&b, p, &p->steps[i]);
	if (!b.s && !b.oom)
		sb_putn(&b, "", 0);
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

void ms_print_step(const struct ms_program *p, int i, char *buf, size_t n)
{
	struct sb b = { 0 };

	if (!n)
		return;
	buf[0] = '\0';
	if (i < 0 || i >= p->nsteps)
		return;
	step_text(&b, p, &p->steps[i]);
	if (b.s)
		snprintf(buf, n, "%s", b.s);
	free(b.s);
}

// SPDX-License-Identifier: MIT
/*
 * The lexer of the scenario language.  It sees one line at a time (the
 * parser splits the file), so a token never spans lines and every read is
 * bounded by the line's end: the source is not NUL-terminated.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "scn.h"

int ms__scn_diag(struct ms_diag *d, const char *file, int line, int col,
		 const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return -EINVAL;
	d->loc.file = file;
	d->loc.line = line;
	d->loc.col = col;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void ms__scn_lex_init(struct ms__lexer *lx, const char *file, const char *s,
		      size_t len, int line, int col, struct ms_diag *diag)
{
	lx->file = file;
	lx->base = s;
	lx->p = s;
	lx->end = s + len;
	lx->line = line;
	lx->col = col;
	lx->diag = diag;
}

static bool is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int col_of(const struct ms__lexer *lx, const char *q)
{
	return lx->col + (int)(q - lx->base);
}

static int lex_err(struct ms__lexer *lx, const char *q, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int lex_err(struct ms__lexer *lx, const char *q, const char *fmt, ...)
{
	va_list ap;

	if (!lx->diag)
		return -EINVAL;
	lx->diag->loc.file = lx->file;
	lx->diag->loc.line = lx->line;
	lx->diag->loc.col = col_of(lx, q);
	va_start(ap, fmt);
	vsnprintf(lx->diag->msg, sizeof(lx->diag->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Copies [s, s+n) into t->text, which holds MS_NAME_MAX - 1 characters. */
static int lex_name(struct ms__lexer *lx, struct ms__tok *t, const char *s,
		    size_t n, const char *what)
{
	if (n >= MS_NAME_MAX) {
		return ms__scn_diag(lx->diag, lx->file, lx->line,
				    col_of(lx, s),
				    "%s '%.20s...' is too long: at most %d "
				    "characters",
				    what, s, MS_NAME_MAX - 1);
	}
	memcpy(t->text, s, n);
	t->text[n] = '\0';
	return 0;
}

static int lex_number(struct ms__lexer *lx, struct ms__tok *t)
{
	const char *q = lx->p;
	uint64_t v = 0;

	if (q + 1 < lx->end && q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
		int digits = 0;

		q += 2;
		while (q < lx->end && hex_digit(*q) >= 0) {
			if (v >> 60)
				return lex_err(lx, lx->p,
					       "number too large: at most 64 "
					       "bits");
			v = v << 4 | (uint64_t)hex_digit(*q);
			q++;
			digits++;
		}
		if (!digits)
			return lex_err(lx, lx->p,
				       "'0x' must be followed by hex digits");
		if (q < lx->end && *q == 'p')
			return lex_err(lx, lx->p,
				       "a size in pages is written in decimal, "
				       "like 3p");
		t->kind = MS__T_NUM;
		t->hex = true;
	} else {
		while (q < lx->end && *q >= '0' && *q <= '9') {
			uint64_t d = (uint64_t)(*q - '0');

			if (v > (UINT64_MAX - d) / 10)
				return lex_err(lx, lx->p,
					       "number too large: at most 64 "
					       "bits");
			v = v * 10 + d;
			q++;
		}
		t->kind = MS__T_NUM;
		if (q < lx->end && *q == 'p') {
			t->kind = MS__T_PAGES;
			q++;
		}
	}
	if (q < lx->end && is_ident(*q)) {
		char c[2] = { *q, '\0' };

		return lex_err(lx, q,
			       "unexpected '%s' after a number (sizes in "
			       "pages are written like 3p)", c);
	}
	t->num = v;
	lx->p = q;
	return 0;
}

static int lex_string(struct ms__lexer *lx, struct ms__tok *t)
{
	const char *q = lx->p + 1;
	size_t n = 0;

	for (;;) {
		if (q >= lx->end)
			return lex_err(lx, lx->p,
				       "unterminated string: add the closing "
				       "'\"'");
		if (*q == '"')
			break;
		if (*q == '\\') {
			if (q + 1 >= lx->end)
				return lex_err(lx, lx->p,
					       "unterminated string: add the "
					       "closing '\"'");
			if (q[1] != '"' && q[1] != '\\') {
				char c[2] = { q[1], '\0' };

				return lex_err(lx, q,
					       "unknown escape '\\%s' in a "
					       "string: only \\\" and \\\\ "
					       "are allowed", c);
			}
			q++;
		}
		if (n + 1 >= MS_STR_MAX)
			return ms__scn_diag(lx->diag, lx->file, lx->line,
					    col_of(lx, lx->p),
					    "string too long: at most %d "
					    "characters", MS_STR_MAX - 1);
		t->text[n++] = *q++;
	}
	t->text[n] = '\0';
	t->kind = MS__T_STR;
	lx->p = q + 1;
	return 0;
}

int ms__scn_lex(struct ms__lexer *lx, struct ms__tok *t)
{
	const char *q;
	int ret = 0;

	while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t'))
		lx->p++;
	q = lx->p;
	t->line = lx->line;
	t->col = col_of(lx, q);
	t->s = q;
	t->num = 0;
	t->hex = false;
	t->text[0] = '\0';
	if (q >= lx->end) {
		t->kind = MS__T_EOL;
		t->len = 0;
		return 0;
	}

	if (is_ident_start(*q)) {
		while (q < lx->end && is_ident(*q))
			q++;
		t->kind = MS__T_IDENT;
		ret = lex_name(lx, t, lx->p, (size_t)(q - lx->p),
			       "identifier");
		lx->p = q;
	} else if (*q >= '0' && *q <= '9') {
		ret = lex_number(lx, t);
	} else if (*q == '"') {
		ret = lex_string(lx, t);
	} else if (*q == '@' || *q == '$') {
		bool prof = *q == '@';

		q++;
		while (q < lx->end &&
		       (is_ident(*q) || (prof && (*q == '-' || *q == '.'))))
			q++;
		if (q == lx->p + 1)
			return lex_err(lx, lx->p, "%s",
				       prof ? "expected a profile name after "
					      "'@', like @linux" :
					      "expected a column name after "
					      "'$'");
		t->kind = prof ? MS__T_PROFILE : MS__T_VAR;
		ret = lex_name(lx, t, lx->p + 1, (size_t)(q - lx->p - 1),
			       prof ? "profile name" : "column name");
		lx->p = q;
	} else if (*q == '#') {
		size_t n = (size_t)(lx->end - q);

		if (n >= MS_STR_MAX)
			return ms__scn_diag(lx->diag, lx->file, lx->line,
					    t->col,
					    "comment too long: at most %d "
					    "characters", MS_STR_MAX - 1);
		memcpy(t->text, q, n);
		t->text[n] = '\0';
		t->kind = MS__T_COMMENT;
		lx->p = lx->end;
	} else {
		static const char punct[] = "(),+-|?[]";
		static const enum ms__tok_kind kinds[] = {
			MS__T_LPAREN, MS__T_RPAREN,   MS__T_COMMA,
			MS__T_PLUS,   MS__T_MINUS,    MS__T_PIPE,
			MS__T_QUEST,  MS__T_LBRACKET, MS__T_RBRACKET,
		};
		const char *hit = memchr(punct, *q, sizeof(punct) - 1);

		if (*q == '=') {
			t->kind = MS__T_EQ;
			if (q + 1 < lx->end && q[1] == '>') {
				t->kind = MS__T_ARROW;
				q++;
			}
		} else if (hit) {
			t->kind = kinds[hit - punct];
		} else if (*q > ' ' && *q < 0x7f) {
			char c[2] = { *q, '\0' };

			return lex_err(lx, q, "unexpected character '%s'", c);
		} else {
			char c[8];

			snprintf(c, sizeof(c), "0x%02x", (unsigned char)*q);
			return lex_err(lx, q, "unexpected byte %s", c);
		}
		lx->p = q + 1;
	}
	if (ret)
		return ret;
	t->len = (size_t)(lx->p - t->s);
	return 0;
}

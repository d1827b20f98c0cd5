/* SPDX-License-Identifier: MIT */
/*
 * Private to the scenario language (src/scn/): the lexer, the grid checker
 * and the pieces the parser shares with ms_instantiate.
 *
 * Locations (struct ms_loc) in a parsed program point at the file string
 * the caller passed to ms_parse; they are never owned.
 */
#ifndef SEALSPEC_SCN_H
#define SEALSPEC_SCN_H

#include <stdarg.h>

#include "sealspec.h"

#define MS__FORK_MAX MS_FORK_DEPTH_MAX

enum ms__tok_kind {
	MS__T_EOL,
	MS__T_IDENT,	/* text */
	MS__T_NUM,	/* num: magnitude, no sign */
	MS__T_PAGES,	/* num: page count */
	MS__T_STR,	/* text: contents, escapes undone */
	MS__T_PROFILE,	/* text: the name after '@' */
	MS__T_VAR,	/* text: the name after '$' */
	MS__T_LPAREN,
	MS__T_RPAREN,
	MS__T_COMMA,
	MS__T_EQ,
	MS__T_ARROW,
	MS__T_PLUS,
	MS__T_MINUS,
	MS__T_PIPE,
	MS__T_COMMENT,	/* text: "# ..." to the end of the line */
	MS__T_QUEST,	/* '?': a result left unspecified */
	MS__T_LBRACKET,	/* '[': a step's own rules follow */
	MS__T_RBRACKET,
};

struct ms__tok {
	enum ms__tok_kind kind;
	int line, col;
	const char *s;		/* spelling in the source */
	size_t len;
	uint64_t num;
	bool hex;		/* MS__T_NUM written as 0x... */
	char text[MS_STR_MAX];
};

/* Lexes one line (or one vary cell); never reads outside [p, end). */
struct ms__lexer {
	const char *file;
	const char *base, *p, *end;
	int line, col;		/* of base */
	struct ms_diag *diag;
};

void ms__scn_lex_init(struct ms__lexer *lx, const char *file, const char *s,
		      size_t len, int line, int col, struct ms_diag *diag);
int ms__scn_lex(struct ms__lexer *lx, struct ms__tok *t);

/* Fills *d (when d is non-NULL) and returns -EINVAL. */
int ms__scn_diag(struct ms_diag *d, const char *file, int line, int col,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Checks grid against attr.  Returns the number of pages, or -EINVAL with
 * *off the byte offset of the offending token and why[] the explanation.
 */
int ms__scn_grid_check(enum ms_attr attr, const char *grid, int *off,
		       char *why, size_t n);

/*
 * Which names a step can see.  A name first bound inside a fork block is
 * gone again at its "end": the parent never learns the child's value.
 */
struct ms__scope {
	bool bound[MS_NAMES_MAX];
	int depth[MS_NAMES_MAX];	/* depth of the binding that made it
					 * visible */
};

void ms__scn_scope_step(struct ms__scope *s, const struct ms_step *st);

/*
 * Parse a vary cell in the context of step `step` of p (names visible per
 * *sc), an instance being made: a copy of the template, so the cell's text
 * is in p's pool too, and the cell's terms and text go there.  Used by
 * ms_instantiate; errors point into the cell.
 */
int ms__scn_cell_expr(struct ms_program *p, const struct ms__scope *sc,
		      int step, const struct ms_cell *c, struct ms_expr *e,
		      struct ms_diag *diag);
int ms__scn_cell_result(struct ms_program *p,
			const struct ms__scope *sc, int step,
			const struct ms_cell *c, struct ms_result *r,
			struct ms_diag *diag);
/*
 * A value result (=> 0, => a+2p) that is a constant in [-4095, -1] is an
 * error at *at: every call reports failure as -errno there, so the number
 * could only mean an errno, whose name the author must write.
 */
int ms__scn_check_value(const struct ms_program *p, const struct ms_expr *e,
			const struct ms_loc *at, struct ms_diag *diag);

/* The contents of a string cell ("AB" or AB) of program p into buf. */
void ms__scn_cell_string(const struct ms_program *p, const struct ms_cell *c,
			 char *buf, size_t n);

/*
 * Gives back what p's arrays hold beyond their use (steps, pool, vary
 * rows): a parsed program keeps what it has, not what doubling left.
 */
void ms__scn_trim(struct ms_program *p);

/* The features the calls of p need, bit (1u << enum ms_feature). */

/* The n-th symbol name, NULL past the end (for "did you mean"). */
const char *ms__scn_symbol_name(int i);

/* Edit distance capped at 3, for suggestions. */
int ms__scn_distance(const char *a, const char *b);

#endif /* SEALSPEC_SCN_H */

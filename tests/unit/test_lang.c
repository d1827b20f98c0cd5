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
	/* (c), (d), (e): '?' per profile, address constraints, signals */
	"purpose  p\n"
	"rules    G1\n"
	"\n"
	"a = mmap(0, 4p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
	"b = mmap(a, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS) "
	"=> notin(a, a+4p)\n"
	"c = mremap(a, 1p, 2p, MREMAP_MAYMOVE)  => not(a), in(a, a+4p) "
	"@guidelines\n"
	"mseal(a+1p, 1p, 0)                     => EPERM @linux, ? "
	"@linux-6.10, 0\n"
	"read(a, 1p)                            => fault(SIGBUS) @linux, "
	"fault(SIGSEGV) @guidelines, fault\n",
	/* ...and in vary cells */
	"purpose  p\n"
	"rules    G1\n"
	"vary     r              s\n"
	"         ?              fault(SIGBUS)\n"
	"         notin(a,a+1p)  fault\n"
	"\n"
	"a = mmap(0, 4p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
	"b = mmap(a, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS) "
	"=> $r @linux, ok\n"
	"read(a, 1p)                            => $s\n",
	/* (g) expect unbound; (h) a step's own rules */
	"purpose  p\n"
	"rules    G1 G2a\n"
	"\n"
	"a = mmap(0, 2p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
	"mseal(a, 2p, 0)                        => 0\n"
	"madvise(a, 2p, MADV_DONTNEED)          => EPERM [G2a]  # why\n"
	"b = mmap(a, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED) "
	"=> EPERM [G1]\n"
	"expect unbound b\n"
	"expect unbound b @linux @guidelines [G1]  # nothing there\n"
	"expect a seal \"SS\" @linux [G1 G2a]\n",
	/* (g) steps in some rows only; a left-out step's cells may be '-';
	 * names renumber in the rows that lose a binding */
	"purpose  p\n"
	"rules    G1\n"
	"vary     kind  sealed  ret\n"
	"         seal  yes     EPERM\n"
	"         none  no      -\n"
	"\n"
	"when $sealed x = mmap(0, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
	"a = mmap(0, 2p, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)\n"
	"\n"
	"when $sealed mseal(a, 2p, 0)           => 0\n"
	"\n"
	"when $sealed b = mmap(a, 1p, PROT_READ, "
	"MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED) => EPERM\n"
	"when $sealed expect unbound b\n"
	"when $sealed munmap(a, 2p)             => $ret\n"
	"expect a seal \"--\" @linux-6.10\n",
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
			CHECK(ms_program_equal(&v, q),
				  "row %d: parse(print(v)) "
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
	CHECK(ms_expr_terms(&p, &p.steps[0].args[0].expr)[0].hex,
		  "0x20 is hex");
	CHECK_INT(ms_expr_terms(&p, &p.steps[0].args[0].expr)[0].num, 32);
	CHECK(ms_expr_terms(&p, &p.steps[0].args[1].expr)[0].hex,
		  "2^64-1 prints in hex");
	CHECK_INT(ms_expr_terms(&p, &p.steps[0].args[1].expr)[0].num, -1);
	s = ms_print(&p);
	CHECK(s && strstr(s, "munmap(0x20, 0xffffffffffffffff)"), "%s", s);
	free(s);
	ms_program_free(&p);
}

static struct ms_program *parse(const char *src)
{
	struct ms_program *p = calloc(1, sizeof(*p));
	struct ms_diag d;
	int ret = ms_parse("t.scn", src, strlen(src), p, &d);

	CHECK(ret == 0, "parse failed: %d:%d: %s", d.loc.line, d.loc.col,
	      d.msg);
	return p;
}

static void drop(struct ms_program *p)
{
	ms_program_free(p);
	free(p);
}

static void ret_out(struct ms_trace *t, int step, int64_t ret)
{
	struct ms_outcome o;

	memset(&o, 0, sizeof(o));
	o.step = step;
	o.kind = MS_OUT_RET;
	o.ret = ret;
	o.name = -1;
	ms_trace_add(t, &o);
}

static void fault_out(struct ms_trace *t, int step, int signo)
{
	struct ms_outcome o;

	memset(&o, 0, sizeof(o));
	o.step = step;
	o.kind = MS_OUT_FAULT;
	o.signo = signo;
	o.fault_addr = BASE;
	o.name = -1;
	ms_trace_add(t, &o);
}

static void new_trace(struct ms_trace *t)
{
	ms_trace_init(t);
	t->page_size = PS;
	t->arena = BASE;
	t->arena_size = 1 << 30;
}

/* (b) a number is a value returned, never an errno of the same number */
static void test_value_is_not_errno(void)
{
	struct ms_program *p = parse(HDR
				     "a = mmap(0, 1p, PROT_READ, "
				     "MAP_PRIVATE|MAP_ANONYMOUS)\n"
				     "x = brk(0)\n"
				     "brk(x-1p)                  => x-1p\n");
	struct ms_trace t;
	struct ms_verdict v;
	struct ms_diag d;
	struct ms_program q;

	new_trace(&t);
	ret_out(&t, 0, BASE);
	ret_out(&t, 1, 4096);	/* a break this low: x-1p is 0 */
	ret_out(&t, 2, 0);
	ms_judge(p, &t, MS_PROFILE_LINUX, &v);
	CHECK_INT(v.code, MS_PASS);
	/* x-1p is -1 here: the call's -EPERM must not pass for it */
	t.out[1].ret = 4095;
	t.out[2].ret = -EPERM;
	ms_judge(p, &t, MS_PROFILE_LINUX, &v);
	CHECK_INT(v.code, MS_FAIL);
	CHECK(strstr(v.reason, "got EPERM") != NULL, "%s", v.reason);
	ms_trace_free(&t);
	drop(p);

	CHECK_INT(ms_parse("t.scn", HDR "munmap(0, 1p) => -22\n",
			   sizeof(HDR "munmap(0, 1p) => -22\n") - 1, &q, &d),
		  -EINVAL);
	CHECK(strstr(d.msg, "write the errno's name (EINVAL)") != NULL, "%s",
	      d.msg);
	CHECK_INT(ms_parse("t.scn", HDR "munmap(0, 1p) => -4096\n",
			   sizeof(HDR "munmap(0, 1p) => -4096\n") - 1, &q, &d),
		  0);
	ms_program_free(&q);
}

/* (c) '?' runs the step and accepts anything, and is counted */
static void test_unspecified(void)
{
	struct ms_program *p = parse(HDR
				     "a = mmap(0, 1p, PROT_READ, "
				     "MAP_PRIVATE|MAP_ANONYMOUS)\n"
				     "mseal(a, 1p, 0)  => 0 @linux, ? "
				     "@linux-6.10, EPERM\n");
	struct ms_trace t;
	struct ms_verdict v;

	new_trace(&t);
	ret_out(&t, 0, BASE);
	ret_out(&t, 1, -ENOMEM);
	ms_judge(p, &t, MS_PROFILE_LINUX_6_10, &v);
	CHECK_INT(v.code, MS_PASS);
	CHECK_INT(v.unspecified, 1);
	ms_judge(p, &t, MS_PROFILE_LINUX, &v);
	CHECK_INT(v.code, MS_FAIL);
	CHECK_INT(v.unspecified, 0);
	CHECK(strstr(v.reason, "expected 0, got ENOMEM") != NULL, "%s",
	      v.reason);
	ms_judge(p, &t, MS_PROFILE_GUIDELINES, &v);
	CHECK_INT(v.code, MS_FAIL);
	ms_trace_free(&t);
	drop(p);
}

/* (d) in(), notin(), not() on an address the kernel chose */
static void test_address_constraints(void)
{
	struct ms_program *p = parse(HDR
				     "a = mmap(0, 4p, PROT_READ, "
				     "MAP_PRIVATE|MAP_ANONYMOUS)\n"
				     "b = mremap(a, 1p, 2p, MREMAP_MAYMOVE)"
				     "  => not(a) @linux, in(a, a+4p) "
				     "@guidelines, notin(a, a+4p)\n");
	struct ms_trace t;
	struct ms_verdict v;

	new_trace(&t);
	ret_out(&t, 0, BASE);
	ret_out(&t, 1, BASE + 4 * PS);	/* just past a's four pages */
	ms_judge(p, &t, MS_PROFILE_LINUX, &v);
	CHECK_INT(v.code, MS_PASS);
	ms_judge(p, &t, MS_PROFILE_LINUX_6_12, &v);
	CHECK_INT(v.code, MS_PASS);
	ms_judge(p, &t, MS_PROFILE_GUIDELINES, &v);
	CHECK_INT(v.code, MS_FAIL);
	CHECK(strstr(v.reason, "expected in(a, a+4p), got a+4p") != NULL,
	      "%s", v.reason);

	t.out[1].ret = BASE + 3 * PS;
	ms_judge(p, &t, MS_PROFILE_GUIDELINES, &v);
	CHECK_INT(v.code, MS_PASS);
	ms_judge(p, &t, MS_PROFILE_LINUX_6_12, &v);
	CHECK_INT(v.code, MS_FAIL);
	CHECK(strstr(v.reason, "expected notin(a, a+4p), got a+3p") != NULL,
	      "%s", v.reason);

	t.out[1].ret = BASE;
	ms_judge(p, &t, MS_PROFILE_LINUX, &v);
	CHECK_INT(v.code, MS_FAIL);
	CHECK(strstr(v.reason, "expected not(a), got a") != NULL, "%s",
	      v.reason);

	/* An errno is no address: it satisfies none of them. */
	t.out[1].ret = -EPERM;
	for (int pr = 0; pr < MS_NPROFILES; pr++) {
		ms_judge(p, &t, (enum ms_profile)pr, &v);
		CHECK_INT(v.code, MS_FAIL);
	}
	ms_trace_free(&t);
	drop(p);
}

/* (e) fault(SIGBUS) and fault(SIGSEGV); plain fault is either */
static void test_fault_signal(void)
{
	struct ms_program *p = parse(HDR
				     "a = mmap(0, 1p, PROT_READ, "
				     "MAP_PRIVATE|MAP_ANONYMOUS)\n"
				     "read(a, 1p)  => fault(SIGBUS) @linux, "
				     "fault(SIGSEGV) @guidelines, fault\n");
	struct ms_trace t;
	struct ms_verdict v;

	new_trace(&t);
	ret_out(&t, 0, BASE);
	fault_out(&t, 1, SIGBUS);
	ms_judge(p, &t, MS_PROFILE_LINUX, &v);
	CHECK_INT(v.code, MS_PASS);
	ms_judge(p, &t, MS_PROFILE_LINUX_6_12, &v);
	CHECK_INT(v.code, MS_PASS);
	ms_judge(p, &t, MS_PROFILE_GUIDELINES, &v);
	CHECK_INT(v.code, MS_FAIL);
	CHECK(strstr(v.reason, "expected fault(SIGSEGV), got fault (SIGBUS") !=
		      NULL,
	      "%s", v.reason);
	t.out[1].signo = SIGSEGV;
	ms_judge(p, &t, MS_PROFILE_LINUX, &v);
	CHECK_INT(v.code, MS_FAIL);
	ms_judge(p, &t, MS_PROFILE_LINUX_6_10, &v);
	CHECK_INT(v.code, MS_PASS);
	ms_trace_free(&t);
	drop(p);
}

static const char rules_src[] =
	"purpose  p\n"
	"rules    G1 G2a\n"
	"\n"
	"a = mmap(0, 2p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
	"mseal(a, 2p, 0)                        => 0\n"
	"madvise(a, 2p, MADV_DONTNEED)          => EPERM [G2a]\n"
	"munmap(a, 2p)                          => EPERM\n"
	"b = mmap(a, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED) "
	"=> EPERM\n"
	"expect unbound b [G1]\n";

/* (h) a failure is charged to the rules of the steps that differed */
static void test_step_rules(void)
{
	struct ms_program *p = parse(rules_src);
	struct ms_trace t;
	struct ms_verdict v;

	new_trace(&t);
	ret_out(&t, 0, BASE);
	ret_out(&t, 1, 0);
	ret_out(&t, 2, -EPERM);
	ret_out(&t, 3, -EPERM);
	ret_out(&t, 4, -EPERM);
	ms_judge(p, &t, MS_PROFILE_LINUX, &v);
	CHECK_INT(v.code, MS_PASS);
	CHECK_INT(v.rules, p->rules);

	/* Only the madvise differs: G2a alone. */
	t.out[2].ret = 0;
	ms_judge(p, &t, MS_PROFILE_LINUX, &v);
	CHECK_INT(v.code, MS_FAIL);
	CHECK_INT(v.step, 2);
	CHECK_INT(v.rules, 1u << MS_RULE_G2A);

	/* munmap too (no rules of its own: the scenario's); the reason
	 * stays the first difference's. */
	t.out[3].ret = 0;
	ms_judge(p, &t, MS_PROFILE_LINUX, &v);
	CHECK_INT(v.code, MS_FAIL);
	CHECK_INT(v.step, 2);
	CHECK_INT(v.rules, p->rules);
	CHECK(strstr(v.reason, "madvise") != NULL, "%s", v.reason);
	t.out[2].ret = -EPERM;
	t.out[3].ret = -EPERM;

	/* (g) b bound after all: "expect unbound b" fails, charged G1 */
	t.out[4].ret = BASE;
	ms_judge(p, &t, MS_PROFILE_LINUX, &v);
	CHECK_INT(v.code, MS_FAIL);
	CHECK_INT(v.step, 4);		/* the mmap: EPERM expected */
	t.out[4].ret = -EPERM;
	ms_trace_free(&t);
	drop(p);
}

/* (g) "expect unbound" is judged from the bindings, with no outcome */
static void test_expect_unbound(void)
{
	struct ms_program *p = parse(HDR
				     "a = mmap(0, 2p, PROT_READ, "
				     "MAP_PRIVATE|MAP_ANONYMOUS)\n"
				     "b = mmap(a, 1p, PROT_READ, "
				     "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED) "
				     "=> ?, EPERM @guidelines\n"
				     "expect unbound b\n"
				     "fork\n"
				     "expect unbound b\n"
				     "b = mmap(0, 1p, PROT_READ, "
				     "MAP_PRIVATE|MAP_ANONYMOUS)\n"
				     "expect unbound b\n"
				     "end\n"
				     "expect unbound b @linux\n");
	struct ms_trace t;
	struct ms_verdict v;

	CHECK_INT(p->steps[2].kind, MS_STEP_UNBOUND);
	new_trace(&t);
	ret_out(&t, 0, BASE);
	ret_out(&t, 1, -EPERM);
	/* the child binds b: its last "expect unbound" fails */
	ret_out(&t, 3, 0);		/* fork */
	t.out[t.nout - 1].pid_depth = 0;
	ret_out(&t, 5, BASE + 0x100000);
	t.out[t.nout - 1].pid_depth = 1;
	ret_out(&t, 7, 0);		/* end */
	ms_judge(p, &t, MS_PROFILE_GUIDELINES, &v);
	CHECK_INT(v.code, MS_FAIL);
	CHECK_INT(v.step, 6);
	CHECK(strstr(v.reason, "expected b unbound") != NULL, "%s", v.reason);
	/* A target that reports the step (any outcome) is judged the same. */
	ret_out(&t, 2, 0);
	memmove(&t.out[3], &t.out[2], sizeof(t.out[0]) * (size_t)(t.nout - 3));
	t.out[2] = t.out[t.nout - 1];
	t.out[2].step = 2;
	t.out[2].pid_depth = 0;
	t.nout--;
	ms_judge(p, &t, MS_PROFILE_GUIDELINES, &v);
	CHECK_INT(v.code, MS_FAIL);
	CHECK_INT(v.step, 6);
	t.out[1].ret = BASE + PS;	/* b bound in the parent */
	ms_judge(p, &t, MS_PROFILE_LINUX, &v);
	CHECK_INT(v.code, MS_FAIL);
	CHECK_INT(v.step, 2);
	ms_trace_free(&t);
	drop(p);

	/* Without the child's binding every one holds; the parent never
	 * saw the child's b. */
	p = parse(HDR
		  "a = mmap(0, 2p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		  "b = mmap(a, 1p, PROT_READ, "
		  "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED) => EPERM\n"
		  "fork\n"
		  "b = mmap(0, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		  "end\n"
		  "expect unbound b\n");
	new_trace(&t);
	ret_out(&t, 0, BASE);
	ret_out(&t, 1, -EPERM);
	ret_out(&t, 3, BASE + 0x100000);
	t.out[t.nout - 1].pid_depth = 1;
	ret_out(&t, 4, 0);
	ms_judge(p, &t, MS_PROFILE_LINUX, &v);
	CHECK(v.code == MS_PASS || v.code == MS_BROK, "%d", v.code);
	/* The fork step reported nothing here: BROK for that, not for the
	 * "expect unbound", which needs no outcome. */
	CHECK(v.code == MS_PASS || strstr(v.reason, "fork") != NULL, "%s",
	      v.reason);
	ms_trace_free(&t);
	drop(p);
}

/* (g) the rows of a template with "when" steps */
static void test_when_rows(void)
{
	struct ms_program *p = parse(canonical[4]);
	struct ms_program v;
	struct ms_diag d;
	char *s;

	CHECK_INT(ms_instantiate(p, 1, &v, &d), 0);
	s = ms_print(&v);
	CHECK(s && strcmp(s, "purpose  p\n"
			     "rules    G1\n"
			     "\n"
			     "a = mmap(0, 2p, PROT_READ|PROT_WRITE, "
			     "MAP_PRIVATE|MAP_ANONYMOUS)\n"
			     "\n"
			     "expect a seal \"--\" @linux-6.10\n") == 0,
	      "%s", s);
	CHECK_INT(v.nnames, 1);
	CHECK_INT(v.names[0].bound_at, 0);
	CHECK_INT(v.features, 0);
	free(s);
	ms_program_free(&v);
	CHECK_INT(ms_instantiate(p, 0, &v, &d), 0);
	CHECK_INT(v.nsteps, 9);
	CHECK_INT(v.nnames, 3);
	CHECK_INT(v.steps[8].kind, MS_STEP_EXPECT);
	CHECK_STR(ms_text(&v, v.steps[2].when), "");
	ms_program_free(&v);
	drop(p);
}

int main(void)
{
	test_when_rows();
	test_step_rules();
	test_expect_unbound();
	test_value_is_not_errno();
	test_unspecified();
	test_address_constraints();
	test_fault_signal();
	test_fixed_points();
	test_number_base();
	return check_report();
}

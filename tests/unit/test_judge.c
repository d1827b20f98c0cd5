// SPDX-License-Identifier: MIT
/*
 * The verdict engine on hand-made traces: every verdict, every kind of
 * expected result, page-grid matching and the sealed-page invariant,
 * without a kernel in the loop (so each can be made to fail on purpose).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "check.h"
#include "sealspec.h"

#define PS 4096
#define BASE 0x200000000000LL

static struct ms_program *parse(const char *src)
{
	struct ms_program *p = calloc(1, sizeof(*p));
	struct ms_diag d;
	int ret = ms_parse("t.scn", src, strlen(src), p, &d);

	CHECK(ret == 0, "parse failed: %d:%d: %s", d.loc.line, d.loc.col,
	      d.msg);
	return p;
}

static struct ms_outcome *ret_out(struct ms_trace *t, int step, int64_t ret)
{
	struct ms_outcome o;

	memset(&o, 0, sizeof(o));
	o.step = step;
	o.kind = MS_OUT_RET;
	o.ret = ret;
	o.name = -1;
	ms_trace_add(t, &o);
	return &t->out[t->nout - 1];
}

/* Pages for an observation: n pages, sealed where seal[i] == 'S'. */
static struct ms_outcome *pages_out(struct ms_trace *t, int step, int name,
				    int64_t addr, const char *seal, int prot)
{
	struct ms_page pg[MS_GRID_MAX];
	struct ms_outcome o;

	memset(&o, 0, sizeof(o));
	memset(pg, 0, sizeof(pg));
	o.pages = pg;
	o.step = step;
	o.kind = MS_OUT_PAGES;
	o.name = name;
	o.addr = (uint64_t)addr;
	o.npages = (int)strlen(seal);
	for (int i = 0; i < o.npages; i++) {
		o.pages[i].mapped = seal[i] != '.';
		o.pages[i].sealed = seal[i] == 'S';
		o.pages[i].prot = (uint8_t)prot;
		o.pages[i].backing = MS_BACK_ANON;
		o.pages[i].vma = seal[i] == 'S' ? 2 : 1;
		o.pages[i].data = '?';
		o.pages[i].pkey = -1;
	}
	ms_trace_add(t, &o);
	return &t->out[t->nout - 1];
}

static enum ms_result_code judge(const struct ms_program *p,
				 const struct ms_trace *t,
				 enum ms_profile prof, struct ms_verdict *v)
{
	ms_judge(p, t, prof, v);
	return v->code;
}

static const char basic[] =
	"purpose  t\n"
	"rules    G1\n"
	"\n"
	"a = mmap(0, 2p, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)\n"
	"mseal(a, 2p, 0)                        => 0\n"
	"munmap(a, 2p)                          => EPERM\n"
	"expect a seal \"SS\"\n";

static void test_pass_and_fail(void)
{
	struct ms_program *p = parse(basic);
	struct ms_trace t;
	struct ms_verdict v;

	ms_trace_init(&t);
	t.page_size = PS;
	ret_out(&t, 0, BASE);
	ret_out(&t, 1, 0);
	ret_out(&t, 2, -EPERM);
	pages_out(&t, 3, -1, BASE, "SS", PROT_READ | PROT_WRITE);
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_PASS);

	/* The wrong errno: FAIL, at step 3, with both names. */
	t.out[2].ret = -EINVAL;
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_FAIL);
	CHECK_INT(v.step, 2);
	CHECK(strstr(v.reason, "expected EPERM, got EINVAL") != NULL, "%s",
	      v.reason);
	CHECK(strstr(v.reason, "munmap(a, 2p)") != NULL, "%s", v.reason);
	t.out[2].ret = -EPERM;

	/* A grid mismatch names both grids. */
	t.out[3].pages[1].sealed = false;
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_FAIL);
	CHECK(strstr(v.reason, "expected seal \"SS\"") != NULL, "%s",
	      v.reason);
	CHECK(strstr(v.reason, "observed seal \"S-\"") != NULL, "%s",
	      v.reason);
	t.out[3].pages[1].sealed = true;

	/* A failed setup step: BROK, not FAIL. */
	t.out[0].ret = -ENOMEM;
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_BROK);
	CHECK(strstr(v.reason, "setup step failed with ENOMEM") != NULL, "%s",
	      v.reason);
	t.out[0].ret = BASE;

	/* A step the target never reported: BROK. */
	t.nout = 3;
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_BROK);
	CHECK(strstr(v.reason, "no result") != NULL, "%s", v.reason);

	/* The target's own verdicts pass through. */
	t.end = MS_END_BROK;
	strcpy(t.reason, "child killed by SIGSEGV after step 2");
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_BROK);
	CHECK_STR(v.reason, "child killed by SIGSEGV after step 2");
	CHECK(!v.timed_out, "a crash is not a timeout");
	t.timed_out = true;
	strcpy(t.reason, "timed out after 2 s");
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_BROK);
	CHECK(v.timed_out, "a hang is a timeout (KTAP TIMEOUT)");
	t.timed_out = false;
	t.end = MS_END_SKIP;
	strcpy(t.reason, "needs pkey");
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_SKIP);

	ms_trace_free(&t);
	ms_program_free(p);
	free(p);
}

static void test_result_kinds(void)
{
	static const char src[] =
		"purpose  t\n"
		"rules    G1\n"
		"\n"
		"a = mmap(0, 2p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		"mprotect(a, 1p, PROT_READ)             => 0, EPERM @guidelines\n"
		"madvise(a, 1p, MADV_DONTNEED)          => error\n"
		"b = mremap(a, 1p, 1p, MREMAP_MAYMOVE)  => ok\n"
		"c = mmap(a+1p, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED) => a+1p\n"
		"fill(a, \"A\")                           => fault\n";
	struct ms_program *p = parse(src);
	struct ms_trace t;
	struct ms_verdict v;
	struct ms_outcome *f;

	ms_trace_init(&t);
	t.page_size = PS;
	ret_out(&t, 0, BASE);
	ret_out(&t, 1, 0);
	ret_out(&t, 2, -EPERM);
	ret_out(&t, 3, BASE + 100 * PS);
	ret_out(&t, 4, BASE + PS);
	f = ret_out(&t, 5, 0);
	f->kind = MS_OUT_FAULT;
	f->signo = SIGSEGV;
	f->fault_addr = BASE;

	/* Per-profile alternatives: 0 under linux, EPERM under guidelines. */
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_PASS);
	CHECK_INT(judge(p, &t, MS_PROFILE_GUIDELINES, &v), MS_FAIL);
	CHECK_INT(v.step, 1);
	/* linux-6.10 is not named: the default applies. */
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX_6_10, &v), MS_PASS);
	t.out[1].ret = -EPERM;
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX_6_10, &v), MS_FAIL);
	CHECK_INT(judge(p, &t, MS_PROFILE_GUIDELINES, &v), MS_PASS);
	t.out[1].ret = 0;

	/* "error" is any errno, not success. */
	t.out[2].ret = 0;
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_FAIL);
	t.out[2].ret = -EINVAL;
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_PASS);

	/* "ok" is any success, not an errno. */
	t.out[3].ret = -EFAULT;
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_FAIL);
	t.out[3].ret = BASE + 100 * PS;

	/* A value with a name: the address is printed relative to it. */
	t.out[4].ret = BASE + 3 * PS;
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_FAIL);
	CHECK(strstr(v.reason, "got a+3p") != NULL, "%s", v.reason);
	t.out[4].ret = BASE + PS;

	/* "fault" needs a fault. */
	t.out[5].kind = MS_OUT_RET;
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_FAIL);
	CHECK(strstr(v.reason, "expected fault, got 0") != NULL, "%s",
	      v.reason);

	ms_trace_free(&t);
	ms_program_free(p);
	free(p);
}

static void test_xfail(void)
{
	static const char src[] =
		"purpose  t\n"
		"rules    G1\n"
		"xfail    @linux known\n"
		"\n"
		"a = mmap(0, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		"munmap(a, 1p)                          => EPERM\n";
	struct ms_program *p = parse(src);
	struct ms_trace t;
	struct ms_verdict v;

	ms_trace_init(&t);
	t.page_size = PS;
	ret_out(&t, 0, BASE);
	ret_out(&t, 1, 0);
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_XFAIL);
	CHECK(strstr(v.reason, "expected failure (known)") != NULL, "%s",
	      v.reason);
	CHECK_INT(judge(p, &t, MS_PROFILE_GUIDELINES, &v), MS_FAIL);
	t.out[1].ret = -EPERM;
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_FAIL);
	CHECK(strstr(v.reason, "but passed") != NULL, "%s", v.reason);
	CHECK_INT(judge(p, &t, MS_PROFILE_GUIDELINES, &v), MS_PASS);
	ms_trace_free(&t);
	ms_program_free(p);
	free(p);
}

static void test_grids(void)
{
	static const char src[] =
		"purpose  t\n"
		"rules    GS\n"
		"\n"
		"a = mmap(0, 4p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		"expect a vmas \"xxy.\"\n"
		"expect a prot \"r- r- ?? ..\"\n"
		"expect a seal \"??S.\"\n";
	struct ms_program *p = parse(src);
	struct ms_trace t;
	struct ms_verdict v;

	ms_trace_init(&t);
	t.page_size = PS;
	ret_out(&t, 0, BASE);
	/* Pages 0-1 one VMA, page 2 another (sealed), page 3 unmapped. */
	for (int s = 1; s <= 3; s++)
		pages_out(&t, s, -1, BASE, "--S.", PROT_READ);
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_PASS);

	/* Letters do not matter, the partition does: merge pages 1 and 2. */
	t.out[1].pages[2].vma = 1;
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_FAIL);
	CHECK(strstr(v.reason, "observed vmas \"aaa.\"") != NULL, "%s",
	      v.reason);
	t.out[1].pages[2].vma = 2;

	/* "??" accepts any protection, but not a missing page. */
	t.out[2].pages[2].prot = PROT_READ | PROT_WRITE | PROT_EXEC;
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_PASS);
	t.out[2].pages[3].mapped = true;
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_FAIL);
	CHECK(strstr(v.reason, "expected prot") != NULL, "%s", v.reason);

	ms_trace_free(&t);
	ms_program_free(p);
	free(p);
}

/*
 * A page whose contents the target could not read ('~') matches any data
 * token but '.', and the verdict counts the expected cells it accepted.
 */
static void test_unobservable(void)
{
	static const char src[] =
		"purpose  t\n"
		"rules    G6a\n"
		"\n"
		"a = mmap(0, 3p, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		"expect a data \"AB!\"\n"
		"expect a data \"?B0\"\n";
	struct ms_program *p = parse(src);
	struct ms_trace t;
	struct ms_verdict v;
	struct ms_outcome *o[2];

	ms_trace_init(&t);
	t.page_size = PS;
	ret_out(&t, 0, BASE);
	for (int k = 0; k < 2; k++) {
		o[k] = pages_out(&t, k + 1, -1, BASE, "---", PROT_NONE);
		o[k]->pages[0].data = MS_DATA_UNOBSERVABLE;
		o[k]->pages[1].data = 'B';
		o[k]->pages[2].data = MS_DATA_UNOBSERVABLE;
	}
	/* "~B~": 2 cells of step 2 accepted unseen, 1 of step 3 ('?'
	 * expected nothing). */
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_PASS);
	CHECK_INT(v.unobservable, 3);
	CHECK_STR(v.unobservable_at, "step 2 (t.scn:5): expected data "
				     "\"AB!\", observed \"~B~\"");

	/* What was observed still counts. */
	o[1]->pages[1].data = 'C';
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_FAIL);
	CHECK(strstr(v.reason, "observed data \"~C~\"") != NULL, "%s",
	      v.reason);
	o[1]->pages[1].data = 'B';

	/* The mapping itself is always observable. */
	o[0]->pages[2].mapped = false;
	o[0]->pages[2].data = '.';
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_FAIL);
	CHECK(strstr(v.reason, "observed data \"~B.\"") != NULL, "%s",
	      v.reason);

	/* Nothing unobservable, nothing counted. */
	o[0]->pages[2].mapped = true;
	for (int k = 0; k < 2; k++) {
		o[k]->pages[0].data = k ? 'X' : 'A';
		o[k]->pages[2].data = k ? '0' : '!';
	}
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_PASS);
	CHECK_INT(v.unobservable, 0);
	CHECK_STR(v.unobservable_at, "");

	ms_trace_free(&t);
	ms_program_free(p);
	free(p);
}

static void test_invariant(void)
{
	static const char src[] =
		"purpose  t\n"
		"rules    GP\n"
		"\n"
		"a = mmap(0, 2p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		"mseal(a, 2p, 0)                        => 0\n"
		"mprotect(a, 2p, PROT_READ|PROT_WRITE)  => EPERM\n"
		"munmap(a, 2p)                          => EPERM\n";
	struct ms_program *p = parse(src);
	struct ms_trace t;
	struct ms_verdict v;
	struct ms_outcome *o;

	ms_trace_init(&t);
	t.page_size = PS;
	ret_out(&t, 0, BASE);
	ret_out(&t, 1, 0);
	pages_out(&t, 1, 0, BASE, "SS", PROT_READ);
	ret_out(&t, 2, -EPERM);
	o = pages_out(&t, 2, 0, BASE, "SS", PROT_READ);
	ret_out(&t, 3, -EPERM);
	pages_out(&t, 3, 0, BASE, "SS", PROT_READ);
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_PASS);

	/* A target that says EPERM but changed the sealed page anyway. */
	o->pages[1].prot = PROT_READ | PROT_WRITE;
	for (int prof = 0; prof < MS_NPROFILES; prof++) {
		CHECK_INT(judge(p, &t, (enum ms_profile)prof, &v), MS_FAIL);
		CHECK_INT(v.step, 2);
	}
	CHECK(strstr(v.reason, "the sealed page at a+1p changed protection") !=
		      NULL,
	      "%s", v.reason);
	o->pages[1].prot = PROT_READ;

	/* One that unmapped it. */
	o->pages[0].mapped = false;
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_FAIL);
	CHECK(strstr(v.reason, "the sealed page at a was unmapped") != NULL,
	      "%s", v.reason);
	o->pages[0].mapped = true;

	/* One that unsealed it. */
	t.out[t.nout - 1].pages[1].sealed = false;
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_FAIL);
	CHECK(strstr(v.reason, "lost its seal") != NULL, "%s", v.reason);
	t.out[t.nout - 1].pages[1].sealed = true;

	/*
	 * Across a refused call (EPERM) the whole page state stays (GP 1):
	 * lock, inherit, pkey, guard and contents too.
	 */
	o->pages[0].lock = MS_LOCK_LOCKED;
	CHECK_INT(judge(p, &t, MS_PROFILE_GUIDELINES, &v), MS_FAIL);
	CHECK_INT(v.step, 2);
	CHECK(strstr(v.reason, "the sealed page at a changed its lock state "
			       "in a refused call") != NULL,
	      "%s", v.reason);
	o->pages[0].lock = 0;
	o->pages[1].inherit = MS_INHERIT_DONTFORK;
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_FAIL);
	CHECK(strstr(v.reason, "changed its inherit flags") != NULL, "%s",
	      v.reason);
	o->pages[1].inherit = 0;
	o->pages[1].guard = true;
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_FAIL);
	CHECK(strstr(v.reason, "changed its guard state") != NULL, "%s",
	      v.reason);
	o->pages[1].guard = false;
	o->pages[1].pkey = 3;
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_FAIL);
	CHECK(strstr(v.reason, "changed its protection key") != NULL, "%s",
	      v.reason);
	o->pages[1].pkey = -1;

	/*
	 * Only across the refused call itself: the same change after a call
	 * that succeeded (mseal here) is allowed.
	 */
	t.out[2].pages[0].lock = MS_LOCK_LOCKED;	/* after mseal */
	for (int k = 4; k < t.nout; k++)
		if (t.out[k].kind == MS_OUT_PAGES)
			t.out[k].pages[0].lock = MS_LOCK_LOCKED;
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_PASS);

	ms_trace_free(&t);
	ms_program_free(p);
	free(p);
}

/*
 * Contents across a refused call: compared where both snapshots read
 * them, never where one says '?'.  A refused madvise may have discarded a
 * sealed page in front of the one that refused it under the profiles whose
 * madvise walk does so (partial-apply: linux, linux-6.12); under the
 * others (linux-6.10, guidelines) that is a broken invariant.
 */
static void test_invariant_contents(void)
{
	static const char src[] =
		"purpose  t\n"
		"rules    GP\n"
		"\n"
		"a = mmap(0, 2p, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		"mprotect(a+1p, 1p, PROT_READ)          => 0\n"
		"mseal(a, 2p, 0)                        => 0\n"
		"madvise(a, 2p, MADV_DONTNEED)          => EPERM\n"
		"mprotect(a, 2p, PROT_READ)             => EPERM\n";
	static const struct {
		enum ms_profile prof;
		enum ms_result_code discarded;
	} want[] = {
		{ MS_PROFILE_LINUX, MS_PASS },
		{ MS_PROFILE_LINUX_6_12, MS_PASS },
		{ MS_PROFILE_LINUX_6_10, MS_FAIL },
		{ MS_PROFILE_GUIDELINES, MS_FAIL },
	};
	struct ms_program *p = parse(src);
	struct ms_trace t;
	struct ms_verdict v;
	struct ms_outcome *sealed, *advised, *protected;

	ms_trace_init(&t);
	t.page_size = PS;
	ret_out(&t, 0, BASE);
	ret_out(&t, 1, 0);
	pages_out(&t, 1, 0, BASE, "--", PROT_READ | PROT_WRITE);
	ret_out(&t, 2, 0);
	sealed = pages_out(&t, 2, 0, BASE, "SS", PROT_READ | PROT_WRITE);
	ret_out(&t, 3, -EPERM);
	advised = pages_out(&t, 3, 0, BASE, "SS", PROT_READ | PROT_WRITE);
	ret_out(&t, 4, -EPERM);
	protected = pages_out(&t, 4, 0, BASE, "SS", PROT_READ | PROT_WRITE);
	/* The trace's storage may have moved as it grew. */
	sealed = &t.out[4];
	advised = &t.out[6];
	protected = &t.out[8];
	sealed->pages[0].data = 'A';
	sealed->pages[1].data = 'B';

	/* Unread after the call: nothing to compare. */
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK_INT(judge(p, &t, want[i].prof, &v), MS_PASS);

	/* Read, and the same: PASS under every profile. */
	advised->pages[0].data = 'A';
	advised->pages[1].data = 'B';
	protected->pages[0].data = 'A';
	protected->pages[1].data = 'B';
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK_INT(judge(p, &t, want[i].prof, &v), MS_PASS);

	/* The refused madvise zeroed the sealed writable page in front. */
	advised->pages[0].data = '0';
	protected->pages[0].data = '0';
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK_INT(judge(p, &t, want[i].prof, &v), want[i].discarded);
		if (want[i].discarded == MS_FAIL) {
			CHECK_INT(v.step, 3);
			CHECK(strstr(v.reason, "the sealed page at a changed "
					       "its contents in a refused "
					       "call (data \"A\" before, "
					       "\"0\" after)") != NULL,
			      "%s", v.reason);
		}
	}

	/*
	 * So may its inherit flags and guard state (DONTFORK, WIPEONFORK,
	 * GUARD_INSTALL), but never its lock or protection key.
	 */
	advised->pages[0].data = 'A';
	protected->pages[0].data = 'A';
	advised->pages[0].inherit = MS_INHERIT_DONTFORK;
	protected->pages[0].inherit = MS_INHERIT_DONTFORK;
	advised->pages[0].guard = true;
	protected->pages[0].guard = true;
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_PASS);
	CHECK_INT(judge(p, &t, MS_PROFILE_GUIDELINES, &v), MS_FAIL);
	CHECK(strstr(v.reason, "changed its inherit flags") != NULL, "%s",
	      v.reason);
	advised->pages[0].lock = MS_LOCK_LOCKED;
	protected->pages[0].lock = MS_LOCK_LOCKED;
	CHECK_INT(judge(p, &t, MS_PROFILE_LINUX, &v), MS_FAIL);
	CHECK(strstr(v.reason, "changed its lock state") != NULL, "%s",
	      v.reason);
	advised->pages[0].lock = 0;
	protected->pages[0].lock = 0;
	advised->pages[0].inherit = 0;
	protected->pages[0].inherit = 0;
	advised->pages[0].guard = false;
	protected->pages[0].guard = false;

	/*
	 * Only a refused madvise: the same discard seen after the refused
	 * mprotect fails under every profile.
	 */
	protected->pages[1].data = '0';
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK_INT(judge(p, &t, want[i].prof, &v), MS_FAIL);
		CHECK_INT(v.step, 4);
		CHECK(strstr(v.reason, "the sealed page at a+1p changed its "
				       "contents in a refused call") != NULL,
		      "%s", v.reason);
	}
	ms_trace_free(&t);
	ms_program_free(p);
	free(p);
}

/* Guard-region advice in one row makes only that row need the feature. */
static void test_implied_features(void)
{
	static const char src[] =
		"purpose  t\n"
		"rules    G2\n"
		"vary     advice\n"
		"         MADV_DONTNEED\n"
		"         MADV_GUARD_INSTALL\n"
		"\n"
		"a = mmap(0, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		"madvise(a, 1p, $advice)                => 0\n";
	static const char grid[] =
		"purpose  t\n"
		"rules    G2\n"
		"\n"
		"a = mmap(0, 2p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		"expect a guard \"--\"\n"
		"expect a guard \"G-\" @linux\n";
	struct ms_program *t = parse(src), *g = parse(grid);
	struct ms_program v;
	struct ms_diag d;
	uint32_t guard = 1u << MS_FEAT_GUARD;

	CHECK_INT(ms_instantiate(t, 0, &v, &d), 0);
	CHECK_INT(v.features & guard, 0);
	ms_program_free(&v);
	CHECK_INT(ms_instantiate(t, 1, &v, &d), 0);
	CHECK_INT(v.features & guard, guard);
	ms_program_free(&v);
	CHECK_INT(g->features & guard, guard);
	ms_program_free(t);
	ms_program_free(g);
	free(t);
	free(g);
}

/*
 * The trace says the same on every run: addresses by name or arena, ids by
 * binding, nothing the kernel hands out differently each time.
 */
static void test_trace_symbolic(void)
{
	static const char src[] =
		"purpose  t\n"
		"rules    G1\n"
		"\n"
		"a = mmap(0, 2p, PROT_READ, MAP_SHARED|MAP_ANONYMOUS)\n"
		"id = shmget(2p)\n"
		"shmget(1p)                             => ok\n"
		"mremap(a, 0, 2p, MREMAP_MAYMOVE)       => ok\n"
		"mremap(a, 0, 2p, MREMAP_MAYMOVE)       => ok\n"
		"mremap(a, 0, 2p, MREMAP_MAYMOVE)       => ok\n"
		"fill(a, \"A\")                         => ok\n"
		"f = memfd(1p, \"A\")\n";
	struct ms_program *p = parse(src);
	struct ms_trace t;
	char *text;

	ms_trace_init(&t);
	t.page_size = PS;
	t.arena = BASE;
	t.arena_size = 64LL << 30;
	ret_out(&t, 0, BASE + 16 * PS);
	ret_out(&t, 1, 327741);
	ret_out(&t, 2, 327742);
	ret_out(&t, 3, 0x7f1234566000LL);
	ret_out(&t, 4, BASE + 17 * PS + 0x10);
	ret_out(&t, 5, BASE + 20000LL * PS);
	/* Near the id's value, but an id is no address. */
	ret_out(&t, 6, 0)->kind = MS_OUT_FAULT;
	t.out[t.nout - 1].signo = SIGSEGV;
	t.out[t.nout - 1].fault_addr = 0x10;
	ret_out(&t, 7, 3);
	text = ms_trace_format(p, &t);
	CHECK(text != NULL, "out of memory");
	if (!text)
		text = strdup("");
	CHECK(strstr(text, "ANONYMOUS) = a\n"), "%s", text);
	CHECK(strstr(text, "  = id\n"), "%s", text);
	CHECK(strstr(text, "  = <IPC id>\n"), "%s", text);
	CHECK(strstr(text, "  = <outside the arena>\n"), "%s", text);
	CHECK(strstr(text, "  = a+1p+0x10\n"), "%s", text);
	CHECK(strstr(text, "  = arena+20000p\n"), "%s", text);
	CHECK(strstr(text, "  = fault (SIGSEGV at 0x10)\n"), "%s",
	      text);
	CHECK(strstr(text, "  = f\n"), "%s", text);
	CHECK(!strstr(text, "3277"), "%s", text);
	free(text);
	ms_trace_free(&t);
	ms_program_free(p);
	free(p);
}

int main(void)
{
	test_implied_features();
	test_pass_and_fail();
	test_result_kinds();
	test_xfail();
	test_grids();
	test_unobservable();
	test_invariant();
	test_invariant_contents();
	test_trace_symbolic();
	return check_report();
}

// SPDX-License-Identifier: MIT
/*
 * ms_trace_diff on traces of one program: the model's run against a copy
 * that is changed in one place, and what counts as the same.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sealspec.h"

/*
 * Two memfds mapped at the same offset, side by side:
 *
 *   a: 0 1     b: 0 1        file pages f0 f1 of two different files
 */
static const char src[] =
	"purpose  diff test\n"
	"rules    GS\n"
	"\n"
	"f = memfd(2p, \"AB\")\n"
	"g = memfd(2p, \"CD\")\n"
	"a = mmap(0, 2p, PROT_READ, MAP_SHARED, f, 0)\n"
	"b = mmap(0, 2p, PROT_READ, MAP_SHARED, g, 0)\n"
	"mseal(a, 2p, 0)                        => 0\n"
	"mprotect(a, 2p, PROT_READ|PROT_WRITE) => EPERM\n"
	"expect a data \"AB\"\n"
	"expect b data \"CD\"\n";

static void load(struct ms_program *p)
{
	struct ms_diag d;
	int err = ms_parse("t.scn", src, strlen(src), p, &d);

	CHECK_INT(err, 0);
	if (err)
		printf("  %s:%d:%d: %s\n", d.loc.file, d.loc.line, d.loc.col,
		       d.msg);
}

static void copy_trace(struct ms_trace *dst, const struct ms_trace *src_t)
{
	ms_trace_init(dst);
	for (int i = 0; i < src_t->nout; i++)
		ms_trace_add(dst, &src_t->out[i]);
	dst->end = src_t->end;
}

/* The index of the first outcome of step with kind, or -1. */
static int find(const struct ms_trace *t, int step, enum ms_out_kind kind)
{
	for (int i = 0; i < t->nout; i++)
		if (t->out[i].step == step && t->out[i].kind == kind)
			return i;
	return -1;
}

int main(void)
{
	struct ms_model_opts o = { .profile = MS_PROFILE_LINUX,
				   .snapshots = true };
	struct ms_program p;
	struct ms_trace a, b;
	struct ms_trace_diff d;
	int mprot, i, expect_b;

	memset(&p, 0, sizeof(p));
	o.features = ms_model_features(o.profile);
	load(&p);
	ms_trace_init(&a);
	CHECK_INT(ms_model_run(&p, &o, &a), 0);
	CHECK_INT(a.end, MS_END_DONE);

	/* A trace agrees with itself. */
	copy_trace(&b, &a);
	CHECK_INT(ms_trace_diff(&p, &a, &b, &d), 0);
	CHECK_INT(d.step, -1);

	/* A result: reported at its step, both sides named. */
	for (mprot = 0; mprot < p.nsteps; mprot++)
		if (p.steps[mprot].kind == MS_STEP_CALL &&
		    p.steps[mprot].call == MS_CALL_MPROTECT)
			break;
	i = find(&b, mprot, MS_OUT_RET);
	CHECK(i >= 0, "no outcome of the mprotect step");
	b.out[i].ret = 0;
	CHECK_INT(ms_trace_diff(&p, &a, &b, &d), 1);
	CHECK_INT(d.step, mprot);
	CHECK_INT(d.index, i);
	CHECK_STR(d.what, "returned EPERM against 0");
	ms_trace_free(&b);

	/* Descriptors are each target's own numbers: success is enough. */
	copy_trace(&b, &a);
	i = -1;
	for (int k = 0; k < p.nsteps && i < 0; k++)
		if (p.steps[k].kind == MS_STEP_CALL &&
		    p.steps[k].call == MS_CALL_MEMFD)
			i = find(&b, k, MS_OUT_RET);
	CHECK(i >= 0, "no outcome of the memfd step");
	if (i < 0)
		return check_report();
	b.out[i].ret += 40;
	CHECK_INT(ms_trace_diff(&p, &a, &b, &d), 0);
	b.out[i].ret = -EMFILE;
	CHECK_INT(ms_trace_diff(&p, &a, &b, &d), 1);
	ms_trace_free(&b);

	/* VMA numbers are the target's own; boundaries count. */
	copy_trace(&b, &a);
	expect_b = -1;
	for (int k = 0; k < b.nout; k++)
		if (b.out[k].kind == MS_OUT_PAGES && b.out[k].name < 0)
			expect_b = k;	/* the last expect: b's data */
	CHECK(expect_b >= 0, "no expect outcome");
	for (int k = 0; k < b.out[expect_b].npages; k++)
		b.out[expect_b].pages[k].vma += 7;
	CHECK_INT(ms_trace_diff(&p, &a, &b, &d), 0);
	b.out[expect_b].pages[1].vma += 1;	/* b split in two */
	CHECK_INT(ms_trace_diff(&p, &a, &b, &d), 1);
	CHECK(strstr(d.what, "VMA boundaries") != NULL, "what: %s", d.what);
	CHECK(strstr(d.what, "\"aa\" against \"ab\"") != NULL, "what: %s",
	      d.what);
	ms_trace_free(&b);

	/* Contents: '?' says nothing; a different token is a difference. */
	copy_trace(&b, &a);
	b.out[expect_b].pages[0].data = '?';
	CHECK_INT(ms_trace_diff(&p, &a, &b, &d), 0);
	b.out[expect_b].pages[0].data = 'Z';
	CHECK_INT(ms_trace_diff(&p, &a, &b, &d), 1);
	CHECK(strstr(d.what, "data of 2 pages") != NULL, "what: %s", d.what);
	ms_trace_free(&b);

	/*
	 * Which file: renumbered files agree, but one file where the other
	 * trace has two is a difference (b's pages named as a's file).
	 */
	copy_trace(&b, &a);
	for (int k = 0; k < b.nout; k++)
		for (int j = 0; b.out[k].kind == MS_OUT_PAGES &&
				j < b.out[k].npages; j++)
			if (b.out[k].pages[j].backing == MS_BACK_FILE)
				b.out[k].pages[j].file += 1000;
	CHECK_INT(ms_trace_diff(&p, &a, &b, &d), 0);
	{
		uint64_t fa = 0;

		for (int k = 0; k < b.nout && !fa; k++)
			if (b.out[k].kind == MS_OUT_PAGES &&
			    b.out[k].addr != b.out[expect_b].addr &&
			    b.out[k].pages[0].backing == MS_BACK_FILE)
				fa = b.out[k].pages[0].file;
		CHECK(fa != 0, "no page of a's file");
		for (int j = 0; j < b.out[expect_b].npages; j++)
			b.out[expect_b].pages[j].file = fa;
	}
	CHECK_INT(ms_trace_diff(&p, &a, &b, &d), 1);
	CHECK_INT(d.index, expect_b);
	CHECK(strstr(d.what, "back of 2 pages") != NULL, "what: %s", d.what);
	ms_trace_free(&b);

	/* One trace ends early: the first missing outcome. */
	copy_trace(&b, &a);
	b.nout = expect_b;
	b.end = MS_END_BROK;
	CHECK_INT(ms_trace_diff(&p, &a, &b, &d), 1);
	CHECK_INT(d.index, expect_b);
	CHECK(strstr(d.what, "the second trace ends here (broken") != NULL,
	      "what: %s", d.what);
	ms_trace_free(&b);

	ms_trace_free(&a);
	ms_program_free(&p);
	return check_report();
}

// SPDX-License-Identifier: MIT
/*
 * The builder and validator (sealspec-fuzz.h), the generator's programs
 * and the C emitter, without a kernel: what a built program may be, that
 * generated programs are valid and deterministic by seed, that filled-in
 * programs print as scenarios that parse back equal, and that the C of a
 * program names its syscalls behind #ifndef guards.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sealspec-fuzz.h"
#include "sealspec-model.h"

static struct ms_program build_basic(void)
{
	struct ms_program p;
	struct ms_expr e;
	struct ms_step *s;
	int a;

	ms_build_init(&p, "built", "a built program", 1u << MS_RULE_G1);
	a = ms_build_name(&p, "a", 0);
	s = ms_build_call(&p, MS_CALL_MMAP, a);
	ms_build_arg(s, ms_expr_num(&p, &e, 0));
	ms_build_arg(s, ms_expr_pages(&p, &e, 4));
	ms_build_arg(s, ms_expr_syms(&p, &e, "PROT_READ|PROT_WRITE"));
	ms_build_arg(s, ms_expr_syms(&p, &e, "MAP_PRIVATE|MAP_ANONYMOUS"));
	s = ms_build_call(&p, MS_CALL_MSEAL, -1);
	s->record = true;
	ms_build_arg(s, ms_expr_name(&p, &e, a, 2));
	ms_build_arg(s, ms_expr_pages(&p, &e, 2));
	ms_build_arg(s, ms_expr_num(&p, &e, 0));
	ms_build_step(&p, MS_STEP_FORK);
	s = ms_build_call(&p, MS_CALL_MUNMAP, -1);
	s->record = true;
	ms_build_arg(s, ms_expr_name(&p, &e, a, 0));
	ms_build_arg(s, ms_expr_pages(&p, &e, 4));
	ms_build_step(&p, MS_STEP_END);
	return p;
}

static void test_validate(void)
{
	struct ms_program p = build_basic();
	char why[160];
	struct ms_expr e;
	int b;

	CHECK_INT(ms_build_finish(&p, 0, why, sizeof(why)), 0);
	CHECK_INT(p.steps[3].depth, 1);
	CHECK_INT(p.steps[4].depth, 0);
	CHECK(p.features & (1u << MS_FEAT_MSEAL), "features 0x%x", p.features);

	/* A name used before it is bound. */
	b = ms_build_name(&p, "b", p.nsteps);
	ms_expr_name(&p, &p.steps[1].args[0].expr, b, 0);
	CHECK_INT(ms_program_validate(&p, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "'b' is not bound") != NULL, "why: %s", why);
	ms_expr_name(&p, &p.steps[1].args[0].expr, 0, 2);
	p.nnames--;

	/* A fork without its end. */
	p.nsteps--;
	CHECK_INT(ms_program_validate(&p, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "fork without end") != NULL, "why: %s", why);
	p.nsteps++;

	/* A wrong depth. */
	p.steps[3].depth = 0;
	CHECK_INT(ms_program_validate(&p, why, sizeof(why)), -EINVAL);
	p.steps[3].depth = 1;

	/* Two results without a profile. */
	p.steps[1].record = false;
	ms_step_add_result(&p, &p.steps[1])->kind = MS_RES_OK;
	ms_step_add_result(&p, &p.steps[1])->kind = MS_RES_ERROR;
	CHECK_INT(p.steps[1].nresults, 2);
	CHECK_INT(ms_program_validate(&p, why, sizeof(why)), -EINVAL);
	p.steps[1].nresults = 1;
	CHECK_INT(ms_program_validate(&p, why, sizeof(why)), 0);

	/* A string where a number goes. */
	p.steps[1].args[1].kind = MS_ARG_STR;
	CHECK_INT(ms_program_validate(&p, why, sizeof(why)), -EINVAL);
	ms_program_free(&p);

	CHECK(ms_expr_syms(&p, &e, "PROT_READ|NO_SUCH") == NULL,
	      "unknown symbol");
	ms_program_free(&p);
}

/* A recorded step runs whatever it returns; a setup step stops there. */
static void test_record(void)
{
	struct ms_program p = build_basic();
	struct ms_trace t;
	char why[160];
	int nret = 0;

	ms_build_finish(&p, 0, why, sizeof(why));
	/* munmap of sealed memory fails in the child, and the run goes on */
	ms_trace_init(&t);
	CHECK_INT(ms_model_run(&p, NULL, &t), 0);
	CHECK_INT(t.end, MS_END_DONE);
	for (int i = 0; i < t.nout; i++)
		if (t.out[i].kind == MS_OUT_RET && t.out[i].step == 3) {
			CHECK_INT(t.out[i].ret, -EPERM);
			nret++;
		}
	CHECK_INT(nret, 1);
	ms_trace_free(&t);
	ms_program_free(&p);
}

static void test_generate(void)
{
	struct ms_fuzz_gen_opts go = {
		.seed = 7,
		.features = ms_model_features(MS_PROFILE_LINUX),
		.profile = MS_PROFILE_LINUX,
	};
	int valid = 0, roundtrip = 0, same = 0, n = 60;

	for (int i = 0; i < n; i++) {
		struct ms_program p, q, r;
		struct ms_model_opts mo = { .profile = MS_PROFILE_LINUX,
					    .features = go.features };
		struct ms_trace t;
		struct ms_diag d;
		char why[160], *text;

		go.index = (uint64_t)i;
		if (ms_fuzz_generate(&go, &p))
			continue;
		if (ms_fuzz_generate(&go, &q) == 0) {
			same += ms_program_equal(&p, &q);
			ms_program_free(&q);
		}
		valid += ms_program_validate(&p, why, sizeof(why)) == 0;
		if (ms_program_validate(&p, why, sizeof(why)))
			printf("# program %d: %s\n", i, why);
		/* The model's trace stands in for the kernel's here. */
		ms_trace_init(&t);
		if (ms_model_run(&p, &mo, &t) == 0 && t.end == MS_END_DONE &&
		    ms_fuzz_fill_results(&p, &t) == 0) {
			text = ms_print(&p);
			memset(&r, 0, sizeof(r));
			if (text && ms_parse(p.file, text, strlen(text), &r,
					     &d) == 0) {
				char *again = ms_print(&r);

				roundtrip += again && !strcmp(again, text);
				free(again);
			} else {
				printf("# program %d does not parse: %d: %s\n",
				       i, d.loc.line, d.msg);
			}
			ms_program_free(&r);
			free(text);
		}
		ms_trace_free(&t);
		ms_program_free(&p);
	}
	CHECK_INT(valid, n);
	CHECK_INT(same, n);
	CHECK_INT(roundtrip, n);
}

/*
 * Breadth: over many programs the generator uses every call it knows,
 * including the ones only a kernel with the feature may get (protection
 * keys: this test needs no CPU with PKU, since the model answers), and
 * none that needs a feature it was not given.
 */
static void test_generate_breadth(void)
{
	static const enum ms_call want[] = {
		MS_CALL_PKEY_ALLOC,	MS_CALL_PKEY_MPROTECT, MS_CALL_PKEY_SET,
		MS_CALL_PKEY_FREE,	MS_CALL_UFFD_REGISTER, MS_CALL_UFFD_COPY,
		MS_CALL_UFFD_MOVE,	MS_CALL_PTRACE_POKE,   MS_CALL_BRK,
		MS_CALL_IO_SETUP,	MS_CALL_IO_DESTROY,    MS_CALL_MBIND,
		MS_CALL_SET_MEMPOLICY_HOME_NODE,	       MS_CALL_MLOCKALL,
		MS_CALL_MUNLOCKALL,	MS_CALL_REMAP_FILE_PAGES,
		MS_CALL_USE_MAP_SLOTS,	MS_CALL_PROC_MEM_READ,
	};
	uint32_t all = ms_model_features(MS_PROFILE_LINUX);
	bool seen[MS_NCALLS] = { false };
	int execs = 0, pkeys_without = 0, valid = 0, n = 3000;
	char why[160];

	for (int pass = 0; pass < 2; pass++) {
		struct ms_fuzz_gen_opts go = {
			.seed = 11,
			.features = pass ? all & ~(1u << MS_FEAT_PKEY) : all,
			.profile = MS_PROFILE_LINUX,
		};

		for (int i = 0; i < (pass ? n / 3 : n); i++) {
			struct ms_program p;

			go.index = (uint64_t)i;
			if (ms_fuzz_generate(&go, &p))
				continue;
			valid += !pass &&
				 ms_program_validate(&p, why, sizeof(why)) == 0;
			for (int k = 0; k < p.nsteps; k++) {
				const struct ms_step *st = &p.steps[k];

				if (st->kind == MS_STEP_EXEC)
					execs += !pass;
				if (st->kind != MS_STEP_CALL)
					continue;
				if (!pass)
					seen[st->call] = true;
				else if (ms_call_desc[st->call].feature ==
					 MS_FEAT_PKEY)
					pkeys_without++;
			}
			ms_program_free(&p);
		}
	}
	CHECK_INT(valid, n);
	CHECK(execs > 0, "no exec step in %d programs", n);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK(seen[want[i]], "never generated: %s",
		      ms_call_desc[want[i]].name);
	}
	CHECK_INT(pkeys_without, 0);
}

static void test_emit(void)
{
	struct ms_program p = build_basic();
	struct ms_emit_opts o = { .profile = MS_PROFILE_LINUX };
	char why[160];
	char *c;
	int err;

	ms_build_finish(&p, 0, why, sizeof(why));
	c = ms_emit_c(&p, &o, &err, why, sizeof(why));
	CHECK(c != NULL, "emit failed: %d %s", err, why);
	if (c) {
		CHECK(strstr(c, "#ifndef __NR_mseal") != NULL, "no guard");
		CHECK(strstr(c, "SYS(__NR_mseal, ") != NULL, "no raw mseal");
		CHECK(strstr(c, "fork()") != NULL, "no fork");
		CHECK(strstr(c, "sealspec.h") == NULL, "depends on sealspec");
	}
	free(c);
	/* A call the runtime does not have. */
	p.steps[1].call = MS_CALL_UFFD_REGISTER;
	p.steps[1].nargs = 2;
	c = ms_emit_c(&p, &o, &err, why, sizeof(why));
	CHECK(c == NULL && err == -ENOTSUP, "emitted uffd_register");
	CHECK(strstr(why, "uffd_register") != NULL, "why: %s", why);
	free(c);
	ms_program_free(&p);
}

int main(void)
{
	test_validate();
	test_record();
	test_generate();
	test_generate_breadth();
	test_emit();
	return check_report();
}

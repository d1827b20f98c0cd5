// SPDX-License-Identifier: MIT
/*
 * One differential run: the kernel, then the model in lockstep with the
 * kernel's trace (it adopts the addresses the kernel chose), then the
 * first difference and its signature.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fuzz/fuzz.h"

/* A result as the signature names it: an errno, "ok" or "fault". */
static void result_word(const struct ms_outcome *o, char *buf, size_t n)
{
	const char *e;

	if (!o) {
		snprintf(buf, n, "nothing");
		return;
	}
	if (o->kind == MS_OUT_FAULT) {
		snprintf(buf, n, "fault");
		return;
	}
	if (o->kind != MS_OUT_RET) {
		snprintf(buf, n, "%s", o->kind == MS_OUT_SKIP ? "skip" :
							     "pages");
		return;
	}
	e = o->ret < 0 && o->ret >= -4095 ? ms_errno_name((int)-o->ret) : NULL;
	if (o->ret >= 0)
		snprintf(buf, n, "ok");
	else if (e)
		snprintf(buf, n, "%s", e);
	else
		snprintf(buf, n, "%lld", (long long)o->ret);
}

static void signature(const struct ms_program *p, struct ms_fuzz_result *r)
{
	const struct ms_outcome *a = NULL, *b = NULL;
	const char *what = "end";
	char ka[32], mb[32];
	int i = r->d.index;

	if (r->d.step >= 0 && r->d.step < p->nsteps) {
		const struct ms_step *s = &p->steps[r->d.step];

		what = s->kind == MS_STEP_CALL ? ms_call_desc[s->call].name :
		       s->kind == MS_STEP_EXPECT ? "expect" :
		       s->kind == MS_STEP_FORK	 ? "fork" :
		       s->kind == MS_STEP_END	 ? "end" :
						   "exec";
	}
	if (i >= 0 && i < r->kt.nout)
		a = &r->kt.out[i];
	if (i >= 0 && i < r->mt.nout)
		b = &r->mt.out[i];
	if (a && b && a->kind == MS_OUT_PAGES && b->kind == MS_OUT_PAGES) {
		size_t n = strcspn(r->d.what, " ");

		/* "VMA boundaries of ...", "seal of ...": the attribute. */
		if (strncmp(r->d.what, "VMA ", 4) == 0)
			n = strlen("VMA boundaries");
		snprintf(r->sig, sizeof(r->sig), "%s: %.*s%s", what, (int)n,
			 r->d.what, a->name >= 0 ? "" : " (expect)");
		return;
	}
	if (a && b && a->step == b->step && a->kind != MS_OUT_PAGES &&
	    b->kind != MS_OUT_PAGES) {
		result_word(a, ka, sizeof(ka));
		result_word(b, mb, sizeof(mb));
		if (strcmp(ka, mb) == 0)	/* values: both succeeded */
			snprintf(r->sig, sizeof(r->sig),
				 "%s: kernel and model return other values",
				 what);
		else
			snprintf(r->sig, sizeof(r->sig),
				 "%s: kernel %s, model %s", what, ka, mb);
		return;
	}
	snprintf(r->sig, sizeof(r->sig), "%s: %.*s", what,
		 (int)strcspn(r->d.what, "(:"), r->d.what);
}

int ms_fuzz_run(const struct ms_fuzz_env *e, const struct ms_program *p,
		struct ms_fuzz_result *r)
{
	struct ms_model_opts mo = {
		.profile = e->profile,
		.snapshots = e->ko.snapshots,
		.features = e->ki->features,
		.flip_switches = e->flip_switches,
	};
	int err;

	memset(r, 0, sizeof(*r));
	ms_trace_init(&r->kt);
	ms_trace_init(&r->mt);
	r->d.step = r->d.index = -1;
	err = ms_kernel_run(p, e->ki, &e->ko, &r->kt);
	if (err)
		return err;
	if (r->kt.end != MS_END_DONE) {
		r->status = MS_FUZZ_NOT_RUN;
		return 0;
	}
	mo.lockstep = &r->kt;
	err = ms_model_run(p, &mo, &r->mt);
	if (err)
		return err;
	if (ms_trace_diff(p, &r->kt, &r->mt, &r->d)) {
		r->status = MS_FUZZ_DIFFER;
		signature(p, r);
	}
	return 0;
}

void ms_fuzz_result_free(struct ms_fuzz_result *r)
{
	ms_trace_free(&r->kt);
	ms_trace_free(&r->mt);
}

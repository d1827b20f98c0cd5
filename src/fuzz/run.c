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
#include "kernel/executor.h"

static long confirmed, unconfirmed;

void ms_fuzz_exec_stats(struct ms_fuzz_exec_stats *s)
{
	struct ms__executor_stats x;

	ms__executor_get_stats(&x);
	memset(s, 0, sizeof(*s));
	s->executor = x.programs;
	s->refused = x.refused;
	s->failed = x.crashed + x.hung + x.broken;
	s->processes = x.processes;
	s->recycled = x.recycled;
	s->confirmed = confirmed;
	s->unconfirmed = unconfirmed;
	s->call_ns = x.call_ns;
	s->run_ns = x.run_ns;
}

void ms_fuzz_exec_stop(void)
{
	ms__executor_stop();
}

void ms_fuzz_exec_interrupt(void)
{
	ms__executor_interrupt();
}

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

/*
 * What the step's address argument hits, as the kernel's last snapshot of
 * its name before the difference shows it: "anon", "shared anon", "file",
 * "shared file", "special", "hole", or "" when it cannot tell.
 */
static const char *target_kind(const struct ms_program *p,
			       const struct ms_fuzz_result *r)
{
	const struct ms_step *s = &p->steps[r->d.step];
	const struct ms_expr *e;
	const struct ms_term *t;
	const struct ms_outcome *snap = NULL;
	int64_t off = 0;
	int name;

	if (s->kind != MS_STEP_CALL || s->nargs < 1 ||
	    s->args[0].kind != MS_ARG_EXPR)
		return "";
	if (s->call == MS_CALL_SHMAT)
		return "";
	e = &s->args[0].expr;
	t = ms_expr_terms(p, e);
	if (!t || e->nterms < 1 || t[0].kind != MS_TERM_NAME)
		return "";
	name = t[0].name;
	for (int k = 1; k < e->nterms; k++) {
		if (t[k].kind != MS_TERM_PAGES)
			return "";
		off += t[k].op == '-' ? -t[k].num : t[k].num;
	}
	for (int k = 0; k < r->d.index && k < r->kt.nout; k++) {
		const struct ms_outcome *o = &r->kt.out[k];

		if (o->kind == MS_OUT_PAGES && o->name == name &&
		    o->step < r->d.step)
			snap = o;
	}
	if (!snap || off < 0 || off >= snap->npages)
		return "";
	if (!snap->pages[off].mapped)
		return "hole";
	switch (snap->pages[off].backing) {
	case MS_BACK_FILE:
		return snap->pages[off].shared ? "shared file" : "file";
	case MS_BACK_SPECIAL:
		return "special";
	default:
		return snap->pages[off].shared ? "shared anon" : "anon";
	}
}

/*
 * For contents: how the first differing page differs, by class (zero,
 * a letter, unreadable), never by letter.
 */
static const char *data_detail(const struct ms_outcome *a,
			       const struct ms_outcome *b)
{
	for (int i = 0; i < a->npages && i < b->npages; i++) {
		char x = a->pages[i].data, y = b->pages[i].data;

		if (x == y || x == '?' || y == '?' || x == '.' || y == '.' ||
		    x == MS_DATA_UNOBSERVABLE || y == MS_DATA_UNOBSERVABLE)
			continue;
		if (x == '0' && y != '!')
			return ", kernel zero, model contents";
		if (y == '0' && x != '!')
			return ", kernel contents, model zero";
		if (x == '!' || y == '!')
			return ", unreadable on one side";
		return ", other contents";
	}
	return "";
}

static void signature_of(const struct ms_program *p,
			 struct ms_fuzz_result *r)
{
	const struct ms_outcome *a = NULL, *b = NULL;
	const char *what = "end";
	char ka[32], mb[32], whatbuf[96];
	int i = r->d.index;

	if (r->d.step >= 0 && r->d.step < p->nsteps) {
		const struct ms_step *s = &p->steps[r->d.step];

		const char *on = target_kind(p, r);

		char adv[MS_NAME_MAX + 2] = "";

		/* Advice decides most of madvise: name it. */
		if (s->kind == MS_STEP_CALL &&
		    (s->call == MS_CALL_MADVISE ||
		     s->call == MS_CALL_PROCESS_MADVISE) &&
		    s->nargs > 2 && s->args[2].kind == MS_ARG_EXPR &&
		    s->args[2].expr.nterms == 1 &&
		    ms_expr_terms(p, &s->args[2].expr)[0].kind == MS_TERM_SYM)
			snprintf(adv, sizeof(adv), "(%s)",
				 ms_text(p, ms_expr_terms(p, &s->args[2].expr)
						    [0].text));
		snprintf(whatbuf, sizeof(whatbuf), "%s%s%s%s",
			 s->kind == MS_STEP_CALL ? ms_call_desc[s->call].name :
			 s->kind == MS_STEP_EXPECT ? "expect" :
			 s->kind == MS_STEP_FORK   ? "fork" :
			 s->kind == MS_STEP_END	   ? "end" :
						     "exec",
			 adv, *on ? " on " : "", on);
		what = whatbuf;
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
		snprintf(r->sig, sizeof(r->sig), "%s: %.*s%s%s", what, (int)n,
			 r->d.what, a->name >= 0 ? "" : " (expect)",
			 data_detail(a, b));
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

/*
 * What in the program, before the difference, the known differences
 * depend on: " [SysV]" when it attaches a SysV segment, " [vDSO moved]"
 * when it mremaps the vDSO, " [guard]" when it installs guard markers,
 * " [DONTUNMAP]" when it moves with MREMAP_DONTUNMAP,
 * " [GROWSDOWN+FOLL_FORCE]" when it maps MAP_GROWSDOWN and writes with
 * proc_mem_write.
 */
static void context(const struct ms_program *p, int upto, char *buf,
		    size_t n)
{
	bool sysv = false, vdso_moved = false, guard = false, dontunmap = false;
	bool growsdown = false, force = false;
	int vdso = -1;

	for (int i = 0; i <= upto && i < p->nsteps; i++) {
		const struct ms_step *s = &p->steps[i];

		if (s->kind != MS_STEP_CALL)
			continue;
		if (s->call == MS_CALL_SHMAT)
			sysv = true;
		if (s->call == MS_CALL_PROC_MEM_WRITE)
			force = true;
		if (s->call == MS_CALL_MMAP && s->nargs > 3 &&
		    s->args[3].kind == MS_ARG_EXPR)
			for (int k = 0; k < s->args[3].expr.nterms; k++)
				growsdown |= !strcmp(
					ms_text(p, ms_expr_terms(
						p, &s->args[3].expr)[k].text),
					"MAP_GROWSDOWN");
		if ((s->call == MS_CALL_MADVISE ||
		     s->call == MS_CALL_PROCESS_MADVISE) &&
		    s->nargs > 2 && s->args[2].kind == MS_ARG_EXPR &&
		    ms_expr_terms(p, &s->args[2].expr)[0].kind ==
			    MS_TERM_SYM &&
		    !strcmp(ms_text(p, ms_expr_terms(p, &s->args[2].expr)
						[0].text),
			    "MADV_GUARD_INSTALL"))
			guard = true;
		if (s->call == MS_CALL_VDSO)
			vdso = s->bind;
		if (s->call == MS_CALL_MREMAP && s->nargs > 3 &&
		    s->args[3].kind == MS_ARG_EXPR)
			for (int k = 0; k < s->args[3].expr.nterms; k++)
				dontunmap |= !strcmp(
					ms_text(p, ms_expr_terms(
						p, &s->args[3].expr)[k].text),
					"MREMAP_DONTUNMAP");
		if (s->call == MS_CALL_MREMAP && vdso >= 0 &&
		    s->args[0].kind == MS_ARG_EXPR &&
		    ms_expr_terms(p, &s->args[0].expr)[0].kind ==
			    MS_TERM_NAME &&
		    ms_expr_terms(p, &s->args[0].expr)[0].name == vdso)
			vdso_moved = true;
	}
	snprintf(buf, n, "%s%s%s%s%s", sysv ? " [SysV]" : "",
		 vdso_moved ? " [vDSO moved]" : "", guard ? " [guard]" : "",
		 dontunmap ? " [DONTUNMAP]" : "",
		 growsdown && force ? " [GROWSDOWN+FOLL_FORCE]" : "");
}

static void signature(const struct ms_program *p, struct ms_fuzz_result *r)
{
	char ctx[96];
	size_t len;

	signature_of(p, r);
	context(p, r->d.step, ctx, sizeof(ctx));
	len = strlen(r->sig);
	snprintf(r->sig + len, sizeof(r->sig) - len, "%s", ctx);
}

static int run_once(const struct ms_fuzz_env *e, const struct ms_program *p,
		    struct ms_fuzz_result *r, bool executor, bool *judged);

/*
 * A difference the executor found is confirmed in a scenario process of
 * its own, with every snapshot, and that run's result is the one
 * returned: a difference that only a long-lived process shows is no
 * finding (counted as unconfirmed).
 */
int ms_fuzz_run(const struct ms_fuzz_env *e, const struct ms_program *p,
		struct ms_fuzz_result *r)
{
	struct ms_fuzz_env full;
	bool judged = false;
	int err;

	full = *e;
	full.fast = false;
	if (e->fast)
		full.ko.snapshots = false;
	err = run_once(&full, p, r, e->executor, &judged);
	if (err || r->status != MS_FUZZ_DIFFER || (!e->fast && !judged))
		return err;
	/* Confirmed, and described, with every snapshot. */
	ms_fuzz_result_free(r);
	full.ko.snapshots = true;
	err = run_once(&full, p, r, false, NULL);
	if (!err && judged) {
		if (r->status == MS_FUZZ_DIFFER)
			confirmed++;
		else
			unconfirmed++;
	}
	return err;
}

/* The kernel's trace: in the executor when asked and it can judge p. */
static int kernel_run(const struct ms_fuzz_env *e, const struct ms_program *p,
		      struct ms_trace *t, bool executor, bool *judged)
{
	if (executor) {
		int got = ms__executor_run(p, e->ki, &e->ko, e->time_calls, t);

		if (got <= 0) {
			if (judged)
				*judged = got == 0;
			return got;
		}
	}
	return ms_kernel_run(p, e->ki, &e->ko, t);
}

static int run_once(const struct ms_fuzz_env *e, const struct ms_program *p,
		    struct ms_fuzz_result *r, bool executor, bool *judged)
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
	err = kernel_run(e, p, &r->kt, executor, judged);
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

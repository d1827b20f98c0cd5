// SPDX-License-Identifier: MIT
/*
 * The read-only inspection the coverage command relies on: ms_mm_vma_find()
 * (bounds, protection, seal and kind of each VMA) and the model target's
 * before_call hook (called once per call step, before the call, with the
 * evaluated arguments and the address space as it was).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "check.h"
#include "compat.h"
#include "sealspec-model.h"
#include "sealspec.h"

#include "model_util.h"

/*  0 1 2 3 4 5 6 7 8 9
 *  a a s f . r g . S S    a: private anon rw, s: shared anon, f: shared
 *                         memfd, r: memfd reopened O_RDONLY, g: GROWSDOWN,
 *                         S: private anon r-, sealed */
static void test_vma_find(void)
{
	struct ms_mm *mm = mk(MS_PROFILE_LINUX);
	uint64_t b = 0x200000000000ULL;
	struct ms_file *f, *ro;
	struct ms_vma_info v;

	CHECK_INT(ms_file_memfd(mm, P(4), "", &f), 0);
	CHECK_INT(ms_file_reopen(f, false, &ro), 0);
	CALL(mm, ms_mmap(mm, b, P(2), RW, ANON | MAP_FIXED, NULL, 0),
	     (int64_t)b);
	CALL(mm, ms_mmap(mm, b + P(2), P(1), RW,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, NULL, 0),
	     (int64_t)(b + P(2)));
	CALL(mm, ms_mmap(mm, b + P(3), P(1), RW, MAP_SHARED | MAP_FIXED, f, 0),
	     (int64_t)(b + P(3)));
	CALL(mm, ms_mmap(mm, b + P(5), P(1), PROT_READ,
			 MAP_PRIVATE | MAP_FIXED, ro, 0),
	     (int64_t)(b + P(5)));
	CALL(mm, ms_mmap(mm, b + P(6), P(1), RW,
			 ANON | MAP_GROWSDOWN | MAP_FIXED, NULL, 0),
	     (int64_t)(b + P(6)));
	CALL(mm, ms_mmap(mm, b + P(8), P(2), PROT_READ, ANON | MAP_FIXED,
			 NULL, 0),
	     (int64_t)(b + P(8)));
	CALL(mm, ms_mseal(mm, b + P(8), P(2), 0), 0);

	CHECK_INT(ms_mm_vma_find(mm, b + P(1), &v), 0);
	CHECK_INT(v.start, b);
	CHECK_INT(v.end, b + P(2));
	CHECK_INT(v.kind, MS_VMA_ANON_PRIVATE);
	CHECK_INT(v.prot, RW);
	CHECK_INT(v.sealed, 0);
	CHECK_INT(ms_mm_vma_find(mm, v.end, &v), 0);
	CHECK_INT(v.kind, MS_VMA_ANON_SHARED);
	CHECK_INT(ms_mm_vma_find(mm, v.end, &v), 0);
	CHECK_INT(v.kind, MS_VMA_FILE_SHARED);
	/* find_vma(): the hole at 4 gives the VMA after it. */
	CHECK_INT(ms_mm_vma_find(mm, b + P(4), &v), 0);
	CHECK_INT(v.start, b + P(5));
	CHECK_INT(v.kind, MS_VMA_FILE_RDONLY);
	CHECK_INT(v.prot, PROT_READ);
	CHECK_INT(ms_mm_vma_find(mm, v.end, &v), 0);
	CHECK_INT(v.kind, MS_VMA_GROWSDOWN);
	CHECK_INT(ms_mm_vma_find(mm, v.end, &v), 0);
	CHECK_INT(v.start, b + P(8));
	CHECK_INT(v.kind, MS_VMA_ANON_PRIVATE);
	CHECK_INT(v.sealed, 1);
	CHECK_INT(ms_mm_vma_find(mm, b + P(10), &v), -ENOENT);
	ms_file_put(ro);
	ms_file_put(f);
	ms_mm_free(mm);
}

struct seen {
	int calls;
	int step[8];
	int64_t len[8];
	int sealed_at_mprotect;	/* the hook sees the state before it */
};

static void hook(void *ctx, const struct ms_mm *mm, const struct ms_program *p,
		 int step, const int64_t *args)
{
	struct seen *s = ctx;
	struct ms_vma_info v;

	if (s->calls < 8) {
		s->step[s->calls] = step;
		s->len[s->calls] = args[1];
	}
	s->calls++;
	if (p->steps[step].call == MS_CALL_MPROTECT &&
	    ms_mm_vma_find(mm, (uint64_t)args[0], &v) == 0)
		s->sealed_at_mprotect = v.sealed;
}

static void test_before_call(void)
{
	static const char src[] =
		"purpose  the hook\n"
		"rules    G1\n"
		"\n"
		"a = mmap(0, 2p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		"expect a seal \"--\"\n"
		"mseal(a, 2p, 0)                        => 0\n"
		"mprotect(a+1p, 1p, PROT_NONE)          => EPERM\n";
	struct seen s = { 0 };
	struct ms_model_opts o = { .profile = MS_PROFILE_LINUX };
	struct ms_program p;
	struct ms_diag d;
	struct ms_trace t;

	memset(&p, 0, sizeof(p));
	CHECK_INT(ms_parse("hook.scn", src, strlen(src), &p, &d), 0);
	o.features = ms_model_features(o.profile);
	o.before_call = hook;
	o.ctx = &s;
	ms_trace_init(&t);
	CHECK_INT(ms_model_run(&p, &o, &t), 0);
	CHECK_INT(t.end, MS_END_DONE);
	/* Three call steps; the expect step is not a call. */
	CHECK_INT(s.calls, 3);
	CHECK_INT(s.len[0], P(2));
	CHECK_INT(s.len[1], P(2));
	CHECK_INT(s.len[2], P(1));
	CHECK_INT(p.steps[s.step[2]].call, MS_CALL_MPROTECT);
	CHECK_INT(s.sealed_at_mprotect, 1);
	ms_trace_free(&t);
	ms_program_free(&p);
}

int main(void)
{
	test_vma_find();
	test_before_call();
	return check_report();
}

// SPDX-License-Identifier: MIT
/*
 * The fuzzer's executor (src/kernel/executor.c) against the scenario
 * process it stands in for: the same traces for generated programs and
 * for the catalog's, with and without snapshots; which programs it
 * refuses; that it is replaced after a program that used the vDSO, and
 * that sealed leftovers stay out of later programs' way; and that a
 * program that hangs or crashes it mid-way is judged in a scenario
 * process instead, with nothing left behind.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include "check.h"
#include "kernel/executor.h"
#include "kernel/kernel.h"
#include "sealspec-fuzz.h"

static struct ms_kernel_info ki;

/* ---- comparing two kernels' traces ------------------------------------ */

/*
 * The regions the kernel placed outside the arena (a MREMAP_MAYMOVE
 * result, the vDSO) lie where each process had room: among the
 * executor's mappings or a scenario process's.  Name each such address by
 * the region it falls in, in order of first appearance, and its offset
 * there, so that two runs that did the same compare equal.
 */
struct regions {
	int n;
	uint64_t base[64];
};

static bool in_arena(uint64_t a)
{
	return a >= MS__ARENA_BASE - (1ULL << 30) &&
	       a < MS__ARENA_BASE + MS__ARENA_SIZE;
}

static void rename_addr(struct regions *r, uint64_t *a, bool is_base)
{
	int best = -1;

	if (in_arena(*a) || *a == 0)
		return;
	if (is_base && r->n < 64) {
		bool seen = false;

		for (int i = 0; i < r->n; i++)
			seen |= r->base[i] == *a;
		if (!seen)
			r->base[r->n++] = *a;
	}
	for (int i = 0; i < r->n; i++)
		if (r->base[i] <= *a && *a - r->base[i] < (1ULL << 32) &&
		    (best < 0 || r->base[i] > r->base[best]))
			best = i;
	if (best >= 0)
		*a = (0x7000ULL + (uint64_t)best) << 32 | (*a - r->base[best]);
}

static void normalise(const struct ms_program *p, struct ms_trace *t)
{
	struct regions r = { 0 };

	for (int i = 0; i < t->nout; i++) {
		struct ms_outcome *o = &t->out[i];
		const struct ms_step *s = &p->steps[o->step];

		if (o->kind == MS_OUT_RET && o->ret > 0 &&
		    s->kind == MS_STEP_CALL &&
		    ms_call_desc[s->call].ret == MS_RET_ADDR)
			rename_addr(&r, (uint64_t *)&o->ret, true);
		else if (o->kind == MS_OUT_FAULT)
			rename_addr(&r, &o->fault_addr, false);
		else if (o->kind == MS_OUT_PAGES)
			rename_addr(&r, &o->addr, false);
	}
}

static int runs, differ, refused;

/*
 * p in the executor and in a scenario process: the traces agree (after
 * renaming the kernel's own placements).  false when the executor
 * refused p.
 */
static bool compare(const struct ms_program *p, bool snapshots,
		    const char *what)
{
	struct ms_kernel_opts ko = { .timeout_ms = 10000,
				     .snapshots = snapshots };
	struct ms_trace a, b;
	struct ms_trace_diff d;
	int got;

	ms_trace_init(&a);
	ms_trace_init(&b);
	got = ms__executor_run(p, &ki, &ko, false, &a);
	if (got == 1) {
		refused++;
		ms_trace_free(&a);
		return false;
	}
	CHECK_INT(got, 0);
	CHECK_INT(ms_kernel_run(p, &ki, &ko, &b), 0);
	runs++;
	normalise(p, &a);
	normalise(p, &b);
	if (ms_trace_diff(p, &b, &a, &d)) {
		differ++;
		CHECK(0, "%s (%s): the executor differs from a scenario "
		      "process at step %d: %s", what, snapshots ? "snapshots" :
		      "fast", d.step >= 0 ? ms_step_number(p, d.step) : -1,
		      d.what);
	}
	ms_trace_free(&a);
	ms_trace_free(&b);
	return true;
}

/* ---- the same traces ------------------------------------------------ */

static void test_generated(void)
{
	int eligible = 0;

	runs = differ = refused = 0;
	for (int i = 0; i < 300; i++) {
		struct ms_fuzz_gen_opts go = {
			.seed = 11, .index = (uint64_t)i,
			.features = ki.features, .profile = ki.detected,
			.max_steps = 12,
		};
		struct ms_program p;
		char what[64];

		if (ms_fuzz_generate(&go, &p))
			continue;
		snprintf(what, sizeof(what), "generated program %d", i);
		{
			bool recycle;

			if (!ms__executor_refuses(&p, ki.page_size, &recycle))
				eligible++;
		}
		compare(&p, i % 2 == 0, what);
		ms_program_free(&p);
	}
	printf("# generated: %d compared, %d differ, %d refused\n", runs,
	       differ, refused);
	/*
	 * Programs with process-wide calls (brk, aio, userfaultfd, ...) go
	 * to a scenario process; every other one is compared, and they are
	 * most of what the generator makes.
	 */
	CHECK(runs == eligible, "%d generated programs compared, %d the "
	      "executor takes", runs, eligible);
	CHECK(eligible >= 150, "only %d of 300 generated programs are the "
	      "executor's", eligible);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) &&
	    fread(buf, 1, (size_t)n, f) == (size_t)n) {
		buf[n] = '\0';
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/*
 * The catalog's scenarios the executor takes, each variant with every
 * snapshot.  The catalog itself always runs in scenario processes; this
 * is the executor judged on programs written by hand.
 */
static void test_catalog(void)
{
	struct dirent **ents;
	int n = scandir("cases", &ents, NULL, by_name), cases = 0;

	if (n < 0) {
		printf("# no cases/ here: catalog comparison not run\n");
		CHECK(0, "cases/ not found (run from the source tree)");
		return;
	}
	runs = differ = refused = 0;
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		size_t len = strlen(name), tlen;
		struct ms_program t;
		struct ms_diag diag;
		char path[512], *text;

		if (len < 5 || strcmp(name + len - 4, ".scn") != 0)
			goto next;
		snprintf(path, sizeof(path), "cases/%s", name);
		text = slurp(path, &tlen);
		memset(&t, 0, sizeof(t));
		if (!text || ms_parse(path, text, tlen, &t, &diag) < 0) {
			CHECK(0, "%s does not parse", path);
			free(text);
			goto next;
		}
		free(text);
		for (int row = 0; row < ms_variant_count(&t); row++) {
			struct ms_program p;
			char what[600];

			memset(&p, 0, sizeof(p));
			if (ms_instantiate(&t, row, &p, &diag))
				continue;
			snprintf(what, sizeof(what), "%s row %d", path, row);
			if (compare(&p, true, what))
				cases++;
			ms_program_free(&p);
		}
		ms_program_free(&t);
next:
		free(ents[i]);
	}
	free(ents);
	printf("# catalog: %d variants compared, %d differ, %d refused\n",
	       runs, differ, refused);
	CHECK(cases >= 200, "only %d catalog variants compared", cases);
}

/* ---- which programs, and recycling ---------------------------------- */

static int parse(const char *text, struct ms_program *p)
{
	struct ms_diag d;
	int err = ms_parse("test.scn", text, strlen(text), p, &d);

	if (err < 0)
		printf("# parse: %d:%d: %s\n", d.loc.line, d.loc.col, d.msg);
	return err;
}

static const char *refusal(const char *text, bool *recycle)
{
	static char why[64];
	struct ms_program p;
	const char *w;

	*recycle = false;
	if (parse(text, &p) < 0)
		return "(does not parse)";
	w = ms__executor_refuses(&p, ki.page_size, recycle);
	snprintf(why, sizeof(why), "%s", w ? w : "(taken)");
	ms_program_free(&p);
	return why;
}

#define HEAD "purpose t\nrules G1\n"
#define ANON "a = mmap(0, 2p, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)\n"

static void test_refusals(void)
{
	bool rc;

	CHECK_STR(refusal(HEAD ANON "mseal(a, 2p, 0) => 0\n", &rc), "(taken)");
	CHECK(!rc, "a plain program recycles the executor");
	CHECK_STR(refusal(HEAD ANON "fork\n\tmunmap(a, 1p) => 0\nend\n", &rc),
		  "(taken)");
	CHECK_STR(refusal(HEAD "h = brk(0)\n", &rc), "brk");
	CHECK_STR(refusal(HEAD "mlockall(MCL_CURRENT) => 0\n", &rc),
		  "mlockall");
	CHECK_STR(refusal(HEAD ANON "uffd_register(a, 1p) => 0\n", &rc),
		  "uffd_register");
	CHECK_STR(refusal(HEAD "k = pkey_alloc(0, 0)\n", &rc), "pkey_alloc");
	CHECK_STR(refusal(HEAD "x = io_setup(1)\n", &rc), "io_setup");
	CHECK_STR(refusal(HEAD "sealed_vmas() => 0\n", &rc), "sealed_vmas");
	CHECK_STR(refusal(HEAD ANON "exec\n", &rc), "exec");
	/* Far from the arena: an absolute address, a huge length. */
	CHECK_STR(refusal(HEAD "munmap(0x1000, 0x7fffffffe000) => 0\n", &rc),
		  "reaches beyond its window");
	CHECK_STR(refusal(HEAD "a = mmap(0, 200000p, PROT_READ, "
			       "MAP_PRIVATE|MAP_ANONYMOUS)\n", &rc),
		  "reaches beyond its window");
	/* The vDSO: looked at, kept; changed, the executor goes after. */
	CHECK_STR(refusal(HEAD "v = vdso()\nread(v, 1p) => 0\n", &rc),
		  "(taken)");
	CHECK(!rc, "reading the vDSO recycles the executor");
	CHECK_STR(refusal(HEAD "v = vdso()\nmseal(v, 1p, 0) => 0\n", &rc),
		  "(taken)");
	CHECK(rc, "sealing the vDSO does not recycle the executor");
}

static int run_text(const char *text, struct ms_trace *t)
{
	struct ms_kernel_opts ko = { .timeout_ms = 1000 };
	struct ms_program p;
	int got;

	ms_trace_init(t);
	if (parse(text, &p) < 0)
		return -EINVAL;
	got = ms__executor_run(&p, &ki, &ko, false, t);
	ms_program_free(&p);
	return got;
}

static void test_recycling(void)
{
	struct ms__executor_stats s0, s1;
	struct ms_trace t;
	pid_t pid;

	CHECK_INT(run_text(HEAD ANON "mseal(a, 2p, 0) => 0\n", &t), 0);
	ms_trace_free(&t);
	pid = ms__executor_pid();
	CHECK(pid > 0, "no executor runs");
	ms__executor_get_stats(&s0);

	/* Sealed memory stays behind; the next program still gets an empty
	 * window, at the arena's addresses. */
	CHECK_INT(run_text(HEAD ANON "mseal(a, 1p, 0) => 0\n"
			   "b = mmap(0, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
			   "mseal(b, 1p, 0) => 0\n", &t), 0);
	CHECK_INT(t.end, MS_END_DONE);
	CHECK(t.nout >= 1 && t.out[0].ret == (int64_t)MS__ARENA_BASE,
	      "the first mapping is at 0x%llx, not at the arena's base",
	      t.nout ? (unsigned long long)t.out[0].ret : 0ULL);
	ms_trace_free(&t);
	CHECK_INT(run_text(HEAD ANON "munmap(a, 2p) => 0\n"
			   "expect a vmas \"..\"\n", &t), 0);
	CHECK_INT(t.end, MS_END_DONE);
	ms_trace_free(&t);
	CHECK_INT(ms__executor_pid(), pid);
	ms__executor_get_stats(&s1);
	CHECK(s1.leftover_vmas > s0.leftover_vmas,
	      "no sealed VMA was left over (%ld, before %ld)",
	      s1.leftover_vmas, s0.leftover_vmas);

	/* After a program that sealed the vDSO, another executor. */
	CHECK_INT(run_text(HEAD "v = vdso()\nmseal(v, 1p, 0) => 0\n", &t), 0);
	ms_trace_free(&t);
	CHECK_INT(run_text(HEAD "v = vdso()\nexpect v seal \"-\"\n", &t), 0);
	CHECK_INT(t.end, MS_END_DONE);
	CHECK(t.nout >= 2 && t.out[1].kind == MS_OUT_PAGES &&
		      t.out[1].pages[0].mapped && !t.out[1].pages[0].sealed,
	      "the next program sees a sealed vDSO");
	ms_trace_free(&t);
	CHECK(ms__executor_pid() != pid, "the executor was not replaced");
	CHECK(kill(pid, 0) < 0 && errno == ESRCH,
	      "the replaced executor %d is still there", (int)pid);
	ms__executor_get_stats(&s1);
	CHECK(s1.recycled_vdso >= s0.recycled_vdso + 1,
	      "recycled after the vDSO: %ld times", s1.recycled_vdso);
}

/* ---- hangs and crashes mid-program ----------------------------------- */

/* SysV segments made by pid that still exist. */
static int segments_of(pid_t pid)
{
	struct shm_info info;
	int max = shmctl(0, SHM_INFO, (struct shmid_ds *)&info), n = 0;

	for (int i = 0; i <= max; i++) {
		struct shmid_ds ds;

		if (shmctl(i, SHM_STAT, &ds) >= 0 && ds.shm_cpid == pid)
			n++;
	}
	return n;
}

static void test_hang_and_crash(void)
{
	struct ms_fuzz_env e = {
		.ki = &ki, .ko = { .timeout_ms = 1000 },
		.profile = ki.detected, .fast = true, .executor = true,
	};
	struct ms_fuzz_exec_stats x0, x1;
	struct ms_fuzz_result r;
	struct ms_program p;
	struct ms_trace t;
	pid_t pid;
	int64_t t0;

	ms__executor_take_anything = true;
	CHECK_INT(run_text(HEAD ANON "munmap(a, 1p) => 0\n", &t), 0);
	ms_trace_free(&t);
	pid = ms__executor_pid();
	ms_fuzz_exec_stats(&x0);

	/* A hang at step 4, after a SysV segment was made. */
	CHECK_INT(parse(HEAD "s = shmget(1p)\n" ANON
			"uffd_register(a, 1p) => 0\n"
			"read(a, 1p) => 0\n", &p), 0);
	t0 = ms__now_ms();
	CHECK_INT(ms_fuzz_run(&e, &p, &r), 0);
	/* The scenario process hung too: not run, no verdict. */
	CHECK_INT(r.status, MS_FUZZ_NOT_RUN);
	CHECK(r.kt.timed_out, "the scenario process did not time out: %s",
	      r.kt.reason);
	CHECK(ms__now_ms() - t0 < 8000, "the hang took %lld ms",
	      (long long)(ms__now_ms() - t0));
	ms_fuzz_result_free(&r);
	ms_program_free(&p);
	ms_fuzz_exec_stats(&x1);
	CHECK_INT(x1.failed, x0.failed + 1);
	CHECK(kill(pid, 0) < 0 && errno == ESRCH,
	      "the hung executor %d is still there", (int)pid);
	CHECK_INT(segments_of(pid), 0);

	/* A crash at step 2. */
	CHECK_INT(parse(HEAD ANON "munmap(0x1000, 0x7fffffffe000) => 0\n",
			&p), 0);
	CHECK_INT(ms_fuzz_run(&e, &p, &r), 0);
	CHECK_INT(r.status, MS_FUZZ_NOT_RUN);
	CHECK(strstr(r.kt.reason, "SIGSEGV") != NULL,
	      "the scenario process's end: %s", r.kt.reason);
	ms_fuzz_result_free(&r);
	ms_program_free(&p);
	ms_fuzz_exec_stats(&x0);
	CHECK_INT(x0.failed, x1.failed + 1);
	ms__executor_take_anything = false;

	/* And the next program runs in a new executor. */
	CHECK_INT(run_text(HEAD ANON "mseal(a, 2p, 0) => 0\n", &t), 0);
	CHECK_INT(t.end, MS_END_DONE);
	CHECK(ms__executor_pid() > 0 && ms__executor_pid() != pid,
	      "no new executor");
	ms_trace_free(&t);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], MS_EXEC_ARGV1) == 0)
		ms_kernel_exec_resume(argc, argv);
	setvbuf(stdout, NULL, _IONBF, 0);
	if (ms_kernel_probe(&ki) || !ki.has_mseal) {
		printf("# no mseal here: the executor is not tested\n");
		return check_report();
	}
	test_refusals();
	test_recycling();
	test_hang_and_crash();
	test_generated();
	test_catalog();
	ms__executor_stop();
	ms_kernel_stop();
	return check_report();
}

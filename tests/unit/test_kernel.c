// SPDX-License-Identifier: MIT
/*
 * The kernel target on the running kernel: probes, page-state observation
 * and scenario runs with exact outcomes, including crashes, hangs, fork,
 * exec and the FOLL_FORCE paths.  Written for 6.18 on x86_64; the checks
 * that depend on this machine say so.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "compat.h"
#include "kernel/kernel.h"
#include "sealspec.h"

#define ARENA 0x200000000000ULL

static struct ms_kernel_info ki;
static long ps;

/* ---- helpers ----------------------------------------------------------- */

static int parse(const char *text, struct ms_program *p)
{
	struct ms_diag d;
	int err = ms_parse("test.scn", text, strlen(text), p, &d);

	if (err < 0)
		printf("# parse: %s:%d:%d: %s\n", d.loc.file ? d.loc.file : "?",
		       d.loc.line, d.loc.col, d.msg);
	return err;
}

/* Parses and runs text on a kernel described by k. */
static int run_on(const struct ms_kernel_info *k, const char *text,
		  int timeout_ms, bool snapshots, struct ms_program *p,
		  struct ms_trace *t)
{
	struct ms_kernel_opts o = { .timeout_ms = timeout_ms,
				    .snapshots = snapshots };
	int err = parse(text, p);

	ms_trace_init(t);
	if (err < 0)
		return err;
	return ms_kernel_run(p, k, &o, t);
}

/* Parses and runs text; the program stays in *p for line lookups. */
static int run(const char *text, int timeout_ms, bool snapshots,
	       struct ms_program *p, struct ms_trace *t)
{
	return run_on(&ki, text, timeout_ms, snapshots, p, t);
}

/* The first outcome of the step on `line`, from the process at depth. */
static const struct ms_outcome *at(const struct ms_program *p,
				   const struct ms_trace *t, int line,
				   int depth)
{
	for (int i = 0; i < t->nout; i++) {
		const struct ms_outcome *o = &t->out[i];

		if (o->step >= 0 && o->step < p->nsteps &&
		    p->steps[o->step].loc.line == line &&
		    o->pid_depth == depth && o->name == -1)
			return o;
	}
	return NULL;
}

static int64_t ret_at(const struct ms_program *p, const struct ms_trace *t,
		      int line, int depth)
{
	const struct ms_outcome *o = at(p, t, line, depth);

	if (!o)
		return INT64_MIN;
	if (o->kind != MS_OUT_RET)
		return INT64_MIN + 1;
	return o->ret;
}

/* One character per page of an observation: f picks the attribute. */
static const char *grid(const struct ms_outcome *o, char (*f)(const struct ms_page *))
{
	static char buf[MS_GRID_MAX + 1];
	int n = 0;

	if (!o || o->kind != MS_OUT_PAGES)
		return "(no observation)";
	for (; n < o->npages; n++)
		buf[n] = f(&o->pages[n]);
	buf[n] = '\0';
	return buf;
}

static char seal_of(const struct ms_page *pg)
{
	return !pg->mapped ? '.' : pg->sealed ? 'S' : '-';
}

static char data_of(const struct ms_page *pg)
{
	return pg->data;
}

static char prot_of(const struct ms_page *pg)
{
	/* r: read-only, w: read-write, n: none */
	if (!pg->mapped)
		return '.';
	if (pg->prot & PROT_WRITE)
		return 'w';
	return pg->prot & PROT_READ ? 'r' : 'n';
}

static char lock_of(const struct ms_page *pg)
{
	if (!pg->mapped)
		return '.';
	return pg->lock & MS_LOCK_ONFAULT ? 'F' :
	       pg->lock & MS_LOCK_LOCKED  ? 'L' : '-';
}

static char inherit_of(const struct ms_page *pg)
{
	if (!pg->mapped)
		return '.';
	return pg->inherit & MS_INHERIT_DONTFORK   ? 'D' :
	       pg->inherit & MS_INHERIT_WIPEONFORK ? 'W' : '-';
}

static char guard_of(const struct ms_page *pg)
{
	return !pg->mapped ? '.' : pg->guard ? 'G' : '-';
}

static char back_of(const struct ms_page *pg)
{
	static const char c[] = { '.', 'a', 'f', 'x' };

	return pg->backing < 4 ? c[pg->backing] : '?';
}

/* "aabb": a new letter at every VMA boundary. */
static const char *vmas(const struct ms_outcome *o)
{
	static char buf[MS_GRID_MAX + 1];
	char next = 'a';

	if (!o || o->kind != MS_OUT_PAGES)
		return "(no observation)";
	for (int k = 0; k < o->npages; k++) {
		const struct ms_page *pg = &o->pages[k];

		if (!pg->mapped)
			buf[k] = '.';
		else if (k > 0 && o->pages[k - 1].mapped &&
			 o->pages[k - 1].vma == pg->vma)
			buf[k] = buf[k - 1];
		else
			buf[k] = next++;
	}
	buf[o->npages] = '\0';
	return buf;
}

static void done(struct ms_program *p, struct ms_trace *t)
{
	ms_trace_free(t);
	ms_program_free(p);
}

/* ---- probe --------------------------------------------------------------- */

/* Whether /proc/cpuinfo lists the "pku" flag (and the OS enabled it). */
static bool cpu_has_pku(void)
{
	char line[4096];
	bool pku = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && !pku && fgets(line, sizeof(line), f))
		pku = strncmp(line, "flags", 5) == 0 && strstr(line, " pku") &&
		      strstr(line, " ospke");
	if (f)
		fclose(f);
	return pku;
}

static void test_probe(void)
{
	CHECK_INT(ms_kernel_probe(&ki), 0);
	ps = ki.page_size;
	CHECK_INT(ps, sysconf(_SC_PAGESIZE));
	CHECK(ki.release[0] != '\0', "empty release");
	CHECK(ki.machine[0] != '\0', "empty machine");
	/* The machines this runs on: 6.18, root; PKU where the CPU has it. */
	CHECK(ki.has_mseal, "mseal missing: %s",
	      ki.why_missing[MS_FEAT_MSEAL]);
	CHECK(ki.features & (1u << MS_FEAT_MSEAL), "mseal feature");
	if (cpu_has_pku()) {
		CHECK(ki.features & (1u << MS_FEAT_PKEY), "pkey missing: %s",
		      ki.why_missing[MS_FEAT_PKEY]);
	} else {
		CHECK(!(ki.features & (1u << MS_FEAT_PKEY)), "pkey present?");
		CHECK_STR(ki.why_missing[MS_FEAT_PKEY],
			  "pkey_alloc failed with EINVAL: no protection-key "
			  "hardware");
	}
	for (int f = 0; f < MS_NFEATURES; f++)
		if (f != MS_FEAT_PKEY)
			CHECK(ki.features & (1u << f), "feature %s missing: %s",
			      ms_feature_name(f), ki.why_missing[f]);
	CHECK_INT(ki.detected, MS_PROFILE_LINUX);
	/* 6.18 here grants /proc/self/mem FOLL_FORCE; so SEALSPEC_OBSERVE
	 * must not leak into the unit tests. */
	CHECK_INT(ki.data_route, MS_DATA_DIRECT);
	CHECK(!ki.data_route_forced, "data route forced: %s",
	      ki.data_route_why);
	CHECK(strstr(ki.detected_why, "changed N") &&
		      strstr(ki.detected_why, "multi-VMA move"),
	      "detected_why: %s", ki.detected_why);
	printf("# %s %s page %ld: %s (%s)\n", ki.release, ki.machine, ps,
	       ms_profile_name(ki.detected), ki.detected_why);
}

/* ---- observe, in this process ------------------------------------------ */

static uint64_t map(long pages, long prot, long flags, long fd, long off)
{
	long a = ms__sys_mmap(0, (uint64_t)(pages * ps), prot, flags, fd, off);

	CHECK(a > 0, "mmap: %ld", a);
	return (uint64_t)a;
}

/* Is the page at addr mapped in this process's page tables (pagemap)? */
static bool page_present(uint64_t addr)
{
	uint64_t pm = 0;
	long fd = ms__sys_open("/proc/self/pagemap", O_RDONLY);

	CHECK(fd >= 0, "open /proc/self/pagemap: %ld", fd);
	if (fd < 0)
		return false;
	CHECK_INT(ms__sys_pread((int)fd, &pm, sizeof(pm),
				addr / (uint64_t)ps * sizeof(pm)),
		  (long)sizeof(pm));
	ms__sys_close((int)fd);
	return pm & MS__PM_PRESENT;
}

static void test_observe(void)
{
	struct ms_page pg[MS_GRID_MAX];
	struct ms_outcome o = { .kind = MS_OUT_PAGES, .pages = pg };
	uint64_t a, f, hole;
	long fd;

	/*  0123
	 *  NNSS   N = normal rw anon, S = sealed; page 3 never touched */
	a = map(4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset((void *)(uintptr_t)a, 'A', (size_t)ps);
	memset((void *)(uintptr_t)(a + ps), 'b', (size_t)ps);
	memset((void *)(uintptr_t)(a + 2 * ps), 7, (size_t)ps);
	CHECK_INT(ms__sys_mseal(a + 2 * ps, 2 * ps, 0), 0);
	o.npages = 4;
	CHECK_INT(ms__observe(a, 4, ps, true, o.pages), 0);
	CHECK_STR(grid(&o, seal_of), "--SS");
	CHECK_STR(vmas(&o), "aabb");
	CHECK_STR(grid(&o, data_of), "Ab*0");
	CHECK_STR(grid(&o, prot_of), "wwww");
	CHECK_STR(grid(&o, back_of), "aaaa");
	CHECK(!o.pages[0].shared && o.pages[0].pkey == -1, "shared/pkey");
	CHECK_INT(ms__sealed_vmas(), 1);

	/* Without want_data nothing is read. */
	CHECK_INT(ms__observe(a, 4, ps, false, o.pages), 0);
	CHECK_STR(grid(&o, data_of), "????");

	/*  012345
	 *  LF-DWG   locked, locked on fault, -, dontfork, wipeonfork, guard */
	a = map(6, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK_INT(ms__sys_mlock(a, ps), 0);
	CHECK_INT(ms__sys_mlock2(a + ps, ps, MLOCK_ONFAULT), 0);
	CHECK_INT(ms__sys_madvise(a + 3 * ps, ps, MADV_DONTFORK), 0);
	CHECK_INT(ms__sys_madvise(a + 4 * ps, ps, MADV_WIPEONFORK), 0);
	CHECK_INT(ms__sys_madvise(a + 5 * ps, ps, MADV_GUARD_INSTALL), 0);
	o.npages = 6;
	CHECK_INT(ms__observe(a, 6, ps, true, o.pages), 0);
	CHECK_STR(grid(&o, lock_of), "LF----");
	CHECK_STR(grid(&o, inherit_of), "---DW-");
	CHECK_STR(grid(&o, guard_of), "-----G");
	CHECK_STR(grid(&o, data_of), "00000!");
	CHECK_STR(vmas(&o), "abcdef");
	ms__sys_munlock(a, 2 * ps);

	/* A hole: unmapped pages are '.' in every attribute. */
	hole = map(3, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK_INT(ms__sys_munmap(hole + ps, ps), 0);
	o.npages = 3;
	CHECK_INT(ms__observe(hole, 3, ps, true, o.pages), 0);
	CHECK_STR(grid(&o, seal_of), "-.-");
	CHECK_STR(grid(&o, data_of), "0.0");
	CHECK_STR(grid(&o, prot_of), "n.n");
	CHECK_STR(vmas(&o), "a.b");

	/* A file: page offsets, sharing, contents, and beyond EOF. */
	fd = ms__sys_memfd(2 * ps, "XY", ps);
	CHECK(fd >= 0, "memfd: %ld", fd);
	f = map(3, PROT_READ, MAP_SHARED, fd, ps);
	o.npages = 3;
	CHECK_INT(ms__observe(f, 3, ps, true, o.pages), 0);
	CHECK_STR(grid(&o, back_of), "fff");
	CHECK_INT(o.pages[0].pgoff, 1);
	CHECK_INT(o.pages[2].pgoff, 3);
	CHECK(o.pages[0].shared, "MAP_SHARED not shared");
	CHECK_STR(grid(&o, data_of), "Y!!");
	ms__sys_close((int)fd);

	/* The vDSO is a special mapping. */
	{
		struct ms__vma v;

		CHECK_INT(ms__find_vma_named("[vdso]", &v), 0);
		o.npages = 1;
		CHECK_INT(ms__observe(v.start, 1, ps, false, o.pages), 0);
		CHECK_STR(grid(&o, back_of), "x");
	}

	/*
	 * A snapshot reads sealed pages alone, and only what it can read
	 * without a fault: a private anonymous page never touched is '0'
	 * unread, a shared page not mapped in is not read at all.
	 *  0123456
	 *  NSSSSSS   N = normal rw anon 'A'; S = sealed rw anon: 'B', 'C', a
	 *            guard page, 'D', never touched; then a shared file: 'X'
	 *            mapped in, 'Y' not
	 */
	a = map(6, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset((void *)(uintptr_t)a, 'A', (size_t)ps);
	memset((void *)(uintptr_t)(a + ps), 'B', (size_t)ps);
	memset((void *)(uintptr_t)(a + 2 * ps), 'C', (size_t)ps);
	memset((void *)(uintptr_t)(a + 4 * ps), 'D', (size_t)ps);
	CHECK_INT(ms__sys_madvise(a + 3 * ps, ps, MADV_GUARD_INSTALL), 0);
	CHECK_INT(ms__sys_mseal(a + ps, 5 * ps, 0), 0);
	o.npages = 6;
	CHECK_INT(ms__observe(a, 6, ps, MS__OBSERVE_SEALED_DATA, o.pages), 0);
	CHECK_STR(grid(&o, data_of), "?BC!D0");
	CHECK(!page_present(a + 5 * ps), "the snapshot faulted in a page");
	fd = ms__sys_memfd(2 * ps, "XY", ps);
	CHECK(fd >= 0, "memfd: %ld", fd);
	f = map(2, PROT_READ, MAP_SHARED, fd, 0);
	CHECK_INT(*(volatile char *)(uintptr_t)f, 'X');
	/* The read faulted page 1 in around page 0: zap it again. */
	CHECK_INT(ms__sys_madvise(f + ps, ps, MADV_DONTNEED), 0);
	CHECK(!page_present(f + ps), "a zapped file page is present");
	CHECK_INT(ms__sys_mseal(f, 2 * ps, 0), 0);
	o.npages = 2;
	CHECK_INT(ms__observe(f, 2, ps, MS__OBSERVE_SEALED_DATA, o.pages), 0);
	CHECK_STR(grid(&o, data_of), "X?");
	CHECK(page_present(f), "a page read in is not present");
	CHECK(!page_present(f + ps), "the snapshot faulted in a file page");
	/* An expect data step reads every page. */
	CHECK_INT(ms__observe(f, 2, ps, MS__OBSERVE_DATA, o.pages), 0);
	CHECK_STR(grid(&o, data_of), "XY");
	ms__sys_close((int)fd);
}

/* ---- runs ---------------------------------------------------------------- */

static const char basics[] =
	"purpose  kernel target basics\n"
	"rules    G1\n"
	"a = mmap(0, 4p, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)\n"
	"fill(a, \"ABCD\")\n"
	"mseal(a+2p, 2p, 0)                     => 0\n"
	"munmap(a+2p, 1p)                       => EPERM\n"
	"mprotect(a+1p, 3p, PROT_READ)          => EPERM\n"
	"expect a prot \"rw r- rw rw\"\n"
	"expect a seal \"--SS\"\n"
	"expect a data \"ABCD\"\n"
	"expect a vmas \"abcc\"\n"
	"b = mmap(0, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
	"fill(b, \"Z\")                           => fault\n"
	"read(b, 1p)                            => 0\n"
	"expect b data \"0\"\n"
	"n = sealed_vmas()                      => 1\n"
	"expect a+4p seal \"..\"\n"
	"h = brk(0)\n";

static void test_basics(void)
{
	struct ms_program p;
	struct ms_trace t;
	const struct ms_outcome *o;
	uint64_t b = ARENA + 20 * ps;

	CHECK_INT(run(basics, 0, false, &p, &t), 0);
	CHECK_INT(t.end, MS_END_DONE);
	CHECK_INT(t.arena, ARENA);
	CHECK_INT(ret_at(&p, &t, 3, 0), (int64_t)ARENA);
	CHECK_INT(ret_at(&p, &t, 4, 0), 0);
	CHECK_INT(ret_at(&p, &t, 5, 0), 0);
	CHECK_INT(ret_at(&p, &t, 6, 0), -EPERM);
	CHECK_INT(ret_at(&p, &t, 7, 0), -EPERM);
	CHECK_STR(grid(at(&p, &t, 8, 0), prot_of), "wrww");
	CHECK_STR(grid(at(&p, &t, 9, 0), seal_of), "--SS");
	CHECK_STR(grid(at(&p, &t, 10, 0), data_of), "ABCD");
	CHECK_STR(grid(at(&p, &t, 9, 0), data_of), "????");
	CHECK_STR(vmas(at(&p, &t, 11, 0)), "abcc");
	/* The second slot: 4 pages, then the 16-page gap. */
	CHECK_INT(ret_at(&p, &t, 12, 0), (int64_t)b);
	o = at(&p, &t, 13, 0);
	CHECK(o && o->kind == MS_OUT_FAULT, "fill of a read-only page: %d",
	      o ? (int)o->kind : -1);
	if (o) {
		CHECK_INT(o->signo, SIGSEGV);
		CHECK_INT(o->fault_addr, b);
	}
	CHECK_INT(ret_at(&p, &t, 14, 0), 0);
	CHECK_STR(grid(at(&p, &t, 15, 0), data_of), "0");
	CHECK_INT(ret_at(&p, &t, 16, 0), 1);
	CHECK_STR(grid(at(&p, &t, 17, 0), seal_of), "..");
	CHECK_INT(ret_at(&p, &t, 18, 0) % ps, 0);
	done(&p, &t);

	/* Snapshots: every address-bound name after every asserted call. */
	CHECK_INT(run(basics, 0, true, &p, &t), 0);
	{
		int snaps = 0, name_a = -1;

		for (int i = 0; i < p.nnames; i++)
			if (strcmp(p.names[i].name, "a") == 0)
				name_a = i;
		for (int i = 0; i < t.nout; i++) {
			o = &t.out[i];
			if (o->kind != MS_OUT_PAGES || o->name < 0)
				continue;
			snaps++;
			if (p.steps[o->step].loc.line == 6 &&
			    o->name == name_a) {
				CHECK_INT(o->addr, ARENA);
				CHECK_INT(o->npages, 4);
				CHECK_STR(grid(o, seal_of), "--SS");
				/* Contents of the sealed pages alone. */
				CHECK_STR(grid(o, data_of), "??CD");
			}
		}
		/* a after 5, 6, 7, 13, 14, 16; b after 13, 14, 16. */
		CHECK_INT(snaps, 9);
	}
	done(&p, &t);
}

static void test_setup_and_skip(void)
{
	struct ms_program p;
	struct ms_trace t;

	/* A failed setup step is reported and ends the run. */
	CHECK_INT(run("purpose setup\nrules G1\n"
		      "munmap(1, 1p)\n"
		      "a = mmap(0, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n",
		      0, false, &p, &t), 0);
	CHECK_INT(t.end, MS_END_DONE);
	CHECK_INT(t.nout, 1);
	CHECK_INT(ret_at(&p, &t, 3, 0), -EINVAL);
	done(&p, &t);

	/* No protection keys here: SKIP with the probe's reason. */
	CHECK_INT(run("purpose skip\nrules G2b\n"
		      "k = pkey_alloc(0, 0)\n", 0, false, &p, &t), 0);
	CHECK_INT(t.end, MS_END_SKIP);
	CHECK_STR(t.reason, "needs pkey: pkey_alloc failed with EINVAL: "
			    "no protection-key hardware");
	CHECK_INT(t.nout, 0);
	done(&p, &t);
}

/* munmap of (nearly) the whole address space: the process cannot return. */
static const char crash[] =
	"purpose crash\nrules G1\n"
	"a = mmap(0, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
	"munmap(0x1000, 0x7fffffffe000)         => 0\n";

static void test_crash_and_hang(void)
{
	struct ms_program p;
	struct ms_trace t;
	int64_t t0;

	CHECK_INT(run(crash, 0, false, &p, &t), 0);
	CHECK_INT(t.end, MS_END_BROK);
	CHECK_STR(t.reason, "child killed by SIGSEGV after step 1 (line 3)");
	done(&p, &t);

	/* A missing page in a registered range with nobody serving it. */
	t0 = ms__now_ms();
	CHECK_INT(run("purpose hang\nrules G6\n"
		      "a = mmap(0, 1p, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		      "uffd_register(a, 1p)                   => 0\n"
		      "read(a, 1p)                            => 0\n",
		      1000, false, &p, &t), 0);
	CHECK_INT(t.end, MS_END_BROK);
	CHECK_STR(t.reason,
		  "timed out after 1 s; last step completed: 2 (line 4)");
	CHECK(ms__now_ms() - t0 < 3000, "the timeout took %lld ms",
	      (long long)(ms__now_ms() - t0));
	done(&p, &t);
}

static void test_fork(void)
{
	struct ms_program p;
	struct ms_trace t;

	CHECK_INT(run("purpose fork\nrules G1\n"
		      "a = mmap(0, 2p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		      "mseal(a, 2p, 0)                        => 0\n"
		      "fork\n"
		      "\tmunmap(a, 2p)                  => EPERM\n"
		      "\texpect a seal \"SS\"\n"
		      "\tb = mmap(0, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		      "end\n"
		      "expect a seal \"SS\"\n"
		      "c = mmap(0, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n",
		      0, false, &p, &t), 0);
	CHECK_INT(t.end, MS_END_DONE);
	CHECK_INT(ret_at(&p, &t, 5, 0), 0);
	CHECK_INT(ret_at(&p, &t, 6, 1), -EPERM);
	CHECK_STR(grid(at(&p, &t, 7, 1), seal_of), "SS");
	CHECK_INT(ret_at(&p, &t, 8, 1), (int64_t)(ARENA + 18 * ps));
	CHECK_INT(ret_at(&p, &t, 9, 0), 0);
	CHECK_STR(grid(at(&p, &t, 10, 0), seal_of), "SS");
	/* The parent's slots do not see the child's mmap. */
	CHECK_INT(ret_at(&p, &t, 11, 0), (int64_t)(ARENA + 18 * ps));
	/* Order: the fork, the child's steps, the end. */
	CHECK(t.nout >= 4 && p.steps[t.out[2].step].loc.line == 5 &&
		      t.out[3].pid_depth == 1,
	      "fork outcome order");
	done(&p, &t);

	CHECK_INT(run("purpose fork crash\nrules G1\n"
		      "a = mmap(0, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		      "fork\n"
		      "\tmunmap(0x1000, 0x7fffffffe000)  => 0\n"
		      "end\n",
		      0, false, &p, &t), 0);
	CHECK_INT(t.end, MS_END_BROK);
	CHECK_STR(t.reason,
		  "fork child killed by SIGSEGV after step 2 (line 4)");
	done(&p, &t);
}

static void test_exec(void)
{
	struct ms_program p;
	struct ms_trace t;

	CHECK_INT(run("purpose exec\nrules G5\n"
		      "a = mmap(0, 2p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		      "mseal(a, 2p, 0)                        => 0\n"
		      "f = memfd(1p, \"Q\")\n"
		      "exec\n"
		      "n = sealed_vmas()                      => 0\n"
		      "expect a seal \"..\"\n"
		      "b = mmap(0, 1p, PROT_READ, MAP_SHARED, f, 0)\n"
		      "expect b data \"Q\"\n",
		      0, false, &p, &t), 0);
	CHECK(t.end == MS_END_DONE, "end %d: %s", t.end, t.reason);
	CHECK_INT(ret_at(&p, &t, 6, 0), 0);
	CHECK_INT(ret_at(&p, &t, 7, 0), 0);
	CHECK_STR(grid(at(&p, &t, 8, 0), seal_of), "..");
	/* Slots go on where the old image left off. */
	CHECK_INT(ret_at(&p, &t, 9, 0), (int64_t)(ARENA + 18 * ps));
	CHECK_STR(grid(at(&p, &t, 10, 0), data_of), "Q");
	done(&p, &t);

	/* exec inside a fork block: the child's new image ends at "end". */
	CHECK_INT(run("purpose exec in fork\nrules G5\n"
		      "a = mmap(0, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		      "mseal(a, 1p, 0)                        => 0\n"
		      "fork\n"
		      "\texec\n"
		      "\texpect a seal \".\"\n"
		      "end\n"
		      "expect a seal \"S\"\n",
		      0, false, &p, &t), 0);
	CHECK(t.end == MS_END_DONE, "end %d: %s", t.end, t.reason);
	CHECK_INT(ret_at(&p, &t, 6, 1), 0);
	CHECK_STR(grid(at(&p, &t, 7, 1), seal_of), ".");
	CHECK_INT(ret_at(&p, &t, 8, 0), 0);
	CHECK_STR(grid(at(&p, &t, 9, 0), seal_of), "S");
	done(&p, &t);

	/* Exec after exec, and after a child's exec: one handoff each. */
	CHECK_INT(run("purpose exec twice\nrules G5\n"
		      "a = mmap(0, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		      "fork\n"
		      "\texec\n"
		      "end\n"
		      "exec\n"
		      "b = mmap(0, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		      "mseal(b, 1p, 0)                        => 0\n"
		      "exec\n"
		      "n = sealed_vmas()                      => 0\n",
		      0, false, &p, &t), 0);
	CHECK(t.end == MS_END_DONE, "end %d: %s", t.end, t.reason);
	CHECK_INT(ret_at(&p, &t, 5, 1), 0);
	CHECK_INT(ret_at(&p, &t, 7, 0), 0);
	CHECK_INT(ret_at(&p, &t, 8, 0), (int64_t)(ARENA + 17 * ps));
	CHECK_INT(ret_at(&p, &t, 10, 0), 0);
	CHECK_INT(ret_at(&p, &t, 11, 0), 0);
	done(&p, &t);
}

static void test_unbound(void)
{
	struct ms_program p;
	struct ms_trace t;

	/* A name whose binding call failed cannot be used afterwards. */
	CHECK_INT(run("purpose unbound\nrules G3\n"
		      "a = mmap(0, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		      "mseal(a, 1p, 0)                        => 0\n"
		      "b = mremap(a, 1p, 2p, MREMAP_MAYMOVE)  => EPERM\n"
		      "expect b seal \"S\"\n",
		      0, false, &p, &t), 0);
	CHECK_INT(t.end, MS_END_BROK);
	CHECK_STR(t.reason, "step 4 (line 6): b is not bound (its binding "
			    "call failed)");
	done(&p, &t);
}

static void test_foll_force(void)
{
	struct ms_program p;
	struct ms_trace t;

	/*  012
	 *  AB.   written, then read-only and sealed; page 2 never touched */
	CHECK_INT(run("purpose FOLL_FORCE and uffd\nrules G7\n"
		      "a = mmap(0, 3p, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		      "fill(a, \"AB\")\n"
		      "mprotect(a, 3p, PROT_READ)\n"
		      "mseal(a, 3p, 0)                        => 0\n"
		      "uffd_register(a+2p, 1p)                => 0\n"
		      "ptrace_poke(a, \"P\")                    => 0\n"
		      "proc_mem_write(a+1p, \"M\")              => 0\n"
		      "process_vm_write(a, \"Q\")               => EFAULT\n"
		      "uffd_copy(a+2p, \"U\")                   => 0\n"
		      "expect a data \"PMU\"\n"
		      "expect a seal \"SSS\"\n"
		      "expect a prot \"r- r- r-\"\n",
		      0, false, &p, &t), 0);
	CHECK(t.end == MS_END_DONE, "end %d: %s", t.end, t.reason);
	CHECK_INT(ret_at(&p, &t, 7, 0), 0);
	CHECK_INT(ret_at(&p, &t, 8, 0), 0);
	CHECK_INT(ret_at(&p, &t, 9, 0), 0);
	CHECK_INT(ret_at(&p, &t, 10, 0), -EFAULT);
	CHECK_INT(ret_at(&p, &t, 11, 0), 0);
	CHECK_STR(grid(at(&p, &t, 12, 0), data_of), "PMU");
	CHECK_STR(grid(at(&p, &t, 13, 0), seal_of), "SSS");
	CHECK_STR(grid(at(&p, &t, 14, 0), prot_of), "rrr");
	done(&p, &t);
}

/*
 * Contents of pages the process may not read, by each route, in this
 * process: only those pages take another route; untouched anonymous pages
 * are not read (so not faulted in) by any.
 *
 *  0123
 *  ABuG   A, B written; u never touched; G guard.  All PROT_NONE but B.
 */
static void test_data_routes(void)
{
	struct ms_page pg[MS_GRID_MAX];
	struct ms_outcome o = { .kind = MS_OUT_PAGES, .npages = 4,
				.pages = pg };
	unsigned char vec[4];
	uint64_t a;
	pid_t reader;

	a = map(4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset((void *)(uintptr_t)a, 'A', (size_t)ps);
	memset((void *)(uintptr_t)(a + ps), 'B', (size_t)ps);
	CHECK_INT(ms__sys_madvise(a + 3 * ps, ps, MADV_GUARD_INSTALL), 0);
	CHECK_INT(ms__sys_mprotect(a, 4 * ps, PROT_NONE), 0);
	CHECK_INT(ms__sys_mprotect(a + ps, ps, PROT_READ), 0);

	CHECK_INT(ms__observe(a, 4, ps, true, o.pages), 0);
	CHECK_STR(grid(&o, data_of), "AB0!");
	CHECK_INT(ms__memreader_pid(), 0);

	/* As on a kernel that grants FOLL_FORCE to tracers only. */
	ms__observe_route(MS_DATA_PTRACE, true);
	CHECK_INT(ms__observe(a, 4, ps, true, o.pages), 0);
	CHECK_STR(grid(&o, data_of), "AB0!");
	reader = ms__memreader_pid();
	CHECK(reader > 0, "no page reader after a PROT_NONE read: %d",
	      (int)reader);
	/* Only the pages the process may not read go to the reader. */
	CHECK_INT(ms__observe(a + ps, 1, ps, true, o.pages), 0);
	CHECK_INT(o.pages[0].data, 'B');
	CHECK_INT(ms__observe(a, 4, ps, true, o.pages), 0);
	CHECK_STR(grid(&o, data_of), "AB0!");
	CHECK_INT(ms__memreader_pid(), reader);
	CHECK_INT(mincore((void *)(uintptr_t)a, 4 * (size_t)ps, vec), 0);
	CHECK_INT(vec[2] & 1, 0);
	ms__memreader_stop();
	CHECK_INT(ms__memreader_pid(), 0);
	CHECK(reader > 0 && kill(reader, 0) < 0 && errno == ESRCH,
	      "page reader %d still there after stop", (int)reader);

	/* As where nobody may read them. */
	ms__observe_route(MS_DATA_BLIND, true);
	CHECK_INT(ms__observe(a, 4, ps, true, o.pages), 0);
	CHECK_STR(grid(&o, data_of), "~B0~");
	CHECK_INT(ms__memreader_pid(), 0);
	ms__observe_route(MS_DATA_DIRECT, false);
	ms__sys_munmap(a, 4 * ps);
}

/* Reads one char from fd, or '-' at EOF. */
static char read_char(int fd)
{
	char c = '-';

	return read(fd, &c, 1) == 1 ? c : '-';
}

/*
 * The page reader dies with the process it serves, which need not stop
 * it; and where that process is already traced (by us, here), the reader
 * cannot attach, and the page is unobservable rather than unreadable.
 */
static void test_data_reader_lifetime(void)
{
	int fds[2], go[2], status;
	pid_t child, reader = 0;
	struct ms_page pg[MS_GRID_MAX];
	struct ms_outcome o = { .kind = MS_OUT_PAGES, .npages = 1,
				.pages = pg };
	uint64_t a;
	char tok;

	a = map(1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset((void *)(uintptr_t)a, 'A', (size_t)ps);
	CHECK_INT(ms__sys_mprotect(a, ps, PROT_NONE), 0);

	CHECK_INT(pipe(fds), 0);
	child = fork();
	if (child == 0) {
		ms__observe_route(MS_DATA_PTRACE, true);
		ms__observe(a, 1, ps, true, o.pages);
		reader = ms__memreader_pid();
		(void)!write(fds[1], &o.pages[0].data, 1);
		(void)!write(fds[1], &reader, sizeof(reader));
		_exit(0);
	}
	close(fds[1]);
	tok = read_char(fds[0]);
	CHECK_INT(tok, 'A');
	CHECK_INT(read(fds[0], &reader, sizeof(reader)), sizeof(reader));
	close(fds[0]);
	waitpid(child, NULL, 0);
	CHECK(reader > 0, "the child started no page reader: %d", (int)reader);
	for (int i = 0; i < 200 && reader > 0 && kill(reader, 0) == 0; i++) {
		char path[64], stat[256] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)reader);
		f = fopen(path, "r");
		if (f && fgets(stat, sizeof(stat), f) && strstr(stat, ") Z "))
			reader = -reader;	/* dead, not yet reaped */
		if (f)
			fclose(f);
		if (reader > 0)
			usleep(10000);
	}
	CHECK(reader <= 0 || kill(reader, 0) < 0,
	      "page reader %d outlived its process by 2 s", (int)reader);

	CHECK_INT(pipe(fds), 0);
	CHECK_INT(pipe(go), 0);
	child = fork();
	if (child == 0) {
		ms__observe_route(MS_DATA_PTRACE, true);
		read_char(go[0]);
		ms__observe(a, 1, ps, true, o.pages);
		(void)!write(fds[1], &o.pages[0].data, 1);
		pause();
		_exit(0);
	}
	close(fds[1]);
	CHECK_INT(ptrace(PTRACE_SEIZE, child, 0, 0), 0);
	(void)!write(go[1], "g", 1);
	tok = read_char(fds[0]);
	CHECK_INT(tok, MS_DATA_UNOBSERVABLE);
	kill(child, SIGKILL);
	waitpid(child, &status, __WALL);
	close(fds[0]);
	close(go[0]);
	close(go[1]);
	ms__sys_munmap(a, ps);
}

/*
 * A scenario on a kernel where only tracers may read PROT_NONE pages: the
 * reader serves the scenario process, a fork child and the image after
 * exec; it leaves ptrace_poke working; and starting it shares no page (a
 * fork would: UFFDIO_MOVE refuses a page shared with a child, EBUSY).
 */
static const char routes[] =
	"purpose data routes\nrules G7\n"
	"a = mmap(0, 3p, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)\n"
	"fill(a, \"AB\")\n"
	"b = mmap(0, 1p, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)\n"
	"fill(b, \"M\")\n"
	"mprotect(a, 3p, PROT_NONE)\n"
	"expect a data \"AB0\"\n"
	"d = mmap(0, 1p, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)\n"
	"uffd_register(d, 1p)                   => 0\n"
	"uffd_move(d, b, 1p)                    => 0\n"
	"expect d data \"M\"\n"
	"ptrace_poke(a+1p, \"P\")                 => 0\n"
	"expect a data \"AP0\"\n"
	"f = memfd(1p, \"Q\")\n"
	"fork\n"
	"\texpect a data \"AP0\"\n"
	"end\n"
	"expect a data \"AP0\"\n"
	"exec\n"
	"m = mmap(0, 1p, PROT_NONE, MAP_SHARED, f, 0)\n"
	"expect m data \"Q\"\n";

static void test_data_routes_in_scenarios(void)
{
	static struct ms_kernel_info k;
	struct ms_program p;
	struct ms_trace t;
	struct ms_verdict v;

	k = ki;
	k.data_route = MS_DATA_PTRACE;
	k.data_route_forced = true;
	CHECK_INT(run_on(&k, routes, 0, false, &p, &t), 0);
	CHECK(t.end == MS_END_DONE, "end %d: %s", t.end, t.reason);
	CHECK_STR(grid(at(&p, &t, 8, 0), data_of), "AB0");
	CHECK_INT(ret_at(&p, &t, 11, 0), 0);
	CHECK_STR(grid(at(&p, &t, 12, 0), data_of), "M");
	CHECK_INT(ret_at(&p, &t, 13, 0), 0);
	CHECK_STR(grid(at(&p, &t, 14, 0), data_of), "AP0");
	CHECK_STR(grid(at(&p, &t, 17, 1), data_of), "AP0");
	CHECK_STR(grid(at(&p, &t, 19, 0), data_of), "AP0");
	CHECK_STR(grid(at(&p, &t, 22, 0), data_of), "Q");
	ms_judge(&p, &t, MS_PROFILE_LINUX, &v);
	CHECK(v.code == MS_PASS && v.unobservable == 0, "%s: %d %s",
	      ms_result_code_name(v.code), v.unobservable, v.reason);
	done(&p, &t);

	/* Nobody may read them: unobservable, and still a PASS. */
	k.data_route = MS_DATA_BLIND;
	CHECK_INT(run_on(&k, routes, 0, false, &p, &t), 0);
	CHECK(t.end == MS_END_DONE, "end %d: %s", t.end, t.reason);
	CHECK_STR(grid(at(&p, &t, 8, 0), data_of), "~~0");
	CHECK_STR(grid(at(&p, &t, 12, 0), data_of), "M");
	CHECK_STR(grid(at(&p, &t, 17, 1), data_of), "~~0");
	CHECK_STR(grid(at(&p, &t, 22, 0), data_of), "~");
	ms_judge(&p, &t, MS_PROFILE_LINUX, &v);
	CHECK_INT(v.code, MS_PASS);
	CHECK_INT(v.unobservable, 9);
	CHECK_STR(v.unobservable_at, "step 6 (test.scn:8): expected data "
				     "\"AB0\", observed \"~~0\"");
	done(&p, &t);
}

static void test_uffd_move(void)
{
	struct ms_program p;
	struct ms_trace t;

	/*  a: 012    AB written, page 2 never touched, all sealed read-write
	 *  b: 0      C, then read-only and sealed
	 *  d: 0123   registered destination, never touched */
	CHECK_INT(run("purpose uffd_move\nrules G6a\n"
		      "a = mmap(0, 3p, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		      "fill(a, \"AB\")\n"
		      "b = mmap(0, 1p, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		      "fill(b, \"C\")\n"
		      "mprotect(b, 1p, PROT_READ)\n"
		      "mseal(a, 3p, 0)                        => 0\n"
		      "mseal(b, 1p, 0)                        => 0\n"
		      "uffd_move(a, b, 1p)                    => EBADF\n"
		      "d = mmap(0, 4p, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		      "uffd_register(d, 4p)                   => 0\n"
		      "uffd_move(d, a, 1p)                    => 0\n"
		      "uffd_move(d+1p, a+1p, 2p)              => EAGAIN\n"
		      "uffd_move(d+3p, a+2p, 1p)              => ENOENT\n"
		      "uffd_move(d+3p, b, 1p)                 => EINVAL\n"
		      "uffd_move(d, b, 1p)                    => EINVAL\n"
		      "expect a data \"000\"\n"
		      "expect d data \"AB00\"\n"
		      "expect b data \"C\"\n"
		      "expect a seal \"SSS\"\n",
		      0, false, &p, &t), 0);
	CHECK(t.end == MS_END_DONE, "end %d: %s", t.end, t.reason);
	/* No userfaultfd in this process yet. */
	CHECK_INT(ret_at(&p, &t, 10, 0), -EBADF);
	CHECK_INT(ret_at(&p, &t, 13, 0), 0);
	/* Page 1 moves, then the hole at a+2p stops the move. */
	CHECK_INT(ret_at(&p, &t, 14, 0), -EAGAIN);
	CHECK_INT(ret_at(&p, &t, 15, 0), -ENOENT);
	/* A read-only source is refused before its pages are looked at. */
	CHECK_INT(ret_at(&p, &t, 16, 0), -EINVAL);
	CHECK_INT(ret_at(&p, &t, 17, 0), -EINVAL);
	CHECK_STR(grid(at(&p, &t, 18, 0), data_of), "000");
	CHECK_STR(grid(at(&p, &t, 19, 0), data_of), "AB00");
	CHECK_STR(grid(at(&p, &t, 20, 0), data_of), "C");
	CHECK_STR(grid(at(&p, &t, 21, 0), seal_of), "SSS");
	done(&p, &t);
}

static void test_process_madvise_parent(void)
{
	struct ms_program p;
	struct ms_trace t;

	CHECK_INT(run("purpose remote madvise\nrules G6\n"
		      "a = mmap(0, 2p, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		      "fill(a, \"AB\")\n"
		      "mprotect(a, 2p, PROT_READ)\n"
		      "mseal(a, 2p, 0)                        => 0\n"
		      "fork\n"
		      "\tprocess_madvise_parent(a, 2p, MADV_PAGEOUT) => 2p\n"
		      "\tprocess_madvise_parent(a, 2p, MADV_DONTNEED) => EINVAL\n"
		      "\tprocess_madvise(a, 2p, MADV_DONTNEED) => EPERM\n"
		      "\tb = mmap(0, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		      "\tprocess_madvise_parent(b, 1p, MADV_WILLNEED) => ENOMEM\n"
		      "\tprocess_madvise(b, 1p, MADV_WILLNEED) => 1p\n"
		      "end\n"
		      "expect a data \"AB\"\n",
		      0, false, &p, &t), 0);
	CHECK(t.end == MS_END_DONE, "end %d: %s", t.end, t.reason);
	CHECK_INT(ret_at(&p, &t, 8, 1), 2 * ps);
	/* Remote: refused as an advice, before the seal is looked at. */
	CHECK_INT(ret_at(&p, &t, 9, 1), -EINVAL);
	CHECK_INT(ret_at(&p, &t, 10, 1), -EPERM);
	/* The child's own mapping is a hole in the parent. */
	CHECK_INT(ret_at(&p, &t, 12, 1), -ENOMEM);
	CHECK_INT(ret_at(&p, &t, 13, 1), ps);
	CHECK_STR(grid(at(&p, &t, 15, 0), data_of), "AB");
	done(&p, &t);

	/* Outside a fork block the parent is the runner. */
	CHECK_INT(run("purpose remote madvise outside fork\nrules G6\n"
		      "a = mmap(0, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		      "process_madvise_parent(a, 1p, MADV_COLD) => 1p\n",
		      0, false, &p, &t), 0);
	CHECK_INT(t.end, MS_END_BROK);
	CHECK_STR(t.reason, "step 2 (line 4): process_madvise_parent outside "
			    "a fork block");
	done(&p, &t);
}

/*
 * use_map_slots against the kernel's vm.max_map_count.  The count the
 * scenario process starts with is not known here, so the second call is
 * the exact one: after the first leaves 3 slots, leaving 1 creates 2.
 */
static void test_map_slots(void)
{
	struct ms_program p;
	struct ms_trace t;
	char buf[32] = "";
	long max;
	int64_t n;

	max = ms__sys_read_file("/proc/sys/vm/max_map_count", buf,
				sizeof(buf) - 1) > 0 ? atol(buf) : -1;
	CHECK_INT(max, 65530);	/* this machine's default */
	CHECK_INT(run("purpose map slots\nrules GP GS\n"
		      "a = mmap(0, 6p, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		      "mprotect(a+3p, 3p, PROT_READ)\n"
		      "s = mmap(0, 8p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		      "u = mmap(0, 8p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
		      "r = mmap(0, 70000p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE)\n"
		      "use_map_slots(r, 70000p, 3)            => ok\n"
		      "use_map_slots(s, 8p, 1)                => 2\n"
		      "use_map_slots(u, 8p, 0)                => ENOSPC\n"
		      "mseal(a+1p, 4p, 0)                     => ENOMEM\n"
		      "expect a seal \"-SS---\"\n"
		      "expect a vmas \"abbccc\"\n"
		      "expect s vmas \"abcccccc\"\n"
		      "expect s prot \"r- -- r- r- r- r- r- r-\"\n"
		      "mprotect(s+5p, 1p, PROT_NONE)          => ENOMEM\n"
		      "munmap(r, 70000p)                      => 0\n"
		      "mseal(a+1p, 4p, 0)                     => 0\n"
		      "expect a seal \"-SSSS-\"\n"
		      "use_map_slots(u, 8p, 0)                => ENOSPC\n"
		      "use_map_slots(s, 8p, -1)               => EINVAL\n"
		      "use_map_slots(s+1p, 1000, 0)           => EINVAL\n"
		      "use_map_slots(a, 6p, 0)                => EINVAL\n"
		      "use_map_slots(a+6p, 1p, 0)             => ENOMEM\n",
		      0, false, &p, &t), 0);
	CHECK(t.end == MS_END_DONE, "end %d: %s", t.end, t.reason);
	/* The process had some dozens of VMAs (more under ASan) before. */
	n = ret_at(&p, &t, 8, 0);
	CHECK(n > max / 2 && n < max - 3, "first use_map_slots: %lld",
	      (long long)n);
	/* From max - 3 to max - 1: one isolated page of s. */
	CHECK_INT(ret_at(&p, &t, 9, 0), 2);
	/* One slot short of max: a call cannot create a single VMA. */
	CHECK_INT(ret_at(&p, &t, 10, 0), -ENOSPC);
	/* The start split of a took the last slot, the end split of b
	 * failed: the first VMA's part is sealed, the second's is not. */
	CHECK_INT(ret_at(&p, &t, 11, 0), -ENOMEM);
	CHECK_STR(grid(at(&p, &t, 12, 0), seal_of), "-SS---");
	CHECK_STR(vmas(at(&p, &t, 13, 0)), "abbccc");
	CHECK_STR(vmas(at(&p, &t, 14, 0)), "abcccccc");
	CHECK_STR(grid(at(&p, &t, 15, 0), prot_of), "rnrrrrrr");
	/* At the limit no split at all is possible. */
	CHECK_INT(ret_at(&p, &t, 16, 0), -ENOMEM);
	CHECK_INT(ret_at(&p, &t, 17, 0), 0);
	CHECK_INT(ret_at(&p, &t, 18, 0), 0);
	CHECK_STR(grid(at(&p, &t, 19, 0), seal_of), "-SSSS-");
	/* Far from the limit again, 8 pages are not enough. */
	CHECK_INT(ret_at(&p, &t, 20, 0), -ENOSPC);
	CHECK_INT(ret_at(&p, &t, 21, 0), -EINVAL);
	CHECK_INT(ret_at(&p, &t, 22, 0), -EINVAL);
	/* s is split, and a is three VMAs now. */
	CHECK_INT(ret_at(&p, &t, 23, 0), -EINVAL);
	CHECK_INT(ret_at(&p, &t, 24, 0), -ENOMEM);
	done(&p, &t);
}

/* Without CAP_SYS_NICE over the parent, remote advice is SKIP. */
static void test_remote_madvise_skip(void)
{
	static struct ms_kernel_info weak;
	struct ms_program p;
	struct ms_trace t;

	weak = ki;
	weak.features &= ~(1u << MS_FEAT_REMOTE_MADVISE);
	snprintf(weak.why_missing[MS_FEAT_REMOTE_MADVISE],
		 sizeof(weak.why_missing[0]),
		 "process_madvise(MADV_COLD) on the parent failed with EPERM: "
		 "needs CAP_SYS_NICE over the target");
	CHECK_INT(parse("purpose remote\nrules G6\n"
			"a = mmap(0, 1p, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)\n"
			"fork\n"
			"\tprocess_madvise_parent(a, 1p, MADV_COLD) => 1p\n"
			"end\n", &p), 0);
	CHECK(p.features & (1u << MS_FEAT_REMOTE_MADVISE),
	      "features %#x", p.features);
	ms_trace_init(&t);
	CHECK_INT(ms_kernel_run(&p, &weak, NULL, &t), 0);
	CHECK_INT(t.end, MS_END_SKIP);
	CHECK_STR(t.reason, "needs remote-madvise: process_madvise(MADV_COLD) "
			    "on the parent failed with EPERM: needs "
			    "CAP_SYS_NICE over the target");
	done(&p, &t);
}

static void test_files_and_ipc(void)
{
	struct ms_program p;
	struct ms_trace t;
	struct shmid_ds ds;
	int64_t id;

	CHECK_INT(run("purpose files, shm, aio, vdso\nrules G1\n"
		      "f = memfd(2p, \"XY\")\n"
		      "m = mmap(0, 1p, PROT_READ, MAP_SHARED, f, 1p)\n"
		      "expect m back \"f1\"\n"
		      "expect m data \"Y\"\n"
		      "g = reopen(f, O_RDONLY)\n"
		      "s = shmget(1p)\n"
		      "x = shmat(s, 0, 0)\n"
		      "mseal(x, 1p, 0)                        => 0\n"
		      "shmdt(x)                               => 0\n"
		      "expect x seal \"S\"\n"
		      "r = io_setup(1)\n"
		      "expect r back \"x\"\n"
		      "v = vdso()\n"
		      "expect v back \"x\"\n"
		      "madvise(m, 1p, MADV_DONTNEED)          => 0\n"
		      "process_madvise(m, 1p, MADV_WILLNEED)  => 1p\n"
		      "mlock(m, 1p)                           => 0\n"
		      "msync(m, 1p, MS_SYNC)                  => 0\n"
		      "mincore(m, 1p)                         => 0\n"
		      "mbind(m, 1p, MPOL_DEFAULT, 0)          => 0\n",
		      0, true, &p, &t), 0);
	CHECK(t.end == MS_END_DONE, "end %d: %s", t.end, t.reason);
	CHECK_STR(grid(at(&p, &t, 5, 0), back_of), "f");
	CHECK_INT(at(&p, &t, 5, 0) ? (long long)at(&p, &t, 5, 0)->pages[0].pgoff : -1, 1);
	CHECK_STR(grid(at(&p, &t, 6, 0), data_of), "Y");
	CHECK(ret_at(&p, &t, 7, 0) >= 0, "reopen: %lld",
	      (long long)ret_at(&p, &t, 7, 0));
	id = ret_at(&p, &t, 8, 0);
	CHECK(id >= 0, "shmget: %lld", (long long)id);
	CHECK_INT(ret_at(&p, &t, 10, 0), 0);
	CHECK_INT(ret_at(&p, &t, 11, 0), 0);
	CHECK_STR(grid(at(&p, &t, 12, 0), seal_of), "S");
	CHECK_STR(grid(at(&p, &t, 14, 0), back_of), "x");
	CHECK_STR(grid(at(&p, &t, 16, 0), back_of), "x");
	CHECK_INT(ret_at(&p, &t, 17, 0), 0);
	CHECK_INT(ret_at(&p, &t, 18, 0), ps);
	CHECK_INT(ret_at(&p, &t, 19, 0), 0);
	CHECK_INT(ret_at(&p, &t, 20, 0), 0);
	CHECK_INT(ret_at(&p, &t, 21, 0), 0);
	CHECK_INT(ret_at(&p, &t, 22, 0), 0);
	/* The runner removed the segment, although it is still attached
	 * (sealed) when the scenario process exits. */
	if (id >= 0)
		CHECK(shmctl((int)id, IPC_STAT, &ds) < 0 && errno == EINVAL,
		      "segment %lld still exists", (long long)id);
	done(&p, &t);
}

/*
 * The wait after io_destroy() (deferred.c).  It seals an aio ring in this
 * process, so it runs after test_observe(), last.
 */
static void test_aio_free_ring_wait(void)
{
	struct ms__vma v;
	uint64_t a;
	long ctx;
	int64_t t0;

	/*  012
	 *  T-T   T = touched, - = never touched; mincore looks, never faults */
	a = map(3, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	*(volatile char *)(uintptr_t)a = 1;
	*(volatile char *)(uintptr_t)(a + 2 * ps) = 1;
	CHECK_INT(ms__sys_resident_pages(a, 3 * ps, ps), 2);
	/* Asking again gives the same: looking faulted nothing in. */
	CHECK_INT(ms__sys_resident_pages(a, 3 * ps, ps), 2);
	CHECK_INT(ms__sys_munmap(a + ps, ps), 0);
	CHECK_INT(ms__sys_resident_pages(a, 3 * ps, ps), -ENOMEM);
	/* Not a ring at that address: nothing to wait for. */
	CHECK_INT(ms__wait_aio_free_ring(a, ps), 0);

	/* Unsealed: io_destroy() unmapped the ring, so no wait at all. */
	ctx = ms__sys_io_setup(1);
	CHECK(ctx > 0, "io_setup: %ld", ctx);
	CHECK_INT(ms__sys_io_destroy((uint64_t)ctx), 0);
	CHECK_INT(ms__find_vma((uint64_t)ctx, &v), -ENOENT);
	CHECK_INT(ms__wait_aio_free_ring((uint64_t)ctx, ps), 0);

	/* Sealed: the ring stays, and the wait ends when its pages are gone. */
	ctx = ms__sys_io_setup(1);
	CHECK(ctx > 0, "io_setup: %ld", ctx);
	CHECK_INT(ms__sys_mseal((uint64_t)ctx, ps, 0), 0);
	CHECK_INT(ms__sys_resident_pages((uint64_t)ctx, ps, ps), 1);
	CHECK_INT(ms__sys_io_destroy((uint64_t)ctx), 0);
	t0 = ms__now_ms();
	CHECK_INT(ms__wait_aio_free_ring((uint64_t)ctx, ps), 0);
	CHECK(ms__now_ms() - t0 < MS__DEFERRED_MAX_MS,
	      "the wait took %lld ms", (long long)(ms__now_ms() - t0));
	CHECK_INT(ms__sys_resident_pages((uint64_t)ctx, ps, ps), 0);
	CHECK_INT(ms__find_vma((uint64_t)ctx, &v), 0);
	CHECK(v.special_aio && v.sealed, "ring at ctx: aio %d, sealed %d",
	      v.special_aio, v.sealed);
	/* Once the pages are gone, a second wait returns at once. */
	CHECK_INT(ms__wait_aio_free_ring((uint64_t)ctx, ps), 0);
}

/*
 * The exec entry point reads a handoff from a descriptor named on its
 * command line.  Garbage must be refused with a message and an exit
 * status, never crash it: each input runs in a child, whose end is
 * returned (a wait status).
 */
static int resume_with(int argc, const char *fdarg, const void *head,
		       size_t head_len, const char *text)
{
	char *argv[] = { "sealspec", MS_EXEC_ARGV1, (char *)fdarg, NULL };
	char fdbuf[16];
	int status = -1, pipefd[2];
	pid_t pid;

	if (pipe(pipefd) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		int fd = memfd_create("handoff", 0), null = open("/dev/null",
								O_WRONLY);

		dup2(null, 2);
		if (head) {
			if (pwrite(fd, head, head_len, 0) != (ssize_t)head_len)
				_exit(99);
			if (text && pwrite(fd, text, strlen(text),
					   MS__HANDOFF_TEXT) < 0)
				_exit(99);
			if (ftruncate(fd, MS__HANDOFF_TEXT +
						  (text ? strlen(text) : 0)) < 0)
				_exit(99);
		}
		snprintf(fdbuf, sizeof(fdbuf), "%d", fd);
		if (!fdarg)
			argv[2] = fdbuf;
		ms_kernel_exec_resume(argc, argv);
		_exit(98);
	}
	close(pipefd[0]);
	close(pipefd[1]);
	waitpid(pid, &status, 0);
	return status;
}

static void check_refused(int status, int want, const char *what)
{
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == want,
	      "%s: expected exit %d, got status %#x%s", what, want, status,
	      WIFSIGNALED(status) ? " (killed by a signal)" : "");
}

/*
 * The page reader's entry (argv[2] "mem-reader") comes before the exec
 * entry's argument check, and checks its own: a socket and the pid of its
 * parent, in range, digits only.  Each input runs in a child.
 */
static int reader_with(int argc, const char *fdarg, const char *pidarg)
{
	char *argv[] = { "sealspec", MS_EXEC_ARGV1, MS__MEMREADER_ARGV2,
			 (char *)fdarg, (char *)pidarg, NULL };
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 2);
		ms_kernel_exec_resume(argc, argv);
		_exit(98);
	}
	waitpid(pid, &status, 0);
	return status;
}

static void test_reader_garbage(void)
{
	char self[16];

	snprintf(self, sizeof(self), "%d", (int)getpid());
	check_refused(reader_with(3, NULL, NULL), MS__EXIT_USAGE,
		      "mem-reader without arguments");
	check_refused(reader_with(4, "5", NULL), MS__EXIT_USAGE,
		      "mem-reader without a pid");
	check_refused(reader_with(5, "x5", self), MS__EXIT_USAGE,
		      "mem-reader with a socket that is not a number");
	check_refused(reader_with(5, "99999999999", self), MS__EXIT_USAGE,
		      "mem-reader with a huge socket");
	check_refused(reader_with(5, "1", self), MS__EXIT_USAGE,
		      "mem-reader with stdout as its socket");
	check_refused(reader_with(5, "5", "-3"), MS__EXIT_USAGE,
		      "mem-reader with a negative pid");
	check_refused(reader_with(5, "5", "0"), MS__EXIT_USAGE,
		      "mem-reader with pid 0");
	/* Sound, but the pid is not its parent's: it leaves at once. */
	check_refused(reader_with(5, "5", "1"), 0,
		      "mem-reader for a process that is not its parent");
}

static void test_resume_garbage(void)
{
	static struct ms__handoff h;
	static const char program[] =
		"purpose x\nrules G1\n\nexec\nexec\n";
	char junk[64];
	int pipefd[2];

	check_refused(resume_with(2, NULL, NULL, 0, NULL), MS__EXIT_USAGE,
		      "no descriptor");
	check_refused(resume_with(3, "abc", NULL, 0, NULL), MS__EXIT_USAGE,
		      "a descriptor that is not a number");
	check_refused(resume_with(3, "-1", NULL, 0, NULL), MS__EXIT_USAGE,
		      "a negative descriptor");
	check_refused(resume_with(3, "99999999999", NULL, 0, NULL),
		      MS__EXIT_USAGE, "a huge descriptor");
	check_refused(resume_with(3, "0", NULL, 0, NULL), MS__EXIT_USAGE,
		      "stdin, not a handoff");
	memset(junk, 0x5a, sizeof(junk));
	check_refused(resume_with(3, NULL, junk, sizeof(junk), NULL),
		      MS__EXIT_USAGE, "random bytes");

	/* A sound header, then one field at a time made wrong. */
	if (pipe(pipefd) < 0)
		return;
	memset(&h, 0, sizeof(h));
	h.magic = MS__HANDOFF_MAGIC;
	h.exec_step = 0;
	h.out_fd = pipefd[1];
	h.nsteps = 2;
	h.parent = getpid();
	h.arena = ARENA;
	h.text_len = strlen(program);
	strcpy(h.file, "crafted.scn");
#define BAD(field, value, what)                                              \
	do {                                                                 \
		struct ms__handoff b_ = h;                                   \
		b_.field = value;                                            \
		check_refused(resume_with(3, NULL, &b_, sizeof(b_), program), \
			      MS__EXIT_USAGE, what);                         \
	} while (0)
	BAD(exec_step, -1, "a negative step index");
	BAD(exec_step, 2, "a step index past the end");
	BAD(exec_step, INT32_MIN, "the most negative step index");
	BAD(nsteps, -5, "a negative step count");
	BAD(nnames, 1000, "too many names");
	BAD(nnames, -1, "a negative name count");
	BAD(depth, -1, "a negative fork depth");
	BAD(out_fd, 99999, "a record descriptor out of range");
	BAD(out_fd, 0, "a record descriptor that is no pipe");
	BAD(text_len, 1ULL << 62, "a huge text length");
	BAD(text_len, 0, "no text");
	BAD(arena, 0x1000, "an arena elsewhere");
	BAD(snapshots, 7, "a flag that is neither 0 nor 1");
	BAD(bound[3], 200, "a bound flag that is neither 0 nor 1");
	BAD(parent, 0, "no parent");
	BAD(data_route, 7, "a data route out of range");
	BAD(data_route, -1, "a negative data route");
	BAD(data_route_forced, 2, "a forced flag that is neither 0 nor 1");
	BAD(magic, 0, "no magic");
	{
		struct ms__handoff b = h;

		memset(b.file, 'x', sizeof(b.file));
		check_refused(resume_with(3, NULL, &b, sizeof(b), program),
			      MS__EXIT_USAGE, "an unterminated file name");
	}
#undef BAD
	/* Sound, but the text is not the program: BROK, no crash. */
	{
		static const char *const texts[] = {
			"purpose x\n",
			"purpose x\nrules G1\n\nfork\nend\n",
		};

		for (int i = 0; i < 2; i++) {
			struct ms__handoff b = h;

			b.text_len = strlen(texts[i]);
			check_refused(resume_with(3, NULL, &b, sizeof(b),
						  texts[i]),
				      MS__EXIT_BROK, texts[i]);
		}
	}
	close(pipefd[0]);
	close(pipefd[1]);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], MS_EXEC_ARGV1) == 0)
		ms_kernel_exec_resume(argc, argv);
	setvbuf(stdout, NULL, _IONBF, 0);

	test_probe();
	test_basics();
	test_setup_and_skip();
	test_crash_and_hang();
	test_fork();
	test_exec();
	test_unbound();
	test_foll_force();
	test_data_routes_in_scenarios();
	test_uffd_move();
	test_process_madvise_parent();
	test_remote_madvise_skip();
	test_map_slots();
	test_files_and_ipc();
	test_resume_garbage();
	test_reader_garbage();
	/* Late: observing in this process maps the smaps buffer here, which
	 * every later scenario process would inherit, and which moves the
	 * VMA boundaries test_map_slots counts. */
	test_data_reader_lifetime();
	test_data_routes();
	/* Last: it seals memory in this process, which every later scenario
	 * process would inherit. */
	test_observe();
	test_aio_free_ring_wait();
	return check_report();
}

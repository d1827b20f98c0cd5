// SPDX-License-Identifier: MIT
/*
 * What the model costs, all measured in one run (figures, not assertions:
 * `make bench` prints them):
 *
 *   1. ns per call of a mixed mprotect / madvise / mseal / munmap+mmap
 *      stream at 100, 10,000, 65,530 and 1,000,000 VMAs, with two access
 *      patterns: "local", the addresses drawn from a window of 1,000
 *      neighbouring VMAs, and "random", drawn from all VMAs.  Local is how
 *      the model is used: a scenario (and a fuzzer program) maps a few
 *      neighbouring slots of its arena and every later call works on
 *      them; the 2x target of issue 5 is read on it.  Random is the
 *      worst case: at a million VMAs the index and records (~76 MB) are
 *      far out of cache, so a call pays a few DRAM accesses, and the
 *      memory latency of this machine, measured the same way, is printed
 *      beside it.  Bytes per VMA as the model counts them (every block it
 *      holds, used or not) and the growth of the process's resident
 *      memory, allocator overhead included.
 *   2. The top-down search for free space below 1,000,000 packed VMAs.
 *   3. A 1 GiB and a 1 TiB mapping: the same few bytes (contents are lazy).
 *   4. Two recorded streams of 1,000,000 calls each (mmap, mprotect,
 *      munmap, madvise, mremap, mseal over an arena of 128 MiB at
 *      0x300000000000) replayed on the model and on this kernel (raw
 *      syscalls in a forked child), ns per call for each, their ratio,
 *      how many results agree, and ns per call of each kind of call.
 *      "uniform" draws every address from the whole arena; "scenario"
 *      works like the catalog, in bursts of 16 calls within a window of
 *      64 pages that then moves to a random place in the arena.  The
 *      kernel's figure is put beside the cost of its cheapest syscall
 *      (getppid) in the same child, so the entry and exit are visible;
 *      the model's beside the cost of one lookup (find_vma at each
 *      call's address in the address space the stream left), which
 *      every call pays at least once.  `bench/model replay` runs only
 *      this part.
 *
 * Times are CPU time of the process doing the calls (the kernel's
 * includes its system time), so a loaded machine does not inflate them.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "sealspec-model.h"

#define PS 4096ULL
#define BASE 0x100000000ULL
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static unsigned int seed = 12345;

static unsigned int rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 8;
}

/* Resident anonymous memory of this process (RssAnon), in bytes. */
static size_t resident_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "RssAnon: %zu kB", &kb) == 1)
			break;
	fclose(f);
	return kb << 10;
}

/* ------------------------------------------------------------------ */
/* 1. Per-call cost by number of VMAs                                  */

/* n one-page VMAs, a free page between each so that none merge. */
static struct ms_mm *build(long n, size_t *bytes, size_t *heap)
{
	struct ms_mm_config c;
	struct ms_mm *mm;
	size_t before, hbefore = resident_bytes();

	ms_mm_default_config(&c, MS_PROFILE_LINUX);
	c.max_map_count = (int)(n + 1000);
	if (ms_mm_new(&c, &mm) < 0)
		exit(1);
	before = ms_mm_memory(mm);
	for (long i = 0; i < n; i++)
		if (ms_mmap(mm, BASE + 2 * (uint64_t)i * PS, PS, RW,
			    ANON | MAP_FIXED, NULL, 0) < 0)
			exit(1);
	*bytes = ms_mm_memory(mm) - before;
	*heap = resident_bytes() - hbefore;
	return mm;
}

/* The stream: ns per call, addresses from VMA first .. first+span. */
static double stream(struct ms_mm *mm, long first, long span, long calls,
		     long *errs)
{
	long seals = 0;
	double t0, t1;

	*errs = 0;
	t0 = now_ns();
	for (long k = 0; k < calls; k++) {
		uint64_t a = BASE + 2 * (uint64_t)(first + (long)(rnd() %
					(unsigned long)span)) * PS;
		long r = 0;

		switch (rnd() % 8) {
		case 0:
		case 1:
			r = ms_mprotect(mm, a, PS,
					rnd() & 1 ? PROT_READ : RW);
			break;
		case 2:
		case 3:
			r = ms_madvise(mm, a, PS, rnd() & 1 ? MADV_DONTNEED :
				       MADV_WILLNEED);
			break;
		case 4:
			/* At most a tenth of the VMAs end up sealed. */
			if (seals < span / 10) {
				r = ms_mseal(mm, a, PS, 0);
				seals++;
			}
			break;
		default:
			r = ms_munmap(mm, a, PS);
			if (!r)
				r = ms_mmap(mm, a, PS, RW, ANON, NULL, 0) < 0;
			break;
		}
		*errs += r < 0;
	}
	t1 = now_ns();
	return (t1 - t0) / (double)calls;
}

/* ns per dependent load from a random permutation of bytes bytes. */
static double load_latency(size_t bytes)
{
	size_t n = bytes / sizeof(size_t), p = 0;
	size_t *a = malloc(n * sizeof(*a));
	const long loads = 2000000;
	double t0, t1;

	if (!a)
		return 0;
	for (size_t i = 0; i < n; i++)
		a[i] = i;
	/* Sattolo: one cycle through every slot. */
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = ((size_t)rnd() << 16 ^ rnd()) % i, t = a[i];

		a[i] = a[j];
		a[j] = t;
	}
	t0 = now_ns();
	for (long i = 0; i < loads; i++)
		p = a[p];
	t1 = now_ns();
	free(a);
	return p == n ? 0 : (t1 - t0) / (double)loads;
}

static void per_call(void)
{
	static const long sizes[] = { 100, 10000, 65530, 1000000 };
	double rand_ns[4], local_ns[4];

	printf("model VMA record: %zu bytes\n", ms_mm_vma_size());
	for (int i = 0; i < 4; i++) {
		long n = sizes[i], errs, lerrs;
		long span = n < 1000 ? n : 1000;
		size_t bytes, heap;
		struct ms_mm *mm = build(n, &bytes, &heap);

		/* Local first: the random stream seals a tenth of all VMAs. */
		local_ns[i] = stream(mm, n / 2 - span / 2, span, 400000,
				     &lerrs);
		rand_ns[i] = stream(mm, 0, n, 400000, &errs);
		printf("model %8ld VMAs: %4.0f ns/call local, %4.0f random "
		       "(400,000 calls each, %ld and %ld refused); "
		       "%zu bytes/VMA (resident: +%zu KiB, %zu/VMA)\n",
		       n, local_ns[i], rand_ns[i], lerrs, errs,
		       bytes / (size_t)n, heap >> 10, heap / (size_t)n);
		ms_mm_free(mm);
	}
	printf("model 1,000,000 / 100 VMAs: %.1fx local (calls near the "
	       "VMAs the last calls touched, as scenarios make them), %.1fx "
	       "random (every call a cache miss)\n",
	       local_ns[3] / local_ns[0], rand_ns[3] / rand_ns[0]);
	printf("this machine: a dependent load costs %.0f ns within 2 MiB, "
	       "%.0f ns within 128 MiB\n", load_latency(2u << 20),
	       load_latency(128u << 20));
}

/* ------------------------------------------------------------------ */
/* 2. The search for free space, 3. 1 TiB                              */

static void search_and_terabyte(void)
{
	const long n = 1000000;
	struct ms_mm_config c;
	struct ms_mm *mm;
	size_t before;
	double t0, t1;
	int64_t a;

	/* n VMAs packed right below mmap_base, alternating protections:
	 * a new mapping must go below all of them. */
	ms_mm_default_config(&c, MS_PROFILE_LINUX);
	c.max_map_count = (int)(n + 1000);
	if (ms_mm_new(&c, &mm) < 0)
		exit(1);
	for (long i = 0; i < n; i++)
		ms_mmap(mm, c.mmap_base - (uint64_t)(i + 1) * PS, PS,
			i & 1 ? PROT_READ : RW, ANON | MAP_FIXED, NULL, 0);
	/* The first search brings the index's gaps up to date (they are
	 * kept lazily): once for all the VMAs mapped, timed apart. */
	t0 = now_ns();
	a = ms_mmap(mm, 0, PS, RW, ANON, NULL, 0);
	if (a < 0 || ms_munmap(mm, (uint64_t)a, PS) < 0)
		exit(1);
	t1 = now_ns();
	printf("model top-down search below %ld packed VMAs, the first: "
	       "%.1f ms\n", n, (t1 - t0) / 1e6);
	t0 = now_ns();
	for (int i = 0; i < 1000; i++) {
		a = ms_mmap(mm, 0, PS, RW, ANON, NULL, 0);
		if (a < 0 || ms_munmap(mm, (uint64_t)a, PS) < 0)
			exit(1);
	}
	t1 = now_ns();
	printf("model top-down search below %ld packed VMAs, then: %.0f ns "
	       "per mmap+munmap\n", n, (t1 - t0) / 1000);
	ms_mm_free(mm);

	for (int shift = 30; shift <= 40; shift += 10) {
		size_t mapped, sealed, written;

		if (ms_mm_new(NULL, &mm) < 0)
			exit(1);
		before = ms_mm_memory(mm);
		a = ms_mmap(mm, 0, 1ULL << shift, RW, ANON | MAP_NORESERVE,
			    NULL, 0);
		if (a < 0)
			exit(1);
		mapped = ms_mm_memory(mm) - before;
		ms_mseal(mm, (uint64_t)a, 1ULL << shift, 0);
		sealed = ms_mm_memory(mm) - before;
		/* One page written in the middle: one page record more. */
		{
			struct ms_fault f;

			ms_mm_fill(mm, (uint64_t)a + (1ULL << (shift - 1)), "A",
				   &f);
		}
		written = ms_mm_memory(mm) - before;
		printf("model 1 %ciB mapping: %zu bytes mapped, %zu sealed, "
		       "%zu with a page written (%d VMA)\n",
		       shift == 30 ? 'G' : 'T', mapped, sealed, written,
		       ms_mm_map_count(mm));
		ms_mm_free(mm);
	}
}

/* ------------------------------------------------------------------ */
/* 4. A recorded stream on the model and on the kernel                 */

#define ARENA 0x300000000000ULL
#define ARENA_PAGES 32768ULL
#define REPLAY_CALLS 1000000

enum op { OP_MMAP, OP_MPROTECT, OP_MUNMAP, OP_MADVISE, OP_MREMAP, OP_MSEAL };

static const char *const op_names[] = { "mmap", "mprotect", "munmap",
					"madvise", "mremap", "mseal" };

struct call {
	uint8_t op;
	int32_t arg;		/* prot, advice or mremap flags */
	uint64_t addr, len, arg2;	/* arg2: mremap's new_len, new_addr */
	uint64_t dst;
};

/*
 * Where a call goes.  Uniform: anywhere in the arena.  Scenario: inside
 * a window of WINDOW pages that moves to a random place every BURST calls,
 * as the catalog's scenarios map a few neighbouring slots and work on
 * them (a scenario is 5 to 30 calls on mappings of 1 to 8 pages).
 */
#define WINDOW 64ULL
#define BURST 16

static bool scenario;
static uint64_t window;

static uint64_t arena_page(uint64_t len_pages)
{
	if (scenario)
		return ARENA + (window + rnd() % (WINDOW - len_pages)) * PS;
	return ARENA + (rnd() % (ARENA_PAGES - len_pages)) * PS;
}

static void record(struct call *calls, long n)
{
	static const int prots[] = { PROT_NONE, PROT_READ, RW };
	static const int advice[] = { MADV_DONTNEED, MADV_WILLNEED,
				      MADV_RANDOM, MADV_NORMAL };

	for (long i = 0; i < n; i++) {
		struct call *c = &calls[i];
		uint64_t pages;
		unsigned int k;

		if (i % BURST == 0)
			window = rnd() % (ARENA_PAGES - WINDOW);
		pages = 1 + rnd() % 8;
		k = rnd() % 1000;
		c->len = pages * PS;
		c->addr = arena_page(pages);
		if (k < 200) {
			c->op = OP_MMAP;
			c->arg = prots[rnd() % 3];
		} else if (k < 450) {
			c->op = OP_MPROTECT;
			c->arg = prots[rnd() % 3];
		} else if (k < 600) {
			c->op = OP_MUNMAP;
		} else if (k < 850) {
			c->op = OP_MADVISE;
			c->arg = advice[rnd() % 4];
		} else if (k < 999) {
			c->op = OP_MREMAP;
			if (rnd() & 1) {
				/* A move elsewhere in the arena. */
				c->arg = MREMAP_MAYMOVE | MREMAP_FIXED;
				c->arg2 = c->len;
				do
					c->dst = arena_page(pages);
				while (c->dst < c->addr + c->len &&
				       c->addr < c->dst + c->len);
			} else {
				/* A shrink in place. */
				c->arg = 0;
				c->arg2 = (pages + 1) / 2 * PS;
			}
		} else {
			c->op = OP_MSEAL;
			c->len = PS;
		}
	}
}

static int64_t model_call(struct ms_mm *mm, const struct call *c)
{
	switch (c->op) {
	case OP_MMAP:
		return ms_mmap(mm, c->addr, c->len, c->arg,
			       ANON | MAP_FIXED | MAP_NORESERVE, NULL, 0);
	case OP_MPROTECT:
		return ms_mprotect(mm, c->addr, c->len, c->arg);
	case OP_MUNMAP:
		return ms_munmap(mm, c->addr, c->len);
	case OP_MADVISE:
		return ms_madvise(mm, c->addr, c->len, c->arg);
	case OP_MREMAP:
		return ms_mremap(mm, c->addr, c->len, c->arg2, c->arg, c->dst);
	default:
		return ms_mseal(mm, c->addr, c->len, 0);
	}
}

static int64_t sys(long nr, uint64_t a, uint64_t b, uint64_t c, uint64_t d,
		   uint64_t e)
{
	long r = syscall(nr, a, b, c, d, e, 0);

	return r < 0 ? -errno : r;
}

static int64_t kernel_call(const struct call *c)
{
	switch (c->op) {
	case OP_MMAP:
		return sys(SYS_mmap, c->addr, c->len, (uint64_t)c->arg,
			   ANON | MAP_FIXED | MAP_NORESERVE, (uint64_t)-1);
	case OP_MPROTECT:
		return sys(SYS_mprotect, c->addr, c->len, (uint64_t)c->arg, 0,
			   0);
	case OP_MUNMAP:
		return sys(SYS_munmap, c->addr, c->len, 0, 0, 0);
	case OP_MADVISE:
		return sys(SYS_madvise, c->addr, c->len, (uint64_t)c->arg, 0,
			   0);
	case OP_MREMAP:
		return sys(SYS_mremap, c->addr, c->len, c->arg2,
			   (uint64_t)c->arg, c->dst);
	default:
		return sys(__NR_mseal, c->addr, c->len, 0, 0, 0);
	}
}

/* The arena's reservation: one PROT_NONE mapping, never replacing. */
static int64_t reserve_model(struct ms_mm *mm)
{
	return ms_mmap(mm, ARENA, ARENA_PAGES * PS, PROT_NONE,
		       ANON | MAP_FIXED_NOREPLACE | MAP_NORESERVE, NULL, 0);
}

/* A clock for timing one call: the TSC where there is one. */
static uint64_t ticks(void)
{
#if defined(__x86_64__)
	return __builtin_ia32_rdtsc();
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

/*
 * ns per call of each kind: the stream once more, each call timed on its
 * own with the TSC (calibrated against CLOCK_MONOTONIC over the pass).
 * A call that took over 100 us was interrupted (this machine may be
 * shared): it is left out, and counted.  The timer adds some ns to each
 * call; the totals above are the figures to quote.
 */
static void per_op(const struct call *calls, long n, struct ms_mm *mm,
		   double op_ns[6], long *dropped)
{
	double t[6] = { 0 }, m0, m1, per_ns;
	uint64_t c0, c1, *tk = malloc(sizeof(*tk) * (size_t)n);
	long cnt[6] = { 0 };
	struct timespec ts;

	if (!tk)
		exit(1);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	m0 = (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
	c0 = ticks();
	for (long i = 0; i < n; i++) {
		uint64_t a = ticks();

		if (mm)
			model_call(mm, &calls[i]);
		else
			kernel_call(&calls[i]);
		tk[i] = ticks() - a;
	}
	c1 = ticks();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	m1 = (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
	per_ns = (double)(c1 - c0) / (m1 - m0);
	*dropped = 0;
	for (long i = 0; i < n; i++) {
		if ((double)tk[i] > 100000 * per_ns) {
			++*dropped;
			continue;
		}
		t[calls[i].op] += (double)tk[i] / per_ns;
		cnt[calls[i].op]++;
	}
	for (int k = 0; k < 6; k++)
		op_ns[k] = cnt[k] ? t[k] / (double)cnt[k] : 0;
	free(tk);
}

struct shared {
	double ns, null_ns, op_ns[6];
	long dropped;
	int64_t setup;
	int64_t res[REPLAY_CALLS];
};

/* In a forked child: the arena, then the stream, timed whole or by call. */
static int kernel_replay(const struct call *calls, long n, struct shared *sh,
			 bool by_call)
{
	double t0, t1;

	/* Touch the result pages first: their faults are not the calls'. */
	memset(sh->res, 0, sizeof(sh->res));
	sh->setup = sys(SYS_mmap, ARENA, ARENA_PAGES * PS, PROT_NONE,
			ANON | MAP_FIXED_NOREPLACE | MAP_NORESERVE,
			(uint64_t)-1);
	if (sh->setup != (int64_t)ARENA)
		return 1;
	if (by_call) {
		per_op(calls, n, NULL, sh->op_ns, &sh->dropped);
		return 0;
	}
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		sh->res[i] = kernel_call(&calls[i]);
	t1 = now_ns();
	sh->ns = (t1 - t0) / (double)n;
	/* The floor: a syscall that does nothing, through the same path. */
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		sys(SYS_getppid, 0, 0, 0, 0, 0);
	t1 = now_ns();
	sh->null_ns = (t1 - t0) / (double)n;
	return 0;
}

static int in_child(const struct call *calls, long n, struct shared *sh,
		    bool by_call)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(kernel_replay(calls, n, sh, by_call));
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		printf("replay on the kernel: the child failed (arena "
		       "reservation: %lld)\n", (long long)sh->setup);
		return -1;
	}
	return 0;
}

static void replay(struct call *calls, int64_t *mres, struct shared *sh,
		   bool scen)
{
	const long n = REPLAY_CALLS;
	const char *name = scen ? "scenario" : "uniform";
	struct ms_mm *mm;
	double t0, t1, mns, lns, mop[6], kop[6];
	long agree = 0, shown = 0, ops[6] = { 0 }, mdrop, kdrop, found = 0;
	struct ms_vma_info info;
	int vmas;

	scenario = scen;
	seed = 4242;
	record(calls, n);
	for (long i = 0; i < n; i++)
		ops[calls[i].op]++;

	if (ms_mm_new(NULL, &mm) < 0 || reserve_model(mm) != (int64_t)ARENA)
		exit(1);
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		mres[i] = model_call(mm, &calls[i]);
	t1 = now_ns();
	mns = (t1 - t0) / (double)n;
	vmas = ms_mm_map_count(mm);
	/* The floor of any call: finding the VMA at its address. */
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		found += ms_mm_vma_find(mm, calls[i].addr, &info) == 0;
	t1 = now_ns();
	lns = (t1 - t0) / (double)n;
	ms_mm_free(mm);
	if (ms_mm_new(NULL, &mm) < 0 || reserve_model(mm) != (int64_t)ARENA)
		exit(1);
	per_op(calls, n, mm, mop, &mdrop);
	ms_mm_free(mm);

	printf("replay %s: %ld calls (%ld mmap, %ld mprotect, %ld munmap, "
	       "%ld madvise, %ld mremap, %ld mseal) over %llu pages at %#llx, "
	       "%d VMAs at the end\n", name, n, ops[0], ops[1], ops[2],
	       ops[3], ops[4], ops[5], ARENA_PAGES, ARENA, vmas);
	if (in_child(calls, n, sh, true) < 0)
		return;
	memcpy(kop, sh->op_ns, sizeof(kop));
	kdrop = sh->dropped;
	if (in_child(calls, n, sh, false) < 0)
		return;
	for (long i = 0; i < n; i++) {
		const struct call *c = &calls[i];

		if (mres[i] == sh->res[i]) {
			agree++;
			continue;
		}
		if (shown++ < 5)
			printf("  call %ld %s(%#llx, %llup, %d, %#llx, %#llx): "
			       "model %lld, kernel %lld\n", i, op_names[c->op],
			       (unsigned long long)c->addr,
			       (unsigned long long)(c->len / PS), c->arg,
			       (unsigned long long)c->arg2,
			       (unsigned long long)c->dst,
			       (long long)mres[i], (long long)sh->res[i]);
	}
	printf("replay %s: model %.0f ns/call, kernel %.0f ns/call (getppid: "
	       "%.0f): the model is %.1fx faster; %ld of %ld results agree\n",
	       name, mns, sh->ns, sh->null_ns, sh->ns / mns, agree, n);
	printf("replay %s: 30x would need the model at %.0f ns/call; one "
	       "lookup (find_vma at each call's address, the %d VMAs at the "
	       "end; %ld found) costs %.0f\n", name, sh->ns / 30, vmas,
	       found, lns);
	printf("replay %s, ns per call by kind, each timed alone "
	       "(model/kernel):", name);
	for (int k = 0; k < 6; k++)
		printf(" %s %.0f/%.0f", op_names[k], mop[k], kop[k]);
	printf(" (%ld and %ld interrupted calls left out)\n", mdrop, kdrop);
}

static void replays(void)
{
	struct call *calls = malloc(sizeof(*calls) * REPLAY_CALLS);
	int64_t *mres = malloc(sizeof(*mres) * REPLAY_CALLS);
	struct shared *sh = mmap(NULL, sizeof(*sh), RW,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (!calls || !mres || sh == MAP_FAILED)
		exit(1);
	replay(calls, mres, sh, false);
	replay(calls, mres, sh, true);
	munmap(sh, sizeof(*sh));
	free(calls);
	free(mres);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "replay"))) {
		fprintf(stderr, "usage: %s [replay]\n", argv[0]);
		return 2;
	}
	/* "replay": the recorded streams only. */
	if (argc == 1) {
		per_call();
		search_and_terabyte();
	}
	replays();
	return 0;
}

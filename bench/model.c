// SPDX-License-Identifier: MIT
/*
 * What the model costs: ns per call of a mixed mprotect / madvise / mseal
 * / munmap+mmap stream at 100, 10,000, 65,530 and 1,000,000 VMAs, bytes
 * per VMA, and the memory a 1 TiB mapping takes.  Figures, not
 * assertions: `make bench` prints them.  Times are CPU time of this
 * process, so a loaded machine does not inflate them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "compat.h"
#include "sealspec-model.h"

#define PS 4096ULL
#define BASE 0x100000000ULL

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

/* n one-page VMAs, a free page between each so that none merge. */
static struct ms_mm *build(long n, size_t *bytes)
{
	struct ms_mm_config c;
	struct ms_mm *mm;
	size_t before;

	ms_mm_default_config(&c, MS_PROFILE_LINUX);
	c.max_map_count = (int)(n + 1000);
	if (ms_mm_new(&c, &mm) < 0)
		exit(1);
	before = ms_mm_memory(mm);
	for (long i = 0; i < n; i++)
		if (ms_mmap(mm, BASE + 2 * (uint64_t)i * PS, PS,
			    PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL,
			    0) < 0)
			exit(1);
	*bytes = ms_mm_memory(mm) - before;
	return mm;
}

static void stream(long n)
{
	const long calls = 400000;
	size_t bytes;
	struct ms_mm *mm = build(n, &bytes);
	double t0, t1;
	long errs = 0, seals = 0;

	t0 = now_ns();
	for (long k = 0; k < calls; k++) {
		uint64_t a = BASE + 2 * (uint64_t)(rnd() % (unsigned long)n) * PS;
		long r = 0;

		switch (rnd() % 8) {
		case 0:
		case 1:
			r = ms_mprotect(mm, a, PS, rnd() & 1 ? PROT_READ :
					PROT_READ | PROT_WRITE);
			break;
		case 2:
		case 3:
			r = ms_madvise(mm, a, PS, rnd() & 1 ? MADV_DONTNEED :
				       MADV_WILLNEED);
			break;
		case 4:
			/* At most a tenth of the VMAs end up sealed. */
			if (seals < n / 10) {
				r = ms_mseal(mm, a, PS, 0);
				seals++;
			}
			break;
		default:
			r = ms_munmap(mm, a, PS);
			if (!r)
				r = ms_mmap(mm, a, PS, PROT_READ | PROT_WRITE,
					    MAP_PRIVATE | MAP_ANONYMOUS,
					    NULL, 0) < 0;
			break;
		}
		errs += r < 0;
	}
	t1 = now_ns();
	printf("model %8ld VMAs: %6.0f ns/call (%ld calls, %ld refused), "
	       "%zu bytes/VMA\n", n, (t1 - t0) / calls, calls, errs,
	       bytes / (size_t)n);
	ms_mm_free(mm);
}

int main(void)
{
	static const long sizes[] = { 100, 10000, 65530, 1000000 };
	struct ms_mm *mm;
	size_t before;
	int64_t a;

	printf("model VMA record: %zu bytes (+ allocator overhead)\n",
	       ms_mm_vma_size());
	for (int i = 0; i < 4; i++)
		stream(sizes[i]);

	if (ms_mm_new(NULL, &mm) < 0)
		return 1;
	before = ms_mm_memory(mm);
	a = ms_mmap(mm, 0, 1ULL << 40, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, NULL, 0);
	if (a < 0)
		return 1;
	printf("model 1 TiB mapping: %zu bytes", ms_mm_memory(mm) - before);
	ms_mseal(mm, (uint64_t)a, 1ULL << 40, 0);
	printf(", %zu after mseal of all of it\n", ms_mm_memory(mm) - before);
	ms_mm_free(mm);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * The model on its own, through include/sealspec-model.h alone: one
 * address space per profile, four pages mapped, three of them sealed,
 * then the calls the seal refuses, and the pages afterwards.
 *
 *   cc -Iinclude -o demo examples/model-demo.c build/libsealspec.a
 *
 *   0123
 *   NSSS   N = normal rw anon, S = sealed (pages 2-3 read-only)
 */
#define _GNU_SOURCE	/* MREMAP_MAYMOVE */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "sealspec-model.h"

#define PS 4096ULL

/* "0", a hex address, or an errno name: what the call returned. */
static const char *result(long long r, char *buf, size_t n)
{
	const char *name = r < 0 ? ms_errno_name((int)-r) : NULL;

	if (name)
		return name;
	snprintf(buf, n, r > 0xffff ? "%#llx" : "%lld", r);
	return buf;
}

static void show(const char *what, long long r)
{
	char buf[32];

	printf("  %-36s = %s\n", what, result(r, buf, sizeof(buf)));
}

/* One grid per attribute, in the scenario language's tokens. */
static void strip(const struct ms_mm *mm, uint64_t a)
{
	static const enum ms_attr attrs[] = { MS_ATTR_PROT, MS_ATTR_SEAL,
					      MS_ATTR_VMAS, MS_ATTR_DATA };
	struct ms_page pages[4];
	char grid[64];

	ms_mm_observe(mm, a, 4, pages);
	printf(" ");
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		ms_grid_format(attrs[i], pages, 4, grid, sizeof(grid));
		printf(" %s \"%s\"", ms_attr_name(attrs[i]), grid);
	}
	printf("\n");
}

static int demo(enum ms_profile p)
{
	struct ms_mm_config c;
	struct ms_fault f;
	struct ms_mm *mm;
	int64_t a;

	ms_mm_default_config(&c, p);
	if (ms_mm_new(&c, &mm) < 0)
		return 1;
	printf("profile %s\n", ms_profile_name(p));
	a = ms_mmap(mm, 0, 4 * PS, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	if (a < 0)
		return 1;
	ms_mm_fill(mm, (uint64_t)a, "ABCD", &f);
	show("mprotect(a+2p, 2p, PROT_READ)",
	     ms_mprotect(mm, (uint64_t)a + 2 * PS, 2 * PS, PROT_READ));
	show("mseal(a+1p, 3p, 0)", ms_mseal(mm, (uint64_t)a + PS, 3 * PS, 0));
	strip(mm, (uint64_t)a);
	show("mprotect(a, 4p, PROT_READ)",
	     ms_mprotect(mm, (uint64_t)a, 4 * PS, PROT_READ));
	show("munmap(a, 4p)", ms_munmap(mm, (uint64_t)a, 4 * PS));
	show("madvise(a+2p, 2p, MADV_DONTNEED)",
	     ms_madvise(mm, (uint64_t)a + 2 * PS, 2 * PS, MADV_DONTNEED));
	show("madvise(a+1p, 1p, MADV_DONTNEED)",
	     ms_madvise(mm, (uint64_t)a + PS, PS, MADV_DONTNEED));
	show("mremap(a+1p, 3p, 4p, MREMAP_MAYMOVE)",
	     ms_mremap(mm, (uint64_t)a + PS, 3 * PS, 4 * PS, MREMAP_MAYMOVE,
		       0));
	strip(mm, (uint64_t)a);
	ms_mm_free(mm);
	return 0;
}

int main(void)
{
	for (int p = 0; p < MS_NPROFILES; p++)
		if (demo((enum ms_profile)p))
			return 1;
	return 0;
}

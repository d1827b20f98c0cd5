/* SPDX-License-Identifier: MIT */
/*
 * What the model's unit tests share: an mm per profile, the structural
 * checker after every call, CALL (expected value beside the call) and
 * GRID (a page grid in the scenario language's tokens).
 */
#ifndef SEALSPEC_MODEL_UTIL_H
#define SEALSPEC_MODEL_UTIL_H

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "check.h"
#include "compat.h"
#include "sealspec-model.h"
#include "sealspec.h"

#define PS 4096ULL
#define P(n) ((uint64_t)(n) * PS)
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static const enum ms_profile profiles[] __attribute__((unused)) = {
	MS_PROFILE_LINUX, MS_PROFILE_LINUX_6_12, MS_PROFILE_LINUX_6_10,
	MS_PROFILE_GUIDELINES,
};

static inline struct ms_mm *mk(enum ms_profile p)
{
	struct ms_mm_config c;
	struct ms_mm *mm;

	ms_mm_default_config(&c, p);
	c.nr_pkeys = 16;
	if (ms_mm_new(&c, &mm) < 0)
		abort();
	return mm;
}

/* The structural checker, after every call. */
static inline void checked(const struct ms_mm *mm, int line)
{
	char why[256];
	int r = ms_mm_check(mm, why, sizeof(why));

	CHECK(r == 0, "line %d: ms_mm_check: %s", line, why);
}

#define CALL(mm, expr, want)                                               \
	do {                                                               \
		long long got_ = (long long)(expr);                        \
		long long want_ = (long long)(want);                       \
		CHECK(got_ == want_,                                       \
		      "line %d (%s): expected %lld, got %lld (%s)",        \
		      __LINE__, ms_profile_name(ms_mm_config(mm)->profile), \
		      want_, got_, #expr);                                 \
		checked(mm, __LINE__);                                     \
	} while (0)

#define GRID(mm, addr, attr, want) grid_is(mm, addr, attr, want, __LINE__)

static inline void grid_is(const struct ms_mm *mm, uint64_t addr, enum ms_attr attr,
		    const char *want, int line)
{
	struct ms_page pages[MS_GRID_MAX];
	char buf[512];
	int n = ms_grid_pages(attr, want);

	ms_mm_observe(mm, addr, n, pages);
	ms_grid_format(attr, pages, n, buf, sizeof(buf));
	CHECK(strcmp(buf, want) == 0, "line %d (%s): expected %s \"%s\", got \"%s\"",
	      line, ms_profile_name(ms_mm_config(mm)->profile),
	      ms_attr_name(attr), want, buf);
}

static inline uint64_t map(struct ms_mm *mm, uint64_t len, int prot, int flags)
{
	int64_t a = ms_mmap(mm, 0, len, prot, flags, NULL, 0);

	CHECK(a > 0, "mmap failed: %lld", (long long)a);
	checked(mm, __LINE__);
	return (uint64_t)a;
}

static inline void fill(struct ms_mm *mm, uint64_t addr, const char *pat)
{
	struct ms_fault f;

	CHECK_INT(ms_mm_fill(mm, addr, pat, &f), 0);
	CHECK(f.signo == 0, "fill %s faulted with %d", pat, f.signo);
	checked(mm, __LINE__);
}

#endif

// SPDX-License-Identifier: MIT
/*
 * The model (libsealspec's src/model) on its own: the tree, split and
 * merge, lazy contents, every profile switch, and the catalog scenarios
 * the tests mirror (named above each test).  The structural checker runs
 * after every call; page grids use the scenario language's tokens.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "check.h"
#include "compat.h"
#include "sealspec-model.h"
#include "sealspec.h"

#include "model_util.h"

/* ------------------------------------------------------------------ */

/* The mm's tree against a reference under random inserts and munmaps. */
static void test_tree_stress(void)
{
	struct ms_mm *mm = mk(MS_PROFILE_LINUX);
	uint64_t base = 0x100000000ULL;
	unsigned char ref[2048] = { 0 };
	unsigned int seed = 1;

	for (int i = 0; i < 20000; i++) {
		int k;

		seed = seed * 1103515245u + 12345u;
		k = (int)((seed >> 8) % 2048);
		if (ref[k]) {
			CHECK_INT(ms_munmap(mm, base + P(2 * k), PS), 0);
			ref[k] = 0;
		} else {
			/* Alternate prots so that neighbours never merge. */
			CHECK_INT(ms_mmap(mm, base + P(2 * k), PS,
					  k & 1 ? PROT_READ : RW,
					  ANON | MAP_FIXED, NULL, 0),
				  (int64_t)(base + P(2 * k)));
			ref[k] = 1;
		}
		if (i % 997 == 0)
			checked(mm, __LINE__);
	}
	int n = 0;

	for (int k = 0; k < 2048; k++)
		n += ref[k];
	CHECK_INT(ms_mm_map_count(mm), n);
	checked(mm, __LINE__);
	ms_mm_free(mm);
}

/*
 * The VMA index at a few levels of internal nodes, against a page bitmap:
 * random MAP_FIXED maps and munmaps, and now and then a search for free
 * space, whose answer must be the highest free run of pages below
 * mmap_base (the per-subtree gaps must lead the descent to it).
 */
static void test_index_gaps(void)
{
	enum { N = 40000 };
	static unsigned char used[N];
	struct ms_mm_config c;
	struct ms_mm *mm;
	uint64_t base = 0x100000000ULL;
	unsigned int seed = 7;
	int bad = 0;

	ms_mm_default_config(&c, MS_PROFILE_LINUX);
	c.mmap_min_addr = base;
	c.mmap_base = base + P(N);
	CHECK_INT(ms_mm_new(&c, &mm), 0);
	memset(used, 0, sizeof(used));
	for (int i = 0; i < 60000; i++) {
		int k, len;

		seed = seed * 1103515245u + 12345u;
		k = (int)((seed >> 8) % N);
		len = 1 + (int)((seed >> 4) % 3);
		if (k + len > N)
			len = N - k;
		if ((seed >> 20) % 3) {
			/* Alternate prots: neighbours merge only sometimes. */
			CHECK_INT(ms_mmap(mm, base + P(k), P(len),
					  (k / 3) & 1 ? PROT_READ : RW,
					  ANON | MAP_FIXED, NULL, 0),
				  (int64_t)(base + P(k)));
			memset(used + k, 1, (size_t)len);
		} else {
			CHECK_INT(ms_munmap(mm, base + P(k), P(len)), 0);
			memset(used + k, 0, (size_t)len);
		}
		if (i % 97 == 0) {
			int want = -1, run = 0;
			int64_t got;

			len = 1 + i % 5;
			for (int p = N - 1; p >= 0; p--) {
				run = used[p] ? 0 : run + 1;
				if (run == len) {
					want = p;
					break;
				}
			}
			got = ms_mmap(mm, 0, P(len), PROT_NONE, ANON, NULL, 0);
			if (want < 0) {
				bad += got != -ENOMEM;
			} else {
				bad += got != (int64_t)(base + P(want));
				memset(used + want, 1, (size_t)len);
			}
		}
		if (i % 499 == 0)
			checked(mm, __LINE__);
	}
	CHECK(ms_mm_map_count(mm) > 5000, "only %d VMAs", ms_mm_map_count(mm));
	CHECK(bad == 0, "%d searches for free space missed the highest gap",
	      bad);
	checked(mm, __LINE__);
	ms_mm_free(mm);
}

/*
 * split-seal-subrange, split-seal-adjacent-merge: sealing splits; sealing
 * the rest merges back.
 *   0123
 *   -SS-  -> abbc,  then SSSS -> aaaa
 */
static void test_split_merge(void)
{
	struct ms_mm *mm = mk(MS_PROFILE_LINUX);
	uint64_t a = map(mm, P(4), RW, ANON);

	fill(mm, a, "ABCD");
	CALL(mm, ms_mseal(mm, a + P(1), P(2), 0), 0);
	GRID(mm, a, MS_ATTR_SEAL, "-SS-");
	GRID(mm, a, MS_ATTR_VMAS, "abbc");
	CALL(mm, ms_mm_map_count(mm), 3);
	CALL(mm, ms_mseal(mm, a, P(4), 0), 0);
	GRID(mm, a, MS_ATTR_VMAS, "aaaa");
	GRID(mm, a, MS_ATTR_DATA, "ABCD");
	CALL(mm, ms_mm_sealed_vmas(mm), 1);
	ms_mm_free(mm);
}

/*
 * split-grow-sealed-by-merge: an untouched neighbour merges into the
 * sealed VMA; a written one has its own anon_vma and stays apart.
 */
static void test_grow_by_merge(void)
{
	for (int touch = 0; touch < 2; touch++) {
		struct ms_mm *mm = mk(MS_PROFILE_LINUX);
		uint64_t a = map(mm, P(2), RW, ANON);

		fill(mm, a, "AB");
		CALL(mm, ms_mseal(mm, a, P(2), 0), 0);
		CALL(mm, ms_mmap(mm, a + P(2), P(2), RW,
				 ANON | MAP_FIXED_NOREPLACE, NULL, 0),
		     (int64_t)(a + P(2)));
		if (touch)
			fill(mm, a + P(2), "CD");
		CALL(mm, ms_mseal(mm, a + P(2), P(2), 0), 0);
		GRID(mm, a, MS_ATTR_SEAL, "SSSS");
		GRID(mm, a, MS_ATTR_DATA, touch ? "ABCD" : "AB00");
		GRID(mm, a, MS_ATTR_VMAS, touch ? "aabb" : "aaaa");
		ms_mm_free(mm);
	}
}

/*
 * mprotect-mixed-ranges, every row under every profile.
 *   0123456
 *   NNSN.SN   N = normal rw anon, S = sealed, . = hole
 */
static void test_mprotect_mixed(void)
{
	static const struct {
		int start, len, ret, ret610;
		const char *prot, *vmas;
	} rows[] = {
		{ 0, 3, -EPERM, -EPERM, "r- r- rw rw .. rw rw", "aabc.de" },
		{ 2, 2, -EPERM, -EPERM, "rw rw rw rw .. rw rw", "aabc.de" },
		{ 0, 4, -EPERM, -EPERM, "r- r- rw rw .. rw rw", "aabc.de" },
		{ 3, 4, -ENOMEM, -EPERM, "rw rw rw r- .. rw rw", "aabc.de" },
		{ 4, 2, -ENOMEM, -ENOMEM, "rw rw rw rw .. rw rw", "aabc.de" },
		{ 2, 3, -EPERM, -EPERM, "rw rw rw rw .. rw rw", "aabc.de" },
		{ 1, 2, -EPERM, -EPERM, "rw r- rw rw .. rw rw", "abcd.ef" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		for (int p = 0; p < 4; p++) {
			struct ms_mm *mm = mk(profiles[p]);
			uint64_t a = map(mm, P(7), RW, ANON);
			bool partial = profiles[p] == MS_PROFILE_LINUX ||
				       profiles[p] == MS_PROFILE_LINUX_6_12;

			fill(mm, a, "ABCDEFG");
			CALL(mm, ms_mseal(mm, a + P(2), P(1), 0), 0);
			CALL(mm, ms_munmap(mm, a + P(4), P(1)), 0);
			CALL(mm, ms_mseal(mm, a + P(5), P(1), 0), 0);
			CALL(mm, ms_mprotect(mm, a + P(rows[i].start),
					     P(rows[i].len), PROT_READ),
			     profiles[p] == MS_PROFILE_LINUX_6_10 ?
				     rows[i].ret610 : rows[i].ret);
			GRID(mm, a, MS_ATTR_PROT,
			     partial ? rows[i].prot : "rw rw rw rw .. rw rw");
			if (partial)
				GRID(mm, a, MS_ATTR_VMAS, rows[i].vmas);
			GRID(mm, a, MS_ATTR_SEAL, "--S-.S-");
			GRID(mm, a, MS_ATTR_DATA, "ABCD.FG");
			ms_mm_free(mm);
		}
	}
}

/*
 * munmap-mixed-ranges: all or nothing; linux leaves the split behind.
 *   01234567
 *   NNSN.NS.
 */
static void test_munmap_mixed(void)
{
	static const struct {
		int start, len, ret;
		const char *vmas;
	} rows[] = {
		{ 0, 3, -EPERM, "aabc.de" }, { 2, 2, -EPERM, "aabc.de" },
		{ 0, 4, -EPERM, "aabc.de" }, { 3, 4, -EPERM, "aabc.de" },
		{ 1, 2, -EPERM, "abcd.ef" }, { 7, 1, 0, "aabc.de" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		for (int p = 0; p < 4; p++) {
			struct ms_mm *mm = mk(profiles[p]);
			uint64_t a = map(mm, P(7), RW, ANON);
			bool residue = profiles[p] == MS_PROFILE_LINUX ||
				       profiles[p] == MS_PROFILE_LINUX_6_12;

			fill(mm, a, "ABCDEFG");
			CALL(mm, ms_mseal(mm, a + P(2), P(1), 0), 0);
			CALL(mm, ms_munmap(mm, a + P(4), P(1)), 0);
			CALL(mm, ms_mseal(mm, a + P(6), P(1), 0), 0);
			CALL(mm, ms_munmap(mm, a + P(rows[i].start),
					   P(rows[i].len)),
			     rows[i].ret);
			GRID(mm, a, MS_ATTR_SEAL, "--S-.-S");
			GRID(mm, a, MS_ATTR_DATA, "ABCD.FG");
			GRID(mm, a, MS_ATTR_VMAS,
			     residue ? rows[i].vmas : "aabc.de");
			ms_mm_free(mm);
		}
	}
}

/* mseal-flags-checked-first, mseal-len-*, mseal-range-with-hole. */
static void test_mseal_args(void)
{
	struct ms_mm *mm = mk(MS_PROFILE_LINUX);
	uint64_t a = map(mm, P(3), RW, ANON);

	CALL(mm, ms_mseal(mm, a, P(1), 1), -EINVAL);
	CALL(mm, ms_mseal(mm, a + 1, P(1), 0), -EINVAL);
	CALL(mm, ms_mseal(mm, a + 1, 0, 0), -EINVAL);
	CALL(mm, ms_mseal(mm, a, 0, 0), 0);
	CALL(mm, ms_mseal(mm, a, (uint64_t)-1, 0), -EINVAL);
	CALL(mm, ms_mseal(mm, a, (uint64_t)-(int64_t)PS, 0), -EINVAL);
	CALL(mm, ms_mseal(mm, 0, PS, 0), -ENOMEM);
	CALL(mm, ms_munmap(mm, a + P(1), P(1)), 0);
	CALL(mm, ms_mseal(mm, a, P(3), 0), -ENOMEM);
	GRID(mm, a, MS_ATTR_SEAL, "-.-");
	CALL(mm, ms_mseal(mm, a, 1, 0), 0);
	GRID(mm, a, MS_ATTR_SEAL, "S.-");
	CALL(mm, ms_mseal(mm, a, 1, 0), 0);
	ms_mm_free(mm);
}

/*
 * mseal-map-count-partial: sealing a+1p..a+5p over [rw x3][r- x3] needs
 * two splits; with one free slot Linux seals the first VMA's part only,
 * the guidelines seal nothing.
 */
static void test_mseal_map_count(void)
{
	static const struct {
		int free, ret;
		const char *seal, *vmas;
	} rows[] = {
		{ 0, -ENOMEM, "------", "aaabbb" },
		{ 1, -ENOMEM, "-SS---", "abbccc" },
		{ 2, 0, "-SSSS-", "abbccd" },
	};

	for (size_t i = 0; i < 3; i++) {
		for (int p = 0; p < 4; p++) {
			struct ms_mm *mm = mk(profiles[p]);
			uint64_t a = map(mm, P(6), RW, ANON);
			bool gl = profiles[p] == MS_PROFILE_GUIDELINES;

			fill(mm, a, "ABC");
			CALL(mm, ms_mprotect(mm, a + P(3), P(3), PROT_READ), 0);
			ms_mm_set_max_map_count(mm, ms_mm_map_count(mm) +
							    rows[i].free);
			CALL(mm, ms_mseal(mm, a + P(1), P(4), 0), rows[i].ret);
			if (!gl || rows[i].ret == 0) {
				GRID(mm, a, MS_ATTR_SEAL, rows[i].seal);
				GRID(mm, a, MS_ATTR_VMAS, rows[i].vmas);
			} else {
				GRID(mm, a, MS_ATTR_SEAL, "------");
			}
			GRID(mm, a, MS_ATTR_PROT, "rw rw rw r- r- r-");
			GRID(mm, a, MS_ATTR_DATA, "ABC000");
			ms_mm_free(mm);
		}
	}
}

/* madvise-anon-ro-sealed and madvise-anon-rw-unsealed, every advice. */
static void test_madvise_anon(void)
{
	static const struct {
		int advice, ro_sealed, ro_sealed610, rw, rw610;
		const char *rwdata, *rwguard;
	} rows[] = {
		{ MADV_NORMAL, 0, 0, 0, 0, "AB", "--" },
		{ MADV_RANDOM, 0, 0, 0, 0, "AB", "--" },
		{ MADV_SEQUENTIAL, 0, 0, 0, 0, "AB", "--" },
		{ MADV_WILLNEED, 0, 0, 0, 0, "AB", "--" },
		{ MADV_DONTNEED, -EPERM, -EPERM, 0, 0, "00", "--" },
		{ MADV_FREE, -EPERM, -EPERM, 0, 0, "AB", "--" },
		{ MADV_REMOVE, -EPERM, -EPERM, -EINVAL, -EINVAL, "AB", "--" },
		{ MADV_DONTFORK, -EPERM, -EPERM, 0, 0, "AB", "--" },
		{ MADV_DOFORK, 0, 0, 0, 0, "AB", "--" },
		{ MADV_MERGEABLE, 0, 0, 0, 0, "AB", "--" },
		{ MADV_UNMERGEABLE, 0, 0, 0, 0, "AB", "--" },
		{ MADV_HUGEPAGE, 0, 0, 0, 0, "AB", "--" },
		{ MADV_NOHUGEPAGE, 0, 0, 0, 0, "AB", "--" },
		{ MADV_DONTDUMP, 0, 0, 0, 0, "AB", "--" },
		{ MADV_DODUMP, 0, 0, 0, 0, "AB", "--" },
		{ MADV_WIPEONFORK, -EPERM, -EPERM, 0, 0, "AB", "--" },
		{ MADV_KEEPONFORK, 0, 0, 0, 0, "AB", "--" },
		{ MADV_COLD, 0, 0, 0, 0, "AB", "--" },
		{ MADV_PAGEOUT, 0, 0, 0, 0, "AB", "--" },
		{ MADV_POPULATE_READ, 0, 0, 0, 0, "AB", "--" },
		{ MADV_POPULATE_WRITE, -EINVAL, -EINVAL, 0, 0, "AB", "--" },
		{ MADV_DONTNEED_LOCKED, -EPERM, -EPERM, 0, 0, "00", "--" },
		{ MADV_COLLAPSE, -EINVAL, -EINVAL, -EINVAL, -EINVAL, "AB", "--" },
		{ MADV_GUARD_INSTALL, -EPERM, -EINVAL, 0, -EINVAL, "!!", "GG" },
		{ MADV_GUARD_REMOVE, 0, -EINVAL, 0, -EINVAL, "AB", "--" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		for (int p = 0; p < 4; p++) {
			bool v610 = profiles[p] == MS_PROFILE_LINUX_6_10;
			struct ms_mm *mm = mk(profiles[p]);
			uint64_t a = map(mm, P(2), RW, ANON);
			uint64_t b = map(mm, P(2), RW, ANON);

			fill(mm, a, "AB");
			CALL(mm, ms_mprotect(mm, a, P(2), PROT_READ), 0);
			CALL(mm, ms_mseal(mm, a, P(2), 0), 0);
			CALL(mm, ms_madvise(mm, a, P(2), rows[i].advice),
			     v610 ? rows[i].ro_sealed610 : rows[i].ro_sealed);
			GRID(mm, a, MS_ATTR_SEAL, "SS");
			GRID(mm, a, MS_ATTR_PROT, "r- r-");
			GRID(mm, a, MS_ATTR_DATA, "AB");
			GRID(mm, a, MS_ATTR_GUARD, "--");

			fill(mm, b, "AB");
			CALL(mm, ms_madvise(mm, b, P(2), rows[i].advice),
			     v610 ? rows[i].rw610 : rows[i].rw);
			GRID(mm, b, MS_ATTR_DATA,
			     v610 && rows[i].rw610 ? "AB" : rows[i].rwdata);
			GRID(mm, b, MS_ATTR_GUARD,
			     v610 ? "--" : rows[i].rwguard);
			ms_mm_free(mm);
		}
	}
}

/*
 * madvise-file-private-cowed-ro-sealed: Linux lets DONTNEED revert the
 * COWed data to the file; the guidelines (2a) refuse.
 */
static void test_madvise_file_private(void)
{
	static const struct {
		int advice, linux, gl;
		const char *data;
	} rows[] = {
		{ MADV_DONTNEED, 0, -EPERM, "FF" },
		{ MADV_FREE, -EINVAL, -EPERM, "WW" },
		{ MADV_REMOVE, -EACCES, -EPERM, "WW" },
		{ MADV_WIPEONFORK, -EINVAL, -EPERM, "WW" },
		{ MADV_POPULATE_WRITE, -EINVAL, -EINVAL, "WW" },
		{ MADV_GUARD_INSTALL, 0, -EPERM, "!!" },
		{ MADV_GUARD_REMOVE, 0, 0, "WW" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		for (int g = 0; g < 2; g++) {
			struct ms_mm *mm = mk(g ? MS_PROFILE_GUIDELINES :
						  MS_PROFILE_LINUX);
			struct ms_file *f;
			int64_t a;

			CHECK_INT(ms_file_memfd(mm, P(2), "FF", &f), 0);
			a = ms_mmap(mm, 0, P(2), RW, MAP_PRIVATE, f, 0);
			ms_file_put(f);
			CHECK(a > 0, "mmap: %lld", (long long)a);
			fill(mm, (uint64_t)a, "WW");
			CALL(mm, ms_mprotect(mm, (uint64_t)a, P(2), PROT_READ), 0);
			CALL(mm, ms_mseal(mm, (uint64_t)a, P(2), 0), 0);
			CALL(mm, ms_madvise(mm, (uint64_t)a, P(2), rows[i].advice),
			     g ? rows[i].gl : rows[i].linux);
			GRID(mm, (uint64_t)a, MS_ATTR_DATA,
			     g ? "WW" : rows[i].data);
			GRID(mm, (uint64_t)a, MS_ATTR_BACK, "f0 f1");
			ms_mm_free(mm);
		}
	}
}

/*
 * madvise-mixed-normal-then-sealed-ro: [N N][S S] DONTNEED.
 *   0123
 *   NNSS   N = normal rw anon, S = sealed r- anon
 */
static void test_madvise_partial(void)
{
	for (int p = 0; p < 4; p++) {
		struct ms_mm *mm = mk(profiles[p]);
		uint64_t a = map(mm, P(4), RW, ANON);
		bool partial = profiles[p] == MS_PROFILE_LINUX ||
			       profiles[p] == MS_PROFILE_LINUX_6_12;

		fill(mm, a, "ABCD");
		CALL(mm, ms_mprotect(mm, a + P(2), P(2), PROT_READ), 0);
		CALL(mm, ms_mseal(mm, a + P(2), P(2), 0), 0);
		CALL(mm, ms_madvise(mm, a, P(4), MADV_DONTNEED), -EPERM);
		GRID(mm, a, MS_ATTR_DATA, partial ? "00CD" : "ABCD");
		ms_mm_free(mm);
	}
}

/* vdso-discard-sealed: special-is-anon decides. */
static void test_vdso_discard(void)
{
	for (int p = 0; p < 4; p++) {
		struct ms_mm *mm = mk(profiles[p]);
		uint64_t v = 0x7ffff7fc0000ULL;
		bool anon = profiles[p] == MS_PROFILE_LINUX_6_12 ||
			    profiles[p] == MS_PROFILE_LINUX_6_10;
		struct ms_fault f;

		CALL(mm, ms_mm_map_special(mm, v, 2, PROT_READ | PROT_EXEC,
					   MS_SPECIAL_VDSO), 0);
		CALL(mm, ms_mseal(mm, v, P(2), 0), 0);
		CALL(mm, ms_madvise(mm, v, P(2), MADV_DONTFORK),
		     anon ? -EPERM : 0);
		GRID(mm, v, MS_ATTR_INHERIT, anon ? "--" : "DD");
		GRID(mm, v, MS_ATTR_BACK, "x x");
		CALL(mm, ms_mm_read(mm, v, P(2), &f), 0);
		CHECK_INT(f.signo, 0);
		ms_mm_free(mm);
	}
}

/* mremap-multi-vma-partial-move: [N][N r-][S] moved onto d. */
static void test_mremap_multi(void)
{
	for (int p = 0; p < 4; p++) {
		enum ms_profile pr = profiles[p];
		struct ms_mm *mm = mk(pr);
		uint64_t a = map(mm, P(3), RW, ANON), d;

		fill(mm, a, "ABC");
		CALL(mm, ms_mprotect(mm, a + P(1), P(1), PROT_READ), 0);
		d = map(mm, P(3), PROT_NONE, ANON);
		CALL(mm, ms_mseal(mm, a + P(2), P(1), 0), 0);
		CALL(mm, ms_mremap(mm, a, P(3), P(3),
				   MREMAP_MAYMOVE | MREMAP_FIXED, d),
		     pr == MS_PROFILE_LINUX_6_12 ? -EFAULT : -EPERM);
		switch (pr) {
		case MS_PROFILE_LINUX:
			GRID(mm, a, MS_ATTR_PROT, ".. .. rw");
			GRID(mm, a, MS_ATTR_DATA, "..C");
			GRID(mm, d, MS_ATTR_PROT, "rw r- --");
			GRID(mm, d, MS_ATTR_DATA, "AB0");
			break;
		case MS_PROFILE_LINUX_6_12:
			GRID(mm, a, MS_ATTR_DATA, "ABC");
			GRID(mm, d, MS_ATTR_PROT, ".. .. ..");
			break;
		default:
			GRID(mm, a, MS_ATTR_PROT, "rw r- rw");
			GRID(mm, a, MS_ATTR_DATA, "ABC");
			GRID(mm, d, MS_ATTR_PROT, "-- -- --");
			break;
		}
		GRID(mm, a + P(2), MS_ATTR_SEAL, "S");
		ms_mm_free(mm);
	}
}

/* mremap-normal-then-sealed and mremap-duplicate. */
static void test_mremap_forms(void)
{
	static const struct {
		uint64_t newlen;
		int flags;
		int64_t linux, v610; /* 1: returns a */
	} rows[] = {
		{ P(2), 0, 1, -EPERM },
		{ P(2), MREMAP_MAYMOVE, 1, -EPERM },
		{ P(1), 0, -EPERM, -EPERM },
		{ P(3), 0, -EFAULT, -EPERM },
		{ P(3), MREMAP_MAYMOVE, -EFAULT, -EPERM },
	};

	for (size_t i = 0; i < 5; i++) {
		for (int p = 0; p < 4; p++) {
			struct ms_mm *mm = mk(profiles[p]);
			uint64_t a = map(mm, P(2), RW, ANON);
			int64_t want = profiles[p] == MS_PROFILE_LINUX_6_10 ?
					       rows[i].v610 : rows[i].linux;

			fill(mm, a, "AB");
			CALL(mm, ms_mseal(mm, a + P(1), P(1), 0), 0);
			CALL(mm, ms_mremap(mm, a, P(2), rows[i].newlen,
					   rows[i].flags, 0),
			     want == 1 ? (int64_t)a : want);
			GRID(mm, a, MS_ATTR_VMAS, "ab.");
			GRID(mm, a, MS_ATTR_DATA, "AB.");
			ms_mm_free(mm);
		}
	}
	/* Duplicating a sealed shared mapping: 6.10 made a sealed alias. */
	for (int p = 0; p < 4; p++) {
		struct ms_mm *mm = mk(profiles[p]);
		uint64_t a = map(mm, P(2), RW, MAP_SHARED | MAP_ANONYMOUS);
		int64_t b;

		fill(mm, a, "AB");
		CALL(mm, ms_mseal(mm, a, P(2), 0), 0);
		b = ms_mremap(mm, a, 0, P(2), MREMAP_MAYMOVE, 0);
		checked(mm, __LINE__);
		if (profiles[p] == MS_PROFILE_LINUX_6_10) {
			CHECK(b > 0, "6.10 alias: %lld", (long long)b);
			fill(mm, a, "XY");
			GRID(mm, (uint64_t)b, MS_ATTR_DATA, "XY");
			GRID(mm, (uint64_t)b, MS_ATTR_SEAL, "SS");
		} else {
			CHECK_INT(b, -EPERM);
		}
		ms_mm_free(mm);
	}
}

/* mremap-expand-into-sealed-neighbour, mremap-sealed-invalid-args. */
static void test_mremap_edges(void)
{
	for (int p = 0; p < 4; p++) {
		struct ms_mm *mm = mk(profiles[p]);
		uint64_t a = map(mm, P(3), RW, ANON);
		int64_t b;

		fill(mm, a, "ABC");
		CALL(mm, ms_mseal(mm, a + P(2), P(1), 0), 0);
		CALL(mm, ms_mremap(mm, a, P(2), P(3), 0, 0), -ENOMEM);
		CALL(mm, ms_mremap(mm, a + P(2), P(1), P(1),
				   MREMAP_MAYMOVE | MREMAP_FIXED, a + P(2) + 1),
		     -EINVAL);
		CALL(mm, ms_mremap(mm, a + P(2), P(1), P(1),
				   MREMAP_MAYMOVE | MREMAP_FIXED, a + P(2)),
		     profiles[p] == MS_PROFILE_LINUX_6_12 ? -EPERM : -EINVAL);
		b = ms_mremap(mm, a, P(2), P(3), MREMAP_MAYMOVE, 0);
		checked(mm, __LINE__);
		CHECK(b > 0 && (uint64_t)b != a, "moved: %lld", (long long)b);
		GRID(mm, a, MS_ATTR_DATA, "..C");
		GRID(mm, (uint64_t)b, MS_ATTR_DATA, "AB0");
		ms_mm_free(mm);
	}
}

/* mlock-sealed-subrange and mlock-all-future-sealed. */
static void test_mlock(void)
{
	struct ms_mm *mm = mk(MS_PROFILE_LINUX);
	uint64_t a = map(mm, P(3), RW, ANON), b;

	fill(mm, a, "ABC");
	CALL(mm, ms_mseal(mm, a, P(3), 0), 0);
	CALL(mm, ms_mlock(mm, a + P(1), P(1)), 0);
	GRID(mm, a, MS_ATTR_VMAS, "abc");
	GRID(mm, a, MS_ATTR_LOCK, "-L-");
	CALL(mm, ms_munlock(mm, a + P(1), P(1)), 0);
	GRID(mm, a, MS_ATTR_VMAS, "aaa");
	GRID(mm, a, MS_ATTR_SEAL, "SSS");
	CALL(mm, ms_mlock2(mm, a, P(1), 2), -EINVAL);
	CALL(mm, ms_mlockall(mm, MCL_FUTURE | MCL_ONFAULT), 0);
	b = map(mm, P(2), RW, ANON);
	GRID(mm, a, MS_ATTR_LOCK, "---");
	GRID(mm, b, MS_ATTR_LOCK, "FF");
	CALL(mm, ms_munlockall(mm), 0);
	GRID(mm, b, MS_ATTR_LOCK, "--");
	CALL(mm, ms_mlockall(mm, MCL_ONFAULT), -EINVAL);
	CALL(mm, ms_msync(mm, a, P(3), MS_SYNC | MS_INVALIDATE), 0);
	CALL(mm, ms_mincore(mm, a, P(3), NULL), 0);
	ms_mm_free(mm);
}

/* fork-sealed-writable-contents, madvise-{dont,wipeon}fork-child. */
static void test_fork(void)
{
	struct ms_mm *mm = mk(MS_PROFILE_LINUX), *child;
	uint64_t a = map(mm, P(2), RW, ANON);
	uint64_t c = map(mm, P(2), PROT_READ | PROT_WRITE | PROT_EXEC, ANON);

	fill(mm, a, "AB");
	fill(mm, c, "CD");
	CALL(mm, ms_mseal(mm, a, P(2), 0), 0);
	CALL(mm, ms_madvise(mm, c, P(1), MADV_WIPEONFORK), 0);
	CALL(mm, ms_madvise(mm, c + P(1), P(1), MADV_DONTFORK), 0);
	CHECK_INT(ms_mm_fork(mm, &child), 0);
	checked(child, __LINE__);
	GRID(child, a, MS_ATTR_SEAL, "SS");
	GRID(child, a, MS_ATTR_DATA, "AB");
	GRID(child, c, MS_ATTR_DATA, "0.");
	CALL(child, ms_munmap(child, a, P(2)), -EPERM);
	fill(child, a, "XY");
	GRID(mm, a, MS_ATTR_DATA, "AB");
	ms_mm_free(child);
	ms_mm_free(mm);
}

/* Faults: PROT_NONE, guard pages, beyond end of file, holes. */
static void test_faults(void)
{
	struct ms_mm *mm = mk(MS_PROFILE_LINUX);
	uint64_t a = map(mm, P(2), PROT_NONE, ANON), g;
	struct ms_file *f;
	struct ms_fault ft;
	int64_t m;

	CHECK_INT(ms_mm_fill(mm, a, "A", &ft), 0);
	CHECK_INT(ft.signo, SIGSEGV);
	g = map(mm, P(2), RW, ANON);
	CALL(mm, ms_madvise(mm, g, P(1), MADV_GUARD_INSTALL), 0);
	ms_mm_read(mm, g, P(2), &ft);
	CHECK_INT(ft.signo, SIGSEGV);
	CHECK_INT((long long)ft.addr, (long long)g);
	CHECK_INT(ms_file_memfd(mm, P(1), "F", &f), 0);
	m = ms_mmap(mm, 0, P(2), PROT_READ, MAP_SHARED, f, 0);
	ms_file_put(f);
	ms_mm_read(mm, (uint64_t)m, P(2), &ft);
	CHECK_INT(ft.signo, SIGBUS);
	GRID(mm, (uint64_t)m, MS_ATTR_DATA, "F!");
	GRID(mm, (uint64_t)m, MS_ATTR_SHARE, "ss");
	ms_mm_free(mm);
}

/* procmem-write-sealed-anon: FOLL_FORCE writes, foll-force-refused. */
static void test_force_write(void)
{
	for (int g = 0; g < 2; g++) {
		struct ms_mm *mm = mk(g ? MS_PROFILE_GUIDELINES :
					  MS_PROFILE_LINUX);
		uint64_t a = map(mm, P(2), RW, ANON);

		fill(mm, a, "AB");
		CALL(mm, ms_mprotect(mm, a, P(2), PROT_READ), 0);
		CALL(mm, ms_mseal(mm, a, P(2), 0), 0);
		CALL(mm, ms_mm_force_write(mm, a, "XY"), g ? -EIO : 0);
		GRID(mm, a, MS_ATTR_DATA, g ? "AB" : "XY");
		ms_mm_free(mm);
	}
}

/* pkey-dontneed-sealed-rights: the caller's rights decide 2b. */
static void test_pkey_rights(void)
{
	static const unsigned int rights[] = { 0, PKEY_DISABLE_WRITE,
					       PKEY_DISABLE_ACCESS };

	for (int i = 0; i < 3; i++) {
		struct ms_mm *mm = mk(MS_PROFILE_LINUX);
		uint64_t a = map(mm, P(2), RW, ANON);
		int k;

		fill(mm, a, "AB");
		k = ms_pkey_alloc(mm, 0, rights[i]);
		CHECK(k > 0, "pkey_alloc: %d", k);
		CALL(mm, ms_pkey_mprotect(mm, a, P(2), RW, k), 0);
		CALL(mm, ms_mseal(mm, a, P(2), 0), 0);
		CALL(mm, ms_madvise(mm, a, P(2), MADV_DONTNEED),
		     i ? -EPERM : 0);
		GRID(mm, a, MS_ATTR_DATA, i ? "AB" : "00");
		CALL(mm, ms_pkey_mprotect(mm, a, P(2), RW, -1), -EPERM);
		CALL(mm, ms_pkey_mprotect(mm, a, P(2), RW, 7), -EINVAL);
		ms_mm_free(mm);
	}
}

/* The map-count limit: splits refuse at the limit, mmap above it. */
static void test_map_count(void)
{
	struct ms_mm *mm = mk(MS_PROFILE_LINUX);
	uint64_t a = map(mm, P(8), RW, ANON);

	ms_mm_set_max_map_count(mm, 2);
	CALL(mm, ms_mprotect(mm, a, P(1), PROT_READ), 0);
	CALL(mm, ms_mm_map_count(mm), 2);
	CALL(mm, ms_mprotect(mm, a + P(4), P(1), PROT_READ), -ENOMEM);
	CALL(mm, ms_munmap(mm, a + P(4), P(1)), -ENOMEM);
	/* Joining the read-only head needs no split. */
	CALL(mm, ms_mprotect(mm, a + P(1), P(1), PROT_READ), 0);
	GRID(mm, a, MS_ATTR_VMAS, "aabbbbbb");
	ms_mm_free(mm);
}

/*
 * A 1 TiB mapping costs one VMA until it is written: as much as a
 * one-page mapping (the first VMA brings the index's first slab chunk
 * and nodes, whatever its size).
 */
static void test_lazy_terabyte(void)
{
	struct ms_mm *mm = mk(MS_PROFILE_LINUX), *small = mk(MS_PROFILE_LINUX);
	size_t before = ms_mm_memory(mm);
	uint64_t a = map(mm, 1ULL << 40, RW, ANON | MAP_NORESERVE);

	map(small, PS, RW, ANON);
	CHECK(ms_mm_memory(mm) == ms_mm_memory(small),
	      "1 TiB costs %zu bytes, one page %zu",
	      ms_mm_memory(mm) - before, ms_mm_memory(small) - before);
	ms_mm_free(small);
	fill(mm, a + (1ULL << 39), "Z");
	GRID(mm, a + (1ULL << 39) - PS, MS_ATTR_DATA, "0Z0");
	CALL(mm, ms_mseal(mm, a, 1ULL << 40, 0), 0);
	CALL(mm, ms_madvise(mm, a, 1ULL << 40, MADV_DONTNEED), 0);
	GRID(mm, a + (1ULL << 39), MS_ATTR_DATA, "0");
	ms_mm_free(mm);
}

/* The profile table: every switch documented, four columns. */
static void test_profile_table(void)
{
	int n;
	const struct ms_model_switch *t = ms_model_switches(&n);

	CHECK(n >= 10, "only %d switches", n);
	for (int i = 0; i < n; i++)
		CHECK(t[i].name && t[i].what && t[i].source && *t[i].source,
		      "switch %d undocumented", i);
}

int main(void)
{
	test_tree_stress();
	test_index_gaps();
	test_split_merge();
	test_grow_by_merge();
	test_mprotect_mixed();
	test_munmap_mixed();
	test_mseal_args();
	test_mseal_map_count();
	test_madvise_anon();
	test_madvise_file_private();
	test_madvise_partial();
	test_vdso_discard();
	test_mremap_multi();
	test_mremap_forms();
	test_mremap_edges();
	test_mlock();
	test_fork();
	test_faults();
	test_force_write();
	test_pkey_rights();
	test_map_count();
	test_lazy_terabyte();
	test_profile_table();
	return check_report();
}

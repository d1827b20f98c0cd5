// SPDX-License-Identifier: MIT
/*
 * The model at the map-count limit, with the structural checker after
 * every call: what a call that runs out of map slots part-way leaves
 * behind (each test mirrors the catalog scenario named above it), and
 * random call streams at a low limit under every profile, so that a
 * partial-failure path the checker cannot account for is caught.
 */
#include <errno.h>

#include "model_util.h"

/*
 * munmap-refused-splits-past-map-count: a refused munmap that starts
 * inside N and meets S splits N without checking the limit
 * (vms_gather_munmap_vmas()), so two refusals at the limit leave the
 * process two VMAs above it; mmap refuses until two VMAs are gone.
 * linux-6.10 and guidelines check the range before splitting.
 *
 *  01234567
 *  NNSSNNSS   N = rw anon, S = sealed; y and z one page each elsewhere
 */
static void test_munmap_refused_past_limit(void)
{
	for (int p = 0; p < 4; p++) {
		struct ms_mm *mm = mk(profiles[p]), *child;
		bool splits = profiles[p] == MS_PROFILE_LINUX ||
			      profiles[p] == MS_PROFILE_LINUX_6_12;
		uint64_t m = map(mm, P(8), RW, ANON);
		uint64_t y = map(mm, P(1), PROT_READ, ANON);
		uint64_t z = map(mm, P(1), PROT_NONE, ANON);
		int max;

		fill(mm, m, "ABCDEFGH");
		CALL(mm, ms_mseal(mm, m + P(2), P(2), 0), 0);
		CALL(mm, ms_mseal(mm, m + P(6), P(2), 0), 0);
		max = ms_mm_map_count(mm);
		CALL(mm, ms_mm_set_max_map_count(mm, max), 0);
		CALL(mm, ms_munmap(mm, m + P(1), P(2)), -EPERM);
		CALL(mm, ms_munmap(mm, m + P(5), P(2)), -EPERM);
		CALL(mm, ms_mm_map_count(mm), max + (splits ? 2 : 0));
		GRID(mm, m, MS_ATTR_VMAS, splits ? "abccdeff" : "aabbccdd");
		GRID(mm, m, MS_ATTR_SEAL, "--SS--SS");
		GRID(mm, m, MS_ATTR_DATA, "ABCDEFGH");

		/* The child of a process above the limit is too. */
		CALL(mm, ms_mm_fork(mm, &child), 0);
		checked(child, __LINE__);
		CALL(child, ms_mm_map_count(child), ms_mm_map_count(mm));
		GRID(child, m, MS_ATTR_VMAS, splits ? "abccdeff" : "aabbccdd");
		ms_mm_free(child);

		CALL(mm, ms_munmap(mm, z, P(1)), 0);
		CALL(mm, ms_mmap(mm, 0, P(1), PROT_READ, ANON, NULL, 0) > 0,
		     !splits);
		CALL(mm, ms_munmap(mm, y, P(1)), 0);
		CALL(mm, ms_mmap(mm, 0, P(1), PROT_READ, ANON, NULL, 0) > 0,
		     1);
		/* Unmapping the pieces brings the count, and the room the
		 * checker gives above the limit, back down. */
		CALL(mm, ms_munmap(mm, m, P(2)), 0);
		CALL(mm, ms_munmap(mm, m + P(4), P(2)), 0);
		CALL(mm, ms_mmap(mm, m, P(2), RW, ANON | MAP_FIXED, NULL, 0),
		     (int64_t)m);
		ms_mm_free(mm);
	}
}

/*
 * map-count-failed-second-split-stays: with one slot left, a change to
 * the middle of a VMA splits at its start and fails at its end
 * (vma_modify(), split_vma()); the first split stays, unmerged.  madvise
 * reports EAGAIN.  Under guidelines mseal checks the splits first and
 * splits nothing.
 */
static void test_second_split_fails(void)
{
	enum { MPROTECT, MLOCK, MADVISE, MSEAL, MBIND, NCALLS };

	for (int call = 0; call < NCALLS; call++) {
		for (int p = 0; p < 4; p++) {
			struct ms_mm *mm = mk(profiles[p]);
			uint64_t a = map(mm, P(6), RW, ANON);
			bool gl = profiles[p] == MS_PROFILE_GUIDELINES;
			const char *vmas = "abbbbb";
			int r = 0, want = -ENOMEM;

			fill(mm, a, "ABCDEF");
			ms_mm_set_max_map_count(mm, ms_mm_map_count(mm) + 1);
			switch (call) {
			case MPROTECT:
				r = ms_mprotect(mm, a + P(1), P(2), PROT_READ);
				break;
			case MLOCK:
				r = ms_mlock(mm, a + P(1), P(2));
				break;
			case MADVISE:
				r = ms_madvise(mm, a + P(1), P(2),
					       MADV_DONTFORK);
				want = -EAGAIN;
				break;
			case MSEAL:
				r = ms_mseal(mm, a + P(1), P(2), 0);
				if (gl)
					vmas = "aaaaaa";
				break;
			case MBIND:
				r = ms_mbind(mm, a + P(1), P(2), MPOL_BIND, 1,
					     0);
				break;
			}
			CALL(mm, r, want);
			GRID(mm, a, MS_ATTR_VMAS, vmas);
			GRID(mm, a, MS_ATTR_PROT, "rw rw rw rw rw rw");
			GRID(mm, a, MS_ATTR_SEAL, "------");
			GRID(mm, a, MS_ATTR_LOCK, "------");
			GRID(mm, a, MS_ATTR_INHERIT, "------");
			GRID(mm, a, MS_ATTR_DATA, "ABCDEF");
			/* A no-op change merges nothing back. */
			CALL(mm, ms_mprotect(mm, a, P(6), RW), 0);
			GRID(mm, a, MS_ATTR_VMAS, vmas);
			/* Making the pieces differ, then alike, merges. */
			if (call != MSEAL || !gl) {
				CALL(mm, ms_mprotect(mm, a, P(1), PROT_READ),
				     0);
				CALL(mm, ms_mprotect(mm, a, P(1), RW), 0);
				GRID(mm, a, MS_ATTR_VMAS, "aaaaaa");
			}
			ms_mm_free(mm);
		}
	}
}

/*
 * fork-child-keeps-sealed-lock-split: fork merges nothing, so VMAs that
 * differed only in VM_LOCKED are twins in the child (dup_mmap() clears
 * the lock) and stay apart, through a munlock that changes nothing.
 */
static void test_fork_keeps_twins(void)
{
	for (int p = 0; p < 4; p++) {
		struct ms_mm *mm = mk(profiles[p]), *child;
		uint64_t a = map(mm, P(4), PROT_READ, ANON);

		CALL(mm, ms_mlock2(mm, a, P(2), MLOCK_ONFAULT), 0);
		CALL(mm, ms_mseal(mm, a, P(4), 0), 0);
		GRID(mm, a, MS_ATTR_VMAS, "aabb");
		CALL(mm, ms_mm_fork(mm, &child), 0);
		checked(child, __LINE__);
		GRID(child, a, MS_ATTR_LOCK, "----");
		GRID(child, a, MS_ATTR_SEAL, "SSSS");
		GRID(child, a, MS_ATTR_VMAS, "aabb");
		CALL(child, ms_munlock(child, a, P(4)), 0);
		GRID(child, a, MS_ATTR_VMAS, "aabb");
		ms_mm_free(child);
		GRID(mm, a, MS_ATTR_LOCK, "FF--");
		ms_mm_free(mm);
	}
}

/* ------------------------------------------------------------------ */
/* Random streams                                                      */

/* xorshift64*: the same streams on every run and machine. */
static uint64_t rnd_state;

static uint64_t rnd(uint64_t n)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return (rnd_state * 0x2545f4914f6cdd1dULL >> 11) % n;
}

#define ARENA_PAGES 48

struct stream_stats {
	long calls, limit_errors, left_split, above_limit;
};

/*
 * One call chosen at random over the arena [base, +ARENA_PAGES): ranges
 * of 1 to 8 pages, so that most changes need one or two splits.
 */
static long random_call(struct ms_mm *mm, uint64_t base, const char **what)
{
	static const int advice[] = { MADV_DONTFORK, MADV_DOFORK,
				      MADV_WIPEONFORK, MADV_KEEPONFORK,
				      MADV_DONTNEED, MADV_RANDOM,
				      MADV_NORMAL };
	static const int prots[] = { PROT_NONE, PROT_READ, RW };
	uint64_t a = base + P(rnd(ARENA_PAGES)), len = P(1 + rnd(8));

	if (a + len > base + P(ARENA_PAGES))
		len = base + P(ARENA_PAGES) - a;
	switch (rnd(14)) {
	case 0:
		*what = "mmap MAP_FIXED";
		return ms_mmap(mm, a, len, prots[rnd(3)], ANON | MAP_FIXED,
			       NULL, 0);
	case 1:
		*what = "mmap";
		return ms_mmap(mm, 0, len, prots[rnd(3)], ANON, NULL, 0);
	case 2:
	case 3:
		*what = "munmap";
		return ms_munmap(mm, a, len);
	case 4:
	case 5:
		*what = "mprotect";
		return ms_mprotect(mm, a, len, prots[rnd(3)]);
	case 6:
		*what = "mseal";
		return ms_mseal(mm, a, len, 0);
	case 7:
		*what = "mlock";
		return ms_mlock2(mm, a, len, MLOCK_ONFAULT);
	case 8:
		*what = "munlock";
		return ms_munlock(mm, a, len);
	case 9:
		*what = "madvise";
		return ms_madvise(mm, a, len, advice[rnd(7)]);
	case 10:
		*what = "mbind";
		return ms_mbind(mm, a, len, rnd(2) ? MPOL_BIND : MPOL_DEFAULT,
				rnd(2), 0);
	case 11:
		*what = "mremap MAYMOVE|FIXED";
		return ms_mremap(mm, a, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
				 base + P(rnd(ARENA_PAGES - 8)));
	case 12:
		*what = "mremap resize";
		return ms_mremap(mm, a, len, P(1 + rnd(8)), MREMAP_MAYMOVE, 0);
	default:
		*what = "fill";
		{
			struct ms_fault f;

			return ms_mm_fill(mm, a, "Z", &f);
		}
	}
}

/*
 * Streams of random calls at limits of 8 to 23 VMAs, the checker after
 * each; now and then a fork (the child is checked) or a limit lowered
 * below the count, as the sysctl may be.  Deterministic: the seeds are
 * fixed.
 */
static void run_stream(enum ms_profile prof, uint64_t seed,
		       struct stream_stats *st)
{
	struct ms_mm *mm = mk(prof);
	uint64_t base = 0x200000000000ULL;
	char why[256];

	rnd_state = seed * 0x9e3779b97f4a7c15ULL + 1;
	ms_mm_set_max_map_count(mm, 8 + (int)rnd(16));
	ms_mmap(mm, base, P(ARENA_PAGES), RW, ANON | MAP_FIXED, NULL, 0);
	for (int i = 0; i < 300; i++) {
		const char *what = "";
		int before = ms_mm_map_count(mm);
		long r = random_call(mm, base, &what);
		int max = ms_mm_config(mm)->max_map_count;
		bool left = r < 0 && ms_mm_map_count(mm) > before;

		st->calls++;
		st->limit_errors += r == -ENOMEM || r == -EAGAIN;
		/* A refused call that left a split behind. */
		st->left_split += left;
		st->above_limit += left && ms_mm_map_count(mm) > max + 1;
		if (ms_mm_check(mm, why, sizeof(why)) < 0) {
			CHECK(false, "%s seed %llu call %d (%s = %ld): %s",
			      ms_profile_name(prof), (unsigned long long)seed,
			      i, what, r, why);
			break;
		}
		if (rnd(64) == 0) {
			struct ms_mm *child;

			if (ms_mm_fork(mm, &child) == 0) {
				CHECK(ms_mm_check(child, why, sizeof(why)) == 0,
				      "%s seed %llu fork after call %d: %s",
				      ms_profile_name(prof),
				      (unsigned long long)seed, i, why);
				ms_mm_free(child);
			}
		}
		if (rnd(128) == 0)
			ms_mm_set_max_map_count(mm,
						ms_mm_map_count(mm) / 2 + 1);
	}
	ms_mm_free(mm);
}

static void test_random_streams(void)
{
	for (int p = 0; p < 4; p++) {
		struct stream_stats st = { 0 };
		int before = check_failed;

		for (uint64_t seed = 1; seed <= 150 && check_failed == before;
		     seed++)
			run_stream(profiles[p], seed, &st);
		/*
		 * The streams must reach what they are here to check: calls
		 * refused at the limit, refused calls that left a split, and
		 * (where a refused unmap splits first) a count taken past
		 * the limit + 1 by them.
		 */
		CHECK(st.limit_errors > 100 && st.left_split > 10 &&
			      (st.above_limit > 0 ||
			       profiles[p] == MS_PROFILE_LINUX_6_10 ||
			       profiles[p] == MS_PROFILE_GUIDELINES),
		      "%s: %ld calls, %ld refused at the limit, %ld left a "
		      "split, %ld of them above the limit + 1",
		      ms_profile_name(profiles[p]), st.calls, st.limit_errors,
		      st.left_split, st.above_limit);
		if (getenv("VERBOSE"))
			printf("# %s: %ld calls, %ld refused at the limit, %ld "
			       "left a split, %ld of them above the limit + "
			       "1\n", ms_profile_name(profiles[p]), st.calls,
			       st.limit_errors, st.left_split, st.above_limit);
	}
}

int main(void)
{
	test_munmap_refused_past_limit();
	test_second_split_fails();
	test_fork_keeps_twins();
	test_random_streams();
	return check_report();
}

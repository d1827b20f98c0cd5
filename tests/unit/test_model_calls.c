// SPDX-License-Identifier: MIT
/*
 * The model's second set of calls: brk, SysV shm, aio, mbind and
 * set_mempolicy_home_node, remap_file_pages, userfaultfd, process_vm_writev,
 * remote process_madvise, exec, stack growth, use_map_slots.  Each test
 * mirrors the catalog scenario named above it, row by row, under every
 * profile where the profiles differ; the structural checker runs after
 * every call.
 */
#include <errno.h>
#include <signal.h>

#include "model_util.h"

static uint64_t heap(struct ms_mm *mm)
{
	return ms_brk(mm, 0);
}

/*
 * brk-grow-after-sealed-top: a sealed heap top stays; growing adds an
 * unsealed VMA above it, which shrinking takes away again.
 */
static void test_brk_grow_after_sealed_top(void)
{
	for (int i = 0; i < 4; i++) {
		struct ms_mm *mm = mk(profiles[i]);
		uint64_t h = heap(mm);

		CHECK_INT(h, ms_mm_config(mm)->start_brk);
		CALL(mm, ms_brk(mm, h + P(2)), h + P(2));
		fill(mm, h, "AB");
		CALL(mm, ms_mseal(mm, h, P(2), 0), 0);
		CALL(mm, ms_brk(mm, h + P(4)), h + P(4));
		fill(mm, h + P(2), "CD");
		GRID(mm, h, MS_ATTR_SEAL, "SS--");
		GRID(mm, h, MS_ATTR_DATA, "ABCD");
		GRID(mm, h, MS_ATTR_VMAS, "aabb");
		CALL(mm, ms_brk(mm, h + P(2)), h + P(2));
		GRID(mm, h, MS_ATTR_SEAL, "SS..");
		GRID(mm, h, MS_ATTR_DATA, "AB..");
		ms_mm_free(mm);
	}
}

/* brk-shrink-above-sealed */
static void test_brk_shrink_above_sealed(void)
{
	for (int i = 0; i < 4; i++) {
		struct ms_mm *mm = mk(profiles[i]);
		uint64_t h = heap(mm);

		CALL(mm, ms_brk(mm, h + P(4)), h + P(4));
		fill(mm, h, "ABCD");
		CALL(mm, ms_mseal(mm, h, P(2), 0), 0);
		CALL(mm, ms_brk(mm, h + P(2)), h + P(2));
		GRID(mm, h, MS_ATTR_SEAL, "SS..");
		GRID(mm, h, MS_ATTR_DATA, "AB..");
		CALL(mm, ms_brk(mm, h + P(3)), h + P(3));
		GRID(mm, h, MS_ATTR_SEAL, "SS-.");
		ms_mm_free(mm);
	}
}

/*
 * brk-shrink-over-sealed: the old break comes back; since 6.12 the
 * refused unmap leaves the heap split at the requested break.
 */
static void test_brk_shrink_over_sealed(void)
{
	static const struct {
		int sealat, seallen, newbrk;
		const char *seal, *vmas, *vmas610;
	} rows[] = {
		{ 2, 2, 3, "--SS", "aabb", "aabb" },
		{ 2, 1, 1, "--S-", "abcd", "aabc" },
		{ 0, 4, 0, "SSSS", "aaaa", "aaaa" },
	};

	for (int i = 0; i < 4; i++) {
		for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
			struct ms_mm *mm = mk(profiles[i]);
			uint64_t h = heap(mm);
			bool l610 = profiles[i] == MS_PROFILE_LINUX_6_10;

			CALL(mm, ms_brk(mm, h + P(4)), h + P(4));
			fill(mm, h, "ABCD");
			CALL(mm, ms_mseal(mm, h + P(rows[r].sealat),
					  P(rows[r].seallen), 0), 0);
			CALL(mm, ms_brk(mm, h + P(rows[r].newbrk)), h + P(4));
			GRID(mm, h, MS_ATTR_SEAL, rows[r].seal);
			GRID(mm, h, MS_ATTR_DATA, "ABCD");
			if (profiles[i] != MS_PROFILE_GUIDELINES)
				GRID(mm, h, MS_ATTR_VMAS,
				     l610 ? rows[r].vmas610 : rows[r].vmas);
			ms_mm_free(mm);
		}
	}
}

/* brk's own refusals: below the start, into a mapping, RLIMIT_DATA. */
static void test_brk_limits(void)
{
	struct ms_mm_config c;
	struct ms_mm *mm;
	uint64_t h;

	ms_mm_default_config(&c, MS_PROFILE_LINUX);
	c.rlimit_data = P(8);
	CHECK_INT(ms_mm_new(&c, &mm), 0);
	h = heap(mm);
	CALL(mm, ms_brk(mm, h - P(1)), h);
	CALL(mm, ms_brk(mm, h + P(9)), h);
	CALL(mm, ms_mmap(mm, h + P(4), P(1), RW, ANON | MAP_FIXED, NULL, 0),
	     (int64_t)(h + P(4)));
	/* Within a page of the next VMA: refused. */
	CALL(mm, ms_brk(mm, h + P(4)), h);
	CALL(mm, ms_brk(mm, h + P(3)), h + P(3));
	/* The heap is one VMA, below the hole the refusal kept. */
	GRID(mm, h, MS_ATTR_VMAS, "aaa.b");
	/* Within the same page: the break moves, nothing is mapped. */
	CALL(mm, ms_brk(mm, h + P(3) - 10), h + P(3) - 10);
	CALL(mm, ms_mm_map_count(mm), 2);
	ms_mm_free(mm);
}

/*
 * shm-detach-sealed: shmdt returns 0, the sealed attach stays with its
 * contents; munmap of it is EPERM.
 */
static void test_shm_detach_sealed(void)
{
	for (int i = 0; i < 4; i++) {
		struct ms_mm *mm = mk(profiles[i]);
		int id = ms_shmget(mm, P(2));
		int64_t s;

		CHECK(id >= 0, "shmget: %d", id);
		s = ms_shmat(mm, id, 0, 0);
		CHECK(s > 0, "shmat: %lld", (long long)s);
		fill(mm, (uint64_t)s, "XY");
		CALL(mm, ms_mseal(mm, (uint64_t)s, P(2), 0), 0);
		CALL(mm, ms_shmdt(mm, (uint64_t)s), 0);
		GRID(mm, (uint64_t)s, MS_ATTR_SEAL, "SS");
		GRID(mm, (uint64_t)s, MS_ATTR_SHARE, "ss");
		GRID(mm, (uint64_t)s, MS_ATTR_DATA, "XY");
		GRID(mm, (uint64_t)s, MS_ATTR_BACK, "a a");
		CALL(mm, ms_munmap(mm, (uint64_t)s, P(2)), -EPERM);
		ms_mm_free(mm);
	}
}

/* Unsealed shmdt, a second attach sharing the contents, SHM_RDONLY. */
static void test_shm_attach(void)
{
	struct ms_mm *mm = mk(MS_PROFILE_LINUX);
	int id = ms_shmget(mm, P(2) - 100);
	int64_t s, t, r;
	struct ms_fault f;

	CALL(mm, ms_shmget(mm, 0), -EINVAL);
	s = ms_shmat(mm, id, 0, 0);
	t = ms_shmat(mm, id, 0, 0);
	CHECK(s > 0 && t > 0 && s != t, "two attaches: %lld %lld",
	      (long long)s, (long long)t);
	fill(mm, (uint64_t)s, "PQ");
	GRID(mm, (uint64_t)t, MS_ATTR_DATA, "PQ");
	CALL(mm, ms_shmat(mm, id, (uint64_t)s, 0), -EINVAL);
	CALL(mm, ms_shmat(mm, id, 0, SHM_REMAP), -EINVAL);
	CALL(mm, ms_shmat(mm, 99, 0, 0), -EINVAL);
	CALL(mm, ms_shmat(mm, -1, 0, 0), -EINVAL);
	CALL(mm, ms_shmat(mm, id, (uint64_t)s + 1, 0), -EINVAL);
	CALL(mm, ms_shmdt(mm, (uint64_t)s + P(1)), -EINVAL);
	CALL(mm, ms_shmdt(mm, (uint64_t)s + 1), -EINVAL);
	CALL(mm, ms_shmdt(mm, (uint64_t)s), 0);
	GRID(mm, (uint64_t)s, MS_ATTR_SEAL, "..");
	CALL(mm, ms_shmdt(mm, (uint64_t)s), -EINVAL);
	r = ms_shmat(mm, id, 0, SHM_RDONLY);
	CHECK(r > 0, "shmat SHM_RDONLY: %lld", (long long)r);
	GRID(mm, (uint64_t)r, MS_ATTR_PROT, "r- r-");
	CHECK_INT(ms_mm_fill(mm, (uint64_t)r, "Z", &f), 0);
	CHECK_INT(f.signo, SIGSEGV);
	CALL(mm, ms_mprotect(mm, (uint64_t)r, P(2), RW), -EACCES);
	/* A split attach: shmdt finds both fragments. */
	CALL(mm, ms_mprotect(mm, (uint64_t)t + P(1), P(1), PROT_READ), 0);
	GRID(mm, (uint64_t)t, MS_ATTR_VMAS, "ab");
	CALL(mm, ms_shmdt(mm, (uint64_t)t), 0);
	GRID(mm, (uint64_t)t, MS_ATTR_VMAS, "..");
	ms_mm_free(mm);
}

/*
 * shm-remap-over-sealed: SHM_REMAP over sealed memory is EPERM and
 * replaces nothing; unsealed, the segment replaces the mapping.
 */
static void test_shm_remap_over_sealed(void)
{
	for (int i = 0; i < 4; i++) {
		for (int sealed = 0; sealed < 2; sealed++) {
			struct ms_mm *mm = mk(profiles[i]);
			uint64_t a = map(mm, P(2), RW, ANON);
			int id;

			fill(mm, a, "AB");
			CALL(mm, ms_mseal(mm, a, sealed ? P(2) : 0, 0), 0);
			id = ms_shmget(mm, P(2));
			CALL(mm, ms_shmat(mm, id, a, SHM_REMAP),
			     sealed ? -EPERM : (int64_t)a);
			GRID(mm, a, MS_ATTR_SEAL, sealed ? "SS" : "--");
			GRID(mm, a, MS_ATTR_SHARE, sealed ? "pp" : "ss");
			GRID(mm, a, MS_ATTR_DATA, sealed ? "AB" : "00");
			ms_mm_free(mm);
		}
	}
}

/*
 * aio-destroy-sealed-ring: io_destroy returns 0, the sealed ring stays
 * mapped and sealed, but it was freed: its pages are beyond the end of
 * the truncated ring file (SIGBUS).  Unsealed, the ring goes.
 */
static void test_aio_destroy(void)
{
	for (int i = 0; i < 4; i++) {
		for (int sealed = 0; sealed < 2; sealed++) {
			struct ms_mm *mm = mk(profiles[i]);
			uint64_t ctx = 0;
			struct ms_fault f;

			CALL(mm, ms_io_setup(mm, 1, &ctx), 0);
			CHECK(ctx != 0, "io_setup gave no context");
			GRID(mm, ctx, MS_ATTR_SHARE, "s");
			GRID(mm, ctx, MS_ATTR_BACK, "x");
			GRID(mm, ctx, MS_ATTR_DATA, "*");
			if (sealed)
				CALL(mm, ms_mseal(mm, ctx, P(1), 0), 0);
			CALL(mm, ms_io_destroy(mm, ctx), 0);
			CALL(mm, ms_io_destroy(mm, ctx), -EINVAL);
			GRID(mm, ctx, MS_ATTR_SEAL, sealed ? "S" : ".");
			if (!sealed) {
				ms_mm_free(mm);
				continue;
			}
			GRID(mm, ctx, MS_ATTR_SHARE, "s");
			GRID(mm, ctx, MS_ATTR_DATA, "!");
			CHECK_INT(ms_mm_read(mm, ctx, P(1), &f), 0);
			CHECK_INT(f.signo, SIGBUS);
			CALL(mm, ms_munmap(mm, ctx, P(1)), -EPERM);
			ms_mm_free(mm);
		}
	}
}

/* io_setup's own checks and ring size. */
static void test_aio_setup(void)
{
	struct ms_mm *mm = mk(MS_PROFILE_LINUX);
	uint64_t ctx = 1, big = 0;

	CALL(mm, ms_io_setup(mm, 1, &ctx), -EINVAL);
	ctx = 0;
	CALL(mm, ms_io_setup(mm, 0, &ctx), -EINVAL);
	CALL(mm, ms_io_setup(mm, 70000, &ctx), -EAGAIN);
	/* 200 events: 400 in the ring, 32 + 400 * 32 bytes: 4 pages. */
	CALL(mm, ms_io_setup(mm, 200, &big), 0);
	GRID(mm, big, MS_ATTR_VMAS, "aaaa");
	GRID(mm, big, MS_ATTR_DATA, "*000");
	ms_mm_free(mm);
}

/*
 * aio-mremap-sealed-ring: a sealed ring cannot move (EPERM); an unsealed
 * one moves and the context follows it.
 */
static void test_aio_mremap(void)
{
	for (int i = 0; i < 4; i++) {
		for (int sealed = 0; sealed < 2; sealed++) {
			struct ms_mm *mm = mk(profiles[i]);
			uint64_t ctx = 0, d;

			CALL(mm, ms_io_setup(mm, 1, &ctx), 0);
			CALL(mm, ms_mseal(mm, ctx, sealed ? P(1) : 0, 0), 0);
			d = map(mm, P(1), PROT_NONE, ANON);
			CALL(mm, ms_mremap(mm, ctx, P(1), P(1),
					   MREMAP_MAYMOVE | MREMAP_FIXED, d),
			     sealed ? -EPERM : (int64_t)d);
			GRID(mm, ctx, MS_ATTR_SEAL, sealed ? "S" : ".");
			GRID(mm, d, MS_ATTR_SHARE, sealed ? "p" : "s");
			if (!sealed) {
				CALL(mm, ms_io_destroy(mm, ctx), -EINVAL);
				CALL(mm, ms_io_destroy(mm, d), 0);
				GRID(mm, d, MS_ATTR_SEAL, ".");
			}
			ms_mm_free(mm);
		}
	}
}

/*
 * mbind-sealed-split-merge, split-mbind-sealed: a policy on the middle
 * page splits the sealed VMA in three, MPOL_DEFAULT merges it back.
 */
static void test_mbind_sealed(void)
{
	for (int i = 0; i < 4; i++) {
		struct ms_mm *mm = mk(profiles[i]);
		uint64_t a = map(mm, P(3), RW, ANON);

		fill(mm, a, "ABC");
		CALL(mm, ms_mseal(mm, a, P(3), 0), 0);
		CALL(mm, ms_mbind(mm, a + P(1), P(1), MPOL_BIND, 1,
				  MPOL_MF_MOVE), 0);
		GRID(mm, a, MS_ATTR_VMAS, "abc");
		GRID(mm, a, MS_ATTR_SEAL, "SSS");
		GRID(mm, a, MS_ATTR_PROT, "rw rw rw");
		GRID(mm, a, MS_ATTR_DATA, "ABC");
		CALL(mm, ms_mbind(mm, a + P(1), P(1), MPOL_DEFAULT, 0, 0), 0);
		GRID(mm, a, MS_ATTR_VMAS, "aaa");
		GRID(mm, a, MS_ATTR_SEAL, "SSS");
		GRID(mm, a, MS_ATTR_DATA, "ABC");
		ms_mm_free(mm);
	}
}

/* mbind's argument checks, holes and the vDSO, which cannot split. */
static void test_mbind_args(void)
{
	struct ms_mm *mm = mk(MS_PROFILE_LINUX);
	uint64_t a = map(mm, P(2), RW, ANON), v = 0x7ffff7fc0000ULL;

	CALL(mm, ms_mbind(mm, a, P(1), 9, 1, 0), -EINVAL);
	CALL(mm, ms_mbind(mm, a, P(1), MPOL_BIND, 1, 1u << 5), -EINVAL);
	CALL(mm, ms_mbind(mm, a, P(1), MPOL_BIND, 1, MPOL_MF_MOVE_ALL),
	     -EPERM);
	CALL(mm, ms_mbind(mm, a + 1, P(1), MPOL_BIND, 1, 0), -EINVAL);
	CALL(mm, ms_mbind(mm, a, 0, MPOL_BIND, 1, 0), 0);
	CALL(mm, ms_mbind(mm, a, P(1), MPOL_BIND, 0, 0), -EINVAL);
	CALL(mm, ms_mbind(mm, a, P(1), MPOL_DEFAULT, 1, 0), -EINVAL);
	CALL(mm, ms_mbind(mm, a, P(1), MPOL_BIND, 2, 0), -EINVAL);
	CALL(mm, ms_mbind(mm, a, P(3), MPOL_BIND, 1, 0), -EFAULT);
	GRID(mm, a, MS_ATTR_VMAS, "aa");
	CALL(mm, ms_mm_map_special(mm, v, 2, PROT_READ | PROT_EXEC,
				   MS_SPECIAL_VDSO), 0);
	CALL(mm, ms_mbind(mm, v, P(1), MPOL_BIND, 1, 0), -EINVAL);
	CALL(mm, ms_mbind(mm, v, P(2), MPOL_BIND, 1, 0), 0);
	ms_mm_free(mm);
}

/*
 * mempolicy-home-node-sealed: decided by the policy, never by the seal.
 */
static void test_home_node(void)
{
	static const struct {
		int policy, result;
	} rows[] = {
		{ MPOL_DEFAULT, -ENOENT },
		{ MPOL_BIND, 0 },
		{ MPOL_PREFERRED_MANY, 0 },
		{ MPOL_PREFERRED, -EOPNOTSUPP },
		{ MPOL_INTERLEAVE, -EOPNOTSUPP },
	};

	for (int i = 0; i < 4; i++) {
		for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
			struct ms_mm *mm = mk(profiles[i]);
			uint64_t a = map(mm, P(2), RW, ANON);

			fill(mm, a, "AB");
			CALL(mm, ms_mseal(mm, a, P(2), 0), 0);
			CALL(mm, ms_mbind(mm, a, P(2), rows[r].policy,
					  rows[r].policy ? 1 : 0, 0), 0);
			CALL(mm, ms_set_mempolicy_home_node(mm, a, P(2), 0, 0),
			     rows[r].result);
			GRID(mm, a, MS_ATTR_VMAS, "aa");
			GRID(mm, a, MS_ATTR_SEAL, "SS");
			GRID(mm, a, MS_ATTR_DATA, "AB");
			CALL(mm, ms_set_mempolicy_home_node(mm, a, P(2), 1, 0),
			     -EINVAL);
			CALL(mm, ms_set_mempolicy_home_node(mm, a, P(2), 0, 1),
			     -EINVAL);
			ms_mm_free(mm);
		}
	}
}

/* A home node on part of a VMA splits it (mbind_range). */
static void test_home_node_split(void)
{
	struct ms_mm *mm = mk(MS_PROFILE_LINUX);
	uint64_t a = map(mm, P(3), RW, ANON);

	CALL(mm, ms_mbind(mm, a, P(3), MPOL_BIND, 1, 0), 0);
	CALL(mm, ms_set_mempolicy_home_node(mm, a + P(1), P(1), 0, 0), 0);
	GRID(mm, a, MS_ATTR_VMAS, "abc");
	CALL(mm, ms_mbind(mm, a, P(3), MPOL_BIND, 1, 0), 0);
	GRID(mm, a, MS_ATTR_VMAS, "aaa");
	ms_mm_free(mm);
}

/*
 * remap-file-pages-sealed: on a sealed shared mapping EPERM; unsealed,
 * page 0 shows file page 2.
 */
static void test_remap_file_pages(void)
{
	for (int i = 0; i < 4; i++) {
		for (int sealed = 0; sealed < 2; sealed++) {
			struct ms_mm *mm = mk(profiles[i]);
			struct ms_file *f;
			int64_t a;

			CHECK_INT(ms_file_memfd(mm, P(4), "ABCD", &f), 0);
			a = ms_mmap(mm, 0, P(4), RW, MAP_SHARED, f, 0);
			ms_file_put(f);
			CALL(mm, ms_mseal(mm, (uint64_t)a, sealed ? P(4) : 0, 0),
			     0);
			CALL(mm, ms_remap_file_pages(mm, (uint64_t)a, P(1), 0, 2,
						     0),
			     sealed ? -EPERM : 0);
			GRID(mm, (uint64_t)a, MS_ATTR_BACK,
			     sealed ? "f0 f1 f2 f3" : "f2 f1 f2 f3");
			GRID(mm, (uint64_t)a, MS_ATTR_DATA,
			     sealed ? "ABCD" : "CBCD");
			CALL(mm, ms_remap_file_pages(mm, (uint64_t)a, P(1),
						     PROT_READ, 2, 0), -EINVAL);
			ms_mm_free(mm);
		}
	}
}

/* remap_file_pages on private memory or across a hole: EINVAL. */
static void test_remap_file_pages_args(void)
{
	struct ms_mm *mm = mk(MS_PROFILE_LINUX);
	uint64_t a = map(mm, P(2), RW, ANON);

	CALL(mm, ms_remap_file_pages(mm, a, P(1), 0, 0, 0), -EINVAL);
	CALL(mm, ms_remap_file_pages(mm, a + P(4), P(1), 0, 0, 0), -EINVAL);
	CALL(mm, ms_remap_file_pages(mm, a, P(1), 0, 0, MAP_FIXED), -EINVAL);
	ms_mm_free(mm);
}

/*
 * uffd-copy-sealed-ro-anon: UFFDIO_COPY fills a never-touched page of
 * sealed read-only anonymous memory; a written page is EEXIST.  Linux
 * under every profile (the mail is silent on userfaultfd).
 */
static void test_uffd_copy(void)
{
	static const struct {
		const char *before, *data;
		int result;
	} rows[] = {
		{ "..", "Z0", 0 },
		{ "A.", "A0", -EEXIST },
	};

	for (int i = 0; i < 4; i++) {
		for (size_t r = 0; r < 2; r++) {
			struct ms_mm *mm = mk(profiles[i]);
			uint64_t a = map(mm, P(2), RW, ANON);

			fill(mm, a, rows[r].before);
			CALL(mm, ms_mprotect(mm, a, P(2), PROT_READ), 0);
			CALL(mm, ms_mseal(mm, a, P(2), 0), 0);
			CALL(mm, ms_uffd_register(mm, a, P(2)), 0);
			CALL(mm, ms_uffd_copy(mm, a, "Z"), rows[r].result);
			GRID(mm, a, MS_ATTR_DATA, rows[r].data);
			GRID(mm, a, MS_ATTR_SEAL, "SS");
			GRID(mm, a, MS_ATTR_PROT, "r- r-");
			ms_mm_free(mm);
		}
	}
}

/* UFFDIO_COPY and registration: the rest of their contracts. */
static void test_uffd_args(void)
{
	struct ms_mm *mm = mk(MS_PROFILE_LINUX);
	uint64_t a = map(mm, P(4), RW, ANON), v = 0x7ffff7fc0000ULL;
	struct ms_file *f;
	struct ms_fault ft;
	int64_t ro;

	CALL(mm, ms_uffd_copy(mm, a, "Z"), -EBADF);
	CALL(mm, ms_uffd_register(mm, a, 0), -EINVAL);
	CALL(mm, ms_uffd_register(mm, a + 1, P(1)), -EINVAL);
	CALL(mm, ms_uffd_register(mm, a + P(8), P(1)), -EINVAL);
	CALL(mm, ms_uffd_copy(mm, a, "Z"), -ENOENT);
	/* Registration is a VMA flag: the middle splits off. */
	CALL(mm, ms_uffd_register(mm, a + P(1), P(2)), 0);
	GRID(mm, a, MS_ATTR_VMAS, "abbc");
	/* A page that was only read has a page table entry (zero page). */
	CHECK_INT(ms_mm_read(mm, a + P(1), P(1), &ft), 0);
	CALL(mm, ms_uffd_copy(mm, a + P(1), ".Y"), 0);
	CALL(mm, ms_uffd_copy(mm, a + P(1), "X"), -EEXIST);
	GRID(mm, a, MS_ATTR_DATA, "00Y0");
	CALL(mm, ms_mm_map_special(mm, v, 2, PROT_READ, MS_SPECIAL_VDSO), 0);
	CALL(mm, ms_uffd_register(mm, v, P(2)), -EINVAL);
	CHECK_INT(ms_file_memfd(mm, P(1), "", &f), 0);
	ro = ms_mmap(mm, 0, P(1), PROT_READ, MAP_PRIVATE, f, 0);
	CALL(mm, ms_uffd_register(mm, (uint64_t)ro, P(1)), 0);
	ms_file_put(f);
	/* A read-only shared file mapping has no VM_MAYWRITE. */
	CHECK_INT(ms_file_memfd(mm, P(1), "", &f), 0);
	{
		struct ms_file *rdonly;

		CHECK_INT(ms_file_reopen(f, false, &rdonly), 0);
		ro = ms_mmap(mm, 0, P(1), PROT_READ, MAP_SHARED, rdonly, 0);
		CALL(mm, ms_uffd_register(mm, (uint64_t)ro, P(1)), -EPERM);
		ms_file_put(rdonly);
	}
	ms_file_put(f);
	ms_mm_free(mm);
}

/*
 * uffd-move-sealed-anon: out of read-only memory EINVAL (the source must
 * be writable, sealed or not); out of sealed writable memory the pages
 * move and the source reads zeros.
 */
static void test_uffd_move(void)
{
	static const struct {
		int prot, seallen, result;
		const char *seal, *src, *dst;
	} rows[] = {
		{ PROT_READ, 2, -EINVAL, "SS", "AB", "00" },
		{ RW, 2, 0, "SS", "00", "AB" },
		{ PROT_READ, 0, -EINVAL, "--", "AB", "00" },
		{ RW, 0, 0, "--", "00", "AB" },
	};

	for (int i = 0; i < 4; i++) {
		for (size_t r = 0; r < 4; r++) {
			struct ms_mm *mm = mk(profiles[i]);
			uint64_t a = map(mm, P(2), RW, ANON), d;

			fill(mm, a, "AB");
			CALL(mm, ms_mprotect(mm, a, P(2), rows[r].prot), 0);
			CALL(mm, ms_mseal(mm, a, P(rows[r].seallen), 0), 0);
			d = map(mm, P(2), rows[r].prot, ANON);
			CALL(mm, ms_uffd_register(mm, d, P(2)), 0);
			CALL(mm, ms_uffd_move(mm, d, a, P(2)), rows[r].result);
			GRID(mm, a, MS_ATTR_DATA, rows[r].src);
			GRID(mm, d, MS_ATTR_DATA, rows[r].dst);
			GRID(mm, a, MS_ATTR_SEAL, rows[r].seal);
			GRID(mm, a, MS_ATTR_VMAS, "aa");
			ms_mm_free(mm);
		}
	}
}

/* UFFDIO_MOVE: holes, present destinations, unregistered targets. */
static void test_uffd_move_args(void)
{
	struct ms_mm *mm = mk(MS_PROFILE_LINUX);
	uint64_t a = map(mm, P(2), RW, ANON), d = map(mm, P(2), RW, ANON);

	CALL(mm, ms_uffd_move(mm, d, a, P(1)), -EBADF);
	CALL(mm, ms_uffd_register(mm, d, P(2)), 0);
	fill(mm, a, ".B");
	CALL(mm, ms_uffd_move(mm, d, a, P(2)), -ENOENT);
	CALL(mm, ms_uffd_move(mm, a, d, P(1)), -EINVAL);
	/* No overlap check on 6.18: the (empty) page itself is looked at. */
	CALL(mm, ms_uffd_move(mm, d, d, P(1)), -ENOENT);
	CALL(mm, ms_uffd_move(mm, d, a, P(3)), -EINVAL);
	fill(mm, d, ".X");
	CALL(mm, ms_uffd_move(mm, d + P(1), a + P(1), P(1)), -EEXIST);
	CALL(mm, ms_uffd_move(mm, d, a + P(1), P(1)), 0);
	GRID(mm, d, MS_ATTR_DATA, "BX");
	GRID(mm, a, MS_ATTR_DATA, "00");
	ms_mm_free(mm);
}

/*
 * process-vm-write-sealed-anon: no FOLL_FORCE, so read-only memory
 * refuses (EFAULT) whether sealed or not; writable sealed memory takes it.
 */
static void test_process_vm_write(void)
{
	static const struct {
		int prot, len, result;
		const char *data, *seal;
	} rows[] = {
		{ PROT_READ, 2, -EFAULT, "AB", "SS" },
		{ RW, 2, 0, "ZB", "SS" },
		{ PROT_READ, 0, -EFAULT, "AB", "--" },
	};

	for (int i = 0; i < 4; i++) {
		for (size_t r = 0; r < 3; r++) {
			struct ms_mm *mm = mk(profiles[i]);
			uint64_t a = map(mm, P(2), RW, ANON);

			fill(mm, a, "AB");
			CALL(mm, ms_mprotect(mm, a, P(2), rows[r].prot), 0);
			CALL(mm, ms_mseal(mm, a, P(rows[r].len), 0), 0);
			CALL(mm, ms_process_vm_write(mm, a, "Z"), rows[r].result);
			GRID(mm, a, MS_ATTR_DATA, rows[r].data);
			GRID(mm, a, MS_ATTR_SEAL, rows[r].seal);
			CALL(mm, ms_process_vm_write(mm, a + P(2), "Z"),
			     -EFAULT);
			ms_mm_free(mm);
		}
	}
}

/*
 * process-madvise-remote-sealed: a fork child advises its parent; only
 * WILLNEED, COLD and PAGEOUT get through (COLLAPSE fails for the size),
 * everything else is EINVAL before any VMA is looked at.
 */
static void test_process_madvise_remote(void)
{
	static const struct {
		int advice;
		int64_t result;
	} rows[] = {
		{ MADV_WILLNEED, P(2) }, { MADV_COLD, P(2) },
		{ MADV_PAGEOUT, P(2) }, { MADV_COLLAPSE, -EINVAL },
		{ MADV_NORMAL, -EINVAL }, { MADV_DONTNEED, -EINVAL },
		{ MADV_FREE, -EINVAL }, { MADV_REMOVE, -EINVAL },
		{ MADV_DONTFORK, -EINVAL }, { MADV_WIPEONFORK, -EINVAL },
		{ MADV_DONTNEED_LOCKED, -EINVAL },
		{ MADV_GUARD_INSTALL, -EINVAL },
	};

	for (int i = 0; i < 4; i++) {
		for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
			struct ms_mm *mm = mk(profiles[i]), *child;
			uint64_t a = map(mm, P(2), RW, ANON);

			fill(mm, a, "AB");
			CALL(mm, ms_mprotect(mm, a, P(2), PROT_READ), 0);
			CALL(mm, ms_mseal(mm, a, P(2), 0), 0);
			CHECK_INT(ms_mm_fork(mm, &child), 0);
			CALL(mm, ms_process_madvise_remote(mm, a, P(2),
							   rows[r].advice),
			     rows[r].result);
			ms_mm_free(child);
			GRID(mm, a, MS_ATTR_DATA, "AB");
			GRID(mm, a, MS_ATTR_SEAL, "SS");
			GRID(mm, a, MS_ATTR_PROT, "r- r-");
			GRID(mm, a, MS_ATTR_INHERIT, "--");
			GRID(mm, a, MS_ATTR_GUARD, "--");
			ms_mm_free(mm);
		}
	}
}

/*
 * exec-drops-seals: the child that execs has no seal and can map over
 * the old sealed address; the parent keeps its seal.
 */
static void test_exec(void)
{
	for (int i = 0; i < 4; i++) {
		struct ms_mm *mm = mk(profiles[i]), *child;
		uint64_t a = map(mm, P(2), PROT_READ, ANON), ctx = 0;
		int id = ms_shmget(mm, P(1));

		CALL(mm, ms_mseal(mm, a, P(2), 0), 0);
		CALL(mm, ms_mm_sealed_vmas(mm), 1);
		CHECK_INT(ms_mm_fork(mm, &child), 0);
		CALL(child, ms_io_setup(child, 1, &ctx), 0);
		CALL(child, ms_mlockall(child, MCL_FUTURE), 0);
		ms_mm_exec(child);
		checked(child, __LINE__);
		CALL(child, ms_mm_sealed_vmas(child), 0);
		CALL(child, ms_mm_map_count(child), 0);
		CALL(child, ms_io_destroy(child, ctx), -EINVAL);
		GRID(child, a, MS_ATTR_SEAL, "..");
		CALL(child, ms_mmap(child, a, P(2), RW, ANON | MAP_FIXED, NULL,
				    0), (int64_t)a);
		fill(child, a, "XY");
		GRID(child, a, MS_ATTR_DATA, "XY");
		GRID(child, a, MS_ATTR_SEAL, "--");
		GRID(child, a, MS_ATTR_LOCK, "--");
		/* The SysV segment is the namespace's: it outlives exec. */
		CHECK(ms_shmat(child, id, 0, 0) > 0, "shmat after exec");
		CALL(child, ms_munmap(child, a, P(2)), 0);
		ms_mm_free(child);
		GRID(mm, a, MS_ATTR_SEAL, "SS");
		GRID(mm, a, MS_ATTR_PROT, "r- r-");
		ms_mm_free(mm);
	}
}

/*
 * MAP_GROWSDOWN: a fault below the stack grows it, sealed or not, but
 * not within stack_guard_gap of an accessible VMA below, and not past
 * RLIMIT_STACK.  GUP (process_vm_writev) does not grow stacks.
 */
static void test_growsdown(void)
{
	for (int i = 0; i < 4; i++) {
		struct ms_mm *mm = mk(profiles[i]);
		const struct ms_mm_config *c = ms_mm_config(mm);
		uint64_t s = 0x7f0000000000ULL, gap = c->stack_guard_gap;
		struct ms_fault f;

		CALL(mm, ms_mmap(mm, s, P(2), RW,
				 ANON | MAP_GROWSDOWN | MAP_FIXED, NULL, 0),
		     (int64_t)s);
		CALL(mm, ms_mseal(mm, s, P(2), 0), 0);
		CALL(mm, ms_process_vm_write(mm, s - P(1), "Q"), -EFAULT);
		CHECK_INT(ms_mm_fill(mm, s - P(2), "AB", &f), 0);
		CHECK_INT(f.signo, 0);
		GRID(mm, s - P(2), MS_ATTR_VMAS, "aaaa");
		GRID(mm, s - P(2), MS_ATTR_SEAL, "SSSS");
		GRID(mm, s - P(2), MS_ATTR_DATA, "AB00");
		CALL(mm, ms_munmap(mm, s - P(2), P(1)), -EPERM);
		/* An accessible mapping just below the guard gap. */
		CALL(mm, ms_mmap(mm, s - P(2) - gap - P(1), P(1), PROT_READ,
				 ANON | MAP_FIXED, NULL, 0),
		     (int64_t)(s - P(2) - gap - P(1)));
		CHECK_INT(ms_mm_read(mm, s - P(3), P(1), &f), 0);
		CHECK_INT(f.signo, SIGSEGV);
		GRID(mm, s - P(3), MS_ATTR_SEAL, ".S");
		/* Made inaccessible, it no longer keeps the stack away. */
		CALL(mm, ms_mprotect(mm, s - P(2) - gap - P(1), P(1),
				     PROT_NONE), 0);
		CHECK_INT(ms_mm_read(mm, s - P(3), P(1), &f), 0);
		CHECK_INT(f.signo, 0);
		GRID(mm, s - P(3), MS_ATTR_SEAL, "SS");
		/* RLIMIT_STACK (8 MiB) */
		CHECK_INT(ms_mm_read(mm, s - P(2) - gap + P(1), P(1), &f), 0);
		CHECK_INT(f.signo, 0);
		ms_mm_free(mm);
	}
	{
		struct ms_mm *mm = mk(MS_PROFILE_LINUX);
		uint64_t s = 0x7f0000000000ULL;
		struct ms_fault f;

		CALL(mm, ms_mmap(mm, s, P(1), RW,
				 ANON | MAP_GROWSDOWN | MAP_FIXED, NULL, 0),
		     (int64_t)s);
		CHECK_INT(ms_mm_read(mm, s - (8ULL << 20), P(1), &f), 0);
		CHECK_INT(f.signo, SIGSEGV);
		CHECK_INT(ms_mm_read(mm, s - (8ULL << 20) + P(1), P(1), &f),
			  0);
		CHECK_INT(f.signo, 0);
		ms_mm_free(mm);
	}
}

/*
 * mseal-map-count-partial, with use_map_slots as the scenario uses it:
 * one slot left lets mseal seal the first VMA's part and fail the second
 * (linux), or seal nothing (guidelines: atomic).
 */
static void test_use_map_slots(void)
{
	static const struct {
		int free, result;
		const char *seal, *vmas;
	} rows[] = {
		{ 0, -ENOMEM, "------", "aaabbb" },
		{ 1, -ENOMEM, "-SS---", "abbccc" },
		{ 2, 0, "-SSSS-", "abbccd" },
	};

	for (int i = 0; i < 4; i++) {
		for (size_t r = 0; r < 3; r++) {
			struct ms_mm_config c;
			struct ms_mm *mm;
			uint64_t a, m;
			long n;
			bool gl = profiles[i] == MS_PROFILE_GUIDELINES;

			ms_mm_default_config(&c, profiles[i]);
			c.max_map_count = 300;	/* 65530 in the catalog */
			CHECK_INT(ms_mm_new(&c, &mm), 0);
			a = map(mm, P(6), RW, ANON);
			fill(mm, a, "ABC");
			CALL(mm, ms_mprotect(mm, a + P(3), P(3), PROT_READ), 0);
			m = map(mm, P(700), PROT_READ,
				ANON | MAP_NORESERVE);
			n = ms_mm_use_map_slots(mm, m, P(700), rows[r].free);
			CHECK_INT(n, 300 - rows[r].free - 3);
			CALL(mm, ms_mm_map_count(mm), 300 - rows[r].free);
			CALL(mm, ms_mseal(mm, a + P(1), P(4), 0),
			     gl && r == 1 ? -ENOMEM : rows[r].result);
			CALL(mm, ms_munmap(mm, m, P(700)), 0);
			if (!gl || r == 2)
				GRID(mm, a, MS_ATTR_SEAL, rows[r].seal);
			if (gl && r < 2)
				GRID(mm, a, MS_ATTR_SEAL, "------");
			if (!gl)
				GRID(mm, a, MS_ATTR_VMAS, rows[r].vmas);
			GRID(mm, a, MS_ATTR_PROT, "rw rw rw r- r- r-");
			GRID(mm, a, MS_ATTR_DATA, "ABC000");
			ms_mm_free(mm);
		}
	}
	{
		struct ms_mm *mm = mk(MS_PROFILE_LINUX);
		uint64_t m = map(mm, P(10), PROT_READ, ANON);

		CALL(mm, ms_mm_use_map_slots(mm, m, P(10), 0), -ENOSPC);
		CALL(mm, ms_mm_use_map_slots(mm, m + 1, P(10), 0), -EINVAL);
		CALL(mm, ms_mm_use_map_slots(mm, m + P(20), P(1), 0),
		     -ENOMEM);
		ms_mm_free(mm);
	}
}

/* vdso-seal-whole-or-part: the vDSO cannot be split (EINVAL). */
static void test_vdso_seal_part(void)
{
	for (int i = 0; i < 4; i++) {
		struct ms_mm *mm = mk(profiles[i]);
		uint64_t v = 0x7ffff7fc0000ULL;

		CALL(mm, ms_mm_map_special(mm, v, 2, PROT_READ | PROT_EXEC,
					   MS_SPECIAL_VDSO), 0);
		CALL(mm, ms_mseal(mm, v, P(1), 0), -EINVAL);
		GRID(mm, v, MS_ATTR_SEAL, "--");
		CALL(mm, ms_mseal(mm, v, P(2), 0), 0);
		GRID(mm, v, MS_ATTR_SEAL, "SS");
		GRID(mm, v, MS_ATTR_BACK, "x x");
		GRID(mm, v, MS_ATTR_PROT, "r-x r-x");
		ms_mm_free(mm);
	}
}

int main(void)
{
	test_brk_grow_after_sealed_top();
	test_brk_shrink_above_sealed();
	test_brk_shrink_over_sealed();
	test_brk_limits();
	test_shm_detach_sealed();
	test_shm_attach();
	test_shm_remap_over_sealed();
	test_aio_destroy();
	test_aio_setup();
	test_aio_mremap();
	test_mbind_sealed();
	test_mbind_args();
	test_home_node();
	test_home_node_split();
	test_remap_file_pages();
	test_remap_file_pages_args();
	test_uffd_copy();
	test_uffd_args();
	test_uffd_move();
	test_uffd_move_args();
	test_process_vm_write();
	test_process_madvise_remote();
	test_exec();
	test_growsdown();
	test_use_map_slots();
	test_vdso_seal_part();
	return check_report();
}

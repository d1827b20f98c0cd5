// SPDX-License-Identifier: MIT
/*
 * madvise(2) and process_madvise(2) on the calling process.
 */
#include <errno.h>
#include <string.h>

#include "compat.h"
#include "model/model.h"

#define HPAGE_SIZE (2ULL << 20)

static bool madvise_behavior_valid(const struct ms_mm *mm, int advice)
{
	switch (advice) {
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_DONTNEED:
	case MADV_FREE:
	case MADV_REMOVE:
	case MADV_DONTFORK:
	case MADV_DOFORK:
	case MADV_MERGEABLE:
	case MADV_UNMERGEABLE:
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
	case MADV_DONTDUMP:
	case MADV_DODUMP:
	case MADV_WIPEONFORK:
	case MADV_KEEPONFORK:
	case MADV_COLD:
	case MADV_PAGEOUT:
	case MADV_POPULATE_READ:
	case MADV_POPULATE_WRITE:
	case MADV_DONTNEED_LOCKED:
	case MADV_COLLAPSE:
	case MADV_HWPOISON:
	case MADV_SOFT_OFFLINE:
		return true;
	case MADV_GUARD_INSTALL:
	case MADV_GUARD_REMOVE:
		return ms__sw(mm, MS__SW_GUARD_REGIONS);
	default:
		return false;
	}
}

bool ms_madvise_is_discard(int advice)
{
	switch (advice) {
	case MADV_FREE:
	case MADV_DONTNEED:
	case MADV_DONTNEED_LOCKED:
	case MADV_REMOVE:
	case MADV_DONTFORK:
	case MADV_WIPEONFORK:
	case MADV_GUARD_INSTALL:
		return true;
	default:
		return false;
	}
}

/*
 * Does the discard check treat v as memory whose contents the seal must
 * keep?  Private anonymous memory always; the vDSO while special-is-anon
 * (6.10-6.16: is_ro_anon() only tested vm_file and VM_SHARED, and the
 * vDSO has neither; an aio ring has both, so it was never protected);
 * private file mappings under discard-private-file (guideline 2a).
 */
static bool discard_protects(const struct ms_mm *mm, const struct ms__vma *v)
{
	if (vma_is_anonymous(v))
		return true;
	if (v->special == MS_SPECIAL_VDSO + 1)
		return ms__sw(mm, MS__SW_SPECIAL_IS_ANON);
	if (v->special)
		return false;
	return ms__sw(mm, MS__SW_DISCARD_PRIVATE_FILE) &&
	       !(v->flags & MS__VM_MAYSHARE);
}

/*
 * can_madvise_modify() (mm/madvise.c): a sealed VMA refuses a discard
 * when it is anonymous (see discard_protects) and the caller cannot
 * write it: no VM_WRITE, or its pkey denies the calling thread writes.
 */
static bool can_madvise_modify(const struct ms_mm *mm, const struct ms__vma *v,
			       int advice)
{
	if (!vma_is_sealed(v))
		return true;
	if (!ms_madvise_is_discard(advice))
		return true;
	if (!discard_protects(mm, v))
		return true;
	if ((v->flags & MS__VM_WRITE) && !ms__pkey_denies(mm, v, true))
		return true;
	return false;
}

/* is_valid_guard_vma() */
static bool is_valid_guard_vma(const struct ms_mm *mm, const struct ms__vma *v,
			       bool allow_locked)
{
	uint32_t disallowed = MS__VM_SPECIAL;

	if (!allow_locked)
		disallowed |= MS__VM_LOCKED;
	if (v->special || (v->flags & disallowed))
		return false;
	return vma_is_anonymous(v) || ms__sw(mm, MS__SW_GUARD_FILE);
}

/* The vm_flags an advice that only changes flags gives v, or -errno. */
static int64_t advice_flags(const struct ms__vma *v, int advice)
{
	uint32_t f = v->flags;

	switch (advice) {
	case MADV_NORMAL:
		return f & ~(MS__VM_RAND_READ | MS__VM_SEQ_READ);
	case MADV_SEQUENTIAL:
		return (f & ~MS__VM_RAND_READ) | MS__VM_SEQ_READ;
	case MADV_RANDOM:
		return (f & ~MS__VM_SEQ_READ) | MS__VM_RAND_READ;
	case MADV_DONTFORK:
		return f | MS__VM_DONTCOPY;
	case MADV_DOFORK:
		if (f & MS__VM_IO)
			return -EINVAL;
		return f & ~MS__VM_DONTCOPY;
	case MADV_WIPEONFORK:
		/* Only anonymous memory can be wiped: the vDSO has no vm_file. */
		if ((v->file && v->special != MS_SPECIAL_VDSO + 1) ||
		    (f & MS__VM_SHARED))
			return -EINVAL;
		return f | MS__VM_WIPEONFORK;
	case MADV_KEEPONFORK:
		return f & ~MS__VM_WIPEONFORK;
	case MADV_DONTDUMP:
		return f | MS__VM_DONTDUMP;
	case MADV_DODUMP:
		if (f & MS__VM_SPECIAL)
			return -EINVAL;
		return f & ~MS__VM_DONTDUMP;
	case MADV_MERGEABLE:
		/* ksm_madvise() ignores what KSM cannot merge. */
		if (f & (MS__VM_MERGEABLE | MS__VM_SHARED | MS__VM_MAYSHARE |
			 MS__VM_SPECIAL) || v->special)
			return f;
		return f | MS__VM_MERGEABLE;
	case MADV_UNMERGEABLE:
		return f & ~MS__VM_MERGEABLE;
	case MADV_HUGEPAGE:
		return (f & ~MS__VM_NOHUGEPAGE) | MS__VM_HUGEPAGE;
	case MADV_NOHUGEPAGE:
		return (f & ~MS__VM_HUGEPAGE) | MS__VM_NOHUGEPAGE;
	default:
		return f;
	}
}

static bool changes_flags(int advice)
{
	switch (advice) {
	case MADV_NORMAL:
	case MADV_SEQUENTIAL:
	case MADV_RANDOM:
	case MADV_DONTFORK:
	case MADV_DOFORK:
	case MADV_WIPEONFORK:
	case MADV_KEEPONFORK:
	case MADV_DONTDUMP:
	case MADV_DODUMP:
	case MADV_MERGEABLE:
	case MADV_UNMERGEABLE:
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
		return true;
	default:
		return false;
	}
}

/*
 * The checks madvise_vma_behavior() makes on [start, end) of v before it
 * changes anything, in its order:
 *
 *   EPERM   can_madvise_modify() refuses (before every other check)
 *   EINVAL  DONTNEED or FREE on a VM_LOCKED VMA; FREE on memory that is
 *           not private anonymous
 *   EINVAL  REMOVE on a VM_LOCKED VMA or memory without a file (the vDSO)
 *   EACCES  REMOVE on a mapping that is not shared and writable-to
 *   ENODEV  REMOVE on the aio ring (vfs_fallocate() on no regular file)
 *   EINVAL  COLD or PAGEOUT on a VM_LOCKED VMA
 *   EINVAL  COLLAPSE without a whole aligned huge page in the range
 *   EINVAL  GUARD_INSTALL on special, locked (or, without guard-file,
 *           file) memory; GUARD_REMOVE on special memory
 *   EINVAL  the flag advices' own refusals (WIPEONFORK on file or shared
 *           memory, the aio ring too, not the vDSO; DODUMP on special
 *           memory)
 */
static int madvise_vma_check(const struct ms_mm *mm, const struct ms__vma *v,
			     uint64_t start, uint64_t end, int advice)
{
	if (!can_madvise_modify(mm, v, advice))
		return -EPERM;
	switch (advice) {
	case MADV_DONTNEED:
	case MADV_DONTNEED_LOCKED:
	case MADV_FREE:
		if ((v->flags & MS__VM_LOCKED) && advice != MADV_DONTNEED_LOCKED)
			return -EINVAL;
		if (advice == MADV_FREE && !vma_is_anonymous(v))
			return -EINVAL;
		return 0;
	case MADV_REMOVE:
		if (v->flags & MS__VM_LOCKED)
			return -EINVAL;
		if (!v->file || v->special == MS_SPECIAL_VDSO + 1)
			return -EINVAL;
		if ((v->flags & (MS__VM_SHARED | MS__VM_MAYWRITE)) !=
		    (MS__VM_SHARED | MS__VM_MAYWRITE))
			return -EACCES;
		/* The aio ring's inode is no regular file: vfs_fallocate(). */
		if (v->special)
			return -ENODEV;
		return 0;
	case MADV_COLD:
	case MADV_PAGEOUT:
		return v->flags & MS__VM_LOCKED ? -EINVAL : 0;
	case MADV_COLLAPSE: {
		uint64_t s = (start + HPAGE_SIZE - 1) & ~(HPAGE_SIZE - 1);

		return s + HPAGE_SIZE <= end ? 0 : -EINVAL;
	}
	case MADV_GUARD_INSTALL:
		return is_valid_guard_vma(mm, v, false) ? 0 : -EINVAL;
	case MADV_GUARD_REMOVE:
		return is_valid_guard_vma(mm, v, true) ? 0 : -EINVAL;
	default:
		if (changes_flags(advice)) {
			int64_t f = advice_flags(v, advice);

			return f < 0 ? (int)f : 0;
		}
		return 0;
	}
}

/*
 * What the advice does to [start, end) of v once the checks passed.
 * Returns the VMA that now covers the range end (flag advices may split
 * or merge), or NULL with *err.
 */
static struct ms__vma *madvise_vma_apply(struct ms_mm *mm, struct ms__vma *v,
					 uint64_t start, uint64_t end,
					 int advice, int *err)
{
	*err = 0;
	switch (advice) {
	case MADV_DONTNEED:
	case MADV_DONTNEED_LOCKED:
		/* Private pages go: anonymous memory reads as zeros, private
		 * file pages as the file again.  Guard markers stay. */
		ms__zap(mm, start, end, MS__PTE_ZAP);
		return v;
	case MADV_REMOVE:
		/* The punch unmaps the pages it frees (not COW copies). */
		ms__zap(mm, start, end, MS__PTE_PRESENT);
		ms__content_punch(v->file->c,
				  v->pgoff + ms__pages(mm,
						       start - ms__vma_start(v)),
				  ms__pages(mm, end - start));
		return v;
	case MADV_GUARD_INSTALL:
		/* Existing pages are zapped before the markers go in. */
		ms__zap(mm, start, end, MS__PTE_ZAP);
		for (uint64_t a = start; a < end; a += mm->page_size) {
			struct ms__pte *p = ms__pte_get_or_add(
				mm, a >> mm->cfg.page_shift);

			if (!p) {
				*err = -ENOMEM;
				return NULL;
			}
			p->flags |= MS__PTE_GUARD;
		}
		return v;
	case MADV_GUARD_REMOVE:
		ms__zap(mm, start, end, MS__PTE_GUARD);
		return v;
	case MADV_PAGEOUT:
		/*
		 * Reclaim drops a clean shmem page (read in, never written:
		 * a zero page in the model) from the page cache, and with it
		 * its page table entry; it is a hole again, which userfaultfd
		 * finds missing.  Dirty pages would need swap to go.
		 */
		if (v->file && (v->flags & MS__VM_SHARED) &&
		    (v->file->c->kind == MS__CONTENT_SHMEM ||
		     v->file->c->kind == MS__CONTENT_MEMFD))
			for (uint64_t a = start; a < end; a += mm->page_size) {
				uint64_t pg = v->pgoff +
					      ms__pages(mm, a - ms__vma_start(v));

				if (!ms__content_resident(v->file->c, pg) ||
				    ms__content_read(v->file->c, pg) != '0')
					continue;
				ms__zap(mm, a, a + mm->page_size,
					MS__PTE_PRESENT);
				ms__content_punch(v->file->c, pg, 1);
			}
		return v;
	default:
		/*
		 * FREE keeps the contents until reclaim, which the model
		 * does only for clean shmem; WILLNEED, COLD and COLLAPSE change
		 * where pages live, not what they hold.
		 */
		if (changes_flags(advice)) {
			uint32_t f = (uint32_t)advice_flags(v, advice);
			struct ms__vma *m = ms__vma_modify(mm, v, start, end, f,
							   v->pkey, err);

			/*
			 * madvise_vma_behavior() reports a failed split (the
			 * map-count limit) as EAGAIN, "resources temporarily
			 * unavailable".
			 */
			if (!m && *err == -ENOMEM)
				*err = -EAGAIN;
			return m;
		}
		return v;
	}
}

/*
 * madvise_populate() for POPULATE_READ and POPULATE_WRITE: it faults the
 * range in without going through the per-VMA walk, so no seal check
 * applies.
 *
 *   ENOMEM  a page of the range is not mapped
 *   EINVAL  the VMA refuses the access (PROT_NONE; a write to memory
 *           without VM_WRITE); the vDSO and the aio ring have pages, so
 *           GUP populates them like any other
 *   EFAULT  a guard page, a file page beyond its end (SIGSEGV/SIGBUS), or
 *           a page missing under userfaultfd (VM_FAULT_SIGBUS for GUP)
 */
static int madvise_populate(struct ms_mm *mm, uint64_t start, uint64_t end,
			    bool write)
{
	for (uint64_t a = start; a < end;) {
		struct ms__vma *v = ms__vma_find(mm, a);
		uint64_t e;
		struct ms_fault f;

		if (!v)
			return -ENOMEM;
		e = v->end < end ? v->end : end;
		if (!(v->flags & MS__VM_ACCESS) ||
		    (write && !(v->flags & MS__VM_WRITE)))
			return -EINVAL;
		for (uint64_t p = a; p < e; p += mm->page_size) {
			if (write ? ms__uffd_write_fault(mm, v, p) :
				    ms__uffd_missing(mm, v, p))
				return -EFAULT;
			ms_mm_read(mm, p, mm->page_size, &f);
			if (f.signo)
				return -EFAULT;
		}
		if (write)
			ms__populate(mm, a, e, true, true);
		a = e;
	}
	return 0;
}

/*
 * madvise(start, len, advice), mirroring do_madvise(),
 * madvise_walk_vmas() and madvise_vma_behavior() (mm/madvise.c):
 *
 *   EINVAL  unknown advice (GUARD_* without guard-regions: 6.10)
 *   EINVAL  start not page aligned; len rounds up past the end
 *   (0)     len == 0
 *   EPERM   HWPOISON, SOFT_OFFLINE: the model has no CAP_SYS_ADMIN
 *   POPULATE_READ/WRITE: see madvise_populate()
 *   EPERM   seal-check-range-first: a sealed VMA refuses (can_modify_mm_madv,
 *           6.10), before anything is applied
 *   then VMA by VMA in address order (madvise_vma_check()), the first
 *   error is returned, VMAs before it keep the advice (partial-apply;
 *   atomic-failure validates every VMA first and applies nothing);
 *   EAGAIN  a flag advice needs a split and map_count is at the limit
 *   ENOMEM  the range had a hole (reported when nothing else failed), or
 *           runs past the last VMA
 */
int ms_madvise(struct ms_mm *mm, uint64_t start, uint64_t len, int advice)
{
	uint64_t end;
	struct ms__vma *v;
	int unmapped_error = 0, err;

	if (!madvise_behavior_valid(mm, advice))
		return -EINVAL;
	if (ms__user_range(mm, start, len, &end) < 0)
		return -EINVAL;
	if (end == start)
		return 0;
	if (advice == MADV_HWPOISON || advice == MADV_SOFT_OFFLINE)
		return -EPERM;
	if (advice == MADV_POPULATE_READ || advice == MADV_POPULATE_WRITE)
		return madvise_populate(mm, start, end,
					advice == MADV_POPULATE_WRITE);

	v = ms__vma_find_from(mm, start);
	/* As in mprotect: without partial-apply, seals are checked first. */
	if (ms__sw(mm, MS__SW_SEAL_CHECK_RANGE_FIRST) ||
	    (!ms__sw(mm, MS__SW_PARTIAL_APPLY) &&
	     !ms__sw(mm, MS__SW_ATOMIC_FAILURE))) {
		for (struct ms__vma *w = v; w && ms__vma_start(w) < end;
		     w = ms__vma_next(mm, w))
			if (!can_madvise_modify(mm, w, advice))
				return -EPERM;
	}
	if (ms__sw(mm, MS__SW_ATOMIC_FAILURE)) {
		for (struct ms__vma *w = v; w && ms__vma_start(w) < end;
		     w = ms__vma_next(mm, w)) {
			uint64_t s = ms__vma_start(w) > start ? ms__vma_start(w)
							      : start;
			uint64_t e = w->end < end ? w->end : end;

			err = madvise_vma_check(mm, w, s, e, advice);
			if (err)
				return err;
		}
	}

	for (;;) {
		uint64_t tmp;
		struct ms__vma *m;

		if (!v)
			return -ENOMEM;
		if (start < ms__vma_start(v)) {
			unmapped_error = -ENOMEM;
			start = ms__vma_start(v);
			if (start >= end)
				break;
		}
		tmp = v->end < end ? v->end : end;
		err = madvise_vma_check(mm, v, start, tmp, advice);
		if (err)
			return err;	/* partial-apply: earlier VMAs advised */
		m = madvise_vma_apply(mm, v, start, tmp, advice, &err);
		if (!m)
			return err;
		start = tmp;
		if (start < m->end)
			start = m->end;
		if (start >= end)
			break;
		v = ms__vma_next(mm, m);
	}
	return unmapped_error;
}

/*
 * process_madvise(pidfd of self, one iovec {start, len}, advice, 0):
 *
 *   EINVAL  self-madvise off (before 6.13): advice other than WILLNEED,
 *           COLD, PAGEOUT, COLLAPSE, before any VMA is looked at
 *   then as madvise; success returns the bytes advised (len)
 */
int64_t ms_process_madvise(struct ms_mm *mm, uint64_t start, uint64_t len,
			   int advice)
{
	int r;

	if (!ms__sw(mm, MS__SW_SELF_MADVISE) && advice != MADV_WILLNEED &&
	    advice != MADV_COLD && advice != MADV_PAGEOUT &&
	    advice != MADV_COLLAPSE)
		return -EINVAL;
	r = ms_madvise(mm, start, len, advice);
	return r < 0 ? r : (int64_t)len;
}

/*
 * vector_madvise() (mm/madvise.c) on the calling process: each iovec is
 * advised in turn as by madvise, and the first error ends the walk.  The
 * byte count of what came before it is the result, if any: a refused
 * second iovec is a success that says how far the call got.
 *
 *   EINVAL  advice a process may not give itself here (as above), or
 *           a negative n
 *   then the first iovec's error, if nothing was advised before it
 */
int64_t ms_process_madvise_vec(struct ms_mm *mm, const uint64_t (*iov)[2],
			       int n, int advice)
{
	int64_t done = 0;

	if (n < 0)
		return -EINVAL;
	if (!ms__sw(mm, MS__SW_SELF_MADVISE) && advice != MADV_WILLNEED &&
	    advice != MADV_COLD && advice != MADV_PAGEOUT &&
	    advice != MADV_COLLAPSE)
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		int r = ms_madvise(mm, iov[i][0], iov[i][1], advice);

		if (r < 0)
			return done ? done : r;
		done += (int64_t)iov[i][1];
	}
	return done;
}

/* process_madvise_remote_valid(): what another process may be advised. */
static bool process_madvise_remote_valid(int advice)
{
	switch (advice) {
	case MADV_COLD:
	case MADV_PAGEOUT:
	case MADV_WILLNEED:
	case MADV_COLLAPSE:
		return true;
	default:
		return false;
	}
}

/*
 * process_madvise(pidfd of another process, one iovec {start, len},
 * advice, 0), SYSCALL_DEFINE5(process_madvise) in mm/madvise.c, on the
 * target's address space (a fork child advising its parent, say).  The
 * caller is taken to have PTRACE_MODE_READ and CAP_SYS_NICE over it.
 *
 *   EINVAL  advice other than WILLNEED, COLD, PAGEOUT, COLLAPSE, before
 *           any VMA is looked at, so a discard never meets a seal
 *   then as madvise on target; success returns the bytes advised (len)
 */
int64_t ms_process_madvise_remote(struct ms_mm *target, uint64_t start,
				  uint64_t len, int advice)
{
	int r;

	if (!process_madvise_remote_valid(advice))
		return -EINVAL;
	r = ms_madvise(target, start, len, advice);
	return r < 0 ? r : (int64_t)len;
}

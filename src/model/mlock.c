// SPDX-License-Identifier: MIT
/*
 * mlock(2), mlock2(2), munlock(2), mlockall(2), munlockall(2), msync(2),
 * mincore(2): none of them checks seals (guideline 4, 6); lock changes
 * split and merge sealed VMAs like any flag change.
 */
#include <errno.h>

#include "compat.h"
#include "model/model.h"

/*
 * mlock_fixup(): VM_SPECIAL VMAs are never locked; otherwise the lock
 * bits of [start, end) become those of newflags.
 *
 *   ENOMEM  a split with map_count at the limit
 */
static int mlock_fixup(struct ms_mm *mm, struct ms__vma *v, uint64_t start,
		       uint64_t end, uint32_t newflags, struct ms__vma **out)
{
	int err;

	*out = v;
	if (newflags == v->flags || (v->flags & MS__VM_SPECIAL) || v->special)
		return 0;
	v = ms__vma_modify(mm, v, start, end, newflags, v->pkey, &err);
	if (!v)
		return err;
	*out = v;
	return 0;
}

/*
 * apply_vma_lock_flags(): the walk shared by mlock, mlock2 and munlock.
 *
 *   EINVAL  start + len wraps
 *   (0)     len == 0
 *   ENOMEM  start is not mapped
 *   ENOMEM  a hole inside or at the end of the range (VMAs before it are
 *           already changed: mlock has always applied partially)
 *   ENOMEM  a split with map_count at the limit
 */
static int apply_vma_lock_flags(struct ms_mm *mm, uint64_t start,
				uint64_t len, uint32_t lockflags)
{
	uint64_t end = start + len, nstart = start, tmp;
	struct ms__vma *v;
	int err;

	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	v = ms__vma_find(mm, start);
	if (!v)
		return -ENOMEM;
	tmp = ms__vma_start(v);
	while (v && ms__vma_start(v) < end) {
		uint32_t newflags = (v->flags & ~MS__VM_LOCKED_MASK) | lockflags;
		struct ms__vma *m;

		if (ms__vma_start(v) != tmp)
			return -ENOMEM;
		tmp = v->end < end ? v->end : end;
		err = mlock_fixup(mm, v, nstart, tmp, newflags, &m);
		if (err)
			return err;
		tmp = m->end;
		nstart = tmp;
		v = ms__vma_next(mm, m);
	}
	return tmp < end ? -ENOMEM : 0;
}

/*
 * What __mm_populate() returns to do_mlock(), through
 * __mlock_posix_error_return(): get_user_pages() refuses a VMA the
 * process may not read (PROT_NONE: EFAULT without FOLL_FORCE), and mlock
 * reports that as ENOMEM.  The VMAs stay locked.  Special mappings
 * (VM_IO/VM_PFNMAP-like) are skipped, as the kernel skips them.
 */
static int populate_error(struct ms_mm *mm, uint64_t start, uint64_t end)
{
	struct ms__vma *v = ms__vma_find_from(mm, start);

	for (; v && ms__vma_start(v) < end; v = ms__vma_next(mm, v))
		if (!v->special && !(v->flags & MS__VM_ACCESS))
			return -ENOMEM;
	return 0;
}

/*
 * do_mlock() (mm/mlock.c): start is rounded down and len up to pages, so
 * no alignment error exists.  Errors are apply_vma_lock_flags()'s.
 * Locked pages are faulted in (write-faulted in private writable VMAs).
 */
static int do_mlock(struct ms_mm *mm, uint64_t start, uint64_t len,
		    uint32_t lockflags)
{
	uint64_t off = start & (mm->page_size - 1);
	int err;

	len = ms__page_align(mm, len + off);
	start -= off;
	err = apply_vma_lock_flags(mm, start, len, lockflags);
	if (err)
		return err;
	/* __mm_populate() of nothing finds nothing to fail on (fuzz). */
	if ((lockflags & MS__VM_LOCKONFAULT) || !len)
		return 0;
	ms__populate(mm, start, start + len, false, false);
	return populate_error(mm, start, start + len);
}

int ms_mlock(struct ms_mm *mm, uint64_t addr, uint64_t len)
{
	return do_mlock(mm, addr, len, MS__VM_LOCKED);
}

/*
 * mlock2(addr, len, flags):
 *
 *   EINVAL  flags other than MLOCK_ONFAULT
 *   then as mlock
 */
int ms_mlock2(struct ms_mm *mm, uint64_t addr, uint64_t len,
	      unsigned int flags)
{
	if (flags & ~(unsigned int)MLOCK_ONFAULT)
		return -EINVAL;
	return do_mlock(mm, addr, len,
			MS__VM_LOCKED |
			(flags & MLOCK_ONFAULT ? MS__VM_LOCKONFAULT : 0));
}

int ms_munlock(struct ms_mm *mm, uint64_t addr, uint64_t len)
{
	uint64_t off = addr & (mm->page_size - 1);

	return apply_vma_lock_flags(mm, addr - off,
				    ms__page_align(mm, len + off), 0);
}

/*
 * apply_mlockall_flags(): MCL_FUTURE sets the flags later mappings get
 * (mm->def_flags); MCL_CURRENT locks every VMA now.  Errors of single
 * VMAs are ignored, as the kernel ignores them.
 */
static void apply_mlockall_flags(struct ms_mm *mm, int flags)
{
	uint32_t to_add = 0;
	struct ms__vma *v;

	mm->def_flags &= ~MS__VM_LOCKED_MASK;
	if (flags & MCL_FUTURE) {
		mm->def_flags |= MS__VM_LOCKED;
		if (flags & MCL_ONFAULT)
			mm->def_flags |= MS__VM_LOCKONFAULT;
		if (!(flags & MCL_CURRENT))
			return;
	}
	if (flags & MCL_CURRENT) {
		to_add |= MS__VM_LOCKED;
		if (flags & MCL_ONFAULT)
			to_add |= MS__VM_LOCKONFAULT;
	}
	v = ms__vma_first(mm);
	while (v) {
		struct ms__vma *m;

		mlock_fixup(mm, v, ms__vma_start(v), v->end,
			    (v->flags & ~MS__VM_LOCKED_MASK) | to_add, &m);
		v = ms__vma_next(mm, m);
	}
}

/*
 * mlockall(flags):
 *
 *   EINVAL  flags == 0, unknown bits, or MCL_ONFAULT alone
 */
int ms_mlockall(struct ms_mm *mm, int flags)
{
	if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) ||
	    flags == MCL_ONFAULT)
		return -EINVAL;
	apply_mlockall_flags(mm, flags);
	if (flags & MCL_CURRENT)
		ms__populate(mm, 0, mm->cfg.task_size, false, false);
	return 0;
}

int ms_munlockall(struct ms_mm *mm)
{
	apply_mlockall_flags(mm, 0);
	return 0;
}

/*
 * msync(start, len, flags) (mm/msync.c):
 *
 *   EINVAL  flags other than MS_ASYNC, MS_INVALIDATE, MS_SYNC
 *   EINVAL  start not page aligned
 *   EINVAL  both MS_ASYNC and MS_SYNC
 *   ENOMEM  start + len wraps
 *   (0)     len == 0
 *   ENOMEM  nothing mapped at or after start
 *   EBUSY   MS_INVALIDATE on a VM_LOCKED VMA
 *   EINVAL  MS_SYNC reaching a shared mapping whose file cannot fsync
 *           (an aio ring: vfs_fsync_range() without ->fsync)
 *   ENOMEM  a hole in the range: at once when the call is MS_ASYNC alone
 *           or nothing is mapped from the hole to the end, else after the
 *           VMAs were synced (msync's error is -ENOMEM whenever it meets a
 *           hole; unmapped_error only carries it past the VMAs)
 *
 * The model's files are always in sync: contents never change here.
 */
int ms_msync(struct ms_mm *mm, uint64_t start, uint64_t len, int flags)
{
	int unmapped_error = 0;
	struct ms__vma *v;
	uint64_t end;

	if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
		return -EINVAL;
	if (!ms__aligned(mm, start))
		return -EINVAL;
	if ((flags & MS_ASYNC) && (flags & MS_SYNC))
		return -EINVAL;
	len = ms__page_align(mm, len);
	end = start + len;
	if (end < start)
		return -ENOMEM;
	if (end == start)
		return 0;
	v = ms__vma_find_from(mm, start);
	for (;;) {
		if (!v)
			return -ENOMEM;
		if (start < ms__vma_start(v)) {
			if (flags == MS_ASYNC)
				return -ENOMEM;
			start = ms__vma_start(v);
			if (start >= end)
				return -ENOMEM;
			unmapped_error = -ENOMEM;
		}
		if ((flags & MS_INVALIDATE) && (v->flags & MS__VM_LOCKED))
			return -EBUSY;
		/* vfs_fsync_range(): the aio ring's file has no ->fsync. */
		if ((flags & MS_SYNC) && (v->flags & MS__VM_SHARED) &&
		    v->special == MS_SPECIAL_AIO + 1)
			return -EINVAL;
		start = v->end;
		if (start >= end)
			return unmapped_error;
		v = ms__vma_next(mm, v);
	}
}

/*
 * mincore(start, len, vec) (mm/mincore.c):
 *
 *   EINVAL  start not page aligned
 *   ENOMEM  start + len leaves user space
 *   ENOMEM  a page of the range is not mapped
 *
 * A page is resident when it has a private page, or is a file page with
 * contents.  XXX: populated but never written anonymous pages (MAP_POPULATE,
 * mlock) read as not resident; the kernel has them resident.
 */
int ms_mincore(struct ms_mm *mm, uint64_t start, uint64_t len,
	       unsigned char *vec)
{
	uint64_t end;

	if (!ms__aligned(mm, start))
		return -EINVAL;
	len = ms__page_align(mm, len);
	end = start + len;
	if (end < start || end > mm->cfg.task_size)
		return -ENOMEM;
	for (uint64_t a = start; a < end; a += mm->page_size) {
		struct ms__vma *v = ms__vma_find(mm, a);
		struct ms__pte *p;
		unsigned char in = 0;

		if (!v)
			return -ENOMEM;
		p = ms__pte_get(mm, a >> mm->cfg.page_shift);
		if (p && (p->flags & (MS__PTE_PAGE | MS__PTE_PRESENT)))
			in = 1;
		else if (v->file)
			in = ms__content_resident(
				v->file->c,
				v->pgoff + ms__pages(mm, a - ms__vma_start(v)));
		if (vec)
			vec[ms__pages(mm, a - start)] = in;
	}
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * mremap(2).  The kernel's code moved a lot between 6.10 and 6.17; the
 * profile switches name each difference on the path it changes:
 *
 *   seal-check-range-first   6.10: can_modify_mm(addr, addr+old_len) at
 *                            two points, the destination by do_munmap()
 *   mremap-seal-at-addr      6.12+: the VMA at addr, right after lookup
 *   mremap-overlap-first     6.17+ (and 6.10): bad destinations before
 *                            the seal
 *   mremap-span-check-first  6.17+: a range spanning VMAs is EFAULT before
 *                            the destination is unmapped
 *   mremap-multi-vma-move    6.17+: same-size MREMAP_FIXED moves VMA by
 *                            VMA (atomic-failure validates them first)
 */
#include <errno.h>
#include <string.h>

#include "compat.h"
#include "model/model.h"

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b,
			   uint64_t blen)
{
	return a + alen > b && b + blen > a;
}

static bool range_has_sealed(const struct ms_mm *mm, uint64_t start,
			     uint64_t end)
{
	for (struct ms__vma *v = ms__vma_find_from(mm, start);
	     v && ms__vma_start(v) < end; v = ms__vma_next(mm, v))
		if (vma_is_sealed(v))
			return true;
	return false;
}

/*
 * The checks on the source VMA of a move or expansion (remap_is_valid(),
 * vma_to_resize(), the tail of check_prep_vma()):
 *
 *   EINVAL  old_len == 0 (duplication) of a private mapping
 *   EINVAL  MREMAP_DONTUNMAP of a special mapping
 *   EFAULT  [addr, addr+old_len) runs past the end of the VMA
 *   EFAULT  growing a special mapping
 */
static int resize_checks(const struct ms__vma *v, uint64_t addr,
			 uint64_t old_len, uint64_t new_len, int flags)
{
	if (!old_len && !(v->flags & (MS__VM_SHARED | MS__VM_MAYSHARE)))
		return -EINVAL;
	if ((flags & MREMAP_DONTUNMAP) && (v->flags & MS__VM_DONTEXPAND))
		return -EINVAL;
	if (old_len > v->end - addr)
		return -EFAULT;
	if (new_len == old_len)
		return 0;
	if (new_len > old_len && (v->flags & MS__VM_DONTEXPAND))
		return -EFAULT;
	return 0;
}

/*
 * move_vma() (with copy_vma()): [addr, addr+old_len) of v moves to
 * new_addr, new_len long; its pages move with it.  The copy keeps v's
 * attributes and merges at the destination where compatible; an
 * anonymous VMA that never faulted takes the destination's page offset.
 * With MREMAP_DONTUNMAP the source stays mapped, empty and unlocked.
 *
 *   ENOMEM  map_count within 3 of the limit
 */
static int64_t move_vma(struct ms_mm *mm, struct ms__vma *v, uint64_t addr,
			uint64_t old_len, uint64_t new_addr, uint64_t new_len,
			int flags)
{
	struct ms__vma proto, *n;
	int err;

	if ((long)mm->vmas.count >= (long)mm->cfg.max_map_count - 3)
		return -ENOMEM;
	proto = *v;
	proto.start = new_addr;
	proto.end = new_addr + new_len;
	proto.state = 0;
	if (vma_is_anonymous(v) && !v->anon_vma)
		proto.pgoff = ms__pages(mm, new_addr);
	else
		proto.pgoff = v->pgoff + ms__pages(mm, addr - ms__vma_start(v));
	n = ms__vma_insert(mm, &proto, &err);
	if (!n)
		return err;
	/*
	 * mremap_userfaultfd_prep(): without UFFD_FEATURE_EVENT_REMAP the
	 * new VMA (merged or not) loses its registration, in place, so it
	 * may sit unmerged beside a twin.
	 */
	if (n->flags & MS__VM_UFFD_MISSING) {
		n->flags &= ~MS__VM_UFFD_MISSING;
		n->state |= MS__VMS_UNMERGED_START;
	}
	ms__move_ptes(mm, addr, new_addr, old_len);
	/* vm_ops->mremap: aio_ring_mremap() follows the ring. */
	if (n->special == MS_SPECIAL_AIO + 1)
		ms__aio_moved(mm, n);
	if (flags & MREMAP_DONTUNMAP) {
		/*
		 * dontunmap_complete(): the lock flags go from the whole old
		 * VMA, in place (it is neither split nor merged, so it may
		 * sit unmerged beside a twin), and a VMA that moved whole
		 * drops its anon_vma (unlink_anon_vmas()).
		 */
		v = ms__vma_find(mm, addr);
		if (v && (v->flags & MS__VM_LOCKED_MASK)) {
			v->flags &= ~MS__VM_LOCKED_MASK;
			v->state |= MS__VMS_UNMERGED_START;
		}
		if (v && ms__vma_start(v) == addr && v->end == addr + old_len)
			v->anon_vma = 0;
	} else if (old_len) {
		err = ms__do_munmap(mm, addr, addr + old_len);
		if (err) {
			/*
			 * The old range could not go (the vDSO refuses to
			 * split): the pages move back and the new range is
			 * unmapped instead, as move_vma() does.
			 */
			ms__move_ptes(mm, new_addr, addr, old_len);
			ms__do_munmap(mm, new_addr, new_addr + new_len);
			return err;
		}
	}
	n = ms__vma_find(mm, new_addr);
	if (n && (n->flags & MS__VM_LOCKED) && !(n->flags & MS__VM_LOCKONFAULT) &&
	    new_len > old_len)
		ms__populate(mm, new_addr + old_len, new_addr + new_len, false,
			     false);
	return (int64_t)new_addr;
}

/*
 * mremap_to(): a move to new_addr (MREMAP_FIXED) or near it (only
 * MREMAP_DONTUNMAP), with a shrink first when new_len < old_len.
 *
 *   EPERM   seal-check-range-first: a sealed VMA in the source (6.10)
 *   EINVAL  the destination leaves user space or overlaps the source,
 *           where mremap-overlap-first did not check it already
 *   EFAULT/EINVAL  mremap-span-check-first: resize_checks() (6.17+)
 *   EPERM   MREMAP_FIXED: a sealed VMA at the destination
 *   EFAULT  the source is gone after unmapping the destination
 *   EPERM   shrinking unmaps a sealed VMA
 *   EFAULT/EINVAL  resize_checks(), when not checked before
 *   ENOMEM  no room for a destination chosen by the model
 */
static int64_t mremap_to(struct ms_mm *mm, struct ms__vma *v, uint64_t addr,
			 uint64_t old_len, uint64_t new_addr,
			 uint64_t new_len, int flags)
{
	const struct ms_mm_config *c = &mm->cfg;
	bool overlap_checked = ms__sw(mm, MS__SW_MREMAP_OVERLAP_FIRST) &&
			       !ms__sw(mm, MS__SW_SEAL_CHECK_RANGE_FIRST);
	int err;

	if (!overlap_checked &&
	    (new_len > c->task_size || new_addr > c->task_size - new_len ||
	     ranges_overlap(addr, old_len, new_addr, new_len)))
		return -EINVAL;
	if (ms__sw(mm, MS__SW_SEAL_CHECK_RANGE_FIRST)) {
		if ((long)mm->vmas.count + 2 >= (long)c->max_map_count - 3)
			return -ENOMEM;
		if (range_has_sealed(mm, addr, addr + old_len))
			return -EPERM;
	}
	if (ms__sw(mm, MS__SW_MREMAP_SPAN_CHECK_FIRST)) {
		/* A shrink may cross VMAs in the part it unmaps. */
		err = resize_checks(v, addr,
				    old_len > new_len ? new_len : old_len,
				    new_len, flags);
		if (err)
			return err;
	}
	if (ms__sw(mm, MS__SW_ATOMIC_FAILURE) && old_len > new_len &&
	    range_has_sealed(mm, addr + new_len, addr + old_len))
		return -EPERM;
	if (flags & MREMAP_FIXED) {
		err = ms__do_munmap(mm, new_addr, new_addr + new_len);
		if (err)
			return err;
		v = ms__vma_find(mm, addr);
		if (!v)
			return -EFAULT;
	}
	if (old_len > new_len) {
		err = ms__do_munmap(mm, addr + new_len, addr + old_len);
		if (err)
			return err;
		old_len = new_len;
		v = ms__vma_find(mm, addr);
		if (!v)
			return -EFAULT;
	}
	if (!ms__sw(mm, MS__SW_MREMAP_SPAN_CHECK_FIRST)) {
		err = resize_checks(v, addr, old_len, new_len, flags);
		if (err)
			return err;
	}
	if (!(flags & MREMAP_FIXED)) {
		new_addr = ms__get_unmapped_area(mm, new_addr, new_len);
		if (!new_addr)
			return -ENOMEM;
	}
	return move_vma(mm, v, addr, old_len, new_addr, new_len, flags);
}

/*
 * mremap_at(): resize in place, or move when growing needs room.
 *
 *   EPERM   seal-check-range-first: a sealed VMA in the source (6.10)
 *   EFAULT/EINVAL  mremap-span-check-first, growing: resize_checks()
 *   (addr)  same size: nothing to do
 *   EPERM   shrinking unmaps a sealed VMA
 *   EFAULT/EINVAL  growing: resize_checks(), when not checked before
 *   ENOMEM  no room to grow in place and no MREMAP_MAYMOVE, or no room
 *           anywhere
 */
static int64_t mremap_at(struct ms_mm *mm, struct ms__vma *v, uint64_t addr,
			 uint64_t old_len, uint64_t new_len, int flags)
{
	uint64_t delta = new_len - old_len, new_addr;
	int err;

	if (ms__sw(mm, MS__SW_SEAL_CHECK_RANGE_FIRST) &&
	    range_has_sealed(mm, addr, addr + old_len))
		return -EPERM;
	if (ms__sw(mm, MS__SW_MREMAP_SPAN_CHECK_FIRST) && new_len > old_len) {
		err = resize_checks(v, addr, old_len, new_len, flags);
		if (err)
			return err;
	}
	if (old_len == new_len)
		return (int64_t)addr;
	if (old_len > new_len) {
		err = ms__do_munmap(mm, addr + new_len, addr + old_len);
		return err ? err : (int64_t)addr;
	}
	if (!ms__sw(mm, MS__SW_MREMAP_SPAN_CHECK_FIRST)) {
		err = resize_checks(v, addr, old_len, new_len, flags);
		if (err)
			return err;
	}
	/* vma_expandable(): the range must end at the VMA's end. */
	if (old_len == v->end - addr && v->end + delta > v->end &&
	    v->end + delta <= mm->cfg.task_size &&
	    ms__range_is_free(mm, v->end, v->end + delta)) {
		struct ms__vma *next;
		uint64_t old_end = v->end;

		ms__vma_set_end(mm, v, v->end + delta);
		next = ms__vma_next(mm, v);
		if (next && ms__vma_can_merge(mm, v, next)) {
			uint64_t nend = next->end;

			v->anon_vma = v->anon_vma ? v->anon_vma
						  : next->anon_vma;
			ms__vma_remove(mm, next);
			ms__vma_set_end(mm, v, nend);
		}
		if ((v->flags & MS__VM_LOCKED) &&
		    !(v->flags & MS__VM_LOCKONFAULT))
			ms__populate(mm, old_end, old_end + delta, false,
				     false);
		return (int64_t)addr;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	new_addr = ms__get_unmapped_area(mm, 0, new_len);
	if (!new_addr)
		return -ENOMEM;
	return move_vma(mm, v, addr, old_len, new_addr, new_len, flags);
}

/*
 * vma_multi_allowed(): may this VMA move as one of several?  Not when it
 * is registered with userfaultfd, nor when its file has a
 * get_unmapped_area of its own that is not shmem's (a SysV segment).
 */
static bool vma_multi_allowed(const struct ms__vma *v)
{
	if (v->flags & MS__VM_UFFD_MISSING)
		return false;
	return !v->file || v->file->c->kind != MS__CONTENT_SYSV;
}

/*
 * remap_move() (6.17+, mremap-multi-vma-move): a same-size MREMAP_FIXED
 * move of [addr, addr+len) that may span VMAs; each is checked and moved
 * in turn, keeping the gaps between them, so a sealed VMA fails the call
 * after the VMAs before it moved.  Under atomic-failure every VMA and
 * the destination are validated first.
 *
 *   EFAULT  the range starts in a hole, or holds no VMA
 *   EFAULT  a VMA that may not move with others (vma_multi_allowed())
 *           that is not alone in the range, before its seal is looked at
 *   EPERM   a sealed VMA (after those before it moved)
 *   and mremap_to()'s errors for each piece
 */
static int64_t remap_move(struct ms_mm *mm, uint64_t start, uint64_t len,
			  uint64_t new_addr, int flags)
{
	uint64_t end = start + len, target = new_addr, last_end = 0;
	uint64_t cur = start;
	int64_t res = -EFAULT;
	bool seen = false;

	if (ms__sw(mm, MS__SW_ATOMIC_FAILURE)) {
		struct ms__vma *v = ms__vma_find_from(mm, start);

		if (!v || ms__vma_start(v) > start)
			return -EFAULT;
		if (range_has_sealed(mm, start, end) ||
		    range_has_sealed(mm, new_addr, new_addr + len))
			return -EPERM;
	}
	for (;;) {
		struct ms__vma *v = ms__vma_find_from(mm, cur);
		uint64_t a, l, off, vend;
		int64_t r;
		int err;

		if (!v || ms__vma_start(v) >= end)
			break;
		if (!seen && start < ms__vma_start(v))
			return -EFAULT;
		a = ms__vma_start(v) > start ? ms__vma_start(v) : start;
		vend = v->end;
		l = (end < vend ? end : vend) - a;
		off = seen ? ms__vma_start(v) - last_end : 0;
		last_end = vend;
		if (!vma_multi_allowed(v) && (seen || vend < end))
			return -EFAULT;
		/* check_prep_vma() */
		if (vma_is_sealed(v))
			return -EPERM;
		err = resize_checks(v, a, l, l, flags);
		if (err)
			return err;
		r = mremap_to(mm, v, a, l, target + off, l, flags);
		if (r < 0)
			return r;
		if (!seen)
			res = r;
		seen = true;
		target = (uint64_t)r + l;
		cur = a + l;
		if (cur >= end)
			break;
	}
	return res;
}

/*
 * mremap(addr, old_len, new_len, flags, new_addr), mirroring do_mremap()
 * and check_mremap_params() (mm/mremap.c):
 *
 *   EINVAL  flags other than MAYMOVE, FIXED, DONTUNMAP
 *   EINVAL  addr not page aligned
 *   EINVAL  new_len rounds to 0
 *   with FIXED or DONTUNMAP:
 *   EINVAL  new_addr not page aligned
 *   EINVAL  no MREMAP_MAYMOVE
 *   EINVAL  DONTUNMAP with new_len != old_len
 *   EINVAL  mremap-overlap-first: destination outside user space or
 *           overlapping the source
 *   ENOMEM  map_count + 2 within 3 of the limit
 *   then, mremap-multi-vma-move with FIXED and equal lengths: remap_move()
 *   EFAULT  nothing mapped at addr
 *   EPERM   mremap-seal-at-addr: the VMA at addr is sealed
 *   then mremap_to() (FIXED or DONTUNMAP) or mremap_at().
 *
 * Returns the (new) address.
 */
int64_t ms_mremap(struct ms_mm *mm, uint64_t addr, uint64_t old_len,
		  uint64_t new_len, int flags, uint64_t new_addr)
{
	const struct ms_mm_config *c = &mm->cfg;
	bool implies_new = flags & (MREMAP_FIXED | MREMAP_DONTUNMAP);
	struct ms__vma *v;

	if (flags & ~(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP))
		return -EINVAL;
	if (!ms__aligned(mm, addr))
		return -EINVAL;
	old_len = ms__page_align(mm, old_len);
	new_len = ms__page_align(mm, new_len);
	if (!new_len)
		return -EINVAL;
	if (implies_new) {
		if (!ms__aligned(mm, new_addr))
			return -EINVAL;
		if (!(flags & MREMAP_MAYMOVE))
			return -EINVAL;
		if ((flags & MREMAP_DONTUNMAP) && old_len != new_len)
			return -EINVAL;
		if (ms__sw(mm, MS__SW_MREMAP_OVERLAP_FIRST) &&
		    !ms__sw(mm, MS__SW_SEAL_CHECK_RANGE_FIRST) &&
		    (new_len > c->task_size ||
		     new_addr > c->task_size - new_len ||
		     ranges_overlap(addr, old_len, new_addr, new_len)))
			return -EINVAL;
		if (!ms__sw(mm, MS__SW_SEAL_CHECK_RANGE_FIRST) &&
		    (long)mm->vmas.count + 2 >= (long)c->max_map_count - 3)
			return -ENOMEM;
	}
	if (ms__sw(mm, MS__SW_MREMAP_MULTI_VMA_MOVE) &&
	    (flags & MREMAP_FIXED) && old_len == new_len)
		return remap_move(mm, addr, old_len, new_addr, flags);

	v = ms__vma_find(mm, addr);
	if (!v)
		return -EFAULT;
	if (ms__sw(mm, MS__SW_MREMAP_SEAL_AT_ADDR) && vma_is_sealed(v))
		return -EPERM;
	if (implies_new)
		return mremap_to(mm, v, addr, old_len, new_addr, new_len,
				 flags);
	return mremap_at(mm, v, addr, old_len, new_len, flags);
}

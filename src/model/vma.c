// SPDX-License-Identifier: MIT
/*
 * VMA primitives: lookup, the two split primitives (clip start, clip end),
 * vma_modify (change the attributes of part of a VMA, merging with a
 * neighbour where the kernel would, splitting otherwise), insertion of a
 * new range with the kernel's merge rules, and the unmap gather shared by
 * munmap, MAP_FIXED and mremap.
 *
 * Merging follows mm/vma.c as far as VMA boundaries (smaps) can show it:
 * two VMAs merge when they are adjacent, have the same flags (VM_SEALED
 * included: sealed VMAs merge with sealed ones), pkey, file (the open file
 * description, not the inode) and memory policy, their page offsets are
 * contiguous, and their anon_vmas are compatible (equal, or one has none).
 * Special mappings never merge.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"

struct ms__vma *ms__vma_find(const struct ms_mm *mm, uint64_t addr)
{
	struct ms__vma *v = ms__vt_le(&mm->vmas, addr);

	return v && addr < v->end ? v : NULL;
}

/* split_vma() refuses to add a VMA once map_count reaches the limit. */
bool ms__map_count_full(const struct ms_mm *mm)
{
	return (long)mm->vmas.count >= (long)mm->cfg.max_map_count;
}

/* How far map_count is above max_map_count + 1 (0 when it is not). */
static long map_count_above(const struct ms_mm *mm)
{
	long above = (long)mm->vmas.count - mm->cfg.max_map_count - 1;

	return above > 0 ? above : 0;
}

/*
 * The count may stay above the limit from here on: a split no limit
 * guards that a refused call left (ms__do_munmap()), or a limit lowered
 * below the count.  mmap refuses while map_count > max_map_count and
 * split_vma() at max_map_count, so without these the count never passes
 * max_map_count + 1 (an mmap at the limit); the checker accepts what is
 * recorded here on top of that.
 */
void ms__map_count_over(struct ms_mm *mm)
{
	mm->map_count_over = map_count_above(mm);
}

bool ms__range_is_free(const struct ms_mm *mm, uint64_t start, uint64_t end)
{
	struct ms__vma *v = ms__vma_find_from(mm, start);

	return !v || ms__vma_start(v) >= end;
}

/*
 * A copy of v (not yet in the index) from the arena, with the index ready
 * to take it: after this, inserting cannot fail.
 */
static struct ms__vma *vma_dup(struct ms_mm *mm, const struct ms__vma *v)
{
	struct ms__vma *n;

	if (ms__vt_reserve(&mm->vmas, v->start) < 0)
		return NULL;
	n = ms__vt_alloc(&mm->vmas);
	if (!n)
		return NULL;
	*n = *v;
	n->state &= (uint8_t)~MS__VMS_INDEXED;
	if (n->file)
		ms__file_get(n->file);
	return n;
}

/*
 * Moves v's start to start; its page offset follows.  Every change of a
 * VMA's extent goes through these two, so that the tree's copies of the
 * boundaries (and its gap summaries) stay right.
 */
void ms__vma_set_start(struct ms_mm *mm, struct ms__vma *v, uint64_t start)
{
	uint64_t old = v->start;

	if (start >= old)
		v->pgoff += (start - old) >> mm->cfg.page_shift;
	else
		v->pgoff -= (old - start) >> mm->cfg.page_shift;
	v->start = start;
	v->state &= (uint8_t)~MS__VMS_UNMERGED_START;
	if (v->state & MS__VMS_INDEXED)
		ms__vt_moved(&mm->vmas, v, old);
}

void ms__vma_set_end(struct ms_mm *mm, struct ms__vma *v, uint64_t end)
{
	v->end = end;
	if (v->state & MS__VMS_INDEXED)
		ms__vt_moved(&mm->vmas, v, v->start);
}

/*
 * vm_ops->may_split: the vDSO's special_mapping_split() refuses any
 * split, so a call that would split it fails with EINVAL.  (The aio ring
 * is an ordinary file mapping and splits.)
 */
bool ms__vma_may_split(const struct ms__vma *v)
{
	return v->special != MS_SPECIAL_VDSO + 1;
}

/*
 * clip_start: split v at addr so that v covers [addr, end) and a new VMA
 * covers [start, addr).  check_limit is split_vma()'s map-count test;
 * __split_vma() (munmap's gather after its own test) has none.
 */
int ms__vma_clip_start(struct ms_mm *mm, struct ms__vma *v, uint64_t addr,
		       bool check_limit)
{
	struct ms__vma *head;

	if (check_limit && ms__map_count_full(mm))
		return -ENOMEM;
	if (!ms__vma_may_split(v))
		return -EINVAL;
	head = vma_dup(mm, v);
	if (!head)
		return -ENOMEM;
	head->end = addr;
	ms__vma_set_start(mm, v, addr);
	ms__vt_insert(&mm->vmas, head);
	return 0;
}

/* clip_end: split v at addr so that v covers [start, addr). */
int ms__vma_clip_end(struct ms_mm *mm, struct ms__vma *v, uint64_t addr,
		     bool check_limit)
{
	struct ms__vma *tail;

	if (check_limit && ms__map_count_full(mm))
		return -ENOMEM;
	if (!ms__vma_may_split(v))
		return -EINVAL;
	tail = vma_dup(mm, v);
	if (!tail)
		return -ENOMEM;
	tail->state = 0;
	ms__vma_set_start(mm, tail, addr);
	ms__vma_set_end(mm, v, addr);
	ms__vt_insert(&mm->vmas, tail);
	return 0;
}

void ms__vma_remove(struct ms_mm *mm, struct ms__vma *v)
{
	ms__vt_erase(&mm->vmas, v);
	if (v->file)
		ms_file_put(v->file);
	ms__vt_free(&mm->vmas, v);
	/* What is above the limit goes first. */
	if (mm->map_count_over > map_count_above(mm))
		mm->map_count_over = map_count_above(mm);
}

/*
 * What a VMA's mergeability depends on besides adjacency, page offsets
 * and anon_vma: vm_flags, the protection key, the file, the policy.
 */
struct attrs {
	uint32_t flags;
	uint32_t policy;
	int8_t pkey;
	const struct ms_file *file;
};

static struct attrs attrs_of(const struct ms__vma *v)
{
	return (struct attrs){ v->flags, v->policy, v->pkey, v->file };
}

/* is_mergeable_vma(): everything but adjacency, offsets and anon_vma. */
static bool is_mergeable_vma(const struct ms__vma *v, const struct attrs *a)
{
	return v->flags == a->flags && v->pkey == a->pkey &&
	       v->file == a->file && v->policy == a->policy &&
	       !(a->flags & MS__VM_SPECIAL) && !v->special;
}

/*
 * can_merge_remove_vma(): a VMA whose vm_ops has a close (shm_close(), a
 * SysV segment) may grow or shrink in a merge but is never removed by
 * one, so its pieces stay apart once split.
 */
static bool can_merge_remove(const struct ms__vma *v)
{
	return !v->file || v->file->c->kind != MS__CONTENT_SYSV;
}

static bool anon_vma_compatible(uint32_t a, uint32_t b)
{
	return !a || !b || a == b;
}

static uint64_t vma_pages(const struct ms_mm *mm, const struct ms__vma *v)
{
	return ms__pages(mm, v->end - ms__vma_start(v));
}

/* Would the kernel merge a and the VMA right after it, b? */
bool ms__vma_can_merge(const struct ms_mm *mm, const struct ms__vma *a,
		       const struct ms__vma *b)
{
	struct attrs ab = attrs_of(b);

	return a->end == ms__vma_start(b) && is_mergeable_vma(a, &ab) &&
	       can_merge_remove(a) && can_merge_remove(b) &&
	       anon_vma_compatible(a->anon_vma, b->anon_vma) &&
	       a->pgoff + vma_pages(mm, a) == b->pgoff;
}

/* Can prev take [start, ...) with page offset pgoff after it? */
static bool can_merge_after(const struct ms_mm *mm, const struct ms__vma *prev,
			    uint64_t start, const struct attrs *a, uint32_t anon,
			    uint64_t pgoff)
{
	return prev && prev->end == start && is_mergeable_vma(prev, a) &&
	       anon_vma_compatible(prev->anon_vma, anon) &&
	       prev->pgoff + vma_pages(mm, prev) == pgoff;
}

/* Can next take [..., end) of npages pages at pgoff before it? */
static bool can_merge_before(const struct ms__vma *next, uint64_t end,
			     const struct attrs *a, uint32_t anon,
			     uint64_t pgoff, uint64_t npages)
{
	return next && ms__vma_start(next) == end && is_mergeable_vma(next, a) &&
	       anon_vma_compatible(next->anon_vma, anon) &&
	       pgoff + npages == next->pgoff;
}

static uint32_t anon_of(uint32_t a, uint32_t b)
{
	return a ? a : b;
}

/*
 * vma_modify(): give [start, end) of v (inside it) the attributes a.
 * As vma_merge_existing_range() does, a range that starts at v's start
 * first tries to join prev, one that ends at v's end tries to join next
 * (both when they are compatible with each other as well); only when no
 * merge is possible is v split, at start then at end, each split checking
 * the map count (and may_split).  A failed second split leaves the first
 * one in place, as vma_modify() does: the two pieces could merge, but no
 * call merges them back, so the piece at start is marked for the checker.
 * Returns the VMA now covering [start, end), or NULL with *err set.
 */
static struct ms__vma *vma_modify(struct ms_mm *mm, struct ms__vma *v,
				  uint64_t start, uint64_t end,
				  const struct attrs *a, int *err)
{
	struct ms__vma *prev = NULL, *next = NULL;
	uint64_t pgoff = v->pgoff +
			 ms__pages(mm, start - ms__vma_start(v));
	uint64_t npages = ms__pages(mm, end - start);
	bool left_side = start == ms__vma_start(v), right_side = end == v->end;
	bool merge_left, merge_right, split = false;
	int r;

	*err = 0;
	if (v->flags == a->flags && v->pkey == a->pkey &&
	    v->policy == a->policy)
		return v;
	/* The neighbours matter only on the sides the range reaches. */
	if (left_side)
		prev = ms__vma_prev(mm, v);
	if (right_side)
		next = ms__vma_next(mm, v);
	merge_left = left_side &&
		     can_merge_after(mm, prev, start, a, v->anon_vma, pgoff);
	merge_right = right_side &&
		      can_merge_before(next, end, a, v->anon_vma, pgoff,
				       npages);
	/* prev and next must suit each other too (can_vma_merge_right). */
	if (merge_left && merge_right &&
	    !anon_vma_compatible(prev->anon_vma, next->anon_vma))
		merge_right = false;
	/* A merge over all of v removes it; one with both sides, next. */
	if (left_side && right_side && !can_merge_remove(v))
		merge_left = merge_right = false;
	if (merge_left && merge_right && !can_merge_remove(next))
		merge_right = false;

	if (merge_left && merge_right) {
		/*  prev v next -> prev */
		ms__vma_set_end(mm, prev, next->end);
		prev->anon_vma = anon_of(anon_of(prev->anon_vma, v->anon_vma),
					 next->anon_vma);
		ms__vma_remove(mm, v);
		ms__vma_remove(mm, next);
		return prev;
	}
	if (merge_left) {
		prev->anon_vma = anon_of(prev->anon_vma, v->anon_vma);
		if (right_side) {
			ms__vma_remove(mm, v);
			ms__vma_set_end(mm, prev, end);
		} else {
			ms__vma_set_end(mm, prev, end);
			ms__vma_set_start(mm, v, end);
		}
		return prev;
	}
	if (merge_right) {
		next->anon_vma = anon_of(next->anon_vma, v->anon_vma);
		if (left_side) {
			ms__vma_remove(mm, v);
		} else {
			ms__vma_set_end(mm, v, start);
		}
		ms__vma_set_start(mm, next, start);
		return next;
	}

	if (start > ms__vma_start(v)) {
		r = ms__vma_clip_start(mm, v, start, true);
		if (r < 0) {
			*err = r;
			return NULL;
		}
		split = true;
	}
	if (end < v->end) {
		r = ms__vma_clip_end(mm, v, end, true);
		if (r < 0) {
			if (split)
				v->state |= MS__VMS_UNMERGED_START;
			*err = r;
			return NULL;
		}
	}
	v->flags = a->flags;
	v->pkey = a->pkey;
	v->policy = a->policy;
	return v;
}

/* vma_modify_flags(): new vm_flags and pkey for [start, end) of v. */
struct ms__vma *ms__vma_modify(struct ms_mm *mm, struct ms__vma *v,
			       uint64_t start, uint64_t end, uint32_t flags,
			       int8_t pkey, int *err)
{
	struct attrs a = attrs_of(v);

	a.flags = flags;
	a.pkey = pkey;
	return vma_modify(mm, v, start, end, &a, err);
}

/* vma_modify_policy(): a new memory policy for [start, end) of v. */
struct ms__vma *ms__vma_modify_policy(struct ms_mm *mm, struct ms__vma *v,
				      uint64_t start, uint64_t end,
				      uint32_t policy, int *err)
{
	struct attrs a = attrs_of(v);

	a.policy = policy;
	return vma_modify(mm, v, start, end, &a, err);
}

/*
 * vma_merge_new_range(), then a new VMA: map proto's range, joining prev
 * and/or next where the kernel would.  The caller has made the range free
 * and checked the map count.  Returns the VMA covering the range.
 */
struct ms__vma *ms__vma_insert(struct ms_mm *mm, const struct ms__vma *proto,
			       int *err)
{
	uint64_t start = ms__vma_start(proto), end = proto->end;
	struct ms__vma *prev = ms__vt_le(&mm->vmas, start);
	struct ms__vma *next, *v;
	bool left, right;
	struct attrs a = attrs_of(proto);

	next = prev ? ms__vma_next(mm, prev) : ms__vma_first(mm);
	*err = 0;
	left = !proto->special &&
	       can_merge_after(mm, prev, start, &a, proto->anon_vma,
			       proto->pgoff);
	right = !proto->special &&
		can_merge_before(next, end, &a, proto->anon_vma, proto->pgoff,
				 ms__pages(mm, end - start));
	if (left && right &&
	    !anon_vma_compatible(prev->anon_vma, next->anon_vma))
		right = false;
	/*
	 * Joining both sides removes next, which a VMA with a close (a
	 * SysV attach) never is: prev takes the range and next stays
	 * (remap_file_pages of a page inside a SysV attach, 6.18).
	 */
	if (left && right && !can_merge_remove(next))
		right = false;

	if (left && right) {
		uint64_t nend = next->end;

		prev->anon_vma = anon_of(anon_of(prev->anon_vma,
						 proto->anon_vma),
					 next->anon_vma);
		ms__vma_remove(mm, next);
		ms__vma_set_end(mm, prev, nend);
		return prev;
	}
	if (left) {
		ms__vma_set_end(mm, prev, end);
		prev->anon_vma = anon_of(prev->anon_vma, proto->anon_vma);
		return prev;
	}
	if (right) {
		next->anon_vma = anon_of(next->anon_vma, proto->anon_vma);
		ms__vma_set_start(mm, next, start);
		return next;
	}
	v = vma_dup(mm, proto);
	if (!v) {
		*err = -ENOMEM;
		return NULL;
	}
	v->state = 0;
	ms__vt_insert(&mm->vmas, v);
	return v;
}

/*
 * anon_vma_prepare(): the VMA gets an anon_vma at its first private page.
 * Like find_mergeable_anon_vma(), it reuses a neighbour's when the two
 * differ at most in their access flags and could otherwise merge.
 */
uint32_t ms__anon_vma_prepare(struct ms_mm *mm, struct ms__vma *v)
{
	struct ms__vma *prev, *next;
	uint32_t mask = ~MS__VM_ACCESS;

	if (v->anon_vma)
		return v->anon_vma;
	prev = ms__vma_prev(mm, v);
	next = ms__vma_next(mm, v);
	if (prev && prev->anon_vma && prev->end == ms__vma_start(v) &&
	    !((prev->flags ^ v->flags) & mask) && prev->pkey == v->pkey &&
	    prev->policy == v->policy &&
	    prev->file == v->file && !prev->special && !v->special &&
	    prev->pgoff + vma_pages(mm, prev) == v->pgoff) {
		v->anon_vma = prev->anon_vma;
	} else if (next && next->anon_vma && next->start == v->end &&
		   !((next->flags ^ v->flags) & mask) &&
		   next->pkey == v->pkey && next->file == v->file &&
		   next->policy == v->policy &&
		   !next->special && !v->special &&
		   v->pgoff + vma_pages(mm, v) == next->pgoff) {
		v->anon_vma = next->anon_vma;
	} else {
		v->anon_vma = ++mm->next_anon_vma;
	}
	return v->anon_vma;
}

/*
 * The unmap gather of munmap, MAP_FIXED and mremap (mm/vma.c
 * vms_gather_munmap_vmas() and do_vmi_align_munmap()):
 *
 *   ENOMEM  the range starts inside a VMA and ends inside it too, and
 *           map_count is at the limit (one split more would pass it)
 *   EPERM   a VMA in the range is sealed
 *
 * Linux checks the first VMA, splits it at start, then checks every
 * following VMA: a refusal after that split leaves it behind (the VMAs
 * are otherwise untouched; the split piece is marked so that the checker
 * accepts the unmerged pair).  That split checks the limit only when the
 * range ends inside the same VMA (__split_vma() checks nothing), so a
 * refusal at the limit leaves the count above it, for good: mmap then
 * fails until VMAs go.  Under seal-check-range-first
 * (can_modify_mm() in 6.10) and atomic-failure (guidelines) the whole
 * range is checked before anything is split.
 */
int ms__do_munmap(struct ms_mm *mm, uint64_t start, uint64_t end)
{
	struct ms__vma *v = ms__vma_find_from(mm, start), *w;
	bool split = false;
	int r;

	if (!v || ms__vma_start(v) >= end)
		return 0;
	if (ms__sw(mm, MS__SW_SEAL_CHECK_RANGE_FIRST) ||
	    ms__sw(mm, MS__SW_ATOMIC_FAILURE)) {
		bool sealed = false;

		for (w = v; w && ms__vma_start(w) < end;
		     w = ms__vma_next(mm, w))
			sealed |= vma_is_sealed(w);
		if (sealed && ms__sw(mm, MS__SW_SEAL_CHECK_RANGE_FIRST))
			return -EPERM;
		if (start > ms__vma_start(v) && end < v->end &&
		    ms__map_count_full(mm))
			return -ENOMEM;
		if (sealed)
			return -EPERM;
	}

	if (start > ms__vma_start(v)) {
		if (end < v->end && ms__map_count_full(mm))
			return -ENOMEM;
		/* "Don't bother splitting the VMA if we can't unmap it." */
		if (vma_is_sealed(v))
			return -EPERM;
		r = ms__vma_clip_end(mm, v, start, false);
		if (r < 0)
			return r;
		v = ms__vma_next(mm, v);
		split = true;
	}
	for (w = v; w && ms__vma_start(w) < end; w = ms__vma_next(mm, w)) {
		if (vma_is_sealed(w)) {
			/*
			 * XXX: Linux leaves the split at start behind, and
			 * made it without checking the limit: at the limit,
			 * each refusal like this one adds a VMA above it.
			 */
			if (split) {
				v->state |= MS__VMS_UNMERGED_START;
				ms__map_count_over(mm);
			}
			return -EPERM;
		}
		if (w->end > end) {
			r = ms__vma_clip_end(mm, w, end, false);
			if (r < 0)
				return r;
		}
	}

	ms__zap(mm, start, end, MS__PTE_ZAP | MS__PTE_GUARD);
	while (v && ms__vma_start(v) < end) {
		struct ms__vma *n = ms__vma_next(mm, v);

		ms__vma_remove(mm, v);
		v = n;
	}
	return 0;
}

/* vm_start_gap(): a stack keeps stack_guard_gap free below it. */
static uint64_t vm_start_gap(const struct ms_mm *mm, const struct ms__vma *v)
{
	uint64_t s = v->start;

	if (!(v->flags & MS__VM_GROWSDOWN))
		return s;
	return s > mm->cfg.stack_guard_gap ? s - mm->cfg.stack_guard_gap : 0;
}

/* Is [a, a+len) free, stack guard gaps included? */
static bool fits_at(const struct ms_mm *mm, uint64_t a, uint64_t len)
{
	struct ms__vma *v = ms__vma_find_from(mm, a);

	return !v || a + len <= vm_start_gap(mm, v);
}

/*
 * get_unmapped_area() for a request without MAP_FIXED: an adopted
 * address, else the hint when the range there is free (and clear of a
 * stack's guard gap), else the highest free range below mmap_base
 * (unmapped_area_topdown(): O(log n), led by the index's per-subtree
 * gaps).  Returns the address, or 0 when nothing fits.
 *
 * The index's gaps ignore the guard gap below a MAP_GROWSDOWN VMA; a
 * candidate that breaks it is searched for again below the guard gap, so
 * a stack costs one more descent at most.
 */
uint64_t ms__get_unmapped_area(struct ms_mm *mm, uint64_t hint, uint64_t len)
{
	const struct ms_mm_config *c = &mm->cfg;
	uint64_t top = c->mmap_base, a;

	if (mm->adopt) {
		a = mm->adopt_addr;
		mm->adopt = false;
		if (ms__aligned(mm, a) && a >= c->mmap_min_addr &&
		    a <= c->task_size - len && ms__range_is_free(mm, a, a + len))
			return a;
	}
	if (len > c->task_size)
		return 0;
	if (hint) {
		hint = ms__page_align(mm, hint);
		if (hint >= c->mmap_min_addr && hint <= c->task_size - len &&
		    fits_at(mm, hint, len))
			return hint;
	}
	if (top > c->task_size)
		top = c->task_size;
	for (;;) {
		struct ms__vma *next;

		a = ms__vt_gap_topdown(&mm->vmas, c->mmap_min_addr, top, len);
		if (!a)
			return 0;
		next = ms__vma_find_from(mm, a);
		if (!next || a + len <= vm_start_gap(mm, next))
			return a;
		top = vm_start_gap(mm, next);
	}
}

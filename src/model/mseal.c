// SPDX-License-Identifier: MIT
/*
 * mseal(2).
 */
#include <errno.h>

#include "model/model.h"

/*
 * Would sealing [start, end) find map_count at the limit when it splits
 * the first VMA at start or the last at end, the way mseal_apply() meets
 * them?  Used under atomic-failure, where mseal seals all of the range or
 * nothing.  XXX: it counts a split even where the piece could merge with
 * a sealed neighbour instead, so at the very limit it may refuse a call
 * Linux would let through.
 */
static bool mseal_fits(const struct ms_mm *mm, struct ms__vma *v,
		       uint64_t start, uint64_t end)
{
	long count = (long)mm->vmas.count;

	for (; v && ms__vma_start(v) < end; v = ms__vma_next(mm, v)) {
		if (vma_is_sealed(v))
			continue;
		if (start > ms__vma_start(v)) {
			if (count >= mm->cfg.max_map_count)
				return false;
			count++;
		}
		if (end < v->end) {
			if (count >= mm->cfg.max_map_count)
				return false;
			count++;
		}
	}
	return true;
}

/*
 * mseal(start, len, flags), mirroring do_mseal() (mm/mseal.c):
 *
 *   EINVAL  flags != 0 (checked first, whatever the range)
 *   EINVAL  start not page aligned
 *   EINVAL  len rounds up to 0 from a huge value, or start + len wraps
 *   (0)     len == 0: nothing to do, the range is not looked at
 *   ENOMEM  a page of the range is not mapped (nothing is sealed)
 *   ENOMEM  a VMA must be split and map_count is at the limit: the VMAs
 *           before it stay sealed (mseal_apply() goes VMA by VMA), except
 *           under atomic-failure, where nothing is sealed
 *
 * Sealing an already sealed page is a no-op success; pieces merge with
 * sealed neighbours like any flag change.
 */
int ms_mseal(struct ms_mm *mm, uint64_t start, uint64_t len, uint64_t flags)
{
	uint64_t end, cur;
	struct ms__vma *v, *w;

	if (flags)
		return -EINVAL;
	if (ms__user_range(mm, start, len, &end) < 0)
		return -EINVAL;
	if (end == start)
		return 0;

	/* range_contains_unmapped() */
	v = ms__vma_find_from(mm, start);
	cur = start;
	for (w = v; w && ms__vma_start(w) < end; w = ms__vma_next(mm, w)) {
		if (ms__vma_start(w) > cur)
			return -ENOMEM;
		cur = w->end;
	}
	if (cur < end)
		return -ENOMEM;

	if (ms__sw(mm, MS__SW_ATOMIC_FAILURE) && !mseal_fits(mm, v, start, end))
		return -ENOMEM;

	/* mseal_apply() */
	while (v && ms__vma_start(v) < end) {
		uint64_t s = ms__vma_start(v) > start ? ms__vma_start(v) : start;
		uint64_t e = v->end < end ? v->end : end;
		int err;

		if (!vma_is_sealed(v)) {
			v = ms__vma_modify(mm, v, s, e, v->flags | MS__VM_SEALED,
					   v->pkey, &err);
			if (!v)
				return err;
		}
		v = ms__vma_next(mm, v);
	}
	return 0;
}

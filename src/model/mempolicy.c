// SPDX-License-Identifier: MIT
/*
 * mbind(2) and set_mempolicy_home_node(2).  A VMA's memory policy is one
 * of its attributes: a policy on part of a VMA splits it, an equal policy
 * on a neighbour lets it merge back.  Neither call checks seals (rule G6:
 * a policy moves pages between nodes, it never changes contents), so
 * sealed VMAs split and merge by policy like any other (GS).
 */
#include <errno.h>

#include "compat.h"
#include "model/model.h"

#ifndef MPOL_F_NUMA_BALANCING
#define MPOL_F_NUMA_BALANCING (1 << 13)
#endif
#ifndef MPOL_F_RELATIVE_NODES
#define MPOL_F_RELATIVE_NODES (1 << 14)
#endif
#ifndef MPOL_F_STATIC_NODES
#define MPOL_F_STATIC_NODES (1 << 15)
#endif
#define MPOL_MODE_FLAGS                                                    \
	(MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING)
#define MPOL_MAX 7
#define MPOL_MF_VALID (MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)

/* sanitize_mpol_flags() */
static int sanitize_mpol_flags(int *mode, int *mflags)
{
	*mflags = *mode & MPOL_MODE_FLAGS;
	*mode &= ~MPOL_MODE_FLAGS;
	if ((unsigned int)*mode >= MPOL_MAX)
		return -EINVAL;
	if ((*mflags & MPOL_F_STATIC_NODES) && (*mflags & MPOL_F_RELATIVE_NODES))
		return -EINVAL;
	if ((*mflags & MPOL_F_NUMA_BALANCING) && *mode != MPOL_BIND)
		return -EINVAL;
	return 0;
}

/*
 * mpol_new() and mpol_set_nodemask(): the policy word, 0 for
 * MPOL_DEFAULT (no policy), or -EINVAL.  Nodes are those of the mask that
 * are online; a mode that needs nodes and gets none is refused.
 */
static int64_t mpol_new(const struct ms_mm *mm, int mode, int mflags,
			uint64_t nodemask)
{
	uint64_t online = (1ULL << mm->cfg.nr_nodes) - 1;
	uint64_t nodes = nodemask & online;

	if (mode == MPOL_DEFAULT)
		return nodemask ? -EINVAL : 0;
	if (!nodemask) {
		/* Empty: only "preferred local" and local make sense. */
		if (mode == MPOL_PREFERRED) {
			if (mflags & (MPOL_F_STATIC_NODES |
				      MPOL_F_RELATIVE_NODES))
				return -EINVAL;
			mode = MPOL_LOCAL;
		} else if (mode != MPOL_LOCAL ||
			   (mflags & (MPOL_F_STATIC_NODES |
				      MPOL_F_RELATIVE_NODES))) {
			return -EINVAL;
		}
	} else if (mode == MPOL_LOCAL) {
		return -EINVAL;
	}
	/* Relative nodes fold onto the online ones; others must be online. */
	if (nodemask && !nodes && !(mflags & MPOL_F_RELATIVE_NODES))
		return -EINVAL;
	if (!nodes && nodemask)
		nodes = 1;
	/* PREFERRED keeps only its first node. */
	if (mode == MPOL_PREFERRED)
		nodes &= -nodes;
	return MS__POL(mode, mflags >> 8, nodes, 0);
}

/*
 * The part of do_mbind() that walks the range before it changes anything
 * (queue_pages_range()): the range must be mapped throughout, unless
 * discontig_ok (MPOL_MF_DISCONTIG_OK, which do_mbind() sets for
 * MPOL_DEFAULT: "operation on discontinuous address spaces is okay after
 * all"); then only a range with no VMA at all fails.  Returns 0 or
 * -EFAULT.
 */
static int range_is_mapped(const struct ms_mm *mm, uint64_t start,
			   uint64_t end, bool discontig_ok)
{
	uint64_t cur = start;
	bool any = false;

	for (struct ms__vma *v = ms__vma_find_from(mm, start);
	     v && ms__vma_start(v) < end; v = ms__vma_next(mm, v)) {
		if (ms__vma_start(v) > cur && !discontig_ok)
			return -EFAULT;
		cur = v->end;
		any = true;
	}
	if (discontig_ok)
		return any ? 0 : -EFAULT;
	return cur < end ? -EFAULT : 0;
}

/*
 * mbind_range() for every VMA of [start, end): each gets policy (split
 * where the range ends inside it, merged where a neighbour has the same
 * policy).  update, when set, decides per VMA: it returns the policy the
 * VMA gets, 1 to skip it, or -errno to stop.
 */
static int apply_policy(struct ms_mm *mm, uint64_t start, uint64_t end,
			int64_t (*update)(uint32_t old, uint32_t arg),
			uint32_t arg, bool *any)
{
	struct ms__vma *v = ms__vma_find_from(mm, start);

	while (v && ms__vma_start(v) < end) {
		uint64_t s = ms__vma_start(v) > start ? ms__vma_start(v) : start;
		uint64_t e = v->end < end ? v->end : end;
		int64_t pol = update(v->policy, arg);
		struct ms__vma *m;
		int err;

		if (pol < 0)
			return (int)pol;
		if (pol > UINT32_MAX) {		/* skip */
			v = ms__vma_next(mm, v);
			continue;
		}
		*any = true;
		if (v->policy == (uint32_t)pol) {
			v = ms__vma_next(mm, v);
			continue;
		}
		m = ms__vma_modify_policy(mm, v, s, e, (uint32_t)pol, &err);
		if (!m)
			return err;
		v = ms__vma_next(mm, m);
	}
	return 0;
}

static int64_t set_policy(uint32_t old, uint32_t pol)
{
	(void)old;
	return pol;
}

/*
 * mbind(start, len, mode | mode flags, nodemask, flags), mirroring
 * kernel_mbind() and do_mbind() (mm/mempolicy.c):
 *
 *   EINVAL  unknown mode; STATIC and RELATIVE nodes together;
 *           NUMA_BALANCING other than with MPOL_BIND
 *   EINVAL  flags other than MPOL_MF_STRICT, MOVE, MOVE_ALL
 *   EPERM   MPOL_MF_MOVE_ALL: the model has no CAP_SYS_NICE
 *   EINVAL  start not page aligned
 *   EINVAL  start + len wraps
 *   (0)     len == 0
 *   EINVAL  the nodes do not suit the mode (none where some are needed,
 *           some for MPOL_DEFAULT or MPOL_LOCAL, none online)
 *   EFAULT  a hole in the range (nothing changes); for MPOL_DEFAULT
 *           only a range with no VMA in it
 *   ENOMEM  a split with map_count at the limit (VMAs before it keep the
 *           new policy)
 *   EINVAL  a split of the vDSO
 *
 * No seal check: sealed VMAs take the policy (G6).
 */
int ms_mbind(struct ms_mm *mm, uint64_t start, uint64_t len, int mode,
	     uint64_t nodemask, unsigned int flags)
{
	int mflags, err;
	int64_t pol;
	uint64_t end;
	bool any = false;

	err = sanitize_mpol_flags(&mode, &mflags);
	if (err)
		return err;
	if (flags & ~(unsigned int)MPOL_MF_VALID)
		return -EINVAL;
	if (flags & MPOL_MF_MOVE_ALL)
		return -EPERM;
	if (!ms__aligned(mm, start))
		return -EINVAL;
	len = ms__page_align(mm, len);
	end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	pol = mpol_new(mm, mode, mflags, nodemask);
	if (pol < 0)
		return (int)pol;
	err = range_is_mapped(mm, start, end, pol == 0);
	if (err)
		return err;
	return apply_policy(mm, start, end, set_policy, (uint32_t)pol, &any);
}

/* The home-node update of one VMA's policy; UINT32_MAX + 1: no policy. */
static int64_t set_home(uint32_t old, uint32_t home)
{
	int mode = (int)MS__POL_MODE(old);

	if (!old)
		return (int64_t)UINT32_MAX + 1;
	if (mode != MPOL_BIND && mode != MPOL_PREFERRED_MANY)
		return -EOPNOTSUPP;
	return (old & 0x00ffffffu) | (home + 1) << 24;
}

/*
 * set_mempolicy_home_node(start, len, home_node, flags), mirroring its
 * syscall (mm/mempolicy.c):
 *
 *   EINVAL      start not page aligned
 *   EINVAL      flags != 0
 *   EINVAL      home_node is not an online node
 *   EINVAL      start + len wraps
 *   (0)         len == 0
 *   then VMA by VMA: VMAs without a policy are skipped,
 *   EOPNOTSUPP  a VMA whose policy is neither BIND nor PREFERRED_MANY
 *               (the VMAs before it keep their new home node)
 *   ENOMEM      a split with map_count at the limit
 *   ENOENT      no VMA of the range had a policy (holes are not errors)
 *
 * No seal check (G6).
 */
int ms_set_mempolicy_home_node(struct ms_mm *mm, uint64_t start, uint64_t len,
			       uint64_t home_node, uint64_t flags)
{
	uint64_t end;
	bool any = false;
	int err;

	if (!ms__aligned(mm, start))
		return -EINVAL;
	if (flags)
		return -EINVAL;
	if (home_node >= mm->cfg.nr_nodes)
		return -EINVAL;
	len = ms__page_align(mm, len);
	end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	err = apply_policy(mm, start, end, set_home, (uint32_t)home_node,
			   &any);
	if (err)
		return err;
	return any ? 0 : -ENOENT;
}

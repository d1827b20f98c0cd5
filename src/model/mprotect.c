// SPDX-License-Identifier: MIT
/*
 * mprotect(2), pkey_mprotect(2), pkey_alloc(2), pkey_free(2).
 */
#include <errno.h>
#include <stdlib.h>

#include "compat.h"
#include "model/model.h"

#ifndef PROT_SEM
#define PROT_SEM 0x8
#endif

/*
 * mprotect_fixup() (mm/mprotect.c): one VMA's part [start, end).
 *
 *   EPERM   the VMA is sealed, even when nothing would change
 *   ENOMEM  a split is needed and map_count is at the limit
 *
 * VM_ACCOUNT follows the kernel: making private memory writable charges
 * it; making anonymous memory without an anon_vma read-only uncharges it.
 * Both are vm_flags, so they decide merges.
 */
static int mprotect_fixup(struct ms_mm *mm, struct ms__vma *v, uint64_t start,
			  uint64_t end, uint32_t newflags, int8_t pkey,
			  struct ms__vma **out)
{
	uint32_t oldflags = v->flags;
	int err;

	*out = v;
	if (vma_is_sealed(v))
		return -EPERM;
	if (newflags == oldflags && pkey == v->pkey)
		return 0;
	if (newflags & MS__VM_WRITE) {
		if (!(oldflags & (MS__VM_ACCOUNT | MS__VM_WRITE |
				  MS__VM_SHARED | MS__VM_NORESERVE)))
			newflags |= MS__VM_ACCOUNT;
	} else if ((oldflags & MS__VM_ACCOUNT) && vma_is_anonymous(v) &&
		   !v->anon_vma) {
		newflags &= ~MS__VM_ACCOUNT;
	}
	v = ms__vma_modify(mm, v, start, end, newflags, pkey, &err);
	if (!v)
		return err;
	*out = v;
	/*
	 * A private locked VMA becoming writable is COWed in at once
	 * (populate_vma_page_range(), which skips VM_LOCKONFAULT).
	 */
	if ((oldflags & (MS__VM_WRITE | MS__VM_SHARED | MS__VM_LOCKED)) ==
	    MS__VM_LOCKED && (newflags & MS__VM_WRITE))
		ms__populate(mm, start, end, true, false);
	return 0;
}

static uint32_t new_vm_flags(const struct ms__vma *v, int prot)
{
	return (v->flags & ~MS__VM_ACCESS) |
	       (prot & PROT_READ ? MS__VM_READ : 0) |
	       (prot & PROT_WRITE ? MS__VM_WRITE : 0) |
	       (prot & PROT_EXEC ? MS__VM_EXEC : 0);
}

/* The VM_MAY* bits sit four above the access bits they allow. */
static bool exceeds_may(uint32_t flags)
{
	return (flags & ~(flags >> 4)) & MS__VM_ACCESS;
}

/*
 * The per-VMA walk of do_mprotect_pkey() without applying anything: the
 * error the walk would meet first (a hole, EACCES, a seal), or 0.  Used
 * under atomic-failure to validate the range before any change.
 */
static int mprotect_validate(const struct ms_mm *mm, struct ms__vma *v,
			     uint64_t start, uint64_t end, int prot)
{
	uint64_t tmp = start;

	(void)mm;
	for (; v && ms__vma_start(v) < end; v = ms__vma_next(mm, v)) {
		if (ms__vma_start(v) > tmp)
			return -ENOMEM;
		if (exceeds_may(new_vm_flags(v, prot)))
			return -EACCES;
		if (vma_is_sealed(v))
			return -EPERM;
		tmp = v->end;
	}
	return tmp < end ? -ENOMEM : 0;
}

/*
 * pkey_mprotect(start, len, prot, pkey), mirroring do_mprotect_pkey()
 * (mm/mprotect.c); mprotect is pkey == -1.
 *
 *   EINVAL  both PROT_GROWSDOWN and PROT_GROWSUP
 *   EINVAL  start not page aligned
 *   (0)     len == 0: nothing happens, sealed or not
 *   ENOMEM  start + len wraps
 *   EINVAL  prot has bits other than READ, WRITE, EXEC, SEM
 *   EINVAL  pkey is neither -1 nor allocated
 *   ENOMEM  no VMA in the range, or a hole at its start
 *   EINVAL  PROT_GROWSDOWN on a VMA without VM_GROWSDOWN; PROT_GROWSUP
 *   EPERM   seal-check-range-first: a sealed VMA in the range (6.10)
 *   then per VMA, in address order, the first problem decides:
 *   ENOMEM  a hole before this VMA
 *   EACCES  prot asks for more than the VMA's VM_MAY* allow
 *   EPERM   the VMA is sealed (mprotect_fixup)
 *   ENOMEM  a split with map_count at the limit
 *   ENOMEM  a hole at the end of the range
 *
 * partial-apply: VMAs before the failing one keep their new protection
 * (6.12+).  atomic-failure: the walk is validated first and a failing
 * call changes nothing.
 */
int ms_pkey_mprotect(struct ms_mm *mm, uint64_t start, uint64_t len, int prot,
		     int pkey)
{
	int grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
	uint64_t end, nstart, tmp;
	struct ms__vma *v;
	int err = 0;

	prot &= ~grows;
	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if (!ms__aligned(mm, start))
		return -EINVAL;
	if (!len)
		return 0;
	len = ms__page_align(mm, len);
	end = start + len;
	if (end <= start)
		return -ENOMEM;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM))
		return -EINVAL;
	if (pkey != -1 &&
	    (pkey < 0 || pkey >= 32 || !(mm->pkeys_allocated & (1u << pkey)) ||
	     pkey >= mm->cfg.nr_pkeys))
		return -EINVAL;
	v = ms__vma_find_from(mm, start);
	if (!v || ms__vma_start(v) >= end)
		return -ENOMEM;
	if (grows & PROT_GROWSDOWN) {
		start = ms__vma_start(v);
		if (!(v->flags & MS__VM_GROWSDOWN))
			return -EINVAL;
	} else {
		if (ms__vma_start(v) > start)
			return -ENOMEM;
		if (grows & PROT_GROWSUP)
			return -EINVAL;	/* x86 has no VM_GROWSUP */
	}
	/*
	 * Without partial-apply a sealed VMA anywhere in the range fails the
	 * call before any VMA changes: 6.10 checked the whole range for
	 * seals first (seal-check-range-first); atomic-failure validates
	 * everything below.
	 */
	if (ms__sw(mm, MS__SW_SEAL_CHECK_RANGE_FIRST) ||
	    (!ms__sw(mm, MS__SW_PARTIAL_APPLY) &&
	     !ms__sw(mm, MS__SW_ATOMIC_FAILURE))) {
		for (struct ms__vma *w = v; w && ms__vma_start(w) < end;
		     w = ms__vma_next(mm, w))
			if (vma_is_sealed(w))
				return -EPERM;
	}
	if (ms__sw(mm, MS__SW_ATOMIC_FAILURE)) {
		err = mprotect_validate(mm, v, start, end, prot);
		if (err)
			return err;
	}

	nstart = start;
	tmp = ms__vma_start(v);
	while (v && ms__vma_start(v) < end) {
		uint32_t newflags = new_vm_flags(v, prot);
		int8_t newpkey = (int8_t)(pkey != -1 ? pkey : v->pkey);
		struct ms__vma *m;

		if (ms__vma_start(v) != tmp) {
			err = -ENOMEM;
			break;
		}
		if (exceeds_may(newflags)) {
			err = -EACCES;
			break;
		}
		tmp = v->end < end ? v->end : end;
		/* partial-apply: what came before stays changed. */
		err = mprotect_fixup(mm, v, nstart, tmp, newflags, newpkey, &m);
		if (err)
			break;
		tmp = m->end;
		nstart = tmp;
		v = ms__vma_next(mm, m);
	}
	if (!err && tmp < end)
		err = -ENOMEM;
	return err;
}

int ms_mprotect(struct ms_mm *mm, uint64_t start, uint64_t len, int prot)
{
	return ms_pkey_mprotect(mm, start, len, prot, -1);
}

/*
 * pkey_alloc(flags, rights) (mm/mprotect.c):
 *
 *   EINVAL  flags != 0, or rights outside PKEY_DISABLE_ACCESS|WRITE
 *   EINVAL  no protection keys (nr_pkeys == 0): mm_pkey_alloc() fails
 *   ENOSPC  every key is allocated
 *
 * The new key's rights become the calling thread's.
 */
int ms_pkey_alloc(struct ms_mm *mm, unsigned int flags, unsigned int rights)
{
	if (flags || (rights & ~(unsigned int)(PKEY_DISABLE_ACCESS |
					       PKEY_DISABLE_WRITE)))
		return -EINVAL;
	if (!mm->cfg.nr_pkeys)
		return -EINVAL;
	for (int k = 1; k < mm->cfg.nr_pkeys; k++) {
		if (mm->pkeys_allocated & (1u << k))
			continue;
		mm->pkeys_allocated |= 1u << k;
		mm->pkey_rights[k] = (uint8_t)rights;
		return k;
	}
	return -ENOSPC;
}

/*
 * pkey_free(pkey):
 *
 *   EINVAL  pkey not allocated (key 0 is never freed)
 */
int ms_pkey_free(struct ms_mm *mm, int pkey)
{
	if (pkey <= 0 || pkey >= mm->cfg.nr_pkeys ||
	    !(mm->pkeys_allocated & (1u << pkey)))
		return -EINVAL;
	mm->pkeys_allocated &= ~(1u << pkey);
	return 0;
}

int ms_pkey_set(struct ms_mm *mm, int pkey, unsigned int rights)
{
	if (pkey < 0 || pkey >= mm->cfg.nr_pkeys ||
	    (rights & ~(unsigned int)(PKEY_DISABLE_ACCESS |
				      PKEY_DISABLE_WRITE)))
		return -EINVAL;
	mm->pkey_rights[pkey] = (uint8_t)rights;
	return 0;
}

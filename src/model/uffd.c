// SPDX-License-Identifier: MIT
/*
 * userfaultfd as the catalog uses it: one userfaultfd per process,
 * UFFDIO_REGISTER in MISSING mode, UFFDIO_COPY and UFFDIO_MOVE (mode 0).
 * None of them checks seals (semantics doc 3.8): registration is a VMA
 * flag change like mlock; COPY installs a page where no page table entry
 * exists yet, so it can fill a never-touched page of sealed read-only
 * memory; MOVE takes pages out of writable memory only.
 */
#include <errno.h>

#include "compat.h"
#include "model/model.h"

/* validate_range() (fs/userfaultfd.c) */
static int validate_range(const struct ms_mm *mm, uint64_t start,
			  uint64_t len)
{
	if (!ms__aligned(mm, start) || !ms__aligned(mm, len) || !len)
		return -EINVAL;
	if (start < mm->cfg.mmap_min_addr || start >= mm->cfg.task_size ||
	    len > mm->cfg.task_size - start)
		return -EINVAL;
	return 0;
}

/*
 * vma_can_userfault() for MISSING mode: anonymous memory and shmem
 * (memfd, MAP_SHARED|MAP_ANONYMOUS); not other files, special mappings,
 * nor SysV attaches (vma_is_shmem() asks for shmem_vm_ops, and a SysV
 * attach has shm_vm_ops).
 */
static bool vma_can_userfault(const struct ms__vma *v)
{
	if (v->special)
		return false;
	return !v->file || v->file->c->kind == MS__CONTENT_SHMEM ||
	       v->file->c->kind == MS__CONTENT_MEMFD;
}

/*
 * UFFDIO_REGISTER (mode MISSING) of [start, start+len), mirroring
 * userfaultfd_register() (fs/userfaultfd.c):
 *
 *   EINVAL  start or len not page aligned, len 0, outside user space
 *   EINVAL  no VMA ends above start, or the first starts at or past the
 *           end of the range
 *   EINVAL  a VMA of the range cannot be registered (a non-shmem file,
 *           a special mapping)
 *   EPERM   a VMA of the range has no VM_MAYWRITE (a read-only file)
 *   then each VMA's part of the range gets VM_UFFD_MISSING, split and
 *   merged like any flag (ENOMEM at the map-count limit).
 *
 * No seal check: sealed VMAs are registered (and split) too.
 */
int ms_uffd_register(struct ms_mm *mm, uint64_t start, uint64_t len)
{
	uint64_t end;
	struct ms__vma *v, *w;
	int err;

	mm->uffd = true;	/* the userfaultfd is opened first */
	err = validate_range(mm, start, len);
	if (err)
		return err;
	end = start + len;
	v = ms__vma_find_from(mm, start);
	if (!v || ms__vma_start(v) >= end)
		return -EINVAL;
	for (w = v; w && ms__vma_start(w) < end; w = ms__vma_next(mm, w)) {
		if (!vma_can_userfault(w))
			return -EINVAL;
		if (!(w->flags & MS__VM_MAYWRITE))
			return -EPERM;
	}
	while (v && ms__vma_start(v) < end) {
		uint64_t s = ms__vma_start(v) > start ? ms__vma_start(v) : start;
		uint64_t e = v->end < end ? v->end : end;
		struct ms__vma *m;

		m = ms__vma_modify(mm, v, s, e, v->flags | MS__VM_UFFD_MISSING,
				   v->pkey, &err);
		if (!m)
			return err;
		v = ms__vma_next(mm, m);
	}
	return 0;
}

static bool is_shmem(const struct ms__vma *v)
{
	return v->file && !v->special;
}

/* Is there a page table entry (page, zero page, guard marker) at addr? */
static bool pte_present(const struct ms_mm *mm, uint64_t addr)
{
	return ms__pte_get(mm, addr >> mm->cfg.page_shift) != NULL;
}

/*
 * One UFFDIO_COPY of a page holding data to addr, mirroring
 * userfaultfd_copy() and mfill_atomic() (mm/userfaultfd.c):
 *
 *   ENOENT  no VMA at addr, or it is not registered with userfaultfd
 *           (a private VMA found gets its anon_vma all the same)
 *   EINVAL  the VMA is neither anonymous nor shmem
 *   EFAULT  shmem beyond the end of its file (a private mapping too)
 *   EEXIST  the page is already there: a page table entry (a written,
 *           populated or read-faulted page; a guard marker is replaced),
 *           or for a shared mapping of shmem a page in the file (a
 *           private one gets an anonymous page)
 *
 * VM_WRITE is not asked for and seals are not checked.
 */
static int uffd_copy_page(struct ms_mm *mm, uint64_t addr, char data)
{
	struct ms__vma *v = ms__vma_find(mm, addr);
	struct ms__pte *p;

	/* uffd_mfill_lock() prepares a private VMA's anon_vma first. */
	if (v && !(v->flags & MS__VM_SHARED))
		ms__anon_vma_prepare(mm, v);
	if (!v || !(v->flags & MS__VM_UFFD_MISSING))
		return -ENOENT;
	if (!vma_is_anonymous(v) && !is_shmem(v))
		return -EINVAL;
	/*
	 * mfill_atomic_install_pte(): no page beyond the end of the file,
	 * private mapping or not; then pte_none_mostly(): a guard marker is
	 * no page, and is replaced.
	 */
	if (is_shmem(v) && v->pgoff + ms__pages(mm, addr - ms__vma_start(v)) >=
			       v->file->c->npages)
		return -EFAULT;
	p = ms__pte_get(mm, addr >> mm->cfg.page_shift);
	if (p && (p->flags & ~MS__PTE_GUARD))
		return -EEXIST;
	/* A private mapping of shmem takes an anonymous page, as anon. */
	if (is_shmem(v) && (v->flags & MS__VM_SHARED)) {
		uint64_t pgoff = v->pgoff +
				 ms__pages(mm, addr - ms__vma_start(v));
		int r;

		if (ms__content_resident(v->file->c, pgoff))
			return -EEXIST;
		r = ms__content_write(v->file->c, pgoff, data);
		if (!r && p)
			p->flags = MS__PTE_PRESENT;
		return r;
	}
	ms__anon_vma_prepare(mm, v);
	p = ms__pte_get_or_add(mm, addr >> mm->cfg.page_shift);
	if (!p)
		return -ENOMEM;
	p->flags = (uint8_t)((p->flags & ~MS__PTE_GUARD) | MS__PTE_PAGE);
	p->data = data;
	return 0;
}

/*
 * UFFDIO_COPY of one page per character of pattern from addr ('.' skips
 * a page), as the scenario language's uffd_copy does: 0 or the first
 * -errno (EBADF before any uffd_register: there is no userfaultfd yet).
 */
int ms_uffd_copy(struct ms_mm *mm, uint64_t addr, const char *pattern)
{

	if (!mm->uffd)
		return -EBADF;
	if (!ms__aligned(mm, addr))
		return -EINVAL;
	for (size_t i = 0; pattern[i]; i++) {
		uint64_t a = addr + i * mm->page_size;
		int r;

		if (pattern[i] == '.')
			continue;
		r = validate_range(mm, a, mm->page_size);
		if (!r)
			r = uffd_copy_page(mm, a, pattern[i]);
		if (r)
			return r;
	}
	return 0;
}

/*
 * validate_move_areas() (mm/userfaultfd.c):
 *
 *   EINVAL  the two VMAs differ in access flags or in VM_LOCKED
 *   EINVAL  the source is not writable (hence neither is the target):
 *           "only move between writable VMAs" - not a seal check
 *   EINVAL  either is not private anonymous memory
 */
static int validate_move_areas(struct ms_mm *mm, const struct ms__vma *src,
			       struct ms__vma *dst)
{
	if (((src->flags ^ dst->flags) & MS__VM_ACCESS) ||
	    src->pkey != dst->pkey)
		return -EINVAL;
	if ((src->flags ^ dst->flags) & MS__VM_LOCKED)
		return -EINVAL;
	if (!(src->flags & MS__VM_WRITE))
		return -EINVAL;
	if (!vma_is_anonymous(src) || !vma_is_anonymous(dst))
		return -EINVAL;
	ms__anon_vma_prepare(mm, dst);
	return 0;
}

/*
 * UFFDIO_MOVE of [src, src+len) to [dst, dst+len), mode 0, mirroring
 * userfaultfd_move() and move_pages() (mm/userfaultfd.c):
 *
 *   EBADF   nothing was ever registered (no userfaultfd)
 *   EINVAL  either range unaligned, empty or outside user space
 *   ENOENT  no VMA at dst or at src (a private VMA found before gets
 *           its anon_vma)
 *   EINVAL  the range runs past the end of either VMA
 *   EINVAL  dst's VMA is not registered
 *   EINVAL  validate_move_areas()
 *   then page by page (pages moved so far stay moved):
 *   EEXIST  the destination page is there already
 *   EFAULT  a source page holds a guard marker
 *   ENOENT  a source page has no contents (a hole; ALLOW_SRC_HOLES off)
 *   EAGAIN  either of those after some pages moved (a short move)
 *
 * Overlapping ranges are not refused (6.18): the pages move one at a
 * time, from the start, and meet EEXIST or ENOENT where they overlap.
 * The moved page leaves the source (which reads zeros again) and joins
 * the destination.  Seals are not checked: a sealed writable source
 * gives its pages away, which stores of zeros could do too.
 * XXX: the kernel refuses (EBUSY) a page shared with a fork child; the
 * model does not track sharing and moves it.
 */
int ms_uffd_move(struct ms_mm *mm, uint64_t dst, uint64_t src, uint64_t len)
{
	struct ms__vma *sv, *dv;
	int err;

	if (!mm->uffd)
		return -EBADF;
	err = validate_range(mm, dst, len);
	if (!err)
		err = validate_range(mm, src, len);
	if (err)
		return err;
	/* uffd_move_lock(): each VMA found gets its anon_vma (private). */
	dv = ms__vma_find(mm, dst);
	if (!dv)
		return -ENOENT;
	if (!(dv->flags & MS__VM_SHARED))
		ms__anon_vma_prepare(mm, dv);
	sv = ms__vma_find(mm, src);
	if (!sv)
		return -ENOENT;
	if (!(sv->flags & MS__VM_SHARED))
		ms__anon_vma_prepare(mm, sv);
	if (dst + len > dv->end || src + len > sv->end)
		return -EINVAL;
	if (!(dv->flags & MS__VM_UFFD_MISSING))
		return -EINVAL;
	err = validate_move_areas(mm, sv, dv);
	if (err)
		return err;
	for (uint64_t off = 0; off < len; off += mm->page_size) {
		struct ms__pte *s = ms__pte_get(mm, (src + off) >>
						    mm->cfg.page_shift);
		struct ms__pte *d;
		char data;

		uint8_t what;

		/*
		 * move_pages_pte() looks at the destination first.  A move
		 * that stops after moving something returns the bytes moved,
		 * which the ioctl reports as EAGAIN.
		 */
		if (pte_present(mm, dst + off))
			return off ? -EAGAIN : -EEXIST;
		/*
		 * A guard marker is an entry that is neither a page nor a
		 * swap entry: EFAULT.  Else a private page, or the zero page
		 * (move_zeropage_pte()); nothing there is ENOENT.
		 */
		if (s && (s->flags & MS__PTE_GUARD))
			return off ? -EAGAIN : -EFAULT;
		if (!s || !(s->flags & MS__PTE_ZAP))
			return off ? -EAGAIN : -ENOENT;
		data = s->data;
		what = s->flags & MS__PTE_ZAP;
		ms__pte_drop(mm, s);
		d = ms__pte_get_or_add(mm, (dst + off) >> mm->cfg.page_shift);
		if (!d)
			return -ENOMEM;
		d->flags = what;
		d->data = data;
	}
	return 0;
}

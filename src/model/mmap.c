// SPDX-License-Identifier: MIT
/*
 * mmap(2), munmap(2) and the special mappings the kernel installs itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "model/model.h"

#define MS__MAP_TYPE 0x0f

static uint32_t prot_to_flags(int prot)
{
	return (prot & PROT_READ ? MS__VM_READ : 0) |
	       (prot & PROT_WRITE ? MS__VM_WRITE : 0) |
	       (prot & PROT_EXEC ? MS__VM_EXEC : 0);
}

/*
 * The mapping's vm_flags, as do_mmap() computes them; -errno for the
 * file-mode and mapping-type errors, which come after the address is
 * chosen.
 *
 *   EACCES  MAP_SHARED with PROT_WRITE on a file not opened for writing
 *   EINVAL  MAP_GROWSDOWN on a shared or file mapping, or no valid type
 */
static int64_t mmap_vm_flags(const struct ms_mm *mm, int prot, int flags,
			     const struct ms_file *f)
{
	uint32_t vm = prot_to_flags(prot) | MS__VM_MAYREAD | MS__VM_MAYWRITE |
		      MS__VM_MAYEXEC | mm->def_flags;
	int type = flags & MS__MAP_TYPE;

	if (flags & MAP_GROWSDOWN)
		vm |= MS__VM_GROWSDOWN;
	if (flags & MAP_LOCKED)
		vm |= MS__VM_LOCKED;
	if (f) {
		switch (type) {
		case MAP_SHARED:
		case MAP_SHARED_VALIDATE:
			if ((prot & PROT_WRITE) && !f->writable)
				return -EACCES;
			vm |= MS__VM_SHARED | MS__VM_MAYSHARE;
			/* A read-only file: shared, but never writable. */
			if (!f->writable)
				vm &= ~(MS__VM_MAYWRITE | MS__VM_SHARED);
			if (vm & MS__VM_GROWSDOWN)
				return -EINVAL;
			break;
		case MAP_PRIVATE:
			if (vm & MS__VM_GROWSDOWN)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
	} else {
		switch (type) {
		case MAP_SHARED:
		case MAP_SHARED_VALIDATE:
			if (vm & MS__VM_GROWSDOWN)
				return -EINVAL;
			vm |= MS__VM_SHARED | MS__VM_MAYSHARE;
			break;
		case MAP_PRIVATE:
			break;
		default:
			return -EINVAL;
		}
	}
	if (flags & MAP_NORESERVE)
		vm |= MS__VM_NORESERVE;
	/* accountable_mapping(): private writable memory is charged. */
	if ((vm & (MS__VM_NORESERVE | MS__VM_SHARED | MS__VM_WRITE)) ==
	    MS__VM_WRITE)
		vm |= MS__VM_ACCOUNT;
	return vm;
}

/*
 * mmap(addr, len, prot, flags, f, off), mirroring do_mmap() and
 * mmap_region() (mm/mmap.c, mm/vma.c).  f is NULL for MAP_ANONYMOUS.
 *
 *   EINVAL     off not page aligned (the x86 syscall wrapper)
 *   EBADF      no file without MAP_ANONYMOUS
 *   EINVAL     len == 0
 *   ENOMEM     len rounds up past the end of the address space
 *   EOVERFLOW  off + len wraps the page offset
 *   ENOMEM     map_count above vm.max_map_count
 *   ENOMEM     len > task size; MAP_FIXED beyond it; no free range
 *   EINVAL     MAP_FIXED address not page aligned
 *   EPERM      MAP_FIXED below mmap_min_addr
 *   EEXIST     MAP_FIXED_NOREPLACE and the range is not free
 *   EACCES     MAP_SHARED, PROT_WRITE, file not opened for writing
 *   EINVAL     bad mapping type, MAP_GROWSDOWN on shared or file memory
 *   ENOMEM     MAP_FIXED must split a VMA and map_count is at the limit
 *   EPERM      MAP_FIXED over a sealed VMA (the unmap gather refuses)
 *
 * Then the range is mapped, merging with compatible neighbours; with
 * VM_LOCKED (MAP_LOCKED or mlockall(MCL_FUTURE)) or MAP_POPULATE it is
 * populated.
 */
int64_t ms_mmap(struct ms_mm *mm, uint64_t addr, uint64_t len, int prot,
		int flags, struct ms_file *f, uint64_t off)
{
	const struct ms_mm_config *c = &mm->cfg;
	struct ms__vma proto, *v;
	struct ms_file *shmem = NULL;
	uint64_t pgoff;
	int64_t vm;
	int r;

	if (!ms__aligned(mm, off))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS) && !f)
		return -EBADF;
	if (flags & MAP_ANONYMOUS)
		f = NULL;
	if (!len)
		return -EINVAL;
	if (flags & MAP_FIXED_NOREPLACE)
		flags |= MAP_FIXED;
	if (ms__page_align(mm, len) < len || !ms__page_align(mm, len))
		return -ENOMEM;
	len = ms__page_align(mm, len);
	pgoff = ms__pages(mm, off);
	if (pgoff + ms__pages(mm, len) < pgoff)
		return -EOVERFLOW;
	if ((long)mm->vmas.count > (long)c->max_map_count)
		return -ENOMEM;
	if (len > c->task_size)
		return -ENOMEM;
	if (flags & MAP_FIXED) {
		if (addr > c->task_size - len)
			return -ENOMEM;
		if (!ms__aligned(mm, addr))
			return -EINVAL;
		if (addr < c->mmap_min_addr)
			return -EPERM;
	} else {
		addr = ms__get_unmapped_area(mm, addr, len);
		if (!addr)
			return -ENOMEM;
	}
	if ((flags & MAP_FIXED_NOREPLACE) &&
	    !ms__range_is_free(mm, addr, addr + len))
		return -EEXIST;
	vm = mmap_vm_flags(mm, prot, flags, f);
	if (vm < 0)
		return vm;
	if (!f && (vm & MS__VM_SHARED))
		pgoff = 0;
	else if (!f)
		pgoff = ms__pages(mm, addr);	/* for the anon_vma */

	if (flags & MAP_FIXED) {
		r = ms__do_munmap(mm, addr, addr + len);
		if (r < 0)
			return r;
	}

	if (!f && (vm & MS__VM_SHARED)) {
		/* shmem_zero_setup(): a new object per mapping. */
		struct ms__content *obj = ms__content_new(
			mm, MS__CONTENT_SHMEM, ms__pages(mm, len), '0');

		if (!obj)
			return -ENOMEM;
		shmem = ms__file_new(obj, true);
		if (!shmem) {
			ms__content_put(obj);
			return -ENOMEM;
		}
		f = shmem;
	}
	memset(&proto, 0, sizeof(proto));
	proto.start = addr;
	proto.end = addr + len;
	proto.pgoff = pgoff;
	proto.file = f;
	proto.flags = (uint32_t)vm;
	v = ms__vma_insert(mm, &proto, &r);
	ms_file_put(shmem);	/* the VMA holds its own reference */
	if (!v)
		return r;
	/* populate_vma_page_range() leaves VM_LOCKONFAULT VMAs alone. */
	if (((vm & MS__VM_LOCKED) && !(vm & MS__VM_LOCKONFAULT)) ||
	    (flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE)
		ms__populate(mm, addr, addr + len, false, false);
	return (int64_t)addr;
}

/*
 * munmap(addr, len), mirroring do_vmi_munmap():
 *
 *   EINVAL  addr not page aligned, or the range leaves user space
 *   EINVAL  len rounds to 0
 *   ENOMEM  a VMA must be split and map_count is at the limit
 *   EPERM   a VMA in the range is sealed (nothing is unmapped)
 *
 * Holes in the range are not errors.
 */
int ms_munmap(struct ms_mm *mm, uint64_t addr, uint64_t len)
{
	const struct ms_mm_config *c = &mm->cfg;
	uint64_t end;

	if (!ms__aligned(mm, addr) || addr > c->task_size ||
	    len > c->task_size - addr)
		return -EINVAL;
	end = addr + ms__page_align(mm, len);
	if (end == addr)
		return -EINVAL;
	return ms__do_munmap(mm, addr, end);
}

/*
 * Maps content c (the caller's reference passes to the mapping) as a
 * special mapping of kind at addr, which the caller checked is free.
 * Returns addr or -ENOMEM.
 */
int64_t ms__map_special(struct ms_mm *mm, uint64_t addr, uint64_t npages,
			int prot, enum ms_special kind, struct ms__content *c)
{
	struct ms__vma proto, *v;
	struct ms_file *f;
	int r;

	f = ms__file_new(c, kind == MS_SPECIAL_AIO);
	ms__content_put(c);
	if (!f)
		return -ENOMEM;
	memset(&proto, 0, sizeof(proto));
	proto.start = addr;
	proto.end = addr + (npages << mm->cfg.page_shift);
	proto.file = f;
	proto.special = (uint8_t)(kind + 1);
	/* map_vdso() gives the vDSO VM_MAYWRITE too (arch/x86/entry/vdso). */
	proto.flags = prot_to_flags(prot) | MS__VM_MAYREAD | MS__VM_MAYEXEC |
		      MS__VM_MAYWRITE | MS__VM_DONTEXPAND;
	/*
	 * aio_setup_ring() maps its file MAP_SHARED, read-write; the aio
	 * filesystem is mounted noexec, so do_mmap() leaves out VM_MAYEXEC
	 * (mprotect to PROT_EXEC: EACCES, before any seal).
	 */
	if (kind == MS_SPECIAL_AIO)
		proto.flags = (proto.flags & ~MS__VM_MAYEXEC) | MS__VM_SHARED |
			      MS__VM_MAYSHARE | MS__VM_MAYWRITE;
	v = ms__vma_insert(mm, &proto, &r);
	ms_file_put(f);
	return v ? (int64_t)addr : r;
}

int ms_mm_map_special(struct ms_mm *mm, uint64_t addr, uint64_t npages,
		      int prot, enum ms_special kind)
{
	uint64_t len = npages << mm->cfg.page_shift;
	struct ms__content *obj;
	int64_t r;

	if (!npages || !ms__aligned(mm, addr) ||
	    addr < mm->cfg.mmap_min_addr || addr > mm->cfg.task_size - len ||
	    (kind != MS_SPECIAL_VDSO && kind != MS_SPECIAL_AIO))
		return -EINVAL;
	if (!ms__range_is_free(mm, addr, addr + len))
		return -EEXIST;
	/* The vDSO holds code; an aio ring starts with its header. */
	obj = ms__content_new(mm, MS__CONTENT_SPECIAL, npages,
			      kind == MS_SPECIAL_VDSO ? '*' : '0');
	if (!obj)
		return -ENOMEM;
	obj->refs = 1;
	if (kind == MS_SPECIAL_AIO && ms__content_write(obj, 0, '*') < 0) {
		ms__content_put(obj);
		return -ENOMEM;
	}
	r = ms__map_special(mm, addr, npages, prot, kind, obj);
	return r < 0 ? (int)r : 0;
}

/*
 * remap_file_pages(start, size, prot, pgoff, flags), mirroring the
 * emulation in mm/mmap.c: the range is mapped again, MAP_FIXED, at file
 * page pgoff, so a seal refuses it as it refuses MAP_FIXED.
 *
 *   EINVAL  prot != 0; flags other than MAP_NONBLOCK
 *   EINVAL  start + size (both rounded down to pages) wraps or is empty;
 *           pgoff + size wraps
 *   EINVAL  no VMA at start, or it is not VM_SHARED
 *   EINVAL  the range runs past the VMA into a hole, a VMA of another
 *           file, or one with other vm_flags
 *   then mmap(start, size, its prot, MAP_SHARED|MAP_FIXED|MAP_POPULATE,
 *   its file, pgoff)'s errors: EPERM over a sealed VMA
 */
int ms_remap_file_pages(struct ms_mm *mm, uint64_t start, uint64_t size,
			int prot, uint64_t pgoff, int flags)
{
	struct ms__vma *v, *w;
	struct ms_file *f;
	uint8_t special;
	int64_t r;
	int mflags;

	if (prot)
		return -EINVAL;
	if (flags & ~MAP_NONBLOCK)
		return -EINVAL;
	start &= ~(mm->page_size - 1);
	size &= ~(mm->page_size - 1);
	if (start + size <= start)
		return -EINVAL;
	if (pgoff + ms__pages(mm, size) < pgoff)
		return -EINVAL;
	v = ms__vma_find(mm, start);
	if (!v || !(v->flags & MS__VM_SHARED))
		return -EINVAL;
	for (w = v; w->end < start + size;) {
		struct ms__vma *n = ms__vma_next(mm, w);

		if (!n || ms__vma_start(n) != w->end || n->file != v->file ||
		    n->flags != v->flags)
			return -EINVAL;
		w = n;
	}
	prot = (v->flags & MS__VM_READ ? PROT_READ : 0) |
	       (v->flags & MS__VM_WRITE ? PROT_WRITE : 0) |
	       (v->flags & MS__VM_EXEC ? PROT_EXEC : 0);
	mflags = (flags & MAP_NONBLOCK) | MAP_SHARED | MAP_FIXED | MAP_POPULATE;
	if (v->flags & MS__VM_LOCKED)
		mflags |= MAP_LOCKED;
	f = v->file;
	special = v->special;
	ms__file_get(f);	/* get_file(): the VMA may go */
	r = ms_mmap(mm, start, size, prot, mflags, f,
		    pgoff << mm->cfg.page_shift);
	ms_file_put(f);
	if (r < 0)
		return (int)r;
	/*
	 * The file's own mmap makes the new VMA what the old one was: an
	 * aio ring's (no VM_MAYEXEC on the noexec aio filesystem;
	 * aio_ring_mmap(): VM_DONTEXPAND, and VM_DONTCOPY from
	 * Linux 7.1 on, aio_ring_vm_ops), so it stays special and merges
	 * with nothing.
	 */
	if (special)
		for (w = ms__vma_find(mm, start);
		     w && ms__vma_start(w) < start + size;
		     w = ms__vma_next(mm, w)) {
			w->special = special;
			w->flags |= MS__VM_DONTEXPAND;
			/* The aio filesystem is noexec. */
			if (special == MS_SPECIAL_AIO + 1)
				w->flags &= ~MS__VM_MAYEXEC;
			if (special == MS_SPECIAL_AIO + 1 &&
			    mm->cfg.aio_ring_dontcopy)
				w->flags |= MS__VM_DONTCOPY;
		}
	return 0;
}

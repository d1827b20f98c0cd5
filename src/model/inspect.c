// SPDX-License-Identifier: MIT
/*
 * Read-only inspection of an address space for tools (sealspec coverage):
 * a VMA's bounds, protection, seal and kind.  Kept to find_vma() and a
 * VMA's flags, file and special fields, so it survives changes to how the
 * model stores VMAs.
 */
#include <errno.h>
#include <sys/mman.h>

#include "model/model.h"

static enum ms_vma_kind vma_kind(const struct ms__vma *v)
{
	if (v->special)
		return v->special == MS_SPECIAL_AIO + 1 ? MS_VMA_AIO :
							   MS_VMA_VDSO;
	if (!v->file)
		return v->flags & MS__VM_GROWSDOWN ? MS_VMA_GROWSDOWN :
						     MS_VMA_ANON_PRIVATE;
	switch (v->file->c->kind) {
	case MS__CONTENT_SHMEM:
		return MS_VMA_ANON_SHARED;
	case MS__CONTENT_SYSV:
		return MS_VMA_SYSV_SHM;
	case MS__CONTENT_SPECIAL:
		return MS_VMA_VDSO;
	case MS__CONTENT_MEMFD:
	default:
		break;
	}
	if (!v->file->writable)
		return MS_VMA_FILE_RDONLY;
	return v->flags & MS__VM_MAYSHARE ? MS_VMA_FILE_SHARED :
					    MS_VMA_FILE_PRIVATE;
}

int ms_mm_vma_find(const struct ms_mm *mm, uint64_t addr,
		   struct ms_vma_info *info)
{
	const struct ms__vma *v = ms__vma_find_from(mm, addr);

	if (!v)
		return -ENOENT;
	info->start = ms__vma_start(v);
	info->end = v->end;
	info->prot = (v->flags & MS__VM_READ ? PROT_READ : 0) |
		     (v->flags & MS__VM_WRITE ? PROT_WRITE : 0) |
		     (v->flags & MS__VM_EXEC ? PROT_EXEC : 0);
	info->kind = vma_kind(v);
	info->sealed = vma_is_sealed(v);
	return 0;
}

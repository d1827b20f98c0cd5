// SPDX-License-Identifier: MIT
/*
 * SysV shared memory: shmget(IPC_PRIVATE), shmat(2), shmdt(2).  A segment
 * is a content object in the IPC namespace, which an mm shares with its
 * fork children and keeps across exec; each attach is a MAP_SHARED
 * mapping of its own open file, so two attaches never merge.
 *
 * shmdt() unmaps through the kernel's own unmap and ignores its result:
 * a sealed attach stays mapped and shmdt() still returns 0 (semantics
 * doc 3.3; spec G1a, deviation 6).
 */
#include <errno.h>
#include <stdlib.h>

#include "compat.h"
#include "model/model.h"

/* SHMMAX and SHMMNI as the kernel defaults them. */
#define SHMMAX (UINT64_MAX - (1ULL << 24))
#define SHMMNI 4096

void ms__ipc_put(struct ms__ipc *ipc)
{
	if (!ipc || --ipc->refs > 0)
		return;
	for (int i = 0; i < ipc->nsegs; i++)
		if (ipc->segs[i].c)
			ms__content_put(ipc->segs[i].c);
	free(ipc->segs);
	free(ipc);
}

static struct ms__shm *shm_lookup(const struct ms_mm *mm, int shmid)
{
	if (!mm->ipc || shmid < 0 || shmid >= mm->ipc->nsegs ||
	    !mm->ipc->segs[shmid].c)
		return NULL;
	return &mm->ipc->segs[shmid];
}

/*
 * shmget(IPC_PRIVATE, size, IPC_CREAT | 0600): newseg() (ipc/shm.c).
 *
 *   EINVAL  size 0 (below SHMMIN) or above SHMMAX
 *   ENOSPC  SHMMNI segments exist already
 *   ENOMEM  the model is out of memory
 */
int ms_shmget(struct ms_mm *mm, uint64_t size)
{
	struct ms__ipc *ipc = mm->ipc;
	struct ms__content *c;
	int id;

	if (!size || size > SHMMAX)
		return -EINVAL;
	if (!ipc) {
		ipc = calloc(1, sizeof(*ipc));
		if (!ipc)
			return -ENOMEM;
		ipc->refs = 1;
		mm->ipc = ipc;
	}
	if (ipc->nsegs >= SHMMNI)
		return -ENOSPC;
	c = ms__content_new(mm, MS__CONTENT_SYSV,
			    ms__pages(mm, ms__page_align(mm, size)), '0');
	if (!c)
		return -ENOMEM;
	if (!(ipc->nsegs & (ipc->nsegs - 1))) {
		struct ms__shm *n = realloc(ipc->segs,
					    sizeof(*n) * (size_t)(ipc->nsegs ?
							  2 * ipc->nsegs : 4));

		if (!n) {
			ms__content_put(c);
			return -ENOMEM;
		}
		ipc->segs = n;
	}
	c->refs = 1;	/* the namespace's */
	id = ipc->nsegs++;
	ipc->segs[id].c = c;
	ipc->segs[id].size = size;
	return id;
}

/*
 * shmat(shmid, addr, shmflg), mirroring do_shmat() (ipc/shm.c):
 *
 *   EINVAL  shmid < 0
 *   EINVAL  addr not page aligned (SHMLBA) without SHM_RND; SHM_RND with
 *           SHM_REMAP rounding addr down to 0
 *   EINVAL  SHM_REMAP without an address
 *   EINVAL  no such segment
 *   EINVAL  an address without SHM_REMAP where something is mapped
 *   then mmap(addr, size, PROT_READ [| PROT_WRITE] [| PROT_EXEC],
 *   MAP_SHARED [| MAP_FIXED]) of the segment, and its errors: EPERM when
 *   SHM_REMAP would replace a sealed VMA, ENOMEM, ...
 *
 * SHM_RDONLY opens the segment read-only: the mapping can never be made
 * writable (no VM_MAYWRITE).
 */
int64_t ms_shmat(struct ms_mm *mm, int shmid, uint64_t addr, int shmflg)
{
	int flags = MAP_SHARED, prot;
	struct ms__shm *seg;
	struct ms_file *f;
	uint64_t size;
	int64_t r;

	if (shmid < 0)
		return -EINVAL;
	if (addr) {
		if (addr & (mm->page_size - 1)) {
			if (!(shmflg & SHM_RND))
				return -EINVAL;
			addr &= ~(mm->page_size - 1);
			if (!addr && (shmflg & SHM_REMAP))
				return -EINVAL;
		}
		flags |= MAP_FIXED;
	} else if (shmflg & SHM_REMAP) {
		return -EINVAL;
	}
	prot = shmflg & SHM_RDONLY ? PROT_READ : PROT_READ | PROT_WRITE;
	if (shmflg & SHM_EXEC)
		prot |= PROT_EXEC;
	seg = shm_lookup(mm, shmid);
	if (!seg)
		return -EINVAL;
	size = ms__page_align(mm, seg->size);
	if (addr && !(shmflg & SHM_REMAP) &&
	    (addr + size < addr || !ms__range_is_free(mm, addr, addr + size)))
		return -EINVAL;
	f = ms__file_new(seg->c, !(shmflg & SHM_RDONLY));
	if (!f)
		return -ENOMEM;
	r = ms_mmap(mm, addr, size, prot, flags, f, 0);
	ms_file_put(f);
	return r;
}

static bool is_shm_vma(const struct ms__vma *v)
{
	return v->file && v->file->c->kind == MS__CONTENT_SYSV;
}

/* Does v start where its segment would start if attached at addr? */
static bool shm_fragment_at(const struct ms_mm *mm, const struct ms__vma *v,
			    uint64_t addr)
{
	return is_shm_vma(v) && ms__vma_start(v) >= addr &&
	       ms__pages(mm, ms__vma_start(v) - addr) == v->pgoff;
}

/*
 * shmdt(addr), mirroring ksys_shmdt() (ipc/shm.c):
 *
 *   EINVAL  addr not page aligned
 *   EINVAL  no attach starts at addr: no SysV VMA at or above addr whose
 *           page offset matches its distance from addr
 *   (0)     otherwise, whatever the unmaps returned: the first matching
 *           VMA is unmapped, then every later fragment of the same attach
 *           within the segment's size.  A sealed one stays (the unmap's
 *           EPERM is ignored).
 */
int ms_shmdt(struct ms_mm *mm, uint64_t addr)
{
	struct ms_file *file = NULL;
	struct ms__vma *v;
	uint64_t size = 0, cur = 0;

	if (addr & (mm->page_size - 1))
		return -EINVAL;
	for (v = ms__vma_find_from(mm, addr); v; v = ms__vma_next(mm, v)) {
		if (shm_fragment_at(mm, v, addr)) {
			file = v->file;
			ms__file_get(file);	/* compared with below */
			size = v->file->c->npages << mm->cfg.page_shift;
			cur = v->end;
			(void)ms__do_munmap(mm, ms__vma_start(v), v->end);
			break;
		}
	}
	if (!file)
		return -EINVAL;
	/* Later fragments: the one found may be gone, so search again. */
	for (v = ms__vma_find_from(mm, cur); v && v->end - addr <= size;) {
		uint64_t end = v->end;

		if (shm_fragment_at(mm, v, addr) && v->file == file)
			(void)ms__do_munmap(mm, ms__vma_start(v), v->end);
		v = ms__vma_find_from(mm, end);
	}
	ms_file_put(file);
	return 0;
}

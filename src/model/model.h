/* SPDX-License-Identifier: MIT */
/*
 * The model's internals: the VMA index (a B+tree), the balanced tree of
 * page records, the VMA and page records, the content objects, the
 * profile switches and the primitives every modelled syscall is built from (find, clip start/end, modify-with-merge, insert
 * with merge, unmap).  Names follow the kernel's: a kernel developer should
 * recognise vma_modify, clip_start, vma_is_sealed, is_discard.
 */
#ifndef SEALSPEC_MODEL_INTERNAL_H
#define SEALSPEC_MODEL_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sealspec-model.h"

/* ------------------------------------------------------------------ */
/* An intrusive AVL tree keyed by a 64-bit integer                     */

struct ms__node {
	struct ms__node *left, *right, *parent;
	uint64_t key;
	int height;
};

struct ms__tree {
	struct ms__node *root;
	size_t count;
};

void ms__tree_insert(struct ms__tree *t, struct ms__node *n);
void ms__tree_erase(struct ms__tree *t, struct ms__node *n);
struct ms__node *ms__tree_le(const struct ms__tree *t, uint64_t key);
struct ms__node *ms__tree_ge(const struct ms__tree *t, uint64_t key);
struct ms__node *ms__tree_first(const struct ms__tree *t);
struct ms__node *ms__tree_next(const struct ms__node *n);
struct ms__node *ms__tree_prev(const struct ms__node *n);
/* Checks order, parent links, heights and balance; the count or -1. */
long ms__tree_check(const struct ms__tree *t);

#define ms__container(ptr, type, member)                                   \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* ------------------------------------------------------------------ */
/* The VMA index: a B+tree with per-subtree gaps (vmatree.c)           */

struct ms__vma;
struct ms__bnode;

struct ms__vmatree {
	struct ms__bnode *root;
	int height;		/* 0: the root is a leaf */
	size_t count;		/* VMAs: mm->map_count */
	struct ms__leaf *first;	/* leaves are linked in address order */
	struct ms__leaf *hint;	/* where the last descent ended */
	/* The cursor: the last VMA found is cur_leaf->vma[cur_slot], if
	 * nothing moved it since. */
	struct ms__leaf *cur_leaf;
	int cur_slot;
	void *free_leaves, *free_inodes;
	int nfree_leaves, nfree_inodes;
	struct ms__vma *free_vmas;	/* records to reuse */
	struct block *blocks;	/* the arena, newest first */
	size_t bytes;		/* the arena's blocks */
};

int ms__vt_reserve(struct ms__vmatree *t, uint64_t key);
struct ms__vma *ms__vt_alloc(struct ms__vmatree *t);
void ms__vt_free(struct ms__vmatree *t, struct ms__vma *v);
void ms__vt_destroy(struct ms__vmatree *t);
void ms__vt_insert(struct ms__vmatree *t, struct ms__vma *v);
void ms__vt_erase(struct ms__vmatree *t, struct ms__vma *v);
void ms__vt_moved(struct ms__vmatree *t, struct ms__vma *v,
		  uint64_t old_start);
struct ms__vma *ms__vt_first(const struct ms__vmatree *t);
struct ms__vma *ms__vt_le(const struct ms__vmatree *t, uint64_t key);
struct ms__vma *ms__vt_find_from(const struct ms__vmatree *t, uint64_t addr);
struct ms__vma *ms__vt_next(const struct ms__vmatree *t,
			    const struct ms__vma *v);
struct ms__vma *ms__vt_prev(const struct ms__vmatree *t,
			    const struct ms__vma *v);
uint64_t ms__vt_gap_topdown(const struct ms__vmatree *t, uint64_t low,
			    uint64_t high, uint64_t len);
long ms__vt_check(const struct ms__vmatree *t);

/* ------------------------------------------------------------------ */
/* Profile switches (the table is in profile.c)                        */

enum ms__switch {
	MS__SW_SEAL_CHECK_RANGE_FIRST,
	MS__SW_PARTIAL_APPLY,
	MS__SW_ATOMIC_FAILURE,
	MS__SW_MREMAP_SEAL_AT_ADDR,
	MS__SW_MREMAP_SPAN_CHECK_FIRST,
	MS__SW_MREMAP_MULTI_VMA_MOVE,
	MS__SW_MREMAP_OVERLAP_FIRST,
	MS__SW_SPECIAL_IS_ANON,
	MS__SW_GUARD_REGIONS,
	MS__SW_GUARD_FILE,
	MS__SW_SELF_MADVISE,
	MS__SW_DISCARD_PRIVATE_FILE,
	MS__SW_FOLL_FORCE_REFUSED,
	MS__NSWITCHES
};

uint32_t ms__switch_mask(int profile, uint64_t flip);

/* ------------------------------------------------------------------ */
/* VM flags (the model's own bits, named after the kernel's)           */

#define MS__VM_READ		0x00000001u
#define MS__VM_WRITE		0x00000002u
#define MS__VM_EXEC		0x00000004u
#define MS__VM_SHARED		0x00000008u
#define MS__VM_MAYREAD		0x00000010u
#define MS__VM_MAYWRITE		0x00000020u
#define MS__VM_MAYEXEC		0x00000040u
#define MS__VM_MAYSHARE		0x00000080u
#define MS__VM_GROWSDOWN	0x00000100u
#define MS__VM_LOCKED		0x00000200u
#define MS__VM_LOCKONFAULT	0x00000400u
#define MS__VM_DONTCOPY		0x00000800u
#define MS__VM_WIPEONFORK	0x00001000u
#define MS__VM_SEALED		0x00002000u
#define MS__VM_ACCOUNT		0x00004000u
#define MS__VM_NORESERVE	0x00008000u
#define MS__VM_RAND_READ	0x00010000u
#define MS__VM_SEQ_READ		0x00020000u
#define MS__VM_DONTDUMP		0x00040000u
#define MS__VM_HUGEPAGE		0x00080000u
#define MS__VM_NOHUGEPAGE	0x00100000u
#define MS__VM_MERGEABLE	0x00200000u
#define MS__VM_DONTEXPAND	0x00400000u	/* special mappings */
#define MS__VM_IO		0x00800000u
#define MS__VM_UFFD_MISSING	0x01000000u	/* registered with userfaultfd */

#define MS__VM_ACCESS (MS__VM_READ | MS__VM_WRITE | MS__VM_EXEC)
#define MS__VM_LOCKED_MASK (MS__VM_LOCKED | MS__VM_LOCKONFAULT)
/* VM_SPECIAL: such VMAs are never merged. */
#define MS__VM_SPECIAL (MS__VM_DONTEXPAND | MS__VM_IO)

/* State that is not a vm_flag and never decides a merge. */
#define MS__VMS_UNMERGED_START	0x01	/* a failed call's split left here */
#define MS__VMS_INDEXED		0x80	/* in the index (vmatree.c) */

/* ------------------------------------------------------------------ */
/* Content objects and files                                           */

enum ms__content_kind {
	MS__CONTENT_MEMFD,	/* a memfd / tmpfs file */
	MS__CONTENT_SHMEM,	/* MAP_SHARED|MAP_ANONYMOUS (/dev/zero) */
	MS__CONTENT_SPECIAL,	/* vDSO or aio ring pages */
	MS__CONTENT_SYSV,	/* a SysV shared memory segment */
};

/* One page of a content object that holds something other than zeros. */
struct ms__cpage {
	struct ms__node node;	/* key: page offset in the object */
	char data;
};

struct ms__content {
	int refs;		/* files referring to it */
	enum ms__content_kind kind;
	uint64_t npages;	/* size: pages at or past it are beyond EOF */
	struct ms__tree pages;	/* struct ms__cpage */
	char fill;		/* token of a page with no record */
	uint64_t id;		/* what ms_page.file says of its pages */
};

struct ms_file {
	int refs;		/* the caller's handle + each VMA */
	struct ms__content *c;
	bool writable;		/* opened O_RDWR */
};

/* ------------------------------------------------------------------ */
/* VMAs and page records                                               */

/*
 * 48 bytes: at a million VMAs the records are most of the model's memory
 * (the index adds some 35 bytes a VMA).  A record does not point at its
 * index leaf: the index finds it from vm_start (vmatree.c).
 */
struct ms__vma {
	uint64_t start;		/* vm_start */
	uint64_t end;		/* vm_end, exclusive */
	uint64_t pgoff;		/* vm_pgoff: file page, or for anonymous
				 * memory its linear page index */
	struct ms_file *file;	/* NULL: private anonymous */
	uint32_t flags;		/* MS__VM_* */
	uint32_t anon_vma;	/* 0: none yet; equal ids: same anon_vma */
	uint32_t policy;	/* NUMA policy, MS__POL(); 0: none (NULL) */
	int8_t pkey;
	uint8_t special;	/* enum ms_special + 1, 0 when not special */
	uint8_t state;		/* MS__VMS_* */
};

/*
 * A memory policy packed into one word, so that mpol_equal() is ==:
 * mode, mode flags (MPOL_F_STATIC_NODES, ...), node mask (nodes 0-7) and
 * home node + 1 (0: none).  The model has nr_nodes online nodes.
 */
#define MS__POL(mode, mflags, nodes, home)                                  \
	((uint32_t)(mode) | (uint32_t)(mflags) << 8 |                       \
	 (uint32_t)(nodes) << 16 | (uint32_t)(home) << 24)
#define MS__POL_MODE(p) ((p) & 0xff)
#define MS__POL_NODES(p) (((p) >> 16) & 0xff)
#define MS__POL_HOME(p) ((p) >> 24)

/*
 * The page-table view of one page: a private page with contents (private
 * anonymous memory, or a copy-on-write copy of a file page), and/or a
 * guard marker.  A page with neither has no record.
 */
#define MS__PTE_PAGE	0x01
#define MS__PTE_GUARD	0x02
/* A page table entry without a private page: a read fault mapped the
 * zero page or the file's page.  UFFDIO_COPY and UFFDIO_MOVE see it. */
#define MS__PTE_PRESENT	0x04
/* What zapping a range's pages (DONTNEED, munmap) removes. */
#define MS__PTE_ZAP (MS__PTE_PAGE | MS__PTE_PRESENT)

struct ms__pte {
	struct ms__node node;	/* key: virtual page number */
	char data;		/* MS__PTE_PAGE: the contents token */
	uint8_t flags;
};

/* SysV segments: the IPC namespace, shared by an mm and its fork children. */
struct ms__shm {
	struct ms__content *c;	/* NULL: free id */
	uint64_t size;		/* bytes, as given to shmget */
};

struct ms__ipc {
	int refs;
	int nsegs;
	struct ms__shm *segs;	/* by id */
};

/* An aio context (struct kioctx): its ring is the content object c. */
struct ms__aio {
	uint64_t user_id;	/* the ring's address, the aio_context_t */
	uint64_t npages;
	struct ms__content *c;
	unsigned int nr_events;	/* max_reqs, counted against aio_max_nr */
	unsigned int id;	/* its slot in the mm's ioctx table, which
				 * the ring header holds */
};

struct ms_mm {
	struct ms_mm_config cfg;
	uint64_t page_size;
	struct ms__vmatree vmas;	/* the VMAs by vm_start */
	struct ms__tree ptes;	/* struct ms__pte by page number */
	uint32_t next_anon_vma;
	uint32_t def_flags;	/* mlockall(MCL_FUTURE) */
	uint32_t pkeys_allocated;	/* bit per key; key 0 always */
	uint8_t pkey_rights[32];	/* the calling thread's PKRU */
	bool adopt;
	uint64_t adopt_addr;
	size_t bytes;		/* heap held, for ms_mm_memory */
	uint64_t start_brk, brk;	/* the heap: mm->start_brk, mm->brk */
	struct ms__ipc *ipc;	/* SysV namespace, NULL until shmget */
	struct ms__aio *aio;	/* mm->ioctx_table */
	int naio;
	unsigned int aio_nr;	/* events of live contexts (aio_nr) */
	bool uffd;		/* the process has a userfaultfd */
	uint32_t switches;	/* ms__switch_mask() of cfg */
	/*
	 * VMAs beyond max_map_count + 1 that Linux lets a process keep:
	 * splits left by refused unmaps (ms__do_munmap()), or a limit
	 * lowered below the count.  It only ever falls with the count.
	 */
	long map_count_over;
};

/* Is profile switch sw on for mm (the table is in profile.c)? */
static inline bool ms__sw(const struct ms_mm *mm, enum ms__switch sw)
{
	return mm->switches >> sw & 1;
}

static inline uint64_t ms__vma_start(const struct ms__vma *v)
{
	return v->start;
}

static inline struct ms__vma *ms__vma_first(const struct ms_mm *mm)
{
	return ms__vt_first(&mm->vmas);
}

/* find_vma(): the first VMA that ends above addr. */
static inline struct ms__vma *ms__vma_find_from(const struct ms_mm *mm,
						uint64_t addr)
{
	return ms__vt_find_from(&mm->vmas, addr);
}

static inline struct ms__vma *ms__vma_next(const struct ms_mm *mm,
					   const struct ms__vma *v)
{
	return ms__vt_next(&mm->vmas, v);
}

static inline struct ms__vma *ms__vma_prev(const struct ms_mm *mm,
					   const struct ms__vma *v)
{
	return ms__vt_prev(&mm->vmas, v);
}

static inline uint64_t ms__pages(const struct ms_mm *mm, uint64_t bytes)
{
	return bytes >> mm->cfg.page_shift;
}

static inline bool ms__aligned(const struct ms_mm *mm, uint64_t a)
{
	return (a & (mm->page_size - 1)) == 0;
}

static inline uint64_t ms__page_align(const struct ms_mm *mm, uint64_t len)
{
	return (len + mm->page_size - 1) & ~(mm->page_size - 1);
}

/*
 * The range checks madvise(2) and mseal(2) share: start page-aligned, len
 * rounded up to pages without wrapping to 0, start + len not past the top.
 * -EINVAL, or 0 with *end set (*end == start: nothing to do).
 */
static inline int ms__user_range(const struct ms_mm *mm, uint64_t start,
				 uint64_t len, uint64_t *end)
{
	uint64_t alen = ms__page_align(mm, len);

	if (!ms__aligned(mm, start) || (len && !alen) || start + alen < start)
		return -EINVAL;
	*end = start + alen;
	return 0;
}

static inline bool vma_is_sealed(const struct ms__vma *v)
{
	return v->flags & MS__VM_SEALED;
}

/* vma_is_anonymous(): no vm_ops, i.e. neither file, shmem nor special. */
static inline bool vma_is_anonymous(const struct ms__vma *v)
{
	return !v->file && !v->special;
}

/* vma.c: lookup, clip, merge */
struct ms__vma *ms__vma_find(const struct ms_mm *mm, uint64_t addr);
bool ms__map_count_full(const struct ms_mm *mm);
void ms__map_count_over(struct ms_mm *mm);
int ms__vma_clip_start(struct ms_mm *mm, struct ms__vma *v, uint64_t addr,
		       bool check_limit);
int ms__vma_clip_end(struct ms_mm *mm, struct ms__vma *v, uint64_t addr,
		     bool check_limit);
bool ms__vma_can_merge(const struct ms_mm *mm, const struct ms__vma *a,
		       const struct ms__vma *b);
struct ms__vma *ms__vma_modify(struct ms_mm *mm, struct ms__vma *v,
			       uint64_t start, uint64_t end, uint32_t flags,
			       int8_t pkey, int *err);
struct ms__vma *ms__vma_modify_policy(struct ms_mm *mm, struct ms__vma *v,
				      uint64_t start, uint64_t end,
				      uint32_t policy, int *err);
struct ms__vma *ms__vma_insert(struct ms_mm *mm, const struct ms__vma *proto,
			       int *err);
void ms__vma_remove(struct ms_mm *mm, struct ms__vma *v);
void ms__vma_set_start(struct ms_mm *mm, struct ms__vma *v, uint64_t start);
void ms__vma_set_end(struct ms_mm *mm, struct ms__vma *v, uint64_t end);
uint32_t ms__anon_vma_prepare(struct ms_mm *mm, struct ms__vma *v);
int ms__do_munmap(struct ms_mm *mm, uint64_t start, uint64_t end);
bool ms__range_is_free(const struct ms_mm *mm, uint64_t start, uint64_t end);
uint64_t ms__get_unmapped_area(struct ms_mm *mm, uint64_t hint,
			       uint64_t len);
bool ms__vma_may_split(const struct ms__vma *v);

/* pages.c: page records and content objects */
struct ms__pte *ms__pte_get(const struct ms_mm *mm, uint64_t vpn);
struct ms__pte *ms__pte_get_or_add(struct ms_mm *mm, uint64_t vpn);
void ms__pte_drop(struct ms_mm *mm, struct ms__pte *p);
void ms__zap(struct ms_mm *mm, uint64_t start, uint64_t end, uint8_t which);
int ms__move_ptes(struct ms_mm *mm, uint64_t from, uint64_t to,
		  uint64_t len);
struct ms__content *ms__content_new(struct ms_mm *mm,
				    enum ms__content_kind kind,
				    uint64_t npages, char fill);
void ms__content_put(struct ms__content *c);
char ms__content_read(const struct ms__content *c, uint64_t pgoff);
int ms__content_write(struct ms__content *c, uint64_t pgoff, char data);
void ms__content_punch(struct ms__content *c, uint64_t pgoff,
		       uint64_t npages);
struct ms_file *ms__file_new(struct ms__content *c, bool writable);
void ms__file_get(struct ms_file *f);
bool ms__content_resident(const struct ms__content *c, uint64_t pgoff);

/* mmap.c */
int64_t ms__map_special(struct ms_mm *mm, uint64_t addr, uint64_t npages,
			int prot, enum ms_special kind,
			struct ms__content *c);

/* aio.c, shm.c: what exec and fork do with them */
void ms__aio_exit(struct ms_mm *mm);
void ms__aio_moved(struct ms_mm *mm, const struct ms__vma *v);
void ms__ipc_put(struct ms__ipc *ipc);

/* memory.c */
struct ms__vma *ms__find_vma_fault(struct ms_mm *mm, uint64_t addr);
int ms__populate(struct ms_mm *mm, uint64_t start, uint64_t end, bool write,
		 bool force);
bool ms__pkey_denies(const struct ms_mm *mm, const struct ms__vma *v,
		     bool write);
int ms__fault_in_read(struct ms_mm *mm, struct ms__vma *v, uint64_t addr);
/* A page whose fault would go to userfaultfd (MISSING mode). */
bool ms__uffd_missing(const struct ms_mm *mm, const struct ms__vma *v,
		      uint64_t addr);
bool ms__uffd_write_fault(struct ms_mm *mm, struct ms__vma *v, uint64_t addr);

#endif /* SEALSPEC_MODEL_INTERNAL_H */

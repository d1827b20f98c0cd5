// SPDX-License-Identifier: MIT
/*
 * Address spaces: creation, configuration, fork, and the structural
 * checker that tests run after every call.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "model/model.h"

void ms_mm_default_config(struct ms_mm_config *c, enum ms_profile p)
{
	memset(c, 0, sizeof(*c));
	c->profile = p;
	c->page_shift = 12;
	c->mmap_min_addr = 0x10000;
	c->mmap_base = 0x7f0000000000ULL;
	c->task_size = 0x7ffffffff000ULL;
	c->max_map_count = 65530;
	c->nr_pkeys = 0;
	/* A heap just above a PIE binary, as x86-64 lays it out. */
	c->start_brk = 0x555555600000ULL;
	c->rlimit_data = UINT64_MAX;
	c->rlimit_stack = 8ULL << 20;
	c->stack_guard_gap = 256ULL << 12;
	c->nr_cpus = 4;
	c->nr_nodes = 1;
}

int ms_mm_new(const struct ms_mm_config *c, struct ms_mm **out)
{
	struct ms_mm_config def;
	struct ms_mm *mm;

	*out = NULL;
	if (!c) {
		ms_mm_default_config(&def, MS_PROFILE_LINUX);
		c = &def;
	}
	if ((unsigned int)c->profile >= MS_NPROFILES || c->page_shift < 12 ||
	    c->page_shift > 21 || c->max_map_count < 1 || c->nr_pkeys < 0 ||
	    c->nr_pkeys > 32 || c->task_size <= c->mmap_min_addr ||
	    !c->nr_cpus || !c->nr_nodes || c->nr_nodes > 8 ||
	    (c->start_brk & ((1ULL << c->page_shift) - 1)) ||
	    c->start_brk >= c->task_size)
		return -EINVAL;
	mm = calloc(1, sizeof(*mm));
	if (!mm)
		return -ENOMEM;
	mm->cfg = *c;
	mm->switches = ms__switch_mask(c->profile, c->flip_switches);
	mm->page_size = 1ULL << c->page_shift;
	/* Key 0 is the default key, always allocated, all rights. */
	mm->pkeys_allocated = 1;
	mm->start_brk = mm->brk = c->start_brk;
	*out = mm;
	return 0;
}

static void free_tree_vmas(struct ms_mm *mm)
{
	struct ms__node *n;

	for (struct ms__vma *v = ms__vma_first(mm); v; v = ms__vma_next(mm, v))
		if (v->file)
			ms_file_put(v->file);
	ms__vt_destroy(&mm->vmas);
	while ((n = mm->ptes.root))
		ms__pte_drop(mm, ms__container(n, struct ms__pte, node));
}

void ms_mm_free(struct ms_mm *mm)
{
	if (!mm)
		return;
	ms__aio_exit(mm);
	free_tree_vmas(mm);
	ms__ipc_put(mm->ipc);
	free(mm);
}

/*
 * exec_mmap() puts a new mm in place of the old one: exit_aio() kills the
 * contexts, exit_mmap() drops every VMA however sealed, the new mm has
 * default def_flags, keys and break.  The IPC namespace is the task's.
 */
void ms_mm_exec(struct ms_mm *mm)
{
	struct ms__ipc *ipc = mm->ipc;
	uint32_t next_anon_vma = mm->next_anon_vma;
	struct ms_mm_config cfg = mm->cfg;

	ms__aio_exit(mm);
	free_tree_vmas(mm);
	memset(mm, 0, sizeof(*mm));
	mm->cfg = cfg;
	mm->switches = ms__switch_mask(cfg.profile, cfg.flip_switches);
	mm->page_size = 1ULL << cfg.page_shift;
	mm->pkeys_allocated = 1;
	mm->start_brk = mm->brk = cfg.start_brk;
	mm->ipc = ipc;
	mm->next_anon_vma = next_anon_vma;
}

const struct ms_mm_config *ms_mm_config(const struct ms_mm *mm)
{
	return &mm->cfg;
}

int ms_mm_map_count(const struct ms_mm *mm)
{
	return (int)mm->vmas.count;
}

int ms_mm_set_max_map_count(struct ms_mm *mm, int n)
{
	if (n < 1)
		return -EINVAL;
	mm->cfg.max_map_count = n;
	/* A sysctl below the count takes no VMA away. */
	ms__map_count_over(mm);
	return 0;
}

int ms_mm_sealed_vmas(const struct ms_mm *mm)
{
	int n = 0;

	for (struct ms__vma *v = ms__vma_first(mm); v;
	     v = ms__vma_next(mm, v))
		n += vma_is_sealed(v);
	return n;
}

/*
 * Mirrors the kernel target's use_map_slots (src/kernel/mapcount.c) step
 * for step, so that the VMA layout it leaves is the same: isolate every
 * other page (+2 VMAs each), split single pages off the tail's front
 * until a split fails at the limit, then give nfree pages back.
 */
long ms_mm_use_map_slots(struct ms_mm *mm, uint64_t addr, uint64_t len,
			 long nfree)
{
	static const int cand[] = { PROT_NONE, PROT_READ,
				    PROT_READ | PROT_WRITE };
	uint64_t ps = mm->page_size, pages = len / ps, tail;
	long count = (long)mm->vmas.count, need, pairs, singles, s;
	int base, pa = -1, pb = -1, r;
	struct ms__vma *v;

	if (nfree < 0 || !len || ((addr | len) & (ps - 1)))
		return -EINVAL;
	v = ms__vma_find(mm, addr);
	if (!v)
		return -ENOMEM;
	if (addr + len > v->end)
		return -EINVAL;
	need = mm->cfg.max_map_count - nfree - count;
	if (need < 2)
		return -ENOSPC;
	pairs = need / 2;
	singles = nfree + need % 2;
	if (pages < (uint64_t)(2 * pairs + singles + 2))
		return -ENOSPC;
	base = (v->flags & MS__VM_READ ? PROT_READ : 0) |
	       (v->flags & MS__VM_WRITE ? PROT_WRITE : 0) |
	       (v->flags & MS__VM_EXEC ? PROT_EXEC : 0);
	for (int i = 0; i < 3; i++) {
		if (cand[i] == base)
			continue;
		if (pa < 0)
			pa = cand[i];
		else if (pb < 0)
			pb = cand[i];
	}
	for (long i = 0; i < pairs; i++) {
		r = ms_mprotect(mm, addr + (uint64_t)(2 * i + 1) * ps, ps, pa);
		if (r < 0)
			return r;
	}
	tail = addr + (uint64_t)(2 * pairs) * ps;
	for (s = 0; s <= singles; s++) {
		r = ms_mprotect(mm, tail + (uint64_t)s * ps, ps,
				s % 2 ? pa : pb);
		if (r == -ENOMEM)
			break;
		if (r < 0)
			return r;
	}
	if (s != singles)
		return -EPROTO;
	for (long k = 1; k <= nfree; k++) {
		r = ms_mprotect(mm, tail + (uint64_t)(s - k) * ps, ps, base);
		if (r < 0)
			return r;
	}
	return (long)mm->vmas.count == mm->cfg.max_map_count - nfree ?
		       need : -EPROTO;
}

size_t ms_mm_memory(const struct ms_mm *mm)
{
	return sizeof(*mm) + mm->bytes + mm->vmas.bytes;
}

size_t ms_mm_vma_size(void)
{
	return sizeof(struct ms__vma);
}

void ms_mm_adopt(struct ms_mm *mm, uint64_t addr)
{
	mm->adopt = true;
	mm->adopt_addr = addr;
}

void ms_mm_adopt_clear(struct ms_mm *mm)
{
	mm->adopt = false;
}

/* ------------------------------------------------------------------ */
/* fork                                                                */

/*
 * dup_mmap(): every VMA but VM_DONTCOPY ones, without VM_LOCKED; page
 * records copied unless the VMA is VM_WIPEONFORK (a clean slate, no
 * anon_vma).  The child's anon_vmas are its own: a child VMA never
 * shares one with a parent VMA, and VMAs that shared one in the parent
 * get one each (anon_vma_fork()).  Nothing merges: neighbours that could
 * (a split a failed call left, VMAs that differed only in VM_LOCKED or in
 * a userfaultfd registration) stay apart, and so does a count above the
 * limit.
 */
int ms_mm_fork(const struct ms_mm *mm, struct ms_mm **child)
{
	struct ms_mm *c;
	int r = ms_mm_new(&mm->cfg, &c);

	*child = NULL;
	if (r < 0)
		return r;
	c->pkeys_allocated = mm->pkeys_allocated;
	memcpy(c->pkey_rights, mm->pkey_rights, sizeof(c->pkey_rights));
	c->next_anon_vma = 0;
	c->start_brk = mm->start_brk;
	c->brk = mm->brk;
	c->def_flags = mm->def_flags & ~MS__VM_LOCKED_MASK;
	c->ipc = mm->ipc;
	if (c->ipc)
		c->ipc->refs++;
	for (struct ms__vma *v = ms__vma_first(mm); v;
	     v = ms__vma_next(mm, v)) {
		struct ms__vma *n, *prev;
		uint64_t start = ms__vma_start(v);

		if (v->flags & MS__VM_DONTCOPY)
			continue;
		if (ms__vt_reserve(&c->vmas, start) < 0)
			goto nomem;
		n = ms__vt_alloc(&c->vmas);
		if (!n)
			goto nomem;
		*n = *v;
		/* Without UFFD_FEATURE_EVENT_FORK registrations are lost. */
		n->flags &= ~(MS__VM_LOCKED_MASK | MS__VM_UFFD_MISSING);
		n->state = 0;
		if (n->file)
			ms__file_get(n->file);
		if (v->flags & MS__VM_WIPEONFORK)
			n->anon_vma = 0;
		else if (v->anon_vma)
			n->anon_vma = ++c->next_anon_vma;
		ms__vt_insert(&c->vmas, n);
		prev = ms__vma_prev(c, n);
		if (prev && ms__vma_can_merge(c, prev, n))
			n->state |= MS__VMS_UNMERGED_START;
		if (v->flags & MS__VM_WIPEONFORK)
			continue;
		for (struct ms__node *pn = ms__tree_ge(&mm->ptes,
						       ms__pages(mm, start));
		     pn && pn->key < ms__pages(mm, v->end);
		     pn = ms__tree_next(pn)) {
			struct ms__pte *p = ms__container(pn, struct ms__pte,
							  node);
			struct ms__pte *q = ms__pte_get_or_add(c, pn->key);

			if (!q)
				goto nomem;
			q->flags = p->flags;
			q->data = p->data;
		}
	}
	ms__map_count_over(c);
	*child = c;
	return 0;
nomem:
	ms_mm_free(c);
	return -ENOMEM;
}

/* ------------------------------------------------------------------ */
/* The structural checker                                              */

static int bad(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (why && n) {
		va_start(ap, fmt);
		vsnprintf(why, n, fmt, ap);
		va_end(ap);
	}
	return -EUCLEAN;
}

int ms_mm_check(const struct ms_mm *mm, char *why, size_t n)
{
	const struct ms_mm_config *c = &mm->cfg;
	struct ms__vma *prev = NULL;
	long count;

	count = ms__vt_check(&mm->vmas);
	if (count < 0)
		return bad(why, n,
			   "VMA index broken (order, links, copies or gaps)");
	if (ms__tree_check(&mm->ptes) < 0)
		return bad(why, n, "page-record tree broken");
	for (struct ms__vma *v = ms__vma_first(mm); v;
	     v = ms__vma_next(mm, v)) {
		uint64_t s = ms__vma_start(v);

		if (!ms__aligned(mm, s) || !ms__aligned(mm, v->end) ||
		    s >= v->end)
			return bad(why, n, "VMA %#llx-%#llx: bad range",
				   (unsigned long long)s,
				   (unsigned long long)v->end);
		if (s < c->mmap_min_addr || v->end > c->task_size)
			return bad(why, n, "VMA %#llx-%#llx outside user space",
				   (unsigned long long)s,
				   (unsigned long long)v->end);
		if (prev && prev->end > s)
			return bad(why, n, "VMAs %#llx and %#llx overlap",
				   (unsigned long long)ms__vma_start(prev),
				   (unsigned long long)s);
		if (prev && ms__vma_can_merge(mm, prev, v) && !prev->special &&
		    !(v->state & MS__VMS_UNMERGED_START))
			return bad(why, n,
				   "VMAs %#llx-%#llx and %#llx-%#llx should "
				   "have merged",
				   (unsigned long long)ms__vma_start(prev),
				   (unsigned long long)prev->end,
				   (unsigned long long)s,
				   (unsigned long long)v->end);
		if (v->file && (v->file->refs < 1 || !v->file->c ||
				v->file->c->refs < 1))
			return bad(why, n, "VMA %#llx: file reference count",
				   (unsigned long long)s);
		if ((v->flags & MS__VM_SHARED) && !v->file)
			return bad(why, n, "VMA %#llx: shared without object",
				   (unsigned long long)s);
		prev = v;
	}
	/*
	 * mmap (do_mmap()) and brk refuse only while map_count is above the
	 * limit, so one at the limit takes it to limit + 1; past that, only
	 * what ms__map_count_over() recorded: splits left by refused unmaps
	 * (vms_gather_munmap_vmas()), a limit lowered below the count.
	 */
	if (count > c->max_map_count + 1 + mm->map_count_over)
		return bad(why, n,
			   "map count %ld above the limit %d (+1 for an mmap "
			   "at the limit, +%ld left above it)",
			   count, c->max_map_count, mm->map_count_over);
	/* Page records only under mapped pages; private ones only where a
	 * private page can be. */
	for (struct ms__node *pn = ms__tree_first(&mm->ptes); pn;
	     pn = ms__tree_next(pn)) {
		struct ms__pte *p = ms__container(pn, struct ms__pte, node);
		struct ms__vma *v = ms__vma_find(mm, pn->key << c->page_shift);

		if (!p->flags)
			return bad(why, n, "empty page record at page %#llx",
				   (unsigned long long)pn->key);
		if (!v)
			return bad(why, n, "page record at %#llx, not mapped",
				   (unsigned long long)(pn->key
							<< c->page_shift));
		if ((p->flags & MS__PTE_PAGE) &&
		    ((v->flags & MS__VM_MAYSHARE) || v->special ||
		     !v->anon_vma))
			return bad(why, n,
				   "private page at %#llx in a VMA that cannot "
				   "hold one",
				   (unsigned long long)(pn->key
							<< c->page_shift));
	}
	return 0;
}

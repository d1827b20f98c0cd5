// SPDX-License-Identifier: MIT
/*
 * What a program sees when it touches memory: stores and loads with their
 * faults, FOLL_FORCE writes, population by the kernel, and the page-state
 * export that mirrors what the kernel target observes.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "compat.h"
#include "model/model.h"

static uint64_t vpn_of(const struct ms_mm *mm, uint64_t addr)
{
	return addr >> mm->cfg.page_shift;
}

static uint64_t file_pgoff(const struct ms_mm *mm, const struct ms__vma *v,
			   uint64_t addr)
{
	return v->pgoff + ms__pages(mm, addr - ms__vma_start(v));
}

/*
 * arch_vma_access_permitted() for the calling thread: does its PKRU deny
 * this access to v's key?
 */
bool ms__pkey_denies(const struct ms_mm *mm, const struct ms__vma *v,
		     bool write)
{
	uint8_t rights;

	if (!mm->cfg.nr_pkeys || v->pkey < 0 || v->pkey >= mm->cfg.nr_pkeys)
		return false;
	rights = mm->pkey_rights[v->pkey];
	if (rights & PKEY_DISABLE_ACCESS)
		return true;
	return write && (rights & PKEY_DISABLE_WRITE);
}

static bool beyond_eof(const struct ms_mm *mm, const struct ms__vma *v,
		       uint64_t addr);

static bool is_guard(const struct ms_mm *mm, uint64_t addr)
{
	struct ms__pte *p = ms__pte_get(mm, vpn_of(mm, addr));

	return p && (p->flags & MS__PTE_GUARD);
}

/*
 * Is the page at addr missing in a VMA registered with userfaultfd
 * (MISSING mode)?  Then a fault there goes to the userfaultfd: anonymous
 * memory without a page, shmem (memfd, shared anonymous) without the page
 * in its page cache.  The kernel's own accesses (GUP: /proc/self/mem,
 * ptrace, process_vm_writev, MADV_POPULATE_*) get VM_FAULT_SIGBUS from a
 * user-mode-only userfaultfd (handle_userfault()) and fail there.
 */
bool ms__uffd_missing(const struct ms_mm *mm, const struct ms__vma *v,
		      uint64_t addr)
{
	struct ms__pte *p;

	if (!v || !(v->flags & MS__VM_UFFD_MISSING))
		return false;
	p = ms__pte_get(mm, vpn_of(mm, addr));
	if (p && (p->flags & (MS__PTE_PAGE | MS__PTE_PRESENT)))
		return false;
	if (v->file)
		return !ms__content_resident(v->file->c,
					     file_pgoff(mm, v, addr));
	return true;
}

/*
 * A read fault (or GUP read) of the page at addr in v, after the access
 * was allowed: the page table maps the zero page or the file's page, and
 * shmem (memfd, shared anonymous) allocates the page in its page cache,
 * where userfaultfd then no longer counts it missing.
 */
int ms__fault_in_read(struct ms_mm *mm, struct ms__vma *v, uint64_t addr)
{
	struct ms__pte *p = ms__pte_get_or_add(mm, vpn_of(mm, addr));

	if (!p)
		return -ENOMEM;
	p->flags |= MS__PTE_PRESENT;
	if (v && v->file && !beyond_eof(mm, v, addr) &&
	    (v->file->c->kind == MS__CONTENT_MEMFD ||
	     v->file->c->kind == MS__CONTENT_SHMEM)) {
		uint64_t pg = file_pgoff(mm, v, addr);

		if (!ms__content_resident(v->file->c, pg))
			return ms__content_write(v->file->c, pg,
						 ms__content_read(v->file->c,
								  pg));
	}
	return 0;
}

/*
 * A write fault at addr that userfaultfd would take: true.  The fault
 * got as far as preparing the private VMA's anon_vma first
 * (vmf_anon_prepare() comes before the userfaultfd check in
 * do_anonymous_page() and do_cow_fault()), which decides later merges.
 */
bool ms__uffd_write_fault(struct ms_mm *mm, struct ms__vma *v, uint64_t addr)
{
	if (!ms__uffd_missing(mm, v, addr))
		return false;
	if (!(v->flags & MS__VM_SHARED))
		ms__anon_vma_prepare(mm, v);
	return true;
}

/* What a read of the page at addr in v returns ('!' beyond EOF). */
static char page_data(const struct ms_mm *mm, const struct ms__vma *v,
		      uint64_t addr)
{
	struct ms__pte *p = ms__pte_get(mm, vpn_of(mm, addr));

	if (p && (p->flags & MS__PTE_GUARD))
		return '!';
	if (p && (p->flags & MS__PTE_PAGE))
		return p->data;
	if (!v->file)
		return '0';
	return ms__content_read(v->file->c, file_pgoff(mm, v, addr));
}

/*
 * A store of data into the page at addr of v, after the permission
 * checks: into the object for a shared mapping, else into a private page
 * (copy-on-write for a file), which gives v an anon_vma.
 */
static int store(struct ms_mm *mm, struct ms__vma *v, uint64_t addr,
		 char data)
{
	struct ms__pte *p;

	if (v->flags & MS__VM_SHARED)
		return ms__content_write(v->file->c, file_pgoff(mm, v, addr),
					 data);
	ms__anon_vma_prepare(mm, v);
	p = ms__pte_get_or_add(mm, vpn_of(mm, addr));
	if (!p)
		return -ENOMEM;
	p->flags |= MS__PTE_PAGE;
	p->data = data;
	return 0;
}

static bool beyond_eof(const struct ms_mm *mm, const struct ms__vma *v,
		       uint64_t addr)
{
	return v->file && file_pgoff(mm, v, addr) >= v->file->c->npages;
}

/*
 * expand_downwards() (mm/mmap.c) for a fault at addr below v, a
 * VM_GROWSDOWN VMA and the first VMA above addr:
 *
 *   EPERM   addr below mmap_min_addr
 *   ENOMEM  the VMA below is accessible, does not grow down itself, and
 *           ends less than stack_guard_gap below addr
 *   ENOMEM  the stack would pass RLIMIT_STACK
 *
 * There is no seal check: a sealed stack grows like any other.
 */
static int expand_stack(struct ms_mm *mm, struct ms__vma *v, uint64_t addr)
{
	struct ms__vma *prev = ms__vma_prev(mm, v);

	addr &= ~(mm->page_size - 1);
	if (addr < mm->cfg.mmap_min_addr)
		return -EPERM;
	if (prev && !(prev->flags & MS__VM_GROWSDOWN) &&
	    (prev->flags & MS__VM_ACCESS) &&
	    addr - prev->end < mm->cfg.stack_guard_gap)
		return -ENOMEM;
	if (v->end - addr > mm->cfg.rlimit_stack)
		return -ENOMEM;
	if (ms__pages(mm, ms__vma_start(v) - addr) > v->pgoff)
		return 0;	/* the page offset would wrap: no growth */
	ms__anon_vma_prepare(mm, v);
	ms__vma_set_start(mm, v, addr);
	/* A grown stack never merges (no vma_merge on this path). */
	if (prev && ms__vma_can_merge(mm, prev, v))
		v->state |= MS__VMS_UNMERGED_START;
	return 0;
}

/*
 * lock_mm_and_find_vma(): the VMA a user fault at addr hits, growing a
 * stack (VM_GROWSDOWN) down to it when addr lies below one; NULL when
 * nothing is mapped there.
 */
struct ms__vma *ms__find_vma_fault(struct ms_mm *mm, uint64_t addr)
{
	struct ms__vma *v = ms__vma_find_from(mm, addr);

	if (!v || ms__vma_start(v) <= addr)
		return v;
	if (!(v->flags & MS__VM_GROWSDOWN) || expand_stack(mm, v, addr) < 0 ||
	    ms__vma_start(v) > addr)
		return NULL;
	return v;
}

/*
 * A write fault on a page beyond the end of the file of v, an access that
 * was otherwise allowed: for a private mapping do_cow_fault() prepares the
 * VMA's anon_vma (vmf_anon_prepare()) before __do_fault() finds no page
 * (SIGBUS), and that anon_vma decides later merges.
 */
static void cow_fault_past_eof(struct ms_mm *mm, struct ms__vma *v)
{
	if (!(v->flags & MS__VM_SHARED))
		ms__anon_vma_prepare(mm, v);
}

/* The signal an access raises, or 0 (do_user_addr_fault() on x86). */
static int access_fault(const struct ms_mm *mm, const struct ms__vma *v,
			uint64_t addr, bool write)
{
	if (!v || is_guard(mm, addr))
		return SIGSEGV;
	if (write ? !(v->flags & MS__VM_WRITE) : !(v->flags & MS__VM_ACCESS))
		return SIGSEGV;
	if (ms__pkey_denies(mm, v, write))
		return SIGSEGV;
	if (beyond_eof(mm, v, addr))
		return SIGBUS;
	return 0;
}

int ms_mm_fill(struct ms_mm *mm, uint64_t addr, const char *pattern,
	       struct ms_fault *fault)
{
	memset(fault, 0, sizeof(*fault));
	if (!ms__aligned(mm, addr))
		return -EINVAL;
	for (size_t i = 0; pattern[i]; i++) {
		uint64_t a = addr + i * mm->page_size;
		struct ms__vma *v;
		int sig, r;

		if (pattern[i] == '.')
			continue;
		v = ms__find_vma_fault(mm, a);
		sig = access_fault(mm, v, a, true);
		if (sig == SIGBUS)
			cow_fault_past_eof(mm, v);
		if (sig) {
			fault->signo = sig;
			fault->addr = a;
			return 0;
		}
		r = store(mm, v, a, pattern[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

int ms_mm_read(struct ms_mm *mm, uint64_t addr, uint64_t len,
	       struct ms_fault *fault)
{
	memset(fault, 0, sizeof(*fault));
	if (!ms__aligned(mm, addr))
		return -EINVAL;
	for (uint64_t a = addr; a < addr + len; a += mm->page_size) {
		struct ms__vma *v = ms__find_vma_fault(mm, a);
		int sig = access_fault(mm, v, a, false), r;

		if (sig) {
			fault->signo = sig;
			fault->addr = a;
			return 0;
		}
		r = ms__fault_in_read(mm, v, a);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * __access_remote_vm() (mm/memory.c), the path of /proc/PID/mem and
 * PTRACE_PEEK/POKE: where no VMA holds addr it grows a stack down to it
 * (expand_stack(), with the same limits as a fault), then looks again.
 */
static struct ms__vma *remote_vma(struct ms_mm *mm, uint64_t addr)
{
	struct ms__vma *v = ms__vma_find(mm, addr);

	return v ? v : ms__find_vma_fault(mm, addr);
}

/*
 * Stores pattern[i] into page i from addr ('.' skips a page), after
 * refused() had its say about each page: the two writers below differ only
 * in what they refuse.  Returns 0 or the first -errno.
 */
static int write_pattern(struct ms_mm *mm, uint64_t addr, const char *pattern,
			 bool remote,
			 int (*refused)(struct ms_mm *, struct ms__vma *,
					uint64_t))
{
	if (!ms__aligned(mm, addr))
		return -EINVAL;
	for (size_t i = 0; pattern[i]; i++) {
		uint64_t a = addr + i * mm->page_size;
		struct ms__vma *v;
		int r;

		if (pattern[i] == '.')
			continue;
		v = remote ? remote_vma(mm, a) : ms__vma_find(mm, a);
		r = refused(mm, v, a);
		if (r == 0)
			r = store(mm, v, a, pattern[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * process_vm_writev(2) into the process itself (mm/process_vm_access.c):
 * get_user_pages() without FOLL_FORCE, so the protection decides (no seal
 * check, and none is needed: what is not writable is refused), and no
 * stack grows (GUP does not expand stacks since 6.5).
 *
 *   EFAULT  no VMA, a guard page, no VM_WRITE, a pkey that denies the
 *           write, a page beyond the end of its file, a page missing
 *           under userfaultfd
 */
/* process_vm_writev() refuses what a plain user write would fault on. */
static int vm_write_refused(struct ms_mm *mm, struct ms__vma *v, uint64_t a)
{
	int sig = access_fault(mm, v, a, true);

	if (sig == SIGBUS)
		cow_fault_past_eof(mm, v);
	if (sig)
		return -EFAULT;
	return ms__uffd_write_fault(mm, v, a) ? -EFAULT : 0;
}

int ms_process_vm_write(struct ms_mm *mm, uint64_t addr, const char *pattern)
{
	return write_pattern(mm, addr, pattern, false, vm_write_refused);
}

/*
 * A FOLL_FORCE write (mm/gup.c check_vma_flags()): the VMA's protection
 * is ignored, but a non-writable shared mapping refuses (not a COW
 * mapping), as do guard pages and pages beyond EOF.  Each refusal is the
 * EIO that /proc/self/mem and PTRACE_POKEDATA report.
 *
 *   EIO  no VMA, a guard page, beyond EOF, a page missing under
 *        userfaultfd, a shared mapping without VM_WRITE, or under foll-force-refused a sealed VMA without
 *        VM_WRITE (guideline 7)
 *
 * The special mappings are no exception: the aio ring is a shared
 * writable mapping, and the vDSO a private one with VM_MAYWRITE, which a
 * FOLL_FORCE write copies on write (a debugger's breakpoint), as on 6.18.
 */
static int force_write_refused(struct ms_mm *mm, struct ms__vma *v,
			       uint64_t a)
{
	if (!v || is_guard(mm, a))
		return -EIO;
	/* check_vma_flags(), before any fault */
	if (!(v->flags & MS__VM_WRITE) &&
	    (v->flags & (MS__VM_SHARED | MS__VM_MAYWRITE)) != MS__VM_MAYWRITE)
		return -EIO;
	if (ms__sw(mm, MS__SW_FOLL_FORCE_REFUSED) && vma_is_sealed(v) &&
	    !(v->flags & MS__VM_WRITE))
		return -EIO;
	/* the write fault */
	if (beyond_eof(mm, v, a)) {
		cow_fault_past_eof(mm, v);
		return -EIO;
	}
	if (ms__uffd_write_fault(mm, v, a))
		return -EIO;
	return 0;
}

int ms_mm_force_write(struct ms_mm *mm, uint64_t addr, const char *pattern)
{
	return write_pattern(mm, addr, pattern, true, force_write_refused);
}

/*
 * populate_vma_page_range() for each accessible VMA of [start, end): a
 * private writable VMA is write-faulted (it gets an anon_vma, and file
 * pages are copied), everything else read-faulted, which brings a file's
 * pages in (shmem allocates them: userfaultfd no longer finds them
 * missing) and changes nothing else observable.  VM_LOCKONFAULT VMAs are left alone unless force.
 */
int ms__populate(struct ms_mm *mm, uint64_t start, uint64_t end, bool write,
		 bool force)
{
	struct ms__vma *v = ms__vma_find_from(mm, start);

	(void)write;
	for (; v && ms__vma_start(v) < end; v = ms__vma_next(mm, v)) {
		uint64_t s = ms__vma_start(v) > start ? ms__vma_start(v) : start;
		uint64_t e = v->end < end ? v->end : end;

		if (!(v->flags & MS__VM_ACCESS) || v->special)
			continue;
		if ((v->flags & MS__VM_LOCKONFAULT) && !force)
			continue;
		if ((v->flags & (MS__VM_WRITE | MS__VM_SHARED)) !=
		    MS__VM_WRITE) {
			/*
			 * A read fault: file pages come in (shmem's too),
			 * anonymous memory maps the zero page.
			 */
			for (uint64_t a = s; a < e; a += mm->page_size)
				if (!is_guard(mm, a) && !beyond_eof(mm, v, a) &&
				    !ms__uffd_missing(mm, v, a) &&
				    ms__fault_in_read(mm, v, a) < 0)
					return -ENOMEM;
			continue;
		}
		ms__anon_vma_prepare(mm, v);
		if (!v->file) {
			/* A write fault gives each page one of its own. */
			for (uint64_t a = s; a < e; a += mm->page_size)
				if (!is_guard(mm, a) &&
				    !ms__uffd_missing(mm, v, a) &&
				    ms__fault_in_read(mm, v, a) < 0)
					return -ENOMEM;
			continue;
		}
		for (uint64_t a = s; a < e; a += mm->page_size) {
			struct ms__pte *p = ms__pte_get(mm, vpn_of(mm, a));

			if (beyond_eof(mm, v, a) ||
			    (p && (p->flags & (MS__PTE_PAGE | MS__PTE_GUARD))))
				continue;
			if (store(mm, v, a, page_data(mm, v, a)) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

int ms_mm_fault_in_observed(struct ms_mm *mm, uint64_t addr, int npages)
{
	for (int k = 0; k < npages; k++) {
		uint64_t a = addr + (uint64_t)k * mm->page_size;
		struct ms__vma *v = ms__vma_find(mm, a);

		if (!v || !v->file || !(v->flags & MS__VM_MAYREAD) ||
		    (v->file->c->kind != MS__CONTENT_MEMFD &&
		     v->file->c->kind != MS__CONTENT_SHMEM) ||
		    is_guard(mm, a) || beyond_eof(mm, v, a) ||
		    ms__uffd_missing(mm, v, a))
			continue;
		if (ms__fault_in_read(mm, v, a) < 0)
			return -ENOMEM;
	}
	return 0;
}

int ms_mm_observe(const struct ms_mm *mm, uint64_t addr, int npages,
		  struct ms_page *pages)
{
	const struct ms__vma *last = NULL;
	uint32_t id = 0;

	if (npages < 0 || !ms__aligned(mm, addr))
		return -EINVAL;
	memset(pages, 0, sizeof(*pages) * (size_t)npages);
	for (int k = 0; k < npages; k++) {
		uint64_t a = addr + (uint64_t)k * mm->page_size;
		struct ms__vma *v = ms__vma_find(mm, a);
		struct ms_page *pg = &pages[k];

		pg->pkey = -1;
		pg->vma = UINT32_MAX;
		if (!v) {
			pg->data = '.';
			continue;
		}
		if (v != last) {
			id++;
			last = v;
		}
		pg->mapped = true;
		pg->vma = id;
		pg->prot = (uint8_t)((v->flags & MS__VM_READ ? PROT_READ : 0) |
				     (v->flags & MS__VM_WRITE ? PROT_WRITE : 0) |
				     (v->flags & MS__VM_EXEC ? PROT_EXEC : 0));
		pg->shared = v->flags & MS__VM_MAYSHARE;
		if (v->special) {
			pg->backing = MS_BACK_SPECIAL;
		} else if (v->file && v->file->c->kind == MS__CONTENT_MEMFD) {
			pg->backing = MS_BACK_FILE;
			pg->pgoff = file_pgoff(mm, v, a);
			pg->file = v->file->c->id;
		} else {
			pg->backing = MS_BACK_ANON;
		}
		pg->sealed = vma_is_sealed(v);
		pg->lock = (uint8_t)((v->flags & MS__VM_LOCKED ?
				      MS_LOCK_LOCKED : 0) |
				     (v->flags & MS__VM_LOCKONFAULT ?
				      MS_LOCK_ONFAULT : 0));
		pg->inherit = (uint8_t)((v->flags & MS__VM_DONTCOPY ?
					 MS_INHERIT_DONTFORK : 0) |
					(v->flags & MS__VM_WIPEONFORK ?
					 MS_INHERIT_WIPEONFORK : 0));
		pg->guard = is_guard(mm, a);
		if (mm->cfg.nr_pkeys)
			pg->pkey = v->pkey;
		/*
		 * The kernel target reads every page but an untouched private
		 * anonymous one through /proc/self/mem, which cannot fault in
		 * a page missing under userfaultfd.
		 */
		pg->data = v->file && ms__uffd_missing(mm, v, a) ?
				   '!' : page_data(mm, v, a);
	}
	return 0;
}

/*
 * A FOLL_FORCE read of [addr, addr+len) through /proc/self/mem
 * (mem_rw() -> access_remote_vm()): the protection is ignored as long as
 * the VMA may be read at all (VM_MAYREAD: PROT_NONE anonymous memory is
 * read), a stack grows as for a fault, and the read stops at the first
 * page it cannot reach.  Returns the bytes read, or -EIO when not even
 * the first page could be.
 *
 *   EIO  no VMA (and no stack to grow), a guard page, a page beyond the
 *        end of its file, a VMA without VM_MAYREAD, or a page missing
 *        under userfaultfd
 */
int64_t ms_mm_force_read(struct ms_mm *mm, uint64_t addr, uint64_t len)
{
	uint64_t done = 0;

	if (!len)
		return 0;	/* mem_rw() copies nothing, touches nothing */
	while (done < len) {
		uint64_t a = addr + done, page = a & ~(mm->page_size - 1);
		uint64_t n = page + mm->page_size - a;
		struct ms__vma *v = remote_vma(mm, a);

		if (!v || is_guard(mm, page) || beyond_eof(mm, v, page) ||
		    !(v->flags & MS__VM_MAYREAD) ||
		    ms__uffd_missing(mm, v, page))
			break;
		/* GUP read-faults the page in (shmem allocates it). */
		if (ms__fault_in_read(mm, v, page) < 0)
			return -ENOMEM;
		done += n < len - done ? n : len - done;
	}
	return done ? (int64_t)done : -EIO;
}

/* SPDX-License-Identifier: MIT */
/*
 * libsealspec's model: a userspace model of one Linux process address space
 * that enforces memory sealing (mseal(2)) the way a chosen profile does.
 *
 * An address space (struct ms_mm) is an ordered set of VMAs kept in a
 * B+tree keyed by start address that also tracks the largest free gap
 * of every subtree, so every call (the search for free space included)
 * costs O(log n) in the number of VMAs, and page contents are lazy: only pages written,
 * copied-on-write, discarded or guarded carry state.  Files (memfd), shared
 * anonymous memory and SysV segments are reference-counted content objects
 * that several mappings (and forked address spaces) share.
 *
 * Error policy: every call returns 0, a value, or -errno, exactly as the
 * kernel's syscall would, and never touches errno.  Each call's contract
 * (its errnos in check order and the kernel function it mirrors) is written
 * above its definition in src/model/; the summaries here say what each one
 * does and what it returns.
 *
 * Memory accesses (ms_mm_fill, ms_mm_read) report faults as results: a
 * struct ms_fault with the signal and the address, never a crash.
 *
 * Threads: different address spaces are independent, but one ms_mm must
 * not be used by two threads at once, not even for queries that take it
 * const (a lookup remembers where it ended, as the kernel's vmacache did).
 */
#ifndef SEALSPEC_MODEL_H
#define SEALSPEC_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sealspec.h"

struct ms_mm;	/* one address space */
struct ms_file;	/* one open file description: a content object + mode */

/* ------------------------------------------------------------------ */
/* Address spaces                                                      */

struct ms_mm_config {
	enum ms_profile profile;
	unsigned int page_shift;	/* 12: 4 KiB pages */
	uint64_t mmap_min_addr;		/* lowest address mmap hands out */
	uint64_t mmap_base;		/* top of the top-down address search */
	uint64_t task_size;		/* first address user space cannot map */
	int max_map_count;		/* vm.max_map_count, default 65530 */
	int nr_pkeys;			/* 16 with protection keys, 0 without */
	uint64_t start_brk;		/* where the heap starts (mm->start_brk) */
	uint64_t rlimit_data;		/* RLIMIT_DATA: bytes, UINT64_MAX none */
	uint64_t rlimit_stack;		/* RLIMIT_STACK: bytes (8 MiB) */
	uint64_t stack_guard_gap;	/* stack_guard_gap: bytes (256 pages) */
	unsigned int nr_cpus;		/* num_possible_cpus(): sizes aio rings */
	unsigned int nr_nodes;		/* online NUMA nodes, 1 to 8 */
	/*
	 * Fault injection, for testing what watches the model: bit i set
	 * inverts switch i of ms_model_switches() under every profile.
	 */
	uint64_t flip_switches;
	/* The aio ring's VMA is VM_DONTCOPY (Linux 7.1 and later). */
	bool aio_ring_dontcopy;
};

/* Fills *c with the defaults for profile p (x86-64, 4 KiB, no PKU). */
void ms_mm_default_config(struct ms_mm_config *c, enum ms_profile p);

/*
 * A new, empty address space with configuration c (NULL: the defaults of
 * MS_PROFILE_LINUX).  Returns 0, -EINVAL for a configuration that makes no
 * sense, -ENOMEM.
 */
int ms_mm_new(const struct ms_mm_config *c, struct ms_mm **out);

/* Frees mm, its VMAs and its references to content objects. */
void ms_mm_free(struct ms_mm *mm);

/* The configuration mm was made with (profile, limits). */
const struct ms_mm_config *ms_mm_config(const struct ms_mm *mm);

/* Number of VMAs (mm->map_count in the kernel). */
int ms_mm_map_count(const struct ms_mm *mm);

/* Sets vm.max_map_count for later calls; returns 0 or -EINVAL (n < 1). */
int ms_mm_set_max_map_count(struct ms_mm *mm, int n);

/* Number of sealed VMAs, as counting "sl" in smaps would give. */
int ms_mm_sealed_vmas(const struct ms_mm *mm);

/*
 * use_map_slots(addr, len, nfree) of the scenario language
 * (docs/scenarios.md): splits [addr, addr+len), which must lie in one
 * VMA, with single-page mprotect calls until mm has exactly nfree VMAs
 * left below max_map_count.  Returns the number of VMAs created, or
 * -EINVAL (unaligned, empty, nfree < 0, not one VMA), -ENOMEM (nothing
 * at addr), -ENOSPC (too small, or fewer than nfree + 2 slots left), or
 * mprotect's errno (EPERM: sealed).
 */
long ms_mm_use_map_slots(struct ms_mm *mm, uint64_t addr, uint64_t len,
			 long nfree);

/*
 * execve(2) as the address space sees it: mm becomes a new, empty
 * address space (no VMA, so no seal survives; no aio context, protection
 * key, mlockall(MCL_FUTURE) or userfaultfd registration; the break back
 * at start_brk).  SysV segments live on in the IPC namespace.  The new
 * image's own mappings (binary, stack, vDSO) are the caller's to add.
 */
void ms_mm_exec(struct ms_mm *mm);

/*
 * Bytes of heap the model holds for mm itself: the mm, the arena its VMA
 * records and index nodes come from (whole blocks, used or not), and its
 * page records (without allocator overhead).  Content objects (files,
 * shared memory) are not counted: they may be shared with other mms.
 */
size_t ms_mm_memory(const struct ms_mm *mm);

/* sizeof the model's VMA record, for the benchmark's per-VMA figure. */
size_t ms_mm_vma_size(void);

/*
 * The next address search (mmap without MAP_FIXED, mremap MAYMOVE without
 * MREMAP_FIXED) returns addr instead of searching, so a model running in
 * lockstep with a kernel adopts the address the kernel chose.  Applies
 * once; an address that does not fit the request is ignored.
 */
void ms_mm_adopt(struct ms_mm *mm, uint64_t addr);
/* Forgets an adopted address no search has used yet. */
void ms_mm_adopt_clear(struct ms_mm *mm);

/*
 * A child address space as fork(2) makes it: VMAs marked MADV_DONTFORK are
 * left out, MADV_WIPEONFORK ones come back empty, lock flags are dropped,
 * private pages are copied, content objects are shared.  Returns 0 or
 * -ENOMEM.
 */
int ms_mm_fork(const struct ms_mm *mm, struct ms_mm **child);

/*
 * The structural checker: VMAs ordered and non-overlapping inside
 * [mmap_min_addr, task_size), no two adjacent VMAs the kernel would have
 * merged (except where Linux leaves them apart: the first split of a call
 * that failed at its second or at a seal, a grown stack, fork's copies),
 * the map count (at most max_map_count + 1, the result of an mmap at the
 * limit, plus the VMAs refused unmaps left above it), page records only
 * under VMAs that may hold them, live references to files and content
 * objects (at least one each), the VMA index (order, links, its copies of
 * every VMA's bounds, the per-subtree gaps) and the page trees' order,
 * links and balance.  Returns 0, or -EUCLEAN with the
 * first problem described in why.
 */
int ms_mm_check(const struct ms_mm *mm, char *why, size_t n);

/* ------------------------------------------------------------------ */
/* Content objects                                                     */

/*
 * A memfd of size bytes (rounded up to pages) whose page i holds
 * pattern[i] ('0', '.', or no character: zeros), opened read-write.
 * Returns 0, -EINVAL (size 0), -ENOMEM.
 */
int ms_file_memfd(const struct ms_mm *mm, uint64_t size, const char *pattern,
		  struct ms_file **out);

/*
 * A second open file description of f's contents, as open("/proc/self/fd/N")
 * gives: writable says whether it was opened O_RDWR.  A mapping of it never
 * merges with one of f (the kernel compares struct file).  Returns 0 or
 * -ENOMEM.
 */
int ms_file_reopen(struct ms_file *f, bool writable, struct ms_file **out);

/* Drops the caller's reference (a close(2)); mappings keep theirs. */
void ms_file_put(struct ms_file *f);

/*
 * The file changed through its descriptor (src/model/file.c): a seal
 * protects mappings, not the file, so these reach sealed mappings too.
 * ftruncate(2): 0 or -EINVAL (not writable); pages past the new end fault
 * with SIGBUS in shared mappings at once, and in private ones once
 * ms_mm_file_truncated() dropped their copies (call it for every mm).
 */
int ms_file_truncate(const struct ms_mm *mm, struct ms_file *f,
		     uint64_t size);
void ms_mm_file_truncated(struct ms_mm *mm, const struct ms_file *f);
/*
 * fallocate(2): PUNCH_HOLE|KEEP_SIZE zeroes the range in the file and its
 * shared mappings (private copies stay); 0 or KEEP_SIZE allocates.  0,
 * -EINVAL, -EBADF (not writable), -EOPNOTSUPP (another mode).
 */
int ms_file_fallocate(const struct ms_mm *mm, struct ms_file *f, int mode,
		      uint64_t off, uint64_t len);
/* pwrite(2) of one page per pattern character: the bytes, or -EBADF. */
int64_t ms_file_pwrite(const struct ms_mm *mm, struct ms_file *f,
		       const char *pattern, uint64_t off);

/* ------------------------------------------------------------------ */
/* Memory-management calls: each mirrors the syscall of the same name   */

/* Returns the mapping's address or -errno. */
int64_t ms_mmap(struct ms_mm *mm, uint64_t addr, uint64_t len, int prot,
		int flags, struct ms_file *f, uint64_t off);
int ms_munmap(struct ms_mm *mm, uint64_t addr, uint64_t len);
int ms_mprotect(struct ms_mm *mm, uint64_t addr, uint64_t len, int prot);
int ms_pkey_mprotect(struct ms_mm *mm, uint64_t addr, uint64_t len, int prot,
		     int pkey);
/* Returns the key or -errno; rights become the calling thread's rights. */
int ms_pkey_alloc(struct ms_mm *mm, unsigned int flags, unsigned int rights);
int ms_pkey_free(struct ms_mm *mm, int pkey);
/* The calling thread's rights for pkey (PKEY_DISABLE_*), as pkey_set(3). */
int ms_pkey_set(struct ms_mm *mm, int pkey, unsigned int rights);
int ms_mseal(struct ms_mm *mm, uint64_t addr, uint64_t len, uint64_t flags);
int ms_madvise(struct ms_mm *mm, uint64_t addr, uint64_t len, int advice);
/*
 * Whether the seal refuses advice on read-only anonymous memory (the
 * kernel's is_discard()): the advices that may destroy contents or, for
 * DONTFORK, WIPEONFORK and GUARD_INSTALL, what a child or an access sees.
 */
bool ms_madvise_is_discard(int advice);
/* process_madvise(2) on the calling process: the bytes advised or -errno. */
int64_t ms_process_madvise(struct ms_mm *mm, uint64_t addr, uint64_t len,
			   int advice);
/*
 * process_madvise(2) on the calling process with n iovecs {addr, len}:
 * the bytes advised before the first error, or that error when none were
 * (vector_madvise()).
 */
int64_t ms_process_madvise_vec(struct ms_mm *mm, const uint64_t (*iov)[2],
			       int n, int advice);
/* Returns the new address or -errno. */
int64_t ms_mremap(struct ms_mm *mm, uint64_t addr, uint64_t old_len,
		  uint64_t new_len, int flags, uint64_t new_addr);
int ms_mlock(struct ms_mm *mm, uint64_t addr, uint64_t len);
int ms_mlock2(struct ms_mm *mm, uint64_t addr, uint64_t len,
	      unsigned int flags);
int ms_munlock(struct ms_mm *mm, uint64_t addr, uint64_t len);
int ms_mlockall(struct ms_mm *mm, int flags);
int ms_munlockall(struct ms_mm *mm);
int ms_msync(struct ms_mm *mm, uint64_t addr, uint64_t len, int flags);
/* vec (may be NULL) receives one byte per page: 1 resident, 0 not. */
int ms_mincore(struct ms_mm *mm, uint64_t addr, uint64_t len,
	       unsigned char *vec);
/*
 * mbind(addr, len, mode | mode flags, nodemask, flags): nodemask has a bit
 * per node (node 0 is bit 0).  Policies split and merge VMAs, sealed or
 * not; the model moves no pages.
 */
int ms_mbind(struct ms_mm *mm, uint64_t addr, uint64_t len, int mode,
	     uint64_t nodemask, unsigned int flags);
int ms_set_mempolicy_home_node(struct ms_mm *mm, uint64_t addr, uint64_t len,
			       uint64_t home_node, uint64_t flags);
/* remap_file_pages(2), emulated with mmap(MAP_FIXED) as Linux does. */
int ms_remap_file_pages(struct ms_mm *mm, uint64_t addr, uint64_t size,
			int prot, uint64_t pgoff, int flags);
/*
 * brk(2): the new break, or the current one when the request is refused
 * (brk(0) asks for it).  The heap starts at config start_brk.
 */
uint64_t ms_brk(struct ms_mm *mm, uint64_t brk);

/* ------------------------------------------------------------------ */
/* SysV shared memory and aio: kernel-internal unmappers               */

/* shmget(IPC_PRIVATE, size, IPC_CREAT | 0600): the segment id or -errno. */
int ms_shmget(struct ms_mm *mm, uint64_t size);
/* shmat(id, addr, flags): the attach address or -errno. */
int64_t ms_shmat(struct ms_mm *mm, int shmid, uint64_t addr, int shmflg);
/* shmdt(addr): 0 even when a seal kept the attach mapped, or -EINVAL. */
int ms_shmdt(struct ms_mm *mm, uint64_t addr);
/*
 * io_setup(nr_events, ctxp): *ctxp must be 0 and becomes the context,
 * which is the address of its ring.  Returns 0 or -errno.
 */
int ms_io_setup(struct ms_mm *mm, unsigned int nr_events, uint64_t *ctxp);
/* io_destroy(ctx): 0 even when a seal kept the ring mapped, or -EINVAL. */
int ms_io_destroy(struct ms_mm *mm, uint64_t ctx);

/* ------------------------------------------------------------------ */
/* userfaultfd and other writers                                       */

/*
 * UFFDIO_REGISTER (MISSING mode) of [addr, addr+len) on the process's one
 * userfaultfd.  Registration is a VMA flag: it splits and merges.
 */
int ms_uffd_register(struct ms_mm *mm, uint64_t addr, uint64_t len);
/* UFFDIO_COPY of one page per character of pattern ('.' skips one). */
int ms_uffd_copy(struct ms_mm *mm, uint64_t addr, const char *pattern);
/* UFFDIO_MOVE (mode 0) of len bytes from src to the registered dst. */
int ms_uffd_move(struct ms_mm *mm, uint64_t dst, uint64_t src, uint64_t len);
/*
 * process_vm_writev(2) of pattern into the process itself, one page per
 * character: a write without FOLL_FORCE, which honours the protection.
 * Returns 0 or the first -errno (EFAULT).
 */
int ms_process_vm_write(struct ms_mm *mm, uint64_t addr, const char *pattern);
/*
 * process_madvise(2) on another process's address space target (say, a
 * fork child advising its parent): the bytes advised or -errno.
 */
int64_t ms_process_madvise_remote(struct ms_mm *target, uint64_t addr,
				  uint64_t len, int advice);

/* ------------------------------------------------------------------ */
/* Special mappings                                                    */

enum ms_special {
	MS_SPECIAL_VDSO,	/* [vdso]: code, refaulted from the kernel */
	MS_SPECIAL_AIO,		/* an aio ring: its own pseudo-file */
};

/*
 * Installs a special mapping of npages at addr (page aligned, free) with
 * prot, as the kernel does at exec (vDSO) or io_setup (aio ring).  Special
 * mappings never merge and refuse mremap expansion.  Returns 0, -EINVAL,
 * -EEXIST (addr is not free), -ENOMEM.
 */
int ms_mm_map_special(struct ms_mm *mm, uint64_t addr, uint64_t npages,
		      int prot, enum ms_special kind);

/* ------------------------------------------------------------------ */
/* Memory accesses and observation                                     */

struct ms_fault {
	int signo;	/* 0: no fault; SIGSEGV or SIGBUS */
	uint64_t addr;	/* the page that faulted */
};

/*
 * Stores pattern[i] into every byte of page i from addr ('.' skips the
 * page, '0' stores zeros), as a program's stores would, stopping at the
 * first page that faults.  A fault below a MAP_GROWSDOWN VMA grows it
 * (outside the stack guard gap, within RLIMIT_STACK), sealed or not.
 * Returns 0 (with *fault saying whether and where it faulted) or -EINVAL
 * (unaligned addr).
 */
int ms_mm_fill(struct ms_mm *mm, uint64_t addr, const char *pattern,
	       struct ms_fault *fault);

/* Loads one byte from every page of [addr, addr+len); as ms_mm_fill. */
int ms_mm_read(struct ms_mm *mm, uint64_t addr, uint64_t len,
	       struct ms_fault *fault);

/*
 * A FOLL_FORCE write (/proc/self/mem, PTRACE_POKEDATA) of pattern from
 * addr: it ignores the VMA's protection but not its VM_MAYWRITE, and
 * breaks copy-on-write on private mappings.  Returns 0 or the first
 * -errno (-EIO), as pwrite on /proc/self/mem would.
 */
int ms_mm_force_write(struct ms_mm *mm, uint64_t addr, const char *pattern);

/*
 * A FOLL_FORCE read of [addr, addr+len), as pread on /proc/self/mem:
 * the bytes read (protection ignored while the VMA may be read at all; a
 * stack grows as for a fault), or -EIO when not even the first page can
 * be read.
 */
int64_t ms_mm_force_read(struct ms_mm *mm, uint64_t addr, uint64_t len);

/*
 * What reading the contents of npages pages at addr through
 * /proc/self/mem changes, as the kernel target does to observe them (all
 * but untouched private anonymous pages): each memfd or shared anonymous
 * page it can reach comes into the page table and the page cache, where
 * userfaultfd no longer finds it missing.  0 or -ENOMEM.
 */
int ms_mm_fault_in_observed(struct ms_mm *mm, uint64_t addr, int npages);

/*
 * Fills pages[0..npages) with what the kernel target would observe at
 * addr (see struct ms_page in sealspec.h for the tokens).  Observation
 * changes nothing.  Returns 0 or -EINVAL.
 */
int ms_mm_observe(const struct ms_mm *mm, uint64_t addr, int npages,
		  struct ms_page *pages);

/* ------------------------------------------------------------------ */
/* Inspection: read-only, for tools that classify what a call touches  */

/*
 * The kind of memory a VMA maps, as sealspec coverage tells them apart.
 * A mapping of a memfd reopened O_RDONLY is MS_VMA_FILE_RDONLY whether
 * private or shared; MAP_GROWSDOWN is private anonymous memory (the
 * kernel refuses it on shared anonymous mappings, shmat has no such flag).
 */
enum ms_vma_kind {
	MS_VMA_ANON_PRIVATE,
	MS_VMA_ANON_SHARED,
	MS_VMA_FILE_PRIVATE,	/* memfd opened O_RDWR, MAP_PRIVATE */
	MS_VMA_FILE_SHARED,	/* memfd opened O_RDWR, MAP_SHARED */
	MS_VMA_FILE_RDONLY,	/* a descriptor reopened O_RDONLY */
	MS_VMA_SYSV_SHM,
	MS_VMA_GROWSDOWN,
	MS_VMA_VDSO,
	MS_VMA_AIO,
	MS_NVMA_KINDS
};

struct ms_vma_info {
	uint64_t start, end;	/* [start, end) */
	int prot;		/* PROT_READ | PROT_WRITE | PROT_EXEC */
	enum ms_vma_kind kind;
	bool sealed;
};

/*
 * find_vma(): the first VMA of mm that ends above addr, into *info.
 * Returns 0, or -ENOENT when there is none.  Walk with addr = info->end.
 */
int ms_mm_vma_find(const struct ms_mm *mm, uint64_t addr,
		   struct ms_vma_info *info);

/* ------------------------------------------------------------------ */
/* Profiles                                                            */

/*
 * One behaviour switch of the model: what it decides, the kernel change or
 * mail behind it, and its value under each profile.  The whole table is
 * src/model/profile.c; no other code asks which profile it runs.
 */
struct ms_model_switch {
	const char *name;	/* "partial-apply" */
	const char *what;	/* one line */
	const char *source;	/* commit, function or mail */
	bool on[MS_NPROFILES];
};

/* The table, *n entries. */
const struct ms_model_switch *ms_model_switches(int *n);

#endif /* SEALSPEC_MODEL_H */

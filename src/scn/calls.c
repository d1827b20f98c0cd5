// SPDX-License-Identifier: MIT
/*
 * The calls a scenario can make.  One row per call: its spelling, how many
 * arguments it takes and of what shape ('e' expression, 's' string), what
 * its value means, the feature it needs and which argument is the length
 * of the region a binding step names ("a = mmap(0, 4p, ...)" names 4 pages).
 */
#include <string.h>
#include <errno.h>

#include "sealspec.h"

#define CALL(id, nm, lo, hi, sh, rk, feat, sz, mem)                      \
	[id] = { .name = nm, .min_args = lo, .max_args = hi, .shape = sh, \
		 .ret = rk, .feature = feat, .size_arg = sz, .memory = mem }

const struct ms_call_desc ms_call_desc[MS_NCALLS] = {
	CALL(MS_CALL_MMAP, "mmap", 4, 6, "eeeeee", MS_RET_ADDR, -1, 1, false),
	CALL(MS_CALL_MUNMAP, "munmap", 2, 2, "ee", MS_RET_INT, -1, -1, false),
	CALL(MS_CALL_MPROTECT, "mprotect", 3, 3, "eee", MS_RET_INT, -1, -1,
	     false),
	/* pkey -1 (no key) works without protection-key hardware. */
	CALL(MS_CALL_PKEY_MPROTECT, "pkey_mprotect", 4, 4, "eeee", MS_RET_INT,
	     -1, -1, false),
	CALL(MS_CALL_PKEY_ALLOC, "pkey_alloc", 2, 2, "ee", MS_RET_FD,
	     MS_FEAT_PKEY, -1, false),
	CALL(MS_CALL_PKEY_FREE, "pkey_free", 1, 1, "e", MS_RET_INT,
	     MS_FEAT_PKEY, -1, false),
	CALL(MS_CALL_MADVISE, "madvise", 3, 3, "eee", MS_RET_INT, -1, -1,
	     false),
	CALL(MS_CALL_PROCESS_MADVISE, "process_madvise", 3, 3, "eee",
	     MS_RET_INT, -1, -1, false),
	CALL(MS_CALL_MREMAP, "mremap", 4, 5, "eeeee", MS_RET_ADDR, -1, 2,
	     false),
	CALL(MS_CALL_MLOCK, "mlock", 2, 2, "ee", MS_RET_INT, MS_FEAT_MLOCK, -1,
	     false),
	CALL(MS_CALL_MLOCK2, "mlock2", 3, 3, "eee", MS_RET_INT, MS_FEAT_MLOCK,
	     -1, false),
	CALL(MS_CALL_MUNLOCK, "munlock", 2, 2, "ee", MS_RET_INT, -1, -1, false),
	CALL(MS_CALL_MLOCKALL, "mlockall", 1, 1, "e", MS_RET_INT, MS_FEAT_MLOCK,
	     -1, false),
	CALL(MS_CALL_MUNLOCKALL, "munlockall", 0, 0, "", MS_RET_INT, -1, -1,
	     false),
	CALL(MS_CALL_MSYNC, "msync", 3, 3, "eee", MS_RET_INT, -1, -1, false),
	CALL(MS_CALL_MBIND, "mbind", 4, 4, "eeee", MS_RET_INT, MS_FEAT_NUMA, -1,
	     false),
	CALL(MS_CALL_SET_MEMPOLICY_HOME_NODE, "set_mempolicy_home_node", 4, 4,
	     "eeee", MS_RET_INT, MS_FEAT_NUMA, -1, false),
	CALL(MS_CALL_MINCORE, "mincore", 2, 2, "ee", MS_RET_INT, -1, -1, false),
	CALL(MS_CALL_MSEAL, "mseal", 3, 3, "eee", MS_RET_INT, MS_FEAT_MSEAL, -1,
	     false),
	CALL(MS_CALL_BRK, "brk", 1, 1, "e", MS_RET_ADDR, -1, -1, false),
	CALL(MS_CALL_REMAP_FILE_PAGES, "remap_file_pages", 5, 5, "eeeee",
	     MS_RET_INT, -1, -1, false),
	CALL(MS_CALL_SHMGET, "shmget", 1, 1, "e", MS_RET_ID, MS_FEAT_SHM, -1,
	     false),
	CALL(MS_CALL_SHMAT, "shmat", 3, 3, "eee", MS_RET_ADDR, MS_FEAT_SHM, -1,
	     false),
	CALL(MS_CALL_SHMDT, "shmdt", 1, 1, "e", MS_RET_INT, MS_FEAT_SHM, -1,
	     false),
	CALL(MS_CALL_IO_SETUP, "io_setup", 1, 1, "e", MS_RET_ADDR, MS_FEAT_AIO,
	     -1, false),
	CALL(MS_CALL_IO_DESTROY, "io_destroy", 1, 1, "e", MS_RET_INT,
	     MS_FEAT_AIO, -1, false),
	CALL(MS_CALL_MEMFD, "memfd", 2, 2, "es", MS_RET_FD, MS_FEAT_MEMFD, -1,
	     false),
	CALL(MS_CALL_REOPEN, "reopen", 2, 2, "ee", MS_RET_FD, -1, -1, false),
	CALL(MS_CALL_VDSO, "vdso", 0, 0, "", MS_RET_ADDR, -1, -1, false),
	CALL(MS_CALL_FILL, "fill", 2, 2, "es", MS_RET_INT, -1, -1, true),
	CALL(MS_CALL_READ, "read", 2, 2, "ee", MS_RET_INT, -1, -1, true),
	CALL(MS_CALL_PROC_MEM_WRITE, "proc_mem_write", 2, 2, "es", MS_RET_INT,
	     MS_FEAT_PROC_MEM, -1, false),
	CALL(MS_CALL_PTRACE_POKE, "ptrace_poke", 2, 2, "es", MS_RET_INT,
	     MS_FEAT_PTRACE, -1, false),
	CALL(MS_CALL_PROCESS_VM_WRITE, "process_vm_write", 2, 2, "es",
	     MS_RET_INT, -1, -1, false),
	CALL(MS_CALL_UFFD_REGISTER, "uffd_register", 2, 2, "ee", MS_RET_INT,
	     MS_FEAT_UFFD, -1, false),
	CALL(MS_CALL_UFFD_COPY, "uffd_copy", 2, 2, "es", MS_RET_INT,
	     MS_FEAT_UFFD, -1, false),
	CALL(MS_CALL_SEALED_VMAS, "sealed_vmas", 0, 0, "", MS_RET_INT, -1, -1,
	     false),
	CALL(MS_CALL_UFFD_MOVE, "uffd_move", 3, 3, "eee", MS_RET_INT,
	     MS_FEAT_UFFD, -1, false),
	/*
	 * Remote madvise needs CAP_SYS_NICE over the parent: without it a
	 * scenario is SKIP (why_missing says so), not a FAIL on EPERM.
	 */
	CALL(MS_CALL_PROCESS_MADVISE_PARENT, "process_madvise_parent", 3, 3,
	     "eee", MS_RET_INT, MS_FEAT_REMOTE_MADVISE, -1, false),
	/*
	 * Returns a count, not an address: the region it splits is named by
	 * the mmap that made it, so no binding here adds a snapshot.
	 */
	CALL(MS_CALL_USE_MAP_SLOTS, "use_map_slots", 3, 3, "eee", MS_RET_LOCAL,
	     MS_FEAT_MAP_COUNT, -1, false),
	/* The rights of a key between two steps (PKRU, per thread). */
	CALL(MS_CALL_PKEY_SET, "pkey_set", 2, 2, "ee", MS_RET_INT, MS_FEAT_PKEY,
	     -1, false),
	/* The file behind a mapping, through its descriptor. */
	CALL(MS_CALL_FTRUNCATE, "ftruncate", 2, 2, "ee", MS_RET_INT,
	     MS_FEAT_MEMFD, -1, false),
	CALL(MS_CALL_FALLOCATE, "fallocate", 4, 4, "eeee", MS_RET_INT,
	     MS_FEAT_MEMFD, -1, false),
	CALL(MS_CALL_PWRITE, "pwrite", 3, 3, "ese", MS_RET_INT, MS_FEAT_MEMFD,
	     -1, false),
	/* The FOLL_FORCE read path: what a debugger reads. */
	CALL(MS_CALL_PROC_MEM_READ, "proc_mem_read", 2, 2, "ee", MS_RET_INT,
	     MS_FEAT_PROC_MEM, -1, false),
	/* Its byte count after a partial failure is observable. */
	CALL(MS_CALL_PROCESS_MADVISE2, "process_madvise2", 5, 5, "eeeee",
	     MS_RET_INT, -1, -1, false),
};

int ms_call_lookup(const char *name)
{
	for (int i = 0; i < MS_NCALLS; i++)
		if (strcmp(ms_call_desc[i].name, name) == 0)
			return i;
	return -EINVAL;
}

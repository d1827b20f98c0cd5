/* SPDX-License-Identifier: MIT */
/*
 * A live process's mappings as /proc/PID/smaps shows them: what `sealspec
 * maps` prints and what `sealspec explain` loads into the model.  Reading
 * smaps needs PTRACE_MODE_READ over the process, as ptrace(2) describes.
 */
#ifndef SEALSPEC_PROCMAPS_H
#define SEALSPEC_PROCMAPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct proc_mapping {
	uint64_t start, end;	/* [start, end) */
	uint64_t offset;	/* file offset of start, bytes */
	char perms[5];		/* "rw-p" */
	int prot;		/* PROT_READ | PROT_WRITE | PROT_EXEC */
	bool shared;		/* 's' */
	unsigned int dev_major, dev_minor;
	uint64_t inode;
	char path[512];		/* as smaps prints it; "" for anonymous */
	char vmflags[160];	/* the VmFlags line, "rd wr mr mw me ac sd" */
	bool sealed;		/* sl: VM_SEALED */
	bool locked;		/* lo: VM_LOCKED */
	bool lockonfault;	/* lf: VM_LOCKONFAULT */
	bool dontfork;		/* dc: VM_DONTCOPY (MADV_DONTFORK) */
	bool wipeonfork;	/* wf: VM_WIPEONFORK */
	bool growsdown;		/* gd: VM_GROWSDOWN */
	bool maywrite;		/* mw: VM_MAYWRITE */
	bool has_flags;		/* a VmFlags line was seen */
	int pkey;		/* ProtectionKey, -1 when smaps has none */
};

struct proc_maps {
	pid_t pid;
	int n, cap;
	struct proc_mapping *v;
};

/*
 * Reads /proc/PID/smaps (pid 0: the calling process).  Returns 0, or
 * -errno: -ESRCH no such process, -EACCES no PTRACE_MODE_READ over it,
 * -ENOMEM, or what open/read said.
 */
int proc_maps_read(pid_t pid, struct proc_maps *m);
void proc_maps_free(struct proc_maps *m);

/* "[anon]", "[heap]", "[vdso]", or the file's path. */
const char *proc_mapping_backing(const struct proc_mapping *pm);
/* True for a file mapping (a path, not a [bracketed] kernel name). */
bool proc_mapping_is_file(const struct proc_mapping *pm);

/*
 * Says on stderr why the mappings of pid could not be read:
 * "sealspec: pid 1234: ..." naming the errno and what it takes.
 */
void proc_maps_error(pid_t pid, int err);

/* Parses a PID operand: a positive decimal number.  0 or -EINVAL. */
int parse_pid(const char *arg, pid_t *pid);

/*
 * The page strip of one mapping, in the seal grid's tokens ('S' sealed,
 * '-' not), at most width cells: a mapping of more pages than that is
 * drawn at a scale of *per pages to the cell (rounded up to a power of
 * two), *per = 1 otherwise.  buf needs width + 1 bytes.
 */
void proc_mapping_strip(const struct proc_mapping *pm, long page_size,
			int width, char *buf, uint64_t *per);

#endif

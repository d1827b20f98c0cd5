// SPDX-License-Identifier: MIT
/*
 * The syscall shim: every system call the kernel target makes goes through
 * here, as a raw syscall(2).  libc wrappers are avoided on purpose: they
 * round addresses, retry, or translate errnos, and a specification must see
 * exactly what the kernel said.  Each wrapper returns the kernel's value or
 * -errno; this is the only file of sealspec that reads errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "kernel/kernel.h"

#ifndef PR_SET_PTRACER
#define PR_SET_PTRACER 0x59616d61
#endif

extern char **environ;

/* syscall(2) reports failure as -1 and errno; fold that into -errno. */
static long ret(long r)
{
	return r == -1 ? -(long)errno : r;
}

#define SYS(...) ret(syscall(__VA_ARGS__))

/*
 * A page of pattern bytes for the calls that write through a buffer.
 * UFFDIO_COPY wants a page-aligned source.
 */
static unsigned char pattern_page[MS__PAGE_MAX]
	__attribute__((aligned(MS__PAGE_MAX)));

/* Pattern characters: '.' skips a page, '0' is zeros, others are bytes. */
static bool pattern_skips(char c)
{
	return c == '.';
}

static void pattern_fill(char c, long page_size)
{
	memset(pattern_page, c == '0' ? 0 : (unsigned char)c,
	       (size_t)page_size);
}

/* ---- per-process descriptors -------------------------------------- */

/*
 * /proc/self/mem and pagemap bind to the mm of the process that opened
 * them, a pidfd to its process, and a userfaultfd to its mm: after fork
 * every one of them still points at the parent.  Each is remembered with
 * the pid that opened it and reopened when that is no longer us.
 */
static struct {
	pid_t pid;
	int fd;
} proc_fds[MS__NPROC], pidfd_cache, uffd_cache;

static const char *const proc_paths[MS__NPROC] = {
	[MS__PROC_MEM] = "/proc/self/mem",
	[MS__PROC_PAGEMAP] = "/proc/self/pagemap",
};

static void forget_one(pid_t self, pid_t *pid, int fd)
{
	if (*pid && *pid != self)
		syscall(SYS_close, fd);
	if (*pid != self)
		*pid = 0;
}

void ms__sys_forget(void)
{
	pid_t self = ms__sys_getpid();

	for (int i = 0; i < MS__NPROC; i++)
		forget_one(self, &proc_fds[i].pid, proc_fds[i].fd);
	forget_one(self, &pidfd_cache.pid, pidfd_cache.fd);
	forget_one(self, &uffd_cache.pid, uffd_cache.fd);
}

pid_t ms__sys_getpid(void)
{
	return (pid_t)syscall(SYS_getpid);
}

int ms__proc_fd(enum ms__proc_file f)
{
	pid_t self = ms__sys_getpid();
	long fd;

	if (proc_fds[f].pid == self)
		return proc_fds[f].fd;
	/* An inherited descriptor belongs to the parent: close our copy. */
	if (proc_fds[f].pid)
		syscall(SYS_close, proc_fds[f].fd);
	proc_fds[f].pid = 0;
	fd = SYS(SYS_openat, AT_FDCWD, proc_paths[f], O_RDWR | O_CLOEXEC, 0);
	if (fd == -EACCES || fd == -EPERM)
		fd = SYS(SYS_openat, AT_FDCWD, proc_paths[f],
			 O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return (int)fd;
	proc_fds[f].pid = self;
	proc_fds[f].fd = (int)fd;
	return (int)fd;
}

/* ---- the calls of the scenario language ----------------------------- */

/* mmap(2) through __NR_mmap: the value is the address or -errno. */
long ms__sys_mmap(uint64_t addr, uint64_t len, long prot, long flags, long fd,
		  int64_t off)
{
	return SYS(SYS_mmap, addr, len, prot, flags, fd, off);
}

/* munmap(2): 0, or EINVAL (alignment, len 0), EPERM (sealed). */
long ms__sys_munmap(uint64_t addr, uint64_t len)
{
	return SYS(SYS_munmap, addr, len);
}

/* mprotect(2): 0, or EINVAL, ENOMEM (hole), EACCES, EPERM (sealed). */
long ms__sys_mprotect(uint64_t addr, uint64_t len, long prot)
{
	return SYS(SYS_mprotect, addr, len, prot);
}

/* pkey_mprotect(2): as mprotect, plus EINVAL for an unallocated key. */
long ms__sys_pkey_mprotect(uint64_t addr, uint64_t len, long prot, long pkey)
{
	return SYS(SYS_pkey_mprotect, addr, len, prot, pkey);
}

/* pkey_alloc(2): the key, or EINVAL (no PKU), ENOSPC. */
long ms__sys_pkey_alloc(long flags, long rights)
{
	return SYS(SYS_pkey_alloc, flags, rights);
}

/* pkey_free(2): 0 or EINVAL. */
long ms__sys_pkey_free(long pkey)
{
	return SYS(SYS_pkey_free, pkey);
}

/* madvise(2): 0, or EINVAL, ENOMEM (hole), EPERM (sealed discard). */
long ms__sys_madvise(uint64_t addr, uint64_t len, long advice)
{
	return SYS(SYS_madvise, addr, len, advice);
}

static long self_pidfd(void)
{
	pid_t self = ms__sys_getpid();
	long fd;

	if (pidfd_cache.pid == self)
		return pidfd_cache.fd;
	if (pidfd_cache.pid)
		syscall(SYS_close, pidfd_cache.fd);
	pidfd_cache.pid = 0;
	fd = SYS(__NR_pidfd_open, self, 0);
	if (fd < 0)
		return fd;
	pidfd_cache.pid = self;
	pidfd_cache.fd = (int)fd;
	return fd;
}

/*
 * process_madvise(2) on a pidfd of the calling process, one iovec, flags
 * 0: the bytes advised, or -errno (EINVAL, ENOMEM, EPERM as madvise).  A
 * failure of pidfd_open(2) itself is returned as is.
 */
long ms__sys_process_madvise(uint64_t addr, uint64_t len, long advice)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)addr,
			     .iov_len = len };
	long pidfd = self_pidfd();

	if (pidfd < 0)
		return pidfd;
	return SYS(__NR_process_madvise, pidfd, &iov, 1, advice, 0);
}

/* mremap(2) with all five arguments: the new address or -errno. */
long ms__sys_mremap(uint64_t old, uint64_t old_len, uint64_t new_len,
		    long flags, uint64_t new_addr)
{
	return SYS(SYS_mremap, old, old_len, new_len, flags, new_addr);
}

/* mlock(2): 0, or ENOMEM (hole, rlimit), EPERM, EAGAIN. */
long ms__sys_mlock(uint64_t addr, uint64_t len)
{
	return SYS(SYS_mlock, addr, len);
}

/* mlock2(2): as mlock, EINVAL for unknown flags. */
long ms__sys_mlock2(uint64_t addr, uint64_t len, long flags)
{
	return SYS(SYS_mlock2, addr, len, flags);
}

/* munlock(2): 0 or -errno. */
long ms__sys_munlock(uint64_t addr, uint64_t len)
{
	return SYS(SYS_munlock, addr, len);
}

/* mlockall(2): 0 or -errno. */
long ms__sys_mlockall(long flags)
{
	return SYS(SYS_mlockall, flags);
}

/* munlockall(2): 0 or -errno. */
long ms__sys_munlockall(void)
{
	return SYS(SYS_munlockall);
}

/* msync(2): 0, or EINVAL, ENOMEM (hole), EBUSY. */
long ms__sys_msync(uint64_t addr, uint64_t len, long flags)
{
	return SYS(SYS_msync, addr, len, flags);
}

/*
 * mbind(2) with the node mask {0} and maxnode 64; MPOL_DEFAULT (mode 0)
 * takes no nodes, so it gets a NULL mask.  0 or -errno (ENOSYS without
 * CONFIG_NUMA, EINVAL, EFAULT, EIO).
 */
long ms__sys_mbind(uint64_t addr, uint64_t len, long mode, long flags)
{
	unsigned long node0 = 1;

	return SYS(SYS_mbind, addr, len, mode, mode == 0 ? NULL : &node0, 64,
		   flags);
}

/* set_mempolicy_home_node(2) (450): 0 or -errno. */
long ms__sys_set_mempolicy_home_node(uint64_t addr, uint64_t len, long node,
				     long flags)
{
	return SYS(__NR_set_mempolicy_home_node, addr, len, node, flags);
}

/*
 * mincore(2) into a scratch vector: 0 or -errno.  Lengths whose vector
 * does not fit are clipped to what fits, which the catalog never reaches.
 */
long ms__sys_mincore(uint64_t addr, uint64_t len)
{
	static unsigned char vec[1 << 16];
	uint64_t max = (uint64_t)sizeof(vec) * 4096;

	return SYS(SYS_mincore, addr, len > max ? max : len, vec);
}

/* mseal(2), syscall 462: 0, or EINVAL (flags, alignment), ENOMEM (hole). */
long ms__sys_mseal(uint64_t addr, uint64_t len, long flags)
{
	return SYS(__NR_mseal, addr, len, flags);
}

/*
 * The raw brk syscall: the new break, or the old one when refused.  It
 * never fails with an errno.
 */
long ms__sys_brk(uint64_t addr)
{
	return SYS(SYS_brk, addr);
}

/* remap_file_pages(2): 0, or EINVAL, EPERM (sealed). */
long ms__sys_remap_file_pages(uint64_t addr, uint64_t size, long prot,
			      long pgoff, long flags)
{
	return SYS(SYS_remap_file_pages, addr, size, prot, pgoff, flags);
}

/* shmget(IPC_PRIVATE, size, IPC_CREAT | 0600): the id or -errno. */
long ms__sys_shmget(uint64_t size)
{
	return SYS(SYS_shmget, IPC_PRIVATE, size, IPC_CREAT | 0600);
}

/* shmat(2): the address or -errno (EINVAL, EPERM with SHM_REMAP). */
long ms__sys_shmat(long id, uint64_t addr, long flags)
{
	return SYS(SYS_shmat, id, addr, flags);
}

/* shmdt(2): 0 or EINVAL. */
long ms__sys_shmdt(uint64_t addr)
{
	return SYS(SYS_shmdt, addr);
}

/* shmctl(id, IPC_RMID): the runner's cleanup. */
long ms__sys_shm_rmid(long id)
{
	return SYS(SYS_shmctl, id, IPC_RMID, NULL);
}

/* io_setup(2): the context, which is the ring's address, or -errno. */
long ms__sys_io_setup(long nr)
{
	unsigned long ctx = 0;
	long r = SYS(SYS_io_setup, nr, &ctx);

	return r < 0 ? r : (long)ctx;
}

/* io_destroy(2): 0 or -errno. */
long ms__sys_io_destroy(uint64_t ctx)
{
	return SYS(SYS_io_destroy, ctx);
}

/*
 * memfd(size, pattern): a memfd of size bytes, page i holding pattern[i]
 * in every byte ('0', '.' or past the pattern: zeros).  The descriptor is
 * not close-on-exec, so a name bound to it survives an exec step.  The fd,
 * or the first -errno of memfd_create, ftruncate or pwrite.
 */
long ms__sys_memfd(uint64_t size, const char *pattern, long page_size)
{
	long fd = SYS(SYS_memfd_create, "sealspec", 0);
	long r;

	if (fd < 0)
		return fd;
	r = SYS(SYS_ftruncate, fd, size);
	for (uint64_t i = 0; r >= 0 && pattern[i]; i++) {
		uint64_t off = i * (uint64_t)page_size, n;

		if (off >= size)
			break;
		if (pattern[i] == '0' || pattern_skips(pattern[i]))
			continue;
		n = size - off < (uint64_t)page_size ? size - off :
						      (uint64_t)page_size;
		pattern_fill(pattern[i], page_size);
		r = SYS(SYS_pwrite64, fd, pattern_page, n, off);
		if (r >= 0 && (uint64_t)r != n)
			r = -EIO;
	}
	if (r < 0) {
		syscall(SYS_close, fd);
		return r;
	}
	return fd;
}

/* Formats "/proc/self/fd/N" without stdio. */
static void fd_path(char *buf, long fd)
{
	char digits[24];
	int n = 0;

	strcpy(buf, "/proc/self/fd/");
	do {
		digits[n++] = (char)('0' + fd % 10);
		fd /= 10;
	} while (fd > 0 && n < 20);
	buf += strlen(buf);
	while (n > 0)
		*buf++ = digits[--n];
	*buf = '\0';
}

/* reopen(fd, flags): open("/proc/self/fd/N", flags), a new fd or -errno. */
long ms__sys_reopen(long fd, long flags)
{
	char path[48];

	if (fd < 0)
		return -EBADF;
	fd_path(path, fd);
	return SYS(SYS_openat, AT_FDCWD, path, flags, 0);
}

/*
 * proc_mem_write(addr, pattern): one pwrite(2) per page on /proc/self/mem,
 * which writes with FOLL_FORCE.  0, or the first -errno; a short write is
 * -EIO.
 */
long ms__sys_proc_mem_write(uint64_t addr, const char *pattern, long page_size)
{
	int fd = ms__proc_fd(MS__PROC_MEM);

	if (fd < 0)
		return fd;
	for (size_t i = 0; pattern[i]; i++) {
		uint64_t a = addr + i * (uint64_t)page_size;
		long r;

		if (pattern_skips(pattern[i]))
			continue;
		pattern_fill(pattern[i], page_size);
		r = SYS(SYS_pwrite64, fd, pattern_page, page_size, a);
		if (r < 0)
			return r;
		if (r != page_size)
			return -EIO;
	}
	return 0;
}

/*
 * process_vm_write(addr, pattern): process_vm_writev(2) on ourselves, one
 * page per call; no FOLL_FORCE, so it honours the page protections.  0, or
 * the first -errno; a short write is -EIO.
 */
long ms__sys_process_vm_write(uint64_t addr, const char *pattern,
			      long page_size)
{
	pid_t self = ms__sys_getpid();

	for (size_t i = 0; pattern[i]; i++) {
		struct iovec local = { pattern_page, (size_t)page_size };
		struct iovec remote = {
			(void *)(uintptr_t)(addr + i * (uint64_t)page_size),
			(size_t)page_size
		};
		long r;

		if (pattern_skips(pattern[i]))
			continue;
		pattern_fill(pattern[i], page_size);
		r = SYS(SYS_process_vm_writev, self, &local, 1, &remote, 1, 0);
		if (r < 0)
			return r;
		if (r != page_size)
			return -EIO;
	}
	return 0;
}

/*
 * The ptrace helper: attaches to its parent without a signal (SEIZE, then
 * INTERRUPT for a ptrace-stop), pokes the pattern one word at a time and
 * detaches.  The parent sits in read(2) meanwhile, which the stop merely
 * restarts.
 */
static long poke_as_tracer(pid_t tracee, uint64_t addr, const char *pattern,
			   long page_size)
{
	long r, r2;
	int status;

	r = SYS(SYS_ptrace, PTRACE_SEIZE, tracee, 0, 0);
	if (r < 0)
		return r;
	r = SYS(SYS_ptrace, PTRACE_INTERRUPT, tracee, 0, 0);
	if (r >= 0)
		r = SYS(SYS_wait4, tracee, &status, __WALL, NULL);
	for (size_t i = 0; r >= 0 && pattern[i]; i++) {
		uint64_t page = addr + i * (uint64_t)page_size;
		unsigned long word;

		if (pattern_skips(pattern[i]))
			continue;
		memset(&word, pattern[i] == '0' ? 0 : (unsigned char)pattern[i],
		       sizeof(word));
		for (long off = 0; off < page_size; off += sizeof(word)) {
			r = SYS(SYS_ptrace, PTRACE_POKEDATA, tracee, page + off,
				word);
			if (r < 0)
				break;
		}
	}
	r2 = SYS(SYS_ptrace, PTRACE_DETACH, tracee, 0, 0);
	return r < 0 ? r : (r2 < 0 ? r2 : 0);
}

/*
 * Yama (ptrace_scope 1) lets a child trace its parent only when the parent
 * names it with PR_SET_PTRACER, and a process names one tracer at a time.
 * The page reader (memreader.c) stays named for the life of the process;
 * ptrace_poke names its own helper for a moment and then names the reader
 * again.  An inherited name belongs to the parent: Yama forgets it at fork.
 */
static struct {
	pid_t owner, tracer;
} ptracer;

static pid_t declared_ptracer(void)
{
	return ptracer.owner == ms__sys_getpid() ? ptracer.tracer : 0;
}

/* PR_SET_PTRACER: 0, or -EINVAL without Yama, which is harmless. */
int ms__sys_set_ptracer(pid_t tracer)
{
	ptracer.owner = ms__sys_getpid();
	ptracer.tracer = tracer;
	return (int)SYS(SYS_prctl, PR_SET_PTRACER, tracer, 0, 0, 0);
}

/*
 * ptrace_poke(addr, pattern): PTRACE_POKEDATA from a helper child that
 * attaches to this process, named with PR_SET_PTRACER for Yama.  0, or the
 * first -errno of the attach or a poke.
 */
long ms__sys_ptrace_poke(uint64_t addr, const char *pattern, long page_size)
{
	int go[2], done[2];
	long r, result = -EIO;
	pid_t helper, self = ms__sys_getpid();
	char c = 'g';

	r = ms__sys_pipe(go);
	if (r < 0)
		return r;
	r = ms__sys_pipe(done);
	if (r < 0)
		goto close_go;
	helper = ms__sys_fork();
	if (helper < 0) {
		r = helper;
		goto close_done;
	}
	if (helper == 0) {
		if (ms__sys_read(go[0], &c, 1) == 1)
			result = poke_as_tracer(self, addr, pattern, page_size);
		ms__sys_write_all(done[1], &result, sizeof(result));
		ms__exit(0);
	}
	SYS(SYS_prctl, PR_SET_PTRACER, helper, 0, 0, 0);
	ms__sys_write_all(go[1], &c, 1);
	r = ms__sys_read(done[0], &result, sizeof(result));
	ms__sys_wait(helper, NULL, 0);
	/* Back to the process named before, the page reader if any. */
	SYS(SYS_prctl, PR_SET_PTRACER, declared_ptracer(), 0, 0, 0);
	r = r == sizeof(result) ? result : -EIO;
close_done:
	syscall(SYS_close, done[0]);
	syscall(SYS_close, done[1]);
close_go:
	syscall(SYS_close, go[0]);
	syscall(SYS_close, go[1]);
	return r;
}

/*
 * A userfaultfd (user-mode faults only) after the UFFDIO_API handshake
 * asking for features.  The fd, or -errno; *offered gets what the kernel
 * supports.
 */
static long uffd_handshake(uint64_t features, uint64_t *offered)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	long fd, r;

	fd = SYS(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (fd < 0)
		return fd;
	r = SYS(SYS_ioctl, fd, UFFDIO_API, &api);
	if (r < 0) {
		syscall(SYS_close, fd);
		return r;
	}
	*offered = api.features;
	return fd;
}

/*
 * The uapi makes UFFDIO_MOVE conditional on UFFD_FEATURE_MOVE having been
 * requested, and asking for a feature the kernel lacks fails the whole
 * handshake; the handshake may happen only once per fd.  So a plain fd
 * first tells what is offered, and a second one asks for MOVE when it is.
 * Without MOVE the plain fd serves uffd_register and uffd_copy as before,
 * and uffd_move gets whatever error the kernel gives.
 */
static long uffd_open(void)
{
	uint64_t offered = 0, ignored;
	long fd = uffd_handshake(0, &offered), fd2;

	if (fd < 0 || !(offered & UFFD_FEATURE_MOVE))
		return fd;
	fd2 = uffd_handshake(UFFD_FEATURE_MOVE, &ignored);
	if (fd2 < 0)
		return fd;
	syscall(SYS_close, fd);
	return fd2;
}

/* This process's userfaultfd, opened on first use. */
static long self_uffd(bool create)
{
	pid_t self = ms__sys_getpid();
	long fd;

	if (uffd_cache.pid == self)
		return uffd_cache.fd;
	if (uffd_cache.pid)
		syscall(SYS_close, uffd_cache.fd);
	uffd_cache.pid = 0;
	if (!create)
		return -EBADF;
	fd = uffd_open();
	if (fd < 0)
		return fd;
	uffd_cache.pid = self;
	uffd_cache.fd = (int)fd;
	return fd;
}

/*
 * uffd_register(addr, len): a userfaultfd (one per process, user-mode
 * faults only) and UFFDIO_REGISTER in MISSING mode.  0, or -errno from
 * userfaultfd(2) (EPERM, ENOSYS), UFFDIO_API or UFFDIO_REGISTER (EINVAL,
 * EBUSY, ENOMEM).
 */
long ms__sys_uffd_register(uint64_t addr, uint64_t len)
{
	struct uffdio_register reg = {
		.range = { .start = addr, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	long fd = self_uffd(true);

	if (fd < 0)
		return fd;
	return SYS(SYS_ioctl, fd, UFFDIO_REGISTER, &reg);
}

/*
 * uffd_copy(addr, pattern): UFFDIO_COPY of one pattern page per character
 * ('.' skips).  0, or the first -errno (EBADF when nothing was registered,
 * EEXIST for a present page, ENOENT, EINVAL).
 */
long ms__sys_uffd_copy(uint64_t addr, const char *pattern, long page_size)
{
	long fd = self_uffd(false);

	if (fd < 0)
		return fd;
	for (size_t i = 0; pattern[i]; i++) {
		struct uffdio_copy copy = {
			.dst = addr + i * (uint64_t)page_size,
			.src = (uintptr_t)pattern_page,
			.len = (uint64_t)page_size,
		};
		long r;

		if (pattern_skips(pattern[i]))
			continue;
		pattern_fill(pattern[i], page_size);
		r = SYS(SYS_ioctl, fd, UFFDIO_COPY, &copy);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * uffd_move(dst, src, len): one UFFDIO_MOVE of len bytes from src into the
 * registered range at dst, mode 0 (holes in src are errors, waiters are
 * woken).  0, or -errno: EBADF when nothing was registered in this
 * process, EINVAL (src not writable, dst not registered, protections
 * differ), ENOENT (src page missing at the start), EEXIST (dst present),
 * EBUSY (src page shared, e.g. after fork).  A move that stops part-way
 * fails with the kernel's errno (EAGAIN after moving some pages, which the
 * scenario sees in the grids); a success that moved less than len, which
 * the uapi does not produce, is reported as -EIO rather than trusted.
 */
long ms__sys_uffd_move(uint64_t dst, uint64_t src, uint64_t len)
{
	struct uffdio_move mv = { .dst = dst, .src = src, .len = len };
	long fd = self_uffd(false), r;

	if (fd < 0)
		return fd;
	r = SYS(SYS_ioctl, fd, UFFDIO_MOVE, &mv);
	if (r == 0 && (uint64_t)mv.move != len)
		return -EIO;
	return r;
}

/*
 * process_madvise(2) on a pidfd of the parent process, one iovec, flags
 * 0: the bytes advised, or -errno.  For a remote process the kernel takes
 * only COLD, PAGEOUT, WILLNEED and COLLAPSE (EINVAL otherwise) and wants
 * CAP_SYS_NICE (EPERM).  The pidfd is opened per call and closed: a fork
 * child asks once or twice, and nothing cached can then go stale across
 * the next fork.  A failure of pidfd_open(2) is returned as is.
 */
long ms__sys_process_madvise_parent(uint64_t addr, uint64_t len, long advice)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)addr,
			     .iov_len = len };
	long pidfd = SYS(__NR_pidfd_open, SYS(SYS_getppid), 0), r;

	if (pidfd < 0)
		return pidfd;
	r = SYS(__NR_process_madvise, pidfd, &iov, 1, advice, 0);
	syscall(SYS_close, pidfd);
	return r;
}

/* ---- plumbing ------------------------------------------------------- */

int ms__sys_open(const char *path, int flags)
{
	return (int)SYS(SYS_openat, AT_FDCWD, path, flags | O_CLOEXEC, 0);
}

int ms__sys_close(int fd)
{
	return (int)SYS(SYS_close, fd);
}

/* read(2), restarted after EINTR. */
long ms__sys_read(int fd, void *buf, size_t n)
{
	long r;

	do
		r = SYS(SYS_read, fd, buf, n);
	while (r == -EINTR);
	return r;
}

long ms__sys_pread(int fd, void *buf, size_t n, uint64_t off)
{
	return SYS(SYS_pread64, fd, buf, n, off);
}

long ms__sys_pwrite(int fd, const void *buf, size_t n, uint64_t off)
{
	return SYS(SYS_pwrite64, fd, buf, n, off);
}

/* Writes all n bytes: n, or -errno. */
long ms__sys_write_all(int fd, const void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		long r = SYS(SYS_write, fd, (const char *)buf + done,
			     n - done);

		if (r == -EINTR)
			continue;
		if (r < 0)
			return r;
		done += (size_t)r;
	}
	return (long)n;
}

/*
 * Reads a whole (proc) file into buf: the length, -E2BIG when it does not
 * fit, or -errno.
 */
long ms__sys_read_file(const char *path, char *buf, size_t n)
{
	int fd = ms__sys_open(path, O_RDONLY);
	size_t len = 0;
	long r = 0;

	if (fd < 0)
		return fd;
	while (len < n) {
		r = ms__sys_read(fd, buf + len, n - len);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	ms__sys_close(fd);
	if (r < 0)
		return r;
	return len == n ? -E2BIG : (long)len;
}

int ms__sys_pipe(int fds[2])
{
	return (int)SYS(SYS_pipe2, fds, O_CLOEXEC);
}

/* A connected pair of SOCK_SEQPACKET sockets: messages keep their size. */
int ms__sys_socketpair(int sv[2])
{
	return (int)SYS(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC,
			0, sv);
}

/* One message; EPIPE rather than SIGPIPE when the peer is gone. */
long ms__sys_send(int fd, const void *buf, size_t n)
{
	long r;

	do
		r = SYS(SYS_sendto, fd, buf, n, MSG_NOSIGNAL, NULL, 0);
	while (r == -EINTR);
	return r;
}

int ms__sys_cloexec(int fd, bool on)
{
	return (int)SYS(SYS_fcntl, fd, F_SETFD, on ? FD_CLOEXEC : 0);
}

/* fork(2) through libc, so that libc and sanitizer state stay coherent. */
pid_t ms__sys_fork(void)
{
	pid_t pid = fork();

	return pid < 0 ? -errno : pid;
}

/* wait4(2), restarted after EINTR. */
int ms__sys_wait(pid_t pid, int *status, int flags)
{
	long r;

	do
		r = SYS(SYS_wait4, pid, status, flags, NULL);
	while (r == -EINTR);
	return (int)r;
}

int ms__sys_kill(pid_t pid, int sig)
{
	return (int)SYS(SYS_kill, pid, sig);
}

int ms__sys_setpgid(pid_t pid, pid_t pgid)
{
	return (int)SYS(SYS_setpgid, pid, pgid);
}

/* 1 when fd is readable (or hung up), 0 on timeout, or -errno. */
int ms__sys_poll_in(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r = poll(&pfd, 1, timeout_ms);

	if (r < 0)
		return -errno;
	return r;
}

/*
 * Installs fn for sig with SA_SIGINFO.  SA_NODEFER lets a handler that
 * longjmps out leave the signal unblocked without relying on the jump to
 * restore the mask.
 */
int ms__sys_sigaction(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL) < 0 ? -errno : 0;
}

int ms__sys_sigdefault(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL) < 0 ? -errno : 0;
}

/* execve(2) with our environment; returns only on failure, -errno. */
int ms__sys_execve(const char *path, char *const argv[])
{
	return (int)SYS(SYS_execve, path, argv, environ);
}

/*
 * Starts /proc/self/exe with argv in a child, as vfork(2) does: the child
 * borrows this process's memory until it execs, so nothing is copied and
 * no page of ours becomes shared with it (a fork would mark every private
 * page copy-on-write, which UFFDIO_MOVE and MADV_PAGEOUT can tell), and no
 * stack is mapped for it.  The descriptors in keep[] lose close-on-exec
 * in the child only.  The child's pid, or -errno of vfork or of execve.
 */
static volatile long spawn_err;

pid_t ms__sys_spawn_self(char *const argv[], const int *keep, int nkeep)
{
	pid_t pid;

	spawn_err = 0;
	pid = vfork();
	if (pid == 0) {
		/* Only raw calls here: the memory is still the parent's. */
		for (int i = 0; i < nkeep; i++)
			syscall(SYS_fcntl, keep[i], F_SETFD, 0);
		syscall(SYS_execve, "/proc/self/exe", argv, environ);
		spawn_err = -(long)errno;
		syscall(SYS_exit, 127);
	}
	if (pid < 0)
		return -errno;
	if (spawn_err) {
		ms__sys_wait(pid, NULL, 0);
		return (pid_t)spawn_err;
	}
	return pid;
}

/* ptrace(2) with raw arguments: the value or -errno. */
long ms__sys_ptrace(long request, pid_t pid, uint64_t addr, uint64_t data)
{
	return SYS(SYS_ptrace, request, pid, addr, data);
}

pid_t ms__sys_getppid(void)
{
	return (pid_t)syscall(SYS_getppid);
}

/* PR_SET_PDEATHSIG: sig arrives when the thread that forked us exits. */
int ms__sys_set_pdeathsig(int sig)
{
	return (int)SYS(SYS_prctl, PR_SET_PDEATHSIG, sig, 0, 0, 0);
}

int ms__sys_memfd_create(const char *name, unsigned int flags)
{
	return (int)SYS(SYS_memfd_create, name, flags);
}

int ms__sys_ftruncate(int fd, uint64_t size)
{
	return (int)SYS(SYS_ftruncate, fd, size);
}

/* userfaultfd(UFFD_USER_MODE_ONLY) plus UFFDIO_API: 0 or -errno. */
long ms__sys_userfaultfd_probe(void)
{
	long fd = uffd_open();

	if (fd < 0)
		return fd;
	syscall(SYS_close, fd);
	return 0;
}

/*
 * Whether a helper child can attach to us and poke a word: 0 or -errno.
 * The word poked is in a private page of our own.
 */
long ms__sys_ptrace_probe(void)
{
	static unsigned char page[MS__PAGE_MAX]
		__attribute__((aligned(MS__PAGE_MAX)));
	long ps = sysconf(_SC_PAGESIZE);
	long r = ms__sys_ptrace_poke((uintptr_t)page, "P", ps);

	if (r == 0 && *(volatile unsigned char *)page != 'P')
		r = -EIO;
	return r;
}

int64_t ms__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* _exit(2): no atexit handlers, no stdio flush, no leak check. */
void ms__exit(int code)
{
	_exit(code);
}

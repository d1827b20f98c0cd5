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
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

/*
 * process_madvise(2) on the calling process with two iovecs: the bytes
 * advised before the first error, or that error when nothing was.
 */
long ms__sys_process_madvise2(uint64_t a1, uint64_t l1, uint64_t a2,
			      uint64_t l2, long advice)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)(uintptr_t)a1, .iov_len = l1 },
		{ .iov_base = (void *)(uintptr_t)a2, .iov_len = l2 },
	};
	long pidfd = self_pidfd();

	if (pidfd < 0)
		return pidfd;
	return SYS(__NR_process_madvise, pidfd, iov, 2, advice, 0);
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

/* mincore(2)'s vector: one byte per page. */
static unsigned char mincore_vec[1 << 16];

/*
 * mincore(2) into a scratch vector: 0 or -errno.  Lengths whose vector
 * does not fit are clipped to what fits, which the catalog never reaches.
 */
long ms__sys_mincore(uint64_t addr, uint64_t len)
{
	uint64_t max = (uint64_t)sizeof(mincore_vec) * 4096;

	return SYS(SYS_mincore, addr, len > max ? max : len, mincore_vec);
}

/*
 * How many pages of [addr, addr + len) mincore(2) reports resident (in
 * this process's page tables or in the page cache of the file behind
 * them), or -errno: ENOMEM when part of the range is not mapped.  It only
 * looks; nothing is faulted in.  Clipped like ms__sys_mincore().
 */
long ms__sys_resident_pages(uint64_t addr, uint64_t len, long page_size)
{
	uint64_t ps = (uint64_t)page_size;
	uint64_t n = (len + ps - 1) / ps;
	long r, resident = 0;

	if (n > sizeof(mincore_vec))
		n = sizeof(mincore_vec);
	r = SYS(SYS_mincore, addr, n * ps, mincore_vec);
	if (r < 0)
		return r;
	for (uint64_t i = 0; i < n; i++)
		resident += mincore_vec[i] & 1;
	return resident;
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
 * pkey_set(key, rights): the calling thread's PKRU bits for key become
 * rights (PKEY_DISABLE_ACCESS, PKEY_DISABLE_WRITE), with RDPKRU/WRPKRU as
 * pkey_set(3) does.  0, or EINVAL for a key or rights out of range; the
 * caller has made sure the CPU has protection keys (feature pkey).
 */
long ms__sys_pkey_set(long key, long rights)
{
#if defined(__x86_64__)
	uint32_t pkru, ecx = 0, edx = 0;

	if (key < 0 || key >= 16 || rights & ~3L)
		return -EINVAL;
	__asm__ volatile(".byte 0x0f, 0x01, 0xee"	/* rdpkru */
			 : "=a"(pkru), "=d"(edx)
			 : "c"(ecx));
	pkru &= ~(3u << (2 * key));
	pkru |= (uint32_t)rights << (2 * key);
	__asm__ volatile(".byte 0x0f, 0x01, 0xef"	/* wrpkru */
			 :
			 : "a"(pkru), "c"(ecx), "d"(edx)
			 : "memory");
	return 0;
#else
	(void)key;
	(void)rights;
	return -ENOSYS;
#endif
}

/* fallocate(2): 0 or -errno. */
long ms__sys_fallocate(long fd, long mode, uint64_t off, uint64_t len)
{
	return SYS(SYS_fallocate, fd, mode, off, len);
}

/*
 * pwrite(fd, pattern, off): page i of the pattern at off + i pages ('.'
 * skips one), one pwrite(2) each.  The bytes written, or the first -errno.
 */
long ms__sys_pwrite_pattern(long fd, const char *pattern, uint64_t off,
			    long page_size)
{
	long done = 0;

	for (size_t i = 0; pattern[i]; i++) {
		long r;

		if (pattern_skips(pattern[i]))
			continue;
		pattern_fill(pattern[i], page_size);
		r = SYS(SYS_pwrite64, fd, pattern_page, page_size,
			off + i * (uint64_t)page_size);
		if (r < 0)
			return r;
		done += r;
	}
	return done;
}

/* What proc_mem_read() reads into: it only counts bytes. */
static unsigned char proc_mem_buf[64 * 4096];

/*
 * proc_mem_read(addr, len): one pread(2) of /proc/self/mem, which reads
 * with FOLL_FORCE (and grows a MAP_GROWSDOWN stack, like any access
 * through access_remote_vm()).  The bytes read, or -errno.  Lengths past
 * the buffer are clipped, which the catalog never reaches.
 */
long ms__sys_proc_mem_read(uint64_t addr, uint64_t len)
{
	int fd = ms__proc_fd(MS__PROC_MEM);

	if (fd < 0)
		return fd;
	if (len > sizeof(proc_mem_buf))
		len = sizeof(proc_mem_buf);
	return SYS(SYS_pread64, fd, proc_mem_buf, len, addr);
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
	helper = ms__sys_fork_bound();
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

long ms__sys_ioctl(int fd, unsigned long request, void *arg)
{
	return SYS(SYS_ioctl, fd, request, arg);
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

/* ptrace(2) with raw arguments: the value or -errno. */
long ms__sys_ptrace(long request, pid_t pid, uint64_t addr, uint64_t data)
{
	return SYS(SYS_ptrace, request, pid, addr, data);
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

/* Sleeps for ms milliseconds (less if a signal arrives). */
void ms__sys_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, NULL);
}

int64_t ms__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ms__now_ns_raw(void)
{
	struct timespec ts;

	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* _exit(2): no atexit handlers, no stdio flush, no leak check. */
void ms__exit(int code)
{
	_exit(code);
}

/* ---- processes that end with the runner ----------------------------- */

/*
 * Binds the calling process to parent: PR_SET_PDEATHSIG makes the kernel
 * send it SIGKILL when parent dies, however it dies (SIGKILL included).
 * A parent that died before the prctl sends nothing, so this compares
 * getppid() with parent: false when it differs or the prctl failed, and
 * the caller must then exit.  Raw calls only: a vfork child runs it in
 * its parent's memory.  The signal survives execve of sealspec itself
 * (it is cleared only for set-user-ID or file-capability images), and an
 * image that must be sure (the page reader) calls it again.
 */
bool ms__sys_bind_to(pid_t parent)
{
	return syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == 0 &&
	       ms__sys_parent_is(parent);
}

/*
 * fork(2), with the child bound to this process (ms__sys_bind_to()).
 * Every process sealspec starts is made here or by ms__sys_spawn_bound(),
 * so that none outlives the one that started it, and so none outlives
 * the runner.  The child's pid, 0 in the child, or -errno.
 */
pid_t ms__sys_fork_bound(void)
{
	pid_t parent = ms__sys_getpid();
	pid_t pid = ms__sys_fork();

	if (pid == 0 && !ms__sys_bind_to(parent))
		ms__exit(127);
	return pid;
}

bool ms__sys_parent_is(pid_t parent)
{
	return (pid_t)syscall(SYS_getppid) == parent;
}

/*
 * Starts /proc/self/exe with argv in a child bound to this process, as
 * vfork(2) does: the child borrows this process's memory until it execs,
 * so nothing is copied and no page of ours becomes shared with it (a fork
 * would mark every private page copy-on-write, which UFFDIO_MOVE and
 * MADV_PAGEOUT can tell), and no stack is mapped for it.  The descriptors
 * in keep[] lose close-on-exec in the child only.  The child's pid, or
 * -errno of vfork, of the binding or of execve.
 */
static volatile long spawn_err;

pid_t ms__sys_spawn_bound(char *const argv[], const int *keep, int nkeep)
{
	pid_t parent = ms__sys_getpid(), pid;

	spawn_err = 0;
	pid = vfork();
	if (pid == 0) {
		/* Only raw calls here: the memory is still the parent's. */
		if (!ms__sys_bind_to(parent)) {
			spawn_err = -ESRCH;
			syscall(SYS_exit, 127);
		}
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

/*
 * Some steps must not be cut in half by the runner's death: a SysV
 * segment that exists but is not yet marked for removal would stay in the
 * system forever.  ms__sys_death_defer() turns the death signal into
 * SIGTERM and blocks it (and SIGPIPE, which a write to a runner that is
 * gone raises), so the process finishes the step, sees with
 * ms__sys_parent_is() that it was orphaned, tidies up and exits.
 * ms__sys_death_resume() restores SIGKILL and unblocks: a SIGTERM that
 * arrived meanwhile then ends the process.  Returns -ESRCH when the
 * parent is already gone (the death signal will never come).
 */
int ms__sys_death_defer(pid_t parent)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	if (SYS(SYS_prctl, PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) < 0)
		return -errno;
	return ms__sys_parent_is(parent) ? 0 : -ESRCH;
}

void ms__sys_death_resume(void)
{
	sigset_t set;

	SYS(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/*
 * Makes this process the reaper of its orphaned descendants
 * (PR_SET_CHILD_SUBREAPER), so that it can wait for all of them.
 */
int ms__sys_subreaper(void)
{
	return (int)SYS(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

/* Every signal back to its default action, none blocked. */
void ms__sys_signals_reset(void)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

int ms__sys_sigignore(int sig)
{
	return signal(sig, SIG_IGN) == SIG_ERR ? -errno : 0;
}

/* pidfd_open(2): a descriptor that polls readable when pid exits. */
int ms__sys_pidfd_open(pid_t pid)
{
	return (int)SYS(__NR_pidfd_open, pid, 0);
}

/*
 * The nanoseconds pid has spent running and waiting on a run queue, from
 * /proc/PID/schedstat.  Returns 0 or -errno (no CONFIG_SCHED_INFO).
 */
int ms__sys_schedstat(pid_t pid, uint64_t *run_ns, uint64_t *wait_ns)
{
	char path[48], buf[96], digits[24], *p;
	int k = 0;
	long n;

	do {
		digits[k++] = (char)('0' + pid % 10);
		pid /= 10;
	} while (pid > 0 && k < 20);
	strcpy(path, "/proc/");
	p = path + strlen(path);
	while (k > 0)
		*p++ = digits[--k];
	strcpy(p, "/schedstat");
	n = ms__sys_read_file(path, buf, sizeof(buf) - 1);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	*run_ns = strtoull(buf, &p, 10);
	*wait_ns = strtoull(p, &p, 10);
	return 0;
}

/* ---- descriptors and limits of a scenario process ------------------- */

/* A close-on-exec copy of fd numbered min or above: the copy or -errno. */
int ms__sys_dup_above(int fd, int min)
{
	return (int)SYS(SYS_fcntl, fd, F_DUPFD_CLOEXEC, min);
}

/* dup3(2): fd as number to, close-on-exec when cloexec. */
int ms__sys_dup_to(int fd, int to, bool cloexec)
{
	return (int)SYS(SYS_dup3, fd, to, cloexec ? O_CLOEXEC : 0);
}

/*
 * Closes every descriptor from fd on: close_range(2) (5.9+), else one by
 * one up to the descriptor limit.
 */
void ms__sys_close_from(int fd)
{
	struct rlimit rl;

	if (SYS(__NR_close_range, fd, ~0U, 0) == 0)
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur > 65536)
		rl.rlim_cur = 65536;
	for (rlim_t i = (rlim_t)fd; i < rl.rlim_cur; i++)
		syscall(SYS_close, (int)i);
}

int ms__sys_set_nonblock(int fd)
{
	long fl = SYS(SYS_fcntl, fd, F_GETFL);

	if (fl < 0)
		return (int)fl;
	return (int)SYS(SYS_fcntl, fd, F_SETFL, fl | O_NONBLOCK);
}

/* F_SETPIPE_SZ: the new size or -errno. */
int ms__sys_pipe_size(int fd, int size)
{
	return (int)SYS(SYS_fcntl, fd, F_SETPIPE_SZ, size);
}

/* The file type bits of fd (S_IFREG, S_IFIFO...) and its size. */
int ms__sys_fd_kind(int fd, unsigned int *mode, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	*mode = st.st_mode & S_IFMT;
	*size = (uint64_t)st.st_size;
	return 0;
}

int ms__sys_getrlimit(int res, uint64_t *soft, uint64_t *hard)
{
	struct rlimit rl;

	if (getrlimit(res, &rl) < 0)
		return -errno;
	*soft = rl.rlim_cur;
	*hard = rl.rlim_max;
	return 0;
}

int ms__sys_setrlimit(int res, uint64_t soft, uint64_t hard)
{
	struct rlimit rl = { (rlim_t)soft, (rlim_t)hard };

	return setrlimit(res, &rl) < 0 ? -errno : 0;
}

int ms__sys_lower_limit(int res, uint64_t v, bool *lowered)
{
	uint64_t soft = 0, hard = 0;
	int err = ms__sys_getrlimit(res, &soft, &hard);

	if (err < 0)
		return err;
	if (lowered)
		*lowered = soft > v;
	return ms__sys_setrlimit(res, soft < v ? soft : v, hard < v ? hard : v);
}

/* The size of this process's address space in pages (/proc/self/statm). */
long ms__sys_vm_pages(void)
{
	char buf[128];
	long n = ms__sys_read_file("/proc/self/statm", buf, sizeof(buf) - 1);

	if (n < 0)
		return n;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/*
 * Whether fd survives an exec: 0 when it stays open, 1 when it is
 * close-on-exec, -errno when it is not open at all.
 */
int ms__sys_fd_cloexec(int fd)
{
	long r = SYS(SYS_fcntl, fd, F_GETFD, 0);

	return r < 0 ? (int)r : (r & FD_CLOEXEC) ? 1 : 0;
}

/* VmLck of /proc/self/status: the bytes this process has locked, or -errno. */
long ms__sys_locked_bytes(void)
{
	char buf[4096];
	long n = ms__sys_read_file("/proc/self/status", buf, sizeof(buf) - 1);
	const char *p;

	if (n < 0)
		return n;
	buf[n] = '\0';
	p = strstr(buf, "\nVmLck:");
	if (!p)
		return -ENOENT;
	return strtol(p + 8, NULL, 10) * 1024;
}

/* poll(2) on n descriptors: the number ready, 0 on timeout, or -errno. */
int ms__sys_poll(struct pollfd *fds, int n, int timeout_ms)
{
	int r = poll(fds, (nfds_t)n, timeout_ms);

	return r < 0 ? -errno : r;
}

/* A connected pair of SOCK_SEQPACKET unix sockets, close-on-exec. */
int ms__sys_seqpacket_pair(int sv[2])
{
	return (int)SYS(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC,
			0, sv);
}

/*
 * One message of n bytes with nfds descriptors (SCM_RIGHTS); no SIGPIPE.
 * n or -errno.
 */
long ms__sys_send_fds(int sock, const void *buf, size_t n, const int *fds,
		      int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * MS__SEND_FDS_MAX)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { (void *)buf, n };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	long r;

	if (nfds < 0 || nfds > MS__SEND_FDS_MAX)
		return -EINVAL;
	if (nfds > 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	do
		r = SYS(SYS_sendmsg, sock, &msg, MSG_NOSIGNAL);
	while (r == -EINTR);
	return r;
}

/*
 * One message into buf (at most n bytes) and up to maxfds descriptors,
 * close-on-exec; *nfds gets their number.  The message length, 0 at end
 * of file, or -errno.  Descriptors beyond maxfds are closed.
 */
long ms__sys_recv_fds(int sock, void *buf, size_t n, int *fds, int maxfds,
		      int *nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * MS__SEND_FDS_MAX)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { buf, n };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	long r;

	*nfds = 0;
	do
		r = SYS(SYS_recvmsg, sock, &msg, MSG_CMSG_CLOEXEC);
	while (r == -EINTR);
	if (r < 0)
		return r;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c;
	     c = CMSG_NXTHDR(&msg, c)) {
		int k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (int i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + sizeof(int) * (size_t)i,
			       sizeof(fd));
			if (*nfds < maxfds)
				fds[(*nfds)++] = fd;
			else
				syscall(SYS_close, fd);
		}
	}
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return -EMSGSIZE;
	return r;
}

/* ---- SysV segments: what the runner needs to leave none behind ------- */

/*
 * shmctl(IPC_STAT): whether the segment is marked for removal (1), still
 * unmarked (0), or -errno: EINVAL or EIDRM once it is gone.
 */
long ms__sys_shm_marked(long id)
{
	struct shmid_ds ds;
	long r = SYS(SYS_shmctl, id, IPC_STAT, &ds);

	if (r < 0)
		return r;
	return (ds.shm_perm.mode & SHM_DEST) != 0;
}

/*
 * Removes the segments pid created at or after since (seconds since the
 * epoch) that nothing has attached, key IPC_PRIVATE, owned by us: what a
 * scenario process killed between shmget() and reporting the id leaves.
 * The number removed, or -errno.
 */
long ms__sys_shm_remove_created_by(pid_t pid, int64_t since)
{
	struct shm_info info;
	long max = SYS(SYS_shmctl, 0, SHM_INFO, &info), removed = 0;
	uid_t uid = geteuid();

	if (max < 0)
		return max;
	for (long i = 0; i <= max; i++) {
		struct shmid_ds ds;
		long id = SYS(SYS_shmctl, i, SHM_STAT, &ds);

		if (id < 0 || ds.shm_cpid != pid || ds.shm_nattch != 0 ||
		    ds.shm_perm.uid != uid ||
		    ds.shm_perm.__key != IPC_PRIVATE ||
		    (int64_t)ds.shm_ctime < since)
			continue;
		if (SYS(SYS_shmctl, id, IPC_RMID, NULL) == 0)
			removed++;
	}
	return removed;
}

/*
 * One byte into a non-blocking pipe, from a signal handler: errno is left
 * as it was, and a full pipe is as good as a written byte.
 */
void ms__sys_wake(int fd)
{
	int saved = errno;

	syscall(SYS_write, fd, "!", 1);
	errno = saved;
}

/* Whether child pid has exited, without reaping it: 1, 0, or -errno. */
int ms__sys_has_exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return -errno;
	return si.si_pid != 0;
}

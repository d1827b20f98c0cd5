// SPDX-License-Identifier: MIT
/*
 * What the checks of the conformant-kernel series cost: nanoseconds per
 * call of the memory syscalls whose paths the series touches, and of some
 * it does not, beside each other in one run.  make conformant-kernel runs
 * it on the patched and the unpatched kernel under the same QEMU setup
 * (docs/conformance.md); it runs on any kernel with mseal as it is.
 *
 *   mprotect-pair    RW -> R -> RW on one private anon page (2 calls)
 *   munmap+mmap      one private anon page, unmapped and mapped again
 *                    (2 calls)
 *   madvise-anon     MADV_DONTNEED on an unsealed private anon page
 *   madvise-file     MADV_DONTNEED on an unsealed private file page
 *   madvise-sealed-rw-file  MADV_DONTNEED on a sealed writable private
 *                    file page: allowed, and it reaches the series' new
 *                    private-file test in can_madvise_modify()
 *   madvise-sealed-ro-anon  MADV_DONTNEED on sealed RO anon: EPERM
 *   procmem-write    pwrite of 8 bytes through /proc/self/mem into an
 *                    unsealed read-only private anon page (FOLL_FORCE:
 *                    the series' new test in check_vma_flags())
 *   procmem-read     pread of the same 8 bytes
 *   procmem-write-sealed-ro  the pwrite into a sealed read-only anon page
 *                    (refused with EIO by the series)
 *
 * Then one line "poke ptrace-poke-sealed-ro R": PTRACE_POKEDATA from this
 * process into a traced child's copy of the sealed read-only page.
 *
 * Each figure is the median of ROUNDS rounds of ITER operations (the two
 * pairs: ITER/2).  Output, one line each:
 *   cost NAME NS ns/op (ret R)      R: 0, a byte count or an errno name
 *
 * usage: conformant_cost [ITER]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef __NR_mseal
#define __NR_mseal 462
#endif
#ifndef __NR_memfd_create
#define __NR_memfd_create 319
#endif

#define ROUNDS 7

static long page;
static char *anon, *file_rw, *sealed_rw, *sealed_ro, *ro_page;
static int memfd = -1, procmem = -1;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "conformant_cost: %s: %s\n", what, strerror(errno));
	exit(1);
}

static char *map(int prot, int flags, int fd)
{
	char *p = mmap(NULL, (size_t)page, prot, flags, fd, 0);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

/* One call of each kind; returns the syscall's result (or -errno). */
static long op_mprotect(void)
{
	if (mprotect(anon, (size_t)page, PROT_READ))
		return -errno;
	return mprotect(anon, (size_t)page, PROT_READ | PROT_WRITE) ? -errno : 0;
}

static long op_munmap_mmap(void)
{
	if (munmap(anon, (size_t)page))
		return -errno;
	if (mmap(anon, (size_t)page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		return -errno;
	return 0;
}

static long advise(char *p)
{
	return madvise(p, (size_t)page, MADV_DONTNEED) ? -errno : 0;
}

static long op_madvise_anon(void)
{
	return advise(anon);
}

static long op_madvise_file(void)
{
	return advise(file_rw);
}

static long op_madvise_sealed_rw_file(void)
{
	return advise(sealed_rw);
}

static long op_madvise_sealed_ro_anon(void)
{
	return advise(sealed_ro);
}

static long op_procmem_write(void)
{
	ssize_t n = pwrite(procmem, "conform", 8, (off_t)(uintptr_t)ro_page);

	return n < 0 ? -errno : n;
}

static long op_procmem_write_sealed(void)
{
	ssize_t n = pwrite(procmem, "conform", 8, (off_t)(uintptr_t)sealed_ro);

	return n < 0 ? -errno : n;
}

static long op_procmem_read(void)
{
	char buf[8];
	ssize_t n = pread(procmem, buf, 8, (off_t)(uintptr_t)ro_page);

	return n < 0 ? -errno : n;
}

/* PTRACE_POKEDATA into a stopped child's sealed read-only page. */
static long poke_sealed(void)
{
	long ret;
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -ECHILD;
	}
	ret = ptrace(PTRACE_POKEDATA, pid, sealed_ro, (void *)0x5a5a5a5aL) ?
		      -errno : 0;
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return ret;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static const char *ret_name(long ret)
{
	static char buf[24];

	switch (ret) {
	case -EPERM:
		return "EPERM";
	case -EIO:
		return "EIO";
	case -EFAULT:
		return "EFAULT";
	}
	snprintf(buf, sizeof(buf), "%ld", ret);
	return buf;
}

static void measure(const char *name, long (*op)(void), long iter)
{
	uint64_t ns[ROUNDS];
	long ret = op(), i;
	int r;

	for (r = 0; r < ROUNDS; r++) {
		uint64_t t0 = now_ns();

		for (i = 0; i < iter; i++)
			op();
		ns[r] = (now_ns() - t0) / (uint64_t)iter;
	}
	qsort(ns, ROUNDS, sizeof(ns[0]), cmp_u64);
	printf("cost %-24s %8llu ns/op (ret %s)\n", name,
	       (unsigned long long)ns[ROUNDS / 2], ret_name(ret));
	fflush(stdout);
}

int main(int argc, char **argv)
{
	long iter = argc > 1 ? atol(argv[1]) : 20000;

	if (iter <= 0) {
		fprintf(stderr, "usage: conformant_cost [ITER]\n");
		return 2;
	}
	page = sysconf(_SC_PAGESIZE);
	memfd = (int)syscall(__NR_memfd_create, "conformant_cost", 0);
	if (memfd < 0)
		die("memfd_create");
	if (ftruncate(memfd, 2 * page))
		die("ftruncate");

	anon = map(PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	file_rw = map(PROT_READ | PROT_WRITE, MAP_PRIVATE, memfd);
	sealed_rw = map(PROT_READ | PROT_WRITE, MAP_PRIVATE, memfd);
	sealed_ro = map(PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	ro_page = map(PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	if (syscall(__NR_mseal, sealed_rw, page, 0) ||
	    syscall(__NR_mseal, sealed_ro, page, 0))
		die("mseal");
	procmem = open("/proc/self/mem", O_RDWR);
	if (procmem < 0)
		die("open /proc/self/mem");

	printf("cost iterations %ld x %d rounds (median)\n", iter, ROUNDS);
	measure("mprotect-pair", op_mprotect, iter / 2);
	measure("munmap+mmap", op_munmap_mmap, iter / 2);
	measure("madvise-anon", op_madvise_anon, iter);
	measure("madvise-file", op_madvise_file, iter);
	measure("madvise-sealed-rw-file", op_madvise_sealed_rw_file, iter);
	measure("madvise-sealed-ro-anon", op_madvise_sealed_ro_anon, iter);
	measure("procmem-write", op_procmem_write, iter);
	measure("procmem-read", op_procmem_read, iter);
	measure("procmem-write-sealed-ro", op_procmem_write_sealed, iter);
	printf("poke ptrace-poke-sealed-ro %s\n", ret_name(poke_sealed()));
	return 0;
}

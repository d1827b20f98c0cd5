// SPDX-License-Identifier: MIT
/*
 * seal-sleep: a process with memory for `sealspec maps` and `sealspec
 * explain` to look at.  It maps 8 anonymous read-write pages, makes pages
 * 4-7 read-only and seals them, maps 2 more pages it leaves alone, and 3
 * pages with a flag each: page 0 locked on fault (mlock2 MLOCK_ONFAULT),
 * page 1 MADV_DONTFORK, page 2 MADV_WIPEONFORK.  It prints
 *
 *   sealed=0xADDR pages=4 unsealed=0xADDR pages=2 whole=0xADDR pages=8
 *   flags=0xADDR pages=3 lock=onfault
 *
 * on one line (lock=none when RLIMIT_MEMLOCK refused the lock),
 * then sleeps until killed (at most 120 s: it ends by itself
 * when a test forgets it).  Exit 77 when the kernel has no mseal(2).
 *
 * The mappings lie in one reserved range, apart from each other and from
 * everything else by PROT_NONE pages, so none of them merges with a
 * neighbour, wherever the range lands:
 *
 *   0 1234 5678 9 AB C D E F 10
 *   - NNNN SSSS - UU - L D W -     N = rw anon, S = r-- anon, sealed,
 *                                  U = rw anon, L/D/W = rw anon, locked
 *                                  on fault / dontfork / wipeonfork
 */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_mseal
#define __NR_mseal 462
#endif
#ifndef __NR_mlock2
#define __NR_mlock2 325
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 0x01
#endif

int main(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	const char *lock = "onfault";
	char *r, *a, *b, *c;

	r = mmap(NULL, 17 * ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED) {
		perror("seal-sleep: mmap");
		return 1;
	}
	a = mmap(r + 1 * ps, 8 * ps, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	b = mmap(r + 10 * ps, 2 * ps, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	c = mmap(r + 13 * ps, 3 * ps, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (a == MAP_FAILED || b == MAP_FAILED || c == MAP_FAILED) {
		perror("seal-sleep: mmap");
		return 1;
	}
	a[0] = b[0] = 'x';
	if (mprotect(a + 4 * ps, 4 * ps, PROT_READ)) {
		perror("seal-sleep: mprotect");
		return 1;
	}
	if (syscall(__NR_mseal, a + 4 * ps, 4 * ps, 0) != 0) {
		if (errno == ENOSYS) {
			fprintf(stderr, "seal-sleep: no mseal on this kernel\n");
			return 77;
		}
		perror("seal-sleep: mseal");
		return 1;
	}
	if (syscall(__NR_mlock2, c, ps, MLOCK_ONFAULT) != 0)
		lock = "none";
	if (madvise(c + ps, ps, MADV_DONTFORK) ||
	    madvise(c + 2 * ps, ps, MADV_WIPEONFORK)) {
		perror("seal-sleep: madvise");
		return 1;
	}
	printf("sealed=%p pages=4 unsealed=%p pages=2 whole=%p pages=8 "
	       "flags=%p pages=3 lock=%s\n",
	       (void *)(a + 4 * ps), (void *)b, (void *)a, (void *)c, lock);
	fflush(stdout);
	alarm(120);
	for (;;)
		pause();
}

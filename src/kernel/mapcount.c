// SPDX-License-Identifier: MIT
/*
 * use_map_slots: leaves the scenario process exactly nfree VMAs below
 * vm.max_map_count, by splitting a region the scenario mapped, so that a
 * scenario can make a split fail without touching the system-wide sysctl.
 *
 * The region [addr, addr + len), one VMA of base protection P, is cut up
 * with single-page mprotect calls, A and B being two other protections:
 *
 *   page   0   1   2   3  ...  2k-1 | 2k  2k+1 ... | tail
 *   prot   P   A   P   A  ...  A    | B   A    ... | P
 *          phase 1: each A page     | phase 2: each page split off the
 *          is isolated, +2 VMAs     | tail's front, +1 VMA
 *
 * Phase 1 goes fast to just below the target, from an exact count of the
 * process's VMAs.  Phase 2 then splits one VMA at a time until the kernel
 * refuses with ENOMEM, which it does exactly when the process has
 * vm.max_map_count VMAs: this checks the count against the limit the
 * kernel enforces.  Phase 3 merges the last nfree split pages back into
 * the tail.  Nothing here allocates: the scenario process never does.
 *
 * The count at the end is checked, not assumed, and cheaply where it can
 * be: the refusal in phase 2 came exactly where the first count said, so
 * the process then had vm.max_map_count VMAs, and PROCMAP_QUERY shows
 * that phase 3 left the nfree pages and the tail one VMA, which is
 * nfree fewer.  That holds when the refusal can only be the map count's:
 * mprotect() may also refuse with ENOMEM to charge a private page made
 * writable, but only under vm.overcommit_memory 2 (mode 0 refuses no
 * single page, mode 1 nothing).  Otherwise, and before 6.11, the VMAs
 * are counted in /proc/self/maps again (65,530 lines: 12 ms here).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "compat.h"
#include "kernel/kernel.h"

/*
 * x86_64 lists its vsyscall page in /proc/self/maps, but that is the gate
 * area, which is no VMA of the process and does not count against the
 * limit.
 */
static const char gate_name[] = "[vsyscall]";
#define GATE_LEN (sizeof(gate_name) - 1)

static char maps_chunk[65536];

/* vm.max_map_count: the value, or -errno (EINVAL: not a number). */
long ms__max_map_count(void)
{
	char buf[32];
	long n = ms__sys_read_file("/proc/sys/vm/max_map_count", buf,
				   sizeof(buf) - 1);
	long v = 0;
	int digits = 0;

	if (n < 0)
		return n;
	for (long i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) {
		v = v * 10 + (buf[i] - '0');
		digits++;
	}
	return digits ? v : -EINVAL;
}

/* Does the line ending just before chunk[i] end with the gate's name? */
static bool gate_line(const char *chunk, long i, const char *prev)
{
	char tail[GATE_LEN];
	long from_prev = (long)GATE_LEN - i;

	if (from_prev <= 0)
		return memcmp(chunk + i - GATE_LEN, gate_name, GATE_LEN) == 0;
	/* The name began in the previous chunk: prev holds its last bytes. */
	memcpy(tail, prev + GATE_LEN - from_prev, (size_t)from_prev);
	memcpy(tail + from_prev, chunk, (size_t)i);
	return memcmp(tail, gate_name, GATE_LEN) == 0;
}

/*
 * The number of VMAs of the calling process: the lines of
 * /proc/self/maps, less the gate line.  Read in chunks, so the count is
 * right however many VMAs there are.  Returns the count, or -errno.
 */
static long count_vmas(void)
{
	char prev[GATE_LEN];
	long lines = 0, r;
	int fd = ms__sys_open("/proc/self/maps", O_RDONLY);

	if (fd < 0)
		return fd;
	memset(prev, 0, sizeof(prev));
	while ((r = ms__sys_read(fd, maps_chunk, sizeof(maps_chunk))) > 0) {
		const char *nl = maps_chunk, *end = maps_chunk + r;

		while ((nl = memchr(nl, '\n', (size_t)(end - nl)))) {
			if (!gate_line(maps_chunk, nl - maps_chunk, prev))
				lines++;
			nl++;
		}
		/* A read returns whole lines, but nothing depends on it. */
		if (r >= (long)GATE_LEN) {
			memcpy(prev, maps_chunk + r - GATE_LEN, GATE_LEN);
		} else {
			memmove(prev, prev + r, GATE_LEN - (size_t)r);
			memcpy(prev + GATE_LEN - r, maps_chunk, (size_t)r);
		}
	}
	ms__sys_close(fd);
	return r < 0 ? r : lines;
}

/*
 * Two protections other than base, so that no page changed here merges
 * with either neighbour.  PROT_READ|PROT_WRITE costs no commit charge on a
 * MAP_NORESERVE mapping and one page otherwise.
 */
static void pick_prots(long base, long *a, long *b)
{
	static const long cand[] = { PROT_NONE, PROT_READ,
				     PROT_READ | PROT_WRITE };
	int n = 0;

	for (int i = 0; i < 3 && n < 2; i++) {
		if (cand[i] == base)
			continue;
		if (n++ == 0)
			*a = cand[i];
		else
			*b = cand[i];
	}
}

/*
 * Can phase 2's ENOMEM be anything but the map count?  Only a charge for
 * a private page made writable (mprotect_fixup()), under strict
 * overcommit (vm.overcommit_memory 2); pa is never writable (pick_prots).
 */
static bool refusal_is_limit(long pb, bool shared)
{
	char buf[16];
	long n;

	if (!(pb & PROT_WRITE) || shared)
		return true;
	n = ms__sys_read_file("/proc/sys/vm/overcommit_memory", buf,
			      sizeof(buf) - 1);
	return n > 0 && buf[0] != '2';
}

/*
 * Splits the region [addr, addr + len), which must lie in one VMA, until
 * the process has exactly nfree VMAs left below vm.max_map_count.
 * Returns the number of VMAs it created, or:
 *   EINVAL  addr or len not page aligned, len 0, nfree < 0, or the region
 *           is not inside one VMA;
 *   ENOMEM  nothing is mapped at addr;
 *   ENOSPC  the region is too small, or the process does not have
 *           nfree + 2 slots left to start from;
 *   EPROTO  the VMA count read from /proc/self/maps disagrees with where
 *           the kernel's limit struck (the region is left split);
 *   any errno of reading /proc or of mprotect(2) (EPERM: a sealed page,
 *   EACCES: a protection the mapping cannot take).
 */
long ms__use_map_slots(uint64_t addr, uint64_t len, long nfree, long ps)
{
	uint64_t pages = len / (uint64_t)ps, tail, front, start, end, tail_end;
	long max, count, need, pairs, singles, base, pa = 0, pb = 0, r, s;
	bool limit_said;
	struct ms__vma v;
	int err;

	if (nfree < 0 || !len || (addr | len) & ((uint64_t)ps - 1))
		return -EINVAL;
	err = ms__find_vma(addr, &v);
	if (err == -ENOENT)
		return -ENOMEM;
	if (err < 0)
		return err;
	if (addr + len > v.end)
		return -EINVAL;
	max = ms__max_map_count();
	if (max < 0)
		return max;
	count = count_vmas();
	if (count < 0)
		return count;

	/*
	 * Phase 1 creates 2 * pairs VMAs, phase 2 the rest plus the nfree
	 * slots that phase 3 gives back, then one split that must fail.  The
	 * tail keeps a page, so that the failing attempt is a split too.
	 */
	need = max - nfree - count;
	if (need < 2)
		return -ENOSPC;
	pairs = need / 2;
	singles = nfree + need % 2;
	if (pages < (uint64_t)(2 * pairs + singles + 2))
		return -ENOSPC;
	base = v.prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
	pick_prots(base, &pa, &pb);

	for (long i = 0; i < pairs; i++) {
		r = ms__sys_mprotect(addr + (uint64_t)(2 * i + 1) * ps,
				     (uint64_t)ps, pa);
		if (r < 0)
			return r;
	}

	/* Page 2 * pairs - 1 is A, so the tail's front goes B, A, B... */
	tail = addr + (uint64_t)(2 * pairs) * ps;
	for (s = 0; s <= singles; s++) {
		r = ms__sys_mprotect(tail + (uint64_t)s * ps, (uint64_t)ps,
				     s % 2 ? pa : pb);
		if (r == -ENOMEM)
			break;
		if (r < 0)
			return r;
	}
	if (s != singles)
		return -EPROTO;
	front = tail + (uint64_t)s * ps;
	err = ms__query_vma(front, false, &start, &tail_end);
	if (err == 0 && start != front)
		return -EPROTO;
	limit_said = err == 0 && refusal_is_limit(pb, v.shared);

	/* Each page given back its base protection merges into the tail. */
	for (long k = 1; k <= nfree; k++) {
		r = ms__sys_mprotect(tail + (uint64_t)(s - k) * ps,
				     (uint64_t)ps, base);
		if (r < 0)
			return r;
	}
	if (limit_said) {
		front = tail + (uint64_t)(s - nfree) * ps;
		err = ms__query_vma(front, false, &start, &end);
		if (err < 0)
			return err;
		return start == front && end == tail_end ? need : -EPROTO;
	}
	count = count_vmas();
	if (count < 0)
		return count;
	return count == max - nfree ? need : -EPROTO;
}

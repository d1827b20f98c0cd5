// SPDX-License-Identifier: MIT
/*
 * Waiting for kernel work that finishes after the call that started it has
 * returned.  A scenario states the page state after a step; where Linux
 * reaches that state only later, from a workqueue, the step that follows
 * would see either state depending on how the scheduler ran, and the case
 * would pass or fail at random.  The target waits here, bounded, until the
 * final state is visible, and then goes on to the next step.
 *
 * Every wait only looks.  It must not change what a later step observes:
 * no access to the memory concerned, no fault, no read through
 * /proc/self/mem.  When the bound passes the wait returns -ETIMEDOUT and
 * the caller makes the case BROK: the steps after it would judge a state
 * in between.
 */
#include <errno.h>

#include "kernel/kernel.h"

/* How long to sleep between two looks. */
#define POLL_MS 1

/*
 * io_destroy() unmaps the ring, but it ignores the unmap's result, so a
 * sealed ring stays mapped (G1a).  Its pages do not stay: once the
 * context's last request is gone, free_ioctx() runs from a workqueue after
 * an RCU grace period, and aio_free_ring() truncates the ring file to size
 * 0.  That drops the pages from the file's page cache and zaps any PTE
 * mapping them; a later load from the ring is then beyond the end of the
 * file and gets SIGBUS.  io_destroy() waits for the requests, not for that
 * work: on 6.18 it lands some 5 to 20 ms after the call returns.
 *
 * What tells that it has run: mincore() over the ring.  For a shared file
 * mapping it reports a page resident when a PTE maps it or, without one,
 * when the file's page cache holds it, so the ring reads as resident from
 * io_setup() (whose pages sit in the page cache from the start) until the
 * truncation, and as not resident after it.  mincore only looks.  The
 * alternatives do not: smaps' Rss and pagemap count only pages mapped in
 * this process, and the ring is normally never faulted in (Rss is 0 before
 * and after); a load or a /proc/self/mem read would fault the page in
 * before the teardown, a change later steps could see.  The kernel lets
 * the ring's owner see its page cache (can_do_mincore(): the ring's inode
 * belongs to the process that made it), root or not.
 *
 * The truncation sets the file's size to 0 and zaps the PTEs before it
 * removes the first page, so once the first pages are gone every access to
 * the ring faults; the wait covers the VMA at ctx, which is the whole ring
 * unless a partial mseal split it.
 */
int ms__wait_aio_free_ring(uint64_t ctx, long page_size)
{
	struct ms__vma v;
	int64_t deadline;
	int err = ms__find_vma(ctx, &v);

	/* Unsealed: io_destroy() unmapped the ring, nothing is left to go. */
	if (err == -ENOENT || (err == 0 && !v.special_aio))
		return 0;
	if (err < 0)
		return err;
	deadline = ms__now_ms() + MS__DEFERRED_MAX_MS;
	for (;;) {
		long resident = ms__sys_resident_pages(v.start, v.end - v.start,
						       page_size);

		if (resident <= 0)
			return (int)resident;
		if (ms__now_ms() >= deadline)
			return -ETIMEDOUT;
		ms__sys_sleep_ms(POLL_MS);
	}
}

// SPDX-License-Identifier: MIT
/*
 * brk(2): the heap.  Shrinking is an unmap, so a sealed part of the heap
 * refuses it; growing maps new anonymous memory above the break, which
 * merges into the heap's top VMA unless that one is sealed (its flags
 * differ) or otherwise incompatible.
 */
#include <errno.h>
#include <string.h>

#include "model/model.h"

/*
 * do_brk_flags() (mm/vma.c): map [addr, addr+len) as heap, with
 * VM_DATA_DEFAULT_FLAGS (read, write, may-read/write/exec), VM_ACCOUNT
 * and mm->def_flags, expanding the VMA below when it can take the range.
 *
 *   ENOMEM  map_count above vm.max_map_count
 */
static int do_brk_flags(struct ms_mm *mm, uint64_t addr, uint64_t len)
{
	struct ms__vma proto;
	int err;

	if ((long)mm->vmas.count > (long)mm->cfg.max_map_count)
		return -ENOMEM;
	memset(&proto, 0, sizeof(proto));
	proto.start = addr;
	proto.end = addr + len;
	proto.pgoff = ms__pages(mm, addr);
	proto.flags = MS__VM_READ | MS__VM_WRITE | MS__VM_MAYREAD |
		      MS__VM_MAYWRITE | MS__VM_MAYEXEC | MS__VM_ACCOUNT |
		      mm->def_flags;
	return ms__vma_insert(mm, &proto, &err) ? 0 : err;
}

/*
 * brk(brk), mirroring SYSCALL_DEFINE1(brk) (mm/mmap.c).  brk never
 * returns an errno: a refused request returns the current break.
 * Refused, in this order:
 *
 *   brk below start_brk (brk(0) is how a program asks for the break)
 *   (brk - start_brk) above RLIMIT_DATA (check_data_rlimit())
 *   (the break moves within its page: accepted, nothing is mapped)
 *   shrinking: no VMA in [new break, old break) (rounded to pages), or
 *              the unmap is refused: a sealed VMA in the range (EPERM),
 *              which since 6.12 may leave the heap VMA split at the new
 *              break (see ms__do_munmap)
 *   growing:   the new break passes the end of user space
 *              (check_brk_limits()), or comes within a page (plus the
 *              guard gap of a MAP_GROWSDOWN VMA) of the next VMA, or
 *              do_brk_flags() fails
 *
 * A grown heap is populated when mlockall(MCL_FUTURE) is in force.
 */
uint64_t ms_brk(struct ms_mm *mm, uint64_t brk)
{
	const struct ms_mm_config *c = &mm->cfg;
	uint64_t newbrk, oldbrk;
	struct ms__vma *next;

	if (brk < mm->start_brk)
		return mm->brk;
	if (c->rlimit_data != UINT64_MAX &&
	    brk - mm->start_brk > c->rlimit_data)
		return mm->brk;
	newbrk = ms__page_align(mm, brk);
	oldbrk = ms__page_align(mm, mm->brk);
	if (newbrk < brk)
		return mm->brk;
	if (oldbrk == newbrk) {
		mm->brk = brk;
		return brk;
	}

	/* "Always allow shrinking brk." */
	if (brk <= mm->brk) {
		struct ms__vma *v = ms__vma_find_from(mm, newbrk);

		if (!v || ms__vma_start(v) >= oldbrk)
			return mm->brk;
		if (ms__do_munmap(mm, newbrk, oldbrk) < 0)
			return mm->brk;
		mm->brk = brk;
		return brk;
	}

	if (newbrk > c->task_size || newbrk - oldbrk > c->task_size - oldbrk)
		return mm->brk;
	next = ms__vma_find_from(mm, oldbrk);
	if (next) {
		uint64_t gap_start = ms__vma_start(next);

		if (next->flags & MS__VM_GROWSDOWN)
			gap_start = gap_start > c->stack_guard_gap ?
					    gap_start - c->stack_guard_gap : 0;
		if (newbrk + mm->page_size > gap_start)
			return mm->brk;
	}
	if (do_brk_flags(mm, oldbrk, newbrk - oldbrk) < 0)
		return mm->brk;
	mm->brk = brk;
	if (mm->def_flags & MS__VM_LOCKED)
		ms__populate(mm, oldbrk, newbrk, false, false);
	return brk;
}

// SPDX-License-Identifier: MIT
/*
 * The file behind a mapping, changed through its descriptor: ftruncate,
 * fallocate and pwrite on a memfd (shmem).  A seal protects the mapping,
 * never the file: each of these reaches sealed mappings of the file, and
 * the model says what they then see.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <string.h>

#include "model/model.h"

/*
 * ftruncate(2) of f to size bytes (shmem_setattr()): pages from the new
 * end on are gone, so a mapping of them faults with SIGBUS; growing adds
 * zero pages.  The private copies mappings made of the cut pages go too
 * (truncate_pagecache() unmaps even COWed pages): ms_mm_file_truncated()
 * does that for each address space.
 *
 *   EINVAL  f not opened for writing (do_ftruncate()), size negative
 */
int ms_file_truncate(const struct ms_mm *mm, struct ms_file *f, uint64_t size)
{
	struct ms__content *c = f->c;
	uint64_t ps = mm->page_size, npages;

	if (!f->writable || size > INT64_MAX)
		return -EINVAL;
	npages = (size + ps - 1) / ps;
	if (npages < c->npages)
		ms__content_punch(c, npages, c->npages - npages);
	c->npages = npages;
	return 0;
}

/*
 * fallocate(2) on f (vfs_fallocate(), shmem_fallocate()): PUNCH_HOLE
 * (with KEEP_SIZE) makes the range read as zeros in the file and in
 * shared mappings, while private copies stay (the punch unmaps without
 * even_cows); mode 0 or KEEP_SIZE allocates, growing the file unless
 * KEEP_SIZE.  The model keeps whole pages: a punch that covers part of
 * a page leaves it mixed ('*') unless it held zeros.
 *
 *   EINVAL      off negative or len not positive
 *   EBADF       f not opened for writing
 *   EOPNOTSUPP  PUNCH_HOLE without KEEP_SIZE, or any other mode
 */
int ms_file_fallocate(const struct ms_mm *mm, struct ms_file *f, int mode,
		      uint64_t off, uint64_t len)
{
	struct ms__content *c = f->c;
	uint64_t ps = mm->page_size, first, last;

	if (off > INT64_MAX || len == 0 || len > INT64_MAX)
		return -EINVAL;
	if (!f->writable)
		return -EBADF;
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	if (!(mode & FALLOC_FL_PUNCH_HOLE)) {
		if (!(mode & FALLOC_FL_KEEP_SIZE) &&
		    (off + len + ps - 1) / ps > c->npages)
			c->npages = (off + len + ps - 1) / ps;
		return 0;
	}
	first = (off + ps - 1) / ps;
	last = (off + len) / ps;
	if (last > c->npages)
		last = c->npages;
	if (first < last)
		ms__content_punch(c, first, last - first);
	/* Pages the hole covers only in part. */
	for (uint64_t pg = off / ps; pg < (off + len + ps - 1) / ps &&
				       pg < c->npages; pg++) {
		char d = ms__content_read(c, pg);

		if ((pg < first || pg >= last) && d != '0')
			ms__content_write(c, pg, '*');
	}
	return 0;
}

/*
 * pwrite(2) of pattern page by page from off ('.' skips one page): the
 * file grows to hold what is written.  Returns the bytes written.
 *
 *   EBADF   f not opened for writing
 *   EINVAL  off negative
 *   ENOMEM  no memory for the page records
 */
int64_t ms_file_pwrite(const struct ms_mm *mm, struct ms_file *f,
		       const char *pattern, uint64_t off)
{
	struct ms__content *c = f->c;
	uint64_t ps = mm->page_size;
	int64_t done = 0;

	if (!f->writable)
		return -EBADF;
	if (off > INT64_MAX)
		return -EINVAL;
	for (size_t i = 0; pattern[i]; i++) {
		uint64_t pos = off + i * ps, pg = pos / ps;
		char d = pattern[i] == '0' ? '0' : pattern[i];
		int r;

		if (pattern[i] == '.')
			continue;
		if ((pos + ps + ps - 1) / ps > c->npages)
			c->npages = (pos + ps + ps - 1) / ps;
		/* A write that straddles two pages mixes both. */
		if (pos % ps) {
			r = ms__content_write(c, pg, '*');
			if (r == 0)
				r = ms__content_write(c, pg + 1, '*');
		} else {
			r = ms__content_write(c, pg, d);
		}
		if (r < 0)
			return done ? done : r;
		done += (int64_t)ps;
	}
	return done;
}

/*
 * After f was truncated: private copies in mm of pages past f's new end
 * are gone (unmap_mapping_range(..., even_cows = 1)), so the pages fault
 * with SIGBUS, sealed or not.
 */
void ms_mm_file_truncated(struct ms_mm *mm, const struct ms_file *f)
{
	for (struct ms__vma *v = ms__vma_first(mm); v; v = ms__vma_next(mm, v)) {
		uint64_t start = ms__vma_start(v), eof;

		if (!v->file || v->file->c != f->c ||
		    (v->flags & MS__VM_SHARED))
			continue;
		/* The first address of v at or past the end of the file. */
		if (f->c->npages <= v->pgoff)
			eof = start;
		else if (f->c->npages - v->pgoff >= ms__pages(mm, v->end - start))
			continue;
		else
			eof = start + ((f->c->npages - v->pgoff)
				       << mm->cfg.page_shift);
		ms__zap(mm, eof, v->end, MS__PTE_PAGE);
	}
}

// SPDX-License-Identifier: MIT
/*
 * Lazy page state.  Two kinds of records exist, and only where something
 * happened:
 *
 *   - the mm's page table (struct ms__pte, by virtual page number): a
 *     private page with contents (anonymous memory that was written, or a
 *     copy-on-write copy of a file page) and/or a guard marker.  Records
 *     belong to addresses, not to VMAs, so splitting or merging a VMA
 *     touches no page; munmap and mremap move or drop the records of their
 *     range, as the kernel zaps or moves page tables.
 *   - a content object's pages (struct ms__cpage, by page offset): a file,
 *     shared anonymous memory, a special mapping.  Pages without a record
 *     read as the object's fill token (zeros); pages at or past its size
 *     are beyond end of file.
 *
 * A 1 TiB mapping therefore costs one VMA record until it is written.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"

static struct ms__pte *pte_of(struct ms__node *n)
{
	return n ? ms__container(n, struct ms__pte, node) : NULL;
}

struct ms__pte *ms__pte_get(const struct ms_mm *mm, uint64_t vpn)
{
	struct ms__pte *p = pte_of(ms__tree_le(&mm->ptes, vpn));

	return p && p->node.key == vpn ? p : NULL;
}

struct ms__pte *ms__pte_get_or_add(struct ms_mm *mm, uint64_t vpn)
{
	struct ms__pte *p = ms__pte_get(mm, vpn);

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->node.key = vpn;
	ms__tree_insert(&mm->ptes, &p->node);
	mm->bytes += sizeof(*p);
	return p;
}

void ms__pte_drop(struct ms_mm *mm, struct ms__pte *p)
{
	ms__tree_erase(&mm->ptes, &p->node);
	mm->bytes -= sizeof(*p);
	free(p);
}

/*
 * Clears the record bits `which` (MS__PTE_PAGE: private contents,
 * MS__PTE_GUARD: guard markers) in [start, end); records left empty go.
 */
void ms__zap(struct ms_mm *mm, uint64_t start, uint64_t end, uint8_t which)
{
	uint64_t last = ms__pages(mm, end);
	struct ms__pte *p = pte_of(ms__tree_ge(&mm->ptes,
					       ms__pages(mm, start)));

	while (p && p->node.key < last) {
		struct ms__pte *n = pte_of(ms__tree_next(&p->node));

		p->flags &= (uint8_t)~which;
		if (!p->flags)
			ms__pte_drop(mm, p);
		p = n;
	}
}

/*
 * move_page_tables(): the records of [from, from+len) move to [to, ...),
 * whose own records must already be gone.  Returns 0 or -ENOMEM.
 */
int ms__move_ptes(struct ms_mm *mm, uint64_t from, uint64_t to, uint64_t len)
{
	uint64_t first = ms__pages(mm, from), last = ms__pages(mm, from + len);
	uint64_t dst = ms__pages(mm, to);
	struct ms__pte *p = pte_of(ms__tree_ge(&mm->ptes, first));
	struct ms__pte *moved = NULL;

	/* Unlink first, relink after, so that ranges may overlap. */
	while (p && p->node.key < last) {
		struct ms__pte *n = pte_of(ms__tree_next(&p->node));

		ms__tree_erase(&mm->ptes, &p->node);
		p->node.key = p->node.key - first + dst;
		p->node.parent = moved ? &moved->node : NULL;
		moved = p;
		p = n;
	}
	while (moved) {
		struct ms__pte *n = pte_of(moved->node.parent);

		ms__tree_insert(&mm->ptes, &moved->node);
		moved = n;
	}
	return 0;
}

/* ------------------------------------------------------------------ */

static struct ms__cpage *cpage_of(struct ms__node *n)
{
	return n ? ms__container(n, struct ms__cpage, node) : NULL;
}

static uint64_t ms__content_ids;

struct ms__content *ms__content_new(struct ms_mm *mm,
				    enum ms__content_kind kind,
				    uint64_t npages, char fill)
{
	struct ms__content *c = calloc(1, sizeof(*c));

	(void)mm;
	if (!c)
		return NULL;
	c->kind = kind;
	c->npages = npages;
	c->fill = fill;
	/* Only told apart within one trace: any distinct number will do. */
	c->id = __atomic_add_fetch(&ms__content_ids, 1, __ATOMIC_RELAXED);
	return c;
}

static void content_free_pages(struct ms__content *c)
{
	struct ms__node *n;

	while ((n = c->pages.root)) {
		ms__tree_erase(&c->pages, n);
		free(cpage_of(n));
	}
}

void ms__content_put(struct ms__content *c)
{
	if (--c->refs > 0)
		return;
	content_free_pages(c);
	free(c);
}

static struct ms__cpage *cpage_get(const struct ms__content *c, uint64_t pgoff)
{
	struct ms__cpage *p = cpage_of(ms__tree_le(&c->pages, pgoff));

	return p && p->node.key == pgoff ? p : NULL;
}

/* The token of page pgoff, or '!' beyond end of file. */
char ms__content_read(const struct ms__content *c, uint64_t pgoff)
{
	struct ms__cpage *p;

	if (pgoff >= c->npages)
		return '!';
	p = cpage_get(c, pgoff);
	return p ? p->data : c->fill;
}

bool ms__content_resident(const struct ms__content *c, uint64_t pgoff)
{
	return pgoff < c->npages && (cpage_get(c, pgoff) || c->fill != '0');
}

/* Stores data into page pgoff: 0, -EFAULT (beyond EOF), -ENOMEM. */
int ms__content_write(struct ms__content *c, uint64_t pgoff, char data)
{
	struct ms__cpage *p;

	if (pgoff >= c->npages)
		return -EFAULT;
	p = cpage_get(c, pgoff);
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return -ENOMEM;
		p->node.key = pgoff;
		ms__tree_insert(&c->pages, &p->node);
	}
	p->data = data;
	return 0;
}

/* fallocate(PUNCH_HOLE): the pages read as zeros again. */
void ms__content_punch(struct ms__content *c, uint64_t pgoff, uint64_t npages)
{
	struct ms__cpage *p = cpage_of(ms__tree_ge(&c->pages, pgoff));

	while (p && p->node.key < pgoff + npages) {
		struct ms__cpage *n = cpage_of(ms__tree_next(&p->node));

		ms__tree_erase(&c->pages, &p->node);
		free(p);
		p = n;
	}
}

struct ms_file *ms__file_new(struct ms__content *c, bool writable)
{
	struct ms_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->refs = 1;
	f->c = c;
	f->writable = writable;
	c->refs++;
	return f;
}

void ms__file_get(struct ms_file *f)
{
	f->refs++;
}

void ms_file_put(struct ms_file *f)
{
	if (!f || --f->refs > 0)
		return;
	ms__content_put(f->c);
	free(f);
}

int ms_file_memfd(const struct ms_mm *mm, uint64_t size, const char *pattern,
		  struct ms_file **out)
{
	uint64_t npages = (size + mm->page_size - 1) >> mm->cfg.page_shift;
	struct ms__content *c;
	size_t n = pattern ? strlen(pattern) : 0;

	*out = NULL;
	if (!size)
		return -EINVAL;
	c = ms__content_new(NULL, MS__CONTENT_MEMFD, npages, '0');
	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < n && i < npages; i++) {
		if (pattern[i] == '0' || pattern[i] == '.')
			continue;
		if (ms__content_write(c, i, pattern[i]) < 0) {
			ms__content_put(c);
			return -ENOMEM;
		}
	}
	*out = ms__file_new(c, true);
	if (!*out) {
		c->refs = 1;
		ms__content_put(c);
		return -ENOMEM;
	}
	return 0;
}

int ms_file_reopen(struct ms_file *f, bool writable, struct ms_file **out)
{
	*out = ms__file_new(f->c, writable);
	return *out ? 0 : -ENOMEM;
}

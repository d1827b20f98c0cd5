// SPDX-License-Identifier: MIT
/*
 * The VMA index: a B+tree keyed by vm_start, with the records themselves
 * in an arena.  It replaces a binary tree because at a million VMAs the
 * binary tree's descent was some 20 dependent cache misses per lookup
 * (78% of the time of a mixed call stream, perf); here a lookup touches
 * about four internal nodes, which stay in cache, and one leaf.
 *
 *   - A leaf holds up to LEAF_MAX VMAs in order: their starts and ends
 *     (copies of the records', so that searching and gap tracking never
 *     touch a record) and pointers to the records.  Leaves are linked,
 *     and a cursor remembers the leaf and slot of the last VMA returned,
 *     so next/prev from it are O(1).
 *   - An internal node holds, for each child, its first start, its last
 *     end and the largest gap between two VMAs inside it: the kernel's
 *     maple tree keeps the same per-subtree gap, which makes the top-down
 *     search for free space O(log n) instead of O(gaps crossed).  The
 *     first starts lead every descent and are kept exact; the last ends
 *     and gaps only the search reads, so a change marks its node's entry
 *     stale, and its parent's, up to the root (stopping at the first
 *     already stale), and the search brings the stale entries up to date
 *     first.  Most calls never search (MAP_FIXED, mprotect, madvise,
 *     munmap), and carrying the gaps up at every change was a tenth of
 *     the time of a call.
 *   - Records and nodes come from an arena of growing blocks (huge pages
 *     from 2 MiB on) and are reused through free lists.  Node splits
 *     never fail: ms__vt_reserve() fills the free lists beforehand (a
 *     split needs at most one node per level and a new root).
 *
 * Only ms__vma_set_start/ms__vma_set_end (vma.c) change a VMA's extent,
 * and they tell the tree (ms__vt_moved).  A change may briefly make two
 * neighbours overlap (a merge moves one boundary, then the other): gaps
 * are then 0, never negative.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "model/model.h"

#define LEAF_MAX 32
#define NODE_MAX 16

struct ms__bnode {
	struct ms__inode *parent;
	int n;
	int slot;	/* its index in parent, when nothing moved it */
	bool stale;	/* its bit in parent->stale, read without a search */
};

struct ms__leaf {
	struct ms__bnode h;
	struct ms__leaf *prev, *next;
	uint64_t start[LEAF_MAX];	/* UINT64_MAX past the last VMA */
	/* Each VMA's end beside its record: a lookup reads both. */
	struct {
		uint64_t end;
		struct ms__vma *vma;
	} e[LEAF_MAX];
};

struct ms__inode {
	struct ms__bnode h;
	/* The child's first vm_start; UINT64_MAX past the last child. */
	uint64_t min[NODE_MAX];
	uint64_t max_end[NODE_MAX];	/* the child's last vm_end */
	uint64_t gap[NODE_MAX];		/* the largest gap inside the child */
	struct ms__bnode *child[NODE_MAX];
	/* Bit i: max_end[i] and gap[i] may be out of date.  A node with a
	 * bit set has its own set in its parent, so a node whose entry is
	 * not stale heads a subtree whose entries are all exact. */
	uint32_t stale;
};

struct summary {
	uint64_t min, max_end, gap;
};

static uint64_t gap_between(uint64_t end, uint64_t start)
{
	return start > end ? start - end : 0;
}

static uint64_t max3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a > b ? a : b;

	return m > c ? m : c;
}

/* ------------------------------------------------------------------ */
/* Memory: an arena of blocks for nodes and records                    */

/*
 * Nodes and records are carved from blocks.  Each new block is an eighth
 * of what the arena already holds (at least BLOCK_MIN, at most
 * BLOCK_MAX), so the part of the newest block not yet used is never more
 * than a ninth of the arena: memory per VMA stays near the records' and
 * nodes' own size at every count (from a hundred VMAs on, at most 115
 * bytes a VMA, index included, whatever the order of the inserts), not
 * just right after a doubling.  Blocks of BLOCK_MAX (2 MiB) are mapped
 * 2 MiB-aligned and asked to be backed by a huge page, which saves a TLB
 * miss on most accesses at a million VMAs.  No per-object allocator
 * header: what is freed goes to a free list of its kind and is reused.
 * Records are packed at 8 bytes, nodes start on a cache line.
 */
#define BLOCK_MIN (2u << 10)
#define BLOCK_MAX (2u << 20)

struct block {
	struct block *next;
	size_t size, used;
};

/* A 2 MiB-aligned block of BLOCK_MAX bytes: map twice that, trim. */
static void *huge_block(void)
{
	char *p = mmap(NULL, 2 * (size_t)BLOCK_MAX, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t head;

	if (p == MAP_FAILED)
		return NULL;
	head = (BLOCK_MAX - (uintptr_t)p % BLOCK_MAX) % BLOCK_MAX;
	if (head)
		munmap(p, head);
	munmap(p + head + BLOCK_MAX, BLOCK_MAX - head);
	madvise(p + head, BLOCK_MAX, MADV_HUGEPAGE);
	return p + head;
}

/* Where size bytes at align fit in b, or 0. */
static size_t block_fit(const struct block *b, size_t size, size_t align)
{
	size_t at = (b->used + align - 1) & ~(align - 1);

	return at + size <= b->size ? at : 0;
}

/*
 * The newest block, or the one before it: a node that did not fit at the
 * end of a block leaves room there that records can still use.
 */
static void *arena_get(struct ms__vmatree *t, size_t size, size_t align)
{
	struct block *b = t->blocks;
	size_t at = 0;

	size = (size + 7) & ~(size_t)7;
	if (b) {
		at = block_fit(b, size, align);
		if (!at && b->next) {
			at = block_fit(b->next, size, align);
			if (at)
				b = b->next;
		}
	}
	if (!at) {
		size_t bs = t->bytes / 8;

		bs = bs < BLOCK_MIN ? BLOCK_MIN : bs > BLOCK_MAX ? BLOCK_MAX :
		     (bs + 1023) & ~(size_t)1023;
		b = bs == BLOCK_MAX ? huge_block() : malloc(bs);
		if (!b)
			return NULL;
		b->next = t->blocks;
		b->size = bs;
		t->blocks = b;
		t->bytes += bs;
		at = 64;	/* the header, keeping nodes 64-aligned */
	}
	b->used = at + size;
	return (char *)b + at;
}

static void *node_get(struct ms__vmatree *t, bool leaf)
{
	void **list = leaf ? &t->free_leaves : &t->free_inodes;
	size_t size = leaf ? sizeof(struct ms__leaf) : sizeof(struct ms__inode);
	void *x = *list;

	if (x) {
		*list = *(void **)x;
		if (leaf)
			t->nfree_leaves--;
		else
			t->nfree_inodes--;
	} else {
		x = arena_get(t, size, 64);
		if (!x)
			return NULL;
	}
	memset(x, 0, size);
	if (leaf)
		for (int i = 0; i < LEAF_MAX; i++)
			((struct ms__leaf *)x)->start[i] = UINT64_MAX;
	else
		for (int i = 0; i < NODE_MAX; i++)
			((struct ms__inode *)x)->min[i] = UINT64_MAX;
	return x;
}

static void node_put(struct ms__vmatree *t, void *x, bool leaf)
{
	void **list = leaf ? &t->free_leaves : &t->free_inodes;

	*(void **)x = *list;
	*list = x;
	if (leaf)
		t->nfree_leaves++;
	else
		t->nfree_inodes++;
}

static int reserve_one(struct ms__vmatree *t, bool leaf, int want)
{
	while ((leaf ? t->nfree_leaves : t->nfree_inodes) < want) {
		void *x = arena_get(t, leaf ? sizeof(struct ms__leaf) :
					      sizeof(struct ms__inode), 64);

		if (!x)
			return -ENOMEM;
		node_put(t, x, leaf);
	}
	return 0;
}

static struct ms__leaf *descend(const struct ms__vmatree *t, uint64_t key);

/* The internal nodes an insert into leaf l may need: one per full level. */
static int inodes_needed(const struct ms__leaf *l)
{
	const struct ms__inode *p = l->h.parent;
	int n = 1;

	if (l->h.n < LEAF_MAX)
		return 0;
	for (; p && p->h.n == NODE_MAX; p = p->h.parent)
		n++;
	return p ? n - 1 : n;
}

/*
 * Makes the next insert of a VMA starting at (or just below) key unable
 * to fail: a leaf and an internal node per full level above it, plus a
 * new root, when its leaf is full.  The leaf before is counted too, for
 * a VMA split off below one that starts a leaf.  Returns 0 or -ENOMEM.
 * Reserving only what the insert can use keeps small trees small.
 */
int ms__vt_reserve(struct ms__vmatree *t, uint64_t key)
{
	struct ms__leaf *l;
	int inodes = 0, r;

	if (t->root) {
		l = descend(t, key);
		inodes = inodes_needed(l);
		if (l->prev && inodes_needed(l->prev) > inodes)
			inodes = inodes_needed(l->prev);
		if (!inodes && (l->h.n < LEAF_MAX &&
				(!l->prev || l->prev->h.n < LEAF_MAX)))
			return 0;
	}
	r = reserve_one(t, true, 1);
	return r ? r : reserve_one(t, false, inodes);
}

struct ms__vma *ms__vt_alloc(struct ms__vmatree *t)
{
	struct ms__vma *v = t->free_vmas;

	if (v)
		t->free_vmas = *(struct ms__vma **)(void *)v;
	else
		v = arena_get(t, sizeof(*v), 8);
	if (v)
		memset(v, 0, sizeof(*v));
	return v;
}

/* A freed record's first word links the free list. */
void ms__vt_free(struct ms__vmatree *t, struct ms__vma *v)
{
	*(struct ms__vma **)(void *)v = t->free_vmas;
	t->free_vmas = v;
}

/* Frees everything; the records' file references are the caller's. */
void ms__vt_destroy(struct ms__vmatree *t)
{
	struct block *b = t->blocks;

	while (b) {
		struct block *n = b->next;

		if (b->size == BLOCK_MAX)
			munmap(b, BLOCK_MAX);
		else
			free(b);
		b = n;
	}
	memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------------ */
/* Summaries                                                           */

static struct summary leaf_summary(const struct ms__leaf *l)
{
	uint64_t g = 0;

	for (int i = 1; i < l->h.n; i++) {
		uint64_t x = gap_between(l->e[i - 1].end, l->start[i]);

		if (x > g)
			g = x;
	}
	return (struct summary){ l->start[0], l->e[l->h.n - 1].end, g };
}

static struct summary inode_summary(const struct ms__inode *p)
{
	uint64_t g = p->gap[0];

	for (int i = 1; i < p->h.n; i++)
		g = max3(g, p->gap[i],
			 gap_between(p->max_end[i - 1], p->min[i]));
	return (struct summary){ p->min[0], p->max_end[p->h.n - 1], g };
}

static struct summary summary_of(const struct ms__bnode *x, bool leaf)
{
	return leaf ? leaf_summary((const struct ms__leaf *)x) :
		      inode_summary((const struct ms__inode *)x);
}

/* x's index in its parent p: the remembered one when still right. */
static int child_index(const struct ms__inode *p, const struct ms__bnode *x)
{
	int i = x->slot;

	if (i < p->h.n && p->child[i] == x)
		return i;
	for (i = 0; p->child[i] != x; i++)
		;
	((struct ms__bnode *)x)->slot = i;
	return i;
}

static void set_entry(struct ms__inode *p, int i, struct summary s)
{
	p->min[i] = s.min;
	p->max_end[i] = s.max_end;
	p->gap[i] = s.gap;
}

static uint64_t first_start(const struct ms__bnode *x, bool leaf)
{
	return leaf ? ((const struct ms__leaf *)x)->start[0] :
		      ((const struct ms__inode *)x)->min[0];
}

/* Carries x's first start up, as far as it is the first of its parent. */
static void fix_min(struct ms__bnode *x, bool leaf)
{
	uint64_t mn = first_start(x, leaf);

	while (x->parent) {
		struct ms__inode *p = x->parent;
		int i = child_index(p, x);

		if (p->min[i] == mn)
			return;
		p->min[i] = mn;
		if (i)
			return;
		x = &p->h;
	}
}

/* x's extent or gaps changed: its entry and those above it are stale. */
static void mark_stale(struct ms__bnode *x)
{
	while (x->parent && !x->stale) {
		x->stale = true;
		x->parent->stale |= 1u << child_index(x->parent, x);
		x = &x->parent->h;
	}
}

/* Leaf l changed at slot i (an insert, a removal, a moved boundary). */
static void leaf_changed(struct ms__leaf *l, int i)
{
	mark_stale(&l->h);
	if (i == 0)
		fix_min(&l->h, true);
}

/* Brings the max_end and gap entries under x (at height) up to date. */
static void refresh(struct ms__bnode *x, int height)
{
	struct ms__inode *p = (struct ms__inode *)x;

	if (height == 0)
		return;
	while (p->stale) {
		int i = __builtin_ctz(p->stale);

		p->stale &= p->stale - 1;
		p->child[i]->stale = false;
		refresh(p->child[i], height - 1);
		set_entry(p, i, summary_of(p->child[i], height == 1));
	}
}

/* A stale mask with slot i opened (a child inserted there). */
static uint32_t stale_open(uint32_t mask, int i)
{
	return (mask & ((1u << i) - 1)) | (mask >> i << (i + 1));
}

/* A stale mask with slot i closed (its child removed). */
static uint32_t stale_close(uint32_t mask, int i)
{
	return (mask & ((1u << i) - 1)) | (mask >> (i + 1) << i);
}

/* ------------------------------------------------------------------ */
/* Lookup                                                              */

/*
 * The searches of a node halve the slots once or twice (a leaf's 32 down
 * to 8, an internal node's 16 down to 8), then count the starts <= key
 * among those left.  Starts are padded with UINT64_MAX past the last
 * entry, so halving and count run over a fixed number of them:
 * unrolled, no branch, and the count's loads independent of each other.
 * A binary search is a chain of dependent loads and compares (4 or 5 of
 * them per node, some 8 cycles each even in L1), and a descent through
 * a tree of a few thousand VMAs, out of L1 for a random address, was
 * then a third of the time of a call.  The count's adds go to two sums,
 * as each add waits for the one before.  A descent also fetches the
 * lines of the child pointers along with the starts, not after them.
 */
_Static_assert(NODE_MAX == 16 && LEAF_MAX == 32, "unrolled below");

#define PREFETCH_LINES(a, size)                                             \
	do {                                                                \
		for (size_t o_ = 0; o_ < (size); o_ += 64)                  \
			__builtin_prefetch((const char *)(a) + o_);         \
	} while (0)

/*
 * Which child of p a descent for key enters: the last whose first start
 * is <= key, or the first when key is below them all.
 */
static int child_le(const struct ms__inode *p, uint64_t key)
{
	const uint64_t *a = p->min + (p->min[NODE_MAX / 2] <= key ?
				      NODE_MAX / 2 : 0);
	int c = 0, d = 0;

#pragma GCC unroll 4
	for (int i = 0; i < NODE_MAX / 4; i++) {
		c += a[i] <= key;
		d += a[i + NODE_MAX / 4] <= key;
	}
	c += d + (int)(a - p->min);
	/* Past the last child only for key == UINT64_MAX. */
	c = c < p->h.n ? c : p->h.n;
	return c ? c - 1 : 0;
}

/* The last slot of l whose start is <= key, or -1. */
static int slot_le(const struct ms__leaf *l, uint64_t key)
{
	const uint64_t *a = l->start + (l->start[LEAF_MAX / 2] <= key ?
					LEAF_MAX / 2 : 0);
	int c = 0, d = 0;

	a += a[LEAF_MAX / 4] <= key ? LEAF_MAX / 4 : 0;
#pragma GCC unroll 4
	for (int i = 0; i < LEAF_MAX / 8; i++) {
		c += a[i] <= key;
		d += a[i + LEAF_MAX / 8] <= key;
	}
	c += d + (int)(a - l->start);
	return (c < l->h.n ? c : l->h.n) - 1;
}

/*
 * Is l the leaf a descent for key ends in: the last leaf whose first
 * start is <= key, or the first leaf when key is below them all?
 */
static bool leaf_holds(const struct ms__leaf *l, uint64_t key)
{
	return (!l->prev || l->start[0] <= key) &&
	       (!l->next || key < l->next->start[0]);
}

/*
 * The leaf whose range holds key (the first leaf when key is smaller).
 * The leaf the last lookup ended in is tried first, as the kernel's
 * per-mm vmacache was: calls come near the VMAs the previous calls
 * touched (a scenario works on a few neighbouring mappings), and then
 * the descent through the internal nodes is skipped.  The hint is only
 * a guess, checked against the leaf's neighbours each time; a freed
 * leaf is never left in it.  It is written through a const tree: an mm
 * is never used by two threads at once (see sealspec-model.h).
 */
static struct ms__leaf *descend(const struct ms__vmatree *t, uint64_t key)
{
	struct ms__bnode *x = t->root;

	if (t->hint) {
		struct ms__leaf *h = t->hint;

		if (leaf_holds(h, key))
			return h;
		/* Or the leaf on either side of it. */
		h = key < h->start[0] ? h->prev : h->next;
		if (h && leaf_holds(h, key)) {
			((struct ms__vmatree *)t)->hint = h;
			return h;
		}
	}
	for (int h = t->height; h > 0; h--) {
		const struct ms__inode *p = (const struct ms__inode *)x;

		PREFETCH_LINES(p->min, sizeof(p->min));
		PREFETCH_LINES(p->child, sizeof(p->child));
		x = p->child[child_le(p, key)];
	}
	PREFETCH_LINES(((struct ms__leaf *)x)->start,
		       sizeof(((struct ms__leaf *)x)->start));
	((struct ms__vmatree *)t)->hint = (struct ms__leaf *)x;
	return (struct ms__leaf *)x;
}

/*
 * The cursor: the leaf and slot of the VMA a lookup or a walk returned
 * last.  Calls walk from the VMA they found to its neighbours, split it,
 * change it, remove it: each of those starts from where the last one
 * ended.  Checked before use (a slot moves when its leaf changes), and
 * cleared when its leaf is freed.
 */
static struct ms__vma *remember(const struct ms__vmatree *t,
				struct ms__leaf *l, int i)
{
	struct ms__vmatree *w = (struct ms__vmatree *)t;

	w->cur_leaf = l;
	w->cur_slot = i;
	return l->e[i].vma;
}

/*
 * The leaf and slot of v, whose start in the index is key (v->start, or
 * the old start while the index catches up with a move): the cursor's,
 * or the descent for key ends in its leaf, usually at once through the
 * hint.
 */
static struct ms__leaf *leaf_of(const struct ms__vmatree *t,
				const struct ms__vma *v, uint64_t key,
				int *slot)
{
	struct ms__leaf *l = t->cur_leaf;
	int i = t->cur_slot;

	/* The cursor's VMA, or one of its two neighbours in the leaf:
	 * slots past the last VMA hold stale pointers, never v. */
	if (l) {
		int j = l->e[i].vma == v ? i :
			i + 1 < LEAF_MAX && l->e[i + 1].vma == v ? i + 1 :
			i > 0 && l->e[i - 1].vma == v ? i - 1 : -1;

		if (j >= 0 && j < l->h.n) {
			*slot = j;
			remember(t, l, j);
			return l;
		}
	}
	l = descend(t, key);
	i = slot_le(l, key);

	if (i < 0 || l->e[i].vma != v) {
		/* Not reached while the index's starts are distinct and in
		 * order, which the checker makes sure of; a scan of the
		 * neighbourhood rather than a wrong answer. */
		struct ms__leaf *c[3] = { l->prev, l, l->next };

		for (int k = 0; k < 3; k++)
			for (i = 0; c[k] && i < c[k]->h.n; i++)
				if (c[k]->e[i].vma == v) {
					*slot = i;
					remember(t, c[k], i);
					return c[k];
				}
		abort();
	}
	*slot = i;
	remember(t, l, i);
	return l;
}

struct ms__vma *ms__vt_first(const struct ms__vmatree *t)
{
	return t->first ? t->first->e[0].vma : NULL;
}

/* The last VMA starting at or below key. */
struct ms__vma *ms__vt_le(const struct ms__vmatree *t, uint64_t key)
{
	struct ms__leaf *l;
	int i;

	if (!t->root)
		return NULL;
	l = descend(t, key);
	i = slot_le(l, key);
	return i >= 0 ? remember(t, l, i) : NULL;
}

/* find_vma(): the first VMA that ends above addr. */
struct ms__vma *ms__vt_find_from(const struct ms__vmatree *t, uint64_t addr)
{
	struct ms__leaf *l;
	int i;

	if (!t->root)
		return NULL;
	l = descend(t, addr);
	i = slot_le(l, addr);
	if (i >= 0 && l->e[i].end > addr)
		return remember(t, l, i);
	if (++i < l->h.n)
		return remember(t, l, i);
	return l->next ? remember(t, l->next, 0) : NULL;
}

/* The walks to a neighbour leaf move the hint along with them. */
struct ms__vma *ms__vt_next(const struct ms__vmatree *t,
			    const struct ms__vma *v)
{
	struct ms__leaf *l = t->cur_leaf;
	int i = t->cur_slot;

	/* The usual walk: v is the cursor's and not last in its leaf. */
	if (l && i + 1 < l->h.n && l->e[i].vma == v)
		return remember(t, l, i + 1);
	l = leaf_of(t, v, v->start, &i);

	if (++i < l->h.n)
		return remember(t, l, i);
	if (!l->next)
		return NULL;
	((struct ms__vmatree *)t)->hint = l->next;
	return remember(t, l->next, 0);
}

struct ms__vma *ms__vt_prev(const struct ms__vmatree *t,
			    const struct ms__vma *v)
{
	int i;
	struct ms__leaf *l = leaf_of(t, v, v->start, &i);

	if (i > 0)
		return remember(t, l, i - 1);
	if (!l->prev)
		return NULL;
	((struct ms__vmatree *)t)->hint = l->prev;
	return remember(t, l->prev, l->prev->h.n - 1);
}

/* ------------------------------------------------------------------ */
/* Insertion                                                           */

static void leaf_put(struct ms__leaf *l, int i, struct ms__vma *v)
{
	l->start[i] = v->start;
	l->e[i].end = v->end;
	l->e[i].vma = v;
}

/* Hangs r right after l (same level) below their parent, splitting up. */
static void insert_child(struct ms__vmatree *t, struct ms__bnode *l,
			 struct ms__bnode *r, bool leaves)
{
	struct ms__inode *p = l->parent, *q;
	int i;

	if (!p) {
		p = node_get(t, false);
		p->h.n = 2;
		p->child[0] = l;
		p->child[1] = r;
		p->min[0] = first_start(l, leaves);
		p->min[1] = first_start(r, leaves);
		l->parent = r->parent = p;
		p->stale = 3u;
		l->stale = r->stale = true;
		t->root = &p->h;
		t->height++;
		return;
	}
	i = child_index(p, l);
	if (p->h.n == NODE_MAX) {
		int half = NODE_MAX / 2;

		q = node_get(t, false);
		q->h.n = NODE_MAX - half;
		memcpy(q->min, p->min + half, sizeof(uint64_t) * (size_t)q->h.n);
		memcpy(q->max_end, p->max_end + half,
		       sizeof(uint64_t) * (size_t)q->h.n);
		memcpy(q->gap, p->gap + half, sizeof(uint64_t) * (size_t)q->h.n);
		memcpy(q->child, p->child + half,
		       sizeof(q->child[0]) * (size_t)q->h.n);
		for (int k = 0; k < q->h.n; k++)
			q->child[k]->parent = q;
		for (int k = half; k < NODE_MAX; k++)
			p->min[k] = UINT64_MAX;
		q->stale = p->stale >> half;
		p->stale &= (1u << half) - 1;
		p->h.n = half;
		insert_child(t, &p->h, &q->h, false);
		if (i >= half) {
			i -= half;
			p = q;
		}
	}
	memmove(p->min + i + 2, p->min + i + 1,
		sizeof(uint64_t) * (size_t)(p->h.n - i - 1));
	memmove(p->max_end + i + 2, p->max_end + i + 1,
		sizeof(uint64_t) * (size_t)(p->h.n - i - 1));
	memmove(p->gap + i + 2, p->gap + i + 1,
		sizeof(uint64_t) * (size_t)(p->h.n - i - 1));
	memmove(p->child + i + 2, p->child + i + 1,
		sizeof(p->child[0]) * (size_t)(p->h.n - i - 1));
	p->h.n++;
	p->child[i + 1] = r;
	r->parent = p;
	p->min[i] = first_start(l, leaves);
	p->min[i + 1] = first_start(r, leaves);
	p->stale = stale_open(p->stale, i + 1) | 3u << i;
	l->stale = r->stale = true;
	mark_stale(&p->h);
	if (i == 0)
		fix_min(&p->h, false);
}

/* Inserts v at slot i of l; leaf_changed() is the caller's. */
static void leaf_insert_at(struct ms__leaf *l, int i, struct ms__vma *v)
{
	if (i < l->h.n) {
		memmove(l->start + i + 1, l->start + i,
			sizeof(uint64_t) * (size_t)(l->h.n - i));
		memmove(l->e + i + 1, l->e + i,
			sizeof(l->e[0]) * (size_t)(l->h.n - i));
	}
	l->h.n++;
	leaf_put(l, i, v);
}

/*
 * The leaf and slot a VMA starting at key goes to, as a descent finds
 * them: beside the cursor's VMA when key falls just after or just before
 * it in its leaf (a split inserts its new piece beside the VMA it
 * split, which the cursor holds), else by descent.
 */
static struct ms__leaf *insert_pos(const struct ms__vmatree *t,
				   uint64_t key, int *slot)
{
	struct ms__leaf *l = t->cur_leaf;
	int i = t->cur_slot;

	if (l && i < l->h.n) {
		if (l->start[i] < key &&
		    (i + 1 < l->h.n ? key < l->start[i + 1] :
				      !l->next || key < l->next->start[0])) {
			*slot = i + 1;
			return l;
		}
		if (i > 0 && l->start[i - 1] < key && key < l->start[i]) {
			*slot = i;
			return l;
		}
	}
	l = descend(t, key);
	*slot = slot_le(l, key) + 1;
	return l;
}

/*
 * Inserts v (v->start, v->end set).  ms__vt_reserve() must have run.  A
 * full leaf splits in halves, except when v goes at its very end: then v
 * starts a new leaf and the full one stays full, so that mapping upwards
 * (how address spaces and benchmarks grow) packs the leaves.
 */
void ms__vt_insert(struct ms__vmatree *t, struct ms__vma *v)
{
	struct ms__leaf *l, *r;
	int i;

	t->count++;
	v->state |= MS__VMS_INDEXED;
	if (!t->root) {
		l = node_get(t, true);
		l->h.n = 1;
		leaf_put(l, 0, v);
		t->root = &l->h;
		t->height = 0;
		t->first = l;
		return;
	}
	l = insert_pos(t, v->start, &i);
	if (l->h.n < LEAF_MAX) {
		leaf_insert_at(l, i, v);
		remember(t, l, i);
		leaf_changed(l, i);
		return;
	}
	{
		int keep = i == LEAF_MAX ? LEAF_MAX : LEAF_MAX / 2;

		r = node_get(t, true);
		r->h.n = LEAF_MAX - keep;
		for (int k = 0; k < r->h.n; k++) {
			r->start[k] = l->start[keep + k];
			r->e[k] = l->e[keep + k];
		}
		for (int k = keep; k < LEAF_MAX; k++)
			l->start[k] = UINT64_MAX;
		l->h.n = keep;
		r->next = l->next;
		r->prev = l;
		if (l->next)
			l->next->prev = r;
		l->next = r;
		if (i > keep || (i == keep && keep == LEAF_MAX)) {
			leaf_insert_at(r, i - keep, v);
			remember(t, r, i - keep);
		} else {
			leaf_insert_at(l, i, v);
			remember(t, l, i);
		}
		insert_child(t, &l->h, &r->h, true);
	}
}

/* ------------------------------------------------------------------ */
/* Removal                                                             */

/* Takes x (empty) out of its parent, collapsing nodes left empty. */
static void remove_child(struct ms__vmatree *t, struct ms__bnode *x)
{
	struct ms__inode *p = x->parent;
	int i;

	if (!p) {
		t->root = NULL;
		t->height = 0;
		return;
	}
	i = child_index(p, x);
	memmove(p->min + i, p->min + i + 1,
		sizeof(uint64_t) * (size_t)(p->h.n - i - 1));
	memmove(p->max_end + i, p->max_end + i + 1,
		sizeof(uint64_t) * (size_t)(p->h.n - i - 1));
	memmove(p->gap + i, p->gap + i + 1,
		sizeof(uint64_t) * (size_t)(p->h.n - i - 1));
	memmove(p->child + i, p->child + i + 1,
		sizeof(p->child[0]) * (size_t)(p->h.n - i - 1));
	p->h.n--;
	p->min[p->h.n] = UINT64_MAX;
	p->stale = stale_close(p->stale, i);
	if (!p->h.n) {
		remove_child(t, &p->h);
		node_put(t, p, false);
		return;
	}
	mark_stale(&p->h);
	if (i == 0)
		fix_min(&p->h, false);
	/* A root with one child gives way to it. */
	while (t->height > 0 && ((struct ms__inode *)t->root)->h.n == 1) {
		struct ms__inode *root = (struct ms__inode *)t->root;

		t->root = root->child[0];
		t->root->parent = NULL;
		t->root->stale = false;
		t->height--;
		node_put(t, root, false);
	}
}

static void leaf_unlink(struct ms__vmatree *t, struct ms__leaf *l)
{
	if (t->hint == l)
		t->hint = NULL;
	if (t->cur_leaf == l)
		t->cur_leaf = NULL;
	if (l->prev)
		l->prev->next = l->next;
	else
		t->first = l->next;
	if (l->next)
		l->next->prev = l->prev;
	remove_child(t, &l->h);
	node_put(t, l, true);
}

void ms__vt_erase(struct ms__vmatree *t, struct ms__vma *v)
{
	int i;
	struct ms__leaf *l = leaf_of(t, v, v->start, &i), *s;

	t->count--;
	v->state &= (uint8_t)~MS__VMS_INDEXED;
	if (i + 1 < l->h.n) {
		memmove(l->start + i, l->start + i + 1,
			sizeof(uint64_t) * (size_t)(l->h.n - i - 1));
		memmove(l->e + i, l->e + i + 1,
			sizeof(l->e[0]) * (size_t)(l->h.n - i - 1));
	}
	l->h.n--;
	l->start[l->h.n] = UINT64_MAX;
	if (t->cur_leaf == l && t->cur_slot > i)
		t->cur_slot--;
	if (!l->h.n) {
		leaf_unlink(t, l);
		return;
	}
	leaf_changed(l, i);
	/* A quarter-full leaf moves into its right sibling when both fit
	 * in half a leaf, so erasing never leaves the tree mostly empty. */
	s = l->next;
	if (l->h.n <= LEAF_MAX / 4 && s && s->h.parent == l->h.parent &&
	    l->h.n + s->h.n <= LEAF_MAX / 2) {
		memmove(s->start + l->h.n, s->start,
			sizeof(uint64_t) * (size_t)s->h.n);
		memmove(s->e + l->h.n, s->e, sizeof(s->e[0]) * (size_t)s->h.n);
		for (int k = 0; k < l->h.n; k++)
			leaf_put(s, k, l->e[k].vma);
		s->h.n += l->h.n;
		l->h.n = 0;
		leaf_changed(s, 0);
		leaf_unlink(t, l);
	}
}

/* v's start or end changed (its order among the VMAs did not). */
void ms__vt_moved(struct ms__vmatree *t, struct ms__vma *v, uint64_t old_start)
{
	int i;
	struct ms__leaf *l = leaf_of(t, v, old_start, &i);

	l->start[i] = v->start;
	l->e[i].end = v->end;
	leaf_changed(l, i);
}

/* ------------------------------------------------------------------ */
/* The top-down search for free space                                  */

struct search {
	uint64_t low, high, len;
	bool stop;	/* a gap ended below low + len: nothing lower fits */
};

/*
 * Does [gs, ge) hold len bytes below s->high?  Returns the highest such
 * address, or 0; sets s->stop when the gap is already below the floor.
 */
static uint64_t try_gap(struct search *s, uint64_t gs, uint64_t ge)
{
	uint64_t top = ge < s->high ? ge : s->high;

	if (gs < s->low)
		gs = s->low;
	if (top < s->low + s->len) {
		s->stop = true;
		return 0;
	}
	return top >= gs && top - gs >= s->len ? top - s->len : 0;
}

/*
 * The highest fit among the gaps inside x (not the ones before its first
 * VMA or after its last), from the top down, skipping every subtree whose
 * largest gap is too small or which lies above high.
 */
static uint64_t search_in(struct search *s, const struct ms__bnode *x,
			  int height)
{
	if (height == 0) {
		const struct ms__leaf *l = (const struct ms__leaf *)x;

		for (int i = l->h.n - 1; i > 0 && !s->stop; i--) {
			uint64_t a;

			if (l->e[i - 1].end >= s->high)
				continue;
			a = try_gap(s, l->e[i - 1].end, l->start[i]);
			if (a)
				return a;
		}
		return 0;
	}
	const struct ms__inode *p = (const struct ms__inode *)x;

	for (int i = p->h.n - 1; i >= 0 && !s->stop; i--) {
		uint64_t a;

		if (p->min[i] < s->high && p->gap[i] >= s->len) {
			a = search_in(s, p->child[i], height - 1);
			if (a || s->stop)
				return a;
		}
		if (i > 0 && p->max_end[i - 1] < s->high) {
			a = try_gap(s, p->max_end[i - 1], p->min[i]);
			if (a)
				return a;
		}
	}
	return 0;
}

/*
 * unmapped_area_topdown(): the highest address a with [a, a+len) free,
 * low <= a and a + len <= high, or 0.  O(log n): the per-subtree gaps
 * lead the descent.
 */
uint64_t ms__vt_gap_topdown(const struct ms__vmatree *t, uint64_t low,
			    uint64_t high, uint64_t len)
{
	struct search s = { low, high, len, false };
	struct summary all;
	uint64_t a;

	if (high < low || high - low < len)
		return 0;
	if (!t->root)
		return high - len;
	/* Written through a const tree, as the hint is. */
	refresh(t->root, t->height);
	all = summary_of(t->root, t->height == 0);
	/* Above the last VMA. */
	a = try_gap(&s, all.max_end, UINT64_MAX);
	if (a || s.stop)
		return a;
	a = search_in(&s, t->root, t->height);
	if (a || s.stop)
		return a;
	/* Below the first. */
	return try_gap(&s, 0, all.min);
}

/* ------------------------------------------------------------------ */
/* The checker                                                         */

static long check_node(const struct ms__vmatree *t, const struct ms__bnode *x,
		       int height, const struct ms__inode *parent,
		       const struct ms__leaf **prev_leaf)
{
	long count = 0;

	if (x->parent != parent || x->n < 1)
		return -1;
	if (height == 0) {
		const struct ms__leaf *l = (const struct ms__leaf *)x;

		if (l->h.n > LEAF_MAX || l->prev != *prev_leaf ||
		    (*prev_leaf && (*prev_leaf)->next != l) ||
		    (!*prev_leaf && t->first != l))
			return -1;
		for (int i = 0; i < l->h.n; i++) {
			const struct ms__vma *v = l->e[i].vma;

			if (!(v->state & MS__VMS_INDEXED) ||
			    v->start != l->start[i] ||
			    v->end != l->e[i].end ||
			    (i && l->start[i] < l->e[i - 1].end))
				return -1;
		}
		for (int i = l->h.n; i < LEAF_MAX; i++)
			if (l->start[i] != UINT64_MAX)
				return -1;
		if (*prev_leaf && l->start[0] <
				  (*prev_leaf)->e[(*prev_leaf)->h.n - 1].end)
			return -1;
		*prev_leaf = l;
		return l->h.n;
	}
	const struct ms__inode *p = (const struct ms__inode *)x;

	if (p->h.n > NODE_MAX)
		return -1;
	for (int i = 0; i < p->h.n; i++) {
		const struct ms__bnode *ch = p->child[i];
		struct summary s = summary_of(ch, height == 1);
		long c = check_node(t, ch, height - 1, p, prev_leaf);
		bool stale = p->stale >> i & 1;

		/* First starts are exact; the rest where not stale. */
		if (c < 0 || s.min != p->min[i] || ch->stale != stale ||
		    (height > 1 && ((const struct ms__inode *)ch)->stale &&
		     !stale) ||
		    (!stale && (s.max_end != p->max_end[i] ||
				s.gap != p->gap[i])))
			return -1;
		count += c;
	}
	for (int i = p->h.n; i < NODE_MAX; i++)
		if (p->min[i] != UINT64_MAX)
			return -1;
	if (p->stale >> p->h.n)
		return -1;
	return count;
}

/* Order, links, copies and summaries; the number of VMAs, or -1. */
long ms__vt_check(const struct ms__vmatree *t)
{
	const struct ms__leaf *last = NULL;
	long c;

	if (!t->root)
		return t->count || t->first ? -1 : 0;
	c = check_node(t, t->root, t->height, NULL, &last);
	if (c < 0 || (size_t)c != t->count || last->next)
		return -1;
	return c;
}

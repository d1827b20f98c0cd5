// SPDX-License-Identifier: MIT
/*
 * An intrusive AVL tree with parent links, keyed by a 64-bit integer.  The
 * model keeps VMAs (by start address), page records (by page number) and
 * content pages (by page offset) in it: every lookup, insert and erase is
 * O(log n), and next/prev walk in order without a stack.
 *
 * Keys may be changed in place by the caller as long as the order of the
 * nodes does not change (a VMA whose start moves between its neighbours).
 */
#include "model/model.h"

static int height(const struct ms__node *n)
{
	return n ? n->height : 0;
}

static void fix_height(struct ms__node *n)
{
	int l = height(n->left), r = height(n->right);

	n->height = 1 + (l > r ? l : r);
}

/* Puts new where old hung below parent (or at the root). */
static void replace_child(struct ms__tree *t, struct ms__node *parent,
			  struct ms__node *old, struct ms__node *new)
{
	if (!parent)
		t->root = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
	if (new)
		new->parent = parent;
}

static struct ms__node *rotate_left(struct ms__tree *t, struct ms__node *x)
{
	struct ms__node *y = x->right;

	x->right = y->left;
	if (y->left)
		y->left->parent = x;
	replace_child(t, x->parent, x, y);
	y->left = x;
	x->parent = y;
	fix_height(x);
	fix_height(y);
	return y;
}

static struct ms__node *rotate_right(struct ms__tree *t, struct ms__node *x)
{
	struct ms__node *y = x->left;

	x->left = y->right;
	if (y->right)
		y->right->parent = x;
	replace_child(t, x->parent, x, y);
	y->right = x;
	x->parent = y;
	fix_height(x);
	fix_height(y);
	return y;
}

/* Restores heights and balance from n up to the root. */
static void rebalance(struct ms__tree *t, struct ms__node *n)
{
	while (n) {
		int bal;

		fix_height(n);
		bal = height(n->left) - height(n->right);
		if (bal > 1) {
			if (height(n->left->left) < height(n->left->right))
				rotate_left(t, n->left);
			n = rotate_right(t, n);
		} else if (bal < -1) {
			if (height(n->right->right) < height(n->right->left))
				rotate_right(t, n->right);
			n = rotate_left(t, n);
		}
		n = n->parent;
	}
}

void ms__tree_insert(struct ms__tree *t, struct ms__node *n)
{
	struct ms__node *parent = NULL, **link = &t->root;

	while (*link) {
		parent = *link;
		link = n->key < parent->key ? &parent->left : &parent->right;
	}
	n->left = n->right = NULL;
	n->parent = parent;
	n->height = 1;
	*link = n;
	t->count++;
	rebalance(t, parent);
}

void ms__tree_erase(struct ms__tree *t, struct ms__node *n)
{
	struct ms__node *start;

	if (n->left && n->right) {
		/* The successor s has no left child: lift it into n's place. */
		struct ms__node *s = n->right;

		while (s->left)
			s = s->left;
		start = s->parent == n ? s : s->parent;
		if (s->parent != n) {
			replace_child(t, s->parent, s, s->right);
			s->right = n->right;
			s->right->parent = s;
		}
		s->left = n->left;
		s->left->parent = s;
		replace_child(t, n->parent, n, s);
		s->height = n->height;
	} else {
		struct ms__node *child = n->left ? n->left : n->right;

		start = n->parent;
		replace_child(t, n->parent, n, child);
	}
	t->count--;
	rebalance(t, start);
}

struct ms__node *ms__tree_le(const struct ms__tree *t, uint64_t key)
{
	struct ms__node *n = t->root, *best = NULL;

	while (n) {
		if (n->key <= key) {
			best = n;
			n = n->right;
		} else {
			n = n->left;
		}
	}
	return best;
}

struct ms__node *ms__tree_ge(const struct ms__tree *t, uint64_t key)
{
	struct ms__node *n = t->root, *best = NULL;

	while (n) {
		if (n->key >= key) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

struct ms__node *ms__tree_first(const struct ms__tree *t)
{
	struct ms__node *n = t->root;

	while (n && n->left)
		n = n->left;
	return n;
}

struct ms__node *ms__tree_next(const struct ms__node *n)
{
	if (n->right) {
		n = n->right;
		while (n->left)
			n = n->left;
		return (struct ms__node *)n;
	}
	while (n->parent && n->parent->right == n)
		n = n->parent;
	return n->parent;
}

struct ms__node *ms__tree_prev(const struct ms__node *n)
{
	if (n->left) {
		n = n->left;
		while (n->right)
			n = n->right;
		return (struct ms__node *)n;
	}
	while (n->parent && n->parent->left == n)
		n = n->parent;
	return n->parent;
}

static long check_node(const struct ms__node *n, const struct ms__node *parent,
		       int *h)
{
	int hl, hr;
	long cl, cr;

	if (!n) {
		*h = 0;
		return 0;
	}
	if (n->parent != parent)
		return -1;
	if (n->left && n->left->key > n->key)
		return -1;
	if (n->right && n->right->key < n->key)
		return -1;
	cl = check_node(n->left, n, &hl);
	cr = check_node(n->right, n, &hr);
	if (cl < 0 || cr < 0 || hl - hr > 1 || hr - hl > 1)
		return -1;
	*h = 1 + (hl > hr ? hl : hr);
	if (*h != n->height)
		return -1;
	return cl + cr + 1;
}

long ms__tree_check(const struct ms__tree *t)
{
	int h;
	long c = check_node(t->root, NULL, &h);

	if (c < 0 || (size_t)c != t->count)
		return -1;
	return c;
}

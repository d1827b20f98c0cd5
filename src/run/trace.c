// SPDX-License-Identifier: MIT
/*
 * struct ms_trace: the outcomes of one run, in the order they arrived, and
 * their pages in one store beside them, so that an outcome costs its
 * fields, not MS_GRID_MAX pages.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sealspec.h"

void ms_trace_init(struct ms_trace *t)
{
	memset(t, 0, sizeof(*t));
	t->end = MS_END_DONE;
}

/*
 * Room for n more pages.  The store moves when it grows: every outcome's
 * pointer into it moves along.
 */
static int page_room(struct ms_trace *t, int n)
{
	struct ms_page *pages;
	int cap;

	if (t->cap_pages - t->npages >= n)
		return 0;
	cap = t->cap_pages ? t->cap_pages : 256;
	while (cap - t->npages < n) {
		if (cap > (1 << 28))
			return -ENOMEM;
		cap *= 2;
	}
	pages = realloc(t->pages, sizeof(*pages) * (size_t)cap);
	if (!pages)
		return -ENOMEM;
	for (int i = 0; i < t->nout; i++)
		if (t->out[i].pages)
			t->out[i].pages = pages + (t->out[i].pages - t->pages);
	t->pages = pages;
	t->cap_pages = cap;
	return 0;
}

int ms_trace_add(struct ms_trace *t, const struct ms_outcome *o)
{
	struct ms_outcome *mine;
	int err;

	if (o->npages < 0 || o->npages > MS_GRID_MAX ||
	    (o->npages && !o->pages))
		return -EINVAL;
	if (t->nout == t->cap) {
		int cap = t->cap ? t->cap * 2 : 32;
		struct ms_outcome *out =
			realloc(t->out, sizeof(*out) * (size_t)cap);

		if (!out)
			return -ENOMEM;
		t->out = out;
		t->cap = cap;
	}
	err = page_room(t, o->npages);
	if (err)
		return err;
	mine = &t->out[t->nout++];
	*mine = *o;
	mine->pages = NULL;
	if (o->npages) {
		mine->pages = t->pages + t->npages;
		memcpy(mine->pages, o->pages,
		       sizeof(*o->pages) * (size_t)o->npages);
		t->npages += o->npages;
	}
	return 0;
}

void ms_trace_free(struct ms_trace *t)
{
	free(t->out);
	free(t->pages);
	ms_trace_init(t);
}

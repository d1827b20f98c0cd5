// SPDX-License-Identifier: MIT
/* struct ms_trace: the outcomes of one run, in the order they arrived. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sealspec.h"

void ms_trace_init(struct ms_trace *t)
{
	memset(t, 0, sizeof(*t));
	t->end = MS_END_DONE;
}

int ms_trace_add(struct ms_trace *t, const struct ms_outcome *o)
{
	if (t->nout == t->cap) {
		int cap = t->cap ? t->cap * 2 : 32;
		struct ms_outcome *out =
			realloc(t->out, sizeof(*out) * (size_t)cap);

		if (!out)
			return -ENOMEM;
		t->out = out;
		t->cap = cap;
	}
	t->out[t->nout++] = *o;
	return 0;
}

void ms_trace_free(struct ms_trace *t)
{
	free(t->out);
	ms_trace_init(t);
}

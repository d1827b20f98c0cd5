// SPDX-License-Identifier: MIT
/*
 * Comparing two traces of one program, step by step: the kernel's and the
 * model's, or two kernels'.  What is compared is what both targets can
 * know the same way:
 *
 *   - results: values and errnos exactly, except descriptors and SysV ids
 *     (numbers each target hands out its own way: only success or the
 *     errno counts); faults by signal and address;
 *   - page state: every attribute of every observed page, contents where
 *     both sides read them ('?' and '~' say nothing), which file a file
 *     page belongs to (as a one-to-one mapping), and VMA boundaries
 *     as a partition of the observed pages: which neighbouring pages share
 *     a VMA, never the VMA numbers, which are each target's own;
 *   - how the run ended (done, skip, broken).
 */
#include <stdio.h>
#include <string.h>

#include "run/run.h"

static void describe_ret(const struct ms_outcome *o, char *buf, size_t n)
{
	const char *e;

	if (!o) {
		snprintf(buf, n, "nothing");
		return;
	}
	switch (o->kind) {
	case MS_OUT_FAULT:
		snprintf(buf, n, "fault (signal %d at 0x%llx)", o->signo,
			 (unsigned long long)o->fault_addr);
		return;
	case MS_OUT_SKIP:
		snprintf(buf, n, "skip");
		return;
	case MS_OUT_PAGES:
		snprintf(buf, n, "an observation");
		return;
	case MS_OUT_RET:
		break;
	}
	e = o->ret < 0 && o->ret >= -4095 ? ms_errno_name((int)-o->ret) : NULL;
	if (e)
		snprintf(buf, n, "%s", e);
	else if (o->ret < 0 || o->ret > 0xffff)
		snprintf(buf, n, "0x%llx", (unsigned long long)o->ret);
	else
		snprintf(buf, n, "%lld", (long long)o->ret);
}

static bool same_ret(const struct ms_program *p, const struct ms_outcome *a,
		     const struct ms_outcome *b)
{
	const struct ms_step *s = &p->steps[a->step];
	enum ms_ret_kind k = MS_RET_INT;

	if (a->kind != b->kind)
		return false;
	if (a->kind == MS_OUT_FAULT)
		return a->signo == b->signo && a->fault_addr == b->fault_addr;
	if (s->kind == MS_STEP_CALL && (unsigned)s->call < MS_NCALLS)
		k = ms_call_desc[s->call].ret;
	if ((k == MS_RET_FD || k == MS_RET_ID || k == MS_RET_LOCAL) &&
	    a->ret >= 0 && b->ret >= 0)
		return true;
	return a->ret == b->ret;
}

/* The first attribute in which pages pa and pb differ, or -1. */
static int page_differs(const struct ms_page *pa, const struct ms_page *pb)
{
	if (pa->mapped != pb->mapped)
		return MS_ATTR_VMAS;
	if (!pa->mapped)
		return -1;
	if (pa->prot != pb->prot)
		return MS_ATTR_PROT;
	if (pa->sealed != pb->sealed)
		return MS_ATTR_SEAL;
	if (pa->lock != pb->lock)
		return MS_ATTR_LOCK;
	if (pa->inherit != pb->inherit)
		return MS_ATTR_INHERIT;
	if (pa->shared != pb->shared)
		return MS_ATTR_SHARE;
	if (pa->backing != pb->backing ||
	    (pa->backing == MS_BACK_FILE && pa->pgoff != pb->pgoff))
		return MS_ATTR_BACK;
	if (pa->guard != pb->guard)
		return MS_ATTR_GUARD;
	if (pa->pkey != pb->pkey)
		return MS_ATTR_PKEY;
	if (pa->data != pb->data && pa->data != '?' && pb->data != '?' &&
	    pa->data != MS_DATA_UNOBSERVABLE &&
	    pb->data != MS_DATA_UNOBSERVABLE)
		return MS_ATTR_DATA;
	return -1;
}

/*
 * The VMA partition of an observation as a grid: a letter per page that
 * changes where a new VMA starts, '.' where nothing is mapped.
 */
static void partition(const struct ms_outcome *o, char *buf, size_t n)
{
	size_t k = 0;
	char c = 'a' - 1;

	for (int i = 0; i < o->npages && k + 1 < n; i++) {
		const struct ms_page *pg = &o->pages[i];

		if (!pg->mapped) {
			buf[k++] = '.';
			continue;
		}
		if (i == 0 || !o->pages[i - 1].mapped ||
		    o->pages[i - 1].vma != pg->vma)
			c = c == 'z' ? 'a' : (char)(c + 1);
		buf[k++] = c;
	}
	buf[k] = '\0';
}

/*
 * Which file of one trace is which of the other: each target numbers its
 * files its own way (inodes, content objects), so the traces agree when
 * the numbers correspond one to one over the whole run.
 */
#define FILES_MAX 64

struct file_map {
	int n;
	uint64_t a[FILES_MAX], b[FILES_MAX];
};

static bool same_file(struct file_map *m, uint64_t fa, uint64_t fb)
{
	for (int i = 0; i < m->n; i++)
		if (m->a[i] == fa || m->b[i] == fb)
			return m->a[i] == fa && m->b[i] == fb;
	if (m->n < FILES_MAX) {
		m->a[m->n] = fa;
		m->b[m->n++] = fb;
	}
	return true;
}

static bool same_pages(const struct ms_outcome *a, const struct ms_outcome *b,
		       struct file_map *files, int *attr)
{
	char pa[MS_GRID_MAX + 1], pb[MS_GRID_MAX + 1];

	*attr = -1;
	if (a->addr != b->addr || a->npages != b->npages ||
	    a->name != b->name) {
		*attr = MS_ATTR_VMAS;
		return false;
	}
	for (int i = 0; i < a->npages; i++) {
		const struct ms_page *x = &a->pages[i], *y = &b->pages[i];
		int d = page_differs(x, y);

		if (d < 0 && x->mapped && x->backing == MS_BACK_FILE &&
		    !same_file(files, x->file, y->file))
			d = MS_ATTR_BACK;
		if (d >= 0 && (*attr < 0 || d < *attr))
			*attr = d;
	}
	partition(a, pa, sizeof(pa));
	partition(b, pb, sizeof(pb));
	if (strcmp(pa, pb) != 0)
		*attr = MS_ATTR_VMAS;
	return *attr < 0;
}

static void grid_of(const struct ms_outcome *o, int attr, char *buf, size_t n)
{
	if (attr == MS_ATTR_VMAS)
		partition(o, buf, n);
	else
		ms_grid_format((enum ms_attr)attr, o->pages, o->npages, buf, n);
}

static const char *end_name(enum ms_trace_end e)
{
	return e == MS_END_DONE ? "done" : e == MS_END_SKIP ? "skip" : "broken";
}

int ms_trace_diff(const struct ms_program *p, const struct ms_trace *a,
		  const struct ms_trace *b, struct ms_trace_diff *d)
{
	int n = a->nout > b->nout ? a->nout : b->nout;
	struct file_map files = { 0 };

	memset(d, 0, sizeof(*d));
	d->step = -1;
	d->index = -1;
	for (int i = 0; i < n; i++) {
		const struct ms_outcome *oa = i < a->nout ? &a->out[i] : NULL;
		const struct ms_outcome *ob = i < b->nout ? &b->out[i] : NULL;
		char ra[64], rb[64];
		int attr;

		if (oa && ob && oa->step == ob->step &&
		    oa->pid_depth == ob->pid_depth && oa->kind == ob->kind) {
			if (oa->kind == MS_OUT_PAGES) {
				char ga[MS_GRID_MAX * 4], gb[MS_GRID_MAX * 4];

				if (same_pages(oa, ob, &files, &attr))
					continue;
				grid_of(oa, attr, ga, sizeof(ga));
				grid_of(ob, attr, gb, sizeof(gb));
				snprintf(d->what, sizeof(d->what),
					 "%s of %d page%s at 0x%llx%s: \"%.200s\" "
					 "against \"%.200s\"",
					 attr == MS_ATTR_VMAS ?
						 "VMA boundaries" :
						 ms_attr_name((enum ms_attr)attr),
					 oa->npages, oa->npages == 1 ? "" : "s",
					 (unsigned long long)oa->addr,
					 oa->name >= 0 ? " (snapshot)" : "",
					 ga, gb);
			} else {
				if (same_ret(p, oa, ob))
					continue;
				describe_ret(oa, ra, sizeof(ra));
				describe_ret(ob, rb, sizeof(rb));
				snprintf(d->what, sizeof(d->what),
					 "returned %s against %s", ra, rb);
			}
		} else if (oa && ob) {
			snprintf(d->what, sizeof(d->what),
				 "the traces part: step %d against step %d",
				 ms_step_number(p, oa->step),
				 ms_step_number(p, ob->step));
		} else {
			const struct ms_trace *t = oa ? b : a;

			snprintf(d->what, sizeof(d->what),
				 "%s trace ends here (%s%s%.180s)",
				 oa ? "the second" : "the first",
				 end_name(t->end), t->reason[0] ? ": " : "",
				 t->reason);
		}
		d->index = i;
		d->step = (oa ? oa : ob)->step;
		return 1;
	}
	if (a->end != b->end) {
		snprintf(d->what, sizeof(d->what), "the runs end %s against %s",
			 end_name(a->end), end_name(b->end));
		return 1;
	}
	return 0;
}

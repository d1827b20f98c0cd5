// SPDX-License-Identifier: MIT
/*
 * The step interpreter: what a program's steps mean, for every target
 * (interp.h).  No allocation, no stdio, no syscalls: the backend does all
 * of that.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

#include "compat.h"
#include "interp/interp.h"

void ms__sb_str(struct ms__sbuf *b, const char *s)
{
	while (*s && b->len + 1 < b->cap)
		b->p[b->len++] = *s++;
	b->p[b->len] = '\0';
}

void ms__sb_int(struct ms__sbuf *b, int64_t v)
{
	char d[24];
	int n = 0;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	if (v < 0)
		ms__sb_str(b, "-");
	do {
		d[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (n > 0) {
		char c[2] = { d[--n], '\0' };

		ms__sb_str(b, c);
	}
}

int ms__interp_brok(struct ms__interp *in, int step, const char *what,
		    int64_t err)
{
	struct ms__sbuf b = { in->reason, 0, sizeof(in->reason) };

	in->reason[0] = '\0';
	in->append_last = false;
	if (step >= 0) {
		/* Steps are numbered from 1 in every message. */
		ms__sb_str(&b, "step ");
		ms__sb_int(&b, ms_step_number(in->p, step));
		ms__sb_str(&b, " (line ");
		ms__sb_int(&b, in->p->steps[step].loc.line);
		ms__sb_str(&b, "): ");
	}
	ms__sb_str(&b, what);
	if (err) {
		const char *name = ms_errno_name((int)-err);

		ms__sb_str(&b, ": ");
		if (name)
			ms__sb_str(&b, name);
		else
			ms__sb_int(&b, err);
	}
	return MS__STOP_BROK;
}

/* A fresh outcome of step in the scratch slot: all of it, so that no
 * stale page state rides along. */
static struct ms_outcome *new_outcome(struct ms__interp *in, int step,
				      enum ms_out_kind kind)
{
	struct ms_outcome *o = &in->out;

	memset(o, 0, sizeof(*o));
	memset(in->pages, 0, sizeof(in->pages));
	o->pages = in->pages;
	o->step = step;
	o->pid_depth = in->depth;
	o->kind = kind;
	o->name = -1;
	return o;
}

int ms__interp_emit_ret(struct ms__interp *in, int step, int64_t ret)
{
	new_outcome(in, step, MS_OUT_RET)->ret = ret;
	return in->ops->emit(in, &in->out);
}

int ms__interp_matching_end(const struct ms_program *p, int i)
{
	int nest = 0;

	for (int j = i + 1; j < p->nsteps; j++) {
		if (p->steps[j].kind == MS_STEP_FORK) {
			nest++;
		} else if (p->steps[j].kind == MS_STEP_END) {
			if (nest == 0)
				return j;
			nest--;
		}
	}
	return -1;
}

/*
 * Evaluates e with the names' current values into *v.  A name that is not
 * bound here is almost always one whose binding call failed; say so.
 */
static int eval(struct ms__interp *in, int step, const struct ms_expr *e,
		int64_t *v)
{
	char what[96];
	struct ms__sbuf b = { what, 0, sizeof(what) };
	int err = ms_eval(in->p, e, in->n.values, in->n.bound, in->ps, v);
	const struct ms_term *t = ms_expr_terms(in->p, e);

	if (err == 0)
		return 0;
	for (int k = 0; t && k < e->nterms; k++) {
		int n = t[k].name;

		if (t[k].kind != MS_TERM_NAME || n < 0 ||
		    n >= in->p->nnames || in->n.bound[n])
			continue;
		what[0] = '\0';
		ms__sb_str(&b, in->p->names[n].name);
		ms__sb_str(&b, " is not bound (its binding call failed)");
		return ms__interp_brok(in, step, what, 0);
	}
	return ms__interp_brok(in, step, "cannot evaluate an expression", err);
}

/*
 * mmap with address 0 and neither MAP_FIXED nor MAP_FIXED_NOREPLACE gets
 * the next arena slot as its hint, so that addresses relative to the arena
 * are the same on every run and every target.
 */
static uint64_t mmap_hint(struct ms__interp *in, uint64_t addr, int64_t len,
			  int64_t flags)
{
	uint64_t slot;

	if (addr != 0 || (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
		return addr;
	slot = in->arena + in->slot_off;
	in->slot_off += ms__page_up((uint64_t)len, in->ps) +
			MS__SLOT_GAP_PAGES * (uint64_t)in->ps;
	return slot;
}

/*
 * How much memory a binding names, for snapshots: the size argument, or
 * for the calls that return a region the kernel sizes, its VMA.
 */
static uint64_t bound_size(struct ms__interp *in, const struct ms_step *s,
			   const int64_t *a, int64_t ret)
{
	const struct ms_call_desc *d = &ms_call_desc[s->call];

	if (d->ret != MS_RET_ADDR)
		return 0;
	if (d->size_arg >= 0)
		return ms__page_up((uint64_t)a[d->size_arg], in->ps);
	if (s->call != MS_CALL_VDSO && s->call != MS_CALL_SHMAT &&
	    s->call != MS_CALL_IO_SETUP)
		return 0;
	return in->ops->region_size(in, (uint64_t)ret);
}

/*
 * Page states of every region a name covers, after an asserted call.
 * Nothing changes the address space in between.  Contents are read for
 * sealed pages alone, where reading them changes nothing (interp.h): the
 * invariant's evidence that a refused call left them as they were.
 */
static int emit_snapshots(struct ms__interp *in, int step)
{
	int st = 0;

	in->ops->observe_hold(in, true);
	for (int n = 0; n < in->p->nnames && n < MS_NAMES_MAX && !st; n++) {
		struct ms_outcome *o;
		uint64_t pages = in->n.sizes[n] / (uint64_t)in->ps;

		if (!in->n.bound[n] || !pages)
			continue;
		if (pages > MS_GRID_MAX)
			pages = MS_GRID_MAX;
		o = new_outcome(in, step, MS_OUT_PAGES);
		o->name = n;
		o->addr = (uint64_t)in->n.values[n];
		o->npages = (int)pages;
		if (in->ops->observe(in, o->addr, o->npages,
				     MS__OBSERVE_SEALED_DATA, o->pages))
			st = ms__interp_brok(in, step,
					     "cannot observe page state", 0);
		else
			st = in->ops->emit(in, o);
	}
	in->ops->observe_hold(in, false);
	return st;
}

static int run_call(struct ms__interp *in, int i)
{
	const struct ms_step *s = &in->p->steps[i];
	int64_t a[MS_ARGS_MAX] = { 0 };
	const char *str[MS_ARGS_MAX] = { "", "", "", "", "", "" };
	uint64_t fault_addr = 0;
	int signo = 0, st;
	bool stop = false;
	struct ms_outcome *o;
	int64_t ret;

	if ((unsigned)s->call >= MS_NCALLS)
		return ms__interp_brok(in, i, "unknown call", 0);
	/*
	 * Outside a fork block the parent is the target's own machinery,
	 * whose address space is no part of the scenario: advising it would
	 * judge nothing.
	 */
	if (s->call == MS_CALL_PROCESS_MADVISE_PARENT && in->depth == 0)
		return ms__interp_brok(
			in, i, "process_madvise_parent outside a fork block", 0);
	for (int k = 0; k < s->nargs && k < MS_ARGS_MAX; k++) {
		if (s->args[k].kind == MS_ARG_STR)
			str[k] = ms_text(in->p, s->args[k].str);
		else if (s->args[k].kind == MS_ARG_EXPR) {
			st = eval(in, i, &s->args[k].expr, &a[k]);
			if (st)
				return st;
		} else
			return ms__interp_brok(in, i, "unsubstituted $column",
					       0);
	}
	if (s->call == MS_CALL_MMAP)
		a[0] = (int64_t)mmap_hint(in, (uint64_t)a[0], a[1], a[3]);
	ret = in->ops->call(in, i, a, str, &signo, &fault_addr, &stop);
	if (stop)
		return MS__STOP_BROK;

	if (signo) {
		o = new_outcome(in, i, MS_OUT_FAULT);
		o->signo = signo;
		o->fault_addr = fault_addr;
	} else {
		o = new_outcome(in, i, MS_OUT_RET);
		o->ret = ret;
	}
	st = in->ops->emit(in, o);
	if (st)
		return st;
	if (s->nresults == 0 && !s->record && (signo || ret < 0))
		return MS__STOP_SETUP;

	/* A failed call leaves the name as it was. */
	if (s->bind >= 0 && s->bind < MS_NAMES_MAX && !signo && ret >= 0) {
		in->n.values[s->bind] = ret;
		in->n.bound[s->bind] = true;
		in->n.sizes[s->bind] = bound_size(in, s, a, ret);
	}
	if (in->snapshots && (s->nresults > 0 || s->record))
		return emit_snapshots(in, i);
	return 0;
}

static int run_expect(struct ms__interp *in, int i)
{
	const struct ms_step *s = &in->p->steps[i];
	struct ms_outcome *o;
	int64_t addr;
	int n, st;

	st = eval(in, i, &s->where, &addr);
	if (st)
		return st;
	if (s->grid.kind != MS_ARG_STR)
		return ms__interp_brok(in, i,
				       "unsubstituted $column in a grid", 0);
	n = ms_grid_pages(s->attr, ms_text(in->p, s->grid.str));
	if (n <= 0 || n > MS_GRID_MAX)
		return ms__interp_brok(in, i, "bad grid", 0);
	/* Nothing changes the address space until the next call. */
	if (!in->held) {
		in->ops->observe_hold(in, true);
		in->held = true;
	}
	o = new_outcome(in, i, MS_OUT_PAGES);
	o->addr = (uint64_t)addr;
	o->npages = n;
	if (in->ops->observe(in, o->addr, n,
			     s->attr == MS_ATTR_DATA ? MS__OBSERVE_DATA :
						       MS__OBSERVE_NO_DATA,
			     o->pages))
		return ms__interp_brok(in, i, "cannot observe page state", 0);
	return in->ops->emit(in, o);
}

/*
 * fork: the child's context runs the block and ends at its "end"; the
 * parent carries on after that end once the child is done.  The fork is
 * recorded before anything the child does, and the end after.  A child's
 * names are its own: what it binds is gone when the block ends.
 */
static int run_fork(struct ms__interp *in, int i, int *next)
{
	int end = ms__interp_matching_end(in->p, i), side, st;

	if (end < 0)
		return ms__interp_brok(in, i, "fork without end", 0);
	side = in->ops->fork(in, i);
	if (side < 0) {
		st = ms__interp_emit_ret(in, i, side);
		return st ? st : ms__interp_brok(in, i, "fork failed", side);
	}
	if (side == MS__FORK_CHILD || side == MS__FORK_INLINE) {
		struct ms__names saved = in->n;
		int depth = in->depth;

		st = side == MS__FORK_INLINE ? ms__interp_emit_ret(in, i, 0) :
					       0;
		if (!st) {
			in->depth++;
			st = ms__interp_run(in, i + 1);
		}
		if (st == MS__STOP_DONE)
			st = ms__interp_brok(in, end, "fork block ran past "
						      "its end", 0);
		st = in->ops->child_exit(in, st);
		in->depth = depth;
		in->n = saved;
	} else {
		st = ms__interp_emit_ret(in, i, 0);
		if (!st)
			st = in->ops->wait_child(in, i, end);
	}
	if (st != MS__STOP_END)
		return st;
	*next = end;
	return ms__interp_emit_ret(in, end, 0);
}

/* The steps after a run of expect steps may change the address space. */
static void release(struct ms__interp *in)
{
	if (in->held) {
		in->ops->observe_hold(in, false);
		in->held = false;
	}
}

int ms__interp_run(struct ms__interp *in, int from)
{
	for (int i = from; i < in->p->nsteps; i++) {
		enum ms_step_kind kind = in->p->steps[i].kind;
		int st = 0, err;

		if (kind != MS_STEP_EXPECT && kind != MS_STEP_NOTE)
			release(in);
		switch (kind) {
		case MS_STEP_CALL:
			st = run_call(in, i);
			break;
		case MS_STEP_EXPECT:
			st = run_expect(in, i);
			break;
		case MS_STEP_FORK:
			st = run_fork(in, i, &i);
			break;
		case MS_STEP_END:
			if (in->depth == 0)
				return ms__interp_brok(in, i,
						       "end without fork", 0);
			return MS__STOP_END;
		case MS_STEP_EXEC:
			err = in->ops->exec(in, i);
			st = ms__interp_emit_ret(in, i, err);
			if (!st && err < 0)
				st = ms__interp_brok(in, i, "exec failed", err);
			break;
		case MS_STEP_NOTE:
			break;
		}
		if (st) {
			release(in);
			return st;
		}
	}
	release(in);
	return MS__STOP_DONE;
}

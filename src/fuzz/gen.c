// SPDX-License-Identifier: MIT
/*
 * The generator: programs built step by step from the model's current
 * state, biased to the edges where sealing bugs live.
 *
 * A program starts from a *window*, w = mmap(0, Wp, rw, private anon),
 * filled with letters, and descriptors to map (a memfd f, a read-only
 * reopen r of it, a SysV segment s, the vDSO v) when the kernel has them.
 * Each further step is drawn after the prefix ran on the model
 * (ms_model_run with snapshots): the page states of every named region
 * give the VMA boundaries, seal seams and holes, and ranges start and end
 * on those edges, one page either side, or span several VMAs of different
 * kinds and seal states.  Steps map every kind the language has into the
 * window with MAP_FIXED (anonymous private and shared, memfd shared and
 * private, the read-only reopen, GROWSDOWN, SysV with SHM_REMAP), unmap,
 * protect, seal, advise (every advice the model knows but the destructive
 * HWPOISON/SOFT_OFFLINE), remap in every form, lock, sync, write and read
 * (also through /proc/self/mem, process_vm_writev and ptrace), and fork,
 * whose child gets steps of its own and may exec.  Less often: the heap
 * (brk), aio rings, userfaultfd, memory policy, protection keys (only
 * where the probes found them), mlockall, remap_file_pages, and a rare
 * program that runs its last steps at the map-count limit.  Every call is
 * an ordinary step of the scenario language.
 *
 * Every generated step is recorded (ms_step.record): it expects nothing.
 * The same (seed, index) always gives the same program: the generator asks
 * only the model, never the kernel, and draws from its own PRNG.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "interp/interp.h"
#include "sealspec-model.h"

#define WINDOW_MIN 8
#define WINDOW_MAX 24
#define MEMFD_PAGES 8
#define SHM_PAGES 4

struct region {
	int name;
	int npages;		/* as the snapshots give it */
	bool fixed_only;	/* a region outside the arena (vDSO, a
				 * mremap the kernel placed): never touch
				 * its neighbours */
	int depth;		/* bound at this fork depth */
	bool aio;		/* an aio ring (io_setup) */
	struct ms_page pg[MS_GRID_MAX];
	bool seen;		/* pg holds a snapshot */
};

struct gen {
	struct ms_program *p;
	const struct ms_fuzz_gen_opts *o;
	uint64_t rng;
	int W;
	int f, r, s;		/* descriptor names, -1 when absent */
	int nreg;
	struct region reg[MS_NAMES_MAX];
	int depth, fork_step;
	int next_name;
	int heap;		/* h = brk(0), or -1 */
	int pkey, pkey_depth;	/* a key name and where it was bound, or -1 */
	int exec_depth;		/* the process at this depth exec'd, or -1 */
	bool uffd;		/* uffd_register was generated */
	uint32_t uffd_depths;	/* bit d: the process at depth d registered */
	bool broken;		/* the model stopped: generate no more */
	/*
	 * This program may use what changes the whole process (the heap,
	 * aio rings, userfaultfd, protection keys, mlockall, ptrace, exec):
	 * one program in WIDE_ONE_IN, which then uses it more often.
	 */
	bool wide;
};

/*
 * A program with a call that changes the whole process cannot run in the
 * fuzzer's long-lived executor and takes a scenario process of its own,
 * some 5 ms for an aio ring's teardown or mlockall's populate against
 * 0.6 ms in the executor: in one program of WIDE_ONE_IN they keep the
 * fuzzer near its speed (docs/fuzz.md, "Generated programs").
 */
#define WIDE_ONE_IN 12

/* ---- randomness ------------------------------------------------------------ */

static uint64_t next_u64(struct gen *g)
{
	/* splitmix64: small, fast and good enough to draw programs. */
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int rnd(struct gen *g, int n)
{
	return n > 0 ? (int)(next_u64(g) % (uint64_t)n) : 0;
}

static bool chance(struct gen *g, int percent)
{
	return rnd(g, 100) < percent;
}

#define PICK(g, arr) ((arr)[rnd((g), (int)(sizeof(arr) / sizeof((arr)[0])))])

/* ---- the model's view ------------------------------------------------------- */

static bool feat(const struct gen *g, enum ms_feature f)
{
	return g->o->features & (1u << f);
}

static int region_of(const struct gen *g, int name)
{
	for (int i = 0; i < g->nreg; i++)
		if (g->reg[i].name == name)
			return i;
	return -1;
}

/*
 * Runs the program so far on the model and takes, for every region, the
 * last snapshot this context sees: its own, or its parent's before the
 * fork.  A binding whose call failed on the model leaves its region
 * without a snapshot, and the generator no longer uses it.
 */
static void refresh(struct gen *g)
{
	struct ms_model_opts mo = {
		.profile = g->o->profile,
		.snapshots = true,
		.features = g->o->features,
		.flip_switches = g->o->flip_switches,
	};
	struct ms_trace t;

	g->p->features = ms_program_features(g->p);
	ms_trace_init(&t);
	if (ms_model_run(g->p, &mo, &t) < 0 || t.end != MS_END_DONE) {
		g->broken = true;
		ms_trace_free(&t);
		return;
	}
	for (int i = 0; i < g->nreg; i++)
		g->reg[i].seen = false;
	for (int k = 0; k < t.nout; k++) {
		const struct ms_outcome *o = &t.out[k];
		int ri;

		if (o->kind != MS_OUT_PAGES || o->name < 0)
			continue;
		if (o->pid_depth != g->depth &&
		    !(o->pid_depth < g->depth && o->step < g->fork_step))
			continue;
		ri = region_of(g, o->name);
		if (ri < 0)
			continue;
		g->reg[ri].seen = true;
		g->reg[ri].npages = o->npages;
		/*
		 * A slot the hint could not have (something was there) put
		 * the mapping outside the arena, among mappings the model
		 * does not have: leave its neighbours alone.
		 */
		if (o->addr < MS__ARENA_BASE ||
		    o->addr >= MS__ARENA_BASE + MS__ARENA_SIZE)
			g->reg[ri].fixed_only = true;
		memcpy(g->reg[ri].pg, o->pages,
		       sizeof(o->pages[0]) * (size_t)o->npages);
	}
	ms_trace_free(&t);
}

/*
 * Did this process exec?  Then the names still hold their addresses but
 * nothing the old image had is there: outside the arena, where the new
 * image lives (its heap, its libraries), no step may go, and the old
 * descriptors are closed (their numbers may be the new image's own).
 */
static bool execd(const struct gen *g)
{
	return g->exec_depth >= 0 && g->exec_depth <= g->depth;
}

/* A region this step may use: bound here, and seen mapped by the model. */
static int pick_region(struct gen *g)
{
	int cand[MS_NAMES_MAX], n = 0;

	for (int i = 0; i < g->nreg; i++)
		if (g->reg[i].seen && g->reg[i].depth <= g->depth &&
		    !(g->reg[i].fixed_only && execd(g)))
			cand[n++] = i;
	if (!n)
		return -1;
	/* The window most of the time: it is where the kinds meet. */
	if (g->reg[0].seen && chance(g, 60))
		return 0;
	return cand[rnd(g, n)];
}

/*
 * The edges of a region: page offsets where a VMA starts or ends, where
 * the mapping starts or stops, and the region's own ends.
 */
static int edges(const struct region *r, int *e)
{
	int n = 0;

	e[n++] = 0;
	for (int k = 1; k < r->npages; k++) {
		const struct ms_page *a = &r->pg[k - 1], *b = &r->pg[k];

		if (a->mapped != b->mapped ||
		    (a->mapped && b->mapped && a->vma != b->vma))
			e[n++] = k;
	}
	e[n++] = r->npages;
	return n;
}

/* A page offset near an edge (one either side), or anywhere. */
static int pick_offset(struct gen *g, const struct region *r)
{
	int e[MS_GRID_MAX + 2], n = edges(r, e), off;

	if (chance(g, 20))
		off = rnd(g, r->npages);
	else
		off = e[rnd(g, n)] + (chance(g, 50) ? 0 : rnd(g, 3) - 1);
	if (r->fixed_only) {
		if (off < 0)
			off = 0;
		if (off > r->npages - 1)
			off = r->npages - 1;
	} else {
		if (off < -1)
			off = -1;
		if (off > r->npages)
			off = r->npages;
	}
	return off;
}

/* A whole mapped VMA of r, a sealed one when there is one: true, or false. */
static bool one_vma(struct gen *g, const struct region *r, int *off, int *len)
{
	int e[MS_GRID_MAX + 2], n = edges(r, e), cand[MS_GRID_MAX + 2], nc = 0;
	bool sealed_only = chance(g, 60);

	for (int pass = 0; pass < 2 && !nc; pass++, sealed_only = false)
		for (int i = 0; i + 1 < n; i++)
			if (e[i] < r->npages && r->pg[e[i]].mapped &&
			    (!sealed_only || r->pg[e[i]].sealed))
				cand[nc++] = i;
	if (!nc)
		return false;
	nc = cand[rnd(g, nc)];
	*off = e[nc];
	*len = e[nc + 1] - e[nc];
	return *len > 0;
}

/* A range [*off, *off + *len) from edge to edge, or short. */
static void pick_range(struct gen *g, const struct region *r, int *off,
		       int *len)
{
	int e[MS_GRID_MAX + 2], n = edges(r, e), end;

	/*
	 * Often exactly one VMA, sealed ones first: what the rules are
	 * about (a sealed read-only private file VMA and a discard, say)
	 * needs the whole VMA, not a range that happens to cover it.
	 */
	if (chance(g, 35) && one_vma(g, r, off, len))
		return;
	*off = pick_offset(g, r);
	if (chance(g, 50)) {
		end = e[rnd(g, n)] + (chance(g, 60) ? 0 : rnd(g, 3) - 1);
	} else {
		end = *off + 1 + rnd(g, 3);
	}
	if (end <= *off)
		end = *off + 1 + rnd(g, 2);
	if (r->fixed_only && end > r->npages)
		end = r->npages;
	if (!r->fixed_only && end > r->npages + 2)
		end = r->npages + 2;
	*len = end - *off;
	if (*len < 1)
		*len = 1;
	if (chance(g, 2))
		*len = 0;
}

/* ---- building steps ---------------------------------------------------------- */

static struct ms_step *rec(struct gen *g, enum ms_call call, int bind)
{
	struct ms_step *s = ms_build_call(g->p, call, bind);

	if (s)
		s->record = true;
	return s;
}

static void arg_addr(struct ms_step *s, const struct gen *g,
		     const struct region *r, int off)
{
	struct ms_expr e;

	(void)g;
	ms_build_arg(s, ms_expr_name(g->p, &e, r->name, off));
}

static void arg_pages(const struct gen *g, struct ms_step *s, int n)
{
	struct ms_expr e;

	ms_build_arg(s, ms_expr_pages(g->p, &e, n));
}

static void arg_syms(const struct gen *g, struct ms_step *s, const char *spec)
{
	struct ms_expr e;

	ms_build_arg(s, ms_expr_syms(g->p, &e, spec));
}

static void arg_num(const struct gen *g, struct ms_step *s, int64_t v)
{
	struct ms_expr e;

	ms_build_arg(s, ms_expr_num(g->p, &e, v));
}

static const char *const prots[] = {
	"PROT_NONE", "PROT_READ", "PROT_READ|PROT_WRITE", "PROT_READ|PROT_WRITE",
	"PROT_WRITE", "PROT_READ|PROT_EXEC", "PROT_READ|PROT_WRITE|PROT_EXEC",
};

/* A fresh name for a binding: b, c, ... */
static int new_name(struct gen *g)
{
	char nm[8];

	if (g->next_name > 'u' - 'b' || g->nreg >= MS_NAMES_MAX - 1)
		return -1;
	snprintf(nm, sizeof(nm), "%c", 'b' + g->next_name++);
	if (nm[0] == 'f' || nm[0] == 'r' || nm[0] == 's')
		snprintf(nm, sizeof(nm), "%c%c", 'b' + g->next_name - 1, 'x');
	return ms_build_name(g->p, nm, g->p->nsteps);
}

static void add_region(struct gen *g, int name, int npages, bool fixed_only)
{
	struct region *r = &g->reg[g->nreg++];

	memset(r, 0, sizeof(*r));
	r->name = name;
	r->npages = npages;
	r->fixed_only = fixed_only;
	r->depth = g->depth;
}

static void gen_pattern(struct gen *g, char *buf, int n)
{
	for (int i = 0; i < n; i++)
		buf[i] = (char)(chance(g, 10) ? '.' : 'A' + rnd(g, 26));
	buf[n] = '\0';
	if (n && buf[0] == '.')
		buf[0] = 'Z';
}

/* mmap(MAP_FIXED) of some kind over a range of the window. */
static void gen_map_fixed(struct gen *g)
{
	struct region *w = &g->reg[0];
	int off, len, kind;
	struct ms_step *s;
	char flags[128];
	const char *fixed = chance(g, 85) ? "MAP_FIXED" : "MAP_FIXED_NOREPLACE";

	pick_range(g, w, &off, &len);
	if (len == 0)
		len = 1;
	kind = rnd(g, 7);
	if ((kind == 2 || kind == 3) && (g->f < 0 || execd(g)))
		kind = 0;
	if (kind == 4 && (g->r < 0 || execd(g)))
		kind = 1;
	if (kind == 6 && (g->s < 0 || execd(g)))
		kind = 5;
	if (kind == 6) {
		s = rec(g, MS_CALL_SHMAT, -1);
		if (!s)
			return;
		ms_build_arg(s, ms_expr_name(g->p, &(struct ms_expr){ 0 }, g->s, 0));
		arg_addr(s, g, w, off);
		arg_syms(g, s, chance(g, 30) ? "SHM_RDONLY|SHM_REMAP" :
					    "SHM_REMAP");
		return;
	}
	s = rec(g, MS_CALL_MMAP, -1);
	if (!s)
		return;
	arg_addr(s, g, w, off);
	arg_pages(g, s, len);
	switch (kind) {
	case 0: /* private anonymous */
	case 1: /* shared anonymous */
		arg_syms(g, s, PICK(g, prots));
		snprintf(flags, sizeof(flags), "%s|MAP_ANONYMOUS|%s%s",
			 kind ? "MAP_SHARED" : "MAP_PRIVATE", fixed,
			 chance(g, 10) ? "|MAP_POPULATE" : "");
		arg_syms(g, s, flags);
		break;
	case 2: /* memfd, shared */
	case 3: /* memfd, private */
		arg_syms(g, s, PICK(g, prots));
		snprintf(flags, sizeof(flags), "%s|%s",
			 kind == 2 ? "MAP_SHARED" : "MAP_PRIVATE", fixed);
		arg_syms(g, s, flags);
		ms_build_arg(s, ms_expr_name(g->p, &(struct ms_expr){ 0 }, g->f, 0));
		arg_pages(g, s, rnd(g, MEMFD_PAGES));
		break;
	case 4: /* the read-only reopen */
		if (chance(g, 50)) {
			arg_syms(g, s, "PROT_READ");
			snprintf(flags, sizeof(flags), "MAP_SHARED|%s", fixed);
		} else {
			arg_syms(g, s, chance(g, 50) ? "PROT_READ|PROT_WRITE" :
						    "PROT_READ");
			snprintf(flags, sizeof(flags), "MAP_PRIVATE|%s", fixed);
		}
		arg_syms(g, s, flags);
		ms_build_arg(s, ms_expr_name(g->p, &(struct ms_expr){ 0 }, g->r, 0));
		arg_pages(g, s, rnd(g, MEMFD_PAGES));
		break;
	default: /* GROWSDOWN */
		arg_syms(g, s, "PROT_READ|PROT_WRITE");
		snprintf(flags, sizeof(flags),
			 "MAP_PRIVATE|MAP_ANONYMOUS|MAP_GROWSDOWN|%s", fixed);
		arg_syms(g, s, flags);
		break;
	}
}

/* A new region in the next arena slot, of any anonymous kind. */
static void gen_map_slot(struct gen *g)
{
	int name = new_name(g), len = 1 + rnd(g, 6);
	struct ms_step *s;

	if (name < 0)
		return;
	s = rec(g, MS_CALL_MMAP, name);
	if (!s)
		return;
	arg_num(g, s, 0);
	arg_pages(g, s, len);
	arg_syms(g, s, PICK(g, prots));
	if (g->f >= 0 && !execd(g) && chance(g, 40)) {
		arg_syms(g, s, chance(g, 50) ? "MAP_SHARED" : "MAP_PRIVATE");
		ms_build_arg(s, ms_expr_name(g->p, &(struct ms_expr){ 0 }, g->f, 0));
		arg_num(g, s, 0);
	} else {
		arg_syms(g, s, chance(g, 70) ? "MAP_PRIVATE|MAP_ANONYMOUS" :
					    "MAP_SHARED|MAP_ANONYMOUS");
	}
	add_region(g, name, len, false);
}

static const char *const advice[] = {
	"MADV_NORMAL",	  "MADV_RANDOM",       "MADV_SEQUENTIAL",
	"MADV_WILLNEED",  "MADV_DONTNEED",     "MADV_DONTNEED",
	"MADV_FREE",	  "MADV_FREE",	       "MADV_REMOVE",
	"MADV_DONTFORK",  "MADV_DOFORK",       "MADV_MERGEABLE",
	"MADV_UNMERGEABLE", "MADV_HUGEPAGE",   "MADV_NOHUGEPAGE",
	"MADV_DONTDUMP",  "MADV_DODUMP",       "MADV_WIPEONFORK",
	"MADV_KEEPONFORK", "MADV_COLD",	       "MADV_PAGEOUT",
	"MADV_POPULATE_READ", "MADV_POPULATE_WRITE", "MADV_DONTNEED_LOCKED",
	"MADV_GUARD_INSTALL", "MADV_GUARD_REMOVE", "MADV_GUARD_INSTALL",
};

static const char *const mpol_modes[] = {
	"MPOL_DEFAULT", "MPOL_DEFAULT", "MPOL_BIND",	 "MPOL_PREFERRED",
	"MPOL_INTERLEAVE", "MPOL_LOCAL", "MPOL_PREFERRED_MANY",
};

static const char *const mpol_flags[] = {
	"0", "0", "MPOL_MF_STRICT", "MPOL_MF_MOVE", "MPOL_MF_STRICT|MPOL_MF_MOVE",
};

static void gen_range_call_in(struct gen *g, struct region *r,
			      enum ms_call call);

static void gen_range_call(struct gen *g, int ri, enum ms_call call)
{
	gen_range_call_in(g, &g->reg[ri], call);
}

/* call over a range of r, with arguments that suit it. */
static void gen_range_call_in(struct gen *g, struct region *r,
			      enum ms_call call)
{
	int off, len;
	struct ms_step *s;
	const char *adv = "MADV_NORMAL";

	pick_range(g, r, &off, &len);
	if (call == MS_CALL_MADVISE || call == MS_CALL_PROCESS_MADVISE) {
		do
			adv = PICK(g, advice);
		while (!feat(g, MS_FEAT_GUARD) && strstr(adv, "GUARD"));
		/* process_madvise takes a few advices before 6.13. */
		if (call == MS_CALL_PROCESS_MADVISE &&
		    !feat(g, MS_FEAT_SELF_MADVISE))
			call = MS_CALL_MADVISE;
	}
	s = rec(g, call, -1);
	if (!s)
		return;
	arg_addr(s, g, r, off);
	/* A length that is not a page multiple, now and then. */
	if (chance(g, 3) && len > 0) {
		struct ms_expr e;
		struct ms_term *t;

		ms_expr_pages(g->p, &e, len);
		t = ms_expr_add_term(g->p, &e);
		if (t) {
			t->op = '-';
			t->kind = MS_TERM_NUM;
			t->num = 1;
		}
		ms_build_arg(s, &e);
	} else {
		arg_pages(g, s, len);
	}
	switch (call) {
	case MS_CALL_MPROTECT:
		arg_syms(g, s, PICK(g, prots));
		break;
	case MS_CALL_MADVISE:
	case MS_CALL_PROCESS_MADVISE:
		arg_syms(g, s, adv);
		break;
	case MS_CALL_MSEAL:
		arg_num(g, s, chance(g, 3) ? 1 : 0);
		break;
	case MS_CALL_MSYNC: {
		static const char *const fl[] = {
			"MS_SYNC", "MS_ASYNC", "MS_INVALIDATE",
			"MS_SYNC|MS_INVALIDATE", "MS_ASYNC|MS_INVALIDATE",
		};
		arg_syms(g, s, PICK(g, fl));
		break;
	}
	case MS_CALL_MLOCK2:
		arg_syms(g, s, chance(g, 70) ? "MLOCK_ONFAULT" : "0");
		break;
	case MS_CALL_MBIND:
		arg_syms(g, s, PICK(g, mpol_modes));
		arg_syms(g, s, PICK(g, mpol_flags));
		break;
	case MS_CALL_SET_MEMPOLICY_HOME_NODE:
		/* Node 0 exists; 1 seldom does; flags must be 0. */
		arg_num(g, s, chance(g, 85) ? 0 : 1);
		arg_num(g, s, chance(g, 90) ? 0 : 1);
		break;
	case MS_CALL_REMAP_FILE_PAGES:
		/* prot must be 0, the only flag MAP_NONBLOCK. */
		arg_num(g, s, chance(g, 90) ? 0 : 1);
		arg_num(g, s, rnd(g, MEMFD_PAGES));
		arg_syms(g, s, chance(g, 80) ? "0" : "MAP_NONBLOCK");
		break;
	case MS_CALL_PKEY_MPROTECT:
		arg_syms(g, s, PICK(g, prots));
		if (g->pkey >= 0 && chance(g, 80))
			ms_build_arg(s, ms_expr_name(g->p, &(struct ms_expr){ 0 },
						     g->pkey, 0));
		else
			arg_num(g, s, chance(g, 50) ? -1 : rnd(g, 16));
		break;
	default:
		break;
	}
}

static void gen_mremap(struct gen *g, int ri)
{
	struct region *r = &g->reg[ri];
	struct region *w = &g->reg[0];
	int off, len, new_len, form = rnd(g, 6), bind = -1;
	struct ms_step *s;

	pick_range(g, r, &off, &len);
	new_len = form == 0 ? len : 1 + rnd(g, len + 3);
	/*
	 * A region the kernel placed lies among mappings the model does not
	 * have (the scenario process's own): whether it grows in place there
	 * says nothing about sealing.
	 */
	if (r->fixed_only && new_len > len)
		new_len = len;
	/* MAYMOVE without FIXED: the kernel chooses where; name it. */
	if (form == 2 || (form == 4 && chance(g, 50)))
		bind = new_name(g);
	s = rec(g, MS_CALL_MREMAP, bind);
	if (!s)
		return;
	arg_addr(s, g, r, off);
	arg_pages(g, s, form == 5 ? 0 : len);
	arg_pages(g, s, form == 4 ? len : new_len);
	switch (form) {
	case 0:
	case 1: /* in place: shrink, grow or neither */
		arg_num(g, s, 0);
		break;
	case 2: /* MAYMOVE */
		arg_syms(g, s, "MREMAP_MAYMOVE");
		break;
	case 3: /* MAYMOVE|FIXED into the window */
		arg_syms(g, s, "MREMAP_MAYMOVE|MREMAP_FIXED");
		arg_addr(s, g, w, pick_offset(g, w));
		break;
	case 4: /* DONTUNMAP, moved where the kernel likes or fixed */
		if (!feat(g, MS_FEAT_MREMAP_DONTUNMAP)) {
			arg_syms(g, s, "MREMAP_MAYMOVE");
		} else if (bind >= 0) {
			arg_syms(g, s, "MREMAP_MAYMOVE|MREMAP_DONTUNMAP");
		} else {
			arg_syms(g, s, "MREMAP_MAYMOVE|MREMAP_DONTUNMAP|"
				    "MREMAP_FIXED");
			arg_addr(s, g, w, pick_offset(g, w));
		}
		break;
	default: /* old_len 0: a second mapping of shared memory */
		arg_syms(g, s, "MREMAP_MAYMOVE");
		break;
	}
	if (bind >= 0)
		add_region(g, bind, form == 4 ? len : new_len, true);
}

static void gen_access(struct gen *g, int ri)
{
	struct region *r = &g->reg[ri];
	int off, len;
	char pat[MS_GRID_MAX + 1];
	enum ms_call call = MS_CALL_FILL;
	struct ms_step *s;

	pick_range(g, r, &off, &len);
	if (len < 1)
		len = 1;
	if (len > 8)
		len = 8;
	/*
	 * After uffd_register in this process a user-mode fault on a missing
	 * page waits for a handler that never comes: only the kernel's own
	 * accesses (GUP, which gets SIGBUS from a user-mode-only
	 * userfaultfd) go there.
	 */
	if (g->uffd_depths & (1u << g->depth)) {
		static const enum ms_call remote[] = {
			MS_CALL_PROCESS_VM_WRITE, MS_CALL_PROC_MEM_WRITE,
			MS_CALL_PROC_MEM_READ,
		};

		call = PICK(g, remote);
		if (call != MS_CALL_PROCESS_VM_WRITE &&
		    !feat(g, MS_FEAT_PROC_MEM))
			call = MS_CALL_PROCESS_VM_WRITE;
	} else switch (rnd(g, 13)) {
	case 0:
	case 1:
		call = MS_CALL_READ;
		break;
	case 2:
	case 3:
		if (feat(g, MS_FEAT_PROC_MEM))
			call = MS_CALL_PROC_MEM_WRITE;
		break;
	case 4:
	case 5:
		call = MS_CALL_PROCESS_VM_WRITE;
		break;
	case 6:
		/* A helper process attaches for each: the dearest write. */
		if (g->wide && feat(g, MS_FEAT_PTRACE))
			call = MS_CALL_PTRACE_POKE;
		else if (feat(g, MS_FEAT_PROC_MEM))
			call = MS_CALL_PROC_MEM_READ;
		break;
	default:
		break;
	}
	s = rec(g, call, -1);
	if (!s)
		return;
	arg_addr(s, g, r, off);
	if (call == MS_CALL_READ || call == MS_CALL_PROC_MEM_READ) {
		arg_pages(g, s, len);
		return;
	}
	gen_pattern(g, pat, len);
	ms_build_arg_str(g->p, s, pat);
}

/*
 * userfaultfd: register a range for MISSING faults (the first time, or
 * again), then resolve faults there with UFFDIO_COPY, or move pages in
 * with UFFDIO_MOVE, from anywhere in the region.
 */
static void gen_uffd(struct gen *g, int ri)
{
	struct region *r = &g->reg[ri];
	char pat[MS_GRID_MAX + 1];
	struct ms_step *s;
	int off, len, what = g->uffd ? rnd(g, 5) % 3 : 0;

	if (what == 0) {
		gen_range_call_in(g, r, MS_CALL_UFFD_REGISTER);
		g->uffd = true;
		g->uffd_depths |= 1u << g->depth;
		return;
	}
	pick_range(g, r, &off, &len);
	if (len < 1)
		len = 1;
	if (len > 4)
		len = 4;
	if (what == 1) {
		s = rec(g, MS_CALL_UFFD_COPY, -1);
		if (!s)
			return;
		arg_addr(s, g, r, off);
		gen_pattern(g, pat, len);
		ms_build_arg_str(g->p, s, pat);
		return;
	}
	s = rec(g, MS_CALL_UFFD_MOVE, -1);
	if (!s)
		return;
	arg_addr(s, g, r, off);
	arg_addr(s, g, r, pick_offset(g, r));
	arg_pages(g, s, len);
}

/*
 * The heap: h = brk(0) once, then the break moves up and down above h
 * (never below: that is the C library's heap), and calls land on the
 * pages above h.  The model has no snapshot of h (brk sizes nothing), so
 * the heap is a region of HEAP_PAGES without edges, used from its start.
 */
#define HEAP_PAGES 8

static void gen_heap(struct gen *g)
{
	static const enum ms_call calls[] = {
		MS_CALL_MSEAL, MS_CALL_MSEAL, MS_CALL_MPROTECT, MS_CALL_MUNMAP,
		MS_CALL_MADVISE, MS_CALL_MLOCK, MS_CALL_MSYNC,
	};
	struct ms_step *s;
	int ri;

	if (g->heap < 0) {
		int name = new_name(g);

		if (name < 0)
			return;
		if (!(s = rec(g, MS_CALL_BRK, name)))
			return;
		arg_num(g, s, 0);
		g->heap = name;
		add_region(g, name, HEAP_PAGES, true);
		/* Moved up once at once: the heap has pages to work on. */
		if (!(s = rec(g, MS_CALL_BRK, -1)))
			return;
		arg_addr(s, g, &g->reg[g->nreg - 1], 1 + rnd(g, HEAP_PAGES));
		return;
	}
	ri = region_of(g, g->heap);
	if (ri < 0)
		return;
	switch (rnd(g, 4)) {
	case 0:
		s = rec(g, MS_CALL_BRK, -1);
		if (s)
			arg_addr(s, g, &g->reg[ri], rnd(g, HEAP_PAGES + 1));
		break;
	case 1:
		gen_access(g, ri);
		break;
	default:
		gen_range_call_in(g, &g->reg[ri], PICK(g, calls));
		break;
	}
}

/*
 * An aio ring: ctx = io_setup(nr), which the kernel places (outside the
 * arena) and the model adopts; other steps then find it as a region.
 * Or io_destroy of one.
 */
static void gen_aio(struct gen *g)
{
	static const int nr[] = { 1, 1, 2, 16, 128, 512 };
	struct ms_step *s;
	int name;

	for (int i = g->nreg - 1; i > 0; i--) {
		if (!g->reg[i].aio || !g->reg[i].seen ||
		    g->reg[i].depth > g->depth || chance(g, 50))
			continue;
		s = rec(g, MS_CALL_IO_DESTROY, -1);
		if (s)
			arg_addr(s, g, &g->reg[i], 0);
		return;
	}
	name = new_name(g);
	if (name < 0)
		return;
	s = rec(g, MS_CALL_IO_SETUP, name);
	if (!s)
		return;
	arg_num(g, s, PICK(g, nr));
	add_region(g, name, 1, true);
	g->reg[g->nreg - 1].aio = true;
}

/* Protection keys, where the CPU has them: allocate, use, set, free. */
static void gen_pkey(struct gen *g, int ri)
{
	static const char *const rights[] = {
		"0", "PKEY_DISABLE_WRITE", "PKEY_DISABLE_ACCESS",
	};
	struct ms_step *s;
	int what = g->pkey < 0 ? 0 : rnd(g, 6);

	if (what == 0) {
		int name = new_name(g);

		if (name < 0)
			return;
		s = rec(g, MS_CALL_PKEY_ALLOC, name);
		if (!s)
			return;
		arg_num(g, s, 0);
		arg_syms(g, s, PICK(g, rights));
		g->pkey = name;
		g->pkey_depth = g->depth;
		/* A key is for using: mostly on a range at once. */
		if (chance(g, 70))
			gen_range_call(g, ri, MS_CALL_PKEY_MPROTECT);
		return;
	}
	if (what <= 3) {
		gen_range_call(g, ri, MS_CALL_PKEY_MPROTECT);
		return;
	}
	s = rec(g, what == 4 ? MS_CALL_PKEY_SET : MS_CALL_PKEY_FREE, -1);
	if (!s)
		return;
	ms_build_arg(s, ms_expr_name(g->p, &(struct ms_expr){ 0 }, g->pkey, 0));
	if (what == 4)
		arg_syms(g, s, PICK(g, rights));
}

/* mlockall and munlockall: every VMA of the process, sealed or not. */
static void gen_mlockall(struct gen *g)
{
	static const char *const fl[] = {
		"MCL_CURRENT", "MCL_FUTURE", "MCL_CURRENT|MCL_FUTURE",
		"MCL_CURRENT|MCL_ONFAULT", "MCL_FUTURE|MCL_ONFAULT",
		"MCL_ONFAULT",
	};
	struct ms_step *s;

	if (chance(g, 35)) {
		rec(g, MS_CALL_MUNLOCKALL, -1);
		return;
	}
	s = rec(g, MS_CALL_MLOCKALL, -1);
	if (s)
		arg_syms(g, s, PICK(g, fl));
}

/*
 * The less common calls, each where the kernel has it: the heap, aio
 * rings, userfaultfd, memory policy, protection keys, mlockall,
 * remap_file_pages.  false when none fits (the caller draws another).
 */
static bool gen_other(struct gen *g, int ri)
{
	int what = rnd(g, 100);

	/* Only memory policy and remap_file_pages touch no more than a range. */
	if (!g->wide && (what < 50 || (what >= 70 && what < 90)))
		return false;

	/*
	 * An aio ring and mlockall cost the most (the ring's teardown at
	 * exit waits for an RCU grace period; mlockall populates the whole
	 * process): about a third of the fuzzer's speed at 14% and 9% of
	 * these steps, so they are rarer than the rest.
	 */
	if (what < 20) {
		if (execd(g))
			return false;
		gen_heap(g);
	} else if (what < 25) {
		if (!feat(g, MS_FEAT_AIO) || execd(g))
			return false;
		gen_aio(g);
	} else if (what < 50) {
		if (!feat(g, MS_FEAT_UFFD))
			return false;
		gen_uffd(g, ri);
	} else if (what < 70) {
		if (!feat(g, MS_FEAT_NUMA))
			return false;
		gen_range_call(g, ri, chance(g, 70) ?
			       MS_CALL_MBIND : MS_CALL_SET_MEMPOLICY_HOME_NODE);
	} else if (what < 87) {
		if (!feat(g, MS_FEAT_PKEY))
			return false;
		gen_pkey(g, ri);
	} else if (what < 90) {
		if (!feat(g, MS_FEAT_MLOCK))
			return false;
		gen_mlockall(g);
	} else {
		gen_range_call(g, ri, MS_CALL_REMAP_FILE_PAGES);
	}
	return true;
}

static void gen_step(struct gen *g, bool allow_fork);

/*
 * exec: the process becomes a fresh image; the names keep their
 * addresses, the mappings are gone.  Mostly in a fork child, so that the
 * parent's view goes on.
 */
static void gen_exec(struct gen *g)
{
	if (ms_build_step(g->p, MS_STEP_EXEC)) {
		g->exec_depth = g->depth;
		g->uffd_depths &= ~(1u << g->depth);
	}
}

static void gen_fork(struct gen *g)
{
	int n = 1 + rnd(g, 4);

	if (!ms_build_step(g->p, MS_STEP_FORK))
		return;
	g->fork_step = g->p->nsteps - 1;
	g->depth++;
	for (int i = 0; i < n && !g->broken; i++) {
		refresh(g);
		if (g->broken)
			break;
		/* The child's view of a fresh image, now and then. */
		if (g->wide && !execd(g) && chance(g, 4))
			gen_exec(g);
		else
			gen_step(g, false);
	}
	ms_build_step(g->p, MS_STEP_END);
	g->depth--;
	/* Names bound in the child are gone, and so is its exec. */
	for (int i = 0; i < g->nreg; i++)
		if (g->reg[i].depth > g->depth)
			g->reg[i].seen = false;
	while (g->nreg && g->reg[g->nreg - 1].depth > g->depth)
		g->nreg--;
	if (g->heap >= 0 && region_of(g, g->heap) < 0)
		g->heap = -1;
	if (g->pkey >= 0 && g->pkey_depth > g->depth)
		g->pkey = -1;
	if (g->exec_depth > g->depth)
		g->exec_depth = -1;
	g->uffd_depths &= (2u << g->depth) - 1;
}

/*
 * Makes a VMA what the rules talk about: read-only (or as it is), then
 * sealed, in two steps.
 */
static void gen_seal_vma(struct gen *g, int ri)
{
	struct region *r = &g->reg[ri];
	struct ms_step *s;
	int off, len;
	bool keep = chance(g, 30);

	if (!one_vma(g, r, &off, &len))
		return;
	if (!keep) {
		s = rec(g, MS_CALL_MPROTECT, -1);
		if (!s)
			return;
		arg_addr(s, g, r, off);
		arg_pages(g, s, len);
		arg_syms(g, s, chance(g, 80) ? "PROT_READ" : "PROT_NONE");
	}
	s = rec(g, MS_CALL_MSEAL, -1);
	if (!s)
		return;
	arg_addr(s, g, r, off);
	arg_pages(g, s, len);
	arg_num(g, s, 0);
}

/* Does this process see an aio ring it made? */
static bool has_ring(const struct gen *g)
{
	for (int i = 1; i < g->nreg; i++)
		if (g->reg[i].aio && g->reg[i].seen &&
		    g->reg[i].depth <= g->depth)
			return true;
	return false;
}

static void gen_step(struct gen *g, bool allow_fork)
{
	int ri = pick_region(g), what;

	if (ri < 0) {
		gen_map_slot(g);
		return;
	}
	/*
	 * A facility this process set up gets used again: copies and moves
	 * into the range userfaultfd watches, the key on other ranges, its
	 * rights changed, the ring destroyed.
	 */
	if (g->uffd && (g->uffd_depths & (1u << g->depth)) && chance(g, 10)) {
		gen_uffd(g, ri);
		return;
	}
	if (g->pkey >= 0 && chance(g, 8)) {
		gen_pkey(g, ri);
		return;
	}
	if (has_ring(g) && chance(g, 5)) {
		gen_aio(g);
		return;
	}
	/* A wide program is about what changes the whole process. */
	if (g->wide && chance(g, 25) && gen_other(g, ri))
		return;
	what = rnd(g, 100);
	if (what < 14)
		gen_map_fixed(g);
	else if (what < 18)
		gen_map_slot(g);
	else if (what < 25)
		gen_range_call(g, ri, MS_CALL_MUNMAP);
	else if (what < 34)
		gen_range_call(g, ri, MS_CALL_MPROTECT);
	else if (what < 47)
		chance(g, 50) ? gen_seal_vma(g, ri) :
				gen_range_call(g, ri, MS_CALL_MSEAL);
	else if (what < 60)
		gen_range_call(g, ri, chance(g, 15) ? MS_CALL_PROCESS_MADVISE :
						      MS_CALL_MADVISE);
	else if (what < 69)
		gen_mremap(g, ri);
	else if (what < 72 && feat(g, MS_FEAT_MLOCK))
		gen_range_call(g, ri, PICK(g, ((const enum ms_call[]){
						 MS_CALL_MLOCK, MS_CALL_MLOCK2,
						 MS_CALL_MUNLOCK })));
	else if (what < 75)
		gen_range_call(g, ri, MS_CALL_MSYNC);
	else if (what < 76)
		gen_range_call(g, ri, MS_CALL_MINCORE);
	else if (what < 78 && g->s >= 0 && !execd(g)) {
		struct ms_step *s = rec(g, MS_CALL_SHMDT, -1);

		if (s)
			arg_addr(s, g, &g->reg[0], pick_offset(g, &g->reg[0]));
	} else if (what < 85 && gen_other(g, ri))
		;
	else if (what < 94 || !allow_fork)
		gen_access(g, ri);
	else if (what < 99 || execd(g) || !g->wide)
		gen_fork(g);
	else
		gen_exec(g);
}

/*
 * A process at the map-count limit, or a few VMAs short of it: a large
 * PROT_READ NORESERVE region z split by use_map_slots until `free` VMAs
 * are left below vm.max_map_count.  What splits or maps next meets the
 * limit (ENOMEM, part-way).  It costs some 60k mprotect calls on each
 * target, so it is rare and comes late in a program.
 */
#define LIMIT_PAGES 70000

static void gen_near_limit(struct gen *g)
{
	int name = new_name(g);
	struct ms_step *s;

	if (name < 0)
		return;
	s = rec(g, MS_CALL_MMAP, name);
	if (!s)
		return;
	arg_num(g, s, 0);
	arg_pages(g, s, LIMIT_PAGES);
	arg_syms(g, s, "PROT_READ");
	arg_syms(g, s, "MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE");
	s = rec(g, MS_CALL_USE_MAP_SLOTS, -1);
	if (!s)
		return;
	ms_build_arg(s, ms_expr_name(g->p, &(struct ms_expr){ 0 }, name, 0));
	arg_pages(g, s, LIMIT_PAGES);
	arg_num(g, s, PICK(g, ((const int[]){ 0, 0, 1, 2 })));
}

/* The prelude: the window, its contents, the descriptors. */
static int prelude(struct gen *g)
{
	struct ms_program *p = g->p;
	struct ms_step *s;
	char pat[MS_GRID_MAX + 1];
	int w;

	g->W = WINDOW_MIN + rnd(g, WINDOW_MAX - WINDOW_MIN + 1);
	w = ms_build_name(p, "w", 0);
	s = ms_build_call(p, MS_CALL_MMAP, w);
	if (!s)
		return -ENOMEM;
	arg_num(g, s, 0);
	arg_pages(g, s, g->W);
	arg_syms(g, s, "PROT_READ|PROT_WRITE");
	arg_syms(g, s, "MAP_PRIVATE|MAP_ANONYMOUS");
	add_region(g, w, g->W, false);
	g->f = g->r = g->s = -1;
	if (feat(g, MS_FEAT_MEMFD) && chance(g, 80)) {
		g->f = ms_build_name(p, "f", p->nsteps);
		s = ms_build_call(p, MS_CALL_MEMFD, g->f);
		if (!s)
			return -ENOMEM;
		arg_pages(g, s, MEMFD_PAGES);
		ms_build_arg_str(g->p, s, "abcdefgh");
		if (chance(g, 60)) {
			g->r = ms_build_name(p, "r", p->nsteps);
			s = ms_build_call(p, MS_CALL_REOPEN, g->r);
			if (!s)
				return -ENOMEM;
			ms_build_arg(s, ms_expr_name(g->p, &(struct ms_expr){ 0 },
						     g->f, 0));
			arg_syms(g, s, "O_RDONLY");
		}
	}
	if (feat(g, MS_FEAT_SHM) && chance(g, 25)) {
		g->s = ms_build_name(p, "s", p->nsteps);
		s = ms_build_call(p, MS_CALL_SHMGET, g->s);
		if (!s)
			return -ENOMEM;
		arg_pages(g, s, SHM_PAGES);
	}
	if (chance(g, 8)) {
		int v = ms_build_name(p, "v", p->nsteps);

		if (v >= 0 && ms_build_call(p, MS_CALL_VDSO, v))
			add_region(g, v, 2, true);
	}
	/* Contents, recorded: its snapshot is the generator's first view. */
	gen_pattern(g, pat, g->W);
	s = rec(g, MS_CALL_FILL, -1);
	if (!s)
		return -ENOMEM;
	arg_addr(s, g, &g->reg[0], 0);
	ms_build_arg_str(g->p, s, pat);
	return 0;
}

/*
 * Closing observations of the window: its VMA boundaries, protections and
 * seals (what the snapshots show after every step, for a run without
 * them) and its contents (which snapshots never show).  The grids are
 * placeholders: a trace fills them in (ms_fuzz_fill_results).
 */
static int closing(struct gen *g)
{
	static const struct {
		enum ms_attr attr;
		const char *tok;
	} obs[] = {
		{ MS_ATTR_VMAS, "a" },
		{ MS_ATTR_PROT, "rw " },
		{ MS_ATTR_SEAL, "-" },
		{ MS_ATTR_DATA, "0" },
	};

	for (size_t i = 0; i < sizeof(obs) / sizeof(obs[0]); i++) {
		struct ms_step *s = ms_build_step(g->p, MS_STEP_EXPECT);
		char grid[MS_STR_MAX];
		size_t used = 0;

		if (!s)
			return -ENOMEM;
		ms_expr_name(g->p, &s->where, g->reg[0].name, 0);
		s->attr = obs[i].attr;
		s->grid.kind = MS_ARG_STR;
		for (int k = 0; k < g->W; k++) {
			used += (size_t)snprintf(grid + used,
						 sizeof(grid) - used,
						 "%s", obs[i].tok);
			if (used >= sizeof(grid))
				return -EINVAL;
		}
		/* No trailing blank after the last "rw". */
		while (used && grid[used - 1] == ' ')
			grid[--used] = '\0';
		s->grid.str = ms_text_add_str(g->p, grid);
	}
	return 0;
}

/*
 * At the map-count limit, what needs a slot: a new mapping, or a call
 * that splits a VMA (a range that starts or ends inside one).
 */
static void gen_at_limit(struct gen *g)
{
	static const enum ms_call split[] = {
		MS_CALL_MPROTECT, MS_CALL_MSEAL, MS_CALL_MADVISE, MS_CALL_MUNMAP,
	};
	int ri = pick_region(g);

	if (ri < 0 || chance(g, 40)) {
		chance(g, 50) ? gen_map_slot(g) : gen_map_fixed(g);
		return;
	}
	gen_range_call(g, ri, PICK(g, split));
}

int ms_fuzz_generate(const struct ms_fuzz_gen_opts *o, struct ms_program *p)
{
	struct gen g;
	char name[64], why[160];
	int nsteps, limit_at, err;

	memset(&g, 0, sizeof(g));
	g.o = o;
	g.p = p;
	g.heap = g.pkey = g.exec_depth = -1;
	g.rng = o->seed * 0x2545f4914f6cdd1dULL + o->index + 1;
	next_u64(&g);
	g.wide = rnd(&g, WIDE_ONE_IN) == 0;
	snprintf(name, sizeof(name), "fuzz-%llu-%llu",
		 (unsigned long long)o->seed, (unsigned long long)o->index);
	ms_build_init(p, name, "found by sealspec fuzz", 1u << MS_RULE_GP);
	err = prelude(&g);
	nsteps = o->max_steps > 0 ? o->max_steps : 10;
	nsteps = 2 + rnd(&g, nsteps - 1);
	/*
	 * One program in 250 runs its last steps near the map-count limit,
	 * and there maps or splits more often than elsewhere (gen_at_limit()):
	 * that is what the limit is about.
	 */
	limit_at = feat(&g, MS_FEAT_MAP_COUNT) && rnd(&g, 250) == 0 ?
			   nsteps - 1 - rnd(&g, nsteps < 3 ? nsteps : 3) : -1;
	for (int i = 0; !err && i < nsteps && !g.broken; i++) {
		if (i == limit_at)
			gen_near_limit(&g);
		refresh(&g);
		if (g.broken)
			break;
		if (limit_at >= 0 && i >= limit_at && chance(&g, 60))
			gen_at_limit(&g);
		else
			gen_step(&g, true);
	}
	if (!err)
		err = closing(&g);
	if (!err)
		err = ms_build_finish(p, 0, why, sizeof(why));
	if (err) {
		ms_program_free(p);
		return err;
	}
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * The cells of sealspec coverage and the classifier behind them.
 *
 * A call is classified by the model's state just before it runs, over
 * the range it acts on: [addr, addr+len) rounded out to pages; for mmap
 * only MAP_FIXED and MAP_FIXED_NOREPLACE (the range it would replace);
 * for mremap the source, and as "mremap>new" the destination (the
 * MREMAP_FIXED target, or the pages an in-place growth would take); for
 * process_madvise2 each of its two iovecs, as process_madvise.
 *
 * Which VMAs lie in the range decides the seal state (no sealed VMA:
 * unsealed; only sealed ones: sealed; both: mixed; holes do not count)
 * and the shapes, which are not exclusive (one call may exercise several):
 *
 *   inside    [ .NN. ]  one VMA, the range strictly inside it
 *   exact     [NNNN]    one VMA, the range exactly its bounds
 *   N|S       [NN][SS]  an unsealed VMA followed by a sealed one
 *   S|N       [SS][NN]  a sealed VMA followed by an unsealed one
 *   several   [SS][SS]  several VMAs, all sealed or all unsealed
 *   holes     [SS] [NN] VMAs and unmapped gaps
 *   adjacent  [NN][SS]  no sealed VMA in the range, one right beside it
 *              ^^^^
 *   1p-off    a range that starts or ends one page off a sealed VMA's
 *             boundary (one page short of it, one page past it, or one
 *             page into it)
 *
 * The mapping kind is that of the sealed VMAs in the range (each kind
 * present counts), or of every VMA when none is sealed; for "adjacent"
 * and "1p-off" it is the kind of the sealed VMA beside or near the range.
 */
#include <sys/mman.h>
#include <string.h>

#include "coverage.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

/* The first user address no mapping reaches (x86-64, 4-level paging). */
#define COV_TASK_SIZE 0x7ffffffff000ULL
#define COV_PS 4096ULL
#define COV_SCAN_MAX 512	/* VMAs looked at in one range */

const struct cov_call cov_calls[COV_NCALLS] = {
	{ "mmap(MAP_FIXED)", MS_CALL_MMAP },
	{ "munmap", MS_CALL_MUNMAP },
	{ "mprotect", MS_CALL_MPROTECT },
	{ "pkey_mprotect", MS_CALL_PKEY_MPROTECT },
	{ "madvise", MS_CALL_MADVISE },
	{ "process_madvise", MS_CALL_PROCESS_MADVISE },
	{ "mremap", MS_CALL_MREMAP },
	{ "mremap>new", MS_CALL_MREMAP },
	{ "mseal", MS_CALL_MSEAL },
	{ "mlock", MS_CALL_MLOCK },
	{ "mlock2", MS_CALL_MLOCK2 },
	{ "munlock", MS_CALL_MUNLOCK },
	{ "msync", MS_CALL_MSYNC },
	{ "mbind", MS_CALL_MBIND },
	{ "set_mempolicy_home_node", MS_CALL_SET_MEMPOLICY_HOME_NODE },
	{ "mincore", MS_CALL_MINCORE },
	{ "remap_file_pages", MS_CALL_REMAP_FILE_PAGES },
	{ "uffd_register", MS_CALL_UFFD_REGISTER },
	{ "proc_mem_write", MS_CALL_PROC_MEM_WRITE },
	{ "proc_mem_read", MS_CALL_PROC_MEM_READ },
	{ "ptrace_poke", MS_CALL_PTRACE_POKE },
	{ "process_vm_write", MS_CALL_PROCESS_VM_WRITE },
};
const int cov_ncalls = sizeof(cov_calls) / sizeof(cov_calls[0]);

static const char *const kind_names[MS_NVMA_KINDS] = {
	[MS_VMA_ANON_PRIVATE] = "anon-private",
	[MS_VMA_ANON_SHARED] = "anon-shared",
	[MS_VMA_FILE_PRIVATE] = "file-private",
	[MS_VMA_FILE_SHARED] = "file-shared",
	[MS_VMA_FILE_RDONLY] = "file-rdonly",
	[MS_VMA_SYSV_SHM] = "sysv-shm",
	[MS_VMA_GROWSDOWN] = "growsdown",
	[MS_VMA_VDSO] = "vdso",
	[MS_VMA_AIO] = "aio-ring",
};

static const char *const seal_names[COV_NSEALS] = {
	"unsealed", "sealed", "mixed",
};

static const char *const shape_names[COV_NSHAPES] = {
	"inside", "exact", "N|S", "S|N", "several", "holes", "adjacent",
	"1p-off",
};

const char *cov_kind_name(enum ms_vma_kind k)
{
	return kind_names[k];
}

const char *cov_seal_name(enum cov_seal s)
{
	return seal_names[s];
}

const char *cov_shape_name(enum cov_shape s)
{
	return shape_names[s];
}

const char *cov_shape_title(enum cov_shape s)
{
	return shape_names[s];
}

const char *cov_unreachable(enum ms_vma_kind kind, enum cov_seal seal,
			    enum cov_shape shape)
{
	(void)kind;
	switch (shape) {
	case COV_INSIDE:
	case COV_EXACT:
		if (seal == COV_MIXED)
			return "one VMA is sealed or not: a range in one VMA "
			       "cannot be mixed";
		break;
	case COV_NS:
	case COV_SN:
		if (seal != COV_MIXED)
			return "a sealed VMA beside an unsealed one in the "
			       "range makes it mixed";
		break;
	case COV_SEVERAL:
		if (seal == COV_MIXED)
			return "several VMAs of which some are sealed are "
			       "N|S or S|N";
		break;
	case COV_ADJACENT:
		if (seal != COV_UNSEALED)
			return "a range beside a sealed VMA and not "
			       "overlapping it holds no sealed VMA";
		break;
	default:
		break;
	}
	return NULL;
}

/* What the classifier knows of one range. */
struct range_scan {
	uint64_t s, e;
	int n;			/* VMAs overlapping [s, e), up to the cap */
	struct ms_vma_info v[COV_SCAN_MAX];
	bool holes;
	int nsealed, nunsealed;
};

static void scan(const struct ms_mm *mm, uint64_t s, uint64_t e,
		 struct range_scan *r)
{
	struct ms_vma_info info;
	uint64_t at = s;

	r->s = s;
	r->e = e;
	r->n = 0;
	r->holes = false;
	r->nsealed = r->nunsealed = 0;
	while (at < e && ms_mm_vma_find(mm, at, &info) == 0 &&
	       info.start < e) {
		if (info.start > at)
			r->holes = true;
		if (info.sealed)
			r->nsealed++;
		else
			r->nunsealed++;
		/* Past the cap, VMAs still count towards the seal state. */
		if (r->n < COV_SCAN_MAX)
			r->v[r->n++] = info;
		at = info.end;
	}
	if (at < e)
		r->holes = true;
}

struct out {
	struct cov_cell *v;
	int n, max;
	int call;
};

static void emit(struct out *o, enum ms_vma_kind kind, enum cov_seal seal,
		 enum cov_shape shape)
{
	if (o->n >= o->max || cov_unreachable(kind, seal, shape))
		return;
	o->v[o->n].call = o->call;
	o->v[o->n].kind = kind;
	o->v[o->n].seal = seal;
	o->v[o->n].shape = shape;
	o->n++;
}

/* Emits shape for the kinds the range's seal state is about. */
static void emit_kinds(struct out *o, const struct range_scan *r,
		       enum cov_seal seal, enum cov_shape shape)
{
	for (int i = 0; i < r->n; i++)
		if (!r->nsealed || r->v[i].sealed)
			emit(o, r->v[i].kind, seal, shape);
}

/* True when x is one page from y, on either side. */
static bool one_page_off(uint64_t x, uint64_t y)
{
	return x + COV_PS == y || y + COV_PS == x;
}

static void classify_range(const struct ms_mm *mm, uint64_t s, uint64_t e,
			   struct out *o)
{
	static struct range_scan r;	/* 16 KiB: not on the stack */
	struct ms_vma_info left, right, near;
	enum cov_seal seal;
	bool has_left, has_right;

	if (e <= s)
		return;
	scan(mm, s, e, &r);
	seal = !r.nsealed ? COV_UNSEALED :
			    (r.nunsealed ? COV_MIXED : COV_SEALED);
	if (r.n == 1 && !r.holes)
		emit_kinds(o, &r, seal,
			   r.v[0].start == s && r.v[0].end == e ? COV_EXACT :
								   COV_INSIDE);
	if (r.n >= 2 && !r.holes) {
		bool ns = false, sn = false;

		for (int i = 0; i + 1 < r.n; i++) {
			ns |= !r.v[i].sealed && r.v[i + 1].sealed;
			sn |= r.v[i].sealed && !r.v[i + 1].sealed;
		}
		if (ns)
			emit_kinds(o, &r, seal, COV_NS);
		if (sn)
			emit_kinds(o, &r, seal, COV_SN);
		if (!ns && !sn)
			emit_kinds(o, &r, seal, COV_SEVERAL);
	}
	if (r.n >= 1 && r.holes)
		emit_kinds(o, &r, seal, COV_HOLES);

	/* The VMAs right beside the range, ending at s or starting at e. */
	has_left = s >= COV_PS && ms_mm_vma_find(mm, s - 1, &left) == 0 &&
		   left.end == s;
	has_right = ms_mm_vma_find(mm, e, &right) == 0 && right.start == e;
	if (!r.nsealed) {
		if (has_left && left.sealed)
			emit(o, left.kind, seal, COV_ADJACENT);
		if (has_right && right.sealed)
			emit(o, right.kind, seal, COV_ADJACENT);
	}

	/* Sealed VMAs with a boundary one page off an end of the range. */
	for (int i = 0; i < r.n; i++) {
		const struct ms_vma_info *v = &r.v[i];

		if (v->sealed &&
		    (one_page_off(s, v->start) || s + COV_PS == v->end ||
		     one_page_off(e, v->end) || e == v->start + COV_PS))
			emit(o, v->kind, seal, COV_OFF1);
	}
	/* One page short of a sealed VMA on either side. */
	if (s >= 2 * COV_PS && ms_mm_vma_find(mm, s - COV_PS - 1, &near) == 0 &&
	    near.end == s - COV_PS && near.sealed)
		emit(o, near.kind, seal, COV_OFF1);
	if (ms_mm_vma_find(mm, e + COV_PS, &near) == 0 &&
	    near.start == e + COV_PS && near.sealed)
		emit(o, near.kind, seal, COV_OFF1);
}

/* [addr, addr+len) rounded out to pages and cut at the top of user space. */
static void range_of(uint64_t addr, uint64_t len, uint64_t *s, uint64_t *e)
{
	uint64_t end = addr + len;

	if (end < addr || end > COV_TASK_SIZE)
		end = COV_TASK_SIZE;
	*s = addr & ~(COV_PS - 1);
	*e = (end + COV_PS - 1) & ~(COV_PS - 1);
	if (*e < end)
		*e = COV_TASK_SIZE;
}

static int find_call(const char *name)
{
	for (int i = 0; i < cov_ncalls; i++)
		if (strcmp(cov_calls[i].name, name) == 0)
			return i;
	return -1;
}

int cov_classify(const struct ms_mm *mm, const struct ms_program *p, int step,
		 const int64_t *args, struct cov_cell *out, int max)
{
	const struct ms_step *st = &p->steps[step];
	uint64_t a0 = (uint64_t)args[0], a1 = (uint64_t)args[1];
	uint64_t s, e;
	struct out o = { out, 0, max, -1 };

	switch (st->call) {
	case MS_CALL_MMAP:
		if (!(args[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
			return -1;
		o.call = find_call("mmap(MAP_FIXED)");
		break;
	case MS_CALL_MREMAP: {
		uint64_t new_len = (uint64_t)args[2];
		int flags = (int)args[3];

		o.call = find_call("mremap");
		range_of(a0, a1, &s, &e);
		classify_range(mm, s, e, &o);
		o.call = find_call("mremap>new");
		if (flags & MREMAP_FIXED)
			range_of((uint64_t)args[4], new_len, &s, &e);
		else if (new_len > a1 && !(flags & MREMAP_DONTUNMAP))
			range_of(a0 + a1, new_len - a1, &s, &e);
		else
			return o.n;
		classify_range(mm, s, e, &o);
		return o.n;
	}
	case MS_CALL_PROCESS_MADVISE2:
		/* Two iovecs: two ranges of one process_madvise. */
		o.call = find_call("process_madvise");
		range_of(a0, a1, &s, &e);
		classify_range(mm, s, e, &o);
		range_of((uint64_t)args[2], (uint64_t)args[3], &s, &e);
		classify_range(mm, s, e, &o);
		return o.n;
	case MS_CALL_PROC_MEM_WRITE:
	case MS_CALL_PTRACE_POKE:
	case MS_CALL_PROCESS_VM_WRITE:
		if (st->nargs < 2 || st->args[1].kind != MS_ARG_STR)
			return -1;
		a1 = strlen(ms_text(p, st->args[1].str)) * COV_PS;
		o.call = find_call(ms_call_desc[st->call].name);
		break;
	default:
		for (int i = 0; i < cov_ncalls; i++)
			if (cov_calls[i].call == st->call)
				o.call = i;
		if (o.call < 0)
			return -1;
		break;
	}
	range_of(a0, a1, &s, &e);
	classify_range(mm, s, e, &o);
	return o.n;
}

/* The model's hook for cov_program: one call's cells into the bitmap. */
static void mark_cells(void *ctx, const struct ms_mm *mm,
		       const struct ms_program *p, int step,
		       const int64_t *args)
{
	uint8_t *cells = ctx;
	struct cov_cell hits[COV_MAX_HITS];
	int n = cov_classify(mm, p, step, args, hits, COV_MAX_HITS);

	for (int i = 0; i < n; i++) {
		int c = cov_index(&hits[i]);

		cells[c / 8] |= (uint8_t)(1u << (c % 8));
	}
}

int cov_program(const struct ms_program *p, const struct ms_model_opts *mo,
		uint8_t *cells)
{
	struct ms_model_opts o = *mo;
	struct ms_trace t;
	int err;

	o.before_call = mark_cells;
	o.ctx = cells;
	ms_trace_init(&t);
	err = ms_model_run(p, &o, &t);
	ms_trace_free(&t);
	return err;
}

int cov_count(const uint8_t *cells)
{
	int n = 0;

	for (int i = 0; i < (COV_NCELLS + 7) / 8; i++)
		n += __builtin_popcount(cells[i]);
	return n;
}

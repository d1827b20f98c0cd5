// SPDX-License-Identifier: MIT
/*
 * The verdict engine: a trace (what one target did) against the
 * expectations a program writes for one profile.
 *
 * The rules, in the order they are applied:
 *   - a step the target could not run (missing feature) makes the case SKIP;
 *   - the first asserted step whose result or grid differs makes it FAIL,
 *     even if the child crashed later: that difference was observed;
 *   - otherwise a failed setup step, a crash, a hang or a missing result
 *     makes it BROK: the case could not be judged, which is never a FAIL;
 *   - a case whose xfail header names the profile turns FAIL into XFAIL,
 *     and PASS into FAIL (the known deviation went away: say so).
 * A page whose contents the target could not read at all matches any data
 * token: the runner's blindness is never the kernel's failure.  The cells
 * accepted that way are counted in the verdict, for the reports.
 * The engine knows nothing about kernels or models: both targets produce
 * the same trace and are judged here the same way.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "run/run.h"

/* Depth 0 is the scenario process; each nested fork adds one. */
#define DEPTH_MAX (MS_FORK_DEPTH_MAX + 1)
#define WATCH_MAX (MS_NAMES_MAX * MS_GRID_MAX)

/*
 * What lies between two snapshots of a sealed page, for the invariant:
 * calls of any kind and result, one call refused with EPERM (the seal's
 * errno), or one madvise or process_madvise refused with EPERM under a
 * profile whose madvise walk applies the advice to every VMA in front of
 * the one that refuses it, sealed ones included where the advice is
 * allowed on them (partial-apply: Linux 6.12 on).
 */
enum since {
	SINCE_CALLS,
	SINCE_REFUSAL,
	SINCE_REFUSED_ADVICE,
};

/* A sealed page seen in a snapshot, and what it looked like. */
struct watched {
	uint64_t addr;
	struct ms_page pg;
};

struct judge {
	const struct ms_program *p;
	const struct ms_trace *t;
	enum ms_profile profile;
	/* Name values per fork depth: a child's bindings stay its own. */
	int64_t values[DEPTH_MAX][MS_NAMES_MAX];
	bool bound[DEPTH_MAX][MS_NAMES_MAX];
	bool is_addr[DEPTH_MAX][MS_NAMES_MAX];	/* bound to an address, not
						 * a descriptor or an id */
	int depth;
	/* Sealed pages per fork depth, for the invariant check. */
	struct watched *watch[DEPTH_MAX];
	int nwatch[DEPTH_MAX];
	/*
	 * Per depth: calls since the last snapshots, the last call's step
	 * and result, and what the snapshots of the step being read follow
	 * (GP 1: one refused call keeps the whole page state of every sealed
	 * page, but for what its profile lets a refused madvise change).
	 */
	int unseen_calls[DEPTH_MAX];
	int last_call[DEPTH_MAX];
	int64_t last_ret[DEPTH_MAX];
	int snap_step[DEPTH_MAX];
	enum since since[DEPTH_MAX];
	/* The profile applies part of a refused call (partial-apply). */
	bool partial_apply;
	/* Expected data cells accepted unseen, and the first such step. */
	int unobservable;
	char unobservable_at[320];
	int unspecified;	/* steps run under a '?' result */
	/* Per fork depth, the last step judged: "expect unbound" steps
	 * after it are judged when the next outcome arrives. */
	int last[DEPTH_MAX];
	bool seen[4096];	/* steps judged or reported, for BROK */
	/* Set at the first difference; judging goes on only to learn which
	 * rules the failure is charged to (fail_rules). */
	bool failed;
	uint32_t fail_rules;
	int unobservable_then, unspecified_then; /* at the first */
	struct ms_verdict scratch;
};

static void appendf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void appendf(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* The alternative that applies to profile, or NULL when none does. */
static const struct ms_result *result_for(const struct ms_program *p,
					  const struct ms_step *s,
					  enum ms_profile profile)
{
	const struct ms_result *res = ms_step_results(p, s), *dflt = NULL;

	for (int i = 0; res && i < s->nresults; i++) {
		if (res[i].profiles & (1u << profile))
			return &res[i];
		if (res[i].profiles == 0)
			dflt = &res[i];
	}
	return dflt;
}

/* Addresses below this are constants in a scenario, never placed by the
 * kernel (mmap_min_addr): they print as they are. */
#define LOW_ADDR 0x10000

/* Appends "+Np" and "+0xN" for an offset from a base. */
static void format_offset(uint64_t off, long ps, char *buf, size_t len)
{
	size_t used = strlen(buf);

	if (off / (uint64_t)ps)
		used += (size_t)snprintf(buf + used, len - used, "+%" PRIu64 "p",
					 off / (uint64_t)ps);
	if (used < len && off % (uint64_t)ps)
		snprintf(buf + used, len - used, "+0x%" PRIx64,
			 off % (uint64_t)ps);
}

/*
 * An address as the scenario would write it, the same on every run and
 * every target: relative to the name whose region holds it ("a", "a+2p",
 * "a+1p+0x10"), else to the arena ("arena+40p").  Anything else the
 * kernel placed itself (mremap MAYMOVE, shmat at 0: top-down, under ASLR)
 * and it differs from run to run, so it reads "<outside the arena>";
 * small constants ("0x1000", "0") print as they are.
 */
static void format_addr(const struct judge *j, int64_t v, char *buf,
			size_t len)
{
	long ps = j->t->page_size ? j->t->page_size : 4096;
	uint64_t u = (uint64_t)v, arena = j->t->arena;
	int best = -1;
	uint64_t best_off = 0;

	for (int i = 0; i < j->p->nnames; i++) {
		uint64_t base = (uint64_t)j->values[j->depth][i];

		if (!j->bound[j->depth][i] || !j->is_addr[j->depth][i] ||
		    u < base ||
		    (u - base) / (uint64_t)ps > 4096)
			continue;
		if (best < 0 || u - base < best_off) {
			best = i;
			best_off = u - base;
		}
	}
	if (best >= 0) {
		snprintf(buf, len, "%s", j->p->names[best].name);
		format_offset(best_off, ps, buf, len);
	} else if (arena && u >= arena && u - arena < j->t->arena_size) {
		snprintf(buf, len, "arena");
		format_offset(u - arena, ps, buf, len);
	} else if (u < LOW_ADDR) {
		snprintf(buf, len, u ? "0x%" PRIx64 : "%" PRIu64, u);
	} else {
		snprintf(buf, len, "<outside the arena>");
	}
}

/*
 * A successful result, symbolically where its number would differ between
 * runs: an address as format_addr writes it; a descriptor, key or id by
 * the name it is bound to ("id = shmget(2p)  = id"); an unbound SysV IPC
 * id, which the kernel hands out system-wide, as "<IPC id>".
 */
static void format_value(const struct judge *j, const struct ms_step *s,
			 int64_t v, char *buf, size_t len)
{
	enum ms_ret_kind kind = s->kind == MS_STEP_CALL ?
					ms_call_desc[s->call].ret : MS_RET_INT;

	if (kind == MS_RET_ADDR)
		format_addr(j, v, buf, len);
	else if ((kind == MS_RET_FD || kind == MS_RET_ID) && s->bind >= 0)
		snprintf(buf, len, "%s", j->p->names[s->bind].name);
	else if (kind == MS_RET_ID)
		snprintf(buf, len, "<IPC id>");
	else
		snprintf(buf, len, "%" PRId64, v);
}

static void format_outcome(const struct judge *j, const struct ms_step *s,
			   const struct ms_outcome *o, char *buf, size_t len)
{
	if (o->kind == MS_OUT_FAULT) {
		char where[64];

		format_addr(j, (int64_t)o->fault_addr, where, sizeof(where));
		snprintf(buf, len, "fault (%s at %s)",
			 o->signo == SIGBUS ? "SIGBUS" : "SIGSEGV", where);
	} else if (o->ret < 0 && o->ret > -4096) {
		const char *name = ms_errno_name((int)-o->ret);

		if (name)
			snprintf(buf, len, "%s", name);
		else
			snprintf(buf, len, "-%" PRId64, -o->ret);
	} else {
		format_value(j, s, o->ret, buf, len);
	}
}

static void format_expected(const struct judge *j, const struct ms_step *s,
			    const struct ms_result *r, char *buf, size_t len)
{
	int64_t v;

	switch (r->kind) {
	case MS_RES_OK:
		snprintf(buf, len, "ok (any success)");
		break;
	case MS_RES_ERROR:
		snprintf(buf, len, "error (any errno)");
		break;
	case MS_RES_FAULT:
		snprintf(buf, len, "%s", r->signo == SIGBUS	 ? "fault(SIGBUS)" :
					 r->signo == SIGSEGV ? "fault(SIGSEGV)" :
							       "fault");
		break;
	case MS_RES_IN:
	case MS_RES_NOTIN:
	case MS_RES_NOT: {
		char lo[64], hi[64] = "";
		int64_t h;

		if (ms_eval(j->p, &r->value, j->values[j->depth],
			    j->bound[j->depth], j->t->page_size, &v) != 0 ||
		    (r->kind != MS_RES_NOT &&
		     ms_eval(j->p, &r->hi, j->values[j->depth],
			     j->bound[j->depth],
			     j->t->page_size, &h) != 0)) {
			snprintf(buf, len, "(an unbound name)");
			break;
		}
		format_value(j, s, v, lo, sizeof(lo));
		if (r->kind != MS_RES_NOT)
			format_value(j, s, h, hi, sizeof(hi));
		if (r->kind == MS_RES_NOT)
			snprintf(buf, len, "not(%.40s)", lo);
		else
			snprintf(buf, len, "%s(%.40s, %.40s)",
				 r->kind == MS_RES_IN ? "in" : "notin", lo, hi);
		break;
	}
	case MS_RES_ERRNO:
		snprintf(buf, len, "%s", ms_errno_name(r->err) ?
						 ms_errno_name(r->err) : "?");
		break;
	case MS_RES_VALUE:
		if (ms_eval(j->p, &r->value, j->values[j->depth],
			    j->bound[j->depth], j->t->page_size, &v) != 0)
			snprintf(buf, len, "(an unbound name)");
		else if (s->kind == MS_STEP_CALL &&
			 ms_call_desc[s->call].ret == MS_RET_ADDR)
			format_addr(j, v, buf, len);
		else
			snprintf(buf, len, "%" PRId64, v);	/* as written */
		break;
	default:
		snprintf(buf, len, "?");
	}
}

/* Does outcome o satisfy expected result r?  -EINVAL if r can't be
 * evaluated (a name the target never bound). */
static int result_matches(const struct judge *j, const struct ms_result *r,
			  const struct ms_outcome *o)
{
	bool fault = o->kind == MS_OUT_FAULT;
	bool failed = !fault && o->ret < 0 && o->ret > -4096;
	int64_t v;

	switch (r->kind) {
	case MS_RES_OK:
		return !fault && !failed;
	case MS_RES_ERROR:
		return failed;
	case MS_RES_FAULT:
		return fault && (!r->signo || o->signo == r->signo);
	case MS_RES_ERRNO:
		return failed && o->ret == -(int64_t)r->err;
	case MS_RES_VALUE:
		/*
		 * A value the call returned, never an errno of the same
		 * number: every call reports failure as -errno in
		 * [-4095, -1] (the parser refuses such a constant).
		 */
		if (ms_eval(j->p, &r->value, j->values[j->depth],
			    j->bound[j->depth], j->t->page_size, &v))
			return -EINVAL;
		return !fault && !failed && o->ret == v;
	case MS_RES_UNSPEC:
		return 1;
	case MS_RES_IN:
	case MS_RES_NOTIN:
	case MS_RES_NOT: {
		int64_t hi = 0;
		bool inside;

		if (ms_eval(j->p, &r->value, j->values[j->depth],
			    j->bound[j->depth], j->t->page_size, &v) ||
		    (r->kind != MS_RES_NOT &&
		     ms_eval(j->p, &r->hi, j->values[j->depth],
			     j->bound[j->depth],
			     j->t->page_size, &hi)))
			return -EINVAL;
		if (fault || failed)
			return 0;
		if (r->kind == MS_RES_NOT)
			return o->ret != v;
		/* Addresses compare unsigned: [lo, hi), hi excluded. */
		inside = (uint64_t)o->ret >= (uint64_t)v &&
			 (uint64_t)o->ret < (uint64_t)hi;
		return r->kind == MS_RES_IN ? inside : !inside;
	}
	default:
		return -EINVAL;
	}
}

/* The page grids of every named region right after step i, if the target
 * took snapshots: the context a reader needs to understand a failure. */
static void append_snapshots(const struct judge *j, int step, char *buf,
			     size_t len)
{
	static const enum ms_attr shown[] = { MS_ATTR_VMAS, MS_ATTR_PROT,
					      MS_ATTR_SEAL };
	bool header = false;

	for (int k = 0; k < j->t->nout; k++) {
		const struct ms_outcome *o = &j->t->out[k];

		if (o->step != step || o->kind != MS_OUT_PAGES || o->name < 0)
			continue;
		if (!header) {
			appendf(buf, len, "  page state after step %d:\n",
				ms_step_number(j->p, step));
			header = true;
		}
		appendf(buf, len, "    %-6s", j->p->names[o->name].name);
		for (size_t a = 0; a < sizeof(shown) / sizeof(shown[0]); a++) {
			char grid[MS_GRID_MAX * 5];

			ms_grid_format(shown[a], o->pages, o->npages, grid,
				       sizeof(grid));
			appendf(buf, len, " %s \"%s\"", ms_attr_name(shown[a]),
				grid);
		}
		appendf(buf, len, "\n");
	}
}

/*
 * The file name as a reason shows it: a reason is lines of text, so a
 * newline (or any control character) in a file name is written \xNN
 * rather than starting a line of its own.
 */
static void display_path(const char *path, char *buf, size_t len)
{
	size_t k = 0;

	for (; *path && k + 5 < len; path++) {
		unsigned char c = (unsigned char)*path;

		if (c < 0x20 || c == 0x7f)
			k += (size_t)snprintf(buf + k, len - k, "\\x%02X", c);
		else
			buf[k++] = (char)c;
	}
	buf[k] = '\0';
}

static void step_header(const struct judge *j, int i, char *buf, size_t len)
{
	char text[512], file[256];

	ms_print_step(j->p, i, text, sizeof(text));
	display_path(j->p->file, file, sizeof(file));
	snprintf(buf, len, "step %d (%s:%d): %s\n", ms_step_number(j->p, i),
		 file, j->p->steps[i].loc.line, text);
}

static void bind(struct judge *j, const struct ms_step *s,
		 const struct ms_outcome *o)
{
	if (s->kind != MS_STEP_CALL || s->bind < 0 || o->kind != MS_OUT_RET)
		return;
	if (o->ret < 0 && o->ret > -4096)
		return;
	j->values[j->depth][s->bind] = o->ret;
	j->bound[j->depth][s->bind] = true;
	j->is_addr[j->depth][s->bind] = ms_call_desc[s->call].ret ==
					MS_RET_ADDR;
}

static void enter_depth(struct judge *j, int depth)
{
	if (depth >= DEPTH_MAX)
		depth = DEPTH_MAX - 1;
	/*
	 * A child starts with its parent's names.  Its address space is a
	 * new mm, so the invariant starts afresh there: MADV_DONTFORK may
	 * legitimately leave a sealed range out of the child.
	 */
	while (j->depth < depth) {
		int d = j->depth;

		memcpy(j->values[d + 1], j->values[d], sizeof(j->values[0]));
		memcpy(j->bound[d + 1], j->bound[d], sizeof(j->bound[0]));
		memcpy(j->is_addr[d + 1], j->is_addr[d], sizeof(j->is_addr[0]));
		j->nwatch[d + 1] = 0;
		j->unseen_calls[d + 1] = 0;
		j->since[d + 1] = SINCE_CALLS;
		j->snap_step[d + 1] = -1;
		j->depth++;
	}
	j->depth = depth;
}

/*
 * The invariant (DESIGN §2), checked under every profile: a page once seen
 * sealed stays mapped, sealed, with the same protection and backing, until
 * the process execs.  Snapshots after every asserted step are the evidence;
 * this is what makes "sealed pages are never touched" (GP) a check on every
 * scenario rather than on the grids someone remembered to write.
 *
 * Across a call refused with EPERM (the seal's errno) and nothing else,
 * docs/spec.md GP 1 asks for more: the whole page state stays, lock,
 * inherit flags, protection key, guard state and contents (where both
 * snapshots read them: sealed pages the target could read without a
 * fault) too.  A call that succeeds may change those (mlock and
 * MADV_DONTFORK are allowed on sealed memory).  So may a refused madvise
 * under partial-apply, for the sealed VMAs in front of the refusal: their
 * contents (a discard), inherit flags (DONTFORK, WIPEONFORK) and guard
 * state (GUARD_INSTALL); the lock and the protection key, which no advice
 * changes, stay.
 */
static const char changed_contents[] =
	"changed its contents in a refused call";

static const char *invariant_broken(const struct ms_page *was,
				    const struct ms_page *now,
				    enum since since)
{
	if (!now->mapped)
		return "was unmapped";
	if (!now->sealed)
		return "lost its seal";
	if (now->prot != was->prot)
		return "changed protection";
	if (now->shared != was->shared || now->backing != was->backing ||
	    (was->backing == MS_BACK_FILE && now->pgoff != was->pgoff))
		return "changed backing";
	if (since == SINCE_CALLS)
		return NULL;
	if (now->lock != was->lock)
		return "changed its lock state in a refused call";
	if (now->pkey != was->pkey)
		return "changed its protection key in a refused call";
	if (since == SINCE_REFUSED_ADVICE)
		return NULL;
	if (now->inherit != was->inherit)
		return "changed its inherit flags in a refused call";
	if (now->guard != was->guard)
		return "changed its guard state in a refused call";
	if (now->data != was->data && now->data != '?' && was->data != '?' &&
	    now->data != MS_DATA_UNOBSERVABLE &&
	    was->data != MS_DATA_UNOBSERVABLE)
		return changed_contents;
	return NULL;
}

/* Calls that advise the caller's own address space. */
static bool is_advice(const struct ms_step *s)
{
	return s->kind == MS_STEP_CALL &&
	       (s->call == MS_CALL_MADVISE ||
		s->call == MS_CALL_PROCESS_MADVISE ||
		s->call == MS_CALL_PROCESS_MADVISE2);
}

/*
 * Keeps count of the calls between two batches of snapshots, so that a
 * batch is known to follow exactly one refused call.
 */
static void note_outcome(struct judge *j, const struct ms_outcome *o)
{
	int d = j->depth;

	if (o->kind == MS_OUT_RET || o->kind == MS_OUT_FAULT) {
		if (j->p->steps[o->step].kind != MS_STEP_CALL)
			return;
		j->unseen_calls[d]++;
		j->last_call[d] = o->step;
		j->last_ret[d] = o->kind == MS_OUT_RET ? o->ret : 0;
	} else if (o->kind == MS_OUT_PAGES && o->name >= 0 &&
		   (j->snap_step[d] != o->step || j->unseen_calls[d])) {
		j->since[d] = SINCE_CALLS;
		if (j->unseen_calls[d] == 1 && j->last_call[d] == o->step &&
		    j->last_ret[d] == -EPERM)
			j->since[d] = SINCE_REFUSAL;
		if (j->since[d] == SINCE_REFUSAL && j->partial_apply &&
		    is_advice(&j->p->steps[o->step]))
			j->since[d] = SINCE_REFUSED_ADVICE;
		j->snap_step[d] = o->step;
		j->unseen_calls[d] = 0;
	}
}

static bool check_invariant(struct judge *j, const struct ms_outcome *o,
			    struct ms_verdict *v)
{
	struct watched *w = j->watch[j->depth];
	long ps = j->t->page_size ? j->t->page_size : 4096;

	/* Most traces never fork: a depth's table comes when it is used. */
	if (!w) {
		w = j->watch[j->depth] = malloc(WATCH_MAX * sizeof(*w));
		if (!w) {
			snprintf(v->reason, sizeof(v->reason),
				 "out of memory checking the invariant");
			v->code = MS_BROK;
			return true;
		}
	}
	for (int i = 0; i < o->npages && i < MS_GRID_MAX; i++) {
		uint64_t addr = o->addr + (uint64_t)i * ps;
		const struct ms_page *now = &o->pages[i];
		int k;

		for (k = 0; k < j->nwatch[j->depth]; k++)
			if (w[k].addr == addr)
				break;
		if (k < j->nwatch[j->depth]) {
			const char *why = invariant_broken(
				&w[k].pg, now, j->since[j->depth]);
			char where[64];

			if (why) {
				step_header(j, o->step, v->reason,
					    sizeof(v->reason));
				format_addr(j, (int64_t)addr, where,
					    sizeof(where));
				appendf(v->reason, sizeof(v->reason),
					"  invariant broken: the sealed page "
					"at %s %s",
					where, why);
				if (why == changed_contents)
					appendf(v->reason, sizeof(v->reason),
						" (data \"%c\" before, \"%c\" "
						"after)",
						w[k].pg.data, now->data);
				appendf(v->reason, sizeof(v->reason), "\n");
				append_snapshots(j, o->step, v->reason,
						 sizeof(v->reason));
				v->code = MS_FAIL;
				v->step = o->step;
				return true;
			}
			w[k].pg = *now;
		} else if (now->mapped && now->sealed &&
			   j->nwatch[j->depth] < WATCH_MAX) {
			w[j->nwatch[j->depth]].addr = addr;
			w[j->nwatch[j->depth]].pg = *now;
			j->nwatch[j->depth]++;
		}
	}
	return false;
}

/*
 * A data grid matched with `cells` expected tokens the target could not
 * observe: count them, and remember where it happened first.
 */
static void note_unobservable(struct judge *j, const struct ms_step *s,
			      const struct ms_outcome *o, int cells)
{
	char grid[MS_GRID_MAX * 5];

	if (cells == 0)
		return;
	if (j->unobservable == 0) {
		ms_grid_format(s->attr, o->pages, o->npages, grid,
			       sizeof(grid));
		snprintf(j->unobservable_at, sizeof(j->unobservable_at),
			 "step %d (%.100s:%d): expected %s \"%.64s\", observed "
			 "\"%.64s\"",
			 ms_step_number(j->p, o->step), j->p->file, s->loc.line,
			 ms_attr_name(s->attr), ms_text(j->p, s->grid.str),
			 grid);
	}
	j->unobservable += cells;
}

/* Judges one outcome; returns true when it fails, with v filled in. */
static bool judge_outcome(struct judge *j, const struct ms_outcome *o,
			  struct ms_verdict *v)
{
	const struct ms_step *s = &j->p->steps[o->step];
	char exp[128], got[128];

	if (s->kind == MS_STEP_CALL && o->kind != MS_OUT_PAGES) {
		const struct ms_result *r = result_for(j->p, s, j->profile);
		int m;

		if (!r || s->nresults == 0)
			return false;
		if (r->kind == MS_RES_UNSPEC) {
			j->unspecified++;
			return false;
		}
		m = result_matches(j, r, o);
		if (m == 1)
			return false;
		step_header(j, o->step, v->reason, sizeof(v->reason));
		format_expected(j, s, r, exp, sizeof(exp));
		format_outcome(j, s, o, got, sizeof(got));
		appendf(v->reason, sizeof(v->reason),
			"  expected %s, got %s (profile %s)\n", exp, got,
			ms_profile_name(j->profile));
		append_snapshots(j, o->step, v->reason, sizeof(v->reason));
		v->code = m < 0 ? MS_BROK : MS_FAIL;
		v->step = o->step;
		return true;
	}
	if (s->kind == MS_STEP_EXPECT && o->kind == MS_OUT_PAGES &&
	    o->name < 0) {
		char grid[MS_GRID_MAX * 5];
		int m, blind = 0;

		if (s->profiles && !(s->profiles & (1u << j->profile)))
			return false;
		m = ms__grid_match(s->attr, ms_text(j->p, s->grid.str),
				   o->pages, o->npages, &blind);
		if (m == 1) {
			note_unobservable(j, s, o, blind);
			return false;
		}
		step_header(j, o->step, v->reason, sizeof(v->reason));
		ms_grid_format(s->attr, o->pages, o->npages, grid,
			       sizeof(grid));
		appendf(v->reason, sizeof(v->reason),
			"  expected %s \"%s\"\n  observed %s \"%s\" "
			"(profile %s)\n",
			ms_attr_name(s->attr), ms_text(j->p, s->grid.str),
			ms_attr_name(s->attr), grid,
			ms_profile_name(j->profile));
		v->code = m < 0 ? MS_BROK : MS_FAIL;
		v->step = o->step;
		return true;
	}
	return false;
}

/* A setup step (no "=>") that failed: the case cannot be judged. */
static bool setup_failed(struct judge *j, const struct ms_outcome *o,
			 struct ms_verdict *v)
{
	const struct ms_step *s = &j->p->steps[o->step];
	char got[128];

	if (s->kind != MS_STEP_CALL || s->nresults != 0)
		return false;
	if (o->kind == MS_OUT_RET && !(o->ret < 0 && o->ret > -4096))
		return false;
	if (o->kind != MS_OUT_RET && o->kind != MS_OUT_FAULT)
		return false;
	step_header(j, o->step, v->reason, sizeof(v->reason));
	format_outcome(j, s, o, got, sizeof(got));
	appendf(v->reason, sizeof(v->reason),
		"  setup step failed with %s; the case cannot be judged\n",
		got);
	v->code = MS_BROK;
	v->step = o->step;
	return true;
}

/* The rules a failure of step i is charged to. */
static uint32_t step_rules(const struct ms_program *p, int i)
{
	return p->steps[i].rules ? p->steps[i].rules : p->rules;
}

/*
 * "expect unbound NAME" at step i: the target reports nothing for it; the
 * bindings the outcomes before it made decide.
 */
static bool judge_unbound(struct judge *j, int d, int i,
			  struct ms_verdict *v)
{
	const struct ms_step *s = &j->p->steps[i];
	const struct ms_term *w = ms_expr_terms(j->p, &s->where);
	int n = w && s->where.nterms == 1 ? w[0].name : -1;
	char got[64];

	if (i < 4096)
		j->seen[i] = true;
	if (s->profiles && !(s->profiles & (1u << j->profile)))
		return false;
	if (n < 0 || n >= MS_NAMES_MAX || n >= j->p->nnames ||
	    !j->bound[d][n])
		return false;
	step_header(j, i, v->reason, sizeof(v->reason));
	if (j->is_addr[d][n])
		format_addr(j, j->values[d][n], got, sizeof(got));
	else
		snprintf(got, sizeof(got), "%" PRId64, j->values[d][n]);
	appendf(v->reason, sizeof(v->reason),
		"  expected %s unbound (its binding call failed), but it is "
		"bound to %s (profile %s)\n",
		j->p->names[n].name, got, ms_profile_name(j->profile));
	v->code = MS_FAIL;
	v->step = i;
	return true;
}

/*
 * A step that differed: the first one gives the verdict (in v); later
 * ones, judged into scratch, only add their rules.  Returns true when
 * judging must stop: the first difference was not a FAIL (BROK).
 */
static bool differed(struct judge *j, struct ms_verdict *dst, int step)
{
	if (dst->code != MS_FAIL)
		return !j->failed;
	if (!j->failed) {
		j->unobservable_then = j->unobservable;
		j->unspecified_then = j->unspecified;
	}
	j->fail_rules |= step_rules(j->p, step);
	j->failed = true;
	return false;
}

/* Judges the "expect unbound" steps of depth d after j->last[d], up to
 * (not including) step `to`. */
static bool judge_pending(struct judge *j, int d, int to, struct ms_verdict *v)
{
	for (int k = j->last[d] + 1; k < to && k < j->p->nsteps; k++) {
		const struct ms_step *s = &j->p->steps[k];
		struct ms_verdict *dst = j->failed ? &j->scratch : v;

		if (s->depth < d)
			break;	/* the end of this fork block */
		if (s->depth != d || s->kind != MS_STEP_UNBOUND)
			continue;
		if (judge_unbound(j, d, k, dst) && differed(j, dst, k))
			return true;
	}
	return false;
}

/* The step that opened the fork block step i is in, at depth d - 1. */
static int fork_of(const struct ms_program *p, int i, int d)
{
	for (int k = i - 1; k >= 0; k--)
		if (p->steps[k].kind == MS_STEP_FORK && p->steps[k].depth == d - 1)
			return k;
	return -1;
}

static void judge_trace(struct judge *j, struct ms_verdict *v)
{
	const struct ms_trace *t = j->t;
	bool *seen = j->seen;
	struct ms_verdict brok = { .code = MS_PASS, .step = -1 };

	for (int d = 0; d < DEPTH_MAX; d++)
		j->last[d] = -1;
	if (t->end == MS_END_SKIP) {
		v->code = MS_SKIP;
		snprintf(v->reason, sizeof(v->reason), "%s", t->reason);
		return;
	}

	for (int k = 0; k < t->nout; k++) {
		const struct ms_outcome *o = &t->out[k];
		struct ms_verdict *dst = j->failed ? &j->scratch : v;
		int d = o->pid_depth < DEPTH_MAX ? o->pid_depth : DEPTH_MAX - 1;

		if (o->step < 0 || o->step >= j->p->nsteps) {
			if (j->failed)
				break;
			v->code = MS_BROK;
			snprintf(v->reason, sizeof(v->reason),
				 "the target reported step %d, which the "
				 "program does not have", o->step + 1);
			return;
		}
		if (o->step < (int)(sizeof(j->seen) / sizeof(j->seen[0])))
			seen[o->step] = true;
		if (o->kind == MS_OUT_SKIP) {
			if (j->failed)
				break;
			v->code = MS_SKIP;
			snprintf(v->reason, sizeof(v->reason),
				 "step %d needs a feature this target lacks",
				 ms_step_number(j->p, o->step));
			return;
		}
		/* Back from a fork child: its trailing steps come first. */
		for (int dd = j->depth; dd > d; dd--)
			if (judge_pending(j, dd, j->p->nsteps, v))
				return;
		if (d > j->depth) {
			for (int dd = j->depth + 1; dd <= d; dd++)
				j->last[dd] = fork_of(j->p, o->step, dd);
		}
		enter_depth(j, o->pid_depth);
		if (judge_pending(j, d, o->step, v))
			return;
		if (o->step > j->last[d])
			j->last[d] = o->step;
		dst = j->failed ? &j->scratch : v;
		/* A target may report the step all the same: judged here. */
		if (j->p->steps[o->step].kind == MS_STEP_UNBOUND) {
			if (judge_unbound(j, d, o->step, dst) &&
			    differed(j, dst, o->step))
				return;
			continue;
		}
		if (j->p->steps[o->step].kind == MS_STEP_EXEC)
			j->nwatch[j->depth] = 0;	/* a new mm */
		note_outcome(j, o);
		if (((o->kind == MS_OUT_PAGES && o->name >= 0 &&
		      check_invariant(j, o, dst)) ||
		     judge_outcome(j, o, dst)) &&
		    differed(j, dst, o->step))
			return;
		if (!j->failed && brok.code == MS_PASS)
			setup_failed(j, o, &brok);
		bind(j, &j->p->steps[o->step], o);
	}
	if (t->end == MS_END_DONE && (j->failed || brok.code == MS_PASS))
		for (int dd = j->depth; dd >= 0; dd--)
			if (judge_pending(j, dd, j->p->nsteps, v))
				return;
	if (j->failed) {
		/* Counts as they were when the verdict was reached. */
		j->unobservable = j->unobservable_then;
		j->unspecified = j->unspecified_then;
		v->rules = j->fail_rules;
		return;
	}

	if (brok.code != MS_PASS) {
		*v = brok;
		return;
	}
	if (t->end == MS_END_BROK) {
		v->code = MS_BROK;
		v->timed_out = t->timed_out;
		snprintf(v->reason, sizeof(v->reason), "%s", t->reason);
		return;
	}
	for (int i = 0; i < j->p->nsteps && i < 4096; i++) {
		const struct ms_step *s = &j->p->steps[i];

		if (s->kind == MS_STEP_NOTE || seen[i])
			continue;
		step_header(j, i, v->reason, sizeof(v->reason));
		appendf(v->reason, sizeof(v->reason),
			"  the target reported no result for this step\n");
		v->code = MS_BROK;
		v->step = i;
		return;
	}
	v->code = MS_PASS;
}

void ms_judge(const struct ms_program *p, const struct ms_trace *t,
	      enum ms_profile profile, struct ms_verdict *v)
{
	struct judge j;

	memset(&j, 0, sizeof(j));
	j.p = p;
	j.t = t;
	j.profile = profile;
	/* The profile table's switch, without the model's flips. */
	if ((unsigned)profile < MS_NPROFILES)
		j.partial_apply = ms__switch_mask(profile, 0) &
				  1u << MS__SW_PARTIAL_APPLY;
	memset(j.watch, 0, sizeof(j.watch));
	memset(j.nwatch, 0, sizeof(j.nwatch));
	v->code = MS_PASS;
	v->step = -1;
	v->timed_out = false;
	v->reason[0] = '\0';
	v->rules = p->rules;

	judge_trace(&j, v);
	for (int d = 0; d < DEPTH_MAX; d++)
		free(j.watch[d]);
	v->unobservable = j.unobservable;
	v->unspecified = j.unspecified;
	memcpy(v->unobservable_at, j.unobservable_at,
	       sizeof(v->unobservable_at));

	if (!(p->xfail & (1u << profile)))
		return;
	if (v->code == MS_FAIL) {
		char why[sizeof(v->reason)];

		snprintf(why, sizeof(why), "expected failure (%.200s):\n%.1700s",
			 ms_text(p, p->xfail_reason), v->reason);
		memcpy(v->reason, why, sizeof(why));
		v->code = MS_XFAIL;
	} else if (v->code == MS_PASS) {
		v->code = MS_FAIL;
		snprintf(v->reason, sizeof(v->reason),
			 "expected to fail under %s (%s), but passed: remove "
			 "the xfail header if the deviation is gone",
			 ms_profile_name(profile), ms_text(p, p->xfail_reason));
	}
}

/*
 * The trace as text, one line per outcome: what the target did at every
 * step, with errno names and addresses relative to the scenario's names.
 * Observations show the grid of the attribute the expect step asked for.
 */
char *ms_trace_format(const struct ms_program *p, const struct ms_trace *t)
{
	struct judge j;
	size_t cap = 4096, used = 0;
	char *buf = malloc(cap);

	if (!buf)
		return NULL;
	buf[0] = '\0';
	memset(&j, 0, sizeof(j));
	j.p = p;
	j.t = t;
	for (int k = 0; k < t->nout; k++) {
		const struct ms_outcome *o = &t->out[k];
		const struct ms_step *s;
		char text[512], res[MS_GRID_MAX * 5];
		int w;

		if (o->step < 0 || o->step >= p->nsteps)
			continue;
		s = &p->steps[o->step];
		/* Snapshots are context for failures, not steps. */
		if (o->kind == MS_OUT_PAGES && o->name >= 0)
			continue;
		enter_depth(&j, o->pid_depth);
		bind(&j, s, o);
		ms_print_step(p, o->step, text, sizeof(text));
		if (o->kind == MS_OUT_PAGES)
			ms_grid_format(s->attr, o->pages, o->npages, res,
				       sizeof(res));
		else if (o->kind == MS_OUT_SKIP)
			snprintf(res, sizeof(res), "skipped");
		else
			format_outcome(&j, s, o, res, sizeof(res));
		for (;;) {
			w = snprintf(buf + used, cap - used,
				     "%3d %*s%-*s %s %s\n",
				     ms_step_number(p, o->step),
				     2 * o->pid_depth, "",
				     o->pid_depth < 20 ? 44 - 2 * o->pid_depth : 4,
				     text,
				     o->kind == MS_OUT_PAGES ? "->" : "=",
				     res);
			if (w >= 0 && (size_t)w < cap - used)
				break;
			cap *= 2;
			char *bigger = realloc(buf, cap);

			if (!bigger) {
				free(buf);
				return NULL;
			}
			buf = bigger;
		}
		used += (size_t)w;
	}
	return buf;
}

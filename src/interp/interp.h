/* SPDX-License-Identifier: MIT */
/*
 * The step interpreter every target shares.
 *
 * It owns what a scenario means, whatever runs it: the arena and its
 * slots, name binding, the setup-step rule, fork/end/exec ordering, the
 * snapshot policy and the outcomes recorded.  A target supplies a backend:
 * a small table of operations that execute one call, observe pages, and
 * make a fork child or an exec image.
 *
 *   program --ms__interp_run--> steps --ops->call/observe/fork--> backend
 *                                  \--ops->emit--> outcomes (the trace)
 *
 * The interpreter never allocates and uses no stdio: the kernel backend
 * runs it inside the scenario process, where malloc could place memory
 * where the scenario maps, and the scenario may unmap or seal what libc
 * relies on.
 */
#ifndef SEALSPEC_INTERP_H
#define SEALSPEC_INTERP_H

#include <stdbool.h>
#include <stdint.h>

#include "sealspec.h"

/*
 * The arena: 32 TiB up, above everything the loader and the kernel's
 * top-down mmap place, and clear of AddressSanitizer's fixed ranges on
 * x86_64 (shadow below 0x10007fff8000, allocator at 0x600000000000).
 * Every target puts its arena here, so that addresses agree.
 */
#define MS__ARENA_BASE 0x200000000000ULL
#define MS__ARENA_SIZE (64ULL << 30)	/* the arena, from MS__ARENA_BASE up */

/* Pages left free after each arena slot, so slots never merge. */
#define MS__SLOT_GAP_PAGES 16

/* How a run of steps ended (the interpreter's own status, not an errno). */
enum ms__stop {
	MS__STOP_DONE,	/* the last step ran */
	MS__STOP_END,	/* a fork child reached the end of its block */
	MS__STOP_SETUP,	/* a setup step failed; its outcome says how */
	MS__STOP_BROK,	/* the case cannot be judged: in->reason says why */
};

/* What a fork operation made of the calling context. */
enum ms__fork_side {
	MS__FORK_CHILD,	 /* this context is the child; the parent, in
			  * another process, records the fork step */
	MS__FORK_PARENT, /* the child runs elsewhere; wait_child joins it */
	MS__FORK_INLINE, /* this context is the child, and the parent is
			  * suspended until child_exit brings it back */
};

struct ms__interp;

/*
 * Which contents an observation reads (ms__backend_ops.observe).  The
 * snapshots after every asserted call read those of sealed pages alone,
 * and only where reading changes nothing a later step could see: a page
 * that is not in memory is never faulted in, and a page this process may
 * not read itself stays unread.  The invariant compares what they read
 * across a refused call (docs/spec.md GP 1); a page left unread there is
 * '?', never MS_DATA_UNOBSERVABLE, since no expectation asked for it.
 */
enum ms__observe_data {
	MS__OBSERVE_NO_DATA,	 /* data '?' for every mapped page */
	MS__OBSERVE_DATA,	 /* every page's contents (an expect data
				  * step), by any route the target has */
	MS__OBSERVE_SEALED_DATA, /* the snapshot policy above */
};

/*
 * A target's operations.  Every one returns 0 or -errno unless said
 * otherwise; one that cannot go on may also set a reason with
 * ms__interp_brok() and return MS__STOP_BROK through its caller.
 */
struct ms__backend_ops {
	/*
	 * Executes call step `step` with evaluated arguments a[] and string
	 * arguments str[] (a[0] of an mmap already carries its arena slot
	 * hint).  Returns the call's value or -errno.  A memory access that
	 * faulted sets *signo and *fault_addr instead.  A backend that cannot
	 * judge the call (a limit of its own hit) calls ms__interp_brok() and
	 * sets *stop.
	 */
	int64_t (*call)(struct ms__interp *in, int step, const int64_t *a,
			const char *const *str, int *signo,
			uint64_t *fault_addr, bool *stop);
	/* Page state of npages pages from addr; contents as data says. */
	int (*observe)(struct ms__interp *in, uint64_t addr, int npages,
		       enum ms__observe_data data, struct ms_page *pages);
	/*
	 * hold true: the observations until hold false see one address
	 * space (the snapshots after one step), so it may be read once.
	 */
	void (*observe_hold)(struct ms__interp *in, bool hold);
	/* Bytes from addr to the end of its VMA, 0 when none. */
	uint64_t (*region_size)(struct ms__interp *in, uint64_t addr);
	/*
	 * Makes a fork child of the current context (the outcome of the
	 * fork step is the interpreter's to record, after this returns in
	 * the parent's or the child's context).  Returns an ms__fork_side,
	 * or -errno.
	 */
	int (*fork)(struct ms__interp *in, int step);
	/*
	 * The child's block ended with status st (MS__STOP_END, SETUP or
	 * BROK).  A backend whose child is a process ends it here (no
	 * return); another restores the parent's context and returns st.
	 */
	int (*child_exit)(struct ms__interp *in, int st);
	/*
	 * In the parent, after MS__FORK_PARENT: waits for the child.  Returns
	 * MS__STOP_END when the child's block ran to its end, or the status
	 * that ends the parent too.
	 */
	int (*wait_child)(struct ms__interp *in, int step, int end);
	/*
	 * The exec step `step`: the process becomes a new image that keeps
	 * the names.  A backend that really execs does not return on
	 * success.  Returns 0 (the image is in place: the interpreter records
	 * the step) or -errno.
	 */
	int (*exec)(struct ms__interp *in, int step);
	/* Records one outcome; MS__STOP_BROK when it cannot. */
	int (*emit)(struct ms__interp *in, const struct ms_outcome *o);
};

/* The values names hold: copied whole into a fork child and an exec. */
struct ms__names {
	int64_t values[MS_NAMES_MAX];
	uint64_t sizes[MS_NAMES_MAX];	/* snapshot extent, 0: none */
	bool bound[MS_NAMES_MAX];
};

struct ms__interp {
	const struct ms__backend_ops *ops;
	const struct ms_program *p;
	long ps;
	uint64_t arena;		/* MS__ARENA_BASE */
	uint64_t slot_off;	/* next arena slot, relative to arena */
	int depth;		/* fork nesting of the current context */
	bool snapshots;		/* page states of every name after every
				 * asserted call */
	bool held;		/* consecutive expect steps share one look
				 * at the address space (observe_hold) */
	struct ms__names n;
	struct ms_outcome out;	/* scratch for the outcome being made */
	struct ms_page pages[MS_GRID_MAX]; /* ...and its pages */
	/* MS__STOP_BROK: why, and whether " after step N" is to be added. */
	char reason[200];
	bool append_last;
	/* The backend already told its consumer (a fork child's BROK). */
	bool reported;
};

/*
 * Runs steps from `from` until the program ends (MS__STOP_DONE), the
 * current fork block ends (MS__STOP_END), a setup step fails or the case
 * breaks.
 */
int ms__interp_run(struct ms__interp *in, int from);

/*
 * Sets in->reason to "step N (line L): what[: ERRNO]" (step < 0: no
 * prefix; err 0: no suffix) and returns MS__STOP_BROK.
 */
int ms__interp_brok(struct ms__interp *in, int step, const char *what,
		    int64_t err);

/* Records the plain result of step (a fork, an end, an exec). */
int ms__interp_emit_ret(struct ms__interp *in, int step, int64_t ret);

/* The "end" that closes the fork block opened at step i, or -1. */
int ms__interp_matching_end(const struct ms_program *p, int i);

/* Rounds v up to a multiple of the page size ps. */
static inline uint64_t ms__page_up(uint64_t v, long ps)
{
	return (v + (uint64_t)ps - 1) & ~((uint64_t)ps - 1);
}

/* A tiny formatter for code that may not use stdio. */
struct ms__sbuf {
	char *p;
	size_t len, cap;
};

void ms__sb_str(struct ms__sbuf *b, const char *s);
void ms__sb_int(struct ms__sbuf *b, int64_t v);

#endif /* SEALSPEC_INTERP_H */

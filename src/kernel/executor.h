/* SPDX-License-Identifier: MIT */
/*
 * The executor: the kernel target's fast path for the fuzzer (src/fuzz/).
 * One long-lived process runs program after program, each in a fresh
 * window of the address space, instead of a forked scenario process per
 * program (run.c, spawn.c).  The catalog never uses it.
 *
 *   worker (here)                       executor process
 *   -------------                       ----------------
 *   program -> shared memfd
 *   request (socket) ---------------->  runs it in window k (exec.c)
 *   outcomes, shifted to the arena <--  a record per outcome (pipe)
 *   reply   <-------------------------  end, window, time in calls
 *                                       cleans up: unmaps the window,
 *                                       closes descriptors, drops the
 *                                       SysV holds; exits when it cannot
 *                                       restore what the next program sees
 *
 * Traces come back as if the program had run in the scenario process's
 * arena (MS__ARENA_BASE): addresses in the window are shifted, so they
 * compare with the model's as they are.  Which programs it takes and when
 * it is replaced: executor.c, and docs/fuzz.md.
 */
#ifndef SEALSPEC_EXECUTOR_H
#define SEALSPEC_EXECUTOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sealspec.h"

/*
 * Why p cannot run in the executor ("brk", "exec", "reaches beyond its
 * window", ...), or NULL when it can.  *recycle_after: it may, but
 * changes what later programs would see (the vDSO), so the executor is
 * replaced after it.
 */
const char *ms__executor_refuses(const struct ms_program *p, long page_size,
				 bool *recycle_after);

/*
 * Runs p in the executor (started on first use) and fills t as
 * ms_kernel_run() would, addresses in the arena: 0 when t is the
 * kernel's answer (DONE or SKIP); 1 when the executor cannot judge p (it
 * refuses p, it crashed or hung on it or said BROK; it is replaced): run
 * it in a scenario process instead; -EINTR after
 * ms__executor_interrupt(); -errno when the runner itself cannot go on.
 */
int ms__executor_run(const struct ms_program *p,
		     const struct ms_kernel_info *ki,
		     const struct ms_kernel_opts *o, bool time_calls,
		     struct ms_trace *t);

/*
 * Testing aids: the executor takes programs it would refuse (so that a
 * test can hang or crash it mid-program), and its pid (0: none runs).
 */
extern bool ms__executor_take_anything;
pid_t ms__executor_pid(void);

/* Ends the executor, if one runs, and waits for it. */
void ms__executor_stop(void);

/* Async-signal-safe: the run in progress ends with -EINTR. */
void ms__executor_interrupt(void);

/* What the executors of this process did, since it started. */
struct ms__executor_stats {
	long programs;		/* judged in an executor */
	long refused;		/* sent to a scenario process: the calls */
	long crashed, hung, broken; /* could not judge: replaced */
	long processes;		/* executors started */
	long recycled;		/* replaced between programs: */
	long recycled_vdso;	/*   after a program that used the vDSO */
	long recycled_leftovers;/*   sealed VMAs or memory left over */
	long recycled_locked;	/*   locked memory it could not unlock */
	long recycled_own;	/*   its own mappings changed */
	long leftover_vmas;	/* sealed VMAs left in windows, all told */
	uint64_t call_ns;	/* inside the programs' calls (time_calls) */
	uint64_t run_ns;	/* from request to reply, as the worker saw */
};

void ms__executor_get_stats(struct ms__executor_stats *s);

#endif /* SEALSPEC_EXECUTOR_H */

/* SPDX-License-Identifier: MIT */
/*
 * Programs built by code, not parsed: the builder and validator every
 * generator uses (src/scn/build.c), the C emitter (src/scn/emit_c.c) and
 * the differential fuzzer (src/fuzz/).
 *
 *   builder --ms_program_validate--> struct ms_program (the same one the
 *   parser makes) --kernel & model in lockstep--> traces --ms_trace_diff-->
 *   a divergence --ms_fuzz_minimise--> smallest program that still diverges
 *   the same way --ms_fuzz_fill_results--> .scn (ms_print) and .c
 *   (ms_emit_c)
 *
 * A generated step that expects nothing is a *recorded* step
 * (ms_step.record): the interpreter records its result and goes on,
 * whatever it is.  The language has no spelling for it on purpose: a
 * scenario states what every step must return, so before a generated
 * program is printed its recorded steps get the results a trace gave
 * (ms_fuzz_fill_results).
 *
 * Error policy as in sealspec.h: 0 or -errno, never errno.
 */
#ifndef SEALSPEC_FUZZ_H
#define SEALSPEC_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sealspec.h"

/* ------------------------------------------------------------------ */
/* Builder                                                             */

/*
 * An empty program named name (also its file, name + ".scn") with a
 * purpose and the rules mask; steps are malloc'd as they are added.
 */
int ms_build_init(struct ms_program *p, const char *name,
		  const char *purpose, uint32_t rules);

/* The index of name in p, added when new (bound_at: step), or -errno. */
int ms_build_name(struct ms_program *p, const char *name, int step);

/*
 * Appends a step of kind; for MS_STEP_CALL, call and bind (a name index or
 * -1).  The step's depth follows the fork and end steps before it.  NULL
 * on ENOMEM or past MS_STEPS_MAX.
 */
struct ms_step *ms_build_step(struct ms_program *p, enum ms_step_kind kind);
struct ms_step *ms_build_call(struct ms_program *p, enum ms_call call,
			      int bind);

/*
 * Expressions of p, their terms in p's pool: each fills e (its old terms
 * are left behind) and returns it, for chaining into an argument.  On
 * ENOMEM e is left with no terms and p->pool.nomem set, which
 * ms_build_finish reports.
 */
struct ms_expr *ms_expr_num(struct ms_program *p, struct ms_expr *e,
			    int64_t v);
struct ms_expr *ms_expr_pages(struct ms_program *p, struct ms_expr *e,
			      int64_t n);
/* name + off pages (off may be negative or 0: then just the name). */
struct ms_expr *ms_expr_name(struct ms_program *p, struct ms_expr *e,
			     int name, int64_t off);
/*
 * Symbols joined by '|' ("PROT_READ|PROT_WRITE"); "0" or "" gives 0.
 * Returns NULL when a symbol is unknown (e is then 0).
 */
struct ms_expr *ms_expr_syms(struct ms_program *p, struct ms_expr *e,
			     const char *spec);

/*
 * Appends an argument to call step s: e, an expression of s's program
 * that no other slot holds (it takes e's terms as they are); a string,
 * added to p's pool.
 */
void ms_build_arg(struct ms_step *s, const struct ms_expr *e);
void ms_build_arg_str(struct ms_program *p, struct ms_step *s,
		      const char *str);

/*
 * Checks what the parser checks of a program it reads: steps well formed
 * (call arguments in number and shape, results per profile), fork and end
 * matched and nested at most MS_FORK_DEPTH_MAX deep with each step's depth
 * right, every name bound before use and visible where used (a name bound
 * in a fork block is gone at its end), process_madvise_parent inside a fork
 * block, grids that parse, purpose and rules present, features covering
 * ms_program_features().  Recorded steps are allowed.  0, or -EINVAL with
 * the first problem in why ("step 4: name 'b' is not bound").
 */
int ms_program_validate(const struct ms_program *p, char *why, size_t n);

/*
 * Sets p->features to what its steps need (plus extra), then validates;
 * -ENOMEM when an addition to p's pool failed on the way.
 */
int ms_build_finish(struct ms_program *p, uint32_t extra, char *why,
		    size_t n);

/* ------------------------------------------------------------------ */
/* C reproducers                                                       */

struct ms_emit_opts {
	/*
	 * The trace the program is to be compared with (the model's, in
	 * lockstep with a kernel), or NULL: the C then checks the results
	 * the scenario writes for profile (or, for recorded steps, only
	 * prints them).
	 */
	const struct ms_trace *expect;
	enum ms_profile profile;
	const char *title;	/* a comment line at the top, or NULL */
};

/*
 * A standalone C program that runs p on the kernel with raw syscalls and
 * prints, step by step, what it expected and what the kernel did; exit 0
 * when everything agrees, 1 when a step differs, 2 when a setup step
 * failed.  No dependency on sealspec.  malloc'd, or NULL with *err set:
 * -ENOTSUP when p uses a call the emitter cannot write (*why names it),
 * -ENOMEM.
 */
char *ms_emit_c(const struct ms_program *p, const struct ms_emit_opts *o,
		int *err, char *why, size_t n);

/* ------------------------------------------------------------------ */
/* The differential fuzzer (src/fuzz/)                                 */

struct ms_fuzz_gen_opts {
	uint64_t seed;
	uint64_t index;		/* program number: (seed, index) decide it */
	uint32_t features;	/* what the generator may use (the kernel's) */
	enum ms_profile profile;/* the model's, to query while generating */
	int max_steps;		/* generated steps at most (0: 10) */
	uint64_t flip_switches;	/* the model's, as ms_model_opts */
};

/* A new program (freed by ms_program_free): 0 or -errno. */
int ms_fuzz_generate(const struct ms_fuzz_gen_opts *o, struct ms_program *p);

/* Where programs run: the kernel and the model in lockstep. */
struct ms_fuzz_env {
	const struct ms_kernel_info *ki;
	struct ms_kernel_opts ko;
	enum ms_profile profile;
	uint64_t flip_switches;	/* SEALSPEC_MODEL_FLIP */
	/*
	 * The fast path: both targets without snapshots (results and the
	 * program's own expect steps only); a program that differs there is
	 * run again with ko.snapshots, whose result is the one returned.
	 */
	bool fast;
	/*
	 * The first run of each program (fast or with snapshots) goes to a
	 * long-lived executor process rather than a scenario process of its
	 * own; a program it refuses or cannot judge, and every run that
	 * confirms a difference, goes to a scenario process as before
	 * (src/kernel/executor.c, docs/fuzz.md).
	 */
	bool executor;
	bool time_calls;	/* measure the programs' own calls (bench) */
};

/* How the kernel runs of ms_fuzz_run went in this process. */
struct ms_fuzz_exec_stats {
	long executor;		/* programs the executor judged */
	long refused;		/* it takes no such program (brk, exec...) */
	long failed;		/* it crashed, hung or said BROK on them */
	long processes;		/* executors started */
	long recycled;		/* replaced between programs */
	long confirmed;		/* differences the executor found that a
				 * scenario process showed again */
	long unconfirmed;	/* ... that a scenario process did not */
	uint64_t call_ns;	/* inside the programs' own calls
				 * (time_calls), as the executor saw */
	uint64_t run_ns;	/* the executor's runs, as the worker saw */
};

void ms_fuzz_exec_stats(struct ms_fuzz_exec_stats *s);
/* Ends this process's executor, if one runs. */
void ms_fuzz_exec_stop(void);
/* Async-signal-safe: the executor's run in progress ends with -EINTR. */
void ms_fuzz_exec_interrupt(void);

enum ms_fuzz_status {
	MS_FUZZ_AGREE,
	MS_FUZZ_DIFFER,
	MS_FUZZ_NOT_RUN,	/* the kernel skipped it or could not judge it */
};

struct ms_fuzz_result {
	enum ms_fuzz_status status;
	struct ms_trace kt, mt;	/* the kernel's and the model's traces */
	struct ms_trace_diff d;
	/*
	 * How it differs, independent of addresses and sizes: the call, what
	 * its address argument hits (anon, shared anon, file, shared file,
	 * special, hole) and the results or the attribute: "mprotect on
	 * anon: kernel EPERM, model ok", "madvise on file: seal".
	 * Two runs that differ "the same way" have the same signature.
	 */
	char sig[256];
};

/*
 * Runs p on the kernel, then on the model in lockstep, and compares.
 * 0 (r says how it went; free it with ms_fuzz_result_free) or -errno
 * when the runner cannot go on.
 */
int ms_fuzz_run(const struct ms_fuzz_env *e, const struct ms_program *p,
		struct ms_fuzz_result *r);
void ms_fuzz_result_free(struct ms_fuzz_result *r);

/*
 * Shrinks p, in place, to a smaller program that still differs with the
 * signature sig: drops steps and fork blocks, shrinks lengths and
 * offsets, merges names, simplifies flags; each candidate is kept when
 * the predicate (same signature) holds.  At most max_runs runs; *runs
 * says how many it took.  0 or -errno.
 */
int ms_fuzz_minimise(const struct ms_fuzz_env *e, struct ms_program *p,
		     const char *sig, int max_runs, int *runs);

/*
 * Turns the recorded steps of p into checked ones with the results the
 * kernel gave in kt (errnos, values, faults; "ok" for addresses,
 * descriptors and ids the scenario cannot name), and the grid of each
 * expect step into what the kernel observed.  After it p prints as a
 * scenario that passes on that kernel.  0 or -errno.
 */
int ms_fuzz_fill_results(struct ms_program *p, const struct ms_trace *kt);

/*
 * The explained differences (src/fuzz/known.c): the reason a signature is
 * known and accepted, or NULL for a new one.
 */
const char *ms_fuzz_known(const char *sig);


#endif /* SEALSPEC_FUZZ_H */

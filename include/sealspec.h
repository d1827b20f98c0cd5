/* SPDX-License-Identifier: MIT */
/*
 * sealspec: the executable specification of Linux memory sealing (mseal(2)).
 *
 * One program representation flows through everything: the scenario parser
 * produces it, the printer prints it, the targets execute it and the verdict
 * engine judges the trace a target produced against the expectations written
 * in it.
 *
 *   cases/x.scn --ms_parse--> struct ms_scenario (a template, maybe with a
 *   vary table) --ms_instantiate--> struct ms_program (one per table row)
 *   --target--> struct ms_trace --ms_judge(profile)--> struct ms_verdict
 *
 * Error policy: library functions return 0 (or a count) on success and
 * -errno on failure; they never touch errno.  Parse errors are reported
 * through struct ms_diag with file:line:column.
 */
#ifndef SEALSPEC_H
#define SEALSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ */
/* Profiles and rules                                                  */

enum ms_profile {
	MS_PROFILE_LINUX,      /* upstream 6.17+ (verified on 6.18) */
	MS_PROFILE_LINUX_6_12, /* 6.12 .. 6.16: per-VMA checks */
	MS_PROFILE_LINUX_6_10, /* 6.10.7 .. 6.11: whole-range checks first */
	MS_PROFILE_GUIDELINES, /* the seed mail's intended semantics */
	MS_NPROFILES
};

/* A set of profiles, bit (1u << enum ms_profile). */
typedef unsigned int ms_profile_set;
#define MS_ALL_PROFILES ((1u << MS_NPROFILES) - 1)

const char *ms_profile_name(enum ms_profile p);
/* Returns the profile, or -EINVAL for an unknown name. */
int ms_profile_lookup(const char *name);

enum ms_rule {
	MS_RULE_G1,
	MS_RULE_G1A,
	MS_RULE_G1B,
	MS_RULE_G2,
	MS_RULE_G2A,
	MS_RULE_G2B,
	MS_RULE_G3,
	MS_RULE_G3A,
	MS_RULE_G4,
	MS_RULE_G5,
	MS_RULE_G6,
	MS_RULE_G6A,
	MS_RULE_G7,
	MS_RULE_GP, /* partial failure: undefined, sealed pages untouched */
	MS_RULE_GS, /* sealed VMAs split and merge freely */
	MS_NRULES
};

const char *ms_rule_name(enum ms_rule r);        /* "G1a" */
const char *ms_rule_summary(enum ms_rule r);     /* one line */
int ms_rule_lookup(const char *name);            /* case-insensitive */

/* ------------------------------------------------------------------ */
/* Expressions                                                         */

#define MS_NAME_MAX 32	/* identifiers: names, symbols, vary columns */
#define MS_EXPR_MAX 8	/* terms in one expression */
#define MS_STR_MAX 256	/* string literals and page grids */

/* Where something came from, for diagnostics. */
struct ms_loc {
	const char *file; /* not owned */
	int line;
	int col;
};

enum ms_term_kind {
	MS_TERM_NUM,   /* 4096, 0x1000, -1 */
	MS_TERM_PAGES, /* 3p: num pages, value num * page size */
	MS_TERM_NAME,  /* a: the value bound to a scenario name */
	MS_TERM_SYM,   /* PROT_READ: a symbolic constant, value in num */
	MS_TERM_VAR,   /* $advice: a vary column, only in templates */
};

/*
 * One term of an expression.  The terms of every expression of a program
 * live in its pool (struct ms_pool, below): an expression is a run of
 * them, so that a step costs the same whatever its expressions hold.
 */
struct ms_term {
	int64_t num;		/* NUM, PAGES (page count), SYM (value) */
	int name;		/* NAME: index into program->names */
	uint32_t text;		/* SYM and VAR spelling, for printing:
				 * pool text (ms_text) */
	enum ms_term_kind kind;
	char op;		/* '+', '-' or '|' joining it to what precedes;
				 * '+' for the first term */
	/*
	 * NUM: how the author wrote it, so that the printer gives it back:
	 * in hexadecimal (0x20), and with a leading '-'.  A decimal of 2^63
	 * or more is marked hex by the parser: a 64-bit value never prints
	 * as a negative number.  A term built by code (both false) prints in
	 * decimal, or in hex when negative.
	 */
	bool hex;
	bool neg;
};

/*
 * An expression: nterms terms (at most MS_EXPR_MAX) from index first of
 * its program's pool.terms (ms_expr_terms).  Each expression of a program
 * has terms of its own: copying an ms_expr copies a reference, not the
 * terms, so a copy belongs in one slot only while the other is dropped.
 */
struct ms_expr {
	uint32_t first;
	int nterms;
	struct ms_loc loc;
};

/* A call argument: an expression or a string literal ("ABCD"). */
enum ms_arg_kind { MS_ARG_EXPR, MS_ARG_STR, MS_ARG_VAR };

struct ms_arg {
	enum ms_arg_kind kind;
	union {
		struct ms_expr expr;	/* MS_ARG_EXPR */
		uint32_t str;		/* pool text: MS_ARG_STR, the
					 * contents; MS_ARG_VAR, the column */
	};
};

/* ------------------------------------------------------------------ */
/* Calls                                                               */

/*
 * Every call the language knows.  The descriptor table (ms_call_desc)
 * gives each one its spelling, argument shapes and the feature it needs.
 */
enum ms_call {
	MS_CALL_MMAP,
	MS_CALL_MUNMAP,
	MS_CALL_MPROTECT,
	MS_CALL_PKEY_MPROTECT,
	MS_CALL_PKEY_ALLOC,
	MS_CALL_PKEY_FREE,
	MS_CALL_MADVISE,
	MS_CALL_PROCESS_MADVISE, /* on the process itself, via a pidfd */
	MS_CALL_MREMAP,
	MS_CALL_MLOCK,
	MS_CALL_MLOCK2,
	MS_CALL_MUNLOCK,
	MS_CALL_MLOCKALL,
	MS_CALL_MUNLOCKALL,
	MS_CALL_MSYNC,
	MS_CALL_MBIND,		 /* node mask {0} */
	MS_CALL_SET_MEMPOLICY_HOME_NODE,
	MS_CALL_MINCORE,
	MS_CALL_MSEAL,
	MS_CALL_BRK,
	MS_CALL_REMAP_FILE_PAGES,
	MS_CALL_SHMGET,		 /* shmget(IPC_PRIVATE, size, 0600) */
	MS_CALL_SHMAT,
	MS_CALL_SHMDT,
	MS_CALL_IO_SETUP,	 /* returns the ring address (aio_context_t) */
	MS_CALL_IO_DESTROY,
	MS_CALL_MEMFD,		 /* memfd(size, "pattern"): fd of a file of
				  * size bytes, page i filled with pattern[i] */
	MS_CALL_REOPEN,		 /* reopen(fd, O_RDONLY|...): a new fd */
	MS_CALL_VDSO,		 /* the vDSO's address; size from smaps */
	MS_CALL_FILL,		 /* fill(addr, "AB.C"): store, fault-tolerant */
	MS_CALL_READ,		 /* read(addr, len): load, fault-tolerant */
	MS_CALL_PROC_MEM_WRITE,	 /* pwrite(/proc/self/mem), FOLL_FORCE */
	MS_CALL_PTRACE_POKE,	 /* PTRACE_POKEDATA from a helper process */
	MS_CALL_PROCESS_VM_WRITE,/* process_vm_writev on itself */
	MS_CALL_UFFD_REGISTER,	 /* userfaultfd + UFFDIO_REGISTER(MISSING) */
	MS_CALL_UFFD_COPY,	 /* UFFDIO_COPY one page per pattern char */
	MS_CALL_SEALED_VMAS,	 /* number of sealed VMAs in the process */
	MS_CALL_UFFD_MOVE,	 /* UFFDIO_MOVE(dst, src, len) in one ioctl */
	MS_CALL_PROCESS_MADVISE_PARENT, /* process_madvise on the parent's
					 * pidfd: only inside a fork block */
	MS_CALL_USE_MAP_SLOTS,	 /* use_map_slots(addr, len, free): split a
				  * mapping until `free` VMAs are left below
				  * vm.max_map_count */
	MS_CALL_PKEY_SET,	 /* pkey_set(key, rights): this thread's PKRU */
	MS_CALL_FTRUNCATE,	 /* ftruncate(fd, size) of a memfd */
	MS_CALL_FALLOCATE,	 /* fallocate(fd, mode, off, len) */
	MS_CALL_PWRITE,		 /* pwrite(fd, "pattern", off): the bytes */
	MS_CALL_PROC_MEM_READ,	 /* pread(/proc/self/mem): the bytes read */
	MS_CALL_PROCESS_MADVISE2, /* process_madvise with two iovecs:
				   * (a1, l1, a2, l2, advice) */
	MS_NCALLS
};

/* What a successful call's value means. */
enum ms_ret_kind {
	MS_RET_INT,	/* a plain number (0, count) */
	MS_RET_ADDR,	/* an address: printed relative to names */
	MS_RET_FD,	/* a file descriptor or protection key: per process */
	MS_RET_ID,	/* a SysV IPC id: system-wide, differs between runs */
	MS_RET_LOCAL,	/* a count that depends on the rest of the process
			 * (the VMAs a target has outside the scenario):
			 * targets agree on success, not on the number */
};

/* Features a call or a scenario may need; probed at run time. */
enum ms_feature {
	MS_FEAT_MSEAL,
	MS_FEAT_PKEY,
	MS_FEAT_UFFD,
	MS_FEAT_PTRACE,
	MS_FEAT_PROC_MEM,
	MS_FEAT_SHM,
	MS_FEAT_AIO,
	MS_FEAT_NUMA,	 /* mbind, set_mempolicy_home_node */
	MS_FEAT_GUARD,	 /* MADV_GUARD_INSTALL on anon and file (6.15+) */
	MS_FEAT_MEMFD,
	MS_FEAT_MREMAP_DONTUNMAP,
	MS_FEAT_MLOCK,	 /* RLIMIT_MEMLOCK allows a few pages */
	MS_FEAT_REMOTE_MADVISE, /* process_madvise on another process
				 * (CAP_SYS_NICE over it) */
	MS_FEAT_MAP_COUNT, /* vm.max_map_count small enough to exhaust */
	MS_FEAT_SELF_MADVISE, /* process_madvise on the calling process takes
			       * every advice (6.13+) */
	MS_FEAT_MREMAP_NEW_FIRST, /* mremap rejects a misaligned new_addr
				   * before the seal (not 6.12-6.14) */
	MS_FEAT_LOW_ADDR, /* mapping below vm.mmap_min_addr (CAP_SYS_RAWIO) */
	MS_NFEATURES
};

const char *ms_feature_name(enum ms_feature f);
int ms_feature_lookup(const char *name);

#define MS_ARGS_MAX 6

struct ms_call_desc {
	const char *name;	 /* spelling in scenarios */
	int min_args, max_args;	 /* missing optional args are 0 */
	const char *shape;	 /* per argument: 'e' expression, 's' string */
	enum ms_ret_kind ret;
	int feature;		 /* enum ms_feature, or -1 */
	int size_arg;		 /* the argument that is the length of the
				  * region a binding names, or -1 */
	bool memory;		 /* fill/read: result may be a fault */
};

extern const struct ms_call_desc ms_call_desc[MS_NCALLS];
int ms_call_lookup(const char *name);

/* ------------------------------------------------------------------ */
/* Expected results                                                    */

enum ms_res_kind {
	MS_RES_OK,	/* "ok": any success (>= 0, no fault) */
	MS_RES_ERROR,	/* "error": any -errno */
	MS_RES_ERRNO,	/* EPERM: exactly -EPERM */
	MS_RES_VALUE,	/* 0, a+2p: exactly this value */
	MS_RES_FAULT,	/* "fault": the access raised SIGSEGV or SIGBUS */
	MS_RES_VAR,	/* $col: the cell decides (templates only) */
	MS_RES_UNSPEC,	/* "?": unspecified for these profiles; the step
			 * runs and anything is accepted */
	MS_RES_IN,	/* in(lo, hi): success with lo <= value < hi */
	MS_RES_NOTIN,	/* notin(lo, hi): success outside [lo, hi) */
	MS_RES_NOT,	/* not(x): success with a value other than x */
};

struct ms_result {
	enum ms_res_kind kind;
	int err;			/* MS_RES_ERRNO: positive errno */
	struct ms_expr value;		/* MS_RES_VALUE; lo of IN and NOTIN;
					 * x of NOT */
	uint32_t var;			/* MS_RES_VAR: column name, pool
					 * text */
	ms_profile_set profiles;	/* @linux @guidelines; 0 = default */
	struct ms_loc loc;
	int signo;			/* MS_RES_FAULT: SIGSEGV or SIGBUS,
					 * 0 for either */
	struct ms_expr hi;		/* MS_RES_IN, MS_RES_NOTIN: the end
					 * of the range, excluded */
};

#define MS_ALTS_MAX 4

/* ------------------------------------------------------------------ */
/* Page state                                                          */

/* Attributes an "expect" step can assert, one grid token per page. */
enum ms_attr {
	MS_ATTR_VMAS,	 /* "aab.c": one letter per VMA, '.' unmapped */
	MS_ATTR_PROT,	 /* "rw r- -- r-x": tokens; ".." unmapped */
	MS_ATTR_SEAL,	 /* 'S' sealed, '-' not, '.' unmapped */
	MS_ATTR_LOCK,	 /* 'L' VM_LOCKED, 'F' locked on fault, '-' */
	MS_ATTR_INHERIT, /* 'D' dontfork, 'W' wipeonfork, '-' */
	MS_ATTR_SHARE,	 /* 'p' private, 's' shared */
	MS_ATTR_BACK,	 /* 'a' anonymous, 'f<N>' file page N, 'x' special */
	MS_ATTR_GUARD,	 /* 'G' guard region, '-' */
	MS_ATTR_PKEY,	 /* a digit */
	MS_ATTR_DATA,	 /* contents: see ms_page.data */
	MS_NATTRS
};

const char *ms_attr_name(enum ms_attr a);
int ms_attr_lookup(const char *name);

#define MS_GRID_MAX 64	/* pages one expect step may cover */

enum ms_backing { MS_BACK_NONE, MS_BACK_ANON, MS_BACK_FILE, MS_BACK_SPECIAL };

#define MS_LOCK_LOCKED 1
#define MS_LOCK_ONFAULT 2
#define MS_INHERIT_DONTFORK 1
#define MS_INHERIT_WIPEONFORK 2

/*
 * The contents token of a page the target could not read at all: the
 * kernel refused FOLL_FORCE both to the process itself and to a tracer of
 * it.  It says nothing about the page, so it matches every expected token;
 * reports count such cells (docs/scenarios.md, "Page grids").
 */
#define MS_DATA_UNOBSERVABLE '~'

/* What is observable about one page (the wide fields first: 32 bytes). */
struct ms_page {
	uint64_t pgoff;		/* file page offset (MS_BACK_FILE) */
	/*
	 * MS_BACK_FILE: which file, as a number the target chose (the kernel
	 * its inode, the model its content object): pages of one file have
	 * the same number within one trace, and pages of two files (two
	 * memfds) different ones.  Compare as a one-to-one mapping, never
	 * the numbers.
	 */
	uint64_t file;
	uint32_t vma;		/* identifies the VMA: equal for pages of the
				 * same VMA within one observation */
	bool mapped;
	uint8_t prot;		/* PROT_READ | PROT_WRITE | PROT_EXEC */
	bool shared;
	uint8_t backing;	/* enum ms_backing */
	bool sealed;
	uint8_t lock;		/* MS_LOCK_* */
	uint8_t inherit;	/* MS_INHERIT_* */
	bool guard;
	int8_t pkey;		/* -1 when the kernel reports none */
	/*
	 * Contents token: 'A'..'Z', 'a'..'z' when every byte of the page is
	 * that character; '0' when every byte is zero; '*' for anything
	 * else; '!' when the page cannot be read (guard, beyond EOF);
	 * '.' when not mapped; '?' when not observed; MS_DATA_UNOBSERVABLE
	 * when the target had no way to read it.
	 */
	char data;
};

/* ------------------------------------------------------------------ */
/* Steps and programs                                                  */

enum ms_step_kind {
	MS_STEP_CALL,	/* [name =] call(args) [=> results] */
	MS_STEP_EXPECT,	/* expect addr attr "grid" [@profile...] */
	MS_STEP_FORK,	/* fork: following steps up to END run in a child */
	MS_STEP_END,	/* end of a fork block: the parent waits here */
	MS_STEP_EXEC,	/* the process execs itself; names keep their
			 * addresses, the mappings are gone */
	MS_STEP_NOTE,	/* a comment line (or a blank line when comment
			 * is empty) kept for the printer; never executed */
};

/*
 * "expect unbound NAME": no step that binds NAME has succeeded so far in
 * this process (its binding call failed, as the step before said it
 * would), so there is nothing at NAME to observe.  The judge decides it
 * from the trace alone, from the bindings the outcomes before it made;
 * the target neither evaluates nor observes anything for it and reports
 * no outcome (it skips the step like a note).  `where` holds the name as
 * one MS_TERM_NAME term; `profiles` limits it as for an expect.
 *
 * Outside the enumeration for now, so that the targets' exhaustive
 * switches over enum ms_step_kind still build: their default (no case)
 * is exactly the required behaviour.  It becomes an enumerator when the
 * step interpreter names it.
 */
#define MS_STEP_UNBOUND ((enum ms_step_kind)(MS_STEP_NOTE + 1))

struct ms_step {
	enum ms_step_kind kind;
	struct ms_loc loc;
	int depth;			/* fork nesting, 0 = top level */

	/* MS_STEP_CALL */
	enum ms_call call;
	int bind;			/* names index, or -1 */
	int nargs;
	struct ms_arg args[MS_ARGS_MAX];
	int nresults;			/* 0: a setup step, must succeed;
					 * at most MS_ALTS_MAX */
	uint32_t first_result;		/* its results: pool.results from
					 * here (ms_step_results) */
	/*
	 * A recorded step (nresults 0, record true): it expects nothing, and
	 * whatever it returns is recorded and the program goes on, as after
	 * a step with results.  Only the fuzzer's generator makes them (the
	 * language has no spelling for them): it fills in results from a
	 * trace (ms_fuzz_fill_results) before a program is printed.
	 */
	bool record;

	/* MS_STEP_EXPECT */
	struct ms_expr where;
	enum ms_attr attr;
	struct ms_arg grid;		/* MS_ARG_STR, or MS_ARG_VAR */
	ms_profile_set profiles;	/* 0 = every profile */

	uint32_t comment;		/* trailing "# ..." kept by the
					 * printer: pool text, 0 = none */
	/*
	 * "[G2a]" at the end of an asserting step: the rules a failure of
	 * this step is charged to, bit (1u << enum ms_rule), a subset of the
	 * scenario's; 0 = the scenario's rules.
	 */
	uint32_t rules;
	/*
	 * "when $col" before a call or an expect (templates only): the step
	 * is in the rows whose cell in column col is "yes" and left out of
	 * those where it is "no".  Pool text, the column's name; 0 ("") =
	 * in every row.
	 */
	uint32_t when;
};

#define MS_NAMES_MAX 32
#define MS_FORK_DEPTH_MAX 8	/* fork blocks nested in one another */
/*
 * Steps of one scenario, comment and blank lines included: a bound on what
 * one scenario file can cost (a step is some 700 bytes, plus its pool
 * text and terms).
 */
#define MS_STEPS_MAX 10000

struct ms_name {
	char name[MS_NAME_MAX];
	int bound_at;	/* step that binds it */
};

/*
 * The pool: what varies in length in a program (its steps' expected
 * results, expression terms, string arguments and grids, symbol spellings,
 * column names and comments; its header's text lines) lives here, owned by
 * the program, so that a step has one small size whatever it holds.  The
 * structs refer into it by offset and index, never by pointer: a byte copy
 * of the pool is as good as the original (the kernel target hands it to
 * the scenario process that way), ms_program_copy copies it with the
 * steps, and a step means something only beside its own program's pool.
 * Never copy a step or an expression from one program into another: build
 * it again there (ms_text_add, ms_expr_add_term, ms_step_add_result).
 *
 * Additions never fail loudly: on ENOMEM they give offset 0 ("") or NULL
 * and set nomem, which ms_parse, ms_instantiate, ms_build_finish and
 * ms_fuzz_fill_results report as -ENOMEM.
 */
struct ms_pool {
	char *text;		/* NUL-terminated strings; offset 0 is "" */
	uint32_t text_len, text_cap;
	struct ms_term *terms;	/* the terms of every expression */
	uint32_t nterms, cap_terms;
	struct ms_result *results; /* the expected results of every step */
	uint32_t nresults, cap_results;
	bool nomem;		/* an addition failed (sticky) */
};

/* A scenario header plus its steps; with vary rows it is a template. */
#define MS_VARY_COLS 12
#define MS_VARY_ROWS 128
#define MS_CELL_MAX 64		/* bytes of a cell's text, NUL included */

struct ms_cell {
	uint32_t text;		/* as written (quotes kept): pool text */
	struct ms_loc loc;
};

#define MS_REFS_MAX 4		/* "ref" lines in a header */
#define MS_HEAD_COMMENT_MAX 1024 /* the comment above it, NUL included */

/* Room for a case name; a longer one is cut (never inside a %XX). */
#define MS_CASE_NAME_MAX 256

struct ms_program {
	char file[256];		/* path as given, or "catalog/x.scn" */
	char name[MS_CASE_NAME_MAX]; /* the case name: see ms_variant_name */
	/*
	 * The header's text lines, pool text (ms_text): purpose, the "ref"
	 * lines, the xfail reason, and the comment lines above the header
	 * (joined by '\n', at most MS_HEAD_COMMENT_MAX - 1 bytes).
	 */
	uint32_t purpose;
	uint32_t refs[MS_REFS_MAX];
	int nrefs;
	uint32_t rules;		/* bit (1u << enum ms_rule) */
	uint32_t features;	/* bit (1u << enum ms_feature), header and
				 * calls together */
	uint32_t requires;	/* the "requires" header alone, which the
				 * printer gives back even where a call
				 * implies the same feature */
	ms_profile_set xfail;	/* expected to fail under these */
	uint32_t xfail_reason;
	uint32_t head_comment;

	int nvary_cols, nvary_rows;
	char vary_cols[MS_VARY_COLS][MS_NAME_MAX];
	/*
	 * The table's rows: nvary_rows rows (at most MS_VARY_ROWS) of
	 * MS_VARY_COLS cells, owned; NULL without a table (every instance),
	 * so that a program costs its header and its steps, not a table's
	 * worth.
	 */
	struct ms_cell (*vary)[MS_VARY_COLS];
	int row;		/* instantiated row, or -1 */

	int nnames;
	struct ms_name names[MS_NAMES_MAX];

	int nsteps;
	struct ms_step *steps;	/* owned */
	int cap_steps;

	struct ms_pool pool;	/* owned: see struct ms_pool */
};

/*
 * The pool's text at offset off: "" for 0 and for an offset outside the
 * pool.  Valid until the next addition to p's pool.
 */
const char *ms_text(const struct ms_program *p, uint32_t off);
/*
 * Adds the n bytes at s (no NUL needed; a NUL ends the string early) to
 * p's pool as one string; returns its offset.  "" is always offset 0.
 * 0 with p->pool.nomem set on ENOMEM.
 */
uint32_t ms_text_add(struct ms_program *p, const char *s, size_t n);
uint32_t ms_text_add_str(struct ms_program *p, const char *s); /* strlen */
/*
 * The terms of e, e->nterms of them, in p's pool; NULL when e does not
 * lie inside the pool (a program not built by these functions).  Valid
 * until the next addition to the pool.
 */
const struct ms_term *ms_expr_terms(const struct ms_program *p,
				    const struct ms_expr *e);
/* The same, to change them in place (e's terms are its own). */
struct ms_term *ms_expr_terms_mut(struct ms_program *p,
				  const struct ms_expr *e);
/*
 * Appends a term to e (moving e's terms to the end of the pool first when
 * others follow them there) and returns it: zeroed, with op '+' and name
 * -1.  NULL when e has MS_EXPR_MAX terms already, or on ENOMEM (nomem
 * set).  The pointer is valid until the next addition to the pool.
 */
struct ms_term *ms_expr_add_term(struct ms_program *p, struct ms_expr *e);
/*
 * The expected results of s, a step of p: s->nresults of them in p's pool;
 * NULL when they do not lie inside it.  Valid until the next addition.
 */
const struct ms_result *ms_step_results(const struct ms_program *p,
					const struct ms_step *s);
/* The same, to change them in place. */
struct ms_result *ms_step_results_mut(struct ms_program *p,
				      const struct ms_step *s);
/*
 * Appends a result to s, as ms_expr_add_term does a term: zeroed, counted
 * in s->nresults.  NULL when s has MS_ALTS_MAX, or on ENOMEM.
 */
struct ms_result *ms_step_add_result(struct ms_program *p, struct ms_step *s);

/* Diagnostics: "file:line:col: message". */
struct ms_diag {
	struct ms_loc loc;
	char msg[256];
};

/*
 * Parses one scenario.  On failure returns -EINVAL and fills *diag; the
 * program is left empty.  src need not be NUL-terminated.
 */
int ms_parse(const char *file, const char *src, size_t len,
	     struct ms_program *p, struct ms_diag *diag);

/* The canonical text of p, malloc'd; NULL on ENOMEM. */
char *ms_print(const struct ms_program *p);

/*
 * The canonical text of step i alone, without its results or comment
 * ("mprotect(a+1p, 3p, PROT_READ)", "a = mmap(0, 2p, ...)" with its binding),
 * truncated to fit buf.
 */
void ms_print_step(const struct ms_program *p, int i, char *buf, size_t n);

/* Number of pages an expect step's grid covers (tokens in the grid). */
int ms_grid_pages(enum ms_attr attr, const char *grid);

/*
 * Substitutes vary row `row` into template t, giving a program with no
 * $column left and no table, named "base[FIRSTCELL]" ("base[FIRSTCELL,N]",
 * N counted from 1, when two rows start alike).  A template without a table
 * has one row, row 0: the instance is a copy of it.  ms_parse gives row -1;
 * every instance has its row.  Errors point into the offending cell.
 */
int ms_instantiate(const struct ms_program *t, int row, struct ms_program *out,
		   struct ms_diag *diag);
int ms_variant_count(const struct ms_program *t);

/*
 * Case names (src/scn/casename.c).  A name is the file's base name without
 * ".scn", plus "[CELL]" for vary row `row` (CELL: the row's first cell, the
 * contents of a quoted cell), or "[CELL,N]" when two rows start with the
 * same cell (N counts rows from 1).  Every part is written in the name
 * alphabet: printable ASCII except space and  " # % , [ \ ] ; any other
 * byte is %XX.  So a name never holds '#', a control character, a newline
 * or invalid UTF-8, and "[x,2]" (a twin) never reads like "[x%2C2]" (the
 * cell "x,2").  ms_variant_name writes the name of row `row` of template t
 * (t->name alone for a template without a table).
 */
void ms_variant_name(const struct ms_program *t, int row, char *buf, size_t n);
/* True for a byte that stands for itself in a name. */
bool ms_name_byte_is_plain(unsigned char c);
/*
 * Appends s[0..len) to the NUL-terminated buf (of n bytes), escaped; stops
 * before an escape that does not fit.  Returns the new length of buf.
 */
size_t ms_name_escape(char *buf, size_t n, const char *s, size_t len);

/* Frees what p owns (steps, vary table, pool); p is then empty. */
void ms_program_free(struct ms_program *p);
/*
 * A deep copy of src into dst (not initialised; its old contents are not
 * freed): steps, pool and vary table of its own.  0 or -ENOMEM (dst then
 * owns nothing).
 */
int ms_program_copy(struct ms_program *dst, const struct ms_program *src);

/*
 * The number a report gives step i: its place among the steps that do
 * something (comment and blank lines are not counted), from 1.
 */
int ms_step_number(const struct ms_program *p, int i);

/*
 * The features p needs because of what it does (its calls, guard-region
 * advice, expected guard pages), without its "requires" header.  The
 * parser and ms_instantiate store this, with the header, in p->features;
 * programs built by other means can ask here.
 */
uint32_t ms_program_features(const struct ms_program *p);

/* Deep equality, for the round-trip property (locations ignored). */
bool ms_program_equal(const struct ms_program *a, const struct ms_program *b);

/*
 * Evaluates e, an expression of p, given the values of names (bound[i]
 * false: unbound).  0, or -EINVAL (an unbound name, a $column, terms
 * outside p's pool).
 */
int ms_eval(const struct ms_program *p, const struct ms_expr *e,
	    const int64_t *values, const bool *bound, long page_size,
	    int64_t *out);

/* Symbolic constants (PROT_READ, MAP_FIXED, MADV_GUARD_INSTALL, EPERM). */
int ms_symbol_lookup(const char *name, int64_t *value);
const char *ms_errno_name(int err);	/* "EPERM", or NULL */
int ms_errno_lookup(const char *name);	/* errno, or -EINVAL */

/* ------------------------------------------------------------------ */
/* Traces                                                              */

enum ms_out_kind {
	MS_OUT_RET,	/* a call returned ret (value or -errno) */
	MS_OUT_FAULT,	/* a memory step faulted with signo at addr */
	MS_OUT_PAGES,	/* an observation: npages page states */
	MS_OUT_SKIP,	/* the step needs a feature this target lacks */
};

struct ms_outcome {
	int step;		/* index into program->steps */
	int pid_depth;		/* 0 scenario process, 1 its fork child... */
	enum ms_out_kind kind;
	int signo;
	int64_t ret;
	uint64_t fault_addr;
	uint64_t addr;		/* first page observed */
	int name;		/* MS_OUT_PAGES snapshots: the region's name,
				 * -1 for an expect step's own observation */
	int npages;		/* 0 .. MS_GRID_MAX */
	/*
	 * MS_OUT_PAGES: the npages page states observed, NULL when npages is
	 * 0.  An outcome in a trace points into the trace's own store of
	 * pages (ms_trace_add copies them there), which moves when it grows:
	 * read them through t->out[i], and keep no pointer to a page across
	 * an ms_trace_add.  An outcome being made points wherever its maker
	 * keeps them.
	 */
	struct ms_page *pages;
};

enum ms_trace_end {
	MS_END_DONE,	/* every step ran */
	MS_END_SKIP,	/* a required feature is missing: reason says */
	MS_END_BROK,	/* crash, hang, broken setup: reason says */
};

struct ms_trace {
	int nout, cap;
	struct ms_outcome *out;	/* owned */
	/* The pages of the outcomes, one run each: owned, see ms_outcome. */
	struct ms_page *pages;
	int npages, cap_pages;
	enum ms_trace_end end;
	bool timed_out;		/* MS_END_BROK because the target hung */
	char reason[256];
	uint64_t arena;		/* base of the arena the target used */
	uint64_t arena_size;	/* and its size (0: no arena) */
	long page_size;
};

void ms_trace_init(struct ms_trace *t);
/*
 * Appends a copy of o, and of its o->npages pages, to t.  0, -ENOMEM, or
 * -EINVAL for npages outside 0 .. MS_GRID_MAX (or pages NULL with some).
 */
int ms_trace_add(struct ms_trace *t, const struct ms_outcome *o);
void ms_trace_free(struct ms_trace *t);

/*
 * The first difference between two traces of program p (src/run/diff.c):
 * results exactly (descriptors and SysV ids by success only), page state
 * attribute by attribute, contents where both read them, VMA boundaries as
 * a partition of the observed pages, and how the runs ended.
 */
struct ms_trace_diff {
	int step;		/* the step, or -1 (the ends differ) */
	int index;		/* the outcome's index in both traces, or -1 */
	char what[512];		/* "returned EPERM against 0", ... */
};

/* 0 when a and b agree, 1 when they differ (d says where and how). */
int ms_trace_diff(const struct ms_program *p, const struct ms_trace *a,
		  const struct ms_trace *b, struct ms_trace_diff *d);

/*
 * Traces as JSON (src/run/trace_json.c; the format is docs/json.md, "The
 * steps object").  ms_trace_to_json writes trace t of program p as one
 * JSON object, malloc'd (NULL on ENOMEM): addresses in the arena as
 * "arena+0x...", others as "0x..." strings, VMA and file numbers renumbered
 * in order of first appearance: two runs that did the same give the same
 * bytes (what a target chose itself, such as an address outside the arena
 * or a descriptor's number, still shows).  Outcomes of steps p does not
 * have are left out, as in ms_trace_format.
 *
 * ms_trace_from_json reads such an object back (json need not be
 * NUL-terminated, and may hold anything: it is untrusted).  t need not be
 * initialised; its old contents are not freed.  Returns 0, or -EINVAL with
 * t empty and *diag (if not NULL) saying "byte N (line L, column C): what"
 * (diag->loc holds the line and column; its file is "<trace>"), or
 * -ENOMEM.  The reader is strict: RFC 8259 only, no key twice, every field
 * of the format present exactly when it should be and of its type,
 * integers within their ranges, steps that are p's.
 * ms_trace_diff finds from_json(to_json(t)) equal to t, and to_json of it
 * gives the same bytes again.
 */
char *ms_trace_to_json(const struct ms_program *p, const struct ms_trace *t);
int ms_trace_from_json(const struct ms_program *p, const char *json,
		       size_t len, struct ms_trace *t, struct ms_diag *diag);

/* ------------------------------------------------------------------ */
/* Targets                                                             */

/*
 * How the kernel target reads the contents of a page the process itself
 * may not read (PROT_NONE, write-only): /proc/PID/mem reads with
 * FOLL_FORCE, but CONFIG_PROC_MEM_FORCE_PTRACE (Debian from 7.x) grants
 * FOLL_FORCE only to a tracer of the process, and proc_mem.force_override=
 * never to nobody.  Readable pages are always read directly.
 */
enum ms_data_route {
	MS_DATA_DIRECT,	/* /proc/self/mem reads them */
	MS_DATA_PTRACE,	/* a helper that ptraces the process reads them */
	MS_DATA_BLIND,	/* nobody can: they are MS_DATA_UNOBSERVABLE */
};

const char *ms_data_route_name(enum ms_data_route r);	/* "ptrace" */

struct ms_kernel_info {
	char release[128];	/* uname -r */
	char machine[64];	/* uname -m */
	long page_size;
	uint32_t features;	/* probed: bit (1u << enum ms_feature) */
	char why_missing[MS_NFEATURES][128];
	enum ms_profile detected;
	char detected_why[512];	/* the probe results behind the guess */
	bool has_mseal;
	enum ms_data_route data_route;
	/*
	 * The environment variable SEALSPEC_OBSERVE=ptrace or =blind chose
	 * data_route, a testing aid: the scenario process then never asks
	 * /proc/self/mem for a page it may not read, as if the kernel had
	 * refused, and takes the route given.
	 */
	bool data_route_forced;
	char data_route_why[256];	/* the probe results behind it */
	/*
	 * The aio ring's VMA is VM_DONTCOPY ("dd" in smaps), as it is from
	 * 7.1 on (6.18 and 7.0 copy it into a fork child).  Not something a
	 * scenario needs, but the model must know it to agree step by step.
	 */
	bool aio_ring_dontcopy;
};

/*
 * Probes this kernel in a forked child; fills *ki.  Returns 0, or -errno:
 * -ECHILD when the probe process died or hung (*ki then says so in its
 * reasons, and nothing in it describes the kernel).
 */
int ms_kernel_probe(struct ms_kernel_info *ki);

/*
 * The detected profile's name, or "none" for a kernel without mseal(2):
 * no profile describes it.  ki->detected is then MS_PROFILE_LINUX, whose
 * expectations judge the scenarios that do not seal.
 */
const char *ms_kernel_detected_name(const struct ms_kernel_info *ki);

struct ms_kernel_opts {
	int timeout_ms;		/* per scenario, of its own time (waiting
				 * for a CPU does not count); 0 = 10 s */
	bool snapshots;		/* page states of every name after every
				 * asserted call, for failure reports */
	uint64_t max_map;	/* bytes a scenario process may map beyond
				 * its size at its first step; 0 = 1 GiB */
	uint64_t max_lock;	/* its RLIMIT_MEMLOCK at most (never
				 * raised); 0 = 64 MiB */
};

/*
 * Starts the helper process that forks every scenario process.  Call it
 * before the program grows (before parsing a catalog): a scenario process
 * carries the helper's memory, not the caller's.  ms_kernel_run() starts
 * it when nobody did.  0 or -errno.
 */
int ms_kernel_start(void);
/* Ends the helper; every scenario process is gone already. */
void ms_kernel_stop(void);
/*
 * Async-signal-safe, for a SIGINT/SIGTERM/SIGHUP handler: the scenario
 * that runs is killed, its segments removed, and ms_kernel_run() returns
 * -EINTR, now and in every later call.
 */
void ms_kernel_interrupt(void);

/*
 * Runs program p (no vary table) in a forked child inside an arena and
 * records what happened.  Returns 0 with t->end telling DONE, SKIP or
 * BROK; -errno only when the runner itself cannot go on (fork failed).
 */
int ms_kernel_run(const struct ms_program *p, const struct ms_kernel_info *ki,
		  const struct ms_kernel_opts *o, struct ms_trace *t);

/*
 * Several scenarios at once.  ms_kernel_set_jobs(n), before
 * ms_kernel_start(): up to n scenario processes run at the same time, each
 * forked by a helper of its own (1 unless told).  0, -EINVAL outside 1..64,
 * -EBUSY once the helpers run.
 */
int ms_kernel_set_jobs(int jobs);
/*
 * Starts program p as ms_kernel_run() would, and returns at once:
 *   0       it runs; ms_kernel_wait() hands back tag when it has ended;
 *   1       nothing to run (a SKIP): t is complete already;
 *   -EBUSY  every job is busy, or p must run alone (it draws on a
 *           system-wide count) and others run: wait for one, then again;
 *   -EINTR  after ms_kernel_interrupt(); or -errno.
 * p and t belong to the run until ms_kernel_wait() hands back its tag.
 * Do not mix with ms_kernel_run().
 */
int ms_kernel_begin(const struct ms_program *p, const struct ms_kernel_info *ki,
		    const struct ms_kernel_opts *o, struct ms_trace *t,
		    void *tag);
/*
 * Waits until one begun run ends: its tag in *tag, and what ms_kernel_run()
 * would have returned for it.  -ECHILD when none runs.
 */
int ms_kernel_wait(void **tag);

/*
 * Entry point for the images the kernel target starts by executing itself
 * again: the new image of an "exec" step, and the helper that reads page
 * contents for a scenario process as its tracer.  main() calls it when
 * argv[1] is MS_EXEC_ARGV1.  Never returns.
 */
#define MS_EXEC_ARGV1 "__sealspec-exec-resume"
void ms_kernel_exec_resume(int argc, char **argv);

/*
 * The model target (src/model/target.c): the same interpreter, driving the
 * model of an address space (sealspec-model.h) under one profile.
 */
struct ms_mm;

struct ms_model_opts {
	enum ms_profile profile;
	bool snapshots;		/* as ms_kernel_opts.snapshots */
	/*
	 * The features the model may use, bit (1u << enum ms_feature); a
	 * scenario that needs another SKIPs.  All the model has under the
	 * profile is ms_model_features(profile); beside a kernel, give the
	 * kernel's, so that both run the same cases.
	 */
	uint32_t features;
	/*
	 * The kernel's trace of the same program, or NULL: the model then
	 * adopts the values the kernel chose (addresses found by a search,
	 * the vDSO, the program break) instead of choosing its own.
	 */
	const struct ms_trace *lockstep;
	/* Testing aid: the switches to invert (ms_mm_config.flip_switches). */
	uint64_t flip_switches;
	/* As ms_kernel_info.aio_ring_dontcopy (false: as 6.18 does). */
	bool aio_ring_dontcopy;
	/*
	 * Optional, for tools that watch a run (sealspec coverage): called
	 * before every call step with the address space it acts on (struct
	 * ms_mm, sealspec-model.h; read it, never change it), the program,
	 * the step's index and its evaluated arguments (MS_ARGS_MAX; a
	 * string argument is 0 here: ms_text(p, p->steps[step].args[k].str)
	 * has it).
	 */
	void (*before_call)(void *ctx, const struct ms_mm *mm,
			    const struct ms_program *p, int step,
			    const int64_t *args);
	void *ctx;
};

/* What the model offers under profile: bit (1u << enum ms_feature). */
uint32_t ms_model_features(enum ms_profile profile);

/*
 * Runs program p on a fresh model address space (o NULL: profile linux,
 * every feature the model has).  Returns 0 with t->end DONE, SKIP or
 * BROK, or -ENOMEM.
 */
int ms_model_run(const struct ms_program *p, const struct ms_model_opts *o,
		 struct ms_trace *t);

/* ------------------------------------------------------------------ */
/* Verdicts                                                            */

enum ms_result_code {
	MS_PASS,
	MS_FAIL,
	MS_SKIP,
	MS_BROK,
	MS_XFAIL,
};

const char *ms_result_code_name(enum ms_result_code r); /* "pass" ... */

struct ms_verdict {
	enum ms_result_code code;
	int step;		/* first failing step, or -1 */
	bool timed_out;		/* BROK: the target hung (KTAP TIMEOUT) */
	char reason[2048];	/* multi-line: expected, observed, grid */
	/*
	 * Expected data cells (not '?') that matched only because the target
	 * could not observe them (MS_DATA_UNOBSERVABLE), in the steps judged
	 * before the verdict was reached, and the first such step as
	 * 'step 7 (f.scn:12): expected data "AB", observed "~~"'.
	 */
	int unobservable;
	char unobservable_at[320];
	/*
	 * Steps that ran with a result this profile leaves unspecified
	 * ("=> EPERM @linux, ? @linux-6.10"): anything was accepted.
	 */
	int unspecified;
	/*
	 * The rules the verdict is charged to: for FAIL and XFAIL, the rules
	 * of every asserted step that differed (the first decides the
	 * reason; judging goes on only to learn this), each step's own
	 * "[...]" rules or else the scenario's; otherwise the scenario's.
	 */
	uint32_t rules;
};

/* Judges trace t of program p against the expectations for profile. */
void ms_judge(const struct ms_program *p, const struct ms_trace *t,
	      enum ms_profile profile, struct ms_verdict *v);

/*
 * The trace as text, one line per step the target ran: its number, the
 * step, and what happened ("= EPERM", "= a+2p", "-> rw r- rw rw").
 * malloc'd; NULL on ENOMEM.
 */
char *ms_trace_format(const struct ms_program *p, const struct ms_trace *t);

/* Renders observed pages as a grid of attribute attr ("rw r- r-"). */
void ms_grid_format(enum ms_attr attr, const struct ms_page *pages, int n,
		    char *buf, size_t len);

#endif /* SEALSPEC_H */

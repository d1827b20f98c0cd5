/* SPDX-License-Identifier: MIT */
/*
 * sealspec coverage: the cells of call x mapping kind x seal state x range
 * shape, and the classifier that says which cells one call exercises.
 */
#ifndef SEALSPEC_COVERAGE_H
#define SEALSPEC_COVERAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "sealspec-model.h"

enum cov_seal { COV_UNSEALED, COV_SEALED, COV_MIXED, COV_NSEALS };

enum cov_shape {
	COV_INSIDE,	/* strictly inside one VMA */
	COV_EXACT,	/* exactly one VMA */
	COV_NS,		/* an unsealed VMA, then a sealed one: [N][S] */
	COV_SN,		/* a sealed VMA, then an unsealed one: [S][N] */
	COV_SEVERAL,	/* several VMAs, all sealed or all unsealed */
	COV_HOLES,	/* VMAs and unmapped gaps */
	COV_ADJACENT,	/* beside a sealed VMA, not overlapping it */
	COV_OFF1,	/* one page off a sealed VMA's boundary */
	COV_NSHAPES
};

/* The calls that act on a caller-given range (coverage.c, cov_calls). */
struct cov_call {
	const char *name;	/* "mprotect", "mremap>new" */
	enum ms_call call;
};

#define COV_NCALLS 22	/* entries of cov_calls */

extern const struct cov_call cov_calls[COV_NCALLS];
extern const int cov_ncalls;

const char *cov_kind_name(enum ms_vma_kind k);
const char *cov_seal_name(enum cov_seal s);
const char *cov_shape_name(enum cov_shape s);
const char *cov_shape_title(enum cov_shape s);	/* column heading */

/*
 * Why cell (kind, seal, shape) cannot occur, for every call, or NULL when
 * it can.  The reasons are about the range, so they hold for every call.
 */
const char *cov_unreachable(enum ms_vma_kind kind, enum cov_seal seal,
			    enum cov_shape shape);

/* One cell: indexes into the dimensions above. */
struct cov_cell {
	int call;	/* into cov_calls */
	enum ms_vma_kind kind;
	enum cov_seal seal;
	enum cov_shape shape;
};

#define COV_NCELLS_PER_CALL (MS_NVMA_KINDS * COV_NSEALS * COV_NSHAPES)
#define COV_NCELLS (COV_NCALLS * COV_NCELLS_PER_CALL)

/*
 * Runs p on the model (options mo, lockstep and all) with every range
 * call classified, and sets the bit of each cell it exercises in cells
 * (COV_NCELLS bits).  0, or what ms_model_run returned.
 */
int cov_program(const struct ms_program *p, const struct ms_model_opts *mo,
		uint8_t *cells);
/* The number of bits set in cells (COV_NCELLS bits). */
int cov_count(const uint8_t *cells);
#define COV_MAX_HITS 64

static inline int cov_index(const struct cov_cell *c)
{
	return ((c->call * MS_NVMA_KINDS + (int)c->kind) * COV_NSEALS +
		(int)c->seal) * COV_NSHAPES + (int)c->shape;
}

/*
 * The cells step `step` of p exercises when it runs on mm with arguments
 * args: at most max of them into out (duplicates possible).  Returns
 * their number: 0 for a range call that touches nothing mapped and lies
 * beside nothing sealed, -1 for a step that is no range call (mmap
 * without MAP_FIXED, a call not in cov_calls).
 */
int cov_classify(const struct ms_mm *mm, const struct ms_program *p, int step,
		 const int64_t *args, struct cov_cell *out, int max);

#endif

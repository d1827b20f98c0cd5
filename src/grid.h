/* SPDX-License-Identifier: MIT */
/*
 * Page-grid tokens, shared by the parser (which checks grids) and the
 * verdict engine (which matches them): one walker, so the two can never
 * split a grid differently.
 */
#ifndef SEALSPEC_GRID_H
#define SEALSPEC_GRID_H

#include <stddef.h>

#include "sealspec.h"

/*
 * The next token of grid at *g: skips blanks, stores the token's length in
 * *len and returns its start, or NULL at the end; *g moves past it.  prot
 * and back tokens are words separated by blanks; every other attribute has
 * one character per page.
 */
const char *ms__grid_next(enum ms_attr attr, const char **g, size_t *len);

#endif

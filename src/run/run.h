/* SPDX-License-Identifier: MIT */
/* Internals shared by the verdict engine and the reports. */
#ifndef SEALSPEC_RUN_H
#define SEALSPEC_RUN_H

#include "sealspec.h"

#define MS__TOKEN_MAX 24

/*
 * The length of the valid UTF-8 sequence at s (of n bytes, n > 0), or 0:
 * overlongs, surrogates and code points above U+10FFFF are not valid.
 */
int ms__utf8_len(const unsigned char *s, size_t n);

/* Splits a grid into tokens; returns how many, or -EINVAL. */
int ms__grid_split(enum ms_attr attr, const char *grid,
		   char tok[][MS__TOKEN_MAX], int max);

/*
 * 1 when every page matches its token ('?' matches anything, and an
 * unobservable page matches any token but '.'), 0 when not, -EINVAL when
 * the grid and the observation differ in length.  On a match,
 * *unobservable (if not NULL) counts the specified tokens that matched only
 * because their page was unobservable.
 */
int ms__grid_match(enum ms_attr attr, const char *grid,
		   const struct ms_page *pages, int n, int *unobservable);

#endif

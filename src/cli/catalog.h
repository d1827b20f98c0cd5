/* SPDX-License-Identifier: MIT */
/* The built-in catalog: the cases/ files embedded by tools/embed.sh. */
#ifndef SEALSPEC_CATALOG_H
#define SEALSPEC_CATALOG_H

#include <stddef.h>

struct ms_catalog_entry {
	const char *path;	/* "cases/x.scn" */
	const char *text;
	size_t len;
};

extern const struct ms_catalog_entry ms_catalog[];
extern const int ms_catalog_size;

#endif

// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include "sealspec-fuzz.h"
char *ms_emit_c(const struct ms_program *p, const struct ms_emit_opts *o,
		int *err, char *why, size_t n)
{
	(void)p; (void)o;
	snprintf(why, n, "not yet");
	*err = -ENOTSUP;
	return NULL;
}

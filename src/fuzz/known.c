// SPDX-License-Identifier: MIT
/*
 * The explained differences: signatures (ms_fuzz_result.sig, shell
 * patterns) on which the kernel and the model are known to differ, each
 * with the reason it is accepted rather than fixed.  The fuzzer reports
 * them apart from new ones and minimises only new ones.  Keep it short:
 * every line here is a place where the model is not the specification.
 */
#include <fnmatch.h>
#include <stddef.h>

#include "fuzz/fuzz.h"

static const struct {
	const char *pattern;
	const char *reason;
} known[] = {
	/* None yet: every difference the fuzzer has found so far was a
	 * model bug and was fixed, or is listed in docs/fuzz.md. */
	{ NULL, NULL },
};

const char *ms_fuzz_known(const char *sig)
{
	for (size_t i = 0; known[i].pattern; i++)
		if (fnmatch(known[i].pattern, sig, 0) == 0)
			return known[i].reason;
	return NULL;
}

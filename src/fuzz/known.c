// SPDX-License-Identifier: MIT
/*
 * The explained differences: signatures (ms_fuzz_result.sig, matched as
 * fnmatch(3) patterns: brackets of the context are escaped) on which the kernel and the model are known to differ,
 * each with the reason.  The fuzzer reports them apart from new ones and
 * minimises only new ones.  Every entry is a place where the model is not
 * yet the kernel: each was found by the fuzzer on 6.18, its minimised
 * scenario and reproducer are described in docs/fuzz.md, and an entry
 * goes when the model is fixed.  None of them is about a seal: they are
 * gaps in what the model does around the sealing checks.
 */
#include <fnmatch.h>
#include <stddef.h>

#include "fuzz/fuzz.h"

static const struct {
	const char *pattern;
	const char *reason;
} known[] = {
	{ "mlock*: kernel ENOMEM, model ok*",
	  "model gap: mlock populates the range, and a guard marker or a "
	  "page beyond the end of the file makes the kernel's populate fail: "
	  "ENOMEM (after the VMAs were locked); the model's populate never "
	  "fails" },
	{ "*madvise(MADV_POPULATE_*: kernel EINVAL, model *",
	  "model gap: MADV_POPULATE_READ/WRITE refuse (EINVAL) a VMA the "
	  "access may not touch (write-only or PROT_NONE for a read, "
	  "read-only for a write) and find that before a hole (ENOMEM) or a "
	  "page beyond the end of the file (EFAULT); the model populates, "
	  "or answers the later errno" },
	{ "*: data*, kernel zero, model contents*",
	  "model gap: pages freed lazily with MADV_FREE are dropped when "
	  "MADV_PAGEOUT (or memory pressure) reclaims them and then read as "
	  "zero; the model keeps their contents" },
	{ "*: VMA boundaries*\\[guard\\]*",
	  "model gap: MADV_GUARD_INSTALL gives each VMA it touches an "
	  "anon_vma of its own (anon_vma_prepare()), and VMAs with different "
	  "anon_vmas do not merge; the model's guard markers leave VMAs "
	  "mergeable" },
	{ "uffd_move*: kernel EBUSY, model *",
	  "model gap: UFFDIO_MOVE refuses (EBUSY) an anonymous page that is "
	  "not exclusive to this process (PageAnonExclusive clear: a fork "
	  "leaves every private page shared until it is written again, and "
	  "another process's access, as the ptrace helper's, can too); the "
	  "model does not track exclusivity and moves the page" },
	{ NULL, NULL },
};

const char *ms_fuzz_known(const char *sig)
{
	for (size_t i = 0; known[i].pattern; i++)
		if (fnmatch(known[i].pattern, sig, 0) == 0)
			return known[i].reason;
	return NULL;
}

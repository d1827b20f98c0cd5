// SPDX-License-Identifier: MIT
/*
 * The profiles, as one table of switches.  This is the only place that
 * knows how linux, linux-6.12, linux-6.10 and guidelines differ; the calls
 * ask ms__sw(mm, MS__SW_x) and name the switch on the path it enables, and
 * the judge, which has no address space, reads ms__switch_mask(profile, 0).
 *
 * Columns: linux (6.17+), linux-6.12 (6.12-6.16, described as 6.16, where
 * the range differs the difference is a probed feature), linux-6.10
 * (6.10.7-6.11), guidelines (the seed mail; linux where it is silent).
 */
#include "model/model.h"

#define L   [MS_PROFILE_LINUX] = true
#define L12 [MS_PROFILE_LINUX_6_12] = true
#define L10 [MS_PROFILE_LINUX_6_10] = true
#define GL  [MS_PROFILE_GUIDELINES] = true

static const struct ms_model_switch table[MS__NSWITCHES] = {
	[MS__SW_SEAL_CHECK_RANGE_FIRST] = {
		"seal-check-range-first",
		"mprotect, munmap, mremap and madvise walk the whole range for "
		"seals before doing anything (can_modify_mm)",
		"8be7258aad44 mseal: add mseal syscall (6.10); removed by the "
		"6.12 'mm: Optimize mseal checks' series",
		{ L10 } },
	[MS__SW_PARTIAL_APPLY] = {
		"partial-apply",
		"mprotect and madvise change the VMAs before a sealed one, then "
		"fail (the seal is checked per VMA, inside the walk); the "
		"VMAs before it may be sealed ones on which the advice is "
		"allowed, so the judge lets a refused madvise change their "
		"contents, inherit flags and guard state (GP 1)",
		"4a2dd02b0916 (mprotect_fixup), 23c57d1fa2b9 (madvise), 6.12",
		{ L, L12 } },
	[MS__SW_ATOMIC_FAILURE] = {
		"atomic-failure",
		"a call refused because of a seal applies nothing: the whole "
		"range is validated first (a refinement of 'undefined')",
		"seed mail: partial failure is undefined, sealed regions never "
		"touched; sealspec DESIGN.md section 2",
		{ GL } },
	[MS__SW_MREMAP_SEAL_AT_ADDR] = {
		"mremap-seal-at-addr",
		"mremap checks the seal of the VMA at old_addr right after the "
		"lookup, so old_len == 0 duplication of a sealed mapping is "
		"refused (6.10 checked [addr, addr+old_len), empty then)",
		"38075679b5f1 mm/mremap: replace can_modify_mm with "
		"can_modify_vma (6.12)",
		{ L, L12, GL } },
	[MS__SW_MREMAP_SPAN_CHECK_FIRST] = {
		"mremap-span-check-first",
		"a resize or move whose source spans VMAs fails with EFAULT in "
		"check_prep_vma(), before the destination is unmapped",
		"6.17 mremap refactor (check_prep_vma gains remap_is_valid); "
		"6.12-6.16 unmapped MREMAP_FIXED destinations first",
		{ L, GL } },
	[MS__SW_MREMAP_MULTI_VMA_MOVE] = {
		"mremap-multi-vma-move",
		"a same-size MREMAP_FIXED move may span VMAs; they are checked "
		"and moved one at a time, so a sealed VMA fails the call after "
		"the ones before it moved",
		"d23cb648e365 mm/mremap: permit mremap() move of multiple VMAs "
		"(6.17); under atomic-failure the VMAs are validated first",
		{ L, GL } },
	[MS__SW_MREMAP_OVERLAP_FIRST] = {
		"mremap-overlap-first",
		"an overlapping or out-of-range new_addr is EINVAL before the "
		"seal is checked",
		"6.17 check_mremap_params(); 6.10 mremap_to() checked it "
		"before can_modify_mm()",
		{ L, L10, GL } },
	[MS__SW_SPECIAL_IS_ANON] = {
		"special-is-anon",
		"the vDSO (a special mapping without vm_file) counts as "
		"anonymous for the discard check, so discards on a sealed "
		"read-only vDSO are refused (an aio ring is a shared file "
		"mapping: never)",
		"is_ro_anon() tested vm_file/VM_SHARED until the 6.17 'mm/mseal: "
		"update madvise() logic' switched to vma_is_anonymous()",
		{ L12, L10 } },
	[MS__SW_GUARD_REGIONS] = {
		"guard-regions",
		"MADV_GUARD_INSTALL and MADV_GUARD_REMOVE exist; GUARD_INSTALL "
		"is a discard",
		"662df3e5c376 mm: madvise: implement lightweight guard page "
		"mechanism (6.13)",
		{ L, L12, GL } },
	[MS__SW_GUARD_FILE] = {
		"guard-file",
		"guard regions may be installed in file and shmem mappings "
		"(probed feature guard-regions)",
		"6.15: file-backed guard regions",
		{ L, L12, GL } },
	[MS__SW_SELF_MADVISE] = {
		"self-madvise",
		"process_madvise() on the calling process takes every advice "
		"(probed feature self-madvise)",
		"6.13: process_madvise() on self accepts all advice",
		{ L, L12, GL } },
	[MS__SW_DISCARD_PRIVATE_FILE] = {
		"discard-private-file",
		"discards are refused on sealed non-writable MAP_PRIVATE file "
		"mappings too, not only on anonymous ones",
		"seed mail guideline 2a; Linux exempts them in "
		"can_madvise_modify() 'for the time being'",
		{ GL } },
	[MS__SW_FOLL_FORCE_REFUSED] = {
		"foll-force-refused",
		"FOLL_FORCE writes (/proc/self/mem, ptrace) into a sealed VMA "
		"without PROT_WRITE fail with EIO",
		"seed mail guideline 7",
		{ GL } },
};

const struct ms_model_switch *ms_model_switches(int *n)
{
	*n = MS__NSWITCHES;
	return table;
}

_Static_assert(MS__NSWITCHES <= 32, "the switch mask is 32 bits");

/*
 * The switches of a profile as a mask (bit sw set: switch sw on), with
 * flip_switches applied; an mm keeps it, so that ms__sw() is one test on
 * the hot paths of every call.
 */
uint32_t ms__switch_mask(int profile, uint64_t flip)
{
	uint32_t m = 0;

	for (int sw = 0; sw < MS__NSWITCHES; sw++)
		if (table[sw].on[profile] ^ !!(flip & (1ull << sw)))
			m |= 1u << sw;
	return m;
}

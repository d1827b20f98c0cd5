// SPDX-License-Identifier: MIT
/* The vocabulary: profile, rule, feature and attribute names. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "sealspec.h"

static const char *const profile_names[MS_NPROFILES] = {
	[MS_PROFILE_LINUX] = "linux",
	[MS_PROFILE_LINUX_6_12] = "linux-6.12",
	[MS_PROFILE_LINUX_6_10] = "linux-6.10",
	[MS_PROFILE_GUIDELINES] = "guidelines",
};

const char *ms_profile_name(enum ms_profile p)
{
	return (unsigned)p < MS_NPROFILES ? profile_names[p] : "?";
}

int ms_profile_lookup(const char *name)
{
	for (int i = 0; i < MS_NPROFILES; i++)
		if (strcmp(profile_names[i], name) == 0)
			return i;
	return -EINVAL;
}

static const struct {
	const char *name;
	const char *summary;
} rules[MS_NRULES] = {
	[MS_RULE_G1] = { "G1", "mprotect and munmap are refused on sealed memory" },
	[MS_RULE_G1A] = { "G1a", "munmap is atomic: it never fails part-way" },
	[MS_RULE_G1B] = { "G1b", "mmap(MAP_FIXED) over sealed memory is an unmap: EPERM" },
	[MS_RULE_G2] = { "G2", "discard advice is refused on sealed read-only anonymous memory; other advice is allowed" },
	[MS_RULE_G2A] = { "G2a", "discard advice is refused on sealed read-only MAP_PRIVATE file memory too" },
	[MS_RULE_G2B] = { "G2b", "protection keys count when deciding \"read-only\"" },
	[MS_RULE_G3] = { "G3", "mremap of sealed memory, as source or destination, is refused" },
	[MS_RULE_G3A] = { "G3a", "growing a sealed mapping (open question; refused today)" },
	[MS_RULE_G4] = { "G4", "mlock and msync are allowed on sealed memory" },
	[MS_RULE_G5] = { "G5", "sealing cannot be undone; sealing again succeeds and changes nothing" },
	[MS_RULE_G6] = { "G6", "calls that keep contents (mbind, advice hints, mincore) are allowed" },
	[MS_RULE_G6A] = { "G6a", "page tables may change (fault-in, swap) while contents do not" },
	[MS_RULE_G7] = { "G7", "FOLL_FORCE writes (/proc/pid/mem, ptrace) into sealed read-only memory are refused" },
	[MS_RULE_GP] = { "GP", "partial failure is undefined, but sealed pages are never touched" },
	[MS_RULE_GS] = { "GS", "sealed VMAs may split and merge" },
};

const char *ms_rule_name(enum ms_rule r)
{
	return (unsigned)r < MS_NRULES ? rules[r].name : "?";
}

const char *ms_rule_summary(enum ms_rule r)
{
	return (unsigned)r < MS_NRULES ? rules[r].summary : "?";
}

int ms_rule_lookup(const char *name)
{
	for (int i = 0; i < MS_NRULES; i++)
		if (strcasecmp(rules[i].name, name) == 0)
			return i;
	return -EINVAL;
}

static const char *const feature_names[MS_NFEATURES] = {
	[MS_FEAT_MSEAL] = "mseal",
	[MS_FEAT_PKEY] = "pkey",
	[MS_FEAT_UFFD] = "userfaultfd",
	[MS_FEAT_PTRACE] = "ptrace",
	[MS_FEAT_PROC_MEM] = "proc-mem-write",
	[MS_FEAT_SHM] = "sysv-shm",
	[MS_FEAT_AIO] = "aio",
	[MS_FEAT_NUMA] = "numa",
	[MS_FEAT_GUARD] = "guard-regions",
	[MS_FEAT_MEMFD] = "memfd",
	[MS_FEAT_MREMAP_DONTUNMAP] = "mremap-dontunmap",
	[MS_FEAT_MLOCK] = "mlock",
	[MS_FEAT_REMOTE_MADVISE] = "remote-madvise",
	[MS_FEAT_MAP_COUNT] = "map-count-limit",
	[MS_FEAT_SELF_MADVISE] = "self-madvise",
	[MS_FEAT_MREMAP_NEW_FIRST] = "mremap-new-addr-first",
	[MS_FEAT_LOW_ADDR] = "low-address",
};

const char *ms_feature_name(enum ms_feature f)
{
	return (unsigned)f < MS_NFEATURES ? feature_names[f] : "?";
}

const char *ms_data_route_name(enum ms_data_route r)
{
	static const char *const names[] = {
		[MS_DATA_DIRECT] = "direct",
		[MS_DATA_PTRACE] = "ptrace",
		[MS_DATA_BLIND] = "blind",
	};

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

int ms_feature_lookup(const char *name)
{
	for (int i = 0; i < MS_NFEATURES; i++)
		if (strcmp(feature_names[i], name) == 0)
			return i;
	return -EINVAL;
}

static const char *const attr_names[MS_NATTRS] = {
	[MS_ATTR_VMAS] = "vmas",     [MS_ATTR_PROT] = "prot",
	[MS_ATTR_SEAL] = "seal",     [MS_ATTR_LOCK] = "lock",
	[MS_ATTR_INHERIT] = "inherit", [MS_ATTR_SHARE] = "share",
	[MS_ATTR_BACK] = "back",     [MS_ATTR_GUARD] = "guard",
	[MS_ATTR_PKEY] = "pkey",     [MS_ATTR_DATA] = "data",
};

const char *ms_attr_name(enum ms_attr a)
{
	return (unsigned)a < MS_NATTRS ? attr_names[a] : "?";
}

int ms_attr_lookup(const char *name)
{
	for (int i = 0; i < MS_NATTRS; i++)
		if (strcmp(attr_names[i], name) == 0)
			return i;
	return -EINVAL;
}

static const char *const result_names[] = {
	[MS_PASS] = "pass", [MS_FAIL] = "fail", [MS_SKIP] = "skip",
	[MS_BROK] = "brok", [MS_XFAIL] = "xfail",
};

const char *ms_result_code_name(enum ms_result_code r)
{
	return (unsigned)r <= MS_XFAIL ? result_names[r] : "?";
}

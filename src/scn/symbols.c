// SPDX-License-Identifier: MIT
/*
 * Symbolic constants and errno names.  Values come from the libc headers
 * of the machine sealspec is built on (MAP_* and MCL_* differ on a few
 * architectures); constants those headers lack come from compat.h with
 * their upstream uapi values.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include "compat.h"
#include "scn.h"

struct sym {
	const char *name;
	int64_t value;
};

#define SYM(x) { #x, (int64_t)(x) }

static const struct sym symbols[] = {
	{ "NULL", 0 },
	SYM(PROT_NONE), SYM(PROT_READ), SYM(PROT_WRITE), SYM(PROT_EXEC),
	SYM(PROT_GROWSDOWN), SYM(PROT_GROWSUP),

	SYM(MAP_SHARED), SYM(MAP_PRIVATE), SYM(MAP_SHARED_VALIDATE),
	SYM(MAP_DROPPABLE), SYM(MAP_FIXED), SYM(MAP_ANONYMOUS),
	{ "MAP_ANON", MAP_ANONYMOUS },
	SYM(MAP_GROWSDOWN), SYM(MAP_DENYWRITE), SYM(MAP_EXECUTABLE),
	SYM(MAP_LOCKED), SYM(MAP_NORESERVE), SYM(MAP_POPULATE),
	SYM(MAP_NONBLOCK), SYM(MAP_STACK), SYM(MAP_HUGETLB), SYM(MAP_SYNC),
	SYM(MAP_FIXED_NOREPLACE), SYM(MAP_UNINITIALIZED),
#ifdef MAP_32BIT
	SYM(MAP_32BIT),
#endif

	SYM(MADV_NORMAL), SYM(MADV_RANDOM), SYM(MADV_SEQUENTIAL),
	SYM(MADV_WILLNEED), SYM(MADV_DONTNEED), SYM(MADV_FREE),
	SYM(MADV_REMOVE), SYM(MADV_DONTFORK), SYM(MADV_DOFORK),
	SYM(MADV_MERGEABLE), SYM(MADV_UNMERGEABLE), SYM(MADV_HUGEPAGE),
	SYM(MADV_NOHUGEPAGE), SYM(MADV_DONTDUMP), SYM(MADV_DODUMP),
	SYM(MADV_WIPEONFORK), SYM(MADV_KEEPONFORK), SYM(MADV_COLD),
	SYM(MADV_PAGEOUT), SYM(MADV_POPULATE_READ), SYM(MADV_POPULATE_WRITE),
	SYM(MADV_DONTNEED_LOCKED), SYM(MADV_COLLAPSE), SYM(MADV_HWPOISON),
	SYM(MADV_SOFT_OFFLINE), SYM(MADV_GUARD_INSTALL),
	SYM(MADV_GUARD_REMOVE),

	SYM(MREMAP_MAYMOVE), SYM(MREMAP_FIXED), SYM(MREMAP_DONTUNMAP),
	SYM(MLOCK_ONFAULT),
	SYM(MCL_CURRENT), SYM(MCL_FUTURE), SYM(MCL_ONFAULT),
	SYM(MS_ASYNC), SYM(MS_SYNC), SYM(MS_INVALIDATE),

	SYM(MPOL_DEFAULT), SYM(MPOL_PREFERRED), SYM(MPOL_BIND),
	SYM(MPOL_INTERLEAVE), SYM(MPOL_LOCAL), SYM(MPOL_PREFERRED_MANY),
	SYM(MPOL_WEIGHTED_INTERLEAVE),
	SYM(MPOL_MF_STRICT), SYM(MPOL_MF_MOVE), SYM(MPOL_MF_MOVE_ALL),

	SYM(SHM_RDONLY), SYM(SHM_RND), SYM(SHM_REMAP), SYM(SHM_EXEC),
	SYM(O_RDONLY), SYM(O_WRONLY), SYM(O_RDWR), SYM(O_TRUNC),
	SYM(O_APPEND),
	SYM(PKEY_DISABLE_ACCESS), SYM(PKEY_DISABLE_WRITE),
	SYM(FALLOC_FL_KEEP_SIZE), SYM(FALLOC_FL_PUNCH_HOLE),

	/* The value is the page size of this machine; see ms_eval. */
	{ "PAGE_SIZE", 0 },
};

#define NSYMBOLS ((int)(sizeof(symbols) / sizeof(symbols[0])))

static int64_t page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	return ps > 0 ? ps : 4096;
}

int ms_symbol_lookup(const char *name, int64_t *value)
{
	for (int i = 0; i < NSYMBOLS; i++) {
		if (strcmp(symbols[i].name, name) != 0)
			continue;
		if (value)
			*value = strcmp(name, "PAGE_SIZE") == 0 ?
					 page_size() :
					 symbols[i].value;
		return 0;
	}
	return -EINVAL;
}

const char *ms__scn_symbol_name(int i)
{
	return i >= 0 && i < NSYMBOLS ? symbols[i].name : NULL;
}

/* Aliases (EWOULDBLOCK, ENOTSUP) come after the name printed for them. */
static const struct {
	const char *name;
	int err;
} errnos[] = {
	{ "EPERM", EPERM },	    { "ENOENT", ENOENT },
	{ "ESRCH", ESRCH },	    { "EINTR", EINTR },
	{ "EIO", EIO },		    { "ENXIO", ENXIO },
	{ "E2BIG", E2BIG },	    { "ENOEXEC", ENOEXEC },
	{ "EBADF", EBADF },	    { "ECHILD", ECHILD },
	{ "EAGAIN", EAGAIN },	    { "EWOULDBLOCK", EWOULDBLOCK },
	{ "ENOMEM", ENOMEM },	    { "EACCES", EACCES },
	{ "EFAULT", EFAULT },	    { "EBUSY", EBUSY },
	{ "EEXIST", EEXIST },	    { "EXDEV", EXDEV },
	{ "ENODEV", ENODEV },	    { "ENOTDIR", ENOTDIR },
	{ "EISDIR", EISDIR },	    { "EINVAL", EINVAL },
	{ "ENFILE", ENFILE },	    { "EMFILE", EMFILE },
	{ "ENOTTY", ENOTTY },	    { "ETXTBSY", ETXTBSY },
	{ "EFBIG", EFBIG },	    { "ENOSPC", ENOSPC },
	{ "ESPIPE", ESPIPE },	    { "EROFS", EROFS },
	{ "EMLINK", EMLINK },	    { "EPIPE", EPIPE },
	{ "EDOM", EDOM },	    { "ERANGE", ERANGE },
	{ "EDEADLK", EDEADLK },	    { "ENAMETOOLONG", ENAMETOOLONG },
	{ "ENOLCK", ENOLCK },	    { "ENOSYS", ENOSYS },
	{ "ENOTEMPTY", ENOTEMPTY }, { "ELOOP", ELOOP },
	{ "EIDRM", EIDRM },	    { "ENODATA", ENODATA },
	{ "EOVERFLOW", EOVERFLOW }, { "EOPNOTSUPP", EOPNOTSUPP },
	{ "ENOTSUP", ENOTSUP },	    { "ETIMEDOUT", ETIMEDOUT },
	{ "ECANCELED", ECANCELED }, { "EOWNERDEAD", EOWNERDEAD },
	{ "EHWPOISON", EHWPOISON }, { "ENOTRECOVERABLE", ENOTRECOVERABLE },
};

#define NERRNOS ((int)(sizeof(errnos) / sizeof(errnos[0])))

const char *ms_errno_name(int err)
{
	for (int i = 0; i < NERRNOS; i++)
		if (errnos[i].err == err)
			return errnos[i].name;
	return NULL;
}

int ms_errno_lookup(const char *name)
{
	for (int i = 0; i < NERRNOS; i++)
		if (strcmp(errnos[i].name, name) == 0)
			return errnos[i].err;
	return -EINVAL;
}

/* Levenshtein distance, but anything above 3 is reported as 3. */
int ms__scn_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[MS_NAME_MAX + 1];

	if (la > MS_NAME_MAX || lb > MS_NAME_MAX)
		return 3;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0];

		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j];
			int best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb] > 3 ? 3 : row[lb];
}

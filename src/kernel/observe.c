// SPDX-License-Identifier: MIT
/*
 * Page state as the kernel reports it to the process itself:
 *
 *   /proc/self/smaps    VMA boundaries, protections, backing, VmFlags
 *                       (sl sealed, lo locked, lf lock-on-fault,
 *                       dc dontfork, wf wipeonfork), ProtectionKey
 *   /proc/self/pagemap  guard markers (bit 58, 6.14+), present and swapped
 *   /proc/self/mem      page contents, readable even under PROT_NONE where
 *                       the kernel grants the process FOLL_FORCE; where it
 *                       grants it to tracers only, memreader.c reads the
 *                       pages the process may not read itself
 *
 * Nothing here allocates: smaps is read into one buffer mapped up front,
 * because an observation runs in the scenario process after the arena is
 * in use, where malloc could place memory in the way.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "compat.h"
#include "kernel/kernel.h"

#define SMAPS_INITIAL (4UL << 20)
#define SMAPS_MAX (256UL << 20)

static char *smaps_buf;
static size_t smaps_cap, smaps_len;

int ms__observe_init(void)
{
	long r;

	if (smaps_buf)
		return 0;
	r = ms__sys_mmap(0, SMAPS_INITIAL, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r < 0)
		return (int)r;
	smaps_buf = (char *)(uintptr_t)r;
	smaps_cap = SMAPS_INITIAL;
	return 0;
}

/*
 * Replaces the smaps buffer by one four times as big: 0 or -errno (E2BIG
 * past SMAPS_MAX).  Every read that does not fit is paid for in full, so
 * the buffer grows in big steps: at the default vm.max_map_count (65530
 * VMAs, some 47 MiB of smaps) a process reads 4 and 16 MiB before it fits.
 * Not mremap(2): it would have to move the buffer, and moving a VMA wants
 * spare map slots, so it fails near vm.max_map_count, where use_map_slots
 * leaves the process.  Unmapping first frees the slot the new buffer
 * takes; the contents are read again anyway.
 */
static int smaps_grow(void)
{
	size_t cap = smaps_cap * 4;
	long r;

	if (smaps_cap >= SMAPS_MAX)
		return -E2BIG;
	if (cap > SMAPS_MAX)
		cap = SMAPS_MAX;
	ms__sys_munmap((uintptr_t)smaps_buf, smaps_cap);
	smaps_buf = NULL;
	smaps_cap = 0;
	r = ms__sys_mmap(0, cap, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r < 0)
		return (int)r;
	smaps_buf = (char *)(uintptr_t)r;
	smaps_cap = cap;
	return 0;
}

/*
 * Reads all of /proc/self/smaps, growing the buffer for a process with
 * more VMAs than it holds.
 */
static int smaps_load(void)
{
	long r = ms__observe_init();

	if (r < 0)
		return (int)r;
	for (;;) {
		r = ms__sys_read_file("/proc/self/smaps", smaps_buf,
				      smaps_cap);
		if (r != -E2BIG)
			break;
		r = smaps_grow();
		if (r < 0)
			return (int)r;
	}
	if (r < 0)
		return (int)r;
	smaps_len = (size_t)r;
	return 0;
}

struct walk {
	const char *p, *end;
	int index;
};

static const char *line_end(const struct walk *w, const char *p)
{
	const char *nl = memchr(p, '\n', (size_t)(w->end - p));

	return nl ? nl : w->end;
}

/* A VMA header starts with a lower-case hex address; fields never do. */
static bool is_header(const char *p, const char *end)
{
	return p < end && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'));
}

static uint64_t parse_hex(const char **pp, const char *end)
{
	const char *p = *pp;
	uint64_t v = 0;

	for (; p < end; p++) {
		int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else
			break;
		v = v * 16 + (uint64_t)d;
	}
	*pp = p;
	return v;
}

static const char *skip_field(const char *p, const char *end)
{
	while (p < end && *p != ' ')
		p++;
	while (p < end && *p == ' ')
		p++;
	return p;
}

static bool has_prefix(const char *p, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);

	return (size_t)(end - p) >= n && memcmp(p, prefix, n) == 0;
}

/*
 * What backs a VMA, from its path.  Anonymous memory shows no path, or one
 * of "[heap]", "[stack]", "[anon:name]"; shared anonymous memory and SysV
 * segments are shmem files that smaps names "/dev/zero (deleted)" and
 * "/SYSV<key> (deleted)".  Other bracketed names ("[vdso]", "[vvar]",
 * "[vvar_vclock]", "[uprobes]", "[vsyscall]") are kernel special
 * mappings; so is an aio ring, "/[aio] (deleted)", which no user file
 * stands behind.
 */
static void classify_path(struct ms__vma *v)
{
	const char *path = v->path, *end = path + strlen(path);

	v->special_aio = false;
	if (!*path || strcmp(path, "[heap]") == 0 ||
	    has_prefix(path, end, "[stack") || has_prefix(path, end, "[anon") ||
	    has_prefix(path, end, "/dev/zero") ||
	    has_prefix(path, end, "/SYSV")) {
		v->backing = MS_BACK_ANON;
	} else if (*path == '[') {
		v->backing = MS_BACK_SPECIAL;
	} else if (has_prefix(path, end, "/[aio]")) {
		v->backing = MS_BACK_SPECIAL;
		v->special_aio = true;
	} else {
		v->backing = MS_BACK_FILE;
	}
}

/* "start-end perms offset dev inode    path" */
static void parse_header(const char *p, const char *end, struct ms__vma *v)
{
	size_t n;

	v->start = parse_hex(&p, end);
	if (p < end && *p == '-')
		p++;
	v->end = parse_hex(&p, end);
	while (p < end && *p == ' ')
		p++;
	v->prot = 0;
	v->shared = false;
	if (end - p >= 4) {
		if (p[0] == 'r')
			v->prot |= PROT_READ;
		if (p[1] == 'w')
			v->prot |= PROT_WRITE;
		if (p[2] == 'x')
			v->prot |= PROT_EXEC;
		v->shared = p[3] == 's';
	}
	p = skip_field(p, end);
	v->offset = parse_hex(&p, end);
	p = skip_field(p, end);	/* offset's trailing blanks */
	p = skip_field(p, end);	/* dev */
	v->ino = 0;
	while (p < end && *p >= '0' && *p <= '9')
		v->ino = v->ino * 10 + (uint64_t)(*p++ - '0');
	p = skip_field(p, end);	/* the padding before the path */
	n = (size_t)(end - p);
	if (n >= sizeof(v->path))
		n = sizeof(v->path) - 1;
	memcpy(v->path, p, n);
	v->path[n] = '\0';
	classify_path(v);
}

static void parse_vmflags(const char *p, const char *end, struct ms__vma *v)
{
	p += strlen("VmFlags:");
	for (;;) {
		while (p < end && *p == ' ')
			p++;
		if (end - p < 2)
			break;
		if (p[0] == 's' && p[1] == 'l')
			v->sealed = true;
		else if (p[0] == 'l' && p[1] == 'o')
			v->lock |= MS_LOCK_LOCKED;
		else if (p[0] == 'l' && p[1] == 'f')
			v->lock |= MS_LOCK_ONFAULT;
		else if (p[0] == 'd' && p[1] == 'c')
			v->inherit |= MS_INHERIT_DONTFORK;
		else if (p[0] == 'w' && p[1] == 'f')
			v->inherit |= MS_INHERIT_WIPEONFORK;
		p += 2;
	}
}

static int8_t parse_pkey(const char *p, const char *end)
{
	int v = 0;

	p += strlen("ProtectionKey:");
	while (p < end && *p == ' ')
		p++;
	while (p < end && *p >= '0' && *p <= '9')
		v = v * 10 + (*p++ - '0');
	return (int8_t)v;
}

/* The next VMA of the walk: 1, or 0 at the end. */
static int next_vma(struct walk *w, struct ms__vma *v)
{
	const char *eol;

	while (w->p < w->end && !is_header(w->p, w->end))
		w->p = line_end(w, w->p) + 1;
	if (w->p >= w->end)
		return 0;
	memset(v, 0, sizeof(*v));
	v->pkey = -1;
	v->index = w->index++;
	eol = line_end(w, w->p);
	parse_header(w->p, eol, v);
	w->p = eol + 1;
	while (w->p < w->end && !is_header(w->p, w->end)) {
		eol = line_end(w, w->p);
		if (has_prefix(w->p, eol, "VmFlags:"))
			parse_vmflags(w->p, eol, v);
		else if (has_prefix(w->p, eol, "ProtectionKey:"))
			v->pkey = parse_pkey(w->p, eol);
		w->p = eol + 1;
	}
	return 1;
}

/* Set by ms__observe_hold(): smaps_buf holds this address space's text. */
static bool smaps_held, smaps_fresh;

void ms__observe_hold(bool hold)
{
	smaps_held = hold;
	smaps_fresh = false;
}

static int walk_start(struct walk *w)
{
	if (!smaps_fresh) {
		int r = smaps_load();

		if (r < 0)
			return r;
		smaps_fresh = smaps_held;
	}
	w->p = smaps_buf;
	w->end = smaps_buf + smaps_len;
	w->index = 0;
	return 0;
}

int ms__find_vma(uint64_t addr, struct ms__vma *vma)
{
	struct walk w;
	int r = walk_start(&w);

	if (r < 0)
		return r;
	while (next_vma(&w, vma))
		if (addr >= vma->start && addr < vma->end)
			return 0;
	return -ENOENT;
}

int ms__find_vma_named(const char *path, struct ms__vma *vma)
{
	struct walk w;
	int r = walk_start(&w);

	if (r < 0)
		return r;
	while (next_vma(&w, vma))
		if (strcmp(vma->path, path) == 0)
			return 0;
	return -ENOENT;
}

long ms__sealed_vmas(void)
{
	struct ms__vma v;
	struct walk w;
	long n = 0;
	int r = walk_start(&w);

	if (r < 0)
		return r;
	while (next_vma(&w, &v))
		n += v.sealed;
	return n;
}

static unsigned char page_buf[MS__PAGE_MAX];

static enum ms_data_route data_route = MS_DATA_DIRECT;
static bool data_route_forced;

void ms__observe_route(enum ms_data_route route, bool forced)
{
	data_route = route;
	data_route_forced = forced;
}

char ms__contents_token(const unsigned char *buf, long len, long page_size)
{
	unsigned char c;

	if (len != page_size)
		return '!';
	c = buf[0];
	for (long i = 1; i < page_size; i++)
		if (buf[i] != c)
			return '*';
	if (c == 0)
		return '0';
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
		return (char)c;
	return '*';
}

/*
 * The contents token of one page read through /proc/self/mem, or 0 when
 * the read failed as it does where the kernel refuses this process
 * FOLL_FORCE: EIO for a page it may not read (no VM_READ).  Under
 * PROC_MEM_FORCE_ALWAYS the same failure is real (a guard page), so 0
 * only when the probe found another route.
 */
static char read_token(const struct ms_page *pg, uint64_t addr,
		       long page_size)
{
	bool refusable = !(pg->prot & PROT_READ) &&
			 data_route != MS_DATA_DIRECT;
	int fd;
	long r;

	if (refusable && data_route_forced)
		return 0;
	fd = ms__proc_fd(MS__PROC_MEM);
	if (fd < 0)
		return '?';
	r = ms__sys_pread(fd, page_buf, (size_t)page_size, addr);
	if (r == -EIO && refusable)
		return 0;
	return ms__contents_token(page_buf, r, page_size);
}

/*
 * A never-touched private anonymous page reads as zeros, but reading it
 * through /proc/self/mem would fault it in, which changes what a later
 * uffd_copy sees.  pagemap says whether there is anything to read.  The
 * page reader faults in exactly what a direct read would.
 */
static char data_token(const struct ms_page *pg, uint64_t pm, uint64_t addr,
		       long page_size)
{
	if (!pg->mapped)
		return '.';
	if (pg->backing == MS_BACK_ANON && !pg->shared && !pg->guard &&
	    !(pm & (MS__PM_PRESENT | MS__PM_SWAP)))
		return '0';
	return read_token(pg, addr, page_size);
}

/*
 * The pages in `refused`, which /proc/self/mem would not read: through the
 * page reader, or MS_DATA_UNOBSERVABLE when there is no way to look.
 */
static void read_refused(uint64_t addr, int npages, long page_size,
			 uint64_t refused, struct ms_page *pages)
{
	char tok[MS_GRID_MAX];
	int err = -EPERM;

	if (data_route == MS_DATA_PTRACE)
		err = ms__memreader_peek(addr, npages, page_size, refused, tok);
	for (int k = 0; k < npages; k++)
		if (refused & (1ULL << k))
			pages[k].data = err < 0 ? MS_DATA_UNOBSERVABLE : tok[k];
}

int ms__observe(uint64_t addr, int npages, long page_size, bool want_data,
		struct ms_page *pages)
{
	static uint64_t pm[MS_GRID_MAX];
	uint64_t refused = 0;
	struct ms__vma v;
	struct walk w;
	int r, fd;

	if (npages < 0 || npages > MS_GRID_MAX)
		return -EINVAL;
	r = walk_start(&w);
	if (r < 0)
		return r;
	memset(pages, 0, sizeof(*pages) * (size_t)npages);
	for (int k = 0; k < npages; k++) {
		pages[k].pkey = -1;
		pages[k].vma = UINT32_MAX;
	}
	while (next_vma(&w, &v)) {
		for (int k = 0; k < npages; k++) {
			uint64_t a = addr + (uint64_t)k * (uint64_t)page_size;
			struct ms_page *pg = &pages[k];

			if (a < v.start || a >= v.end)
				continue;
			pg->mapped = true;
			pg->prot = v.prot;
			pg->shared = v.shared;
			pg->backing = v.backing;
			if (v.backing == MS_BACK_FILE) {
				pg->pgoff = v.offset / (uint64_t)page_size +
					    (a - v.start) / (uint64_t)page_size;
				pg->file = v.ino;
			}
			pg->vma = (uint32_t)v.index;
			pg->sealed = v.sealed;
			pg->lock = v.lock;
			pg->inherit = v.inherit;
			pg->pkey = v.pkey;
		}
	}

	memset(pm, 0, sizeof(pm));
	fd = ms__proc_fd(MS__PROC_PAGEMAP);
	if (fd >= 0)
		ms__sys_pread(fd, pm, sizeof(uint64_t) * (size_t)npages,
			      addr / (uint64_t)page_size * sizeof(uint64_t));
	for (int k = 0; k < npages; k++) {
		uint64_t a = addr + (uint64_t)k * (uint64_t)page_size;
		struct ms_page *pg = &pages[k];

		pg->guard = pg->mapped && (pm[k] & MS__PM_GUARD_REGION);
		if (!pg->mapped)
			pg->data = '.';
		else if (want_data)
			pg->data = data_token(pg, pm[k], a, page_size);
		else
			pg->data = '?';
		if (!pg->data)
			refused |= 1ULL << k;
	}
	if (refused)
		read_refused(addr, npages, page_size, refused, pages);
	return 0;
}

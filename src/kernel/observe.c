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
 *                       pages the process may not read itself (for an
 *                       expect data step; a snapshot reads only what
 *                       changes nothing, snapshot_reads())
 *
 * smaps is the only source of the VmFlags, and the dear one: the kernel
 * formats some 25 lines per VMA (700 bytes and more), walking each VMA's
 * page tables as it goes.  So it is read as a stream, in address order,
 * only as far as a question needs: a page state stops at the header of
 * the first VMA past its range (the arena lies below the binary, the
 * libraries and the stack, so that is usually the arena's own VMAs), a
 * VMA lookup at its address.  How far the kernel formats follows from
 * how much a read(2) asks for: seq_file formats VMAs into its 4 KiB
 * buffer until it holds what was asked, and formats again, the next
 * time, the VMA that did not fit.  A read of a whole buffer thus
 * formats five or six VMAs, one of them twice, where a page state may
 * need two; a read of less than one VMA's text formats at most one
 * (SMAPS_STEP), so a bounded question costs the VMAs up to the one that
 * ends it and a few more reads.  The descriptor stays open; a read from
 * offset 0 starts a fresh pass over the address space as it is now.
 *
 * PROCMAP_QUERY (6.11+) finds a VMA without formatting the others, but it
 * reports neither the seal nor the lock nor the other VmFlags, so it
 * cannot replace smaps where something is mapped; where nothing is, it
 * answers alone (a range the scenario unmapped or moved away, which above
 * the arena would cost a pass over every VMA of the process).
 *
 * Nothing here allocates: the text window and the table of VMAs read so
 * far live in one buffer mapped up front, because an observation runs in
 * the scenario process after the arena is in use, where malloc could
 * place memory in the way.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "compat.h"
#include "kernel/kernel.h"

/*
 * The buffer: a window of smaps text, a page read from /proc/self/mem,
 * then the VMAs of the pass in progress (struct seen), so that the
 * observations after one step (ms__observe_hold) share one pass however
 * far each needs to read.  At 48 bytes a VMA it holds 80554, beyond
 * vm.max_map_count's default.  The page lives here rather than in .bss,
 * where 64 KiB of it kept the small variables of this file on pages of
 * their own: every scenario process faulted each of them in.
 */
#define SMAPS_BUF (4UL << 20)
#define WINDOW (256UL << 10)
#define PAGE_AT WINDOW
#define SEEN_AT (PAGE_AT + MS__PAGE_MAX)
/*
 * What a bounded read asks for: less than the text of any VMA (some 680
 * bytes at the least), so that the kernel formats at most one VMA for it.
 */
#define SMAPS_STEP 512
/* The smaps descriptor's number: out of the way of the scenario's own. */
#define SMAPS_FD_MIN (MS__FDS_MAX - 64)

struct seen {
	uint64_t start, end, offset;
	uint64_t ino;
	int32_t index;
	uint8_t prot, backing, lock, inherit;
	bool shared, sealed, special_aio;
	int8_t pkey;
};

static char *smaps_buf;
static int smaps_fd = -1;
static pid_t smaps_pid;
/* /proc/self/maps for PROCMAP_QUERY; query_gone once it said ENOTTY. */
static int maps_fd = -1;
static pid_t maps_pid;
static bool query_gone;

int ms__observe_init(void)
{
	long r;

	if (smaps_buf)
		return 0;
	r = ms__sys_mmap(0, SMAPS_BUF, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r < 0)
		return (int)r;
	smaps_buf = (char *)(uintptr_t)r;
	return 0;
}

/*
 * This process's /proc/self/<file> in *fd: a descriptor opened by a
 * parent shows the parent's address space, so a fork child opens its own
 * (and closes its copy of the parent's).  Close-on-exec: an exec'd image
 * opens anew.
 */
static int proc_open(const char *path, int *fd, pid_t *owner)
{
	pid_t self = ms__sys_getpid();
	int f, high;

	if (*fd >= 0 && *owner == self)
		return *fd;
	if (*fd >= 0)
		ms__sys_close(*fd);
	*fd = -1;
	f = ms__sys_open(path, O_RDONLY);
	if (f < 0)
		return f;
	high = ms__sys_dup_above(f, SMAPS_FD_MIN);
	if (high >= 0) {
		ms__sys_close(f);
		f = high;
	}
	*fd = f;
	*owner = self;
	return f;
}

static int smaps_open(void)
{
	return proc_open("/proc/self/smaps", &smaps_fd, &smaps_pid);
}

int ms__query_vma(uint64_t addr, bool next, uint64_t *start, uint64_t *end)
{
	struct procmap_query q;
	int fd;
	long r;

	if (query_gone)
		return -ENOTTY;
	fd = proc_open("/proc/self/maps", &maps_fd, &maps_pid);
	if (fd < 0)
		return fd;
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.query_addr = addr;
	q.query_flags = next ? PROCMAP_QUERY_COVERING_OR_NEXT_VMA : 0;
	r = ms__sys_ioctl(fd, PROCMAP_QUERY, &q);
	/* Before 6.11 the maps file has no ioctl: ENOTTY, once. */
	if (r == -ENOTTY)
		query_gone = true;
	if (r < 0)
		return (int)r;
	*start = q.vma_start;
	*end = q.vma_end;
	return 0;
}

/*
 * The pass in progress: text in [p, end) of the window not parsed yet,
 * read up to file offset off; the first nseen of its VMAs in the table.
 */
static struct {
	char *p, *end;
	uint64_t off;
	bool eof;
	int index;		/* VMAs parsed */
	int nseen;
	bool overflow;		/* more VMAs than the table holds */
	bool step;		/* bounded: read SMAPS_STEP at a time */
} pass;

static struct seen *seen_table(void)
{
	return (struct seen *)(void *)(smaps_buf + SEEN_AT);
}

#define SEEN_MAX ((int)((SMAPS_BUF - SEEN_AT) / sizeof(struct seen)))

/*
 * A fresh pass from offset 0: the address space as it is now.  bounded:
 * the caller stops at an address, so reads stay small (pass_read).
 */
static int pass_start(bool bounded)
{
	int r = ms__observe_init();

	if (r < 0)
		return r;
	r = smaps_open();
	if (r < 0)
		return r;
	memset(&pass, 0, sizeof(pass));
	pass.p = pass.end = smaps_buf;
	pass.step = bounded;
	return 0;
}

/*
 * One more read(2) into the window, after moving what is not parsed yet
 * to its front: 0, or -errno (E2BIG: one VMA's text fills the window).
 * A bounded pass (pass.step) asks for SMAPS_STEP bytes, a whole scan for
 * all the window holds.
 */
static int pass_read(void)
{
	size_t keep = (size_t)(pass.end - pass.p), want;
	long r;

	if (pass.p != smaps_buf)
		memmove(smaps_buf, pass.p, keep);
	pass.p = smaps_buf;
	pass.end = smaps_buf + keep;
	if (keep >= WINDOW)
		return -E2BIG;
	want = WINDOW - keep;
	if (pass.step && want > SMAPS_STEP)
		want = SMAPS_STEP;
	do
		r = ms__sys_pread(smaps_fd, pass.end, want, pass.off);
	while (r == -EINTR);
	if (r < 0)
		return (int)r;
	if (r == 0)
		pass.eof = true;
	pass.end += r;
	pass.off += (uint64_t)r;
	return 0;
}

static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl : end;
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

/* Parses one VMA's text, [p, end): its header line and its fields. */
static void parse_vma(const char *p, const char *end, int index,
		      struct ms__vma *v)
{
	const char *eol;

	memset(v, 0, sizeof(*v));
	v->pkey = -1;
	v->index = index;
	eol = line_end(p, end);
	parse_header(p, eol, v);
	for (p = eol + 1; p < end; p = eol + 1) {
		eol = line_end(p, end);
		if (has_prefix(p, eol, "VmFlags:"))
			parse_vmflags(p, eol, v);
		else if (has_prefix(p, eol, "ProtectionKey:"))
			v->pkey = parse_pkey(p, eol);
	}
}

/*
 * The end of the VMA whose header starts at p: the start of the next
 * header line, the end of the text at the end of the file, or NULL when
 * the window does not hold all of it yet.
 */
static const char *vma_text_end(const char *p)
{
	const char *nl = memchr(p, '\n', (size_t)(pass.end - p));

	while (nl && nl + 1 < pass.end) {
		if (is_header(nl + 1, pass.end))
			return nl + 1;
		nl = memchr(nl + 1, '\n', (size_t)(pass.end - nl - 1));
	}
	return pass.eof ? pass.end : NULL;
}

/* Nothing but VMAs is expected, but any other whole line is skipped. */
static const char *skip_to_header(void)
{
	const char *p = pass.p, *q;

	while (p < pass.end && !is_header(p, pass.end)) {
		q = memchr(p, '\n', (size_t)(pass.end - p));
		if (!q)
			break;
		p = q + 1;
	}
	pass.p = (char *)p;
	return p;
}

/*
 * The start of the next VMA of the pass, from its header line alone, so
 * that a caller which stops before it never makes the kernel format the
 * VMA after it: 1, 0 at the end, or -errno.  The pass stays where it is.
 */
static int pass_peek_start(uint64_t *start)
{
	for (;;) {
		const char *p = skip_to_header(), *nl;
		int r;

		if (p < pass.end && is_header(p, pass.end)) {
			nl = memchr(p, '\n', (size_t)(pass.end - p));
			if (nl || pass.eof) {
				*start = parse_hex(&p, nl ? nl : pass.end);
				return 1;
			}
		} else if (pass.eof) {
			return 0;
		}
		r = pass_read();
		if (r < 0)
			return r;
	}
}

/* The next VMA of the pass: 1, 0 at the end, or -errno. */
static int pass_next(struct ms__vma *v)
{
	for (;;) {
		const char *p = skip_to_header(), *q;
		int r;

		if (p < pass.end && is_header(p, pass.end)) {
			q = vma_text_end(p);
			if (q) {
				parse_vma(p, q, pass.index++, v);
				pass.p = (char *)q;
				return 1;
			}
		} else if (pass.eof) {
			return 0;
		}
		r = pass_read();
		if (r < 0)
			return r;
	}
}

static void to_seen(const struct ms__vma *v, struct seen *s)
{
	s->start = v->start;
	s->end = v->end;
	s->offset = v->offset;
	s->ino = v->ino;
	s->index = v->index;
	s->prot = v->prot;
	s->backing = v->backing;
	s->lock = v->lock;
	s->inherit = v->inherit;
	s->shared = v->shared;
	s->sealed = v->sealed;
	s->special_aio = v->special_aio;
	s->pkey = v->pkey;
}

/* Set by ms__observe_hold(): the pass in progress is this address space's. */
static bool smaps_held, smaps_fresh;

void ms__observe_hold(bool hold)
{
	smaps_held = hold;
	smaps_fresh = false;
}

/*
 * VMA i of the address space, for a caller that asks for 0, 1, 2, ... in
 * order (ms__observe): from the table while it has it, else read on.  1,
 * 0 past the last, or -errno.
 */
static int seen_vma(int i, struct seen *s)
{
	struct ms__vma v;
	int r;

	if (i < pass.nseen) {
		*s = seen_table()[i];
		return 1;
	}
	r = pass_next(&v);
	if (r <= 0)
		return r;
	to_seen(&v, s);
	if (pass.nseen < SEEN_MAX && pass.nseen == v.index)
		seen_table()[pass.nseen++] = *s;
	else
		pass.overflow = true;
	return 1;
}

/*
 * Starts what ms__observe() reads: the pass of this hold when there is
 * one to go on with, else a fresh one.
 */
static int observe_start(void)
{
	int r;

	if (smaps_held && smaps_fresh && !pass.overflow)
		return 0;
	r = pass_start(true);
	if (r < 0)
		return r;
	smaps_fresh = smaps_held;
	return 0;
}

/*
 * The lookups below take a fresh pass of their own, which ends the one a
 * hold may have going: the next observation starts again.
 */
static int lookup_start(bool bounded)
{
	smaps_fresh = false;
	return pass_start(bounded);
}

int ms__find_vma(uint64_t addr, struct ms__vma *vma)
{
	uint64_t start;
	int r = lookup_start(true);

	while (r >= 0 && (r = pass_peek_start(&start)) > 0) {
		if (addr < start)
			return -ENOENT;
		r = pass_next(vma);
		if (r > 0 && addr < vma->end)
			return 0;
	}
	return r < 0 ? r : -ENOENT;
}

int ms__find_vma_named(const char *path, struct ms__vma *vma)
{
	int r = lookup_start(false);

	while (r >= 0 && (r = pass_next(vma)) > 0)
		if (strcmp(vma->path, path) == 0)
			return 0;
	return r < 0 ? r : -ENOENT;
}

long ms__sealed_vmas(void)
{
	struct ms__vma v;
	long n = 0;
	int r = lookup_start(false);

	while (r >= 0 && (r = pass_next(&v)) > 0)
		n += v.sealed;
	return r < 0 ? r : n;
}

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
	/* Every byte is the first when each equals the next: one memcmp. */
	c = buf[0];
	if (memcmp(buf, buf + 1, (size_t)page_size - 1) != 0)
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
	unsigned char *page = (unsigned char *)smaps_buf + PAGE_AT;
	int fd;
	long r;

	if (refusable && data_route_forced)
		return 0;
	fd = ms__proc_fd(MS__PROC_MEM);
	if (fd < 0)
		return '?';
	r = ms__sys_pread(fd, page, (size_t)page_size, addr);
	if (r == -EIO && refusable)
		return 0;
	return ms__contents_token(page, r, page_size);
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
 * Whether a snapshot (MS__OBSERVE_SEALED_DATA) reads the page, and if not,
 * the token it shows in *tok.  Sealed pages alone are read, and only where
 * the read changes nothing a later step could see.  Private anonymous
 * memory follows data_token(): a page never touched reads '0' without a
 * read.  Any other page (shared memory, a file, a special mapping) is read
 * only when pagemap shows it mapped in: reading one that is not would
 * fault it in, which UFFDIO_COPY and pagemap see, and for a file or shmem
 * page not in the page cache, mincore too.  A page the kernel may refuse
 * this process (no PROT_READ, FOLL_FORCE for tracers only) is the page
 * reader's, which a snapshot never asks: it stays '?'.
 */
static bool snapshot_reads(const struct ms_page *pg, uint64_t pm, char *tok)
{
	*tok = pg->mapped ? '?' : '.';
	if (!pg->mapped || !pg->sealed)
		return false;
	if (pg->backing == MS_BACK_ANON && !pg->shared) {
		if (!pg->guard && !(pm & (MS__PM_PRESENT | MS__PM_SWAP))) {
			*tok = '0';
			return false;
		}
	} else if (!(pm & MS__PM_PRESENT)) {
		return false;
	}
	return (pg->prot & PROT_READ) || data_route == MS_DATA_DIRECT;
}

/*
 * The snapshot's contents of pages[0..npages) from addr: each run of
 * neighbours it reads in one pread of /proc/self/mem, a run that reads
 * short (a guard page in it, or a page beyond the end of its file) page by
 * page from where it stopped, as an expect data step reads them.
 */
static void snapshot_data(uint64_t addr, int npages, long page_size,
			  const uint64_t *pm, struct ms_page *pages)
{
	unsigned char *buf = (unsigned char *)smaps_buf + PAGE_AT;
	int per = (int)(MS__PAGE_MAX / page_size);
	int fd = ms__proc_fd(MS__PROC_MEM);

	for (int k = 0; k < npages;) {
		int n = 0;
		long r = -EBADF;
		char tok;

		while (k + n < npages && n < per &&
		       snapshot_reads(&pages[k + n], pm[k + n], &tok))
			n++;
		if (n == 0) {
			snapshot_reads(&pages[k], pm[k], &pages[k].data);
			k++;
			continue;
		}
		if (fd >= 0)
			r = ms__sys_pread(fd, buf, (size_t)n * (size_t)page_size,
					  addr + (uint64_t)k * (uint64_t)page_size);
		for (int i = 0; i < n; i++, k++) {
			uint64_t a = addr + (uint64_t)k * (uint64_t)page_size;

			if (r >= (long)(i + 1) * page_size)
				tok = ms__contents_token(buf + i * page_size,
							 page_size, page_size);
			else
				tok = read_token(&pages[k], a, page_size);
			pages[k].data = tok ? tok : '?';
		}
	}
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

/*
 * Inside the arena a pass is cheap: it lies below every other VMA, so a
 * pass reads the scenario's own VMAs up to the range, no more.
 */
static bool in_arena(uint64_t addr, uint64_t last)
{
	return addr >= MS__ARENA_BASE && last < MS__ARENA_BASE + MS__ARENA_SIZE;
}

/*
 * Is nothing mapped in [addr, last], a range outside the arena?
 * PROCMAP_QUERY says so without smaps, unless a pass of this hold has
 * read past the range already: its table answers then, for free.  It
 * does not know the gate area, x86_64's vsyscall page, which smaps
 * lists: no question that reaches the upper half of the address space,
 * where that page lies, is put to it.
 */
static bool range_unmapped(uint64_t addr, uint64_t last)
{
	uint64_t start, end;
	int r;

	if (last >> 63 || in_arena(addr, last))
		return false;
	if (smaps_held && smaps_fresh && !pass.overflow && pass.nseen &&
	    seen_table()[pass.nseen - 1].start > last)
		return false;
	r = ms__query_vma(addr, true, &start, &end);
	return r == -ENOENT || (r == 0 && start > last);
}

int ms__observe(uint64_t addr, int npages, long page_size,
		enum ms__observe_data data, struct ms_page *pages)
{
	static uint64_t pm[MS_GRID_MAX];
	uint64_t refused = 0, last;
	struct seen v;
	long pm_len = -EBADF;
	int r, fd;

	if (npages < 0 || npages > MS_GRID_MAX)
		return -EINVAL;
	memset(pages, 0, sizeof(*pages) * (size_t)npages);
	for (int k = 0; k < npages; k++) {
		pages[k].pkey = -1;
		pages[k].vma = UINT32_MAX;
		pages[k].data = '.';
	}
	/* The last byte asked about; VMAs come in address order. */
	last = npages ? addr + (uint64_t)npages * (uint64_t)page_size - 1 :
			addr;
	if (!npages || range_unmapped(addr, last))
		return 0;
	r = observe_start();
	if (r < 0)
		return r;
	for (int i = 0; npages; i++) {
		uint64_t next;

		/* A VMA not read yet: its header tells whether it is needed. */
		if (i >= pass.nseen &&
		    ((r = pass_peek_start(&next)) <= 0 || next > last))
			break;
		if ((r = seen_vma(i, &v)) <= 0 || v.start > last)
			break;
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
	if (r < 0) {
		smaps_fresh = false;
		return r;
	}

	memset(pm, 0, sizeof(pm));
	fd = ms__proc_fd(MS__PROC_PAGEMAP);
	if (fd >= 0)
		pm_len = ms__sys_pread(fd, pm,
				       sizeof(uint64_t) * (size_t)npages,
				       addr / (uint64_t)page_size *
					       sizeof(uint64_t));
	/* Without pagemap a snapshot cannot tell what reading would change. */
	if (pm_len != (long)(sizeof(uint64_t) * (size_t)npages) &&
	    data == MS__OBSERVE_SEALED_DATA)
		data = MS__OBSERVE_NO_DATA;
	for (int k = 0; k < npages; k++) {
		uint64_t a = addr + (uint64_t)k * (uint64_t)page_size;
		struct ms_page *pg = &pages[k];

		pg->guard = pg->mapped && (pm[k] & MS__PM_GUARD_REGION);
		if (!pg->mapped)
			pg->data = '.';
		else if (data == MS__OBSERVE_DATA)
			pg->data = data_token(pg, pm[k], a, page_size);
		else
			pg->data = '?';
		if (!pg->data)
			refused |= 1ULL << k;
	}
	if (data == MS__OBSERVE_SEALED_DATA)
		snapshot_data(addr, npages, page_size, pm, pages);
	if (refused)
		read_refused(addr, npages, page_size, refused, pages);
	return 0;
}

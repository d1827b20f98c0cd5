// SPDX-License-Identifier: MIT
/*
 * sealspec explain PID CALL: what CALL would do to process PID, as the
 * model predicts it.  The process's mappings are read from /proc/PID/smaps
 * and rebuilt in a model address space (struct ms_mm) with the same
 * addresses, protections, sharing, backing kinds, lock and inherit flags
 * and seals; CALL, parsed by the scenario language, runs there.  Nothing
 * is ever done to the process itself, and its page contents are not read.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "cli.h"
#include "procmaps.h"
#include "sealspec-model.h"

#define STRIP_MAX 64	/* pages drawn one by one; more are sampled */
#define NOTES_MAX 16

static void explain_usage(FILE *f)
{
	fprintf(f,
		"usage: sealspec explain [--profile NAME] PID CALL\n"
		"\n"
		"Predicts what CALL would do in process PID without doing it:\n"
		"the process's mappings (/proc/PID/smaps) are copied into the\n"
		"model, CALL runs there under the profile detected on this\n"
		"kernel (or --profile NAME), and the result, the page strips of\n"
		"the range before and after, and the rule that decided it are\n"
		"printed.  CALL is one call in the scenario language with\n"
		"numeric addresses, e.g.\n"
		"  sealspec explain 1234 'mprotect(0x7f12a000, 4p, PROT_READ)'\n"
		"Page contents are not read: the model's pages hold zeros.\n"
		"Reading smaps needs ptrace read access to PID.\n"
		"Exit status: 0 a prediction was made; 1 the process could not\n"
		"be read or its mappings not rebuilt; 2 usage or CALL syntax\n"
		"error; 3 the kernel probe failed.\n");
}

/* What was approximated while rebuilding the process, said at the end. */
struct notes {
	int n;
	char v[NOTES_MAX][256];
};

static void note(struct notes *ns, const char *fmt, ...)
{
	va_list ap;
	char buf[256];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (int i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], buf) == 0)
			return;
	if (ns->n < NOTES_MAX)
		memcpy(ns->v[ns->n++], buf, sizeof(buf));
}

/* ------------------------------------------------------------------ */
/* Rebuilding the process in the model                                 */

/* One content object per file (device and inode), shared by mappings. */
struct file_obj {
	unsigned int major, minor;
	uint64_t inode;
	uint64_t size;
	struct ms_file *rw, *ro;
};

struct files {
	int n;
	struct file_obj *v;
};

static struct file_obj *file_find(struct files *fs,
				  const struct proc_mapping *pm)
{
	for (int i = 0; i < fs->n; i++)
		if (fs->v[i].major == pm->dev_major &&
		    fs->v[i].minor == pm->dev_minor &&
		    fs->v[i].inode == pm->inode)
			return &fs->v[i];
	return NULL;
}

static void files_free(struct files *fs)
{
	for (int i = 0; i < fs->n; i++) {
		if (fs->v[i].ro)
			ms_file_put(fs->v[i].ro);
		if (fs->v[i].rw)
			ms_file_put(fs->v[i].rw);
	}
	free(fs->v);
}

/* Every file mapped, with the size that covers all its mappings. */
static int files_collect(struct files *fs, const struct proc_maps *m)
{
	fs->n = 0;
	fs->v = calloc(m->n ? (size_t)m->n : 1, sizeof(*fs->v));
	if (!fs->v)
		return -ENOMEM;
	for (int i = 0; i < m->n; i++) {
		const struct proc_mapping *pm = &m->v[i];
		struct file_obj *fo;
		uint64_t end = pm->offset + (pm->end - pm->start);

		if (!proc_mapping_is_file(pm))
			continue;
		fo = file_find(fs, pm);
		if (!fo) {
			fo = &fs->v[fs->n++];
			fo->major = pm->dev_major;
			fo->minor = pm->dev_minor;
			fo->inode = pm->inode;
		}
		if (end > fo->size)
			fo->size = end;
	}
	return 0;
}

/*
 * The open file description a mapping of pm is made from.  The mode of the
 * descriptor the process mapped it with is not visible; VM_MAYWRITE ('mw')
 * on a shared mapping says it was writable.  Everything else is modelled
 * read-only, which changes nothing for a private mapping (writes there are
 * copy-on-write) and is exact for a shared mapping without 'mw'.
 */
static int file_for(const struct ms_mm *mm, struct file_obj *fo,
		    const struct proc_mapping *pm, struct notes *ns,
		    struct ms_file **out)
{
	int err;

	if (!fo->rw) {
		err = ms_file_memfd(mm, fo->size, NULL, &fo->rw);
		if (err)
			return err;
	}
	if (pm->shared && pm->maywrite) {
		*out = fo->rw;
		return 0;
	}
	if (!fo->ro) {
		err = ms_file_reopen(fo->rw, false, &fo->ro);
		if (err)
			return err;
	}
	if (!pm->shared)
		note(ns, "file descriptor modes are not visible: private file "
			 "mappings are modelled from read-only descriptors "
			 "(writes to them are copy-on-write either way)");
	*out = fo->ro;
	return 0;
}

/* Kernel-installed mappings: [vdso], [vvar], an aio ring ... */
static bool is_special(const struct proc_mapping *pm, enum ms_special *kind)
{
	static const char *const names[] = { "[vdso]", "[vvar]",
					     "[vvar_vclock]", "[sigpage]",
					     "[uprobes]", "[vectors]" };

	if (strncmp(pm->path, "/[aio]", 6) == 0) {
		*kind = MS_SPECIAL_AIO;
		return true;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(pm->path, names[i]) == 0) {
			*kind = MS_SPECIAL_VDSO;
			return true;
		}
	}
	return false;
}

static uint64_t read_sysctl_u64(const char *path, uint64_t dflt)
{
	FILE *f = fopen(path, "re");
	unsigned long long v;

	if (!f)
		return dflt;
	if (fscanf(f, "%llu", &v) != 1)
		v = dflt;
	fclose(f);
	return v;
}

/*
 * The process's soft RLIMIT_STACK from /proc/PID/limits: how far its stack
 * may grow down.  Unchanged when the file says nothing we can read.
 */
static void stack_limit(pid_t pid, struct ms_mm_config *c)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (strncmp(line, "Max stack size", 14) != 0)
			continue;
		if (sscanf(line + 14, "%llu", &v) == 1)
			c->rlimit_stack = v;
		else if (strstr(line + 14, "unlimited"))
			c->rlimit_stack = UINT64_MAX;
		break;
	}
	fclose(f);
}

/*
 * The address-space configuration that holds every mapping of m: the
 * kernel's vm.mmap_min_addr unless something lies below it, a 47-bit task
 * size unless something lies above it (five-level paging), the break at
 * the start of [heap].  Returns how many mappings cannot be placed (above
 * any user task size: [vsyscall]).
 */
static void configure(struct ms_mm_config *c, enum ms_profile profile,
		      const struct proc_maps *m, long ps, struct notes *ns)
{
	uint64_t min = read_sysctl_u64("/proc/sys/vm/mmap_min_addr", 0x10000);

	ms_mm_default_config(c, profile);
	min = (min + (uint64_t)ps - 1) & ~((uint64_t)ps - 1);
	c->mmap_min_addr = min;
	for (int i = 0; i < m->n; i++) {
		const struct proc_mapping *pm = &m->v[i];

		if (pm->end > c->task_size && pm->end <= (1ULL << 56) - ps) {
			c->task_size = (1ULL << 56) - ps;
			c->mmap_base = c->task_size - (1ULL << 40);
		}
		if (pm->start < c->mmap_min_addr) {
			c->mmap_min_addr = pm->start;
			note(ns, "a mapping lies below vm.mmap_min_addr: the "
				 "model's lowest address is lowered to 0x%" PRIx64,
			     pm->start);
		}
		if (strcmp(pm->path, "[heap]") == 0)
			c->start_brk = pm->start;
		if (pm->pkey > 0)
			c->nr_pkeys = 16;
	}
	if (c->mmap_min_addr == 0)
		c->mmap_min_addr = (uint64_t)ps;
	stack_limit(m->pid, c);
}

/* Rebuilds one mapping; 0, or -errno with a note saying what failed. */
static int load_one(struct ms_mm *mm, const struct proc_mapping *pm,
		    struct files *fs, struct notes *ns)
{
	uint64_t len = pm->end - pm->start;
	int flags = MAP_FIXED | (pm->shared ? MAP_SHARED : MAP_PRIVATE);
	struct ms_file *f = NULL;
	enum ms_special kind;
	int64_t r;

	if (strcmp(pm->path, "[heap]") == 0 &&
	    ms_brk(mm, pm->end) == pm->end)
		return 0;
	if (is_special(pm, &kind)) {
		r = ms_mm_map_special(mm, pm->start,
				      len >> ms_mm_config(mm)->page_shift,
				      pm->prot, kind);
		if (kind == MS_SPECIAL_VDSO && strcmp(pm->path, "[vdso]"))
			note(ns, "%s is modelled as a special mapping like the "
				 "vDSO", pm->path);
		return (int)r;
	}
	if (proc_mapping_is_file(pm)) {
		struct file_obj *fo = file_find(fs, pm);
		int err = fo ? file_for(mm, fo, pm, ns, &f) : -ENOENT;

		if (err)
			return err;
		r = ms_mmap(mm, pm->start, len, pm->prot, flags, f,
			    pm->offset);
		return r < 0 ? (int)r : 0;
	}
	if (pm->path[0] && pm->path[0] != '[')
		note(ns, "%s has no file behind it that smaps names; it is "
			 "modelled as anonymous memory", pm->path);
	flags |= MAP_ANONYMOUS;
	if (pm->growsdown)
		flags |= MAP_GROWSDOWN;
	r = ms_mmap(mm, pm->start, len, pm->prot, flags, NULL, 0);
	return r < 0 ? (int)r : 0;
}

/* The flags smaps shows, in the order that keeps them all: seal last. */
static int load_flags(struct ms_mm *mm, const struct proc_mapping *pm,
		      struct notes *ns)
{
	uint64_t len = pm->end - pm->start;
	int err = 0;

	if (pm->lockonfault)
		err = ms_mlock2(mm, pm->start, len, MLOCK_ONFAULT);
	else if (pm->locked)
		err = ms_mlock(mm, pm->start, len);
	if (!err && pm->dontfork)
		err = ms_madvise(mm, pm->start, len, MADV_DONTFORK);
	if (!err && pm->wipeonfork)
		err = ms_madvise(mm, pm->start, len, MADV_WIPEONFORK);
	if (!err && pm->pkey > 0)
		note(ns, "protection keys are not reproduced: mappings with "
			 "key %d are modelled with key 0", pm->pkey);
	if (!err && pm->sealed)
		err = ms_mseal(mm, pm->start, len, 0);
	return err;
}

/*
 * The process's mappings in a new model address space.  Mappings that
 * cannot be reproduced are left out with a note; returns 0 or -errno
 * (nothing could be built).
 */
static int load_process(const struct proc_maps *m, enum ms_profile profile,
			long ps, struct notes *ns, struct ms_mm **out,
			int *loaded)
{
	struct ms_mm_config c;
	struct files fs;
	struct ms_mm *mm;
	int err;

	configure(&c, profile, m, ps, ns);
	err = ms_mm_new(&c, &mm);
	if (err)
		return err;
	err = files_collect(&fs, m);
	if (err) {
		ms_mm_free(mm);
		return err;
	}
	*loaded = 0;
	for (int i = 0; i < m->n; i++) {
		const struct proc_mapping *pm = &m->v[i];

		if (pm->end > c.task_size) {
			note(ns, "%s at 0x%" PRIx64 " lies above the task size "
				 "(no mm call reaches it): left out",
			     proc_mapping_backing(pm), pm->start);
			continue;
		}
		err = load_one(mm, pm, &fs, ns);
		if (!err)
			err = load_flags(mm, pm, ns);
		if (err) {
			note(ns, "the mapping at 0x%" PRIx64 " (%s) could not "
				 "be reproduced exactly (%s): the prediction "
				 "may be off there",
			     pm->start, proc_mapping_backing(pm),
			     ms_errno_name(-err) ? ms_errno_name(-err) : "?");
			continue;
		}
		(*loaded)++;
	}
	files_free(&fs);
	if (ms_mm_map_count(mm) != *loaded)
		note(ns, "the model holds %d VMAs for the %d mappings loaded: "
			 "it merged neighbours the kernel keeps apart (their "
			 "anon_vma or name differ); calls that span them "
			 "(mremap) may be predicted differently",
		     ms_mm_map_count(mm), *loaded);
	*out = mm;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The call                                                            */

struct call {
	struct ms_program p;
	const struct ms_step *s;
	int64_t a[MS_ARGS_MAX];		/* evaluated expressions */
	const char *str[MS_ARGS_MAX];	/* string arguments */
	uint64_t addr, len;		/* the range it is about */
};

/* CALL as a one-step scenario; 0, or EXIT_USAGE after a message. */
static int parse_call(const char *text, long ps, struct call *c)
{
	static const char head[] = "purpose  sealspec explain\nrules    G1\n";
	size_t n = strlen(head) + strlen(text) + 2;
	char *src = malloc(n);
	struct ms_diag diag;
	int s = -1;

	if (!src) {
		fprintf(stderr, "sealspec: out of memory\n");
		return EXIT_BROKEN;
	}
	snprintf(src, n, "%s%s\n", head, text);
	memset(&c->p, 0, sizeof(c->p));
	if (strchr(text, '\n') || ms_parse("CALL", src, strlen(src), &c->p,
					   &diag) < 0) {
		if (strchr(text, '\n'))
			fprintf(stderr, "sealspec: CALL is one call on one "
					"line\n");
		else
			fprintf(stderr, "sealspec: CALL:%d: %s%s\n  %s\n  %*s^\n",
				diag.loc.col, diag.msg,
				strstr(diag.msg, "unknown name") ?
					" (explain takes numeric addresses: "
					"0x7f12a000, 0x7f12a000+2p)" : "",
				text, diag.loc.col > 1 ? diag.loc.col - 1 : 0,
				"");
		free(src);
		return EXIT_USAGE;
	}
	free(src);
	for (int i = 0; i < c->p.nsteps; i++) {
		if (c->p.steps[i].kind == MS_STEP_NOTE)
			continue;
		if (s >= 0 || c->p.steps[i].kind != MS_STEP_CALL) {
			fprintf(stderr, "sealspec: CALL must be exactly one "
					"call, like 'munmap(0x7f12a000, 2p)'\n");
			return EXIT_USAGE;
		}
		s = i;
	}
	if (s < 0) {
		fprintf(stderr, "sealspec: CALL is empty\n");
		return EXIT_USAGE;
	}
	c->s = &c->p.steps[s];
	for (int i = 0; i < c->s->nargs; i++) {
		const struct ms_arg *a = &c->s->args[i];

		c->a[i] = 0;
		c->str[i] = "";
		if (a->kind == MS_ARG_STR) {
			c->str[i] = ms_text(&c->p, a->str);
		} else if (a->kind != MS_ARG_EXPR ||
			   ms_eval(&c->p, &a->expr, NULL, NULL, ps,
				   &c->a[i]) < 0) {
			fprintf(stderr, "sealspec: argument %d of CALL must be "
					"a number, pages or constants (names "
					"like 'a' mean nothing in a live "
					"process)\n",
				i + 1);
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* The range a call is about, for the strips and the rule. */
static void call_range(struct call *c, long ps)
{
	size_t n;

	c->addr = (uint64_t)c->a[0];
	c->len = 0;
	switch (c->s->call) {
	case MS_CALL_FILL:
	case MS_CALL_PROC_MEM_WRITE:
	case MS_CALL_PTRACE_POKE:
	case MS_CALL_PROCESS_VM_WRITE:
		n = strlen(c->str[1]);
		c->len = (uint64_t)n * (uint64_t)ps;
		break;
	case MS_CALL_BRK:
	case MS_CALL_MLOCKALL:
	case MS_CALL_MUNLOCKALL:
	case MS_CALL_SHMDT:
	case MS_CALL_IO_DESTROY:
		c->len = (uint64_t)ps;
		break;
	default:
		c->len = (uint64_t)c->a[1];
	}
}

/*
 * Calls explain can model: those whose effect depends only on the
 * mappings.  Descriptors (memfd, reopen, a file mmap), protection keys,
 * SysV ids, aio contexts and a userfaultfd are state smaps does not show.
 */
static bool call_supported(const struct call *c)
{
	switch (c->s->call) {
	case MS_CALL_MMAP:
		return (c->a[3] & MAP_ANONYMOUS) != 0;
	case MS_CALL_MUNMAP: case MS_CALL_MPROTECT:
	case MS_CALL_PKEY_MPROTECT: case MS_CALL_MADVISE:
	case MS_CALL_PROCESS_MADVISE: case MS_CALL_MREMAP:
	case MS_CALL_MLOCK: case MS_CALL_MLOCK2: case MS_CALL_MUNLOCK:
	case MS_CALL_MLOCKALL: case MS_CALL_MUNLOCKALL: case MS_CALL_MSYNC:
	case MS_CALL_MBIND: case MS_CALL_SET_MEMPOLICY_HOME_NODE:
	case MS_CALL_MINCORE: case MS_CALL_MSEAL: case MS_CALL_BRK:
	case MS_CALL_REMAP_FILE_PAGES: case MS_CALL_FILL: case MS_CALL_READ:
	case MS_CALL_PROC_MEM_WRITE: case MS_CALL_PTRACE_POKE:
	case MS_CALL_PROCESS_VM_WRITE:
		return true;
	default:
		return false;
	}
}

/*
 * Runs the call on the model.  Returns true with *ret (a value or -errno,
 * or the fault in *fault) when explain can model it; false for calls whose
 * effect depends on state smaps does not show (descriptors, keys, SysV
 * ids, a userfaultfd).
 */
static bool run_call(struct ms_mm *mm, const struct call *c, int64_t *ret,
		     struct ms_fault *fault)
{
	const int64_t *a = c->a;

	fault->signo = 0;
	switch (c->s->call) {
	case MS_CALL_MMAP:
		if (!(a[3] & MAP_ANONYMOUS))
			return false;
		*ret = ms_mmap(mm, a[0], a[1], (int)a[2], (int)a[3], NULL,
			       a[5]);
		return true;
	case MS_CALL_MUNMAP:
		*ret = ms_munmap(mm, a[0], a[1]);
		return true;
	case MS_CALL_MPROTECT:
		*ret = ms_mprotect(mm, a[0], a[1], (int)a[2]);
		return true;
	case MS_CALL_PKEY_MPROTECT:
		*ret = ms_pkey_mprotect(mm, a[0], a[1], (int)a[2], (int)a[3]);
		return true;
	case MS_CALL_MADVISE:
		*ret = ms_madvise(mm, a[0], a[1], (int)a[2]);
		return true;
	case MS_CALL_PROCESS_MADVISE:
		*ret = ms_process_madvise(mm, a[0], a[1], (int)a[2]);
		return true;
	case MS_CALL_MREMAP:
		*ret = ms_mremap(mm, a[0], a[1], a[2], (int)a[3], a[4]);
		return true;
	case MS_CALL_MLOCK:
		*ret = ms_mlock(mm, a[0], a[1]);
		return true;
	case MS_CALL_MLOCK2:
		*ret = ms_mlock2(mm, a[0], a[1], (unsigned int)a[2]);
		return true;
	case MS_CALL_MUNLOCK:
		*ret = ms_munlock(mm, a[0], a[1]);
		return true;
	case MS_CALL_MLOCKALL:
		*ret = ms_mlockall(mm, (int)a[0]);
		return true;
	case MS_CALL_MUNLOCKALL:
		*ret = ms_munlockall(mm);
		return true;
	case MS_CALL_MSYNC:
		*ret = ms_msync(mm, a[0], a[1], (int)a[2]);
		return true;
	case MS_CALL_MBIND:
		*ret = ms_mbind(mm, a[0], a[1], (int)a[2], 1, (unsigned)a[3]);
		return true;
	case MS_CALL_SET_MEMPOLICY_HOME_NODE:
		*ret = ms_set_mempolicy_home_node(mm, a[0], a[1], a[2], a[3]);
		return true;
	case MS_CALL_MINCORE:
		*ret = ms_mincore(mm, a[0], a[1], NULL);
		return true;
	case MS_CALL_MSEAL:
		*ret = ms_mseal(mm, a[0], a[1], a[2]);
		return true;
	case MS_CALL_BRK:
		*ret = (int64_t)ms_brk(mm, a[0]);
		return true;
	case MS_CALL_REMAP_FILE_PAGES:
		*ret = ms_remap_file_pages(mm, a[0], a[1], (int)a[2], a[3],
					   (int)a[4]);
		return true;
	case MS_CALL_FILL:
		*ret = ms_mm_fill(mm, a[0], c->str[1], fault);
		return true;
	case MS_CALL_READ:
		*ret = ms_mm_read(mm, a[0], a[1], fault);
		return true;
	case MS_CALL_PROC_MEM_WRITE:
	case MS_CALL_PTRACE_POKE:
		*ret = ms_mm_force_write(mm, a[0], c->str[1]);
		return true;
	case MS_CALL_PROCESS_VM_WRITE:
		*ret = ms_process_vm_write(mm, a[0], c->str[1]);
		return true;
	default:
		return false;
	}
}

/* ------------------------------------------------------------------ */
/* The rule                                                            */

/*
 * The rule that decides a call on [addr, addr+len) of the process: none
 * when no sealed mapping is in the range (ordinary Linux behaviour),
 * else the guideline the call falls under.  *partial: the range also
 * holds unsealed memory or holes (GP: partial failure).
 */
static int decide_rule(const struct call *c, const struct proc_maps *m,
		       bool *partial, bool *file_private)
{
	uint64_t lo = c->addr, hi = c->addr + c->len, covered = 0;
	bool sealed = false;

	*partial = false;
	*file_private = false;
	if (c->s->call == MS_CALL_MREMAP && (c->a[3] & MREMAP_FIXED)) {
		/* The destination counts too: it is unmapped first. */
		uint64_t d = (uint64_t)c->a[4], dl = (uint64_t)c->a[2];

		for (int i = 0; i < m->n; i++)
			if (m->v[i].sealed && m->v[i].start < d + dl &&
			    m->v[i].end > d)
				sealed = true;
	}
	for (int i = 0; i < m->n; i++) {
		const struct proc_mapping *pm = &m->v[i];
		uint64_t s = pm->start > lo ? pm->start : lo;
		uint64_t e = pm->end < hi ? pm->end : hi;

		if (s >= e)
			continue;
		covered += e - s;
		if (pm->sealed) {
			sealed = true;
			if (proc_mapping_is_file(pm) && !pm->shared)
				*file_private = true;
		} else {
			*partial = true;
		}
	}
	if (covered < hi - lo)
		*partial = true;
	if (!sealed)
		return -1;
	switch (c->s->call) {
	case MS_CALL_MPROTECT:
	case MS_CALL_PKEY_MPROTECT:
		return MS_RULE_G1;
	case MS_CALL_MUNMAP:
	case MS_CALL_BRK:
	case MS_CALL_SHMDT:
	case MS_CALL_IO_DESTROY:
		return MS_RULE_G1A;
	case MS_CALL_MMAP:
	case MS_CALL_REMAP_FILE_PAGES:
		return MS_RULE_G1B;
	case MS_CALL_MADVISE:
	case MS_CALL_PROCESS_MADVISE:
		if (!ms_madvise_is_discard((int)c->a[2]))
			return MS_RULE_G6;
		return *file_private ? MS_RULE_G2A : MS_RULE_G2;
	case MS_CALL_MREMAP:
		return c->a[2] > c->a[1] ? MS_RULE_G3A : MS_RULE_G3;
	case MS_CALL_MLOCK:
	case MS_CALL_MLOCK2:
	case MS_CALL_MUNLOCK:
	case MS_CALL_MLOCKALL:
	case MS_CALL_MUNLOCKALL:
	case MS_CALL_MSYNC:
		return MS_RULE_G4;
	case MS_CALL_MSEAL:
		return MS_RULE_G5;
	case MS_CALL_PROC_MEM_WRITE:
	case MS_CALL_PTRACE_POKE:
		return MS_RULE_G7;
	default:
		return MS_RULE_G6;
	}
}

/* ------------------------------------------------------------------ */
/* Output                                                              */

static void print_strips(const struct ms_mm *mm, uint64_t addr, uint64_t len,
			 long ps, const char *when)
{
	static const enum ms_attr attrs[] = { MS_ATTR_VMAS, MS_ATTR_SEAL,
					      MS_ATTR_PROT, MS_ATTR_SHARE,
					      MS_ATTR_BACK, MS_ATTR_LOCK,
					      MS_ATTR_INHERIT };
	uint64_t pages = len / (uint64_t)ps, per = 1;
	struct ms_page pg[STRIP_MAX];
	char grid[STRIP_MAX * 8];
	int n;

	if (pages == 0)
		pages = 1;
	while ((pages + per - 1) / per > STRIP_MAX)
		per *= 2;
	n = (int)((pages + per - 1) / per);
	if (per == 1) {
		if (ms_mm_observe(mm, addr, n, pg) < 0)
			return;
	} else {
		for (int i = 0; i < n; i++)
			if (ms_mm_observe(mm, addr + (uint64_t)i * per *
						 (uint64_t)ps, 1, &pg[i]) < 0)
				return;
	}
	printf("%s (0x%" PRIx64 ", %" PRIu64 "p", when, addr, pages);
	if (per > 1)
		printf("; 1 cell = the first of %" PRIu64 " pages", per);
	printf("):\n");
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		/* Letters per VMA only mean something in one observation. */
		if (attrs[i] == MS_ATTR_VMAS && per > 1)
			continue;
		ms_grid_format(attrs[i], pg, n, grid, sizeof(grid));
		printf("  %-7s \"%s\"\n", ms_attr_name(attrs[i]), grid);
	}
}

static void print_result(const struct call *c, int64_t ret,
			 const struct ms_fault *fault)
{
	enum ms_ret_kind rk = ms_call_desc[c->s->call].ret;

	printf("predicted: ");
	if (fault->signo)
		printf("fault (%s at 0x%" PRIx64 ")\n",
		       fault->signo == SIGBUS ? "SIGBUS" : "SIGSEGV",
		       fault->addr);
	else if (c->s->call == MS_CALL_BRK)
		printf("0x%" PRIx64 " (the break%s)\n", (uint64_t)ret,
		       (uint64_t)ret == (uint64_t)c->a[0] ? " moved" :
							    " did not move");
	else if (ret < 0 && ret > -4096)
		printf("-1, errno %s (%s)\n",
		       ms_errno_name((int)-ret) ? ms_errno_name((int)-ret) : "?",
		       strerror((int)-ret));
	else if (rk == MS_RET_ADDR)
		printf("0x%" PRIx64 "\n", (uint64_t)ret);
	else
		printf("%" PRId64 "\n", ret);
}

int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	long ps = sysconf(_SC_PAGESIZE);
	int profile = -1, c, err, loaded = 0, status = EXIT_PASS;
	const char *psource = "--profile";
	struct ms_kernel_info ki;
	struct notes ns = { 0 };
	struct proc_maps m;
	struct ms_mm *mm = NULL;
	struct ms_fault fault;
	struct call call;
	bool partial, file_private;
	int64_t ret;
	pid_t pid;
	int rule;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			profile = ms_profile_lookup(optarg);
			if (profile < 0) {
				fprintf(stderr, "sealspec: unknown profile "
						"'%s'; see 'sealspec "
						"profiles'\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			explain_usage(stdout);
			return EXIT_PASS;
		default:
			explain_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		explain_usage(stderr);
		return EXIT_USAGE;
	}
	if (parse_pid(argv[optind], &pid)) {
		fprintf(stderr, "sealspec: '%s' is not a process id\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	err = parse_call(argv[optind + 1], ps, &call);
	if (err) {
		ms_program_free(&call.p);
		return err;
	}
	call_range(&call, ps);
	if (!call_supported(&call)) {
		fprintf(stderr, "sealspec: explain cannot predict %s%s: its "
				"effect depends on state that /proc/PID/smaps "
				"does not show (descriptors, protection keys, "
				"SysV ids, aio contexts, a userfaultfd)\n",
			ms_call_desc[call.s->call].name,
			call.s->call == MS_CALL_MMAP ? " of a file" : "");
		ms_program_free(&call.p);
		return EXIT_USAGE;
	}

	if (profile < 0) {
		err = ms_kernel_probe(&ki);
		if (err) {
			fprintf(stderr, "sealspec: probing the kernel failed "
					"(%s); give --profile NAME\n",
				err == -ECHILD ? "the probe process died or "
						 "hung" : strerror(-err));
			ms_program_free(&call.p);
			return EXIT_BROKEN;
		}
		profile = (int)ki.detected;
		psource = ki.has_mseal ? "detected on this kernel" :
			  "this kernel has no mseal; linux assumed";
	}

	err = proc_maps_read(pid, &m);
	if (err) {
		proc_maps_error(pid, err);
		ms_program_free(&call.p);
		return EXIT_FAILED;
	}
	if (m.n == 0) {
		fprintf(stderr, "sealspec: pid %d has no address space (a "
				"kernel thread or a zombie): nothing to "
				"predict\n",
			(int)pid);
		proc_maps_free(&m);
		ms_program_free(&call.p);
		return EXIT_FAILED;
	}
	err = load_process(&m, (enum ms_profile)profile, ps, &ns, &mm,
			   &loaded);
	if (err) {
		fprintf(stderr, "sealspec: pid %d: its mappings could not be "
				"rebuilt in the model: %s\n",
			(int)pid, strerror(-err));
		proc_maps_free(&m);
		ms_program_free(&call.p);
		return EXIT_FAILED;
	}

	printf("pid %d: %d mappings, %d loaded into the model, %d sealed VMAs\n",
	       (int)pid, m.n, loaded, ms_mm_sealed_vmas(mm));
	printf("profile: %s (%s)\n", ms_profile_name((enum ms_profile)profile),
	       psource);
	printf("call: ");
	out_text(stdout, argv[optind + 1]);
	printf("\n\n");
	print_strips(mm, call.addr, call.len, ps, "before");

	if (!run_call(mm, &call, &ret, &fault)) {
		/* call_supported() said it could: a table out of step. */
		printf("\nexplain cannot predict %s\n",
		       ms_call_desc[call.s->call].name);
		status = EXIT_BROKEN;
		goto out;
	}
	printf("\n");
	print_result(&call, ret, &fault);
	rule = decide_rule(&call, &m, &partial, &file_private);
	if (rule < 0)
		printf("rule: none: no sealed memory in the range, so no "
		       "sealing rule applies; this is ordinary Linux "
		       "behaviour\n");
	else
		printf("rule: %s: %s%s\n", ms_rule_name((enum ms_rule)rule),
		       ms_rule_summary((enum ms_rule)rule),
		       rule == MS_RULE_G2A ?
			       " (a sealed private file mapping is in the "
			       "range)" : "");
	if (rule >= 0 && partial)
		printf("      GP: %s (the range holds sealed and unsealed "
		       "memory or holes)\n",
		       ms_rule_summary(MS_RULE_GP));
	printf("\n");
	print_strips(mm, call.addr, call.len, ps, "after");
	if (call.s->call == MS_CALL_MREMAP && ret >= 0 &&
	    (uint64_t)ret != call.addr)
		print_strips(mm, (uint64_t)ret, (uint64_t)call.a[2], ps,
			     "after, at the new address");

out:
	printf("\nnotes:\n");
	printf("  - the call ran on the model only; process %d was not "
	       "changed\n", (int)pid);
	printf("  - page contents were not read: the model's pages hold "
	       "zeros (no seal rule depends on them)\n");
	for (int i = 0; i < ns.n; i++) {
		printf("  - ");
		out_text(stdout, ns.v[i]);
		putchar('\n');
	}
	ms_mm_free(mm);
	proc_maps_free(&m);
	ms_program_free(&call.p);
	return status;
}

// SPDX-License-Identifier: MIT
/*
 * The scenario process: runs a program's steps with raw syscalls and sends
 * the runner one record per outcome.
 *
 *   runner (run.c)            spawner (spawn.c)      scenario process (here)
 *   --------------            -----------------      -----------------------
 *   program, pipes  -------->  fork --------------->  check the arena is free,
 *                                                     limit its address space,
 *                                                     align brk, install
 *                                                     SIGSEGV/SIGBUS handlers
 *   records  <------------------------------------   a record per outcome
 *   segments held, trace       reaps the group        exit 0 / SETUP / BROK
 *
 * The scenario process never allocates once it runs steps: malloc could
 * put memory where the scenario maps, and a scenario may unmap or seal
 * what malloc relies on.  Only fixed buffers, raw syscalls, no stdio.
 *
 * fork steps fork the scenario process again; the child carries on with
 * the block and exits at its "end", the parent skips to "end" and waits.
 * exec steps re-execute /proc/self/exe with a memfd that holds a handoff
 * header and the printed program; ms_kernel_exec_resume() picks it up.
 * An observation may start one more process, the page reader
 * (memreader.c), from the same binary; it is a child in the scenario's
 * process group and goes with it.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat.h"
#include "kernel/kernel.h"

#define SLOT_GAP_PAGES 16

_Static_assert(sizeof(struct ms__handoff) <= MS__HANDOFF_TEXT,
	       "handoff too big");
_Static_assert(sizeof(struct ms__msg) <= 4096, "records must be atomic");

/* The scenario process's state. */
struct runner {
	const struct ms_program *p;
	long ps;
	uint64_t arena;
	uint64_t slot_off;	/* next arena slot, relative to arena */
	int depth;		/* fork nesting of this process */
	int out_fd;
	int text_fd;		/* the exec handoff memfd, or -1 */
	uint64_t text_len;	/* of the program text in it */
	bool snapshots;
	pid_t parent;		/* whose death ends this process */
	bool lock_lowered;	/* RLIMIT_MEMLOCK is sealspec's */
	uint64_t prog_map;	/* the shared mapping of the program, or 0 */
	uint64_t prog_len;
	enum ms_data_route data_route;	/* from the probe */
	bool data_route_forced;
	int64_t values[MS_NAMES_MAX];
	bool bound[MS_NAMES_MAX];
	uint64_t sizes[MS_NAMES_MAX];	/* snapshot extent, 0: none */
	uint8_t own_fds[MS__FDS_MAX / 8];	/* descriptors it made */
	struct ms__msg msg;
};

static void copy_str(char *dst, size_t n, const char *src)
{
	size_t len = strnlen(src, n - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* ---- records --------------------------------------------------------- */

static void send_msg(struct runner *r)
{
	/* The runner is gone (killed on timeout): nobody is listening. */
	if (ms__sys_write_all(r->out_fd, &r->msg, sizeof(r->msg)) < 0)
		ms__exit(MS__EXIT_BROK);
}

static struct ms_outcome *new_outcome(struct runner *r, int step,
				      enum ms_out_kind kind)
{
	struct ms_outcome *o = &r->msg.out;

	/* All of it, so that no stale page state rides along. */
	memset(&r->msg, 0, sizeof(r->msg));
	r->msg.kind = MS__MSG_OUTCOME;
	o->step = step;
	o->pid_depth = r->depth;
	o->kind = kind;
	o->name = -1;
	return o;
}

static void send_ret(struct runner *r, int step, int64_t ret)
{
	new_outcome(r, step, MS_OUT_RET)->ret = ret;
	send_msg(r);
}

/* A tiny formatter: the scenario process may not use stdio. */
struct sbuf {
	char *p;
	size_t len, cap;
};

static void sb_str(struct sbuf *b, const char *s)
{
	while (*s && b->len + 1 < b->cap)
		b->p[b->len++] = *s++;
	b->p[b->len] = '\0';
}

static void sb_int(struct sbuf *b, int64_t v)
{
	char d[24];
	int n = 0;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	if (v < 0)
		sb_str(b, "-");
	do {
		d[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (n > 0) {
		char c[2] = { d[--n], '\0' };

		sb_str(b, c);
	}
}

/* Sends BROK "step N (line L): what[ detail]" and exits. */
static void __attribute__((noreturn))
brok(struct runner *r, int step, const char *what, int64_t err)
{
	struct sbuf b = { r->msg.reason, 0, sizeof(r->msg.reason) };

	memset(&r->msg, 0, offsetof(struct ms__msg, out));
	r->msg.kind = MS__MSG_BROK;
	b.p[0] = '\0';
	if (step >= 0) {
		/* Steps are numbered from 1 in every message. */
		sb_str(&b, "step ");
		sb_int(&b, ms_step_number(r->p, step));
		sb_str(&b, " (line ");
		sb_int(&b, r->p->steps[step].loc.line);
		sb_str(&b, "): ");
	}
	sb_str(&b, what);
	if (err) {
		const char *name = ms_errno_name((int)-err);

		sb_str(&b, ": ");
		if (name)
			sb_str(&b, name);
		else
			sb_int(&b, err);
	}
	send_msg(r);
	ms__exit(MS__EXIT_BROK);
}

/* ---- fault-tolerant memory access ------------------------------------ */

static sigjmp_buf fault_env;
static volatile sig_atomic_t fault_armed;
static volatile int fault_sig;
static volatile uint64_t fault_at;

/*
 * A fault while fill or read runs is a result; any other fault is a crash,
 * so the handler steps aside and lets the access repeat under SIG_DFL.
 */
static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (!fault_armed) {
		ms__sys_sigdefault(sig);
		return;
	}
	fault_armed = 0;
	fault_sig = sig;
	fault_at = (uintptr_t)si->si_addr;
	siglongjmp(fault_env, 1);
}

/* What touch() is asked to do; global so that no local lives across the
 * sigsetjmp(). */
static struct {
	uint64_t addr, len;
	const char *pattern;
	bool store;
	long ps;
} touch_req;

/*
 * Stores pattern pages at addr (store) or loads one byte of every page of
 * [addr, addr + len).  The sanitizers must not instrument these accesses:
 * the arena has no shadow of interest and a fault has to come from the
 * access itself.
 */
__attribute__((no_sanitize("address", "undefined"), noinline)) static void
touch_pages(void)
{
	uint64_t addr = touch_req.addr;
	long ps = touch_req.ps;

	if (touch_req.store) {
		for (size_t i = 0; touch_req.pattern[i]; i++) {
			volatile unsigned char *q = (volatile unsigned char *)(
				uintptr_t)(addr + i * (uint64_t)ps);
			unsigned char c = (unsigned char)touch_req.pattern[i];

			if (c == '.')
				continue;
			if (c == '0')
				c = 0;
			for (long j = 0; j < ps; j++)
				q[j] = c;
		}
	} else {
		for (uint64_t off = 0; off < touch_req.len; off += (uint64_t)ps)
			(void)*(volatile unsigned char *)(uintptr_t)(addr +
								     off);
	}
}

/* 1 when touch_pages() faulted (fault_sig, fault_at), else 0. */
__attribute__((noinline)) static int touch_armed(void)
{
	if (sigsetjmp(fault_env, 1))
		return 1;
	fault_armed = 1;
	touch_pages();
	fault_armed = 0;
	return 0;
}

/* fill (store) or read: 1 when the access faulted, else 0. */
static int touch(uint64_t addr, const char *pattern, uint64_t len, bool store,
		 long ps)
{
	touch_req.addr = addr;
	touch_req.pattern = pattern;
	touch_req.len = len;
	touch_req.store = store;
	touch_req.ps = ps;
	return touch_armed();
}

/* ---- steps ------------------------------------------------------------- */

static uint64_t page_up(uint64_t v, long ps)
{
	return (v + (uint64_t)ps - 1) & ~((uint64_t)ps - 1);
}

/*
 * Evaluates e with the names' current values.  A name that is not bound
 * here is almost always one whose binding call failed; say so.
 */
static int64_t eval(struct runner *r, int step, const struct ms_expr *e)
{
	char what[96];
	struct sbuf b = { what, 0, sizeof(what) };
	int64_t v;
	int err = ms_eval(e, r->values, r->bound, r->ps, &v);

	if (err == 0)
		return v;
	for (int k = 0; k < e->nterms && k < MS_EXPR_MAX; k++) {
		int n = e->t[k].name;

		if (e->t[k].kind != MS_TERM_NAME || n < 0 ||
		    n >= r->p->nnames || r->bound[n])
			continue;
		what[0] = '\0';
		sb_str(&b, r->p->names[n].name);
		sb_str(&b, " is not bound (its binding call failed)");
		brok(r, step, what, 0);
	}
	brok(r, step, "cannot evaluate an expression", err);
}

/*
 * mmap with address 0 and neither MAP_FIXED nor MAP_FIXED_NOREPLACE gets
 * the next arena slot as its hint, so that addresses relative to the arena
 * are the same on every run and every target.
 */
static uint64_t mmap_hint(struct runner *r, uint64_t addr, int64_t len,
			  int64_t flags)
{
	uint64_t slot;

	if (addr != 0 || (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
		return addr;
	slot = r->arena + r->slot_off;
	r->slot_off += page_up((uint64_t)len, r->ps) +
		       SLOT_GAP_PAGES * (uint64_t)r->ps;
	return slot;
}

/*
 * The scenario reaches only descriptors it made (memfd, reopen): what else
 * is open here is sealspec's (the record pipe, /proc files), and the
 * runner's own files never got this far (spawn.c).  Another number is
 * EBADF, as in a process that has nothing else open.
 */
static bool fd_is_own(const struct runner *r, int64_t fd)
{
	return fd >= 0 && fd < MS__FDS_MAX &&
	       (r->own_fds[fd / 8] & (1u << (fd % 8)));
}

static void fd_own(struct runner *r, int64_t fd)
{
	if (fd >= 0 && fd < MS__FDS_MAX)
		r->own_fds[fd / 8] |= (uint8_t)(1u << (fd % 8));
}

static void send_shm(struct runner *r, enum ms__msg_kind kind, long id)
{
	memset(&r->msg, 0, offsetof(struct ms__msg, out));
	r->msg.kind = kind;
	r->msg.shmid = (int32_t)id;
	r->msg.pid = ms__sys_getpid();
	if (ms__sys_write_all(r->out_fd, &r->msg, sizeof(r->msg)) < 0) {
		/* The runner is gone: nobody else will remove it. */
		if (kind == MS__MSG_SHMID)
			ms__sys_shm_rmid(id);
		ms__exit(MS__EXIT_BROK);
	}
}

/*
 * shmget(size), so that no segment outlives the run however it ends.  The
 * runner holds each segment by attaching it and marks it for removal at
 * once (run.c): the kernel then frees it when the last process detaches,
 * and Linux still lets shmat() find it until then.  What is left is the
 * moment between shmget() and the runner's mark:
 *   - the runner kills us (timeout) after the intent record: it looks for
 *     a segment we created and nothing holds (ms__sys_shm_remove_created_by);
 *   - the runner dies (SIGKILL): the death signal is deferred, and once
 *     orphaned we remove the segment ourselves before dying.
 * So we wait here until the mark is set.
 */
static long shm_create(struct runner *r, uint64_t size)
{
	long id, marked = 0;

	if (ms__sys_death_defer(r->parent) < 0)
		ms__exit(MS__EXIT_BROK);
	send_shm(r, MS__MSG_SHM_INTENT, -1);
	id = ms__sys_shmget(size);
	if (id >= 0) {
		send_shm(r, MS__MSG_SHMID, id);
		while ((marked = ms__sys_shm_marked(id)) == 0) {
			if (!ms__sys_parent_is(r->parent)) {
				ms__sys_shm_rmid(id);
				ms__exit(MS__EXIT_BROK);
			}
			ms__sys_poll(NULL, 0, 1);
		}
	}
	ms__sys_death_resume();
	return id;
}

/*
 * A call that failed with ENOMEM may have hit a limit sealspec set
 * (spawn.c), not the kernel's behaviour: judging it would misreport the
 * kernel, so the case is BROK.  grow is what the call asked to map.
 */
static void check_map_limit(struct runner *r, int i, int64_t ret,
			    uint64_t grow)
{
	uint64_t soft, hard;
	long pages;

	if (ret != -ENOMEM ||
	    ms__sys_getrlimit(RLIMIT_AS, &soft, &hard) < 0 ||
	    soft == (uint64_t)RLIM_INFINITY)
		return;
	pages = ms__sys_vm_pages();
	if (pages >= 0 && (uint64_t)pages * (uint64_t)r->ps + grow > soft)
		brok(r, i, "the call reached sealspec's limit on mapped memory "
			   "(--max-map)", ret);
}

/*
 * The same for locked memory, when sealspec lowered RLIMIT_MEMLOCK: BROK
 * only if what is locked plus what the call asked to lock (want bytes)
 * passes the limit.  An mlock that fails for its own reasons (ENOMEM on
 * PROT_NONE memory) is judged as usual.
 */
static void check_lock_limit(struct runner *r, int i, int64_t ret,
			     uint64_t want)
{
	uint64_t soft, hard;
	long locked;

	if (!r->lock_lowered ||
	    (ret != -ENOMEM && ret != -EAGAIN && ret != -EPERM) ||
	    ms__sys_getrlimit(RLIMIT_MEMLOCK, &soft, &hard) < 0 ||
	    soft == (uint64_t)RLIM_INFINITY)
		return;
	locked = ms__sys_locked_bytes();
	if (locked < 0 || (uint64_t)locked + want > soft)
		brok(r, i, "the call may have reached sealspec's limit on "
			   "locked memory (--max-lock)", ret);
}

/* The call itself: the value or -errno; a fault sets *faulted. */
static int64_t do_syscall(struct runner *r, const struct ms_step *s,
			  const int64_t *a, const char *const *str,
			  bool *faulted)
{
	uint64_t u0 = (uint64_t)a[0], u1 = (uint64_t)a[1];

	switch (s->call) {
	case MS_CALL_MMAP:
		if (!(a[3] & MAP_ANONYMOUS) && s->nargs > 4 &&
		    !fd_is_own(r, a[4]))
			return -EBADF;
		return ms__sys_mmap(mmap_hint(r, u0, a[1], a[3]), u1, a[2],
				    a[3], s->nargs > 4 ? a[4] : -1, a[5]);
	case MS_CALL_MUNMAP:
		return ms__sys_munmap(u0, u1);
	case MS_CALL_MPROTECT:
		return ms__sys_mprotect(u0, u1, a[2]);
	case MS_CALL_PKEY_MPROTECT:
		return ms__sys_pkey_mprotect(u0, u1, a[2], a[3]);
	case MS_CALL_PKEY_ALLOC:
		return ms__sys_pkey_alloc(a[0], a[1]);
	case MS_CALL_PKEY_FREE:
		return ms__sys_pkey_free(a[0]);
	case MS_CALL_MADVISE:
		return ms__sys_madvise(u0, u1, a[2]);
	case MS_CALL_PROCESS_MADVISE:
		return ms__sys_process_madvise(u0, u1, a[2]);
	case MS_CALL_MREMAP:
		return ms__sys_mremap(u0, u1, (uint64_t)a[2], a[3],
				      (uint64_t)a[4]);
	case MS_CALL_MLOCK:
		return ms__sys_mlock(u0, u1);
	case MS_CALL_MLOCK2:
		return ms__sys_mlock2(u0, u1, a[2]);
	case MS_CALL_MUNLOCK:
		return ms__sys_munlock(u0, u1);
	case MS_CALL_MLOCKALL:
		return ms__sys_mlockall(a[0]);
	case MS_CALL_MUNLOCKALL:
		return ms__sys_munlockall();
	case MS_CALL_MSYNC:
		return ms__sys_msync(u0, u1, a[2]);
	case MS_CALL_MBIND:
		return ms__sys_mbind(u0, u1, a[2], a[3]);
	case MS_CALL_SET_MEMPOLICY_HOME_NODE:
		return ms__sys_set_mempolicy_home_node(u0, u1, a[2], a[3]);
	case MS_CALL_MINCORE:
		return ms__sys_mincore(u0, u1);
	case MS_CALL_MSEAL:
		return ms__sys_mseal(u0, u1, a[2]);
	case MS_CALL_BRK:
		return ms__sys_brk(u0);
	case MS_CALL_REMAP_FILE_PAGES:
		return ms__sys_remap_file_pages(u0, u1, a[2], a[3], a[4]);
	case MS_CALL_SHMGET:
		return shm_create(r, u0);
	case MS_CALL_SHMAT:
		return ms__sys_shmat(a[0], u1, a[2]);
	case MS_CALL_SHMDT:
		return ms__sys_shmdt(u0);
	case MS_CALL_IO_SETUP:
		return ms__sys_io_setup(a[0]);
	case MS_CALL_IO_DESTROY: {
		long ret = ms__sys_io_destroy(u0);

		int werr;

		/*
		 * A sealed ring stays mapped, and the kernel frees its pages
		 * a little later: the next step sees the final state, not a
		 * race (deferred.c).  If the kernel has not freed them by the
		 * bound, the next steps would judge a state in between: the
		 * case is BROK with the reason, never a FAIL.
		 */
		if (ret == 0 &&
		    (werr = ms__wait_aio_free_ring(u0, r->ps)) < 0)
			brok(r, (int)(s - r->p->steps),
			     werr == -ETIMEDOUT ?
				     "the kernel had not freed the aio ring's "
				     "pages 5 s after io_destroy()" :
				     "waiting for the aio ring's teardown",
			     werr == -ETIMEDOUT ? 0 : werr);
		return ret;
	}
	case MS_CALL_MEMFD: {
		long fd = ms__sys_memfd(u0, str[1], r->ps);

		fd_own(r, fd);
		return fd;
	}
	case MS_CALL_REOPEN: {
		long fd;

		if (!fd_is_own(r, a[0]))
			return -EBADF;
		fd = ms__sys_reopen(a[0], a[1]);
		fd_own(r, fd);
		return fd;
	}
	case MS_CALL_VDSO: {
		struct ms__vma v;
		int err = ms__find_vma_named("[vdso]", &v);

		return err < 0 ? err : (int64_t)v.start;
	}
	case MS_CALL_FILL:
		*faulted = touch(u0, str[1], 0, true, r->ps);
		return 0;
	case MS_CALL_READ:
		*faulted = touch(u0, "", u1, false, r->ps);
		return 0;
	case MS_CALL_PROC_MEM_WRITE:
		return ms__sys_proc_mem_write(u0, str[1], r->ps);
	case MS_CALL_PTRACE_POKE:
		return ms__sys_ptrace_poke(u0, str[1], r->ps);
	case MS_CALL_PROCESS_VM_WRITE:
		return ms__sys_process_vm_write(u0, str[1], r->ps);
	case MS_CALL_UFFD_REGISTER:
		return ms__sys_uffd_register(u0, u1);
	case MS_CALL_UFFD_COPY:
		return ms__sys_uffd_copy(u0, str[1], r->ps);
	case MS_CALL_SEALED_VMAS:
		return ms__sealed_vmas();
	case MS_CALL_UFFD_MOVE:
		return ms__sys_uffd_move(u0, u1, (uint64_t)a[2]);
	case MS_CALL_PROCESS_MADVISE_PARENT:
		return ms__sys_process_madvise_parent(u0, u1, a[2]);
	case MS_CALL_USE_MAP_SLOTS:
		return ms__use_map_slots(u0, u1, a[2], r->ps);
	case MS_NCALLS:
		break;
	}
	return -ENOSYS;
}

/*
 * How much memory a binding names, for snapshots: the size argument, or
 * for the calls that return a kernel-sized region the VMA at the address.
 */
static uint64_t bound_size(struct runner *r, const struct ms_step *s,
			   const int64_t *a, int64_t ret)
{
	const struct ms_call_desc *d = &ms_call_desc[s->call];
	struct ms__vma v;

	if (d->ret != MS_RET_ADDR)
		return 0;
	if (d->size_arg >= 0)
		return page_up((uint64_t)a[d->size_arg], r->ps);
	if (s->call != MS_CALL_VDSO && s->call != MS_CALL_SHMAT &&
	    s->call != MS_CALL_IO_SETUP)
		return 0;
	if (ms__find_vma((uint64_t)ret, &v) < 0)
		return 0;
	return v.end - (uint64_t)ret;
}

/*
 * Every /proc/self/smaps read walks the page tables of the whole process,
 * so the program's pages, mapped as the steps are read, would make each
 * observation cost more the further a long scenario gets.  The mapping is
 * a shared memfd (spawn.c): dropping its page-table entries loses nothing
 * and the next step faults its page back in.
 */
static void forget_program_pages(struct runner *r)
{
	if (r->prog_map)
		ms__sys_madvise(r->prog_map, page_up(r->prog_len, r->ps),
				MADV_DONTNEED);
}

/*
 * Page states of every region a name covers, after an asserted call.
 * Nothing changes the address space in between, so smaps is read once.
 */
static void send_snapshots(struct runner *r, int step)
{
	forget_program_pages(r);
	ms__observe_hold(true);
	for (int n = 0; n < r->p->nnames && n < MS_NAMES_MAX; n++) {
		struct ms_outcome *o;
		uint64_t pages = r->sizes[n] / (uint64_t)r->ps;

		if (!r->bound[n] || !pages)
			continue;
		if (pages > MS_GRID_MAX)
			pages = MS_GRID_MAX;
		o = new_outcome(r, step, MS_OUT_PAGES);
		o->name = n;
		o->addr = (uint64_t)r->values[n];
		o->npages = (int)pages;
		if (ms__observe(o->addr, o->npages, r->ps, false, o->pages) < 0)
			brok(r, step, "cannot observe page state", 0);
		send_msg(r);
	}
	ms__observe_hold(false);
}

static void run_call(struct runner *r, int i)
{
	const struct ms_step *s = &r->p->steps[i];
	int64_t a[MS_ARGS_MAX] = { 0 };
	const char *str[MS_ARGS_MAX] = { "", "", "", "", "", "" };
	bool faulted = false;
	struct ms_outcome *o;
	int64_t ret;

	if ((unsigned)s->call >= MS_NCALLS)
		brok(r, i, "unknown call", 0);
	/*
	 * Outside a fork block the parent is sealspec's spawner, whose
	 * address space is no part of the scenario: advising it would judge
	 * nothing.
	 */
	if (s->call == MS_CALL_PROCESS_MADVISE_PARENT && r->depth == 0)
		brok(r, i, "process_madvise_parent outside a fork block", 0);
	for (int k = 0; k < s->nargs && k < MS_ARGS_MAX; k++) {
		if (s->args[k].kind == MS_ARG_STR)
			str[k] = s->args[k].str;
		else if (s->args[k].kind == MS_ARG_EXPR)
			a[k] = eval(r, i, &s->args[k].expr);
		else
			brok(r, i, "unsubstituted $column", 0);
	}
	ret = do_syscall(r, s, a, str, &faulted);
	switch (s->call) {
	case MS_CALL_MMAP:
		check_map_limit(r, i, ret, (uint64_t)a[1]);
		if (ret == -EAGAIN)
			check_lock_limit(r, i, ret, (uint64_t)a[1]);
		break;
	case MS_CALL_MREMAP:
		check_map_limit(r, i, ret, (uint64_t)a[2]);
		break;
	case MS_CALL_MLOCK:
	case MS_CALL_MLOCK2:
		check_lock_limit(r, i, ret, (uint64_t)a[1]);
		break;
	case MS_CALL_MLOCKALL: {
		long pages = ms__sys_vm_pages();

		check_lock_limit(r, i, ret,
				 (a[0] & MCL_CURRENT) && pages > 0 ?
					 (uint64_t)pages * (uint64_t)r->ps :
					 0);
		break;
	}
	default:
		break;
	}

	if (faulted) {
		o = new_outcome(r, i, MS_OUT_FAULT);
		o->signo = fault_sig;
		o->fault_addr = fault_at;
	} else {
		o = new_outcome(r, i, MS_OUT_RET);
		o->ret = ret;
	}
	send_msg(r);
	if (s->nresults == 0 && (faulted || ret < 0))
		ms__exit(MS__EXIT_SETUP);

	/* A failed call leaves the name as it was. */
	if (s->bind >= 0 && s->bind < MS_NAMES_MAX && !faulted && ret >= 0) {
		r->values[s->bind] = ret;
		r->bound[s->bind] = true;
		r->sizes[s->bind] = bound_size(r, s, a, ret);
	}
	if (r->snapshots && s->nresults > 0)
		send_snapshots(r, i);
}

static void run_expect(struct runner *r, int i)
{
	const struct ms_step *s = &r->p->steps[i];
	struct ms_outcome *o;
	int64_t addr = eval(r, i, &s->where);
	int n;

	if (s->grid.kind != MS_ARG_STR)
		brok(r, i, "unsubstituted $column in a grid", 0);
	n = ms_grid_pages(s->attr, s->grid.str);
	if (n <= 0 || n > MS_GRID_MAX)
		brok(r, i, "bad grid", 0);
	o = new_outcome(r, i, MS_OUT_PAGES);
	o->addr = (uint64_t)addr;
	o->npages = n;
	forget_program_pages(r);
	if (ms__observe(o->addr, n, r->ps, s->attr == MS_ATTR_DATA,
			o->pages) < 0)
		brok(r, i, "cannot observe page state", 0);
	send_msg(r);
}

/* The "end" that closes the fork block opened at step i. */
static int matching_end(const struct ms_program *p, int i)
{
	int nest = 0;

	for (int j = i + 1; j < p->nsteps; j++) {
		if (p->steps[j].kind == MS_STEP_FORK) {
			nest++;
		} else if (p->steps[j].kind == MS_STEP_END) {
			if (nest == 0)
				return j;
			nest--;
		}
	}
	return -1;
}

const char *ms__signal_name(int sig)
{
	switch (sig) {
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS: return "SIGBUS";
	case SIGKILL: return "SIGKILL";
	case SIGABRT: return "SIGABRT";
	case SIGILL: return "SIGILL";
	case SIGFPE: return "SIGFPE";
	case SIGTRAP: return "SIGTRAP";
	case SIGSYS: return "SIGSYS";
	case SIGTERM: return "SIGTERM";
	case SIGPIPE: return "SIGPIPE";
	case SIGXCPU: return "SIGXCPU (the CPU limit, --timeout)";
	default: return "a signal";
	}
}

/*
 * fork: the child returns i and carries on with the block; the parent
 * reports the fork, waits for the child at the matching end and returns
 * that end's index.  The child waits for the parent's record so that the
 * fork step comes before the block's outcomes in the trace.
 */
static int run_fork(struct runner *r, int i)
{
	int end = matching_end(r->p, i), sync[2], status = 0, err;
	pid_t pid, self = ms__sys_getpid();
	char c = 0;

	if (end < 0)
		brok(r, i, "fork without end", 0);
	err = ms__sys_pipe(sync);
	if (err < 0)
		brok(r, i, "pipe", err);
	pid = ms__sys_fork_bound();
	if (pid == 0) {
		r->depth++;
		r->parent = self;
		ms__sys_close(sync[1]);
		ms__sys_read(sync[0], &c, 1);
		ms__sys_close(sync[0]);
		return i;
	}
	send_ret(r, i, pid < 0 ? pid : 0);
	ms__sys_write_all(sync[1], &c, 1);
	ms__sys_close(sync[0]);
	ms__sys_close(sync[1]);
	if (pid < 0)
		brok(r, i, "fork failed", pid);

	err = ms__sys_wait(pid, &status, 0);
	if (err < 0)
		brok(r, end, "waitpid", err);
	if (WIFEXITED(status) && WEXITSTATUS(status) == MS__EXIT_DONE) {
		send_ret(r, end, 0);
		return end;
	}
	/* The child already said why: pass its verdict up. */
	if (WIFEXITED(status) && (WEXITSTATUS(status) == MS__EXIT_SETUP ||
				  WEXITSTATUS(status) == MS__EXIT_BROK))
		ms__exit(WEXITSTATUS(status));

	memset(&r->msg, 0, offsetof(struct ms__msg, out));
	r->msg.kind = MS__MSG_BROK;
	r->msg.append_last = 1;
	{
		struct sbuf b = { r->msg.reason, 0, sizeof(r->msg.reason) };

		if (WIFSIGNALED(status)) {
			sb_str(&b, "fork child killed by ");
			sb_str(&b, ms__signal_name(WTERMSIG(status)));
		} else {
			sb_str(&b, "fork child exited with status ");
			sb_int(&b, WEXITSTATUS(status));
		}
	}
	send_msg(r);
	ms__exit(MS__EXIT_BROK);
}

static void put_handoff_fd(char *buf, int fd)
{
	struct sbuf b = { buf, 0, 16 };

	buf[0] = '\0';
	sb_int(&b, fd);
}

/*
 * exec: the handoff header goes in front of the program text the runner
 * stored in the memfd, the pipe and the memfd lose close-on-exec, and the
 * process becomes a fresh sealspec image that resumes after step i.
 */
static void run_exec(struct runner *r, int i)
{
	struct ms__handoff h;
	char fdbuf[16];
	char *argv[] = { "sealspec", MS_EXEC_ARGV1, fdbuf, NULL };
	long err;

	if (r->text_fd < 0)
		brok(r, i, "exec: no program text to hand over", 0);
	memset(&h, 0, sizeof(h));
	h.magic = MS__HANDOFF_MAGIC;
	h.exec_step = i;
	h.out_fd = r->out_fd;
	h.depth = r->depth;
	h.snapshots = r->snapshots;
	h.data_route = (int32_t)r->data_route;
	h.data_route_forced = r->data_route_forced;
	h.nsteps = r->p->nsteps;
	h.nnames = r->p->nnames;
	h.parent = r->parent;
	h.lock_lowered = r->lock_lowered;
	h.arena = r->arena;
	h.slot_off = r->slot_off;
	for (int n = 0; n < MS_NAMES_MAX; n++) {
		h.values[n] = r->values[n];
		h.sizes[n] = r->sizes[n];
		h.bound[n] = r->bound[n];
	}
	memcpy(h.own_fds, r->own_fds, sizeof(h.own_fds));
	/* A descriptor the exec closes is no longer the scenario's: its
	 * number may come back as one of the new image's own. */
	for (int fd = 0; fd < MS__FDS_MAX; fd++)
		if (fd_is_own(r, fd) && ms__sys_fd_cloexec(fd) != 0)
			h.own_fds[fd / 8] &= (uint8_t)~(1u << (fd % 8));
	h.text_len = r->text_len;
	copy_str(h.file, sizeof(h.file), r->p->file);
	if (ms__sys_pwrite(r->text_fd, &h, sizeof(h), 0) != sizeof(h))
		brok(r, i, "exec: cannot write the handoff", 0);
	ms__sys_cloexec(r->out_fd, false);
	ms__sys_cloexec(r->text_fd, false);
	put_handoff_fd(fdbuf, r->text_fd);
	/* Its tracee is about to get another mm: the new image starts its
	 * own reader if it needs one. */
	ms__memreader_stop();
	err = ms__sys_execve("/proc/self/exe", argv);
	send_ret(r, i, err);
	brok(r, i, "exec failed", err);
}

/*
 * Runs steps from `from` on.  In a fork child an "end" reached here is the
 * one closing its block: the child's part is done.
 */
static void __attribute__((noreturn)) run_steps(struct runner *r, int from)
{
	for (int i = from; i < r->p->nsteps; i++) {
		switch (r->p->steps[i].kind) {
		case MS_STEP_CALL:
			run_call(r, i);
			break;
		case MS_STEP_EXPECT:
			run_expect(r, i);
			break;
		case MS_STEP_FORK:
			i = run_fork(r, i);
			break;
		case MS_STEP_END:
			if (r->depth == 0)
				brok(r, i, "end without fork", 0);
			ms__exit(MS__EXIT_DONE);
		case MS_STEP_EXEC:
			run_exec(r, i);
			break;
		case MS_STEP_NOTE:
			break;
		}
	}
	ms__exit(MS__EXIT_DONE);
}

/*
 * Setup shared by a fresh scenario process and a resumed image.  The page
 * reader, if an observation needs one, starts later (memreader.c): a
 * child bound to this process, in its group, so the spawner's end of the
 * group takes it too.
 */
static void scenario_prepare(struct runner *r)
{
	int err;

	ms__sys_forget();
	ms__observe_route(r->data_route, r->data_route_forced);
	err = ms__observe_init();
	if (err < 0)
		brok(r, -1, "cannot map the smaps buffer", err);
	if (ms__sys_sigaction(SIGSEGV, on_fault) < 0 ||
	    ms__sys_sigaction(SIGBUS, on_fault) < 0)
		brok(r, -1, "cannot install fault handlers", 0);
}

void ms__scenario_main(const struct ms__scenario *s)
{
	static struct runner rr;
	struct runner *r = &rr;
	long got, brk0;
	int err;

	r->p = s->p;
	r->ps = sysconf(_SC_PAGESIZE);
	r->arena = MS__ARENA_BASE;
	r->out_fd = s->out_fd;
	r->text_fd = s->text_fd;
	r->text_len = s->text_len;
	r->snapshots = s->snapshots;
	r->parent = s->parent;
	r->lock_lowered = s->lock_lowered;
	r->data_route = s->data_route;
	r->data_route_forced = s->data_route_forced;
	r->prog_map = s->prog_map;
	r->prog_len = s->prog_len;
	scenario_prepare(r);

	/* The arena must be free, or slot hints would land elsewhere. */
	got = ms__sys_mmap(r->arena, MS__ARENA_SIZE, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
				   MAP_FIXED_NOREPLACE,
			   -1, 0);
	if (got != (long)r->arena) {
		if (got >= 0)
			ms__sys_munmap((uint64_t)got, MS__ARENA_SIZE);
		brok(r, -1, "the arena at 0x200000000000 is not free",
		     got < 0 ? got : 0);
	}
	ms__sys_munmap(r->arena, MS__ARENA_SIZE);
	err = ms__limit_map(s->max_map);
	if (err < 0)
		brok(r, -1, "cannot limit the address space", err);

	/* So that "h = brk(0)" is page aligned. */
	brk0 = ms__sys_brk(0);
	if (brk0 > 0 && (brk0 & (r->ps - 1)))
		ms__sys_brk(page_up((uint64_t)brk0, r->ps));

	run_steps(r, 0);
}

/* ---- the image an exec step starts ---------------------------------- */

static void __attribute__((noreturn)) resume_refused(const char *why)
{
	static const char prefix[] = "sealspec: " MS_EXEC_ARGV1 ": ";

	ms__sys_write_all(2, prefix, sizeof(prefix) - 1);
	ms__sys_write_all(2, why, strlen(why));
	ms__sys_write_all(2, "\n", 1);
	ms__exit(MS__EXIT_USAGE);
}

/* A descriptor number: digits only, below MS__FDS_MAX; or -1. */
static int parse_fd(const char *s)
{
	int v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v >= MS__FDS_MAX)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v < MS__FDS_MAX ? v : -1;
}

static bool all_bool(const uint8_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] > 1)
			return false;
	return true;
}

/*
 * The handoff comes from a file descriptor named on the command line:
 * every field is checked before it is used, and garbage is refused with
 * the reason, never trusted.  NULL when h is sound, else why not.
 */
static const char *check_handoff(int fd, const struct ms__handoff *h)
{
	unsigned int mode;
	uint64_t size, out_size;

	if (ms__sys_fd_kind(fd, &mode, &size) < 0 || mode != S_IFREG)
		return "the handoff descriptor is not an open regular file";
	if (size < MS__HANDOFF_TEXT ||
	    ms__sys_pread(fd, (void *)h, sizeof(*h), 0) != sizeof(*h))
		return "the handoff is truncated";
	if (h->magic != MS__HANDOFF_MAGIC)
		return "no handoff header (bad magic)";
	if (h->nsteps < 1)
		return "the handoff's step count is out of range";
	if (h->exec_step < 0 || h->exec_step >= h->nsteps)
		return "the handoff's exec step is out of range";
	if (h->nnames < 0 || h->nnames > MS_NAMES_MAX)
		return "the handoff's name count is out of range";
	if (h->depth < 0 || h->depth > MS_FORK_DEPTH_MAX)
		return "the handoff's fork depth is out of range";
	if ((h->snapshots != 0 && h->snapshots != 1) ||
	    (h->lock_lowered != 0 && h->lock_lowered != 1) ||
	    (h->data_route_forced != 0 && h->data_route_forced != 1) ||
	    !all_bool(h->bound, sizeof(h->bound)))
		return "a flag of the handoff is neither 0 nor 1";
	if (h->parent <= 0)
		return "the handoff's parent pid is out of range";
	if (h->data_route < MS_DATA_DIRECT || h->data_route > MS_DATA_BLIND)
		return "the handoff's data route is out of range";
	if (h->arena != MS__ARENA_BASE || h->slot_off > (1ULL << 46))
		return "the handoff's arena is not sealspec's";
	if (h->out_fd < 0 || h->out_fd >= MS__FDS_MAX || h->out_fd == fd ||
	    ms__sys_fd_kind(h->out_fd, &mode, &out_size) < 0 ||
	    mode != S_IFIFO)
		return "the handoff's record descriptor is not an open pipe";
	if (h->text_len == 0 || h->text_len > MS__HANDOFF_TEXT_MAX ||
	    h->text_len > size - MS__HANDOFF_TEXT)
		return "the handoff's text length is out of range";
	if (!memchr(h->file, '\0', sizeof(h->file)))
		return "the handoff's file name is not terminated";
	return NULL;
}

void ms_kernel_exec_resume(int argc, char **argv)
{
	static struct ms_program prog;
	static struct runner rr;
	static struct ms__handoff h;
	struct runner *r = &rr;
	struct ms_diag diag;
	const char *why;
	char *text;
	int fd, err;

	/* The page reader is this entry too, with its own strict checks. */
	if (argc >= 3 && strcmp(argv[2], MS__MEMREADER_ARGV2) == 0)
		ms__memreader_main(argc, argv);
	fd = argc == 3 ? parse_fd(argv[2]) : -1;
	if (fd < 0)
		resume_refused("an internal entry point: it takes the handoff "
			       "descriptor an exec step passes, nothing else");
	why = check_handoff(fd, &h);
	if (why)
		resume_refused(why);

	r->out_fd = h.out_fd;
	ms__sys_cloexec(r->out_fd, true);
	r->text_fd = fd;
	r->text_len = h.text_len;
	ms__sys_cloexec(fd, true);

	/* Before any step runs here, so allocating is still fine. */
	text = malloc(h.text_len + 1);
	if (!text)
		resume_refused("no memory for the program text");
	if (ms__sys_pread(fd, text, h.text_len, MS__HANDOFF_TEXT) !=
	    (long)h.text_len)
		resume_refused("the program text is truncated");
	err = ms_parse(h.file, text, h.text_len, &prog, &diag);
	free(text);
	r->p = &prog;
	if (err < 0) {
		static struct ms_program empty;

		r->p = &empty;
		brok(r, -1, "exec: the new image cannot parse the program",
		     err);
	}
	if (prog.nsteps != h.nsteps || prog.nnames != h.nnames ||
	    prog.steps[h.exec_step].kind != MS_STEP_EXEC)
		brok(r, -1, "exec: the reparsed program differs", 0);
	copy_str(prog.file, sizeof(prog.file), h.file);

	r->ps = sysconf(_SC_PAGESIZE);
	r->arena = h.arena;
	r->slot_off = h.slot_off;
	r->depth = h.depth;
	r->snapshots = h.snapshots;
	r->parent = h.parent;
	r->lock_lowered = h.lock_lowered;
	r->data_route = (enum ms_data_route)h.data_route;
	r->data_route_forced = h.data_route_forced;
	for (int n = 0; n < MS_NAMES_MAX; n++) {
		r->values[n] = h.values[n];
		r->sizes[n] = h.sizes[n];
		r->bound[n] = h.bound[n];
	}
	memcpy(r->own_fds, h.own_fds, sizeof(r->own_fds));
	/* The text must still be there if another exec step follows. */
	scenario_prepare(r);
	send_ret(r, h.exec_step, 0);
	run_steps(r, h.exec_step + 1);
}

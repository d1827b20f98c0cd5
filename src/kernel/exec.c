// SPDX-License-Identifier: MIT
/*
 * The scenario process: the kernel backend of the step interpreter
 * (src/interp/).  The interpreter decides what each step means; the
 * operations here make the raw syscalls, observe /proc, fork for real,
 * exec the image again, and send the runner one record per outcome.
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
 * fork steps fork the scenario process again (k_fork): the child carries
 * on with the block and exits at its "end" (k_child_exit), the parent
 * records the fork, releases the child and waits (k_wait_child).
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
#include "interp/interp.h"
#include "kernel/kernel.h"

_Static_assert(sizeof(struct ms__handoff) <= MS__HANDOFF_TEXT,
	       "handoff too big");
_Static_assert(sizeof(struct ms__msg) <= 4096, "records must be atomic");

/* The scenario process's state: the interpreter's, then the kernel's. */
struct runner {
	struct ms__interp in;
	int out_fd;
	int text_fd;		/* the exec handoff memfd, or -1 */
	uint64_t text_len;	/* of the program text in it */
	pid_t parent;		/* whose death ends this process */
	bool lock_lowered;	/* RLIMIT_MEMLOCK is sealspec's */
	enum ms_data_route data_route;	/* from the probe */
	bool data_route_forced;
	/* A fork's parent: the child and the pipe that releases it. */
	pid_t child;
	int sync_w;
	uint8_t own_fds[MS__FDS_MAX / 8];	/* descriptors it made */
	struct ms__here *here;	/* run by the executor (executor.c), or NULL */
	struct ms__msg msg;
};

static struct runner *runner_of(struct ms__interp *in)
{
	return (struct runner *)((char *)in - offsetof(struct runner, in));
}

static void copy_str(char *dst, size_t n, const char *src)
{
	size_t len = strnlen(src, n - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* ---- records --------------------------------------------------------- */

/*
 * An outcome goes without the pages past npages (a call's result has
 * none, an observation a few of MS_GRID_MAX): what the pipe, the runner's
 * reads and its copies carry shrinks to a tenth and less.
 */
uint32_t ms__msg_len(struct ms__msg *msg)
{
	size_t len = offsetof(struct ms__msg, out);
	int n = msg->out.npages;

	if (msg->kind == MS__MSG_OUTCOME) {
		if (n < 0 || n > MS_GRID_MAX)
			n = MS_GRID_MAX;
		len = offsetof(struct ms__msg, pages) +
		      (size_t)n * sizeof(struct ms_page);
	}
	msg->len = (uint32_t)len;
	return msg->len;
}

long ms__msg_take(const char *buf, size_t have, struct ms__msg *msg)
{
	const size_t head = offsetof(struct ms__msg, out);
	uint32_t len;

	if (have < sizeof(len))
		return 0;
	memcpy(&len, buf, sizeof(len));
	if (len < head || len > sizeof(*msg))
		return -1;
	if (have < len)
		return 0;
	memcpy(msg, buf, len);
	memset((char *)msg + len, 0, sizeof(*msg) - len);
	if (msg->kind == MS__MSG_OUTCOME) {
		if (len < offsetof(struct ms__msg, pages) ||
		    msg->out.npages < 0 || msg->out.npages > MS_GRID_MAX ||
		    len != offsetof(struct ms__msg, pages) +
				   (size_t)msg->out.npages *
					   sizeof(struct ms_page))
			return -1;
		msg->out.pages = msg->out.npages ? msg->pages : NULL;
	}
	return len;
}

static void send_msg(struct runner *r)
{
	/* The runner is gone (killed on timeout): nobody is listening. */
	if (ms__sys_write_all(r->out_fd, &r->msg, ms__msg_len(&r->msg)) < 0)
		ms__exit(MS__EXIT_BROK);
}

static int k_emit(struct ms__interp *in, const struct ms_outcome *o)
{
	struct runner *r = runner_of(in);

	memset(&r->msg, 0, offsetof(struct ms__msg, out));
	r->msg.kind = MS__MSG_OUTCOME;
	r->msg.out = *o;
	r->msg.out.pages = NULL;
	if (o->npages > 0 && o->npages <= MS_GRID_MAX && o->pages)
		memcpy(r->msg.pages, o->pages,
		       sizeof(o->pages[0]) * (size_t)o->npages);
	send_msg(r);
	return 0;
}

/*
 * Ends the scenario process the way status st says: a BROK record with
 * the interpreter's reason first, unless a fork child already sent one.
 */
static void __attribute__((noreturn)) finish(struct runner *r, int st)
{
	switch (st) {
	case MS__STOP_DONE:
	case MS__STOP_END:
		ms__exit(MS__EXIT_DONE);
	case MS__STOP_SETUP:
		ms__exit(MS__EXIT_SETUP);
	default:
		break;
	}
	if (!r->in.reported) {
		memset(&r->msg, 0, offsetof(struct ms__msg, out));
		r->msg.kind = MS__MSG_BROK;
		r->msg.append_last = r->in.append_last;
		copy_str(r->msg.reason, sizeof(r->msg.reason), r->in.reason);
		send_msg(r);
	}
	ms__exit(MS__EXIT_BROK);
}

/* BROK "step N (line L): what[: ERRNO]" and exit, for the kernel's own
 * plumbing. */
static void __attribute__((noreturn))
brok(struct runner *r, int step, const char *what, int64_t err)
{
	finish(r, ms__interp_brok(&r->in, step, what, err));
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
	if (ms__sys_write_all(r->out_fd, &r->msg, ms__msg_len(&r->msg)) < 0) {
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
static long shm_create_held(struct runner *r, uint64_t size);

static long shm_create(struct runner *r, uint64_t size)
{
	long id, marked = 0;

	if (r->here)
		return shm_create_held(r, size);
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
 * shmget(size) in the executor, where no runner holds segments: the
 * executor holds each one itself, with a read-only attach the kernel
 * places outside the arena, and marks it for removal at once, with the
 * death signal deferred in between as above.  Its cleanup detaches the
 * hold after the program (executor.c), and a killed executor's attaches
 * go with it, so the segment never outlives the executor.
 */
static long shm_create_held(struct runner *r, uint64_t size)
{
	struct ms__here *h = r->here;
	long id, at = 0;

	if (ms__sys_death_defer(r->parent) < 0)
		ms__exit(MS__EXIT_BROK);
	id = ms__sys_shmget(size);
	if (id >= 0) {
		at = ms__sys_shmat(id, 0, SHM_RDONLY);
		ms__sys_shm_rmid(id);
		if (at >= 0 && h->nheld < MS__HELD_MAX)
			h->held[h->nheld++] = (uint64_t)at;
	}
	if (!ms__sys_parent_is(r->parent))
		ms__exit(MS__EXIT_BROK);
	ms__sys_death_resume();
	if (at < 0)
		brok(r, -1, "cannot hold a SysV segment the program made", at);
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
	if (pages >= 0 && (uint64_t)pages * (uint64_t)r->in.ps + grow > soft)
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
	long ps = r->in.ps;

	uint64_t u0 = (uint64_t)a[0], u1 = (uint64_t)a[1];

	switch (s->call) {
	case MS_CALL_MMAP:
		if (!(a[3] & MAP_ANONYMOUS) && s->nargs > 4 &&
		    !fd_is_own(r, a[4]))
			return -EBADF;
		return ms__sys_mmap(u0, u1, a[2], a[3],
				    s->nargs > 4 ? a[4] : -1, a[5]);
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
		    (werr = ms__wait_aio_free_ring(u0, ps)) < 0)
			brok(r, (int)(s - r->in.p->steps),
			     werr == -ETIMEDOUT ?
				     "the kernel had not freed the aio ring's "
				     "pages 5 s after io_destroy()" :
				     "waiting for the aio ring's teardown",
			     werr == -ETIMEDOUT ? 0 : werr);
		return ret;
	}
	case MS_CALL_MEMFD: {
		long fd = ms__sys_memfd(u0, str[1], ps);

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
		*faulted = touch(u0, str[1], 0, true, ps);
		return 0;
	case MS_CALL_READ:
		*faulted = touch(u0, "", u1, false, ps);
		return 0;
	case MS_CALL_PROC_MEM_WRITE:
		return ms__sys_proc_mem_write(u0, str[1], ps);
	case MS_CALL_PTRACE_POKE:
		return ms__sys_ptrace_poke(u0, str[1], ps);
	case MS_CALL_PROCESS_VM_WRITE:
		return ms__sys_process_vm_write(u0, str[1], ps);
	case MS_CALL_UFFD_REGISTER:
		return ms__sys_uffd_register(u0, u1);
	case MS_CALL_UFFD_COPY:
		return ms__sys_uffd_copy(u0, str[1], ps);
	case MS_CALL_SEALED_VMAS:
		return ms__sealed_vmas();
	case MS_CALL_UFFD_MOVE:
		return ms__sys_uffd_move(u0, u1, (uint64_t)a[2]);
	case MS_CALL_PROCESS_MADVISE_PARENT:
		return ms__sys_process_madvise_parent(u0, u1, a[2]);
	case MS_CALL_USE_MAP_SLOTS:
		return ms__use_map_slots(u0, u1, a[2], ps);
	case MS_CALL_PKEY_SET:
		return ms__sys_pkey_set(a[0], a[1]);
	case MS_CALL_FTRUNCATE:
		if (!fd_is_own(r, a[0]))
			return -EBADF;
		return ms__sys_ftruncate((int)a[0], u1);
	case MS_CALL_FALLOCATE:
		if (!fd_is_own(r, a[0]))
			return -EBADF;
		return ms__sys_fallocate(a[0], a[1], (uint64_t)a[2],
					 (uint64_t)a[3]);
	case MS_CALL_PWRITE:
		if (!fd_is_own(r, a[0]))
			return -EBADF;
		return ms__sys_pwrite_pattern(a[0], str[1], (uint64_t)a[2], ps);
	case MS_CALL_PROC_MEM_READ:
		return ms__sys_proc_mem_read(u0, u1);
	case MS_CALL_PROCESS_MADVISE2:
		return ms__sys_process_madvise2(u0, u1, (uint64_t)a[2],
						(uint64_t)a[3], a[4]);
	case MS_NCALLS:
		break;
	}
	return -ENOSYS;
}

/* ---- the backend's operations ----------------------------------------- */

static int64_t k_call(struct ms__interp *in, int i, const int64_t *a,
		      const char *const *str, int *signo, uint64_t *fault_addr,
		      bool *stop)
{
	struct runner *r = runner_of(in);
	const struct ms_step *s = &in->p->steps[i];
	bool faulted = false;
	int64_t ret;

	(void)stop; /* the kernel's own limits end the process (brok) */
	if (r->here && r->here->time_calls) {
		int64_t t0 = ms__now_ns_raw();

		ret = do_syscall(r, s, a, str, &faulted);
		r->here->call_ns += (uint64_t)(ms__now_ns_raw() - t0);
	} else {
		ret = do_syscall(r, s, a, str, &faulted);
	}
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
					 (uint64_t)pages * (uint64_t)in->ps :
					 0);
		break;
	}
	default:
		break;
	}
	if (faulted) {
		*signo = fault_sig;
		*fault_addr = fault_at;
	}
	return ret;
}

static int k_observe(struct ms__interp *in, uint64_t addr, int npages,
		     enum ms__observe_data data, struct ms_page *pages)
{
	return ms__observe(addr, npages, in->ps, data, pages);
}

static void k_observe_hold(struct ms__interp *in, bool hold)
{
	(void)in;
	ms__observe_hold(hold);
}

/* The VMA's bounds alone: PROCMAP_QUERY where the kernel has it. */
static uint64_t k_region_size(struct ms__interp *in, uint64_t addr)
{
	struct ms__vma v;
	uint64_t start, end;
	int err = ms__query_vma(addr, false, &start, &end);

	(void)in;
	if (err == 0)
		return end - addr;
	if (err != -ENOTTY || ms__find_vma(addr, &v) < 0)
		return 0;
	return v.end - addr;
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
 * fork: a real one.  The child waits until the parent has recorded the
 * fork step (wait_child releases it), so that the fork comes before the
 * block's outcomes in the trace.
 */
static int k_fork(struct ms__interp *in, int i)
{
	struct runner *r = runner_of(in);
	int sync[2], err;
	pid_t pid, self = ms__sys_getpid();
	char c = 0;

	(void)i;
	err = ms__sys_pipe(sync);
	if (err < 0)
		return err;
	pid = ms__sys_fork_bound();
	if (pid == 0) {
		r->parent = self;
		ms__sys_close(sync[1]);
		ms__sys_read(sync[0], &c, 1);
		ms__sys_close(sync[0]);
		return MS__FORK_CHILD;
	}
	ms__sys_close(sync[0]);
	if (pid < 0) {
		ms__sys_close(sync[1]);
		return (int)pid;
	}
	r->child = pid;
	r->sync_w = sync[1];
	return MS__FORK_PARENT;
}

static int k_child_exit(struct ms__interp *in, int st)
{
	finish(runner_of(in), st);
}

static int k_wait_child(struct ms__interp *in, int i, int end)
{
	struct runner *r = runner_of(in);
	struct ms__sbuf b = { in->reason, 0, sizeof(in->reason) };
	int status = 0, err;
	char c = 0;

	(void)i;
	ms__sys_write_all(r->sync_w, &c, 1);
	ms__sys_close(r->sync_w);
	err = ms__sys_wait(r->child, &status, 0);
	if (err < 0)
		return ms__interp_brok(in, end, "waitpid", err);
	if (WIFEXITED(status) && WEXITSTATUS(status) == MS__EXIT_DONE)
		return MS__STOP_END;
	/* The child already said why: pass its verdict up. */
	if (WIFEXITED(status) && WEXITSTATUS(status) == MS__EXIT_SETUP)
		return MS__STOP_SETUP;
	if (WIFEXITED(status) && WEXITSTATUS(status) == MS__EXIT_BROK) {
		in->reported = true;
		return MS__STOP_BROK;
	}
	in->reason[0] = '\0';
	in->append_last = true;
	if (WIFSIGNALED(status)) {
		ms__sb_str(&b, "fork child killed by ");
		ms__sb_str(&b, ms__signal_name(WTERMSIG(status)));
	} else {
		ms__sb_str(&b, "fork child exited with status ");
		ms__sb_int(&b, WEXITSTATUS(status));
	}
	return MS__STOP_BROK;
}

static void put_handoff_fd(char *buf, int fd)
{
	struct ms__sbuf b = { buf, 0, 16 };

	buf[0] = '\0';
	ms__sb_int(&b, fd);
}

/*
 * Is every call after step i that states no result a recorded one?  The
 * printed text has no spelling for a recorded step (a generated program's
 * steps), so the new image marks them again from the handoff.
 */
static int32_t recorded_after(const struct ms_program *p, int i)
{
	bool any = false;

	for (int k = i + 1; k < p->nsteps; k++) {
		const struct ms_step *s = &p->steps[k];

		if (s->kind != MS_STEP_CALL || s->nresults > 0)
			continue;
		if (!s->record)
			return 0;
		any = true;
	}
	return any;
}

/*
 * exec: the handoff header goes in front of the program text the runner
 * stored in the memfd, the pipe and the memfd lose close-on-exec, and the
 * process becomes a fresh sealspec image that resumes after step i.
 */
static int k_exec(struct ms__interp *in, int i)
{
	struct runner *r = runner_of(in);
	struct ms__handoff h;
	char fdbuf[16];
	char *argv[] = { "sealspec", MS_EXEC_ARGV1, fdbuf, NULL };

	if (r->text_fd < 0)
		brok(r, i, "exec: no program text to hand over", 0);
	memset(&h, 0, sizeof(h));
	h.magic = MS__HANDOFF_MAGIC;
	h.exec_step = i;
	h.out_fd = r->out_fd;
	h.depth = in->depth;
	h.snapshots = in->snapshots;
	h.data_route = (int32_t)r->data_route;
	h.data_route_forced = r->data_route_forced;
	h.record_after = recorded_after(in->p, i);
	h.nsteps = in->p->nsteps;
	h.nnames = in->p->nnames;
	h.parent = r->parent;
	h.lock_lowered = r->lock_lowered;
	h.arena = in->arena;
	h.slot_off = in->slot_off;
	for (int n = 0; n < MS_NAMES_MAX; n++) {
		h.values[n] = in->n.values[n];
		h.sizes[n] = in->n.sizes[n];
		h.bound[n] = in->n.bound[n];
	}
	memcpy(h.own_fds, r->own_fds, sizeof(h.own_fds));
	/* A descriptor the exec closes is no longer the scenario's: its
	 * number may come back as one of the new image's own. */
	for (int fd = 0; fd < MS__FDS_MAX; fd++)
		if (fd_is_own(r, fd) && ms__sys_fd_cloexec(fd) != 0)
			h.own_fds[fd / 8] &= (uint8_t)~(1u << (fd % 8));
	h.text_len = r->text_len;
	copy_str(h.file, sizeof(h.file), in->p->file);
	if (ms__sys_pwrite(r->text_fd, &h, sizeof(h), 0) != sizeof(h))
		brok(r, i, "exec: cannot write the handoff", 0);
	ms__sys_cloexec(r->out_fd, false);
	ms__sys_cloexec(r->text_fd, false);
	put_handoff_fd(fdbuf, r->text_fd);
	/* Its tracee is about to get another mm: the new image starts its
	 * own reader if it needs one. */
	ms__memreader_stop();
	return ms__sys_execve("/proc/self/exe", argv);
}

static const struct ms__backend_ops kernel_ops = {
	.call = k_call,
	.observe = k_observe,
	.observe_hold = k_observe_hold,
	.region_size = k_region_size,
	.fork = k_fork,
	.child_exit = k_child_exit,
	.wait_child = k_wait_child,
	.exec = k_exec,
	.emit = k_emit,
};

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

	r->in.ops = &kernel_ops;
	r->in.p = s->p;
	r->in.ps = sysconf(_SC_PAGESIZE);
	r->in.arena = MS__ARENA_BASE;
	r->in.snapshots = s->snapshots;
	r->out_fd = s->out_fd;
	r->text_fd = s->text_fd;
	r->text_len = s->text_len;
	r->parent = s->parent;
	r->lock_lowered = s->lock_lowered;
	r->data_route = s->data_route;
	r->data_route_forced = s->data_route_forced;
	scenario_prepare(r);

	/* The arena must be free, or slot hints would land elsewhere. */
	got = ms__sys_mmap(r->in.arena, MS__ARENA_SIZE, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
				   MAP_FIXED_NOREPLACE,
			   -1, 0);
	if (got != (long)r->in.arena) {
		if (got >= 0)
			ms__sys_munmap((uint64_t)got, MS__ARENA_SIZE);
		brok(r, -1, "the arena at 0x200000000000 is not free",
		     got < 0 ? got : 0);
	}
	ms__sys_munmap(r->in.arena, MS__ARENA_SIZE);
	err = ms__limit_map(s->max_map);
	if (err < 0)
		brok(r, -1, "cannot limit the address space", err);

	/* So that "h = brk(0)" is page aligned. */
	brk0 = ms__sys_brk(0);
	if (brk0 > 0 && (brk0 & (r->in.ps - 1)))
		ms__sys_brk(ms__page_up((uint64_t)brk0, r->in.ps));

	finish(r, ms__interp_run(&r->in, 0));
}

/* ---- many programs in one process (executor.c) ----------------------- */

static struct runner here_runner;

int ms__scenario_prepare_here(int out_fd, pid_t parent, bool lock_lowered,
			      enum ms_data_route route, bool route_forced)
{
	struct runner *r = &here_runner;

	r->in.ops = &kernel_ops;
	r->in.ps = sysconf(_SC_PAGESIZE);
	r->out_fd = out_fd;
	r->text_fd = -1;
	r->parent = parent;
	r->lock_lowered = lock_lowered;
	r->data_route = route;
	r->data_route_forced = route_forced;
	scenario_prepare(r);
	return 0;
}

/*
 * As ms__scenario_main() after its checks, with the interpreter's state
 * fresh for each program and the end returned: a BROK record is sent as
 * finish() would, but the process goes on (unless the kernel's own
 * plumbing ended it, as brok() does everywhere).
 */
int ms__scenario_run_here(struct ms__here *h)
{
	struct runner *r = &here_runner;
	int st;

	memset(&r->in.n, 0, sizeof(r->in.n));
	r->in.p = h->p;
	r->in.arena = h->arena;
	r->in.slot_off = 0;
	r->in.depth = 0;
	r->in.snapshots = h->snapshots;
	r->in.held = false;
	r->in.reason[0] = '\0';
	r->in.append_last = false;
	r->in.reported = false;
	r->here = h;
	h->call_ns = 0;
	h->nheld = 0;
	st = ms__interp_run(&r->in, 0);
	if (st == MS__STOP_BROK && !r->in.reported) {
		memset(&r->msg, 0, offsetof(struct ms__msg, out));
		r->msg.kind = MS__MSG_BROK;
		r->msg.append_last = r->in.append_last;
		copy_str(r->msg.reason, sizeof(r->msg.reason), r->in.reason);
		send_msg(r);
	}
	for (int fd = 0; fd < MS__FDS_MAX; fd++)
		if (fd_is_own(r, fd))
			ms__sys_close(fd);
	memset(r->own_fds, 0, sizeof(r->own_fds));
	r->here = NULL;
	return st;
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
	r->in.ops = &kernel_ops;
	r->in.p = &prog;
	if (err < 0) {
		static struct ms_program empty;

		r->in.p = &empty;
		brok(r, -1, "exec: the new image cannot parse the program",
		     err);
	}
	if (prog.nsteps != h.nsteps || prog.nnames != h.nnames ||
	    prog.steps[h.exec_step].kind != MS_STEP_EXEC)
		brok(r, -1, "exec: the reparsed program differs", 0);
	copy_str(prog.file, sizeof(prog.file), h.file);
	for (int k = h.exec_step + 1; h.record_after && k < prog.nsteps; k++)
		if (prog.steps[k].kind == MS_STEP_CALL &&
		    prog.steps[k].nresults == 0)
			prog.steps[k].record = true;

	r->in.ps = sysconf(_SC_PAGESIZE);
	r->in.arena = h.arena;
	r->in.slot_off = h.slot_off;
	r->in.depth = h.depth;
	r->in.snapshots = h.snapshots;
	r->parent = h.parent;
	r->lock_lowered = h.lock_lowered;
	r->data_route = (enum ms_data_route)h.data_route;
	r->data_route_forced = h.data_route_forced;
	for (int n = 0; n < MS_NAMES_MAX; n++) {
		r->in.n.values[n] = h.values[n];
		r->in.n.sizes[n] = h.sizes[n];
		r->in.n.bound[n] = h.bound[n];
	}
	memcpy(r->own_fds, h.own_fds, sizeof(r->own_fds));
	/* The text must still be there if another exec step follows. */
	scenario_prepare(r);
	if (ms__interp_emit_ret(&r->in, h.exec_step, 0) == 0)
		finish(r, ms__interp_run(&r->in, h.exec_step + 1));
	finish(r, MS__STOP_BROK);
}

// SPDX-License-Identifier: MIT
/*
 * The executor (executor.h): one process that runs many programs, for the
 * fuzzer's fast path.  A forked scenario process per program caps a core
 * at some 800 programs a second here; the fork, the exit and the hand-offs
 * around them are most of that.  Sealed mappings can never be removed, so
 * the executor cannot undo a program: it gives each one a window of its
 * own and replaces itself when what is left over could change what a
 * later program sees.
 *
 * Windows.  The executor owns [SPAN_LO, SPAN_HI), 32 TiB above the
 * scenario arena's base and below the binary (a PIE at 85 TiB) and
 * AddressSanitizer's allocator (96 TiB).  Window k is centred on
 * SPAN_HI - (k + 1) GiB (1 GiB aligned, as the arena's base is) and
 * covers REACH (512 MiB) either side; a program runs with its arena base
 * there.  The executor takes only programs whose numbers add up to less
 * than REACH (ms__executor_refuses), so no program reaches outside its
 * window, whatever it computes.  Windows go down: observations read
 * smaps from address 0 up to the pages they need (observe.c), and the
 * windows used before, with whatever sealed VMAs they hold, lie above.
 *
 * After each program (after the reply, so that the worker compares while
 * the executor tidies up):
 *   - the window is unmapped; when something sealed is in it, VMA by VMA:
 *     a sealed VMA stays (unlocked, MADV_DONTFORK where allowed) and the
 *     next program gets the next window down; otherwise the same window;
 *   - the SysV attaches that held the program's segments are detached
 *     (exec.c marks each segment for removal as it is made);
 *   - descriptors the program made are closed (exec.c);
 *   - every VMA outside the span is compared with the executor's own at
 *     start: one the program made (a region the kernel placed) is unmapped
 *     or, sealed, kept as if it were the executor's.
 * The executor exits (to be started again) when it cannot put back what
 * the next program would see: a program used the vDSO (moved, sealed,
 * written: decided before it runs); its own VMAs changed; locked memory
 * is left; more than LEFTOVER_MAX sealed VMAs, a quarter of --max-map or
 * the sealed leftovers of SHM_LEFT_MAX programs that made a SysV segment
 * are left; the windows ran out.
 *
 * Programs it never takes (a scenario process runs them, as the catalog):
 * those with a call whose state belongs to the whole process, which the
 * cleanup cannot put back:
 *   exec                 replaces the image
 *   brk                  the program break
 *   mlockall, munlockall every VMA, and those mapped later
 *   pkey_*               protection keys are allocated per process, and
 *                        pkey_set writes the thread's PKRU
 *   uffd_*               the process's userfaultfd
 *   io_setup, io_destroy the process's aio contexts, the system's
 *                        fs.aio-max-nr, a teardown that runs later
 *   ptrace_poke          PR_SET_PTRACER, a helper process
 *   sealed_vmas          counts every sealed VMA of the process
 *   use_map_slots        the process's VMA budget
 * fork is taken: the child is gone before the program ends, and what the
 * parent keeps of it (copy-on-write pages, anon_vma chains of the VMAs
 * that existed) belongs to VMAs no later program observes.
 *
 * A program that crashes the executor, hangs it (the timeout) or makes it
 * say BROK is not judged here: the executor is killed and replaced, and
 * the caller runs the program in a scenario process, so no verdict comes
 * from a broken executor.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "kernel/executor.h"
#include "kernel/kernel.h"

#define SPAN_LO MS__ARENA_BASE
#define SPAN_HI 0x400000000000ULL
#define STRIDE (1ULL << 30)
#define REACH (STRIDE / 2)
#define NWINDOWS ((SPAN_HI - SPAN_LO) / STRIDE - 1)

/* The longest program it takes, and the memfd that carries it. */
#define PROG_STEPS_MAX 2048
#define PROG_MAX \
	(sizeof(struct ms_program) + PROG_STEPS_MAX * sizeof(struct ms_step))

/*
 * Sealed VMAs left over before the executor is replaced; and programs
 * that made a SysV segment and left a sealed VMA, which may be an attach
 * that keeps the segment (and a slot of the system's kernel.shmmni).
 */
#define LEFTOVER_MAX 512
#define SHM_LEFT_MAX 64
/* The executor's own VMAs (outside the span), and kept leftovers there. */
#define OWN_MAX 512

#define REQ_MAGIC 0x65786563U /* "exec" */
#define DEFAULT_TIMEOUT_MS 10000
#define DEFAULT_MAX_MAP (1ULL << 30)
#define DEFAULT_MAX_LOCK (64ULL << 20)
#define RECORD_PIPE_SIZE (1 << 20)

/* Exit codes of the executor besides MS__EXIT_*: replaced between
 * programs, for one of these reasons; or it cannot work here. */
enum recycle { RC_VDSO, RC_LEFTOVERS, RC_LOCKED, RC_OWN, RC_N };
#define EXIT_RECYCLE 20
#define EXIT_UNSUPPORTED 30

/* Its descriptors. */
#define EX_REC 3
#define EX_SOCK 4
#define EX_PROG 5

struct req {
	uint32_t magic;
	uint32_t seq;
	uint64_t program_len;
	int32_t snapshots;
	int32_t time_calls;
	int32_t recycle_after;	/* the program used the vDSO */
	int32_t locks;		/* it may lock memory */
};

struct rep {
	uint32_t magic;
	uint32_t seq;
	int32_t st;		/* MS__STOP_* */
	int32_t leftovers;	/* sealed VMAs left, all told */
	uint64_t arena;		/* the window's base */
	uint64_t call_ns;
};

/* ---- which programs ------------------------------------------------- */

static bool is_process_wide(enum ms_call c)
{
	switch (c) {
	case MS_CALL_BRK:
	case MS_CALL_MLOCKALL:
	case MS_CALL_MUNLOCKALL:
	case MS_CALL_PKEY_ALLOC:
	case MS_CALL_PKEY_FREE:
	case MS_CALL_PKEY_MPROTECT:
	case MS_CALL_PKEY_SET:
	case MS_CALL_UFFD_REGISTER:
	case MS_CALL_UFFD_COPY:
	case MS_CALL_UFFD_MOVE:
	case MS_CALL_IO_SETUP:
	case MS_CALL_IO_DESTROY:
	case MS_CALL_PTRACE_POKE:
	case MS_CALL_SEALED_VMAS:
	case MS_CALL_USE_MAP_SLOTS:
		return true;
	default:
		return false;
	}
}

/* Calls that only look at memory: the vDSO may be their argument. */
static bool only_looks(enum ms_call c)
{
	return c == MS_CALL_READ || c == MS_CALL_MINCORE ||
	       c == MS_CALL_PROC_MEM_READ;
}

/* Adds what e, of p, can add to an address or a length; false past REACH. */
static bool add_reach(const struct ms_program *p, const struct ms_expr *e,
		      long ps, uint64_t *reach)
{
	const struct ms_term *t = ms_expr_terms(p, e);

	for (int k = 0; t && k < e->nterms && k < MS_EXPR_MAX; k++) {
		int64_t v = t[k].num;
		uint64_t m = v < 0 ? -(uint64_t)v : (uint64_t)v;

		if (t[k].kind == MS_TERM_PAGES) {
			if (m > REACH / (uint64_t)ps)
				return false;
			m *= (uint64_t)ps;
		} else if (t[k].kind != MS_TERM_NUM) {
			continue;
		}
		if (m > REACH || *reach + m > REACH)
			return false;
		*reach += m;
	}
	return true;
}

const char *ms__executor_refuses(const struct ms_program *p, long ps,
				 bool *recycle_after)
{
	bool vdso[MS_NAMES_MAX] = { false };
	uint64_t reach = 0;

	*recycle_after = false;
	if (p->nsteps > PROG_STEPS_MAX)
		return "longer than the executor takes";
	for (int i = 0; i < p->nsteps; i++) {
		const struct ms_step *s = &p->steps[i];

		if (s->kind == MS_STEP_EXEC)
			return "exec";
		if (s->kind == MS_STEP_EXPECT &&
		    !add_reach(p, &s->where, ps, &reach))
			return "reaches beyond its window";
		if (s->kind != MS_STEP_CALL)
			continue;
		if ((unsigned)s->call >= MS_NCALLS)
			return "an unknown call";
		if (is_process_wide(s->call))
			return ms_call_desc[s->call].name;
		/* Every call may leave a slot's gap behind its region. */
		reach += (MS__SLOT_GAP_PAGES + 1) * (uint64_t)ps;
		for (int k = 0; k < s->nargs && k < MS_ARGS_MAX; k++) {
			const struct ms_expr *e = &s->args[k].expr;
			const struct ms_term *t;

			if (s->args[k].kind != MS_ARG_EXPR)
				continue;
			if (!add_reach(p, e, ps, &reach))
				return "reaches beyond its window";
			t = ms_expr_terms(p, e);
			for (int j = 0; t && j < e->nterms && j < MS_EXPR_MAX;
			     j++)
				if (t[j].kind == MS_TERM_NAME && t[j].name >= 0 &&
				    t[j].name < MS_NAMES_MAX &&
				    vdso[t[j].name] && !only_looks(s->call))
					*recycle_after = true;
		}
		if (s->call == MS_CALL_VDSO && s->bind >= 0 &&
		    s->bind < MS_NAMES_MAX)
			vdso[s->bind] = true;
	}
	return reach > REACH ? "reaches beyond its window" : NULL;
}

/* ---- the executor process ------------------------------------------ */

struct range {
	uint64_t start, end;
};

static int maps_fd = -1;
static long ps;

/* The first VMA that ends above addr: 1 (in *v), 0 when none, -errno. */
static int next_vma(uint64_t addr, struct range *v)
{
	struct procmap_query q;
	long r;

	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA;
	q.query_addr = addr;
	r = ms__sys_ioctl(maps_fd, PROCMAP_QUERY, &q);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return (int)r;
	v->start = q.vma_start;
	v->end = q.vma_end;
	return 1;
}

/* The executor's own VMAs outside the span, in address order. */
static struct range own[OWN_MAX];
static int nown;
static uint64_t stack_end;	/* the stack's VMA may grow down */
static int leftovers;		/* all told */
static int kept;		/* by the last program */
static int shm_left;		/* programs that may have left a segment */
static long base_pages;
static uint64_t max_map;

/* A VMA that stays: unlocked (allowed under a seal) and, where a seal
 * allows it, left out of fork children (a fork step copies it less). */
static void keep(const struct range *v)
{
	ms__sys_munlock(v->start, v->end - v->start);
	ms__sys_madvise(v->start, v->end - v->start, MADV_DONTFORK);
	leftovers++;
	kept++;
}

/*
 * Unmaps [lo, hi), VMA by VMA when something in it is sealed.  Returns
 * how many VMAs stay, or -errno.
 */
static int clean_window(uint64_t lo, uint64_t hi)
{
	struct range v;
	uint64_t addr = lo;
	int n = 0, r;

	if (ms__sys_munmap(lo, hi - lo) == 0)
		return 0;
	while ((r = next_vma(addr, &v)) == 1 && v.start < hi) {
		if (ms__sys_munmap(v.start, v.end - v.start) < 0) {
			keep(&v);
			n++;
		}
		addr = v.end;
	}
	return r < 0 ? r : n;
}

static bool add_own(const struct range *v, int at)
{
	if (nown >= OWN_MAX)
		return false;
	memmove(&own[at + 1], &own[at], sizeof(own[0]) * (size_t)(nown - at));
	own[at] = *v;
	nown++;
	return true;
}

/*
 * Every VMA outside the span against the executor's own: what the program
 * made there goes (or stays, sealed, as the executor's own from now on).
 * false when one of the executor's own changed.
 */
static bool clean_outside(void)
{
	struct range v;
	uint64_t addr = 0;
	int i = 0, r;

	while ((r = next_vma(addr, &v)) == 1) {
		addr = v.end;
		/* The windows, and what stays in them: not ours to look at. */
		if (v.start >= SPAN_LO && v.end <= SPAN_HI) {
			addr = SPAN_HI;
			continue;
		}
		if (i < nown && v.end == own[i].end &&
		    (v.start == own[i].start || v.end == stack_end)) {
			own[i++].start = v.start;
			continue;
		}
		if (i < nown && v.end > own[i].start)
			return false;	/* overlaps one of ours: changed */
		/* The program's. */
		if (ms__sys_munmap(v.start, v.end - v.start) == 0)
			continue;
		keep(&v);
		if (!add_own(&v, i++))
			return false;
	}
	return r == 0 && i == nown;
}

static void __attribute__((noreturn)) recycle(enum recycle why)
{
	ms__exit(EXIT_RECYCLE + (int)why);
}

/* After a program: see the file's head comment.  *k is the window. */
static void clean_up(const struct req *rq, struct ms__here *h, uint64_t *k)
{
	uint64_t base = SPAN_HI - (*k + 1) * STRIDE;
	int left;

	kept = 0;
	for (int i = 0; i < h->nheld; i++)
		ms__sys_shmdt(h->held[i]);
	left = clean_window(base - REACH, base + REACH);
	if (left < 0)
		recycle(RC_OWN);
	if (!clean_outside())
		recycle(RC_OWN);
	if (rq->recycle_after)
		recycle(RC_VDSO);
	if (left > 0 && ++*k >= NWINDOWS)
		recycle(RC_LEFTOVERS);
	if (kept && h->nheld)
		shm_left++;
	if (leftovers > LEFTOVER_MAX || shm_left > SHM_LEFT_MAX)
		recycle(RC_LEFTOVERS);
	if (kept && rq->locks && ms__sys_locked_bytes() != 0)
		recycle(RC_LOCKED);
	if (kept) {
		long pages = ms__sys_vm_pages();

		if (pages < 0 || (uint64_t)(pages - base_pages) *
						 (uint64_t)ps > max_map / 4)
			recycle(RC_LEFTOVERS);
	}
}

struct start {
	int sock, rec, prog;
	pid_t parent;
	uint64_t max_map, max_lock;
	enum ms_data_route route;
	bool route_forced;
};

/* The executor's own VMAs, and that its span is free. */
static int take_stock(void)
{
	struct range v;
	uint64_t addr = 0;
	int r;

	while ((r = next_vma(addr, &v)) == 1) {
		if (v.start < SPAN_HI && v.end > SPAN_LO)
			return -EEXIST;
		if (nown >= OWN_MAX)
			return -E2BIG;
		own[nown++] = v;
		if ((uintptr_t)&v >= v.start && (uintptr_t)&v < v.end)
			stack_end = v.end;
		addr = v.end;
	}
	return r;
}

static void __attribute__((noreturn)) executor_main(const struct start *s)
{
	static struct ms_program prog;
	static struct ms__here h;
	int rec = ms__sys_dup_above(s->rec, 10);
	int sock = ms__sys_dup_above(s->sock, 10);
	int pfd = ms__sys_dup_above(s->prog, 10);
	int null = ms__sys_open("/dev/null", O_RDWR);
	uint64_t k = 0;
	bool lowered = false;
	long map, brk0;

	ms__sys_setpgid(0, 0);
	/* The worker's handlers and mask are not ours. */
	ms__sys_signals_reset();
	if (rec < 0 || sock < 0 || pfd < 0 || null < 0 ||
	    ms__sys_dup_to(rec, EX_REC, true) < 0 ||
	    ms__sys_dup_to(sock, EX_SOCK, true) < 0 ||
	    ms__sys_dup_to(pfd, EX_PROG, true) < 0 ||
	    ms__sys_dup_to(null, 0, false) < 0 ||
	    ms__sys_dup_to(null, 1, false) < 0)
		ms__exit(MS__EXIT_BROK);
	/* stderr stays the worker's: a sanitizer's report shows. */
	ms__sys_close_from(EX_PROG + 1);
	ps = sysconf(_SC_PAGESIZE);
	ms__sys_setrlimit(RLIMIT_CORE, 0, 0);
	ms__sys_lower_limit(RLIMIT_MEMLOCK, s->max_lock, &lowered);
	ms__sys_lower_limit(RLIMIT_NOFILE, MS__FDS_MAX, NULL);
	map = ms__sys_mmap(0, PROG_MAX, PROT_READ, MAP_SHARED, EX_PROG, 0);
	if (map < 0)
		ms__exit(MS__EXIT_BROK);
	/* So that "h = brk(0)" is page aligned, as in a scenario process. */
	brk0 = ms__sys_brk(0);
	if (brk0 > 0 && (brk0 & (ps - 1)))
		ms__sys_brk(ms__page_up((uint64_t)brk0, ps));
	ms__scenario_prepare_here(EX_REC, s->parent, lowered, s->route,
				  s->route_forced);
	maps_fd = ms__sys_open("/proc/self/maps", O_RDONLY);
	if (maps_fd < 0 || take_stock() < 0)
		ms__exit(EXIT_UNSUPPORTED);
	max_map = s->max_map;
	if (ms__limit_map(max_map) < 0)
		ms__exit(MS__EXIT_BROK);
	base_pages = ms__sys_vm_pages();

	for (;;) {
		struct req rq;
		struct rep rp;
		int fds[MS__SEND_FDS_MAX], nfds;
		long n = ms__sys_recv_fds(EX_SOCK, &rq, sizeof(rq), fds,
					  MS__SEND_FDS_MAX, &nfds);

		for (int i = 0; i < nfds; i++)
			ms__sys_close(fds[i]);
		if (n <= 0)
			ms__exit(MS__EXIT_DONE);	/* the worker is done */
		if (n != sizeof(rq) || rq.magic != REQ_MAGIC ||
		    rq.program_len > PROG_MAX ||
		    ms__wire_view((const char *)(uintptr_t)map,
				  rq.program_len, &prog))
			ms__exit(MS__EXIT_USAGE);

		memset(&h, 0, sizeof(h));
		h.p = &prog;
		h.arena = SPAN_HI - (k + 1) * STRIDE;
		h.snapshots = rq.snapshots;
		h.time_calls = rq.time_calls;
		memset(&rp, 0, sizeof(rp));
		rp.st = ms__scenario_run_here(&h);
		rp.magic = REQ_MAGIC;
		rp.seq = rq.seq;
		rp.arena = h.arena;
		rp.call_ns = h.call_ns;
		rp.leftovers = leftovers;
		if (ms__sys_send_fds(EX_SOCK, &rp, sizeof(rp), NULL, 0) < 0)
			ms__exit(MS__EXIT_DONE);
		clean_up(&rq, &h, &k);
	}
}

/* ---- the worker's side ------------------------------------------------ */

static struct {
	pid_t pid;
	int sock, rec;
	int64_t since;		/* for the SysV sweep after a kill */
	uint32_t seq;
	bool unsupported;	/* no PROCMAP_QUERY, or the span is taken */
	int failures;		/* programs in a row it could not judge */
} ex = { 0, -1, -1, 0, 0, false, 0 };

/*
 * An executor that fails this many programs in a row (it cannot set
 * itself up here, say) is given up: a scenario process per program.
 */
#define FAILURES_MAX 8

static int prog_fd = -1;
static char *prog_map;
static struct ms__executor_stats stats;
static volatile sig_atomic_t interrupted;

/* Outcomes one run may bring (as run.c), and the read buffer. */
#define TRACE_MAX 65536
static struct {
	char b[16 * sizeof(struct ms__msg)];
	struct ms__msg msg;	/* the record being taken */
} rbuf;
static size_t rhave;

bool ms__executor_take_anything;

pid_t ms__executor_pid(void)
{
	return ex.pid;
}

void ms__executor_interrupt(void)
{
	interrupted = 1;
}

void ms__executor_get_stats(struct ms__executor_stats *s)
{
	*s = stats;
}

static bool is_recycle(int status)
{
	return WIFEXITED(status) && WEXITSTATUS(status) >= EXIT_RECYCLE &&
	       WEXITSTATUS(status) < EXIT_RECYCLE + RC_N;
}

/*
 * Kills the executor's process group and reaps the executor (one that has
 * begun to exit keeps its exit status): its wait status.
 */
static int end_executor(void)
{
	int status = 0;

	if (!ex.pid)
		return 0;
	ms__sys_close(ex.sock);
	ms__sys_close(ex.rec);
	ex.sock = ex.rec = -1;
	ms__sys_kill(-ex.pid, SIGKILL);
	ms__sys_kill(ex.pid, SIGKILL);
	ms__sys_wait(ex.pid, &status, 0);
	/* A segment between shmget() and its mark, if it died there. */
	if (!is_recycle(status) && !(WIFEXITED(status) &&
				     WEXITSTATUS(status) == MS__EXIT_DONE))
		ms__sys_shm_remove_created_by(ex.pid, ex.since);
	ex.pid = 0;
	return status;
}

void ms__executor_stop(void)
{
	end_executor();
}

/* The memfd programs travel in, mapped here: 0 or -errno. */
static int program_memfd(void)
{
	long m;
	int err;

	if (prog_fd >= 0)
		return 0;
	prog_fd = ms__sys_memfd_create("sealspec-executor", MFD_CLOEXEC);
	if (prog_fd < 0)
		return prog_fd;
	err = ms__sys_ftruncate(prog_fd, PROG_MAX);
	m = err ? err : ms__sys_mmap(0, PROG_MAX, PROT_READ | PROT_WRITE,
				     MAP_SHARED, prog_fd, 0);
	if (m < 0) {
		ms__sys_close(prog_fd);
		prog_fd = -1;
		return (int)m;
	}
	prog_map = (char *)(uintptr_t)m;
	return 0;
}

static int start_executor(const struct ms_kernel_info *ki,
			  const struct ms_kernel_opts *o)
{
	struct start s;
	int sv[2], rp[2], err;
	pid_t pid;

	err = ms__sys_seqpacket_pair(sv);
	if (err < 0)
		return err;
	err = ms__sys_pipe(rp);
	if (err < 0) {
		ms__sys_close(sv[0]);
		ms__sys_close(sv[1]);
		return err;
	}
	ms__sys_pipe_size(rp[1], RECORD_PIPE_SIZE);
	ms__sys_set_nonblock(rp[0]);
	memset(&s, 0, sizeof(s));
	s.sock = sv[1];
	s.rec = rp[1];
	s.prog = prog_fd;
	s.parent = ms__sys_getpid();
	s.max_map = o && o->max_map ? o->max_map : DEFAULT_MAX_MAP;
	s.max_lock = o && o->max_lock ? o->max_lock : DEFAULT_MAX_LOCK;
	s.route = ki->data_route;
	s.route_forced = ki->data_route_forced;
	ex.since = (int64_t)time(NULL) - 1;
	pid = ms__sys_fork_bound();
	if (pid == 0)
		executor_main(&s);
	ms__sys_close(sv[1]);
	ms__sys_close(rp[1]);
	if (pid < 0) {
		ms__sys_close(sv[0]);
		ms__sys_close(rp[0]);
		return pid;
	}
	/* Both sides set the group, so a kill never misses it. */
	ms__sys_setpgid(pid, pid);
	ex.pid = pid;
	ex.sock = sv[0];
	ex.rec = rp[0];
	rhave = 0;
	stats.processes++;
	return 0;
}

/* The records waiting in the pipe, into t (unshifted); brok: a BROK. */
static int read_records(struct ms_trace *t, bool *brok)
{
	for (;;) {
		long r = ms__sys_read(ex.rec, rbuf.b + rhave,
				      sizeof(rbuf.b) - rhave);
		size_t used = 0;

		if (r == -EAGAIN || r == 0)
			return 0;
		if (r < 0)
			return (int)r;
		rhave += (size_t)r;
		for (;;) {
			struct ms__msg *m = &rbuf.msg;
			long n = ms__msg_take(rbuf.b + used, rhave - used, m);

			if (n < 0) {
				/* Garbage on the pipe: nothing more of it. */
				*brok = true;
				used = rhave;
				break;
			}
			if (n == 0)
				break;
			used += (size_t)n;
			if (m->kind == MS__MSG_BROK) {
				*brok = true;
			} else if (m->kind == MS__MSG_OUTCOME) {
				if (t->nout >= TRACE_MAX)
					*brok = true;
				else if (ms_trace_add(t, &m->out) < 0)
					return -ENOMEM;
			}
		}
		memmove(rbuf.b, rbuf.b + used, rhave - used);
		rhave -= used;
	}
}

/* Addresses in the window as they would be in the arena. */
static void shift(uint64_t *a, uint64_t base)
{
	if (*a >= base - REACH && *a < base + REACH)
		*a = *a - base + MS__ARENA_BASE;
}

static void shift_trace(const struct ms_program *p, struct ms_trace *t,
			uint64_t base)
{
	for (int i = 0; i < t->nout; i++) {
		struct ms_outcome *o = &t->out[i];
		const struct ms_step *s = o->step >= 0 && o->step < p->nsteps ?
						  &p->steps[o->step] : NULL;

		if (o->kind == MS_OUT_PAGES)
			shift(&o->addr, base);
		else if (o->kind == MS_OUT_FAULT)
			shift(&o->fault_addr, base);
		else if (o->kind == MS_OUT_RET && o->ret >= 0 && s &&
			 s->kind == MS_STEP_CALL &&
			 (unsigned)s->call < MS_NCALLS &&
			 ms_call_desc[s->call].ret == MS_RET_ADDR)
			shift((uint64_t *)&o->ret, base);
	}
}

/* Whether p may lock memory: mlock, mlock2, mmap(MAP_LOCKED). */
static bool may_lock(const struct ms_program *p)
{
	for (int i = 0; i < p->nsteps; i++) {
		const struct ms_step *s = &p->steps[i];
		const struct ms_term *t;

		if (s->kind != MS_STEP_CALL)
			continue;
		if (s->call == MS_CALL_MLOCK || s->call == MS_CALL_MLOCK2)
			return true;
		if (s->call != MS_CALL_MMAP || s->nargs < 4 ||
		    s->args[3].kind != MS_ARG_EXPR)
			continue;
		t = ms_expr_terms(p, &s->args[3].expr);
		for (int k = 0; t && k < s->args[3].expr.nterms; k++)
			if (t[k].kind != MS_TERM_SYM ||
			    strcmp(ms_text(p, t[k].text), "MAP_LOCKED") == 0)
				return true;
	}
	return false;
}

/* Writes p where the executor maps it: 0, or -E2BIG. */
static int put_program(const struct ms_program *p, uint64_t *len)
{
	struct ms__wire_part part[MS__WIRE_PARTS];
	uint64_t off = 0;

	if (ms__wire_parts(p, part, len) || *len > PROG_MAX)
		return -E2BIG;
	for (int i = 0; i < MS__WIRE_PARTS; i++) {
		if (!part[i].len)	/* an empty part may have no buffer */
			continue;
		memcpy(prog_map + off, part[i].data, part[i].len);
		off += part[i].len;
	}
	return 0;
}

enum wait_end { W_REPLY, W_DIED, W_HUNG };

/*
 * Waits for the reply.  Records are read when it has come, not as they
 * arrive (a wakeup per record would cost both processes a context switch
 * several times a program), and every RECORD_READ_MS meanwhile, so that a
 * program that writes more than the pipe holds never waits long.
 */
#define RECORD_READ_MS 5

static int wait_reply(const struct req *rq, int timeout_ms, struct rep *rp,
		      struct ms_trace *t, bool *brok, int *how)
{
	int64_t deadline = ms__now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pf = { ex.sock, POLLIN, 0 };
		int64_t left = deadline - ms__now_ms();
		int n, err;

		if (interrupted)
			return -EINTR;
		if (left <= 0) {
			*how = W_HUNG;
			return 0;
		}
		n = ms__sys_poll(&pf, 1, left > RECORD_READ_MS ?
						 RECORD_READ_MS : (int)left);
		if (n < 0 && n != -EINTR)
			return n;
		err = read_records(t, brok);
		if (err)
			return err;
		if (n <= 0)
			continue;
		if (pf.revents & POLLIN) {
			int fds[MS__SEND_FDS_MAX], nfds;
			long r = ms__sys_recv_fds(ex.sock, rp, sizeof(*rp), fds,
						  MS__SEND_FDS_MAX, &nfds);

			for (int i = 0; i < nfds; i++)
				ms__sys_close(fds[i]);
			*how = r == sizeof(*rp) && rp->magic == REQ_MAGIC &&
					       rp->seq == rq->seq ?
				       W_REPLY :
				       W_DIED;
			return read_records(t, brok);
		}
		if (pf.revents) {
			*how = W_DIED;
			return read_records(t, brok);
		}
	}
}

static void count_recycle(int status)
{
	int why = WEXITSTATUS(status) - EXIT_RECYCLE;

	stats.recycled++;
	if (why == RC_VDSO)
		stats.recycled_vdso++;
	else if (why == RC_LEFTOVERS)
		stats.recycled_leftovers++;
	else if (why == RC_LOCKED)
		stats.recycled_locked++;
	else
		stats.recycled_own++;
}

int ms__executor_run(const struct ms_program *p,
		     const struct ms_kernel_info *ki,
		     const struct ms_kernel_opts *o, bool time_calls,
		     struct ms_trace *t)
{
	int timeout_ms = o && o->timeout_ms > 0 ? o->timeout_ms :
						  DEFAULT_TIMEOUT_MS;
	long page = ki->page_size > 0 ? ki->page_size : sysconf(_SC_PAGESIZE);
	int64_t t0 = ms__now_ns_raw();
	bool recycle_after, brok = false;
	struct req rq;
	struct rep rp;
	int err, how = W_DIED, status;

	if (interrupted)
		return -EINTR;
	if (ex.unsupported) {
		stats.refused++;
		return 1;
	}
	if (ms__executor_refuses(p, page, &recycle_after)) {
		if (!ms__executor_take_anything) {
			stats.refused++;
			return 1;
		}
		recycle_after = true;
	}
	if (ms__trace_start(t, p, ki, page))
		return 0;
	memset(&rq, 0, sizeof(rq));
	rq.magic = REQ_MAGIC;
	rq.snapshots = o && o->snapshots;
	rq.time_calls = time_calls;
	rq.recycle_after = recycle_after;
	rq.locks = may_lock(p);
	err = program_memfd();
	if (err < 0)
		return err;
	err = put_program(p, &rq.program_len);
	if (err) {
		stats.refused++;
		return 1;
	}
	/* An executor that replaced itself between programs never read the
	 * request: send it to the next one. */
	for (int attempt = 0; attempt < 3; attempt++) {
		if (!ex.pid) {
			err = start_executor(ki, o);
			if (err < 0)
				return err;
		}
		rq.seq = ++ex.seq;
		t->nout = 0;
		rhave = 0;
		brok = false;
		if (ms__sys_send_fds(ex.sock, &rq, sizeof(rq), NULL, 0) < 0)
			how = W_DIED;
		else if ((err = wait_reply(&rq, timeout_ms, &rp, t, &brok,
					   &how)) < 0) {
			end_executor();
			return err;
		}
		if (how != W_DIED || t->nout)
			break;
		/* Killed if still there: an exit already begun keeps its status. */
		status = end_executor();
		if (!is_recycle(status)) {
			if (WIFEXITED(status) &&
			    WEXITSTATUS(status) == EXIT_UNSUPPORTED)
				ex.unsupported = true;
			break;
		}
		count_recycle(status);
	}
	stats.run_ns += (uint64_t)(ms__now_ns_raw() - t0);
	if (how != W_REPLY || brok || rp.st == MS__STOP_BROK) {
		if (++ex.failures >= FAILURES_MAX)
			ex.unsupported = true;
	} else {
		ex.failures = 0;
	}
	if (how == W_HUNG) {
		stats.hung++;
		end_executor();
		return 1;
	}
	if (how == W_DIED) {
		end_executor();
		if (ex.unsupported)
			stats.refused++;
		else if (brok)
			stats.broken++;
		else
			stats.crashed++;
		return 1;
	}
	if (brok || rp.st == MS__STOP_BROK) {
		stats.broken++;
		end_executor();
		return 1;
	}
	shift_trace(p, t, rp.arena);
	stats.programs++;
	stats.call_ns += rp.call_ns;
	stats.leftover_vmas = rp.leftovers;
	return 0;
}

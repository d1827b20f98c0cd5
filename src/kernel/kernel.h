/* SPDX-License-Identifier: MIT */
/*
 * The kernel target's internals, shared by the files of src/kernel/ only.
 *
 *   sys.c      raw syscall wrappers: value or -errno; the only errno reader
 *   observe.c  page state from /proc/self/smaps, pagemap and mem
 *   memreader.c  the helper that reads page contents as a tracer
 *   exec.c     the scenario process: the interpreter's kernel backend
 *   probe.c    features and the profile this kernel behaves like
 *   mapcount.c use_map_slots: exhausting the process's VMA budget
 *   deferred.c waiting for kernel work that runs after a call returned
 *   executor.c many programs in one long-lived process (the fuzzer's)
 */
#ifndef SEALSPEC_KERNEL_H
#define SEALSPEC_KERNEL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "interp/interp.h"
#include "sealspec.h"

/*
 * pagemap bits (Documentation/admin-guide/mm/pagemap.rst).  The guard bit
 * is not in any uapi header; it appeared in 6.14.
 */
#define MS__PM_GUARD_REGION (1ULL << 58)
#define MS__PM_SWAP (1ULL << 62)
#define MS__PM_PRESENT (1ULL << 63)

/* The largest page size the target is prepared for (arm64 64K pages). */
#define MS__PAGE_MAX 65536

/* ---- sys.c: scenario calls ---------------------------------------- */

long ms__sys_mmap(uint64_t addr, uint64_t len, long prot, long flags, long fd,
		  int64_t off);
long ms__sys_munmap(uint64_t addr, uint64_t len);
long ms__sys_mprotect(uint64_t addr, uint64_t len, long prot);
long ms__sys_pkey_mprotect(uint64_t addr, uint64_t len, long prot, long pkey);
long ms__sys_pkey_alloc(long flags, long rights);
long ms__sys_pkey_free(long pkey);
long ms__sys_madvise(uint64_t addr, uint64_t len, long advice);
long ms__sys_process_madvise(uint64_t addr, uint64_t len, long advice);
long ms__sys_mremap(uint64_t old, uint64_t old_len, uint64_t new_len,
		    long flags, uint64_t new_addr);
long ms__sys_mlock(uint64_t addr, uint64_t len);
long ms__sys_mlock2(uint64_t addr, uint64_t len, long flags);
long ms__sys_munlock(uint64_t addr, uint64_t len);
long ms__sys_mlockall(long flags);
long ms__sys_munlockall(void);
long ms__sys_msync(uint64_t addr, uint64_t len, long flags);
long ms__sys_mbind(uint64_t addr, uint64_t len, long mode, long flags);
long ms__sys_set_mempolicy_home_node(uint64_t addr, uint64_t len, long node,
				     long flags);
long ms__sys_mincore(uint64_t addr, uint64_t len);
long ms__sys_resident_pages(uint64_t addr, uint64_t len, long page_size);
long ms__sys_mseal(uint64_t addr, uint64_t len, long flags);
long ms__sys_brk(uint64_t addr);
long ms__sys_remap_file_pages(uint64_t addr, uint64_t size, long prot,
			      long pgoff, long flags);
long ms__sys_shmget(uint64_t size);
long ms__sys_shmat(long id, uint64_t addr, long flags);
long ms__sys_shmdt(uint64_t addr);
long ms__sys_shm_rmid(long id);
long ms__sys_io_setup(long nr);
long ms__sys_io_destroy(uint64_t ctx);
long ms__sys_memfd(uint64_t size, const char *pattern, long page_size);
long ms__sys_reopen(long fd, long flags);
long ms__sys_proc_mem_write(uint64_t addr, const char *pattern,
			    long page_size);
long ms__sys_ptrace_poke(uint64_t addr, const char *pattern, long page_size);
long ms__sys_process_vm_write(uint64_t addr, const char *pattern,
			      long page_size);
long ms__sys_uffd_register(uint64_t addr, uint64_t len);
long ms__sys_uffd_copy(uint64_t addr, const char *pattern, long page_size);
long ms__sys_uffd_move(uint64_t dst, uint64_t src, uint64_t len);
long ms__sys_process_madvise_parent(uint64_t addr, uint64_t len, long advice);
long ms__sys_process_madvise2(uint64_t a1, uint64_t l1, uint64_t a2,
			      uint64_t l2, long advice);
long ms__sys_pkey_set(long key, long rights);
long ms__sys_fallocate(long fd, long mode, uint64_t off, uint64_t len);
long ms__sys_pwrite_pattern(long fd, const char *pattern, uint64_t off,
			    long page_size);
long ms__sys_proc_mem_read(uint64_t addr, uint64_t len);

/* ---- mapcount.c -------------------------------------------------- */

/*
 * Splits [addr, addr + len) until the process has exactly nfree VMAs left
 * below vm.max_map_count: the VMAs created, or -errno (see mapcount.c).
 */
long ms__use_map_slots(uint64_t addr, uint64_t len, long nfree, long ps);
long ms__max_map_count(void);

/*
 * The largest vm.max_map_count the map-count scenarios can exhaust: they
 * split a 70000-page region, and the limit is the kernel's default 65530.
 */
#define MS__MAP_COUNT_MAX 65536

/* ---- deferred.c ------------------------------------------------- */

/*
 * After io_destroy(ctx) returned 0: waits, up to MS__DEFERRED_MAX_MS, until
 * the kernel has freed the pages behind a ring that is still mapped (a
 * sealed one).  0 when they are gone or no ring is mapped at ctx,
 * -ETIMEDOUT, or -errno.
 */
int ms__wait_aio_free_ring(uint64_t ctx, long page_size);

/*
 * The bound of every wait for deferred kernel work: it normally lands
 * within 20 ms, but on a loaded machine RCU and the workqueue can take far
 * longer (one catalog run in five under two busy loops outlived a 2 s
 * bound).  It must stay well below the 10 s scenario timeout, which counts
 * sleeping.
 */
#define MS__DEFERRED_MAX_MS 5000

/* ---- sys.c: plumbing ---------------------------------------------- */

/* /proc/self files the target keeps open, reopened after fork and exec. */
enum ms__proc_file { MS__PROC_MEM, MS__PROC_PAGEMAP, MS__NPROC };

/* An fd on /proc/self/<file> of the calling process, or -errno. */
int ms__proc_fd(enum ms__proc_file f);
/* Closes descriptors inherited from another process (after fork). */
void ms__sys_forget(void);

int ms__sys_open(const char *path, int flags);
int ms__sys_close(int fd);
long ms__sys_ioctl(int fd, unsigned long request, void *arg);
long ms__sys_read(int fd, void *buf, size_t n);
long ms__sys_pread(int fd, void *buf, size_t n, uint64_t off);
long ms__sys_pwrite(int fd, const void *buf, size_t n, uint64_t off);
long ms__sys_write_all(int fd, const void *buf, size_t n);
long ms__sys_read_file(const char *path, char *buf, size_t n);
int ms__sys_pipe(int fds[2]);
int ms__sys_cloexec(int fd, bool on);
pid_t ms__sys_fork(void);
pid_t ms__sys_getpid(void);
long ms__sys_ptrace(long request, pid_t pid, uint64_t addr, uint64_t data);
/* PR_SET_PTRACER for Yama; remembered, so ptrace_poke can restore it. */
int ms__sys_set_ptracer(pid_t tracer);
int ms__sys_wait(pid_t pid, int *status, int flags);
int ms__sys_kill(pid_t pid, int sig);
int ms__sys_setpgid(pid_t pid, pid_t pgid);
int ms__sys_poll_in(int fd, int timeout_ms);
int ms__sys_sigaction(int sig, void (*fn)(int, siginfo_t *, void *));
int ms__sys_sigdefault(int sig);
int ms__sys_execve(const char *path, char *const argv[]);
int ms__sys_memfd_create(const char *name, unsigned int flags);
int ms__sys_ftruncate(int fd, uint64_t size);
long ms__sys_userfaultfd_probe(void);
long ms__sys_ptrace_probe(void);
int64_t ms__now_ms(void);
/* CLOCK_MONOTONIC in ns by the system call, never the vDSO (a program
 * may have moved or sealed it). */
int64_t ms__now_ns_raw(void);
void ms__sys_sleep_ms(long ms);
void ms__exit(int code) __attribute__((noreturn));

/* ---- sys.c: processes, descriptors and limits --------------------- */

/* Death signal SIGKILL with parent, which must still be our parent. */
bool ms__sys_bind_to(pid_t parent);
pid_t ms__sys_fork_bound(void);
/*
 * Runs /proc/self/exe with argv in a vfork(2) child bound to this process
 * (nothing of ours is copied or shared), keep[] not close-on-exec there:
 * the pid or -errno.
 */
pid_t ms__sys_spawn_bound(char *const argv[], const int *keep, int nkeep);
bool ms__sys_parent_is(pid_t parent);
int ms__sys_death_defer(pid_t parent);
void ms__sys_death_resume(void);
int ms__sys_subreaper(void);
void ms__sys_signals_reset(void);
int ms__sys_sigignore(int sig);
int ms__sys_pidfd_open(pid_t pid);
int ms__sys_has_exited(pid_t pid);
void ms__sys_wake(int fd);
int ms__sys_schedstat(pid_t pid, uint64_t *run_ns, uint64_t *wait_ns);
int ms__sys_dup_above(int fd, int min);
int ms__sys_dup_to(int fd, int to, bool cloexec);
void ms__sys_close_from(int fd);
int ms__sys_set_nonblock(int fd);
int ms__sys_pipe_size(int fd, int size);
int ms__sys_fd_kind(int fd, unsigned int *mode, uint64_t *size);
int ms__sys_getrlimit(int res, uint64_t *soft, uint64_t *hard);
int ms__sys_setrlimit(int res, uint64_t soft, uint64_t hard);
/*
 * Lowers limit res to at most v, soft and hard, never raising it;
 * *lowered (unless NULL): whether the soft limit was above v.
 */
int ms__sys_lower_limit(int res, uint64_t v, bool *lowered);
int ms__sys_fd_cloexec(int fd);
long ms__sys_locked_bytes(void);
long ms__sys_vm_pages(void);
struct pollfd;
int ms__sys_poll(struct pollfd *fds, int n, int timeout_ms);
#define MS__SEND_FDS_MAX 8
int ms__sys_seqpacket_pair(int sv[2]);
long ms__sys_send_fds(int sock, const void *buf, size_t n, const int *fds,
		      int nfds);
long ms__sys_recv_fds(int sock, void *buf, size_t n, int *fds, int maxfds,
		      int *nfds);
long ms__sys_shm_marked(long id);
long ms__sys_shm_remove_created_by(pid_t pid, int64_t since);

/* ---- observe.c ---------------------------------------------------- */

struct ms__vma {
	uint64_t start, end;
	int index;		/* position in smaps: the page's vma id */
	uint8_t prot;
	bool shared;
	uint8_t backing;	/* enum ms_backing */
	uint64_t offset;	/* file offset in bytes of start */
	uint64_t ino;		/* inode of the file behind it, or 0 */
	bool sealed;
	uint8_t lock;
	uint8_t inherit;
	int8_t pkey;
	bool special_aio;	/* "/[aio] (deleted)" */
	char path[64];		/* truncated */
};

/*
 * A program sent to another process (wire.c): its parts in the order
 * they are laid out, and the view of a received copy.
 */
#define MS__WIRE_PARTS 5
struct ms__wire_part {
	const void *data;
	uint64_t len;
};
/* The parts of p and their total length: 0, or -EINVAL. */
int ms__wire_parts(const struct ms_program *p,
		   struct ms__wire_part part[MS__WIRE_PARTS], uint64_t *len);
/*
 * *prog made to read the copy of len bytes at map in place: NULL, or why
 * the copy is not a program.
 */
const char *ms__wire_view(const char *map, uint64_t len,
			  struct ms_program *prog);

/*
 * Makes t the empty trace of a kernel run of p (arena, page size) and
 * returns false; or, when ki lacks a feature p needs, a SKIP naming the
 * first one, and true.
 */
bool ms__trace_start(struct ms_trace *t, const struct ms_program *p,
		     const struct ms_kernel_info *ki, long page_size);

/* Maps the smaps buffer; call before the address space matters. */
int ms__observe_init(void);
/*
 * Page state of [addr, addr + npages pages), contents as data says
 * (interp.h); a page whose contents are not read is '?'.  Returns 0 or
 * -errno.
 */
int ms__observe(uint64_t addr, int npages, long page_size,
		enum ms__observe_data data, struct ms_page *pages);
/*
 * hold true: the observations up to the next call with false see one
 * address space (the snapshots after one step), so smaps is read once for
 * all of them; near vm.max_map_count it is tens of MiB.
 */
void ms__observe_hold(bool hold);
/* The VMA containing addr: 0, -ENOENT when none, or -errno. */
int ms__find_vma(uint64_t addr, struct ms__vma *vma);
/*
 * The bounds of the VMA that covers addr, or with next the first one above
 * it, through PROCMAP_QUERY: 0, -ENOENT (none), -ENOTTY (a kernel before
 * 6.11), or -errno.  No VmFlags: those are smaps' alone.
 */
int ms__query_vma(uint64_t addr, bool next, uint64_t *start, uint64_t *end);
/* The first VMA whose path is exactly path ("[vdso]"). */
int ms__find_vma_named(const char *path, struct ms__vma *vma);
/* Number of sealed VMAs in the process, or -errno. */
long ms__sealed_vmas(void);
/*
 * How pages the process may not read are read from now on (the scenario
 * process sets what the probe found; the default is MS_DATA_DIRECT).
 * forced: never ask /proc/self/mem for them, as if the kernel refused.
 */
void ms__observe_route(enum ms_data_route route, bool forced);
/*
 * The contents token of a page read into buf: len is what pread(2)
 * returned, anything but page_size gives '!'.
 */
char ms__contents_token(const unsigned char *buf, long len, long page_size);

/* ---- memreader.c -------------------------------------------------- */

/* argv[2] of the page reader's image (argv[1] is MS_EXEC_ARGV1). */
#define MS__MEMREADER_ARGV2 "mem-reader"

/*
 * Contents tokens of the pages of [addr, addr + npages pages) whose bit is
 * set in want, read through /proc/PID/mem by a helper that ptraces this
 * process; the helper starts on first use and stays.  0, or -errno when
 * it cannot start, open the file or attach (then nothing is read).
 */
int ms__memreader_peek(uint64_t addr, int npages, long page_size,
		       uint64_t want, char *tok);
/* Ends this process's page reader, if it has one (before an exec). */
void ms__memreader_stop(void);
/* This process's page reader, or 0. */
pid_t ms__memreader_pid(void);
/* The reader's image: serves requests until its socket closes. */
void ms__memreader_main(int argc, char **argv) __attribute__((noreturn));

/* ---- exec.c ------------------------------------------------------- */

/*
 * One record on the pipe from the scenario process to the runner.  It is
 * smaller than PIPE_BUF, so records from the processes of one scenario
 * (which run one at a time anyway) never interleave.  On the pipe a
 * record is its first len bytes (ms__msg_len()): an outcome without the
 * pages it did not observe, whose place the runner fills with zeros.
 */
enum ms__msg_kind {
	MS__MSG_OUTCOME,	/* out is one outcome */
	MS__MSG_SHMID,		/* pid made SysV segment shmid: hold it */
	MS__MSG_BROK,		/* the scenario cannot be judged: reason */
	MS__MSG_SHM_INTENT,	/* pid is about to call shmget() */
};

struct ms__msg {
	uint32_t len;		/* bytes on the pipe */
	uint32_t kind;
	int32_t shmid;
	int32_t pid;		/* SHMID, SHM_INTENT: the process */
	int32_t append_last;	/* BROK: add " after step N (line L)" */
	char reason[200];
	struct ms_outcome out;	/* its pages pointer means nothing here */
	struct ms_page pages[MS_GRID_MAX]; /* OUTCOME: out.npages pages */
};

/* The bytes of msg that go on the pipe; sets msg->len. */
uint32_t ms__msg_len(struct ms__msg *msg);
/*
 * Takes the record at the front of the have bytes at buf into *msg (the
 * bytes not sent zeroed, an outcome's pages pointer set to msg->pages):
 * the bytes it took, 0 when the record is not all there yet, or -1 when
 * no record has its length (the pipe carries garbage).
 */
long ms__msg_take(const char *buf, size_t have, struct ms__msg *msg);

/* Exit codes of the scenario process. */
#define MS__EXIT_DONE 0
#define MS__EXIT_USAGE 2	/* the exec entry was given garbage */
#define MS__EXIT_SETUP 3	/* a setup step failed; its outcome tells */
#define MS__EXIT_BROK 4		/* a BROK record was sent */

/* The arena (MS__ARENA_BASE, MS__ARENA_SIZE) is the interpreter's. */

/* The descriptors a scenario may make and name (memfd, reopen). */
#define MS__FDS_MAX 1024

/* What the spawner hands to a new scenario process. */
struct ms__scenario {
	const struct ms_program *p;	/* steps in a shared mapping */
	int out_fd;			/* the record pipe */
	int text_fd;			/* the exec handoff memfd, or -1 */
	uint64_t text_len;
	bool snapshots;
	uint64_t max_map;		/* for ms__limit_map() */
	bool lock_lowered;		/* RLIMIT_MEMLOCK is ours, not the
					 * caller's */
	pid_t parent;			/* the spawner */
	enum ms_data_route data_route;	/* from the probe (observe.c) */
	bool data_route_forced;
};

/* The scenario process, from its first check to its exit. */
void ms__scenario_main(const struct ms__scenario *s)
	__attribute__((noreturn));
/* "SIGSEGV", or "a signal". */
const char *ms__signal_name(int sig);

/*
 * The executor (executor.c) runs program after program in one process
 * with the scenario process's backend: ms__scenario_prepare_here() once
 * (fault handlers, the smaps buffer; records go to out_fd; a failure
 * sends a BROK record and exits), then
 * ms__scenario_run_here() per program, each in the arena h->arena.  It
 * returns how the program ended (MS__STOP_DONE, SETUP or BROK, whose
 * record it sent) instead of exiting, and closes the descriptors the
 * program made.  The SysV segments the program makes are held by an
 * attach of this process, listed in held[], and marked for removal at
 * once.
 */
#define MS__HELD_MAX 16
struct ms__here {
	const struct ms_program *p;
	uint64_t arena;
	bool snapshots;
	bool time_calls;	/* add the time of each call to call_ns */
	uint64_t call_ns;	/* out: inside the program's calls and
				 * memory accesses */
	int nheld;		/* out */
	uint64_t held[MS__HELD_MAX];
};

int ms__scenario_prepare_here(int out_fd, pid_t parent, bool lock_lowered,
			      enum ms_data_route route, bool route_forced);
int ms__scenario_run_here(struct ms__here *h);

/*
 * What an exec step hands to the new image, at offset 0 of the memfd; the
 * program text follows at MS__HANDOFF_TEXT.  ms_kernel_exec_resume()
 * checks every field: it is input from a file descriptor.
 */
#define MS__HANDOFF_MAGIC 0x7365616c73706563ULL /* "sealspec" */
#define MS__HANDOFF_TEXT 4096
#define MS__HANDOFF_TEXT_MAX (64UL << 20)

struct ms__handoff {
	uint64_t magic;
	int32_t exec_step;
	int32_t out_fd;
	int32_t depth;
	int32_t snapshots;
	int32_t nsteps;
	int32_t nnames;
	int32_t parent;
	int32_t lock_lowered;
	int32_t data_route;		/* enum ms_data_route */
	int32_t data_route_forced;
	int32_t record_after;		/* result-less calls after the exec
					 * step are recorded (a generated
					 * program): the text cannot say so */
	uint64_t arena;
	uint64_t slot_off;
	int64_t values[MS_NAMES_MAX];
	uint64_t sizes[MS_NAMES_MAX];
	uint8_t bound[MS_NAMES_MAX];
	uint8_t own_fds[MS__FDS_MAX / 8];
	uint64_t text_len;
	char file[256];
};

/* ---- spawn.c: the process that forks scenario processes ------------ */

/* Limits of each scenario process (docs/threat-model.md). */
struct ms__limits {
	uint64_t max_map;	/* bytes it may map beyond its first size */
	uint64_t max_lock;	/* RLIMIT_MEMLOCK, never raised */
	uint32_t cpu_s;		/* RLIMIT_CPU of each of its processes */
};

enum ms__spawn_kind { MS__SPAWN_RUN = 1, MS__SPAWN_STOP };

/*
 * A request on the spawner's socket.  RUN carries the descriptors of the
 * program memfd, the record pipe, the output pipe and, with text_len, the
 * exec text memfd; STOP ends the scenario process that runs.
 */
struct ms__spawn_req {
	uint32_t magic;
	uint32_t kind;
	int32_t timeout_ms;
	int32_t snapshots;
	int32_t data_route;		/* enum ms_data_route, from the probe */
	int32_t data_route_forced;
	uint64_t program_len;
	uint64_t text_len;
	struct ms__limits lim;
};

/* The spawner's answer once the scenario and all it started are gone. */
struct ms__spawn_reply {
	int32_t err;		/* -errno: no scenario process started */
	int32_t status;		/* its wait status */
	int32_t timed_out;
	int32_t stopped;	/* ended by a STOP request */
	int64_t wall_ms;
	int64_t waited_ms;	/* of wall_ms, spent waiting for a CPU */
};

/* The spawner's socket, starting the spawner if need be; or -errno. */
int ms__spawner_start(void);
/* Ends the spawner and waits for it. */
void ms__spawner_end(void);
/*
 * In the scenario process once its arena is checked: RLIMIT_AS becomes
 * its current size plus max_map.  0 or -errno.
 */
int ms__limit_map(uint64_t max_map);

/* Runner side: send RUN (0 or -errno), send STOP, read the reply. */
int ms__spawn_run(const struct ms__spawn_req *req, const int *fds, int nfds);
int ms__spawn_stop(void);
int ms__spawn_reply(struct ms__spawn_reply *rep);
/* The socket to poll for the reply, or -1. */
int ms__spawn_fd(void);

/*
 * Several scenario processes at once: one spawner per job, each running
 * one scenario at a time.  ms__spawner_jobs() sets how many
 * ms__spawner_start() starts (1 unless told; -EBUSY once started).  The
 * _on functions are the above for spawner job; the plain ones are job 0's.
 */
#define MS__JOBS_MAX 64
int ms__spawner_jobs(int jobs);
/* The spawners started, or that ms__spawner_start() would start. */
int ms__spawner_count(void);
int ms__spawn_run_on(int job, const struct ms__spawn_req *req, const int *fds,
		     int nfds);
int ms__spawn_stop_on(int job);
int ms__spawn_reply_on(int job, struct ms__spawn_reply *rep);
int ms__spawn_fd_on(int job);

#endif /* SEALSPEC_KERNEL_H */

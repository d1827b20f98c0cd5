// SPDX-License-Identifier: MIT
/*
 * The page reader: a helper process that reads /proc/PID/mem for the
 * scenario process as its tracer, for the pages the process may not read
 * itself where the kernel grants FOLL_FORCE to tracers only.
 *
 * fs/proc/base.c proc_mem_foll_force(): under CONFIG_PROC_MEM_FORCE_PTRACE
 * (or proc_mem.force_override=ptrace) a read of /proc/PID/mem gets
 * FOLL_FORCE only when, at the time of the read, PID is ptraced, its mm is
 * the one the file was opened on, and the reader is its tracer.  No
 * ptrace-stop is needed for that; one is needed only to detach.
 *
 *   scenario process                     page reader (its child)
 *   ----------------                     -----------------------
 *   ms__sys_spawn_bound: vfork,
 *   PR_SET_PDEATHSIG(SIGKILL),
 *   exec /proc/self/exe ---------------> checks its arguments, that the
 *                                        scenario process is still its
 *                                        parent; closes all but its socket
 *   PR_SET_PTRACER(reader)
 *   request {addr, npages, want} ------> PTRACE_SEIZE, pread each page,
 *   (blocked in read)                    PTRACE_INTERRUPT, wait, DETACH
 *                                <------ reply {err, one token per page}
 *
 * The reader is started the first time a process needs it and serves that
 * process until it execs (ms__memreader_stop()) or exits (the death
 * signal).  It is in the scenario's process group, under its limits
 * (spawn.c), and the spawner, which kills that group and reaps every
 * orphan of it, waits for it as for any process the scenario started.
 * Its socket is not one of the scenario's own descriptors: no step can
 * reach it (exec.c fd_is_own()).  It
 * is attached only while the scenario process waits for a reply: a tracee
 * stops at every signal it receives, and the scenario's own faults
 * (fill into a read-only page) must not wait for a tracer.  A fork child
 * starts its own reader: its parent's traces the parent.
 *
 * Being re-executed rather than forked matters: a fork would mark every
 * private page of the scenario copy-on-write, and observing must not
 * change what later steps see (UFFDIO_MOVE refuses such pages).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "kernel/kernel.h"

struct peek_req {
	uint64_t addr;
	uint64_t want;		/* bit k: read page k */
	int32_t npages;
	int32_t page_size;
};

struct peek_rep {
	int32_t err;		/* 0, or -errno of the open or the attach */
	char tok[MS_GRID_MAX];	/* contents tokens of the wanted pages */
};

_Static_assert(MS_GRID_MAX <= 64, "want is a 64-bit mask");

/* ---- the scenario process's side ---------------------------------- */

static struct {
	pid_t owner;	/* the process this reader serves; 0: none */
	pid_t pid;
	int sock;	/* our end of the socket pair */
	int err;	/* it could not be started, or died: why */
} reader;

/* Decimal digits of v (>= 0) into buf, without stdio. */
static void put_num(char *buf, long v)
{
	char d[24];
	int n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && n < 20);
	while (n > 0)
		*buf++ = d[--n];
	*buf = '\0';
}

/*
 * A reader inherited across fork serves the parent: forget our copy of
 * its socket, leave the process alone.
 */
static void forget_inherited(pid_t self)
{
	if (reader.owner && reader.owner != self) {
		if (reader.pid > 0)
			ms__sys_close(reader.sock);
		memset(&reader, 0, sizeof(reader));
	}
}

static int start_reader(pid_t self)
{
	static char fd_arg[16], pid_arg[16];
	char *argv[] = { "sealspec", MS_EXEC_ARGV1, MS__MEMREADER_ARGV2,
			 fd_arg, pid_arg, NULL };
	int sv[2], err;
	pid_t pid;

	err = ms__sys_seqpacket_pair(sv);
	if (err < 0)
		return err;
	put_num(fd_arg, sv[1]);
	put_num(pid_arg, self);
	pid = ms__sys_spawn_bound(argv, &sv[1], 1);
	ms__sys_close(sv[1]);
	if (pid < 0) {
		ms__sys_close(sv[0]);
		return pid;
	}
	ms__sys_set_ptracer(pid);
	reader.owner = self;
	reader.pid = pid;
	reader.sock = sv[0];
	return 0;
}

void ms__memreader_stop(void)
{
	pid_t self = ms__sys_getpid();

	forget_inherited(self);
	if (reader.owner == self && reader.pid > 0) {
		ms__sys_close(reader.sock);
		ms__sys_kill(reader.pid, SIGKILL);
		ms__sys_wait(reader.pid, NULL, 0);
		ms__sys_set_ptracer(0);
	}
	memset(&reader, 0, sizeof(reader));
}

pid_t ms__memreader_pid(void)
{
	return reader.owner == ms__sys_getpid() ? reader.pid : 0;
}

int ms__memreader_peek(uint64_t addr, int npages, long page_size,
		       uint64_t want, char *tok)
{
	struct peek_req q = { .addr = addr, .want = want, .npages = npages,
			      .page_size = (int32_t)page_size };
	struct peek_rep rep;
	pid_t self = ms__sys_getpid();
	long r;

	if (npages < 0 || npages > MS_GRID_MAX || page_size > MS__PAGE_MAX)
		return -EINVAL;
	forget_inherited(self);
	if (reader.owner == self && reader.err)
		return reader.err;
	if (reader.owner != self) {
		r = start_reader(self);
		if (r < 0) {
			reader.owner = self;
			reader.err = (int)r;
			return (int)r;
		}
	}
	r = ms__sys_send_fds(reader.sock, &q, sizeof(q), NULL, 0);
	if (r == sizeof(q))
		r = ms__sys_read(reader.sock, &rep, sizeof(rep));
	if (r != sizeof(rep)) {
		/* It died (or someone killed it): do not try again. */
		ms__memreader_stop();
		reader.owner = self;
		reader.err = r < 0 ? (int)r : -EIO;
		return reader.err;
	}
	if (rep.err < 0)
		return rep.err;
	memcpy(tok, rep.tok, (size_t)npages);
	return 0;
}

/* ---- the reader's side -------------------------------------------- */

/*
 * Leaves the tracee as it was.  PTRACE_DETACH wants a ptrace-stop, so
 * interrupt first; if a signal arrived in between, the stop is its
 * delivery stop, and detaching hands the signal back.
 */
static void detach(pid_t tracee)
{
	int status = 0, sig = 0;

	if (ms__sys_ptrace(PTRACE_INTERRUPT, tracee, 0, 0) < 0 ||
	    ms__sys_wait(tracee, &status, __WALL) < 0 || !WIFSTOPPED(status))
		return;
	if ((status >> 16) == 0)
		sig = WSTOPSIG(status);
	ms__sys_ptrace(PTRACE_DETACH, tracee, 0, (uint64_t)sig);
}

static int peek_as_tracer(pid_t tracee, int *mem, const struct peek_req *q,
			  struct peek_rep *rep)
{
	static unsigned char page[MS__PAGE_MAX];
	long ps = q->page_size, r;

	if (q->npages < 0 || q->npages > MS_GRID_MAX || ps <= 0 ||
	    ps > MS__PAGE_MAX)
		return -EINVAL;
	/*
	 * Opening needs ptrace access to the tracee, which Yama grants once
	 * it has named us: by the first request it has.
	 */
	if (*mem < 0) {
		char path[40] = "/proc/";

		put_num(path + strlen(path), tracee);
		strcat(path, "/mem");
		*mem = ms__sys_open(path, O_RDONLY);
		if (*mem < 0)
			return *mem;
	}
	r = ms__sys_ptrace(PTRACE_SEIZE, tracee, 0, 0);
	if (r < 0)
		return (int)r;
	for (int k = 0; k < q->npages; k++) {
		if (!(q->want & (1ULL << k)))
			continue;
		r = ms__sys_pread(*mem, page, (size_t)ps,
				  q->addr + (uint64_t)k * (uint64_t)ps);
		rep->tok[k] = ms__contents_token(page, r, ps);
	}
	detach(tracee);
	return 0;
}

/* A decimal number in [min, max], digits only; or -1. */
static long parse_num(const char *s, long min, long max)
{
	long v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > max / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v >= min && v <= max ? v : -1;
}

void ms__memreader_main(int argc, char **argv)
{
	struct peek_req q;
	struct peek_rep rep;
	int sock, mem = -1;
	pid_t tracee;

	/*
	 * An internal entry point, as strict as the exec entry: its socket
	 * and the pid of its parent, the process it reads, nothing else.
	 */
	sock = argc == 5 ? (int)parse_num(argv[3], 3, MS__FDS_MAX - 1) : -1;
	tracee = argc == 5 ? (pid_t)parse_num(argv[4], 1, 0x3fffffff) : -1;
	if (sock < 0 || tracee <= 0)
		ms__exit(MS__EXIT_USAGE);
	/*
	 * The death signal came with ms__sys_spawn_bound() and survives the
	 * exec; again, in case this image dropped it.  The tracee may have
	 * died before it was armed: then its parent is another.
	 */
	if (!ms__sys_bind_to(tracee))
		ms__exit(0);
	/* Only the socket: nothing else of the scenario's stays open. */
	if (sock != 3 && ms__sys_dup_to(sock, 3, true) < 0)
		ms__exit(MS__EXIT_USAGE);
	sock = 3;
	ms__sys_cloexec(sock, true);
	ms__sys_close_from(4);
	for (;;) {
		long r = ms__sys_read(sock, &q, sizeof(q));

		if (r != sizeof(q))
			ms__exit(0);
		memset(&rep, '?', sizeof(rep));
		rep.err = peek_as_tracer(tracee, &mem, &q, &rep);
		if (ms__sys_send_fds(sock, &rep, sizeof(rep), NULL, 0) !=
		    sizeof(rep))
			ms__exit(0);
	}
}

// SPDX-License-Identifier: MIT
/*
 * The spawner: the process that forks every scenario process, sets up
 * what it may reach, times it, and waits until it and everything it
 * started are gone.
 *
 *   runner (run.c)              spawner (here)             scenario process
 *   --------------              --------------             ----------------
 *   RUN + descriptors ------->  fork_bound --------------> descriptors,
 *                               pidfd, deadline             limits, exec.c
 *   records (pipe) <------------------------------------- one per step
 *   STOP (interrupted) ------>  SIGKILL to its group
 *   reply (status)  <-------    every process of the group reaped
 *
 * A process of its own, because a forked scenario process inherits its
 * parent's address space: a runner that parsed the whole catalog holds
 * tens of MiB, which mlockall(MCL_CURRENT) counts against RLIMIT_MEMLOCK
 * (an unprivileged run failed there) and which every /proc/self/smaps
 * read walks.  ms_kernel_start() forks the spawner before the runner
 * grows, so a scenario process holds the spawner's few pages and its own
 * program, whatever the runner holds.
 *
 * The program comes in a memfd that the scenario process maps shared and
 * read-only: fork does not copy a shared file mapping's page tables, and
 * exec.c drops its pages before each observation, so neither a fork step
 * nor a smaps read costs more as the program grows (a private copy made
 * both linear in its length, and a long scenario quadratic).
 *
 * The timeout counts the scenario process's own time: wall time less
 * what it spent waiting on a run queue (/proc/PID/schedstat).  On a
 * loaded machine a scenario runs slower but does not time out; one that
 * is blocked for good still does.  Without schedstat it is wall time.
 *
 * Every process here is made by ms__sys_fork_bound(): the spawner dies
 * with the runner, and the scenario process with the spawner, even when
 * the runner is killed with SIGKILL.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat.h"
#include "kernel/kernel.h"

#define SPAWN_MAGIC 0x7370776eU /* "spwn" */

/* Descriptors of the spawner itself. */
#define SPAWNER_SOCK 3
#define SPAWNER_NULL 4

/* How long the spawner waits for the rest of a killed group. */
#define REAP_MAX_MS 5000

/* Runner side: one spawner per job (ms__spawner_jobs()). */
static int spawner_sock[MS__JOBS_MAX];
static pid_t spawner_pid[MS__JOBS_MAX];
static int njobs = 1, nspawners;
/* Spawner side: the runner. */
static pid_t spawner_parent;

/* ---- the scenario process's first moments --------------------------- */

/* A BROK record before exec.c takes over (it has no runner state yet). */
static void __attribute__((noreturn)) early_brok(int out_fd, const char *why)
{
	static struct ms__msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.kind = MS__MSG_BROK;
	strncpy(msg.reason, why, sizeof(msg.reason) - 1);
	ms__sys_write_all(out_fd, &msg, ms__msg_len(&msg));
	ms__exit(MS__EXIT_BROK);
}

/*
 * The scenario process sees only what the scenario makes: stdin is
 * /dev/null, stdout and stderr are the output pipe (the runner copies
 * what arrives to its stderr: sanitizer reports, mostly), 3 is the record
 * pipe, 4 the exec text memfd, and every other descriptor, the runner's
 * files included, is closed.  Returns the program mapping's address.
 */
static long take_descriptors(const struct ms__spawn_req *req, const int *fds,
			     int nfds, int *text_fd)
{
	int prog = ms__sys_dup_above(fds[0], 10);
	int rec = ms__sys_dup_above(fds[1], 10);
	int out = ms__sys_dup_above(fds[2], 10);
	int null = ms__sys_dup_above(SPAWNER_NULL, 10);
	int text = nfds > 3 ? ms__sys_dup_above(fds[3], 10) : -1;
	long map;

	if (rec < 0)
		ms__exit(MS__EXIT_BROK);
	if (prog < 0 || out < 0 || null < 0 || (nfds > 3 && text < 0))
		early_brok(rec, "the spawner cannot pass on its descriptors");
	map = ms__sys_mmap(0, req->program_len, PROT_READ, MAP_SHARED, prog, 0);
	if (ms__sys_dup_to(null, 0, false) < 0 ||
	    ms__sys_dup_to(out, 1, false) < 0 ||
	    ms__sys_dup_to(out, 2, false) < 0 ||
	    ms__sys_dup_to(rec, 3, true) < 0 ||
	    (text >= 0 && ms__sys_dup_to(text, 4, true) < 0))
		early_brok(rec, "the spawner cannot pass on its descriptors");
	ms__sys_close_from(text >= 0 ? 5 : 4);
	*text_fd = text >= 0 ? 4 : -1;
	if (map < 0)
		early_brok(3, "cannot map the program");
	return map;
}

static void __attribute__((noreturn))
scenario_child(const struct ms__spawn_req *req, const int *fds, int nfds,
	       pid_t spawner)
{
	static struct ms_program prog;
	struct ms__scenario s;
	const char *why;
	bool lowered = false;
	int text_fd;
	long map;

	ms__sys_setpgid(0, 0);
	/*
	 * The spawner reset every disposition and the mask when it started
	 * (spawner_main()); of its own it ignores these four alone.
	 */
	ms__sys_sigdefault(SIGINT);
	ms__sys_sigdefault(SIGTERM);
	ms__sys_sigdefault(SIGHUP);
	ms__sys_sigdefault(SIGPIPE);
	map = take_descriptors(req, fds, nfds, &text_fd);

	/* The program as run.c wrote it (wire.c). */
	why = ms__wire_view((const char *)(uintptr_t)map, req->program_len,
			    &prog);
	if (why)
		early_brok(3, why);

	/*
	 * No core files: a crashing scenario is a result, not debris.  The
	 * CPU limit backs up the timeout, per process; the address-space
	 * limit comes once the arena is checked (ms__limit_map).
	 */
	ms__sys_setrlimit(RLIMIT_CORE, 0, 0);
	if (req->lim.cpu_s)
		ms__sys_lower_limit(RLIMIT_CPU, req->lim.cpu_s, NULL);
	ms__sys_lower_limit(RLIMIT_MEMLOCK, req->lim.max_lock, &lowered);
	ms__sys_lower_limit(RLIMIT_NOFILE, MS__FDS_MAX, NULL);

	memset(&s, 0, sizeof(s));
	s.p = &prog;
	s.out_fd = 3;
	s.text_fd = text_fd;
	s.text_len = req->text_len;
	s.snapshots = req->snapshots;
	s.max_map = req->lim.max_map;
	s.lock_lowered = lowered;
	s.parent = spawner;
	s.data_route = (enum ms_data_route)req->data_route;
	s.data_route_forced = req->data_route_forced;
	ms__scenario_main(&s);
}

int ms__limit_map(uint64_t max_map)
{
	long pages = ms__sys_vm_pages();
	uint64_t now, limit;

	if (pages < 0)
		return (int)pages;
	now = (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
	limit = now + max_map < now ? UINT64_MAX : now + max_map;
	return ms__sys_lower_limit(RLIMIT_AS, limit, NULL);
}

/* ---- the spawner ------------------------------------------------------ */

/*
 * How long the scenario could not run for want of a CPU: what the scenario
 * process and the runner waited on a run queue.  The runner counts
 * because a runner that waits fills the record pipe and so blocks the
 * scenario.  When both wait at once this counts the time twice: a loaded
 * machine then detects a hang later, never a scenario as hung sooner.
 *
 * Read only when a deadline passes, and cheaply at the start of a case:
 * a new process starts with no wait counted (sched_fork() clears it), so
 * the scenario's base is 0, and the runner's schedstat stays open (a read
 * from offset 0 is a fresh one).
 */
struct cpu_wait {
	pid_t scenario;
	uint64_t runner_base;
	bool runner_known;
};

static int runner_schedstat = -1;

/* The wait in ns from "run_ns wait_ns slices" at offset 0 of fd. */
static int schedstat_wait(int fd, uint64_t *wait)
{
	char buf[96];
	long n = ms__sys_pread(fd, buf, sizeof(buf) - 1, 0);
	const char *p = buf;
	uint64_t v = 0;

	if (n <= 0)
		return n < 0 ? (int)n : -EIO;
	buf[n] = '\0';
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p++ != ' ' || *p < '0' || *p > '9')
		return -EIO;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (uint64_t)(*p++ - '0');
	*wait = v;
	return 0;
}

static void cpu_wait_start(struct cpu_wait *w, pid_t scenario)
{
	w->scenario = scenario;
	if (runner_schedstat < 0) {
		char path[48];

		snprintf(path, sizeof(path), "/proc/%d/schedstat",
			 (int)spawner_parent);
		runner_schedstat = ms__sys_open(path, O_RDONLY);
	}
	w->runner_known = runner_schedstat >= 0 &&
			  schedstat_wait(runner_schedstat, &w->runner_base) == 0;
}

static int64_t cpu_wait_ms(const struct cpu_wait *w)
{
	uint64_t run, wait, sum = 0;

	if (ms__sys_schedstat(w->scenario, &run, &wait) == 0)
		sum += wait;
	if (w->runner_known && schedstat_wait(runner_schedstat, &wait) == 0 &&
	    wait > w->runner_base)
		sum += wait - w->runner_base;
	return (int64_t)(sum / 1000000);
}

/*
 * Waits until the scenario process exits, its time is up or the runner
 * says STOP (or goes away).  Returns false when the runner is gone.
 */
static bool wait_scenario(int sock, pid_t pid, int timeout_ms,
			  struct ms__spawn_reply *rep)
{
	int pidfd = ms__sys_pidfd_open(pid);
	int64_t start = ms__now_ms(), deadline = start + timeout_ms;
	struct cpu_wait cw;
	bool ok = true;

	cpu_wait_start(&cw, pid);
	for (;;) {
		struct pollfd pf[2] = { { sock, POLLIN, 0 },
					{ pidfd, POLLIN, 0 } };
		int64_t now = ms__now_ms(), left = deadline - now;
		int n;

		if (left <= 0) {
			int64_t own = now - start - cpu_wait_ms(&cw);

			if (own >= timeout_ms) {
				rep->timed_out = 1;
				break;
			}
			deadline = now + (timeout_ms - own);
			continue;
		}
		/* Without pidfds (before 5.3) look every 10 ms. */
		if (pidfd < 0 && left > 10)
			left = 10;
		n = ms__sys_poll(pf, pidfd >= 0 ? 2 : 1, (int)left);
		if (n < 0 && n != -EINTR)
			break;
		if (pf[1].revents || (pidfd < 0 && ms__sys_has_exited(pid)))
			break;
		if (pf[0].revents) {
			struct ms__spawn_req req;
			int fds[MS__SEND_FDS_MAX], nfds;
			long r = ms__sys_recv_fds(sock, &req, sizeof(req), fds,
						  MS__SEND_FDS_MAX, &nfds);

			for (int i = 0; i < nfds; i++)
				ms__sys_close(fds[i]);
			if (r <= 0) {
				ok = false;
				break;
			}
			if (r == sizeof(req) && req.magic == SPAWN_MAGIC &&
			    req.kind == MS__SPAWN_STOP) {
				rep->stopped = 1;
				break;
			}
		}
	}
	rep->wall_ms = ms__now_ms() - start;
	/* Only a timeout's reason tells it. */
	if (rep->timed_out)
		rep->waited_ms = cpu_wait_ms(&cw);
	if (pidfd >= 0)
		ms__sys_close(pidfd);
	return ok;
}

/*
 * Whatever is left of the scenario's process group goes (fork children,
 * helpers), and the spawner waits for all of it: as the subreaper it
 * inherits every orphan, so no child left means nothing left.
 */
static void end_group(pid_t pid, int *status)
{
	int64_t until = ms__now_ms() + REAP_MAX_MS;

	ms__sys_kill(-pid, SIGKILL);
	ms__sys_wait(pid, status, 0);
	while (ms__now_ms() < until) {
		int r = ms__sys_wait(-1, NULL, WNOHANG);

		if (r == -ECHILD)
			break;
		if (r == 0)
			ms__sys_poll(NULL, 0, 1);
	}
}

static void reply(int sock, const struct ms__spawn_reply *rep)
{
	ms__sys_send_fds(sock, rep, sizeof(*rep), NULL, 0);
}

static bool valid_run(const struct ms__spawn_req *req, long len, int nfds)
{
	return len == (long)sizeof(*req) && req->magic == SPAWN_MAGIC &&
	       req->kind == MS__SPAWN_RUN && req->timeout_ms > 0 &&
	       req->data_route >= MS_DATA_DIRECT &&
	       req->data_route <= MS_DATA_BLIND &&
	       (req->data_route_forced == 0 || req->data_route_forced == 1) &&
	       nfds == (req->text_len ? 4 : 3);
}

static void __attribute__((noreturn)) spawner_main(int sock)
{
	pid_t self = ms__sys_getpid();
	int null;

	/*
	 * Ctrl-C and `timeout` signal the whole process group; the runner
	 * decides what happens and tells us.  Nothing of the runner's is
	 * kept open but the socket.  Every other disposition, and the mask,
	 * go back to the defaults here, once, rather than in each scenario
	 * process (some 60 system calls a case).  An inherited SIG_IGN of
	 * SIGCHLD would reap children unseen: no status.
	 */
	ms__sys_signals_reset();
	ms__sys_sigignore(SIGINT);
	ms__sys_sigignore(SIGTERM);
	ms__sys_sigignore(SIGHUP);
	ms__sys_sigignore(SIGPIPE);
	ms__sys_subreaper();
	if (sock != SPAWNER_SOCK &&
	    ms__sys_dup_to(sock, SPAWNER_SOCK, true) < 0)
		ms__exit(1);
	ms__sys_close_from(SPAWNER_SOCK + 1);
	null = ms__sys_open("/dev/null", O_RDWR);
	if (null != SPAWNER_NULL &&
	    (null < 0 || ms__sys_dup_to(null, SPAWNER_NULL, true) < 0))
		ms__exit(1);
	if (null != SPAWNER_NULL)
		ms__sys_close(null);
	/* Nor the runner's stdin and stdout (a pipe would wait for us). */
	ms__sys_dup_to(SPAWNER_NULL, 0, false);
	ms__sys_dup_to(SPAWNER_NULL, 1, false);
	sock = SPAWNER_SOCK;

	for (;;) {
		struct ms__spawn_req req;
		struct ms__spawn_reply rep;
		int fds[MS__SEND_FDS_MAX], nfds, status = 0;
		long r = ms__sys_recv_fds(sock, &req, sizeof(req), fds,
					  MS__SEND_FDS_MAX, &nfds);
		pid_t pid;
		bool ok;

		if (r <= 0)
			ms__exit(0);	/* the runner is gone */
		memset(&rep, 0, sizeof(rep));
		if (!valid_run(&req, r, nfds)) {
			for (int i = 0; i < nfds; i++)
				ms__sys_close(fds[i]);
			/* A late STOP, for a scenario already over. */
			if (r == (long)sizeof(req) &&
			    req.kind == MS__SPAWN_STOP)
				continue;
			rep.err = -EPROTO;
			reply(sock, &rep);
			continue;
		}
		pid = ms__sys_fork_bound();
		if (pid == 0)
			scenario_child(&req, fds, nfds, self);
		for (int i = 0; i < nfds; i++)
			ms__sys_close(fds[i]);
		if (pid < 0) {
			rep.err = pid;
			reply(sock, &rep);
			continue;
		}
		/* Both sides set the group, so a kill never misses it. */
		ms__sys_setpgid(pid, pid);
		ok = wait_scenario(sock, pid, req.timeout_ms, &rep);
		end_group(pid, &status);
		rep.status = status;
		if (!ok)
			ms__exit(0);
		reply(sock, &rep);
	}
}

int ms__spawner_jobs(int jobs)
{
	if (jobs < 1 || jobs > MS__JOBS_MAX)
		return -EINVAL;
	if (nspawners)
		return -EBUSY;
	njobs = jobs;
	return 0;
}

int ms__spawner_count(void)
{
	return nspawners ? nspawners : njobs;
}

/*
 * One spawner per job, each forked from the runner while it is small.
 * A spawner closes every descriptor but its own socket (spawner_main()),
 * so it holds none of the others'.
 */
static int start_one(int i)
{
	int sv[2], err;
	pid_t pid;

	err = ms__sys_seqpacket_pair(sv);
	if (err < 0)
		return err;
	spawner_parent = ms__sys_getpid();
	pid = ms__sys_fork_bound();
	if (pid == 0)
		spawner_main(sv[1]);
	ms__sys_close(sv[1]);
	if (pid < 0) {
		ms__sys_close(sv[0]);
		return pid;
	}
	spawner_sock[i] = sv[0];
	spawner_pid[i] = pid;
	return 0;
}

int ms__spawner_start(void)
{
	int err;

	if (nspawners)
		return spawner_sock[0];
	for (int i = 0; i < njobs; i++) {
		err = start_one(i);
		if (err < 0) {
			nspawners = i;
			ms__spawner_end();
			return err;
		}
	}
	nspawners = njobs;
	return spawner_sock[0];
}

void ms__spawner_end(void)
{
	for (int i = 0; i < nspawners; i++)
		ms__sys_close(spawner_sock[i]);
	for (int i = 0; i < nspawners; i++)
		ms__sys_wait(spawner_pid[i], NULL, 0);
	nspawners = 0;
}

/* ---- the runner's side of the socket ------------------------------ */

int ms__spawn_run_on(int job, const struct ms__spawn_req *req, const int *fds,
		     int nfds)
{
	struct ms__spawn_req r = *req;
	long n;
	int err = ms__spawner_start();

	if (err < 0)
		return err;
	if (job < 0 || job >= nspawners)
		return -EINVAL;
	r.magic = SPAWN_MAGIC;
	r.kind = MS__SPAWN_RUN;
	n = ms__sys_send_fds(spawner_sock[job], &r, sizeof(r), fds, nfds);
	return n < 0 ? (int)n : 0;
}

int ms__spawn_stop_on(int job)
{
	struct ms__spawn_req r;
	long n;

	if (job < 0 || job >= nspawners)
		return -EPIPE;
	memset(&r, 0, sizeof(r));
	r.magic = SPAWN_MAGIC;
	r.kind = MS__SPAWN_STOP;
	n = ms__sys_send_fds(spawner_sock[job], &r, sizeof(r), NULL, 0);
	return n < 0 ? (int)n : 0;
}

/* The reply to the last RUN: 0, or -EPIPE when the spawner is gone. */
int ms__spawn_reply_on(int job, struct ms__spawn_reply *rep)
{
	int fds[MS__SEND_FDS_MAX], nfds;
	long n;

	if (job < 0 || job >= nspawners)
		return -EPIPE;
	n = ms__sys_recv_fds(spawner_sock[job], rep, sizeof(*rep), fds,
			     MS__SEND_FDS_MAX, &nfds);
	for (int i = 0; i < nfds; i++)
		ms__sys_close(fds[i]);
	if (n != (long)sizeof(*rep))
		return n < 0 ? (int)n : -EPIPE;
	return 0;
}

int ms__spawn_fd_on(int job)
{
	return job >= 0 && job < nspawners ? spawner_sock[job] : -1;
}

/* The first spawner's, for a caller that runs one scenario at a time. */
int ms__spawn_run(const struct ms__spawn_req *req, const int *fds, int nfds)
{
	return ms__spawn_run_on(0, req, fds, nfds);
}

int ms__spawn_stop(void)
{
	return ms__spawn_stop_on(0);
}

int ms__spawn_reply(struct ms__spawn_reply *rep)
{
	return ms__spawn_reply_on(0, rep);
}

int ms__spawn_fd(void)
{
	return ms__spawn_fd_on(0);
}

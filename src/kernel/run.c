// SPDX-License-Identifier: MIT
/*
 * The runner's side of the kernel target: hands a program to a spawner
 * (spawn.c), reads the records its processes send (exec.c), holds their
 * SysV segments, and turns what happened into a trace.
 *
 * Jobs: with ms_kernel_set_jobs(N) there are N spawners and up to N
 * scenarios in flight (ms_kernel_begin(), ms_kernel_wait()), each with
 * its own pipes, segments and trace; one poll(2) serves them all.  Each
 * case is its spawner's only one, so everything below holds per case.
 *
 * Nothing a scenario does may outlive the run, however the run ends:
 *
 *   processes  the spawner reaps every process of a scenario before it
 *              answers; all of them die with their parent (fork_bound),
 *              so a runner killed even with SIGKILL takes them along.
 *   segments   the runner attaches each segment a scenario makes and
 *              marks it for removal at once (IPC_RMID): Linux keeps a
 *              marked segment, and lets shmat() find it, until the last
 *              process detaches, so the scenario sees no difference, and
 *              the kernel frees it when the runner and the scenario's
 *              processes are gone, whatever killed them.  exec.c covers
 *              the moment before the mark.
 *   interrupt  ms_kernel_interrupt() (SIGINT, SIGTERM, SIGHUP in the CLI)
 *              asks every spawner to end its scenario, the segments go
 *              as above, and each run in flight ends with -EINTR.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "kernel/kernel.h"

#define DEFAULT_TIMEOUT_MS 10000
#define DEFAULT_MAX_MAP (1ULL << 30)
#define DEFAULT_MAX_LOCK (64ULL << 20)

/* The record pipe holds this much, so a runner that waits for a CPU
 * rarely stalls a scenario (the size unprivileged users may ask for). */
#define RECORD_PIPE_SIZE (1 << 20)

/* What the scenario process wrote on stdout and stderr, kept to relay. */
#define OUTPUT_KEEP 8192

/*
 * Outcomes one trace may hold (some 2 KiB each): a scenario that sends
 * more is BROK, rather than the runner's memory the limit.
 */
#define TRACE_MAX 65536

/* After the spawner's reply, how long the pipes may take to close. */
#define DRAIN_MAX_MS 5000

/*
 * While records flow, they are read every RECORD_READ_MS, not as each one
 * arrives: a wakeup per record cost the runner a context switch, and the
 * scenario process the wakeup, several times a step, while nothing needs
 * them before the case ends.  The record pipe holds RECORD_PIPE_SIZE, far
 * more than a scenario writes in that time (a full pipe would only make
 * the scenario wait for the next read).  The one record a scenario waits
 * on, a new SysV segment's id (the runner marks the segment), waits at
 * most about RECORD_READ_SHM_MS: a scenario that calls shmget is read
 * that often.  Most cases end before their first read, so the runner
 * sleeps from the start of a case to the spawner's answer.  A read that
 * finds none goes back to waiting for the next record, so a scenario
 * that is quiet (or hung) costs no wakeups at all.
 */
#define RECORD_READ_MS 20
#define RECORD_READ_SHM_MS 1

/* One read(2) of records takes up to this much: many records a call. */
#define RECORD_READ (64 << 10)

static volatile sig_atomic_t interrupted;
static int wake[2] = { -1, -1 };
/* Each job's program memfd, reused from case to case (make_program_fd). */
static int program_fd[MS__JOBS_MAX];
static bool program_fd_open[MS__JOBS_MAX];

int ms_kernel_start(void)
{
	int err;

	if (wake[0] < 0) {
		err = ms__sys_pipe(wake);
		if (err < 0)
			return err;
		ms__sys_set_nonblock(wake[0]);
		ms__sys_set_nonblock(wake[1]);
	}
	err = ms__spawner_start();
	return err < 0 ? err : 0;
}

void ms_kernel_stop(void)
{
	ms__spawner_end();
	for (int i = 0; i < MS__JOBS_MAX; i++) {
		if (program_fd_open[i])
			ms__sys_close(program_fd[i]);
		program_fd_open[i] = false;
	}
}

void ms_kernel_interrupt(void)
{
	interrupted = 1;
	if (wake[1] >= 0)
		ms__sys_wake(wake[1]);
}

/* ---- SysV segments ---------------------------------------------------- */

struct segments {
	int nheld, capheld;
	uint64_t *held;		/* our attaches, to detach at the end */
	int npend, cappend;
	pid_t *pending;		/* announced a shmget, no id yet */
	long failed;		/* -errno of an attach that failed */
	int64_t since;		/* the run's start, in epoch seconds */
};

static int grow(void **v, int *cap, int n, size_t size)
{
	void *bigger;
	int c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	bigger = realloc(*v, (size_t)c * size);
	if (!bigger)
		return -ENOMEM;
	*v = bigger;
	*cap = c;
	return 0;
}

static int seg_intent(struct segments *sg, pid_t pid)
{
	if (grow((void **)&sg->pending, &sg->cappend, sg->npend,
		 sizeof(pid_t)) < 0)
		return -ENOMEM;
	sg->pending[sg->npend++] = pid;
	return 0;
}

/* The scenario made segment id: hold it and mark it for removal. */
static int seg_made(struct segments *sg, long id, pid_t pid)
{
	long addr = ms__sys_shmat(id, 0, SHM_RDONLY);

	for (int i = 0; i < sg->npend; i++) {
		if (sg->pending[i] == pid) {
			sg->pending[i] = sg->pending[--sg->npend];
			break;
		}
	}
	if (addr >= 0 && grow((void **)&sg->held, &sg->capheld, sg->nheld,
			      sizeof(uint64_t)) < 0) {
		ms__sys_shmdt((uint64_t)addr);
		addr = -ENOMEM;
	}
	if (addr >= 0)
		sg->held[sg->nheld++] = (uint64_t)addr;
	else if (!sg->failed)
		sg->failed = addr;
	ms__sys_shm_rmid(id);
	return 0;
}

/* After the scenario: detach ours, sweep what an intent left behind. */
static void seg_release(struct segments *sg)
{
	for (int i = 0; i < sg->nheld; i++)
		ms__sys_shmdt(sg->held[i]);
	for (int i = 0; i < sg->npend; i++)
		ms__sys_shm_remove_created_by(sg->pending[i], sg->since);
	free(sg->held);
	free(sg->pending);
	memset(sg, 0, sizeof(*sg));
}

/* ---- one scenario --------------------------------------------------- */

static bool has_exec(const struct ms_program *p)
{
	for (int i = 0; i < p->nsteps; i++)
		if (p->steps[i].kind == MS_STEP_EXEC)
			return true;
	return false;
}

static int pwrite_all(int fd, const void *buf, uint64_t n, uint64_t off)
{
	while (n > 0) {
		long r = ms__sys_pwrite(fd, buf, n, off);

		if (r == -EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? (int)r : -EIO;
		buf = (const char *)buf + r;
		n -= (uint64_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

/*
 * The program for the scenario process, laid out as wire.c says, in the
 * job's memfd.  One memfd per job
 * serves every case of it: the spawner answers only once every process of
 * the last case is gone, and what the last case wrote there (it maps it
 * read-only, but it could remap) is all overwritten.  Returns the memfd,
 * kept open, or -errno.
 */
static int make_program_fd(int job, const struct ms_program *p, uint64_t *len)
{
	struct ms__wire_part part[MS__WIRE_PARTS];
	uint64_t off = 0;
	int fd, err;

	err = ms__wire_parts(p, part, len);
	if (err)
		return err;
	if (!program_fd_open[job]) {
		fd = ms__sys_memfd_create("sealspec-program", MFD_CLOEXEC);
		if (fd < 0)
			return fd;
		program_fd[job] = fd;
		program_fd_open[job] = true;
	}
	fd = program_fd[job];
	for (int i = 0; i < MS__WIRE_PARTS && !err; i++) {
		err = pwrite_all(fd, part[i].data, part[i].len, off);
		off += part[i].len;
	}
	if (err) {
		ms__sys_close(fd);
		program_fd_open[job] = false;
		return err;
	}
	return fd;
}

/*
 * The memfd an exec step hands over: the printed program at
 * MS__HANDOFF_TEXT; each exec step writes its handoff header in front.
 */
static int make_text_fd(const struct ms_program *p, uint64_t *text_len)
{
	char *text = ms_print(p);
	uint64_t len;
	int fd, err;

	if (!text)
		return -ENOMEM;
	len = strlen(text);
	*text_len = len;
	fd = ms__sys_memfd_create("sealspec-exec", MFD_CLOEXEC);
	if (fd >= 0) {
		err = pwrite_all(fd, text, len, MS__HANDOFF_TEXT);
		if (err) {
			ms__sys_close(fd);
			fd = err;
		}
	}
	free(text);
	return fd;
}

struct collect {
	bool brok;
	bool append_last;
	char reason[200];
	bool have_reply;
	struct ms__spawn_reply rep;
	bool stop_sent;
	struct segments seg;
	char out[OUTPUT_KEEP];
	size_t out_len, out_lost;
};

static int take_record(struct ms__msg *msg, struct ms_trace *t,
		       struct collect *c)
{
	switch (msg->kind) {
	case MS__MSG_OUTCOME:
		if (t->nout < TRACE_MAX)
			return ms_trace_add(t, &msg->out);
		if (!c->brok) {
			c->brok = true;
			snprintf(c->reason, sizeof(c->reason),
				 "the scenario sent more than %d outcomes",
				 TRACE_MAX);
		}
		break;
	case MS__MSG_SHM_INTENT:
		return seg_intent(&c->seg, msg->pid);
	case MS__MSG_SHMID:
		return seg_made(&c->seg, msg->shmid, msg->pid);
	case MS__MSG_BROK:
		if (c->brok)
			break;
		c->brok = true;
		c->append_last = msg->append_last;
		msg->reason[sizeof(msg->reason) - 1] = '\0';
		memcpy(c->reason, msg->reason, sizeof(c->reason));
		break;
	}
	return 0;
}

static void take_output(struct collect *c, const char *buf, size_t n)
{
	size_t room = sizeof(c->out) - c->out_len;

	if (n > room) {
		c->out_lost += n - room;
		n = room;
	}
	memcpy(c->out + c->out_len, buf, n);
	c->out_len += n;
}

static void describe_last(const struct ms_program *p, const struct ms_trace *t,
			  char *buf, size_t n)
{
	int step = t->nout ? t->out[t->nout - 1].step : -1;

	if (step < 0 || step >= p->nsteps)
		snprintf(buf, n, "none");
	else
		snprintf(buf, n, "%d (line %d)", ms_step_number(p, step),
			 p->steps[step].loc.line);
}

static void format_seconds(char *buf, size_t n, int64_t ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, n, "%lld s", (long long)(ms / 1000));
	else if (ms < 1000)
		snprintf(buf, n, "%lld ms", (long long)ms);
	else
		snprintf(buf, n, "%.1f s", (double)ms / 1000.0);
}

static void finish_trace(const struct ms_program *p, int timeout_ms,
			 const struct collect *c, struct ms_trace *t)
{
	int status = c->rep.status;
	char last[64], secs[32], waited[32];

	describe_last(p, t, last, sizeof(last));
	t->end = MS_END_BROK;
	if (c->rep.timed_out) {
		t->timed_out = true;
		format_seconds(secs, sizeof(secs), timeout_ms);
		format_seconds(waited, sizeof(waited), c->rep.waited_ms);
		snprintf(t->reason, sizeof(t->reason),
			 "timed out after %s%s%s%s; last step completed: %s",
			 secs, c->rep.waited_ms >= 100 ? " (not counting " : "",
			 c->rep.waited_ms >= 100 ? waited : "",
			 c->rep.waited_ms >= 100 ? " waiting for a CPU)" : "",
			 last);
	} else if (c->brok) {
		snprintf(t->reason, sizeof(t->reason), "%.180s%s%.60s", c->reason,
			 c->append_last ? " after step " : "",
			 c->append_last ? last : "");
	} else if (c->seg.failed) {
		snprintf(t->reason, sizeof(t->reason),
			 "the runner could not hold a SysV segment the "
			 "scenario made: %s",
			 ms_errno_name((int)-c->seg.failed) ?
				 ms_errno_name((int)-c->seg.failed) : "?");
	} else if (WIFSIGNALED(status)) {
		snprintf(t->reason, sizeof(t->reason),
			 "child killed by %s after step %s",
			 ms__signal_name(WTERMSIG(status)), last);
	} else if (WIFEXITED(status) &&
		   (WEXITSTATUS(status) == MS__EXIT_DONE ||
		    WEXITSTATUS(status) == MS__EXIT_SETUP)) {
		/* A failed setup step is in the trace; the judge says BROK. */
		t->end = MS_END_DONE;
	} else {
		snprintf(t->reason, sizeof(t->reason),
			 "child exited with status %d after step %s",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, last);
	}
}

/* What the scenario process wrote goes to our stderr, marked as its. */
static void relay_output(const struct ms_program *p, const struct collect *c)
{
	char head[300];
	int n;

	if (!c->out_len)
		return;
	n = snprintf(head, sizeof(head), "sealspec: %s: the scenario process "
		     "wrote:\n", p->name);
	ms__sys_write_all(2, head, (size_t)n);
	ms__sys_write_all(2, c->out, c->out_len);
	if (c->out[c->out_len - 1] != '\n')
		ms__sys_write_all(2, "\n", 1);
	if (c->out_lost) {
		n = snprintf(head, sizeof(head), "sealspec: %s: %zu more bytes "
			     "not shown\n", p->name, c->out_lost);
		ms__sys_write_all(2, head, (size_t)n);
	}
}

static void fill_request(const struct ms_kernel_info *ki,
			 const struct ms_kernel_opts *o,
			 struct ms__spawn_req *req)
{
	int timeout_ms = o && o->timeout_ms > 0 ? o->timeout_ms :
						  DEFAULT_TIMEOUT_MS;

	memset(req, 0, sizeof(*req));
	req->timeout_ms = timeout_ms;
	req->snapshots = o && o->snapshots;
	/* How the scenario process reads pages it may not read itself. */
	req->data_route = (int32_t)ki->data_route;
	req->data_route_forced = ki->data_route_forced;
	req->lim.max_map = o && o->max_map ? o->max_map : DEFAULT_MAX_MAP;
	req->lim.max_lock = o && o->max_lock ? o->max_lock : DEFAULT_MAX_LOCK;
	/* A backstop: the timeout ends a scenario long before. */
	req->lim.cpu_s = (uint32_t)(2 * (timeout_ms / 1000) + 2);
}

/*
 * Starts the scenario process with the program, the pipes and the exec
 * text; on success *rec and *out are the read ends.
 */
static int start_scenario(int job, const struct ms_program *p,
			  const struct ms__spawn_req *tmpl, int *rec, int *out)
{
	struct ms__spawn_req req = *tmpl;
	int fds[4] = { -1, -1, -1, -1 }, rp[2] = { -1, -1 },
	    op[2] = { -1, -1 }, prog, err;

	prog = make_program_fd(job, p, &req.program_len);
	if (prog < 0)
		return prog;
	if (has_exec(p)) {
		fds[3] = make_text_fd(p, &req.text_len);
		if (fds[3] < 0) {
			err = fds[3];
			goto out;
		}
	}
	err = ms__sys_pipe(rp);
	if (!err)
		err = ms__sys_pipe(op);
	if (err)
		goto out;
	ms__sys_pipe_size(rp[1], RECORD_PIPE_SIZE);
	ms__sys_set_nonblock(rp[0]);
	ms__sys_set_nonblock(op[0]);
	fds[0] = prog;
	fds[1] = rp[1];
	fds[2] = op[1];
	err = ms__spawn_run_on(job, &req, fds, fds[3] >= 0 ? 4 : 3);
out:
	for (int i = 1; i < 4; i++)
		if (fds[i] >= 0)
			ms__sys_close(fds[i]);
	if (err) {
		for (int i = 0; i < 2; i++) {
			if (rp[i] >= 0)
				ms__sys_close(rp[i]);
			if (op[i] >= 0)
				ms__sys_close(op[i]);
		}
		return err;
	}
	*rec = rp[0];
	*out = op[0];
	return 0;
}

/* ---- the jobs: scenario processes that run at the same time ------- */

/*
 * One scenario in flight, on spawner `index`.  Each job reads its own
 * pipes and its spawner's socket; ms_kernel_wait() polls them all.
 */
struct job {
	bool busy;
	bool alone;		/* others wait until it has ended */
	bool failed;		/* err ends it, whatever else is pending */
	bool dead;		/* failed once: its spawner's answers can no
				 * longer be told apart, so it runs no more */
	const struct ms_program *p;
	struct ms_trace *t;
	void *tag;
	int timeout_ms;
	int rec, out;
	bool rec_open, out_open;
	int64_t drain_until;
	int64_t read_at;	/* when to read records next, */
	bool rec_quiet;		/* or, when true, wait for one */
	int read_ms;		/* RECORD_READ_MS or RECORD_READ_SHM_MS */
	size_t have;		/* bytes of records read, not taken yet */
	bool garbled;		/* a record of no length: take no more */
	int err;
	struct ms__msg msg;
	struct collect c;
	char in[RECORD_READ];	/* what the record pipe gave (last: a new
				 * case clears what comes before it) */
};

static struct job *jobs;
static int njobs;

int ms_kernel_set_jobs(int n)
{
	int err;

	if (jobs) {
		for (int i = 0; i < njobs; i++)
			if (jobs[i].busy)
				return -EBUSY;
	}
	err = ms__spawner_jobs(n);
	if (err < 0)
		return err;
	free(jobs);
	jobs = NULL;
	njobs = 0;
	return 0;
}

static int jobs_ready(void)
{
	int n = ms__spawner_count();

	if (jobs && njobs == n)
		return 0;
	if (jobs) {
		for (int i = 0; i < njobs; i++)
			if (jobs[i].busy)
				return -EBUSY;
		free(jobs);
	}
	jobs = calloc((size_t)n, sizeof(*jobs));
	if (!jobs) {
		njobs = 0;
		return -ENOMEM;
	}
	njobs = n;
	return 0;
}

static bool calls_shmget(const struct ms_program *p)
{
	for (int i = 0; i < p->nsteps; i++)
		if (p->steps[i].kind == MS_STEP_CALL &&
		    p->steps[i].call == MS_CALL_SHMGET)
			return true;
	return false;
}

/*
 * A scenario that draws on a count the whole system shares runs alone:
 * SysV segments (kernel.shmmni, shmall) and aio rings (fs.aio-max-nr).
 * Everything else a scenario can exhaust is its own process's:
 * vm.max_map_count, RLIMIT_MEMLOCK for mlock and mlockall, RLIMIT_AS,
 * protection keys, descriptors.
 */
static bool must_run_alone(const struct ms_program *p)
{
	for (int i = 0; i < p->nsteps; i++) {
		const struct ms_step *s = &p->steps[i];

		if (s->kind == MS_STEP_CALL && (s->call == MS_CALL_SHMGET ||
						s->call == MS_CALL_IO_SETUP))
			return true;
	}
	return false;
}

int ms_kernel_begin(const struct ms_program *p, const struct ms_kernel_info *ki,
		    const struct ms_kernel_opts *o, struct ms_trace *t,
		    void *tag)
{
	static struct ms_kernel_info probed;
	static bool have_probed;
	struct ms__spawn_req req;
	struct job *j = NULL;
	bool alone, others = false;
	int err;

	if (!ki) {
		if (!have_probed) {
			err = ms_kernel_probe(&probed);
			if (err < 0)
				return err;
			have_probed = true;
		}
		ki = &probed;
	}
	if (ms__trace_start(t, p, ki,
			    ki->page_size > 0 ? ki->page_size :
						sysconf(_SC_PAGESIZE)))
		return 1;
	if (interrupted)
		return -EINTR;
	err = ms_kernel_start();
	if (!err)
		err = jobs_ready();
	if (err < 0)
		return err;

	alone = must_run_alone(p);
	for (int i = 0; i < njobs; i++) {
		if (jobs[i].busy && jobs[i].alone)
			return -EBUSY;
		if (jobs[i].busy)
			others = true;
		else if (!j && !jobs[i].dead)
			j = &jobs[i];
	}
	if (!j && !others)
		return -EPIPE;	/* every job failed */
	if (!j || (alone && others))
		return -EBUSY;

	fill_request(ki, o, &req);
	memset(j, 0, offsetof(struct job, in));
	j->c.seg.since = (int64_t)time(NULL) - 1;
	err = start_scenario((int)(j - jobs), p, &req, &j->rec, &j->out);
	if (err < 0)
		return err;
	j->busy = true;
	j->alone = alone;
	j->p = p;
	j->t = t;
	j->tag = tag;
	j->timeout_ms = req.timeout_ms;
	j->rec_open = true;
	j->out_open = true;
	j->read_ms = calls_shmget(p) ? RECORD_READ_SHM_MS : RECORD_READ_MS;
	j->read_at = ms__now_ms() + j->read_ms;
	return 0;
}

static void job_fail(struct job *j, int err)
{
	if (!j->failed) {
		j->failed = true;
		j->err = err;
	}
}

/*
 * Takes the whole records at the front of j->in (ms__msg_len(): len
 * bytes each, the pages not sent are zeros) and keeps the rest.  A length
 * no record has means the pipe carries garbage: BROK, and nothing more is
 * taken from it.
 */
static void job_take_records(struct job *j)
{
	size_t at = 0;

	while (!j->garbled) {
		long len = ms__msg_take(j->in + at, j->have - at, &j->msg);

		if (len < 0) {
			uint32_t said;

			memcpy(&said, j->in + at, sizeof(said));
			j->garbled = true;
			j->c.brok = true;
			j->c.append_last = false;
			snprintf(j->c.reason, sizeof(j->c.reason),
				 "the scenario process sent a record of %u "
				 "bytes", said);
			break;
		}
		if (len == 0)
			break;
		at += (size_t)len;
		/* A runner out of memory still drains, then says so. */
		if (!j->err && take_record(&j->msg, j->t, &j->c) < 0)
			j->err = -ENOMEM;
	}
	if (j->garbled)
		j->have = 0;
	else if (at) {
		memmove(j->in, j->in + at, j->have - at);
		j->have -= at;
	}
}

/*
 * Reads the records that wait in the pipe, up to EAGAIN or the end; the
 * next read is in read_ms if some came, else when one comes.
 */
static void job_read_records(struct job *j)
{
	j->rec_quiet = true;
	j->read_at = ms__now_ms() + j->read_ms;
	for (;;) {
		long r = ms__sys_read(j->rec, j->in + j->have,
				      sizeof(j->in) - j->have);

		if (r == -EAGAIN)
			return;
		if (r <= 0) {
			j->rec_open = false;
			return;
		}
		j->have += (size_t)r;
		j->rec_quiet = false;
		job_take_records(j);
	}
}

/*
 * What poll found on one job's descriptors: the spawner's reply, output
 * to keep, records to take (polled for only once the spawner has
 * answered; before, they are read every read_ms).
 */
static void job_pump(struct job *j, int index, short rev_rec, short rev_out,
		     short rev_sock)
{
	static char buf[4096];
	struct collect *c = &j->c;
	long r;

	if (rev_sock) {
		int err = ms__spawn_reply_on(index, &c->rep);

		if (err < 0) {
			job_fail(j, err);
			return;
		}
		c->have_reply = true;
		j->drain_until = ms__now_ms() + DRAIN_MAX_MS;
	}
	if (rev_out) {
		r = ms__sys_read(j->out, buf, sizeof(buf));
		if (r > 0)
			take_output(c, buf, (size_t)r);
		else if (r == 0 || r != -EAGAIN)
			j->out_open = false;
	}
	/* Woken by a record after a quiet read: read on the timer again. */
	if (rev_rec && !c->have_reply) {
		j->rec_quiet = false;
		j->read_at = ms__now_ms() + j->read_ms;
	} else if (rev_rec || (c->have_reply && j->rec_open)) {
		job_read_records(j);
	}
}

/*
 * Has the job ended?  When the spawner has answered (every process of
 * the scenario is gone) and every writer closed both pipes, or they did
 * not within DRAIN_MAX_MS of the answer.  *left: how long until that.
 */
static bool job_over(const struct job *j, int64_t now, int64_t *left)
{
	if (j->failed)
		return true;
	if (!j->c.have_reply)
		return false;
	if (!j->rec_open && !j->out_open)
		return true;
	*left = j->drain_until - now;
	return *left <= 0;
}

static int job_finish(struct job *j, void **tag)
{
	struct collect *c = &j->c;
	int err = j->err;

	ms__sys_close(j->rec);
	ms__sys_close(j->out);
	if (!err && c->rep.err < 0)
		err = c->rep.err;
	if (!err && c->rep.stopped)
		err = -EINTR;
	if (!err)
		finish_trace(j->p, j->timeout_ms, c, j->t);
	seg_release(&c->seg);
	relay_output(j->p, c);
	j->busy = false;
	j->dead = j->failed;
	*tag = j->tag;
	return err;
}

int ms_kernel_wait(void **tag)
{
	struct pollfd pf[1 + 3 * MS__JOBS_MAX];
	static char buf[64];

	for (;;) {
		int64_t now = ms__now_ms(), left = -1;
		int n = 1, nbusy = 0, timeout = -1, at[MS__JOBS_MAX];
		long r;

		for (int i = 0; i < njobs; i++) {
			struct job *j = &jobs[i];
			int64_t l = -1;

			if (!j->busy)
				continue;
			nbusy++;
			if (interrupted && !j->c.stop_sent &&
			    !j->c.have_reply && !j->failed) {
				j->c.stop_sent = true;
				if (ms__spawn_stop_on(i) < 0)
					job_fail(j, -EPIPE);
			}
			if (!j->c.have_reply && j->rec_open &&
			    !j->rec_quiet && now >= j->read_at)
				job_read_records(j);
			if (job_over(j, now, &l))
				return job_finish(j, tag);
			if (!j->c.have_reply && j->rec_open && !j->rec_quiet)
				l = j->read_at - now < 0 ? 0 :
							   j->read_at - now;
			if (l >= 0 && (left < 0 || l < left))
				left = l;
		}
		if (!nbusy)
			return -ECHILD;
		timeout = left < 0 ? -1 : left > INT32_MAX ? INT32_MAX :
							 (int)left;
		pf[0] = (struct pollfd){ wake[0], POLLIN, 0 };
		for (int i = 0; i < njobs; i++) {
			struct job *j = &jobs[i];

			at[i] = -1;
			if (!j->busy)
				continue;
			at[i] = n;
			pf[n++] = (struct pollfd){
				j->rec_open && (j->c.have_reply ||
						j->rec_quiet) ? j->rec : -1,
				POLLIN, 0 };
			pf[n++] = (struct pollfd){ j->out_open ? j->out : -1,
						   POLLIN, 0 };
			pf[n++] = (struct pollfd){
				j->c.have_reply ? -1 : ms__spawn_fd_on(i),
				POLLIN, 0 };
		}
		r = ms__sys_poll(pf, n, timeout);
		if (r < 0 && r != -EINTR) {
			/* Every run in flight ends with it, each with its tag. */
			for (int i = 0; i < njobs; i++)
				if (jobs[i].busy)
					job_fail(&jobs[i], (int)r);
			continue;
		}
		if (r <= 0)
			continue;
		if (pf[0].revents) {
			while (ms__sys_read(wake[0], buf, sizeof(buf)) > 0)
				;
		}
		for (int i = 0; i < njobs; i++) {
			if (at[i] < 0)
				continue;
			job_pump(&jobs[i], i, pf[at[i]].revents,
				 pf[at[i] + 1].revents, pf[at[i] + 2].revents);
		}
	}
}

bool ms__trace_start(struct ms_trace *t, const struct ms_program *p,
		     const struct ms_kernel_info *ki, long page_size)
{
	uint32_t missing;
	int f;

	t->nout = 0;
	t->end = MS_END_DONE;
	t->timed_out = false;
	t->reason[0] = '\0';
	t->arena = MS__ARENA_BASE;
	t->arena_size = MS__ARENA_SIZE;
	t->page_size = page_size;
	missing = (p->features | ms_program_features(p)) & ~ki->features;
	if (!missing)
		return false;
	f = __builtin_ctz(missing);
	t->end = MS_END_SKIP;
	snprintf(t->reason, sizeof(t->reason), "needs %s: %s",
		 ms_feature_name(f),
		 ki->why_missing[f][0] ? ki->why_missing[f] : "not available");
	return true;
}

/* One scenario, when nothing else runs: ms_kernel_begin(), then wait. */
int ms_kernel_run(const struct ms_program *p, const struct ms_kernel_info *ki,
		  const struct ms_kernel_opts *o, struct ms_trace *t)
{
	void *tag;
	int err = ms_kernel_begin(p, ki, o, t, t);

	if (err == 1)
		return 0;
	if (err < 0)
		return err;
	do
		err = ms_kernel_wait(&tag);
	while (err != -ECHILD && tag != t);
	return err;
}

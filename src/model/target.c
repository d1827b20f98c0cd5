// SPDX-License-Identifier: MIT
/*
 * The model target: the shared step interpreter (src/interp/) driving the
 * model of an address space instead of a process.
 *
 * A fork step pushes a child address space (ms_mm_fork) and pops it at
 * the block's end; an exec step resets the address space (ms_mm_exec) and
 * maps a new vDSO.  Descriptors (memfd, reopen) live in one table, as
 * open file descriptions: a fork child sees its parent's, and an exec
 * keeps them but those reopened with O_CLOEXEC (the kernel target's
 * memfds are not close-on-exec).
 *
 * In lockstep with the kernel (ms_model_opts.lockstep), the values the
 * kernel chose are adopted: the address of every mapping call that
 * searched for free space, the vDSO's place, the program break.  Anything
 * else is the model's own answer, so a difference is a finding.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "compat.h"
#include "interp/interp.h"
#include "sealspec-model.h"

/* Where the model puts the vDSO unless the kernel says otherwise: below
 * the stack, as x86-64 places it, outside the arena. */
#define VDSO_DEFAULT 0x7ffff7fc1000ULL
#define VDSO_PAGES 2
#define FDS_MAX 64
#define FD_FIRST 3

struct mtarget {
	struct ms__interp in;
	const struct ms_model_opts *o;
	struct ms_mm_config cfg;
	struct ms_mm *mm[MS_FORK_DEPTH_MAX + 2];	/* by fork depth */
	struct ms_file *fd[FDS_MAX];
	bool cloexec[FDS_MAX];		/* closed by an exec step */
	struct ms_trace *t;
	int ref_pos;			/* next lockstep outcome to look at */
	uint64_t vdso;
	int err;			/* -ENOMEM while recording */
};

static struct mtarget *mtarget_of(struct ms__interp *in)
{
	return (struct mtarget *)((char *)in - offsetof(struct mtarget, in));
}

static struct ms_mm *cur_mm(struct mtarget *m)
{
	return m->mm[m->in.depth];
}

/* ---- lockstep ----------------------------------------------------------- */

/*
 * The kernel's outcome of step `step` in the current context, or NULL.
 * Outcomes arrive in program order per process, so a cursor that only
 * moves forward finds them.
 */
static const struct ms_outcome *kernel_outcome(struct mtarget *m, int step)
{
	const struct ms_trace *k = m->o ? m->o->lockstep : NULL;

	if (!k)
		return NULL;
	for (int i = m->ref_pos; i < k->nout; i++) {
		const struct ms_outcome *o = &k->out[i];

		if (o->kind == MS_OUT_PAGES)
			continue;
		if (o->step == step && o->pid_depth == m->in.depth) {
			m->ref_pos = i + 1;
			return o;
		}
	}
	return NULL;
}

/* The kernel's first successful return of a call, anywhere in its trace. */
static const struct ms_outcome *kernel_first(const struct ms_model_opts *o,
					     const struct ms_program *p,
					     enum ms_call call)
{
	const struct ms_trace *k = o ? o->lockstep : NULL;

	for (int i = 0; k && i < k->nout; i++) {
		const struct ms_outcome *x = &k->out[i];

		if (x->kind == MS_OUT_RET && x->ret >= 0 && x->step >= 0 &&
		    x->step < p->nsteps &&
		    p->steps[x->step].kind == MS_STEP_CALL &&
		    p->steps[x->step].call == call)
			return x;
	}
	return NULL;
}

/* The kernel's first successful return of a call after step from. */
static const struct ms_outcome *kernel_after(const struct ms_model_opts *o,
					     const struct ms_program *p,
					     enum ms_call call, int from)
{
	const struct ms_trace *k = o ? o->lockstep : NULL;

	for (int i = 0; k && i < k->nout; i++) {
		const struct ms_outcome *x = &k->out[i];

		if (x->kind == MS_OUT_RET && x->ret >= 0 && x->step > from &&
		    x->step < p->nsteps &&
		    p->steps[x->step].kind == MS_STEP_CALL &&
		    p->steps[x->step].call == call)
			return x;
	}
	return NULL;
}

/* ---- descriptors ---------------------------------------------------------- */

static struct ms_file *fd_file(struct mtarget *m, int64_t fd)
{
	if (fd < FD_FIRST || fd >= FDS_MAX)
		return NULL;
	return m->fd[fd];
}

/* The lowest free number, as open(2) gives; -EMFILE when none is. */
static int fd_install(struct mtarget *m, struct ms_file *f)
{
	for (int fd = FD_FIRST; fd < FDS_MAX; fd++) {
		if (!m->fd[fd]) {
			m->fd[fd] = f;
			return fd;
		}
	}
	ms_file_put(f);
	return -EMFILE;
}

/* ---- the backend's operations ---------------------------------------------- */

static int64_t fault_result(const struct ms_fault *f, int *signo,
			    uint64_t *fault_addr)
{
	if (f->signo) {
		*signo = f->signo;
		*fault_addr = f->addr;
	}
	return 0;
}

static int64_t m_call(struct ms__interp *in, int i, const int64_t *a,
		      const char *const *str, int *signo, uint64_t *fault_addr,
		      bool *stop)
{
	struct mtarget *m = mtarget_of(in);
	const struct ms_step *s = &in->p->steps[i];
	struct ms_mm *mm = cur_mm(m);
	const struct ms_outcome *k = kernel_outcome(m, i);
	uint64_t u0 = (uint64_t)a[0], u1 = (uint64_t)a[1];
	struct ms_fault f = { 0 };
	struct ms_file *file;
	int64_t ret;

	if (m->o->before_call)
		m->o->before_call(m->o->ctx, mm, in->p, i, a);
	/* The kernel chose an address: take the same one. */
	if (k && k->kind == MS_OUT_RET && k->ret >= 0 &&
	    ms_call_desc[s->call].ret == MS_RET_ADDR)
		ms_mm_adopt(mm, (uint64_t)k->ret);

	switch (s->call) {
	case MS_CALL_MMAP:
		file = NULL;
		if (!(a[3] & MAP_ANONYMOUS) && s->nargs > 4) {
			file = fd_file(m, a[4]);
			if (!file) {
				ret = -EBADF;
				break;
			}
		}
		ret = ms_mmap(mm, u0, u1, (int)a[2], (int)a[3], file,
			      (uint64_t)a[5]);
		break;
	case MS_CALL_MUNMAP:
		ret = ms_munmap(mm, u0, u1);
		break;
	case MS_CALL_MPROTECT:
		ret = ms_mprotect(mm, u0, u1, (int)a[2]);
		break;
	case MS_CALL_PKEY_MPROTECT:
		ret = ms_pkey_mprotect(mm, u0, u1, (int)a[2], (int)a[3]);
		break;
	case MS_CALL_PKEY_ALLOC:
		ret = ms_pkey_alloc(mm, (unsigned int)a[0], (unsigned int)a[1]);
		break;
	case MS_CALL_PKEY_FREE:
		ret = ms_pkey_free(mm, (int)a[0]);
		break;
	case MS_CALL_MADVISE:
		ret = ms_madvise(mm, u0, u1, (int)a[2]);
		break;
	case MS_CALL_PROCESS_MADVISE:
		ret = ms_process_madvise(mm, u0, u1, (int)a[2]);
		break;
	case MS_CALL_PROCESS_MADVISE_PARENT:
		ret = ms_process_madvise_remote(m->mm[in->depth - 1], u0, u1,
						(int)a[2]);
		break;
	case MS_CALL_MREMAP:
		ret = ms_mremap(mm, u0, u1, (uint64_t)a[2], (int)a[3],
				(uint64_t)a[4]);
		break;
	case MS_CALL_MLOCK:
		ret = ms_mlock(mm, u0, u1);
		break;
	case MS_CALL_MLOCK2:
		ret = ms_mlock2(mm, u0, u1, (unsigned int)a[2]);
		break;
	case MS_CALL_MUNLOCK:
		ret = ms_munlock(mm, u0, u1);
		break;
	case MS_CALL_MLOCKALL:
		ret = ms_mlockall(mm, (int)a[0]);
		break;
	case MS_CALL_MUNLOCKALL:
		ret = ms_munlockall(mm);
		break;
	case MS_CALL_MSYNC:
		ret = ms_msync(mm, u0, u1, (int)a[2]);
		break;
	case MS_CALL_MBIND:
		/* The kernel target binds to node 0 (nodemask {0}); mode 0,
		 * MPOL_DEFAULT, takes no mask. */
		ret = ms_mbind(mm, u0, u1, (int)a[2], a[2] ? 1 : 0,
			       (unsigned int)a[3]);
		break;
	case MS_CALL_SET_MEMPOLICY_HOME_NODE:
		ret = ms_set_mempolicy_home_node(mm, u0, u1, (uint64_t)a[2],
						 (uint64_t)a[3]);
		break;
	case MS_CALL_MINCORE:
		ret = ms_mincore(mm, u0, u1, NULL);
		break;
	case MS_CALL_MSEAL:
		ret = ms_mseal(mm, u0, u1, (uint64_t)a[2]);
		break;
	case MS_CALL_BRK:
		ret = (int64_t)ms_brk(mm, u0);
		break;
	case MS_CALL_REMAP_FILE_PAGES:
		ret = ms_remap_file_pages(mm, u0, u1, (int)a[2], (uint64_t)a[3],
					  (int)a[4]);
		break;
	case MS_CALL_SHMGET:
		ret = ms_shmget(mm, u0);
		break;
	case MS_CALL_SHMAT:
		ret = ms_shmat(mm, (int)a[0], u1, (int)a[2]);
		break;
	case MS_CALL_SHMDT:
		ret = ms_shmdt(mm, u0);
		break;
	case MS_CALL_IO_SETUP: {
		uint64_t ctx = 0;

		ret = ms_io_setup(mm, (unsigned int)a[0], &ctx);
		if (ret == 0)
			ret = (int64_t)ctx;
		break;
	}
	case MS_CALL_IO_DESTROY:
		ret = ms_io_destroy(mm, u0);
		break;
	case MS_CALL_MEMFD:
		ret = ms_file_memfd(mm, u0, str[1], &file);
		if (ret == 0)
			ret = fd_install(m, file);
		break;
	case MS_CALL_REOPEN:
		file = fd_file(m, a[0]);
		if (!file) {
			ret = -EBADF;
			break;
		}
		ret = ms_file_reopen(file, (a[1] & O_ACCMODE) == O_RDWR,
				     &file);
		if (ret == 0)
			ret = fd_install(m, file);
		if (ret >= 0)
			m->cloexec[ret] = a[1] & O_CLOEXEC;
		break;
	case MS_CALL_VDSO:
		ret = m->vdso ? (int64_t)m->vdso : -ENOENT;
		break;
	case MS_CALL_FILL:
		ret = ms_mm_fill(mm, u0, str[1], &f);
		if (ret == 0)
			ret = fault_result(&f, signo, fault_addr);
		break;
	case MS_CALL_READ:
		ret = ms_mm_read(mm, u0, u1, &f);
		if (ret == 0)
			ret = fault_result(&f, signo, fault_addr);
		break;
	case MS_CALL_PROC_MEM_WRITE:
	case MS_CALL_PTRACE_POKE:
		ret = ms_mm_force_write(mm, u0, str[1]);
		break;
	case MS_CALL_PROCESS_VM_WRITE:
		ret = ms_process_vm_write(mm, u0, str[1]);
		break;
	case MS_CALL_UFFD_REGISTER:
		ret = ms_uffd_register(mm, u0, u1);
		break;
	case MS_CALL_UFFD_COPY:
		ret = ms_uffd_copy(mm, u0, str[1]);
		break;
	case MS_CALL_UFFD_MOVE:
		ret = ms_uffd_move(mm, u0, u1, (uint64_t)a[2]);
		break;
	case MS_CALL_SEALED_VMAS:
		ret = ms_mm_sealed_vmas(mm);
		break;
	case MS_CALL_USE_MAP_SLOTS:
		ret = ms_mm_use_map_slots(mm, u0, u1, a[2]);
		break;
	case MS_CALL_PKEY_SET:
		ret = ms_pkey_set(mm, (int)a[0], (unsigned int)a[1]);
		break;
	case MS_CALL_FTRUNCATE:
		file = fd_file(m, a[0]);
		ret = file ? ms_file_truncate(mm, file, u1) : -EBADF;
		for (int d = 0; ret == 0 && d <= in->depth; d++)
			ms_mm_file_truncated(m->mm[d], file);
		break;
	case MS_CALL_FALLOCATE:
		file = fd_file(m, a[0]);
		ret = file ? ms_file_fallocate(mm, file, (int)a[1],
					       (uint64_t)a[2], (uint64_t)a[3]) :
			     -EBADF;
		break;
	case MS_CALL_PWRITE:
		file = fd_file(m, a[0]);
		ret = file ? ms_file_pwrite(mm, file, str[1], (uint64_t)a[2]) :
			     -EBADF;
		break;
	case MS_CALL_PROC_MEM_READ:
		ret = ms_mm_force_read(mm, u0, u1);
		break;
	case MS_CALL_PROCESS_MADVISE2: {
		const uint64_t iov[2][2] = { { u0, u1 },
					     { (uint64_t)a[2], (uint64_t)a[3] } };

		ret = ms_process_madvise_vec(mm, iov, 2, (int)a[4]);
		break;
	}
	default:
		*stop = true;
		return ms__interp_brok(in, i, "the model has no such call", 0);
	}
	/* An adopted address the call did not search for must not linger. */
	ms_mm_adopt_clear(mm);
	return ret;
}

/*
 * The model reads any page without changing it, and nothing is out of its
 * reach: a snapshot (MS__OBSERVE_SEALED_DATA) shows every sealed page's
 * contents, where the kernel target shows those it can read without a
 * fault.  That is a superset: --target both compares contents only where
 * both targets read them.
 */
static int m_observe(struct ms__interp *in, uint64_t addr, int npages,
		     enum ms__observe_data data, struct ms_page *pages)
{
	struct mtarget *m = mtarget_of(in);
	int err;

	err = ms_mm_observe(cur_mm(m), addr, npages, pages);
	if (err)
		return err;
	if (data == MS__OBSERVE_DATA) {
		/*
		 * The kernel target reads the contents through /proc/self/mem
		 * page by page, which faults in what it reads (all but
		 * untouched private anonymous pages): shmem pages come into
		 * the page cache, where a later page of the same file then
		 * finds them.
		 */
		for (int i = 0; i < npages; i++) {
			uint64_t a = addr + (uint64_t)i * (uint64_t)in->ps;
			struct ms_page one;

			if (ms_mm_observe(cur_mm(m), a, 1, &one) == 0)
				pages[i].data = one.data;
			ms_mm_fault_in_observed(cur_mm(m), a, 1);
		}
		return 0;
	}
	for (int i = 0; i < npages; i++)
		if (!pages[i].mapped)
			pages[i].data = '.';
		else if (data == MS__OBSERVE_NO_DATA || !pages[i].sealed)
			pages[i].data = '?';
	return 0;
}

static void m_observe_hold(struct ms__interp *in, bool hold)
{
	(void)in;
	(void)hold;
}

/*
 * The pages from addr to the end of its VMA, as far as a snapshot shows
 * them (MS_GRID_MAX): one observation, whose VMA numbers tell the VMAs
 * apart (they mean nothing across two observations).
 */
static uint64_t m_region_size(struct ms__interp *in, uint64_t addr)
{
	struct ms_page pg[MS_GRID_MAX];
	struct mtarget *m = mtarget_of(in);
	uint64_t n = 0;

	if (ms_mm_observe(cur_mm(m), addr, MS_GRID_MAX, pg))
		return 0;
	while (n < MS_GRID_MAX && pg[n].mapped && pg[n].vma == pg[0].vma)
		n++;
	return n * (uint64_t)in->ps;
}

static int m_fork(struct ms__interp *in, int step)
{
	struct mtarget *m = mtarget_of(in);
	int err;

	(void)step;
	if (in->depth + 1 > MS_FORK_DEPTH_MAX)
		return -EAGAIN;
	err = ms_mm_fork(cur_mm(m), &m->mm[in->depth + 1]);
	return err < 0 ? err : MS__FORK_INLINE;
}

static int m_child_exit(struct ms__interp *in, int st)
{
	struct mtarget *m = mtarget_of(in);

	ms_mm_free(m->mm[in->depth]);
	m->mm[in->depth] = NULL;
	return st;
}

static int m_wait_child(struct ms__interp *in, int step, int end)
{
	(void)step;
	return ms__interp_brok(in, end, "the model forks inline", 0);
}

/* The new image's vDSO at addr; 0 or -errno. */
static int map_vdso(struct mtarget *m, uint64_t addr)
{
	int err = ms_mm_map_special(cur_mm(m), addr, VDSO_PAGES,
				    PROT_READ | PROT_EXEC, MS_SPECIAL_VDSO);

	return err;
}

static int m_exec(struct ms__interp *in, int step)
{
	struct mtarget *m = mtarget_of(in);

	for (int fd = 0; fd < FDS_MAX; fd++) {
		if (m->fd[fd] && m->cloexec[fd]) {
			ms_file_put(m->fd[fd]);
			m->fd[fd] = NULL;
			m->cloexec[fd] = false;
		}
	}
	ms_mm_exec(cur_mm(m));
	/*
	 * The new image's vDSO lies where the kernel's exec put it (ASLR),
	 * which a later vdso() step tells in lockstep; without one it is not
	 * where the old one was, so the model puts it out of the way.
	 */
	if (m->o && m->o->lockstep) {
		const struct ms_outcome *k = kernel_after(m->o, in->p,
							  MS_CALL_VDSO, step);

		return map_vdso(m, k ? (uint64_t)k->ret : VDSO_DEFAULT);
	}
	return map_vdso(m, m->vdso);
}

static int m_emit(struct ms__interp *in, const struct ms_outcome *o)
{
	struct mtarget *m = mtarget_of(in);
	int err = ms_trace_add(m->t, o);

	if (err) {
		m->err = err;
		return ms__interp_brok(in, -1, "out of memory for the trace",
				       0);
	}
	return 0;
}

static const struct ms__backend_ops model_ops = {
	.call = m_call,
	.observe = m_observe,
	.observe_hold = m_observe_hold,
	.region_size = m_region_size,
	.fork = m_fork,
	.child_exit = m_child_exit,
	.wait_child = m_wait_child,
	.exec = m_exec,
	.emit = m_emit,
};

/* ---- the target ----------------------------------------------------------- */

uint32_t ms_model_features(enum ms_profile profile)
{
	uint32_t all = (1u << MS_NFEATURES) - 1;
	int n;
	const struct ms_model_switch *sw = ms_model_switches(&n);

	/* Features that are kernel behaviour follow the profile's switches. */
	for (int i = 0; i < n; i++) {
		if (sw[i].on[profile])
			continue;
		if (strcmp(sw[i].name, "guard-regions") == 0 ||
		    strcmp(sw[i].name, "guard-file") == 0)
			all &= ~(1u << MS_FEAT_GUARD);
		else if (strcmp(sw[i].name, "self-madvise") == 0)
			all &= ~(1u << MS_FEAT_SELF_MADVISE);
	}
	return all;
}

/*
 * The address space a scenario process starts with, as far as scenarios
 * can see it: nothing in the arena, a page-aligned break, a vDSO.
 */
static int start_mm(struct mtarget *m, const struct ms_program *p)
{
	const struct ms_outcome *k;
	int err;

	ms_mm_default_config(&m->cfg, m->o->profile);
	m->cfg.flip_switches = m->o->flip_switches;
	m->cfg.aio_ring_dontcopy = m->o->aio_ring_dontcopy;
	m->cfg.nr_pkeys = (m->o->features & (1u << MS_FEAT_PKEY)) ? 16 : 0;
	/* Privileged, as the catalog runs: low addresses are mappable. */
	if (m->o->features & (1u << MS_FEAT_LOW_ADDR))
		m->cfg.mmap_min_addr = 0;
	k = kernel_first(m->o, p, MS_CALL_BRK);
	if (k && k->step >= 0 && p->steps[k->step].nargs > 0 &&
	    p->steps[k->step].args[0].kind == MS_ARG_EXPR &&
	    p->steps[k->step].args[0].expr.nterms == 1 &&
	    ms_expr_terms(p, &p->steps[k->step].args[0].expr)[0].kind ==
		    MS_TERM_NUM &&
	    ms_expr_terms(p, &p->steps[k->step].args[0].expr)[0].num == 0)
		m->cfg.start_brk = (uint64_t)k->ret;
	err = ms_mm_new(&m->cfg, &m->mm[0]);
	if (err)
		return err;
	k = kernel_first(m->o, p, MS_CALL_VDSO);
	m->vdso = k ? (uint64_t)k->ret : VDSO_DEFAULT;
	return map_vdso(m, m->vdso);
}

int ms_model_run(const struct ms_program *p, const struct ms_model_opts *o,
		 struct ms_trace *t)
{
	static const struct ms_model_opts defaults = {
		.profile = MS_PROFILE_LINUX,
	};
	struct ms_model_opts oo;
	struct mtarget *m;
	uint32_t missing;
	int st, err;

	oo = o ? *o : defaults;
	if (!o)
		oo.features = ms_model_features(oo.profile);
	t->nout = 0;
	t->end = MS_END_DONE;
	t->timed_out = false;
	t->reason[0] = '\0';
	t->arena = MS__ARENA_BASE;
	t->arena_size = MS__ARENA_SIZE;
	t->page_size = 4096;

	missing = (p->features | ms_program_features(p)) & ~oo.features;
	if (missing) {
		int f = __builtin_ctz(missing);

		t->end = MS_END_SKIP;
		snprintf(t->reason, sizeof(t->reason),
			 "needs %s: the model under %s does not have it",
			 ms_feature_name(f), ms_profile_name(oo.profile));
		return 0;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->o = &oo;
	m->t = t;
	m->in.ops = &model_ops;
	m->in.p = p;
	m->in.ps = 4096;
	m->in.arena = MS__ARENA_BASE;
	m->in.snapshots = oo.snapshots;
	err = start_mm(m, p);
	if (err) {
		t->end = MS_END_BROK;
		snprintf(t->reason, sizeof(t->reason),
			 "the model cannot start an address space: %s",
			 ms_errno_name(-err) ? ms_errno_name(-err) : "error");
		st = MS__STOP_DONE;
	} else {
		st = ms__interp_run(&m->in, 0);
	}
	if (st == MS__STOP_BROK) {
		t->end = MS_END_BROK;
		snprintf(t->reason, sizeof(t->reason), "%s", m->in.reason);
	}
	for (int d = 0; d < (int)(sizeof(m->mm) / sizeof(m->mm[0])); d++)
		if (m->mm[d])
			ms_mm_free(m->mm[d]);
	for (int fd = 0; fd < FDS_MAX; fd++)
		if (m->fd[fd])
			ms_file_put(m->fd[fd]);
	err = m->err;
	free(m);
	return err;
}

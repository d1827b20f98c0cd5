// SPDX-License-Identifier: MIT
/*
 * What this kernel can do and which profile it behaves like, found by
 * trying, never from the version string: distribution kernels backport,
 * and a 6.1 kernel may carry mseal while a 6.12 one may lack a fix.  All
 * probes run in a forked child, so nothing they map, seal or lock stays in
 * the caller.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat.h"
#include "kernel/kernel.h"

#define PROBE_TIMEOUT_MS 10000

static const char *err_name(long err)
{
	const char *n = ms_errno_name((int)-err);

	return n ? n : "an unknown errno";
}

static void missing(struct ms_kernel_info *ki, enum ms_feature f,
		    const char *fmt, long err, const char *why)
{
	char *out = ki->why_missing[f];
	size_t n = sizeof(ki->why_missing[f]), len;

	snprintf(out, n, fmt, err_name(err));
	len = strlen(out);
	if (why)
		snprintf(out + len, n - len, ": %.*s", (int)(n - len), why);
}

static void have(struct ms_kernel_info *ki, enum ms_feature f)
{
	ki->features |= 1u << f;
	ki->why_missing[f][0] = '\0';
}

static long map_anon(long pages, long ps)
{
	return ms__sys_mmap(0, (uint64_t)(pages * ps), PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void probe_mseal(struct ms_kernel_info *ki)
{
	/* len 0 is a no-op on every kernel that has the syscall. */
	long r = ms__sys_mseal(0, 0, 0);

	if (r == -ENOSYS) {
		missing(ki, MS_FEAT_MSEAL, "mseal returned %s", r, NULL);
		return;
	}
	ki->has_mseal = true;
	have(ki, MS_FEAT_MSEAL);
}

static void probe_pkey(struct ms_kernel_info *ki)
{
	long r = ms__sys_pkey_alloc(0, 0);

	if (r >= 0) {
		ms__sys_pkey_free(r);
		have(ki, MS_FEAT_PKEY);
		return;
	}
	missing(ki, MS_FEAT_PKEY, "pkey_alloc failed with %s", r,
		r == -EINVAL ? "no protection-key hardware" :
		r == -ENOSPC ? "no free protection key" :
		r == -ENOSYS ? "no protection-key support in this kernel" :
			       NULL);
}

static void probe_uffd(struct ms_kernel_info *ki)
{
	long r = ms__sys_userfaultfd_probe();

	if (r == 0)
		have(ki, MS_FEAT_UFFD);
	else
		missing(ki, MS_FEAT_UFFD,
			"userfaultfd(UFFD_USER_MODE_ONLY) failed with %s", r,
			r == -EPERM ? "not permitted (vm.unprivileged_userfaultfd)" :
				      NULL);
}

static void probe_ptrace(struct ms_kernel_info *ki)
{
	long r = ms__sys_ptrace_probe();

	if (r == 0)
		have(ki, MS_FEAT_PTRACE);
	else
		missing(ki, MS_FEAT_PTRACE,
			"a helper child cannot attach and poke: %s", r,
			r == -EPERM ? "ptrace not permitted (Yama?)" : NULL);
}

/* A FOLL_FORCE write through /proc/self/mem into a read-only page. */
static void probe_proc_mem(struct ms_kernel_info *ki, long ps)
{
	long a = map_anon(1, ps), r;

	if (a < 0) {
		missing(ki, MS_FEAT_PROC_MEM, "mmap failed with %s", a, NULL);
		return;
	}
	r = ms__sys_mprotect((uint64_t)a, (uint64_t)ps, PROT_READ);
	if (r == 0)
		r = ms__sys_proc_mem_write((uint64_t)a, "M", ps);
	if (r == 0 && *(volatile char *)(uintptr_t)a != 'M')
		r = -EIO;
	if (r == 0)
		have(ki, MS_FEAT_PROC_MEM);
	else
		missing(ki, MS_FEAT_PROC_MEM,
			"writing a read-only page through /proc/self/mem "
			"failed with %s", r, NULL);
	ms__sys_munmap((uint64_t)a, (uint64_t)ps);
}

/*
 * How the contents of a page the process may not read are observed: a
 * PROT_NONE page holding 'P', read through /proc/self/mem and, if that is
 * refused (CONFIG_PROC_MEM_FORCE_PTRACE), through the page reader that
 * ptraces this process, as a scenario process would.  SEALSPEC_OBSERVE
 * (ptrace or blind) skips the first read, or both: a testing aid that
 * takes the fallback paths on a kernel that does not need them.
 */
static void probe_data_route(struct ms_kernel_info *ki, long ps)
{
	static unsigned char buf[MS__PAGE_MAX];
	const char *env = getenv("SEALSPEC_OBSERVE");
	char *why = ki->data_route_why, tok[1] = { '?' };
	size_t n = sizeof(ki->data_route_why);
	long a = map_anon(1, ps), r = -EIO;
	int fd;

	ki->data_route = MS_DATA_BLIND;
	if (env && (strcmp(env, "ptrace") == 0 || strcmp(env, "blind") == 0))
		ki->data_route_forced = true;
	if (a < 0) {
		snprintf(why, n, "mmap failed with %s", err_name(a));
		return;
	}
	memset((void *)(uintptr_t)a, 'P', (size_t)ps);
	ms__sys_mprotect((uint64_t)a, (uint64_t)ps, PROT_NONE);

	if (ki->data_route_forced && strcmp(env, "blind") == 0) {
		snprintf(why, n, "SEALSPEC_OBSERVE=blind, a testing aid: "
				 "pages the process may not read are not read");
		goto unmap;
	}
	if (ki->data_route_forced) {
		snprintf(why, n, "SEALSPEC_OBSERVE=ptrace, a testing aid: ");
	} else {
		fd = ms__proc_fd(MS__PROC_MEM);
		r = fd < 0 ? fd : ms__sys_pread(fd, buf, (size_t)ps,
						(uint64_t)a);
		if (ms__contents_token(buf, r, ps) == 'P') {
			ki->data_route = MS_DATA_DIRECT;
			snprintf(why, n, "/proc/self/mem reads a PROT_NONE "
					 "page");
			goto unmap;
		}
		snprintf(why, n, "/proc/self/mem cannot read a PROT_NONE page "
				 "(%s: FOLL_FORCE for tracers only?); ",
			 r < 0 ? err_name(r) : "short read");
	}
	r = ms__memreader_peek((uint64_t)a, 1, ps, 1, tok);
	ms__memreader_stop();
	if (r == 0 && tok[0] == 'P') {
		ki->data_route = MS_DATA_PTRACE;
		snprintf(why + strlen(why), n - strlen(why),
			 "a helper that ptraces the scenario process reads "
			 "such pages");
	} else if (r < 0) {
		snprintf(why + strlen(why), n - strlen(why),
			 "a helper that ptraces this process cannot read it "
			 "either (%s): such pages are unobservable",
			 err_name(r));
	} else {
		snprintf(why + strlen(why), n - strlen(why),
			 "a helper that ptraces this process reads it as '%c': "
			 "such pages are unobservable", tok[0]);
	}
unmap:
	ms__sys_munmap((uint64_t)a, (uint64_t)ps);
}

/*
 * The segment is removed at once; the runner's death cannot come in
 * between and leave it behind (see ms__sys_death_defer()).
 */
static void probe_shm(struct ms_kernel_info *ki, long ps, pid_t parent)
{
	long id;

	if (ms__sys_death_defer(parent) < 0)
		ms__exit(1);
	id = ms__sys_shmget((uint64_t)ps);
	if (id >= 0)
		ms__sys_shm_rmid(id);
	ms__sys_death_resume();
	if (id >= 0) {
		have(ki, MS_FEAT_SHM);
	} else {
		missing(ki, MS_FEAT_SHM, "shmget failed with %s", id, NULL);
	}
}

static void probe_aio(struct ms_kernel_info *ki)
{
	long ctx = ms__sys_io_setup(1);
	struct ms__vma v;

	if (ctx >= 0) {
		ki->aio_ring_dontcopy =
			ms__find_vma((uint64_t)ctx, &v) == 0 &&
			(v.inherit & MS_INHERIT_DONTFORK);
		ms__sys_io_destroy((uint64_t)ctx);
		have(ki, MS_FEAT_AIO);
	} else {
		missing(ki, MS_FEAT_AIO, "io_setup failed with %s", ctx,
			ctx == -ENOSYS ? "kernel built without CONFIG_AIO" :
					 NULL);
	}
}

static void probe_numa(struct ms_kernel_info *ki, long ps)
{
	long a = map_anon(1, ps), r;

	if (a < 0) {
		missing(ki, MS_FEAT_NUMA, "mmap failed with %s", a, NULL);
		return;
	}
	r = ms__sys_mbind((uint64_t)a, (uint64_t)ps, 0, 0);
	if (r == -ENOSYS) {
		missing(ki, MS_FEAT_NUMA, "mbind returned %s", r,
			"kernel built without CONFIG_NUMA");
	} else {
		r = ms__sys_set_mempolicy_home_node((uint64_t)a, (uint64_t)ps,
						    0, 0);
		if (r == -ENOSYS)
			missing(ki, MS_FEAT_NUMA,
				"set_mempolicy_home_node returned %s", r,
				"needs 5.17+");
		else
			have(ki, MS_FEAT_NUMA);
	}
	ms__sys_munmap((uint64_t)a, (uint64_t)ps);
}

static long guard_on_file(long ps)
{
	long fd = ms__sys_memfd((uint64_t)ps, "", ps), a, r;

	if (fd < 0)
		return fd;
	a = ms__sys_mmap(0, (uint64_t)ps, PROT_READ | PROT_WRITE, MAP_SHARED,
			 (int)fd, 0);
	ms__sys_close((int)fd);
	if (a < 0)
		return a;
	r = ms__sys_madvise((uint64_t)a, (uint64_t)ps, MADV_GUARD_INSTALL);
	ms__sys_munmap((uint64_t)a, (uint64_t)ps);
	return r;
}

/*
 * Guard regions must install (6.13+), show in pagemap (6.14+) and work on
 * file mappings too (6.15+; 6.13 and 6.14 give EINVAL there): without the
 * second a "guard" grid could not be observed, and the catalog puts guard
 * regions on every kind of mapping, so a kernel with anonymous guard
 * regions only SKIPs them all rather than FAIL the file rows.
 */
static void probe_guard(struct ms_kernel_info *ki, long ps)
{
	struct ms_page pg[1];
	long a = map_anon(1, ps), r;

	if (a < 0) {
		missing(ki, MS_FEAT_GUARD, "mmap failed with %s", a, NULL);
		return;
	}
	r = ms__sys_madvise((uint64_t)a, (uint64_t)ps, MADV_GUARD_INSTALL);
	if (r < 0)
		missing(ki, MS_FEAT_GUARD, "MADV_GUARD_INSTALL failed with %s",
			r, r == -EINVAL ? "needs 6.13+" : NULL);
	else if (ms__observe((uint64_t)a, 1, ps, false, pg) < 0 || !pg[0].guard)
		snprintf(ki->why_missing[MS_FEAT_GUARD],
			 sizeof(ki->why_missing[MS_FEAT_GUARD]),
			 "pagemap does not report guard regions (needs 6.14+)");
	else if ((r = guard_on_file(ps)) < 0)
		missing(ki, MS_FEAT_GUARD,
			"MADV_GUARD_INSTALL on a shared memfd mapping failed "
			"with %s", r,
			r == -EINVAL ? "guard regions on file mappings need "
				       "6.15+" : NULL);
	else
		have(ki, MS_FEAT_GUARD);
	ms__sys_munmap((uint64_t)a, (uint64_t)ps);
}

/*
 * process_madvise(2) on the calling process took only the advice a remote
 * caller may give (WILLNEED, COLD, PAGEOUT, COLLAPSE) until 6.13; scenarios
 * that give it any other advice need the later kernel.
 */
static void probe_self_madvise(struct ms_kernel_info *ki, long ps)
{
	long a = map_anon(1, ps), r;

	if (a < 0) {
		missing(ki, MS_FEAT_SELF_MADVISE, "mmap failed with %s", a,
			NULL);
		return;
	}
	r = ms__sys_process_madvise((uint64_t)a, (uint64_t)ps, MADV_DONTNEED);
	if (r >= 0)
		have(ki, MS_FEAT_SELF_MADVISE);
	else
		missing(ki, MS_FEAT_SELF_MADVISE,
			"process_madvise(MADV_DONTNEED) on itself failed with %s",
			r,
			r == -EINVAL ? "before 6.13 it takes only WILLNEED, "
				       "COLD, PAGEOUT and COLLAPSE" :
			r == -ENOSYS ? "needs 5.10+ (pidfd_open, "
				       "process_madvise)" : NULL);
	ms__sys_munmap((uint64_t)a, (uint64_t)ps);
}

/*
 * Which mremap check comes first on a sealed source: the misaligned
 * new_addr (EINVAL: 6.10, 6.11 and 6.15+) or the seal (EPERM: 6.12-6.14,
 * where the new address was validated in mremap_to() after the seal
 * check).  The scenario that pins the order down needs the EINVAL kernels.
 */
static void probe_mremap_new_first(struct ms_kernel_info *ki, long ps)
{
	long a = map_anon(1, ps), d = map_anon(2, ps), r;

	if (a < 0 || d < 0) {
		missing(ki, MS_FEAT_MREMAP_NEW_FIRST, "mmap failed with %s",
			a < 0 ? a : d, NULL);
	} else if ((r = ms__sys_mseal((uint64_t)a, (uint64_t)ps, 0)) < 0) {
		missing(ki, MS_FEAT_MREMAP_NEW_FIRST, "mseal failed with %s",
			r, NULL);
	} else {
		r = ms__sys_mremap((uint64_t)a, (uint64_t)ps, (uint64_t)ps,
				   MREMAP_MAYMOVE | MREMAP_FIXED,
				   (uint64_t)d + 1);
		if (r == -EINVAL)
			have(ki, MS_FEAT_MREMAP_NEW_FIRST);
		else
			missing(ki, MS_FEAT_MREMAP_NEW_FIRST,
				"mremap of a sealed page to a misaligned "
				"address returned %s", r,
				r == -EPERM ? "the seal is checked before the "
					      "new address (6.12-6.14)" : NULL);
	}
	/* The sealed page stays: the probe child exits soon anyway. */
	if (d >= 0)
		ms__sys_munmap((uint64_t)d, (uint64_t)(2 * ps));
}

static void probe_memfd(struct ms_kernel_info *ki, long ps)
{
	long fd = ms__sys_memfd((uint64_t)ps, "", ps);

	if (fd >= 0) {
		ms__sys_close((int)fd);
		have(ki, MS_FEAT_MEMFD);
	} else {
		missing(ki, MS_FEAT_MEMFD, "memfd_create failed with %s", fd,
			NULL);
	}
}

static void probe_dontunmap(struct ms_kernel_info *ki, long ps)
{
	long a = map_anon(1, ps), r;

	if (a < 0) {
		missing(ki, MS_FEAT_MREMAP_DONTUNMAP, "mmap failed with %s", a,
			NULL);
		return;
	}
	r = ms__sys_mremap((uint64_t)a, (uint64_t)ps, (uint64_t)ps,
			   MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	if (r >= 0) {
		ms__sys_munmap((uint64_t)r, (uint64_t)ps);
		have(ki, MS_FEAT_MREMAP_DONTUNMAP);
	} else {
		missing(ki, MS_FEAT_MREMAP_DONTUNMAP,
			"mremap(MREMAP_DONTUNMAP) failed with %s", r,
			r == -EINVAL ? "needs 5.7+" : NULL);
	}
	ms__sys_munmap((uint64_t)a, (uint64_t)ps);
}

static void probe_mlock(struct ms_kernel_info *ki, long ps)
{
	long a = map_anon(1, ps), r;

	if (a < 0) {
		missing(ki, MS_FEAT_MLOCK, "mmap failed with %s", a, NULL);
		return;
	}
	r = ms__sys_mlock((uint64_t)a, (uint64_t)ps);
	if (r == 0) {
		ms__sys_munlock((uint64_t)a, (uint64_t)ps);
		have(ki, MS_FEAT_MLOCK);
	} else {
		missing(ki, MS_FEAT_MLOCK, "mlock of one page failed with %s",
			r, "RLIMIT_MEMLOCK too small?");
	}
	ms__sys_munmap((uint64_t)a, (uint64_t)ps);
}

/*
 * A fixed mapping below vm.mmap_min_addr needs CAP_SYS_RAWIO (and what
 * the LSM allows): page 0 tells.
 */
static void probe_low_addr(struct ms_kernel_info *ki, long ps)
{
	char why[96];
	long min = -1, a;
	char buf[32];
	long n = ms__sys_read_file("/proc/sys/vm/mmap_min_addr", buf,
				   sizeof(buf) - 1);

	if (n > 0) {
		buf[n] = '\0';
		min = strtol(buf, NULL, 10);
	}
	a = ms__sys_mmap(0, (uint64_t)ps, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
			 0);
	if (a == 0) {
		ms__sys_munmap(0, (uint64_t)ps);
		have(ki, MS_FEAT_LOW_ADDR);
		return;
	}
	if (a > 0)
		ms__sys_munmap((uint64_t)a, (uint64_t)ps);
	snprintf(why, sizeof(why),
		 "below vm.mmap_min_addr (%ld) only with CAP_SYS_RAWIO", min);
	missing(ki, MS_FEAT_LOW_ADDR, "mmap(MAP_FIXED) at address 0 failed "
		"with %s", a > 0 ? -EEXIST : a,
		a == -EPERM || a == -EACCES ? why : NULL);
}

/*
 * process_madvise(2) on another process needs CAP_SYS_NICE over it (and
 * ptrace read access): a fork child advises this process, its parent,
 * MADV_COLD on a scratch page, as a scenario's process_madvise_parent
 * does.  COLD is accepted remotely on every kernel that has the syscall
 * and only ages the page.  The child's exit status carries the errno.
 */
static void probe_remote_madvise(struct ms_kernel_info *ki, long ps)
{
	long a = map_anon(1, ps), r;
	int status = 0;
	pid_t pid;

	if (a < 0) {
		missing(ki, MS_FEAT_REMOTE_MADVISE, "mmap failed with %s", a,
			NULL);
		return;
	}
	pid = ms__sys_fork_bound();
	if (pid == 0) {
		r = ms__sys_process_madvise_parent((uint64_t)a, (uint64_t)ps,
						   MADV_COLD);
		ms__exit(r < 0 ? (int)(-r & 0xff) : 0);
	}
	r = pid < 0 ? pid : ms__sys_wait(pid, &status, 0);
	if (r >= 0)
		r = !WIFEXITED(status) ? -ECHILD : -WEXITSTATUS(status);
	if (r == 0)
		have(ki, MS_FEAT_REMOTE_MADVISE);
	else
		missing(ki, MS_FEAT_REMOTE_MADVISE,
			"process_madvise(MADV_COLD) on the parent failed "
			"with %s", r,
			r == -EPERM ? "needs CAP_SYS_NICE over the target" :
			r == -ENOSYS ? "needs 5.10+ (pidfd_open, "
				       "process_madvise)" :
			r == -ECHILD ? "the probe child died" : NULL);
	ms__sys_munmap((uint64_t)a, (uint64_t)ps);
}

/*
 * Two normal-then-sealed layouts tell the profiles apart:
 *
 *    01
 *    NS     N = normal rw anon, S = sealed
 *
 *  (a) mprotect(0-1, PROT_READ): 6.10 checks the whole range first and
 *      leaves N alone; 6.12+ checks per VMA and N is already read-only.
 *  (b) mremap(0-1, MAYMOVE|FIXED, same length): 6.12-6.16 only look at
 *      the first VMA and fail with EFAULT; 6.17+ move VMA by VMA and fail
 *      with EPERM after N moved.
 *  (c) MADV_WILLNEED on a sealed read-only page: EPERM only with the
 *      6.10.0-6.10.6 is_madv_discard() bug.
 */
/* The map-count scenarios fill this process's VMA budget: only sensible
 * (and only fast) when the limit is near the kernel's default. */
static void probe_map_count(struct ms_kernel_info *ki)
{
	long max = ms__max_map_count();

	if (max < 0)
		missing(ki, MS_FEAT_MAP_COUNT,
			"reading /proc/sys/vm/max_map_count failed with %s",
			max, NULL);
	else if (max > MS__MAP_COUNT_MAX)
		snprintf(ki->why_missing[MS_FEAT_MAP_COUNT],
			 sizeof(ki->why_missing[0]),
			 "vm.max_map_count is %ld; the map-count scenarios "
			 "are written for at most %d",
			 max, MS__MAP_COUNT_MAX);
	else
		have(ki, MS_FEAT_MAP_COUNT);
}

static void probe_profile(struct ms_kernel_info *ki, long ps)
{
	struct ms_page pg[1];
	long a, b, dst, c, ra, rb, rc;
	bool n_changed = false, n_moved = false;
	char bug[128] = "";

	a = map_anon(2, ps);
	b = map_anon(2, ps);
	dst = map_anon(2, ps);
	c = map_anon(1, ps);
	if (a < 0 || b < 0 || dst < 0 || c < 0) {
		ki->detected = MS_PROFILE_LINUX;
		snprintf(ki->detected_why, sizeof(ki->detected_why),
			 "the profile probes could not map memory");
		return;
	}

	ms__sys_mseal((uint64_t)(a + ps), (uint64_t)ps, 0);
	ra = ms__sys_mprotect((uint64_t)a, (uint64_t)(2 * ps), PROT_READ);
	if (ms__observe((uint64_t)a, 1, ps, false, pg) == 0)
		n_changed = pg[0].prot == PROT_READ;

	ms__sys_mseal((uint64_t)(b + ps), (uint64_t)ps, 0);
	rb = ms__sys_mremap((uint64_t)b, (uint64_t)(2 * ps),
			    (uint64_t)(2 * ps), MREMAP_MAYMOVE | MREMAP_FIXED,
			    (uint64_t)dst);
	if (ms__observe((uint64_t)b, 1, ps, false, pg) == 0)
		n_moved = !pg[0].mapped;

	ms__sys_mprotect((uint64_t)c, (uint64_t)ps, PROT_READ);
	ms__sys_mseal((uint64_t)c, (uint64_t)ps, 0);
	rc = ms__sys_madvise((uint64_t)c, (uint64_t)ps, MADV_WILLNEED);
	if (rc == -EPERM)
		snprintf(bug, sizeof(bug),
			 "; MADV_WILLNEED on sealed read-only anon returned "
			 "EPERM (the 6.10.0-6.10.6 is_madv_discard() bug)");

	if (!n_changed)
		ki->detected = MS_PROFILE_LINUX_6_10;
	else if (rb == -EFAULT)
		ki->detected = MS_PROFILE_LINUX_6_12;
	else
		ki->detected = MS_PROFILE_LINUX;

	snprintf(ki->detected_why, sizeof(ki->detected_why),
		 "mprotect over [N][S] returned %s and %s; "
		 "mremap MAYMOVE|FIXED over [N][S] returned %s%s%s%s",
		 ra < 0 ? err_name(ra) : "0",
		 n_changed ? "changed N (per-VMA checks, 6.12+)" :
			     "left N alone (whole-range check, 6.10/6.11)",
		 rb < 0 ? err_name(rb) : "success",
		 rb == -EFAULT ? " (first-VMA length check, 6.12-6.16)" :
		 rb == -EPERM && n_moved ? " after moving N (multi-VMA move, "
					   "6.17+)" :
		 rb == -EPERM ? " before moving anything" : " (unexpected)",
		 bug, rc == 0 ? "; MADV_WILLNEED on sealed read-only anon "
				"returned 0" : "");
}

static void probe_all(struct ms_kernel_info *ki, pid_t parent)
{
	long ps = ki->page_size;

	probe_mseal(ki);
	probe_pkey(ki);
	probe_uffd(ki);
	probe_ptrace(ki);
	probe_proc_mem(ki, ps);
	probe_data_route(ki, ps);
	probe_shm(ki, ps, parent);
	probe_aio(ki);
	probe_numa(ki, ps);
	probe_guard(ki, ps);
	probe_memfd(ki, ps);
	probe_dontunmap(ki, ps);
	probe_mlock(ki, ps);
	probe_remote_madvise(ki, ps);
	probe_map_count(ki);
	probe_self_madvise(ki, ps);
	probe_low_addr(ki, ps);
	if (ki->has_mseal) {
		probe_mremap_new_first(ki, ps);
		probe_profile(ki, ps);
	} else {
		missing(ki, MS_FEAT_MREMAP_NEW_FIRST, "mseal returned %s",
			-ENOSYS, NULL);
		ki->detected = MS_PROFILE_LINUX;
		snprintf(ki->detected_why, sizeof(ki->detected_why),
			 "mseal returned ENOSYS");
	}
}

int ms_kernel_probe(struct ms_kernel_info *ki)
{
	struct ms_kernel_info got;
	struct utsname u;
	int fds[2], status, err;
	size_t have_bytes = 0;
	int64_t deadline;
	uint64_t run0 = 0, wait0 = 0;
	pid_t pid, self = ms__sys_getpid();

	memset(ki, 0, sizeof(*ki));
	if (uname(&u) == 0) {
		snprintf(ki->release, sizeof(ki->release), "%.*s",
			 (int)sizeof(ki->release) - 1, u.release);
		snprintf(ki->machine, sizeof(ki->machine), "%.*s",
			 (int)sizeof(ki->machine) - 1, u.machine);
	}
	ki->page_size = sysconf(_SC_PAGESIZE);
	if (ki->page_size <= 0 || ki->page_size > MS__PAGE_MAX)
		return -EINVAL;

	err = ms__sys_pipe(fds);
	if (err < 0)
		return err;
	pid = ms__sys_fork_bound();
	if (pid < 0) {
		ms__sys_close(fds[0]);
		ms__sys_close(fds[1]);
		return pid;
	}
	if (pid == 0) {
		ms__sys_close(fds[0]);
		ms__sys_setpgid(0, 0);
		ms__sys_signals_reset();
		ms__sys_forget();
		got = *ki;
		probe_all(&got, self);
		ms__sys_write_all(fds[1], &got, sizeof(got));
		ms__exit(0);
	}
	ms__sys_close(fds[1]);
	ms__sys_setpgid(pid, pid);
	ms__sys_schedstat(pid, &run0, &wait0);
	deadline = ms__now_ms() + PROBE_TIMEOUT_MS;
	while (have_bytes < sizeof(got)) {
		int64_t now = ms__now_ms(), left = deadline - now;
		uint64_t run, wait;
		long r;

		/* As for scenarios: waiting for a CPU does not count. */
		if (left <= 0 && ms__sys_schedstat(pid, &run, &wait) == 0 &&
		    wait - wait0 >= 1000000) {
			deadline = now + (int64_t)((wait - wait0) / 1000000);
			wait0 = wait;
			continue;
		}
		if (left <= 0)
			break;
		r = ms__sys_poll_in(fds[0], (int)left);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			break;
		r = ms__sys_read(fds[0], (char *)&got + have_bytes,
				 sizeof(got) - have_bytes);
		if (r <= 0)
			break;
		have_bytes += (size_t)r;
	}
	ms__sys_kill(-pid, SIGKILL);
	ms__sys_wait(pid, &status, 0);
	ms__sys_close(fds[0]);
	if (have_bytes < sizeof(got)) {
		for (int f = 0; f < MS_NFEATURES; f++)
			snprintf(ki->why_missing[f], sizeof(ki->why_missing[f]),
				 "the probe process died or hung");
		snprintf(ki->detected_why, sizeof(ki->detected_why),
			 "the probe process died or hung");
		snprintf(ki->data_route_why, sizeof(ki->data_route_why),
			 "the probe process died or hung");
		/* Nothing is known of this kernel: no verdict may rest on
		 * it (it would read as a kernel without mseal). */
		return -ECHILD;
	}
	*ki = got;
	return 0;
}

const char *ms_kernel_detected_name(const struct ms_kernel_info *ki)
{
	return ki->has_mseal ? ms_profile_name(ki->detected) : "none";
}

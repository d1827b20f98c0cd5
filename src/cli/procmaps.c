// SPDX-License-Identifier: MIT
/*
 * Reading a live process's mappings from /proc/PID/smaps.
 *
 * Each mapping is a header line as in /proc/PID/maps,
 *   7f12a000-7f12e000 r--p 00000000 00:00 0          [anon:x]
 * followed by "Key: value" lines; the one we want is VmFlags, whose
 * two-letter names come from show_smap_vma_flags() in fs/proc/task_mmu.c:
 * sl (VM_SEALED, 6.10+), lo (VM_LOCKED), lf (VM_LOCKONFAULT), dc
 * (VM_DONTCOPY), wf (VM_WIPEONFORK), gd (VM_GROWSDOWN), mw (VM_MAYWRITE).
 * ProtectionKey appears only where the CPU has protection keys.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "procmaps.h"

int parse_pid(const char *arg, pid_t *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end || errno || v <= 0 ||
	    v > 0x3fffffff)
		return -EINVAL;
	*pid = (pid_t)v;
	return 0;
}

static bool has_flag(const char *flags, const char *f)
{
	size_t n = strlen(f);

	for (const char *p = flags; (p = strstr(p, f)); p += n) {
		bool start = p == flags || p[-1] == ' ';
		bool end = p[n] == '\0' || p[n] == ' ' || p[n] == '\n';

		if (start && end)
			return true;
	}
	return false;
}

/* A header line: "start-end perms offset major:minor inode [path]". */
static bool parse_header(const char *line, struct proc_mapping *pm)
{
	unsigned long long start, end, off, inode;
	unsigned int maj, min;
	char perms[8];
	int n = 0;
	size_t len;

	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu%n", &start, &end,
		   perms, &off, &maj, &min, &inode, &n) != 7 || n == 0 ||
	    strlen(perms) != 4)
		return false;
	memset(pm, 0, sizeof(*pm));
	pm->start = start;
	pm->end = end;
	pm->offset = off;
	memcpy(pm->perms, perms, 5);
	pm->prot = (perms[0] == 'r' ? PROT_READ : 0) |
		   (perms[1] == 'w' ? PROT_WRITE : 0) |
		   (perms[2] == 'x' ? PROT_EXEC : 0);
	pm->shared = perms[3] == 's';
	pm->dev_major = maj;
	pm->dev_minor = min;
	pm->inode = inode;
	pm->pkey = -1;
	line += n;
	while (*line == ' ')
		line++;
	len = strcspn(line, "\n");
	if (len >= sizeof(pm->path))
		len = sizeof(pm->path) - 1;
	memcpy(pm->path, line, len);
	pm->path[len] = '\0';
	return true;
}

static void parse_vmflags(const char *v, struct proc_mapping *pm)
{
	size_t len;

	while (*v == ' ')
		v++;
	len = strcspn(v, "\n");
	while (len && v[len - 1] == ' ')
		len--;
	if (len >= sizeof(pm->vmflags))
		len = sizeof(pm->vmflags) - 1;
	memcpy(pm->vmflags, v, len);
	pm->vmflags[len] = '\0';
	pm->has_flags = true;
	pm->sealed = has_flag(pm->vmflags, "sl");
	pm->locked = has_flag(pm->vmflags, "lo");
	pm->lockonfault = has_flag(pm->vmflags, "lf");
	pm->dontfork = has_flag(pm->vmflags, "dc");
	pm->wipeonfork = has_flag(pm->vmflags, "wf");
	pm->growsdown = has_flag(pm->vmflags, "gd");
	pm->maywrite = has_flag(pm->vmflags, "mw");
}

static int add(struct proc_maps *m, const struct proc_mapping *pm)
{
	if (m->n == m->cap) {
		int cap = m->cap ? m->cap * 2 : 64;
		struct proc_mapping *v = realloc(m->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n++] = *pm;
	return 0;
}

int proc_maps_read(pid_t pid, struct proc_maps *m)
{
	char path[64];
	char *line = NULL;
	size_t cap = 0;
	struct proc_mapping cur;
	bool have = false;
	int fd, err = 0;
	FILE *f;

	memset(m, 0, sizeof(*m));
	m->pid = pid ? pid : getpid();
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)m->pid);
	/*
	 * open() is where the kernel checks PTRACE_MODE_READ (proc_maps_open
	 * -> proc_mem_open): EACCES here means permission, ENOENT no process.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	errno = 0;
	while (getline(&line, &cap, f) > 0) {
		struct proc_mapping pm;

		if (parse_header(line, &pm)) {
			if (have && (err = add(m, &cur)))
				break;
			cur = pm;
			have = true;
		} else if (have && strncmp(line, "VmFlags:", 8) == 0) {
			parse_vmflags(line + 8, &cur);
		} else if (have && strncmp(line, "ProtectionKey:", 14) == 0) {
			cur.pkey = atoi(line + 14);
		}
		errno = 0;
	}
	if (!err && ferror(f))
		err = errno ? -errno : -EIO;
	if (!err && have)
		err = add(m, &cur);
	free(line);
	fclose(f);
	/* The process went away while we read: its mm is gone. */
	if (err == -ESRCH || (!err && m->n == 0 && kill(m->pid, 0) < 0 &&
			      errno == ESRCH))
		err = -ESRCH;
	if (err)
		proc_maps_free(m);
	return err;
}

void proc_maps_free(struct proc_maps *m)
{
	free(m->v);
	m->v = NULL;
	m->n = m->cap = 0;
}

bool proc_mapping_is_file(const struct proc_mapping *pm)
{
	return pm->path[0] == '/' && pm->inode != 0;
}

const char *proc_mapping_backing(const struct proc_mapping *pm)
{
	return pm->path[0] ? pm->path : "[anon]";
}

void proc_maps_error(pid_t pid, int err)
{
	switch (err) {
	case -ESRCH:
		fprintf(stderr, "sealspec: pid %d: no such process (ESRCH)\n",
			(int)pid);
		break;
	case -EACCES:
	case -EPERM:
		fprintf(stderr,
			"sealspec: pid %d: permission denied (%s) reading "
			"/proc/%d/smaps: it needs ptrace read access "
			"(PTRACE_MODE_READ) to the process: the same user and "
			"a dumpable process, or CAP_SYS_PTRACE\n",
			(int)pid, err == -EACCES ? "EACCES" : "EPERM",
			(int)pid);
		break;
	default:
		fprintf(stderr, "sealspec: pid %d: reading /proc/%d/smaps: "
				"%s\n",
			(int)pid, (int)pid, strerror(-err));
	}
}

void proc_mapping_strip(const struct proc_mapping *pm, long page_size,
			int width, char *buf, uint64_t *per)
{
	uint64_t pages = (pm->end - pm->start) / (uint64_t)page_size;
	uint64_t cells;

	*per = 1;
	while ((pages + *per - 1) / *per > (uint64_t)width)
		*per *= 2;
	cells = (pages + *per - 1) / *per;
	for (uint64_t i = 0; i < cells; i++)
		buf[i] = pm->sealed ? 'S' : '-';
	buf[cells] = '\0';
}

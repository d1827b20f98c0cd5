// SPDX-License-Identifier: MIT
/* Finding and parsing scenarios: files, directories or the built-in catalog. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "cli.h"

uint64_t max_scenario_file = 1 << 20;

/*
 * O_NONBLOCK so that opening a FIFO does not wait for a writer; fstat
 * then refuses anything but a regular file, so a FIFO, /dev/zero or a
 * terminal named *.scn is an error, not a wait or an endless read.  A
 * file past the limit (a 5 GB sparse file) is refused before it is read,
 * and one that grows while it is read stops at the limit.
 */
int read_file(const char *path, char **text, size_t *len)
{
	size_t used = 0, cap;
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int err = S_ISREG(st.st_mode) ? errno : EINVAL;

		close(fd);
		return -err;
	}
	if ((uint64_t)st.st_size > max_scenario_file) {
		close(fd);
		return -EFBIG;
	}
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n;

		if (used == cap) {
			size_t want = cap * 2 > max_scenario_file + 1 ?
					      (size_t)max_scenario_file + 1 :
					      cap * 2;
			char *bigger = want > cap ? realloc(buf, want) : NULL;

			if (!bigger) {
				free(buf);
				close(fd);
				return want > cap ? -ENOMEM : -EFBIG;
			}
			buf = bigger;
			cap = want;
		}
		n = read(fd, buf + used, cap - used);
		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			free(buf);
			close(fd);
			return -err;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	if (used > max_scenario_file) {
		free(buf);
		return -EFBIG;
	}
	*text = buf;
	*len = used;
	return 0;
}

/* "not a regular file", "larger than the 1048576-byte limit", ... */
const char *read_file_error(int err, char *buf, size_t n)
{
	if (err == -EINVAL)
		return "not a regular file (a FIFO, device or directory)";
	if (err == -EFBIG) {
		snprintf(buf, n, "larger than the %llu-byte limit on a "
				 "scenario file (--max-file, "
				 "SEALSPEC_MAX_FILE)",
			 (unsigned long long)max_scenario_file);
		return buf;
	}
	return strerror(-err);
}

static int add(struct scenario_set *set, const char *path, char *text,
	       size_t len)
{
	struct ms_program *t;
	struct ms_diag diag;
	char *name;

	if (set->n == set->cap) {
		int cap = set->cap ? set->cap * 2 : 64;
		struct scenario *v = realloc(set->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		set->v = v;
		set->cap = cap;
	}
	/* Locations point at the name: it lives as long as the program. */
	t = calloc(1, sizeof(*t));
	name = strdup(path);
	if (!t || !name) {
		free(t);
		free(name);
		return -ENOMEM;
	}
	if (ms_parse(name, text, len, t, &diag) < 0) {
		fprintf(stderr, "%s:%d:%d: %s\n",
			diag.loc.file ? diag.loc.file : path, diag.loc.line,
			diag.loc.col, diag.msg);
		free(t);
		free(text);
		free(name);
		return 1;
	}
	set->v[set->n].t = t;
	set->v[set->n].text = text;
	set->v[set->n].path = name;
	set->v[set->n].dev = 0;
	set->v[set->n].ino = 0;
	set->n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_file(struct scenario_set *set, const char *path)
{
	struct stat st = { 0 };
	char *text;
	size_t len;
	int err;

	/*
	 * The same file named twice (a file and its directory, ./x and x)
	 * runs once: case names identify results in every report.
	 */
	if (stat(path, &st) == 0) {
		for (int i = 0; i < set->n; i++)
			if (set->v[i].ino && set->v[i].ino == st.st_ino &&
			    set->v[i].dev == st.st_dev)
				return 0;
	}
	err = read_file(path, &text, &len);

	if (err) {
		char why[128];

		fprintf(stderr, "sealspec: %s: %s\n", path,
			read_file_error(err, why, sizeof(why)));
		return 1;
	}
	err = add(set, path, text, len);
	if (err == 0) {
		set->v[set->n - 1].dev = st.st_dev;
		set->v[set->n - 1].ino = st.st_ino;
	}
	return err;
}

static int add_dir(struct scenario_set *set, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	int n = 0, cap = 0, errors = 0;

	if (!d) {
		fprintf(stderr, "sealspec: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (l < 5 || strcmp(e->d_name + l - 4, ".scn") != 0)
			continue;
		if (n == cap) {
			char **v;

			cap = cap ? cap * 2 : 64;
			v = realloc(names, cap * sizeof(*v));
			if (!v)
				break;
			names = v;
		}
		if (asprintf(&names[n], "%s%s%s", dir,
			     dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/",
			     e->d_name) < 0)
			break;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	for (int i = 0; i < n; i++) {
		int r = add_file(set, names[i]);

		errors += r > 0 ? r : (r < 0);
		free(names[i]);
	}
	free(names);
	return errors;
}

int load_scenarios(char **paths, int npaths, struct scenario_set *set)
{
	int errors = 0;

	if (npaths == 0) {
		for (int i = 0; i < ms_catalog_size; i++) {
			char *text = malloc(ms_catalog[i].len + 1);
			int r;

			if (!text)
				return -ENOMEM;
			memcpy(text, ms_catalog[i].text, ms_catalog[i].len);
			text[ms_catalog[i].len] = '\0';
			r = add(set, ms_catalog[i].path, text,
				ms_catalog[i].len);
			if (r < 0)
				return r;
			errors += r;
		}
		return errors;
	}
	for (int i = 0; i < npaths; i++) {
		struct stat st;
		int r;

		if (stat(paths[i], &st) < 0) {
			fprintf(stderr, "sealspec: %s: %s\n", paths[i],
				strerror(errno));
			errors++;
			continue;
		}
		r = S_ISDIR(st.st_mode) ? add_dir(set, paths[i]) :
					  add_file(set, paths[i]);
		if (r < 0)
			return r;
		errors += r;
	}
	return errors;
}

void free_scenarios(struct scenario_set *set)
{
	for (int i = 0; i < set->n; i++) {
		ms_program_free(set->v[i].t);
		free(set->v[i].t);
		free(set->v[i].text);
		free(set->v[i].path);
	}
	free(set->v);
	memset(set, 0, sizeof(*set));
}

int scenario_has_rule(const struct ms_program *t, unsigned int mask)
{
	return mask == 0 || (t->rules & mask) != 0;
}

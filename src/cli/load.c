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
	char *own;

	if (set->n == set->cap) {
		int cap = set->cap ? set->cap * 2 : 64;
		struct scenario *v = realloc(set->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		set->v = v;
		set->cap = cap;
	}
	/* Locations in the program point at the path it was parsed with:
	 * it lives as long as the program. */
	t = calloc(1, sizeof(*t));
	own = strdup(path);
	if (!t || !own) {
		free(t);
		free(own);
		return -ENOMEM;
	}
	if (ms_parse(own, text, len, t, &diag) < 0) {
		fprintf(stderr, "%s:%d:%d: %s\n",
			diag.loc.file ? diag.loc.file : path, diag.loc.line,
			diag.loc.col, diag.msg);
		free(t);
		free(own);
		free(text);
		return 1;
	}
	set->v[set->n].t = t;
	set->v[set->n].path = own;
	set->v[set->n].text = text;
	set->v[set->n].dev = 0;
	set->v[set->n].ino = 0;
	set->v[set->n].real = NULL;
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
		struct scenario *sc = &set->v[set->n - 1];

		sc->dev = st.st_dev;
		sc->ino = st.st_ino;
		sc->real = realpath(path, NULL);
		if (!sc->real)
			sc->real = strdup(path);
		if (!sc->real)
			return -ENOMEM;
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

/*
 * The last k directories of path and its base name: for "/tmp/d1/same.scn"
 * and k = 1, "d1/same.scn"; the whole path when it has no more.
 */
static const char *dir_suffix(const char *path, int k)
{
	const char *p = path + strlen(path);

	for (int seen = 0; p > path; p--) {
		if (p[-1] == '/' && seen++ == k)
			return p;
	}
	return path;
}

/* The fewest directories that tell set->v[i] from its namesakes. */
static const char *distinguishing_suffix(const struct scenario_set *set,
					 int i, const char *base)
{
	const char *mine = set->v[i].real;
	const char *s = mine;

	for (int k = 1;; k++) {
		bool unique = true;

		s = dir_suffix(mine, k);
		for (int j = 0; j < set->n && unique; j++) {
			const char *theirs = set->v[j].real;

			if (j == i || !theirs || strcmp(set->v[j].t->name, base))
				continue;
			unique = strcmp(s, dir_suffix(theirs, k)) != 0;
		}
		if (unique || s == mine)
			return s;
	}
}

/* Appends the escaped base name, or as much of it as fits whole. */
static void qualified_append(char *buf, size_t n, const char *base)
{
	size_t used = strlen(buf), len = strlen(base);

	/* Cut before a '%' escape rather than inside it. */
	while (used + len >= n && len > 0) {
		len--;
		if (len >= 2 && base[len - 2] == '%')
			len -= 2;
	}
	memcpy(buf + used, base, len);
	buf[used + len] = '\0';
}

/*
 * Two files with one base name ("d1/same.scn" and "d2/same.scn") would both
 * be "same": each takes the directories that tell it apart, escaped like
 * the rest of a name ("d1/same", "d2/same").  The built-in catalog is one
 * directory, so its names never change.
 */
static int qualify_names(struct scenario_set *set)
{
	char (*qual)[MS_CASE_NAME_MAX] = calloc(set->n ? set->n : 1,
						sizeof(*qual));

	if (!qual)
		return -ENOMEM;
	for (int i = 0; i < set->n; i++) {
		const char *base = set->v[i].t->name, *s, *slash;
		bool namesake = false;

		for (int j = 0; j < set->n && !namesake; j++)
			namesake = j != i && set->v[i].real && set->v[j].real &&
				   strcmp(set->v[j].t->name, base) == 0;
		if (!namesake)
			continue;
		s = distinguishing_suffix(set, i, base);
		slash = strrchr(s, '/');
		if (!slash)
			continue;
		/* Directories keep their '/'; everything else is escaped. */
		for (const char *c = s; c <= slash; c++) {
			size_t used = strlen(qual[i]);

			if (*c != '/')
				ms_name_escape(qual[i], sizeof(qual[i]), c, 1);
			else if (used + 1 < sizeof(qual[i]))
				memcpy(qual[i] + used, "/", 2);
		}
		qualified_append(qual[i], sizeof(qual[i]), base);
	}
	/* Renamed only now: every comparison above saw the base names. */
	for (int i = 0; i < set->n; i++)
		if (qual[i][0])
			memcpy(set->v[i].t->name, qual[i], sizeof(qual[i]));
	free(qual);
	return 0;
}

struct named_case {
	char name[MS_CASE_NAME_MAX];
	const struct ms_program *t;
	int row;
};

static int cmp_named(const void *a, const void *b)
{
	const struct named_case *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x < y ? -1 : x > y;
}

/* Where a case comes from: its vary row, or the file's first line. */
static struct ms_loc case_loc(const struct named_case *c)
{
	struct ms_loc loc = { c->t->file, 1, 1 };

	if (c->t->nvary_cols && c->row < c->t->nvary_rows) {
		loc.line = c->t->vary[c->row][0].loc.line;
		loc.col = c->t->vary[c->row][0].loc.col;
	}
	return loc;
}

/*
 * Every case name must be unique: reports, --rule filters and the lists
 * the test suite keeps (tests/guidelines-deviations.txt) identify cases by
 * name.  Names are made unique by construction; what remains (a name cut
 * at MS_CASE_NAME_MAX) is an error here, with both places.
 */
static int check_unique_names(const struct scenario_set *set)
{
	struct named_case *v;
	int n = 0, cap = 0, errors = 0;

	for (int i = 0; i < set->n; i++)
		cap += ms_variant_count(set->v[i].t);
	v = calloc(cap ? cap : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (int i = 0; i < set->n; i++) {
		for (int row = 0; row < ms_variant_count(set->v[i].t); row++) {
			v[n].t = set->v[i].t;
			v[n].row = row;
			ms_variant_name(v[n].t, row, v[n].name,
					sizeof(v[n].name));
			n++;
		}
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_named);
	for (int i = 1; i < n; i++) {
		struct ms_loc a, b;

		if (strcmp(v[i].name, v[i - 1].name) != 0)
			continue;
		a = case_loc(&v[i]);
		b = case_loc(&v[i - 1]);
		fprintf(stderr,
			"%s:%d:%d: the case name '%s' is also the name of the "
			"case at %s:%d; case names must be unique: rename the "
			"file or the row\n",
			a.file, a.line, a.col, v[i].name, b.file, b.line);
		errors++;
	}
	free(v);
	return errors;
}

/* The names of the loaded set: qualified, then checked. */
static int name_cases(struct scenario_set *set)
{
	int err = qualify_names(set);

	return err ? err : check_unique_names(set);
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
		return errors ? errors : name_cases(set);
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
	return errors ? errors : name_cases(set);
}

void free_scenarios(struct scenario_set *set)
{
	for (int i = 0; i < set->n; i++) {
		ms_program_free(set->v[i].t);
		free(set->v[i].t);
		free(set->v[i].text);
		free(set->v[i].real);
		free(set->v[i].path);
	}
	free(set->v);
	memset(set, 0, sizeof(*set));
}

int scenario_has_rule(const struct ms_program *t, unsigned int mask)
{
	return mask == 0 || (t->rules & mask) != 0;
}

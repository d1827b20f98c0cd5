// SPDX-License-Identifier: MIT
/*
 * sealspec fuzz: programs generated from the model's state run on the
 * kernel and on the model in lockstep; every new difference is minimised
 * and written to --out as a scenario (expectations from this kernel) and
 * a standalone C reproducer.
 *
 *   parent: probe, fork N workers --- pipe: stats, findings ---> report
 *   worker j: programs j, j+N, j+2N ... until --time (or --programs)
 *
 * A worker is a process of its own, with its own executor (the long-lived
 * process that runs its programs, src/kernel/executor.c) and its own
 * spawner (ms_kernel_run: the programs the executor does not take, and
 * every confirmation of a difference), so jobs share nothing but the pipe
 * and --out, where every file name carries the program's number.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "coverage.h"
#include "sealspec-fuzz.h"
#include "sealspec-model.h"

#define FINDINGS_MAX 256
#define MINIMISE_RUNS 400

struct fuzz_opts {
	double seconds;
	uint64_t seed;
	long programs;		/* stop after this many (0: --time decides) */
	uint64_t start;		/* the first program's number */
	int jobs;
	int max_steps;
	bool json;
	bool snapshots;		/* every program with every snapshot */
	bool no_executor;	/* every program in a scenario process */
	const char *out;
	int profile;		/* -1: the detected one */
	uint64_t flip;
};

/* What a worker tells the parent: fixed-size records on a pipe. */
enum { MSG_STATS, MSG_FINDING };

struct msg {
	int type;
	int job;
	/* MSG_STATS: totals so far of this worker */
	long programs, steps, not_run, differ, known;
	struct ms_fuzz_exec_stats x;
	/* MSG_FINDING */
	bool is_known;
	uint64_t index;
	int steps_before, steps_after, runs;
	char sig[256];
	char reason[160];
	char scn[256], c[256];
	char what[400];
	uint8_t cells[(COV_NCELLS + 7) / 8];	/* MSG_STATS: reached */
};

struct finding {
	struct msg m;
	int count;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sealspec fuzz [--time SECONDS] [--seed N] "
		"[--profile NAME] [--out DIR]\n"
		"                     [--jobs N] [--format text|json] "
		"[--programs N] [--steps N]\n"
		"\n"
		"Generates programs from the model's state, runs each on this "
		"kernel and on\n"
		"the model in lockstep, and minimises every difference into "
		"DIR (default\n"
		"fuzz-findings) as FILE.scn, with the kernel's results as "
		"expectations, and\n"
		"FILE.c, a reproducer: cc -o r FILE.c && ./r.\n"
		"\n"
		"  --time SECONDS  how long (default 60)\n"
		"  --seed N        programs are a function of N (default 1)\n"
		"  --profile NAME  the model's profile (default: detected)\n"
		"  --jobs N        worker processes (default 1)\n"
		"  --programs N    stop after N programs\n"
		"  --steps N       generated steps per program at most "
		"(default 10)\n"
		"  --snapshots     observe every name after every step on "
		"every program,\n"
		"                  not only on those that differ (slower)\n"
		"  --start N       number the first program N (default 0): "
		"--start N\n"
		"                  --programs 1 runs program N of the seed "
		"again\n"
		"  --no-executor   every program in a scenario process of its "
		"own, not in\n"
		"                  the long-lived executor (slower)\n"
		"\n"
		"SEALSPEC_MODEL_FLIP=NAME[,NAME] inverts model switches (a "
		"testing aid).\n"
		"Exit status: 0 no new difference (known ones allowed), 1 new "
		"differences,\n"
		"2 usage, 3 the environment is broken.\n");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	if (fputs(text, f) < 0) {
		fclose(f);
		return -EIO;
	}
	return fclose(f) ? -errno : 0;
}

static int count_steps(const struct ms_program *p)
{
	int n = 0;

	for (int i = 0; i < p->nsteps; i++)
		n += p->steps[i].kind == MS_STEP_CALL ||
		     p->steps[i].kind == MS_STEP_EXPECT;
	return n;
}

/*
 * A difference in a snapshot becomes an expect step right after the step,
 * so that the scenario and the reproducer check that very attribute.
 */
static void pin_difference(struct ms_program *p,
			   const struct ms_fuzz_result *r)
{
	const struct ms_outcome *o;
	struct ms_step *s, tmp;
	const char *colon = strchr(r->sig, ':');
	char word[32], grid[MS_STR_MAX];
	int attr, at;

	if (r->d.index < 0 || r->d.index >= r->kt.nout || !colon)
		return;
	o = &r->kt.out[r->d.index];
	if (o->kind != MS_OUT_PAGES || o->name < 0 || o->npages < 1)
		return;
	snprintf(word, sizeof(word), "%.*s", (int)strcspn(colon + 2, " "),
		 colon + 2);
	attr = strcmp(word, "VMA") == 0 ? MS_ATTR_VMAS : ms_attr_lookup(word);
	if (attr < 0)
		return;
	at = r->d.step + 1;
	s = ms_build_step(p, MS_STEP_EXPECT);
	if (!s)
		return;
	tmp = *s;
	memmove(&p->steps[at + 1], &p->steps[at],
		sizeof(p->steps[0]) * (size_t)(p->nsteps - 1 - at));
	tmp.depth = p->steps[at - 1].depth +
		    (p->steps[at - 1].kind == MS_STEP_FORK);
	ms_expr_name(p, &tmp.where, o->name, 0);
	tmp.attr = (enum ms_attr)attr;
	tmp.grid.kind = MS_ARG_STR;
	memset(grid, 0, sizeof(grid));
	for (int k = 0; k < o->npages; k++)
		grid[k] = attr == MS_ATTR_VMAS ? 'a' :
			  attr == MS_ATTR_PROT ? '?' : '?';
	if (attr == MS_ATTR_PROT || attr == MS_ATTR_BACK) {
		/* Space-separated tokens: "?? ?? ??". */
		memset(grid, 0, sizeof(grid));
		for (int k = 0; k < o->npages && k < 60; k++)
			strcat(grid, k ? " ??" : "??");
	}
	tmp.grid.str = ms_text_add_str(p, grid);
	p->steps[at] = tmp;
	for (int n = 0; n < p->nnames; n++)
		if (p->names[n].bound_at >= at)
			p->names[n].bound_at++;
}

/*
 * Minimises a new difference and writes FILE.scn and FILE.c; m gets the
 * finding.  Returns 0 or -errno (files that could not be written).
 */
static int report_new(const struct fuzz_opts *fo, const struct ms_fuzz_env *e,
		      const struct ms_kernel_info *ki, struct ms_program *p,
		      const struct ms_fuzz_result *first, struct msg *m)
{
	struct ms_fuzz_result r;
	struct ms_emit_opts eo = { .profile = e->profile };
	char base[300], why[200], head[MS_HEAD_COMMENT_MAX];
	char *text = NULL, *c = NULL;
	int runs = 0, err, cerr = 0;
	struct ms_program check;
	struct ms_diag diag;

	m->steps_before = count_steps(p);
	ms_fuzz_minimise(e, p, first->sig, MINIMISE_RUNS, &runs);
	m->runs = runs;
	/* Where the minimised program differs, to pin it there. */
	err = ms_fuzz_run(e, p, &r);
	if (err)
		return err;
	if (r.status == MS_FUZZ_DIFFER)
		pin_difference(p, &r);
	ms_fuzz_result_free(&r);
	err = ms_fuzz_run(e, p, &r);
	if (err)
		return err;
	if (r.status != MS_FUZZ_DIFFER) {
		/* The pinned program no longer differs: say so, write it. */
		snprintf(m->what, sizeof(m->what),
			 "(the minimised program no longer differs)");
	} else {
		snprintf(m->what, sizeof(m->what), "step %d: %.360s",
			 ms_step_number(p, r.d.step), r.d.what);
	}
	m->steps_after = count_steps(p);
	if (r.status == MS_FUZZ_DIFFER || r.status == MS_FUZZ_AGREE) {
		err = ms_fuzz_fill_results(p, &r.kt);
		eo.expect = &r.mt;
		if (!err)
			c = ms_emit_c(p, &eo, &cerr, why, sizeof(why));
	} else {
		fprintf(stderr,
			"sealspec: fuzz: program %" PRIu64 ", minimised, did "
			"not run on the kernel: %s\n",
			m->index, r.kt.reason);
		err = -ESRCH;
	}
	snprintf(head, sizeof(head),
		 "# Found by: sealspec fuzz --seed %" PRIu64
		 " (program %" PRIu64 "), on Linux %s,\n"
		 "# minimised from %d steps to %d in %d runs.\n"
		 "# The kernel and the model (profile %s) differ: %.300s\n"
		 "# Expectations are what this kernel did; review them for "
		 "the other\n# profiles before this goes to cases/.",
		 fo->seed, m->index, ki->release, m->steps_before,
		 m->steps_after, runs, ms_profile_name(e->profile), m->what);
	for (char *q = head; *q; q++)
		if (*q == '\r')
			*q = ' ';
	p->head_comment = ms_text_add_str(p, head);
	snprintf(base, sizeof(base), "%s/%s", fo->out, p->name);
	/* DIR is made on the first finding: a clean run leaves nothing. */
	if (mkdir(fo->out, 0777) && errno != EEXIST) {
		fprintf(stderr, "sealspec: fuzz: %s: %s\n", fo->out,
			strerror(errno));
		err = -errno;
	}
	if (!err) {
		text = ms_print(p);
		if (!text)
			err = -ENOMEM;
	}
	if (!err) {
		memset(&check, 0, sizeof(check));
		if (ms_parse(base, text, strlen(text), &check, &diag) < 0) {
			fprintf(stderr,
				"sealspec: fuzz: the scenario written for "
				"program %" PRIu64 " does not parse: %s:%d: "
				"%s\n",
				m->index, base, diag.loc.line, diag.msg);
		}
		ms_program_free(&check);
		snprintf(m->scn, sizeof(m->scn), "%.250s.scn", base);
		err = write_text(m->scn, text);
	}
	if (!err && c) {
		snprintf(m->c, sizeof(m->c), "%.250s.c", base);
		err = write_text(m->c, c);
	} else if (!c && !err) {
		fprintf(stderr, "sealspec: fuzz: no C reproducer for program "
				"%" PRIu64 ": %s\n",
			m->index, cerr == -ENOTSUP ? why : strerror(-cerr));
	}
	free(text);
	free(c);
	ms_fuzz_result_free(&r);
	return err;
}

static bool seen_sig(char (*seen)[256], int *nseen, const char *sig)
{
	for (int i = 0; i < *nseen; i++)
		if (strcmp(seen[i], sig) == 0)
			return true;
	if (*nseen < FINDINGS_MAX)
		snprintf(seen[(*nseen)++], 256, "%s", sig);
	return false;
}

static volatile sig_atomic_t stop_now;

static void on_signal(int sig)
{
	(void)sig;
	stop_now = 1;
	ms_kernel_interrupt();
	ms_fuzz_exec_interrupt();
}

/*
 * Coverage of a program that agreed on the fast path (no snapshots): the
 * model's run with snapshots, in lockstep with the kernel's trace, shows
 * the same states.
 */
static void cover_on_model(const struct ms_fuzz_env *e,
			   const struct ms_program *p,
			   const struct ms_trace *kt, uint8_t *cells)
{
	struct ms_model_opts mo = {
		.profile = e->profile,
		.features = e->ki->features,
		.lockstep = kt,
		.flip_switches = e->flip_switches,
	};

	cov_program(p, &mo, cells);
}

static int worker(const struct fuzz_opts *fo, const struct ms_kernel_info *ki,
		  int job, int fd, double deadline)
{
	struct ms_fuzz_env e = {
		.ki = ki,
		.ko = { .timeout_ms = 10000, .snapshots = true },
		.profile = (enum ms_profile)fo->profile,
		.flip_switches = fo->flip,
		.fast = !fo->snapshots,
		.executor = !fo->no_executor,
	};
	struct ms_fuzz_env full = e;
	/*
	 * On the heap, as every table here: the scenario processes carry
	 * sealspec's image, and mlockall(MCL_CURRENT) in a scenario counts
	 * its size against RLIMIT_MEMLOCK.
	 */
	char (*seen)[256] = calloc(FINDINGS_MAX, sizeof(*seen));
	int nseen = 0;
	struct msg st = { .type = MSG_STATS, .job = job };
	double last = 0;
	int err = 0;

	for (uint64_t idx = fo->start + (uint64_t)job; !stop_now;
	     idx += (uint64_t)fo->jobs) {
		struct ms_fuzz_gen_opts go = {
			.seed = fo->seed,
			.index = idx,
			.features = ki->features,
			.profile = (enum ms_profile)fo->profile,
			.max_steps = fo->max_steps,
			.flip_switches = fo->flip,
		};
		struct ms_fuzz_result r;
		struct ms_program p;

		if (fo->programs ? (long)(idx - fo->start) >= fo->programs :
				   now() >= deadline)
			break;
		if (ms_fuzz_generate(&go, &p))
			continue;
		err = ms_fuzz_run(&e, &p, &r);
		if (err) {
			ms_program_free(&p);
			break;
		}
		st.programs++;
		st.steps += count_steps(&p);
		if (r.status == MS_FUZZ_AGREE || r.status == MS_FUZZ_DIFFER)
			cover_on_model(&e, &p, &r.kt, st.cells);
		if (r.status == MS_FUZZ_NOT_RUN)
			st.not_run++;
		if (r.status == MS_FUZZ_DIFFER) {
			struct msg m = { .type = MSG_FINDING, .job = job,
					 .index = idx };
			const char *why = ms_fuzz_known(r.sig);

			st.differ++;
			snprintf(m.sig, sizeof(m.sig), "%s", r.sig);
			if (why) {
				st.known++;
				m.is_known = true;
				snprintf(m.reason, sizeof(m.reason), "%s", why);
				write_all(fd, &m, sizeof(m));
			} else if (!seen || !seen_sig(seen, &nseen, r.sig)) {
				/* Minimised in scenario processes only. */
				full.fast = false;
				full.executor = false;
				if (report_new(fo, &full, ki, &p, &r, &m))
					fprintf(stderr,
						"sealspec: fuzz: writing the "
						"finding of program %" PRIu64
						" failed\n",
						idx);
				write_all(fd, &m, sizeof(m));
			} else {
				write_all(fd, &m, sizeof(m));
			}
		}
		ms_fuzz_result_free(&r);
		ms_program_free(&p);
		if (now() - last > 0.25) {
			last = now();
			ms_fuzz_exec_stats(&st.x);
			write_all(fd, &st, sizeof(st));
		}
	}
	ms_fuzz_exec_stats(&st.x);
	ms_fuzz_exec_stop();
	write_all(fd, &st, sizeof(st));
	free(seen);
	return err ? EXIT_BROKEN : 0;
}

static int parse_opts(int argc, char **argv, struct fuzz_opts *o)
{
	static const struct option opts[] = {
		{ "time", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },
		{ "profile", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "programs", required_argument, NULL, 'n' },
		{ "steps", required_argument, NULL, 'S' },
		{ "start", required_argument, NULL, 'F' },
		{ "snapshots", no_argument, NULL, 'P' },
		{ "no-executor", no_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;
	char *end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		errno = 0;
		switch (c) {
		case 't':
			o->seconds = strtod(optarg, &end);
			if (*end || o->seconds < 0 || errno)
				goto bad;
			break;
		case 's':
			o->seed = strtoull(optarg, &end, 0);
			if (*end || errno || !*optarg)
				goto bad;
			break;
		case 'p':
			o->profile = ms_profile_lookup(optarg);
			if (o->profile < 0)
				goto bad;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'j':
			o->jobs = (int)strtol(optarg, &end, 10);
			if (*end || o->jobs < 1 || o->jobs > 64)
				goto bad;
			break;
		case 'n':
			o->programs = strtol(optarg, &end, 10);
			if (*end || o->programs < 1)
				goto bad;
			break;
		case 'S':
			o->max_steps = (int)strtol(optarg, &end, 10);
			if (*end || o->max_steps < 2 || o->max_steps > 200)
				goto bad;
			break;
		case 'P':
			o->snapshots = true;
			break;
		case 'E':
			o->no_executor = true;
			break;
		case 'F':
			o->start = strtoull(optarg, &end, 0);
			if (*end || errno || !*optarg)
				goto bad;
			break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				o->json = true;
			else if (strcmp(optarg, "text") != 0)
				goto bad;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
bad:
	for (int k = 0; opts[k].name; k++)
		if (opts[k].val == c)
			fprintf(stderr, "sealspec: fuzz: bad value '%s' for --%s\n",
				optarg, opts[k].name);
	usage(stderr);
	return -EINVAL;
}

/* The cells all workers reached, in u. */
static int union_cells(const struct msg *total, int jobs, uint8_t *u)
{
	memset(u, 0, (COV_NCELLS + 7) / 8);
	for (int j = 0; j < jobs; j++)
		for (size_t i = 0; i < (COV_NCELLS + 7) / 8; i++)
			u[i] |= total[j].cells[i];
	return cov_count(u);
}

/*
 * The cells the built-in catalog reaches, every variant on the model
 * (with the kernel's features, under the profile), read the same way.
 */
static int catalog_cells(const struct ms_kernel_info *ki,
			 enum ms_profile profile, uint8_t *cells)
{
	struct scenario_set set = { 0 };
	struct ms_model_opts mo = { .profile = profile,
				    .features = ki->features };

	memset(cells, 0, (COV_NCELLS + 7) / 8);
	if (load_scenarios(NULL, 0, &set))
		return -1;
	for (int i = 0; i < set.n; i++) {
		const struct ms_program *t = set.v[i].t;
		int rows = ms_variant_count(t);

		for (int r = 0; r < rows; r++) {
			struct ms_program p;
			struct ms_diag d;

			memset(&p, 0, sizeof(p));
			if (ms_instantiate(t, r, &p, &d))
				continue;
			cov_program(&p, &mo, cells);
			ms_program_free(&p);
		}
	}
	free_scenarios(&set);
	return cov_count(cells);
}

static void json_str(const char *s)
{
	out_json_string(stdout, s);
}

static int fuzz_main(int argc, char **argv, struct finding *found);

int cmd_fuzz(int argc, char **argv)
{
	/* On the heap: see worker(). */
	struct finding *found = calloc(FINDINGS_MAX, sizeof(*found));
	int status;

	if (!found) {
		fprintf(stderr, "sealspec: fuzz: out of memory\n");
		return EXIT_BROKEN;
	}
	status = fuzz_main(argc, argv, found);
	free(found);
	return status;
}

static int fuzz_main(int argc, char **argv, struct finding *found)
{
	struct fuzz_opts fo = { .seconds = 60, .seed = 1, .jobs = 1,
				.max_steps = 10, .out = "fuzz-findings",
				.profile = -1 };
	struct ms_kernel_info ki;
	struct msg total[64];
	int nfound = 0, pipes[2], status = EXIT_PASS, err;
	long new_programs = 0, known_programs = 0;
	pid_t pids[64];
	double t0, deadline;
	bool tty = isatty(STDERR_FILENO);
	struct sigaction sa = { .sa_handler = on_signal };

	err = parse_opts(argc, argv, &fo);
	if (err)
		return err > 0 ? EXIT_PASS : EXIT_USAGE;
	if (model_flips_from_env(&fo.flip))
		return EXIT_USAGE;
	err = ms_kernel_probe(&ki);
	if (err) {
		fprintf(stderr, "sealspec: fuzz: the kernel probe failed: %s\n",
			strerror(-err));
		return EXIT_BROKEN;
	}
	if (!ki.has_mseal) {
		fprintf(stderr, "sealspec: fuzz: this kernel has no mseal(2)\n");
		return EXIT_BROKEN;
	}
	if (fo.profile < 0)
		fo.profile = (int)ki.detected;
	if (pipe(pipes)) {
		perror("sealspec: fuzz: pipe");
		return EXIT_BROKEN;
	}
	fflush(NULL);
	t0 = now();
	deadline = t0 + fo.seconds;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (int j = 0; j < fo.jobs; j++) {
		pids[j] = fork();
		if (pids[j] < 0) {
			perror("sealspec: fuzz: fork");
			return EXIT_BROKEN;
		}
		if (pids[j] == 0) {
			close(pipes[0]);
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			int st = worker(&fo, &ki, j, pipes[1], deadline);

			ms_kernel_stop();
			fflush(NULL);
			_exit(st);
		}
		memset(&total[j], 0, sizeof(total[j]));
	}
	close(pipes[1]);
	for (;;) {
		struct msg m;
		ssize_t n = read(pipes[0], &m, sizeof(m));
		long progs = 0, steps = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(m))
			break;
		if (m.type == MSG_FINDING) {
			int k;

			if (m.is_known)
				known_programs++;
			else
				new_programs++;
			for (k = 0; k < nfound; k++)
				if (!strcmp(found[k].m.sig, m.sig))
					break;
			if (k < nfound) {
				found[k].count++;
				if (!found[k].m.scn[0] && m.scn[0])
					found[k].m = m;
			} else if (nfound < FINDINGS_MAX) {
				found[nfound].m = m;
				found[nfound++].count = 1;
				if (!fo.json) {
					if (tty)
						fprintf(stderr, "\r\033[K");
					printf("%s %s\n",
					       m.is_known ? "KNOWN" : "NEW  ",
					       m.sig);
					if (m.is_known)
						printf("      %s\n", m.reason);
					if (m.scn[0])
						printf("      %s (%d steps, "
						       "from %d, %d runs): %s\n"
						       "      %s\n",
						       m.scn, m.steps_after,
						       m.steps_before, m.runs,
						       m.what,
						       m.c[0] ? m.c : "(no C)");
					fflush(stdout);
				}
			}
			continue;
		}
		/* Stats: cumulative totals of worker m.job. */
		if (m.job >= 0 && m.job < fo.jobs)
			total[m.job] = m;
		for (int j = 0; j < fo.jobs; j++) {
			progs += total[j].programs;
			steps += total[j].steps;
		}
		if (tty && !fo.json) {
			double el = now() - t0;
			uint8_t u[(COV_NCELLS + 7) / 8];

			fprintf(stderr,
				"\r\033[K%.0fs  %ld programs (%.0f/s)  %ld steps"
				"  %d divergences (%ld programs)  %d cells",
				el, progs, el > 0 ? progs / el : 0.0, steps,
				nfound, new_programs + known_programs,
				union_cells(total, fo.jobs, u));
		}
	}
	close(pipes[0]);
	for (int j = 0; j < fo.jobs; j++) {
		int ws;

		while (waitpid(pids[j], &ws, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(ws) || WEXITSTATUS(ws))
			status = EXIT_BROKEN;
	}
	if (tty && !fo.json)
		fprintf(stderr, "\r\033[K");
	{
		long progs = 0, steps = 0, not_run = 0;
		struct ms_fuzz_exec_stats x = { 0 };
		int nnew = 0, nknown = 0, ncells, ncat, beyond = 0;
		double el = now() - t0;
		uint8_t u[(COV_NCELLS + 7) / 8], cat[(COV_NCELLS + 7) / 8];

		ncells = union_cells(total, fo.jobs, u);
		ncat = catalog_cells(&ki, (enum ms_profile)fo.profile, cat);
		for (size_t i = 0; i < sizeof(u); i++)
			cat[i] = u[i] & ~cat[i];
		if (ncat >= 0)
			beyond = cov_count(cat);

		for (int j = 0; j < fo.jobs; j++) {
			const struct ms_fuzz_exec_stats *w = &total[j].x;

			progs += total[j].programs;
			steps += total[j].steps;
			not_run += total[j].not_run;
			x.executor += w->executor;
			x.refused += w->refused;
			x.failed += w->failed;
			x.processes += w->processes;
			x.recycled += w->recycled;
			x.confirmed += w->confirmed;
			x.unconfirmed += w->unconfirmed;
		}
		for (int k = 0; k < nfound; k++)
			found[k].m.is_known ? nknown++ : nnew++;
		if (nnew && status == EXIT_PASS)
			status = EXIT_FAILED;
		if (fo.json) {
			int nf = 0;

			printf("{\"seed\": %" PRIu64 ", \"seconds\": %.1f, "
			       "\"programs\": %ld, \"steps\": %ld, "
			       "\"divergences_new\": %d, "
			       "\"divergences_known\": %d, "
			       "\"divergent_programs\": %ld, \"not_run\": %ld, "
			       "\"jobs\": %d, \"cells\": %d, "
			       "\"catalog_cells\": %d, "
			       "\"cells_beyond_catalog\": %d, \"executor\": "
			       "{\"programs\": %ld, \"refused\": %ld, "
			       "\"failed\": %ld, \"processes\": %ld, "
			       "\"recycled\": %ld, \"confirmed\": %ld, "
			       "\"unconfirmed\": %ld}, \"profile\": ",
			       fo.seed, el, progs, steps, nnew, nknown,
			       new_programs + known_programs, not_run, fo.jobs,
			       ncells, ncat, beyond, x.executor, x.refused,
			       x.failed, x.processes, x.recycled, x.confirmed,
			       x.unconfirmed);
			json_str(ms_profile_name((enum ms_profile)fo.profile));
			printf(", \"kernel\": ");
			json_str(ki.release);
			printf(", \"divergences\": [");
			for (int k = 0; k < nfound; k++) {
				const struct msg *m = &found[k].m;

				printf("%s{\"signature\": ", k ? ", " : "");
				json_str(m->sig);
				printf(", \"known\": %s, \"programs\": %d, "
				       "\"first_program\": %" PRIu64,
				       m->is_known ? "true" : "false",
				       found[k].count, m->index);
				if (m->is_known) {
					printf(", \"reason\": ");
					json_str(m->reason);
				} else {
					printf(", \"what\": ");
					json_str(m->what);
					printf(", \"steps_before\": %d, "
					       "\"steps_after\": %d, "
					       "\"minimise_runs\": %d",
					       m->steps_before, m->steps_after,
					       m->runs);
				}
				printf("}");
			}
			printf("], \"files\": [");
			for (int k = 0; k < nfound; k++) {
				if (found[k].m.scn[0]) {
					printf("%s", nf++ ? ", " : "");
					json_str(found[k].m.scn);
				}
				if (found[k].m.c[0]) {
					printf("%s", nf++ ? ", " : "");
					json_str(found[k].m.c);
				}
			}
			printf("]}\n");
		} else {
			printf("fuzz: seed %" PRIu64 ", %.1f s, %d job%s, "
			       "profile %s, kernel %s\n",
			       fo.seed, el, fo.jobs, fo.jobs == 1 ? "" : "s",
			       ms_profile_name((enum ms_profile)fo.profile),
			       ki.release);
			printf("%ld programs (%.0f/s), %ld steps, %ld not run "
			       "(skip or broken on the kernel)\n",
			       progs, el > 0 ? progs / el : 0.0, steps,
			       not_run);
			printf("%d new divergence%s (%ld programs), %d known "
			       "(%ld programs)\n",
			       nnew, nnew == 1 ? "" : "s", new_programs,
			       nknown, known_programs);
			printf("coverage: %d cells (call x mapping kind x seal "
			       "state x range shape), %d of them beyond the %d "
			       "the catalog reaches\n",
			       ncells, beyond, ncat);
			if (!fo.no_executor)
				printf("executor: %ld programs in %ld processes "
				       "(%ld replaced between programs); %ld in "
				       "scenario processes (%ld refused, %ld it "
				       "could not judge); %ld differences "
				       "confirmed, %ld not\n",
				       x.executor, x.processes, x.recycled,
				       x.refused + x.failed, x.refused,
				       x.failed, x.confirmed, x.unconfirmed);
		}
	}
	return status;
}

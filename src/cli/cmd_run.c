// SPDX-License-Identifier: MIT
/*
 * sealspec run: every variant of every scenario on the kernel, judged under
 * every profile from one trace (the kernel's behaviour does not depend on
 * which profile we compare it with, so each case forks exactly once).
 *
 * sealspec list: the scenarios with their rules.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sealspec-model.h"

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: sealspec run [--target kernel|model|both] [--profile NAME]\n"
		"                    [--format text|ktap|json|html] [--rule ID]...\n"
		"                    [--timeout SECONDS] [--verbose] [--trace]\n"
		"                    [--max-map SIZE] [--max-lock SIZE]\n"
		"                    [--max-file SIZE] [--json-out FILE]\n"
		"                    [--jobs N] [PATH...]\n"
		"\n"
		"Runs scenarios (the built-in catalog when no PATH is given;\n"
		"a PATH is a .scn file or a directory of them) and ends with the\n"
		"guideline table.  --target both (the default) runs each case on\n"
		"this kernel and on the model beside it, step by step; kernel\n"
		"alone, or model alone (every profile, no kernel asked).\n"
		"Testing aid: SEALSPEC_MODEL_FLIP=SWITCH[,...] inverts switches\n"
		"of the model (sealspec profiles) to see a difference caught.\n"
		"--verbose lists passing and skipped cases too; --trace also\n"
		"prints what every step returned.  --json-out also\n"
		"writes the JSON report of the same run to FILE (docs/json.md).\n"
		"--jobs runs N scenario processes at once (default: the CPUs\n"
		"this process may use; 1 runs one at a time); the report is the\n"
		"same, in catalog order, whatever N.\n"
		"--format html writes one self-contained page: the guideline\n"
		"table, every verdict, and each failure's expected and observed\n"
		"pages as strips with its scenario, the failing step marked.\n"
		"Limits of each scenario (docs/threat-model.md): --timeout of its\n"
		"own time (10 s), --max-map of memory mapped beyond its start\n"
		"(1G), --max-lock locked (64M); --max-file of a scenario file (1M).\n"
		"SEALSPEC_MAX_MAP, SEALSPEC_MAX_LOCK and SEALSPEC_MAX_FILE set\n"
		"the same in the environment.\n"
		"Exit status: 0 nothing failed; 1 a case failed; 2 usage or\n"
		"scenario syntax error (nothing was run); 3 the environment is\n"
		"broken: BROK cases and no failure, or the kernel probe failed,\n"
		"or a report could not be written; 128+N interrupted by signal N\n"
		"(the report covers what ran).\n");
}

/*
 * Colour only where it can be shown and is wanted: standard output is a
 * terminal that is not "dumb" (TERM unset or empty says nothing about the
 * terminal, so no colour either), and NO_COLOR is unset or empty
 * (no-color.org).
 */
static bool want_colour(void)
{
	const char *term = getenv("TERM"), *no = getenv("NO_COLOR");

	return isatty(STDOUT_FILENO) && term && term[0] &&
	       strcmp(term, "dumb") != 0 && !(no && no[0]);
}

static int parse_rule_mask(const char *arg, unsigned int *mask)
{
	int r = ms_rule_lookup(arg);

	if (r < 0) {
		fprintf(stderr,
			"sealspec: unknown rule '%s'; rules are G1 G1a G1b "
			"G2 G2a G2b G3 G3a G4 G5 G6 G6a G7 GP GS\n",
			arg);
		return -EINVAL;
	}
	*mask |= 1u << r;
	return 0;
}

struct run_opts {
	const char *target;
	bool kernel, model;		/* the targets that run */
	uint64_t flip;			/* SEALSPEC_MODEL_FLIP: switches */
	int profile;			/* -1: the detected one */
	enum report_format fmt;
	unsigned int rules;		/* --rule filter, 0 = all */
	struct ms_kernel_opts ko;
	int verbose;
	int trace;
	const char *json_out;		/* --json-out FILE, or NULL */
	int jobs;			/* --jobs: scenario processes at once */
};

/* Case c of the report, in its catalog place (run_all()), for p. */
static void init_case(struct case_result *c, const struct ms_program *p)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", p->name);
	snprintf(c->file, sizeof(c->file), "%s", p->file);
	c->rules = p->rules;
	c->fail_step = -1;
}

/*
 * Judges trace under each profile in set; the one named primary also
 * fills c->primary and, with --trace, c->trace.
 */
static int judge_case(const struct run_report *r, struct case_result *c,
		      const struct ms_program *p, const struct ms_trace *trace,
		      ms_profile_set set, enum ms_profile primary)
{
	for (int i = 0; i < MS_NPROFILES; i++) {
		struct ms_verdict v;

		if (!(set & (1u << i)))
			continue;
		ms_judge(p, trace, (enum ms_profile)i, &v);
		c->by_profile[i] = v.code;
		c->charged[i] = v.rules;
		if ((enum ms_profile)i != primary)
			continue;
		c->primary = v;
		c->fail_step = v.step >= 0 ? ms_step_number(p, v.step) : -1;
		if (r->trace) {
			free(c->trace);
			c->trace = ms_trace_format(p, trace);
			if (!c->trace)
				return -ENOMEM;
		}
		if (r->trace_json) {
			free(c->steps);
			c->steps = ms_trace_to_json(p, trace);
			if (!c->steps)
				return -ENOMEM;
		}
		if (r->keep_detail &&
		    (v.code == MS_FAIL || v.code == MS_BROK)) {
			case_detail_free(c->detail);
			c->detail = case_detail_new(p, trace, &v, primary);
			if (!c->detail)
				return -ENOMEM;
		}
	}
	return 0;
}


/*
 * --target model: the model runs the case once per profile, and each run
 * is judged under its own profile (the model's answer depends on it).
 */
static int add_model_case(struct run_report *r, struct case_result *c,
			  const struct ms_program *p, const struct run_opts *o)
{
	int err = 0;

	init_case(c, p);
	for (int i = 0; i < MS_NPROFILES && !err; i++) {
		struct ms_model_opts mo = {
			.profile = (enum ms_profile)i,
			.snapshots = o->ko.snapshots,
			.features = ms_model_features((enum ms_profile)i),
			.flip_switches = o->flip,
		};
		struct ms_trace t;

		ms_trace_init(&t);
		err = ms_model_run(p, &mo, &t);
		if (!err)
			err = judge_case(r, c, p, &t, 1u << i, r->profile);
		ms_trace_free(&t);
	}
	return err;
}

/*
 * --target both: after the kernel's run (case c), the model runs in
 * lockstep under the profile of the report, with the kernel's features,
 * and the two traces are compared.
 */
static int compare_model(const struct run_report *r, struct case_result *c,
			 const struct ms_program *p, const struct run_opts *o,
			 const struct ms_kernel_info *ki,
			 const struct ms_trace *kt)
{
	struct ms_model_opts mo = {
		.profile = r->profile,
		.snapshots = o->ko.snapshots,
		.features = ki->features,
		.lockstep = kt,
		.flip_switches = o->flip,
		.aio_ring_dontcopy = ki->aio_ring_dontcopy,
	};
	struct ms_trace_diff d;
	struct ms_verdict v;
	struct ms_trace t;
	int err;

	/*
	 * A case the kernel skipped, or could not judge (a crash, a hang, a
	 * limit of sealspec's), has nothing to compare with.
	 */
	if (kt->end != MS_END_DONE) {
		c->model = MODEL_SKIPPED;
		return 0;
	}
	ms_trace_init(&t);
	err = ms_model_run(p, &mo, &t);
	if (!err) {
		ms_judge(p, &t, r->profile, &v);
		c->model_code = v.code;
		c->model = MODEL_AGREE;
		if (ms_trace_diff(p, kt, &t, &d)) {
			c->model = MODEL_DIFFER;
			c->model_step = d.step >= 0 ?
						ms_step_number(p, d.step) : -1;
			c->model_diff = strdup(d.what);
			if (!c->model_diff)
				err = -ENOMEM;
		}
	}
	if (!err && r->trace_json) {
		c->model_steps = ms_trace_to_json(p, &t);
		if (!c->model_steps)
			err = -ENOMEM;
	}
	ms_trace_free(&t);
	return err;
}


static int parse_format(const char *arg, enum report_format *fmt)
{
	if (strcmp(arg, "text") == 0)
		*fmt = FORMAT_TEXT;
	else if (strcmp(arg, "ktap") == 0)
		*fmt = FORMAT_KTAP;
	else if (strcmp(arg, "json") == 0)
		*fmt = FORMAT_JSON;
	else if (strcmp(arg, "html") == 0)
		*fmt = FORMAT_HTML;
	else {
		fprintf(stderr, "sealspec: unknown format '%s'; formats are "
				"text, ktap, json, html\n",
			arg);
		return -EINVAL;
	}
	return 0;
}

static int parse_timeout(const char *arg, int *ms)
{
	char *end;
	double s = strtod(arg, &end);

	/* !(s >= 0.001) also catches NaN. */
	if (end == arg || *end || !(s >= 0.001) || s > 3600) {
		fprintf(stderr, "sealspec: --timeout takes seconds (0.001 to "
				"3600), got '%s'\n",
			arg);
		return -EINVAL;
	}
	*ms = (int)(s * 1000);
	return 0;
}

/* SIZE: bytes, or a number with K, M or G (powers of 1024). */
int parse_size(const char *what, const char *arg, uint64_t *v)
{
	char *end;
	unsigned long long n;
	int shift = 0;

	errno = 0;
	n = strtoull(arg, &end, 10);
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	/* Digits first: strtoull() would skip blanks and take a sign. */
	if (*arg < '0' || *arg > '9' || *end || errno || n == 0 ||
	    n > (UINT64_MAX >> shift)) {
		fprintf(stderr, "sealspec: %s takes a size in bytes (K, M, G "
				"suffixes), greater than 0; got '%s'\n",
			what, arg);
		return -EINVAL;
	}
	*v = (uint64_t)n << shift;
	return 0;
}

/* The defaults of the size limits from the environment. */
static int sizes_from_env(struct run_opts *o)
{
	const char *v;

	if ((v = getenv("SEALSPEC_MAX_MAP")) && *v &&
	    parse_size("SEALSPEC_MAX_MAP", v, &o->ko.max_map))
		return -EINVAL;
	if ((v = getenv("SEALSPEC_MAX_LOCK")) && *v &&
	    parse_size("SEALSPEC_MAX_LOCK", v, &o->ko.max_lock))
		return -EINVAL;
	return 0;
}

/*
 * SEALSPEC_MODEL_FLIP=NAME[,NAME...], a testing aid: the model inverts
 * those switches of `sealspec profiles` under every profile, so a test can
 * see --target both catch a model that is wrong.
 */
int model_flips_from_env(uint64_t *out)
{
	const char *v = getenv("SEALSPEC_MODEL_FLIP");
	int n;
	const struct ms_model_switch *sw = ms_model_switches(&n);

	*out = 0;
	while (v && *v) {
		size_t len = strcspn(v, ",");
		int i;

		for (i = 0; i < n; i++)
			if (strlen(sw[i].name) == len &&
			    strncmp(sw[i].name, v, len) == 0)
				break;
		if (i == n) {
			fprintf(stderr, "sealspec: SEALSPEC_MODEL_FLIP: no "
					"switch '%.*s'; see 'sealspec "
					"profiles'\n",
				(int)len, v);
			return -EINVAL;
		}
		*out |= 1ull << i;
		v += len + (v[len] == ',');
	}
	return 0;
}

static int check_target(const char *target)
{
	if (strcmp(target, "kernel") == 0)
		return 0;
	if (strcmp(target, "model") == 0 || strcmp(target, "both") == 0)
		return 0;
	fprintf(stderr, "sealspec: unknown target '%s'; targets are "
				"kernel, model, both\n",
			target);
	return -EINVAL;
}

/* --jobs N: 1 to 64. */
static int parse_jobs(const char *arg, int *jobs)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end || errno || n < 1 || n > 64) {
		fprintf(stderr, "sealspec: --jobs takes a number of scenario "
				"processes from 1 to 64, got '%s'\n",
			arg);
		return -EINVAL;
	}
	*jobs = (int)n;
	return 0;
}

/*
 * The default of --jobs: the CPUs this process may run on (its affinity
 * mask, which taskset and cgroups narrow), at most 64.
 */
static int default_jobs(void)
{
	cpu_set_t set;
	int n = 1;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	else
		n = (int)sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : n;
}

/* Returns the index of the first operand, or -1 after a usage error
 * (-2 after --help). */
static int parse_run_args(int argc, char **argv, struct run_opts *o)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "profile", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "rule", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "max-map", required_argument, NULL, 'M' },
		{ "max-lock", required_argument, NULL, 'L' },
		{ "max-file", required_argument, NULL, 'F' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json-out", required_argument, NULL, 'J' },
		{ "trace", no_argument, NULL, 'x' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c, err = sizes_from_env(o);
	uint64_t max_file;

	optind = 1;
	while (!err &&
	       (c = getopt_long(argc, argv, "t:p:f:r:T:j:vh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			o->target = optarg;
			break;
		case 'p':
			o->profile = ms_profile_lookup(optarg);
			if (o->profile < 0) {
				fprintf(stderr, "sealspec: unknown profile "
						"'%s'; see 'sealspec "
						"profiles'\n",
					optarg);
				err = -EINVAL;
			}
			break;
		case 'f':
			err = parse_format(optarg, &o->fmt);
			break;
		case 'r':
			err = parse_rule_mask(optarg, &o->rules);
			break;
		case 'T':
			err = parse_timeout(optarg, &o->ko.timeout_ms);
			break;
		case 'M':
			err = parse_size("--max-map", optarg, &o->ko.max_map);
			break;
		case 'L':
			err = parse_size("--max-lock", optarg, &o->ko.max_lock);
			break;
		case 'F':
			err = parse_size("--max-file", optarg, &max_file);
			if (!err)
				max_scenario_file = max_file;
			break;
		case 'J':
			o->json_out = optarg;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'x':
			o->trace = 1;
			break;
		case 'j':
			err = parse_jobs(optarg, &o->jobs);
			break;
		case 'h':
			run_usage(stdout);
			return -2;
		default:
			run_usage(stderr);
			return -1;
		}
	}
	if (!err)
		err = model_flips_from_env(&o->flip);
	if (err || check_target(o->target))
		return -1;
	o->kernel = strcmp(o->target, "model") != 0;
	o->model = strcmp(o->target, "kernel") != 0;
	return optind;
}

/* The signal that interrupted the run, or 0. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	if (!stop_signal)
		stop_signal = sig;
	ms_kernel_interrupt();
}

/*
 * SIGINT (Ctrl-C), SIGTERM (timeout(1), CI) and SIGHUP stop the run: the
 * scenario that runs is killed, its segments removed, and the report
 * covers the cases that ran.  SIGKILL cannot be caught: the scenario
 * processes die with the runner all the same (ms_kernel_start()).
 */
static void catch_stop_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	/* Inherited SIG_IGN would reap the probe's child unseen. */
	signal(SIGCHLD, SIG_DFL);
}

static const char *stop_signal_name(int sig)
{
	switch (sig) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP: return "SIGHUP";
	default: return "a signal";
	}
}

/* How many cases the run has: every variant of every selected scenario. */
static int count_cases(const struct scenario_set *set, unsigned int rules)
{
	int n = 0;

	for (int i = 0; i < set->n; i++)
		if (scenario_has_rule(set->v[i].t, rules))
			n += ms_variant_count(set->v[i].t);
	return n;
}

/* A case in flight: its program and trace, and its place in the report. */
struct in_flight {
	bool used;
	int index;
	struct ms_program p;
	struct ms_trace trace;
};

/* What the cases of a run share while they end, in any order. */
struct run_state {
	struct run_report *rep;
	const struct run_opts *o;
	const struct ms_kernel_info *ki;
	bool *done;		/* rep->cases[i] is filled */
	int ndone;
};

/*
 * A case has ended on the kernel (err from ms_kernel_wait(), or 0 for a
 * SKIP): judged into its place in the report, and with --target both
 * compared with the model's run; or the reason the run stops in
 * rep->error.  Returns 0 or the error.
 */
static int case_ended(struct run_state *x, struct in_flight *f, int err)
{
	struct run_report *rep = x->rep;
	struct case_result *c = &rep->cases[f->index];

	if (err && err != -EINTR && !rep->error[0]) {
		snprintf(rep->error, sizeof(rep->error),
			 "cannot run %.200s: %s; the run stopped after %d "
			 "case%s",
			 f->p.name, strerror(-err), x->ndone,
			 x->ndone == 1 ? "" : "s");
	} else if (!err) {
		init_case(c, &f->p);
		if (judge_case(rep, c, &f->p, &f->trace, MS_ALL_PROFILES,
			       rep->profile) ||
		    (x->o->model &&
		     compare_model(rep, c, &f->p, x->o, x->ki, &f->trace)))
			err = -ENOMEM;
	}
	if (!err) {
		x->done[f->index] = true;
		x->ndone++;
	}
	ms_trace_free(&f->trace);
	ms_program_free(&f->p);
	f->used = false;
	return err;
}

/* Waits for one case in flight to end: 0, -ECHILD (none), or its error. */
static int wait_one(struct run_state *x)
{
	void *tag;
	int err = ms_kernel_wait(&tag);

	if (err == -ECHILD)
		return err;
	return case_ended(x, tag, err);
}

/*
 * Every variant of every selected scenario, once each on the kernel, judged
 * under every profile; up to o->jobs at once, each result in its catalog
 * place, so the report is the same whatever the number of jobs.  Returns
 * 0, or an exit status when the run cannot go on: EXIT_USAGE for a
 * variant that does not instantiate (said on stderr), EXIT_BROKEN when the
 * runner cannot run a case (a fork that fails): then rep->error says why,
 * and the cases that ended are reported.  An interrupted run returns 0 with
 * the cases that ended.  Either way the cases in flight end first.
 */
static int run_all(const struct scenario_set *set, const struct run_opts *o,
		   const struct ms_kernel_info *ki, struct run_report *rep,
		   int total)
{
	struct in_flight *fl = calloc((size_t)o->jobs + 1, sizeof(*fl));
	bool *done = calloc((size_t)total + 1, sizeof(*done));
	struct run_state x = { rep, o, ki, done, 0 };
	int k = 0, status = 0, err = 0, n = 0;

	rep->cases = calloc((size_t)total + 1, sizeof(*rep->cases));
	rep->cap = total;
	if (!fl || !done || !rep->cases) {
		snprintf(rep->error, sizeof(rep->error),
			 "out of memory; no case was run");
		free(fl);
		free(done);
		return EXIT_BROKEN;
	}
	for (int i = 0; i < set->n && !status && !err; i++) {
		const struct ms_program *t = set->v[i].t;
		int nv = ms_variant_count(t);

		if (!scenario_has_rule(t, o->rules))
			continue;
		for (int row = 0; row < nv && !status && !err; row++) {
			struct in_flight *f = NULL;
			struct ms_diag diag;

			for (int s = 0; s <= o->jobs && !f; s++)
				if (!fl[s].used)
					f = &fl[s];
			memset(&f->p, 0, sizeof(f->p));
			if (ms_instantiate(t, row, &f->p, &diag) < 0) {
				fprintf(stderr, "%s:%d:%d: %s\n",
					diag.loc.file ? diag.loc.file : t->file,
					diag.loc.line, diag.loc.col, diag.msg);
				ms_program_free(&f->p);
				status = EXIT_USAGE;
				break;
			}
			f->used = true;
			f->index = k++;
			ms_trace_init(&f->trace);
			if (!o->kernel) {
				/* The model alone: here, at once. */
				err = stop_signal ? -EINTR :
						    add_model_case(rep,
								   &rep->cases[f->index],
								   &f->p, o);
				if (!err) {
					done[f->index] = true;
					x.ndone++;
				} else if (err != -EINTR) {
					snprintf(rep->error, sizeof(rep->error),
						 "cannot run %.200s: %s; the "
						 "run stopped after %d case%s",
						 f->p.name, strerror(-err),
						 x.ndone,
						 x.ndone == 1 ? "" : "s");
				}
				ms_trace_free(&f->trace);
				ms_program_free(&f->p);
				f->used = false;
				continue;
			}
			for (;;) {
				err = stop_signal ? -EINTR :
						    ms_kernel_begin(&f->p, ki,
								    &o->ko,
								    &f->trace,
								    f);
				if (err != -EBUSY)
					break;
				err = wait_one(&x);
				if (err)
					break;
			}
			if (err == 1)
				err = case_ended(&x, f, 0);
			else if (err)
				case_ended(&x, f, err);
		}
	}
	/* The cases in flight end, even when the run stops short. */
	for (;;) {
		int e = wait_one(&x);

		if (e == -ECHILD)
			break;
		if (e && !err)
			err = e;
	}
	/* The report lists the cases that ended, in catalog order. */
	for (int i = 0; i < k; i++)
		if (done[i])
			rep->cases[n++] = rep->cases[i];
	rep->ncases = n;
	free(fl);
	free(done);
	if (status)
		return status;
	if (err == -EINTR)
		return 0;
	if (err == -ENOMEM && !rep->error[0])
		snprintf(rep->error, sizeof(rep->error),
			 "out of memory; the run stopped after %d cases",
			 rep->ncases);
	return err ? EXIT_BROKEN : 0;
}

/*
 * Writes a report in one piece: built in memory, then write(2) until all
 * of it is out.  stdio can meet a write error inside a buffer flush in the
 * middle of printing and leave nothing in errno by the final fflush; here
 * the failing write itself says why.  Returns 0 or -errno.
 */
static int emit_report(int fd, const struct run_report *rep,
		       enum report_format fmt)
{
	char *buf = NULL;
	size_t len = 0, done = 0;
	FILE *m = open_memstream(&buf, &len);
	int err = 0;

	if (!m)
		return -ENOMEM;
	report_print(m, rep, fmt);
	if (fclose(m) != 0) {
		free(buf);
		return -ENOMEM;
	}
	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		done += (size_t)n;
	}
	free(buf);
	return err;
}

/*
 * --json-out: the JSON report of the same run, beside the one on stdout,
 * so that a CI reading KTAP keeps the JSON of exactly those results.
 * Returns 0, or -1 (said on stderr) when the file could not be written.
 */
static int write_json_file(const char *path, const struct run_report *rep)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int err;

	if (fd < 0) {
		fprintf(stderr, "sealspec: --json-out %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	err = emit_report(fd, rep, FORMAT_JSON);
	if (close(fd) < 0 && !err)
		err = -errno;
	if (err) {
		fprintf(stderr, "sealspec: --json-out %s: %s; the JSON report "
				"is incomplete\n",
			path, strerror(-err));
		return -1;
	}
	return 0;
}

/*
 * The profile every case's result is judged under: --profile, else the one
 * the probes detected.  When the probe failed and no --profile was given
 * there is none, and the report says so.
 */
static void set_profile(struct run_report *rep, const struct run_opts *o,
			bool probed)
{
	const struct ms_kernel_info *ki = rep->ki;

	rep->probed = probed;
	rep->has_profile = o->profile >= 0 || probed;
	rep->profile = o->profile >= 0 ? (enum ms_profile)o->profile :
					 ki->detected;
	if (o->profile >= 0) {
		rep->profile_source = "--profile";
		rep->profile_key = "option";
	} else if (!probed) {
		rep->profile_source = "the kernel was not probed";
		rep->profile_key = "none";
	} else if (ki->has_mseal) {
		rep->profile_source = "detected";
		rep->profile_key = "detected";
	} else {
		rep->profile_source = "no mseal: the cases that do not seal "
				      "are judged by linux";
		rep->profile_key = "no-mseal";
	}
}

/*
 * --target model: no kernel is asked.  The report's "kernel" is the model,
 * its "detected" profile the one given (linux by default), and its
 * features what the model has under that profile.
 */
static int model_info(const struct run_opts *o, struct ms_kernel_info *ki)
{
	enum ms_profile p = o->profile >= 0 ? (enum ms_profile)o->profile :
					      MS_PROFILE_LINUX;

	memset(ki, 0, sizeof(*ki));
	snprintf(ki->release, sizeof(ki->release), "model");
	snprintf(ki->machine, sizeof(ki->machine), "x86_64 (modelled)");
	ki->page_size = 4096;
	ki->features = ms_model_features(p);
	for (int f = 0; f < MS_NFEATURES; f++)
		snprintf(ki->why_missing[f], sizeof(ki->why_missing[f]),
			 "the model under %s does not have it",
			 ms_profile_name(p));
	ki->detected = p;
	ki->has_mseal = true;
	snprintf(ki->detected_why, sizeof(ki->detected_why),
		 "the model target runs every case under each profile; "
		 "%s is the one reported first",
		 ms_profile_name(p));
	return 0;
}

/*
 * Loads, probes, runs and reports: what cmd_run does once the helper that
 * forks scenario processes is up.
 */
static int run_main(const struct run_opts *o, char **paths, int npaths)
{
	struct ms_kernel_info ki;
	struct scenario_set set = { 0 };
	struct run_report rep = { 0 };
	int counts[MS_XFAIL + 1] = { 0 };
	int err, status, total;
	char note[128];
	const char *obs;

	err = load_scenarios(paths, npaths, &set);
	if (err) {
		if (err > 0)
			fprintf(stderr, "sealspec: %d error%s in the "
					"scenarios; nothing was run\n",
				err, err == 1 ? "" : "s");
		else
			fprintf(stderr, "sealspec: %s\n", strerror(-err));
		free_scenarios(&set);
		return EXIT_USAGE;
	}

	obs = getenv("SEALSPEC_OBSERVE");
	if (obs && obs[0] && strcmp(obs, "ptrace") != 0 &&
	    strcmp(obs, "blind") != 0)
		fprintf(stderr, "sealspec: SEALSPEC_OBSERVE=%s is neither "
				"ptrace nor blind; ignored\n",
			obs);
	rep.ki = &ki;
	rep.target = o->target;
	rep.verbose = o->verbose || o->trace;
	rep.trace = o->trace;
	rep.trace_json = o->trace && (o->fmt == FORMAT_JSON || o->json_out);
	rep.colour = o->fmt == FORMAT_TEXT && want_colour();
	rep.keep_detail = o->fmt == FORMAT_HTML;
	total = count_cases(&set, o->rules);
	err = o->kernel ? ms_kernel_probe(&ki) : model_info(o, &ki);
	set_profile(&rep, o, err == 0);
	if (err) {
		const char *why = err == -ECHILD ?
					  "the probe process died or hung" :
					  strerror(-err);

		/* Still a report, in the format asked for, that says so. */
		fprintf(stderr, "sealspec: probing the kernel failed: %s\n",
			why);
		snprintf(rep.error, sizeof(rep.error),
			 "probing the kernel failed: %s; no case was run", why);
		status = EXIT_BROKEN;
	} else {
		status = run_all(&set, o, &ki, &rep, total);
		if (status == EXIT_BROKEN)
			fprintf(stderr, "sealspec: %s\n", rep.error);
	}
	if (stop_signal) {
		snprintf(note, sizeof(note),
			 "interrupted by %s after %d of %d cases",
			 stop_signal_name(stop_signal), rep.ncases, total);
		rep.note = note;
		fprintf(stderr, "sealspec: %s\n", note);
	} else if (!status && rep.ncases == 0) {
		fprintf(stderr, "sealspec: %s\n",
			o->rules ? "no scenario matches the --rule filter" :
				   "no scenario to run");
		status = EXIT_USAGE;
	}
	if (status != EXIT_USAGE) {
		int werr = stdout_written();

		if (!werr) {
			werr = emit_report(STDOUT_FILENO, &rep, o->fmt);
			if (werr)
				fprintf(stderr, "sealspec: writing to standard "
						"output failed: %s; the output "
						"is incomplete\n",
					strerror(-werr));
		}
		report_counts(&rep, counts);
		if (counts[MS_FAIL] || report_model_differ(&rep))
			status = EXIT_FAILED;
		else if (counts[MS_BROK] || rep.error[0])
			status = EXIT_BROKEN;
		/* A report that did not get out vouches for nothing. */
		if (werr || stdout_written() < 0)
			status = EXIT_BROKEN;
		if (o->json_out && write_json_file(o->json_out, &rep) < 0)
			status = EXIT_BROKEN;
	}
	fflush(stdout);
	for (int i = 0; i < rep.ncases; i++) {
		free(rep.cases[i].trace);
		case_detail_free(rep.cases[i].detail);
		free(rep.cases[i].steps);
		free(rep.cases[i].model_diff);
		free(rep.cases[i].model_steps);
	}
	free(rep.cases);
	free_scenarios(&set);
	return status;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = {
		.target = "both",
		.profile = -1,
		.fmt = FORMAT_TEXT,
		.ko = { .timeout_ms = 10000, .snapshots = true },
	};
	int first, err, status;

	o.jobs = default_jobs();
	first = parse_run_args(argc, argv, &o);
	if (first < 0)
		return first == -2 ? EXIT_PASS : EXIT_USAGE;
	ms_kernel_set_jobs(o.jobs);

	/*
	 * Before the catalog is parsed: every scenario process is forked by
	 * the helper this starts, and carries its memory, not ours.
	 */
	err = o.kernel ? ms_kernel_start() : 0;
	if (err)
		/* No return: the report, in the format asked for, says what
		 * could not run (the probe needs a fork too). */
		fprintf(stderr, "sealspec: cannot start the scenario helper: "
				"%s\n",
			strerror(-err));
	catch_stop_signals();
	status = run_main(&o, argv + first, argc - first);
	ms_kernel_stop();
	return stop_signal ? 128 + stop_signal : status;
}

static void list_usage(FILE *f)
{
	fprintf(f, "usage: sealspec list [--rule ID]... [PATH...]\n"
		   "\n"
		   "The scenarios (the built-in catalog when no PATH is given),\n"
		   "with their rules, number of variants and purpose.\n");
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rule", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	unsigned int rules = 0;
	struct scenario_set set = { 0 };
	int c, err, total = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (parse_rule_mask(optarg, &rules))
				return EXIT_USAGE;
			break;
		case 'h':
			list_usage(stdout);
			return EXIT_PASS;
		default:
			list_usage(stderr);
			return EXIT_USAGE;
		}
	}
	err = load_scenarios(argv + optind, argc - optind, &set);
	if (err) {
		free_scenarios(&set);
		return EXIT_USAGE;
	}
	for (int i = 0; i < set.n; i++) {
		const struct ms_program *t = set.v[i].t;
		char rl[128] = "";
		int nv = ms_variant_count(t);

		if (!scenario_has_rule(t, rules))
			continue;
		for (int r = 0; r < MS_NRULES; r++) {
			if (!(t->rules & (1u << r)))
				continue;
			strncat(rl, rl[0] ? " " : "", sizeof(rl) - strlen(rl) - 1);
			strncat(rl, ms_rule_name((enum ms_rule)r),
				sizeof(rl) - strlen(rl) - 1);
		}
		printf("%-40s %-16s %3d  %s\n", t->name, rl, nv,
		       ms_text(t, t->purpose));
		total += nv;
	}
	printf("%d scenario%s\n", total, total == 1 ? "" : "s");
	free_scenarios(&set);
	return EXIT_PASS;
}

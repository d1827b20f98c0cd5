// SPDX-License-Identifier: MIT
/*
 * sealspec run: every variant of every scenario on the kernel, judged under
 * every profile from one trace (the kernel's behaviour does not depend on
 * which profile we compare it with, so each case forks exactly once).
 *
 * sealspec list: the scenarios with their rules.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: sealspec run [--target kernel|model|both] [--profile NAME]\n"
		"                    [--format text|ktap|json] [--rule ID]...\n"
		"                    [--timeout SECONDS] [--verbose] [PATH...]\n"
		"\n"
		"Runs scenarios (the built-in catalog when no PATH is given;\n"
		"a PATH is a .scn file or a directory of them) and ends with the\n"
		"guideline table.  Exit status: 0 nothing failed, 1 a case\n"
		"failed, 2 usage or scenario syntax error, 3 only BROK cases.\n");
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

static int add_case(struct run_report *r, const struct ms_program *p,
		    const struct ms_trace *trace, enum ms_profile profile)
{
	struct case_result *c;

	if (r->ncases == r->cap) {
		int cap = r->cap ? r->cap * 2 : 256;
		struct case_result *v = realloc(r->cases, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->cases = v;
		r->cap = cap;
	}
	c = &r->cases[r->ncases++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", p->name);
	snprintf(c->file, sizeof(c->file), "%s", p->file);
	c->rules = p->rules;
	for (int i = 0; i < MS_NPROFILES; i++) {
		struct ms_verdict v;

		ms_judge(p, trace, (enum ms_profile)i, &v);
		c->by_profile[i] = v.code;
		if ((enum ms_profile)i == profile)
			c->primary = v;
	}
	c->fail_step = c->primary.step;
	return 0;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "profile", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "rule", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *target = "kernel";
	int profile = -1;
	enum report_format fmt = FORMAT_TEXT;
	unsigned int rules = 0;
	struct ms_kernel_opts ko = { .timeout_ms = 10000, .snapshots = true };
	struct ms_kernel_info ki;
	struct scenario_set set = { 0 };
	struct run_report rep = { 0 };
	int counts[MS_XFAIL + 1] = { 0 };
	int c, err, status;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:p:f:r:T:vh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			target = optarg;
			break;
		case 'p':
			profile = ms_profile_lookup(optarg);
			if (profile < 0) {
				fprintf(stderr,
					"sealspec: unknown profile '%s'; see "
					"'sealspec profiles'\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				fmt = FORMAT_TEXT;
			else if (strcmp(optarg, "ktap") == 0)
				fmt = FORMAT_KTAP;
			else if (strcmp(optarg, "json") == 0)
				fmt = FORMAT_JSON;
			else {
				fprintf(stderr,
					"sealspec: unknown format '%s'; "
					"formats are text, ktap, json\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'r':
			if (parse_rule_mask(optarg, &rules))
				return EXIT_USAGE;
			break;
		case 'T': {
			char *end;
			double s = strtod(optarg, &end);

			/* !(s >= 0.001) also catches NaN. */
			if (end == optarg || *end || !(s >= 0.001) ||
			    s > 3600) {
				fprintf(stderr,
					"sealspec: --timeout takes seconds "
					"(0.001 to 3600), got '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			ko.timeout_ms = (int)(s * 1000);
			break;
		}
		case 'v':
			rep.verbose = 1;
			break;
		case 'h':
			run_usage(stdout);
			return EXIT_PASS;
		default:
			run_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (strcmp(target, "kernel") != 0) {
		if (strcmp(target, "model") == 0 || strcmp(target, "both") == 0)
			fprintf(stderr,
				"sealspec: the model target is not built yet; "
				"this version runs --target kernel only\n");
		else
			fprintf(stderr,
				"sealspec: unknown target '%s'; targets are "
				"kernel, model, both\n",
				target);
		return EXIT_USAGE;
	}

	err = load_scenarios(argv + optind, argc - optind, &set);
	if (err) {
		if (err > 0)
			fprintf(stderr, "sealspec: %d scenario file%s did not "
					"load; nothing was run\n",
				err, err == 1 ? "" : "s");
		else
			fprintf(stderr, "sealspec: %s\n", strerror(-err));
		free_scenarios(&set);
		return EXIT_USAGE;
	}

	err = ms_kernel_probe(&ki);
	if (err) {
		fprintf(stderr, "sealspec: probing the kernel failed: %s\n",
			strerror(-err));
		free_scenarios(&set);
		return EXIT_BROKEN;
	}
	rep.ki = &ki;
	rep.target = target;
	rep.profile = profile >= 0 ? (enum ms_profile)profile : ki.detected;
	rep.profile_source = profile >= 0 ? "--profile" : "detected";

	for (int i = 0; i < set.n; i++) {
		const struct ms_program *t = set.v[i].t;
		int nv = ms_variant_count(t);

		if (!scenario_has_rule(t, rules))
			continue;
		for (int row = 0; row < nv; row++) {
			struct ms_program p;
			struct ms_diag diag;
			struct ms_trace trace;

			memset(&p, 0, sizeof(p));
			if (ms_instantiate(t, row, &p, &diag) < 0) {
				fprintf(stderr, "%s:%d:%d: %s\n",
					diag.loc.file ? diag.loc.file : t->file,
					diag.loc.line, diag.loc.col, diag.msg);
				free(rep.cases);
				free_scenarios(&set);
				return EXIT_USAGE;
			}
			ms_trace_init(&trace);
			err = ms_kernel_run(&p, &ki, &ko, &trace);
			if (err) {
				fprintf(stderr,
					"sealspec: cannot run %s: %s\n",
					p.name, strerror(-err));
				ms_trace_free(&trace);
				ms_program_free(&p);
				free(rep.cases);
				free_scenarios(&set);
				return EXIT_BROKEN;
			}
			err = add_case(&rep, &p, &trace, rep.profile);
			ms_trace_free(&trace);
			ms_program_free(&p);
			if (err) {
				fprintf(stderr, "sealspec: out of memory\n");
				free(rep.cases);
				free_scenarios(&set);
				return EXIT_BROKEN;
			}
		}
	}

	if (rep.ncases == 0) {
		fprintf(stderr, "sealspec: no scenario to run%s\n",
			rules ? " matches the --rule filter" : "");
		free_scenarios(&set);
		return EXIT_USAGE;
	}
	report_print(stdout, &rep, fmt);
	report_counts(&rep, counts);
	if (counts[MS_FAIL])
		status = EXIT_FAILED;
	else if (counts[MS_BROK])
		status = EXIT_BROKEN;
	else
		status = EXIT_PASS;
	free(rep.cases);
	free_scenarios(&set);
	return status;
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
			printf("usage: sealspec list [--rule ID]... [PATH...]\n");
			return EXIT_PASS;
		default:
			fprintf(stderr,
				"usage: sealspec list [--rule ID]... [PATH...]\n");
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
		printf("%-40s %-16s %3d  %s\n", t->name, rl, nv, t->purpose);
		total += nv;
	}
	printf("%d scenario%s\n", total, total == 1 ? "" : "s");
	free_scenarios(&set);
	return EXIT_PASS;
}

// SPDX-License-Identifier: MIT
/*
 * sealspec coverage: runs every case on the model (profile linux) and,
 * before each call that acts on a range, asks the classifier (coverage.c)
 * which cells of call x mapping kind x seal state x range shape it
 * exercises; then prints the cells per call, per rule and in total.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "coverage.h"

static void coverage_usage(FILE *f)
{
	fprintf(f,
		"usage: sealspec coverage [--format text|json] [--rule ID]...\n"
		"                         [--verbose] [PATH...]\n"
		"\n"
		"Runs the scenarios (the built-in catalog when no PATH is given)\n"
		"on the model under profile linux and reports which cells of\n"
		"call x mapping kind x seal state x range shape they exercise:\n"
		"a table per call, the cells per rule, the cells that cannot\n"
		"occur and why, and a total.  --verbose also lists the reachable\n"
		"cells no scenario exercises (JSON always does, as 'uncovered').\n"
		"Exit status: 0; 2 usage or scenario syntax error; 3 a case could\n"
		"not be run.\n");
}

struct cov_state {
	int ncells;
	uint32_t *rules;	/* per cell: rules of the cases that hit it */
	int *ncases;		/* per cell: cases that hit it */
	int *last;		/* per cell: the last case that hit it */
	int *example;		/* per cell: the first case, or -1 */
	char **names;		/* case names, by case number */
	int cases, ncap, skipped, broken;
	long classified, outside;	/* range calls: with a cell, without */
	int cur;		/* the case running */
	uint32_t cur_rules;
};

static void before_call(void *ctx, const struct ms_mm *mm,
			const struct ms_program *p, int step,
			const int64_t *args)
{
	struct cov_state *st = ctx;
	struct cov_cell hits[COV_MAX_HITS];
	int n = cov_classify(mm, p, step, args, hits, COV_MAX_HITS);

	if (n == 0)
		st->outside++;
	if (n > 0)
		st->classified++;
	for (int i = 0; i < n; i++) {
		int c = cov_index(&hits[i]);

		st->rules[c] |= st->cur_rules;
		if (st->last[c] == st->cur)
			continue;
		st->last[c] = st->cur;
		st->ncases[c]++;
		if (st->example[c] < 0)
			st->example[c] = st->cur;
	}
}

static int add_name(struct cov_state *st, const char *name)
{
	if (st->cases == st->ncap) {
		int cap = st->ncap ? st->ncap * 2 : 512;
		char **v = realloc(st->names, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		st->names = v;
		st->ncap = cap;
	}
	st->names[st->cases] = strdup(name);
	return st->names[st->cases] ? 0 : -ENOMEM;
}

/* Every variant of every selected scenario, once, on the model. */
static int run_cases(const struct scenario_set *set, unsigned int rules,
		     struct cov_state *st)
{
	struct ms_model_opts mo = {
		.profile = MS_PROFILE_LINUX,
		.features = ms_model_features(MS_PROFILE_LINUX),
		.before_call = before_call,
		.ctx = st,
	};

	for (int i = 0; i < set->n; i++) {
		const struct ms_program *t = set->v[i].t;
		int nv = ms_variant_count(t);

		if (!scenario_has_rule(t, rules))
			continue;
		for (int row = 0; row < nv; row++) {
			struct ms_program p;
			struct ms_diag diag;
			struct ms_trace trace;
			int err;

			memset(&p, 0, sizeof(p));
			if (ms_instantiate(t, row, &p, &diag) < 0) {
				fprintf(stderr, "%s:%d:%d: %s\n",
					diag.loc.file ? diag.loc.file : t->file,
					diag.loc.line, diag.loc.col, diag.msg);
				return EXIT_USAGE;
			}
			err = add_name(st, p.name);
			st->cur = st->cases;
			st->cur_rules = p.rules;
			ms_trace_init(&trace);
			if (!err)
				err = ms_model_run(&p, &mo, &trace);
			if (!err) {
				st->cases++;
				st->skipped += trace.end == MS_END_SKIP;
				st->broken += trace.end == MS_END_BROK;
			}
			ms_trace_free(&trace);
			ms_program_free(&p);
			if (err) {
				fprintf(stderr, "sealspec: cannot run %s: %s\n",
					t->name, strerror(-err));
				return EXIT_BROKEN;
			}
		}
	}
	return EXIT_PASS;
}

/* Cell number c, as the tables index it: call, kind, seal, shape. */
static struct cov_cell cell_of(int c)
{
	struct cov_cell cell;

	cell.shape = c % COV_NSHAPES;
	c /= COV_NSHAPES;
	cell.seal = c % COV_NSEALS;
	c /= COV_NSEALS;
	cell.kind = c % MS_NVMA_KINDS;
	cell.call = c / MS_NVMA_KINDS;
	return cell;
}

static bool reachable(const struct cov_cell *c)
{
	return !cov_unreachable(c->kind, c->seal, c->shape);
}

/* Reachable and covered cells of call (or of every call when call < 0). */
static void count(const struct cov_state *st, int call, int *cells,
		  int *covered)
{
	*cells = *covered = 0;
	for (int k = 0; k < cov_ncalls; k++) {
		if (call >= 0 && k != call)
			continue;
		for (int kind = 0; kind < MS_NVMA_KINDS; kind++)
			for (int s = 0; s < COV_NSEALS; s++)
				for (int sh = 0; sh < COV_NSHAPES; sh++) {
					struct cov_cell c = { k, kind, s, sh };

					if (!reachable(&c))
						continue;
					(*cells)++;
					*covered += st->ncases[cov_index(&c)] > 0;
				}
	}
}

static const char seal_letter[COV_NSEALS] = { 'U', 'S', 'M' };

static void print_text(const struct cov_state *st, bool verbose)
{
	int cells, covered;

	printf("sealspec coverage: %d case%s on the model (profile linux)",
	       st->cases, st->cases == 1 ? "" : "s");
	if (st->skipped || st->broken)
		printf(", %d skipped, %d broken", st->skipped, st->broken);
	printf("; %ld range call%s classified, %ld touching nothing mapped "
	       "or sealed\n",
	       st->classified, st->classified == 1 ? "" : "s", st->outside);
	printf("Per shape, one letter per reachable seal state: U unsealed, "
	       "S sealed, M mixed\nwhen a scenario exercises the cell, '.' "
	       "when none does.\n");
	for (int k = 0; k < cov_ncalls; k++) {
		count(st, k, &cells, &covered);
		printf("\n%s: %d of %d\n  %-13s", cov_calls[k].name, covered,
		       cells, "kind");
		for (int sh = 0; sh < COV_NSHAPES; sh++)
			printf(sh + 1 < COV_NSHAPES ? " %-8s" : " %s",
			       cov_shape_title(sh));
		printf("\n");
		for (int kind = 0; kind < MS_NVMA_KINDS; kind++) {
			printf("  %-13s", cov_kind_name(kind));
			for (int sh = 0; sh < COV_NSHAPES; sh++) {
				char col[COV_NSEALS + 1];
				int n = 0;

				for (int s = 0; s < COV_NSEALS; s++) {
					struct cov_cell c = { k, kind, s, sh };

					if (!reachable(&c))
						continue;
					col[n++] = st->ncases[cov_index(&c)] ?
							   seal_letter[s] :
							   '.';
				}
				col[n] = '\0';
				printf(sh + 1 < COV_NSHAPES ? " %-8s" : " %s",
				       col);
			}
			printf("\n");
		}
	}
	printf("\nCells exercised by the scenarios of each rule:\n");
	for (int r = 0; r < MS_NRULES; r++) {
		int n = 0;

		for (int c = 0; c < st->ncells; c++)
			n += (st->rules[c] >> r) & 1;
		printf("  %-4s %4d\n", ms_rule_name(r), n);
	}
	printf("\nCells that cannot occur (for every call and kind):\n");
	for (int sh = 0; sh < COV_NSHAPES; sh++)
		for (int s = 0; s < COV_NSEALS; s++) {
			const char *why = cov_unreachable(0, s, sh);

			if (why)
				printf("  %-8s %-8s %s\n", cov_shape_name(sh),
				       cov_seal_name(s), why);
		}
	printf("  Kinds that do not combine are not cells: MAP_GROWSDOWN is "
	       "refused on shared\n  anonymous mappings and shmat has no such "
	       "flag; vDSO and aio rings are\n  made by the kernel only.\n");
	if (verbose) {
		printf("\nReachable cells no scenario exercises:\n");
		for (int c = 0; c < st->ncells; c++) {
			struct cov_cell cell = cell_of(c);

			if (reachable(&cell) && !st->ncases[c])
				printf("  %s %s %s %s\n",
				       cov_calls[cell.call].name,
				       cov_kind_name(cell.kind),
				       cov_seal_name(cell.seal),
				       cov_shape_name(cell.shape));
		}
	}
	count(st, -1, &cells, &covered);
	printf("\ncovered %d of %d reachable cells (%.1f%%)\n", covered, cells,
	       cells ? 100.0 * covered / cells : 0.0);
}

static void json_cell(const struct cov_cell *c)
{
	printf("{\"call\": ");
	out_json_string(stdout, cov_calls[c->call].name);
	printf(", \"kind\": \"%s\", \"seal\": \"%s\", \"shape\": ",
	       cov_kind_name(c->kind), cov_seal_name(c->seal));
	out_json_string(stdout, cov_shape_name(c->shape));
}

static void print_json(const struct cov_state *st)
{
	int cells, covered, nun = 0;
	const char *sep = "";

	count(st, -1, &cells, &covered);
	printf("{\n  \"profile\": \"linux\",\n  \"target\": \"model\",\n"
	       "  \"cases\": %d,\n  \"skipped\": %d,\n  \"broken\": %d,\n"
	       "  \"calls_classified\": %ld,\n  \"calls_outside\": %ld,\n"
	       "  \"cells\": %d,\n  \"covered\": %d,\n",
	       st->cases, st->skipped, st->broken, st->classified,
	       st->outside, cells, covered);
	printf("  \"by_call\": [");
	for (int k = 0; k < cov_ncalls; k++) {
		int n, cov;

		count(st, k, &n, &cov);
		printf("%s\n    {\"call\": ", k ? "," : "");
		out_json_string(stdout, cov_calls[k].name);
		printf(", \"cells\": %d, \"covered\": %d}", n, cov);
	}
	printf("\n  ],\n  \"by_rule\": {");
	for (int r = 0; r < MS_NRULES; r++) {
		int n = 0;

		for (int c = 0; c < st->ncells; c++)
			n += (st->rules[c] >> r) & 1;
		printf("%s\"%s\": %d", r ? ", " : "", ms_rule_name(r), n);
	}
	printf("},\n  \"covered_cells\": [");
	for (int pass = 0; pass < 2; pass++) {
		for (int c = 0; c < st->ncells; c++) {
			struct cov_cell cell = cell_of(c);

			if (!reachable(&cell) || (st->ncases[c] == 0) != pass)
				continue;
			printf("%s\n    ", sep);
			sep = ",";
			json_cell(&cell);
			if (!pass) {
				printf(", \"cases\": %d, \"example\": ",
				       st->ncases[c]);
				out_json_string(stdout,
						st->names[st->example[c]]);
			} else {
				nun++;
			}
			printf("}");
		}
		if (!pass)
			printf("\n  ],\n  \"uncovered\": [");
		sep = "";
	}
	printf("\n  ],\n  \"cannot_occur\": [");
	sep = "";
	for (int sh = 0; sh < COV_NSHAPES; sh++)
		for (int s = 0; s < COV_NSEALS; s++) {
			const char *why = cov_unreachable(0, s, sh);

			if (!why)
				continue;
			printf("%s\n    {\"call\": \"*\", \"kind\": \"*\", "
			       "\"seal\": \"%s\", \"shape\": ",
			       sep, cov_seal_name(s));
			out_json_string(stdout, cov_shape_name(sh));
			printf(", \"cells\": %d, \"reason\": ",
			       cov_ncalls * MS_NVMA_KINDS);
			out_json_string(stdout, why);
			printf("}");
			sep = ",";
		}
	printf("\n  ],\n  \"unreachable\": %d\n}\n",
	       cov_ncalls * COV_NCELLS_PER_CALL - cells);
	(void)nun;
}

static void free_state(struct cov_state *st)
{
	for (int i = 0; i < st->cases; i++)
		free(st->names[i]);
	free(st->names);
	free(st->rules);
	free(st->ncases);
	free(st->last);
	free(st->example);
}

int cmd_coverage(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "rule", required_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct scenario_set set = { 0 };
	struct cov_state st = { 0 };
	unsigned int rules = 0;
	bool json = false, verbose = false;
	int c, err, status;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:r:vh", opts, NULL)) != -1) {
		int r;

		switch (c) {
		case 'f':
			if (strcmp(optarg, "json") != 0 &&
			    strcmp(optarg, "text") != 0) {
				fprintf(stderr, "sealspec: coverage formats "
						"are text and json\n");
				return EXIT_USAGE;
			}
			json = strcmp(optarg, "json") == 0;
			break;
		case 'r':
			r = ms_rule_lookup(optarg);
			if (r < 0) {
				fprintf(stderr, "sealspec: unknown rule '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			rules |= 1u << r;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			coverage_usage(stdout);
			return EXIT_PASS;
		default:
			coverage_usage(stderr);
			return EXIT_USAGE;
		}
	}
	err = load_scenarios(argv + optind, argc - optind, &set);
	if (err) {
		if (err < 0)
			fprintf(stderr, "sealspec: %s\n", strerror(-err));
		free_scenarios(&set);
		return EXIT_USAGE;
	}
	st.ncells = cov_ncalls * COV_NCELLS_PER_CALL;
	st.rules = calloc(st.ncells, sizeof(*st.rules));
	st.ncases = calloc(st.ncells, sizeof(*st.ncases));
	st.last = malloc(st.ncells * sizeof(*st.last));
	st.example = malloc(st.ncells * sizeof(*st.example));
	if (!st.rules || !st.ncases || !st.last || !st.example) {
		fprintf(stderr, "sealspec: out of memory\n");
		free_state(&st);
		free_scenarios(&set);
		return EXIT_BROKEN;
	}
	for (int i = 0; i < st.ncells; i++)
		st.last[i] = st.example[i] = -1;
	status = run_cases(&set, rules, &st);
	if (status == EXIT_PASS) {
		if (json)
			print_json(&st);
		else
			print_text(&st, verbose);
	}
	free_state(&st);
	free_scenarios(&set);
	return status;
}

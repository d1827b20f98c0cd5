// SPDX-License-Identifier: MIT
/*
 * sealspec repro FILE.scn [-o FILE.c] [--profile NAME]: the scenario as a
 * standalone C program (ms_emit_c) that checks, step by step, the results
 * and grids the scenario writes for the profile (default linux).  A
 * scenario with a vary table gives one program per row, one after another
 * in one file is not C: it must be one row (--row N, from 0).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sealspec-fuzz.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sealspec repro FILE.scn [-o FILE.c] [--profile NAME] "
		"[--row N]\n"
		"\n"
		"Writes a standalone C reproducer of the scenario: cc -o r "
		"FILE.c && ./r\n"
		"runs it on this kernel with raw syscalls and prints, for "
		"every step, what\n"
		"the kernel did beside what the scenario expects under the "
		"profile (default\n"
		"linux); exit 0 when all agree, 1 when a step differs.  A "
		"scenario with a\n"
		"vary table needs --row N (from 0).\n");
}

int cmd_repro(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "profile", required_argument, NULL, 'p' },
		{ "row", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ms_emit_opts eo = { .profile = MS_PROFILE_LINUX };
	const char *out = NULL;
	struct ms_program t, p;
	struct ms_diag diag;
	char *text, *c, why[200], title[512];
	size_t len;
	int ch, err, row = -1, status = EXIT_PASS;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		case 'p':
			err = ms_profile_lookup(optarg);
			if (err < 0) {
				fprintf(stderr, "sealspec: repro: unknown "
						"profile '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			eo.profile = (enum ms_profile)err;
			break;
		case 'r':
			row = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			return EXIT_PASS;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	err = read_file(argv[optind], &text, &len);
	if (err) {
		fprintf(stderr, "sealspec: %s: %s\n", argv[optind],
			read_file_error(err, why, sizeof(why)));
		return EXIT_USAGE;
	}
	memset(&t, 0, sizeof(t));
	if (ms_parse(argv[optind], text, len, &t, &diag) < 0) {
		fprintf(stderr, "%s:%d:%d: %s\n", argv[optind], diag.loc.line,
			diag.loc.col, diag.msg);
		free(text);
		return EXIT_USAGE;
	}
	if (t.nvary_rows && (row < 0 || row >= t.nvary_rows)) {
		fprintf(stderr, "sealspec: repro: %s has a vary table of %d "
				"rows: choose one with --row N (0 to %d)\n",
			argv[optind], t.nvary_rows, t.nvary_rows - 1);
		ms_program_free(&t);
		free(text);
		return EXIT_USAGE;
	}
	memset(&p, 0, sizeof(p));
	if (ms_instantiate(&t, t.nvary_rows ? row : 0, &p, &diag) < 0) {
		fprintf(stderr, "%s:%d:%d: %s\n", argv[optind], diag.loc.line,
			diag.loc.col, diag.msg);
		ms_program_free(&t);
		free(text);
		return EXIT_USAGE;
	}
	snprintf(title, sizeof(title), "%s (%s), checked against the "
				       "expectations for profile %s.",
		 p.name, argv[optind], ms_profile_name(eo.profile));
	eo.title = title;
	c = ms_emit_c(&p, &eo, &err, why, sizeof(why));
	if (!c) {
		fprintf(stderr, "sealspec: repro: %s: %s\n", argv[optind],
			err == -ENOTSUP ? why : strerror(-err));
		status = err == -ENOTSUP ? EXIT_USAGE : EXIT_BROKEN;
	} else if (out) {
		FILE *f = fopen(out, "w");

		if (!f || fputs(c, f) < 0 || fclose(f)) {
			fprintf(stderr, "sealspec: repro: %s: %s\n", out,
				strerror(errno));
			status = EXIT_BROKEN;
		}
	} else {
		fputs(c, stdout);
	}
	free(c);
	ms_program_free(&p);
	ms_program_free(&t);
	free(text);
	return status;
}

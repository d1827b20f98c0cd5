// SPDX-License-Identifier: MIT
/* sealspec: the command line.  See usage() and DESIGN §7. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

void print_profile_switches(void);	/* cmd_profiles.c */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sealspec COMMAND [ARGS]\n"
		"\n"
		"  run [--target kernel|model|both] [--profile NAME]\n"
		"      [--format text|ktap|json] [--rule ID]... [PATH...]\n"
		"                           run scenarios, end with the guideline table\n"
		"  list [--rule ID]... [PATH...]\n"
		"                           scenarios with their rules\n"
		"  fmt [--check] FILE...    rewrite scenarios in canonical form\n"
		"  profiles                 the profiles and how they differ\n"
		"  maps [--sealed] [--format text|table|strip|json] [PID]\n"
		"                           a live process's mappings and seals\n"
		"  explain [--profile NAME] PID CALL\n"
		"                           the model's prediction for CALL on a\n"
		"                           copy of PID's mappings (never applied)\n"
		"  coverage [--format text|json] [--rule ID]... [PATH...]\n"
		"                           which call x mapping x seal x range\n"
		"                           cells the scenarios exercise\n"
		"  fuzz [--time SECONDS] [--seed N] [--profile NAME] [--out DIR]\n"
		"       [--jobs N] [--format text|json]\n"
		"                           differential fuzzer: kernel against model\n"
		"  repro FILE.scn [-o FILE.c]\n"
		"                           a standalone C reproducer of a scenario\n"
		"\n"
		"Without PATH, run, list and coverage use the built-in catalog (cases/).\n"
		"'sealspec COMMAND --help' describes each command.  The scenario\n"
		"language is described in docs/scenarios.md, the JSON report in\n"
		"docs/json.md.\n"
		"\n"
		"Exit status: 0 success, nothing failed; 1 a case failed (fmt\n"
		"--check: a file is not canonical); 2 usage or scenario syntax\n"
		"error; 3 the environment is broken (BROK cases, the kernel probe\n"
		"failed, or the output could not be written).\n");
}

static void fmt_usage(FILE *f)
{
	fprintf(f,
		"usage: sealspec fmt [--check] FILE...\n"
		"\n"
		"Rewrites each scenario FILE in canonical form.  With --check,\n"
		"changes nothing and lists the files that are not in canonical\n"
		"form (exit 1).  Exit status 2: a file does not parse.\n");
}

/*
 * fmt: every file must parse; --check reports files whose text differs from
 * the canonical form (exit 1) and changes nothing.
 */
int cmd_fmt(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool check = false;
	int status = EXIT_PASS;
	int c, i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			check = true;
			break;
		case 'h':
			fmt_usage(stdout);
			return EXIT_PASS;
		default:
			fmt_usage(stderr);
			return EXIT_USAGE;
		}
	}
	i = optind;
	if (i == argc) {
		fmt_usage(stderr);
		return EXIT_USAGE;
	}
	for (; i < argc; i++) {
		struct ms_program p;
		struct ms_diag diag;
		char *text, *canon;
		size_t len;
		int err = read_file(argv[i], &text, &len);

		if (err) {
			char why[128];

			fprintf(stderr, "sealspec: %s: %s\n", argv[i],
				read_file_error(err, why, sizeof(why)));
			return EXIT_USAGE;
		}
		memset(&p, 0, sizeof(p));
		if (ms_parse(argv[i], text, len, &p, &diag) < 0) {
			fprintf(stderr, "%s:%d:%d: %s\n", argv[i],
				diag.loc.line, diag.loc.col, diag.msg);
			free(text);
			return EXIT_USAGE;
		}
		canon = ms_print(&p);
		ms_program_free(&p);
		if (!canon) {
			free(text);
			fprintf(stderr, "sealspec: out of memory\n");
			return EXIT_BROKEN;
		}
		if (strlen(canon) != len || memcmp(canon, text, len) != 0) {
			if (check) {
				printf("%s: not in canonical form "
				       "(run: sealspec fmt %s)\n",
				       argv[i], argv[i]);
				status = EXIT_FAILED;
			} else {
				FILE *f = fopen(argv[i], "w");

				if (!f || fputs(canon, f) < 0 || fclose(f)) {
					fprintf(stderr, "sealspec: %s: %s\n",
						argv[i], strerror(errno));
					free(canon);
					free(text);
					return EXIT_BROKEN;
				}
			}
		}
		free(canon);
		free(text);
	}
	return status;
}

static void profiles_usage(FILE *f)
{
	fprintf(f, "usage: sealspec profiles\n"
		   "\n"
		   "The profiles (--profile NAME) and how they differ.\n");
}

int cmd_profiles(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
			  strcmp(argv[1], "-h") == 0)) {
		profiles_usage(stdout);
		return EXIT_PASS;
	}
	if (argc > 1) {
		profiles_usage(stderr);
		return EXIT_USAGE;
	}
	printf(
	"linux       current upstream, 6.17 and later (verified on 6.18).\n"
	"            Per-VMA seal checks: mprotect, madvise and the multi-VMA\n"
	"            mremap move apply to the VMAs before a sealed one, then\n"
	"            return EPERM; munmap and MAP_FIXED stay atomic.  Discard\n"
	"            advice is refused only on sealed non-writable anonymous\n"
	"            VMAs (vm_ops == NULL): special mappings are exempt.\n"
	"linux-6.12  6.12 to 6.16.  As linux, except: mremap over several VMAs\n"
	"            returns EFAULT (only the first VMA is examined) and a\n"
	"            same-length mremap without flags over [N][S] succeeds;\n"
	"            special mappings (vDSO) count as anonymous, so discard\n"
	"            advice on a sealed vDSO is refused.  It describes 6.16,\n"
	"            the newest of its range; where older ones differ, a\n"
	"            probed feature SKIPs the cases (self-madvise: 6.13+,\n"
	"            guard-regions: 6.15+, mremap-new-addr-first: 6.15+).\n"
	"linux-6.10  6.10.7 to 6.11.  The whole range is checked before\n"
	"            anything changes: nothing is ever partially applied, and\n"
	"            a sealed VMA anywhere in the range gives EPERM even where\n"
	"            a hole would give ENOMEM later.  No MADV_GUARD_INSTALL.\n"
	"guidelines  the intent of the mseal maintainers' guidelines (seed\n"
	"            mail, Sep 2024).  Where the mail decides, it wins: discard\n"
	"            advice is refused on sealed non-writable MAP_PRIVATE file\n"
	"            mappings too (2a); FOLL_FORCE writes into sealed\n"
	"            non-writable memory are refused (7).  Where it leaves a\n"
	"            choice, linux holds.  The unsealed part of a failed call is\n"
	"            unspecified.\n"
	"\n"
	"Per-case expectations for each profile are written in the scenarios;\n"
	"docs/spec.md explains every difference rule by rule.\n");
	print_profile_switches();
	return EXIT_PASS;
}

int stdout_written(void)
{
	static bool said;
	int err;

	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	err = errno;
	if (!said)
		fprintf(stderr, "sealspec: writing to standard output failed"
				"%s%s; the output is incomplete\n",
			err ? ": " : "", err ? strerror(err) : "");
	said = true;
	return -1;
}

/*
 * What main returns: the command's status, unless its output did not all
 * reach standard output (a full disk, /dev/full, a reader that went away
 * with SIGPIPE ignored): then EXIT_BROKEN, since an exit status of 0 or 1
 * would vouch for a report nobody got.
 */
static int finish(int status)
{
	if (stdout_written() < 0)
		return EXIT_BROKEN;
	/* Flushed: what is left to fail is close(2) itself (NFS, EIO). */
	if (fclose(stdout) != 0) {
		fprintf(stderr, "sealspec: closing standard output failed: %s\n",
			strerror(errno));
		return EXIT_BROKEN;
	}
	return status;
}

static int run_command(int argc, char **argv)
{
	/* The kernel starts /init with no arguments. */
	if (getpid() == 1 && argc == 1)
		return run_as_init();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return cmd_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "fmt") == 0)
		return cmd_fmt(argc - 1, argv + 1);
	if (strcmp(argv[1], "profiles") == 0)
		return cmd_profiles(argc - 1, argv + 1);
	if (strcmp(argv[1], "maps") == 0)
		return cmd_maps(argc - 1, argv + 1);
	if (strcmp(argv[1], "explain") == 0)
		return cmd_explain(argc - 1, argv + 1);
	if (strcmp(argv[1], "coverage") == 0)
		return cmd_coverage(argc - 1, argv + 1);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_PASS;
	}
	if (strcmp(argv[1], "fuzz") == 0)
		return cmd_fuzz(argc - 1, argv + 1);
	if (strcmp(argv[1], "repro") == 0)
		return cmd_repro(argc - 1, argv + 1);
	fprintf(stderr, "sealspec: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	const char *max_file = getenv("SEALSPEC_MAX_FILE");

	if (argc > 1 && strcmp(argv[1], MS_EXEC_ARGV1) == 0)
		ms_kernel_exec_resume(argc, argv);	/* never returns */
	if (max_file && *max_file &&
	    parse_size("SEALSPEC_MAX_FILE", max_file, &max_scenario_file))
		return finish(EXIT_USAGE);
	return finish(run_command(argc, argv));
}

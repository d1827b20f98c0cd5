/* SPDX-License-Identifier: MIT */
/* The command line: shared between the subcommands. */
#ifndef SEALSPEC_CLI_H
#define SEALSPEC_CLI_H

#include <stdio.h>
#include <sys/types.h>

#include "sealspec.h"

/*
 * Exit status (DESIGN §7).  EXIT_BROKEN: the environment is broken; the
 * cases that ran are all PASS, SKIP, XFAIL or BROK with at least one BROK,
 * or the kernel probe failed, or the report could not be written.
 */
#define EXIT_PASS 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_BROKEN 3

/*
 * Flushes stdout and checks that every write to it succeeded (stdio's
 * error flag is sticky, so one check covers them all); says so on stderr,
 * once, when one failed.  Returns 0 or -1.
 */
int stdout_written(void);

/* A scenario file, parsed: a template plus where it came from. */
struct scenario {
	struct ms_program *t;
	char *text;	/* owned copy of the source */
	char *path;	/* owned: the locations in t point at it */
	dev_t dev;	/* the file, to run it once however it is named; */
	ino_t ino;	/* 0 for the built-in catalog */
	char *real;	/* its canonical path (NULL in the catalog): what
			 * tells two files with the same base name apart */
};

struct scenario_set {
	int n, cap;
	struct scenario *v;
};

/*
 * Loads every scenario in paths (files, or directories of *.scn), or the
 * built-in catalog when npaths is 0, and names the cases: files from
 * different directories with the same base name take the directories that
 * tell them apart ("d1/same", "d2/same"), and a name that still occurs
 * twice is an error.  Reports each error as file:line:col on stderr;
 * returns the number of errors (0 = all loaded) or -errno.
 */
int load_scenarios(char **paths, int npaths, struct scenario_set *set);
void free_scenarios(struct scenario_set *set);

/*
 * Reads a whole scenario file: a regular file of at most max_scenario_file
 * bytes.  -errno on failure: EFBIG past the limit, EINVAL for a FIFO, a
 * device or anything else that is not a regular file.
 */
int read_file(const char *path, char **text, size_t *len);
/* What read_file's error means, for "sealspec: FILE: ..." (buf: room). */
const char *read_file_error(int err, char *buf, size_t n);
/* The size limit of a scenario file (--max-file, SEALSPEC_MAX_FILE). */
extern uint64_t max_scenario_file;
/* SIZE: bytes, or with a K, M or G suffix; what names the option. */
int parse_size(const char *what, const char *arg, uint64_t *v);

/* True when the template covers any of the rules in mask (0 = all). */
int scenario_has_rule(const struct ms_program *t, unsigned int mask);

int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_fmt(int argc, char **argv);
int cmd_profiles(int argc, char **argv);
int cmd_maps(int argc, char **argv);		/* cmd_maps.c */
int cmd_explain(int argc, char **argv);		/* cmd_explain.c */
int cmd_coverage(int argc, char **argv);
int cmd_fuzz(int argc, char **argv);
/*
 * SEALSPEC_MODEL_FLIP=NAME[,NAME...], a testing aid: the model switches
 * (`sealspec profiles`) to invert, as bits in *out.  0, or -EINVAL after
 * saying which name is unknown.
 */
int model_flips_from_env(uint64_t *out);
int cmd_repro(int argc, char **argv);

/* PID 1 in an initramfs: mount /proc, run the catalog, power off. */
int run_as_init(void);

/* The results of one variant on one target, judged under each profile. */
struct case_result {
	char name[MS_CASE_NAME_MAX];
	char file[256];
	uint32_t rules;
	struct ms_verdict primary;		/* under the chosen profile */
	enum ms_result_code by_profile[MS_NPROFILES];
	uint32_t charged[MS_NPROFILES];		/* ms_verdict.rules per
						 * profile; 0 = all rules */
	int fail_step;				/* under primary, or -1 */
	char *trace;				/* --trace: the steps, or NULL */
	struct case_detail *detail;		/* html: a failure's pages and
						 * text (html.c), or NULL */
	char *steps;				/* --trace with a JSON report: the
						 * trace as JSON, or NULL */
	/* --target both: the model beside the kernel. */
	enum { MODEL_NOT_RUN, MODEL_SKIPPED, MODEL_AGREE, MODEL_DIFFER } model;
	enum ms_result_code model_code;		/* its verdict */
	int model_step;				/* first difference, or -1 */
	char *model_diff;			/* what differs, or NULL */
	char *model_steps;			/* --trace with a JSON report: the
						 * model's lockstep trace as JSON,
						 * or NULL */
};

struct run_report {
	const struct ms_kernel_info *ki;
	bool probed;			/* ki holds what the probe found */
	bool has_profile;		/* profile is known (else the probe
					 * failed and no --profile was given) */
	enum ms_profile profile;
	const char *profile_source;	/* "detected", "--profile", ... */
	const char *profile_key;	/* the same for JSON: "detected",
					 * "option", "no-mseal", "none" */
	char error[512];		/* why the run stopped short, or "" */
	const char *target;
	int ncases, cap;
	struct case_result *cases;
	int verbose;
	int trace;	/* print every case's trace */
	int trace_json;	/* and keep it as JSON too, for a JSON report */
	int colour;	/* text on a terminal, NO_COLOR unset */
	const char *note;	/* "interrupted by SIGTERM after N of M
				 * cases", or NULL */
	int keep_detail;	/* keep case_detail for failures (html) */
};

enum report_format { FORMAT_TEXT, FORMAT_KTAP, FORMAT_JSON, FORMAT_HTML };

void report_print(FILE *f, const struct run_report *r,
		  enum report_format fmt);

/*
 * Untrusted text into reports (escape.c): out_text writes control
 * characters, C1 controls and invalid UTF-8 as \xNN; out_lines writes each
 * line of s (split at '\n') after prefix, escaped likewise; out_ktap_name
 * writes '#', space, control and non-ASCII bytes as %XX; out_json_string
 * writes a JSON string, invalid UTF-8 as U+FFFD.
 */
void out_text(FILE *f, const char *s);
void out_lines(FILE *f, const char *prefix, const char *s);
void out_ktap_name(FILE *f, const char *name);
void out_json_string(FILE *f, const char *s);
/*
 * HTML (html.c): what a failing case looked like, kept at judging time
 * (the program text with the failing step, expected and observed pages),
 * and the self-contained page report_print writes for FORMAT_HTML.
 */
struct case_detail *case_detail_new(const struct ms_program *p,
				    const struct ms_trace *t,
				    const struct ms_verdict *v,
				    enum ms_profile profile);
void case_detail_free(struct case_detail *d);
void report_html(FILE *f, const struct run_report *r);
/*
 * The guideline table's cells for one rule (report.c): its cases, skips
 * under the second column's profile, the verdict against the guidelines
 * and against that profile ("pass", "FAIL 3", ...), the model column
 * ("agree", "2 differ", "not run"); *other is the profile.
 */
void report_rule_row(const struct run_report *r, int rule, int *cases,
		     int *skips, char *g, char *p, char *m, size_t len,
		     enum ms_profile *other);
/* Cases in which the model and the kernel differ (--target both). */
int report_model_differ(const struct run_report *r);
/* Counts of each result under the primary profile. */
void report_counts(const struct run_report *r, int counts[MS_XFAIL + 1]);

#endif

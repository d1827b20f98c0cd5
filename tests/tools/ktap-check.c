// SPDX-License-Identifier: MIT
/*
 * ktap-check FILE: a minimal, strict KTAP version 1 reader (the rules of
 * Documentation/dev-tools/ktap.rst), for the output of sealspec run
 * --format ktap.  It checks:
 *
 *   - the first line is "KTAP version 1"; a subtest starts with a version
 *     line indented two spaces deeper than its parent's lines and ends at
 *     the parent's next result line;
 *   - each version line is followed by its plan "1..N", and N results
 *     follow at that level, numbered 1, 2, ... N;
 *   - a result line is "ok N DESC" or "not ok N DESC", optionally followed
 *     by " # DIRECTIVE data" or " # data"; DESC is not empty and holds no
 *     '#' (the first '#' ends it);
 *   - directives: SKIP (ok or not ok), XFAIL (ok, as kselftest writes it),
 *     TIMEOUT and ERROR (not ok); TODO, which KTAP does not recognise, and
 *     any word that merely starts like a directive ("SKIP\"]") are errors;
 *     so is a '#' with no directive after it: KTAP allows diagnostic data
 *     there ("# rcode=0"), but sealspec writes '#' on a result line only
 *     before a directive, so anything else (a "# BROK") is a forgery or a
 *     bug;
 *   - every other line is a diagnostic ("# ...", at any indentation);
 *     unknown lines are allowed by KTAP but sealspec never writes one, so
 *     here they are errors (a name with a newline in it would make one);
 *   - a top-level "# Totals: pass:P fail:F xfail:X xpass:XP skip:S
 *     error:E" line, when present, agrees with the results counted.
 *
 * Prints "pass=P fail=F skip=S xfail=X brok=B" (B = ERROR + TIMEOUT) for
 * the results that have no subtests, and exits 0; or prints every problem
 * as "FILE:LINE: message" on stderr and exits 1.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEPTH_MAX 16

struct level {
	long plan; /* -1 until the plan line */
	long results; /* result lines seen at this level */
	bool expect_plan;
};

static const char *file;
static long lineno;
static int errors;
static long count_pass, count_fail, count_skip, count_xfail, count_error,
	count_timeout;

static void problem(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s:%ld: ", file, lineno);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	errors++;
}

static bool parse_long(const char **s, long *v)
{
	char *end;

	if (!isdigit((unsigned char)**s))
		return false;
	*v = strtol(*s, &end, 10);
	*s = end;
	return true;
}

/* The directive keyword at s (after "# "), or NULL for plain data. */
static const char *directive(const char *s, bool *bad)
{
	static const char *const known[] = {"SKIP", "TODO", "XFAIL", "TIMEOUT",
					    "ERROR"};
	size_t n = strcspn(s, " \t");

	*bad = false;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		size_t k = strlen(known[i]);

		if (strncasecmp(s, known[i], k) != 0)
			continue;
		/* Parsers match directives loosely ("# skip", "# SKIP:"):
		 * only the exact keyword is unambiguous. */
		if (n != k || strncmp(s, known[i], k) != 0)
			*bad = true;
		return known[i];
	}
	return NULL;
}

static void result_line(const char *s, struct level *lv, bool is_leaf)
{
	bool not_ok = strncmp(s, "not ok ", 7) == 0;
	const char *p = s + (not_ok ? 7 : 3);
	const char *hash, *dir = NULL;
	long num;
	bool bad = false;

	if (!parse_long(&p, &num) || (*p && *p != ' ')) {
		problem("result line without a test number: %s", s);
		return;
	}
	if (lv->plan < 0)
		problem("result before the plan: %s", s);
	lv->results++;
	if (num != lv->results) {
		char buf[64];

		snprintf(buf, sizeof(buf), "%ld, expected %ld", num,
			 lv->results);
		problem("test number %s", buf);
	}
	while (*p == ' ')
		p++;
	hash = strchr(p, '#');
	if (p == hash || !*p)
		problem("result line without a description: %s", s);
	if (hash) {
		const char *d = hash + 1;

		while (*d == ' ')
			d++;
		dir = directive(d, &bad);
		if (!dir)
			problem("'#' without a directive after it: %s", s);
		if (bad)
			problem("ambiguous directive (a directive keyword "
				"with more to it): %s",
				s);
	}
	if (dir && strcmp(dir, "TODO") == 0)
		problem("TODO is not a KTAP directive: %s", s);
	if (dir && (strcmp(dir, "TIMEOUT") == 0 || strcmp(dir, "ERROR") == 0) &&
	    !not_ok)
		problem("TIMEOUT and ERROR go with \"not ok\": %s", s);
	if (dir && strcmp(dir, "XFAIL") == 0 && not_ok)
		problem("XFAIL goes with \"ok\": %s", s);
	if (!is_leaf)
		return;
	if (!dir)
		not_ok ? count_fail++ : count_pass++;
	else if (strcmp(dir, "SKIP") == 0)
		count_skip++;
	else if (strcmp(dir, "XFAIL") == 0)
		count_xfail++;
	else if (strcmp(dir, "TIMEOUT") == 0)
		count_timeout++;
	else if (strcmp(dir, "ERROR") == 0)
		count_error++;
}

/* "# Totals: pass:P fail:F xfail:X xpass:XP skip:S error:E" */
static void totals_line(const char *s)
{
	long pass, fail, xfail, xpass, skip, err;

	if (sscanf(s,
		   "# Totals: pass:%ld fail:%ld xfail:%ld xpass:%ld "
		   "skip:%ld error:%ld",
		   &pass, &fail, &xfail, &xpass, &skip, &err) != 6) {
		problem("malformed totals line: %s", s);
		return;
	}
	if (pass != count_pass || fail != count_fail || xfail != count_xfail ||
	    xpass != 0 || skip != count_skip ||
	    err != count_error + count_timeout)
		problem("the totals line disagrees with the results: %s", s);
}

int main(int argc, char **argv)
{
	struct level lv[DEPTH_MAX];
	int depth = -1;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: ktap-check FILE\n");
		return 2;
	}
	file = argv[1];
	f = fopen(file, "r");
	if (!f) {
		perror(file);
		return 2;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		const char *s = line;
		int indent = 0, d;

		lineno++;
		if ((size_t)len != strlen(line))
			problem("a NUL byte in the line%s", "");
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		while (s[indent] == ' ')
			indent++;
		s += indent;
		if (*s == '#') {
			if (depth == 0 && strncmp(s, "# Totals:", 9) == 0)
				totals_line(s);
			continue;
		}
		if (lineno == 1 && strcmp(line, "KTAP version 1") != 0) {
			problem("the first line must be \"KTAP version 1\", "
				"got: %s",
				line);
		}
		if (indent % 2) {
			problem("indentation is not a multiple of two "
				"spaces: %s",
				line);
			continue;
		}
		d = indent / 2;
		if (strcmp(s, "KTAP version 1") == 0) {
			if (d != depth + 1 || d >= DEPTH_MAX) {
				problem("a version line must open a level one "
					"deeper: %s",
					line);
				continue;
			}
			depth = d;
			lv[d].plan = -1;
			lv[d].results = 0;
			lv[d].expect_plan = true;
			continue;
		}
		if (depth < 0) {
			problem("a line before \"KTAP version 1\": %s", line);
			continue;
		}
		if (strncmp(s, "1..", 3) == 0) {
			const char *p = s + 3;
			long n;

			if (d != depth || !lv[d].expect_plan ||
			    !parse_long(&p, &n) || *p)
				problem("a plan must directly follow its "
					"version line: %s",
					line);
			else
				lv[d].plan = n;
			lv[d].expect_plan = false;
			continue;
		}
		if (strncmp(s, "ok ", 3) == 0 ||
		    strncmp(s, "not ok ", 7) == 0) {
			bool leaf = true;

			if (lv[depth].expect_plan) {
				problem("a version line without a plan%s", "");
				lv[depth].expect_plan = false;
			}
			if (d == depth - 1) {
				/* The parent's result closes the subtest. */
				if (lv[depth].plan >= 0 &&
				    lv[depth].results != lv[depth].plan)
					problem("the subtest does not have the "
						"results its plan announced%s",
						"");
				depth--;
				leaf = false;
			} else if (d != depth) {
				problem("result line at the wrong indentation: "
					"%s",
					line);
				continue;
			}
			result_line(s, &lv[depth], leaf);
			continue;
		}
		problem("not a KTAP line (version, plan, result or "
			"diagnostic): %s",
			line);
	}
	free(line);
	fclose(f);
	if (depth < 0) {
		problem("no \"KTAP version 1\" line%s", "");
	} else {
		if (depth > 0)
			problem("a subtest is not closed by its parent's "
				"result%s",
				"");
		if (lv[0].plan < 0)
			problem("no plan%s", "");
		else if (lv[0].results != lv[0].plan) {
			char buf[64];

			snprintf(buf, sizeof(buf), "%ld results, plan 1..%ld",
				 lv[0].results, lv[0].plan);
			problem("%s", buf);
		}
	}
	if (errors)
		return 1;
	printf("pass=%ld fail=%ld skip=%ld xfail=%ld brok=%ld\n", count_pass,
	       count_fail, count_skip, count_xfail,
	       count_error + count_timeout);
	return 0;
}

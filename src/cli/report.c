// SPDX-License-Identifier: MIT
/*
 * Reports: text for people, KTAP for kernel CI, JSON for tools.  All three
 * end with the guideline table: per rule, how many cases pin it down and
 * whether this kernel conforms to the guidelines and to the profile.  All
 * three say how many expected data cells the target could not observe and
 * accepted unseen ('~' in observed grids): a PASS that rests on them says
 * less.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Per rule: counts of each result under one profile. */
struct rule_tally {
	int cases;
	int n[MS_NPROFILES][MS_XFAIL + 1];
};

static void tally(const struct run_report *r, struct rule_tally t[MS_NRULES])
{
	memset(t, 0, sizeof(*t) * MS_NRULES);
	for (int i = 0; i < r->ncases; i++) {
		const struct case_result *c = &r->cases[i];

		for (int rule = 0; rule < MS_NRULES; rule++) {
			if (!(c->rules & (1u << rule)))
				continue;
			t[rule].cases++;
			for (int p = 0; p < MS_NPROFILES; p++)
				t[rule].n[p][c->by_profile[p]]++;
		}
	}
}

/*
 * "pass", "FAIL 3", "skip", "BROK 1" or "-" for one rule and profile.  On a
 * kernel without mseal only unsealed baselines run: they can show a rule's
 * expectations wrong (FAIL) but never that the kernel keeps the rule, so
 * what would read "pass" reads "no mseal".
 */
static void rule_verdict(const struct run_report *r,
			 const struct rule_tally *t, int p, char *buf,
			 size_t len)
{
	const int *n = t->n[p];

	if (t->cases == 0)
		snprintf(buf, len, "-");
	else if (n[MS_FAIL])
		snprintf(buf, len, "FAIL %d", n[MS_FAIL]);
	else if (n[MS_BROK])
		snprintf(buf, len, "BROK %d", n[MS_BROK]);
	else if (!r->ki->has_mseal)
		snprintf(buf, len, "no mseal");
	else if (n[MS_PASS] + n[MS_XFAIL] == 0)
		snprintf(buf, len, "skip");
	else if (n[MS_XFAIL])
		snprintf(buf, len, "xfail %d", n[MS_XFAIL]);
	else
		snprintf(buf, len, "pass");
}

/* Expected data cells accepted unseen, and the cases they are in. */
static int count_unobservable(const struct run_report *r, int *ncases)
{
	int cells = 0;

	*ncases = 0;
	for (int i = 0; i < r->ncases; i++) {
		cells += r->cases[i].primary.unobservable;
		*ncases += r->cases[i].primary.unobservable > 0;
	}
	return cells;
}

void report_counts(const struct run_report *r, int counts[MS_XFAIL + 1])
{
	memset(counts, 0, sizeof(int) * (MS_XFAIL + 1));
	for (int i = 0; i < r->ncases; i++)
		counts[r->cases[i].primary.code]++;
}

static void print_table(FILE *f, const struct run_report *r,
			const char *prefix)
{
	struct rule_tally t[MS_NRULES];
	int gl = MS_PROFILE_GUIDELINES;
	/* The second column: the chosen profile, or the detected one when
	 * the guidelines themselves were chosen. */
	enum ms_profile other = r->profile == MS_PROFILE_GUIDELINES ?
					r->ki->detected : r->profile;
	const char *pname = ms_profile_name(other);

	tally(r, t);
	fprintf(f, "%sGuideline table: kernel %s, detected profile %s\n",
		prefix, r->ki->release, ms_kernel_detected_name(r->ki));
	fprintf(f, "%s%-5s %5s %5s  %-10s %-10s %-8s %s\n", prefix, "rule",
		"cases", "skip", "guidelines", pname, "model", "rule summary");
	for (int rule = 0; rule < MS_NRULES; rule++) {
		char g[32], p[32];

		rule_verdict(r, &t[rule], gl, g, sizeof(g));
		rule_verdict(r, &t[rule], other, p, sizeof(p));
		fprintf(f, "%s%-5s %5d %5d  %-10s %-10s %-8s %s\n", prefix,
			ms_rule_name((enum ms_rule)rule), t[rule].cases,
			t[rule].n[other][MS_SKIP], g, p, "not run",
			ms_rule_summary((enum ms_rule)rule));
	}
	fprintf(f, "%s(model: the model target is not built yet, so there "
		   "is no kernel-vs-model column)\n", prefix);
}

static void print_header(FILE *f, const struct run_report *r,
			 const char *prefix)
{
	const struct ms_kernel_info *ki = r->ki;

	fprintf(f, "%ssealspec: target %s, kernel %s %s, page size %ld\n",
		prefix, r->target, ki->release, ki->machine, ki->page_size);
	fprintf(f, "%sprofile: %s (%s)\n", prefix,
		ms_profile_name(r->profile), r->profile_source);
	if (ki->has_mseal)
		fprintf(f, "%sdetected: %s: %s\n", prefix,
			ms_profile_name(ki->detected), ki->detected_why);
	else
		fprintf(f, "%sdetected: none, this kernel has no mseal (%s); "
			   "every case that seals is SKIP\n",
			prefix, ki->detected_why);
	for (int i = 0; i < MS_NFEATURES; i++) {
		if (ki->features & (1u << i))
			continue;
		fprintf(f, "%smissing feature %s: %s\n", prefix,
			ms_feature_name((enum ms_feature)i),
			ki->why_missing[i][0] ? ki->why_missing[i] : "absent");
	}
	if (ki->data_route != MS_DATA_DIRECT || ki->data_route_forced)
		fprintf(f, "%scontents of unreadable pages: %s: %s\n", prefix,
			ms_data_route_name(ki->data_route), ki->data_route_why);
}

/* "N data cell(s), first at step ..." for a case that has any. */
static void print_unobservable(FILE *f, const char *prefix,
			       const struct ms_verdict *v)
{
	if (v->unobservable == 0)
		return;
	fprintf(f, "%sunobservable: %d data cell%s accepted unseen, first "
		   "at %s\n",
		prefix, v->unobservable, v->unobservable == 1 ? "" : "s",
		v->unobservable_at);
}

/* Writes s with every line prefixed, for reasons spanning lines. */
static void print_indented(FILE *f, const char *prefix, const char *s)
{
	while (*s) {
		size_t n = strcspn(s, "\n");

		fprintf(f, "%s%.*s\n", prefix, (int)n, s);
		s += n;
		if (*s == '\n')
			s++;
	}
}

/* Colour for a result tag, only when the report goes to a terminal. */
static const char *colour_on(const struct run_report *r,
			     enum ms_result_code code)
{
	static const char *const colour[] = {
		[MS_PASS] = "\033[32m", [MS_FAIL] = "\033[1;31m",
		[MS_SKIP] = "\033[33m", [MS_BROK] = "\033[1;35m",
		[MS_XFAIL] = "\033[36m",
	};

	return r->colour ? colour[code] : "";
}

static const char *colour_off(const struct run_report *r)
{
	return r->colour ? "\033[0m" : "";
}

/* Skipped cases, one line per reason: the reasons repeat (no PKU). */
static void print_skips(FILE *f, const struct run_report *r)
{
	for (int i = 0; i < r->ncases; i++) {
		const struct case_result *c = &r->cases[i];
		int n = 0;
		bool first = true;

		if (c->primary.code != MS_SKIP)
			continue;
		for (int j = 0; j < i && first; j++) {
			if (r->cases[j].primary.code == MS_SKIP &&
			    strcmp(r->cases[j].primary.reason,
				   c->primary.reason) == 0)
				first = false;
		}
		if (!first)
			continue;
		for (int j = i; j < r->ncases; j++)
			n += r->cases[j].primary.code == MS_SKIP &&
			     strcmp(r->cases[j].primary.reason,
				    c->primary.reason) == 0;
		fprintf(f, "SKIP  %d case%s (%s%s): %s\n", n, n == 1 ? "" : "s",
			c->name, n > 1 ? " and others; --verbose lists them" : "",
			c->primary.reason);
	}
}

static void print_text(FILE *f, const struct run_report *r)
{
	int counts[MS_XFAIL + 1], blind, nblind;
	static const char *const tag[] = {
		[MS_PASS] = "PASS", [MS_FAIL] = "FAIL", [MS_SKIP] = "SKIP",
		[MS_BROK] = "BROK", [MS_XFAIL] = "XFAIL",
	};

	print_header(f, r, "");
	fprintf(f, "\n");
	for (int i = 0; i < r->ncases; i++) {
		const struct case_result *c = &r->cases[i];

		if ((c->primary.code == MS_PASS ||
		     c->primary.code == MS_SKIP) && !r->verbose)
			continue;
		fprintf(f, "%s%-5s%s %s  (%s)\n", colour_on(r, c->primary.code),
			tag[c->primary.code], colour_off(r), c->name, c->file);
		if (c->primary.reason[0] && c->primary.code != MS_PASS)
			print_indented(f, "      ", c->primary.reason);
		print_unobservable(f, "      ", &c->primary);
		if (c->trace)
			print_indented(f, "    ", c->trace);
	}
	if (!r->verbose)
		print_skips(f, r);
	blind = count_unobservable(r, &nblind);
	if (blind)
		fprintf(f, "UNOBSERVABLE  %d data cell%s in %d case%s: the "
			   "target could not read the page, so the cell "
			   "matched what was expected (~ in grids%s)\n",
			blind, blind == 1 ? "" : "s", nblind,
			nblind == 1 ? "" : "s",
			r->verbose ? "" : "; --verbose lists them");
	fprintf(f, "\n");
	print_table(f, r, "");
	report_counts(r, counts);
	if (r->note)
		fprintf(f, "\n%s", r->note);
	fprintf(f, "\n%d passed, %d failed, %d skipped, %d broken, %d xfail "
		   "(%d cases, profile %s)\n",
		counts[MS_PASS], counts[MS_FAIL], counts[MS_SKIP],
		counts[MS_BROK], counts[MS_XFAIL], r->ncases,
		ms_profile_name(r->profile));
}

static void print_ktap(FILE *f, const struct run_report *r)
{
	int counts[MS_XFAIL + 1], blind, nblind;

	fprintf(f, "KTAP version 1\n");
	print_header(f, r, "# ");
	fprintf(f, "1..%d\n", r->ncases);
	for (int i = 0; i < r->ncases; i++) {
		const struct case_result *c = &r->cases[i];
		const struct ms_verdict *v = &c->primary;
		char first[256];

		snprintf(first, sizeof(first), "%.*s",
			 (int)strcspn(v->reason, "\n"), v->reason);
		switch (v->code) {
		case MS_PASS:
			fprintf(f, "ok %d %s\n", i + 1, c->name);
			break;
		case MS_SKIP:
			fprintf(f, "ok %d %s # SKIP %s\n", i + 1, c->name,
				first);
			break;
		case MS_XFAIL:
			fprintf(f, "ok %d %s # XFAIL %s\n", i + 1, c->name,
				first);
			break;
		case MS_BROK:
			fprintf(f, "not ok %d %s # BROK %s\n", i + 1, c->name,
				first);
			print_indented(f, "# ", v->reason);
			break;
		default:
			fprintf(f, "not ok %d %s\n", i + 1, c->name);
			print_indented(f, "# ", v->reason);
		}
		print_unobservable(f, "# ", v);
		if (c->trace)
			print_indented(f, "# ", c->trace);
	}
	print_table(f, r, "# ");
	blind = count_unobservable(r, &nblind);
	if (blind)
		fprintf(f, "# unobservable: %d data cells in %d cases\n", blind,
			nblind);
	report_counts(r, counts);
	if (r->note)
		fprintf(f, "# %s\n", r->note);
	fprintf(f, "# Totals: pass:%d fail:%d xfail:%d xpass:0 skip:%d "
		   "error:%d\n",
		counts[MS_PASS], counts[MS_FAIL], counts[MS_XFAIL],
		counts[MS_SKIP], counts[MS_BROK]);
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '\t')
			fputs("\\t", f);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void json_rules(FILE *f, uint32_t rules)
{
	bool first = true;

	fputc('[', f);
	for (int rule = 0; rule < MS_NRULES; rule++) {
		if (!(rules & (1u << rule)))
			continue;
		if (!first)
			fputs(", ", f);
		json_string(f, ms_rule_name((enum ms_rule)rule));
		first = false;
	}
	fputc(']', f);
}

static void print_json(FILE *f, const struct run_report *r)
{
	const struct ms_kernel_info *ki = r->ki;
	struct rule_tally t[MS_NRULES];
	int counts[MS_XFAIL + 1], blind, nblind;

	fputs("{\n  \"kernel\": {\"release\": ", f);
	json_string(f, ki->release);
	fputs(", \"machine\": ", f);
	json_string(f, ki->machine);
	fprintf(f, ", \"page_size\": %ld, \"detected_profile\": ",
		ki->page_size);
	json_string(f, ms_kernel_detected_name(ki));
	fprintf(f, ", \"mseal\": %s", ki->has_mseal ? "true" : "false");
	fputs(", \"detected_why\": ", f);
	json_string(f, ki->detected_why);
	fputs(", \"missing_features\": {", f);
	for (int i = 0, n = 0; i < MS_NFEATURES; i++) {
		if (ki->features & (1u << i))
			continue;
		fputs(n++ ? ", " : "", f);
		json_string(f, ms_feature_name((enum ms_feature)i));
		fputs(": ", f);
		json_string(f, ki->why_missing[i]);
	}
	fputs("}, \"data_route\": ", f);
	json_string(f, ms_data_route_name(ki->data_route));
	fprintf(f, ", \"data_route_forced\": %s, \"data_route_why\": ",
		ki->data_route_forced ? "true" : "false");
	json_string(f, ki->data_route_why);
	fputs("},\n  \"profile\": ", f);
	json_string(f, ms_profile_name(r->profile));
	fputs(",\n  \"target\": ", f);
	json_string(f, r->target);
	if (r->note) {
		fputs(",\n  \"note\": ", f);
		json_string(f, r->note);
	}
	fputs(",\n  \"cases\": [\n", f);
	for (int i = 0; i < r->ncases; i++) {
		const struct case_result *c = &r->cases[i];

		fputs("    {\"name\": ", f);
		json_string(f, c->name);
		fputs(", \"file\": ", f);
		json_string(f, c->file);
		fputs(", \"rules\": ", f);
		json_rules(f, c->rules);
		fputs(", \"target\": ", f);
		json_string(f, r->target);
		fputs(", \"result\": ", f);
		json_string(f, ms_result_code_name(c->primary.code));
		fputs(", \"by_profile\": {", f);
		for (int p = 0; p < MS_NPROFILES; p++) {
			fputs(p ? ", " : "", f);
			json_string(f, ms_profile_name((enum ms_profile)p));
			fputs(": ", f);
			json_string(f, ms_result_code_name(c->by_profile[p]));
		}
		fputc('}', f);
		if (c->primary.unobservable) {
			fprintf(f, ", \"unobservable\": %d, "
				   "\"unobservable_at\": ",
				c->primary.unobservable);
			json_string(f, c->primary.unobservable_at);
		}
		if (c->trace) {
			fputs(", \"trace\": ", f);
			json_string(f, c->trace);
		}
		if (c->primary.code != MS_PASS) {
			if (c->fail_step >= 0)
				fprintf(f, ", \"step\": %d", c->fail_step);
			fputs(", \"reason\": ", f);
			json_string(f, c->primary.reason);
		}
		fprintf(f, "}%s\n", i + 1 < r->ncases ? "," : "");
	}
	report_counts(r, counts);
	tally(r, t);
	blind = count_unobservable(r, &nblind);
	fprintf(f, "  ],\n  \"summary\": {\"pass\": %d, \"fail\": %d, "
		   "\"skip\": %d, \"brok\": %d, \"xfail\": %d,\n"
		   "    \"unobservable_cells\": %d, \"unobservable_cases\": "
		   "%d,\n",
		counts[MS_PASS], counts[MS_FAIL], counts[MS_SKIP],
		counts[MS_BROK], counts[MS_XFAIL], blind, nblind);
	fputs("    \"rules\": {\n", f);
	for (int rule = 0; rule < MS_NRULES; rule++) {
		fputs("      ", f);
		json_string(f, ms_rule_name((enum ms_rule)rule));
		fprintf(f, ": {\"cases\": %d", t[rule].cases);
		for (int p = 0; p < MS_NPROFILES; p++) {
			char v[32];

			if (p != (int)r->profile && p != MS_PROFILE_GUIDELINES)
				continue;
			rule_verdict(r, &t[rule], p, v, sizeof(v));
			fputs(", ", f);
			json_string(f, ms_profile_name((enum ms_profile)p));
			fputs(": {\"verdict\": ", f);
			json_string(f, v);
			fprintf(f, ", \"pass\": %d, \"fail\": %d, \"skip\": "
				   "%d, \"brok\": %d, \"xfail\": %d}",
				t[rule].n[p][MS_PASS], t[rule].n[p][MS_FAIL],
				t[rule].n[p][MS_SKIP], t[rule].n[p][MS_BROK],
				t[rule].n[p][MS_XFAIL]);
		}
		fprintf(f, "}%s\n", rule + 1 < MS_NRULES ? "," : "");
	}
	fputs("    }\n  }\n}\n", f);
}

void report_print(FILE *f, const struct run_report *r, enum report_format fmt)
{
	switch (fmt) {
	case FORMAT_KTAP:
		print_ktap(f, r);
		break;
	case FORMAT_JSON:
		print_json(f, r);
		break;
	default:
		print_text(f, r);
	}
}

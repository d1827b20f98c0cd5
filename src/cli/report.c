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

/*
 * A failure is charged only to the rules of the steps that differed (a
 * step's own "[G2a]", else the scenario's): for the case's other rules
 * every step was judged and matched, so it counts as passing there.
 */
static void tally(const struct run_report *r, struct rule_tally t[MS_NRULES])
{
	memset(t, 0, sizeof(*t) * MS_NRULES);
	for (int i = 0; i < r->ncases; i++) {
		const struct case_result *c = &r->cases[i];

		for (int rule = 0; rule < MS_NRULES; rule++) {
			if (!(c->rules & (1u << rule)))
				continue;
			t[rule].cases++;
			for (int p = 0; p < MS_NPROFILES; p++) {
				enum ms_result_code code = c->by_profile[p];

				if ((code == MS_FAIL || code == MS_XFAIL) &&
				    c->charged[p] &&
				    !(c->charged[p] & (1u << rule)))
					code = MS_PASS;
				t[rule].n[p][code]++;
			}
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

int report_model_differ(const struct run_report *r)
{
	int n = 0;

	for (int i = 0; i < r->ncases; i++)
		n += r->cases[i].model == MODEL_DIFFER;
	return n;
}

/* The model column of the guideline table for one rule. */
static void model_verdict(const struct run_report *r, int rule, char *buf,
			  size_t len)
{
	int run = 0, differ = 0;

	if (strcmp(r->target, "kernel") == 0) {
		snprintf(buf, len, "not run");
		return;
	}
	if (strcmp(r->target, "model") == 0) {
		snprintf(buf, len, "-");
		return;
	}
	for (int i = 0; i < r->ncases; i++) {
		const struct case_result *c = &r->cases[i];

		if (!(c->rules & (1u << rule)))
			continue;
		run += c->model == MODEL_AGREE || c->model == MODEL_DIFFER;
		differ += c->model == MODEL_DIFFER;
	}
	if (differ)
		snprintf(buf, len, "%d differ", differ);
	else if (run)
		snprintf(buf, len, "agree");
	else
		snprintf(buf, len, "skip");
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
	fprintf(f, "%sGuideline table: kernel ", prefix);
	out_text(f, r->ki->release);
	fprintf(f, ", detected profile %s\n", ms_kernel_detected_name(r->ki));
	fprintf(f, "%s%-5s %5s %5s  %-10s %-10s %-8s %s\n", prefix, "rule",
		"cases", "skip", "guidelines", pname, "model", "rule summary");
	for (int rule = 0; rule < MS_NRULES; rule++) {
		char g[32], p[32], m[32];

		rule_verdict(r, &t[rule], gl, g, sizeof(g));
		rule_verdict(r, &t[rule], other, p, sizeof(p));
		model_verdict(r, rule, m, sizeof(m));
		fprintf(f, "%s%-5s %5d %5d  %-10s %-10s %-8s %s\n", prefix,
			ms_rule_name((enum ms_rule)rule), t[rule].cases,
			t[rule].n[other][MS_SKIP], g, p, m,
			ms_rule_summary((enum ms_rule)rule));
	}
	if (strcmp(r->target, "kernel") == 0)
		fprintf(f, "%s(model: not run; --target both compares the "
			   "model with this kernel step by step)\n", prefix);
	else if (strcmp(r->target, "model") == 0)
		fprintf(f, "%s(the model ran every case under each profile; "
			   "no kernel was asked)\n", prefix);
	else
		fprintf(f, "%s(model: the model under %s beside this kernel, "
			   "step by step, page state and contents included: "
			   "agree, or how many cases differ)\n",
			prefix, ms_profile_name(r->profile));
}

static void print_header(FILE *f, const struct run_report *r,
			 const char *prefix)
{
	const struct ms_kernel_info *ki = r->ki;

	fprintf(f, "%ssealspec: target %s, kernel ", prefix, r->target);
	out_text(f, ki->release);
	fputc(' ', f);
	out_text(f, ki->machine);
	fprintf(f, ", page size %ld\n", ki->page_size);
	fprintf(f, "%sprofile: %s (%s)\n", prefix,
		r->has_profile ? ms_profile_name(r->profile) : "unknown",
		r->profile_source);
	if (!r->probed) {
		fprintf(f, "%sdetected: unknown, the kernel probe failed\n",
			prefix);
		return;
	}
	if (ki->has_mseal)
		fprintf(f, "%sdetected: %s: ", prefix,
			ms_profile_name(ki->detected));
	else
		fprintf(f, "%sdetected: none, this kernel has no mseal (",
			prefix);
	out_text(f, ki->detected_why);
	fputs(ki->has_mseal ? "\n" : "); every case that seals is SKIP\n", f);
	for (int i = 0; i < MS_NFEATURES; i++) {
		if (ki->features & (1u << i))
			continue;
		fprintf(f, "%smissing feature %s: ", prefix,
			ms_feature_name((enum ms_feature)i));
		out_text(f, ki->why_missing[i][0] ? ki->why_missing[i] :
						    "absent");
		fputc('\n', f);
	}
	if (ki->data_route != MS_DATA_DIRECT || ki->data_route_forced) {
		fprintf(f, "%scontents of unreadable pages: %s: ", prefix,
			ms_data_route_name(ki->data_route));
		out_text(f, ki->data_route_why);
		fputc('\n', f);
	}
	if (ki->aio_ring_dontcopy)
		fprintf(f, "%saio ring: VM_DONTCOPY (not inherited by a fork "
			   "child, as from Linux 7.1)\n",
			prefix);
}

/* "N data cell(s), first at step ..." for a case that has any. */
static void print_unobservable(FILE *f, const char *prefix,
			       const struct ms_verdict *v)
{
	if (v->unobservable == 0)
		return;
	fprintf(f, "%sunobservable: %d data cell%s accepted unseen, first at ",
		prefix, v->unobservable, v->unobservable == 1 ? "" : "s");
	out_text(f, v->unobservable_at);
	fputc('\n', f);
}

/* Steps whose result the profile leaves unspecified ('?'): they ran, and
 * whatever they returned was accepted. */
static void print_unspecified(FILE *f, const char *prefix,
			      const struct ms_verdict *v)
{
	if (v->unspecified > 0)
		fprintf(f, "%sunspecified: %d step%s ran with '?' as the "
			   "result for this profile\n",
			prefix, v->unspecified, v->unspecified == 1 ? "" : "s");
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
		fprintf(f, "SKIP  %d case%s (", n, n == 1 ? "" : "s");
		out_text(f, c->name);
		fprintf(f, "%s): ",
			n > 1 ? " and others; --verbose lists them" : "");
		out_text(f, c->primary.reason);
		fputc('\n', f);
	}
}

/* "DIFF  name (file)" and where the model and the kernel part. */
static void print_model_diff(FILE *f, const struct run_report *r,
			     const struct case_result *c)
{
	fprintf(f, "%sDIFF%s  ", colour_on(r, MS_FAIL), colour_off(r));
	out_text(f, c->name);
	fputs("  (", f);
	out_text(f, c->file);
	fputs(")\n      ", f);
	if (c->model_step >= 0)
		fprintf(f, "step %d: ", c->model_step);
	fputs("kernel against model: ", f);
	out_text(f, c->model_diff ? c->model_diff : "?");
	fprintf(f, "\n      (the model's own verdict under %s: %s)\n",
		ms_profile_name(r->profile),
		ms_result_code_name(c->model_code));
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

		if (c->model == MODEL_DIFFER)
			print_model_diff(f, r, c);
		if ((c->primary.code == MS_PASS ||
		     c->primary.code == MS_SKIP) && !r->verbose)
			continue;
		fprintf(f, "%s%-5s%s ", colour_on(r, c->primary.code),
			tag[c->primary.code], colour_off(r));
		out_text(f, c->name);
		fputs("  (", f);
		out_text(f, c->file);
		fputs(")\n", f);
		if (c->primary.reason[0] && c->primary.code != MS_PASS)
			out_lines(f, "      ", c->primary.reason);
		print_unobservable(f, "      ", &c->primary);
		print_unspecified(f, "      ", &c->primary);
		if (c->trace)
			out_lines(f, "    ", c->trace);
	}
	if (!r->verbose)
		print_skips(f, r);
	if (r->error[0]) {
		fputs("ERROR ", f);
		out_text(f, r->error);
		fputc('\n', f);
	}
	blind = count_unobservable(r, &nblind);
	if (blind)
		fprintf(f, "UNOBSERVABLE  %d data cell%s in %d case%s: the "
			   "target could not read the page, so the cell "
			   "matched what was expected (~ in grids%s)\n",
			blind, blind == 1 ? "" : "s", nblind,
			nblind == 1 ? "" : "s",
			r->verbose ? "" : "; --verbose lists them");
	if (r->probed) {
		fprintf(f, "\n");
		print_table(f, r, "");
	}
	report_counts(r, counts);
	if (r->note)
		fprintf(f, "\n%s", r->note);
	fprintf(f, "\n%d passed, %d failed, %d skipped, %d broken, %d xfail "
		   "(%d cases, profile %s)",
		counts[MS_PASS], counts[MS_FAIL], counts[MS_SKIP],
		counts[MS_BROK], counts[MS_XFAIL], r->ncases,
		r->has_profile ? ms_profile_name(r->profile) : "unknown");
	if (strcmp(r->target, "both") == 0)
		fprintf(f, "; model and kernel differ in %d",
			report_model_differ(r));
	fputc('\n', f);
}

/*
 * KTAP version 1 (Documentation/dev-tools/ktap.rst): the version line, the
 * plan, then per case its diagnostic lines (why it did not pass, its trace)
 * directly before its result line:
 *
 *   PASS   ok N name
 *   FAIL   not ok N name
 *   SKIP   ok N name # SKIP reason
 *   XFAIL  ok N name # XFAIL reason       (as kselftest writes it)
 *   BROK   not ok N name # ERROR reason   (setup failed, crash)
 *          not ok N name # TIMEOUT reason (the case hung)
 *
 * Names are written with out_ktap_name: never a '#' or a line break in a
 * description.  A run that stopped short (the kernel probe failed, a case
 * could not be run) ends with one more test, "not ok N [environment] #
 * ERROR why": a name no case can have (case names never start with '['),
 * so every KTAP reader sees the run fail.  The guideline table and a
 * kselftest-style totals line end the output as diagnostics.
 */
static void print_ktap(FILE *f, const struct run_report *r)
{
	int counts[MS_XFAIL + 1], blind, nblind;
	int n = r->ncases + (r->error[0] ? 1 : 0);

	fprintf(f, "KTAP version 1\n");
	fprintf(f, "1..%d\n", n);
	print_header(f, r, "# ");
	for (int i = 0; i < r->ncases; i++) {
		const struct case_result *c = &r->cases[i];
		const struct ms_verdict *v = &c->primary;
		bool failed = v->code == MS_FAIL || v->code == MS_BROK ||
			      c->model == MODEL_DIFFER;
		const char *directive = NULL;
		char first[256];

		snprintf(first, sizeof(first), "%.*s",
			 (int)strcspn(v->reason, "\n"), v->reason);
		if (v->code == MS_FAIL || v->code == MS_BROK)
			out_lines(f, "# ", v->reason);
		if (c->model == MODEL_DIFFER) {
			fprintf(f, "# model differs from the kernel at step "
				   "%d: ", c->model_step);
			out_text(f, c->model_diff ? c->model_diff : "?");
			fputc('\n', f);
		}
		print_unobservable(f, "# ", v);
		print_unspecified(f, "# ", v);
		if (c->trace)
			out_lines(f, "# ", c->trace);
		if (v->code == MS_SKIP)
			directive = "SKIP";
		else if (v->code == MS_XFAIL)
			directive = "XFAIL";
		else if (v->code == MS_BROK)
			directive = v->timed_out ? "TIMEOUT" : "ERROR";
		fprintf(f, "%s %d ", failed ? "not ok" : "ok", i + 1);
		out_ktap_name(f, c->name);
		if (directive) {
			fprintf(f, " # %s ", directive);
			out_text(f, first);
		}
		fputc('\n', f);
	}
	if (r->error[0]) {
		fprintf(f, "not ok %d [environment] # ERROR ", n);
		out_text(f, r->error);
		fputc('\n', f);
	}
	if (r->probed)
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
		counts[MS_SKIP], counts[MS_BROK] + (r->error[0] ? 1 : 0));
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
		out_json_string(f, ms_rule_name((enum ms_rule)rule));
		first = false;
	}
	fputc(']', f);
}

/*
 * The verdict of one rule under profile p, as JSON: the word and the
 * counts.  Words: pass, fail, brok, skip, xfail (as rule_verdict decides,
 * without its counts), no-mseal, no-cases.
 */
static void json_rule_verdict(FILE *f, const struct run_report *r,
			      const struct rule_tally *t, int p,
			      const char *pname)
{
	static const char *const word[] = {
		[MS_PASS] = "pass", [MS_FAIL] = "fail", [MS_SKIP] = "skip",
		[MS_BROK] = "brok", [MS_XFAIL] = "xfail",
	};
	const int *n = t->n[p];
	const char *w;

	if (t->cases == 0)
		w = "no-cases";
	else if (n[MS_FAIL])
		w = word[MS_FAIL];
	else if (n[MS_BROK])
		w = word[MS_BROK];
	else if (!r->ki->has_mseal)
		w = "no-mseal";
	else if (n[MS_PASS] + n[MS_XFAIL] == 0)
		w = word[MS_SKIP];
	else if (n[MS_XFAIL])
		w = word[MS_XFAIL];
	else
		w = word[MS_PASS];
	fputs("{\"profile\": ", f);
	out_json_string(f, pname);
	fprintf(f, ", \"verdict\": \"%s\", \"pass\": %d, \"fail\": %d, "
		   "\"skip\": %d, \"brok\": %d, \"xfail\": %d}",
		w, n[MS_PASS], n[MS_FAIL], n[MS_SKIP], n[MS_BROK], n[MS_XFAIL]);
}

/*
 * JSON, schema "sealspec-report" version 1: docs/json.md describes every
 * field, docs/report.schema.json is the schema make test checks every
 * report against.  Raise the version when a field changes meaning or goes
 * away; adding a field does not.
 */
static void print_json(FILE *f, const struct run_report *r)
{
	const struct ms_kernel_info *ki = r->ki;
	struct rule_tally t[MS_NRULES];
	int counts[MS_XFAIL + 1], blind, nblind;
	const char *detected = r->probed ? ms_kernel_detected_name(ki) :
					   "unknown";

	fputs("{\n  \"schema\": \"sealspec-report\",\n  \"version\": 1,\n"
	      "  \"error\": ", f);
	if (r->error[0])
		out_json_string(f, r->error);
	else
		fputs("null", f);
	fputs(",\n  \"kernel\": {\"release\": ", f);
	out_json_string(f, ki->release);
	fputs(", \"machine\": ", f);
	out_json_string(f, ki->machine);
	fprintf(f, ", \"page_size\": %ld, \"probed\": %s", ki->page_size,
		r->probed ? "true" : "false");
	fputs(", \"detected_profile\": ", f);
	out_json_string(f, detected);
	fprintf(f, ", \"mseal\": %s",
		!r->probed ? "null" : ki->has_mseal ? "true" : "false");
	fputs(", \"detected_why\": ", f);
	out_json_string(f, ki->detected_why);
	fputs(", \"missing_features\": {", f);
	for (int i = 0, n = 0; r->probed && i < MS_NFEATURES; i++) {
		if (ki->features & (1u << i))
			continue;
		fputs(n++ ? ", " : "", f);
		out_json_string(f, ms_feature_name((enum ms_feature)i));
		fputs(": ", f);
		out_json_string(f, ki->why_missing[i]);
	}
	fputs("}, \"data_route\": ", f);
	out_json_string(f, ms_data_route_name(ki->data_route));
	fprintf(f, ", \"data_route_forced\": %s, \"data_route_why\": ",
		ki->data_route_forced ? "true" : "false");
	out_json_string(f, ki->data_route_why);
	fprintf(f, ", \"aio_ring_dontcopy\": %s",
		ki->aio_ring_dontcopy ? "true" : "false");
	fputs("},\n  \"profile\": ", f);
	if (r->has_profile)
		out_json_string(f, ms_profile_name(r->profile));
	else
		fputs("null", f);
	fputs(", \"profile_source\": ", f);
	out_json_string(f, r->profile_key);
	fputs(",\n  \"target\": ", f);
	out_json_string(f, r->target);
	fputs(",\n  \"note\": ", f);
	if (r->note)
		out_json_string(f, r->note);
	else
		fputs("null", f);
	fputs(",\n  \"cases\": [\n", f);
	for (int i = 0; i < r->ncases; i++) {
		const struct case_result *c = &r->cases[i];

		fputs("    {\"name\": ", f);
		out_json_string(f, c->name);
		fputs(", \"file\": ", f);
		out_json_string(f, c->file);
		fputs(", \"rules\": ", f);
		json_rules(f, c->rules);
		fputs(", \"target\": ", f);
		out_json_string(f, r->target);
		fputs(", \"result\": ", f);
		out_json_string(f, ms_result_code_name(c->primary.code));
		fputs(", \"by_profile\": {", f);
		for (int p = 0; p < MS_NPROFILES; p++) {
			fputs(p ? ", " : "", f);
			out_json_string(f, ms_profile_name((enum ms_profile)p));
			fputs(": ", f);
			out_json_string(f, ms_result_code_name(c->by_profile[p]));
		}
		fputc('}', f);
		if (c->model != MODEL_NOT_RUN) {
			static const char *const mw[] = {
				[MODEL_SKIPPED] = "skip",
				[MODEL_AGREE] = "agree",
				[MODEL_DIFFER] = "differ",
			};

			fputs(", \"model\": {\"result\": ", f);
			out_json_string(f, mw[c->model]);
			if (c->model != MODEL_SKIPPED) {
				fputs(", \"verdict\": ", f);
				out_json_string(f,
					ms_result_code_name(c->model_code));
			}
			if (c->model == MODEL_DIFFER) {
				fprintf(f, ", \"step\": %d, \"what\": ",
					c->model_step);
				out_json_string(f, c->model_diff ?
							   c->model_diff : "");
			}
			/* Already JSON, valid UTF-8 (ms_trace_to_json). */
			if (c->model_steps) {
				fputs(",\n       \"steps\": ", f);
				fputs(c->model_steps, f);
			}
			fputc('}', f);
		}
		if (c->primary.unobservable) {
			fprintf(f, ", \"unobservable\": %d, "
				   "\"unobservable_at\": ",
				c->primary.unobservable);
			out_json_string(f, c->primary.unobservable_at);
		}
		if (c->primary.code != MS_PASS) {
			if (c->fail_step >= 0)
				fprintf(f, ", \"step\": %d", c->fail_step);
			fputs(", \"reason\": ", f);
			out_json_string(f, c->primary.reason);
		}
		if (c->primary.code == MS_BROK)
			fprintf(f, ", \"timed_out\": %s",
				c->primary.timed_out ? "true" : "false");
		if (c->trace) {
			fputs(", \"trace\": ", f);
			out_json_string(f, c->trace);
		}
		/* Already JSON, valid UTF-8 (ms_trace_to_json). */
		if (c->steps) {
			fputs(",\n     \"steps\": ", f);
			fputs(c->steps, f);
		}
		fprintf(f, "}%s\n", i + 1 < r->ncases ? "," : "");
	}
	report_counts(r, counts);
	tally(r, t);
	blind = count_unobservable(r, &nblind);
	fprintf(f, "  ],\n  \"summary\": {\"cases\": %d, \"pass\": %d, "
		   "\"fail\": %d, \"skip\": %d, \"brok\": %d, \"xfail\": %d,\n"
		   "    \"unobservable_cells\": %d, \"unobservable_cases\": "
		   "%d,\n",
		r->ncases, counts[MS_PASS], counts[MS_FAIL], counts[MS_SKIP],
		counts[MS_BROK], counts[MS_XFAIL], blind, nblind);
	fputs("    \"profiles\": {\"chosen\": ", f);
	if (r->has_profile)
		out_json_string(f, ms_profile_name(r->profile));
	else
		fputs("null", f);
	fputs(", \"guidelines\": \"guidelines\", \"detected\": ", f);
	out_json_string(f, detected);
	fputs("},\n    \"rules\": {", f);
	/* Per rule, one verdict per role: the chosen profile, the guidelines
	 * and the detected profile (the same profile may fill two roles). */
	for (int rule = 0; r->probed && rule < MS_NRULES; rule++) {
		fputs(rule ? ",\n      " : "\n      ", f);
		out_json_string(f, ms_rule_name((enum ms_rule)rule));
		fputs(": {\"summary\": ", f);
		out_json_string(f, ms_rule_summary((enum ms_rule)rule));
		fprintf(f, ", \"cases\": %d,\n        \"chosen\": ",
			t[rule].cases);
		json_rule_verdict(f, r, &t[rule], r->profile,
				  ms_profile_name(r->profile));
		fputs(",\n        \"guidelines\": ", f);
		json_rule_verdict(f, r, &t[rule], MS_PROFILE_GUIDELINES,
				  "guidelines");
		fputs(",\n        \"detected\": ", f);
		json_rule_verdict(f, r, &t[rule], ki->detected, detected);
		fputc('}', f);
	}
	fputs("\n    }\n  }\n}\n", f);
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
	case FORMAT_HTML:
		report_html(f, r);
		break;
	default:
		print_text(f, r);
	}
}

void report_rule_row(const struct run_report *r, int rule, int *cases,
		     int *skips, char *g, char *p, char *m, size_t len,
		     enum ms_profile *other)
{
	struct rule_tally t[MS_NRULES];

	*other = r->profile == MS_PROFILE_GUIDELINES ? r->ki->detected :
						       r->profile;
	tally(r, t);
	*cases = t[rule].cases;
	*skips = t[rule].n[*other][MS_SKIP];
	rule_verdict(r, &t[rule], MS_PROFILE_GUIDELINES, g, len);
	rule_verdict(r, &t[rule], *other, p, len);
	model_verdict(r, rule, m, len);
}

// SPDX-License-Identifier: MIT
/*
 * The HTML report (run --format html): one self-contained page, no network
 * and nothing loaded from elsewhere, to attach to a bug or keep as a CI
 * artifact.  It holds the run's header, the guideline table, every case's
 * verdict under each profile, and for each FAIL and BROK:
 *
 *   - the expected and the observed page state drawn as SVG page strips,
 *     one row per attribute (seal, prot, data, and whichever attribute
 *     failed), cells that differ outlined;
 *   - the scenario text (the variant, in canonical form) with the failing
 *     step marked.
 *
 * What a failure looked like is taken while the trace is at hand
 * (case_detail_new, from add_case), since the report is written after
 * every trace is gone.  Everything the page shows that came from a
 * scenario or the kernel goes through html_text: <, >, &, quotes, control
 * characters and invalid UTF-8 cannot break out of it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "run/run.h"

#define DETAIL_ROWS 8	/* expected grids kept per failure */
#define DETAIL_SNAPS 4	/* observed regions kept for a failing call */
#define CELL 22		/* px: one page in a strip */

struct strip {
	char label[MS_NAME_MAX + 16];
	uint64_t addr;
	int npages;
	struct ms_page pages[MS_GRID_MAX];
};

struct case_detail {
	char *text;		/* the variant in canonical form */
	int mark;		/* its line (from 1) of the failing step, or 0 */
	enum ms_step_kind kind;	/* of the failing step */
	int nexp;
	struct {
		enum ms_attr attr;
		char grid[MS_STR_MAX];
		struct strip seen;	/* that expect step's observation */
		bool has_seen;
	} exp[DETAIL_ROWS];	/* expect grids at the failing step's place */
	enum ms_attr failed_attr;
	bool has_observed;
	struct strip observed;	/* what the failing expect step saw, or the
				 * first expect step after a failing call */
	bool after_call;	/* the latter */
	int nsnaps;
	struct strip snaps[DETAIL_SNAPS]; /* after a failing call, per name */
};

/* ------------------------------------------------------------------ */
/* Taking the detail                                                   */

/* Two expressions of program p. */
static bool expr_equal(const struct ms_program *p, const struct ms_expr *a,
		       const struct ms_expr *b)
{
	const struct ms_term *ta = ms_expr_terms(p, a);
	const struct ms_term *tb = ms_expr_terms(p, b);

	if (!ta || !tb || a->nterms != b->nterms)
		return false;
	for (int i = 0; i < a->nterms; i++) {
		const struct ms_term *x = &ta[i], *y = &tb[i];

		if (x->op != y->op || x->kind != y->kind || x->num != y->num ||
		    (x->kind == MS_TERM_NAME && x->name != y->name))
			return false;
	}
	return true;
}

static bool applies(const struct ms_step *s, enum ms_profile profile)
{
	return !s->profiles || (s->profiles & (1u << profile));
}

/*
 * The line of step `step` in text: steps print one a line, after tabs
 * for fork depth, so it is the (k+1)th line that starts with the step's
 * text when k earlier steps print the same.
 */
static int find_line(const struct ms_program *p, int step, const char *text)
{
	char want[512], other[512];
	size_t wl;
	int k = 0, line = 1;

	ms_print_step(p, step, want, sizeof(want));
	wl = strlen(want);
	if (!wl)
		return 0;
	for (int i = 0; i < step; i++) {
		ms_print_step(p, i, other, sizeof(other));
		k += p->steps[i].kind != MS_STEP_NOTE &&
		     strcmp(other, want) == 0;
	}
	for (const char *s = text; *s; line++) {
		const char *e = strchr(s, '\n');
		const char *b = s;

		while (*b == '\t')
			b++;
		if (strncmp(b, want, wl) == 0 &&
		    (b[wl] == '\n' || b[wl] == ' ' || b[wl] == '\0') &&
		    k-- == 0)
			return line;
		if (!e)
			break;
		s = e + 1;
	}
	return 0;
}

static void take_strip(struct strip *st, const char *label,
		       const struct ms_outcome *o)
{
	snprintf(st->label, sizeof(st->label), "%s", label);
	st->addr = o->addr;
	st->npages = o->npages < MS_GRID_MAX ? o->npages : MS_GRID_MAX;
	if (st->npages > 0)	/* no pages: o->pages is NULL */
		memcpy(st->pages, o->pages,
		       sizeof(st->pages[0]) * (size_t)st->npages);
}

struct case_detail *case_detail_new(const struct ms_program *p,
				    const struct ms_trace *t,
				    const struct ms_verdict *v,
				    enum ms_profile profile)
{
	struct case_detail *d = calloc(1, sizeof(*d));
	const struct ms_step *fs;
	int lo, hi, anchor;

	if (!d)
		return NULL;
	d->text = ms_print(p);
	if (!d->text) {
		free(d);
		return NULL;
	}
	if (v->step < 0 || v->step >= p->nsteps)
		return d;	/* a crash, a setup broken before any step */
	fs = &p->steps[v->step];
	d->kind = fs->kind;
	d->mark = find_line(p, v->step, d->text);

	if (fs->kind == MS_STEP_CALL) {
		for (int k = 0; k < t->nout && d->nsnaps < DETAIL_SNAPS; k++) {
			const struct ms_outcome *o = &t->out[k];

			if (o->step == v->step && o->kind == MS_OUT_PAGES &&
			    o->name >= 0 && o->name < p->nnames)
				take_strip(&d->snaps[d->nsnaps++],
					   p->names[o->name].name, o);
		}
		/*
		 * The state the scenario expects after the call is in the
		 * expect steps that follow it; the target ran them, so
		 * their observations are in the trace.
		 */
		anchor = -1;
		for (int i = v->step + 1; i < p->nsteps && anchor < 0; i++) {
			const struct ms_step *s = &p->steps[i];

			if (s->kind == MS_STEP_EXPECT && applies(s, profile))
				anchor = i;
			else if (s->kind != MS_STEP_EXPECT &&
				 s->kind != MS_STEP_NOTE)
				break;
		}
		if (anchor < 0)
			return d;
		d->after_call = true;
	} else if (fs->kind == MS_STEP_EXPECT) {
		anchor = v->step;
	} else {
		return d;
	}
	fs = &p->steps[anchor];
	d->failed_attr = fs->attr;
	for (int k = 0; k < t->nout; k++) {
		const struct ms_outcome *o = &t->out[k];

		if (o->step == anchor && o->kind == MS_OUT_PAGES &&
		    o->name < 0) {
			take_strip(&d->observed, "observed", o);
			d->has_observed = true;
			break;
		}
	}
	/* The expect steps written together with the failing one, on the
	 * same address: the expected state at this point of the program. */
	for (lo = anchor; lo > 0 && (p->steps[lo - 1].kind == MS_STEP_EXPECT ||
				     p->steps[lo - 1].kind == MS_STEP_NOTE);)
		lo--;
	for (hi = anchor; hi + 1 < p->nsteps &&
			   (p->steps[hi + 1].kind == MS_STEP_EXPECT ||
			    p->steps[hi + 1].kind == MS_STEP_NOTE);)
		hi++;
	for (int i = lo; i <= hi && d->nexp < DETAIL_ROWS; i++) {
		const struct ms_step *s = &p->steps[i];
		bool seen = false;

		if (s->kind != MS_STEP_EXPECT || !applies(s, profile) ||
		    s->grid.kind != MS_ARG_STR ||
		    !expr_equal(p, &s->where, &fs->where))
			continue;
		for (int j = 0; j < d->nexp; j++)
			seen |= d->exp[j].attr == s->attr;
		if (seen && i != anchor)
			continue;
		d->exp[d->nexp].attr = s->attr;
		snprintf(d->exp[d->nexp].grid, sizeof(d->exp[0].grid), "%s",
			 ms_text(p, s->grid.str));
		/* Contents are observed only where a step asks for them. */
		for (int k = 0; k < t->nout; k++) {
			const struct ms_outcome *o = &t->out[k];

			if (o->step == i && o->kind == MS_OUT_PAGES &&
			    o->name < 0) {
				take_strip(&d->exp[d->nexp].seen, "", o);
				d->exp[d->nexp].has_seen = true;
				break;
			}
		}
		d->nexp++;
	}
	return d;
}

void case_detail_free(struct case_detail *d)
{
	if (!d)
		return;
	free(d->text);
	free(d);
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */

/* Text into HTML: escaped, controls and invalid UTF-8 as U+FFFD. */
static void html_text(FILE *f, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		int len;

		switch (u[i]) {
		case '&': fputs("&amp;", f); i++; continue;
		case '<': fputs("&lt;", f); i++; continue;
		case '>': fputs("&gt;", f); i++; continue;
		case '"': fputs("&quot;", f); i++; continue;
		case '\'': fputs("&#39;", f); i++; continue;
		case '\n': case '\t': fputc(u[i], f); i++; continue;
		default: break;
		}
		if (u[i] < 0x20 || u[i] == 0x7f) {
			fputs("\xef\xbf\xbd", f);
			i++;
			continue;
		}
		len = ms__utf8_len(u + i, n - i);
		if (len == 0) {
			fputs("\xef\xbf\xbd", f);
			i++;
			continue;
		}
		fwrite(u + i, 1, (size_t)len, f);
		i += (size_t)len;
	}
}

/* Splits a grid into one token per page (prot, back: by spaces). */
static int grid_tokens(enum ms_attr attr, const char *grid,
		       char tok[MS_GRID_MAX][8])
{
	int n = 0;

	if (attr == MS_ATTR_PROT || attr == MS_ATTR_BACK) {
		for (const char *s = grid; *s && n < MS_GRID_MAX;) {
			size_t l;

			while (*s == ' ')
				s++;
			l = strcspn(s, " ");
			if (!l)
				break;
			snprintf(tok[n++], 8, "%.*s", (int)(l < 7 ? l : 7), s);
			s += l;
		}
		return n;
	}
	for (const char *s = grid; *s && n < MS_GRID_MAX; s++)
		if (*s != ' ')
			snprintf(tok[n++], 8, "%c", *s);
	return n;
}

/* The fill of a cell, by what it shows. */
static const char *cell_colour(enum ms_attr attr, const char *tok)
{
	if (tok[0] == '.')
		return "#ffffff";
	if (tok[0] == '?')
		return "#eeeeee";
	switch (attr) {
	case MS_ATTR_SEAL:
		return tok[0] == 'S' ? "#7a1f2b" : "#d9e7d4";
	case MS_ATTR_PROT:
		if (tok[0] == 'r' && tok[1] == 'w')
			return "#9fd49a";
		if (tok[0] == 'r')
			return "#a9c7ec";
		if (tok[1] == 'w')
			return "#f1d38b";
		return "#c9c9c9";
	case MS_ATTR_DATA:
		if (tok[0] == '0')
			return "#f4f4f4";
		if (tok[0] == '!' || tok[0] == '~')
			return "#e7c5c5";
		return "#fbf3d5";
	default:
		return tok[0] == '-' ? "#f2f2f2" : "#d7d0ec";
	}
}

static const char *text_colour(enum ms_attr attr, const char *tok)
{
	return attr == MS_ATTR_SEAL && tok[0] == 'S' ? "#ffffff" : "#111111";
}

/* One row of cells at y; differing cells (against other, if any) are
 * outlined in red. */
static void svg_row(FILE *f, int y, const char *title, enum ms_attr attr,
		    char tok[MS_GRID_MAX][8], int n,
		    char other[MS_GRID_MAX][8], int nother)
{
	fprintf(f, "<text x=\"0\" y=\"%d\" class=\"lbl\">", y + 15);
	html_text(f, title);
	fputs("</text>", f);
	for (int i = 0; i < n; i++) {
		int x = 150 + i * CELL;
		bool differs = other && tok[i][0] != '?' &&
			       (i >= nother || (other[i][0] != '?' &&
						strcmp(tok[i], other[i]) != 0));

		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
			   "fill=\"%s\" stroke=\"%s\" stroke-width=\"%d\"/>",
			x, y, CELL - 2, CELL - 2, cell_colour(attr, tok[i]),
			differs ? "#d00000" : "#888888", differs ? 2 : 1);
		fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"%s\" "
			   "class=\"tok\">",
			x + (CELL - 2) / 2, y + 15, text_colour(attr, tok[i]));
		html_text(f, tok[i]);
		fputs("</text>", f);
	}
}

/* The rows shown for a failure: seal, prot, data and the one that failed. */
static int wanted_attrs(const struct case_detail *d, enum ms_attr out[4])
{
	static const enum ms_attr base[] = { MS_ATTR_SEAL, MS_ATTR_PROT,
					     MS_ATTR_DATA };
	int n = 0;

	for (size_t i = 0; i < 3; i++)
		out[n++] = base[i];
	if (d->has_observed && d->failed_attr != MS_ATTR_SEAL &&
	    d->failed_attr != MS_ATTR_PROT && d->failed_attr != MS_ATTR_DATA)
		out[n++] = d->failed_attr;
	return n;
}

static const char *expected_grid(const struct case_detail *d,
				 enum ms_attr attr)
{
	for (int i = 0; i < d->nexp; i++)
		if (d->exp[i].attr == attr)
			return d->exp[i].grid;
	return NULL;
}

/* The observation that shows attr: the expect step's own, if any. */
static const struct strip *observed_for(const struct case_detail *d,
					enum ms_attr attr)
{
	for (int i = 0; i < d->nexp; i++)
		if (d->exp[i].attr == attr && d->exp[i].has_seen)
			return &d->exp[i].seen;
	return &d->observed;
}

static bool all_unknown(const char *grid)
{
	return strspn(grid, "? ") == strlen(grid);
}

/* Expected against observed for a failing expect step. */
static void svg_expect(FILE *f, const struct case_detail *d)
{
	enum ms_attr attrs[4];
	int na = wanted_attrs(d, attrs), height = 0, width, y = 0;
	char et[MS_GRID_MAX][8], ot[MS_GRID_MAX][8];
	char grids[4][MS_GRID_MAX * 5];

	/* Rows: an expected one where the scenario says, an observed one
	 * where the target looked (contents only where a step asked). */
	for (int i = 0; i < na; i++) {
		const struct strip *st = observed_for(d, attrs[i]);

		ms_grid_format(attrs[i], st->pages, st->npages, grids[i],
			       sizeof(grids[i]));
		if (expected_grid(d, attrs[i]))
			height += CELL + 4;
		if (!all_unknown(grids[i]) || expected_grid(d, attrs[i]))
			height += CELL + 8;
	}
	width = 160 + d->observed.npages * CELL;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		   "height=\"%d\" role=\"img\" aria-label=\"expected and "
		   "observed pages\">",
		width, height);
	for (int i = 0; i < na; i++) {
		const char *eg = expected_grid(d, attrs[i]);
		int ne = 0, no;
		char title[48];

		if (!eg && all_unknown(grids[i]))
			continue;
		no = grid_tokens(attrs[i], grids[i], ot);
		if (eg) {
			ne = grid_tokens(attrs[i], eg, et);
			snprintf(title, sizeof(title), "expected %s",
				 ms_attr_name(attrs[i]));
			svg_row(f, y, title, attrs[i], et, ne, ot, no);
			y += CELL + 4;
		}
		snprintf(title, sizeof(title), "observed %s",
			 ms_attr_name(attrs[i]));
		svg_row(f, y, title, attrs[i], ot, no, eg ? et : NULL, ne);
		y += CELL + 8;
	}
	fputs("</svg>\n", f);
}

/* Rows of a snapshot with something in them (contents may be unread). */
static int snap_rows(const struct strip *st)
{
	char grid[MS_GRID_MAX * 5];

	ms_grid_format(MS_ATTR_DATA, st->pages, st->npages, grid,
		       sizeof(grid));
	return strspn(grid, "? ") == strlen(grid) ? 2 : 3;
}

/* What the pages looked like after a call whose result was wrong. */
static void svg_snaps(FILE *f, const struct case_detail *d)
{
	static const enum ms_attr attrs[] = { MS_ATTR_SEAL, MS_ATTR_PROT,
					      MS_ATTR_DATA };
	char ot[MS_GRID_MAX][8], grid[MS_GRID_MAX * 5];

	for (int s = 0; s < d->nsnaps; s++) {
		const struct strip *st = &d->snaps[s];
		int y = 0;

		fputs("<p class=\"cap\">observed after the call: ", f);
		html_text(f, st->label);
		fputs("</p>\n", f);
		fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
			   "width=\"%d\" height=\"%d\" role=\"img\" "
			   "aria-label=\"observed pages\">",
			160 + st->npages * CELL, snap_rows(st) * (CELL + 4) + 4);
		for (size_t i = 0; i < 3; i++) {
			char title[48];
			int n;

			ms_grid_format(attrs[i], st->pages, st->npages, grid,
				       sizeof(grid));
			/* Snapshots do not read contents: all '?'. */
			if (strspn(grid, "? ") == strlen(grid))
				continue;
			n = grid_tokens(attrs[i], grid, ot);
			snprintf(title, sizeof(title), "observed %s",
				 ms_attr_name(attrs[i]));
			svg_row(f, y, title, attrs[i], ot, n, NULL, 0);
			y += CELL + 4;
		}
		fputs("</svg>\n", f);
	}
}

/* The scenario, numbered, with the failing line marked. */
static void scenario_text(FILE *f, const struct case_detail *d)
{
	int line = 1;

	fputs("<pre class=\"scn\">", f);
	for (const char *s = d->text; *s; line++) {
		const char *e = strchr(s, '\n');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		char *one = strndup(s, len);

		fprintf(f, "<span class=\"%s\"><span class=\"ln\">%3d%s</span>",
			line == d->mark ? "fail" : "l", line,
			line == d->mark ? "&#9654;" : " ");
		if (one)
			html_text(f, one);
		free(one);
		/* Block spans break the lines; no newline, or they double. */
		fputs("</span>", f);
		if (!e)
			break;
		s = e + 1;
	}
	fputs("</pre>\n", f);
}

static const char *code_class(enum ms_result_code c)
{
	static const char *const k[] = { [MS_PASS] = "pass", [MS_FAIL] = "fail",
					 [MS_SKIP] = "skip", [MS_BROK] = "brok",
					 [MS_XFAIL] = "xfail" };

	return k[c];
}

/* The model column of a case (--target both). */
static const char *model_cell(const struct case_result *c, const char **cls)
{
	switch (c->model) {
	case MODEL_AGREE:
		*cls = "pass";
		return "agree";
	case MODEL_DIFFER:
		*cls = "fail";
		return "DIFF";
	case MODEL_SKIPPED:
		*cls = "skip";
		return "skip";
	default:
		*cls = "skip";
		return "-";
	}
}

static const char *verdict_class(const char *v)
{
	if (strncmp(v, "FAIL", 4) == 0)
		return "fail";
	if (strncmp(v, "BROK", 4) == 0)
		return "brok";
	if (strcmp(v, "pass") == 0)
		return "pass";
	return "skip";
}

static const char style[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#111}"
	"h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}"
	"table{border-collapse:collapse;margin:.5em 0}"
	"td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}"
	"th{background:#f0f0f0}"
	".pass{background:#dff0d8}.fail{background:#f5c6c6;font-weight:bold}"
	".skip{background:#f7f7f7;color:#666}.brok{background:#e8d3f0}"
	".xfail{background:#d9edf7}"
	"pre{background:#fafafa;border:1px solid #ddd;padding:.5em;"
	"overflow-x:auto}"
	"pre.scn span.fail{display:block;background:#f5c6c6}"
	"pre.scn span.l{display:block}"
	".ln{color:#999;user-select:none}"
	"svg{display:block;margin:.4em 0}"
	"svg .lbl{font:12px monospace;fill:#333}"
	"svg .tok{font:11px monospace;text-anchor:middle}"
	"section.case{border-top:2px solid #ccc;margin-top:1.5em}"
	".cap{margin:.2em 0;color:#444}"
	"tr.hidden{display:none}";

/*
 * The one script: "only failures" hides the rows of cases that passed or
 * were skipped.  The page reads the same without it.
 */
static const char script[] =
	"document.getElementById('only').addEventListener('change',"
	"function(e){var rows=document.querySelectorAll('#cases tr.ok');"
	"for(var i=0;i<rows.length;i++)"
	"rows[i].classList.toggle('hidden',e.target.checked);});";

static void html_header(FILE *f, const struct run_report *r)
{
	const struct ms_kernel_info *ki = r->ki;
	int counts[MS_XFAIL + 1];

	report_counts(r, counts);
	fputs("<p>target ", f);
	html_text(f, r->target);
	fputs(", kernel ", f);
	html_text(f, ki->release);
	fputc(' ', f);
	html_text(f, ki->machine);
	fprintf(f, ", page size %ld<br>profile <b>%s</b> (", ki->page_size,
		r->has_profile ? ms_profile_name(r->profile) : "unknown");
	html_text(f, r->profile_source);
	fputs(")", f);
	if (r->probed) {
		fputs("<br>detected: ", f);
		html_text(f, ms_kernel_detected_name(ki));
		fputs(": ", f);
		html_text(f, ki->detected_why);
	}
	fprintf(f, "</p>\n<p><span class=\"pass\">%d passed</span>, "
		   "<span class=\"fail\">%d failed</span>, <span "
		   "class=\"skip\">%d skipped</span>, <span class=\"brok\">%d "
		   "broken</span>, <span class=\"xfail\">%d xfail</span> "
		   "(%d cases)</p>\n",
		counts[MS_PASS], counts[MS_FAIL], counts[MS_SKIP],
		counts[MS_BROK], counts[MS_XFAIL], r->ncases);
	if (r->error[0]) {
		fputs("<p class=\"brok\">error: ", f);
		html_text(f, r->error);
		fputs("</p>\n", f);
	}
	if (r->note) {
		fputs("<p class=\"brok\">", f);
		html_text(f, r->note);
		fputs("</p>\n", f);
	}
}

static void html_rules(FILE *f, const struct run_report *r)
{
	enum ms_profile other = MS_PROFILE_LINUX;

	if (!r->probed)
		return;
	fputs("<h2>Guideline table</h2>\n<table id=\"rules\"><tr><th>rule</th>"
	      "<th>cases</th><th>skip</th><th>guidelines</th>", f);
	/* The second column: as in the text report's table. */
	other = r->profile == MS_PROFILE_GUIDELINES ? r->ki->detected :
						      r->profile;
	fprintf(f, "<th>%s</th><th>model</th><th>summary</th></tr>\n",
		ms_profile_name(other));
	for (int rule = 0; rule < MS_NRULES; rule++) {
		char g[32], p[32], m[32];
		int cases, skips;

		report_rule_row(r, rule, &cases, &skips, g, p, m, sizeof(g),
				&other);
		fprintf(f, "<tr><td>%s</td><td>%d</td><td>%d</td>"
			   "<td class=\"%s\">%s</td><td class=\"%s\">%s</td>"
			   "<td class=\"%s\">%s</td><td>",
			ms_rule_name((enum ms_rule)rule), cases, skips,
			verdict_class(g), g, verdict_class(p), p,
			strstr(m, "differ") ? "fail" :
			strcmp(m, "agree") == 0 ? "pass" : "skip", m);
		html_text(f, ms_rule_summary((enum ms_rule)rule));
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void html_cases(FILE *f, const struct run_report *r)
{
	fputs("<h2>Cases</h2>\n<label><input type=\"checkbox\" id=\"only\"> "
	      "only failures and broken cases</label>\n"
	      "<table id=\"cases\"><tr><th>case</th><th>rules</th>"
	      "<th>verdict</th>", f);
	for (int p = 0; p < MS_NPROFILES; p++)
		fprintf(f, "<th>%s</th>", ms_profile_name((enum ms_profile)p));
	fputs("<th>model</th></tr>\n", f);
	for (int i = 0; i < r->ncases; i++) {
		const struct case_result *c = &r->cases[i];
		enum ms_result_code code = c->primary.code;
		bool bad = code == MS_FAIL || code == MS_BROK ||
			   c->model == MODEL_DIFFER;
		const char *mcls, *mtext = model_cell(c, &mcls);

		fprintf(f, "<tr class=\"%s\"><td>", bad ? "bad" : "ok");
		if (bad)
			fprintf(f, "<a href=\"#%c%d\">",
				code == MS_FAIL || code == MS_BROK ? 'c' : 'd',
				i);
		html_text(f, c->name);
		fputs(bad ? "</a></td><td>" : "</td><td>", f);
		for (int rule = 0, first = 1; rule < MS_NRULES; rule++) {
			if (!(c->rules & (1u << rule)))
				continue;
			fprintf(f, "%s%s", first ? "" : " ",
				ms_rule_name((enum ms_rule)rule));
			first = 0;
		}
		fprintf(f, "</td><td class=\"%s\">%s</td>", code_class(code),
			ms_result_code_name(code));
		for (int p = 0; p < MS_NPROFILES; p++)
			fprintf(f, "<td class=\"%s\">%s</td>",
				code_class(c->by_profile[p]),
				ms_result_code_name(c->by_profile[p]));
		fprintf(f, "<td class=\"%s\">%s</td></tr>\n", mcls, mtext);
	}
	fputs("</table>\n", f);
}

/* A case where the model and this kernel part (--target both). */
static void model_diff(FILE *f, const struct run_report *r,
		       const struct case_result *c, int i)
{
	fprintf(f, "<section class=\"case\" id=\"d%d\"><h3><span "
		   "class=\"fail\">DIFF</span> ", i);
	html_text(f, c->name);
	fputs(" <small>(", f);
	html_text(f, c->file);
	fputs(")</small></h3>\n<pre>", f);
	if (c->model_step >= 0)
		fprintf(f, "step %d: ", c->model_step);
	fputs("kernel against model: ", f);
	html_text(f, c->model_diff ? c->model_diff : "?");
	fprintf(f, "\n(the model's own verdict under %s: %s)</pre>\n"
		   "</section>\n",
		ms_profile_name(r->profile),
		ms_result_code_name(c->model_code));
}

static void html_failures(FILE *f, const struct run_report *r)
{
	bool any = false;

	for (int i = 0; i < r->ncases; i++) {
		const struct case_result *c = &r->cases[i];
		const struct case_detail *d = c->detail;

		if (c->model == MODEL_DIFFER) {
			if (!any)
				fputs("<h2>Failures</h2>\n", f);
			any = true;
			model_diff(f, r, c, i);
		}
		if (c->primary.code != MS_FAIL && c->primary.code != MS_BROK)
			continue;
		if (!any)
			fputs("<h2>Failures</h2>\n", f);
		any = true;
		fprintf(f, "<section class=\"case\" id=\"c%d\"><h3>"
			   "<span class=\"%s\">%s</span> ",
			i, code_class(c->primary.code),
			c->primary.code == MS_FAIL ? "FAIL" : "BROK");
		html_text(f, c->name);
		fputs(" <small>(", f);
		html_text(f, c->file);
		fputs(")</small></h3>\n<pre>", f);
		html_text(f, c->primary.reason);
		fputs("</pre>\n", f);
		if (d && d->has_observed) {
			if (d->after_call)
				fputs("<p class=\"cap\">the state the scenario "
				      "expects after the failing call, and "
				      "what the target showed there:</p>\n",
				      f);
			svg_expect(f, d);
		} else if (d && d->nsnaps) {
			svg_snaps(f, d);
		}
		if (d)
			scenario_text(f, d);
		fputs("</section>\n", f);
	}
	if (!any)
		fputs("<h2>Failures</h2>\n<p>None.</p>\n", f);
}

void report_html(FILE *f, const struct run_report *r)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	      "charset=\"utf-8\">\n<meta name=\"viewport\" "
	      "content=\"width=device-width\">\n<title>sealspec: kernel ", f);
	html_text(f, r->ki->release);
	fprintf(f, ", profile %s</title>\n<style>%s</style>\n</head><body>\n",
		r->has_profile ? ms_profile_name(r->profile) : "unknown",
		style);
	fputs("<h1>sealspec report</h1>\n", f);
	html_header(f, r);
	html_rules(f, r);
	html_failures(f, r);
	html_cases(f, r);
	fputs("<p class=\"cap\">Strips: one cell per page. seal: S sealed, - "
	      "not; prot: rw r- -- (x: exec); data: a letter when every "
	      "byte is that letter, 0 zeros, * mixed, ! unreadable, ~ not "
	      "observable; . unmapped, ? unspecified. Cells outlined in red "
	      "differ from the other side.</p>\n", f);
	fprintf(f, "<script>%s</script>\n</body></html>\n", script);
}

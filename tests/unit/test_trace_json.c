// SPDX-License-Identifier: MIT
/*
 * Traces as JSON: the model's traces and hand-made ones survive the round
 * trip (ms_trace_diff finds no difference, and writing again gives the same
 * bytes); VMA and file numbers are renumbered; every malformed document is
 * refused with a message that says where; truncated and mutated documents
 * never crash the reader.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sealspec.h"

/*
 * Two memfds mapped side by side, an anonymous mapping with a PROT_NONE
 * page in the middle, a fault, a fork child:
 *
 *   a: f0 f1 (file 1)   b: f0 f1 (file 2)   c: 0 1 2
 *                                              rw -- rw
 */
static const char src[] =
	"purpose  trace JSON test\n"
	"rules    GS\n"
	"\n"
	"f = memfd(2p, \"AB\")\n"
	"g = memfd(2p, \"CD\")\n"
	"# a comment line: steps and numbers part here\n"
	"a = mmap(0, 2p, PROT_READ, MAP_SHARED, f, 0)\n"
	"b = mmap(0, 2p, PROT_READ, MAP_SHARED, g, 0)\n"
	"c = mmap(0, 3p, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)\n"
	"mseal(a, 2p, 0)                        => 0\n"
	"mprotect(a, 2p, PROT_READ|PROT_WRITE) => EPERM\n"
	"mprotect(c+1p, 1p, PROT_NONE)         => 0\n"
	"fill(c+1p, \"X\")                        => fault\n"
	"fork\n"
	"\tmunmap(a, 2p)                  => EPERM\n"
	"\texpect c prot \"rw -- rw\"\n"
	"end\n"
	"expect a data \"AB\"\n"
	"expect b data \"CD\"\n"
	"expect c prot \"rw -- rw\"\n";

static void load(struct ms_program *p)
{
	struct ms_diag d;
	int err;

	memset(p, 0, sizeof(*p));
	err = ms_parse("t.scn", src, strlen(src), p, &d);
	CHECK_INT(err, 0);
	if (err)
		printf("  %s:%d:%d: %s\n", d.loc.file, d.loc.line, d.loc.col,
		       d.msg);
}

static int step_of(const struct ms_program *p, enum ms_call call)
{
	for (int i = 0; i < p->nsteps; i++)
		if (p->steps[i].kind == MS_STEP_CALL && p->steps[i].call == call)
			return i;
	return -1;
}

/*
 * The round trip: t as JSON, read back, equal to t for ms_trace_diff, and
 * the same bytes when written again.  Returns the JSON (malloc'd).
 */
static char *round_trip(const struct ms_program *p, const struct ms_trace *t,
			const char *what)
{
	struct ms_trace back;
	struct ms_trace_diff d;
	struct ms_diag diag;
	char *json = ms_trace_to_json(p, t), *again;
	int err;

	CHECK(json != NULL, "%s: ms_trace_to_json gave NULL", what);
	if (!json)
		return NULL;
	err = ms_trace_from_json(p, json, strlen(json), &back, &diag);
	CHECK(err == 0, "%s: its own JSON is refused: %d, %s", what, err,
	      diag.msg);
	if (err) {
		printf("%s\n", json);
		return json;
	}
	CHECK(ms_trace_diff(p, t, &back, &d) == 0,
	      "%s: the trace read back differs at step %d: %s", what, d.step,
	      d.what);
	CHECK_INT(back.nout, t->nout);
	CHECK_INT(back.end, t->end);
	CHECK_INT(back.timed_out, t->timed_out);
	CHECK(back.arena == t->arena && back.arena_size == t->arena_size &&
	      back.page_size == t->page_size, "%s: arena 0x%llx+%llu/%ld "
	      "against 0x%llx+%llu/%ld", what,
	      (unsigned long long)back.arena,
	      (unsigned long long)back.arena_size, back.page_size,
	      (unsigned long long)t->arena,
	      (unsigned long long)t->arena_size, t->page_size);
	again = ms_trace_to_json(p, &back);
	CHECK(again && strcmp(again, json) == 0,
	      "%s: written again, the JSON differs:\n%s\n---\n%s", what, json,
	      again ? again : "(null)");
	free(again);
	ms_trace_free(&back);
	return json;
}

static void check_has(const char *json, const char *s, const char *what)
{
	CHECK(json && strstr(json, s) != NULL, "%s: \"%s\" not in the JSON",
	      what, s);
}

/* The model's trace: memfds, a fault, a fork child. */
static void model_trace(const struct ms_program *p, char **json_out)
{
	struct ms_model_opts o = { .profile = MS_PROFILE_LINUX,
				   .snapshots = true };
	struct ms_trace t, t2;
	struct ms_verdict v;
	char *json, *json2;

	o.features = ms_model_features(o.profile);
	ms_trace_init(&t);
	CHECK_INT(ms_model_run(p, &o, &t), 0);
	CHECK_INT(t.end, MS_END_DONE);
	ms_judge(p, &t, MS_PROFILE_LINUX, &v);
	CHECK(v.code == MS_PASS, "the test scenario: %s", v.reason);
	json = round_trip(p, &t, "model trace");
	check_has(json, "\"end\": \"done\"", "model trace");
	check_has(json, "\"kind\": \"ret\", \"ret\": \"arena+0x", "model trace");
	check_has(json, "\"ret\": -1, \"errno\": \"EPERM\"", "model trace");
	check_has(json, "\"kind\": \"fault\", \"signo\": 11, \"fault_addr\": "
			"\"arena+0x", "model trace");
	check_has(json, "\"depth\": 1, \"kind\": \"ret\", \"ret\": -1, "
			"\"errno\": \"EPERM\"", "model trace");
	check_has(json, "\"backing\": \"file\", \"pgoff\": 1, \"vma\": ",
		  "model trace");
	check_has(json, "\"file\": 1,", "model trace");
	check_has(json, "\"file\": 2,", "model trace");
	check_has(json, "\"prot\": \"---\"", "model trace");
	check_has(json, "\"name\": \"c\"", "model trace: a snapshot");
	check_has(json, "\"name\": null", "model trace: an expect step");
	/* Step 3 is the first mmap, numbered 3: the comment is no step. */
	check_has(json, "{\"step\": 3, \"number\": 3, \"line\": 7, \"depth\": 0",
		  "model trace");

	/* A second run gives the same bytes. */
	ms_trace_init(&t2);
	CHECK_INT(ms_model_run(p, &o, &t2), 0);
	json2 = ms_trace_to_json(p, &t2);
	CHECK(json && json2 && strcmp(json, json2) == 0,
	      "two runs give different JSON");
	free(json2);
	ms_trace_free(&t2);
	ms_trace_free(&t);
	*json_out = json;
}

static void page(struct ms_page *pg, bool mapped, uint32_t vma,
		 uint8_t backing, uint64_t file, char data)
{
	memset(pg, 0, sizeof(*pg));
	pg->mapped = mapped;
	pg->vma = mapped ? vma : UINT32_MAX;
	pg->backing = mapped ? backing : MS_BACK_NONE;
	pg->file = backing == MS_BACK_FILE ? file : 0;
	pg->pkey = -1;
	pg->data = mapped ? data : '.';
	if (mapped)
		pg->prot = 7;
}

/* A trace no target made: every corner a field has. */
static void hand_made(const struct ms_program *p, struct ms_trace *t)
{
	int mmap_step = step_of(p, MS_CALL_MMAP);
	int fill_step = step_of(p, MS_CALL_FILL);
	int mseal_step = step_of(p, MS_CALL_MSEAL);
	struct ms_page pg[MS_GRID_MAX];
	struct ms_outcome o;

	ms_trace_init(t);
	t->end = MS_END_BROK;
	t->timed_out = true;
	snprintf(t->reason, sizeof(t->reason),
		 "a \"quoted\" \\ reason\nline two\ttab \x01 \xff\xfe end");
	t->arena = 0x200000000000ULL;
	t->arena_size = 64ULL << 30;
	t->page_size = 4096;

	memset(&o, 0, sizeof(o));
	o.name = -1;
	o.step = mmap_step;
	o.ret = (int64_t)(t->arena + 0x5000);
	ms_trace_add(t, &o);
	o.ret = (int64_t)0xffffffffffffe000ULL;	/* not an errno: -8192 */
	ms_trace_add(t, &o);
	o.ret = 0x7f0012345000LL;		/* outside the arena */
	ms_trace_add(t, &o);
	o.ret = -ENOMEM;
	ms_trace_add(t, &o);
	o.ret = -4000;				/* no errno has a name */
	ms_trace_add(t, &o);
	o.step = mseal_step;
	o.ret = INT64_MIN;
	ms_trace_add(t, &o);
	o.ret = INT64_MAX;
	o.pid_depth = MS_FORK_DEPTH_MAX;
	ms_trace_add(t, &o);
	o.pid_depth = 0;

	memset(&o, 0, sizeof(o));
	o.step = fill_step;
	o.kind = MS_OUT_FAULT;
	o.signo = 7;
	o.fault_addr = UINT64_MAX;
	ms_trace_add(t, &o);
	o.fault_addr = t->arena + t->arena_size - 1;
	ms_trace_add(t, &o);

	memset(&o, 0, sizeof(o));
	o.step = fill_step;
	o.kind = MS_OUT_SKIP;
	o.name = -1;
	ms_trace_add(t, &o);

	memset(&o, 0, sizeof(o));
	memset(pg, 0, sizeof(pg));
	o.pages = pg;
	o.step = mseal_step;
	o.kind = MS_OUT_PAGES;
	o.name = 2;			/* a */
	o.addr = t->arena;
	o.npages = 6;
	page(&o.pages[0], true, 77, MS_BACK_FILE, UINT64_MAX, 'A');
	o.pages[0].pgoff = UINT64_MAX;
	o.pages[0].lock = MS_LOCK_LOCKED | MS_LOCK_ONFAULT;
	o.pages[0].inherit = MS_INHERIT_DONTFORK | MS_INHERIT_WIPEONFORK;
	o.pages[0].sealed = true;
	o.pages[0].shared = true;
	o.pages[0].pkey = 15;
	page(&o.pages[1], true, 77, MS_BACK_FILE, 12, '~');
	o.pages[1].guard = true;
	page(&o.pages[2], false, 0, 0, 0, 0);
	page(&o.pages[3], true, 3, MS_BACK_ANON, 0, '*');
	o.pages[3].prot = 0;
	page(&o.pages[4], true, 4, MS_BACK_SPECIAL, 0, '!');
	page(&o.pages[5], true, 4, MS_BACK_FILE, UINT64_MAX, '?');
	ms_trace_add(t, &o);
	o.name = -1;
	o.addr = 0x1000;
	o.npages = 0;
	ms_trace_add(t, &o);
	o.npages = MS_GRID_MAX;
	o.addr = t->arena + 0x40000;
	for (int i = 0; i < MS_GRID_MAX; i++)
		page(&o.pages[i], i % 3 != 0, 1000u - (uint32_t)i / 5,
		     i % 2 ? MS_BACK_ANON : MS_BACK_FILE, (uint64_t)i / 7,
		     "AZaz0*!.?~"[i % 10]);
	ms_trace_add(t, &o);
}

static void hand_made_trip(const struct ms_program *p, char **json_out)
{
	struct ms_trace t, back;
	struct ms_diag diag;
	char *json;

	hand_made(p, &t);
	json = round_trip(p, &t, "hand-made trace");
	check_has(json, "\"end\": \"brok\", \"timed_out\": true", "hand-made");
	check_has(json, "\"reason\": \"a \\\"quoted\\\" \\\\ reason\\nline two"
			"\\ttab \\u0001 ?? end\"", "hand-made");
	check_has(json, "\"ret\": \"arena+0x5000\"", "hand-made");
	check_has(json, "\"ret\": \"0xffffffffffffe000\"", "hand-made");
	check_has(json, "\"ret\": \"0x7f0012345000\"", "hand-made");
	check_has(json, "\"ret\": -12, \"errno\": \"ENOMEM\"}", "hand-made");
	check_has(json, "\"ret\": -4000}", "hand-made");
	check_has(json, "\"ret\": -9223372036854775808}", "hand-made");
	check_has(json, "\"depth\": 8, \"kind\": \"ret\", \"ret\": "
			"9223372036854775807}", "hand-made");
	check_has(json, "\"signo\": 7, \"fault_addr\": \"0xffffffffffffffff\"",
		  "hand-made");
	check_has(json, "\"fault_addr\": \"arena+0xfffffffff\"", "hand-made");
	check_has(json, "\"kind\": \"skip\"}", "hand-made");
	check_has(json, "\"name\": \"a\", \"addr\": \"arena+0x0\", "
			"\"npages\": 6", "hand-made");
	check_has(json, "{\"mapped\": true, \"prot\": \"rwx\", \"shared\": "
			"true, \"backing\": \"file\", \"pgoff\": "
			"18446744073709551615, \"vma\": 1, \"file\": 1, "
			"\"sealed\": true, \"lock\": \"LF\", \"inherit\": "
			"\"DW\", \"guard\": false, \"pkey\": 15, \"data\": "
			"\"A\"}", "hand-made: every field of a page");
	check_has(json, "\"vma\": 1, \"file\": 2, ", "hand-made");
	check_has(json, "{\"mapped\": false, \"prot\": \"---\", \"shared\": "
			"false, \"backing\": \"none\", \"pgoff\": 0, \"vma\": "
			"null, \"file\": null, \"sealed\": false, \"lock\": "
			"\"--\", \"inherit\": \"--\", \"guard\": false, "
			"\"pkey\": -1, \"data\": \".\"}", "hand-made: unmapped");
	check_has(json, "\"vma\": 3, \"file\": 1,", "hand-made: file again");
	check_has(json, "\"addr\": \"0x1000\", \"npages\": 0, \"pages\": []",
		  "hand-made");

	/* What is kept exactly, not only as ms_trace_diff sees it. */
	if (json && ms_trace_from_json(p, json, strlen(json), &back, &diag) ==
			    0) {
		CHECK_INT(back.out[1].ret, (int64_t)0xffffffffffffe000ULL);
		CHECK_INT(back.out[5].ret, INT64_MIN);
		CHECK(back.out[7].fault_addr == UINT64_MAX, "fault_addr %llx",
		      (unsigned long long)back.out[7].fault_addr);
		CHECK(back.out[10].pages[0].pgoff == UINT64_MAX, "pgoff %llx",
		      (unsigned long long)back.out[10].pages[0].pgoff);
		CHECK_INT(back.out[10].pages[0].vma, 1);
		CHECK_INT(back.out[10].pages[2].vma, UINT32_MAX);
		CHECK_INT(back.out[10].pages[0].lock, 3);
		CHECK_INT(back.out[10].pages[0].inherit, 3);
		CHECK_INT(back.out[10].pages[1].data, '~');
		CHECK_INT(back.out[10].name, 2);
		CHECK_STR(back.reason, "a \"quoted\" \\ reason\nline two\ttab "
				       "\x01 ?? end");
		ms_trace_free(&back);
	}
	/* Without an arena every address is absolute. */
	t.arena_size = 0;
	free(round_trip(p, &t, "hand-made trace without an arena"));
	ms_trace_free(&t);
	*json_out = json;
}

/* Renaming VMAs and files one to one changes no byte. */
static void renumbering(const struct ms_program *p)
{
	struct ms_trace a, b;
	char *ja, *jb;

	hand_made(p, &a);
	hand_made(p, &b);
	for (int i = 0; i < b.nout; i++) {
		for (int k = 0; k < b.out[i].npages; k++) {
			struct ms_page *pg = &b.out[i].pages[k];

			if (!pg->mapped)
				continue;
			pg->vma = pg->vma * 3 + 100;
			pg->file = ~pg->file;
		}
	}
	ja = ms_trace_to_json(p, &a);
	jb = ms_trace_to_json(p, &b);
	CHECK(ja && jb && strcmp(ja, jb) == 0,
	      "renamed VMAs and files give other bytes");
	free(ja);
	free(jb);
	ms_trace_free(&a);
	ms_trace_free(&b);
}

/*
 * Every variant of every catalog scenario (cases/, from the top of the
 * tree) on the model: the round trip holds for what the catalog does.
 */
static void catalog_trip(void)
{
	static char text[1 << 20];
	struct ms_model_opts o = { .profile = MS_PROFILE_LINUX,
				   .snapshots = true };
	DIR *dir = opendir("cases");
	struct dirent *e;
	int n = 0, bad = 0;

	CHECK(dir != NULL, "cases/ not found: run from the top of the tree");
	if (!dir)
		return;
	o.features = ms_model_features(o.profile);
	while ((e = readdir(dir))) {
		struct ms_program t;
		struct ms_diag d;
		char path[300];
		size_t len;
		FILE *f;

		if (!strstr(e->d_name, ".scn"))
			continue;
		snprintf(path, sizeof(path), "cases/%s", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		len = fread(text, 1, sizeof(text), f);
		fclose(f);
		memset(&t, 0, sizeof(t));
		if (ms_parse(path, text, len, &t, &d) != 0) {
			CHECK(0, "%s:%d:%d: %s", path, d.loc.line, d.loc.col,
			      d.msg);
			continue;
		}
		for (int row = 0; row < ms_variant_count(&t); row++) {
			struct ms_program p;
			struct ms_trace tr, back;
			struct ms_trace_diff df;
			char *json, *again = NULL;

			memset(&p, 0, sizeof(p));
			if (ms_instantiate(&t, row, &p, &d) != 0)
				continue;
			ms_trace_init(&tr);
			ms_model_run(&p, &o, &tr);
			json = ms_trace_to_json(&p, &tr);
			if (!json || ms_trace_from_json(&p, json, strlen(json),
							&back, &d) != 0) {
				printf("not ok: %s: %s\n", p.name,
				       json ? d.msg : "out of memory");
				bad++;
			} else {
				again = ms_trace_to_json(&p, &back);
				if (ms_trace_diff(&p, &tr, &back, &df) ||
				    !again || strcmp(again, json) != 0) {
					printf("not ok: %s: the round trip "
					       "changes it\n", p.name);
					bad++;
				}
				ms_trace_free(&back);
			}
			n++;
			free(again);
			free(json);
			ms_trace_free(&tr);
			ms_program_free(&p);
		}
		ms_program_free(&t);
	}
	closedir(dir);
	CHECK(n > 100 && bad == 0, "the catalog on the model: %d of %d "
	      "cases do not survive the round trip", bad, n);
}

/* base with the first `from` replaced by `to`, malloc'd. */
static char *replace(const char *base, const char *from, const char *to)
{
	const char *at = strstr(base, from);
	size_t n = strlen(base) - strlen(from) + strlen(to);
	char *s;

	CHECK(at != NULL, "\"%s\" not in the document", from);
	if (!at)
		return NULL;
	s = malloc(n + 1);
	if (!s)
		return NULL;
	memcpy(s, base, (size_t)(at - base));
	strcpy(s + (at - base), to);
	strcat(s, at + strlen(from));
	return s;
}

static void refused(const struct ms_program *p, const char *doc, size_t len,
		    const char *want, const char *what)
{
	struct ms_trace t;
	struct ms_diag diag;
	int err;

	memset(&diag, 0, sizeof(diag));
	err = ms_trace_from_json(p, doc, len, &t, &diag);
	CHECK(err == -EINVAL, "%s: expected -EINVAL, got %d", what, err);
	CHECK(t.nout == 0 && t.out == NULL, "%s: the trace is not empty",
	      what);
	CHECK(strncmp(diag.msg, "byte ", 5) == 0 && diag.loc.line > 0 &&
	      diag.loc.col > 0, "%s: the message says not where: \"%s\" "
	      "(%d:%d)", what, diag.msg, diag.loc.line, diag.loc.col);
	CHECK(strstr(diag.msg, want) != NULL,
	      "%s: expected a message with \"%s\", got \"%s\"", what, want,
	      diag.msg);
	ms_trace_free(&t);
}

/* A document that differs from base in one place must be refused. */
static void refused_edit(const struct ms_program *p, const char *base,
			 const char *from, const char *to, const char *want)
{
	char *doc = replace(base, from, to), what[200];

	snprintf(what, sizeof(what), "'%.60s' -> '%.60s'", from, to);
	if (doc)
		refused(p, doc, strlen(doc), want, what);
	free(doc);
}

static void malformed(const struct ms_program *p, const char *model,
		      const char *hand)
{
	char deep[200], reason[300];
	size_t n;

	/* Not JSON. */
	refused(p, "", 0, "the input ends where a value should be", "empty");
	refused(p, "   \n ", 5, "the input ends", "white space");
	refused(p, model, strlen(model) - 1, "expected ',' or '}'",
		"the last byte cut");
	refused(p, model, strlen(model) / 2, "", "half of it");
	refused(p, "{\"end\": \"do", 11, "the string never ends", "in a string");
	refused(p, "{\"end\"", 6, "expected ':'", "after a key");
	refused(p, "{\"end\": tru", 11, "unexpected 't'", "a cut literal");
	refused(p, "{} {}", 5, "trailing characters", "two documents");
	refused(p, "{}x", 3, "trailing characters", "trailing garbage");
	refused(p, "{\"a\" : 1, \"a\": 2}", 17, "the key \"a\" occurs twice",
		"a duplicate key");
	refused(p, "{'end': 1}", 10, "expected a key", "single quotes");
	refused(p, "{\"end\": 1,}", 11, "expected a key", "a trailing comma");
	refused(p, "[1, 2,]", 7, "unexpected ']'", "a trailing comma");
	refused(p, "{\"x\": NaN}", 10, "unexpected 'N'", "NaN");
	refused(p, "/* c */ {}", 10, "unexpected '/'", "a comment");
	refused(p, "{\"x\": 01}", 9, "leading zero", "a leading zero");
	refused(p, "{\"x\": 1.}", 9, "decimal point", "1.");
	refused(p, "{\"x\": 1e}", 9, "exponent", "1e");
	refused(p, "{\"x\": -}", 8, "needs a digit", "a lone minus");
	refused(p, "{\"x\": \"\\x41\"}", 13, "unknown escape \\x", "\\x");
	refused(p, "{\"x\": \"\\u12\"}", 13, "four hex digits", "short \\u");
	refused(p, "{\"x\": \"\\u0000\"}", 15, "NUL", "\\u0000");
	refused(p, "{\"x\": \"\\ud800\"}", 15, "high surrogate", "lone high");
	refused(p, "{\"x\": \"\\ud800\\u0041\"}", 21, "high surrogate",
		"a high surrogate and no low one");
	refused(p, "{\"x\": \"\\udc00\"}", 15, "low surrogate", "lone low");
	refused(p, "{\"x\": \"a\tb\"}", 12, "control character (0x09)",
		"a raw tab");
	refused(p, "{\"x\": \"\xc3\x28\"}", 11, "invalid UTF-8", "bad UTF-8");
	refused(p, "{\"x\": \"\xed\xa0\x80\"}", 12, "invalid UTF-8",
		"a surrogate in UTF-8");
	refused(p, "{\"x\": \"\xc0\xaf\"}", 11, "invalid UTF-8", "an overlong");
	refused(p, "{\"x\": 1}\0", 9, "trailing characters", "a NUL after");
	n = 0;
	for (int i = 0; i < 40; i++)
		deep[n++] = '[';
	refused(p, deep, n, "nesting deeper than 16", "deep nesting");
	refused(p, "[]", 2, "the trace: expected an object, got an array",
		"an array");

	/* JSON, but not a trace of p. */
	refused_edit(p, model, "\"end\": \"done\"", "\"end\": 1",
		     "end: expected a string, got a number");
	refused_edit(p, model, "\"end\": \"done\"", "\"end\": \"DONE\"",
		     "end: expected \"done\", \"skip\" or \"brok\"");
	refused_edit(p, model, "\"end\": \"done\", ", "",
		     "the trace: the field \"end\" is missing");
	refused_edit(p, model, "\"end\": \"done\"", "\"end\": \"done\", "
		     "\"extra\": 1", "the trace: unexpected field \"extra\"");
	refused_edit(p, model, "\"timed_out\": false", "\"timed_out\": 0",
		     "timed_out: expected true or false, got a number");
	refused_edit(p, model, "\"page_size\": 4096",
		     "\"page_size\": 99999999999999999999999",
		     "page_size: 99999999999999999999999 is out of range (0 to "
		     "1073741824)");
	refused_edit(p, model, "\"page_size\": 4096",
		     "\"page_size\": 1234567890123456789012345678901234567890",
		     "page_size: 123456789012345678901234... is out of range");
	refused_edit(p, model, "\"page_size\": 4096", "\"page_size\": 4096.0",
		     "page_size: expected an integer, got 4096.0");
	refused_edit(p, model, "\"page_size\": 4096", "\"page_size\": 4e3",
		     "expected an integer");
	refused_edit(p, model, "\"page_size\": 4096", "\"page_size\": 4095",
		     "not a power of two");
	refused_edit(p, model, "\"page_size\": 4096", "\"page_size\": -4096",
		     "out of range");
	refused_edit(p, model, "\"arena\": \"0x200000000000\"",
		     "\"arena\": 35184372088832", "arena: expected a string");
	refused_edit(p, model, "\"arena\": \"0x200000000000\"",
		     "\"arena\": \"0x0200000000000\"", "arena: expected \"0x...\"");
	refused_edit(p, model, "\"arena\": \"0x200000000000\"",
		     "\"arena\": \"0X200000000000\"", "arena: expected \"0x...\"");
	refused_edit(p, model, "\"arena\": \"0x200000000000\"",
		     "\"arena\": \"0xffffffffffffffff\"", "arena_size: ");
	/* 254 bytes and a two-byte character: one byte too many. */
	strcpy(reason, "\"reason\": \"");
	n = strlen(reason);
	memset(reason + n, 'x', 254);
	strcpy(reason + n + 254, "\\u00e9\"");
	refused_edit(p, model, "\"reason\": \"\"", reason,
		     "reason: 256 bytes, longer than 255");
	refused(p, "{\"end\": \"done\", \"timed_out\": false, \"reason\": \"\", "
		"\"arena\": \"0x1000\", \"arena_size\": 0, \"page_size\": 0, "
		"\"outcomes\": {}}", 117,
		"outcomes: expected an array, got an object", "outcomes {}");
	refused_edit(p, model, "{\"step\": 3, ", "{\"step\": 60, ",
		     "outcomes[2].step: 60 is out of range (0 to 16)");
	refused_edit(p, model, "{\"step\": 3, ", "{\"step\": 2, ",
		     "outcomes[2].step: step 2 is a comment line");
	refused_edit(p, model, "\"number\": 3, ", "\"number\": 4, ",
		     "outcomes[2].number: step 3 is number 3 in this program, "
		     "not 4");
	refused_edit(p, model, "\"line\": 7, ", "\"line\": 8, ",
		     "outcomes[2].line: step 3 is on line 7 of the program, "
		     "not 8");
	refused_edit(p, model, "\"depth\": 1", "\"depth\": 9",
		     "depth: 9 is out of range (0 to 8)");
	refused_edit(p, model, "\"kind\": \"ret\"", "\"kind\": \"return\"",
		     "outcomes[0].kind: expected \"ret\", \"fault\"");
	refused_edit(p, model, "\"kind\": \"ret\"", "\"kind\": \"skip\"",
		     "outcomes[0]: a \"skip\" outcome has no field \"ret\"");
	refused_edit(p, model, "\"kind\": \"ret\"", "\"kind\": \"pages\"",
		     "has no field \"ret\"");
	refused_edit(p, model, "\"ret\": \"arena+0x0\"",
		     "\"ret\": \"arena+0x0\", \"signo\": 11",
		     "a \"ret\" outcome has no field \"signo\"");
	refused_edit(p, model, ", \"ret\": \"arena+0x0\"", "",
		     "outcomes[2]: the field \"ret\" is missing");
	refused_edit(p, model, "\"ret\": \"arena+0x0\"", "\"ret\": 0",
		     "outcomes[2].ret: step 3 returns an address");
	refused_edit(p, model, "\"ret\": \"arena+0x0\"", "\"ret\": \"arena+0x00\"",
		     "outcomes[2].ret: expected an address");
	refused_edit(p, model, "\"ret\": \"arena+0x0\"", "\"ret\": \"arena+0xA\"",
		     "expected an address");
	refused_edit(p, model, "\"ret\": \"arena+0x0\"",
		     "\"ret\": \"arena+0x1000000000\"",
		     "lies past the end of the arena");
	refused_edit(p, model, "\"ret\": \"arena+0x0\"",
		     "\"ret\": \"0x200000001000\"",
		     "0x200000001000 lies in the arena: write it as "
		     "\"arena+0x1000\"");
	refused_edit(p, model, "\"ret\": \"arena+0x0\"",
		     "\"ret\": \"0xfffffffffffffff2\"",
		     "an error is written as a number (-14)");
	refused_edit(p, model, "\"ret\": \"arena+0x0\"",
		     "\"ret\": \"0x10000000000000000\"", "expected an address");
	refused_edit(p, model, "\"ret\": 3}", "\"ret\": \"0x3\"}",
		     "step 1 does not return an address");
	refused_edit(p, model, "\"ret\": 3}", "\"ret\": 9223372036854775808}",
		     "out of range");
	refused_edit(p, model, "\"ret\": 3}", "\"ret\": -9223372036854775809}",
		     "out of range");
	refused_edit(p, model, "\"ret\": 3}", "\"ret\": 3, \"errno\": \"EBADF\"}",
		     "errno: ret 3 is no errno");
	refused_edit(p, model, "\"errno\": \"EPERM\"", "\"errno\": \"EACCES\"",
		     "errno: \"EACCES\" is not ret -1, which is EPERM");
	refused_edit(p, model, ", \"errno\": \"EPERM\"", "",
		     "the field \"errno\" is missing: ret -1 is EPERM");
	refused_edit(p, model, "\"signo\": 11", "\"signo\": 0",
		     "signo: 0 is out of range (1 to 64)");
	refused_edit(p, model, "\"signo\": 11", "\"signo\": \"SIGSEGV\"",
		     "signo: expected an integer, got a string");
	refused_edit(p, model, "\"fault_addr\": \"arena+0x", "\"fault_addr\": "
		     "\"arena+0xg", "fault_addr: expected an address");
	refused_edit(p, model, "\"name\": \"c\"", "\"name\": \"zz\"",
		     "name: \"zz\" is no name of this program");
	refused_edit(p, model, "\"name\": \"c\"", "\"name\": 2",
		     "name: expected a string, got a number");
	refused_edit(p, model, "\"npages\": 3", "\"npages\": 4",
		     "3 pages where npages says 4");
	refused_edit(p, model, "\"npages\": 3", "\"npages\": 65",
		     "npages: 65 is out of range (0 to 64)");
	refused_edit(p, model, "{\"mapped\": true, ", "{",
		     "pages[0]: the field \"mapped\" is missing");
	refused_edit(p, model, "{\"mapped\": true, ", "{\"mapped\": true, "
		     "\"color\": \"red\", ", "pages[0]: unexpected field \"color\"");
	refused_edit(p, model, "\"prot\": \"r--\"", "\"prot\": \"R--\"",
		     "prot: expected 3 characters, each '-' or the letter");
	refused_edit(p, model, "\"prot\": \"r--\"", "\"prot\": \"r-\"",
		     "prot: expected 3 characters");
	refused_edit(p, model, "\"prot\": \"r--\"", "\"prot\": 1",
		     "prot: expected a string, got a number");
	refused_edit(p, model, "\"backing\": \"file\"", "\"backing\": \"memfd\"",
		     "backing: expected \"none\", \"anon\", \"file\"");
	refused_edit(p, model, "\"pgoff\": 0", "\"pgoff\": -1",
		     "pgoff: -1 is out of range (0 to 18446744073709551615)");
	refused_edit(p, model, "\"pgoff\": 0", "\"pgoff\": 18446744073709551616",
		     "out of range");
	refused_edit(p, model, "\"vma\": 1", "\"vma\": null",
		     "vma: a mapped page is in a VMA");
	refused_edit(p, model, "\"vma\": 1", "\"vma\": 4294967295",
		     "out of range (0 to 4294967294)");
	refused_edit(p, model, "\"file\": 1", "\"file\": null",
		     "file: a mapped file page is of a file");
	refused_edit(p, hand, "\"vma\": null", "\"vma\": 1",
		     "vma: a page that is not mapped is in no VMA");
	refused_edit(p, hand, "\"file\": null, \"sealed\": false, \"lock\": "
		     "\"--\", \"inherit\": \"--\", \"guard\": false, \"pkey\": -1,"
		     " \"data\": \".\"", "\"file\": 3, \"sealed\": false, \"lock\": "
		     "\"--\", \"inherit\": \"--\", \"guard\": false, \"pkey\": -1,"
		     " \"data\": \".\"", "file: only a mapped file page has a file");
	refused_edit(p, model, "\"lock\": \"--\"", "\"lock\": \"FL\"",
		     "lock: expected 2 characters");
	refused_edit(p, model, "\"inherit\": \"--\"", "\"inherit\": \"W-\"",
		     "inherit: expected 2 characters");
	refused_edit(p, model, "\"sealed\": true", "\"sealed\": \"true\"",
		     "sealed: expected true or false, got a string");
	refused_edit(p, hand, "\"pkey\": -1", "\"pkey\": -2",
		     "pkey: -2 is out of range (-1 to 127)");
	refused_edit(p, model, "\"data\": \"A\"", "\"data\": \"AA\"",
		     "data: expected one contents token");
	refused_edit(p, model, "\"data\": \"A\"", "\"data\": \"#\"",
		     "data: expected one contents token");
	refused_edit(p, model, "\"data\": \"A\"", "\"data\": \"\\u00e9\"",
		     "data: expected one contents token");
	refused_edit(p, model, "\"guard\": false", "\"guard\": null",
		     "guard: expected true or false, got null");
}

/*
 * Cut short anywhere, or with any one byte changed, a document is refused
 * or read as some trace; the reader never crashes (make test runs this
 * under ASan and UBSan too).  What it accepts it must write back and read
 * again.
 */
static void mutations(const struct ms_program *p, const char *doc,
		      size_t positions, const char *what)
{
	static const unsigned char bytes[] = {
		0x00, ' ', '"', '\\', '{', '}', '[', ']', ',', ':', '-', '0',
		'9', 'e', '.', 'n', 'u', 'x', 0x7f, 0x80, 0xc3, 0xff,
	};
	size_t n = strlen(doc), stride = n / positions ? n / positions : 1;
	char *m = malloc(n + 1);
	int accepted = 0, refusedn = 0, bad = 0;

	CHECK(m != NULL, "out of memory");
	if (!m)
		return;
	for (size_t len = 0; len < n; len += stride) {
		struct ms_trace t;
		struct ms_diag d;

		/* A strict prefix of an object is never one. */
		memcpy(m, doc, len);
		if (ms_trace_from_json(p, m, len, &t, &d) != -EINVAL ||
		    d.msg[0] == '\0')
			bad++;
		ms_trace_free(&t);
	}
	CHECK(bad == 0, "%s: %d truncations not refused with a message", what,
	      bad);
	bad = 0;
	for (size_t i = 0; i < n; i += stride) {
		for (size_t b = 0; b < sizeof(bytes); b++) {
			struct ms_trace t, t2;
			struct ms_diag d;
			char *again;
			int err;

			if ((unsigned char)doc[i] == bytes[b])
				continue;
			memcpy(m, doc, n);
			m[i] = (char)bytes[b];
			err = ms_trace_from_json(p, m, n, &t, &d);
			if (err) {
				refusedn++;
				bad += err != -EINVAL || d.msg[0] == '\0';
				continue;
			}
			accepted++;
			again = ms_trace_to_json(p, &t);
			if (!again ||
			    ms_trace_from_json(p, again, strlen(again), &t2,
					       &d) != 0) {
				bad++;
			} else {
				struct ms_trace_diff df;

				bad += ms_trace_diff(p, &t, &t2, &df) != 0;
				ms_trace_free(&t2);
			}
			free(again);
			ms_trace_free(&t);
		}
	}
	CHECK(bad == 0, "%s: %d mutations misread", what, bad);
	CHECK(refusedn > 0 && accepted > 0,
	      "%s: %d mutations refused, %d accepted", what, refusedn,
	      accepted);
	free(m);
}

int main(void)
{
	struct ms_program p;
	struct ms_trace small;
	char *model = NULL, *hand = NULL, *small_json;

	load(&p);
	model_trace(&p, &model);
	hand_made_trip(&p, &hand);
	renumbering(&p);
	catalog_trip();
	if (model && hand) {
		malformed(&p, model, hand);
		/* Every byte of a small document, some of a larger one. */
		hand_made(&p, &small);
		small.nout -= 1;	/* without the 64 pages */
		small_json = ms_trace_to_json(&p, &small);
		CHECK(small_json != NULL, "out of memory");
		if (small_json)
			mutations(&p, small_json, SIZE_MAX, "hand-made");
		free(small_json);
		ms_trace_free(&small);
		mutations(&p, model, 400, "model");
	}
	free(model);
	free(hand);
	ms_program_free(&p);
	return check_report();
}

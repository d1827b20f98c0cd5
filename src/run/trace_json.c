// SPDX-License-Identifier: MIT
/*
 * Traces as JSON (docs/json.md, "The steps object"): one object per trace,
 * written so that two runs of a program on one target give the same bytes,
 * and read back strictly, since a trace file is untrusted input.
 *
 * Writing keeps what ms_trace_diff compares and nothing a run chose on its
 * own: addresses inside the arena are "arena+0x..." (others "0x...", never
 * a JSON number: a 64-bit address must not go through a double), VMA and
 * file numbers are renumbered 1, 2, ... in the order they first appear in
 * the trace (a one-to-one renaming, so the partitions and the file mapping
 * that ms_trace_diff compares are unchanged), and text that is not UTF-8
 * is written with '?' for each bad byte (so a string keeps its length).
 *
 * Reading is in two passes.  A small RFC 8259 reader builds a tree of the
 * document and refuses anything that is not strict JSON: trailing bytes,
 * a key twice in an object, nesting deeper than JSON_DEPTH_MAX, raw control
 * characters, invalid UTF-8, lone surrogates, \u0000.  The tree is then
 * turned into a trace field by field: every field present exactly when its
 * outcome kind has it, every integer parsed from its digits (no double) and
 * checked against its range, addresses in the canonical form the writer
 * uses, steps checked against the program.  The first error is reported as
 * "byte N (line L, column C): where: what".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/run.h"

/* Limits of the reader; a trace needs depth 5 and 13 fields. */
#define JSON_DEPTH_MAX 16
#define JSON_MEMBERS_MAX 64
#define JSON_SIZE_MAX ((size_t)256 << 20)

/* A result in [-4095, -1] is an errno, as the judge reads it. */
static bool is_errno_ret(int64_t ret)
{
	return ret < 0 && ret >= -4095;
}

/* Does step s return an address (written as one, not as a number)? */
static bool step_returns_addr(const struct ms_step *s)
{
	return s->kind == MS_STEP_CALL && (unsigned)s->call < MS_NCALLS &&
	       ms_call_desc[s->call].ret == MS_RET_ADDR;
}

/* ms_step_number for every step at once, malloc'd; NULL without steps. */
static int *step_numbers(const struct ms_program *p, bool *oom)
{
	int *num, n = 0;

	*oom = false;
	if (p->nsteps <= 0)
		return NULL;
	num = malloc(sizeof(*num) * (size_t)p->nsteps);
	if (!num) {
		*oom = true;
		return NULL;
	}
	for (int i = 0; i < p->nsteps; i++) {
		n += p->steps[i].kind != MS_STEP_NOTE;
		num[i] = n;
	}
	return num;
}

static const char *const end_word[] = {
	[MS_END_DONE] = "done", [MS_END_SKIP] = "skip", [MS_END_BROK] = "brok",
};
static const char *const kind_word[] = {
	[MS_OUT_RET] = "ret", [MS_OUT_FAULT] = "fault",
	[MS_OUT_PAGES] = "pages", [MS_OUT_SKIP] = "skip",
};
static const char *const backing_word[] = {
	[MS_BACK_NONE] = "none", [MS_BACK_ANON] = "anon",
	[MS_BACK_FILE] = "file", [MS_BACK_SPECIAL] = "special",
};
/* Contents tokens a page can have (struct ms_page, data). */
static const char data_tokens[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0*!.?~";

/* ------------------------------------------------------------------ */
/* Writing                                                             */

struct sb {
	char *s;
	size_t n, cap;
	bool oom;
};

static bool sb_room(struct sb *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 1024;
	char *s;

	if (b->oom)
		return false;
	if (b->n + more + 1 <= b->cap)
		return true;
	while (cap < b->n + more + 1)
		cap *= 2;
	s = realloc(b->s, cap);
	if (!s) {
		b->oom = true;
		return false;
	}
	b->s = s;
	b->cap = cap;
	return true;
}

static void sb_add(struct sb *b, const char *s, size_t n)
{
	if (!sb_room(b, n))
		return;
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void sb_puts(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_printf(struct sb *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_printf(struct sb *b, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* Every caller's output is short: numbers and fixed words. */
	if (w >= 0 && (size_t)w < sizeof(buf))
		sb_add(b, buf, (size_t)w);
	else
		b->oom = true;
}


/* s[0..n) as a JSON string; each byte that is not UTF-8 becomes '?'. */
static void sb_str(struct sb *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	sb_add(b, "\"", 1);
	while (n) {
		int len = ms__utf8_len(p, n);

		if (len == 0) {
			sb_add(b, "?", 1);
			len = 1;
		} else if (*p == '"' || *p == '\\') {
			sb_printf(b, "\\%c", *p);
		} else if (*p == '\n') {
			sb_add(b, "\\n", 2);
		} else if (*p == '\t') {
			sb_add(b, "\\t", 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			sb_printf(b, "\\u%04x", *p);
		} else {
			sb_add(b, (const char *)p, (size_t)len);
		}
		p += len;
		n -= (size_t)len;
	}
	sb_add(b, "\"", 1);
}

/* "arena+0x2000" inside the arena, "0x7f..." elsewhere. */
static void sb_addr(struct sb *b, const struct ms_trace *t, uint64_t a)
{
	if (t->arena_size && a >= t->arena && a - t->arena < t->arena_size)
		sb_printf(b, "\"arena+0x%" PRIx64 "\"", a - t->arena);
	else
		sb_printf(b, "\"0x%" PRIx64 "\"", a);
}

/* Numbers in order of first appearance: x's number, from 1. */
struct renum {
	uint64_t *v;
	size_t n, cap;
};

static uint64_t renumber(struct renum *r, uint64_t x, bool *oom)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i] == x)
			return i + 1;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		uint64_t *v = realloc(r->v, sizeof(*v) * cap);

		if (!v) {
			*oom = true;
			return 0;
		}
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = x;
	return r->n;
}

struct writer {
	const struct ms_program *p;
	const struct ms_trace *t;
	struct sb b;
	struct renum vmas, files;
};

static void put_page(struct writer *w, const struct ms_page *pg)
{
	struct sb *b = &w->b;
	const char *bw = pg->backing < 4 ? backing_word[pg->backing] : "none";

	sb_printf(b, "{\"mapped\": %s, \"prot\": \"%c%c%c\", \"shared\": %s, "
		     "\"backing\": \"%s\", \"pgoff\": %" PRIu64 ", \"vma\": ",
		  pg->mapped ? "true" : "false",
		  pg->prot & 1 ? 'r' : '-', pg->prot & 2 ? 'w' : '-',
		  pg->prot & 4 ? 'x' : '-', pg->shared ? "true" : "false", bw,
		  pg->pgoff);
	if (pg->mapped)
		sb_printf(b, "%" PRIu64, renumber(&w->vmas, pg->vma, &b->oom));
	else
		sb_puts(b, "null");
	sb_puts(b, ", \"file\": ");
	if (pg->mapped && pg->backing == MS_BACK_FILE)
		sb_printf(b, "%" PRIu64,
			  renumber(&w->files, pg->file, &b->oom));
	else
		sb_puts(b, "null");
	sb_printf(b, ", \"sealed\": %s, \"lock\": \"%c%c\", \"inherit\": "
		     "\"%c%c\", \"guard\": %s, \"pkey\": %d, \"data\": ",
		  pg->sealed ? "true" : "false",
		  pg->lock & MS_LOCK_LOCKED ? 'L' : '-',
		  pg->lock & MS_LOCK_ONFAULT ? 'F' : '-',
		  pg->inherit & MS_INHERIT_DONTFORK ? 'D' : '-',
		  pg->inherit & MS_INHERIT_WIPEONFORK ? 'W' : '-',
		  pg->guard ? "true" : "false", pg->pkey);
	sb_str(b, &pg->data, 1);
	sb_puts(b, "}");
}

static void put_outcome(struct writer *w, const struct ms_outcome *o,
			int number)
{
	const struct ms_step *s = &w->p->steps[o->step];
	struct sb *b = &w->b;
	const char *e;
	int n;

	sb_printf(b, "{\"step\": %d, \"number\": %d, \"line\": %d, "
		     "\"depth\": %d, \"kind\": \"%s\"",
		  o->step, number, s->loc.line, o->pid_depth,
		  (unsigned)o->kind < 4 ? kind_word[o->kind] : "ret");
	switch (o->kind) {
	case MS_OUT_FAULT:
		sb_printf(b, ", \"signo\": %d, \"fault_addr\": ", o->signo);
		sb_addr(b, w->t, o->fault_addr);
		break;
	case MS_OUT_PAGES:
		sb_puts(b, ", \"name\": ");
		if (o->name >= 0 && o->name < w->p->nnames)
			sb_str(b, w->p->names[o->name].name,
			       strnlen(w->p->names[o->name].name,
				       MS_NAME_MAX));
		else
			sb_puts(b, "null");
		sb_puts(b, ", \"addr\": ");
		sb_addr(b, w->t, o->addr);
		n = o->npages < 0 ? 0 :
		    o->npages > MS_GRID_MAX ? MS_GRID_MAX : o->npages;
		sb_printf(b, ", \"npages\": %d, \"pages\": [", n);
		for (int i = 0; i < n; i++) {
			sb_puts(b, i ? ",\n    " : "\n    ");
			put_page(w, &o->pages[i]);
		}
		sb_puts(b, "]");
		break;
	case MS_OUT_SKIP:
		break;
	case MS_OUT_RET:
	default:
		sb_puts(b, ", \"ret\": ");
		if (step_returns_addr(s) && !is_errno_ret(o->ret))
			sb_addr(b, w->t, (uint64_t)o->ret);
		else
			sb_printf(b, "%" PRId64, o->ret);
		e = is_errno_ret(o->ret) ? ms_errno_name((int)-o->ret) : NULL;
		if (e)
			sb_printf(b, ", \"errno\": \"%s\"", e);
		break;
	}
	sb_puts(b, "}");
}

char *ms_trace_to_json(const struct ms_program *p, const struct ms_trace *t)
{
	struct writer w = { .p = p, .t = t };
	struct sb *b = &w.b;
	bool oom, first = true;
	int *num = step_numbers(p, &oom);

	if (oom)
		return NULL;
	sb_printf(b, "{\"end\": \"%s\", \"timed_out\": %s, \"reason\": ",
		  (unsigned)t->end < 3 ? end_word[t->end] : "brok",
		  t->timed_out ? "true" : "false");
	sb_str(b, t->reason, strnlen(t->reason, sizeof(t->reason)));
	sb_printf(b, ", \"arena\": \"0x%" PRIx64 "\", \"arena_size\": %" PRIu64
		     ", \"page_size\": %ld,\n \"outcomes\": [",
		  t->arena, t->arena_size, t->page_size);
	for (int i = 0; i < t->nout && !b->oom; i++) {
		const struct ms_outcome *o = &t->out[i];

		/* As in ms_trace_format: no step of p, nothing to say. */
		if (o->step < 0 || o->step >= p->nsteps)
			continue;
		sb_puts(b, first ? "\n  " : ",\n  ");
		put_outcome(&w, o, num[o->step]);
		first = false;
	}
	sb_puts(b, "]}");
	free(num);
	free(w.vmas.v);
	free(w.files.v);
	if (b->oom) {
		free(b->s);
		return NULL;
	}
	return b->s;
}

/* ------------------------------------------------------------------ */
/* Reading: the document as a tree                                     */

enum jtype { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };

#define J_NONE ((size_t)-1)

struct jv {
	enum jtype type;
	size_t off;		/* where the value starts in the input */
	size_t a, n;		/* J_STR: text in the pool (NUL-terminated)
				 * and its length; J_NUM: text in the input;
				 * J_ARR, J_OBJ: first child and count */
	size_t key, klen;	/* a member: its key in the pool */
	size_t koff;		/* and where the key starts in the input */
	size_t next;		/* the next element or member, or J_NONE */
};

struct jp {
	const char *s;
	size_t len, pos;
	struct jv *v;
	size_t nv, capv;
	char *pool;
	size_t npool, cappool;
	struct ms_diag *diag;
	bool failed;
};

/* Records the first error, at byte off; returns err. */
static int jfail(struct jp *jp, int err, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int jfail(struct jp *jp, int err, size_t off, const char *fmt, ...)
{
	char what[200];
	size_t line = 1, bol = 0;
	va_list ap;

	if (jp->failed)
		return err;
	jp->failed = true;
	if (!jp->diag)
		return err;
	if (off > jp->len)
		off = jp->len;
	for (size_t i = 0; i < off; i++) {
		if (jp->s[i] == '\n') {
			line++;
			bol = i + 1;
		}
	}
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	memset(jp->diag, 0, sizeof(*jp->diag));
	jp->diag->loc.file = "<trace>";
	jp->diag->loc.line = line > INT32_MAX ? INT32_MAX : (int)line;
	jp->diag->loc.col = off - bol + 1 > INT32_MAX ? INT32_MAX :
							(int)(off - bol + 1);
	snprintf(jp->diag->msg, sizeof(jp->diag->msg),
		 "byte %zu (line %d, column %d): %s", off, jp->diag->loc.line,
		 jp->diag->loc.col, what);
	return err;
}

static int oom(struct jp *jp)
{
	return jfail(jp, -ENOMEM, jp->pos, "out of memory");
}

/* The byte at pos, for a message: 'x' or 0xNN. */
static const char *show_byte(const struct jp *jp, size_t pos, char *buf,
			     size_t n)
{
	unsigned char c;

	if (pos >= jp->len)
		return "the end of the input";
	c = (unsigned char)jp->s[pos];
	if (c > ' ' && c < 0x7f && c != '\'')
		snprintf(buf, n, "'%c'", c);
	else
		snprintf(buf, n, "byte 0x%02x", c);
	return buf;
}

static int new_node(struct jp *jp, enum jtype type, size_t off, size_t *idx)
{
	if (jp->nv == jp->capv) {
		size_t cap = jp->capv ? jp->capv * 2 : 256;
		struct jv *v = realloc(jp->v, sizeof(*v) * cap);

		if (!v)
			return oom(jp);
		jp->v = v;
		jp->capv = cap;
	}
	memset(&jp->v[jp->nv], 0, sizeof(jp->v[0]));
	jp->v[jp->nv].type = type;
	jp->v[jp->nv].off = off;
	jp->v[jp->nv].a = J_NONE;
	jp->v[jp->nv].next = J_NONE;
	*idx = jp->nv++;
	return 0;
}

static int pool_add(struct jp *jp, const void *s, size_t n)
{
	if (jp->npool + n > jp->cappool) {
		size_t cap = jp->cappool ? jp->cappool : 1024;
		char *pool;

		while (cap < jp->npool + n)
			cap *= 2;
		pool = realloc(jp->pool, cap);
		if (!pool)
			return oom(jp);
		jp->pool = pool;
		jp->cappool = cap;
	}
	memcpy(jp->pool + jp->npool, s, n);
	jp->npool += n;
	return 0;
}

static void skip_ws(struct jp *jp)
{
	while (jp->pos < jp->len &&
	       (jp->s[jp->pos] == ' ' || jp->s[jp->pos] == '\t' ||
		jp->s[jp->pos] == '\n' || jp->s[jp->pos] == '\r'))
		jp->pos++;
}

static int hex4(struct jp *jp, size_t at, unsigned *out)
{
	unsigned v = 0;

	if (jp->len - at < 4)
		return jfail(jp, -EINVAL, at, "\\u needs four hex digits");
	for (int i = 0; i < 4; i++) {
		char c = jp->s[at + (size_t)i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return jfail(jp, -EINVAL, at,
				     "\\u needs four hex digits");
	}
	*out = v;
	return 0;
}

static int put_utf8(struct jp *jp, unsigned cp)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return pool_add(jp, u, n);
}

/* A string at pos (on its '"'), decoded into the pool. */
static int parse_string(struct jp *jp, size_t *at, size_t *n)
{
	size_t start = jp->pos;
	int err;

	jp->pos++;
	*at = jp->npool;
	for (;;) {
		unsigned char c;
		unsigned cp, lo;
		int len;

		if (jp->pos >= jp->len)
			return jfail(jp, -EINVAL, start,
				     "the string never ends (no closing '\"')");
		c = (unsigned char)jp->s[jp->pos];
		if (c == '"')
			break;
		if (c < 0x20)
			return jfail(jp, -EINVAL, jp->pos,
				     "a control character (0x%02x) in a "
				     "string: write it as \\u%04x",
				     c, c);
		if (c >= 0x80) {
			len = ms__utf8_len((const unsigned char *)jp->s + jp->pos,
				       jp->len - jp->pos);
			if (len == 0)
				return jfail(jp, -EINVAL, jp->pos,
					     "invalid UTF-8 in a string");
			err = pool_add(jp, jp->s + jp->pos, (size_t)len);
			if (err)
				return err;
			jp->pos += (size_t)len;
			continue;
		}
		if (c != '\\') {
			err = pool_add(jp, &c, 1);
			if (err)
				return err;
			jp->pos++;
			continue;
		}
		if (jp->pos + 1 >= jp->len)
			return jfail(jp, -EINVAL, start,
				     "the string never ends (no closing '\"')");
		c = (unsigned char)jp->s[jp->pos + 1];
		cp = 0;
		switch (c) {
		case '"': case '\\': case '/':
			cp = c;
			break;
		case 'b':
			cp = '\b';
			break;
		case 'f':
			cp = '\f';
			break;
		case 'n':
			cp = '\n';
			break;
		case 'r':
			cp = '\r';
			break;
		case 't':
			cp = '\t';
			break;
		case 'u':
			break;
		default:
			return jfail(jp, -EINVAL, jp->pos,
				     "an unknown escape \\%c in a string",
				     c > ' ' && c < 0x7f ? c : '?');
		}
		if (c != 'u') {
			jp->pos += 2;
			err = put_utf8(jp, cp);
			if (err)
				return err;
			continue;
		}
		err = hex4(jp, jp->pos + 2, &cp);
		if (err)
			return err;
		if (cp == 0)
			return jfail(jp, -EINVAL, jp->pos,
				     "\\u0000: a NUL character is not allowed");
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return jfail(jp, -EINVAL, jp->pos,
				     "\\u%04x: a low surrogate without a high "
				     "one before it", cp);
		if (cp >= 0xd800 && cp <= 0xdbff) {
			size_t at2 = jp->pos + 6;

			if (jp->len - at2 < 2 || jp->s[at2] != '\\' ||
			    jp->s[at2 + 1] != 'u')
				return jfail(jp, -EINVAL, jp->pos,
					     "\\u%04x: a high surrogate without "
					     "a low one after it", cp);
			err = hex4(jp, at2 + 2, &lo);
			if (err)
				return err;
			if (lo < 0xdc00 || lo > 0xdfff)
				return jfail(jp, -EINVAL, jp->pos,
					     "\\u%04x: a high surrogate without "
					     "a low one after it", cp);
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			jp->pos += 6;
		}
		jp->pos += 6;
		err = put_utf8(jp, cp);
		if (err)
			return err;
	}
	jp->pos++;
	*n = jp->npool - *at;
	return pool_add(jp, "", 1);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int parse_number(struct jp *jp, size_t idx)
{
	size_t start = jp->pos;
	char b[16];

	if (jp->s[jp->pos] == '-')
		jp->pos++;
	if (jp->pos >= jp->len || !is_digit(jp->s[jp->pos]))
		return jfail(jp, -EINVAL, jp->pos,
			     "a number needs a digit here, not %s",
			     show_byte(jp, jp->pos, b, sizeof(b)));
	if (jp->s[jp->pos] == '0' && jp->pos + 1 < jp->len &&
	    is_digit(jp->s[jp->pos + 1]))
		return jfail(jp, -EINVAL, start,
			     "a number with a leading zero");
	while (jp->pos < jp->len && is_digit(jp->s[jp->pos]))
		jp->pos++;
	if (jp->pos < jp->len && jp->s[jp->pos] == '.') {
		jp->pos++;
		if (jp->pos >= jp->len || !is_digit(jp->s[jp->pos]))
			return jfail(jp, -EINVAL, jp->pos,
				     "a digit must follow the decimal point");
		while (jp->pos < jp->len && is_digit(jp->s[jp->pos]))
			jp->pos++;
	}
	if (jp->pos < jp->len &&
	    (jp->s[jp->pos] == 'e' || jp->s[jp->pos] == 'E')) {
		jp->pos++;
		if (jp->pos < jp->len &&
		    (jp->s[jp->pos] == '+' || jp->s[jp->pos] == '-'))
			jp->pos++;
		if (jp->pos >= jp->len || !is_digit(jp->s[jp->pos]))
			return jfail(jp, -EINVAL, jp->pos,
				     "a digit must follow the exponent");
		while (jp->pos < jp->len && is_digit(jp->s[jp->pos]))
			jp->pos++;
	}
	jp->v[idx].a = start;
	jp->v[idx].n = jp->pos - start;
	return 0;
}

static int parse_value(struct jp *jp, int depth, size_t *out);

/* The key of member m equals the NUL-terminated key k? */
static bool key_is(const struct jp *jp, const struct jv *m, const char *k)
{
	return strlen(k) == m->klen &&
	       memcmp(jp->pool + m->key, k, m->klen) == 0;
}

/* A key for a message: at most 40 bytes, non-ASCII as '?'. */
static const char *show_key(const struct jp *jp, size_t at, size_t n,
			    char *buf, size_t len)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k + 1 < len && i < 40; i++) {
		unsigned char c = (unsigned char)jp->pool[at + i];

		buf[k++] = c >= ' ' && c < 0x7f ? (char)c : '?';
	}
	buf[k] = '\0';
	return buf;
}

static int parse_container(struct jp *jp, int depth, size_t idx)
{
	bool obj = jp->s[jp->pos] == '{';
	char close = obj ? '}' : ']';
	size_t last = J_NONE, count = 0;
	char b[16];
	int err;

	if (depth >= JSON_DEPTH_MAX)
		return jfail(jp, -EINVAL, jp->pos,
			     "nesting deeper than %d levels", JSON_DEPTH_MAX);
	jp->pos++;
	skip_ws(jp);
	if (jp->pos < jp->len && jp->s[jp->pos] == close) {
		jp->pos++;
		return 0;
	}
	for (;;) {
		size_t key = 0, klen = 0, koff = jp->pos, child;

		if (obj) {
			char kb[48];

			skip_ws(jp);
			koff = jp->pos;
			if (jp->pos >= jp->len || jp->s[jp->pos] != '"')
				return jfail(jp, -EINVAL, jp->pos,
					     "expected a key (a string), "
					     "found %s",
					     show_byte(jp, jp->pos, b,
						       sizeof(b)));
			if (count == JSON_MEMBERS_MAX)
				return jfail(jp, -EINVAL, koff,
					     "more than %d fields in one "
					     "object", JSON_MEMBERS_MAX);
			err = parse_string(jp, &key, &klen);
			if (err)
				return err;
			for (size_t m = jp->v[idx].a; m != J_NONE;
			     m = jp->v[m].next)
				if (jp->v[m].klen == klen &&
				    memcmp(jp->pool + jp->v[m].key,
					   jp->pool + key, klen) == 0)
					return jfail(jp, -EINVAL, koff,
						     "the key \"%s\" occurs "
						     "twice in one object",
						     show_key(jp, key, klen, kb,
							      sizeof(kb)));
			skip_ws(jp);
			if (jp->pos >= jp->len || jp->s[jp->pos] != ':')
				return jfail(jp, -EINVAL, jp->pos,
					     "expected ':' after a key, "
					     "found %s",
					     show_byte(jp, jp->pos, b,
						       sizeof(b)));
			jp->pos++;
		}
		err = parse_value(jp, depth + 1, &child);
		if (err)
			return err;
		jp->v[child].key = key;
		jp->v[child].klen = klen;
		jp->v[child].koff = koff;
		if (last == J_NONE)
			jp->v[idx].a = child;
		else
			jp->v[last].next = child;
		last = child;
		jp->v[idx].n = ++count;
		skip_ws(jp);
		if (jp->pos < jp->len && jp->s[jp->pos] == ',') {
			jp->pos++;
			continue;
		}
		if (jp->pos < jp->len && jp->s[jp->pos] == close) {
			jp->pos++;
			return 0;
		}
		return jfail(jp, -EINVAL, jp->pos, "expected ',' or '%c', "
			     "found %s", close,
			     show_byte(jp, jp->pos, b, sizeof(b)));
	}
}

static int parse_literal(struct jp *jp, const char *word, enum jtype type,
			 size_t *out)
{
	size_t n = strlen(word);
	char b[16];

	if (jp->len - jp->pos < n || memcmp(jp->s + jp->pos, word, n) != 0)
		return jfail(jp, -EINVAL, jp->pos, "unexpected %s",
			     show_byte(jp, jp->pos, b, sizeof(b)));
	jp->pos += n;
	return new_node(jp, type, jp->pos - n, out);
}

static int parse_value(struct jp *jp, int depth, size_t *out)
{
	char b[16];
	size_t at, n;
	int err;

	skip_ws(jp);
	if (jp->pos >= jp->len)
		return jfail(jp, -EINVAL, jp->pos,
			     "the input ends where a value should be");
	switch (jp->s[jp->pos]) {
	case '{':
	case '[':
		err = new_node(jp, jp->s[jp->pos] == '{' ? J_OBJ : J_ARR,
			       jp->pos, out);
		return err ? err : parse_container(jp, depth, *out);
	case '"':
		err = new_node(jp, J_STR, jp->pos, out);
		if (!err)
			err = parse_string(jp, &at, &n);
		if (!err) {
			jp->v[*out].a = at;
			jp->v[*out].n = n;
		}
		return err;
	case 't':
		return parse_literal(jp, "true", J_TRUE, out);
	case 'f':
		return parse_literal(jp, "false", J_FALSE, out);
	case 'n':
		return parse_literal(jp, "null", J_NULL, out);
	default:
		if (jp->s[jp->pos] == '-' || is_digit(jp->s[jp->pos])) {
			err = new_node(jp, J_NUM, jp->pos, out);
			return err ? err : parse_number(jp, *out);
		}
		return jfail(jp, -EINVAL, jp->pos, "unexpected %s",
			     show_byte(jp, jp->pos, b, sizeof(b)));
	}
}

/* The whole input as one value; its root is node 0. */
static int parse_document(struct jp *jp)
{
	size_t root;
	int err;

	if (jp->len > JSON_SIZE_MAX)
		return jfail(jp, -EINVAL, 0, "a document of more than %zu "
			     "bytes", JSON_SIZE_MAX);
	err = parse_value(jp, 0, &root);
	if (err)
		return err;
	skip_ws(jp);
	if (jp->pos < jp->len)
		return jfail(jp, -EINVAL, jp->pos,
			     "trailing characters after the document");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reading: the tree as a trace                                        */

struct conv {
	struct jp *jp;
	const struct ms_program *p;
	struct ms_trace *t;
	const int *num;
};

static const char *type_name(const struct jv *v)
{
	static const char *const name[] = {
		[J_NULL] = "null", [J_FALSE] = "false", [J_TRUE] = "true",
		[J_NUM] = "a number", [J_STR] = "a string",
		[J_ARR] = "an array", [J_OBJ] = "an object",
	};

	return name[v->type];
}

static const char *pstr(const struct conv *c, const struct jv *v)
{
	return c->jp->pool + v->a;
}

static int wrong_type(struct conv *c, const struct jv *v, const char *where,
		      const char *want)
{
	return jfail(c->jp, -EINVAL, v->off, "%s: expected %s, got %s", where,
		     want, type_name(v));
}

/*
 * The members of object v, each in its slot of f[] by its key's place in
 * names[]; a key not in names[] is an error.
 */
static int fields(struct conv *c, const struct jv *v, const char *where,
		  const char *const *names, int n, const struct jv **f)
{
	char kb[48];

	if (v->type != J_OBJ)
		return wrong_type(c, v, where, "an object");
	memset(f, 0, sizeof(*f) * (size_t)n);
	for (size_t m = v->a; m != J_NONE; m = c->jp->v[m].next) {
		const struct jv *mv = &c->jp->v[m];
		int k;

		for (k = 0; k < n && !key_is(c->jp, mv, names[k]); k++)
			;
		if (k == n)
			return jfail(c->jp, -EINVAL, mv->koff,
				     "%s: unexpected field \"%s\"", where,
				     show_key(c->jp, mv->key, mv->klen, kb,
					      sizeof(kb)));
		f[k] = mv;
	}
	return 0;
}

static int missing(struct conv *c, const struct jv *obj, const char *where,
		   const char *field)
{
	return jfail(c->jp, -EINVAL, obj->off, "%s: the field \"%s\" is "
		     "missing", where, field);
}

/* "outcomes[3].pages[2]" + "prot" -> "outcomes[3].pages[2].prot". */
static const char *at(char *buf, size_t n, const char *where,
		      const char *field)
{
	size_t k = 0;

	for (const char *s = where; *s && k + 1 < n; s++)
		buf[k++] = *s;
	if (where[0] && k + 1 < n)
		buf[k++] = '.';
	for (const char *s = field; *s && k + 1 < n; s++)
		buf[k++] = *s;
	buf[k] = '\0';
	return buf;
}

static int get_bool(struct conv *c, const struct jv *v, const char *where,
		    bool *out)
{
	if (v->type != J_TRUE && v->type != J_FALSE)
		return wrong_type(c, v, where, "true or false");
	*out = v->type == J_TRUE;
	return 0;
}

/*
 * The integer a number's text spells, as a sign and a magnitude: -EINVAL
 * for a fraction or an exponent, -ERANGE past 2^64 - 1.
 */
static int number_text(const char *s, size_t n, bool *neg, uint64_t *mag)
{
	size_t i = 0;

	*neg = n && s[0] == '-';
	i = *neg;
	*mag = 0;
	for (; i < n; i++) {
		unsigned d;

		if (!is_digit(s[i]))
			return -EINVAL;
		d = (unsigned)(s[i] - '0');
		if (*mag > (UINT64_MAX - d) / 10)
			return -ERANGE;
		*mag = *mag * 10 + d;
	}
	return 0;
}

static int bad_number(struct conv *c, const struct jv *v, const char *where,
		      int err, const char *range)
{
	const char *s = c->jp->s + v->a;
	int n = v->n > 24 ? 24 : (int)v->n;
	const char *more = v->n > 24 ? "..." : "";

	if (err == -EINVAL)
		return jfail(c->jp, -EINVAL, v->off, "%s: expected an integer, "
			     "got %.*s%s", where, n, s, more);
	return jfail(c->jp, -EINVAL, v->off, "%s: %.*s%s is out of range (%s)",
		     where, n, s, more, range);
}

static int get_int(struct conv *c, const struct jv *v, const char *where,
		   int64_t lo, int64_t hi, int64_t *out)
{
	char range[64];
	uint64_t mag;
	bool neg;
	int err;

	if (v->type != J_NUM)
		return wrong_type(c, v, where, "an integer");
	snprintf(range, sizeof(range), "%" PRId64 " to %" PRId64, lo, hi);
	err = number_text(c->jp->s + v->a, v->n, &neg, &mag);
	if (err)
		return bad_number(c, v, where, err, range);
	if (neg && mag > (uint64_t)INT64_MAX + 1)
		return bad_number(c, v, where, -ERANGE, range);
	if (!neg && mag > (uint64_t)INT64_MAX)
		return bad_number(c, v, where, -ERANGE, range);
	*out = !neg ? (int64_t)mag :
	       mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	if (*out < lo || *out > hi)
		return bad_number(c, v, where, -ERANGE, range);
	return 0;
}

static int get_u64(struct conv *c, const struct jv *v, const char *where,
		   uint64_t hi, uint64_t *out)
{
	char range[64];
	uint64_t mag;
	bool neg;
	int err;

	if (v->type != J_NUM)
		return wrong_type(c, v, where, "an integer");
	snprintf(range, sizeof(range), "0 to %" PRIu64, hi);
	err = number_text(c->jp->s + v->a, v->n, &neg, &mag);
	if (err)
		return bad_number(c, v, where, err, range);
	if ((neg && mag) || mag > hi)
		return bad_number(c, v, where, -ERANGE, range);
	*out = mag;
	return 0;
}

static int get_str(struct conv *c, const struct jv *v, const char *where,
		   const char **s)
{
	if (v->type != J_STR)
		return wrong_type(c, v, where, "a string");
	*s = pstr(c, v);
	return 0;
}

/* Lower-case hex without leading zeros, 1 to 16 digits. */
static bool canon_hex(const char *s, uint64_t *out)
{
	size_t n = strlen(s);

	if (n == 0 || n > 16 || (s[0] == '0' && n > 1))
		return false;
	*out = 0;
	for (size_t i = 0; i < n; i++) {
		if (is_digit(s[i]))
			*out = *out << 4 | (uint64_t)(s[i] - '0');
		else if (s[i] >= 'a' && s[i] <= 'f')
			*out = *out << 4 | (uint64_t)(s[i] - 'a' + 10);
		else
			return false;
	}
	return true;
}

/* An address as the writer writes it: "arena+0x..." or "0x...". */
static int get_addr(struct conv *c, const struct jv *v, const char *where,
		    uint64_t *out)
{
	const struct ms_trace *t = c->t;
	const char *s = NULL;
	uint64_t off;
	int err = get_str(c, v, where, &s);

	if (err)
		return err;
	if (strncmp(s, "arena+0x", 8) == 0 && canon_hex(s + 8, &off)) {
		if (off >= t->arena_size)
			return jfail(c->jp, -EINVAL, v->off, "%s: \"%.40s\" "
				     "lies past the end of the arena "
				     "(arena_size %" PRIu64 ")",
				     where, s, t->arena_size);
		*out = t->arena + off;
		return 0;
	}
	if (strncmp(s, "0x", 2) == 0 && canon_hex(s + 2, out)) {
		if (t->arena_size && *out >= t->arena &&
		    *out - t->arena < t->arena_size)
			return jfail(c->jp, -EINVAL, v->off, "%s: %s lies in "
				     "the arena: write it as \"arena+0x%"
				     PRIx64 "\"", where, s, *out - t->arena);
		return 0;
	}
	return jfail(c->jp, -EINVAL, v->off, "%s: expected an address, "
		     "\"0x...\" or \"arena+0x...\" in lower-case hex without "
		     "leading zeros, got \"%.40s\"", where, s);
}

/* The index of word s in words[], or -1. */
static int word_index(const char *s, const char *const *words, int n)
{
	for (int i = 0; i < n; i++)
		if (words[i] && strcmp(s, words[i]) == 0)
			return i;
	return -1;
}

/* A flag string such as "rw-": position i is on[i] or '-'. */
static int get_flags(struct conv *c, const struct jv *v, const char *where,
		     const char *on, uint8_t *out)
{
	size_t n = strlen(on);
	const char *s = NULL;
	int err = get_str(c, v, where, &s);

	if (err)
		return err;
	*out = 0;
	if (strlen(s) != n)
		goto bad;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == on[i])
			*out |= (uint8_t)(1u << i);
		else if (s[i] != '-')
			goto bad;
	}
	return 0;
bad:
	return jfail(c->jp, -EINVAL, v->off, "%s: expected %zu characters, "
		     "each '-' or the letter of its place in \"%s\", got "
		     "\"%.40s\"", where, n, on, s);
}

enum {
	PG_MAPPED, PG_PROT, PG_SHARED, PG_BACKING, PG_PGOFF, PG_VMA, PG_FILE,
	PG_SEALED, PG_LOCK, PG_INHERIT, PG_GUARD, PG_PKEY, PG_DATA, PG_N
};

static const char *const page_fields[PG_N] = {
	"mapped", "prot", "shared", "backing", "pgoff", "vma", "file",
	"sealed", "lock", "inherit", "guard", "pkey", "data",
};

static int get_page(struct conv *c, const struct jv *v, const char *where,
		    struct ms_page *pg)
{
	const struct jv *f[PG_N];
	char w[96];
	const char *s = NULL;
	int64_t x;
	uint64_t u;
	uint8_t flags;
	int err = fields(c, v, where, page_fields, PG_N, f);

	if (err)
		return err;
	for (int k = 0; k < PG_N; k++)
		if (!f[k])
			return missing(c, v, where, page_fields[k]);
	memset(pg, 0, sizeof(*pg));
	if ((err = get_bool(c, f[PG_MAPPED], at(w, sizeof(w), where, "mapped"),
			    &pg->mapped)) ||
	    (err = get_flags(c, f[PG_PROT], at(w, sizeof(w), where, "prot"),
			     "rwx", &pg->prot)) ||
	    (err = get_bool(c, f[PG_SHARED], at(w, sizeof(w), where, "shared"),
			    &pg->shared)) ||
	    (err = get_str(c, f[PG_BACKING], at(w, sizeof(w), where, "backing"),
			   &s)))
		return err;
	x = word_index(s, backing_word, 4);
	if (x < 0)
		return jfail(c->jp, -EINVAL, f[PG_BACKING]->off, "%s: expected "
			     "\"none\", \"anon\", \"file\" or \"special\", got "
			     "\"%.40s\"", w, s);
	pg->backing = (uint8_t)x;
	if ((err = get_u64(c, f[PG_PGOFF], at(w, sizeof(w), where, "pgoff"),
			   UINT64_MAX, &pg->pgoff)))
		return err;
	at(w, sizeof(w), where, "vma");
	if (f[PG_VMA]->type == J_NULL && pg->mapped)
		return jfail(c->jp, -EINVAL, f[PG_VMA]->off, "%s: a mapped page "
			     "is in a VMA: expected a number, got null", w);
	if (f[PG_VMA]->type != J_NULL && !pg->mapped)
		return jfail(c->jp, -EINVAL, f[PG_VMA]->off, "%s: a page that "
			     "is not mapped is in no VMA: expected null", w);
	pg->vma = UINT32_MAX;
	if (pg->mapped) {
		if ((err = get_u64(c, f[PG_VMA], w, UINT32_MAX - 1, &u)))
			return err;
		pg->vma = (uint32_t)u;
	}
	at(w, sizeof(w), where, "file");
	if (pg->mapped && pg->backing == MS_BACK_FILE) {
		if (f[PG_FILE]->type == J_NULL)
			return jfail(c->jp, -EINVAL, f[PG_FILE]->off, "%s: a "
				     "mapped file page is of a file: expected "
				     "a number, got null", w);
		if ((err = get_u64(c, f[PG_FILE], w, UINT64_MAX, &pg->file)))
			return err;
	} else if (f[PG_FILE]->type != J_NULL) {
		return jfail(c->jp, -EINVAL, f[PG_FILE]->off, "%s: only a "
			     "mapped file page has a file: expected null", w);
	}
	if ((err = get_bool(c, f[PG_SEALED], at(w, sizeof(w), where, "sealed"),
			    &pg->sealed)) ||
	    (err = get_flags(c, f[PG_LOCK], at(w, sizeof(w), where, "lock"),
			     "LF", &flags)))
		return err;
	pg->lock = (uint8_t)((flags & 1 ? MS_LOCK_LOCKED : 0) |
			     (flags & 2 ? MS_LOCK_ONFAULT : 0));
	if ((err = get_flags(c, f[PG_INHERIT],
			     at(w, sizeof(w), where, "inherit"), "DW", &flags)))
		return err;
	pg->inherit = (uint8_t)((flags & 1 ? MS_INHERIT_DONTFORK : 0) |
				(flags & 2 ? MS_INHERIT_WIPEONFORK : 0));
	if ((err = get_bool(c, f[PG_GUARD], at(w, sizeof(w), where, "guard"),
			    &pg->guard)) ||
	    (err = get_int(c, f[PG_PKEY], at(w, sizeof(w), where, "pkey"), -1,
			   INT8_MAX, &x)) ||
	    (err = get_str(c, f[PG_DATA], at(w, sizeof(w), where, "data"), &s)))
		return err;
	pg->pkey = (int8_t)x;
	if (strlen(s) != 1 || !strchr(data_tokens, s[0]))
		return jfail(c->jp, -EINVAL, f[PG_DATA]->off, "%s: expected one "
			     "contents token (a letter, 0 * ! . ? ~), got "
			     "\"%.40s\"", w, s);
	pg->data = s[0];
	return 0;
}

enum {
	OF_STEP, OF_NUMBER, OF_LINE, OF_DEPTH, OF_KIND, /* every outcome */
	OF_RET, OF_ERRNO,				/* ret */
	OF_SIGNO, OF_FAULT_ADDR,			/* fault */
	OF_NAME, OF_ADDR, OF_NPAGES, OF_PAGES,		/* pages */
	OF_N
};

static const char *const outcome_fields[OF_N] = {
	"step", "number", "line", "depth", "kind", "ret", "errno", "signo",
	"fault_addr", "name", "addr", "npages", "pages",
};

/* The fields of each kind beyond the common ones: [first, last]. */
static const int kind_fields[4][2] = {
	[MS_OUT_RET] = { OF_RET, OF_ERRNO },
	[MS_OUT_FAULT] = { OF_SIGNO, OF_FAULT_ADDR },
	[MS_OUT_PAGES] = { OF_NAME, OF_PAGES },
	[MS_OUT_SKIP] = { OF_N, OF_N - 1 },
};

static int get_ret(struct conv *c, const struct jv *const *f,
		   const char *where, const struct ms_step *s,
		   struct ms_outcome *o)
{
	bool addr = step_returns_addr(s);
	const char *e, *name = NULL;
	uint64_t u;
	char w[96];
	int err;

	at(w, sizeof(w), where, "ret");
	if (f[OF_RET]->type == J_STR) {
		if (!addr)
			return jfail(c->jp, -EINVAL, f[OF_RET]->off, "%s: "
				     "expected a number: step %d does not "
				     "return an address", w,
				     c->num[o->step]);
		if ((err = get_addr(c, f[OF_RET], w, &u)))
			return err;
		o->ret = (int64_t)u;
		if (is_errno_ret(o->ret))
			return jfail(c->jp, -EINVAL, f[OF_RET]->off, "%s: an "
				     "error is written as a number (%" PRId64
				     "), not as an address", w, o->ret);
	} else {
		if ((err = get_int(c, f[OF_RET], w, INT64_MIN, INT64_MAX,
				   &o->ret)))
			return err;
		if (addr && !is_errno_ret(o->ret))
			return jfail(c->jp, -EINVAL, f[OF_RET]->off, "%s: "
				     "step %d returns an address: expected "
				     "\"arena+0x...\" or \"0x...\"", w,
				     c->num[o->step]);
	}
	e = is_errno_ret(o->ret) ? ms_errno_name((int)-o->ret) : NULL;
	at(w, sizeof(w), where, "errno");
	if (!f[OF_ERRNO]) {
		if (e)
			return jfail(c->jp, -EINVAL, f[OF_RET]->off, "%s: the "
				     "field \"errno\" is missing: ret %" PRId64
				     " is %s", where, o->ret, e);
		return 0;
	}
	if ((err = get_str(c, f[OF_ERRNO], w, &name)))
		return err;
	if (!e)
		return jfail(c->jp, -EINVAL, f[OF_ERRNO]->off, "%s: ret %"
			     PRId64 " is no errno", w, o->ret);
	if (strcmp(name, e) != 0)
		return jfail(c->jp, -EINVAL, f[OF_ERRNO]->off, "%s: \"%.40s\" "
			     "is not ret %" PRId64 ", which is %s", w, name,
			     o->ret, e);
	return 0;
}

static int get_pages(struct conv *c, const struct jv *const *f,
		     const char *where, struct ms_outcome *o)
{
	const struct jv *arr = f[OF_PAGES];
	const char *s = NULL;
	char w[96];
	int64_t x;
	int err, i;

	at(w, sizeof(w), where, "name");
	o->name = -1;
	if (f[OF_NAME]->type != J_NULL) {
		if ((err = get_str(c, f[OF_NAME], w, &s)))
			return err;
		for (i = 0; i < c->p->nnames; i++)
			if (strncmp(c->p->names[i].name, s, MS_NAME_MAX) == 0 &&
			    strlen(s) < MS_NAME_MAX)
				break;
		if (i == c->p->nnames)
			return jfail(c->jp, -EINVAL, f[OF_NAME]->off, "%s: "
				     "\"%.40s\" is no name of this program",
				     w, s);
		o->name = i;
	}
	if ((err = get_addr(c, f[OF_ADDR], at(w, sizeof(w), where, "addr"),
			    &o->addr)) ||
	    (err = get_int(c, f[OF_NPAGES], at(w, sizeof(w), where, "npages"),
			   0, MS_GRID_MAX, &x)))
		return err;
	o->npages = (int)x;
	at(w, sizeof(w), where, "pages");
	if (arr->type != J_ARR)
		return wrong_type(c, arr, w, "an array");
	if (arr->n != (size_t)o->npages)
		return jfail(c->jp, -EINVAL, arr->off, "%s: %zu pages where "
			     "npages says %d", w, arr->n, o->npages);
	i = 0;
	for (size_t m = arr->a; m != J_NONE; m = c->jp->v[m].next, i++) {
		char pw[128];

		snprintf(pw, sizeof(pw), "%s[%d]", w, i);
		if ((err = get_page(c, &c->jp->v[m], pw, &o->pages[i])))
			return err;
	}
	return 0;
}

/* Reads one outcome into *o, its pages into pages[MS_GRID_MAX]. */
static int get_outcome(struct conv *c, const struct jv *v, const char *where,
		       struct ms_outcome *o, struct ms_page *pages)
{
	const struct jv *f[OF_N];
	const struct ms_step *s;
	const char *kind = NULL;
	char w[96];
	int64_t x;
	int err = fields(c, v, where, outcome_fields, OF_N, f);

	if (err)
		return err;
	for (int k = OF_STEP; k <= OF_KIND; k++)
		if (!f[k])
			return missing(c, v, where, outcome_fields[k]);
	memset(o, 0, sizeof(*o));
	o->name = -1;
	o->pages = pages;
	if ((err = get_int(c, f[OF_STEP], at(w, sizeof(w), where, "step"), 0,
			   c->p->nsteps - 1, &x)))
		return err;
	o->step = (int)x;
	s = &c->p->steps[o->step];
	if (s->kind == MS_STEP_NOTE)
		return jfail(c->jp, -EINVAL, f[OF_STEP]->off, "%s: step %d is a "
			     "comment line of the program, which never runs",
			     w, o->step);
	if ((err = get_int(c, f[OF_NUMBER], at(w, sizeof(w), where, "number"),
			   INT32_MIN, INT32_MAX, &x)))
		return err;
	if (x != c->num[o->step])
		return jfail(c->jp, -EINVAL, f[OF_NUMBER]->off, "%s: step %d is "
			     "number %d in this program, not %" PRId64, w,
			     o->step, c->num[o->step], x);
	if ((err = get_int(c, f[OF_LINE], at(w, sizeof(w), where, "line"),
			   INT32_MIN, INT32_MAX, &x)))
		return err;
	if (x != s->loc.line)
		return jfail(c->jp, -EINVAL, f[OF_LINE]->off, "%s: step %d is on "
			     "line %d of the program, not %" PRId64, w,
			     o->step, s->loc.line, x);
	if ((err = get_int(c, f[OF_DEPTH], at(w, sizeof(w), where, "depth"), 0,
			   MS_FORK_DEPTH_MAX, &x)))
		return err;
	o->pid_depth = (int)x;
	if ((err = get_str(c, f[OF_KIND], at(w, sizeof(w), where, "kind"),
			   &kind)))
		return err;
	x = word_index(kind, kind_word, 4);
	if (x < 0)
		return jfail(c->jp, -EINVAL, f[OF_KIND]->off, "%s: expected "
			     "\"ret\", \"fault\", \"pages\" or \"skip\", got "
			     "\"%.40s\"", w, kind);
	o->kind = (enum ms_out_kind)x;
	for (int k = OF_RET; k < OF_N; k++) {
		bool mine = k >= kind_fields[o->kind][0] &&
			    k <= kind_fields[o->kind][1];

		if (f[k] && !mine)
			return jfail(c->jp, -EINVAL, f[k]->koff, "%s: a \"%s\" "
				     "outcome has no field \"%s\"", where,
				     kind, outcome_fields[k]);
		/* errno is there exactly when ret is an errno: get_ret. */
		if (!f[k] && mine && k != OF_ERRNO)
			return missing(c, v, where, outcome_fields[k]);
	}
	switch (o->kind) {
	case MS_OUT_RET:
		return get_ret(c, f, where, s, o);
	case MS_OUT_FAULT:
		if ((err = get_int(c, f[OF_SIGNO],
				   at(w, sizeof(w), where, "signo"), 1, 64,
				   &x)))
			return err;
		o->signo = (int)x;
		return get_addr(c, f[OF_FAULT_ADDR],
				at(w, sizeof(w), where, "fault_addr"),
				&o->fault_addr);
	case MS_OUT_PAGES:
		return get_pages(c, f, where, o);
	case MS_OUT_SKIP:
		break;
	}
	return 0;
}

enum {
	TF_END, TF_TIMED_OUT, TF_REASON, TF_ARENA, TF_ARENA_SIZE, TF_PAGE_SIZE,
	TF_OUTCOMES, TF_N
};

static const char *const trace_fields[TF_N] = {
	"end", "timed_out", "reason", "arena", "arena_size", "page_size",
	"outcomes",
};

/*
 * More outcomes than any run of p has: each step runs at most once, and
 * leaves its result and at most one snapshot per name.
 */
static size_t outcomes_max(const struct ms_program *p)
{
	return 2 * (size_t)p->nsteps * (MS_NAMES_MAX + 2) + 64;
}

static int get_trace(struct conv *c)
{
	const struct jv *root = &c->jp->v[0], *f[TF_N], *arr;
	struct ms_trace *t = c->t;
	struct ms_page pages[MS_GRID_MAX];
	struct ms_outcome o;
	const char *s = NULL;
	int64_t x;
	size_t i;
	int err = fields(c, root, "the trace", trace_fields, TF_N, f);

	if (err)
		return err;
	for (int k = 0; k < TF_N; k++)
		if (!f[k])
			return missing(c, root, "the trace", trace_fields[k]);
	if ((err = get_str(c, f[TF_END], "end", &s)))
		return err;
	x = word_index(s, end_word, 3);
	if (x < 0)
		return jfail(c->jp, -EINVAL, f[TF_END]->off, "end: expected "
			     "\"done\", \"skip\" or \"brok\", got \"%.40s\"", s);
	t->end = (enum ms_trace_end)x;
	if ((err = get_bool(c, f[TF_TIMED_OUT], "timed_out", &t->timed_out)) ||
	    (err = get_str(c, f[TF_REASON], "reason", &s)))
		return err;
	if (f[TF_REASON]->n >= sizeof(t->reason))
		return jfail(c->jp, -EINVAL, f[TF_REASON]->off, "reason: %zu "
			     "bytes, longer than %zu", f[TF_REASON]->n,
			     sizeof(t->reason) - 1);
	memcpy(t->reason, s, f[TF_REASON]->n + 1);
	if ((err = get_str(c, f[TF_ARENA], "arena", &s)))
		return err;
	if (strncmp(s, "0x", 2) != 0 || !canon_hex(s + 2, &t->arena))
		return jfail(c->jp, -EINVAL, f[TF_ARENA]->off, "arena: expected "
			     "\"0x...\" in lower-case hex without leading "
			     "zeros, got \"%.40s\"", s);
	if ((err = get_u64(c, f[TF_ARENA_SIZE], "arena_size",
			   UINT64_MAX - t->arena, &t->arena_size)) ||
	    (err = get_int(c, f[TF_PAGE_SIZE], "page_size", 0, 1 << 30, &x)))
		return err;
	if (x & (x - 1))
		return jfail(c->jp, -EINVAL, f[TF_PAGE_SIZE]->off, "page_size: "
			     "%" PRId64 " is not a power of two", x);
	t->page_size = (long)x;
	arr = f[TF_OUTCOMES];
	if (arr->type != J_ARR)
		return wrong_type(c, arr, "outcomes", "an array");
	if (arr->n > outcomes_max(c->p))
		return jfail(c->jp, -EINVAL, arr->off, "outcomes: %zu outcomes, "
			     "more than a run of this program (%d steps) can "
			     "have", arr->n, c->p->nsteps);
	i = 0;
	for (size_t m = arr->a; m != J_NONE; m = c->jp->v[m].next, i++) {
		char w[32];

		snprintf(w, sizeof(w), "outcomes[%zu]", i);
		if ((err = get_outcome(c, &c->jp->v[m], w, &o, pages)))
			return err;
		if (ms_trace_add(t, &o))
			return jfail(c->jp, -ENOMEM, c->jp->v[m].off,
				     "out of memory");
	}
	return 0;
}

int ms_trace_from_json(const struct ms_program *p, const char *json,
		       size_t len, struct ms_trace *t, struct ms_diag *diag)
{
	struct jp jp = { .s = json, .len = len, .diag = diag };
	struct conv c = { .jp = &jp, .p = p, .t = t };
	bool no_mem;
	int *num, err;

	ms_trace_init(t);
	if (diag)
		memset(diag, 0, sizeof(*diag));
	num = step_numbers(p, &no_mem);
	if (no_mem)
		return oom(&jp);
	c.num = num;
	err = parse_document(&jp);
	if (!err)
		err = get_trace(&c);
	if (err)
		ms_trace_free(t);
	free(num);
	free(jp.v);
	free(jp.pool);
	return err;
}

// SPDX-License-Identifier: MIT
/*
 * The C emitter, beside the printer: a program as a standalone C file that
 * runs it on the kernel with raw syscalls, inside the same arena and with
 * the same slot hints as the kernel target, and prints for every step what
 * the kernel did beside what was expected:
 *
 *   - with a trace (ms_emit_opts.expect, the model's in lockstep with a
 *     kernel): the model's results and observed grids, "model:";
 *   - without: the scenario's own results and grids for the profile.
 *
 * The runtime (emit_rt.c) comes first, then #ifndef guards for every
 * constant the program names, then main() with one block per step.  Fork
 * blocks become fork(2) with the child's steps inside; calls the runtime
 * does not have (ptrace_poke, userfaultfd, use_map_slots, sealed_vmas,
 * process_madvise_parent; brk, whose break libc's malloc shares with the
 * reproducer's own stdio) and exec make the emitter say -ENOTSUP.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/run.h"
#include "grid.h"
#include "scn.h"
#include "sealspec-fuzz.h"

extern const char ms__emit_c_runtime[];

struct cb {
	char *s;
	size_t len, cap;
	bool oom;
};

static void put(struct cb *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct cb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0,
			      fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->s && (size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		char *ns = realloc(b->s, cap);

		if (!ns) {
			b->oom = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
}

/* A C string literal of s. */
static void put_str(struct cb *b, const char *s)
{
	put(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			put(b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			put(b, "\\%03o", c);
		else if (c == '?')
			put(b, "?\"\"");	/* no trigraphs */
		else
			put(b, "%c", c);
	}
	put(b, "\"");
}

/*
 * An expression as C, evaluated as sealspec does (left to right, 64-bit
 * unsigned): "(uint64_t)(v_w + 2 * ps)".  C gives '|' a lower precedence
 * than '+' and '-', so what a '|' built is parenthesised before a '+' or
 * '-' follows it.
 */
static void put_expr(struct cb *b, const struct ms_program *p,
		     const struct ms_expr *e)
{
	const struct ms_term *terms = ms_expr_terms(p, e);
	char acc[1024] = "", term[96];
	bool has_or = false;

	for (int k = 0; terms && k < e->nterms; k++) {
		const struct ms_term *t = &terms[k];
		const char *text = ms_text(p, t->text);

		switch (t->kind) {
		case MS_TERM_NUM:
			if (t->num >= 0x10000)
				snprintf(term, sizeof(term), "0x%llxULL",
					 (unsigned long long)t->num);
			else
				snprintf(term, sizeof(term), "%lldLL",
					 (long long)t->num);
			break;
		case MS_TERM_PAGES:
			snprintf(term, sizeof(term), "%lld * ps",
				 (long long)t->num);
			break;
		case MS_TERM_NAME:
			snprintf(term, sizeof(term), "v_%s",
				 p->names[t->name].name);
			break;
		case MS_TERM_SYM:
			snprintf(term, sizeof(term), "%s",
				 !strcmp(text, "PAGE_SIZE") ? "ps" :
				 !strcmp(text, "NULL")      ? "0" :
							      text);
			break;
		default:
			snprintf(term, sizeof(term), "0");
			break;
		}
		if (k == 0) {
			snprintf(acc, sizeof(acc), "%s", term);
			continue;
		}
		if (t->op != '|' && has_or) {
			size_t l = strlen(acc);

			if (l + 3 <= sizeof(acc)) {
				memmove(acc + 1, acc, l);
				acc[0] = '(';
				acc[l + 1] = ')';
				acc[l + 2] = '\0';
			}
			has_or = false;
		}
		has_or |= t->op == '|';
		snprintf(acc + strlen(acc), sizeof(acc) - strlen(acc),
			 " %c %s", t->op, term);
	}
	put(b, "(uint64_t)(%s)", acc);
}

static void put_arg(struct cb *b, const struct ms_program *p,
		    const struct ms_step *s, int k, const char *dflt)
{
	if (k >= s->nargs) {
		put(b, "%s", dflt);
		return;
	}
	if (s->args[k].kind == MS_ARG_STR)
		put_str(b, ms_text(p, s->args[k].str));
	else
		put_expr(b, p, &s->args[k].expr);
}

/* Every constant the program names, guarded: old headers may lack it. */
static void put_constants(struct cb *b, const struct ms_program *p)
{
	const char *seen[64];
	int nseen = 0;

	for (int i = 0; i < p->nsteps; i++) {
		const struct ms_step *s = &p->steps[i];

		for (int a = 0; a <= s->nargs && a <= MS_ARGS_MAX; a++) {
			const struct ms_expr *e =
				a < s->nargs ? (s->args[a].kind == MS_ARG_EXPR ?
							&s->args[a].expr :
							NULL) :
					       &s->where;
			const struct ms_term *terms =
				e ? ms_expr_terms(p, e) : NULL;

			for (int k = 0; terms && k < e->nterms; k++) {
				const struct ms_term *t = &terms[k];
				const char *text = ms_text(p, t->text);
				bool dup = false;

				if (t->kind != MS_TERM_SYM ||
				    !strcmp(text, "PAGE_SIZE") ||
				    !strcmp(text, "NULL"))
					continue;
				for (int j = 0; j < nseen; j++)
					dup |= !strcmp(seen[j], text);
				if (dup || nseen == 64)
					continue;
				seen[nseen++] = text;
				put(b, "#ifndef %s\n#define %s %lld\n#endif\n",
				    text, text, (long long)t->num);
			}
		}
	}
}

/* The call's C, into `o`; false for a call the runtime does not have. */
static bool put_call(struct cb *b, const struct ms_program *p,
		     const struct ms_step *s)
{
#define A(k) put_arg(b, p, s, k, "0")
	switch (s->call) {
	case MS_CALL_MMAP:
		put(b, "\to = ret_of(SYS(__NR_mmap, hint(");
		A(0), put(b, ", "), A(1), put(b, ", "), A(3);
		put(b, "), ");
		A(1), put(b, ", "), A(2), put(b, ", "), A(3), put(b, ", ");
		put_arg(b, p, s, 4, "-1"), put(b, ", "), A(5);
		put(b, "));\n");
		return true;
	case MS_CALL_MUNMAP:
	case MS_CALL_MPROTECT:
	case MS_CALL_PKEY_MPROTECT:
	case MS_CALL_PKEY_ALLOC:
	case MS_CALL_PKEY_FREE:
	case MS_CALL_MADVISE:
	case MS_CALL_MREMAP:
	case MS_CALL_MLOCK:
	case MS_CALL_MLOCK2:
	case MS_CALL_MUNLOCK:
	case MS_CALL_MLOCKALL:
	case MS_CALL_MUNLOCKALL:
	case MS_CALL_MSYNC:
	case MS_CALL_SET_MEMPOLICY_HOME_NODE:
	case MS_CALL_MSEAL:
	case MS_CALL_REMAP_FILE_PAGES:
	case MS_CALL_SHMAT:
	case MS_CALL_SHMDT: {
		static const char *const nr[MS_NCALLS] = {
			[MS_CALL_MUNMAP] = "munmap",
			[MS_CALL_MPROTECT] = "mprotect",
			[MS_CALL_PKEY_MPROTECT] = "pkey_mprotect",
			[MS_CALL_PKEY_ALLOC] = "pkey_alloc",
			[MS_CALL_PKEY_FREE] = "pkey_free",
			[MS_CALL_MADVISE] = "madvise",
			[MS_CALL_MREMAP] = "mremap",
			[MS_CALL_MLOCK] = "mlock",
			[MS_CALL_MLOCK2] = "mlock2",
			[MS_CALL_MUNLOCK] = "munlock",
			[MS_CALL_MLOCKALL] = "mlockall",
			[MS_CALL_MUNLOCKALL] = "munlockall",
			[MS_CALL_MSYNC] = "msync",
			[MS_CALL_SET_MEMPOLICY_HOME_NODE] =
				"set_mempolicy_home_node",
			[MS_CALL_MSEAL] = "mseal",
			[MS_CALL_BRK] = "brk",
			[MS_CALL_REMAP_FILE_PAGES] = "remap_file_pages",
			[MS_CALL_SHMAT] = "shmat",
			[MS_CALL_SHMDT] = "shmdt",
		};
		int n = ms_call_desc[s->call].max_args;

		put(b, "\to = ret_of(SYS(__NR_%s", nr[s->call]);
		for (int k = 0; k < n; k++)
			put(b, ", "), A(k);
		put(b, "));\n");
		return true;
	}
	case MS_CALL_PROCESS_MADVISE:
		put(b, "\to = ret_of(do_process_madvise(");
		A(0), put(b, ", "), A(1), put(b, ", "), A(2);
		put(b, "));\n");
		return true;
	case MS_CALL_MBIND:
		put(b, "\to = ret_of(do_mbind(");
		A(0), put(b, ", "), A(1), put(b, ", "), A(2), put(b, ", "), A(3);
		put(b, "));\n");
		return true;
	case MS_CALL_MINCORE:
		put(b, "\to = ret_of(do_mincore(");
		A(0), put(b, ", "), A(1);
		put(b, "));\n");
		return true;
	case MS_CALL_SHMGET:
		put(b, "\to = ret_of(do_shmget("), A(0), put(b, "));\n");
		return true;
	case MS_CALL_IO_SETUP:
		put(b, "\to = ret_of(do_io_setup("), A(0), put(b, "));\n");
		return true;
	case MS_CALL_IO_DESTROY:
		put(b, "\to = ret_of(do_io_destroy("), A(0), put(b, "));\n");
		return true;
	case MS_CALL_MEMFD:
		put(b, "\to = ret_of(do_memfd(");
		A(0), put(b, ", "), A(1);
		put(b, "));\n");
		return true;
	case MS_CALL_REOPEN:
		put(b, "\to = ret_of(do_reopen(");
		A(0), put(b, ", "), A(1);
		put(b, "));\n");
		return true;
	case MS_CALL_VDSO:
		put(b, "\to = ret_of(do_vdso());\n");
		return true;
	case MS_CALL_FILL:
		put(b, "\to = touch("), A(0), put(b, ", "), A(1);
		put(b, ", 0, 1);\n");
		return true;
	case MS_CALL_READ:
		put(b, "\to = touch("), A(0), put(b, ", \"\", "), A(1);
		put(b, ", 0);\n");
		return true;
	case MS_CALL_PROC_MEM_WRITE:
		put(b, "\to = ret_of(do_proc_mem_write(");
		A(0), put(b, ", "), A(1);
		put(b, "));\n");
		return true;
	case MS_CALL_PROCESS_VM_WRITE:
		put(b, "\to = ret_of(do_process_vm_write(");
		A(0), put(b, ", "), A(1);
		put(b, "));\n");
		return true;
	default:
		return false;
	}
#undef A
}

/* The outcome of step i in trace t (in the step's own process). */
static const struct ms_outcome *trace_outcome(const struct ms_trace *t,
					      const struct ms_step *s, int i,
					      bool pages)
{
	for (int k = 0; t && k < t->nout; k++) {
		const struct ms_outcome *o = &t->out[k];

		if (o->step != i || o->pid_depth != s->depth)
			continue;
		if (pages ? (o->kind == MS_OUT_PAGES && o->name < 0) :
			    o->kind != MS_OUT_PAGES)
			return o;
	}
	return NULL;
}

static bool in_arena(int64_t v)
{
	return (uint64_t)v >= 0x200000000000ULL &&
	       (uint64_t)v < 0x200000000000ULL + (64ULL << 30);
}

static void put_check(struct cb *b, const struct ms_program *p, int i,
		      const struct ms_emit_opts *o, const char *who)
{
	const struct ms_step *s = &p->steps[i];
	const char *kind = "WANT_NONE";
	char want[64] = "0";
	bool expr = false;
	const struct ms_expr *value = NULL;

	if (s->nresults == 0 && !s->record) {
		kind = "WANT_SETUP";
	} else if (o->expect) {
		const struct ms_outcome *x =
			trace_outcome(o->expect, s, i, false);
		enum ms_ret_kind rk = ms_call_desc[s->call].ret;

		if (x && x->kind == MS_OUT_FAULT) {
			kind = "WANT_FAULT";
			snprintf(want, sizeof(want), "(int64_t)0x%llxULL",
				 (unsigned long long)x->fault_addr);
		} else if (x && x->kind == MS_OUT_RET) {
			bool exact = x->ret < 0 || rk == MS_RET_INT ||
				     (rk == MS_RET_ADDR && in_arena(x->ret));

			kind = exact ? "WANT_VALUE" : "WANT_SUCCESS";
			snprintf(want, sizeof(want), "(int64_t)%lldLL",
				 (long long)x->ret);
		}
	} else if (s->nresults) {
		const struct ms_result *res = ms_step_results(p, s), *r = NULL;

		for (int k = 0; res && k < s->nresults && !r; k++)
			if (res[k].profiles & (1u << o->profile))
				r = &res[k];
		for (int k = 0; res && k < s->nresults && !r; k++)
			if (!res[k].profiles)
				r = &res[k];
		if (r) {
			switch (r->kind) {
			case MS_RES_OK:
				kind = "WANT_OK";
				break;
			case MS_RES_ERROR:
				kind = "WANT_ERROR";
				break;
			case MS_RES_ERRNO:
				kind = "WANT_VALUE";
				snprintf(want, sizeof(want), "-%d", r->err);
				break;
			case MS_RES_FAULT:
				kind = "WANT_FAULT";
				break;
			case MS_RES_VALUE:
				kind = "WANT_VALUE";
				expr = true;
				value = &r->value;
				break;
			default:
				break;
			}
		}
	}
	put(b, "\tcheck(%d, step_text, o, %s, ", ms_step_number(p, i), kind);
	if (expr)
		put(b, "(int64_t)"), put_expr(b, p, value);
	else
		put(b, "%s", want);
	put(b, ", \"%s\");\n", who);
}

static bool put_expect(struct cb *b, const struct ms_program *p, int i,
		       const struct ms_emit_opts *o, const char *who)
{
	const struct ms_step *s = &p->steps[i];
	char tok[MS_GRID_MAX][MS__TOKEN_MAX];
	char grid[MS_GRID_MAX * 4];
	int n;

	if (o->expect) {
		const struct ms_outcome *x =
			trace_outcome(o->expect, s, i, true);

		if (!x)
			return false;
		ms_grid_format(s->attr, x->pages, x->npages, grid,
			       sizeof(grid));
	} else {
		if (s->profiles && !(s->profiles & (1u << o->profile)))
			return false;
		snprintf(grid, sizeof(grid), "%s", ms_text(p, s->grid.str));
	}
	n = ms__grid_split(s->attr, grid, tok, MS_GRID_MAX);
	if (n <= 0)
		return false;
	put(b, "\t{\n\t\tstatic const char *const want[] = {");
	for (int k = 0; k < n; k++) {
		/* Unobservable or unobserved: anything goes. */
		if (tok[k][0] == MS_DATA_UNOBSERVABLE)
			snprintf(tok[k], sizeof(tok[k]), "?");
		put(b, "%s", k ? ", " : " ");
		put_str(b, tok[k]);
	}
	put(b, " };\n\n\t\tcheck_grid(%d, step_text, ", ms_step_number(p, i));
	put_expr(b, p, &s->where);
	put(b, ", %d, %d, want, \"%s\");\n\t}\n", (int)s->attr, n, who);
	return true;
}

char *ms_emit_c(const struct ms_program *p, const struct ms_emit_opts *o,
		int *err, char *why, size_t n)
{
	struct cb b = { 0 };
	char who[32], text[512];
	int depth = 0;

	*err = 0;
	if (o->expect)
		snprintf(who, sizeof(who), "model:");
	else
		snprintf(who, sizeof(who), "%s:",
			 ms_profile_name(o->profile));
	/* Refuse early what the runtime cannot do. */
	for (int i = 0; i < p->nsteps; i++) {
		const struct ms_step *s = &p->steps[i];
		struct cb tmp = { 0 };
		bool ok = true;

		if (s->kind == MS_STEP_EXEC) {
			snprintf(why, n, "step %d: exec", ms_step_number(p, i));
			*err = -ENOTSUP;
			return NULL;
		}
		if (s->kind != MS_STEP_CALL)
			continue;
		ok = put_call(&tmp, p, s);
		free(tmp.s);
		if (!ok) {
			snprintf(why, n, "step %d: %s, which the C emitter "
					 "does not write",
				 ms_step_number(p, i),
				 ms_call_desc[s->call].name);
			*err = -ENOTSUP;
			return NULL;
		}
	}
	put(&b, "/*\n * %s\n *\n * Standalone: cc -o repro FILE.c && ./repro\n"
		" * Exit status: 0 every step as expected, 1 a step differs "
		"(marked <--),\n * 2 a setup step failed, 3 the environment "
		"is not usable.\n",
	    o->title ? o->title : "A sealspec scenario, as C.");
	{
		char *scn = ms_print(p);

		if (scn) {
			put(&b, " *\n * The scenario:\n *\n");
			/* A comment closer in the text must not end ours. */
			for (char *q = strstr(scn, "*/"); q;
			     q = strstr(q, "*/"))
				q[1] = '|';
			for (char *l = scn, *e; *l; l = e + (*e != 0)) {
				e = strchr(l, '\n');
				if (!e)
					e = l + strlen(l);
				put(&b, " *   %.*s\n", (int)(e - l), l);
			}
			free(scn);
		}
	}
	put(&b, " */\n");
	put(&b, "%s", ms__emit_c_runtime);
	put(&b, "\n/* Constants the scenario names. */\n");
	put_constants(&b, p);
	put(&b, "\n/* The scenario's names. */\n");
	for (int k = 0; k < p->nnames; k++)
		put(&b, "static int64_t v_%s __attribute__((unused));\n",
		    p->names[k].name);
	put(&b, "\nint main(void)\n{\n\tstruct out o;\n\tconst char "
		"*step_text;\n\n\t(void)o;\n\t(void)step_text;\n\tbegin();\n");
	for (int i = 0; i < p->nsteps; i++) {
		const struct ms_step *s = &p->steps[i];

		switch (s->kind) {
		case MS_STEP_CALL:
			ms_print_step(p, i, text, sizeof(text));
			put(&b, "\n\tstep_text = ");
			put_str(&b, text);
			put(&b, ";\n");
			put_call(&b, p, s);
			put_check(&b, p, i, o, who);
			if (s->bind >= 0)
				put(&b, "\tif (!o.sig && o.ret >= 0)\n"
					"\t\tv_%s = o.ret;\n",
				    p->names[s->bind].name);
			break;
		case MS_STEP_EXPECT:
			ms_print_step(p, i, text, sizeof(text));
			put(&b, "\n\tstep_text = ");
			put_str(&b, text);
			put(&b, ";\n");
			put_expect(&b, p, i, o, who);
			break;
		case MS_STEP_FORK:
			put(&b, "\n\t/* fork: the steps up to the matching end "
				"run in the child. */\n"
				"\t{\n\tpid_t pid%d = fork();\n\n"
				"\tif (pid%d < 0) {\n\t\tprintf(\"fork "
				"failed\\n\");\n\t\texit(3);\n\t}\n"
				"\tprintf(\"step %d: fork\\n\");\n"
				"\tif (pid%d == 0) {\n",
			    depth, depth, ms_step_number(p, i), depth);
			depth++;
			break;
		case MS_STEP_END:
			depth--;
			put(&b, "\n\t_exit(status);\n\t}\n\tjoin(pid%d);\n"
				"\tprintf(\"step %d: end\\n\");\n\t}\n",
			    depth, ms_step_number(p, i));
			break;
		default:
			break;
		}
	}
	put(&b, "\treturn finish();\n}\n");
	if (b.oom) {
		free(b.s);
		*err = -ENOMEM;
		return NULL;
	}
	return b.s;
}

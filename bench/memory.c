// SPDX-License-Identifier: MIT
/*
 * What programs and traces cost in memory: the size of every public struct
 * a caller holds by value or by the thousand, then the heap the parsed
 * scenarios take (templates alone, then with every variant instantiated at
 * once, as a tool that keeps them all would hold them) and the process's
 * peak resident set.  Figures, not a test.
 *
 *   usage: bench/memory FILE.scn...      (make bench: the catalog)
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "sealspec.h"

#define SIZE(t) printf("  %-22s %7zu bytes\n", "struct " #t, sizeof(struct t))

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) &&
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		*len = (size_t)n;
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	struct ms_program *t, *v;
	size_t base, after_t, after_v;
	int nt = 0, nv = 0, steps = 0, cap;
	struct rusage ru;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE.scn...\n", argv[0]);
		return 2;
	}
	printf("struct sizes:\n");
	SIZE(ms_term);
	SIZE(ms_expr);
	SIZE(ms_arg);
	SIZE(ms_result);
	SIZE(ms_step);
	SIZE(ms_cell);
	SIZE(ms_program);
	SIZE(ms_page);
	SIZE(ms_outcome);
	SIZE(ms_trace);
	SIZE(ms_trace_diff);
	SIZE(ms_verdict);
	SIZE(ms_kernel_info);

	/* The structs themselves count: a tool allocates them too. */
	base = heap_in_use();
	t = calloc((size_t)argc, sizeof(*t));
	if (!t)
		return 1;
	for (int i = 1; i < argc; i++) {
		struct ms_diag d;
		size_t len;
		char *src = slurp(argv[i], &len);

		if (!src || ms_parse(argv[i], src, len, &t[nt], &d) < 0) {
			fprintf(stderr, "%s: %s\n", argv[i],
				src ? d.msg : strerror(errno));
			free(src);
			continue;
		}
		free(src);
		steps += t[nt].nsteps;
		nt++;
	}
	after_t = heap_in_use();
	cap = 0;
	for (int i = 0; i < nt; i++)
		cap += ms_variant_count(&t[i]);
	v = calloc((size_t)cap + 1, sizeof(*v));
	if (!v)
		return 1;
	for (int i = 0; i < nt; i++)
		for (int row = 0; row < ms_variant_count(&t[i]) && nv < cap;
		     row++)
			if (ms_instantiate(&t[i], row, &v[nv], NULL) == 0)
				nv++;
	after_v = heap_in_use();
	getrusage(RUSAGE_SELF, &ru);

	printf("scenarios: %d files, %d steps; %d variants\n", nt, steps, nv);
	printf("heap: templates %zu KiB (%zu bytes a step), "
	       "with every variant %zu KiB\n",
	       (after_t - base) / 1024, steps ? (after_t - base) / steps : 0,
	       (after_v - base) / 1024);
	printf("peak resident set: %ld KiB\n", ru.ru_maxrss);

	for (int i = 0; i < nv; i++)
		ms_program_free(&v[i]);
	for (int i = 0; i < nt; i++)
		ms_program_free(&t[i]);
	free(v);
	free(t);
	return 0;
}

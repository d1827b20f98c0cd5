// SPDX-License-Identifier: MIT
/*
 * A program as another process receives it: one flat copy,
 *
 *   [struct ms_program][steps][pool results][pool terms][pool text]
 *
 * written by the runner (run.c, into a memfd) or by the fuzzer's executor
 * (executor.c, into a shared mapping), and read in place by the scenario
 * process (spawn.c) or the executor.  The pool refers by offset, so the
 * copy needs only its four pointers set again; the vary table is the
 * sender's and is never sent.
 */
#include <errno.h>
#include <string.h>

#include "kernel/kernel.h"

int ms__wire_parts(const struct ms_program *p,
		   struct ms__wire_part part[MS__WIRE_PARTS], uint64_t *len)
{
	const struct ms__wire_part all[MS__WIRE_PARTS] = {
		{ p, sizeof(*p) },
		{ p->steps, (uint64_t)p->nsteps * sizeof(struct ms_step) },
		{ p->pool.results,
		  (uint64_t)p->pool.nresults * sizeof(struct ms_result) },
		{ p->pool.terms,
		  (uint64_t)p->pool.nterms * sizeof(struct ms_term) },
		{ p->pool.text, p->pool.text_len },
	};

	if (p->nsteps < 0)
		return -EINVAL;
	*len = 0;
	for (int i = 0; i < MS__WIRE_PARTS; i++) {
		part[i] = all[i];
		*len += all[i].len;
	}
	return 0;
}

const char *ms__wire_view(const char *map, uint64_t len,
			  struct ms_program *prog)
{
	uint64_t steps, res, terms;

	if (len < sizeof(*prog))
		return "the program is truncated";
	memcpy(prog, map, sizeof(*prog));
	steps = (uint64_t)prog->nsteps * sizeof(struct ms_step);
	res = (uint64_t)prog->pool.nresults * sizeof(struct ms_result);
	terms = (uint64_t)prog->pool.nterms * sizeof(struct ms_term);
	if (prog->nsteps < 0 ||
	    len != sizeof(*prog) + steps + res + terms + prog->pool.text_len)
		return "the program is truncated";
	map += sizeof(*prog);
	prog->steps = (struct ms_step *)(uintptr_t)map;
	prog->cap_steps = prog->nsteps;
	map += steps;
	prog->pool.results = (struct ms_result *)(uintptr_t)map;
	prog->pool.cap_results = prog->pool.nresults;
	map += res;
	prog->pool.terms = (struct ms_term *)(uintptr_t)map;
	prog->pool.cap_terms = prog->pool.nterms;
	map += terms;
	prog->pool.text = (char *)(uintptr_t)map;
	prog->pool.text_cap = prog->pool.text_len;
	prog->vary = NULL;	/* the sender's pointer */
	if (prog->pool.text_len && prog->pool.text[prog->pool.text_len - 1])
		return "the program's text is not terminated";
	return NULL;
}

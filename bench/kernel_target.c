// SPDX-License-Identifier: MIT
/*
 * What the kernel target costs, measured in one run on this machine:
 *   - a bare fork + exit + wait, the floor for one scenario;
 *   - one scenario through ms_kernel_run, and its ratio to that floor;
 *   - one page-state observation (smaps + pagemap + /proc/self/mem);
 *   - the same of PROT_NONE pages through the page reader, the route
 *     taken where only a tracer may read them, and its start;
 *   - judging one trace under every profile.
 * Figures, not assertions: `make bench` prints them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel/kernel.h"
#include "sealspec.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static const char scenario[] =
	"purpose  bench\n"
	"rules    G1\n"
	"\n"
	"a = mmap(0, 4p, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)\n"
	"fill(a, \"ABCD\")\n"
	"mseal(a+2p, 2p, 0)                     => 0\n"
	"mprotect(a+1p, 3p, PROT_READ)          => EPERM\n"
	"expect a seal \"--SS\"\n"
	"expect a data \"ABCD\"\n";

int main(int argc, char **argv)
{
	const int forks = 300, runs = 300, observes = 1000, judges = 2000;
	struct ms_kernel_info ki;
	struct ms_kernel_opts ko = { .timeout_ms = 10000, .snapshots = true };
	struct ms_program p;
	struct ms_diag d;
	struct ms_trace t;
	struct ms_outcome o;
	struct ms_verdict v;
	double t0, fork_us, run_us, obs_us, judge_us, start_us, peek_us;
	int nout;
	long ps = sysconf(_SC_PAGESIZE);
	char *a;

	/* The page reader is this binary, started again. */
	if (argc > 1 && strcmp(argv[1], MS_EXEC_ARGV1) == 0)
		ms_kernel_exec_resume(argc, argv);
	if (ms_kernel_probe(&ki) || ms_parse("bench.scn", scenario,
					     strlen(scenario), &p, &d)) {
		fprintf(stderr, "bench: setup failed\n");
		return 1;
	}

	t0 = now_us();
	for (int i = 0; i < forks; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
	fork_us = (now_us() - t0) / forks;

	t0 = now_us();
	for (int i = 0; i < runs; i++) {
		ms_trace_init(&t);
		ms_kernel_run(&p, &ki, &ko, &t);
		ms_trace_free(&t);
	}
	run_us = (now_us() - t0) / runs;

	ms_trace_init(&t);
	ms_kernel_run(&p, &ki, &ko, &t);
	t0 = now_us();
	for (int i = 0; i < judges; i++)
		ms_judge(&p, &t, (enum ms_profile)(i % MS_NPROFILES), &v);
	judge_us = (now_us() - t0) / judges;
	nout = t.nout;
	ms_trace_free(&t);

	a = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(a, 'A', 2 * ps);
	t0 = now_us();
	for (int i = 0; i < observes; i++)
		ms__observe((uint64_t)a, 4, ps, true, o.pages);
	obs_us = (now_us() - t0) / observes;

	/* As under SEALSPEC_OBSERVE=ptrace: the first call starts the
	 * reader, the others reuse it. */
	mprotect(a, 4 * ps, PROT_NONE);
	ms__observe_route(MS_DATA_PTRACE, true);
	t0 = now_us();
	ms__observe((uint64_t)a, 4, ps, true, o.pages);
	start_us = now_us() - t0;
	t0 = now_us();
	for (int i = 0; i < observes; i++)
		ms__observe((uint64_t)a, 4, ps, true, o.pages);
	peek_us = (now_us() - t0) / observes;
	ms__memreader_stop();
	ms__observe_route(MS_DATA_DIRECT, false);

	printf("kernel %s, %s\n", ki.release, ki.machine);
	printf("bare fork+exit+wait        %8.1f us\n", fork_us);
	printf("one scenario (7 steps)     %8.1f us  (%.1fx a bare fork)\n",
	       run_us, run_us / fork_us);
	printf("one observation (4 pages)  %8.1f us\n", obs_us);
	printf("PROT_NONE, by page reader  %8.1f us  (\"%c%c%c%c\"; the first, "
	       "which starts it: %.1f us)\n",
	       peek_us, o.pages[0].data, o.pages[1].data, o.pages[2].data,
	       o.pages[3].data, start_us);
	printf("judging one trace          %8.1f us  (%d outcomes, %s)\n",
	       judge_us, nout, ms_result_code_name(v.code));
	ms_program_free(&p);
	return 0;
}

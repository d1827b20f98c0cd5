// SPDX-License-Identifier: MIT
/*
 * What differential fuzzing costs: generated programs (--steps 10: up to
 * 10 generated steps between the prelude and the closing observations)
 * per second on this kernel and the model, the way sealspec fuzz runs
 * them (ms_fuzz_run on the fast path: results and the closing
 * observations, a difference confirmed with every snapshot in a scenario
 * process of its own), with one worker process and with two:
 *
 *   fork per program   every program in a scenario process of its own
 *   executor           in the long-lived executor (src/kernel/executor.c)
 *
 * both in the same run, so that the load of the machine weighs on both
 * alike; and where the time goes: generating from the model's state, the
 * rest of ms_fuzz_run (the kernel run, the model in lockstep, the
 * comparison), and, of that, the executor's round trips and the time
 * inside the programs' own calls and memory accesses (the kernel's work
 * proper, measured in the executor; the same calls cost the same in a
 * scenario process).  Figures, not a test; the load average is printed.
 *
 *   build/bench/fuzz [SECONDS]     (default 5 per measurement)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sealspec-fuzz.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct cost {
	long programs, steps, differ, not_run;
	double wall, gen, run;
	struct ms_fuzz_exec_stats x;
};

static void worker(const struct ms_kernel_info *ki, int job, int jobs,
		   bool executor, double seconds, struct cost *c)
{
	struct ms_fuzz_env e = {
		.ki = ki,
		.ko = { .timeout_ms = 10000 },
		.profile = ki->detected,
		.fast = true,
		.executor = executor,
		.time_calls = executor,
	};
	double start = now(), end = start + seconds;

	memset(c, 0, sizeof(*c));
	for (uint64_t i = (uint64_t)job; now() < end; i += (uint64_t)jobs) {
		struct ms_fuzz_gen_opts go = {
			.seed = 1, .index = i, .features = ki->features,
			.profile = ki->detected, .max_steps = 10,
		};
		struct ms_fuzz_result r;
		struct ms_program p;
		double t0 = now(), t1;

		if (ms_fuzz_generate(&go, &p))
			continue;
		t1 = now();
		if (ms_fuzz_run(&e, &p, &r) == 0) {
			c->programs++;
			c->differ += r.status == MS_FUZZ_DIFFER;
			c->not_run += r.status == MS_FUZZ_NOT_RUN;
			for (int k = 0; k < p.nsteps; k++)
				c->steps += p.steps[k].kind == MS_STEP_CALL;
			ms_fuzz_result_free(&r);
		}
		c->gen += t1 - t0;
		c->run += now() - t1;
		ms_program_free(&p);
	}
	c->wall = now() - start;
	ms_fuzz_exec_stats(&c->x);
	ms_fuzz_exec_stop();
}

/* Runs `jobs` worker processes; returns the sum of their costs. */
static void measure(const struct ms_kernel_info *ki, int jobs, bool executor,
		    double secs, struct cost *sum)
{
	int fds[2];

	memset(sum, 0, sizeof(*sum));
	if (pipe(fds))
		exit(3);
	for (int j = 0; j < jobs; j++) {
		if (fork() == 0) {
			struct cost c;

			close(fds[0]);
			worker(ki, j, jobs, executor, secs, &c);
			ms_kernel_stop();
			if (write(fds[1], &c, sizeof(c)) != sizeof(c))
				_exit(1);
			_exit(0);
		}
	}
	close(fds[1]);
	for (int j = 0; j < jobs; j++) {
		struct cost c;

		if (read(fds[0], &c, sizeof(c)) != sizeof(c))
			break;
		sum->programs += c.programs;
		sum->steps += c.steps;
		sum->differ += c.differ;
		sum->not_run += c.not_run;
		sum->wall += c.wall;
		sum->gen += c.gen;
		sum->run += c.run;
		sum->x.executor += c.x.executor;
		sum->x.refused += c.x.refused;
		sum->x.failed += c.x.failed;
		sum->x.processes += c.x.processes;
		sum->x.recycled += c.x.recycled;
		sum->x.confirmed += c.x.confirmed;
		sum->x.unconfirmed += c.x.unconfirmed;
		sum->x.call_ns += c.x.call_ns;
		sum->x.run_ns += c.x.run_ns;
	}
	close(fds[0]);
	while (wait(NULL) > 0)
		;
}

static double loadavg(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 5;
	struct ms_kernel_info ki;
	struct cost c[2][2];
	double call_per_program = 0;

	/* The page reader, where a scenario needs one, is this binary too. */
	if (argc > 1 && strcmp(argv[1], MS_EXEC_ARGV1) == 0)
		ms_kernel_exec_resume(argc, argv);
	if (ms_kernel_probe(&ki) || !ki.has_mseal) {
		printf("fuzz bench: no usable kernel (probe failed or no mseal)\n");
		return 0;
	}
	printf("fuzz: differential programs (--steps 10), %.0f s each, load "
	       "average %.2f at the start\n", secs, loadavg());
	/* Executor first: its measured calls give the old path's share. */
	for (int m = 1; m >= 0; m--) {
		for (int jobs = 1; jobs <= 2; jobs++) {
			struct cost *k = &c[m][jobs - 1];
			double share;

			measure(&ki, jobs, m == 1, secs, k);
			if (m == 1 && jobs == 1 && k->x.executor)
				call_per_program = (double)k->x.call_ns / 1e9 /
						   (double)k->x.executor;
			share = k->wall > 0 ? call_per_program * k->programs /
						      k->wall : 0;
			printf("%-17s %d job%s: %5.0f programs/s (%.1f calls "
			       "each), load %.2f\n",
			       m ? "executor," : "fork per program,", jobs,
			       jobs == 1 ? " " : "s", k->programs / secs,
			       k->programs ? (double)k->steps / k->programs :
					     0.0,
			       loadavg());
			printf("    time: generating %.0f%%, kernel, model and "
			       "comparing %.0f%%; inside the programs' own "
			       "calls %.0f%%\n",
			       100 * k->gen / k->wall, 100 * k->run / k->wall,
			       100 * share);
			if (m)
				printf("    executor: %ld programs judged there "
				       "(round trips %.0f%% of the time), %ld "
				       "refused, %ld it could not judge; %ld "
				       "processes, %ld recycled; differences "
				       "%ld confirmed, %ld not\n",
				       k->x.executor,
				       100 * (double)k->x.run_ns / 1e9 / k->wall,
				       k->x.refused, k->x.failed,
				       k->x.processes, k->x.recycled,
				       k->x.confirmed, k->x.unconfirmed);
		}
	}
	for (int jobs = 1; jobs <= 2; jobs++)
		if (c[0][jobs - 1].programs)
			printf("executor / fork per program, %d job%s: %.1fx\n",
			       jobs, jobs == 1 ? "" : "s",
			       (double)c[1][jobs - 1].programs /
				       (double)c[0][jobs - 1].programs);
	return 0;
}

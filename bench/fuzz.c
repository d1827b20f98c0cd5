// SPDX-License-Identifier: MIT
/*
 * What differential fuzzing costs: generated programs (up to 10 steps)
 * per second on this kernel and the model in lockstep, on the fast path
 * (no snapshots: results and the closing observations, as sealspec fuzz
 * runs every program) with one worker process and with two, and with
 * every snapshot (--snapshots); and where one worker's time goes
 * (generating from the model's state, the kernel run with its fork, the
 * model run, the comparison).  Figures, not a test.
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
	long programs, steps;
	double gen, kernel, model, diff;
};

static void worker(const struct ms_kernel_info *ki, int job, int jobs,
		   bool snapshots, double seconds, struct cost *c)
{
	struct ms_kernel_opts ko = { .timeout_ms = 10000,
				     .snapshots = snapshots };
	double end = now() + seconds;

	memset(c, 0, sizeof(*c));
	for (uint64_t i = (uint64_t)job; now() < end; i += (uint64_t)jobs) {
		struct ms_fuzz_gen_opts go = {
			.seed = 1, .index = i, .features = ki->features,
			.profile = ki->detected, .max_steps = 10,
		};
		struct ms_model_opts mo = {
			.profile = ki->detected, .snapshots = snapshots,
			.features = ki->features,
		};
		struct ms_trace kt, mt;
		struct ms_trace_diff d;
		struct ms_program p;
		double t0 = now(), t1, t2, t3;

		if (ms_fuzz_generate(&go, &p))
			continue;
		t1 = now();
		ms_trace_init(&kt);
		ms_trace_init(&mt);
		ms_kernel_run(&p, ki, &ko, &kt);
		t2 = now();
		mo.lockstep = &kt;
		ms_model_run(&p, &mo, &mt);
		t3 = now();
		ms_trace_diff(&p, &kt, &mt, &d);
		c->gen += t1 - t0;
		c->kernel += t2 - t1;
		c->model += t3 - t2;
		c->diff += now() - t3;
		c->programs++;
		for (int k = 0; k < p.nsteps; k++)
			c->steps += p.steps[k].kind == MS_STEP_CALL;
		ms_trace_free(&kt);
		ms_trace_free(&mt);
		ms_program_free(&p);
	}
}

/* Runs `jobs` worker processes; returns the sum of their costs. */
static void measure(const struct ms_kernel_info *ki, int jobs,
		    bool snapshots, double secs, struct cost *sum)
{
	int fds[2];

	memset(sum, 0, sizeof(*sum));
	if (pipe(fds))
		exit(3);
	for (int j = 0; j < jobs; j++) {
		if (fork() == 0) {
			struct cost c;

			close(fds[0]);
			worker(ki, j, jobs, snapshots, secs, &c);
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
		sum->gen += c.gen;
		sum->kernel += c.kernel;
		sum->model += c.model;
		sum->diff += c.diff;
	}
	close(fds[0]);
	while (wait(NULL) > 0)
		;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 5;
	struct ms_kernel_info ki;
	struct cost c;

	if (ms_kernel_probe(&ki) || !ki.has_mseal) {
		printf("fuzz bench: no usable kernel (probe failed or no mseal)\n");
		return 0;
	}
	for (int m = 0; m < 3; m++) {
		int jobs = m == 1 ? 2 : 1;
		bool snapshots = m == 2;
		double total;

		measure(&ki, jobs, snapshots, secs, &c);
		total = c.gen + c.kernel + c.model + c.diff;
		printf("fuzz, %d job%s, %s: %.0f programs/s (%.1f calls each), "
		       "%.0f calls/s\n",
		       jobs, jobs == 1 ? " " : "s",
		       snapshots ? "every snapshot" : "fast path",
		       c.programs / secs,
		       c.programs ? (double)c.steps / c.programs : 0.0,
		       c.steps / secs);
		if (total > 0)
			printf("  time: generating %.0f%%, kernel run %.0f%%, "
			       "model run %.0f%%, comparing %.0f%%\n",
			       100 * c.gen / total, 100 * c.kernel / total,
			       100 * c.model / total, 100 * c.diff / total);
	}
	return 0;
}

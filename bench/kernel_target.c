// SPDX-License-Identifier: MIT
/*
 * What the kernel target costs, measured in one run on this machine:
 *   - a bare fork + exit + wait, the floor for one scenario;
 *   - one scenario through ms_kernel_run, and its ratio to that floor;
 *   - one page-state observation (smaps + pagemap + /proc/self/mem);
 *   - the same of PROT_NONE pages through the page reader, the route
 *     taken where only a tracer may read them, and its start;
 *   - judging one trace under every profile;
 *   - given `kernel_target SEALSPEC FORK_FLOOR`: the whole catalog on the
 *     kernel (SEALSPEC run --target kernel) at --jobs 1 and at the
 *     default --jobs, beside
 *     a bare fork + exit + wait of a minimal static process (FORK_FLOOR),
 *     three rounds of each taken in turn, medians reported, and their
 *     ratio: catalog time / (cases run x one bare fork); the same in CPU
 *     time (every process of each, wait4's rusage), which a loaded
 *     machine swells far less than wall time.
 * Figures, not assertions: `make bench` prints them.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
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

#define ROUNDS 3

/*
 * Runs argv with stdout into a pipe (kept: the last line) and stderr to
 * /dev/null; its wall time in us, or -1.  *cpu_us: the CPU time of it
 * and everything it started (wait4's rusage).
 */
static double timed_run(char *const argv[], char *last, size_t n,
			double *cpu_us)
{
	char buf[4096];
	size_t len = 0;
	int p[2], status;
	struct rusage ru;
	double t0;
	pid_t pid;
	ssize_t r;

	if (pipe(p) < 0)
		return -1;
	t0 = now_us();
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(p[1], 1);
		if (null >= 0)
			dup2(null, 2);
		close(p[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	last[0] = '\0';
	while ((r = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0) {
		char *nl;

		len += (size_t)r;
		buf[len] = '\0';
		/* Keep the last complete line and what follows it. */
		while ((nl = strchr(buf, '\n')) && nl[1]) {
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len + 1);
		}
		if (len >= sizeof(buf) - 1)
			len = 0;
	}
	close(p[0]);
	if (pid < 0 || wait4(pid, &status, 0, &ru) != pid)
		return -1;
	t0 = now_us() - t0;
	*cpu_us = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
		  (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	buf[len] = '\0';
	if (len >= n)
		len = n - 1;
	memcpy(last, buf, len + 1);
	last[len] = '\0';
	return WIFEXITED(status) && WEXITSTATUS(status) <= 1 ? t0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* The whole catalog beside the floor: see the comment at the top. */
static int catalog_figures(char *sealspec, char *floor)
{
	char *floor_argv[] = { floor, "2000", NULL };
	char *j1[] = { sealspec, "run", "--target", "kernel", "--jobs", "1",
		       NULL };
	char *jd[] = { sealspec, "run", "--target", "kernel", NULL };
	double f[ROUNDS], c1[ROUNDS], cd[ROUNDS], fork_us, one, dflt;
	double fcpu[ROUNDS], cpu1[ROUNDS], cpud[ROUNDS], fork_cpu, cpu;
	int total = 0, skipped = 0, jobs = 1, run;
	char last[512];
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		jobs = CPU_COUNT(&set);
	for (int i = 0; i < ROUNDS; i++) {
		if (timed_run(floor_argv, last, sizeof(last), &fcpu[i]) < 0 ||
		    (f[i] = atof(last)) <= 0) {
			fprintf(stderr, "bench: %s failed\n", floor);
			return 1;
		}
		fcpu[i] /= 2000;
		c1[i] = timed_run(j1, last, sizeof(last), &cpu1[i]);
		cd[i] = timed_run(jd, last, sizeof(last), &cpud[i]);
		if (c1[i] < 0 || cd[i] < 0) {
			fprintf(stderr, "bench: %s run failed\n", sealspec);
			return 1;
		}
	}
	/* "871 passed, 0 failed, 15 skipped, ... (886 cases, ...)" */
	if (sscanf(last, "%*d passed, %*d failed, %d skipped", &skipped) != 1 ||
	    !strchr(last, '(') || sscanf(strchr(last, '('), "(%d", &total) != 1) {
		fprintf(stderr, "bench: no summary line: %s\n", last);
		return 1;
	}
	fork_us = median(f, ROUNDS);
	fork_cpu = median(fcpu, ROUNDS);
	one = median(c1, ROUNDS) / 1000;
	dflt = median(cd, ROUNDS) / 1000;
	run = total - skipped;
	printf("bare fork+exit+wait of a minimal static process %8.1f us  "
	       "(%.1f us of CPU)\n", fork_us, fork_cpu);
	printf("whole catalog, --jobs 1        %8.0f ms  (%d cases, %d run "
	       "on the kernel: %.0f us each)\n",
	       one, total, run, one * 1000 / run);
	printf("whole catalog, --jobs %-2d (default) %5.0f ms  = %.1fx "
	       "(cases run x one bare fork = %.0f ms)\n",
	       jobs, dflt, dflt * 1000 / (run * fork_us),
	       run * fork_us / 1000);
	/*
	 * The same in CPU time, which a loaded machine changes far less than
	 * wall time: what every process of the run used, against what the
	 * floor's forks used, per CPU the default --jobs spreads it over.
	 */
	cpu = median(cpud, ROUNDS) / 1000;
	printf("  CPU time of every process: %.0f ms at --jobs 1, %.0f ms "
	       "at --jobs %d = %.1fx (cases run x one bare fork's CPU)%s\n",
	       median(cpu1, ROUNDS) / 1000, cpu, jobs,
	       cpu * 1000 / (run * fork_cpu),
	       jobs > 1 ? "," : "");
	if (jobs > 1)
		printf("  %.1fx spread over %d CPUs\n",
		       cpu * 1000 / jobs / (run * fork_cpu), jobs);
	printf("  (medians of %d rounds, taken in turn)\n", ROUNDS);
	return 0;
}

int main(int argc, char **argv)
{
	const int forks = 300, runs = 300, observes = 1000, judges = 2000;
	struct ms_kernel_info ki;
	struct ms_kernel_opts ko = { .timeout_ms = 10000, .snapshots = true };
	struct ms_program p;
	struct ms_diag d;
	struct ms_trace t;
	struct ms_page pg[MS_GRID_MAX];
	struct ms_outcome o = { .pages = pg };
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

	/* In the arena, where scenarios observe (smaps is read up to it). */
	a = mmap((void *)(uintptr_t)MS__ARENA_BASE, 4 * ps,
		 PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (a == MAP_FAILED)
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
	if (argc > 2)
		return catalog_figures(argv[1], argv[2]);
	return 0;
}

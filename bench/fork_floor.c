// SPDX-License-Identifier: MIT
/*
 * The floor of a scenario: a bare fork + exit + wait of a minimal process,
 * this one (built static, so it maps and touches next to nothing).  Prints
 * the mean time of one, in microseconds, over N of them (argv[1], 2000).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000;
	struct timespec a, b;

	if (n < 1)
		n = 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid < 0 || waitpid(pid, NULL, 0) != pid)
			return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.2f\n", ((double)(b.tv_sec - a.tv_sec) * 1e6 +
			  (double)(b.tv_nsec - a.tv_nsec) / 1e3) / n);
	return 0;
}

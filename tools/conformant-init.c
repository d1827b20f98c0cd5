// SPDX-License-Identifier: MIT
/*
 * PID 1 of the selftest boot of make conformant-kernel (rdinit=/conformant-init):
 * mounts /proc and /dev, runs /mseal_test (the kernel's own selftest, built
 * from the same source tree) and then /conformant_cost, with their output
 * on the second serial port (/dev/ttyS1, or the console when there is
 * none), and powers the machine off.  Each program gets CONFORMANT_LIMIT
 * seconds; one that overruns is killed and reported.
 *
 * Kernel command-line words "conformant.iter=N" set the cost loop's
 * iteration count.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CONFORMANT_LIMIT 600

static int out = 1;

__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = (int)sizeof(buf) - 1;
	if (n > 0 && write(out, buf, (size_t)n) < 0)
		return;
}

/* Runs argv with stdout and stderr on the report port; waits at most
 * CONFORMANT_LIMIT seconds. */
static void run(char *const argv[])
{
	time_t t0 = time(NULL);
	int status = 0;
	pid_t pid, w;

	say("conformant-init: running %s\n", argv[0]);
	pid = fork();
	if (pid < 0) {
		say("conformant-init: fork: %s\n", strerror(errno));
		return;
	}
	if (pid == 0) {
		dup2(out, 1);
		dup2(out, 2);
		execv(argv[0], argv);
		say("conformant-init: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (time(NULL) - t0 > CONFORMANT_LIMIT) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			say("conformant-init: %s killed after %d s\n", argv[0],
			    CONFORMANT_LIMIT);
			return;
		}
		usleep(20000);
	}
	if (WIFEXITED(status))
		say("conformant-init: %s exit status %d\n", argv[0],
		    WEXITSTATUS(status));
	else
		say("conformant-init: %s killed by signal %d\n", argv[0],
		    WTERMSIG(status));
}

/* "conformant.iter=N" from /proc/cmdline, or the default. */
static void iter_from_cmdline(char *buf, size_t len)
{
	char line[4096];
	ssize_t n;
	char *p;
	int fd = open("/proc/cmdline", O_RDONLY);

	snprintf(buf, len, "20000");
	if (fd < 0)
		return;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return;
	line[n] = '\0';
	p = strstr(line, "conformant.iter=");
	if (p)
		snprintf(buf, len, "%ld", atol(p + strlen("conformant.iter=")));
}

int main(void)
{
	char iter[32];
	char *selftest[] = { "/mseal_test", NULL };
	char *cost[] = { "/conformant_cost", iter, NULL };
	int fd;

	mkdir("/proc", 0555);
	mkdir("/dev", 0755);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	fd = open("/dev/ttyS1", O_WRONLY | O_NOCTTY);
	if (fd < 0)
		fd = open("/dev/console", O_WRONLY | O_NOCTTY);
	if (fd >= 0)
		out = fd;
	iter_from_cmdline(iter, sizeof(iter));

	run(selftest);
	run(cost);
	say("conformant-init: done\n");
	sync();
	/* The serial port drains before power-off; give it a moment. */
	usleep(300000);
	reboot(RB_POWER_OFF);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * sealspec as PID 1: the static binary is the whole initramfs of a kernel
 * booted under QEMU to run the catalog on that kernel.  There is no shell
 * and no /proc yet: mount it, take options from the kernel command line
 * (sealspec.profile=NAME, sealspec.format=ktap|json|text, sealspec.rule=ID,
 * sealspec.timeout=SECONDS), run the built-in catalog with the report on
 * the console, print the exit status, power off.
 *
 * sealspec.output=/dev/ttyS1 sends the report to another device instead (a
 * second serial port, so that no kernel message lands inside the JSON):
 * devtmpfs is mounted on /dev for it, and a terminal is put in raw mode so
 * the bytes arrive as written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

#define INIT_ARGS_MAX 40

/* Turns "sealspec.KEY=VALUE" words of /proc/cmdline into run options;
 * *output is the value of sealspec.output, if given. */
static int cmdline_args(char *buf, char **argv, int max, const char **output)
{
	int argc = 0;

	argv[argc++] = "run";
	/* The kernel under test, unless sealspec.target= says otherwise:
	 * the matrix reports kernels, not the model beside them. */
	argv[argc++] = "--target";
	argv[argc++] = "kernel";
	for (char *w = strtok(buf, " \n"); w; w = strtok(NULL, " \n")) {
		static const char *const keys[] = { "profile", "format", "rule",
						    "timeout", "target" };
		char *eq;

		if (strncmp(w, "sealspec.", 9) != 0 || !(eq = strchr(w, '=')))
			continue;
		if (argc + 2 >= max) {
			fprintf(stderr, "sealspec: too many sealspec.* options; "
					"'%s' and later ones are ignored\n",
				w);
			break;
		}
		*eq = '\0';
		if (strcmp(w + 9, "output") == 0)
			*output = eq + 1;
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			if (strcmp(w + 9, keys[k]) != 0)
				continue;
			/* "--profile" lives in the word itself: reuse it. */
			w[7] = '-';
			w[8] = '-';
			argv[argc++] = w + 7;
			argv[argc++] = eq + 1;
		}
	}
	argv[argc] = NULL;
	return argc;
}

/*
 * Points stdout at path.  Returns a descriptor of the console it replaced
 * (to say the exit status there too), or -1 when stdout stays the console.
 */
static int redirect_report(const char *path)
{
	struct termios tio;
	int fd, console;

	mkdir("/dev", 0755);
	if (access(path, F_OK) < 0 &&
	    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) < 0 &&
	    errno != EBUSY)
		fprintf(stderr, "sealspec: mounting devtmpfs failed: %s\n",
			strerror(errno));
	fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "sealspec: sealspec.output=%s: %s; the report "
				"goes to the console\n",
			path, strerror(errno));
		return -1;
	}
	if (tcgetattr(fd, &tio) == 0) {
		cfmakeraw(&tio);
		tcsetattr(fd, TCSANOW, &tio);
	}
	fflush(stdout);
	console = dup(STDOUT_FILENO);
	if (console < 0 || dup2(fd, STDOUT_FILENO) < 0) {
		fprintf(stderr, "sealspec: sealspec.output=%s: %s; the report "
				"goes to the console\n",
			path, strerror(errno));
		if (console >= 0)
			close(console);
		close(fd);
		return -1;
	}
	close(fd);
	fprintf(stderr, "sealspec: the report goes to %s\n", path);
	return console;
}

int run_as_init(void)
{
	static char cmdline[4096];
	char *argv[INIT_ARGS_MAX];
	const char *output = NULL;
	int argc, status, fd, console = -1;
	ssize_t n = 0;

	mkdir("/proc", 0555);
	if (mount("proc", "/proc", "proc", 0, NULL) < 0 && errno != EBUSY)
		fprintf(stderr, "sealspec: mounting /proc failed: %s\n",
			strerror(errno));
	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, cmdline, sizeof(cmdline) - 1);
		close(fd);
	}
	cmdline[n > 0 ? n : 0] = '\0';
	argc = cmdline_args(cmdline, argv, INIT_ARGS_MAX, &output);
	/* The serial console is a terminal, but its log is read as text. */
	setenv("NO_COLOR", "1", 1);
	if (output)
		console = redirect_report(output);

	status = cmd_run(argc, argv);
	printf("sealspec: exit status %d\n", status);
	fflush(stdout);
	/* A serial port's write returns once the bytes are queued: let
	 * them out before the power goes, or the report's tail is lost. */
	tcdrain(STDOUT_FILENO);
	if (console >= 0) {
		dprintf(console, "sealspec: exit status %d\n", status);
		tcdrain(console);
		close(console);
	}
	sync();
	reboot(RB_POWER_OFF);
	/* Not allowed to power off (a PID namespace, no CAP_SYS_BOOT). */
	return status;
}

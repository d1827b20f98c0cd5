// SPDX-License-Identifier: MIT
/*
 * no-fork PROGRAM [ARG...]: runs PROGRAM with every way of making a process
 * (fork, vfork, clone, clone3) failing with EAGAIN, as when a process limit
 * is reached, by a seccomp filter that the program inherits.  The test
 * suite uses it to make sealspec's kernel probe fail.  Under AddressSanitizer
 * run it with ASAN_OPTIONS=detect_leaks=0: the leak checker needs a thread.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_clone3
#define __NR_clone3 435
#endif

#define DENY(nr)                                                           \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),                   \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAGAIN)

int main(int argc, char **argv)
{
	struct sock_filter prog[] = {
		/* Any other architecture: leave it alone. */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		DENY(__NR_clone),
		DENY(__NR_clone3),
		DENY(__NR_fork),
		DENY(__NR_vfork),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fprog = {
		.len = sizeof(prog) / sizeof(prog[0]),
		.filter = prog,
	};

	if (argc < 2) {
		fprintf(stderr, "usage: no-fork PROGRAM [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) < 0) {
		fprintf(stderr, "no-fork: installing the filter: %s\n",
			strerror(errno));
		return 3;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "no-fork: %s: %s\n", argv[1], strerror(errno));
	return 127;
}

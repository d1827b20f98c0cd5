// SPDX-License-Identifier: MIT
/*
 * no-mseal PROGRAM [ARG...]: runs PROGRAM with mseal(2) answering ENOSYS,
 * as on a kernel older than 6.10, by a seccomp filter that the program and
 * its children inherit.  The test suite uses it to check what sealspec
 * says and does on a kernel without mseal.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef __NR_mseal
#define __NR_mseal 462
#endif

int main(int argc, char **argv)
{
	struct sock_filter prog[] = {
		/* Any other architecture: leave it alone. */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mseal, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fprog = {
		.len = sizeof(prog) / sizeof(prog[0]),
		.filter = prog,
	};

	if (argc < 2) {
		fprintf(stderr, "usage: no-mseal PROGRAM [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) < 0) {
		fprintf(stderr, "no-mseal: installing the filter: %s\n",
			strerror(errno));
		return 3;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "no-mseal: %s: %s\n", argv[1], strerror(errno));
	return 127;
}

/* SPDX-License-Identifier: MIT */
/*
 * A minimal test harness: every check prints both sides when it fails, and
 * each test binary ends with "N passed, N failed" for tests/run.sh to add up.
 * Counts come from the checks that ran; nobody writes a plan by hand.
 */
#ifndef SEALSPEC_CHECK_H
#define SEALSPEC_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (cond) {                                                \
			check_passed++;                                    \
		} else {                                                   \
			check_failed++;                                    \
			printf("not ok %s:%d: %s: ", __FILE__, __LINE__,   \
			       #cond);                                     \
			printf(__VA_ARGS__);                               \
			printf("\n");                                      \
		}                                                          \
	} while (0)

#define CHECK_INT(got, want)                                               \
	do {                                                               \
		long long g_ = (long long)(got), w_ = (long long)(want);   \
		CHECK(g_ == w_, "expected %lld, got %lld (%s)", w_, g_,    \
		      #got);                                               \
	} while (0)

#define CHECK_STR(got, want)                                               \
	do {                                                               \
		const char *g_ = (got), *w_ = (want);                      \
		CHECK(g_ && strcmp(g_, w_) == 0,                           \
		      "expected \"%s\", got \"%s\" (%s)", w_,              \
		      g_ ? g_ : "(null)", #got);                           \
	} while (0)

static inline int check_report(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif

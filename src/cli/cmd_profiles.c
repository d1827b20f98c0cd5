// SPDX-License-Identifier: MIT
/*
 * The second half of `sealspec profiles`: the model's switch table
 * (src/model/profile.c), one row per switch with its value under each
 * profile, then what it decides and the kernel change or mail behind it.
 */
#include <stdbool.h>
#include <stdio.h>

#include "sealspec-model.h"
#include "sealspec.h"

void print_profile_switches(void);

/* "    label text...", wrapped at 76 columns under the text's start. */
static void wrapped(const char *label, const char *text)
{
	int start = printf("    %-8s", label), col = start;
	bool first = true;

	while (*text) {
		int n = 0;

		while (text[n] && text[n] != ' ')
			n++;
		if (!first && col + 1 + n > 76) {
			printf("\n%*s", start, "");
			col = start;
		} else if (!first) {
			putchar(' ');
			col++;
		}
		col += printf("%.*s", n, text);
		first = false;
		text += n;
		while (*text == ' ')
			text++;
	}
	putchar('\n');
}

void print_profile_switches(void)
{
	int n;
	const struct ms_model_switch *sw = ms_model_switches(&n);

	printf("\nModel switches (src/model/profile.c); the profiles differ "
	       "in these alone:\n\n%-26s", "switch");
	for (int p = 0; p < MS_NPROFILES; p++)
		printf(p + 1 < MS_NPROFILES ? " %-11s" : " %s",
		       ms_profile_name((enum ms_profile)p));
	putchar('\n');
	for (int i = 0; i < n; i++) {
		printf("%-26s", sw[i].name);
		for (int p = 0; p < MS_NPROFILES; p++)
			printf(p + 1 < MS_NPROFILES ? " %-11s" : " %s",
			       sw[i].on[p] ? "on" : "-");
		putchar('\n');
	}
	putchar('\n');
	for (int i = 0; i < n; i++) {
		printf("%s\n", sw[i].name);
		wrapped("what", sw[i].what);
		wrapped("source", sw[i].source);
	}
}

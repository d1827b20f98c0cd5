// SPDX-License-Identifier: MIT
/*
 * sealspec maps [PID]: a live process's mappings and their seals, from
 * /proc/PID/smaps, as a table, as page strips and as JSON.  Nothing is
 * written to the process; reading smaps needs ptrace read access to it.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "procmaps.h"

#define STRIP_WIDTH 64

enum maps_format { MAPS_TEXT, MAPS_TABLE, MAPS_STRIP, MAPS_JSON };

static void maps_usage(FILE *f)
{
	fprintf(f,
		"usage: sealspec maps [--sealed] [--format text|table|strip|json] "
		"[PID]\n"
		"\n"
		"The mappings of process PID (default: sealspec itself) with\n"
		"their seal (VmFlags 'sl' in /proc/PID/smaps), protection,\n"
		"sharing, backing, lock (lo: mlock, lf: mlock on fault) and\n"
		"inherit flags (dc: MADV_DONTFORK, wf: MADV_WIPEONFORK).\n"
		"--format text (the default) prints the table, then one page\n"
		"strip per mapping ('S' sealed, '-' not; a mapping of more than\n"
		"%d pages is drawn at a scale the line states); table and strip\n"
		"print one of them; json prints one object (addresses as hex\n"
		"strings).  --sealed shows only the sealed mappings.\n"
		"Reading another process's smaps needs ptrace read access\n"
		"(PTRACE_MODE_READ): the same user, or CAP_SYS_PTRACE.\n"
		"Exit status: 0 success; 1 the process does not exist or may\n"
		"not be read; 2 usage error.\n",
		STRIP_WIDTH);
}

static const char *lock_token(const struct proc_mapping *pm)
{
	if (pm->lockonfault)
		return "lf";
	return pm->locked ? "lo" : "-";
}

static const char *inherit_token(const struct proc_mapping *pm)
{
	if (pm->dontfork && pm->wipeonfork)
		return "dc,wf";
	if (pm->dontfork)
		return "dc";
	return pm->wipeonfork ? "wf" : "-";
}

static void prot_token(const struct proc_mapping *pm, char out[4])
{
	memcpy(out, pm->perms, 3);
	out[3] = '\0';
}

static bool shown(const struct proc_mapping *pm, bool sealed_only)
{
	return !sealed_only || pm->sealed;
}

static void print_table(const struct proc_maps *m, long ps, bool sealed_only)
{
	int n = 0;

	printf("pid %d: %d mapping%s", (int)m->pid, m->n, m->n == 1 ? "" : "s");
	for (int i = 0; i < m->n; i++)
		n += m->v[i].sealed;
	printf(", %d sealed%s\n", n,
	       m->n ? "" : " (a kernel thread or a zombie has no address "
			   "space)");
	printf("%-18s %-18s %10s %-4s %-5s %-6s %-4s %-5s %s\n", "start", "end",
	       "size", "prot", "share", "sealed", "lock", "inh", "backing");
	for (int i = 0; i < m->n; i++) {
		const struct proc_mapping *pm = &m->v[i];
		char prot[4], size[32];

		if (!shown(pm, sealed_only))
			continue;
		prot_token(pm, prot);
		snprintf(size, sizeof(size), "%" PRIu64 "p",
			 (pm->end - pm->start) / (uint64_t)ps);
		printf("0x%016" PRIx64 " 0x%016" PRIx64 " %10s %-4s %-5s "
		       "%-6s %-4s %-5s ",
		       pm->start, pm->end, size, prot,
		       pm->shared ? "s" : "p", pm->sealed ? "S" : "-",
		       lock_token(pm), inherit_token(pm));
		out_text(stdout, proc_mapping_backing(pm));
		putchar('\n');
	}
}

static void print_strips(const struct proc_maps *m, long ps, bool sealed_only)
{
	printf("page strips: one cell per page, S sealed, - not sealed\n");
	for (int i = 0; i < m->n; i++) {
		const struct proc_mapping *pm = &m->v[i];
		char strip[STRIP_WIDTH + 1], scale[48] = "";
		uint64_t per;
		char prot[4];

		if (!shown(pm, sealed_only))
			continue;
		proc_mapping_strip(pm, ps, STRIP_WIDTH, strip, &per);
		if (per > 1)
			snprintf(scale, sizeof(scale), " (1 cell = %" PRIu64
				 "p of %" PRIu64 "p)", per,
				 (pm->end - pm->start) / (uint64_t)ps);
		prot_token(pm, prot);
		printf("0x%016" PRIx64 " seal \"%s\"%s %s%s ", pm->start, strip,
		       scale, prot, pm->shared ? "s" : "p");
		out_text(stdout, proc_mapping_backing(pm));
		putchar('\n');
	}
}

static void print_json(const struct proc_maps *m, long ps, bool sealed_only)
{
	bool first = true;

	printf("{\"pid\": %d, \"page_size\": %ld, \"mappings\": [", (int)m->pid,
	       ps);
	for (int i = 0; i < m->n; i++) {
		const struct proc_mapping *pm = &m->v[i];
		char prot[4];

		if (!shown(pm, sealed_only))
			continue;
		prot_token(pm, prot);
		printf("%s\n  {\"start\": \"0x%" PRIx64 "\", \"end\": \"0x%" PRIx64
		       "\", \"pages\": %" PRIu64 ", \"sealed\": %s, "
		       "\"prot\": \"%s\", \"share\": \"%s\", \"backing\": ",
		       first ? "" : ",", pm->start, pm->end,
		       (pm->end - pm->start) / (uint64_t)ps,
		       pm->sealed ? "true" : "false", prot,
		       pm->shared ? "shared" : "private");
		out_json_string(stdout, proc_mapping_backing(pm));
		printf(", \"offset\": \"0x%" PRIx64 "\", \"lock\": \"%s\", "
		       "\"dontfork\": %s, \"wipeonfork\": %s, \"vmflags\": ",
		       pm->offset,
		       pm->lockonfault ? "onfault" :
		       pm->locked      ? "locked" : "none",
		       pm->dontfork ? "true" : "false",
		       pm->wipeonfork ? "true" : "false");
		out_json_string(stdout, pm->vmflags);
		if (pm->pkey >= 0)
			printf(", \"pkey\": %d", pm->pkey);
		putchar('}');
		first = false;
	}
	printf("%s]}\n", first ? "" : "\n");
}

int cmd_maps(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sealed", no_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	enum maps_format fmt = MAPS_TEXT;
	bool sealed_only = false;
	struct proc_maps m;
	pid_t pid = 0;
	long ps = sysconf(_SC_PAGESIZE);
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "sf:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sealed_only = true;
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				fmt = MAPS_TEXT;
			else if (strcmp(optarg, "table") == 0)
				fmt = MAPS_TABLE;
			else if (strcmp(optarg, "strip") == 0)
				fmt = MAPS_STRIP;
			else if (strcmp(optarg, "json") == 0)
				fmt = MAPS_JSON;
			else {
				fprintf(stderr, "sealspec: unknown format '%s';"
						" formats are text, table, "
						"strip, json\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			maps_usage(stdout);
			return EXIT_PASS;
		default:
			maps_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		maps_usage(stderr);
		return EXIT_USAGE;
	}
	if (optind < argc && parse_pid(argv[optind], &pid)) {
		fprintf(stderr, "sealspec: '%s' is not a process id\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	err = proc_maps_read(pid, &m);
	if (err) {
		proc_maps_error(pid ? pid : getpid(), err);
		return EXIT_FAILED;
	}
	if (fmt == MAPS_JSON) {
		print_json(&m, ps, sealed_only);
	} else {
		if (fmt != MAPS_STRIP)
			print_table(&m, ps, sealed_only);
		if (fmt == MAPS_TEXT)
			putchar('\n');
		if (fmt != MAPS_TABLE)
			print_strips(&m, ps, sealed_only);
	}
	proc_maps_free(&m);
	return EXIT_PASS;
}

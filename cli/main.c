/*
 * memvisor: entry point and subcommand dispatch.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Subcommands live in their own files; a build may lack some of them
 * while they are being brought up, and then says so plainly. */
int cmd_run(int argc, char **argv) __attribute__((weak));
int cmd_layout(int argc, char **argv) __attribute__((weak));
int cmd_bench(int argc, char **argv) __attribute__((weak));

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} cmds[] = {
	{"run", NULL, "build and run the domains of a system device tree (default: the seed scenario)"},
	{"layout", NULL, "plan guest layouts and extended regions for a host device tree"},
	{"bench", NULL, "measure hot paths against this machine's own limits"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: memvisor <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\n'memvisor <command> --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
	int (*fns[])(int, char **) = {cmd_run, cmd_layout, cmd_bench};

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("memvisor 0.1.0 (Xen ABI 4.21)\n");
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		if (!fns[i]) {
			fprintf(stderr, "memvisor: '%s' is not part of this build yet\n", cmds[i].name);
			return 2;
		}
		return fns[i](argc - 1, argv + 1);
	}
	fprintf(stderr, "memvisor: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}

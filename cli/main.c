/*
 * memvisor: entry point and subcommand dispatch.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} cmds[] = {
	{"run", NULL, "build and run the domains of a system device tree (default: the seed scenario)"},
	{"layout", NULL, "plan guest layouts and extended regions for a host device tree"},
	{"bench", NULL, "measure hot paths against this machine's own limits"},
	{"create", NULL, "create a domain from an xl.cfg in a system `run --control` runs"},
	{"list", NULL, "list the domains of that system (xl list)"},
	{"destroy", NULL, "destroy a domain of that system by name or id"},
	{"shutdown", NULL, "shut that system down (Dom0 destroys its domains, then itself)"},
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
	int (*fns[])(int, char **) = {cmd_run, cmd_layout, cmd_bench, cmd_create, cmd_list,
				       cmd_destroy, cmd_shutdown};

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
		return fns[i](argc - 1, argv + 1);
	}
	fprintf(stderr, "memvisor: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}

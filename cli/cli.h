/*
 * memvisor command-line interface: one function per subcommand.
 * Each returns the process exit status and prints its own errors.
 */
#ifndef MEMVISOR_CLI_H
#define MEMVISOR_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int cmd_run(int argc, char **argv);
int cmd_layout(int argc, char **argv);
int cmd_bench(int argc, char **argv);
/* The operator's clients of `memvisor run --control` (control.c). */
int cmd_create(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_shutdown(int argc, char **argv);

/* Shared helpers (util.c). */
/* Files memvisor ships (cli/files.c). */
enum cli_file {
	CLI_SYSTEM, /* a system device tree of systems/, e.g. "seed-virtio.dts" */
	CLI_GUEST,  /* a guest image, e.g. "backend.elf", "bench-hcall.elf" */
};
/* The readable path of the file called name (malloc'd), or NULL after
 * listing the places looked at in tried (when given). Works the same for
 * a build directory anywhere and for a moved installed tree. */
char *cli_find_file(enum cli_file kind, const char *name, char *tried, size_t triedlen);

/* Parses "256M", "3G", "0x1000", "4096" into bytes; false on bad input. */
bool cli_parse_size(const char *s, uint64_t *out);
/* Says which option was unknown (opt == 0 for a long one) or lacks its
 * argument, naming the command. */
void cli_bad_option(const char *cmd, const char *arg, int opt);

/*
 * The option loop every subcommand uses, so that they all read a command
 * line the same way: options may come before, between or after the
 * positional arguments ("--" ends the options), whatever POSIXLY_CORRECT
 * says. The positional arguments are gathered in order at argv[1..npos],
 * over slots already read; argv[0] stays.
 *
 *	struct cli_args p;
 *	cli_args_init(&p, "run", argc, argv, "vh", opts);
 *	while ((c = cli_args_next(&p)) != -1) switch (c) { ... optarg ... }
 *	... p.argv[1] .. p.argv[p.npos] ...
 */
struct cli_args {
	const char *cmd;
	int argc;
	char **argv;
	const struct option *longopts;
	char shortopts[32]; /* '-' then the command's short options */
	int npos;
};
void cli_args_init(struct cli_args *p, const char *cmd, int argc, char **argv,
		   const char *shortopts, const struct option *longopts);
/* The next option's value, with optarg set as by getopt_long; -1 once all
 * arguments are read; '?' after cli_bad_option() said what was wrong. */
int cli_args_next(struct cli_args *p);
/* The rest of f, at most max bytes (malloc'd; never NULL for an empty
 * stream), its length in *len; NULL when out of memory. */
void *cli_read_all(FILE *f, size_t max, size_t *len);
/* Prints "memvisor <cmd>: <msg>" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

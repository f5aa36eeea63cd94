/*
 * memvisor command-line interface: one function per subcommand.
 * Each returns the process exit status and prints its own errors.
 */
#ifndef MEMVISOR_CLI_H
#define MEMVISOR_CLI_H

#include <stdbool.h>
#include <stdint.h>

int cmd_run(int argc, char **argv);
int cmd_layout(int argc, char **argv);
int cmd_bench(int argc, char **argv);

/* Shared helpers (util.c). */
/* Parses "256M", "3G", "0x1000", "4096" into bytes; false on bad input. */
bool cli_parse_size(const char *s, uint64_t *out);
/* After getopt_long returned '?' (with opterr = 0): says which option was
 * unknown or lacks its argument. */
void cli_bad_option(const char *cmd, const char *arg, int opt);
/* Prints "memvisor <cmd>: <msg>" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

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
/* Prints "memvisor <cmd>: <msg>" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

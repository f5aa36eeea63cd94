/*
 * Helpers shared by the subcommands.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/vec.h>

#include "cli.h"

bool cli_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: break;
	}
	if (*end == 'i' || *end == 'B')
		end++;
	if (*end == 'B')
		end++;
	if (*end)
		return false;
	if (shift && v > (UINT64_MAX >> shift))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "memvisor %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_bad_option(const char *cmd, const char *arg, int opt)
{
	/* getopt leaves optopt 0 for an unknown long option and sets it to the
	 * option for an unknown short one or one whose argument is missing. */
	if (!arg)
		arg = "?";
	if (opt == 0)
		cli_error(cmd, "unknown option '%s'", arg);
	else if (arg[0] == '-' && arg[1] == '-')
		cli_error(cmd, "option '%s' needs an argument", arg);
	else
		cli_error(cmd, "unknown option or missing argument: '-%c'", opt);
}

void cli_args_init(struct cli_args *p, const char *cmd, int argc, char **argv,
		   const char *shortopts, const struct option *longopts)
{
	*p = (struct cli_args){.cmd = cmd, .argc = argc, .argv = argv, .longopts = longopts};
	/* A leading '-' makes getopt_long hand back each positional argument
	 * where it stands (as option 1) instead of stopping at the first one
	 * or permuting argv behind our back. */
	snprintf(p->shortopts, sizeof(p->shortopts), "-%s", shortopts);
	optind = 0; /* full re-initialisation: every command has its own options */
	opterr = 0; /* our own message names the command */
}

int cli_args_next(struct cli_args *p)
{
	for (;;) {
		int c = getopt_long(p->argc, p->argv, p->shortopts, p->longopts, NULL);

		/* Positional arguments move down to argv[1..npos]: each goes
		 * to a slot at or before its own, which getopt has read. */
		if (c == 1) {
			p->argv[++p->npos] = optarg;
			continue;
		}
		if (c == -1) {
			/* After "--": everything left is positional. */
			while (optind < p->argc)
				p->argv[++p->npos] = p->argv[optind++];
			return -1;
		}
		if (c == '?')
			cli_bad_option(p->cmd, p->argv[optind - 1], optopt);
		return c;
	}
}

void *cli_read_all(FILE *f, size_t max, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0, n = 0;

	while (n < max) {
		size_t got;

		if (n == cap && VEC_RESERVE(buf, cap, n + 1, 65536)) {
			free(buf);
			return NULL;
		}
		got = fread(buf + n, 1, (cap < max ? cap : max) - n, f);
		if (!got)
			break;
		n += got;
	}
	*len = n;
	return buf ? buf : malloc(1);
}

/*
 * Where memvisor finds the files it ships: system device trees (systems/)
 * and guest images (*.elf). One resolver serves `memvisor run` and
 * `memvisor bench`, so that both work from any current directory, for a
 * build directory inside or outside the source tree and for an installed
 * tree, which can be moved as a whole: its places are computed from this
 * executable's own location (/proc/self/exe), never from the configured
 * prefix (unless bindir itself was configured outside the prefix).
 *
 * Installed layout (meson install; see the top-level meson.build):
 *   <prefix>/<bindir>/memvisor
 *   <prefix>/<libdir>/memvisor/NAME.elf          guest images
 *   <prefix>/<datadir>/memvisor/systems/NAME.dts system device trees
 * Build layout: <build>/memvisor, <build>/guest/NAME.elf (and copies of
 * the bench images in <build>/), systems/ in the source tree.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "memvisor_paths.h"

/* Directory of the running executable ("" when unknown). */
static void exe_dir(char *buf, size_t n)
{
	ssize_t l = readlink("/proc/self/exe", buf, n - 1);
	char *slash;

	buf[l > 0 ? l : 0] = '\0';
	slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	else
		buf[0] = '\0';
}

/* The install prefix this executable sits in: its directory with one level
 * taken off per component of the (prefix-relative) bindir. */
static void install_prefix(char *buf, size_t n)
{
	const char *p = MEMVISOR_BINDIR;

	if (p[0] == '/') {
		snprintf(buf, n, "%s", MEMVISOR_PREFIX);
		return;
	}
	exe_dir(buf, n);
	while (*p) {
		size_t len = strcspn(p, "/");
		char *slash;

		if (len && !(len == 1 && p[0] == '.')) {
			slash = strrchr(buf, '/');
			if (!slash) {
				buf[0] = '\0';
				return;
			}
			*slash = '\0';
		}
		p += len;
		p += *p == '/';
	}
}

/* dir (absolute, or relative to the prefix) + "/" + name. */
static void installed(char *out, size_t n, const char *dir, const char *name)
{
	char prefix[PATH_MAX];

	if (dir[0] == '/') {
		snprintf(out, n, "%s/%s", dir, name);
		return;
	}
	install_prefix(prefix, sizeof(prefix));
	snprintf(out, n, "%s/%s/%s", prefix, dir, name);
}

char *cli_find_file(enum cli_file kind, const char *name, char *tried, size_t triedlen)
{
	char cand[4][PATH_MAX + 64], dir[PATH_MAX];
	unsigned int nr = 0;

	if (kind == CLI_SYSTEM) {
		/* The current directory first, as the usage says (systems/...). */
		snprintf(cand[nr++], sizeof(cand[0]), "systems/%s", name);
		installed(cand[nr++], sizeof(cand[0]), MEMVISOR_SYSTEMSDIR, name);
		snprintf(cand[nr++], sizeof(cand[0]), "%s/systems/%s", MEMVISOR_SRCDIR, name);
	} else {
		exe_dir(dir, sizeof(dir));
		snprintf(cand[nr++], sizeof(cand[0]), "%s/%s", dir, name);
		snprintf(cand[nr++], sizeof(cand[0]), "%s/guest/%s", dir, name);
		installed(cand[nr++], sizeof(cand[0]), MEMVISOR_GUESTDIR, name);
	}
	for (unsigned int i = 0; i < nr; i++)
		if (access(cand[i], R_OK) == 0)
			return strdup(cand[i]);
	if (tried && triedlen) {
		size_t off = 0;

		tried[0] = '\0';
		for (unsigned int i = 0; i < nr && off < triedlen; i++)
			off += (size_t)snprintf(tried + off, triedlen - off, "%s%s", i ? ", " : "",
						cand[i]);
	}
	return NULL;
}

/*
 * Corpus replay driver for builds without libFuzzer: runs the target's
 * LLVMFuzzerTestOneInput once on every file named on the command line or
 * found (non-recursively, in name order) in a named directory.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f) {
		perror(path);
		return -1;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (!buf || (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)) {
		fprintf(stderr, "%s: cannot read\n", path);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
	unsigned int runs = 0;

	for (int a = 1; a < argc; a++) {
		struct stat st;
		struct dirent **ents;
		int n;

		if (stat(argv[a], &st)) {
			perror(argv[a]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[a]))
				return 1;
			runs++;
			continue;
		}
		n = scandir(argv[a], &ents, NULL, by_name);
		if (n < 0) {
			perror(argv[a]);
			return 1;
		}
		for (int k = 0; k < n; k++) {
			char path[4096];

			if (ents[k]->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", argv[a], ents[k]->d_name);
				if (run_file(path))
					return 1;
				runs++;
			}
			free(ents[k]);
		}
		free(ents);
	}
	printf("replayed %u input(s)\n", runs);
	return runs ? 0 : 1;
}

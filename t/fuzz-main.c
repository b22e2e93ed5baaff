/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-main: run a libFuzzer target without libFuzzer.  Every input named
 * on the command line (a file, or a directory of files) is read into an
 * exact-size allocation and passed to LLVMFuzzerTestOneInput once, so a
 * gcc build replays the seed corpus and every saved reproducer as an
 * ordinary test in `make check`.  With no arguments it replays
 * $top_srcdir/t/corpus/FUZZ_CORPUS, the directory of its own target.
 *
 * A harness reports a broken invariant by aborting; reaching the end
 * means every input passed.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

#ifndef FUZZ_CORPUS
#error "compile with -DFUZZ_CORPUS='\"name\"' (the t/corpus/ subdirectory)"
#endif

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ninputs;

static void
replay_file(const char *path)
{
	struct stat st;
	uint8_t *p;
	size_t got = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0 || fstat(fd, &st) != 0) {
		ok(0, "open %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	/* Exactly st_size bytes, so ASan catches a read one past the end. */
	p = malloc(st.st_size ? (size_t)st.st_size : 1);
	while (p != NULL && got < (size_t)st.st_size &&
	    (n = read(fd, p + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (p == NULL || got != (size_t)st.st_size) {
		ok(0, "read %s", path);
		free(p);
		return;
	}
	LLVMFuzzerTestOneInput(p, got);
	free(p);
	ninputs++;
	ok(1, "%s (%zu bytes)", path, got);
}

static void
replay(const char *path)
{
	struct dirent **ents;
	struct stat st;
	char *sub;
	int i, n;

	if (stat(path, &st) != 0) {
		ok(0, "%s: %s", path, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		replay_file(path);
		return;
	}
	/* Sorted, so runs are reproducible. */
	if ((n = scandir(path, &ents, NULL, alphasort)) < 0) {
		ok(0, "scandir %s: %s", path, strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.' &&
		    asprintf(&sub, "%s/%s", path, ents[i]->d_name) >= 0) {
			replay(sub);
			free(sub);
		}
		free(ents[i]);
	}
	free(ents);
}

int
main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	char *dir;
	int i;

	alarm(300);
	if (argc > 1) {
		for (i = 1; i < argc; i++)
			replay(argv[i]);
	} else {
		if (asprintf(&dir, "%s/t/corpus/%s", top ? top : ".", FUZZ_CORPUS) < 0)
			return 99;
		replay(dir);
		free(dir);
	}
	/* An empty corpus would make this test pass while testing nothing. */
	ok(ninputs > 0, "replayed %d input(s)", ninputs);
	return unit_done();
}

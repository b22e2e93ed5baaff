/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sandbox-probe: a test-only program (never installed) that enters the
 * client's sandbox (src/cpu-client/sandbox.c) with the trees given,
 * then tries what a compromised 9P server would, and prints one line
 * per attempt: "NAME ok" or "NAME ERRNONAME".
 *
 *   sandbox-probe -w RWTREE -r ROTREE -- OUTSIDEFILE
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sandbox.h"

static void
report(const char *what, int rc)
{
	printf("%s %s\n", what, rc >= 0 ? "ok" :
	    errno == EACCES ? "EACCES" : errno == EPERM ? "EPERM" :
	    errno == ENOENT ? "ENOENT" : errno == EROFS ? "EROFS" :
	    strerror(errno));
	fflush(stdout);
}

static int
try_open(int dirfd, const char *path, int flags)
{
	int fd = openat(dirfd, path, flags | O_CLOEXEC, 0644);

	if (fd >= 0)
		close(fd);
	return fd;
}

int
main(int argc, char **argv)
{
	struct sandbox_tree t[2];
	const char *rw = NULL, *ro = NULL, *why, *outside;
	char path[4096];
	char *const av[] = { "/bin/true", NULL };
	int opt, r, n = 0, rwfd;

	while ((opt = getopt(argc, argv, "w:r:")) != -1) {
		if (opt == 'w')
			rw = optarg;
		else if (opt == 'r')
			ro = optarg;
		else
			return 2;
	}
	if (optind + 1 != argc || rw == NULL || ro == NULL)
		return 2;
	outside = argv[optind];
	t[n++] = (struct sandbox_tree){ .path = rw, .readonly = false };
	t[n++] = (struct sandbox_tree){ .path = ro, .readonly = true };
	/* The server walks from descriptors opened before the sandbox. */
	if ((rwfd = open(rw, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 2;
	r = sandbox_enter(t, (size_t)n, &why);
	if (r < 0) {
		printf("sandbox failed %s: %s\n", why ? why : "?", strerror(-r));
		return 1;
	}
	printf("landlock %s\n", r == SANDBOX_NO_LANDLOCK ? why : "on");
	snprintf(path, sizeof(path), "%s/file", rw);
	report("read-rw", try_open(AT_FDCWD, path, O_RDONLY));
	report("write-rw", try_open(AT_FDCWD, path, O_WRONLY));
	report("create-rw", try_open(rwfd, "new", O_WRONLY | O_CREAT | O_EXCL));
	snprintf(path, sizeof(path), "%s/file", ro);
	report("read-ro", try_open(AT_FDCWD, path, O_RDONLY));
	report("write-ro", try_open(AT_FDCWD, path, O_WRONLY));
	report("read-outside", try_open(AT_FDCWD, outside, O_RDONLY));
	/* From a pre-opened tree's descriptor, out by "..". */
	report("dotdot-outside", try_open(rwfd, "../outside", O_RDONLY));
	report("socket", socket(AF_INET, SOCK_STREAM, 0));
	report("socket-unix", socket(AF_UNIX, SOCK_STREAM, 0));
	execv(av[0], av);
	report("execve", -1);
	return 0;
}

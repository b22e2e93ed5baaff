/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reap: find and signal every descendant of this process.
 *
 * cpu-subsystem is a child subreaper, so orphans of the command (daemons,
 * background jobs) are re-parented to us rather than to init: the session
 * ends only when all of them are gone (the article's rule), and when the
 * connection drops we can still find every one of them to hang up.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "subsys.h"

int
reap_init(void)
{
	return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 ? 0 : -errno;
}

struct proc { pid_t pid, ppid; };

static pid_t
read_ppid(const char *pidstr)
{
	char path[64], line[512], *rp;
	ssize_t n;
	long ppid = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/stat", pidstr);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	line[n] = '\0';
	/* "pid (comm) state ppid": comm may hold spaces and ')', so parse
	 * after the last ')'.  (By hand: sscanf would bring 100 KiB of
	 * libc into this static, resident program.) */
	if ((rp = strrchr(line, ')')) == NULL || rp[1] != ' ' || rp[2] == '\0' ||
	    rp[3] != ' ' || rp[4] < '0' || rp[4] > '9')
		return -1;
	for (rp += 4; *rp >= '0' && *rp <= '9' && ppid < 1L << 30; rp++)
		ppid = ppid * 10 + (*rp - '0');
	return *rp == ' ' ? (pid_t)ppid : -1;
}

int
reap_signal_all(int sig)
{
	struct proc *v = NULL, *nv;
	size_t n = 0, cap = 0, i;
	DIR *d;
	struct dirent *de;
	pid_t *mark;
	size_t nmark = 0;
	int changed, count = 0;

	if ((d = opendir("/proc")) == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				break;
			v = nv;
		}
		v[n].pid = atoi(de->d_name);
		v[n].ppid = read_ppid(de->d_name);
		n++;
	}
	closedir(d);
	if ((mark = calloc(n + 1, sizeof(*mark))) == NULL) {
		free(v);
		return -ENOMEM;
	}
	mark[nmark++] = getpid();
	/* Transitive closure of "parent is marked". */
	do {
		changed = 0;
		for (i = 0; i < n; i++) {
			size_t j;
			int parent = 0, self = 0;

			for (j = 0; j < nmark; j++) {
				if (mark[j] == v[i].ppid)
					parent = 1;
				if (mark[j] == v[i].pid)
					self = 1;
			}
			if (parent && !self) {
				mark[nmark++] = v[i].pid;
				changed = 1;
			}
		}
	} while (changed);
	for (i = 1; i < nmark; i++)
		if (kill(mark[i], sig) == 0)
			count++;
	free(mark);
	free(v);
	return count;
}

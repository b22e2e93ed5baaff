/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * benchtool: the small helper of `make bench` (bench/README.md).
 *
 * It is linked statically and copied to a tmpfs at the start of every
 * measured session, so running it never touches the file system under
 * test: no 9P or FUSE traffic of its own, nothing for drop_caches to evict.
 *
 *   benchtool time [-q] ROOT PROG [ARGS...]
 *	fork; in the child chroot(ROOT) unless ROOT is "/", chdir("/"),
 *	with -q stdout and stderr to /dev/null, execv(PROG); wait.
 *	Prints the wall time in ms (3 decimals) on stdout; exits 1 if the
 *	child did not exit 0 (the time is still printed).
 *   benchtool drop		sync; echo 3 > /proc/sys/vm/drop_caches
 *   benchtool sleep MS
 *   benchtool maxrss		ru_maxrss (KiB) of this process.  Linux keeps
 *	the high-water RSS of the image a process replaced by exec, so when
 *	benchtool is the command nsexec execs, this is nsexec's peak (or
 *	benchtool's own, ~100 KiB, if that is larger).
 *   benchtool hwm COMM		for every process named COMM, "PID:HWM:ANON:FILE"
 *	(VmHWM, and the current RssAnon and RssFile, KiB), separated by
 *	blanks; "-" if there is none.
 *   benchtool hwmreset COMM	reset their VmHWM (echo 5 > clear_refs).
 *   benchtool watch COMM MS	wait up to MS for a process named COMM and
 *	read its /proc status and smaps_rollup until it is gone or has
 *	exec'd (its comm changed); prints the reading with the highest VmHWM
 *	as "PID:HWM:ANON:FILE:PSS:PSSANON:PSSFILE" (KiB; Pss -1 where the
 *	kernel has no smaps_rollup), "-" if none was seen.  nsexec lives
 *	only until it execs the command: this is its own peak, not the
 *	command's (maxrss above is the larger of the two).
 *   benchtool source FILE	FILE to stdout; benchtool sink: read stdin to
 *	EOF.  Both ask for 1 MiB pipes, as cpu and cpu-subsystem do, so that
 *	`benchtool source big | ssh host benchtool sink` is W1's floor: the
 *	same bytes in the same direction through one ssh channel.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmd_time(int argc, char **argv)
{
	int quiet = 0, st, fd;
	double t0, t1;
	pid_t pid;

	if (argc > 1 && strcmp(argv[1], "-q") == 0) {
		quiet = 1;
		argc--, argv++;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: benchtool time [-q] ROOT PROG [ARGS...]\n");
		return 2;
	}
	t0 = now_ms();
	if ((pid = fork()) < 0) {
		perror("benchtool: fork");
		return 2;
	}
	if (pid == 0) {
		/* /dev/null before chroot: the new root may have no devices. */
		if (quiet && (fd = open("/dev/null", O_WRONLY)) >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
		if (strcmp(argv[1], "/") != 0 && chroot(argv[1]) != 0) {
			fprintf(stderr, "benchtool: chroot %s: %s\n", argv[1], strerror(errno));
			_exit(127);
		}
		if (strcmp(argv[1], "/") != 0 && chdir("/") != 0)
			_exit(127);
		execv(argv[2], argv + 2);
		fprintf(stderr, "benchtool: exec %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	t1 = now_ms();
	printf("%.3f\n", t1 - t0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

static int
write_file(const char *path, const char *s)
{
	int fd, r;

	if ((fd = open(path, O_WRONLY)) < 0)
		return -1;
	r = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
	close(fd);
	return r;
}

/* The comm of process pid, "" if it is gone. */
static void
proc_comm(const char *pid, char *comm, size_t n)
{
	char path[300];
	ssize_t len;
	int fd;

	comm[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return;
	len = read(fd, comm, n - 1);
	close(fd);
	comm[len > 0 ? len : 0] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
}

/* Fields ("Name:   123 kB") of one /proc file, read once: v[i] is
 * names[i]'s number, -1 where absent.  -1 if the file cannot be read. */
static int
proc_fields(const char *path, const char *const *names, long *v, size_t n)
{
	char line[256];
	size_t i, len;
	FILE *f;

	for (i = 0; i < n; i++)
		v[i] = -1;
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		for (i = 0; i < n; i++) {
			len = strlen(names[i]);
			if (strncmp(line, names[i], len) == 0 && line[len] == ':') {
				v[i] = strtol(line + len + 1, NULL, 10);
				break;
			}
		}
	fclose(f);
	return 0;
}

static const char *const rss_fields[] = { "VmHWM", "RssAnon", "RssFile" };
static const char *const pss_fields[] = { "Pss", "Pss_Anon", "Pss_File" };

/* Calls fn(pid) for every process whose comm is `name`; returns the count. */
static int
each_proc(const char *name, void (*fn)(const char *pid))
{
	char comm[64];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	if ((dir = opendir("/proc")) == NULL)
		return 0;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		proc_comm(d->d_name, comm, sizeof(comm));
		if (comm[0] == '\0' || strcmp(comm, name) != 0)
			continue;
		fn(d->d_name);
		n++;
	}
	closedir(dir);
	return n;
}

static int hwm_first = 1;

static void
print_hwm(const char *pid)
{
	char path[300];
	long v[3];

	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	if (proc_fields(path, rss_fields, v, 3) < 0)
		return;
	printf("%s%s:%ld:%ld:%ld", hwm_first ? "" : " ", pid, v[0], v[1], v[2]);
	hwm_first = 0;
}

static void
reset_hwm(const char *pid)
{
	char path[300];

	snprintf(path, sizeof(path), "/proc/%s/clear_refs", pid);
	if (write_file(path, "5") != 0)
		fprintf(stderr, "benchtool: %s: %s\n", path, strerror(errno));
}

static char watch_pid[256];	/* a /proc entry's d_name */

static void
watch_found(const char *pid)
{
	if (watch_pid[0] == '\0')
		snprintf(watch_pid, sizeof(watch_pid), "%s", pid);
}

static int
cmd_watch(const char *name, int ms)
{
	char comm[64], st[300], sr[300];
	long v[6], best[6] = { -1, -1, -1, -1, -1, -1 };
	double end = now_ms() + ms;
	int i;

	while (now_ms() < end) {
		if (watch_pid[0] == '\0') {
			each_proc(name, watch_found);
			if (watch_pid[0] == '\0') {
				usleep(200);
				continue;
			}
		}
		snprintf(st, sizeof(st), "/proc/%s/status", watch_pid);
		snprintf(sr, sizeof(sr), "/proc/%s/smaps_rollup", watch_pid);
		(void)proc_fields(st, rss_fields, v, 3);
		(void)proc_fields(sr, pss_fields, v + 3, 3);
		/* Still the same image after the reading: it is its own. */
		proc_comm(watch_pid, comm, sizeof(comm));
		if (strcmp(comm, name) != 0)
			break;
		if (v[0] > best[0])
			for (i = 0; i < 6; i++)
				best[i] = v[i];
		sched_yield();
	}
	if (best[0] < 0)
		printf("-\n");
	else
		printf("%s:%ld:%ld:%ld:%ld:%ld:%ld\n", watch_pid, best[0], best[1],
		    best[2], best[3], best[4], best[5]);
	return 0;
}

/* source FILE / sink: copy FILE to stdout, or stdin to nowhere. */
static int
cmd_copy(const char *path)
{
	static char buf[1 << 20];
	int in = STDIN_FILENO;
	ssize_t n, w, off;

	(void)fcntl(path ? STDOUT_FILENO : STDIN_FILENO, F_SETPIPE_SZ, 1 << 20);
	if (path != NULL && (in = open(path, O_RDONLY)) < 0) {
		fprintf(stderr, "benchtool: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (path == NULL)
			continue;
		for (off = 0; off < n; off += w)
			if ((w = write(STDOUT_FILENO, buf + off, (size_t)(n - off))) <= 0) {
				perror("benchtool: write");
				return 1;
			}
	}
	if (n < 0) {
		perror("benchtool: read");
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct rusage ru;

	if (argc < 2)
		goto usage;
	if (strcmp(argv[1], "time") == 0)
		return cmd_time(argc - 1, argv + 1);
	if (strcmp(argv[1], "drop") == 0) {
		sync();
		if (write_file("/proc/sys/vm/drop_caches", "3") != 0) {
			perror("benchtool: drop_caches");
			return 1;
		}
		return 0;
	}
	if (strcmp(argv[1], "sleep") == 0 && argc == 3) {
		usleep((useconds_t)atoi(argv[2]) * 1000);
		return 0;
	}
	if (strcmp(argv[1], "maxrss") == 0) {
		getrusage(RUSAGE_SELF, &ru);
		printf("%ld\n", ru.ru_maxrss);
		return 0;
	}
	if (strcmp(argv[1], "hwm") == 0 && argc == 3) {
		if (each_proc(argv[2], print_hwm) == 0)
			printf("-");
		printf("\n");
		return 0;
	}
	if (strcmp(argv[1], "hwmreset") == 0 && argc == 3) {
		each_proc(argv[2], reset_hwm);
		return 0;
	}
	if (strcmp(argv[1], "watch") == 0 && argc == 4)
		return cmd_watch(argv[2], atoi(argv[3]));
	if (strcmp(argv[1], "source") == 0 && argc == 3)
		return cmd_copy(argv[2]);
	if (strcmp(argv[1], "sink") == 0 && argc == 2)
		return cmd_copy(NULL);
usage:
	fprintf(stderr, "usage: benchtool time|drop|sleep|maxrss|hwm|hwmreset|watch|source|sink ...\n");
	return 2;
}

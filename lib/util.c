/* SPDX-License-Identifier: BSD-3-Clause */
/* util: small shared helpers.  See util.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* The hex mask after "\nSigIgn:" in a /proc/PID/status text. */
static int
sigign_mask(const char *text, unsigned long long *mask)
{
	const char *p = strstr(text, "\nSigIgn:");
	unsigned long long m = 0;
	int digits = 0, v;

	if (p == NULL)
		return -ENOENT;
	for (p += 8; *p == ' ' || *p == '\t'; p++)
		;
	for (; digits < 16; p++, digits++) {
		if (*p >= '0' && *p <= '9')
			v = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			v = *p - 'a' + 10;
		else
			break;
		m = m << 4 | (unsigned long long)v;
	}
	if (digits == 0 || *p != '\n')
		return -EINVAL;
	*mask = m;
	return 0;
}

int
signals_unignore(void)
{
	char buf[4096];
	unsigned long long mask;
	size_t len = 0;
	ssize_t n;
	int fd, sig, rc;

	if ((fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	while (len < sizeof(buf) - 1 &&
	    (n = read(fd, buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if ((rc = sigign_mask(buf, &mask)) != 0)
		return rc;
	for (sig = 1; sig <= 64 && sig < NSIG; sig++)
		if ((mask >> (sig - 1)) & 1)
			signal(sig, SIG_DFL);
	return 0;
}

int
fd_set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
	return fcntl(fd, F_SETFL, fl) < 0 ? -errno : 0;
}

/*
 * Pipes hold 64 KiB by default, so a relay moving megabytes through one
 * (sshd and cpu-subsystem, cpu and ssh) wakes its reader and writer for
 * every 64 KiB, and sshd grows its channel buffer meanwhile: under
 * user-mode-linux that cost more than the cipher.  Ask for more where fd
 * is a pipe; the system cap (fs.pipe-max-size, 1 MiB by default for
 * unprivileged users) or a user's pipe quota may refuse, so try smaller
 * sizes.  Returns the new size, 0 if fd is not a pipe, or -errno.
 */
int
fd_grow_pipe(int fd, int size)
{
	struct stat st;
	int r = -EINVAL;

	if (fstat(fd, &st) != 0)
		return -errno;
	if (!S_ISFIFO(st.st_mode))
		return 0;
	for (; size >= 64 * 1024; size /= 2)
		if ((r = fcntl(fd, F_SETPIPE_SZ, size)) >= 0)
			return r;
	return r < 0 ? -errno : r;
}

int
fd_set_cloexec(int fd, int on)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl < 0)
		return -errno;
	fl = on ? (fl | FD_CLOEXEC) : (fl & ~FD_CLOEXEC);
	return fcntl(fd, F_SETFD, fl) < 0 ? -errno : 0;
}

int
sanitise_stdfd(void)
{
	int fd, nullfd = -1;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFL) >= 0 || errno != EBADF)
			continue;
		if (nullfd < 0 && (nullfd = open("/dev/null", O_RDWR)) < 0)
			return -errno;
		if (nullfd != fd && dup2(nullfd, fd) < 0)
			return -errno;
		if (nullfd == fd)
			nullfd = -1;	/* it is now stdio; keep it */
	}
	if (nullfd > 2)
		close(nullfd);
	return 0;
}

static int
is_kept(int fd, const int *keep, size_t nkeep)
{
	size_t i;

	for (i = 0; i < nkeep; i++)
		if (keep[i] == fd)
			return 1;
	return 0;
}

void
close_fds_from(int lowfd, const int *keep, size_t nkeep)
{
	DIR *d;
	struct dirent *de;
	int fd, dfd;
	long max;

	if ((d = opendir("/proc/self/fd")) != NULL) {
		dfd = dirfd(d);
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] < '0' || de->d_name[0] > '9')
				continue;
			fd = atoi(de->d_name);
			if (fd >= lowfd && fd != dfd && !is_kept(fd, keep, nkeep))
				close(fd);
		}
		closedir(d);
		return;
	}
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = lowfd; fd < max; fd++)
		if (!is_kept(fd, keep, nkeep))
			close(fd);
}

ssize_t
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	size_t done = 0;
	ssize_t w;

	while (done < n) {
		w = write(fd, c + done, n - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)w;
	}
	return (ssize_t)done;
}

int
name_gate(const char *name, size_t len)
{
	if (len == 0 || memchr(name, '\0', len) != NULL ||
	    memchr(name, '/', len) != NULL)
		return -EINVAL;
	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return -EINVAL;
	return 0;
}

int
parse_uint(const char *s, unsigned long long min, unsigned long long max,
    unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static const struct { int sig; const char *name; } signames[] = {
	{ SIGHUP, "HUP" }, { SIGINT, "INT" }, { SIGQUIT, "QUIT" },
	{ SIGILL, "ILL" }, { SIGTRAP, "TRAP" }, { SIGABRT, "ABRT" },
	{ SIGBUS, "BUS" }, { SIGFPE, "FPE" }, { SIGKILL, "KILL" },
	{ SIGUSR1, "USR1" }, { SIGSEGV, "SEGV" }, { SIGUSR2, "USR2" },
	{ SIGPIPE, "PIPE" }, { SIGALRM, "ALRM" }, { SIGTERM, "TERM" },
	{ SIGCHLD, "CHLD" }, { SIGCONT, "CONT" }, { SIGSTOP, "STOP" },
	{ SIGTSTP, "TSTP" }, { SIGTTIN, "TTIN" }, { SIGTTOU, "TTOU" },
	{ SIGURG, "URG" }, { SIGXCPU, "XCPU" }, { SIGXFSZ, "XFSZ" },
	{ SIGVTALRM, "VTALRM" }, { SIGPROF, "PROF" }, { SIGWINCH, "WINCH" },
	{ SIGIO, "IO" }, { SIGPWR, "PWR" }, { SIGSYS, "SYS" },
};

const char *
sig_to_name(int sig)
{
	size_t i;

	for (i = 0; i < sizeof(signames) / sizeof(signames[0]); i++)
		if (signames[i].sig == sig)
			return signames[i].name;
	return NULL;
}

int
name_to_sig(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(signames) / sizeof(signames[0]); i++)
		if (strcmp(signames[i].name, name) == 0)
			return signames[i].sig;
	return 0;
}

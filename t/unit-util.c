/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * unit-util: the small helpers (lib/util.c) that guard names from the
 * peer, parse numbers, map signal names, and set up a clean fd table; plus
 * log_escape (lib/log.c), which keeps peer text off the terminal raw.
 * The fd table tests run in forked children so they cannot disturb this
 * process's stdout (the test log).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "unit.h"

#define FD_SCAN	256	/* fds examined when looking for leaks */

static void
test_name_gate(void)
{
	static const struct { const char *s; size_t len; int want; } t[] = {
		{ "", 0, -EINVAL },
		{ ".", 1, -EINVAL },
		{ "..", 2, -EINVAL },
		{ "a/b", 3, -EINVAL },
		{ "/", 1, -EINVAL },
		{ "/etc", 4, -EINVAL },
		{ "a/", 2, -EINVAL },
		{ "../../etc/passwd", 16, -EINVAL },
		{ "a\0b", 3, -EINVAL },	/* never cut short by a C string function */
		{ "\0", 1, -EINVAL },
		{ "..x", 2, -EINVAL },	/* the length decides: this is ".." */
		{ "...", 3, 0 },
		{ ".a", 2, 0 },
		{ "a.", 2, 0 },
		{ "..a", 3, 0 },
		{ "a", 1, 0 },
		{ " /", 1, 0 },		/* " " only: the length excludes the slash */
		{ "a\nb", 3, 0 },	/* odd but legal names pass (P04) */
		{ "\xff\xfe", 2, 0 },
		{ "-rf", 3, 0 },
		{ "abc/def", 3, 0 },
	};
	size_t i;
	int bad = 0, r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if ((r = name_gate(t[i].s, t[i].len)) != t[i].want) {
			diag("name_gate(entry %zu, len %zu) = %d, want %d", i, t[i].len, r, t[i].want);
			bad = 1;
		}
	}
	ok(!bad, "name_gate: \"\", \".\", \"..\", slash, NUL rejected; \"...\", \".a\", odd bytes accepted");
}

static void
test_parse_uint(void)
{
	static const struct {
		const char *s;
		unsigned long long min, max;
		int ok;
		unsigned long long v;
	} t[] = {
		{ "0", 0, 10, 1, 0 },
		{ "10", 1, 10, 1, 10 },
		{ "1", 1, 10, 1, 1 },
		{ "007", 0, 10, 1, 7 },
		{ "0", 1, 10, 0, 0 },
		{ "11", 1, 10, 0, 0 },
		{ "", 0, 10, 0, 0 },
		{ "-1", 0, ULLONG_MAX, 0, 0 },	/* strtoull would wrap it */
		{ "+1", 0, 10, 0, 0 },
		{ " 1", 0, 10, 0, 0 },
		{ "1 ", 0, 10, 0, 0 },
		{ "1x", 0, 10, 0, 0 },
		{ "0x10", 0, 100, 0, 0 },
		{ "18446744073709551615", 0, ULLONG_MAX, 1, ULLONG_MAX },
		{ "18446744073709551616", 0, ULLONG_MAX, 0, 0 },
		{ "99999999999999999999999", 0, ULLONG_MAX, 0, 0 },
		{ "4096", 4096, 1048576, 1, 4096 },
		{ "1048577", 4096, 1048576, 0, 0 },
	};
	unsigned long long v;
	size_t i;
	int bad = 0, r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = 12345;
		r = parse_uint(t[i].s, t[i].min, t[i].max, &v);
		if (t[i].ok ? (r != 0 || v != t[i].v) : (r != -EINVAL || v != 12345)) {
			diag("parse_uint(\"%s\", %llu, %llu) = %d, %llu", t[i].s, t[i].min, t[i].max, r, v);
			bad = 1;
		}
	}
	ok(!bad, "parse_uint: bounds inclusive, signs/space/hex/overflow rejected, out untouched on error");
	ok(parse_uint(NULL, 0, 10, &v) == -EINVAL, "parse_uint(NULL): -EINVAL");
}

static void
test_signames(void)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP,
	    SIGABRT, SIGBUS, SIGFPE, SIGKILL, SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE,
	    SIGALRM, SIGTERM, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN,
	    SIGTTOU, SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH,
	    SIGIO, SIGPWR, SIGSYS };
	const char *name;
	size_t i, j;
	int bad = 0;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		name = sig_to_name(sigs[i]);
		if (name == NULL || name_to_sig(name) != sigs[i] || strncmp(name, "SIG", 3) == 0) {
			diag("signal %d: name %s", sigs[i], name ? name : "(null)");
			bad = 1;
		}
		for (j = 0; j < i && name; j++)
			bad |= sig_to_name(sigs[j]) && strcmp(sig_to_name(sigs[j]), name) == 0;
	}
	ok(!bad, "every signal name round trips, names distinct and without SIG");
	ok(strcmp(sig_to_name(SIGINT), "INT") == 0 && name_to_sig("TERM") == SIGTERM &&
	    name_to_sig("WINCH") == SIGWINCH, "INT, TERM, WINCH");
	ok(sig_to_name(0) == NULL && sig_to_name(-1) == NULL && sig_to_name(999) == NULL &&
	    sig_to_name(SIGRTMIN) == NULL, "unknown numbers: NULL");
	ok(name_to_sig("SIGINT") == 0 && name_to_sig("int") == 0 && name_to_sig("") == 0 &&
	    name_to_sig("INT ") == 0 && name_to_sig("IN") == 0 && name_to_sig("NOPE") == 0,
	    "unknown names (SIGINT, int, \"\", \"INT \", IN): 0");
}

static void
test_fd_flags(void)
{
	int p[2];

	if (pipe(p) != 0)
		abort();
	ok(fd_set_nonblock(p[0], 1) == 0 && (fcntl(p[0], F_GETFL) & O_NONBLOCK), "set O_NONBLOCK");
	ok(fd_set_nonblock(p[0], 0) == 0 && !(fcntl(p[0], F_GETFL) & O_NONBLOCK), "clear O_NONBLOCK");
	ok(fd_set_cloexec(p[0], 1) == 0 && (fcntl(p[0], F_GETFD) & FD_CLOEXEC), "set FD_CLOEXEC");
	ok(fd_set_cloexec(p[0], 0) == 0 && !(fcntl(p[0], F_GETFD) & FD_CLOEXEC), "clear FD_CLOEXEC");
	ok(fd_set_nonblock(-1, 1) == -EBADF && fd_set_cloexec(-1, 1) == -EBADF, "bad fd: -EBADF");
	is(write_all(p[1], "0123456789", 10), 10, "write_all of 10 bytes");
	is(write_all(-1, "x", 1), -EBADF, "write_all to a bad fd: -EBADF");
	close(p[0]);
	close(p[1]);
}

/*
 * The log module's syslog lines: in a private mount namespace (root only)
 * with a datagram socket of ours as /dev/log, a warning arrives as
 * "<PRI>prog[pid]: text", facility auth.
 */
static void
test_syslog(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	char got[256] = "", want[128];
	int p[2], st, s;
	size_t len;
	ssize_t n;
	pid_t pid;

	if (pipe(p) != 0 || (pid = fork()) < 0)
		abort();
	if (pid == 0) {
		close(p[0]);
		if (unshare(CLONE_NEWNS) != 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
		    mount("tmpfs", "/dev", "tmpfs", 0, NULL) != 0)
			_exit(77);
		if ((s = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0 ||
		    bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0)
			_exit(1);
		log_init("unit-log", LOG_TO_SYSLOG, LOG_LVL_WARN);
		log_warn("hello %d", 42);
		log_info("not at this level");
		log_error("second");
		while ((n = recv(s, got, sizeof(got) - 1, MSG_DONTWAIT)) > 0) {
			got[n] = '\n';
			(void)!write(p[1], got, (size_t)n + 1);
		}
		_exit(0);
	}
	close(p[1]);
	/* Until EOF: the child writes a line at a time. */
	for (len = 0; len < sizeof(got) - 1 &&
	    (n = read(p[0], got + len, sizeof(got) - 1 - len)) > 0; len += (size_t)n)
		;
	got[len] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
		ok(1, "# SKIP syslog lines: needs root for a private /dev/log");
		return;
	}
	snprintf(want, sizeof(want), "<36>unit-log[%d]: hello 42\n<35>unit-log[%d]: second\n",
	    (int)pid, (int)pid);
	if (!ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && strcmp(got, want) == 0,
	    "syslog lines: \"<PRI>prog[pid]: text\", auth facility, levels kept"))
		printf("# got: %s# want: %s", got, want);
}

static void
test_grow_pipe(void)
{
	char path[] = "/tmp/unit-util.XXXXXX";
	int p[2], f, r;

	if (pipe(p) != 0)
		abort();
	/* The system may cap it (fs.pipe-max-size) but never below 64 KiB. */
	r = fd_grow_pipe(p[1], 1024 * 1024);
	ok(r >= 64 * 1024 && r <= 1024 * 1024 && fcntl(p[0], F_GETPIPE_SZ) == r,
	    "fd_grow_pipe: the pipe holds %d bytes, as F_GETPIPE_SZ says", r);
	if ((f = mkstemp(path)) < 0)
		abort();
	unlink(path);
	is(fd_grow_pipe(f, 1024 * 1024), 0, "fd_grow_pipe of a regular file: 0, nothing done");
	is(fd_grow_pipe(-1, 1024 * 1024), -EBADF, "fd_grow_pipe of a bad fd: -EBADF");
	close(f);
	close(p[0]);
	close(p[1]);
}

/* Bitmap of fds 3..FD_SCAN-1 that are open. */
static void
open_fds(uint8_t *map)
{
	int fd;

	for (fd = 0; fd < FD_SCAN; fd++)
		map[fd] = fcntl(fd, F_GETFD) >= 0;
}

/*
 * In a child: close the fds 0-2 named by mask, run sanitise_stdfd(), and
 * check that every closed one is now /dev/null opened read-write, every
 * open one is untouched, and no other fd was left open.
 */
static int
sanitise_case(int mask)
{
	struct stat null, before[3], st;
	uint8_t map0[FD_SCAN], map1[FD_SCAN];
	pid_t pid;
	int fd, status;

	fflush(stdout);
	if ((pid = fork()) < 0)
		abort();
	if (pid == 0) {
		if (stat("/dev/null", &null) != 0)
			_exit(3);
		for (fd = 0; fd < 3; fd++) {
			/* Start from a full set even if the harness closed one. */
			if (fcntl(fd, F_GETFD) < 0 && dup2(open("/dev/null", O_RDWR), fd) != fd)
				_exit(3);
			if (fstat(fd, &before[fd]) != 0)
				_exit(3);
			if (mask & (1 << fd))
				close(fd);
		}
		open_fds(map0);
		if (sanitise_stdfd() != 0)
			_exit(2);
		for (fd = 0; fd < 3; fd++) {
			if (fstat(fd, &st) != 0)
				_exit(4);
			if (mask & (1 << fd)) {
				if (!S_ISCHR(st.st_mode) || st.st_rdev != null.st_rdev ||
				    (fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDWR)
					_exit(5);
			} else if (st.st_dev != before[fd].st_dev || st.st_ino != before[fd].st_ino)
				_exit(6);
		}
		open_fds(map1);
		for (fd = 3; fd < FD_SCAN; fd++)
			if (map0[fd] != map1[fd])
				_exit(7);	/* a leaked /dev/null fd */
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void
test_sanitise_stdfd(void)
{
	static const int masks[] = { 7, 1, 2, 4, 5, 6, 3, 0 };
	size_t i;

	for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++)
		is(sanitise_case(masks[i]), 0, "sanitise_stdfd with fds {%s%s%s} closed",
		    masks[i] & 1 ? " 0" : "", masks[i] & 2 ? " 1" : "", masks[i] & 4 ? " 2" : "");
}

/* In a child: open 40, 41, 42, 50; close_fds_from(lowfd, keep). */
static int
close_fds_case(int lowfd, const int *keep, size_t nkeep)
{
	static const int fds[] = { 40, 41, 42, 50 };
	uint8_t map0[FD_SCAN], map1[FD_SCAN];
	pid_t pid;
	size_t i, k;
	int fd, status, kept;

	fflush(stdout);
	if ((pid = fork()) < 0)
		abort();
	if (pid == 0) {
		for (i = 0; i < 4; i++)
			if (dup2(2, fds[i]) != fds[i])
				_exit(3);
		open_fds(map0);
		close_fds_from(lowfd, keep, nkeep);
		open_fds(map1);
		for (fd = 0; fd < FD_SCAN; fd++) {
			for (k = 0, kept = 0; k < nkeep; k++)
				kept |= keep[k] == fd;
			if (fd < lowfd || kept) {
				if (map1[fd] != map0[fd])
					_exit(4);	/* below lowfd or kept: untouched */
			} else if (map1[fd])
				_exit(5);		/* should have been closed */
		}
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void
test_close_fds_from(void)
{
	static const int keep41[] = { 41 }, keep_many[] = { 50, 40, 7 };

	is(close_fds_case(40, NULL, 0), 0, "close_fds_from(40): 40, 41, 42, 50 closed, lower ones kept");
	is(close_fds_case(40, keep41, 1), 0, "close_fds_from(40, keep 41): 41 survives");
	is(close_fds_case(41, keep_many, 3), 0, "close_fds_from(41, keep 50 40 7): 40 and 50 survive");
	is(close_fds_case(3, NULL, 0), 0, "close_fds_from(3): only 0-2 remain");
}

static int
printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static void
test_log_escape(void)
{
	uint8_t all[256];
	char out[2048], *d;
	size_t i, sz;
	int bad = 0;

	ok(strcmp(log_escape(out, sizeof(out), "a\x1b[31mb\n\\", 9), "a\\x1b[31mb\\x0a\\x5c") == 0,
	    "log_escape: ESC, newline and backslash become \\xHH");
	ok(strcmp(log_escape(out, sizeof(out), "a\0b", 3), "a\\x00b") == 0,
	    "log_escape: NUL inside is shown, not a terminator");
	for (i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	ok(printable(log_escape(out, sizeof(out), all, 256)), "log_escape: all 256 byte values come out printable");
	/* Every small size, into an exact allocation: always terminated, never past dstsz. */
	for (sz = 1; sz <= 40; sz++) {
		d = malloc(sz);
		log_escape(d, sz, all, 256);
		bad |= memchr(d, '\0', sz) == NULL || !printable(d);
		free(d);
	}
	ok(!bad, "log_escape into 1..40 bytes: terminated, printable, in bounds");
	log_escape(out, 64, all, 256);
	ok(strlen(out) < 64 && strcmp(out + strlen(out) - 3, "...") == 0, "log_escape: cut input ends in ...");
}


static int
ignored(int sig)
{
	struct sigaction sa;

	return sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN;
}

static void
test_signals_unignore(void)
{
	int sig, left = 0;

	signal(SIGUSR1, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGRTMIN + 3, SIG_IGN);
	signal(64, SIG_IGN);
	ok(signals_unignore() == 0, "signals_unignore: reads SigIgn");
	for (sig = 1; sig < NSIG; sig++)
		left += ignored(sig);
	ok(left == 0 && !ignored(SIGUSR1) && !ignored(SIGRTMIN + 3) && !ignored(64),
	    "signals_unignore: no signal is left ignored (%d), real-time ones included", left);
}

int
main(void)
{
	unit_start(60);
	test_name_gate();
	test_parse_uint();
	test_signames();
	test_fd_flags();
	test_grow_pipe();
	test_syslog();
	test_sanitise_stdfd();
	test_close_fds_from();
	test_log_escape();
	test_signals_unignore();
	return unit_done();
}

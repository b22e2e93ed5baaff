/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * transport: the byte pipe to cpu-subsystem.  Normally the user's own
 * ssh, run as `ssh -T -e none ... -s -- HOST cpu` so that ~/.ssh/config,
 * keys, the agent, ProxyJump and ControlMaster all work unchanged; with
 * -D, the subsystem itself run locally (like sftp -D), for tests.
 * The argv is built directly: no shell ever re-parses it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "log.h"
#include "util.h"

/* What each pipe to ssh holds (fd_grow_pipe()). */
#define TRANSPORT_PIPE	(1024 * 1024)

/* Options that keep ssh from adding anything to our byte stream, placed
 * first because ssh keeps the first value it sees for an option. */
static const char *const ssh_fixed[] = {
	"-T", "-e", "none",
	"-o", "RemoteCommand=none",
	"-o", "RequestTTY=no",
	"-o", "ForwardX11=no",
	"-o", "PermitLocalCommand=no",
	"-o", "ClearAllForwardings=yes",
	NULL
};

static int
build_argv(const struct client_opts *o, struct strv *av)
{
	const char *const *f;
	char *copy, *tok, *save;
	size_t i;
	int r = 0;

	if (o->direct) {
		/* -D "path [args]": split on blanks, as sftp -D does. */
		if ((copy = strdup(o->direct)) == NULL)
			return -ENOMEM;
		for (tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
			r |= strv_add(av, tok);
		free(copy);
		return av->n ? r : -EINVAL;
	}
	r |= strv_add(av, o->ssh ? o->ssh : "ssh");
	for (f = ssh_fixed; *f; f++)
		r |= strv_add(av, *f);
	for (i = 0; i < o->sshopts.n; i++)
		r |= strv_add(av, o->sshopts.v[i]);
	r |= strv_add(av, "-s");
	r |= strv_add(av, "--");
	r |= strv_add(av, o->host);
	r |= strv_add(av, "cpu");
	return r;
}

int
transport_start(const struct client_opts *o, struct transport *t)
{
	struct strv av = { 0 };
	int to[2], from[2], err[2] = { -1, -1 };
	size_t i;
	pid_t pid;

	if (build_argv(o, &av) != 0) {
		strv_free(&av);
		return -EINVAL;
	}
	if (log_get_level() >= LOG_LVL_DEBUG)
		for (i = 0; i < av.n; i++)
			log_debug("transport argv[%zu] = %s", i, av.v[i]);
	/* ssh's stderr comes through us, so we can add a hint to its
	 * "subsystem request failed"; prompts use /dev/tty, not stderr. */
	if (pipe2(to, O_CLOEXEC) != 0 || pipe2(from, O_CLOEXEC) != 0 ||
	    (!o->direct && pipe2(err, O_CLOEXEC) != 0)) {
		strv_free(&av);
		return -errno;
	}
	if ((pid = fork()) < 0) {
		strv_free(&av);
		return -errno;
	}
	if (pid == 0) {
		sigset_t none;

		/* cpu blocks the signals it reads through a signalfd; the
		 * mask would survive exec and leave ssh deaf to SIGTERM. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(to[0], STDIN_FILENO);
		dup2(from[1], STDOUT_FILENO);
		if (err[1] >= 0)
			dup2(err[1], STDERR_FILENO);
		/* ^C belongs to the remote command: cpu forwards it. */
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(av.v[0], av.v);
		fprintf(stderr, "cpu: cannot run %s: %s\n", av.v[0], strerror(errno));
		_exit(255);
	}
	close(to[0]);
	close(from[1]);
	if (err[1] >= 0)
		close(err[1]);
	strv_free(&av);
	/* 9P data moves a MiB at a time: see fd_grow_pipe(). */
	(void)fd_grow_pipe(to[1], TRANSPORT_PIPE);
	(void)fd_grow_pipe(from[0], TRANSPORT_PIPE);
	t->err_fd = err[0];
	t->pid = pid;
	t->to_fd = to[1];
	t->from_fd = from[0];
	return 0;
}

/*
 * Sleep until the transport child exits, at most 10 ms: on its pidfd when
 * the kernel has them (5.3), so that cpu ends as soon as ssh does rather
 * than on the next tick of the polling loop (a visible share of a short
 * session's time under a slow kernel).
 */
static void
wait_child_tick(int pidfd)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	if (pidfd >= 0 && poll(&p, 1, 10) >= 0)
		return;
	nanosleep(&ts, NULL);
}

static int
open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	long fd = syscall(SYS_pidfd_open, pid, 0);

	if (fd >= 0) {
		(void)fd_set_cloexec((int)fd, 1);
		return (int)fd;
	}
#else
	(void)pid;
#endif
	return -1;
}

int
transport_wait(struct transport *t, int timeout_ms)
{
	int st, rc = -1, waited = 0, pidfd;
	pid_t r;

	if (t->pid <= 0)
		return -1;
	pidfd = open_pidfd(t->pid);
	for (;;) {
		r = waitpid(t->pid, &st, WNOHANG);
		if (r == t->pid) {
			t->pid = 0;
			rc = st;
			break;
		}
		if (r < 0 && errno != EINTR)
			break;
		if (timeout_ms >= 0 && waited >= timeout_ms) {
			kill(t->pid, SIGTERM);
			if (waitpid(t->pid, &st, 0) == t->pid) {
				t->pid = 0;
				rc = st;
			}
			break;
		}
		wait_child_tick(pidfd);
		waited += 10;
	}
	if (pidfd >= 0)
		close(pidfd);
	return rc;
}

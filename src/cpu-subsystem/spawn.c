/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spawn: start the session's command.
 *
 * With a namespace (9P, binds or fstab) the child execs nsexec, which
 * builds the private mount namespace and then execs the command; without
 * one the child execs the command directly, as ssh would.  The child is
 * a session leader; with a pty the slave is its controlling terminal.
 * Large inputs for nsexec (environment, fstab) travel in memfds, so the
 * parent never has to feed a pipe while the child is still starting.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "log.h"
#include "subsys.h"
#include "util.h"

extern char **environ;

/* Variables that steer cpu itself; never handed to the command. */
static const char *const internal_vars[] = {
	"CPU_FSTAB", "LC_GLENDA_CPU_FSTAB", "CPUNONCE", NULL
};

static int
is_internal(const char *e)
{
	size_t i, n;

	for (i = 0; internal_vars[i] != NULL; i++) {
		n = strlen(internal_vars[i]);
		if (strncmp(e, internal_vars[i], n) == 0 && e[n] == '=')
			return 1;
	}
	return 0;
}

/* The command's environment: the client's, less cpu's own variables,
 * with TERM from the tty request.  Strings are borrowed from s. */
static char **
build_env(const struct cpu_setup *s, char *termvar)
{
	char **env;
	uint32_t i, n = 0;

	if ((env = calloc((size_t)s->envc + 2, sizeof(*env))) == NULL)
		return NULL;
	for (i = 0; i < s->envc; i++) {
		if (is_internal(s->env[i]))
			continue;
		if (termvar != NULL && strncmp(s->env[i], "TERM=", 5) == 0)
			continue;
		env[n++] = s->env[i];
	}
	if (termvar != NULL)
		env[n++] = termvar;
	env[n] = NULL;
	return env;
}

static int
memfd_with(const char *name, const void *p, size_t len)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (write_all(fd, p, len) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* NUL-separated NAME=value records, as nsexec -e reads them. */
static int
env_memfd(char **env)
{
	struct buf b;
	size_t i;
	int fd;

	buf_init(&b, BUF_SIZE_MAX);
	for (i = 0; env[i] != NULL; i++)
		if (buf_put(&b, env[i], strlen(env[i]) + 1) != 0) {
			buf_free(&b);
			errno = E2BIG;
			return -1;
		}
	fd = memfd_with("cpu-env", buf_ptr(&b), buf_len(&b));
	buf_free(&b);
	return fd;
}

static const char *
env_get(char **env, const char *name)
{
	size_t n = strlen(name);

	for (; *env != NULL; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

void
spawn_winch(int ptm, unsigned rows, unsigned cols, unsigned xp, unsigned yp)
{
	struct winsize ws = { .ws_row = rows, .ws_col = cols,
	    .ws_xpixel = xp, .ws_ypixel = yp };

	if (ptm >= 0)
		(void)ioctl(ptm, TIOCSWINSZ, &ws);
}

static int
need_nsexec(const struct cpu_setup *s)
{
	return (s->flags & SETUP_9P) || (s->ns && *s->ns) || (s->fstab && *s->fstab);
}

/* argv for nsexec; numbers are formatted into numbuf. */
static char **
nsexec_argv(const struct cpu_setup *s, const struct subsys_opts *o,
    char **cmd, const int *fds, char numbuf[][16])
{
	/* fds: 0 9P, 1 cached 9P, 2 fstab, 3 env, 4 status */
	size_t n = 0, ncmd = 0, i;
	char **av;

	while (cmd[ncmd] != NULL)
		ncmd++;
	if ((av = calloc(40 + ncmd, sizeof(*av))) == NULL)
		return NULL;
	av[n++] = (char *)o->nsexec;
	for (i = 0; i < 5; i++)
		snprintf(numbuf[i], 16, "%d", fds[i]);
	snprintf(numbuf[5], 16, "%u", s->msize);
	if (fds[0] >= 0) {
		av[n++] = "-9"; av[n++] = numbuf[0];
		av[n++] = "-m"; av[n++] = numbuf[5];
	}
	if (fds[1] >= 0) {
		av[n++] = "-C"; av[n++] = numbuf[1];
	}
	if (s->user && *s->user) {
		av[n++] = "-u"; av[n++] = s->user;
	}
	if (s->ns && *s->ns) {
		av[n++] = "-n"; av[n++] = s->ns;
	}
	if (fds[2] >= 0) {
		av[n++] = "-f"; av[n++] = numbuf[2];
	}
	if (s->tmpmnt && *s->tmpmnt) {
		av[n++] = "-t"; av[n++] = s->tmpmnt;
	}
	if (s->cwd && *s->cwd) {
		av[n++] = "-d"; av[n++] = s->cwd;
	}
	if ((s->flags & SETUP_EXPORT) && fds[0] >= 0) {
		/* The export's modes: nsexec binds read-only trees ro. */
		av[n++] = "-r"; av[n++] = s->ro ? s->ro : "";
		av[n++] = "-w"; av[n++] = s->rw ? s->rw : "";
	}
	av[n++] = "-e"; av[n++] = numbuf[3];
	av[n++] = "-E"; av[n++] = numbuf[4];
	if (o->seccomp) {
		av[n++] = "-S"; av[n++] = (char *)o->seccomp;
	}
	if (s->flags & SETUP_DEBUG)
		av[n++] = "-v";
	av[n++] = "--";
	for (i = 0; i < ncmd; i++)
		av[n++] = cmd[i];
	av[n] = NULL;
	return av;
}

/* Runs in the child: wire up stdio, become a session leader. */
static void
child_stdio(int ptm, const char *ptsname_, int in_r, int out_w, int err_w)
{
	sigset_t none;
	int fd, sig;

	/* No handlers here: only what we (SIGPIPE) or sshd ignore needs
	 * resetting before exec. */
	if (signals_unignore() != 0)
		for (sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	if (ptm >= 0) {
		if ((fd = open(ptsname_, O_RDWR)) < 0)
			_exit(125);
		(void)ioctl(fd, TIOCSCTTY, 0);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	} else {
		dup2(in_r, 0);
		dup2(out_w, 1);
		dup2(err_w, 2);
	}
}

int
spawn_command(const struct cpu_setup *s, const struct subsys_opts *o,
    struct spawned *sp, char *why, size_t whylen)
{
	char termvar[300], numbuf[6][16], pts[128] = "";
	char *shell_argv[3], **cmd, **env = NULL, **av = NULL;
	int inp[2] = { -1, -1 }, outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int statp[2] = { -1, -1 }, fds[5] = { -1, -1, -1, -1, -1 };
	int sv[MUX_MAX_9P][2], i, use_ns = need_nsexec(s);
	const char *shell;
	pid_t pid;

	memset(sp, 0, sizeof(*sp));
	sp->ptm = sp->in_fd = sp->out_fd = sp->err_fd = sp->status_fd = -1;
	for (i = 0; i < MUX_MAX_9P; i++)
		sp->p9_fd[i] = sv[i][0] = sv[i][1] = -1;

	snprintf(termvar, sizeof(termvar), "TERM=%s", s->term && *s->term ? s->term : "dumb");
	if ((env = build_env(s, (s->flags & SETUP_TTY) ? termvar : NULL)) == NULL)
		goto oom;
	/* No command: the client's login shell, as ssh runs one. */
	if (s->argc == 0) {
		shell = env_get(env, "SHELL");
		shell_argv[0] = (char *)(shell && *shell ? shell : "/bin/sh");
		shell_argv[1] = "-l";
		shell_argv[2] = NULL;
		cmd = shell_argv;
	} else
		cmd = s->argv;

	if (s->flags & SETUP_TTY) {
		if ((sp->ptm = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 ||
		    grantpt(sp->ptm) != 0 || unlockpt(sp->ptm) != 0 ||
		    ptsname_r(sp->ptm, pts, sizeof(pts)) != 0) {
			snprintf(why, whylen, "cannot allocate a pty: %s", strerror(errno));
			goto fail;
		}
		spawn_winch(sp->ptm, s->rows, s->cols, s->xpix, s->ypix);
	} else if (pipe2(inp, O_CLOEXEC) != 0 || pipe2(outp, O_CLOEXEC) != 0 ||
	    pipe2(errp, O_CLOEXEC) != 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		goto fail;
	}
	if (use_ns) {
		for (i = 0; i < s->n9p; i++)
			if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv[i]) != 0) {
				snprintf(why, whylen, "socketpair: %s", strerror(errno));
				goto fail;
			}
		fds[0] = s->n9p > 0 ? sv[0][1] : -1;
		fds[1] = s->n9p > 1 ? sv[1][1] : -1;
		if (s->fstab && *s->fstab &&
		    (fds[2] = memfd_with("cpu-fstab", s->fstab, strlen(s->fstab))) < 0) {
			snprintf(why, whylen, "memfd: %s", strerror(errno));
			goto fail;
		}
		if ((fds[3] = env_memfd(env)) < 0) {
			snprintf(why, whylen, "environment: %s", strerror(errno));
			goto fail;
		}
		if (pipe2(statp, O_CLOEXEC) != 0) {
			snprintf(why, whylen, "pipe: %s", strerror(errno));
			goto fail;
		}
		fds[4] = statp[1];
		if ((av = nsexec_argv(s, o, cmd, fds, numbuf)) == NULL)
			goto oom;
	}

	if ((pid = fork()) < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		child_stdio(sp->ptm, pts, inp[0], outp[1], errp[1]);
		if (use_ns) {
			/* Hand nsexec exactly its descriptors (without CLOEXEC). */
			for (i = 0; i < 5; i++)
				if (fds[i] >= 0)
					fd_set_cloexec(fds[i], 0);
			execv(o->nsexec, av);
			dprintf(2, "cpu-subsystem: cannot run %s: %s\n", o->nsexec, strerror(errno));
			_exit(125);
		}
		if (s->cwd && *s->cwd && chdir(s->cwd) != 0)
			dprintf(2, "cpu-subsystem: warning: cwd %s: %s; "
			    "running in the login directory\n", s->cwd, strerror(errno));
		environ = env;	/* execvp searches the client's PATH */
		execvp(cmd[0], cmd);
		dprintf(2, "cpu-subsystem: %s: %s\n", cmd[0],
		    errno == ENOENT ? "command not found" : strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	sp->pid = pid;
	if (sp->ptm >= 0) {
		sp->out_fd = sp->ptm;
	} else {
		close(inp[0]);
		close(outp[1]);
		close(errp[1]);
		sp->in_fd = inp[1];
		sp->out_fd = outp[0];
		sp->err_fd = errp[0];
	}
	for (i = 0; i < MUX_MAX_9P; i++) {
		if (sv[i][1] >= 0)
			close(sv[i][1]);
		sp->p9_fd[i] = sv[i][0];
	}
	sp->n9p = use_ns ? s->n9p : 0;
	if (statp[1] >= 0)
		close(statp[1]);
	sp->status_fd = statp[0];
	for (i = 2; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(av);
	free(env);
	return 0;
oom:
	snprintf(why, whylen, "out of memory");
fail:
	free(av);
	free(env);
	for (i = 0; i < 2; i++) {
		if (inp[i] >= 0) close(inp[i]);
		if (outp[i] >= 0) close(outp[i]);
		if (errp[i] >= 0) close(errp[i]);
		if (statp[i] >= 0) close(statp[i]);
	}
	for (i = 0; i < MUX_MAX_9P; i++) {
		if (sv[i][0] >= 0) close(sv[i][0]);
		if (sv[i][1] >= 0) close(sv[i][1]);
	}
	for (i = 2; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (sp->ptm >= 0)
		close(sp->ptm);
	sp->ptm = -1;
	return -1;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* cpu-subsystem: internal interfaces between its files. */
#ifndef CPU_SUBSYS_H
#define CPU_SUBSYS_H

#include <stdbool.h>
#include <sys/types.h>

#include "buf.h"
#include "chan.h"
#include "proto.h"
#include "setup.h"

struct subsys_opts {
	const char	*nsexec;	/* path of nsexec */
	const char	*seccomp;	/* policy passed to nsexec, or NULL */
	long long	 ttl_ms;	/* the coherent channel's cache TTL (-T) */
};

/* What spawn_command() made for the event loop. */
struct spawned {
	pid_t	 pid;
	int	 ptm;		/* pty master, or -1 */
	int	 in_fd;		/* command's stdin (we write), or -1 with a pty */
	int	 out_fd;	/* command's stdout (we read) */
	int	 err_fd;	/* command's stderr (we read), -1 with a pty */
	int	 status_fd;	/* nsexec's status pipe (we read), or -1 */
	int	 p9_fd[MUX_MAX_9P];	/* our ends of the 9P socketpairs */
	int	 n9p;
};

/* spawn.c: start the command (through nsexec when a namespace is wanted).
 * On failure returns -1 with a one-line reason in why. */
int	spawn_command(const struct cpu_setup *, const struct subsys_opts *,
	    struct spawned *, char *why, size_t whylen);
/* Apply a window size to the pty. */
void	spawn_winch(int ptm, unsigned rows, unsigned cols, unsigned xp, unsigned yp);

/* reap.c: descendants of this process (we are a child subreaper). */
int	reap_init(void);
/* Send sig to every descendant; returns how many were signalled. */
int	reap_signal_all(int sig);

/* session.c */
int	session_run(const struct subsys_opts *);

#endif

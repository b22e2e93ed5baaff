/* SPDX-License-Identifier: BSD-3-Clause */
/* util: small helpers shared by the programs.  Return 0 or -errno. */
#ifndef CPU_UTIL_H
#define CPU_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

int	fd_set_nonblock(int fd, int on);
int	fd_grow_pipe(int fd, int size);
int	fd_set_cloexec(int fd, int on);
/* Make sure fds 0, 1 and 2 are open (on /dev/null if not). */
int	sanitise_stdfd(void);
/* Close every fd >= lowfd except those listed. */
void	close_fds_from(int lowfd, const int *keep, size_t nkeep);
/*
 * Set every signal this process ignores back to SIG_DFL.  In a process
 * that installed no handler (cpu-subsystem, nsexec), SIG_IGN is the only
 * disposition besides the default that survives execve, so this is the
 * same as resetting them all, with one read of /proc/self/status (SigIgn)
 * instead of a system call per signal (64 of them take 1.7 ms under
 * user-mode-linux).  Async-signal-safe (for a child between fork and
 * exec).  0, or -errno when it cannot tell: then reset them all.
 */
int	signals_unignore(void);
/* Write all of p, looping over EINTR and short writes (blocking fds). */
ssize_t	write_all(int fd, const void *p, size_t n);

/*
 * The one gate for a single path component that came from a peer.
 * Rejects "", ".", "..", and any name containing '/' or NUL: -EINVAL.
 * (Twalk's ".." is handled by the walker before this gate.)
 */
int	name_gate(const char *name, size_t len);

/* Parse a decimal unsigned number in [min, max] (whole string); -EINVAL. */
int	parse_uint(const char *s, unsigned long long min, unsigned long long max,
	    unsigned long long *out);

/* Signal names for the SIGNAL frame: "INT" <-> SIGINT.  NULL/0 if unknown. */
const char *sig_to_name(int sig);
int	name_to_sig(const char *name);

#endif

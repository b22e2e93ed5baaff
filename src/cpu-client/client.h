/* SPDX-License-Identifier: BSD-3-Clause */
/* cpu client: internal interfaces between its files. */
#ifndef CPU_CLIENT_H
#define CPU_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NS_DEFAULT	"/lib:/lib64:/usr:/bin:/etc:/home"

/* ssh options passed through, in order. */
struct strv {
	char	**v;
	size_t	  n, cap;
};
int	strv_add(struct strv *, const char *);
void	strv_free(struct strv *);

struct client_opts {
	bool		 p9;		/* -9p */
	bool		 p9_set;	/* -9p given explicitly */
	const char	*ns;		/* -namespace */
	bool		 ns_set;
	const char	*fstab_file;	/* -fstab */
	const char	*root;		/* -root */
	bool		 root_set;	/* -root given explicitly */
	const char	*tmpmnt;	/* -tmpMnt */
	const char	*cache;		/* -cache: split, none, loose */
	uint32_t	 msize;		/* -msize */
	bool		 debug;		/* -d */
	bool		 dbg9p;		/* -dbg9p */
	int		 tty;		/* -t 1, -T 0, auto -1 */
	int		 escape;	/* -e: escape char, or -1 for none */
	const char	*ssh;		/* -ssh PATH */
	const char	*direct;	/* -D PATH: run the subsystem locally */
	const char	*host;
	char		**cmd;		/* command argv (may be empty) */
	int		 ncmd;
	struct strv	 sshopts;	/* pass-through options for ssh */
	/* Export control (exportpol.c, doc/export.md): paths as given. */
	struct strv	 exports;	/* -export PATH[:PATH...], split */
	struct strv	 modes;		/* -ro/-rw, split: "r/path" or "w/path" */
	struct strv	 deny;		/* -deny PATTERN */
	struct strv	 allow;		/* -allow PATH */
	struct strv	 keys;		/* -key/-i FILE: hidden too */
};

/* flags.c: parse argv; on error print one line and exit 2. */
void	flags_parse(int argc, char **argv, struct client_opts *);
void	flags_usage(int code) __attribute__((noreturn));
/* Step through the local sides of a namespace spec ("remote[=local]:...",
 * local defaulting to remote): *cur is the cursor, *side and *len the
 * next local side; 0 at the end.  An empty entry gives *len 0 (nsexec on
 * the remote refuses the spec; nothing here may act on it). */
int	ns_next_local(const char **cur, const char **side, size_t *len);

/* transport.c: start ssh (or the local subsystem) connected by pipes. */
struct transport {
	pid_t	pid;
	int	to_fd;		/* we write the mux stream here */
	int	from_fd;	/* and read it here */
	int	err_fd;		/* ssh's stderr, relayed to ours (-1 with -D) */
};
int	transport_start(const struct client_opts *, struct transport *);
/* Wait for the transport process; returns its wait status or -1. */
int	transport_wait(struct transport *, int timeout_ms);

/* tty.c: the local terminal. */
int	tty_raw(int fd);		/* enter raw mode, remember old modes */
void	tty_restore(void);		/* idempotent, async-signal-safe */
int	tty_winsize(int fd, uint16_t *rows, uint16_t *cols, uint16_t *xp, uint16_t *yp);

/* session.c */
int	client_run(struct client_opts *);

/* exportpol.c: the session's export policy (doc/export.md).  User errors
 * (a missing -export path, a bad pattern, an -allow that matches nothing,
 * an unreadable ~/.config/cpu/export) print one line and exit 2. */
struct export;
struct export *exportpol_build(const struct client_opts *, int rootfd,
	    const char *ns, const char *cwd, const char *fstab,
	    char **ro, char **rw);
/* -d: one line per tree and per hidden entry. */
void	exportpol_describe(const struct export *);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nsexec: internal interfaces between the small files of the helper.
 *
 * The pure parts (nspath.c, nsspec.c, fstab.c, p9opts.c, env.c) only parse
 * and validate: they never touch the system, so t/unit-nsspec.c links them
 * directly.  Functions return 0 or a negative errno; parsers that reject
 * input also write one human-readable line into a caller buffer (err) that
 * names the offending entry, because "invalid argument" alone tells the
 * user nothing.
 *
 * The acting parts (mounts.c, caps.c, seccomp.c) are called from the
 * straight line in nsexec.c.  doc/nsexec.md is the prose for all of it.
 */
#ifndef CPU_NSEXEC_H
#define CPU_NSEXEC_H

#include <stddef.h>
#include <sys/types.h>

/* Exit codes: 125 is nsexec's own failure, as for env(1)/chroot(1). */
#define NSEXEC_EXIT_SETUP	125
#define NSEXEC_EXIT_NOEXEC	126
#define NSEXEC_EXIT_NOTFOUND	127

/* Limits on what a caller can hand us (all checked before any action). */
#define NSEXEC_PATH_MAX		4096		/* one path, bytes */
#define NSEXEC_NAME_MAX		255		/* one path component */
#define NSEXEC_SPEC_MAX		(64u * 1024)	/* -n text */
#define NSEXEC_SPEC_ENTRIES	256		/* -n entries */
#define NSEXEC_FSTAB_MAX	(64u * 1024)	/* -f text */
#define NSEXEC_FSTAB_LINES	256		/* -f entries */
#define NSEXEC_ENV_MAX		(4u * 1024 * 1024) /* -e bytes */
#define NSEXEC_ENV_ENTRIES	65536		/* -e records */
#define NSEXEC_UNAME_MAX	255		/* -u */
#define NSEXEC_MSIZE_MIN	4096
#define NSEXEC_MSIZE_MAX	(1024u * 1024)
/* The cache=loose mount's msize is capped at this: v9fs sets the mount's
 * readahead to msize, and every page fault of an mmap()ed library reads
 * that much around the fault, so at 1 MiB the first exec of a dynamic
 * binary pulls all of libc (1.9 MB) over the link.  128 KiB is the
 * kernel's usual readahead (VM_READAHEAD_PAGES). */
#define NSEXEC_LOOSE_MSIZE_MAX	(128u * 1024)
#define NSEXEC_TMPFS_PCT	50	/* tmpfs size cap: % of RAM (the kernel default) */

/* ---- nspath.c: canonical paths and the refused-target list ---- */

/* 0 if p is absolute and canonical: starts with '/', no empty, "." or ".."
 * component, no trailing '/' (except "/" itself), no control character,
 * at most NSEXEC_PATH_MAX bytes and NSEXEC_NAME_MAX per component.
 * Otherwise -EINVAL (or -ENAMETOOLONG) and *why says what is wrong. */
int	path_check(const char *p, const char **why);
/* The bounds every colon-separated list handed to nsexec shares (-n, -r,
 * -w): at most NSEXEC_SPEC_MAX bytes and NSEXEC_SPEC_ENTRIES entries.
 * *n is the number of entries ("" has none); on error err says which
 * bound, naming the list as what. */
int	pathlist_count(const char *text, const char *what, size_t *n,
	    char *err, size_t errsz);
/* 1 if p is prefix or lies beneath it (component-wise: /usr is not under /us). */
int	path_under(const char *p, const char *prefix);
/* May something be mounted on the canonical path p (after every symlink
 * was resolved) in a session whose tmp mount point is tmp?  0, or -EPERM
 * and *why.  strict (non-root, and every namespace bind) also refuses
 * everything beneath /proc, /sys and /dev. */
int	target_check(const char *p, const char *tmp, int strict, const char **why);

/* ---- nsspec.c: the -n namespace spec ---- */

struct ns_bind {
	char	*remote;	/* mount point on this host (canonical absolute) */
	char	*local;		/* path under the 9P export (canonical absolute) */
};

struct ns_spec {
	struct ns_bind	*v;
	size_t		 n;
};

/* Parse "remote[=local](:remote[=local])*"; "" is no entries.  Each entry
 * is split on its first '='; both sides must pass path_check().  On error
 * err names the entry.  The targets are checked later (nsspec_check). */
int	nsspec_parse(const char *text, struct ns_spec *out, char *err, size_t errsz);
/* Check every target with target_check(strict) against tmp. */
int	nsspec_check(const struct ns_spec *, const char *tmp, char *err, size_t errsz);
void	nsspec_free(struct ns_spec *);

/* ---- nsmodes.c: the export's read-only and writable trees (-r, -w) ---- */

struct ns_paths {
	char	**v;		/* canonical absolute */
	size_t	  n;
};

struct ns_modes {
	struct ns_paths	 ro, rw;
	int		 given;		/* -r or -w was given */
};

/* Parse the two colon lists (NULL: not given); err names a bad entry. */
int	nsmodes_parse(const char *ro, const char *rw, struct ns_modes *,
	    char *err, size_t errsz);
/* 1 if everything the export serves at or beneath local is read-only:
 * the deepest entry at or above it is read-only (or there is none) and
 * no writable tree lies at or beneath it.  0 without -r/-w. */
int	nsmodes_readonly(const struct ns_modes *, const char *local);
void	nsmodes_free(struct ns_modes *);

/* ---- fstab.c: the -f fstab(5) text ---- */

enum fstab_kind { FSTAB_BIND, FSTAB_TMPFS, FSTAB_OTHER };

struct fstab_ent {
	int		 line;		/* 1-based line number, for messages */
	enum fstab_kind	 kind;
	char		*source;
	char		*target;	/* canonical absolute */
	char		*type;		/* "none" for binds */
	unsigned long	 flags;		/* MS_RDONLY, MS_NOSUID, ... (no MS_BIND/MS_REC) */
	unsigned long	 propagation;	/* MS_SHARED/SLAVE/PRIVATE/UNBINDABLE or 0 (root only) */
	int		 recursive;	/* rbind / rec */
	char		*data;		/* comma-joined filesystem options, "" if none */
};

struct fstab {
	struct fstab_ent *v;
	size_t		  n;
};

struct fstab_policy {
	int			root;		/* uid 0 login: wide list */
	const char		*tmp;		/* session tmp mount point */
	unsigned long long	tmpfs_max;	/* byte cap for non-root tmpfs size= */
};

/* Parse and validate all of text against the policy; nothing partial is
 * returned on error (err: "fstab line N: ..."). */
int	fstab_parse(const char *text, size_t len, const struct fstab_policy *,
	    struct fstab *out, char *err, size_t errsz);
void	fstab_free(struct fstab *);

/* ---- p9opts.c: mount option strings built from validated tokens ---- */

/* A mount-option value: 1..max bytes of [A-Za-z0-9._@$+-] (no ',', '=',
 * space, control or NUL, so it can never add a key).  0 or -EINVAL. */
int	opt_token_check(const char *s, size_t max);

struct p9_mount_opts {
	int		 fd;		/* rfdno = wfdno */
	unsigned	 msize;
	const char	*uname;		/* NULL: kernel default */
	int		 root;		/* access=client for root, else access=<uid> */
	uid_t		 uid;
	int		 cached;	/* cache=loose instead of cache=none */
	unsigned	 step;		/* which of the P9_OPTS_STEPS (below) */
};

/*
 * The option sets tried in turn, the most wanted first: a kernel that
 * does not know an optional key (noxattr before 6.6 is ignored, but a
 * kernel parsing with the fs_context API may refuse one it lacks) fails
 * the mount with EINVAL, and mounts.c tries the next step.  The last
 * step holds only what every 9p2000.L kernel takes.
 */
#define P9_OPTS_STEPS	2
/* Write the 9p data string into buf.  -EINVAL for a bad token or step,
 * -ENAMETOOLONG if it does not fit. */
int	p9_opts_build(const struct p9_mount_opts *, char *buf, size_t sz);

/* ---- env.c: the -e environment records and bounded fd reads ---- */

/* Read all of fd (blocking) into a fresh NUL-terminated buffer of at
 * most max bytes; -EMSGSIZE if there is more. */
int	read_fd_bounded(int fd, size_t max, char **out, size_t *outlen);
/* Parse NUL-separated NAME=value records into a NULL-terminated vector of
 * pointers into a private copy.  Later duplicates replace earlier ones;
 * cpu-internal variables are dropped (env_is_internal). */
int	env_parse(const char *buf, size_t len, char ***out, char *err, size_t errsz);
int	env_is_internal(const char *name, size_t namelen);
void	env_free(char **);

/* ---- report.c: warnings and the fatal error, to the status fd or stderr ---- */

void	report_init(int status_fd);
void	report_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	report_fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
/* (nspath.c) Escape untrusted text (a path from the caller) for one message line. */
const char *esc(const char *s);

/* ---- caps.c: the privilege model ---- */

/* Refuse setuid/setgid installs: 0 or -EPERM with *why. */
int	caps_refuse_setuid(const char **why);
/* 1 if the effective set holds cap (CAP_SYS_ADMIN, ...), 0 if not. */
int	caps_have_effective(int cap);
/* Leave nothing: permitted, effective, inheritable, ambient and bounding
 * all empty, checked afterwards with capget/prctl.  0 or -errno. */
int	caps_drop_all(void);
/* Check that no capability of any kind is left (used by caps_drop_all). */
int	caps_verify_none(void);
/* 1 if the process holds any permitted, effective or ambient capability. */
int	caps_held(void);

/* ---- seccomp.c ---- */

enum sc_policy { SC_NONE, SC_DEFAULT };

/* Build the filter now (so errors show before any mount); load later. */
int	sc_build(enum sc_policy, int root, void **ctx);
/* Load it: the last step before execve.  0 or -errno. */
int	sc_load(void *ctx);

/* ---- mounts.c ---- */

struct session_mounts {
	const char	*tmp;		/* canonical tmp mount point */
	int		 root;		/* root login */
	int		 p9fd;		/* -9, or -1 */
	int		 p9cfd;		/* -C, or -1 */
	unsigned	 msize;
	const char	*uname;
	const struct ns_spec *spec;
	const struct fstab   *fstab;
	const struct ns_modes *modes;	/* read-only binds; NULL: none */
};

/* The whole privileged mount sequence, in order.  Failures that end the
 * session are reported with report_fatal(); missing sources/targets and
 * failed fstab mounts with report_warn(). */
void	mounts_setup(const struct session_mounts *);
/* Is p one of the read-mostly trees served from the cached mount? */
int	mounts_is_cached_tree(const char *remote);
/* openat2(2) with O_CLOEXEC added; the fd or -errno. */
int	mounts_openat2(int dirfd, const char *path, int flags,
	    unsigned long long resolve);

#endif

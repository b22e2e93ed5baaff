/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sandbox: confine the client once its transport runs and its export
 * roots are open (issue 14 item 4).  Landlock (where the kernel has it)
 * limits file access to the exported trees, seccomp denies exec, new
 * sockets, ptrace and the administrative calls.  Irreversible.
 */
#ifndef CPU_SANDBOX_H
#define CPU_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

struct sandbox_tree {
	const char	*path;		/* absolute */
	bool		 readonly;
	bool		 listonly;	/* only directory listings beneath (the
					 * 9P root, for the ancestors) */
};

/* sandbox_enter() succeeded, but this kernel has no Landlock: only the
 * seccomp filter is in place. */
#define SANDBOX_NO_LANDLOCK	1

/*
 * 0, SANDBOX_NO_LANDLOCK, or -errno (nothing or only Landlock applied:
 * the caller must not go on).  why (may be NULL) gets a short reason
 * for SANDBOX_NO_LANDLOCK or an error.
 */
int	sandbox_enter(const struct sandbox_tree *trees, size_t ntrees,
	    const char **why);

#endif

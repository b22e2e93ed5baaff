/* SPDX-License-Identifier: BSD-3-Clause */
/* p9loop: serve one 9P connection on a descriptor until EOF (test tools). */
#ifndef CPU_T_P9LOOP_H
#define CPU_T_P9LOOP_H

#include "p9srv.h"

#define P9LOOP_MAXEXPORT	64

struct p9loop_opts {
	const char	*root;		/* export directory */
	uint32_t	 max_msize;	/* 0: the library default (1 MiB) */
	int		 trace;		/* one line per message on stderr */
	int		 readonly;
	int		 stats;		/* message counts on stderr at the end */
	/* -E: an export policy (lib/export.h), "rw:PATH", "ro:PATH" or
	 * "hide:PATTERN" each, PATH relative to root; none: no policy. */
	const char	*exports[P9LOOP_MAXEXPORT];
	unsigned	 nexports;
};

/* Add one -E argument to o; -EINVAL if there are too many. */
int	p9loop_add_export(struct p9loop_opts *o, const char *spec);

/* Parse "-m N" style sizes: plain bytes or with a k/m suffix. */
int	p9loop_parse_size(const char *s, uint32_t *out);
/* Serve opts->root on fd (read and write) until EOF.  0 or -errno. */
int	p9loop_serve(int fd, const struct p9loop_opts *opts);

#endif

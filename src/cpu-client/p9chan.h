/* SPDX-License-Identifier: BSD-3-Clause */
/* p9chan: glue between a mux channel and the in-process 9P server. */
#ifndef CPU_P9CHAN_H
#define CPU_P9CHAN_H

#include <stdbool.h>
#include "buf.h"
#include "chan.h"
#include "p9.h"
#include "p9srv.h"

struct p9chan {
	unsigned	 index;
	struct p9conn	*conn;
	struct buf	 replies;	/* produced, not yet sent */
	bool		 broken;
	/* readdirplus (FR_P9ATTR), only while p9conn_process runs */
	struct buf	*wire;		/* where ATTR frames go */
	uint8_t		 chan_id;
	bool		 attr_open;	/* a frame is begun at attr_start */
	size_t		 attr_start, attr_len;
	struct p9_qid	 attr_dir;
	struct buf	 scratch;	/* one encoded Rgetattr */
	/* FR_P9LINK: the link targets of the open attribute frame, sent
	 * right after it (only if the server's HELLO offered them) */
	bool		 links;
	struct buf	 linkq;
	bool		 absent;	/* the server takes "no such name" entries */
	/* Paths whose attributes go out with the first Rattach (NULL-ended,
	 * owned by the caller), and whether that happened. */
	const char *const *push;
	bool		 pushed;
	/* CPU_9P_STATS, opened with the channel: the sandbox allows no
	 * new file outside the export by the session's end */
	int		 stats_fd;
};

/* plus: send each listed entry's attributes (FR_P9ATTR, doc/9p-proxy.md). */
/* export: the session's policy (NULL: all of rootfd, read-write). */
int	p9chan_open(struct p9chan *, unsigned index, int rootfd,
	    const struct export *export, uint32_t msize, bool trace, bool plus);
void	p9chan_close(struct p9chan *);
/* Send the export root's own attributes now (before any 9P request). */
void	p9chan_push_root(struct p9chan *, uint8_t chan_id, struct buf *wire_out);
/* What the server's HELLO offered (HELLO_P9LINK, HELLO_P9ABSENT). */
void	p9chan_server_flags(struct p9chan *, uint32_t flags);
/* Serve what the channel has queued; send replies within the window. */
int	p9chan_pump(struct p9chan *, struct chan *, struct buf *wire_out);

#endif

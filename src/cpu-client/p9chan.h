/* p9chan: glue between a mux channel and the in-process 9P server. */
#ifndef CPU_P9CHAN_H
#define CPU_P9CHAN_H

#include <stdbool.h>
#include "buf.h"
#include "chan.h"
#include "p9srv.h"

struct p9chan {
	unsigned	 index;
	struct p9conn	*conn;
	struct buf	 replies;	/* produced, not yet sent */
	bool		 broken;
};

int	p9chan_open(struct p9chan *, unsigned index, int rootfd, uint32_t msize, bool trace);
void	p9chan_close(struct p9chan *);
/* Serve what the channel has queued; send replies within the window. */
int	p9chan_pump(struct p9chan *, struct chan *, struct buf *wire_out);

#endif

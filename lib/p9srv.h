/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9srv: the client's 9P2000.L file server, one instance per 9P channel.
 *
 * In cpu the client is the file server: the remote Linux kernel mounts
 * the client's export root with trans=fd.  The server is synchronous and
 * does no I/O on the channel itself: the caller's event loop moves bytes,
 * and p9conn_process() turns whole requests at the front of `in` into
 * replies at the end of `out`, one request at a time, each answered before
 * the next is looked at.  doc/9p-server.md describes the behaviour, the
 * confinement rules and the errno chosen for each refusal.
 *
 * Buffers: give `in` a ceiling of at least max_msize (a request is never
 * larger than the negotiated msize) and `out` at least 2 * max_msize.
 * p9conn_process() only starts a request when `out` has room for a
 * worst-case reply (msize bytes), so a caller that drains `out` before
 * calling again never loses a reply.
 */
#ifndef CPU_P9SRV_H
#define CPU_P9SRV_H

#include <stdint.h>

#include "buf.h"

struct p9_qid;
struct p9_attr;
struct export;

#define P9SRV_MAX_FIDS_DEFAULT	65536

struct p9srv_conf {
	int	 rootfd;	/* O_PATH|O_DIRECTORY fd of the export root; the
				 * caller owns it (the server dups it) */
	uint32_t max_msize;	/* 0: P9_MSIZE_MAX; clamped to [4096, 16 MiB] */
	unsigned max_fids;	/* 0: P9SRV_MAX_FIDS_DEFAULT */
	int	 readonly;	/* every mutating request gets EROFS */
	/* Non-NULL: serve only what this policy exports (lib/export.h,
	 * doc/9p-server.md "Export control"); the caller keeps it alive and
	 * unchanged while the connection lives.  NULL: the whole root,
	 * read-write unless readonly. */
	const struct export *export;
	/* Non-NULL: one readable line per request and per reply (cpu -dbg9p). */
	void	(*trace)(void *arg, const char *line);
	void	*trace_arg;
	/* Non-NULL: protocol errors and refusals worth telling the user,
	 * one line each, peer text already escaped; rate-limited. */
	void	(*log)(void *arg, const char *line);
	void	*log_arg;
	/*
	 * Non-NULL: "readdirplus".  For each entry a Treaddir reply carries
	 * (except "." and ".." and mount points), called with the attributes
	 * a Tgetattr of that entry would return right now (same qid, same
	 * fields), before the reply is appended to `out`.  cpu sends them
	 * ahead of the Rreaddir so the remote side can answer the Twalk and
	 * Tgetattr that follow locally (doc/9p-proxy.md).  A last call with
	 * name NULL, namelen 0 and no attributes says that this reply ends
	 * the listing (getdents found the end of the directory).  For a
	 * symbolic link, target/targetlen are what Treadlink would answer
	 * (else NULL, 0).  A name with no attributes (NULL) does not exist
	 * (p9conn_push_path_attrs() found it missing).
	 */
	void	(*dirattr)(void *arg, const struct p9_qid *dirqid,
		    const char *name, size_t namelen, const struct p9_attr *,
		    const char *target, size_t targetlen);
	void	*dirattr_arg;
};

struct p9conn;

/* NULL with errno set on failure (ENOMEM, or EBADF if rootfd is bad). */
struct p9conn *p9conn_new(const struct p9srv_conf *);
/* Closes every descriptor the connection holds. */
void	 p9conn_free(struct p9conn *);

/*
 * Handle every complete request at the front of `in` (consuming it) and
 * append the replies to `out`.  Returns 0 when `in` holds no complete
 * request or `out` lacks room for a worst-case reply; the caller drains
 * `out` / reads more and calls again.  A negative errno means the channel
 * is broken (a size field < 7 or > msize, or `out` smaller than msize):
 * the reason was given to conf->log and p9conn_error(); close the channel.
 * Bytes of an incomplete request left in `in` at EOF are simply dropped.
 */
int	 p9conn_process(struct p9conn *, struct buf *in, struct buf *out);

/*
 * With conf->dirattr: call it, right now, for every component of path
 * (relative to the export root, symlinks inside the export followed as a
 * lookup would, at most 16), as if each directory on the way had been
 * listed.  cpu does this for the namespace's bind sources when a channel
 * is attached, so the remote side answers those lookups itself.  Stops
 * quietly at a missing component or a mount point; 0, or -errno.
 */
int	 p9conn_push_path_attrs(struct p9conn *, const char *path);
/* With conf->dirattr: the export root's own attributes, as the entry "."
 * of the root (what Tgetattr of an attached fid answers).  0 or -errno. */
int	 p9conn_push_root_attrs(struct p9conn *);

/* The negotiated msize (the server maximum before Tversion). */
uint32_t p9conn_msize(const struct p9conn *);
/* Why p9conn_process failed ("" if it has not). */
const char *p9conn_error(const struct p9conn *);

/*
 * Requests handled, indexed by the T message type (p9_type_name() names
 * them); 256 entries.  Rlerror replies are counted at index P9_RLERROR.
 */
const uint64_t *p9conn_counts(const struct p9conn *);
/* Open fids right now (tests check that clunks and Tversion free them). */
unsigned p9conn_nfids(const struct p9conn *);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9proxy: the remote side's 9P "readdirplus" proxy, one per 9P channel.
 *
 * It sits between the kernel's trans=fd socket and the mux channel to
 * the client's 9P server, parses every message both ways, and answers
 * locally what the attributes the client sends with each directory
 * listing (FR_P9ATTR) already tell: Twalk of one cached name, Tgetattr of
 * a cached entry, Tclunk of a fid that only exists here.  Everything else
 * is forwarded with its tag translated; a fid that only exists here is
 * first "materialised" with a Twalk of our own, pipelined before the
 * request that needs it (the client's server answers in order).
 * doc/9p-proxy.md gives the rules, the coherence model and the limits.
 *
 * No I/O: the caller moves bytes.  Times are milliseconds from any
 * monotonic clock, passed in so tests can drive expiry.
 */
#ifndef CPU_P9PROXY_H
#define CPU_P9PROXY_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

/* Attributes of the coherent channel (cache=none: home, cwd) are trusted
 * this long: a change made on the client is seen by stat after at most
 * this (data is never cached: the next read sees it at once). */
#define P9PROXY_TTL_COHERENT_MS	2000
/* Read-mostly system trees (cache=loose: the kernel caches them anyway). */
#define P9PROXY_TTL_LOOSE_MS	60000

/* Room the caller keeps in the output buffers before each call. */
#define P9PROXY_KOUT_MIN	4096		/* to the kernel, beyond msize */

struct p9proxy;

struct p9proxy_stats {
	uint64_t	 fwd;		/* kernel requests forwarded */
	uint64_t	 walk, enoent, getattr, clunk, clone;	/* local */
	uint64_t	 flush;		/* Rflush answered locally */
	uint64_t	 xattr;		/* security./trusted. probes answered */
	uint64_t	 lopen;		/* read-only opens answered, opened lazily */
	uint64_t	 readdir;	/* end-of-listing Treaddir answered */
	uint64_t	 prefetch, prefetch_hit;	/* listings asked with Tlopen, used */
	uint64_t	 list_open, list_read;	/* stored listings: Tlopen, Treaddir */
	uint64_t	 ga, ga_hit;	/* Tgetattr sent with a Twalk; taken over */
	uint64_t	 spec;		/* subdirectory listings asked ahead */
	uint64_t	 parked;	/* Tlopens held for one of those */
	uint64_t	 links, readlink;	/* targets received; Treadlink answered */
	uint64_t	 attach;	/* Tattach answered here */
	uint64_t	 version;	/* Tversion answered here */
	uint64_t	 mat;		/* materialising walks sent */
	uint64_t	 attrs;		/* entries received */
	/* What is held now (filled by p9proxy_stats()). */
	uint64_t	 ents, dirs, fids, list_bytes, pf_bytes, pend_slots;
};

struct p9proxy *p9proxy_new(long long ttl_ms);
void	 p9proxy_free(struct p9proxy *);
/*
 * Answer read-only Tlopen of regular files at once and open on the client
 * only when a request needs the open (Tread, Tfsync, locks): with the
 * kernel's page cache (cache=loose) a warm exec or import never reads, so
 * the open is a round trip for nothing.  For the loose channel only: an
 * open that would fail on the client then fails at the first read.
 */
void	 p9proxy_set_lazy_open(struct p9proxy *, bool on);
/*
 * Send Treaddir(0) along with every read-only Tlopen of a directory and
 * answer the kernel's Treaddir that follows from it: a round trip less
 * per listed directory.
 */
void	 p9proxy_set_prefetch(struct p9proxy *, bool on);
/*
 * Send Tgetattr along with every forwarded one-name Twalk and answer the
 * kernel's that follows from it: for a client that does not send the
 * walked name's attributes itself (HELLO_WALKATTR).
 */
void	 p9proxy_set_getattr_ahead(struct p9proxy *, bool on);
/*
 * The client's 9P server's maximum msize (the setup's): Tversion is then
 * answered here, as that server would, and sent on.  With the root's
 * attributes the client sends at session start (FR_P9ATTR, "." of the
 * root), the first Tattach is answered here too: the mount costs no
 * round trip.
 */
void	 p9proxy_set_server_msize(struct p9proxy *, uint32_t msize);
/*
 * When the kernel has read a directory's whole listing (or used one
 * asked ahead), ask its subdirectories' listings at once and keep them
 * for the TTL: a walk down a tree finds each listing here.
 */
void	 p9proxy_set_ahead(struct p9proxy *, bool on);

/*
 * Consume whole T-messages from the front of `in`: forwarded ones (and
 * materialising walks) are appended to `to_client`, local answers to
 * `to_kernel`.  Stops, returning 0, when `in` holds no whole message or
 * an output lacks room for the worst case of the next one.  A negative
 * errno means the channel is broken (malformed message): close it.
 */
int	 p9proxy_from_kernel(struct p9proxy *, struct buf *in,
	    struct buf *to_client, struct buf *to_kernel, long long now);
/* The same for R-messages from the client; replies go to `to_kernel`. */
int	 p9proxy_from_client(struct p9proxy *, struct buf *in,
	    struct buf *to_kernel, long long now);
/* One FR_P9ATTR body (after the channel byte).  0 or -EPROTO. */
int	 p9proxy_on_attrs(struct p9proxy *, const uint8_t *p, size_t n,
	    long long now);
/* One FR_P9LINK body (after the channel byte): symlink targets of
 * entries just listed, for Treadlink.  0 or -EPROTO. */
int	 p9proxy_on_links(struct p9proxy *, const uint8_t *p, size_t n,
	    long long now);

/*
 * Free what is past the TTL (attributes, names, kept listings), at most
 * twice per TTL: the number of things freed.  Names of a complete, fresh
 * listing stay (their absence would answer ENOENT).
 */
int	 p9proxy_sweep(struct p9proxy *, long long now);
/* The memory bound of a session's caches (session.c): the bytes this
 * proxy's cache holds, when its least recently used directory was last
 * used (LLONG_MAX: none), and forgetting those used before a time. */
size_t	 p9proxy_cache_bytes(const struct p9proxy *);
long long p9proxy_cache_oldest(const struct p9proxy *);
void	 p9proxy_evict(struct p9proxy *, long long before);

/* Largest message either side may send now (msize, once negotiated). */
uint32_t p9proxy_msize(const struct p9proxy *);
/* Bytes `to_client` must have free for any one kernel message. */
size_t	 p9proxy_client_room(const struct p9proxy *);
/* Bytes `in` must hold before the kernel's next message can move: all
 * of it, or of a large Twrite only its header (its data streams); 0 if
 * anything more will do.  The caller reads the socket in pieces, so no
 * whole Twrite ever sits in `in`. */
size_t	 p9proxy_kernel_need(const struct p9proxy *, const struct buf *in);
const struct p9proxy_stats *p9proxy_stats(struct p9proxy *);
const char *p9proxy_error(const struct p9proxy *);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9proxy-int.h: what the files of the 9P proxy share among themselves
 * (never included outside src/cpu-subsystem/p9proxy*.c): its bounds, the
 * tables' records, the proxy itself, and the functions one file calls
 * in another.  The rooms are mapped in doc/9p-proxy.md.
 *
 * Invariants that keep the 9P the kernel sees exact:
 *  - Every forwarded request gets a tag of ours (its slot number in
 *    `pend`), so our own materialising walks can never collide with the
 *    kernel's tags; replies get the kernel's tag back.
 *  - A virtual fid (answered here, unknown to the client) always rests
 *    on a real fid (`base`) plus at most 16 names.  Before anything that
 *    needs it on the client, and before its base is clunked, moved or
 *    turned into a created file, a Twalk(base, fid, names) of ours is
 *    queued ahead of the kernel's request.  The client's server handles
 *    requests strictly in order, so no request waits for the walk; if it
 *    fails, the kernel's request is answered with the walk's error.
 *  - Local answers are byte for byte what the server would send: the
 *    Rgetattr body is the one the server encoded (FR_P9ATTR), the Rwalk
 *    qid is that body's qid.
 */
#ifndef CPU_P9PROXY_INT_H
#define CPU_P9PROXY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "p9.h"
#include "p9proxy.h"
#include "proto.h"
#include "util.h"

#define FID_BUCKETS	1024
#define ENT_BUCKETS	4096
#define DIR_BUCKETS	512
/* Memory bounds (cpu-subsystem stays small, issue 6 item 8): past these
 * the whole cache is dropped and refilled by later listings. */
#define MAX_ENTS	8192
#define MAX_DIRS	2048
#define MAX_VFIDS	4096
/* The walks that materialise the virtual fids resting on one real fid
 * are queued at once before it is clunked: their bytes are bounded (a
 * directory the kernel keeps hundreds of entries of, cache=loose, fits;
 * 256 KiB is about 6,000 typical names). */
#define DEPS_BYTES_MAX	(256u * 1024)
#define MAX_PEND	65535		/* our tags 0..0xFFFE */
/* The largest Twalk we send: header, fid, newfid, nwname, 16 names. */
#define WALK_MAX	(P9_HDRSZ + 4 + 4 + 2 + P9_MAXWELEM * (2 + 255))
#define RGETATTR_SZ	(P9_HDRSZ + P9ATTR_ATTR)
/* An Rread larger than this goes to the kernel as it arrives, not whole:
 * no buffer of ours then ever holds a whole msize of data, twice (the
 * channel's queue and the kernel's), which was most of cpu-subsystem's
 * peak memory (issue 6 item 8). */
#define STREAM_MIN	(64u * 1024)
/* ... and at most this much of it waits for the kernel's socket. */
#define STREAM_KOUT_MAX	(64u * 1024)
/* A Twrite larger than STREAM_MIN goes to the client the same way: its
 * header when it arrives, its data as the kernel's socket gives it, at
 * most this much of it queued for the wire (wstream_start()). */
#define WSTREAM_COUT_MAX	(64u * 1024)
#define TWRITE_HDR	(P9_HDRSZ + 4 + 8 + 4)	/* fid offset count[4] */

enum fstate { F_REAL, F_VIRT, F_DEAD };
/* A listing asked for with the directory's Tlopen (prefetch_listing()). */
enum pfstate { PF_NONE, PF_PENDING, PF_READY };
/* Prefetched listings held at once, waiting for the kernel's Treaddir. */
#define PF_BYTES_MAX	(2u * 1024 * 1024)
/* Whole listings kept for the TTL (list_store()): all, and one. */
#define LIST_BYTES_MAX	(512u * 1024)
#define LIST_ONE_MAX	(128u * 1024)
/* Listings of subdirectories asked ahead (spec_children()): queued, and
 * per listing that triggers them.  Their fid is ours: a number the
 * kernel's lowest-free allocation does not reach, checked free anyway. */
#define SPEC_QUEUE_MAX	256
#define SPEC_CHILDREN_MAX 64
#define SPEC_FID	0xFFFFFFF0u
/* ... and the count they ask: a directory too big for it (its dirents;
 * the attributes are about five times more) is not worth asking ahead. */
#define SPEC_COUNT_MAX	(16u * 1024)
/* The kernel's Tlopens held until a listing asked ahead arrives. */
#define PARK_MAX	16

/* What a fid reading a directory has besides (pfid.rd). */
struct pfid_rd {
	/* Treaddir: is the kernel reading the listing from 0 to its end? */
	bool		 rd_from0;
	uint64_t	 rd_next, rd_gen, rd_epoch;
	long long	 rd_start;
	/* The client said its last Rreaddir ended the listing: a Treaddir
	 * at eof_off (while the directory is unchanged) gets the empty
	 * reply here. */
	bool		 eof_ok;
	uint64_t	 eof_off, eof_gen;
	long long	 eof_t;
	/* PF_PENDING: our Treaddir(0, pf_count) is out with tag pf_tag;
	 * PF_READY: its Rreaddir is pf_msg, for the kernel's. */
	uint8_t		 pf;
	uint16_t	 pf_tag;
	uint32_t	 pf_count;
	uint8_t		*pf_msg;
	size_t		 pf_len;
};

/* The fields are ordered by size: one record per fid the kernel holds
 * (thousands after a find under cache=loose), 104 bytes. */
struct pfid {
	struct pfid	*next;
	struct p9_qid	 qid;
	/* Where its attributes live in the cache: (directory, name). */
	uint64_t	 keydir;
	char		*keyname;
	/* F_VIRT: walk `path` (wire-ready str16 names, nw of them) from
	 * real fid `base` */
	uint8_t		*path;
	size_t		 pathlen;
	size_t		 depbytes;	/* F_REAL: the size of its dependents' walks */
	/* Listing state, only for a fid that reads a directory (fid_rd()):
	 * most fids the kernel holds are files it walked to. */
	struct pfid_rd	*rd;
	uint32_t	 num;
	uint32_t	 lflags;	/* lazy: the Tlopen's flags */
	uint32_t	 base;
	unsigned	 ndeps;		/* F_REAL: virtual fids resting on it */
	int		 err;		/* F_DEAD: the failed walk's errno */
	uint16_t	 keylen;
	uint16_t	 nw;
	uint16_t	 ga_tag;	/* ga_pending: our Tgetattr's tag */
	uint8_t		 state;
	bool		 qid_known;	/* false: xattr/auth fid, or not learnt */
	bool		 key_known;
	bool		 xcreate;	/* Txattrcreate: its Tclunk sets the value */
	bool		 lazy;		/* Rlopen answered here; not open on the client */
	/* Our Tgetattr sent behind the walk that made this fid is out. */
	bool		 ga_pending;
};

struct adir {
	struct adir	*next;
	uint64_t	 path, gen;
	bool		 complete;	/* every name is in the cache (gen) */
	long long	 complete_t;	/* when that listing started */
	bool		 eof_mark;	/* the next Rreaddir ends the listing */
	/* The directory's whole listing, one Rreaddir to Treaddir(0) that
	 * reached its end, taken at list_t, while gen is list_gen. */
	uint8_t		*list;
	size_t		 list_len;
	uint64_t	 list_gen, list_last;
	long long	 list_t;
	bool		 list_spec;	/* asked ahead: consuming it asks the next level */
	bool		 spec_out;	/* a listing of ours is on its way */
	bool		 read;		/* the kernel read the whole listing at read_t */
	long long	 read_t;
	bool		 kids;		/* its subdirectories were asked ahead at kids_t */
	long long	 kids_t;
	/* When a name of it was last stored or answered: the cache's
	 * memory bound evicts the directories used longest ago first
	 * (p9proxy_evict()). */
	long long	 used_t;
};

/* An entry keeps its Rgetattr body without the last ATTR_ZERO bytes
 * (btime, gen, data_version), which the client's 9P server always sends
 * as zeros (lib/p9srv-attr.c): attributes with any of them set are not
 * kept (ent_set_attr()), and an answer puts the zeros back.  An entry
 * is then 48 bytes smaller (a malloc size class down for names up to
 * 20 bytes), and the cache of a listed tree is most of what a session
 * holds. */
#define ATTR_ZERO	32
#define ATTR_KEPT	(P9ATTR_ATTR - ATTR_ZERO)

struct aent {
	struct aent	*next;
	uint64_t	 dir, gen;
	long long	 t;
	char		*target;	/* a symlink's Rreadlink (FR_P9LINK) */
	uint16_t	 targetlen;
	uint16_t	 namelen;
	bool		 has_attr;
	bool		 neg;		/* the client said ENOENT (at t) */
	uint8_t		 attr[ATTR_KEPT];	/* an Rgetattr body, less its zeros */
	char		 name[];
};

struct pend {
	bool		 used, own;
	uint16_t	 ktag;
	uint8_t		 type;
	uint32_t	 fid, newfid;
	uint16_t	 nwname;
	bool		 dirk;		/* dir: the fid's qid.path at request */
	uint64_t	 dir;
	char		*name;		/* last walk name / created name */
	uint16_t	 namelen;
	uint64_t	 dgen;		/* Twalk: dir's generation at request */
	long long	 t0;		/* ... and when it was sent */
	uint64_t	 inv[2];	/* directories to invalidate at reply */
	int		 ninv;
	bool		 invall, dropattr;
	uint16_t	 oldtag;	/* Tflush: our tag of the old request */
	bool		 has_dep;	/* own walk: the request relying on it */
	uint16_t	 dep;
	bool		 prefetch;	/* own Treaddir sent with a Tlopen, or
					 * own Tgetattr sent with a Twalk */
	bool		 spec;		/* part of a listing asked ahead */
	bool		 attach_root;	/* Tattach of the export root */
	bool		 has_ga;	/* Twalk: our Tgetattr ga_tag follows */
	uint16_t	 ga_tag;
	uint64_t	 rd_off;	/* Treaddir: offset and count asked */
	uint32_t	 rd_cnt;
	int		 subst;		/* answer with Rlerror(subst) instead */
};

/* A subdirectory listing to ask ahead: walk `path` (nw str16 names) from
 * real fid `base` to directory `dir`. */
struct spec {
	uint32_t	 base;
	uint64_t	 dir;
	uint16_t	 nw;
	size_t		 pathlen;
	uint8_t		*path;
};

/* A kernel Tlopen held (park_open()): its bytes, and the directory. */
struct parked {
	uint64_t	 dir;
	uint16_t	 tag;
	size_t		 len;
	uint8_t		 msg[P9_HDRSZ + 8];
};

struct p9proxy {
	long long	 ttl;
	uint32_t	 msize;
	struct pfid	*fids[FID_BUCKETS];
	unsigned	 nvirt;
	struct adir	*dirs[DIR_BUCKETS];
	struct aent	*ents[ENT_BUCKETS];
	unsigned	 ndirs, nents;
	size_t		 ent_bytes;	/* entries with their names and targets */
	/* The time of the call into the proxy being handled (its `now`),
	 * for the records it touches (adir.used_t). */
	long long	 now;
	uint64_t	 gen_seq, epoch;
	struct pend	*pend;
	unsigned	 npend, cpend;	/* slots in use / allocated */
	unsigned	 next_tag;
	bool		 version_pending;
	bool		 lazy_open;	/* p9proxy_set_lazy_open() */
	bool		 prefetch;	/* p9proxy_set_prefetch() */
	bool		 ahead;		/* p9proxy_set_ahead() */
	bool		 ga_ahead;	/* p9proxy_set_getattr_ahead() */
	/* The first Tattach of the export root (aname "" or "/"): later
	 * ones are clones of it (try_attach()). */
	bool		 root_known;
	uint32_t	 root_fid;
	struct p9_qid	 root_qid;
	/* The client's server: its maximum msize (Tversion answered here
	 * when known) and its root's attributes sent at session start (the
	 * first Tattach answered here); both outlive a Tversion. */
	uint32_t	 srv_msize;
	bool		 version_own;	/* our Rversion given: swallow its */
	uint32_t	 version_msize;
	bool		 hint;
	uint8_t		 hint_attr[P9ATTR_ATTR];
	long long	 hint_t;
	uint32_t	 rd_count;	/* the kernel's Treaddir count, once seen */
	size_t		 pf_bytes;	/* held in PF_READY listings */
	size_t		 list_bytes;	/* held in adir.list */
	long long	 last_sweep;	/* p9proxy_sweep() */
	struct spec	*specq;		/* SPEC_QUEUE_MAX */
	unsigned	 nspec;
	struct parked	 park[PARK_MAX];
	unsigned	 npark;
	struct p9proxy_stats st;
	char		 error[128];
	/* An Rread being passed through (stream_start()): bytes of its
	 * payload still to come, and whether they are dropped (its request
	 * was answered with an error instead). */
	uint32_t	 stream_left;
	bool		 stream_drop;
	/* The same for a Twrite passed on (wstream_start()); while its
	 * header goes through from_kernel_one(), fwd_head is the header as
	 * received, forwarded in place of the one decoded. */
	uint32_t	 wstream_left;
	bool		 wstream_drop;
	const uint8_t	*fwd_head;
};

/* p9proxy-cache.c */
struct adir *dir_get(struct p9proxy *px, uint64_t path);
void cache_flush(struct p9proxy *px);
struct adir *dir_make(struct p9proxy *px, uint64_t path);
bool fresh(const struct p9proxy *px, long long t, long long now);
void list_drop(struct p9proxy *px, struct adir *d);
bool list_store(struct p9proxy *px, struct adir *d, const uint8_t *m, size_t len,
    uint64_t last, long long t, bool spec);
struct adir *listed_dir(struct p9proxy *px, const struct pfid *f, long long now);
void dir_invalidate(struct p9proxy *px, uint64_t path);
uint64_t attr_qid_path(const uint8_t *attr);
void attr_qid(const uint8_t *attr, struct p9_qid *q);
void ent_forget(struct p9proxy *px, struct aent *e);
void ent_set_attr(struct p9proxy *px, struct aent *e, const uint8_t *attr, long long t);
struct aent *ent_get(struct p9proxy *px, struct adir *d, const char *s, size_t n);
struct aent *ent_make(struct p9proxy *px, struct adir *d, const char *s, size_t n);
void ent_free(struct p9proxy *px, struct aent *e);

/* p9proxy-fid.c */
size_t walk_size(const struct pfid *f);
struct pfid *fid_get(struct p9proxy *px, uint32_t num);
struct pfid_rd *fid_rd(struct pfid *f);
void pf_drop(struct p9proxy *px, struct pfid *f);
void fid_clear(struct p9proxy *px, struct pfid *f);
struct pfid *fid_new(struct p9proxy *px, uint32_t num);
void fid_del(struct p9proxy *px, uint32_t num);
void fids_reset(struct p9proxy *px);
int set_key(struct pfid *f, uint64_t dir, const char *s, size_t n);
void drop_attrs(struct p9proxy *px, const struct pfid *f);
struct pend *pend_get(struct p9proxy *px, uint16_t tag);
struct pend *pend_new(struct p9proxy *px, uint16_t *tag);
void pend_free(struct p9proxy *px, struct pend *p);
int materialise(struct p9proxy *px, struct pfid *f, struct buf *tc, bool has_dep,
    uint16_t dep);
int open_lazily_opened(struct p9proxy *px, struct pfid *f, struct buf *tc, uint16_t dep);
int materialise_deps(struct p9proxy *px, uint32_t num, struct buf *tc);

/* p9proxy-spec.c */
bool listing_names(struct p9proxy *px, struct adir *d, const struct p9_msg *r,
    uint64_t *last, bool *any, bool *full);
bool dir_read_flags(uint32_t flags);
void on_listing_read(struct p9proxy *px, const struct pfid *f, struct adir *d,
    const uint8_t *data, uint32_t count, bool was_ahead, long long now);
bool park_open(struct p9proxy *px, const struct p9_msg *t, const uint8_t *m, size_t len);
int unpark(struct p9proxy *px, struct buf *tc, struct buf *tk, long long now);
bool spec_drain(struct p9proxy *px, struct buf *tc, long long now);
void spec_clear(struct p9proxy *px);
void spec_arrived(struct p9proxy *px, const struct pend *p, const struct p9_msg *r,
    const uint8_t *m, size_t len);

/* p9proxy-kernel.c */
bool attach_of_root(const struct p9_msg *t);
int note_request(struct p9proxy *px, struct pend *p, const struct p9_msg *t,
    long long now);
int from_kernel_one(struct p9proxy *px, const uint8_t *m, size_t len,
    struct buf *tc, struct buf *tk, long long now);

/* p9proxy-answer.c */
int try_walk(struct p9proxy *px, const struct p9_msg *t, struct buf *tk,
    long long now);
int try_getattr(struct p9proxy *px, const struct p9_msg *t, struct buf *tk,
    long long now);
int try_attach(struct p9proxy *px, const struct p9_msg *t, struct buf *tk);
int try_version(struct p9proxy *px, const struct p9_msg *t, struct buf *tk);
int try_first_attach(struct p9proxy *px, const struct p9_msg *t, const uint8_t *m,
    size_t len, struct buf *tc, struct buf *tk, long long now);
void first_attach_done(struct p9proxy *px, const struct pend *p, const struct p9_msg *r);
int try_readlink(struct p9proxy *px, const struct p9_msg *t, struct buf *tk,
    long long now);
bool protected_xattr(const struct p9_str *n);
int on_flush(struct p9proxy *px, const struct p9_msg *t, const uint8_t *m,
    size_t len, struct buf *tc, struct buf *tk);
int open_lazily(struct pfid *f, const struct p9_msg *t, struct buf *tk);
int try_open_listed(struct p9proxy *px, const struct p9_msg *t, struct buf *tk,
    long long now);
int try_readdir_listed(struct p9proxy *px, const struct p9_msg *t, struct buf *tk,
    long long now);
bool prefetch_getattr(struct p9proxy *px, const struct p9_msg *w, struct buf *tc,
    long long now, uint16_t *gtag);
void prefetch_listing(struct p9proxy *px, const struct p9_msg *o, struct buf *tc,
    long long now);
int try_readdir_prefetched(struct p9proxy *px, const struct p9_msg *t, struct buf *tk);

/* p9proxy-learn.c */
int try_readdir_eof(struct p9proxy *px, const struct p9_msg *t, struct buf *tk,
    long long now);
void learn_enoent(struct p9proxy *px, const struct pend *p);
void learn(struct p9proxy *px, const struct pend *p, const struct p9_msg *r,
    const uint8_t *m, size_t len, long long now);
void prefetch_arrived(struct p9proxy *px, const struct pend *p, const struct p9_msg *r,
    const uint8_t *m, size_t len, long long now);
void getattr_arrived(struct p9proxy *px, const struct pend *p, const struct p9_msg *r,
    const uint8_t *m, size_t len);

/* p9proxy-client.c */
int from_client_one(struct p9proxy *px, const uint8_t *m, size_t len,
    struct buf *tk, long long now);

/* p9proxy-stream.c */
int stream_start(struct p9proxy *px, struct buf *in, struct buf *tk, long long now);
size_t stream_body(struct p9proxy *px, struct buf *in, struct buf *tk);
int wstream_start(struct p9proxy *px, struct buf *in, struct buf *tc,
    struct buf *tk, long long now);
size_t wstream_body(struct p9proxy *px, struct buf *in, struct buf *tc);

/* p9proxy.c */
int fail(struct p9proxy *px, int err, const char *why);
int put_lerror(struct buf *out, uint16_t tag, int err);
int put_empty(struct buf *out, uint8_t type, uint16_t tag);
int put_retagged(struct buf *out, const uint8_t *m, size_t len, uint16_t tag);
int next_msg(struct p9proxy *px, const struct buf *in, size_t *len);

#endif

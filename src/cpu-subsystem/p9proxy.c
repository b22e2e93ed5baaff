/*
 * p9proxy: answer the kernel's per-entry Twalk/Tgetattr/Tclunk from the
 * attributes the client sends with each directory listing.  See
 * p9proxy.h and doc/9p-proxy.md (the rules, coherence and limits).
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
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct pfid {
	struct pfid	*next;
	uint32_t	 num;
	uint8_t		 state;
	bool		 qid_known;	/* false: xattr/auth fid, or not learnt */
	bool		 xcreate;	/* Txattrcreate: its Tclunk sets the value */
	bool		 lazy;		/* Rlopen answered here; not open on the client */
	uint32_t	 lflags;	/* ... with these Tlopen flags */
	struct p9_qid	 qid;
	/* Where its attributes live in the cache: (directory, name). */
	bool		 key_known;
	uint64_t	 keydir;
	char		*keyname;
	uint16_t	 keylen;
	/* F_VIRT: walk `path` (wire-ready str16 names) from real fid `base` */
	uint32_t	 base;
	uint16_t	 nw;
	uint8_t		*path;
	size_t		 pathlen;
	unsigned	 ndeps;		/* F_REAL: virtual fids resting on it */
	size_t		 depbytes;	/* ... and the size of their walks */
	int		 err;		/* F_DEAD: the failed walk's errno */
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
	/* Our Tgetattr sent behind the walk that made this fid is out. */
	bool		 ga_pending;
	uint16_t	 ga_tag;
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
};

struct aent {
	struct aent	*next;
	uint64_t	 dir, gen;
	long long	 t;
	bool		 has_attr;
	bool		 neg;		/* the client said ENOENT (at t) */
	char		*target;	/* a symlink's Rreadlink (FR_P9LINK) */
	uint16_t	 targetlen;
	uint16_t	 namelen;
	uint8_t		 attr[P9ATTR_ATTR];	/* an Rgetattr body */
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
};

static int
fail(struct p9proxy *px, int err, const char *why)
{
	snprintf(px->error, sizeof(px->error), "%s", why);
	return err;
}

/* ---- the attribute cache ----------------------------------------- */

static unsigned
hash_name(uint64_t dir, const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL ^ dir;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ULL;
	return (unsigned)(h ^ h >> 29);
}

static struct adir *
dir_get(struct p9proxy *px, uint64_t path)
{
	struct adir *d;

	for (d = px->dirs[path % DIR_BUCKETS]; d != NULL; d = d->next)
		if (d->path == path)
			return d;
	return NULL;
}

static void
cache_flush(struct p9proxy *px)
{
	struct aent *e, *en;
	struct adir *d, *dn;
	unsigned i;

	for (i = 0; i < ENT_BUCKETS; i++) {
		for (e = px->ents[i]; e != NULL; e = en) {
			en = e->next;
			free(e->target);
			free(e);
		}
		px->ents[i] = NULL;
	}
	for (i = 0; i < DIR_BUCKETS; i++) {
		for (d = px->dirs[i]; d != NULL; d = dn) {
			dn = d->next;
			free(d->list);
			free(d);
		}
		px->dirs[i] = NULL;
	}
	px->nents = px->ndirs = 0;
	px->list_bytes = 0;
	px->epoch++;		/* listings in progress are incomplete now */
}

static struct adir *
dir_make(struct p9proxy *px, uint64_t path)
{
	struct adir *d;

	if ((d = dir_get(px, path)) != NULL)
		return d;
	if (px->ndirs >= MAX_DIRS)
		cache_flush(px);
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->path = path;
	d->gen = ++px->gen_seq;
	d->next = px->dirs[path % DIR_BUCKETS];
	px->dirs[path % DIR_BUCKETS] = d;
	px->ndirs++;
	return d;
}

static bool
fresh(const struct p9proxy *px, long long t, long long now)
{
	return now - t < px->ttl && now >= t;
}

static void
list_drop(struct p9proxy *px, struct adir *d)
{
	if (d->list == NULL)
		return;
	px->list_bytes -= d->list_len;
	free(d->list);
	d->list = NULL;
	d->list_len = 0;
}

/*
 * Keep a directory's whole listing (the Rreaddir m that answered
 * Treaddir(0, count) and reached its end) so that, within the TTL, the
 * kernel's next Tlopen + Treaddir of it are answered here
 * (try_open_listed(), try_readdir_listed()).
 */
static bool
list_store(struct p9proxy *px, struct adir *d, const uint8_t *m, size_t len,
    uint64_t last, long long t, bool spec)
{
	struct adir *o;
	unsigned i;

	list_drop(px, d);
	if (len > LIST_ONE_MAX)
		return false;
	if (px->list_bytes + len > LIST_BYTES_MAX) {
		if (spec)
			return false;	/* asked ahead: never at the cost of others */
		for (i = 0; i < DIR_BUCKETS; i++)
			for (o = px->dirs[i]; o != NULL; o = o->next)
				list_drop(px, o);
	}
	if ((d->list = malloc(len)) == NULL)
		return false;
	memcpy(d->list, m, len);
	d->list_len = len;
	d->list_gen = d->gen;
	d->list_last = last;
	d->list_t = t;
	d->list_spec = spec;
	px->list_bytes += len;
	return true;
}

/* The directory's stored listing, if still good now. */
static struct adir *
listed_dir(struct p9proxy *px, const struct pfid *f, long long now)
{
	struct adir *d;

	if (f == NULL || f->state == F_DEAD || !f->qid_known ||
	    !(f->qid.type & P9_QTDIR) || (d = dir_get(px, f->qid.path)) == NULL ||
	    d->list == NULL || d->list_gen != d->gen || !fresh(px, d->list_t, now))
		return NULL;
	return d;
}

/* Forget what is known of a directory's names (not its own attributes). */
static void
dir_invalidate(struct p9proxy *px, uint64_t path)
{
	struct adir *d = dir_get(px, path);

	if (d != NULL) {
		d->gen = ++px->gen_seq;
		d->complete = false;
		list_drop(px, d);
	}
}

static uint64_t
attr_qid_path(const uint8_t *attr)
{
	return le_get64(attr + 8 + 5);
}

static void
attr_qid(const uint8_t *attr, struct p9_qid *q)
{
	q->type = attr[8];
	q->version = le_get32(attr + 9);
	q->path = le_get64(attr + 13);
}

/* The entry's attributes (and link target) are no longer known. */
static void
ent_forget(struct aent *e)
{
	e->has_attr = false;
	free(e->target);
	e->target = NULL;
	e->targetlen = 0;
}

/* New attributes for an entry; a link's target stays if it is the same
 * file (a symlink's target never changes). */
static void
ent_set_attr(struct aent *e, const uint8_t *attr, long long t)
{
	if (e->has_attr && attr_qid_path(e->attr) != attr_qid_path(attr))
		ent_forget(e);
	memcpy(e->attr, attr, P9ATTR_ATTR);
	e->has_attr = true;
	e->neg = false;
	e->t = t;
}

/* The entry (dir, name) of the directory's current listing, or NULL. */
static struct aent *
ent_get(struct p9proxy *px, const struct adir *d, const char *s, size_t n)
{
	struct aent *e;

	for (e = px->ents[hash_name(d->path, s, n) % ENT_BUCKETS]; e; e = e->next)
		if (e->dir == d->path && e->namelen == n &&
		    memcmp(e->name, s, n) == 0)
			return e->gen == d->gen ? e : NULL;
	return NULL;
}

/* Find or add (dir, name) in the current listing; a stale one is reused. */
static struct aent *
ent_make(struct p9proxy *px, struct adir *d, const char *s, size_t n)
{
	unsigned h = hash_name(d->path, s, n) % ENT_BUCKETS;
	struct aent *e;

	for (e = px->ents[h]; e != NULL; e = e->next)
		if (e->dir == d->path && e->namelen == n &&
		    memcmp(e->name, s, n) == 0) {
			if (e->gen != d->gen) {
				e->gen = d->gen;
				ent_forget(e);
				e->neg = false;
			}
			return e;
		}
	if (px->nents >= MAX_ENTS)
		return NULL;	/* the caller flushes and gives up this one */
	if ((e = calloc(1, sizeof(*e) + n)) == NULL)
		return NULL;
	e->dir = d->path;
	e->gen = d->gen;
	e->namelen = (uint16_t)n;
	memcpy(e->name, s, n);
	e->next = px->ents[h];
	px->ents[h] = e;
	px->nents++;
	return e;
}

/* ---- fids -------------------------------------------------------- */

/* The Twalk that materialises virtual fid f: header, fid, newfid, nwname, path. */
static size_t
walk_size(const struct pfid *f)
{
	return P9_HDRSZ + 10 + f->pathlen;
}

/* Virtual fid f no longer rests on b. */
static void
dep_forget(struct pfid *b, const struct pfid *f)
{
	if (b->ndeps > 0)
		b->ndeps--;
	b->depbytes -= b->depbytes < walk_size(f) ? b->depbytes : walk_size(f);
}

static struct pfid *
fid_get(struct p9proxy *px, uint32_t num)
{
	struct pfid *f;

	for (f = px->fids[num % FID_BUCKETS]; f != NULL; f = f->next)
		if (f->num == num)
			return f;
	return NULL;
}

/* Forget a prefetched listing; a pending one's reply will be dropped. */
static void
pf_drop(struct p9proxy *px, struct pfid *f)
{
	if (f->pf == PF_READY) {
		px->pf_bytes -= f->pf_len;
		free(f->pf_msg);
		f->pf_msg = NULL;
		f->pf_len = 0;
	}
	f->pf = PF_NONE;
}

static void
fid_clear(struct p9proxy *px, struct pfid *f)
{
	struct pfid *b;

	pf_drop(px, f);
	f->ga_pending = false;
	if (f->state == F_VIRT) {
		if ((b = fid_get(px, f->base)) != NULL)
			dep_forget(b, f);
		px->nvirt--;
	}
	free(f->path);
	free(f->keyname);
	f->path = NULL;
	f->keyname = NULL;
	f->pathlen = 0;
	f->nw = 0;
	f->key_known = f->qid_known = false;
	f->state = F_REAL;
}

static struct pfid *
fid_new(struct p9proxy *px, uint32_t num)
{
	struct pfid *f;

	if ((f = fid_get(px, num)) != NULL) {
		fid_clear(px, f);
		return f;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->num = num;
	f->next = px->fids[num % FID_BUCKETS];
	px->fids[num % FID_BUCKETS] = f;
	return f;
}

static void
fid_del(struct p9proxy *px, uint32_t num)
{
	struct pfid **pp, *f;

	for (pp = &px->fids[num % FID_BUCKETS]; (f = *pp) != NULL; pp = &f->next)
		if (f->num == num) {
			fid_clear(px, f);
			*pp = f->next;
			free(f);
			return;
		}
}

static void
fids_reset(struct p9proxy *px)
{
	struct pfid *f, *fn;
	unsigned i;

	for (i = 0; i < FID_BUCKETS; i++) {
		for (f = px->fids[i]; f != NULL; f = fn) {
			fn = f->next;
			free(f->path);
			free(f->keyname);
			free(f->pf_msg);
			free(f);
		}
		px->fids[i] = NULL;
	}
	px->nvirt = 0;
	px->pf_bytes = 0;
}

static int
set_key(struct pfid *f, uint64_t dir, const char *s, size_t n)
{
	char *k = NULL;

	if (n > 0 && (k = malloc(n)) == NULL)
		return -ENOMEM;
	if (n > 0)
		memcpy(k, s, n);
	free(f->keyname);
	f->keyname = k;
	f->keylen = (uint16_t)n;
	f->keydir = dir;
	f->key_known = n > 0;
	return 0;
}

/* Drop the attributes of the fid's file (it is being written or set). */
static void
drop_attrs(struct p9proxy *px, const struct pfid *f)
{
	struct adir *d;
	struct aent *e;
	unsigned i;

	if (f != NULL && f->key_known && (d = dir_get(px, f->keydir)) != NULL) {
		if ((e = ent_get(px, d, f->keyname, f->keylen)) != NULL)
			ent_forget(e);
	}
	if (f == NULL || !f->qid_known) {
		if (px->nents > 0)
			cache_flush(px);
		return;
	}
	/* Other names of the same inode (hard links) go too. */
	for (i = 0; i < ENT_BUCKETS; i++)
		for (e = px->ents[i]; e != NULL; e = e->next)
			if (e->has_attr && attr_qid_path(e->attr) == f->qid.path)
				ent_forget(e);
}

/* ---- tags -------------------------------------------------------- */

static struct pend *
pend_get(struct p9proxy *px, uint16_t tag)
{
	return tag < px->cpend && px->pend[tag].used ? &px->pend[tag] : NULL;
}

static struct pend *
pend_new(struct p9proxy *px, uint16_t *tag)
{
	struct pend *np;
	unsigned i, n;

	if (px->npend >= px->cpend) {
		if (px->cpend >= MAX_PEND)
			return NULL;
		n = px->cpend ? px->cpend * 2 : 64;
		if (n > MAX_PEND)
			n = MAX_PEND;
		if ((np = realloc(px->pend, n * sizeof(*np))) == NULL)
			return NULL;
		memset(np + px->cpend, 0, (n - px->cpend) * sizeof(*np));
		px->pend = np;
		px->cpend = n;
	}
	for (i = 0; i < px->cpend; i++) {
		n = (px->next_tag + i) % px->cpend;
		if (!px->pend[n].used) {
			px->next_tag = n + 1;
			memset(&px->pend[n], 0, sizeof(px->pend[n]));
			px->pend[n].used = true;
			px->npend++;
			*tag = (uint16_t)n;
			return &px->pend[n];
		}
	}
	return NULL;
}

static void
pend_free(struct p9proxy *px, struct pend *p)
{
	free(p->name);
	memset(p, 0, sizeof(*p));
	px->npend--;
}

/* ---- output ------------------------------------------------------ */

static int
put_lerror(struct buf *out, uint16_t tag, int err)
{
	struct p9_msg r = { .type = P9_RLERROR, .tag = tag };

	r.u.ecode = (uint32_t)err;
	return p9_encode(out, &r);
}

static int
put_empty(struct buf *out, uint8_t type, uint16_t tag)
{
	struct p9_msg r = { .type = type, .tag = tag };

	return p9_encode(out, &r);
}

/* A message as received, with another tag. */
static int
put_retagged(struct buf *out, const uint8_t *m, size_t len, uint16_t tag)
{
	uint8_t *p;
	int r;

	if ((r = buf_reserve(out, len, &p)) != 0)
		return r;
	memcpy(p, m, len);
	le_put16(p + 5, tag);
	buf_commit(out, len);
	return 0;
}

/* Make virtual fid f exist on the client: Twalk(base, f, path) of ours. */
static int
materialise(struct p9proxy *px, struct pfid *f, struct buf *tc, bool has_dep,
    uint16_t dep)
{
	struct pfid *b = fid_get(px, f->base);
	struct pend *p;
	uint16_t tag;
	uint8_t *w;
	size_t len = P9_HDRSZ + 10 + f->pathlen;
	int r;

	if (b == NULL || b->state != F_REAL)
		return fail(px, -EPROTO, "internal: virtual fid without base");
	if ((p = pend_new(px, &tag)) == NULL)
		return fail(px, -ENOBUFS, "out of tags");
	if ((r = buf_reserve(tc, len, &w)) != 0) {
		pend_free(px, p);
		return fail(px, r, "no room for a walk");
	}
	le_put32(w, (uint32_t)len);
	w[4] = P9_TWALK;
	le_put16(w + 5, tag);
	le_put32(w + 7, b->num);
	le_put32(w + 11, f->num);
	le_put16(w + 15, f->nw);
	memcpy(w + 17, f->path, f->pathlen);
	buf_commit(tc, len);
	p->own = true;
	p->type = P9_TWALK;
	p->fid = f->num;
	p->nwname = f->nw;
	p->has_dep = has_dep;
	p->dep = dep;
	dep_forget(b, f);
	px->nvirt--;
	free(f->path);
	f->path = NULL;
	f->pathlen = 0;
	f->state = F_REAL;
	px->st.mat++;
	return 0;
}

/* The client-side open a lazily opened fid owes before request `dep`. */
static int
open_lazily_opened(struct p9proxy *px, struct pfid *f, struct buf *tc, uint16_t dep)
{
	struct pend *p;
	uint16_t tag;
	uint8_t *w;
	size_t len = P9_HDRSZ + 8;
	int r;

	if ((p = pend_new(px, &tag)) == NULL)
		return fail(px, -ENOBUFS, "out of tags");
	if ((r = buf_reserve(tc, len, &w)) != 0) {
		pend_free(px, p);
		return fail(px, r, "no room for an open");
	}
	le_put32(w, (uint32_t)len);
	w[4] = P9_TLOPEN;
	le_put16(w + 5, tag);
	le_put32(w + 7, f->num);
	le_put32(w + 11, f->lflags);
	buf_commit(tc, len);
	p->own = true;
	p->type = P9_TLOPEN;
	p->fid = f->num;
	p->has_dep = true;
	p->dep = dep;
	f->lazy = false;
	return 0;
}

/* Before fid num stops naming what it names: give its dependents life. */
static int
materialise_deps(struct p9proxy *px, uint32_t num, struct buf *tc)
{
	struct pfid *b = fid_get(px, num), *f;
	unsigned i;
	int r;

	if (b == NULL || b->ndeps == 0)
		return 0;
	for (i = 0; i < FID_BUCKETS && b->ndeps > 0; i++)
		for (f = px->fids[i]; f != NULL; f = f->next)
			if (f->state == F_VIRT && f->base == num &&
			    (r = materialise(px, f, tc, false, 0)) != 0)
				return r;
	return 0;
}


/* ---- listings asked ahead ------------------------------------------ */

/*
 * The names of one Rreaddir into directory d's current listing (d NULL:
 * only read them).  false if the reply is malformed; else *last is the
 * offset of its last entry, *any whether it had one, and *full whether
 * a name found the cache full (then not all are in).
 */
static bool
listing_names(struct p9proxy *px, struct adir *d, const struct p9_msg *r,
    uint64_t *last, bool *any, bool *full)
{
	struct p9_dirent de;
	struct aent *e;
	struct rd rd;

	*last = 0;
	*any = *full = false;
	rd_init(&rd, r->u.rio.data, r->u.rio.count);
	while (rd.left > 0 && p9_dirent_get(&rd, &de) == 0) {
		*any = true;
		*last = de.offset;
		if (d == NULL || *full || de.name.len == 0 || de.name.len > 255)
			continue;
		if ((e = ent_make(px, d, de.name.s, de.name.len)) != NULL)
			e->neg = false;
		else
			*full = true;
	}
	return rd.err == 0 && rd.left == 0;
}


/* Tlopen flags of an open for listing (opendir, fts, getdents users). */
static bool
dir_read_flags(uint32_t flags)
{
	return (flags & ~(uint32_t)(P9_DOTL_DIRECTORY | P9_DOTL_LARGEFILE |
	    P9_DOTL_NOFOLLOW | P9_DOTL_NOATIME | P9_DOTL_CLOEXEC |
	    P9_DOTL_NONBLOCK | P9_DOTL_NOCTTY)) == 0;
}


/*
 * Queue the subdirectories of a listing (data/count) to be listed ahead:
 * each is walked from real fid `base` through `prefix` (nw0 wire-ready
 * names) and its own name.  Skipped: those listed and fresh, or asked.
 */
static void
spec_listing(struct p9proxy *px, uint32_t base, const uint8_t *prefix,
    size_t plen0, uint16_t nw0, const uint8_t *data, uint32_t count,
    long long now)
{
	struct p9_dirent de;
	struct adir *sub;
	struct spec *sp;
	struct rd rd;
	unsigned n = 0;

	if (nw0 >= P9_MAXWELEM)
		return;
	rd_init(&rd, data, count);
	while (rd.left > 0 && p9_dirent_get(&rd, &de) == 0 && n < SPEC_CHILDREN_MAX &&
	    px->nspec < SPEC_QUEUE_MAX) {
		if (!(de.qid.type & P9_QTDIR) || de.name.len == 0 || de.name.len > 255 ||
		    name_gate(de.name.s, de.name.len) != 0 ||
		    (sub = dir_make(px, de.qid.path)) == NULL || sub->spec_out ||
		    (sub->list != NULL && sub->list_gen == sub->gen &&
		    fresh(px, sub->list_t, now)))
			continue;
		sp = &px->specq[px->nspec];
		if ((sp->path = malloc(plen0 + 2 + de.name.len)) == NULL)
			return;
		if (plen0 > 0)
			memcpy(sp->path, prefix, plen0);
		le_put16(sp->path + plen0, de.name.len);
		memcpy(sp->path + plen0 + 2, de.name.s, de.name.len);
		sp->pathlen = plen0 + 2 + de.name.len;
		sp->nw = (uint16_t)(nw0 + 1);
		sp->base = base;
		sp->dir = de.qid.path;
		sub->spec_out = true;
		px->nspec++;
		n++;
	}
}

/*
 * The kernel has read directory d's whole listing (data/count) through
 * its fid f, or used one asked ahead.  If it is going down a tree (it
 * read d's parent too, or d's listing was asked ahead for that reason),
 * ask ahead the listings of d's subdirectories and, once, of d's
 * siblings (walked from f through ".."): `find`, `ls -R` or `du` then
 * find most listings here.  A single `ls` asks nothing ahead.
 */
static void
on_listing_read(struct p9proxy *px, const struct pfid *f, struct adir *d,
    const uint8_t *data, uint32_t count, bool was_ahead, long long now)
{
	uint8_t pre[P9_MAXWELEM * (2 + 255) + 4];
	size_t plen = f->state == F_VIRT ? f->pathlen : 0;
	uint16_t nw = f->state == F_VIRT ? f->nw : 0;
	uint32_t base = f->state == F_VIRT ? f->base : f->num;
	struct adir *pd;

	d->read = true;
	d->read_t = now;
	pd = f->key_known ? dir_get(px, f->keydir) : NULL;
	if (!px->ahead || f->state == F_DEAD || plen > sizeof(pre) - 4 ||
	    fid_get(px, base) == NULL ||
	    !(was_ahead || (pd != NULL && pd->read && fresh(px, pd->read_t, now))))
		return;
	if (plen > 0)
		memcpy(pre, f->path, plen);
	if (!(d->kids && fresh(px, d->kids_t, now))) {
		d->kids = true;
		d->kids_t = now;
		spec_listing(px, base, pre, plen, nw, data, count, now);
	}
	if (pd != NULL && pd->list != NULL && pd->list_gen == pd->gen &&
	    fresh(px, pd->list_t, now) && !(pd->kids && fresh(px, pd->kids_t, now))) {
		pd->kids = true;
		pd->kids_t = now;
		le_put16(pre + plen, 2);
		memcpy(pre + plen + 2, "..", 2);
		spec_listing(px, base, pre, plen + 4, (uint16_t)(nw + 1),
		    pd->list + P9_HDRSZ + 4, le_get32(pd->list + P9_HDRSZ), now);
	}
}

/* Is fid number `num` free on both sides (no fid, no request making one)? */
static bool
fid_unused(struct p9proxy *px, uint32_t num)
{
	unsigned i;

	if (fid_get(px, num) != NULL)
		return false;
	for (i = 0; i < px->cpend; i++)
		if (px->pend[i].used && !px->pend[i].own &&
		    (px->pend[i].fid == num || px->pend[i].newfid == num))
			return false;
	return true;
}

/* Our own request `t` (own, part of a listing asked ahead). */
static struct pend *
spec_put(struct p9proxy *px, struct buf *tc, struct p9_msg *t)
{
	struct pend *p;
	uint16_t tag;

	if ((p = pend_new(px, &tag)) == NULL)
		return NULL;
	t->tag = tag;
	if (p9_encode(tc, t) != 0) {
		pend_free(px, p);
		return NULL;
	}
	p->own = p->spec = true;
	p->type = t->type;
	p->fid = SPEC_FID;
	return p;
}

static size_t
spec_size(const struct spec *sp)
{
	/* Twalk, Tlopen, Treaddir, Tclunk */
	return P9_HDRSZ + 10 + sp->pathlen + P9_HDRSZ + 8 + P9_HDRSZ + 16 +
	    P9_HDRSZ + 4;
}

/* Send one queued listing: Twalk(base, ours, path), Tlopen, Treaddir(0),
 * Tclunk, pipelined; the client's server runs them in order, so our fid
 * is gone again before any later request of the kernel's. */
static void
spec_send(struct p9proxy *px, const struct spec *sp, struct buf *tc, long long now)
{
	struct p9_msg t;
	struct pfid *b = fid_get(px, sp->base);
	struct adir *d = dir_get(px, sp->dir);
	struct pend *p;

	if (d == NULL)
		return;
	if (b == NULL || b->state != F_REAL || !fid_unused(px, SPEC_FID) ||
	    (px->cpend - px->npend < 4 && px->cpend >= MAX_PEND)) {
		d->spec_out = false;
		return;
	}
	t = (struct p9_msg){ .type = P9_TWALK };
	t.u.walk.fid = sp->base;
	t.u.walk.newfid = SPEC_FID;
	t.u.walk.nwname = sp->nw;
	{
		struct rd rd;
		uint16_t i, len;

		rd_init(&rd, sp->path, sp->pathlen);
		for (i = 0; i < sp->nw; i++) {
			t.u.walk.wname[i].s = rd_str16(&rd, &len);
			t.u.walk.wname[i].len = len;
		}
		if (rd.err != 0) {
			d->spec_out = false;
			return;
		}
	}
	if (spec_put(px, tc, &t) == NULL) {
		d->spec_out = false;
		return;
	}
	t = (struct p9_msg){ .type = P9_TLOPEN };
	t.u.lopen.fid = SPEC_FID;
	t.u.lopen.flags = P9_DOTL_RDONLY | P9_DOTL_DIRECTORY;
	(void)spec_put(px, tc, &t);
	t = (struct p9_msg){ .type = P9_TREADDIR };
	t.u.io.fid = SPEC_FID;
	t.u.io.count = px->rd_count ? px->rd_count : px->msize - P9_IOHDRSZ;
	if (t.u.io.count > SPEC_COUNT_MAX)
		t.u.io.count = SPEC_COUNT_MAX;
	if ((p = spec_put(px, tc, &t)) != NULL) {
		p->dirk = true;
		p->dir = sp->dir;
		p->dgen = d->gen;
		p->t0 = now;
		p->rd_cnt = t.u.io.count;
		px->st.spec++;
	} else
		d->spec_out = false;
	t = (struct p9_msg){ .type = P9_TCLUNK };
	t.u.fid = SPEC_FID;
	(void)spec_put(px, tc, &t);
}

/*
 * A Tlopen for listing of a directory whose listing we asked ahead and
 * is still on its way: hold it until that arrives (then it is answered
 * here, see unpark()), rather than sending it behind the listings asked
 * ahead of its siblings.  1 if held.
 */
static bool
park_open(struct p9proxy *px, const struct p9_msg *t, const uint8_t *m, size_t len)
{
	struct pfid *f = fid_get(px, t->u.lopen.fid);
	struct adir *d;
	struct parked *k;

	if (px->npark >= PARK_MAX || len > sizeof(k->msg) || f == NULL ||
	    f->state == F_DEAD || f->lazy || !f->qid_known ||
	    !(f->qid.type & P9_QTDIR) || !dir_read_flags(t->u.lopen.flags) ||
	    (d = dir_get(px, f->qid.path)) == NULL || !d->spec_out)
		return false;
	k = &px->park[px->npark++];
	k->dir = f->qid.path;
	k->tag = t->tag;
	k->len = len;
	memcpy(k->msg, m, len);
	px->st.parked++;
	return true;
}

static int from_kernel_one(struct p9proxy *, const uint8_t *, size_t,
    struct buf *, struct buf *, long long);

/* Held Tlopens whose listing came (or will not): run them now. */
static int
unpark(struct p9proxy *px, struct buf *tc, struct buf *tk, long long now)
{
	struct parked k;
	struct adir *d;
	unsigned i = 0;
	int r;

	while (i < px->npark) {
		d = dir_get(px, px->park[i].dir);
		if (d != NULL && d->spec_out) {
			i++;
			continue;
		}
		if (buf_room(tc) < p9proxy_client_room(px) ||
		    buf_room(tk) < P9PROXY_KOUT_MIN)
			return 0;
		k = px->park[i];
		px->park[i] = px->park[--px->npark];
		if ((r = from_kernel_one(px, k.msg, k.len, tc, tk, now)) != 0)
			return r;
	}
	return 0;
}

/* Send what is queued, while there is room beside a kernel request's. */
static bool
spec_drain(struct p9proxy *px, struct buf *tc, long long now)
{
	unsigned i = 0;

	while (i < px->nspec && buf_room(tc) >=
	    p9proxy_client_room(px) + spec_size(&px->specq[i])) {
		spec_send(px, &px->specq[i], tc, now);
		free(px->specq[i].path);
		i++;
	}
	if (i > 0) {
		memmove(px->specq, px->specq + i, (px->nspec - i) * sizeof(*px->specq));
		px->nspec -= i;
	}
	return px->nspec == 0;
}

static void
spec_clear(struct p9proxy *px)
{
	unsigned i;

	for (i = 0; i < px->nspec; i++)
		free(px->specq[i].path);
	px->nspec = 0;
}

/* The reply to one of our ahead-asked requests: only the listing counts. */
static void
spec_arrived(struct p9proxy *px, const struct pend *p, const struct p9_msg *r,
    const uint8_t *m, size_t len)
{
	struct adir *d;
	uint64_t last;
	bool any, full, mark;

	if (p->type != P9_TREADDIR || (d = dir_get(px, p->dir)) == NULL)
		return;
	d->spec_out = false;
	if (r->type != P9_RREADDIR)
		return;
	mark = d->eof_mark;
	d->eof_mark = false;
	if (!mark || d->gen != p->dgen)
		return;
	/* (full: not worth a flush for a listing asked ahead) */
	if (!listing_names(px, d, r, &last, &any, &full) || !any || full)
		return;
	d->complete = true;
	d->complete_t = p->t0;
	(void)list_store(px, d, m, len, last, p->t0, true);
}

/* ---- requests from the kernel ------------------------------------ */

/* A Tattach of the export root, no auth (what the client's server takes). */
static bool
attach_of_root(const struct p9_msg *t)
{
	const struct p9_str *an = &t->u.attach.aname;

	return t->u.attach.afid == P9_NOFID &&
	    (an->len == 0 || (an->len == 1 && an->s[0] == '/'));
}


/* The fids a request names (up to 2) and the one whose meaning it
 * changes (Tclunk, Tremove, Tlcreate, a Twalk onto itself), if any. */
static int
request_fids(const struct p9_msg *t, uint32_t fids[2], uint32_t *changes)
{
	*changes = P9_NOFID;
	fids[1] = P9_NOFID;
	switch (t->type) {
	case P9_TWALK:
		fids[0] = t->u.walk.fid;
		fids[1] = t->u.walk.newfid;
		if (t->u.walk.newfid == t->u.walk.fid)
			*changes = t->u.walk.fid;
		return 2;
	case P9_TATTACH:	fids[0] = t->u.attach.fid; return 1;
	case P9_TAUTH:		fids[0] = t->u.attach.afid; return 1;
	case P9_TLOPEN:		fids[0] = t->u.lopen.fid; return 1;
	case P9_TLCREATE:
		fids[0] = *changes = t->u.lcreate.fid;
		return 1;
	case P9_TSYMLINK:	fids[0] = t->u.symlink.fid; return 1;
	case P9_TMKNOD:		fids[0] = t->u.mknod.dfid; return 1;
	case P9_TRENAME:
		fids[0] = t->u.rename.fid;
		fids[1] = t->u.rename.dfid;
		return 2;
	case P9_TCLUNK:
	case P9_TREMOVE:
		fids[0] = *changes = t->u.fid;
		return 1;
	case P9_TREADLINK:
	case P9_TSTATFS:	fids[0] = t->u.fid; return 1;
	case P9_TGETATTR:	fids[0] = t->u.getattr.fid; return 1;
	case P9_TSETATTR:	fids[0] = t->u.setattr.fid; return 1;
	case P9_TXATTRWALK:
		fids[0] = t->u.xattrwalk.fid;
		fids[1] = t->u.xattrwalk.newfid;
		return 2;
	case P9_TXATTRCREATE:	fids[0] = t->u.xattrcreate.fid; return 1;
	case P9_TREADDIR:
	case P9_TREAD:
	case P9_TWRITE:		fids[0] = t->u.io.fid; return 1;
	case P9_TFSYNC:		fids[0] = t->u.fsync.fid; return 1;
	case P9_TLOCK:
	case P9_TGETLOCK:	fids[0] = t->u.lock.fid; return 1;
	case P9_TLINK:
		fids[0] = t->u.link.dfid;
		fids[1] = t->u.link.fid;
		return 2;
	case P9_TMKDIR:		fids[0] = t->u.mkdir.dfid; return 1;
	case P9_TRENAMEAT:
		fids[0] = t->u.renameat.olddfid;
		fids[1] = t->u.renameat.newdfid;
		return 2;
	case P9_TUNLINKAT:	fids[0] = t->u.unlinkat.dfid; return 1;
	default:		return 0;
	}
}

static void
inv_fid_dir(struct p9proxy *px, struct pend *p, uint32_t num)
{
	struct pfid *f = fid_get(px, num);

	if (f == NULL || !f->qid_known)
		p->invall = true;
	else if (p->ninv < 2)
		p->inv[p->ninv++] = f->qid.path;
}

static void
inv_key_dir(struct p9proxy *px, struct pend *p, uint32_t num)
{
	struct pfid *f = fid_get(px, num);

	if (f == NULL || !f->key_known)
		p->invall = true;
	else if (p->ninv < 2)
		p->inv[p->ninv++] = f->keydir;
}

/* What changes the namespace or attributes, and what a reply teaches. */
static int
note_request(struct p9proxy *px, struct pend *p, const struct p9_msg *t,
    long long now)
{
	const struct p9_str *nm = NULL;
	struct pfid *f;
	struct adir *d;

	p->type = t->type;
	switch (t->type) {
	case P9_TWALK:
		p->fid = t->u.walk.fid;
		p->newfid = t->u.walk.newfid;
		p->nwname = t->u.walk.nwname;
		if (p->nwname > 0)
			nm = &t->u.walk.wname[p->nwname - 1];
		break;
	case P9_TATTACH:
		p->fid = t->u.attach.fid;
		p->attach_root = attach_of_root(t);
		break;
	case P9_TAUTH:		p->fid = t->u.attach.afid; break;
	case P9_TXATTRWALK:	p->newfid = t->u.xattrwalk.newfid; break;
	case P9_TGETATTR:	p->fid = t->u.getattr.fid; break;
	case P9_TLCREATE:
		p->fid = t->u.lcreate.fid;
		nm = &t->u.lcreate.name;
		inv_fid_dir(px, p, p->fid);
		break;
	case P9_TSYMLINK:	inv_fid_dir(px, p, t->u.symlink.fid); break;
	case P9_TMKNOD:		inv_fid_dir(px, p, t->u.mknod.dfid); break;
	case P9_TMKDIR:		inv_fid_dir(px, p, t->u.mkdir.dfid); break;
	case P9_TUNLINKAT:	inv_fid_dir(px, p, t->u.unlinkat.dfid); break;
	case P9_TLINK:
		inv_fid_dir(px, p, t->u.link.dfid);
		p->fid = t->u.link.fid;
		p->dropattr = true;
		break;
	case P9_TRENAMEAT:
		inv_fid_dir(px, p, t->u.renameat.olddfid);
		inv_fid_dir(px, p, t->u.renameat.newdfid);
		break;
	case P9_TRENAME:
		inv_key_dir(px, p, t->u.rename.fid);
		inv_fid_dir(px, p, t->u.rename.dfid);
		break;
	case P9_TREMOVE:	inv_key_dir(px, p, t->u.fid); break;
	case P9_TSETATTR:
	case P9_TWRITE:
	case P9_TFSYNC:
	case P9_TXATTRCREATE:
		p->fid = t->type == P9_TSETATTR ? t->u.setattr.fid :
		    t->type == P9_TWRITE ? t->u.io.fid :
		    t->type == P9_TFSYNC ? t->u.fsync.fid : t->u.xattrcreate.fid;
		p->dropattr = true;
		break;
	case P9_TREADDIR:
		p->fid = t->u.io.fid;
		p->rd_off = t->u.io.offset;
		p->rd_cnt = t->u.io.count;
		if ((f = fid_get(px, p->fid)) == NULL || !f->qid_known)
			break;
		if (t->u.io.offset == 0 && (d = dir_make(px, f->qid.path)) != NULL) {
			f->rd_from0 = true;
			f->rd_gen = d->gen;
			f->rd_epoch = px->epoch;
			f->rd_start = now;
		} else if (t->u.io.offset != f->rd_next)
			f->rd_from0 = false;
		break;
	}
	if ((f = fid_get(px, p->fid)) != NULL && f->qid_known) {
		p->dirk = true;
		p->dir = f->qid.path;
		/* A one-name walk's ENOENT is remembered (learn_enoent()) if
		 * nothing changed the directory meanwhile. */
		if (t->type == P9_TWALK && p->nwname == 1 &&
		    (f->qid.type & P9_QTDIR) && (d = dir_make(px, p->dir)) != NULL) {
			p->dgen = d->gen;
			p->t0 = now;
		}
	}
	if (nm != NULL && nm->len > 0 && nm->len <= 255 &&
	    !(nm->len == 2 && nm->s[0] == '.' && nm->s[1] == '.')) {
		if ((p->name = malloc(nm->len)) == NULL)
			return -ENOMEM;
		memcpy(p->name, nm->s, nm->len);
		p->namelen = nm->len;
	}
	/* Forget now (and again at the reply, see learn()). */
	if (p->invall && px->nents > 0)
		cache_flush(px);
	for (int i = 0; i < p->ninv; i++)
		dir_invalidate(px, p->inv[i]);
	if (p->dropattr)
		drop_attrs(px, fid_get(px, p->fid));
	return 0;
}

/* Make fid nf virtual: `name` (or nothing, a clone) below fid f. */
static int
make_virtual(struct p9proxy *px, struct pfid *f, uint32_t newnum,
    const struct p9_str *name, const struct p9_qid *q)
{
	struct pfid *b = f->state == F_REAL ? f : fid_get(px, f->base), *nf;
	size_t plen = f->state == F_VIRT ? f->pathlen : 0;
	uint8_t *path;

	if (b == NULL || b->state != F_REAL || px->nvirt >= MAX_VFIDS ||
	    b->depbytes + P9_HDRSZ + 10 + plen + (name ? 2 + name->len : 0) >
	    DEPS_BYTES_MAX)
		return -EAGAIN;
	if ((path = malloc(plen + (name ? 2 + name->len : 0) + 1)) == NULL)
		return -ENOMEM;
	if (plen)
		memcpy(path, f->path, plen);
	if (name != NULL) {
		le_put16(path + plen, name->len);
		memcpy(path + plen + 2, name->s, name->len);
		plen += 2 + name->len;
	}
	if ((nf = fid_new(px, newnum)) == NULL) {
		free(path);
		return -ENOMEM;
	}
	nf->state = F_VIRT;
	nf->base = b->num;
	nf->nw = (uint16_t)((f->state == F_VIRT ? f->nw : 0) + (name ? 1 : 0));
	nf->path = path;
	nf->pathlen = plen;
	nf->qid = *q;
	nf->qid_known = true;
	if (name != NULL)
		set_key(nf, f->qid.path, name->s, name->len);
	else if (f->key_known)
		set_key(nf, f->keydir, f->keyname, f->keylen);
	b->ndeps++;
	b->depbytes += walk_size(nf);
	px->nvirt++;
	return 0;
}

/* Twalk of one cached name (or a clone): 1 if answered here. */
static int
try_walk(struct p9proxy *px, const struct p9_msg *t, struct buf *tk,
    long long now)
{
	struct p9_msg r = { .type = P9_RWALK, .tag = t->tag };
	const struct p9_str *nm = &t->u.walk.wname[0];
	struct pfid *f = fid_get(px, t->u.walk.fid);
	struct adir *d;
	struct aent *e;
	struct p9_qid q;

	if (f == NULL || f->state == F_DEAD || !f->qid_known ||
	    t->u.walk.newfid == f->num || t->u.walk.newfid == P9_NOFID ||
	    fid_get(px, t->u.walk.newfid) != NULL)
		return 0;
	if (t->u.walk.nwname == 0) {
		if (make_virtual(px, f, t->u.walk.newfid, NULL, &f->qid) != 0)
			return 0;
		px->st.clone++;
		r.u.rwalk.nwqid = 0;
		return p9_encode(tk, &r) == 0 ? 1 : -ENOBUFS;
	}
	if (t->u.walk.nwname != 1 || !(f->qid.type & P9_QTDIR) ||
	    (f->state == F_VIRT && f->nw >= P9_MAXWELEM) ||
	    nm->len == 0 || nm->len > 255 || name_gate(nm->s, nm->len) != 0 ||
	    (d = dir_get(px, f->qid.path)) == NULL)
		return 0;
	if ((e = ent_get(px, d, nm->s, nm->len)) != NULL && e->has_attr &&
	    fresh(px, e->t, now)) {
		attr_qid(e->attr, &q);
		if (make_virtual(px, f, t->u.walk.newfid, nm, &q) != 0)
			return 0;
		px->st.walk++;
		r.u.rwalk.nwqid = 1;
		r.u.rwalk.wqid[0] = q;
		return p9_encode(tk, &r) == 0 ? 1 : -ENOBUFS;
	}
	if ((e == NULL && d->complete && fresh(px, d->complete_t, now)) ||
	    (e != NULL && e->neg && fresh(px, e->t, now))) {
		/* Not in a complete, fresh listing, or the client said so
		 * lately: what openat would say. */
		px->st.enoent++;
		return put_lerror(tk, t->tag, ENOENT) == 0 ? 1 : -ENOBUFS;
	}
	return 0;
}

static int
try_getattr(struct p9proxy *px, const struct p9_msg *t, struct buf *tk,
    long long now)
{
	struct pfid *f = fid_get(px, t->u.getattr.fid);
	struct pend *pg;
	struct adir *d;
	struct aent *e;
	uint8_t *p;

	if (f != NULL && f->ga_pending) {
		/* Ours is on its way (prefetch_getattr()): its reply, which
		 * has the same bytes whatever the mask, becomes the kernel's. */
		f->ga_pending = false;
		if ((pg = pend_get(px, f->ga_tag)) != NULL && pg->own && pg->prefetch &&
		    pg->type == P9_TGETATTR) {
			pg->own = pg->prefetch = false;
			pg->ktag = t->tag;
			px->st.ga_hit++;
			return 1;
		}
	}
	if (f == NULL || f->state == F_DEAD || !f->qid_known)
		return 0;
	/* Its entry in its directory; or, for a fid reached without a name
	 * (an attached root), the directory's own "." entry. */
	if (f->key_known)
		e = (d = dir_get(px, f->keydir)) != NULL ?
		    ent_get(px, d, f->keyname, f->keylen) : NULL;
	else
		e = (d = dir_get(px, f->qid.path)) != NULL ? ent_get(px, d, ".", 1) : NULL;
	if (e == NULL || !e->has_attr || !fresh(px, e->t, now) ||
	    attr_qid_path(e->attr) != f->qid.path)
		return 0;
	if (buf_reserve(tk, RGETATTR_SZ, &p) != 0)
		return -ENOBUFS;
	le_put32(p, RGETATTR_SZ);
	p[4] = P9_RGETATTR;
	le_put16(p + 5, t->tag);
	memcpy(p + P9_HDRSZ, e->attr, P9ATTR_ATTR);
	buf_commit(tk, RGETATTR_SZ);
	px->st.getattr++;
	return 1;
}

/*
 * The kernel attaches again for each user (access=client).  The client's
 * server gives every Tattach of the export root the same root, whatever
 * the user (it serves as one user), so a later one is a clone of the
 * first: Rattach with its qid here, a virtual fid resting on it.
 */
static int
try_attach(struct p9proxy *px, const struct p9_msg *t, struct buf *tk)
{
	struct p9_msg r = { .type = P9_RATTACH, .tag = t->tag };
	struct pfid *root = fid_get(px, px->root_fid);

	if (!px->root_known || !attach_of_root(t) || root == NULL ||
	    root->state != F_REAL || !root->qid_known ||
	    root->qid.path != px->root_qid.path ||
	    t->u.attach.fid == P9_NOFID || fid_get(px, t->u.attach.fid) != NULL ||
	    make_virtual(px, root, t->u.attach.fid, NULL, &px->root_qid) != 0)
		return 0;
	r.u.qid = px->root_qid;
	if (p9_encode(tk, &r) != 0)
		return -ENOBUFS;
	px->st.attach++;
	return 1;
}

/*
 * Tversion, when the client's server's maximum msize is known: its
 * Rversion here (op_version's rule: the lesser msize, "9P2000.L"), the
 * Tversion still sent on to reset that server, its reply checked and
 * dropped.  1 if answered, 0 to leave it to the server.
 */
static int
try_version(struct p9proxy *px, const struct p9_msg *t, struct buf *tk)
{
	static const struct p9_str known = { P9_VERSION_L, sizeof(P9_VERSION_L) - 1 };
	struct p9_msg r = { .type = P9_RVERSION, .tag = P9_NOTAG };
	const struct p9_str *v = &t->u.version.version;

	if (px->srv_msize == 0 || px->version_own || v->len != known.len ||
	    memcmp(v->s, known.s, known.len) != 0 || t->u.version.msize < P9_MSIZE_MIN)
		return 0;
	r.u.version.msize = t->u.version.msize < px->srv_msize ?
	    t->u.version.msize : px->srv_msize;
	r.u.version.version = known;
	if (p9_encode(tk, &r) != 0)
		return -ENOBUFS;
	px->version_own = true;
	px->version_msize = px->msize = r.u.version.msize;
	px->st.version++;
	return 1;
}

/*
 * The first Tattach of the export root, when the client sent its root's
 * attributes at session start: Rattach here with that qid, the Tattach
 * still sent (it makes the fid on the client, before anything that uses
 * it); if it fails there, the fid is dead with its error.
 */
static int
try_first_attach(struct p9proxy *px, const struct p9_msg *t, const uint8_t *m,
    size_t len, struct buf *tc, struct buf *tk, long long now)
{
	struct p9_msg r = { .type = P9_RATTACH, .tag = t->tag };
	struct pfid *f;
	struct pend *p;
	struct adir *d;
	struct aent *e;
	uint16_t tag;

	if (!px->hint || px->root_known || !attach_of_root(t) ||
	    t->u.attach.fid == P9_NOFID || fid_get(px, t->u.attach.fid) != NULL)
		return 0;
	attr_qid(px->hint_attr, &r.u.qid);
	if ((p = pend_new(px, &tag)) == NULL)
		return 0;
	if (put_retagged(tc, m, len, tag) != 0) {
		pend_free(px, p);
		return -ENOBUFS;
	}
	p->own = true;
	p->type = P9_TATTACH;
	p->fid = t->u.attach.fid;
	if (p9_encode(tk, &r) != 0 || (f = fid_new(px, t->u.attach.fid)) == NULL)
		return -ENOBUFS;
	f->qid = r.u.qid;
	f->qid_known = true;
	px->root_known = true;
	px->root_fid = f->num;
	px->root_qid = r.u.qid;
	/* Its Tgetattr, next, from the same attributes. */
	if ((d = dir_make(px, r.u.qid.path)) != NULL && (e = ent_make(px, d, ".", 1)) != NULL)
		ent_set_attr(e, px->hint_attr, px->hint_t);
	(void)now;
	px->st.attach++;
	return 1;
}

/* Our Tattach's reply (try_first_attach()): a failure kills the fid. */
static void
first_attach_done(struct p9proxy *px, const struct pend *p, const struct p9_msg *r)
{
	struct pfid *f = fid_get(px, p->fid);

	if (r->type == P9_RATTACH && r->u.qid.path == px->root_qid.path)
		return;
	if (f != NULL) {
		fid_clear(px, f);
		f->state = F_DEAD;
		f->err = r->type == P9_RLERROR ? (int)r->u.ecode : EIO;
	}
	px->root_known = false;
}

/* Treadlink of a fid whose entry's target came with its listing. */
static int
try_readlink(struct p9proxy *px, const struct p9_msg *t, struct buf *tk,
    long long now)
{
	struct p9_msg r = { .type = P9_RREADLINK, .tag = t->tag };
	struct pfid *f = fid_get(px, t->u.fid);
	struct adir *d;
	struct aent *e;

	if (f == NULL || f->state == F_DEAD || !f->qid_known || !f->key_known ||
	    (d = dir_get(px, f->keydir)) == NULL ||
	    (e = ent_get(px, d, f->keyname, f->keylen)) == NULL ||
	    !e->has_attr || e->target == NULL || !fresh(px, e->t, now) ||
	    attr_qid_path(e->attr) != f->qid.path ||
	    P9_HDRSZ + 2 + (size_t)e->targetlen >= px->msize)
		return 0;	/* (the server's own limit: ENAMETOOLONG) */
	r.u.target.s = e->target;
	r.u.target.len = e->targetlen;
	if (p9_encode(tk, &r) != 0)
		return -ENOBUFS;
	px->st.readlink++;
	return 1;
}

/* security.* or trusted.*: names the client never exposes (see above). */
static bool
protected_xattr(const struct p9_str *n)
{
	if (n->len > 255 || memchr(n->s, '\0', n->len) != NULL)
		return false;	/* let the server judge a bad name */
	return (n->len > 9 && memcmp(n->s, "security.", 9) == 0) ||
	    (n->len > 8 && memcmp(n->s, "trusted.", 8) == 0);
}

static int
on_flush(struct p9proxy *px, const struct p9_msg *t, const uint8_t *m,
    size_t len, struct buf *tc, struct buf *tk)
{
	struct pend *p;
	uint16_t tag, oldtag = 0;
	bool found = false;
	unsigned i;
	uint8_t *w;

	for (i = 0; i < px->npark; i++)
		if (px->park[i].tag == t->u.oldtag) {
			/* Held here, never sent: dropped, and Rflush is all. */
			px->park[i] = px->park[--px->npark];
			break;
		}
	for (i = 0; i < px->cpend; i++)
		if (px->pend[i].used && !px->pend[i].own &&
		    px->pend[i].type != P9_TFLUSH &&
		    px->pend[i].ktag == t->u.oldtag) {
			oldtag = (uint16_t)i;	/* an index: pend_new() may move pend */
			found = true;
			break;
		}
	if (!found) {
		/* Answered already (here or by the client): nothing to
		 * cancel, and Rflush is the whole answer. */
		px->st.flush++;
		return put_empty(tk, P9_RFLUSH, t->tag) == 0 ? 0 : -ENOBUFS;
	}
	if ((p = pend_new(px, &tag)) == NULL)
		return fail(px, -ENOBUFS, "out of tags");
	p->ktag = t->tag;
	p->type = P9_TFLUSH;
	p->oldtag = oldtag;
	if (put_retagged(tc, m, len, tag) != 0 ||
	    (w = buf_mutable(tc, buf_len(tc) - len, len)) == NULL)
		return fail(px, -ENOBUFS, "no room");
	le_put16(w + 7, p->oldtag);
	px->st.fwd++;
	return 0;
}

static int try_readdir_eof(struct p9proxy *, const struct p9_msg *, struct buf *,
    long long);

/* Rlopen here, as the client's server would say it; the client-side open
 * is owed (open_lazily_opened()) until a request needs it. */
static int
open_lazily(struct pfid *f, const struct p9_msg *t, struct buf *tk)
{
	struct p9_msg r = { .type = P9_RLOPEN, .tag = t->tag };

	r.u.ropen.qid = f->qid;
	r.u.ropen.iounit = 0;	/* as the client's server says */
	if (p9_encode(tk, &r) != 0)
		return -ENOBUFS;
	f->lazy = true;
	f->lflags = t->u.lopen.flags;
	return 0;
}

/*
 * Tlopen of a directory whose whole listing is stored and fresh: Rlopen
 * here, as the server would say it, and the client-side open only if a
 * request other than that listing needs it (the lazy-open machinery).
 */
static int
try_open_listed(struct p9proxy *px, const struct p9_msg *t, struct buf *tk,
    long long now)
{
	struct pfid *f = fid_get(px, t->u.lopen.fid);

	if (f == NULL || f->lazy || f->xcreate || !dir_read_flags(t->u.lopen.flags) ||
	    listed_dir(px, f, now) == NULL)
		return 0;
	px->st.list_open++;
	return open_lazily(f, t, tk) == 0 ? 1 : -ENOBUFS;
}

/* Treaddir(0) on a directory opened here: its stored listing. */
static int
try_readdir_listed(struct p9proxy *px, const struct p9_msg *t, struct buf *tk,
    long long now)
{
	struct pfid *f = fid_get(px, t->u.io.fid);
	struct adir *d;

	if (f == NULL || !f->lazy || t->u.io.offset != 0 ||
	    (d = listed_dir(px, f, now)) == NULL ||
	    t->u.io.count < le_get32(d->list + P9_HDRSZ))
		return 0;
	/* The listing reached its end within its count: any count that holds
	 * it gets the very same reply. */
	if (put_retagged(tk, d->list, d->list_len, t->tag) != 0)
		return -ENOBUFS;
	f->rd_from0 = false;
	f->rd_next = d->list_last;
	f->eof_ok = true;
	f->eof_off = d->list_last;
	f->eof_gen = d->gen;
	f->eof_t = d->list_t;
	px->st.list_read++;
	on_listing_read(px, f, d, d->list + P9_HDRSZ + 4,
	    le_get32(d->list + P9_HDRSZ), d->list_spec, now);
	d->list_spec = false;
	return 1;
}

/*
 * The kernel follows every lookup's Twalk of one name with a Tgetattr of
 * the new fid (to make its inode).  Send that Tgetattr now, pipelined
 * behind the walk: its reply lands in the cache under (directory, name)
 * and the kernel's own is answered here (or, if it comes first, takes
 * ours over: see try_getattr()).  A walk that fails makes ours fail too,
 * harmlessly.
 */
static bool
prefetch_getattr(struct p9proxy *px, const struct p9_msg *w, struct buf *tc,
    long long now, uint16_t *gtag)
{
	struct p9_msg t = { .type = P9_TGETATTR };
	struct pfid *src = fid_get(px, w->u.walk.fid);
	struct pend *p;
	struct adir *d;
	uint16_t tag;

	if (!px->ga_ahead || w->u.walk.nwname != 1 ||
	    w->u.walk.newfid == w->u.walk.fid || src == NULL || !src->qid_known ||
	    !(src->qid.type & P9_QTDIR) || w->u.walk.wname[0].len == 0 ||
	    w->u.walk.wname[0].len > 255 ||
	    name_gate(w->u.walk.wname[0].s, w->u.walk.wname[0].len) != 0 ||
	    (d = dir_make(px, src->qid.path)) == NULL ||
	    (p = pend_new(px, &tag)) == NULL)
		return false;
	t.tag = tag;
	t.u.getattr.fid = w->u.walk.newfid;
	t.u.getattr.mask = P9_GETATTR_BASIC;
	if ((p->name = malloc(w->u.walk.wname[0].len)) == NULL ||
	    p9_encode(tc, &t) != 0) {
		pend_free(px, p);
		return false;
	}
	memcpy(p->name, w->u.walk.wname[0].s, w->u.walk.wname[0].len);
	p->namelen = w->u.walk.wname[0].len;
	p->own = p->prefetch = true;
	p->type = P9_TGETATTR;
	p->fid = w->u.walk.newfid;
	p->dirk = true;
	p->dir = src->qid.path;
	p->dgen = d->gen;
	p->t0 = now;
	px->st.ga++;
	*gtag = tag;
	return true;
}

/*
 * A directory opened for reading is about to be listed: getdents asks
 * Treaddir(0) the moment Rlopen arrives, a round trip per directory.
 * Send that Treaddir now, pipelined behind the Tlopen, with the count the
 * kernel uses (msize - P9_IOHDRSZ, or what it last asked), so its reply is
 * the very bytes the kernel's own request would get; try_readdir_prefetched()
 * hands it over.  The listing is taken at open instead of at the first
 * getdents, a round trip earlier.
 */
static void
prefetch_listing(struct p9proxy *px, const struct p9_msg *o, struct buf *tc,
    long long now)
{
	struct p9_msg t = { .type = P9_TREADDIR };
	struct pfid *f = fid_get(px, o->u.lopen.fid);
	struct pend *p;
	uint16_t tag;

	if (!px->prefetch || f == NULL || f->state != F_REAL || !f->qid_known ||
	    !(f->qid.type & P9_QTDIR) || f->pf != PF_NONE ||
	    !dir_read_flags(o->u.lopen.flags) || (p = pend_new(px, &tag)) == NULL)
		return;
	t.tag = tag;
	t.u.io.fid = f->num;
	t.u.io.offset = 0;
	t.u.io.count = px->rd_count ? px->rd_count : px->msize - P9_IOHDRSZ;
	if (p9_encode(tc, &t) != 0 || note_request(px, p, &t, now) != 0) {
		pend_free(px, p);
		return;
	}
	p->own = p->prefetch = true;
	f->pf = PF_PENDING;
	f->pf_tag = tag;
	f->pf_count = t.u.io.count;
	px->st.prefetch++;
}

/* The kernel's Treaddir of a directory whose listing was prefetched:
 * 1 if answered (or handed the pending request), 0 to forward it. */
static int
try_readdir_prefetched(struct p9proxy *px, const struct p9_msg *t, struct buf *tk)
{
	struct pfid *f = fid_get(px, t->u.io.fid);
	struct pend *p;

	if (f == NULL || f->pf == PF_NONE)
		return 0;
	if (t->u.io.offset != 0 || t->u.io.count != f->pf_count) {
		pf_drop(px, f);		/* not what was asked: forward */
		return 0;
	}
	if (f->pf == PF_READY) {
		if (put_retagged(tk, f->pf_msg, f->pf_len, t->tag) != 0)
			return -ENOBUFS;
		pf_drop(px, f);
		px->st.prefetch_hit++;
		return 1;
	}
	/* Still on its way: its reply becomes the kernel's. */
	if ((p = pend_get(px, f->pf_tag)) == NULL || !p->own || !p->prefetch) {
		f->pf = PF_NONE;
		return 0;
	}
	p->own = p->prefetch = false;
	p->ktag = t->tag;
	f->pf = PF_NONE;
	px->st.prefetch_hit++;
	return 1;
}

static int
from_kernel_one(struct p9proxy *px, const uint8_t *m, size_t len,
    struct buf *tc, struct buf *tk, long long now)
{
	struct p9_msg t;
	struct pfid *f;
	struct pend *p;
	uint32_t fids[2], changes;
	uint16_t tag;
	int n, i, r;

	r = p9_decode(m, len, &t);
	if (r == -EOPNOTSUPP) {
		/* Unknown to us: the server answers it (Rlerror). */
		memset(&t, 0, sizeof(t));
		t.type = m[4];
		t.tag = le_get16(m + 5);
	} else if (r != 0)
		return fail(px, -EPROTO, "malformed request from the kernel");
	if (t.type % 2 != 0 && r == 0)
		return fail(px, -EPROTO, "a reply from the kernel");
	if (t.type == P9_TVERSION) {
		/* A new session: every fid is gone on both sides. */
		fids_reset(px);
		cache_flush(px);
		spec_clear(px);
		px->root_known = false;
		px->npark = 0;
		if ((r = try_version(px, &t, tk)) < 0)
			return fail(px, r, "no room");
		px->version_pending = r == 0;
		return buf_put(tc, m, len) == 0 ? 0 : -ENOBUFS;
	}
	if (t.tag == P9_NOTAG)
		return fail(px, -EPROTO, "NOTAG on a request other than Tversion");
	switch (t.type) {
	case P9_TFLUSH:
		return on_flush(px, &t, m, len, tc, tk);
	case P9_TWALK:
		if ((r = try_walk(px, &t, tk, now)) != 0)
			return r < 0 ? fail(px, r, "no room") : 0;
		break;
	case P9_TGETATTR:
		if ((r = try_getattr(px, &t, tk, now)) != 0)
			return r < 0 ? fail(px, r, "no room") : 0;
		break;
	case P9_TATTACH:
		if ((r = try_attach(px, &t, tk)) != 0 ||
		    (r = try_first_attach(px, &t, m, len, tc, tk, now)) != 0)
			return r < 0 ? fail(px, r, "no room") : 0;
		break;
	case P9_TREADLINK:
		if ((r = try_readlink(px, &t, tk, now)) != 0)
			return r < 0 ? fail(px, r, "no room") : 0;
		break;
	case P9_TREADDIR:
		if (t.u.io.offset == 0 && t.u.io.count > 0)
			px->rd_count = t.u.io.count;
		if ((r = try_readdir_eof(px, &t, tk, now)) != 0 ||
		    (r = try_readdir_listed(px, &t, tk, now)) != 0 ||
		    (r = try_readdir_prefetched(px, &t, tk)) != 0)
			return r < 0 ? fail(px, r, "no room") : 0;
		break;
	case P9_TXATTRWALK:
		/*
		 * `ls -l` asks for security.selinux on every entry, and the
		 * kernel for security.capability before writes.  The client's
		 * server answers every security./trusted. name ENODATA without
		 * looking (lib/p9srv-xattr.c); so can we, for a plain fid we
		 * know, with no fid to create first.
		 */
		if ((f = fid_get(px, t.u.xattrwalk.fid)) != NULL && f->state != F_DEAD &&
		    f->qid_known && !f->xcreate &&
		    t.u.xattrwalk.newfid != t.u.xattrwalk.fid &&
		    protected_xattr(&t.u.xattrwalk.name)) {
			px->st.xattr++;
			return put_lerror(tk, t.tag, ENODATA) == 0 ? 0 : -ENOBUFS;
		}
		break;
	case P9_TLOPEN:
		if ((r = try_open_listed(px, &t, tk, now)) != 0)
			return r < 0 ? fail(px, r, "no room") : 0;
		if (park_open(px, &t, m, len))
			return 0;
		if (px->lazy_open && (f = fid_get(px, t.u.lopen.fid)) != NULL &&
		    f->state != F_DEAD && f->qid_known && !f->lazy &&
		    f->qid.type == P9_QTFILE &&
		    (t.u.lopen.flags & ~(uint32_t)(P9_DOTL_LARGEFILE | P9_DOTL_NOATIME |
		    P9_DOTL_CLOEXEC | P9_DOTL_NONBLOCK | P9_DOTL_NOCTTY)) == 0) {
			px->st.lopen++;
			return open_lazily(f, &t, tk);
		}
		break;
	case P9_TCLUNK:
		if ((f = fid_get(px, t.u.fid)) != NULL && f->state != F_REAL) {
			fid_del(px, t.u.fid);
			px->st.clunk++;
			return put_empty(tk, P9_RCLUNK, t.tag) == 0 ? 0 : -ENOBUFS;
		}
		break;
	}
	n = r == 0 ? request_fids(&t, fids, &changes) : (changes = P9_NOFID, 0);
	for (i = 0; i < n; i++)
		if ((f = fid_get(px, fids[i])) != NULL && f->state == F_DEAD) {
			/* Its materialising walk failed: so does this. */
			r = f->err;
			if (t.type == P9_TREMOVE)
				fid_del(px, fids[i]);
			return put_lerror(tk, t.tag, r) == 0 ? 0 : -ENOBUFS;
		}
	if ((p = pend_new(px, &tag)) == NULL)
		return fail(px, -ENOBUFS, "out of tags");
	p->ktag = t.tag;
	for (i = 0; i < n; i++)
		if ((f = fid_get(px, fids[i])) != NULL && f->state == F_VIRT &&
		    (r = materialise(px, f, tc, true, tag)) != 0)
			return r;
	/* Requests that use the open file: open it on the client first
	 * (pipelined like the walk above).  A clunk or getattr does not. */
	if (n > 0 && (f = fid_get(px, fids[0])) != NULL && f->lazy &&
	    (t.type == P9_TREAD || t.type == P9_TREADDIR || t.type == P9_TWRITE ||
	    t.type == P9_TFSYNC || t.type == P9_TLOCK || t.type == P9_TGETLOCK) &&
	    (r = open_lazily_opened(px, f, tc, tag)) != 0)
		return r;
	if (changes != P9_NOFID && (r = materialise_deps(px, changes, tc)) != 0)
		return r;
	p = &px->pend[tag];	/* the walks' pend_new() may have moved it */
	if ((r = note_request(px, p, &t, now)) != 0)
		return fail(px, r, "out of memory");
	if (put_retagged(tc, m, len, tag) != 0)
		return fail(px, -ENOBUFS, "no room");
	if (t.type == P9_TXATTRCREATE && (f = fid_get(px, t.u.xattrcreate.fid)) != NULL)
		f->xcreate = true;
	if (t.type == P9_TLOPEN || t.type == P9_TWALK) {
		uint16_t gtag;
		bool ga = false;

		if (t.type == P9_TLOPEN)
			prefetch_listing(px, &t, tc, now);
		else
			ga = prefetch_getattr(px, &t, tc, now, &gtag);
		p = &px->pend[tag];
		if (ga) {
			p->has_ga = true;	/* learn() tells the new fid */
			p->ga_tag = gtag;
		}
	}
	if (t.type == P9_TCLUNK) {
		/*
		 * A clunk cannot fail in a way the kernel acts on (it
		 * forgets the fid either way), except the one that sets an
		 * xattr: answer the others now and swallow the client's
		 * reply, saving a round trip per closed file.  The Tclunk is
		 * already queued ahead of anything that reuses the fid.
		 */
		f = fid_get(px, t.u.fid);
		if (f == NULL || !f->xcreate) {
			p->own = true;
			px->st.clunk++;
			if (put_empty(tk, P9_RCLUNK, t.tag) != 0)
				return -ENOBUFS;
		}
	}
	if (t.type == P9_TCLUNK || t.type == P9_TREMOVE)
		fid_del(px, t.u.fid);	/* gone whatever the reply says */
	px->st.fwd++;
	return 0;
}

/* The held listing a Treaddir m may be answered with: its size. */
static size_t
held_listing(struct p9proxy *px, const uint8_t *m, size_t len, long long now)
{
	struct pfid *f;
	struct adir *d;
	size_t n = 0;

	if (len < P9_HDRSZ + 4 || m[4] != P9_TREADDIR ||
	    (f = fid_get(px, le_get32(m + P9_HDRSZ))) == NULL)
		return 0;
	if (f->pf == PF_READY)
		n = f->pf_len;
	if (f->lazy && (d = listed_dir(px, f, now)) != NULL && d->list_len > n)
		n = d->list_len;
	return n;
}

/* Whole-message framing shared by both directions. */
static int
next_msg(struct p9proxy *px, const struct buf *in, size_t *len)
{
	uint32_t size;

	if (buf_len(in) < 4)
		return 0;
	size = le_get32(buf_ptr(in));
	if (size < P9_HDRSZ || size > px->msize)
		return fail(px, -EPROTO, "9P message size out of range");
	if (buf_len(in) < size)
		return 0;
	*len = size;
	return 1;
}

int
p9proxy_from_kernel(struct p9proxy *px, struct buf *in, struct buf *tc,
    struct buf *tk, long long now)
{
	size_t len;
	int r;

	for (;;) {
		/* Half an Rread is queued for the kernel: a local answer now
		 * (a held Tlopen's too) would land inside it. */
		if (px->stream_left > 0 && !px->stream_drop)
			return 0;
		/* Listings asked ahead go first: their base fids are alive
		 * until a kernel request after them. */
		if ((r = unpark(px, tc, tk, now)) != 0)
			return r;
		if (!spec_drain(px, tc, now) || buf_room(tc) < p9proxy_client_room(px) ||
		    buf_room(tk) < P9PROXY_KOUT_MIN)
			return 0;
		if ((r = next_msg(px, in, &len)) <= 0)
			return r;
		if (buf_room(tk) < P9PROXY_KOUT_MIN + held_listing(px, buf_ptr(in), len, now))
			return 0;
		if ((r = from_kernel_one(px, buf_ptr(in), len, tc, tk, now)) != 0)
			return r;
		buf_consume(in, len);
	}
}

/* ---- replies from the client ------------------------------------- */

/* The final, empty reply: was the whole listing seen unchanged? */
static void
listing_done(struct p9proxy *px, struct pfid *f, struct adir *d)
{
	if (f->rd_from0 && d != NULL && f->rd_epoch == px->epoch &&
	    f->rd_gen == d->gen) {
		d->complete = true;
		d->complete_t = f->rd_start;
	}
	f->rd_from0 = false;
}

/*
 * A Treaddir at the offset where the client said the listing ended, on a
 * directory unchanged since and within the TTL: the empty reply here.
 * (getdents asks twice at the end of every directory.)
 */
static int
try_readdir_eof(struct p9proxy *px, const struct p9_msg *t, struct buf *tk,
    long long now)
{
	struct pfid *f = fid_get(px, t->u.io.fid);
	struct adir *d;

	if (f == NULL || f->state == F_DEAD || !f->eof_ok || !f->qid_known ||
	    t->u.io.offset != f->eof_off || !fresh(px, f->eof_t, now) ||
	    (d = dir_get(px, f->qid.path)) == NULL || d->gen != f->eof_gen)
		return 0;
	listing_done(px, f, d);
	/* An Rreaddir with count 0 is all header and zeroes. */
	if (put_empty(tk, P9_RREADDIR, t->tag) != 0)
		return -ENOBUFS;
	px->st.readdir++;
	return 1;
}

static void
learn_readdir(struct p9proxy *px, const struct pend *p, const struct p9_msg *r,
    const uint8_t *m, size_t len, long long now)
{
	struct pfid *f = fid_get(px, p->fid);
	struct adir *d;
	uint64_t last;
	bool any, full, ok;

	if (f == NULL || !p->dirk)
		return;
	if (r->type != P9_RREADDIR) {
		f->rd_from0 = false;
		return;
	}
	d = dir_get(px, p->dir);
	ok = listing_names(px, d, r, &last, &any, &full);
	if (full) {
		/* Start over; this listing is incomplete now. */
		cache_flush(px);
		d = NULL;
	}
	if (!ok) {
		f->rd_from0 = false;
		return;
	}
	if (any) {
		f->rd_next = last;
		f->eof_ok = false;
		if (d != NULL && d->eof_mark) {
			f->eof_ok = true;
			f->eof_off = last;
			f->eof_gen = d->gen;
			f->eof_t = now;
			/* The whole listing in one reply, nothing changed since
			 * it was asked: keep it for the TTL. */
			if (p->rd_off == 0 && f->rd_from0 &&
			    f->rd_epoch == px->epoch && f->rd_gen == d->gen)
				if (list_store(px, d, m, len, last, f->rd_start,
				    false))
					on_listing_read(px, f, d, r->u.rio.data,
					    r->u.rio.count, false, now);
		}
		if (d != NULL)
			d->eof_mark = false;
		return;
	}
	listing_done(px, f, d);
}

/*
 * The client found no such name: later walks to it are answered ENOENT
 * here within the TTL (the dynamic loader and Python probe the same
 * missing names again and again).  Only if the directory is unchanged
 * since the request: a create through the mount bumps its generation.
 */
static void
learn_enoent(struct p9proxy *px, const struct pend *p)
{
	struct adir *d;
	struct aent *e;

	if (p->nwname != 1 || p->name == NULL || p->dgen == 0 ||
	    (d = dir_get(px, p->dir)) == NULL || d->gen != p->dgen)
		return;
	if ((e = ent_make(px, d, p->name, p->namelen)) == NULL)
		return;		/* full: not worth a flush */
	ent_forget(e);
	e->neg = true;
	e->t = p->t0;
}

static void
learn(struct p9proxy *px, const struct pend *p, const struct p9_msg *r,
    const uint8_t *m, size_t len, long long now)
{
	struct pfid *f, *src;
	struct adir *d;
	struct aent *e;
	int i;

	/* Whatever this request changed, the attributes that arrived while
	 * it ran may predate it: forget again. */
	if (p->invall && px->nents > 0)
		cache_flush(px);
	for (i = 0; i < p->ninv; i++)
		dir_invalidate(px, p->inv[i]);
	if (p->dropattr)
		drop_attrs(px, fid_get(px, p->fid));

	switch (p->type) {
	case P9_TATTACH:
	case P9_TAUTH:
		if ((r->type == P9_RATTACH || r->type == P9_RAUTH) &&
		    (f = fid_new(px, p->fid)) != NULL) {
			f->qid = r->u.qid;
			f->qid_known = r->type == P9_RATTACH;
			if (p->attach_root && r->type == P9_RATTACH && !px->root_known) {
				px->root_known = true;
				px->root_fid = p->fid;
				px->root_qid = r->u.qid;
			}
		}
		break;
	case P9_TXATTRWALK:
		if (r->type == P9_RXATTRWALK)
			(void)fid_new(px, p->newfid);	/* no qid: never local */
		break;
	case P9_TWALK:
		if (r->type == P9_RLERROR && r->u.ecode == ENOENT)
			learn_enoent(px, p);
		if (r->type != P9_RWALK || r->u.rwalk.nwqid != p->nwname)
			break;
		if (p->nwname == 0 && p->newfid == p->fid)
			break;
		src = fid_get(px, p->fid);
		if (p->nwname == 0) {
			struct p9_qid q;
			bool qk = src != NULL && src->qid_known, kk = false;
			uint64_t kd = 0;
			char kn[256];
			uint16_t kl = 0;

			if (qk)
				q = src->qid;
			if (src != NULL && src->key_known) {
				kk = true;
				kd = src->keydir;
				kl = src->keylen;
				memcpy(kn, src->keyname, kl);
			}
			if ((f = fid_new(px, p->newfid)) == NULL)
				break;
			f->qid_known = qk;
			if (qk)
				f->qid = q;
			if (kk)
				set_key(f, kd, kn, kl);
			break;
		}
		if ((f = fid_new(px, p->newfid)) == NULL)
			break;
		f->qid = r->u.rwalk.wqid[p->nwname - 1];
		f->qid_known = true;
		f->ga_pending = p->has_ga;
		f->ga_tag = p->ga_tag;
		if (p->name != NULL && (p->nwname >= 2 || p->dirk))
			set_key(f, p->nwname >= 2 ?
			    r->u.rwalk.wqid[p->nwname - 2].path : p->dir,
			    p->name, p->namelen);
		break;
	case P9_TLCREATE:
		if (r->type == P9_RLCREATE && (f = fid_new(px, p->fid)) != NULL) {
			f->qid = r->u.ropen.qid;
			f->qid_known = true;
			if (p->dirk && p->name != NULL)
				set_key(f, p->dir, p->name, p->namelen);
		}
		break;
	case P9_TREADDIR:
		learn_readdir(px, p, r, m, len, now);
		break;
	case P9_TGETATTR:
		/* A fresh answer refreshes the cached one. */
		if (r->type != P9_RGETATTR || len != RGETATTR_SZ ||
		    (f = fid_get(px, p->fid)) == NULL || !f->key_known ||
		    !f->qid_known || r->u.attr.qid.path != f->qid.path ||
		    (d = dir_get(px, f->keydir)) == NULL ||
		    (e = ent_get(px, d, f->keyname, f->keylen)) == NULL)
			break;
		ent_set_attr(e, m + P9_HDRSZ, now);
		break;
	}
}

/* Our Treaddir's reply (prefetch_listing()): keep it for the kernel's,
 * unless that came and went, asked something else, or the fid is gone. */
static void
prefetch_arrived(struct p9proxy *px, const struct pend *p, const struct p9_msg *r,
    const uint8_t *m, size_t len, long long now)
{
	struct pfid *f = fid_get(px, p->fid);

	if (f == NULL || f->pf != PF_PENDING || f->pf_tag != (uint16_t)(p - px->pend))
		return;
	f->pf = PF_NONE;
	if (r->type != P9_RREADDIR || px->pf_bytes + len > PF_BYTES_MAX ||
	    (f->pf_msg = malloc(len)) == NULL) {
		f->rd_from0 = false;	/* the kernel asks again itself */
		return;
	}
	learn(px, p, r, m, len, now);
	memcpy(f->pf_msg, m, len);
	f->pf_len = len;
	f->pf = PF_READY;
	px->pf_bytes += len;
}

/* Our Tgetattr's reply (prefetch_getattr()): into the cache, for the
 * kernel's Tgetattr to come, if the walk made that fid and nothing
 * changed the directory since. */
static void
getattr_arrived(struct p9proxy *px, const struct pend *p, const struct p9_msg *r,
    const uint8_t *m, size_t len)
{
	struct pfid *f = fid_get(px, p->fid);
	struct adir *d;
	struct aent *e;

	if (f != NULL && f->ga_pending && f->ga_tag == (uint16_t)(p - px->pend))
		f->ga_pending = false;
	if (f == NULL || r->type != P9_RGETATTR || len != RGETATTR_SZ ||
	    !f->qid_known || r->u.attr.qid.path != f->qid.path || !f->key_known ||
	    f->keydir != p->dir || f->keylen != p->namelen ||
	    memcmp(f->keyname, p->name, p->namelen) != 0 ||
	    (d = dir_get(px, p->dir)) == NULL || d->gen != p->dgen ||
	    (e = ent_make(px, d, p->name, p->namelen)) == NULL)
		return;
	ent_set_attr(e, m + P9_HDRSZ, p->t0);
}

static int
from_client_one(struct p9proxy *px, const uint8_t *m, size_t len,
    struct buf *tk, long long now)
{
	struct p9_msg r;
	struct pend *p, *dep, *old;
	struct pfid *f;
	int err;

	if (p9_decode(m, len, &r) != 0 || r.type % 2 == 0)
		return fail(px, -EPROTO, "malformed reply from the client");
	if (r.tag == P9_NOTAG && px->version_own) {
		/* The kernel has our answer: this one must say the same. */
		px->version_own = false;
		if (r.type != P9_RVERSION || r.u.version.msize != px->version_msize)
			return fail(px, -EPROTO, "Rversion unlike the one answered");
		return 0;
	}
	if (r.tag == P9_NOTAG) {
		if (r.type != P9_RVERSION && !(r.type == P9_RLERROR &&
		    px->version_pending))
			return fail(px, -EPROTO, "NOTAG reply");
		if (!px->version_pending)
			return fail(px, -EPROTO, "unexpected Rversion");
		px->version_pending = false;
		if (r.type == P9_RVERSION && r.u.version.msize >= P9_MSIZE_MIN &&
		    r.u.version.msize <= P9_MSIZE_MAX)
			px->msize = r.u.version.msize;
		return buf_put(tk, m, len) == 0 ? 0 : -ENOBUFS;
	}
	if ((p = pend_get(px, r.tag)) == NULL)
		return fail(px, -EPROTO, "reply to a tag never sent");
	if (p->own && p->type == P9_TATTACH) {
		first_attach_done(px, p, &r);
		pend_free(px, p);
		return 0;
	}
	if (p->own && p->type == P9_TCLUNK) {
		pend_free(px, p);	/* answered early (see from_kernel_one) */
		return 0;
	}
	if (p->own && p->spec) {
		spec_arrived(px, p, &r, m, len);
		pend_free(px, p);
		return 0;
	}
	if (p->own && p->prefetch) {
		if (p->type == P9_TGETATTR)
			getattr_arrived(px, p, &r, m, len);
		else
			prefetch_arrived(px, p, &r, m, len, now);
		pend_free(px, p);
		return 0;
	}
	if (p->own && p->type == P9_TLOPEN) {
		/* A lazy open: its failure is the dependent request's. */
		if (r.type != P9_RLOPEN) {
			err = r.type == P9_RLERROR ? (int)r.u.ecode : EIO;
			if (p->has_dep && (dep = pend_get(px, p->dep)) != NULL && !dep->own)
				dep->subst = err;
		}
		pend_free(px, p);
		return 0;
	}
	if (p->own) {
		/* Our materialising walk. */
		if (r.type != P9_RWALK || r.u.rwalk.nwqid != p->nwname) {
			err = r.type == P9_RLERROR ? (int)r.u.ecode : ENOENT;
			if ((f = fid_get(px, p->fid)) != NULL) {
				fid_clear(px, f);
				f->state = F_DEAD;
				f->err = err;
			}
			if (p->has_dep && (dep = pend_get(px, p->dep)) != NULL &&
			    !dep->own)
				dep->subst = err;
		}
		pend_free(px, p);
		return 0;
	}
	if (p->type == P9_TFLUSH) {
		if (r.type != P9_RFLUSH && r.type != P9_RLERROR)
			return fail(px, -EPROTO, "bad reply to Tflush");
		/* Nothing may follow Rflush for the old tag. */
		if ((old = pend_get(px, p->oldtag)) != NULL && !old->own)
			pend_free(px, old);
	} else
		learn(px, p, &r, m, len, now);
	err = p->subst;
	if (err != 0 && p->type != P9_TFLUSH) {
		if (put_lerror(tk, p->ktag, err) != 0)
			return -ENOBUFS;
	} else if (put_retagged(tk, m, len, p->ktag) != 0)
		return -ENOBUFS;
	pend_free(px, p);
	return 0;
}

/*
 * The head of a large Rread to a kernel Tread: send the kernel its
 * retagged header now (or the error that replaces the reply) and pass
 * the payload on as it arrives (stream_body()).  1: started; 0: not such
 * a message, or no room yet (handled whole, or later); <0: malformed.
 */
static int
stream_start(struct p9proxy *px, struct buf *in, struct buf *tk, long long now)
{
	const uint8_t *m = buf_ptr(in);
	struct p9_msg r = { .type = P9_RREAD };
	struct pend *p;
	uint32_t size;
	int err;

	if (buf_len(in) < P9_RREAD_HDR || m[4] != P9_RREAD ||
	    buf_room(tk) < P9PROXY_KOUT_MIN)
		return 0;
	size = le_get32(m);
	r.tag = le_get16(m + 5);
	if (size <= STREAM_MIN || size > px->msize ||
	    (p = pend_get(px, r.tag)) == NULL || p->own || p->type != P9_TREAD)
		return 0;	/* next_msg() and from_client_one() judge it */
	if (le_get32(m + 7) != size - P9_RREAD_HDR)
		return fail(px, -EPROTO, "malformed reply from the client");
	learn(px, p, &r, m, P9_RREAD_HDR, now);
	if ((err = p->subst) != 0) {
		if (put_lerror(tk, p->ktag, err) != 0)
			return fail(px, -ENOBUFS, "no room");
	} else if (put_retagged(tk, m, P9_RREAD_HDR, p->ktag) != 0)
		return fail(px, -ENOBUFS, "no room");
	px->stream_left = size - P9_RREAD_HDR;
	px->stream_drop = err != 0;
	pend_free(px, p);
	buf_consume(in, P9_RREAD_HDR);
	return 1;
}

/* More of the streamed payload; returns the bytes taken from in. */
static size_t
stream_body(struct p9proxy *px, struct buf *in, struct buf *tk)
{
	size_t n = buf_len(in);

	if (n > px->stream_left)
		n = px->stream_left;
	if (!px->stream_drop) {
		if (buf_len(tk) >= STREAM_KOUT_MAX)
			return 0;
		if (n > STREAM_KOUT_MAX - buf_len(tk))
			n = STREAM_KOUT_MAX - buf_len(tk);
		if (buf_put(tk, buf_ptr(in), n) != 0)
			return 0;
	}
	buf_consume(in, n);
	px->stream_left -= (uint32_t)n;
	return n;
}

int
p9proxy_from_client(struct p9proxy *px, struct buf *in, struct buf *tk,
    long long now)
{
	size_t len;
	int r;

	for (;;) {
		if (px->stream_left > 0) {
			if (stream_body(px, in, tk) == 0)
				return 0;
			continue;
		}
		if ((r = stream_start(px, in, tk, now)) != 0) {
			if (r < 0)
				return r;
			continue;
		}
		if ((r = next_msg(px, in, &len)) <= 0)
			return r;
		if (buf_room(tk) < len + P9PROXY_KOUT_MIN)
			return 0;
		if ((r = from_client_one(px, buf_ptr(in), len, tk, now)) != 0)
			return r == -ENOBUFS ? fail(px, r, "no room") : r;
		buf_consume(in, len);
	}
}

/* ---- attributes -------------------------------------------------- */

int
p9proxy_on_attrs(struct p9proxy *px, const uint8_t *b, size_t n, long long now)
{
	struct adir *d;
	struct aent *e;
	const uint8_t *a;
	const char *s;
	uint64_t dir;
	uint16_t len;
	struct rd rd;

	rd_init(&rd, b, n);
	(void)rd_u8(&rd);		/* qid.type */
	(void)rd_u32(&rd);		/* qid.version */
	dir = rd_u64(&rd);
	if (rd.err != 0)
		return fail(px, -EPROTO, "malformed attributes");
	if ((d = dir_make(px, dir)) == NULL)
		return 0;
	while (rd.left > 0) {
		s = rd_str16(&rd, &len);
		if (rd.err == 0 && len == 0) {
			/* The end-of-listing mark: last in the body. */
			if (rd.left != 0)
				return fail(px, -EPROTO, "malformed attributes");
			d->eof_mark = true;
			break;
		}
		a = rd_bytes(&rd, P9ATTR_ATTR);
		if (rd.err != 0 || len == 0 || len > 255)
			return fail(px, -EPROTO, "malformed attributes");
		px->st.attrs++;
		if ((e = ent_make(px, d, s, len)) == NULL) {
			cache_flush(px);
			if ((d = dir_make(px, dir)) == NULL ||
			    (e = ent_make(px, d, s, len)) == NULL)
				return 0;
		}
		ent_forget(e);		/* its FR_P9LINK, if a link, follows */
		if (le_get64(a) == 0) {
			/* valid 0: the client says there is no such name. */
			e->neg = true;
			e->t = now;
			continue;
		}
		ent_set_attr(e, a, now);
		if (len == 1 && s[0] == '.' && attr_qid_path(a) == dir) {
			/* A root's own attributes: kept for the next attach. */
			memcpy(px->hint_attr, a, P9ATTR_ATTR);
			px->hint_t = now;
			px->hint = true;
		}
	}
	return 0;
}

/* One FR_P9LINK body: the targets of links just listed in FR_P9ATTR. */
int
p9proxy_on_links(struct p9proxy *px, const uint8_t *b, size_t n, long long now)
{
	const char *s, *tg;
	struct adir *d;
	struct aent *e;
	uint16_t len, tlen;
	struct rd rd;

	(void)now;
	rd_init(&rd, b, n);
	(void)rd_u8(&rd);		/* qid.type */
	(void)rd_u32(&rd);		/* qid.version */
	d = dir_get(px, rd_u64(&rd));
	while (rd.err == 0 && rd.left > 0) {
		s = rd_str16(&rd, &len);
		tg = rd_str16(&rd, &tlen);
		if (rd.err != 0 || len == 0 || len > 255 || tlen == 0)
			return fail(px, -EPROTO, "malformed link targets");
		if (d == NULL || (e = ent_get(px, d, s, len)) == NULL || !e->has_attr ||
		    (le_get32(e->attr + 8 + P9_QIDSZ) & 0170000) != 0120000 ||
		    e->target != NULL || (e->target = malloc(tlen)) == NULL)
			continue;
		memcpy(e->target, tg, tlen);
		e->targetlen = tlen;
		px->st.links++;
	}
	return rd.err != 0 ? fail(px, -EPROTO, "malformed link targets") : 0;
}

/* ---- the rest ---------------------------------------------------- */

int
p9proxy_sweep(struct p9proxy *px, long long now)
{
	struct aent **pp, *e;
	struct adir *d;
	unsigned i;
	int n = 0;

	/* Twice per TTL: nothing outlives it by more than half. */
	if (now - px->last_sweep < px->ttl / 2 && now >= px->last_sweep)
		return 0;
	px->last_sweep = now;
	for (i = 0; i < DIR_BUCKETS; i++)
		for (d = px->dirs[i]; d != NULL; d = d->next)
			if (d->list != NULL && (d->list_gen != d->gen ||
			    !fresh(px, d->list_t, now))) {
				list_drop(px, d);
				n++;
			}
	for (i = 0; i < ENT_BUCKETS; i++)
		for (pp = &px->ents[i]; (e = *pp) != NULL; ) {
			/* A name of a complete, fresh listing stays: its
			 * absence would read as ENOENT. */
			d = dir_get(px, e->dir);
			if ((d != NULL && e->gen == d->gen && d->complete &&
			    fresh(px, d->complete_t, now)) ||
			    ((e->has_attr || e->neg) && fresh(px, e->t, now))) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			free(e->target);
			free(e);
			px->nents--;
			n++;
		}
	return n;
}

void
p9proxy_set_lazy_open(struct p9proxy *px, bool on)
{
	px->lazy_open = on;
}

void
p9proxy_set_prefetch(struct p9proxy *px, bool on)
{
	px->prefetch = on;
}

void
p9proxy_set_ahead(struct p9proxy *px, bool on)
{
	px->ahead = on;
}

void
p9proxy_set_getattr_ahead(struct p9proxy *px, bool on)
{
	px->ga_ahead = on;
}

void
p9proxy_set_server_msize(struct p9proxy *px, uint32_t msize)
{
	px->srv_msize = msize >= P9_MSIZE_MIN && msize <= P9_MSIZE_MAX ? msize : 0;
}

struct p9proxy *
p9proxy_new(long long ttl_ms)
{
	struct p9proxy *px = calloc(1, sizeof(*px));

	if (px == NULL)
		return NULL;
	px->ttl = ttl_ms;
	px->msize = P9_MSIZE_MAX;	/* until Rversion says less */
	if ((px->specq = calloc(SPEC_QUEUE_MAX, sizeof(*px->specq))) == NULL) {
		free(px);
		return NULL;
	}
	return px;
}

void
p9proxy_free(struct p9proxy *px)
{
	unsigned i;

	if (px == NULL)
		return;
	fids_reset(px);
	cache_flush(px);
	spec_clear(px);
	free(px->specq);
	for (i = 0; i < px->cpend; i++)
		if (px->pend[i].used)
			free(px->pend[i].name);
	free(px->pend);
	free(px);
}

uint32_t
p9proxy_msize(const struct p9proxy *px)
{
	return px->msize;
}

size_t
p9proxy_client_room(const struct p9proxy *px)
{
	/* the request, its fids' walks, its base's dependents' walks, an
	 * owed lazy open and a prefetched Treaddir */
	return (size_t)px->msize + 2 * (size_t)WALK_MAX + DEPS_BYTES_MAX +
	    2 * (P9_HDRSZ + 16);
}

const struct p9proxy_stats *
p9proxy_stats(struct p9proxy *px)
{
	const struct pfid *f;
	unsigned i;

	px->st.ents = px->nents;
	px->st.dirs = px->ndirs;
	px->st.list_bytes = px->list_bytes;
	px->st.pf_bytes = px->pf_bytes;
	px->st.pend_slots = px->cpend;
	px->st.fids = 0;
	for (i = 0; i < FID_BUCKETS; i++)
		for (f = px->fids[i]; f != NULL; f = f->next)
			px->st.fids++;
	return &px->st;
}

const char *
p9proxy_error(const struct p9proxy *px)
{
	return px->error;
}

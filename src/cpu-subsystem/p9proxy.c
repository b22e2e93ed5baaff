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
#define MAX_DEPS	64		/* virtual fids resting on one real fid */
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
};

struct adir {
	struct adir	*next;
	uint64_t	 path, gen;
	bool		 complete;	/* every name is in the cache (gen) */
	long long	 complete_t;	/* when that listing started */
	bool		 eof_mark;	/* the next Rreaddir ends the listing */
};

struct aent {
	struct aent	*next;
	uint64_t	 dir, gen;
	long long	 t;
	bool		 has_attr;
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
	uint64_t	 inv[2];	/* directories to invalidate at reply */
	int		 ninv;
	bool		 invall, dropattr;
	uint16_t	 oldtag;	/* Tflush: our tag of the old request */
	bool		 has_dep;	/* own walk: the request relying on it */
	uint16_t	 dep;
	int		 subst;		/* answer with Rlerror(subst) instead */
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
			free(e);
		}
		px->ents[i] = NULL;
	}
	for (i = 0; i < DIR_BUCKETS; i++) {
		for (d = px->dirs[i]; d != NULL; d = dn) {
			dn = d->next;
			free(d);
		}
		px->dirs[i] = NULL;
	}
	px->nents = px->ndirs = 0;
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

/* Forget what is known of a directory's names (not its own attributes). */
static void
dir_invalidate(struct p9proxy *px, uint64_t path)
{
	struct adir *d = dir_get(px, path);

	if (d != NULL) {
		d->gen = ++px->gen_seq;
		d->complete = false;
	}
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
				e->has_attr = false;
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

static bool
fresh(const struct p9proxy *px, long long t, long long now)
{
	return now - t < px->ttl && now >= t;
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

/* ---- fids -------------------------------------------------------- */

static struct pfid *
fid_get(struct p9proxy *px, uint32_t num)
{
	struct pfid *f;

	for (f = px->fids[num % FID_BUCKETS]; f != NULL; f = f->next)
		if (f->num == num)
			return f;
	return NULL;
}

static void
fid_clear(struct p9proxy *px, struct pfid *f)
{
	struct pfid *b;

	if (f->state == F_VIRT) {
		if ((b = fid_get(px, f->base)) != NULL && b->ndeps > 0)
			b->ndeps--;
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
			free(f);
		}
		px->fids[i] = NULL;
	}
	px->nvirt = 0;
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
			e->has_attr = false;
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
				e->has_attr = false;
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
	if (b->ndeps > 0)
		b->ndeps--;
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

/* ---- requests from the kernel ------------------------------------ */

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
	case P9_TATTACH:	p->fid = t->u.attach.fid; break;
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

	if (b == NULL || b->state != F_REAL || b->ndeps >= MAX_DEPS ||
	    px->nvirt >= MAX_VFIDS)
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
	if (e == NULL && d->complete && fresh(px, d->complete_t, now)) {
		/* Not in a complete, fresh listing: what openat would say. */
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
	struct adir *d;
	struct aent *e;
	uint8_t *p;

	if (f == NULL || f->state == F_DEAD || !f->qid_known || !f->key_known ||
	    (d = dir_get(px, f->keydir)) == NULL ||
	    (e = ent_get(px, d, f->keyname, f->keylen)) == NULL ||
	    !e->has_attr || !fresh(px, e->t, now) ||
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
	struct pend *p, *old = NULL;
	uint16_t tag;
	unsigned i;
	uint8_t *w;

	for (i = 0; i < px->cpend; i++)
		if (px->pend[i].used && !px->pend[i].own &&
		    px->pend[i].type != P9_TFLUSH &&
		    px->pend[i].ktag == t->u.oldtag) {
			old = &px->pend[i];
			break;
		}
	if (old == NULL) {
		/* Answered already (here or by the client): nothing to
		 * cancel, and Rflush is the whole answer. */
		px->st.flush++;
		return put_empty(tk, P9_RFLUSH, t->tag) == 0 ? 0 : -ENOBUFS;
	}
	if ((p = pend_new(px, &tag)) == NULL)
		return fail(px, -ENOBUFS, "out of tags");
	p->ktag = t->tag;
	p->type = P9_TFLUSH;
	p->oldtag = (uint16_t)(old - px->pend);
	if (put_retagged(tc, m, len, tag) != 0 ||
	    (w = buf_mutable(tc, buf_len(tc) - len, len)) == NULL)
		return fail(px, -ENOBUFS, "no room");
	le_put16(w + 7, p->oldtag);
	px->st.fwd++;
	return 0;
}

static int try_readdir_eof(struct p9proxy *, const struct p9_msg *, struct buf *,
    long long);

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
		px->version_pending = true;
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
	case P9_TREADDIR:
		if ((r = try_readdir_eof(px, &t, tk, now)) != 0)
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
		if (px->lazy_open && (f = fid_get(px, t.u.lopen.fid)) != NULL &&
		    f->state != F_DEAD && f->qid_known && !f->lazy &&
		    f->qid.type == P9_QTFILE &&
		    (t.u.lopen.flags & ~(uint32_t)(P9_DOTL_LARGEFILE | P9_DOTL_NOATIME |
		    P9_DOTL_CLOEXEC | P9_DOTL_NONBLOCK | P9_DOTL_NOCTTY)) == 0) {
			struct p9_msg ro = { .type = P9_RLOPEN, .tag = t.tag };

			ro.u.ropen.qid = f->qid;
			ro.u.ropen.iounit = 0;	/* as the client's server says */
			if (p9_encode(tk, &ro) != 0)
				return -ENOBUFS;
			f->lazy = true;
			f->lflags = t.u.lopen.flags;
			px->st.lopen++;
			return 0;
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
	if ((r = note_request(px, p, &t, now)) != 0)
		return fail(px, r, "out of memory");
	if (put_retagged(tc, m, len, tag) != 0)
		return fail(px, -ENOBUFS, "no room");
	if (t.type == P9_TXATTRCREATE && (f = fid_get(px, t.u.xattrcreate.fid)) != NULL)
		f->xcreate = true;
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
		if (buf_room(tc) < p9proxy_client_room(px) ||
		    buf_room(tk) < P9PROXY_KOUT_MIN)
			return 0;
		/* Half an Rread is queued for the kernel: a local answer now
		 * would land inside it. */
		if (px->stream_left > 0 && !px->stream_drop)
			return 0;
		if ((r = next_msg(px, in, &len)) <= 0)
			return r;
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

	if (f == NULL || f->state != F_REAL || !f->eof_ok || !f->qid_known ||
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
    long long now)
{
	struct pfid *f = fid_get(px, p->fid);
	struct p9_dirent de;
	struct adir *d;
	struct rd rd;
	uint64_t last = 0;
	bool any = false;

	if (f == NULL || !p->dirk)
		return;
	if (r->type != P9_RREADDIR) {
		f->rd_from0 = false;
		return;
	}
	d = dir_get(px, p->dir);
	rd_init(&rd, r->u.rio.data, r->u.rio.count);
	while (rd.left > 0 && p9_dirent_get(&rd, &de) == 0) {
		any = true;
		last = de.offset;
		if (d != NULL && de.name.len > 0 && de.name.len <= 255 &&
		    ent_make(px, d, de.name.s, de.name.len) == NULL) {
			/* Full: start over; this listing is incomplete now. */
			cache_flush(px);
			d = NULL;
		}
	}
	if (rd.err != 0 || rd.left != 0) {
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
		}
		if (d != NULL)
			d->eof_mark = false;
		return;
	}
	listing_done(px, f, d);
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
		}
		break;
	case P9_TXATTRWALK:
		if (r->type == P9_RXATTRWALK)
			(void)fid_new(px, p->newfid);	/* no qid: never local */
		break;
	case P9_TWALK:
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
		learn_readdir(px, p, r, now);
		break;
	case P9_TGETATTR:
		/* A fresh answer refreshes the cached one. */
		if (r->type != P9_RGETATTR || len != RGETATTR_SZ ||
		    (f = fid_get(px, p->fid)) == NULL || !f->key_known ||
		    !f->qid_known || r->u.attr.qid.path != f->qid.path ||
		    (d = dir_get(px, f->keydir)) == NULL ||
		    (e = ent_get(px, d, f->keyname, f->keylen)) == NULL)
			break;
		memcpy(e->attr, m + P9_HDRSZ, P9ATTR_ATTR);
		e->has_attr = true;
		e->t = now;
		break;
	}
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
	if (p->own && p->type == P9_TCLUNK) {
		pend_free(px, p);	/* answered early (see from_kernel_one) */
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
		memcpy(e->attr, a, P9ATTR_ATTR);
		e->has_attr = true;
		e->t = now;
	}
	return 0;
}

/* ---- the rest ---------------------------------------------------- */

void
p9proxy_set_lazy_open(struct p9proxy *px, bool on)
{
	px->lazy_open = on;
}

struct p9proxy *
p9proxy_new(long long ttl_ms)
{
	struct p9proxy *px = calloc(1, sizeof(*px));

	if (px == NULL)
		return NULL;
	px->ttl = ttl_ms;
	px->msize = P9_MSIZE_MAX;	/* until Rversion says less */
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
	/* the request, its fids' walks and its base's dependents' walks */
	return (size_t)px->msize + (MAX_DEPS + 2) * (size_t)WALK_MAX;
}

const struct p9proxy_stats *
p9proxy_stats(const struct p9proxy *px)
{
	return &px->st;
}

const char *
p9proxy_error(const struct p9proxy *px)
{
	return px->error;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9proxy-answer.c: the local answers to the kernel (try_*): a walk or
 * getattr of a cached name, attach, version, readlink, flush, a lazy
 * open, a listing kept or asked with its open; and the Tgetattr/Treaddir
 * of ours sent along with a forwarded request (prefetch_*).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p9proxy-int.h"

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
int
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
		 * lately: what openat would say.  The directory is in use
		 * even if the name is not (the memory bound). */
		d->used_t = now;
		px->st.enoent++;
		return put_lerror(tk, t->tag, ENOENT) == 0 ? 1 : -ENOBUFS;
	}
	return 0;
}

int
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
	memcpy(p + P9_HDRSZ, e->attr, ATTR_KEPT);
	memset(p + P9_HDRSZ + ATTR_KEPT, 0, ATTR_ZERO);
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
int
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
int
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
int
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
		ent_set_attr(px, e, px->hint_attr, px->hint_t);
	(void)now;
	px->st.attach++;
	return 1;
}

/* Our Tattach's reply (try_first_attach()): a failure kills the fid. */
void
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
int
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
bool
protected_xattr(const struct p9_str *n)
{
	if (n->len > 255 || memchr(n->s, '\0', n->len) != NULL)
		return false;	/* let the server judge a bad name */
	return (n->len > 9 && memcmp(n->s, "security.", 9) == 0) ||
	    (n->len > 8 && memcmp(n->s, "trusted.", 8) == 0);
}

int
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


/* Rlopen here, as the client's server would say it; the client-side open
 * is owed (open_lazily_opened()) until a request needs it. */
int
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
int
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
int
try_readdir_listed(struct p9proxy *px, const struct p9_msg *t, struct buf *tk,
    long long now)
{
	struct pfid *f = fid_get(px, t->u.io.fid);
	struct pfid_rd *rs;
	struct adir *d;

	if (f == NULL || !f->lazy || t->u.io.offset != 0 ||
	    (d = listed_dir(px, f, now)) == NULL ||
	    t->u.io.count < le_get32(d->list + P9_HDRSZ))
		return 0;
	/* The listing reached its end within its count: any count that holds
	 * it gets the very same reply. */
	if (put_retagged(tk, d->list, d->list_len, t->tag) != 0)
		return -ENOBUFS;
	if ((rs = fid_rd(f)) != NULL) {
		rs->rd_from0 = false;
		rs->rd_next = d->list_last;
		rs->eof_ok = true;
		rs->eof_off = d->list_last;
		rs->eof_gen = d->gen;
		rs->eof_t = d->list_t;
	}
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
bool
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
void
prefetch_listing(struct p9proxy *px, const struct p9_msg *o, struct buf *tc,
    long long now)
{
	struct p9_msg t = { .type = P9_TREADDIR };
	struct pfid *f = fid_get(px, o->u.lopen.fid);
	struct pfid_rd *rs;
	struct pend *p;
	uint16_t tag;

	if (!px->prefetch || f == NULL || f->state != F_REAL || !f->qid_known ||
	    !(f->qid.type & P9_QTDIR) || !dir_read_flags(o->u.lopen.flags) ||
	    (rs = fid_rd(f)) == NULL || rs->pf != PF_NONE ||
	    (p = pend_new(px, &tag)) == NULL)
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
	rs->pf = PF_PENDING;
	rs->pf_tag = tag;
	rs->pf_count = t.u.io.count;
	px->st.prefetch++;
}

/* The kernel's Treaddir of a directory whose listing was prefetched:
 * 1 if answered (or handed the pending request), 0 to forward it. */
int
try_readdir_prefetched(struct p9proxy *px, const struct p9_msg *t, struct buf *tk)
{
	struct pfid *f = fid_get(px, t->u.io.fid);
	struct pfid_rd *rs;
	struct pend *p;

	if (f == NULL || (rs = f->rd) == NULL || rs->pf == PF_NONE)
		return 0;
	if (t->u.io.offset != 0 || t->u.io.count != rs->pf_count) {
		pf_drop(px, f);		/* not what was asked: forward */
		return 0;
	}
	if (rs->pf == PF_READY) {
		if (put_retagged(tk, rs->pf_msg, rs->pf_len, t->tag) != 0)
			return -ENOBUFS;
		pf_drop(px, f);
		px->st.prefetch_hit++;
		return 1;
	}
	/* Still on its way: its reply becomes the kernel's. */
	if ((p = pend_get(px, rs->pf_tag)) == NULL || !p->own || !p->prefetch) {
		rs->pf = PF_NONE;
		return 0;
	}
	p->own = p->prefetch = false;
	p->ktag = t->tag;
	rs->pf = PF_NONE;
	px->st.prefetch_hit++;
	return 1;
}

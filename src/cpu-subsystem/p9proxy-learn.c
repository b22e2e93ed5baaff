/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9proxy-learn.c: what the client's replies teach the cache: listings
 * and their end, ENOENT, the attributes of a walk, and the replies to
 * the getattrs and listings of ours sent ahead (learn*, *_arrived).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p9proxy-int.h"

/* ---- replies from the client ------------------------------------- */

/* The final, empty reply: was the whole listing seen unchanged? */
static void
listing_done(struct p9proxy *px, struct pfid *f, struct adir *d)
{
	struct pfid_rd *rs = f->rd;

	if (rs == NULL)
		return;
	if (rs->rd_from0 && d != NULL && rs->rd_epoch == px->epoch &&
	    rs->rd_gen == d->gen) {
		d->complete = true;
		d->complete_t = rs->rd_start;
	}
	rs->rd_from0 = false;
}

/*
 * A Treaddir at the offset where the client said the listing ended, on a
 * directory unchanged since and within the TTL: the empty reply here.
 * (getdents asks twice at the end of every directory.)
 */
int
try_readdir_eof(struct p9proxy *px, const struct p9_msg *t, struct buf *tk,
    long long now)
{
	struct pfid *f = fid_get(px, t->u.io.fid);
	const struct pfid_rd *rs;
	struct adir *d;

	if (f == NULL || f->state == F_DEAD || (rs = f->rd) == NULL ||
	    !rs->eof_ok || !f->qid_known ||
	    t->u.io.offset != rs->eof_off || !fresh(px, rs->eof_t, now) ||
	    (d = dir_get(px, f->qid.path)) == NULL || d->gen != rs->eof_gen)
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
	struct pfid_rd *rs;
	struct adir *d;
	uint64_t last;
	bool any, full, ok;

	if (f == NULL || !p->dirk)
		return;
	if (r->type != P9_RREADDIR) {
		if (f->rd != NULL)
			f->rd->rd_from0 = false;
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
		if (f->rd != NULL)
			f->rd->rd_from0 = false;
		return;
	}
	if (any) {
		if ((rs = fid_rd(f)) != NULL) {
			rs->rd_next = last;
			rs->eof_ok = false;
		}
		if (rs != NULL && d != NULL && d->eof_mark) {
			rs->eof_ok = true;
			rs->eof_off = last;
			rs->eof_gen = d->gen;
			rs->eof_t = now;
			/* The whole listing in one reply, nothing changed since
			 * it was asked: keep it for the TTL. */
			if (p->rd_off == 0 && rs->rd_from0 &&
			    rs->rd_epoch == px->epoch && rs->rd_gen == d->gen)
				if (list_store(px, d, m, len, last, rs->rd_start,
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
void
learn_enoent(struct p9proxy *px, const struct pend *p)
{
	struct adir *d;
	struct aent *e;

	if (p->nwname != 1 || p->name == NULL || p->dgen == 0 ||
	    (d = dir_get(px, p->dir)) == NULL || d->gen != p->dgen)
		return;
	if ((e = ent_make(px, d, p->name, p->namelen)) == NULL)
		return;		/* full: not worth a flush */
	ent_forget(px, e);
	e->neg = true;
	e->t = p->t0;
}

void
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
		ent_set_attr(px, e, m + P9_HDRSZ, now);
		break;
	}
}

/* Our Treaddir's reply (prefetch_listing()): keep it for the kernel's,
 * unless that came and went, asked something else, or the fid is gone. */
void
prefetch_arrived(struct p9proxy *px, const struct pend *p, const struct p9_msg *r,
    const uint8_t *m, size_t len, long long now)
{
	struct pfid *f = fid_get(px, p->fid);
	struct pfid_rd *rs;

	if (f == NULL || (rs = f->rd) == NULL || rs->pf != PF_PENDING ||
	    rs->pf_tag != (uint16_t)(p - px->pend))
		return;
	rs->pf = PF_NONE;
	if (r->type != P9_RREADDIR || px->pf_bytes + len > PF_BYTES_MAX ||
	    (rs->pf_msg = malloc(len)) == NULL) {
		rs->rd_from0 = false;	/* the kernel asks again itself */
		return;
	}
	learn(px, p, r, m, len, now);
	memcpy(rs->pf_msg, m, len);
	rs->pf_len = len;
	rs->pf = PF_READY;
	px->pf_bytes += len;
}

/* Our Tgetattr's reply (prefetch_getattr()): into the cache, for the
 * kernel's Tgetattr to come, if the walk made that fid and nothing
 * changed the directory since. */
void
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
	ent_set_attr(px, e, m + P9_HDRSZ, p->t0);
}

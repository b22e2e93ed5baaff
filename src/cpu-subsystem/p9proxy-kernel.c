/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9proxy-kernel.c: the dispatch of the kernel's T-messages.  Each one
 * is answered here (p9proxy-answer.c) or forwarded with a tag of ours,
 * after the walks and opens it relies on; what it will change in the
 * cache is noted in its pending slot for the reply (note_request()).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p9proxy-int.h"

/* ---- requests from the kernel ------------------------------------ */

/* A Tattach of the export root, no auth (what the client's server takes). */
bool
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
int
note_request(struct p9proxy *px, struct pend *p, const struct p9_msg *t,
    long long now)
{
	const struct p9_str *nm = NULL;
	struct pfid_rd *rs;
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
		if (t->u.io.offset == 0 && (d = dir_make(px, f->qid.path)) != NULL &&
		    (rs = fid_rd(f)) != NULL) {
			rs->rd_from0 = true;
			rs->rd_gen = d->gen;
			rs->rd_epoch = px->epoch;
			rs->rd_start = now;
		} else if ((rs = f->rd) != NULL && t->u.io.offset != rs->rd_next)
			rs->rd_from0 = false;
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

int
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
		/* It goes on with the kernel's tag, which only NOTAG keeps
		 * apart from ours (9P: "the tag should be NOTAG"). */
		if (t.tag != P9_NOTAG)
			return fail(px, -EPROTO, "Tversion with a tag other than NOTAG");
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
	if (put_retagged(tc, px->fwd_head != NULL ? px->fwd_head : m, len, tag) != 0)
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
	if (f->rd != NULL && f->rd->pf == PF_READY)
		n = f->rd->pf_len;
	if (f->lazy && (d = listed_dir(px, f, now)) != NULL && d->list_len > n)
		n = d->list_len;
	return n;
}

int
p9proxy_from_kernel(struct p9proxy *px, struct buf *in, struct buf *tc,
    struct buf *tk, long long now)
{
	size_t len;
	int r;

	px->now = now;
	for (;;) {
		/* The rest of a large Twrite comes before anything else for
		 * the client (it goes there as it arrives). */
		if (px->wstream_left > 0) {
			if (wstream_body(px, in, tc) == 0)
				return 0;
			continue;
		}
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
		if ((r = wstream_start(px, in, tc, tk, now)) != 0) {
			if (r < 0)
				return r;
			continue;
		}
		if ((r = next_msg(px, in, &len)) <= 0)
			return r;
		if (buf_room(tk) < P9PROXY_KOUT_MIN + held_listing(px, buf_ptr(in), len, now))
			return 0;
		if ((r = from_kernel_one(px, buf_ptr(in), len, tc, tk, now)) != 0)
			return r;
		buf_consume(in, len);
	}
}

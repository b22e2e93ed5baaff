/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9proxy-spec.c: listings asked ahead.  When the kernel has read a
 * whole listing, the subdirectories' listings are asked with fids of our
 * own (spec_*), stored in the cache when they arrive, and the kernel's
 * Tlopens of those directories are parked until then.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p9proxy-int.h"

/* ---- listings asked ahead ------------------------------------------ */

/*
 * The names of one Rreaddir into directory d's current listing (d NULL:
 * only read them).  false if the reply is malformed; else *last is the
 * offset of its last entry, *any whether it had one, and *full whether
 * a name found the cache full (then not all are in).
 */
bool
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
bool
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
void
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
bool
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


/* Held Tlopens whose listing came (or will not): run them now. */
int
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
bool
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

void
spec_clear(struct p9proxy *px)
{
	unsigned i;

	for (i = 0; i < px->nspec; i++)
		free(px->specq[i].path);
	px->nspec = 0;
}

/* The reply to one of our ahead-asked requests: only the listing counts. */
void
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

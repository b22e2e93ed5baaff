/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9proxy-fid.c: the fid table and the tag table.  A fid is real (the
 * client knows it), virtual (answered here: a real base plus names) or
 * dead (its materialising walk failed); this file owns those states, the
 * key of each fid in the cache, our tags (slots of `pend`), and the
 * walks and opens of ours that make a virtual or lazily opened fid exist
 * on the client before a request needs it.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p9proxy-int.h"

/* ---- fids -------------------------------------------------------- */

/* The Twalk that materialises virtual fid f: header, fid, newfid, nwname, path. */
size_t
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

struct pfid *
fid_get(struct p9proxy *px, uint32_t num)
{
	struct pfid *f;

	for (f = px->fids[num % FID_BUCKETS]; f != NULL; f = f->next)
		if (f->num == num)
			return f;
	return NULL;
}

/* The fid's listing state, made when first needed; NULL if out of
 * memory (then it is read as if the kernel never listed with it). */
struct pfid_rd *
fid_rd(struct pfid *f)
{
	if (f->rd == NULL)
		f->rd = calloc(1, sizeof(*f->rd));
	return f->rd;
}

/* Forget a prefetched listing; a pending one's reply will be dropped. */
void
pf_drop(struct p9proxy *px, struct pfid *f)
{
	struct pfid_rd *rs = f->rd;

	if (rs == NULL)
		return;
	if (rs->pf == PF_READY) {
		px->pf_bytes -= rs->pf_len;
		free(rs->pf_msg);
		rs->pf_msg = NULL;
		rs->pf_len = 0;
	}
	rs->pf = PF_NONE;
}

void
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

struct pfid *
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

void
fid_del(struct p9proxy *px, uint32_t num)
{
	struct pfid **pp, *f;

	for (pp = &px->fids[num % FID_BUCKETS]; (f = *pp) != NULL; pp = &f->next)
		if (f->num == num) {
			fid_clear(px, f);
			*pp = f->next;
			free(f->rd);
			free(f);
			return;
		}
}

void
fids_reset(struct p9proxy *px)
{
	struct pfid *f, *fn;
	unsigned i;

	for (i = 0; i < FID_BUCKETS; i++) {
		for (f = px->fids[i]; f != NULL; f = fn) {
			fn = f->next;
			free(f->path);
			free(f->keyname);
			if (f->rd != NULL)
				free(f->rd->pf_msg);
			free(f->rd);
			free(f);
		}
		px->fids[i] = NULL;
	}
	px->nvirt = 0;
	px->pf_bytes = 0;
}

int
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
void
drop_attrs(struct p9proxy *px, const struct pfid *f)
{
	struct adir *d;
	struct aent *e;
	unsigned i;

	if (f != NULL && f->key_known && (d = dir_get(px, f->keydir)) != NULL) {
		if ((e = ent_get(px, d, f->keyname, f->keylen)) != NULL)
			ent_forget(px, e);
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
				ent_forget(px, e);
}

/* ---- tags -------------------------------------------------------- */

struct pend *
pend_get(struct p9proxy *px, uint16_t tag)
{
	return tag < px->cpend && px->pend[tag].used ? &px->pend[tag] : NULL;
}

struct pend *
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

void
pend_free(struct p9proxy *px, struct pend *p)
{
	free(p->name);
	memset(p, 0, sizeof(*p));
	px->npend--;
}

/* Make virtual fid f exist on the client: Twalk(base, f, path) of ours. */
int
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
int
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
int
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

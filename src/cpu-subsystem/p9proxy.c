/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9proxy: answer the kernel's per-entry Twalk/Tgetattr/Tclunk from the
 * attributes the client sends with each directory listing.  See
 * p9proxy.h and doc/9p-proxy.md (the rules, coherence and limits, and
 * the map of the p9proxy-*.c files; p9proxy-int.h says what they share).
 *
 * This file: the proxy's life and settings, its error, the FR_P9ATTR and
 * FR_P9LINK intake, the sweep, message framing and the small encoders
 * every room uses.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p9proxy-int.h"

int
fail(struct p9proxy *px, int err, const char *why)
{
	snprintf(px->error, sizeof(px->error), "%s", why);
	return err;
}

/* ---- output ------------------------------------------------------ */

int
put_lerror(struct buf *out, uint16_t tag, int err)
{
	struct p9_msg r = { .type = P9_RLERROR, .tag = tag };

	r.u.ecode = (uint32_t)err;
	return p9_encode(out, &r);
}

int
put_empty(struct buf *out, uint8_t type, uint16_t tag)
{
	struct p9_msg r = { .type = type, .tag = tag };

	return p9_encode(out, &r);
}

/* A message as received, with another tag. */
int
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

/* Whole-message framing shared by both directions. */
int
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

	px->now = now;
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
		ent_forget(px, e);	/* its FR_P9LINK, if a link, follows */
		if (le_get64(a) == 0) {
			/* valid 0: the client says there is no such name. */
			e->neg = true;
			e->t = now;
			continue;
		}
		ent_set_attr(px, e, a, now);
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

	px->now = now;
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
		px->ent_bytes += tlen;
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
			ent_free(px, e);
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

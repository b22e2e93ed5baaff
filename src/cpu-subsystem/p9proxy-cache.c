/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9proxy-cache.c: the attribute cache.  Directories (adir: generation,
 * completeness, a whole listing kept for the TTL) and their entries
 * (aent: one Rgetattr body, a negative answer or a symlink target), both
 * in hash tables bounded by MAX_DIRS/MAX_ENTS, and the freshness rule.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p9proxy-int.h"

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

struct adir *
dir_get(struct p9proxy *px, uint64_t path)
{
	struct adir *d;

	for (d = px->dirs[path % DIR_BUCKETS]; d != NULL; d = d->next)
		if (d->path == path)
			return d;
	return NULL;
}

void
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
	px->ent_bytes = px->list_bytes = 0;
	px->epoch++;		/* listings in progress are incomplete now */
}

struct adir *
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
	d->used_t = px->now;
	d->next = px->dirs[path % DIR_BUCKETS];
	px->dirs[path % DIR_BUCKETS] = d;
	px->ndirs++;
	return d;
}

bool
fresh(const struct p9proxy *px, long long t, long long now)
{
	return now - t < px->ttl && now >= t;
}

void
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
bool
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
struct adir *
listed_dir(struct p9proxy *px, const struct pfid *f, long long now)
{
	struct adir *d;

	if (f == NULL || f->state == F_DEAD || !f->qid_known ||
	    !(f->qid.type & P9_QTDIR) || (d = dir_get(px, f->qid.path)) == NULL ||
	    d->list == NULL || d->list_gen != d->gen || !fresh(px, d->list_t, now))
		return NULL;
	d->used_t = now;
	return d;
}

/* Forget what is known of a directory's names (not its own attributes). */
static void
dir_forget(struct p9proxy *px, struct adir *d)
{
	d->gen = ++px->gen_seq;
	d->complete = false;
	list_drop(px, d);
}

void
dir_invalidate(struct p9proxy *px, uint64_t path)
{
	struct adir *d = dir_get(px, path);

	if (d != NULL)
		dir_forget(px, d);
}

uint64_t
attr_qid_path(const uint8_t *attr)
{
	return le_get64(attr + 8 + 5);
}

void
attr_qid(const uint8_t *attr, struct p9_qid *q)
{
	q->type = attr[8];
	q->version = le_get32(attr + 9);
	q->path = le_get64(attr + 13);
}

/* The entry's attributes (and link target) are no longer known. */
void
ent_forget(struct p9proxy *px, struct aent *e)
{
	e->has_attr = false;
	px->ent_bytes -= e->targetlen;
	free(e->target);
	e->target = NULL;
	e->targetlen = 0;
}

/* New attributes for an entry; a link's target stays if it is the same
 * file (a symlink's target never changes).  Attributes whose last
 * ATTR_ZERO bytes are not zeros leave the entry without any: it is
 * asked again, never answered wrong. */
void
ent_set_attr(struct p9proxy *px, struct aent *e, const uint8_t *attr, long long t)
{
	static const uint8_t zero[ATTR_ZERO];

	if (memcmp(attr + ATTR_KEPT, zero, ATTR_ZERO) != 0) {
		ent_forget(px, e);
		e->neg = false;
		return;
	}
	if (e->has_attr && attr_qid_path(e->attr) != attr_qid_path(attr))
		ent_forget(px, e);
	memcpy(e->attr, attr, ATTR_KEPT);
	e->has_attr = true;
	e->neg = false;
	e->t = t;
}

/* The entry (dir, name) of the directory's current listing, or NULL. */
struct aent *
ent_get(struct p9proxy *px, struct adir *d, const char *s, size_t n)
{
	struct aent *e;

	for (e = px->ents[hash_name(d->path, s, n) % ENT_BUCKETS]; e; e = e->next)
		if (e->dir == d->path && e->namelen == n &&
		    memcmp(e->name, s, n) == 0) {
			if (e->gen != d->gen)
				return NULL;
			d->used_t = px->now;
			return e;
		}
	return NULL;
}

/* Find or add (dir, name) in the current listing; a stale one is reused. */
struct aent *
ent_make(struct p9proxy *px, struct adir *d, const char *s, size_t n)
{
	unsigned h = hash_name(d->path, s, n) % ENT_BUCKETS;
	struct aent *e;

	d->used_t = px->now;
	for (e = px->ents[h]; e != NULL; e = e->next)
		if (e->dir == d->path && e->namelen == n &&
		    memcmp(e->name, s, n) == 0) {
			if (e->gen != d->gen) {
				e->gen = d->gen;
				ent_forget(px, e);
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
	px->ent_bytes += sizeof(*e) + n;
	return e;
}

/* Free an entry unlinked from its bucket. */
void
ent_free(struct p9proxy *px, struct aent *e)
{
	px->ent_bytes -= sizeof(*e) + e->namelen + e->targetlen;
	px->nents--;
	free(e->target);
	free(e);
}

/* ---- the memory bound -------------------------------------------- */

size_t
p9proxy_cache_bytes(const struct p9proxy *px)
{
	return px->ent_bytes + px->list_bytes + px->ndirs * sizeof(struct adir);
}

long long
p9proxy_cache_oldest(const struct p9proxy *px)
{
	long long t = LLONG_MAX;
	const struct adir *d;
	unsigned i;

	for (i = 0; i < DIR_BUCKETS; i++)
		for (d = px->dirs[i]; d != NULL; d = d->next)
			if (d->used_t < t)
				t = d->used_t;
	return t;
}

/*
 * Forget the directories last used before `before`: their names, their
 * listing and, unless a listing of ours is on its way to it, the record
 * itself.  What a fid or a request in flight remembers of one is its
 * generation: a directory made again gets a new one (gen_seq), so no
 * listing in progress completes and no answer is given from it.
 */
void
p9proxy_evict(struct p9proxy *px, long long before)
{
	struct adir **dp, *d;
	struct aent **pp, *e;
	unsigned i;

	for (i = 0; i < DIR_BUCKETS; i++)
		for (d = px->dirs[i]; d != NULL; d = d->next)
			if (d->used_t < before)
				dir_forget(px, d);
	for (i = 0; i < ENT_BUCKETS; i++)
		for (pp = &px->ents[i]; (e = *pp) != NULL; ) {
			d = dir_get(px, e->dir);
			if (d != NULL && e->gen == d->gen) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			ent_free(px, e);
		}
	for (i = 0; i < DIR_BUCKETS; i++)
		for (dp = &px->dirs[i]; (d = *dp) != NULL; ) {
			if (d->used_t >= before || d->spec_out) {
				dp = &d->next;
				continue;
			}
			*dp = d->next;
			free(d);
			px->ndirs--;
		}
}

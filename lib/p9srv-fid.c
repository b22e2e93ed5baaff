/* SPDX-License-Identifier: BSD-3-Clause */
/* p9srv-fid: the fid table, shared descriptors, qids and wire names. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "p9srv-int.h"
#include "util.h"

#define INOMAP_MAX	(1u << 20)	/* remapped large inode numbers */
#define QID_DEV_SHIFT	48
#define QID_INO_MASK	((UINT64_C(1) << QID_DEV_SHIFT) - 1)
#define QID_BIGINO_DEV	0xFFFFu		/* index reserved for remapped inodes */

struct p9obj *
obj_new(int fd)
{
	struct p9obj *o;

	if (fd < 0)
		return NULL;
	if ((o = malloc(sizeof(*o))) == NULL) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	o->fd = fd;
	o->ref = 1;
	return o;
}

struct p9obj *
obj_ref(struct p9obj *o)
{
	if (o != NULL)
		o->ref++;
	return o;
}

void
obj_put(struct p9obj *o)
{
	if (o == NULL || --o->ref > 0)
		return;
	close(o->fd);
	free(o);
}

static struct fid **
bucket(struct p9conn *c, uint32_t num)
{
	return &c->fids[num & (P9SRV_FID_BUCKETS - 1)];
}

int
fid_lookup(struct p9conn *c, uint32_t num, struct fid **fp)
{
	struct fid *f;

	for (f = *bucket(c, num); f != NULL; f = f->next)
		if (f->num == num) {
			*fp = f;
			return 0;
		}
	return -EBADF;
}

/*
 * A new fid with no object yet.  NOFID is never a fid; a number in use is
 * refused (EINVAL, as QEMU does) and the existing fid is left alone.
 */
int
fid_create(struct p9conn *c, uint32_t num, struct fid **fp)
{
	struct fid *f, **b;

	if (num == P9_NOFID)
		return -EBADF;
	if (fid_lookup(c, num, &f) == 0)
		return -EINVAL;
	if (c->nfids >= c->maxfids)
		return -EMFILE;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -ENOMEM;
	f->num = num;
	f->kind = FID_PLAIN;
	f->ofd = -1;
	b = bucket(c, num);
	f->next = *b;
	*b = f;
	c->nfids++;
	*fp = f;
	return 0;
}

void
fid_close_open(struct fid *f)
{
	if (f->ofd >= 0)
		close(f->ofd);
	f->ofd = -1;
	f->oflags = 0;
	f->diroff = 0;
}

void
fid_destroy(struct p9conn *c, struct fid *f)
{
	struct fid **pp;

	for (pp = bucket(c, f->num); *pp != NULL; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	fid_close_open(f);
	obj_put(f->obj);
	obj_put(f->parent);
	if (f->kind == FID_XATTR_WRITE && c->nxattr > 0)
		c->nxattr--;
	free(f->name);
	free(f->xbuf);
	free(f->xname);
	free(f);
	c->nfids--;
}

void
fid_clunk_all(struct p9conn *c)
{
	unsigned i;

	for (i = 0; i < P9SRV_FID_BUCKETS; i++)
		while (c->fids[i] != NULL)
			fid_destroy(c, c->fids[i]);
}

/* ---- qids ------------------------------------------------------- */

static int
dev_index(struct p9conn *c, dev_t dev, unsigned *idx)
{
	struct devmap *d = &c->devs;
	dev_t *nd;
	unsigned i;

	for (i = 0; i < d->n; i++)
		if (d->dev[i] == dev) {
			*idx = i;
			return 0;
		}
	if (d->n >= QID_BIGINO_DEV)
		return -EOVERFLOW;
	if (d->n == d->cap) {
		if ((nd = reallocarray(d->dev, d->cap ? d->cap * 2 : 8,
		    sizeof(*nd))) == NULL)
			return -ENOMEM;
		d->dev = nd;
		d->cap = d->cap ? d->cap * 2 : 8;
	}
	d->dev[d->n] = dev;
	*idx = d->n++;
	return 0;
}

static size_t
ino_hash(dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * UINT64_C(0x9E3779B97F4A7C15) ^ (uint64_t)dev;

	return (size_t)(h ^ (h >> 29));
}

/* Inode numbers that do not fit in 48 bits get a sequence number. */
static int
bigino_id(struct p9conn *c, dev_t dev, ino_t ino, uint64_t *id)
{
	struct inomap *m = &c->inos;
	struct inomap_ent *ne, *e;
	size_t i, ncap;

	if (m->cap > 0)
		for (i = ino_hash(dev, ino) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
			e = &m->e[i];
			if (e->id == 0)
				break;
			if (e->dev == dev && e->ino == ino) {
				*id = e->id;
				return 0;
			}
		}
	if (m->n >= INOMAP_MAX)
		return -EOVERFLOW;	/* refuse rather than risk a collision */
	if ((m->n + 1) * 2 > m->cap) {
		ncap = m->cap ? m->cap * 2 : 64;
		if ((ne = calloc(ncap, sizeof(*ne))) == NULL)
			return -ENOMEM;
		for (i = 0; i < m->cap; i++) {
			size_t j;

			if (m->e[i].id == 0)
				continue;
			for (j = ino_hash(m->e[i].dev, m->e[i].ino) & (ncap - 1);
			    ne[j].id != 0; j = (j + 1) & (ncap - 1))
				;
			ne[j] = m->e[i];
		}
		free(m->e);
		m->e = ne;
		m->cap = ncap;
	}
	for (i = ino_hash(dev, ino) & (m->cap - 1); m->e[i].id != 0;
	    i = (i + 1) & (m->cap - 1))
		;
	m->e[i].dev = dev;
	m->e[i].ino = ino;
	m->e[i].id = ++m->n;	/* ids start at 1: 0 marks a free slot */
	*id = m->e[i].id;
	return 0;
}

/*
 * qid.path must differ for different files, and the export may span many
 * filesystems whose inode numbers collide.  The top 16 bits hold a small
 * index for st_dev (the export root's filesystem is 0, so its qids equal
 * its inode numbers); the low 48 bits hold the inode number.  Inode
 * numbers of 2^48 or more (overlayfs xino, some XFS) are numbered apart
 * under the reserved index 0xFFFF.  Unique by construction, never by
 * hashing; when a table is full the request fails with EOVERFLOW.
 */
static int
qid_make(struct p9conn *c, dev_t dev, ino_t ino, mode_t mode, struct p9_qid *q)
{
	unsigned idx;
	uint64_t id;
	int err;

	if ((uint64_t)ino <= QID_INO_MASK) {
		if ((err = dev_index(c, dev, &idx)) != 0)
			return err;
		q->path = (uint64_t)idx << QID_DEV_SHIFT | (uint64_t)ino;
	} else {
		if ((err = bigino_id(c, dev, ino, &id)) != 0)
			return err;
		q->path = (uint64_t)QID_BIGINO_DEV << QID_DEV_SHIFT | id;
	}
	q->type = S_ISDIR(mode) ? P9_QTDIR : S_ISLNK(mode) ? P9_QTSYMLINK :
	    P9_QTFILE;
	/* version 0: the kernel then never mistakes a changed file for a new
	 * inode; with cache=loose staleness is accepted anyway. */
	q->version = 0;
	return 0;
}

int
qid_from_stat(struct p9conn *c, const struct stat *st, struct p9_qid *q)
{
	return qid_make(c, st->st_dev, st->st_ino, st->st_mode, q);
}

int
qid_from_dirent(struct p9conn *c, dev_t dev, ino_t ino, mode_t mode,
    struct p9_qid *q)
{
	return qid_make(c, dev, ino, mode, q);
}

/* ---- names ------------------------------------------------------ */

/*
 * A name from the wire becomes a C string only here, after the one gate
 * (util.h): no "", ".", "..", '/' or NUL; and at most NAME_MAX bytes.
 */
int
name_from_wire(const struct p9_str *s, char buf[256])
{
	int err;

	if (s->len > 255)
		return -ENAMETOOLONG;
	if ((err = name_gate(s->s, s->len)) != 0)
		return err;
	memcpy(buf, s->s, s->len);
	buf[s->len] = '\0';
	return 0;
}

void
procfd_path(char buf[32], int fd)
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

int
is_root(const struct p9conn *c, const struct stat *st)
{
	return st->st_dev == c->rootst.st_dev && st->st_ino == c->rootst.st_ino;
}

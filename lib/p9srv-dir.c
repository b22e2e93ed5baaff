/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9srv-dir: Treaddir with the kernel's own directory cookies.
 *
 * The offset of each entry we send is the d_off getdents64 gave it, the
 * opaque position "after this entry" in the directory, so a later Treaddir
 * at that offset resumes exactly there: when it matches where the opened
 * directory descriptor already stands (the usual case: the kernel reads
 * on from the last offset) no lseek is needed at all; otherwise one lseek.
 * No per-call rereading (u-root rereads the whole directory each time) and
 * no per-fid listing in memory.  Each reply is filled as full as `count`
 * allows, an entry is never split, and a count too small for the next
 * entry is EINVAL, never a false end of directory.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "export.h"
#include "p9srv-int.h"

struct dent64 {
	uint64_t	d_ino;
	int64_t		d_off;
	unsigned short	d_reclen;
	unsigned char	d_type;
	char		d_name[];
};

static mode_t
dtype_mode(unsigned char t)
{
	switch (t) {
	case DT_DIR:	return S_IFDIR;
	case DT_LNK:	return S_IFLNK;
	default:	return S_IFREG;
	}
}

static void
put_entry(uint8_t *p, const struct p9_qid *q, uint64_t off, uint8_t type,
    const char *name, uint16_t len)
{
	p[0] = q->type;
	le_put32(p + 1, q->version);
	le_put64(p + 5, q->path);
	le_put64(p + 13, off);
	p[21] = type;
	le_put16(p + 22, len);
	memcpy(p + 24, name, len);
}

/* As rdev_to_wire() in p9srv-attr.c (new_decode_dev() on the kernel side). */
static uint64_t
dir_rdev_to_wire(dev_t d)
{
	uint64_t ma = major(d), mi = minor(d);

	return (mi & 0xff) | (ma << 8) | ((mi & ~UINT64_C(0xff)) << 12);
}

/*
 * Readdirplus: give conf->dirattr what op_getattr would answer for this
 * entry (p9srv-attr.c fills the same fields from the same fstat).  An
 * entry that changed between getdents and the stat (another inode now),
 * or that is a mount point (a walk there may be refused, see
 * crossing_allowed), is skipped: its walk then goes to the server.
 */
/* What op_getattr answers for st (p9srv-attr.c fills the same fields
 * from the same fstat). */
static int
attr_of_stat(struct p9conn *c, const struct stat *st, struct p9_attr *a)
{
	memset(a, 0, sizeof(*a));
	if (qid_from_stat(c, st, &a->qid) != 0)
		return -1;
	a->valid = P9_GETATTR_BASIC;
	a->mode = st->st_mode;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->nlink = st->st_nlink;
	a->rdev = dir_rdev_to_wire(st->st_rdev);
	a->size = (uint64_t)st->st_size;
	a->blksize = (uint64_t)st->st_blksize;
	a->blocks = (uint64_t)st->st_blocks;
	a->atime_sec = (uint64_t)st->st_atim.tv_sec;
	a->atime_nsec = (uint64_t)st->st_atim.tv_nsec;
	a->mtime_sec = (uint64_t)st->st_mtim.tv_sec;
	a->mtime_nsec = (uint64_t)st->st_mtim.tv_nsec;
	a->ctime_sec = (uint64_t)st->st_ctim.tv_sec;
	a->ctime_nsec = (uint64_t)st->st_ctim.tv_nsec;
	return 0;
}

/*
 * Readdirplus: give conf->dirattr what op_getattr would answer for this
 * entry.  An entry that changed between getdents and the stat (another
 * inode now), or that is a mount point (a walk there may be refused, see
 * crossing_allowed), is skipped: its walk then goes to the server.
 */
static void
entry_attr(struct p9conn *c, struct fid *f, const struct p9_qid *dirq,
    const struct dent64 *d, size_t namelen)
{
	char *target = NULL;
	struct p9_attr a;
	struct stat st;
	ssize_t tl = 0;

	if (d->d_name[0] == '.' && (namelen == 1 ||
	    (namelen == 2 && d->d_name[1] == '.')))
		return;
	if (fstatat(f->ofd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    st.st_dev != f->st.st_dev || st.st_ino != (ino_t)d->d_ino)
		return;
	if (S_ISLNK(st.st_mode)) {
		/* What op_readlink would answer; read before the stat that
		 * is sent (reading may set the link's atime). */
		target = c->linkbuf;
		if ((tl = readlinkat(f->ofd, d->d_name, target, sizeof(c->linkbuf))) <= 0 ||
		    (size_t)tl >= sizeof(c->linkbuf) ||
		    fstatat(f->ofd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    st.st_ino != (ino_t)d->d_ino || !S_ISLNK(st.st_mode)) {
			target = NULL;
			tl = 0;
		}
	}
	if (attr_of_stat(c, &st, &a) != 0)
		return;
	c->conf.dirattr(c->conf.dirattr_arg, dirq, d->d_name, namelen, &a,
	    target, (size_t)tl);
}

/*
 * Readdirplus for a walk: conf->dirattr for the name the walk reached
 * (in directory pst), with what Tgetattr and, for a link, Treadlink of
 * the new fid would answer, ahead of the Rwalk.  The kernel asks both
 * right after every lookup (doc/9p-proxy.md "Walks").
 */
void
walk_dirattr(struct p9conn *c, struct fid *nf, const struct stat *pst)
{
	struct p9_qid dq;
	struct p9_attr a;
	struct stat st;
	ssize_t tl = 0;

	if (c->conf.dirattr == NULL || qid_from_stat(c, pst, &dq) != 0)
		return;
	st = nf->st;
	if (S_ISLNK(st.st_mode)) {
		/* Read before the stat that is sent: it may set the atime. */
		if ((tl = readlinkat(nf->obj->fd, "", c->linkbuf, sizeof(c->linkbuf))) <= 0 ||
		    (size_t)tl >= sizeof(c->linkbuf) || fstat(nf->obj->fd, &st) != 0 ||
		    !S_ISLNK(st.st_mode))
			return;
	}
	if (attr_of_stat(c, &st, &a) != 0)
		return;
	c->conf.dirattr(c->conf.dirattr_arg, &dq, nf->name, strlen(nf->name), &a,
	    tl > 0 ? c->linkbuf : NULL, (size_t)tl);
}

/*
 * The export root's own attributes, as op_getattr of an attached fid
 * would answer, keyed as the entry "." of the root itself: the kernel
 * asks them right after each Tattach.
 */
int
p9conn_push_root_attrs(struct p9conn *c)
{
	struct p9_qid dq;
	struct p9_attr a;
	struct stat st;

	if (c->conf.dirattr == NULL)
		return 0;
	if (fstat(c->rootfd, &st) != 0)
		return -errno;
	if (qid_from_stat(c, &st, &dq) != 0 || attr_of_stat(c, &st, &a) != 0)
		return -EIO;
	c->conf.dirattr(c->conf.dirattr_arg, &dq, ".", 1, &a, NULL, 0);
	return 0;
}

/* Prepend "head/" to the unresolved rest of a path (in rest[sz]). */
static int
path_prepend(char *rest, size_t sz, const char *head, size_t hl)
{
	size_t rl = strlen(rest);

	if (hl + 1 + rl + 1 > sz)
		return -ENAMETOOLONG;
	memmove(rest + hl + 1, rest, rl + 1);
	memcpy(rest, head, hl);
	rest[hl] = '/';
	return 0;
}

/*
 * Readdirplus ahead of need: conf->dirattr for every component of path
 * as the kernel will look it up (doc/9p-proxy.md "Pushed attributes"):
 * from the export root, following symlinks the way a lookup under the
 * export root does (an absolute target starts again at the root, ".."
 * never climbs above it), at most 16 of them.  It stops quietly at the
 * first component that is missing, a mount point (see entry_attr), or
 * not a directory with more to come.
 */
int
p9conn_push_path_attrs(struct p9conn *c, const char *path)
{
	char rest[4096], name[256], target[4096];
	struct stat dst, st;
	struct p9_qid dq;
	struct p9_attr a;
	const char *p;
	size_t n;
	ssize_t tl;
	int dfd, nfd, links = 0, rc = 0, place = 0, np = 0;
	const struct export *ex = c->conf.export;

	if (c->conf.dirattr == NULL)
		return 0;
	if (ex != NULL)
		place = export_root_place(ex);
	if (strlen(path) >= sizeof(rest))
		return -ENAMETOOLONG;
	strcpy(rest, path);
	if ((dfd = dup(c->rootfd)) < 0)
		return -errno;
	dst = c->rootst;
	for (;;) {
		p = rest;
		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0)
			break;
		if (n >= sizeof(name)) {
			rc = -ENAMETOOLONG;
			break;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		p += n;
		memmove(rest, p, strlen(p) + 1);
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			/* The walk's own ".." rule; rare in a namespace: stop. */
			break;
		}
		if (ex != NULL && export_hidden_name(ex, &dst, name, n))
			break;		/* the walk goes to the server: ENOENT */
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			/* Missing: a lookup of it gets ENOENT; say so. */
			if (errno == ENOENT && qid_from_stat(c, &dst, &dq) == 0)
				c->conf.dirattr(c->conf.dirattr_arg, &dq, name, n,
				    NULL, NULL, 0);
			break;
		}
		if (st.st_dev != dst.st_dev)
			break;
		/* Never push what a walk would refuse (outside, hidden). */
		if (ex != NULL && (np = export_step(ex, place, &dst, name,
		    &st)) == EXPORT_OUTSIDE)
			break;
		tl = 0;
		if (S_ISLNK(st.st_mode)) {
			/* Read it before the stat that is sent: reading may
			 * set its atime, and the kernel's Treadlink follows. */
			if (++links > 16 ||
			    (tl = readlinkat(dfd, name, target, sizeof(target) - 1)) <= 0 ||
			    fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
			    !S_ISLNK(st.st_mode))
				break;
			target[tl] = '\0';
		}
		if (qid_from_stat(c, &dst, &dq) != 0 || attr_of_stat(c, &st, &a) != 0)
			break;
		c->conf.dirattr(c->conf.dirattr_arg, &dq, name, n, &a,
		    S_ISLNK(st.st_mode) ? target : NULL,
		    S_ISLNK(st.st_mode) ? (size_t)tl : 0);
		if (S_ISLNK(st.st_mode)) {
			if (path_prepend(rest, sizeof(rest), target, (size_t)tl) != 0)
				break;
			if (target[0] == '/') {
				close(dfd);
				if ((dfd = dup(c->rootfd)) < 0)
					return -errno;
				dst = c->rootst;
				if (ex != NULL)
					place = export_root_place(ex);
			}
			continue;
		}
		if (!S_ISDIR(st.st_mode))
			break;
		nfd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0)
			break;
		close(dfd);
		dfd = nfd;
		dst = st;
		place = np;
	}
	close(dfd);
	return rc;
}

/*
 * With an export policy: may this entry of directory f be listed?  In an
 * ancestor only the names leading to a tree; everywhere not a hidden name
 * and not a hidden object.  d_ino is only a candidate (a mount point's
 * d_ino is the covered directory's), so a hit is confirmed with fstatat
 * before the entry is dropped: a directory without rules costs hash
 * probes, no syscall.
 */
static int
entry_listed(struct p9conn *c, struct fid *f, const struct dent64 *d,
    size_t namelen)
{
	const struct export *ex = c->conf.export;
	struct stat st;

	if (d->d_name[0] == '.' && (namelen == 1 ||
	    (namelen == 2 && d->d_name[1] == '.')))
		return 1;
	if (!export_list_name(ex, f->place, &f->st, d->d_name, namelen))
		return 0;
	if (!export_hidden_ino(ex, f->st.st_dev, (ino_t)d->d_ino))
		return 1;
	if (fstatat(f->ofd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return 0;		/* gone or unreadable: not listed */
	return !export_hidden_obj(ex, &st);
}

int
op_readdir(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	struct fid *f;
	struct p9_qid q, dirq;
	uint8_t *p, *data;
	uint32_t count = t->u.io.count, used = 0;
	uint64_t pos;
	size_t want, namelen, esz;
	long n, i;
	int err, full = 0, eof = 0;

	if ((err = fid_lookup(c, t->u.io.fid, &f)) != 0)
		return err;
	if (f->kind != FID_PLAIN || f->ofd < 0)
		return -EBADF;
	if (!S_ISDIR(f->st.st_mode))
		return -ENOTDIR;
	if (t->u.io.offset > INT64_MAX)
		return -EINVAL;
	if (count > c->msize - 1 - P9_RREAD_HDR)
		count = c->msize - 1 - P9_RREAD_HDR;
	if (count < P9_DIRENT_FIXED + 1)
		return -EINVAL;		/* no entry can fit */
	if (c->dirbuf == NULL && (c->dirbuf = malloc(P9SRV_DIRBUF)) == NULL)
		return -ENOMEM;
	if (c->conf.dirattr != NULL &&
	    (err = qid_from_stat(c, &f->st, &dirq)) != 0)
		return err;
	if (t->u.io.offset != f->diroff) {
		if (lseek(f->ofd, (off_t)t->u.io.offset, SEEK_SET) < 0)
			return -errno;
		f->diroff = t->u.io.offset;
	}
	if ((err = buf_reserve(out, P9_RREAD_HDR + count, &p)) != 0)
		return err;
	data = p + P9_RREAD_HDR;
	pos = f->diroff;

	while (!full && count - used >= P9_DIRENT_FIXED + 1) {
		/* Ask for about as much as still fits, so few entries are
		 * read only to be given back by the lseek below. */
		want = count - used;
		if (want < 1024)
			want = 1024;
		if (want > P9SRV_DIRBUF)
			want = P9SRV_DIRBUF;
		n = syscall(SYS_getdents64, f->ofd, c->dirbuf, want);
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0) {
			eof = 1;
			break;			/* end of directory */
		}
		for (i = 0; i < n; ) {
			struct dent64 *d = (struct dent64 *)(c->dirbuf + i);

			i += d->d_reclen;
			namelen = strnlen(d->d_name, d->d_reclen -
			    offsetof(struct dent64, d_name));
			esz = p9_dirent_size(namelen);
			if (used + esz > count) {
				full = 1;
				break;
			}
			if (c->conf.export != NULL &&
			    !entry_listed(c, f, d, namelen)) {
				pos = (uint64_t)d->d_off;	/* skipped */
				continue;
			}
			if (namelen == 2 && memcmp(d->d_name, "..", 2) == 0 &&
			    is_root(c, &f->st))
				/* the root's ".." is the root (as in Twalk) */
				err = qid_from_stat(c, &c->rootst, &q);
			else
				err = qid_from_dirent(c, f->st.st_dev,
				    (ino_t)d->d_ino, dtype_mode(d->d_type), &q);
			if (err != 0) {
				full = 1;
				break;
			}
			put_entry(data + used, &q, (uint64_t)d->d_off,
			    d->d_type, d->d_name, (uint16_t)namelen);
			if (c->conf.dirattr != NULL)
				entry_attr(c, f, &dirq, d, namelen);
			used += esz;
			pos = (uint64_t)d->d_off;
		}
	}
	/* Entries read but not sent are given back: stand after the last
	 * one sent, which is also the offset the kernel will ask for next. */
	f->diroff = pos;
	if (full && lseek(f->ofd, (off_t)pos, SEEK_SET) < 0) {
		if (err == 0)
			err = -errno;
		f->diroff = UINT64_MAX;	/* unknown: the next call seeks */
	}
	if (used == 0 && (err != 0 || full))
		return err != 0 ? err : -EINVAL;
	/* Readdirplus: this reply ends the listing (name NULL, length 0). */
	if (eof && used > 0 && c->conf.dirattr != NULL)
		c->conf.dirattr(c->conf.dirattr_arg, &dirq, NULL, 0, NULL, NULL, 0);
	le_put32(p, P9_RREAD_HDR + used);
	p[4] = P9_RREADDIR;
	le_put16(p + 5, r->tag);
	le_put32(p + 7, used);
	buf_commit(out, P9_RREAD_HDR + used);
	return P9SRV_REPLIED;
}

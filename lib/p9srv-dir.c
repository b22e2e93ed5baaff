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
static void
entry_attr(struct p9conn *c, struct fid *f, const struct p9_qid *dirq,
    const struct dent64 *d, size_t namelen)
{
	struct p9_attr a;
	struct stat st;

	if (d->d_name[0] == '.' && (namelen == 1 ||
	    (namelen == 2 && d->d_name[1] == '.')))
		return;
	if (fstatat(f->ofd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    st.st_dev != f->st.st_dev || st.st_ino != (ino_t)d->d_ino)
		return;
	memset(&a, 0, sizeof(a));
	if (qid_from_stat(c, &st, &a.qid) != 0)
		return;
	a.valid = P9_GETATTR_BASIC;
	a.mode = st.st_mode;
	a.uid = st.st_uid;
	a.gid = st.st_gid;
	a.nlink = st.st_nlink;
	a.rdev = dir_rdev_to_wire(st.st_rdev);
	a.size = (uint64_t)st.st_size;
	a.blksize = (uint64_t)st.st_blksize;
	a.blocks = (uint64_t)st.st_blocks;
	a.atime_sec = (uint64_t)st.st_atim.tv_sec;
	a.atime_nsec = (uint64_t)st.st_atim.tv_nsec;
	a.mtime_sec = (uint64_t)st.st_mtim.tv_sec;
	a.mtime_nsec = (uint64_t)st.st_mtim.tv_nsec;
	a.ctime_sec = (uint64_t)st.st_ctim.tv_sec;
	a.ctime_nsec = (uint64_t)st.st_ctim.tv_nsec;
	c->conf.dirattr(c->conf.dirattr_arg, dirq, d->d_name, namelen, &a);
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
		c->conf.dirattr(c->conf.dirattr_arg, &dirq, NULL, 0, NULL);
	le_put32(p, P9_RREAD_HDR + used);
	p[4] = P9_RREADDIR;
	le_put16(p + 5, r->tag);
	le_put32(p + 7, used);
	buf_commit(out, P9_RREAD_HDR + used);
	return P9SRV_REPLIED;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9srv-attr: Tgetattr, Tsetattr, Tstatfs, Treadlink.
 *
 * Every call acts on the fid's own inode and never follows a symlink:
 * fstat/fstatfs/readlinkat on the O_PATH descriptor, fchownat and
 * utimensat with AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW, and chmod/truncate
 * through the /proc/self/fd magic link (which names the inode itself)
 * only after the type has been checked.  Set-id bits are never set.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "p9srv-int.h"

/* The kernel decodes st_rdev with new_decode_dev(): encode to match. */
static uint64_t
rdev_to_wire(dev_t d)
{
	uint64_t ma = major(d), mi = minor(d);

	return (mi & 0xff) | (ma << 8) | ((mi & ~UINT64_C(0xff)) << 12);
}

static int
plain_fid(struct p9conn *c, uint32_t num, struct fid **f)
{
	int err;

	if ((err = fid_lookup(c, num, f)) != 0)
		return err;
	return (*f)->kind == FID_PLAIN ? 0 : -EBADF;
}

/*
 * Linux sends Tgetattr right after almost every Twalk; the walk has just
 * taken the same stat, so that one is sent back without a syscall.
 */
int
op_getattr(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	struct p9_attr *a = &r->u.attr;
	struct fid *f;
	struct stat st;
	int err;

	if ((err = plain_fid(c, t->u.getattr.fid, &f)) != 0)
		return err;
	if (c->fresh && c->fresh_fid == f->num) {
		st = f->st;
	} else {
		if (fstat(f->obj->fd, &st) != 0)
			return -errno;
		f->st = st;
	}
	if ((err = qid_from_stat(c, &st, &a->qid)) != 0)
		return err;
	a->valid = P9_GETATTR_BASIC;
	a->mode = st.st_mode;
	a->uid = st.st_uid;
	a->gid = st.st_gid;
	a->nlink = st.st_nlink;
	a->rdev = rdev_to_wire(st.st_rdev);
	a->size = (uint64_t)st.st_size;
	a->blksize = (uint64_t)st.st_blksize;
	a->blocks = (uint64_t)st.st_blocks;
	a->atime_sec = (uint64_t)st.st_atim.tv_sec;
	a->atime_nsec = (uint64_t)st.st_atim.tv_nsec;
	a->mtime_sec = (uint64_t)st.st_mtim.tv_sec;
	a->mtime_nsec = (uint64_t)st.st_mtim.tv_nsec;
	a->ctime_sec = (uint64_t)st.st_ctim.tv_sec;
	a->ctime_nsec = (uint64_t)st.st_ctim.tv_nsec;
	return 0;
}

static int
set_time(struct timespec *ts, uint32_t valid, uint32_t bit, uint32_t setbit,
    uint64_t sec, uint64_t nsec)
{
	if (!(valid & bit)) {
		ts->tv_sec = 0;
		ts->tv_nsec = UTIME_OMIT;
	} else if (!(valid & setbit)) {
		ts->tv_sec = 0;
		ts->tv_nsec = UTIME_NOW;
	} else {
		if (nsec >= 1000000000 || sec > INT64_MAX)
			return -EINVAL;
		ts->tv_sec = (time_t)sec;
		ts->tv_nsec = (long)nsec;
	}
	return 0;
}

static int
set_size(struct fid *f, uint64_t size)
{
	char path[32];

	if (S_ISDIR(f->st.st_mode))
		return -EISDIR;
	if (!S_ISREG(f->st.st_mode))
		return -EINVAL;
	if (size > INT64_MAX)
		return -EFBIG;
	if (f->ofd >= 0 && (f->oflags & O_ACCMODE) != O_RDONLY)
		return ftruncate(f->ofd, (off_t)size) == 0 ? 0 : -errno;
	procfd_path(path, f->obj->fd);
	return truncate(path, (off_t)size) == 0 ? 0 : -errno;
}

/*
 * Tsetattr.  Mode: set-uid and set-gid are stripped (chmod 04755 gives
 * 0755); symlinks have no mode of their own (EOPNOTSUPP).  Ownership is
 * changed with the server's own credentials, so an ordinary user can only
 * do what chown(1) would let them.  ctime alone is ignored (the kernel
 * updates it with any change).
 */
int
op_setattr(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	const struct p9_iattr *a = &t->u.setattr.a;
	struct timespec ts[2];
	struct fid *f;
	char path[32];
	int fd, err;

	if ((err = plain_fid(c, t->u.setattr.fid, &f)) != 0)
		return err;
	fd = f->obj->fd;
	if ((err = set_time(&ts[0], a->valid, P9_SETATTR_ATIME,
	    P9_SETATTR_ATIME_SET, a->atime_sec, a->atime_nsec)) != 0 ||
	    (err = set_time(&ts[1], a->valid, P9_SETATTR_MTIME,
	    P9_SETATTR_MTIME_SET, a->mtime_sec, a->mtime_nsec)) != 0)
		return err;
	if (a->valid & P9_SETATTR_MODE) {
		if (S_ISLNK(f->st.st_mode))
			return -EOPNOTSUPP;
		procfd_path(path, fd);
		if (chmod(path, (mode_t)(a->mode & (0777 | S_ISVTX))) != 0)
			return -errno;
	}
	if (a->valid & (P9_SETATTR_UID | P9_SETATTR_GID)) {
		uid_t uid = (a->valid & P9_SETATTR_UID) ? (uid_t)a->uid : (uid_t)-1;
		gid_t gid = (a->valid & P9_SETATTR_GID) ? (gid_t)a->gid : (gid_t)-1;

		if (fchownat(fd, "", uid, gid,
		    AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0)
			return -errno;
	}
	if ((a->valid & P9_SETATTR_SIZE) && (err = set_size(f, a->size)) != 0)
		return err;
	if (a->valid & (P9_SETATTR_ATIME | P9_SETATTR_MTIME)) {
		if (utimensat(fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0)
			return -errno;
	}
	return 0;
}

int
op_statfs(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	struct p9_statfs *s = &r->u.statfs;
	struct statfs sf;
	struct fid *f;
	int err;

	if ((err = plain_fid(c, t->u.fid, &f)) != 0)
		return err;
	if (fstatfs(f->obj->fd, &sf) != 0)
		return -errno;
	s->type = (uint32_t)sf.f_type;
	s->bsize = (uint32_t)sf.f_bsize;
	s->blocks = sf.f_blocks;
	s->bfree = sf.f_bfree;
	s->bavail = sf.f_bavail;
	s->files = sf.f_files;
	s->ffree = sf.f_ffree;
	s->fsid = (uint64_t)(uint32_t)sf.f_fsid.__val[0] |
	    (uint64_t)(uint32_t)sf.f_fsid.__val[1] << 32;
	s->namelen = (uint32_t)sf.f_namelen;
	return 0;
}

/*
 * Treadlink returns the target byte for byte; the remote kernel resolves
 * it in the remote namespace.  The reply buffer lives in the connection's
 * scratch so the view stays valid until the reply is encoded.
 */
int
op_readlink(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	char *target = c->linkbuf;
	struct fid *f;
	ssize_t n;
	int err;

	if ((err = plain_fid(c, t->u.fid, &f)) != 0)
		return err;
	if (!S_ISLNK(f->st.st_mode))
		return -EINVAL;
	if ((n = readlinkat(f->obj->fd, "", target, sizeof(c->linkbuf))) < 0)
		return -errno;
	if ((size_t)n >= sizeof(c->linkbuf) ||
	    P9_HDRSZ + 2 + (size_t)n >= c->msize)
		return -ENAMETOOLONG;
	r->u.target.s = target;
	r->u.target.len = (uint16_t)n;
	return 0;
}

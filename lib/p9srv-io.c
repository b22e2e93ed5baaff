/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9srv-io: Tlopen, Tlcreate, Tread, Twrite, Tfsync.
 *
 * Only regular files and directories are ever opened.  A regular file is
 * reopened from its O_PATH descriptor through /proc/self/fd/N: the magic
 * link names exactly the inode the fid holds (its type cannot change), so
 * no path is resolved again.  FIFOs, sockets and device nodes are refused
 * with EACCES before anything could block or touch a device; symlinks with
 * ELOOP (they are never followed).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "p9srv-int.h"

/*
 * Tlopen/Tlcreate flags to open(2) flags.  Kept: access mode, O_TRUNC,
 * O_APPEND, O_SYNC, O_DSYNC.  Dropped: O_CREAT/O_EXCL (Tlcreate's
 * business), O_NOCTTY, O_NONBLOCK, O_ASYNC, O_DIRECT (our buffers are not
 * aligned), O_NOATIME (owner only), O_NOFOLLOW and O_DIRECTORY (the type
 * is checked here), O_CLOEXEC (always set).
 */
static int
open_flags(uint32_t f, int *out)
{
	int fl;

	switch (f & P9_DOTL_ACCMODE) {
	case P9_DOTL_RDONLY: fl = O_RDONLY; break;
	case P9_DOTL_WRONLY: fl = O_WRONLY; break;
	case P9_DOTL_RDWR:   fl = O_RDWR; break;
	default:	     return -EINVAL;
	}
	if (f & P9_DOTL_TRUNC)
		fl |= O_TRUNC;
	if (f & P9_DOTL_APPEND)
		fl |= O_APPEND;
	if (f & P9_DOTL_DSYNC)
		fl |= O_DSYNC;
	if (f & P9_DOTL_SYNC)
		fl |= O_SYNC;
	*out = fl | O_CLOEXEC | O_NOCTTY;
	return 0;
}

static int
writes(int fl)
{
	return (fl & O_ACCMODE) != O_RDONLY || (fl & O_TRUNC);
}

/* Open the regular file fd names, by inode. */
static int
reopen_regular(int fd, int fl)
{
	char path[32];
	int ofd;

	procfd_path(path, fd);
	if ((ofd = open(path, fl | O_NOCTTY)) < 0)
		return -errno;
	return ofd;
}

static int
refuse_special(struct p9conn *c, mode_t mode)
{
	if (S_ISLNK(mode))
		return -ELOOP;
	srv_log(c, "9p: remote tried to open a special file (mode 0%o); refused",
	    (unsigned)mode);
	return -EACCES;
}

int
op_lopen(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	struct fid *f;
	int fl, fd, err;

	if ((err = fid_lookup(c, t->u.lopen.fid, &f)) != 0)
		return err;
	if (f->kind != FID_PLAIN || f->ofd >= 0)
		return -EINVAL;
	if ((err = open_flags(t->u.lopen.flags, &fl)) != 0)
		return err;
	if (writes(fl) && srv_place_readonly(c, f->place))
		return -EROFS;
	if (S_ISDIR(f->st.st_mode)) {
		if (writes(fl))
			return -EISDIR;
		fl = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
		if ((fd = openat(f->obj->fd, ".", fl)) < 0)
			return -errno;
	} else if (S_ISREG(f->st.st_mode)) {
		if ((fd = reopen_regular(f->obj->fd, fl)) < 0)
			return fd;
	} else {
		return refuse_special(c, f->st.st_mode);
	}
	if ((err = qid_from_stat(c, &f->st, &r->u.ropen.qid)) != 0) {
		close(fd);
		return err;
	}
	f->ofd = fd;
	f->oflags = fl;
	f->diroff = 0;
	r->u.ropen.iounit = 0;	/* the kernel then uses msize - 24 */
	return 0;
}

/*
 * Create and open dir/name.  O_EXCL is always used, so an existing FIFO or
 * device is never opened by accident and a planted symlink is never
 * followed; when the client did not ask for O_EXCL and the name exists,
 * it is opened like Tlopen would (regular files only).  The mode loses
 * set-id and sticky bits; the group is the server user's (gid ignored).
 */
int
op_lcreate(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	struct fid *f;
	struct p9obj *o;
	struct stat st;
	char name[256], *nm;
	int fl, fd, pfd, dupfd, err;

	if ((err = fid_lookup(c, t->u.lcreate.fid, &f)) != 0)
		return err;
	if (f->kind != FID_PLAIN || f->ofd >= 0)
		return -EINVAL;
	if (!S_ISDIR(f->st.st_mode))
		return -ENOTDIR;
	if ((err = name_from_wire(&t->u.lcreate.name, name)) != 0)
		return err;
	if ((err = open_flags(t->u.lcreate.flags, &fl)) != 0)
		return err;
	fd = openat(f->obj->fd, name, fl | O_CREAT | O_EXCL | O_NOFOLLOW,
	    (mode_t)(t->u.lcreate.mode & 0777));
	if (fd < 0 && errno == EEXIST && !(t->u.lcreate.flags & P9_DOTL_EXCL)) {
		pfd = openat(f->obj->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (pfd < 0)
			return -errno;
		if (fstat(pfd, &st) != 0 || !S_ISREG(st.st_mode)) {
			close(pfd);
			return -EEXIST;
		}
		fd = reopen_regular(pfd, fl);
		close(pfd);
		if (fd < 0)
			return fd;
	} else if (fd < 0) {
		return -errno;
	}
	if (fstat(fd, &st) != 0)
		goto fail_errno;
	if ((err = qid_from_stat(c, &st, &r->u.ropen.qid)) != 0)
		goto fail;
	if ((dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0)
		goto fail_errno;
	if ((o = obj_new(dupfd)) == NULL)
		goto fail_errno;
	if ((nm = strdup(name)) == NULL) {
		obj_put(o);
		err = -ENOMEM;
		goto fail;
	}
	/* The fid now names the new file; the directory becomes its parent. */
	obj_put(f->parent);
	f->parent = f->obj;
	f->pplace = f->place;		/* a new name is in its directory's place */
	f->obj = o;
	free(f->name);
	f->name = nm;
	f->st = st;
	f->ofd = fd;
	f->oflags = fl;
	r->u.ropen.iounit = 0;
	return 0;
fail_errno:
	err = -errno;
fail:
	close(fd);
	return err;
}

/* Largest payload of an Rread/Rreaddir: the reply must stay below msize. */
static uint32_t
io_max(const struct p9conn *c)
{
	return c->msize - 1 - P9_RREAD_HDR;
}

/* Rread straight from the file into the reply buffer: one pread. */
int
op_read(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	struct fid *f;
	uint32_t count = t->u.io.count;
	uint8_t *p;
	ssize_t n;
	int err;

	if ((err = fid_lookup(c, t->u.io.fid, &f)) != 0)
		return err;
	if (f->kind == FID_XATTR_READ)
		return xattr_read(c, f, t, out);
	if (f->kind != FID_PLAIN || f->ofd < 0)
		return -EBADF;
	if (S_ISDIR(f->st.st_mode))
		return -EISDIR;
	if ((f->oflags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (t->u.io.offset > INT64_MAX)
		return -EINVAL;
	if (count > io_max(c))
		count = io_max(c);
	if ((err = buf_reserve(out, P9_RREAD_HDR + count, &p)) != 0)
		return err;
	do
		n = pread(f->ofd, p + P9_RREAD_HDR, count, (off_t)t->u.io.offset);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	le_put32(p, P9_RREAD_HDR + (uint32_t)n);
	p[4] = P9_RREAD;
	le_put16(p + 5, r->tag);
	le_put32(p + 7, (uint32_t)n);
	buf_commit(out, P9_RREAD_HDR + (size_t)n);
	return P9SRV_REPLIED;
}

/* Twrite straight from the request, all of it or an error.  A short
 * pwrite (the disk filled) is not answered with its count: Linux 6.12's
 * 9p client (netfs) sends the rest again at the start of the request's
 * range, over the bytes just written (t/k-faults.sh K4 read 4 KiB of a
 * later part of the file in their place).  So the rest is tried here;
 * its error (ENOSPC) is the answer, and the bytes written before it
 * stay, each at its own offset. */
int
op_write(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	struct fid *f;
	ssize_t n;
	size_t done = 0;
	int err;

	if ((err = fid_lookup(c, t->u.io.fid, &f)) != 0)
		return err;
	if (f->kind == FID_XATTR_WRITE)
		return xattr_write(c, f, t, r);
	if (f->kind != FID_PLAIN || f->ofd < 0)
		return -EBADF;
	if ((f->oflags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (srv_place_readonly(c, f->place))
		return -EROFS;
	if (t->u.io.offset > INT64_MAX ||
	    t->u.io.count > INT64_MAX - t->u.io.offset)
		return -EFBIG;
	/* With O_APPEND, Linux's pwrite appends whatever the offset. */
	while (done < t->u.io.count) {
		n = pwrite(f->ofd, t->u.io.data + done, t->u.io.count - done,
		    (off_t)(t->u.io.offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	r->u.rio.count = (uint32_t)done;
	return 0;
}

int
op_fsync(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	struct fid *f;
	int err;

	if ((err = fid_lookup(c, t->u.fsync.fid, &f)) != 0)
		return err;
	if (f->kind != FID_PLAIN || f->ofd < 0)
		return -EBADF;
	if ((t->u.fsync.datasync ? fdatasync(f->ofd) : fsync(f->ofd)) != 0)
		return -errno;
	return 0;
}

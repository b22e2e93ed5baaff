/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9srv-lock: Tlock and Tgetlock as open-file-description locks.
 *
 * The kernel client sends both fcntl() and flock() locks as Tlock on the
 * fid of the open file.  Classic POSIX locks would all belong to this one
 * server process, so two remote processes would never conflict; OFD locks
 * belong to the fid's own open file, so two remote opens conflict as they
 * would on a local filesystem.  The server never waits for a lock: a
 * conflicting request is answered P9_LOCK_BLOCKED and Linux retries.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>

#include "p9srv-int.h"

static int
to_flock(const struct p9_flock *l, struct flock *fl)
{
	memset(fl, 0, sizeof(*fl));
	switch (l->type) {
	case P9_LOCK_TYPE_RDLCK: fl->l_type = F_RDLCK; break;
	case P9_LOCK_TYPE_WRLCK: fl->l_type = F_WRLCK; break;
	case P9_LOCK_TYPE_UNLCK: fl->l_type = F_UNLCK; break;
	default:		 return -EINVAL;
	}
	if (l->start > INT64_MAX || l->length > INT64_MAX)
		return -EINVAL;
	fl->l_whence = SEEK_SET;
	fl->l_start = (off_t)l->start;
	fl->l_len = (off_t)l->length;	/* 0: to the end, as in 9P */
	return 0;
}

static int
open_fid(struct p9conn *c, uint32_t num, struct fid **f)
{
	int err;

	if ((err = fid_lookup(c, num, f)) != 0)
		return err;
	return (*f)->kind == FID_PLAIN && (*f)->ofd >= 0 ? 0 : -EBADF;
}

int
op_lock(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	struct flock fl;
	struct fid *f;
	int err;

	if ((err = open_fid(c, t->u.lock.fid, &f)) != 0 ||
	    (err = to_flock(&t->u.lock.l, &fl)) != 0)
		return err;
	if (fcntl(f->ofd, F_OFD_SETLK, &fl) == 0)
		r->u.lock_status = P9_LOCK_SUCCESS;
	else if (errno == EAGAIN || errno == EACCES)
		r->u.lock_status = P9_LOCK_BLOCKED;
	else
		return -errno;
	return 0;
}

int
op_getlock(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	struct p9_flock *g = &r->u.getlock;
	struct flock fl;
	struct fid *f;
	int err;

	if ((err = open_fid(c, t->u.lock.fid, &f)) != 0 ||
	    (err = to_flock(&t->u.lock.l, &fl)) != 0)
		return err;
	if (fcntl(f->ofd, F_OFD_GETLK, &fl) != 0)
		return -errno;
	*g = t->u.lock.l;	/* client_id is echoed */
	g->flags = 0;
	switch (fl.l_type) {
	case F_RDLCK: g->type = P9_LOCK_TYPE_RDLCK; break;
	case F_WRLCK: g->type = P9_LOCK_TYPE_WRLCK; break;
	default:      g->type = P9_LOCK_TYPE_UNLCK; break;
	}
	if (fl.l_type != F_UNLCK) {
		g->start = (uint64_t)fl.l_start;
		g->length = (uint64_t)fl.l_len;
		/* an OFD lock has no pid (-1); the holder is another open */
		g->proc_id = fl.l_pid > 0 ? (uint32_t)fl.l_pid : 0;
	}
	return 0;
}

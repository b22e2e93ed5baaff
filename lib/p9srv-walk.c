/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9srv-walk: Twalk, one component at a time, by descriptor.
 *
 * Each step is openat(dir, name, O_PATH|O_NOFOLLOW) on the previous
 * step's descriptor, so a symlink is never followed: as the last element
 * it is returned as a symlink (the remote kernel resolves it in its own
 * namespace), as an inner element the next openat fails with ENOTDIR.
 * ".." is handled here, before the name gate: at the export root it stays
 * at the root, and below the root the parent is accepted only if climbing
 * from it reaches the root (a directory moved out of the export by a
 * local process must not become a way out).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <unistd.h>

#include "export.h"
#include "p9srv-int.h"

#define DOTDOT_MAXDEPTH	4096

static int
is_dotdot(const struct p9_str *s)
{
	return s->len == 2 && s->s[0] == '.' && s->s[1] == '.';
}

/*
 * Is directory fd (with stat st) the export root or below it?  With an
 * export policy and place a tree, also: is it still below that tree's
 * root (a directory moved out of a tree by a local process must not
 * carry the tree's place to where it now is)?
 */
static int
beneath_root(struct p9conn *c, int fd, const struct stat *st, int place)
{
	struct stat cur = *st, up;
	int dir = fd, next, depth, ok = 0;
	int seen = c->conf.export == NULL || place < 0;

	for (depth = 0; depth < DOTDOT_MAXDEPTH; depth++) {
		if (!seen && export_tree_root(c->conf.export, place, &cur))
			seen = 1;
		if (is_root(c, &cur)) {
			ok = seen;
			break;
		}
		next = openat(dir, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dir != fd)
			close(dir);
		if (next < 0)
			return -errno;
		dir = next;
		if (fstat(dir, &up) != 0)
			break;
		if (up.st_dev == cur.st_dev && up.st_ino == cur.st_ino)
			break;		/* reached "/" without meeting the root */
		cur = up;
	}
	if (dir != fd)
		close(dir);
	return ok;
}

/* Step to "..": the parent, or the root itself when at the root.  With a
 * policy *place is the directory's place on entry, the parent's after. */
static int
walk_dotdot(struct p9conn *c, struct p9obj *cur, const struct stat *cst,
    int *nfd, struct stat *nst, int *place)
{
	int fd, r;

	if (is_root(c, cst)) {
		if ((fd = fcntl(cur->fd, F_DUPFD_CLOEXEC, 3)) < 0)
			return -errno;
		if (fstat(fd, nst) != 0) {
			r = -errno;
			close(fd);
			return r;
		}
		*nfd = fd;
		return 0;	/* the root's place stays */
	}
	if ((fd = openat(cur->fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(fd, nst) != 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (c->conf.export != NULL &&
	    (*place = export_step(c->conf.export, *place, cst, "..", nst)) ==
	    EXPORT_OUTSIDE) {
		close(fd);
		return -ENOENT;
	}
	if ((r = beneath_root(c, fd, nst, *place)) <= 0) {
		close(fd);
		if (r == 0)
			srv_log(c, "9p: refused a '..' walk that would leave "
			    "the export root");
		return r < 0 ? r : -ENOENT;
	}
	*nfd = fd;
	return 0;
}

/*
 * Crossing into another filesystem: refuse procfs and sysfs unless the
 * export root itself is on one.  Exporting / must not hand the remote the
 * client's /proc (its own process's mem, environ, fd/) or /sys.  Only
 * mount crossings pay for the fstatfs.
 */
static int
crossing_allowed(struct p9conn *c, int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) != 0)
		return -errno;
	if ((sf.f_type == PROC_SUPER_MAGIC || sf.f_type == SYSFS_MAGIC) &&
	    (long)sf.f_type != c->root_fstype) {
		srv_log(c, "9p: refused a walk into %s (not exported)",
		    sf.f_type == PROC_SUPER_MAGIC ? "procfs" : "sysfs");
		return -EACCES;
	}
	return 0;
}

static int
walk_one(struct p9conn *c, struct p9obj *cur, const struct stat *cst,
    const struct p9_str *wn, int *nfd, struct stat *nst)
{
	char name[256];
	int fd, err;

	if ((err = name_from_wire(wn, name)) != 0)
		return err;
	fd = openat(cur->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, nst) != 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (nst->st_dev != cst->st_dev && (err = crossing_allowed(c, fd)) != 0) {
		close(fd);
		return err;
	}
	*nfd = fd;
	return 0;
}

int
op_walk(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	const uint32_t newnum = t->u.walk.newfid;
	struct fid *f, *nf;
	struct p9obj *cur, *par, *o;
	struct stat st, nst, pst;
	char *name = NULL;
	const char *wname;
	char tmp[256];
	uint16_t i, n = t->u.walk.nwname;
	int fd = -1, err = 0, place, pplace, np = 0;

	if ((err = fid_lookup(c, t->u.walk.fid, &f)) != 0)
		return err;
	if (f->kind != FID_PLAIN)
		return -EBADF;
	if (newnum == f->num && f->ofd >= 0)
		return -EBUSY;		/* an opened fid cannot move */
	if (newnum != f->num && fid_lookup(c, newnum, &nf) == 0)
		return -EINVAL;		/* in use: leave it untouched */
	if (newnum == P9_NOFID)
		return -EBADF;

	cur = obj_ref(f->obj);
	par = obj_ref(f->parent);
	wname = f->name;
	st = f->st;
	pst = st;
	place = f->place;
	pplace = f->pplace;
	for (i = 0; i < n; i++) {
		const struct p9_str *wn = &t->u.walk.wname[i];

		np = place;
		if (is_dotdot(wn))
			err = walk_dotdot(c, cur, &st, &fd, &nst, &np);
		else
			err = walk_one(c, cur, &st, wn, &fd, &nst);
		if (err == 0 && c->conf.export != NULL && !is_dotdot(wn)) {
			/* wn passed name_gate (or is ".."): a C string */
			memcpy(tmp, wn->s, wn->len);
			tmp[wn->len] = '\0';
			np = export_step(c->conf.export, place, &st, tmp, &nst);
			if (np == EXPORT_OUTSIDE) {
				close(fd);
				err = -ENOENT;
			}
		}
		if (err == 0)
			err = qid_from_stat(c, &nst, &r->u.rwalk.wqid[i]);
		else
			fd = -1;
		if (err != 0 || (o = obj_new(fd)) == NULL) {
			if (err == 0)
				err = -ENOMEM;
			else if (fd >= 0)
				close(fd);
			break;
		}
		obj_put(par);
		if (is_dotdot(wn)) {
			par = NULL;	/* unknown: Tremove/Trename refuse */
			obj_put(cur);
			wname = NULL;
			pplace = EXPORT_OUTSIDE;
		} else {
			pplace = place;
			par = cur;
			memcpy(tmp, wn->s, wn->len);
			tmp[wn->len] = '\0';
			wname = tmp;
		}
		cur = o;
		pst = st;
		st = nst;
		place = np;
	}
	r->u.rwalk.nwqid = i;

	if (i < n) {
		/* Partial walk: Rwalk with the qids found, no new fid; a
		 * failing first element is an error. */
		obj_put(cur);
		obj_put(par);
		return i == 0 ? err : 0;
	}
	if (wname != NULL && (name = strdup(wname)) == NULL) {
		err = -ENOMEM;
		goto fail;
	}
	if (newnum == f->num) {
		nf = f;
		obj_put(nf->obj);
		obj_put(nf->parent);
		free(nf->name);
	} else if ((err = fid_create(c, newnum, &nf)) != 0) {
		goto fail;
	}
	nf->obj = cur;
	nf->parent = par;
	nf->name = name;
	nf->st = st;
	nf->place = place;
	nf->pplace = pplace;
	/* The stat is fresh only if this walk took it (a clone copies). */
	c->was_walk = n > 0;
	c->fresh_fid = newnum;
	if (n > 0 && par != NULL && name != NULL)
		walk_dirattr(c, nf, &pst);
	return 0;
fail:
	free(name);
	obj_put(cur);
	obj_put(par);
	return err;
}

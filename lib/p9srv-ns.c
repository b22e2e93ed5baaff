/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9srv-ns: requests that change names in directories.  Every name has
 * passed name_from_wire() and every call is relative to a directory fid's
 * descriptor.  Set-id bits are stripped from every mode; device nodes are
 * made only when the server runs as root (issue 3: FIFOs and sockets are
 * harmless on the client, a device node made by a remote root is not).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "p9srv-int.h"

static int
dir_fid(struct p9conn *c, uint32_t num, struct fid **f)
{
	int err;

	if ((err = fid_lookup(c, num, f)) != 0)
		return err;
	if ((*f)->kind != FID_PLAIN)
		return -EBADF;
	return S_ISDIR((*f)->st.st_mode) ? 0 : -ENOTDIR;
}

/* The qid of what was just made as dir/name (never followed). */
static int
made_qid(struct p9conn *c, int dfd, const char *name, struct p9_qid *q)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return -errno;
	return qid_from_stat(c, &st, q);
}

int
op_mkdir(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	struct fid *d;
	char name[256];
	int err;

	if ((err = dir_fid(c, t->u.mkdir.dfid, &d)) != 0 ||
	    (err = name_from_wire(&t->u.mkdir.name, name)) != 0)
		return err;
	if (mkdirat(d->obj->fd, name, (mode_t)(t->u.mkdir.mode & (0777 | S_ISVTX))) != 0)
		return -errno;
	return made_qid(c, d->obj->fd, name, &r->u.qid);
}

int
op_symlink(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	const struct p9_str *tg = &t->u.symlink.target;
	struct fid *d;
	char name[256], *target = c->linkbuf;
	int err;

	if ((err = dir_fid(c, t->u.symlink.fid, &d)) != 0 ||
	    (err = name_from_wire(&t->u.symlink.name, name)) != 0)
		return err;
	/* The target is stored, never resolved here; it only must be a
	 * C string the kernel would accept. */
	if (tg->len == 0)
		return -ENOENT;
	if (tg->len >= sizeof(c->linkbuf))
		return -ENAMETOOLONG;
	if (memchr(tg->s, '\0', tg->len) != NULL)
		return -EINVAL;
	memcpy(target, tg->s, tg->len);
	target[tg->len] = '\0';
	if (symlinkat(target, d->obj->fd, name) != 0)
		return -errno;
	return made_qid(c, d->obj->fd, name, &r->u.qid);
}

int
op_mknod(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	mode_t type = (mode_t)t->u.mknod.mode & S_IFMT;
	mode_t perm = (mode_t)t->u.mknod.mode & 0777;
	dev_t dev = 0;
	struct fid *d;
	char name[256];
	int err;

	if ((err = dir_fid(c, t->u.mknod.dfid, &d)) != 0 ||
	    (err = name_from_wire(&t->u.mknod.name, name)) != 0)
		return err;
	switch (type) {
	case 0:
	case S_IFREG:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	case S_IFCHR:
	case S_IFBLK:
		if (!c->am_root) {
			srv_log(c, "9p: refused to make a device node "
			    "(server not running as root)");
			return -EPERM;
		}
		dev = makedev(t->u.mknod.major, t->u.mknod.minor);
		break;
	default:
		return -EINVAL;
	}
	if (mknodat(d->obj->fd, name, type | perm, dev) != 0)
		return -errno;
	return made_qid(c, d->obj->fd, name, &r->u.qid);
}

/*
 * Tlink: the new name must point at the fid's own inode.  linkat() with
 * AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH, so the source is named by its
 * /proc/self/fd magic link; AT_SYMLINK_FOLLOW is what makes linkat use the
 * magic link at all, and it resolves to the fid's inode itself (a symlink
 * fid links the symlink, nothing behind it is followed).  Directories
 * cannot be linked (EPERM, as link(2)).
 */
int
op_link(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	struct fid *d, *s;
	char name[256], path[32];
	int err;

	if ((err = dir_fid(c, t->u.link.dfid, &d)) != 0 ||
	    (err = fid_lookup(c, t->u.link.fid, &s)) != 0 ||
	    (err = name_from_wire(&t->u.link.name, name)) != 0)
		return err;
	if (s->kind != FID_PLAIN)
		return -EBADF;
	if (S_ISDIR(s->st.st_mode))
		return -EPERM;
	procfd_path(path, s->obj->fd);
	if (linkat(AT_FDCWD, path, d->obj->fd, name, AT_SYMLINK_FOLLOW) != 0)
		return -errno;
	return 0;
}

int
op_renameat(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	struct fid *od, *nd;
	char on[256], nn[256];
	int err;

	if ((err = dir_fid(c, t->u.renameat.olddfid, &od)) != 0 ||
	    (err = dir_fid(c, t->u.renameat.newdfid, &nd)) != 0 ||
	    (err = name_from_wire(&t->u.renameat.oldname, on)) != 0 ||
	    (err = name_from_wire(&t->u.renameat.newname, nn)) != 0)
		return err;
	if (renameat(od->obj->fd, on, nd->obj->fd, nn) != 0)
		return -errno;
	return 0;
}

int
op_unlinkat(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	struct fid *d;
	char name[256];
	int err;

	if ((err = dir_fid(c, t->u.unlinkat.dfid, &d)) != 0 ||
	    (err = name_from_wire(&t->u.unlinkat.name, name)) != 0)
		return err;
	if (t->u.unlinkat.flags & ~(uint32_t)P9_DOTL_AT_REMOVEDIR)
		return -EINVAL;
	if (unlinkat(d->obj->fd, name, (t->u.unlinkat.flags &
	    P9_DOTL_AT_REMOVEDIR) ? AT_REMOVEDIR : 0) != 0)
		return -errno;
	return 0;
}

/*
 * The old by-fid requests (Linux sends them only when Trenameat and
 * Tunlinkat are refused) need the fid's directory and name.  Both were
 * recorded by the walk; they are used only while that name still names
 * the fid's inode, so a rename in between cannot redirect them.
 */
static int
fid_still_named(struct fid *f)
{
	struct stat a, b;

	if (f->parent == NULL || f->name == NULL)
		return -EINVAL;		/* the root, or reached by ".." */
	if (fstatat(f->parent->fd, f->name, &a, AT_SYMLINK_NOFOLLOW) != 0)
		return -errno;
	if (fstat(f->obj->fd, &b) != 0)
		return -errno;
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return -ESTALE;
	return 0;
}

int
op_rename(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	struct fid *f, *d;
	char nn[256], *nm;
	int err;

	if ((err = fid_lookup(c, t->u.rename.fid, &f)) != 0 ||
	    (err = dir_fid(c, t->u.rename.dfid, &d)) != 0 ||
	    (err = name_from_wire(&t->u.rename.name, nn)) != 0)
		return err;
	if (f->kind != FID_PLAIN)
		return -EBADF;
	if (is_root(c, &f->st))
		return -EBUSY;
	if ((err = fid_still_named(f)) != 0)
		return err;
	if ((nm = strdup(nn)) == NULL)
		return -ENOMEM;
	if (renameat(f->parent->fd, f->name, d->obj->fd, nn) != 0) {
		err = -errno;
		free(nm);
		return err;
	}
	obj_put(f->parent);
	f->parent = obj_ref(d->obj);
	f->pplace = d->place;
	free(f->name);
	f->name = nm;
	return 0;
}

/* Tremove clunks the fid whatever happens (the spec says so). */
int
op_remove(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	struct fid *f;
	int err;

	if ((err = fid_lookup(c, t->u.fid, &f)) != 0)
		return err;
	if (f->kind != FID_PLAIN)
		err = -EBADF;
	else if ((err = srv_export_remove(c, f)) != 0)
		;
	else if (is_root(c, &f->st))
		err = -EBUSY;
	else if ((err = fid_still_named(f)) == 0 &&
	    unlinkat(f->parent->fd, f->name,
	    S_ISDIR(f->st.st_mode) ? AT_REMOVEDIR : 0) != 0)
		err = -errno;
	fid_destroy(c, f);
	return err;
}

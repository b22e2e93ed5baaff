/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9srv-export: the export policy (lib/export.h) applied to requests.
 *
 * Each fid carries its place (a tree, an ancestor) from the walk that
 * made it, and the place of the directory it was walked from.  Before a
 * request reaches its handler, srv_export_gate() looks at the fids and
 * names it carries:
 *   - a fid whose place is outside the export or whose object is hidden
 *     cannot be used at all: ENOENT (a walk never makes one; this is
 *     defence in depth);
 *   - a modifying request through a read-only place: EROFS;
 *   - a name that is hidden, or names a hidden object: EACCES, so the
 *     remote can neither plant ~/.ssh/authorized_keys nor rename over or
 *     out of a hidden name;
 *   - a name that names the root of a read-only tree (unlinking or
 *     renaming it from a writable parent): EROFS.
 * Handlers still do their own checks (EBADF, ENOTDIR, name_gate) after
 * this; the gate lets anything it cannot judge through to them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "export.h"
#include "p9srv-int.h"
#include "util.h"

int
srv_place_readonly(const struct p9conn *c, int place)
{
	if (c->conf.readonly)
		return 1;
	return c->conf.export != NULL &&
	    export_place_readonly(c->conf.export, place);
}

/* The fid num, if it exists, must be reachable (and writable if asked). */
static int
gate_fid(struct p9conn *c, uint32_t num, int write, struct fid **fp)
{
	const struct export *ex = c->conf.export;
	struct fid *f;

	*fp = NULL;
	if (fid_lookup(c, num, &f) != 0 || f->obj == NULL)
		return 0;		/* the handler says EBADF */
	*fp = f;
	if (f->place == EXPORT_OUTSIDE || export_hidden_obj(ex, &f->st))
		return -ENOENT;
	if (write && export_place_readonly(ex, f->place))
		return -EROFS;
	return 0;
}

/* A name about to be created, removed, replaced or opened in dir d. */
static int
gate_name(struct p9conn *c, const struct fid *d, const struct p9_str *wn)
{
	const struct export *ex = c->conf.export;
	char name[256];
	struct stat st;
	int place;

	if (d == NULL || !S_ISDIR(d->st.st_mode) ||
	    name_from_wire(wn, name) != 0)
		return 0;		/* the handler refuses it */
	if (export_hidden_name(ex, &d->st, name, wn->len))
		return -EACCES;
	if (fstatat(d->obj->fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return 0;		/* a new name */
	if (export_hidden_obj(ex, &st))
		return -EACCES;
	place = export_step(ex, d->place, &d->st, name, &st);
	if (place == EXPORT_OUTSIDE)
		return -EACCES;
	if (export_place_readonly(ex, place))
		return -EROFS;		/* the root of a read-only tree */
	return 0;
}

static int
lopen_writes(uint32_t fl)
{
	return (fl & P9_DOTL_ACCMODE) != P9_DOTL_RDONLY ||
	    (fl & (P9_DOTL_TRUNC | P9_DOTL_APPEND)) != 0;
}

int
srv_export_gate(struct p9conn *c, const struct p9_msg *t)
{
	struct fid *a, *b;
	int err = 0;

	switch (t->type) {
	case P9_TWALK:
		return gate_fid(c, t->u.walk.fid, 0, &a);
	case P9_TLOPEN:
		return gate_fid(c, t->u.lopen.fid,
		    lopen_writes(t->u.lopen.flags), &a);
	case P9_TLCREATE:
		if ((err = gate_fid(c, t->u.lcreate.fid, 1, &a)) != 0)
			return err;
		return gate_name(c, a, &t->u.lcreate.name);
	case P9_TREAD:
	case P9_TREADDIR:
		return gate_fid(c, t->u.io.fid, 0, &a);
	case P9_TWRITE:
		return gate_fid(c, t->u.io.fid, 1, &a);
	case P9_TFSYNC:
		return gate_fid(c, t->u.fsync.fid, 0, &a);
	case P9_TGETATTR:
		return gate_fid(c, t->u.getattr.fid, 0, &a);
	case P9_TSETATTR:
		return gate_fid(c, t->u.setattr.fid, 1, &a);
	case P9_TSTATFS:
	case P9_TREADLINK:
		return gate_fid(c, t->u.fid, 0, &a);
	case P9_TXATTRWALK:
		return gate_fid(c, t->u.xattrwalk.fid, 0, &a);
	case P9_TXATTRCREATE:
		return gate_fid(c, t->u.xattrcreate.fid, 1, &a);
	case P9_TLOCK:
	case P9_TGETLOCK:
		return gate_fid(c, t->u.lock.fid, 0, &a);
	case P9_TMKDIR:
		if ((err = gate_fid(c, t->u.mkdir.dfid, 1, &a)) != 0)
			return err;
		return gate_name(c, a, &t->u.mkdir.name);
	case P9_TSYMLINK:
		if ((err = gate_fid(c, t->u.symlink.fid, 1, &a)) != 0)
			return err;
		return gate_name(c, a, &t->u.symlink.name);
	case P9_TMKNOD:
		if ((err = gate_fid(c, t->u.mknod.dfid, 1, &a)) != 0)
			return err;
		return gate_name(c, a, &t->u.mknod.name);
	case P9_TLINK:
		/* The source too: a link from a read-only tree into a
		 * writable one would make the object writable there. */
		if ((err = gate_fid(c, t->u.link.dfid, 1, &a)) != 0 ||
		    (err = gate_fid(c, t->u.link.fid, 1, &b)) != 0)
			return err;
		return gate_name(c, a, &t->u.link.name);
	case P9_TRENAMEAT:
		if ((err = gate_fid(c, t->u.renameat.olddfid, 1, &a)) != 0 ||
		    (err = gate_fid(c, t->u.renameat.newdfid, 1, &b)) != 0 ||
		    (err = gate_name(c, a, &t->u.renameat.oldname)) != 0)
			return err;
		return gate_name(c, b, &t->u.renameat.newname);
	case P9_TRENAME:
		if ((err = gate_fid(c, t->u.rename.fid, 1, &a)) != 0 ||
		    (err = gate_fid(c, t->u.rename.dfid, 1, &b)) != 0)
			return err;
		if (a != NULL && export_place_readonly(c->conf.export,
		    a->pplace))
			return -EROFS;	/* its directory */
		return gate_name(c, b, &t->u.rename.name);
	case P9_TUNLINKAT:
		if ((err = gate_fid(c, t->u.unlinkat.dfid, 1, &a)) != 0)
			return err;
		return gate_name(c, a, &t->u.unlinkat.name);
	default:
		/* Tversion, Tauth, Tattach, Tflush, Tclunk: no fid to judge;
		 * Tremove is judged by op_remove (it clunks whatever). */
		return 0;
	}
}

/* Tremove of fid f: its place and its directory's must be writable. */
int
srv_export_remove(struct p9conn *c, const struct fid *f)
{
	const struct export *ex = c->conf.export;

	if (ex == NULL)
		return c->conf.readonly ? -EROFS : 0;
	if (f->place == EXPORT_OUTSIDE || export_hidden_obj(ex, &f->st))
		return -ENOENT;
	if (srv_place_readonly(c, f->place) || srv_place_readonly(c, f->pplace))
		return -EROFS;
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9srv-xattr: Txattrwalk (read or list) and Txattrcreate (write on clunk).
 *
 * Extended attributes are read and written only on regular files and
 * directories, through the /proc/self/fd magic link after the type check
 * (the *xattr calls do not work on O_PATH descriptors).  security.* and
 * trusted.* are never written (EPERM): they carry file capabilities and
 * LSM labels, which a remote peer must not set on the client.  Reading
 * them is answered ENODATA at once, with no syscall: Linux asks for
 * security.capability before every write() with cache=loose, and that
 * probe should cost nothing.  Values are bounded by XATTR_SIZE_MAX and
 * pending writes per connection by P9SRV_XATTR_PENDING.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "p9srv-int.h"

static int
has_prefix(const char *s, const char *pfx)
{
	return strncmp(s, pfx, strlen(pfx)) == 0;
}

static int
protected_name(const char *name)
{
	return has_prefix(name, "security.") || has_prefix(name, "trusted.");
}

/* An attribute name as a C string: 1..255 bytes, no NUL ("" = list). */
static int
xattr_name(const struct p9_str *s, char buf[256], int allow_empty)
{
	if (s->len > 255)
		return -ERANGE;
	if (s->len == 0 && !allow_empty)
		return -EINVAL;
	if (memchr(s->s, '\0', s->len) != NULL)
		return -EINVAL;
	memcpy(buf, s->s, s->len);
	buf[s->len] = '\0';
	return 0;
}

int
op_xattrwalk(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	struct fid *f, *nf;
	char name[256], path[32];
	ssize_t n;
	uint8_t *val = NULL;
	int err;

	if ((err = fid_lookup(c, t->u.xattrwalk.fid, &f)) != 0)
		return err;
	if (f->kind != FID_PLAIN)
		return -EBADF;
	if (t->u.xattrwalk.newfid == f->num)
		return -EINVAL;
	if ((err = xattr_name(&t->u.xattrwalk.name, name, 1)) != 0)
		return err;
	if (name[0] != '\0' && protected_name(name))
		return -ENODATA;
	if (!S_ISREG(f->st.st_mode) && !S_ISDIR(f->st.st_mode)) {
		if (name[0] != '\0')
			return -ENODATA;
		n = 0;			/* the list is empty */
	} else {
		if (c->dirbuf == NULL &&
		    (c->dirbuf = malloc(P9SRV_DIRBUF)) == NULL)
			return -ENOMEM;
		procfd_path(path, f->obj->fd);
		if (name[0] == '\0')
			n = listxattr(path, (char *)c->dirbuf, P9SRV_XATTR_MAX);
		else
			n = getxattr(path, name, c->dirbuf, P9SRV_XATTR_MAX);
		if (n < 0)
			return errno == ERANGE ? -E2BIG : -errno;
	}
	if ((val = malloc(n > 0 ? (size_t)n : 1)) == NULL)
		return -ENOMEM;
	if (n > 0)
		memcpy(val, c->dirbuf, (size_t)n);
	if ((err = fid_create(c, t->u.xattrwalk.newfid, &nf)) != 0) {
		free(val);
		return err;
	}
	nf->kind = FID_XATTR_READ;
	nf->obj = obj_ref(f->obj);
	nf->st = f->st;
	nf->place = f->place;
	nf->pplace = f->pplace;
	nf->xbuf = val;
	nf->xsize = (uint64_t)n;
	r->u.xattr_size = (uint64_t)n;
	return 0;
}

int
xattr_read(struct p9conn *c, struct fid *f, const struct p9_msg *t,
    struct buf *out)
{
	uint64_t off = t->u.io.offset;
	uint32_t count = t->u.io.count, max = c->msize - 1 - P9_RREAD_HDR;
	uint8_t *p;
	int err;

	if (off > f->xsize)
		return -EINVAL;
	if (count > f->xsize - off)
		count = (uint32_t)(f->xsize - off);
	if (count > max)
		count = max;
	if ((err = buf_reserve(out, P9_RREAD_HDR + count, &p)) != 0)
		return err;
	le_put32(p, P9_RREAD_HDR + count);
	p[4] = P9_RREAD;
	le_put16(p + 5, t->tag);
	le_put32(p + 7, count);
	memcpy(p + P9_RREAD_HDR, f->xbuf + off, count);
	buf_commit(out, P9_RREAD_HDR + count);
	return P9SRV_REPLIED;
}

int
op_xattrcreate(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	uint64_t size = t->u.xattrcreate.size;
	uint32_t flags = t->u.xattrcreate.flags;
	struct fid *f;
	char name[256];
	int err;

	if ((err = fid_lookup(c, t->u.xattrcreate.fid, &f)) != 0)
		return err;
	if (f->kind != FID_PLAIN || f->ofd >= 0)
		return -EINVAL;
	if ((err = xattr_name(&t->u.xattrcreate.name, name, 0)) != 0)
		return err;
	if (protected_name(name)) {
		srv_log(c, "9p: refused to set a security./trusted. xattr");
		return -EPERM;
	}
	if (size > P9SRV_XATTR_MAX)
		return -E2BIG;
	if (flags & ~(uint32_t)(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	if (!S_ISREG(f->st.st_mode) && !S_ISDIR(f->st.st_mode))
		return -EPERM;
	if (c->nxattr >= P9SRV_XATTR_PENDING)
		return -ENOSPC;
	if ((f->xbuf = calloc(1, size ? (size_t)size : 1)) == NULL ||
	    (f->xname = strdup(name)) == NULL) {
		free(f->xbuf);
		f->xbuf = NULL;
		return -ENOMEM;
	}
	f->kind = FID_XATTR_WRITE;
	f->xsize = size;
	f->xlen = 0;
	f->xflags = (int)flags;
	c->nxattr++;
	return 0;
}

/* The value arrives in order; anything else is refused. */
int
xattr_write(struct p9conn *c, struct fid *f, const struct p9_msg *t,
    struct p9_msg *r)
{
	uint32_t count = t->u.io.count;

	if (t->u.io.offset != f->xlen || count > f->xsize - f->xlen)
		return -EINVAL;
	memcpy(f->xbuf + f->xlen, t->u.io.data, count);
	f->xlen += count;
	r->u.rio.count = count;
	return 0;
}

/*
 * At Tclunk.  A value shorter than declared is refused.  Size 0 with
 * XATTR_REPLACE is how Linux's removexattr() arrives.
 */
int
xattr_commit(struct p9conn *c, struct fid *f)
{
	char path[32];
	int r;

	if (f->xlen != f->xsize)
		return -EINVAL;
	procfd_path(path, f->obj->fd);
	if (f->xsize == 0 && (f->xflags & XATTR_REPLACE))
		r = removexattr(path, f->xname);
	else
		r = setxattr(path, f->xname, f->xbuf, f->xsize, f->xflags);
	return r == 0 ? 0 : -errno;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* p9: 9P2000.L message codec.  See p9.h. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "p9.h"

static const char *const type_names[256] = {
	[P9_TLERROR] = "Tlerror",	[P9_RLERROR] = "Rlerror",
	[P9_TSTATFS] = "Tstatfs",	[P9_RSTATFS] = "Rstatfs",
	[P9_TLOPEN] = "Tlopen",		[P9_RLOPEN] = "Rlopen",
	[P9_TLCREATE] = "Tlcreate",	[P9_RLCREATE] = "Rlcreate",
	[P9_TSYMLINK] = "Tsymlink",	[P9_RSYMLINK] = "Rsymlink",
	[P9_TMKNOD] = "Tmknod",		[P9_RMKNOD] = "Rmknod",
	[P9_TRENAME] = "Trename",	[P9_RRENAME] = "Rrename",
	[P9_TREADLINK] = "Treadlink",	[P9_RREADLINK] = "Rreadlink",
	[P9_TGETATTR] = "Tgetattr",	[P9_RGETATTR] = "Rgetattr",
	[P9_TSETATTR] = "Tsetattr",	[P9_RSETATTR] = "Rsetattr",
	[P9_TXATTRWALK] = "Txattrwalk",	[P9_RXATTRWALK] = "Rxattrwalk",
	[P9_TXATTRCREATE] = "Txattrcreate", [P9_RXATTRCREATE] = "Rxattrcreate",
	[P9_TREADDIR] = "Treaddir",	[P9_RREADDIR] = "Rreaddir",
	[P9_TFSYNC] = "Tfsync",		[P9_RFSYNC] = "Rfsync",
	[P9_TLOCK] = "Tlock",		[P9_RLOCK] = "Rlock",
	[P9_TGETLOCK] = "Tgetlock",	[P9_RGETLOCK] = "Rgetlock",
	[P9_TLINK] = "Tlink",		[P9_RLINK] = "Rlink",
	[P9_TMKDIR] = "Tmkdir",		[P9_RMKDIR] = "Rmkdir",
	[P9_TRENAMEAT] = "Trenameat",	[P9_RRENAMEAT] = "Rrenameat",
	[P9_TUNLINKAT] = "Tunlinkat",	[P9_RUNLINKAT] = "Runlinkat",
	[P9_TVERSION] = "Tversion",	[P9_RVERSION] = "Rversion",
	[P9_TAUTH] = "Tauth",		[P9_RAUTH] = "Rauth",
	[P9_TATTACH] = "Tattach",	[P9_RATTACH] = "Rattach",
	[P9_TFLUSH] = "Tflush",		[P9_RFLUSH] = "Rflush",
	[P9_TWALK] = "Twalk",		[P9_RWALK] = "Rwalk",
	[P9_TREAD] = "Tread",		[P9_RREAD] = "Rread",
	[P9_TWRITE] = "Twrite",		[P9_RWRITE] = "Rwrite",
	[P9_TCLUNK] = "Tclunk",		[P9_RCLUNK] = "Rclunk",
	[P9_TREMOVE] = "Tremove",	[P9_RREMOVE] = "Rremove",
};

int
p9_known_type(uint8_t type)
{
	/* Tlerror is defined but never sent: nobody may send it. */
	return type != P9_TLERROR && type_names[type] != NULL;
}

const char *
p9_type_name(uint8_t type)
{
	if (type_names[type] != NULL)
		return type_names[type];
	return (type & 1) ? "R?" : "T?";
}

/* ---- decoding ---------------------------------------------------- */

static void
get_str(struct rd *r, struct p9_str *s)
{
	s->s = rd_str16(r, &s->len);
	if (s->s == NULL)
		s->s = "";
}

static void
get_qid(struct rd *r, struct p9_qid *q)
{
	q->type = rd_u8(r);
	q->version = rd_u32(r);
	q->path = rd_u64(r);
}

static void
get_flock(struct rd *r, struct p9_flock *l, int with_flags)
{
	l->type = rd_u8(r);
	l->flags = with_flags ? rd_u32(r) : 0;
	l->start = rd_u64(r);
	l->length = rd_u64(r);
	l->proc_id = rd_u32(r);
	get_str(r, &l->client_id);
}

static void
get_attr(struct rd *r, struct p9_attr *a)
{
	a->valid = rd_u64(r);
	get_qid(r, &a->qid);
	a->mode = rd_u32(r);
	a->uid = rd_u32(r);
	a->gid = rd_u32(r);
	a->nlink = rd_u64(r);
	a->rdev = rd_u64(r);
	a->size = rd_u64(r);
	a->blksize = rd_u64(r);
	a->blocks = rd_u64(r);
	a->atime_sec = rd_u64(r);
	a->atime_nsec = rd_u64(r);
	a->mtime_sec = rd_u64(r);
	a->mtime_nsec = rd_u64(r);
	a->ctime_sec = rd_u64(r);
	a->ctime_nsec = rd_u64(r);
	a->btime_sec = rd_u64(r);
	a->btime_nsec = rd_u64(r);
	a->gen = rd_u64(r);
	a->data_version = rd_u64(r);
}

/* count[4] data[count]: the count must match what is there. */
static const uint8_t *
get_data(struct rd *r, uint32_t count)
{
	if (r->err == 0 && count > r->left) {
		rd_fail(r, -EINVAL);
		return NULL;
	}
	return rd_bytes(r, count);
}

static void
decode_body(struct rd *r, struct p9_msg *m)
{
	uint16_t i;

	switch (m->type) {
	case P9_TVERSION:
	case P9_RVERSION:
		m->u.version.msize = rd_u32(r);
		get_str(r, &m->u.version.version);
		break;
	case P9_TAUTH:
		m->u.attach.fid = P9_NOFID;
		m->u.attach.afid = rd_u32(r);
		get_str(r, &m->u.attach.uname);
		get_str(r, &m->u.attach.aname);
		m->u.attach.n_uname = rd_u32(r);
		break;
	case P9_TATTACH:
		m->u.attach.fid = rd_u32(r);
		m->u.attach.afid = rd_u32(r);
		get_str(r, &m->u.attach.uname);
		get_str(r, &m->u.attach.aname);
		m->u.attach.n_uname = rd_u32(r);
		break;
	case P9_RAUTH:
	case P9_RATTACH:
	case P9_RSYMLINK:
	case P9_RMKNOD:
	case P9_RMKDIR:
		get_qid(r, &m->u.qid);
		break;
	case P9_RLERROR:
		m->u.ecode = rd_u32(r);
		break;
	case P9_TFLUSH:
		m->u.oldtag = rd_u16(r);
		break;
	case P9_TWALK:
		m->u.walk.fid = rd_u32(r);
		m->u.walk.newfid = rd_u32(r);
		m->u.walk.nwname = rd_u16(r);
		if (m->u.walk.nwname > P9_MAXWELEM) {
			rd_fail(r, -EINVAL);
			break;
		}
		for (i = 0; i < m->u.walk.nwname; i++)
			get_str(r, &m->u.walk.wname[i]);
		break;
	case P9_RWALK:
		m->u.rwalk.nwqid = rd_u16(r);
		if (m->u.rwalk.nwqid > P9_MAXWELEM) {
			rd_fail(r, -EINVAL);
			break;
		}
		for (i = 0; i < m->u.rwalk.nwqid; i++)
			get_qid(r, &m->u.rwalk.wqid[i]);
		break;
	case P9_TREAD:
	case P9_TREADDIR:
		m->u.io.fid = rd_u32(r);
		m->u.io.offset = rd_u64(r);
		m->u.io.count = rd_u32(r);
		m->u.io.data = NULL;
		break;
	case P9_TWRITE:
		m->u.io.fid = rd_u32(r);
		m->u.io.offset = rd_u64(r);
		m->u.io.count = rd_u32(r);
		m->u.io.data = get_data(r, m->u.io.count);
		break;
	case P9_RREAD:
	case P9_RREADDIR:
		m->u.rio.count = rd_u32(r);
		m->u.rio.data = get_data(r, m->u.rio.count);
		break;
	case P9_RWRITE:
		m->u.rio.count = rd_u32(r);
		m->u.rio.data = NULL;
		break;
	case P9_TCLUNK:
	case P9_TREMOVE:
	case P9_TSTATFS:
	case P9_TREADLINK:
		m->u.fid = rd_u32(r);
		break;
	case P9_RSTATFS:
		m->u.statfs.type = rd_u32(r);
		m->u.statfs.bsize = rd_u32(r);
		m->u.statfs.blocks = rd_u64(r);
		m->u.statfs.bfree = rd_u64(r);
		m->u.statfs.bavail = rd_u64(r);
		m->u.statfs.files = rd_u64(r);
		m->u.statfs.ffree = rd_u64(r);
		m->u.statfs.fsid = rd_u64(r);
		m->u.statfs.namelen = rd_u32(r);
		break;
	case P9_TLOPEN:
		m->u.lopen.fid = rd_u32(r);
		m->u.lopen.flags = rd_u32(r);
		break;
	case P9_RLOPEN:
	case P9_RLCREATE:
		get_qid(r, &m->u.ropen.qid);
		m->u.ropen.iounit = rd_u32(r);
		break;
	case P9_TLCREATE:
		m->u.lcreate.fid = rd_u32(r);
		get_str(r, &m->u.lcreate.name);
		m->u.lcreate.flags = rd_u32(r);
		m->u.lcreate.mode = rd_u32(r);
		m->u.lcreate.gid = rd_u32(r);
		break;
	case P9_TSYMLINK:
		m->u.symlink.fid = rd_u32(r);
		get_str(r, &m->u.symlink.name);
		get_str(r, &m->u.symlink.target);
		m->u.symlink.gid = rd_u32(r);
		break;
	case P9_TMKNOD:
		m->u.mknod.dfid = rd_u32(r);
		get_str(r, &m->u.mknod.name);
		m->u.mknod.mode = rd_u32(r);
		m->u.mknod.major = rd_u32(r);
		m->u.mknod.minor = rd_u32(r);
		m->u.mknod.gid = rd_u32(r);
		break;
	case P9_TRENAME:
		m->u.rename.fid = rd_u32(r);
		m->u.rename.dfid = rd_u32(r);
		get_str(r, &m->u.rename.name);
		break;
	case P9_RREADLINK:
		get_str(r, &m->u.target);
		break;
	case P9_TGETATTR:
		m->u.getattr.fid = rd_u32(r);
		m->u.getattr.mask = rd_u64(r);
		break;
	case P9_RGETATTR:
		get_attr(r, &m->u.attr);
		break;
	case P9_TSETATTR:
		m->u.setattr.fid = rd_u32(r);
		m->u.setattr.a.valid = rd_u32(r);
		m->u.setattr.a.mode = rd_u32(r);
		m->u.setattr.a.uid = rd_u32(r);
		m->u.setattr.a.gid = rd_u32(r);
		m->u.setattr.a.size = rd_u64(r);
		m->u.setattr.a.atime_sec = rd_u64(r);
		m->u.setattr.a.atime_nsec = rd_u64(r);
		m->u.setattr.a.mtime_sec = rd_u64(r);
		m->u.setattr.a.mtime_nsec = rd_u64(r);
		break;
	case P9_TXATTRWALK:
		m->u.xattrwalk.fid = rd_u32(r);
		m->u.xattrwalk.newfid = rd_u32(r);
		get_str(r, &m->u.xattrwalk.name);
		break;
	case P9_RXATTRWALK:
		m->u.xattr_size = rd_u64(r);
		break;
	case P9_TXATTRCREATE:
		m->u.xattrcreate.fid = rd_u32(r);
		get_str(r, &m->u.xattrcreate.name);
		m->u.xattrcreate.size = rd_u64(r);
		m->u.xattrcreate.flags = rd_u32(r);
		break;
	case P9_TFSYNC:
		m->u.fsync.fid = rd_u32(r);
		m->u.fsync.datasync = rd_u32(r);
		break;
	case P9_TLOCK:
		m->u.lock.fid = rd_u32(r);
		get_flock(r, &m->u.lock.l, 1);
		break;
	case P9_TGETLOCK:
		m->u.lock.fid = rd_u32(r);
		get_flock(r, &m->u.lock.l, 0);
		break;
	case P9_RLOCK:
		m->u.lock_status = rd_u8(r);
		break;
	case P9_RGETLOCK:
		get_flock(r, &m->u.getlock, 0);
		break;
	case P9_TLINK:
		m->u.link.dfid = rd_u32(r);
		m->u.link.fid = rd_u32(r);
		get_str(r, &m->u.link.name);
		break;
	case P9_TMKDIR:
		m->u.mkdir.dfid = rd_u32(r);
		get_str(r, &m->u.mkdir.name);
		m->u.mkdir.mode = rd_u32(r);
		m->u.mkdir.gid = rd_u32(r);
		break;
	case P9_TRENAMEAT:
		m->u.renameat.olddfid = rd_u32(r);
		get_str(r, &m->u.renameat.oldname);
		m->u.renameat.newdfid = rd_u32(r);
		get_str(r, &m->u.renameat.newname);
		break;
	case P9_TUNLINKAT:
		m->u.unlinkat.dfid = rd_u32(r);
		get_str(r, &m->u.unlinkat.name);
		m->u.unlinkat.flags = rd_u32(r);
		break;
	case P9_RFLUSH:
	case P9_RCLUNK:
	case P9_RREMOVE:
	case P9_RRENAME:
	case P9_RSETATTR:
	case P9_RXATTRCREATE:
	case P9_RFSYNC:
	case P9_RLINK:
	case P9_RRENAMEAT:
	case P9_RUNLINKAT:
		break;
	default:
		rd_fail(r, -EOPNOTSUPP);
		break;
	}
}

int
p9_decode(const void *p, size_t len, struct p9_msg *m)
{
	struct rd r;
	uint32_t size;

	memset(m, 0, sizeof(*m));
	rd_init(&r, p, len);
	size = rd_u32(&r);
	m->type = rd_u8(&r);
	m->tag = rd_u16(&r);
	if (r.err != 0 || size != len)
		return -EPROTO;
	if (!p9_known_type(m->type))
		return -EOPNOTSUPP;
	decode_body(&r, m);
	return rd_end(&r);
}

int
p9_dirent_get(struct rd *r, struct p9_dirent *d)
{
	get_qid(r, &d->qid);
	d->offset = rd_u64(r);
	d->type = rd_u8(r);
	get_str(r, &d->name);
	return r->err;
}

/* ---- encoding ---------------------------------------------------- */

/*
 * Encoders chain buf_put_* calls; the first failure is remembered and the
 * message is cut back to where it began, so a failed encode leaves the
 * buffer as it was.
 */
struct enc {
	struct buf	*b;
	int		 err;
};

static void
put8(struct enc *e, uint8_t v)
{
	if (e->err == 0)
		e->err = buf_put_u8(e->b, v);
}

static void
put16(struct enc *e, uint16_t v)
{
	if (e->err == 0)
		e->err = buf_put_u16(e->b, v);
}

static void
put32(struct enc *e, uint32_t v)
{
	if (e->err == 0)
		e->err = buf_put_u32(e->b, v);
}

static void
put64(struct enc *e, uint64_t v)
{
	if (e->err == 0)
		e->err = buf_put_u64(e->b, v);
}

static void
putstr(struct enc *e, const struct p9_str *s)
{
	if (e->err == 0)
		e->err = buf_put_str16(e->b, s->s, s->len);
}

static void
putbytes(struct enc *e, const void *p, uint32_t n)
{
	put32(e, n);
	if (e->err == 0 && n > 0)
		e->err = buf_put(e->b, p, n);
}

static void
putqid(struct enc *e, const struct p9_qid *q)
{
	put8(e, q->type);
	put32(e, q->version);
	put64(e, q->path);
}

static void
putflock(struct enc *e, const struct p9_flock *l, int with_flags)
{
	put8(e, l->type);
	if (with_flags)
		put32(e, l->flags);
	put64(e, l->start);
	put64(e, l->length);
	put32(e, l->proc_id);
	putstr(e, &l->client_id);
}

static void
putattr(struct enc *e, const struct p9_attr *a)
{
	put64(e, a->valid);
	putqid(e, &a->qid);
	put32(e, a->mode);
	put32(e, a->uid);
	put32(e, a->gid);
	put64(e, a->nlink);
	put64(e, a->rdev);
	put64(e, a->size);
	put64(e, a->blksize);
	put64(e, a->blocks);
	put64(e, a->atime_sec);
	put64(e, a->atime_nsec);
	put64(e, a->mtime_sec);
	put64(e, a->mtime_nsec);
	put64(e, a->ctime_sec);
	put64(e, a->ctime_nsec);
	put64(e, a->btime_sec);
	put64(e, a->btime_nsec);
	put64(e, a->gen);
	put64(e, a->data_version);
}

static void
encode_body(struct enc *e, const struct p9_msg *m)
{
	uint16_t i;

	switch (m->type) {
	case P9_TVERSION:
	case P9_RVERSION:
		put32(e, m->u.version.msize);
		putstr(e, &m->u.version.version);
		break;
	case P9_TAUTH:
	case P9_TATTACH:
		if (m->type == P9_TATTACH)
			put32(e, m->u.attach.fid);
		put32(e, m->u.attach.afid);
		putstr(e, &m->u.attach.uname);
		putstr(e, &m->u.attach.aname);
		put32(e, m->u.attach.n_uname);
		break;
	case P9_RAUTH:
	case P9_RATTACH:
	case P9_RSYMLINK:
	case P9_RMKNOD:
	case P9_RMKDIR:
		putqid(e, &m->u.qid);
		break;
	case P9_RLERROR:
		put32(e, m->u.ecode);
		break;
	case P9_TFLUSH:
		put16(e, m->u.oldtag);
		break;
	case P9_TWALK:
		if (m->u.walk.nwname > P9_MAXWELEM) {
			e->err = -EINVAL;
			break;
		}
		put32(e, m->u.walk.fid);
		put32(e, m->u.walk.newfid);
		put16(e, m->u.walk.nwname);
		for (i = 0; i < m->u.walk.nwname; i++)
			putstr(e, &m->u.walk.wname[i]);
		break;
	case P9_RWALK:
		if (m->u.rwalk.nwqid > P9_MAXWELEM) {
			e->err = -EINVAL;
			break;
		}
		put16(e, m->u.rwalk.nwqid);
		for (i = 0; i < m->u.rwalk.nwqid; i++)
			putqid(e, &m->u.rwalk.wqid[i]);
		break;
	case P9_TREAD:
	case P9_TREADDIR:
		put32(e, m->u.io.fid);
		put64(e, m->u.io.offset);
		put32(e, m->u.io.count);
		break;
	case P9_TWRITE:
		put32(e, m->u.io.fid);
		put64(e, m->u.io.offset);
		putbytes(e, m->u.io.data, m->u.io.count);
		break;
	case P9_RREAD:
	case P9_RREADDIR:
		putbytes(e, m->u.rio.data, m->u.rio.count);
		break;
	case P9_RWRITE:
		put32(e, m->u.rio.count);
		break;
	case P9_TCLUNK:
	case P9_TREMOVE:
	case P9_TSTATFS:
	case P9_TREADLINK:
		put32(e, m->u.fid);
		break;
	case P9_RSTATFS:
		put32(e, m->u.statfs.type);
		put32(e, m->u.statfs.bsize);
		put64(e, m->u.statfs.blocks);
		put64(e, m->u.statfs.bfree);
		put64(e, m->u.statfs.bavail);
		put64(e, m->u.statfs.files);
		put64(e, m->u.statfs.ffree);
		put64(e, m->u.statfs.fsid);
		put32(e, m->u.statfs.namelen);
		break;
	case P9_TLOPEN:
		put32(e, m->u.lopen.fid);
		put32(e, m->u.lopen.flags);
		break;
	case P9_RLOPEN:
	case P9_RLCREATE:
		putqid(e, &m->u.ropen.qid);
		put32(e, m->u.ropen.iounit);
		break;
	case P9_TLCREATE:
		put32(e, m->u.lcreate.fid);
		putstr(e, &m->u.lcreate.name);
		put32(e, m->u.lcreate.flags);
		put32(e, m->u.lcreate.mode);
		put32(e, m->u.lcreate.gid);
		break;
	case P9_TSYMLINK:
		put32(e, m->u.symlink.fid);
		putstr(e, &m->u.symlink.name);
		putstr(e, &m->u.symlink.target);
		put32(e, m->u.symlink.gid);
		break;
	case P9_TMKNOD:
		put32(e, m->u.mknod.dfid);
		putstr(e, &m->u.mknod.name);
		put32(e, m->u.mknod.mode);
		put32(e, m->u.mknod.major);
		put32(e, m->u.mknod.minor);
		put32(e, m->u.mknod.gid);
		break;
	case P9_TRENAME:
		put32(e, m->u.rename.fid);
		put32(e, m->u.rename.dfid);
		putstr(e, &m->u.rename.name);
		break;
	case P9_RREADLINK:
		putstr(e, &m->u.target);
		break;
	case P9_TGETATTR:
		put32(e, m->u.getattr.fid);
		put64(e, m->u.getattr.mask);
		break;
	case P9_RGETATTR:
		putattr(e, &m->u.attr);
		break;
	case P9_TSETATTR:
		put32(e, m->u.setattr.fid);
		put32(e, m->u.setattr.a.valid);
		put32(e, m->u.setattr.a.mode);
		put32(e, m->u.setattr.a.uid);
		put32(e, m->u.setattr.a.gid);
		put64(e, m->u.setattr.a.size);
		put64(e, m->u.setattr.a.atime_sec);
		put64(e, m->u.setattr.a.atime_nsec);
		put64(e, m->u.setattr.a.mtime_sec);
		put64(e, m->u.setattr.a.mtime_nsec);
		break;
	case P9_TXATTRWALK:
		put32(e, m->u.xattrwalk.fid);
		put32(e, m->u.xattrwalk.newfid);
		putstr(e, &m->u.xattrwalk.name);
		break;
	case P9_RXATTRWALK:
		put64(e, m->u.xattr_size);
		break;
	case P9_TXATTRCREATE:
		put32(e, m->u.xattrcreate.fid);
		putstr(e, &m->u.xattrcreate.name);
		put64(e, m->u.xattrcreate.size);
		put32(e, m->u.xattrcreate.flags);
		break;
	case P9_TFSYNC:
		put32(e, m->u.fsync.fid);
		put32(e, m->u.fsync.datasync);
		break;
	case P9_TLOCK:
	case P9_TGETLOCK:
		put32(e, m->u.lock.fid);
		putflock(e, &m->u.lock.l, m->type == P9_TLOCK);
		break;
	case P9_RLOCK:
		put8(e, m->u.lock_status);
		break;
	case P9_RGETLOCK:
		putflock(e, &m->u.getlock, 0);
		break;
	case P9_TLINK:
		put32(e, m->u.link.dfid);
		put32(e, m->u.link.fid);
		putstr(e, &m->u.link.name);
		break;
	case P9_TMKDIR:
		put32(e, m->u.mkdir.dfid);
		putstr(e, &m->u.mkdir.name);
		put32(e, m->u.mkdir.mode);
		put32(e, m->u.mkdir.gid);
		break;
	case P9_TRENAMEAT:
		put32(e, m->u.renameat.olddfid);
		putstr(e, &m->u.renameat.oldname);
		put32(e, m->u.renameat.newdfid);
		putstr(e, &m->u.renameat.newname);
		break;
	case P9_TUNLINKAT:
		put32(e, m->u.unlinkat.dfid);
		putstr(e, &m->u.unlinkat.name);
		put32(e, m->u.unlinkat.flags);
		break;
	case P9_RFLUSH:
	case P9_RCLUNK:
	case P9_RREMOVE:
	case P9_RRENAME:
	case P9_RSETATTR:
	case P9_RXATTRCREATE:
	case P9_RFSYNC:
	case P9_RLINK:
	case P9_RRENAMEAT:
	case P9_RUNLINKAT:
		break;
	default:
		e->err = -EINVAL;
		break;
	}
}

int
p9_encode(struct buf *out, const struct p9_msg *m)
{
	struct enc e = { out, 0 };
	size_t start = buf_len(out), size;
	uint8_t *p;

	if (!p9_known_type(m->type))
		return -EINVAL;
	put32(&e, 0);		/* size, patched below */
	put8(&e, m->type);
	put16(&e, m->tag);
	encode_body(&e, m);
	if (e.err == 0) {
		size = buf_len(out) - start;
		if (size > UINT32_MAX)
			e.err = -EMSGSIZE;
		else if ((p = buf_mutable(out, start, 4)) != NULL)
			le_put32(p, (uint32_t)size);
	}
	if (e.err != 0)
		buf_truncate(out, start);
	return e.err;
}

int
p9_dirent_put(struct buf *b, const struct p9_dirent *d)
{
	struct enc e = { b, 0 };
	size_t start = buf_len(b);

	putqid(&e, &d->qid);
	put64(&e, d->offset);
	put8(&e, d->type);
	putstr(&e, &d->name);
	if (e.err != 0)
		buf_truncate(b, start);
	return e.err;
}

/* ---- trace lines ------------------------------------------------- */

struct line {
	char	*p;
	size_t	 sz, len;
};

static void __attribute__((format(printf, 2, 3)))
add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len >= l->sz)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->p + l->len, l->sz - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n < l->sz - l->len ? (size_t)n : l->sz - l->len - 1;
}

static void
addstr(struct line *l, const char *key, const struct p9_str *s)
{
	char esc[160];

	log_escape(esc, sizeof(esc), s->s, s->len);
	if (key[0] != '\0')
		add(l, " %s '%s'", key, esc);
	else
		add(l, " '%s'", esc);
}

static void
addqid(struct line *l, const struct p9_qid *q)
{
	add(l, " (%02x %x %llx)", q->type, q->version, (unsigned long long)q->path);
}

char *
p9_format(char *dst, size_t dstsz, const struct p9_msg *m)
{
	struct line l = { dst, dstsz, 0 };
	uint16_t i;

	if (dstsz == 0)
		return dst;
	dst[0] = '\0';
	add(&l, "%s tag %u", p9_type_name(m->type), m->tag);
	switch (m->type) {
	case P9_TVERSION:
	case P9_RVERSION:
		add(&l, " msize %u", m->u.version.msize);
		addstr(&l, "version", &m->u.version.version);
		break;
	case P9_TAUTH:
	case P9_TATTACH:
		add(&l, " fid %u afid %d n_uname %u", m->u.attach.fid,
		    (int)m->u.attach.afid, m->u.attach.n_uname);
		addstr(&l, "uname", &m->u.attach.uname);
		addstr(&l, "aname", &m->u.attach.aname);
		break;
	case P9_RAUTH:
	case P9_RATTACH:
	case P9_RSYMLINK:
	case P9_RMKNOD:
	case P9_RMKDIR:
		addqid(&l, &m->u.qid);
		break;
	case P9_RLERROR:
		add(&l, " ecode %u (%s)", m->u.ecode, strerror((int)m->u.ecode));
		break;
	case P9_TFLUSH:
		add(&l, " oldtag %u", m->u.oldtag);
		break;
	case P9_TWALK:
		add(&l, " fid %u newfid %u", m->u.walk.fid, m->u.walk.newfid);
		for (i = 0; i < m->u.walk.nwname; i++)
			addstr(&l, "", &m->u.walk.wname[i]);
		break;
	case P9_RWALK:
		add(&l, " nwqid %u", m->u.rwalk.nwqid);
		for (i = 0; i < m->u.rwalk.nwqid; i++)
			addqid(&l, &m->u.rwalk.wqid[i]);
		break;
	case P9_TREAD:
	case P9_TWRITE:
	case P9_TREADDIR:
		add(&l, " fid %u offset %llu count %u", m->u.io.fid,
		    (unsigned long long)m->u.io.offset, m->u.io.count);
		break;
	case P9_RREAD:
	case P9_RWRITE:
	case P9_RREADDIR:
		add(&l, " count %u", m->u.rio.count);
		break;
	case P9_TCLUNK:
	case P9_TREMOVE:
	case P9_TSTATFS:
	case P9_TREADLINK:
		add(&l, " fid %u", m->u.fid);
		break;
	case P9_TLOPEN:
		add(&l, " fid %u flags 0%o", m->u.lopen.fid, m->u.lopen.flags);
		break;
	case P9_RLOPEN:
	case P9_RLCREATE:
		addqid(&l, &m->u.ropen.qid);
		add(&l, " iounit %u", m->u.ropen.iounit);
		break;
	case P9_TLCREATE:
		add(&l, " fid %u", m->u.lcreate.fid);
		addstr(&l, "name", &m->u.lcreate.name);
		add(&l, " flags 0%o mode 0%o", m->u.lcreate.flags, m->u.lcreate.mode);
		break;
	case P9_TSYMLINK:
		add(&l, " fid %u", m->u.symlink.fid);
		addstr(&l, "name", &m->u.symlink.name);
		addstr(&l, "target", &m->u.symlink.target);
		break;
	case P9_TMKNOD:
		add(&l, " dfid %u", m->u.mknod.dfid);
		addstr(&l, "name", &m->u.mknod.name);
		add(&l, " mode 0%o %u:%u", m->u.mknod.mode, m->u.mknod.major,
		    m->u.mknod.minor);
		break;
	case P9_TRENAME:
		add(&l, " fid %u dfid %u", m->u.rename.fid, m->u.rename.dfid);
		addstr(&l, "name", &m->u.rename.name);
		break;
	case P9_RREADLINK:
		addstr(&l, "target", &m->u.target);
		break;
	case P9_TGETATTR:
		add(&l, " fid %u mask %llx", m->u.getattr.fid,
		    (unsigned long long)m->u.getattr.mask);
		break;
	case P9_RGETATTR:
		addqid(&l, &m->u.attr.qid);
		add(&l, " mode 0%o size %llu", m->u.attr.mode,
		    (unsigned long long)m->u.attr.size);
		break;
	case P9_TSETATTR:
		add(&l, " fid %u valid %x mode 0%o size %llu", m->u.setattr.fid,
		    m->u.setattr.a.valid, m->u.setattr.a.mode,
		    (unsigned long long)m->u.setattr.a.size);
		break;
	case P9_TXATTRWALK:
		add(&l, " fid %u newfid %u", m->u.xattrwalk.fid,
		    m->u.xattrwalk.newfid);
		addstr(&l, "name", &m->u.xattrwalk.name);
		break;
	case P9_RXATTRWALK:
		add(&l, " size %llu", (unsigned long long)m->u.xattr_size);
		break;
	case P9_TXATTRCREATE:
		add(&l, " fid %u", m->u.xattrcreate.fid);
		addstr(&l, "name", &m->u.xattrcreate.name);
		add(&l, " size %llu flags %u",
		    (unsigned long long)m->u.xattrcreate.size,
		    m->u.xattrcreate.flags);
		break;
	case P9_TFSYNC:
		add(&l, " fid %u", m->u.fsync.fid);
		break;
	case P9_TLOCK:
	case P9_TGETLOCK:
		add(&l, " fid %u type %u start %llu length %llu", m->u.lock.fid,
		    m->u.lock.l.type, (unsigned long long)m->u.lock.l.start,
		    (unsigned long long)m->u.lock.l.length);
		break;
	case P9_RLOCK:
		add(&l, " status %u", m->u.lock_status);
		break;
	case P9_TLINK:
		add(&l, " dfid %u fid %u", m->u.link.dfid, m->u.link.fid);
		addstr(&l, "name", &m->u.link.name);
		break;
	case P9_TMKDIR:
		add(&l, " dfid %u", m->u.mkdir.dfid);
		addstr(&l, "name", &m->u.mkdir.name);
		add(&l, " mode 0%o", m->u.mkdir.mode);
		break;
	case P9_TRENAMEAT:
		add(&l, " olddfid %u", m->u.renameat.olddfid);
		addstr(&l, "old", &m->u.renameat.oldname);
		add(&l, " newdfid %u", m->u.renameat.newdfid);
		addstr(&l, "new", &m->u.renameat.newname);
		break;
	case P9_TUNLINKAT:
		add(&l, " dfid %u", m->u.unlinkat.dfid);
		addstr(&l, "name", &m->u.unlinkat.name);
		add(&l, " flags %x", m->u.unlinkat.flags);
		break;
	default:
		break;
	}
	return dst;
}

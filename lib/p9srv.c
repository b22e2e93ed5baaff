/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9srv: framing, dispatch and the protocol invariants of the 9P server.
 * Every reply is produced by handle(), and only there: one reply per
 * request, with the request's tag, never as large as msize.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "export.h"
#include "p9.h"
#include "log.h"
#include "p9srv.h"
#include "p9srv-int.h"
#include "proto.h"

static p9srv_op op_version, op_auth, op_attach, op_flush, op_clunk;

/*
 * The dispatch table.  `writes` marks requests that change the export:
 * a read-only server refuses them here with EROFS (Tlopen and Twrite
 * decide for themselves, since only some of their forms write).
 */
static const struct {
	p9srv_op	*fn;
	int		 writes;
} handlers[256] = {
	[P9_TVERSION]	  = { op_version, 0 },
	[P9_TAUTH]	  = { op_auth, 0 },
	[P9_TATTACH]	  = { op_attach, 0 },
	[P9_TFLUSH]	  = { op_flush, 0 },
	[P9_TWALK]	  = { op_walk, 0 },
	[P9_TCLUNK]	  = { op_clunk, 0 },
	[P9_TREMOVE]	  = { op_remove, 0 },	/* clunks even when refused */
	[P9_TLOPEN]	  = { op_lopen, 0 },
	[P9_TLCREATE]	  = { op_lcreate, 1 },
	[P9_TREAD]	  = { op_read, 0 },
	[P9_TWRITE]	  = { op_write, 0 },
	[P9_TFSYNC]	  = { op_fsync, 0 },
	[P9_TGETATTR]	  = { op_getattr, 0 },
	[P9_TSETATTR]	  = { op_setattr, 1 },
	[P9_TSTATFS]	  = { op_statfs, 0 },
	[P9_TREADLINK]	  = { op_readlink, 0 },
	[P9_TREADDIR]	  = { op_readdir, 0 },
	[P9_TMKDIR]	  = { op_mkdir, 1 },
	[P9_TSYMLINK]	  = { op_symlink, 1 },
	[P9_TMKNOD]	  = { op_mknod, 1 },
	[P9_TLINK]	  = { op_link, 1 },
	[P9_TRENAMEAT]	  = { op_renameat, 1 },
	[P9_TRENAME]	  = { op_rename, 1 },
	[P9_TUNLINKAT]	  = { op_unlinkat, 1 },
	[P9_TXATTRWALK]	  = { op_xattrwalk, 0 },
	[P9_TXATTRCREATE] = { op_xattrcreate, 1 },
	[P9_TLOCK]	  = { op_lock, 0 },
	[P9_TGETLOCK]	  = { op_getlock, 0 },
	/* Everything else (9P2000 and 9P2000.u requests, R types, unknown
	 * numbers) is answered with Rlerror EOPNOTSUPP. */
};

void
srv_log(struct p9conn *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (c->conf.log == NULL || c->nlog > P9SRV_LOG_MAX)
		return;
	if (c->nlog++ == P9SRV_LOG_MAX) {
		c->conf.log(c->conf.log_arg, "9p: too many errors, "
		    "not logging any more for this connection");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->conf.log(c->conf.log_arg, line);
}

static void
fatal(struct p9conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
fatal(struct p9conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
	if (c->conf.log != NULL)
		c->conf.log(c->conf.log_arg, c->error);
}

struct p9conn *
p9conn_new(const struct p9srv_conf *conf)
{
	struct p9conn *c;
	struct statfs sf;
	int e;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->conf = *conf;
	c->rootfd = -1;
	c->maxmsize = conf->max_msize ? conf->max_msize : P9_MSIZE_MAX;
	if (c->maxmsize < P9_MSIZE_MIN)
		c->maxmsize = P9_MSIZE_MIN;
	if (c->maxmsize > P9SRV_MSIZE_CEIL)
		c->maxmsize = P9SRV_MSIZE_CEIL;
	c->msize = c->maxmsize;
	c->maxfids = conf->max_fids ? conf->max_fids : P9SRV_MAX_FIDS_DEFAULT;
	c->am_root = geteuid() == 0;
	if ((c->fids = calloc(P9SRV_FID_BUCKETS, sizeof(*c->fids))) == NULL)
		goto fail;
	if ((c->rootfd = fcntl(conf->rootfd, F_DUPFD_CLOEXEC, 3)) < 0 ||
	    fstat(c->rootfd, &c->rootst) != 0)
		goto fail;
	if (!S_ISDIR(c->rootst.st_mode)) {
		errno = ENOTDIR;
		goto fail;
	}
	if (fstatfs(c->rootfd, &sf) != 0)
		goto fail;
	c->root_fstype = (long)sf.f_type;
	return c;
fail:
	e = errno;
	p9conn_free(c);
	errno = e;
	return NULL;
}

void
p9conn_free(struct p9conn *c)
{
	if (c == NULL)
		return;
	if (c->fids != NULL)
		fid_clunk_all(c);
	free(c->fids);
	if (c->rootfd >= 0)
		close(c->rootfd);
	free(c->devs.dev);
	free(c->inos.e);
	free(c->dirbuf);
	free(c);
}

uint32_t
p9conn_msize(const struct p9conn *c)
{
	return c->msize;
}

const char *
p9conn_error(const struct p9conn *c)
{
	return c->error;
}

const uint64_t *
p9conn_counts(const struct p9conn *c)
{
	return c->counts;
}

unsigned
p9conn_nfids(const struct p9conn *c)
{
	return c->nfids;
}

/* ---- session requests ------------------------------------------- */

/*
 * Tversion: only "9P2000.L" is spoken; anything else gets "unknown" (the
 * spec's answer).  msize below the kernel's own minimum is refused; above
 * ours it is cut to ours.  A Tversion in mid-session starts a new session:
 * every fid is clunked (its descriptors closed) before the answer.
 */
static int
op_version(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	static const struct p9_str known = { P9_VERSION_L, sizeof(P9_VERSION_L) - 1 };
	static const struct p9_str unknown = { "unknown", 7 };
	const struct p9_str *v = &t->u.version.version;

	fid_clunk_all(c);
	c->versioned = 0;
	c->msize = c->maxmsize;
	if (v->len != known.len || memcmp(v->s, known.s, known.len) != 0) {
		r->u.version.msize = c->maxmsize;
		r->u.version.version = unknown;
		return 0;
	}
	if (t->u.version.msize < P9_MSIZE_MIN)
		return -EMSGSIZE;
	if (t->u.version.msize < c->maxmsize)
		c->msize = t->u.version.msize;
	c->versioned = 1;
	r->u.version.msize = c->msize;
	r->u.version.version = known;
	return 0;
}

/* No authentication: the ssh connection already did it. */
static int
op_auth(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	return -EOPNOTSUPP;
}

/* Tattach: the export root, whatever uname says; aname must be "" or "/". */
static int
op_attach(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	const struct p9_str *an = &t->u.attach.aname;
	struct fid *f;
	struct stat st;
	int err;

	if (t->u.attach.afid != P9_NOFID)
		return -EINVAL;
	if (!(an->len == 0 || (an->len == 1 && an->s[0] == '/')))
		return -ENOENT;
	if (fstat(c->rootfd, &st) != 0)
		return -errno;
	if ((err = qid_from_stat(c, &st, &r->u.qid)) != 0)
		return err;
	if ((err = fid_create(c, t->u.attach.fid, &f)) != 0)
		return err;
	if ((f->obj = obj_new(fcntl(c->rootfd, F_DUPFD_CLOEXEC, 3))) == NULL) {
		err = -errno;
		fid_destroy(c, f);
		return err;
	}
	f->st = st;
	f->place = c->conf.export ? export_root_place(c->conf.export) : 0;
	f->pplace = EXPORT_OUTSIDE;
	return 0;
}

/*
 * Tflush: the server answers every request before it reads the next, so
 * the request being flushed has already been answered (or never existed);
 * the spec then asks for an immediate Rflush, which is all we do.
 */
static int
op_flush(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	return 0;
}

/* Tclunk always frees the fid; a pending xattr write is committed first. */
static int
op_clunk(struct p9conn *c, const struct p9_msg *t, struct p9_msg *r,
    struct buf *out)
{
	struct fid *f;
	int err;

	if ((err = fid_lookup(c, t->u.fid, &f)) != 0)
		return err;
	if (f->kind == FID_XATTR_WRITE)
		err = xattr_commit(c, f);
	fid_destroy(c, f);
	return err;
}

/* ---- one request ------------------------------------------------- */

/*
 * The article's readable trace: "Open /bin/date" for each open, the path
 * as seen from the export root.  Trace-only, so a readlink of the fid's
 * descriptor is fine here; the server itself never uses paths.
 */
static void
trace_open(struct p9conn *c, uint32_t fidnum)
{
	char proc[64], path[PATH_MAX], root[PATH_MAX], line[PATH_MAX + 16], esc[600];
	struct fid *f;
	ssize_t n, rn;
	const char *rel;

	if (fid_lookup(c, fidnum, &f) != 0 || f->obj == NULL)
		return;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f->obj->fd);
	if ((n = readlink(proc, path, sizeof(path) - 1)) <= 0)
		return;
	path[n] = '\0';
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", c->rootfd);
	rn = readlink(proc, root, sizeof(root) - 1);
	root[rn > 0 ? rn : 0] = '\0';
	rel = path;
	if (rn > 1 && strncmp(path, root, (size_t)rn) == 0 &&
	    (path[rn] == '/' || path[rn] == '\0'))
		rel = path[rn] ? path + rn : "/";
	snprintf(line, sizeof(line), "Open %s", log_escape(esc, sizeof(esc), rel, strlen(rel)));
	c->conf.trace(c->conf.trace_arg, line);
}

static void
trace_msg(struct p9conn *c, const char *dir, const void *p, size_t len)
{
	struct p9_msg m;
	char line[600], text[560];
	int err;

	if ((err = p9_decode(p, len, &m)) != 0 && err != -EOPNOTSUPP)
		snprintf(text, sizeof(text), "%s tag %u (malformed: %s)",
		    p9_type_name(m.type), m.tag, strerror(-err));
	else
		p9_format(text, sizeof(text), &m);
	snprintf(line, sizeof(line), "%s %s", dir, text);
	c->conf.trace(c->conf.trace_arg, line);
	if (err == 0 && m.type == P9_TLOPEN)
		trace_open(c, m.u.lopen.fid);
}

static void
put_rlerror(struct buf *out, uint16_t tag, int err)
{
	struct p9_msg r;

	memset(&r, 0, sizeof(r));
	r.type = P9_RLERROR;
	r.tag = tag;
	r.u.ecode = (uint32_t)err;
	/* Cannot fail: the caller checked room for msize >= 4096 bytes. */
	(void)p9_encode(out, &r);
}

static void
handle(struct p9conn *c, const uint8_t *p, uint32_t size, struct buf *out)
{
	struct p9_msg t, r;
	size_t start = buf_len(out), len;
	uint8_t type = p[4];
	uint16_t tag = le_get16(p + 5);
	int err;

	c->counts[type]++;
	if (c->conf.trace != NULL)
		trace_msg(c, "->", p, size);
	/* R types and unknown types are refused before their bodies matter. */
	err = (type & 1) ? -EOPNOTSUPP : p9_decode(p, size, &t);
	if (err == -EOPNOTSUPP) {
		;
	} else if (err != 0) {
		srv_log(c, "9p: malformed %s (tag %u, %u bytes): %s",
		    p9_type_name(type), tag, size, strerror(-err));
		err = -EINVAL;
	} else if (!c->versioned && type != P9_TVERSION) {
		err = -EPROTO;
	} else if (handlers[type].fn == NULL) {
		err = -EOPNOTSUPP;
	} else if (c->conf.readonly && handlers[type].writes) {
		err = -EROFS;
	} else if (c->conf.export != NULL &&
	    (err = srv_export_gate(c, &t)) != 0) {
		;
	} else {
		memset(&r, 0, sizeof(r));
		r.type = type + 1;
		r.tag = tag;
		err = handlers[type].fn(c, &t, &r, out);
		if (err == 0)
			err = p9_encode(out, &r);
	}

	/*
	 * The kernel's fd transport treats a reply of msize bytes or more as
	 * a broken connection, so no reply may reach msize.  Handlers size
	 * their replies to fit; this is the backstop.
	 */
	len = buf_len(out) - start;
	if (err >= 0 && len >= c->msize) {
		srv_log(c, "9p: internal: %s reply of %zu bytes >= msize %u",
		    p9_type_name(type), len, c->msize);
		err = -ENOBUFS;
	}
	if (err < 0) {
		buf_truncate(out, start);
		put_rlerror(out, tag, -err);
		c->counts[P9_RLERROR]++;
	}
	c->fresh = c->was_walk;
	c->was_walk = 0;
	if (c->conf.trace != NULL)
		trace_msg(c, "<-", buf_ptr(out) + start, buf_len(out) - start);
}

int
p9conn_process(struct p9conn *c, struct buf *in, struct buf *out)
{
	const uint8_t *p;
	uint32_t size, limit;

	if (c->error[0] != '\0')
		return -EPROTO;
	while (buf_len(in) >= 4) {
		p = buf_ptr(in);
		size = le_get32(p);
		limit = c->versioned ? c->msize : c->maxmsize;
		if (size < P9_HDRSZ || size > limit) {
			fatal(c, "9p: bad message size %u (msize %u)", size, limit);
			return -EMSGSIZE;
		}
		if (out->max < limit) {
			fatal(c, "9p: reply buffer (%zu) smaller than msize %u",
			    out->max, limit);
			return -ENOBUFS;
		}
		if (buf_len(in) < size)
			break;			/* the rest has not arrived */
		if (buf_check_reserve(out, limit) != 0)
			break;			/* backpressure: drain out first */
		handle(c, p, size, out);
		buf_consume(in, size);
	}
	return 0;
}

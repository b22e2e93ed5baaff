/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-p9proxy: libFuzzer target for cpu-subsystem's 9P attribute proxy
 * (src/cpu-subsystem/p9proxy*.c, doc/9p-proxy.md), from both of its
 * sides: the T-messages the remote kernel sends and the R-messages,
 * FR_P9ATTR and FR_P9LINK bodies the client sends.  No I/O and no clock:
 * the input says what arrives from which side and when ("now" only moves
 * by the input's T ops), so every run of an input is the same.
 *
 * Input: one byte of settings, then ops, each one byte and its operand:
 *
 *   K n16 bytes   a kernel T-message (type, tag, body; the size is added)
 *   R n16 bytes   a client R-message (type, tag, body), its tag replaced
 *                 by that of the oldest request at the client of the
 *                 matching T type (or the oldest, for Rlerror)
 *   N b           the oldest request at the client answered the way the
 *                 client's server would (b bit 0: with Rlerror; bit 1:
 *                 with the FR_P9ATTR/FR_P9LINK frames p9chan sends first)
 *   A n16 bytes   an FR_P9ATTR body      L n16 bytes   an FR_P9LINK body
 *   T n16         the clock moves n ms
 *   S             p9proxy_sweep(), then p9proxy_evict() of every directory
 *                 not used at this very ms (the memory bound, session.c)
 *   X n16 bytes   raw bytes from the client (any framing)
 *   Y n16 bytes   raw bytes from the kernel
 *   Z n16         the oldest Tread at the client answered with n * 16
 *                 bytes (one over 64 KiB passes through in pieces)
 *
 * The model of the client (the requests the proxy sent it, in order; the
 * qids of its fids) is what the N op answers from: a name's qid is its
 * FNV-1a hash, "d..." names are directories, "l..." symbolic links, the
 * rest files (t/fuzzgen.py builds the seeds with the same rules).
 *
 * Invariants (abort on violation):
 *  - everything sent either way is whole, well-formed 9P of the right
 *    direction; no two requests outstanding at the client share a tag;
 *  - the proxy never runs out of the output room it asked the caller for;
 *  - while both sides behave (no raw bytes, replies of the right type,
 *    no tag reused by the kernel while in flight): every reply to the
 *    kernel answers a request outstanding under that tag, with its R type
 *    or Rlerror, nothing follows Rflush for the flushed tag, and once the
 *    client has answered everything, so has the proxy (no request lost).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "p9.h"
#include "p9proxy.h"
#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { \
	fprintf(stderr, "fuzz-p9proxy: %s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
	abort(); } } while (0)

/* cpu-subsystem's buffers (session.c) */
#define KIN_MAX		(P9_MSIZE_MAX + 64u * 1024)
#define OUT_MAX		(2u * P9_MSIZE_MAX + 1024u * 1024)
#define SRV_MSIZE	65536u		/* settings bit 4: the setup's msize */
#define ROOT_PATH	1u
#define CQ_MAX		4096		/* requests at the client */
#define KQ_MAX		256		/* requests at the proxy, tracked */
#define FIDQ		64

enum { OP_K, OP_R, OP_N, OP_A, OP_L, OP_T, OP_S, OP_X, OP_Y, OP_Z, NOPS };

/* A request the proxy sent the client, as much as the N op needs. */
struct creq {
	uint16_t	 tag;
	uint8_t		 type;
	uint32_t	 fid, newfid, msize, count;
	uint64_t	 offset;
	uint16_t	 nw;
	struct p9_qid	 wq[P9_MAXWELEM];	/* Twalk: the names' qids */
	char		 last[256];		/* ... and the last name */
	uint16_t	 lastlen;
};

/* A kernel request the proxy owes a reply. */
struct kreq {
	uint16_t	 tag, oldtag;
	uint8_t		 type;
};

static struct fuzz {
	struct p9proxy	*px;
	struct buf	 kin, cin, tc, tk, kacc;
	long long	 now;
	struct creq	*cq;
	unsigned	 ncq;
	struct kreq	 kq[KQ_MAX];
	unsigned	 nkq;
	struct { bool used; uint32_t fid; struct p9_qid qid; } fidq[FIDQ];
	uint32_t	 srv_msize;
	bool		 dirty;		/* a side misbehaved: no liveness checks */
	bool		 ended;		/* the proxy closed the channel */
	bool		 trace;		/* $FUZZ_TRACE: every message on stderr */
} F;

static void
trace(const char *dir, const uint8_t *m, size_t len)
{
	struct p9_msg x;
	char line[512];

	if (!F.trace)
		return;
	if (p9_decode(m, len, &x) == 0)
		fprintf(stderr, "%s %s\n", dir, p9_format(line, sizeof(line), &x));
	else
		fprintf(stderr, "%s (%zu bytes, type %u, not decoded)\n", dir, len,
		    len > 4 ? m[4] : 0);
}

static uint64_t
fnv(const void *p, size_t n)
{
	const uint8_t *s = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n-- > 0)
		h = (h ^ *s++) * 0x100000001b3ULL;
	return h;
}

static struct p9_qid
qid_of(const char *s, size_t n)
{
	struct p9_qid q = { P9_QTFILE, 0, fnv(s, n) & 0xFFFFFFFFFFFFULL };

	if (n > 0 && s[0] == 'd')
		q.type = P9_QTDIR;
	else if (n > 0 && s[0] == 'l')
		q.type = P9_QTSYMLINK;
	return q;
}

static const struct p9_qid root_qid = { P9_QTDIR, 0, ROOT_PATH };

static void
fid_set(uint32_t fid, struct p9_qid q)
{
	F.fidq[fid % FIDQ].used = true;
	F.fidq[fid % FIDQ].fid = fid;
	F.fidq[fid % FIDQ].qid = q;
}

static bool
fid_qid(uint32_t fid, struct p9_qid *q)
{
	if (!F.fidq[fid % FIDQ].used || F.fidq[fid % FIDQ].fid != fid)
		return false;
	*q = F.fidq[fid % FIDQ].qid;
	return true;
}

static struct p9_attr
attr_of(struct p9_qid q)
{
	struct p9_attr a;

	memset(&a, 0, sizeof(a));
	a.valid = P9_GETATTR_BASIC;
	a.qid = q;
	a.mode = q.type == P9_QTDIR ? 040755 : q.type == P9_QTSYMLINK ? 0120777 : 0100644;
	a.nlink = 1;
	a.size = q.path & 0xFFF;
	a.blksize = 4096;
	a.mtime_sec = a.ctime_sec = a.atime_sec = 1700000000;
	return a;
}

/* ---- what leaves the proxy --------------------------------------- */

static void dump(const char *, const uint8_t *, size_t);

static void
at_client(const uint8_t *m, size_t len, const struct p9_msg *t)
{
	struct creq *c;
	unsigned i;

	CHECK(t->type % 2 == 0 || !p9_known_type(t->type));
	for (i = 0; i < F.ncq; i++)
		CHECK(t->tag == P9_NOTAG || F.cq[i].tag != t->tag);
	CHECK(F.ncq < CQ_MAX);	/* the input cannot make this many */
	c = &F.cq[F.ncq++];
	memset(c, 0, sizeof(*c));
	c->tag = t->tag;
	c->type = t->type;
	switch (t->type) {
	case P9_TVERSION:
		c->msize = t->u.version.msize;
		break;
	case P9_TATTACH:
		c->fid = t->u.attach.fid;
		break;
	case P9_TWALK:
		c->fid = t->u.walk.fid;
		c->newfid = t->u.walk.newfid;
		c->nw = t->u.walk.nwname;
		for (i = 0; i < c->nw; i++)
			c->wq[i] = qid_of(t->u.walk.wname[i].s, t->u.walk.wname[i].len);
		if (c->nw > 0 && t->u.walk.wname[c->nw - 1].len < sizeof(c->last)) {
			c->lastlen = t->u.walk.wname[c->nw - 1].len;
			memcpy(c->last, t->u.walk.wname[c->nw - 1].s, c->lastlen);
		}
		break;
	case P9_TREADDIR:
	case P9_TREAD:
	case P9_TWRITE:
		c->fid = t->u.io.fid;
		c->offset = t->u.io.offset;
		c->count = t->u.io.count;
		break;
	case P9_TLOPEN:
		c->fid = t->u.lopen.fid;
		break;
	case P9_TGETATTR:
		c->fid = t->u.getattr.fid;
		break;
	case P9_TLCREATE:
		c->fid = t->u.lcreate.fid;
		if (t->u.lcreate.name.len < sizeof(c->last)) {
			c->lastlen = t->u.lcreate.name.len;
			memcpy(c->last, t->u.lcreate.name.s, c->lastlen);
		}
		break;
	default:
		break;
	}
	(void)m;
	(void)len;
}

/* Everything the proxy queued for the client: whole T-messages. */
static void
drain_tc(void)
{
	struct p9_msg t;
	uint32_t sz;
	int r;

	while (buf_len(&F.tc) > 0) {
		CHECK(buf_len(&F.tc) >= 4);
		sz = le_get32(buf_ptr(&F.tc));
		CHECK(sz >= P9_HDRSZ && sz <= buf_len(&F.tc));
		if ((r = p9_decode(buf_ptr(&F.tc), sz, &t)) == -EOPNOTSUPP) {
			/* A type we do not know goes to the server as is: it
			 * answers Rlerror (EOPNOTSUPP). */
			memset(&t, 0, sizeof(t));
			t.type = buf_ptr(&F.tc)[4];
			t.tag = le_get16(buf_ptr(&F.tc) + 5);
		} else if (r != 0)
			dump("to the client", buf_ptr(&F.tc), sz);
		CHECK(r == 0 || r == -EOPNOTSUPP);
		trace("  -> client", buf_ptr(&F.tc), sz);
		at_client(buf_ptr(&F.tc), sz, &t);
		buf_consume(&F.tc, sz);
	}
}

static struct kreq *
kq_find(uint16_t tag)
{
	unsigned i;

	for (i = 0; i < F.nkq; i++)
		if (F.kq[i].tag == tag)
			return &F.kq[i];
	return NULL;
}

static void
kq_del(struct kreq *k)
{
	*k = F.kq[--F.nkq];
}

/* Is a Tflush of tag waiting for its Rflush?  9P: the old tag is not
 * used again until then, even when the request's own reply came first. */
static bool
flush_pending(uint16_t tag)
{
	unsigned i;

	for (i = 0; i < F.nkq; i++)
		if (F.kq[i].type == P9_TFLUSH && F.kq[i].oldtag == tag &&
		    F.kq[i].tag != tag)
			return true;
	return false;
}

/* A reply reached the kernel: it must answer what the kernel asked. */
static void
at_kernel(const struct p9_msg *r)
{
	struct kreq *k, *old;

	CHECK(r->type % 2 == 1);
	if ((k = kq_find(r->tag)) == NULL) {
		CHECK(F.dirty);		/* a reply nobody asked for */
		return;
	}
	CHECK(F.dirty || r->type == k->type + 1 || r->type == P9_RLERROR);
	if (r->type == P9_RFLUSH && k->oldtag != r->tag &&
	    (old = kq_find(k->oldtag)) != NULL)
		kq_del(old);		/* nothing may follow for the old tag */
	if ((k = kq_find(r->tag)) != NULL)
		kq_del(k);
}

/* What reached the kernel, as a stream (a long Rread comes in pieces). */
static void
drain_tk(void)
{
	struct p9_msg r;
	uint32_t sz;

	if (buf_len(&F.tk) > 0) {
		CHECK(buf_put(&F.kacc, buf_ptr(&F.tk), buf_len(&F.tk)) == 0);
		buf_reset(&F.tk);
	}
	while (buf_len(&F.kacc) >= 4) {
		sz = le_get32(buf_ptr(&F.kacc));
		CHECK(sz >= P9_HDRSZ && sz <= P9_MSIZE_MAX);
		if (sz > buf_len(&F.kacc))
			break;
		if (p9_decode(buf_ptr(&F.kacc), sz, &r) != 0)
			dump("to the kernel", buf_ptr(&F.kacc), sz);
		CHECK(p9_decode(buf_ptr(&F.kacc), sz, &r) == 0);
		trace("  -> kernel", buf_ptr(&F.kacc), sz);
		at_kernel(&r);
		buf_consume(&F.kacc, sz);
	}
}

/* A message that breaks a rule, for the report. */
static void
dump(const char *what, const uint8_t *m, size_t len)
{
	size_t i;

	fprintf(stderr, "fuzz-p9proxy: %s (%zu bytes):", what, len);
	for (i = 0; i < len && i < 96; i++)
		fprintf(stderr, " %02x", m[i]);
	fprintf(stderr, "\n");
}

static bool
ok_ret(int r)
{
	if (r >= 0)
		return true;
	/* The caller kept the room the proxy asks for: running out of it
	 * is the proxy's bug, not the input's. */
	if (F.trace)
		fprintf(stderr, "proxy: %d %s\n", r, p9proxy_error(F.px));
	CHECK(r != -ENOBUFS);
	CHECK(p9proxy_error(F.px)[0] != '\0');
	F.ended = true;
	return false;
}

/* Move bytes until nothing moves, as session.c's p9link_pump does. */
static void
pump(void)
{
	size_t before;
	bool moved;
	int i;

	for (i = 0; i < 1024 && !F.ended; i++) {
		before = buf_len(&F.cin) + buf_len(&F.kin);
		if (!ok_ret(p9proxy_from_client(F.px, &F.cin, &F.tk, F.now)))
			return;
		drain_tk();
		if (!ok_ret(p9proxy_from_kernel(F.px, &F.kin, &F.tc, &F.tk, F.now)))
			return;
		moved = buf_len(&F.tc) > 0 || buf_len(&F.tk) > 0 ||
		    buf_len(&F.cin) + buf_len(&F.kin) != before;
		drain_tc();
		drain_tk();
		if (!moved)
			return;
	}
}

/* ---- what arrives ------------------------------------------------ */

static void
from_kernel(const uint8_t *p, size_t n)
{
	struct p9_msg t;
	uint8_t *m;
	size_t len = n + 4;
	int r;

	if (buf_reserve(&F.kin, len, &m) != 0)
		return;
	le_put32(m, (uint32_t)len);
	memcpy(m + 4, p, n);
	r = p9_decode(m, len, &t);
	if (r == -EOPNOTSUPP) {
		t.type = m[4];		/* answered Rlerror by the server */
		t.tag = le_get16(m + 5);
	}
	if ((r != 0 && r != -EOPNOTSUPP) || (r == 0 && t.type % 2 != 0) ||
	    (t.tag == P9_NOTAG && t.type != P9_TVERSION))
		F.dirty = true;		/* the proxy must close the channel */
	else if (t.type == P9_TVERSION) {
		/* In flight across a reset; a tag other than NOTAG (which
		 * the answer carries, as 9P says) */
		if (F.nkq > 0 || t.tag != P9_NOTAG)
			F.dirty = true;
		F.nkq = 0;
		F.kq[F.nkq++] = (struct kreq){ t.tag, 0, t.type };
	} else if (kq_find(t.tag) != NULL || flush_pending(t.tag) ||
	    kq_find(P9_NOTAG) != NULL || F.nkq == KQ_MAX)
		F.dirty = true;		/* a tag reused while in flight, or a
					 * request before Rversion */
	else
		F.kq[F.nkq++] = (struct kreq){ t.tag,
		    t.type == P9_TFLUSH ? t.u.oldtag : 0, t.type };
	trace("kernel", m, len);
	buf_commit(&F.kin, len);
}

static struct creq *
cq_take(unsigned i)
{
	static struct creq c;

	c = F.cq[i];
	memmove(&F.cq[i], &F.cq[i + 1], (F.ncq - i - 1) * sizeof(F.cq[0]));
	F.ncq--;
	return &c;
}

static void
to_proxy(const struct buf *b)
{
	trace("client", buf_ptr(b), buf_len(b));
	CHECK(buf_put(&F.cin, buf_ptr(b), buf_len(b)) == 0);
}

/* An R-message of the input, for a request at the client. */
static void
reply_raw(const uint8_t *p, size_t n)
{
	struct creq *c;
	struct buf b;
	uint8_t type = n > 0 ? p[0] : 0;
	unsigned i;

	if (F.ncq == 0 || n < 3) {
		F.dirty = true;	/* nothing asked: a reply out of the blue */
		if (n >= 3) {
			buf_init(&b, n + 4);
			buf_put_u32(&b, (uint32_t)n + 4);
			buf_put(&b, p, n);
			to_proxy(&b);
			buf_free(&b);
		}
		return;
	}
	for (i = 0; i < F.ncq && type != P9_RLERROR; i++)
		if (F.cq[i].type + 1 == type)
			break;
	c = cq_take(i < F.ncq ? i : 0);
	if (type != c->type + 1 && type != P9_RLERROR)
		F.dirty = true;
	buf_init(&b, n + 4);
	buf_put_u32(&b, (uint32_t)n + 4);
	buf_put_u8(&b, type);
	buf_put_u16(&b, c->tag);
	buf_put(&b, p + 3, n - 3);
	to_proxy(&b);
	buf_free(&b);
}

/* An Rread of len bytes for the oldest Tread at the client. */
static void
reply_read(size_t len)
{
	struct creq *c;
	struct buf b;
	unsigned i;
	uint8_t *d;

	for (i = 0; i < F.ncq && F.cq[i].type != P9_TREAD; i++)
		;
	if (i == F.ncq)
		return;
	c = cq_take(i);
	if (i != 0 || len > c->count)
		F.dirty = true;		/* out of order, or more than asked */
	buf_init(&b, P9_RREAD_HDR + len);
	buf_put_u32(&b, (uint32_t)(P9_RREAD_HDR + len));
	buf_put_u8(&b, P9_RREAD);
	buf_put_u16(&b, c->tag);
	buf_put_u32(&b, (uint32_t)len);
	if (buf_reserve(&b, len, &d) == 0) {
		memset(d, 'z', len);
		buf_commit(&b, len);
	}
	to_proxy(&b);
	buf_free(&b);
}

/* The FR_P9ATTR body p9chan sends: dir's qid, {name, Rgetattr body}... */
static void
send_attrs(struct p9_qid dir, const char *const *names, int n, bool eof)
{
	struct p9_msg r = { .type = P9_RGETATTR };
	struct buf b, e;
	int i;

	buf_init(&b, P9ATTR_BODY_MAX);
	buf_init(&e, 256);
	buf_put_u8(&b, dir.type);
	buf_put_u32(&b, dir.version);
	buf_put_u64(&b, dir.path);
	for (i = 0; i < n; i++) {
		r.u.attr = attr_of(qid_of(names[i], strlen(names[i])));
		buf_reset(&e);
		CHECK(p9_encode(&e, &r) == 0);
		buf_put_str16(&b, names[i], strlen(names[i]));
		buf_put(&b, buf_ptr(&e) + P9_HDRSZ, P9ATTR_ATTR);
	}
	if (eof)
		buf_put_u16(&b, 0);
	if (!ok_ret(p9proxy_on_attrs(F.px, buf_ptr(&b), buf_len(&b), F.now)))
		F.dirty = true;
	buf_free(&b);
	buf_free(&e);
	/* ... and FR_P9LINK for the links among them. */
	buf_init(&b, P9LINK_BODY_MAX);
	buf_put_u8(&b, dir.type);
	buf_put_u32(&b, dir.version);
	buf_put_u64(&b, dir.path);
	for (i = 0; i < n; i++)
		if (names[i][0] == 'l') {
			buf_put_str16(&b, names[i], strlen(names[i]));
			buf_put_str16(&b, "fa", 2);
		}
	if (!F.ended && buf_len(&b) > 1 + 4 + 8 &&
	    !ok_ret(p9proxy_on_links(F.px, buf_ptr(&b), buf_len(&b), F.now)))
		F.dirty = true;
	buf_free(&b);
}

/* The directory every fid of a directory lists: three entries. */
static const char *const listing[] = { "fa", "db", "lc" };
enum { NLIST = 3 };

/* The oldest request at the client, answered as its server would. */
static void
reply_natural(uint8_t how)
{
	struct p9_msg r;
	struct p9_dirent de;
	struct p9_qid q, dq;
	struct creq *c;
	struct buf b, data;
	unsigned i;
	bool known;

	if (F.ncq == 0)
		return;
	c = cq_take(0);
	memset(&r, 0, sizeof(r));
	r.type = c->type + 1;
	r.tag = c->tag;
	buf_init(&b, P9_MSIZE_MAX);
	buf_init(&data, P9_MSIZE_MAX);
	known = fid_qid(c->fid, &q);
	if (!known)
		q = (struct p9_qid){ P9_QTFILE, 0, 7 };
	if (((how & 1) && c->type != P9_TVERSION && c->type != P9_TFLUSH) ||
	    !p9_known_type(c->type) || !p9_known_type(c->type + 1)) {
		r.type = P9_RLERROR;
		r.u.ecode = (how & 1) ? ENOENT : EOPNOTSUPP;
		goto send;
	}
	switch (c->type) {
	case P9_TVERSION:
		r.u.version.msize = c->msize < F.srv_msize ? c->msize : F.srv_msize;
		r.u.version.version = (struct p9_str){ P9_VERSION_L, 8 };
		break;
	case P9_TATTACH:
		r.u.qid = root_qid;
		fid_set(c->fid, root_qid);
		break;
	case P9_TWALK:
		r.u.rwalk.nwqid = c->nw;
		for (i = 0; i < c->nw; i++)
			r.u.rwalk.wqid[i] = c->wq[i];
		if (c->nw == 1 && known && (how & 2)) {
			const char *nm[1] = { c->last };

			c->last[c->lastlen] = '\0';
			if (strlen(c->last) == c->lastlen && c->lastlen > 0)
				send_attrs(q, nm, 1, false);	/* HELLO_WALKATTR */
		}
		fid_set(c->newfid, c->nw > 0 ? c->wq[c->nw - 1] : q);
		break;
	case P9_TLOPEN:
		r.u.ropen.qid = q;
		break;
	case P9_TLCREATE:
		r.u.ropen.qid = qid_of(c->last, c->lastlen);
		fid_set(c->fid, r.u.ropen.qid);
		break;
	case P9_TMKDIR:
	case P9_TSYMLINK:
	case P9_TMKNOD:
		r.u.qid = (struct p9_qid){ P9_QTFILE, 0, 9 };
		break;
	case P9_TGETATTR:
		r.u.attr = attr_of(q);
		break;
	case P9_TREADDIR:
		dq = q;
		for (i = (unsigned)(c->offset < NLIST ? c->offset : NLIST); i < NLIST; i++) {
			de.qid = qid_of(listing[i], 2);
			de.offset = i + 1;
			de.type = de.qid.type == P9_QTDIR ? 4 : de.qid.type == P9_QTSYMLINK ? 10 : 8;
			de.name = (struct p9_str){ listing[i], 2 };
			if (buf_len(&data) + p9_dirent_size(2) > c->count)
				break;
			p9_dirent_put(&data, &de);
		}
		if ((how & 2) && dq.type == P9_QTDIR) {
			unsigned from = c->offset < NLIST ? (unsigned)c->offset : NLIST;

			send_attrs(dq, listing + from, (int)(i - from), i == NLIST);
		}
		r.u.rio.count = (uint32_t)buf_len(&data);
		r.u.rio.data = buf_ptr(&data);
		break;
	case P9_TREAD:
		r.u.rio.count = c->count < 6 ? c->count : 6;
		r.u.rio.data = (const uint8_t *)"hello\n";
		break;
	case P9_TWRITE:
		r.u.rio.count = c->count;
		break;
	case P9_TREADLINK:
		r.u.target = (struct p9_str){ "fa", 2 };
		break;
	case P9_TXATTRWALK:
		r.u.xattr_size = 0;
		break;
	case P9_TSTATFS:
		r.u.statfs.bsize = 4096;
		r.u.statfs.namelen = 255;
		break;
	case P9_TLOCK:
		r.u.lock_status = P9_LOCK_SUCCESS;
		break;
	case P9_TGETLOCK:
		r.u.getlock.type = P9_LOCK_TYPE_UNLCK;
		r.u.getlock.client_id = (struct p9_str){ "", 0 };
		break;
	case P9_TAUTH:
		r.type = P9_RLERROR;
		r.u.ecode = EOPNOTSUPP;
		break;
	default:		/* replies with no body */
		break;
	}
send:
	if (p9_encode(&b, &r) == 0)
		to_proxy(&b);
	buf_free(&b);
	buf_free(&data);
}

static void
fuzz_reset(uint8_t settings)
{
	CHECK((F.px = p9proxy_new((settings & 32) ? P9PROXY_TTL_LOOSE_MS :
	    P9PROXY_TTL_COHERENT_MS)) != NULL);
	p9proxy_set_lazy_open(F.px, settings & 1);
	p9proxy_set_prefetch(F.px, settings & 2);
	p9proxy_set_ahead(F.px, settings & 4);
	p9proxy_set_getattr_ahead(F.px, settings & 8);
	F.srv_msize = (settings & 16) ? SRV_MSIZE : P9_MSIZE_MAX;
	if (settings & 16)
		p9proxy_set_server_msize(F.px, SRV_MSIZE);
	buf_init(&F.kin, KIN_MAX);
	buf_init(&F.cin, 16u * 1024 * 1024);
	buf_init(&F.tc, OUT_MAX);
	buf_init(&F.tk, OUT_MAX);
	buf_init(&F.kacc, 16u * 1024 * 1024);
	if (F.cq == NULL)
		CHECK((F.cq = malloc(CQ_MAX * sizeof(*F.cq))) != NULL);
	F.ncq = F.nkq = 0;
	F.now = 1000000;
	memset(F.fidq, 0, sizeof(F.fidq));
	F.dirty = F.ended = false;
	F.trace = getenv("FUZZ_TRACE") != NULL;
}

static void
fuzz_end(void)
{
	p9proxy_free(F.px);
	F.px = NULL;
	buf_free(&F.kin);
	buf_free(&F.cin);
	buf_free(&F.tc);
	buf_free(&F.tk);
	buf_free(&F.kacc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd in;
	const uint8_t *p;
	uint16_t n;
	uint8_t op;
	int i;

	if (size == 0)
		return 0;
	rd_init(&in, data, size);
	fuzz_reset(rd_u8(&in));
	while (in.left > 0 && !F.ended) {
		op = rd_u8(&in) % NOPS;
		if (op == OP_N) {
			reply_natural(in.left > 0 ? rd_u8(&in) : 0);
			pump();
			continue;
		}
		if (op == OP_S) {
			p9proxy_sweep(F.px, F.now);
			p9proxy_evict(F.px, F.now);
			continue;
		}
		n = rd_u16(&in);
		if (in.err != 0)
			break;
		if (op == OP_T) {
			F.now += n;
			continue;
		}
		if (op == OP_Z) {
			reply_read((size_t)n * 16);
			pump();
			continue;
		}
		if (n > in.left)
			n = (uint16_t)in.left;
		p = rd_bytes(&in, n);
		switch (op) {
		case OP_K:
			from_kernel(p, n);
			break;
		case OP_R:
			reply_raw(p, n);
			break;
		case OP_A:
			if (!ok_ret(p9proxy_on_attrs(F.px, p, n, F.now)))
				F.dirty = true;
			break;
		case OP_L:
			if (!ok_ret(p9proxy_on_links(F.px, p, n, F.now)))
				F.dirty = true;
			break;
		case OP_X:
			F.dirty = true;
			buf_put(&F.cin, p, n);
			break;
		case OP_Y:
			F.dirty = true;
			buf_put(&F.kin, p, n);
			break;
		}
		pump();
	}
	/* The client answers everything still asked: the proxy must then
	 * have answered every request of a well-behaved kernel. */
	for (i = 0; i < 4096 && !F.ended && F.ncq > 0; i++) {
		reply_natural(2);
		pump();
	}
	if (F.trace)
		fprintf(stderr, "end:%s%s, %u kernel request(s) open\n",
		    F.ended ? " channel closed" : "", F.dirty ? " a side misbehaved" : "",
		    F.nkq);
	if (!F.ended && !F.dirty) {
		if (F.nkq != 0 || buf_len(&F.kin) != 0)
			fprintf(stderr, "fuzz-p9proxy: %u kernel request(s) unanswered "
			    "(first tag %u type %u), %zu bytes unread\n", F.nkq,
			    F.nkq ? F.kq[0].tag : 0, F.nkq ? F.kq[0].type : 0,
			    buf_len(&F.kin));
		CHECK(F.nkq == 0 && buf_len(&F.kin) == 0);
	}
	fuzz_end();
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * unit-p9proxy: the remote side's 9P attribute proxy
 * (src/cpu-subsystem/p9proxy.c, doc/9p-proxy.md), driven with scripted
 * kernel requests, client replies and FR_P9ATTR bodies.  Local answers
 * must be byte for byte what the server would send, tags never collide,
 * flushes keep "one reply per tag", fids that exist only here are
 * materialised before anything needs them, and caching stops at every
 * change and at the TTL.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "buf.h"
#include "p9.h"
#include "p9proxy.h"
#include "p9srv.h"
#include "proto.h"
#include "unit.h"

#define TTL	2000
#define DIRQ	((struct p9_qid){ P9_QTDIR, 0, 100 })
#define ROOTQ	((struct p9_qid){ P9_QTDIR, 0, 2 })
#define AQ	((struct p9_qid){ P9_QTFILE, 0, 101 })
#define BQ	((struct p9_qid){ P9_QTDIR, 0, 102 })
#define CQ	((struct p9_qid){ P9_QTFILE, 0, 103 })

static struct p9proxy *px;
static struct buf kin, cin, tc, tk;	/* kernel in, client in, to client, to kernel */
static long long now = 1000;
static int perr;			/* last proxy return */

/* One decoded message taken off an output buffer (a private copy). */
static uint8_t msgbuf[65536];
static size_t msglen;

static int
take(struct buf *b, struct p9_msg *m)
{
	uint32_t size;

	if (buf_len(b) < 4 || (size = le_get32(buf_ptr(b))) > buf_len(b) ||
	    size > sizeof(msgbuf))
		return -1;
	memcpy(msgbuf, buf_ptr(b), size);
	msglen = size;
	buf_consume(b, size);
	return p9_decode(msgbuf, size, m);
}

static void
from_kernel(const struct p9_msg *t)
{
	if (p9_encode(&kin, t) != 0)
		abort();
	perr = p9proxy_from_kernel(px, &kin, &tc, &tk, now);
}

static void
from_client(const struct p9_msg *r)
{
	if (p9_encode(&cin, r) != 0)
		abort();
	perr = p9proxy_from_client(px, &cin, &tk, now);
}

static struct p9_str
S(const char *s)
{
	return (struct p9_str){ s, (uint16_t)strlen(s) };
}

static struct p9_msg
twalk(uint16_t tag, uint32_t fid, uint32_t newfid, const char *name)
{
	struct p9_msg t = { .type = P9_TWALK, .tag = tag };

	t.u.walk.fid = fid;
	t.u.walk.newfid = newfid;
	if (name != NULL) {
		t.u.walk.nwname = 1;
		t.u.walk.wname[0] = S(name);
	}
	return t;
}

static struct p9_msg
tfid(uint8_t type, uint16_t tag, uint32_t fid)
{
	struct p9_msg t = { .type = type, .tag = tag };

	if (type == P9_TGETATTR) {
		t.u.getattr.fid = fid;
		t.u.getattr.mask = P9_GETATTR_BASIC;
	} else if (type == P9_TLOPEN)
		t.u.lopen.fid = fid;
	else
		t.u.fid = fid;
	return t;
}

static struct p9_attr
attr_of(struct p9_qid q, uint64_t size)
{
	struct p9_attr a;

	memset(&a, 0, sizeof(a));
	a.valid = P9_GETATTR_BASIC;
	a.qid = q;
	a.mode = q.type == P9_QTDIR ? 040755 : 0100644;
	a.nlink = 1;
	a.size = size;
	a.blksize = 4096;
	a.mtime_sec = 1234567890;
	a.mtime_nsec = 123456789;
	return a;
}

/* An FR_P9ATTR body for dir DIRQ, as p9chan.c builds it. */
static bool attrs_eof;	/* send_attrs: end the body with the end mark */

static void
send_attrs_of(struct p9_qid dq, int n, const char **names, const struct p9_attr *attrs)
{
	struct buf b, e;
	struct p9_msg r = { .type = P9_RGETATTR };
	int i;

	buf_init(&b, 65536);
	buf_init(&e, 256);
	buf_put_u8(&b, dq.type);
	buf_put_u32(&b, dq.version);
	buf_put_u64(&b, dq.path);
	for (i = 0; i < n; i++) {
		r.u.attr = attrs[i];
		buf_reset(&e);
		p9_encode(&e, &r);
		buf_put_str16(&b, names[i], strlen(names[i]));
		buf_put(&b, buf_ptr(&e) + P9_HDRSZ, P9ATTR_ATTR);
	}
	if (attrs_eof)
		buf_put_u16(&b, 0);
	perr = p9proxy_on_attrs(px, buf_ptr(&b), buf_len(&b), now);
	buf_free(&b);
	buf_free(&e);
}

static void
send_attrs(int n, const char **names, const struct p9_attr *attrs)
{
	send_attrs_of(DIRQ, n, names, attrs);
}

/* Forward one kernel request and answer it as the client: returns the
 * tag the proxy used towards the client. */
static uint16_t
forwarded(const struct p9_msg *t, uint8_t want_type)
{
	struct p9_msg m;

	from_kernel(t);
	if (take(&tc, &m) != 0 || m.type != want_type)
		return 0xFFFF;
	return m.tag;
}

/* The client's Rreaddir of d, tag ct: entries a (file) and b (dir). */
static void
reply_listing(uint16_t ct)
{
	struct p9_msg r = { .type = P9_RREADDIR, .tag = ct };
	struct p9_dirent de;
	struct buf data;

	buf_init(&data, 4096);
	de = (struct p9_dirent){ AQ, 1, 8, S("a") };
	p9_dirent_put(&data, &de);
	de = (struct p9_dirent){ BQ, 2, 4, S("b") };
	p9_dirent_put(&data, &de);
	r.u.rio.count = (uint32_t)buf_len(&data);
	r.u.rio.data = buf_ptr(&data);
	from_client(&r);
	buf_free(&data);
}

static uint32_t sess_msize = 65536;	/* setup_session()'s msize */

static void
setup_session(void)
{
	struct p9_msg t = { .type = P9_TVERSION, .tag = P9_NOTAG }, r, m;
	const char *names[2] = { "a", "b" };
	struct p9_attr at[2] = { attr_of(AQ, 42), attr_of(BQ, 4096) };
	uint16_t ct;

	t.u.version.msize = sess_msize;
	t.u.version.version = S(P9_VERSION_L);
	from_kernel(&t);
	ok(perr == 0 && take(&tc, &m) == 0 && m.type == P9_TVERSION &&
	    m.tag == P9_NOTAG, "Tversion goes through untouched");
	r = (struct p9_msg){ .type = P9_RVERSION, .tag = P9_NOTAG };
	r.u.version.msize = sess_msize;
	r.u.version.version = S(P9_VERSION_L);
	from_client(&r);
	ok(perr == 0 && take(&tk, &m) == 0 && m.type == P9_RVERSION &&
	    p9proxy_msize(px) == sess_msize, "Rversion goes back, msize learnt");

	t = (struct p9_msg){ .type = P9_TATTACH, .tag = 7 };
	t.u.attach.fid = 0;
	t.u.attach.afid = P9_NOFID;
	t.u.attach.uname = S("root");
	t.u.attach.aname = S("");
	ct = forwarded(&t, P9_TATTACH);
	r = (struct p9_msg){ .type = P9_RATTACH, .tag = ct };
	r.u.qid = ROOTQ;
	from_client(&r);
	ok(perr == 0 && take(&tk, &m) == 0 && m.type == P9_RATTACH && m.tag == 7,
	    "Rattach gets the kernel's tag back");

	t = twalk(7, 0, 1, "d");
	ct = forwarded(&t, P9_TWALK);
	r = (struct p9_msg){ .type = P9_RWALK, .tag = ct };
	r.u.rwalk.nwqid = 1;
	r.u.rwalk.wqid[0] = DIRQ;
	from_client(&r);
	take(&tk, &m);

	/* Open and list d: attributes first, then the Rreaddir. */
	t = tfid(P9_TLOPEN, 8, 1);
	ct = forwarded(&t, P9_TLOPEN);
	r = (struct p9_msg){ .type = P9_RLOPEN, .tag = ct };
	r.u.ropen.qid = DIRQ;
	from_client(&r);
	take(&tk, &m);

	t = (struct p9_msg){ .type = P9_TREADDIR, .tag = 9 };
	t.u.io.fid = 1;
	t.u.io.offset = 0;
	t.u.io.count = 8192;
	ct = forwarded(&t, P9_TREADDIR);
	send_attrs(2, names, at);
	ok(perr == 0, "attributes accepted");
	reply_listing(ct);
	ok(perr == 0 && take(&tk, &m) == 0 && m.type == P9_RREADDIR && m.tag == 9,
	    "Rreaddir goes back with the kernel's tag");
	t.u.io.offset = 2;
	ct = forwarded(&t, P9_TREADDIR);
	r = (struct p9_msg){ .type = P9_RREADDIR, .tag = ct };
	from_client(&r);
	take(&tk, &m);
}

static void
expect_local(const struct p9_msg *want, const char *what)
{
	struct buf b;
	struct p9_msg m;

	buf_init(&b, 4096);
	p9_encode(&b, want);
	ok(perr == 0 && buf_len(&tc) == 0 && buf_len(&tk) == buf_len(&b) &&
	    memcmp(buf_ptr(&tk), buf_ptr(&b), buf_len(&b)) == 0,
	    "%s: answered here, bytes as the server's", what);
	buf_free(&b);
	while (take(&tk, &m) == 0)
		;
}

/* Twalk(1 -> newfid, "a") answered here with a's qid. */
static void
expect_walk_a_here(uint16_t tag, uint32_t newfid, const char *what)
{
	struct p9_msg t = twalk(tag, 1, newfid, "a"), want = { .type = P9_RWALK, .tag = tag };

	from_kernel(&t);
	want.u.rwalk.nwqid = 1;
	want.u.rwalk.wqid[0] = AQ;
	expect_local(&want, what);
}

/* The kernel's request just sent went to the client as a `type`. */
static void
expect_forwarded(uint8_t type, const char *what)
{
	struct p9_msg m;

	ok(perr == 0 && buf_len(&tk) == 0 && take(&tc, &m) == 0 && m.type == type,
	    "%s", what);
}

static void
test_local(void)
{
	struct p9_msg t, want;

	expect_walk_a_here(20, 2, "Twalk of a listed name");

	t = tfid(P9_TGETATTR, 21, 2);
	from_kernel(&t);
	want = (struct p9_msg){ .type = P9_RGETATTR, .tag = 21 };
	want.u.attr = attr_of(AQ, 42);
	expect_local(&want, "Tgetattr of the virtual fid");

	t = (struct p9_msg){ .type = P9_TXATTRWALK, .tag = 26 };
	t.u.xattrwalk.fid = 2;
	t.u.xattrwalk.newfid = 9;
	t.u.xattrwalk.name = S("security.selinux");
	from_kernel(&t);
	want = (struct p9_msg){ .type = P9_RLERROR, .tag = 26 };
	want.u.ecode = ENODATA;
	expect_local(&want, "Txattrwalk of security.selinux");
	t = twalk(22, 2, 3, NULL);
	from_kernel(&t);
	want = (struct p9_msg){ .type = P9_RWALK, .tag = 22 };
	expect_local(&want, "Twalk clone of a virtual fid");

	t = tfid(P9_TCLUNK, 23, 3);
	from_kernel(&t);
	want = (struct p9_msg){ .type = P9_RCLUNK, .tag = 23 };
	expect_local(&want, "Tclunk of a virtual fid");
	t = tfid(P9_TCLUNK, 23, 2);
	from_kernel(&t);
	expect_local(&want, "Tclunk of the other");

	t = twalk(24, 1, 4, "zz");
	from_kernel(&t);
	want = (struct p9_msg){ .type = P9_RLERROR, .tag = 24 };
	want.u.ecode = ENOENT;
	expect_local(&want, "Twalk of a name absent from a complete listing");

	t = twalk(25, 1, 4, "..");
	from_kernel(&t);
	ok(perr == 0 && buf_len(&tk) == 0 && buf_len(&tc) > 0,
	    "Twalk of '..' is forwarded");
	buf_reset(&tc);

	t = (struct p9_msg){ .type = P9_TXATTRWALK, .tag = 27 };
	t.u.xattrwalk.fid = 1;
	t.u.xattrwalk.newfid = 9;
	t.u.xattrwalk.name = S("user.comment");
	from_kernel(&t);
	ok(perr == 0 && buf_len(&tk) == 0 && buf_len(&tc) > 0,
	    "Txattrwalk of user.comment is forwarded");
	buf_reset(&tc);
}

static void
test_materialise(void)
{
	struct p9_msg t, m, r;
	uint16_t wt, ot;

	t = twalk(30, 1, 5, "a");
	from_kernel(&t);
	buf_reset(&tk);
	t = tfid(P9_TLOPEN, 30, 5);
	from_kernel(&t);
	ok(perr == 0 && take(&tc, &m) == 0 && m.type == P9_TWALK &&
	    m.u.walk.fid == 1 && m.u.walk.newfid == 5 && m.u.walk.nwname == 1 &&
	    m.u.walk.wname[0].len == 1 && m.u.walk.wname[0].s[0] == 'a',
	    "Tlopen of a virtual fid: our Twalk(1, 5, a) first");
	wt = m.tag;
	ok(take(&tc, &m) == 0 && m.type == P9_TLOPEN && m.u.lopen.fid == 5 &&
	    m.tag != wt, "... then the Tlopen, pipelined, another tag");
	ot = m.tag;
	r = (struct p9_msg){ .type = P9_RWALK, .tag = wt };
	r.u.rwalk.nwqid = 1;
	r.u.rwalk.wqid[0] = AQ;
	from_client(&r);
	ok(perr == 0 && buf_len(&tk) == 0, "our Rwalk is not passed on");
	r = (struct p9_msg){ .type = P9_RLOPEN, .tag = ot };
	r.u.ropen.qid = AQ;
	from_client(&r);
	ok(perr == 0 && take(&tk, &m) == 0 && m.type == P9_RLOPEN && m.tag == 30 &&
	    buf_len(&tk) == 0, "Rlopen reaches the kernel with its tag, once");
	t = tfid(P9_TCLUNK, 31, 5);
	from_kernel(&t);
	ok(take(&tc, &m) == 0 && m.type == P9_TCLUNK,
	    "a materialised fid's Tclunk goes to the client");
	ok(take(&tk, &r) == 0 && r.type == P9_RCLUNK && r.tag == 31 &&
	    buf_len(&tk) == 0, "... and the kernel has its Rclunk at once");
	r = (struct p9_msg){ .type = P9_RCLUNK, .tag = m.tag };
	from_client(&r);
	ok(perr == 0 && buf_len(&tk) == 0, "the client's Rclunk is swallowed");
	buf_reset(&tc);

	/* Failure: the walk's error answers the kernel's request. */
	t = twalk(32, 1, 6, "b");
	from_kernel(&t);
	buf_reset(&tk);
	t = tfid(P9_TREADLINK, 33, 6);
	from_kernel(&t);
	take(&tc, &m);
	wt = m.tag;
	take(&tc, &m);
	ot = m.tag;
	r = (struct p9_msg){ .type = P9_RLERROR, .tag = wt };
	r.u.ecode = ENOENT;
	from_client(&r);
	r.tag = ot;
	r.u.ecode = EBADF;
	from_client(&r);
	ok(perr == 0 && take(&tk, &m) == 0 && m.type == P9_RLERROR &&
	    m.tag == 33 && m.u.ecode == ENOENT && buf_len(&tk) == 0,
	    "failed materialisation: the request gets the walk's ENOENT");
	t = tfid(P9_TCLUNK, 34, 6);
	from_kernel(&t);
	ok(take(&tk, &m) == 0 && m.type == P9_RCLUNK && buf_len(&tc) == 0,
	    "... and its Tclunk is answered here");

	/* Clunking a base with a virtual fid on it materialises that first. */
	t = twalk(35, 1, 7, "a");
	from_kernel(&t);
	buf_reset(&tk);
	t = twalk(36, 1, 8, NULL);		/* a real clone to clunk */
	t.u.walk.newfid = 1;			/* ... no: onto itself */
	from_kernel(&t);
	ok(take(&tc, &m) == 0 && m.type == P9_TWALK && m.u.walk.newfid == 7 &&
	    take(&tc, &m) == 0 && m.type == P9_TWALK && m.u.walk.newfid == 1,
	    "a Twalk moving a base fid materialises its dependents first");
	r = (struct p9_msg){ .type = P9_RWALK };
	r.u.rwalk.nwqid = 1;
	r.u.rwalk.wqid[0] = AQ;
	buf_reset(&tc);
}

static void
test_flush(void)
{
	struct p9_msg t, m, r;
	uint16_t ct, ft;

	/* A second session state is not needed: flush a forwarded read. */
	t = (struct p9_msg){ .type = P9_TREAD, .tag = 40 };
	t.u.io.fid = 1;
	t.u.io.count = 10;
	ct = forwarded(&t, P9_TREAD);
	t = (struct p9_msg){ .type = P9_TFLUSH, .tag = 41 };
	t.u.oldtag = 40;
	from_kernel(&t);
	ok(perr == 0 && take(&tc, &m) == 0 && m.type == P9_TFLUSH &&
	    m.u.oldtag == ct && m.tag != ct, "Tflush of a forwarded request: "
	    "forwarded, oldtag translated");
	ft = m.tag;
	r = (struct p9_msg){ .type = P9_RREAD, .tag = ct };
	r.u.rio.count = 0;
	from_client(&r);
	r = (struct p9_msg){ .type = P9_RFLUSH, .tag = ft };
	from_client(&r);
	ok(take(&tk, &m) == 0 && m.type == P9_RREAD && m.tag == 40 &&
	    take(&tk, &m) == 0 && m.type == P9_RFLUSH && m.tag == 41,
	    "... the old reply, then Rflush, with the kernel's tags");

	t = (struct p9_msg){ .type = P9_TFLUSH, .tag = 42 };
	t.u.oldtag = 20;
	from_kernel(&t);
	ok(perr == 0 && buf_len(&tc) == 0 && take(&tk, &m) == 0 &&
	    m.type == P9_RFLUSH && m.tag == 42,
	    "Tflush of a request answered here: Rflush at once");

	/* Flush before the reply: the old reply is dropped if the client
	 * answers Rflush without it (never after Rflush). */
	t = (struct p9_msg){ .type = P9_TREAD, .tag = 43 };
	t.u.io.fid = 1;
	t.u.io.count = 10;
	ct = forwarded(&t, P9_TREAD);
	t = (struct p9_msg){ .type = P9_TFLUSH, .tag = 44 };
	t.u.oldtag = 43;
	from_kernel(&t);
	take(&tc, &m);
	r = (struct p9_msg){ .type = P9_RFLUSH, .tag = m.tag };
	from_client(&r);
	r = (struct p9_msg){ .type = P9_RREAD, .tag = ct };
	from_client(&r);
	ok(take(&tk, &m) == 0 && m.type == P9_RFLUSH && m.tag == 44 &&
	    buf_len(&tk) == 0 && perr < 0,
	    "nothing passes after Rflush (a late reply is a protocol error)");
}

static void
test_invalidate_ttl(void)
{
	struct p9_msg t, m;

	t = (struct p9_msg){ .type = P9_TMKDIR, .tag = 50 };
	t.u.mkdir.dfid = 1;
	t.u.mkdir.name = S("new");
	t.u.mkdir.mode = 0755;
	from_kernel(&t);
	buf_reset(&tc);
	t = twalk(51, 1, 9, "a");
	from_kernel(&t);
	ok(perr == 0 && buf_len(&tk) == 0 && take(&tc, &m) == 0 &&
	    m.type == P9_TWALK, "after Tmkdir in the directory: walks go to the client");
	t = twalk(52, 1, 9, "zz");
	from_kernel(&t);
	ok(buf_len(&tk) == 0 && take(&tc, &m) == 0 && m.type == P9_TWALK,
	    "... and a missing name is no longer ENOENT here");
}

static void
test_ttl(void)
{
	const char *names[1] = { "a" };
	struct p9_attr at[1] = { attr_of(AQ, 42) };
	struct p9_msg t, m;

	send_attrs(1, names, at);
	t = twalk(60, 1, 10, "a");
	from_kernel(&t);
	ok(perr == 0 && buf_len(&tc) == 0 && take(&tk, &m) == 0 &&
	    m.type == P9_RWALK, "fresh attributes: answered here");
	buf_reset(&tk);
	now += TTL;
	t = tfid(P9_TGETATTR, 61, 10);
	from_kernel(&t);
	ok(perr == 0 && buf_len(&tk) == 0 && take(&tc, &m) == 0 &&
	    m.type == P9_TWALK && take(&tc, &m) == 0 && m.type == P9_TGETATTR,
	    "after the TTL: Tgetattr materialises and goes to the client");
	t = twalk(62, 1, 11, "a");
	from_kernel(&t);
	ok(buf_len(&tk) == 0 && take(&tc, &m) == 0 && m.type == P9_TWALK,
	    "after the TTL: Twalk goes to the client");
}

/* Attributes with btime, gen or data_version set (our server sends them
 * as zeros; the cache keeps only the rest) are not kept: asked again. */
static void
test_attr_tail(void)
{
	const char *names[1] = { "t" };
	struct p9_attr at[1] = { attr_of(CQ, 7) };
	struct p9_msg t, m;

	at[0].btime_sec = 1;
	send_attrs(1, names, at);
	t = twalk(63, 1, 12, "t");
	from_kernel(&t);
	ok(perr == 0 && buf_len(&tk) == 0 && take(&tc, &m) == 0 &&
	    m.type == P9_TWALK, "attributes with a btime: not kept, Twalk goes to the client");
	buf_reset(&tc);
	at[0].btime_sec = 0;
	send_attrs(1, names, at);
	t = twalk(64, 1, 13, "t");
	from_kernel(&t);
	ok(perr == 0 && buf_len(&tc) == 0 && take(&tk, &m) == 0 &&
	    m.type == P9_RWALK, "... the same without: answered here");
	t = tfid(P9_TGETATTR, 65, 13);
	from_kernel(&t);
	ok(perr == 0 && buf_len(&tc) == 0 && take(&tk, &m) == 0 &&
	    m.type == P9_RGETATTR && m.u.attr.qid.path == CQ.path &&
	    m.u.attr.size == 7 && m.u.attr.mtime_sec == at[0].mtime_sec &&
	    m.u.attr.btime_sec == 0 && m.u.attr.gen == 0 && m.u.attr.data_version == 0,
	    "... and its Rgetattr has the zeros back");
	buf_reset(&tk);
}

static void
test_malformed(void)
{
	static const uint8_t tiny[] = { 3, 0, 0, 0 };
	static const uint8_t badwalk[] = { 9 + 2, 0, 0, 0, P9_TWALK, 1, 0, 0, 0 };
	uint8_t attrs[20] = { 0 };

	buf_reset(&kin);
	buf_put(&kin, tiny, sizeof(tiny));
	ok(p9proxy_from_kernel(px, &kin, &tc, &tk, now) < 0,
	    "a size field under 7 from the kernel ends the channel");
	buf_reset(&kin);
	buf_put(&kin, badwalk, sizeof(badwalk));
	buf_put_u16(&kin, 0);
	ok(p9proxy_from_kernel(px, &kin, &tc, &tk, now) < 0,
	    "a truncated Twalk ends the channel");
	ok(p9proxy_on_attrs(px, attrs, 5, now) < 0, "a short attribute body: error");
	le_put16(attrs + 13, 200);
	ok(p9proxy_on_attrs(px, attrs, sizeof(attrs), now) < 0,
	    "an attribute entry longer than its body: error");
	buf_reset(&cin);
	{
		struct p9_msg r = { .type = P9_RCLUNK, .tag = 4321 };

		p9_encode(&cin, &r);
	}
	ok(p9proxy_from_client(px, &cin, &tk, now) < 0,
	    "a reply to a tag never sent ends the channel");
}

/*
 * The client half: what p9srv's dirattr hook reports for each listed
 * entry is exactly the Rgetattr the server gives a Twalk + Tgetattr.
 */
static struct { char name[64]; struct p9_attr a; struct p9_qid dir; } seen[16];
static int nseen, neof, seen_links;
static char seen_target[64];

static void
on_dirattr(void *arg, const struct p9_qid *dq, const char *name, size_t n,
    const struct p9_attr *a, const char *target, size_t tlen)
{
	(void)arg;
	if (target != NULL && tlen < sizeof(seen_target)) {
		memcpy(seen_target, target, tlen);
		seen_target[tlen] = '\0';
		seen_links++;
	}
	if (n == 0 && name == NULL && a == NULL) {
		neof++;		/* the end-of-listing call */
		return;
	}
	if (nseen < 16 && n < 64) {
		memcpy(seen[nseen].name, name, n);
		seen[nseen].name[n] = '\0';
		seen[nseen].a = *a;
		seen[nseen].dir = *dq;
		nseen++;
	}
}

static int
srv_rpc(struct p9conn *c, struct p9_msg *t, struct p9_msg *r)
{
	static struct buf in, out;
	static uint8_t copy[65536];
	size_t n;

	if (in.max == 0) {
		buf_init(&in, 1 << 20);
		buf_init(&out, 4 << 20);
	}
	buf_reset(&out);
	if (p9_encode(&in, t) != 0 || p9conn_process(c, &in, &out) != 0 ||
	    (n = buf_len(&out)) > sizeof(copy))
		return -1;
	memcpy(copy, buf_ptr(&out), n);
	msglen = n;
	return p9_decode(copy, n, r);
}

static void
test_client_hook(void)
{
	char dir[] = "/tmp/unit-p9proxy.XXXXXX", path[128];
	struct p9srv_conf conf = { .dirattr = on_dirattr };
	struct p9_msg t, r;
	struct p9conn *c;
	int fd, i, bad = 0, nfound = 0, nlisted;

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/file", dir);
	if ((fd = open(path, O_CREAT | O_WRONLY, 0640)) < 0 || write(fd, "hello", 5) != 5)
		abort();
	close(fd);
	snprintf(path, sizeof(path), "%s/sub", dir);
	mkdir(path, 0751);
	snprintf(path, sizeof(path), "%s/link", dir);
	if (symlink("file", path) != 0)
		abort();
	conf.rootfd = open(dir, O_PATH | O_DIRECTORY);
	c = p9conn_new(&conf);
	t = (struct p9_msg){ .type = P9_TVERSION, .tag = P9_NOTAG };
	t.u.version.msize = 65536;
	t.u.version.version = S(P9_VERSION_L);
	srv_rpc(c, &t, &r);
	t = (struct p9_msg){ .type = P9_TATTACH, .tag = 1 };
	t.u.attach.fid = 0;
	t.u.attach.afid = P9_NOFID;
	t.u.attach.uname = S("root");
	t.u.attach.aname = S("");
	srv_rpc(c, &t, &r);
	t = twalk(1, 0, 1, NULL);
	srv_rpc(c, &t, &r);
	t = tfid(P9_TLOPEN, 1, 1);
	srv_rpc(c, &t, &r);
	t = (struct p9_msg){ .type = P9_TREADDIR, .tag = 1 };
	t.u.io.fid = 1;
	t.u.io.count = 8192;
	ok(srv_rpc(c, &t, &r) == 0 && r.type == P9_RREADDIR && nseen == 3,
	    "readdir: the hook saw the 3 entries, not '.' or '..'");
	ok(neof == 1, "... and was told the reply ends the listing");
	ok(seen_links == 1 && strcmp(seen_target, "file") == 0,
	    "the symlink alone came with its target, as Treadlink gives it");
	nlisted = nseen;
	for (i = 0; i < nlisted; i++) {
		struct buf a, b;
		struct p9_msg ra = { .type = P9_RGETATTR, .tag = 2 };

		t = twalk(2, 0, 2, seen[i].name);
		if (srv_rpc(c, &t, &r) != 0 || r.type != P9_RWALK ||
		    r.u.rwalk.wqid[0].path != seen[i].a.qid.path ||
		    r.u.rwalk.wqid[0].type != seen[i].a.qid.type)
			bad = 1;
		t = tfid(P9_TGETATTR, 2, 2);
		buf_init(&a, 4096);
		buf_init(&b, 4096);
		ra.u.attr = seen[i].a;
		p9_encode(&a, &ra);
		if (srv_rpc(c, &t, &r) != 0 || p9_encode(&b, &r) != 0 ||
		    buf_len(&a) != buf_len(&b) ||
		    memcmp(buf_ptr(&a), buf_ptr(&b), buf_len(&a)) != 0)
			bad = 1;
		else
			nfound++;
		buf_free(&a);
		buf_free(&b);
		t = tfid(P9_TCLUNK, 2, 2);
		srv_rpc(c, &t, &r);
	}
	ok(!bad && nfound == 3, "each entry's attributes equal the server's "
	    "Rwalk qid and Rgetattr bytes (file, directory, symlink)");
	ok(nseen == 2 * nlisted && seen_links == 2 &&
	    memcmp(&seen[nlisted].a, &seen[0].a, sizeof(seen[0].a)) == 0,
	    "each walk sent its name's attributes too (and the link's target)");
	p9conn_free(c);
	close(conf.rootfd);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		diag("cleanup failed");
}

/* The client marks the reply that ends a listing: the kernel's next
 * Treaddir at the final offset is answered here, empty. */
static void
test_readdir_eof(void)
{
	static const char *names[] = { "a", "b" };
	struct p9_attr at[2] = { attr_of(AQ, 42), attr_of(BQ, 7) };
	struct p9_msg t, m, want;
	uint16_t ct;

	t = (struct p9_msg){ .type = P9_TREADDIR, .tag = 70 };
	t.u.io.fid = 1;
	t.u.io.offset = 0;
	t.u.io.count = 8192;
	ct = forwarded(&t, P9_TREADDIR);
	attrs_eof = true;
	send_attrs(2, names, at);
	attrs_eof = false;
	ok(perr == 0, "attributes with the end-of-listing mark accepted");
	reply_listing(ct);
	ok(perr == 0 && take(&tk, &m) == 0 && m.type == P9_RREADDIR && m.tag == 70,
	    "the listing goes back to the kernel");
	t.tag = 71;
	t.u.io.offset = 2;
	from_kernel(&t);
	want = (struct p9_msg){ .type = P9_RREADDIR, .tag = 71 };
	expect_local(&want, "Treaddir at the end of a marked listing");
	t.tag = 72;
	t.u.io.offset = 1;
	from_kernel(&t);
	ok(perr == 0 && buf_len(&tk) == 0 && buf_len(&tc) > 0,
	    "Treaddir at another offset is forwarded");
	buf_reset(&tc);
}

/* Lazy opens (the loose channel): Rlopen here, the client's open only
 * in front of the first read, and its failure is that read's. */
static void
test_lazy_open(void)
{
	struct p9_msg t, m, r, want;
	uint16_t wt, ot, rt;

	p9proxy_set_lazy_open(px, true);
	t = twalk(60, 1, 20, "a");
	from_kernel(&t);
	while (take(&tk, &m) == 0)
		;
	t = tfid(P9_TLOPEN, 61, 20);
	from_kernel(&t);
	want = (struct p9_msg){ .type = P9_RLOPEN, .tag = 61 };
	want.u.ropen.qid = AQ;
	expect_local(&want, "read-only Tlopen of a file, lazy");
	t = (struct p9_msg){ .type = P9_TREAD, .tag = 62 };
	t.u.io.fid = 20;
	t.u.io.count = 100;
	from_kernel(&t);
	ok(perr == 0 && buf_len(&tk) == 0 && take(&tc, &m) == 0 &&
	    m.type == P9_TWALK && m.u.walk.newfid == 20, "Tread: our walk first");
	wt = m.tag;
	ok(take(&tc, &m) == 0 && m.type == P9_TLOPEN && m.u.lopen.fid == 20,
	    "... then the owed Tlopen");
	ot = m.tag;
	ok(take(&tc, &m) == 0 && m.type == P9_TREAD && m.u.io.fid == 20 &&
	    buf_len(&tc) == 0, "... then the Tread");
	rt = m.tag;
	r = (struct p9_msg){ .type = P9_RWALK, .tag = wt };
	r.u.rwalk.nwqid = 1;
	r.u.rwalk.wqid[0] = AQ;
	from_client(&r);
	r = (struct p9_msg){ .type = P9_RLERROR, .tag = ot };
	r.u.ecode = EACCES;
	from_client(&r);
	ok(perr == 0 && buf_len(&tk) == 0, "our walk and open replies are not passed on");
	r = (struct p9_msg){ .type = P9_RLERROR, .tag = rt };
	r.u.ecode = EBADF;
	from_client(&r);
	ok(perr == 0 && take(&tk, &m) == 0 && m.type == P9_RLERROR && m.tag == 62 &&
	    m.u.ecode == EACCES, "a failed lazy open is the read's error (EACCES)");
	t = tfid(P9_TCLUNK, 63, 20);
	from_kernel(&t);
	while (take(&tk, &m) == 0)
		;
	buf_reset(&tc);
	t = twalk(64, 1, 21, "a");
	from_kernel(&t);
	while (take(&tk, &m) == 0)
		;
	t = tfid(P9_TLOPEN, 65, 21);
	t.u.lopen.flags = P9_DOTL_RDWR;
	from_kernel(&t);
	ok(perr == 0 && buf_len(&tk) == 0 && buf_len(&tc) > 0,
	    "a read-write Tlopen is never lazy");
	buf_reset(&tc);
	p9proxy_set_lazy_open(px, false);
}

/* The Rreaddir a Tlopen's own Treaddir(0) brought, for fid 50 at tag kt. */
static void
reply_prefetch(uint16_t ct)
{
	const char *names[2] = { "a", "b" };
	struct p9_attr at[2] = { attr_of(AQ, 42), attr_of(BQ, 4096) };

	attrs_eof = true;
	send_attrs(2, names, at);
	attrs_eof = false;
	reply_listing(ct);
}

/* Opens fid `fid` (a clone of d, fid 1) for listing: returns the tag
 * the Tlopen reached the client with, 0xFFFF if answered here. */
static uint16_t
open_d(uint16_t tag, uint32_t fid)
{
	struct p9_msg t, m;

	t = twalk(tag, 1, fid, NULL);
	from_kernel(&t);
	take(&tk, &m);
	t = tfid(P9_TLOPEN, tag, fid);
	t.u.lopen.flags = P9_DOTL_DIRECTORY | P9_DOTL_NONBLOCK;
	from_kernel(&t);
	if (buf_len(&tc) == 0)
		return 0xFFFF;
	while (take(&tc, &m) == 0 && m.type != P9_TLOPEN)
		;
	return m.tag;
}

/* Open d as fid (a clone, Tlopen forwarded) and read its listing from
 * the client, tags tag and tag + 1: the Rreaddir is left in tk. */
static void
list_d(uint16_t tag, uint32_t fid)
{
	struct p9_msg t, m, r;

	r = (struct p9_msg){ .type = P9_RLOPEN, .tag = open_d(tag, fid) };
	r.u.ropen.qid = DIRQ;
	from_client(&r);
	take(&tk, &m);
	t = (struct p9_msg){ .type = P9_TREADDIR, .tag = tag + 1 };
	t.u.io.fid = fid;
	t.u.io.count = 8192;
	reply_prefetch(forwarded(&t, P9_TREADDIR));
}

/* The client's listing of directory dq with one entry, name (qid q),
 * attributes first, as the reply to tag ct; its bytes into copy. */
static size_t
reply_one(uint16_t ct, struct p9_qid dq, const char *name, struct p9_qid q,
    uint8_t *copy)
{
	struct p9_msg r = { .type = P9_RREADDIR, .tag = ct };
	struct p9_attr a = attr_of(q, 5);
	struct p9_dirent de = { q, 1, 8, S(name) };
	struct buf data, enc;
	size_t n;

	attrs_eof = true;
	send_attrs_of(dq, 1, &name, &a);
	attrs_eof = false;
	buf_init(&data, 512);
	buf_init(&enc, 1024);
	p9_dirent_put(&data, &de);
	r.u.rio.count = (uint32_t)buf_len(&data);
	r.u.rio.data = buf_ptr(&data);
	p9_encode(&enc, &r);
	n = buf_len(&enc);
	if (copy != NULL)
		memcpy(copy, buf_ptr(&enc), n);
	from_client(&r);
	buf_free(&data);
	buf_free(&enc);
	return n;
}

/* A whole listing read from 0 to its end is kept for the TTL: the next
 * Tlopen + Treaddir of that directory are answered here. */
static void
test_listed(void)
{
	struct p9_msg t, m, want;
	uint8_t first[4096];
	size_t firstlen;

	list_d(120, 60);
	ok(perr == 0 && take(&tk, &m) == 0 && m.type == P9_RREADDIR && m.tag == 121,
	    "a listing from offset 0, marked as the end, reaches the kernel");
	firstlen = msglen;
	memcpy(first, msgbuf, msglen);
	t = (struct p9_msg){ .type = P9_TREADDIR, .tag = 122 };
	t.u.io.fid = 60;
	t.u.io.count = 8192;
	t.u.io.offset = 2;
	from_kernel(&t);
	take(&tk, &m);
	t = tfid(P9_TCLUNK, 123, 60);
	from_kernel(&t);
	buf_reset(&tc);
	buf_reset(&tk);

	ok(open_d(124, 61) == 0xFFFF, "the next Tlopen of it is answered here");
	want = (struct p9_msg){ .type = P9_RLOPEN, .tag = 124 };
	want.u.ropen.qid = DIRQ;
	expect_local(&want, "... Rlopen(qid, iounit 0)");
	t = (struct p9_msg){ .type = P9_TREADDIR, .tag = 125 };
	t.u.io.fid = 61;
	t.u.io.count = 8192;
	from_kernel(&t);
	ok(perr == 0 && buf_len(&tc) == 0 && take(&tk, &m) == 0 &&
	    m.type == P9_RREADDIR && m.tag == 125 && msglen == firstlen &&
	    memcmp(msgbuf + P9_HDRSZ, first + P9_HDRSZ, firstlen - P9_HDRSZ) == 0,
	    "... and its Treaddir(0): the stored listing, byte for byte");
	t.tag = 126;
	t.u.io.offset = 2;
	from_kernel(&t);
	want = (struct p9_msg){ .type = P9_RREADDIR, .tag = 126 };
	expect_local(&want, "... and the end of it");
	t.tag = 127;
	t.u.io.offset = 1;
	from_kernel(&t);
	ok(perr == 0 && buf_len(&tk) == 0 && take(&tc, &m) == 0 &&
	    m.type == P9_TWALK && m.u.walk.newfid == 61 && take(&tc, &m) == 0 &&
	    m.type == P9_TLOPEN && m.u.lopen.fid == 61 && take(&tc, &m) == 0 &&
	    m.type == P9_TREADDIR && m.u.io.offset == 1,
	    "another offset: materialised, opened on the client, forwarded");
	buf_reset(&tc);
	t = tfid(P9_TCLUNK, 128, 61);
	from_kernel(&t);
	buf_reset(&tc);
	buf_reset(&tk);

	t = (struct p9_msg){ .type = P9_TSYMLINK, .tag = 129 };
	t.u.symlink.fid = 1;
	t.u.symlink.name = S("ln");
	t.u.symlink.target = S("a");
	from_kernel(&t);
	buf_reset(&tc);
	ok(open_d(130, 62) != 0xFFFF, "after a symlink made in it: Tlopen goes "
	    "to the client");
	buf_reset(&tc);
	t = tfid(P9_TCLUNK, 131, 62);
	from_kernel(&t);
	buf_reset(&tc);
	buf_reset(&tk);
}

/* Listings asked ahead: once the kernel has read d's whole listing, the
 * proxy asks its subdirectory b's listing itself (own fid, pipelined),
 * and the kernel's walk, open and read of b are then answered here. */
static void
test_ahead(void)
{
	struct p9_msg t, m, r, want;
	uint16_t wt = 0, lt = 0, rt = 0, kt = 0;
	uint32_t specfid = 0;
	uint8_t blist[512];
	size_t blen;
	int n = 0;

	p9proxy_set_ahead(px, true);
	/* d listed alone (as `ls d`): nothing asked ahead. */
	list_d(140, 70);
	take(&tk, &m);
	t = tfid(P9_TCLUNK, 142, 70);
	from_kernel(&t);
	ok(take(&tc, &m) == 0 && m.type == P9_TCLUNK && m.u.fid == 70 &&
	    buf_len(&tc) == 0, "a directory listed alone asks nothing ahead");
	buf_reset(&tk);

	/* The root listed, then d again: the kernel is going down the tree. */
	t = twalk(150, 0, 72, NULL);
	from_kernel(&t);
	take(&tk, &m);
	t = tfid(P9_TLOPEN, 151, 72);
	t.u.lopen.flags = P9_DOTL_DIRECTORY;
	from_kernel(&t);
	take(&tc, &m);
	wt = m.tag;
	take(&tc, &m);
	lt = m.tag;
	r = (struct p9_msg){ .type = P9_RWALK, .tag = wt };
	from_client(&r);
	r = (struct p9_msg){ .type = P9_RLOPEN, .tag = lt };
	r.u.ropen.qid = ROOTQ;
	from_client(&r);
	take(&tk, &m);
	t = (struct p9_msg){ .type = P9_TREADDIR, .tag = 152 };
	t.u.io.fid = 72;
	t.u.io.count = 8192;
	reply_one(forwarded(&t, P9_TREADDIR), ROOTQ, "d", DIRQ, NULL);
	take(&tk, &m);
	t = tfid(P9_TCLUNK, 153, 72);
	from_kernel(&t);
	buf_reset(&tc);
	buf_reset(&tk);
	wt = lt = 0;
	ok(open_d(143, 73) == 0xFFFF, "d opened again: answered here (kept)");
	buf_reset(&tk);
	t = (struct p9_msg){ .type = P9_TREADDIR, .tag = 144 };
	t.u.io.fid = 73;
	t.u.io.count = 8192;
	from_kernel(&t);
	buf_reset(&tk);
	t = tfid(P9_TCLUNK, 145, 73);
	from_kernel(&t);
	while (take(&tc, &m) == 0) {
		n++;
		if (m.type == P9_TWALK && m.u.walk.fid == 1 && m.u.walk.nwname == 1 &&
		    m.u.walk.wname[0].len == 1 && m.u.walk.wname[0].s[0] == 'b') {
			wt = m.tag;
			specfid = m.u.walk.newfid;
		} else if (m.type == P9_TLOPEN && m.u.lopen.fid == specfid && specfid)
			lt = m.tag;
		else if (m.type == P9_TREADDIR && m.u.io.fid == specfid && specfid &&
		    m.u.io.offset == 0 && m.u.io.count == 8192)
			rt = m.tag;
		else if (m.type == P9_TCLUNK && m.u.fid == specfid && specfid)
			kt = m.tag;
	}
	ok(n == 4 && wt && lt && rt && kt && specfid > 1000,
	    "its listing read from what was kept: Twalk(d, ours, b), Tlopen, "
	    "Treaddir(0), Tclunk of our own fid");
	buf_reset(&tk);

	/* The kernel goes into b before b's listing is back: its Tlopen is
	 * held, then answered here when the listing comes. */
	t = twalk(143, 1, 71, "b");
	from_kernel(&t);
	want = (struct p9_msg){ .type = P9_RWALK, .tag = 143 };
	want.u.rwalk.nwqid = 1;
	want.u.rwalk.wqid[0] = BQ;
	expect_local(&want, "the kernel's walk to b");
	t = tfid(P9_TLOPEN, 144, 71);
	t.u.lopen.flags = P9_DOTL_DIRECTORY;
	from_kernel(&t);
	ok(perr == 0 && buf_len(&tc) == 0 && buf_len(&tk) == 0,
	    "its Tlopen of b, while b's listing is on its way: held");
	r = (struct p9_msg){ .type = P9_RWALK, .tag = wt };
	r.u.rwalk.nwqid = 1;
	r.u.rwalk.wqid[0] = BQ;
	from_client(&r);
	r = (struct p9_msg){ .type = P9_RLOPEN, .tag = lt };
	r.u.ropen.qid = BQ;
	from_client(&r);
	blen = reply_one(rt, BQ, "c", CQ, blist);
	r = (struct p9_msg){ .type = P9_RCLUNK, .tag = kt };
	from_client(&r);
	ok(perr == 0 && buf_len(&tk) == 0, "none of our replies reach the kernel");
	perr = p9proxy_from_kernel(px, &kin, &tc, &tk, now);
	want = (struct p9_msg){ .type = P9_RLOPEN, .tag = 144 };
	want.u.ropen.qid = BQ;
	expect_local(&want, "... then the held Tlopen of b is answered");
	t = (struct p9_msg){ .type = P9_TREADDIR, .tag = 145 };
	t.u.io.fid = 71;
	t.u.io.count = 8192;
	from_kernel(&t);
	le_put16(blist + 5, 145);
	ok(perr == 0 && buf_len(&tc) == 0 && buf_len(&tk) == blen &&
	    memcmp(buf_ptr(&tk), blist, blen) == 0,
	    "... and its Treaddir(0): b's listing as the client gave it");
	buf_reset(&tk);
	t = tfid(P9_TCLUNK, 146, 71);
	from_kernel(&t);
	buf_reset(&tk);
	buf_reset(&tc);
	p9proxy_set_ahead(px, false);
}

/* Symlink targets sent with a listing (FR_P9LINK): Treadlink is answered
 * here within the TTL, until the directory changes. */
static void
test_links(void)
{
	static const char *names[1] = { "ln" };
	const struct p9_qid lq = { P9_QTSYMLINK, 0, 104 };
	struct p9_attr at[1] = { attr_of(lq, 1) };
	struct p9_msg t, m, want;
	struct buf b;

	at[0].mode = 0120777;
	send_attrs(1, names, at);
	buf_init(&b, 256);
	buf_put_u8(&b, DIRQ.type);
	buf_put_u32(&b, DIRQ.version);
	buf_put_u64(&b, DIRQ.path);
	buf_put_str16(&b, "ln", 2);
	buf_put_str16(&b, "../a", 4);
	ok(p9proxy_on_links(px, buf_ptr(&b), buf_len(&b), now) == 0,
	    "link targets accepted");
	t = twalk(160, 1, 90, "ln");
	from_kernel(&t);
	take(&tk, &m);
	t = tfid(P9_TREADLINK, 161, 90);
	from_kernel(&t);
	want = (struct p9_msg){ .type = P9_RREADLINK, .tag = 161 };
	want.u.target = S("../a");
	expect_local(&want, "Treadlink of a listed link");
	t = (struct p9_msg){ .type = P9_TMKDIR, .tag = 162 };
	t.u.mkdir.dfid = 1;
	t.u.mkdir.name = S("x");
	t.u.mkdir.mode = 0755;
	from_kernel(&t);
	buf_reset(&tc);
	t = tfid(P9_TREADLINK, 163, 90);
	from_kernel(&t);
	ok(perr == 0 && buf_len(&tk) == 0 && take(&tc, &m) == 0 && m.type == P9_TWALK &&
	    take(&tc, &m) == 0 && m.type == P9_TREADLINK,
	    "after a change in the directory it goes to the client");
	buf_reset(&tc);
	buf_reset(&b);
	buf_put_u8(&b, DIRQ.type);
	buf_put_u32(&b, DIRQ.version);
	buf_put_u64(&b, DIRQ.path);
	buf_put_str16(&b, "ln", 2);
	buf_put_u16(&b, 9);
	ok(p9proxy_on_links(px, buf_ptr(&b), buf_len(&b), now) < 0,
	    "a target longer than its body: error");
	buf_free(&b);
}

/* The kernel's second, per-user Tattach of the export root: the same
 * root as the first, so a clone of it here. */
static void
test_attach(void)
{
	struct p9_msg t = { .type = P9_TATTACH, .tag = 170 }, m, want;

	t.u.attach.fid = 97;
	t.u.attach.afid = P9_NOFID;
	t.u.attach.uname = S("");
	t.u.attach.n_uname = 0;
	t.u.attach.aname = S("");
	from_kernel(&t);
	want = (struct p9_msg){ .type = P9_RATTACH, .tag = 170 };
	want.u.qid = ROOTQ;
	expect_local(&want, "a second Tattach of the root");
	{
		const char *dot[1] = { "." };
		struct p9_attr ra[1] = { attr_of(ROOTQ, 4096) };

		send_attrs_of(ROOTQ, 1, dot, ra);
		t = tfid(P9_TGETATTR, 173, 97);
		from_kernel(&t);
		want = (struct p9_msg){ .type = P9_RGETATTR, .tag = 173 };
		want.u.attr = ra[0];
		expect_local(&want, "... and its Tgetattr, from the root's pushed \".\"");
	}
	t = tfid(P9_TREADLINK, 171, 97);
	from_kernel(&t);
	ok(perr == 0 && take(&tc, &m) == 0 && m.type == P9_TWALK &&
	    m.u.walk.fid == 0 && m.u.walk.newfid == 97 && m.u.walk.nwname == 0 &&
	    take(&tc, &m) == 0 && m.type == P9_TREADLINK,
	    "... its fid is made on the client as a clone of the first");
	buf_reset(&tc);
	t = (struct p9_msg){ .type = P9_TATTACH, .tag = 172 };
	t.u.attach.fid = 98;
	t.u.attach.afid = P9_NOFID;
	t.u.attach.uname = S("");
	t.u.attach.aname = S("other");
	from_kernel(&t);
	ok(perr == 0 && buf_len(&tk) == 0 && take(&tc, &m) == 0 &&
	    m.type == P9_TATTACH, "a Tattach of another aname is forwarded");
	buf_reset(&tc);
}

/* An entry with valid 0 from the client: no such name (a pushed path's
 * missing component); the walk to it is answered ENOENT here. */
static void
test_absent(void)
{
	static const char *names[1] = { "gone" };
	struct p9_attr z[1];
	struct p9_msg t, want;

	memset(z, 0, sizeof(z));
	send_attrs(1, names, z);
	t = twalk(180, 1, 99, "gone");
	from_kernel(&t);
	want = (struct p9_msg){ .type = P9_RLERROR, .tag = 180 };
	want.u.ecode = ENOENT;
	expect_local(&want, "Twalk of a name the client said is absent");
	(void)p9proxy_sweep(px, now);
	t = twalk(181, 1, 99, "gone");
	from_kernel(&t);
	want.tag = 181;
	expect_local(&want, "... still answered after a sweep within the TTL");
	now += TTL;
	ok(p9proxy_sweep(px, now) > 0, "past the TTL a sweep frees what is stale");
	t = twalk(182, 1, 99, "gone");
	from_kernel(&t);
	ok(perr == 0 && buf_len(&tk) == 0 && buf_len(&tc) > 0,
	    "... and the walk goes to the client");
	buf_reset(&tc);
}

/* A base fid can carry hundreds of virtual fids (cache=loose keeps a fid
 * per entry of a big directory); clunking it materialises them all
 * first, each with its own walk. */
static void
test_many_deps(void)
{
	static bool seen300[300];
	struct p9_msg t, m;
	int i, local = 0, walks = 0;
	const char *names[2] = { "a", "b" };
	struct p9_attr at[2] = { attr_of(AQ, 42), attr_of(BQ, 4096) };

	send_attrs(2, names, at);

	for (i = 0; i < 300; i++) {
		t = twalk(80, 1, 1000 + i, i % 2 ? "a" : "b");
		from_kernel(&t);
		if (perr == 0 && buf_len(&tc) == 0 && take(&tk, &m) == 0 &&
		    m.type == P9_RWALK)
			local++;
	}
	ok(local == 300, "300 walks below one directory fid are all answered here");
	t = tfid(P9_TCLUNK, 81, 1);
	from_kernel(&t);
	memset(seen300, 0, sizeof(seen300));
	while (take(&tc, &m) == 0 && m.type == P9_TWALK && m.u.walk.fid == 1 &&
	    m.u.walk.newfid >= 1000 && m.u.walk.newfid < 1300 &&
	    !seen300[m.u.walk.newfid - 1000]) {
		seen300[m.u.walk.newfid - 1000] = true;
		walks++;
	}
	ok(walks == 300 && m.type == P9_TCLUNK && m.u.fid == 1 && buf_len(&tc) == 0,
	    "clunking that fid materialises all 300 first, then the Tclunk");
	buf_reset(&tk);
	for (i = 0; i < 300; i++) {
		t = tfid(P9_TCLUNK, 82, 1000 + i);
		from_kernel(&t);
	}
	buf_reset(&tc);
	buf_reset(&tk);
}

/* ENOENT from the client is remembered for the TTL, until the directory
 * changes through the mount. */
static void
test_negative(void)
{
	struct p9_msg t, m, r, want;
	uint16_t ct;

	t = twalk(90, 0, 40, "e");		/* a directory not listed */
	ct = forwarded(&t, P9_TWALK);
	r = (struct p9_msg){ .type = P9_RWALK, .tag = ct };
	r.u.rwalk.nwqid = 1;
	r.u.rwalk.wqid[0] = BQ;
	from_client(&r);
	take(&tk, &m);
	t = twalk(91, 40, 41, "missing");
	ct = forwarded(&t, P9_TWALK);
	r = (struct p9_msg){ .type = P9_RLERROR, .tag = ct };
	r.u.ecode = ENOENT;
	from_client(&r);
	ok(perr == 0 && take(&tk, &m) == 0 && m.type == P9_RLERROR && m.tag == 91,
	    "a missing name in an unlisted directory: the client's ENOENT");
	t = twalk(92, 40, 41, "missing");
	from_kernel(&t);
	want = (struct p9_msg){ .type = P9_RLERROR, .tag = 92 };
	want.u.ecode = ENOENT;
	expect_local(&want, "the same walk again");
	now += TTL;
	t = twalk(93, 40, 41, "missing");
	ct = forwarded(&t, P9_TWALK);
	ok(ct != 0xFFFF && buf_len(&tk) == 0, "after the TTL it goes to the client");
	r = (struct p9_msg){ .type = P9_RLERROR, .tag = ct };
	r.u.ecode = ENOENT;
	from_client(&r);
	take(&tk, &m);
	t = (struct p9_msg){ .type = P9_TLCREATE, .tag = 94 };
	t.u.lcreate.fid = 40;		/* (a real kernel would clone first) */
	t.u.lcreate.name = S("other");
	t.u.lcreate.flags = P9_DOTL_RDWR;
	t.u.lcreate.mode = 0644;
	from_kernel(&t);
	buf_reset(&tc);
	t = twalk(95, 0, 42, "e");
	ct = forwarded(&t, P9_TWALK);
	r = (struct p9_msg){ .type = P9_RWALK, .tag = ct };
	r.u.rwalk.nwqid = 1;
	r.u.rwalk.wqid[0] = BQ;
	from_client(&r);
	take(&tk, &m);
	t = twalk(96, 42, 43, "missing");
	ct = forwarded(&t, P9_TWALK);
	ok(ct != 0xFFFF && buf_len(&tk) == 0,
	    "after a create in that directory it goes to the client");
	r = (struct p9_msg){ .type = P9_RLERROR, .tag = ct };
	r.u.ecode = ENOENT;
	/* A create racing the walk: its invalidation wins. */
	t = (struct p9_msg){ .type = P9_TMKDIR, .tag = 97 };
	t.u.mkdir.dfid = 42;
	t.u.mkdir.name = S("missing");
	t.u.mkdir.mode = 0755;
	from_kernel(&t);
	buf_reset(&tc);
	from_client(&r);
	take(&tk, &m);
	t = twalk(98, 42, 43, "missing");
	ct = forwarded(&t, P9_TWALK);
	ok(ct != 0xFFFF && buf_len(&tk) == 0,
	    "an ENOENT that raced a mkdir there is not remembered");
	buf_reset(&tc);
}

/* Clone fid 1 (d) as fid and open it for listing, prefetch on: the
 * tags our Tlopen and Treaddir reached the client with. */
static void
open_prefetching(uint16_t tag, uint32_t fid, uint16_t *ot, uint16_t *pt)
{
	struct p9_msg t, m;

	t = twalk(tag, 1, fid, NULL);
	from_kernel(&t);
	take(&tk, &m);
	t = tfid(P9_TLOPEN, tag + 1, fid);
	t.u.lopen.flags = P9_DOTL_DIRECTORY;
	from_kernel(&t);
	take(&tc, &m);		/* the materialising walk */
	take(&tc, &m);
	*ot = m.tag;
	take(&tc, &m);
	*pt = m.tag;
}

/* Prefetch: Tlopen of a directory carries Treaddir(0, count) with the
 * count the kernel last used (setup_session: 8192); the kernel's first
 * Treaddir gets its reply, byte for byte. */
static void
test_prefetch(void)
{
	struct p9_msg t, m, r, want;
	uint16_t ot, pt, n, ct, gt;
	uint8_t saved[4096];
	size_t savedlen;

	p9proxy_set_prefetch(px, true);
	p9proxy_set_getattr_ahead(px, true);
	t = twalk(100, 1, 50, NULL);
	from_kernel(&t);
	take(&tk, &m);
	t = tfid(P9_TLOPEN, 101, 50);
	t.u.lopen.flags = P9_DOTL_DIRECTORY | P9_DOTL_NONBLOCK | P9_DOTL_LARGEFILE |
	    P9_DOTL_NOFOLLOW;
	from_kernel(&t);
	ok(perr == 0 && take(&tc, &m) == 0 && m.type == P9_TWALK &&
	    take(&tc, &m) == 0 && m.type == P9_TLOPEN, "Tlopen of a directory: "
	    "materialised and forwarded");
	ot = m.tag;
	ok(take(&tc, &m) == 0 && m.type == P9_TREADDIR && m.u.io.fid == 50 &&
	    m.u.io.offset == 0 && m.u.io.count == 8192 &&
	    buf_len(&tc) == 0, "... with our Treaddir(0, the kernel's last count) behind it");
	pt = m.tag;
	r = (struct p9_msg){ .type = P9_RLOPEN, .tag = ot };
	r.u.ropen.qid = DIRQ;
	from_client(&r);
	ok(take(&tk, &m) == 0 && m.type == P9_RLOPEN && m.tag == 101,
	    "Rlopen reaches the kernel");
	/* (our materialising walk's reply, then the listing) */
	reply_prefetch(pt);
	ok(perr == 0 && buf_len(&tk) == 0, "the prefetched Rreaddir is held");
	t = (struct p9_msg){ .type = P9_TREADDIR, .tag = 102 };
	t.u.io.fid = 50;
	t.u.io.count = 8192;
	from_kernel(&t);
	{
		struct p9_msg mm;

		ok(perr == 0 && buf_len(&tc) == 0 && take(&tk, &mm) == 0 &&
		    mm.type == P9_RREADDIR && mm.tag == 102 && mm.u.rio.count > 0,
		    "the kernel's Treaddir(0) is answered here");
		savedlen = msglen;
		memcpy(saved, msgbuf, msglen);
	}
	t.tag = 103;
	t.u.io.offset = 2;
	from_kernel(&t);
	want = (struct p9_msg){ .type = P9_RREADDIR, .tag = 103 };
	expect_local(&want, "... and the end of the listing too");

	/* Asked before our reply came: the reply becomes the kernel's.
	 * (Past the TTL: the listing stored above no longer answers.) */
	now += TTL;
	open_prefetching(104, 51, &ot, &pt);
	r = (struct p9_msg){ .type = P9_RLOPEN, .tag = ot };
	r.u.ropen.qid = DIRQ;
	from_client(&r);
	take(&tk, &m);
	t = (struct p9_msg){ .type = P9_TREADDIR, .tag = 106 };
	t.u.io.fid = 51;
	t.u.io.count = 8192;
	from_kernel(&t);
	ok(perr == 0 && buf_len(&tc) == 0 && buf_len(&tk) == 0,
	    "a Treaddir(0) while ours is out: nothing sent, nothing answered yet");
	reply_listing(pt);
	ok(perr == 0 && take(&tk, &m) == 0 && m.type == P9_RREADDIR && m.tag == 106 &&
	    msglen == savedlen && memcmp(msgbuf + P9_HDRSZ, saved + P9_HDRSZ,
	    savedlen - P9_HDRSZ) == 0, "... then our reply, with the kernel's tag");

	/* A Treaddir asking something else is forwarded; ours is dropped. */
	open_prefetching(107, 52, &ot, &pt);
	t = (struct p9_msg){ .type = P9_TREADDIR, .tag = 109 };
	t.u.io.fid = 52;
	t.u.io.count = 4096;
	from_kernel(&t);
	ok(perr == 0 && take(&tc, &m) == 0 && m.type == P9_TREADDIR &&
	    m.u.io.count == 4096, "a Treaddir of another count is forwarded");
	n = m.tag;
	r = (struct p9_msg){ .type = P9_RLOPEN, .tag = ot };
	r.u.ropen.qid = DIRQ;
	from_client(&r);
	reply_listing(pt);
	reply_listing(n);
	ok(perr == 0 && take(&tk, &m) == 0 && m.type == P9_RLOPEN &&
	    take(&tk, &m) == 0 && m.type == P9_RREADDIR && m.tag == 109 &&
	    buf_len(&tk) == 0, "... and only its reply reaches the kernel");

	/* A file's Tlopen: no prefetch. */
	t = twalk(110, 1, 53, "a");
	ct = forwarded(&t, P9_TWALK);
	ok(take(&tc, &m) == 0 && m.type == P9_TGETATTR && m.u.getattr.fid == 53 &&
	    buf_len(&tc) == 0, "a forwarded one-name Twalk carries our Tgetattr");
	gt = m.tag;
	r = (struct p9_msg){ .type = P9_RWALK, .tag = ct };
	r.u.rwalk.nwqid = 1;
	r.u.rwalk.wqid[0] = AQ;
	from_client(&r);
	r = (struct p9_msg){ .type = P9_RGETATTR, .tag = gt };
	r.u.attr = attr_of(AQ, 4242);
	from_client(&r);
	ok(perr == 0 && take(&tk, &m) == 0 && m.type == P9_RWALK && m.tag == 110 &&
	    buf_len(&tk) == 0, "the kernel sees only its Rwalk");
	t = tfid(P9_TGETATTR, 112, 53);
	from_kernel(&t);
	want = (struct p9_msg){ .type = P9_RGETATTR, .tag = 112 };
	want.u.attr = attr_of(AQ, 4242);
	expect_local(&want, "its Tgetattr then gets our reply's attributes");
	t = tfid(P9_TLOPEN, 111, 53);
	from_kernel(&t);
	ok(take(&tc, &m) == 0 && m.type == P9_TLOPEN && buf_len(&tc) == 0,
	    "a file's Tlopen comes alone");
	buf_reset(&tc);

	/* The kernel's Tgetattr before ours came back: ours becomes its. */
	t = twalk(113, 1, 54, "b");
	ct = forwarded(&t, P9_TWALK);
	take(&tc, &m);
	gt = m.tag;
	r = (struct p9_msg){ .type = P9_RWALK, .tag = ct };
	r.u.rwalk.nwqid = 1;
	r.u.rwalk.wqid[0] = BQ;
	from_client(&r);
	take(&tk, &m);
	t = tfid(P9_TGETATTR, 114, 54);
	from_kernel(&t);
	ok(perr == 0 && buf_len(&tc) == 0 && buf_len(&tk) == 0,
	    "a Tgetattr while ours is out: nothing sent, nothing answered yet");
	r = (struct p9_msg){ .type = P9_RGETATTR, .tag = gt };
	r.u.attr = attr_of(BQ, 8192);
	from_client(&r);
	ok(perr == 0 && take(&tk, &m) == 0 && m.type == P9_RGETATTR && m.tag == 114 &&
	    m.u.attr.size == 8192 && buf_len(&tk) == 0,
	    "... then our reply, with the kernel's tag");

	/* A failed walk: our Tgetattr's error is dropped. */
	t = twalk(115, 1, 55, "nothere");
	ct = forwarded(&t, P9_TWALK);
	take(&tc, &m);
	gt = m.tag;
	r = (struct p9_msg){ .type = P9_RLERROR, .tag = ct };
	r.u.ecode = ENOENT;
	from_client(&r);
	r.tag = gt;
	r.u.ecode = EBADF;
	from_client(&r);
	ok(perr == 0 && take(&tk, &m) == 0 && m.type == P9_RLERROR && m.tag == 115 &&
	    m.u.ecode == ENOENT && buf_len(&tk) == 0,
	    "a failed walk: the kernel sees its ENOENT alone");
	buf_reset(&tc);
	p9proxy_set_prefetch(px, false);
	p9proxy_set_getattr_ahead(px, false);
}

/*
 * A large Rread goes to the kernel as it arrives, in pieces, never held
 * whole (issue 6 item 8): the bytes the kernel gets are the reply with
 * its tag, a local answer waits until the reply is complete, and a reply
 * that an error replaces is dropped as it arrives.
 */
#define BIG	300000u
#define STREAM_MIN_T	(64u * 1024)	/* p9proxy-int.h's STREAM_MIN */
#define PIECE	70000u

/* Feed the encoded reply in r to the proxy PIECE bytes at a time, moving
 * what it queues for the kernel into out (the kernel's socket); a
 * Tclunk (answered here) arrives after the first piece.  Returns false if
 * the client's queue ever held more than a piece or the kernel's more
 * than 64 KiB. */
static bool
feed_in_pieces(const struct buf *r, struct buf *out, uint16_t clunktag,
    uint32_t fid)
{
	size_t off, n, before;
	bool small = true, clunked = false;
	struct p9_msg t;

	for (off = 0; off < buf_len(r); off += n) {
		n = buf_len(r) - off < PIECE ? buf_len(r) - off : PIECE;
		buf_put(&cin, buf_ptr(r) + off, n);
		if (buf_len(&cin) > PIECE)
			small = false;
		do {	/* as p9link_pump(): until nothing moves */
			before = buf_len(&cin);
			perr = p9proxy_from_client(px, &cin, &tk, now);
			if (perr != 0 || buf_len(&tk) > 64 * 1024)
				small = false;
			if (!clunked) {
				t = tfid(P9_TCLUNK, clunktag, fid);
				from_kernel(&t);
				clunked = true;
			}
			buf_put(out, buf_ptr(&tk), buf_len(&tk));
			buf_reset(&tk);
		} while (buf_len(&cin) < before);
	}
	return small;
}

static void
test_stream(void)
{
	struct p9_msg t, m, r;
	struct buf enc, out;
	uint8_t *data;
	uint16_t ct, wt = 0;
	bool walked = false;
	size_t i;

	data = malloc(BIG);
	for (i = 0; i < BIG; i++)
		data[i] = (uint8_t)(i * 7 + i / 251);
	buf_init(&enc, 1 << 20);
	buf_init(&out, 1 << 20);

	t = (struct p9_msg){ .type = P9_TREAD, .tag = 90 };
	t.u.io.fid = 1;
	t.u.io.count = BIG;
	ct = forwarded(&t, P9_TREAD);
	r = (struct p9_msg){ .type = P9_RREAD, .tag = ct };
	r.u.rio.count = BIG;
	r.u.rio.data = data;
	p9_encode(&enc, &r);
	t = twalk(91, 1, 30, "a");	/* a virtual fid: its clunk is local */
	from_kernel(&t);
	while (take(&tk, &m) == 0)
		;
	ok(feed_in_pieces(&enc, &out, 92, 30),
	    "a large Rread passes in pieces, never held whole");
	ok(buf_len(&out) == buf_len(&enc) &&
	    le_get16(buf_ptr(&out) + 5) == 90 &&
	    memcmp(buf_ptr(&out) + P9_HDRSZ, buf_ptr(&enc) + P9_HDRSZ,
	    buf_len(&enc) - P9_HDRSZ) == 0 &&
	    memcmp(buf_ptr(&out), buf_ptr(&enc), 5) == 0,
	    "... byte for byte, with the kernel's tag");
	ok(perr == 0 && buf_len(&tk) == 0 && buf_len(&kin) > 0,
	    "... and the local answer waits while it passes");
	perr = p9proxy_from_kernel(px, &kin, &tc, &tk, now);
	buf_consume(&out, buf_len(&enc));
	ok(perr == 0 && buf_len(&out) == 0 && take(&tk, &m) == 0 &&
	    m.type == P9_RCLUNK && m.tag == 92, "... then goes after it");

	/* A Tread of a virtual fid whose materialising walk fails: the
	 * kernel gets the walk's error and the data is dropped. */
	t = twalk(93, 1, 31, "a");
	from_kernel(&t);
	while (take(&tk, &m) == 0)
		;
	t = (struct p9_msg){ .type = P9_TREAD, .tag = 94 };
	t.u.io.fid = 31;
	t.u.io.count = BIG;
	from_kernel(&t);
	if (take(&tc, &m) == 0 && m.type == P9_TWALK) {
		wt = m.tag;
		walked = true;
	}
	ok(walked && take(&tc, &m) == 0 && m.type == P9_TREAD,
	    "Tread of a virtual fid: walk, read");
	r = (struct p9_msg){ .type = P9_RLERROR, .tag = wt };
	r.u.ecode = ENOENT;
	from_client(&r);
	buf_reset(&enc);
	r = (struct p9_msg){ .type = P9_RREAD, .tag = m.tag };
	r.u.rio.count = BIG;
	r.u.rio.data = data;
	p9_encode(&enc, &r);
	buf_reset(&out);
	ok(feed_in_pieces(&enc, &out, 95, 31) && take(&out, &m) == 0 &&
	    m.type == P9_RLERROR && m.tag == 94 && m.u.ecode == ENOENT,
	    "... Rlerror, and the payload dropped as it arrives");
	ok(take(&out, &m) == 0 && m.type == P9_RCLUNK && m.tag == 95 &&
	    buf_len(&out) == 0 && buf_len(&cin) == 0 && buf_len(&kin) == 0,
	    "... local answers meanwhile go on (nothing half-sent to wait for)");
	t = (struct p9_msg){ .type = P9_TREAD, .tag = 96 };
	t.u.io.fid = 1;
	t.u.io.count = 10;
	ct = forwarded(&t, P9_TREAD);
	r = (struct p9_msg){ .type = P9_RREAD, .tag = ct };
	r.u.rio.count = 3;
	r.u.rio.data = data;
	from_client(&r);
	ok(perr == 0 && take(&tk, &m) == 0 && m.type == P9_RREAD && m.tag == 96 &&
	    m.u.rio.count == 3 && buf_len(&cin) == 0,
	    "... and the next reply is whole again");
	buf_free(&enc);
	buf_free(&out);
	free(data);
}

/*
 * Feed the kernel's bytes r in pieces, as p9link_pump() would, taking
 * what reaches the client into `out` after each round: false if the
 * proxy's buffer to the client ever held more than 64 KiB of data (the
 * Twrite was held whole) or an error came back.
 */
static bool
feed_kernel_in_pieces(const struct buf *r, struct buf *out)
{
	size_t off, n, before;
	bool small = true;

	for (off = 0; off < buf_len(r); off += n) {
		n = buf_len(r) - off < PIECE ? buf_len(r) - off : PIECE;
		buf_put(&kin, buf_ptr(r) + off, n);
		do {
			before = buf_len(&kin);
			perr = p9proxy_from_kernel(px, &kin, &tc, &tk, now);
			if (perr != 0 || buf_len(&tc) > 64 * 1024 + 4096)
				small = false;
			buf_put(out, buf_ptr(&tc), buf_len(&tc));
			buf_reset(&tc);
		} while (buf_len(&kin) < before);
	}
	return small;
}

/* A large Twrite goes to the client as the kernel's socket gives it. */
static void
test_write_stream(void)
{
	struct p9_msg t, m, r;
	struct buf enc, out;
	uint8_t *data;
	uint16_t ct, wt = 0, rt = 0;
	size_t i;

	data = malloc(BIG);
	for (i = 0; i < BIG; i++)
		data[i] = (uint8_t)(i * 13 + i / 257);
	buf_init(&enc, 1 << 20);
	buf_init(&out, 1 << 20);

	t = (struct p9_msg){ .type = P9_TWRITE, .tag = 100 };
	t.u.io.fid = 1;
	t.u.io.offset = 12345;
	t.u.io.count = BIG;
	t.u.io.data = data;
	p9_encode(&enc, &t);
	ok(feed_kernel_in_pieces(&enc, &out),
	    "a large Twrite passes in pieces, never held whole");
	ct = buf_len(&out) >= P9_HDRSZ ? le_get16(buf_ptr(&out) + 5) : 0xFFFF;
	ok(buf_len(&out) == buf_len(&enc) &&
	    memcmp(buf_ptr(&out), buf_ptr(&enc), 5) == 0 &&
	    memcmp(buf_ptr(&out) + P9_HDRSZ, buf_ptr(&enc) + P9_HDRSZ,
	    buf_len(&enc) - P9_HDRSZ) == 0 && buf_len(&kin) == 0,
	    "... byte for byte, with a tag of ours");
	r = (struct p9_msg){ .type = P9_RWRITE, .tag = ct };
	r.u.rio.count = BIG;
	from_client(&r);
	ok(perr == 0 && take(&tk, &m) == 0 && m.type == P9_RWRITE && m.tag == 100 &&
	    m.u.rio.count == BIG, "... its Rwrite goes back with the kernel's tag");

	/* A virtual fid: the walk that makes it goes first. */
	t = twalk(101, 1, 40, "a");
	from_kernel(&t);
	while (take(&tk, &m) == 0)
		;
	buf_reset(&enc);
	t = (struct p9_msg){ .type = P9_TWRITE, .tag = 102 };
	t.u.io.fid = 40;
	t.u.io.count = BIG;
	t.u.io.data = data;
	p9_encode(&enc, &t);
	buf_reset(&out);
	ok(feed_kernel_in_pieces(&enc, &out) && take(&out, &m) == 0 &&
	    m.type == P9_TWALK && m.u.walk.newfid == 40 &&
	    (wt = m.tag, buf_len(&out) == buf_len(&enc)) &&
	    memcmp(buf_ptr(&out) + P9_HDRSZ, buf_ptr(&enc) + P9_HDRSZ,
	    buf_len(&enc) - P9_HDRSZ) == 0,
	    "Twrite of a virtual fid: its walk, then the Twrite streamed");
	rt = le_get16(buf_ptr(&out) + 5);
	r = (struct p9_msg){ .type = P9_RLERROR, .tag = wt };
	r.u.ecode = ENOENT;
	from_client(&r);
	r = (struct p9_msg){ .type = P9_RLERROR, .tag = rt };
	r.u.ecode = EBADF;
	from_client(&r);
	ok(perr == 0 && take(&tk, &m) == 0 && m.type == P9_RLERROR && m.tag == 102 &&
	    m.u.ecode == ENOENT, "... a failed walk: the Twrite gets its error");

	/* The fid is dead now: answered here, the data dropped. */
	buf_reset(&out);
	t.tag = 103;
	buf_reset(&enc);
	p9_encode(&enc, &t);
	t = tfid(P9_TCLUNK, 104, 40);
	p9_encode(&enc, &t);
	ok(feed_kernel_in_pieces(&enc, &out) && buf_len(&out) == 0 &&
	    take(&tk, &m) == 0 && m.type == P9_RLERROR && m.tag == 103 &&
	    m.u.ecode == ENOENT && take(&tk, &m) == 0 && m.type == P9_RCLUNK &&
	    m.tag == 104 && buf_len(&kin) == 0,
	    "Twrite of a dead fid: Rlerror here, the data dropped, the next request read");

	/* A small Twrite still goes whole. */
	t = (struct p9_msg){ .type = P9_TWRITE, .tag = 105 };
	t.u.io.fid = 1;
	t.u.io.count = 3;
	t.u.io.data = data;
	from_kernel(&t);
	ok(perr == 0 && take(&tc, &m) == 0 && m.type == P9_TWRITE && m.u.io.count == 3 &&
	    memcmp(m.u.io.data, data, 3) == 0 && buf_len(&tc) == 0,
	    "a small Twrite goes whole");
	buf_free(&enc);
	buf_free(&out);
	free(data);
}

/* Pump the kernel's bytes at off..end of r into the proxy as one read,
 * as p9link_pump() does, appending what reaches the client to out;
 * false if an error came back or more than 64 KiB of data waited. */
static bool
feed_kernel_range(const struct buf *r, size_t off, size_t end, struct buf *out)
{
	size_t before;
	bool small = true;

	buf_put(&kin, buf_ptr(r) + off, end - off);
	do {
		before = buf_len(&kin);
		perr = p9proxy_from_kernel(px, &kin, &tc, &tk, now);
		if (perr != 0 || buf_len(&tc) > 64 * 1024 + 4096)
			small = false;
		buf_put(out, buf_ptr(&tc), buf_len(&tc));
		buf_reset(&tc);
	} while (buf_len(&kin) < before);
	return small;
}

/* The bytes of a and b agree but for the tags of the messages in them. */
static bool
same_but_tags(const struct buf *a, const struct buf *b)
{
	const uint8_t *p = buf_ptr(a), *q = buf_ptr(b);
	size_t off = 0, size;

	if (buf_len(a) != buf_len(b))
		return false;
	while (off + P9_HDRSZ <= buf_len(a)) {
		size = le_get32(p + off);
		if (size < P9_HDRSZ || size > buf_len(a) - off ||
		    memcmp(p + off, q + off, 5) != 0 ||
		    memcmp(p + off + P9_HDRSZ, q + off + P9_HDRSZ, size - P9_HDRSZ) != 0)
			return false;
		off += size;
	}
	return off == buf_len(a);
}

/*
 * A streamed Twrite split at every kind of boundary: inside its size,
 * at its type, inside and at the end of its header, inside its data, at
 * its end and inside the next message, and the two in one read.  The
 * client gets them byte for byte, the kernel both Rwrites.
 */
static void
test_write_split(void)
{
	const size_t W = STREAM_MIN_T + 4464;	/* streamed: > 64 KiB */
	struct p9_msg t, m, r;
	struct buf enc, out;
	uint8_t *data;
	size_t i, k, len1, cuts[16], ncut = 0;
	uint16_t tags[2];
	bool good = true, bytes = true, back = true;

	data = malloc(W);
	for (i = 0; i < W; i++)
		data[i] = (uint8_t)(i * 31 + i / 509);
	buf_init(&enc, 1 << 20);
	buf_init(&out, 1 << 20);
	t = (struct p9_msg){ .type = P9_TWRITE, .tag = 110 };
	t.u.io.fid = 1;
	t.u.io.offset = 1u << 20;
	t.u.io.count = (uint32_t)W;
	t.u.io.data = data;
	p9_encode(&enc, &t);
	len1 = buf_len(&enc);
	t.tag = 111;
	t.u.io.count = 3;
	p9_encode(&enc, &t);
	cuts[ncut++] = buf_len(&enc);	/* both in one read */
	cuts[ncut++] = 1;
	cuts[ncut++] = 4;
	cuts[ncut++] = 5;
	cuts[ncut++] = P9_HDRSZ + 4;
	cuts[ncut++] = P9_HDRSZ + 15;	/* inside count */
	cuts[ncut++] = P9_HDRSZ + 16;	/* the header whole */
	cuts[ncut++] = P9_HDRSZ + 17;
	cuts[ncut++] = len1 / 2;
	cuts[ncut++] = len1 - 1;
	cuts[ncut++] = len1;
	cuts[ncut++] = len1 + 3;	/* inside the next one */
	cuts[ncut++] = buf_len(&enc) - 1;
	for (k = 0; k < ncut; k++) {
		buf_reset(&out);
		good &= feed_kernel_range(&enc, 0, cuts[k], &out);
		good &= feed_kernel_range(&enc, cuts[k], buf_len(&enc), &out);
		if (!same_but_tags(&out, &enc) || buf_len(&kin) != 0) {
			bytes = false;
			diag("cut at %zu: %zu bytes out of %zu", cuts[k], buf_len(&out),
			    buf_len(&enc));
			buf_reset(&kin);
			continue;
		}
		tags[0] = le_get16(buf_ptr(&out) + 5);
		tags[1] = le_get16(buf_ptr(&out) + len1 + 5);
		for (i = 0; i < 2; i++) {
			r = (struct p9_msg){ .type = P9_RWRITE, .tag = tags[i] };
			r.u.rio.count = i == 0 ? (uint32_t)W : 3;
			from_client(&r);
			if (perr != 0 || take(&tk, &m) != 0 || m.type != P9_RWRITE ||
			    m.tag != 110 + i || m.u.rio.count != r.u.rio.count)
				back = false;
		}
	}
	/* What the socket is read for: a large Twrite's header, then
	 * anything, then the whole of the next message. */
	buf_reset(&out);
	buf_put(&kin, buf_ptr(&enc), P9_HDRSZ);
	i = p9proxy_kernel_need(px, &kin);
	feed_kernel_range(&enc, P9_HDRSZ, P9_HDRSZ + 17, &out);
	k = p9proxy_kernel_need(px, &kin);
	feed_kernel_range(&enc, P9_HDRSZ + 17, len1 + P9_HDRSZ, &out);
	ok(i == P9_HDRSZ + 16 && k == 0 && p9proxy_kernel_need(px, &kin) == 26,
	    "the proxy asks for a large Twrite's header, then for anything (%zu %zu)", i, k);
	feed_kernel_range(&enc, len1 + P9_HDRSZ, buf_len(&enc), &out);
	for (i = 0; i < 2; i++) {
		r = (struct p9_msg){ .type = P9_RWRITE, .tag = le_get16(buf_ptr(&out) +
		    (i ? len1 : 0) + 5) };
		r.u.rio.count = i == 0 ? (uint32_t)W : 3;
		from_client(&r);
		take(&tk, &m);
	}
	ok(good, "a Twrite split anywhere passes without an error, never held whole");
	ok(bytes, "... the client gets both messages byte for byte");
	ok(back, "... and the kernel both Rwrites with its tags");

	/* A Twrite whose count disagrees with its size: the channel ends. */
	buf_reset(&enc);
	t.tag = 112;
	t.u.io.count = (uint32_t)W;
	p9_encode(&enc, &t);
	le_put32(buf_mutable(&enc, P9_HDRSZ + 12, 4), (uint32_t)W - 1);
	buf_reset(&out);
	feed_kernel_range(&enc, 0, buf_len(&enc), &out);
	ok(perr == -EPROTO && buf_len(&out) == 0,
	    "a streamed Twrite whose count is not its size is refused");
	buf_reset(&kin);
	buf_free(&enc);
	buf_free(&out);
	free(data);
}

/* A streamed Twrite forgets the file's attributes, as a whole one did. */
static void
test_write_invalidates(void)
{
	const size_t W = STREAM_MIN_T + 1;
	struct p9_msg t, m, r;
	struct buf enc, out;
	uint8_t *data = calloc(1, W);
	uint16_t wt = 0, ct = 0;

	buf_init(&enc, 1 << 20);
	buf_init(&out, 1 << 20);
	send_attrs(1, (const char *[]){ "a" }, (struct p9_attr[]){ attr_of(AQ, 42) });
	t = twalk(120, 1, 62, "a");
	from_kernel(&t);
	take(&tk, &m);
	t = tfid(P9_TGETATTR, 121, 62);
	from_kernel(&t);
	ok(perr == 0 && take(&tk, &m) == 0 && m.type == P9_RGETATTR && m.tag == 121 &&
	    buf_len(&tc) == 0, "a file's Tgetattr is answered here ...");
	t = (struct p9_msg){ .type = P9_TWRITE, .tag = 122 };
	t.u.io.fid = 62;
	t.u.io.count = (uint32_t)W;
	t.u.io.data = data;
	p9_encode(&enc, &t);
	feed_kernel_range(&enc, 0, P9_HDRSZ + 16, &out);
	ok(perr == 0 && buf_len(&tk) == 0 && buf_len(&out) > P9_HDRSZ + 16,
	    "... a streamed Twrite's header goes on alone");
	feed_kernel_range(&enc, P9_HDRSZ + 16, buf_len(&enc), &out);
	t = tfid(P9_TGETATTR, 123, 62);
	from_kernel(&t);
	buf_put(&out, buf_ptr(&tc), buf_len(&tc));
	buf_reset(&tc);
	/* out: our walk of fid 62, the Twrite, the Tgetattr */
	ok(take(&out, &m) == 0 && m.type == P9_TWALK && (wt = m.tag, true) &&
	    buf_len(&out) > W && le_get32(buf_ptr(&out)) == buf_len(&enc) &&
	    (ct = le_get16(buf_ptr(&out) + 5), buf_consume(&out, buf_len(&enc)) == 0) &&
	    take(&out, &m) == 0 && m.type == P9_TGETATTR && buf_len(&tk) == 0,
	    "... then, with its attributes forgotten, the next Tgetattr goes to the client");
	r = (struct p9_msg){ .type = P9_RWALK, .tag = wt };
	r.u.rwalk.nwqid = 1;
	r.u.rwalk.wqid[0] = AQ;
	from_client(&r);
	r = (struct p9_msg){ .type = P9_RWRITE, .tag = ct };
	r.u.rio.count = (uint32_t)W;
	from_client(&r);
	ok(perr == 0 && take(&tk, &m) == 0 && m.type == P9_RWRITE && m.tag == 122,
	    "... and the Rwrite goes back");
	buf_reset(&tk);
	buf_free(&enc);
	buf_free(&out);
	free(data);
}

/* With the server's msize and its root's attributes known (sent at
 * session start), a mount's Tversion and first Tattach are answered here
 * and still sent on; their replies are checked and dropped. */
static void
test_mount_here(void)
{
	const char *dot[1] = { "." };
	struct p9_attr ra[1] = { attr_of(ROOTQ, 4096) };
	struct p9_msg t = { .type = P9_TVERSION, .tag = P9_NOTAG }, m, r, want;
	uint16_t at;

	p9proxy_set_server_msize(px, 65536);
	send_attrs_of(ROOTQ, 1, dot, ra);
	t.u.version.msize = 1 << 20;
	t.u.version.version = S(P9_VERSION_L);
	from_kernel(&t);
	ok(perr == 0 && take(&tk, &m) == 0 && m.type == P9_RVERSION &&
	    m.tag == P9_NOTAG && m.u.version.msize == 65536 && buf_len(&tk) == 0 &&
	    take(&tc, &m) == 0 && m.type == P9_TVERSION,
	    "Tversion: Rversion here (the server's msize), Tversion sent on");
	t = (struct p9_msg){ .type = P9_TATTACH, .tag = 3 };
	t.u.attach.fid = 0;
	t.u.attach.afid = P9_NOFID;
	t.u.attach.uname = S("root");
	t.u.attach.aname = S("");
	from_kernel(&t);
	ok(perr == 0 && take(&tk, &m) == 0 && m.type == P9_RATTACH && m.tag == 3 &&
	    m.u.qid.path == ROOTQ.path && take(&tc, &m) == 0 && m.type == P9_TATTACH,
	    "the first Tattach: Rattach here with the root's qid, Tattach sent on");
	at = m.tag;
	t = tfid(P9_TGETATTR, 4, 0);
	from_kernel(&t);
	want = (struct p9_msg){ .type = P9_RGETATTR, .tag = 4 };
	want.u.attr = ra[0];
	expect_local(&want, "its Tgetattr");
	r = (struct p9_msg){ .type = P9_RVERSION, .tag = P9_NOTAG };
	r.u.version.msize = 65536;
	r.u.version.version = S(P9_VERSION_L);
	from_client(&r);
	r = (struct p9_msg){ .type = P9_RATTACH, .tag = at };
	r.u.qid = ROOTQ;
	from_client(&r);
	ok(perr == 0 && buf_len(&tk) == 0, "the server's Rversion and Rattach are dropped");
	t = (struct p9_msg){ .type = P9_TVERSION, .tag = P9_NOTAG };
	t.u.version.msize = 8192;
	t.u.version.version = S(P9_VERSION_L);
	from_kernel(&t);
	buf_reset(&tk);
	buf_reset(&tc);
	r = (struct p9_msg){ .type = P9_RVERSION, .tag = P9_NOTAG };
	r.u.version.msize = 4096;
	r.u.version.version = S(P9_VERSION_L);
	from_client(&r);
	ok(perr < 0, "an Rversion unlike the one answered ends the channel");
}

/*
 * The memory bound (session.c's bound_caches() drives these): the cache
 * counts what it holds, names its least recently used directory, and
 * forgets the directories used before a time.  What is forgotten is
 * asked again, never answered wrong: a name of an evicted complete
 * listing is no longer ENOENT here.
 */
static void
test_evict(void)
{
	const char *bn[1] = { "c" };
	struct p9_attr ba[1] = { attr_of(CQ, 7) };
	struct p9_msg t, m;
	long long t0 = now;
	size_t full, two;

	full = p9proxy_cache_bytes(px);
	ok(full > 0 && p9proxy_cache_oldest(px) == t0,
	    "the listed directory is counted (%zu bytes) and dated", full);
	now = t0 + 5;
	send_attrs_of(BQ, 1, bn, ba);
	two = p9proxy_cache_bytes(px);
	ok(perr == 0 && two > full && p9proxy_cache_oldest(px) == t0,
	    "a second directory: more bytes, the same oldest");

	p9proxy_evict(px, t0);
	ok(p9proxy_cache_bytes(px) == two, "evict before the oldest use: nothing goes");

	/* The walk uses d at t0 + 10: b, used at t0 + 5, and the root (the
	 * setup's walk, t0) are older now. */
	now = t0 + 10;
	expect_walk_a_here(90, 20, "Twalk of a listed name");
	t = tfid(P9_TCLUNK, 91, 20);
	from_kernel(&t);
	while (take(&tk, &m) == 0)
		;
	p9proxy_evict(px, t0 + 6);
	ok(p9proxy_cache_oldest(px) == t0 + 10 && p9proxy_cache_bytes(px) < two,
	    "evict before t0 + 6: the root and b go, d (used since) stays");
	expect_walk_a_here(92, 21, "... and still answers here");
	t = tfid(P9_TCLUNK, 93, 21);
	from_kernel(&t);
	while (take(&tk, &m) == 0)
		;

	p9proxy_evict(px, now + 1);
	ok(p9proxy_cache_bytes(px) == 0 && p9proxy_cache_oldest(px) == LLONG_MAX,
	    "evict before now + 1: nothing is held");
	t = twalk(94, 1, 22, "a");
	from_kernel(&t);
	expect_forwarded(P9_TWALK, "an evicted name: Twalk goes to the client");
	t = twalk(95, 1, 23, "zz");
	from_kernel(&t);
	expect_forwarded(P9_TWALK,
	    "... and a name absent from the evicted complete listing is not ENOENT here");
	t = tfid(P9_TREADDIR, 96, 1);
	t.u.io.offset = 2;
	t.u.io.count = 8192;
	from_kernel(&t);
	expect_forwarded(P9_TREADDIR, "... and the listing's end is asked again");
	buf_reset(&tc);

	send_attrs(1, (const char *[]){ "a" }, (struct p9_attr[]){ attr_of(AQ, 42) });
	expect_walk_a_here(97, 24, "attributes after the eviction: answered here again");
}

int
main(void)
{
	unit_start(80);
	buf_init(&kin, 1 << 20);
	buf_init(&cin, 1 << 20);
	buf_init(&tc, 4 << 20);
	buf_init(&tk, 4 << 20);
	test_client_hook();
	px = p9proxy_new(TTL);
	setup_session();
	test_local();
	test_readdir_eof();
	test_lazy_open();
	test_materialise();
	test_flush();
	p9proxy_free(px);

	/* A fresh proxy for the cache rules. */
	buf_reset(&kin);
	buf_reset(&cin);
	buf_reset(&tc);
	buf_reset(&tk);
	px = p9proxy_new(TTL);
	setup_session();
	test_invalidate_ttl();
	test_ttl();
	test_attr_tail();
	test_malformed();
	p9proxy_free(px);

	/* The memory bound. */
	buf_reset(&kin);
	buf_reset(&cin);
	buf_reset(&tc);
	buf_reset(&tk);
	px = p9proxy_new(TTL);
	setup_session();
	test_evict();
	p9proxy_free(px);

	/* Again: many virtual fids, remembered ENOENT, prefetched listings. */
	buf_reset(&kin);
	buf_reset(&cin);
	buf_reset(&tc);
	buf_reset(&tk);
	px = p9proxy_new(TTL);
	setup_session();
	test_prefetch();
	test_negative();
	test_listed();
	test_ahead();
	test_links();
	test_attach();
	test_absent();
	test_many_deps();
	p9proxy_free(px);

	/* msize 1 MiB: large replies stream. */
	buf_reset(&kin);
	buf_reset(&cin);
	buf_reset(&tc);
	buf_reset(&tk);
	sess_msize = 1 << 20;
	px = p9proxy_new(TTL);
	setup_session();
	test_stream();
	test_write_stream();
	test_write_split();
	test_write_invalidates();
	p9proxy_free(px);

	/* A mount answered here. */
	buf_reset(&kin);
	buf_reset(&cin);
	buf_reset(&tc);
	buf_reset(&tk);
	px = p9proxy_new(TTL);
	test_mount_here();
	p9proxy_free(px);
	buf_free(&kin);
	buf_free(&cin);
	buf_free(&tc);
	buf_free(&tk);
	return unit_done();
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* p9client: strict in-process 9P test client.  See p9client.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p9client.h"
#include "proto.h"

unsigned tc_total_violations;

static void
violation(struct tc *t, const char *what, const struct tc_req *q)
{
	t->violations++;
	tc_total_violations++;
	printf("# P09 VIOLATION: %s (request %s tag %u)\n", what,
	    q ? p9_type_name(q->type) : "?", q ? q->tag : 0);
}

static void
count_log(void *arg, const char *line)
{
	struct tc *t = arg;

	t->logs++;
	/* Peer text must arrive escaped: no control characters at all. */
	for (; *line; line++)
		if ((unsigned char)*line < 0x20 || *line == 0x7f)
			violation(t, "log line with a raw control character", NULL);
}

struct p9_str
tc_str(const char *s)
{
	struct p9_str r = { s, (uint16_t)strlen(s) };

	return r;
}

int
tc_open(struct tc *t, int rootfd, const struct p9srv_conf *base)
{
	struct p9srv_conf conf;

	memset(t, 0, sizeof(*t));
	if (base != NULL)
		conf = *base;
	else
		memset(&conf, 0, sizeof(conf));
	conf.rootfd = rootfd;
	conf.log = count_log;
	conf.log_arg = t;
	if ((t->c = p9conn_new(&conf)) == NULL)
		return -errno;
	t->msize = p9conn_msize(t->c);
	buf_init(&t->in, 64u << 20);
	buf_init(&t->out, 2 * (size_t)t->msize);
	t->tag = 1;
	return 0;
}

void
tc_close(struct tc *t)
{
	p9conn_free(t->c);
	buf_free(&t->in);
	buf_free(&t->out);
	free(t->rbuf);
	memset(t, 0, sizeof(*t));
}

static int
push(struct tc *t, uint8_t type, uint16_t tag, uint32_t count, uint16_t nwname)
{
	struct tc_req *q;

	if (t->npend >= TC_PENDING)
		return -ENOBUFS;
	q = &t->pend[(t->head + t->npend++) % TC_PENDING];
	q->type = type;
	q->tag = tag;
	q->count = count;
	q->nwname = nwname;
	return 0;
}

int
tc_queue(struct tc *t, struct p9_msg *m, int keep_tag)
{
	size_t start = buf_len(&t->in);
	int err;

	if (!keep_tag) {
		m->tag = t->tag++;
		if (t->tag == P9_NOTAG || t->tag == 0)
			t->tag = 1;
	}
	if ((err = p9_encode(&t->in, m)) != 0)
		return err;
	if (t->record != NULL)
		buf_put(t->record, buf_ptr(&t->in) + start, buf_len(&t->in) - start);
	return push(t, m->type, m->tag,
	    (m->type == P9_TREAD || m->type == P9_TREADDIR) ? m->u.io.count : 0,
	    m->type == P9_TWALK ? m->u.walk.nwname : 0);
}

int
tc_queue_raw(struct tc *t, const void *p, size_t len, uint8_t type,
    uint16_t tag)
{
	int err;

	if ((err = buf_put(&t->in, p, len)) != 0)
		return err;
	if (t->record != NULL)
		buf_put(t->record, p, len);
	return push(t, type, tag, 0, 0);
}

static void
check_reply(struct tc *t, const struct tc_req *q, const uint8_t *p, size_t len)
{
	struct p9_msg *r = &t->r;
	struct rd rd;
	struct p9_dirent d;
	int err;

	if (len >= t->rcap) {
		t->rcap = len + 1;
		if ((t->rbuf = realloc(t->rbuf, t->rcap)) == NULL)
			abort();
	}
	memcpy(t->rbuf, p, len);
	t->rlen = len;
	t->replies++;
	if (len >= t->msize)
		violation(t, "reply not smaller than msize", q);
	if ((err = p9_decode(t->rbuf, len, r)) != 0) {
		violation(t, "reply does not decode exactly", q);
		memset(r, 0, sizeof(*r));
		return;
	}
	if (q == NULL) {
		violation(t, "reply to no request", q);
		return;
	}
	if (r->tag != q->tag)
		violation(t, "reply tag differs", q);
	if (r->type != q->type + 1 && r->type != P9_RLERROR)
		violation(t, "reply type is neither T+1 nor Rlerror", q);
	if (r->type == P9_RLERROR && (r->u.ecode == 0 || r->u.ecode > 133))
		violation(t, "Rlerror with an invalid errno", q);
	if (r->type == P9_RREAD || r->type == P9_RREADDIR) {
		if (r->u.rio.count > q->count)
			violation(t, "Rread/Rreaddir count over the request's", q);
		if (r->u.rio.count > t->msize - P9_RREAD_HDR)
			violation(t, "Rread/Rreaddir count over msize - 11", q);
	}
	if (r->type == P9_RREADDIR) {
		rd_init(&rd, r->u.rio.data, r->u.rio.count);
		while (rd.left > 0 && rd.err == 0)
			p9_dirent_get(&rd, &d);
		if (rd_end(&rd) != 0)
			violation(t, "Rreaddir splits an entry", q);
	}
	if (r->type == P9_RWALK) {
		if (r->u.rwalk.nwqid > q->nwname)
			violation(t, "Rwalk nwqid > nwname", q);
		if (r->u.rwalk.nwqid == 0 && q->nwname > 0)
			violation(t, "Rwalk with no qid for a non-empty walk", q);
	}
	if (t->canary != NULL && memmem(p, len, t->canary, strlen(t->canary)))
		violation(t, "canary content in a reply", q);
}

/* Validate and drop every complete reply in t->out; returns how many. */
static int
drain(struct tc *t)
{
	const struct tc_req *q;
	const uint8_t *p;
	uint32_t size;
	int n = 0;

	if (buf_len(&t->out) > t->out.max)
		violation(t, "output over its ceiling", NULL);
	while (buf_len(&t->out) >= 4) {
		p = buf_ptr(&t->out);
		size = le_get32(p);
		if (size < P9_HDRSZ || size > buf_len(&t->out)) {
			violation(t, "reply with a bad size field", NULL);
			buf_reset(&t->out);
			break;
		}
		q = t->npend ? &t->pend[t->head] : NULL;
		check_reply(t, q, p, size);
		if (q != NULL) {
			t->head = (t->head + 1) % TC_PENDING;
			t->npend--;
		}
		buf_consume(&t->out, size);
		if (t->r.type == P9_RVERSION && t->r.u.version.msize >= P9_MSIZE_MIN)
			t->msize = t->r.u.version.msize;
		n++;
	}
	return n;
}

int
tc_run(struct tc *t)
{
	size_t inlen;
	int n = 0, got, err;

	for (;;) {
		inlen = buf_len(&t->in);
		if ((err = p9conn_process(t->c, &t->in, &t->out)) < 0) {
			t->fatal = err;
			buf_reset(&t->in);
		}
		got = drain(t);
		n += got;
		if (t->fatal || buf_len(&t->in) == 0)
			break;
		if (buf_len(&t->in) == inlen && got == 0)
			break;		/* an incomplete request waits */
	}
	return t->fatal ? -1 : n;
}

int
tc_rpc(struct tc *t, struct p9_msg *m)
{
	unsigned before = t->replies;
	int n;

	if (tc_queue(t, m, 0) != 0)
		return -ENOBUFS;
	n = tc_run(t);
	if (n != 1 || t->replies != before + 1) {
		if (!t->fatal)
			violation(t, "not exactly one reply", NULL);
		t->npend = 0;
		return -EPROTO;
	}
	if (t->r.type == P9_RLERROR)
		return -(int)t->r.u.ecode;
	return t->r.type == m->type + 1 ? 0 : -EPROTO;
}

int
tc_version(struct tc *t, uint32_t msize, const char *version)
{
	struct p9_msg m = { .type = P9_TVERSION };

	m.u.version.msize = msize;
	m.u.version.version = tc_str(version);
	return tc_rpc(t, &m);
}

int
tc_attach(struct tc *t, uint32_t fid)
{
	struct p9_msg m = { .type = P9_TATTACH };

	m.u.attach.fid = fid;
	m.u.attach.afid = P9_NOFID;
	m.u.attach.uname = tc_str("test");
	m.u.attach.aname = tc_str("");
	m.u.attach.n_uname = 0;
	return tc_rpc(t, &m);
}

int
tc_walk(struct tc *t, uint32_t fid, uint32_t newfid, const char *path)
{
	struct p9_msg m = { .type = P9_TWALK };
	const char *s = path, *e;

	m.u.walk.fid = fid;
	m.u.walk.newfid = newfid;
	while (*s != '\0' && m.u.walk.nwname < P9_MAXWELEM) {
		e = strchr(s, '/');
		if (e == NULL)
			e = s + strlen(s);
		m.u.walk.wname[m.u.walk.nwname].s = s;
		m.u.walk.wname[m.u.walk.nwname].len = (uint16_t)(e - s);
		m.u.walk.nwname++;
		s = *e ? e + 1 : e;
	}
	return tc_rpc(t, &m);
}

int
tc_lopen(struct tc *t, uint32_t fid, uint32_t flags)
{
	struct p9_msg m = { .type = P9_TLOPEN };

	m.u.lopen.fid = fid;
	m.u.lopen.flags = flags;
	return tc_rpc(t, &m);
}

int
tc_lcreate(struct tc *t, uint32_t dfid, const char *name, uint32_t flags,
    uint32_t mode)
{
	struct p9_msg m = { .type = P9_TLCREATE };

	m.u.lcreate.fid = dfid;
	m.u.lcreate.name = tc_str(name);
	m.u.lcreate.flags = flags;
	m.u.lcreate.mode = mode;
	return tc_rpc(t, &m);
}

int
tc_read(struct tc *t, uint32_t fid, uint64_t off, uint32_t count)
{
	struct p9_msg m = { .type = P9_TREAD };

	m.u.io.fid = fid;
	m.u.io.offset = off;
	m.u.io.count = count;
	return tc_rpc(t, &m);
}

int
tc_write(struct tc *t, uint32_t fid, uint64_t off, const void *p, uint32_t n)
{
	struct p9_msg m = { .type = P9_TWRITE };

	m.u.io.fid = fid;
	m.u.io.offset = off;
	m.u.io.count = n;
	m.u.io.data = p;
	return tc_rpc(t, &m);
}

int
tc_clunk(struct tc *t, uint32_t fid)
{
	struct p9_msg m = { .type = P9_TCLUNK };

	m.u.fid = fid;
	return tc_rpc(t, &m);
}

int
tc_getattr(struct tc *t, uint32_t fid)
{
	struct p9_msg m = { .type = P9_TGETATTR };

	m.u.getattr.fid = fid;
	m.u.getattr.mask = P9_GETATTR_BASIC;
	return tc_rpc(t, &m);
}

int
tc_setattr(struct tc *t, uint32_t fid, const struct p9_iattr *a)
{
	struct p9_msg m = { .type = P9_TSETATTR };

	m.u.setattr.fid = fid;
	m.u.setattr.a = *a;
	return tc_rpc(t, &m);
}

int
tc_readdir(struct tc *t, uint32_t fid, uint64_t off, uint32_t count)
{
	struct p9_msg m = { .type = P9_TREADDIR };

	m.u.io.fid = fid;
	m.u.io.offset = off;
	m.u.io.count = count;
	return tc_rpc(t, &m);
}

int
tc_mkdir(struct tc *t, uint32_t dfid, const char *name, uint32_t mode)
{
	struct p9_msg m = { .type = P9_TMKDIR };

	m.u.mkdir.dfid = dfid;
	m.u.mkdir.name = tc_str(name);
	m.u.mkdir.mode = mode;
	return tc_rpc(t, &m);
}

int
tc_unlinkat(struct tc *t, uint32_t dfid, const char *name, uint32_t flags)
{
	struct p9_msg m = { .type = P9_TUNLINKAT };

	m.u.unlinkat.dfid = dfid;
	m.u.unlinkat.name = tc_str(name);
	m.u.unlinkat.flags = flags;
	return tc_rpc(t, &m);
}

int
tc_flush(struct tc *t, uint16_t oldtag)
{
	struct p9_msg m = { .type = P9_TFLUSH };

	m.u.oldtag = oldtag;
	return tc_rpc(t, &m);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9chan: a 9P channel of the mux served in-process.  Requests arrive as
 * DATA into the channel's receive queue; p9srv turns whole requests into
 * replies, which go back as DATA within the peer's window.  Bytes of a
 * request are acknowledged (ADJUST) as soon as the server has consumed
 * them, so the kernel can keep several requests in flight.
 *
 * Readdirplus: with the proxy on (cache policy split or loose), each
 * Treaddir also yields the attributes of the entries it returned; they go
 * out as FR_P9ATTR frames straight onto the wire while the server runs,
 * so they always precede the DATA that carries the Rreaddir (replies are
 * queued and sent after p9conn_process returns).  They are an
 * optimisation only: with no room on the wire they are dropped, and the
 * remote side then forwards the walks as usual.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "frame.h"
#include "log.h"
#include "p9.h"
#include "p9chan.h"

static void
trace_line(void *arg, const char *line)
{
	struct p9chan *p = arg;

	log_msg(LOG_LVL_ERROR, "9p[%u]: %s", p->index, line);
}

static void
log_line(void *arg, const char *line)
{
	struct p9chan *p = arg;

	log_warn("9p[%u]: %s", p->index, line);
}

/* Room for n more bytes of attributes, never at the cost of the next
 * reply's DATA frame or the wire's control slack. */
static bool
attr_room(struct p9chan *p, size_t n)
{
	return buf_check_reserve(p->wire, n + FRAME_HDR + 1 + FRAME_DATA_MAX +
	    WIRE_SLACK) == 0;
}

/* The links of the attribute frame just ended: one FR_P9LINK behind it. */
static void
links_flush(struct p9chan *p)
{
	uint8_t q[P9_QIDSZ];
	size_t start;

	q[0] = p->attr_dir.type;
	le_put32(q + 1, p->attr_dir.version);
	le_put64(q + 5, p->attr_dir.path);
	if (attr_room(p, FRAME_HDR + 1 + P9_QIDSZ + buf_len(&p->linkq)) &&
	    frame_begin(p->wire, FR_P9LINK, &start) == 0) {
		buf_put_u8(p->wire, p->chan_id);
		buf_put(p->wire, q, sizeof(q));
		buf_put(p->wire, buf_ptr(&p->linkq), buf_len(&p->linkq));
		if (frame_end(p->wire, start) != 0)
			log_debug("9p[%u]: link frame dropped", p->index);
	}
}

static void
attr_close(struct p9chan *p)
{
	bool sent = p->attr_open;

	if (p->attr_open && frame_end(p->wire, p->attr_start) != 0) {
		log_debug("9p[%u]: attribute frame dropped", p->index);
		sent = false;
	}
	p->attr_open = false;
	if (sent && buf_len(&p->linkq) > 0)
		links_flush(p);
	buf_reset(&p->linkq);
}

/* Open this reply's batch of attributes for directory dq (one frame). */
static bool
attr_begin(struct p9chan *p, const struct p9_qid *dq, size_t need)
{
	uint8_t q[P9_QIDSZ];

	if (!attr_room(p, FRAME_HDR + 1 + P9_QIDSZ + need) ||
	    frame_begin(p->wire, FR_P9ATTR, &p->attr_start) != 0)
		return false;
	q[0] = dq->type;
	le_put32(q + 1, dq->version);
	le_put64(q + 5, dq->path);
	buf_put_u8(p->wire, p->chan_id);
	buf_put(p->wire, q, sizeof(q));
	p->attr_open = true;
	p->attr_dir = *dq;
	p->attr_len = P9_QIDSZ;
	return true;
}

static void
dirattr(void *arg, const struct p9_qid *dq, const char *name, size_t namelen,
    const struct p9_attr *a, const char *target, size_t targetlen)
{
	struct p9chan *p = arg;
	struct p9_msg r = { .type = P9_RGETATTR, .tag = 0 };
	size_t need = 2 + namelen + P9ATTR_ATTR;

	if (p->wire == NULL || namelen > 255)
		return;
	if (namelen > 0 && a == NULL && !p->absent)
		return;		/* "no such name": only to a server that takes it */
	if (namelen == 0) {
		/* End of the listing: an empty name closes this dir's batch
		 * (one of its own when the reply had no entry to report:
		 * an empty directory). */
		if (name != NULL || a != NULL)
			return;
		if (p->attr_open && p->attr_dir.path != dq->path)
			attr_close(p);
		if ((p->attr_open || attr_begin(p, dq, 2)) && attr_room(p, 2)) {
			buf_put_u16(p->wire, 0);
			p->attr_len += 2;
			attr_close(p);
		}
		return;
	}
	if (p->attr_open && (p->attr_dir.path != dq->path ||
	    p->attr_len + need > P9ATTR_BODY_MAX))
		attr_close(p);
	if (!p->attr_open) {
		if (!attr_begin(p, dq, need))
			return;
	} else if (!attr_room(p, need))
		return;
	/* The codec's own Rgetattr, so the bytes are those of a reply; a
	 * name that does not exist goes with valid 0, which no reply has. */
	memset(&r.u.attr, 0, sizeof(r.u.attr));
	if (a != NULL)
		r.u.attr = *a;
	buf_reset(&p->scratch);
	if (p9_encode(&p->scratch, &r) != 0 ||
	    buf_len(&p->scratch) != P9_HDRSZ + P9ATTR_ATTR)
		return;
	buf_put_str16(p->wire, name, namelen);
	buf_put(p->wire, buf_ptr(&p->scratch) + P9_HDRSZ, P9ATTR_ATTR);
	p->attr_len += need;
	/* A link's target goes in the FR_P9LINK behind this frame, if the
	 * server takes them and there is room (else it reads the link). */
	if (p->links && target != NULL && targetlen > 0 && targetlen < 4096 &&
	    buf_len(&p->linkq) + 4 + namelen + targetlen <= P9LINK_BODY_MAX - P9_QIDSZ) {
		buf_put_str16(&p->linkq, name, namelen);
		buf_put_str16(&p->linkq, target, targetlen);
	}
}

void
p9chan_push_root(struct p9chan *p, uint8_t chan_id, struct buf *wire_out)
{
	if (p->conn == NULL)
		return;
	p->wire = wire_out;
	p->chan_id = chan_id;
	(void)p9conn_push_root_attrs(p->conn);
	attr_close(p);
	p->wire = NULL;
}

void
p9chan_server_flags(struct p9chan *p, uint32_t flags)
{
	p->links = (flags & HELLO_P9LINK) != 0;
	p->absent = (flags & HELLO_P9ABSENT) != 0;
}

int
p9chan_open(struct p9chan *p, unsigned index, int rootfd,
    const struct export *export, uint32_t msize, bool trace, bool plus)
{
	struct p9srv_conf conf = {
		.rootfd = rootfd,
		.export = export,
		.max_msize = msize,
		.trace = trace ? trace_line : NULL,
		.trace_arg = p,
		.log = log_line,
		.log_arg = p,
		.dirattr = plus ? dirattr : NULL,
		.dirattr_arg = p,
	};

	const char *stats = getenv("CPU_9P_STATS");

	memset(p, 0, sizeof(*p));
	p->index = index;
	p->stats_fd = stats && *stats ? open(stats,
	    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666) : -1;
	buf_init(&p->replies, 2 * (size_t)msize + 4096);
	buf_init(&p->scratch, 256);
	buf_init(&p->linkq, P9LINK_BODY_MAX);
	if ((p->conn = p9conn_new(&conf)) == NULL)
		return -errno;
	return 0;
}

/*
 * With CPU_9P_STATS=FILE in cpu's environment, append each channel's
 * message counts to FILE at the end of the session ("chan type count"
 * lines): the benchmark reads them.  Nothing is written otherwise.
 */
static void
write_stats(const struct p9chan *p)
{
	const uint64_t *n;
	FILE *f;
	int t;

	if (p->stats_fd < 0 || p->conn == NULL)
		return;
	if ((f = fdopen(p->stats_fd, "a")) == NULL)
		return;
	n = p9conn_counts(p->conn);
	for (t = 0; t < 256; t++)
		if (n[t])
			fprintf(f, "%u %s %llu\n", p->index, p9_type_name((uint8_t)t),
			    (unsigned long long)n[t]);
	fclose(f);
}

void
p9chan_close(struct p9chan *p)
{
	write_stats(p);
	p->stats_fd = -1;	/* closed by fclose, or left for exit */
	if (p->conn)
		p9conn_free(p->conn);
	p->conn = NULL;
	buf_free(&p->replies);
	buf_free(&p->scratch);
	buf_free(&p->linkq);
}

/*
 * Right after the channel's first Tattach is answered (the mount; the
 * kernel reset the proxy's cache with its Tversion just before), send the
 * attributes of the paths the session will look up first.  The Rattach
 * is still queued, so on the ordered stream they arrive before it, and
 * before any lookup the kernel can make on this mount.
 */
static void
push_after_attach(struct p9chan *p)
{
	size_t i;

	if (p->pushed || p9conn_counts(p->conn)[P9_TATTACH] == 0)
		return;
	p->pushed = true;
	(void)p9conn_push_root_attrs(p->conn);	/* for the Tgetattr next */
	for (i = 0; p->push != NULL && p->push[i] != NULL; i++)
		(void)p9conn_push_path_attrs(p->conn, p->push[i]);
}

int
p9chan_pump(struct p9chan *p, struct chan *c, struct buf *wire_out)
{
	size_t before, sent;
	int r;

	if (p->conn == NULL || p->broken)
		return 0;
	for (;;) {
		/* Replies first: they free room for more. */
		while (buf_len(&p->replies) > 0) {
			sent = chan_send(c, wire_out, buf_ptr(&p->replies), buf_len(&p->replies));
			buf_consume(&p->replies, sent);
			if (sent == 0)
				return 0;	/* window or wire full */
		}
		before = buf_len(&c->wq);
		if (before == 0)
			return 0;
		p->wire = wire_out;
		p->chan_id = c->id;
		r = p9conn_process(p->conn, &c->wq, &p->replies);
		if (r >= 0)
			push_after_attach(p);
		attr_close(p);
		p->wire = NULL;
		if (r < 0) {
			log_error("9p channel %u closed: %s", p->index, p9conn_error(p->conn));
			p->broken = true;
			return r;
		}
		if (buf_len(&c->wq) < before)
			chan_consumed(c, before - buf_len(&c->wq));
		if (buf_len(&c->wq) == before && buf_len(&p->replies) == 0)
			return 0;	/* waiting for the rest of a request */
	}
}

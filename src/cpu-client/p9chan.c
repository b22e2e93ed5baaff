/*
 * p9chan: a 9P channel of the mux served in-process.  Requests arrive as
 * DATA into the channel's receive queue; p9srv turns whole requests into
 * replies, which go back as DATA within the peer's window.  Bytes of a
 * request are acknowledged (ADJUST) as soon as the server has consumed
 * them, so the kernel can keep several requests in flight.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
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

int
p9chan_open(struct p9chan *p, unsigned index, int rootfd, uint32_t msize, bool trace)
{
	struct p9srv_conf conf = {
		.rootfd = rootfd,
		.max_msize = msize,
		.trace = trace ? trace_line : NULL,
		.trace_arg = p,
		.log = log_line,
		.log_arg = p,
	};

	memset(p, 0, sizeof(*p));
	p->index = index;
	buf_init(&p->replies, 2 * (size_t)msize + 4096);
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
	const char *path = getenv("CPU_9P_STATS");
	const uint64_t *n;
	FILE *f;
	int t;

	if (path == NULL || *path == '\0' || p->conn == NULL)
		return;
	if ((f = fopen(path, "ae")) == NULL)
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
	if (p->conn)
		p9conn_free(p->conn);
	p->conn = NULL;
	buf_free(&p->replies);
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
		r = p9conn_process(p->conn, &c->wq, &p->replies);
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

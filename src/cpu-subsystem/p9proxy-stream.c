/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9proxy-stream.c: an Rread larger than STREAM_MIN passes to the kernel
 * as it arrives (its header now, the payload in pieces of at most
 * STREAM_KOUT_MAX queued), and a Twrite larger than that to the client
 * (at most WSTREAM_COUT_MAX queued), so no buffer of ours holds a whole
 * msize of data.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p9proxy-int.h"

/*
 * The head of a large Rread to a kernel Tread: send the kernel its
 * retagged header now (or the error that replaces the reply) and pass
 * the payload on as it arrives (stream_body()).  1: started; 0: not such
 * a message, or no room yet (handled whole, or later); <0: malformed.
 */
int
stream_start(struct p9proxy *px, struct buf *in, struct buf *tk, long long now)
{
	const uint8_t *m = buf_ptr(in);
	struct p9_msg r = { .type = P9_RREAD };
	struct pend *p;
	uint32_t size;
	int err;

	if (buf_len(in) < P9_RREAD_HDR || m[4] != P9_RREAD ||
	    buf_room(tk) < P9PROXY_KOUT_MIN)
		return 0;
	size = le_get32(m);
	r.tag = le_get16(m + 5);
	if (size <= STREAM_MIN || size > px->msize ||
	    (p = pend_get(px, r.tag)) == NULL || p->own || p->type != P9_TREAD)
		return 0;	/* next_msg() and from_client_one() judge it */
	if (le_get32(m + 7) != size - P9_RREAD_HDR)
		return fail(px, -EPROTO, "malformed reply from the client");
	learn(px, p, &r, m, P9_RREAD_HDR, now);
	if ((err = p->subst) != 0) {
		if (put_lerror(tk, p->ktag, err) != 0)
			return fail(px, -ENOBUFS, "no room");
	} else if (put_retagged(tk, m, P9_RREAD_HDR, p->ktag) != 0)
		return fail(px, -ENOBUFS, "no room");
	px->stream_left = size - P9_RREAD_HDR;
	px->stream_drop = err != 0;
	pend_free(px, p);
	buf_consume(in, P9_RREAD_HDR);
	return 1;
}

/* More of the streamed payload; returns the bytes taken from in. */
size_t
stream_body(struct p9proxy *px, struct buf *in, struct buf *tk)
{
	size_t n = buf_len(in);

	if (n > px->stream_left)
		n = px->stream_left;
	if (!px->stream_drop) {
		if (buf_len(tk) >= STREAM_KOUT_MAX)
			return 0;
		if (n > STREAM_KOUT_MAX - buf_len(tk))
			n = STREAM_KOUT_MAX - buf_len(tk);
		if (buf_put(tk, buf_ptr(in), n) != 0)
			return 0;
	}
	buf_consume(in, n);
	px->stream_left -= (uint32_t)n;
	return n;
}

/*
 * The head of a large Twrite from the kernel: it goes through
 * from_kernel_one() as a Twrite of no data (the walks and open it relies
 * on, its tag, what it changes), with its own header forwarded, and its
 * data passes on as it arrives (wstream_body()); answered here instead
 * (its fid's walk failed), the data is dropped.  1: started; 0: not such
 * a message (handled whole, or later); <0: malformed or broken.
 */
int
wstream_start(struct p9proxy *px, struct buf *in, struct buf *tc,
    struct buf *tk, long long now)
{
	const uint8_t *m = buf_ptr(in);
	uint8_t head[TWRITE_HDR];
	uint64_t fwd = px->st.fwd;
	uint32_t size;
	int r;

	if (buf_len(in) < TWRITE_HDR || m[4] != P9_TWRITE)
		return 0;
	size = le_get32(m);
	if (size <= STREAM_MIN || size > px->msize)
		return 0;	/* next_msg() judges it */
	if (le_get32(m + TWRITE_HDR - 4) != size - TWRITE_HDR)
		return fail(px, -EPROTO, "malformed request from the kernel");
	memcpy(head, m, sizeof(head));
	le_put32(head, sizeof(head));
	le_put32(head + TWRITE_HDR - 4, 0);
	px->fwd_head = m;
	r = from_kernel_one(px, head, sizeof(head), tc, tk, now);
	px->fwd_head = NULL;
	if (r != 0)
		return r;
	px->wstream_left = size - TWRITE_HDR;
	px->wstream_drop = px->st.fwd == fwd;
	buf_consume(in, TWRITE_HDR);
	return 1;
}

/* More of the Twrite's data; returns the bytes taken from in. */
size_t
wstream_body(struct p9proxy *px, struct buf *in, struct buf *tc)
{
	size_t n = buf_len(in);

	if (n > px->wstream_left)
		n = px->wstream_left;
	if (!px->wstream_drop) {
		if (buf_len(tc) >= WSTREAM_COUT_MAX)
			return 0;
		if (n > WSTREAM_COUT_MAX - buf_len(tc))
			n = WSTREAM_COUT_MAX - buf_len(tc);
		if (buf_put(tc, buf_ptr(in), n) != 0)
			return 0;
	}
	buf_consume(in, n);
	px->wstream_left -= (uint32_t)n;
	return n;
}

size_t
p9proxy_kernel_need(const struct p9proxy *px, const struct buf *in)
{
	const uint8_t *m = buf_ptr(in);
	uint32_t size;

	if (px->wstream_left > 0 || buf_len(in) < P9_HDRSZ)
		return 0;
	size = le_get32(m);
	if (m[4] == P9_TWRITE && size > STREAM_MIN && size <= px->msize)
		return TWRITE_HDR;
	return size;
}

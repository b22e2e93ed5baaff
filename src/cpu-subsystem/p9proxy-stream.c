/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9proxy-stream.c: an Rread larger than STREAM_MIN passes to the kernel
 * as it arrives (its header now, the payload in pieces of at most
 * STREAM_KOUT_MAX queued), so no buffer of ours holds a whole msize.
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

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9proxy-client.c: the dispatch of the client's R-messages: replies to
 * our own requests are consumed here, the others learnt from and given
 * back to the kernel under its tag (or replaced by the error of a walk
 * or open they relied on).  Large Rreads go by p9proxy-stream.c.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p9proxy-int.h"

int
from_client_one(struct p9proxy *px, const uint8_t *m, size_t len,
    struct buf *tk, long long now)
{
	struct p9_msg r;
	struct pend *p, *dep, *old;
	struct pfid *f;
	int err;

	if (p9_decode(m, len, &r) != 0 || r.type % 2 == 0)
		return fail(px, -EPROTO, "malformed reply from the client");
	if (r.tag == P9_NOTAG && px->version_own) {
		/* The kernel has our answer: this one must say the same. */
		px->version_own = false;
		if (r.type != P9_RVERSION || r.u.version.msize != px->version_msize)
			return fail(px, -EPROTO, "Rversion unlike the one answered");
		return 0;
	}
	if (r.tag == P9_NOTAG) {
		if (r.type != P9_RVERSION && !(r.type == P9_RLERROR &&
		    px->version_pending))
			return fail(px, -EPROTO, "NOTAG reply");
		if (!px->version_pending)
			return fail(px, -EPROTO, "unexpected Rversion");
		px->version_pending = false;
		if (r.type == P9_RVERSION && r.u.version.msize >= P9_MSIZE_MIN &&
		    r.u.version.msize <= P9_MSIZE_MAX)
			px->msize = r.u.version.msize;
		return buf_put(tk, m, len) == 0 ? 0 : -ENOBUFS;
	}
	if ((p = pend_get(px, r.tag)) == NULL)
		return fail(px, -EPROTO, "reply to a tag never sent");
	if (p->own && p->type == P9_TATTACH) {
		first_attach_done(px, p, &r);
		pend_free(px, p);
		return 0;
	}
	if (p->own && p->type == P9_TCLUNK) {
		pend_free(px, p);	/* answered early (see from_kernel_one) */
		return 0;
	}
	if (p->own && p->spec) {
		spec_arrived(px, p, &r, m, len);
		pend_free(px, p);
		return 0;
	}
	if (p->own && p->prefetch) {
		if (p->type == P9_TGETATTR)
			getattr_arrived(px, p, &r, m, len);
		else
			prefetch_arrived(px, p, &r, m, len, now);
		pend_free(px, p);
		return 0;
	}
	if (p->own && p->type == P9_TLOPEN) {
		/* A lazy open: its failure is the dependent request's. */
		if (r.type != P9_RLOPEN) {
			err = r.type == P9_RLERROR ? (int)r.u.ecode : EIO;
			if (p->has_dep && (dep = pend_get(px, p->dep)) != NULL && !dep->own)
				dep->subst = err;
		}
		pend_free(px, p);
		return 0;
	}
	if (p->own) {
		/* Our materialising walk. */
		if (r.type != P9_RWALK || r.u.rwalk.nwqid != p->nwname) {
			err = r.type == P9_RLERROR ? (int)r.u.ecode : ENOENT;
			if ((f = fid_get(px, p->fid)) != NULL) {
				fid_clear(px, f);
				f->state = F_DEAD;
				f->err = err;
			}
			if (p->has_dep && (dep = pend_get(px, p->dep)) != NULL &&
			    !dep->own)
				dep->subst = err;
		}
		pend_free(px, p);
		return 0;
	}
	if (p->type == P9_TFLUSH) {
		if (r.type != P9_RFLUSH && r.type != P9_RLERROR)
			return fail(px, -EPROTO, "bad reply to Tflush");
		/* Nothing may follow Rflush for the old tag. */
		if ((old = pend_get(px, p->oldtag)) != NULL && !old->own)
			pend_free(px, old);
	} else
		learn(px, p, &r, m, len, now);
	err = p->subst;
	if (err != 0 && p->type != P9_TFLUSH) {
		if (put_lerror(tk, p->ktag, err) != 0)
			return -ENOBUFS;
	} else if (put_retagged(tk, m, len, p->ktag) != 0)
		return -ENOBUFS;
	pend_free(px, p);
	return 0;
}

int
p9proxy_from_client(struct p9proxy *px, struct buf *in, struct buf *tk,
    long long now)
{
	size_t len;
	int r;

	px->now = now;
	for (;;) {
		if (px->stream_left > 0) {
			if (stream_body(px, in, tk) == 0)
				return 0;
			continue;
		}
		if ((r = stream_start(px, in, tk, now)) != 0) {
			if (r < 0)
				return r;
			continue;
		}
		if ((r = next_msg(px, in, &len)) <= 0)
			return r;
		if (buf_room(tk) < len + P9PROXY_KOUT_MIN)
			return 0;
		if ((r = from_client_one(px, buf_ptr(in), len, tk, now)) != 0)
			return r == -ENOBUFS ? fail(px, r, "no room") : r;
		buf_consume(in, len);
	}
}

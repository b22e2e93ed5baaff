/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-frame: libFuzzer target for the mux stream decoder, the library
 * half of fuzz_mux_client_in / fuzz_mux_remote_in (security.md section 4).
 * The input is the byte stream a peer sends.  It is decoded twice:
 *
 *  1. whole, from an allocation of exactly the input's size (so ASan sees
 *     any over-read), with every frame's body decoded the way the
 *     programs decode it, re-encoded, and compared byte for byte: a body
 *     the decoder accepts must be the canonical encoding of what it
 *     returned.  DATA/EOF/ADJUST also drive a few channels to check the
 *     window accounting.
 *  2. as a stream arriving in pseudo-random chunks through a struct buf of
 *     the size the programs use: the frames and the final verdict must be
 *     the same as in pass 1, however the bytes were split.
 *
 * Any broken invariant aborts.  The same file is linked into t/unit-frame
 * (bit flips and truncations of a recorded stream) and, with
 * t/fuzz-main.c, replays t/corpus/frame/ in every `make check`.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "chan.h"
#include "frame.h"
#include "setup.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { \
	fprintf(stderr, "fuzz-frame: %s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
	abort(); } } while (0)

/* The programs read the wire into a buffer this big (src/ *\/session.c). */
#define IN_MAX	(FRAME_SIZE_MAX + 256 * 1024)

enum { NCH = 4 };

/* Channel 0 only sends; 1 and 2 only receive (small windows so overruns
 * happen); 3 does both. */
static void
chans_init(struct chan *ch)
{
	chan_init(&ch[0], 0, -1, -1, 4096, 0);
	chan_init(&ch[1], 1, -1, -1, 0, 1024);
	chan_init(&ch[2], 2, -1, -1, 0, 65536);
	chan_init(&ch[3], 3, -1, -1, 8192, 8192);
}

static void
chans_free(struct chan *ch)
{
	int i;

	for (i = 0; i < NCH; i++)
		chan_free(&ch[i]);
}

static void
on_data(struct chan *c, const uint8_t *p, size_t n)
{
	size_t before = buf_len(&c->wq);
	struct buf wire;
	struct frame f;
	uint32_t owed;
	int r;

	r = chan_on_data(c, p, n);
	if (c->peer_eof)
		CHECK(r == -EBADMSG);	/* DATA after EOF (chan.h) */
	else if (before + n > c->window)
		CHECK(r == -EPROTO);	/* overrun of our window */
	else
		CHECK(r == 0);
	CHECK(buf_len(&c->wq) == (r == 0 ? before + n : before));
	CHECK(buf_len(&c->wq) <= c->window);

	/* Deliver half of the queue in-process and acknowledge it: the ADJUST
	 * must carry exactly what was consumed, none of it lost on the way. */
	n = buf_len(&c->wq) / 2;
	if (n == 0)
		return;
	owed = c->owed;
	buf_consume(&c->wq, n);
	chan_consumed(c, n);
	CHECK(c->owed == owed + n);
	buf_init(&wire, 64);
	CHECK(chan_flush_owed(c, &wire) == 0 && c->owed == 0);
	CHECK(frame_peek(&wire, &f) == 1 && f.type == FR_ADJUST);
	CHECK(rd_u8(&f.body) == c->id && rd_u32(&f.body) == owed + n && rd_end(&f.body) == 0);
	buf_free(&wire);
}

static void
on_adjust(struct chan *c, uint32_t v)
{
	uint64_t want = (uint64_t)c->credit + v;

	chan_on_adjust(c, v);
	CHECK(c->credit == (want > UINT32_MAX ? UINT32_MAX : want));
}

/*
 * Decode one frame's body as cpu and cpu-subsystem do; on success encode
 * it again and insist on the same bytes.  Returns the decoder's verdict.
 */
static int
decode_body(const struct frame *f0, const uint8_t *raw, struct chan *ch)
{
	struct frame f = *f0;
	struct rd *b = &f.body;
	struct cpu_setup s;
	struct buf re;
	const uint8_t *p;
	uint32_t v, flags;
	uint16_t w[4];
	size_t start, k;
	uint8_t id, kind, core;
	char *str;
	int r;

	/* The re-encoding must fit in exactly the frame's bytes. */
	buf_init(&re, f.total);
	switch (f.type) {
	case FR_HELLO:
		if ((r = frame_check_hello(b, &v, &flags)) == 0)
			CHECK(v == MUX_VERSION && frame_put_hello(&re, flags) == 0);
		break;
	case FR_SETUP:
		if ((r = setup_decode(b, &s)) == 0) {
			CHECK(frame_begin(&re, FR_SETUP, &start) == 0);
			CHECK(setup_encode(&s, &re) == 0);
			CHECK(frame_end(&re, start) == 0);
			setup_free(&s);
		}
		break;
	case FR_DATA:
		id = rd_u8(b);
		k = b->left;
		p = rd_bytes(b, k);
		if ((r = rd_end(b)) == 0) {
			CHECK(k <= FRAME_DATA_MAX);
			CHECK(frame_put_data(&re, id, p, k) == 0);
			if (id < NCH)
				on_data(&ch[id], p, k);
		}
		break;
	case FR_EOF:
		id = rd_u8(b);
		if ((r = rd_end(b)) == 0) {
			CHECK(frame_put_chan(&re, FR_EOF, id) == 0);
			if (id < NCH)
				chan_on_eof(&ch[id]);
		}
		break;
	case FR_ADJUST:
		id = rd_u8(b);
		v = rd_u32(b);
		if ((r = rd_end(b)) == 0) {
			CHECK(frame_put_adjust(&re, id, v) == 0);
			if (id < NCH)
				on_adjust(&ch[id], v);
		}
		break;
	case FR_WINCH:
		for (k = 0; k < 4; k++)
			w[k] = rd_u16(b);
		if ((r = rd_end(b)) == 0)
			CHECK(frame_put_winch(&re, w[0], w[1], w[2], w[3]) == 0);
		break;
	case FR_SIGNAL:
	case FR_ERROR:
	case FR_WARN:
		str = rd_cstr32(b, f.type == FR_SIGNAL ? 32 : 4096);
		if ((r = rd_end(b)) == 0) {
			CHECK(str != NULL && strlen(str) <= (f.type == FR_SIGNAL ? 32 : 4096));
			CHECK(frame_put_str(&re, f.type, str) == 0);
		} else
			CHECK(str == NULL || r == -EPROTO);	/* trailing bytes */
		free(str);
		break;
	case FR_EXIT:
		kind = rd_u8(b);
		v = rd_u32(b);
		core = rd_u8(b);
		if ((r = rd_end(b)) == 0)
			CHECK(frame_put_exit(&re, kind, v, core) == 0);
		break;
	case FR_STARTED:
		if ((r = rd_end(b)) == 0)
			CHECK(frame_put(&re, FR_STARTED, NULL, 0) == 0);
		break;
	case FR_P9ATTR:
	case FR_P9LINK:
		/* Opaque here (the 9P proxy parses it): bounded, re-sent as is. */
		k = b->left;
		p = rd_bytes(b, k);
		if ((r = rd_end(b)) == 0)
			CHECK(k <= 1 + (f.type == FR_P9ATTR ? P9ATTR_BODY_MAX :
			    P9LINK_BODY_MAX) && frame_put(&re, f.type, p, k) == 0);
		break;
	default:
		fprintf(stderr, "fuzz-frame: frame_peek returned unknown type %u\n", f.type);
		abort();
	}
	/* The body cursor never left the frame. */
	CHECK(b->p >= raw + FRAME_HDR && b->p + b->left <= raw + f.total);
	if (r == 0)
		CHECK(buf_len(&re) == f.total && memcmp(buf_ptr(&re), raw, f.total) == 0);
	else
		CHECK(r < 0);
	buf_free(&re);
	return r;
}

/* What frame_peek must say about the front of a buffer, from first principles. */
static void
check_peek(const uint8_t *p, size_t have, int r, const struct frame *f)
{
	uint32_t size = have >= 4 ? le_get32(p) : 0, max = have >= 5 ? frame_type_max(p[4]) : 0;

	if (r == 1) {
		CHECK(have >= FRAME_HDR && size >= 1 && max > 0 && size <= max);
		CHECK(max <= FRAME_SIZE_MAX && f->type == p[4]);
		CHECK(f->total == 4 + (size_t)size && f->total <= have);
		CHECK(f->body.p == p + FRAME_HDR && f->body.left == size - 1 && f->body.err == 0);
	} else if (r == 0) {
		CHECK(have < 4 || (size != 0 && size <= FRAME_SIZE_MAX));
		CHECK(have < 5 || (max > 0 && size <= max && have - 4 < size));
	} else {
		CHECK(r == -EPROTO || r == -EMSGSIZE);
		CHECK(have >= 4);
		CHECK(size == 0 || size > FRAME_SIZE_MAX || (have >= 5 && (max == 0 || size > max)));
	}
}

/* A running digest of the frames seen, to compare the two passes. */
static uint64_t
mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x100000001b3ULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chan ch[NCH];
	struct frame f;
	struct buf view, in;
	uint8_t *copy;
	uint64_t h1 = 0xcbf29ce484222325ULL, h2 = h1;
	uint32_t seed;
	size_t pos, n;
	int r;

	/* Pass 1: the whole input, in an exact-size allocation.  The view is
	 * a struct buf over it that never grows (max == cap == size). */
	copy = malloc(size ? size : 1);
	CHECK(copy != NULL);
	if (size)
		memcpy(copy, data, size);
	view = (struct buf){ .d = copy, .off = 0, .len = size, .cap = size, .max = size };
	chans_init(ch);
	for (;;) {
		r = frame_peek(&view, &f);
		check_peek(buf_ptr(&view), buf_len(&view), r, &f);
		if (r != 1)
			break;
		decode_body(&f, buf_ptr(&view), ch);
		h1 = mix(mix(h1, f.type), f.total);
		CHECK(buf_consume(&view, f.total) == 0);
	}
	h1 = mix(h1, (uint64_t)-r);	/* the verdict: 0 (need more) or the error */
	chans_free(ch);
	free(copy);

	/* Pass 2: the same bytes arriving in chunks of 1 byte to 64 KiB. */
	buf_init(&in, IN_MAX);
	seed = 2166136261u ^ (uint32_t)size;
	pos = 0;
	r = 0;
	while (r == 0) {
		if (pos < size) {
			seed = seed * 1103515245u + 12345u;
			n = (seed >> 16) % 7 == 0 ? 65536 : 1 + (seed >> 16) % 64;
			if (n > size - pos)
				n = size - pos;
			if (n > buf_room(&in))
				n = buf_room(&in);
			CHECK(buf_put(&in, data + pos, n) == 0);
			pos += n;
		}
		while ((r = frame_peek(&in, &f)) == 1) {
			check_peek(buf_ptr(&in), buf_len(&in), r, &f);
			h2 = mix(mix(h2, f.type), f.total);
			CHECK(buf_consume(&in, f.total) == 0);
		}
		check_peek(buf_ptr(&in), buf_len(&in), r, &f);
		/* A full input buffer that still holds no whole frame would hang
		 * the session: the buffer must always fit the largest frame. */
		CHECK(r != 0 || buf_room(&in) > 0);
		if (pos == size)
			break;
	}
	h2 = mix(h2, (uint64_t)-r);
	CHECK(h1 == h2);
	buf_free(&in);
	return 0;
}

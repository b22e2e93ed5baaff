/* SPDX-License-Identifier: BSD-3-Clause */
/* frame: mux frame codec.  See frame.h and doc/protocol.md. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "frame.h"

uint32_t
frame_type_max(uint8_t type)
{
	switch (type) {
	case FR_HELLO:	 return 1 + MUX_MAGIC_LEN + 4 + 4;
	case FR_SETUP:	 return FRAME_SIZE_MAX;
	case FR_DATA:	 return 1 + 1 + FRAME_DATA_MAX;
	case FR_EOF:	 return 1 + 1;
	case FR_ADJUST:	 return 1 + 1 + 4;
	case FR_WINCH:	 return 1 + 8;
	case FR_SIGNAL:	 return 1 + 4 + 32;
	case FR_EXIT:	 return 1 + 1 + 4 + 1;
	case FR_ERROR:
	case FR_WARN:	 return 1 + 4 + 4096;
	case FR_STARTED: return 1;
	case FR_P9ATTR:	 return 1 + 1 + P9ATTR_BODY_MAX;
	case FR_P9LINK:	 return 1 + 1 + P9LINK_BODY_MAX;
	default:	 return 0;
	}
}

const char *
frame_type_name(uint8_t type)
{
	static const char *names[] = { "?", "HELLO", "SETUP", "DATA", "EOF",
	    "ADJUST", "WINCH", "SIGNAL", "EXIT", "ERROR", "WARN", "STARTED",
	    "P9ATTR", "P9LINK" };

	return type <= FR_TYPE_MAX ? names[type] : "?";
}

const char *
frame_error(int err)
{
	switch (err) {
	case -EPROTO:		return "Protocol error";
	case -EMSGSIZE:		return "Message too long";
	default:		return "invalid frame";
	}
}

int
frame_peek(const struct buf *in, struct frame *f)
{
	const uint8_t *p = buf_ptr(in);
	size_t have = buf_len(in);
	uint32_t size, max;

	if (have < 4)
		return 0;
	size = le_get32(p);
	if (size == 0)
		return -EPROTO;
	if (size > FRAME_SIZE_MAX)
		return -EMSGSIZE;
	if (have < FRAME_HDR)
		return 0;
	if ((max = frame_type_max(p[4])) == 0)
		return -EPROTO;
	if (size > max)
		return -EMSGSIZE;
	if (have - 4 < size)
		return 0;
	f->type = p[4];
	f->total = 4 + (size_t)size;
	rd_init(&f->body, p + FRAME_HDR, size - 1);
	return 1;
}

int
frame_peek_data_part(const struct buf *in, size_t min, uint8_t *chan,
    const uint8_t **p, size_t *n)
{
	const uint8_t *h = buf_ptr(in);
	size_t have = buf_len(in);
	uint32_t size;

	if (have < FRAME_HDR + 1)
		return 0;
	size = le_get32(h);
	if (h[4] != FR_DATA || size < 2 || size > frame_type_max(FR_DATA) ||
	    have - 4 >= size || have - (FRAME_HDR + 1) < min ||
	    have == FRAME_HDR + 1)
		return 0;
	*chan = h[5];
	*p = h + FRAME_HDR + 1;
	*n = have - (FRAME_HDR + 1);
	return 1;
}

void
frame_take_data_part(struct buf *in, size_t n)
{
	uint8_t *h = buf_mutable(in, 0, FRAME_HDR + 1 + n);
	uint32_t size;
	uint8_t chan;

	if (h == NULL || n == 0)
		return;
	size = le_get32(h);
	chan = h[5];
	/* The rest's header goes just before the rest: over payload
	 * already taken, so nothing moves. */
	le_put32(h + n, size - (uint32_t)n);
	h[n + 4] = FR_DATA;
	h[n + 5] = chan;
	buf_consume(in, n);
}

int
frame_begin(struct buf *out, uint8_t type, size_t *start)
{
	uint8_t hdr[FRAME_HDR] = { 0, 0, 0, 0, type };

	*start = buf_len(out);
	return buf_put(out, hdr, sizeof(hdr));
}

int
frame_end(struct buf *out, size_t start)
{
	uint8_t *p = buf_mutable(out, start, FRAME_HDR);
	size_t size;

	if (p == NULL)
		return -EINVAL;
	size = buf_len(out) - start - 4;
	if (size > frame_type_max(p[4])) {
		buf_truncate(out, start);
		return -EMSGSIZE;
	}
	le_put32(p, (uint32_t)size);
	return 0;
}

int
frame_put(struct buf *out, uint8_t type, const void *body, size_t n)
{
	uint8_t hdr[FRAME_HDR];
	int r;

	if (n + 1 > frame_type_max(type))
		return -EMSGSIZE;
	if ((r = buf_check_reserve(out, FRAME_HDR + n)) != 0)
		return r;
	le_put32(hdr, (uint32_t)(n + 1));
	hdr[4] = type;
	buf_put(out, hdr, sizeof(hdr));
	return buf_put(out, body, n);
}

int
frame_put_hello(struct buf *out, uint32_t flags)
{
	uint8_t b[MUX_MAGIC_LEN + 8];

	memcpy(b, MUX_MAGIC, MUX_MAGIC_LEN);
	le_put32(b + MUX_MAGIC_LEN, MUX_VERSION);
	le_put32(b + MUX_MAGIC_LEN + 4, flags);
	return frame_put(out, FR_HELLO, b, sizeof(b));
}

int
frame_put_data(struct buf *out, uint8_t chan, const void *p, size_t n)
{
	uint8_t hdr[FRAME_HDR + 1];
	int r;

	if (n > FRAME_DATA_MAX)
		return -EMSGSIZE;
	if ((r = buf_check_reserve(out, sizeof(hdr) + n)) != 0)
		return r;
	le_put32(hdr, (uint32_t)(n + 2));
	hdr[4] = FR_DATA;
	hdr[5] = chan;
	buf_put(out, hdr, sizeof(hdr));
	return buf_put(out, p, n);
}

int
frame_put_chan(struct buf *out, uint8_t type, uint8_t chan)
{
	return frame_put(out, type, &chan, 1);
}

int
frame_put_adjust(struct buf *out, uint8_t chan, uint32_t n)
{
	uint8_t b[5];

	b[0] = chan;
	le_put32(b + 1, n);
	return frame_put(out, FR_ADJUST, b, sizeof(b));
}

int
frame_put_str(struct buf *out, uint8_t type, const char *s)
{
	size_t start, n = strlen(s);
	int r;

	if (n > 4096)
		n = 4096;
	if ((r = frame_begin(out, type, &start)) != 0 ||
	    (r = buf_put_str32(out, s, n)) != 0 ||
	    (r = frame_end(out, start)) != 0) {
		buf_truncate(out, start < buf_len(out) ? start : buf_len(out));
		return r;
	}
	return 0;
}

int
frame_put_exit(struct buf *out, uint8_t kind, uint32_t value, uint8_t core)
{
	uint8_t b[6];

	b[0] = kind;
	le_put32(b + 1, value);
	b[5] = core;
	return frame_put(out, FR_EXIT, b, sizeof(b));
}

int
frame_put_winch(struct buf *out, uint16_t rows, uint16_t cols,
    uint16_t xpix, uint16_t ypix)
{
	uint8_t b[8];

	le_put16(b, rows);
	le_put16(b + 2, cols);
	le_put16(b + 4, xpix);
	le_put16(b + 6, ypix);
	return frame_put(out, FR_WINCH, b, sizeof(b));
}

int
frame_check_hello(struct rd *body, uint32_t *version, uint32_t *flags)
{
	const uint8_t *m = rd_bytes(body, MUX_MAGIC_LEN);

	*version = rd_u32(body);
	*flags = rd_u32(body);
	if (rd_end(body) != 0 || memcmp(m, MUX_MAGIC, MUX_MAGIC_LEN) != 0)
		return -EPROTO;
	if (*version != MUX_VERSION)
		return -EPROTONOSUPPORT;
	return 0;
}

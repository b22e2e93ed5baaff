/* SPDX-License-Identifier: BSD-3-Clause */
/* buf: bounded byte queue and sticky read cursor.  See buf.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"

/* Below this a buffer's pages are few enough to leave where they are. */
#define BUF_SLIDE_MIN	(64u * 1024)

const uint8_t buf_empty_[1];

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max > BUF_SIZE_MAX ? BUF_SIZE_MAX : max;
}

void
buf_free(struct buf *b)
{
	free(b->d);
	memset(b, 0, sizeof(*b));
}

void
buf_reset(struct buf *b)
{
	b->off = b->len = 0;
}

void
buf_release(struct buf *b)
{
	if (b->len != 0)
		return;
	free(b->d);
	b->d = NULL;
	b->off = b->cap = 0;
}

int
buf_check_reserve(const struct buf *b, size_t n)
{
	if (n > b->max || b->len > b->max - n)
		return -EMSGSIZE;
	return 0;
}

int
buf_reserve(struct buf *b, size_t n, uint8_t **p)
{
	size_t need, ncap;
	uint8_t *nd;
	int r;

	if ((r = buf_check_reserve(b, n)) != 0)
		return r;
	need = b->len + n;
	/* Slide live data to the front before growing, and also once the
	 * consumed front outweighs it: a queue that data streams through
	 * would otherwise march across its whole capacity and keep every
	 * page of it resident.  Each byte slid was preceded by as many
	 * consumed, so this costs at most one copy per byte. */
	if (b->off + need > b->cap ||
	    (b->off >= b->len && b->off + need > BUF_SLIDE_MIN)) {
		if (b->off > 0) {
			memmove(b->d, b->d + b->off, b->len);
			b->off = 0;
		}
		if (need > b->cap) {
			ncap = b->cap ? b->cap : 256;
			while (ncap < need)
				ncap *= 2;
			if (ncap > b->max)
				ncap = b->max;
			if ((nd = realloc(b->d, ncap)) == NULL)
				return -ENOMEM;
			b->d = nd;
			b->cap = ncap;
		}
	}
	*p = b->d ? b->d + b->off + b->len : NULL;
	return 0;
}

void
buf_commit(struct buf *b, size_t n)
{
	b->len += n;
}

int
buf_consume(struct buf *b, size_t n)
{
	if (n > b->len)
		return -EINVAL;
	b->off += n;
	b->len -= n;
	if (b->len == 0)
		b->off = 0;
	return 0;
}

int
buf_truncate(struct buf *b, size_t n)
{
	if (n > b->len)
		return -EINVAL;
	b->len = n;
	return 0;
}

uint8_t *
buf_mutable(struct buf *b, size_t off, size_t n)
{
	if (b->d == NULL || off > b->len || n > b->len - off)
		return NULL;
	return b->d + b->off + off;
}

int
buf_put(struct buf *b, const void *p, size_t n)
{
	uint8_t *dst;
	int r;

	if ((r = buf_reserve(b, n, &dst)) != 0)
		return r;
	if (n)
		memcpy(dst, p, n);
	buf_commit(b, n);
	return 0;
}

int
buf_put_u8(struct buf *b, uint8_t v)
{
	return buf_put(b, &v, 1);
}

int
buf_put_u16(struct buf *b, uint16_t v)
{
	uint8_t x[2];

	le_put16(x, v);
	return buf_put(b, x, sizeof(x));
}

int
buf_put_u32(struct buf *b, uint32_t v)
{
	uint8_t x[4];

	le_put32(x, v);
	return buf_put(b, x, sizeof(x));
}

int
buf_put_u64(struct buf *b, uint64_t v)
{
	uint8_t x[8];

	le_put64(x, v);
	return buf_put(b, x, sizeof(x));
}

int
buf_put_str16(struct buf *b, const char *s, size_t len)
{
	int r;

	if (len > UINT16_MAX)
		return -ENAMETOOLONG;
	if ((r = buf_check_reserve(b, 2 + len)) != 0)
		return r;
	if ((r = buf_put_u16(b, (uint16_t)len)) != 0)
		return r;
	return buf_put(b, s, len);
}

int
buf_put_str32(struct buf *b, const void *s, size_t len)
{
	int r;

	if (len > UINT32_MAX)
		return -EMSGSIZE;
	if ((r = buf_check_reserve(b, 4 + len)) != 0)
		return r;
	if ((r = buf_put_u32(b, (uint32_t)len)) != 0)
		return r;
	return buf_put(b, s, len);
}

ssize_t
buf_read_fd(struct buf *b, int fd, size_t want)
{
	uint8_t *p;
	ssize_t n;
	int r;

	if (want > buf_room(b))
		want = buf_room(b);
	if (want == 0)
		return -ENOBUFS;
	if ((r = buf_reserve(b, want, &p)) != 0)
		return r;
	do
		n = read(fd, p, want);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	buf_commit(b, (size_t)n);
	return n;
}

ssize_t
buf_write_fd(struct buf *b, int fd)
{
	ssize_t n;

	if (b->len == 0)
		return 0;
	do
		n = write(fd, buf_ptr(b), b->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	buf_consume(b, (size_t)n);
	return n;
}

/* --- read cursor --- */

void
rd_init(struct rd *r, const void *p, size_t len)
{
	r->p = p;
	r->left = len;
	r->err = 0;
}

void
rd_fail(struct rd *r, int err)
{
	if (r->err == 0)
		r->err = err;
	r->left = 0;
}

const uint8_t *
rd_bytes(struct rd *r, size_t n)
{
	const uint8_t *p;

	if (r->err)
		return NULL;
	if (n > r->left) {
		rd_fail(r, -EPROTO);
		return NULL;
	}
	p = r->p;
	r->p += n;
	r->left -= n;
	return p;
}

uint8_t
rd_u8(struct rd *r)
{
	const uint8_t *p = rd_bytes(r, 1);

	return p ? p[0] : 0;
}

uint16_t
rd_u16(struct rd *r)
{
	const uint8_t *p = rd_bytes(r, 2);

	return p ? le_get16(p) : 0;
}

uint32_t
rd_u32(struct rd *r)
{
	const uint8_t *p = rd_bytes(r, 4);

	return p ? le_get32(p) : 0;
}

uint64_t
rd_u64(struct rd *r)
{
	const uint8_t *p = rd_bytes(r, 8);

	return p ? le_get64(p) : 0;
}

const char *
rd_str16(struct rd *r, uint16_t *len)
{
	uint16_t n = rd_u16(r);
	const uint8_t *p = rd_bytes(r, n);

	*len = p ? n : 0;
	return (const char *)p;
}

const char *
rd_str32(struct rd *r, uint32_t *len, uint32_t max)
{
	uint32_t n = rd_u32(r);
	const uint8_t *p;

	*len = 0;
	if (r->err)
		return NULL;
	if (n > max) {
		rd_fail(r, -EMSGSIZE);
		return NULL;
	}
	if ((p = rd_bytes(r, n)) == NULL)
		return NULL;
	*len = n;
	return (const char *)p;
}

static char *
dup_checked(struct rd *r, const char *s, size_t n, size_t max)
{
	char *c;

	if (s == NULL)
		return NULL;
	if (n > max) {
		rd_fail(r, -EMSGSIZE);
		return NULL;
	}
	if (memchr(s, '\0', n) != NULL) {
		rd_fail(r, -EINVAL);
		return NULL;
	}
	if ((c = malloc(n + 1)) == NULL) {
		rd_fail(r, -ENOMEM);
		return NULL;
	}
	memcpy(c, s, n);
	c[n] = '\0';
	return c;
}

char *
rd_cstr16(struct rd *r, size_t max)
{
	uint16_t n;
	const char *s = rd_str16(r, &n);

	return dup_checked(r, s, n, max);
}

char *
rd_cstr32(struct rd *r, size_t max)
{
	uint32_t n;
	const char *s = rd_str32(r, &n, max > UINT32_MAX ? UINT32_MAX : (uint32_t)max);

	return dup_checked(r, s, n, max);
}

int
rd_end(const struct rd *r)
{
	if (r->err)
		return r->err;
	return r->left ? -EPROTO : 0;
}

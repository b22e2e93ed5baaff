/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * buf: the one bounded byte buffer that untrusted bytes go through.
 *
 * A struct buf is a growable queue of bytes with a hard ceiling (max):
 * producers append at the end, consumers take from the front.  Every call
 * that could grow the buffer checks the ceiling first and fails with
 * -EMSGSIZE instead of allocating, so a peer can never make us allocate
 * more than the owner decided.
 *
 * struct rd is a read cursor over bytes already in memory (a frame, a 9P
 * message).  Its getters are "sticky": the first short read sets rd.err and
 * every later getter returns zeros, so a decoder can read a whole record
 * and check once at the end with rd_end(), which also insists that every
 * byte was consumed.  No getter ever reads past the end.
 *
 * All integers on our wires are little-endian (as in 9P).
 * Functions return 0 or a negative errno value; they never print or exit.
 */
#ifndef CPU_BUF_H
#define CPU_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BUF_SIZE_MAX	(64u * 1024 * 1024)	/* no buffer ever exceeds this */

struct buf {
	uint8_t	*d;	/* allocation */
	size_t	 off;	/* start of live data */
	size_t	 len;	/* bytes of live data */
	size_t	 cap;	/* allocated size */
	size_t	 max;	/* ceiling on len */
};

void	 buf_init(struct buf *, size_t max);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);
/* An empty buffer gives its storage back (its ceiling stays): a queue
 * that once held a large message need not keep its pages. */
void	 buf_release(struct buf *);
static inline size_t buf_len(const struct buf *b) { return b->len; }
/* Never NULL: a buffer that never allocated points at an empty array
 * (computing NULL + 0 is undefined behaviour). */
extern const uint8_t buf_empty_[1];
static inline const uint8_t *buf_ptr(const struct buf *b) { return b->d ? b->d + b->off : buf_empty_; }
static inline size_t buf_room(const struct buf *b) { return b->max - b->len; }

/* Would n more bytes fit under the ceiling? 0 or -EMSGSIZE. */
int	 buf_check_reserve(const struct buf *, size_t n);
/* Make room for n bytes at the end; *p points at them.  Commit with buf_commit. */
int	 buf_reserve(struct buf *, size_t n, uint8_t **p);
void	 buf_commit(struct buf *, size_t n);
/* Drop n bytes from the front (n <= len). */
int	 buf_consume(struct buf *, size_t n);
/* Shorten the live data to n bytes (n <= len). */
int	 buf_truncate(struct buf *, size_t n);
/* Pointer to byte at offset off from the start of live data (for patching). */
uint8_t	*buf_mutable(struct buf *, size_t off, size_t n);

int	 buf_put(struct buf *, const void *, size_t);
int	 buf_put_u8(struct buf *, uint8_t);
int	 buf_put_u16(struct buf *, uint16_t);
int	 buf_put_u32(struct buf *, uint32_t);
int	 buf_put_u64(struct buf *, uint64_t);
/* u16 length + bytes (9P string) */
int	 buf_put_str16(struct buf *, const char *s, size_t len);
/* u32 length + bytes (mux string) */
int	 buf_put_str32(struct buf *, const void *s, size_t len);

/* Read from fd into the buffer, at most want bytes (bounded by room).
 * Returns bytes read (0 on EOF) or -errno (-EAGAIN included). */
ssize_t	 buf_read_fd(struct buf *, int fd, size_t want);
/* Write from the front of the buffer to fd, consuming what was written.
 * Returns bytes written or -errno. */
ssize_t	 buf_write_fd(struct buf *, int fd);

/* Little-endian helpers for fixed positions. */
static inline void le_put16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static inline void le_put32(uint8_t *p, uint32_t v)
{ p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; }
static inline void le_put64(uint8_t *p, uint64_t v)
{ le_put32(p, (uint32_t)v); le_put32(p + 4, (uint32_t)(v >> 32)); }
static inline uint16_t le_get16(const uint8_t *p) { return p[0] | (uint16_t)p[1] << 8; }
static inline uint32_t le_get32(const uint8_t *p)
{ return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static inline uint64_t le_get64(const uint8_t *p)
{ return le_get32(p) | (uint64_t)le_get32(p + 4) << 32; }

/* Read cursor with sticky errors. */
struct rd {
	const uint8_t	*p;
	size_t		 left;
	int		 err;	/* 0 or negative errno; first error wins */
};

void	 rd_init(struct rd *, const void *p, size_t len);
uint8_t	 rd_u8(struct rd *);
uint16_t rd_u16(struct rd *);
uint32_t rd_u32(struct rd *);
uint64_t rd_u64(struct rd *);
/* n raw bytes; returns a pointer into the input or NULL (and sets err). */
const uint8_t *rd_bytes(struct rd *, size_t n);
/* u16-length string (9P).  *len gets the length; the bytes are NOT NUL
 * terminated and may contain NUL: callers that need a C string use rd_cstr16. */
const char *rd_str16(struct rd *, uint16_t *len);
/* u32-length string with a limit. */
const char *rd_str32(struct rd *, uint32_t *len, uint32_t max);
/* Copy a u16/u32 string into a fresh NUL-terminated heap string; an
 * embedded NUL or a length over max is an error (-EINVAL / -EMSGSIZE). */
char	*rd_cstr16(struct rd *, size_t max);
char	*rd_cstr32(struct rd *, size_t max);
/* Record a decoder error (e.g. a bad value) unless one is already set. */
void	 rd_fail(struct rd *, int err);
/* 0 if no error and every byte was consumed; else the error or -EPROTO. */
int	 rd_end(const struct rd *);

#endif

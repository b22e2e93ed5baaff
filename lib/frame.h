/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * frame: encode and decode mux frames (proto.h) in struct buf queues.
 * Decoding never trusts a length: the size field is checked against the
 * frame type's limit before any byte of the body is waited for.
 */
#ifndef CPU_FRAME_H
#define CPU_FRAME_H

#include <stdint.h>
#include "buf.h"
#include "proto.h"

struct frame {
	uint8_t		 type;
	struct rd	 body;	/* cursor over the body (valid until consume) */
	size_t		 total;	/* bytes of the whole frame in the input */
};

/* Largest size field allowed for a type (0 for an unknown type). */
uint32_t frame_type_max(uint8_t type);
const char *frame_type_name(uint8_t type);

/*
 * Look at the front of in.  Returns 1 and fills *f when a whole frame is
 * there, 0 when more bytes are needed, or a negative errno for a frame that
 * can never be valid (-EPROTO unknown type or size 0, -EMSGSIZE too big).
 * The caller handles the frame and then calls buf_consume(in, f->total).
 */
int	 frame_peek(const struct buf *in, struct frame *f);
/* What frame_peek()'s error means, in the same words whatever the libc
 * (cpu-subsystem may be linked with musl, whose strerror() differs). */
const char *frame_error(int err);

/*
 * A DATA frame need not be whole to be delivered.  When the front of in
 * is a DATA frame whose size is valid but whose body is not all here, and
 * at least min bytes of its payload are, frame_peek_data_part() returns 1
 * with the channel and the payload so far (*p, *n); else 0.  Once the
 * caller took those bytes, frame_take_data_part(in, n) drops them and
 * leaves the rest in in as a shorter DATA frame of the same channel.
 */
int	 frame_peek_data_part(const struct buf *in, size_t min, uint8_t *chan,
	    const uint8_t **p, size_t *n);
void	 frame_take_data_part(struct buf *in, size_t n);

/* Append frames to out.  Each fails with -EMSGSIZE if out is full. */
int	 frame_put(struct buf *out, uint8_t type, const void *body, size_t n);
int	 frame_put_hello(struct buf *out, uint32_t flags);
int	 frame_put_data(struct buf *out, uint8_t chan, const void *p, size_t n);
int	 frame_put_chan(struct buf *out, uint8_t type, uint8_t chan);
int	 frame_put_adjust(struct buf *out, uint8_t chan, uint32_t n);
int	 frame_put_str(struct buf *out, uint8_t type, const char *s);
int	 frame_put_exit(struct buf *out, uint8_t kind, uint32_t value, uint8_t core);
int	 frame_put_winch(struct buf *out, uint16_t rows, uint16_t cols,
	    uint16_t xpix, uint16_t ypix);

/* For composite bodies: frame_begin() writes the header and returns its
 * offset in out; append the body with buf_put_*(); frame_end() fixes the
 * size and checks the type's limit (on failure the frame is removed). */
int	 frame_begin(struct buf *out, uint8_t type, size_t *start);
int	 frame_end(struct buf *out, size_t start);

/* Check a HELLO body: magic and version.  0, -EPROTO (bad magic) or
 * -EPROTONOSUPPORT (version). */
int	 frame_check_hello(struct rd *body, uint32_t *version, uint32_t *flags);

#endif

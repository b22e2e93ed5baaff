/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * chan: one flow-controlled mux channel between a local fd and the wire.
 *
 * Sending side: bytes read from rfd go out as DATA frames, never more than
 * `credit` (the peer's window) ahead of the peer's ADJUST frames.
 * Receiving side: DATA from the peer is queued in `wq` (bounded by our
 * window) and written to wfd; every byte written is owed back to the peer
 * as ADJUST, accumulated in `owed` and sent when the wire has room, so a
 * full wire never loses an acknowledgement.
 *
 * Either side may be absent (fd -1).  Nothing here blocks: fds are
 * non-blocking and the caller's poll loop decides when to pump.
 */
#ifndef CPU_CHAN_H
#define CPU_CHAN_H

#include <stdbool.h>
#include <stdint.h>
#include "buf.h"

/* Room the wire output must keep for control frames (ADJUST, EOF, ...). */
#define WIRE_SLACK	(64u * 1024)

struct chan {
	uint8_t		 id;
	int		 rfd;		/* local source, -1 if none */
	int		 wfd;		/* local sink, -1 if none */
	uint32_t	 credit;	/* bytes we may still send */
	uint32_t	 window;	/* our receive window (max of wq) */
	struct buf	 wq;		/* received, not yet written to wfd */
	uint32_t	 owed;		/* ADJUST bytes not yet sent */
	bool		 rd_eof;	/* rfd finished; EOF frame queued */
	bool		 peer_eof;	/* peer sent EOF: close wfd when wq drains */
	bool		 closed_by_peer;/* peer's reader is gone: stop reading rfd */
	bool		 wr_closed;	/* wfd closed */
	bool		 reader_gone;	/* we told the peer our reader left */
	bool		 is_tty;	/* rfd is a pty master: EIO means EOF */
	bool		 recvs;		/* we receive DATA on it (recv_window > 0) */
	bool		 keep_open;	/* never close wfd (our own stdout/stderr) */
	uint64_t	 bytes_in, bytes_out;
};

/* A window of 0 means that direction is not used on this channel. */
void	chan_init(struct chan *, uint8_t id, int rfd, int wfd,
	    uint32_t send_window, uint32_t recv_window);
void	chan_free(struct chan *);

/* Wants: should poll watch rfd for input / wfd for output? */
bool	chan_want_read(const struct chan *, const struct buf *wire_out);
bool	chan_want_write(const struct chan *);

/* Read what rfd has (within credit and wire room) into DATA frames;
 * queue EOF at end of input.  0 or -errno (wire full is not an error). */
int	chan_pump_read(struct chan *, struct buf *wire_out);
/* Write queued bytes to wfd; close wfd after peer EOF once drained.
 * Returns 0, or -EPIPE when the local reader is gone (the caller tells
 * the peer with chan_close_reader()), or another -errno. */
int	chan_pump_write(struct chan *);
/* Send owed ADJUST if the wire has room. */
int	chan_flush_owed(struct chan *, struct buf *wire_out);

/* Frames from the peer for this channel.  chan_on_data fails with
 * -EBADMSG for data after EOF and -EPROTO for data beyond the window. */
int	chan_on_data(struct chan *, const uint8_t *p, size_t n);
void	chan_on_adjust(struct chan *, uint32_t n);
/* EOF on a channel we receive: no more data.  On a channel we send: the
 * peer's reader is gone. */
void	chan_on_eof(struct chan *);

/* Our local reader of wfd went away: drop queued data, close wfd and tell
 * the peer to stop sending (EOF on a channel we receive). */
int	chan_close_reader(struct chan *, struct buf *wire_out);

/* For in-process consumers (the client's 9P server): take n bytes from
 * wq as delivered and owe them back. */
void	chan_consumed(struct chan *, size_t n);
/* Send bytes produced in-process as DATA within credit; returns bytes taken. */
size_t	chan_send(struct chan *, struct buf *wire_out, const uint8_t *p, size_t n);

#endif

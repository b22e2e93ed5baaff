/* SPDX-License-Identifier: BSD-3-Clause */
/* chan: flow-controlled mux channel.  See chan.h. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "frame.h"

void
chan_init(struct chan *c, uint8_t id, int rfd, int wfd,
    uint32_t send_window, uint32_t recv_window)
{
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->rfd = rfd;
	c->wfd = wfd;
	c->credit = send_window;
	c->window = recv_window;
	c->recvs = recv_window > 0;
	buf_init(&c->wq, recv_window);
}

void
chan_free(struct chan *c)
{
	buf_free(&c->wq);
}

/* Room on the wire for one more full DATA frame plus control slack. */
static bool
wire_has_room(const struct buf *w)
{
	return buf_room(w) >= FRAME_HDR + 1 + FRAME_DATA_MAX + WIRE_SLACK;
}

bool
chan_want_read(const struct chan *c, const struct buf *wire_out)
{
	return c->rfd >= 0 && !c->rd_eof && !c->closed_by_peer &&
	    c->credit > 0 && wire_has_room(wire_out);
}

bool
chan_want_write(const struct chan *c)
{
	return c->wfd >= 0 && !c->wr_closed &&
	    (buf_len(&c->wq) > 0 || c->peer_eof);
}

static int
queue_eof(struct chan *c, struct buf *wire_out)
{
	c->rd_eof = true;
	return frame_put_chan(wire_out, FR_EOF, c->id);
}

int
chan_pump_read(struct chan *c, struct buf *wire_out)
{
	uint8_t *p;
	size_t want;
	ssize_t n;
	int r;

	while (chan_want_read(c, wire_out)) {
		want = c->credit < FRAME_DATA_MAX ? c->credit : FRAME_DATA_MAX;
		if ((r = buf_reserve(wire_out, FRAME_HDR + 1 + want, &p)) != 0)
			return r;
		/* Read straight into the frame, then fill in its header. */
		n = read(c->rfd, p + FRAME_HDR + 1, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			if (errno == EIO && c->is_tty)
				return queue_eof(c, wire_out);
			return -errno;
		}
		if (n == 0)
			return queue_eof(c, wire_out);
		le_put32(p, (uint32_t)n + 2);
		p[4] = FR_DATA;
		p[5] = c->id;
		buf_commit(wire_out, FRAME_HDR + 1 + (size_t)n);
		c->credit -= (uint32_t)n;
		c->bytes_out += (uint64_t)n;
		if ((size_t)n < want)
			return 0;	/* drained for now */
	}
	return 0;
}

static void
close_wfd(struct chan *c)
{
	if (c->wfd >= 0 && !c->wr_closed) {
		/* The same fd may also be rfd (socket, pty): shut only our half. */
		if (c->wfd != c->rfd && !c->keep_open)
			close(c->wfd);
		c->wr_closed = true;
	}
}

int
chan_pump_write(struct chan *c)
{
	ssize_t n;

	while (c->wfd >= 0 && !c->wr_closed && buf_len(&c->wq) > 0) {
		n = buf_write_fd(&c->wq, c->wfd);
		if (n == -EAGAIN)
			return 0;
		if (n < 0)
			return (int)n;
		c->owed += (uint32_t)n;
		c->bytes_in += (uint64_t)n;
	}
	if (c->peer_eof && buf_len(&c->wq) == 0)
		close_wfd(c);
	return 0;
}

int
chan_flush_owed(struct chan *c, struct buf *wire_out)
{
	int r;

	if (c->owed == 0 || buf_room(wire_out) < 64)
		return 0;
	if ((r = frame_put_adjust(wire_out, c->id, c->owed)) != 0)
		return r;
	c->owed = 0;
	return 0;
}

int
chan_on_data(struct chan *c, const uint8_t *p, size_t n)
{
	if (c->reader_gone)
		return 0;		/* in flight before the peer heard: drop */
	if (c->peer_eof)
		return -EBADMSG;	/* data after EOF */
	/* Bytes queued plus bytes delivered but not yet acknowledged are
	 * what the peer may have outstanding: more overruns its window. */
	if ((uint64_t)buf_len(&c->wq) + c->owed + n > c->window)
		return -EPROTO;
	if (buf_put(&c->wq, p, n) != 0)
		return -EPROTO;
	return 0;
}

void
chan_on_adjust(struct chan *c, uint32_t n)
{
	uint64_t v = (uint64_t)c->credit + n;

	c->credit = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

void
chan_on_eof(struct chan *c)
{
	if (c->recvs) {
		c->peer_eof = true;
		return;
	}
	/* The peer's reader is gone: let our writer see EPIPE, as it would
	 * locally (a pty master is shared with stdin and stays open). */
	c->closed_by_peer = true;
	c->rd_eof = true;
	if (c->rfd >= 0 && c->rfd != c->wfd && !c->is_tty) {
		close(c->rfd);
		c->rfd = -1;
	}
}

int
chan_close_reader(struct chan *c, struct buf *wire_out)
{
	buf_reset(&c->wq);
	close_wfd(c);
	c->reader_gone = true;
	return frame_put_chan(wire_out, FR_EOF, c->id);
}

void
chan_consumed(struct chan *c, size_t n)
{
	c->owed += (uint32_t)n;
	c->bytes_in += n;
}

size_t
chan_send(struct chan *c, struct buf *wire_out, const uint8_t *p, size_t n)
{
	size_t done = 0, k;

	while (done < n && c->credit > 0) {
		k = n - done;
		if (k > c->credit)
			k = c->credit;
		if (k > FRAME_DATA_MAX)
			k = FRAME_DATA_MAX;
		if (buf_check_reserve(wire_out, FRAME_HDR + 1 + k + WIRE_SLACK) != 0)
			break;
		frame_put_data(wire_out, c->id, p + done, k);
		c->credit -= (uint32_t)k;
		c->bytes_out += k;
		done += k;
	}
	return done;
}

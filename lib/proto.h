/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proto.h: the cpu mux protocol carried on the `ssh -s HOST cpu` pipe.
 * doc/protocol.md is the prose version of this file; keep them in step.
 *
 * Every frame:  u32 size | u8 type | body[size - 1]     (little-endian)
 * size counts the type byte and the body, 1 <= size <= FRAME_SIZE_MAX,
 * and each type has its own, smaller limit (frame_type_max()).
 */
#ifndef CPU_PROTO_H
#define CPU_PROTO_H

#define MUX_MAGIC		"cpu-mux\0"	/* 8 bytes, first in HELLO */
#define MUX_MAGIC_LEN		8
#define MUX_VERSION		1

#define FRAME_HDR		5			/* size + type */
#define FRAME_SIZE_MAX		(4u * 1024 * 1024)	/* the SETUP frame */
#define FRAME_DATA_MAX		(256u * 1024)		/* payload of one DATA frame */

enum frame_type {
	FR_HELLO	= 1,	/* both: magic[8] u32 version u32 flags */
	FR_SETUP	= 2,	/* c->s: the setup record (setup.h) */
	FR_DATA		= 3,	/* both: u8 chan, bytes */
	FR_EOF		= 4,	/* both: u8 chan; no more DATA on chan */
	FR_ADJUST	= 5,	/* both: u8 chan, u32 n; receiver consumed n more bytes */
	FR_WINCH	= 6,	/* c->s: u16 rows u16 cols u16 xpixel u16 ypixel */
	FR_SIGNAL	= 7,	/* c->s: str32 name ("INT", "TERM", ...) */
	FR_EXIT		= 8,	/* s->c: u8 kind (EXIT_CODE/EXIT_SIGNAL) u32 value u8 core */
	FR_ERROR	= 9,	/* s->c: str32 one-line message; the session ends */
	FR_WARN		= 10,	/* s->c: str32 one-line warning; the session goes on */
	FR_STARTED	= 11,	/* s->c: the command was started (body empty) */
	FR_P9ATTR	= 12,	/* c->s: u8 chan, qid[13] dir, then entries
				 * { str16 name, rgetattr[P9ATTR_ATTR] } */
	FR_P9LINK	= 13,	/* c->s: u8 chan, qid[13] dir, then entries
				 * { str16 name, str16 target } */
	FR_TYPE_MAX	= 13
};

/* HELLO flags (cpu-subsystem's): what the client may send beyond the
 * base protocol.  A client never sends what the server did not offer. */
#define HELLO_P9LINK	0x1u	/* FR_P9LINK is understood */
#define HELLO_P9ABSENT	0x4u	/* FR_P9ATTR entries with valid 0: "no such name" */
/* The server streams 9P replies to the kernel as they arrive: a client
 * keeps at most WINDOW_9P_STREAM unacknowledged on each 9P channel (the
 * server still takes WINDOW_9P, so an older client is not refused), and
 * the server holds that much at most. */
#define HELLO_9P_STREAM	0x8u
/* HELLO flags (the client's): its 9P server sends the attributes (and a
 * link's target) of the name each successful Twalk reaches, ahead of the
 * Rwalk, so the Tgetattr and Treadlink that follow can be answered. */
#define HELLO_WALKATTR	0x2u

/*
 * FR_P9ATTR ("readdirplus", doc/9p-proxy.md): the attributes of entries
 * of a directory the 9P server is listing, sent on the wire before the
 * DATA carrying that Rreaddir.  Each entry's attributes are the body of
 * the Rgetattr the server would send for it (everything after size,
 * type and tag: valid[8] qid[13] mode[4] ... data_version[8]).
 */
#define P9ATTR_ATTR		153
#define P9ATTR_BODY_MAX		(64u * 1024)	/* after the channel byte */

/*
 * FR_P9LINK: the targets of the symbolic links among those entries, each
 * what the server's Rreadlink would carry, sent right after the FR_P9ATTR
 * frame that has the link's attributes.  Only to a server whose HELLO
 * offered HELLO_P9LINK.
 */
#define P9LINK_BODY_MAX		(16u * 1024)	/* after the channel byte */

enum exit_kind { EXIT_CODE = 0, EXIT_SIGNAL = 1 };

/* Channels of DATA/EOF/ADJUST. */
enum mux_chan {
	CH_STDIN	= 0,	/* c->s */
	CH_STDOUT	= 1,	/* s->c */
	CH_STDERR	= 2,	/* s->c */
	CH_9P		= 3,	/* both; 9P channel i is CH_9P + i */
	CH_MAX		= 10	/* so at most 8 9P channels */
};
#define MUX_MAX_9P	(CH_MAX - CH_9P + 1)

/*
 * Flow control: a sender may have at most the channel's window of DATA
 * bytes not yet acknowledged by ADJUST.  Receivers send ADJUST as they
 * deliver bytes onward, so every buffer on both sides is bounded by the
 * window and a stalled consumer of one channel never blocks another.
 */
#define WINDOW_STDIO	(1024u * 1024)
#define WINDOW_9P	(4u * 1024 * 1024)	/* > the largest msize */
#define WINDOW_9P_STREAM (1024u * 1024)	/* client -> server, HELLO_9P_STREAM */

/* 9P: the largest msize the kernel's fd transport accepts (1 MiB). */
#define P9_MSIZE_MAX	(1024u * 1024)
#define P9_MSIZE_DEFAULT P9_MSIZE_MAX

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9client: a small, strict 9P2000.L test client that drives the server
 * in-process through p9conn_process().  Every reply is checked against
 * the rules of security.md P09 (tag, type, size < msize, exact decoding,
 * Rread/Rreaddir within the count, whole readdir entries, Rwalk nwqid
 * <= nwname, a valid errno) and against a canary string that must never
 * leave the server; breaches are counted in `violations`.
 */
#ifndef CPU_T_P9CLIENT_H
#define CPU_T_P9CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "p9.h"
#include "p9srv.h"

#define TC_PENDING	4096

struct tc_req {
	uint8_t		 type;
	uint16_t	 tag;
	uint32_t	 count;		/* Tread/Treaddir */
	uint16_t	 nwname;	/* Twalk */
};

struct tc {
	struct p9conn	*c;
	struct buf	 in, out;
	uint32_t	 msize;		/* as negotiated (server max before) */
	uint16_t	 tag;		/* next automatic tag */
	struct tc_req	 pend[TC_PENDING];	/* sent, not answered */
	unsigned	 npend, head;
	uint8_t		*rbuf;		/* the last reply, copied */
	size_t		 rlen, rcap;
	struct p9_msg	 r;		/* ... decoded (views into rbuf) */
	unsigned	 replies;
	unsigned	 violations;
	const char	*canary;	/* must never appear in a reply */
	int		 fatal;		/* p9conn_process() failed */
	unsigned	 logs;		/* lines the server logged */
	struct buf	*record;	/* non-NULL: every request appended */
};

extern unsigned tc_total_violations;

/* A server on rootfd (borrowed) with conf overrides (NULL: defaults). */
int	 tc_open(struct tc *, int rootfd, const struct p9srv_conf *);
void	 tc_close(struct tc *);

/* Queue a request (tag assigned unless m->tag is set and keep_tag). */
int	 tc_queue(struct tc *, struct p9_msg *m, int keep_tag);
/* Queue raw bytes expecting a reply to (type, tag). */
int	 tc_queue_raw(struct tc *, const void *p, size_t len, uint8_t type,
	    uint16_t tag);
/* Run the server until no more progress; validate each reply (the last
 * one stays in t->r).  Returns replies received, or -1 if it failed. */
int	 tc_run(struct tc *);
/* One request, one reply: 0 (T+1), -ecode (Rlerror), -EPROTO otherwise. */
int	 tc_rpc(struct tc *, struct p9_msg *m);

/* Conveniences; each returns as tc_rpc. */
int	 tc_version(struct tc *, uint32_t msize, const char *version);
int	 tc_attach(struct tc *, uint32_t fid);
/* Walk a "/"-separated path ("" clones). */
int	 tc_walk(struct tc *, uint32_t fid, uint32_t newfid, const char *path);
int	 tc_lopen(struct tc *, uint32_t fid, uint32_t flags);
int	 tc_lcreate(struct tc *, uint32_t dfid, const char *name, uint32_t flags,
	    uint32_t mode);
int	 tc_read(struct tc *, uint32_t fid, uint64_t off, uint32_t count);
int	 tc_write(struct tc *, uint32_t fid, uint64_t off, const void *p,
	    uint32_t n);
int	 tc_clunk(struct tc *, uint32_t fid);
int	 tc_getattr(struct tc *, uint32_t fid);
int	 tc_setattr(struct tc *, uint32_t fid, const struct p9_iattr *);
int	 tc_readdir(struct tc *, uint32_t fid, uint64_t off, uint32_t count);
int	 tc_mkdir(struct tc *, uint32_t dfid, const char *name, uint32_t mode);
int	 tc_unlinkat(struct tc *, uint32_t dfid, const char *name, uint32_t flags);
int	 tc_flush(struct tc *, uint16_t oldtag);

/* A p9_str of a C string. */
struct p9_str tc_str(const char *);

#endif

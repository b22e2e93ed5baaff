/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * session: the remote side's event loop.
 *
 * One poll loop relays the mux stream on stdin/stdout to the command's
 * stdio (pipes or a pty) and to the kernel's 9P socketpairs, with a
 * flow-controlled channel for each (lib/chan.h), so no slow consumer can
 * stall another channel or grow a buffer past its window.  The session
 * ends when the command and all its descendants have exited and their
 * output is delivered, or at once (after SIGHUP, then SIGKILL) when the
 * connection drops.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "log.h"
#include "p9proxy.h"
#include "subsys.h"
#include "util.h"

#define HANDSHAKE_TIMEOUT_MS	30000
#define HANGUP_GRACE_MS		2000
/* After the command exits and its output reaches EOF, descendants that
 * let go of the session's output get this long to finish before they
 * are hung up: background jobs end with the session, and cpu never
 * waits forever for a daemon (security.md F04). */
#define DRAIN_GRACE_MS		2000
/* One read of the wire; larger reads only made our buffers larger.  A
 * read tops the input up to this, rather than adding this much to what
 * waits there (a partial frame), so the input's storage stays this size
 * while 9P data streams through it. */
#define WIRE_READ		(64u * 1024)
/* What we ask the pipes from and to sshd to hold (fd_grow_pipe()). */
#define WIRE_PIPE		(1024 * 1024)
/* 9P replies queued for a kernel socket beyond this pause reading the
 * wire until the kernel has taken them: the rest waits in the pipe and in
 * ssh rather than in our memory.  The kernel reads its socket whatever
 * its processes do, so the pause is short, and a 9P read of 1 MiB still
 * streams (W1: as fast as with 1 MiB queued, 1 MiB less resident; 64
 * KiB, the queue's whole storage at most twice that, is as fast as 128). */
#define WIRE_PAUSE_9P		(64u * 1024)
/* Part of a DATA frame worth passing on before the rest arrives. */
#define DATA_PART_MIN		(4u * 1024)
/* The 9P data now passes in pieces: an ADJUST per piece would be a write,
 * an ssh packet and a wakeup of the client each.  Held back until this
 * much is owed, the client's credit stays far above it (WINDOW_9P_STREAM
 * is 1 MiB), so it rarely waits for it. */
#define P9_ADJUST_MIN		(256u * 1024)
/* The attribute caches of all channels (bound_caches()): past MAX they
 * are brought down to LOW.  A listed tree of 1,500 names (W3) is about
 * 400 KiB with its listings, so it stays whole while it is walked
 * again.  A larger bound (704 KiB was measured) kept no more of an
 * earlier workload's tree useful and raised W1's and W2's peak by half
 * a MiB; at 576 KiB, W2's reached 1.99 MiB when the cache was still
 * full (doc/9p-proxy.md). */
#define CACHE_BYTES_MAX		(512u * 1024)
#define CACHE_BYTES_LOW		(448u * 1024)
/* How often idle queues give their storage back (sweep_caches()). */
#define RELEASE_MS		1000

/*
 * A 9P channel with the attribute proxy (p9proxy.h) between the kernel's
 * socket (the chan's rfd == wfd) and the mux: whole messages only, every
 * buffer bounded, the socket read only while the proxy can take more.
 */
struct p9link {
	struct p9proxy	*px;		/* NULL: a plain relay (cache none) */
	struct buf	 kin;		/* from the kernel, not yet parsed */
	struct buf	 kout;		/* to the kernel */
	struct buf	 cout;		/* to the client, beyond the credit */
	bool		 kin_eof;
	bool		 readable;	/* poll said so since the last read */
};
#define P9LINK_KIN_MAX	(P9_MSIZE_MAX + 64u * 1024)
#define P9LINK_OUT_MAX	(2u * P9_MSIZE_MAX + 1024u * 1024)
/* The kernel's socket is read this much at a time, and only while the
 * proxy holds less of it or needs more for the message at its front
 * (p9proxy_kernel_need()): a 1 MiB Twrite passes in pieces, never whole. */
#define P9LINK_READ	(64u * 1024)
/* 9P bytes for the client are framed onto the wire only while less than
 * this waits there for sshd's pipe; the rest waits in the kernel's socket
 * (the client's credit alone would let 4 MiB queue in our memory). */
#define P9LINK_WIRE_MAX	(128u * 1024)

struct session {
	const struct subsys_opts *opts;
	struct buf	 in, out;	/* the wire */
	bool		 wire_eof;	/* client gone (input EOF or output dead) */
	bool		 out_dead;	/* writing to the client failed */
	bool		 got_hello, got_setup;
	uint32_t	 client_flags;	/* its HELLO's (HELLO_*) */
	struct cpu_setup setup;
	struct spawned	 sp;
	bool		 started;
	struct chan	 ch[CH_MAX + 1];
	int		 nch;
	struct p9link	 p9[MUX_MAX_9P];
	int		 sigfd;
	struct buf	 status;	/* partial lines from nsexec */
	bool		 child_done;
	int		 child_status;
	bool		 no_children;	/* all descendants reaped */
	bool		 exit_sent;
	bool		 failed;	/* ERROR sent: end when drained */
	long long	 drain_at;	/* ms clock when only stragglers were left */
	long long	 hangup_at;	/* ms clock of SIGHUP to descendants, or 0 */
	bool		 killed;
	int		 pending_sig;	/* SIGNAL that came before the command */
	/* The ms clock of this round, read once after each poll: under a
	 * kernel without a vDSO (user-mode-linux) every clock_gettime is a
	 * real system call, and a round needs the time several times. */
	long long	 now;
	long long	 released_at;	/* sweep_caches(): idle queues freed */
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A fatal error: tell the client in one line and wind down. */
static void
session_fail(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void
session_fail(struct session *s, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("%s", msg);
	if (!s->failed) {
		/* Make room: an error outranks queued output. */
		if (buf_room(&s->out) < 2048)
			buf_reset(&s->out);
		frame_put_str(&s->out, FR_ERROR, msg);
	}
	s->failed = true;
}

static void p9link_init(struct session *, int);

static struct chan *
chan_by_id(struct session *s, uint8_t id)
{
	return id < s->nch ? &s->ch[id] : NULL;
}

static void
start_session(struct session *s)
{
	char why[512];
	int i;

	if (spawn_command(&s->setup, s->opts, &s->sp, why, sizeof(why)) != 0) {
		session_fail(s, "%s", why);
		return;
	}
	s->started = true;
	/* Channel ids are fixed by proto.h: stdin, stdout, stderr, 9P... */
	chan_init(&s->ch[CH_STDIN], CH_STDIN, -1, s->sp.ptm >= 0 ? s->sp.ptm : s->sp.in_fd,
	    0, WINDOW_STDIO);
	chan_init(&s->ch[CH_STDOUT], CH_STDOUT, s->sp.out_fd, -1, WINDOW_STDIO, 0);
	s->ch[CH_STDOUT].is_tty = s->sp.ptm >= 0;
	chan_init(&s->ch[CH_STDERR], CH_STDERR, s->sp.err_fd, -1, WINDOW_STDIO, 0);
	if (s->sp.err_fd < 0) {
		/* With a pty stderr shares stdout; the channel ends at once. */
		s->ch[CH_STDERR].rd_eof = true;
		frame_put_chan(&s->out, FR_EOF, CH_STDERR);
	}
	s->nch = CH_9P;
	for (i = 0; i < s->sp.n9p; i++, s->nch++) {
		chan_init(&s->ch[CH_9P + i], CH_9P + i, s->sp.p9_fd[i], s->sp.p9_fd[i],
		    WINDOW_9P, WINDOW_9P);
		p9link_init(s, i);
	}
	for (i = 0; i < s->nch; i++) {
		if (s->ch[i].rfd >= 0)
			fd_set_nonblock(s->ch[i].rfd, 1);
		if (s->ch[i].wfd >= 0)
			fd_set_nonblock(s->ch[i].wfd, 1);
	}
	if (s->sp.status_fd >= 0)
		fd_set_nonblock(s->sp.status_fd, 1);
	if (s->pending_sig)
		kill(s->sp.pid, s->pending_sig);
	log_debug("started pid %d (%s)", (int)s->sp.pid,
	    s->setup.argc ? s->setup.argv[0] : "login shell");
}

/* The attribute proxy for 9P channel i, unless the policy is "none"
 * (doc/9p-proxy.md): channel 0 is coherent (short TTL), 1 is loose. */
static void
p9link_init(struct session *s, int i)
{
	struct p9link *l = &s->p9[i];
	const char *pol = s->setup.cache ? s->setup.cache : "";
	long long ttl;

	memset(l, 0, sizeof(*l));
	l->readable = true;
	if (strcmp(pol, "none") == 0)
		return;
	ttl = i == 1 || strcmp(pol, "loose") == 0 ?
	    P9PROXY_TTL_LOOSE_MS : s->opts->ttl_ms;
	if ((l->px = p9proxy_new(ttl)) == NULL) {
		log_warn("9p channel %d: no memory for the proxy: relaying", i);
		return;
	}
	/* Read-mostly trees under the kernel's page cache: open lazily. */
	p9proxy_set_lazy_open(l->px, i == 1 || strcmp(pol, "loose") == 0);
	p9proxy_set_prefetch(l->px, true);
	p9proxy_set_ahead(l->px, true);
	p9proxy_set_getattr_ahead(l->px, !(s->client_flags & HELLO_WALKATTR));
	/* What the client's 9P server takes: its Tversion is answered here. */
	p9proxy_set_server_msize(l->px, s->setup.msize);
	buf_init(&l->kin, P9LINK_KIN_MAX);
	buf_init(&l->kout, P9LINK_OUT_MAX);
	buf_init(&l->cout, P9LINK_OUT_MAX);
}

static void
p9link_free(struct p9link *l)
{
	if (l->px == NULL)
		return;
	if (getenv("CPU_PROXY_DEBUG") != NULL) {
		const struct p9proxy_stats *st = p9proxy_stats(l->px);
		const struct { const char *name; uint64_t v; } f[] = {
			{ "fwd", st->fwd }, { "walk", st->walk },
			{ "enoent", st->enoent }, { "getattr", st->getattr },
			{ "clunk", st->clunk }, { "clone", st->clone },
			{ "flush", st->flush }, { "mat", st->mat },
			{ "attrs", st->attrs }, { "prefetch-used", st->prefetch_hit },
			{ "prefetch", st->prefetch }, { "listed-read", st->list_read },
			{ "listed-open", st->list_open }, { "getattr-ahead-used", st->ga_hit },
			{ "getattr-ahead", st->ga }, { "ahead", st->spec },
			{ "parked", st->parked }, { "readlink", st->readlink },
			{ "version", st->version }, { "attach", st->attach },
			/* what it holds now */
			{ "ents", st->ents }, { "dirs", st->dirs }, { "fids", st->fids },
			{ "list-bytes", st->list_bytes }, { "prefetched-bytes", st->pf_bytes },
			{ "pend-slots", st->pend_slots },
		};
		char line[1024];
		size_t i, o = 0;

		for (i = 0; i < sizeof(f) / sizeof(f[0]) && o < sizeof(line); i++)
			o += (size_t)snprintf(line + o, sizeof(line) - o, " %s %llu",
			    f[i].name, (unsigned long long)f[i].v);
		log_warn("p9proxy:%s", line);
	}
	p9proxy_free(l->px);
	l->px = NULL;
	buf_free(&l->kin);
	buf_free(&l->kout);
	buf_free(&l->cout);
}

/*
 * What a cache holds past its TTL is of no use: free it, on every channel
 * and not only the busy one (the coherent channel's names from a find
 * are stale two seconds later, while the loose one fills up), and give
 * the memory back, so that the server side stays small (issue 6 item 8).
 */
/* An idle queue gives its storage back: true if it had any. */
static bool
release_idle(struct buf *b)
{
	bool had = buf_len(b) == 0 && buf_ptr(b) != buf_empty_;

	buf_release(b);
	return had;
}

/*
 * The attribute caches of all the session's channels stay within
 * CACHE_BYTES_MAX together: past it, the directories used longest ago
 * are forgotten, on whichever channel they are (those last used before
 * halfway between the oldest use and now, again until the total is down
 * to CACHE_BYTES_LOW).  What an earlier workload left is what goes, not
 * what the running one is using: a tree walked twice in a row keeps its
 * names (issue 16 item 5).
 */
static size_t
caches_bytes(const struct session *s)
{
	size_t total = 0;
	int i;

	for (i = 0; i < MUX_MAX_9P; i++)
		if (s->p9[i].px != NULL)
			total += p9proxy_cache_bytes(s->p9[i].px);
	return total;
}

static void
bound_caches(struct session *s)
{
	long long oldest, t, cut;
	size_t total, before;
	bool stuck = false;
	int i;

	if ((total = caches_bytes(s)) <= CACHE_BYTES_MAX)
		return;
	do {
		oldest = LLONG_MAX;
		for (i = 0; i < MUX_MAX_9P; i++)
			if (s->p9[i].px != NULL &&
			    (t = p9proxy_cache_oldest(s->p9[i].px)) < oldest)
				oldest = t;
		if (oldest == LLONG_MAX)
			return;
		/* All of it used at this very moment, or a round that freed
		 * nothing (records kept for a listing on its way): everything
		 * goes, once. */
		cut = stuck || oldest >= s->now ? LLONG_MAX :
		    oldest + (s->now - oldest) / 2 + 1;
		for (i = 0; i < MUX_MAX_9P; i++)
			if (s->p9[i].px != NULL)
				p9proxy_evict(s->p9[i].px, cut);
		before = total;
		total = caches_bytes(s);
		stuck = total == before;
	} while (total > CACHE_BYTES_LOW && cut != LLONG_MAX);
}

static void
sweep_caches(struct session *s)
{
	bool freed = false;
	int i;

	bound_caches(s);
	for (i = 0; i < MUX_MAX_9P; i++)
		if (s->p9[i].px != NULL && p9proxy_sweep(s->p9[i].px, s->now) > 0)
			freed = true;
	/* ... and, once a second, the storage of the queues that a large
	 * message or a burst (a listing, W1's reads) grew and that are
	 * idle now: what a workload left is not kept for the next. */
	if (s->now - s->released_at >= RELEASE_MS || s->now < s->released_at) {
		s->released_at = s->now;
		for (i = 0; i < s->nch; i++)
			freed |= release_idle(&s->ch[i].wq);
		for (i = 0; i < MUX_MAX_9P; i++) {
			freed |= release_idle(&s->p9[i].kin);
			freed |= release_idle(&s->p9[i].kout);
			freed |= release_idle(&s->p9[i].cout);
		}
		freed |= release_idle(&s->in);
		freed |= release_idle(&s->out);
	}
#ifdef __GLIBC__
	/* glibc keeps freed pages; musl's malloc returns them itself. */
	if (freed)
		(void)malloc_trim(0);
#else
	(void)freed;
#endif
}

/* A malformed message or a dead socket ends this channel alone: the
 * kernel sees the socket close (EIO), the client sees EOF. */
static void
p9link_end(struct session *s, struct chan *c, struct p9link *l, const char *why)
{
	if (why != NULL)
		log_warn("9p channel %u closed: %s", c->id - CH_9P, why);
	if (!c->reader_gone)
		chan_close_reader(c, &s->out);
	c->rd_eof = c->wr_closed = true;
	if (c->rfd >= 0)
		close(c->rfd);
	c->rfd = c->wfd = -1;
	buf_reset(&l->kin);
	buf_reset(&l->kout);
	buf_reset(&l->cout);
}

static bool
p9link_want_read(const struct chan *c, const struct p9link *l)
{
	size_t need = p9proxy_kernel_need(l->px, &l->kin);

	return c->rfd >= 0 && !l->kin_eof && buf_room(&l->kin) > 0 &&
	    (buf_len(&l->kin) < P9LINK_READ || buf_len(&l->kin) < need) &&
	    buf_room(&l->cout) >= p9proxy_client_room(l->px);
}

static void write_wire(struct session *);

/*
 * Move what can move without blocking: client replies through the proxy
 * to the kernel, kernel requests through the proxy to the client (within
 * the channel's credit), until nothing changes.
 */
static void
p9link_pump(struct session *s, struct chan *c, struct p9link *l)
{
	long long now = s->now;
	size_t before, sent, want;
	ssize_t n;
	bool moved;
	int r;

	do {
		if (c->rfd < 0)
			return;
		moved = false;
		before = buf_len(&c->wq);
		r = p9proxy_from_client(l->px, &c->wq, &l->kout, now);
		if (buf_len(&c->wq) < before) {
			chan_consumed(c, before - buf_len(&c->wq));
			moved = true;
		}
		if (r < 0)
			return p9link_end(s, c, l, p9proxy_error(l->px));
		if (buf_len(&l->kout) > 0) {
			n = buf_write_fd(&l->kout, c->wfd);
			if (n > 0) {
				/* A reply wakes the process that waited on it,
				 * which under one CPU often asks again before we
				 * are back: try a read without a poll first. */
				l->readable = true;
				moved = true;
			} else if (n != -EAGAIN)
				return p9link_end(s, c, l, NULL);	/* unmounted */
		}
		/* Only when poll said so: a read that would say EAGAIN is a
		 * system call per round for nothing (poll is level-triggered,
		 * so what one read leaves is reported again). */
		if (l->readable && p9link_want_read(c, l)) {
			/* Up to a piece in all (more only for a message
			 * the proxy needs whole and is larger). */
			want = buf_len(&l->kin) < P9LINK_READ ?
			    P9LINK_READ - buf_len(&l->kin) : P9LINK_READ;
			l->readable = false;
			n = buf_read_fd(&l->kin, c->rfd, want);
			if (n > 0)
				moved = true;
			else if (n != -EAGAIN)
				l->kin_eof = true;
			/* All it asked for: more is likely there (a large
			 * Twrite). */
			if (n == (ssize_t)want)
				l->readable = true;
		}
		before = buf_len(&l->kin);
		r = p9proxy_from_kernel(l->px, &l->kin, &l->cout, &l->kout, now);
		if (buf_len(&l->kin) < before)
			moved = true;
		if (r < 0)
			return p9link_end(s, c, l, p9proxy_error(l->px));
		if (buf_len(&l->cout) > 0 && buf_len(&s->out) >= P9LINK_WIRE_MAX) {
			/* Make room on the wire for what waits. */
			before = buf_len(&s->out);
			write_wire(s);
			if (buf_len(&s->out) < before)
				moved = true;
		}
		if (buf_len(&l->cout) > 0 &&
		    buf_len(&s->out) + FRAME_HDR + 1 < P9LINK_WIRE_MAX) {
			/* with its frame header, within the bound */
			sent = buf_len(&l->cout);
			if (sent > P9LINK_WIRE_MAX - FRAME_HDR - 1 - buf_len(&s->out))
				sent = P9LINK_WIRE_MAX - FRAME_HDR - 1 - buf_len(&s->out);
			sent = chan_send(c, &s->out, buf_ptr(&l->cout), sent);
			buf_consume(&l->cout, sent);
			if (sent > 0)
				moved = true;
		}
	} while (moved);
	if (l->kin_eof && !c->rd_eof && buf_len(&l->cout) == 0) {
		/* The kernel let go (unmount): as the relay's EOF. */
		frame_put_chan(&s->out, FR_EOF, c->id);
		c->rd_eof = true;
	}
}

static int
check_setup(struct session *s)
{
	struct cpu_setup *st = &s->setup;
	uint32_t i;

	if ((st->flags & SETUP_9P) && (st->n9p < 1 || st->n9p > 2))
		return session_fail(s, "setup: %u 9P channels requested (1 or 2 allowed)", st->n9p), -1;
	if ((st->flags & SETUP_9P) && (st->msize < 4096 || st->msize > P9_MSIZE_MAX))
		return session_fail(s, "setup: msize %u out of range (4096..%u)", st->msize, P9_MSIZE_MAX), -1;
	if (st->argc > 0 && st->argv[0][0] == '\0')
		return session_fail(s, "setup: empty command name"), -1;
	for (i = 0; i < st->envc; i++) {
		const char *eq = strchr(st->env[i], '=');

		if (eq == NULL || eq == st->env[i])
			return session_fail(s, "setup: environment entry %u is not NAME=value", i), -1;
	}
	return 0;
}

static int
on_frame(struct session *s, struct frame *f)
{
	struct chan *c;
	const uint8_t *p;
	uint32_t v, k;
	uint8_t id;
	char *str;
	int r, sig;

	if (!s->got_hello) {
		if (f->type != FR_HELLO)
			return session_fail(s, "protocol error: expected HELLO, got %s",
			    frame_type_name(f->type)), -EPROTO;
		if ((r = frame_check_hello(&f->body, &v, &k)) != 0)
			return session_fail(s, "protocol error: %s",
			    r == -EPROTONOSUPPORT ? "unsupported protocol version" : "bad HELLO"), r;
		s->got_hello = true;
		s->client_flags = k;
		return 0;
	}
	if (!s->got_setup) {
		if (f->type != FR_SETUP)
			return session_fail(s, "protocol error: expected SETUP, got %s",
			    frame_type_name(f->type)), -EPROTO;
		if ((r = setup_decode(&f->body, &s->setup)) != 0)
			return session_fail(s, "setup record rejected: %s", strerror(-r)), r;
		s->got_setup = true;
		if (check_setup(s) != 0)
			return -EINVAL;
		start_session(s);
		return 0;
	}
	switch (f->type) {
	case FR_DATA:
		id = rd_u8(&f->body);
		k = (uint32_t)f->body.left;
		p = rd_bytes(&f->body, k);
		if (rd_end(&f->body) != 0 || (c = chan_by_id(s, id)) == NULL || !c->recvs)
			return session_fail(s, "protocol error: DATA on channel %u", id), -EPROTO;
		if ((r = chan_on_data(c, p, k)) != 0)
			return session_fail(s, "protocol error: channel %u: %s", id,
			    r == -EBADMSG ? "data after EOF" : "data beyond its window"), -EPROTO;
		return 0;
	case FR_EOF:
		id = rd_u8(&f->body);
		if (rd_end(&f->body) != 0 || (c = chan_by_id(s, id)) == NULL)
			return session_fail(s, "protocol error: EOF on channel %u", id), -EPROTO;
		/* With a pty, stdin EOF cannot be half-closed: ignore it. */
		if (id == CH_STDIN && s->sp.ptm >= 0)
			return 0;
		chan_on_eof(c);
		return 0;
	case FR_ADJUST:
		id = rd_u8(&f->body);
		v = rd_u32(&f->body);
		if (rd_end(&f->body) != 0 || (c = chan_by_id(s, id)) == NULL)
			return session_fail(s, "protocol error: ADJUST on channel %u", id), -EPROTO;
		chan_on_adjust(c, v);
		return 0;
	case FR_P9ATTR:
	case FR_P9LINK:
		id = rd_u8(&f->body);
		if ((c = chan_by_id(s, id)) == NULL || id < CH_9P)
			return session_fail(s, "protocol error: %s on channel %u",
			    frame_type_name(f->type), id), -EPROTO;
		/* Without the proxy (or after its channel ended) they are of
		 * no use: an optimisation only, never an error. */
		if (s->p9[id - CH_9P].px != NULL && c->rfd >= 0 &&
		    (f->type == FR_P9ATTR ?
		    p9proxy_on_attrs(s->p9[id - CH_9P].px, f->body.p, f->body.left, s->now) :
		    p9proxy_on_links(s->p9[id - CH_9P].px, f->body.p, f->body.left, s->now)) != 0)
			p9link_end(s, c, &s->p9[id - CH_9P],
			    p9proxy_error(s->p9[id - CH_9P].px));
		return 0;
	case FR_WINCH: {
		uint16_t rows = rd_u16(&f->body), cols = rd_u16(&f->body);
		uint16_t xp = rd_u16(&f->body), yp = rd_u16(&f->body);

		if (rd_end(&f->body) != 0)
			return session_fail(s, "protocol error: bad WINCH"), -EPROTO;
		spawn_winch(s->sp.ptm, rows, cols, xp, yp);
		return 0;
	}
	case FR_SIGNAL:
		str = rd_cstr32(&f->body, 16);
		if (rd_end(&f->body) != 0 || str == NULL) {
			free(str);
			return session_fail(s, "protocol error: bad SIGNAL"), -EPROTO;
		}
		sig = name_to_sig(str);
		free(str);
		if (sig > 0 && !s->started) {
			s->pending_sig = sig;	/* ^C during setup: deliver at start */
			return 0;
		}
		if (sig > 0 && !s->child_done) {
			pid_t pg = s->sp.ptm >= 0 ? tcgetpgrp(s->sp.ptm) : s->sp.pid;

			if (pg <= 0)
				pg = s->sp.pid;
			kill(-pg, sig);
		}
		return 0;
	default:
		return session_fail(s, "protocol error: unexpected %s frame",
		    frame_type_name(f->type)), -EPROTO;
	}
}

/*
 * The front of the input is part of a DATA frame: the channel gets that
 * much now, so that neither the input nor the channel's queue ever holds
 * a whole 256 KiB frame (the 9P data of W1 passes 64 KiB at a time).
 * Data the channel would refuse waits for the whole frame and on_frame(),
 * which reports it.
 */
static void
take_data_part(struct session *s)
{
	const uint8_t *p;
	struct chan *c;
	uint8_t id;
	size_t n;

	if (!s->got_setup || s->failed ||
	    frame_peek_data_part(&s->in, DATA_PART_MIN, &id, &p, &n) != 1 ||
	    (c = chan_by_id(s, id)) == NULL || !c->recvs ||
	    chan_on_data(c, p, n) != 0)
		return;
	frame_take_data_part(&s->in, n);
}

/*
 * Only bytes waiting for the kernel's socket pause the wire.  Behind the
 * proxy, a reply it needs whole (an Rreaddir, any reply to a request of
 * its own) waits in the queue for its own end: pausing then would wait
 * forever, so the proxy's queue counts only while its output to the
 * kernel is backed up.
 */
static bool
wire_paused(const struct session *s)
{
	const struct chan *c;
	int i;

	for (i = CH_9P; i < s->nch; i++) {
		c = &s->ch[i];
		if (c->wfd < 0 || c->wr_closed || buf_len(&c->wq) < WIRE_PAUSE_9P)
			continue;
		if (s->p9[i - CH_9P].px == NULL || buf_len(&s->p9[i - CH_9P].kout) > 0)
			return true;
	}
	return false;
}

static void
read_wire(struct session *s)
{
	struct frame f;
	ssize_t n;
	int r;

	n = buf_read_fd(&s->in, STDIN_FILENO, buf_len(&s->in) < WIRE_READ ?
	    WIRE_READ - buf_len(&s->in) : WIRE_READ);
	if (n == -EAGAIN)
		return;
	if (n <= 0) {
		s->wire_eof = true;
		if (buf_len(&s->in) > 0 && !s->failed)
			session_fail(s, "protocol error: the stream ended inside a frame (%zu bytes)",
			    buf_len(&s->in));
		return;
	}
	while (!s->failed && (r = frame_peek(&s->in, &f)) == 1) {
		on_frame(s, &f);
		buf_consume(&s->in, f.total);
	}
	if (!s->failed && r == 0)
		take_data_part(s);
	if (!s->failed && r < 0) {
		char esc[64];

		session_fail(s, "protocol error: bad frame (%s) starting \"%s\"",
		    frame_error(r), log_escape(esc, sizeof(esc), buf_ptr(&s->in),
		    buf_len(&s->in) < 16 ? buf_len(&s->in) : 16));
	}
}

/* nsexec's status lines: "W text" warnings, "E text" the fatal error. */
static void
read_status(struct session *s)
{
	const uint8_t *p, *nl;
	ssize_t n;

	n = buf_read_fd(&s->status, s->sp.status_fd, 4096);
	if (n == -EAGAIN)
		return;
	if (n <= 0 || n == -ENOBUFS) {
		close(s->sp.status_fd);
		s->sp.status_fd = -1;
	}
	while ((p = buf_ptr(&s->status)) != NULL &&
	    (nl = memchr(p, '\n', buf_len(&s->status))) != NULL) {
		size_t len = (size_t)(nl - p);
		char line[1024];

		if (len > sizeof(line) - 1)
			len = sizeof(line) - 1;
		memcpy(line, p, len);
		line[len] = '\0';
		if (len >= 2 && line[0] == 'W' && line[1] == ' ')
			frame_put_str(&s->out, FR_WARN, line + 2);
		else if (len >= 2 && line[0] == 'E' && line[1] == ' ')
			session_fail(s, "%s", line + 2);
		buf_consume(&s->status, (size_t)(nl - p) + 1);
	}
	if (s->sp.status_fd < 0)
		buf_reset(&s->status);
}

static void
reap(struct session *s)
{
	struct signalfd_siginfo si;
	int st;
	pid_t pid;

	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si))
		;
	for (;;) {
		pid = waitpid(-1, &st, WNOHANG);
		if (pid > 0) {
			if (pid == s->sp.pid) {
				s->child_done = true;
				s->child_status = st;
			}
			continue;
		}
		if (pid < 0 && errno == ECHILD && (!s->started || s->child_done))
			s->no_children = true;
		break;
	}
}

/* Write what is queued for the client, without blocking; a failure
 * means the client is gone. */
static void
write_wire(struct session *s)
{
	ssize_t w;

	if (buf_len(&s->out) == 0 || s->out_dead)
		return;
	w = buf_write_fd(&s->out, STDOUT_FILENO);
	if (w < 0 && w != -EAGAIN) {
		s->wire_eof = s->out_dead = true;
		buf_reset(&s->out);
	}
}

static bool
output_done(struct session *s)
{
	return s->ch[CH_STDOUT].rd_eof && s->ch[CH_STDERR].rd_eof;
}

static void
maybe_send_exit(struct session *s)
{
	int st = s->child_status;

	/* After an ERROR the client has its answer: no exit status too. */
	if (s->exit_sent || s->failed || !s->started || !s->child_done ||
	    !s->no_children || !output_done(s))
		return;
	if (WIFSIGNALED(st))
		frame_put_exit(&s->out, EXIT_SIGNAL, WTERMSIG(st), WCOREDUMP(st) ? 1 : 0);
	else
		frame_put_exit(&s->out, EXIT_CODE, WEXITSTATUS(st), 0);
	s->exit_sent = true;
	log_debug("command exited: status 0x%x", st);
}

/*
 * With the client gone no 9P reply will ever come: close our ends of the
 * 9P sockets so that the kernel fails every pending request (EIO) and a
 * process blocked on /tmp/cpu can die and unmount instead of hanging.
 */
static void
close_9p(struct session *s)
{
	struct chan *c;
	int i;

	for (i = CH_9P; i < s->nch; i++) {
		c = &s->ch[i];
		if (c->rfd >= 0)
			close(c->rfd);
		c->rfd = c->wfd = -1;
		c->rd_eof = c->wr_closed = true;
	}
}

/* The connection is gone (or the session failed, or only stragglers are
 * left after the command): end every process. */
static void
hang_up(struct session *s)
{
	long long t = s->now;

	if (s->wire_eof || s->failed)
		close_9p(s);
	if (s->hangup_at == 0) {
		s->hangup_at = t;
		reap_signal_all(SIGHUP);
		reap_signal_all(SIGCONT);
	} else if (!s->killed && t - s->hangup_at >= HANGUP_GRACE_MS) {
		reap_signal_all(SIGKILL);
		s->killed = true;
	}
}

int
session_run(const struct subsys_opts *opts)
{
	struct session s;
	struct pollfd pfd[CH_MAX * 2 + 8];
	struct chan *c;
	sigset_t mask;
	long long deadline = now_ms() + HANDSHAKE_TIMEOUT_MS;
	int i, n, timeout, r;
	int idx_win, idx_wout, idx_sig, idx_stat, idx_rd[CH_MAX + 1];
	bool readable[CH_MAX + 1];

	memset(&s, 0, sizeof(s));
	s.opts = opts;
	s.now = now_ms();
	buf_init(&s.in, FRAME_SIZE_MAX + 256 * 1024);
	buf_init(&s.out, 16u * 1024 * 1024);
	buf_init(&s.status, 64 * 1024);
	s.sp.status_fd = -1;
	s.sp.ptm = -1;
	if (reap_init() != 0)
		log_warn("cannot become a child subreaper: %s", strerror(errno));
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if ((s.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		log_fatal(255, "signalfd: %s", strerror(errno));
	fd_set_nonblock(STDIN_FILENO, 1);
	fd_set_nonblock(STDOUT_FILENO, 1);
	/* sshd gives us pipes: in 1 MiB ones a whole 9P read or write
	 * crosses with a wakeup or two instead of sixteen, and sshd's
	 * channel buffer, which it grows by copying, stays small. */
	(void)fd_grow_pipe(STDIN_FILENO, WIRE_PIPE);
	(void)fd_grow_pipe(STDOUT_FILENO, WIRE_PIPE);
	frame_put_hello(&s.out, HELLO_P9LINK | HELLO_P9ABSENT | HELLO_9P_STREAM);
	for (i = 0; i <= CH_MAX; i++) {
		readable[i] = true;
		idx_rd[i] = -1;
	}

	for (;;) {
		sweep_caches(&s);
		/* Pump every channel as far as it goes without blocking.  A
		 * plain channel's source is read only when poll said so (or
		 * on the first round): a read that would only say EAGAIN is a
		 * syscall per message for nothing. */
		for (i = 0; i < s.nch; i++) {
			c = &s.ch[i];
			if (i >= CH_9P && s.p9[i - CH_9P].px != NULL) {
				p9link_pump(&s, c, &s.p9[i - CH_9P]);
				if (c->owed >= P9_ADJUST_MIN)
					chan_flush_owed(c, &s.out);
				continue;
			}
			if ((r = chan_pump_write(c)) == -EPIPE)
				chan_close_reader(c, &s.out);
			if (!readable[i])
				;
			else if ((r = chan_pump_read(c, &s.out)) < 0 && !c->rd_eof) {
				/* A read error on the command's side ends that stream. */
				frame_put_chan(&s.out, FR_EOF, c->id);
				c->rd_eof = true;
			}
			readable[i] = false;
			chan_flush_owed(c, &s.out);
		}
		if (s.started)
			maybe_send_exit(&s);
		/* Send at once what the round produced, rather than after
		 * another trip through poll. */
		write_wire(&s);
		if (s.started && s.child_done && output_done(&s) && !s.no_children &&
		    s.drain_at == 0)
			s.drain_at = s.now;
		if (s.wire_eof || s.failed ||
		    (s.drain_at && s.now - s.drain_at >= DRAIN_GRACE_MS))
			hang_up(&s);
		/* Done: exit status sent (or failure reported) and the wire drained,
		 * or the wire is gone and so is every process. */
		if ((s.exit_sent || s.failed) && buf_len(&s.out) == 0 &&
		    (!s.started || s.no_children))
			break;
		/* (no_children is only meaningful once the command started.) */
		if (s.wire_eof && (!s.started || s.no_children)) {
			/* The client stopped sending; if it still reads, a
			 * last error line may reach it.  Never block on it. */
			(void)buf_write_fd(&s.out, STDOUT_FILENO);
			break;
		}

		n = 0;
		idx_win = idx_wout = idx_stat = -1;
		if (!s.wire_eof && !s.failed && !wire_paused(&s)) {
			pfd[n] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
			idx_win = n++;
		}
		if (buf_len(&s.out) > 0 && !s.out_dead) {
			pfd[n] = (struct pollfd){ .fd = STDOUT_FILENO, .events = POLLOUT };
			idx_wout = n++;
		}
		pfd[n] = (struct pollfd){ .fd = s.sigfd, .events = POLLIN };
		idx_sig = n++;
		if (s.sp.status_fd >= 0) {
			pfd[n] = (struct pollfd){ .fd = s.sp.status_fd, .events = POLLIN };
			idx_stat = n++;
		}
		for (i = 0; i < s.nch; i++) {
			c = &s.ch[i];
			idx_rd[i] = -1;
			if (i >= CH_9P && s.p9[i - CH_9P].px != NULL) {
				struct p9link *l = &s.p9[i - CH_9P];

				if (!s.wire_eof && p9link_want_read(c, l)) {
					pfd[n] = (struct pollfd){ .fd = c->rfd, .events = POLLIN };
					idx_rd[i] = n++;
				}
				if (c->wfd >= 0 && buf_len(&l->kout) > 0)
					pfd[n++] = (struct pollfd){ .fd = c->wfd, .events = POLLOUT };
				continue;
			}
			/* Channels are pumped at the top of every round; poll
			 * only has to wake us when one can move. */
			if (!s.wire_eof && chan_want_read(c, &s.out)) {
				pfd[n] = (struct pollfd){ .fd = c->rfd, .events = POLLIN };
				idx_rd[i] = n++;
			}
			if (chan_want_write(c))
				pfd[n++] = (struct pollfd){ .fd = c->wfd, .events = POLLOUT };
		}
		timeout = -1;
		if (!s.got_setup && !s.wire_eof && !s.failed) {
			timeout = (int)(deadline - s.now);
			if (timeout <= 0) {
				session_fail(&s, "timed out waiting for the session setup");
				continue;
			}
		}
		if ((s.hangup_at && !s.killed) || (s.drain_at && !s.hangup_at))
			timeout = 100;
		if (poll(pfd, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			log_fatal(255, "poll: %s", strerror(errno));
		}
		s.now = now_ms();
		if (idx_sig >= 0 && pfd[idx_sig].revents)
			reap(&s);
		if (idx_win >= 0 && pfd[idx_win].revents)
			read_wire(&s);
		if (idx_stat >= 0 && pfd[idx_stat].revents)
			read_status(&s);
		if (idx_wout >= 0 && pfd[idx_wout].revents)
			write_wire(&s);
		/* Ready sources (data, EOF or a hang-up) are read at the top
		 * of the next round; children are reaped when SIGCHLD says. */
		for (i = 0; i < s.nch; i++) {
			if (idx_rd[i] < 0 || !pfd[idx_rd[i]].revents)
				continue;
			if (i >= CH_9P && s.p9[i - CH_9P].px != NULL)
				s.p9[i - CH_9P].readable = true;
			else
				readable[i] = true;
		}
	}
	setup_free(&s.setup);
	for (i = 0; i < s.nch; i++)
		chan_free(&s.ch[i]);
	for (i = 0; i < MUX_MAX_9P; i++)
		p9link_free(&s.p9[i]);
	buf_free(&s.in);
	buf_free(&s.out);
	buf_free(&s.status);
	return s.failed ? 255 : 0;
}

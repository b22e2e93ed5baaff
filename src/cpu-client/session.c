/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * session: the client's event loop.
 *
 * One poll loop multiplexes, over the transport pipe: our stdin to the
 * remote command, its stdout/stderr to ours, window changes and signals,
 * and the 9P channels served in-process.  Every data channel is flow
 * controlled (lib/chan.h), so a stalled stdout reader never holds up 9P
 * and no buffer grows past its window however fast the command writes.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "export.h"
#include "frame.h"
#include "log.h"
#include "p9chan.h"
#include "sandbox.h"
#include "setup.h"
#include "util.h"

extern char **environ;

#define DOUBLE_INT_MS	1000	/* a second ^C within this ends cpu */

struct client {
	struct client_opts *o;
	struct transport tr;
	struct buf	 in, out;
	bool		 wire_eof;	/* the stream from the remote ended */
	bool		 out_dead;	/* writing to it failed: drop output, keep reading */
	bool		 got_hello;
	size_t		 hello_checked;	/* bytes of the HELLO prefix verified */
	struct chan	 ch[CH_MAX + 1];
	int		 nch;
	struct p9chan	 p9[MUX_MAX_9P];
	int		 n9p;
	int		 rootfd;
	int		 sigfd;
	bool		 tty;		/* remote pty requested */
	bool		 raw;		/* our terminal is raw */
	bool		 stdin_eof;
	int		 esc_state;	/* 0 mid-line, 1 line start, 2 saw escape */
	bool		 exit_got;
	int		 exit_code;
	bool		 failed;	/* ERROR received or local failure */
	int		 fail_code;
	long long	 last_int;
	bool		 no_subsystem;	/* ssh said the subsystem request failed */
	int		 stdio_flags[3];
	struct strv	 push;		/* paths whose attributes go with each attach */
	char		*cwd, *ns, *fstab;	/* what the setup sends */
	struct export	*export;	/* what the 9P server serves (exportpol.c) */
	char		*ro, *rw;	/* its trees, for the remote kernel */
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- setup --- */

static char *
read_fstab(const char *path)
{
	struct buf b;
	ssize_t n;
	char *s;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		log_fatal(255, "-fstab %s: %s", path, strerror(errno));
	buf_init(&b, SETUP_MAX_FSTAB + 1);
	while ((n = buf_read_fd(&b, fd, 65536)) > 0)
		;
	close(fd);
	if (n < 0 || buf_len(&b) > SETUP_MAX_FSTAB)
		log_fatal(255, "-fstab %s: %s", path,
		    n < 0 && n != -ENOBUFS ? strerror((int)-n) : "larger than 64 KiB");
	if ((s = strndup((const char *)buf_ptr(&b), buf_len(&b))) == NULL)
		log_fatal(255, "out of memory");
	buf_free(&b);
	return s;
}

/* The working directory the user sees: $PWD when it names the same
 * directory as getcwd() (so symlinked paths survive), else getcwd(). */
static char *
client_cwd(void)
{
	const char *pwd = getenv("PWD");
	struct stat a, b;
	char *cwd = getcwd(NULL, 0);

	if (pwd && pwd[0] == '/' && stat(pwd, &a) == 0 && stat(".", &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		free(cwd);
		return strdup(pwd);
	}
	return cwd ? cwd : strdup("/");
}

/*
 * The default namespace brings /home; a home directory elsewhere (root's
 * /root) is added too, so `cpu host` then `ls ~` shows your files, as
 * the article promises.  An explicit -namespace is taken as given.
 */
static char *
namespace_with_home(const struct client_opts *o)
{
	const char *home = getenv("HOME"), *p;
	size_t hl;
	char *ns;

	if (o->ns_set || home == NULL || home[0] != '/' || strchr(home, ':') ||
	    strchr(home, '=') || strcmp(home, "/") == 0)
		return strdup(o->ns);
	hl = strlen(home);
	for (p = o->ns; *p; ) {
		size_t el = strcspn(p, ":");

		/* Already covered by an entry (the entry or a parent of it)? */
		if (el > 0 && el <= hl && strncmp(p, home, el) == 0 &&
		    (home[el] == '/' || home[el] == '\0'))
			return strdup(o->ns);
		p += el;
		if (*p == ':')
			p++;
	}
	if (asprintf(&ns, "%s:%s", o->ns, home) < 0)
		return NULL;
	return ns;
}

/* The command's file under the export root, opened for reading only if
 * it is a regular file (never a FIFO or a device). */
static int
open_command_file(int rootfd, const char *path)
{
	char proc[32];
	struct stat st;
	int fd, rfd;

	fd = openat(rootfd, path[0] == '/' ? path + 1 : path,
	    O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	rfd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	close(fd);
	return rfd;
}

/* One program header's type, offset and size, of either class. */
static int
elf_phdr(int fd, int is64, uint64_t off, uint32_t *type, uint64_t *poff,
    uint64_t *psz)
{
	Elf64_Phdr p64;
	Elf32_Phdr p32;

	if (is64) {
		if (pread(fd, &p64, sizeof(p64), (off_t)off) != (ssize_t)sizeof(p64))
			return -1;
		*type = p64.p_type;
		*poff = p64.p_offset;
		*psz = p64.p_filesz;
	} else {
		if (pread(fd, &p32, sizeof(p32), (off_t)off) != (ssize_t)sizeof(p32))
			return -1;
		*type = p32.p_type;
		*poff = p32.p_offset;
		*psz = p32.p_filesz;
	}
	return 0;
}

/*
 * The ELF interpreter (PT_INTERP, e.g. /lib64/ld-linux-x86-64.so.2) of
 * the client's copy of the command, which is what the remote kernel
 * execs: 0 and the path in buf, or -1 (not ELF of this byte order, no
 * interpreter, anything odd).  The file is only read, every field is
 * bounded; at worst a wrong path is pushed, and pushed attributes are
 * always the true ones of whatever path they name.
 */
static int
elf_interp(int rootfd, const char *path, char *buf, size_t sz)
{
	static const union { uint16_t v; uint8_t b[2]; } endian = { .v = 1 };
	unsigned char id[EI_NIDENT];
	Elf64_Ehdr e64;
	Elf32_Ehdr e32;
	uint64_t phoff, poff, psz;
	uint32_t type;
	unsigned phnum, phent, i;
	int fd, is64, rc = -1;
	ssize_t n;

	if ((fd = open_command_file(rootfd, path)) < 0)
		return -1;
	if (pread(fd, id, sizeof(id), 0) != (ssize_t)sizeof(id) ||
	    memcmp(id, ELFMAG, SELFMAG) != 0 ||
	    id[EI_DATA] != (endian.b[0] ? ELFDATA2LSB : ELFDATA2MSB) ||
	    (id[EI_CLASS] != ELFCLASS64 && id[EI_CLASS] != ELFCLASS32))
		goto out;
	is64 = id[EI_CLASS] == ELFCLASS64;
	if (is64) {
		if (pread(fd, &e64, sizeof(e64), 0) != (ssize_t)sizeof(e64))
			goto out;
		phoff = e64.e_phoff, phnum = e64.e_phnum, phent = e64.e_phentsize;
		if (phent != sizeof(Elf64_Phdr))
			goto out;
	} else {
		if (pread(fd, &e32, sizeof(e32), 0) != (ssize_t)sizeof(e32))
			goto out;
		phoff = e32.e_phoff, phnum = e32.e_phnum, phent = e32.e_phentsize;
		if (phent != sizeof(Elf32_Phdr))
			goto out;
	}
	for (i = 0; i < phnum && i < 64; i++) {
		if (elf_phdr(fd, is64, phoff + (uint64_t)i * phent, &type, &poff, &psz) != 0)
			goto out;
		if (type != PT_INTERP)
			continue;
		if (psz < 2 || psz > sz || poff > (uint64_t)INT64_MAX ||
		    (n = pread(fd, buf, (size_t)psz, (off_t)poff)) != (ssize_t)psz ||
		    buf[psz - 1] != '\0' || strlen(buf) != psz - 1 || buf[0] != '/')
			goto out;
		rc = 0;
		break;
	}
out:
	close(fd);
	return rc;
}

/*
 * The paths the remote side will look up on the 9P mounts before the
 * command runs: each bind's source (nsexec opens them one component at a
 * time), an absolute command (its exec), and its ELF interpreter and
 * glibc's loader cache.  Their attributes are pushed
 * with each channel's attach (p9conn_push_path_attrs), so the proxy
 * answers those Twalks and Tgetattrs itself instead of a round trip each.
 */
static void
collect_push_paths(struct client *c, const char *ns)
{
	const char *cur = ns, *side;
	char path[4096];
	size_t el;

	while (ns_next_local(&cur, &side, &el))
		if (el > 0 && el < sizeof(path)) {
			memcpy(path, side, el);
			path[el] = '\0';
			(void)strv_add(&c->push, path);
		}
	if (c->o->ncmd > 0 && c->o->cmd[0][0] == '/') {
		(void)strv_add(&c->push, c->o->cmd[0]);
		/* Then the dynamic loader opens its interpreter and cache. */
		if (elf_interp(c->rootfd, c->o->cmd[0], path, sizeof(path)) == 0) {
			(void)strv_add(&c->push, path);
			/* glibc's loader looks for the preload list first:
			 * usually absent, which is pushed too. */
			(void)strv_add(&c->push, "/etc/ld.so.preload");
			(void)strv_add(&c->push, "/etc/ld.so.cache");
		}
	}
}

static int
send_setup(struct client *c)
{
	struct client_opts *o = c->o;
	struct cpu_setup s;
	struct passwd *pw;
	size_t start;
	uint32_t envc = 0;
	int r;

	memset(&s, 0, sizeof(s));
	if (o->p9)
		s.flags |= SETUP_9P;
	if (c->tty)
		s.flags |= SETUP_TTY;
	if (o->debug)
		s.flags |= SETUP_DEBUG;
	if (o->dbg9p)
		s.flags |= SETUP_DBG9P;
	s.msize = o->msize;
	s.n9p = (uint8_t)c->n9p;
	if (c->tty) {
		tty_winsize(STDIN_FILENO, &s.rows, &s.cols, &s.xpix, &s.ypix);
		s.term = getenv("TERM");
	}
	s.cwd = c->cwd;
	s.ns = c->ns;
	if (c->export != NULL) {
		s.flags |= SETUP_EXPORT;
		s.ro = c->ro;
		s.rw = c->rw;
	}
	if (o->p9 && strcmp(o->cache, "none") != 0) {
		collect_push_paths(c, s.ns);
		for (r = 0; r < c->n9p; r++)
			c->p9[r].push = (const char *const *)c->push.v;
	}
	s.fstab = c->fstab;
	s.tmpmnt = (char *)o->tmpmnt;
	pw = getpwuid(getuid());
	s.user = pw ? pw->pw_name : getenv("USER");
	s.cache = (char *)o->cache;
	s.argc = (uint32_t)o->ncmd;
	s.argv = o->cmd;
	while (environ[envc] != NULL)
		envc++;
	s.envc = envc;
	s.env = environ;
	if ((r = frame_begin(&c->out, FR_SETUP, &start)) == 0 &&
	    (r = setup_encode(&s, &c->out)) == 0)
		r = frame_end(&c->out, start);
	if (r != 0)
		log_error("the session setup is too large (argv, environment and "
		    "fstab must fit in %u bytes)", FRAME_SIZE_MAX);
	return r;
}

/* --- incoming frames --- */

static void
client_fail(struct client *c, int code)
{
	c->failed = true;
	c->fail_code = code;
}

/* Before the HELLO: make sure the stream is the cpu protocol, not text a
 * remote shell startup file printed (security.md S09). */
static int
check_hello_prefix(struct client *c)
{
	uint8_t want[FRAME_HDR + MUX_MAGIC_LEN];
	size_t have = buf_len(&c->in), n = sizeof(want), i;
	char esc[200];

	le_put32(want, frame_type_max(FR_HELLO));
	want[4] = FR_HELLO;
	memcpy(want + FRAME_HDR, MUX_MAGIC, MUX_MAGIC_LEN);
	if (have < n)
		n = have;
	for (i = 0; i < n; i++)
		if (buf_ptr(&c->in)[i] != want[i])
			break;
	if (i == n)
		return 0;
	log_error("%s: the remote side does not speak the cpu protocol (does a "
	    "shell startup file print text?); it sent \"%s\"", c->o->host,
	    log_escape(esc, sizeof(esc), buf_ptr(&c->in), have < 60 ? have : 60));
	client_fail(c, 255);
	return -EPROTO;
}

static void
on_frame(struct client *c, struct frame *f)
{
	struct chan *ch;
	const uint8_t *p;
	uint32_t v, k;
	uint8_t id;
	char *s, esc[1100];

	if (!c->got_hello) {
		if (f->type == FR_HELLO && frame_check_hello(&f->body, &v, &k) == 0) {
			c->got_hello = true;
			for (int i = 0; i < c->n9p; i++) {
				p9chan_server_flags(&c->p9[i], k);
				/* Nothing sent on 9P yet: the whole credit. */
				if ((k & HELLO_9P_STREAM) &&
				    c->ch[CH_9P + i].credit > WINDOW_9P_STREAM)
					c->ch[CH_9P + i].credit = WINDOW_9P_STREAM;
			}
			return;
		}
		log_error("%s: cpu-subsystem speaks an incompatible protocol", c->o->host);
		client_fail(c, 255);
		return;
	}
	switch (f->type) {
	case FR_DATA:
		id = rd_u8(&f->body);
		k = (uint32_t)f->body.left;
		p = rd_bytes(&f->body, k);
		if (rd_end(&f->body) != 0 || id >= c->nch || !(ch = &c->ch[id])->recvs ||
		    chan_on_data(ch, p, k) != 0)
			goto bad;
		return;
	case FR_EOF:
		id = rd_u8(&f->body);
		if (rd_end(&f->body) != 0 || id >= c->nch)
			goto bad;
		chan_on_eof(&c->ch[id]);
		return;
	case FR_ADJUST:
		id = rd_u8(&f->body);
		v = rd_u32(&f->body);
		if (rd_end(&f->body) != 0 || id >= c->nch)
			goto bad;
		chan_on_adjust(&c->ch[id], v);
		return;
	case FR_EXIT: {
		uint8_t kind = rd_u8(&f->body), core;

		v = rd_u32(&f->body);
		core = rd_u8(&f->body);
		if (rd_end(&f->body) != 0 || c->exit_got)
			goto bad;
		c->exit_got = true;
		if (kind == EXIT_SIGNAL) {
			const char *name = sig_to_name((int)v);

			if (v == 0 || v > 127)
				goto bad;
			/* The shell convention, and a line to say why. */
			c->exit_code = 128 + (int)v;
			if (v != SIGPIPE && v != SIGINT)
				log_error("remote command killed by signal %s%s",
				    name ? name : "?", core ? " (core dumped)" : "");
		} else if (kind == EXIT_CODE && v <= 255)
			c->exit_code = (int)v;
		else
			goto bad;
		return;
	}
	case FR_ERROR:
	case FR_WARN:
		s = rd_cstr32(&f->body, 4096);
		if (rd_end(&f->body) != 0 || s == NULL) {
			free(s);
			goto bad;
		}
		log_escape(esc, sizeof(esc), s, strlen(s));
		if (f->type == FR_ERROR) {
			log_error("%s: %s", c->o->host, esc);
			client_fail(c, 255);
		} else
			log_warn("%s", esc);
		free(s);
		return;
	case FR_STARTED:
		return;
	default:
		goto bad;
	}
bad:
	log_error("%s: protocol error: bad %s frame from cpu-subsystem",
	    c->o->host, frame_type_name(f->type));
	client_fail(c, 255);
}

static void
read_wire(struct client *c)
{
	struct frame f;
	ssize_t n;
	int r = 0;

	n = buf_read_fd(&c->in, c->tr.from_fd, 256 * 1024);
	if (n == -EAGAIN)
		return;
	if (n <= 0) {
		c->wire_eof = true;
		return;
	}
	if (!c->got_hello && check_hello_prefix(c) != 0)
		return;
	while (!c->failed && (r = frame_peek(&c->in, &f)) == 1) {
		on_frame(c, &f);
		buf_consume(&c->in, f.total);
	}
	if (r < 0 && !c->failed) {
		log_error("%s: protocol error: corrupt stream from cpu-subsystem (%s)",
		    c->o->host, frame_error(r));
		client_fail(c, 255);
	}
}

/* --- local input --- */

static void
send_signal(struct client *c, int sig)
{
	const char *name = sig_to_name(sig);
	size_t start;

	if (name == NULL || frame_begin(&c->out, FR_SIGNAL, &start) != 0)
		return;
	buf_put_str32(&c->out, name, strlen(name));
	frame_end(&c->out, start);
}

/* Our stdin, with ssh's escape handling when a pty was requested:
 * ~. at the start of a line ends the session, ~~ sends one ~. */
static void
read_stdin(struct client *c)
{
	struct chan *ch = &c->ch[CH_STDIN];
	uint8_t in[16384], out[2 * sizeof(in)];
	size_t want = sizeof(in), i, n_out = 0;
	ssize_t n;

	if (want > ch->credit)
		want = ch->credit;
	n = read(STDIN_FILENO, in, want);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		c->stdin_eof = true;
		ch->rd_eof = true;
		if (!c->tty)
			frame_put_chan(&c->out, FR_EOF, CH_STDIN);
		return;
	}
	if (!c->tty || c->o->escape < 0) {
		chan_send(ch, &c->out, in, (size_t)n);
		return;
	}
	for (i = 0; i < (size_t)n; i++) {
		uint8_t b = in[i];

		if (c->esc_state == 2) {
			c->esc_state = 0;
			if (b == '.') {
				log_error("connection to %s closed.", c->o->host);
				client_fail(c, 255);
				return;
			}
			if (b != c->o->escape)
				out[n_out++] = (uint8_t)c->o->escape;
		} else if (c->esc_state == 1 && b == c->o->escape) {
			c->esc_state = 2;
			continue;
		}
		out[n_out++] = b;
		c->esc_state = (b == '\r' || b == '\n') ? 1 : 0;
	}
	chan_send(ch, &c->out, out, n_out);
}

static void
on_signal(struct client *c)
{
	struct signalfd_siginfo si;
	uint16_t rows, cols, xp, yp;
	long long t;

	while (read(c->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGWINCH:
			if (c->tty && tty_winsize(STDIN_FILENO, &rows, &cols, &xp, &yp) == 0)
				frame_put_winch(&c->out, rows, cols, xp, yp);
			break;
		case SIGINT:
			t = now_ms();
			if (!c->tty && c->last_int && t - c->last_int < DOUBLE_INT_MS) {
				client_fail(c, 128 + SIGINT);
				return;
			}
			c->last_int = t;
			send_signal(c, SIGINT);
			break;
		case SIGTERM:
		case SIGHUP:
		case SIGQUIT:
			if (c->tty) {
				/* Our terminal is the user's: restore it and go;
				 * the remote side hangs up when the pipe closes. */
				client_fail(c, 128 + (int)si.ssi_signo);
				return;
			}
			send_signal(c, (int)si.ssi_signo);
			break;
		case SIGCHLD:
			break;
		}
	}
}

/* ssh's own messages: pass them on unchanged, remembering whether the
 * host refused the subsystem so we can say what to do about it. */
static void
relay_ssh_stderr(struct client *c)
{
	char b[4096];
	ssize_t n = read(c->tr.err_fd, b, sizeof(b));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close(c->tr.err_fd);
		c->tr.err_fd = -1;
		return;
	}
	if (memmem(b, (size_t)n, "subsystem request failed", 24) != NULL)
		c->no_subsystem = true;
	fd_set_nonblock(STDERR_FILENO, 0);
	(void)write_all(STDERR_FILENO, b, (size_t)n);
	fd_set_nonblock(STDERR_FILENO, 1);
}

/*
 * The sandbox (issue 14 item 4), entered once ssh runs and the export
 * root is open.  Landlock gets the trees the export policy serves, with
 * their paths on this machine (-root prefixed), read-only or writable as
 * the policy says, and listings (nothing else) beneath the 9P root: the
 * server lists the ancestors of the trees (/, /home), whose names the
 * policy filters.  The policy stays the authority on what is hidden.
 */
static int
add_trees(struct sandbox_tree *t, size_t max, size_t n, char **paths,
    const char *list, const char *root, bool readonly)
{
	const char *p = list, *e;
	size_t len;

	while (p != NULL && *p != '\0' && n < max) {
		e = strchr(p, ':');
		len = e ? (size_t)(e - p) : strlen(p);
		if (asprintf(&paths[n], "%s%.*s", strcmp(root, "/") == 0 ?
		    "" : root, (int)len, p) < 0)
			log_fatal(255, "out of memory");
		t[n].path = paths[n];
		t[n].readonly = readonly;
		t[n].listonly = false;
		n++;
		p = e ? e + 1 : NULL;
	}
	return (int)n;
}

static void
enter_sandbox(struct client *c)
{
	enum { MAXT = 512 };
	struct sandbox_tree t[MAXT];
	char *paths[MAXT];
	size_t n = 0, i;
	const char *why;
	int r;

	memset(paths, 0, sizeof(paths));
	if (c->o->p9) {
		t[n++] = (struct sandbox_tree){ .path = c->o->root,
		    .readonly = true, .listonly = true };
		n = (size_t)add_trees(t, MAXT, n, paths, c->ro, c->o->root, true);
		n = (size_t)add_trees(t, MAXT, n, paths, c->rw, c->o->root, false);
	}
	r = sandbox_enter(t, n, &why);
	for (i = 0; i < n; i++)
		free(paths[i]);
	if (r == SANDBOX_NO_LANDLOCK)
		log_debug("landlock: not available on this kernel (%s)", why);
	else if (r < 0)
		log_fatal(255, "cannot sandbox the file server: %s: %s",
		    why ? why : "?", strerror(-r));
}

/* --- the loop --- */

static int
open_channels(struct client *c)
{
	int i, r;

	chan_init(&c->ch[CH_STDIN], CH_STDIN, STDIN_FILENO, -1, WINDOW_STDIO, 0);
	chan_init(&c->ch[CH_STDOUT], CH_STDOUT, -1, STDOUT_FILENO, 0, WINDOW_STDIO);
	chan_init(&c->ch[CH_STDERR], CH_STDERR, -1, STDERR_FILENO, 0, WINDOW_STDIO);
	/* Our own diagnostics still need stderr after the remote's ends. */
	c->ch[CH_STDOUT].keep_open = c->ch[CH_STDERR].keep_open = true;
	c->nch = CH_9P;
	for (i = 0; i < c->n9p; i++, c->nch++) {
		chan_init(&c->ch[CH_9P + i], CH_9P + i, -1, -1, WINDOW_9P, WINDOW_9P);
		if ((r = p9chan_open(&c->p9[i], (unsigned)i, c->rootfd, c->export,
		    c->o->msize, c->o->dbg9p, strcmp(c->o->cache, "none") != 0)) != 0) {
			log_error("9P server: %s", strerror(-r));
			return r;
		}
	}
	return 0;
}

static void
restore_stdio(struct client *c)
{
	int fd;

	for (fd = 0; fd < 3; fd++)
		if (c->stdio_flags[fd] >= 0)
			(void)fcntl(fd, F_SETFL, c->stdio_flags[fd]);
}

/* Write what is queued for the remote, without blocking.  If that fails
 * the remote may have exited after its last frames: they are still in
 * the pipe, so only stop writing, keep reading. */
static void
write_wire(struct client *c)
{
	ssize_t w;

	if (buf_len(&c->out) == 0 || c->out_dead)
		return;
	w = buf_write_fd(&c->out, c->tr.to_fd);
	if (w < 0 && w != -EAGAIN) {
		c->out_dead = true;
		buf_reset(&c->out);
	}
}

static bool
output_drained(struct client *c)
{
	return buf_len(&c->ch[CH_STDOUT].wq) == 0 && buf_len(&c->ch[CH_STDERR].wq) == 0;
}

static int
loop(struct client *c)
{
	struct pollfd pfd[9];
	struct chan *ch;
	int n, i, idx_in, idx_out, idx_stdin, idx_sig, idx_o, idx_e, idx_err, r;

	for (;;) {
		for (i = 0; i < c->nch; i++) {
			ch = &c->ch[i];
			if (ch->wfd >= 0 && (r = chan_pump_write(ch)) < 0)
				chan_close_reader(ch, &c->out);	/* our reader is gone */
			if (i >= CH_9P && p9chan_pump(&c->p9[i - CH_9P], ch, &c->out) < 0)
				frame_put_chan(&c->out, FR_EOF, ch->id);
			chan_flush_owed(ch, &c->out);
		}
		/* Send at once what this round produced (9P replies above all),
		 * rather than after another trip through poll. */
		write_wire(c);
		if (c->failed)
			break;
		if (c->exit_got && output_drained(c))
			break;
		/* The link is gone: deliver what already arrived, then stop. */
		if (c->wire_eof && output_drained(c))
			break;

		n = 0;
		idx_in = idx_out = idx_stdin = idx_o = idx_e = -1;
		if (!c->wire_eof) {
			pfd[n] = (struct pollfd){ .fd = c->tr.from_fd, .events = POLLIN };
			idx_in = n++;
		}
		if (c->out_dead)
			buf_reset(&c->out);
		if (buf_len(&c->out) > 0) {
			pfd[n] = (struct pollfd){ .fd = c->tr.to_fd, .events = POLLOUT };
			idx_out = n++;
		}
		ch = &c->ch[CH_STDIN];
		if (c->got_hello && !c->stdin_eof && ch->credit > 0 &&
		    buf_room(&c->out) > 2 * 16384 + WIRE_SLACK) {
			pfd[n] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
			idx_stdin = n++;
		}
		if (chan_want_write(&c->ch[CH_STDOUT])) {
			pfd[n] = (struct pollfd){ .fd = STDOUT_FILENO, .events = POLLOUT };
			idx_o = n++;
		}
		if (chan_want_write(&c->ch[CH_STDERR])) {
			pfd[n] = (struct pollfd){ .fd = STDERR_FILENO, .events = POLLOUT };
			idx_e = n++;
		}
		pfd[n] = (struct pollfd){ .fd = c->sigfd, .events = POLLIN };
		idx_sig = n++;
		idx_err = -1;
		if (c->tr.err_fd >= 0) {
			pfd[n] = (struct pollfd){ .fd = c->tr.err_fd, .events = POLLIN };
			idx_err = n++;
		}
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			client_fail(c, 255);
			break;
		}
		if (pfd[idx_sig].revents)
			on_signal(c);
		if (idx_err >= 0 && pfd[idx_err].revents)
			relay_ssh_stderr(c);
		if (idx_in >= 0 && pfd[idx_in].revents) {
			bool had_hello = c->got_hello;

			read_wire(c);
			if (!had_hello && c->got_hello && c->tty && isatty(STDIN_FILENO)) {
				/* Authentication is over: now the terminal is ours. */
				if (tty_raw(STDIN_FILENO) == 0) {
					c->raw = true;
					log_set_crlf(1);
				}
			}
		}
		if (idx_stdin >= 0 && pfd[idx_stdin].revents)
			read_stdin(c);
		if (idx_out >= 0 && pfd[idx_out].revents)
			write_wire(c);
		(void)idx_o;
		(void)idx_e;
	}
	return 0;
}

int
client_run(struct client_opts *o)
{
	struct client c;
	sigset_t mask;
	int st, i, code;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.rootfd = -1;
	/* Like ssh: a pty when asked, or when both ends are a terminal, so
	 * output to a pipe or a file is never turned into CRLF. */
	c.tty = o->tty == 1 || (o->tty == -1 && isatty(STDIN_FILENO) &&
	    isatty(STDOUT_FILENO));
	c.cwd = client_cwd();
	if ((c.ns = namespace_with_home(o)) == NULL || c.cwd == NULL)
		log_fatal(255, "out of memory");
	/* -fstab FILE wins over $CPU_FSTAB (u-root's precedence). */
	if (o->fstab_file)
		c.fstab = read_fstab(o->fstab_file);
	else if (getenv("CPU_FSTAB") != NULL)
		c.fstab = strdup(getenv("CPU_FSTAB"));
	if (o->p9) {
		c.n9p = strcmp(o->cache, "split") == 0 ? 2 : 1;
		if ((c.rootfd = open(o->root, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
			log_fatal(255, "-root %s: %s", o->root, strerror(errno));
		/* Before the first request, fixed for the session. */
		c.export = exportpol_build(o, c.rootfd, c.ns, c.cwd, c.fstab,
		    &c.ro, &c.rw);
		exportpol_describe(c.export);
	}
	buf_init(&c.in, FRAME_SIZE_MAX + 256 * 1024);
	buf_init(&c.out, 16u * 1024 * 1024);
	if (open_channels(&c) != 0)
		return 255;
	if (send_setup(&c) != 0)
		return 255;
	/* The export root's attributes right behind the setup: cpu-subsystem
	 * then answers the mounts' Tversion and first Tattach itself. */
	for (i = 0; i < c.n9p; i++)
		p9chan_push_root(&c.p9[i], CH_9P + i, &c.out);

	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if ((c.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		log_fatal(255, "signalfd: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);

	if ((i = transport_start(o, &c.tr)) != 0)
		log_fatal(255, "cannot start ssh: %s", strerror(-i));
	/* The transport child inherited the blocked mask through fork+exec;
	 * transport_start resets the signals it cares about. */
	enter_sandbox(&c);
	fd_set_nonblock(c.tr.to_fd, 1);
	fd_set_nonblock(c.tr.from_fd, 1);
	for (i = 0; i < 3; i++) {
		c.stdio_flags[i] = fcntl(i, F_GETFL);
		if (c.stdio_flags[i] >= 0)
			fcntl(i, F_SETFL, c.stdio_flags[i] | O_NONBLOCK);
	}
	atexit(tty_restore);
	frame_put_hello(&c.out, strcmp(o->cache, "none") != 0 ? HELLO_WALKATTR : 0);
	/* The SETUP was queued before HELLO: move it behind. */
	{
		struct buf tmp;
		size_t hl = FRAME_HDR + frame_type_max(FR_HELLO) - 1;

		buf_init(&tmp, buf_len(&c.out));
		buf_put(&tmp, buf_ptr(&c.out) + buf_len(&c.out) - hl, hl);
		buf_put(&tmp, buf_ptr(&c.out), buf_len(&c.out) - hl);
		buf_reset(&c.out);
		buf_put(&c.out, buf_ptr(&tmp), buf_len(&tmp));
		buf_free(&tmp);
	}

	loop(&c);

	tty_restore();
	log_set_crlf(0);
	restore_stdio(&c);
	close(c.tr.to_fd);
	close(c.tr.from_fd);
	st = transport_wait(&c.tr, c.exit_got ? 5000 : 10000);
	/* ssh's last words, if any are still in the pipe.  Never wait for
	 * EOF: a ControlPersist master forked by ssh may hold it open. */
	if (c.tr.err_fd >= 0) {
		struct pollfd ep = { .fd = c.tr.err_fd, .events = POLLIN };

		while (c.tr.err_fd >= 0 && poll(&ep, 1, 0) > 0)
			relay_ssh_stderr(&c);
		if (c.tr.err_fd >= 0)
			close(c.tr.err_fd);
	}
	if (c.failed)
		code = c.fail_code;
	else if (c.exit_got)
		code = c.exit_code;
	else {
		/* No exit status: ssh failed (it said why) or the link died. */
		if (c.no_subsystem || (!c.got_hello && st >= 0 && WIFEXITED(st) &&
		    WEXITSTATUS(st) != 255))
			log_error("%s: the cpu subsystem did not answer: is `Subsystem cpu` "
			    "enabled in the host's sshd? (see cpu-subsystem(8))", o->host);
		else if (c.got_hello)
			log_error("connection to %s lost", o->host);
		code = 255;
	}
	for (i = 0; i < c.n9p; i++)
		p9chan_close(&c.p9[i]);
	for (i = 0; i < c.nch; i++)
		chan_free(&c.ch[i]);
	buf_free(&c.in);
	buf_free(&c.out);
	if (c.rootfd >= 0)
		close(c.rootfd);
	strv_free(&c.push);
	if (c.export != NULL)
		export_free(c.export);
	free(c.ro);
	free(c.rw);
	free(c.cwd);
	free(c.ns);
	free(c.fstab);
	return code;
}

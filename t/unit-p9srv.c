/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * unit-p9srv: the 9P server in-process, driven by the strict test client
 * (p9client.c), against a temporary export with canaries outside it.
 *
 * Test names carry the ids of ../shared/reference/security.md sections
 * 2.1-2.3 (P = protocol, E = export confinement, R = resources).  Every
 * reply of every test is also checked against the P09 rules by the client
 * and for the canary string; the last tests assert that no such breach
 * happened and that nothing outside the export changed.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "p9client.h"
#include "p9tap.h"
#include "proto.h"

#define CANARY	"CANARY-7d1f3b9e-must-never-leave"
#define MSIZE	P9_MSIZE_MAX
#define ROOT	0u

static char base[PATH_MAX / 2], expdir[PATH_MAX / 2];
static int rootfd = -1;

struct snap {
	const char	*rel;
	struct stat	 st;
	char		 content[64];
};
static struct snap snaps[] = {
	{ .rel = "canary" }, { .rel = "outside/canary2" },
};

/* ---- fixture ---------------------------------------------------- */

static void
xpath(char *dst, size_t n, const char *dir, const char *rel)
{
	if ((size_t)snprintf(dst, n, "%s/%s", dir, rel) >= n)
		abort();
}

static void
write_file(const char *dir, const char *rel, const char *content)
{
	char p[PATH_MAX];
	int fd;

	xpath(p, sizeof(p), dir, rel);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0 ||
	    write(fd, content, strlen(content)) != (ssize_t)strlen(content) ||
	    close(fd) != 0) {
		perror(p);
		exit(99);
	}
}

static void
mk(const char *dir, const char *rel)
{
	char p[PATH_MAX];

	xpath(p, sizeof(p), dir, rel);
	if (mkdir(p, 0755) != 0) {
		perror(p);
		exit(99);
	}
}

static void
sym(const char *target, const char *dir, const char *rel)
{
	char p[PATH_MAX];

	xpath(p, sizeof(p), dir, rel);
	if (symlink(target, p) != 0) {
		perror(p);
		exit(99);
	}
}

static void
take_snap(struct snap *s, struct stat *st, char *content)
{
	char p[PATH_MAX];
	int fd;
	ssize_t n;

	xpath(p, sizeof(p), base, s->rel);
	memset(content, 0, sizeof(s->content));
	if (lstat(p, st) != 0)
		memset(st, 0, sizeof(*st));
	if (S_ISREG(st->st_mode) && (fd = open(p, O_RDONLY)) >= 0) {
		n = read(fd, content, sizeof(s->content) - 1);
		(void)n;
		close(fd);
	}
}

static void
setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char p[PATH_MAX], cp[PATH_MAX];
	struct sockaddr_un sa;
	size_t i;
	int s;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(base, sizeof(base), "%s/unit-p9srv.XXXXXX", tmp);
	if (mkdtemp(base) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	write_file(base, "canary", CANARY "\n");
	mk(base, "outside");
	write_file(base, "outside/canary2", CANARY "2\n");
	xpath(expdir, sizeof(expdir), base, "export");
	mk(base, "export");
	write_file(expdir, "file", "hello world\n");
	mk(expdir, "dir");
	mk(expdir, "dir/sub");
	write_file(expdir, "dir/sub/deep", "deep\n");
	sym("/etc", expdir, "link_etc");
	xpath(cp, sizeof(cp), base, "canary");
	sym(cp, expdir, "link_abs");
	sym("../canary", expdir, "link_rel");
	xpath(cp, sizeof(cp), base, "outside");
	sym(cp, expdir, "link_dir");
	xpath(p, sizeof(p), expdir, "fifo");
	if (mkfifo(p, 0644) != 0) {
		perror(p);
		exit(99);
	}
	xpath(p, sizeof(p), expdir, "sock");
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(p) < sizeof(sa.sun_path)) {
		strcpy(sa.sun_path, p);
		if ((s = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0) {
			(void)bind(s, (struct sockaddr *)&sa, sizeof(sa));
			close(s);
		}
	}
	if ((rootfd = open(expdir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		perror(expdir);
		exit(99);
	}
	for (i = 0; i < sizeof(snaps) / sizeof(snaps[0]); i++)
		take_snap(&snaps[i], &snaps[i].st, snaps[i].content);
}

static int
rm_rf(const char *path)
{
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	return system(cmd);
}

static int nentries(const char *);

static int
canaries_untouched(void)
{
	char p[PATH_MAX];
	struct stat st;
	char content[64];
	size_t i;
	int ok = 1;

	for (i = 0; i < sizeof(snaps) / sizeof(snaps[0]); i++) {
		struct stat *o = &snaps[i].st;

		take_snap(&snaps[i], &st, content);
		if (st.st_ino != o->st_ino || st.st_mode != o->st_mode ||
		    st.st_uid != o->st_uid || st.st_gid != o->st_gid ||
		    st.st_size != o->st_size || st.st_nlink != o->st_nlink ||
		    st.st_mtim.tv_sec != o->st_mtim.tv_sec ||
		    st.st_mtim.tv_nsec != o->st_mtim.tv_nsec ||
		    st.st_ctim.tv_sec != o->st_ctim.tv_sec ||
		    st.st_ctim.tv_nsec != o->st_ctim.tv_nsec ||
		    memcmp(content, snaps[i].content, sizeof(content)) != 0) {
			tap_diag("canary %s changed", snaps[i].rel);
			ok = 0;
		}
	}
	/* nothing new outside the export: base holds canary, outside,
	 * export; outside holds canary2 (plus . and ..) */
	xpath(p, sizeof(p), base, "outside");
	if (nentries(base) > 5 || nentries(p) != 3) {
		tap_diag("something was created outside the export");
		ok = 0;
	}
	return ok;
}

/* ---- helpers ---------------------------------------------------- */

static int
session(struct tc *t, const struct p9srv_conf *conf)
{
	if (tc_open(t, rootfd, conf) != 0)
		return -1;
	t->canary = CANARY;
	if (tc_version(t, MSIZE, P9_VERSION_L) != 0 || tc_attach(t, ROOT) != 0)
		return -1;
	return 0;
}

static uint64_t
qid_of(struct tc *t, uint32_t fid)
{
	if (tc_getattr(t, fid) != 0)
		return UINT64_MAX;
	return t->r.u.attr.qid.path;
}

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n++;
	closedir(d);
	return n;
}

/* Walk one element given as raw bytes. */
static int
walk1(struct tc *t, uint32_t fid, uint32_t newfid, const char *name, size_t len)
{
	struct p9_msg m = { .type = P9_TWALK };

	m.u.walk.fid = fid;
	m.u.walk.newfid = newfid;
	m.u.walk.nwname = 1;
	m.u.walk.wname[0].s = name;
	m.u.walk.wname[0].len = (uint16_t)len;
	return tc_rpc(t, &m);
}

static int
exists_in(const char *dir, const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	xpath(p, sizeof(p), dir, rel);
	return lstat(p, &st) == 0;
}

static mode_t
mode_of(const char *dir, const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	xpath(p, sizeof(p), dir, rel);
	return lstat(p, &st) == 0 ? st.st_mode : 0;
}

static int
nentries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n++;
	closedir(d);
	return n;
}

/* Put a raw header in front of body bytes. */
static size_t
raw(uint8_t *b, uint32_t size, uint8_t type, uint16_t tag)
{
	le_put32(b, size);
	b[4] = type;
	le_put16(b + 5, tag);
	return P9_HDRSZ;
}

/* ---- P: protocol ------------------------------------------------ */

static void
t_p01(void)
{
	struct tc t;
	uint8_t b[64];
	uint32_t sz;
	int bad = 0;

	for (sz = 0; sz < P9_HDRSZ; sz++) {
		tc_open(&t, rootfd, NULL);
		memset(b, 0, sizeof(b));
		raw(b, sz, P9_TVERSION, P9_NOTAG);
		tc_queue_raw(&t, b, 7, P9_TVERSION, P9_NOTAG);
		if (tc_run(&t) != -1 || t.replies != 0 ||
		    strstr(p9conn_error(t.c), "bad message size") == NULL)
			bad++;
		tc_close(&t);
	}
	tap_ok(bad == 0, "P01 size 0..6: the connection ends, no reply, "
	    "reason given");

	session(&t, NULL);
	tc_version(&t, 8192, P9_VERSION_L);
	tc_attach(&t, ROOT);
	memset(b, 0, sizeof(b));
	raw(b, 8193, P9_TREAD, 1);
	tc_queue_raw(&t, b, 23, P9_TREAD, 1);
	tap_ok(tc_run(&t) == -1 && t.fatal == -EMSGSIZE,
	    "P01 size > negotiated msize ends the connection");
	tc_close(&t);

	tc_open(&t, rootfd, NULL);
	raw(b, 0xFFFFFFFF, P9_TVERSION, P9_NOTAG);
	tc_queue_raw(&t, b, 7, P9_TVERSION, P9_NOTAG);
	tap_ok(tc_run(&t) == -1 && t.replies == 0,
	    "P01 size 0xFFFFFFFF ends the connection before allocating");
	tc_close(&t);

	session(&t, NULL);
	raw(b, 100, P9_TREAD, 9);
	buf_put(&t.in, b, 50);
	tap_ok(p9conn_process(t.c, &t.in, &t.out) == 0 &&
	    buf_len(&t.in) == 50 && buf_len(&t.out) == 0,
	    "P01 truncated body: waits, nothing consumed, no reply");
	buf_reset(&t.in);
	/* a size smaller than the fixed part of the type */
	raw(b, 11, P9_TREAD, 9);
	le_put32(b + 7, ROOT);
	tc_queue_raw(&t, b, 11, P9_TREAD, 9);
	tc_run(&t);
	tap_ok(t.r.type == P9_RLERROR && t.r.u.ecode == EINVAL &&
	    qid_of(&t, ROOT) != UINT64_MAX && t.logs > 0,
	    "P01 body shorter than the type's fixed part: Rlerror EINVAL, "
	    "logged, connection goes on");
	tc_close(&t);
}

static void
t_p02(void)
{
	static const uint32_t bad_ms[] = { 0, 1, 4095 };
	static const char *const vers[] = { "9P2000", "9P2000.u", "9P2000.L.x",
	    "", "9p2000.L" };
	struct tc t;
	char *big;
	size_t i;
	int ok = 1, fds0, fds1;

	tc_open(&t, rootfd, NULL);
	for (i = 0; i < 3; i++)
		if (tc_version(&t, bad_ms[i], P9_VERSION_L) != -EMSGSIZE)
			ok = 0;
	tap_ok(ok, "P02 msize 0, 1, 4095: Rlerror EMSGSIZE");
	tap_ok(tc_version(&t, 4096, P9_VERSION_L) == 0 &&
	    t.r.u.version.msize == 4096, "P02 msize 4096 granted");
	tap_ok(tc_version(&t, 65536, P9_VERSION_L) == 0 &&
	    t.r.u.version.msize == 65536, "P02 msize 65536 granted");
	tap_ok(tc_version(&t, 0xFFFFFFFF, P9_VERSION_L) == 0 &&
	    t.r.u.version.msize == P9_MSIZE_MAX,
	    "P02 msize 2^32-1: the server maximum (%u)", P9_MSIZE_MAX);
	for (ok = 1, i = 0; i < sizeof(vers) / sizeof(vers[0]); i++)
		if (tc_version(&t, 65536, vers[i]) != 0 ||
		    t.r.u.version.version.len != 7 ||
		    memcmp(t.r.u.version.version.s, "unknown", 7) != 0)
			ok = 0;
	big = malloc(65535);
	memset(big, 'L', 65534);
	big[65534] = '\0';
	if (tc_version(&t, 65536, big) != 0 ||
	    memcmp(t.r.u.version.version.s, "unknown", 7) != 0)
		ok = 0;
	free(big);
	tap_ok(ok, "P02 other versions (9P2000, .u, .L.x, empty, 64 KiB): "
	    "\"unknown\"");
	tap_ok(tc_attach(&t, 1) == -EPROTO, "P02 after \"unknown\" the "
	    "session is not established");
	tc_close(&t);

	fds0 = count_fds();
	session(&t, NULL);
	tc_walk(&t, ROOT, 1, "dir/sub/deep");
	tc_walk(&t, ROOT, 2, "file");
	tc_lopen(&t, 2, P9_DOTL_RDONLY);
	tc_walk(&t, ROOT, 3, "dir");
	tc_lopen(&t, 3, P9_DOTL_RDONLY);
	fds1 = count_fds();
	tap_ok(p9conn_nfids(t.c) == 4 && fds1 > fds0, "P02 session with 4 "
	    "fids (%d descriptors more)", fds1 - fds0);
	tap_ok(tc_version(&t, MSIZE, P9_VERSION_L) == 0 &&
	    p9conn_nfids(t.c) == 0 && count_fds() == fds0 + 1 &&
	    tc_getattr(&t, 2) == -EBADF,
	    "P02 mid-session Tversion clunks every fid and closes their "
	    "descriptors");
	tc_close(&t);
	tap_ok(count_fds() == fds0, "P02 descriptors back to baseline "
	    "(%d)", fds0);
}

static void
t_p03(void)
{
	static const uint8_t types[] = { P9_RREAD, P9_RLERROR, P9_TLERROR,
	    P9_TOPEN, P9_TCREATE, P9_TSTAT, P9_TWSTAT, P9_TERROR, 0, 255, 1,
	    P9_RVERSION };
	struct tc t;
	struct p9_msg m = { .type = P9_TATTACH };
	uint8_t b[32];
	size_t i;
	int ok = 1;

	tc_open(&t, rootfd, NULL);
	t.canary = CANARY;
	tap_ok(tc_attach(&t, 1) == -EPROTO && p9conn_nfids(t.c) == 0,
	    "P03 Tattach before Tversion: Rlerror EPROTO, no fid");
	tap_ok(tc_getattr(&t, 1) == -EPROTO, "P03 Tgetattr before Tversion: "
	    "Rlerror");
	tc_version(&t, MSIZE, P9_VERSION_L);
	for (i = 0; i < sizeof(types); i++) {
		raw(b, 7, types[i], (uint16_t)(100 + i));
		tc_queue_raw(&t, b, 7, types[i], (uint16_t)(100 + i));
		tc_run(&t);
		if (t.r.type != P9_RLERROR || t.r.u.ecode != EOPNOTSUPP ||
		    t.r.tag != 100 + i)
			ok = 0;
	}
	tap_ok(ok, "P03 R types, 9P2000/.u types, 0, 255: Rlerror EOPNOTSUPP "
	    "with the same tag");
	m.u.attach.fid = 1;
	m.u.attach.afid = 5;
	m.u.attach.uname = tc_str("x");
	m.u.attach.aname = tc_str("");
	tap_ok(tc_rpc(&t, &m) == -EINVAL && p9conn_nfids(t.c) == 0,
	    "P03 Tattach with an afid: EINVAL");
	m.type = P9_TAUTH;
	tap_ok(tc_rpc(&t, &m) == -EOPNOTSUPP, "P03 Tauth: EOPNOTSUPP");
	m.type = P9_TATTACH;
	m.u.attach.afid = P9_NOFID;
	m.u.attach.aname = tc_str("/etc");
	tap_ok(tc_rpc(&t, &m) == -ENOENT, "P03 Tattach aname other than "
	    "\"\" or \"/\": ENOENT");
	tap_ok(tc_attach(&t, ROOT) == 0 && qid_of(&t, ROOT) != UINT64_MAX,
	    "P03 the connection keeps working");
	tc_close(&t);
}

static void
t_p04(void)
{
	static const char *const odd[] = { "line\nbreak", "\xff\xfe bytes",
	    "-leading-dash", "esc\x1b[31mred", "with space", "\xe2\x82\xac uni" };
	struct tc t;
	uint8_t b[64];
	char name[300];
	size_t i, n;
	int ok, found;

	session(&t, NULL);
	/* Twalk whose name length runs past the end of the message */
	n = raw(b, 0, P9_TWALK, 7);
	le_put32(b + n, ROOT);
	le_put32(b + n + 4, 1);
	le_put16(b + n + 8, 1);
	le_put16(b + n + 10, 10);
	memcpy(b + n + 12, "abc", 3);
	le_put32(b, (uint32_t)(n + 15));
	tc_queue_raw(&t, b, n + 15, P9_TWALK, 7);
	tc_run(&t);
	tap_ok(t.r.type == P9_RLERROR && t.r.u.ecode == EINVAL &&
	    p9conn_nfids(t.c) == 1, "P04 string length past the message end: "
	    "EINVAL, no fid");
	tap_ok(walk1(&t, ROOT, 1, "", 0) == -EINVAL, "P04 empty name: EINVAL");
	tap_ok(walk1(&t, ROOT, 1, "file\0/../x", 10) == -EINVAL &&
	    tc_lcreate(&t, ROOT, "", 0, 0644) == -EINVAL,
	    "P04 embedded NUL: EINVAL (never cut short)");
	memset(name, 'n', sizeof(name));
	name[255] = '\0';
	tc_walk(&t, ROOT, 1, "");
	tap_ok(tc_lcreate(&t, 1, name, P9_DOTL_WRONLY, 0644) == 0,
	    "P04 255-byte name created");
	tc_clunk(&t, 1);
	name[255] = 'n';
	name[256] = '\0';
	tc_walk(&t, ROOT, 1, "");
	tap_ok(tc_lcreate(&t, 1, name, P9_DOTL_WRONLY, 0644) == -ENAMETOOLONG &&
	    walk1(&t, ROOT, 2, name, 256) == -ENAMETOOLONG,
	    "P04 256-byte name: ENAMETOOLONG");
	tc_clunk(&t, 1);

	ok = 1;
	tc_mkdir(&t, ROOT, "odd", 0755);
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		tc_walk(&t, ROOT, 1, "odd");
		if (tc_lcreate(&t, 1, odd[i], P9_DOTL_WRONLY, 0644) != 0)
			ok = 0;
		tc_clunk(&t, 1);
		if (walk1(&t, ROOT, 1, "odd", 3) != 0 ||
		    walk1(&t, 1, 2, odd[i], strlen(odd[i])) != 0)
			ok = 0;
		tc_clunk(&t, 1);
		tc_clunk(&t, 2);
		if (!exists_in(expdir, "odd") )
			ok = 0;
	}
	/* and readdir gives them back byte for byte */
	tc_walk(&t, ROOT, 1, "odd");
	tc_lopen(&t, 1, P9_DOTL_RDONLY);
	found = 0;
	if (tc_readdir(&t, 1, 0, 8192) == 0) {
		struct rd rd;
		struct p9_dirent d;

		rd_init(&rd, t.r.u.rio.data, t.r.u.rio.count);
		while (rd.left > 0 && p9_dirent_get(&rd, &d) == 0)
			for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
				if (d.name.len == strlen(odd[i]) &&
				    memcmp(d.name.s, odd[i], d.name.len) == 0)
					found++;
	}
	tc_clunk(&t, 1);
	tap_ok(ok && found == (int)(sizeof(odd) / sizeof(odd[0])),
	    "P04 names with newline, 0xFF, leading dash, ESC, space, UTF-8 "
	    "round-trip through Tlcreate/Twalk/Treaddir");
	tc_close(&t);
}

static void
t_p05(void)
{
	struct tc t;
	struct p9_msg m = { .type = P9_TWALK };
	char path[PATH_MAX] = "w";
	uint8_t b[256];
	size_t n, i;

	session(&t, NULL);
	for (i = 0; i < 16; i++) {
		if (i > 0)
			snprintf(path + strlen(path), sizeof(path) - strlen(path),
			    "/%zu", i);
		mk(expdir, path);
	}
	/* nwname 17 */
	n = raw(b, 0, P9_TWALK, 3);
	le_put32(b + n, ROOT);
	le_put32(b + n + 4, 1);
	le_put16(b + n + 8, 17);
	n += 10;
	for (i = 0; i < 17; i++) {
		le_put16(b + n, 1);
		b[n + 2] = 'w';
		n += 3;
	}
	le_put32(b, (uint32_t)n);
	tc_queue_raw(&t, b, n, P9_TWALK, 3);
	tc_run(&t);
	tap_ok(t.r.type == P9_RLERROR && t.r.u.ecode == EINVAL &&
	    p9conn_nfids(t.c) == 1, "P05 nwname 17: EINVAL, no fid");
	/* nwname 65535, short body */
	n = raw(b, 17, P9_TWALK, 4);
	le_put32(b + n, ROOT);
	le_put32(b + n + 4, 1);
	le_put16(b + n + 8, 0xFFFF);
	tc_queue_raw(&t, b, 17, P9_TWALK, 4);
	tc_run(&t);
	tap_ok(t.r.type == P9_RLERROR && t.r.u.ecode == EINVAL,
	    "P05 nwname 65535 with a short body: EINVAL");
	/* exactly 16 */
	tap_ok(tc_walk(&t, ROOT, 1, path) == 0 && t.r.u.rwalk.nwqid == 16 &&
	    p9conn_nfids(t.c) == 2, "P05 exactly 16 names: 16 qids");
	tc_clunk(&t, 1);
	/* 16 valid names and trailing garbage */
	m.u.walk.fid = ROOT;
	m.u.walk.newfid = 1;
	memset(b, 0, sizeof(b));
	tc_walk(&t, ROOT, 9, "");	/* (keep tc's tag counter moving) */
	tc_clunk(&t, 9);
	{
		struct buf tmp;
		const char *s = path, *e;

		buf_init(&tmp, 4096);
		for (i = 0; i < 16; i++) {
			e = strchr(s, '/');
			if (e == NULL)
				e = s + strlen(s);
			m.u.walk.wname[i].s = s;
			m.u.walk.wname[i].len = (uint16_t)(e - s);
			s = *e ? e + 1 : e;
		}
		m.u.walk.nwname = 16;
		m.tag = 55;
		p9_encode(&tmp, &m);
		buf_put(&tmp, "GARBAGE", 7);
		le_put32(buf_mutable(&tmp, 0, 4), (uint32_t)buf_len(&tmp));
		tc_queue_raw(&t, buf_ptr(&tmp), buf_len(&tmp), P9_TWALK, 55);
		buf_free(&tmp);
	}
	tc_run(&t);
	tap_ok(t.r.type == P9_RLERROR && t.r.u.ecode == EINVAL &&
	    tc_getattr(&t, 1) == -EBADF, "P05 16 names + trailing garbage: "
	    "EINVAL, no new fid");
	tc_close(&t);
}

static void
t_p06(void)
{
	struct tc t;
	uint64_t q0, q1;

	session(&t, NULL);
	tap_ok(tc_walk(&t, ROOT, 1, "nonexistent") == -ENOENT &&
	    tc_getattr(&t, 1) == -EBADF, "P06 first element missing: ENOENT");
	tap_ok(tc_walk(&t, ROOT, 1, "dir/nonexistent") == 0 &&
	    t.r.u.rwalk.nwqid == 1 && tc_getattr(&t, 1) == -EBADF,
	    "P06 second element missing: Rwalk nwqid 1, newfid not created");
	tc_walk(&t, ROOT, 1, "dir");
	q0 = qid_of(&t, 1);
	tap_ok(tc_walk(&t, 1, 2, "") == 0 && t.r.u.rwalk.nwqid == 0 &&
	    qid_of(&t, 2) == q0, "P06 nwname 0 clones with the same qid");
	tc_walk(&t, ROOT, 3, "file");
	tc_lopen(&t, 3, P9_DOTL_RDONLY);
	tap_ok(tc_walk(&t, 3, 3, "") == -EBUSY, "P06 walking an opened fid "
	    "onto itself: EBUSY");
	q1 = qid_of(&t, 3);
	tap_ok(tc_walk(&t, ROOT, 1, "file") == -EINVAL && qid_of(&t, 1) == q0 &&
	    q1 != q0, "P06 newfid in use: EINVAL, the existing fid untouched");
	tap_ok(tc_walk(&t, 1, 1, "sub") == 0 && qid_of(&t, 1) != q0,
	    "P06 newfid == fid moves an unopened fid");
	/* the stat a walk took answers the next Tgetattr, but a clone does
	 * not carry an old stat forward */
	write_file(expdir, "p06", "1");
	tc_walk(&t, ROOT, 4, "p06");
	write_file(expdir, "p06", "12345");
	tap_ok(tc_walk(&t, 4, 5, "") == 0 && tc_getattr(&t, 5) == 0 &&
	    t.r.u.attr.size == 5, "P06 Tgetattr after a clone is fresh");
	tc_close(&t);
}

static void
t_p07(void)
{
	struct tc t;
	struct p9_msg m = { .type = P9_TWALK };
	int ok;

	session(&t, NULL);
	tap_ok(tc_getattr(&t, P9_NOFID) == -EBADF &&
	    tc_walk(&t, ROOT, P9_NOFID, "") == -EBADF,
	    "P07 NOFID as fid or newfid: EBADF");
	tap_ok(tc_getattr(&t, 12345) == -EBADF && tc_clunk(&t, 12345) == -EBADF,
	    "P07 a fid never allocated: EBADF");
	tc_walk(&t, ROOT, 1, "file");
	tap_ok(tc_clunk(&t, 1) == 0 && tc_clunk(&t, 1) == -EBADF &&
	    tc_getattr(&t, 1) == -EBADF, "P07 double clunk: EBADF the second "
	    "time");
	tc_walk(&t, ROOT, 1, "file");
	tap_ok(tc_read(&t, 1, 0, 100) == -EBADF, "P07 Tread before Tlopen: EBADF");
	tap_ok(tc_lopen(&t, 1, P9_DOTL_RDONLY) == 0 &&
	    tc_lopen(&t, 1, P9_DOTL_RDONLY) == -EINVAL, "P07 Tlopen twice: EINVAL");
	tap_ok(tc_write(&t, 1, 0, "x", 1) == -EBADF, "P07 Twrite on an O_RDONLY "
	    "fid: EBADF");
	tap_ok(tc_readdir(&t, 1, 0, 4096) == -ENOTDIR, "P07 Treaddir on a file: "
	    "ENOTDIR");
	tc_walk(&t, ROOT, 2, "dir");
	tc_lopen(&t, 2, P9_DOTL_RDONLY);
	tap_ok(tc_read(&t, 2, 0, 100) == -EISDIR, "P07 Tread on a directory: "
	    "EISDIR");
	tc_walk(&t, ROOT, 3, "dir");
	tap_ok(tc_readdir(&t, 3, 0, 4096) == -EBADF, "P07 Treaddir on an "
	    "unopened directory fid: EBADF");
	tap_ok(tc_lopen(&t, 3, P9_DOTL_RDWR) == -EISDIR, "P07 a directory "
	    "opened for writing: EISDIR");
	m.u.walk.fid = 2;
	m.u.walk.newfid = 4;
	ok = tc_rpc(&t, &m) == 0;	/* walking from an opened fid is fine */
	tap_ok(ok && tc_clunk(&t, 4) == 0, "P07 a clone of an opened fid is "
	    "a separate, unopened fid");
	tc_close(&t);
}

static void
t_p08(void)
{
	struct tc t;
	struct p9_msg m;
	unsigned i, r0;
	int ok = 1;

	session(&t, NULL);
	tap_ok(tc_flush(&t, 4321) == 0, "P08 Tflush of an unknown tag: Rflush");
	memset(&m, 0, sizeof(m));
	m.type = P9_TFLUSH;
	m.tag = 77;
	m.u.oldtag = 77;
	tc_queue(&t, &m, 1);
	tap_ok(tc_run(&t) == 1 && t.r.type == P9_RFLUSH && t.r.tag == 77,
	    "P08 self-flush: immediate Rflush, no hang");
	/* a flood of 10,000 flushes, all queued at once */
	r0 = t.replies;
	for (i = 0; i < 10000; i++) {
		memset(&m, 0, sizeof(m));
		m.type = P9_TFLUSH;
		m.u.oldtag = (uint16_t)i;
		if (tc_queue(&t, &m, 0) != 0 && (tc_run(&t), tc_queue(&t, &m, 0)) != 0)
			ok = 0;
		if (t.npend >= TC_PENDING - 1)
			tc_run(&t);
	}
	tc_run(&t);
	tap_ok(ok && t.replies - r0 == 10000 && t.violations == 0,
	    "P08 10,000 Tflush: 10,000 Rflush, in order, output bounded");
	/* tags reused while in flight: the same tag twice in one batch */
	memset(&m, 0, sizeof(m));
	m.type = P9_TGETATTR;
	m.tag = 9;
	m.u.getattr.fid = ROOT;
	tc_queue(&t, &m, 1);
	m.type = P9_TWALK;
	m.u.walk.fid = ROOT;
	m.u.walk.newfid = 1;
	m.u.walk.nwname = 0;
	tc_queue(&t, &m, 1);
	r0 = t.replies;
	tap_ok(tc_run(&t) == 2 && t.replies - r0 == 2 && t.r.type == P9_RWALK &&
	    t.violations == 0, "P08 a tag reused while in flight: each request "
	    "answered once, in order");
	/* flush of a flush, and NOTAG on a normal request */
	memset(&m, 0, sizeof(m));
	m.type = P9_TGETATTR;
	m.tag = P9_NOTAG;
	m.u.getattr.fid = ROOT;
	tc_queue(&t, &m, 1);
	tap_ok(tc_run(&t) == 1 && t.r.type == P9_RGETATTR && t.r.tag == P9_NOTAG,
	    "P08 NOTAG on a normal request: answered once with NOTAG");
	tc_close(&t);
}

static void
t_p10(void)
{
	struct tc t;
	struct p9_msg m;
	uint8_t b[64];
	size_t n;
	uint64_t off5g = UINT64_C(5) << 30;
	int r;

	session(&t, NULL);
	tc_walk(&t, ROOT, 1, "file");
	tc_lopen(&t, 1, P9_DOTL_RDONLY);
	tap_ok(tc_read(&t, 1, 0, 0) == 0 && t.r.u.rio.count == 0,
	    "P10 Tread count 0: 0 bytes");
	tap_ok(tc_read(&t, 1, 0, 0xFFFFFFFF) == 0 && t.r.u.rio.count == 12,
	    "P10 Tread count 2^32-1: clamped, whole file");
	tap_ok(tc_read(&t, 1, UINT64_C(1) << 63, 10) == -EINVAL &&
	    tc_read(&t, 1, UINT64_MAX, 10) == -EINVAL,
	    "P10 offsets 2^63 and 2^64-1: EINVAL");
	tc_walk(&t, ROOT, 2, "");
	tc_lcreate(&t, 2, "sparse", P9_DOTL_RDWR, 0644);
	tap_ok(tc_write(&t, 2, (UINT64_C(1) << 63) - 1, "0123456789", 10) ==
	    -EFBIG, "P10 Twrite at 2^63-1 with count 10: EFBIG");
	/* Twrite whose count differs from the bytes present */
	n = raw(b, 0, P9_TWRITE, 8);
	le_put32(b + n, 2);
	le_put64(b + n + 4, 0);
	le_put32(b + n + 12, 100);
	memcpy(b + n + 16, "abc", 3);
	le_put32(b, (uint32_t)(n + 19));
	tc_queue_raw(&t, b, n + 19, P9_TWRITE, 8);
	tc_run(&t);
	tap_ok(t.r.type == P9_RLERROR && t.r.u.ecode == EINVAL,
	    "P10 Twrite count != bytes present: EINVAL");
	tap_ok(tc_write(&t, 2, off5g, "past4g", 6) == 0 && t.r.u.rio.count == 6 &&
	    tc_getattr(&t, 2) == 0 && t.r.u.attr.size == off5g + 6 &&
	    t.r.u.attr.blocks < 1024, "P10 write at 5 GiB: sparse, size "
	    "5 GiB + 6");
	tap_ok(tc_read(&t, 2, off5g, 100) == 0 && t.r.u.rio.count == 6 &&
	    memcmp(t.r.u.rio.data, "past4g", 6) == 0 &&
	    tc_read(&t, 2, UINT64_C(1) << 32, 4) == 0 && t.r.u.rio.count == 4 &&
	    memcmp(t.r.u.rio.data, "\0\0\0\0", 4) == 0,
	    "P10 read back past 4 GiB, a hole reads as zeros");
	/* msize - 11 bound with a small msize */
	tc_version(&t, 4096, P9_VERSION_L);
	tc_attach(&t, ROOT);
	tc_walk(&t, ROOT, 2, "sparse");
	tc_lopen(&t, 2, P9_DOTL_RDONLY);
	memset(&m, 0, sizeof(m));
	r = tc_read(&t, 2, 0, 4096);
	tap_ok(r == 0 && t.r.u.rio.count <= 4096 - 12 && t.r.u.rio.count > 4000,
	    "P10 Tread count msize at msize 4096: %u bytes, reply < msize",
	    t.r.u.rio.count);
	tc_unlinkat(&t, ROOT, "sparse", 0);
	tc_close(&t);
}

/* Read a whole directory with Treaddir of `count`, following offsets. */
static int
read_dir(struct tc *t, uint32_t fid, uint32_t count, int (*each)(void *,
    const struct p9_dirent *), void *arg, int *calls)
{
	struct rd rd;
	struct p9_dirent d;
	uint64_t off = 0;
	int err, n = 0;

	for (;;) {
		if ((err = tc_readdir(t, fid, off, count)) != 0)
			return err;
		(*calls)++;
		if (t->r.u.rio.count == 0)
			return n;
		rd_init(&rd, t->r.u.rio.data, t->r.u.rio.count);
		while (rd.left > 0 && p9_dirent_get(&rd, &d) == 0) {
			n++;
			off = d.offset;
			if (each != NULL && each(arg, &d) != 0)
				return -EEXIST;
		}
	}
}

struct seen {
	unsigned char	*hit;
	unsigned	 n, dup, other, dots;
	const char	*prefix;
};

static int
mark(void *arg, const struct p9_dirent *d)
{
	struct seen *s = arg;
	char name[64];
	unsigned long i;
	char *end;

	if (d->name.len >= sizeof(name)) {
		s->other++;
		return 0;
	}
	memcpy(name, d->name.s, d->name.len);
	name[d->name.len] = '\0';
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		s->dots++;
		return 0;
	}
	if (strncmp(name, s->prefix, strlen(s->prefix)) != 0) {
		s->other++;
		return 0;
	}
	i = strtoul(name + strlen(s->prefix), &end, 10);
	if (*end != '\0' || i >= s->n) {
		s->other++;
		return 0;
	}
	if (s->hit[i]++)
		s->dup++;
	return 0;
}

static unsigned
count_hits(const struct seen *s, unsigned char want)
{
	unsigned i, k = 0;

	for (i = 0; i < s->n; i++)
		if (s->hit[i] == want)
			k++;
	return k;
}

static void
make_entries(const char *dir, const char *prefix, unsigned n)
{
	char p[PATH_MAX];
	unsigned i;
	int fd;

	for (i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s/%s%u", dir, prefix, i);
		if ((fd = open(p, O_WRONLY | O_CREAT, 0644)) < 0) {
			perror(p);
			exit(99);
		}
		close(fd);
	}
}

static void
t_p12(void)
{
	static const uint32_t counts[] = { 128, 256, 512 };
	struct tc t;
	struct seen s;
	char dir[PATH_MAX];
	unsigned char hit[1000];
	unsigned i;
	int calls, ok, n;

	xpath(dir, sizeof(dir), expdir, "rd");
	mk(expdir, "rd");
	make_entries(dir, "entry-", 300);
	session(&t, NULL);
	tc_walk(&t, ROOT, 1, "rd");
	tc_lopen(&t, 1, P9_DOTL_RDONLY);
	for (i = 0; i < 3; i++) {
		memset(&s, 0, sizeof(s));
		memset(hit, 0, sizeof(hit));
		s.hit = hit;
		s.n = 300;
		s.prefix = "entry-";
		calls = 0;
		n = read_dir(&t, 1, counts[i], mark, &s, &calls);
		tap_ok(n == 302 && count_hits(&s, 1) == 300 && s.dup == 0 &&
		    s.dots == 2 && s.other == 0, "P12 split readdir, count %u: "
		    "each of 300 entries once, . and .. included (%d calls)",
		    counts[i], calls);
	}
	tap_ok(tc_readdir(&t, 1, 0, 10) == -EINVAL, "P12 count smaller than "
	    "one entry: EINVAL, not a false end");
	tap_ok(tc_readdir(&t, 1, 0, 24 + 1) == 0 && t.r.u.rio.count == 25,
	    "P12 count of exactly one entry (\".\"): that entry");
	ok = tc_readdir(&t, 1, UINT64_C(0x123456789abcdef), 4096);
	tap_ok(ok == 0 || ok == -EINVAL || ok == -ENOENT, "P12 a bogus cookie: "
	    "an error or some entries, no crash (%d)", ok);

	/* entries created and deleted during the listing */
	mk(expdir, "rd2");
	xpath(dir, sizeof(dir), expdir, "rd2");
	make_entries(dir, "e", 1000);
	tc_walk(&t, ROOT, 2, "rd2");
	tc_lopen(&t, 2, P9_DOTL_RDONLY);
	memset(&s, 0, sizeof(s));
	memset(hit, 0, sizeof(hit));
	s.hit = hit;
	s.n = 1000;
	s.prefix = "e";
	{
		struct rd rd;
		struct p9_dirent d;
		uint64_t off = 0;
		int round = 0;
		char p[PATH_MAX + 16];

		for (;;) {
			if (tc_readdir(&t, 2, off, 512) != 0 ||
			    t.r.u.rio.count == 0)
				break;
			rd_init(&rd, t.r.u.rio.data, t.r.u.rio.count);
			while (rd.left > 0 && p9_dirent_get(&rd, &d) == 0) {
				off = d.offset;
				mark(&s, &d);
			}
			if (round++ == 3) {
				/* delete the odd entries not yet seen,
				 * create new ones */
				for (i = 1; i < 1000; i += 2)
					if (!hit[i]) {
						snprintf(p, sizeof(p), "%s/e%u",
						    dir, i);
						unlink(p);
						hit[i] = 200;	/* gone */
					}
				make_entries(dir, "new", 100);
			}
		}
	}
	ok = 1;
	for (i = 0; i < 1000; i++)
		if (hit[i] != 1 && hit[i] != 200)
			ok = 0;
	tap_ok(ok && s.dup == 0, "P12 unlinks and creates during the listing: "
	    "every unchanged entry exactly once");
	tc_close(&t);
}

static void
t_p14(void)
{
	struct tc t;
	struct p9_iattr a = { .valid = P9_SETATTR_SIZE, .size = 2001 };

	write_file(expdir, "p14", "p14 content\n");
	mk(expdir, "p14dir");
	write_file(expdir, "p14dir/f", "inner\n");
	session(&t, NULL);
	tc_walk(&t, ROOT, 1, "p14");
	tc_lopen(&t, 1, P9_DOTL_RDWR);
	tap_ok(tc_unlinkat(&t, ROOT, "p14", 0) == 0 && !exists_in(expdir, "p14"),
	    "P14 file unlinked through another fid");
	tap_ok(tc_getattr(&t, 1) == 0 && t.r.u.attr.nlink == 0 &&
	    tc_write(&t, 1, 0, "new", 3) == 0 && tc_setattr(&t, 1, &a) == 0 &&
	    tc_getattr(&t, 1) == 0 && t.r.u.attr.size == 2001 &&
	    tc_read(&t, 1, 0, 3) == 0 && memcmp(t.r.u.rio.data, "new", 3) == 0,
	    "P14 Tgetattr/Twrite/Tsetattr(size 2001)/Tread on the open "
	    "unlinked file");
	tc_walk(&t, ROOT, 2, "p14dir/f");
	tc_lopen(&t, 2, P9_DOTL_RDWR);
	{
		struct p9_msg m = { .type = P9_TRENAMEAT };

		m.u.renameat.olddfid = ROOT;
		m.u.renameat.oldname = tc_str("p14dir");
		m.u.renameat.newdfid = ROOT;
		m.u.renameat.newname = tc_str("p14moved");
		tc_rpc(&t, &m);
	}
	a.size = 17;
	tap_ok(tc_setattr(&t, 2, &a) == 0 && tc_getattr(&t, 2) == 0 &&
	    t.r.u.attr.size == 17 && exists_in(expdir, "p14moved/f"),
	    "P14 Tsetattr on an open fid after its directory was renamed");
	tc_close(&t);
}

/* ---- E: confinement --------------------------------------------- */

static void
t_e01(void)
{
	struct tc t;
	struct p9_msg m = { .type = P9_TWALK };
	uint64_t rq;
	char from[PATH_MAX], to[PATH_MAX];

	session(&t, NULL);
	rq = qid_of(&t, ROOT);
	tap_ok(tc_walk(&t, ROOT, 1, "..") == 0 && t.r.u.rwalk.wqid[0].path == rq &&
	    qid_of(&t, 1) == rq, "E01 '..' at the root is the root");
	m.u.walk.fid = ROOT;
	m.u.walk.newfid = 2;
	m.u.walk.nwname = 3;
	m.u.walk.wname[0] = tc_str("..");
	m.u.walk.wname[1] = tc_str("..");
	m.u.walk.wname[2] = tc_str(strrchr(base, '/') + 1);
	tap_ok(tc_rpc(&t, &m) == 0 && t.r.u.rwalk.nwqid == 2 &&
	    t.r.u.rwalk.wqid[1].path == rq && tc_getattr(&t, 2) == -EBADF,
	    "E01 '..', '..', <name of the export's parent>: stays at the root");
	tap_ok(tc_walk(&t, ROOT, 3, "dir/sub/../..") == 0 && qid_of(&t, 3) == rq,
	    "E01 dir/sub/../.. comes back to the root");
	/* a directory moved out of the export by a local process */
	tc_walk(&t, ROOT, 4, "dir/sub");
	mk(expdir, "e01");
	mk(expdir, "e01/inner");
	tc_walk(&t, ROOT, 5, "e01/inner");
	xpath(from, sizeof(from), expdir, "e01");
	xpath(to, sizeof(to), base, "outside/e01moved");
	if (rename(from, to) != 0)
		perror("rename");
	tap_ok(tc_walk(&t, 5, 6, "..") == -ENOENT &&
	    tc_walk(&t, 5, 6, "../..") == -ENOENT,
	    "E01 '..' from a directory moved outside the export: refused");
	rename(to, from);
	tc_close(&t);
}

static void
t_e02(void)
{
	static const char *const bad[] = { "a/b", "../../etc/passwd", "/etc",
	    " /", "", ".", ".." };
	struct tc t;
	struct p9_msg m;
	size_t i;
	int before, fails = 0, n_out;

	session(&t, NULL);
	before = nentries(expdir);
	n_out = nentries(base);
	tc_walk(&t, ROOT, 1, "file");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct p9_str s = tc_str(bad[i]);

		if (strcmp(bad[i], "..") != 0 &&
		    walk1(&t, ROOT, 9, s.s, s.len) != -EINVAL)
			fails++;
		tc_walk(&t, ROOT, 8, "");
		if (tc_lcreate(&t, 8, bad[i], P9_DOTL_WRONLY, 0644) != -EINVAL)
			fails++;
		tc_clunk(&t, 8);
		if (tc_mkdir(&t, ROOT, bad[i], 0755) != -EINVAL)
			fails++;
		memset(&m, 0, sizeof(m));
		m.type = P9_TSYMLINK;
		m.u.symlink.fid = ROOT;
		m.u.symlink.name = s;
		m.u.symlink.target = tc_str("x");
		if (tc_rpc(&t, &m) != -EINVAL)
			fails++;
		memset(&m, 0, sizeof(m));
		m.type = P9_TLINK;
		m.u.link.dfid = ROOT;
		m.u.link.fid = 1;
		m.u.link.name = s;
		if (tc_rpc(&t, &m) != -EINVAL)
			fails++;
		memset(&m, 0, sizeof(m));
		m.type = P9_TMKNOD;
		m.u.mknod.dfid = ROOT;
		m.u.mknod.name = s;
		m.u.mknod.mode = S_IFIFO | 0644;
		if (tc_rpc(&t, &m) != -EINVAL)
			fails++;
		memset(&m, 0, sizeof(m));
		m.type = P9_TRENAMEAT;
		m.u.renameat.olddfid = ROOT;
		m.u.renameat.oldname = s;
		m.u.renameat.newdfid = ROOT;
		m.u.renameat.newname = tc_str("renamed");
		if (tc_rpc(&t, &m) != -EINVAL)
			fails++;
		m.u.renameat.oldname = tc_str("file");
		m.u.renameat.newname = s;
		if (tc_rpc(&t, &m) != -EINVAL)
			fails++;
		if (tc_unlinkat(&t, ROOT, bad[i], 0) != -EINVAL)
			fails++;
		memset(&m, 0, sizeof(m));
		m.type = P9_TRENAME;
		m.u.rename.fid = 1;
		m.u.rename.dfid = ROOT;
		m.u.rename.name = s;
		if (tc_rpc(&t, &m) != -EINVAL)
			fails++;
	}
	tap_ok(fails == 0 && nentries(expdir) == before &&
	    nentries(base) == n_out && exists_in(expdir, "file"),
	    "E02 \"a/b\", \"../../etc/passwd\", \"/etc\", \" /\", \"\", \".\", "
	    "\"..\" in Twalk, Tlcreate, Tmkdir, Tsymlink, Tlink, Tmknod, "
	    "Trenameat, Tunlinkat, Trename: EINVAL, nothing created (%d wrong)",
	    fails);
	tc_close(&t);
}

static void
t_e03(void)
{
	struct tc t;
	struct p9_msg m = { .type = P9_TREADLINK };
	char cp[PATH_MAX];

	session(&t, NULL);
	tap_ok(tc_walk(&t, ROOT, 1, "link_etc") == 0 &&
	    t.r.u.rwalk.wqid[0].type == P9_QTSYMLINK,
	    "E03 symlink to /etc as the last element: a symlink qid");
	tap_ok(tc_walk(&t, ROOT, 2, "link_etc/passwd") == 0 &&
	    t.r.u.rwalk.nwqid == 1 && tc_getattr(&t, 2) == -EBADF,
	    "E03 symlink to /etc as an inner element: the walk stops there");
	tap_ok(tc_walk(&t, ROOT, 2, "link_dir/canary2") == 0 &&
	    t.r.u.rwalk.nwqid == 1 && tc_walk(&t, ROOT, 2, "link_rel") == 0 &&
	    tc_lopen(&t, 2, P9_DOTL_RDONLY) == -ELOOP,
	    "E03 absolute dir symlink not followed; Tlopen of a symlink: ELOOP");
	tc_walk(&t, ROOT, 3, "link_abs");
	m.u.fid = 3;
	xpath(cp, sizeof(cp), base, "canary");
	tap_ok(tc_rpc(&t, &m) == 0 && t.r.u.target.len == strlen(cp) &&
	    memcmp(t.r.u.target.s, cp, strlen(cp)) == 0,
	    "E03 Treadlink returns the absolute target verbatim");
	m.u.fid = 2;
	tap_ok(tc_rpc(&t, &m) == 0 && t.r.u.target.len == 9 &&
	    memcmp(t.r.u.target.s, "../canary", 9) == 0,
	    "E03 Treadlink returns the relative escaping target verbatim");
	memset(&m, 0, sizeof(m));
	m.type = P9_TSYMLINK;
	m.u.symlink.fid = ROOT;
	m.u.symlink.name = tc_str("mylink");
	m.u.symlink.target = tc_str(base);
	tap_ok(tc_rpc(&t, &m) == 0 && t.r.u.qid.type == P9_QTSYMLINK &&
	    tc_walk(&t, ROOT, 4, "mylink/canary") == 0 && t.r.u.rwalk.nwqid == 1,
	    "E03 a Tsymlink-made link out of the export is not followed either");
	tc_close(&t);
}

static void
t_e04(void)
{
	struct tc t;
	struct p9_msg m;
	struct p9_iattr a;
	struct stat st1, st2;
	char p1[PATH_MAX], p2[PATH_MAX];
	int r;

	session(&t, NULL);
	tc_walk(&t, ROOT, 1, "link_abs");
	memset(&a, 0, sizeof(a));
	a.valid = P9_SETATTR_MODE;
	a.mode = 0777;
	tap_ok(tc_setattr(&t, 1, &a) == -EOPNOTSUPP, "E04 chmod of a symlink "
	    "fid: EOPNOTSUPP (target untouched)");
	a.valid = P9_SETATTR_SIZE;
	a.size = 0;
	tap_ok(tc_setattr(&t, 1, &a) == -EINVAL, "E04 truncate of a symlink fid: "
	    "EINVAL");
	a.valid = P9_SETATTR_ATIME | P9_SETATTR_MTIME | P9_SETATTR_ATIME_SET |
	    P9_SETATTR_MTIME_SET;
	a.atime_sec = a.mtime_sec = 1000000;
	r = tc_setattr(&t, 1, &a);
	xpath(p1, sizeof(p1), expdir, "link_abs");
	tap_ok(r == 0 && lstat(p1, &st1) == 0 && st1.st_mtime == 1000000,
	    "E04 utimes of a symlink fid changes the link itself");
	a.valid = P9_SETATTR_UID | P9_SETATTR_GID;
	a.uid = getuid();
	a.gid = getgid();
	tap_ok(tc_setattr(&t, 1, &a) == 0, "E04 chown of a symlink fid acts on "
	    "the link (AT_SYMLINK_NOFOLLOW)");
	tap_ok(tc_getattr(&t, 1) == 0 && S_ISLNK(t.r.u.attr.mode),
	    "E04 Tgetattr reports the link itself");
	memset(&m, 0, sizeof(m));
	m.type = P9_TXATTRWALK;
	m.u.xattrwalk.fid = 1;
	m.u.xattrwalk.newfid = 2;
	m.u.xattrwalk.name = tc_str("user.x");
	r = tc_rpc(&t, &m);
	memset(&m, 0, sizeof(m));
	m.type = P9_TXATTRCREATE;
	m.u.xattrcreate.fid = 1;
	m.u.xattrcreate.name = tc_str("user.x");
	m.u.xattrcreate.size = 1;
	tap_ok(r == -ENODATA && tc_rpc(&t, &m) == -EPERM,
	    "E04 xattrs on a symlink fid: ENODATA / EPERM");
	memset(&m, 0, sizeof(m));
	m.type = P9_TLOCK;
	m.u.lock.fid = 1;
	m.u.lock.l.type = P9_LOCK_TYPE_WRLCK;
	tap_ok(tc_rpc(&t, &m) == -EBADF, "E04 Tlock on an unopened symlink fid: "
	    "EBADF");
	memset(&m, 0, sizeof(m));
	m.type = P9_TLINK;
	m.u.link.dfid = ROOT;
	m.u.link.fid = 1;
	m.u.link.name = tc_str("hardlink_to_link");
	r = tc_rpc(&t, &m);
	xpath(p2, sizeof(p2), expdir, "hardlink_to_link");
	tap_ok(r == 0 && lstat(p1, &st1) == 0 && lstat(p2, &st2) == 0 &&
	    S_ISLNK(st2.st_mode) && st1.st_ino == st2.st_ino,
	    "E04 Tlink of a symlink fid links the symlink itself");
	tc_walk(&t, ROOT, 3, "dir");
	m.u.link.fid = 3;
	m.u.link.name = tc_str("dirlink");
	tap_ok(tc_rpc(&t, &m) == -EPERM, "E04 Tlink of a directory: EPERM");
	memset(&m, 0, sizeof(m));
	m.type = P9_TSTATFS;
	m.u.fid = 1;
	tap_ok(tc_rpc(&t, &m) == 0, "E04 Tstatfs on a symlink fid works "
	    "(on the link's filesystem)");
	tap_ok(tc_unlinkat(&t, ROOT, "hardlink_to_link", 0) == 0 &&
	    canaries_untouched(), "E04 unlink by name removes the link; "
	    "canaries untouched");
	tc_close(&t);
}

static void
t_e05(void)
{
	struct tc t;
	struct p9_msg m;
	char p[PATH_MAX], cp[PATH_MAX], buf[64];
	uint64_t qd2;
	int fd, n;

	mk(expdir, "t5");
	mk(expdir, "t5/d");
	write_file(expdir, "t5/d/f", "original\n");
	mk(expdir, "t5/x");
	write_file(expdir, "t5/x/inside", "inside\n");
	session(&t, NULL);
	tc_walk(&t, ROOT, 1, "t5/d/f");
	memset(&m, 0, sizeof(m));
	m.type = P9_TRENAMEAT;
	tc_walk(&t, ROOT, 2, "t5");
	m.u.renameat.olddfid = 2;
	m.u.renameat.oldname = tc_str("d");
	m.u.renameat.newdfid = 2;
	m.u.renameat.newname = tc_str("d2");
	tc_rpc(&t, &m);
	memset(&m, 0, sizeof(m));
	m.type = P9_TSYMLINK;
	m.u.symlink.fid = 2;
	m.u.symlink.name = tc_str("d");
	xpath(cp, sizeof(cp), base, "outside");
	m.u.symlink.target = tc_str(cp);
	tc_rpc(&t, &m);
	write_file(base, "outside/f", CANARY "3\n");
	tap_ok(tc_lopen(&t, 1, P9_DOTL_RDWR) == 0 &&
	    tc_write(&t, 1, 0, "CHANGED!", 8) == 0 && tc_read(&t, 1, 0, 8) == 0 &&
	    memcmp(t.r.u.rio.data, "CHANGED!", 8) == 0,
	    "E05 fid walked to d/f, then d renamed and replaced by a symlink "
	    "out: I/O goes to the original file");
	xpath(p, sizeof(p), expdir, "t5/d2/f");
	fd = open(p, O_RDONLY);
	n = fd >= 0 ? (int)read(fd, buf, 8) : -1;
	if (fd >= 0)
		close(fd);
	tc_walk(&t, ROOT, 3, "t5/d2");
	qd2 = qid_of(&t, 3);
	tap_ok(n == 8 && memcmp(buf, "CHANGED!", 8) == 0, "E05 ... which is "
	    "now t5/d2/f");
	tc_clunk(&t, 1);
	tc_walk(&t, ROOT, 4, "t5/d2");
	tap_ok(tc_walk(&t, 4, 5, "..") == 0 && tc_walk(&t, 3, 6, "..") == 0 &&
	    qid_of(&t, 6) == qid_of(&t, 2), "E05 '..' from the moved directory "
	    "is its real parent");
	tap_ok(tc_walk(&t, ROOT, 7, "t5/d/f") == 0 && t.r.u.rwalk.nwqid == 2 &&
	    tc_getattr(&t, 7) == -EBADF && qd2 != UINT64_MAX,
	    "E05 a new walk through the planted symlink stops at it");
	/* a directory swapped for a symlink between walk and open */
	tc_walk(&t, ROOT, 8, "t5/x");
	{
		char from[PATH_MAX], to[PATH_MAX];

		xpath(from, sizeof(from), expdir, "t5/x");
		xpath(to, sizeof(to), expdir, "t5/x.old");
		rename(from, to);
		symlink(cp, from);
	}
	tap_ok(tc_lopen(&t, 8, P9_DOTL_RDONLY) == 0 &&
	    tc_readdir(&t, 8, 0, 4096) == 0 &&
	    memmem(t.r.u.rio.data, t.r.u.rio.count, "inside", 6) != NULL &&
	    memmem(t.r.u.rio.data, t.r.u.rio.count, "canary2", 7) == NULL,
	    "E05 directory swapped for a symlink between walk and open: the "
	    "original directory is listed");
	xpath(p, sizeof(p), base, "outside/f");
	unlink(p);
	tc_close(&t);
}

static void
t_e07(void)
{
	struct tc t;
	char name[32];
	int fd, pfd;

	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (tc_open(&t, fd, NULL) == 0) {
		tc_version(&t, MSIZE, P9_VERSION_L);
		tc_attach(&t, ROOT);
		tap_ok(tc_walk(&t, ROOT, 1, "proc/self/mem") == -EACCES &&
		    tc_walk(&t, ROOT, 1, "proc") == -EACCES &&
		    tc_walk(&t, ROOT, 1, "sys") == -EACCES,
		    "E07 exporting /: walking into /proc or /sys is refused "
		    "(EACCES)");
		tc_close(&t);
	}
	close(fd);
	pfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (tc_open(&t, pfd, NULL) == 0) {
		tc_version(&t, MSIZE, P9_VERSION_L);
		tc_attach(&t, ROOT);
		snprintf(name, sizeof(name), "%d/fd/%d", (int)getpid(), pfd);
		tap_ok(tc_walk(&t, ROOT, 1, name) == 0 &&
		    t.r.u.rwalk.wqid[2].type == P9_QTSYMLINK &&
		    tc_lopen(&t, 1, P9_DOTL_RDONLY) == -ELOOP &&
		    tc_walk(&t, 1, 2, "x") == -ENOTDIR,
		    "E07 /proc exported explicitly: a magic link is a symlink, "
		    "never followed");
		tc_close(&t);
	}
	close(pfd);
}

static void
t_e08(void)
{
	struct tc t;
	struct p9_msg m = { .type = P9_TMKNOD };
	int r;

	session(&t, NULL);
	tc_walk(&t, ROOT, 1, "fifo");
	tap_ok(tc_lopen(&t, 1, P9_DOTL_RDONLY) == -EACCES && t.logs > 0,
	    "E08 Tlopen of a FIFO: EACCES at once, logged");
	if (exists_in(expdir, "sock")) {
		tc_walk(&t, ROOT, 2, "sock");
		tap_ok(tc_lopen(&t, 2, P9_DOTL_RDWR) == -EACCES,
		    "E08 Tlopen of a unix socket: EACCES");
	}
	tc_walk(&t, ROOT, 3, "");
	tap_ok(tc_lcreate(&t, 3, "fifo", P9_DOTL_WRONLY, 0644) == -EEXIST,
	    "E08 Tlcreate over an existing FIFO: EEXIST, never opened");
	m.u.mknod.dfid = ROOT;
	m.u.mknod.name = tc_str("newfifo");
	m.u.mknod.mode = S_IFIFO | 0644;
	r = tc_rpc(&t, &m);
	m.u.mknod.name = tc_str("newsock");
	m.u.mknod.mode = S_IFSOCK | 0644;
	tap_ok(r == 0 && tc_rpc(&t, &m) == 0 &&
	    S_ISFIFO(mode_of(expdir, "newfifo")) &&
	    S_ISSOCK(mode_of(expdir, "newsock")), "E08 Tmknod FIFO and socket: "
	    "made");
	m.u.mknod.name = tc_str("chr");
	m.u.mknod.mode = S_IFCHR | 0666;
	m.u.mknod.major = 1;
	m.u.mknod.minor = 3;
	r = tc_rpc(&t, &m);
	m.u.mknod.name = tc_str("blk");
	m.u.mknod.mode = S_IFBLK | 0666;
	m.u.mknod.major = 8;
	m.u.mknod.minor = 0;
	if (geteuid() != 0) {
		tap_ok(r == -EPERM && tc_rpc(&t, &m) == -EPERM &&
		    !exists_in(expdir, "chr") && !exists_in(expdir, "blk"),
		    "E08 Tmknod char 1:3 / block 8:0 as non-root: EPERM");
	} else {
		int rb = tc_rpc(&t, &m);

		tap_ok(r == 0 || r == -EPERM, "E08 Tmknod char 1:3 as root: "
		    "allowed by policy (%d; the filesystem may refuse)", r);
		if (r == 0) {
			tc_walk(&t, ROOT, 4, "chr");
			tap_ok(tc_lopen(&t, 4, P9_DOTL_RDWR) == -EACCES,
			    "E08 Tlopen of a device node: EACCES");
		}
		(void)rb;
	}
	tc_close(&t);
}

static void
t_e09(void)
{
	struct tc t;
	struct p9_msg m;
	struct p9_iattr a = { .valid = P9_SETATTR_MODE };
	int r, ok;

	session(&t, NULL);
	tc_walk(&t, ROOT, 1, "");
	tc_lcreate(&t, 1, "e09", P9_DOTL_WRONLY, 04755);
	tap_ok((mode_of(expdir, "e09") & 07777) == 0755,
	    "E09 Tlcreate mode 04755 gives 0755");
	tc_walk(&t, ROOT, 2, "e09");
	a.mode = 04755;
	r = tc_setattr(&t, 2, &a);
	tap_ok(r == 0 && (mode_of(expdir, "e09") & 07777) == 0755,
	    "E09 Tsetattr 04755 gives 0755");
	a.mode = 02755;
	r = tc_setattr(&t, 2, &a);
	tap_ok(r == 0 && (mode_of(expdir, "e09") & 07777) == 0755,
	    "E09 Tsetattr 02755 gives 0755");
	tc_mkdir(&t, ROOT, "e09d", 02755);
	tap_ok((mode_of(expdir, "e09d") & 07777) == 0755,
	    "E09 Tmkdir 02755 gives 0755");
	tc_walk(&t, ROOT, 3, "e09d");
	a.mode = 01777;
	tap_ok(tc_setattr(&t, 3, &a) == 0 &&
	    (mode_of(expdir, "e09d") & 07777) == 01777,
	    "E09 the sticky bit is kept (01777)");
	memset(&m, 0, sizeof(m));
	m.type = P9_TMKNOD;
	m.u.mknod.dfid = ROOT;
	m.u.mknod.name = tc_str("e09fifo");
	m.u.mknod.mode = S_IFIFO | 06644;
	tap_ok(tc_rpc(&t, &m) == 0 && (mode_of(expdir, "e09fifo") & 07777) == 0644,
	    "E09 Tmknod 06644 gives 0644");
	ok = 1;
	memset(&m, 0, sizeof(m));
	m.type = P9_TXATTRCREATE;
	m.u.xattrcreate.fid = 2;
	m.u.xattrcreate.size = 4;
	m.u.xattrcreate.name = tc_str("security.capability");
	if (tc_rpc(&t, &m) != -EPERM)
		ok = 0;
	m.u.xattrcreate.name = tc_str("trusted.overlay.opaque");
	if (tc_rpc(&t, &m) != -EPERM)
		ok = 0;
	tap_ok(ok, "E09 Txattrcreate security.capability / trusted.*: EPERM");
	memset(&m, 0, sizeof(m));
	m.type = P9_TXATTRWALK;
	m.u.xattrwalk.fid = 2;
	m.u.xattrwalk.newfid = 5;
	m.u.xattrwalk.name = tc_str("security.capability");
	r = (int)t.logs;
	tap_ok(tc_rpc(&t, &m) == -ENODATA && t.logs == (unsigned)r,
	    "E09 Txattrwalk security.capability: ENODATA at once, not logged");
	/* user.* works where the filesystem has xattrs */
	memset(&m, 0, sizeof(m));
	m.type = P9_TXATTRCREATE;
	m.u.xattrcreate.fid = 2;
	m.u.xattrcreate.name = tc_str("user.cpu");
	m.u.xattrcreate.size = 5;
	r = tc_rpc(&t, &m);
	if (r == 0) {
		tc_write(&t, 2, 0, "value", 5);
		r = tc_clunk(&t, 2);
	}
	if (r == 0) {
		tc_walk(&t, ROOT, 2, "e09");
		memset(&m, 0, sizeof(m));
		m.type = P9_TXATTRWALK;
		m.u.xattrwalk.fid = 2;
		m.u.xattrwalk.newfid = 6;
		m.u.xattrwalk.name = tc_str("user.cpu");
		r = tc_rpc(&t, &m);
		ok = r == 0 && t.r.u.xattr_size == 5 && tc_read(&t, 6, 0, 100) == 0 &&
		    t.r.u.rio.count == 5 && memcmp(t.r.u.rio.data, "value", 5) == 0;
		tap_ok(ok, "E09 user.* xattr written and read back");
	} else {
		tap_ok(r == -EOPNOTSUPP || r == -ENOTSUP, "E09 user.* xattr: "
		    "filesystem without xattrs (%d)", r);
	}
	/* P11-style bounds while here */
	memset(&m, 0, sizeof(m));
	m.type = P9_TXATTRCREATE;
	tc_walk(&t, ROOT, 7, "e09");
	m.u.xattrcreate.fid = 7;
	m.u.xattrcreate.name = tc_str("user.big");
	m.u.xattrcreate.size = UINT64_MAX;
	tap_ok(tc_rpc(&t, &m) == -E2BIG, "E09/P11 Txattrcreate size 2^64-1: "
	    "E2BIG without allocating");
	m.u.xattrcreate.size = 4;
	tc_rpc(&t, &m);
	tap_ok(tc_write(&t, 7, 100, "abcd", 4) == -EINVAL &&
	    tc_write(&t, 7, 0, "abcdef", 6) == -EINVAL &&
	    tc_write(&t, 7, 0, "ab", 2) == 0 && tc_clunk(&t, 7) == -EINVAL &&
	    tc_getattr(&t, 7) == -EBADF,
	    "E09/P11 xattr writes at a wild offset, beyond the size, short at "
	    "clunk: EINVAL; fid freed");
	tc_close(&t);
}

static void
t_e10(void)
{
	struct p9srv_conf conf = { .readonly = 1 };
	struct tc t;
	struct p9_msg m;
	struct p9_iattr a = { .valid = P9_SETATTR_SIZE, .size = 0 };
	int before = nentries(expdir), fails = 0;

	session(&t, &conf);
	tc_walk(&t, ROOT, 1, "");
	if (tc_lcreate(&t, 1, "ro", P9_DOTL_WRONLY, 0644) != -EROFS)
		fails++;
	if (tc_mkdir(&t, ROOT, "ro", 0755) != -EROFS)
		fails++;
	if (tc_unlinkat(&t, ROOT, "file", 0) != -EROFS)
		fails++;
	memset(&m, 0, sizeof(m));
	m.type = P9_TMKNOD;
	m.u.mknod.dfid = ROOT;
	m.u.mknod.name = tc_str("ro");
	m.u.mknod.mode = S_IFIFO | 0644;
	if (tc_rpc(&t, &m) != -EROFS)
		fails++;
	tc_walk(&t, ROOT, 2, "file");
	if (tc_setattr(&t, 2, &a) != -EROFS)
		fails++;
	if (tc_lopen(&t, 2, P9_DOTL_RDWR) != -EROFS ||
	    tc_lopen(&t, 2, P9_DOTL_RDONLY | P9_DOTL_TRUNC) != -EROFS)
		fails++;
	tap_ok(fails == 0 && nentries(expdir) == before,
	    "E10 read-only: Tlcreate, Tmkdir, Tunlinkat, Tmknod, Tsetattr, "
	    "Tlopen for writing or O_TRUNC: EROFS, nothing created");
	tap_ok(tc_lopen(&t, 2, P9_DOTL_RDONLY) == 0 &&
	    tc_read(&t, 2, 0, 5) == 0 && t.r.u.rio.count == 5 &&
	    tc_write(&t, 2, 0, "x", 1) == -EBADF,
	    "E10 read-only: reads work");
	memset(&m, 0, sizeof(m));
	m.type = P9_TREMOVE;
	m.u.fid = 2;
	tap_ok(tc_rpc(&t, &m) == -EROFS && tc_getattr(&t, 2) == -EBADF &&
	    exists_in(expdir, "file"), "E10 read-only Tremove: EROFS, fid "
	    "clunked anyway");
	tc_close(&t);
}

/* ---- R: resources ----------------------------------------------- */

static void
t_r01(void)
{
	struct p9srv_conf conf = { .max_fids = 1000 };
	struct tc t;
	unsigned i;
	int fds0, ok = 1;

	session(&t, &conf);
	for (i = 1; i < 1000; i++)
		if (tc_walk(&t, ROOT, i, "") != 0)
			ok = 0;
	tap_ok(ok && tc_walk(&t, ROOT, 1000, "") == -EMFILE &&
	    p9conn_nfids(t.c) == 1000, "R01 the 1001st fid with max_fids 1000: "
	    "EMFILE");
	tap_ok(tc_clunk(&t, 5) == 0 && tc_walk(&t, ROOT, 1000, "") == 0,
	    "R01 a clunk makes room again");
	tc_close(&t);

	fds0 = count_fds();
	session(&t, NULL);
	for (ok = 1, i = 1; i < P9SRV_MAX_FIDS_DEFAULT; i++)
		if (tc_walk(&t, ROOT, i, "") != 0) {
			ok = 0;
			break;
		}
	tap_ok(ok && tc_walk(&t, ROOT, i, "") == -EMFILE &&
	    count_fds() - fds0 < 8, "R01 65,536 fids by default, then EMFILE; "
	    "clones share one descriptor (%d new fds)", count_fds() - fds0);
	tc_close(&t);
	tap_ok(count_fds() == fds0, "R01 every descriptor closed with the "
	    "connection");
}

static void
t_r02(void)
{
	struct tc t;
	struct p9_msg m;
	char p[PATH_MAX];
	unsigned i, r0;
	int fd, ok = 1;
	size_t maxout = 0;

	xpath(p, sizeof(p), expdir, "r02");
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, 2 << 20) != 0)
		ok = 0;
	if (fd >= 0)
		close(fd);
	session(&t, NULL);
	tc_walk(&t, ROOT, 1, "r02");
	tc_lopen(&t, 1, P9_DOTL_RDONLY);
	r0 = t.replies;
	for (i = 0; i < 200; i++) {
		memset(&m, 0, sizeof(m));
		m.type = P9_TREAD;
		m.u.io.fid = 1;
		m.u.io.count = MSIZE;
		tc_queue(&t, &m, 0);
	}
	/* One call: the server must stop when out has no room for msize. */
	p9conn_process(t.c, &t.in, &t.out);
	maxout = buf_len(&t.out);
	tap_ok(ok && maxout <= t.out.max && buf_len(&t.in) > 0,
	    "R02 200 Tread of msize queued: the server stops at its output "
	    "bound (%zu bytes out, %zu still queued)", maxout, buf_len(&t.in));
	tc_run(&t);
	tap_ok(t.replies - r0 == 200 && t.violations == 0,
	    "R02 ... and answers all 200 as the output drains");
	tc_close(&t);
	/* slowloris: a header declaring 64 KiB, then one byte */
	session(&t, NULL);
	{
		uint8_t b[8];

		raw(b, 65536, P9_TWRITE, 3);
		buf_put(&t.in, b, 8);
		tap_ok(p9conn_process(t.c, &t.in, &t.out) == 0 &&
		    buf_len(&t.out) == 0 && buf_len(&t.in) == 8,
		    "R02 a trickled request: nothing buffered beyond what "
		    "arrived, no reply");
		buf_reset(&t.in);
	}
	tc_close(&t);
	unlink(p);
}

static int
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void
t_r03(void)
{
	enum { N = 100000 };
	struct tc t;
	struct seen s;
	char dir[PATH_MAX];
	unsigned char *hit = calloc(N, 1);
	int calls = 0, n, t0, t1, t2;

	mk(expdir, "big");
	xpath(dir, sizeof(dir), expdir, "big");
	t0 = now_ms();
	make_entries(dir, "f", N);
	t1 = now_ms();
	session(&t, NULL);
	tc_walk(&t, ROOT, 1, "big");
	tc_lopen(&t, 1, P9_DOTL_RDONLY);
	memset(&s, 0, sizeof(s));
	s.hit = hit;
	s.n = N;
	s.prefix = "f";
	n = read_dir(&t, 1, 8192, mark, &s, &calls);
	t2 = now_ms();
	tap_ok(n == N + 2 && count_hits(&s, 1) == N && s.dup == 0,
	    "R03 readdir of 100,000 entries with count 8192: each exactly once "
	    "(%d Treaddir, %d ms; creating took %d ms)", calls, t2 - t1, t1 - t0);
	memset(hit, 0, N);
	memset(&s, 0, sizeof(s));
	s.hit = hit;
	s.n = N;
	s.prefix = "f";
	calls = 0;
	n = read_dir(&t, 1, 1000000, mark, &s, &calls);
	tap_ok(n == N + 2 && count_hits(&s, 1) == N && s.dup == 0 &&
	    calls < 60, "R03 ... and with msize-sized replies: each exactly once, "
	    "%d Treaddir (replies filled)", calls);
	tc_close(&t);
	free(hit);
	rm_rf(dir);
}


static const char *
expdir_path(const char *rel)
{
	static char p[PATH_MAX];

	xpath(p, sizeof(p), expdir, rel);
	return p;
}

/* ---- pushed attributes (p9conn_push_path_attrs) ------------------ */

struct pushed {
	unsigned	 n;
	uint64_t	 dir[16];
	char		 name[16][32];
	char		 target[16][PATH_MAX];	/* a link's, else "": the tests'
						 * links point into $TMPDIR */
	struct p9_attr	 a[16];
};

static void
record_attr(void *arg, const struct p9_qid *dq, const char *name, size_t len,
    const struct p9_attr *a, const char *target, size_t tlen)
{
	struct pushed *p = arg;

	if (name == NULL || p->n >= 16 || len >= sizeof(p->name[0]) ||
	    tlen >= sizeof(p->target[0]))
		return;
	p->dir[p->n] = dq->path;
	memcpy(p->name[p->n], name, len);
	p->name[p->n][len] = '\0';
	if (target != NULL)
		memcpy(p->target[p->n], target, tlen);
	p->target[p->n][tlen] = '\0';
	if (a != NULL)
		p->a[p->n] = *a;
	else
		memset(&p->a[p->n], 0, sizeof(p->a[0]));	/* absent */
	p->n++;
}

/* The same Rgetattr on the wire (the struct has padding). */
static int
same_rgetattr(const struct p9_attr *x, const struct p9_attr *y)
{
	struct p9_msg m = { .type = P9_RGETATTR, .tag = 1 };
	struct buf a, b;
	int same;

	buf_init(&a, 512);
	buf_init(&b, 512);
	m.u.attr = *x;
	same = p9_encode(&a, &m) == 0;
	m.u.attr = *y;
	same = same && p9_encode(&b, &m) == 0 && buf_len(&a) == buf_len(&b) &&
	    memcmp(buf_ptr(&a), buf_ptr(&b), buf_len(&a)) == 0;
	buf_free(&a);
	buf_free(&b);
	return same;
}

/* Is (dir, name) pushed with exactly the attributes a walk + getattr of
 * path (from the root) gives now? */
static int
pushed_as_walked(struct tc *t, const struct pushed *p, uint64_t dir,
    const char *name, const char *path, uint32_t fid)
{
	unsigned i;

	if (tc_walk(t, ROOT, fid, path) != 0 || tc_getattr(t, fid) != 0)
		return 0;
	for (i = 0; i < p->n; i++)
		if (p->dir[i] == dir && strcmp(p->name[i], name) == 0)
			return same_rgetattr(&p->a[i], &t->r.u.attr);
	return 0;
}

static void
t_push(void)
{
	struct pushed p;
	struct p9srv_conf conf = { .dirattr = record_attr, .dirattr_arg = &p };
	struct tc t;
	uint64_t root, dir, sub;

	mk(expdir, "pu");
	mk(expdir, "pu/real");
	write_file(expdir, "pu/real/f", "x\n");
	sym("real", expdir, "pu/rel");		/* relative, inside */
	sym("/pu/real", expdir, "pu/abs");	/* absolute: from the export root */
	session(&t, &conf);
	root = qid_of(&t, ROOT);
	tc_walk(&t, ROOT, 1, "pu");
	dir = qid_of(&t, 1);
	tc_walk(&t, ROOT, 2, "pu/real");
	sub = qid_of(&t, 2);
	memset(&p, 0, sizeof(p));	/* (the walks sent theirs too) */
	tap_ok(p9conn_push_path_attrs(t.c, "/pu/rel/f") == 0 && p.n == 4 &&
	    pushed_as_walked(&t, &p, root, "pu", "pu", 3) &&
	    pushed_as_walked(&t, &p, dir, "rel", "pu/rel", 4) &&
	    pushed_as_walked(&t, &p, dir, "real", "pu/real", 5) &&
	    pushed_as_walked(&t, &p, sub, "f", "pu/real/f", 6),
	    "A01 push /pu/rel/f: pu, the link rel, its target real and f, each "
	    "keyed by its directory's qid with the bytes a walk + Tgetattr give");
	memset(&p, 0, sizeof(p));
	tap_ok(p9conn_push_path_attrs(t.c, "pu/abs/f") == 0 && p.n == 5 &&
	    pushed_as_walked(&t, &p, dir, "abs", "pu/abs", 7) &&
	    pushed_as_walked(&t, &p, root, "pu", "pu", 8) &&
	    pushed_as_walked(&t, &p, sub, "f", "pu/real/f", 9),
	    "A02 an absolute link target starts again at the export root");
	tap_ok(strcmp(p.name[1], "abs") == 0 && strcmp(p.target[1], "/pu/real") == 0 &&
	    strcmp(p.target[0], "") == 0 && strcmp(p.target[4], "") == 0,
	    "A06 a link comes with its target (what Treadlink says), others without");
	memset(&p, 0, sizeof(p));
	tap_ok(p9conn_push_root_attrs(t.c) == 0 && p.n == 1 && p.dir[0] == root &&
	    strcmp(p.name[0], ".") == 0 && tc_getattr(&t, ROOT) == 0 &&
	    same_rgetattr(&p.a[0], &t.r.u.attr),
	    "A07 the root's own attributes, as \".\" of the root: Tgetattr's bytes");
	memset(&p, 0, sizeof(p));
	tap_ok(p9conn_push_path_attrs(t.c, "/pu/nothere/f") == 0 && p.n == 2 &&
	    strcmp(p.name[0], "pu") == 0 && strcmp(p.name[1], "nothere") == 0 &&
	    p.dir[1] == dir && p.a[1].valid == 0,
	    "A03 a missing component ends the push, said missing (no attributes)");
	memset(&p, 0, sizeof(p));
	tap_ok(p9conn_push_path_attrs(t.c, "/pu/real/f/g") == 0 && p.n == 3 &&
	    p9conn_push_path_attrs(t.c, "/link_dir/canary2") == 0 && p.n >= 4 &&
	    strcmp(p.name[3], "link_dir") == 0 && (p.n == 4 || p.a[p.n - 1].valid == 0),
	    "A04 nothing beyond a file, nor outside the export (a link to "
	    "outside is resolved inside it, as the walk does)");
	tc_close(&t);
	memset(&p, 0, sizeof(p));
	session(&t, NULL);
	tap_ok(p9conn_push_path_attrs(t.c, "/pu/real/f") == 0 && p.n == 0,
	    "A05 without dirattr nothing is pushed");
	tc_close(&t);
	rm_rf(expdir_path("pu"));
}

/* ---- recorded session with bit flips ---------------------------- */

static void
scenario(struct tc *t)
{
	tc_version(t, MSIZE, P9_VERSION_L);
	tc_attach(t, ROOT);
	tc_walk(t, ROOT, 1, "dir/sub/deep");
	tc_getattr(t, 1);
	tc_lopen(t, 1, P9_DOTL_RDONLY);
	tc_read(t, 1, 0, 4096);
	tc_walk(t, ROOT, 2, "dir");
	tc_lopen(t, 2, P9_DOTL_RDONLY);
	tc_readdir(t, 2, 0, 4096);
	tc_walk(t, ROOT, 3, "");
	tc_lcreate(t, 3, "flipped", P9_DOTL_RDWR, 0644);
	tc_write(t, 3, 0, "data", 4);
	tc_walk(t, ROOT, 4, "link_abs");
	tc_getattr(t, 4);
	tc_clunk(t, 1);
	tc_clunk(t, 2);
	tc_clunk(t, 3);
	tc_unlinkat(t, ROOT, "flipped", 0);
}

static void
t_flips(void)
{
	struct tc t;
	struct buf rec;
	unsigned long seed = 12345;
	size_t len, bit;
	uint8_t *copy;
	int i, bad = 0, fatal = 0, runs = 3000;

	buf_init(&rec, 1 << 20);
	tc_open(&t, rootfd, NULL);
	t.record = &rec;
	scenario(&t);
	tc_close(&t);
	len = buf_len(&rec);
	copy = malloc(len);
	for (i = 0; i < runs; i++) {
		memcpy(copy, buf_ptr(&rec), len);
		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		bit = (seed >> 17) % (len * 8);
		copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		tc_open(&t, rootfd, NULL);
		t.canary = CANARY;
		/* Unpaired: the flip may change the message boundaries, so
		 * replies are checked for shape only. */
		buf_put(&t.in, copy, len);
		for (;;) {
			size_t before = buf_len(&t.in);
			uint32_t sz;

			if (p9conn_process(t.c, &t.in, &t.out) < 0) {
				fatal++;
				break;
			}
			while (buf_len(&t.out) >= 4) {
				struct p9_msg m;

				sz = le_get32(buf_ptr(&t.out));
				if (sz > buf_len(&t.out) || sz >= t.out.max ||
				    p9_decode(buf_ptr(&t.out), sz, &m) != 0 ||
				    !(m.type & 1) ||
				    memmem(buf_ptr(&t.out), sz, CANARY, strlen(CANARY))) {
					bad++;
					buf_reset(&t.out);
					break;
				}
				buf_consume(&t.out, sz);
			}
			if (buf_len(&t.in) == before || buf_len(&t.in) == 0)
				break;
		}
		tc_close(&t);
	}
	free(copy);
	buf_free(&rec);
	tap_ok(bad == 0, "bit flips of a recorded session (%d runs, %d ended "
	    "the connection): every reply well-formed, no canary", runs, fatal);
	rm_rf(expdir);	/* the flips may have made oddly named files */
}

int
main(void)
{
	setup();
	t_p01();
	t_p02();
	t_p03();
	t_p04();
	t_p05();
	t_p06();
	t_p07();
	t_p08();
	t_p10();
	t_p12();
	t_p14();
	t_e01();
	t_e02();
	t_e03();
	t_e04();
	t_e05();
	t_e07();
	t_e08();
	t_e09();
	t_e10();
	t_r01();
	t_r02();
	t_r03();
	t_push();
	tap_ok(tc_total_violations == 0, "P09 every reply of every test above "
	    "conformed (tag, type, size < msize, counts, whole entries): "
	    "%u violations", tc_total_violations);
	t_flips();
	tap_ok(canaries_untouched(), "E canaries outside the export untouched "
	    "(content, mode, owner, size, times, inode)");
	close(rootfd);
	rm_rf(base);
	return tap_done();
}

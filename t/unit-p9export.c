/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * unit-p9export: a hostile peer against the server under an export
 * policy (issue 14).  The peer speaks raw 9P2000.L (t/p9client.c, every
 * reply checked) to a server whose root is a temporary tree laid out like
 * a small machine: home/u (writable, with .ssh and a secret hidden),
 * usr and etc (read-only, etc/shadow hidden), var and root outside.  It
 * tries every route to the hidden objects and every modifying request in
 * the read-only places, and the test hashes the whole tree (path, inode,
 * mode, owner, size, link count, mtime, ctime, sha256 of every file)
 * before and after: nothing may change.
 *
 * "t/unit-p9export bench [N]" times a walk and a readdir of a directory
 * of N files with and without a policy (doc/9p-server.md); it asserts
 * nothing.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "export.h"
#include "p9client.h"
#include "p9tap.h"

#define ROOT	0u
#define SECRET	"CANARY-export-secret-3c1a"

static char base[PATH_MAX / 2];
static int rootfd = -1;

/* ---- fixture ---------------------------------------------------- */

static void
mkp(const char *rel, const char *content)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	if (content == NULL) {
		if (mkdir(p, 0755) != 0)
			goto fail;
		return;
	}
	if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644)) < 0 ||
	    write(fd, content, strlen(content)) != (ssize_t)strlen(content) ||
	    close(fd) != 0)
		goto fail;
	return;
fail:
	perror(p);
	exit(99);
}

static void
hardlink(const char *from, const char *to)
{
	char a[PATH_MAX], b[PATH_MAX];

	snprintf(a, sizeof(a), "%s/%s", base, from);
	snprintf(b, sizeof(b), "%s/%s", base, to);
	if (link(a, b) != 0) {
		perror(b);
		exit(99);
	}
}

/* The state of the paths (find(1) arguments under base), as text; the
 * caller frees it. */
static char *
tree_hash_of(const char *paths)
{
	char cmd[PATH_MAX * 2], *out = NULL;
	size_t cap = 0, len = 0, n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "cd '%s' && { find %s -printf "
	    "'%%p %%i %%m %%U %%G %%s %%n %%T@ %%C@ %%l\\n' | LC_ALL=C sort; "
	    "find %s -type f -exec sha256sum {} + | LC_ALL=C sort; } "
	    "| sha256sum", base, paths, paths);
	if ((p = popen(cmd, "r")) == NULL)
		exit(99);
	for (;;) {
		if (len + 256 > cap && (out = realloc(out, cap += 4096)) == NULL)
			exit(99);
		if ((n = fread(out + len, 1, cap - len - 1, p)) == 0)
			break;
		len += n;
	}
	out[len] = '\0';
	if (pclose(p) != 0 || len < 64)
		exit(99);
	return out;
}

static char *
tree_hash(void)
{
	return tree_hash_of(".");
}

static struct export *
policy(void)
{
	struct export *ex;

	if ((ex = export_new(rootfd)) == NULL ||
	    export_add_tree(ex, "home/u", EXPORT_RW) != 0 ||
	    export_add_tree(ex, "usr", EXPORT_RO) != 0 ||
	    export_add_tree(ex, "etc", EXPORT_RO) != 0 ||
	    export_hide(ex, "home/u/.ssh") != 0 ||
	    export_hide(ex, "home/u/secret.txt") != 0 ||
	    export_hide(ex, "home/u/.aws") != 0 ||
	    export_hide(ex, "etc/shadow") != 0) {
		fprintf(stderr, "policy setup failed\n");
		exit(99);
	}
	return ex;
}

static void
peer(struct tc *t, const struct export *ex)
{
	struct p9srv_conf conf;

	memset(&conf, 0, sizeof(conf));
	conf.export = ex;
	if (tc_open(t, rootfd, &conf) != 0 ||
	    tc_version(t, 65536, P9_VERSION_L) != 0 || tc_attach(t, ROOT) != 0) {
		fprintf(stderr, "cannot start the server\n");
		exit(99);
	}
	t->canary = SECRET;
}

/* ---- requests the client library lacks ------------------------- */

static int
walk1(struct tc *t, uint32_t fid, uint32_t nfid, const char *name)
{
	struct p9_msg m = { .type = P9_TWALK };

	m.u.walk.fid = fid;
	m.u.walk.newfid = nfid;
	m.u.walk.nwname = 1;
	m.u.walk.wname[0] = tc_str(name);
	return tc_rpc(t, &m);
}

/* A full walk of path; -ENOENT etc. for a walk that stopped early too
 * (errno of the element that failed, found by walking it alone). */
static int
walkto(struct tc *t, uint32_t fid, uint32_t nfid, const char *path)
{
	char buf[PATH_MAX], *tok, *save;
	uint32_t cur = fid, tmp = 9000;
	int err;

	if (*path == '\0')
		return tc_walk(t, fid, nfid, "");
	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, "/", &save); tok != NULL;
	    tok = strtok_r(NULL, "/", &save)) {
		int last = save == NULL || *save == '\0';

		if ((err = walk1(t, cur, last ? nfid : tmp + 1, tok)) != 0) {
			if (cur != fid)
				tc_clunk(t, cur);
			return err;
		}
		if (cur != fid)
			tc_clunk(t, cur);
		cur = last ? nfid : ++tmp;
	}
	return 0;
}

static int
symlink9(struct tc *t, uint32_t dfid, const char *name, const char *target)
{
	struct p9_msg m = { .type = P9_TSYMLINK };

	m.u.symlink.fid = dfid;
	m.u.symlink.name = tc_str(name);
	m.u.symlink.target = tc_str(target);
	return tc_rpc(t, &m);
}

static int
mknod9(struct tc *t, uint32_t dfid, const char *name)
{
	struct p9_msg m = { .type = P9_TMKNOD };

	m.u.mknod.dfid = dfid;
	m.u.mknod.name = tc_str(name);
	m.u.mknod.mode = S_IFIFO | 0600;
	return tc_rpc(t, &m);
}

static int
link9(struct tc *t, uint32_t dfid, uint32_t fid, const char *name)
{
	struct p9_msg m = { .type = P9_TLINK };

	m.u.link.dfid = dfid;
	m.u.link.fid = fid;
	m.u.link.name = tc_str(name);
	return tc_rpc(t, &m);
}

static int
renameat9(struct tc *t, uint32_t od, const char *on, uint32_t nd,
    const char *nn)
{
	struct p9_msg m = { .type = P9_TRENAMEAT };

	m.u.renameat.olddfid = od;
	m.u.renameat.oldname = tc_str(on);
	m.u.renameat.newdfid = nd;
	m.u.renameat.newname = tc_str(nn);
	return tc_rpc(t, &m);
}

static int
rename9(struct tc *t, uint32_t fid, uint32_t dfid, const char *name)
{
	struct p9_msg m = { .type = P9_TRENAME };

	m.u.rename.fid = fid;
	m.u.rename.dfid = dfid;
	m.u.rename.name = tc_str(name);
	return tc_rpc(t, &m);
}

static int
remove9(struct tc *t, uint32_t fid)
{
	struct p9_msg m = { .type = P9_TREMOVE };

	m.u.fid = fid;
	return tc_rpc(t, &m);
}

static int
xattrwalk9(struct tc *t, uint32_t fid, uint32_t nfid, const char *name)
{
	struct p9_msg m = { .type = P9_TXATTRWALK };

	m.u.xattrwalk.fid = fid;
	m.u.xattrwalk.newfid = nfid;
	m.u.xattrwalk.name = tc_str(name);
	return tc_rpc(t, &m);
}

static int
xattrcreate9(struct tc *t, uint32_t fid, const char *name)
{
	struct p9_msg m = { .type = P9_TXATTRCREATE };

	m.u.xattrcreate.fid = fid;
	m.u.xattrcreate.name = tc_str(name);
	m.u.xattrcreate.size = 1;
	return tc_rpc(t, &m);
}

static int
fsync9(struct tc *t, uint32_t fid)
{
	struct p9_msg m = { .type = P9_TFSYNC };

	m.u.fsync.fid = fid;
	return tc_rpc(t, &m);
}

/* Every name Treaddir gives for directory path, "/"-joined; "" on error. */
static void
listing(struct tc *t, const char *path, char *dst, size_t n)
{
	uint64_t off = 0;
	size_t len = 0;
	int more = 1;

	dst[0] = '\0';
	if (walkto(t, ROOT, 500, path) != 0)
		return;
	if (tc_lopen(t, 500, P9_DOTL_RDONLY) != 0) {
		tc_clunk(t, 500);
		return;
	}
	while (more && tc_readdir(t, 500, off, 4096) == 0 &&
	    t->r.u.rio.count > 0) {
		struct rd rd;
		struct p9_dirent d;

		rd_init(&rd, t->r.u.rio.data, t->r.u.rio.count);
		while (rd.left > 0 && p9_dirent_get(&rd, &d) == 0) {
			if (len + d.name.len + 2 >= n) {
				more = 0;
				break;
			}
			dst[len++] = '/';
			memcpy(dst + len, d.name.s, d.name.len);
			len += d.name.len;
			dst[len] = '\0';
			off = d.offset;
		}
	}
	tc_clunk(t, 500);
	if (len + 2 < n) {
		dst[len++] = '/';
		dst[len] = '\0';
	}
}

static int
has(const char *list, const char *name)
{
	char pat[300];

	snprintf(pat, sizeof(pat), "/%s/", name);
	return strstr(list, pat) != NULL;
}

/* ---- the tests --------------------------------------------------- */

#define U	1u	/* fid of home/u */
#define SUB	2u	/* home/u/sub */
#define NOTE	3u	/* home/u/notes */
#define F	10u	/* scratch */

static void
t_hidden(void)
{
	struct export *ex = policy();
	struct tc t;
	char *before, *after, list[4096];
	const char *hid[] = { "secret.txt", ".ssh", NULL };
	int i, e, ok1;

	peer(&t, ex);
	tap_ok(walkto(&t, ROOT, U, "home/u") == 0 &&
	    walkto(&t, U, SUB, "sub") == 0 &&
	    walkto(&t, U, NOTE, "notes") == 0, "E14 the visible tree is reachable");
	/* Symlinks the peer creates: absolute and relative, to the file,
	 * the directory and into it.  Made first: the tree is hashed after. */
	ok1 = symlink9(&t, U, "abs-key", "/home/u/.ssh/id_ed25519") == 0 &&
	    symlink9(&t, U, "rel-key", ".ssh/id_ed25519") == 0 &&
	    symlink9(&t, U, "rel-dir", ".ssh") == 0 &&
	    symlink9(&t, U, "abs-dir", "/home/u/.ssh") == 0 &&
	    symlink9(&t, U, "rel-secret", "secret.txt") == 0 &&
	    symlink9(&t, SUB, "up-secret", "../secret.txt") == 0;
	tap_ok(ok1, "E14 the peer plants absolute and relative symlinks");
	before = tree_hash();

	for (i = 0; hid[i] != NULL; i++) {
		const char *h = hid[i];
		char path[64];

		tap_ok(walk1(&t, U, F, h) == -ENOENT,
		    "E14 hidden %s: walk by name: ENOENT", h);
		snprintf(path, sizeof(path), "home/u/%s", h);
		tap_ok(walkto(&t, ROOT, F, path) == -ENOENT,
		    "E14 hidden %s: walk from the root: ENOENT", h);
		snprintf(path, sizeof(path), "sub/../%s", h);
		tap_ok(walkto(&t, U, F, path) == -ENOENT,
		    "E14 hidden %s: '..' from a child: ENOENT", h);
		{	/* one Twalk of three names: stops after two, no fid */
			struct p9_msg m = { .type = P9_TWALK };

			m.u.walk.fid = U;
			m.u.walk.newfid = F;
			m.u.walk.nwname = 3;
			m.u.walk.wname[0] = tc_str("sub");
			m.u.walk.wname[1] = tc_str("..");
			m.u.walk.wname[2] = tc_str(h);
			e = tc_rpc(&t, &m);
			tap_ok(e == 0 && t.r.u.rwalk.nwqid == 2 &&
			    tc_clunk(&t, F) == -EBADF,
			    "E14 hidden %s: one Twalk sub/../%s stops before it",
			    h, h);
		}
		tap_ok(tc_lcreate(&t, U, h, P9_DOTL_RDWR, 0600) == -EACCES,
		    "E14 hidden %s: Tlcreate onto it: EACCES", h);
		/* Tlcreate turned no fid: U is still the directory */
		tap_ok(tc_mkdir(&t, U, h, 0700) == -EACCES,
		    "E14 hidden %s: Tmkdir onto it: EACCES", h);
		tap_ok(symlink9(&t, U, h, "notes") == -EACCES,
		    "E14 hidden %s: Tsymlink onto it: EACCES", h);
		tap_ok(mknod9(&t, U, h) == -EACCES,
		    "E14 hidden %s: Tmknod onto it: EACCES", h);
		tap_ok(link9(&t, U, NOTE, h) == -EACCES,
		    "E14 hidden %s: Tlink onto it: EACCES", h);
		tap_ok(renameat9(&t, U, "notes", U, h) == -EACCES,
		    "E14 hidden %s: Trenameat of a visible name over it: EACCES",
		    h);
		tap_ok(renameat9(&t, U, h, U, "stolen") == -EACCES &&
		    renameat9(&t, U, h, SUB, "stolen") == -EACCES,
		    "E14 hidden %s: Trenameat of it into view: EACCES", h);
		tap_ok(rename9(&t, NOTE, U, h) == -EACCES,
		    "E14 hidden %s: Trename of a visible fid over it: EACCES", h);
		tap_ok(tc_unlinkat(&t, U, h, 0) == -EACCES &&
		    tc_unlinkat(&t, U, h, P9_DOTL_AT_REMOVEDIR) == -EACCES,
		    "E14 hidden %s: Tunlinkat of it: EACCES", h);
		tap_ok(xattrwalk9(&t, F, F + 1, "") == -EBADF,
		    "E14 hidden %s: Txattrwalk: no fid to ask on (EBADF)", h);
	}
	/* Hard links made on the client side beforehand. */
	tap_ok(walk1(&t, U, F, "key-link") == -ENOENT,
	    "E14 a hard link to a file in the hidden directory: ENOENT");
	tap_ok(walk1(&t, U, F, "secret-link") == -ENOENT,
	    "E14 a hard link to the hidden file: ENOENT");
	tap_ok(walk1(&t, SUB, F, "deep-link") == -ENOENT,
	    "E14 a hard link in a subdirectory: ENOENT");
	tap_ok(tc_lcreate(&t, U, "secret-link", P9_DOTL_RDWR, 0600) == -EACCES,
	    "E14 Tlcreate (no O_EXCL) opening a hard link to it: EACCES");
	tap_ok(renameat9(&t, U, "secret-link", U, "visible") == -EACCES,
	    "E14 Trenameat of a hard link to it: EACCES");
	/* The name rule on a name that does not exist yet. */
	tap_ok(tc_mkdir(&t, U, ".aws", 0700) == -EACCES &&
	    tc_lcreate(&t, U, ".aws", P9_DOTL_RDWR, 0600) == -EACCES &&
	    renameat9(&t, U, "notes", U, ".aws") == -EACCES,
	    "E14 a hidden name that does not exist: create/rename onto: EACCES");
	tap_ok(walk1(&t, U, F, ".aws") == -ENOENT,
	    "E14 ... and a walk to it: ENOENT");
	/* Symlinks: the server never follows them. */
	tap_ok(walk1(&t, U, F, "rel-dir") == 0 &&
	    walk1(&t, F, F + 1, "id_ed25519") == -ENOTDIR &&
	    tc_clunk(&t, F) == 0,
	    "E14 walking through a relative symlink to the directory fails");
	tap_ok(walkto(&t, U, F, "abs-dir/id_ed25519") == -ENOTDIR,
	    "E14 walking through an absolute symlink to the directory fails");
	e = walk1(&t, U, F, "rel-key");
	tap_ok(e == 0 && tc_lopen(&t, F, P9_DOTL_RDONLY) == -ELOOP &&
	    tc_clunk(&t, F) == 0,
	    "E14 a symlink to the hidden key is a symlink: Tlopen ELOOP");
	e = walkto(&t, U, F, "sub/up-secret");
	tap_ok(e == 0 && tc_lopen(&t, F, P9_DOTL_RDONLY) == -ELOOP &&
	    tc_clunk(&t, F) == 0,
	    "E14 a '../' symlink to the hidden file: Tlopen ELOOP");
	/* Listing. */
	listing(&t, "home/u", list, sizeof(list));
	tap_ok(has(list, "notes") && has(list, "sub") && has(list, "rel-key") &&
	    !has(list, ".ssh") && !has(list, "secret.txt") &&
	    !has(list, "key-link") && !has(list, "secret-link"),
	    "E14 Treaddir of the parent omits the hidden names and hard links "
	    "(%s)", list);
	listing(&t, "home/u/sub", list, sizeof(list));
	tap_ok(has(list, "up-secret") && !has(list, "deep-link"),
	    "E14 Treaddir of a subdirectory omits a hard link (%s)", list);
	listing(&t, "etc", list, sizeof(list));
	tap_ok(has(list, "passwd") && !has(list, "shadow"),
	    "E14 /etc lists passwd, not shadow (%s)", list);
	tap_ok(walkto(&t, ROOT, F, "etc/shadow") == -ENOENT,
	    "E14 etc/shadow: ENOENT");

	after = tree_hash();
	tap_ok(strcmp(before, after) == 0,
	    "E14 nothing on disk changed (tree hash %.16s)", after);
	tap_ok(t.violations == 0, "E14 every reply well-formed, no secret "
	    "in any reply");
	free(before);
	free(after);
	tc_close(&t);
	export_free(ex);
}

static void
t_readonly(void)
{
	struct export *ex = policy();
	struct p9_iattr ia;
	struct tc t;
	char *before, *after;
	const uint32_t BIN = 20, SH = 21, USR = 22, HOME = 23, W = 24;

	if (geteuid() != 0) {
		printf("ok %d # SKIP E14 read-only tree: needs root (DAC "
		    "would refuse first)\n", ++tap_n);
		export_free(ex);
		return;
	}
	peer(&t, ex);
	before = tree_hash();
	tap_ok(walkto(&t, ROOT, USR, "usr") == 0 &&
	    walkto(&t, ROOT, BIN, "usr/bin") == 0 &&
	    walkto(&t, ROOT, SH, "usr/bin/sh") == 0 &&
	    walkto(&t, ROOT, HOME, "home") == 0 &&
	    walkto(&t, ROOT, U, "home/u") == 0 &&
	    walkto(&t, U, NOTE, "notes") == 0,
	    "E14 read-only: the tree is reachable");
	tap_ok(tc_lcreate(&t, BIN, "new", P9_DOTL_RDWR, 0755) == -EROFS,
	    "E14 read-only: Tlcreate EROFS");
	tap_ok(tc_mkdir(&t, BIN, "newdir", 0755) == -EROFS,
	    "E14 read-only: Tmkdir EROFS");
	tap_ok(symlink9(&t, BIN, "ln", "sh") == -EROFS,
	    "E14 read-only: Tsymlink EROFS");
	tap_ok(mknod9(&t, BIN, "fifo") == -EROFS,
	    "E14 read-only: Tmknod EROFS");
	tap_ok(link9(&t, BIN, SH, "sh2") == -EROFS,
	    "E14 read-only: Tlink inside EROFS");
	tap_ok(link9(&t, U, SH, "sh-here") == -EROFS,
	    "E14 read-only: Tlink of its file into a writable tree EROFS");
	tap_ok(renameat9(&t, BIN, "sh", BIN, "sh.old") == -EROFS,
	    "E14 read-only: Trenameat inside EROFS");
	tap_ok(renameat9(&t, BIN, "sh", U, "sh") == -EROFS,
	    "E14 read-only: Trenameat out of it into a writable tree EROFS");
	tap_ok(renameat9(&t, U, "notes", BIN, "notes") == -EROFS,
	    "E14 read-only: Trenameat from a writable tree into it EROFS");
	tap_ok(rename9(&t, SH, BIN, "sh.old") == -EROFS &&
	    rename9(&t, NOTE, BIN, "notes") == -EROFS,
	    "E14 read-only: Trename EROFS (of its fid, into it)");
	tap_ok(tc_unlinkat(&t, BIN, "sh", 0) == -EROFS &&
	    tc_unlinkat(&t, USR, "bin", P9_DOTL_AT_REMOVEDIR) == -EROFS,
	    "E14 read-only: Tunlinkat EROFS");
	memset(&ia, 0, sizeof(ia));
	ia.valid = P9_SETATTR_MODE;
	ia.mode = 04777;
	tap_ok(tc_setattr(&t, SH, &ia) == -EROFS,
	    "E14 read-only: Tsetattr chmod EROFS");
	ia.valid = P9_SETATTR_SIZE;
	ia.size = 0;
	tap_ok(tc_setattr(&t, SH, &ia) == -EROFS,
	    "E14 read-only: Tsetattr truncate EROFS");
	tap_ok(xattrcreate9(&t, SH, "user.x") == -EROFS,
	    "E14 read-only: Txattrcreate EROFS");
	tap_ok(walk1(&t, BIN, W, "sh") == 0 &&
	    tc_lopen(&t, W, P9_DOTL_WRONLY) == -EROFS &&
	    tc_lopen(&t, W, P9_DOTL_RDWR) == -EROFS &&
	    tc_lopen(&t, W, P9_DOTL_RDONLY | P9_DOTL_TRUNC) == -EROFS,
	    "E14 read-only: Tlopen for writing or truncating EROFS");
	tap_ok(tc_lopen(&t, W, P9_DOTL_RDONLY) == 0 &&
	    tc_read(&t, W, 0, 100) == 0 && t.r.u.rio.count == 7 &&
	    memcmp(t.r.u.rio.data, "#!sh -e", 7) == 0,
	    "E14 read-only: reading works");
	tap_ok(tc_write(&t, W, 0, "x", 1) == -EROFS,
	    "E14 read-only: Twrite on a fid opened before EROFS");
	tap_ok(fsync9(&t, W) == 0, "E14 read-only: Tfsync is fine");
	tap_ok(remove9(&t, W) == -EROFS && tc_clunk(&t, W) == -EBADF,
	    "E14 read-only: Tremove EROFS (and the fid is clunked)");
	/* The ancestors are read-only too. */
	tap_ok(tc_mkdir(&t, ROOT, "newtop", 0755) == -EROFS &&
	    tc_lcreate(&t, HOME, "f", P9_DOTL_RDWR, 0644) == -EROFS &&
	    tc_unlinkat(&t, HOME, "u", P9_DOTL_AT_REMOVEDIR) == -EROFS &&
	    renameat9(&t, HOME, "u", HOME, "v") == -EROFS,
	    "E14 ancestors: create, unlink, rename EROFS");
	ia.valid = P9_SETATTR_MODE;
	ia.mode = 0777;
	tap_ok(tc_setattr(&t, ROOT, &ia) == -EROFS &&
	    tc_setattr(&t, HOME, &ia) == -EROFS,
	    "E14 ancestors: Tsetattr EROFS");
	tap_ok(renameat9(&t, U, "notes", HOME, "notes") == -EROFS,
	    "E14 a rename from a tree into an ancestor EROFS");
	after = tree_hash();
	tap_ok(strcmp(before, after) == 0,
	    "E14 read-only: nothing on disk changed (tree hash %.16s)", after);
	/* The writable tree is writable (so the refusals above are the
	 * policy's, not something else's). */
	tap_ok(tc_mkdir(&t, U, "made", 0755) == 0 &&
	    tc_unlinkat(&t, U, "made", P9_DOTL_AT_REMOVEDIR) == 0,
	    "E14 the writable tree takes a mkdir and an unlink");
	tap_ok(t.violations == 0, "E14 read-only: every reply well-formed");
	free(before);
	free(after);
	tc_close(&t);
	export_free(ex);
}

static void
t_outside(void)
{
	struct export *ex = policy();
	struct tc t;
	char list[4096], path[128];
	uint8_t raw[7 + 10 + 17 * 3];
	size_t i, n;

	peer(&t, ex);
	listing(&t, "", list, sizeof(list));
	tap_ok(has(list, "home") && has(list, "usr") && has(list, "etc") &&
	    !has(list, "var") && !has(list, "root"),
	    "E14 the root lists only the way to the trees (%s)", list);
	listing(&t, "home", list, sizeof(list));
	tap_ok(has(list, "u") && !has(list, "other"),
	    "E14 home lists only u (%s)", list);
	tap_ok(walk1(&t, ROOT, F, "var") == -ENOENT &&
	    walk1(&t, ROOT, F, "root") == -ENOENT,
	    "E14 a walk to a sibling of the trees (var, root): ENOENT");
	tap_ok(walkto(&t, ROOT, F, "home/other") == -ENOENT,
	    "E14 a walk to another home: ENOENT");
	tap_ok(walkto(&t, ROOT, F, "home/u/../other") == -ENOENT,
	    "E14 '..' out of the tree then a sibling: ENOENT");
	/* A '..' chain from deep inside: clamps at the root, still
	 * confined to the ancestors. */
	strcpy(path, "home/u/sub");
	for (i = 0; i < 16; i++)
		strcat(path, "/..");
	strcat(path, "/var");
	tap_ok(walkto(&t, ROOT, F, path) == -ENOENT,
	    "E14 a chain of 16 '..' then var: ENOENT");
	tap_ok(walkto(&t, ROOT, F, "home/u/sub/../../../../../../../../..") == 0 &&
	    walk1(&t, F, F + 1, "root") == -ENOENT && tc_clunk(&t, F) == 0,
	    "E14 '..' past the root stays at the root, var/root still ENOENT");
	/* 17 names in one Twalk: malformed (the decoder refuses it). */
	n = 0;
	raw[4] = P9_TWALK;
	raw[5] = 0x77;
	raw[6] = 0;
	n = 7;
	memset(raw + n, 0, 8);		/* fid 0, newfid F */
	raw[n + 4] = F;
	n += 8;
	raw[n++] = 17;
	raw[n++] = 0;
	for (i = 0; i < 17; i++) {
		raw[n++] = 1;
		raw[n++] = 0;
		raw[n++] = 'a';
	}
	raw[0] = (uint8_t)n;
	raw[1] = raw[2] = raw[3] = 0;
	tap_ok(tc_queue_raw(&t, raw, n, P9_TWALK, 0x77) == 0 &&
	    tc_run(&t) == 1 && t.r.type == P9_RLERROR &&
	    t.r.u.ecode == EINVAL && tc_clunk(&t, F) == -EBADF,
	    "E14 a Twalk of 17 names: Rlerror EINVAL, no fid");
	tap_ok(t.violations == 0, "E14 outside: every reply well-formed");
	tc_close(&t);
	export_free(ex);
}

/* A directory moved out of a tree by a local process: its fid keeps
 * working, but '..' from it must not become a way into where it is now. */
static void
t_moved_out(void)
{
	struct export *ex = policy();
	struct tc t;
	char a[PATH_MAX], b[PATH_MAX];

	peer(&t, ex);
	mkp("home/u/sub/inner", NULL);
	tap_ok(walkto(&t, ROOT, F, "home/u/sub/inner") == 0,
	    "E14 moved out: a fid inside the tree");
	snprintf(a, sizeof(a), "%s/home/u/sub/inner", base);
	snprintf(b, sizeof(b), "%s/home/other/inner", base);
	if (rename(a, b) != 0)
		exit(99);
	tap_ok(walk1(&t, F, F + 1, "..") == -ENOENT,
	    "E14 moved out: '..' from it to home/other: ENOENT");
	tap_ok(walkto(&t, F, F + 1, "../x") == -ENOENT,
	    "E14 moved out: '../x' (the other user's file): ENOENT");
	tc_clunk(&t, F);
	if (rename(b, a) != 0 || rmdir(a) != 0)
		exit(99);
	tc_close(&t);
	export_free(ex);
}

/* Readdirplus: what the server pushes ahead of need never names a hidden
 * or outside object. */
struct pushed {
	char	 names[4096];
	int	 secret;
};

static void
on_dirattr(void *arg, const struct p9_qid *dq, const char *name,
    size_t len, const struct p9_attr *a, const char *target, size_t tl)
{
	struct pushed *p = arg;
	size_t l = strlen(p->names);

	(void)dq;
	(void)target;
	(void)tl;
	if (name == NULL)
		return;
	if (l + len + 3 < sizeof(p->names)) {
		p->names[l++] = '/';
		memcpy(p->names + l, name, len);
		p->names[l + len] = a ? '\0' : '?';
		p->names[l + len + 1] = '\0';
	}
}

static void
t_pushed(void)
{
	struct export *ex = policy();
	struct p9srv_conf conf;
	struct pushed p;
	struct tc t;
	char list[4096];

	memset(&p, 0, sizeof(p));
	memset(&conf, 0, sizeof(conf));
	conf.export = ex;
	conf.dirattr = on_dirattr;
	conf.dirattr_arg = &p;
	if (tc_open(&t, rootfd, &conf) != 0 ||
	    tc_version(&t, 65536, P9_VERSION_L) != 0 || tc_attach(&t, ROOT) != 0)
		exit(99);
	p9conn_push_path_attrs(t.c, "home/u/.ssh/id_ed25519");
	p9conn_push_path_attrs(t.c, "home/u/secret.txt");
	p9conn_push_path_attrs(t.c, "var/secret");
	p9conn_push_path_attrs(t.c, "home/other/x");
	p9conn_push_path_attrs(t.c, "home/u/key-link");
	tap_ok(strcmp(p.names, "/home/u/home/u/home/home/u") == 0,
	    "E14 pushed path attributes stop before a hidden or outside "
	    "name (%s)", p.names);
	p.names[0] = '\0';
	listing(&t, "home/u", list, sizeof(list));
	listing(&t, "", list, sizeof(list));
	tap_ok(!has(p.names, ".ssh") && !has(p.names, "secret.txt") &&
	    !has(p.names, "key-link") && !has(p.names, "secret-link") &&
	    !has(p.names, "var") && !has(p.names, "root") &&
	    has(p.names, "notes") && has(p.names, "usr"),
	    "E14 readdirplus pushes only listed entries (%s)", p.names);
	tc_close(&t);
	export_free(ex);
}

/*
 * A recorded hostile session, then 2,000 runs of it with one bit flipped
 * each (message boundaries may move, so replies are checked for shape
 * only): every reply well-formed, no secret in any reply, and nothing
 * outside the writable part of the tree changed.
 */
static void
hostile_session(struct tc *t)
{
	tc_version(t, 65536, P9_VERSION_L);
	tc_attach(t, ROOT);
	tc_walk(t, ROOT, U, "home/u");
	tc_walk(t, U, F, ".ssh");
	tc_walk(t, U, F, "secret.txt");
	tc_walk(t, U, F, "key-link");
	tc_walk(t, ROOT, F, "var/secret");
	tc_walk(t, ROOT, 30, "usr/bin");
	tc_lcreate(t, 30, "planted", P9_DOTL_RDWR, 0755);
	tc_mkdir(t, U, ".ssh", 0700);
	renameat9(t, U, "notes", U, "secret.txt");
	renameat9(t, U, "secret.txt", U, "loot");
	link9(t, U, 30, "bin-here");
	tc_walk(t, U, 31, "");
	tc_lopen(t, 31, P9_DOTL_RDONLY);
	tc_readdir(t, 31, 0, 4096);
	tc_walk(t, ROOT, 32, "etc");
	tc_lopen(t, 32, P9_DOTL_RDONLY);
	tc_readdir(t, 32, 0, 4096);
	tc_walk(t, ROOT, 33, "etc/passwd");
	tc_lopen(t, 33, P9_DOTL_RDONLY);
	tc_read(t, 33, 0, 4096);
	tc_unlinkat(t, 32, "passwd", 0);
	tc_walk(t, U, 34, "notes");
	tc_lopen(t, 34, P9_DOTL_RDONLY);
	tc_read(t, 34, 0, 4096);
}

static void
t_flips(void)
{
	const char *keep = "home/u/.ssh home/u/secret.txt home/other usr etc "
	    "var root";
	struct export *ex = policy();
	struct p9srv_conf conf;
	struct tc t;
	struct buf rec;
	unsigned long seed = 54321;
	size_t len, bit;
	uint8_t *copy;
	char *before, *after;
	int i, bad = 0, fatal = 0, runs = 2000;

	memset(&conf, 0, sizeof(conf));
	conf.export = ex;
	before = tree_hash_of(keep);
	buf_init(&rec, 1 << 20);
	tc_open(&t, rootfd, &conf);
	t.record = &rec;
	hostile_session(&t);
	tc_close(&t);
	len = buf_len(&rec);
	if ((copy = malloc(len)) == NULL)
		exit(99);
	for (i = 0; i < runs; i++) {
		memcpy(copy, buf_ptr(&rec), len);
		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		bit = (seed >> 17) % (len * 8);
		copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		tc_open(&t, rootfd, &conf);
		buf_put(&t.in, copy, len);
		for (;;) {
			size_t inlen = buf_len(&t.in);
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
				    memmem(buf_ptr(&t.out), sz, SECRET,
				    strlen(SECRET))) {
					bad++;
					buf_reset(&t.out);
					break;
				}
				buf_consume(&t.out, sz);
			}
			if (buf_len(&t.in) == inlen || buf_len(&t.in) == 0)
				break;
		}
		tc_close(&t);
	}
	free(copy);
	buf_free(&rec);
	after = tree_hash_of(keep);
	tap_ok(bad == 0, "E14 bit flips of a hostile session (%d runs, %d "
	    "ended the connection): every reply well-formed, no secret", runs,
	    fatal);
	tap_ok(strcmp(before, after) == 0, "E14 bit flips: hidden, read-only "
	    "and outside parts unchanged");
	free(before);
	free(after);
	export_free(ex);
}

/*
 * Binds on the client side (root only, in a private mount namespace):
 * the hidden directory and file, the 9P root and a read-only tree bound
 * inside the writable home.  By object, each keeps what it is.
 */
static const char *const binds[][2] = {
	{ "home/u/.ssh", "home/u/b-ssh" },
	{ "home/u/secret.txt", "home/u/b-key" },
	{ "", "home/u/b-root" },
	{ "usr", "home/u/b-usr" },
};
#define NBINDS	(sizeof(binds) / sizeof(binds[0]))

static void
t_binds(void)
{
	struct export *ex;
	struct tc t;
	char src[PATH_MAX], dst[PATH_MAX];
	size_t i;
	int fd;

	if (geteuid() != 0 || unshare(CLONE_NEWNS) != 0 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0) {
		printf("ok %d # SKIP E14 client-side binds: needs root and a "
		    "mount namespace\n", ++tap_n);
		return;
	}
	for (i = 0; i < NBINDS; i++) {
		snprintf(src, sizeof(src), "%s/%s", base, binds[i][0]);
		snprintf(dst, sizeof(dst), "%s/%s", base, binds[i][1]);
		if (i == 1) {
			if ((fd = open(dst, O_WRONLY | O_CREAT, 0600)) < 0)
				exit(99);
			close(fd);
		} else if (mkdir(dst, 0755) != 0) {
			exit(99);
		}
		if (mount(src, dst, "none", MS_BIND, NULL) != 0) {
			perror(dst);
			exit(99);
		}
	}
	/* The old root descriptor is in the old namespace's mounts. */
	close(rootfd);
	if ((rootfd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		exit(99);
	ex = policy();
	peer(&t, ex);
	tap_ok(walkto(&t, ROOT, U, "home/u") == 0 &&
	    walk1(&t, U, F, "b-ssh") == -ENOENT &&
	    walk1(&t, U, F, "b-key") == -ENOENT,
	    "E14 the hidden directory and file bound inside the home: ENOENT");
	tap_ok(walkto(&t, U, F, "b-root/var") == -ENOENT &&
	    walkto(&t, U, F, "b-root/home/other") == -ENOENT &&
	    walkto(&t, U, F, "b-root/home/u/.ssh") == -ENOENT,
	    "E14 the 9P root bound inside the home is only the way to the "
	    "trees");
	tap_ok(walk1(&t, U, F, "b-root") == 0 &&
	    tc_mkdir(&t, F, "x", 0755) == -EROFS && tc_clunk(&t, F) == 0,
	    "E14 ... and read-only");
	tap_ok(walkto(&t, U, F, "b-usr/bin") == 0 &&
	    tc_lcreate(&t, F, "planted", P9_DOTL_RDWR, 0755) == -EROFS,
	    "E14 a read-only tree bound inside the home stays read-only");
	tap_ok(t.violations == 0, "E14 binds: every reply well-formed, no "
	    "secret");
	tc_close(&t);
	export_free(ex);
	for (i = NBINDS; i-- > 0; ) {
		snprintf(dst, sizeof(dst), "%s/%s", base, binds[i][1]);
		if (umount2(dst, MNT_DETACH) != 0 ||
		    (i == 1 ? unlink(dst) : rmdir(dst)) != 0) {
			perror(dst);
			exit(99);
		}
	}
}

/* Without a policy the same server still serves everything (the old
 * behaviour the other unit tests rely on). */
static void
t_nopolicy(void)
{
	struct tc t;

	if (tc_open(&t, rootfd, NULL) != 0 ||
	    tc_version(&t, 65536, P9_VERSION_L) != 0 || tc_attach(&t, ROOT) != 0)
		exit(99);
	tap_ok(walkto(&t, ROOT, F, "var/secret") == 0 && tc_clunk(&t, F) == 0 &&
	    walkto(&t, ROOT, F, "home/u/.ssh/id_ed25519") == 0 &&
	    tc_clunk(&t, F) == 0, "E14 no policy: the whole root is served");
	tc_close(&t);
}

/* ---- bench ---------------------------------------------------------- */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
bench_one(const struct export *ex, unsigned nfiles, int rounds)
{
	struct p9srv_conf conf;
	struct tc t;
	char name[32];
	double t0;
	unsigned i;
	int r;

	memset(&conf, 0, sizeof(conf));
	conf.export = ex;
	if (tc_open(&t, rootfd, &conf) != 0 ||
	    tc_version(&t, 65536, P9_VERSION_L) != 0 || tc_attach(&t, ROOT) != 0)
		exit(99);
	t0 = now();
	for (r = 0; r < rounds; r++) {
		uint64_t off = 0;

		if (walkto(&t, ROOT, U, "home/u/big") != 0)
			exit(98);
		for (i = 0; i < nfiles; i++) {
			snprintf(name, sizeof(name), "f%u", i);
			if (walk1(&t, U, F, name) != 0 || tc_clunk(&t, F) != 0)
				exit(97);
		}
		if (tc_lopen(&t, U, P9_DOTL_RDONLY) != 0)
			exit(96);
		while (tc_readdir(&t, U, off, 60000) == 0 &&
		    t.r.u.rio.count > 0) {
			struct rd rd;
			struct p9_dirent d;

			rd_init(&rd, t.r.u.rio.data, t.r.u.rio.count);
			while (rd.left > 0 && p9_dirent_get(&rd, &d) == 0)
				off = d.offset;
		}
		tc_clunk(&t, U);
	}
	t0 = now() - t0;
	tc_close(&t);
	return t0 / rounds;
}

static int
bench(unsigned nfiles)
{
	struct export *ex;
	char name[64];
	double a, b;
	unsigned i;

	mkp("home/u/big", NULL);
	for (i = 0; i < nfiles; i++) {
		snprintf(name, sizeof(name), "home/u/big/f%u", i);
		mkp(name, "");
	}
	ex = policy();
	export_hide(ex, "*.pem");	/* a bare glob: every name pays it */
	for (i = 0; i < 3; i++) {
		a = bench_one(NULL, nfiles, 5);
		b = bench_one(ex, nfiles, 5);
		printf("%u files, walk each + readdir all: no policy %.2f ms, "
		    "policy %.2f ms (%+.1f%%)\n", nfiles, a * 1e3, b * 1e3,
		    (b - a) / a * 100);
	}
	{	/* the queries alone, per name */
		struct stat dst, st;
		volatile int sink = 0;
		const int N = 1000000;
		double t0;

		if (fstatat(rootfd, "home/u/big", &dst, 0) != 0 ||
		    fstatat(rootfd, "home/u/big/f1", &st, 0) != 0)
			exit(99);
		t0 = now();
		for (i = 0; i < (unsigned)N; i++)
			sink += export_step(ex, 0, &dst, "f1", &st);
		a = (now() - t0) / N;
		t0 = now();
		for (i = 0; i < (unsigned)N; i++)
			sink += export_list_name(ex, 0, &dst, "f1", 2) +
			    export_hidden_ino(ex, st.st_dev, st.st_ino);
		b = (now() - t0) / N;
		printf("export_step %.0f ns, readdir entry check %.0f ns "
		    "(with one bare glob rule)%s\n", a * 1e9, b * 1e9,
		    sink == 42 ? " " : "");
	}
	export_free(ex);
	{	/* setup: hiding a directory walks it (subdirs, linked files) */
		double t0 = now();

		ex = policy();
		a = now() - t0;
		t0 = now();
		if (export_hide(ex, "home/u/big") != 0)
			exit(99);
		b = now() - t0;
		printf("setup: the test policy %.2f ms; hiding a directory of "
		    "%u files %.2f ms more\n", a * 1e3, nfiles, b * 1e3);
		export_free(ex);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char tmpl[] = "/tmp/unit-p9export.XXXXXX", cmd[PATH_MAX];
	int rc;

	if (mkdtemp(tmpl) == NULL)
		return 99;
	snprintf(base, sizeof(base), "%s", tmpl);
	mkp("home", NULL);
	mkp("home/u", NULL);
	mkp("home/u/notes", "notes\n");
	mkp("home/u/sub", NULL);
	mkp("home/u/.ssh", NULL);
	mkp("home/u/.ssh/id_ed25519", SECRET " key\n");
	mkp("home/u/.ssh/authorized_keys", "ssh-ed25519 AAAA\n");
	mkp("home/u/secret.txt", SECRET " file\n");
	hardlink("home/u/.ssh/id_ed25519", "home/u/key-link");
	hardlink("home/u/secret.txt", "home/u/secret-link");
	hardlink("home/u/.ssh/id_ed25519", "home/u/sub/deep-link");
	mkp("home/other", NULL);
	mkp("home/other/x", SECRET " other\n");
	mkp("usr", NULL);
	mkp("usr/bin", NULL);
	mkp("usr/bin/sh", "#!sh -e");
	mkp("etc", NULL);
	mkp("etc/passwd", "root:x:0:0::/root:/bin/sh\n");
	mkp("etc/shadow", SECRET " shadow\n");
	mkp("var", NULL);
	mkp("var/secret", SECRET " var\n");
	mkp("root", NULL);
	mkp("root/.bashrc", SECRET " bashrc\n");
	if ((rootfd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 99;

	if (argc > 1 && strcmp(argv[1], "bench") == 0) {
		rc = bench(argc > 2 ? (unsigned)atoi(argv[2]) : 10000);
	} else {
		t_hidden();
		t_readonly();
		t_outside();
		t_moved_out();
		t_pushed();
		t_flips();
		t_nopolicy();
		t_binds();
		rc = tap_done();
	}
	close(rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", base);
	return rc;
}

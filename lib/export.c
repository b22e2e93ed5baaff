/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * export: the policy of what the client's 9P server lets the remote reach
 * (issue 14; lib/export.h has the contract, doc/9p-server.md the rules).
 *
 * Everything is resolved once, at setup, by descriptor: a path is walked
 * from the 9P root one component at a time with openat(O_PATH|O_NOFOLLOW),
 * symlinks read and resolved as if the 9P root were "/" (".." never
 * climbs above it), so the objects recorded are the ones the remote
 * reaches with Twalk.  The server then asks only hash questions about
 * (st_dev, st_ino) and (directory, name) pairs.
 *
 * Two tables: `fixed` holds what the caller added (tree roots, hidden
 * objects, name rules) and is only ever inserted into; `derived` holds the
 * ancestors and the names leading through them, and is rebuilt whole
 * after every export_add_tree() because a tree added later can swallow
 * the ancestors of an earlier one.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export.h"

#define EXPORT_MAXNAMES	16	/* components in a tree path or pattern */
#define RES_DEPTH	256	/* real depth after following symlinks */
#define RES_MAXLINKS	40	/* symlinks per resolution (MAXSYMLINKS) */
#define HIDE_DEPTH	16	/* levels below a hidden directory ... */
#define HIDE_BELOW_MAX	(1u << 20)	/* ... and objects recorded there */

enum kind {
	K_TREE = 1,		/* (dev, ino) -> tree index */
	K_HIDDEN,		/* (dev, ino) */
	K_HNAME,		/* (dev, ino, literal name) */
	K_HGLOBDIR,		/* (dev, ino) -> index in globdirs */
	K_BARE,		/* (name): literal name hidden everywhere */
	K_ANC,			/* derived: (dev, ino) an ancestor */
	K_LEAD			/* derived: (dev, ino, name) leads to a tree */
};

struct ent {
	dev_t	 dev;
	ino_t	 ino;
	char	*name;		/* NULL for object keys */
	int	 kind;		/* 0: empty slot */
	int	 val;
};

struct table {
	struct ent *e;
	size_t	 n, cap;	/* open addressing, cap a power of 2 */
};

struct link {			/* (dev, ino) plus the name it was reached by */
	dev_t	 dev;
	ino_t	 ino;
	char	 name[NAME_MAX + 1];
};

struct tree {
	char	*path;
	int	 mode;
	int	 up;		/* place of the tree root's parent (derived) */
	struct link *chain;	/* root .. tree root, by real names */
	size_t	 nchain;
	struct link *syml;	/* symlinks met: parent at [2i], link [2i+1] */
	size_t	 nsyml;
};

struct globs {
	char	**pat;
	size_t	 n;
};

struct export {
	int	 rootfd;
	struct stat rootst;
	struct tree *trees;
	size_t	 ntrees;
	struct globs *globdirs;		/* per directory with glob rules */
	size_t	 nglobdirs;
	struct globs bare;		/* bare-name globs, every directory */
	size_t	 nbarelit;		/* bare literal names (K_BARE) */
	char	**hidden;		/* patterns, for export_describe */
	size_t	 nhidden;
	size_t	 nbelow;		/* objects hidden below hidden dirs */
	struct table fixed;
	struct table derived;
};

/* ---- hash tables ---------------------------------------------- */

static uint64_t
key_hash(int kind, dev_t dev, ino_t ino, const char *name, size_t len)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	size_t i;

	h = (h ^ (uint64_t)kind) * UINT64_C(0x100000001b3);
	h = (h ^ (uint64_t)dev) * UINT64_C(0x100000001b3);
	h = (h ^ (uint64_t)ino) * UINT64_C(0x9E3779B97F4A7C15);
	if (name != NULL)
		for (i = 0; i < len; i++)
			h = (h ^ (unsigned char)name[i]) *
			    UINT64_C(0x100000001b3);
	return h ^ (h >> 29);
}

static int
key_eq(const struct ent *e, int kind, dev_t dev, ino_t ino,
    const char *name, size_t len)
{
	if (e->kind != kind || e->dev != dev || e->ino != ino)
		return 0;
	if (name == NULL || e->name == NULL)
		return name == NULL && e->name == NULL;
	return strlen(e->name) == len && memcmp(e->name, name, len) == 0;
}

static struct ent *
tab_find(const struct table *t, int kind, dev_t dev, ino_t ino,
    const char *name, size_t len)
{
	size_t i;

	if (t->cap == 0)
		return NULL;
	for (i = key_hash(kind, dev, ino, name, len) & (t->cap - 1);;
	    i = (i + 1) & (t->cap - 1)) {
		if (t->e[i].kind == 0)
			return NULL;
		if (key_eq(&t->e[i], kind, dev, ino, name, len))
			return &t->e[i];
	}
}

static void
tab_place(struct table *t, struct ent *src)
{
	size_t i;

	for (i = key_hash(src->kind, src->dev, src->ino, src->name,
	    src->name ? strlen(src->name) : 0) & (t->cap - 1);
	    t->e[i].kind != 0; i = (i + 1) & (t->cap - 1))
		;
	t->e[i] = *src;
}

/* Insert or update; the value of an existing key is replaced. */
static int
tab_put(struct table *t, int kind, dev_t dev, ino_t ino, const char *name,
    int val)
{
	struct ent *e, ne, *old;
	size_t i, ocap;

	if ((e = tab_find(t, kind, dev, ino, name,
	    name ? strlen(name) : 0)) != NULL) {
		e->val = val;
		return 0;
	}
	if ((t->n + 1) * 2 > t->cap) {
		old = t->e;
		ocap = t->cap;
		t->cap = ocap ? ocap * 2 : 64;
		if ((t->e = calloc(t->cap, sizeof(*t->e))) == NULL) {
			t->e = old;
			t->cap = ocap;
			return -ENOMEM;
		}
		for (i = 0; i < ocap; i++)
			if (old[i].kind != 0)
				tab_place(t, &old[i]);
		free(old);
	}
	memset(&ne, 0, sizeof(ne));
	ne.kind = kind;
	ne.dev = dev;
	ne.ino = ino;
	ne.val = val;
	if (name != NULL && (ne.name = strdup(name)) == NULL)
		return -ENOMEM;
	tab_place(t, &ne);
	t->n++;
	return 0;
}

static void
tab_clear(struct table *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++)
		free(t->e[i].name);
	free(t->e);
	memset(t, 0, sizeof(*t));
}

/* ---- resolution below the 9P root ------------------------------ */

/* A stack of directories from the 9P root down, each with its fd. */
struct rstack {
	size_t	 n;
	int	 fd[RES_DEPTH];
	struct link at[RES_DEPTH];
	int	 nlinks;
	/* If non-NULL, symlinks met are recorded here (parent, link). */
	struct link **syml;
	size_t	*nsyml;
};

/* On the heap (a stack is about 70 KiB), at the 9P root; NULL, *err. */
static struct rstack *
rs_new(const struct export *ex, int *err)
{
	struct rstack *rs;

	if ((rs = calloc(1, sizeof(*rs))) == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	if ((rs->fd[0] = fcntl(ex->rootfd, F_DUPFD_CLOEXEC, 3)) < 0) {
		*err = -errno;
		free(rs);
		return NULL;
	}
	rs->at[0].dev = ex->rootst.st_dev;
	rs->at[0].ino = ex->rootst.st_ino;
	rs->n = 1;
	return rs;
}

static void
rs_pop(struct rstack *rs)
{
	if (rs->n > 1)
		close(rs->fd[--rs->n]);
}

static void
rs_free(struct rstack *rs)
{
	if (rs == NULL)
		return;
	while (rs->n > 1)
		rs_pop(rs);
	if (rs->n == 1)
		close(rs->fd[0]);
	free(rs);
}

/* A copy with its own descriptors, recording no symlinks; NULL, *err. */
static struct rstack *
rs_dup(const struct rstack *src, int *err)
{
	struct rstack *dst;
	size_t i;

	if ((dst = malloc(sizeof(*dst))) == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	*dst = *src;
	dst->syml = NULL;
	dst->nsyml = NULL;
	for (i = 0; i < src->n; i++)
		if ((dst->fd[i] = fcntl(src->fd[i], F_DUPFD_CLOEXEC, 3)) < 0) {
			*err = -errno;
			dst->n = i;
			rs_free(dst);
			return NULL;
		}
	return dst;
}

static int
rs_push(struct rstack *rs, int fd, const struct stat *st, const char *name)
{
	if (rs->n >= RES_DEPTH) {
		close(fd);
		return -ELOOP;
	}
	rs->fd[rs->n] = fd;
	rs->at[rs->n].dev = st->st_dev;
	rs->at[rs->n].ino = st->st_ino;
	strcpy(rs->at[rs->n].name, name);
	rs->n++;
	return 0;
}

static int
record_link(struct rstack *rs, const struct stat *st, const char *name)
{
	struct link *nl;

	if (rs->syml == NULL)
		return 0;
	if ((nl = reallocarray(*rs->syml, *rs->nsyml + 2, sizeof(*nl))) == NULL)
		return -ENOMEM;
	*rs->syml = nl;
	nl[*rs->nsyml] = rs->at[rs->n - 1];
	nl[*rs->nsyml + 1].dev = st->st_dev;
	nl[*rs->nsyml + 1].ino = st->st_ino;
	strcpy(nl[*rs->nsyml + 1].name, name);
	*rs->nsyml += 2;
	return 0;
}

static int rs_walk(struct rstack *, const char *path, int follow_last);

/* Resolve one component (not "" "." ".."), following a symlink if asked. */
static int
rs_step(struct rstack *rs, const char *name, int follow)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t len;
	int fd, err;

	if (strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	fd = openat(rs->fd[rs->n - 1], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISLNK(st.st_mode) || !follow)
		return rs_push(rs, fd, &st, name);
	len = readlinkat(fd, "", target, sizeof(target) - 1);
	err = len < 0 ? -errno : 0;
	close(fd);
	if (err != 0)
		return err;
	target[len] = '\0';
	if (++rs->nlinks > RES_MAXLINKS)
		return -ELOOP;
	if ((err = record_link(rs, &st, name)) != 0)
		return err;
	if (target[0] == '/')
		while (rs->n > 1)
			rs_pop(rs);
	return rs_walk(rs, target, 1);
}

/* Walk path from the top of rs, as a lookup with the 9P root as "/". */
static int
rs_walk(struct rstack *rs, const char *path, int follow_last)
{
	char name[NAME_MAX + 1];
	const char *p = path, *e;
	size_t len;
	int err;

	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			return 0;
		e = strchr(p, '/');
		len = e ? (size_t)(e - p) : strlen(p);
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(name, p, len);
		name[len] = '\0';
		p += len;
		while (*p == '/')
			p++;
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			rs_pop(rs);
			continue;
		}
		if ((err = rs_step(rs, name, *p != '\0' || follow_last)) != 0)
			return err;
	}
}

/* 0 if path is relative, has 1..16 components, none empty, "." or "..". */
static int
check_path(const char *path, int allow_empty)
{
	const char *p = path, *e;
	size_t len, n = 0;

	if (*path == '\0')
		return allow_empty ? 0 : -EINVAL;
	if (*path == '/')
		return -EINVAL;
	for (;;) {
		e = strchr(p, '/');
		len = e ? (size_t)(e - p) : strlen(p);
		if (len == 0 || len > NAME_MAX ||
		    (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		if (++n > EXPORT_MAXNAMES)
			return -EINVAL;
		if (e == NULL)
			return 0;
		p = e + 1;
	}
}

/* ---- policy building ------------------------------------------- */

struct export *
export_new(int rootfd)
{
	struct export *ex;
	int err;

	if ((ex = calloc(1, sizeof(*ex))) == NULL)
		return NULL;
	if ((ex->rootfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 3)) < 0) {
		err = errno;
		free(ex);
		errno = err;
		return NULL;
	}
	if (fstat(ex->rootfd, &ex->rootst) != 0 ||
	    !S_ISDIR(ex->rootst.st_mode)) {
		err = S_ISDIR(ex->rootst.st_mode) ? errno : ENOTDIR;
		close(ex->rootfd);
		free(ex);
		errno = err;
		return NULL;
	}
	return ex;
}

static void
globs_free(struct globs *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		free(g->pat[i]);
	free(g->pat);
}

void
export_free(struct export *ex)
{
	size_t i;

	if (ex == NULL)
		return;
	for (i = 0; i < ex->ntrees; i++) {
		free(ex->trees[i].path);
		free(ex->trees[i].chain);
		free(ex->trees[i].syml);
	}
	free(ex->trees);
	for (i = 0; i < ex->nglobdirs; i++)
		globs_free(&ex->globdirs[i]);
	free(ex->globdirs);
	globs_free(&ex->bare);
	for (i = 0; i < ex->nhidden; i++)
		free(ex->hidden[i]);
	free(ex->hidden);
	tab_clear(&ex->fixed);
	tab_clear(&ex->derived);
	close(ex->rootfd);
	free(ex);
}

static int
tree_of(const struct export *ex, dev_t dev, ino_t ino)
{
	const struct ent *e = tab_find(&ex->fixed, K_TREE, dev, ino, NULL, 0);

	return e ? e->val : EXPORT_OUTSIDE;
}

/*
 * The ancestors: every directory on a tree's chain above it, up to the
 * first one that is itself a tree root (from there on the chain is inside
 * that tree).  Each ancestor leads by one name to the next directory.  A
 * tree's "up" is the place of its root's parent.  Symlinks met while
 * resolving a tree path are leads too when they sit in an ancestor, so
 * that the remote's own lookup (nsexec resolves bind sources in the 9P
 * root) can follow them.
 */
static int
rebuild_derived(struct export *ex)
{
	struct tree *t;
	size_t i, k;
	int err, place;

	tab_clear(&ex->derived);
	for (i = 0; i < ex->ntrees; i++) {
		t = &ex->trees[i];
		place = EXPORT_ANCESTOR;
		for (k = 0; k + 1 < t->nchain; k++) {
			int tr = tree_of(ex, t->chain[k].dev, t->chain[k].ino);

			if (tr >= 0) {
				place = tr;
				continue;
			}
			if (place != EXPORT_ANCESTOR)
				continue;	/* inside a tree */
			if ((err = tab_put(&ex->derived, K_ANC,
			    t->chain[k].dev, t->chain[k].ino, NULL, 0)) != 0 ||
			    (err = tab_put(&ex->derived, K_LEAD,
			    t->chain[k].dev, t->chain[k].ino,
			    t->chain[k + 1].name, 0)) != 0)
				return err;
		}
		t->up = place;
	}
	for (i = 0; i < ex->ntrees; i++) {
		t = &ex->trees[i];
		for (k = 0; k + 1 < t->nsyml; k += 2) {
			const struct link *par = &t->syml[k], *l = &t->syml[k + 1];

			if (tab_find(&ex->derived, K_ANC, par->dev, par->ino,
			    NULL, 0) == NULL)
				continue;
			if ((err = tab_put(&ex->derived, K_ANC, l->dev, l->ino,
			    NULL, 0)) != 0 ||
			    (err = tab_put(&ex->derived, K_LEAD, par->dev,
			    par->ino, l->name, 0)) != 0)
				return err;
		}
	}
	return 0;
}

int
export_add_tree(struct export *ex, const char *path, int mode)
{
	struct rstack *rs;
	struct tree *t, *nt;
	struct link *syml = NULL;
	size_t nsyml = 0, i;
	int err, idx;
	char *copy;

	if (mode != EXPORT_RO && mode != EXPORT_RW)
		return -EINVAL;
	if ((err = check_path(path, 1)) != 0)
		return err;
	if ((rs = rs_new(ex, &err)) == NULL)
		return err;
	rs->syml = &syml;
	rs->nsyml = &nsyml;
	if ((err = rs_walk(rs, path, 1)) != 0)
		goto out;
	idx = tree_of(ex, rs->at[rs->n - 1].dev, rs->at[rs->n - 1].ino);
	if (idx >= 0) {
		ex->trees[idx].mode = mode;
		err = 0;
		goto out;
	}
	if ((copy = strdup(path)) == NULL) {
		err = -ENOMEM;
		goto out;
	}
	if ((nt = reallocarray(ex->trees, ex->ntrees + 1, sizeof(*nt))) == NULL) {
		free(copy);
		err = -ENOMEM;
		goto out;
	}
	ex->trees = nt;
	t = &ex->trees[ex->ntrees];
	memset(t, 0, sizeof(*t));
	t->path = copy;
	t->mode = mode;
	if ((t->chain = calloc(rs->n, sizeof(*t->chain))) == NULL) {
		free(copy);
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < rs->n; i++)
		t->chain[i] = rs->at[i];
	t->nchain = rs->n;
	t->syml = syml;
	t->nsyml = nsyml;
	syml = NULL;
	if ((err = tab_put(&ex->fixed, K_TREE, rs->at[rs->n - 1].dev,
	    rs->at[rs->n - 1].ino, NULL, (int)ex->ntrees)) != 0) {
		free(t->chain);
		free(t->syml);
		free(copy);
		goto out;
	}
	ex->ntrees++;
	err = rebuild_derived(ex);
out:
	free(syml);
	rs_free(rs);
	return err;
}

static int
has_glob(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] == '*' || s[i] == '?' || s[i] == '[')
			return 1;
	return 0;
}

static int
globs_add(struct globs *g, const char *pat)
{
	char **np, *p;

	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->pat[i], pat) == 0)
			return 0;
	if ((p = strdup(pat)) == NULL)
		return -ENOMEM;
	if ((np = reallocarray(g->pat, g->n + 1, sizeof(*np))) == NULL) {
		free(p);
		return -ENOMEM;
	}
	g->pat = np;
	g->pat[g->n++] = p;
	return 0;
}

/* A name rule on directory (dev, ino): literal names are hash keys. */
static int
add_name_rule(struct export *ex, const struct link *dir, const char *pat)
{
	struct ent *e;
	struct globs *ng;
	int err;

	if (!has_glob(pat, strlen(pat)))
		return tab_put(&ex->fixed, K_HNAME, dir->dev, dir->ino, pat, 0);
	e = tab_find(&ex->fixed, K_HGLOBDIR, dir->dev, dir->ino, NULL, 0);
	if (e == NULL) {
		ng = reallocarray(ex->globdirs, ex->nglobdirs + 1, sizeof(*ng));
		if (ng == NULL)
			return -ENOMEM;
		ex->globdirs = ng;
		memset(&ng[ex->nglobdirs], 0, sizeof(*ng));
		if ((err = tab_put(&ex->fixed, K_HGLOBDIR, dir->dev, dir->ino,
		    NULL, (int)ex->nglobdirs)) != 0)
			return err;
		return globs_add(&ex->globdirs[ex->nglobdirs++], pat);
	}
	return globs_add(&ex->globdirs[e->val], pat);
}

/*
 * Below a hidden directory: every subdirectory (a bind of one elsewhere
 * in the export is the same object) and every file with more than one
 * link (a hard link elsewhere is), so the remote cannot reach ~/.ssh's
 * key by another name.  Files with one link are reachable only through
 * the hidden directory and cost nothing.  Bounded in depth and count:
 * past the bound the rest is reachable only through the hidden name.
 */
static int
hide_below(struct export *ex, int dirfd, int depth)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, err = 0;

	if (depth > HIDE_DEPTH)
		return 0;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == EACCES ? 0 : -errno;
	if ((d = fdopendir(fd)) == NULL) {
		err = -errno;
		close(fd);
		return err;
	}
	while (err == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (ex->nbelow >= HIDE_BELOW_MAX)
			break;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (!S_ISDIR(st.st_mode) && st.st_nlink < 2)
			continue;
		ex->nbelow++;
		if ((err = tab_put(&ex->fixed, K_HIDDEN, st.st_dev, st.st_ino,
		    NULL, 0)) != 0 || !S_ISDIR(st.st_mode))
			continue;
		fd = openat(dirfd, de->d_name,
		    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			err = hide_below(ex, fd, depth + 1);
			close(fd);
		}
	}
	closedir(d);
	return err;
}

static int
hide_stat(struct export *ex, int dirfd, const char *name,
    const struct stat *st)
{
	int fd, err;

	if ((err = tab_put(&ex->fixed, K_HIDDEN, st->st_dev, st->st_ino,
	    NULL, 0)) != 0 || !S_ISDIR(st->st_mode))
		return err;
	fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	err = hide_below(ex, fd, 1);
	close(fd);
	return err;
}

/* Hide the object name in the top directory of rs, and what a symlink
 * there points to (inside the 9P root) as well. */
static int
hide_object(struct export *ex, struct rstack *rs, const char *name)
{
	struct rstack *cp;
	struct stat st;
	int err = 0;

	/* Missing, or where the server (same credentials) cannot look
	 * either: nothing to hide by object; the name rule stays. */
	if (fstatat(rs->fd[rs->n - 1], name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT || errno == EACCES ||
		    errno == ENOTDIR ? 0 : -errno;
	if ((err = hide_stat(ex, rs->fd[rs->n - 1], name, &st)) != 0 ||
	    !S_ISLNK(st.st_mode))
		return err;
	if ((cp = rs_dup(rs, &err)) == NULL)
		return err;
	err = rs_step(cp, name, 1);
	if (err == 0 && cp->n >= 2 &&
	    fstat(cp->fd[cp->n - 1], &st) == 0)
		err = hide_stat(ex, cp->fd[cp->n - 2], cp->at[cp->n - 1].name, &st);
	else if (err == 0)
		err = tab_put(&ex->fixed, K_HIDDEN, cp->at[cp->n - 1].dev,
		    cp->at[cp->n - 1].ino, NULL, 0);	/* the root itself */
	else
		err = 0;	/* a dangling or outward link hides only itself */
	rs_free(cp);
	return err;
}

/* Names in the top directory of rs matching glob pat, one at a time. */
static int
hide_rec(struct export *ex, struct rstack *rs, const char *rest)
{
	char comp[NAME_MAX + 1];
	const char *e = strchr(rest, '/');
	size_t len = e ? (size_t)(e - rest) : strlen(rest);
	struct rstack *cp;
	struct dirent *de;
	DIR *d;
	int fd, err = 0;

	memcpy(comp, rest, len);
	comp[len] = '\0';
	if (e == NULL) {
		if ((err = add_name_rule(ex, &rs->at[rs->n - 1], comp)) != 0)
			return err;
	}
	if (!has_glob(comp, len)) {
		if (e == NULL)
			return hide_object(ex, rs, comp);
		if ((cp = rs_dup(rs, &err)) == NULL)
			return err;
		if (rs_step(cp, comp, 1) == 0)
			err = hide_rec(ex, cp, e + 1);
		rs_free(cp);
		return err;
	}
	fd = openat(rs->fd[rs->n - 1], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == EACCES ? 0 : -errno;
	if ((d = fdopendir(fd)) == NULL) {
		err = -errno;
		close(fd);
		return err;
	}
	while (err == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fnmatch(comp, de->d_name, 0) != 0)
			continue;
		if (e == NULL) {
			err = hide_object(ex, rs, de->d_name);
			continue;
		}
		if ((cp = rs_dup(rs, &err)) == NULL)
			break;
		if (rs_step(cp, de->d_name, 1) == 0)
			err = hide_rec(ex, cp, e + 1);
		rs_free(cp);
	}
	closedir(d);
	return err;
}

int
export_hide(struct export *ex, const char *pattern)
{
	struct rstack *rs;
	char **nh, *copy;
	int err;

	if ((err = check_path(pattern, 0)) != 0)
		return err;
	if ((copy = strdup(pattern)) == NULL)
		return -ENOMEM;
	if ((nh = reallocarray(ex->hidden, ex->nhidden + 1, sizeof(*nh))) == NULL) {
		free(copy);
		return -ENOMEM;
	}
	ex->hidden = nh;
	ex->hidden[ex->nhidden++] = copy;
	if (strchr(pattern, '/') == NULL) {
		if (has_glob(pattern, strlen(pattern)))
			return globs_add(&ex->bare, pattern);
		ex->nbarelit++;
		return tab_put(&ex->fixed, K_BARE, 0, 0, pattern, 0);
	}
	if ((rs = rs_new(ex, &err)) == NULL)
		return err;
	err = hide_rec(ex, rs, pattern);
	rs_free(rs);
	return err;
}

/* ---- queries ----------------------------------------------------- */

int
export_root_place(const struct export *ex)
{
	int t = tree_of(ex, ex->rootst.st_dev, ex->rootst.st_ino);

	return t >= 0 ? t : EXPORT_ANCESTOR;
}

static int
is_ancestor(const struct export *ex, const struct stat *st)
{
	if (st->st_dev == ex->rootst.st_dev && st->st_ino == ex->rootst.st_ino)
		return 1;
	return tab_find(&ex->derived, K_ANC, st->st_dev, st->st_ino,
	    NULL, 0) != NULL;
}

int
export_hidden_obj(const struct export *ex, const struct stat *st)
{
	return tab_find(&ex->fixed, K_HIDDEN, st->st_dev, st->st_ino,
	    NULL, 0) != NULL;
}

int
export_hidden_ino(const struct export *ex, dev_t dev, ino_t ino)
{
	return tab_find(&ex->fixed, K_HIDDEN, dev, ino, NULL, 0) != NULL;
}

int
export_hidden_name(const struct export *ex, const struct stat *dirst,
    const char *name, size_t namelen)
{
	const struct ent *e;
	char buf[NAME_MAX + 1];
	size_t i;

	if (namelen > NAME_MAX)
		return 0;
	if (tab_find(&ex->fixed, K_HNAME, dirst->st_dev, dirst->st_ino,
	    name, namelen) != NULL)
		return 1;
	if (ex->nbarelit > 0 &&
	    tab_find(&ex->fixed, K_BARE, 0, 0, name, namelen) != NULL)
		return 1;
	e = tab_find(&ex->fixed, K_HGLOBDIR, dirst->st_dev, dirst->st_ino,
	    NULL, 0);
	if (e == NULL && ex->bare.n == 0)
		return 0;
	memcpy(buf, name, namelen);
	buf[namelen] = '\0';
	if (e != NULL)
		for (i = 0; i < ex->globdirs[e->val].n; i++)
			if (fnmatch(ex->globdirs[e->val].pat[i], buf, 0) == 0)
				return 1;
	for (i = 0; i < ex->bare.n; i++)
		if (fnmatch(ex->bare.pat[i], buf, 0) == 0)
			return 1;
	return 0;
}

int
export_step(const struct export *ex, int dirplace, const struct stat *dirst,
    const char *name, const struct stat *st)
{
	size_t len = strlen(name);
	int t;

	if (dirplace == EXPORT_OUTSIDE)
		return EXPORT_OUTSIDE;
	if (export_hidden_obj(ex, st))
		return EXPORT_OUTSIDE;
	if (len == 2 && name[0] == '.' && name[1] == '.') {
		if ((t = tree_of(ex, st->st_dev, st->st_ino)) >= 0)
			return t;
		if (dirst->st_dev == st->st_dev && dirst->st_ino == st->st_ino)
			return dirplace;	/* ".." of the root */
		if ((t = tree_of(ex, dirst->st_dev, dirst->st_ino)) >= 0)
			dirplace = ex->trees[t].up;	/* leaving tree t */
		if (dirplace == EXPORT_ANCESTOR)
			return is_ancestor(ex, st) ? EXPORT_ANCESTOR :
			    EXPORT_OUTSIDE;
		return dirplace;
	}
	if (export_hidden_name(ex, dirst, name, len))
		return EXPORT_OUTSIDE;
	if ((t = tree_of(ex, st->st_dev, st->st_ino)) >= 0)
		return t;
	if (dirplace != EXPORT_ANCESTOR) {
		/* An ancestor reached from inside a tree (a bind of / or
		 * /home there) is still only the way to the trees. */
		if (is_ancestor(ex, st))
			return EXPORT_ANCESTOR;
		return dirplace;
	}
	if (tab_find(&ex->derived, K_LEAD, dirst->st_dev, dirst->st_ino,
	    name, len) == NULL)
		return EXPORT_OUTSIDE;
	return is_ancestor(ex, st) ? EXPORT_ANCESTOR : EXPORT_OUTSIDE;
}

int
export_list_name(const struct export *ex, int dirplace,
    const struct stat *dirst, const char *name, size_t namelen)
{
	if (dirplace == EXPORT_OUTSIDE)
		return 0;
	if (export_hidden_name(ex, dirst, name, namelen))
		return 0;
	if (dirplace != EXPORT_ANCESTOR)
		return 1;
	if (tab_find(&ex->derived, K_LEAD, dirst->st_dev, dirst->st_ino,
	    name, namelen) != NULL)
		return 1;
	return 0;
}

int
export_tree_root(const struct export *ex, int place, const struct stat *st)
{
	return place >= 0 && tree_of(ex, st->st_dev, st->st_ino) == place;
}

int
export_place_readonly(const struct export *ex, int place)
{
	if (place < 0 || (size_t)place >= ex->ntrees)
		return 1;
	return ex->trees[place].mode == EXPORT_RO;
}

void
export_describe(const struct export *ex,
    void (*fn)(void *arg, const char *kind, const char *what), void *arg)
{
	size_t i;

	for (i = 0; i < ex->ntrees; i++)
		fn(arg, ex->trees[i].mode == EXPORT_RO ? "ro" : "export",
		    ex->trees[i].path[0] ? ex->trees[i].path : ".");
	for (i = 0; i < ex->nhidden; i++)
		fn(arg, "hidden", ex->hidden[i]);
}

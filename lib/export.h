/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * export: what the client's 9P server lets the remote reach (issue 14).
 *
 * The 9P root is the client's / (or -root).  The remote may reach only
 * the *trees* the session names (the namespace spec's local sides, the
 * fstab sources, the cwd, -root, -export), each read-only or writable,
 * and never a *hidden* object (~/.ssh, /etc/shadow, ...).  The
 * directories between the 9P root and a tree ("ancestors": / and /home
 * for the tree /home/u) are visible only as the way to the trees: a
 * Treaddir lists only children that lead to a tree, a walk to any other
 * name gets ENOENT, and nothing can be created, removed or changed in
 * them (EROFS).  The policy is built once by the client, before the
 * first request, and is read-only afterwards.
 *
 * Everything is matched by object (st_dev, st_ino), never by string: a
 * tree root or a hidden object reached through a hard link, a bind or a
 * rename elsewhere is the same object.  Names that do not exist yet are
 * matched as (directory object, name glob) rules, so that the remote
 * cannot create ~/.ssh/authorized_keys when ~/.ssh is absent.
 * Lookups are hash probes: O(1) per name for directories without rules.
 *
 * Library code: returns 0 or -errno, never prints.
 */
#ifndef CPU_EXPORT_H
#define CPU_EXPORT_H

#include <stddef.h>
#include <sys/stat.h>

struct export;

/* Tree modes for export_add_tree(). */
#define EXPORT_RW	0
#define EXPORT_RO	1

/*
 * A policy over the 9P root rootfd (O_PATH|O_DIRECTORY, the same
 * descriptor given to p9srv_conf.rootfd; the policy dups it).
 * NULL with errno set on failure.  A p9srv_conf without an export
 * serves the whole root read-write (the unit tests' default).
 */
struct export *export_new(int rootfd);
void	 export_free(struct export *);

/*
 * Add the tree at path (relative to the 9P root without a leading '/',
 * "" for the root itself; at most 16 components, symlinks inside the
 * root followed as a lookup would) as EXPORT_RO or EXPORT_RW.  Adding the
 * same object again replaces its mode; a tree inside another tree
 * overrides it below its own root (the deepest tree wins).  -ENOENT if
 * path does not exist (the caller decides whether that matters).
 * Symlinks met on the way are served (read-only) as ancestors when they
 * sit in one, so that a lookup of path through the 9P root that follows
 * them, as nsexec's does, reaches the tree.  A hidden object wins over a
 * tree: a tree that is, or lies below, a hidden object is unreachable.
 */
int	 export_add_tree(struct export *, const char *path, int mode);

/*
 * Hide what pattern names.  pattern is relative to the 9P root like a
 * tree path; its components may hold fnmatch(3) globs ("etc/ssh/
 * ssh_host_*_key").  Every existing object it matches now is hidden by
 * (dev, ino), and its last component is kept as a rule on the matched
 * parent directories, so a name created later is hidden too.  Below a
 * hidden directory every subdirectory and every file with more than one
 * link is hidden by object as well (a bind or hard link elsewhere); a
 * matched symlink hides its target inside the root too.  Symlinks on
 * the way are followed as for a tree.  A pattern
 * without '/' is a name hidden in every directory.  0 if nothing
 * matches (not an error), -EINVAL for an empty or malformed pattern.
 */
int	 export_hide(struct export *, const char *pattern);

/*
 * Queries used by the server (lib/p9srv-*.c).  A "place" is what the
 * server keeps per object: which tree it is in, or that it is an
 * ancestor.
 */
#define EXPORT_OUTSIDE	(-1)	/* not reachable: ENOENT */
#define EXPORT_ANCESTOR	(-2)	/* on the way to a tree: list-only, EROFS */

/* The place of the 9P root itself. */
int	 export_root_place(const struct export *);
/*
 * The place of object st reached from directory place dirplace by name
 * (".." included: then st is the parent and dirst the directory left).
 * EXPORT_OUTSIDE for a name that leads nowhere exported, and for a hidden
 * object or a hidden name (the server answers ENOENT for both).
 */
int	 export_step(const struct export *, int dirplace,
	    const struct stat *dirst, const char *name, const struct stat *st);
/* Is st the root of tree place (place >= 0)? */
int	 export_tree_root(const struct export *, int place,
	    const struct stat *st);
/* Is place a tree served read-only (or an ancestor)? */
int	 export_place_readonly(const struct export *, int place);
/* Is this existing object hidden? */
int	 export_hidden_obj(const struct export *, const struct stat *);
/* The same by (st_dev, st_ino), for a Treaddir entry's d_ino: a hit is
 * only a candidate (d_ino of a mount point is not the mounted root's);
 * the server confirms it with fstatat before dropping the entry. */
int	 export_hidden_ino(const struct export *, dev_t, ino_t);
/* Is name in directory dirst hidden (by a name rule), whether or not it
 * exists? */
int	 export_hidden_name(const struct export *, const struct stat *dirst,
	    const char *name, size_t namelen);

/*
 * May Treaddir of directory dirst (in place dirplace) list name?  No for
 * a hidden name, and in an ancestor yes only for the names that lead to a
 * tree.  (Hidden objects are the caller's check: export_hidden_ino.)
 */
int	 export_list_name(const struct export *, int dirplace,
	    const struct stat *dirst, const char *name, size_t namelen);

/*
 * For cpu -d: call fn once per tree ("path", mode) and once per hidden
 * pattern, in the order added.  kind is "export", "ro" or "hidden"; what is
 * the path or pattern as given ("" shown as ".").
 */
void	 export_describe(const struct export *,
	    void (*fn)(void *arg, const char *kind, const char *what),
	    void *arg);

#endif

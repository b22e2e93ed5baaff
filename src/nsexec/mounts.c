/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mounts: the privileged mount sequence of a session, in order.
 *
 *   unshare(CLONE_NEWNS); make / private, recursively
 *   clone the remote's whole tree (for TMP/local) before anything covers it
 *   tmpfs on TMP (nosuid,nodev, size-capped), with TMP/cpu and TMP/local
 *   9p on TMP/cpu (-9, cache=none) and TMP/.cpu-cache (-C, cache=loose)
 *   the remote root on TMP/local
 *   the namespace binds, then the fstab mounts
 *   detach TMP/.cpu-cache (its binds keep the mount alive)
 *
 * Everything is done on descriptors, never by re-resolving a path: a
 * target is opened once with openat2(RESOLVE_NO_MAGICLINKS), the path
 * the kernel actually reached is read back from /proc/self/fd/N and
 * checked against the refused list, and the mount is attached to that
 * very descriptor (move_mount, or mount on /proc/self/fd/N).  A user who
 * swaps a directory for a symlink can only change which of their own
 * directories gets covered, never steer a mount to /etc or /proc
 * (security.md S05, runc CVE-2021-30465).  Bind sources from the client
 * are resolved with RESOLVE_IN_ROOT at the 9P mount, so a client symlink
 * such as /lib -> /usr/lib (or ../../..) stays inside the export.
 *
 * Binds are made with open_tree(OPEN_TREE_CLONE) + mount_setattr + move_
 * mount, which adds nosuid,nodev to the clone and all its submounts while
 * keeping the ro/noexec they already had.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "nsexec.h"

#define TMPFS_NAME	"cpu"		/* the source column in /proc/mounts */
#define P9_NAME		"cpu"
#define CACHE_DIR	".cpu-cache"

/* The read-mostly trees that come from the cached (-C) mount when there is
 * one: what exec and the dynamic loader read, rarely what a user edits. */
static const char *const cached_trees[] = {
	"/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc",
};

int
mounts_is_cached_tree(const char *remote)
{
	size_t i;

	for (i = 0; i < sizeof(cached_trees) / sizeof(cached_trees[0]); i++)
		if (path_under(remote, cached_trees[i]))
			return 1;
	return 0;
}

int
mounts_openat2(int dirfd, const char *path, int flags, unsigned long long resolve)
{
	struct open_how how;
	long fd;

	memset(&how, 0, sizeof(how));
	how.flags = (unsigned long long)(flags | O_CLOEXEC);
	how.resolve = resolve;
	fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

static void
proc_fd(int fd, char buf[32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

/* The path the kernel reached for fd, as seen from our root. */
static int
fd_path(int fd, char *buf, size_t sz)
{
	char link[32];
	ssize_t n;

	proc_fd(fd, link);
	if ((n = readlink(link, buf, sz - 1)) < 0)
		return -errno;
	if ((size_t)n >= sz - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	if (buf[0] != '/')
		return -EXDEV;	/* unreachable from our root */
	return 0;
}

/*
 * Open a mount target race-free and check where it really is.
 * Returns the O_PATH fd; -ENOENT & co. for "missing" (the caller warns);
 * a refused place ends the session: the input was hostile or confused,
 * and everything mounted so far dies with our namespace.
 */
static int
open_target(const char *path, const char *tmp, int strict, const char *what)
{
	char canon[NSEXEC_PATH_MAX + 1];
	const char *why;
	int fd, rc;

	fd = mounts_openat2(AT_FDCWD, path, O_PATH, RESOLVE_NO_MAGICLINKS);
	if (fd < 0)
		return fd;
	if ((rc = fd_path(fd, canon, sizeof(canon))) < 0) {
		close(fd);
		report_fatal("%s target %s: cannot tell where it leads: %s",
		    what, esc(path), strerror(-rc));
	}
	if (target_check(canon, tmp, strict, &why) < 0) {
		close(fd);
		if (strcmp(canon, path) != 0)
			report_fatal("%s target %s resolves to %s: %s", what,
			    esc(path), esc(canon), why);
		report_fatal("%s target %s: %s", what, esc(path), why);
	}
	log_debug("%s target %s -> %s", what, path, canon);
	return fd;
}

/*
 * Kernels before 5.12 have no mount_setattr: attach the clone, then
 * remount that one mount with the flags it must gain plus the ones it
 * has (a bind remount replaces them all).  Submounts could not be
 * covered this way, so recursive binds are refused there.
 */
static int
bind_remount_fallback(int t, int tgt, int recursive, unsigned long long attr_set)
{
	static const struct { unsigned long long attr; unsigned long st, ms; } map[] = {
		{ MOUNT_ATTR_RDONLY, ST_RDONLY, MS_RDONLY },
		{ MOUNT_ATTR_NOSUID, ST_NOSUID, MS_NOSUID },
		{ MOUNT_ATTR_NODEV, ST_NODEV, MS_NODEV },
		{ MOUNT_ATTR_NOEXEC, ST_NOEXEC, MS_NOEXEC },
		{ MOUNT_ATTR_NOATIME, ST_NOATIME, MS_NOATIME },
		{ MOUNT_ATTR_NODIRATIME, ST_NODIRATIME, MS_NODIRATIME },
	};
	struct statvfs sv;
	unsigned long have = 0, want = 0;
	char p[32];
	size_t i;

	if (fstatvfs(t, &sv) < 0)
		return -errno;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (sv.f_flag & map[i].st)
			have |= map[i].ms;
		if (attr_set & map[i].attr)
			want |= map[i].ms;
	}
	if ((have & want) != want && recursive)
		return -ENOSYS;
	if (move_mount(t, "", tgt, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	if ((have & want) == want)
		return 0;	/* e.g. a clone of the 9P mount: nosuid,nodev already */
	proc_fd(t, p);
	if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | have | want, NULL) < 0) {
		int e = errno;

		/* Never leave it attached without the flags it must have. */
		umount2(p, MNT_DETACH);
		return -e;
	}
	return 0;
}

/* Attach a clone of src (recursive or not) on tgt with attr_set added. */
static int
bind_fd(int src, int tgt, int recursive, unsigned long long attr_set)
{
	struct mount_attr attr;
	unsigned rec = recursive ? AT_RECURSIVE : 0;
	int t, rc = 0;

	t = open_tree(src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | rec);
	if (t < 0)
		return -errno;
	memset(&attr, 0, sizeof(attr));
	attr.attr_set = attr_set;
	if (attr_set != 0 &&
	    mount_setattr(t, "", AT_EMPTY_PATH | rec, &attr, sizeof(attr)) < 0) {
		rc = errno == ENOSYS ? bind_remount_fallback(t, tgt, recursive, attr_set) : -errno;
		goto out;
	}
	if (move_mount(t, "", tgt, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		rc = -errno;
out:
	close(t);
	return rc;
}

/* mount(2) on an O_PATH descriptor. */
static int
mount_on_fd(const char *src, int tgt, const char *type, unsigned long flags,
    const char *data)
{
	char p[32];

	proc_fd(tgt, p);
	return mount(src, p, type, flags, data) < 0 ? -errno : 0;
}

static int
have_9p(void)
{
	char *buf;
	size_t len;
	int fd, rc;

	if ((fd = open("/proc/filesystems", O_RDONLY | O_CLOEXEC)) < 0)
		return 1;	/* can't tell: don't claim it is missing */
	rc = read_fd_bounded(fd, 65536, &buf, &len);
	close(fd);
	if (rc < 0)
		return 1;
	rc = strstr(buf, "\t9p\n") != NULL;
	free(buf);
	return rc;
}

static void
mount_9p(const struct session_mounts *s, int fd, int dirfd, int cached,
    const char *where)
{
	struct p9_mount_opts o;
	char opts[512];
	int rc, ro;

	/* The kernel's fd transport warns about blocking reads otherwise.
	 * (nsexec.c checked already that fd is open for reading and writing.) */
	if ((rc = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, rc | O_NONBLOCK) < 0)
		report_fatal("9P descriptor %d: %s", fd, strerror(errno));
	memset(&o, 0, sizeof(o));
	o.fd = fd;
	o.msize = cached && s->msize > NSEXEC_LOOSE_MSIZE_MAX ?
	    NSEXEC_LOOSE_MSIZE_MAX : s->msize;
	o.uname = s->uname;
	o.root = s->root;
	o.uid = getuid();
	o.cached = cached;
	/* Nothing writable in the whole export: the mount itself is ro. */
	ro = nsmodes_readonly(s->modes, "/");
	/*
	 * Probe, never guess from the version string: try the options we
	 * want most and step down while the kernel says EINVAL.  A refused
	 * attempt may have exchanged a Tversion on fd already; the next one
	 * starts with its own, which resets the 9P session on both sides.
	 */
	for (o.step = 0; o.step < P9_OPTS_STEPS; o.step++) {
		if ((rc = p9_opts_build(&o, opts, sizeof(opts))) < 0)
			report_fatal("cannot build the 9p mount options: %s", strerror(-rc));
		log_debug("mount -t 9p -o %snosuid,nodev,%s %s %s", ro ? "ro," : "",
		    opts, P9_NAME, where);
		rc = mount_on_fd(P9_NAME, dirfd, "9p", MS_NOSUID | MS_NODEV |
		    (ro ? MS_RDONLY : 0), opts);
		if (rc != -EINVAL)
			break;
		log_debug("the kernel refused those options (EINVAL): trying the next set");
	}
	if (rc < 0) {
		if (!have_9p())
			report_fatal("the remote kernel has no 9p filesystem: load "
			    "the 9p and 9pnet_fd modules");
		report_fatal("mounting 9p on %s failed: %s", esc(where), strerror(-rc));
	}
	/* The kernel holds its own reference now; the command must not see it. */
	close(fd);
}

static void
path_join(char *buf, size_t sz, const char *a, const char *b)
{
	snprintf(buf, sz, "%s%s%s", a, strcmp(a, "/") == 0 ? "" : "/", b);
}

static void
bind_namespace(const struct session_mounts *s, int p9root, int cacheroot)
{
	char cpu[NSEXEC_PATH_MAX + 16], shown[2 * NSEXEC_PATH_MAX + 32];
	size_t i;
	int src, tgt, root, rc, ro;

	path_join(cpu, sizeof(cpu), s->tmp, "cpu");
	for (i = 0; i < s->spec->n; i++) {
		const struct ns_bind *b = &s->spec->v[i];
		const char *rel = strcmp(b->local, "/") == 0 ? "." : b->local + 1;

		snprintf(shown, sizeof(shown), "%s%s", cpu,
		    strcmp(b->local, "/") == 0 ? "" : b->local);
		root = cacheroot >= 0 && mounts_is_cached_tree(b->remote) ?
		    cacheroot : p9root;
		if (root < 0) {
			report_warn("mounting %s on %s failed: there is no 9P mount",
			    esc(shown), esc(b->remote));
			continue;
		}
		src = mounts_openat2(root, rel, O_PATH, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
		if (src < 0) {
			report_warn("mounting %s on %s failed: %s", esc(shown),
			    esc(b->remote), strerror(-src));
			continue;
		}
		tgt = open_target(b->remote, s->tmp, 1, "namespace");
		if (tgt < 0) {
			report_warn("mounting %s on %s failed: %s", esc(shown),
			    esc(b->remote), strerror(-tgt));
			close(src);
			continue;
		}
		ro = nsmodes_readonly(s->modes, b->local);
		rc = bind_fd(src, tgt, 0, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
		    (ro ? MOUNT_ATTR_RDONLY : 0));
		if (rc < 0)
			report_warn("mounting %s on %s failed: %s", esc(shown),
			    esc(b->remote), strerror(-rc));
		else
			log_debug("bound %s on %s%s%s", shown, b->remote,
			    root == cacheroot ? " (cached)" : "", ro ? " ro" : "");
		close(src);
		close(tgt);
	}
}

static unsigned long long
flags_to_attr(unsigned long f)
{
	unsigned long long a = 0;

	if (f & MS_RDONLY)
		a |= MOUNT_ATTR_RDONLY;
	if (f & MS_NOSUID)
		a |= MOUNT_ATTR_NOSUID;
	if (f & MS_NODEV)
		a |= MOUNT_ATTR_NODEV;
	if (f & MS_NOEXEC)
		a |= MOUNT_ATTR_NOEXEC;
	if (f & MS_NOATIME)
		a |= MOUNT_ATTR_NOATIME;
	if (f & MS_NODIRATIME)
		a |= MOUNT_ATTR_NODIRATIME;
	return a;
}

static void
mount_fstab(const struct session_mounts *s)
{
	size_t i;
	int tgt, src, rc;

	for (i = 0; i < s->fstab->n; i++) {
		const struct fstab_ent *e = &s->fstab->v[i];

		tgt = open_target(e->target, s->tmp, !s->root, "fstab");
		if (tgt < 0) {
			report_warn("fstab line %d: mounting %s on %s failed: %s",
			    e->line, esc(e->source), esc(e->target), strerror(-tgt));
			continue;
		}
		if (e->kind == FSTAB_BIND) {
			/* Opened with the login's own credentials: a non-root
			 * login holds no DAC capability, so it binds only what
			 * it can reach anyway. */
			src = mounts_openat2(AT_FDCWD, e->source, O_PATH, RESOLVE_NO_MAGICLINKS);
			rc = src < 0 ? src : bind_fd(src, tgt, e->recursive,
			    flags_to_attr(e->flags));
			if (src >= 0)
				close(src);
		} else {
			rc = mount_on_fd(e->source, tgt, e->type, e->flags,
			    e->data[0] ? e->data : NULL);
		}
		if (rc == 0 && e->propagation != 0 &&
		    mount(NULL, e->target, NULL, e->propagation, NULL) < 0)
			rc = -errno;	/* root only: see fstab.c */
		if (rc < 0)
			report_warn("fstab line %d: mounting %s on %s failed: %s",
			    e->line, esc(e->source), esc(e->target), strerror(-rc));
		else
			log_debug("fstab line %d: mounted %s on %s", e->line,
			    e->source, e->target);
		close(tgt);
	}
}

/* The session tmpfs, made detached so its directories exist before it
 * becomes visible; returns the mount's fd (its root). */
static int
make_tmpfs(const char *tmp)
{
	int fs, mnt;

	if ((fs = fsopen("tmpfs", FSOPEN_CLOEXEC)) < 0)
		report_fatal("tmpfs for %s: fsopen: %s", esc(tmp), strerror(errno));
	if (fsconfig(fs, FSCONFIG_SET_STRING, "source", TMPFS_NAME, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "size", "50%", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "mode", "1777", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		report_fatal("tmpfs for %s: %s", esc(tmp), strerror(errno));
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (mnt < 0)
		report_fatal("tmpfs for %s: fsmount: %s", esc(tmp), strerror(errno));
	close(fs);
	if (mkdirat(mnt, "cpu", 0755) < 0 || mkdirat(mnt, "local", 0755) < 0)
		report_fatal("tmpfs for %s: mkdir: %s", esc(tmp), strerror(errno));
	return mnt;
}

static int
open_dir_in(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		report_fatal("cannot open %s in the session tmpfs: %s", name,
		    strerror(errno));
	return fd;
}

void
mounts_setup(const struct session_mounts *given)
{
	char where[NSEXEC_PATH_MAX + 32], tmpcanon[NSEXEC_PATH_MAX + 1];
	struct session_mounts sm = *given, *s = &sm;
	int localtree, tmpdir, tmpmnt, fd, p9root = -1, cacheroot = -1, cachedir = -1;

	if (unshare(CLONE_NEWNS) < 0)
		report_fatal("unshare(CLONE_NEWNS): %s", strerror(errno));
	/* Nothing we do may propagate back to the host (systemd makes / shared). */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		report_fatal("making / private: %s", strerror(errno));

	/* The remote's own tree, with its real TMP, before the tmpfs hides it. */
	localtree = open_tree(AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (localtree < 0)
		report_warn("the remote root will not be at %s/local: %s",
		    esc(s->tmp), strerror(errno));

	tmpdir = open_target(s->tmp, NULL, 1, "tmp");
	if (tmpdir < 0)
		report_fatal("tmp mount point %s: %s", esc(s->tmp), strerror(-tmpdir));
	/* From here on every check compares against where TMP really is. */
	if (fd_path(tmpdir, tmpcanon, sizeof(tmpcanon)) < 0)
		report_fatal("tmp mount point %s: cannot tell where it is", esc(s->tmp));
	s->tmp = tmpcanon;
	tmpmnt = make_tmpfs(s->tmp);
	if (s->p9cfd >= 0 && mkdirat(tmpmnt, CACHE_DIR, 0700) < 0)
		report_fatal("mkdir %s/%s: %s", esc(s->tmp), CACHE_DIR, strerror(errno));
	if (move_mount(tmpmnt, "", tmpdir, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		report_fatal("mounting tmpfs on %s: %s", esc(s->tmp), strerror(errno));
	close(tmpdir);

	if (localtree >= 0) {
		fd = open_dir_in(tmpmnt, "local");
		if (move_mount(localtree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			report_warn("the remote root will not be at %s/local: %s",
			    esc(s->tmp), strerror(errno));
		close(fd);
		close(localtree);
	}

	if (s->p9fd >= 0) {
		path_join(where, sizeof(where), s->tmp, "cpu");
		fd = open_dir_in(tmpmnt, "cpu");
		mount_9p(s, s->p9fd, fd, 0, where);
		close(fd);
		p9root = open_dir_in(tmpmnt, "cpu");	/* now the 9P root */
	}
	if (s->p9cfd >= 0) {
		path_join(where, sizeof(where), s->tmp, CACHE_DIR);
		cachedir = open_dir_in(tmpmnt, CACHE_DIR);
		mount_9p(s, s->p9cfd, cachedir, 1, where);
		cacheroot = open_dir_in(tmpmnt, CACHE_DIR);
	}

	if (s->spec != NULL)
		bind_namespace(s, p9root, cacheroot);
	if (s->fstab != NULL)
		mount_fstab(s);

	if (cacheroot >= 0) {
		char p[32];

		/* The binds hold the cached mount; its own mount point would
		 * only be a second, incoherent view of the client. */
		proc_fd(cacheroot, p);
		if (umount2(p, MNT_DETACH) < 0)
			log_debug("detaching %s: %s", where, strerror(errno));
		close(cacheroot);
		close(cachedir);
		if (unlinkat(tmpmnt, CACHE_DIR, AT_REMOVEDIR) < 0)
			log_debug("rmdir %s: %s", where, strerror(errno));
	}
	if (p9root >= 0)
		close(p9root);
	close(tmpmnt);
}

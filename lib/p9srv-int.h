/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9srv-int: what the server's files share.  Not for use outside lib/p9srv*.c.
 *
 * A fid names an object by descriptor, never by path: obj->fd is an O_PATH
 * descriptor (or a dup of an opened one after Tlcreate) taken one component
 * at a time with O_NOFOLLOW below the export root.  Descriptors are shared
 * by reference count, so a clone (Twalk nwname 0) costs no syscall and the
 * directory a fid was walked from can be remembered cheaply (parent + name
 * are needed only by the old Tremove and Trename, which Linux sends only
 * if Tunlinkat/Trenameat are refused).
 */
#ifndef CPU_P9SRV_INT_H
#define CPU_P9SRV_INT_H

#include <sys/stat.h>
#include <stdint.h>

#include "p9.h"
#include "p9srv.h"

#define P9SRV_MSIZE_CEIL	(16u * 1024 * 1024)
#define P9SRV_XATTR_MAX		(64u * 1024)	/* XATTR_SIZE_MAX */
#define P9SRV_XATTR_PENDING	64		/* Txattrcreate fids at once */
#define P9SRV_LOG_MAX		32		/* log lines per connection */
#define P9SRV_DIRBUF		(64u * 1024)	/* getdents64 scratch */
#define P9SRV_FID_BUCKETS	4096

/* A handler returns this when it appended the whole reply itself. */
#define P9SRV_REPLIED	1

struct p9obj {
	int		 fd;
	unsigned	 ref;
};

enum fid_kind {
	FID_PLAIN,		/* walked or attached; maybe opened (ofd) */
	FID_XATTR_READ,		/* Txattrwalk: value in xbuf, read with Tread */
	FID_XATTR_WRITE		/* Txattrcreate: Twrite fills xbuf, Tclunk sets */
};

struct fid {
	struct fid	*next;		/* hash chain */
	uint32_t	 num;
	enum fid_kind	 kind;
	struct p9obj	*obj;		/* the object */
	struct p9obj	*parent;	/* directory it was walked from, or NULL */
	char		*name;		/* its name there, or NULL */
	struct stat	 st;		/* stat from the walk or create */
	int		 place;		/* export place (lib/export.h) of obj */
	int		 pplace;	/* ... of parent (EXPORT_OUTSIDE if none) */
	int		 ofd;		/* opened descriptor, -1 until Tlopen */
	int		 oflags;	/* the open(2) flags of ofd */
	uint64_t	 diroff;	/* readdir: cookie ofd is positioned at */
	/* xattrs */
	uint8_t		*xbuf;
	uint64_t	 xsize;		/* declared (write) or actual (read) size */
	uint64_t	 xlen;		/* bytes written so far */
	char		*xname;
	int		 xflags;
};

struct devmap {				/* st_dev -> small index for qid.path */
	dev_t		*dev;
	unsigned	 n, cap;
};

struct inomap_ent {
	dev_t		 dev;
	ino_t		 ino;
	uint64_t	 id;
};

struct inomap {				/* (dev, ino >= 2^48) -> sequence number */
	struct inomap_ent *e;
	size_t		 n, cap;	/* open addressing, cap a power of 2 */
};

struct p9conn {
	struct p9srv_conf conf;
	int		 rootfd;	/* our dup of conf.rootfd */
	struct stat	 rootst;
	long		 root_fstype;	/* statfs f_type of the export root */
	uint32_t	 maxmsize;
	uint32_t	 msize;
	int		 versioned;
	int		 am_root;	/* euid 0: device nodes allowed */
	struct fid	**fids;		/* P9SRV_FID_BUCKETS chains */
	unsigned	 nfids;
	unsigned	 maxfids;
	unsigned	 nxattr;	/* pending Txattrcreate fids */
	/* The stat taken by the last request if it was a Twalk (Linux sends
	 * Tgetattr right after Twalk; answer it without another syscall). */
	uint32_t	 fresh_fid;
	int		 fresh;
	int		 was_walk;
	struct devmap	 devs;
	struct inomap	 inos;
	uint8_t		*dirbuf;	/* P9SRV_DIRBUF, allocated on first readdir */
	char		 linkbuf[4096];	/* Rreadlink target (PATH_MAX) */
	uint64_t	 counts[256];
	unsigned	 nlog;
	char		 error[160];
};

typedef int p9srv_op(struct p9conn *, const struct p9_msg *t,
    struct p9_msg *r, struct buf *out);

/* p9srv.c */
void	 srv_log(struct p9conn *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* p9srv-fid.c: fid table, objects, qids, names */
struct p9obj *obj_new(int fd);
struct p9obj *obj_ref(struct p9obj *);
void	 obj_put(struct p9obj *);
int	 fid_lookup(struct p9conn *, uint32_t num, struct fid **);
int	 fid_create(struct p9conn *, uint32_t num, struct fid **);
void	 fid_destroy(struct p9conn *, struct fid *);
void	 fid_close_open(struct fid *);
void	 fid_clunk_all(struct p9conn *);
int	 qid_from_stat(struct p9conn *, const struct stat *, struct p9_qid *);
/* conf->dirattr for the name a walk just reached (p9srv-dir.c). */
void	 walk_dirattr(struct p9conn *, struct fid *, const struct stat *parent);
int	 qid_from_dirent(struct p9conn *, dev_t, ino_t, mode_t, struct p9_qid *);
int	 name_from_wire(const struct p9_str *, char buf[256]);
void	 procfd_path(char buf[32], int fd);
int	 is_root(const struct p9conn *, const struct stat *);

/* p9srv-export.c: the export policy, before the handlers (conf.export) */
int	 srv_place_readonly(const struct p9conn *, int place);
int	 srv_export_gate(struct p9conn *, const struct p9_msg *t);
int	 srv_export_remove(struct p9conn *, const struct fid *);

/* handlers, one file per family */
p9srv_op op_walk;					/* p9srv-walk.c */
p9srv_op op_lopen, op_lcreate, op_read, op_write, op_fsync;	/* p9srv-io.c */
p9srv_op op_getattr, op_setattr, op_statfs, op_readlink;	/* p9srv-attr.c */
p9srv_op op_mkdir, op_symlink, op_mknod, op_link, op_renameat,
	 op_unlinkat, op_rename, op_remove;			/* p9srv-ns.c */
p9srv_op op_readdir;					/* p9srv-dir.c */
p9srv_op op_xattrwalk, op_xattrcreate;			/* p9srv-xattr.c */
int	 xattr_read(struct p9conn *, struct fid *, const struct p9_msg *,
	    struct buf *);
int	 xattr_write(struct p9conn *, struct fid *, const struct p9_msg *,
	    struct p9_msg *);
int	 xattr_commit(struct p9conn *, struct fid *);
p9srv_op op_lock, op_getlock;				/* p9srv-lock.c */

#endif

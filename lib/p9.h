/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9: the 9P2000.L message codec.  No I/O, no policy: bytes <-> struct.
 *
 * Every message on the wire is  size[4] type[1] tag[2] body  (little-endian)
 * where size counts the whole message.  p9_decode() reads one complete
 * message (T or R) into a struct p9_msg whose strings and data are views
 * into the input (not NUL terminated, may contain NUL: the caller turns a
 * name into a C string only through name_gate() or an explicit check).
 * It insists that the size field equals the length given and that every
 * byte of the body is consumed.  p9_encode() appends one message to a
 * struct buf.
 *
 * The field layouts are those of the Linux kernel's 9P2000.L client
 * (include/net/9p/9p.h, net/9p/client.c), which is the client we serve.
 */
#ifndef CPU_P9_H
#define CPU_P9_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define P9_VERSION_L	"9P2000.L"
#define P9_NOTAG	((uint16_t)0xFFFF)
#define P9_NOFID	((uint32_t)0xFFFFFFFF)
#define P9_MAXWELEM	16		/* names in one Twalk */
#define P9_HDRSZ	7		/* size[4] type[1] tag[2] */
#define P9_IOHDRSZ	24		/* what the kernel reserves around Tread/Twrite data */
#define P9_RREAD_HDR	11		/* size type tag count[4] */
#define P9_MSIZE_MIN	4096		/* the kernel's own minimum; QEMU's too */
#define P9_QIDSZ	13

enum p9_type {
	P9_TLERROR = 6,		P9_RLERROR,
	P9_TSTATFS = 8,		P9_RSTATFS,
	P9_TLOPEN = 12,		P9_RLOPEN,
	P9_TLCREATE = 14,	P9_RLCREATE,
	P9_TSYMLINK = 16,	P9_RSYMLINK,
	P9_TMKNOD = 18,		P9_RMKNOD,
	P9_TRENAME = 20,	P9_RRENAME,
	P9_TREADLINK = 22,	P9_RREADLINK,
	P9_TGETATTR = 24,	P9_RGETATTR,
	P9_TSETATTR = 26,	P9_RSETATTR,
	P9_TXATTRWALK = 30,	P9_RXATTRWALK,
	P9_TXATTRCREATE = 32,	P9_RXATTRCREATE,
	P9_TREADDIR = 40,	P9_RREADDIR,
	P9_TFSYNC = 50,		P9_RFSYNC,
	P9_TLOCK = 52,		P9_RLOCK,
	P9_TGETLOCK = 54,	P9_RGETLOCK,
	P9_TLINK = 70,		P9_RLINK,
	P9_TMKDIR = 72,		P9_RMKDIR,
	P9_TRENAMEAT = 74,	P9_RRENAMEAT,
	P9_TUNLINKAT = 76,	P9_RUNLINKAT,
	P9_TVERSION = 100,	P9_RVERSION,
	P9_TAUTH = 102,		P9_RAUTH,
	P9_TATTACH = 104,	P9_RATTACH,
	P9_TERROR = 106,	P9_RERROR,
	P9_TFLUSH = 108,	P9_RFLUSH,
	P9_TWALK = 110,		P9_RWALK,
	P9_TOPEN = 112,		P9_ROPEN,
	P9_TCREATE = 114,	P9_RCREATE,
	P9_TREAD = 116,		P9_RREAD,
	P9_TWRITE = 118,	P9_RWRITE,
	P9_TCLUNK = 120,	P9_RCLUNK,
	P9_TREMOVE = 122,	P9_RREMOVE,
	P9_TSTAT = 124,		P9_RSTAT,
	P9_TWSTAT = 126,	P9_RWSTAT
};

/* qid.type bits */
#define P9_QTDIR	0x80
#define P9_QTSYMLINK	0x02
#define P9_QTFILE	0x00

/* Tlopen/Tlcreate flags (the kernel's P9_DOTL_*; octal like Linux's O_*) */
#define P9_DOTL_RDONLY		00000000
#define P9_DOTL_WRONLY		00000001
#define P9_DOTL_RDWR		00000002
#define P9_DOTL_ACCMODE		00000003
#define P9_DOTL_CREATE		00000100
#define P9_DOTL_EXCL		00000200
#define P9_DOTL_NOCTTY		00000400
#define P9_DOTL_TRUNC		00001000
#define P9_DOTL_APPEND		00002000
#define P9_DOTL_NONBLOCK	00004000
#define P9_DOTL_DSYNC		00010000
#define P9_DOTL_FASYNC		00020000
#define P9_DOTL_DIRECT		00040000
#define P9_DOTL_LARGEFILE	00100000
#define P9_DOTL_DIRECTORY	00200000
#define P9_DOTL_NOFOLLOW	00400000
#define P9_DOTL_NOATIME		01000000
#define P9_DOTL_CLOEXEC		02000000
#define P9_DOTL_SYNC		04000000

/* Tunlinkat flags */
#define P9_DOTL_AT_REMOVEDIR	0x200

/* Tgetattr request_mask / Rgetattr valid */
#define P9_GETATTR_MODE		0x00000001ULL
#define P9_GETATTR_NLINK	0x00000002ULL
#define P9_GETATTR_UID		0x00000004ULL
#define P9_GETATTR_GID		0x00000008ULL
#define P9_GETATTR_RDEV		0x00000010ULL
#define P9_GETATTR_ATIME	0x00000020ULL
#define P9_GETATTR_MTIME	0x00000040ULL
#define P9_GETATTR_CTIME	0x00000080ULL
#define P9_GETATTR_INO		0x00000100ULL
#define P9_GETATTR_SIZE		0x00000200ULL
#define P9_GETATTR_BLOCKS	0x00000400ULL
#define P9_GETATTR_BASIC	0x000007ffULL

/* Tsetattr valid */
#define P9_SETATTR_MODE		0x00000001
#define P9_SETATTR_UID		0x00000002
#define P9_SETATTR_GID		0x00000004
#define P9_SETATTR_SIZE		0x00000008
#define P9_SETATTR_ATIME	0x00000010
#define P9_SETATTR_MTIME	0x00000020
#define P9_SETATTR_CTIME	0x00000040
#define P9_SETATTR_ATIME_SET	0x00000080
#define P9_SETATTR_MTIME_SET	0x00000100

/* Tlock */
#define P9_LOCK_TYPE_RDLCK	0
#define P9_LOCK_TYPE_WRLCK	1
#define P9_LOCK_TYPE_UNLCK	2
#define P9_LOCK_FLAGS_BLOCK	1
#define P9_LOCK_FLAGS_RECLAIM	2
#define P9_LOCK_SUCCESS		0
#define P9_LOCK_BLOCKED		1
#define P9_LOCK_ERROR		2
#define P9_LOCK_GRACE		3

/* A counted string: a view into the message, not NUL terminated. */
struct p9_str {
	const char	*s;
	uint16_t	 len;
};

struct p9_qid {
	uint8_t		 type;
	uint32_t	 version;
	uint64_t	 path;
};

struct p9_attr {			/* Rgetattr */
	uint64_t	 valid;
	struct p9_qid	 qid;
	uint32_t	 mode, uid, gid;
	uint64_t	 nlink, rdev, size, blksize, blocks;
	uint64_t	 atime_sec, atime_nsec, mtime_sec, mtime_nsec;
	uint64_t	 ctime_sec, ctime_nsec, btime_sec, btime_nsec;
	uint64_t	 gen, data_version;
};

struct p9_iattr {			/* Tsetattr */
	uint32_t	 valid, mode, uid, gid;
	uint64_t	 size, atime_sec, atime_nsec, mtime_sec, mtime_nsec;
};

struct p9_statfs {			/* Rstatfs */
	uint32_t	 type, bsize;
	uint64_t	 blocks, bfree, bavail, files, ffree, fsid;
	uint32_t	 namelen;
};

struct p9_flock {			/* Tlock, Tgetlock, Rgetlock */
	uint8_t		 type;
	uint32_t	 flags;		/* Tlock only */
	uint64_t	 start, length;
	uint32_t	 proc_id;
	struct p9_str	 client_id;
};

struct p9_msg {
	uint8_t		 type;
	uint16_t	 tag;
	union {
		/* Tversion, Rversion */
		struct { uint32_t msize; struct p9_str version; } version;
		/* Tauth (fid unused), Tattach */
		struct { uint32_t fid, afid; struct p9_str uname, aname;
			uint32_t n_uname; } attach;
		/* Rauth, Rattach, Rsymlink, Rmknod, Rmkdir */
		struct p9_qid	 qid;
		/* Rlopen, Rlcreate */
		struct { struct p9_qid qid; uint32_t iounit; } ropen;
		/* Rlerror */
		uint32_t	 ecode;
		/* Tflush */
		uint16_t	 oldtag;
		/* Twalk */
		struct { uint32_t fid, newfid; uint16_t nwname;
			struct p9_str wname[P9_MAXWELEM]; } walk;
		/* Rwalk */
		struct { uint16_t nwqid; struct p9_qid wqid[P9_MAXWELEM]; } rwalk;
		/* Tread, Twrite (data), Treaddir */
		struct { uint32_t fid; uint64_t offset; uint32_t count;
			const uint8_t *data; } io;
		/* Rread, Rreaddir (data), Rwrite */
		struct { uint32_t count; const uint8_t *data; } rio;
		/* Tclunk, Tremove, Tstatfs, Treadlink */
		uint32_t	 fid;
		/* Rstatfs */
		struct p9_statfs statfs;
		/* Tlopen */
		struct { uint32_t fid, flags; } lopen;
		/* Tlcreate */
		struct { uint32_t fid; struct p9_str name; uint32_t flags, mode,
			gid; } lcreate;
		/* Tsymlink */
		struct { uint32_t fid; struct p9_str name, target;
			uint32_t gid; } symlink;
		/* Tmknod */
		struct { uint32_t dfid; struct p9_str name; uint32_t mode, major,
			minor, gid; } mknod;
		/* Trename */
		struct { uint32_t fid, dfid; struct p9_str name; } rename;
		/* Rreadlink */
		struct p9_str	 target;
		/* Tgetattr */
		struct { uint32_t fid; uint64_t mask; } getattr;
		/* Rgetattr */
		struct p9_attr	 attr;
		/* Tsetattr */
		struct { uint32_t fid; struct p9_iattr a; } setattr;
		/* Txattrwalk */
		struct { uint32_t fid, newfid; struct p9_str name; } xattrwalk;
		/* Rxattrwalk */
		uint64_t	 xattr_size;
		/* Txattrcreate */
		struct { uint32_t fid; struct p9_str name; uint64_t size;
			uint32_t flags; } xattrcreate;
		/* Tfsync */
		struct { uint32_t fid, datasync; } fsync;
		/* Tlock, Tgetlock */
		struct { uint32_t fid; struct p9_flock l; } lock;
		/* Rlock */
		uint8_t		 lock_status;
		/* Rgetlock */
		struct p9_flock	 getlock;
		/* Tlink */
		struct { uint32_t dfid, fid; struct p9_str name; } link;
		/* Tmkdir */
		struct { uint32_t dfid; struct p9_str name; uint32_t mode,
			gid; } mkdir;
		/* Trenameat */
		struct { uint32_t olddfid; struct p9_str oldname; uint32_t newdfid;
			struct p9_str newname; } renameat;
		/* Tunlinkat */
		struct { uint32_t dfid; struct p9_str name; uint32_t flags; } unlinkat;
	} u;
};

/* One Rreaddir entry: qid[13] offset[8] type[1] name[s]. */
struct p9_dirent {
	struct p9_qid	 qid;
	uint64_t	 offset;
	uint8_t		 type;
	struct p9_str	 name;
};
#define P9_DIRENT_FIXED	(P9_QIDSZ + 8 + 1 + 2)

/*
 * Is this a message type the codec knows (T or R)?  Unknown types are not
 * decoded: the server answers them with Rlerror EOPNOTSUPP.
 */
int	 p9_known_type(uint8_t type);
/* "Twalk", "Rlerror", ...; "T?"/"R?" for unknown. */
const char *p9_type_name(uint8_t type);

/*
 * Decode one complete message of exactly len bytes.  Returns 0, or
 * -EPROTO (size field disagrees, truncated, trailing bytes), -EINVAL (a
 * value out of range, e.g. nwname > 16, Twrite count != data present),
 * -EOPNOTSUPP (unknown type; header fields of *m are still set).
 * On error *m is undefined except type and tag when len >= 7.
 */
int	 p9_decode(const void *p, size_t len, struct p9_msg *m);

/* Append one message.  0, -EMSGSIZE (over the buf's ceiling or a count
 * over 32 bits), -EINVAL (nwname/nwqid > 16, unknown type). */
int	 p9_encode(struct buf *out, const struct p9_msg *m);

/* Rreaddir payload: next entry from a cursor over rio.data; 0 or error. */
int	 p9_dirent_get(struct rd *r, struct p9_dirent *d);
int	 p9_dirent_put(struct buf *b, const struct p9_dirent *d);
static inline size_t p9_dirent_size(size_t namelen) { return P9_DIRENT_FIXED + namelen; }

/*
 * One readable line for a message ("Twalk tag 3 fid 1 newfid 2 'usr' 'bin'"),
 * with every string escaped (log_escape), for -dbg9p traces.  Returns dst.
 */
char	*p9_format(char *dst, size_t dstsz, const struct p9_msg *m);

#endif

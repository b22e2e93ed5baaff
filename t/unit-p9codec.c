/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * unit-p9codec: the 9P2000.L codec on its own.
 *
 * For every message type: encode a sample with distinctive field values,
 * decode it, encode again and compare bytes (a decoder that skipped or
 * misread a field cannot reproduce them); every truncation and an extra
 * trailing byte must be refused; oversized counts and string lengths must
 * be refused without reading past the end; and every single-bit flip of
 * every sample must either fail or decode to something that encodes back
 * to exactly the flipped bytes.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "p9.h"
#include "p9tap.h"

static const uint8_t data[] = "0123456789abcdef\0\xff\n-data";

static struct p9_str
S(const char *s)
{
	struct p9_str r = { s, (uint16_t)strlen(s) };

	return r;
}

static struct p9_qid
Q(uint64_t n)
{
	struct p9_qid q = { (uint8_t)(0x80 | n), (uint32_t)(0x01020304 + n),
	    UINT64_C(0x1122334455667788) + n };

	return q;
}

static struct p9_flock
L(int with_flags)
{
	struct p9_flock l = { 1, with_flags ? 0x3u : 0, UINT64_C(1) << 40,
	    UINT64_C(0xfffffffff), 4242, { "client-id", 9 } };

	return l;
}

/* A sample message of each known type, every field non-zero. */
static void
sample(uint8_t type, struct p9_msg *m)
{
	int i;

	memset(m, 0, sizeof(*m));
	m->type = type;
	m->tag = (uint16_t)(0x1234 + type);
	switch (type) {
	case P9_TVERSION: case P9_RVERSION:
		m->u.version.msize = 1048576;
		m->u.version.version = S(P9_VERSION_L);
		break;
	case P9_TAUTH:
		m->u.attach.afid = 7;
		m->u.attach.uname = S("user");
		m->u.attach.aname = S("/srv");
		m->u.attach.n_uname = 1000;
		break;
	case P9_TATTACH:
		m->u.attach.fid = 1;
		m->u.attach.afid = P9_NOFID;
		m->u.attach.uname = S("user");
		m->u.attach.aname = S("");
		m->u.attach.n_uname = 1000;
		break;
	case P9_RAUTH: case P9_RATTACH: case P9_RSYMLINK: case P9_RMKNOD:
	case P9_RMKDIR:
		m->u.qid = Q(type);
		break;
	case P9_RLERROR:
		m->u.ecode = ENOENT;
		break;
	case P9_TFLUSH:
		m->u.oldtag = 77;
		break;
	case P9_TWALK:
		m->u.walk.fid = 1;
		m->u.walk.newfid = 2;
		m->u.walk.nwname = 3;
		m->u.walk.wname[0] = S("usr");
		m->u.walk.wname[1] = S("..");
		m->u.walk.wname[2] = S("with space\n");
		break;
	case P9_RWALK:
		m->u.rwalk.nwqid = P9_MAXWELEM;
		for (i = 0; i < P9_MAXWELEM; i++)
			m->u.rwalk.wqid[i] = Q((uint64_t)i);
		break;
	case P9_TREAD: case P9_TREADDIR:
		m->u.io.fid = 5;
		m->u.io.offset = UINT64_C(5) << 32;
		m->u.io.count = 65536;
		break;
	case P9_TWRITE:
		m->u.io.fid = 5;
		m->u.io.offset = UINT64_C(5) << 32;
		m->u.io.count = sizeof(data);
		m->u.io.data = data;
		break;
	case P9_RREAD: case P9_RREADDIR:
		m->u.rio.count = sizeof(data);
		m->u.rio.data = data;
		break;
	case P9_RWRITE:
		m->u.rio.count = 123456;
		break;
	case P9_TCLUNK: case P9_TREMOVE: case P9_TSTATFS: case P9_TREADLINK:
		m->u.fid = 99;
		break;
	case P9_RSTATFS:
		m->u.statfs = (struct p9_statfs){ 0x01021994, 4096, 1, 2, 3, 4,
		    5, 6, 255 };
		break;
	case P9_TLOPEN:
		m->u.lopen.fid = 3;
		m->u.lopen.flags = P9_DOTL_RDWR | P9_DOTL_TRUNC;
		break;
	case P9_RLOPEN: case P9_RLCREATE:
		m->u.ropen.qid = Q(1);
		m->u.ropen.iounit = 8192;
		break;
	case P9_TLCREATE:
		m->u.lcreate.fid = 3;
		m->u.lcreate.name = S("new\xff");
		m->u.lcreate.flags = P9_DOTL_WRONLY;
		m->u.lcreate.mode = 0644;
		m->u.lcreate.gid = 100;
		break;
	case P9_TSYMLINK:
		m->u.symlink.fid = 3;
		m->u.symlink.name = S("l");
		m->u.symlink.target = S("/etc/passwd");
		m->u.symlink.gid = 100;
		break;
	case P9_TMKNOD:
		m->u.mknod.dfid = 3;
		m->u.mknod.name = S("fifo");
		m->u.mknod.mode = 010644;
		m->u.mknod.major = 1;
		m->u.mknod.minor = 3;
		m->u.mknod.gid = 100;
		break;
	case P9_TRENAME:
		m->u.rename.fid = 4;
		m->u.rename.dfid = 3;
		m->u.rename.name = S("renamed");
		break;
	case P9_RREADLINK:
		m->u.target = S("../target");
		break;
	case P9_TGETATTR:
		m->u.getattr.fid = 4;
		m->u.getattr.mask = P9_GETATTR_BASIC;
		break;
	case P9_RGETATTR:
		m->u.attr = (struct p9_attr){ P9_GETATTR_BASIC, Q(2), 0100644,
		    1000, 1001, 2, 3, UINT64_C(5) << 32, 4096, 8, 9, 10, 11, 12,
		    13, 14, 15, 16, 17, 18 };
		break;
	case P9_TSETATTR:
		m->u.setattr.fid = 4;
		m->u.setattr.a = (struct p9_iattr){ 0x1ff, 0755, 1, 2,
		    UINT64_C(5) << 32, 3, 4, 5, 6 };
		break;
	case P9_TXATTRWALK:
		m->u.xattrwalk.fid = 4;
		m->u.xattrwalk.newfid = 5;
		m->u.xattrwalk.name = S("user.x");
		break;
	case P9_RXATTRWALK:
		m->u.xattr_size = 4096;
		break;
	case P9_TXATTRCREATE:
		m->u.xattrcreate.fid = 4;
		m->u.xattrcreate.name = S("user.y");
		m->u.xattrcreate.size = 10;
		m->u.xattrcreate.flags = 1;
		break;
	case P9_TFSYNC:
		m->u.fsync.fid = 4;
		m->u.fsync.datasync = 1;
		break;
	case P9_TLOCK:
		m->u.lock.fid = 4;
		m->u.lock.l = L(1);
		break;
	case P9_TGETLOCK:
		m->u.lock.fid = 4;
		m->u.lock.l = L(0);
		break;
	case P9_RLOCK:
		m->u.lock_status = P9_LOCK_BLOCKED;
		break;
	case P9_RGETLOCK:
		m->u.getlock = L(0);
		break;
	case P9_TLINK:
		m->u.link.dfid = 3;
		m->u.link.fid = 4;
		m->u.link.name = S("hard");
		break;
	case P9_TMKDIR:
		m->u.mkdir.dfid = 3;
		m->u.mkdir.name = S("d");
		m->u.mkdir.mode = 0755;
		m->u.mkdir.gid = 100;
		break;
	case P9_TRENAMEAT:
		m->u.renameat.olddfid = 3;
		m->u.renameat.oldname = S("a");
		m->u.renameat.newdfid = 4;
		m->u.renameat.newname = S("b");
		break;
	case P9_TUNLINKAT:
		m->u.unlinkat.dfid = 3;
		m->u.unlinkat.name = S("gone");
		m->u.unlinkat.flags = P9_DOTL_AT_REMOVEDIR;
		break;
	default:
		break;		/* body-less R messages */
	}
}

static int
reencodes_to(const uint8_t *p, size_t len)
{
	struct p9_msg m;
	struct buf b;
	int same;

	if (p9_decode(p, len, &m) != 0)
		return -1;
	buf_init(&b, 1 << 20);
	same = p9_encode(&b, &m) == 0 && buf_len(&b) == len &&
	    memcmp(buf_ptr(&b), p, len) == 0;
	buf_free(&b);
	return same;
}

static void
round_trips(void)
{
	struct p9_msg m;
	struct buf b;
	int t, ntypes = 0, bad_rt = 0, bad_trunc = 0, bad_trail = 0;
	int bad_flip = 0, flips = 0;
	uint8_t *cp;
	size_t len, cut, bit;

	buf_init(&b, 1 << 20);
	for (t = 0; t < 256; t++) {
		if (!p9_known_type((uint8_t)t))
			continue;
		ntypes++;
		sample((uint8_t)t, &m);
		buf_reset(&b);
		if (p9_encode(&b, &m) != 0) {
			tap_diag("%s: encode failed", p9_type_name((uint8_t)t));
			bad_rt++;
			continue;
		}
		len = buf_len(&b);
		if ((cp = malloc(len + 1)) == NULL)
			abort();
		memcpy(cp, buf_ptr(&b), len);
		if (reencodes_to(cp, len) != 1) {
			tap_diag("%s: round trip differs", p9_type_name((uint8_t)t));
			bad_rt++;
		}
		/* Every truncation, with the size field telling the truth
		 * (body too short) and without (size disagrees). */
		for (cut = 0; cut < len; cut++) {
			uint8_t *tp = malloc(cut + 1);

			memcpy(tp, cp, cut);
			if (p9_decode(tp, cut, &m) == 0)
				bad_trunc++;
			if (cut >= 4) {
				le_put32(tp, (uint32_t)cut);
				if (cut >= P9_HDRSZ && p9_decode(tp, cut, &m) == 0)
					bad_trunc++;
			}
			free(tp);
		}
		/* One byte too many. */
		cp[len] = 0;
		le_put32(cp, (uint32_t)len + 1);
		if (p9_decode(cp, len + 1, &m) != -EPROTO)
			bad_trail++;
		le_put32(cp, (uint32_t)len);
		/* Every single-bit flip. */
		for (bit = 0; bit < len * 8; bit++) {
			cp[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			if (reencodes_to(cp, len) == 0)
				bad_flip++;
			flips++;
			cp[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		free(cp);
	}
	buf_free(&b);
	tap_ok(ntypes == 57, "codec knows every 9P2000.L and 9P2000 type the "
	    "server needs (%d)", ntypes);
	tap_ok(bad_rt == 0, "encode/decode/encode round trip of every type");
	tap_ok(bad_trunc == 0, "every truncation of every type is refused");
	tap_ok(bad_trail == 0, "a trailing byte is refused (EPROTO)");
	tap_ok(bad_flip == 0, "%d bit flips: decode fails or re-encodes "
	    "byte-exact", flips);
}

static int
decode_hex(const uint8_t *p, size_t len)
{
	struct p9_msg m;

	return p9_decode(p, len, &m);
}

static void
oversized(void)
{
	uint8_t b[64];
	struct p9_msg m;
	struct buf out;
	int i;

	/* Twrite whose count is larger than the data present. */
	memset(b, 0, sizeof(b));
	le_put32(b, 7 + 4 + 8 + 4 + 3);
	b[4] = P9_TWRITE;
	le_put32(b + 7 + 4 + 8, 4);		/* count 4, 3 bytes follow */
	tap_ok(decode_hex(b, 26) == -EINVAL, "Twrite count > data: EINVAL");
	le_put32(b + 7 + 4 + 8, 0xFFFFFFFF);
	tap_ok(decode_hex(b, 26) == -EINVAL, "Twrite count 2^32-1: EINVAL");
	le_put32(b + 7 + 4 + 8, 2);		/* count 2, 3 bytes follow */
	tap_ok(decode_hex(b, 26) == -EPROTO, "Twrite count < data: EPROTO");

	/* Rread count running past the end. */
	le_put32(b, 7 + 4 + 2);
	b[4] = P9_RREAD;
	le_put32(b + 7, 0x7FFFFFFF);
	tap_ok(decode_hex(b, 13) == -EINVAL, "Rread count past the end");

	/* A string length running past the end. */
	le_put32(b, 7 + 4 + 4 + 2 + 3);
	b[4] = P9_TWALK;
	le_put32(b + 7, 1);
	le_put32(b + 11, 2);
	le_put16(b + 15, 1);
	le_put16(b + 17, 0xFFFF);
	memcpy(b + 19, "abc", 3);
	le_put32(b, 22);
	tap_ok(decode_hex(b, 22) == -EPROTO, "string length 65535 with 3 "
	    "bytes present: refused");

	/* nwname 17 and 65535, nwqid 17. */
	le_put16(b + 15, 17);
	tap_ok(decode_hex(b, 22) == -EINVAL, "Twalk nwname 17: EINVAL");
	le_put16(b + 15, 0xFFFF);
	tap_ok(decode_hex(b, 22) == -EINVAL, "Twalk nwname 65535 short body: "
	    "EINVAL");
	le_put32(b, 9);
	b[4] = P9_RWALK;
	le_put16(b + 7, 17);
	tap_ok(decode_hex(b, 9) == -EINVAL, "Rwalk nwqid 17: EINVAL");

	/* Unknown and 9P2000-only types. */
	for (i = 0; i < 256; i++) {
		if (p9_known_type((uint8_t)i))
			continue;
		le_put32(b, 7);
		b[4] = (uint8_t)i;
		if (decode_hex(b, 7) != -EOPNOTSUPP)
			break;
	}
	tap_ok(i == 256, "every unknown type decodes to EOPNOTSUPP");

	/* Encoder limits. */
	buf_init(&out, 4096);
	sample(P9_TWALK, &m);
	m.u.walk.nwname = 17;
	tap_ok(p9_encode(&out, &m) == -EINVAL && buf_len(&out) == 0,
	    "encoding nwname 17 fails and leaves the buffer alone");
	sample(P9_RREAD, &m);
	m.u.rio.count = 5000;
	m.u.rio.data = calloc(1, 5000);
	tap_ok(p9_encode(&out, &m) == -EMSGSIZE && buf_len(&out) == 0,
	    "encoding past the buffer ceiling fails cleanly");
	free((void *)m.u.rio.data);
	buf_free(&out);
}

static void
dirents(void)
{
	struct p9_dirent d = { { P9_QTDIR, 0, 42 }, 77, 4, { "name\n", 5 } }, e;
	struct buf b;
	struct rd r;
	int ok;

	buf_init(&b, 4096);
	ok = p9_dirent_put(&b, &d) == 0 && buf_len(&b) == p9_dirent_size(5);
	rd_init(&r, buf_ptr(&b), buf_len(&b));
	ok = ok && p9_dirent_get(&r, &e) == 0 && rd_end(&r) == 0 &&
	    e.qid.path == 42 && e.offset == 77 && e.type == 4 &&
	    e.name.len == 5 && memcmp(e.name.s, "name\n", 5) == 0;
	rd_init(&r, buf_ptr(&b), buf_len(&b) - 1);
	ok = ok && p9_dirent_get(&r, &e) != 0;
	tap_ok(ok, "readdir entry encode/decode, truncated entry refused");
	buf_free(&b);
}

static void
format(void)
{
	struct p9_msg m;
	char line[128];

	sample(P9_TWALK, &m);
	p9_format(line, sizeof(line), &m);
	tap_ok(strstr(line, "Twalk") != NULL && strchr(line, '\n') == NULL &&
	    strstr(line, "with space\\x0a") != NULL,
	    "trace line names the message and escapes control bytes: %s", line);
	p9_format(line, 16, &m);
	tap_ok(strlen(line) < 16, "trace line respects its buffer");
}

int
main(void)
{
	round_trips();
	oversized();
	dirents();
	format();
	return tap_done();
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9fuzz: libFuzzer target for the 9P codec and server (configure
 * --enable-fuzz, clang).  The first input byte picks the mode:
 *
 *  even: decode the rest as one message, with the size field forced to
 *        the length; a message that decodes must encode back to exactly
 *        the same bytes.
 *  odd:  a request stream, after a valid Tversion and Tattach, served by
 *        a fresh connection on a scratch export (canary file outside, a
 *        symlink out, a FIFO); every reply must decode, be smaller than
 *        msize, and never carry the canary; the connection must end with
 *        no fid left once freed.  With bit 1 set too, under an export
 *        policy (the root read-only, dir/ writable, dir/secret hidden):
 *        the hidden file's canary never leaves either.
 *
 * Aborts on a broken invariant.  Run: t/p9fuzz -max_total_time=60 CORPUS
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "export.h"
#include "p9.h"
#include "p9srv.h"

#define CANARY	"CANARY-p9fuzz-3c1e"
#define HIDDEN	"CANARY-p9fuzz-hidden-77d0"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int rootfd = -1;
static struct export *policy;
static char base[] = "/tmp/p9fuzz.XXXXXX";

static void
remove_export(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		return;
}

static void
make_export(void)
{
	char p[256];
	int fd;

	if (mkdtemp(base) == NULL)
		abort();
	atexit(remove_export);
	snprintf(p, sizeof(p), "%s/canary", base);
	if ((fd = open(p, O_WRONLY | O_CREAT, 0644)) < 0 ||
	    write(fd, CANARY, strlen(CANARY)) < 0)
		abort();
	close(fd);
	snprintf(p, sizeof(p), "%s/exp", base);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/exp/file", base);
	if ((fd = open(p, O_WRONLY | O_CREAT, 0644)) < 0 ||
	    write(fd, "hello\n", 6) < 0)
		abort();
	close(fd);
	snprintf(p, sizeof(p), "%s/exp/dir", base);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/exp/dir/secret", base);
	if ((fd = open(p, O_WRONLY | O_CREAT, 0600)) < 0 ||
	    write(fd, HIDDEN, strlen(HIDDEN)) < 0)
		abort();
	close(fd);
	snprintf(p, sizeof(p), "%s/exp/fifo", base);
	mkfifo(p, 0644);
	snprintf(p, sizeof(p), "%s/exp/out", base);
	if (symlink("../canary", p) != 0)
		abort();
	snprintf(p, sizeof(p), "%s/exp", base);
	if ((rootfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		abort();
	if ((policy = export_new(rootfd)) == NULL ||
	    export_add_tree(policy, "", EXPORT_RO) != 0 ||
	    export_add_tree(policy, "dir", EXPORT_RW) != 0 ||
	    export_hide(policy, "dir/secret") != 0)
		abort();
}

static void
fuzz_decode(const uint8_t *d, size_t n)
{
	struct p9_msg m;
	struct buf b;
	uint8_t *copy;

	if (n < P9_HDRSZ)
		return;
	copy = malloc(n);
	memcpy(copy, d, n);
	le_put32(copy, (uint32_t)n);
	if (p9_decode(copy, n, &m) == 0) {
		buf_init(&b, n + 1);
		if (p9_encode(&b, &m) != 0 || buf_len(&b) != n ||
		    memcmp(buf_ptr(&b), copy, n) != 0)
			abort();
		buf_free(&b);
	}
	free(copy);
}

static void
fuzz_server(const uint8_t *d, size_t n, int with_policy)
{
	struct p9srv_conf conf = { .max_msize = 65536 };
	struct p9_msg m;
	struct p9conn *c;
	struct buf in, out;
	uint32_t sz;
	size_t before;

	if (rootfd < 0)
		make_export();
	conf.rootfd = rootfd;
	if (with_policy)
		conf.export = policy;
	if ((c = p9conn_new(&conf)) == NULL)
		abort();
	buf_init(&in, 1 << 20);
	buf_init(&out, 2 * 65536);
	memset(&m, 0, sizeof(m));
	m.type = P9_TVERSION;
	m.tag = P9_NOTAG;
	m.u.version.msize = 65536;
	m.u.version.version.s = P9_VERSION_L;
	m.u.version.version.len = 8;
	p9_encode(&in, &m);
	memset(&m, 0, sizeof(m));
	m.type = P9_TATTACH;
	m.u.attach.afid = P9_NOFID;
	p9_encode(&in, &m);
	buf_put(&in, d, n);
	for (;;) {
		before = buf_len(&in);
		if (p9conn_process(c, &in, &out) < 0)
			break;
		while (buf_len(&out) >= 4) {
			sz = le_get32(buf_ptr(&out));
			if (sz > buf_len(&out) || sz >= p9conn_msize(c) + 1 ||
			    p9_decode(buf_ptr(&out), sz, &m) != 0 ||
			    memmem(buf_ptr(&out), sz, CANARY, strlen(CANARY)) ||
			    (with_policy &&
			    memmem(buf_ptr(&out), sz, HIDDEN, strlen(HIDDEN))))
				abort();
			buf_consume(&out, sz);
		}
		if (buf_len(&in) == 0 || buf_len(&in) == before)
			break;
	}
	p9conn_free(c);
	buf_free(&in);
	buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n == 0)
		return 0;
	if (d[0] & 1)
		fuzz_server(d + 1, n - 1, (d[0] & 2) != 0);
	else
		fuzz_decode(d + 1, n - 1);
	return 0;
}

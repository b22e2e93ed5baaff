/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9opts: the one place the 9p mount option string is written.
 *
 * Every key is ours; the only values that come from outside are numbers
 * we formatted and the uname, which must be a plain token: a ',' or '='
 * in it could otherwise add keys such as access=any or dfltuid=0
 * (security.md S07, the u-root "uname=%v" construction).  The caller can
 * never set trans, rfdno, wfdno, access, dfltuid/dfltgid or debug.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nsexec.h"

int
opt_token_check(const char *s, size_t max)
{
	size_t n, i;

	if (s == NULL || (n = strlen(s)) == 0 || n > max)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
		    c == '@' || c == '$' || c == '+'))
			return -EINVAL;
	}
	return 0;
}

int
p9_opts_build(const struct p9_mount_opts *o, char *buf, size_t sz)
{
	char access[32];
	int n;

	if (o->fd < 0 || o->msize < NSEXEC_MSIZE_MIN || o->msize > NSEXEC_MSIZE_MAX ||
	    o->step >= P9_OPTS_STEPS)
		return -EINVAL;
	if (o->uname != NULL && opt_token_check(o->uname, NSEXEC_UNAME_MAX) < 0)
		return -EINVAL;
	/*
	 * access=<uid>: only the login's uid may use the mount (the kernel
	 * returns EPERM to anyone else), so even a process of another user
	 * that reached it through /proc/PID/root gets nothing.  A root
	 * login uses access=client, as u-root does: permissions are checked
	 * locally against the modes and owners the client serves, so root
	 * in the session can still switch users and behave as on a local
	 * filesystem.  Either way every operation is done on the client
	 * with the client user's own credentials.
	 */
	if (o->root)
		snprintf(access, sizeof(access), "client");
	else
		snprintf(access, sizeof(access), "%u", (unsigned)o->uid);
	/*
	 * cache=none for the coherent mount (the user's home and cwd see the
	 * client's changes at the next read); cache=loose for the read-mostly
	 * trees (/usr, /lib, ...) where exec speed matters more.  noxattr
	 * saves a round trip per exec and per ls -l: xattrs (and so file
	 * capabilities and ACLs) from the client mean nothing here; it is
	 * the optional key (step 0 only), since a kernel that lacks it may
	 * refuse the whole mount.
	 *
	 * No cached mode is coherent on any kernel we know (6.1 to 6.12):
	 * with cache=0x2 (CACHE_META, 6.6 and later) stat answers from the
	 * inode and a dentry is revalidated only after a change made through
	 * this mount, so a change on the client stays unseen until the dentry
	 * is evicted (doc/nsexec.md "Cache modes by kernel").  So cache=none
	 * stays the coherent mount's mode on every kernel.
	 *
	 * ignoreqv (step 0, cached mount only): from 6.6 on v9fs reads a
	 * file whose qid.version is 0 (ours always is) around the page
	 * cache, so without it cache=loose kept no data and every warm exec
	 * read the binary and its libraries again; 6.1 ignores the key.
	 */
	n = snprintf(buf, sz,
	    "trans=fd,rfdno=%d,wfdno=%d,version=9p2000.L,msize=%u,"
	    "cache=%s,access=%s%s%s%s%s",
	    o->fd, o->fd, o->msize, o->cached ? "loose" : "none", access,
	    o->step == 0 ? ",noxattr" : "",
	    o->step == 0 && o->cached ? ",ignoreqv" : "",
	    o->uname ? ",uname=" : "", o->uname ? o->uname : "");
	if (n < 0 || (size_t)n >= sz)
		return -ENAMETOOLONG;
	return 0;
}

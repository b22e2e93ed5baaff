/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nspath: what a path handed to nsexec must look like, and where nothing
 * may be mounted.
 *
 * Paths are checked twice: syntactically here before any action (only
 * canonical absolute paths, so "/tmp/cpu/../../etc" can never be
 * reinterpreted), and again with target_check() on the path the kernel
 * actually resolved (readlink of /proc/self/fd/N), so a symlink cannot
 * steer a mount onto a refused place.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "nsexec.h"

int
path_check(const char *p, const char **why)
{
	size_t len, comp = 0;
	const char *s;

	*why = NULL;
	if (p == NULL || p[0] != '/') {
		*why = "not an absolute path";
		return -EINVAL;
	}
	len = strlen(p);
	if (len > NSEXEC_PATH_MAX) {
		*why = "path too long";
		return -ENAMETOOLONG;
	}
	if (len == 1)
		return 0;
	if (p[len - 1] == '/') {
		*why = "trailing '/'";
		return -EINVAL;
	}
	for (s = p; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f) {
			*why = "control character in path";
			return -EINVAL;
		}
		if (c != '/') {
			if (++comp > NSEXEC_NAME_MAX) {
				*why = "path component too long";
				return -ENAMETOOLONG;
			}
			continue;
		}
		/* s is a '/': look at the component that follows it. */
		comp = 0;
		if (s[1] == '/') {
			*why = "empty path component";
			return -EINVAL;
		}
		if (s[1] == '.' && (s[2] == '/' || s[2] == '\0')) {
			*why = "'.' path component";
			return -EINVAL;
		}
		if (s[1] == '.' && s[2] == '.' && (s[3] == '/' || s[3] == '\0')) {
			*why = "'..' path component";
			return -EINVAL;
		}
	}
	return 0;
}

int
path_under(const char *p, const char *prefix)
{
	size_t n = strlen(prefix);

	if (n == 1 && prefix[0] == '/')
		return p[0] == '/';
	return strncmp(p, prefix, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* Mounting over these would hide what the system and the session rely on
 * (runc's mount destination validation, security.md S04). */
static const char *const refused_exact[] = { "/", "/proc", "/sys", "/dev" };
/* Never anything beneath these, for binds and non-root fstab entries: the
 * kernel's own views, where a bind could confuse a privileged reader. */
static const char *const refused_under[] = { "/proc", "/sys", "/dev" };

int
target_check(const char *p, const char *tmp, int strict, const char **why)
{
	char buf[NSEXEC_PATH_MAX + 16];
	size_t i;

	*why = NULL;
	for (i = 0; i < sizeof(refused_exact) / sizeof(refused_exact[0]); i++)
		if (strcmp(p, refused_exact[i]) == 0) {
			*why = "mounting over it is refused";
			return -EPERM;
		}
	if (strict)
		for (i = 0; i < sizeof(refused_under) / sizeof(refused_under[0]); i++)
			if (path_under(p, refused_under[i])) {
				*why = "mounting beneath /proc, /sys or /dev is refused";
				return -EPERM;
			}
	if (tmp == NULL)
		return 0;
	/* The session's own scaffolding: the tmp mount point, the 9P mount
	 * and (strict) everything in it, and the remote's root at TMP/local. */
	if (strcmp(p, tmp) == 0) {
		*why = "it is the session's tmp mount point";
		return -EPERM;
	}
	if (strlen(tmp) + 16 > sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, tmp);
	strcat(buf, strcmp(tmp, "/") == 0 ? "cpu" : "/cpu");
	if (strict ? path_under(p, buf) : strcmp(p, buf) == 0) {
		/* Root may build a chroot under it (proc on TMP/cpu/proc). */
		*why = "it is inside the session's 9P mount";
		return -EPERM;
	}
	strcpy(buf, tmp);
	strcat(buf, strcmp(tmp, "/") == 0 ? "local" : "/local");
	if (strcmp(p, buf) == 0) {
		*why = "it is the session's view of the remote root";
		return -EPERM;
	}
	return 0;
}

int
pathlist_count(const char *text, const char *what, size_t *n, char *err,
    size_t errsz)
{
	size_t len = strlen(text), i;

	*n = 0;
	if (len > NSEXEC_SPEC_MAX) {
		snprintf(err, errsz, "%s too long (%zu > %u bytes)", what, len,
		    NSEXEC_SPEC_MAX);
		return -EMSGSIZE;
	}
	if (len == 0)
		return 0;
	for (*n = 1, i = 0; i < len; i++)
		*n += text[i] == ':';
	if (*n > NSEXEC_SPEC_ENTRIES) {
		snprintf(err, errsz, "%s has %zu entries (limit %d)", what, *n,
		    NSEXEC_SPEC_ENTRIES);
		return -E2BIG;
	}
	return 0;
}

/* Escape untrusted text for a message.  A few rotating buffers so that
 * one message can show a source and a target. */
const char *
esc(const char *s)
{
	static char bufs[4][512];
	static unsigned next;
	char *b = bufs[next++ % 4];

	if (s == NULL)
		return "(null)";
	return log_escape(b, sizeof(bufs[0]), s, strlen(s));
}

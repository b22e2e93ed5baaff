/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fstab: the session's extra mounts, in fstab(5) text.
 *
 *   source  target  type  options  [freq  [passno]]
 *
 * Blank lines and '#' comments are skipped; fields may use fstab(5)
 * octal escapes (\040 for a space).  Unlike u-root, a line with too few
 * fields is an error, not silently ignored.
 *
 * The policy is an allow-list decided here, before anything is mounted
 * (security.md S06).  A non-root login may only ask for what an
 * unprivileged user+mount namespace could give it: binds of paths it can
 * open and tmpfs with a size cap; every such mount gets MS_NOSUID|MS_NODEV
 * and propagation changes are refused.  9p is never an fstab type for
 * them: the only 9P mount is the one on cpu's own connection (-9).  A root
 * login may mount any type (virtiofs in the article), but remount and
 * move are refused for everyone: they act on existing mounts, which a
 * session's fstab has no business doing.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "log.h"
#include "nsexec.h"

#define DATA_MAX	4000	/* the kernel copies at most a page of data */

void
fstab_free(struct fstab *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->v[i].source);
		free(f->v[i].target);
		free(f->v[i].type);
		free(f->v[i].data);
	}
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

/* Decode fstab(5) \NNN octal escapes in place; a decoded NUL, newline or
 * control byte is refused. */
static int
unescape(char *s)
{
	char *r = s, *w = s;

	while (*r != '\0') {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' &&
		    r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
			int c = (r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0');

			if (c < 0x20 || c == 0x7f)
				return -EINVAL;
			*w++ = (char)c;
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return 0;
}

enum optkind {
	OPT_FLAG,	/* set flag */
	OPT_NOFLAG,	/* clear flag */
	OPT_BIND,
	OPT_RBIND,
	OPT_REC,
	OPT_PROP,	/* propagation: root only */
	OPT_USERSPACE,	/* mount(8)-only words: ignored */
	OPT_UNSAFE,	/* clears nosuid/nodev: root only */
	OPT_NEVER,	/* refused for everyone */
};

static const struct {
	const char	*name;
	enum optkind	 kind;
	unsigned long	 flag;
} words[] = {
	{ "defaults",	OPT_USERSPACE,	0 },
	{ "rw",		OPT_NOFLAG,	MS_RDONLY },
	{ "ro",		OPT_FLAG,	MS_RDONLY },
	{ "nosuid",	OPT_FLAG,	MS_NOSUID },
	{ "suid",	OPT_UNSAFE,	MS_NOSUID },
	{ "nodev",	OPT_FLAG,	MS_NODEV },
	{ "dev",	OPT_UNSAFE,	MS_NODEV },
	{ "noexec",	OPT_FLAG,	MS_NOEXEC },
	{ "exec",	OPT_NOFLAG,	MS_NOEXEC },
	{ "sync",	OPT_FLAG,	MS_SYNCHRONOUS },
	{ "async",	OPT_NOFLAG,	MS_SYNCHRONOUS },
	{ "dirsync",	OPT_FLAG,	MS_DIRSYNC },
	{ "noatime",	OPT_FLAG,	MS_NOATIME },
	{ "atime",	OPT_NOFLAG,	MS_NOATIME },
	{ "nodiratime",	OPT_FLAG,	MS_NODIRATIME },
	{ "diratime",	OPT_NOFLAG,	MS_NODIRATIME },
	{ "relatime",	OPT_FLAG,	MS_RELATIME },
	{ "norelatime",	OPT_NOFLAG,	MS_RELATIME },
	{ "strictatime", OPT_FLAG,	MS_STRICTATIME },
	{ "lazytime",	OPT_FLAG,	MS_LAZYTIME },
	{ "bind",	OPT_BIND,	0 },
	{ "rbind",	OPT_RBIND,	0 },
	{ "rec",	OPT_REC,	0 },
	{ "shared",	OPT_PROP,	MS_SHARED },
	{ "rshared",	OPT_PROP,	MS_SHARED | MS_REC },
	{ "slave",	OPT_PROP,	MS_SLAVE },
	{ "rslave",	OPT_PROP,	MS_SLAVE | MS_REC },
	{ "private",	OPT_PROP,	MS_PRIVATE },
	{ "rprivate",	OPT_PROP,	MS_PRIVATE | MS_REC },
	{ "unbindable",	OPT_PROP,	MS_UNBINDABLE },
	{ "runbindable", OPT_PROP,	MS_UNBINDABLE | MS_REC },
	{ "remount",	OPT_NEVER,	0 },
	{ "move",	OPT_NEVER,	0 },
	{ "rmove",	OPT_NEVER,	0 },
	{ "auto",	OPT_USERSPACE,	0 },
	{ "noauto",	OPT_USERSPACE,	0 },
	{ "user",	OPT_USERSPACE,	0 },
	{ "users",	OPT_USERSPACE,	0 },
	{ "nouser",	OPT_USERSPACE,	0 },
	{ "owner",	OPT_USERSPACE,	0 },
	{ "group",	OPT_USERSPACE,	0 },
	{ "nofail",	OPT_USERSPACE,	0 },
	{ "_netdev",	OPT_USERSPACE,	0 },
	{ "blkio",	OPT_USERSPACE,	0 },
};

/* Characters allowed in a filesystem type name (fuse.sshfs, ext4, ...). */
static int
type_ok(const char *t)
{
	size_t n = strlen(t), i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		char c = t[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-' || c == '+'))
			return 0;
	}
	return 1;
}

/* "123", "64k", "10M", "1g" (bytes) or "25%" (of RAM); what the kernel's
 * tmpfs accepts, restricted to what we can bound. */
static int
parse_size(const char *s, unsigned long long *bytes, unsigned *pct)
{
	unsigned long long v = 0;
	const char *p = s;

	*bytes = 0;
	*pct = 0;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (~0ULL >> 4))
			return -ERANGE;
		v = v * 10 + (unsigned)(*p - '0');
	}
	switch (*p) {
	case '\0':
		break;
	case 'k': case 'K':
		v <<= 10;
		p++;
		break;
	case 'm': case 'M':
		v <<= 20;
		p++;
		break;
	case 'g': case 'G':
		if (v > (~0ULL >> 31))
			return -ERANGE;
		v <<= 30;
		p++;
		break;
	case '%':
		if (v > 100)
			return -ERANGE;
		*pct = (unsigned)v;
		p++;
		if (*p != '\0')
			return -EINVAL;
		return 1;
	default:
		return -EINVAL;
	}
	if (*p != '\0')
		return -EINVAL;
	*bytes = v;
	return 0;
}

/* The tmpfs options a non-root login may give: size (capped), nr_inodes
 * (capped), mode (no set-id bits).  uid=, gid=, huge=, mpol= are not
 * needed by a session and stay out. */
static int
tmpfs_data_ok(const char *tok, const struct fstab_policy *pol, int *has_size,
    const char **why)
{
	unsigned long long v;
	unsigned pct;
	int rc;

	if (strncmp(tok, "size=", 5) == 0) {
		*has_size = 1;
		if ((rc = parse_size(tok + 5, &v, &pct)) < 0) {
			*why = "bad size";
			return -EINVAL;
		}
		if (rc == 1 ? (pct == 0 || pct > NSEXEC_TMPFS_PCT) :
		    (v == 0 || v > pol->tmpfs_max)) {
			*why = "size above the cap (half of RAM)";
			return -EPERM;
		}
		return 0;
	}
	if (strncmp(tok, "nr_inodes=", 10) == 0) {
		if (parse_size(tok + 10, &v, &pct) != 0 || v == 0 || v > (1ULL << 20)) {
			*why = "nr_inodes must be 1..1m";
			return -EPERM;
		}
		return 0;
	}
	if (strncmp(tok, "mode=", 5) == 0) {
		const char *p = tok + 5;
		unsigned long m = 0;

		if (*p == '\0' || strlen(p) > 5)
			goto badmode;
		for (; *p != '\0'; p++) {
			if (*p < '0' || *p > '7')
				goto badmode;
			m = m * 8 + (unsigned)(*p - '0');
		}
		if (m > 01777)
			goto badmode;
		return 0;
badmode:
		*why = "mode must be octal without set-id bits (at most 1777)";
		return -EPERM;
	}
	*why = "option not permitted";
	return -EPERM;
}

static int
append_data(char *data, size_t sz, const char *tok)
{
	size_t have = strlen(data), n = strlen(tok);

	if (have + (have ? 1 : 0) + n + 1 > sz)
		return -E2BIG;
	if (have)
		data[have++] = ',';
	memcpy(data + have, tok, n + 1);
	return 0;
}

/* Apply the option field to e.  Data tokens are collected in data. */
static int
parse_options(char *opts, struct fstab_ent *e, const struct fstab_policy *pol,
    char *data, size_t datasz, char *err, size_t errsz)
{
	char *tok, *save = NULL;
	int bind = 0, has_size = 0, rc;
	size_t i;
	const char *why;

	for (tok = strtok_r(opts, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (strcmp(tok, words[i].name) == 0)
				break;
		if (i == sizeof(words) / sizeof(words[0])) {
			if (strncmp(tok, "x-", 2) == 0 || strncmp(tok, "comment=", 8) == 0)
				continue;	/* userspace annotations */
			/* A filesystem option: goes to the data string. */
			if (!pol->root && e->kind == FSTAB_TMPFS &&
			    (rc = tmpfs_data_ok(tok, pol, &has_size, &why)) < 0) {
				snprintf(err, errsz, "fstab line %d: tmpfs option '%s': %s",
				    e->line, esc(tok), why);
				return rc;
			}
			if (!pol->root && e->kind != FSTAB_TMPFS) {
				snprintf(err, errsz, "fstab line %d: option '%s' not permitted",
				    e->line, esc(tok));
				return -EPERM;
			}
			if (strncmp(tok, "size=", 5) == 0)
				has_size = 1;
			if (append_data(data, datasz, tok) < 0) {
				snprintf(err, errsz, "fstab line %d: options too long", e->line);
				return -E2BIG;
			}
			continue;
		}
		switch (words[i].kind) {
		case OPT_FLAG:
			e->flags |= words[i].flag;
			break;
		case OPT_NOFLAG:
			e->flags &= ~words[i].flag;
			break;
		case OPT_BIND:
			bind = 1;
			break;
		case OPT_RBIND:
			bind = 1;
			e->recursive = 1;
			break;
		case OPT_REC:
			e->recursive = 1;
			break;
		case OPT_USERSPACE:
			break;
		case OPT_PROP:
			if (!pol->root)
				goto refused;
			e->propagation = words[i].flag;
			break;
		case OPT_UNSAFE:
			if (!pol->root)
				goto refused;
			e->flags &= ~words[i].flag;
			break;
		case OPT_NEVER:
			goto refused;
		}
		continue;
refused:
		snprintf(err, errsz, "fstab line %d: option '%s' not permitted",
		    e->line, tok);
		return -EPERM;
	}
	if (bind)
		e->kind = FSTAB_BIND;
	if (e->kind == FSTAB_BIND && data[0] != '\0') {
		snprintf(err, errsz, "fstab line %d: a bind takes no filesystem options ('%s')",
		    e->line, esc(data));
		return -EINVAL;
	}
	if (e->kind == FSTAB_TMPFS && !has_size && !pol->root) {
		char def[32];

		snprintf(def, sizeof(def), "size=%d%%", NSEXEC_TMPFS_PCT);
		if (append_data(data, datasz, def) < 0)
			return -E2BIG;
	}
	if (!pol->root)
		e->flags |= MS_NOSUID | MS_NODEV;
	return 0;
}

/* Source of a tmpfs (a label shown in /proc/mounts): one plain word. */
static int
label_ok(const char *s)
{
	return opt_token_check(s, 64) == 0;
}

static int
parse_line(char *line, int lineno, const struct fstab_policy *pol,
    struct fstab_ent *e, char *err, size_t errsz)
{
	char *field[7], *save = NULL, *tok;
	char data[DATA_MAX + 1] = "";
	const char *why;
	int nf = 0, rc, i;

	memset(e, 0, sizeof(*e));
	e->line = lineno;
	for (tok = strtok_r(line, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (nf == 6) {
			snprintf(err, errsz, "fstab line %d: more than 6 fields", lineno);
			return -EINVAL;
		}
		field[nf++] = tok;
	}
	if (nf < 3) {
		snprintf(err, errsz, "fstab line %d: expected 'source target type "
		    "[options [freq [passno]]]'", lineno);
		return -EINVAL;
	}
	for (i = 0; i < nf; i++)
		if (unescape(field[i]) < 0) {
			snprintf(err, errsz, "fstab line %d: control character in field %d",
			    lineno, i + 1);
			return -EINVAL;
		}
	for (i = 4; i < nf; i++) {
		const char *p = field[i];

		for (; *p >= '0' && *p <= '9'; p++)
			;
		if (*p != '\0' || p == field[i]) {
			snprintf(err, errsz, "fstab line %d: field %d is not a number",
			    lineno, i + 1);
			return -EINVAL;
		}
	}
	if (strcmp(field[2], "swap") == 0) {
		snprintf(err, errsz, "fstab line %d: swap is not a mount", lineno);
		return -EPERM;
	}
	if ((rc = path_check(field[1], &why)) < 0) {
		snprintf(err, errsz, "fstab line %d: target %s: %s", lineno,
		    esc(field[1]), why);
		return rc;
	}
	if ((rc = target_check(field[1], pol->tmp, !pol->root, &why)) < 0) {
		snprintf(err, errsz, "fstab line %d: target %s: %s", lineno,
		    esc(field[1]), why);
		return rc;
	}
	if (!type_ok(field[2])) {
		snprintf(err, errsz, "fstab line %d: bad filesystem type '%s'",
		    lineno, esc(field[2]));
		return -EINVAL;
	}
	if (strcmp(field[2], "tmpfs") == 0)
		e->kind = FSTAB_TMPFS;
	else if (strcmp(field[2], "bind") == 0 || strcmp(field[2], "rbind") == 0) {
		e->kind = FSTAB_BIND;
		e->recursive = field[2][0] == 'r';
	} else
		e->kind = FSTAB_OTHER;
	/* "none" is the type of a bind ("none /x none bind"). */
	if (!pol->root && e->kind == FSTAB_OTHER && strcmp(field[2], "none") != 0)
		goto type_refused;
	if (nf > 3 && (rc = parse_options(field[3], e, pol, data, sizeof(data),
	    err, errsz)) < 0)
		return rc;
	if (nf == 3 && !pol->root && e->kind == FSTAB_TMPFS)
		snprintf(data, sizeof(data), "size=%d%%", NSEXEC_TMPFS_PCT);
	if (nf == 3 && !pol->root)
		e->flags |= MS_NOSUID | MS_NODEV;
	if (!pol->root && e->kind == FSTAB_OTHER) {
type_refused:
		snprintf(err, errsz, "fstab line %d: type '%s' not permitted%s",
		    lineno, field[2], strcmp(field[2], "9p") == 0 ?
		    " (the 9P mount comes only from cpu's own connection)" :
		    " (a non-root login may use bind and tmpfs)");
		return -EPERM;
	}
	if (e->kind == FSTAB_BIND) {
		if ((rc = path_check(field[0], &why)) < 0) {
			snprintf(err, errsz, "fstab line %d: bind source %s: %s",
			    lineno, esc(field[0]), why);
			return rc;
		}
	} else if (!pol->root && !label_ok(field[0])) {
		snprintf(err, errsz, "fstab line %d: source '%s' must be a plain name",
		    lineno, esc(field[0]));
		return -EINVAL;
	}
	if (e->recursive && e->kind != FSTAB_BIND) {
		snprintf(err, errsz, "fstab line %d: 'rec' only applies to binds", lineno);
		return -EINVAL;
	}
	e->source = strdup(field[0]);
	e->target = strdup(field[1]);
	e->type = strdup(e->kind == FSTAB_BIND ? "none" : field[2]);
	e->data = strdup(data);
	if (!e->source || !e->target || !e->type || !e->data)
		return -ENOMEM;
	return 0;
}

int
fstab_parse(const char *text, size_t len, const struct fstab_policy *pol,
    struct fstab *out, char *err, size_t errsz)
{
	char *copy, *line, *next;
	size_t cap = 0;
	int lineno = 0, rc = 0;

	out->v = NULL;
	out->n = 0;
	err[0] = '\0';
	if (len > NSEXEC_FSTAB_MAX) {
		snprintf(err, errsz, "fstab too long (%zu > %u bytes)", len, NSEXEC_FSTAB_MAX);
		return -EMSGSIZE;
	}
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errsz, "fstab contains a NUL byte");
		return -EINVAL;
	}
	if ((copy = strndup(text, len)) == NULL)
		return -ENOMEM;
	for (line = copy; line != NULL; line = next) {
		char *p;
		size_t l;

		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		l = strlen(line);
		if (l > 0 && line[l - 1] == '\r')
			line[--l] = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '\0' || *p == '#')
			continue;
		for (; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 && *p != '\t') {
				snprintf(err, errsz, "fstab line %d: control character",
				    lineno);
				rc = -EINVAL;
				goto out;
			}
		if (out->n == NSEXEC_FSTAB_LINES) {
			snprintf(err, errsz, "fstab has more than %d entries",
			    NSEXEC_FSTAB_LINES);
			rc = -E2BIG;
			goto out;
		}
		if (out->n == cap) {
			struct fstab_ent *v;

			cap = cap ? cap * 2 : 8;
			if ((v = realloc(out->v, cap * sizeof(*v))) == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			out->v = v;
		}
		rc = parse_line(line, lineno, pol, &out->v[out->n], err, errsz);
		out->n++;	/* partially filled entries are freed too */
		if (rc < 0)
			goto out;
	}
out:
	free(copy);
	if (rc < 0)
		fstab_free(out);
	return rc;
}

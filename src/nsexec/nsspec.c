/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nsspec: the u-root namespace spec, "remote[=local](:remote[=local])*".
 *
 * remote is the mount point on this host; local is a path under the
 * client's 9P export (so /bin=/arm/bin binds TMP/cpu/arm/bin on /bin).
 * Each entry is split on its first '=' as u-root does, so '=' may appear
 * in local but never in remote.  Everything else that u-root would
 * silently "clean" is an error naming the entry: empty entries ("a::b",
 * leading or trailing ':'), empty sides, relative or non-canonical paths.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "nsexec.h"

void
nsspec_free(struct ns_spec *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].remote);
		free(s->v[i].local);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static void
entry_error(char *err, size_t errsz, size_t idx, const char *ent, size_t len,
    const char *why)
{
	char e[160];

	log_escape(e, sizeof(e), ent, len);
	snprintf(err, errsz, "namespace entry %zu \"%s\": %s", idx + 1, e, why);
}

static int
parse_entry(const char *ent, size_t len, size_t idx, struct ns_bind *b,
    char *err, size_t errsz)
{
	const char *eq = memchr(ent, '=', len);
	const char *why;
	int rc;

	if (len == 0) {
		entry_error(err, errsz, idx, ent, len, "empty entry");
		return -EINVAL;
	}
	if (eq == ent || (eq != NULL && eq == ent + len - 1)) {
		entry_error(err, errsz, idx, ent, len, "empty side of '='");
		return -EINVAL;
	}
	b->remote = strndup(ent, eq ? (size_t)(eq - ent) : len);
	b->local = eq ? strndup(eq + 1, len - (size_t)(eq - ent) - 1) : strndup(ent, len);
	if (b->remote == NULL || b->local == NULL)
		return -ENOMEM;
	if ((rc = path_check(b->remote, &why)) < 0) {
		entry_error(err, errsz, idx, ent, len, why);
		return rc;
	}
	if ((rc = path_check(b->local, &why)) < 0) {
		entry_error(err, errsz, idx, ent, len, why);
		return rc;
	}
	return 0;
}

int
nsspec_parse(const char *text, struct ns_spec *out, char *err, size_t errsz)
{
	size_t len = strlen(text), n, i, start;
	int rc;

	out->v = NULL;
	out->n = 0;
	err[0] = '\0';
	if ((rc = pathlist_count(text, "namespace spec", &n, err, errsz)) < 0 ||
	    n == 0)
		return rc;
	if ((out->v = calloc(n, sizeof(*out->v))) == NULL)
		return -ENOMEM;
	for (start = 0, i = 0; i <= len; i++) {
		if (i < len && text[i] != ':')
			continue;
		rc = parse_entry(text + start, i - start, out->n, &out->v[out->n],
		    err, errsz);
		out->n++;	/* count it even on error so free releases it */
		if (rc < 0) {
			nsspec_free(out);
			return rc;
		}
		start = i + 1;
	}
	return 0;
}

int
nsspec_check(const struct ns_spec *s, const char *tmp, char *err, size_t errsz)
{
	const char *why;
	size_t i;
	int rc;

	for (i = 0; i < s->n; i++)
		if ((rc = target_check(s->v[i].remote, tmp, 1, &why)) < 0) {
			snprintf(err, errsz, "namespace entry %zu: target %s: %s",
			    i + 1, esc(s->v[i].remote), why);
			return rc;
		}
	return 0;
}

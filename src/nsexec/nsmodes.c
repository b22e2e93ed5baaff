/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nsmodes: the export's read-only and writable trees (-r, -w), so that
 * the binds of read-only trees are read-only in this kernel too: a
 * write fails with EROFS at once instead of after a round trip to the
 * client, whose 9P server refuses it anyway (it is the authority; this
 * is the remote kernel's view of the same policy).
 *
 * Each list is colon-separated canonical absolute paths in the export,
 * like the namespace's local sides.  The input comes from the remote
 * side's caller and is validated like the namespace spec.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsexec.h"

static void
list_free(struct ns_paths *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
nsmodes_free(struct ns_modes *m)
{
	list_free(&m->ro);
	list_free(&m->rw);
	m->given = 0;
}

static int
list_parse(const char *text, const char *what, struct ns_paths *out,
    char *err, size_t errsz)
{
	size_t len = strlen(text), n, i, start;
	char list[64];
	const char *why;
	int rc;

	out->v = NULL;
	out->n = 0;
	snprintf(list, sizeof(list), "%s list", what);
	if ((rc = pathlist_count(text, list, &n, err, errsz)) < 0 || n == 0)
		return rc;
	if ((out->v = calloc(n, sizeof(*out->v))) == NULL)
		return -ENOMEM;
	for (start = 0, i = 0; i <= len; i++) {
		if (i < len && text[i] != ':')
			continue;
		if ((out->v[out->n] = strndup(text + start, i - start)) == NULL) {
			list_free(out);
			return -ENOMEM;
		}
		if ((rc = path_check(out->v[out->n++], &why)) < 0) {
			snprintf(err, errsz, "%s entry %zu %s: %s", what, out->n,
			    esc(out->v[out->n - 1]), why);
			list_free(out);
			return rc;
		}
		start = i + 1;
	}
	return 0;
}

int
nsmodes_parse(const char *ro, const char *rw, struct ns_modes *m,
    char *err, size_t errsz)
{
	int rc;

	memset(m, 0, sizeof(*m));
	err[0] = '\0';
	if (ro == NULL && rw == NULL)
		return 0;
	if ((rc = list_parse(ro ? ro : "", "read-only (-r)", &m->ro, err, errsz)) < 0)
		return rc;
	if ((rc = list_parse(rw ? rw : "", "writable (-w)", &m->rw, err, errsz)) < 0) {
		nsmodes_free(m);
		return rc;
	}
	m->given = 1;
	return 0;
}

/* The length of the deepest entry of l at or above p, or -1. */
static long
deepest(const struct ns_paths *l, const char *p)
{
	long best = -1, len;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (path_under(p, l->v[i]) && (len = (long)strlen(l->v[i])) > best)
			best = len;
	return best;
}

int
nsmodes_readonly(const struct ns_modes *m, const char *local)
{
	size_t i;

	if (m == NULL || !m->given)
		return 0;
	/* The deepest tree at or above local decides; a directory above
	 * every tree is only the way to them, read-only on the client. */
	if (deepest(&m->rw, local) >= deepest(&m->ro, local) &&
	    deepest(&m->rw, local) >= 0)
		return 0;
	/* A writable tree at or beneath it would be covered by the bind. */
	for (i = 0; i < m->rw.n; i++)
		if (path_under(m->rw.v[i], local))
			return 0;
	return 1;
}

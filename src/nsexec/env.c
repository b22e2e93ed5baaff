/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * env: the command's environment, handed over as NUL-separated
 * "NAME=value" records on a descriptor.
 *
 * nsexec itself runs with an empty environment (clearenv at entry); this
 * vector is only installed for the final execvp, after every privilege is
 * gone, so nothing here can influence the privileged part.  Rules:
 * a record needs a non-empty NAME and an '='; a trailing NUL after the
 * last record is optional; an empty record is an error naming its index;
 * when a NAME repeats, the later record wins (as with repeated setenv);
 * cpu's own variables are dropped so that a nested cpu starts clean.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nsexec.h"

int
read_fd_bounded(int fd, size_t max, char **out, size_t *outlen)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1), *nb;
	ssize_t r;

	if (buf == NULL)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap > max) {
				free(buf);
				return -EMSGSIZE;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			free(buf);
			return -e;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > max) {
			free(buf);
			return -EMSGSIZE;
		}
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

/* Variables that belong to cpu, not to the user's command. */
int
env_is_internal(const char *name, size_t n)
{
	static const char *const names[] = {
		"CPU_FSTAB", "CPUNONCE", "CPU_NONCE", "CPU_NAMESPACE",
	};
	size_t i;

	if (n >= 10 && memcmp(name, "LC_GLENDA_", 10) == 0)
		return 1;	/* u-root's carriers, LC_GLENDA_CPU_FSTAB and co. */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0)
			return 1;
	return 0;
}

void
env_free(char **v)
{
	if (v == NULL)
		return;
	free(v[-1]);	/* the private copy of the records */
	free(v - 1);
}

struct rec {
	const char	*p;
	size_t		 namelen;
	size_t		 idx;
};

static int
rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	size_t n = x->namelen < y->namelen ? x->namelen : y->namelen;
	int c = memcmp(x->p, y->p, n);

	if (c != 0)
		return c;
	if (x->namelen != y->namelen)
		return x->namelen < y->namelen ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int
idx_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int
env_parse(const char *buf, size_t len, char ***out, char *err, size_t errsz)
{
	char *copy, **v;
	struct rec *r;
	size_t n = 0, kept, count = 0, i, start;

	*out = NULL;
	err[0] = '\0';
	if (len > NSEXEC_ENV_MAX) {
		snprintf(err, errsz, "environment too large (%zu > %u bytes)",
		    len, NSEXEC_ENV_MAX);
		return -EMSGSIZE;
	}
	if (len > 0 && buf[len - 1] == '\0')
		len--;		/* the optional terminator of the last record */
	if (len > 0)
		for (i = 0, count = 1; i < len; i++)
			count += buf[i] == '\0';
	if (count > NSEXEC_ENV_ENTRIES) {
		snprintf(err, errsz, "environment has %zu entries (limit %d)",
		    count, NSEXEC_ENV_ENTRIES);
		return -E2BIG;
	}
	/* v[0] holds the copy so env_free() can find it; callers see v + 1. */
	copy = malloc(len + 1);
	v = calloc(count + 2, sizeof(*v));
	r = calloc(count + 1, sizeof(*r));
	if (copy == NULL || v == NULL || r == NULL) {
		free(copy);
		free(v);
		free(r);
		return -ENOMEM;
	}
	memcpy(copy, buf, len);
	copy[len] = '\0';
	v[0] = copy;
	for (start = 0, i = 0; count > 0 && i <= len; i++) {
		const char *rec = copy + start, *eq;
		size_t reclen = i - start;

		if (i < len && copy[i] != '\0')
			continue;
		start = i + 1;
		eq = memchr(rec, '=', reclen);
		if (reclen == 0 || eq == NULL || eq == rec) {
			snprintf(err, errsz, "environment entry %zu: %s", n + 1,
			    reclen == 0 ? "empty" : eq == NULL ? "no '='" : "empty name");
			free(copy);
			free(v);
			free(r);
			return -EINVAL;
		}
		r[n].p = rec;
		r[n].namelen = (size_t)(eq - rec);
		r[n].idx = n;
		n++;
	}
	/* Later records replace earlier ones of the same name: sort by
	 * (name, position), keep the last of each run, restore the order. */
	qsort(r, n, sizeof(*r), rec_cmp);
	for (kept = 0, i = 0; i < n; i++) {
		if (i + 1 < n && r[i].namelen == r[i + 1].namelen &&
		    memcmp(r[i].p, r[i + 1].p, r[i].namelen) == 0)
			continue;	/* a later record of this name follows */
		if (env_is_internal(r[i].p, r[i].namelen))
			continue;
		r[kept++] = r[i];
	}
	qsort(r, kept, sizeof(*r), idx_cmp);
	for (i = 0; i < kept; i++)
		v[i + 1] = (char *)r[i].p;
	free(r);
	*out = v + 1;
	return 0;
}

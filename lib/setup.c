/* SPDX-License-Identifier: BSD-3-Clause */
/* setup: encode/decode the session setup record.  See setup.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "setup.h"

static int
put_s(struct buf *out, const char *s)
{
	s = s ? s : "";
	return buf_put_str32(out, s, strlen(s));
}

static int
put_list(struct buf *out, char *const *v, uint32_t n)
{
	uint32_t i;
	int r;

	if ((r = buf_put_u32(out, n)) != 0)
		return r;
	for (i = 0; i < n; i++)
		if ((r = put_s(out, v[i])) != 0)
			return r;
	return 0;
}

int
setup_encode(const struct cpu_setup *s, struct buf *out)
{
	int r;

	if ((r = buf_put_u32(out, s->flags)) != 0 ||
	    (r = buf_put_u32(out, s->msize)) != 0 ||
	    (r = buf_put_u8(out, s->n9p)) != 0 ||
	    (r = buf_put_u16(out, s->rows)) != 0 ||
	    (r = buf_put_u16(out, s->cols)) != 0 ||
	    (r = buf_put_u16(out, s->xpix)) != 0 ||
	    (r = buf_put_u16(out, s->ypix)) != 0 ||
	    (r = put_s(out, s->term)) != 0 ||
	    (r = put_s(out, s->cwd)) != 0 ||
	    (r = put_s(out, s->ns)) != 0 ||
	    (r = put_s(out, s->fstab)) != 0 ||
	    (r = put_s(out, s->tmpmnt)) != 0 ||
	    (r = put_s(out, s->user)) != 0 ||
	    (r = put_s(out, s->cache)) != 0 ||
	    (r = put_list(out, s->argv, s->argc)) != 0 ||
	    (r = put_list(out, s->env, s->envc)) != 0)
		return r;
	if ((s->flags & SETUP_EXPORT) &&
	    ((r = put_s(out, s->ro)) != 0 || (r = put_s(out, s->rw)) != 0))
		return r;
	return 0;
}

static char **
get_list(struct rd *rd, uint32_t *np, uint32_t maxn)
{
	uint32_t i, n = rd_u32(rd);
	char **v;

	*np = 0;
	if (rd->err)
		return NULL;
	/* Each entry takes at least 4 bytes: refuse counts the body can't hold. */
	if (n > maxn || n > rd->left / 4) {
		rd_fail(rd, -EMSGSIZE);
		return NULL;
	}
	if ((v = calloc((size_t)n + 1, sizeof(*v))) == NULL) {
		rd_fail(rd, -ENOMEM);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if ((v[i] = rd_cstr32(rd, SETUP_MAX_STR)) == NULL) {
			while (i-- > 0)
				free(v[i]);
			free(v);
			return NULL;
		}
	}
	*np = n;
	return v;
}

int
setup_decode(struct rd *rd, struct cpu_setup *s)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->flags = rd_u32(rd);
	s->msize = rd_u32(rd);
	s->n9p = rd_u8(rd);
	s->rows = rd_u16(rd);
	s->cols = rd_u16(rd);
	s->xpix = rd_u16(rd);
	s->ypix = rd_u16(rd);
	s->term = rd_cstr32(rd, SETUP_MAX_NAME);
	s->cwd = rd_cstr32(rd, SETUP_MAX_PATH);
	s->ns = rd_cstr32(rd, SETUP_MAX_NS);
	s->fstab = rd_cstr32(rd, SETUP_MAX_FSTAB);
	s->tmpmnt = rd_cstr32(rd, SETUP_MAX_PATH);
	s->user = rd_cstr32(rd, SETUP_MAX_NAME);
	s->cache = rd_cstr32(rd, SETUP_MAX_NAME);
	s->argv = get_list(rd, &s->argc, SETUP_MAX_ARGC);
	s->env = get_list(rd, &s->envc, SETUP_MAX_ENVC);
	if (s->flags & SETUP_EXPORT) {
		s->ro = rd_cstr32(rd, SETUP_MAX_NS);
		s->rw = rd_cstr32(rd, SETUP_MAX_NS);
	}
	if ((r = rd_end(rd)) == 0) {
		if (s->flags & ~SETUP_FLAGS_ALL)
			r = -EINVAL;
		else if (s->n9p > 8 || (!(s->flags & SETUP_9P) && s->n9p != 0))
			r = -EINVAL;
	}
	if (r != 0)
		setup_free(s);
	return r;
}

static void
free_list(char **v, uint32_t n)
{
	uint32_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
setup_free(struct cpu_setup *s)
{
	free(s->term);
	free(s->cwd);
	free(s->ns);
	free(s->fstab);
	free(s->tmpmnt);
	free(s->user);
	free(s->cache);
	free(s->ro);
	free(s->rw);
	free_list(s->argv, s->argc);
	free_list(s->env, s->envc);
	memset(s, 0, sizeof(*s));
}

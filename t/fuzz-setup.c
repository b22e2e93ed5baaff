/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-setup: libFuzzer target for the setup record decoder, the library
 * half of fuzz_setup_decode (security.md section 4).  The input is a raw
 * setup record (a SETUP frame's body).
 *
 * Invariants (abort on violation):
 *  - no read outside the input (it is decoded from an exact-size copy);
 *  - a rejected record leaves the struct empty and returns one of the
 *    decoder's errors;
 *  - an accepted record respects every limit in setup.h, its lists are
 *    NULL-terminated, and encoding it again gives back exactly the input
 *    (the encoding is canonical, so exact consumption was enforced).
 *
 * Namespace spec and fstab contents are checked by nsexec's own parsers,
 * not here: to this decoder they are opaque bounded strings.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "setup.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { \
	fprintf(stderr, "fuzz-setup: %s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
	abort(); } } while (0)

static void
check_list(char **v, uint32_t n, uint32_t maxn)
{
	uint32_t i;

	CHECK(n <= maxn && v != NULL && v[n] == NULL);
	for (i = 0; i < n; i++)
		CHECK(v[i] != NULL && strlen(v[i]) <= SETUP_MAX_STR);
}

static void
check_accepted(const struct cpu_setup *s)
{
	CHECK((s->flags & ~SETUP_FLAGS_ALL) == 0);
	CHECK(s->n9p <= 8 && ((s->flags & SETUP_9P) || s->n9p == 0));
	CHECK(s->term && strlen(s->term) <= SETUP_MAX_NAME);
	CHECK(s->cwd && strlen(s->cwd) <= SETUP_MAX_PATH);
	CHECK(s->ns && strlen(s->ns) <= SETUP_MAX_NS);
	CHECK(s->fstab && strlen(s->fstab) <= SETUP_MAX_FSTAB);
	CHECK(s->tmpmnt && strlen(s->tmpmnt) <= SETUP_MAX_PATH);
	CHECK(s->user && strlen(s->user) <= SETUP_MAX_NAME);
	CHECK(s->cache && strlen(s->cache) <= SETUP_MAX_NAME);
	check_list(s->argv, s->argc, SETUP_MAX_ARGC);
	check_list(s->env, s->envc, SETUP_MAX_ENVC);
}

static void
check_empty(const struct cpu_setup *s)
{
	static const struct cpu_setup zero;

	CHECK(memcmp(s, &zero, sizeof(zero)) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpu_setup s;
	struct buf re;
	struct rd rd;
	uint8_t *copy;
	int r;

	copy = malloc(size ? size : 1);
	CHECK(copy != NULL);
	if (size)
		memcpy(copy, data, size);
	rd_init(&rd, copy, size);
	r = setup_decode(&rd, &s);
	if (r != 0) {
		CHECK(r == -EPROTO || r == -EMSGSIZE || r == -EINVAL);
		check_empty(&s);
	} else {
		check_accepted(&s);
		buf_init(&re, size);
		CHECK(setup_encode(&s, &re) == 0);
		CHECK(buf_len(&re) == size && memcmp(buf_ptr(&re), copy, size) == 0);
		buf_free(&re);
		setup_free(&s);
		check_empty(&s);
	}
	free(copy);
	return 0;
}

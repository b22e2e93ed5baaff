/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * unit-setup: the setup record codec (lib/setup.c), security cases S01
 * and S02 as far as the decoder goes: sizes and counts checked before
 * allocating, strings bounded and NUL-free, flags and n9p validated,
 * exact consumption.  (Environment shape -- "NAME=value", empty argv[0]
 * -- is cpu-subsystem's check_setup(), not the decoder's.)
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "frame.h"
#include "setup.h"
#include "unit.h"

#define TERM_OFF	17	/* u32 flags, u32 msize, u8 n9p, 4 x u16 */

enum { S_TERM, S_CWD, S_NS, S_FSTAB, S_TMPMNT, S_USER, S_CACHE, NSTR };
static const char *const str_name[NSTR] = {
	"term", "cwd", "namespace", "fstab", "tmpmnt", "user", "cache" };
static const size_t str_max[NSTR] = {
	SETUP_MAX_NAME, SETUP_MAX_PATH, SETUP_MAX_NS, SETUP_MAX_FSTAB,
	SETUP_MAX_PATH, SETUP_MAX_NAME, SETUP_MAX_NAME };

static char **
str_field(struct cpu_setup *s, int i)
{
	char **f[NSTR] = { &s->term, &s->cwd, &s->ns, &s->fstab, &s->tmpmnt,
	    &s->user, &s->cache };

	return f[i];
}

/* A small, typical record: the base that the tests below damage. */
static void
base(struct cpu_setup *s)
{
	static char *argv[] = { "/bin/echo", "ab", NULL };
	static char *env[] = { "HOME=/home/u", "X=a\nb", NULL };

	memset(s, 0, sizeof(*s));
	s->flags = SETUP_9P | SETUP_TTY;
	s->msize = 1 << 20;
	s->n9p = 1;
	s->rows = 24;
	s->cols = 80;
	s->xpix = 640;
	s->ypix = 480;
	s->term = "xterm-256color";
	s->cwd = "/home/u/src";
	s->ns = "/lib:/usr:/bin";
	s->fstab = "tmpfs /tmp tmpfs size=1m 0 0\n";
	s->tmpmnt = "/tmp";
	s->user = "u";
	s->cache = "loose";
	s->argc = 2;
	s->argv = argv;
	s->envc = 2;
	s->env = env;
}

static int
same_list(char **a, uint32_t na, char **b, uint32_t nb)
{
	uint32_t i;

	if (na != nb || a == NULL || b == NULL || a[na] != NULL || b[nb] != NULL)
		return 0;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

static int
same(const struct cpu_setup *a, struct cpu_setup *b)
{
	struct cpu_setup x = *a;
	int i;

	if (a->flags != b->flags || a->msize != b->msize || a->n9p != b->n9p ||
	    a->rows != b->rows || a->cols != b->cols || a->xpix != b->xpix ||
	    a->ypix != b->ypix)
		return 0;
	for (i = 0; i < NSTR; i++)
		if (strcmp(*str_field(&x, i) ? *str_field(&x, i) : "", *str_field(b, i)) != 0)
			return 0;
	return same_list(a->argv, a->argc, b->argv, b->argc) &&
	    same_list(a->env, a->envc, b->env, b->envc);
}

/* Is the struct all zeros (what a failed decode must leave)? */
static int
empty(const struct cpu_setup *s)
{
	static const struct cpu_setup zero;

	return memcmp(s, &zero, sizeof(zero)) == 0;
}

/* Decode n bytes from an exact-size copy; frees on success. */
static int
decode(const uint8_t *p, size_t n, struct cpu_setup *out)
{
	uint8_t *c = unit_exact(p, n);
	struct cpu_setup s;
	struct rd rd;
	int r;

	rd_init(&rd, c, n);
	r = setup_decode(&rd, &s);
	if (r != 0 && !empty(&s)) {
		diag("failed decode left fields set");
		r = -1000;
	}
	if (out != NULL)
		*out = s;	/* strings point at heap copies, not at c */
	else if (r == 0)
		setup_free(&s);
	free(c);
	return r;
}

static int
decode_rec(const struct cpu_setup *s)
{
	struct buf b;
	int r;

	buf_init(&b, BUF_SIZE_MAX);
	if (setup_encode(s, &b) != 0)
		abort();
	r = decode(buf_ptr(&b), buf_len(&b), NULL);
	buf_free(&b);
	return r;
}

static void
test_round_trip(void)
{
	enum { NARG = 1024, ARGLEN = 1024 };
	static char *env[] = { "NL=line1\nline2\n", "UTF8=gr\xc3\xbc\xc3\x9f \xe2\x98\x83 \xf0\x9f\x98\x80",
	    "EMPTY=", "RAW=\xff\xfe\x80", "=x", "noequals", NULL };
	struct cpu_setup s, d;
	struct buf b;
	char **argv;
	size_t start;
	int i;

	base(&s);
	ok(decode_rec(&s) == 0, "typical record decodes");

	/* 1 MiB of argv plus awkward environment values. */
	argv = calloc(NARG + 1, sizeof(*argv));
	for (i = 0; i < NARG; i++) {
		argv[i] = malloc(ARGLEN + 1);
		memset(argv[i], 'a' + i % 26, ARGLEN);
		argv[i][ARGLEN] = '\0';
	}
	s.argc = NARG;
	s.argv = argv;
	s.envc = 6;
	s.env = env;
	buf_init(&b, FRAME_SIZE_MAX + 64);
	ok(frame_begin(&b, FR_SETUP, &start) == 0 && setup_encode(&s, &b) == 0 &&
	    frame_end(&b, start) == 0, "record with 1 MiB of argv fits in a SETUP frame");
	ok(decode(buf_ptr(&b) + FRAME_HDR, buf_len(&b) - FRAME_HDR, &d) == 0,
	    "record with 1 MiB of argv decodes");
	ok(same(&s, &d), "... every field, argv and env (newlines, UTF-8, raw bytes, empty) intact");
	setup_free(&d);
	ok(empty(&d), "setup_free leaves an empty struct");
	setup_free(&d);
	ok(empty(&d), "setup_free twice is harmless");
	buf_free(&b);

	/* One argument of exactly the string limit. */
	free(argv[0]);
	argv[0] = malloc(SETUP_MAX_STR + 1);
	memset(argv[0], 'z', SETUP_MAX_STR);
	argv[0][SETUP_MAX_STR] = '\0';
	s.argc = 1;
	is(decode_rec(&s), 0, "argv string of exactly SETUP_MAX_STR decodes");
	argv[0] = realloc(argv[0], SETUP_MAX_STR + 2);
	memset(argv[0], 'z', SETUP_MAX_STR + 1);
	argv[0][SETUP_MAX_STR + 1] = '\0';
	is(decode_rec(&s), -EMSGSIZE, "argv string of SETUP_MAX_STR+1: -EMSGSIZE");
	s.argv = NULL;
	s.argc = 0;
	s.env = argv;
	s.envc = 1;
	is(decode_rec(&s), -EMSGSIZE, "env string of SETUP_MAX_STR+1: -EMSGSIZE");
	for (i = 0; i < NARG; i++)
		free(argv[i]);
	free(argv);

	/* Everything empty; NULL strings encode as "". */
	memset(&s, 0, sizeof(s));
	s.term = "";
	buf_init(&b, 1024);
	ok(setup_encode(&s, &b) == 0 && decode(buf_ptr(&b), buf_len(&b), &d) == 0,
	    "all-empty record (argc 0, envc 0, NULL strings) decodes");
	ok(d.term && !d.term[0] && d.cwd && !d.cwd[0] && d.cache && !d.cache[0],
	    "... NULL strings arrive as empty strings");
	/* S02: argc 0 is the login shell; the list must still be terminated
	 * so nothing ever reads past it (pkexec CVE-2021-4034). */
	ok(d.argc == 0 && d.argv != NULL && d.argv[0] == NULL &&
	    d.envc == 0 && d.env != NULL && d.env[0] == NULL,
	    "argc 0 and envc 0 give NULL-terminated empty lists");
	setup_free(&d);
	buf_free(&b);
}

/* The byte layout documented in setup.h, pinned. */
static void
test_layout(void)
{
	static const uint8_t want[] =
	    "\x03\0\0\0"		/* flags 9P|TTY */
	    "\x00\x20\0\0"		/* msize 8192 */
	    "\x02"			/* n9p */
	    "\x18\0" "\x50\0" "\0\0" "\0\0"	/* rows cols xpix ypix */
	    "\x02\0\0\0" "vt"		/* term */
	    "\x01\0\0\0" "/"		/* cwd */
	    "\0\0\0\0"			/* namespace */
	    "\0\0\0\0"			/* fstab */
	    "\x04\0\0\0" "/tmp"		/* tmpmnt */
	    "\x01\0\0\0" "u"		/* user */
	    "\0\0\0\0"			/* cache */
	    "\x01\0\0\0" "\x02\0\0\0" "ls"	/* argc, argv */
	    "\x01\0\0\0" "\x03\0\0\0" "A=1";	/* envc, env */
	static char *argv[] = { "ls", NULL }, *env[] = { "A=1", NULL };
	struct cpu_setup s = {
		.flags = SETUP_9P | SETUP_TTY, .msize = 8192, .n9p = 2,
		.rows = 24, .cols = 80, .term = "vt", .cwd = "/", .ns = "",
		.fstab = "", .tmpmnt = "/tmp", .user = "u", .cache = "",
		.argc = 1, .argv = argv, .envc = 1, .env = env,
	};
	struct buf b;

	buf_init(&b, 1024);
	ok(setup_encode(&s, &b) == 0 && buf_len(&b) == sizeof(want) - 1 &&
	    memcmp(buf_ptr(&b), want, sizeof(want) - 1) == 0,
	    "encoding matches the layout in setup.h byte for byte");
	is(TERM_OFF, 17, "term's length is at offset 17");
	buf_free(&b);
}

static void
test_truncations(void)
{
	struct cpu_setup s;
	struct buf b;
	size_t L;
	int r, bad = 0;

	base(&s);
	buf_init(&b, 4096);
	setup_encode(&s, &b);
	for (L = 0; L < buf_len(&b); L++) {
		r = decode(buf_ptr(&b), L, NULL);
		/* -EMSGSIZE when a count is cut off from the strings it promises. */
		if (r != -EPROTO && r != -EMSGSIZE) {
			diag("prefix of %zu bytes: %d", L, r);
			bad = 1;
		}
	}
	ok(!bad, "all %zu truncations rejected (-EPROTO/-EMSGSIZE), struct left empty", buf_len(&b));
	is(decode(buf_ptr(&b), buf_len(&b), NULL), 0, "the whole record decodes");

	/* Trailing garbage: the record must be consumed exactly. */
	buf_put_u8(&b, 0);
	is(decode(buf_ptr(&b), buf_len(&b), NULL), -EPROTO, "1 trailing byte: -EPROTO");
	buf_put_u32(&b, 0);
	is(decode(buf_ptr(&b), buf_len(&b), NULL), -EPROTO, "5 trailing bytes: -EPROTO");
	buf_free(&b);
}

/* S01: counts that the body cannot back, rejected without allocating. */
static void
test_counts(void)
{
	static const char *w[2] = { "argc", "envc" };
	struct cpu_setup s;
	struct buf b;
	uint8_t *p;
	size_t len;
	uint32_t n;
	int i;

	memset(&s, 0, sizeof(s));
	buf_init(&b, 1024);
	setup_encode(&s, &b);	/* ends: u32 argc = 0, u32 envc = 0 */
	buf_put(&b, "\0\0\0\0\0\0\0\0", 8);	/* a tiny body: 8 more bytes */
	len = buf_len(&b);
	for (i = 0; i < 2; i++) {
		p = buf_mutable(&b, len - 16 + 4 * i, 4);
		le_put32(p, UINT32_MAX);
		/* -ENOMEM would mean calloc(2^32, 8) was attempted. */
		is(decode(buf_ptr(&b), len, NULL), -EMSGSIZE, "%s 2^32-1 with an 8-byte body: -EMSGSIZE", w[i]);
		le_put32(p, 1000);
		is(decode(buf_ptr(&b), len, NULL), -EMSGSIZE, "%s 1000 with an 8-byte body: -EMSGSIZE", w[i]);
		le_put32(p, 0);
	}
	buf_free(&b);

	/* The limits themselves, with bodies that really hold the strings. */
	for (i = 0; i < 2; i++) {
		for (n = SETUP_MAX_ARGC; n <= SETUP_MAX_ARGC + 1; n++) {
			char **v = calloc((size_t)n + 1, sizeof(*v));
			uint32_t k;

			for (k = 0; k < n; k++)
				v[k] = "";
			memset(&s, 0, sizeof(s));
			if (i == 0) {
				s.argc = n;
				s.argv = v;
			} else {
				s.envc = n;
				s.env = v;
			}
			if (n == SETUP_MAX_ARGC)
				is(decode_rec(&s), 0, "%s %u (the limit) decodes", w[i], n);
			else
				is(decode_rec(&s), -EMSGSIZE, "%s %u (over the limit): -EMSGSIZE", w[i], n);
			free(v);
		}
	}
	ok(SETUP_MAX_ARGC == SETUP_MAX_ENVC, "argc and envc share one limit (as tested above)");
}

/* Every string field: at its limit, one over, and a lying length. */
static void
test_string_limits(void)
{
	struct cpu_setup s;
	struct buf b;
	char *big;
	uint8_t *p;
	int i;

	big = malloc(SETUP_MAX_NS + 2);
	for (i = 0; i < NSTR; i++) {
		base(&s);
		memset(big, 'x', str_max[i]);
		big[str_max[i]] = '\0';
		*str_field(&s, i) = big;
		is(decode_rec(&s), 0, "%s of %zu bytes (the limit) decodes", str_name[i], str_max[i]);
		big[str_max[i]] = 'x';
		big[str_max[i] + 1] = '\0';
		is(decode_rec(&s), -EMSGSIZE, "%s of %zu bytes: -EMSGSIZE", str_name[i], str_max[i] + 1);
	}
	free(big);

	/* A 4 GiB length for term with a few bytes after it. */
	memset(&s, 0, sizeof(s));
	buf_init(&b, 1024);
	setup_encode(&s, &b);
	p = buf_mutable(&b, TERM_OFF, 4);
	le_put32(p, UINT32_MAX);
	is(decode(buf_ptr(&b), buf_len(&b), NULL), -EMSGSIZE, "term length 2^32-1, tiny body: -EMSGSIZE");
	le_put32(p, 200);	/* under the limit but past the end */
	is(decode(buf_ptr(&b), buf_len(&b), NULL), -EPROTO, "term length 200, tiny body: -EPROTO");
	buf_free(&b);
}

/* S02: an embedded NUL anywhere would let a C string say something else. */
static void
test_embedded_nul(void)
{
	static char *argv[] = { "/bin/echo", "a@b", NULL };
	static char *env[] = { "HOME=/home/u", "X=a@b", NULL };
	struct cpu_setup s;
	struct buf b;
	uint8_t *p, *at;
	int i;

	for (i = 0; i < NSTR + 2; i++) {
		base(&s);
		if (i < NSTR)
			*str_field(&s, i) = "a@b";
		else if (i == NSTR)
			s.argv = argv;
		else
			s.env = env;
		buf_init(&b, 4096);
		setup_encode(&s, &b);
		p = buf_mutable(&b, 0, buf_len(&b));
		/* The base record has no other '@': this is the marked string. */
		at = memchr(p, '@', buf_len(&b));
		if (at == NULL || memchr(at + 1, '@', buf_len(&b) - (size_t)(at + 1 - p)) != NULL)
			abort();
		*at = '\0';
		is(decode(buf_ptr(&b), buf_len(&b), NULL), -EINVAL, "NUL inside %s: -EINVAL",
		    i < NSTR ? str_name[i] : i == NSTR ? "argv[1]" : "env[1]");
		buf_free(&b);
	}
}

static void
test_flags(void)
{
	struct cpu_setup s;
	int bit, bad = 0;

	base(&s);
	s.flags = SETUP_FLAGS_ALL;
	is(decode_rec(&s), 0, "all known flags decode");
	for (bit = 0; bit < 32; bit++) {
		if ((1u << bit) & SETUP_FLAGS_ALL)
			continue;
		s.flags = SETUP_9P | (1u << bit);
		if (decode_rec(&s) != -EINVAL) {
			diag("flag bit %d accepted", bit);
			bad = 1;
		}
	}
	ok(!bad, "every unknown flag bit: -EINVAL");

	/* n9p: 0 when 9P is off, at most 8 (channels CH_9P..) when on. */
	base(&s);
	s.flags = 0;
	s.n9p = 0;
	is(decode_rec(&s), 0, "9P off, n9p 0 decodes");
	s.n9p = 1;
	is(decode_rec(&s), -EINVAL, "9P off, n9p 1: -EINVAL");
	s.flags = SETUP_9P;
	s.n9p = 8;
	is(decode_rec(&s), 0, "9P on, n9p 8 decodes");
	s.n9p = 9;
	is(decode_rec(&s), -EINVAL, "9P on, n9p 9: -EINVAL");
	s.n9p = 255;
	is(decode_rec(&s), -EINVAL, "9P on, n9p 255: -EINVAL");
}

/* SETUP_EXPORT: the ro and rw lists after the environment, only then. */
static void
test_export(void)
{
	struct cpu_setup s, d;
	struct buf b;
	char *big;
	int r;

	base(&s);
	s.flags |= SETUP_EXPORT;
	s.ro = "/usr:/etc";
	s.rw = "/home/u";
	buf_init(&b, BUF_SIZE_MAX);
	if (setup_encode(&s, &b) != 0)
		abort();
	r = decode(buf_ptr(&b), buf_len(&b), &d);
	ok(r == 0 && same(&s, &d) && d.ro && d.rw && strcmp(d.ro, "/usr:/etc") == 0 &&
	    strcmp(d.rw, "/home/u") == 0, "SETUP_EXPORT: ro and rw round-trip");
	if (r == 0)
		setup_free(&d);
	ok(decode(buf_ptr(&b), buf_len(&b) - 4, NULL) != 0,
	    "SETUP_EXPORT without its last field: refused");
	buf_free(&b);

	/* An older client's record: no flag, no lists. */
	base(&s);
	buf_init(&b, BUF_SIZE_MAX);
	if (setup_encode(&s, &b) != 0)
		abort();
	r = decode(buf_ptr(&b), buf_len(&b), &d);
	ok(r == 0 && d.ro == NULL && d.rw == NULL, "no SETUP_EXPORT: no lists (older client)");
	if (r == 0)
		setup_free(&d);
	buf_put_u32(&b, 0);
	buf_put_u32(&b, 0);
	ok(decode(buf_ptr(&b), buf_len(&b), NULL) != 0,
	    "lists without SETUP_EXPORT: trailing bytes refused");
	buf_free(&b);

	base(&s);
	s.flags |= SETUP_EXPORT;
	big = malloc(SETUP_MAX_NS + 2);
	memset(big, 'a', SETUP_MAX_NS + 1);
	big[0] = '/';
	big[SETUP_MAX_NS + 1] = '\0';
	s.ro = big;
	s.rw = "";
	is(decode_rec(&s), -EMSGSIZE, "ro list over 64 KiB: -EMSGSIZE");
	big[SETUP_MAX_NS] = '\0';
	is(decode_rec(&s), 0, "ro list of exactly 64 KiB decodes");
	free(big);
}

int
main(void)
{
	unit_start(300);
	test_round_trip();
	test_layout();
	test_truncations();
	test_counts();
	test_string_limits();
	test_embedded_nul();
	test_flags();
	test_export();
	return unit_done();
}

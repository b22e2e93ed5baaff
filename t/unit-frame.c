/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * unit-frame: the mux frame codec (lib/frame.c): every type round trips,
 * every truncation waits, every impossible header is refused early, and
 * damaged streams never crash or over-read (the decoding itself is
 * t/fuzz-frame.c's harness, linked in, so CI runs it under ASan).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "frame.h"
#include "setup.h"
#include "unit.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A struct buf over exactly these bytes, for frame_peek (never grows). */
static struct buf
view(uint8_t *p, size_t n)
{
	return (struct buf){ .d = p, .off = 0, .len = n, .cap = n, .max = n };
}

/* A 5-byte header (size, type) plus n filler bytes. */
static size_t
hdr(uint8_t *out, uint32_t size, uint8_t type, size_t n)
{
	le_put32(out, size);
	out[4] = type;
	memset(out + FRAME_HDR, 0, n);
	return FRAME_HDR + n;
}

/* Append n filler bytes. */
static void
fill(struct buf *b, size_t n)
{
	static const uint8_t zero[4096];
	size_t k;

	for (; n > 0; n -= k) {
		k = n < sizeof(zero) ? n : sizeof(zero);
		if (buf_put(b, zero, k) != 0)
			abort();
	}
}

static const struct cpu_setup setup_small = {
	.flags = SETUP_9P | SETUP_TTY, .msize = 65536, .n9p = 1,
	.rows = 24, .cols = 80,
	.term = "xterm", .cwd = "/home/u", .ns = "/lib:/usr", .fstab = "",
	.tmpmnt = "/tmp", .user = "u", .cache = "",
	.argc = 2, .argv = (char *[]){ "ls", "-l", NULL },
	.envc = 1, .env = (char *[]){ "A=b", NULL },
};

/* One frame of every type, as a peer would send them; ends[i] is where
 * frame i ends. */
static int
record_stream(struct buf *out, size_t *ends)
{
	size_t start;
	int n = 0;

	frame_put_hello(out, 0);
	ends[n++] = buf_len(out);
	frame_begin(out, FR_SETUP, &start);
	setup_encode(&setup_small, out);
	frame_end(out, start);
	ends[n++] = buf_len(out);
	frame_put_data(out, 0, "hello\n", 6);
	ends[n++] = buf_len(out);
	frame_put_data(out, 3, "", 0);
	ends[n++] = buf_len(out);
	frame_put_chan(out, FR_EOF, 0);
	ends[n++] = buf_len(out);
	frame_put_adjust(out, 1, 65536);
	ends[n++] = buf_len(out);
	frame_put_winch(out, 50, 132, 0, 0);
	ends[n++] = buf_len(out);
	frame_put_str(out, FR_SIGNAL, "INT");
	ends[n++] = buf_len(out);
	frame_put(out, FR_STARTED, NULL, 0);
	ends[n++] = buf_len(out);
	frame_put_str(out, FR_WARN, "warning: w\xc3\xa4rm\n");
	ends[n++] = buf_len(out);
	frame_put_exit(out, EXIT_SIGNAL, 15, 1);
	ends[n++] = buf_len(out);
	frame_put_str(out, FR_ERROR, "bye");
	ends[n++] = buf_len(out);
	return n;
}

static void
test_round_trips(void)
{
	static uint8_t pat[FRAME_DATA_MAX + 1];
	static const size_t data_n[] = { 0, 1, FRAME_DATA_MAX };
	struct cpu_setup s;
	struct buf b;
	struct frame f;
	const uint8_t *p;
	uint32_t v, fl;
	size_t i, start;
	char *str = NULL, big[5000];
	int bad;

	for (i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7);
	buf_init(&b, FRAME_SIZE_MAX + 64);

	ok(frame_put_hello(&b, 0xdeadbeef) == 0 && frame_peek(&b, &f) == 1 &&
	    f.type == FR_HELLO && f.total == buf_len(&b) &&
	    frame_check_hello(&f.body, &v, &fl) == 0 && v == MUX_VERSION && fl == 0xdeadbeef,
	    "HELLO round trip");
	ok(buf_len(&b) == 21 && memcmp(buf_ptr(&b), "\x11\0\0\0\x01" "cpu-mux\0\x01\0\0\0", 17) == 0,
	    "HELLO wire bytes: size 17, type 1, magic, version 1");

	for (i = 0; i < 3; i++) {
		buf_reset(&b);
		bad = frame_put_data(&b, CH_STDOUT, pat, data_n[i]) != 0 ||
		    frame_peek(&b, &f) != 1 || f.type != FR_DATA || f.total != buf_len(&b);
		bad |= rd_u8(&f.body) != CH_STDOUT || f.body.left != data_n[i];
		p = rd_bytes(&f.body, data_n[i]);
		bad |= p == NULL || memcmp(p, pat, data_n[i]) != 0 || rd_end(&f.body) != 0;
		ok(!bad, "DATA of %zu bytes round trip", data_n[i]);
	}
	buf_reset(&b);
	is(frame_put_data(&b, 1, pat, FRAME_DATA_MAX + 1), -EMSGSIZE, "DATA over FRAME_DATA_MAX: -EMSGSIZE");
	is(buf_len(&b), 0, "... nothing written");

	buf_reset(&b);
	ok(frame_put_chan(&b, FR_EOF, 7) == 0 && frame_peek(&b, &f) == 1 && f.type == FR_EOF &&
	    rd_u8(&f.body) == 7 && rd_end(&f.body) == 0, "EOF round trip");

	static const uint32_t adj[] = { 0, 1, UINT32_MAX };
	for (i = 0, bad = 0; i < 3; i++) {
		buf_reset(&b);
		bad |= frame_put_adjust(&b, 4, adj[i]) != 0 || frame_peek(&b, &f) != 1 ||
		    f.type != FR_ADJUST || rd_u8(&f.body) != 4 || rd_u32(&f.body) != adj[i] ||
		    rd_end(&f.body) != 0;
	}
	ok(!bad, "ADJUST 0, 1, 2^32-1 round trip");

	buf_reset(&b);
	ok(frame_put_winch(&b, 1, 2, 65535, 4) == 0 && frame_peek(&b, &f) == 1 &&
	    f.type == FR_WINCH && rd_u16(&f.body) == 1 && rd_u16(&f.body) == 2 &&
	    rd_u16(&f.body) == 65535 && rd_u16(&f.body) == 4 && rd_end(&f.body) == 0,
	    "WINCH round trip");

	buf_reset(&b);
	ok(frame_put_str(&b, FR_SIGNAL, "INT") == 0 && frame_peek(&b, &f) == 1 &&
	    f.type == FR_SIGNAL && (str = rd_cstr32(&f.body, 32)) != NULL &&
	    strcmp(str, "INT") == 0 && rd_end(&f.body) == 0, "SIGNAL round trip");
	free(str);
	str = NULL;
	buf_reset(&b);
	memset(big, 'S', 33);
	big[32] = '\0';
	is(frame_put_str(&b, FR_SIGNAL, big), 0, "SIGNAL name of 32 bytes fits");
	buf_reset(&b);
	big[32] = 'S';
	big[33] = '\0';
	is(frame_put_str(&b, FR_SIGNAL, big), -EMSGSIZE, "SIGNAL name of 33 bytes: -EMSGSIZE");
	is(buf_len(&b), 0, "... and the half-built frame is removed");

	buf_reset(&b);
	ok(frame_put_exit(&b, EXIT_CODE, 42, 0) == 0 && frame_put_exit(&b, EXIT_SIGNAL, 9, 1) == 0,
	    "put two EXIT frames");
	ok(frame_peek(&b, &f) == 1 && f.type == FR_EXIT && rd_u8(&f.body) == EXIT_CODE &&
	    rd_u32(&f.body) == 42 && rd_u8(&f.body) == 0 && rd_end(&f.body) == 0,
	    "EXIT code 42 round trip");
	buf_consume(&b, f.total);
	ok(frame_peek(&b, &f) == 1 && f.type == FR_EXIT && rd_u8(&f.body) == EXIT_SIGNAL &&
	    rd_u32(&f.body) == 9 && rd_u8(&f.body) == 1 && rd_end(&f.body) == 0,
	    "EXIT signal 9 with core round trip (second frame after consume)");

	for (i = 0; i < 2; i++) {
		uint8_t t = i ? FR_WARN : FR_ERROR;

		buf_reset(&b);
		ok(frame_put_str(&b, t, "line one\nzw\xc3\xb6lf \xe2\x98\x83") == 0 &&
		    frame_peek(&b, &f) == 1 && f.type == t &&
		    (str = rd_cstr32(&f.body, 4096)) != NULL &&
		    strcmp(str, "line one\nzw\xc3\xb6lf \xe2\x98\x83") == 0 && rd_end(&f.body) == 0,
		    "%s with newline and UTF-8 round trip", frame_type_name(t));
		free(str);
		str = NULL;
		memset(big, 'e', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		buf_reset(&b);
		ok(frame_put_str(&b, t, big) == 0 && frame_peek(&b, &f) == 1 &&
		    (str = rd_cstr32(&f.body, 4096)) != NULL && strlen(str) == 4096,
		    "%s of 4999 bytes is cut to 4096", frame_type_name(t));
		free(str);
		str = NULL;
	}

	buf_reset(&b);
	ok(frame_put(&b, FR_STARTED, NULL, 0) == 0 && buf_len(&b) == 5 &&
	    frame_peek(&b, &f) == 1 && f.type == FR_STARTED && rd_end(&f.body) == 0,
	    "STARTED (empty body) round trip");

	buf_reset(&b);
	ok(frame_begin(&b, FR_SETUP, &start) == 0 && setup_encode(&setup_small, &b) == 0 &&
	    frame_end(&b, start) == 0 && frame_peek(&b, &f) == 1 && f.type == FR_SETUP &&
	    setup_decode(&f.body, &s) == 0 && s.argc == 2 && strcmp(s.argv[1], "-l") == 0 &&
	    strcmp(s.cwd, "/home/u") == 0, "SETUP round trip");
	setup_free(&s);

	/* The largest SETUP frame fits; one byte more is refused and removed.
	 * (The size field counts the type byte: 1 + body.) */
	buf_reset(&b);
	frame_begin(&b, FR_SETUP, &start);
	fill(&b, FRAME_SIZE_MAX - 1);
	ok(frame_end(&b, start) == 0 && frame_peek(&b, &f) == 1 && f.total == 4 + FRAME_SIZE_MAX,
	    "SETUP of exactly FRAME_SIZE_MAX");
	buf_reset(&b);
	frame_begin(&b, FR_SETUP, &start);
	fill(&b, FRAME_SIZE_MAX);
	is(frame_end(&b, start), -EMSGSIZE, "SETUP over FRAME_SIZE_MAX: -EMSGSIZE");
	is(buf_len(&b), start, "... and the frame is removed");
	is(frame_end(&b, 1000), -EINVAL, "frame_end with a start past the end: -EINVAL");

	/* Limits on the encoding side. */
	buf_reset(&b);
	is(frame_put(&b, 0, NULL, 0), -EMSGSIZE, "put of type 0 refused");
	is(frame_put(&b, FR_TYPE_MAX + 1, NULL, 0), -EMSGSIZE,
	    "put of the first unknown type refused");
	is(frame_put(&b, FR_EOF, "ab", 2), -EMSGSIZE, "EOF with a 2-byte body refused");
	is(buf_len(&b), 0, "... nothing written");
	buf_free(&b);

	/* A full output buffer: nothing half-written. */
	buf_init(&b, 10);
	is(frame_put_hello(&b, 0), -EMSGSIZE, "HELLO into a full buffer: -EMSGSIZE");
	is(frame_put_data(&b, 1, "0123456789", 10), -EMSGSIZE, "DATA into a full buffer: -EMSGSIZE");
	is(frame_put_str(&b, FR_WARN, "0123456789"), -EMSGSIZE, "WARN into a full buffer: -EMSGSIZE");
	is(buf_len(&b), 0, "... nothing written");
	buf_free(&b);

	ok(strcmp(frame_type_name(FR_HELLO), "HELLO") == 0 &&
	    strcmp(frame_type_name(FR_STARTED), "STARTED") == 0 &&
	    strcmp(frame_type_name(FR_P9LINK), "P9LINK") == 0 &&
	    strcmp(frame_type_name(0), "?") == 0 &&
	    strcmp(frame_type_name(FR_TYPE_MAX + 1), "?") == 0 &&
	    strcmp(frame_type_name(255), "?") == 0, "frame_type_name, known and unknown");
	ok(frame_type_max(0) == 0 && frame_type_max(FR_TYPE_MAX + 1) == 0 &&
	    frame_type_max(255) == 0,
	    "frame_type_max of unknown types is 0");
	for (i = 1, bad = 0; i <= FR_TYPE_MAX; i++)
		bad |= frame_type_max((uint8_t)i) == 0 || frame_type_max((uint8_t)i) > FRAME_SIZE_MAX;
	ok(!bad, "every known type has a limit within FRAME_SIZE_MAX");
}

/* Every prefix of a valid stream yields its whole frames and then 0. */
static void
test_truncations(void)
{
	struct buf b, v;
	struct frame f;
	size_t ends[16], len, L;
	uint8_t *p;
	int n, got, r, bad = 0;

	buf_init(&b, 1 << 16);
	n = record_stream(&b, ends);
	len = buf_len(&b);
	for (L = 0; L <= len; L++) {
		p = unit_exact(buf_ptr(&b), L);
		v = view(p, L);
		got = 0;
		while ((r = frame_peek(&v, &f)) == 1) {
			/* Each frame is the recorded one, complete within the prefix. */
			bad |= got >= n || ends[got] > L ||
			    f.total != ends[got] - (got ? ends[got - 1] : 0);
			if (bad || buf_consume(&v, f.total) != 0) {
				bad = 1;
				break;
			}
			got++;
		}
		bad |= r != 0;
		bad |= got != n && L >= ends[got];	/* a complete frame was missed */
		free(p);
		if (bad) {
			diag("first failure at prefix length %zu (r %d, frames %d)", L, r, got);
			break;
		}
	}
	ok(!bad, "all %zu truncations of a %d-frame stream: whole frames, then 0", len + 1, n);

	/* The harness (body decoding, re-encoding, chunked stream) agrees. */
	for (L = 0; L <= len; L++) {
		p = unit_exact(buf_ptr(&b), L);
		LLVMFuzzerTestOneInput(p, L);
		free(p);
	}
	ok(1, "fuzz-frame harness on every truncation: no crash, no invariant broken");
	buf_free(&b);
}

static void
test_bad_headers(void)
{
	uint8_t m[64], *p;
	struct frame f;
	struct buf v;
	size_t n;
	uint32_t t, max;
	int bad;

	/* Decided from the size field alone, before the type byte arrives. */
	n = hdr(m, 0, FR_DATA, 0) - 1;
	p = unit_exact(m, n);
	v = view(p, n);
	is(frame_peek(&v, &f), -EPROTO, "size 0 (4 bytes seen): -EPROTO");
	free(p);
	hdr(m, FRAME_SIZE_MAX + 1, FR_SETUP, 0);
	p = unit_exact(m, 4);
	v = view(p, 4);
	is(frame_peek(&v, &f), -EMSGSIZE, "size FRAME_SIZE_MAX+1 (4 bytes seen): -EMSGSIZE");
	free(p);
	hdr(m, UINT32_MAX, FR_DATA, 0);
	p = unit_exact(m, 4);
	v = view(p, 4);
	is(frame_peek(&v, &f), -EMSGSIZE, "size 2^32-1: -EMSGSIZE");
	free(p);
	hdr(m, FRAME_SIZE_MAX, FR_SETUP, 0);
	p = unit_exact(m, 5);
	v = view(p, 5);
	is(frame_peek(&v, &f), 0, "SETUP of FRAME_SIZE_MAX, header only: 0 (wait)");
	free(p);
	for (n = 0, bad = 0; n < 4; n++) {
		p = unit_exact("\x01\0\0\0", n);
		v = view(p, n);
		bad |= frame_peek(&v, &f) != 0;
		free(p);
	}
	ok(!bad, "fewer than 4 bytes: 0");
	p = unit_exact("\x01\0\0\0", 4);
	v = view(p, 4);
	is(frame_peek(&v, &f), 0, "size 1 without the type byte: 0");
	free(p);

	/* Per-type limits, checked with only the header present. */
	for (t = 1, bad = 0; t <= FR_TYPE_MAX; t++) {
		max = frame_type_max((uint8_t)t);
		n = hdr(m, max + 1, (uint8_t)t, 0);
		p = unit_exact(m, n);
		v = view(p, n);
		if (frame_peek(&v, &f) != -EMSGSIZE) {
			diag("type %u size %u not refused", t, max + 1);
			bad = 1;
		}
		free(p);
		n = hdr(m, max, (uint8_t)t, 0);
		p = unit_exact(m, n);
		v = view(p, n);
		if (frame_peek(&v, &f) != (max == 1 ? 1 : 0)) {
			diag("type %u size %u (the limit) not waited for", t, max);
			bad = 1;
		}
		free(p);
	}
	ok(!bad, "every type: size over its limit is -EMSGSIZE from the header alone");

	for (t = 0, bad = 0; t <= 255; t = t ? t + 1 : FR_TYPE_MAX + 1) {
		n = hdr(m, 1, (uint8_t)t, 0);
		p = unit_exact(m, n);
		v = view(p, n);
		bad |= frame_peek(&v, &f) != -EPROTO;
		free(p);
	}
	ok(!bad, "unknown types 0 and FR_TYPE_MAX+1..255: -EPROTO");
	n = hdr(m, 1, FR_TYPE_MAX + 1, 0);
	v = view(m, n);
	is(frame_peek(&v, &f), -EPROTO, "the first unknown type: -EPROTO");
	n = hdr(m, 1, 255, 0);
	v = view(m, n);
	is(frame_peek(&v, &f), -EPROTO, "unknown type 255: -EPROTO");
}

static void
test_hello(void)
{
	struct buf b;
	struct frame f;
	struct rd body;
	uint8_t *m;
	uint32_t v, fl;
	size_t k;
	int i, bad;

	buf_init(&b, 64);
	frame_put_hello(&b, 3);
	m = buf_mutable(&b, 0, buf_len(&b));
	for (i = 0, bad = 0; i < MUX_MAGIC_LEN; i++) {
		m[FRAME_HDR + i] ^= 0x20;
		bad |= frame_peek(&b, &f) != 1 || frame_check_hello(&f.body, &v, &fl) != -EPROTO;
		m[FRAME_HDR + i] ^= 0x20;
	}
	ok(!bad, "HELLO with any magic byte changed: -EPROTO");

	static const uint32_t versions[] = { 0, 2, 0x01000000, UINT32_MAX };
	for (i = 0, bad = 0; i < 4; i++) {
		le_put32(m + FRAME_HDR + MUX_MAGIC_LEN, versions[i]);
		bad |= frame_peek(&b, &f) != 1 ||
		    frame_check_hello(&f.body, &v, &fl) != -EPROTONOSUPPORT || v != versions[i];
	}
	ok(!bad, "HELLO with version 0, 2, 2^24, 2^32-1: -EPROTONOSUPPORT");
	le_put32(m + FRAME_HDR + MUX_MAGIC_LEN, MUX_VERSION);

	/* Every short body, decoded from an exact copy. */
	for (k = 0, bad = 0; k < MUX_MAGIC_LEN + 8; k++) {
		uint8_t *p = unit_exact(m + FRAME_HDR, k);

		rd_init(&body, p, k);
		bad |= frame_check_hello(&body, &v, &fl) != -EPROTO;
		free(p);
	}
	ok(!bad, "HELLO bodies of 0..15 bytes: -EPROTO, no over-read");
	rd_init(&body, m + FRAME_HDR, MUX_MAGIC_LEN + 8);
	is(frame_check_hello(&body, &v, &fl), 0, "the intact HELLO still passes");

	/* A longer HELLO is refused by its type limit. */
	le_put32(m, 18);
	is(frame_peek(&b, &f), -EMSGSIZE, "HELLO of size 18: -EMSGSIZE");
	buf_free(&b);
}

/* Single bit flips anywhere in a recorded stream, through the harness. */
static void
test_bit_flips(void)
{
	struct buf b;
	size_t ends[16], len, bit;
	uint8_t *p;

	buf_init(&b, 1 << 16);
	record_stream(&b, ends);
	len = buf_len(&b);
	for (bit = 0; bit < len * 8; bit++) {
		p = unit_exact(buf_ptr(&b), len);
		p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		LLVMFuzzerTestOneInput(p, len);
		free(p);
	}
	ok(1, "all %zu single-bit flips of a %zu-byte stream decoded without a crash", len * 8, len);
	buf_free(&b);
}

/*
 * A DATA frame taken in parts (cpu-subsystem's input): the parts are the
 * payload in order, the rest stays a valid DATA frame of the channel,
 * and nothing but the front of a DATA frame still incomplete is offered.
 */
static void
test_data_parts(void)
{
	uint8_t payload[10000], got[10000], other[64];
	const uint8_t *p;
	struct buf enc, in;
	struct frame f;
	size_t i, n, off, total = 0, cut[] = { 6, 7, 100, 4096, 9000, 10006 };
	uint8_t chan = 0;
	int parts = 0, bad = 0, r;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 13 + 1);
	buf_init(&enc, 1 << 16);
	buf_init(&in, 1 << 16);
	frame_put_data(&enc, 4, payload, sizeof(payload));
	/* The frame's bytes as they would arrive, taking parts. */
	for (i = 0, off = 0; i < sizeof(cut) / sizeof(cut[0]) && !bad; i++) {
		buf_put(&in, buf_ptr(&enc) + off, cut[i] - off);
		off = cut[i];
		if (frame_peek_data_part(&in, 1, &chan, &p, &n) != 1)
			continue;
		bad |= chan != 4 || n == 0 || total + n > sizeof(got);
		if (!bad)
			memcpy(got + total, p, n);
		total += n;
		parts++;
		frame_take_data_part(&in, n);
	}
	buf_free(&enc);
	ok(!bad && parts == 4, "a DATA frame arriving in pieces is offered in %d parts", parts);
	r = frame_peek(&in, &f);
	ok(r == 1 && f.type == FR_DATA && rd_u8(&f.body) == 4 &&
	    (n = f.body.left) + total == sizeof(payload) &&
	    memcmp(got, payload, total) == 0 &&
	    memcmp(f.body.p, payload + total, n) == 0,
	    "... the parts and the rest, a shorter DATA frame, are the payload in order");
	buf_consume(&in, f.total);
	ok(buf_len(&in) == 0, "... and nothing is left over");

	frame_put_data(&in, 3, payload, 100);
	ok(frame_peek_data_part(&in, 1, &chan, &p, &n) == 0,
	    "a whole DATA frame is not a part (frame_peek takes it)");
	buf_reset(&in);
	memset(other, 0, sizeof(other));
	frame_put(&in, FR_P9ATTR, other, sizeof(other));
	buf_truncate(&in, 40);
	ok(frame_peek_data_part(&in, 1, &chan, &p, &n) == 0,
	    "the front of another type is not a part");
	buf_reset(&in);
	frame_put_data(&in, 3, payload, 100);
	buf_truncate(&in, 50);
	ok(frame_peek_data_part(&in, 64, &chan, &p, &n) == 0 &&
	    frame_peek_data_part(&in, 44, &chan, &p, &n) == 1 && n == 44,
	    "a part is offered from min bytes of payload on");
	le_put32(buf_mutable(&in, 0, 4), 2 + FRAME_DATA_MAX + 1);
	ok(frame_peek_data_part(&in, 1, &chan, &p, &n) == 0,
	    "never the front of a frame over the DATA limit");
	buf_free(&in);
}

static void
test_frame_error(void)
{
	ok(strcmp(frame_error(-EMSGSIZE), "Message too long") == 0 &&
	    strcmp(frame_error(-EPROTO), "Protocol error") == 0 &&
	    strcmp(frame_error(-EINVAL), "invalid frame") == 0,
	    "frame_error(): fixed words, whatever the libc's strerror says");
}

int
main(void)
{
	unit_start(300);
	test_frame_error();
	test_round_trips();
	test_truncations();
	test_bad_headers();
	test_hello();
	test_bit_flips();
	test_data_parts();
	return unit_done();
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * unit.h: the whole test framework for the t/unit-*.c programs.
 *
 * Each check prints one TAP line, "ok N - name" or "not ok N - name", and
 * unit_done() prints the plan and returns the exit status automake's
 * plain test driver expects: 0 when every check passed, 1 otherwise.
 *
 * todo() marks a check that exposes a known bug in lib/ (see the comment
 * at each use): a failure prints "not ok N - name # TODO why" and does
 * not fail the program, so the bug stays visible in the log without
 * breaking `make check`; once the bug is fixed the line says so.
 *
 * Only one translation unit per program includes this file, so the
 * state below is plain statics.
 */
#ifndef CPU_T_UNIT_H
#define CPU_T_UNIT_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

static int unit_n, unit_nfail, unit_ntodo;

static inline void __attribute__((format(printf, 3, 0)))
unit_vreport(int pass, const char *todo, const char *fmt, va_list ap)
{
	unit_n++;
	printf("%sok %d - ", pass ? "" : "not ", unit_n);
	vprintf(fmt, ap);
	if (todo != NULL) {
		printf(" # TODO %s", todo);
		if (pass)
			printf(" (passes now: drop the todo)");
		else
			unit_ntodo++;
	} else if (!pass)
		unit_nfail++;
	printf("\n");
	/* Flush now: a later crash or fork() must not lose or repeat lines. */
	fflush(stdout);
}

static inline int __attribute__((format(printf, 5, 6)))
unit_check(int pass, const char *todo, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	unit_vreport(pass, todo, fmt, ap);
	va_end(ap);
	if (!pass)
		printf("#   at %s:%d\n", file, line);
	return pass;
}

static inline int __attribute__((format(printf, 5, 6)))
unit_is(long long got, long long want, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;
	int pass = got == want;

	va_start(ap, fmt);
	unit_vreport(pass, NULL, fmt, ap);
	va_end(ap);
	if (!pass)
		printf("#   at %s:%d: got %lld, want %lld\n", file, line, got, want);
	return pass;
}

#define ok(cond, ...)	unit_check(!!(cond), NULL, __FILE__, __LINE__, __VA_ARGS__)
#define is(got, want, ...) \
	unit_is((long long)(got), (long long)(want), __FILE__, __LINE__, __VA_ARGS__)
#define todo(why, cond, ...) \
	unit_check(!!(cond), (why), __FILE__, __LINE__, __VA_ARGS__)
#define diag(...)	(printf("# " __VA_ARGS__), printf("\n"), fflush(stdout))

/* Detect AddressSanitizer (gcc defines the macro; clang has the feature). */
#if defined(__SANITIZE_ADDRESS__)
#define UNIT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNIT_ASAN 1
#endif
#endif

#ifdef UNIT_ASAN
/*
 * ASan reserves terabytes of address space, so RLIMIT_AS cannot be used;
 * its own allocator cap does the same job.  With allocator_may_return_null
 * a too-big request returns NULL (and the code under test reports
 * -ENOMEM) instead of aborting, which is what the tests look for.
 */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "max_allocation_size_mb=512:allocator_may_return_null=1";
}
#endif

/*
 * Start a test program: a watchdog so a hang becomes a failure rather
 * than a stuck `make check`, and (outside ASan) an address-space limit so
 * an allocation sized by an untrusted length fails with ENOMEM.  Tests
 * that feed 2^32-1 counts assert the decoder's own error (-EMSGSIZE,
 * -EPROTO) and not -ENOMEM: that is how "rejected before allocating" is
 * observed.
 */
static inline void
unit_start(unsigned timeout_sec)
{
#ifndef UNIT_ASAN
	struct rlimit rl = { 1024UL * 1024 * 1024, 1024UL * 1024 * 1024 };

	if (setrlimit(RLIMIT_AS, &rl) != 0)
		perror("setrlimit");
#endif
	alarm(timeout_sec);
}

static inline int
unit_done(void)
{
	printf("1..%d\n", unit_n);
	if (unit_ntodo)
		printf("# %d known bug(s) marked TODO\n", unit_ntodo);
	if (unit_nfail)
		printf("# FAILED %d of %d\n", unit_nfail, unit_n);
	fflush(stdout);
	return unit_nfail ? 1 : 0;
}

/* A copy of p in an allocation of exactly n bytes, so that ASan reports
 * any read past the end (the caller frees it). */
static inline uint8_t *
unit_exact(const void *p, size_t n)
{
	uint8_t *c = malloc(n);

	if (c == NULL && n == 0)
		c = malloc(1);
	if (c == NULL) {
		perror("malloc");
		exit(99);
	}
	if (n)
		memcpy(c, p, n);
	return c;
}

#endif

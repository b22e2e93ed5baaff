/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * umlfp.c: an LD_PRELOAD shim for user-mode-linux on hosts whose XSAVE area
 * is larger than UML's (AVX-512, AMX).  UML hands PTRACE_SETREGSET
 * NT_X86_XSTATE a buffer of sizeof(struct _xstate); the host kernel wants
 * exactly its own full size and answers EFAULT, and the guest's init dies.
 * Each full state UML reads is kept beside UML's short copy (keyed by
 * UML's buffer), and a short write is laid over it before it goes back.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE 0x202
#endif
#define SLOTS 4096

typedef long (*ptrace_fn)(int, pid_t, void *, void *);

static ptrace_fn real_ptrace;
static size_t host_size;	/* 0: not probed; SIZE_MAX: no xstate */
static struct { void *key; unsigned char *full; } slot[SLOTS];

static unsigned char *
shadow(void *key, int make)
{
	size_t i = ((uintptr_t)key >> 4) % SLOTS;

	if (slot[i].key == key && slot[i].full != NULL)
		return slot[i].full;
	if (!make)
		return NULL;
	if (slot[i].full == NULL && (slot[i].full = malloc(host_size)) == NULL)
		return NULL;
	slot[i].key = key;	/* evicts another buffer: it falls back below */
	return slot[i].full;
}

static void
probe(pid_t pid)
{
	static unsigned char big[65536];
	struct iovec iov = { big, sizeof(big) };

	host_size = SIZE_MAX;
	if (real_ptrace(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE, &iov) == 0)
		host_size = iov.iov_len;
}

long
ptrace(enum __ptrace_request req, ...)
{
	va_list ap;
	pid_t pid;
	void *addr, *data;
	struct iovec *uiov, full;
	unsigned char *buf;
	size_t len;
	long r;

	va_start(ap, req);
	pid = va_arg(ap, pid_t);
	addr = va_arg(ap, void *);
	data = va_arg(ap, void *);
	va_end(ap);
	if (real_ptrace == NULL)
		real_ptrace = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");

	if ((req != PTRACE_GETREGSET && req != PTRACE_SETREGSET) ||
	    (uintptr_t)addr != NT_X86_XSTATE || data == NULL)
		return real_ptrace(req, pid, addr, data);
	if (host_size == 0)
		probe(pid);
	uiov = data;
	len = uiov->iov_len;
	if (host_size == SIZE_MAX || len >= host_size)
		return real_ptrace(req, pid, addr, data);

	if (req == PTRACE_GETREGSET) {
		if ((buf = shadow(uiov->iov_base, 1)) == NULL)
			return real_ptrace(req, pid, addr, data);
		full.iov_base = buf;
		full.iov_len = host_size;
		if ((r = real_ptrace(req, pid, addr, &full)) == 0)
			memcpy(uiov->iov_base, buf, len);
		return r;
	}
	/* A buffer never read here (a new thread's copy): take the rest of the
	 * state from the process it goes to. */
	if ((buf = shadow(uiov->iov_base, 0)) == NULL) {
		if ((buf = shadow(uiov->iov_base, 1)) == NULL)
			return real_ptrace(req, pid, addr, data);
		full.iov_base = buf;
		full.iov_len = host_size;
		if ((r = real_ptrace(PTRACE_GETREGSET, pid, addr, &full)) != 0)
			return r;
	}
	memcpy(buf, uiov->iov_base, len);
	full.iov_base = buf;
	full.iov_len = host_size;
	return real_ptrace(req, pid, addr, &full);
}

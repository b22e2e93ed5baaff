/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sysprobe: try syscalls and print how each one failed, one per line:
 *
 *	sysprobe [NAME...]	(no NAME: every probe)
 *	mount EPERM
 *	umount2 EINVAL
 *
 * Each call is made with a bad descriptor, pointer or flag, so that when
 * the call is allowed it fails harmlessly with EBADF, EFAULT or EINVAL,
 * and only a seccomp rule (or a missing privilege) makes it EPERM.  A
 * test runs the probe with and without the policy and compares.  The
 * i386 and x32 entries make the same calls through the other ABIs, which
 * a filter written for x86_64 alone would miss.
 *
 *	sysprobe -n SYSCALL -- CMD [ARG...]
 *
 * runs CMD with SYSCALL (mount_setattr or open_tree) failing ENOSYS, as
 * on an older kernel, to exercise nsexec's fallbacks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <signal.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#define BAD	((long)1)	/* an address nothing is mapped at */

#if defined(__x86_64__)
/* A 32-bit system call from 64-bit code.  The kernel zeroes r8-r11. */
static long
int80(long nr, long a, long b, long c, long d, long e)
{
	long ret;

	__asm__ volatile ("int $0x80"
	    : "=a"(ret)
	    : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
	    : "memory", "r8", "r9", "r10", "r11");
	return ret;
}
#define X32_BIT	0x40000000L
#endif

static long
sc(long nr, long a, long b, long c, long d, long e)
{
	long r = syscall(nr, a, b, c, d, e);

	return r < 0 ? -errno : r;
}

static long
p_adjtimex_read(void)
{
	struct timex tx;

	memset(&tx, 0, sizeof(tx));	/* modes 0: only read */
	return adjtimex(&tx) < 0 ? -errno : 0;
}

static long p_mount(void) { return sc(SYS_mount, (long)"none", (long)"/nonexistent-sysprobe", BAD, 0, 0); }
static long p_umount2(void) { return sc(SYS_umount2, (long)"/", -1, 0, 0, 0); }
static long p_pivot_root(void) { return sc(SYS_pivot_root, BAD, BAD, 0, 0, 0); }
static long p_chroot(void) { return sc(SYS_chroot, BAD, 0, 0, 0, 0); }
static long p_open_tree(void) { return sc(SYS_open_tree, -1, (long)"x", 0, 0, 0); }
static long p_move_mount(void) { return sc(SYS_move_mount, -1, (long)"", -1, (long)"", -1); }
static long p_fsopen(void) { return sc(SYS_fsopen, (long)"tmpfs", -1, 0, 0, 0); }
static long p_fsmount(void) { return sc(SYS_fsmount, -1, 0, 0, 0, 0); }
static long p_fsconfig(void) { return sc(SYS_fsconfig, -1, 6, 0, 0, 0); }
static long p_fspick(void) { return sc(SYS_fspick, -1, (long)"", -1, 0, 0); }
static long p_mount_setattr(void) { return sc(SYS_mount_setattr, -1, (long)"", -1, 0, 0); }
static long p_add_key(void) { return sc(SYS_add_key, BAD, BAD, 0, 0, 0); }
static long p_request_key(void) { return sc(SYS_request_key, BAD, BAD, 0, 0, 0); }
static long p_keyctl(void) { return sc(SYS_keyctl, -1, 0, 0, 0, 0); }
static long p_bpf(void) { return sc(SYS_bpf, -1, 0, 0, 0, 0); }
static long p_perf_event_open(void) { return sc(SYS_perf_event_open, BAD, 0, -1, -1, 0); }
static long p_userfaultfd(void) { return sc(SYS_userfaultfd, -1, 0, 0, 0, 0); }
static long p_open_by_handle_at(void) { return sc(SYS_open_by_handle_at, -1, BAD, 0, 0, 0); }
static long p_init_module(void) { return sc(SYS_init_module, BAD, 0, BAD, 0, 0); }
static long p_finit_module(void) { return sc(SYS_finit_module, -1, (long)"", 0, 0, 0); }
static long p_delete_module(void) { return sc(SYS_delete_module, BAD, 0, 0, 0, 0); }
static long p_kexec_load(void) { return sc(SYS_kexec_load, 0, 0, 0, -1, 0); }
static long p_reboot(void) { return sc(SYS_reboot, 0, 0, 0, 0, 0); }
static long p_swapon(void) { return sc(SYS_swapon, BAD, 0, 0, 0, 0); }
static long p_swapoff(void) { return sc(SYS_swapoff, BAD, 0, 0, 0, 0); }
static long p_settimeofday(void) { return sc(SYS_settimeofday, BAD, BAD, 0, 0, 0); }
static long p_clock_settime(void) { return sc(SYS_clock_settime, CLOCK_REALTIME, BAD, 0, 0, 0); }
static long p_ioctl_tiocsti(void) { return sc(SYS_ioctl, -1, TIOCSTI, 0, 0, 0); }
static long p_ioctl_tiocsti_hi(void) { return sc(SYS_ioctl, -1, (long)(TIOCSTI | (0x123UL << 32)), 0, 0, 0); }
static long p_ioctl_tioclinux(void) { return sc(SYS_ioctl, -1, TIOCLINUX, 0, 0, 0); }
static long p_ioctl_fionread(void) { return sc(SYS_ioctl, -1, FIONREAD, 0, 0, 0); }
static long p_read(void) { return sc(SYS_read, -1, 0, 0, 0, 0); }
static long p_unshare_user(void) { return sc(SYS_unshare, -1, 0, 0, 0, 0); }
#if defined(__x86_64__)
/* i386 numbers: mount 21, keyctl 288, getpid 20. */
static long p_i386_getpid(void) { long r = int80(20, 0, 0, 0, 0, 0); return r < 0 ? r : 0; }
static long p_i386_mount(void) { return int80(21, BAD, BAD, BAD, 0, 0); }
static long p_i386_keyctl(void) { return int80(288, -1, 0, 0, 0, 0); }
static long p_i386_ioctl_tiocsti(void) { return int80(54, -1, TIOCSTI, 0, 0, 0); }
static long p_x32_mount(void) { return sc(X32_BIT | SYS_mount, (long)"none", (long)"/nonexistent-sysprobe", BAD, 0, 0); }
static long p_x32_keyctl(void) { return sc(X32_BIT | SYS_keyctl, -1, 0, 0, 0, 0); }
#endif

static const struct probe {
	const char	*name;
	long		(*fn)(void);
} probes[] = {
	{ "mount", p_mount }, { "umount2", p_umount2 }, { "pivot_root", p_pivot_root },
	{ "chroot", p_chroot }, { "open_tree", p_open_tree }, { "move_mount", p_move_mount },
	{ "fsopen", p_fsopen }, { "fsmount", p_fsmount }, { "fsconfig", p_fsconfig },
	{ "fspick", p_fspick }, { "mount_setattr", p_mount_setattr },
	{ "add_key", p_add_key }, { "request_key", p_request_key }, { "keyctl", p_keyctl },
	{ "bpf", p_bpf }, { "perf_event_open", p_perf_event_open },
	{ "userfaultfd", p_userfaultfd }, { "open_by_handle_at", p_open_by_handle_at },
	{ "init_module", p_init_module }, { "finit_module", p_finit_module },
	{ "delete_module", p_delete_module }, { "kexec_load", p_kexec_load },
	{ "reboot", p_reboot }, { "swapon", p_swapon }, { "swapoff", p_swapoff },
	{ "settimeofday", p_settimeofday }, { "clock_settime", p_clock_settime },
	{ "ioctl_tiocsti", p_ioctl_tiocsti }, { "ioctl_tiocsti_hi", p_ioctl_tiocsti_hi },
	{ "ioctl_tioclinux", p_ioctl_tioclinux },
	/* allowed: must never be EPERM because of the policy */
	{ "ioctl_fionread", p_ioctl_fionread }, { "read", p_read },
	{ "unshare_badflags", p_unshare_user }, { "adjtimex_read", p_adjtimex_read },
#if defined(__x86_64__)
	{ "i386_getpid", p_i386_getpid }, { "i386_mount", p_i386_mount },
	{ "i386_keyctl", p_i386_keyctl }, { "i386_ioctl_tiocsti", p_i386_ioctl_tiocsti },
	{ "x32_mount", p_x32_mount }, { "x32_keyctl", p_x32_keyctl },
#endif
};

/* Each probe in a child of its own: one that dies (int $0x80 where the
 * kernel has no IA32 emulation, a policy that kills) says how, and the
 * probes after it still run. */
static void
run(const struct probe *p)
{
	pid_t pid;
	int st;

	fflush(stdout);
	if ((pid = fork()) < 0) {
		printf("%s fork-failed\n", p->name);
		return;
	}
	if (pid == 0) {
		long r = p->fn();

		if (r >= 0)
			printf("%s OK\n", p->name);
		else
			printf("%s %s\n", p->name, strerrorname_np((int)-r) ?
			    strerrorname_np((int)-r) : "E?");
		fflush(stdout);
		_exit(0);
	}
	while (waitpid(pid, &st, 0) < 0)
		;
	if (WIFSIGNALED(st))
		printf("%s killed-by-SIG%s\n", p->name,
		    sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?");
}

/* Make one x86_64 syscall fail with ENOSYS, then exec argv. */
static int
enosys_exec(const char *name, char **argv)
{
	long nr = strcmp(name, "mount_setattr") == 0 ? SYS_mount_setattr :
	    strcmp(name, "open_tree") == 0 ? SYS_open_tree : -1;
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (nr < 0) {
		fprintf(stderr, "sysprobe: -n: unknown syscall %s\n", name);
		return 2;
	}
	/* As root no no_new_privs is needed, and file capabilities of the
	 * exec'd program still apply. */
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		perror("sysprobe: seccomp");
		return 2;
	}
	execvp(argv[0], argv);
	perror(argv[0]);
	return 127;
}

int
main(int argc, char **argv)
{
	size_t i;
	int j;

	if (argc >= 5 && strcmp(argv[1], "-n") == 0 && strcmp(argv[3], "--") == 0)
		return enosys_exec(argv[2], argv + 4);

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 1) {
		for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
			run(&probes[i]);
		return 0;
	}
	for (j = 1; j < argc; j++) {
		for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
			if (strcmp(argv[j], probes[i].name) == 0)
				break;
		if (i == sizeof(probes) / sizeof(probes[0])) {
			fprintf(stderr, "sysprobe: unknown probe %s\n", argv[j]);
			return 2;
		}
		run(&probes[i]);
	}
	return 0;
}

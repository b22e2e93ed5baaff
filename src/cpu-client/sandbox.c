/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sandbox: the client after its setup, confined (issue 14 item 4).
 *
 * The 9P server parses bytes from a remote that may be hostile, in the
 * client's own process.  Once ssh runs (transport.c's fork+exec, the
 * only one) and the export roots are open, nothing the client still
 * does needs a new program, a new socket, or a file outside the export:
 * the server opens files relative to O_PATH descriptors and reopens
 * them through /proc/self/fd, and Landlock checks the object reached,
 * wherever the walk started, so rules on the trees cover it.  Descriptors
 * opened before (stdio, the tty, the pipes to ssh, the stats file) are
 * not affected.
 *
 * Landlock: raw syscalls, every filesystem right the running ABI knows
 * is handled; read rights beneath every tree, write rights only beneath
 * writable ones.  ABI 4+: TCP bind/connect handled with no rule (denied).
 * Signal scoping (ABI 6) is not used: the client must still SIGTERM ssh,
 * which is outside the domain.
 *
 * seccomp (libseccomp, on every ABI of the machine as nsexec does):
 * EPERM for exec, ptrace and cross-process memory, socket creation and
 * use of new sockets, the mount family, namespaces, modules, kexec,
 * keyrings, bpf, perf, io_uring, userfaultfd, handles.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

/*
 * LeakSanitizer (check-all's ASan builds) stops the world at exit: a
 * helper thread lists /proc/self/task and ptrace-attaches every thread.
 * Only those builds let the sandbox allow both; a release build never.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_FOR_LSAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_FOR_LSAN	1
#endif
#endif
#ifndef SANDBOX_FOR_LSAN
#define SANDBOX_FOR_LSAN	0
#endif

/* Rights newer than this machine's <linux/landlock.h>. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER	(1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV	(1ULL << 15)
#endif
#define SB_NET_BIND_TCP		(1ULL << 0)
#define SB_NET_CONNECT_TCP	(1ULL << 1)

/* struct landlock_ruleset_attr as of ABI 4 (handled_access_net). */
struct sb_ruleset_attr {
	uint64_t	handled_access_fs;
	uint64_t	handled_access_net;
};

#define FS_READ	(LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_WRITE (LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
	LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | \
	LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | \
	LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK | \
	LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_REFER | \
	LANDLOCK_ACCESS_FS_TRUNCATE)
/* Rights that apply to a regular file as a rule's object. */
#define FS_FILE	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | \
	LANDLOCK_ACCESS_FS_IOCTL_DEV)

static uint64_t
fs_rights(int abi)
{
	/* ABI 1: EXECUTE .. MAKE_SYM; 2: REFER; 3: TRUNCATE; 5: IOCTL_DEV. */
	uint64_t r = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;

	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return r;
}

static int
landlock_apply(const struct sandbox_tree *t, size_t n, const char **why)
{
	struct sb_ruleset_attr attr = { 0 };
	struct landlock_path_beneath_attr pb;
	struct stat st;
	uint64_t handled;
	long abi, rs;
	size_t i;
	int fd, err;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1) {
		*why = errno == ENOSYS ? "not built into this kernel" :
		    errno == EOPNOTSUPP ? "disabled at boot (lsm=)" :
		    "unknown error";
		return SANDBOX_NO_LANDLOCK;
	}
	handled = fs_rights((int)abi);
	attr.handled_access_fs = handled;
	if (abi >= 4)
		attr.handled_access_net = SB_NET_BIND_TCP | SB_NET_CONNECT_TCP;
	rs = syscall(SYS_landlock_create_ruleset, &attr,
	    abi >= 4 ? sizeof(attr) : sizeof(attr.handled_access_fs), 0);
	if (rs < 0) {
		*why = "landlock_create_ruleset";
		return -errno;
	}
	for (i = 0; i < n; i++) {
		if ((fd = open(t[i].path, O_PATH | O_CLOEXEC)) < 0 &&
		    errno == ENOENT)
			continue;	/* gone since: nothing to allow */
		if (fd < 0 || fstat(fd, &st) != 0) {
			err = errno;
			if (fd >= 0)
				close(fd);
			close((int)rs);
			*why = t[i].path;
			return -err;
		}
		pb.parent_fd = fd;
		pb.allowed_access = handled & (t[i].listonly ?
		    LANDLOCK_ACCESS_FS_READ_DIR :
		    t[i].readonly ? FS_READ : FS_READ | FS_WRITE);
		if (!S_ISDIR(st.st_mode))
			pb.allowed_access &= FS_FILE;
		if (syscall(SYS_landlock_add_rule, (int)rs,
		    LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0) {
			err = errno;
			close(fd);
			close((int)rs);
			*why = t[i].path;
			return -err;
		}
		close(fd);
	}
	if (syscall(SYS_landlock_restrict_self, (int)rs, 0) != 0) {
		err = errno;
		close((int)rs);
		*why = "landlock_restrict_self";
		return -err;
	}
	close((int)rs);
	return 0;
}

/* Denied with EPERM: nothing the client does after its setup. */
static const char *const denied[] = {
	/* a new program */
	"execve", "execveat",
	/* other processes' memory and control */
	"ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd",
	"kcmp", "process_madvise",
	/* new sockets (the pipes to ssh and stdio are already open) */
	"socket", "socketpair", "socketcall", "connect", "bind", "listen",
	"accept", "accept4",
	/* the mount family and namespaces */
	"mount", "umount", "umount2", "pivot_root", "chroot",
	"move_mount", "fsopen", "fsmount", "fsconfig", "fspick",
	"open_tree", "mount_setattr", "unshare", "setns",
	/* kernel code and the machine */
	"init_module", "finit_module", "delete_module", "create_module",
	"kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff",
	"iopl", "ioperm", "acct", "quotactl", "quotactl_fd", "nfsservctl",
	"uselib", "vhangup", "personality",
	"settimeofday", "clock_settime", "clock_settime64", "stime",
	/* keyrings are not namespaced */
	"add_key", "request_key", "keyctl",
	/* kernel attack surface; io_uring would also run calls unfiltered */
	"bpf", "perf_event_open", "userfaultfd",
	"io_uring_setup", "io_uring_enter", "io_uring_register",
	/* handles bypass path checks */
	"open_by_handle_at",
};

static int
seccomp_apply(void)
{
	const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
	scmp_filter_ctx ctx;
	size_t i;
	int rc, nr;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		return -ENOMEM;
	/* Every ABI this CPU runs, so 32-bit calls cannot walk around. */
	if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
		if ((rc = seccomp_arch_add(ctx, SCMP_ARCH_X86)) < 0 && rc != -EEXIST)
			goto out;
		if ((rc = seccomp_arch_add(ctx, SCMP_ARCH_X32)) < 0 && rc != -EEXIST)
			goto out;
	}
	/* no_new_privs: harmless here, the client never execs again. */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1)) < 0)
		goto out;
	for (i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		if (SANDBOX_FOR_LSAN && strcmp(denied[i], "ptrace") == 0)
			continue;
		nr = seccomp_syscall_resolve_name(denied[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;
		rc = seccomp_rule_add(ctx, eperm, nr, 0);
		if (rc < 0 && rc != -EDOM && rc != -EINVAL && rc != -EEXIST)
			goto out;
	}
	/* Typing into a terminal (see src/nsexec/seccomp.c). */
	if ((rc = seccomp_rule_add(ctx, eperm, SCMP_SYS(ioctl), 1,
	    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI))) < 0 ||
	    (rc = seccomp_rule_add(ctx, eperm, SCMP_SYS(ioctl), 1,
	    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX))) < 0)
		goto out;
	rc = seccomp_load(ctx);
out:
	seccomp_release(ctx);
	return rc < 0 ? rc : 0;
}

int
sandbox_enter(const struct sandbox_tree *trees, size_t ntrees,
    const char **why)
{
	const char *dummy;
	int ll, rc;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	/* Landlock first: its syscalls are not on seccomp's list, but the
	 * rule paths are opened here. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		*why = "no_new_privs";
		return -errno;
	}
	if (SANDBOX_FOR_LSAN) {
		struct sandbox_tree *t = calloc(ntrees + 1, sizeof(*t));

		if (t == NULL)
			return -ENOMEM;
		memcpy(t, trees, ntrees * sizeof(*t));
		t[ntrees] = (struct sandbox_tree){ .path = "/proc",
		    .readonly = true };
		ll = landlock_apply(t, ntrees + 1, why);
		free(t);
	} else
		ll = landlock_apply(trees, ntrees, why);
	if (ll < 0)
		return ll;
	if ((rc = seccomp_apply()) < 0) {
		*why = "seccomp";
		return rc;
	}
	return ll;
}

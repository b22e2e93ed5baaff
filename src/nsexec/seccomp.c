/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * seccomp: the session's syscall policy, loaded as the very last step
 * before execve (as bubblewrap does), so the filter never has to allow
 * anything nsexec itself needs.
 *
 * "default" is a deny-list, not a sandbox (security.md promise 10): it
 * turns away calls that administer the machine or have been the road to
 * kernel exploits, and that an ordinary login has no use for or cannot
 * make anyway.  Denied calls fail with EPERM, on every ABI of the
 * architecture (x86_64, i386 through int $0x80, x32), so a 32-bit
 * program cannot walk around the list.  The list and its reasons are in
 * doc/nsexec.md; keep them in step.
 */
#include "config.h"

#include <errno.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>

#include "nsexec.h"

/* Denied outright. */
static const char *const denied[] = {
	/* kernel code and the machine itself */
	"init_module", "finit_module", "delete_module", "create_module",
	"kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff",
	"iopl", "ioperm", "acct", "quotactl", "quotactl_fd", "nfsservctl",
	"uselib", "vhangup",
	/* setting the clocks (reading them stays allowed) */
	"settimeofday", "clock_settime", "clock_settime64", "stime",
	/* the mount family: the session's namespace is built, not edited */
	"mount", "umount", "umount2", "pivot_root", "chroot",
	"move_mount", "fsopen", "fsmount", "fsconfig", "fspick",
	"open_tree", "mount_setattr",
	/* kernel keyrings are not namespaced */
	"add_key", "request_key", "keyctl",
	/* frequent kernel attack surface */
	"bpf", "perf_event_open", "userfaultfd",
	/* handles bypass path permission checks */
	"open_by_handle_at",
};

static int
add_rules(scmp_filter_ctx ctx)
{
	const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
	size_t i;
	int rc, nr;

	for (i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		nr = seccomp_syscall_resolve_name(denied[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;	/* not known to this libseccomp */
		rc = seccomp_rule_add(ctx, eperm, nr, 0);
		/* -EDOM/-EINVAL: the call does not exist on one of the ABIs */
		if (rc < 0 && rc != -EDOM && rc != -EINVAL)
			return rc;
	}
	/*
	 * TIOCSTI pushes bytes into a terminal's input, TIOCLINUX can copy
	 * the console selection back: both let a program type commands into
	 * someone else's shell (bubblewrap CVE-2017-5226, CVE-2023-1523).
	 * The request is compared on its low 32 bits only, because the
	 * kernel ignores the high bits (CVE-2019-10063: TIOCSTI | 1 << 32).
	 */
	rc = seccomp_rule_add(ctx, eperm, SCMP_SYS(ioctl), 1,
	    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI));
	if (rc < 0)
		return rc;
	rc = seccomp_rule_add(ctx, eperm, SCMP_SYS(ioctl), 1,
	    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX));
	return rc < 0 ? rc : 0;
}

int
sc_build(enum sc_policy policy, int root, void **out)
{
	scmp_filter_ctx ctx;
	int rc;

	*out = NULL;
	if (policy == SC_NONE)
		return 0;
	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		return -ENOMEM;
	/* Every ABI this CPU can run, each with the same list. */
	if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
		if ((rc = seccomp_arch_add(ctx, SCMP_ARCH_X86)) < 0 && rc != -EEXIST)
			goto fail;
		if ((rc = seccomp_arch_add(ctx, SCMP_ARCH_X32)) < 0 && rc != -EEXIST)
			goto fail;
	}
	/* Root holds CAP_SYS_ADMIN, which makes no_new_privs unnecessary for
	 * loading; for everyone else nsexec has set it already. */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, root ? 0 : 1)) < 0)
		goto fail;
	if ((rc = add_rules(ctx)) < 0)
		goto fail;
	*out = ctx;
	return 0;
fail:
	seccomp_release(ctx);
	return rc;
}

int
sc_load(void *ctx)
{
	int rc;

	if (ctx == NULL)
		return 0;
	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * caps: nsexec's privilege model.
 *
 * nsexec is never setuid.  A root login runs it as root; for everyone
 * else the administrator grants file capabilities:
 *
 *	setcap cap_sys_admin,cap_setpcap+ep nsexec
 *
 * CAP_SYS_ADMIN is for the mounts (9p has no FS_USERNS_MOUNT, so a user
 * namespace cannot stand in for it); CAP_SETPCAP only lets nsexec empty
 * its own bounding set before exec, so the command ends with no
 * capability of any kind.  With file capabilities the loader runs in
 * secure mode (AT_SECURE): LD_* are ignored and the process starts
 * non-dumpable.
 *
 * bubblewrap >= 0.11.2 refuses to run setuid, and so do we: a setuid
 * nsexec would run its privileged part with the caller's environment
 * and limits and a root-owned euid we never want.
 */
#include "config.h"

#include <cap-ng.h>
#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nsexec.h"

int
caps_refuse_setuid(const char **why)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	struct stat st;

	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0) {
		*why = "cannot read the process credentials";
		return -errno;
	}
	if (ru != eu || ru != su || rg != eg || rg != sg) {
		*why = "nsexec is running set-user-ID or set-group-ID";
		return -EPERM;
	}
	/* Caught even when root runs a setuid-root copy (ruid == euid). */
	if (stat("/proc/self/exe", &st) < 0) {
		*why = "cannot stat /proc/self/exe (is /proc mounted?)";
		return -errno;
	}
	if (st.st_mode & (S_ISUID | S_ISGID)) {
		*why = "nsexec is installed set-user-ID or set-group-ID";
		return -EPERM;
	}
	return 0;
}

int
caps_have_effective(int cap)
{
	if (capng_get_caps_process() != 0)
		return 0;
	return capng_have_capability(CAPNG_EFFECTIVE, (unsigned)cap) != 0;
}

int
caps_verify_none(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { { 0, 0, 0 } };
	int cap, r, i;

	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (data[i].effective || data[i].permitted || data[i].inheritable)
			return -EPERM;
	for (cap = 0; cap < 64; cap++) {
		r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (r < 0 && errno == EINVAL)
			break;		/* past the kernel's last capability */
		if (r != 0)
			return -EPERM;
		r = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0);
		if (r != 0 && !(r < 0 && errno == EINVAL))
			return -EPERM;
	}
	return 0;
}

int
caps_held(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { { 0, 0, 0 } };
	int cap, i, r;

	if (syscall(SYS_capget, &hdr, data) < 0)
		return 1;	/* can't tell: assume so, and drop */
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (data[i].effective || data[i].permitted)
			return 1;
	for (cap = 0; cap < 64; cap++) {
		r = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0);
		if (r < 0)
			break;
		if (r > 0)
			return 1;
	}
	return 0;
}

int
caps_drop_all(void)
{
	if (capng_get_caps_process() != 0)
		return -EIO;
	capng_clear(CAPNG_SELECT_ALL);
	/*
	 * One set at a time, in an order that works: the bounding set needs
	 * CAP_SETPCAP in the effective set, so it goes first; libcap-ng does
	 * not always set errno, so every result is checked here and the
	 * whole state is read back from the kernel at the end.
	 */
	if (capng_apply(CAPNG_SELECT_BOUNDS) != 0)
		return -EPERM;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return -errno;
	if (capng_apply(CAPNG_SELECT_CAPS) != 0)
		return -EPERM;
	return caps_verify_none();
}

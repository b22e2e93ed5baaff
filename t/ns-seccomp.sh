#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# ns-seccomp: the default policy checked behaviourally (security.md N10).
# t/sysprobe makes each call with bad arguments: allowed, it fails with
# EBADF/EFAULT/EINVAL/...; denied, with EPERM.  Root with -S none gives
# the baseline, root with -S default shows every rule (root could make
# most of these calls for real), and a user session shows the default.
. "${top_srcdir:-$(dirname "$0")/..}/t/ns-lib.sh"
need_root_ns
[ -x "$SYSPROBE" ] || skip_all "t/sysprobe not built"
CAPNS=$(cap_nsexec)
mkdir "$T/tmp"
cp "$SYSPROBE" "$T/sysprobe"
chmod 755 "$T/sysprobe"

DENIED="mount umount2 pivot_root chroot open_tree move_mount fsopen fsmount fsconfig fspick mount_setattr add_key request_key keyctl bpf perf_event_open userfaultfd open_by_handle_at init_module finit_module delete_module kexec_load reboot swapon swapoff settimeofday clock_settime ioctl_tiocsti ioctl_tiocsti_hi ioctl_tioclinux"
ALLOWED="ioctl_fionread read unshare_badflags adjtimex_read"
# Calls whose baseline must differ from EPERM here, so that EPERM under
# the policy can only come from the policy.
CORE="mount umount2 open_tree fsopen add_key keyctl chroot ioctl_tiocsti ioctl_tiocsti_hi"

"$NSEXEC" -t "$T/tmp" -S none -- "$T/sysprobe" >"$T/base" 2>&1
"$NSEXEC" -t "$T/tmp" -S default -- "$T/sysprobe" >"$T/root" 2>&1
as_nobody "$CAPNS" -t "$T/tmp" -- "$T/sysprobe" >"$T/user" 2>&1
errno_of() { awk -v c="$1" '$1 == c {print $2}' "$2"; }

for c in $CORE; do
	b=$(errno_of $c "$T/base")
	check "baseline: $c is not EPERM without a policy ($b)" [ -n "$b" ] && [ "$b" != EPERM ]
done
for c in $DENIED; do
	check "root -S default: $c denied with EPERM" [ "$(errno_of $c "$T/root")" = EPERM ]
	check "user default policy: $c denied with EPERM" [ "$(errno_of $c "$T/user")" = EPERM ]
done
for c in $ALLOWED; do
	b=$(errno_of $c "$T/base")
	check "allowed $c unaffected for root ($b)" [ "$(errno_of $c "$T/root")" = "$b" ]
	check "allowed $c unaffected for a user ($b)" [ "$(errno_of $c "$T/user")" = "$b" ]
done

# The other ABIs of x86_64: i386 through int $0x80, x32 through the x32 bit.
if [ "$(uname -m)" = x86_64 ]; then
	if [ "$(errno_of i386_getpid "$T/base")" = OK ]; then
		for c in i386_mount i386_keyctl i386_ioctl_tiocsti; do
			b=$(errno_of $c "$T/base")
			check "i386 ABI baseline: $c not EPERM ($b)" [ "$b" != EPERM ]
			check "i386 ABI: $c denied for root -S default" [ "$(errno_of $c "$T/root")" = EPERM ]
			check "i386 ABI: $c denied for a user" [ "$(errno_of $c "$T/user")" = EPERM ]
		done
		check "i386 ABI: getpid still works" [ "$(errno_of i386_getpid "$T/user")" = OK ]
	else
		ok "# SKIP i386 ABI: this kernel has no IA32 emulation (i386_getpid: $(errno_of i386_getpid "$T/base"))"
	fi
	# The policy filters x32 with the same list (src/nsexec/seccomp.c):
	# EPERM, not a kill, and before the kernel looks at the call, so
	# also where the kernel has no x32 (there the baseline is ENOSYS).
	for c in x32_mount x32_keyctl; do
		b=$(errno_of $c "$T/base")
		check "x32 ABI baseline: $c ran and is not EPERM (${b:-no line})" [ -n "$b" ] && [ "$b" != EPERM ]
		check "x32 ABI: $c denied with EPERM for root -S default ($(errno_of $c "$T/root"))" \
		    [ "$(errno_of $c "$T/root")" = EPERM ]
		check "x32 ABI: $c denied with EPERM for a user ($(errno_of $c "$T/user"))" \
		    [ "$(errno_of $c "$T/user")" = EPERM ]
	done
fi

# Workloads are unaffected (positive set).
as_nobody "$CAPNS" -t "$T/tmp" -- /bin/sh -c 'echo hi | sort | wc -l; ls / >/dev/null; date >/dev/null; (sleep 0 &) ; wait' >"$T/out" 2>&1
check "ordinary commands run under the default policy" [ "$(cat "$T/out")" = 1 ]
as_nobody "$CAPNS" -t "$T/tmp" -- unshare -U true >"$T/out" 2>&1
rc=$?
if [ -r /proc/sys/user/max_user_namespaces ] && [ "$(cat /proc/sys/user/max_user_namespaces)" != 0 ]; then
	expect_rc 0 $rc "user namespaces stay available to the user (not on the deny-list)"
fi

check_no_new_mounts "end"
done_testing

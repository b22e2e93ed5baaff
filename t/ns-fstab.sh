#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# ns-fstab: fstab (-f) mounts that are allowed, and what they look like
# (security.md S06): a user's binds and tmpfs are nosuid,nodev; a bind
# does not make an unreadable file readable; a failed mount warns and
# the session goes on; root may use other types.
. "${top_srcdir:-$(dirname "$0")/..}/t/ns-lib.sh"
need_root_ns
CAPNS=$(cap_nsexec)
mkdir -p "$T/tmp" "$T/m1" "$T/m2" "$T/m3" "$T/m4" "$T/src/sub" "$T/secret"
echo hello >"$T/src/file"
chown -R $NOBODY "$T/src"
echo topsecret >"$T/secret/key"
chmod 700 "$T/secret"

cat >"$T/fstab" <<EOF
# a comment, then a blank line

tmpfs $T/m1 tmpfs size=1M,mode=0755 0 0
$T/src $T/m2 none bind,ro 0 0
/etc/shadow $T/m3/shadow none bind 0 0
$T/secret/key $T/m4/key none bind 0 0
$T/secret $T/m4 none bind 0 0
EOF
touch "$T/m4/key"
touch "$T/m3/shadow"
as_nobody "$CAPNS" -t "$T/tmp" -f 3 -E 4 -- /bin/sh -c "
	grep -E ' $T/m[0-9]' /proc/self/mountinfo
	cat $T/m2/file
	touch $T/m2/new 2>/dev/null && echo WROTE
	cat $T/m3/shadow >/dev/null 2>&1 && echo READ-SHADOW
	ls $T/m4 >/dev/null 2>&1 && echo LISTED-SECRET
	cat $T/m1/x 2>/dev/null; echo data >$T/m1/x && cat $T/m1/x" 3<"$T/fstab" 4>"$T/status" >"$T/out" 2>&1
expect_rc 0 $? "user session with an fstab runs"
expect_in "$T/out" " $T/m1 rw,nosuid,nodev.* - tmpfs tmpfs rw,size=1024k,.*mode=755" "user tmpfs: nosuid,nodev, size and mode as asked"
expect_in "$T/out" " $T/m2 ro,nosuid,nodev" "user bind: ro as asked, nosuid,nodev forced"
expect_in "$T/out" "^hello\$" "user bind shows the source"
expect_not_in "$T/out" "^WROTE\$" "user bind,ro is read-only"
expect_in "$T/out" "^data\$" "user tmpfs is writable"
expect_not_in "$T/out" "READ-SHADOW" "binding /etc/shadow does not make it readable"
expect_in "$T/status" "^W fstab line 6: mounting $T/secret/key on $T/m4/key failed: Permission denied\$" "a source the user cannot reach: W line naming the line, session goes on"
expect_not_in "$T/out" "LISTED-SECRET" "binding a directory the user cannot read keeps it unreadable"

# A missing target or source: W, and the rest still mounted (u-root behaviour).
printf 'tmpfs %s/nonexistent tmpfs\n/nonexistent %s/m2 none bind\ntmpfs %s/m1 tmpfs\n' "$T" "$T" "$T" >"$T/fstab"
as_nobody "$CAPNS" -t "$T/tmp" -f 3 -E 4 -- /bin/sh -c "grep -c ' $T/m1 ' /proc/self/mountinfo" 3<"$T/fstab" 4>"$T/status" >"$T/out" 2>&1
expect_in "$T/status" "^W fstab line 1: mounting tmpfs on $T/nonexistent failed: No such file or directory\$" "missing target: W line"
expect_in "$T/status" "^W fstab line 2: mounting /nonexistent on $T/m2 failed: No such file or directory\$" "missing source: W line"
expect_in "$T/out" "^1\$" "the following line is still mounted"

# Recursive binds: submounts get nosuid,nodev as well, keeping their ro.
mkdir -p "$T/tree/inner" "$T/m5"
unshare -m --propagation private sh -c "
	mount -t tmpfs -o ro inner $T/tree/inner
	printf '%s %s none rbind 0 0\n' $T/tree $T/m5 >$T/fstab
	setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups --inh-caps=-all \
	    $CAPNS -t $T/tmp -f 3 -- /bin/sh -c \"grep ' $T/m5' /proc/self/mountinfo\" 3<$T/fstab" >"$T/out" 2>&1
expect_in "$T/out" " $T/m5 rw,nosuid,nodev" "rbind: the top is nosuid,nodev"
expect_in "$T/out" " $T/m5/inner ro,nosuid,nodev" "rbind: the submount too, still ro"

# Kernels before 5.12 (no mount_setattr, simulated with a seccomp errno):
# a plain bind is remounted with nosuid,nodev; a recursive one is refused.
printf '%s %s none bind 0 0\n' "$T/src" "$T/m2" >"$T/fstab"
"$SYSPROBE" -n mount_setattr -- setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups --inh-caps=-all \
    "$CAPNS" -t "$T/tmp" -f 3 -- /bin/sh -c "grep ' $T/m2 ' /proc/self/mountinfo" 3<"$T/fstab" >"$T/out" 2>&1
expect_in "$T/out" " $T/m2 rw,nosuid,nodev" "no mount_setattr: a user's bind still gets nosuid,nodev"
printf '%s %s none rbind 0 0\n' "$T/tree" "$T/m5" >"$T/fstab"
"$SYSPROBE" -n mount_setattr -- setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups --inh-caps=-all \
    "$CAPNS" -t "$T/tmp" -f 3 -E 4 -- /bin/sh -c "grep -c ' $T/m5' /proc/self/mountinfo" 3<"$T/fstab" 4>"$T/status" >"$T/out" 2>&1
expect_in "$T/status" "^W fstab line 1: mounting $T/tree on $T/m5 failed: Function not implemented\$" "no mount_setattr: a recursive bind is refused with a warning"
expect_in "$T/out" "^0\$" "... and nothing is left mounted there"

# Root: wider list, flags as written.
printf 'myfs %s/m1 virtiofs rw 0 0\ntmpfs %s/m2 tmpfs size=2M 0 0\n%s %s/m3 none bind,suid 0 0\n' "$T" "$T" "$T/src" "$T" >"$T/fstab"
"$NSEXEC" -t "$T/tmp" -f 3 -E 4 -- /bin/sh -c "grep -E ' $T/m[0-9] ' /proc/self/mountinfo" 3<"$T/fstab" 4>"$T/status" >"$T/out" 2>&1
expect_rc 0 $? "root fstab: session runs"
if grep -qw virtiofs /proc/filesystems; then
	ok "# SKIP virtiofs present: its mount failure is not checked"
else
	expect_in "$T/status" "^W fstab line 1: mounting myfs on $T/m1 failed: No such device\$" "root: virtiofs accepted, its failure here is a warning"
fi
expect_in "$T/out" " $T/m2 rw,relatime - tmpfs tmpfs rw,size=2048k" "root: tmpfs as written (no forced nosuid)"
expect_in "$T/out" " $T/m3 rw,relatime" "root: bind,suid accepted"

check_no_new_mounts "end"
done_testing

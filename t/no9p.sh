#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# A remote kernel without 9p: one clear line, exit 255 (issue 4 item 7).
# Runs on this machine's kernel, which must lack 9p for the test to apply.
. "$top_srcdir/t/lib/common.sh"
need_root
if grep -qw 9p /proc/filesystems || modprobe -q 9p 2>/dev/null; then
	skip_all "this kernel has 9p; the no-9p path cannot be shown here"
fi
"$CPU" -D "$SUBSYS -N $NSEXEC" h /bin/date >"$T/out" 2>"$T/err"
check_eq "no 9p in the remote kernel: exit 255" 255 "$?"
check "no 9p: one line saying what to load" \
	grep -qx 'cpu: h: the remote kernel has no 9p filesystem: load the 9p and 9pnet_fd modules' "$T/err"
check_eq "no 9p: exactly one line" 1 "$(wc -l < "$T/err")"
check "no 9p: the command did not run" test ! -s "$T/out"
out=$("$CPU" -D "$SUBSYS -N $NSEXEC" -9p=false -namespace= h /bin/echo plain)
check_eq "no 9p: -9p=false -namespace=\"\" still works" plain "$out"
t_done

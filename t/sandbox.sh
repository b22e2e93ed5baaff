#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The client's sandbox (issue 14 item 4), through the test-only
# t/sandbox-probe: inside the trees reads work and writes only where
# writable; outside is refused (Landlock); exec and sockets are refused
# (seccomp).
. "$top_srcdir/t/lib/common.sh"

d=$T
mkdir "$d/rw" "$d/ro"
echo x >"$d/rw/file"; echo y >"$d/ro/file"; echo z >"$d/outside"
out=$("$top_builddir/t/sandbox-probe" -w "$d/rw" -r "$d/ro" -- "$d/outside")
printf '%s\n' "$out" | sed 's/^/# /'
got() { printf '%s\n' "$out" | grep -qx "$1"; }
ll=$(printf '%s\n' "$out" | sed -n 's/^landlock //p')
got 'read-rw ok' && ok "read in a writable tree" || not_ok "read in a writable tree"
got 'write-rw ok' && ok "write in a writable tree" || not_ok "write in a writable tree"
got 'create-rw ok' && ok "create from a pre-opened tree fd" || not_ok "create from a pre-opened tree fd"
got 'read-ro ok' && ok "read in a read-only tree" || not_ok "read in a read-only tree"
if [ "$ll" = on ]; then
	got 'write-ro EACCES' && ok "write in a read-only tree: EACCES" || not_ok "write in a read-only tree"
	got 'read-outside EACCES' && ok "open outside: EACCES" || not_ok "open outside"
	got 'dotdot-outside EACCES' && ok "'..' from a tree fd: EACCES" || not_ok "'..' from a tree fd"
else
	for i in 1 2 3; do ok "# SKIP landlock: $ll"; done
fi
got 'socket EPERM' && ok "socket: EPERM" || not_ok "socket"
got 'socket-unix EPERM' && ok "unix socket: EPERM" || not_ok "unix socket"
got 'execve EPERM' && ok "execve: EPERM" || not_ok "execve"
[ "$(cat "$d/ro/file")" = y ] && [ ! -e "$d/ro/new" ] && ok "read-only tree unchanged" || not_ok "read-only tree changed"
t_done

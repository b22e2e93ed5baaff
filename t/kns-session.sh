#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# kns-session: nsexec with the real kernel 9p client (in user-mode-linux
# when this kernel has none), served by t/p9run: the 9P mount and its
# options, binds from the client tree (merged-/usr symlinks on both
# sides), remote=local, missing entries, fstab, coherence, privacy, and
# N07 (set-id files and device nodes served by the client), for a root
# login and for an ordinary one through the file capabilities.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
if [ -z "${CPU_TEST_KERNEL:-}" ]; then
	exec "$top_srcdir/t/lib/uml-run" "$0" "$@"
fi
. "$top_srcdir/t/ns-lib.sh"
. "$top_srcdir/t/lib/mountopts.sh"
need_root_ns
grep -qw 9p /proc/filesystems || skip_all "no 9p filesystem even after loading modules"
P9RUN=$top_builddir/t/p9run
[ -x "$P9RUN" ] || skip_all "t/p9run not built"
CAPNS=$(cap_nsexec)
cp "$SYSPROBE" "$T/sysprobe"

# The client's export: a merged-/usr tree with a program only it has,
# data owned by the ordinary user, a set-uid-root program, device nodes.
E=$T/export
mkdir -p "$E/data" "$E/tree/usr/bin" "$E/home/u" "$T/tmp" "$T/m1" "$T/m2" "$T/m3"
ln -s usr/bin "$E/tree/bin"			# relative, like a merged-/usr client
ln -s /tree/usr/bin "$E/absbin"			# absolute: must stay in the export
ln -s ../../../../../.. "$E/escape"		# climbs: must stay in the export
cp /bin/dash "$E/tree/usr/bin/sh"
for p in cat ls grep head; do cp "$(command -v $p)" "$E/tree/usr/bin/"; done
printf '#!/bin/sh\necho only-in-client "$@"\n' >"$E/tree/usr/bin/clientonly"
chmod 755 "$E/tree/usr/bin/clientonly"
echo v1 >"$E/data/f"
cp /usr/bin/id "$E/suid-id"
chmod 4755 "$E/suid-id"
mknod -m 666 "$E/devnull" c 1 3
mknod -m 666 "$E/blockdev" b 7 0
chown -R $NOBODY "$E/data" "$E/home/u"
chmod -R a+rX "$E"

# ns ARGS... -- CMD: a root session served from $E
ns() { "$P9RUN" -r "$E" -- "$NSEXEC" -9 3 "$@"; }
# uns ARGS... -- CMD: the same for uid 65534 with the capability copy
uns() { "$P9RUN" -r "$E" -- setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups --inh-caps=-all "$CAPNS" -9 3 "$@"; }

# --- the 9P mount (issue 4 item 8)
ns -n "" -- /bin/sh -c 'cat /proc/mounts; ls /tmp/cpu' >"$T/out" 2>"$T/err"
expect_rc 0 $? "root session with the 9P mount runs"
check "/tmp/cpu is 9p, nosuid,nodev, trans=fd, access=client for root" \
    grep -q "^cpu /tmp/cpu 9p " "$T/out"
check "/tmp/cpu: nosuid,nodev, trans=fd, access=client, msize 1 MiB" \
    has_opts "$T/out" /tmp/cpu rw nosuid nodev access=client msize=1048576 trans=fd
expect_in "$T/out" "^cpu /tmp tmpfs rw,nosuid,nodev" "/tmp is the session tmpfs"
expect_in "$T/out" "^suid-id\$" "/tmp/cpu shows the client's export"
check "-n \"\": no bind but /tmp/cpu" [ "$(grep -c ' 9p ' "$T/out")" = 1 ]
ns -m 65536 -u alice -n "" -- /bin/sh -c 'grep " /tmp/cpu " /proc/mounts' >"$T/out" 2>&1
expect_in "$T/out" "msize=65536" "-m sets msize"
expect_in "$T/out" "uname=alice\|access=client" "-u passes the uname"

# --- binds from the client tree, symlinks on both sides
printf 'PATH=/bin\0' >"$T/env"
ns -t "$T/tmp" -n "/bin=/tree/bin:$T/m1=/data:$T/m2=/absbin:$T/m3=/escape" -e 4 -- clientonly arg \
    4<"$T/env" >"$T/out" 2>"$T/err"
expect_in "$T/out" "^only-in-client arg\$" "a program only the client has runs by PATH (/bin=/tree/bin)"
ns -t "$T/tmp" -n "/bin=/tree/bin:$T/m1=/data:$T/m2=/absbin:$T/m3=/escape" -- /usr/bin/sh -c \
    "cat /proc/self/mountinfo; ls $T/m2 $T/m3" >"$T/out" 2>"$T/err"
expect_in "$T/out" " /usr/bin rw,nosuid,nodev.* - 9p cpu " "remote /bin -> usr/bin resolved: the bind is on /usr/bin, nosuid,nodev"
expect_in "$T/out" " /tree/usr/bin $T/m2 " "absolute client symlink resolved inside the export"
expect_in "$T/out" " / $T/m3 rw,nosuid,nodev" "climbing client symlink clamped at the export root"
expect_in "$T/out" "^clientonly\$" "... and shows the client's files"
expect_in "$T/out" " $T/m1 rw,nosuid,nodev.* - 9p " "remote=local mapping: $T/m1 from /data"
if awk '$9 == "9p" && $6 !~ /nosuid/ {bad = 1} $9 == "9p" && $6 !~ /nodev/ {bad = 1} END {exit bad}' "$T/out"; then
	ok "N07 every 9p mount and bind is nosuid,nodev"
else
	not_ok "N07 every 9p mount and bind is nosuid,nodev"
fi

# --- a missing entry warns and the session goes on (the article's /lib64)
ns -t "$T/tmp" -E 4 -n "$T/m1=/nonexistent:$T/nonexistent=/data:$T/m2=/data" -- /bin/sh -c "cat $T/m2/f" \
    4>"$T/status" >"$T/out" 2>&1
expect_rc 0 $? "missing namespace entries are not fatal"
expect_in "$T/status" "^W mounting $T/tmp/cpu/nonexistent on $T/m1 failed: No such file or directory\$" "missing source: one W line naming it"
expect_in "$T/status" "^W mounting $T/tmp/cpu/data on $T/nonexistent failed: No such file or directory\$" "missing target: one W line naming it"
expect_in "$T/out" "^v1\$" "the other entries are mounted"

# --- fstab after the binds, including a bind out of the 9P mount
printf 'tmpfs %s/m2 tmpfs size=1M\n%s/tmp/cpu/data %s/m3 none bind,ro\n' "$T" "$T" "$T" >"$T/fstab"
ns -t "$T/tmp" -f 4 -n "$T/m1=/data" -- /bin/sh -c "grep -E ' $T/m[23] ' /proc/self/mountinfo; cat $T/m3/f" \
    4<"$T/fstab" >"$T/out" 2>&1
expect_in "$T/out" " $T/m2 .* - tmpfs " "fstab: tmpfs mounted"
expect_in "$T/out" " $T/m3 ro,nosuid,nodev.* - 9p " "fstab: bind out of /tmp/cpu, ro"
expect_in "$T/out" "^v1\$" "fstab: the bind shows the client's file"

# --- the export's modes (-r/-w, issue 14): read-only trees bound ro
ns -t "$T/tmp" -r "/data:/tree" -w "/home/u:/tree/usr" -n "$T/m1=/data:$T/m2=/home/u:$T/m3=/tree" -- \
    /bin/sh -c "grep -E ' $T/m[123] | $T/tmp/cpu ' /proc/self/mountinfo; echo x > $T/m1/new; echo rc=\$?" \
    >"$T/out" 2>&1
expect_in "$T/out" " $T/m1 ro,nosuid,nodev.* - 9p " "-r /data: its bind is read-only"
expect_in "$T/out" " $T/m2 rw,nosuid,nodev.* - 9p " "-w /home/u: its bind stays rw"
expect_in "$T/out" " $T/m3 rw,nosuid,nodev.* - 9p " "-r /tree with -w /tree/usr below: rw (the server decides)"
expect_in "$T/out" " $T/tmp/cpu rw,nosuid,nodev.* - 9p " "writable trees exist: /tmp/cpu stays rw"
expect_in "$T/out" "Read-only file system" "a write into the read-only bind: EROFS from the kernel"
check "... and nothing reached the client" test ! -e "$E/data/new"
ns -t "$T/tmp" -r "/" -w "" -n "$T/m1=/data" -- /bin/sh -c "grep -E ' $T/m1 | $T/tmp/cpu ' /proc/self/mountinfo" \
    >"$T/out" 2>&1
expect_in "$T/out" " $T/tmp/cpu ro,nosuid,nodev.* - 9p " "nothing writable: /tmp/cpu itself is ro"
expect_in "$T/out" " $T/m1 ro,nosuid,nodev.* - 9p " "... and so is the bind"
ns -t "$T/tmp" -E 4 -r "/data/../etc" -n "$T/m1=/data" -- /bin/true 4>"$T/status" >"$T/out" 2>&1
expect_rc 125 $? "-r with a '..' entry: refused before anything"
expect_in "$T/status" "^E read-only (-r) entry 1 /data/../etc: " "... naming the entry"

# --- coherence (cache=none) and writes reaching the client
# The session says when its first read is over (read1, through /tmp/local,
# the host's /); only then does the client change the file.
rm -f "$T/read1" "$T/go"
ns -t "$T/tmp" -n "$T/m1=/data" -- /bin/sh -c "cat $T/m1/f; : >$T/tmp/local$T/read1; \
    i=0; while [ ! -e $T/tmp/local$T/go ] && [ \$i -lt 1800 ]; do sleep 0.1; i=\$((i+1)); done; \
    cat $T/m1/f; echo from-remote >$T/m1/written" >"$T/out" 2>&1 &
bg=$!
wait_for 1800 test -e "$T/read1"
echo v2 >"$E/data/f"
touch "$T/go"
wait $bg
check "cache=none: the session sees the client's change at the next read" [ "$(tr '\n' ' ' <"$T/out")" = "v1 v2 " ]
check "a file the remote command writes appears on the client" [ "$(cat "$E/data/written" 2>/dev/null)" = from-remote ]
echo v1 >"$E/data/f"
rm -f "$T/go"

# --- privacy and lifetime
# The session stays up until the checks are done (it waits for done).
rm -f "$T/pid" "$T/done"
ns -t "$T/tmp" -n "$T/m1=/data" -- /bin/sh -c "echo \$\$ >$T/tmp/local$T/pid.tmp; mv $T/tmp/local$T/pid.tmp $T/tmp/local$T/pid; \
    while [ ! -e $T/tmp/local$T/done ]; do sleep 0.1; done" >/dev/null 2>&1 &
bg=$!
wait_for 1800 test -s "$T/pid"
pid=$(cat "$T/pid")
check "an outside process does not see the session's 9P mount" [ ! -e "$T/tmp/cpu/data" ] && ! grep -q " $T/m1 " /proc/self/mountinfo
ns -t "$T/tmp" -n "" -- /bin/sh -c "grep -c ' $T/m1 ' /proc/self/mountinfo" >"$T/out" 2>&1
check "a second concurrent session does not see the first's binds" [ "$(cat "$T/out")" = 0 ]
setpriv --reuid=65533 --regid=65533 --clear-groups ls "/proc/$pid/root$T/tmp/cpu" >"$T/out" 2>&1
check "another local user cannot reach the session through /proc/PID/root" [ $? != 0 ]
touch "$T/done"
wait $bg
timeout 20 "$P9RUN" -w -r "$E" -- "$NSEXEC" -9 3 -t "$T/tmp" -n "$T/m1=/data" -- /bin/true
expect_rc 0 $? "when the command exits the mount is gone (the server sees EOF)"

# --- N07 for a root login: device nodes served by the client cannot be opened
ns -t "$T/tmp" -- /bin/sh -c "cat $T/tmp/cpu/devnull; echo rc=\$?; head -c1 $T/tmp/cpu/blockdev; echo rc=\$?" >"$T/out" 2>&1
expect_in "$T/out" "devnull: Permission denied" "N07 root: a served char device cannot be opened"
expect_in "$T/out" "blockdev.*Permission denied" "N07 root: a served block device cannot be opened"
ns -t "$T/tmp" -- /bin/sh -c "mount -t tmpfs x $T/m2 && echo mounted" >"$T/out" 2>&1
expect_in "$T/out" "^mounted\$" "root session can still mount a tmpfs inside"

# --- an ordinary login through the file capabilities
as_nobody "$T/sysprobe" mount >/dev/null 2>&1 || true
cp "$NSEXEC" "$T/plain-nsexec"
"$P9RUN" -r "$E" -- setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups --inh-caps=-all \
    "$T/plain-nsexec" -9 3 -- /bin/true >"$T/out" 2>&1
expect_rc 125 $? "user without the capability: refused"
expect_in "$T/out" "^nsexec: no CAP_SYS_ADMIN: the administrator must grant it: setcap" "... with the admin line"
uns -t "$T/tmp" -u nobody -n "$T/m1=/data:/bin=/tree/bin" -d "$T/m1" -e 4 -- clientonly \
    4<"$T/env" >"$T/out" 2>"$T/err"
expect_in "$T/out" "^only-in-client\$" "user session: full session works, client program runs"
uns -t "$T/tmp" -n "$T/m1=/data" -d "$T/m1" -- /bin/sh -c "
	grep -E '^(Cap[A-Za-z]+|NoNewPrivs|Seccomp):' /proc/self/status; pwd
	grep ' $T/tmp/cpu ' /proc/self/mountinfo
	$T/tmp/cpu/suid-id -u
	cat $T/tmp/cpu/devnull 2>&1; echo devrc=\$?
	echo by-user >$T/m1/userfile && echo wrote
	$T/sysprobe mount keyctl" >"$T/out" 2>"$T/err"
expect_rc 0 $? "user session with 9P runs"
for f in CapInh CapPrm CapEff CapBnd CapAmb; do
	check "user: $f is empty" [ "$(status_field $f "$T/out")" = 0000000000000000 ]
done
check "user: NoNewPrivs=1, Seccomp=2" [ "$(status_field NoNewPrivs "$T/out")$(status_field Seccomp "$T/out")" = 12 ]
expect_in "$T/out" "^$T/m1\$" "user: cwd in the namespace"
expect_in "$T/out" "access=$NOBODY" "user: 9p access=<uid> keeps other users out"
expect_in "$T/out" "^$NOBODY\$" "N07 user: a set-uid-root program served by the client runs as the user"
expect_in "$T/out" "devrc=1" "N07 user: a served device node cannot be opened"
expect_in "$T/out" "^wrote\$" "user: can write where the client lets it"
expect_in "$T/out" "^mount EPERM\$" "user: seccomp denies mount (behavioural)"
expect_in "$T/out" "^keyctl EPERM\$" "user: seccomp denies keyctl"

# N07 from outside: the same user, without no_new_privs, through /proc/PID/root
rm -f "$E/data/pid" "$E/data/done"
uns -t "$T/tmp" -n "$T/m1=/data" -- /bin/sh -c "echo \$\$ >$T/m1/pid.tmp; mv $T/m1/pid.tmp $T/m1/pid; \
    while [ ! -e $T/m1/done ]; do sleep 0.1; done" >/dev/null 2>&1 &
bg=$!
wait_for 1800 test -s "$E/data/pid"
pid=$(cat "$E/data/pid")
as_nobody /bin/sh -c "/proc/$pid/root$T/tmp/cpu/suid-id -u; cat /proc/$pid/root$T/tmp/cpu/devnull; echo devrc=\$?" >"$T/out" 2>&1
expect_in "$T/out" "^$NOBODY\$" "N07 via /proc/PID/root from a non-NNP process: no privilege gained"
expect_in "$T/out" "devrc=1" "N07 via /proc/PID/root: the device cannot be opened"
setpriv --reuid=65533 --regid=65533 --clear-groups ls "/proc/$pid/root$T/tmp/cpu" >"$T/out" 2>&1
check "another user cannot reach the user's session" [ $? != 0 ]
touch "$E/data/done"
wait $bg

# --- -C: the read-mostly trees from a second, cached connection
"$P9RUN" -r "$E" -- /bin/sh -c "exec 4<&3 3<&-; exec \"$P9RUN\" -r \"$E\" -- \"$NSEXEC\" -9 3 -C 4 -t \"$T/tmp\" \
    -n \"/bin=/tree/bin:$T/m1=/data\" -- /usr/bin/sh -c 'cat /proc/self/mountinfo; ls -A $T/tmp; clientonly'" \
    >"$T/out" 2>"$T/err"
expect_rc 0 $? "-C: session with two 9P connections runs"
expect_in "$T/out" "^only-in-client\$" "-C: /bin from the cached connection works"
check "-C: /bin is bound from the second, cached connection" \
    eval 'mount_is_cached "$T/out" /usr/bin && has_opts "$T/out" /usr/bin rfd=4'
check "-C: other binds come from the coherent connection" \
    eval '! mount_is_cached "$T/out" "$T/m1" && has_opts "$T/out" "$T/m1" rw access=client rfd=3'
# (6.1 shows cache=none as sync,dirsync on the superblock; 6.12 does not.)
[ "${tap_failed:-0}" -eq 0 ] || { echo "# $T/m1:"; mount_opts "$T/out" "$T/m1" | sed 's/^/#   /'; }
# (Linux shows no msize= when it is its default, 128 KiB.)
check "-C: the cached connection's msize (its readahead) is capped at 128 KiB" \
    eval 'msize_is "$T/out" /usr/bin 131072 && has_opts "$T/out" /usr/bin access=client trans=fd rfd=4'
check "-C: the coherent connection keeps the full msize" msize_is "$T/out" "$T/m1" 1048576
expect_not_in "$T/out" "^\.cpu-cache\$" "-C: the cached mount's own mount point is gone"

check_no_new_mounts "end"
done_testing

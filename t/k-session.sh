#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# cpu sessions on the client's files, through the test sshd and the real
# kernel 9p client (issue 4 item 8; issue 6 item 9): user-mode-linux here.
. "$top_srcdir/t/lib/common.sh"
need_root
need_9p_kernel "$@"
. "$top_srcdir/t/lib/sshd.sh"
sshd_setup
sshd_start
cpu() { "$CPU" -F "$SSH_CONFIG" "$@"; }
cd "$T"

out=$(cpu cputest date +%Y)
check_eq "cpu host date runs the client's date" "$(date +%Y)" "$out"

# -dbg9p: the article's readable trace of the opens.
cpu -dbg9p cputest /bin/date >/dev/null 2>"$T/trace"
check "-dbg9p traces the opens (Open /usr/bin/date)" grep -Eq 'Open /(usr/)?bin/date$' "$T/trace"
check "-dbg9p traces the C library being opened" grep -Eq 'Open /.*lib.*/libc\.so' "$T/trace"

cpu cputest cat /proc/mounts > "$T/mounts"
check "/tmp/cpu is 9p with nosuid,nodev" \
	grep -Eq '^[^ ]+ /tmp/cpu 9p [^ ]*nosuid,nodev' "$T/mounts"
for d in /usr /etc /home; do
	check "bind on $d is 9p, nosuid,nodev" grep -Eq "^[^ ]+ $d 9p [^ ]*nosuid,nodev" "$T/mounts"
done
check "/tmp is a private tmpfs" grep -Eq '^[^ ]+ /tmp tmpfs [^ ]*nosuid,nodev' "$T/mounts"
check "the remote's / stays reachable at /tmp/local" grep -q ' /tmp/local ' "$T/mounts"
check "no 9p mount leaked into the host namespace" sh -c '! grep -q " 9p " /proc/mounts'

# A binary that exists only in a client tree, mapped with remote=local.
mkdir -p "$T/tree/bin"
printf '#!/bin/sh\necho only-on-the-client "$@"\n' > "$T/tree/bin/cpu-only-tool"
chmod +x "$T/tree/bin/cpu-only-tool"
out=$(cpu -namespace="/lib:/lib64:/usr:/etc:/srv=$T/tree/bin" cputest /srv/cpu-only-tool x)
check_eq "remote=local mapping runs a client-only binary" "only-on-the-client x" "$out"

# -root: serve another tree as /tmp/cpu.
mkdir -p "$T/root/etc"
echo from-the-root-tree > "$T/root/etc/marker"
out=$(cpu -root "$T/root" -namespace="" cputest /bin/cat /tmp/cpu/etc/marker)
check_eq "-root serves DIR at /tmp/cpu" from-the-root-tree "$out"
out=$(cpu -namespace="" cputest /bin/ls /tmp/cpu/etc/hostname)
check_eq '-namespace="" still mounts /tmp/cpu' /tmp/cpu/etc/hostname "$out"
cpu -namespace="" cputest cat /proc/mounts > "$T/m2"
check '-namespace="": no binds' sh -c "! grep -Eq ' /(usr|etc|home) 9p' '$T/m2'"

# Writes land on the client; client changes are seen by the next read.
# (In UML the remote's / is this machine's /: go through a bind of a
# client directory so that every access is 9P.)
mkdir -p "$T/home"
NS="/lib:/lib64:/usr:/bin:/etc:$T/home"
cpu -namespace="/lib:/lib64:/usr:/bin:/etc:/srv=$T/home" cputest sh -c "echo written-remotely > /srv/out.txt"
check_eq "a file written remotely appears on the client" written-remotely "$(cat "$T/home/out.txt" 2>/dev/null)"
echo v1 > "$T/home/live.txt"
# The remote marks its first read; only then does the client change the file.
rm -f "$T/home/read1.marker"
out=$(cd "$T/home" && { cpu -namespace="$NS" cputest sh -c "cat live.txt; : > read1.marker; while [ \"\$(cat live.txt)\" = v1 ]; do sleep 0.1; done; cat live.txt" &
	wait_for 1800 test -e "$T/home/read1.marker"; echo v2 > "$T/home/live.txt"; wait; })
check_eq "a client-side change is seen by the next remote read (cwd)" "v1 v2" "$(echo $out)"

# A namespace entry that does not exist: one warning, the session goes on.
out=$(cpu -namespace="/usr:/etc:/cpu-no-such-dir" cputest /bin/echo still-running 2>"$T/err")
check_eq "missing namespace dir: the command still runs" still-running "$out"
check "missing namespace dir: one warning naming it" grep -q 'cpu-no-such-dir' "$T/err"

# fstab from -fstab and from $CPU_FSTAB (more than one line).
printf 'tmpfs /mnt tmpfs size=1m 0 0\ntmpfs /srv tmpfs size=1m 0 0\n' > "$T/fstab"
cpu -fstab "$T/fstab" cputest cat /proc/mounts > "$T/m3"
check "-fstab: both lines mounted" sh -c "grep -q ' /mnt tmpfs' '$T/m3' && grep -q ' /srv tmpfs' '$T/m3'"
CPU_FSTAB="tmpfs /opt tmpfs size=1m 0 0" cpu cputest cat /proc/mounts > "$T/m4"
check "CPU_FSTAB: mounted" grep -q ' /opt tmpfs' "$T/m4"
out=$(CPU_FSTAB="tmpfs /opt tmpfs size=1m 0 0" cpu cputest sh -c 'echo "[${CPU_FSTAB-unset}]"')
check_eq "CPU_FSTAB is removed from the command's environment" "[unset]" "$out"

# Privacy: a second session and an outside process see none of it.
# The first session says when its file exists, and stays until told to go.
rm -f "$T/home/first.up" "$T/home/first.go"
cpu -namespace="/lib:/lib64:/usr:/bin:/etc:/srv=$T/home" cputest sh -c \
	"touch /tmp/first-session-file && : > /srv/first.up; while [ ! -e /srv/first.go ]; do sleep 0.1; done" &
first=$!
wait_for 1800 test -e "$T/home/first.up"
check "the first session is up" test -e "$T/home/first.up"
out=$(cpu cputest sh -c 'ls /tmp/first-session-file 2>&1; grep -c " 9p " /proc/mounts')
check "a second session does not see the first's /tmp" sh -c "echo '$out' | grep -q 'No such file'"
check "an outside process sees no session mount" sh -c "! grep -q ' 9p ' /proc/mounts && test ! -e /tmp/first-session-file"
: > "$T/home/first.go"
wait "$first"

# Disconnect: kill the client; no process or mount of the session stays.
"$CPU" -F "$SSH_CONFIG" cputest sh -c 'sleep 300; : cpu-k-session-marker' &
pid=$!
wait_for 1800 pgrep -f cpu-k-session-marker >/dev/null
kill -KILL "$pid"
wait "$pid" 2>/dev/null
gone() { ! pgrep -f "$1" >/dev/null; }
check "after the client is killed no session process remains" wait_for 1800 gone cpu-k-session-marker
check "after the client is killed no nsexec or subsystem remains" wait_for 1800 gone "cpu-subsystem"

# F05: stdout stalled (its reader sleeps) while the command writes 50 MiB
# to it, and another process of the session reads and writes the client's
# files: 9P keeps flowing, the write lands while stdout is still stalled.
rm -f "$T/home/f05.marker"
head -c 33554432 /dev/zero > "$T/home/big"
cpu -namespace="/lib:/lib64:/usr:/bin:/etc:/srv=$T/home" cputest sh -c \
	'head -c 52428800 /dev/zero & cat /srv/big >/dev/null && echo ok > /srv/f05.marker; wait' |
	{ wait_for 1800 test -s "$T/home/f05.marker" && echo marker-before-reading > "$T/f05.order"; wc -c > "$T/f05.count"; }
check "F05 9P traffic completes while stdout is stalled" grep -q marker-before-reading "$T/f05.order"
check_eq "F05 then every stdout byte arrives" 52428800 "$(tr -d ' ' < "$T/f05.count")"

# A tree with more entries than the usual soft limit of 1024 descriptors:
# the remote kernel keeps a fid (a descriptor on the client) per cached
# entry, so cpu lifts its own soft limit.
n_local=$(find /usr/lib/python3.11 | wc -l)
n_remote=$( (ulimit -Sn 1024; cpu cputest find /usr/lib/python3.11) | wc -l)
check_eq "find over $n_local entries with a 1024-descriptor soft limit" "$n_local" "$n_remote"

# F01: the ssh connection drops while the remote reads the client's files.
head -c 268435456 /dev/zero > "$T/home/big"
rm -f "$T/home/f01.reading"
"$CPU" -F "$SSH_CONFIG" -namespace="/lib:/lib64:/usr:/bin:/etc:/srv=$T/home" cputest \
	sh -c 'head -c 1048576 /srv/big >/dev/null && : > /srv/f01.reading; while :; do cat /srv/big; done; : cpu-f01-marker' >/dev/null 2>"$T/f01.err" &
pid=$!
# The session is up and reading the client's files once it says so.
wait_for 1800 test -e "$T/home/f01.reading"
check "F01 the remote is reading the client's files" test -e "$T/home/f01.reading"
pkill -KILL -f -- "-s -- cputest cpu"
wait "$pid"
check_eq "F01 ssh killed: cpu exits 255" 255 "$?"
check "F01 ssh killed: 'connection to cputest lost'" grep -q "connection to cputest lost" "$T/f01.err"
check "F01 no remote process remains" wait_for 1800 gone cpu-f01-marker
check "F01 no session mount remains" wait_for 1800 sh -c '! grep -q " 9p " /proc/mounts'
t_done

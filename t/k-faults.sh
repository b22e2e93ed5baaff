#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Faults on the wire and on the disk (issue 17 item 2), through the test
# sshd and the kernel's 9p client (user-mode-linux here).  Each fault has
# a named expectation:
#   K1 ssh SIGKILLed in the middle of a 64 MiB write from the remote to
#      the client: the writer gets an error or dies, never hangs; the
#      session is gone on both sides; the client's file is a prefix of
#      what was written, with every byte the writer was told was written;
#      the terminal's modes are restored.
#   K2 the same with sshd's session process killed on the remote side.
#   K3 the wire stalled (ssh stopped for 20 s): the session goes on, the
#      data is exact.
#   K4 the client's disk full: the remote sees ENOSPC, the file's earlier
#      bytes are intact, the session goes on.
#   K5 a file truncated, or deleted and replaced, on the client while the
#      remote has it open: the remote reads the new size or the file it
#      opened, never bytes of another file.
#   K6 cpu-subsystem killed: the client exits 255 with one line on stderr,
#      and the command is hung up.
# The time a torn-down session takes to go is printed (a comment), not
# asserted: `make bench` measures it.
. "$top_srcdir/t/lib/common.sh"
need_root
need_9p_kernel "$@"
command -v script >/dev/null || skip_all "script(1) not installed (util-linux)"
. "$top_srcdir/t/lib/sshd.sh"
sshd_setup
sshd_start
W=$T/work
R=$T/rem	# what the remote command records on the remote's own disk
mkdir -p "$W" "$R"
NS="/lib:/lib64:/usr:/bin:/etc:/srv=$W"
head -c 67108864 /dev/urandom > "$T/pattern"
now() { date +%s.%N; }
since() { awk "BEGIN { printf \"%.1f\", $(now) - $1 }"; }
gone() { ! pgrep -f "$1" >/dev/null; }
no9p() { ! cat /proc/[0-9]*/mountinfo 2>/dev/null | grep -q ' - 9p '; }
nosession() { gone '^sh /srv/' && ! pgrep -x cpu-subsystem >/dev/null && ! pgrep -x nsexec >/dev/null; }
size() { stat -c %s "$1" 2>/dev/null || echo 0; }
# is_prefix FILE WHOLE: FILE's bytes are the first bytes of WHOLE.
is_prefix() { n=$(size "$1"); [ "$n" -le "$(size "$2")" ] && cmp -s -n "$n" "$1" "$2"; }
sshd_session() {	# the sshd process that started cpu-subsystem
	p=$(pgrep -x cpu-subsystem | head -n 1)
	while [ -n "$p" ] && [ "$p" != 1 ]; do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sshd ] && { echo "$p"; return 0; }
		p=$(awk '{ print $4 }' "/proc/$p/stat" 2>/dev/null)
	done
	return 1
}

# The remote command: the 64 MiB write, its status on the remote's disk.
cat > "$W/write.sh" <<S
dd if=/tmp/local$T/pattern of=/srv/\$1.out bs=65536 2>$R/\$1.dd
echo \$? > $R/\$1.rc
S
# In a pty (script(1)), with a remote pty (-t: the local terminal is raw
# while the session lasts): the modes before and after, cpu's status.
cat > "$T/wrap.sh" <<S
stty -g > "$T/\$1.before"
"$CPU" -F "$SSH_CONFIG" -t -namespace="$NS" cputest sh /srv/write.sh "\$1" 2>"$T/\$1.err"
echo \$? > "$T/\$1.rc"
stty -g > "$T/\$1.after"
S

# torn_write NAME HOW: the write, cut by HOW once 8 MiB are on the client.
torn_write() {
	name=$1 how=$2
	script -qec "sh $T/wrap.sh $name" /dev/null </dev/null >/dev/null 2>&1 &
	spid=$!
	wait_for 6000 sh -c "[ \$(stat -c %s '$W/$name.out' 2>/dev/null || echo 0) -ge 8388608 ]"
	check "$name the write is under way (8 MiB on the client)" test "$(size "$W/$name.out")" -ge 8388608
	case $how in
	ssh) pkill -KILL -f -- "-s -- cputest cpu" ;;
	sshd) kill -KILL "$(sshd_session)" ;;
	esac
	t0=$(now)
	check "$name cpu exits 255" wait_for 6000 test -s "$T/$name.rc"
	check_eq "$name cpu's status" 255 "$(cat "$T/$name.rc" 2>/dev/null)"
	check "$name the remote writer ends (an error or its death)" wait_for 6000 gone "^dd if=/tmp/local$T"
	check "$name no session process remains (cpu-subsystem, nsexec, the command)" wait_for 6000 nosession
	check "$name no 9p mount remains in any namespace" wait_for 6000 no9p
	echo "# $name the session was gone on both sides $(since "$t0") s after the kill"
	wait "$spid"
	if [ -s "$R/$name.rc" ]; then
		check "$name the writer got an error: $(grep -m1 'dd:' "$R/$name.dd" | sed 's/.*: //')" \
			test "$(cat "$R/$name.rc")" != 0
		acked=$(sed -n 's/^\([0-9][0-9]*\) bytes.*/\1/p' "$R/$name.dd")
		check "$name every byte the writer was told was written is on the client (${acked:-?} <= $(size "$W/$name.out"))" \
			test "${acked:-0}" -le "$(size "$W/$name.out")"
	else
		ok "$name the writer died"
	fi
	check "$name the client's file is a prefix of what was written ($(size "$W/$name.out") bytes)" \
		is_prefix "$W/$name.out" "$T/pattern"
	check "$name the terminal's modes are restored" cmp -s "$T/$name.before" "$T/$name.after"
	rm -f "$W/$name.out"
}
torn_write K1 ssh
check "K1 cpu says 'connection to cputest lost'" grep -q 'connection to cputest lost' "$T/K1.err"
torn_write K2 sshd
check "K2 cpu says 'connection to cputest lost'" grep -q 'connection to cputest lost' "$T/K2.err"
sed 's/^/# K2 stderr: /' "$T/K2.err"

# K3: ssh stopped for 20 s while the remote writes 16 MiB and reads 4 MiB.
head -c 4194304 /dev/urandom > "$W/big"
head -c 16777216 "$T/pattern" > "$T/p16"
cat > "$W/stall.sh" <<S
dd if=/tmp/local$T/p16 of=/srv/K3.out bs=65536 count=128 2>/dev/null || exit 101
: > /srv/K3.half
dd if=/tmp/local$T/p16 of=/srv/K3.out bs=65536 skip=128 seek=128 conv=notrunc 2>/dev/null || exit 102
sha256sum < /srv/big
while [ ! -e /srv/K3.cont ]; do sleep 0.2; done
exit 7
S
"$CPU" -F "$SSH_CONFIG" -namespace="$NS" cputest sh /srv/stall.sh </dev/null >"$T/K3.out" 2>"$T/K3.err" &
pid=$!
wait_for 6000 test -e "$W/K3.half"
ssh_pid=$(pgrep -f -- "-s -- cputest cpu")
kill -STOP $ssh_pid
sleep 20	# the fault itself: a wire that carries nothing for 20 s
kill -CONT $ssh_pid
: > "$W/K3.cont"
wait "$pid"
check_eq "K3 after a 20 s stall the session goes on: exit status" 7 "$?"
check_eq "K3 the 4 MiB read is exact" "$(sha256sum < "$W/big")" "$(cat "$T/K3.out")"
check "K3 the 16 MiB written are exact on the client" cmp -s "$T/p16" "$W/K3.out"
check "K3 nothing on stderr" test ! -s "$T/K3.err"

# K4: the export on a 2 MiB tmpfs; the remote writes 4 MiB with fsync.
mkdir -p "$T/small"
mount -t tmpfs -o size=2m tmpfs "$T/small" || skip_all "cannot mount a tmpfs"
umount_small() { umount "$T/small" 2>/dev/null; return 0; }
t_at_exit umount_small
head -c 262144 "$T/pattern" > "$T/small/keep"
cat > "$T/small/fill.sh" <<'S'
dd if=/tmp/local$1 of=/srv/fill.out bs=65536 count=64 conv=fsync 2>/tmp/dd.err
echo "dd=$?"
grep -m1 'dd:' /tmp/dd.err
: > /srv/fill.at || echo "cannot create the marker"
while [ ! -e /srv/fill.go ]; do sleep 0.1; done
rm /srv/fill.out && echo after > /srv/after && cat /srv/after
exit 5
S
"$CPU" -F "$SSH_CONFIG" -namespace="/lib:/lib64:/usr:/bin:/etc:/srv=$T/small" cputest sh /srv/fill.sh "$T/pattern" \
	</dev/null >"$T/K4.out" 2>"$T/K4.err" &
pid=$!
wait_for 6000 test -e "$T/small/fill.at"
check "K4 the file's bytes, as far as they got, are the pattern's ($(size "$T/small/fill.out") bytes)" \
	is_prefix "$T/small/fill.out" "$T/pattern" || {
	cmp "$T/small/fill.out" "$T/pattern" 2>&1 | head -n 1 | sed 's/^/#   /'
	cmp -l "$T/small/fill.out" "$T/pattern" 2>/dev/null | awk 'NR == 1 { a = $1 } { b = $1; n++ } END { printf "#   %d bytes differ, offsets %d-%d\n", n, a - 1, b - 1 }'
	cp "$T/small/fill.out" "$T/K4.fill.out"; }
check "K4 the file got some bytes before the disk filled" test "$(size "$T/small/fill.out")" -gt 0
check "K4 the other file on that disk is intact" cmp -s -n 262144 "$T/small/keep" "$T/pattern"
: > "$T/small/fill.go"
wait "$pid"
check_eq "K4 disk full: the session goes on (exit status)" 5 "$?"
check "K4 the remote's write fails (dd status not 0)" sh -c "grep -q '^dd=' '$T/K4.out' && ! grep -qx 'dd=0' '$T/K4.out'"
check "K4 the remote sees ENOSPC: $(grep 'dd:' "$T/K4.out" | sed 's/.*: //')" grep -q 'No space left on device' "$T/K4.out"
check "K4 after removing it, a new write and read work" grep -qx after "$T/K4.out"
sed 's/^/# K4 stderr: /' "$T/K4.err" | head -n 3

# K5: files changed on the client while the remote has them open.  The
# remote marks each step; the client changes the file at the marker.
step() {	# step NAME: wait for the remote's marker NAME, then go on
	wait_for 6000 test -e "$W/$1.at" || return 1
}
cat > "$W/open.sh" <<'S'
m() { : > /srv/$1.at; while [ ! -e /srv/$1.go ]; do sleep 0.1; done; }
# a: truncated from 64 KiB to 1000 bytes after 4096 bytes were read
exec 3< /srv/a.txt
dd bs=4096 count=1 <&3 2>/dev/null | tr -d a | wc -c | sed 's/^/a.first-non-a /'
m a
n=$(cat <&3 | wc -c); echo "a.rest $n"
echo "a.size $(stat -c %s /srv/a.txt)"
echo "a.reopen $(tr -d a < /srv/a.txt | wc -c) $(wc -c < /srv/a.txt)"
exec 3<&-
# b: deleted and replaced by another file after 4096 bytes were read
exec 3< /srv/b.txt
dd bs=4096 count=1 <&3 2>/dev/null | tr -d x | wc -c | sed 's/^/b.first-non-x /'
m b
echo "b.rest-non-x $(cat <&3 2>/dev/null | tr -d x | wc -c)"
exec 3<&-
# c: deleted and replaced before the first read
exec 3< /srv/c.txt
m c
echo "c.non-x $(cat <&3 2>/dev/null | tr -d x | wc -c)"
exec 3<&-
exit 0
S
head -c 65536 /dev/zero | tr '\0' a > "$W/a.txt"
head -c 65536 /dev/zero | tr '\0' x > "$W/b.txt"
cp "$W/b.txt" "$W/c.txt"
"$CPU" -F "$SSH_CONFIG" -namespace="$NS" cputest sh /srv/open.sh </dev/null >"$T/K5.out" 2>"$T/K5.err" &
pid=$!
step a && truncate -s 1000 "$W/a.txt" && : > "$W/a.go"
step b && rm "$W/b.txt" && head -c 65536 /dev/zero | tr '\0' y > "$W/b.txt" && : > "$W/b.go"
step c && rm "$W/c.txt" && head -c 65536 /dev/zero | tr '\0' y > "$W/c.txt" && : > "$W/c.go"
wait "$pid"
check_eq "K5 the session ends normally" 0 "$?"
sed 's/^/# K5: /' "$T/K5.out"
k5() { sed -n "s/^$1 //p" "$T/K5.out"; }
check_eq "K5 truncated: the first 4096 bytes were the file's" 0 "$(k5 a.first-non-a)"
check_eq "K5 truncated to 1000 while open at 4096: the next read is at the end" 0 "$(k5 a.rest)"
check_eq "K5 truncated: stat gives the new size" 1000 "$(k5 a.size)"
check_eq "K5 truncated: a new open reads the 1000 bytes left" "0 1000" "$(k5 a.reopen)"
check_eq "K5 replaced after a read: the first bytes were the file's" 0 "$(k5 b.first-non-x)"
check_eq "K5 replaced after a read: the open file gives its own bytes or an error, never the new file's" \
	0 "$(k5 b.rest-non-x)"
check_eq "K5 replaced before the first read: never the new file's bytes" 0 "$(k5 c.non-x)"

# K6: cpu-subsystem killed under a running command.
# nsexec hangs the command up when its cpu-subsystem dies (PDEATHSIG):
# the command itself, not what it started (that needs the process group,
# which nothing is left to signal).
cat > "$W/k6.sh" <<'S'
: > /srv/k6.up
exec sleep 3000
S
"$CPU" -F "$SSH_CONFIG" -namespace="$NS" cputest sh /srv/k6.sh </dev/null >/dev/null 2>"$T/K6.err" &
pid=$!
wait_for 6000 test -e "$W/k6.up"
check "K6 the command is running" pgrep -f '^sleep 3000' >/dev/null
kill -KILL "$(pgrep -x cpu-subsystem)"
t0=$(now)
wait "$pid"
check_eq "K6 cpu exits 255" 255 "$?"
check_eq "K6 one line on stderr" 1 "$(wc -l < "$T/K6.err")"
sed 's/^/# K6 stderr: /' "$T/K6.err"
check "K6 the command is hung up, nsexec is gone" wait_for 6000 sh -c "! pgrep -f '^sleep 3000' >/dev/null && ! pgrep -x nsexec >/dev/null"
check "K6 no 9p mount remains in any namespace" wait_for 6000 no9p
echo "# K6 the session was gone $(since "$t0") s after the kill"
t_done

#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Faults on the stream (security.md F02, F05-F09, S09): cpu -D runs the
# subsystem over pipes; S09 goes through a real sshd.  No timing is
# asserted: a fault's test waits for the state it names, with a deadline
# of minutes; `make bench` (bench/load.sh) measures how long they take.
. "$top_srcdir/t/lib/common.sh"
SUB="$SUBSYS -e"
cpu() { "$CPU" -D "$SUB" -9p=false -namespace= "$@"; }
marker=cpu-fault-$$
gone() { ! pgrep -f "$1" >/dev/null 2>&1; }

# F09: exit status fidelity.
for code in 0 1 2 42 255; do
	cpu h sh -c "exit $code" </dev/null
	check_eq "F09 exit $code" "$code" "$?"
done
cpu h sh -c 'kill -KILL $$' </dev/null 2>/dev/null
check_eq "F09 killed by SIGKILL: 137" 137 "$?"

# F06: every byte value, NUL, CR and "\n~.\n" pass through untouched.
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 4096 + b"\n~.\n\r\r\n")' > "$T/bytes"
cpu h cat < "$T/bytes" > "$T/bytes.out"
check "F06 all 256 byte values, CR/LF and ~. untouched" cmp -s "$T/bytes" "$T/bytes.out"
head -c 10485760 /dev/urandom > "$T/r10"
cpu h sh -c 'cat >&2' < "$T/r10" 2>"$T/r10.err" >"$T/r10.out"
check "F06 10 MiB on stderr intact" cmp -s "$T/r10" "$T/r10.err"
check "F06 nothing crossed to stdout" test ! -s "$T/r10.out"

# F07: stdin EOF reaches the command; output drains before exit.
out=$(echo x | cpu h cat)
check_eq "F07 echo x | cpu h cat" x "$out"
out=$(cpu h cat </dev/null | wc -c)
check_eq "F07 cat </dev/null ends" 0 "$(echo $out)"
out=$(cpu h wc -c < "$T/r10")
check_eq "F07 wc -c of 10 MiB stdin" 10485760 "$(echo $out)"

# F08: a broken pipe on our stdout ends the session: cpu ends on its own,
# long before the deadline (`make bench` measures how long it takes).
{ timeout 600 "$CPU" -D "$SUB" -9p=false -namespace= h yes; echo $? > "$T/f08a"; } | head -n 1 >/dev/null
check "F08 cpu h yes | head -1 ends (status $(cat "$T/f08a"), not the deadline's)" test "$(cat "$T/f08a")" != 124
{ timeout 600 "$CPU" -D "$SUB" -9p=false -namespace= h cat "$T/r10"; echo $? > "$T/f08b"; } | true
check "F08 cpu h cat big | true ends (status $(cat "$T/f08b"), not the deadline's)" test "$(cat "$T/f08b")" != 124

# F05: stdout not read for 3 s while the command writes 50 MiB and reads
# 50 MiB of stdin: no deadlock, every byte in order.
head -c 52428800 /dev/urandom > "$T/r50"
cpu h sh -c 'head -c 52428800 /dev/zero; cat >/dev/null; echo done' < "$T/r50" |
	(sleep 3; tail -c 5) > "$T/f05"
check_eq "F05 stdout stalled while stdin streams: no deadlock" done "$(cat "$T/f05")"
sum=$(cpu h sh -c 'cat' < "$T/r50" | (sleep 2; md5sum))
check_eq "F05 stalled reader gets every byte" "$(md5sum < "$T/r50")" "$sum"

# F02: the client killed; the remote is torn down.
for sig in TERM HUP INT KILL; do
	"$CPU" -D "$SUB" -9p=false -namespace= h sh -c "sleep 300; : $marker-$sig" </dev/null &
	pid=$!
	# Match the remote shell only, not cpu's own command line.
	wait_for 1800 pgrep -f "^sh -c sleep 300; : $marker-$sig" >/dev/null
	kill -"$sig" "$pid"
	[ "$sig" = INT ] && { sleep 0.3; kill -INT "$pid"; }
	wait "$pid" 2>/dev/null
	rc=$?
	case $sig in
	TERM) check_eq "F02 SIGTERM: exit 143" 143 "$rc" ;;
	HUP) check_eq "F02 SIGHUP: exit 129" 129 "$rc" ;;
	INT) check_eq "F02 SIGINT twice: exit 130" 130 "$rc" ;;
	KILL) check_eq "F02 SIGKILL: exit 137" 137 "$rc" ;;
	esac
	check "F02 SIG$sig: no remote process remains" wait_for 1800 gone "^sh -c sleep 300; : $marker-$sig"
done

# F04: background children.  One that holds the session's output is
# waited for (the article: cpu waits for the command and its children);
# one that let go of it is hung up 2 s after the command's exit.
out=$(cpu h sh -c '(sleep 2; echo late) & echo early' </dev/null)
check_eq "F04 a child writing after the command exits is delivered" "early late" "$(echo $out)"
{ timeout 600 "$CPU" -D "$SUB" -9p=false -namespace= h sh -c \
	"(setsid sleep 3017 >/dev/null 2>&1 </dev/null & : $marker-daemon) ; echo started" </dev/null >/dev/null
	echo $? > "$T/f04"; }
check_eq "F04 a detached daemon: the exit status comes back" 0 "$(cat "$T/f04")"
check "F04 a detached daemon: cpu returns without waiting for it (not the deadline)" test "$(cat "$T/f04")" != 124
check "F04 a detached daemon is hung up with the session" wait_for 1800 sh -c '! pgrep -f "^sleep 3017$" >/dev/null'

# Without a pty one SIGINT is forwarded: the command dies of it.
"$CPU" -D "$SUB" -9p=false -namespace= h sh -c 'trap "echo got-int; exit 7" INT; sleep 100 & wait' >"$T/int" 2>&1 </dev/null &
pid=$!
# The trap is set once the shell has started its sleep.
wait_for 1800 pgrep -x -f 'sleep 100' >/dev/null
kill -INT "$pid"
wait "$pid"
check_eq "SIGINT is forwarded to the remote command" 7 "$?"
check "the remote trap ran" grep -q got-int "$T/int"

t_done

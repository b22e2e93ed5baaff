#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# End to end through a real OpenSSH sshd, 9P off (issue 2 item 14): what
# the article says must behave like ssh.
. "$top_srcdir/t/lib/common.sh"
. "$top_srcdir/t/lib/sshd.sh"
need_root
sshd_setup
sshd_start
cpu() { "$CPU" -F "$SSH_CONFIG" -9p=false -namespace= "$@"; }

out=$(cpu -sp "$SSHD_PORT" -key "$S/id_user" -o "UserKnownHostsFile=$S/known_hosts" 127.0.0.1 /bin/echo hi)
check_eq "cpu -9p=false -namespace=\"\" -sp PORT 127.0.0.1 /bin/echo hi" "hi" "$out"

for code in 0 1 42; do
	cpu cputest sh -c "exit $code"
	check_eq "exit code $code" "$code" "$?"
done
cpu cputest sh -c 'kill -TERM $$' 2>"$T/err"
check_eq "killed by SIGTERM: 128+15" 143 "$?"
check "signal death is named" grep -q "killed by signal TERM" "$T/err" || sed "s/^/#   /" "$T/err"
cpu cputest sh -c 'kill -SEGV $$' 2>"$T/err"
check_eq "killed by SIGSEGV: 128+11" 139 "$?"

head -c 67108864 /dev/urandom > "$T/rand"
sum_in=$(md5sum < "$T/rand")
sum_out=$(cpu cputest cat < "$T/rand" | md5sum)
check_eq "64 MiB random stdin -> stdout, checksum" "$sum_in" "$sum_out"

cpu cputest sh -c 'echo to-out; echo to-err >&2' >"$T/o" 2>"$T/e"
check_eq "stdout kept apart" "to-out" "$(cat "$T/o")"
check_eq "stderr kept apart" "to-err" "$(cat "$T/e")"

val=$(printf 'line1\nline2 \303\251t\303\251 \342\202\254')
out=$(CPU_TEST_VAR="$val" cpu cputest sh -c 'printf %s "$CPU_TEST_VAR"' 2>"$T/err"; echo "$?" > "$T/rc")
check_eq "environment value with newlines and UTF-8 arrives intact" "$val" "$out" ||
	{ echo "#   exit status $(cat "$T/rc")"; sed "s/^/#   stderr: /" "$T/err"; }

mkdir -p "$T/some dir"
out=$(cd "$T/some dir" && cpu cputest pwd)
check_eq "cwd follows the client" "$T/some dir" "$out"
out=$(cd "$T/some dir" && PWD=/nonexistent/x cpu cputest pwd)
check_eq "a bogus \$PWD falls back to the real cwd" "$T/some dir" "$out"

# An argv of 1 MiB in total: 16 arguments of 64 KiB.
big=$(head -c 49152 /dev/urandom | base64 -w0 | head -c 65536)
set -- ; for i in $(seq 16); do set -- "$@" "$big"; done
n=$(cpu cputest sh -c 'printf %s "$*" | wc -c' sh "$@")
check_eq "argv of 1 MiB arrives whole" $((16 * 65536 + 15)) "$n"
set --

# Argument words are not re-split by a remote shell.
out=$(cpu cputest printf '[%s]' 'a b' '$HOME' '*' '')
check_eq "argv exact, no remote shell re-parsing" '[a b][$HOME][*][]' "$out"

# ssh-agent, no key flag: a config without IdentityFile.
sed -e '/IdentityFile/d' -e 's/IdentitiesOnly yes/IdentitiesOnly no/' "$SSH_CONFIG" > "$S/agent_config"
eval "$(ssh-agent -s)" >/dev/null
ssh-add -q "$S/id_user" 2>/dev/null
agent_kill() { kill "$SSH_AGENT_PID" 2>/dev/null; }
t_at_exit agent_kill
out=$(HOME=$T "$CPU" -F "$S/agent_config" -9p=false -namespace= cputest /bin/echo agent)
check_eq "login through ssh-agent without a key flag" "agent" "$out"
agent_kill

# A Host alias from a private config is all it takes (-F).
out=$(cpu cputest hostname)
check_eq "Host alias from a private ssh config" "$(hostname)" "$out"

# ProxyJump through a second sshd acting as a bastion.
mkdir -p "$T/b"
BPORT=$(sshd_free_port); [ "$BPORT" = "$SSHD_PORT" ] && BPORT=$((BPORT + 1))
sed -e "s/^Port .*/Port $BPORT/" -e "s|^PidFile .*|PidFile $T/b/pid|" -e '/^Include/d' \
	"$S/sshd_config" > "$T/b/sshd_config"
"$SSHD" -f "$T/b/sshd_config" -E "$T/b/log"
bastion_stop() { [ -s "$T/b/pid" ] && kill "$(cat "$T/b/pid")"; }
t_at_exit bastion_stop
wait_for 1800 test -s "$T/b/pid"
printf '[127.0.0.1]:%s %s\n' "$BPORT" "$(cut -d' ' -f1,2 "$S/host_key.pub")" >> "$S/known_hosts"
cat >> "$SSH_CONFIG" <<CFG
Host bastion
	HostName 127.0.0.1
	Port $BPORT
Host behind
	HostName 127.0.0.1
	Port $SSHD_PORT
	ProxyJump bastion
CFG
out=$(cpu behind /bin/echo jumped)
check_eq "ProxyJump through a bastion sshd" "jumped" "$out"
out=$(cpu -J bastion cputest /bin/echo jumped2)
check_eq "-J passes through to ssh" "jumped2" "$out"

# The bastion has no cpu subsystem: a clear message and 255.
cpu bastion /bin/true 2>"$T/err"
check_eq "host without the cpu subsystem: exit 255" 255 "$?"
check "host without the cpu subsystem: a clear message" grep -qi "subsystem" "$T/err"
sed 's/^/#   /' "$T/err"

# Unreachable: ssh's message and 255.
DEAD=$(sshd_free_port)
cpu -sp "$DEAD" 127.0.0.1 /bin/true 2>"$T/err"
check_eq "unreachable host: exit 255" 255 "$?"
check "unreachable host: ssh's own message" grep -qi "refused\|connect" "$T/err"

# A slow stdout reader while the command writes 100 MiB: completes, and
# the client's memory stays bounded by the channel windows.
( cpu cputest sh -c 'head -c 104857600 /dev/zero' | (sleep 3; wc -c) > "$T/count" ) &
bg=$!
peak=0
while kill -0 "$bg" 2>/dev/null; do
	for p in $(pgrep -f "^$CPU -F $SSH_CONFIG" 2>/dev/null); do
		r=$(awk '/VmHWM/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		[ -n "$r" ] && [ "$r" -gt "$peak" ] && peak=$r
	done
	sleep 0.2
done
wait "$bg"
check_eq "slow reader: all 100 MiB arrive" 104857600 "$(tr -d ' ' < "$T/count")"
check "slow reader: client peak RSS ${peak} KiB < 64 MiB" test "$peak" -lt 65536

# S09: a login shell that prints text before the subsystem starts (a
# chatty ~/.bashrc) gets a clear message, not a garbage frame length.
sed -i "s|^Subsystem cpu |Subsystem cpu echo Welcome to the host; exec |" "$S/cpu.conf"
old=$(cat "$S/sshd.pid"); sshd_stop
wait_for 1800 sh -c "! kill -0 $old 2>/dev/null"; sshd_start
cpu cputest /bin/true 2>"$T/err"
check_eq "S09 chatty login shell: exit 255" 255 "$?"
check "S09 chatty login shell: says what it got" grep -q 'does not speak the cpu protocol.*Welcome to the host' "$T/err"
sed 's/^/#   /' "$T/err"

t_done

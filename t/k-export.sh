#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# k-export: what the remote can see (issue 14), through the test sshd and
# the real kernel 9p client (user-mode-linux here): secrets stay home,
# system trees are read-only in the remote kernel too, -allow opens one
# name for one session, and nothing outside the session's trees is served.
. "$top_srcdir/t/lib/common.sh"
need_root
need_9p_kernel "$@"
echo "# kernel $(uname -r)"
. "$top_srcdir/t/lib/sshd.sh"
sshd_setup
sshd_start
# A test HOME outside /home: the default namespace adds it (and hides its
# secrets); ssh itself takes everything from $SSH_CONFIG.
H=$T/h
mkdir -p "$H/.ssh" "$H/work" "$H/.config/cpu"
echo PRIVATE-KEY-CANARY > "$H/.ssh/id_ed25519"
echo visible > "$H/visible.txt"
echo deny-me > "$H/deny-me.txt"
export HOME="$H"
cpu() { "$CPU" -F "$SSH_CONFIG" "$@"; }
cd "$H/work"

# Secrets: the key is not readable, the home is.
out=$(cpu cputest cat "$H/.ssh/id_ed25519" 2>&1)
rc=$?
check "cat ~/.ssh/id_ed25519 fails" [ "$rc" != 0 ]
check "the key's bytes never reach the remote" sh -c "! echo '$out' | grep -q CANARY"
out=$(cpu cputest ls -a "$H")
check "ls ~ works" sh -c "echo '$out' | grep -qx visible.txt"
check "ls -a ~ does not list .ssh" sh -c "! echo '$out' | grep -qx .ssh"
out=$(cpu cputest sh -c "mkdir $H/.ssh 2>&1; echo x > $H/.ssh/authorized_keys 2>&1; echo rc=\$?")
check "the remote cannot plant ~/.ssh/authorized_keys" test ! -e "$H/.ssh/authorized_keys"
out=$(cpu cputest cat /tmp/cpu/etc/shadow 2>&1)
check "/etc/shadow is hidden (also through /tmp/cpu)" sh -c "echo '$out' | grep -q 'No such file'"

# -allow: this session only.
out=$(cpu -allow "$H/.ssh" cputest cat "$H/.ssh/id_ed25519" 2>&1)
check_eq "-allow ~/.ssh makes the key readable for that session" PRIVATE-KEY-CANARY "$out"
out=$(cpu cputest cat "$H/.ssh/id_ed25519" 2>&1)
check "the next session without -allow cannot read it" sh -c "! echo '$out' | grep -q CANARY"

# Read-only system trees: the remote kernel says so at once.
rm -f /usr/bin/cpu-export-x
out=$(cpu cputest touch /usr/bin/cpu-export-x 2>&1)
rc=$?
check "touch /usr/bin/x fails" [ "$rc" != 0 ]
check "... with Read-only file system" sh -c "echo '$out' | grep -q 'Read-only file system'"
check "... and no file appears on the client" test ! -e /usr/bin/cpu-export-x
cpu cputest cat /proc/mounts > "$T/mounts"
check "the /usr bind is ro in the remote kernel" grep -Eq "^[^ ]+ /usr 9p ro," "$T/mounts"
check "the /etc bind is ro in the remote kernel" grep -Eq "^[^ ]+ /etc 9p ro," "$T/mounts"
check "the home bind stays rw" grep -Eq "^[^ ]+ $H 9p rw," "$T/mounts"
out=$(cpu cputest sh -c 'echo x > /tmp/cpu/usr/cpu-export-y' 2>&1)
check "a write through /tmp/cpu into /usr is refused by the server" test ! -e /usr/cpu-export-y

# Home and cwd stay writable; -ro makes them read-only.
cpu cputest sh -c "echo w > $H/work/written"
check_eq "the cwd is writable" w "$(cat "$H/work/written" 2>/dev/null)"
out=$(cpu -ro "$H" cputest sh -c "echo w > $H/ro-written" 2>&1)
check "-ro ~: a write fails with Read-only file system" sh -c "echo '$out' | grep -q 'Read-only file system'"
check "-ro ~: nothing written" test ! -e "$H/ro-written"

# Outside the bound trees: nothing.
for d in /root /var /srv; do
	case $T in $d/*) continue ;; esac
	out=$(cpu cputest ls "/tmp/cpu$d" 2>&1)
	check "a walk to /tmp/cpu$d (not in the spec) fails" sh -c "echo '$out' | grep -q 'No such file'"
done
out=$(cpu cputest ls /tmp/cpu)
check "/tmp/cpu lists only the way to the trees" sh -c "! echo '$out' | grep -qx var && echo '$out' | grep -qx usr"
out=$(cpu -export / cputest ls /tmp/cpu/var)
check "-export / serves the whole disk again" sh -c "echo '$out' | grep -qx lib"

# -deny and the user's file.
out=$(cpu -deny "$H/deny-me.txt" cputest cat "$H/deny-me.txt" 2>&1)
check "-deny hides a file" sh -c "echo '$out' | grep -q 'No such file'"
printf '# test\n%s/visible.txt\n!~/.ssh\n' "$H" > "$H/.config/cpu/export"
out=$(cpu cputest sh -c "cat $H/visible.txt; cat $H/.ssh/id_ed25519" 2>&1)
check "~/.config/cpu/export hides a listed file" sh -c "! echo '$out' | grep -qx visible"
check "~/.config/cpu/export: a ! line allows a built-in entry" sh -c "echo '$out' | grep -q CANARY"
rm -f "$H/.config/cpu/export"

# -namespace="": all of / at /tmp/cpu, still read-only and hidden.
out=$(cpu -namespace="" cputest sh -c 'cat /tmp/cpu/etc/hostname >/dev/null && echo readable; touch /tmp/cpu/usr/cpu-export-z' 2>&1)
check '-namespace="": /tmp/cpu/etc readable' sh -c "echo '$out' | grep -q readable"
check '-namespace="": /tmp/cpu/usr read-only' sh -c "echo '$out' | grep -q 'Read-only file system'"
check '-namespace="": nothing written' test ! -e /usr/cpu-export-z
out=$(cpu -namespace="" cputest cat "/tmp/cpu$H/.ssh/id_ed25519" 2>&1)
check '-namespace="": the key stays hidden' sh -c "! echo '$out' | grep -q CANARY"
t_done

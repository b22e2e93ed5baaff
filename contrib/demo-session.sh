#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# demo-session.sh: the demo itself (run by demo.sh on a kernel with 9p).
. "$top_srcdir/t/lib/common.sh"
. "$top_srcdir/t/lib/sshd.sh"
sshd_setup
sshd_start
run() {
	printf '\n$ %s\n' "$*"
	"$@"
}
echo "A private sshd listens on 127.0.0.1:$SSHD_PORT with"
echo "  Subsystem cpu $SUBSYS"
echo "The cpu client serves this machine's files over 9P through ssh."
run "$CPU" -F "$SSH_CONFIG" cputest date
run "$CPU" -F "$SSH_CONFIG" cputest sh -c 'ls ~ | head -n 5'
run "$CPU" -F "$SSH_CONFIG" cputest sh -c 'grep -E " /tmp| /usr| /bin| /lib| /etc| /home" /proc/mounts'
run "$CPU" -F "$SSH_CONFIG" -9p=false -namespace="" cputest /bin/echo "plain ssh-like session, no mounts"
echo
echo "demo done"

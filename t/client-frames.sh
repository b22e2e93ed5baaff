#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# A hostile or broken cpu-subsystem, seen from the client (security.md
# S10, S09): every case ends with one clear line and exit 255, at most one
# exit status, no crash, no raw control character on the terminal.
. "$top_srcdir/t/lib/common.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
run() {
	timeout 30 "$CPU" -D "python3 $top_srcdir/t/fakesub.py $1" -9p=false -namespace= h true \
		</dev/null >"$T/out" 2>"$T/err"
}
expect() {	# expect SCENARIO PATTERN
	run "$1"
	rc=$?
	if [ "$rc" = 255 ] && grep -q -- "$2" "$T/err"; then
		ok "$1: exit 255, \"$2\""
	else
		not_ok "$1: exit 255, \"$2\" (got $rc)"
		sed 's/^/#   /' "$T/err" | head -n 5
	fi
}
expect two-exits 'bad EXIT frame'
expect exit-300 'bad EXIT frame'
expect signal-0 'bad EXIT frame'
expect unknown-type 'corrupt stream'
expect huge-frame 'corrupt stream.*Message too long'
expect data-after-eof 'bad DATA frame'
expect bad-channel 'bad DATA frame'
expect 9p-reply-never-asked 'bad DATA frame'
expect version2 'incompatible protocol'
expect garbage 'does not speak the cpu protocol.*Last login'
expect eof-no-exit 'connection to h lost'
check_eq "output before the connection was lost is delivered" partial "$(cat "$T/out")"
expect error 'remote .x1b\[31mred.x1b\[0m fail'
check "ERROR text is escaped: no raw ESC reaches the terminal" \
	sh -c "! grep -q \"\$(printf '\\033')\" '$T/err'"
t_done

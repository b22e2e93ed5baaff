# SPDX-License-Identifier: BSD-3-Clause
# wait.sh: sourced by t/lib/common.sh and t/ns-lib.sh (POSIX sh).
#
# wait_for TENTHS COMMAND...: run COMMAND until it succeeds, at most
# TENTHS/10 seconds; 0 when it did, 1 when it never did.  Tests wait for a
# state this way, never for a guess of how long it takes: the deadline
# only decides how long a failing test takes.  Its counter has a name of
# its own, so a caller's variables are left alone.
wait_for() {
	_wait_n=$1; shift
	while [ "$_wait_n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		_wait_n=$((_wait_n - 1))
	done
	return 1
}

#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# check-slow.sh: the kernel tests of `make check` (those that boot
# user-mode-linux: need_9p_kernel, or kns-session.sh's own uml-run) again, with each guest slowed to
# UML_CPU_QUOTA percent of one CPU (default 20) by t/lib/uml-run's cgroup
# quota.  First it shows that the slowdown is real: `cpu host /bin/true`
# inside the guest, normal and slowed, and it fails unless the slowed one
# takes at least 3 times as long.  Why 20 and not 25: a session is not all
# CPU (it waits on pipes and the host's files), so a quota of 25% made it
# only 3.2-3.4 times slower here, and 20% makes it about 4 times slower,
# a quarter of its speed.  A slowed guest uses a fifth of a CPU, so the
# tests run four at a time (SLOW_JOBS).
#
# contrib/check-all.sh sources it after its `make check`, so the results add
# to its closing line; run alone (after a build in build/main) it prints its
# own "N passed, N failed, N skipped".
stop=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${1:-}" = --measure ]; then
	# Inside the guest: start the test sshd, time one `cpu host /bin/true`.
	. "$top_srcdir/t/lib/common.sh"
	. "$top_srcdir/t/lib/sshd.sh"
	sshd_setup && sshd_start || exit 1
	"$CPU" -F "$SSH_CONFIG" cputest /bin/true || exit 1	# warm up
	s=$(date +%s%N)
	"$CPU" -F "$SSH_CONFIG" cputest /bin/true || exit 1
	e=$(date +%s%N)
	echo "ms $(( (e - s) / 1000000 ))"
	exit 0
fi
salone=0
if ! declare -F count >/dev/null; then
	salone=1 pass=0 fail=0 skip=0 rc=0
	. "$stop/contrib/check-lib.sh"
fi
sb=$stop/build/main
squota=${UML_CPU_QUOTA:-20}
# Every one.  t/k-load.sh runs with SLOW_LOAD_SESSIONS (16) sessions at
# once instead of 64: its 64 take 14 minutes in a guest at 20%, which CI's
# 30 minutes cannot hold, and what the slowed run proves (no wait in it
# depends on speed) 16 prove as well; 64 run at full speed on both kernels.
# It goes first, so that the longest test starts first.
stests="t/k-load.sh $(cd "$stop" && grep -lE '^need_9p_kernel|exec "\$top_srcdir/t/lib/uml-run" "\$0"' t/*.sh |
    grep -v 'bench\|k-load' | tr '\n' ' ')"

slow_measure() {	# QUOTA: milliseconds of `cpu host /bin/true` in the guest
	( cd "$sb" && top_srcdir=$stop top_builddir=$sb UML_CPU_QUOTA=$1 \
	    "$stop/t/lib/uml-run" "$stop/contrib/check-slow.sh" --measure ) |
	    sed -n 's/^ms //p'
}

echo "== kernel tests again, each guest at ${squota}% of a CPU"
sstart=$(date +%s)
sfast=$(slow_measure "")
sslow=$(slow_measure "$squota")
echo "check-slow: cpu host /bin/true in the guest: ${sfast:-?} ms normal, ${sslow:-?} ms at ${squota}% CPU"
if [ -z "$sfast" ] || [ -z "$sslow" ] || [ "$sslow" -lt $((sfast * 3)) ]; then
	echo "check-slow: the guest is not slowed 3 times: this run would prove nothing"
	fail=$((fail + 1)); rc=1
else
	# Only these tests' results, not the first run's, are counted here.
	for t in $stests; do rm -f "$sb/${t%.sh}.trs" "$sb/${t%.sh}.log"; done
	( cd "$sb" && UML_CPU_QUOTA=$squota LOAD_SESSIONS=${SLOW_LOAD_SESSIONS:-16} \
	    make -j"${SLOW_JOBS:-4}" check TESTS="$stests" ) || rc=1
	rm -rf "$sb/kernel-slow" && mkdir -p "$sb/kernel-slow"
	for t in $stests; do
		f=$sb/${t%.sh}
		[ -f "$f.trs" ] || { echo "FAILED (slowed): $t left no result"; fail=$((fail + 1)); rc=1; }
		grep -q '^:test-result: \(FAIL\|ERROR\)' "$f.trs" 2>/dev/null && { echo "--- $f.log (slowed)"; tail -n 40 "$f.log"; }
		cp "$f.trs" "$f.log" "$sb/kernel-slow/" 2>/dev/null
	done
	count "$sb/kernel-slow"
fi
echo "== slowed kernel tests took $(( $(date +%s) - sstart )) s"
if [ $salone = 1 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ] || rc=1
	exit $rc
fi

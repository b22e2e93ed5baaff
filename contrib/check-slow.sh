#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# check-slow.sh [BUILDDIR]: the kernel tests (those that boot user-mode-linux,
# need_9p_kernel) again, with the guest slowed to UML_CPU_QUOTA percent of
# one CPU (default 25) by t/lib/uml-run's cgroup quota.  First shows that
# the slowdown is real: `cpu host /bin/true` inside the guest, normal and
# slowed; fails unless the slowed one takes at least 3 times as long.
# Ends with one line "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
top=$PWD
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
b=$(cd "${1:-build/main}" && pwd) || { echo "check-slow: no build dir"; exit 1; }
quota=${UML_CPU_QUOTA:-25}

measure() {	# measure QUOTA: milliseconds of `cpu host /bin/true` in the guest
	( cd "$b" && top_srcdir=$top top_builddir=$b UML_CPU_QUOTA=$1 \
	    "$top/t/lib/uml-run" "$top/contrib/check-slow.sh" --measure ) |
	    sed -n 's/^ms //p'
}
fast=$(measure "")
slow=$(measure "$quota")
echo "check-slow: cpu host /bin/true in the guest: ${fast:-?} ms normal, ${slow:-?} ms at ${quota}% CPU"
if [ -z "$fast" ] || [ -z "$slow" ] || [ "$slow" -lt $((fast * 3)) ]; then
	echo "check-slow: the guest is not slowed 3 times: this run would prove nothing"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

tests=$(cd "$top" && grep -l '^need_9p_kernel' t/*.sh | grep -v bench | tr '\n' ' ')
echo "check-slow: $tests"
cd "$b" && UML_CPU_QUOTA=$quota make -j2 check TESTS="$tests" TEST_SUITE_LOG=slow-suite.log
rc=$?
pass=0 fail=0 skip=0
for t in $tests; do
	case $(sed -n 's/^:test-result: //p' "${t%.sh}.trs" 2>/dev/null | head -n 1) in
	PASS|XFAIL) pass=$((pass + 1)) ;;
	SKIP) skip=$((skip + 1)) ;;
	*) fail=$((fail + 1)); echo "FAILED (slowed): $t"; tail -n 40 "${t%.sh}.log" ;;
	esac
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && exit $rc
exit 1

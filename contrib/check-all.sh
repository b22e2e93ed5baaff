#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# check-all.sh: the full test suite, as README and CI run it.
#   1. build with warnings as errors and run `make check` (kernel 9p tests
#      run in user-mode-linux where this kernel has no 9p);
#      then the kernel tests again on Debian 13's kernel (check-kernel.sh)
#      and with each guest slowed to a quarter of its speed (check-slow.sh);
#   2. the unit and protocol tests again under ASan+UBSan;
#   3. make distcheck;
#   4. the Debian packages built and installed into a throwaway root in
#      user-mode-linux, with sessions against its sshd (make deb deb-check);
#      lintian on the .changes must report no error and no warning.
# Ends with one line "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
top=$PWD
pass=0 fail=0 skip=0 rc=0

. contrib/check-lib.sh

autoreconf -fi >/dev/null 2>&1 || { echo "autoreconf failed"; exit 1; }

echo "== build and make check"
mkdir -p build/main && cd build/main
"$top/configure" -q --enable-werror && make -j2 >/dev/null && make -j2 check || rc=1
for f in $(find . -name '*.log' -path '*/t/*'); do
	grep -q '^FAIL\|^ERROR' "${f%.log}.trs" 2>/dev/null && { echo "--- $f"; tail -n 40 "$f"; }
done
count .
cd "$top"
. contrib/check-kernel.sh uml-6.12
. contrib/check-slow.sh

echo "== unit and protocol tests under ASan+UBSan"
asan_tests="$(cd "$top" && ls t/unit-*.c | sed 's/\.c$//' | tr '\n' ' ')"
asan_tests="$asan_tests t/unit-fuzz-frame t/unit-fuzz-setup t/unit-fuzz-p9 t/unit-fuzz-p9proxy"
asan_tests="$asan_tests t/setup-frames.sh t/client-frames.sh t/faults.sh"
mkdir -p build/asan && cd build/asan
"$top/configure" -q --enable-asan --enable-ubsan >/dev/null &&
	make -j2 >/dev/null &&
	make -j2 check TESTS="$asan_tests" || rc=1
count .
cd "$top"

contrib/check-fuzz.sh && pass=$((pass + 1)) || { fail=$((fail + 1)); rc=1; }	# libFuzzer, 60 s per target

echo "== make distcheck"
( cd build/main && make -j2 distcheck TESTS="t/unit-buf t/unit-frame t/unit-p9codec t/setup-frames.sh t/client-frames.sh" >distcheck.log 2>&1 ) && pass=$((pass + 1)) ||
	{ fail=$((fail + 1)); rc=1; tail -n 40 build/main/distcheck.log; }

echo "== Debian packages: build, install into a throwaway root, run sessions"
lint() {	# lintian on the .changes: no error, no warning (info tags shown)
	lintian --fail-on error,warning -I deb-build/*.changes >lintian.log 2>&1
	r=$?
	grep -v 'root privileges' lintian.log
	echo "lintian: exit $r"
	return $r
}
if ( cd build/main && make deb >deb.log 2>&1 && lint && make deb-check ); then
	pass=$((pass + 1))
else
	fail=$((fail + 1)); rc=1
	tail -n 40 build/main/deb.log
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] || rc=1
exit $rc

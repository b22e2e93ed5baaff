#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# check-kernel.sh NAME: the kernel tests of `make check` (those that boot
# user-mode-linux) again on a second guest kernel, when ../shared/kernels/NAME
# is there (it installs that kernel and prints UML_KERNEL/UML_MODULES, e.g.
# uml-6.12).  Without it, says so and does nothing.
#
# contrib/check-all.sh sources it after its `make check`, so the results add
# to its closing line; run alone (after a build in build/main) it prints its
# own "N passed, N failed, N skipped".
kname=${1:?usage: check-kernel.sh NAME (a script in ../shared/kernels)}
ktop=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kinst=$ktop/../shared/kernels/$kname
ktests="t/k-load.sh t/kns-session.sh t/k9p-fs.sh t/k9p-export.sh t/k-session.sh t/k-tty.sh t/k-fanout.sh t/k-proxy.sh t/k-export.sh t/k-faults.sh t/k-coherence.sh"
kalone=0
if ! declare -F count >/dev/null; then
	kalone=1 pass=0 fail=0 skip=0 rc=0
	. "$ktop/contrib/check-lib.sh"
fi
if [ ! -x "$kinst" ]; then
	echo "== kernel tests on $kname: not run ($kinst is not there)"
elif ! kvars=$("$kinst"); then
	echo "== kernel tests on $kname: $kinst failed"; fail=$((fail + 1)); rc=1
else
	eval "$kvars"
	echo "== kernel tests again on $kname ($UML_KERNEL)"
	kstart=$(date +%s)
	# Only these tests' results, not the first run's, are counted here.
	for t in $ktests; do rm -f "$ktop/build/main/${t%.sh}.trs" "$ktop/build/main/${t%.sh}.log"; done
	( cd "$ktop/build/main" && UML_KERNEL=$UML_KERNEL UML_MODULES=$UML_MODULES \
	    make -j2 check TESTS="$ktests" ) || rc=1
	for t in $ktests; do
		f=$ktop/build/main/${t%.sh}
		grep -q '^:test-result: \(FAIL\|ERROR\)' "$f.trs" 2>/dev/null && { echo "--- $f.log ($kname)"; tail -n 40 "$f.log"; }
	done
	mkdir -p "$ktop/build/main/kernel-$kname"
	for t in $ktests; do cp "$ktop/build/main/${t%.sh}.trs" "$ktop/build/main/${t%.sh}.log" "$ktop/build/main/kernel-$kname/" 2>/dev/null; done
	count "$ktop/build/main/kernel-$kname"
	echo "== kernel tests on $kname took $(( $(date +%s) - kstart )) s"
	unset UML_KERNEL UML_MODULES
fi
if [ $kalone = 1 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ] || rc=1
	exit $rc
fi

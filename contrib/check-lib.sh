# SPDX-License-Identifier: BSD-3-Clause
# check-lib.sh: sourced by contrib/check-all.sh and contrib/check-kernel.sh.

count() {	# count LOGDIR: add up automake's .trs results into pass/fail/skip
	for f in $(find "$1" -name '*.trs' 2>/dev/null); do
		case $(sed -n 's/^:test-result: //p' "$f" | head -n 1) in
		PASS|XFAIL) pass=$((pass + 1)) ;;
		SKIP) skip=$((skip + 1)) ;;
		*) fail=$((fail + 1)); echo "FAILED: ${f%.trs}" ;;
		esac
	done
}

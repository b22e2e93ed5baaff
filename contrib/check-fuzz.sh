#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# check-fuzz.sh: a libFuzzer campaign of every fuzz target (issue 17 item 3).
# Builds the targets with clang (--enable-fuzz: ASan + UBSan, every UBSan
# report fatal) in build/fuzz, then runs each for FUZZ_TIME seconds (60)
# from a temporary copy of its committed corpus t/corpus/<target>/, so the
# tree is never modified.  Any finding (crash, leak, timeout, out of
# memory, sanitizer report) fails the run; its input is left in
# build/fuzz/findings/<target>/ with the log: keep it in t/corpus/<target>/
# with the fix.  Called by contrib/check-all.sh; standalone:
#   contrib/check-fuzz.sh [TARGET...]     FUZZ_TIME=600 for a longer one
# Ends with one line "N passed, N failed, N skipped", as check-all.sh does.
set -u
cd "$(dirname "$0")/.."
top=$PWD
time=${FUZZ_TIME:-60}
pass=0 fail=0 skip=0

# target binary (in build/fuzz/t/) : its corpus (t/corpus/)
all="fuzz-frame:frame fuzz-setup:setup p9fuzz:p9fuzz fuzz-p9proxy:p9proxy"
sel=${*:-$all}

echo "== libFuzzer campaigns, ${time} s per target, ASan+UBSan"
if ! command -v clang >/dev/null 2>&1; then
	echo "SKIP: clang is not installed (contrib/deps.sh installs it)"
	[ -n "${CI:-}" ] && { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
[ -x configure ] || autoreconf -fi >/dev/null 2>&1 || { echo "autoreconf failed"; exit 1; }
mkdir -p build/fuzz && cd build/fuzz
# One campaign at a time per tree: a second configure would pull the
# build from under the first.
exec 9>.lock
flock 9
if ! { "$top/configure" -q CC=clang --enable-fuzz >configure.log 2>&1 &&
    make -j2 $(for t in $all; do echo "t/${t%%:*}"; done) >make.log 2>&1; }; then
	tail -n 30 configure.log make.log
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
for t in $sel; do
	case $t in *:*) ;; *) t=$(for a in $all; do case $a in "$t":*|*:"$t") echo "$a" ;; esac; done) ;; esac
	bin=${t%%:*} corpus=${t#*:}
	if [ -z "$t" ] || [ ! -x "t/$bin" ]; then
		echo "FAIL: no target ${bin:-$*}"; fail=$((fail + 1)); continue
	fi
	work=$(mktemp -d "${TMPDIR:-/tmp}/cpu-fuzz.XXXXXX")
	mkdir -p "$work/corpus" "$work/out"
	cp "$top/t/corpus/$corpus"/* "$work/corpus/"
	seeds=$(ls "$work/corpus" | wc -l)
	# -max_len: room for a whole session script (the seeds are < 1 KiB).
	( cd "$work/out" && "$top/build/fuzz/t/$bin" -max_total_time="$time" \
	    -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
	    "$work/corpus" ) >"$work/log" 2>&1
	rc=$?
	found=$(ls "$work/out" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' || true)
	stats=$(grep -E '^#[0-9]+.*(DONE|pulse|INITED)' "$work/log" | tail -n 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -n 1)
	cov=$(echo "$stats" | sed -n 's/.*cov: \([0-9]*\).*ft: \([0-9]*\).*corp: \([0-9]*\).*/cov \1 ft \2 corpus \3/p')
	echo "$bin: $seeds seeds, ${execs:-?} runs, ${eps:-?} exec/s, ${cov:-no stats}"
	if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
		mkdir -p "findings/$corpus"
		cp "$work/log" "findings/$corpus/$bin.log"
		for f in $found; do cp "$work/out/$f" "findings/$corpus/"; done
		echo "FAIL: $bin (exit $rc): findings in build/fuzz/findings/$corpus/"
		grep -E 'ERROR|runtime error|check failed|SUMMARY' "$work/log" | head -n 5
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
	rm -rf "$work"
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]

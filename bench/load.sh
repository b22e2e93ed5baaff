#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# bench/load.sh: the load and fault timings of issue 17, part of `make
# bench`.  In user-mode-linux (t/lib/uml-run), through one sshd:
#   - LOAD_N (64) sessions one after the other, then LOAD_N at once, each
#     doing t/k-load.sh's work (find + stat of a tree, a 4 MiB read, a
#     4 MiB write): the wall times, and cpu-subsystem's RSS per session
#     (the remote command reads its parent's VmHWM/VmRSS at its end);
#   - how long a torn-down session takes to go (what t/faults.sh and
#     t/k-faults.sh wait for without timing it): `cpu host yes | head -1`,
#     ssh killed, cpu-subsystem killed.
# Writes LOAD_OUT (default bench/tmp/load/report.md); bench/Makefile.inc
# puts it in doc/benchmarks.md.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
: "${LOAD_OUT:=$top_builddir/bench/tmp/load/report.md}" "${LOAD_N:=64}"
: "${UML_MEM:=1536M}" "${UML_TIMEOUT:=1800}"
export LOAD_OUT LOAD_N UML_MEM UML_TIMEOUT
mkdir -p "$(dirname "$LOAD_OUT")"; rm -f "$LOAD_OUT" "$LOAD_OUT.partial"
. "$top_srcdir/t/lib/common.sh"
need_root
need_9p_kernel "$@"
. "$top_srcdir/t/lib/sshd.sh"
sshd_setup || exit 1
sshd_start || exit 1
N=$LOAD_N
W=$T/work
mkdir -p "$W/res"
for d in a b c d; do
	mkdir -p "$W/tree/$d/sub"
	for f in 1 2 3 4 5 6 7 8 9 10; do
		head -c $((f * 97)) /dev/urandom > "$W/tree/$d/f$f"
		echo "$d$f" > "$W/tree/$d/sub/g$f"
	done
done
head -c 4194304 /dev/urandom > "$W/big"
cat > "$W/w.sh" <<'S'
i=$1
cd /srv || exit 100
find tree -exec stat -c '%n %F %s %a %Y' {} + | LC_ALL=C sort | sha256sum >/dev/null
sha256sum < big >/dev/null
yes "session $i writes this line" | head -c 4194304 > res/w.$i || exit 101
s=/proc/$PPID/status
echo "sub $(sed -n 's/^VmHWM:[^0-9]*\([0-9]*\).*/\1/p' $s) $(sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' $s)"
S
NS="/lib:/lib64:/usr:/bin:/etc:/srv=$W"
session() { "$CPU" -F "$SSH_CONFIG" -namespace="$NS" cputest sh /srv/w.sh "$1" </dev/null; }
now() { echo "${EPOCHREALTIME/./}"; }	# microseconds
ms() { echo $(( ($2 - $1) / 1000 )); }
gone() { ! pgrep -x cpu-subsystem >/dev/null; }

session warm >/dev/null 2>&1
t0=$(now)
for ((i = 0; i < N; i++)); do session "$i" > "$T/s.$i" 2>&1; done
t1=$(now)
serial=$(ms "$t0" "$t1")
echo "serial $serial" >> "$LOAD_OUT.partial"
wait_for 600 gone
t0=$(now)
for ((i = 0; i < N; i++)); do session "$i" > "$T/c.$i" 2>&1 & done
wait
t1=$(now)
conc=$(ms "$t0" "$t1")
echo "concurrent $conc" >> "$LOAD_OUT.partial"
fail=$(for ((i = 0; i < N; i++)); do grep -q '^sub ' "$T/c.$i" || echo "$i"; done | wc -l)
wait_for 600 gone

# Teardown: cpu host yes | head -1; ssh killed; cpu-subsystem killed.
t0=$(now)
"$CPU" -F "$SSH_CONFIG" -9p=false -namespace= cputest yes 2>/dev/null | head -n 1 >/dev/null
pipe=$(ms "$t0" "$(now)")
t0=$(now)
"$CPU" -D "$SUBSYS -e" -9p=false -namespace= h yes 2>/dev/null | head -n 1 >/dev/null
piped=$(ms "$t0" "$(now)")
"$CPU" -F "$SSH_CONFIG" -namespace="$NS" cputest sh -c ': > /srv/up; sleep 3000' </dev/null >/dev/null 2>&1 &
pid=$!
wait_for 3000 test -e "$W/up"
pkill -KILL -f -- "-s -- cputest cpu"
t0=$(now)
wait_for 3000 sh -c "! kill -0 $pid 2>/dev/null" || { ps -eo pid,ppid,args > "$T/stuck.ps"; kill -KILL "$pid"; }
wait "$pid"
sshk_client=$(ms "$t0" "$(now)")
wait_for 3000 sh -c '! pgrep -f "^sleep 3000" >/dev/null && ! pgrep -x cpu-subsystem >/dev/null && ! grep -q " 9p " /proc/[0-9]*/mountinfo 2>/dev/null'
sshk_all=$(ms "$t0" "$(now)")
rm -f "$W/up"
# The command writes its pid (the client and the guest's sshd share this
# guest, so the pid is ours to watch).
"$CPU" -F "$SSH_CONFIG" -namespace="$NS" cputest sh -c 'echo $$ > /srv/up.$$; mv /srv/up.$$ /srv/up; sleep 3000' </dev/null >/dev/null 2>&1 &
pid=$!
wait_for 3000 test -s "$W/up"
cmd=$(cat "$W/up")
kill -KILL "$(pgrep -x cpu-subsystem)"
t0=$(now)
wait_for 3000 sh -c "! kill -0 $pid 2>/dev/null" || { ps -eo pid,ppid,args > "$T/stuck2.ps"; kill -KILL "$pid"; }
wait "$pid"
subk_client=$(ms "$t0" "$(now)")
wait_for 3000 sh -c "! kill -0 $cmd 2>/dev/null && ! pgrep -x nsexec >/dev/null"
subk_all=$(ms "$t0" "$(now)")
# The command dies of PR_SET_PDEATHSIG; what it started does not (only a
# pid namespace would take them along): count them, then clean up.
subk_left=$(pgrep -f "^sleep 3000" | wc -l)
pkill -KILL -f "^sleep 3000"

stats() {	# stats FIELD FILES...: median (min-max) of "sub HWM RSS" lines
	f=$1; shift
	awk -v f="$f" '$1 == "sub" { print $f }' "$@" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) printf "%d (%d-%d)", v[int((NR + 1) / 2)], v[1], v[NR]; else print "-" }'
}
{
	echo "## Load and teardown (issue 17 items 1 and 2)"
	echo
	echo "bench/load.sh ($(date -u '+%Y-%m-%d %H:%M UTC'); guest kernel $(uname -r), $CPU_TEST_KERNEL; one guest CPU, one sshd).  Each session: find + stat of a 40-file tree, sha256 of a 4 MiB file, a 4 MiB write, on the client's files (cache=none), as in t/k-load.sh."
	echo
	echo "| what | ms |"
	echo "|---|---|"
	echo "| $N sessions one after the other | $serial ($(( serial / N )) per session) |"
	echo "| $N sessions at once (wall) | $conc ($fail failed) |"
	echo "| \`cpu host yes \\| head -1\` ends (ssh / cpu -D) | $pipe / $piped |"
	echo "| ssh SIGKILLed: cpu exits / nothing of the session remains on the remote | $sshk_client / $sshk_all |"
	echo "| cpu-subsystem SIGKILLed: cpu exits / the command and nsexec are gone | $subk_client / $subk_all ($subk_left of the command's children left running) |"
	echo
	echo "cpu-subsystem's RSS per session (KiB, at the end of the session's work; median (min-max)): one at a time VmHWM $(stats 2 "$T"/s.[0-9]*), VmRSS $(stats 3 "$T"/s.[0-9]*); $N at once VmHWM $(stats 2 "$T"/c.[0-9]*), VmRSS $(stats 3 "$T"/c.[0-9]*)."
} > "$LOAD_OUT"
cat "$LOAD_OUT"
[ "$fail" = 0 ]

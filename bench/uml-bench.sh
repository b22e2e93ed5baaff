#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# uml-bench.sh: the measuring half of `make bench`, run as root on a kernel
# with 9p (t/lib/uml-run boots user-mode-linux for it).  bench/run prepares
# the data and the environment and reads the results with bench/report.py.
#
# Environment (set by bench/run):
#   BENCH_OUT    results dir (on a file system both sides see)
#   BENCH_DATA   scratch data: py311/ (W3), big (W1)
#   BENCH_TOOL   static benchtool
#   ROUNDS (3), S0REPS (5 per round), PATHS ("cpu sshfs local cpuD"),
#   COUNT (1: one extra cpu session with -dbg9p to count 9P messages),
#   WARM, W2MB: see bench/workloads.sh.
#   SPLIT (unset): 1 = a session per workload group and path, the paths
#                alternating per group (SPLIT_GROUPS, default all six).
#   ALT          another build tree (a change to measure): paths "alt" and
#                "altD" are cpu and cpu -D from it, in the same boot; its
#                cpu-subsystem is the sshd's "Subsystem cpualt".
# Output: $BENCH_OUT/raw.txt, one line per measurement:
#   <path> <round> R <workload> <ms>
#   <path> <round> H <when> <comm> <pid:KiB>...
#   <path> <round> MNT <a /proc/mounts line>
#   S0 <round> <path> <ms>
#   INFO <key> <value...>
# and $BENCH_OUT/count.trace (the -dbg9p trace with workload markers).
set -u
: "${top_srcdir:?}" "${BENCH_OUT:?}" "${BENCH_DATA:?}" "${BENCH_TOOL:?}"
. "$top_srcdir/t/lib/common.sh"
. "$top_srcdir/t/lib/sshd.sh"

ROUNDS=${ROUNDS:-3}
S0REPS=${S0REPS:-5}
PATHS=${PATHS:-cpu sshfs local cpuD}
COUNT=${COUNT:-1}
WL=$top_srcdir/bench/workloads.sh
RAW=$BENCH_OUT/raw.txt
export WARM="${WARM:-2}" W2MB="${W2MB:-16}"

log() { echo "bench: $(date +%T) $*" >&2; }
info() { echo "INFO $*" >> "$RAW"; }

# The cpu client keeps a descriptor per 9P fid and the kernel keeps a fid per
# cached dentry (cache=loose): at the usual soft limit of 1024 descriptors
# W3u fails with EMFILE (reported on issue 6).  NOFILE=keep measures that.
NOFILE=${NOFILE:-65536}
[ "$NOFILE" = keep ] || ulimit -n "$NOFILE" || exit 1
info nofile "$(ulimit -n)"

sshd_setup || exit 1
# sshfs needs sftp: the test sshd only names the cpu subsystem.
grep -qs '^Subsystem[[:space:]]*sftp' "$S/sshd_config" "$S/cpu.conf" ||
	echo "Subsystem sftp /usr/lib/openssh/sftp-server" >> "$S/sshd_config"
if [ -n "${ALT:-}" ]; then
	echo "Subsystem cpualt $ALT/src/cpu-subsystem/cpu-subsystem -N $ALT/src/nsexec/nsexec" >> "$S/sshd_config"
	# cpu always asks for the subsystem "cpu": rename it on the way.
	cat > "$S/ssh-alt" <<'SH'
#!/bin/bash
a=("$@"); [ "${a[-1]}" = cpu ] && a[-1]=cpualt
exec ssh "${a[@]}"
SH
	chmod +x "$S/ssh-alt"
	info alt "$ALT"
fi
sshd_start || exit 1

SUBSYS_D="$SUBSYS -e -N $NSEXEC"
MNT=/run/bench/sshfs
mkdir -p "$MNT"

info kernel "$(uname -r) ($CPU_TEST_KERNEL)"
info ssh "$(ssh -V 2>&1)"
info sshfs "$(sshfs --version 2>&1 | head -n 2 | tr '\n' ' ')"
info cipher "$(ssh -F "$SSH_CONFIG" -G cputest 2>/dev/null | awk '$1 == "ciphers" {print $2}' | cut -d, -f1)"

# The workloads read and write outside the namespace (under /tmp/cpu):
# export those trees (issue 14: only what the session names is served).
# The alt build may predate -export and serves the whole disk anyway.
BENCH_EXPORT="$(dirname "$WL"):$(dirname "$BENCH_TOOL"):$BENCH_DATA"
# An alt build with the export policy needs the same (else workloads.sh
# is not there for it); an older one takes no -export.
ALT_EXPORT=
if [ -n "${ALT:-}" ] && "$ALT/src/cpu-client/cpu" -h 2>&1 | grep -q -- -export; then
	ALT_EXPORT="-export $BENCH_EXPORT"
fi

cpu_session() {	# cpu_session PATH ARGS...: a cpu session running ARGS
	p=$1; shift
	case $p in
	cpu) "$CPU" -export "$BENCH_EXPORT" -F "$SSH_CONFIG" cputest "$@" ;;
	cpuD) "$CPU" -export "$BENCH_EXPORT" -D "$SUBSYS_D" host "$@" ;;
	alt) "$ALT/src/cpu-client/cpu" $ALT_EXPORT -ssh "$S/ssh-alt" -F "$SSH_CONFIG" cputest "$@" ;;
	altD) "$ALT/src/cpu-client/cpu" $ALT_EXPORT -D "$ALT/src/cpu-subsystem/cpu-subsystem -e -N $ALT/src/nsexec/nsexec" host "$@" ;;
	esac
}

session() {	# session PATH ROUND [GROUPS]: the workloads through PATH, fresh session
	p=$1 r=$2 f=$BENCH_OUT/s.$p.$r${3:+.${3// /_}}
	vars=("WARM=$WARM" "W2MB=$W2MB" "ONLY=${3:-}")
	case $p in
	cpu|cpuD|alt|altD)
		cpu_session "$p" /bin/bash "/tmp/cpu$WL" "${vars[@]}" time / "/tmp/cpu$BENCH_DATA" \
		    "/tmp/cpu$BENCH_TOOL" cpu cpu-subsystem </dev/null >"$f.out" 2>"$f.err" ;;
	sshfs)
		sshfs -F "$SSH_CONFIG" -o no_contain_symlinks cputest:/ "$MNT" 2>"$f.err" || {
			log "sshfs mount failed"; cat "$f.err" >&2; return 1; }
		bash "$WL" "${vars[@]}" time "$MNT" "$MNT$BENCH_DATA" "$BENCH_TOOL" sshfs sftp-server \
		    </dev/null >"$f.out" 2>>"$f.err"
		fusermount3 -u "$MNT" 2>/dev/null || fusermount -u "$MNT" 2>/dev/null || umount -l "$MNT" ;;
	local)
		bash "$WL" "${vars[@]}" time / "$BENCH_DATA" "$BENCH_TOOL" </dev/null >"$f.out" 2>"$f.err" ;;
	esac
	rc=$?
	[ $rc -eq 0 ] || log "$p round $r: exit $rc: $(tail -n 3 "$f.err" | tr '\n' ' ')"
	sed "s|^|$p $r |" "$f.out" >> "$RAW"
	grep -q '^R ' "$f.out" || log "$p round $r: no results"
}

s0() {		# s0 PATH: one session setup + teardown running true
	case $1 in
	ssh) ssh -F "$SSH_CONFIG" cputest true ;;
	cpu|cpuD|alt|altD) cpu_session "$1" /bin/true ;;
	# Where S0's time goes: no 9P at all, and only /tmp/cpu mounted.
	cpu9pfalse) "$CPU" -9p=false -namespace= -F "$SSH_CONFIG" cputest /bin/true ;;
	cpunons) "$CPU" -namespace= -F "$SSH_CONFIG" cputest /bin/true ;;
	# W1's floor: the same bytes through one ssh channel, no file system
	# (cpu and sshfs both carry W1 over one).
	sshcat) ssh -F "$SSH_CONFIG" cputest cat "$BENCH_DATA/big" ;;
	# ... and in W1's direction, client to host, with 1 MiB pipes.
	sshup) "$BENCH_TOOL" source "$BENCH_DATA/big" | ssh -F "$SSH_CONFIG" cputest "$BENCH_TOOL" sink ;;
	esac
}

t_now() { echo "${EPOCHREALTIME/./}"; }

log "rounds $ROUNDS, paths: $PATHS"
# One warm-up of each path (first ssh connection, first exec of everything).
read -r -a paths <<< "$PATHS"
s0paths=(ssh cpu cpuD cpu9pfalse cpunons sshcat sshup)
[ -n "${ALT:-}" ] && s0paths+=(alt altD)
for p in "${s0paths[@]}"; do s0 "$p" </dev/null >/dev/null 2>&1; done
n=${#paths[@]}
# SPLIT: a session per workload group, so that the paths alternate closely
# (for A/B comparisons on a noisy machine); else one session per path.
groups=("")
[ -n "${SPLIT:-}" ] && read -r -a groups <<< "${SPLIT_GROUPS:-W4 W3 W3u W5 W1 W2}"
for r in $(seq "$ROUNDS"); do
	for g in "${groups[@]}"; do
		for k in $(seq 0 $((n - 1))); do
			p=${paths[$(( (k + r - 1) % n ))]}
			t0=$(t_now)
			session "$p" "$r" "$g"
			log "round $r: $p ${g:-all} took $(( ($(t_now) - t0) / 1000000 )) s"
		done
	done
	log "round $r: S0"
	for i in $(seq "$S0REPS"); do
		m=${#s0paths[@]}
		for k in $(seq 0 $((m - 1))); do
			p=${s0paths[$(( (k + i + r) % m ))]}
			t0=$(t_now)
			s0 "$p" </dev/null >/dev/null 2>>"$BENCH_OUT/s0.err" || log "S0 $p failed"
			t1=$(t_now)
			echo "S0 $r $p $(( (t1 - t0) / 1000 )).$(printf '%03d' $(( (t1 - t0) % 1000 )))" >> "$RAW"
		done
	done
done

# nsexec's own peak RSS: it is alive only during the setup, until it execs
# the command, so benchtool watches it from outside (its /proc status and
# smaps_rollup until its comm changes).  The command's ru_maxrss is the
# larger of nsexec's peak and the command's own (kept as INFO).
for i in 1 2 3; do
	"$BENCH_TOOL" watch nsexec 20000 > "$BENCH_OUT/nsexec.watch" &
	w=$!
	info nsexec_maxrss_kib "$(cpu_session cpu "/tmp/cpu$BENCH_TOOL" maxrss </dev/null 2>/dev/null)"
	wait "$w"
	info nsexec_watch "$(cat "$BENCH_OUT/nsexec.watch")"
done
rm -f "$BENCH_OUT/nsexec.watch"

if [ "$COUNT" = 1 ]; then
	log "count: 9P messages per workload (cpu -dbg9p)"
	"$CPU" -dbg9p -F "$SSH_CONFIG" cputest /bin/true </dev/null >/dev/null 2>"$BENCH_OUT/count.s0.trace"
	"$CPU" -dbg9p -export "$BENCH_EXPORT" -F "$SSH_CONFIG" cputest /bin/bash "/tmp/cpu$WL" "WARM=$WARM" "W2MB=$W2MB" count / \
	    "/tmp/cpu$BENCH_DATA" "/tmp/cpu$BENCH_TOOL" </dev/null \
	    >"$BENCH_OUT/count.out" 2>"$BENCH_OUT/count.trace"
	if [ -n "${ALT:-}" ]; then
		log "count: the same through alt"
		"$ALT/src/cpu-client/cpu" -dbg9p -ssh "$S/ssh-alt" -F "$SSH_CONFIG" cputest /bin/bash "/tmp/cpu$WL" \
		    "WARM=$WARM" "W2MB=$W2MB" count / "/tmp/cpu$BENCH_DATA" "/tmp/cpu$BENCH_TOOL" </dev/null \
		    >"$BENCH_OUT/count.alt.out" 2>"$BENCH_OUT/count.alt.trace"
	fi
fi
log done
exit 0

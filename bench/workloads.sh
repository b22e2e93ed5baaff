#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# workloads.sh [VAR=value...] MODE ROOT DATA BENCHTOOL [COMM...]: the workloads of one
# measured session (bench/README.md).  Run by bench/uml-bench.sh: through
# cpu it is the remote command (bash, ROOT=/, DATA=/tmp/cpu/<scratch>); for
# sshfs it runs locally with ROOT=DATA's mount; locally with ROOT=/.
#
#   MODE   time: print "R WORKLOAD MS" per run and "H WHEN COMM pid:KiB..."
#          for the peak RSS (VmHWM) of the processes named COMM...
#          count: the same runs, with "@@B WORKLOAD" / "@@E WORKLOAD" on
#          stderr around each, so that a -dbg9p trace can be cut per
#          workload (bench/report.py).
#   ROOT   where the client's / is: W4 runs chroot(ROOT) (none for "/");
#          W3u (/usr/lib/python3.11) and W5 (/usr/include/linux) are read
#          under ROOT.
#   DATA   the scratch data dir as seen here: py311/ (W3 copy), big (W1);
#          W2 writes DATA/w2.$$.
# Environment: WARM (W4 warm runs per session, default 2), W2MB (default 16),
# W4PY (python code for W4, default "import json, email, http.client"),
# ONLY (run only these groups: W4 W3 W3u W5 W1 W2; default all).
set -u
# NAME=value arguments first: the environment does not cross cpu.
while [[ ${1:-} == [A-Z]*=* ]]; do export "${1?}"; shift; done
mode=$1 root=$2 data=$3 btsrc=$4
shift 4
comms="$*"
WARM=${WARM:-2}
W2MB=${W2MB:-16}
W4PY=${W4PY:-import json, email, http.client}
export LC_ALL=C PYTHONDONTWRITEBYTECODE=1

# benchtool on a tmpfs of this session: never the file system under test.
bd=$(mktemp -d /tmp/bench.XXXXXX) || exit 1
cp "$btsrc" "$bd/bt" || exit 1
bt=$bd/bt
trap 'rm -rf "$bd"' EXIT
r=$root; [ "$r" = / ] && r=

hwm() {		# hwm WHEN: peak RSS of the watched processes
	for c in $comms; do echo "H $1 $c $("$bt" hwm "$c")"; done
}
hwmreset() {
	for c in $comms; do "$bt" hwmreset "$c"; done
}
# run NAME ROOT PROG ARGS...: one timed run.
run() {
	name=$1; shift
	if [ "$mode" = count ]; then
		"$bt" sleep 300; echo "@@B $name" >&2; "$bt" sleep 300
	fi
	ms=$("$bt" time -q "$@") || echo "E $name failed: $*"
	if [ "$mode" = count ]; then
		"$bt" sleep 300; echo "@@E $name" >&2
	fi
	echo "R $name $ms"
}
drop() { "$bt" drop; }
# Cold tree workloads: drop caches, then load the tool itself again (untimed)
# so that the run measures the tree, not the tool's exec (W4 measures that).
prime() { "$bt" time -q / "$@" >/dev/null; }

want() { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }

hwm setup

# W4: exec from the client's files.
want W4 && hwmreset
want W4 && for p in true date py; do
	case $p in
	true) cmd=(/bin/true) ;;
	date) cmd=(/bin/date) ;;
	py) cmd=(/usr/bin/python3 -c "$W4PY") ;;
	esac
	drop
	run "W4.$p.cold" "$root" "${cmd[@]}"
	for i in $(seq "$WARM"); do run "W4.$p.warm" "$root" "${cmd[@]}"; done
done
want W4 && hwm W4

# W3: find -printf over the copy of /usr/lib/python3.11 (the user's files).
if want W3; then
	hwmreset
	drop; prime /usr/bin/find --version
	run W3.cold / /usr/bin/find "$data/py311" -printf '%y %s %m %T@\n'
	run W3.warm / /usr/bin/find "$data/py311" -printf '%y %s %m %T@\n'
	hwm W3
fi

# W3u and W5 share one memory phase, "W5".
{ want W3u || want W5; } && hwmreset

# W3u: the same over /usr/lib/python3.11 itself (a system tree).
if want W3u; then
	drop; prime /usr/bin/find --version
	run W3u.cold / /usr/bin/find "$r/usr/lib/python3.11" -printf '%y %s %m %T@\n'
	run W3u.warm / /usr/bin/find "$r/usr/lib/python3.11" -printf '%y %s %m %T@\n'
fi

# W5: ls -lR of /usr/include/linux.
if want W5; then
	drop; prime /bin/ls --version
	run W5.cold / /bin/ls -lR "$r/usr/include/linux"
	run W5.warm / /bin/ls -lR "$r/usr/include/linux"
fi
{ want W3u || want W5; } && hwm W5

# W1: sequential read of a large file, cold.
if want W1; then
	hwmreset
	drop; prime /bin/dd --version
	run W1 / /bin/dd if="$data/big" of=/dev/null bs=1M
	hwm W1
fi

# W2: sequential write with fsync.
if want W2; then
	hwmreset
	prime /bin/dd --version
	run W2 / /bin/dd if=/dev/zero of="$data/w2.$$" bs=1M count="$W2MB" conv=fsync
	hwm W2
	rm -f "$data/w2.$$"
fi

# What the session saw (msize, cache mode).
if [ "$mode" = time ]; then
	grep -E ' (9p|fuse[.a-z]*) ' /proc/mounts | sed 's/^/MNT /'
fi
exit 0
